//! A Unix-socket connection that wakes the provider when a request arrives,
//! and not again when Terraform reads the answer.
//!
//! The runtime's own `UnixStream` registers every socket for readability
//! *and* writability, edge-triggered. A Unix stream socket signals
//! writability each time the peer reads what we wrote, so every answer woke
//! the provider once more, to do nothing: under `strace`, each call was
//! `recvfrom`, `writev`, an `epoll_pwait` that returned only `EPOLLOUT`, then
//! the `epoll_pwait` that waited for the next call.
//!
//! [`QuietUnixStream`] registers the socket for readability only and writes
//! to it directly. A write that the kernel refuses (a full socket buffer,
//! rare for answers this size) registers a duplicate descriptor for
//! writability just until that write goes through; registering reports the
//! current state, so no wake-up is lost in between.

use std::io::{self, IoSlice, Read, Write};
use std::net::Shutdown;
use std::os::unix::net::UnixStream;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};

/// An accepted connection, registered for readability only (see the module docs).
pub(crate) struct QuietUnixStream {
    readable: AsyncFd<UnixStream>,
    /// A duplicate of the socket registered for writability, present only
    /// while a write is waiting for buffer space.
    writable: Option<AsyncFd<UnixStream>>,
}

impl QuietUnixStream {
    /// Takes over a runtime stream. Must run inside the runtime.
    pub(crate) fn new(stream: tokio::net::UnixStream) -> io::Result<Self> {
        let std = stream.into_std()?;
        std.set_nonblocking(true)?;
        Ok(QuietUnixStream { readable: register(std, Interest::READABLE)?, writable: None })
    }

    fn socket(&self) -> &UnixStream {
        self.readable.get_ref()
    }

    /// Runs `op` on the socket; on `WouldBlock`, waits for buffer space on
    /// the duplicate registration and tries again. The registration is
    /// dropped once `op` goes through, so writability stops waking us.
    fn poll_write_with(
        &mut self,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&UnixStream) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        if self.writable.is_none() {
            match op(self.socket()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    let dup = self.socket().try_clone()?;
                    self.writable = Some(register(dup, Interest::WRITABLE)?);
                }
                done => return Poll::Ready(done),
            }
        }
        let Some(writable) = self.writable.as_ref() else {
            return Poll::Ready(Err(io::Error::other("write registration missing")));
        };
        loop {
            let mut guard = ready!(writable.poll_write_ready(cx))?;
            match guard.try_io(|fd| op(fd.get_ref())) {
                Ok(done) => {
                    self.writable = None;
                    return Poll::Ready(done);
                }
                Err(_would_block) => continue,
            }
        }
    }
}

fn register(socket: UnixStream, interest: Interest) -> io::Result<AsyncFd<UnixStream>> {
    // SAFETY: a `UnixStream` owns its descriptor, closes it only on drop,
    // and is never given another; the `AsyncFd` owns the stream.
    Ok(unsafe { AsyncFd::register_with_interest(socket, interest) }?)
}

impl AsyncRead for QuietUnixStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            let mut guard = ready!(this.readable.poll_read_ready(cx))?;
            let unfilled = buf.initialize_unfilled();
            let wanted = unfilled.len();
            let mut socket: &UnixStream = guard.get_inner();
            match socket.read(unfilled) {
                Ok(n) => {
                    // A short read means the socket is drained (the runtime's own
                    // streams reason the same way): wait for the next edge rather
                    // than pay a system call to hear `WouldBlock`.
                    if n > 0 && n < wanted {
                        guard.clear_ready();
                    }
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    guard.clear_ready();
                    continue;
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl AsyncWrite for QuietUnixStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.get_mut().poll_write_with(cx, |mut s| s.write(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_write_with(cx, |mut s| s.write_vectored(bufs))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Writes go straight to the socket; nothing is buffered here.
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(match self.socket().shutdown(Shutdown::Write) {
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
            other => other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn pair() -> (QuietUnixStream, tokio::net::UnixStream) {
        let (a, b) = tokio::net::UnixStream::pair().unwrap();
        (QuietUnixStream::new(a).unwrap(), b)
    }

    #[tokio::test(flavor = "current_thread")]
    async fn carries_bytes_both_ways_and_sees_the_peer_hang_up() {
        let (mut ours, mut peer) = pair();
        ours.write_all(b"answer").await.unwrap();
        let mut got = [0u8; 6];
        peer.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"answer");
        peer.write_all(b"request").await.unwrap();
        let mut got = [0u8; 7];
        ours.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"request");
        drop(peer);
        let mut rest = Vec::new();
        assert_eq!(ours.read_to_end(&mut rest).await.unwrap(), 0);
    }

    /// Far more than a socket buffer holds: the write must wait for the
    /// reader, through the writability registration, and lose nothing.
    #[tokio::test(flavor = "current_thread")]
    async fn a_write_larger_than_the_socket_buffer_waits_for_the_reader() {
        let (mut ours, mut peer) = pair();
        let data: Vec<u8> = (0..8 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
        let expected = data.clone();
        let reader = tokio::spawn(async move {
            let mut got = Vec::new();
            peer.read_to_end(&mut got).await.unwrap();
            got
        });
        ours.write_all(&data).await.unwrap();
        assert!(ours.writable.is_none(), "the writability registration outlived the write");
        ours.shutdown().await.unwrap();
        assert!(reader.await.unwrap() == expected, "bytes were lost or reordered");
    }

    const IN: u32 = libc::EPOLLIN as u32;
    const OUT: u32 = libc::EPOLLOUT as u32;

    /// The epoll interest the runtime holds for `fd`, from the kernel's own
    /// account of every epoll set in this process (`/proc/self/fdinfo`).
    fn registered_events(fd: i32) -> Vec<u32> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
            let is_epoll =
                std::fs::read_link(entry.path()).is_ok_and(|t| t.to_string_lossy() == "anon_inode:[eventpoll]");
            let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{}", entry.file_name().to_string_lossy()));
            let (true, Ok(info)) = (is_epoll, info) else { continue };
            for line in info.lines() {
                let mut words = line.split_whitespace();
                if words.next() == Some("tfd:") && words.next() == Some(&fd.to_string()) {
                    let events = words.skip_while(|w| *w != "events:").nth(1).unwrap();
                    found.push(u32::from_str_radix(events, 16).unwrap());
                }
            }
        }
        found
    }

    /// The point of the type: the socket is watched for readability only, so
    /// Terraform reading an answer does not wake the provider. The runtime's
    /// own stream, checked the same way, is watched for writability too.
    #[tokio::test(flavor = "current_thread")]
    async fn the_socket_is_watched_for_readability_only() {
        use std::os::fd::AsRawFd;
        let (a, _b) = tokio::net::UnixStream::pair().unwrap();
        // The runtime keeps its epoll set under two descriptors, so each
        // registration may be listed twice.
        let plain = registered_events(a.as_raw_fd());
        assert!(!plain.is_empty());
        assert!(plain.iter().all(|e| e & OUT != 0), "the runtime's stream should watch writability: {plain:x?}");

        let (mut ours, mut peer) = pair();
        let fd = ours.socket().as_raw_fd();
        let events = registered_events(fd);
        assert!(!events.is_empty());
        assert!(events.iter().all(|e| e & IN != 0 && e & OUT == 0), "not readability only: {events:x?}");

        // A write that has to wait registers writability on a duplicate
        // descriptor, and only while it waits.
        let data = vec![7u8; 8 * 1024 * 1024];
        let reader = tokio::spawn(async move {
            let mut got = Vec::new();
            peer.read_to_end(&mut got).await.unwrap();
            got.len()
        });
        ours.write_all(&data).await.unwrap();
        assert!(ours.writable.is_none());
        assert_eq!(registered_events(fd), events, "the socket's registration changed");
        ours.shutdown().await.unwrap();
        assert_eq!(reader.await.unwrap(), data.len());
    }
}
