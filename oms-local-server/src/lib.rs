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
//! It publishes three read APIs of OMS v2 ([`routing::Api`]), each behind the same gateway
//! checks: `ShowSyncTask`, `ListSyncTasks` (pages over the tasks in insertion order,
//! optionally filtered by status; [`LocalOmsServer::set_overstated_count`] makes it claim
//! more tasks than it has) and `ListSyncTaskStatistic` (deterministic numbers, see
//! [`statistics`]). [`ServerConfig::with_generated_tasks`] adds enough tasks for several
//! pages, and a fault can be scoped to one API and query ([`FaultScope`]), e.g. one page.
//!
//! Error choices (the real service's exact codes for these cases are not documented):
//! * unknown route or non-GET → 404 `APIGW.0101`;
//! * auth failures → 401 `APIGW.0301`, date problems → 401 `APIGW.0303`;
//! * project in the path (or `X-Project-Id`) not the configured one → 403 `OMS.0002`;
//! * a missing or invalid query parameter (`query_time`; `limit` outside 1–100, a
//!   negative `offset`, a `status` other than `SYNCHRONIZING`/`STOPPED`; a missing
//!   `data_type`/`start_time`/`end_time`, an unknown data type, `end_time` not after
//!   `start_time` or more than 31 days after it) → 400 `OMS.0003`;
//! * unknown task (show or statistics) → 404 `OMS.0054` "Invalid task ID. Enter a valid task ID.".
//!
//! A task is served as `serde_json::to_vec` of the JSON it was stored with, computed once
//! at insertion, so every response for it is byte-identical and int64 values and non-ASCII
//! text pass through unchanged. Its list entry is the `SyncTaskInfo` subset of that JSON.

mod body;
mod connection;
pub mod faults;
mod queries;
pub mod routing;
pub mod samples;
mod service;
pub mod signing;
pub mod statistics;
pub mod store;
mod tls;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

pub use faults::{Fault, FaultScope};
pub use routing::Api;
pub use samples::{
    generated_task_id, generated_tasks, sample_tasks, seed_task, INT64_TASK_ID, NULLS_TASK_ID, SEED_TASK_ID,
    SEED_TASK_JSON, TENCENT_TASK_ID, UNICODE_TASK_ID,
};

/// Demo credentials for the `oms-local-server` binary and examples. They only ever
/// authenticate against this local server. The project id is the one used by the
/// reference signing vectors, so hand-checked signatures line up.
pub const DEMO_PROJECT_ID: &str = "0123456789abcdef0123456789abcdef";
/// Demo access key; public on purpose, it opens nothing but this local server.
pub const DEMO_ACCESS_KEY: &str = "OMSLOCALDEMOACCESSKEY";
/// Demo secret key; public on purpose, it opens nothing but this local server.
pub const DEMO_SECRET_KEY: &str = "oms-local-demo-secret-key-not-a-real-secret";

/// Everything fixed at start; plain fields so a test can tweak one case from a preset.
#[derive(Clone)]
pub struct ServerConfig {
    /// The only project requests may name; others get 403 as on the real service.
    pub project_id: String,
    /// The AK a signature must name, so wrong-credential handling can be tested.
    pub access_key: String,
    /// The SK signatures are recomputed with; never printed (see the `Debug` impl).
    pub secret_key: String,
    /// When set, AK/SK requests must carry this `X-Security-Token` and sign it, as with
    /// temporary credentials; when unset, a request carrying one is refused.
    pub security_token: Option<String>,
    /// Accepted `X-Auth-Token` value; token auth is disabled when `None`.
    pub auth_token: Option<String>,
    /// Raw task bodies, keyed by their `"sync_task_id"` string; others are ignored. The
    /// list API serves them in this order (a repeated id keeps its first position).
    pub tasks: Vec<serde_json::Value>,
    /// How far `X-Sdk-Date` may drift; narrow it to test clock-skew handling quickly.
    pub clock_skew_limit: Duration,
    /// Serve HTTPS with a certificate from a CA minted at start (see
    /// [`LocalOmsServer::ca_pem`]), so clients' CA-bundle and `insecure` handling meet a
    /// real handshake.
    pub tls: bool,
    /// How many tasks the list API's `count` claims beyond those that match, as a
    /// service with an inconsistent index would (a client must not page forever).
    pub overstated_count: u64,
}

impl ServerConfig {
    /// The usual starting point: the sample tasks, AK/SK auth only, plain HTTP.
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
            overstated_count: 0,
        }
    }

    /// Appends [`generated_tasks`]`(count)` to the tasks, so the list API has pages to serve.
    pub fn with_generated_tasks(mut self, count: usize) -> Self {
        self.tasks.extend(generated_tasks(count));
        self
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
            .field("overstated_count", &self.overstated_count)
            .finish()
    }
}

/// One request as the server saw it. `status` is 0 when no response was sent
/// (a [`Fault::ResetConnection`], or a request still being handled).
#[derive(Clone)]
pub struct RecordedRequest {
    /// As received, so tests can see a client sending something other than GET.
    pub method: String,
    /// Undecoded, so tests can check how a client escapes ids.
    pub raw_path: String,
    /// Undecoded, so tests can check encoding and parameter order.
    pub raw_query: Option<String>,
    /// The API the request was routed to; `None` when it matched none (answered 404).
    pub api: Option<Api>,
    /// Names lowercased, values as received (invalid UTF-8 replaced).
    pub headers: Vec<(String, String)>,
    /// The status answered, so a test can tell which request a fault hit.
    pub status: u16,
    /// For checking a client's retry spacing and backoff.
    pub received_at: Instant,
}

impl RecordedRequest {
    /// First value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The query parameters, percent-decoded, in the order received.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        signing::parse_query(self.raw_query.as_deref())
    }

    /// The first value of a query parameter, percent-decoded.
    pub fn query(&self, name: &str) -> Option<String> {
        self.query_pairs().into_iter().find(|(n, _)| n == name).map(|(_, v)| v)
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
            .field("api", &self.api)
            .field("headers", &headers)
            .field("status", &self.status)
            .field("received_at", &self.received_at)
            .finish()
    }
}

/// State shared by the accept loop and every connection.
pub(crate) struct Shared {
    config: ServerConfig,
    tasks: RwLock<store::TaskStore>,
    overstated_count: AtomicU64,
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
        self.tasks.write().unwrap_or_else(|e| e.into_inner()).insert(task);
    }

    fn tasks(&self) -> RwLockReadGuard<'_, store::TaskStore> {
        self.tasks.read().unwrap_or_else(|e| e.into_inner())
    }

    fn overstated_count(&self) -> u64 {
        self.overstated_count.load(Ordering::Relaxed)
    }

    fn next_fault(&self, target: &faults::FaultTarget<'_>) -> Option<Fault> {
        lock(&self.faults).next_fault(target)
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

/// A running server; dropping it stops the listener.
pub struct LocalOmsServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    ca_pem: Option<String>,
    accept_task: Option<JoinHandle<()>>,
}

impl LocalOmsServer {
    /// Listens on an ephemeral loopback port, so parallel tests never collide.
    pub async fn start(config: ServerConfig) -> std::io::Result<Self> {
        Self::start_on(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// For the binary and demos that need a fixed address.
    pub async fn start_on(config: ServerConfig, addr: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let tasks = config.tasks.clone();
        let server_tls = if config.tls { Some(tls::generate()?) } else { None };
        let ca_pem = server_tls.as_ref().map(|t| t.ca_pem.clone());
        let overstated_count = AtomicU64::new(config.overstated_count);
        let shared = Arc::new(Shared {
            config,
            tasks: RwLock::new(store::TaskStore::default()),
            overstated_count,
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
        let accept_task = tokio::spawn(connection::accept_loop(listener, shared.clone()));
        Ok(LocalOmsServer { addr, shared, ca_pem, accept_task: Some(accept_task) })
    }

    /// The base URL a client is pointed at, with the right scheme for [`ServerConfig::tls`].
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

    /// The bound address, useful when the port was chosen by the OS.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Queues a fault for the next authenticated requests to any API.
    pub fn inject(&self, fault: Fault) {
        lock(&self.shared.faults).push(fault);
    }

    /// Queues a fault for the next authenticated requests within `scope` only, e.g.
    /// `FaultScope::api(Api::ListSyncTasks).with_query("offset", "100")` for one page.
    /// Requests outside the scope pass it by (and take the faults queued behind it).
    pub fn inject_scoped(&self, scope: FaultScope, fault: Fault) {
        lock(&self.shared.faults).push_scoped(scope, fault);
    }

    /// Drops unused faults so a later step of a test starts clean.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// A snapshot of every request so far, for asserting on what a client sent.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// Cheaper than [`LocalOmsServer::requests`] when only retries need counting.
    pub fn request_count(&self) -> usize {
        lock(&self.shared.requests).len()
    }

    /// The requests routed to `api`, in arrival order.
    pub fn requests_for(&self, api: Api) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).iter().filter(|r| r.api == Some(api)).cloned().collect()
    }

    /// Adds a task (at the end of the list order), or replaces the one with its id in place.
    pub fn insert_task(&self, task: serde_json::Value) {
        self.shared.insert_task(&task);
    }

    /// How many tasks the server holds.
    pub fn task_count(&self) -> usize {
        self.shared.tasks().len()
    }

    /// Makes the list API's `count` claim `extra` more tasks than match (0 restores the
    /// truth), as [`ServerConfig::overstated_count`] does from the start.
    pub fn set_overstated_count(&self, extra: u64) {
        self.shared.overstated_count.store(extra, Ordering::Relaxed);
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
