//! Go-style durations ("90s", "1h30m", "250ms"), the notation Terraform users
//! know from `timeouts` blocks in every Go provider.

use std::time::Duration;

/// Parses a Go `time.ParseDuration` string. Negative durations are rejected:
/// a timeout cannot be negative.
pub(crate) fn parse_go_duration(text: &str) -> Result<Duration, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("a duration cannot be empty".into());
    }
    let s = s.strip_prefix('+').unwrap_or(s);
    if s.starts_with('-') {
        return Err(format!("{text:?} is negative; a timeout must be positive"));
    }
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    let mut rest = s;
    let mut total_ns: f64 = 0.0;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        if num_len == 0 {
            return Err(format!("{text:?} is not a duration (expected a number, e.g. \"5m\" or \"90s\")"));
        }
        let num: f64 = rest[..num_len].parse().map_err(|_| format!("{text:?} has a malformed number"))?;
        rest = &rest[num_len..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let scale = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "" => return Err(format!("{text:?} is missing a unit (use ns, us, ms, s, m or h)")),
            other => return Err(format!("{text:?} has unknown unit {other:?} (use ns, us, ms, s, m or h)")),
        };
        total_ns += num * scale;
    }
    if !total_ns.is_finite() || total_ns > (i64::MAX as f64) {
        return Err(format!("{text:?} is too long"));
    }
    Ok(Duration::from_nanos(total_ns as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_duration_forms() {
        assert_eq!(parse_go_duration("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_go_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_go_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_go_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_go_duration("10us").unwrap(), Duration::from_micros(10));
        assert_eq!(parse_go_duration("0").unwrap(), Duration::ZERO);
        for bad in ["", "5", "m", "-5m", "5x", "1h-3m", "..s", "9999999999h"] {
            assert!(parse_go_duration(bad).is_err(), "{bad}");
        }
    }
}
