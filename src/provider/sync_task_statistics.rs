//! The `oms_sync_task_statistics` data source: one task's object counters
//! over a time range, per interval, which shows whether a task is
//! progressing now (a month's totals in `oms_sync_task` do not).

use async_trait::async_trait;

use super::configure::ReadyClient;
use super::model::{computed_attributes, state_attributes};
use super::read::{
    timeouts_block, validate_epoch_ms, validate_id, validate_timeouts, OmsDataSource, ReadTimeout, Timeouts,
};
use super::service_error::{service_diagnostic, ReadSubject};
use super::sync_task;
use crate::framework::data_source::ReadRequest;
use crate::framework::diagnostics::{AttributePath, Diagnostic, Diagnostics};
use crate::framework::schema::{Attribute, Block, Schema};
use crate::framework::typed::{tf_object, Attr, ToValue};
use crate::framework::types::Type;
use crate::framework::value::{Number, Value};
use crate::logging;
use crate::oms::{StatisticDataType, SyncTaskStatistics, WireEnum};

/// What users write in `data "oms_sync_task_statistics" "label"`.
pub(crate) const TYPE_NAME: &str = "oms_sync_task_statistics";

tf_object! {
    /// The arguments of `oms_sync_task_statistics`.
    pub(crate) struct SyncTaskStatisticsConfig {
        pub(crate) sync_task_id: Attr<String>,
        pub(crate) start_time: Attr<Number>,
        pub(crate) end_time: Attr<Number>,
        /// Elements may be unknown on their own (`[var.x]`), so each is an `Attr`.
        pub(crate) data_types: Attr<Vec<Attr<String>>>,
        pub(crate) timeouts: Attr<Timeouts>,
    }
}

/// Model fields that are arguments here; the schema declares them itself.
const ARGUMENTS: &[&str] = &["sync_task_id"];

/// Model fields shown under another name: `statistic_datas` is the API's
/// word, `statistics` reads as English in a configuration.
const RENAMED: [(&str, &str); 1] = [("statistic_datas", "statistics")];

/// The attribute a model field is shown as.
fn attribute_name(field: &str) -> &str {
    RENAMED.iter().find(|(from, _)| *from == field).map_or(field, |(_, to)| to)
}

/// The arguments, then one read-only attribute per [`SyncTaskStatistics`]
/// field, then the `timeouts` block.
pub(crate) fn schema() -> Schema {
    let mut attributes = vec![
        Attribute::computed(
            "id",
            Type::String,
            "A value derived from the arguments: `{sync_task_id}/{start_time}-{end_time}/{data types, comma-separated}`.",
        ),
        Attribute::required(
            "sync_task_id",
            Type::String,
            "The ID of the synchronization task whose statistics to read (1 to 255 characters), for example `d18befdd-eb82-41f3-8019-bbb593d74a3e`.",
        ),
        Attribute::required(
            "start_time",
            Type::Number,
            "The start of the time range, in milliseconds since the Unix epoch. Must be 0 or greater.",
        ),
        Attribute::required(
            "end_time",
            Type::Number,
            "The end of the time range, in milliseconds since the Unix epoch. Must be after `start_time`.",
        ),
        Attribute::optional_computed(
            "data_types",
            Type::list(Type::String),
            &format!(
                "The statistics to read, in this order: any of `REQUEST` (objects requested), `SUCCESS` (objects synchronized), `FAILURE` (objects failed), `SKIP` (objects skipped) and `SIZE` (bytes synchronized). Sent to OMS comma-separated. Defaults to all five (`{}`); the value used is recorded in state.",
                StatisticDataType::spelled(", ")
            ),
        ),
    ];
    attributes.extend(computed_attributes::<SyncTaskStatistics>(ARGUMENTS).into_iter().map(|mut a| {
        a.name = attribute_name(&a.name).to_string();
        a
    }));
    Schema {
        version: 0,
        block: Block {
            attributes,
            blocks: vec![timeouts_block()],
            description: "Reads the object counters of one Huawei Cloud Object Storage Migration Service (OMS) synchronization task over a time range, one point per interval, to see whether it is progressing now (OMS API `GET /v2/{project_id}/sync-tasks/{sync_task_id}/statistics`; IAM action `oms:synctask:statistics`). Numbers are exact to 64 bits.".into(),
            deprecation_message: None,
        },
    }
}

/// `data_types` as far as known: all five when unset (or not known yet),
/// else the values in the order given, or the diagnostics naming the
/// argument and each value at fault. Validation and read both call it.
fn data_types(config: &SyncTaskStatisticsConfig) -> Result<Vec<StatisticDataType>, Vec<Diagnostic>> {
    let Some(items) = config.data_types.known() else {
        return Ok(StatisticDataType::ALL.to_vec());
    };
    let invalid = |i: usize, detail: String| {
        let index = i64::try_from(i).unwrap_or(i64::MAX);
        Diagnostic::error("Invalid data_types", detail).at(AttributePath::root("data_types").index(index))
    };
    if items.is_empty() {
        return Err(vec![Diagnostic::error(
            "Invalid data_types",
            format!(
                "data_types must name at least one data type ({}); leave it unset for all five.",
                StatisticDataType::spelled(", ")
            ),
        )
        .at(AttributePath::root("data_types"))]);
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item {
            Attr::Known(text) => match StatisticDataType::parse(text) {
                Some(t) => out.push(t),
                None => errors.push(invalid(
                    i,
                    format!(
                        "data_types[{i}] is {text:?}, which is not a statistics data type. Use {} (exactly as written).",
                        StatisticDataType::spelled(", ")
                    ),
                )),
            },
            Attr::Null => errors.push(invalid(i, format!("data_types[{i}] is null; every element must be a data type."))),
            Attr::Unknown => {}
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The time range, when both ends are known whole numbers.
fn range(config: &SyncTaskStatisticsConfig) -> Option<(i64, i64)> {
    let ms = |t: &Attr<Number>| t.known().and_then(Number::as_i64);
    Some((ms(&config.start_time)?, ms(&config.end_time)?))
}

/// Registered in [`super::OmsProvider::data_sources`].
pub(crate) struct SyncTaskStatisticsDataSource;

#[async_trait]
impl OmsDataSource for SyncTaskStatisticsDataSource {
    type Config = SyncTaskStatisticsConfig;
    const TYPE_NAME: &'static str = TYPE_NAME;
    const WHAT: &'static str = "the sync task statistics";

    fn schema() -> Schema {
        schema()
    }

    fn validate(config: &SyncTaskStatisticsConfig, d: &mut Diagnostics) {
        validate_id("sync_task_id", &config.sync_task_id, d);
        validate_epoch_ms("start_time", &config.start_time, d);
        validate_epoch_ms("end_time", &config.end_time, d);
        if let Some((start, end)) = range(config) {
            if start >= 0 && end <= start {
                d.error_at(
                    AttributePath::root("end_time"),
                    "Invalid end_time",
                    format!("end_time must be after start_time ({start}); got {end}."),
                );
            }
        }
        if let Err(errors) = data_types(config) {
            errors.into_iter().for_each(|e| d.push(e));
        }
        validate_timeouts(&config.timeouts, d);
    }

    async fn read(
        ready: &ReadyClient,
        config: SyncTaskStatisticsConfig,
        request: &ReadRequest,
    ) -> Result<Value, Diagnostic> {
        let id = config.sync_task_id.as_str().unwrap_or_default().to_string();
        // Validation passed, so both are known and in order; the client
        // checks the range again before sending.
        let (start, end) = range(&config).unwrap_or_default();
        let types = data_types(&config).map_err(|mut errors| errors.remove(0))?;
        let timeout = ReadTimeout::of(&config.timeouts);
        let deadline = tokio::time::Instant::now() + timeout.duration;
        let types_text = types.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(",");

        let (start_text, end_text) = (start.to_string(), end.to_string());
        let fields = [("sync_task_id", id.as_str()), ("start_time", &start_text), ("end_time", &end_text)];
        logging::debug(
            "Reading OMS sync task statistics",
            &[fields.as_slice(), &[("data_type", &types_text)]].concat(),
        );
        let got = ready
            .client
            .list_sync_task_statistics(&id, &types, start, end, deadline, &request.cancel)
            .await
            .map_err(|e| service_diagnostic(&e, ready, &subject(ready, &id), &timeout.text))?;
        logging::debug(
            "Read OMS sync task statistics",
            &[
                ("sync_task_id", id.as_str()),
                ("request_id", got.request_id.as_deref().unwrap_or("")),
                ("attempts", &got.attempts.to_string()),
                ("series", &got.value.statistic_datas.len().to_string()),
            ],
        );
        let id_value = format!("{id}/{start}-{end}/{types_text}");
        state(&config, &id_value, &types, &got.value)
    }
}

/// The words of this data source's failure diagnostics: those of
/// `oms_sync_task` (a missing task is the same fact, with the same code)
/// except for what was being read.
fn subject(ready: &ReadyClient, id: &str) -> ReadSubject<'static> {
    ReadSubject {
        noun: "OMS sync task statistics",
        object: format!("the statistics of task {id:?}"),
        iam_action: "oms:synctask:statistics",
        invalid_request: "Invalid sync task statistics request",
        ..sync_task::subject(ready, id)
    }
}

/// The full state object: the arguments as used, and every model field.
fn state(
    config: &SyncTaskStatisticsConfig,
    id: &str,
    types: &[StatisticDataType],
    answer: &SyncTaskStatistics,
) -> Result<Value, Diagnostic> {
    let fields = state_attributes(answer, ARGUMENTS).map_err(|e| {
        Diagnostic::error(
            "Could not record the OMS sync task statistics",
            format!(
                "{e}. The statistics' model and its schema disagree; this is a bug in the provider, please report it."
            ),
        )
    })?;
    let mut m: std::collections::BTreeMap<String, Value> =
        fields.into_iter().map(|(k, v)| (attribute_name(&k).to_string(), v)).collect();
    m.insert("id".into(), Value::string(id));
    m.insert("sync_task_id".into(), config.sync_task_id.to_value());
    m.insert("start_time".into(), config.start_time.to_value());
    m.insert("end_time".into(), config.end_time.to_value());
    m.insert("data_types".into(), Value::List(types.iter().map(|t| Value::string(t.as_str())).collect()));
    m.insert("timeouts".into(), config.timeouts.to_value());
    Ok(Value::Object(m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::typed::decode;
    use crate::oms::{OmsError, OmsErrorKind};
    use crate::provider::read::data_source;

    /// A valid configuration (task "t", 1000..2000) with `pairs` on top.
    fn cfg(pairs: &[(&str, Value)]) -> Value {
        let mut set = vec![
            ("sync_task_id", Value::string("t")),
            ("start_time", Value::int(1000)),
            ("end_time", Value::int(2000)),
        ];
        set.extend(pairs.iter().cloned());
        crate::framework::typed::sparse_object(SyncTaskStatisticsConfig::ATTRIBUTES, &set)
    }

    fn list(items: &[&str]) -> Value {
        Value::List(items.iter().map(|s| Value::string(*s)).collect())
    }

    fn diagnostics(c: &Value) -> Vec<(String, String, String)> {
        let mut d = Diagnostics::new();
        data_source::<SyncTaskStatisticsDataSource>().validate_config(c, &mut d);
        d.iter()
            .map(|x| {
                (x.path.as_ref().map(ToString::to_string).unwrap_or_default(), x.summary.clone(), x.detail.clone())
            })
            .collect()
    }

    fn paths(c: &Value) -> Vec<String> {
        diagnostics(c).into_iter().map(|(p, _, _)| p).collect()
    }

    fn config(c: &Value) -> SyncTaskStatisticsConfig {
        decode(c, &mut Diagnostics::new()).unwrap()
    }

    #[test]
    fn time_range_is_validated_before_any_request() {
        assert!(paths(&cfg(&[])).is_empty());
        assert_eq!(
            diagnostics(&cfg(&[("end_time", Value::int(1000))])),
            [(
                "end_time".to_string(),
                "Invalid end_time".to_string(),
                "end_time must be after start_time (1000); got 1000.".to_string()
            )]
        );
        assert_eq!(paths(&cfg(&[("end_time", Value::int(999))])), ["end_time"]);
        assert_eq!(paths(&cfg(&[("start_time", Value::int(-1))])), ["start_time"]);
        assert_eq!(paths(&cfg(&[("end_time", Value::Number(Number::Float(1500.5)))])), ["end_time"]);
        // Unknown ends pass: Terraform checks again once they are known.
        assert!(paths(&cfg(&[("end_time", Value::unknown())])).is_empty());
        assert!(paths(&cfg(&[("start_time", Value::unknown()), ("end_time", Value::int(0))])).is_empty());
        assert_eq!(paths(&cfg(&[("sync_task_id", Value::string(""))])), ["sync_task_id"]);
    }

    #[test]
    fn data_types_default_keep_their_order_and_refuse_unknown_values() {
        assert_eq!(data_types(&config(&cfg(&[]))).unwrap(), StatisticDataType::ALL);
        use StatisticDataType::*;
        assert_eq!(data_types(&config(&cfg(&[("data_types", list(&["SIZE", "REQUEST"]))]))).unwrap(), [Size, Request]);
        assert_eq!(
            diagnostics(&cfg(&[("data_types", list(&["SIZE", "BYTES"]))])),
            [(
                "data_types[1]".to_string(),
                "Invalid data_types".to_string(),
                "data_types[1] is \"BYTES\", which is not a statistics data type. Use REQUEST, SUCCESS, FAILURE, SKIP, SIZE (exactly as written).".to_string()
            )]
        );
        assert_eq!(paths(&cfg(&[("data_types", list(&["size"]))])), ["data_types[0]"]);
        assert_eq!(paths(&cfg(&[("data_types", list(&[]))])), ["data_types"]);
        let with_null = Value::List(vec![Value::string("SKIP"), Value::Null]);
        assert_eq!(paths(&cfg(&[("data_types", with_null)])), ["data_types[1]"]);
        let with_unknown = Value::List(vec![Value::unknown(), Value::string("SKIP")]);
        assert!(paths(&cfg(&[("data_types", with_unknown)])).is_empty());
        assert!(paths(&cfg(&[("data_types", Value::unknown())])).is_empty());
    }

    #[test]
    fn state_renames_statistic_datas_and_keeps_64_bit_numbers() {
        let c = config(&cfg(&[("data_types", list(&["SIZE"]))]));
        let answer = SyncTaskStatistics::from_json(
            br#"{"sync_task_id":"t","statistic_time_type":"FIVE_MINUTES","statistic_datas":[
                {"data_type":"SIZE","data":[{"time_stamp":1000,"statistic_num":9223372036854775807}]}]}"#,
        )
        .unwrap();
        let s = state(&c, "t/1000-2000/SIZE", &[StatisticDataType::Size], &answer).unwrap();
        crate::protocol::cty_msgpack::encode(&s, &schema().block.implied_type()).expect("conforms to the schema");
        assert!(s.is_wholly_known());
        assert_eq!(s.get("statistic_time_type"), &Value::string("FIVE_MINUTES"));
        assert!(s.get("statistic_datas").is_null(), "shown as statistics");
        let Value::List(series) = s.get("statistics") else { panic!("statistics is a list: {s:?}") };
        assert_eq!(series[0].get("data_type"), &Value::string("SIZE"));
        let Value::List(points) = series[0].get("data") else { panic!("data is a list: {s:?}") };
        assert_eq!(points[0].get("statistic_num"), &Value::int(i64::MAX));
        assert_eq!(s.get("data_types"), &list(&["SIZE"]));
        assert_eq!((s.get("start_time"), s.get("end_time")), (&Value::int(1000), &Value::int(2000)));
        assert_eq!(s.get("id"), &Value::string("t/1000-2000/SIZE"));
        let keys: Vec<&String> = s.as_map().unwrap().keys().collect();
        let mut names: Vec<String> = schema().block.attributes.iter().map(|a| a.name.clone()).collect();
        names.push("timeouts".into());
        names.sort();
        assert_eq!(keys, names.iter().collect::<Vec<_>>());
    }

    #[test]
    fn schema_is_valid_and_shaped_as_the_issue_says() {
        use Type::{Number as N, String as S};
        let s = schema();
        s.block.internal_validate().unwrap();
        let got: Vec<(&str, Type)> = s.block.attributes.iter().map(|a| (a.name.as_str(), a.ty.clone())).collect();
        let point = Type::object([("time_stamp", N), ("statistic_num", N)]);
        let series = Type::object([("data_type", S), ("data", Type::list(point))]);
        assert_eq!(
            got,
            [
                ("id", S),
                ("sync_task_id", S),
                ("start_time", N),
                ("end_time", N),
                ("data_types", Type::list(S)),
                ("statistic_time_type", S),
                ("statistics", Type::list(series)),
            ]
        );
        for a in &s.block.attributes {
            assert!(!a.description.is_empty(), "{} has no description", a.name);
        }
        for name in ["sync_task_id", "start_time", "end_time"] {
            assert!(s.block.attribute(name).unwrap().required, "{name}");
        }
        let d = s.block.attribute("data_types").unwrap();
        assert!(d.optional && d.computed);
    }

    #[test]
    fn a_missing_task_reads_as_for_oms_sync_task() {
        use crate::oms::{ClientConfig, Credentials, Endpoint, OmsClient};
        let endpoint = Endpoint::from_override("https://oms.example.test").unwrap();
        let ready = ReadyClient {
            client: OmsClient::new(ClientConfig::new(endpoint, "p1", Credentials::Token { token: "T".into() }))
                .unwrap(),
            region: Some("cn-north-4".into()),
            project_id: "p1".into(),
            auth: crate::oms::AuthMode::Token,
            credential_source: "the provider's `token` attribute".into(),
        };
        let diag = |kind| service_diagnostic(&OmsError::new(kind), &ready, &subject(&ready, "abc"), "5m");
        let nf = diag(OmsErrorKind::NotFound);
        let task = service_diagnostic(
            &OmsError::new(OmsErrorKind::NotFound),
            &ready,
            &sync_task::subject(&ready, "abc"),
            "5m",
        );
        assert_eq!((nf.summary.as_str(), nf.detail.as_str()), (task.summary.as_str(), task.detail.as_str()));
        assert_eq!(nf.path.unwrap().to_string(), "sync_task_id");
        let f = diag(OmsErrorKind::Forbidden);
        assert_eq!(f.summary, "Not allowed to read the OMS sync task statistics");
        assert!(f.detail.contains("`oms:synctask:statistics`") && f.detail.contains("the statistics of task \"abc\""));
        assert_eq!(diag(OmsErrorKind::TimedOut).summary, "Reading the OMS sync task statistics timed out");
    }
}
