//! The tasks the server holds, in the order they were added: that order is the
//! "service's order" the list API pages through, so paging is deterministic.
//!
//! Each task keeps two precomputed bodies: the stored JSON as given (the show API answers
//! it byte for byte) and its `SyncTaskInfo` projection (one entry of the list API).

use std::collections::HashMap;

use bytes::Bytes;
use serde_json::{Map, Value};

/// The fields of the SDK's `SyncTaskInfo` (`huaweicloudsdkoms` v2), in its order: what one
/// entry of `ListSyncTasks` carries. The show API's monthly counters are not among them.
/// The provider's schema lists the same names; the repetition is deliberate, like the
/// signature verifier's: this crate takes nothing from the provider, so a field the
/// provider gets wrong cannot also be wrong here.
pub const SYNC_TASK_INFO_FIELDS: [&str; 17] = [
    "sync_task_id",
    "src_cloud_type",
    "src_region",
    "src_bucket",
    "create_time",
    "last_start_time",
    "dst_bucket",
    "dst_region",
    "description",
    "status",
    "enable_metadata_migration",
    "enable_restore",
    "app_id",
    "source_cdn",
    "object_overwrite_mode",
    "dst_storage_policy",
    "consistency_check",
];

/// The two task states the list API can filter on (its `status` query parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskStatus {
    /// `SYNCHRONIZING`: the task is running.
    Synchronizing,
    /// `STOPPED`: the task is paused or finished.
    Stopped,
}

impl TaskStatus {
    /// Exact, case-sensitive match; anything else is refused as the service does.
    pub fn parse(s: &str) -> Option<TaskStatus> {
        match s {
            "SYNCHRONIZING" => Some(TaskStatus::Synchronizing),
            "STOPPED" => Some(TaskStatus::Stopped),
            _ => None,
        }
    }

    /// The wire name, as the `status` parameter and task bodies spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Synchronizing => "SYNCHRONIZING",
            TaskStatus::Stopped => "STOPPED",
        }
    }
}

struct StoredTask {
    show_body: Bytes,
    list_entry: Bytes,
    status: Option<TaskStatus>,
}

/// One page of the list API, ready to serialise.
pub struct Page {
    /// `SyncTaskInfo` JSON objects, each already serialised.
    pub entries: Vec<Bytes>,
    /// How many tasks match the filter (before paging).
    pub matching: usize,
}

/// Kept behind one lock so a page is always cut from a consistent snapshot.
#[derive(Default)]
pub struct TaskStore {
    order: Vec<String>,
    by_id: HashMap<String, StoredTask>,
}

impl TaskStore {
    /// Adds a task, or replaces the one with the same id in place (keeping its position).
    /// A value without a string `"sync_task_id"` cannot be addressed and is ignored.
    pub fn insert(&mut self, task: &Value) {
        let Some(id) = task.get("sync_task_id").and_then(Value::as_str) else {
            return;
        };
        let Ok(show_body) = serde_json::to_vec(task) else {
            return;
        };
        let Ok(list_entry) = serde_json::to_vec(&sync_task_info(task)) else {
            return;
        };
        let status = task.get("status").and_then(Value::as_str).and_then(TaskStatus::parse);
        let stored = StoredTask { show_body: Bytes::from(show_body), list_entry: Bytes::from(list_entry), status };
        if self.by_id.insert(id.to_string(), stored).is_none() {
            self.order.push(id.to_string());
        }
    }

    /// Cheap to clone, so the lock is released before the response is written.
    pub fn show_body(&self, id: &str) -> Option<Bytes> {
        self.by_id.get(id).map(|t| t.show_body.clone())
    }

    /// For APIs that need the task to exist but not its body (statistics).
    pub fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    /// For [`crate::LocalOmsServer::task_count`], so tests can check seeding.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Pairs with [`TaskStore::len`].
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The tasks matching `status` (all when `None`), skipping `offset`, at most `limit`.
    pub fn page(&self, status: Option<TaskStatus>, offset: u64, limit: usize) -> Page {
        let matching: Vec<&StoredTask> = self
            .order
            .iter()
            .filter_map(|id| self.by_id.get(id))
            .filter(|t| status.is_none() || t.status == status)
            .collect();
        let skip = usize::try_from(offset).unwrap_or(usize::MAX);
        let entries = matching.iter().skip(skip).take(limit).map(|t| t.list_entry.clone()).collect();
        Page { entries, matching: matching.len() }
    }
}

/// A task's list entry: the `SyncTaskInfo` fields it has, nothing else (a field the
/// stored task lacks stays absent, one it holds as `null` stays `null`).
fn sync_task_info(task: &Value) -> Value {
    let mut out = Map::new();
    for name in SYNC_TASK_INFO_FIELDS {
        if let Some(v) = task.get(name) {
            out.insert(name.to_string(), v.clone());
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn task(id: &str, status: &str) -> Value {
        json!({"sync_task_id": id, "status": status, "monthly_size": 5, "enable_kms": true})
    }

    #[test]
    fn keeps_insertion_order_and_replaces_in_place() {
        let mut s = TaskStore::default();
        s.insert(&task("a", "STOPPED"));
        s.insert(&task("b", "SYNCHRONIZING"));
        s.insert(&task("c", "STOPPED"));
        s.insert(&json!({"sync_task_id": "a", "status": "SYNCHRONIZING"}));
        s.insert(&json!({"no_id": 1}));
        assert_eq!(s.len(), 3);
        let ids = |p: Page| -> Vec<String> {
            p.entries
                .iter()
                .map(|b| serde_json::from_slice::<Value>(b).unwrap()["sync_task_id"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(ids(s.page(None, 0, 10)), ["a", "b", "c"]);
        assert_eq!(ids(s.page(Some(TaskStatus::Synchronizing), 0, 10)), ["a", "b"]);
        assert_eq!(ids(s.page(Some(TaskStatus::Stopped), 0, 10)), ["c"]);
        assert_eq!(ids(s.page(None, 1, 1)), ["b"]);
        let past = s.page(None, u64::MAX, 100);
        assert!(past.entries.is_empty());
        assert_eq!(past.matching, 3);
    }

    #[test]
    fn list_entries_carry_only_sync_task_info_fields() {
        let mut s = TaskStore::default();
        s.insert(&task("a", "STOPPED"));
        let entry: Value = serde_json::from_slice(&s.page(None, 0, 1).entries[0]).unwrap();
        assert_eq!(entry, json!({"sync_task_id": "a", "status": "STOPPED"}));
        let shown: Value = serde_json::from_slice(&s.show_body("a").unwrap()).unwrap();
        assert_eq!(shown["monthly_size"], 5);
    }
}
