# Every stopped task that copies into one destination bucket.
data "oms_sync_tasks" "stopped" {
  status     = "STOPPED"
  dst_bucket = "backup-bucket"

  timeouts {
    read = "2m"
  }
}

output "stopped_task_ids" {
  value = data.oms_sync_tasks.stopped.ids
}

output "stopped_tasks_by_source" {
  value = {
    for t in data.oms_sync_tasks.stopped.tasks : t.sync_task_id => "${t.src_cloud_type}:${t.src_bucket}"
  }
}
