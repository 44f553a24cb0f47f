//! The real OMS client against the local server over HTTPS: the client's TLS settings
//! (`ca_bundle_file`, `insecure`) meet a real handshake with a CA minted per server
//! start, and the faults a client must survive still behave under TLS.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::local_oms::{ca_file, handshake_failures_reaching};
use oms_local_server::{Fault, LocalOmsServer, ServerConfig, SEED_TASK_ID};
use terraform_provider_oms::oms::{ClientConfig, Credentials, Endpoint, OmsClient, OmsError, OmsErrorKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

const PROJECT: &str = "c0ffee00c0ffee00c0ffee00c0ffee00";
const AK: &str = "AKLOCALTLSTEST";
const SK: &str = "SK-fake-secret-tls-ocelot-5b2d";
const QUERY_TIME: i64 = 1_700_639_560_751;

async fn start_tls() -> LocalOmsServer {
    let config = ServerConfig { tls: true, ..ServerConfig::with_sample_tasks(PROJECT, AK, SK) };
    LocalOmsServer::start(config).await.expect("local OMS server starts with TLS")
}

fn client(server: &LocalOmsServer, ca: Option<PathBuf>, insecure: bool) -> OmsClient {
    let endpoint = Endpoint::from_override(&server.url()).expect("loopback endpoint");
    let credentials = Credentials::AkSk { access_key: AK.into(), secret_key: SK.into(), security_token: None };
    let mut cfg = ClientConfig::new(endpoint, PROJECT, credentials);
    cfg.max_retries = 3;
    cfg.retry_base = Duration::from_millis(10);
    cfg.retry_cap = Duration::from_millis(50);
    cfg.connect_timeout = Duration::from_secs(2);
    cfg.ca_bundle_file = ca;
    cfg.insecure = insecure;
    OmsClient::new(cfg).expect("client builds")
}

async fn read_seed(c: &OmsClient, within: Duration) -> Result<(u32, Option<String>), OmsError> {
    let deadline = Instant::now() + within;
    let out = c.show_sync_task(SEED_TASK_ID, QUERY_TIME, deadline, &CancellationToken::new()).await?;
    Ok((out.attempts, out.task.status))
}

async fn wait_for_handshake_failures(server: &LocalOmsServer, want: usize) {
    assert_eq!(handshake_failures_reaching(server, want).await, want);
}

#[tokio::test]
async fn https_url_and_a_fresh_ca_per_server() {
    let a = start_tls().await;
    let b = start_tls().await;
    assert_eq!(a.url(), format!("https://{}", a.addr()));
    let (pa, pb) = (a.ca_pem().unwrap(), b.ca_pem().unwrap());
    assert!(pa.starts_with("-----BEGIN CERTIFICATE-----\n") && pa.trim_end().ends_with("-----END CERTIFICATE-----"));
    assert_ne!(pa, pb, "each start mints its own CA");

    let plain = LocalOmsServer::start(ServerConfig::with_sample_tasks(PROJECT, AK, SK)).await.unwrap();
    assert_eq!(plain.url(), format!("http://{}", plain.addr()));
    assert_eq!(plain.ca_pem(), None);
}

#[tokio::test]
async fn ca_bundle_file_is_trusted() {
    let server = start_tls().await;
    let ca = ca_file(&server);
    let c = client(&server, Some(ca.path().to_path_buf()), false);
    let (attempts, status) = read_seed(&c, Duration::from_secs(10)).await.expect("read over HTTPS");
    assert_eq!((attempts, status.as_deref()), (1, Some("SYNCHRONIZING")));
    let statuses: Vec<u16> = server.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200]);
    assert_eq!(server.tls_handshake_failures(), 0);
}

#[tokio::test]
async fn without_the_ca_the_certificate_is_refused_once() {
    let server = start_tls().await;
    let c = client(&server, None, false);
    let err = read_seed(&c, Duration::from_secs(10)).await.unwrap_err();
    assert_eq!(err.kind(), OmsErrorKind::Transport, "{err}");
    // A certificate problem will not heal on retry, so the client does not retry it.
    assert_eq!(err.attempts(), 1, "{err}");
    let detail = err.detail().unwrap_or_default();
    assert!(detail.contains("certificate") && detail.contains("UnknownIssuer"), "{err}");
    let shown = format!("{err} || {err:?} || {c:?}");
    assert!(!shown.contains(SK), "secret leaked: {shown}");
    assert_eq!(server.request_count(), 0, "no HTTP request got through");
    wait_for_handshake_failures(&server, 1).await;
}

#[tokio::test]
async fn another_servers_ca_is_not_enough() {
    let server = start_tls().await;
    let other = start_tls().await;
    let ca = ca_file(&other);
    let err =
        read_seed(&client(&server, Some(ca.path().to_path_buf()), false), Duration::from_secs(10)).await.unwrap_err();
    assert_eq!((err.kind(), err.attempts()), (OmsErrorKind::Transport, 1), "{err}");
    assert_eq!(server.request_count(), 0);
}

#[tokio::test]
async fn insecure_skips_verification() {
    let server = start_tls().await;
    let (attempts, status) =
        read_seed(&client(&server, None, true), Duration::from_secs(10)).await.expect("insecure read");
    assert_eq!((attempts, status.as_deref()), (1, Some("SYNCHRONIZING")));
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn faults_over_tls() {
    let server = start_tls().await;
    let ca = ca_file(&server);
    let c = client(&server, Some(ca.path().to_path_buf()), false);

    server.inject(Fault::Status { status: 503, times: 1 });
    assert_eq!(read_seed(&c, Duration::from_secs(10)).await.unwrap().0, 2, "503 retried");

    server.inject(Fault::GarbageBody { times: 1 });
    let err = read_seed(&c, Duration::from_secs(10)).await.unwrap_err();
    assert_eq!(err.kind(), OmsErrorKind::Undecodable, "{err}");

    server.inject(Fault::Stall { duration: Duration::from_secs(5), times: 1 });
    let started = std::time::Instant::now();
    let err = read_seed(&c, Duration::from_millis(300)).await.unwrap_err();
    assert_eq!(err.kind(), OmsErrorKind::TimedOut, "{err}");
    assert!(started.elapsed() < Duration::from_secs(3), "the deadline bounds a stalled TLS read");

    // An RST under TLS (no close_notify) is a plain connection failure, so it is retried.
    server.inject(Fault::ResetConnection { times: 1 });
    assert_eq!(read_seed(&c, Duration::from_secs(10)).await.unwrap().0, 2, "reset retried");

    let statuses: Vec<u16> = server.requests().iter().map(|r| r.status).collect();
    // The stalled request is still being held (status 0) when the test looks.
    assert_eq!(statuses, [503, 200, 200, 0, 0, 200]);
    assert_eq!(server.tls_handshake_failures(), 0);
}

#[tokio::test]
async fn plaintext_and_garbage_clients_do_not_hurt_the_server() {
    let server = start_tls().await;
    // Plain HTTP to the HTTPS port, then bytes that are no protocol at all.
    for junk in [&b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"[..], &[0x16, 0x03, 0x01, 0xff, 0xff, 0x00, 0x00][..]] {
        let mut tcp = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
        tcp.write_all(junk).await.unwrap();
        let mut buf = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut buf)).await;
        assert!(read.is_ok(), "the server closes a connection that cannot speak TLS");
    }
    wait_for_handshake_failures(&server, 2).await;
    assert_eq!(server.request_count(), 0);
    // A client that disconnects mid-handshake is no request either.
    drop(tokio::net::TcpStream::connect(server.addr()).await.unwrap());
    wait_for_handshake_failures(&server, 3).await;

    let ca = ca_file(&server);
    let c = client(&server, Some(ca.path().to_path_buf()), false);
    assert!(read_seed(&c, Duration::from_secs(10)).await.is_ok(), "still serving");
}
