# Six hours of one task, point by point.
data "oms_sync_task_statistics" "recent" {
  sync_task_id = "d18befdd-eb82-41f3-8019-bbb593d74a3e"
  start_time   = 1700000000000 # milliseconds since the Unix epoch
  end_time     = 1700021600000 # six hours later
  data_types   = ["SUCCESS", "FAILURE"]
}

output "interval" {
  value = data.oms_sync_task_statistics.recent.statistic_time_type
}

output "failed_objects_in_range" {
  value = sum(concat([0], flatten([
    for s in data.oms_sync_task_statistics.recent.statistics : [
      for p in s.data : p.statistic_num
    ] if s.data_type == "FAILURE"
  ])))
}
