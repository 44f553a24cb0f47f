//! The real OMS client (`src/oms/`) against the real local OMS-compatible
//! server (the `oms-local-server` crate), both in-process on 127.0.0.1. Each test proves
//! one behaviour the two modules must agree on: signing, auth modes, error
//! mapping, retry rules (with exact request counts), deadlines, cancellation,
//! size/decoding limits, hostile ids, concurrency and secret hygiene.

use std::time::{Duration, SystemTime};

use oms_local_server::{
    sample_tasks, Fault, LocalOmsServer, RecordedRequest, ServerConfig, INT64_TASK_ID, NULLS_TASK_ID, SEED_TASK_ID,
    SEED_TASK_JSON, TENCENT_TASK_ID, UNICODE_TASK_ID,
};
use serde_json::Value;
use terraform_provider_oms::oms::{
    ClientConfig, Credentials, Endpoint, OmsClient, OmsError, OmsErrorKind, ShowSyncTaskOutcome, SyncTask,
    MAX_BODY_BYTES,
};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

const PROJECT: &str = "c0ffee00c0ffee00c0ffee00c0ffee00";
const AK: &str = "AKLOCALSERVERPAIRTEST";
/// Distinctive fake secrets: none of them may ever show up in an error or Debug output.
const SK: &str = "SK-fake-secret-quokka-91f3a7";
const WRONG_SK: &str = "SK-fake-wrong-narwhal-2c8e4b";
const SECURITY_TOKEN: &str = "STS-fake-secret-axolotl-6d1f0e";
const WRONG_SECURITY_TOKEN: &str = "STS-fake-wrong-pangolin-47ab19";
const TOKEN: &str = "TOK-fake-secret-wombat-0a9c5d";
const WRONG_TOKEN: &str = "TOK-fake-wrong-okapi-e3b7f2";
const ALL_SECRETS: [&str; 6] = [SK, WRONG_SK, SECURITY_TOKEN, WRONG_SECURITY_TOKEN, TOKEN, WRONG_TOKEN];

const QUERY_TIME: i64 = 1_700_639_560_751;

// ---------------------------------------------------------------- helpers

fn server_config() -> ServerConfig {
    ServerConfig::with_sample_tasks(PROJECT, AK, SK)
}

async fn start_with(config: ServerConfig) -> LocalOmsServer {
    LocalOmsServer::start(config).await.expect("local OMS server starts")
}

async fn start() -> LocalOmsServer {
    start_with(server_config()).await
}

fn aksk(secret_key: &str, security_token: Option<&str>) -> Credentials {
    Credentials::AkSk {
        access_key: AK.into(),
        secret_key: secret_key.into(),
        security_token: security_token.map(str::to_string),
    }
}

/// Fast retries so retry tests take milliseconds, not seconds.
fn config_for(server: &LocalOmsServer, project: &str, credentials: Credentials) -> ClientConfig {
    let endpoint = Endpoint::from_override(&server.url()).expect("loopback endpoint");
    let mut cfg = ClientConfig::new(endpoint, project, credentials);
    cfg.max_retries = 5;
    cfg.retry_base = Duration::from_millis(10);
    cfg.retry_cap = Duration::from_millis(50);
    cfg.connect_timeout = Duration::from_secs(2);
    cfg
}

fn client_with(server: &LocalOmsServer, credentials: Credentials, tweak: impl FnOnce(&mut ClientConfig)) -> OmsClient {
    let mut cfg = config_for(server, PROJECT, credentials);
    tweak(&mut cfg);
    OmsClient::new(cfg).expect("client builds")
}

fn client(server: &LocalOmsServer) -> OmsClient {
    client_with(server, aksk(SK, None), |_| {})
}

fn deadline_in(d: Duration) -> Instant {
    Instant::now() + d
}

async fn read(client: &OmsClient, id: &str) -> Result<ShowSyncTaskOutcome, OmsError> {
    client.show_sync_task(id, QUERY_TIME, deadline_in(Duration::from_secs(10)), &CancellationToken::new()).await
}

async fn read_err(client: &OmsClient, id: &str) -> OmsError {
    match read(client, id).await {
        Ok(ok) => panic!("expected an error, got {ok:?}"),
        Err(e) => {
            assert_no_secrets(&e);
            e
        }
    }
}

async fn read_ok(client: &OmsClient, id: &str) -> ShowSyncTaskOutcome {
    match read(client, id).await {
        Ok(ok) => ok,
        Err(e) => panic!("expected success for {id:?}, got {e} / {e:?}"),
    }
}

fn assert_no_secrets(e: &OmsError) {
    for shown in [format!("{e}"), format!("{e:?}")] {
        for secret in ALL_SECRETS {
            assert!(!shown.contains(secret), "secret {secret:?} leaked into error output: {shown}");
        }
    }
}

fn task_json(server_tasks: &[Value], id: &str) -> Value {
    server_tasks.iter().find(|t| t["sync_task_id"] == id).cloned().unwrap_or_else(|| panic!("no sample {id}"))
}

/// Every key of the served JSON equals the decoded field, and every decoded field
/// the JSON lacks is `None`.
fn assert_task_equals_json(task: &SyncTask, json: &Value) {
    let decoded = serde_json::to_value(task).expect("SyncTask serialises");
    let decoded = decoded.as_object().expect("object");
    let json = json.as_object().expect("task JSON is an object");
    for (k, v) in json {
        assert_eq!(decoded.get(k), Some(v), "field {k}");
    }
    for (k, v) in decoded {
        if !json.contains_key(k) {
            assert_eq!(v, &Value::Null, "field {k} absent from the JSON but decoded as {v}");
        }
    }
}

fn last_request(server: &LocalOmsServer) -> RecordedRequest {
    server.requests().pop().expect("at least one request reached the server")
}

fn is_hex_request_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

// ---------------------------------------------------------------- authentication

/// The facts every failed read is checked for: its kind, the HTTP status and error code
/// that decided it, and how many attempts it took (1 = not retried).
#[track_caller]
fn assert_failure(e: &OmsError, kind: OmsErrorKind, status: u16, code: &str, attempts: u32) {
    assert_eq!(e.kind(), kind, "{e}");
    assert_eq!(e.status(), Some(status), "{e}");
    assert_eq!(e.error_code(), Some(code), "{e}");
    assert_eq!(e.attempts(), attempts, "{e}");
}

#[tokio::test]
async fn aksk_signature_is_accepted_and_seed_task_decodes_exactly() {
    let server = start().await;
    let c = client(&server);
    let out = read_ok(&c, SEED_TASK_ID).await;
    assert_eq!(out.attempts, 1);
    assert_eq!(server.request_count(), 1);
    assert!(out.request_id.as_deref().is_some_and(is_hex_request_id), "{:?}", out.request_id);

    let seed: Value = serde_json::from_str(SEED_TASK_JSON).unwrap();
    assert_task_equals_json(&out.task, &seed);
    // Spelled out as well, so the check does not rest on SyncTask's Serialize alone.
    let t = &out.task;
    assert_eq!(t.sync_task_id.as_deref(), seed["sync_task_id"].as_str());
    assert_eq!(t.src_cloud_type.as_deref(), Some("HuaweiCloud"));
    assert_eq!(t.src_region.as_deref(), seed["src_region"].as_str());
    assert_eq!(t.src_bucket.as_deref(), seed["src_bucket"].as_str());
    assert_eq!(t.create_time, seed["create_time"].as_i64());
    assert_eq!(t.last_start_time, seed["last_start_time"].as_i64());
    assert_eq!(t.dst_bucket.as_deref(), seed["dst_bucket"].as_str());
    assert_eq!(t.dst_region.as_deref(), seed["dst_region"].as_str());
    assert_eq!(t.description.as_deref(), seed["description"].as_str());
    assert_eq!(t.status.as_deref(), seed["status"].as_str());
    assert_eq!(t.enable_metadata_migration, seed["enable_metadata_migration"].as_bool());
    assert_eq!(t.enable_restore, seed["enable_restore"].as_bool());
    assert!(seed["app_id"].is_null());
    assert_eq!(t.app_id, None);
    assert_eq!(t.monthly_acceptance_request, seed["monthly_acceptance_request"].as_i64());
    assert_eq!(t.monthly_success_object, seed["monthly_success_object"].as_i64());
    assert_eq!(t.monthly_failure_object, Some(11));
    assert_eq!(t.monthly_skip_object, seed["monthly_skip_object"].as_i64());
    assert_eq!(t.monthly_size, seed["monthly_size"].as_i64());
    assert_eq!(t.object_overwrite_mode.as_deref(), seed["object_overwrite_mode"].as_str());
    assert!(seed["dst_storage_policy"].is_null());
    assert_eq!(t.dst_storage_policy, None);
    assert_eq!(t.consistency_check.as_deref(), seed["consistency_check"].as_str());
    assert_eq!(t.enable_kms, None);

    let req = last_request(&server);
    assert_eq!(req.status, 200);
    assert_eq!(req.method, "GET");
    assert_eq!(req.raw_path, format!("/v2/{PROJECT}/sync-tasks/{SEED_TASK_ID}"));
    assert_eq!(req.raw_query.as_deref(), Some(format!("query_time={QUERY_TIME}").as_str()));
    assert!(req.header("authorization").is_some_and(|a| a.starts_with("SDK-HMAC-SHA256 ")));
    assert!(req.header("x-auth-token").is_none());
}

#[tokio::test]
async fn wrong_secret_key_is_unauthenticated_and_not_retried() {
    let server = start().await;
    let c = client_with(&server, aksk(WRONG_SK, None), |_| {});
    let e = read_err(&c, SEED_TASK_ID).await;
    assert_failure(&e, OmsErrorKind::Unauthenticated, 401, "APIGW.0301", 1);
    assert_eq!(server.request_count(), 1);
    assert_eq!(last_request(&server).status, 401);
}

#[tokio::test]
async fn token_auth_is_accepted_and_wrong_token_is_rejected() {
    let server = start_with(ServerConfig { auth_token: Some(TOKEN.into()), ..server_config() }).await;

    let good = client_with(&server, Credentials::Token { token: TOKEN.into() }, |_| {});
    let out = read_ok(&good, SEED_TASK_ID).await;
    assert_eq!(out.task.sync_task_id.as_deref(), Some(SEED_TASK_ID));
    let req = last_request(&server);
    assert_eq!(req.header("x-auth-token"), Some(TOKEN));
    assert!(req.header("authorization").is_none());
    assert_eq!(server.request_count(), 1);

    let bad = client_with(&server, Credentials::Token { token: WRONG_TOKEN.into() }, |_| {});
    let e = read_err(&bad, SEED_TASK_ID).await;
    assert_failure(&e, OmsErrorKind::Unauthenticated, 401, "APIGW.0301", 1);
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn security_token_is_sent_signed_and_required() {
    let server = start_with(ServerConfig { security_token: Some(SECURITY_TOKEN.into()), ..server_config() }).await;

    let good = client_with(&server, aksk(SK, Some(SECURITY_TOKEN)), |_| {});
    let out = read_ok(&good, SEED_TASK_ID).await;
    assert_eq!(out.task.sync_task_id.as_deref(), Some(SEED_TASK_ID));
    let req = last_request(&server);
    assert_eq!(req.status, 200);
    assert_eq!(req.header("x-security-token"), Some(SECURITY_TOKEN));
    let auth = req.header("authorization").expect("signed");
    let signed = auth
        .split("SignedHeaders=")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .unwrap_or_else(|| panic!("no SignedHeaders in {auth:?}"));
    assert!(signed.split(';').any(|h| h == "x-security-token"), "SignedHeaders={signed}");

    let missing = client_with(&server, aksk(SK, None), |_| {});
    let e = read_err(&missing, SEED_TASK_ID).await;
    assert_eq!(e.kind(), OmsErrorKind::Unauthenticated, "{e}");
    assert_eq!(e.status(), Some(401));
    assert_eq!(e.attempts(), 1);
    assert!(last_request(&server).header("x-security-token").is_none());

    let wrong = client_with(&server, aksk(SK, Some(WRONG_SECURITY_TOKEN)), |_| {});
    let e = read_err(&wrong, SEED_TASK_ID).await;
    assert_eq!(e.kind(), OmsErrorKind::Unauthenticated, "{e}");
    assert_eq!(e.status(), Some(401));
    assert_eq!(e.attempts(), 1);
    assert_eq!(server.request_count(), 3);
}

// ---------------------------------------------------------------- backend errors

#[tokio::test]
async fn unknown_task_is_not_found_with_server_fields() {
    let server = start().await;
    let c = client(&server);
    let e = read_err(&c, "00000000-0000-4000-8000-000000000000").await;
    assert_eq!(e.kind(), OmsErrorKind::NotFound, "{e}");
    assert!(e.kind().is_not_found());
    assert_eq!(e.status(), Some(404));
    assert_eq!(e.error_code(), Some("OMS.0054"));
    assert_eq!(e.error_msg(), Some("Invalid task ID. Enter a valid task ID."));
    // The server records request headers only, not the X-Request-Id it sent back; it
    // generates 32 hex digits, and an OMS-style 404 body carries no request_id, so
    // this value can only have come from the response header.
    let rid = e.request_id().expect("request id from X-Request-Id");
    assert!(is_hex_request_id(rid), "{rid:?}");
    assert_eq!(e.attempts(), 1);
    assert_eq!(server.request_count(), 1);
    assert_eq!(last_request(&server).status, 404);
}

#[tokio::test]
async fn wrong_project_is_forbidden_and_not_retried() {
    let server = start().await;
    let cfg = config_for(&server, "deadbeefdeadbeefdeadbeefdeadbeef", aksk(SK, None));
    let c = OmsClient::new(cfg).unwrap();
    let e = read_err(&c, SEED_TASK_ID).await;
    assert_failure(&e, OmsErrorKind::Forbidden, 403, "OMS.0002", 1);
    assert_eq!(server.request_count(), 1);
}

// ---------------------------------------------------------------- retries

async fn transient_status_then_success(status: u16) {
    const N: usize = 3;
    let server = start().await;
    server.inject(Fault::Status { status, times: N });
    let c = client(&server);
    let out = read_ok(&c, SEED_TASK_ID).await;
    assert_eq!(out.attempts, N as u32 + 1, "status {status}");
    assert_eq!(server.request_count(), N + 1, "status {status}");
    let statuses: Vec<u16> = server.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [status, status, status, 200]);
    assert_eq!(out.task.sync_task_id.as_deref(), Some(SEED_TASK_ID));
}

#[tokio::test]
async fn retries_500_then_succeeds() {
    transient_status_then_success(500).await;
}

#[tokio::test]
async fn retries_502_then_succeeds() {
    transient_status_then_success(502).await;
}

#[tokio::test]
async fn retries_503_then_succeeds() {
    transient_status_then_success(503).await;
}

#[tokio::test]
async fn retries_504_then_succeeds() {
    transient_status_then_success(504).await;
}

#[tokio::test]
async fn persistent_503_exhausts_retries_as_server_error() {
    let server = start().await;
    server.inject(Fault::Status { status: 503, times: 10 });
    let c = client_with(&server, aksk(SK, None), |cfg| cfg.max_retries = 2);
    let e = read_err(&c, SEED_TASK_ID).await;
    assert_failure(&e, OmsErrorKind::Server, 503, "OMS.0008", 3);
    assert_eq!(server.request_count(), 3);
}

#[tokio::test]
async fn non_retryable_statuses_are_tried_once() {
    for (status, kind) in [
        (400, OmsErrorKind::OtherStatus),
        (401, OmsErrorKind::Unauthenticated),
        (403, OmsErrorKind::Forbidden),
        (404, OmsErrorKind::NotFound),
    ] {
        let server = start().await;
        server.inject(Fault::Status { status, times: 10 });
        let c = client(&server);
        let e = read_err(&c, SEED_TASK_ID).await;
        assert_eq!(e.kind(), kind, "status {status}: {e}");
        assert_eq!(e.status(), Some(status));
        assert_eq!(e.attempts(), 1, "status {status}");
        assert_eq!(server.request_count(), 1, "status {status}");
    }
}

#[tokio::test]
async fn retry_after_seconds_is_honoured() {
    let server = start().await;
    server.inject(Fault::TooManyRequests { retry_after: Some("1".into()), times: 1 });
    let c = client(&server);
    let started = std::time::Instant::now();
    let out = read_ok(&c, SEED_TASK_ID).await;
    let elapsed = started.elapsed();
    assert_eq!(out.attempts, 2);
    assert_eq!(server.request_count(), 2);
    let reqs = server.requests();
    assert_eq!((reqs[0].status, reqs[1].status), (429, 200));
    let gap = reqs[1].received_at - reqs[0].received_at;
    assert!(gap >= Duration::from_millis(980), "retried after only {gap:?}");
    assert!(elapsed < Duration::from_millis(1800), "took {elapsed:?}");
}

#[tokio::test]
async fn retry_after_http_date_is_honoured() {
    let server = start().await;
    // Built before the clock starts: building a client loads the system's root
    // certificates, which takes a noticeable part of the wait on a busy machine.
    let c = client(&server);
    // HTTP-dates have whole-second resolution, so compute the wait the date really means.
    let now = SystemTime::now();
    let date = httpdate::fmt_http_date(now + Duration::from_secs(2));
    let intended = httpdate::parse_http_date(&date).unwrap().duration_since(now).unwrap();
    assert!(intended > Duration::from_millis(1000) && intended <= Duration::from_secs(2), "{intended:?}");
    server.inject(Fault::TooManyRequests { retry_after: Some(date), times: 1 });
    let started = std::time::Instant::now();
    let out = read_ok(&c, SEED_TASK_ID).await;
    let elapsed = started.elapsed();
    assert_eq!(out.attempts, 2);
    assert_eq!(server.request_count(), 2);
    assert!(elapsed + Duration::from_millis(150) >= intended, "waited {elapsed:?}, date meant {intended:?}");
    assert!(elapsed <= intended + Duration::from_millis(800), "waited {elapsed:?}, date meant {intended:?}");
}

// ---------------------------------------------------------------- deadline and cancellation

#[tokio::test]
async fn stalled_server_hits_the_deadline() {
    let server = start().await;
    server.inject(Fault::Stall { duration: Duration::from_secs(30), times: 1 });
    let c = client(&server);
    let started = std::time::Instant::now();
    let res = c
        .show_sync_task(SEED_TASK_ID, QUERY_TIME, deadline_in(Duration::from_millis(500)), &CancellationToken::new())
        .await;
    let elapsed = started.elapsed();
    let e = res.expect_err("deadline must fire");
    assert_no_secrets(&e);
    assert_eq!(e.kind(), OmsErrorKind::TimedOut, "{e}");
    assert_eq!(e.attempts(), 1);
    assert!(elapsed >= Duration::from_millis(480), "{elapsed:?}");
    assert!(elapsed <= Duration::from_millis(800), "{elapsed:?}");
    assert_eq!(server.request_count(), 1);
}

/// Reads the seed task, cancelling the token `after` the start; returns the
/// result and how long the read took to return once cancelled.
async fn read_cancelled_after(
    server: &LocalOmsServer,
    after: Duration,
    deadline: Duration,
) -> (Result<ShowSyncTaskOutcome, OmsError>, Duration) {
    let c = client(server);
    let cancel = CancellationToken::new();
    let canceller = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            cancel.cancel();
            std::time::Instant::now()
        })
    };
    let res = c.show_sync_task(SEED_TASK_ID, QUERY_TIME, deadline_in(deadline), &cancel).await;
    let returned = std::time::Instant::now();
    let cancelled_at = canceller.await.unwrap();
    (res, returned.saturating_duration_since(cancelled_at))
}

#[tokio::test]
async fn cancel_during_stalled_request_is_prompt() {
    let server = start().await;
    server.inject(Fault::Stall { duration: Duration::from_secs(30), times: 1 });
    let (res, lag) = read_cancelled_after(&server, Duration::from_millis(200), Duration::from_secs(10)).await;
    let e = res.expect_err("cancel must abort");
    assert_no_secrets(&e);
    assert_eq!(e.kind(), OmsErrorKind::Cancelled, "{e}");
    assert_eq!(e.attempts(), 1);
    assert!(lag <= Duration::from_millis(100), "returned {lag:?} after cancel");
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn cancel_during_retry_after_wait_is_prompt() {
    let server = start().await;
    server.inject(Fault::TooManyRequests { retry_after: Some("10".into()), times: 1 });
    let (res, lag) = read_cancelled_after(&server, Duration::from_millis(300), Duration::from_secs(30)).await;
    let e = res.expect_err("cancel must abort the backoff");
    assert_no_secrets(&e);
    assert_eq!(e.kind(), OmsErrorKind::Cancelled, "{e}");
    assert_eq!(e.attempts(), 1);
    assert!(lag <= Duration::from_millis(100), "returned {lag:?} after cancel");
    // The 429 was answered and no second attempt was made.
    assert_eq!(server.request_count(), 1);
    assert_eq!(last_request(&server).status, 429);
}

// ---------------------------------------------------------------- bad responses

#[tokio::test]
async fn garbage_body_is_undecodable_with_short_excerpt() {
    let server = start().await;
    server.inject(Fault::GarbageBody { times: 1 });
    let c = client(&server);
    let e = read_err(&c, SEED_TASK_ID).await;
    assert_eq!(e.kind(), OmsErrorKind::Undecodable, "{e}");
    assert_eq!(e.status(), Some(200));
    assert_eq!(e.attempts(), 1);
    let excerpt = e.body_excerpt().expect("excerpt");
    assert!(excerpt.contains("upstream said"), "{excerpt:?}");
    assert!(excerpt.chars().count() <= 200, "{excerpt:?}");
    assert!(!excerpt.contains('\0'), "control characters must be escaped: {excerpt:?}");
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn wrong_field_types_are_undecodable_naming_the_field() {
    let server = start().await;
    server.inject(Fault::WrongFieldTypes { times: 1 });
    let c = client(&server);
    let e = read_err(&c, SEED_TASK_ID).await;
    assert_eq!(e.kind(), OmsErrorKind::Undecodable, "{e}");
    let detail = e.detail().expect("decode cause");
    assert!(detail.contains("src_cloud_type"), "{detail}");
    assert!(e.to_string().contains("src_cloud_type"), "{e}");
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn oversize_body_is_refused() {
    let server = start().await;
    server.inject(Fault::OversizeBody { bytes: 2 * 1024 * 1024, times: 1 });
    let c = client(&server);
    let e = read_err(&c, SEED_TASK_ID).await;
    assert_eq!(e.kind(), OmsErrorKind::BodyTooLarge, "{e}");
    assert_eq!(e.limit(), Some(MAX_BODY_BYTES as u64));
    assert_eq!(e.status(), Some(200));
    assert_eq!(e.attempts(), 1);
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn connection_resets_are_retried() {
    let server = start().await;
    server.inject(Fault::ResetConnection { times: 2 });
    let c = client(&server);
    let out = read_ok(&c, SEED_TASK_ID).await;
    assert_eq!(out.attempts, 3);
    assert_eq!(server.request_count(), 3);
    let statuses: Vec<u16> = server.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [0, 0, 200]);
}

#[tokio::test]
async fn persistent_resets_end_as_transport_error() {
    let server = start().await;
    server.inject(Fault::ResetConnection { times: 10 });
    let c = client_with(&server, aksk(SK, None), |cfg| cfg.max_retries = 2);
    let e = read_err(&c, SEED_TASK_ID).await;
    assert_eq!(e.kind(), OmsErrorKind::Transport, "{e}");
    assert!(e.kind().is_transient());
    assert_eq!(e.attempts(), 3);
    assert_eq!(server.request_count(), 3);
}

// ---------------------------------------------------------------- model edge cases

#[tokio::test]
async fn nulls_task_decodes_to_all_none() {
    let server = start().await;
    let out = read_ok(&client(&server), NULLS_TASK_ID).await;
    assert_eq!(out.task, SyncTask { sync_task_id: Some(NULLS_TASK_ID.into()), ..SyncTask::default() });
}

#[tokio::test]
async fn int64_task_keeps_i64_max_exact() {
    let server = start().await;
    let out = read_ok(&client(&server), INT64_TASK_ID).await;
    let t = &out.task;
    assert_eq!(t.create_time, Some(i64::MAX));
    assert_eq!(t.monthly_acceptance_request, Some(i64::MAX));
    assert_eq!(t.monthly_success_object, Some(i64::MAX));
    assert_eq!(t.monthly_failure_object, Some(i64::MAX));
    assert_eq!(t.monthly_skip_object, Some(i64::MAX));
    assert_eq!(t.monthly_size, Some(i64::MAX));
    assert_eq!(t.last_start_time, Some(0));
    assert_task_equals_json(t, &task_json(&sample_tasks(), INT64_TASK_ID));
}

#[tokio::test]
async fn unicode_task_description_is_intact() {
    let server = start().await;
    let out = read_ok(&client(&server), UNICODE_TASK_ID).await;
    let stored = task_json(&sample_tasks(), UNICODE_TASK_ID);
    assert_eq!(out.task.description.as_deref(), stored["description"].as_str());
    assert!(out.task.description.as_deref().unwrap().contains("同步任务"));
    assert_eq!(out.task.src_bucket.as_deref(), Some("数据-源"));
    assert_task_equals_json(&out.task, &stored);
}

#[tokio::test]
async fn tencent_task_has_app_id_and_enable_kms() {
    let server = start().await;
    let out = read_ok(&client(&server), TENCENT_TASK_ID).await;
    assert_eq!(out.task.app_id.as_deref(), Some("1250000000"));
    assert_eq!(out.task.enable_kms, Some(true));
    assert_eq!(out.task.src_cloud_type.as_deref(), Some("Tencent"));
    assert_task_equals_json(&out.task, &task_json(&sample_tasks(), TENCENT_TASK_ID));
}

// ---------------------------------------------------------------- hostile ids

#[tokio::test]
async fn hostile_ids_address_exactly_one_task() {
    const IDS: [&str; 17] = [
        "../x",
        "a/b",
        "a?b=c",
        "a#b",
        "100%",
        "%2F",
        "a b",
        "ü-任务",
        "..%2F..%2Fadmin",
        "'\"<>",
        "...",
        ".a",
        "a\\b",
        "a;b",
        "+&=",
        "%",
        "x/../../admin",
    ];
    let server = start().await;
    for (i, id) in IDS.iter().enumerate() {
        let mut task: Value = serde_json::from_str(SEED_TASK_JSON).unwrap();
        task["sync_task_id"] = Value::from(*id);
        task["description"] = Value::from(format!("hostile #{i}"));
        server.insert_task(task);
    }
    // Targets some of the ids could be mistaken for, were they not one segment.
    for decoy in ["x", "b", "a", "admin", "100"] {
        let mut task: Value = serde_json::from_str(SEED_TASK_JSON).unwrap();
        task["sync_task_id"] = Value::from(decoy);
        task["description"] = Value::from("decoy");
        server.insert_task(task);
    }
    let c = client(&server);
    let prefix = format!("/v2/{PROJECT}/sync-tasks/");
    for (i, id) in IDS.iter().enumerate() {
        let before = server.request_count();
        let out = read_ok(&c, id).await;
        assert_eq!(out.task.sync_task_id.as_deref(), Some(*id));
        assert_eq!(out.task.description, Some(format!("hostile #{i}")), "{id:?}");
        assert_eq!(server.request_count(), before + 1, "{id:?}");
        let req = last_request(&server);
        let segments: Vec<&str> = req.raw_path.trim_start_matches('/').split('/').collect();
        assert_eq!(segments.len(), 4, "{id:?} -> {}", req.raw_path);
        let last = req.raw_path.strip_prefix(&prefix).unwrap_or_else(|| panic!("{id:?} -> {}", req.raw_path));
        assert!(!last.is_empty() && !last.contains('/'), "{id:?} -> {}", req.raw_path);
        let decoded = percent_encoding::percent_decode_str(last).decode_utf8().unwrap();
        assert_eq!(decoded, *id, "{}", req.raw_path);
        assert_eq!(req.raw_query.as_deref(), Some(format!("query_time={QUERY_TIME}").as_str()), "{id:?}");
    }
}

#[tokio::test]
async fn dot_ids_are_rejected_before_any_request() {
    let server = start().await;
    let c = client(&server);
    for id in [".", "..", ""] {
        let e = read_err(&c, id).await;
        assert_eq!(e.kind(), OmsErrorKind::InvalidRequest, "{id:?}: {e}");
        assert_eq!(e.attempts(), 0, "{id:?}");
        assert!(e.to_string().contains("sync_task_id"), "{e}");
    }
    assert_eq!(server.request_count(), 0);
}

// ---------------------------------------------------------------- concurrency

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_hundred_concurrent_reads_share_one_client() {
    let server = start().await;
    let c = client(&server);
    let ids = [SEED_TASK_ID, NULLS_TASK_ID, INT64_TASK_ID, UNICODE_TASK_ID, TENCENT_TASK_ID];
    let mut set = tokio::task::JoinSet::new();
    for i in 0..300 {
        let c = c.clone();
        let id = ids[i % ids.len()];
        set.spawn(async move { (id, read(&c, id).await) });
    }
    let mut ok = 0;
    while let Some(joined) = set.join_next().await {
        let (id, res) = joined.expect("task did not panic");
        let out = res.unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(out.task.sync_task_id.as_deref(), Some(id));
        assert_eq!(out.attempts, 1, "{id}");
        ok += 1;
    }
    assert_eq!(ok, 300);
    assert_eq!(server.request_count(), 300);
    assert!(server.requests().iter().all(|r| r.status == 200));
    // RecordedRequest carries no peer address, so the number of distinct TCP
    // connections cannot be checked from here.
}

// ---------------------------------------------------------------- secrets

#[tokio::test]
async fn client_debug_and_errors_never_show_secrets() {
    let server = start_with(ServerConfig {
        security_token: Some(SECURITY_TOKEN.into()),
        auth_token: Some(TOKEN.into()),
        ..server_config()
    })
    .await;
    let clients = [
        client_with(&server, aksk(SK, Some(SECURITY_TOKEN)), |_| {}),
        client_with(&server, aksk(WRONG_SK, Some(WRONG_SECURITY_TOKEN)), |_| {}),
        client_with(&server, Credentials::Token { token: TOKEN.into() }, |_| {}),
        client_with(&server, Credentials::Token { token: WRONG_TOKEN.into() }, |_| {}),
    ];
    for c in &clients {
        let shown = format!("{c:?}");
        for secret in ALL_SECRETS {
            assert!(!shown.contains(secret), "secret {secret:?} in {shown}");
        }
    }
    let mut errors = Vec::new();
    // Auth failures, then every fault kind, across both credential styles.
    errors.push(read_err(&clients[1], SEED_TASK_ID).await);
    errors.push(read_err(&clients[3], SEED_TASK_ID).await);
    for c in [&clients[0], &clients[2]] {
        errors.push(read_err(c, "no-such-task").await);
        server.inject(Fault::GarbageBody { times: 1 });
        errors.push(read_err(c, SEED_TASK_ID).await);
        server.inject(Fault::WrongFieldTypes { times: 1 });
        errors.push(read_err(c, SEED_TASK_ID).await);
        server.inject(Fault::OversizeBody { bytes: 2 * 1024 * 1024, times: 1 });
        errors.push(read_err(c, SEED_TASK_ID).await);
        server.inject(Fault::Status { status: 503, times: 6 });
        errors.push(read_err(c, SEED_TASK_ID).await);
        server.inject(Fault::ResetConnection { times: 6 });
        errors.push(read_err(c, SEED_TASK_ID).await);
        errors.push(read_err(c, "..").await);
    }
    assert_eq!(errors.len(), 16);
    // read_err already checked each one; check the collection once more explicitly.
    for e in &errors {
        assert_no_secrets(e);
    }
}
