//! Connections: the accept loop, TLS, HTTP/1.1 through hyper, and the reset that a
//! [`Fault::ResetConnection`] asks for; everything below the per-request behaviour of
//! [`crate::service`].

use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinSet;

#[cfg(doc)]
use crate::Fault;
use crate::{service, Shared};

/// How long in-flight connections get to finish once shutdown starts before they are cut.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);
/// Bounds slow-loris style clients so they cannot pin connection tasks forever.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
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
