//! The schema of the `provider "oms"` block, with the environment variables
//! each attribute falls back to (the same names as the official Huawei Cloud
//! provider, so existing credentials work unchanged). [`ENV_FALLBACKS`] is
//! the one list of those names: the configuration reads it, and the
//! descriptions, the docs' table and the error messages are built from it.

use crate::framework::schema::{Attribute, Block, Schema};
use crate::framework::types::Type;

/// A provider attribute that can come from the environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setting {
    /// `region`
    Region,
    /// `project_id`
    ProjectId,
    /// `access_key`
    AccessKey,
    /// `secret_key`
    SecretKey,
    /// `security_token`
    SecurityToken,
    /// `token`
    Token,
    /// `cloud`
    Cloud,
    /// `insecure`
    Insecure,
    /// `max_retries`
    MaxRetries,
}

/// Setting → environment variables, first set one wins; in the docs' order.
pub const ENV_FALLBACKS: &[(Setting, &[&str])] = &[
    (Setting::Region, &["HW_REGION_NAME"]),
    (Setting::ProjectId, &["HW_PROJECT_ID"]),
    (Setting::AccessKey, &["HW_ACCESS_KEY", "CLOUD_SDK_AK"]),
    (Setting::SecretKey, &["HW_SECRET_KEY", "CLOUD_SDK_SK"]),
    (Setting::SecurityToken, &["HW_SECURITY_TOKEN"]),
    (Setting::Token, &["HW_AUTH_TOKEN"]),
    (Setting::Cloud, &["HW_CLOUD"]),
    (Setting::Insecure, &["HW_INSECURE"]),
    (Setting::MaxRetries, &["HW_MAX_RETRIES"]),
];

impl Setting {
    /// The attribute name in the provider block.
    pub fn attribute(self) -> &'static str {
        match self {
            Setting::Region => "region",
            Setting::ProjectId => "project_id",
            Setting::AccessKey => "access_key",
            Setting::SecretKey => "secret_key",
            Setting::SecurityToken => "security_token",
            Setting::Token => "token",
            Setting::Cloud => "cloud",
            Setting::Insecure => "insecure",
            Setting::MaxRetries => "max_retries",
        }
    }

    /// Its environment variables from [`ENV_FALLBACKS`], first match first.
    pub fn env_vars(self) -> &'static [&'static str] {
        ENV_FALLBACKS.iter().find(|(s, _)| *s == self).map_or(&[], |(_, e)| *e)
    }

    /// The first variable alone: what messages suggest when one name is enough.
    pub fn env_var(self) -> &'static str {
        self.env_vars().first().copied().unwrap_or_default()
    }

    /// "HW_SECRET_KEY (or CLOUD_SDK_SK)": every variable, for messages.
    pub fn env_alternatives(self) -> String {
        match self.env_vars() {
            [first, rest @ ..] if !rest.is_empty() => format!("{first} (or {})", rest.join(", or ")),
            vars => vars.join(""),
        }
    }

    /// An optional attribute whose description says where it falls back to:
    /// `before`, then "Falls back to `A`, then `B`", then `after` (which
    /// starts with the punctuation that closes the sentence).
    fn attribute_with_env(self, ty: Type, before: &str, after: &str) -> Attribute {
        let vars: Vec<String> = self.env_vars().iter().map(|v| format!("`{v}`")).collect();
        let description = format!("{before} Falls back to {}{after}", vars.join(", then "));
        Attribute::optional(self.attribute(), ty, &description)
    }
}

/// Pairs of AK and SK variables that go together, for messages:
/// `[("HW_ACCESS_KEY", "HW_SECRET_KEY"), ("CLOUD_SDK_AK", "CLOUD_SDK_SK")]`.
pub fn aksk_env_pairs() -> impl Iterator<Item = (&'static str, &'static str)> {
    Setting::AccessKey.env_vars().iter().copied().zip(Setting::SecretKey.env_vars().iter().copied())
}

/// The provider block's schema; descriptions name the variables from
/// [`ENV_FALLBACKS`].
pub fn schema() -> Schema {
    use Setting::*;
    let attrs = vec![
        Region.attribute_with_env(Type::String, "The region of the OMS endpoint, e.g. `cn-north-4`.", "."),
        ProjectId.attribute_with_env(Type::String, "The project ID in that region (the `{project_id}` of the API path).", "."),
        AccessKey.attribute_with_env(Type::String, "The access key (AK) used to sign requests with SDK-HMAC-SHA256.", ". Requires `secret_key`.").sensitive(),
        SecretKey.attribute_with_env(Type::String, "The secret key (SK) paired with `access_key`.", ".").sensitive(),
        SecurityToken.attribute_with_env(Type::String, "The security token of temporary AK/SK credentials, sent as `X-Security-Token`.", ". Requires `access_key` and `secret_key`.").sensitive(),
        Token.attribute_with_env(Type::String, "An IAM token, sent as `X-Auth-Token`. Takes precedence over AK/SK when both are set.", ".").sensitive(),
        Cloud.attribute_with_env(Type::String, "The cloud domain of endpoints, `https://oms.{region}.{cloud}`.", "; defaults to `myhuaweicloud.com` (`myhuaweicloud.eu` for `eu-west-1*` regions)."),
        Attribute::optional("endpoints", Type::map(Type::String), "Endpoint overrides by service; the key `oms` replaces the OMS endpoint URL, e.g. `{ oms = \"https://oms.example.internal\" }`. `https://` is added when no scheme is given."),
        Insecure.attribute_with_env(Type::Bool, "Skip TLS certificate verification of the endpoint. For testing only.", "; defaults to `false`."),
        MaxRetries.attribute_with_env(Type::Number, "How many times a throttled (429), failed (500, 502, 503, 504) or interrupted request is retried, with exponential backoff.", "; defaults to `5`. Must be 0 or greater."),
        Attribute::optional("cacert_file", Type::String, "A PEM file of extra CA certificates to trust for the endpoint, in addition to the system's."),
    ];
    Schema {
        version: 0,
        block: Block {
            attributes: attrs,
            description: "The OMS provider reads Huawei Cloud Object Storage Migration Service (OMS) resources. Credentials are an IAM token or an AK/SK pair (optionally temporary, with a security token); every setting can also come from the environment variables of the official Huawei Cloud provider.".into(),
            ..Default::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_sensitive_and_schema_is_valid() {
        let s = schema();
        s.block.internal_validate().unwrap();
        for name in ["access_key", "secret_key", "security_token", "token"] {
            assert!(s.block.attribute(name).unwrap().sensitive, "{name}");
        }
        for name in ["region", "project_id", "cloud", "endpoints", "insecure", "max_retries", "cacert_file"] {
            let a = s.block.attribute(name).unwrap();
            assert!(!a.sensitive && a.optional && !a.description.is_empty(), "{name}");
        }
        assert_eq!(s.block.attribute("endpoints").unwrap().ty, Type::map(Type::String));
        assert_eq!(s.block.attribute("insecure").unwrap().ty, Type::Bool);
        assert_eq!(s.block.attribute("max_retries").unwrap().ty, Type::Number);
        assert_eq!(s.block.attributes.len(), 11);
    }

    #[test]
    fn every_setting_has_env_vars_and_an_attribute_naming_them() {
        let s = schema();
        for (setting, vars) in ENV_FALLBACKS {
            assert!(!vars.is_empty());
            assert_eq!(ENV_FALLBACKS.iter().filter(|(x, _)| x == setting).count(), 1, "{setting:?}");
            let a = s.block.attribute(setting.attribute()).unwrap();
            for v in *vars {
                assert!(a.description.contains(&format!("`{v}`")), "{}", a.description);
            }
        }
        assert_eq!(ENV_FALLBACKS.len(), 9);
        assert_eq!(
            s.block.attribute("access_key").unwrap().description,
            "The access key (AK) used to sign requests with SDK-HMAC-SHA256. Falls back to `HW_ACCESS_KEY`, then `CLOUD_SDK_AK`. Requires `secret_key`."
        );
        assert_eq!(Setting::SecretKey.env_alternatives(), "HW_SECRET_KEY (or CLOUD_SDK_SK)");
        assert_eq!(Setting::Region.env_alternatives(), "HW_REGION_NAME");
        assert_eq!(
            aksk_env_pairs().collect::<Vec<_>>(),
            [("HW_ACCESS_KEY", "HW_SECRET_KEY"), ("CLOUD_SDK_AK", "CLOUD_SDK_SK")]
        );
    }
}
