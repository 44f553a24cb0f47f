//! Turning caller-supplied identifiers into URL path segments. Ids come from
//! Terraform configuration, i.e. from users, so no id may be able to change
//! which resource a request addresses.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::error::OmsError;

/// Everything except RFC 3986 unreserved characters (`A-Za-z0-9-_.~`) is
/// encoded; this matches Python's `quote(v, safe='')` used by the SDK for
/// path parameters.
pub(crate) const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Encodes `value` as exactly one path segment.
///
/// `.` and `..` are rejected rather than encoded: WHATWG URL parsing (used by
/// reqwest via the `url` crate, and by most gateways) treats `%2E` and
/// `%2E%2E` as dot segments too and would silently address a different path.
pub(crate) fn encode_segment(what: &str, value: &str) -> Result<String, OmsError> {
    if value.is_empty() {
        return Err(OmsError::invalid_request(format!("{what} must not be empty")));
    }
    if value == "." || value == ".." {
        return Err(OmsError::invalid_request(format!("{what} must not be \".\" or \"..\"")));
    }
    Ok(utf8_percent_encode(value, SEGMENT).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ids_unchanged() {
        assert_eq!(
            encode_segment("id", "0d146099-8cf4-437d-b6ef-88e043771c8b").unwrap(),
            "0d146099-8cf4-437d-b6ef-88e043771c8b"
        );
        assert_eq!(encode_segment("id", "a_b.c~d").unwrap(), "a_b.c~d");
    }

    #[test]
    fn hostile_ids_stay_one_segment() {
        let cases = [
            ("../x", "..%2Fx"),
            ("a/b", "a%2Fb"),
            ("a?b", "a%3Fb"),
            ("a#b", "a%23b"),
            ("%2F", "%252F"),
            ("a b", "a%20b"),
            ("ü", "%C3%BC"),
            ("...", "..."),
            ("a\\b", "a%5Cb"),
            ("a;b", "a%3Bb"),
            ("\u{0}", "%00"),
            ("+&=", "%2B%26%3D"),
        ];
        for (id, want) in cases {
            let got = encode_segment("id", id).unwrap();
            assert_eq!(got, want, "{id:?}");
            assert!(!got.contains('/') && !got.contains('?') && !got.contains('#'));
        }
    }

    #[test]
    fn empty_and_dot_segments_rejected() {
        for id in ["", ".", ".."] {
            let e = encode_segment("sync_task_id", id).unwrap_err();
            assert_eq!(e.kind(), crate::oms::OmsErrorKind::InvalidRequest);
            assert!(e.to_string().contains("sync_task_id"));
        }
    }

    #[test]
    fn url_crate_keeps_encoded_segment() {
        // Proves the reason for rejecting dot segments and that every other
        // encoded id survives URL parsing byte for byte.
        let u = url::Url::parse("http://h/v2/p/sync-tasks/%2E%2E").unwrap();
        assert_eq!(u.path(), "/v2/p/");
        for id in ["../x", "a/b", "%2F", "ü", "...", ".a", "a%2E%2E"] {
            let seg = encode_segment("id", id).unwrap();
            let raw = format!("http://h/v2/p/sync-tasks/{seg}?query_time=1");
            let u = url::Url::parse(&raw).unwrap();
            assert_eq!(u.path(), format!("/v2/p/sync-tasks/{seg}"), "{id:?}");
        }
    }

    proptest::proptest! {
        /// Any id except the rejected ones survives URL parsing as exactly
        /// one segment, decodes back to itself, and the signer's canonical
        /// URI for it is stable.
        #[test]
        fn any_id_is_one_segment(id in "\\PC{1,40}|[./%?#]{1,6}") {
            if let Ok(seg) = encode_segment("id", &id) {
                let raw = format!("http://h/v2/p/sync-tasks/{seg}?query_time=1");
                let u = url::Url::parse(&raw).unwrap();
                let expected_path = format!("/v2/p/sync-tasks/{seg}");
                proptest::prop_assert_eq!(u.path(), expected_path.as_str());
                let decoded = percent_encoding::percent_decode_str(&seg).decode_utf8().unwrap();
                proptest::prop_assert_eq!(decoded.as_ref(), id.as_str());
                let cu = crate::oms::signer::canonical_uri(u.path());
                proptest::prop_assert!(cu.starts_with("/v2/p/sync-tasks/"));
            } else {
                proptest::prop_assert!(id.is_empty() || id == "." || id == "..");
            }
        }
    }
}
