//! Launches the built provider binary exactly as Terraform (go-plugin) does,
//! and connects to it over the same mutual TLS, for the gRPC harness tests.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use std::collections::BTreeMap;
use terraform_provider_oms::crypto::verifier::{CertPolicy, PolicyVerifier};
use terraform_provider_oms::framework::schema::Block;
use terraform_provider_oms::framework::value::Value;
use terraform_provider_oms::protocol::{cty_msgpack, tfplugin6};
use tonic::transport::{Channel, Endpoint, Uri};

use super::secrets;

pub(crate) const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// A client identity like go-plugin's: ECDSA P-521, self-signed, cA=true.
pub(crate) struct ClientIdentity {
    pub pem: String,
    pub der: CertificateDer<'static>,
    pub key: PrivatePkcs8KeyDer<'static>,
}

pub(crate) fn client_identity() -> ClientIdentity {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).expect("P-521 key");
    let params = terraform_provider_oms::transport::tls::go_plugin_certificate_params().expect("certificate params");
    let cert = params.self_signed(&key).unwrap();
    ClientIdentity { pem: cert.pem(), der: cert.der().clone(), key: PrivatePkcs8KeyDer::from(key.serialize_der()) }
}

pub(crate) struct Plugin {
    pub child: Child,
    pub handshake: String,
    pub protocol: u32,
    pub network: String,
    pub address: String,
    pub server_cert: Option<Vec<u8>>,
    pub stderr: Arc<Mutex<String>>,
    stdout_rest: Arc<Mutex<String>>,
    /// The provider's `TMPDIR`, where it makes a socket directory when it
    /// does not use an abstract socket (no TLS, or not Linux). Most tests end
    /// the provider with SIGKILL, which leaves that directory behind; here it
    /// goes with the test instead of piling up in the user's temporary
    /// directory.
    pub socket_base: tempfile::TempDir,
}

pub(crate) fn binary() -> PathBuf {
    super::provider_binary()
}

/// Starts the binary with Terraform's environment plus `extra`, and reads
/// the handshake line.
pub(crate) fn launch(client: Option<&ClientIdentity>, extra: &[(&str, &str)]) -> Plugin {
    let socket_base = tempfile::Builder::new().prefix("oms-harness").tempdir().expect("socket base directory");
    let mut cmd = Command::new(binary());
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("PLUGIN_MIN_PORT", "10000")
        .env("PLUGIN_MAX_PORT", "25000")
        .env("TF_LOG_PROVIDER", "debug")
        // Terraform sets no PLUGIN_UNIX_SOCKET_DIR; tests that want one pass it in `extra`.
        .env("TMPDIR", socket_base.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(c) = client {
        cmd.env("PLUGIN_CLIENT_CERT", &c.pem);
    }
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn provider");
    let stderr = Arc::new(Mutex::new(String::new()));
    {
        let pipe = BufReader::new(child.stderr.take().unwrap());
        let sink = stderr.clone();
        std::thread::spawn(move || {
            for line in pipe.lines().map_while(Result::ok) {
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
    }
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).expect("handshake line");
    let stdout_rest = Arc::new(Mutex::new(String::new()));
    {
        let sink = stdout_rest.clone();
        std::thread::spawn(move || {
            let mut buf = String::new();
            let _ = reader.read_to_string(&mut buf);
            sink.lock().unwrap().push_str(&buf);
        });
    }
    let handshake = line.trim_end_matches('\n').to_string();
    let parts: Vec<&str> = handshake.split('|').collect();
    assert_eq!(parts.len(), 6, "handshake must have exactly 6 fields: {handshake:?}");
    assert_eq!(parts[0], "1");
    assert_eq!(parts[4], "grpc");
    let server_cert = if parts[5].is_empty() {
        None
    } else {
        assert!(!parts[5].contains('='), "certificate must be unpadded base64");
        Some(base64::engine::general_purpose::STANDARD_NO_PAD.decode(parts[5]).expect("base64 certificate"))
    };
    Plugin {
        protocol: parts[1].parse().unwrap(),
        network: parts[2].to_string(),
        address: parts[3].to_string(),
        server_cert,
        handshake,
        child,
        stderr,
        stdout_rest,
        socket_base,
    }
}

/// Dials a unix socket address from a handshake line as Go's `net` package
/// does: a leading `@` names Linux's abstract namespace.
pub(crate) fn connect_unix(address: &str) -> std::io::Result<tokio::net::UnixStream> {
    let stream = match address.strip_prefix('@') {
        #[cfg(target_os = "linux")]
        Some(name) => {
            use std::os::linux::net::SocketAddrExt;
            let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
            std::os::unix::net::UnixStream::connect_addr(&addr)?
        }
        _ => std::os::unix::net::UnixStream::connect(address)?,
    };
    stream.set_nonblocking(true)?;
    tokio::net::UnixStream::from_std(stream)
}

impl Plugin {
    /// Connects as Terraform does: TLS with SNI `localhost`, the server
    /// certificate pinned from the handshake, and `client` as our identity.
    pub(crate) async fn connect(&self, client: Option<&ClientIdentity>) -> Result<Channel, tonic::transport::Error> {
        // aws-lc-rs: the only rustls back-end that can sign with the P-521 client key.
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls = self.server_cert.as_ref().map(|cert| {
            let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
                .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
                .unwrap()
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(PolicyVerifier::new(
                    CertPolicy::Pinned(CertificateDer::from(cert.clone())),
                    &provider,
                )));
            let mut config = match client {
                Some(c) => builder
                    .with_client_auth_cert(vec![c.der.clone()], PrivateKeyDer::Pkcs8(c.key.clone_key()))
                    .expect("client cert"),
                None => builder.with_no_client_auth(),
            };
            config.alpn_protocols = vec![b"h2".to_vec()];
            tokio_rustls::TlsConnector::from(Arc::new(config))
        });
        let network = self.network.clone();
        let address = self.address.clone();
        Endpoint::try_from("http://localhost")?
            .connect_timeout(Duration::from_secs(5))
            .connect_with_connector(tower::service_fn(move |_: Uri| {
                let (network, address, tls) = (network.clone(), address.clone(), tls.clone());
                async move {
                    let io: Box<dyn IoStream> = if network == "unix" {
                        Box::new(connect_unix(&address)?)
                    } else {
                        Box::new(tokio::net::TcpStream::connect(&address).await?)
                    };
                    let io: Box<dyn IoStream> = match tls {
                        Some(tls) => {
                            Box::new(tls.connect(ServerName::try_from("localhost").unwrap().to_owned(), io).await?)
                        }
                        None => io,
                    };
                    Ok::<_, std::io::Error>(TokioIo::new(io))
                }
            }))
            .await
    }

    /// Waits for the process to exit; returns how long that took.
    pub(crate) fn wait_exit(&mut self, limit: Duration) -> Option<Duration> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if self.child.try_wait().ok().flatten().is_some() {
                return Some(start.elapsed());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        None
    }

    /// Waits until stderr contains `needle` (logs arrive asynchronously).
    pub(crate) fn wait_stderr(&self, needle: &str, limit: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            if self.stderr_text().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    pub(crate) fn stderr_text(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    pub(crate) fn stdout_after_handshake(&self) -> String {
        self.stdout_rest.lock().unwrap().clone()
    }
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Every harness test's provider output, checked once at the end.
        if !std::thread::panicking() {
            secrets::assert_no_secrets(&self.stderr_text(), "provider stderr");
            secrets::assert_no_secrets(&self.stdout_after_handshake(), "provider stdout");
        }
    }
}

pub(crate) trait IoStream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin> IoStream for T {}

/// A configuration object for `block` with every attribute and nested block
/// null except those in `set`, the shape Terraform sends for a sparse config.
pub(crate) fn object_for(block: &Block, set: &[(&str, Value)]) -> Value {
    let mut m: BTreeMap<String, Value> = block.attributes.iter().map(|a| (a.name.clone(), Value::Null)).collect();
    for b in &block.blocks {
        m.insert(b.type_name.clone(), Value::Null);
    }
    for (k, v) in set {
        m.insert(k.to_string(), v.clone());
    }
    Value::Object(m)
}

/// `v` as the msgpack DynamicValue Terraform would send for `block`.
pub(crate) fn dynamic(v: &Value, block: &Block) -> tfplugin6::DynamicValue {
    tfplugin6::DynamicValue { msgpack: cty_msgpack::encode(v, &block.implied_type()).unwrap(), json: vec![] }
}
