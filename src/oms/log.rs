//! A minimal logging seam. The crate has no global logger; the plugin layer
//! adapts this trait to hclog JSON on stderr, and tests can capture lines.

/// Receives debug lines about HTTP exchanges. Implementations must not block
/// for long: they are called inline on the request path.
pub trait OmsLogger: Send + Sync {
    fn debug(&self, msg: &str, fields: &[(&str, String)]);
}

/// Discards everything; the default.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoopLogger;

impl OmsLogger for NoopLogger {
    fn debug(&self, _msg: &str, _fields: &[(&str, String)]) {}
}

/// Header names whose values must never reach a log line.
pub const SENSITIVE_HEADERS: [&str; 3] = ["authorization", "x-auth-token", "x-security-token"];

/// Returns the value to log for a header: sensitive ones become `(redacted)`.
pub fn loggable_header_value(name: &str, value: &str) -> String {
    if SENSITIVE_HEADERS.iter().any(|s| s.eq_ignore_ascii_case(name)) {
        "(redacted)".to_string()
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_headers_redacted() {
        assert_eq!(loggable_header_value("Authorization", "SDK x"), "(redacted)");
        assert_eq!(loggable_header_value("X-Auth-Token", "t"), "(redacted)");
        assert_eq!(loggable_header_value("x-security-token", "t"), "(redacted)");
        assert_eq!(loggable_header_value("X-Project-Id", "p"), "p");
    }
}
