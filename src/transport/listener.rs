//! Where the gRPC server listens. With mutual TLS on Linux: a socket in the
//! kernel's abstract namespace, which has no file to create or remove.
//! Otherwise a unix socket in a private temporary directory (go-plugin's
//! default off Windows), and TCP on 127.0.0.1 within
//! `PLUGIN_MIN_PORT..=PLUGIN_MAX_PORT` when a socket cannot be made, and
//! always on Windows, as go-plugin does there.

#[cfg(unix)]
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::watch;

#[cfg(unix)]
use super::unix_stream::QuietUnixStream;

/// What stands between a local process and the provider, which decides
/// where its socket may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Terraform's AutoMTLS: a connection must present Terraform's own
    /// certificate and prove it holds the key, so reaching the socket gives
    /// nothing by itself.
    MutualTls,
    /// No TLS (debug mode, `TF_DISABLE_PLUGIN_TLS`): the socket's file
    /// permissions are the only gate.
    Plaintext,
}

/// A bound, listening socket, made before the async runtime exists: the
/// handshake line only needs its address, and Terraform's connection waits in
/// the kernel's backlog until [`Listener::start`] accepts it. Binding without
/// the runtime keeps the runtime's start-up off the path Terraform waits on.
pub(crate) enum Listener {
    /// Linux's abstract namespace: `name` is announced as `@name`, which Go's
    /// `net` package dials as the same abstract address.
    #[cfg(target_os = "linux")]
    Abstract {
        listener: std::os::unix::net::UnixListener,
        name: String,
    },
    #[cfg(unix)]
    Unix {
        listener: std::os::unix::net::UnixListener,
        path: PathBuf,
        dir: tempfile::TempDir,
    },
    Tcp(std::net::TcpListener),
}

impl Listener {
    /// Binds a unix socket, falling back to TCP.
    ///
    /// With mutual TLS on Linux the socket is abstract, unless the client
    /// names a directory in `PLUGIN_UNIX_SOCKET_DIR` (go-plugin hosts do so
    /// when they need the file there, for instance across a container
    /// mount). A directory and a socket file cost ext4 two inodes and a
    /// block on every launch, and their removal another 0.2 ms on every exit;
    /// a provider killed by its host leaves them behind for good. Without TLS
    /// the private directory's permissions are what keep other users out, so
    /// it stays.
    #[cfg(unix)]
    pub(crate) fn bind(access: Access) -> std::io::Result<Listener> {
        let chosen_dir = std::env::var_os("PLUGIN_UNIX_SOCKET_DIR").filter(|d| !d.is_empty()).map(PathBuf::from);
        #[cfg(target_os = "linux")]
        if access == Access::MutualTls && chosen_dir.is_none() {
            match Self::bind_abstract() {
                Ok(l) => return Ok(l),
                Err(e) => crate::logging::debug("No abstract socket; using a directory", &[("error", &e.to_string())]),
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = access;
        match Self::bind_unix(chosen_dir.unwrap_or_else(std::env::temp_dir)) {
            Ok(l) => Ok(l),
            Err(unix_err) => Self::bind_tcp().map_err(|tcp_err| {
                std::io::Error::other(format!("cannot listen: unix socket: {unix_err}; tcp: {tcp_err}"))
            }),
        }
    }

    /// Binds TCP: go-plugin clients on Windows expect it.
    #[cfg(not(unix))]
    pub(crate) fn bind(_access: Access) -> std::io::Result<Listener> {
        Self::bind_tcp()
    }

    /// A name no other process can guess ahead of time and squat on.
    #[cfg(target_os = "linux")]
    fn bind_abstract() -> std::io::Result<Listener> {
        use std::os::linux::net::SocketAddrExt;
        let mut nonce = [0u8; 8];
        rand::TryRngCore::try_fill_bytes(&mut rand::rngs::OsRng, &mut nonce).map_err(std::io::Error::other)?;
        let name = format!("terraform-provider-oms.{}.{:016x}", std::process::id(), u64::from_le_bytes(nonce));
        let address = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
        let listener = std::os::unix::net::UnixListener::bind_addr(&address)?;
        Ok(Listener::Abstract { listener, name })
    }

    #[cfg(unix)]
    fn bind_unix(base: PathBuf) -> std::io::Result<Listener> {
        use std::os::unix::fs::PermissionsExt;
        // 0700 as go-plugin's: otherwise the umask decides, usually 0755.
        let dir = tempfile::Builder::new()
            .prefix("plugin")
            .permissions(std::fs::Permissions::from_mode(0o700))
            .tempdir_in(base)?;
        let path = dir.path().join("oms.sock");
        let listener = std::os::unix::net::UnixListener::bind(&path)?;
        Ok(Listener::Unix { listener, path, dir })
    }

    pub(crate) fn bind_tcp() -> std::io::Result<Listener> {
        let min = env_port("PLUGIN_MIN_PORT").unwrap_or(10000);
        let max = env_port("PLUGIN_MAX_PORT").unwrap_or(25000);
        if min > max {
            return Err(std::io::Error::other(format!("PLUGIN_MIN_PORT {min} is above PLUGIN_MAX_PORT {max}")));
        }
        for port in min..=max {
            if let Ok(l) = std::net::TcpListener::bind(("127.0.0.1", port)) {
                return Ok(Listener::Tcp(l));
            }
        }
        Err(std::io::Error::other(format!("no free TCP port in {min}..={max}")))
    }

    pub(crate) fn network(&self) -> &'static str {
        match self {
            #[cfg(target_os = "linux")]
            Listener::Abstract { .. } => "unix",
            #[cfg(unix)]
            Listener::Unix { .. } => "unix",
            Listener::Tcp(_) => "tcp",
        }
    }

    pub(crate) fn address(&self) -> String {
        match self {
            #[cfg(target_os = "linux")]
            Listener::Abstract { name, .. } => format!("@{name}"),
            #[cfg(unix)]
            Listener::Unix { path, .. } => path.display().to_string(),
            Listener::Tcp(l) => l.local_addr().map(|a| a.to_string()).unwrap_or_default(),
        }
    }

    /// The socket file, which the process removes on Shutdown (it exits
    /// without running destructors).
    pub(crate) fn socket_path(&self) -> Option<std::path::PathBuf> {
        match self {
            #[cfg(target_os = "linux")]
            Listener::Abstract { .. } => None,
            #[cfg(unix)]
            Listener::Unix { path, .. } => Some(path.clone()),
            Listener::Tcp(_) => None,
        }
    }

    /// Hands the socket to the runtime. Must run inside it.
    pub(crate) fn start(self) -> std::io::Result<Acceptor> {
        match self {
            #[cfg(target_os = "linux")]
            Listener::Abstract { listener, .. } => {
                listener.set_nonblocking(true)?;
                Ok(Acceptor::Unix { listener: tokio::net::UnixListener::from_std(listener)?, _dir: None })
            }
            #[cfg(unix)]
            Listener::Unix { listener, dir, .. } => {
                listener.set_nonblocking(true)?;
                Ok(Acceptor::Unix { listener: tokio::net::UnixListener::from_std(listener)?, _dir: Some(dir) })
            }
            Listener::Tcp(l) => {
                l.set_nonblocking(true)?;
                Ok(Acceptor::Tcp(tokio::net::TcpListener::from_std(l)?))
            }
        }
    }
}

/// The listening socket inside the runtime.
pub(crate) enum Acceptor {
    #[cfg(unix)]
    Unix {
        listener: tokio::net::UnixListener,
        /// Removed with the acceptor, so a provider that stops normally leaves nothing behind.
        _dir: Option<tempfile::TempDir>,
    },
    Tcp(tokio::net::TcpListener),
}

impl Acceptor {
    pub(crate) async fn accept(&self) -> std::io::Result<Stream> {
        match self {
            #[cfg(unix)]
            Acceptor::Unix { listener, .. } => {
                let (s, _) = listener.accept().await?;
                Ok(Stream::Unix(QuietUnixStream::new(s)?))
            }
            Acceptor::Tcp(l) => {
                let (s, _) = l.accept().await?;
                let _ = s.set_nodelay(true);
                Ok(Stream::Tcp(s))
            }
        }
    }
}

fn env_port(key: &str) -> Option<u16> {
    std::env::var(key).ok()?.trim().parse().ok()
}

/// A raw accepted connection.
pub(crate) enum Stream {
    #[cfg(unix)]
    Unix(QuietUnixStream),
    Tcp(tokio::net::TcpStream),
}

/// What gRPC runs over: raw (debug mode, TLS disabled) or wrapped in TLS,
/// counted in [`OpenConnections`] until the gRPC server drops it.
/// The guard is only held, for its `Drop`.
pub(crate) enum Connection {
    Plain(Stream, #[allow(dead_code)] OpenGuard),
    Tls(Box<tokio_rustls::server::TlsStream<Stream>>, #[allow(dead_code)] OpenGuard),
}

impl tonic::transport::server::Connected for Connection {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

/// How many client connections are open. Terraform hangs up as soon as it
/// has the reply to Shutdown, so the process can leave at that moment
/// instead of after a fixed pause that every launch would pay.
#[derive(Clone)]
pub(crate) struct OpenConnections(Arc<watch::Sender<usize>>);

impl OpenConnections {
    pub(crate) fn new() -> OpenConnections {
        OpenConnections(Arc::new(watch::channel(0).0))
    }

    /// Counts a new connection until the returned guard is dropped.
    pub(crate) fn opened(&self) -> OpenGuard {
        self.0.send_modify(|n| *n += 1);
        OpenGuard(self.0.clone())
    }

    /// Resolves once no connection is open.
    pub(crate) async fn all_closed(&self) {
        let _ = self.0.subscribe().wait_for(|n| *n == 0).await;
    }
}

/// One open connection, for as long as it lives.
pub(crate) struct OpenGuard(Arc<watch::Sender<usize>>);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

macro_rules! delegate_io {
    ($ty:ty, $($(#[$attr:meta])* $variant:ident),+) => {
        impl AsyncRead for $ty {
            fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
                match self.get_mut() { $( $(#[$attr])* Self::$variant(s, ..) => Pin::new(s).poll_read(cx, buf), )+ }
            }
        }
        impl AsyncWrite for $ty {
            fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
                match self.get_mut() { $( $(#[$attr])* Self::$variant(s, ..) => Pin::new(s).poll_write(cx, buf), )+ }
            }
            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
                match self.get_mut() { $( $(#[$attr])* Self::$variant(s, ..) => Pin::new(s).poll_flush(cx), )+ }
            }
            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
                match self.get_mut() { $( $(#[$attr])* Self::$variant(s, ..) => Pin::new(s).poll_shutdown(cx), )+ }
            }
            fn poll_write_vectored(self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[std::io::IoSlice<'_>]) -> Poll<std::io::Result<usize>> {
                match self.get_mut() { $( $(#[$attr])* Self::$variant(s, ..) => Pin::new(s).poll_write_vectored(cx, bufs), )+ }
            }
            fn is_write_vectored(&self) -> bool {
                match self { $( $(#[$attr])* Self::$variant(s, ..) => s.is_write_vectored(), )+ }
            }
        }
    };
}

delegate_io!(
    Stream,
    #[cfg(unix)]
    Unix,
    Tcp
);
delegate_io!(Connection, Plain, Tls);
