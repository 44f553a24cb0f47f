//! The OMS HTTP client: one pooled connection set per configured provider,
//! signed requests, bounded retries, and hard limits (deadline, body size,
//! cancellation) so a misbehaving endpoint can never hang or bloat a
//! Terraform run.
//!
//! A call is an [`ApiRequest`] plus a response type; [`OmsClient::get`]
//! runs the attempts ([`attempt`]: one HTTP exchange) and asks the pure
//! [`classify`] what each outcome means: done, or retry after a pause.

mod attempt;
mod classify;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use self::attempt::Outcome;
use self::classify::{classify, Attempted, Decision};
use super::credentials::Credentials;
use super::endpoint::Endpoint;
use super::error::OmsError;
use super::log::{NoopLogger, OmsLogger};
use super::path::encode_segment;
use super::redact::cause_text;
use super::request::ApiRequest;
use super::retry::RetryPolicy;
use super::tls;

/// Responses larger than this are refused: a sync task is a few hundred
/// bytes, so anything near this size is not an OMS answer.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Identifies the provider to OMS (and to whoever reads its access logs).
pub const USER_AGENT: &str = concat!("terraform-provider-oms/", env!("CARGO_PKG_VERSION"));

/// Everything needed to build an [`OmsClient`].
#[derive(Clone)]
pub struct ClientConfig {
    /// Where OMS is.
    pub endpoint: Endpoint,
    /// The project every request is scoped to (path and `X-Project-Id`).
    pub project_id: String,
    /// How requests are authenticated.
    pub credentials: Credentials,
    /// Retries after the first attempt; `0` disables retrying.
    pub max_retries: u32,
    /// Upper bound for establishing one connection (TCP and TLS).
    pub connect_timeout: Duration,
    /// Extra PEM CA certificates trusted in addition to the system roots.
    pub ca_bundle_file: Option<PathBuf>,
    /// Skip certificate verification (handshake signatures are still checked).
    pub insecure: bool,
    /// Appended to the User-Agent after a space, e.g. `terraform/1.9.0`.
    pub user_agent_suffix: Option<String>,
    /// First backoff ceiling, doubled per retry (see [`RetryPolicy`]).
    pub retry_base: Duration,
    /// Upper bound of any computed backoff.
    pub retry_cap: Duration,
    /// Upper bound of a server-provided `Retry-After`.
    pub retry_after_cap: Duration,
    /// Receives debug lines about each exchange, credentials redacted.
    pub logger: Arc<dyn OmsLogger>,
}

impl ClientConfig {
    /// Defaults match the official provider where it has one
    /// (`max_retries` 5) and are conservative elsewhere.
    pub fn new(endpoint: Endpoint, project_id: impl Into<String>, credentials: Credentials) -> Self {
        let policy = RetryPolicy::default();
        Self {
            endpoint,
            project_id: project_id.into(),
            credentials,
            max_retries: policy.max_retries,
            connect_timeout: Duration::from_secs(10),
            ca_bundle_file: None,
            insecure: false,
            user_agent_suffix: None,
            retry_base: policy.base,
            retry_cap: policy.cap,
            retry_after_cap: policy.retry_after_cap,
            logger: Arc::new(NoopLogger),
        }
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("endpoint", &self.endpoint)
            .field("project_id", &self.project_id)
            .field("credentials", &self.credentials)
            .field("max_retries", &self.max_retries)
            .field("connect_timeout", &self.connect_timeout)
            .field("ca_bundle_file", &self.ca_bundle_file)
            .field("insecure", &self.insecure)
            .field("user_agent_suffix", &self.user_agent_suffix)
            .field("retry_base", &self.retry_base)
            .field("retry_cap", &self.retry_cap)
            .field("retry_after_cap", &self.retry_after_cap)
            .finish_non_exhaustive()
    }
}

/// A successful call: the decoded response and what it took to get it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched<T> {
    /// The decoded response body.
    pub value: T,
    /// `X-Request-Id` of the response, for support requests.
    pub request_id: Option<String>,
    /// HTTP attempts made, including the successful one.
    pub attempts: u32,
}

/// Cheap to clone; clones share one connection pool.
#[derive(Clone)]
pub struct OmsClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    endpoint: Endpoint,
    project_id: String,
    project_segment: String,
    credentials: Credentials,
    policy: RetryPolicy,
    user_agent: String,
    logger: Arc<dyn OmsLogger>,
}

impl fmt::Debug for OmsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OmsClient")
            .field("endpoint", &self.inner.endpoint)
            .field("project_id", &self.inner.project_id)
            .field("credentials", &self.inner.credentials)
            .field("policy", &self.inner.policy)
            .field("user_agent", &self.inner.user_agent)
            .finish_non_exhaustive()
    }
}

impl OmsClient {
    /// Validates the configuration and builds the connection pool; fails
    /// with [`super::OmsErrorKind::Config`] rather than at the first request.
    pub fn new(config: ClientConfig) -> Result<Self, OmsError> {
        if config.project_id.trim().is_empty() {
            return Err(OmsError::config("project_id must not be empty"));
        }
        let project_segment = encode_segment("project_id", &config.project_id)
            .map_err(|e| OmsError::config(e.detail().unwrap_or("invalid project_id").to_string()))?;
        let user_agent = match config.user_agent_suffix.as_deref().map(str::trim) {
            Some(s) if !s.is_empty() => {
                if s.chars().any(char::is_control) {
                    return Err(OmsError::config("user_agent_suffix must not contain control characters"));
                }
                format!("{USER_AGENT} {s}")
            }
            _ => USER_AGENT.to_string(),
        };
        if config.connect_timeout.is_zero() {
            return Err(OmsError::config("connect_timeout must be positive"));
        }
        let system_roots = if config.endpoint.is_https() { tls::SystemRoots::Load } else { tls::SystemRoots::Skip };
        let tls = tls::client_config(config.ca_bundle_file.as_deref(), config.insecure, system_roots)?;
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .connect_timeout(config.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_keepalive(Some(Duration::from_secs(60)))
            .tcp_nodelay(true)
            // A redirect would replay a signature computed for another URL.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| OmsError::config(format!("HTTP client setup failed: {}", cause_text(&e))).with_source(e))?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                endpoint: config.endpoint,
                project_id: config.project_id,
                project_segment,
                credentials: config.credentials,
                policy: RetryPolicy {
                    max_retries: config.max_retries,
                    base: config.retry_base,
                    cap: config.retry_cap,
                    retry_after_cap: config.retry_after_cap,
                },
                user_agent,
                logger: config.logger,
            }),
        })
    }

    /// The base URL requests go to.
    pub fn endpoint(&self) -> &Endpoint {
        &self.inner.endpoint
    }

    /// The project every request is scoped to.
    pub fn project_id(&self) -> &str {
        &self.inner.project_id
    }

    /// The URL `request` is sent to.
    pub(crate) fn url(&self, request: &ApiRequest) -> Result<url::Url, OmsError> {
        request.url(&self.inner.endpoint, &self.inner.project_segment)
    }

    /// Sends `request` and decodes a 2xx body as `T`. Retries throttling,
    /// transient server errors and connection failures within `deadline`;
    /// `cancel` aborts immediately, also while waiting between attempts.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        request: &ApiRequest,
        deadline: Instant,
        cancel: &CancellationToken,
    ) -> Result<Fetched<T>, OmsError> {
        let url = self.url(request)?;
        let mut attempts: u32 = 0;
        loop {
            if cancel.is_cancelled() {
                return Err(OmsError::cancelled().with_attempts(attempts));
            }
            if Instant::now() >= deadline {
                return Err(OmsError::timed_out().with_attempts(attempts));
            }
            attempts += 1;
            let started = Instant::now();
            let outcome = tokio::select! {
                biased;
                _ = cancel.cancelled() => return Err(OmsError::cancelled().with_attempts(attempts)),
                _ = tokio::time::sleep_until(deadline) => return Err(OmsError::timed_out().with_attempts(attempts)),
                o = self.attempt(&url, request.query_pairs(), attempts) => o,
            };
            self.log_outcome(&outcome, attempts, started.elapsed());
            let now = Instant::now();
            let secrets = self.secrets();
            let attempted = Attempted { outcome, attempts, now, deadline };
            // Bound to a name so the thread-local RNG is gone before any await.
            let decision = classify(attempted, &self.inner.policy, &secrets, &mut rand::rng());
            let (after, error) = match decision {
                Decision::Done(result) => return result,
                Decision::Retry { after, error } => (after, error),
            };
            self.log("oms retry scheduled", || {
                [
                    ("attempt", attempts.to_string()),
                    ("delay_ms", after.as_millis().to_string()),
                    ("kind", format!("{:?}", error.kind())),
                ]
            });
            tokio::select! {
                biased;
                _ = cancel.cancelled() => return Err(OmsError::cancelled().with_attempts(attempts)),
                _ = tokio::time::sleep_until(now + after) => {}
            }
        }
    }

    /// The configured secrets, which no error or log line may contain.
    fn secrets(&self) -> Vec<&str> {
        match &self.inner.credentials {
            Credentials::Token { token } => vec![token.as_str()],
            Credentials::AkSk { secret_key, security_token, .. } => {
                let mut v = vec![secret_key.as_str()];
                if let Some(t) = security_token {
                    v.push(t.as_str());
                }
                v
            }
        }
    }

    /// Builds the fields only when the logger records them.
    fn log<const N: usize>(&self, msg: &str, fields: impl FnOnce() -> [(&'static str, String); N]) {
        if self.inner.logger.enabled() {
            self.inner.logger.debug(msg, &fields());
        }
    }

    /// One line per response or transport failure; the request itself was
    /// logged when sent.
    fn log_outcome(&self, outcome: &Outcome, attempt: u32, elapsed: Duration) {
        let elapsed_ms = || elapsed.as_millis().to_string();
        match outcome {
            Outcome::Response(r) => self.log("oms response", || {
                [
                    ("status", r.status.to_string()),
                    ("attempt", attempt.to_string()),
                    ("elapsed_ms", elapsed_ms()),
                    ("request_id", r.request_id.clone().unwrap_or_default()),
                ]
            }),
            Outcome::Transport { error, .. } => self.log("oms transport error", || {
                [("attempt", attempt.to_string()), ("elapsed_ms", elapsed_ms()), ("cause", cause_text(&**error))]
            }),
            Outcome::TooLarge { .. } | Outcome::Fatal(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oms::signer;

    const SK: &str = "SK-unit-secret-marmoset";
    const TOK: &str = "TOK-unit-secret-capybara";

    fn client(creds: Credentials) -> OmsClient {
        let cfg = ClientConfig::new(Endpoint::from_override("http://127.0.0.1:9").unwrap(), "proj", creds);
        OmsClient::new(cfg).unwrap()
    }

    #[test]
    fn config_validation() {
        let ep = Endpoint::from_override("http://127.0.0.1:9").unwrap();
        let tok = Credentials::Token { token: TOK.into() };
        assert!(OmsClient::new(ClientConfig::new(ep.clone(), "", tok.clone())).is_err());
        let mut cfg = ClientConfig::new(ep.clone(), "p", tok.clone());
        cfg.user_agent_suffix = Some("a\nb".into());
        assert!(OmsClient::new(cfg).is_err());
        let mut cfg = ClientConfig::new(ep, "p", tok);
        cfg.user_agent_suffix = Some("terraform/1.9.0".into());
        let c = OmsClient::new(cfg).unwrap();
        assert_eq!(c.inner.user_agent, format!("terraform-provider-oms/{} terraform/1.9.0", env!("CARGO_PKG_VERSION")));
    }

    #[test]
    fn debug_never_shows_secrets() {
        for creds in [
            Credentials::Token { token: TOK.into() },
            Credentials::AkSk {
                access_key: "AKIAUNITACCESSKEY".into(),
                secret_key: SK.into(),
                security_token: Some(TOK.into()),
            },
        ] {
            let cfg = ClientConfig::new(Endpoint::from_override("http://127.0.0.1:9").unwrap(), "proj", creds.clone());
            let d = format!("{cfg:?}");
            assert!(!d.contains(SK) && !d.contains(TOK), "{d}");
            let c = OmsClient::new(cfg).unwrap();
            let d = format!("{c:?}");
            assert!(!d.contains(SK) && !d.contains(TOK), "{d}");
        }
    }

    #[test]
    fn signed_headers_for_aksk() {
        let c = client(Credentials::AkSk {
            access_key: "AKIAUNITACCESSKEY".into(),
            secret_key: SK.into(),
            security_token: Some(TOK.into()),
        });
        let request = ApiRequest::new().literal("sync-tasks").id("sync_task_id", "a b").unwrap().query("query_time", 5);
        let url = c.url(&request).unwrap();
        let q = request.query_pairs();
        let h = c.headers(&url, q).unwrap();
        let get = |n: &str| h.iter().find(|(k, _)| k.eq_ignore_ascii_case(n)).map(|(_, v)| v.clone());
        assert_eq!(get("host").as_deref(), Some("127.0.0.1:9"));
        assert_eq!(get("x-security-token").as_deref(), Some(TOK));
        let auth = get("authorization").unwrap();
        assert!(auth.contains("SignedHeaders=content-type;host;user-agent;x-project-id;x-sdk-date;x-security-token"));
        // Verifies like a gateway would: from the path as sent.
        let parsed = signer::parse_authorization(&auth).unwrap();
        let cr = signer::canonical_request("GET", url.path(), q, &h, &parsed.signed_headers, b"");
        let sts = signer::string_to_sign(&get("x-sdk-date").unwrap(), &cr);
        assert_eq!(signer::signature(SK, &sts), parsed.signature);
    }

    #[test]
    fn token_headers() {
        let c = client(Credentials::Token { token: TOK.into() });
        let url = c.url(&ApiRequest::new().literal("sync-tasks").id("sync_task_id", "t").unwrap()).unwrap();
        let h = c.headers(&url, &[]).unwrap();
        assert!(h.iter().any(|(k, v)| k == "X-Auth-Token" && v == TOK));
        assert!(!h.iter().any(|(k, _)| k == "Authorization" || k == "X-Sdk-Date"));
    }

    /// Records every line, to count them.
    #[derive(Default)]
    struct Lines(std::sync::Mutex<Vec<String>>);

    impl OmsLogger for Lines {
        fn debug(&self, msg: &str, _fields: &[(&str, String)]) {
            self.0.lock().unwrap().push(msg.to_string());
        }
    }

    /// A loopback server answering its n-th connection with `responses[n]`
    /// (raw HTTP/1.1, `Connection: close`).
    async fn serve(responses: Vec<&'static str>) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            for response in responses {
                let Ok((mut tcp, _)) = listener.accept().await else { return };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tcp.read(&mut chunk).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let _ = tcp.write_all(response.as_bytes()).await;
                let _ = tcp.shutdown().await;
            }
        });
        format!("http://{addr}")
    }

    async fn get_thing(c: &OmsClient) -> Result<Fetched<serde_json::Value>, OmsError> {
        let deadline = Instant::now() + Duration::from_secs(10);
        c.get(&ApiRequest::new().literal("things"), deadline, &CancellationToken::new()).await
    }

    #[tokio::test]
    async fn one_log_line_per_request_response_and_retry() {
        const BUSY: &str =
            "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
        const OK: &str =
            "HTTP/1.1 200 OK\r\nX-Request-Id: r-2\r\nContent-Length: 8\r\nConnection: close\r\n\r\n{\"n\": 1}";
        let endpoint = Endpoint::from_override(&serve(vec![BUSY, OK]).await).unwrap();
        let lines = Arc::new(Lines::default());
        let mut cfg = ClientConfig::new(endpoint, "proj", Credentials::Token { token: TOK.into() });
        cfg.logger = lines.clone();
        let c = OmsClient::new(cfg).unwrap();
        let got = get_thing(&c).await.unwrap();
        assert_eq!((got.value, got.request_id.as_deref(), got.attempts), (serde_json::json!({"n": 1}), Some("r-2"), 2));
        let lines = lines.0.lock().unwrap().clone();
        assert_eq!(lines, ["oms request", "oms response", "oms retry scheduled", "oms request", "oms response"]);
    }

    #[tokio::test]
    async fn transport_errors_keep_the_reqwest_error_as_source() {
        // A port that was just free refuses connections.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = Endpoint::from_override(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
        drop(listener);
        let mut cfg = ClientConfig::new(endpoint, "proj", Credentials::Token { token: TOK.into() });
        cfg.max_retries = 0;
        let err = get_thing(&OmsClient::new(cfg).unwrap()).await.unwrap_err();
        assert_eq!((err.kind(), err.attempts()), (crate::oms::OmsErrorKind::Transport, 1), "{err}");
        let source = std::error::Error::source(&err).expect("source");
        let reqwest = source.downcast_ref::<reqwest::Error>().expect("reqwest::Error");
        assert!(reqwest.is_connect(), "{reqwest:?}");
        // The detail is still the innermost cause, as before.
        assert_eq!(err.detail(), Some(cause_text(reqwest).as_str()));
    }
}
