//! Fault injection queue. Faults are consumed strictly in the order injected, so a test
//! can script a sequence such as "two 503s, then a stall, then success" and know exactly
//! which request sees which behaviour.

use std::collections::VecDeque;
use std::time::Duration;

/// A misbehaviour applied to the next authenticated show-sync-task requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status (and a gateway/OMS-style error body) `times` times.
    Status {
        /// The HTTP status to answer with.
        status: u16,
        /// How many requests get it before the server behaves again.
        times: usize,
    },
    /// 429 with an `APIGW.0308` body and, when given, this `Retry-After` value.
    TooManyRequests {
        /// The raw header value (seconds or an HTTP date); `None` sends no header.
        retry_after: Option<String>,
        /// How many requests get it.
        times: usize,
    },
    /// Hold the request this long before answering normally; no headers go out meanwhile.
    Stall {
        /// How long to hold each request.
        duration: Duration,
        /// How many requests are held.
        times: usize,
    },
    /// 200 whose body is not JSON.
    GarbageBody {
        /// How many requests get it.
        times: usize,
    },
    /// 200 with JSON whose fields have the wrong types.
    WrongFieldTypes {
        /// How many requests get it.
        times: usize,
    },
    /// 200 streaming exactly `bytes` bytes (chunked, no Content-Length).
    OversizeBody {
        /// The body length, to go past the client's limit.
        bytes: usize,
        /// How many requests get it.
        times: usize,
    },
    /// Read the request, then abort the TCP connection (RST) without any response.
    ResetConnection {
        /// How many requests get it.
        times: usize,
    },
}

impl Fault {
    fn times(&self) -> usize {
        match self {
            Fault::Status { times, .. }
            | Fault::TooManyRequests { times, .. }
            | Fault::Stall { times, .. }
            | Fault::GarbageBody { times }
            | Fault::WrongFieldTypes { times }
            | Fault::OversizeBody { times, .. }
            | Fault::ResetConnection { times } => *times,
        }
    }
}

/// FIFO of faults with remaining use counts.
#[derive(Debug, Default)]
pub struct FaultQueue {
    entries: VecDeque<(Fault, usize)>,
}

impl FaultQueue {
    /// A fault with `times: 0` would never fire; it is dropped rather than left to
    /// confuse the ordering of the faults behind it.
    pub fn push(&mut self, fault: Fault) {
        let times = fault.times();
        if times > 0 {
            self.entries.push_back((fault, times));
        }
    }

    /// Lets a test end a fault sequence early and check the client recovers.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Whether every queued fault has fired.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Takes one use of the front fault, if any.
    pub fn next_fault(&mut self) -> Option<Fault> {
        let (fault, remaining) = self.entries.front_mut()?;
        let out = fault.clone();
        *remaining -= 1;
        if *remaining == 0 {
            self.entries.pop_front();
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_apply_in_order_with_counts() {
        let mut q = FaultQueue::default();
        q.push(Fault::Status { status: 503, times: 2 });
        q.push(Fault::GarbageBody { times: 0 });
        q.push(Fault::ResetConnection { times: 1 });
        let s503 = Fault::Status { status: 503, times: 2 };
        assert_eq!(q.next_fault(), Some(s503.clone()));
        assert_eq!(q.next_fault(), Some(s503));
        assert_eq!(q.next_fault(), Some(Fault::ResetConnection { times: 1 }));
        assert_eq!(q.next_fault(), None);
        assert!(q.is_empty());
    }

    #[test]
    fn clear_drops_everything() {
        let mut q = FaultQueue::default();
        q.push(Fault::GarbageBody { times: 5 });
        q.clear();
        assert_eq!(q.next_fault(), None);
    }

    #[test]
    fn zero_times_is_ignored() {
        let mut q = FaultQueue::default();
        q.push(Fault::Stall { duration: Duration::from_secs(1), times: 0 });
        assert!(q.is_empty());
    }
}
