//! Authentication material. Kept in its own type so that every place that
//! could print it (Debug, errors, logs) goes through one redacting
//! implementation.

use std::fmt;

use super::error::OmsError;

/// Which kind of credentials authenticate requests; secret-free, so it may
/// appear in diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMode {
    /// An IAM token (`X-Auth-Token`).
    Token,
    /// A signature with an access key and secret key (maybe temporary).
    AkSk,
}

/// The words diagnostics use: "token" or "AK/SK".
impl fmt::Display for AuthMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AuthMode::Token => "token",
            AuthMode::AkSk => "AK/SK",
        })
    }
}

/// How requests are authenticated.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// A pre-obtained IAM token sent as `X-Auth-Token`.
    Token {
        /// The token itself.
        token: String,
    },
    /// Permanent or temporary AK/SK; temporary ones carry a security token
    /// that must be sent (and signed) as `X-Security-Token`.
    AkSk {
        /// The access key, an identifier (it appears in `Authorization`).
        access_key: String,
        /// The secret that signs; never leaves this process.
        secret_key: String,
        /// Present for temporary credentials.
        security_token: Option<String>,
    },
}

impl Credentials {
    /// Picks credentials the way the official provider does: a token wins
    /// over AK/SK; AK and SK must come together; a security token is only
    /// meaningful with AK/SK. Empty strings count as unset, because
    /// Terraform and environment variables commonly produce them.
    pub fn select(
        token: Option<&str>,
        access_key: Option<&str>,
        secret_key: Option<&str>,
        security_token: Option<&str>,
    ) -> Result<Self, OmsError> {
        fn set(v: Option<&str>) -> Option<&str> {
            v.map(str::trim).filter(|s| !s.is_empty())
        }
        if let Some(token) = set(token) {
            return Ok(Self::Token { token: token.to_string() });
        }
        match (set(access_key), set(secret_key)) {
            (Some(ak), Some(sk)) => Ok(Self::AkSk {
                access_key: ak.to_string(),
                secret_key: sk.to_string(),
                security_token: set(security_token).map(str::to_string),
            }),
            (Some(_), None) => Err(OmsError::config("access_key is set but secret_key is missing")),
            (None, Some(_)) => Err(OmsError::config("secret_key is set but access_key is missing")),
            (None, None) => {
                if set(security_token).is_some() {
                    Err(OmsError::config("security_token requires access_key and secret_key"))
                } else {
                    Err(OmsError::config("no credentials: set token, or access_key and secret_key"))
                }
            }
        }
    }

    /// Which kind, without the secrets.
    pub fn mode(&self) -> AuthMode {
        match self {
            Self::Token { .. } => AuthMode::Token,
            Self::AkSk { .. } => AuthMode::AkSk,
        }
    }

    /// Short, secret-free name of the auth method for logs.
    pub fn method(&self) -> &'static str {
        match self {
            Self::Token { .. } => "token",
            Self::AkSk { security_token: Some(_), .. } => "aksk+security_token",
            Self::AkSk { .. } => "aksk",
        }
    }
}

/// Shows at most the first four characters of the access key (which is an
/// identifier that appears in `Authorization` headers anyway) and nothing of
/// the secret key or any token.
pub(crate) fn redact_access_key(ak: &str) -> String {
    let prefix: String = ak.chars().take(4).collect();
    if ak.chars().count() <= 8 {
        "(redacted)".to_string()
    } else {
        format!("{prefix}…(redacted)")
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Token { .. } => f.write_str("Token { token: \"(redacted)\" }"),
            Self::AkSk { access_key, security_token, .. } => write!(
                f,
                "AkSk {{ access_key: {:?}, secret_key: \"(redacted)\", security_token: {} }}",
                redact_access_key(access_key),
                if security_token.is_some() { "Some(\"(redacted)\")" } else { "None" }
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AK: &str = "AKIAFAKEACCESSKEY123";
    const SK: &str = "SK-zebra-platypus-9f8e7d";
    const ST: &str = "ST-walrus-narwhal-1a2b3c";
    const TOK: &str = "TOK-axolotl-quokka-4d5e6f";

    #[test]
    fn token_has_precedence() {
        let c = Credentials::select(Some(TOK), Some(AK), Some(SK), Some(ST)).unwrap();
        assert_eq!(c, Credentials::Token { token: TOK.to_string() });
        assert_eq!((c.mode(), c.mode().to_string()), (AuthMode::Token, "token".to_string()));
    }

    #[test]
    fn aksk_with_and_without_security_token() {
        let c = Credentials::select(None, Some(AK), Some(SK), Some(ST)).unwrap();
        assert_eq!(c.method(), "aksk+security_token");
        assert_eq!((c.mode(), c.mode().to_string()), (AuthMode::AkSk, "AK/SK".to_string()));
        let c = Credentials::select(Some(""), Some(AK), Some(SK), Some("")).unwrap();
        assert_eq!(c, Credentials::AkSk { access_key: AK.into(), secret_key: SK.into(), security_token: None });
    }

    #[test]
    fn incomplete_combinations_are_errors() {
        assert!(Credentials::select(None, Some(AK), None, None).is_err());
        assert!(Credentials::select(None, None, Some(SK), None).is_err());
        assert!(Credentials::select(None, None, None, Some(ST)).is_err());
        let e = Credentials::select(None, None, None, None).unwrap_err();
        assert!(e.to_string().contains("no credentials"));
        for e in [
            Credentials::select(None, Some(AK), None, Some(ST)).unwrap_err(),
            Credentials::select(None, None, Some(SK), Some(ST)).unwrap_err(),
        ] {
            let s = format!("{e} {e:?}");
            assert!(!s.contains(SK) && !s.contains(ST), "{s}");
        }
    }

    #[test]
    fn debug_redacts_everything_secret() {
        let c = Credentials::AkSk { access_key: AK.into(), secret_key: SK.into(), security_token: Some(ST.into()) };
        let d = format!("{c:?} {c:#?}");
        assert!(d.contains("AKIA…(redacted)"), "{d}");
        assert!(!d.contains(AK) && !d.contains(SK) && !d.contains(ST), "{d}");
        assert!(!d.contains("zebra") && !d.contains("walrus"), "{d}");
        let t = Credentials::Token { token: TOK.into() };
        let d = format!("{t:?}");
        assert!(!d.contains(TOK) && !d.contains("axolotl"), "{d}");
        // Short access keys are hidden entirely.
        assert_eq!(redact_access_key("AKSHORT"), "(redacted)");
    }
}
