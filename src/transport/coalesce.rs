//! One write per response instead of two.
//!
//! hyper's HTTP/2 server sends a unary gRPC answer in two flushes: the
//! connection task writes HEADERS and DATA as soon as the stream has flow-control
//! capacity, and only after the stream task has run again does it have the
//! trailers (`grpc-status`) to write. Terraform cannot use the answer before the
//! trailers, so it woke twice per call, and we paid a second system call and
//! TLS record for ten bytes. Under `strace`, every ReadDataSource answer was a
//! 698-byte `writev` followed by a 32-byte one.
//!
//! [`Coalesced`] holds written bytes until a flush, and lets the first flush of
//! a batch yield to the scheduler once before it writes: the tasks already
//! woken (here, the stream task that queues the trailers) run first and their
//! frames join the same write. The cost is one extra poll of the connection
//! task per flush, no timer and no added system call.

use std::io::IoSlice;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Above this many held bytes, a write first sends what is held, so a peer
/// that reads slowly still pushes back on the gRPC server.
const HIGH_WATER: usize = 256 * 1024;

/// The buffer capacity kept between batches: room for an ordinary answer (a
/// one-task ReadDataSource is under 1 KiB), so the usual call allocates nothing
/// here, while a rare large answer (the schema, a long task list) does not pin
/// its size for the connection's life.
const KEPT_CAPACITY: usize = 16 * 1024;

/// An I/O stream whose writes are gathered until a flush (see the module docs).
pub(crate) struct Coalesced<S> {
    inner: S,
    held: Vec<u8>,
    /// How much of `held` the inner stream has taken.
    sent: usize,
    /// The current flush has already yielded once.
    yielded: bool,
}

impl<S> Coalesced<S> {
    pub(crate) fn new(inner: S) -> Self {
        Coalesced { inner, held: Vec::new(), sent: 0, yielded: false }
    }
}

impl<S: tonic::transport::server::Connected> tonic::transport::server::Connected for Coalesced<S> {
    type ConnectInfo = S::ConnectInfo;
    fn connect_info(&self) -> Self::ConnectInfo {
        self.inner.connect_info()
    }
}

impl<S: AsyncWrite + Unpin> Coalesced<S> {
    /// Writes out everything held.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        while self.sent < self.held.len() {
            match Pin::new(&mut self.inner).poll_write(cx, &self.held[self.sent..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => self.sent += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        self.held.clear();
        self.held.shrink_to(KEPT_CAPACITY);
        self.sent = 0;
        Poll::Ready(Ok(()))
    }

    /// Makes room under [`HIGH_WATER`] before more bytes are taken.
    fn poll_room(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        if self.held.len() >= HIGH_WATER {
            return self.poll_drain(cx);
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Coalesced<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Coalesced<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let me = self.get_mut();
        std::task::ready!(me.poll_room(cx))?;
        me.held.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let me = self.get_mut();
        std::task::ready!(me.poll_room(cx))?;
        let mut n = 0;
        for b in bufs {
            me.held.extend_from_slice(b);
            n += b.len();
        }
        Poll::Ready(Ok(n))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let me = self.get_mut();
        if me.held.is_empty() {
            me.yielded = false;
            return Pin::new(&mut me.inner).poll_flush(cx);
        }
        if !me.yielded {
            // Let the tasks that are already runnable add their frames first.
            me.yielded = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        std::task::ready!(me.poll_drain(cx))?;
        me.yielded = false;
        Pin::new(&mut me.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let me = self.get_mut();
        std::task::ready!(me.poll_drain(cx))?;
        Pin::new(&mut me.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// Records each write it is given; can refuse writes to simulate a full socket.
    #[derive(Clone, Default)]
    struct Recorder {
        writes: Arc<Mutex<Vec<Vec<u8>>>>,
        full: Arc<Mutex<bool>>,
        flushes: Arc<Mutex<usize>>,
    }

    impl AsyncRead for Recorder {
        fn poll_read(self: Pin<&mut Self>, _: &mut Context<'_>, _: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    impl AsyncWrite for Recorder {
        fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
            if *self.full.lock().unwrap() {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            // Takes at most 1000 bytes at a time, like a socket with little room.
            let n = buf.len().min(1000);
            self.writes.lock().unwrap().push(buf[..n].to_vec());
            Poll::Ready(Ok(n))
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            *self.flushes.lock().unwrap() += 1;
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    fn poll_flush_once(io: &mut Coalesced<Recorder>) -> Poll<std::io::Result<()>> {
        let waker = futures::task::noop_waker();
        Pin::new(io).poll_flush(&mut Context::from_waker(&waker))
    }

    fn write_now(io: &mut Coalesced<Recorder>, bytes: &[u8]) {
        let waker = futures::task::noop_waker();
        match Pin::new(io).poll_write(&mut Context::from_waker(&waker), bytes) {
            Poll::Ready(Ok(n)) => assert_eq!(n, bytes.len()),
            other => panic!("write did not complete: {other:?}"),
        }
    }

    #[test]
    fn frames_written_before_the_deferred_flush_leave_in_one_write() {
        let rec = Recorder::default();
        let mut io = Coalesced::new(rec.clone());
        write_now(&mut io, b"headers+data");
        assert!(poll_flush_once(&mut io).is_pending(), "the first flush of a batch yields once");
        assert!(rec.writes.lock().unwrap().is_empty());
        write_now(&mut io, b"+trailers");
        assert!(poll_flush_once(&mut io).is_ready());
        assert_eq!(*rec.writes.lock().unwrap(), vec![b"headers+data+trailers".to_vec()]);
        assert_eq!(*rec.flushes.lock().unwrap(), 1);
        // The next batch yields again; an empty flush passes straight through.
        assert!(poll_flush_once(&mut io).is_ready());
        write_now(&mut io, b"next");
        assert!(poll_flush_once(&mut io).is_pending());
        assert!(poll_flush_once(&mut io).is_ready());
        assert_eq!(rec.writes.lock().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn everything_arrives_in_order_through_partial_writes() {
        use tokio::io::AsyncWriteExt;
        let rec = Recorder::default();
        let mut io = Coalesced::new(rec.clone());
        let mut expected = Vec::new();
        for i in 0..600u32 {
            let chunk: Vec<u8> = (0..997u32).map(|j| (i * 31 + j) as u8).collect();
            io.write_all(&chunk).await.unwrap();
            expected.extend_from_slice(&chunk);
            if i % 97 == 0 {
                io.flush().await.unwrap();
            }
        }
        io.flush().await.unwrap();
        assert_eq!(rec.writes.lock().unwrap().concat(), expected);
        io.write_all(b"last").await.unwrap();
        io.shutdown().await.unwrap();
        expected.extend_from_slice(b"last");
        assert_eq!(rec.writes.lock().unwrap().concat(), expected, "shutdown sends what is held");
    }

    #[test]
    fn a_large_answer_does_not_keep_its_buffer_but_a_small_one_does() {
        let rec = Recorder::default();
        let mut io = Coalesced::new(rec.clone());
        write_now(&mut io, &vec![1u8; 200 * 1024]);
        assert!(poll_flush_once(&mut io).is_pending());
        assert!(poll_flush_once(&mut io).is_ready());
        assert!(io.held.capacity() <= KEPT_CAPACITY, "kept {} bytes of capacity", io.held.capacity());
        write_now(&mut io, &[2u8; 700]);
        let kept = io.held.as_ptr();
        assert!(poll_flush_once(&mut io).is_pending());
        assert!(poll_flush_once(&mut io).is_ready());
        write_now(&mut io, &[3u8; 700]);
        assert_eq!(io.held.as_ptr(), kept, "a small answer's buffer is reused, not reallocated");
        assert_eq!(rec.writes.lock().unwrap().concat().len(), 200 * 1024 + 700);
    }

    #[test]
    fn a_full_socket_pushes_back_once_the_high_water_mark_is_held() {
        let rec = Recorder::default();
        *rec.full.lock().unwrap() = true;
        let mut io = Coalesced::new(rec.clone());
        let block = vec![7u8; 4096];
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        let mut taken = 0;
        while let Poll::Ready(r) = Pin::new(&mut io).poll_write(&mut cx, &block) {
            taken += r.unwrap();
            assert!(taken <= HIGH_WATER + block.len(), "kept taking bytes the socket could not take");
        }
        assert!(taken >= HIGH_WATER);
        *rec.full.lock().unwrap() = false;
        assert!(Pin::new(&mut io).poll_write(&mut cx, &block).is_ready(), "room again once the socket drains");
        assert_eq!(rec.writes.lock().unwrap().concat().len(), taken);
    }
}
