//! The `provider "oms"` block: decoded once into [`ProviderConfig`], read
//! together with the environment (the official Huawei Cloud provider's
//! variable names, from [`ENV_FALLBACKS`](super::provider_schema::ENV_FALLBACKS)),
//! and validated with attribute paths. [`super::configure`] turns it into a
//! client.

use std::collections::BTreeMap;

use super::provider_schema::Setting;
use crate::framework::diagnostics::{AttributePath, Diagnostic, Diagnostics};
use crate::framework::typed::{tf_object, Attr};
use crate::framework::value::Number;
use crate::oms::Endpoint;

tf_object! {
    /// The `provider "oms"` block as Terraform sent it. No `Debug`: it holds
    /// secrets.
    pub(crate) struct ProviderConfig {
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
pub(crate) type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The first environment variable of `setting` with a non-blank value, and
/// that value.
pub(super) fn env_value(setting: Setting, env: Env<'_>) -> Option<(&'static str, String)> {
    setting.env_vars().iter().find_map(|k| env(k).filter(|v| !v.trim().is_empty()).map(|v| (*k, v)))
}

/// A string attribute: from the config when set, else the first environment
/// variable that is set. Empty strings count as unset.
pub(super) fn string_setting(attr: &Attr<String>, setting: Setting, env: Env<'_>) -> Option<String> {
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

/// The real environment, for [`Env`].
pub(crate) fn process_env(key: &str) -> Option<String> {
    std::env::var(key).ok()
}

/// ValidateProviderConfig: static checks only (no network), each pointing at
/// its attribute. Unknown values are skipped, never reported.
pub(crate) fn validate(config: &ProviderConfig, env: Env<'_>, d: &mut Diagnostics) {
    validate_credentials(config, env, d);
    validate_max_retries(&config.max_retries, env, d);
    if let Some(path) = config.cacert_file.as_str() {
        if let Err(e) = std::fs::read(path) {
            d.error_at(
                AttributePath::root("cacert_file"),
                "Cannot read cacert_file",
                format!("The CA bundle {path:?} could not be read ({e}). Point cacert_file at a readable PEM file."),
            );
        }
    }
    validate_endpoints(&config.endpoints, d);
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

/// AK and SK come together; a security token needs both.
fn validate_credentials(config: &ProviderConfig, env: Env<'_>, d: &mut Diagnostics) {
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
}

/// From the block, or else the environment, whose text must parse too.
fn validate_max_retries(max_retries: &Attr<Number>, env: Env<'_>, d: &mut Diagnostics) {
    match max_retries {
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
}

/// Only the `oms` key is used; its URL must parse.
fn validate_endpoints(endpoints: &Attr<BTreeMap<String, Attr<String>>>, d: &mut Diagnostics) {
    for (service, url) in endpoints.known().into_iter().flatten() {
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
}

pub(super) fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "t" | "yes" => Some(true),
        "0" | "false" | "f" | "no" | "" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::framework::typed::decode;
    use crate::framework::value::Value;

    pub(crate) fn cfg(pairs: &[(&str, Value)]) -> Value {
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
    pub(crate) fn check(config: &Value, env: Env<'_>) -> Diagnostics {
        let mut d = Diagnostics::new();
        if let Some(c) = decode::<ProviderConfig>(config, &mut d) {
            validate(&c, env, &mut d);
        }
        d
    }
    pub(crate) fn no_env(_: &str) -> Option<String> {
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
    }

    /// The texts built from the environment table, pinned to the words users
    /// have always seen.
    #[test]
    fn validation_messages_name_the_environment_variables_as_before() {
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
    }

    #[test]
    fn the_config_struct_names_every_schema_attribute() {
        let schema = super::super::provider_schema::schema();
        let names: Vec<&str> = schema.block.attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(ProviderConfig::ATTRIBUTES, names.as_slice());
    }
}
