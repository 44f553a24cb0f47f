//! The `oms_sync_task` data source: validation, the read, and how OMS
//! failures become diagnostics a user can act on.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;

use super::config::{missing_settings_detail, Configured, ReadyClient};
use super::sync_task_schema::{self, FieldKind, RESPONSE_FIELDS};
use crate::framework::data_source::{DataSource, DeferredReason, ReadRequest, ReadResponse};
use crate::framework::diagnostics::{AttributePath, Diagnostic, Diagnostics};
use crate::framework::duration::parse_go_duration;
use crate::framework::schema::Schema;
use crate::framework::value::Value;
use crate::logging;
use crate::oms::{OmsError, OmsErrorKind, SyncTask};

/// The default bound on a whole read, retries included.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(300);
const MAX_ID_CHARS: usize = 255;

pub struct SyncTaskDataSource;

#[async_trait]
impl DataSource for SyncTaskDataSource {
    fn type_name(&self) -> &'static str {
        sync_task_schema::TYPE_NAME
    }

    fn schema(&self) -> Schema {
        sync_task_schema::schema()
    }

    fn validate_config(&self, config: &Value, d: &mut Diagnostics) {
        validate(config, d);
    }

    async fn read(&self, request: ReadRequest) -> ReadResponse {
        let mut response = ReadResponse::default();
        validate(&request.config, &mut response.diagnostics);
        if response.diagnostics.has_errors() {
            return response;
        }
        let configured = request.provider_data.as_ref().and_then(|d| d.downcast_ref::<Configured>());
        let ready = match configured {
            Some(Configured::Ready(r)) => r,
            Some(Configured::Incomplete { missing, other }) => {
                let detail = match other {
                    Some(o) if missing.is_empty() => format!("{o}. Check the provider configuration."),
                    _ => missing_settings_detail(missing),
                };
                response.diagnostics.error("OMS provider is not fully configured", detail);
                return response;
            }
            Some(Configured::Unknown) if request.deferral_allowed => {
                response.deferred = Some(DeferredReason::ProviderConfigUnknown);
                return response;
            }
            Some(Configured::Unknown) => {
                response.diagnostics.error(
                    "OMS provider configuration is not known yet",
                    "The provider block uses values that are only known after apply, so the sync task cannot be read during plan. Use values known at plan time in the provider block (for example variables or environment variables).",
                );
                return response;
            }
            None => {
                response.diagnostics.error(
                    "OMS provider was not configured",
                    "Terraform did not configure the provider before reading. This is unexpected; re-run the command, and report it if it persists.",
                );
                return response;
            }
        };
        read(ready, &request, &mut response).await;
        response
    }
}

/// Static checks, shared by validation and the read. Unknown values pass.
fn validate(config: &Value, d: &mut Diagnostics) {
    if let Some(id) = config.get("sync_task_id").as_str() {
        let n = id.chars().count();
        if n == 0 || n > MAX_ID_CHARS {
            d.error_at(
                AttributePath::root("sync_task_id"),
                "Invalid sync_task_id",
                format!("sync_task_id must be 1 to {MAX_ID_CHARS} characters long; it has {n}."),
            );
        }
    }
    if let Some(n) = config.get("query_time").as_number() {
        match n.as_i64() {
            Some(i) if i >= 0 => {}
            _ => d.error_at(
                AttributePath::root("query_time"),
                "Invalid query_time",
                format!(
                    "query_time is a time in milliseconds since the Unix epoch: a whole number, 0 or greater. Got {n}."
                ),
            ),
        }
    }
    if let Some(raw) = config.get("timeouts").get("read").as_str() {
        match parse_go_duration(raw) {
            Ok(t) if !t.is_zero() => {}
            Ok(_) => d.error_at(
                AttributePath::root("timeouts").attribute("read"),
                "Invalid read timeout",
                "timeouts.read must be longer than zero, e.g. \"30s\" or \"5m\".",
            ),
            Err(e) => d.error_at(
                AttributePath::root("timeouts").attribute("read"),
                "Invalid read timeout",
                format!("{e}. Use a Go duration such as \"30s\", \"2m\" or \"1h30m\"."),
            ),
        }
    }
}

async fn read(ready: &ReadyClient, request: &ReadRequest, response: &mut ReadResponse) {
    let config = &request.config;
    let id = config.get("sync_task_id").as_str().unwrap_or_default().to_string();
    let query_time = config.get("query_time").as_number().and_then(|n| n.as_i64()).unwrap_or_else(now_ms);
    let timeout_text = config.get("timeouts").get("read").as_str().map(str::to_string);
    let timeout = timeout_text.as_deref().and_then(|t| parse_go_duration(t).ok()).unwrap_or(DEFAULT_READ_TIMEOUT);
    let deadline = tokio::time::Instant::now() + timeout;

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
            response.state = Some(state(config, &id, query_time, &outcome.task));
        }
        Err(e) => response.diagnostics.push(diagnostic(&e, ready, &id, timeout_text.as_deref().unwrap_or("5m"))),
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis().min(i64::MAX as u128) as i64)
        .unwrap_or(0)
}

/// The full state object: every attribute of the schema, response fields
/// mapped by type (JSON null or absent → null), arguments as configured.
pub fn state(config: &Value, id: &str, query_time: i64, task: &SyncTask) -> Value {
    let json = task.to_field_map();
    let mut m: BTreeMap<String, Value> = BTreeMap::new();
    m.insert("id".into(), Value::string(id));
    m.insert("sync_task_id".into(), Value::string(id));
    m.insert("query_time".into(), Value::int(query_time));
    m.insert("timeouts".into(), config.get("timeouts").clone());
    for (name, kind, _) in RESPONSE_FIELDS {
        let v = match (kind, json.get(*name)) {
            (FieldKind::String, Some(FieldValue::Str(s))) => Value::string(s.clone()),
            (FieldKind::Integer, Some(FieldValue::Int(i))) => Value::int(*i),
            (FieldKind::Bool, Some(FieldValue::Bool(b))) => Value::Bool(*b),
            _ => Value::Null,
        };
        m.insert((*name).to_string(), v);
    }
    Value::Object(m)
}

/// A response field as the model holds it.
pub enum FieldValue {
    Str(String),
    Int(i64),
    Bool(bool),
}

trait FieldMap {
    fn to_field_map(&self) -> BTreeMap<&'static str, FieldValue>;
}

impl FieldMap for SyncTask {
    fn to_field_map(&self) -> BTreeMap<&'static str, FieldValue> {
        let mut m = BTreeMap::new();
        let mut s = |k: &'static str, v: &Option<String>| {
            if let Some(v) = v {
                m.insert(k, FieldValue::Str(v.clone()));
            }
        };
        s("src_cloud_type", &self.src_cloud_type);
        s("src_region", &self.src_region);
        s("src_bucket", &self.src_bucket);
        s("dst_bucket", &self.dst_bucket);
        s("dst_region", &self.dst_region);
        s("description", &self.description);
        s("status", &self.status);
        s("app_id", &self.app_id);
        s("object_overwrite_mode", &self.object_overwrite_mode);
        s("dst_storage_policy", &self.dst_storage_policy);
        s("consistency_check", &self.consistency_check);
        let ints = [
            ("create_time", self.create_time),
            ("last_start_time", self.last_start_time),
            ("monthly_acceptance_request", self.monthly_acceptance_request),
            ("monthly_success_object", self.monthly_success_object),
            ("monthly_failure_object", self.monthly_failure_object),
            ("monthly_skip_object", self.monthly_skip_object),
            ("monthly_size", self.monthly_size),
        ];
        for (k, v) in ints {
            if let Some(v) = v {
                m.insert(k, FieldValue::Int(v));
            }
        }
        let bools = [
            ("enable_metadata_migration", self.enable_metadata_migration),
            ("enable_restore", self.enable_restore),
            ("enable_kms", self.enable_kms),
        ];
        for (k, v) in bools {
            if let Some(v) = v {
                m.insert(k, FieldValue::Bool(v));
            }
        }
        m
    }
}

/// What the service said, for the end of every error detail.
fn service_facts(e: &OmsError) -> String {
    let mut parts = Vec::new();
    if let Some(s) = e.status() {
        parts.push(format!("HTTP status: {s}"));
    }
    if let Some(c) = e.error_code() {
        parts.push(format!("error_code: {c}"));
    }
    if let Some(m) = e.error_msg() {
        parts.push(format!("error_msg: {m}"));
    }
    if let Some(r) = e.request_id() {
        parts.push(format!("request ID: {r}"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("\n\n{}", parts.join("\n"))
    }
}

fn diagnostic(e: &OmsError, ready: &ReadyClient, id: &str, timeout: &str) -> Diagnostic {
    let region = ready.region.as_deref().unwrap_or("(endpoint override)");
    let project = &ready.project_id;
    let facts = service_facts(e);
    let attempts = e.attempts();
    match e.kind() {
        OmsErrorKind::NotFound => Diagnostic::error(
            "OMS sync task not found",
            format!(
                "No synchronization task with ID {id:?} was found in project {project} (region {region}). Check sync_task_id, and that project_id and region are the ones the task was created in.{facts}"
            ),
        )
        .at(AttributePath::root("sync_task_id")),
        OmsErrorKind::Unauthenticated => Diagnostic::error(
            "OMS rejected the credentials",
            format!(
                "The request was authenticated with {} ({}) and OMS answered 401 Unauthorized. Check that the credentials are valid, not expired, and belong to this account{}.{facts}",
                ready.auth,
                ready.credential_source,
                if ready.auth == "AK/SK" {
                    "; also check that the machine's clock is correct (signatures are valid for 15 minutes)"
                } else {
                    ""
                }
            ),
        ),
        OmsErrorKind::Forbidden => Diagnostic::error(
            "Not allowed to read the OMS sync task",
            format!(
                "OMS answered 403 Forbidden for task {id:?} in project {project}. The IAM user or agency behind the {} credentials needs the IAM action `oms:synctask:get` (for example through the OMS ReadOnlyAccess policy) in this project.{facts}",
                ready.auth
            ),
        ),
        OmsErrorKind::Throttled | OmsErrorKind::Server => Diagnostic::error(
            format!("OMS request failed after {attempts} attempt{}", if attempts == 1 { "" } else { "s" }),
            format!(
                "Reading task {id:?} kept failing ({}); the provider retried with backoff and gave up. The service may be throttling or unavailable: try again later, or raise max_retries.{facts}",
                e
            ),
        ),
        OmsErrorKind::TimedOut => Diagnostic::error(
            "Reading the OMS sync task timed out",
            format!(
                "The read of task {id:?} did not finish within timeouts.read = {timeout} ({attempts} attempt{}). Increase timeouts.read, or check connectivity to {}.{facts}",
                if attempts == 1 { "" } else { "s" },
                ready.client.endpoint()
            ),
        )
        .at(AttributePath::root("timeouts").attribute("read")),
        OmsErrorKind::Cancelled => Diagnostic::error(
            "Read cancelled",
            format!("Terraform asked the provider to stop (for example after Ctrl-C), so the read of task {id:?} was abandoned."),
        ),
        OmsErrorKind::Transport => Diagnostic::error(
            "Could not reach the OMS endpoint",
            format!(
                "{e}. Endpoint: {}. Check the region, the cloud domain or endpoints.oms, network access, and TLS settings (cacert_file, insecure).",
                ready.client.endpoint()
            ),
        ),
        OmsErrorKind::Undecodable | OmsErrorKind::BodyTooLarge => Diagnostic::error(
            "OMS returned a response the provider cannot read",
            format!("{e}. This may be a proxy or a service change; retry, and report it if it persists.{facts}"),
        ),
        OmsErrorKind::InvalidRequest => {
            Diagnostic::error("Invalid sync task request", format!("{e}.")).at(AttributePath::root("sync_task_id"))
        }
        _ => Diagnostic::error("OMS request failed", format!("{e}.{facts}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::value::Number;

    fn cfg(id: Value, qt: Value, read: Value) -> Value {
        let timeouts = if read.is_null() { Value::Null } else { Value::Object([("read".to_string(), read)].into()) };
        Value::Object(
            [("sync_task_id".to_string(), id), ("query_time".to_string(), qt), ("timeouts".to_string(), timeouts)]
                .into(),
        )
    }

    fn paths(c: &Value) -> Vec<String> {
        let mut d = Diagnostics::new();
        validate(c, &mut d);
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
    }

    #[test]
    fn state_maps_every_field_and_keeps_nulls() {
        let task = SyncTask::from_json(
            br#"{"sync_task_id":"t","status":"STOPPED","monthly_size":9223372036854775807,"enable_kms":true,"app_id":null}"#,
        )
        .unwrap();
        let s = state(&cfg(Value::string("t"), Value::Null, Value::Null), "t", 5, &task);
        let ty = sync_task_schema::schema().block.implied_type();
        crate::protocol::cty_msgpack::encode(&s, &ty).expect("conforms to the schema");
        assert!(s.is_wholly_known());
        assert_eq!(s.get("monthly_size"), &Value::int(i64::MAX));
        assert_eq!(s.get("enable_kms"), &Value::Bool(true));
        assert!(s.get("app_id").is_null());
        assert!(s.get("description").is_null());
        assert_eq!(s.get("id"), &Value::string("t"));
        assert_eq!(s.get("query_time"), &Value::int(5));
    }
}
