//! What may leave the client in errors and logs. Server-provided text can
//! echo anything we sent (a misconfigured proxy may reflect request headers
//! into its body), and request logs would otherwise carry credentials, so
//! every such path goes through this module: one list of credential-bearing
//! headers, one way to scrub known secrets, one way to shorten foreign text.

/// Shown instead of anything secret.
pub(crate) const REDACTED: &str = "(redacted)";

/// Longest excerpt of a response body or cause text kept in an error: enough
/// to diagnose, small enough to show in a Terraform diagnostic.
pub(crate) const EXCERPT_CHARS: usize = 200;

/// Lowercase names of the headers whose values are credentials: the two the
/// client sends (`Authorization` with the signature, `X-Auth-Token`), the
/// temporary-credential token, and IAM's token-issuing response header.
pub(crate) const SENSITIVE_HEADERS: [&str; 4] =
    ["authorization", "x-auth-token", "x-security-token", "x-subject-token"];

/// Whether a header's value must never be logged or shown (case-insensitive).
pub(crate) fn is_sensitive_header(name: &str) -> bool {
    SENSITIVE_HEADERS.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// The value to log for a header: [`REDACTED`] for sensitive ones.
pub(crate) fn redact_header<'a>(name: &str, value: &'a str) -> &'a str {
    if is_sensitive_header(name) {
        REDACTED
    } else {
        value
    }
}

/// Replaces every occurrence of each (non-empty) secret with [`REDACTED`].
pub(crate) fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        if out.contains(s) {
            out = out.replace(s, REDACTED);
        }
    }
    out
}

/// Whether any of the secrets occurs in the text.
pub(crate) fn contains_secret(text: &str, secrets: &[&str]) -> bool {
    secrets.iter().any(|s| !s.is_empty() && text.contains(s))
}

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

/// Like [`body_excerpt`], but `None` for a blank body, which says nothing.
pub(crate) fn non_empty_excerpt(body: &[u8], secrets: &[&str]) -> Option<String> {
    let e = body_excerpt(body, secrets);
    if e.trim().is_empty() {
        None
    } else {
        Some(e)
    }
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
    fn credential_headers_are_redacted_whatever_their_case() {
        for name in ["Authorization", "X-Auth-Token", "x-security-token", "X-SUBJECT-TOKEN"] {
            assert!(is_sensitive_header(name), "{name}");
            assert_eq!(redact_header(name, "secret"), REDACTED, "{name}");
        }
        for name in ["X-Project-Id", "X-Request-Id", "X-Sdk-Date", "Host", "User-Agent", "authorization-hint"] {
            assert!(!is_sensitive_header(name), "{name}");
            assert_eq!(redact_header(name, "v"), "v", "{name}");
        }
        // The list is what the predicate reads, in the lowercase form it documents.
        for name in SENSITIVE_HEADERS {
            assert_eq!(name, name.to_ascii_lowercase());
            assert!(is_sensitive_header(name));
        }
    }

    #[test]
    fn scrub_replaces_every_secret_and_ignores_empty_ones() {
        assert_eq!(scrub("a SK b SK TOK", &["SK", "TOK", ""]), "a (redacted) b (redacted) (redacted)");
        assert_eq!(scrub("nothing", &[""]), "nothing");
        assert!(contains_secret("x SK y", &["SK"]));
        assert!(!contains_secret("x y", &["SK", ""]));
    }

    #[test]
    fn excerpt_is_short_scrubbed_and_printable() {
        let body = format!("<html>SECRET-xyz\n{}</html>", "a".repeat(1000));
        let ex = body_excerpt(body.as_bytes(), &["SECRET-xyz"]);
        assert!(ex.chars().count() <= EXCERPT_CHARS, "{}", ex.len());
        assert!(!ex.contains("SECRET-xyz"));
        assert!(ex.starts_with("<html>(redacted)\\n"));
        assert!(ex.ends_with('…'));
        // Invalid UTF-8 does not panic.
        let ex = body_excerpt(&[0xff, 0xfe, b'a'], &[]);
        assert!(ex.ends_with('a'));
        assert_eq!(non_empty_excerpt(b"   ", &[]), None);
        assert_eq!(non_empty_excerpt(b"oops", &[]).as_deref(), Some("oops"));
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        let s = "ü".repeat(300);
        let t = truncate_chars(&s, 10);
        assert_eq!(t.chars().count(), 10);
        assert_eq!(truncate_chars("abc", 10), "abc");
    }

    #[test]
    fn cause_text_keeps_the_innermost_message() {
        let inner = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "connection reset by peer");
        let outer = crate::oms::OmsError::transport("error sending request").with_source(inner);
        assert_eq!(cause_text(&outer), "connection reset by peer");
        assert_eq!(cause_text(&std::io::Error::other("x".repeat(500))).chars().count(), EXCERPT_CHARS);
    }
}
