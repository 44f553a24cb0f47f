//! The `oms_sync_tasks` data source: every sync task of the project (all
//! pages, see [`crate::oms::OmsClient::list_sync_tasks`]), optionally only
//! those in one status, narrowed by exact-match filters the provider applies,
//! because pipelines rarely know every task id.

use async_trait::async_trait;

use super::configure::ReadyClient;
use super::model::{computed_attributes, state_attributes};
use super::read::{parse_choice, timeouts_block, validate_timeouts, OmsDataSource, ReadTimeout, Timeouts};
use super::service_error::{service_diagnostic, ReadSubject};
use crate::framework::data_source::ReadRequest;
use crate::framework::diagnostics::{Diagnostic, Diagnostics};
use crate::framework::schema::{Attribute, Block, Schema};
use crate::framework::typed::{tf_object, Attr, ToValue};
use crate::framework::types::Type;
use crate::framework::value::Value;
use crate::logging;
use crate::oms::{SyncTaskInfo, SyncTaskPage, SyncTaskStatus, WireEnum};

/// What users write in `data "oms_sync_tasks" "label"`.
pub(crate) const TYPE_NAME: &str = "oms_sync_tasks";

tf_object! {
    /// The arguments of `oms_sync_tasks`.
    pub(crate) struct SyncTasksConfig {
        pub(crate) status: Attr<String>,
        pub(crate) src_cloud_type: Attr<String>,
        pub(crate) src_bucket: Attr<String>,
        pub(crate) dst_bucket: Attr<String>,
        pub(crate) timeouts: Attr<Timeouts>,
    }
}

/// Fields of [`SyncTaskPage`] that are not state: `count` only tells the
/// pager when to stop, and would not match `tasks` once filtered.
const NOT_STATE: &[&str] = &["count"];

/// Reads one string field of a task, for a filter to compare.
type TaskField = fn(&SyncTaskInfo) -> Option<&str>;

/// The exact-match filters, in the order of the arguments: the attribute,
/// and the task field it compares. One table serves the schema, the
/// matching and the `id`.
const FILTERS: [(&str, TaskField); 3] = [
    ("src_cloud_type", |t| t.src_cloud_type.as_deref()),
    ("src_bucket", |t| t.src_bucket.as_deref()),
    ("dst_bucket", |t| t.dst_bucket.as_deref()),
];

impl SyncTasksConfig {
    /// The filter values in [`FILTERS`] order; `None` where unset.
    fn filter_values(&self) -> [Option<&str>; 3] {
        [self.src_cloud_type.as_str(), self.src_bucket.as_str(), self.dst_bucket.as_str()]
    }
}

/// The arguments, the tasks (from the [`SyncTaskPage`] model) and their ids,
/// then the `timeouts` block.
pub(crate) fn schema() -> Schema {
    let mut attributes = vec![
        Attribute::computed(
            "id",
            Type::String,
            "A value derived from the arguments only (`sync-tasks`, followed by the arguments set as a query string), so it stays the same from one read to the next.",
        ),
        Attribute::optional(
            "status",
            Type::String,
            "Only tasks in this status: `SYNCHRONIZING` or `STOPPED`. OMS applies it (the `status` query parameter). Unset: tasks in any status.",
        ),
    ];
    for (name, _) in FILTERS {
        attributes.push(Attribute::optional(
            name,
            Type::String,
            &format!("Only tasks whose `{name}` is exactly this value (case-sensitive; compared by the provider on what OMS returns). Unset: no filter."),
        ));
    }
    attributes.extend(computed_attributes::<SyncTaskPage>(NOT_STATE));
    attributes.push(Attribute::computed(
        "ids",
        Type::list(Type::String),
        "The IDs of `tasks`, in the same order. Empty when no task matches.",
    ));
    Schema {
        version: 0,
        block: Block {
            attributes,
            blocks: vec![timeouts_block()],
            description: "Lists the Huawei Cloud Object Storage Migration Service (OMS) synchronization tasks of the project, with their settings and status, optionally only those in one status or with a given source cloud, source bucket or destination bucket. Every page is read (OMS API `GET /v2/{project_id}/sync-tasks`, 100 tasks per request, in the service's order; IAM action `oms:synctask:list`); the list ends at the first page that is not full or once the service's `count` is reached, so a `count` that overstates costs at most one extra request and the tasks read are returned. No match gives empty lists.".into(),
            deprecation_message: None,
        },
    }
}

/// Registered in [`super::OmsProvider::data_sources`].
pub(crate) struct SyncTasksDataSource;

#[async_trait]
impl OmsDataSource for SyncTasksDataSource {
    type Config = SyncTasksConfig;
    const TYPE_NAME: &'static str = TYPE_NAME;
    const WHAT: &'static str = "the sync task list";

    fn schema() -> Schema {
        schema()
    }

    fn validate(config: &SyncTasksConfig, d: &mut Diagnostics) {
        if let Err(e) = parse_choice::<SyncTaskStatus>("status", &config.status) {
            d.push(e);
        }
        validate_timeouts(&config.timeouts, d);
    }

    async fn read(ready: &ReadyClient, config: SyncTasksConfig, request: &ReadRequest) -> Result<Value, Diagnostic> {
        let status = parse_choice::<SyncTaskStatus>("status", &config.status)?;
        let timeout = ReadTimeout::of(&config.timeouts);
        let deadline = tokio::time::Instant::now() + timeout.duration;
        let status_text = status.map_or("", |s| s.as_str());

        logging::debug("Listing OMS sync tasks", &[("status", status_text)]);
        let listed = ready
            .client
            .list_sync_tasks(status, deadline, &request.cancel)
            .await
            .map_err(|e| service_diagnostic(&e, ready, &subject(ready), &timeout.text))?;
        let read = listed.tasks.len();
        let count = listed.count.map(|c| c.to_string()).unwrap_or_default();
        let fields = [
            ("status", status_text),
            ("pages", &listed.pages.to_string()),
            ("attempts", &listed.attempts.to_string()),
            ("tasks", &read.to_string()),
            ("count", &count),
            ("request_id", listed.request_id.as_deref().unwrap_or("")),
        ];
        if listed.count.is_some_and(|c| i64::try_from(read).is_ok_and(|read| read < c)) {
            // Not an error: the pages say what exists (see list_sync_tasks).
            logging::warn("OMS listed fewer sync tasks than its count said; keeping the tasks listed", &fields);
        } else {
            logging::debug("Listed OMS sync tasks", &fields);
        }
        let tasks: Vec<SyncTaskInfo> = listed.tasks.into_iter().filter(|t| matches(&config, t)).collect();
        state(&config, tasks)
    }
}

/// Whether `task` passes every filter that is set.
fn matches(config: &SyncTasksConfig, task: &SyncTaskInfo) -> bool {
    FILTERS.iter().zip(config.filter_values()).all(|((_, field), want)| want.is_none_or(|w| field(task) == Some(w)))
}

/// The `id`: the same arguments always give the same value.
fn id(config: &SyncTasksConfig) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    let args = [("status", config.status.as_str())].into_iter();
    for (name, value) in args.chain(FILTERS.iter().map(|(n, _)| *n).zip(config.filter_values())) {
        if let Some(value) = value {
            query.append_pair(name, value);
        }
    }
    match query.finish() {
        q if q.is_empty() => "sync-tasks".to_string(),
        q => format!("sync-tasks?{q}"),
    }
}

/// The words of this data source's failure diagnostics.
fn subject(ready: &ReadyClient) -> ReadSubject<'static> {
    let region = ready.region.as_deref().unwrap_or("(endpoint override)");
    ReadSubject {
        noun: "OMS sync task list",
        missing: "OMS sync task list",
        object: "the sync task list".to_string(),
        iam_action: "oms:synctask:list",
        argument: None,
        not_found: format!(
            "OMS answered 404 Not Found for the sync task list of project {} (region {region}). Check that project_id and region are right, and that OMS is offered in that region.",
            ready.project_id
        ),
        invalid_request: "Invalid sync task list request",
    }
}

/// The full state object: the arguments as given, the matching tasks and
/// their ids.
fn state(config: &SyncTasksConfig, tasks: Vec<SyncTaskInfo>) -> Result<Value, Diagnostic> {
    let ids = tasks.iter().map(|t| Value::opt_string(t.sync_task_id.as_deref())).collect();
    let page = SyncTaskPage { tasks, count: None };
    let mut m = state_attributes(&page, NOT_STATE).map_err(|e| {
        Diagnostic::error(
            "Could not record the OMS sync tasks",
            format!(
                "{e}. The task list's model and its schema disagree; this is a bug in the provider, please report it."
            ),
        )
    })?;
    m.insert("id".into(), Value::string(id(config)));
    m.insert("ids".into(), Value::List(ids));
    m.insert("status".into(), config.status.to_value());
    for ((name, _), value) in FILTERS.iter().zip(config.filter_values()) {
        m.insert((*name).into(), Value::opt_string(value));
    }
    m.insert("timeouts".into(), config.timeouts.to_value());
    Ok(Value::Object(m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::typed::decode;
    use crate::provider::read::data_source;

    fn cfg(pairs: &[(&str, Value)]) -> Value {
        crate::framework::typed::sparse_object(SyncTasksConfig::ATTRIBUTES, pairs)
    }

    fn config(pairs: &[(&str, Value)]) -> SyncTasksConfig {
        let mut d = Diagnostics::new();
        decode(&cfg(pairs), &mut d).unwrap()
    }

    fn diagnostics(c: &Value) -> Vec<(String, String, String)> {
        let mut d = Diagnostics::new();
        data_source::<SyncTasksDataSource>().validate_config(c, &mut d);
        d.iter()
            .map(|x| {
                (x.path.as_ref().map(ToString::to_string).unwrap_or_default(), x.summary.clone(), x.detail.clone())
            })
            .collect()
    }

    fn task(json: &str) -> SyncTaskInfo {
        SyncTaskPage::from_json(format!(r#"{{"tasks":[{json}]}}"#).as_bytes()).unwrap().tasks.remove(0)
    }

    #[test]
    fn status_is_validated_naming_the_allowed_values() {
        assert!(diagnostics(&cfg(&[])).is_empty());
        for ok in ["SYNCHRONIZING", "STOPPED"] {
            assert!(diagnostics(&cfg(&[("status", Value::string(ok))])).is_empty(), "{ok}");
        }
        assert!(diagnostics(&cfg(&[("status", Value::unknown())])).is_empty());
        assert_eq!(
            diagnostics(&cfg(&[("status", Value::string("stopped"))])),
            [(
                "status".to_string(),
                "Invalid status".to_string(),
                "status must be one of SYNCHRONIZING, STOPPED (exactly as written); got \"stopped\".".to_string()
            )]
        );
        let d = diagnostics(&cfg(&[("status", Value::string("")), ("timeouts", Value::string("x"))]));
        assert_eq!(d.len(), 1, "a wrong type stops decoding: {d:?}");
        let timeouts = Value::Object([("read".to_string(), Value::string("0s"))].into());
        let d = diagnostics(&cfg(&[("status", Value::string("RUNNING")), ("timeouts", timeouts)]));
        let paths: Vec<&str> = d.iter().map(|(p, _, _)| p.as_str()).collect();
        assert_eq!(paths, ["status", "timeouts.read"]);
    }

    #[test]
    fn filters_match_exactly_and_only_when_set() {
        let t = task(r#"{"sync_task_id":"a","src_cloud_type":"Aliyun","src_bucket":"s","dst_bucket":"d"}"#);
        let none = task(r#"{"sync_task_id":"b"}"#);
        assert!(matches(&config(&[]), &t) && matches(&config(&[]), &none));
        let c = config(&[("src_cloud_type", Value::string("Aliyun")), ("dst_bucket", Value::string("d"))]);
        assert!(matches(&c, &t));
        assert!(!matches(&c, &none), "a task without the field never matches a set filter");
        for (name, value) in
            [("src_cloud_type", "aliyun"), ("src_bucket", "s "), ("dst_bucket", "D"), ("src_bucket", "")]
        {
            assert!(!matches(&config(&[(name, Value::string(value))]), &t), "{name}={value:?}");
        }
        assert!(matches(&config(&[("src_bucket", Value::string("s"))]), &t));
    }

    #[test]
    fn id_is_stable_and_names_the_arguments() {
        assert_eq!(id(&config(&[])), "sync-tasks");
        let c = config(&[
            ("dst_bucket", Value::string("d&x")),
            ("status", Value::string("STOPPED")),
            ("src_cloud_type", Value::string("Aliyun")),
        ]);
        assert_eq!(id(&c), "sync-tasks?status=STOPPED&src_cloud_type=Aliyun&dst_bucket=d%26x");
        assert_ne!(
            id(&config(&[("src_bucket", Value::string("b"))])),
            id(&config(&[("dst_bucket", Value::string("b"))]))
        );
    }

    #[test]
    fn state_conforms_to_the_schema_with_objects_nulls_and_64_bit_numbers() {
        let c = config(&[("status", Value::string("STOPPED"))]);
        let tasks = vec![
            task(
                r#"{"sync_task_id":"a","create_time":9223372036854775807,"enable_restore":true,
                    "source_cdn":{"domain":"cdn.example","protocol":"https","authentication_type":"NONE"}}"#,
            ),
            task(r#"{"sync_task_id":"b","status":"STOPPED"}"#),
        ];
        let s = state(&c, tasks).unwrap();
        let ty = schema().block.implied_type();
        crate::protocol::cty_msgpack::encode(&s, &ty).expect("conforms to the schema");
        assert!(s.is_wholly_known());
        assert_eq!(s.get("ids"), &Value::List(vec![Value::string("a"), Value::string("b")]));
        assert_eq!(s.get("id"), &Value::string("sync-tasks?status=STOPPED"));
        assert_eq!(s.get("status"), &Value::string("STOPPED"));
        assert!(s.get("src_bucket").is_null() && s.get("timeouts").is_null());
        let Value::List(tasks) = s.get("tasks") else { panic!("tasks is a list: {s:?}") };
        assert_eq!(tasks[0].get("create_time"), &Value::int(i64::MAX));
        assert_eq!(tasks[0].get("source_cdn").get("domain"), &Value::string("cdn.example"));
        assert!(tasks[1].get("source_cdn").is_null());
        assert!(tasks[1].get("create_time").is_null());
        assert!(s.get("count").is_null(), "count is not an attribute");

        let empty = state(&config(&[]), Vec::new()).unwrap();
        assert_eq!((empty.get("tasks"), empty.get("ids")), (&Value::List(vec![]), &Value::List(vec![])));
        crate::protocol::cty_msgpack::encode(&empty, &ty).expect("conforms to the schema");
    }

    #[test]
    fn schema_has_every_sync_task_info_field_typed_as_in_the_sdk() {
        use Type::{Bool as B, Number as N, String as S};
        let s = schema();
        s.block.internal_validate().unwrap();
        let names: Vec<&str> = s.block.attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["id", "status", "src_cloud_type", "src_bucket", "dst_bucket", "tasks", "ids"]);
        for a in &s.block.attributes {
            assert!(!a.description.is_empty(), "{} has no description", a.name);
            let argument = SyncTasksConfig::ATTRIBUTES.contains(&a.name.as_str());
            assert_eq!((a.optional, a.computed, a.required), (argument, !argument, false), "{}", a.name);
        }
        let cdn = Type::object([("domain", S), ("protocol", S), ("authentication_type", S)]);
        let task = Type::object([
            ("sync_task_id", S),
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
            ("source_cdn", cdn),
            ("object_overwrite_mode", S),
            ("dst_storage_policy", S),
            ("consistency_check", S),
        ]);
        assert_eq!(s.block.attribute("tasks").unwrap().ty, Type::list(task));
        assert_eq!(s.block.attribute("ids").unwrap().ty, Type::list(S));
        // Object types carry no descriptions, so the list's describes its fields.
        let tasks = &s.block.attribute("tasks").unwrap().description;
        assert!(
            tasks.starts_with("The synchronization tasks, in the service's order. Attributes: `sync_task_id` (string): The synchronization task ID. `src_cloud_type` (string): "),
            "{tasks}"
        );
        assert!(
            tasks.contains("`source_cdn` (object): The CDN the task reads source objects from; null when it reads the source bucket directly. Attributes: `domain` (string): "),
            "{tasks}"
        );
        assert_eq!(s.block.blocks.len(), 1);
        assert_eq!(s.block.blocks[0].type_name, "timeouts");
    }

    #[test]
    fn service_failures_name_the_list() {
        use crate::oms::{ClientConfig, Credentials, Endpoint, OmsClient, OmsError, OmsErrorKind};
        let endpoint = Endpoint::from_override("https://oms.example.test").unwrap();
        let ready = ReadyClient {
            client: OmsClient::new(ClientConfig::new(endpoint, "p1", Credentials::Token { token: "T".into() }))
                .unwrap(),
            region: Some("cn-north-4".into()),
            project_id: "p1".into(),
            auth: crate::oms::AuthMode::Token,
            credential_source: "the provider's `token` attribute".into(),
        };
        let diag = |e: OmsError| service_diagnostic(&e, &ready, &subject(&ready), "5m");
        let f = diag(OmsError::new(OmsErrorKind::Forbidden));
        assert_eq!(f.summary, "Not allowed to read the OMS sync task list");
        assert!(f.detail.contains("for the sync task list in project p1") && f.detail.contains("`oms:synctask:list`"));
        let nf = diag(OmsError::new(OmsErrorKind::NotFound));
        assert_eq!((nf.summary.as_str(), nf.path), ("OMS sync task list not found", None));
        let s = diag(OmsError::new(OmsErrorKind::Server).with_attempts(3));
        assert!(s.detail.starts_with("Reading the sync task list kept failing ("), "{}", s.detail);
        let u = diag(
            OmsError::new(OmsErrorKind::Undecodable)
                .with_detail("the pages of ListSyncTasks were inconsistent: task \"a\" appeared twice"),
        );
        assert_eq!(u.summary, "OMS returned a response the provider cannot read");
        assert!(u.detail.contains("the pages of ListSyncTasks were inconsistent"), "{}", u.detail);
    }
}
