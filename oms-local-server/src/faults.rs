//! Fault injection queue. Faults are consumed strictly in the order injected, so a test
//! can script a sequence such as "two 503s, then a stall, then success" and know exactly
//! which request sees which behaviour. A fault can be scoped ([`FaultScope`]) to one API
//! and to query parameters, e.g. "the list page at offset 100 answers 503 once", while
//! requests outside the scope pass it by.

use std::collections::VecDeque;
use std::time::Duration;

use crate::routing::Api;

/// A misbehaviour applied to the next authenticated API requests (within its scope).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status (and a gateway/OMS-style error body) `times` times.
    Status {
        /// The HTTP status to answer, e.g. 503 for a retryable outage.
        status: u16,
        /// How many matching requests get it before the fault is used up.
        times: usize,
    },
    /// 429 with an `APIGW.0308` body and, when given, this `Retry-After` value.
    TooManyRequests {
        /// Sent verbatim, so tests can also feed clients malformed or HTTP-date values.
        retry_after: Option<String>,
        /// How many matching requests get it before the fault is used up.
        times: usize,
    },
    /// Hold the request this long before answering normally; no headers go out meanwhile.
    Stall {
        /// Long enough to trip the client's timeout under test.
        duration: Duration,
        /// How many matching requests get it before the fault is used up.
        times: usize,
    },
    /// 200 whose body is not JSON.
    GarbageBody {
        /// How many matching requests get it before the fault is used up.
        times: usize,
    },
    /// 200 with JSON of the API's shape whose fields have the wrong types.
    WrongFieldTypes {
        /// How many matching requests get it before the fault is used up.
        times: usize,
    },
    /// 200 streaming exactly `bytes` bytes (chunked, no Content-Length).
    OversizeBody {
        /// Chosen above the client's body limit to prove it stops reading.
        bytes: usize,
        /// How many matching requests get it before the fault is used up.
        times: usize,
    },
    /// Read the request, then abort the TCP connection (RST) without any response.
    ResetConnection {
        /// How many matching requests get it before the fault is used up.
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

/// Which requests a fault may hit. The default scope is every API request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultScope {
    /// Only requests to this API.
    pub api: Option<Api>,
    /// Only requests carrying each of these query parameters with exactly this (decoded)
    /// value, e.g. `("offset", "100")` for one page of the list.
    pub query: Vec<(String, String)>,
}

impl FaultScope {
    /// Requests to `api` only.
    pub fn api(api: Api) -> FaultScope {
        FaultScope { api: Some(api), query: Vec::new() }
    }

    /// Also requires the query parameter `name` with the value `value`.
    pub fn with_query(mut self, name: impl Into<String>, value: impl Into<String>) -> FaultScope {
        self.query.push((name.into(), value.into()));
        self
    }

    fn matches(&self, request: &FaultTarget<'_>) -> bool {
        self.api.is_none_or(|api| api == request.api)
            && self.query.iter().all(|(n, v)| request.query.iter().any(|(qn, qv)| qn == n && qv == v))
    }
}

/// What a fault scope is matched against: an authenticated request's API and its decoded
/// query parameters.
pub struct FaultTarget<'a> {
    /// Matched against [`FaultScope::api`].
    pub api: Api,
    /// Matched against [`FaultScope::query`]; decoded so scopes need not know encodings.
    pub query: &'a [(String, String)],
}

/// FIFO of faults with their scopes and remaining use counts.
#[derive(Debug, Default)]
pub struct FaultQueue {
    entries: VecDeque<(Fault, FaultScope, usize)>,
}

impl FaultQueue {
    /// Adds an unscoped fault (see [`FaultQueue::push_scoped`]).
    pub fn push(&mut self, fault: Fault) {
        self.push_scoped(FaultScope::default(), fault);
    }

    /// A fault with `times: 0` would never fire; it is dropped rather than left to
    /// confuse the ordering of the faults behind it.
    pub fn push_scoped(&mut self, scope: FaultScope, fault: Fault) {
        let times = fault.times();
        if times > 0 {
            self.entries.push_back((fault, scope, times));
        }
    }

    /// Lets a test start from a clean slate after a scenario left faults unused.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Lets a test assert that every fault it scripted was actually consumed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Takes one use of the first fault whose scope covers `request`, if any.
    pub fn next_fault(&mut self, request: &FaultTarget<'_>) -> Option<Fault> {
        let index = self.entries.iter().position(|(_, scope, _)| scope.matches(request))?;
        let (fault, _, remaining) = self.entries.get_mut(index)?;
        let out = fault.clone();
        *remaining -= 1;
        if *remaining == 0 {
            self.entries.remove(index);
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHOW: FaultTarget<'static> = FaultTarget { api: Api::ShowSyncTask, query: &[] };

    #[test]
    fn faults_apply_in_order_with_counts() {
        let mut q = FaultQueue::default();
        q.push(Fault::Status { status: 503, times: 2 });
        q.push(Fault::GarbageBody { times: 0 });
        q.push(Fault::ResetConnection { times: 1 });
        let s503 = Fault::Status { status: 503, times: 2 };
        assert_eq!(q.next_fault(&SHOW), Some(s503.clone()));
        assert_eq!(q.next_fault(&SHOW), Some(s503));
        assert_eq!(q.next_fault(&SHOW), Some(Fault::ResetConnection { times: 1 }));
        assert_eq!(q.next_fault(&SHOW), None);
        assert!(q.is_empty());
    }

    #[test]
    fn clear_drops_everything() {
        let mut q = FaultQueue::default();
        q.push(Fault::GarbageBody { times: 5 });
        q.clear();
        assert_eq!(q.next_fault(&SHOW), None);
    }

    #[test]
    fn zero_times_is_ignored() {
        let mut q = FaultQueue::default();
        q.push(Fault::Stall { duration: Duration::from_secs(1), times: 0 });
        q.push_scoped(FaultScope::api(Api::ListSyncTasks), Fault::GarbageBody { times: 0 });
        assert!(q.is_empty());
    }

    #[test]
    fn scoped_faults_wait_for_their_request() {
        let mut q = FaultQueue::default();
        let page2 = FaultScope::api(Api::ListSyncTasks).with_query("offset", "100");
        q.push_scoped(page2, Fault::Status { status: 503, times: 1 });
        q.push(Fault::GarbageBody { times: 1 });
        let query =
            |offset: &str| vec![("limit".to_string(), "100".to_string()), ("offset".to_string(), offset.into())];
        let (first, second) = (query("0"), query("100"));
        // The first page is outside the scoped fault, so it takes the unscoped one behind it.
        let target = FaultTarget { api: Api::ListSyncTasks, query: &first };
        assert_eq!(q.next_fault(&target), Some(Fault::GarbageBody { times: 1 }));
        assert_eq!(q.next_fault(&target), None);
        assert_eq!(q.next_fault(&SHOW), None);
        let stats = FaultTarget { api: Api::ListSyncTaskStatistic, query: &second };
        assert_eq!(q.next_fault(&stats), None, "another API with the same query is out of scope");
        let target = FaultTarget { api: Api::ListSyncTasks, query: &second };
        assert_eq!(q.next_fault(&target), Some(Fault::Status { status: 503, times: 1 }));
        assert_eq!(q.next_fault(&target), None, "used up");
        assert!(q.is_empty());
    }
}
