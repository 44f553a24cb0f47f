# A runnable demo: reads sample sync tasks from the local OMS-compatible
# server (`oms-local-server`): one task by id, and the list of stopped tasks. `scripts/demo.sh` starts the server, points
# this configuration at it and runs `terraform apply`.

terraform {
  required_providers {
    oms = {
      source = "terraform.local/local/oms"
    }
  }
}

variable "oms_endpoint" {
  type        = string
  description = "Base URL of the OMS API, e.g. the local server's http://127.0.0.1:PORT."
}

variable "sync_task_id" {
  type    = string
  default = "d18befdd-eb82-41f3-8019-bbb593d74a3e"
}

# Region, project and credentials come from HW_REGION_NAME, HW_PROJECT_ID,
# HW_ACCESS_KEY and HW_SECRET_KEY, as with the official Huawei Cloud provider.
provider "oms" {
  endpoints = {
    oms = var.oms_endpoint
  }
}

data "oms_sync_task" "demo" {
  sync_task_id = var.sync_task_id

  timeouts {
    read = "30s"
  }
}

output "task" {
  value = {
    id                    = data.oms_sync_task.demo.id
    status                = data.oms_sync_task.demo.status
    route                 = "${data.oms_sync_task.demo.src_cloud_type}:${data.oms_sync_task.demo.src_bucket} -> ${data.oms_sync_task.demo.dst_bucket}"
    monthly_requested     = data.oms_sync_task.demo.monthly_acceptance_request
    monthly_failed        = data.oms_sync_task.demo.monthly_failure_object
    object_overwrite_mode = data.oms_sync_task.demo.object_overwrite_mode
    counters_for_month_of = data.oms_sync_task.demo.query_time
  }
}

# Every stopped task, found without knowing its id.
data "oms_sync_tasks" "stopped" {
  status = "STOPPED"
}

output "stopped_tasks" {
  value = {
    for t in data.oms_sync_tasks.stopped.tasks : t.sync_task_id => "${t.src_cloud_type}:${t.src_bucket} -> ${t.dst_bucket}"
  }
}
