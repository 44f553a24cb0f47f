//! Where OMS lives for a region, following the official provider's rules so
//! that a configuration that works there resolves to the same host here.

use std::fmt;

use url::Url;

use super::error::OmsError;

/// Default cloud domain used by the official provider.
const DEFAULT_CLOUD: &str = "myhuaweicloud.com";
/// The official provider switches to this domain for `eu-west-1*` regions.
const EU_CLOUD: &str = "myhuaweicloud.eu";

/// A validated base URL for OMS, always without a trailing slash so request
/// paths can be appended verbatim (see [`Endpoint::as_str`]).
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Parsed once: every request URL starts from a clone of it, so the host
    /// is not parsed again per request.
    url: Url,
}

impl Endpoint {
    /// `https://oms.{region}.{cloud}`; `cloud` falls back to the official
    /// provider's default (which depends on the region) when `None` or empty.
    pub fn for_region(region: &str, cloud: Option<&str>) -> Result<Self, OmsError> {
        let region = region.trim();
        if region.is_empty() {
            return Err(OmsError::config("region must not be empty"));
        }
        let valid = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if !valid(region) {
            return Err(OmsError::config(format!("region {region:?} may only contain letters, digits, '-' and '.'")));
        }
        let cloud = match cloud.map(str::trim) {
            Some(c) if !c.is_empty() => c.to_string(),
            _ => default_cloud(region).to_string(),
        };
        if !valid(&cloud) {
            return Err(OmsError::config(format!(
                "cloud domain {cloud:?} may only contain letters, digits, '-' and '.'"
            )));
        }
        Self::parse(&format!("https://oms.{region}.{cloud}"))
    }

    /// A user-supplied override. Like the official provider, a bare host gets
    /// `https://`; `http://` is accepted so loopback test servers work.
    pub fn from_override(raw: &str) -> Result<Self, OmsError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(OmsError::config("endpoint override must not be empty"));
        }
        let with_scheme = if raw.contains("://") { raw.to_string() } else { format!("https://{raw}") };
        Self::parse(&with_scheme)
    }

    fn parse(candidate: &str) -> Result<Self, OmsError> {
        let url = Url::parse(candidate)
            .map_err(|e| OmsError::config(format!("invalid OMS endpoint {candidate:?}: {e}")).with_source(e))?;
        match url.scheme() {
            "https" | "http" => {}
            other => {
                return Err(OmsError::config(format!(
                    "invalid OMS endpoint {candidate:?}: scheme {other:?} is not http or https"
                )))
            }
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(OmsError::config(format!("invalid OMS endpoint {candidate:?}: no host")));
        }
        if !url.username().is_empty() || url.password().is_some() {
            // Credentials in a URL would end up in logs and error messages.
            return Err(OmsError::config("invalid OMS endpoint: user information in the URL is not allowed"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(OmsError::config(format!(
                "invalid OMS endpoint {candidate:?}: query and fragment are not allowed"
            )));
        }
        // Without trailing slashes, so that `as_str` can append paths verbatim
        // (the URL ends with its path: query and fragment were refused above).
        let mut url = url;
        let path = url.path().trim_end_matches('/').to_string();
        url.set_path(&path);
        Ok(Self { url })
    }

    /// Base URL without trailing slash, e.g. `https://oms.cn-north-4.myhuaweicloud.com`
    /// or `https://proxy.example/oms` for an override with a path prefix.
    pub fn as_str(&self) -> &str {
        self.url.as_str().trim_end_matches('/')
    }

    /// The base URL, parsed.
    pub(crate) fn url(&self) -> &Url {
        &self.url
    }

    /// Whether requests go over TLS (the scheme is stored lower-cased).
    pub fn is_https(&self) -> bool {
        self.url.scheme() == "https"
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Endpoint({:?})", self.as_str())
    }
}

/// The official provider's `getCloudDomain`.
fn default_cloud(region: &str) -> &'static str {
    if region.starts_with("eu-west-1") {
        EU_CLOUD
    } else {
        DEFAULT_CLOUD
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oms::error::OmsErrorKind;

    #[test]
    fn region_default_cloud() {
        let e = Endpoint::for_region("cn-north-4", None).unwrap();
        assert_eq!(e.as_str(), "https://oms.cn-north-4.myhuaweicloud.com");
        let e = Endpoint::for_region("cn-north-4", Some("")).unwrap();
        assert_eq!(e.as_str(), "https://oms.cn-north-4.myhuaweicloud.com");
    }

    #[test]
    fn eu_west_1_uses_eu_domain() {
        for r in ["eu-west-1", "eu-west-101"] {
            let e = Endpoint::for_region(r, None).unwrap();
            assert_eq!(e.as_str(), format!("https://oms.{r}.myhuaweicloud.eu"));
        }
        let e = Endpoint::for_region("eu-west-0", None).unwrap();
        assert_eq!(e.as_str(), "https://oms.eu-west-0.myhuaweicloud.com");
    }

    #[test]
    fn explicit_cloud_wins() {
        let e = Endpoint::for_region("eu-west-101", Some("example.org")).unwrap();
        assert_eq!(e.as_str(), "https://oms.eu-west-101.example.org");
    }

    #[test]
    fn bad_region_rejected() {
        for r in ["", "  ", "cn/north", "a b", "x?y", "x@y"] {
            let err = Endpoint::for_region(r, None).unwrap_err();
            assert_eq!(err.kind(), OmsErrorKind::Config, "{r:?}");
        }
        assert!(Endpoint::for_region("cn-north-4", Some("a/b")).is_err());
    }

    #[test]
    fn override_normalisation() {
        let cases = [
            ("oms.example.com", "https://oms.example.com"),
            ("oms.example.com/", "https://oms.example.com"),
            ("https://oms.example.com", "https://oms.example.com"),
            ("https://oms.example.com///", "https://oms.example.com"),
            ("https://oms.example.com:8443/", "https://oms.example.com:8443"),
            ("https://oms.example.com:443/", "https://oms.example.com"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("http://[::1]:8080/", "http://[::1]:8080"),
            ("https://gw.example.com/oms/", "https://gw.example.com/oms"),
            ("  https://OMS.Example.com  ", "https://oms.example.com"),
        ];
        for (raw, want) in cases {
            assert_eq!(Endpoint::from_override(raw).unwrap().as_str(), want, "{raw}");
        }
    }

    #[test]
    fn scheme_decides_tls() {
        assert!(Endpoint::for_region("cn-north-4", None).unwrap().is_https());
        assert!(Endpoint::from_override("HTTPS://oms.example.com").unwrap().is_https());
        assert!(!Endpoint::from_override("http://127.0.0.1:8080").unwrap().is_https());
        assert!(!Endpoint::from_override("HTTP://https.example.com").unwrap().is_https());
    }

    #[test]
    fn malformed_override_is_clear_error() {
        for raw in [
            "",
            "https://",
            "ftp://oms.example.com",
            "https://exa mple.com",
            "https://oms.example.com:99999",
            "https://u:p@oms.example.com",
            "https://oms.example.com/?a=b",
            "https://oms.example.com/#frag",
        ] {
            let err = Endpoint::from_override(raw).unwrap_err();
            assert_eq!(err.kind(), OmsErrorKind::Config, "{raw:?}");
            let msg = err.to_string();
            assert!(msg.contains("endpoint"), "{msg}");
            assert!(!msg.contains(":p@"), "{msg}");
        }
    }

    #[test]
    fn unparseable_override_keeps_the_parse_error_as_source() {
        let err = Endpoint::from_override("https://oms.example.com:99999").unwrap_err();
        let cause = std::error::Error::source(&err).expect("source");
        assert_eq!(cause.downcast_ref::<url::ParseError>(), Some(&url::ParseError::InvalidPort));
        assert!(err.to_string().ends_with(": invalid port number"), "{err}");
        // Rule violations of our own have no underlying error.
        assert!(std::error::Error::source(&Endpoint::from_override("ftp://h").unwrap_err()).is_none());
    }
}
