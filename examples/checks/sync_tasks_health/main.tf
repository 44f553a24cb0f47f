# A pipeline guard. Every `terraform plan` and `apply` evaluates the `check`
# block below and warns, without stopping the run, when a watched task has
# failed objects this month. `oms_sync_tasks` finds the tasks; `oms_sync_task`
# reads each one's monthly counters, which the list does not carry.
#
# `terraform test` runs sync_tasks_health.tftest.hcl against the local OMS
# server (tests/e2e_sync_task_lists.rs does, from scripts/test.sh).

terraform {
  required_version = ">= 1.5"

  required_providers {
    oms = {
      source = "terraform.local/local/oms"
    }
  }
}

variable "oms_endpoint" {
  type        = string
  default     = null
  description = "Base URL of the OMS API; null for the region's endpoint."
}

variable "status" {
  type        = string
  default     = "STOPPED"
  description = "Which tasks must have no failed objects this month: STOPPED (a stopped task with failures needs a restart) or SYNCHRONIZING."
}

# Region, project and credentials come from HW_REGION_NAME, HW_PROJECT_ID,
# HW_ACCESS_KEY and HW_SECRET_KEY.
provider "oms" {
  endpoints = var.oms_endpoint == null ? null : { oms = var.oms_endpoint }
}

data "oms_sync_tasks" "watched" {
  status = var.status
}

data "oms_sync_task" "watched" {
  for_each     = toset(data.oms_sync_tasks.watched.ids)
  sync_task_id = each.value
}

locals {
  failing = sort([
    for id, task in data.oms_sync_task.watched : id if coalesce(task.monthly_failure_object, 0) > 0
  ])
}

check "no_failed_objects" {
  assert {
    condition     = length(local.failing) == 0
    error_message = "${var.status} sync tasks with failed objects this month: ${join(", ", local.failing)}."
  }
}

output "watched_task_ids" {
  value = data.oms_sync_tasks.watched.ids
}
