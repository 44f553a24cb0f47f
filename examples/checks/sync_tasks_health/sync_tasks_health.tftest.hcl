# `terraform test` for the check in main.tf, against the local OMS server's
# sample tasks: its one STOPPED task has no failures, two SYNCHRONIZING ones
# have some. The endpoint and credentials come from the environment
# (TF_VAR_oms_endpoint, HW_*).

run "stopped_tasks_pass_the_check" {
  command = plan

  assert {
    condition     = length(data.oms_sync_tasks.watched.ids) == 1
    error_message = "The local server has one STOPPED task."
  }

  assert {
    condition     = alltrue([for t in data.oms_sync_tasks.watched.tasks : t.status == "STOPPED"])
    error_message = "The status filter let other tasks through."
  }

  assert {
    condition     = length(local.failing) == 0
    error_message = "No STOPPED task should have failures."
  }
}

run "synchronizing_tasks_with_failures_fail_the_check" {
  command = plan

  variables {
    status = "SYNCHRONIZING"
  }

  expect_failures = [check.no_failed_objects]
}
