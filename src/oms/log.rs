//! A minimal logging seam. The crate has no global logger; the plugin layer
//! adapts this trait to hclog JSON on stderr, and tests can capture lines.
//! What reaches it is already redacted (see `oms/redact.rs`).

/// Receives debug lines about HTTP exchanges. Implementations must not block
/// for long: they are called inline on the request path.
pub trait OmsLogger: Send + Sync {
    /// Whether [`OmsLogger::debug`] would record anything. The client asks
    /// before building a line's fields, which cost allocations on every request.
    fn enabled(&self) -> bool {
        true
    }

    /// One line: a fixed message and its fields, in order.
    fn debug(&self, msg: &str, fields: &[(&str, String)]);
}

/// Discards everything; the default.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoopLogger;

impl OmsLogger for NoopLogger {
    fn enabled(&self) -> bool {
        false
    }

    fn debug(&self, _msg: &str, _fields: &[(&str, String)]) {}
}
