//! SDK-HMAC-SHA256 request signing, byte-compatible with the official
//! Python SDK (`huaweicloudsdkcore.signer.signer.Signer`). The API gateway
//! recomputes the canonical request from what it receives, so every rule
//! here mirrors the SDK exactly, including its quirks (trailing `/` in the
//! canonical URI only, `%2F` in a path treated as a separator, headers with
//! `_` left unsigned).
//!
//! `oms-local-server/src/signing.rs` verifies these signatures with its own code and
//! the same published test vectors. That near-duplicate is deliberate: a verifier
//! sharing this code would share its mistakes, so each implementation checks the other.

use std::time::SystemTime;

use hmac::{Hmac, Mac};
use percent_encoding::{percent_decode_str, utf8_percent_encode};
use sha2::{Digest, Sha256};
use time::macros::format_description;
use time::OffsetDateTime;

use super::error::OmsError;
use super::path::SEGMENT;

/// The scheme name that opens `Authorization` and the string to sign.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
/// The signing time header, `%Y%m%dT%H%M%SZ` in UTC.
pub(crate) const HEADER_SDK_DATE: &str = "X-Sdk-Date";
/// Overrides the payload hash (`UNSIGNED-PAYLOAD` for non-JSON bodies).
pub(crate) const HEADER_CONTENT_SHA256: &str = "X-Sdk-Content-Sha256";
/// Hex SHA-256 of the empty string: GET requests have no body.
pub(crate) const EMPTY_BODY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Formats a timestamp as the SDK's `%Y%m%dT%H%M%SZ` (UTC).
pub(crate) fn format_sdk_date(t: SystemTime) -> String {
    let dt = OffsetDateTime::from(t);
    let fmt = format_description!("[year][month][day]T[hour][minute][second]Z");
    // Formatting only fails for years outside 0..=9999, which SystemTime
    // values from a sane clock never reach; fall back to the epoch shape.
    dt.format(&fmt).unwrap_or_else(|_| "19700101T000000Z".to_string())
}

fn looks_like_sdk_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 16
        && b[8] == b'T'
        && b[15] == b'Z'
        && b[..8].iter().all(u8::is_ascii_digit)
        && b[9..15].iter().all(u8::is_ascii_digit)
}

/// Python's `quote(s, safe='~')`: only unreserved characters stay literal.
pub(crate) fn sdk_quote(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// Canonical URI from the path *as sent* (percent-encoded): decode, split on
/// `/`, re-encode each segment, and append `/`. Decoding first is what the
/// SDK does, so an encoded `%2F` becomes a separator here.
pub fn canonical_uri(path: &str) -> String {
    let decoded = percent_decode_str(path).decode_utf8_lossy();
    let mut out = decoded.split('/').map(sdk_quote).collect::<Vec<_>>().join("/");
    if !out.ends_with('/') {
        out.push('/');
    }
    out
}

/// Canonical query from *decoded* `(key, value)` pairs: sorted by key then
/// value, both quoted with `safe='~'`, joined by `&`.
pub fn canonical_query(params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    sorted.iter().map(|(k, v)| format!("{}={}", sdk_quote(k), sdk_quote(v))).collect::<Vec<_>>().join("&")
}

/// Names of the headers the SDK signs: every header whose name has no `_`,
/// lowercased and sorted.
pub(crate) fn signed_header_names(headers: &[(String, String)]) -> Vec<String> {
    let mut names: Vec<String> =
        headers.iter().filter(|(k, _)| !k.contains('_')).map(|(k, _)| k.to_ascii_lowercase()).collect();
    names.sort();
    names
}

fn header_value<'a>(headers: &'a [(String, String)], lower_name: &str) -> Option<&'a str> {
    // Last one wins, like the SDK's dict.
    headers.iter().rev().find(|(k, _)| k.eq_ignore_ascii_case(lower_name)).map(|(_, v)| v.as_str())
}

fn hex_sha256(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The canonical request for the given request parts. `path` is the
/// percent-encoded path exactly as sent, `query` the decoded pairs,
/// `signed_headers` lowercased names (see [`signed_header_names`]); this is
/// public so a verifying server can recompute it from what it received.
pub fn canonical_request(
    method: &str,
    path: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    signed_headers: &[String],
    body: &[u8],
) -> String {
    let mut canonical_headers = String::new();
    for name in signed_headers {
        let value = header_value(headers, name).unwrap_or("").trim();
        canonical_headers.push_str(name);
        canonical_headers.push(':');
        canonical_headers.push_str(value);
        canonical_headers.push('\n');
    }
    let payload_hash = if body.is_empty() {
        EMPTY_BODY_SHA256.to_string()
    } else if let Some(h) = header_value(headers, "x-sdk-content-sha256").filter(|h| !h.is_empty()) {
        h.to_string()
    } else {
        hex_sha256(body)
    };
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        method.to_ascii_uppercase(),
        canonical_uri(path),
        canonical_query(query),
        canonical_headers,
        signed_headers.join(";"),
        payload_hash
    )
}

/// `ALGORITHM \n date \n hex(sha256(canonical request))`.
pub fn string_to_sign(sdk_date: &str, canonical_request: &str) -> String {
    format!("{ALGORITHM}\n{sdk_date}\n{}", hex_sha256(canonical_request.as_bytes()))
}

/// Hex HMAC-SHA256 keyed directly with the secret key (no derivation).
pub fn signature(secret_key: &str, string_to_sign: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret_key.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The `Authorization` value the gateway parses back into its three parts.
pub(crate) fn authorization_header(access_key: &str, signed_headers: &[String], signature: &str) -> String {
    format!("{ALGORITHM} Access={access_key}, SignedHeaders={}, Signature={signature}", signed_headers.join(";"))
}

/// The parts of an `Authorization` header, for servers that verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAuthorization {
    /// `Access=`: the access key id.
    pub access_key: String,
    /// `SignedHeaders=`: lowercased names, in signing order.
    pub signed_headers: Vec<String>,
    /// `Signature=`: hex HMAC-SHA256.
    pub signature: String,
}

/// Splits an `Authorization` value of this scheme; `None` for any other
/// scheme or a missing or unknown part.
pub fn parse_authorization(value: &str) -> Option<ParsedAuthorization> {
    let rest = value.strip_prefix(ALGORITHM)?.strip_prefix(' ')?;
    let mut access = None;
    let mut signed = None;
    let mut sig = None;
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Access" => access = Some(v.to_string()),
            "SignedHeaders" => signed = Some(v.split(';').map(str::to_string).collect()),
            "Signature" => sig = Some(v.to_string()),
            _ => return None,
        }
    }
    Some(ParsedAuthorization { access_key: access?, signed_headers: signed?, signature: sig? })
}

/// Everything signing produced, for logging-free inspection in tests.
#[derive(Debug, Clone)]
pub struct Signature {
    /// See [`canonical_request`].
    pub canonical_request: String,
    /// See [`string_to_sign`].
    pub string_to_sign: String,
    /// Lowercased names of the signed headers.
    pub signed_headers: Vec<String>,
    /// The `Authorization` value, also appended to the headers.
    pub authorization: String,
}

/// Signs a request the way `Signer.sign` does: adds `X-Sdk-Content-Sha256:
/// UNSIGNED-PAYLOAD` for non-JSON content types, `X-Sdk-Date` (from `now`)
/// and `Host` when absent, then computes `Authorization` (also appended to
/// `headers`). `host` is `host[:port]`, with the port only when non-default.
#[allow(clippy::too_many_arguments)]
pub fn sign(
    access_key: &str,
    secret_key: &str,
    method: &str,
    host: &str,
    path: &str,
    query: &[(String, String)],
    headers: &mut Vec<(String, String)>,
    body: &[u8],
    now: SystemTime,
) -> Result<Signature, OmsError> {
    if access_key.is_empty() {
        return Err(OmsError::config("access_key is required for signing"));
    }
    if secret_key.is_empty() {
        return Err(OmsError::config("secret_key is required for signing"));
    }
    if let Some(ct) = header_value(headers, "content-type") {
        if !ct.is_empty() && !ct.starts_with("application/json") && !ct.starts_with("application/bson") {
            headers.push((HEADER_CONTENT_SHA256.into(), "UNSIGNED-PAYLOAD".into()));
        }
    }
    let sdk_date = match header_value(headers, "x-sdk-date") {
        Some(d) if looks_like_sdk_date(d) => d.to_string(),
        Some(_) => return Err(OmsError::invalid_request("X-Sdk-Date is not %Y%m%dT%H%M%SZ")),
        None => {
            let d = format_sdk_date(now);
            headers.push((HEADER_SDK_DATE.into(), d.clone()));
            d
        }
    };
    if header_value(headers, "host").is_none() {
        headers.push(("Host".into(), host.to_string()));
    }
    let signed_headers = signed_header_names(headers);
    let canonical_request = canonical_request(method, path, query, headers, &signed_headers, body);
    let string_to_sign = string_to_sign(&sdk_date, &canonical_request);
    let sig = signature(secret_key, &string_to_sign);
    let authorization = authorization_header(access_key, &signed_headers, &sig);
    headers.push(("Authorization".into(), authorization.clone()));
    Ok(Signature { canonical_request, string_to_sign, signed_headers, authorization })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn s(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn sdk_date_format() {
        assert_eq!(format_sdk_date(UNIX_EPOCH), "19700101T000000Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_136_214_245); // 2006-01-02 15:04:05Z
        assert_eq!(format_sdk_date(t), "20060102T150405Z");
        assert!(looks_like_sdk_date("20240101T000000Z"));
        assert!(!looks_like_sdk_date("2024-01-01T00:00:00Z"));
    }

    #[test]
    fn go_get_vector() {
        let headers = s(&[("X-Sdk-Date", "20060102T150405Z"), ("TEST_UNDERSCORE", "ignored")]);
        let names = signed_header_names(&headers);
        assert_eq!(names, vec!["x-sdk-date"]);
        let cr = canonical_request("GET", "/path", &s(&[("limit", "1")]), &headers, &names, b"");
        assert_eq!(
            cr,
            "GET\n/path/\nlimit=1\nx-sdk-date:20060102T150405Z\n\nx-sdk-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let sig = signature("SecretKey", &string_to_sign("20060102T150405Z", &cr));
        assert_eq!(
            authorization_header("AccessKey", &names, &sig),
            "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624"
        );
    }

    #[test]
    fn go_post_vector() {
        // The Go SDK does not sign Content-Type, so it is left out here.
        let headers = s(&[("X-Sdk-Date", "20060102T150405Z"), ("TEST_UNDERSCORE", "ignored")]);
        let names = signed_header_names(&headers);
        let body = b"{\"Name\":\"test\",\"Id\":1}\n";
        let cr = canonical_request("POST", "/path", &s(&[("key", "value")]), &headers, &names, body);
        let sig = signature("SecretKey", &string_to_sign("20060102T150405Z", &cr));
        assert_eq!(sig, "cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59");
    }

    #[test]
    fn doc_string_to_sign_vector() {
        let sts = "SDK-HMAC-SHA256\n20191115T033655Z\nb25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a";
        assert_eq!(
            signature("MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc", sts),
            "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe"
        );
    }

    fn oms_headers() -> Vec<(String, String)> {
        s(&[
            ("Content-Type", "application/json"),
            ("X-Project-Id", "0123456789abcdef0123456789abcdef"),
            ("X-Sdk-Date", "20240101T000000Z"),
        ])
    }

    /// The Python SDK's ShowSyncTask request, signed with `headers`.
    fn sign_oms_vector(headers: &mut Vec<(String, String)>) -> Signature {
        sign(
            "AccessKey",
            "SecretKey",
            "GET",
            "oms.cn-north-4.myhuaweicloud.com",
            "/v2/0123456789abcdef0123456789abcdef/sync-tasks/task-1",
            &s(&[("query_time", "1700000000000")]),
            headers,
            b"",
            UNIX_EPOCH,
        )
        .unwrap()
    }

    #[test]
    fn py_core_oms_vector() {
        let mut headers = oms_headers();
        let sig = sign_oms_vector(&mut headers);
        assert_eq!(
            sig.canonical_request,
            "GET\n/v2/0123456789abcdef0123456789abcdef/sync-tasks/task-1/\nquery_time=1700000000000\ncontent-type:application/json\nhost:oms.cn-north-4.myhuaweicloud.com\nx-project-id:0123456789abcdef0123456789abcdef\nx-sdk-date:20240101T000000Z\n\ncontent-type;host;x-project-id;x-sdk-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex_sha256(sig.canonical_request.as_bytes()),
            "035a998da7b0fe047a275db7a6323d2367b356696fd60be4017ce9ad86dc391c"
        );
        assert_eq!(
            sig.authorization,
            "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=c03e14571eeae084ea52ecedfe149da66df1b45732516afe86924015a08492f5"
        );
        // The supplied date is kept, Host and Authorization are appended.
        assert_eq!(header_value(&headers, "host"), Some("oms.cn-north-4.myhuaweicloud.com"));
        assert_eq!(header_value(&headers, "authorization"), Some(sig.authorization.as_str()));
    }

    #[test]
    fn py_core_oms_vector_with_security_token() {
        let mut headers = oms_headers();
        headers.push(("X-Security-Token".into(), "tok".into()));
        let sig = sign_oms_vector(&mut headers);
        assert_eq!(
            sig.authorization,
            "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=content-type;host;x-project-id;x-sdk-date;x-security-token, Signature=bd65558feae72c6dd7f7af7c4141b03cb7ae983515d0cf94fb6587405ba34953"
        );
    }

    #[test]
    fn py_core_uri_encoding_check() {
        assert_eq!(canonical_uri("/v2/a b/c%2Fd"), "/v2/a%20b/c/d/");
        assert_eq!(canonical_query(&s(&[("b", "x y"), ("a", "~*")])), "a=~%2A&b=x%20y");
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/a/"), "/a/");
        assert_eq!(canonical_uri("/%C3%BC"), "/%C3%BC/");
        assert_eq!(canonical_uri("/%c3%bc"), "/%C3%BC/");
        assert_eq!(canonical_uri("/%FF"), "/%EF%BF%BD/");
    }

    #[test]
    fn go_query_vector() {
        let q = s(&[
            ("test", "一 (&=?!#%.*)"),
            ("path", "/tmp/123"),
            ("multi", "3"),
            ("multi", "1"),
            ("multi", "2"),
            ("limit", "1"),
            ("enable", "true"),
        ]);
        assert_eq!(
            canonical_query(&q),
            "enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123&test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29"
        );
    }

    #[test]
    fn non_json_content_type_is_unsigned_payload() {
        let mut headers = s(&[("Content-Type", "text/plain"), ("X-Sdk-Date", "20240101T000000Z")]);
        let sig = sign("ak", "sk", "PUT", "h", "/p", &[], &mut headers, b"data", UNIX_EPOCH).unwrap();
        assert!(sig.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
        assert!(sig.signed_headers.contains(&"x-sdk-content-sha256".to_string()));
    }

    #[test]
    fn date_added_when_missing_and_validated_when_present() {
        let mut headers = Vec::new();
        let t = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let sig = sign("ak", "sk", "GET", "h:8443", "/p", &[], &mut headers, b"", t).unwrap();
        assert_eq!(header_value(&headers, "x-sdk-date"), Some("20231114T221320Z"));
        assert!(sig.canonical_request.contains("host:h:8443\n"));
        let mut bad = s(&[("X-Sdk-Date", "yesterday")]);
        assert!(sign("ak", "sk", "GET", "h", "/p", &[], &mut bad, b"", t).is_err());
        assert!(sign("", "sk", "GET", "h", "/p", &[], &mut Vec::new(), b"", t).is_err());
        assert!(sign("ak", "", "GET", "h", "/p", &[], &mut Vec::new(), b"", t).is_err());
    }

    #[test]
    fn authorization_round_trip() {
        let names = vec!["host".to_string(), "x-sdk-date".to_string()];
        let h = authorization_header("AK", &names, "abc");
        let p = parse_authorization(&h).unwrap();
        assert_eq!(p.access_key, "AK");
        assert_eq!(p.signed_headers, names);
        assert_eq!(p.signature, "abc");
        assert!(parse_authorization("Bearer x").is_none());
        assert!(parse_authorization("SDK-HMAC-SHA256 Access=AK").is_none());
    }

    /// Vectors produced by `scripts/gen_signing_vectors.py` with the official
    /// Python SDK.
    #[test]
    fn python_sdk_generated_vectors() {
        let raw = include_str!("testdata/signing_vectors.json");
        let doc: serde_json::Value = serde_json::from_str(raw).unwrap();
        let vectors = doc["vectors"].as_array().unwrap();
        assert!(vectors.len() >= 10, "too few vectors: {}", vectors.len());
        let pairs = |v: &serde_json::Value| -> Vec<(String, String)> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_str().unwrap().to_string()))
                .collect()
        };
        for v in vectors {
            let name = v["name"].as_str().unwrap();
            if let (Some(project), Some(id)) = (v["project_id"].as_str(), v["sync_task_id"].as_str()) {
                let path = format!(
                    "/v2/{}/sync-tasks/{}",
                    crate::oms::path::encode_segment("project_id", project).unwrap(),
                    crate::oms::path::encode_segment("sync_task_id", id).unwrap()
                );
                assert_eq!(path, v["path"].as_str().unwrap(), "{name}: path");
            }
            let mut headers = pairs(&v["headers"]);
            let body = v["body"].as_str().unwrap_or("");
            let sig = sign(
                v["ak"].as_str().unwrap(),
                v["sk"].as_str().unwrap(),
                v["method"].as_str().unwrap(),
                v["host"].as_str().unwrap(),
                v["path"].as_str().unwrap(),
                &pairs(&v["query"]),
                &mut headers,
                body.as_bytes(),
                UNIX_EPOCH,
            )
            .unwrap();
            assert_eq!(sig.canonical_request, v["canonical_request"].as_str().unwrap(), "{name}: canonical request");
            assert_eq!(sig.string_to_sign, v["string_to_sign"].as_str().unwrap(), "{name}: string to sign");
            assert_eq!(sig.authorization, v["authorization"].as_str().unwrap(), "{name}: authorization");
            if let Some(uri) = v["request_uri"].as_str() {
                let q = canonical_query(&pairs(&v["query"]));
                let ours = if q.is_empty() {
                    v["path"].as_str().unwrap().to_string()
                } else {
                    format!("{}?{q}", v["path"].as_str().unwrap())
                };
                assert_eq!(ours, uri, "{name}: request uri");
            }
        }
    }
}
