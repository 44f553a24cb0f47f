//! Socket-level tests of `OmsClient` against the scripted fake server of
//! `common::fake_oms` on 127.0.0.1, which answers exactly what each test
//! writes (errors, stalls, resets, oversized or garbage bodies). Every request
//! it receives is recorded so tests can assert exact request counts, paths and
//! signatures. The client over HTTPS is tested against the local OMS server in
//! `oms_server_tls.rs`.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::fake_oms::{json, with_header, Action, FakeOms};
use terraform_provider_oms::oms::{ClientConfig, Credentials, Endpoint, OmsClient, OmsError, OmsErrorKind, OmsLogger};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

const PROJECT: &str = "proj-0123";
const AK: &str = "AKIAINTEGRATIONTEST01";
const SK: &str = "SK-integration-okapi-7c1d9e";
const SECURITY_TOKEN: &str = "STS-integration-pangolin-5b8a2f";
const TOKEN: &str = "IAMTOKEN-integration-tapir-3e6c0d";

/// The seed document's example response, shared with the local OMS server.
const SEED: &str = oms_local_server::SEED_TASK_JSON;

fn aksk() -> Credentials {
    Credentials::AkSk { access_key: AK.into(), secret_key: SK.into(), security_token: None }
}

fn config(server: &FakeOms, creds: Credentials) -> ClientConfig {
    let mut cfg = ClientConfig::new(Endpoint::from_override(&server.endpoint).unwrap(), PROJECT, creds);
    cfg.retry_base = Duration::from_millis(10);
    cfg.retry_cap = Duration::from_millis(50);
    cfg.connect_timeout = Duration::from_secs(2);
    cfg
}

fn client(server: &FakeOms) -> OmsClient {
    OmsClient::new(config(server, aksk())).unwrap()
}

fn in_secs(s: u64) -> Instant {
    Instant::now() + Duration::from_secs(s)
}

fn assert_no_secrets(err: &OmsError, client: &OmsClient) {
    let text = format!("{err} || {err:?} || {client:?}");
    for secret in [SK, SECURITY_TOKEN, TOKEN] {
        assert!(!text.contains(secret), "secret leaked: {text}");
    }
}

#[tokio::test]
async fn success_first_try_and_signature_verifies() {
    let server = FakeOms::start(|_, _| with_header(json(200, SEED), "X-Request-Id", "rid-ok")).await;
    let c = client(&server);
    let out = c
        .show_sync_task(
            "d18befdd-eb82-41f3-8019-bbb593d74a3e",
            1_700_000_000_000,
            in_secs(10),
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(out.attempts, 1);
    assert_eq!(out.request_id.as_deref(), Some("rid-ok"));
    assert_eq!(out.task.status.as_deref(), Some("SYNCHRONIZING"));
    assert_eq!(out.task.monthly_failure_object, Some(11));
    let reqs = server.received();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.method, "GET");
    assert_eq!(
        r.target,
        format!("/v2/{PROJECT}/sync-tasks/d18befdd-eb82-41f3-8019-bbb593d74a3e?query_time=1700000000000")
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("x-project-id"), Some(PROJECT));
    assert_eq!(r.header("user-agent"), Some(concat!("terraform-provider-oms/", env!("CARGO_PKG_VERSION"))));
    assert_eq!(r.header("host"), Some(server.endpoint.trim_start_matches("http://")));
    assert!(r.header("x-auth-token").is_none());
    assert!(r.header("x-security-token").is_none());
    assert!(r.signature_verifies(AK, SK), "signature does not verify: {r:?}");
    assert!(!r.signature_verifies(AK, "wrong-secret"));
}

#[tokio::test]
async fn security_token_is_sent_and_signed() {
    let server = FakeOms::start(|_, _| json(200, SEED)).await;
    let c = OmsClient::new(config(
        &server,
        Credentials::AkSk { access_key: AK.into(), secret_key: SK.into(), security_token: Some(SECURITY_TOKEN.into()) },
    ))
    .unwrap();
    c.show_sync_task("t1", 0, in_secs(10), &CancellationToken::new()).await.unwrap();
    let r = &server.received()[0];
    assert_eq!(r.header("x-security-token"), Some(SECURITY_TOKEN));
    assert!(r
        .header("authorization")
        .unwrap()
        .contains("SignedHeaders=content-type;host;user-agent;x-project-id;x-sdk-date;x-security-token"));
    assert!(r.signature_verifies(AK, SK));
}

#[tokio::test]
async fn token_auth_sends_x_auth_token_only() {
    let server = FakeOms::start(|_, _| json(200, SEED)).await;
    let c = OmsClient::new(config(&server, Credentials::Token { token: TOKEN.into() })).unwrap();
    c.show_sync_task("t1", 5, in_secs(10), &CancellationToken::new()).await.unwrap();
    let r = &server.received()[0];
    assert_eq!(r.header("x-auth-token"), Some(TOKEN));
    assert!(r.header("authorization").is_none());
    assert!(r.header("x-sdk-date").is_none());
}

#[tokio::test]
async fn retries_503_then_succeeds() {
    let server = FakeOms::start(|n, _| {
        if n < 3 {
            json(503, r#"{"error_code":"OMS.0500","error_msg":"busy"}"#)
        } else {
            json(200, SEED)
        }
    })
    .await;
    let c = client(&server);
    let out = c.show_sync_task("t1", 1, in_secs(10), &CancellationToken::new()).await.unwrap();
    assert_eq!(out.attempts, 4);
    assert_eq!(server.count(), 4);
    // Every retry is freshly signed and still verifies.
    assert!(server.received().iter().all(|r| r.signature_verifies(AK, SK)));
}

#[tokio::test]
async fn gives_up_after_max_retries() {
    let server = FakeOms::start(|_, _| {
        with_header(json(502, r#"{"error_code":"APIGW.0201","error_msg":"bad gateway"}"#), "X-Request-Id", "rid-502")
    })
    .await;
    let mut cfg = config(&server, aksk());
    cfg.max_retries = 2;
    let c = OmsClient::new(cfg).unwrap();
    let err = c.show_sync_task("t1", 1, in_secs(10), &CancellationToken::new()).await.unwrap_err();
    assert_eq!(err.kind(), OmsErrorKind::Server);
    assert_eq!(err.status(), Some(502));
    assert_eq!(err.attempts(), 3);
    assert_eq!(err.error_code(), Some("APIGW.0201"));
    assert_eq!(err.request_id(), Some("rid-502"));
    assert_eq!(server.count(), 3);
    assert_no_secrets(&err, &c);
}

#[tokio::test]
async fn throttled_429_honours_retry_after() {
    let server = FakeOms::start(|n, _| {
        if n == 0 {
            with_header(json(429, r#"{"error_code":"APIGW.0308","error_msg":"throttled"}"#), "Retry-After", "1")
        } else {
            json(200, SEED)
        }
    })
    .await;
    let c = client(&server);
    let start = Instant::now();
    let out = c.show_sync_task("t1", 1, in_secs(10), &CancellationToken::new()).await.unwrap();
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_millis(950), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    assert_eq!(out.attempts, 2);
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn retry_after_beyond_deadline_returns_last_error_without_waiting() {
    let server = FakeOms::start(|_, _| {
        with_header(json(429, r#"{"error_code":"APIGW.0308","error_msg":"throttled"}"#), "Retry-After", "30")
    })
    .await;
    let c = client(&server);
    let start = Instant::now();
    let err = c
        .show_sync_task("t1", 1, Instant::now() + Duration::from_secs(2), &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(start.elapsed() < Duration::from_millis(500), "{:?}", start.elapsed());
    assert_eq!(err.kind(), OmsErrorKind::Throttled);
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn client_errors_are_typed_and_not_retried() {
    let cases = [
        (400, OmsErrorKind::OtherStatus, "OMS.0001", "Invalid parameter"),
        (404, OmsErrorKind::NotFound, "OMS.0054", "Invalid task ID"),
        (
            401,
            OmsErrorKind::Unauthenticated,
            "APIGW.0301",
            "Incorrect IAM authentication information: verify aksk signature fail",
        ),
        (403, OmsErrorKind::Forbidden, "OMS.0002", "Permission denied"),
    ];
    for (status, kind, code, msg) in cases {
        let body = serde_json::json!({"error_code": code, "error_msg": msg}).to_string();
        let server =
            FakeOms::start(move |_, _| with_header(json(status, &body), "X-Request-Id", &format!("rid-{status}")))
                .await;
        let c = client(&server);
        let err = c.show_sync_task("t1", 1, in_secs(10), &CancellationToken::new()).await.unwrap_err();
        assert_eq!(err.kind(), kind, "{status}");
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.error_code(), Some(code));
        assert_eq!(err.error_msg(), Some(msg));
        assert_eq!(err.request_id(), Some(format!("rid-{status}").as_str()));
        assert_eq!(err.attempts(), 1);
        assert_eq!(server.count(), 1, "{status} must not be retried");
        let text = err.to_string();
        assert!(text.contains(code) && text.contains(&format!("HTTP {status}")), "{text}");
        assert_no_secrets(&err, &c);
    }
}

#[tokio::test]
async fn request_id_falls_back_to_body_and_nested_errors_parse() {
    let server = FakeOms::start(|_, _| {
        json(401, r#"{"error":{"code":"IAM.0001","message":"token expired"},"request_id":"body-rid"}"#)
    })
    .await;
    let c = client(&server);
    let err = c.show_sync_task("t1", 1, in_secs(10), &CancellationToken::new()).await.unwrap_err();
    assert_eq!(err.kind(), OmsErrorKind::Unauthenticated);
    assert_eq!(err.error_code(), Some("IAM.0001"));
    assert_eq!(err.error_msg(), Some("token expired"));
    assert_eq!(err.request_id(), Some("body-rid"));
}

#[tokio::test]
async fn echoed_secrets_are_scrubbed_from_errors() {
    let body = format!(r#"{{"error_code":"X","error_msg":"bad key {SK} token {SECURITY_TOKEN}"}}"#);
    let server = FakeOms::start(move |_, _| json(400, &body)).await;
    let c = OmsClient::new(config(
        &server,
        Credentials::AkSk { access_key: AK.into(), secret_key: SK.into(), security_token: Some(SECURITY_TOKEN.into()) },
    ))
    .unwrap();
    let err = c.show_sync_task("t1", 1, in_secs(10), &CancellationToken::new()).await.unwrap_err();
    assert_eq!(err.error_msg(), Some("bad key (redacted) token (redacted)"));
    assert_no_secrets(&err, &c);
}

#[tokio::test]
async fn stall_is_ended_by_deadline() {
    let server = FakeOms::start(|_, _| Action::Stall).await;
    let c = client(&server);
    let start = Instant::now();
    let deadline = start + Duration::from_millis(300);
    let err = c.show_sync_task("t1", 1, deadline, &CancellationToken::new()).await.unwrap_err();
    let elapsed = start.elapsed();
    assert_eq!(err.kind(), OmsErrorKind::TimedOut);
    assert_eq!(err.attempts(), 1);
    assert!(elapsed >= Duration::from_millis(290), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(300 + 200), "{elapsed:?}");
}

#[tokio::test]
async fn stall_is_ended_by_cancel() {
    let server = FakeOms::start(|_, _| Action::Stall).await;
    let c = client(&server);
    let cancel = cancelled_after(Duration::from_millis(150));
    let start = Instant::now();
    let err = c.show_sync_task("t1", 1, in_secs(30), &cancel).await.unwrap_err();
    let elapsed = start.elapsed();
    assert_eq!(err.kind(), OmsErrorKind::Cancelled);
    assert!(elapsed < Duration::from_millis(150 + 100), "{elapsed:?}");
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn cancel_interrupts_backoff_wait() {
    let server =
        FakeOms::start(|_, _| with_header(json(503, r#"{"error_code":"E","error_msg":"m"}"#), "Retry-After", "20"))
            .await;
    let c = client(&server);
    let cancel = cancelled_after(Duration::from_millis(150));
    let start = Instant::now();
    let err = c.show_sync_task("t1", 1, in_secs(60), &cancel).await.unwrap_err();
    assert_eq!(err.kind(), OmsErrorKind::Cancelled);
    assert_eq!(err.attempts(), 1);
    assert!(start.elapsed() < Duration::from_millis(250), "{:?}", start.elapsed());
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn already_cancelled_or_expired_sends_nothing() {
    let server = FakeOms::start(|_, _| json(200, SEED)).await;
    let c = client(&server);
    let cancel = CancellationToken::new();
    cancel.cancel();
    let err = c.show_sync_task("t1", 1, in_secs(10), &cancel).await.unwrap_err();
    assert_eq!(err.kind(), OmsErrorKind::Cancelled);
    assert_eq!(err.attempts(), 0);
    let err = c.show_sync_task("t1", 1, Instant::now(), &CancellationToken::new()).await.unwrap_err();
    assert_eq!(err.kind(), OmsErrorKind::TimedOut);
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn garbage_body_is_undecodable_with_excerpt() {
    let server = FakeOms::start(|_, _| {
        with_header(
            Action::Respond {
                status: 200,
                headers: vec![("Content-Type", "text/html".into())],
                body: format!("<html><body>gateway says hi {}</body></html>", "x".repeat(500)).into_bytes(),
            },
            "X-Request-Id",
            "rid-garbage",
        )
    })
    .await;
    let c = client(&server);
    let err = c.show_sync_task("t1", 1, in_secs(10), &CancellationToken::new()).await.unwrap_err();
    assert_eq!(err.kind(), OmsErrorKind::Undecodable);
    let excerpt = err.body_excerpt().unwrap();
    assert!(excerpt.starts_with("<html><body>gateway says hi"), "{excerpt}");
    assert!(excerpt.chars().count() <= 200);
    assert_eq!(err.request_id(), Some("rid-garbage"));
    assert_eq!(server.count(), 1);
    assert_no_secrets(&err, &c);
}

#[tokio::test]
async fn wrongly_typed_field_is_undecodable_naming_field() {
    let server = FakeOms::start(|_, _| json(200, r#"{"monthly_size": 1.5}"#)).await;
    let c = client(&server);
    let err = c.show_sync_task("t1", 1, in_secs(10), &CancellationToken::new()).await.unwrap_err();
    assert_eq!(err.kind(), OmsErrorKind::Undecodable);
    assert!(err.to_string().contains("monthly_size"), "{err}");
}

#[tokio::test]
async fn oversized_body_with_content_length_is_rejected() {
    let server =
        FakeOms::start(|_, _| Action::Respond { status: 200, headers: vec![], body: vec![b' '; 2 * 1024 * 1024] })
            .await;
    let c = client(&server);
    let err = c.show_sync_task("t1", 1, in_secs(10), &CancellationToken::new()).await.unwrap_err();
    assert_eq!(err.kind(), OmsErrorKind::BodyTooLarge);
    assert_eq!(err.limit(), Some(1024 * 1024));
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn oversized_streamed_body_is_rejected() {
    let server =
        FakeOms::start(|_, _| Action::RespondUntilClose { status: 200, body: vec![b' '; 2 * 1024 * 1024] }).await;
    let c = client(&server);
    let err = c.show_sync_task("t1", 1, in_secs(10), &CancellationToken::new()).await.unwrap_err();
    assert_eq!(err.kind(), OmsErrorKind::BodyTooLarge);
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn streamed_body_under_cap_is_accepted() {
    let server = FakeOms::start(|_, _| Action::RespondUntilClose { status: 200, body: SEED.as_bytes().to_vec() }).await;
    let c = client(&server);
    let out = c.show_sync_task("t1", 1, in_secs(10), &CancellationToken::new()).await.unwrap();
    assert_eq!(out.task.src_bucket.as_deref(), Some("oms-sdk-test-src"));
}

#[tokio::test]
async fn connection_resets_are_retried() {
    let server = FakeOms::start(|n, _| if n < 2 { Action::Reset } else { json(200, SEED) }).await;
    let c = client(&server);
    let out = c.show_sync_task("t1", 1, in_secs(10), &CancellationToken::new()).await.unwrap();
    assert_eq!(out.attempts, 3);
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn persistent_resets_end_as_transport_error() {
    let server = FakeOms::start(|_, _| Action::Reset).await;
    let mut cfg = config(&server, aksk());
    cfg.max_retries = 3;
    let c = OmsClient::new(cfg).unwrap();
    let err = c.show_sync_task("t1", 1, in_secs(10), &CancellationToken::new()).await.unwrap_err();
    assert_eq!(err.kind(), OmsErrorKind::Transport);
    assert_eq!(err.attempts(), 4);
    assert_eq!(server.count(), 4);
    assert!(err.detail().is_some_and(|d| !d.is_empty()));
    assert_no_secrets(&err, &c);
}

#[tokio::test]
async fn connection_refused_is_transport_error() {
    // Bind then drop to get a port with (very likely) nothing listening.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut cfg =
        ClientConfig::new(Endpoint::from_override(&format!("http://127.0.0.1:{port}")).unwrap(), PROJECT, aksk());
    cfg.retry_base = Duration::from_millis(5);
    cfg.retry_cap = Duration::from_millis(10);
    cfg.max_retries = 2;
    let c = OmsClient::new(cfg).unwrap();
    let err = c.show_sync_task("t1", 1, in_secs(10), &CancellationToken::new()).await.unwrap_err();
    assert_eq!(err.kind(), OmsErrorKind::Transport);
    assert_eq!(err.attempts(), 3);
}

#[tokio::test]
async fn hostile_ids_arrive_as_one_segment() {
    let server = FakeOms::start(|_, _| json(200, SEED)).await;
    let c = client(&server);
    let ids = ["../x", "a/b", "a?b", "a#b", "%2F", "a b", "ü", "...", "a/../../b", "?query_time=1", "é/\\\0"];
    for id in ids {
        c.show_sync_task(id, 7, in_secs(10), &CancellationToken::new()).await.unwrap();
    }
    let reqs = server.received();
    assert_eq!(reqs.len(), ids.len());
    let prefix = format!("/v2/{PROJECT}/sync-tasks/");
    for (id, r) in ids.iter().zip(&reqs) {
        let path = r.path();
        let seg = path.strip_prefix(&prefix).unwrap_or_else(|| panic!("{id:?} -> {path}"));
        assert!(!seg.contains('/') && !seg.is_empty(), "{id:?} -> {path}");
        let decoded = percent_encoding::percent_decode_str(seg).decode_utf8().unwrap();
        assert_eq!(decoded, *id, "{id:?} -> {path}");
        assert_eq!(r.query_pairs(), vec![("query_time".to_string(), "7".to_string())]);
        assert!(r.signature_verifies(AK, SK), "{id:?}: signature");
    }
    for bad in ["", ".", ".."] {
        let err = c.show_sync_task(bad, 7, in_secs(10), &CancellationToken::new()).await.unwrap_err();
        assert_eq!(err.kind(), OmsErrorKind::InvalidRequest, "{bad:?}");
        assert_eq!(err.attempts(), 0);
    }
    assert_eq!(server.count(), ids.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_reads_share_one_client() {
    let server = FakeOms::start(|_, r| {
        let id = r.path().rsplit('/').next().unwrap_or("").to_string();
        json(200, &format!(r#"{{"sync_task_id":"{id}","monthly_size":9223372036854775807}}"#))
    })
    .await;
    let c = client(&server);
    let cancel = CancellationToken::new();
    let mut set = tokio::task::JoinSet::new();
    for i in 0..300 {
        let c = c.clone();
        let cancel = cancel.clone();
        set.spawn(async move {
            let out = c.show_sync_task(&format!("task-{i}"), 1, in_secs(30), &cancel).await.unwrap();
            assert_eq!(out.task.sync_task_id, Some(format!("task-{i}")));
            assert_eq!(out.task.monthly_size, Some(i64::MAX));
        });
    }
    let mut done = 0;
    while let Some(r) = set.join_next().await {
        r.unwrap();
        done += 1;
    }
    assert_eq!(done, 300);
    assert_eq!(server.count(), 300);
}

#[derive(Default)]
struct CaptureLogger(Mutex<Vec<String>>);

impl OmsLogger for CaptureLogger {
    fn debug(&self, msg: &str, fields: &[(&str, String)]) {
        let line = fields.iter().fold(msg.to_string(), |acc, (k, v)| format!("{acc} {k}={v}"));
        self.0.lock().unwrap().push(line);
    }
}

#[tokio::test]
async fn logger_gets_redacted_lines() {
    let server = FakeOms::start(|n, _| if n == 0 { json(503, "{}") } else { json(200, SEED) }).await;
    let logger = Arc::new(CaptureLogger::default());
    let mut cfg = config(
        &server,
        Credentials::AkSk { access_key: AK.into(), secret_key: SK.into(), security_token: Some(SECURITY_TOKEN.into()) },
    );
    cfg.logger = logger.clone();
    let c = OmsClient::new(cfg).unwrap();
    c.show_sync_task("t1", 1, in_secs(10), &CancellationToken::new()).await.unwrap();
    let lines = logger.0.lock().unwrap().clone();
    let all = lines.join("\n");
    assert!(all.contains("oms request method=GET url=http://"), "{all}");
    assert!(all.contains("status=503") && all.contains("status=200"), "{all}");
    assert!(all.contains("attempt=2"), "{all}");
    assert!(all.contains("elapsed_ms="), "{all}");
    assert!(all.contains("Authorization: (redacted)"), "{all}");
    assert!(all.contains("X-Security-Token: (redacted)"), "{all}");
    for secret in [SK, SECURITY_TOKEN] {
        assert!(!all.contains(secret), "{all}");
    }
    assert!(!all.contains("Signature="), "{all}");
}

#[test]
fn client_is_send_sync_clone() {
    fn assert_traits<T: Send + Sync + Clone + 'static>() {}
    assert_traits::<OmsClient>();
    fn assert_error<T: std::error::Error + Send + Sync + 'static>() {}
    assert_error::<OmsError>();
}

/// A token that cancels itself after `delay`, as a user pressing Ctrl-C.
fn cancelled_after(delay: Duration) -> CancellationToken {
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        trigger.cancel();
    });
    cancel
}

/// A full page of 100 tasks whose ids start at `first`.
fn full_page(first: usize, count: i64) -> String {
    let tasks: Vec<String> = (first..first + 100).map(|i| format!(r#"{{"sync_task_id":"t{i}"}}"#)).collect();
    format!(r#"{{"tasks":[{}],"count":{count}}}"#, tasks.join(","))
}

#[tokio::test]
async fn list_ignoring_offset_is_an_inconsistent_pages_error_not_a_loop() {
    // Every page is the first one, and count claims a million tasks.
    let server = FakeOms::start(|_, _| json(200, &full_page(0, 1_000_000))).await;
    let err = client(&server).list_sync_tasks(None, in_secs(10), &CancellationToken::new()).await.unwrap_err();
    assert_eq!(err.kind(), OmsErrorKind::Undecodable, "{err}");
    let detail = err.detail().unwrap();
    assert!(detail.starts_with("the pages of ListSyncTasks were inconsistent: task \"t0\" appeared twice"), "{detail}");
    assert_eq!(server.count(), 2, "stops at the second page");
}

#[tokio::test]
async fn list_pages_until_a_short_page_and_sends_limit_offset_status() {
    use terraform_provider_oms::oms::SyncTaskStatus;
    let server = FakeOms::start(|n, _| match n {
        0 => json(200, &full_page(0, 150)),
        _ => json(200, r#"{"tasks":[{"sync_task_id":"last"}],"count":150}"#),
    })
    .await;
    let listed = client(&server)
        .list_sync_tasks(Some(SyncTaskStatus::Stopped), in_secs(10), &CancellationToken::new())
        .await
        .unwrap();
    // The count overstated (101 listed, 150 claimed): the short page ends it.
    assert_eq!((listed.tasks.len(), listed.count, listed.pages, listed.attempts), (101, Some(150), 2, 2));
    assert_eq!(listed.tasks[100].sync_task_id.as_deref(), Some("last"));
    let targets: Vec<String> = server.received().iter().map(|r| r.target.clone()).collect();
    assert_eq!(
        targets,
        [
            format!("/v2/{PROJECT}/sync-tasks?limit=100&offset=0&status=STOPPED"),
            format!("/v2/{PROJECT}/sync-tasks?limit=100&offset=100&status=STOPPED"),
        ]
    );
    assert!(server.received().iter().all(|r| r.signature_verifies(AK, SK)));
}
