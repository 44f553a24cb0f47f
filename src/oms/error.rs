//! One error type for every way a read can fail. Callers (the provider)
//! must tell "task is gone" from "credentials are wrong" from "try again
//! later", so the kind is explicit rather than buried in a message.

use std::error::Error;
use std::fmt;
use std::sync::Arc;

use super::redact::{contains_secret, scrub, truncate_chars, EXCERPT_CHARS};

/// What went wrong, coarse enough to branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OmsErrorKind {
    /// HTTP 404: the task (or, for `APIGW.0101`, the API) does not exist.
    NotFound,
    /// HTTP 401: credentials rejected or signature mismatch.
    Unauthenticated,
    /// HTTP 403: authenticated but not allowed.
    Forbidden,
    /// HTTP 429 after all retries.
    Throttled,
    /// HTTP 5xx after all retries.
    Server,
    /// Any other non-success status (other 4xx, unexpected 1xx/3xx).
    OtherStatus,
    /// Connection refused/reset, DNS, TLS and similar.
    Transport,
    /// The caller's deadline passed.
    TimedOut,
    /// The caller cancelled.
    Cancelled,
    /// A 2xx body that is not the expected JSON.
    Undecodable,
    /// The response body exceeded the size cap.
    BodyTooLarge,
    /// The arguments can never produce a valid request (e.g. empty id).
    InvalidRequest,
    /// The client configuration is invalid.
    Config,
}

impl OmsErrorKind {
    /// Whether the provider should treat the error as "resource is gone".
    pub fn is_not_found(self) -> bool {
        self == OmsErrorKind::NotFound
    }

    /// Worth retrying later at a higher level (e.g. the next refresh).
    pub fn is_transient(self) -> bool {
        matches!(self, Self::Throttled | Self::Server | Self::Transport | Self::TimedOut)
    }

    fn describe(self) -> &'static str {
        match self {
            Self::NotFound => "OMS resource not found",
            Self::Unauthenticated => "OMS authentication failed",
            Self::Forbidden => "OMS access denied",
            Self::Throttled => "OMS request throttled",
            Self::Server => "OMS server error",
            Self::OtherStatus => "OMS request failed",
            Self::Transport => "OMS connection failed",
            Self::TimedOut => "OMS request timed out",
            Self::Cancelled => "OMS request cancelled",
            Self::Undecodable => "OMS response could not be decoded",
            Self::BodyTooLarge => "OMS response body too large",
            Self::InvalidRequest => "invalid OMS request",
            Self::Config => "invalid OMS client configuration",
        }
    }
}

/// The error of every fallible operation in [`crate::oms`]. It never holds
/// credentials: messages are built from status, server error fields and
/// short cause texts, and server-provided text is scrubbed by the client.
///
/// The underlying error (reqwest, I/O, TLS, JSON, URL parsing), when there is
/// one, is kept as [`Error::source`] so callers can inspect it; the Display
/// text already summarises it, because Terraform diagnostics show only that.
#[derive(Debug, Clone)]
pub struct OmsError(Box<Fields>);

/// The cause, shared so that [`OmsError`] stays `Clone`.
type Cause = Arc<dyn Error + Send + Sync + 'static>;

/// Boxed so `Result<_, OmsError>` stays one pointer wide on the happy path.
#[derive(Debug, Clone)]
struct Fields {
    kind: OmsErrorKind,
    status: Option<u16>,
    error_code: Option<String>,
    error_msg: Option<String>,
    request_id: Option<String>,
    attempts: u32,
    detail: Option<String>,
    limit: Option<u64>,
    source: Option<Cause>,
}

impl OmsError {
    /// An error of `kind` with no further facts; the builders below add them.
    pub fn new(kind: OmsErrorKind) -> Self {
        Self(Box::new(Fields {
            kind,
            status: None,
            error_code: None,
            error_msg: None,
            request_id: None,
            attempts: 0,
            detail: None,
            limit: None,
            source: None,
        }))
    }

    /// The client configuration is unusable; `msg` says how to fix it.
    pub fn config(msg: impl Into<String>) -> Self {
        Self::new(OmsErrorKind::Config).with_detail(msg)
    }

    /// The arguments can never produce a valid request.
    pub fn invalid_request(msg: impl Into<String>) -> Self {
        Self::new(OmsErrorKind::InvalidRequest).with_detail(msg)
    }

    /// No HTTP response; `cause` is the short cause text shown to users.
    pub fn transport(cause: impl Into<String>) -> Self {
        Self::new(OmsErrorKind::Transport).with_detail(cause)
    }

    /// The caller's deadline passed.
    pub fn timed_out() -> Self {
        Self::new(OmsErrorKind::TimedOut)
    }

    /// The caller cancelled.
    pub fn cancelled() -> Self {
        Self::new(OmsErrorKind::Cancelled)
    }

    /// The response body exceeded `limit` bytes.
    pub fn body_too_large(limit: u64) -> Self {
        let mut e = Self::new(OmsErrorKind::BodyTooLarge);
        e.0.limit = Some(limit);
        e
    }

    /// `excerpt` must already be scrubbed; it is truncated here.
    pub fn undecodable(cause: impl Into<String>, excerpt: &str) -> Self {
        let mut e = Self::new(OmsErrorKind::Undecodable).with_detail(cause);
        e.0.error_msg = Some(truncate_chars(excerpt, EXCERPT_CHARS));
        e
    }

    /// Classifies a non-success HTTP status.
    pub fn from_status(status: u16) -> Self {
        let kind = match status {
            404 => OmsErrorKind::NotFound,
            401 => OmsErrorKind::Unauthenticated,
            403 => OmsErrorKind::Forbidden,
            429 => OmsErrorKind::Throttled,
            500..=599 => OmsErrorKind::Server,
            _ => OmsErrorKind::OtherStatus,
        };
        let mut e = Self::new(kind);
        e.0.status = Some(status);
        e
    }

    /// Sets the free-text detail (truncated).
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.0.detail = Some(truncate_chars(&detail.into(), 4 * EXCERPT_CHARS));
        self
    }

    /// Sets the HTTP status the error came with.
    pub fn with_status(mut self, status: u16) -> Self {
        self.0.status = Some(status);
        self
    }

    /// Sets OMS's `error_code` and `error_msg` (truncated; the client has
    /// already scrubbed them).
    pub fn with_server_error(mut self, code: Option<String>, msg: Option<String>) -> Self {
        self.0.error_code = code.map(|c| truncate_chars(&c, EXCERPT_CHARS));
        self.0.error_msg = msg.map(|m| truncate_chars(&m, 4 * EXCERPT_CHARS));
        self
    }

    /// Sets the request id, unless `request_id` is `None` (then an earlier
    /// one is kept).
    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        if request_id.is_some() {
            self.0.request_id = request_id.map(|r| truncate_chars(&r, EXCERPT_CHARS));
        }
        self
    }

    /// Sets the number of HTTP attempts made.
    pub fn with_attempts(mut self, attempts: u32) -> Self {
        self.0.attempts = attempts;
        self
    }

    /// Keeps `cause` as [`Error::source`]. Only for causes that cannot carry
    /// credentials (local I/O, URL parsing, TLS setup); causes whose text may
    /// echo what the client sent are checked for secrets by the client first.
    pub fn with_source(mut self, cause: impl Into<Box<dyn Error + Send + Sync + 'static>>) -> Self {
        self.0.source = Some(Arc::from(cause.into()));
        self
    }

    /// Keeps `cause` as [`Error::source`] unless its text mentions one of
    /// `secrets`; then the source is a stand-in whose text is scrubbed, so
    /// walking the chain can never reveal more than Display does.
    pub(crate) fn with_scrubbed_source(
        self,
        cause: impl Into<Box<dyn Error + Send + Sync + 'static>>,
        secrets: &[&str],
    ) -> Self {
        let cause = cause.into();
        if chain_mentions(&*cause, secrets) {
            let stand_in = ScrubbedCause(scrub(&cause.to_string(), secrets));
            self.with_source(stand_in)
        } else {
            self.with_source(cause)
        }
    }

    /// What went wrong, to branch on.
    pub fn kind(&self) -> OmsErrorKind {
        self.0.kind
    }

    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<u16> {
        self.0.status
    }
    /// OMS's `error_code`, e.g. `OMS.0054`.
    pub fn error_code(&self) -> Option<&str> {
        self.0.error_code.as_deref()
    }
    /// Server `error_msg`, or for [`OmsErrorKind::Undecodable`] the body excerpt.
    pub fn error_msg(&self) -> Option<&str> {
        self.0.error_msg.as_deref()
    }
    /// Alias of [`Self::error_msg`] for undecodable bodies, for readability.
    pub fn body_excerpt(&self) -> Option<&str> {
        if self.0.kind == OmsErrorKind::Undecodable {
            self.0.error_msg.as_deref()
        } else {
            None
        }
    }
    /// The request id (response header, else error body), for support requests.
    pub fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
    /// HTTP attempts made (0 when the request was never sent).
    pub fn attempts(&self) -> u32 {
        self.0.attempts
    }
    /// Free text: config problem, transport cause, decode error.
    pub fn detail(&self) -> Option<&str> {
        self.0.detail.as_deref()
    }
    /// The size cap for [`OmsErrorKind::BodyTooLarge`].
    pub fn limit(&self) -> Option<u64> {
        self.0.limit
    }
}

impl fmt::Display for OmsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.kind.describe())?;
        if let Some(d) = &self.0.detail {
            write!(f, ": {d}")?;
        }
        if let Some(limit) = self.0.limit {
            write!(f, ": more than {limit} bytes")?;
        }
        let mut parts: Vec<String> = Vec::new();
        if let Some(s) = self.0.status {
            parts.push(format!("HTTP {s}"));
        }
        if let Some(c) = &self.0.error_code {
            parts.push(format!("error_code {c}"));
        }
        if let Some(m) = &self.0.error_msg {
            if self.0.kind == OmsErrorKind::Undecodable {
                parts.push(format!("body {m:?}"));
            } else {
                parts.push(format!("error_msg {m:?}"));
            }
        }
        if let Some(r) = &self.0.request_id {
            parts.push(format!("request_id {r}"));
        }
        if self.0.attempts > 0 {
            parts.push(format!("{} attempt{}", self.0.attempts, if self.0.attempts == 1 { "" } else { "s" }));
        }
        if !parts.is_empty() {
            write!(f, " ({})", parts.join(", "))?;
        }
        Ok(())
    }
}

impl Error for OmsError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.0.source.as_deref().map(|e| e as &(dyn Error + 'static))
    }
}

/// Whether the Display or Debug text of any error in the chain contains a secret.
fn chain_mentions(err: &(dyn Error + 'static), secrets: &[&str]) -> bool {
    let mut cur = Some(err);
    while let Some(e) = cur {
        if contains_secret(&e.to_string(), secrets) || contains_secret(&format!("{e:?}"), secrets) {
            return true;
        }
        cur = e.source();
    }
    false
}

/// Replaces a cause whose own text mentioned a secret.
#[derive(Debug)]
struct ScrubbedCause(String);

impl fmt::Display for ScrubbedCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Error for ScrubbedCause {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_classification() {
        let cases = [
            (404, OmsErrorKind::NotFound),
            (401, OmsErrorKind::Unauthenticated),
            (403, OmsErrorKind::Forbidden),
            (429, OmsErrorKind::Throttled),
            (500, OmsErrorKind::Server),
            (503, OmsErrorKind::Server),
            (599, OmsErrorKind::Server),
            (400, OmsErrorKind::OtherStatus),
            (409, OmsErrorKind::OtherStatus),
            (302, OmsErrorKind::OtherStatus),
        ];
        for (s, k) in cases {
            let e = OmsError::from_status(s);
            assert_eq!(e.kind(), k, "{s}");
            assert_eq!(e.status(), Some(s));
        }
    }

    #[test]
    fn display_carries_fields() {
        let e = OmsError::from_status(404)
            .with_server_error(Some("OMS.0054".into()), Some("Invalid task ID".into()))
            .with_request_id(Some("req-1".into()))
            .with_attempts(1);
        let s = e.to_string();
        assert_eq!(
            s,
            "OMS resource not found (HTTP 404, error_code OMS.0054, error_msg \"Invalid task ID\", request_id req-1, 1 attempt)"
        );
        assert_eq!(e.error_code(), Some("OMS.0054"));
        assert_eq!(e.error_msg(), Some("Invalid task ID"));
        assert_eq!(e.request_id(), Some("req-1"));
        assert_eq!(e.attempts(), 1);
        let t = OmsError::timed_out().with_attempts(3).to_string();
        assert_eq!(t, "OMS request timed out (3 attempts)");
        let b = OmsError::body_too_large(1024).to_string();
        assert_eq!(b, "OMS response body too large: more than 1024 bytes");
    }

    #[test]
    fn undecodable_keeps_a_truncated_excerpt() {
        let ex = crate::oms::redact::body_excerpt(format!("<html>{}", "a".repeat(1000)).as_bytes(), &[]);
        let e = OmsError::undecodable("expected value", &ex);
        assert_eq!(e.body_excerpt(), Some(ex.as_str()));
        assert_eq!(e.error_msg(), Some(ex.as_str()));
        assert_eq!(OmsError::from_status(500).with_server_error(None, Some("m".into())).body_excerpt(), None);
        let long = OmsError::undecodable("x", &"b".repeat(1000));
        assert_eq!(long.body_excerpt().unwrap().chars().count(), EXCERPT_CHARS);
    }

    #[test]
    fn source_is_kept_and_display_is_unchanged() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let e = OmsError::config("cannot read CA bundle x: no such file").with_source(io);
        assert_eq!(e.to_string(), "invalid OMS client configuration: cannot read CA bundle x: no such file");
        let src = e.source().expect("source");
        let io = src.downcast_ref::<std::io::Error>().expect("io::Error");
        assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
        // Clones share the cause.
        assert!(e.clone().source().is_some());
        assert!(OmsError::timed_out().source().is_none());
    }

    #[test]
    fn a_cause_mentioning_a_secret_is_replaced_by_its_scrubbed_text() {
        let json = serde_json::from_str::<u32>("\"TOK-secret\"").unwrap_err();
        let e = OmsError::undecodable("x", "").with_scrubbed_source(json, &["TOK-secret"]);
        let src = e.source().expect("source");
        assert!(src.downcast_ref::<serde_json::Error>().is_none());
        assert!(src.to_string().contains("(redacted)"), "{src}");
        assert!(!format!("{src} {src:?} {e:?}").contains("TOK-secret"));

        let json = serde_json::from_str::<u32>("\"harmless\"").unwrap_err();
        let e = OmsError::undecodable("x", "").with_scrubbed_source(json, &["TOK-secret", ""]);
        let json = e.source().and_then(|s| s.downcast_ref::<serde_json::Error>()).expect("serde_json::Error");
        assert_eq!(json.column(), 10);

        // Nested causes are checked too.
        let inner = std::io::Error::other("TOK-secret");
        let outer = OmsError::transport("wrapper").with_source(inner);
        let e = OmsError::transport("top").with_scrubbed_source(outer, &["TOK-secret"]);
        let mut cur = e.source();
        while let Some(c) = cur {
            assert!(!c.to_string().contains("TOK-secret"), "{c}");
            cur = c.source();
        }
    }
}
