//! The API models. Each is declared once, with its fields' names, types and
//! descriptions, in the order of the OMS API document; the descriptions are
//! what the provider's schema and docs show for the same attributes (see
//! [`super::json`] for how one table serves decoding, schema and state).

use serde_json::{Map, Value};

use super::json::api_model;

api_model! {
    /// One OMS sync task as returned by `GET /v2/{project_id}/sync-tasks/{id}`.
    pub struct SyncTask {
        /// The synchronization task ID.
        sync_task_id: Option<String>,
        /// The source cloud service provider. One of `AWS`, `Azure`, `Aliyun`, `Tencent`, `HuaweiCloud`,
        /// `QingCloud`, `KingsoftCloud`, `Baidu`, `Qiniu`, `UCloud` (the service's default is `Aliyun`).
        src_cloud_type: Option<String>,
        /// The region of the source bucket.
        src_region: Option<String>,
        /// The name of the source bucket.
        src_bucket: Option<String>,
        /// When the task was created, in milliseconds since the Unix epoch.
        create_time: Option<i64>,
        /// When the task was last started, in milliseconds since the Unix epoch.
        last_start_time: Option<i64>,
        /// The name of the destination bucket.
        dst_bucket: Option<String>,
        /// The region of the destination bucket.
        dst_region: Option<String>,
        /// The task description (at most 255 characters).
        description: Option<String>,
        /// The task status: `SYNCHRONIZING` (synchronizing) or `STOPPED` (stopped).
        status: Option<String>,
        /// Whether object metadata is migrated. Even when disabled, `Content-Type` is still migrated.
        enable_metadata_migration: Option<bool>,
        /// Whether archived source objects are restored automatically and then migrated.
        enable_restore: Option<bool>,
        /// The Tencent Cloud APPID; only returned when the source cloud is `Tencent`.
        app_id: Option<String>,
        /// The number of objects requested for synchronization in the month of `query_time`.
        monthly_acceptance_request: Option<i64>,
        /// The number of objects synchronized successfully in the month of `query_time`.
        monthly_success_object: Option<i64>,
        /// The number of objects that failed to synchronize in the month of `query_time`.
        monthly_failure_object: Option<i64>,
        /// The number of objects skipped in the month of `query_time`.
        monthly_skip_object: Option<i64>,
        /// The total size, in bytes, of objects synchronized in the month of `query_time`.
        monthly_size: Option<i64>,
        /// How a source object treats a destination object with the same name. `NO_OVERWRITE`: never
        /// overwrite, always skip. `SIZE_LAST_MODIFIED_COMPARISON_OVERWRITE` (the default): overwrite when
        /// the size differs or the source was modified more recently. `CRC64_COMPARISON_OVERWRITE`:
        /// overwrite when the CRC64 checksums differ (falls back to size and modification time when there
        /// are no checksums). `FULL_OVERWRITE`: always overwrite.
        object_overwrite_mode: Option<String>,
        /// The destination storage class: `STANDARD`, `IA` (Infrequent Access), `ARCHIVE`, `DEEP_ARCHIVE`,
        /// or `SRC_STORAGE_MAPPING` (keep the source class, mapped to an OBS class). The service's default
        /// is `STANDARD`.
        dst_storage_policy: Option<String>,
        /// How object consistency is checked after migration: `size_last_modified` (the default: size and
        /// last modification time), `crc64` (CRC64 checksums where available), or `no_check` (HTTP/HTTPS
        /// sources without a Content-Length only).
        consistency_check: Option<String>,
        /// Whether KMS encryption is enabled for the task. Not listed in the current API document; the
        /// service returns it.
        enable_kms: Option<bool>,
    }
}

/// Error fields of a non-2xx response, as far as they could be found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OmsErrorBody {
    /// Decides the error kind (e.g. `OMS.0054` = no such task); shown to the user.
    pub error_code: Option<String>,
    /// The service's own explanation, shown to the user.
    pub error_msg: Option<String>,
    /// API Gateway errors carry this in the body as well as in `X-Request-Id`.
    pub request_id: Option<String>,
}

fn scalar_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// The Python SDK's `DefaultExceptionHandler._process_sdk_error`: the first
/// matching key pair at a level wins; otherwise nested objects are searched
/// in order and a later match overwrites an earlier one.
fn find_code_and_msg(map: &Map<String, Value>, out: &mut OmsErrorBody) {
    const PAIRS: [(&str, &str); 3] = [("error_code", "error_msg"), ("errorCode", "errorMsg"), ("code", "message")];
    for (c, m) in PAIRS {
        if map.contains_key(c) && map.contains_key(m) {
            out.error_code = scalar_text(map.get(c));
            out.error_msg = scalar_text(map.get(m));
            return;
        }
    }
    for v in map.values() {
        if let Value::Object(inner) = v {
            find_code_and_msg(inner, out);
        }
    }
}

impl OmsErrorBody {
    /// Returns `None` when the body is not a JSON object; the caller then
    /// falls back to a body excerpt, as the SDK falls back to the raw text.
    pub fn parse(body: &[u8]) -> Option<Self> {
        let value: Value = serde_json::from_slice(body).ok()?;
        let map = value.as_object()?;
        let mut out = Self { request_id: scalar_text(map.get("request_id")), ..Self::default() };
        find_code_and_msg(map, &mut out);
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The API page's example response, shared with the local server and the e2e tests.
    const SEED: &str = oms_local_server::SEED_TASK_JSON;

    #[test]
    fn seed_example_decodes() {
        let t = SyncTask::from_json(SEED.as_bytes()).unwrap();
        assert_eq!(t.sync_task_id.as_deref(), Some("d18befdd-eb82-41f3-8019-bbb593d74a3e"));
        assert_eq!(t.src_cloud_type.as_deref(), Some("HuaweiCloud"));
        assert_eq!(t.create_time, Some(1_700_639_560_751));
        assert_eq!(t.last_start_time, Some(1_700_639_560_751));
        assert_eq!(t.status.as_deref(), Some("SYNCHRONIZING"));
        assert_eq!(t.enable_metadata_migration, Some(false));
        assert_eq!(t.enable_restore, Some(false));
        assert_eq!(t.app_id, None);
        assert_eq!(t.monthly_acceptance_request, Some(11));
        assert_eq!(t.monthly_failure_object, Some(11));
        assert_eq!(t.monthly_size, Some(0));
        assert_eq!(t.dst_storage_policy, None);
        assert_eq!(t.consistency_check.as_deref(), Some("size_last_modified"));
        assert_eq!(t.enable_kms, None);
    }

    #[test]
    fn null_and_absent_are_none_and_unknown_ignored() {
        let t = SyncTask::from_json(br#"{}"#).unwrap();
        assert_eq!(t, SyncTask::default());
        let t = SyncTask::from_json(
            br#"{"enable_kms": null, "monthly_size": null, "status": null,
                 "source_cdn": {"domain": "x"}, "future_field": [1, 2], "enable_kms2": "x"}"#,
        )
        .unwrap();
        assert_eq!(t, SyncTask::default());
        let t = SyncTask::from_json(br#"{"enable_kms": true}"#).unwrap();
        assert_eq!(t.enable_kms, Some(true));
    }

    #[test]
    fn i64_extremes_exact() {
        let t = SyncTask::from_json(
            br#"{"monthly_size": 9223372036854775807, "create_time": -9223372036854775808,
                 "monthly_skip_object": 9007199254740993}"#,
        )
        .unwrap();
        assert_eq!(t.monthly_size, Some(i64::MAX));
        assert_eq!(t.create_time, Some(i64::MIN));
        assert_eq!(t.monthly_skip_object, Some(9_007_199_254_740_993));
    }

    #[test]
    fn bad_numbers_name_the_field() {
        let cases: [(&str, &str); 7] = [
            (r#"{"monthly_size": 1.5}"#, "monthly_size"),
            (r#"{"create_time": "1700000000000"}"#, "create_time"),
            (r#"{"last_start_time": 9223372036854775808}"#, "last_start_time"),
            (r#"{"monthly_success_object": -9223372036854775809}"#, "monthly_success_object"),
            (r#"{"monthly_failure_object": 1e3}"#, "monthly_failure_object"),
            (r#"{"monthly_acceptance_request": 1.0}"#, "monthly_acceptance_request"),
            (r#"{"monthly_skip_object": 18446744073709551616}"#, "monthly_skip_object"),
        ];
        for (json, field) in cases {
            let err = SyncTask::from_json(json.as_bytes()).unwrap_err();
            assert!(err.contains(&format!("`{field}`")), "{json}: {err}");
        }
        let err = SyncTask::from_json(br#"{"monthly_size": 9223372036854775808}"#).unwrap_err();
        assert!(err.contains("out of range"), "{err}");
    }

    #[test]
    fn bad_types_name_the_field() {
        let cases = [
            (r#"{"status": 1}"#, "status"),
            (r#"{"enable_restore": "true"}"#, "enable_restore"),
            (r#"{"enable_kms": 1}"#, "enable_kms"),
            (r#"{"description": {"a": 1}}"#, "description"),
            (r#"{"app_id": ["x"]}"#, "app_id"),
        ];
        for (json, field) in cases {
            let err = SyncTask::from_json(json.as_bytes()).unwrap_err();
            assert!(err.contains(&format!("`{field}`")), "{json}: {err}");
        }
        for bad in ["[]", "null", "\"x\"", "", "{", "<html>"] {
            assert!(SyncTask::from_json(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn unicode_preserved() {
        let t = SyncTask::from_json(
            "{\"description\": \"同步任务 ü 🚀 \\u00e9\\ud83d\\ude80\", \"src_bucket\": \"桶\"}".as_bytes(),
        )
        .unwrap();
        assert_eq!(t.description.as_deref(), Some("同步任务 ü 🚀 é🚀"));
        assert_eq!(t.src_bucket.as_deref(), Some("桶"));
    }

    #[test]
    fn error_body_sdk_order() {
        let b = OmsErrorBody::parse(br#"{"error_code":"OMS.0054","error_msg":"Invalid task ID"}"#).unwrap();
        assert_eq!(b.error_code.as_deref(), Some("OMS.0054"));
        assert_eq!(b.error_msg.as_deref(), Some("Invalid task ID"));
        assert_eq!(b.request_id, None);

        let b = OmsErrorBody::parse(
            br#"{"error_msg":"Incorrect IAM authentication information: verify aksk signature fail","error_code":"APIGW.0301","request_id":"abc123"}"#,
        )
        .unwrap();
        assert_eq!(b.error_code.as_deref(), Some("APIGW.0301"));
        assert_eq!(b.request_id.as_deref(), Some("abc123"));

        let b = OmsErrorBody::parse(br#"{"errorCode":"E1","errorMsg":"camel","code":"C","message":"M"}"#).unwrap();
        assert_eq!((b.error_code.as_deref(), b.error_msg.as_deref()), (Some("E1"), Some("camel")));

        let b = OmsErrorBody::parse(br#"{"code":"C","message":"M"}"#).unwrap();
        assert_eq!((b.error_code.as_deref(), b.error_msg.as_deref()), (Some("C"), Some("M")));

        let b = OmsErrorBody::parse(br#"{"error":{"code":"IAM.0001","message":"nested"}}"#).unwrap();
        assert_eq!((b.error_code.as_deref(), b.error_msg.as_deref()), (Some("IAM.0001"), Some("nested")));

        // error_code alone is not a pair: falls through to nested search.
        let b = OmsErrorBody::parse(br#"{"error_code":"X","detail":{"errorCode":"Y","errorMsg":"y"}}"#).unwrap();
        assert_eq!(b.error_code.as_deref(), Some("Y"));

        // Non-string codes are kept as text.
        let b = OmsErrorBody::parse(br#"{"code":404,"message":null}"#).unwrap();
        assert_eq!((b.error_code.as_deref(), b.error_msg), (Some("404"), None));

        assert_eq!(OmsErrorBody::parse(b"{}").unwrap(), OmsErrorBody::default());
        assert!(OmsErrorBody::parse(b"<html>bad gateway</html>").is_none());
        assert!(OmsErrorBody::parse(b"[1]").is_none());
    }
}
