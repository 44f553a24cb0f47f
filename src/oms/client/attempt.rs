//! One HTTP exchange: sign, send, and read a capped body. Everything that
//! happens on the wire is here; what the result means is decided by
//! [`super::classify`].

use std::error::Error;
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use super::{OmsClient, MAX_BODY_BYTES};
use crate::oms::credentials::Credentials;
use crate::oms::error::OmsError;
use crate::oms::redact::{cause_text, redact_header};
use crate::oms::{retry, signer};

/// What one exchange produced, before any decision about it.
#[derive(Debug)]
pub(super) enum Outcome {
    /// A complete response within the size cap, whatever its status.
    Response(Response),
    /// No response: connection refused or reset, DNS, TLS, a broken body.
    Transport {
        /// The underlying error, kept as the cause of the resulting [`OmsError`].
        error: Box<dyn Error + Send + Sync>,
        /// False for failures that will not heal on retry (TLS verification).
        retryable: bool,
    },
    /// The body exceeded [`MAX_BODY_BYTES`] (declared or while streaming).
    TooLarge { status: u16, request_id: Option<String> },
    /// The request could not even be built; retrying cannot help.
    Fatal(OmsError),
}

/// The parts of a response the client uses.
#[derive(Debug)]
pub(super) struct Response {
    pub(super) status: u16,
    /// `X-Request-Id`, when present and non-empty.
    pub(super) request_id: Option<String>,
    /// `Retry-After`, when present and parseable.
    pub(super) retry_after: Option<Duration>,
    pub(super) body: Vec<u8>,
}

impl OmsClient {
    /// The headers of a request to `url` with the (decoded) `query`, signed
    /// for AK/SK credentials. Names keep the SDK's spelling.
    pub(super) fn headers(&self, url: &Url, query: &[(String, String)]) -> Result<Vec<(String, String)>, OmsError> {
        let host = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            (None, _) => return Err(OmsError::config("endpoint has no host")),
        };
        let mut headers: Vec<(String, String)> = vec![
            ("Content-Type".into(), "application/json".into()),
            ("X-Project-Id".into(), self.inner.project_id.clone()),
            ("User-Agent".into(), self.inner.user_agent.clone()),
            ("Host".into(), host.clone()),
        ];
        match &self.inner.credentials {
            Credentials::Token { token } => {
                headers.push(("X-Auth-Token".into(), token.clone()));
            }
            Credentials::AkSk { access_key, secret_key, security_token } => {
                if let Some(t) = security_token {
                    headers.push(("X-Security-Token".into(), t.clone()));
                }
                signer::sign(
                    access_key,
                    secret_key,
                    "GET",
                    &host,
                    url.path(),
                    query,
                    &mut headers,
                    b"",
                    SystemTime::now(),
                )?;
            }
        }
        Ok(headers)
    }

    /// Sends one signed GET and reads the response, logging the request
    /// (credentials redacted) first.
    pub(super) async fn attempt(&self, url: &Url, query: &[(String, String)], attempt: u32) -> Outcome {
        let headers = match self.headers(url, query) {
            Ok(h) => h,
            Err(e) => return Outcome::Fatal(e),
        };
        let map = match header_map(&headers) {
            Ok(m) => m,
            Err(e) => return Outcome::Fatal(e),
        };
        self.log("oms request", || {
            [
                ("method", "GET".to_string()),
                ("url", url.to_string()),
                ("attempt", attempt.to_string()),
                (
                    "headers",
                    headers.iter().map(|(k, v)| format!("{k}: {}", redact_header(k, v))).collect::<Vec<_>>().join("; "),
                ),
            ]
        });
        let resp = match self.inner.http.get(url.clone()).headers(map).send().await {
            Ok(r) => r,
            Err(e) => return transport_failure(e),
        };
        read_capped(resp).await
    }
}

fn header_map(headers: &[(String, String)]) -> Result<HeaderMap, OmsError> {
    let mut map = HeaderMap::with_capacity(headers.len());
    for (k, v) in headers {
        let name = HeaderName::from_bytes(k.as_bytes())
            .map_err(|_| OmsError::invalid_request(format!("invalid header name {k}")))?;
        // from_bytes keeps UTF-8 as raw octets, as the SDK sends them.
        let value = HeaderValue::from_bytes(v.as_bytes())
            .map_err(|_| OmsError::config(format!("header {k} contains characters not allowed in HTTP headers")))?;
        map.append(name, value);
    }
    Ok(map)
}

/// Reads the body, refusing anything over [`MAX_BODY_BYTES`] as early as
/// possible: from `Content-Length` when declared, else while streaming.
async fn read_capped(mut resp: reqwest::Response) -> Outcome {
    let status = resp.status().as_u16();
    let request_id =
        resp.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_string).filter(|s| !s.is_empty());
    let retry_after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| retry::parse_retry_after(v, SystemTime::now()));
    if resp.content_length().is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Outcome::TooLarge { status, request_id };
    }
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Outcome::TooLarge { status, request_id };
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => return transport_failure(e),
        }
    }
    Outcome::Response(Response { status, request_id, retry_after, body })
}

fn transport_failure(e: reqwest::Error) -> Outcome {
    if e.is_builder() {
        return Outcome::Fatal(OmsError::invalid_request(cause_text(&e)).with_source(e));
    }
    let retryable = !is_tls_failure(&e);
    Outcome::Transport { error: Box::new(e), retryable }
}

/// Certificate and other TLS verification failures will not heal on retry.
/// rustls errors arrive wrapped in (possibly nested) `io::Error`s, whose
/// `source()` skips the wrapped error, so those are unwrapped by hand.
fn is_tls_failure(err: &(dyn Error + 'static)) -> bool {
    let mut cur: Option<&(dyn Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if e.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        cur = match e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner as &(dyn Error + 'static)),
            None => e.source(),
        };
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_failures_are_found_inside_io_errors() {
        let tls = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let wrapped = std::io::Error::other(std::io::Error::other(tls));
        assert!(is_tls_failure(&wrapped));
        assert!(!is_tls_failure(&std::io::Error::from(std::io::ErrorKind::ConnectionReset)));
    }

    #[test]
    fn header_values_must_be_sendable() {
        let ok = vec![("X-Project-Id".to_string(), "ü".to_string())];
        assert_eq!(header_map(&ok).unwrap().get("x-project-id").unwrap().as_bytes(), "ü".as_bytes());
        let bad = vec![("User-Agent".to_string(), "a\nb".to_string())];
        assert_eq!(header_map(&bad).unwrap_err().kind(), crate::oms::OmsErrorKind::Config);
        let bad = vec![("Bad Name".to_string(), "v".to_string())];
        assert_eq!(header_map(&bad).unwrap_err().kind(), crate::oms::OmsErrorKind::InvalidRequest);
    }
}
