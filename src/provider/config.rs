//! The `provider "oms"` block: decoded once into [`ProviderConfig`],
//! validated with attribute paths, resolved against the environment (the
//! official Huawei Cloud provider's variable names, from
//! [`ENV_FALLBACKS`](super::provider_schema::ENV_FALLBACKS)), and turned into
//! the one OMS client every read shares.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::provider_schema::{aksk_env_pairs, Setting};
use crate::framework::diagnostics::{AttributePath, Diagnostic, Diagnostics};
use crate::framework::typed::{decode, tf_object, Attr};
use crate::framework::value::{Number, Value};
use crate::logging;
use crate::oms::{AuthMode, ClientConfig, Credentials, Endpoint, OmsClient, OmsLogger};

tf_object! {
    /// The `provider "oms"` block as Terraform sent it. No `Debug`: it holds
    /// secrets.
    pub struct ProviderConfig {
        pub region: Attr<String>,
        pub project_id: Attr<String>,
        pub access_key: Attr<String>,
        pub secret_key: Attr<String>,
        pub security_token: Attr<String>,
        pub token: Attr<String>,
        pub cloud: Attr<String>,
        pub endpoints: Attr<BTreeMap<String, Attr<String>>>,
        pub insecure: Attr<bool>,
        pub max_retries: Attr<Number>,
        pub cacert_file: Attr<String>,
    }
}

/// Reads the process environment; tests pass their own lookup instead.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// What configuring produced; handed to every read.
pub enum Configured {
    Ready(ReadyClient),
    /// The client cannot be built; reads report why.
    Incomplete(Incomplete),
    /// The provider block depends on values known only at apply time.
    Unknown,
}

/// Why the provider has no client. Not an error at configure time (a
/// configuration may declare the provider without reading anything).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Incomplete {
    /// Settings nobody provided, in the order the message lists them.
    Missing(Vec<Missing>),
    /// The settings are there but unusable (e.g. an unreadable CA bundle).
    Invalid(String),
}

/// A setting the provider cannot work without.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missing {
    Region,
    ProjectId,
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
    pub fn detail(&self) -> String {
        match self {
            Incomplete::Missing(missing) => missing_settings_detail(missing),
            Incomplete::Invalid(why) => format!("{why}. Check the provider configuration."),
        }
    }
}

pub struct ReadyClient {
    pub client: OmsClient,
    pub region: Option<String>,
    pub project_id: String,
    /// Which credentials were used, never their values.
    pub auth: AuthMode,
    pub credential_source: String,
}

/// The first environment variable of `setting` with a non-blank value, and
/// that value.
fn env_value(setting: Setting, env: Env<'_>) -> Option<(&'static str, String)> {
    setting.env_vars().iter().find_map(|k| env(k).filter(|v| !v.trim().is_empty()).map(|v| (*k, v)))
}

/// A string attribute: from the config when set, else the first environment
/// variable that is set. Empty strings count as unset.
fn string_setting(attr: &Attr<String>, setting: Setting, env: Env<'_>) -> Option<String> {
    match attr.as_str().filter(|s| !s.trim().is_empty()) {
        Some(s) => Some(s.to_string()),
        None => env_value(setting, env).map(|(_, v)| v),
    }
}

/// Whether a string setting is provided; `None` while its attribute is unknown.
fn is_set(attr: &Attr<String>, setting: Setting, env: Env<'_>) -> Option<bool> {
    if attr.is_unknown() {
        return None;
    }
    Some(string_setting(attr, setting, env).is_some())
}

pub fn process_env(key: &str) -> Option<String> {
    std::env::var(key).ok()
}

/// ValidateProviderConfig: static checks only (no network), each pointing at
/// its attribute. Unknown values are skipped, never reported.
pub fn validate(config: &ProviderConfig, env: Env<'_>, d: &mut Diagnostics) {
    let ak = is_set(&config.access_key, Setting::AccessKey, env);
    let sk = is_set(&config.secret_key, Setting::SecretKey, env);
    let st = is_set(&config.security_token, Setting::SecurityToken, env);
    if let (Some(true), Some(false)) = (ak, sk) {
        d.error_at(
            AttributePath::root("access_key"),
            "secret_key is required with access_key",
            format!(
                "An access key is set but no secret key. Set `secret_key` in the provider block, or the {} environment variable.",
                Setting::SecretKey.env_alternatives()
            ),
        );
    }
    if let (Some(false), Some(true)) = (ak, sk) {
        d.error_at(
            AttributePath::root("secret_key"),
            "access_key is required with secret_key",
            format!(
                "A secret key is set but no access key. Set `access_key` in the provider block, or the {} environment variable.",
                Setting::AccessKey.env_alternatives()
            ),
        );
    }
    if let (Some(true), Some(false), Some(false)) = (st, ak, sk) {
        d.error_at(
            AttributePath::root("security_token"),
            "security_token requires access_key and secret_key",
            format!(
                "A security token belongs to temporary AK/SK credentials. Set `access_key` and `secret_key` (or {} and {}) with it, or remove it.",
                Setting::AccessKey.env_var(),
                Setting::SecretKey.env_var()
            ),
        );
    }

    match &config.max_retries {
        Attr::Known(n) => match n.as_i64() {
            Some(i) if i >= 0 => {}
            _ => d.error_at(
                AttributePath::root("max_retries"),
                "Invalid max_retries",
                format!("max_retries must be a whole number, 0 or greater; got {n}."),
            ),
        },
        Attr::Null => {
            if let Some((var, raw)) = env_value(Setting::MaxRetries, env) {
                if raw.trim().parse::<u32>().is_err() {
                    d.error_at(
                        AttributePath::root("max_retries"),
                        format!("Invalid {var}"),
                        format!("The environment variable {var} must be a whole number, 0 or greater; got {raw:?}."),
                    );
                }
            }
        }
        Attr::Unknown => {}
    }

    if let Some(path) = config.cacert_file.as_str() {
        if let Err(e) = std::fs::read(path) {
            d.error_at(
                AttributePath::root("cacert_file"),
                "Cannot read cacert_file",
                format!("The CA bundle {path:?} could not be read ({e}). Point cacert_file at a readable PEM file."),
            );
        }
    }

    for (service, url) in config.endpoints.known().into_iter().flatten() {
        let path = AttributePath::root("endpoints").key(service);
        if service != "oms" {
            d.push(
                Diagnostic::warning(
                    "Endpoint override ignored",
                    format!("This provider only talks to OMS; the endpoint for {service:?} is not used. Use the key \"oms\"."),
                )
                .at(path),
            );
            continue;
        }
        if let Some(raw) = url.as_str() {
            if let Err(e) = Endpoint::from_override(raw) {
                d.error_at(
                    path,
                    "Invalid OMS endpoint URL",
                    format!("{e}. Use a URL such as \"https://oms.cn-north-4.myhuaweicloud.com\" (the https:// scheme is added when missing)."),
                );
            }
        }
    }

    if config.insecure.is_null() {
        if let Some((var, raw)) = env_value(Setting::Insecure, env) {
            if parse_bool(&raw).is_none() {
                d.error_at(
                    AttributePath::root("insecure"),
                    format!("Invalid {var}"),
                    format!("The environment variable {var} must be true or false; got {raw:?}."),
                );
            }
        }
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "t" | "yes" => Some(true),
        "0" | "false" | "f" | "no" | "" => Some(false),
        _ => None,
    }
}

/// Forwards the client's request log into our hclog stream (already
/// redacted by the client).
struct HclogAdapter;

impl OmsLogger for HclogAdapter {
    fn debug(&self, msg: &str, fields: &[(&str, String)]) {
        let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        logging::debug(msg, &borrowed);
    }
}

/// ConfigureProvider: resolves every setting and builds the shared client.
/// Missing settings are not an error here (a configuration may declare the
/// provider without reading anything); reads report them.
pub fn configure(config: &Value, terraform_version: &str, env: Env<'_>) -> Result<Configured, Diagnostics> {
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
pub fn missing_settings_detail(missing: &[Missing]) -> String {
    let lines: Vec<String> = missing.iter().map(|m| m.line()).collect();
    format!("The provider cannot call OMS until these settings are provided:\n{}", lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(pairs: &[(&str, Value)]) -> Value {
        let mut m: BTreeMap<String, Value> = super::super::provider_schema::schema()
            .block
            .attributes
            .iter()
            .map(|a| (a.name.clone(), Value::Null))
            .collect();
        for (k, v) in pairs {
            m.insert(k.to_string(), v.clone());
        }
        Value::Object(m)
    }
    /// What ValidateProviderConfig answers: decode, then validate.
    fn check(config: &Value, env: Env<'_>) -> Diagnostics {
        let mut d = Diagnostics::new();
        if let Some(c) = decode::<ProviderConfig>(config, &mut d) {
            validate(&c, env, &mut d);
        }
        d
    }
    fn no_env(_: &str) -> Option<String> {
        None
    }
    fn paths(d: &Diagnostics) -> Vec<String> {
        d.iter().map(|x| x.path.as_ref().map(|p| p.to_string()).unwrap_or_default()).collect()
    }

    #[test]
    fn pairs_and_ranges_are_checked_with_paths() {
        let d = check(&cfg(&[("access_key", Value::string("AK"))]), &no_env);
        assert_eq!(paths(&d), ["access_key"]);
        let d = check(&cfg(&[("secret_key", Value::string("SK"))]), &no_env);
        assert_eq!(paths(&d), ["secret_key"]);
        let d = check(&cfg(&[("security_token", Value::string("ST"))]), &no_env);
        assert_eq!(paths(&d), ["security_token"]);
        let d = check(&cfg(&[("max_retries", Value::int(-1))]), &no_env);
        assert_eq!(paths(&d), ["max_retries"]);
        let d = check(&cfg(&[("max_retries", Value::Number(Number::Float(1.5)))]), &no_env);
        assert_eq!(paths(&d), ["max_retries"]);
        let d = check(&cfg(&[("cacert_file", Value::string("/nonexistent/ca.pem"))]), &no_env);
        assert_eq!(paths(&d), ["cacert_file"]);
        let eps = Value::Map([("oms".to_string(), Value::string("http://[::1"))].into());
        let d = check(&cfg(&[("endpoints", eps)]), &no_env);
        assert_eq!(paths(&d), ["endpoints[\"oms\"]"]);
        assert!(d.has_errors());
    }

    #[test]
    fn unknown_values_and_env_fallbacks_are_not_errors() {
        let d = check(
            &cfg(&[
                ("access_key", Value::string("AK")),
                ("secret_key", Value::unknown()),
                ("max_retries", Value::unknown()),
            ]),
            &no_env,
        );
        assert!(d.is_empty(), "{d:?}");
        let env = |k: &str| (k == "HW_SECRET_KEY").then(|| "SK".to_string());
        let d = check(&cfg(&[("access_key", Value::string("AK"))]), &env);
        assert!(d.is_empty(), "{d:?}");
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
        let details = |c: Value, env: Env<'_>| {
            check(&c, env).iter().map(|d| (d.summary.clone(), d.detail.clone())).collect::<Vec<_>>()
        };
        assert_eq!(
            details(cfg(&[("access_key", Value::string("AK"))]), &no_env),
            [(
                "secret_key is required with access_key".to_string(),
                "An access key is set but no secret key. Set `secret_key` in the provider block, or the HW_SECRET_KEY (or CLOUD_SDK_SK) environment variable.".to_string()
            )]
        );
        assert_eq!(
            details(cfg(&[("secret_key", Value::string("SK"))]), &no_env),
            [(
                "access_key is required with secret_key".to_string(),
                "A secret key is set but no access key. Set `access_key` in the provider block, or the HW_ACCESS_KEY (or CLOUD_SDK_AK) environment variable.".to_string()
            )]
        );
        assert_eq!(
            details(cfg(&[("security_token", Value::string("ST"))]), &no_env),
            [(
                "security_token requires access_key and secret_key".to_string(),
                "A security token belongs to temporary AK/SK credentials. Set `access_key` and `secret_key` (or HW_ACCESS_KEY and HW_SECRET_KEY) with it, or remove it.".to_string()
            )]
        );
        let env = |k: &str| match k {
            "HW_MAX_RETRIES" => Some("many".to_string()),
            "HW_INSECURE" => Some("maybe".to_string()),
            _ => None,
        };
        assert_eq!(
            details(cfg(&[]), &env),
            [
                (
                    "Invalid HW_MAX_RETRIES".to_string(),
                    "The environment variable HW_MAX_RETRIES must be a whole number, 0 or greater; got \"many\"."
                        .to_string()
                ),
                (
                    "Invalid HW_INSECURE".to_string(),
                    "The environment variable HW_INSECURE must be true or false; got \"maybe\".".to_string()
                ),
            ]
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

    #[test]
    fn the_config_struct_names_every_schema_attribute() {
        let schema = super::super::provider_schema::schema();
        let names: Vec<&str> = schema.block.attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(ProviderConfig::ATTRIBUTES, names.as_slice());
    }
}
