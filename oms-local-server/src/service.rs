//! Per-request behaviour: routing, gateway authentication, fault injection and the OMS
//! backend answer, in the order the real API gateway applies them (unknown API before
//! auth, auth before anything the backend decides).

use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use hyper::{Request, Response, StatusCode};
use serde_json::json;
use tokio::sync::Notify;

use crate::body::RespBody;
use crate::faults::{Fault, FaultTarget};
use crate::queries::{self, InvalidParameter};
use crate::routing::{match_route, Route};
use crate::statistics::statistics_body;
use crate::{signing, RecordedRequest, Shared};

/// GETs carry no body; anything larger than this is hostile and is refused rather than
/// buffered.
const MAX_REQUEST_BODY: usize = 1 << 20;

/// A decided answer before the common headers are attached.
struct Answer {
    status: u16,
    body: RespBody,
    retry_after: Option<String>,
}

impl Answer {
    fn json(status: u16, value: serde_json::Value) -> Self {
        Answer { status, body: RespBody::full(value.to_string()), retry_after: None }
    }

    fn raw(status: u16, bytes: Bytes) -> Self {
        Answer { status, body: RespBody::Full(Some(bytes)), retry_after: None }
    }
}

/// Gateway-level errors carry `request_id` in the body; OMS backend errors do not (per
/// the OMS API reference), and clients should cope with both shapes.
fn gateway_error(status: u16, code: &str, msg: &str, request_id: &str) -> Answer {
    Answer::json(status, json!({"error_msg": msg, "error_code": code, "request_id": request_id}))
}

fn oms_error(status: u16, code: &str, msg: &str) -> Answer {
    Answer::json(status, json!({"error_code": code, "error_msg": msg}))
}

fn iam_auth_error(detail: &str, request_id: &str) -> Answer {
    gateway_error(401, "APIGW.0301", &format!("Incorrect IAM authentication information: {detail}"), request_id)
}

fn api_not_found(request_id: &str) -> Answer {
    gateway_error(404, "APIGW.0101", "The API does not exist or has not been published in the environment", request_id)
}

fn random_request_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

fn now_unix() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

fn header_values(headers: &HeaderMap, name: &str) -> Vec<String> {
    headers.get_all(name).iter().map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()).collect()
}

/// The single value of a header that must not repeat; repeated → treated as absent-or-bad
/// by callers via `Err(())`.
fn single_header(headers: &HeaderMap, name: &str) -> Result<Option<String>, ()> {
    let mut values = header_values(headers, name);
    match values.len() {
        0 => Ok(None),
        1 => Ok(values.pop()),
        _ => Err(()),
    }
}

struct RequestView<'a> {
    method: &'a str,
    raw_path: &'a str,
    raw_query: Option<&'a str>,
    headers: &'a HeaderMap,
    body: &'a [u8],
}

fn authenticate(shared: &Shared, req: &RequestView<'_>, request_id: &str) -> Result<(), Answer> {
    let cfg = &shared.config;
    let auth_token = single_header(req.headers, "x-auth-token")
        .map_err(|()| iam_auth_error("duplicate X-Auth-Token header", request_id))?;
    if let Some(token) = auth_token {
        return match &cfg.auth_token {
            Some(expected) if signing::constant_time_eq(token.as_bytes(), expected.as_bytes()) => Ok(()),
            _ => Err(iam_auth_error("decrypt token fail", request_id)),
        };
    }

    let authorization = single_header(req.headers, "authorization")
        .map_err(|()| iam_auth_error("duplicate Authorization header", request_id))?
        .ok_or_else(|| iam_auth_error("Authorization not found in header", request_id))?;
    let parsed = signing::parse_authorization(&authorization).map_err(|e| match e {
        signing::AuthParseError::UnsupportedAlgorithm => iam_auth_error("unsupported signing algorithm", request_id),
        signing::AuthParseError::Malformed(_) => iam_auth_error("Authorization header is malformed", request_id),
    })?;
    let signs = |name: &str| parsed.signed_headers.iter().any(|h| h == name);
    if !signs("x-sdk-date") {
        return Err(iam_auth_error("x-sdk-date is not signed", request_id));
    }
    if shared.require_signed_host() && !signs("host") {
        return Err(iam_auth_error("host is not signed", request_id));
    }

    let date_error = |detail: &str| {
        gateway_error(401, "APIGW.0303", &format!("Incorrect IAM authentication information: {detail}"), request_id)
    };
    let sdk_date = single_header(req.headers, "x-sdk-date")
        .map_err(|()| date_error("duplicate X-Sdk-Date header"))?
        .ok_or_else(|| date_error("X-Sdk-Date not found in header"))?;
    let date_unix = signing::parse_sdk_date(sdk_date.trim())
        .ok_or_else(|| date_error("X-Sdk-Date is not in the format YYYYMMDDTHHMMSSZ"))?;
    if !signing::within_skew(date_unix, now_unix(), cfg.clock_skew_limit) {
        return Err(date_error("X-Sdk-Date differs from the server time by more than the allowed skew"));
    }

    if parsed.access_key != cfg.access_key {
        return Err(iam_auth_error("access key does not exist", request_id));
    }

    let presented_token = single_header(req.headers, "x-security-token")
        .map_err(|()| iam_auth_error("duplicate X-Security-Token header", request_id))?;
    match (&cfg.security_token, presented_token) {
        (Some(expected), Some(got)) => {
            if !signing::constant_time_eq(got.trim().as_bytes(), expected.as_bytes()) {
                return Err(iam_auth_error("security token is invalid", request_id));
            }
            if !signs("x-security-token") {
                return Err(iam_auth_error("x-security-token is not signed", request_id));
            }
        }
        (Some(_), None) => {
            return Err(iam_auth_error("X-Security-Token is required for temporary credentials", request_id))
        }
        (None, Some(_)) => return Err(iam_auth_error("security token is not valid for this access key", request_id)),
        (None, None) => {}
    }

    let mut canonical_headers = Vec::with_capacity(parsed.signed_headers.len());
    for name in &parsed.signed_headers {
        let values = header_values(req.headers, name);
        if values.is_empty() {
            return Err(iam_auth_error("a signed header is missing from the request", request_id));
        }
        let joined = values.iter().map(|v| v.trim()).collect::<Vec<_>>().join(",");
        canonical_headers.push((name.clone(), joined));
    }
    let body_hash = match single_header(req.headers, "x-sdk-content-sha256") {
        Ok(Some(v)) if v.trim() == "UNSIGNED-PAYLOAD" => "UNSIGNED-PAYLOAD".to_string(),
        _ => signing::sha256_hex(req.body),
    };
    let canonical = signing::canonical_request(req.method, req.raw_path, req.raw_query, &canonical_headers, &body_hash);
    let expected = signing::signature_hex(&cfg.secret_key, &signing::string_to_sign(sdk_date.trim(), &canonical));
    if signing::constant_time_eq(expected.as_bytes(), parsed.signature.as_bytes()) {
        Ok(())
    } else {
        Err(iam_auth_error("verify aksk signature fail", request_id))
    }
}

/// A 400 for a refused query parameter; OMS backend errors carry no `request_id`.
fn invalid_parameter(InvalidParameter(detail): InvalidParameter) -> Answer {
    oms_error(400, "OMS.0003", &format!("Invalid parameter: {detail}"))
}

/// A 200 body of the route's shape whose every field has the wrong JSON type.
fn wrong_types_answer(route: &Route) -> Answer {
    match route {
        Route::ShowSyncTask { sync_task_id, .. } => Answer::json(200, wrong_types_body(sync_task_id)),
        Route::ListSyncTasks { .. } => {
            let mut task = wrong_types_body("wrong-types-task");
            task["source_cdn"] = json!("cdn.example.com");
            Answer::json(200, json!({"tasks": [task], "count": "1"}))
        }
        Route::ListSyncTaskStatistic { .. } => Answer::json(
            200,
            json!({
                "sync_task_id": 42,
                "statistic_time_type": 300,
                "statistic_datas": [{"data_type": ["SIZE"], "data": [{"time_stamp": "now", "statistic_num": 1.5}]}]
            }),
        ),
    }
}

fn wrong_types_body(sync_task_id: &str) -> serde_json::Value {
    json!({
        "sync_task_id": sync_task_id,
        "src_cloud_type": 7,
        "src_region": ["cn-north-7"],
        "src_bucket": {"name": "oms-sdk-test-src"},
        "create_time": 1.5,
        "last_start_time": "yesterday",
        "dst_bucket": false,
        "dst_region": "cn-north-7",
        "description": 42,
        "status": true,
        "enable_metadata_migration": "false",
        "enable_restore": 0,
        "app_id": 12345,
        "monthly_acceptance_request": -1,
        "monthly_success_object": 1e300,
        "monthly_failure_object": "11",
        "monthly_skip_object": null,
        "monthly_size": "big",
        "object_overwrite_mode": 1,
        "dst_storage_policy": [],
        "consistency_check": {}
    })
}

fn status_fault_answer(status: u16, request_id: &str) -> Answer {
    match status {
        500 => oms_error(500, "OMS.0001", "Internal server error."),
        502 => gateway_error(502, "APIGW.0202", "Backend unavailable", request_id),
        503 => oms_error(503, "OMS.0008", "Service unavailable. Try again later."),
        504 => gateway_error(504, "APIGW.0203", "Backend timeout", request_id),
        other => gateway_error(other, "APIGW.0000", "Injected failure from the local OMS server", request_id),
    }
}

enum Step {
    Answer(Answer),
    Reset,
}

/// The route of a request: only GETs reach an API.
fn route_of(method: &str, raw_path: &str) -> Option<Route> {
    if method == "GET" {
        match_route(raw_path)
    } else {
        None
    }
}

async fn decide(
    shared: &Shared,
    reset: &Notify,
    req: &RequestView<'_>,
    route: Option<&Route>,
    request_id: &str,
) -> Step {
    let Some(route) = route else {
        return Step::Answer(api_not_found(request_id));
    };
    if let Err(answer) = authenticate(shared, req, request_id) {
        return Step::Answer(answer);
    }

    let query = signing::parse_query(req.raw_query);
    let fault = shared.next_fault(&FaultTarget { api: route.api(), query: &query });
    match fault {
        Some(Fault::ResetConnection { .. }) => {
            reset.notify_one();
            return Step::Reset;
        }
        Some(Fault::Stall { duration, .. }) => {
            tokio::select! {
                _ = tokio::time::sleep(duration) => {}
                _ = shared.cancel.cancelled() => {}
            }
        }
        Some(Fault::Status { status, .. }) => return Step::Answer(status_fault_answer(status, request_id)),
        Some(Fault::TooManyRequests { retry_after, .. }) => {
            let mut answer = gateway_error(
                429,
                "APIGW.0308",
                "The throttling threshold has been reached: policy user over ratelimit",
                request_id,
            );
            answer.retry_after = retry_after;
            return Step::Answer(answer);
        }
        Some(Fault::GarbageBody { .. }) => {
            return Step::Answer(Answer::raw(200, Bytes::from_static(b"<html><body>\x00 upstream said: {not json")))
        }
        Some(Fault::WrongFieldTypes { .. }) => return Step::Answer(wrong_types_answer(route)),
        Some(Fault::OversizeBody { bytes, .. }) => {
            return Step::Answer(Answer {
                status: 200,
                body: RespBody::Filler { pos: 0, total: bytes },
                retry_after: None,
            })
        }
        None => {}
    }

    Step::Answer(backend(shared, req, route))
}

fn task_not_found() -> Answer {
    oms_error(404, "OMS.0054", "Invalid task ID. Enter a valid task ID.")
}

/// The OMS backend: the project check every API shares, then the API's own parameters
/// (refused before the task is looked up, as for the show API), then the answer.
fn backend(shared: &Shared, req: &RequestView<'_>, route: &Route) -> Answer {
    let cfg = &shared.config;
    let project_mismatch =
        || oms_error(403, "OMS.0002", "The project ID does not match the project of the authenticated credentials.");
    if route.project_id() != cfg.project_id {
        return project_mismatch();
    }
    if header_values(req.headers, "x-project-id").iter().any(|v| v.trim() != cfg.project_id) {
        return project_mismatch();
    }
    match route {
        Route::ShowSyncTask { sync_task_id, .. } => match queries::show_query(req.raw_query) {
            Err(invalid) => invalid_parameter(invalid),
            Ok(_query_time) => match shared.tasks().show_body(sync_task_id) {
                Some(bytes) => Answer::raw(200, bytes),
                None => task_not_found(),
            },
        },
        Route::ListSyncTasks { .. } => match queries::list_query(req.raw_query) {
            Err(invalid) => invalid_parameter(invalid),
            Ok(query) => Answer::raw(200, list_body(shared, &query)),
        },
        Route::ListSyncTaskStatistic { sync_task_id, .. } => match queries::statistics_query(req.raw_query) {
            Err(invalid) => invalid_parameter(invalid),
            Ok(_) if !shared.tasks().contains(sync_task_id) => task_not_found(),
            Ok(q) => Answer::json(200, statistics_body(sync_task_id, &q.data_types, q.start_time, q.end_time)),
        },
    }
}

/// `{"tasks":[…],"count":N}` from the stored list entries, without re-serialising them.
fn list_body(shared: &Shared, query: &queries::ListQuery) -> Bytes {
    let page = shared.tasks().page(query.status, query.offset, query.limit);
    let count = u64::try_from(page.matching).unwrap_or(u64::MAX).saturating_add(shared.overstated_count());
    let mut body = Vec::with_capacity(page.entries.iter().map(|e| e.len() + 1).sum::<usize>() + 32);
    body.extend_from_slice(b"{\"tasks\":[");
    for (i, entry) in page.entries.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(entry);
    }
    body.extend_from_slice(format!("],\"count\":{count}}}").as_bytes());
    Bytes::from(body)
}

fn finish(answer: Answer, request_id: &str) -> Response<RespBody> {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = Response::new(answer.body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-request-id", v);
    }
    if let Some(retry_after) = answer.retry_after {
        if let Ok(v) = HeaderValue::from_str(&retry_after) {
            headers.insert(RETRY_AFTER, v);
        }
    }
    response
}

/// Handles one request. Returns `None` when the connection must be reset instead of
/// answered; the caller then never completes the response future.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    reset: Arc<Notify>,
    req: Request<Incoming>,
) -> Option<Response<RespBody>> {
    let received_at = Instant::now();
    let (parts, body) = req.into_parts();
    let method = parts.method.as_str().to_string();
    let raw_path = parts.uri.path().to_string();
    let raw_query = parts.uri.query().map(str::to_string);
    let route = route_of(&method, &raw_path);
    let recorded_headers = parts
        .headers
        .iter()
        .map(|(n, v)| (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let index = shared.record(RecordedRequest {
        method: method.clone(),
        raw_path: raw_path.clone(),
        raw_query: raw_query.clone(),
        api: route.as_ref().map(Route::api),
        headers: recorded_headers,
        status: 0,
        received_at,
    });
    let request_id = random_request_id();

    let body = match http_body_util::Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            let answer = gateway_error(413, "APIGW.0201", "Request entity too large", &request_id);
            shared.complete(index, 413, &method, &raw_path);
            return Some(finish(answer, &request_id));
        }
    };

    let view = RequestView {
        method: &method,
        raw_path: &raw_path,
        raw_query: raw_query.as_deref(),
        headers: &parts.headers,
        body: &body,
    };
    match decide(&shared, &reset, &view, route.as_ref(), &request_id).await {
        Step::Answer(answer) => {
            shared.complete(index, answer.status, &method, &raw_path);
            Some(finish(answer, &request_id))
        }
        Step::Reset => {
            shared.complete(index, 0, &method, &raw_path);
            None
        }
    }
}
