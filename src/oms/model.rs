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

/// A closed set of values the API defines for a request parameter, such as
/// a status filter. Callers validate user input against it, so a request
/// can only carry values the API knows.
pub trait WireEnum: Copy + Eq + 'static {
    /// Every value, in the API document's order.
    const ALL: &'static [Self];

    /// As the API spells it.
    fn as_str(self) -> &'static str;

    /// The value spelt exactly `text` (the API is case-sensitive).
    fn parse(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == text)
    }

    /// Every value's spelling, joined by `separator`, for messages that list
    /// the allowed values.
    fn spelled(separator: &str) -> String {
        Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(separator)
    }
}

/// Declares a [`WireEnum`]: the enum and its implementation, from one list
/// of variants and spellings, so `ALL` cannot miss a variant and the
/// spelling is matched exhaustively.
macro_rules! wire_enum {
    (
        $(#[doc = $doc:literal])*
        pub enum $name:ident {
            $( $(#[doc = $vdoc:literal])+ $variant:ident = $wire:literal ),+ $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[doc = $vdoc])+ $variant ),+
        }

        impl $crate::oms::model::WireEnum for $name {
            const ALL: &'static [$name] = &[$($name::$variant),+];

            fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire),+
                }
            }
        }
    };
}

wire_enum! {
    /// A sync task's status, as `ListSyncTasks` filters by it.
    pub enum SyncTaskStatus {
        /// Synchronizing.
        Synchronizing = "SYNCHRONIZING",
        /// Stopped.
        Stopped = "STOPPED",
    }
}

wire_enum! {
    /// What a `ListSyncTaskStatistic` series counts.
    pub enum StatisticDataType {
        /// Objects requested for synchronization.
        Request = "REQUEST",
        /// Objects synchronized successfully.
        Success = "SUCCESS",
        /// Objects that failed to synchronize.
        Failure = "FAILURE",
        /// Objects skipped.
        Skip = "SKIP",
        /// Bytes of objects synchronized successfully.
        Size = "SIZE",
    }
}

api_model! {
    /// Where a task reads its source objects from when that is a CDN
    /// (`SourceCdnResp`).
    pub struct SourceCdn {
        /// The domain name objects are fetched from.
        domain: Option<String>,
        /// The protocol used to fetch them: `http` or `https`.
        protocol: Option<String>,
        /// How the CDN authenticates requests: `NONE` (public access) or a vendor scheme such as
        /// `QINIU_PRIVATE_AUTHENTICATION`, `ALIYUN_OSS_A`, `ALIYUN_OSS_B`, `ALIYUN_OSS_C`,
        /// `KSYUN_PRIVATE_AUTHENTICATION`, `AZURE_SAS_TOKEN`, `TENCENT_COS_A`, `TENCENT_COS_B`,
        /// `TENCENT_COS_C` or `TENCENT_COS_D`.
        authentication_type: Option<String>,
    }
}

api_model! {
    /// One task in a `ListSyncTasks` page (`SyncTaskInfo`): the settings and
    /// status of [`SyncTask`] without the monthly counters, plus the CDN
    /// source. Shared fields are described exactly as in [`SyncTask`] (a test
    /// checks), so the two data sources document them alike.
    pub struct SyncTaskInfo {
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
        /// The CDN the task reads source objects from; null when it reads the source bucket directly.
        source_cdn: Option<SourceCdn>,
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
    }
}

api_model! {
    /// One page of `GET /v2/{project_id}/sync-tasks`.
    pub struct SyncTaskPage {
        /// The synchronization tasks, in the service's order.
        tasks: Vec<SyncTaskInfo>,
        /// How many tasks match the query in all (not only on this page).
        count: Option<i64>,
    }
}

api_model! {
    /// One point of a statistics series (`StatisticData`).
    pub struct StatisticPoint {
        /// The start of the interval, in milliseconds since the Unix epoch.
        time_stamp: Option<i64>,
        /// The count in the interval (bytes for `SIZE`).
        statistic_num: Option<i64>,
    }
}

api_model! {
    /// One series of `ListSyncTaskStatistic` (`StatisticTypeData`).
    pub struct StatisticSeries {
        /// What the series counts: `REQUEST` (objects requested), `SUCCESS` (objects synchronized),
        /// `FAILURE` (objects failed), `SKIP` (objects skipped) or `SIZE` (bytes synchronized).
        data_type: Option<String>,
        /// The points, one per interval of `statistic_time_type`.
        data: Vec<StatisticPoint>,
    }
}

api_model! {
    /// The answer of `GET /v2/{project_id}/sync-tasks/{sync_task_id}/statistics`.
    pub struct SyncTaskStatistics {
        /// The synchronization task ID.
        sync_task_id: Option<String>,
        /// The length of each interval: `FIVE_MINUTES` or `ONE_HOUR` (the service picks it from the
        /// length of the time range).
        statistic_time_type: Option<String>,
        /// The series, one per data type asked for, in the service's order.
        statistic_datas: Vec<StatisticSeries>,
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
    fn list_page_decodes_every_sync_task_info_field() {
        let page = SyncTaskPage::from_json(
            br#"{"count": 2, "tasks": [
              {"sync_task_id": "a", "src_cloud_type": "Aliyun", "src_region": "cn-hangzhou", "src_bucket": "s",
               "create_time": 9223372036854775807, "last_start_time": 1, "dst_bucket": "d", "dst_region": "cn-north-4",
               "description": "x", "status": "STOPPED", "enable_metadata_migration": true, "enable_restore": false,
               "app_id": "1250000000", "source_cdn": {"domain": "cdn.example", "protocol": "https",
               "authentication_type": "NONE"}, "object_overwrite_mode": "NO_OVERWRITE",
               "dst_storage_policy": "IA", "consistency_check": "crc64"},
              {"sync_task_id": "b", "source_cdn": null}]}"#,
        )
        .unwrap();
        assert_eq!(page.count, Some(2));
        let a = &page.tasks[0];
        assert_eq!(a.create_time, Some(i64::MAX));
        assert_eq!(a.enable_metadata_migration, Some(true));
        let cdn = a.source_cdn.as_ref().unwrap();
        assert_eq!(
            (cdn.domain.as_deref(), cdn.protocol.as_deref(), cdn.authentication_type.as_deref()),
            (Some("cdn.example"), Some("https"), Some("NONE"))
        );
        assert_eq!(a.consistency_check.as_deref(), Some("crc64"));
        assert_eq!(page.tasks[1], SyncTaskInfo { sync_task_id: Some("b".into()), ..SyncTaskInfo::default() });
        let empty = SyncTaskPage::from_json(br#"{"tasks": [], "count": 0}"#).unwrap();
        assert_eq!((empty.tasks.len(), empty.count), (0, Some(0)));
        let err = SyncTaskPage::from_json(br#"{"tasks": [{}, {"source_cdn": {"protocol": 1}}]}"#).unwrap_err();
        assert!(err.contains("`tasks[1].source_cdn.protocol`"), "{err}");
    }

    /// The SDK's `SyncTaskInfo` fields, in its order and with its types.
    #[test]
    fn sync_task_info_has_the_sdk_fields() {
        use crate::oms::json::{ApiModel, Shape};
        let got: Vec<(&str, Shape)> = SyncTaskInfo::FIELDS.iter().map(|f| (f.name, (f.shape)())).collect();
        let cdn = Shape::Object(SourceCdn::FIELDS);
        let (s, i, b) = (Shape::String, Shape::Integer, Shape::Bool);
        let want = [
            ("sync_task_id", s.clone()),
            ("src_cloud_type", s.clone()),
            ("src_region", s.clone()),
            ("src_bucket", s.clone()),
            ("create_time", i.clone()),
            ("last_start_time", i),
            ("dst_bucket", s.clone()),
            ("dst_region", s.clone()),
            ("description", s.clone()),
            ("status", s.clone()),
            ("enable_metadata_migration", b.clone()),
            ("enable_restore", b),
            ("app_id", s.clone()),
            ("source_cdn", cdn),
            ("object_overwrite_mode", s.clone()),
            ("dst_storage_policy", s.clone()),
            ("consistency_check", s),
        ];
        assert_eq!(got, want);
        let cdn: Vec<&str> = SourceCdn::FIELDS.iter().map(|f| f.name).collect();
        assert_eq!(cdn, ["domain", "protocol", "authentication_type"]);
    }

    /// A field both models have is one fact: same shape, same words.
    #[test]
    fn shared_fields_are_described_as_in_sync_task() {
        use crate::oms::json::ApiModel;
        let mut shared = 0;
        for f in SyncTaskInfo::FIELDS {
            if let Some(g) = SyncTask::FIELDS.iter().find(|g| g.name == f.name) {
                assert_eq!(f, g, "{}", f.name);
                shared += 1;
            }
        }
        assert_eq!(shared, SyncTaskInfo::FIELDS.len() - 1, "only source_cdn is new");
    }

    #[test]
    fn statistics_decode_exact_to_64_bits() {
        let s = SyncTaskStatistics::from_json(
            br#"{"sync_task_id": "t", "statistic_time_type": "ONE_HOUR", "statistic_datas": [
              {"data_type": "SIZE", "data": [{"time_stamp": 1700000000000, "statistic_num": 9223372036854775807},
                                             {"time_stamp": 1700003600000, "statistic_num": 9007199254740993}]},
              {"data_type": "FAILURE", "data": []}]}"#,
        )
        .unwrap();
        assert_eq!(s.statistic_time_type.as_deref(), Some("ONE_HOUR"));
        assert_eq!(s.statistic_datas.len(), 2);
        let size = &s.statistic_datas[0];
        assert_eq!(size.data_type.as_deref(), Some("SIZE"));
        assert_eq!(size.data[0].statistic_num, Some(i64::MAX));
        assert_eq!(
            size.data[1],
            StatisticPoint { time_stamp: Some(1_700_003_600_000), statistic_num: Some(9_007_199_254_740_993) }
        );
        assert!(s.statistic_datas[1].data.is_empty());
        let err =
            SyncTaskStatistics::from_json(br#"{"statistic_datas": [{"data": [{"statistic_num": 1.5}]}]}"#).unwrap_err();
        assert!(err.contains("`statistic_datas[0].data[0].statistic_num`"), "{err}");
    }

    #[test]
    fn wire_enums_spell_the_api_values() {
        use super::WireEnum;
        assert_eq!(SyncTaskStatus::spelled(", "), "SYNCHRONIZING, STOPPED");
        assert_eq!(StatisticDataType::spelled(","), "REQUEST,SUCCESS,FAILURE,SKIP,SIZE");
        for v in StatisticDataType::ALL {
            assert_eq!(StatisticDataType::parse(v.as_str()), Some(*v));
        }
        assert_eq!(SyncTaskStatus::parse("STOPPED"), Some(SyncTaskStatus::Stopped));
        // Case-sensitive, as the service is.
        assert_eq!(SyncTaskStatus::parse("stopped"), None);
        assert_eq!(StatisticDataType::parse("SIZE "), None);
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
