//! The `provider "oms"` block: validation with attribute paths, resolution
//! against the environment (the official Huawei Cloud provider's variable
//! names), and the one OMS client every read shares.

use std::sync::Arc;

use super::provider_schema::env_vars_for;
use crate::framework::diagnostics::{AttributePath, Diagnostics};
use crate::framework::value::Value;
use crate::logging;
use crate::oms::{ClientConfig, Credentials, Endpoint, OmsClient, OmsLogger};

/// What configuring produced; handed to every read.
pub enum Configured {
    Ready(ReadyClient),
    /// Settings are missing; reads report exactly which.
    Incomplete {
        missing: Vec<&'static str>,
        other: Option<String>,
    },
    /// The provider block depends on values known only at apply time.
    Unknown,
}

pub struct ReadyClient {
    pub client: OmsClient,
    pub region: Option<String>,
    pub project_id: String,
    /// "token" or "AK/SK": says which credentials were used, never their values.
    pub auth: &'static str,
    pub credential_source: String,
}

/// A string attribute: from the config when set, else the first environment
/// variable that is set. Empty strings count as unset.
fn string_setting(config: &Value, attr: &str, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    if let Some(s) = config.get(attr).as_str().filter(|s| !s.trim().is_empty()) {
        return Some(s.to_string());
    }
    env_vars_for(attr).iter().find_map(|k| env(k).filter(|v| !v.trim().is_empty()))
}

fn is_set(config: &Value, attr: &str, env: &dyn Fn(&str) -> Option<String>) -> Option<bool> {
    let v = config.get(attr);
    if v.is_unknown() {
        return None;
    }
    Some(string_setting(config, attr, env).is_some())
}

pub fn process_env(key: &str) -> Option<String> {
    std::env::var(key).ok()
}

/// ValidateProviderConfig: static checks only (no network), each pointing at
/// its attribute. Unknown values are skipped, never reported.
pub fn validate(config: &Value, env: &dyn Fn(&str) -> Option<String>, d: &mut Diagnostics) {
    let ak = is_set(config, "access_key", env);
    let sk = is_set(config, "secret_key", env);
    let st = is_set(config, "security_token", env);
    if let (Some(true), Some(false)) = (ak, sk) {
        d.error_at(
            AttributePath::root("access_key"),
            "secret_key is required with access_key",
            "An access key is set but no secret key. Set `secret_key` in the provider block, or the HW_SECRET_KEY (or CLOUD_SDK_SK) environment variable.",
        );
    }
    if let (Some(false), Some(true)) = (ak, sk) {
        d.error_at(
            AttributePath::root("secret_key"),
            "access_key is required with secret_key",
            "A secret key is set but no access key. Set `access_key` in the provider block, or the HW_ACCESS_KEY (or CLOUD_SDK_AK) environment variable.",
        );
    }
    if let (Some(true), Some(false), Some(false)) = (st, ak, sk) {
        d.error_at(
            AttributePath::root("security_token"),
            "security_token requires access_key and secret_key",
            "A security token belongs to temporary AK/SK credentials. Set `access_key` and `secret_key` (or HW_ACCESS_KEY and HW_SECRET_KEY) with it, or remove it.",
        );
    }

    match config.get("max_retries") {
        Value::Number(n) => match n.as_i64() {
            Some(i) if i >= 0 => {}
            _ => d.error_at(
                AttributePath::root("max_retries"),
                "Invalid max_retries",
                format!("max_retries must be a whole number, 0 or greater; got {n}."),
            ),
        },
        Value::Null => {
            if let Some(raw) = env("HW_MAX_RETRIES").filter(|s| !s.trim().is_empty()) {
                if raw.trim().parse::<u32>().is_err() {
                    d.error_at(
                        AttributePath::root("max_retries"),
                        "Invalid HW_MAX_RETRIES",
                        format!("The environment variable HW_MAX_RETRIES must be a whole number, 0 or greater; got {raw:?}."),
                    );
                }
            }
        }
        _ => {}
    }

    if let Some(path) = config.get("cacert_file").as_str() {
        if let Err(e) = std::fs::read(path) {
            d.error_at(
                AttributePath::root("cacert_file"),
                "Cannot read cacert_file",
                format!("The CA bundle {path:?} could not be read ({e}). Point cacert_file at a readable PEM file."),
            );
        }
    }

    if let Value::Map(endpoints) = config.get("endpoints") {
        for (service, url) in endpoints {
            let path = AttributePath::root("endpoints").key(service);
            if service != "oms" {
                d.push(
                    crate::framework::diagnostics::Diagnostic::warning(
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
    }

    if let Some(raw) = env("HW_INSECURE").filter(|_| config.get("insecure").is_null()) {
        if parse_bool(&raw).is_none() {
            d.error_at(
                AttributePath::root("insecure"),
                "Invalid HW_INSECURE",
                format!("The environment variable HW_INSECURE must be true or false; got {raw:?}."),
            );
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
pub fn configure(
    config: &Value,
    terraform_version: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Configured, Diagnostics> {
    if !config.is_wholly_known() {
        return Ok(Configured::Unknown);
    }
    let mut d = Diagnostics::new();
    validate(config, env, &mut d);
    if d.has_errors() {
        return Err(d);
    }
    let region = string_setting(config, "region", env);
    let project_id = string_setting(config, "project_id", env);
    let override_url = config.get("endpoints").get_map_entry("oms");

    let token = string_setting(config, "token", env);
    let ak = string_setting(config, "access_key", env);
    let sk = string_setting(config, "secret_key", env);
    let st = string_setting(config, "security_token", env);

    let mut missing = Vec::new();
    if region.is_none() && override_url.is_none() {
        missing.push("region");
    }
    if project_id.is_none() {
        missing.push("project_id");
    }
    if token.is_none() && (ak.is_none() || sk.is_none()) {
        missing.push("credentials");
    }
    if !missing.is_empty() {
        return Ok(Configured::Incomplete { missing, other: None });
    }
    let project_id = project_id.unwrap_or_default();
    let credentials = match Credentials::select(token.as_deref(), ak.as_deref(), sk.as_deref(), st.as_deref()) {
        Ok(c) => c,
        Err(e) => return Ok(Configured::Incomplete { missing: vec![], other: Some(e.to_string()) }),
    };
    let cloud = string_setting(config, "cloud", env);
    let endpoint = match (&override_url, &region) {
        (Some(url), _) => Endpoint::from_override(url),
        (None, Some(r)) => Endpoint::for_region(r, cloud.as_deref()),
        (None, None) => return Ok(Configured::Incomplete { missing: vec!["region"], other: None }),
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
    let auth = match &credentials {
        Credentials::Token { .. } => "token",
        Credentials::AkSk { .. } => "AK/SK",
    };
    let credential_source = match &credentials {
        Credentials::Token { .. } if config.get("token").is_null() => {
            "the HW_AUTH_TOKEN environment variable".to_string()
        }
        Credentials::Token { .. } => "the provider's `token` attribute".to_string(),
        Credentials::AkSk { security_token, .. } => {
            let base = if config.get("access_key").is_null() {
                "AK/SK from the environment (HW_ACCESS_KEY/HW_SECRET_KEY or CLOUD_SDK_AK/CLOUD_SDK_SK)"
            } else {
                "AK/SK from the provider's `access_key`/`secret_key`"
            };
            match security_token {
                Some(_) => format!("{base} with a security token"),
                None => base.to_string(),
            }
        }
    };
    Ok(build(config, env, endpoint, project_id, region, credentials, auth, credential_source, terraform_version))
}

#[allow(clippy::too_many_arguments)]
fn build(
    config: &Value,
    env: &dyn Fn(&str) -> Option<String>,
    endpoint: Endpoint,
    project_id: String,
    region: Option<String>,
    credentials: Credentials,
    auth: &'static str,
    credential_source: String,
    terraform_version: &str,
) -> Configured {
    let mut cc = ClientConfig::new(endpoint, project_id.clone(), credentials);
    cc.max_retries = match config.get("max_retries").as_number().and_then(|n| n.as_i64()) {
        Some(n) => n.clamp(0, u32::MAX as i64) as u32,
        None => env("HW_MAX_RETRIES").and_then(|s| s.trim().parse().ok()).unwrap_or(cc.max_retries),
    };
    cc.insecure = match config.get("insecure").as_bool() {
        Some(b) => b,
        None => env("HW_INSECURE").and_then(|s| parse_bool(&s)).unwrap_or(false),
    };
    cc.ca_bundle_file = config.get("cacert_file").as_str().map(Into::into);
    if !terraform_version.is_empty() {
        cc.user_agent_suffix = Some(format!("terraform/{terraform_version}"));
    }
    if let Some(ms) = env("OMS_PROVIDER_RETRY_BASE_MS").and_then(|s| s.parse::<u64>().ok()) {
        // For tests: short backoffs keep retry scenarios fast.
        cc.retry_base = std::time::Duration::from_millis(ms);
    }
    cc.logger = Arc::new(HclogAdapter);
    match OmsClient::new(cc) {
        Ok(client) => Configured::Ready(ReadyClient { client, region, project_id, auth, credential_source }),
        Err(e) => Configured::Incomplete { missing: vec![], other: Some(e.to_string()) },
    }
}

/// The one error users get when settings are missing at read time: it names
/// the attributes and the environment variables that fill them.
pub fn missing_settings_detail(missing: &[&str]) -> String {
    let mut lines = Vec::new();
    for m in missing {
        lines.push(match *m {
            "region" => "- region: set `region` in the provider block or HW_REGION_NAME (or `endpoints = { oms = \"https://...\" }`)".to_string(),
            "project_id" => "- project_id: set `project_id` in the provider block or HW_PROJECT_ID".to_string(),
            _ => "- credentials: set `token` (or HW_AUTH_TOKEN), or `access_key` and `secret_key` (or HW_ACCESS_KEY and HW_SECRET_KEY, or CLOUD_SDK_AK and CLOUD_SDK_SK)".to_string(),
        });
    }
    format!("The provider cannot call OMS until these settings are provided:\n{}", lines.join("\n"))
}

trait MapEntry {
    fn get_map_entry(&self, key: &str) -> Option<String>;
}

impl MapEntry for Value {
    fn get_map_entry(&self, key: &str) -> Option<String> {
        match self {
            Value::Map(m) => m.get(key).and_then(|v| v.as_str()).filter(|s| !s.trim().is_empty()).map(str::to_string),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::value::Number;
    use std::collections::BTreeMap;

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
    fn no_env(_: &str) -> Option<String> {
        None
    }
    fn paths(d: &Diagnostics) -> Vec<String> {
        d.iter().map(|x| x.path.as_ref().map(|p| p.to_string()).unwrap_or_default()).collect()
    }

    #[test]
    fn pairs_and_ranges_are_checked_with_paths() {
        let mut d = Diagnostics::new();
        validate(&cfg(&[("access_key", Value::string("AK"))]), &no_env, &mut d);
        assert_eq!(paths(&d), ["access_key"]);
        let mut d = Diagnostics::new();
        validate(&cfg(&[("secret_key", Value::string("SK"))]), &no_env, &mut d);
        assert_eq!(paths(&d), ["secret_key"]);
        let mut d = Diagnostics::new();
        validate(&cfg(&[("security_token", Value::string("ST"))]), &no_env, &mut d);
        assert_eq!(paths(&d), ["security_token"]);
        let mut d = Diagnostics::new();
        validate(&cfg(&[("max_retries", Value::int(-1))]), &no_env, &mut d);
        assert_eq!(paths(&d), ["max_retries"]);
        let mut d = Diagnostics::new();
        validate(&cfg(&[("max_retries", Value::Number(Number::Float(1.5)))]), &no_env, &mut d);
        assert_eq!(paths(&d), ["max_retries"]);
        let mut d = Diagnostics::new();
        validate(&cfg(&[("cacert_file", Value::string("/nonexistent/ca.pem"))]), &no_env, &mut d);
        assert_eq!(paths(&d), ["cacert_file"]);
        let mut d = Diagnostics::new();
        let eps = Value::Map([("oms".to_string(), Value::string("http://[::1"))].into());
        validate(&cfg(&[("endpoints", eps)]), &no_env, &mut d);
        assert_eq!(paths(&d), ["endpoints[\"oms\"]"]);
        assert!(d.has_errors());
    }

    #[test]
    fn unknown_values_and_env_fallbacks_are_not_errors() {
        let mut d = Diagnostics::new();
        validate(
            &cfg(&[
                ("access_key", Value::string("AK")),
                ("secret_key", Value::unknown()),
                ("max_retries", Value::unknown()),
            ]),
            &no_env,
            &mut d,
        );
        assert!(d.is_empty(), "{d:?}");
        let env = |k: &str| (k == "HW_SECRET_KEY").then(|| "SK".to_string());
        let mut d = Diagnostics::new();
        validate(&cfg(&[("access_key", Value::string("AK"))]), &env, &mut d);
        assert!(d.is_empty(), "{d:?}");
        assert!(matches!(configure(&cfg(&[("region", Value::unknown())]), "", &no_env), Ok(Configured::Unknown)));
    }

    #[test]
    fn configure_reports_what_is_missing_and_builds_from_env() {
        match configure(&cfg(&[]), "", &no_env) {
            Ok(Configured::Incomplete { missing, .. }) => assert_eq!(missing, ["region", "project_id", "credentials"]),
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
                assert_eq!(r.auth, "AK/SK");
                assert_eq!(
                    r.client.endpoint().as_str().trim_end_matches('/'),
                    "https://oms.cn-north-4.myhuaweicloud.com"
                );
            }
            _ => panic!("expected ready"),
        }
        let detail = missing_settings_detail(&["region", "credentials"]);
        assert!(detail.contains("HW_REGION_NAME") && detail.contains("HW_ACCESS_KEY") && detail.contains("`token`"));
    }
}
