//! Integration tests for the local OMS server, over raw TCP so that paths, headers and
//! connection behaviour are exactly what the test wrote. The signer here is a minimal
//! independent one (not the server's), so a shared misunderstanding cannot hide.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use oms_local_server::{
    seed_task, Fault, LocalOmsServer, ServerConfig, INT64_TASK_ID, SEED_TASK_ID, SEED_TASK_JSON, UNICODE_TASK_ID,
};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const AK: &str = "TESTACCESSKEY";
const SK: &str = "test-secret-key";

async fn start() -> LocalOmsServer {
    LocalOmsServer::start(ServerConfig::with_sample_tasks(PROJECT, AK, SK)).await.expect("server starts")
}

fn sdk_date(offset_secs: i64) -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let t = time::OffsetDateTime::from_unix_timestamp(now + offset_secs).unwrap();
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Canonical URI per the spec: decode, split, re-encode each segment, trailing slash.
fn canonical_uri(path: &str) -> String {
    const SAFE: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let mut out: Vec<String> =
        decoded.split('/').map(|s| percent_encoding::utf8_percent_encode(s, SAFE).to_string()).collect();
    if out.last().map(|s| !s.is_empty()).unwrap_or(true) {
        out.push(String::new());
    }
    out.join("/")
}

/// What gets signed; the request actually sent may differ (tampering tests).
#[derive(Clone)]
struct Signed {
    path: String,
    /// Already in canonical form (sorted, encoded).
    query: String,
    /// Lowercase names, sorted by name.
    headers: Vec<(String, String)>,
    sk: String,
    ak: String,
}

impl Signed {
    fn authorization(&self) -> String {
        let date = self.headers.iter().find(|(n, _)| n == "x-sdk-date").map(|(_, v)| v.clone()).unwrap_or_default();
        let mut canonical_headers = String::new();
        for (n, v) in &self.headers {
            canonical_headers.push_str(&format!("{n}:{}\n", v.trim()));
        }
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        let signed_headers = names.join(";");
        let cr = format!(
            "GET\n{}\n{}\n{}\n{}\n{}",
            canonical_uri(&self.path),
            self.query,
            canonical_headers,
            signed_headers,
            hex::encode(Sha256::digest(b""))
        );
        let sts = format!("SDK-HMAC-SHA256\n{date}\n{}", hex::encode(Sha256::digest(cr.as_bytes())));
        let mut mac = Hmac::<Sha256>::new_from_slice(self.sk.as_bytes()).unwrap();
        mac.update(sts.as_bytes());
        format!(
            "SDK-HMAC-SHA256 Access={}, SignedHeaders={signed_headers}, Signature={}",
            self.ak,
            hex::encode(mac.finalize().into_bytes())
        )
    }
}

/// A request to send: start line pieces and headers exactly as they go on the wire.
#[derive(Clone)]
struct Req {
    path: String,
    query: Option<String>,
    headers: Vec<(String, String)>,
}

impl Req {
    fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    fn without(mut self, name: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }

    fn set(self, name: &str, value: &str) -> Self {
        self.without(name).header(name, value)
    }

    fn bytes(&self, keep_alive: bool) -> Vec<u8> {
        let target = match &self.query {
            Some(q) => format!("{}?{}", self.path, q),
            None => self.path.clone(),
        };
        let mut s = format!("GET {target} HTTP/1.1\r\n");
        for (n, v) in &self.headers {
            s.push_str(&format!("{n}: {v}\r\n"));
        }
        if !keep_alive {
            s.push_str("Connection: close\r\n");
        }
        s.push_str("\r\n");
        s.into_bytes()
    }
}

fn task_path(task: &str) -> String {
    format!("/v2/{PROJECT}/sync-tasks/{task}")
}

/// The headers the Python SDK sends, signed the way it signs them.
fn signed_parts(server: &LocalOmsServer, path: &str, query: &str, date: &str) -> Signed {
    Signed {
        path: path.to_string(),
        query: query.to_string(),
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("host".into(), server.addr().to_string()),
            ("x-project-id".into(), PROJECT.into()),
            ("x-sdk-date".into(), date.into()),
        ],
        sk: SK.into(),
        ak: AK.into(),
    }
}

fn sign(signed: &Signed) -> Req {
    let mut headers: Vec<(String, String)> = signed.headers.clone();
    headers.push(("authorization".into(), signed.authorization()));
    Req { path: signed.path.clone(), query: (!signed.query.is_empty()).then(|| signed.query.clone()), headers }
}

fn good(server: &LocalOmsServer, task: &str) -> Req {
    sign(&signed_parts(server, &task_path(task), "query_time=1700639560751", &sdk_date(0)))
}

#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    chunked: bool,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }

    fn error_code(&self) -> String {
        self.json()["error_code"].as_str().unwrap_or("").to_string()
    }
}

async fn read_response<R: tokio::io::AsyncBufRead + Unpin>(r: &mut R) -> std::io::Result<Resp> {
    let mut line = String::new();
    if r.read_line(&mut line).await? == 0 {
        return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "closed before status line"));
    }
    let status: u16 = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("status line");
    let mut headers = Vec::new();
    loop {
        line.clear();
        r.read_line(&mut line).await?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let (n, v) = l.split_once(':').expect("header line");
        headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    let get = |n: &str| headers.iter().find(|(h, _)| h == n).map(|(_, v)| v.clone());
    let chunked = get("transfer-encoding").is_some_and(|v| v.contains("chunked"));
    let mut body = Vec::new();
    if chunked {
        loop {
            line.clear();
            r.read_line(&mut line).await?;
            let size = usize::from_str_radix(line.trim(), 16).expect("chunk size");
            if size == 0 {
                line.clear();
                r.read_line(&mut line).await?;
                break;
            }
            let start = body.len();
            body.resize(start + size, 0);
            r.read_exact(&mut body[start..]).await?;
            let mut crlf = [0u8; 2];
            r.read_exact(&mut crlf).await?;
        }
    } else if let Some(len) = get("content-length") {
        body.resize(len.parse().unwrap(), 0);
        r.read_exact(&mut body).await?;
    } else {
        r.read_to_end(&mut body).await?;
    }
    Ok(Resp { status, headers, body, chunked })
}

/// Every answer, error or not, must carry a 32-hex request id and the JSON content type.
fn check_common(resp: &Resp) {
    let id = resp.header("x-request-id").expect("X-Request-Id present");
    assert_eq!(id.len(), 32, "{id}");
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    assert_eq!(resp.header("content-type"), Some("application/json"));
}

async fn try_send(server: &LocalOmsServer, req: &Req) -> std::io::Result<Resp> {
    let mut stream = TcpStream::connect(server.addr()).await?;
    stream.write_all(&req.bytes(false)).await?;
    let mut reader = BufReader::new(stream);
    read_response(&mut reader).await
}

async fn send(server: &LocalOmsServer, req: &Req) -> Resp {
    let resp = try_send(server, req).await.expect("response");
    check_common(&resp);
    resp
}

#[tokio::test]
async fn good_signature_returns_seed_body_byte_exact() {
    let server = start().await;
    let resp = send(&server, &good(&server, SEED_TASK_ID)).await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.body, serde_json::to_vec(&seed_task()).unwrap());
    let seed: Value = serde_json::from_str(SEED_TASK_JSON).unwrap();
    assert_eq!(resp.json(), seed);
    assert_eq!(resp.header("content-length"), Some(&*resp.body.len().to_string()));
    let recorded = server.requests();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].status, 200);
    assert_eq!(recorded[0].raw_path, task_path(SEED_TASK_ID));
    assert_eq!(recorded[0].raw_query.as_deref(), Some("query_time=1700639560751"));
    assert!(recorded[0].header("authorization").is_some());
    assert!(!format!("{:?}", recorded[0]).contains("Signature="));
    server.shutdown().await;
}

#[tokio::test]
async fn int64_and_unicode_survive_exactly() {
    let server = start().await;
    let resp = send(&server, &good(&server, INT64_TASK_ID)).await;
    assert_eq!(resp.status, 200);
    let text = String::from_utf8(resp.body.clone()).unwrap();
    assert!(text.contains("\"monthly_size\":9223372036854775807"), "{text}");
    assert_eq!(resp.json()["create_time"].as_i64(), Some(i64::MAX));
    let resp = send(&server, &good(&server, UNICODE_TASK_ID)).await;
    let text = String::from_utf8(resp.body).unwrap();
    assert!(text.contains("同步任务 — émigré façade ✓ 🚀"), "{text}");
}

#[tokio::test]
async fn tampering_is_detected() {
    let server = start().await;
    let date = sdk_date(0);
    let parts = signed_parts(&server, &task_path(SEED_TASK_ID), "query_time=1700639560751", &date);
    let base = sign(&parts);

    let mut other_path = base.clone();
    other_path.path = task_path(INT64_TASK_ID);
    let mut other_query = base.clone();
    other_query.query = Some("query_time=1700639560752".into());
    let mut extra_query = base.clone();
    extra_query.query = Some("query_time=1700639560751&x=1".into());
    let other_header = base.clone().set("content-type", "application/xml");
    let other_date = base.clone().set("x-sdk-date", &sdk_date(-1));
    let wrong_sk = sign(&Signed { sk: "not-the-key".into(), ..parts.clone() });

    for (name, req) in [
        ("path", other_path),
        ("query", other_query),
        ("extra query", extra_query),
        ("header", other_header),
        ("date", other_date),
        ("secret key", wrong_sk),
    ] {
        let resp = send(&server, &req).await;
        assert_eq!(resp.status, 401, "{name}");
        let body = resp.json();
        assert_eq!(body["error_code"], "APIGW.0301", "{name}");
        assert_eq!(body["error_msg"], "Incorrect IAM authentication information: verify aksk signature fail", "{name}");
        assert_eq!(body["request_id"].as_str(), resp.header("x-request-id"), "{name}");
    }

    // Unsigned extra headers and a differently ordered/encoded query are fine.
    let mut reordered = base.clone().header("user-agent", "anything");
    reordered.query = Some("query_time=1700639560751".into());
    assert_eq!(send(&server, &reordered).await.status, 200);
    let q = sign(&signed_parts(&server, &task_path(SEED_TASK_ID), "a=x%20y&query_time=1", &date));
    let mut q2 = q.clone();
    q2.query = Some("query_time=1&a=x+y".into());
    assert_eq!(send(&server, &q).await.status, 200);
    assert_eq!(send(&server, &q2).await.status, 200);
}

#[tokio::test]
async fn auth_failures_are_401() {
    let server = start().await;
    let base = good(&server, SEED_TASK_ID);

    let missing = send(&server, &base.clone().without("authorization")).await;
    assert_eq!(missing.status, 401);
    assert_eq!(missing.error_code(), "APIGW.0301");

    let malformed = send(&server, &base.clone().set("authorization", "SDK-HMAC-SHA256 Access=x")).await;
    assert_eq!((malformed.status, malformed.error_code().as_str()), (401, "APIGW.0301"));

    let unknown_ak = sign(&Signed {
        ak: "OTHERAK".into(),
        ..signed_parts(&server, &task_path(SEED_TASK_ID), "query_time=1", &sdk_date(0))
    });
    assert_eq!(send(&server, &unknown_ak).await.status, 401);

    // Host is required among the signed headers unless relaxed.
    let mut parts = signed_parts(&server, &task_path(SEED_TASK_ID), "query_time=1", &sdk_date(0));
    parts.headers.retain(|(n, _)| n != "host");
    let no_host = sign(&parts);
    assert_eq!(send(&server, &no_host).await.status, 401);
    server.set_require_signed_host(false);
    assert_eq!(send(&server, &no_host).await.status, 200);

    // x-sdk-date must always be signed.
    let mut parts = signed_parts(&server, &task_path(SEED_TASK_ID), "query_time=1", &sdk_date(0));
    parts.headers.retain(|(n, _)| n != "x-sdk-date");
    let unsigned_date = sign(&parts).header("x-sdk-date", &sdk_date(0));
    assert_eq!(send(&server, &unsigned_date).await.status, 401);
}

#[tokio::test]
async fn date_window_is_enforced() {
    let server = start().await;
    for (offset, ok) in [(-16 * 60, false), (16 * 60, false), (-14 * 60, true), (14 * 60, true)] {
        let req = sign(&signed_parts(&server, &task_path(SEED_TASK_ID), "query_time=1", &sdk_date(offset)));
        let resp = send(&server, &req).await;
        if ok {
            assert_eq!(resp.status, 200, "offset {offset}");
        } else {
            assert_eq!(resp.status, 401, "offset {offset}");
            assert_eq!(resp.error_code(), "APIGW.0303");
        }
    }
    let bad = sign(&signed_parts(&server, &task_path(SEED_TASK_ID), "query_time=1", "2024-01-01T00:00:00Z"));
    let resp = send(&server, &bad).await;
    assert_eq!((resp.status, resp.error_code().as_str()), (401, "APIGW.0303"));
}

#[tokio::test]
async fn token_auth_and_security_token() {
    let mut config = ServerConfig::with_sample_tasks(PROJECT, AK, SK);
    config.auth_token = Some("valid-token".into());
    config.security_token = Some("sts-token".into());
    let server = LocalOmsServer::start(config).await.unwrap();
    let path = task_path(SEED_TASK_ID);
    let token_req = |tok: &str| Req {
        path: path.clone(),
        query: Some("query_time=1".into()),
        headers: vec![("Host".into(), server.addr().to_string()), ("X-Auth-Token".into(), tok.into())],
    };
    assert_eq!(send(&server, &token_req("valid-token")).await.status, 200);
    let bad = send(&server, &token_req("forged")).await;
    assert_eq!((bad.status, bad.error_code().as_str()), (401, "APIGW.0301"));

    let mut parts = signed_parts(&server, &path, "query_time=1", &sdk_date(0));
    assert_eq!(send(&server, &sign(&parts)).await.status, 401, "token missing");
    parts.headers.push(("x-security-token".into(), "sts-token".into()));
    assert_eq!(send(&server, &sign(&parts)).await.status, 200);
    let mut wrong = parts.clone();
    wrong.headers.pop();
    wrong.headers.push(("x-security-token".into(), "other".into()));
    assert_eq!(send(&server, &sign(&wrong)).await.status, 401);
    let mut unsigned = parts.clone();
    unsigned.headers.pop();
    let unsigned = sign(&unsigned).header("X-Security-Token", "sts-token");
    assert_eq!(send(&server, &unsigned).await.status, 401, "token not signed");
}

#[tokio::test]
async fn backend_errors() {
    let server = start().await;
    let date = sdk_date(0);

    let no_qt = sign(&signed_parts(&server, &task_path(SEED_TASK_ID), "", &date));
    let resp = send(&server, &no_qt).await;
    assert_eq!((resp.status, resp.error_code().as_str()), (400, "OMS.0003"));
    let neg = sign(&signed_parts(&server, &task_path(SEED_TASK_ID), "query_time=-1", &date));
    assert_eq!(send(&server, &neg).await.status, 400);

    let wrong_project =
        sign(&signed_parts(&server, &format!("/v2/otherproject/sync-tasks/{SEED_TASK_ID}"), "query_time=1", &date));
    let resp = send(&server, &wrong_project).await;
    assert_eq!((resp.status, resp.error_code().as_str()), (403, "OMS.0002"));

    let mut parts = signed_parts(&server, &task_path(SEED_TASK_ID), "query_time=1", &date);
    parts.headers[2].1 = "otherproject".into();
    let resp = send(&server, &sign(&parts)).await;
    assert_eq!(resp.status, 403, "X-Project-Id mismatch");

    let unknown = send(&server, &good(&server, "no-such-task")).await;
    assert_eq!(unknown.status, 404);
    let body = unknown.json();
    assert_eq!(body["error_code"], "OMS.0054");
    assert!(body["error_msg"].as_str().unwrap().contains("Invalid task ID"));

    // An encoded slash stays inside the id: authenticated, routed, then unknown.
    let hostile = send(&server, &good(&server, "..%2Fx")).await;
    assert_eq!((hostile.status, hostile.error_code().as_str()), (404, "OMS.0054"));
    assert_eq!(server.requests().last().unwrap().raw_path, task_path("..%2Fx"));
}

#[tokio::test]
async fn unknown_routes_are_gateway_404() {
    let server = start().await;
    for path in [
        "/".to_string(),
        format!("/v2/{PROJECT}/sync-tasks"),
        format!("/v2/{PROJECT}/sync-tasks/"),
        format!("/v2/{PROJECT}/sync-tasks/{SEED_TASK_ID}/statistics"),
        format!("/v2/{PROJECT}/sync-tasks/../x"),
        format!("/v1/{PROJECT}/sync-tasks/{SEED_TASK_ID}"),
    ] {
        let req = sign(&signed_parts(&server, &path, "query_time=1", &sdk_date(0)));
        let resp = send(&server, &req).await;
        assert_eq!(resp.status, 404, "{path}");
        assert_eq!(resp.error_code(), "APIGW.0101", "{path}");
        assert_eq!(resp.json()["error_msg"], "The API does not exist or has not been published in the environment");
    }
    // Non-GET on the real path is also not a published API.
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    let req = format!(
        "DELETE {} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        task_path(SEED_TASK_ID)
    );
    stream.write_all(req.as_bytes()).await.unwrap();
    let resp = read_response(&mut BufReader::new(stream)).await.unwrap();
    check_common(&resp);
    assert_eq!(resp.status, 404);
}

#[tokio::test]
async fn status_fault_n_times_then_ok_and_only_after_auth() {
    let server = start().await;
    server.inject(Fault::Status { status: 503, times: 2 });
    server.inject(Fault::Status { status: 502, times: 1 });
    // Unauthenticated requests do not consume faults.
    let unauth = send(&server, &good(&server, SEED_TASK_ID).without("authorization")).await;
    assert_eq!(unauth.status, 401);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let resp = send(&server, &good(&server, SEED_TASK_ID)).await;
        if resp.status != 200 {
            assert!(!resp.error_code().is_empty());
        }
        statuses.push(resp.status);
    }
    assert_eq!(statuses, [503, 503, 502, 200]);
    let recorded: Vec<u16> = server.requests().iter().map(|r| r.status).collect();
    assert_eq!(recorded, [401, 503, 503, 502, 200]);

    server.inject(Fault::Status { status: 500, times: 5 });
    server.clear_faults();
    assert_eq!(send(&server, &good(&server, SEED_TASK_ID)).await.status, 200);
}

#[tokio::test]
async fn too_many_requests_carries_retry_after() {
    let server = start().await;
    server.inject(Fault::TooManyRequests { retry_after: Some("7".into()), times: 1 });
    server.inject(Fault::TooManyRequests { retry_after: None, times: 1 });
    let first = send(&server, &good(&server, SEED_TASK_ID)).await;
    assert_eq!((first.status, first.error_code().as_str()), (429, "APIGW.0308"));
    assert_eq!(first.header("retry-after"), Some("7"));
    let second = send(&server, &good(&server, SEED_TASK_ID)).await;
    assert_eq!(second.status, 429);
    assert_eq!(second.header("retry-after"), None);
    assert_eq!(send(&server, &good(&server, SEED_TASK_ID)).await.status, 200);
}

#[tokio::test]
async fn stall_holds_the_response() {
    let server = start().await;
    let stall = Duration::from_millis(400);
    server.inject(Fault::Stall { duration: stall, times: 1 });
    let started = Instant::now();
    let resp = send(&server, &good(&server, SEED_TASK_ID)).await;
    assert!(started.elapsed() >= stall, "{:?}", started.elapsed());
    assert_eq!(resp.status, 200);

    // No headers arrive during the stall: a short client timeout fires first.
    server.inject(Fault::Stall { duration: Duration::from_secs(2), times: 1 });
    let pending =
        tokio::time::timeout(Duration::from_millis(300), try_send(&server, &good(&server, SEED_TASK_ID))).await;
    assert!(pending.is_err(), "response arrived during a stall");
}

#[tokio::test]
async fn garbage_wrong_types_and_oversize_bodies() {
    let server = start().await;
    server.inject(Fault::GarbageBody { times: 1 });
    server.inject(Fault::WrongFieldTypes { times: 1 });
    server.inject(Fault::OversizeBody { bytes: 3 * 1024 * 1024 + 7, times: 1 });

    let garbage = send(&server, &good(&server, SEED_TASK_ID)).await;
    assert_eq!(garbage.status, 200);
    assert!(serde_json::from_slice::<Value>(&garbage.body).is_err());

    let wrong = send(&server, &good(&server, SEED_TASK_ID)).await;
    assert_eq!(wrong.status, 200);
    let body = wrong.json();
    assert_eq!(body["sync_task_id"], SEED_TASK_ID);
    assert_eq!(body["monthly_size"], "big");
    assert_eq!(body["create_time"].as_f64(), Some(1.5));

    let big = send(&server, &good(&server, SEED_TASK_ID)).await;
    assert_eq!(big.status, 200);
    assert!(big.chunked, "oversize body should be streamed");
    assert_eq!(big.body.len(), 3 * 1024 * 1024 + 7);
    assert!(big.body.starts_with(b"{\"padding\":\""));

    assert_eq!(send(&server, &good(&server, SEED_TASK_ID)).await.status, 200);
}

#[tokio::test]
async fn reset_connection_is_a_client_side_error() {
    let server = start().await;
    server.inject(Fault::ResetConnection { times: 1 });
    let err = try_send(&server, &good(&server, SEED_TASK_ID)).await.expect_err("connection should be reset");
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset, "{err}");
    assert_eq!(server.requests().last().unwrap().status, 0);
    assert_eq!(send(&server, &good(&server, SEED_TASK_ID)).await.status, 200);
}

#[tokio::test]
async fn keep_alive_serves_sequential_requests() {
    let server = start().await;
    let stream = TcpStream::connect(server.addr()).await.unwrap();
    let mut reader = BufReader::new(stream);
    for _ in 0..5 {
        let req = good(&server, SEED_TASK_ID).bytes(true);
        reader.get_mut().write_all(&req).await.unwrap();
        let resp = read_response(&mut reader).await.unwrap();
        check_common(&resp);
        assert_eq!(resp.status, 200);
    }
    assert_eq!(server.request_count(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_concurrent_requests() {
    let server = std::sync::Arc::new(start().await);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..300 {
        let server = server.clone();
        tasks.spawn(async move {
            let req = good(&server, SEED_TASK_ID);
            let resp = send(&server, &req).await;
            assert_eq!(resp.status, 200);
            resp.header("x-request-id").unwrap().to_string()
        });
    }
    let mut ids = std::collections::HashSet::new();
    while let Some(id) = tasks.join_next().await {
        ids.insert(id.expect("task ok"));
    }
    assert_eq!(ids.len(), 300, "request ids must be unique");
    assert_eq!(server.request_count(), 300);
}

#[tokio::test]
async fn insert_task_and_hostile_input_do_not_break_the_server() {
    let server = start().await;
    server.insert_task(serde_json::json!({"sync_task_id": "fresh", "status": "STOPPED"}));
    let resp = send(&server, &good(&server, "fresh")).await;
    assert_eq!(resp.body, br#"{"status":"STOPPED","sync_task_id":"fresh"}"#);

    for junk in [
        &b"GET /v2/%ZZ/sync-tasks/%FF%FE?query_time=%%% HTTP/1.1\r\nHost: x\r\nAuthorization: \xff\xfe\r\nX-Sdk-Date: \xe4\xb8\x80\r\nConnection: close\r\n\r\n"[..],
        b"GET /v2/p/sync-tasks/x HTTP/1.1\r\nHost: x\r\nAuthorization: SDK-HMAC-SHA256 Access=\xe4\xb8\x80, SignedHeaders=x-sdk-date, Signature=0000000000000000000000000000000000000000000000000000000000000000\r\nX-Sdk-Date: 20240101T00000\xe4\r\nConnection: close\r\n\r\n",
        b"NOT-HTTP\r\n\r\n",
    ] {
        let mut stream = TcpStream::connect(server.addr()).await.unwrap();
        stream.write_all(junk).await.unwrap();
        let mut buf = Vec::new();
        let _ = stream.read_to_end(&mut buf).await;
    }
    assert_eq!(send(&server, &good(&server, SEED_TASK_ID)).await.status, 200);
    server.shutdown().await;
}

#[tokio::test]
async fn shutdown_is_prompt_with_a_stall_in_flight() {
    let server = start().await;
    server.inject(Fault::Stall { duration: Duration::from_secs(60), times: 1 });
    let addr = server.addr();
    let req = good(&server, SEED_TASK_ID);
    let in_flight = tokio::spawn(async move {
        let mut stream = TcpStream::connect(addr).await?;
        stream.write_all(&req.bytes(false)).await?;
        read_response(&mut BufReader::new(stream)).await
    });
    while server.request_count() == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // An idle keep-alive connection must not hold shutdown up either.
    let _idle = TcpStream::connect(addr).await.unwrap();
    let started = Instant::now();
    server.shutdown().await;
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    // The stalled request is released and answered rather than left hanging.
    let resp = in_flight.await.unwrap().expect("stalled request answered");
    assert_eq!(resp.status, 200);
    assert!(TcpStream::connect(addr).await.is_err(), "listener closed");
}
