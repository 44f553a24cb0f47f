//! When and how long to wait before trying a read again. Reads are
//! idempotent, so retrying is safe; the policy only has to avoid hammering a
//! throttled or failing service and never outlive the caller's deadline.

use std::time::{Duration, SystemTime};

use rand::Rng;

/// Default number of retries (after the first attempt), as the official
/// provider's `max_retries`.
pub(crate) const DEFAULT_MAX_RETRIES: u32 = 5;
/// First backoff ceiling: short, since most throttling clears quickly.
pub(crate) const DEFAULT_BASE: Duration = Duration::from_millis(200);
/// Longest computed backoff between two attempts.
pub(crate) const DEFAULT_CAP: Duration = Duration::from_secs(30);
/// A server asking for a longer pause than this is not taken literally: a
/// Terraform refresh should fail visibly rather than hang for hours.
pub(crate) const DEFAULT_RETRY_AFTER_CAP: Duration = Duration::from_secs(60);

/// How often and how long to back off; built from [`super::ClientConfig`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt; `0` disables retrying.
    pub max_retries: u32,
    /// First backoff ceiling; doubles per retry.
    pub base: Duration,
    /// Upper bound of any computed backoff.
    pub cap: Duration,
    /// Upper bound of a server-provided `Retry-After`.
    pub retry_after_cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: DEFAULT_MAX_RETRIES,
            base: DEFAULT_BASE,
            cap: DEFAULT_CAP,
            retry_after_cap: DEFAULT_RETRY_AFTER_CAP,
        }
    }
}

/// Statuses worth retrying: throttling and transient gateway/server states.
/// Other 4xx mean the request itself is wrong and would fail again.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

impl RetryPolicy {
    /// Whether another attempt is allowed after `attempts_made` attempts.
    pub fn allows_another(&self, attempts_made: u32) -> bool {
        attempts_made <= self.max_retries
    }

    /// Backoff ceiling for retry number `retry` (0-based):
    /// `min(cap, base * 2^retry)`.
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// "Full jitter": uniform in `[0, ceiling]`, which spreads out the
    /// retries of many concurrent readers better than equal jitter. The
    /// randomness is passed in so that decisions can be replayed in tests.
    pub fn backoff(&self, retry: u32, rng: &mut impl Rng) -> Duration {
        let ceiling = self.ceiling(retry);
        let max_nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        if max_nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(rng.random_range(0..=max_nanos))
    }

    /// The pause before retry number `retry`: the server's `Retry-After`
    /// (capped) when it sent one, else jittered backoff.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>, rng: &mut impl Rng) -> Duration {
        match retry_after {
            Some(d) => d.min(self.retry_after_cap),
            None => self.backoff(retry, rng),
        }
    }
}

/// Parses `Retry-After` as delta-seconds or an HTTP-date relative to `now`.
/// A date in the past means "now" (zero); garbage yields `None` so the
/// caller falls back to backoff.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    if v.bytes().all(|b| b.is_ascii_digit()) {
        // Absurdly long digit strings saturate instead of failing.
        return Some(Duration::from_secs(v.parse::<u64>().unwrap_or(u64::MAX)));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn retryable_statuses() {
        for s in [429, 500, 502, 503, 504] {
            assert!(is_retryable_status(s), "{s}");
        }
        for s in [200, 400, 401, 403, 404, 409, 501, 505, 599] {
            assert!(!is_retryable_status(s), "{s}");
        }
    }

    #[test]
    fn retry_after_seconds_date_garbage() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("1", now), Some(Duration::from_secs(1)));
        assert_eq!(parse_retry_after(" 120 ", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("0", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("99999999999999999999999", now), Some(Duration::from_secs(u64::MAX)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(parse_retry_after(&later, now), Some(Duration::from_secs(30)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        for bad in ["", "soon", "-1", "1.5", "Mon, 99 Foo 2024", "１"] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
    }

    #[test]
    fn retry_after_is_capped() {
        let p = RetryPolicy::default();
        let rng = &mut rand::rng();
        assert_eq!(p.delay(0, Some(Duration::from_secs(3600)), rng), DEFAULT_RETRY_AFTER_CAP);
        assert_eq!(p.delay(0, Some(Duration::from_secs(2)), rng), Duration::from_secs(2));
        // Zero is honoured, not replaced by backoff.
        assert_eq!(p.delay(3, Some(Duration::ZERO), rng), Duration::ZERO);
    }

    #[test]
    fn backoff_bounds() {
        let p = RetryPolicy {
            max_retries: 5,
            base: Duration::from_millis(200),
            cap: Duration::from_secs(30),
            retry_after_cap: DEFAULT_RETRY_AFTER_CAP,
        };
        assert_eq!(p.ceiling(0), Duration::from_millis(200));
        assert_eq!(p.ceiling(1), Duration::from_millis(400));
        assert_eq!(p.ceiling(4), Duration::from_millis(3200));
        assert_eq!(p.ceiling(8), Duration::from_secs(30));
        assert_eq!(p.ceiling(u32::MAX), Duration::from_secs(30));
        let rng = &mut rand::rng();
        for retry in 0..40 {
            for _ in 0..50 {
                let d = p.backoff(retry, rng);
                assert!(d <= p.ceiling(retry), "{retry}: {d:?}");
                assert!(p.delay(retry, None, rng) <= p.ceiling(retry));
            }
        }
        // Jitter actually varies.
        let samples: std::collections::HashSet<_> = (0..50).map(|_| p.backoff(3, rng)).collect();
        assert!(samples.len() > 1);
        let zero = RetryPolicy { base: Duration::ZERO, ..p };
        assert_eq!(zero.backoff(3, rng), Duration::ZERO);
    }

    #[test]
    fn attempt_budget() {
        let p = RetryPolicy { max_retries: 2, ..RetryPolicy::default() };
        assert!(p.allows_another(1));
        assert!(p.allows_another(2));
        assert!(!p.allows_another(3));
        let none = RetryPolicy { max_retries: 0, ..RetryPolicy::default() };
        assert!(!none.allows_another(1));
    }
}
