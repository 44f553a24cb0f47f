//! Structured logs as hclog JSON lines on stderr, the format go-plugin parses
//! so that provider logs appear under `TF_LOG=debug` with Terraform's own,
//! labelled with the provider's logger name.
//!
//! Rules from go-plugin's parser: `@message` and `@level` must be strings
//! (anything else panics Terraform), and `@timestamp` must have exactly six
//! fractional digits or the line is treated as plain text.
//!
//! Nothing logs secret values: callers pass only non-secret fields (HTTP
//! headers are redacted by the OMS client, see `src/oms/redact.rs`).

use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};

/// hclog's levels; the discriminants order them so one comparison filters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Level {
    Trace = 1,
    Debug = 2,
    Info = 3,
    Warn = 4,
    Error = 5,
    Off = 6,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Off => "off",
        }
    }

    /// Reads a TF_LOG-style level name. `JSON` is Terraform's alias for trace.
    fn parse(s: &str) -> Option<Level> {
        match s.trim().to_ascii_lowercase().as_str() {
            "trace" | "json" => Some(Level::Trace),
            "debug" => Some(Level::Debug),
            "info" => Some(Level::Info),
            "warn" => Some(Level::Warn),
            "error" => Some(Level::Error),
            "off" => Some(Level::Off),
            _ => None,
        }
    }
}

static MIN_LEVEL: AtomicU8 = AtomicU8::new(Level::Warn as u8);

/// Sets the level from `TF_LOG_PROVIDER`, else `TF_LOG` (as terraform-plugin-log
/// does), else warnings and errors only. Terraform applies its own filter too,
/// so this mostly saves work when nobody is listening.
pub fn init_from_env() {
    let level = ["TF_LOG_PROVIDER", "TF_LOG"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
        .map(|v| Level::parse(&v).unwrap_or(Level::Trace))
        .unwrap_or(Level::Warn);
    set_level(level);
}

fn set_level(level: Level) {
    MIN_LEVEL.store(level as u8, Ordering::Relaxed);
}

fn enabled(level: Level) -> bool {
    level != Level::Off && level as u8 >= MIN_LEVEL.load(Ordering::Relaxed)
}

/// Formats one hclog JSON line (without the newline).
fn format_line(level: Level, message: &str, fields: &[(&str, &str)]) -> String {
    let mut obj = serde_json::Map::new();
    obj.insert("@level".into(), level.as_str().into());
    obj.insert("@message".into(), message.into());
    obj.insert("@module".into(), "provider.oms".into());
    obj.insert("@timestamp".into(), timestamp().into());
    for (k, v) in fields {
        if !k.starts_with('@') {
            obj.insert((*k).to_string(), (*v).into());
        }
    }
    serde_json::Value::Object(obj).to_string()
}

/// `2006-01-02T15:04:05.000000Z07:00` in Go's layout notation.
fn timestamp() -> String {
    let now = time::OffsetDateTime::now_utc();
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    now.format(&fmt).unwrap_or_else(|_| "1970-01-01T00:00:00.000000Z".into())
}

/// Writes one line at `level`, if that level is enabled.
fn log(level: Level, message: &str, fields: &[(&str, &str)]) {
    if !enabled(level) {
        return;
    }
    let mut line = format_line(level, message, fields);
    line.push('\n');
    // One write per line so concurrent tasks never interleave inside a line.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// Whether debug lines are wanted: callers that build costly fields (per
/// request, say) check this first, so the default level costs them nothing.
pub fn debug_enabled() -> bool {
    enabled(Level::Debug)
}

/// Logs at debug level: request-level detail seen under `TF_LOG=debug`.
pub fn debug(message: &str, fields: &[(&str, &str)]) {
    log(Level::Debug, message, fields)
}

/// Logs at info level.
pub fn info(message: &str, fields: &[(&str, &str)]) {
    log(Level::Info, message, fields)
}

/// Logs at warn level: something went wrong but the provider carries on.
pub fn warn(message: &str, fields: &[(&str, &str)]) {
    log(Level::Warn, message, fields)
}

/// Logs at error level: the provider cannot continue.
pub fn error(message: &str, fields: &[(&str, &str)]) {
    log(Level::Error, message, fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_follow_hclog_json_rules() {
        let line = format_line(Level::Debug, "hello \"world\"", &[("tf_rpc", "ReadDataSource"), ("@level", "x")]);
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["@level"], "debug");
        assert_eq!(v["@message"], "hello \"world\"");
        assert_eq!(v["tf_rpc"], "ReadDataSource");
        let ts = v["@timestamp"].as_str().unwrap();
        // e.g. 2026-11-24T02:35:37.123456Z
        assert_eq!(ts.len(), 27, "{ts}");
        assert_eq!(ts.as_bytes()[19], b'.');
        assert!(ts[20..26].bytes().all(|b| b.is_ascii_digit()));
        assert!(ts.ends_with('Z'));
    }

    #[test]
    fn level_parsing() {
        assert_eq!(Level::parse("DEBUG"), Some(Level::Debug));
        assert_eq!(Level::parse("json"), Some(Level::Trace));
        assert_eq!(Level::parse("bogus"), None);
    }
}
