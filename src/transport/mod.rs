//! The plugin process as go-plugin's client expects it: launch checks,
//! handshake, AutoMTLS, the gRPC services, and a prompt exit on Shutdown.

pub(crate) mod coalesce;
pub mod handshake;
pub(crate) mod listener;
pub(crate) mod plugin_services;
pub mod tls;
#[cfg(unix)]
pub(crate) mod unix_stream;

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::Server;

use crate::framework::provider::Provider;
use crate::framework::server::ProviderServer;
use crate::logging;
use crate::protocol::plugin::{
    grpc_broker_server::GrpcBrokerServer, grpc_controller_server::GrpcControllerServer,
    grpc_stdio_server::GrpcStdioServer,
};
use crate::protocol::{tfplugin5, tfplugin6, v5, v6};
use coalesce::Coalesced;
use listener::{Acceptor, Access, Connection, Listener, OpenConnections};

/// terraform-plugin-go's limit; Terraform's own client allows larger.
pub const MAX_MESSAGE_BYTES: usize = 256 << 20;

/// How long a client gets to finish the TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// After Shutdown, how long the process waits for the client to hang up
/// before it leaves anyway (Terraform hangs up at once; a client that stays
/// connected gets its reply well within this).
const SHUTDOWN_LINGER: Duration = Duration::from_millis(100);

/// What a launch has made by the time Terraform reads the handshake line.
pub struct Launch {
    protocol: u32,
    listener: Listener,
    tls: Option<Arc<rustls::ServerConfig>>,
}

/// The first half of a launch, before any async runtime exists: ignore
/// interrupts, negotiate the protocol, listen, make the TLS identity, and
/// print the handshake line. Terraform waits for that line on every launch of
/// every provider in a run, so nothing it does not need happens before it; a
/// connection that arrives early waits in the socket's backlog.
pub fn announce() -> Result<Launch, String> {
    // Before anything else: a Ctrl-C that lands while we start must not kill us.
    ignore_interrupts();
    let protocol = handshake::negotiate(std::env::var("PLUGIN_PROTOCOL_VERSIONS").ok().as_deref());
    let client_cert = std::env::var("PLUGIN_CLIENT_CERT").ok().filter(|s| !s.trim().is_empty());
    // Terraform sends no certificate when TF_DISABLE_PLUGIN_TLS is set.
    let access = if client_cert.is_some() { Access::MutualTls } else { Access::Plaintext };
    let listener = Listener::bind(access).map_err(|e| e.to_string())?;

    let identity = match client_cert {
        Some(pem) => Some((tls::generate_server_identity()?, tls::parse_pem_certificate(&pem)?)),
        None => None,
    };
    let cert_der = identity.as_ref().map(|(id, _)| id.cert_der.as_ref());
    let address = listener.address();
    let line = handshake::line(protocol, listener.network(), &address, cert_der);
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}").and_then(|_| out.flush()).map_err(|e| format!("writing the handshake: {e}"))?;
    }
    // After the line: Terraform reads it, dials and builds its ClientHello meanwhile.
    let tls = match identity {
        Some((identity, pinned)) => Some(Arc::new(tls::server_config(&identity, pinned)?)),
        None => None,
    };
    logging::debug(
        "Plugin started",
        &[
            ("tf_proto_version", &protocol.to_string()),
            ("network", listener.network()),
            ("address", &address),
            ("tls", if tls.is_some() { "true" } else { "false" }),
        ],
    );
    Ok(Launch { protocol, listener, tls })
}

/// The second half of a launch, inside the runtime: serves the provider
/// until Terraform calls Shutdown, which exits the process. Returns only on a
/// setup error.
pub async fn serve(provider: Arc<dyn Provider>, launch: Launch) -> Result<(), String> {
    #[cfg(windows)]
    ignore_ctrl_c();
    let Launch { protocol, listener, tls } = launch;
    let socket_path = listener.socket_path();
    let acceptor = listener.start().map_err(|e| format!("listening: {e}"))?;
    let open = OpenConnections::new();
    let (shutdown_tx, mut shutdown_rx) = mpsc::channel::<()>(1);
    let open_at_shutdown = open.clone();
    tokio::spawn(async move {
        if shutdown_rx.recv().await.is_some() {
            // Leave once the client has the Shutdown reply, which it shows by hanging up
            // (Terraform waits for the process to exit; each launch pays this wait). Not a
            // graceful stop: long-lived stdio/broker streams would stall one.
            let _ = tokio::time::timeout(SHUTDOWN_LINGER, open_at_shutdown.all_closed()).await;
            if let Some(p) = socket_path {
                let _ = std::fs::remove_file(&p);
                if let Some(dir) = p.parent() {
                    let _ = std::fs::remove_dir(dir);
                }
            }
            std::process::exit(0);
        }
    });

    let incoming = accept_loop(acceptor, tls, open);
    router(provider, protocol, shutdown_tx)
        .await
        .serve_with_incoming(incoming)
        .await
        .map_err(|e| format!("gRPC server failed: {e}"))
}

/// Debug mode: plaintext on a unix socket, printing `TF_REATTACH_PROVIDERS`
/// for Terraform (in terraform-plugin-go's format) and running until Ctrl-C.
/// Useful to attach a debugger or watch logs while Terraform runs.
pub async fn serve_debug(provider: Arc<dyn Provider>, address: &str, protocol: u32) -> Result<(), String> {
    let listener = Listener::bind(Access::Plaintext).map_err(|e| e.to_string())?;
    let reattach = reattach_json(address, protocol, std::process::id(), listener.network(), &listener.address());
    println!(
        "Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment variable with the following:\n\n\
         \tTF_REATTACH_PROVIDERS='{reattach}'\n\n\
         Press Ctrl-C to stop."
    );
    let _ = std::io::stdout().flush();
    // In debug mode Terraform must not be able to stop us: Shutdown is ignored.
    let (shutdown_tx, mut shutdown_rx) = mpsc::channel::<()>(1);
    tokio::spawn(async move { while shutdown_rx.recv().await.is_some() {} });
    let incoming = accept_loop(listener.start().map_err(|e| format!("listening: {e}"))?, None, OpenConnections::new());
    let server = router(provider, protocol, shutdown_tx).await.serve_with_incoming(incoming);
    // Ctrl-C ends the session at once: a graceful stop would wait for
    // Terraform's idle connections (and its stdio stream) to close.
    tokio::select! {
        result = server => result.map_err(|e| format!("gRPC server failed: {e}")),
        _ = tokio::signal::ctrl_c() => {
            println!("Stopped.");
            Ok(())
        }
    }
}

/// The `TF_REATTACH_PROVIDERS` value a `--debug` run prints, so a developer can point
/// Terraform at a provider running under a debugger.
pub(crate) fn reattach_json(address: &str, protocol: u32, pid: u32, network: &str, addr: &str) -> String {
    serde_json::json!({
        address: {
            "Protocol": "grpc",
            "ProtocolVersion": protocol,
            "Pid": pid,
            // Required for protocol 6: without it Terraform treats the
            // provider as protocol 5 and crashes.
            "Test": true,
            "Addr": { "Network": network, "String": addr },
        }
    })
    .to_string()
}

async fn router(
    provider: Arc<dyn Provider>,
    protocol: u32,
    shutdown: mpsc::Sender<()>,
) -> tonic::transport::server::Router {
    let server = Arc::new(ProviderServer::new(provider));
    let (health, health_service) = tonic_health::server::health_reporter();
    health.set_service_status("plugin", tonic_health::ServingStatus::Serving).await;

    let v6 = (protocol == 6).then(|| {
        tfplugin6::provider_server::ProviderServer::new(v6::ProviderV6::new(server.clone()))
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES)
    });
    let v5 = (protocol == 5).then(|| {
        tfplugin5::provider_server::ProviderServer::new(v5::ProviderV5::new(server.clone()))
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES)
    });
    Server::builder()
        .add_service(health_service)
        .add_service(GrpcControllerServer::new(plugin_services::Controller { on_shutdown: shutdown }))
        .add_service(GrpcStdioServer::new(plugin_services::Stdio))
        .add_service(GrpcBrokerServer::new(plugin_services::Broker))
        .add_optional_service(v6)
        .add_optional_service(v5)
}

/// Accepts connections and, with TLS, completes each handshake in its own
/// task so a slow or hostile client cannot hold up the others.
fn accept_loop(
    listener: Acceptor,
    tls: Option<Arc<rustls::ServerConfig>>,
    open: OpenConnections,
) -> ReceiverStream<std::io::Result<Coalesced<Connection>>> {
    let (tx, rx) = mpsc::channel(16);
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    tokio::spawn(async move {
        loop {
            let stream = match listener.accept().await {
                Ok(s) => s,
                Err(e) => {
                    logging::warn("Accepting a connection failed", &[("error", &e.to_string())]);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            match &acceptor {
                None => {
                    if tx.send(Ok(Coalesced::new(Connection::Plain(stream, open.opened())))).await.is_err() {
                        return;
                    }
                }
                Some(acceptor) => {
                    let acceptor = acceptor.clone();
                    let tx = tx.clone();
                    let open = open.clone();
                    tokio::spawn(async move {
                        match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                            Ok(Ok(tls)) => {
                                let _ =
                                    tx.send(Ok(Coalesced::new(Connection::Tls(Box::new(tls), open.opened())))).await;
                            }
                            Ok(Err(e)) => logging::warn(
                                "Refused a connection: TLS handshake failed",
                                &[("error", &e.to_string())],
                            ),
                            Err(_) => logging::warn("Refused a connection: TLS handshake timed out", &[]),
                        }
                    });
                }
            }
        }
    });
    ReceiverStream::new(rx)
}

/// go-plugin servers ignore SIGINT: a Ctrl-C in the terminal reaches the
/// whole process group, and Terraform itself sends StopProvider and lets the
/// run finish. Dying here would turn into "Plugin did not respond". Ignoring
/// the signal outright (rather than handling it in the runtime) closes the
/// window before the runtime exists.
#[cfg(unix)]
fn ignore_interrupts() {
    // SAFETY: `signal` with `SIG_IGN` installs no handler code, only the
    // kernel's "discard" disposition, and runs before any other thread exists.
    let previous = unsafe { libc::signal(libc::SIGINT, libc::SIG_IGN) };
    if previous == libc::SIG_ERR {
        logging::warn("Could not ignore SIGINT", &[("error", &std::io::Error::last_os_error().to_string())]);
    }
}

/// Windows has no SIGINT; a console Ctrl-C handler that swallows the event
/// plays the same role once the runtime runs.
#[cfg(not(unix))]
fn ignore_interrupts() {}

#[cfg(windows)]
fn ignore_ctrl_c() {
    match tokio::signal::windows::ctrl_c() {
        Ok(mut sig) => {
            tokio::spawn(async move {
                while sig.recv().await.is_some() {
                    logging::debug("Ignoring Ctrl-C; Terraform sends StopProvider", &[]);
                }
            });
        }
        Err(e) => logging::warn("Could not install the Ctrl-C handler", &[("error", &e.to_string())]),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn reattach_json_has_the_fields_terraform_reads() {
        let j: serde_json::Value =
            serde_json::from_str(&super::reattach_json("terraform.local/local/oms", 6, 42, "unix", "/tmp/x/oms.sock"))
                .unwrap();
        let e = &j["terraform.local/local/oms"];
        assert_eq!(e["Protocol"], "grpc");
        assert_eq!(e["ProtocolVersion"], 6);
        assert_eq!(e["Pid"], 42);
        assert_eq!(e["Test"], true);
        assert_eq!(e["Addr"]["Network"], "unix");
        assert_eq!(e["Addr"]["String"], "/tmp/x/oms.sock");
    }
}
