//! Per-request behaviour: routing, gateway authentication, fault injection and the OMS
//! backend answer, in the order the real API gateway applies them (unknown API before
//! auth, auth before anything the backend decides).

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::header::{HeaderMap, HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use hyper::{Request, Response, StatusCode};
use serde_json::json;
use tokio::sync::Notify;

use super::faults::Fault;
use super::routing::match_show_sync_task;
use super::signing;
use super::{RecordedRequest, Shared};

/// GETs carry no body; anything larger than this is hostile and is refused rather than
/// buffered.
const MAX_REQUEST_BODY: usize = 1 << 20;
const STREAM_CHUNK: usize = 64 * 1024;

/// Response body that is either fully buffered (so hyper sends Content-Length) or a
/// generated stream of known length sent chunked, so oversize tests do not need the
/// whole payload in memory and clients cannot pre-check a Content-Length.
pub(crate) enum RespBody {
    Full(Option<Bytes>),
    Filler { pos: usize, total: usize },
}

const FILLER_PREFIX: &[u8] = b"{\"padding\":\"";
const FILLER_SUFFIX: &[u8] = b"\"}";

impl RespBody {
    fn full(bytes: impl Into<Bytes>) -> Self {
        RespBody::Full(Some(bytes.into()))
    }

    /// Byte `i` of a `total`-byte filler that looks like the start of a JSON object, so
    /// a client that stream-parses is lured into reading all of it.
    fn filler_byte(i: usize, total: usize) -> u8 {
        let framed = total >= FILLER_PREFIX.len() + FILLER_SUFFIX.len();
        if framed && i < FILLER_PREFIX.len() {
            FILLER_PREFIX[i]
        } else if framed && i >= total - FILLER_SUFFIX.len() {
            FILLER_SUFFIX[i - (total - FILLER_SUFFIX.len())]
        } else {
            b'x'
        }
    }
}

impl Body for RespBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            RespBody::Full(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            RespBody::Filler { pos, total } => {
                if *pos >= *total {
                    return Poll::Ready(None);
                }
                let end = (*pos + STREAM_CHUNK).min(*total);
                let chunk: Vec<u8> = (*pos..end).map(|i| RespBody::filler_byte(i, *total)).collect();
                *pos = end;
                Poll::Ready(Some(Ok(Frame::data(Bytes::from(chunk)))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            RespBody::Full(data) => data.is_none(),
            RespBody::Filler { pos, total } => pos >= total,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            RespBody::Full(Some(d)) => SizeHint::with_exact(d.len() as u64),
            RespBody::Full(None) => SizeHint::with_exact(0),
            // Deliberately unknown: forces chunked transfer encoding.
            RespBody::Filler { .. } => SizeHint::default(),
        }
    }
}

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

/// `query_time` is mandatory and a Long ≥ 0 per the API reference. Only plain decimal
/// digits are accepted so that `+5`, `5.0` or `0x5` do not pass locally and fail live.
fn validate_query_time(raw_query: Option<&str>) -> Result<i64, Answer> {
    let invalid = |detail: &str| oms_error(400, "OMS.0003", &format!("Invalid parameter: {detail}"));
    let values: Vec<String> =
        signing::parse_query(raw_query).into_iter().filter(|(k, _)| k == "query_time").map(|(_, v)| v).collect();
    match values.as_slice() {
        [] => Err(invalid("query_time is required")),
        [v] if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => {
            v.parse::<i64>().map_err(|_| invalid("query_time exceeds the maximum 9223372036854775807"))
        }
        [_] => Err(invalid("query_time must be a non-negative integer")),
        _ => Err(invalid("query_time must be given once")),
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

async fn decide(shared: &Shared, reset: &Notify, req: &RequestView<'_>, request_id: &str) -> Step {
    let route = match (req.method, match_show_sync_task(req.raw_path)) {
        ("GET", Some(route)) => route,
        _ => return Step::Answer(api_not_found(request_id)),
    };
    if let Err(answer) = authenticate(shared, req, request_id) {
        return Step::Answer(answer);
    }

    let fault = shared.next_fault();
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
        Some(Fault::WrongFieldTypes { .. }) => {
            return Step::Answer(Answer::json(200, wrong_types_body(&route.sync_task_id)))
        }
        Some(Fault::OversizeBody { bytes, .. }) => {
            return Step::Answer(Answer {
                status: 200,
                body: RespBody::Filler { pos: 0, total: bytes },
                retry_after: None,
            })
        }
        None => {}
    }

    Step::Answer(backend(shared, req, &route.project_id, &route.sync_task_id))
}

fn backend(shared: &Shared, req: &RequestView<'_>, project_id: &str, sync_task_id: &str) -> Answer {
    let cfg = &shared.config;
    let project_mismatch =
        || oms_error(403, "OMS.0002", "The project ID does not match the project of the authenticated credentials.");
    if project_id != cfg.project_id {
        return project_mismatch();
    }
    if header_values(req.headers, "x-project-id").iter().any(|v| v.trim() != cfg.project_id) {
        return project_mismatch();
    }
    if let Err(answer) = validate_query_time(req.raw_query) {
        return answer;
    }
    match shared.task_bytes(sync_task_id) {
        Some(bytes) => Answer::raw(200, bytes),
        None => oms_error(404, "OMS.0054", "Invalid task ID. Enter a valid task ID."),
    }
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
    let recorded_headers = parts
        .headers
        .iter()
        .map(|(n, v)| (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let index = shared.record(RecordedRequest {
        method: method.clone(),
        raw_path: raw_path.clone(),
        raw_query: raw_query.clone(),
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
    match decide(&shared, &reset, &view, &request_id).await {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_time_validation() {
        assert_eq!(validate_query_time(Some("query_time=0")).ok(), Some(0));
        assert_eq!(validate_query_time(Some("a=1&query_time=9223372036854775807")).ok(), Some(i64::MAX));
        for bad in [
            None,
            Some(""),
            Some("query_time="),
            Some("query_time"),
            Some("query_time=-1"),
            Some("query_time=%2B1"),
            Some("query_time=1.0"),
            Some("query_time=9223372036854775808"),
            Some("query_time=99999999999999999999999"),
            Some("query_time=1&query_time=2"),
            Some("query_time=%FF"),
            Some("Query_Time=1"),
        ] {
            let answer = validate_query_time(bad).expect_err("should be rejected");
            assert_eq!(answer.status, 400, "{bad:?}");
        }
    }

    #[test]
    fn filler_is_exact_length_and_framed() {
        for total in [0usize, 1, 5, 14, 15, 100, STREAM_CHUNK + 3] {
            let bytes: Vec<u8> = (0..total).map(|i| RespBody::filler_byte(i, total)).collect();
            assert_eq!(bytes.len(), total);
            if total >= 14 {
                assert!(bytes.starts_with(FILLER_PREFIX));
                assert!(bytes.ends_with(FILLER_SUFFIX));
            }
        }
    }
}
