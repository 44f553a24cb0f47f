//! The local OMS-compatible server for end-to-end tests, on a Tokio runtime
//! of its own, and helpers for its HTTPS mode shared with the async tests.
//!
//! Terraform runs are blocking `std::process` calls on the test thread, so the
//! server cannot live on that thread's runtime. [`OmsServer`] owns a
//! multi-threaded runtime whose worker keeps serving while the test blocks;
//! tests stay plain `#[test]` functions. Dropping it (also when a test
//! panics) stops the listener and the runtime.

use std::ops::Deref;
use std::time::Duration;

use oms_local_server::{
    LocalOmsServer, RecordedRequest, ServerConfig, DEMO_ACCESS_KEY, DEMO_PROJECT_ID, DEMO_SECRET_KEY,
};

pub(crate) struct OmsServer {
    // Declared before the runtime: the server's Drop cancels its tasks, then
    // the runtime shuts down.
    server: Option<LocalOmsServer>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl OmsServer {
    /// Starts a server with `config` on 127.0.0.1 (a free port).
    pub(crate) fn start(config: ServerConfig) -> OmsServer {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("local-oms")
            .enable_all()
            .build()
            .expect("building the local OMS server's runtime");
        let server = runtime.block_on(LocalOmsServer::start(config)).expect("starting the local OMS server");
        OmsServer { server: Some(server), runtime: Some(runtime) }
    }

    /// The sample tasks with the demo project and AK/SK.
    pub(crate) fn demo() -> OmsServer {
        OmsServer::start(demo_config())
    }

    /// Like [`demo`](Self::demo) over HTTPS, with a CA minted for this server only.
    pub(crate) fn demo_tls() -> OmsServer {
        OmsServer::start(ServerConfig { tls: true, ..demo_config() })
    }

    /// [`handshake_failures_reaching`] for a test that blocks its own thread.
    pub(crate) fn wait_for_handshake_failures(&self, want: usize) -> usize {
        let runtime = self.runtime.as_ref().expect("the server is running");
        runtime.block_on(handshake_failures_reaching(self.server(), want))
    }

    fn server(&self) -> &LocalOmsServer {
        self.server.as_ref().expect("the server is running")
    }

    /// Statuses of every request so far, in arrival order.
    pub(crate) fn statuses(&self) -> Vec<u16> {
        self.server().requests().iter().map(|r| r.status).collect()
    }

    /// The `query_time` of a recorded request, parsed.
    pub(crate) fn query_time_of(request: &RecordedRequest) -> Option<i64> {
        request.raw_query.as_deref()?.split('&').find_map(|kv| kv.strip_prefix("query_time="))?.parse().ok()
    }
}

/// The sample tasks with the demo project and AK/SK, to adjust before starting.
pub(crate) fn demo_config() -> ServerConfig {
    ServerConfig::with_sample_tasks(DEMO_PROJECT_ID, DEMO_ACCESS_KEY, DEMO_SECRET_KEY)
}

impl Deref for OmsServer {
    type Target = LocalOmsServer;

    fn deref(&self) -> &LocalOmsServer {
        self.server()
    }
}

impl Drop for OmsServer {
    fn drop(&mut self) {
        drop(self.server.take()); // cancels the accept loop and every connection
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(Duration::from_secs(2));
        }
    }
}

/// Waits (up to 5 s) until `server` has counted `want` failed TLS handshakes, and
/// returns the count. The server counts one only after reading the client's alert,
/// which may trail the client's own error or exit.
pub(crate) async fn handshake_failures_reaching(server: &LocalOmsServer, want: usize) -> usize {
    let until = tokio::time::Instant::now() + Duration::from_secs(5);
    while server.tls_handshake_failures() < want && tokio::time::Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.tls_handshake_failures()
}

/// The server's CA in a temporary file, as a provider's `cacert_file` names it.
pub(crate) fn ca_file(server: &LocalOmsServer) -> tempfile::NamedTempFile {
    let pem = server.ca_pem().expect("a TLS server has a CA");
    let mut file = tempfile::NamedTempFile::new().expect("temporary file");
    std::io::Write::write_all(&mut file, pem.as_bytes()).expect("writing the CA");
    file
}
