//! ConfigureProvider: the typed provider block and the environment become
//! the one OMS client every read shares, or the reason there is none, which
//! every read then reports.

use std::sync::Arc;

use super::config::{env_value, parse_bool, string_setting, validate, Env, ProviderConfig};
use super::provider_schema::{aksk_env_pairs, Setting};
use crate::framework::diagnostics::{AttributePath, Diagnostics};
use crate::framework::typed::{decode, Attr};
use crate::framework::value::{Number, Value};
use crate::logging;
use crate::oms::{AuthMode, ClientConfig, Credentials, Endpoint, OmsClient, OmsLogger};

/// What configuring produced; handed to every read.
pub(crate) enum Configured {
    /// A client; reads use it.
    Ready(ReadyClient),
    /// The client cannot be built; reads report why.
    Incomplete(Incomplete),
    /// The provider block depends on values known only at apply time.
    Unknown,
}

/// Why the provider has no client. Not an error at configure time (a
/// configuration may declare the provider without reading anything).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Incomplete {
    /// Settings nobody provided, in the order the message lists them.
    Missing(Vec<Missing>),
    /// The settings are there but unusable (e.g. an unreadable CA bundle).
    Invalid(String),
}

/// A setting the provider cannot work without.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Missing {
    /// Neither `region` nor `endpoints.oms`.
    Region,
    /// No `project_id`.
    ProjectId,
    /// Neither a token nor an AK/SK pair.
    Credentials,
}

impl Missing {
    /// One line of the missing-settings message: what to set, and where.
    fn line(self) -> String {
        use Setting::*;
        match self {
            Missing::Region => format!(
                "- {0}: set `{0}` in the provider block or {1} (or `endpoints = {{ oms = \"https://...\" }}`)",
                Region.attribute(),
                Region.env_alternatives()
            ),
            Missing::ProjectId => format!(
                "- {0}: set `{0}` in the provider block or {1}",
                ProjectId.attribute(),
                ProjectId.env_alternatives()
            ),
            Missing::Credentials => format!(
                "- credentials: set `{}` (or {}), or `{}` and `{}` (or {})",
                Token.attribute(),
                Token.env_alternatives(),
                AccessKey.attribute(),
                SecretKey.attribute(),
                aksk_env_pairs().map(|(ak, sk)| format!("{ak} and {sk}")).collect::<Vec<_>>().join(", or ")
            ),
        }
    }
}

impl Incomplete {
    /// The detail of the error every read reports.
    pub(crate) fn detail(&self) -> String {
        match self {
            Incomplete::Missing(missing) => missing_settings_detail(missing),
            Incomplete::Invalid(why) => format!("{why}. Check the provider configuration."),
        }
    }
}

/// The configured client and what diagnostics say about it.
pub(crate) struct ReadyClient {
    /// Shared by every read of this provider process.
    pub client: OmsClient,
    /// `None` when `endpoints.oms` replaced the regional endpoint.
    pub region: Option<String>,
    /// The project every request is for.
    pub project_id: String,
    /// Which credentials were used, never their values.
    pub auth: AuthMode,
    /// Where the credentials came from, in words ("the HW_AUTH_TOKEN
    /// environment variable").
    pub credential_source: String,
}

/// Forwards the client's request log into our hclog stream (already
/// redacted by the client).
struct HclogAdapter;

impl OmsLogger for HclogAdapter {
    fn enabled(&self) -> bool {
        logging::debug_enabled()
    }

    fn debug(&self, msg: &str, fields: &[(&str, String)]) {
        let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        logging::debug(msg, &borrowed);
    }
}

/// ConfigureProvider: resolves every setting and builds the shared client.
/// Missing settings are not an error here (a configuration may declare the
/// provider without reading anything); reads report them.
pub(crate) fn configure(config: &Value, terraform_version: &str, env: Env<'_>) -> Result<Configured, Diagnostics> {
    if !config.is_wholly_known() {
        return Ok(Configured::Unknown);
    }
    let mut d = Diagnostics::new();
    let Some(config) = decode::<ProviderConfig>(config, &mut d) else {
        return Err(d);
    };
    validate(&config, env, &mut d);
    if d.has_errors() {
        return Err(d);
    }
    let region = string_setting(&config.region, Setting::Region, env);
    let project_id = string_setting(&config.project_id, Setting::ProjectId, env);
    let override_url = config
        .endpoints
        .known()
        .and_then(|m| m.get("oms"))
        .and_then(Attr::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string);

    let token = string_setting(&config.token, Setting::Token, env);
    let ak = string_setting(&config.access_key, Setting::AccessKey, env);
    let sk = string_setting(&config.secret_key, Setting::SecretKey, env);
    let st = string_setting(&config.security_token, Setting::SecurityToken, env);

    let mut missing = Vec::new();
    if region.is_none() && override_url.is_none() {
        missing.push(Missing::Region);
    }
    if project_id.is_none() {
        missing.push(Missing::ProjectId);
    }
    if token.is_none() && (ak.is_none() || sk.is_none()) {
        missing.push(Missing::Credentials);
    }
    let Some(project_id) = project_id.filter(|_| missing.is_empty()) else {
        return Ok(Configured::Incomplete(Incomplete::Missing(missing)));
    };
    let credentials = match Credentials::select(token.as_deref(), ak.as_deref(), sk.as_deref(), st.as_deref()) {
        Ok(c) => c,
        Err(e) => return Ok(Configured::Incomplete(Incomplete::Invalid(e.to_string()))),
    };
    let cloud = string_setting(&config.cloud, Setting::Cloud, env);
    let endpoint = match (&override_url, &region) {
        (Some(url), _) => Endpoint::from_override(url),
        (None, Some(r)) => Endpoint::for_region(r, cloud.as_deref()),
        (None, None) => return Ok(Configured::Incomplete(Incomplete::Missing(vec![Missing::Region]))),
    };
    let endpoint = match endpoint {
        Ok(e) => e,
        Err(e) => {
            let mut d = Diagnostics::new();
            d.error_at(
                if override_url.is_some() {
                    AttributePath::root("endpoints").key("oms")
                } else {
                    AttributePath::root("region")
                },
                "Invalid OMS endpoint",
                format!("{e}. Check region and cloud, or endpoints.oms."),
            );
            return Err(d);
        }
    };
    let auth = credentials.mode();
    let credential_source = credential_source(&config, &credentials);
    let client_config = client_config(&config, env, endpoint, project_id.clone(), credentials, terraform_version);
    Ok(match OmsClient::new(client_config) {
        Ok(client) => Configured::Ready(ReadyClient { client, region, project_id, auth, credential_source }),
        Err(e) => Configured::Incomplete(Incomplete::Invalid(e.to_string())),
    })
}

/// Where the credentials came from, in words for diagnostics.
fn credential_source(config: &ProviderConfig, credentials: &Credentials) -> String {
    match credentials {
        Credentials::Token { .. } if config.token.is_null() => {
            format!("the {} environment variable", Setting::Token.env_var())
        }
        Credentials::Token { .. } => "the provider's `token` attribute".to_string(),
        Credentials::AkSk { security_token, .. } => {
            let base = if config.access_key.is_null() {
                let pairs: Vec<String> = aksk_env_pairs().map(|(ak, sk)| format!("{ak}/{sk}")).collect();
                format!("AK/SK from the environment ({})", pairs.join(" or "))
            } else {
                "AK/SK from the provider's `access_key`/`secret_key`".to_string()
            };
            match security_token {
                Some(_) => format!("{base} with a security token"),
                None => base,
            }
        }
    }
}

fn client_config(
    config: &ProviderConfig,
    env: Env<'_>,
    endpoint: Endpoint,
    project_id: String,
    credentials: Credentials,
    terraform_version: &str,
) -> ClientConfig {
    let mut cc = ClientConfig::new(endpoint, project_id, credentials);
    cc.max_retries = match config.max_retries.known().and_then(Number::as_i64) {
        Some(n) => n.clamp(0, u32::MAX as i64) as u32,
        None => env_value(Setting::MaxRetries, env).and_then(|(_, s)| s.trim().parse().ok()).unwrap_or(cc.max_retries),
    };
    cc.insecure = match config.insecure.known() {
        Some(b) => *b,
        None => env_value(Setting::Insecure, env).and_then(|(_, s)| parse_bool(&s)).unwrap_or(false),
    };
    cc.ca_bundle_file = config.cacert_file.as_str().map(Into::into);
    if !terraform_version.is_empty() {
        cc.user_agent_suffix = Some(format!("terraform/{terraform_version}"));
    }
    if let Some(ms) = env("OMS_PROVIDER_RETRY_BASE_MS").and_then(|s| s.parse::<u64>().ok()) {
        // For tests: short backoffs keep retry scenarios fast.
        cc.retry_base = std::time::Duration::from_millis(ms);
    }
    cc.logger = Arc::new(HclogAdapter);
    cc
}

/// The one error users get when settings are missing at read time: it names
/// the attributes and the environment variables that fill them.
pub(crate) fn missing_settings_detail(missing: &[Missing]) -> String {
    let lines: Vec<String> = missing.iter().map(|m| m.line()).collect();
    format!("The provider cannot call OMS until these settings are provided:\n{}", lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::super::config::tests::{cfg, check, no_env};
    use super::*;

    #[test]
    fn unknown_configuration_is_unknown() {
        assert!(check(&cfg(&[("region", Value::unknown())]), &no_env).is_empty());
        assert!(matches!(configure(&cfg(&[("region", Value::unknown())]), "", &no_env), Ok(Configured::Unknown)));
    }

    #[test]
    fn configure_reports_what_is_missing_and_builds_from_env() {
        match configure(&cfg(&[]), "", &no_env) {
            Ok(Configured::Incomplete(Incomplete::Missing(missing))) => {
                assert_eq!(missing, [Missing::Region, Missing::ProjectId, Missing::Credentials])
            }
            _ => panic!("expected incomplete"),
        }
        let env = |k: &str| match k {
            "HW_REGION_NAME" => Some("cn-north-4".to_string()),
            "HW_PROJECT_ID" => Some("p1".to_string()),
            "CLOUD_SDK_AK" => Some("AK".to_string()),
            "CLOUD_SDK_SK" => Some("SK".to_string()),
            _ => None,
        };
        match configure(&cfg(&[]), "1.15.5", &env) {
            Ok(Configured::Ready(r)) => {
                assert_eq!(r.project_id, "p1");
                assert_eq!(r.auth, AuthMode::AkSk);
                assert_eq!(r.auth.to_string(), "AK/SK");
                assert_eq!(
                    r.credential_source,
                    "AK/SK from the environment (HW_ACCESS_KEY/HW_SECRET_KEY or CLOUD_SDK_AK/CLOUD_SDK_SK)"
                );
                assert_eq!(
                    r.client.endpoint().as_str().trim_end_matches('/'),
                    "https://oms.cn-north-4.myhuaweicloud.com"
                );
            }
            _ => panic!("expected ready"),
        }
        let detail = missing_settings_detail(&[Missing::Region, Missing::Credentials]);
        assert!(detail.contains("HW_REGION_NAME") && detail.contains("HW_ACCESS_KEY") && detail.contains("`token`"));
    }

    /// The texts built from the environment table, pinned to the words users
    /// have always seen.
    #[test]
    fn messages_name_the_environment_variables_as_before() {
        let all = missing_settings_detail(&[Missing::Region, Missing::ProjectId, Missing::Credentials]);
        assert_eq!(
            all,
            "The provider cannot call OMS until these settings are provided:\n\
             - region: set `region` in the provider block or HW_REGION_NAME (or `endpoints = { oms = \"https://...\" }`)\n\
             - project_id: set `project_id` in the provider block or HW_PROJECT_ID\n\
             - credentials: set `token` (or HW_AUTH_TOKEN), or `access_key` and `secret_key` (or HW_ACCESS_KEY and HW_SECRET_KEY, or CLOUD_SDK_AK and CLOUD_SDK_SK)"
        );
        assert_eq!(
            Incomplete::Invalid("access_key is set but secret_key is missing".into()).detail(),
            "access_key is set but secret_key is missing. Check the provider configuration."
        );
        let token_env = |k: &str| match k {
            "HW_REGION_NAME" => Some("cn-north-4".to_string()),
            "HW_PROJECT_ID" => Some("p1".to_string()),
            "HW_AUTH_TOKEN" => Some("T".to_string()),
            _ => None,
        };
        match configure(&cfg(&[]), "", &token_env) {
            Ok(Configured::Ready(r)) => {
                assert_eq!(
                    (r.auth, r.credential_source.as_str()),
                    (AuthMode::Token, "the HW_AUTH_TOKEN environment variable")
                )
            }
            _ => panic!("expected ready"),
        }
    }
}
