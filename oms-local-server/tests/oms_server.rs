//! Integration tests for the local OMS server, over raw TCP so that paths, headers and
//! connection behaviour are exactly what the test wrote. The signer here is a minimal
//! independent one (not the server's), so a shared misunderstanding cannot hide.

mod common;

use std::time::{Duration, Instant};

use common::*;
use oms_local_server::{
    seed_task, Fault, LocalOmsServer, ServerConfig, INT64_TASK_ID, SEED_TASK_ID, SEED_TASK_JSON, UNICODE_TASK_ID,
};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

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
        format!("/v2/{PROJECT}/sync-task"),
        format!("/v2/{PROJECT}/sync-tasks/"),
        format!("/v2/{PROJECT}/sync-tasks/{SEED_TASK_ID}/statistics/extra"),
        format!("/v2/{PROJECT}/sync-tasks/../x"),
        format!("/v1/{PROJECT}/sync-tasks/{SEED_TASK_ID}"),
    ] {
        let req = sign(&signed_parts(&server, &path, "query_time=1", &sdk_date(0)));
        let resp = send(&server, &req).await;
        assert_eq!(resp.status, 404, "{path}");
        assert_eq!(resp.error_code(), "APIGW.0101", "{path}");
        assert_eq!(resp.json()["error_msg"], "The API does not exist or has not been published in the environment");
    }
    // The list and statistics paths are published APIs now: routed past the gateway to
    // the backend, which judges their parameters.
    for (path, status) in [
        (format!("/v2/{PROJECT}/sync-tasks"), 200),
        (format!("/v2/{PROJECT}/sync-tasks/{SEED_TASK_ID}/statistics"), 400),
    ] {
        let resp = send(&server, &sign(&signed_parts(&server, &path, "query_time=1", &sdk_date(0)))).await;
        assert_eq!(resp.status, status, "{path}");
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
