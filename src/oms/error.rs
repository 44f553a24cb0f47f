//! One error type for every way a read can fail. Callers (the provider)
//! must tell "task is gone" from "credentials are wrong" from "try again
//! later", so the kind is explicit rather than buried in a message.

use std::fmt;

/// Longest excerpt of a response body or cause text kept in an error: enough
/// to diagnose, small enough to show in a Terraform diagnostic.
pub const EXCERPT_CHARS: usize = 200;

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OmsError(Box<Fields>);

/// Boxed so `Result<_, OmsError>` stays one pointer wide on the happy path.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fields {
    kind: OmsErrorKind,
    status: Option<u16>,
    error_code: Option<String>,
    error_msg: Option<String>,
    request_id: Option<String>,
    attempts: u32,
    detail: Option<String>,
    limit: Option<u64>,
}

impl OmsError {
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
        }))
    }

    pub fn config(msg: impl Into<String>) -> Self {
        Self::new(OmsErrorKind::Config).with_detail(msg)
    }

    pub fn invalid_request(msg: impl Into<String>) -> Self {
        Self::new(OmsErrorKind::InvalidRequest).with_detail(msg)
    }

    pub fn transport(cause: impl Into<String>) -> Self {
        Self::new(OmsErrorKind::Transport).with_detail(cause)
    }

    pub fn timed_out() -> Self {
        Self::new(OmsErrorKind::TimedOut)
    }

    pub fn cancelled() -> Self {
        Self::new(OmsErrorKind::Cancelled)
    }

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

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.0.detail = Some(truncate_chars(&detail.into(), 4 * EXCERPT_CHARS));
        self
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.0.status = Some(status);
        self
    }

    pub fn with_server_error(mut self, code: Option<String>, msg: Option<String>) -> Self {
        self.0.error_code = code.map(|c| truncate_chars(&c, EXCERPT_CHARS));
        self.0.error_msg = msg.map(|m| truncate_chars(&m, 4 * EXCERPT_CHARS));
        self
    }

    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        if request_id.is_some() {
            self.0.request_id = request_id.map(|r| truncate_chars(&r, EXCERPT_CHARS));
        }
        self
    }

    pub fn with_attempts(mut self, attempts: u32) -> Self {
        self.0.attempts = attempts;
        self
    }

    pub fn kind(&self) -> OmsErrorKind {
        self.0.kind
    }
    pub fn status(&self) -> Option<u16> {
        self.0.status
    }
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

impl std::error::Error for OmsError {}

/// Truncates at a char boundary and marks the cut, so excerpts stay valid
/// UTF-8 and obviously partial.
pub(crate) fn truncate_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Excerpt of an arbitrary body: lossy UTF-8, control characters escaped,
/// the given secrets replaced, then truncated to [`EXCERPT_CHARS`].
pub(crate) fn body_excerpt(body: &[u8], secrets: &[&str]) -> String {
    let text = scrub(&String::from_utf8_lossy(body), secrets);
    let mut cleaned = String::with_capacity(text.len().min(4 * EXCERPT_CHARS));
    for c in text.chars() {
        if cleaned.chars().count() > EXCERPT_CHARS {
            break;
        }
        if c.is_control() {
            cleaned.extend(c.escape_default());
        } else {
            cleaned.push(c);
        }
    }
    truncate_chars(&cleaned, EXCERPT_CHARS)
}

/// Removes every occurrence of each (non-empty) secret.
pub(crate) fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        if out.contains(s) {
            out = out.replace(s, "(redacted)");
        }
    }
    out
}

/// Keeps the innermost useful cause of an error chain, short and without
/// the URL prefix reqwest adds (the caller already knows the URL).
pub(crate) fn cause_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut texts = vec![err.to_string()];
    let mut cur = err.source();
    while let Some(e) = cur {
        texts.push(e.to_string());
        cur = e.source();
    }
    let text = texts.iter().rev().find(|t| !t.trim().is_empty()).cloned().unwrap_or_default();
    truncate_chars(&text, EXCERPT_CHARS)
}

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
    fn excerpt_is_short_scrubbed_and_printable() {
        let body = format!("<html>SECRET-xyz\n{}</html>", "a".repeat(1000));
        let ex = body_excerpt(body.as_bytes(), &["SECRET-xyz"]);
        assert!(ex.chars().count() <= EXCERPT_CHARS, "{}", ex.len());
        assert!(!ex.contains("SECRET-xyz"));
        assert!(ex.starts_with("<html>(redacted)\\n"));
        assert!(ex.ends_with('…'));
        let e = OmsError::undecodable("expected value", &ex);
        assert_eq!(e.body_excerpt(), Some(ex.as_str()));
        // Invalid UTF-8 does not panic.
        let ex = body_excerpt(&[0xff, 0xfe, b'a'], &[]);
        assert!(ex.ends_with('a'));
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        let s = "ü".repeat(300);
        let t = truncate_chars(&s, 10);
        assert_eq!(t.chars().count(), 10);
        assert_eq!(truncate_chars("abc", 10), "abc");
    }
}
