//! What an attempt's outcome means, decided without any I/O so every rule
//! (which statuses retry, `Retry-After`, the attempt budget, the deadline)
//! can be tested on its own: either the call is done, with a value or an
//! error, or it is retried after a pause.

use std::time::Duration;

use rand::Rng;
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use super::attempt::{Outcome, Response};
use super::{Fetched, MAX_BODY_BYTES};
use crate::oms::error::OmsError;
use crate::oms::model::OmsErrorBody;
use crate::oms::redact::{body_excerpt, cause_text, non_empty_excerpt, scrub};
use crate::oms::retry::{self, RetryPolicy};

/// An outcome with the facts needed to judge it.
pub(super) struct Attempted {
    pub(super) outcome: Outcome,
    /// Attempts made so far, this one included.
    pub(super) attempts: u32,
    /// When the outcome arrived; a retry's pause starts here.
    pub(super) now: Instant,
    pub(super) deadline: Instant,
}

/// What to do after an attempt.
#[derive(Debug)]
pub(super) enum Decision<T> {
    /// Try again after `after`; `error` is what this attempt ended with.
    Retry { after: Duration, error: OmsError },
    /// Stop: the decoded value, or the error to report.
    Done(Result<Fetched<T>, OmsError>),
}

/// Decides what `attempted` means. A 2xx body is decoded as `T`; throttling,
/// transient 5xx and retryable transport failures are retried while the
/// policy's budget allows and the pause ends before the deadline (if it
/// would not, the real error is more useful than a timeout). Text from the
/// server is scrubbed of `secrets`.
pub(super) fn classify<T: DeserializeOwned>(
    attempted: Attempted,
    policy: &RetryPolicy,
    secrets: &[&str],
    rng: &mut impl Rng,
) -> Decision<T> {
    let Attempted { outcome, attempts, now, deadline } = attempted;
    let failure = match interpret(outcome, secrets) {
        Ok((value, request_id)) => return Decision::Done(Ok(Fetched { value, request_id, attempts })),
        Err(failure) => failure,
    };
    let error = failure.error.with_attempts(attempts);
    if !failure.retryable || !policy.allows_another(attempts) {
        return Decision::Done(Err(error));
    }
    let after = policy.delay(attempts - 1, failure.retry_after, rng);
    if now + after >= deadline {
        return Decision::Done(Err(error));
    }
    Decision::Retry { after, error }
}

/// An attempt that produced no value.
struct Failure {
    error: OmsError,
    /// Whether the same request may succeed later.
    retryable: bool,
    /// The server's `Retry-After`, if it sent one.
    retry_after: Option<Duration>,
}

impl Failure {
    fn last(error: OmsError) -> Self {
        Self { error, retryable: false, retry_after: None }
    }
}

/// The value of a 2xx response (with its request id), or why there is none.
fn interpret<T: DeserializeOwned>(outcome: Outcome, secrets: &[&str]) -> Result<(T, Option<String>), Failure> {
    match outcome {
        Outcome::Response(r) if (200..300).contains(&r.status) => decode(r, secrets).map_err(Failure::last),
        Outcome::Response(r) => Err(Failure {
            retryable: retry::is_retryable_status(r.status),
            retry_after: r.retry_after,
            error: status_error(r, secrets),
        }),
        Outcome::Transport { error, retryable } => Err(Failure {
            error: OmsError::transport(cause_text(&*error)).with_scrubbed_source(error, secrets),
            retryable,
            retry_after: None,
        }),
        Outcome::TooLarge { status, request_id } => Err(Failure::last(
            OmsError::body_too_large(MAX_BODY_BYTES as u64).with_status(status).with_request_id(request_id),
        )),
        Outcome::Fatal(e) => Err(Failure::last(e)),
    }
}

/// Decodes a 2xx body; the error names the field at fault and shows a
/// scrubbed excerpt of what arrived.
fn decode<T: DeserializeOwned>(r: Response, secrets: &[&str]) -> Result<(T, Option<String>), OmsError> {
    match serde_json::from_slice::<T>(&r.body) {
        Ok(value) => Ok((value, r.request_id)),
        Err(cause) => Err(OmsError::undecodable(scrub(&cause.to_string(), secrets), &body_excerpt(&r.body, secrets))
            .with_status(r.status)
            .with_request_id(r.request_id)
            .with_scrubbed_source(cause, secrets)),
    }
}

/// The error for a non-2xx response, with the server's error code and
/// message when the body has them (else an excerpt of the body).
fn status_error(r: Response, secrets: &[&str]) -> OmsError {
    let (code, msg, body_request_id) = match OmsErrorBody::parse(&r.body) {
        Some(b) if b.error_code.is_some() || b.error_msg.is_some() => (b.error_code, b.error_msg, b.request_id),
        Some(b) => (None, non_empty_excerpt(&r.body, secrets), b.request_id),
        None => (None, non_empty_excerpt(&r.body, secrets), None),
    };
    OmsError::from_status(r.status)
        .with_server_error(code.map(|c| scrub(&c, secrets)), msg.map(|m| scrub(&m, secrets)))
        .with_request_id(r.request_id.or(body_request_id).map(|id| scrub(&id, secrets)))
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use rand::rngs::StdRng;
    use rand::SeedableRng;
    use serde::Deserialize;

    use super::*;
    use crate::oms::OmsErrorKind;

    const SECRET: &str = "SK-classify-secret-okapi";

    #[derive(Debug, Deserialize, PartialEq, Eq)]
    struct Thing {
        n: u32,
    }

    fn policy(max_retries: u32) -> RetryPolicy {
        RetryPolicy {
            max_retries,
            base: Duration::from_millis(100),
            cap: Duration::from_secs(1),
            retry_after_cap: Duration::from_secs(60),
        }
    }

    fn response(status: u16, body: &str) -> Outcome {
        Outcome::Response(Response {
            status,
            request_id: Some("rid".into()),
            retry_after: None,
            body: body.as_bytes().to_vec(),
        })
    }

    fn with_retry_after(outcome: Outcome, after: Duration) -> Outcome {
        match outcome {
            Outcome::Response(r) => Outcome::Response(Response { retry_after: Some(after), ..r }),
            other => other,
        }
    }

    /// Judges `outcome` as attempt `attempts`, with `budget` left before the deadline.
    fn judge(outcome: Outcome, attempts: u32, max_retries: u32, budget: Duration) -> Decision<Thing> {
        let now = Instant::now();
        let attempted = Attempted { outcome, attempts, now, deadline: now + budget };
        classify(attempted, &policy(max_retries), &[SECRET], &mut StdRng::seed_from_u64(7))
    }

    fn done_err(d: Decision<Thing>) -> OmsError {
        match d {
            Decision::Done(Err(e)) => e,
            other => panic!("expected a final error, got {other:?}"),
        }
    }

    fn retry_after(d: Decision<Thing>) -> (Duration, OmsError) {
        match d {
            Decision::Retry { after, error } => (after, error),
            other => panic!("expected a retry, got {other:?}"),
        }
    }

    const LONG: Duration = Duration::from_secs(600);

    #[test]
    fn a_2xx_body_is_decoded() {
        match judge(response(200, r#"{"n": 3}"#), 2, 5, LONG) {
            Decision::Done(Ok(f)) => {
                assert_eq!(f, Fetched { value: Thing { n: 3 }, request_id: Some("rid".into()), attempts: 2 })
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(judge(response(204, r#"{"n": 0}"#), 1, 5, LONG), Decision::Done(Ok(_))));
    }

    #[test]
    fn an_undecodable_2xx_is_final_with_excerpt_status_and_cause() {
        let e = done_err(judge(response(200, &format!(r#"{{"n": "{SECRET}"}}"#)), 1, 5, LONG));
        assert_eq!(e.kind(), OmsErrorKind::Undecodable);
        assert_eq!((e.status(), e.request_id(), e.attempts()), (Some(200), Some("rid"), 1));
        assert!(e.body_excerpt().unwrap().contains("(redacted)"), "{e}");
        let shown = format!("{e} {e:?} {}", e.source().unwrap());
        assert!(!shown.contains(SECRET), "{shown}");
        // Without a secret in it, the cause is serde_json's own error.
        let e = done_err(judge(response(200, "true"), 1, 5, LONG));
        assert!(e.source().unwrap().downcast_ref::<serde_json::Error>().is_some());
        assert_eq!(e.detail(), Some("invalid type: boolean `true`, expected struct Thing at line 1 column 4"));
    }

    #[test]
    fn retryable_statuses_retry_and_others_are_final() {
        for status in [429, 500, 502, 503, 504] {
            let (after, e) = retry_after(judge(response(status, "{}"), 1, 5, LONG));
            assert!(after <= Duration::from_millis(100), "{status}: {after:?}");
            assert_eq!((e.status(), e.attempts()), (Some(status), 1));
        }
        for status in [400, 401, 403, 404, 409, 501, 505, 302, 100] {
            let e = done_err(judge(response(status, "{}"), 1, 5, LONG));
            assert_eq!((e.status(), e.attempts()), (Some(status), 1), "{status}");
        }
    }

    #[test]
    fn server_error_fields_are_kept_and_scrubbed() {
        let body = format!(r#"{{"error_code":"OMS.0054","error_msg":"bad {SECRET}","request_id":"body-rid"}}"#);
        let e = done_err(judge(response(404, &body), 1, 5, LONG));
        assert_eq!(e.kind(), OmsErrorKind::NotFound);
        assert_eq!(e.error_code(), Some("OMS.0054"));
        assert_eq!(e.error_msg(), Some("bad (redacted)"));
        // The header's request id wins over the body's.
        assert_eq!(e.request_id(), Some("rid"));
        let no_header = Outcome::Response(Response {
            status: 400,
            request_id: None,
            retry_after: None,
            body: br#"{"request_id":"body-rid"}"#.to_vec(),
        });
        let e = done_err(judge(no_header, 1, 5, LONG));
        assert_eq!(e.request_id(), Some("body-rid"));
        assert_eq!(e.error_msg(), Some(r#"{"request_id":"body-rid"}"#));
        let e = done_err(judge(response(403, "   "), 1, 5, LONG));
        assert_eq!(e.error_msg(), None);
        let e = done_err(judge(response(502, "<html>gateway</html>"), 6, 5, LONG));
        assert_eq!(e.error_msg(), Some("<html>gateway</html>"));
    }

    #[test]
    fn retry_after_is_honoured_on_429_and_5xx_and_capped() {
        for status in [429, 503] {
            let o = with_retry_after(response(status, "{}"), Duration::from_secs(7));
            assert_eq!(retry_after(judge(o, 1, 5, LONG)).0, Duration::from_secs(7));
        }
        let o = with_retry_after(response(429, "{}"), Duration::from_secs(3600));
        assert_eq!(retry_after(judge(o, 1, 5, LONG)).0, Duration::from_secs(60));
        let o = with_retry_after(response(429, "{}"), Duration::ZERO);
        assert_eq!(retry_after(judge(o, 1, 5, LONG)).0, Duration::ZERO);
        // Not on a final status.
        let o = with_retry_after(response(400, "{}"), Duration::from_secs(1));
        assert_eq!(done_err(judge(o, 1, 5, LONG)).status(), Some(400));
    }

    #[test]
    fn backoff_is_jittered_within_the_doubling_ceiling() {
        let mut seen = std::collections::HashSet::new();
        for seed in 0..20 {
            let now = Instant::now();
            let attempted = Attempted { outcome: response(503, "{}"), attempts: 3, now, deadline: now + LONG };
            let d: Decision<Thing> = classify(attempted, &policy(5), &[], &mut StdRng::seed_from_u64(seed));
            let (after, _) = retry_after(d);
            assert!(after <= Duration::from_millis(400), "{after:?}");
            seen.insert(after);
        }
        assert!(seen.len() > 1, "no jitter: {seen:?}");
    }

    #[test]
    fn the_attempt_budget_ends_retrying_with_the_last_error() {
        assert!(matches!(judge(response(503, "{}"), 3, 3, LONG), Decision::Retry { .. }));
        let e = done_err(judge(response(503, "{}"), 4, 3, LONG));
        assert_eq!((e.kind(), e.attempts()), (OmsErrorKind::Server, 4));
        let e = done_err(judge(response(429, "{}"), 1, 0, LONG));
        assert_eq!((e.kind(), e.attempts()), (OmsErrorKind::Throttled, 1));
    }

    #[test]
    fn a_pause_reaching_the_deadline_returns_the_real_error_instead() {
        let o = with_retry_after(response(429, "{}"), Duration::from_secs(5));
        let e = done_err(judge(o, 1, 5, Duration::from_secs(5)));
        assert_eq!((e.kind(), e.attempts()), (OmsErrorKind::Throttled, 1));
        let o = with_retry_after(response(429, "{}"), Duration::from_secs(5));
        assert!(matches!(judge(o, 1, 5, Duration::from_secs(6)), Decision::Retry { .. }));
    }

    #[test]
    fn connection_resets_retry_and_tls_failures_do_not() {
        let reset = || Outcome::Transport {
            error: Box::new(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "connection reset by peer")),
            retryable: true,
        };
        let (after, e) = retry_after(judge(reset(), 1, 5, LONG));
        assert!(after <= Duration::from_millis(100));
        assert_eq!((e.kind(), e.detail()), (OmsErrorKind::Transport, Some("connection reset by peer")));
        let io = e.source().and_then(|s| s.downcast_ref::<std::io::Error>()).expect("io cause");
        assert_eq!(io.kind(), std::io::ErrorKind::ConnectionReset);
        let e = done_err(judge(reset(), 6, 5, LONG));
        assert_eq!((e.kind(), e.attempts()), (OmsErrorKind::Transport, 6));

        let tls = Outcome::Transport {
            error: Box::new(rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)),
            retryable: false,
        };
        let e = done_err(judge(tls, 1, 5, LONG));
        assert_eq!((e.kind(), e.attempts()), (OmsErrorKind::Transport, 1));
        assert!(e.detail().unwrap().contains("certificate"), "{e}");
        assert!(e.source().unwrap().downcast_ref::<rustls::Error>().is_some());
    }

    #[test]
    fn too_large_and_fatal_are_final() {
        let e = done_err(judge(Outcome::TooLarge { status: 200, request_id: Some("r".into()) }, 2, 5, LONG));
        assert_eq!(e.kind(), OmsErrorKind::BodyTooLarge);
        assert_eq!((e.limit(), e.status(), e.request_id(), e.attempts()), (Some(1024 * 1024), Some(200), Some("r"), 2));
        let e = done_err(judge(Outcome::Fatal(OmsError::config("endpoint has no host")), 1, 5, LONG));
        assert_eq!((e.kind(), e.attempts()), (OmsErrorKind::Config, 1));
    }
}
