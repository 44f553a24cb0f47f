//! Sample sync tasks served by default. They cover the shapes a client decoder must
//! survive: the documented example, nulls everywhere, int64 extremes, non-ASCII text
//! and the Tencent-only / SDK-version-dependent fields. [`generated_tasks`] adds as many
//! plain tasks as a test needs to page through the list API.

use serde_json::{json, Value};

/// The task the examples and most tests read: every field set.
pub const SEED_TASK_ID: &str = "d18befdd-eb82-41f3-8019-bbb593d74a3e";
/// A task whose optional fields are all null, to test null handling.
pub const NULLS_TASK_ID: &str = "0b6c0000-0000-4000-8000-0000000000ff";
/// A task with int64 values beyond 2^53, which must not lose precision.
pub const INT64_TASK_ID: &str = "7fffffff-ffff-4fff-bfff-ffffffffffff";
/// A task with non-ASCII text, which must pass through unchanged.
pub const UNICODE_TASK_ID: &str = "4e2d6587-0000-4000-8000-0000756e6963";
/// A task migrating from another cloud, so source fields differ from the seed's.
pub const TENCENT_TASK_ID: &str = "5e1c3a7b-2f4d-4c6e-9a8b-0c1d2e3f4a5b";

/// The example 200 response from the ShowSyncTask API page, copied byte for byte.
pub const SEED_TASK_JSON: &str = r#"{
  "sync_task_id" : "d18befdd-eb82-41f3-8019-bbb593d74a3e",
  "src_cloud_type" : "HuaweiCloud",
  "src_region" : "cn-north-7",
  "src_bucket" : "oms-sdk-test-src",
  "create_time" : 1700639560751,
  "last_start_time" : 1700639560751,
  "dst_bucket" : "oms-sdk-test-dst",
  "dst_region" : "cn-north-7",
  "description" : "sync task test",
  "status" : "SYNCHRONIZING",
  "enable_metadata_migration" : false,
  "enable_restore" : false,
  "app_id" : null,
  "monthly_acceptance_request" : 11,
  "monthly_success_object" : 0,
  "monthly_failure_object" : 11,
  "monthly_skip_object" : 0,
  "monthly_size" : 0,
  "object_overwrite_mode" : "SIZE_LAST_MODIFIED_COMPARISON_OVERWRITE",
  "dst_storage_policy" : null,
  "consistency_check" : "size_last_modified"
}"#;

/// The seed example as JSON.
pub fn seed_task() -> Value {
    serde_json::from_str(SEED_TASK_JSON).expect("seed example is valid JSON")
}

/// Every sample task, for [`ServerConfig::with_sample_tasks`](crate::ServerConfig::with_sample_tasks).
pub fn sample_tasks() -> Vec<Value> {
    vec![
        seed_task(),
        json!({
            "sync_task_id": NULLS_TASK_ID,
            "src_cloud_type": null,
            "src_region": null,
            "src_bucket": null,
            "create_time": null,
            "last_start_time": null,
            "dst_bucket": null,
            "dst_region": null,
            "description": null,
            "status": null,
            "enable_metadata_migration": null,
            "enable_restore": null,
            "app_id": null,
            "monthly_acceptance_request": null,
            "monthly_success_object": null,
            "monthly_failure_object": null,
            "monthly_skip_object": null,
            "monthly_size": null,
            "object_overwrite_mode": null,
            "dst_storage_policy": null,
            "consistency_check": null
        }),
        json!({
            "sync_task_id": INT64_TASK_ID,
            "src_cloud_type": "AWS",
            "src_region": "us-east-1",
            "src_bucket": "int64-src",
            "create_time": i64::MAX,
            "last_start_time": 0,
            "dst_bucket": "int64-dst",
            "dst_region": "cn-north-4",
            "description": "",
            "status": "SYNCHRONIZING",
            "enable_metadata_migration": true,
            "enable_restore": true,
            "app_id": null,
            "monthly_acceptance_request": i64::MAX,
            "monthly_success_object": i64::MAX,
            "monthly_failure_object": i64::MAX,
            "monthly_skip_object": i64::MAX,
            "monthly_size": i64::MAX,
            "object_overwrite_mode": "FULL_OVERWRITE",
            "dst_storage_policy": "DEEP_ARCHIVE",
            "consistency_check": "crc64"
        }),
        json!({
            "sync_task_id": UNICODE_TASK_ID,
            "src_cloud_type": "Aliyun",
            "src_region": "cn-hangzhou",
            "src_bucket": "数据-源",
            "create_time": 1_700_639_560_751_i64,
            "last_start_time": 1_700_639_999_000_i64,
            "dst_bucket": "oms-unicode-dst",
            "dst_region": "cn-east-3",
            "description": "同步任务 — émigré façade ✓ 🚀 \\ tab\there",
            "status": "SYNCHRONIZING",
            "enable_metadata_migration": false,
            "enable_restore": false,
            "app_id": null,
            "monthly_acceptance_request": 3,
            "monthly_success_object": 3,
            "monthly_failure_object": 0,
            "monthly_skip_object": 0,
            "monthly_size": 1_048_576,
            "object_overwrite_mode": "NO_OVERWRITE",
            "dst_storage_policy": "IA",
            "consistency_check": "size_last_modified"
        }),
        json!({
            "sync_task_id": TENCENT_TASK_ID,
            "src_cloud_type": "Tencent",
            "src_region": "ap-guangzhou",
            "src_bucket": "tencent-src-1250000000",
            "create_time": 1_690_000_000_000_i64,
            "last_start_time": 1_690_000_100_000_i64,
            "dst_bucket": "oms-tencent-dst",
            "dst_region": "cn-south-1",
            "description": "stopped tencent task",
            "status": "STOPPED",
            "enable_metadata_migration": true,
            "enable_restore": false,
            "app_id": "1250000000",
            "enable_kms": true,
            "monthly_acceptance_request": 0,
            "monthly_success_object": 0,
            "monthly_failure_object": 0,
            "monthly_skip_object": 0,
            "monthly_size": 0,
            "object_overwrite_mode": "CRC64_COMPARISON_OVERWRITE",
            "dst_storage_policy": "SRC_STORAGE_MAPPING",
            "consistency_check": "crc64"
        }),
    ]
}

/// Cloud types cycled through by [`generated_tasks`]: the SDK's documented values.
const GENERATED_CLOUD_TYPES: [(&str, &str); 10] = [
    ("AWS", "us-east-1"),
    ("Azure", "eastus"),
    ("Aliyun", "cn-hangzhou"),
    ("Tencent", "ap-guangzhou"),
    ("HuaweiCloud", "cn-north-4"),
    ("QingCloud", "pek3"),
    ("KingsoftCloud", "BEIJING"),
    ("Baidu", "bj"),
    ("Qiniu", "z0"),
    ("UCloud", "cn-bj2"),
];

/// The id of the `index`-th generated task (from 0). The `9e9e` prefix keeps them apart
/// from the sample tasks' ids.
pub fn generated_task_id(index: usize) -> String {
    format!("9e9e0000-0000-4000-8000-{index:012x}")
}

/// `count` generated tasks, always the same for the same `count` (and each a prefix of a
/// longer run), so the list API has several pages to serve: every third task is
/// `STOPPED`, cloud types and regions cycle through the SDK's ten, source buckets repeat
/// every seven tasks and destination buckets every five (so filters on them match
/// several tasks across pages), and every fourth task reads through a CDN
/// (`source_cdn`). Their monthly counters are zero except failures on some stopped tasks.
pub fn generated_tasks(count: usize) -> Vec<Value> {
    (0..count).map(generated_task).collect()
}

fn generated_task(i: usize) -> Value {
    let (cloud, region) = GENERATED_CLOUD_TYPES[i % GENERATED_CLOUD_TYPES.len()];
    let stopped = i % 3 == 2;
    let created = 1_700_000_000_000_i64 + i64::try_from(i).unwrap_or(0) * 60_000;
    let mut task = json!({
        "sync_task_id": generated_task_id(i),
        "src_cloud_type": cloud,
        "src_region": region,
        "src_bucket": format!("gen-src-{}", i % 7),
        "create_time": created,
        "last_start_time": created + 1_000,
        "dst_bucket": format!("gen-dst-{}", i % 5),
        "dst_region": "cn-north-4",
        "description": format!("generated task {i}"),
        "status": if stopped { "STOPPED" } else { "SYNCHRONIZING" },
        "enable_metadata_migration": i.is_multiple_of(2),
        "enable_restore": i.is_multiple_of(5),
        "app_id": if cloud == "Tencent" { Value::from("1250000000") } else { Value::Null },
        "monthly_acceptance_request": 0,
        "monthly_success_object": 0,
        "monthly_failure_object": if stopped && i % 4 == 2 { i } else { 0 },
        "monthly_skip_object": 0,
        "monthly_size": 0,
        "object_overwrite_mode": "SIZE_LAST_MODIFIED_COMPARISON_OVERWRITE",
        "dst_storage_policy": if i.is_multiple_of(2) { Value::from("STANDARD") } else { Value::Null },
        "consistency_check": if i.is_multiple_of(3) { "crc64" } else { "size_last_modified" },
    });
    if i % 4 == 1 {
        task["source_cdn"] = json!({
            "domain": format!("cdn-{i}.example.com"),
            "protocol": if i % 8 == 1 { "https" } else { "http" },
            "authentication_type": if i % 8 == 1 { "NONE" } else { "QINIU_PRIVATE_AUTHENTICATION" },
        });
    }
    task
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_ids_are_unique_and_seed_is_first() {
        let tasks = sample_tasks();
        let ids: Vec<&str> = tasks.iter().map(|t| t["sync_task_id"].as_str().unwrap()).collect();
        assert_eq!(ids, [SEED_TASK_ID, NULLS_TASK_ID, INT64_TASK_ID, UNICODE_TASK_ID, TENCENT_TASK_ID]);
        assert_eq!(tasks[0]["monthly_failure_object"], 11);
        assert_eq!(tasks[0].as_object().unwrap().len(), 21);
        assert_eq!(tasks[2]["monthly_size"].as_i64(), Some(i64::MAX));
    }

    #[test]
    fn generated_tasks_are_deterministic_and_varied() {
        let tasks = generated_tasks(250);
        assert_eq!(tasks, generated_tasks(250));
        assert_eq!(generated_tasks(10), tasks[..10]);
        let ids: std::collections::HashSet<&str> = tasks.iter().map(|t| t["sync_task_id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), 250);
        assert!(sample_tasks().iter().all(|t| !ids.contains(t["sync_task_id"].as_str().unwrap())));
        assert_eq!(tasks[7]["sync_task_id"], generated_task_id(7));
        let count = |f: &dyn Fn(&Value) -> bool| tasks.iter().filter(|t| f(t)).count();
        assert_eq!(count(&|t| t["status"] == "STOPPED"), 83);
        assert_eq!(count(&|t| t["status"] == "SYNCHRONIZING"), 167);
        assert_eq!(count(&|t| t.get("source_cdn").is_some()), 63);
        assert_eq!(count(&|t| t["src_cloud_type"] == "Tencent"), 25);
        assert_eq!(count(&|t| t["src_bucket"] == "gen-src-3"), 36);
        assert!(tasks.iter().all(|t| t.as_object().unwrap().len() >= 21));
    }
}
