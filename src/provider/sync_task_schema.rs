//! The schema of `oms_sync_task`: the one place its attribute names, types
//! and descriptions live (the registry docs are generated from it).

use crate::framework::schema::{Attribute, Block, NestedBlock, Nesting, Schema};
use crate::framework::types::Type;

pub const TYPE_NAME: &str = "oms_sync_task";

/// Response fields in the order the OMS API documents them, with their type
/// and description. `enable_kms` is not in the current API document but the
/// live service returns it.
pub const RESPONSE_FIELDS: &[(&str, FieldKind, &str)] = &[
    ("src_cloud_type", FieldKind::String, "The source cloud service provider. One of `AWS`, `Azure`, `Aliyun`, `Tencent`, `HuaweiCloud`, `QingCloud`, `KingsoftCloud`, `Baidu`, `Qiniu`, `UCloud` (the service's default is `Aliyun`)."),
    ("src_region", FieldKind::String, "The region of the source bucket."),
    ("src_bucket", FieldKind::String, "The name of the source bucket."),
    ("create_time", FieldKind::Integer, "When the task was created, in milliseconds since the Unix epoch."),
    ("last_start_time", FieldKind::Integer, "When the task was last started, in milliseconds since the Unix epoch."),
    ("dst_bucket", FieldKind::String, "The name of the destination bucket."),
    ("dst_region", FieldKind::String, "The region of the destination bucket."),
    ("description", FieldKind::String, "The task description (at most 255 characters)."),
    ("status", FieldKind::String, "The task status: `SYNCHRONIZING` (synchronizing) or `STOPPED` (stopped)."),
    ("enable_metadata_migration", FieldKind::Bool, "Whether object metadata is migrated. Even when disabled, `Content-Type` is still migrated."),
    ("enable_restore", FieldKind::Bool, "Whether archived source objects are restored automatically and then migrated."),
    ("app_id", FieldKind::String, "The Tencent Cloud APPID; only returned when the source cloud is `Tencent`."),
    ("monthly_acceptance_request", FieldKind::Integer, "The number of objects requested for synchronization in the month of `query_time`."),
    ("monthly_success_object", FieldKind::Integer, "The number of objects synchronized successfully in the month of `query_time`."),
    ("monthly_failure_object", FieldKind::Integer, "The number of objects that failed to synchronize in the month of `query_time`."),
    ("monthly_skip_object", FieldKind::Integer, "The number of objects skipped in the month of `query_time`."),
    ("monthly_size", FieldKind::Integer, "The total size, in bytes, of objects synchronized in the month of `query_time`."),
    ("object_overwrite_mode", FieldKind::String, "How a source object treats a destination object with the same name. `NO_OVERWRITE`: never overwrite, always skip. `SIZE_LAST_MODIFIED_COMPARISON_OVERWRITE` (the default): overwrite when the size differs or the source was modified more recently. `CRC64_COMPARISON_OVERWRITE`: overwrite when the CRC64 checksums differ (falls back to size and modification time when there are no checksums). `FULL_OVERWRITE`: always overwrite."),
    ("dst_storage_policy", FieldKind::String, "The destination storage class: `STANDARD`, `IA` (Infrequent Access), `ARCHIVE`, `DEEP_ARCHIVE`, or `SRC_STORAGE_MAPPING` (keep the source class, mapped to an OBS class). The service's default is `STANDARD`."),
    ("consistency_check", FieldKind::String, "How object consistency is checked after migration: `size_last_modified` (the default: size and last modification time), `crc64` (CRC64 checksums where available), or `no_check` (HTTP/HTTPS sources without a Content-Length only)."),
    ("enable_kms", FieldKind::Bool, "Whether KMS encryption is enabled for the task. Not listed in the current API document; the service returns it."),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    String,
    Integer,
    Bool,
}

impl FieldKind {
    pub fn ty(self) -> Type {
        match self {
            FieldKind::String => Type::String,
            FieldKind::Integer => Type::Number,
            FieldKind::Bool => Type::Bool,
        }
    }
}

pub fn schema() -> Schema {
    let mut attributes = vec![
        Attribute::computed("id", Type::String, "The synchronization task ID (the same as `sync_task_id`)."),
        Attribute::required(
            "sync_task_id",
            Type::String,
            "The ID of the synchronization task to read (1 to 255 characters), for example `d18befdd-eb82-41f3-8019-bbb593d74a3e`.",
        ),
        Attribute::optional_computed(
            "query_time",
            Type::Number,
            "The time, in milliseconds since the Unix epoch, whose month the `monthly_*` counters describe. Must be 0 or greater. Defaults to the time of the read; the value used is recorded in state.",
        ),
    ];
    attributes.extend(
        RESPONSE_FIELDS.iter().map(|(name, kind, description)| Attribute::computed(name, kind.ty(), description)),
    );
    Schema {
        version: 0,
        block: Block {
            attributes,
            blocks: vec![NestedBlock {
                type_name: "timeouts".into(),
                block: Block {
                    attributes: vec![Attribute::optional(
                        "read",
                        Type::String,
                        "How long the whole read may take, including retries, as a Go duration such as `\"30s\"` or `\"2m\"`. Defaults to `\"5m\"`.",
                    )],
                    ..Default::default()
                },
                nesting: Nesting::Single,
                min_items: 0,
                max_items: 0,
            }],
            description: "Reads one Huawei Cloud Object Storage Migration Service (OMS) synchronization task: its settings, its status, and the object counters for one month (OMS API `GET /v2/{project_id}/sync-tasks/{sync_task_id}`; IAM action `oms:synctask:get`).".into(),
            deprecation_message: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_valid_and_complete() {
        let s = schema();
        s.block.internal_validate().unwrap();
        // 21 documented response fields (sync_task_id is an argument too) + enable_kms.
        let documented = [
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
            "monthly_acceptance_request",
            "monthly_success_object",
            "monthly_failure_object",
            "monthly_skip_object",
            "monthly_size",
            "object_overwrite_mode",
            "dst_storage_policy",
            "consistency_check",
            "enable_kms",
        ];
        for name in documented {
            assert!(s.block.attribute(name).is_some(), "{name} missing");
        }
        for a in &s.block.attributes {
            assert!(!a.description.is_empty(), "{} has no description", a.name);
            assert!(!a.sensitive);
        }
        assert_eq!(s.block.attribute("monthly_size").unwrap().ty, Type::Number);
        assert_eq!(s.block.attribute("enable_restore").unwrap().ty, Type::Bool);
        assert!(s.block.attribute("sync_task_id").unwrap().required);
        let q = s.block.attribute("query_time").unwrap();
        assert!(q.optional && q.computed);
    }
}
