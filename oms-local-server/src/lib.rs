//! A local stand-in for the OMS API behind Huawei Cloud's API gateway, for tests,
//! benchmarks and demos that must not reach the real cloud.
//!
//! It is its own workspace crate, depending on nothing from `terraform-provider-oms`, so
//! the provider ships none of it and the two meet only on the wire.
//!
//! It reproduces the gateway behaviours a client has to get right — strict
//! SDK-HMAC-SHA256 verification recomputed from the bytes received, the ±15 min
//! `X-Sdk-Date` window, gateway vs. OMS error bodies, `X-Request-Id` — and can inject
//! the transport failures a client must survive (see [`Fault`]). With
//! [`ServerConfig::tls`] it speaks HTTPS, so a client's trust settings are tested against
//! a real handshake; the faults behave the same over TLS.
//!
//! Error choices (the real service's exact codes for these cases are not documented):
//! * unknown route or non-GET → 404 `APIGW.0101`;
//! * auth failures → 401 `APIGW.0301`, date problems → 401 `APIGW.0303`;
//! * project in the path (or `X-Project-Id`) not the configured one → 403 `OMS.0002`;
//! * missing/invalid `query_time` → 400 `OMS.0003`;
//! * unknown task → 404 `OMS.0054` "Invalid task ID. Enter a valid task ID.".
//!
//! A task is served as `serde_json::to_vec` of the JSON it was stored with, computed once
//! at insertion, so every response for it is byte-identical and int64 values and non-ASCII
//! text pass through unchanged.

pub mod faults;
pub mod routing;
pub mod samples;
mod service;
pub mod signing;
mod tls;

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

pub use faults::Fault;
pub use samples::{
    sample_tasks, seed_task, INT64_TASK_ID, NULLS_TASK_ID, SEED_TASK_ID, SEED_TASK_JSON, TENCENT_TASK_ID,
    UNICODE_TASK_ID,
};

/// Demo credentials for the `oms-local-server` binary and examples. They only ever
/// authenticate against this local server. The project id is the one used by the
/// reference signing vectors, so hand-checked signatures line up.
pub const DEMO_PROJECT_ID: &str = "0123456789abcdef0123456789abcdef";
/// The demo AK; see [`DEMO_PROJECT_ID`].
pub const DEMO_ACCESS_KEY: &str = "OMSLOCALDEMOACCESSKEY";
/// The demo SK; see [`DEMO_PROJECT_ID`].
pub const DEMO_SECRET_KEY: &str = "oms-local-demo-secret-key-not-a-real-secret";

/// How long in-flight connections get to finish once shutdown starts before they are cut.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);
/// Bounds slow-loris style clients so they cannot pin connection tasks forever.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// What the server accepts and serves; one per test, so tests never share state.
#[derive(Clone)]
pub struct ServerConfig {
    /// The only project id the paths may name (others get 403).
    pub project_id: String,
    /// The only AK accepted in `Authorization`.
    pub access_key: String,
    /// The SK signatures are recomputed with.
    pub secret_key: String,
    /// When set, AK/SK requests must carry this `X-Security-Token` and sign it, as with
    /// temporary credentials; when unset, a request carrying one is refused.
    pub security_token: Option<String>,
    /// Accepted `X-Auth-Token` value; token auth is disabled when `None`.
    pub auth_token: Option<String>,
    /// Raw task bodies, keyed by their `"sync_task_id"` string; others are ignored.
    pub tasks: Vec<serde_json::Value>,
    /// How far `X-Sdk-Date` may be from now (the gateway allows 15 minutes); tests
    /// shrink it to check a client's clock handling.
    pub clock_skew_limit: Duration,
    /// Serve HTTPS with a certificate from a CA minted at start (see
    /// [`LocalOmsServer::ca_pem`]), so clients' CA-bundle and `insecure` handling meet a
    /// real handshake.
    pub tls: bool,
}

impl ServerConfig {
    /// The usual test setup: these credentials and every sample task, over plain HTTP.
    pub fn with_sample_tasks(
        project_id: impl Into<String>,
        access_key: impl Into<String>,
        secret_key: impl Into<String>,
    ) -> Self {
        ServerConfig {
            project_id: project_id.into(),
            access_key: access_key.into(),
            secret_key: secret_key.into(),
            security_token: None,
            auth_token: None,
            tasks: sample_tasks(),
            clock_skew_limit: Duration::from_secs(15 * 60),
            tls: false,
        }
    }
}

/// Hand-written so that test failure output and logs never show credentials.
impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("project_id", &self.project_id)
            .field("access_key", &self.access_key)
            .field("secret_key", &"<redacted>")
            .field("security_token", &self.security_token.as_ref().map(|_| "<redacted>"))
            .field("auth_token", &self.auth_token.as_ref().map(|_| "<redacted>"))
            .field("tasks", &self.tasks.len())
            .field("clock_skew_limit", &self.clock_skew_limit)
            .field("tls", &self.tls)
            .finish()
    }
}

/// One request as the server saw it. `status` is 0 when no response was sent
/// (a [`Fault::ResetConnection`], or a request still being handled).
#[derive(Clone)]
pub struct RecordedRequest {
    /// As received, so tests can check the client sends `GET`.
    pub method: String,
    /// Undecoded, so tests can check the client's percent-encoding.
    pub raw_path: String,
    /// Undecoded, without the `?`.
    pub raw_query: Option<String>,
    /// Names lowercased, values as received (invalid UTF-8 replaced).
    pub headers: Vec<(String, String)>,
    /// The status answered (0 when none was).
    pub status: u16,
    /// Lets tests measure a client's retry back-off between requests.
    pub received_at: Instant,
}

impl RecordedRequest {
    /// First value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Headers whose values are credentials; never shown by `Debug` or the request log.
pub(crate) fn is_sensitive_header(name: &str) -> bool {
    ["authorization", "x-auth-token", "x-security-token"].iter().any(|s| name.eq_ignore_ascii_case(s))
}

impl std::fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                let shown = if is_sensitive_header(n) { "<redacted>" } else { v.as_str() };
                (n.as_str(), shown)
            })
            .collect();
        f.debug_struct("RecordedRequest")
            .field("method", &self.method)
            .field("raw_path", &self.raw_path)
            .field("raw_query", &self.raw_query)
            .field("headers", &headers)
            .field("status", &self.status)
            .field("received_at", &self.received_at)
            .finish()
    }
}

/// State shared by the accept loop and every connection.
pub(crate) struct Shared {
    config: ServerConfig,
    tasks: RwLock<HashMap<String, Bytes>>,
    faults: Mutex<faults::FaultQueue>,
    requests: Mutex<Vec<RecordedRequest>>,
    require_signed_host: AtomicBool,
    log_requests: AtomicBool,
    tls: Option<TlsAcceptor>,
    tls_handshake_failures: AtomicUsize,
    cancel: CancellationToken,
}

/// A panic elsewhere while holding a lock must not turn every later request into a panic.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn insert_task(&self, task: &serde_json::Value) {
        let Some(id) = task.get("sync_task_id").and_then(|v| v.as_str()) else {
            return;
        };
        let Ok(bytes) = serde_json::to_vec(task) else {
            return;
        };
        self.tasks.write().unwrap_or_else(|e| e.into_inner()).insert(id.to_string(), Bytes::from(bytes));
    }

    fn task_bytes(&self, id: &str) -> Option<Bytes> {
        self.tasks.read().unwrap_or_else(|e| e.into_inner()).get(id).cloned()
    }

    fn next_fault(&self) -> Option<Fault> {
        lock(&self.faults).next_fault()
    }

    fn handshake_failed(&self, reason: &str) {
        self.tls_handshake_failures.fetch_add(1, Ordering::SeqCst);
        if self.log_requests.load(Ordering::Relaxed) {
            eprintln!("TLS handshake failed: {}", reason.escape_debug());
        }
    }

    fn require_signed_host(&self) -> bool {
        self.require_signed_host.load(Ordering::Relaxed)
    }

    fn record(&self, request: RecordedRequest) -> usize {
        let mut requests = lock(&self.requests);
        requests.push(request);
        requests.len() - 1
    }

    fn complete(&self, index: usize, status: u16, method: &str, raw_path: &str) {
        if let Some(r) = lock(&self.requests).get_mut(index) {
            r.status = status;
        }
        if self.log_requests.load(Ordering::Relaxed) {
            let shown = if status == 0 { "RESET".to_string() } else { status.to_string() };
            // Only method, path and status: header values may be credentials.
            eprintln!("{} {} -> {}", method, raw_path.escape_debug(), shown);
        }
    }
}

/// A running server on a loopback port; it stops when dropped, so a failing test
/// cannot leave one behind.
pub struct LocalOmsServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    ca_pem: Option<String>,
    accept_task: Option<JoinHandle<()>>,
}

impl LocalOmsServer {
    /// Starts on an ephemeral loopback port, so parallel tests never collide.
    pub async fn start(config: ServerConfig) -> std::io::Result<Self> {
        Self::start_on(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Starts on a chosen address: the binary's `--listen` for demos.
    pub async fn start_on(config: ServerConfig, addr: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let tasks = config.tasks.clone();
        let server_tls = if config.tls { Some(tls::generate()?) } else { None };
        let ca_pem = server_tls.as_ref().map(|t| t.ca_pem.clone());
        let shared = Arc::new(Shared {
            config,
            tasks: RwLock::new(HashMap::new()),
            faults: Mutex::new(faults::FaultQueue::default()),
            requests: Mutex::new(Vec::new()),
            require_signed_host: AtomicBool::new(true),
            log_requests: AtomicBool::new(false),
            tls: server_tls.map(|t| TlsAcceptor::from(t.config)),
            tls_handshake_failures: AtomicUsize::new(0),
            cancel: CancellationToken::new(),
        });
        for task in &tasks {
            shared.insert_task(task);
        }
        let accept_task = tokio::spawn(accept_loop(listener, shared.clone()));
        Ok(LocalOmsServer { addr, shared, ca_pem, accept_task: Some(accept_task) })
    }

    /// The endpoint to configure a client with (`http://` or `https://`).
    pub fn url(&self) -> String {
        let scheme = if self.shared.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// The CA certificate (PEM) a client must trust to reach a TLS server; `None` for
    /// plain HTTP. Fresh per start, so only this server's clients can ever trust it.
    pub fn ca_pem(&self) -> Option<String> {
        self.ca_pem.clone()
    }

    /// Connections whose TLS handshake did not complete (e.g. the client rejected our
    /// certificate). Lets a test tell "refused our certificate" from "never connected",
    /// since neither leaves a recorded request.
    pub fn tls_handshake_failures(&self) -> usize {
        self.shared.tls_handshake_failures.load(Ordering::SeqCst)
    }

    /// The bound address, for clients that connect by socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Queues a misbehaviour for the next authenticated requests.
    pub fn inject(&self, fault: Fault) {
        lock(&self.shared.faults).push(fault);
    }

    /// Drops faults not yet fired.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Every request so far, in arrival order, for assertions on what the client sent.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// How many requests arrived, e.g. to count a client's retries.
    pub fn request_count(&self) -> usize {
        lock(&self.shared.requests).len()
    }

    /// Adds (or replaces) a task while running, keyed by its `"sync_task_id"`.
    pub fn insert_task(&self, task: serde_json::Value) {
        self.shared.insert_task(&task);
    }

    /// The official Python SDK signs `host`, but the Go SDK and the terraform provider's
    /// golangsdk do not; turning this off lets those clients be tested too.
    pub fn set_require_signed_host(&self, required: bool) {
        self.shared.require_signed_host.store(required, Ordering::Relaxed);
    }

    /// Logs one line per request (method, raw path, status) to stderr, for the binary.
    pub fn set_request_logging(&self, enabled: bool) {
        self.shared.log_requests.store(enabled, Ordering::Relaxed);
    }

    /// Stops accepting, lets in-flight requests finish briefly, then cuts the rest.
    pub async fn shutdown(mut self) {
        self.shared.cancel.cancel();
        if let Some(task) = self.accept_task.take() {
            let _ = task.await;
        }
    }
}

/// Dropping without `shutdown` (e.g. a failing test) must still stop the listener so
/// ports and tasks do not leak into later tests.
impl Drop for LocalOmsServer {
    fn drop(&mut self) {
        self.shared.cancel.cancel();
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = shared.cancel.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    connections.spawn(serve_connection(stream, shared.clone()));
                }
                // Typically EMFILE under load: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let deadline = tokio::time::sleep(SHUTDOWN_GRACE + Duration::from_millis(500));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            next = connections.join_next() => if next.is_none() { break },
            _ = &mut deadline => {
                connections.abort_all();
                while connections.join_next().await.is_some() {}
                break;
            }
        }
    }
}

/// The connection's socket as handed to hyper. When the service decides to reset, it sets
/// `abort`; dropping the connection then sets `SO_LINGER 0` just before the close, so the
/// kernel sends RST instead of FIN without needing a second file descriptor.
struct AbortableStream {
    inner: TcpStream,
    abort: Arc<AtomicBool>,
}

impl Drop for AbortableStream {
    fn drop(&mut self) {
        if self.abort.load(Ordering::SeqCst) {
            let _ = self.inner.set_zero_linger();
        }
    }
}

impl tokio::io::AsyncRead for AbortableStream {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for AbortableStream {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    let abort = Arc::new(AtomicBool::new(false));
    let stream = AbortableStream { inner: stream, abort: abort.clone() };
    let Some(acceptor) = shared.tls.clone() else {
        return serve_http(stream, shared, abort).await;
    };
    // Bounded like header reads: a client that connects and never says hello must not
    // pin a connection task.
    let handshake = tokio::select! {
        r = tokio::time::timeout(HEADER_READ_TIMEOUT, acceptor.accept(stream)) => r,
        _ = shared.cancel.cancelled() => return,
    };
    match handshake {
        Ok(Ok(tls_stream)) => serve_http(tls_stream, shared, abort).await,
        // A client that distrusts our certificate just goes away; count it, never panic.
        Ok(Err(e)) => shared.handshake_failed(&e.to_string()),
        Err(_) => shared.handshake_failed("timed out"),
    }
}

/// Serves HTTP/1.1 on a plain or TLS stream. A [`Fault::ResetConnection`] sets `abort`,
/// and the [`AbortableStream`] at the bottom of either stack then closes the TCP socket
/// with linger 0: under TLS the client gets an RST without a `close_notify`, which is
/// what a crashed gateway looks like too.
async fn serve_http<S>(stream: S, shared: Arc<Shared>, abort: Arc<AtomicBool>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let reset = Arc::new(Notify::new());
    let service = {
        let shared = shared.clone();
        let reset = reset.clone();
        service_fn(move |req| {
            let shared = shared.clone();
            let reset = reset.clone();
            async move {
                match service::handle(shared, reset, req).await {
                    Some(response) => Ok::<_, Infallible>(response),
                    // The connection task drops this future when it resets the socket.
                    None => std::future::pending().await,
                }
            }
        })
    };
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(HEADER_READ_TIMEOUT).keep_alive(true);
    let mut conn = Box::pin(builder.serve_connection(TokioIo::new(stream), service));

    let must_reset = tokio::select! {
        _ = conn.as_mut() => false,
        _ = reset.notified() => true,
        _ = shared.cancel.cancelled() => {
            conn.as_mut().graceful_shutdown();
            tokio::select! {
                _ = conn.as_mut() => false,
                _ = reset.notified() => true,
                _ = tokio::time::sleep(SHUTDOWN_GRACE) => false,
            }
        }
    };
    if must_reset {
        abort.store(true, Ordering::SeqCst);
    }
    drop(conn);
}
