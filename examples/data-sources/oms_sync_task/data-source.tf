data "oms_sync_task" "example" {
  sync_task_id = "d18befdd-eb82-41f3-8019-bbb593d74a3e"

  timeouts {
    read = "2m"
  }
}

output "sync_task_status" {
  value = data.oms_sync_task.example.status
}

output "objects_failed_this_month" {
  value = data.oms_sync_task.example.monthly_failure_object
}
