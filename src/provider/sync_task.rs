//! The `oms_sync_task` data source: its arguments, its schema (the arguments
//! here, the read-only attributes from the [`SyncTask`] model), and its read.

use async_trait::async_trait;

use super::configure::ReadyClient;
use super::model::{computed_attributes, state_attributes};
use super::read::{
    now_ms, timeouts_block, validate_epoch_ms, validate_id, validate_timeouts, OmsDataSource, ReadTimeout, Timeouts,
};
use super::service_error::{service_diagnostic, ReadSubject};
use crate::framework::data_source::ReadRequest;
use crate::framework::diagnostics::{Diagnostic, Diagnostics};
use crate::framework::schema::{Attribute, Block, Schema};
use crate::framework::typed::{tf_object, Attr, ToValue};
use crate::framework::types::Type;
use crate::framework::value::{Number, Value};
use crate::logging;
use crate::oms::SyncTask;

/// What users write in `data "oms_sync_task" "label"`.
pub const TYPE_NAME: &str = "oms_sync_task";

tf_object! {
    /// The arguments of `oms_sync_task`.
    pub struct SyncTaskConfig {
        pub sync_task_id: Attr<String>,
        pub query_time: Attr<Number>,
        pub timeouts: Attr<Timeouts>,
    }
}

/// Model fields that are arguments here; the schema declares them itself.
const ARGUMENTS: &[&str] = &["sync_task_id"];

/// The arguments, then one read-only attribute per [`SyncTask`] field, then
/// the `timeouts` block.
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
    attributes.extend(computed_attributes::<SyncTask>(ARGUMENTS));
    Schema {
        version: 0,
        block: Block {
            attributes,
            blocks: vec![timeouts_block()],
            description: "Reads one Huawei Cloud Object Storage Migration Service (OMS) synchronization task: its settings, its status, and the object counters for one month (OMS API `GET /v2/{project_id}/sync-tasks/{sync_task_id}`; IAM action `oms:synctask:get`).".into(),
            deprecation_message: None,
        },
    }
}

/// Registered in [`super::OmsProvider::data_sources`].
pub struct SyncTaskDataSource;

#[async_trait]
impl OmsDataSource for SyncTaskDataSource {
    type Config = SyncTaskConfig;
    const TYPE_NAME: &'static str = TYPE_NAME;
    const WHAT: &'static str = "the sync task";

    fn schema() -> Schema {
        schema()
    }

    fn validate(config: &SyncTaskConfig, d: &mut Diagnostics) {
        validate_id("sync_task_id", &config.sync_task_id, d);
        validate_epoch_ms("query_time", &config.query_time, d);
        validate_timeouts(&config.timeouts, d);
    }

    async fn read(ready: &ReadyClient, config: SyncTaskConfig, request: &ReadRequest) -> Result<Value, Diagnostic> {
        let id = config.sync_task_id.as_str().unwrap_or_default().to_string();
        let query_time = config.query_time.known().and_then(Number::as_i64).unwrap_or_else(now_ms);
        let timeout = ReadTimeout::of(&config.timeouts);
        let deadline = tokio::time::Instant::now() + timeout.duration;

        logging::debug("Reading OMS sync task", &[("sync_task_id", &id), ("query_time", &query_time.to_string())]);
        match ready.client.show_sync_task(&id, query_time, deadline, &request.cancel).await {
            Ok(outcome) => {
                logging::debug(
                    "Read OMS sync task",
                    &[
                        ("sync_task_id", &id),
                        ("request_id", outcome.request_id.as_deref().unwrap_or("")),
                        ("attempts", &outcome.attempts.to_string()),
                    ],
                );
                state(&config, &id, query_time, &outcome.task)
            }
            Err(e) => Err(service_diagnostic(&e, ready, &subject(ready, &id), &timeout.text)),
        }
    }
}

/// The words of this data source's failure diagnostics; `oms_sync_task_statistics`
/// starts from them, since a missing task is the same fact there.
pub(crate) fn subject(ready: &ReadyClient, id: &str) -> ReadSubject<'static> {
    let region = ready.region.as_deref().unwrap_or("(endpoint override)");
    ReadSubject {
        noun: "OMS sync task",
        missing: "OMS sync task",
        object: format!("task {id:?}"),
        iam_action: "oms:synctask:get",
        argument: Some("sync_task_id"),
        not_found: format!(
            "No synchronization task with ID {id:?} was found in project {} (region {region}). Check sync_task_id, and that project_id and region are the ones the task was created in.",
            ready.project_id
        ),
        invalid_request: "Invalid sync task request",
    }
}

/// The full state object: the arguments as used, and every model field.
pub fn state(config: &SyncTaskConfig, id: &str, query_time: i64, task: &SyncTask) -> Result<Value, Diagnostic> {
    let mut m = state_attributes(task, ARGUMENTS).map_err(|e| {
        Diagnostic::error(
            "Could not record the OMS sync task",
            format!("{e}. The task's model and its schema disagree; this is a bug in the provider, please report it."),
        )
    })?;
    m.insert("id".into(), Value::string(id));
    m.insert("sync_task_id".into(), Value::string(id));
    m.insert("query_time".into(), Value::int(query_time));
    m.insert("timeouts".into(), config.timeouts.to_value());
    Ok(Value::Object(m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::read::data_source;

    fn cfg(id: Value, qt: Value, read: Value) -> Value {
        let timeouts = if read.is_null() { Value::Null } else { Value::Object([("read".to_string(), read)].into()) };
        Value::Object(
            [("sync_task_id".to_string(), id), ("query_time".to_string(), qt), ("timeouts".to_string(), timeouts)]
                .into(),
        )
    }

    fn paths(c: &Value) -> Vec<String> {
        let mut d = Diagnostics::new();
        data_source::<SyncTaskDataSource>().validate_config(c, &mut d);
        d.iter().map(|x| x.path.as_ref().unwrap().to_string()).collect()
    }

    #[test]
    fn validation_checks_lengths_ranges_and_durations() {
        assert!(paths(&cfg(Value::string("t"), Value::Null, Value::Null)).is_empty());
        assert_eq!(paths(&cfg(Value::string(""), Value::Null, Value::Null)), ["sync_task_id"]);
        assert_eq!(paths(&cfg(Value::string("é".repeat(256)), Value::Null, Value::Null)), ["sync_task_id"]);
        assert!(paths(&cfg(Value::string("é".repeat(255)), Value::Null, Value::Null)).is_empty());
        assert_eq!(paths(&cfg(Value::string("t"), Value::int(-1), Value::Null)), ["query_time"]);
        assert_eq!(paths(&cfg(Value::string("t"), Value::Number(Number::Float(0.5)), Value::Null)), ["query_time"]);
        assert_eq!(paths(&cfg(Value::string("t"), Value::Null, Value::string("soon"))), ["timeouts.read"]);
        assert_eq!(paths(&cfg(Value::string("t"), Value::Null, Value::string("0s"))), ["timeouts.read"]);
        assert!(paths(&cfg(Value::unknown(), Value::unknown(), Value::unknown())).is_empty());
        // A value of the wrong type is reported where it is.
        assert_eq!(paths(&cfg(Value::Bool(true), Value::Null, Value::Null)), ["sync_task_id"]);
    }

    #[test]
    fn validation_messages_are_unchanged() {
        let mut d = Diagnostics::new();
        let c = cfg(Value::string(""), Value::Number(Number::Float(0.5)), Value::string("0s"));
        data_source::<SyncTaskDataSource>().validate_config(&c, &mut d);
        let got: Vec<(&str, &str)> = d.iter().map(|x| (x.summary.as_str(), x.detail.as_str())).collect();
        assert_eq!(
            got,
            [
                ("Invalid sync_task_id", "sync_task_id must be 1 to 255 characters long; it has 0."),
                (
                    "Invalid query_time",
                    "query_time is a time in milliseconds since the Unix epoch: a whole number, 0 or greater. Got 0.5."
                ),
                ("Invalid read timeout", "timeouts.read must be longer than zero, e.g. \"30s\" or \"5m\"."),
            ]
        );
    }

    #[test]
    fn state_maps_every_field_and_keeps_nulls() {
        let task = SyncTask::from_json(
            br#"{"sync_task_id":"t","status":"STOPPED","monthly_size":9223372036854775807,"enable_kms":true,"app_id":null}"#,
        )
        .unwrap();
        let mut d = Diagnostics::new();
        let config =
            crate::framework::typed::decode(&cfg(Value::string("t"), Value::Null, Value::Null), &mut d).unwrap();
        let s = state(&config, "t", 5, &task).unwrap();
        let ty = schema().block.implied_type();
        crate::protocol::cty_msgpack::encode(&s, &ty).expect("conforms to the schema");
        assert!(s.is_wholly_known());
        assert_eq!(s.get("monthly_size"), &Value::int(i64::MAX));
        assert_eq!(s.get("enable_kms"), &Value::Bool(true));
        assert_eq!(s.get("status"), &Value::string("STOPPED"));
        assert!(s.get("app_id").is_null());
        assert!(s.get("description").is_null());
        assert!(s.get("timeouts").is_null());
        assert_eq!(s.get("id"), &Value::string("t"));
        assert_eq!(s.get("sync_task_id"), &Value::string("t"));
        assert_eq!(s.get("query_time"), &Value::int(5));
        let keys: Vec<&String> = s.as_map().unwrap().keys().collect();
        let mut names: Vec<String> = schema().block.attributes.iter().map(|a| a.name.clone()).collect();
        names.push("timeouts".into());
        names.sort();
        assert_eq!(keys, names.iter().collect::<Vec<_>>());
    }

    #[test]
    fn schema_is_valid_and_complete() {
        let s = schema();
        s.block.internal_validate().unwrap();
        for a in &s.block.attributes {
            assert!(!a.description.is_empty(), "{} has no description", a.name);
            assert!(!a.sensitive);
        }
        assert!(s.block.attribute("sync_task_id").unwrap().required);
        let q = s.block.attribute("query_time").unwrap();
        assert!(q.optional && q.computed);
        assert_eq!(SyncTaskConfig::ATTRIBUTES, ["sync_task_id", "query_time", "timeouts"]);
        for name in SyncTaskConfig::ATTRIBUTES {
            let a = s.block.attribute(name);
            assert!(a.is_some_and(|a| a.optional || a.required) || s.block.blocks.iter().any(|b| b.type_name == *name));
        }
    }

    /// The attributes in the order and with the types the hand-written list
    /// had before the model's field table replaced it: 21 documented
    /// response fields (sync_task_id is an argument) and `enable_kms`.
    #[test]
    fn field_table_gives_the_same_attributes_as_before() {
        use Type::{Bool as B, Number as N, String as S};
        let expected = [
            ("id", S),
            ("sync_task_id", S),
            ("query_time", N),
            ("src_cloud_type", S),
            ("src_region", S),
            ("src_bucket", S),
            ("create_time", N),
            ("last_start_time", N),
            ("dst_bucket", S),
            ("dst_region", S),
            ("description", S),
            ("status", S),
            ("enable_metadata_migration", B),
            ("enable_restore", B),
            ("app_id", S),
            ("monthly_acceptance_request", N),
            ("monthly_success_object", N),
            ("monthly_failure_object", N),
            ("monthly_skip_object", N),
            ("monthly_size", N),
            ("object_overwrite_mode", S),
            ("dst_storage_policy", S),
            ("consistency_check", S),
            ("enable_kms", B),
        ];
        let s = schema();
        let got: Vec<(&str, Type)> = s.block.attributes.iter().map(|a| (a.name.as_str(), a.ty.clone())).collect();
        assert_eq!(got, expected);
        assert!(s.block.attributes[3..].iter().all(|a| a.computed && !a.optional && !a.required));
        assert_eq!(
            s.block.attribute("status").unwrap().description,
            "The task status: `SYNCHRONIZING` (synchronizing) or `STOPPED` (stopped)."
        );
        assert_eq!(s.block.blocks.len(), 1);
        assert_eq!(s.block.blocks[0].type_name, "timeouts");
    }

    #[test]
    fn service_failures_keep_their_words() {
        use crate::oms::{ClientConfig, Credentials, Endpoint, OmsClient, OmsError, OmsErrorKind};
        let endpoint = Endpoint::from_override("https://oms.example.test").unwrap();
        let creds = Credentials::Token { token: "T".into() };
        let ready = ReadyClient {
            client: OmsClient::new(ClientConfig::new(endpoint, "p1".to_string(), creds)).unwrap(),
            region: Some("cn-north-4".into()),
            project_id: "p1".into(),
            auth: crate::oms::AuthMode::Token,
            credential_source: "the provider's `token` attribute".into(),
        };
        let diag = |kind: OmsErrorKind| {
            let e = OmsError::new(kind).with_attempts(2);
            service_diagnostic(&e, &ready, &subject(&ready, "abc"), "30s")
        };
        let nf = diag(OmsErrorKind::NotFound);
        assert_eq!(nf.summary, "OMS sync task not found");
        assert_eq!(
            nf.detail,
            "No synchronization task with ID \"abc\" was found in project p1 (region cn-north-4). Check sync_task_id, and that project_id and region are the ones the task was created in."
        );
        assert_eq!(nf.path.unwrap().to_string(), "sync_task_id");
        let f = diag(OmsErrorKind::Forbidden);
        assert_eq!(f.summary, "Not allowed to read the OMS sync task");
        assert_eq!(
            f.detail,
            "OMS answered 403 Forbidden for task \"abc\" in project p1. The IAM user or agency behind the token credentials needs the IAM action `oms:synctask:get` (for example through the OMS ReadOnlyAccess policy) in this project."
        );
        let u = diag(OmsErrorKind::Unauthenticated);
        assert_eq!(u.summary, "OMS rejected the credentials");
        assert_eq!(
            u.detail,
            "The request was authenticated with token (the provider's `token` attribute) and OMS answered 401 Unauthorized. Check that the credentials are valid, not expired, and belong to this account."
        );
        let t = diag(OmsErrorKind::TimedOut);
        assert_eq!(t.summary, "Reading the OMS sync task timed out");
        assert!(t.detail.starts_with("The read of task \"abc\" did not finish within timeouts.read = 30s (2 attempts). Increase timeouts.read, or check connectivity to https://oms.example.test"), "{}", t.detail);
        assert_eq!(t.path.unwrap().to_string(), "timeouts.read");
        let c = diag(OmsErrorKind::Cancelled);
        assert_eq!(
            (c.summary.as_str(), c.detail.as_str()),
            ("Read cancelled", "Terraform asked the provider to stop (for example after Ctrl-C), so the read of task \"abc\" was abandoned.")
        );
        let s = diag(OmsErrorKind::Server);
        assert_eq!(s.summary, "OMS request failed after 2 attempts");
        assert!(s.detail.starts_with("Reading task \"abc\" kept failing ("), "{}", s.detail);
        let i = diag(OmsErrorKind::InvalidRequest);
        assert_eq!(
            (i.summary.as_str(), i.path.unwrap().to_string()),
            ("Invalid sync task request", "sync_task_id".into())
        );
        for kind in [OmsErrorKind::OtherStatus, OmsErrorKind::Config] {
            assert_eq!(diag(kind).summary, "OMS request failed");
        }
        assert_eq!(diag(OmsErrorKind::Transport).summary, "Could not reach the OMS endpoint");
        assert_eq!(diag(OmsErrorKind::BodyTooLarge).summary, "OMS returned a response the provider cannot read");
    }
}
