//! The response body: buffered, or a generated stream for the oversize fault.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};

const STREAM_CHUNK: usize = 64 * 1024;

/// Response body that is either fully buffered (so hyper sends Content-Length) or a
/// generated stream of known length sent chunked, so oversize tests do not need the
/// whole payload in memory and clients cannot pre-check a Content-Length.
pub(crate) enum RespBody {
    /// Normal answers; `None` once the bytes have been handed to hyper.
    Full(Option<Bytes>),
    /// The oversize fault: `pos` of `total` bytes sent so far, generated on demand.
    Filler { pos: usize, total: usize },
}

const FILLER_PREFIX: &[u8] = b"{\"padding\":\"";
const FILLER_SUFFIX: &[u8] = b"\"}";

impl RespBody {
    pub(crate) fn full(bytes: impl Into<Bytes>) -> Self {
        RespBody::Full(Some(bytes.into()))
    }

    /// Byte `i` of a `total`-byte filler that looks like the start of a JSON object, so
    /// a client that stream-parses is lured into reading all of it.
    fn filler_byte(i: usize, total: usize) -> u8 {
        let framed = total >= FILLER_PREFIX.len() + FILLER_SUFFIX.len();
        if framed && i < FILLER_PREFIX.len() {
            FILLER_PREFIX[i]
        } else if framed && i >= total - FILLER_SUFFIX.len() {
            FILLER_SUFFIX[i - (total - FILLER_SUFFIX.len())]
        } else {
            b'x'
        }
    }
}

impl Body for RespBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            RespBody::Full(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            RespBody::Filler { pos, total } => {
                if *pos >= *total {
                    return Poll::Ready(None);
                }
                let end = (*pos + STREAM_CHUNK).min(*total);
                let chunk: Vec<u8> = (*pos..end).map(|i| RespBody::filler_byte(i, *total)).collect();
                *pos = end;
                Poll::Ready(Some(Ok(Frame::data(Bytes::from(chunk)))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            RespBody::Full(data) => data.is_none(),
            RespBody::Filler { pos, total } => pos >= total,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            RespBody::Full(Some(d)) => SizeHint::with_exact(d.len() as u64),
            RespBody::Full(None) => SizeHint::with_exact(0),
            // Deliberately unknown: forces chunked transfer encoding.
            RespBody::Filler { .. } => SizeHint::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filler_is_exact_length_and_framed() {
        for total in [0usize, 1, 5, 14, 15, 100, STREAM_CHUNK + 3] {
            let bytes: Vec<u8> = (0..total).map(|i| RespBody::filler_byte(i, total)).collect();
            assert_eq!(bytes.len(), total);
            if total >= 14 {
                assert!(bytes.starts_with(FILLER_PREFIX));
                assert!(bytes.ends_with(FILLER_SUFFIX));
            }
        }
    }
}
