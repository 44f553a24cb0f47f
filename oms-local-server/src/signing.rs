//! Server-side SDK-HMAC-SHA256 verification, written from the published algorithm
//! rather than shared with the client signer in the provider's `oms::signer`, so each
//! implementation checks the other. The near-duplicate is deliberate: this crate depends
//! on nothing from the provider for exactly that reason. Everything is recomputed from the request exactly as received.

use hmac::{Hmac, Mac};
use percent_encoding::{percent_decode, percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

/// The only algorithm the gateway is emulated for; derived (V11) and SM3 variants are not
/// used by OMS clients.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";

/// Hex SHA-256 of the empty body, which is what every GET is signed with.
pub const EMPTY_BODY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Python's `quote(s, safe='~')`: RFC 3986 unreserved characters stay, everything else is
/// `%XX` with uppercase hex. Both the SDK signer and the gateway use this set.
const QUOTE_SAFE_TILDE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

fn quote(bytes: &[u8]) -> String {
    percent_encode(bytes, QUOTE_SAFE_TILDE).to_string()
}

/// Python's `unquote` decodes to `str` with replacement characters for invalid UTF-8;
/// mirroring that keeps hostile bytes deterministic instead of failing the request early.
fn unquote_lossy(raw: &str) -> String {
    String::from_utf8_lossy(&percent_decode(raw.as_bytes()).collect::<Vec<u8>>()).into_owned()
}

/// Canonical URI from the raw (still percent-encoded) request path. The whole path is
/// decoded before splitting, so an encoded `%2F` becomes a separator — that is what the
/// SDK does, and the verifier must agree with it byte for byte. The trailing `/` exists
/// only in the canonical form.
pub fn canonical_uri(raw_path: &str) -> String {
    let decoded = unquote_lossy(raw_path);
    let mut out = decoded.split('/').map(|seg| quote(seg.as_bytes())).collect::<Vec<_>>().join("/");
    if !out.ends_with('/') {
        out.push('/');
    }
    out
}

/// Decodes a query component. `+` is read as a space because Go clients form-encode
/// queries (`url.Values.Encode`) while signing the decoded value; a literal plus always
/// arrives as `%2B` from every SDK.
fn decode_query_component(raw: &str) -> String {
    unquote_lossy(&raw.replace('+', " "))
}

/// Parses a raw query into decoded `(key, value)` pairs, in wire order.
pub fn parse_query(raw_query: Option<&str>) -> Vec<(String, String)> {
    let Some(raw) = raw_query else {
        return Vec::new();
    };
    raw.split('&')
        .filter(|part| !part.is_empty())
        .map(|part| match part.split_once('=') {
            Some((k, v)) => (decode_query_component(k), decode_query_component(v)),
            None => (decode_query_component(part), String::new()),
        })
        .collect()
}

/// Canonical query: decoded pairs sorted by key then value and re-encoded, so the
/// client's choice of encoding or parameter order on the wire does not matter.
pub fn canonical_query(raw_query: Option<&str>) -> String {
    let mut pairs = parse_query(raw_query);
    pairs.sort();
    pairs.iter().map(|(k, v)| format!("{}={}", quote(k.as_bytes()), quote(v.as_bytes()))).collect::<Vec<_>>().join("&")
}

/// Lowercase hex SHA-256, as the algorithm hashes bodies and canonical requests.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Builds the canonical request. `headers` are the signed headers in the order listed
/// in `SignedHeaders`, with names already lowercased and values as received.
pub fn canonical_request(
    method: &str,
    raw_path: &str,
    raw_query: Option<&str>,
    headers: &[(String, String)],
    body_sha256_hex: &str,
) -> String {
    let mut canonical_headers = String::new();
    for (name, value) in headers {
        canonical_headers.push_str(name);
        canonical_headers.push(':');
        canonical_headers.push_str(value.trim());
        canonical_headers.push('\n');
    }
    let signed = headers.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(";");
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        method,
        canonical_uri(raw_path),
        canonical_query(raw_query),
        canonical_headers,
        signed,
        body_sha256_hex
    )
}

/// The second step of the algorithm; public so tests can compare intermediate steps.
pub fn string_to_sign(sdk_date: &str, canonical_request: &str) -> String {
    format!("{}\n{}\n{}", ALGORITHM, sdk_date, sha256_hex(canonical_request.as_bytes()))
}

/// The SK is the HMAC key as-is: this algorithm has no key derivation step.
pub fn signature_hex(secret_key: &str, string_to_sign: &str) -> String {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret_key.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Comparison time must not depend on where the first differing byte is, or a client
/// could discover a valid signature byte by byte.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A parsed `Authorization: SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationHeader {
    /// Looked up against the configured AK.
    pub access_key: String,
    /// Lowercase names, in the order given; the canonical request uses exactly these.
    pub signed_headers: Vec<String>,
    /// Lowercase hex, compared in constant time.
    pub signature: String,
}

/// Why an `Authorization` header was refused; the gateway answers all of them with the
/// same 401, the variants exist so tests can pin the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthParseError {
    /// Not `SDK-HMAC-SHA256` (e.g. a different signing scheme).
    UnsupportedAlgorithm,
    /// The header is not in the expected form; the text says which part.
    Malformed(&'static str),
}

fn is_header_name_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
}

/// Strict parser: exactly the three parameters, each once, non-empty, a 64-hex-digit
/// signature and lowercase header names without duplicates. Leniency here would let a
/// client bug (e.g. a missing separator) pass locally and fail against the real gateway.
pub fn parse_authorization(value: &str) -> Result<AuthorizationHeader, AuthParseError> {
    let rest = value.strip_prefix(ALGORITHM).ok_or(AuthParseError::UnsupportedAlgorithm)?;
    let params = rest.strip_prefix(' ').ok_or(AuthParseError::Malformed("missing space after algorithm"))?;
    let mut access = None;
    let mut signed = None;
    let mut signature = None;
    for part in params.split(',') {
        let part = part.trim_matches(' ');
        let (key, val) = part.split_once('=').ok_or(AuthParseError::Malformed("parameter without '='"))?;
        if val.is_empty() {
            return Err(AuthParseError::Malformed("empty parameter value"));
        }
        if val.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(AuthParseError::Malformed("whitespace in parameter value"));
        }
        let slot = match key {
            "Access" => &mut access,
            "SignedHeaders" => &mut signed,
            "Signature" => &mut signature,
            _ => return Err(AuthParseError::Malformed("unknown parameter")),
        };
        if slot.replace(val.to_string()).is_some() {
            return Err(AuthParseError::Malformed("duplicate parameter"));
        }
    }
    let access_key = access.ok_or(AuthParseError::Malformed("missing Access"))?;
    let signed = signed.ok_or(AuthParseError::Malformed("missing SignedHeaders"))?;
    let signature = signature.ok_or(AuthParseError::Malformed("missing Signature"))?;
    if signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AuthParseError::Malformed("signature is not 64 hex digits"));
    }
    let mut signed_headers: Vec<String> = Vec::new();
    for name in signed.split(';') {
        if name.is_empty() || !name.chars().all(is_header_name_char) {
            return Err(AuthParseError::Malformed("invalid signed header name"));
        }
        if signed_headers.iter().any(|n| n == name) {
            return Err(AuthParseError::Malformed("duplicate signed header"));
        }
        signed_headers.push(name.to_string());
    }
    Ok(AuthorizationHeader { access_key, signed_headers, signature: signature.to_ascii_lowercase() })
}

/// Parses `X-Sdk-Date` (`YYYYMMDDTHHMMSSZ`, UTC) into Unix seconds. Only this exact
/// basic ISO-8601 shape is what the SDKs emit and the gateway accepts.
pub fn parse_sdk_date(value: &str) -> Option<i64> {
    let b = value.as_bytes();
    // ASCII-only first: the byte-range slicing below must never split a UTF-8 character.
    if !value.is_ascii() || b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = &value[r];
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    let year = i32::try_from(digits(0..4)?).ok()?;
    let month = u8::try_from(digits(4..6)?).ok()?;
    let day = u8::try_from(digits(6..8)?).ok()?;
    let hour = u8::try_from(digits(9..11)?).ok()?;
    let minute = u8::try_from(digits(11..13)?).ok()?;
    let second = u8::try_from(digits(13..15)?).ok()?;
    let month = time::Month::try_from(month).ok()?;
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    let t = time::Time::from_hms(hour, minute, second).ok()?;
    Some(time::PrimitiveDateTime::new(date, t).assume_utc().unix_timestamp())
}

/// Formats Unix seconds as `X-Sdk-Date`; used by tests and the demo to sign requests.
pub fn format_sdk_date(unix_seconds: i64) -> Option<String> {
    let dt = time::OffsetDateTime::from_unix_timestamp(unix_seconds).ok()?;
    Some(format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    ))
}

/// Whether `date` lies within `limit` of `now` in either direction.
pub fn within_skew(date_unix: i64, now_unix: i64, limit: std::time::Duration) -> bool {
    let limit = i64::try_from(limit.as_secs()).unwrap_or(i64::MAX);
    date_unix.abs_diff(now_unix) <= limit.unsigned_abs()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(n: &str, v: &str) -> (String, String) {
        (n.to_string(), v.to_string())
    }

    #[test]
    fn go_get_vector() {
        let cr = canonical_request(
            "GET",
            "/path",
            Some("limit=1"),
            &[h("x-sdk-date", "20060102T150405Z")],
            EMPTY_BODY_SHA256,
        );
        assert_eq!(cr, format!("GET\n/path/\nlimit=1\nx-sdk-date:20060102T150405Z\n\nx-sdk-date\n{EMPTY_BODY_SHA256}"));
        let sig = signature_hex("SecretKey", &string_to_sign("20060102T150405Z", &cr));
        assert_eq!(sig, "5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624");
    }

    #[test]
    fn go_post_vector() {
        let body = b"{\"Name\":\"test\",\"Id\":1}\n";
        let cr = canonical_request(
            "POST",
            "/path",
            Some("key=value"),
            &[h("x-sdk-date", "20060102T150405Z")],
            &sha256_hex(body),
        );
        let sig = signature_hex("SecretKey", &string_to_sign("20060102T150405Z", &cr));
        assert_eq!(sig, "cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59");
    }

    #[test]
    fn doc_string_to_sign_vector() {
        let sts = "SDK-HMAC-SHA256\n20191115T033655Z\nb25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a";
        assert_eq!(
            signature_hex("MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc", sts),
            "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe"
        );
    }

    fn oms_headers(token: Option<&str>) -> Vec<(String, String)> {
        let mut v = vec![
            h("content-type", "application/json"),
            h("host", "oms.cn-north-4.myhuaweicloud.com"),
            h("x-project-id", "0123456789abcdef0123456789abcdef"),
            h("x-sdk-date", "20240101T000000Z"),
        ];
        if let Some(t) = token {
            v.push(h("x-security-token", t));
        }
        v
    }

    const OMS_PATH: &str = "/v2/0123456789abcdef0123456789abcdef/sync-tasks/task-1";

    #[test]
    fn py_core_oms_vector() {
        let cr =
            canonical_request("GET", OMS_PATH, Some("query_time=1700000000000"), &oms_headers(None), EMPTY_BODY_SHA256);
        assert_eq!(sha256_hex(cr.as_bytes()), "035a998da7b0fe047a275db7a6323d2367b356696fd60be4017ce9ad86dc391c");
        assert_eq!(
            signature_hex("SecretKey", &string_to_sign("20240101T000000Z", &cr)),
            "c03e14571eeae084ea52ecedfe149da66df1b45732516afe86924015a08492f5"
        );
    }

    #[test]
    fn py_core_oms_vector_with_security_token() {
        let cr = canonical_request(
            "GET",
            OMS_PATH,
            Some("query_time=1700000000000"),
            &oms_headers(Some("tok")),
            EMPTY_BODY_SHA256,
        );
        assert_eq!(
            signature_hex("SecretKey", &string_to_sign("20240101T000000Z", &cr)),
            "bd65558feae72c6dd7f7af7c4141b03cb7ae983515d0cf94fb6587405ba34953"
        );
    }

    #[test]
    fn uri_and_query_encoding_check() {
        assert_eq!(canonical_uri("/v2/a%20b/c%2Fd"), "/v2/a%20b/c/d/");
        assert_eq!(canonical_uri("/v2/a b/c%2Fd"), "/v2/a%20b/c/d/");
        assert_eq!(canonical_query(Some("b=x%20y&a=~%2A")), "a=~%2A&b=x%20y");
        assert_eq!(canonical_query(Some("b=x+y&a=~*")), "a=~%2A&b=x%20y");
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("/already/"), "/already/");
        assert_eq!(canonical_uri("/x/%e4%b8%80"), "/x/%E4%B8%80/");
        assert_eq!(canonical_query(None), "");
        assert_eq!(canonical_query(Some("")), "");
    }

    #[test]
    fn go_query_vector() {
        let raw = "test=%E4%B8%80%20(%26%3D%3F!%23%25.*)&path=/tmp/123&multi=3&multi=1&multi=2&limit=1&enable=true";
        assert_eq!(
            canonical_query(Some(raw)),
            "enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123&test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29"
        );
    }

    #[test]
    fn query_without_value_and_empty_parts() {
        assert_eq!(canonical_query(Some("&b&&a=")), "a=&b=");
    }

    #[test]
    fn parses_sdk_style_authorization() {
        let a = parse_authorization(
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624",
        )
        .unwrap();
        assert_eq!(a.access_key, "AK");
        assert_eq!(a.signed_headers, vec!["host", "x-sdk-date"]);
        // No space after the comma is also produced by some hand-rolled clients.
        assert!(parse_authorization(
            "SDK-HMAC-SHA256 Access=AK,SignedHeaders=x-sdk-date,Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624"
        )
        .is_ok());
    }

    #[test]
    fn rejects_malformed_authorization() {
        let sig = "5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624";
        let bad = [
            String::new(),
            "SDK-HMAC-SHA256".to_string(),
            format!("SDK-HMAC-SHA1 Access=AK, SignedHeaders=x-sdk-date, Signature={sig}"),
            format!("V11-HMAC-SHA256 Credential=AK/x, SignedHeaders=x-sdk-date, Signature={sig}"),
            format!("SDK-HMAC-SHA256Access=AK, SignedHeaders=x-sdk-date, Signature={sig}"),
            format!("SDK-HMAC-SHA256 Access=, SignedHeaders=x-sdk-date, Signature={sig}"),
            format!("SDK-HMAC-SHA256 SignedHeaders=x-sdk-date, Signature={sig}"),
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date".to_string(),
            format!("SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date, Signature={sig}, Extra=1"),
            format!("SDK-HMAC-SHA256 Access=AK, Access=AK, SignedHeaders=x-sdk-date, Signature={sig}"),
            format!("SDK-HMAC-SHA256 Access=AK SignedHeaders=x-sdk-date, Signature={sig}"),
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date, Signature=abc".to_string(),
            format!("SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date, Signature={}zz", &sig[..62]),
            format!("SDK-HMAC-SHA256 Access=AK, SignedHeaders=X-Sdk-Date, Signature={sig}"),
            format!("SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;;x-sdk-date, Signature={sig}"),
            format!("SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;host, Signature={sig}"),
            format!("SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date;, Signature={sig}"),
            format!("SDK-HMAC-SHA256 Access=AK, SignedHeaders=x_sdk_date, Signature={sig}"),
            format!("SDK-HMAC-SHA256 Access=AK,, SignedHeaders=x-sdk-date, Signature={sig}"),
            format!("sdk-hmac-sha256 Access=AK, SignedHeaders=x-sdk-date, Signature={sig}"),
        ];
        for value in bad {
            assert!(parse_authorization(&value).is_err(), "accepted: {value:?}");
        }
    }

    #[test]
    fn sdk_date_parsing_and_window() {
        assert_eq!(parse_sdk_date("20240101T000000Z"), Some(1_704_067_200));
        assert_eq!(parse_sdk_date("19700101T000000Z"), Some(0));
        for bad in [
            "",
            "20240101T000000",
            "2024-01-01T00:00:00Z",
            "20241301T000000Z",
            "20240230T000000Z",
            "20240101T250000Z",
            "20240101t000000Z",
            "2024010１T000000Z",
            "+2040101T000000Z",
            "20240101T00000 Z",
            "2024é01T00000Z",
            "20240101Té0000Z",
        ] {
            assert_eq!(parse_sdk_date(bad), None, "{bad:?}");
        }
        assert_eq!(format_sdk_date(1_704_067_200).unwrap(), "20240101T000000Z");
        let limit = std::time::Duration::from_secs(15 * 60);
        assert!(within_skew(1000, 1000 + 900, limit));
        assert!(within_skew(1000 + 900, 1000, limit));
        assert!(!within_skew(1000, 1000 + 901, limit));
        assert!(!within_skew(1000 + 901, 1000, limit));
        assert!(!within_skew(i64::MIN, i64::MAX, limit));
    }

    #[test]
    fn constant_time_eq_basics() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
