//! The schema of the `provider "oms"` block, with the environment variables
//! each attribute falls back to (the same names as the official Huawei Cloud
//! provider, so existing credentials work unchanged).

use crate::framework::schema::{Attribute, Block, Schema};
use crate::framework::types::Type;

/// Attribute name → environment variables, first match wins.
pub const ENV_FALLBACKS: &[(&str, &[&str])] = &[
    ("region", &["HW_REGION_NAME"]),
    ("project_id", &["HW_PROJECT_ID"]),
    ("access_key", &["HW_ACCESS_KEY", "CLOUD_SDK_AK"]),
    ("secret_key", &["HW_SECRET_KEY", "CLOUD_SDK_SK"]),
    ("security_token", &["HW_SECURITY_TOKEN"]),
    ("token", &["HW_AUTH_TOKEN"]),
    ("cloud", &["HW_CLOUD"]),
    ("insecure", &["HW_INSECURE"]),
    ("max_retries", &["HW_MAX_RETRIES"]),
];

pub fn env_vars_for(attribute: &str) -> &'static [&'static str] {
    ENV_FALLBACKS.iter().find(|(a, _)| *a == attribute).map(|(_, e)| *e).unwrap_or(&[])
}

pub fn schema() -> Schema {
    let attrs = vec![
        Attribute::optional("region", Type::String, "The region of the OMS endpoint, e.g. `cn-north-4`. Falls back to `HW_REGION_NAME`."),
        Attribute::optional("project_id", Type::String, "The project ID in that region (the `{project_id}` of the API path). Falls back to `HW_PROJECT_ID`."),
        Attribute::optional("access_key", Type::String, "The access key (AK) used to sign requests with SDK-HMAC-SHA256. Falls back to `HW_ACCESS_KEY`, then `CLOUD_SDK_AK`. Requires `secret_key`.").sensitive(),
        Attribute::optional("secret_key", Type::String, "The secret key (SK) paired with `access_key`. Falls back to `HW_SECRET_KEY`, then `CLOUD_SDK_SK`.").sensitive(),
        Attribute::optional("security_token", Type::String, "The security token of temporary AK/SK credentials, sent as `X-Security-Token`. Falls back to `HW_SECURITY_TOKEN`. Requires `access_key` and `secret_key`.").sensitive(),
        Attribute::optional("token", Type::String, "An IAM token, sent as `X-Auth-Token`. Takes precedence over AK/SK when both are set. Falls back to `HW_AUTH_TOKEN`.").sensitive(),
        Attribute::optional("cloud", Type::String, "The cloud domain of endpoints, `https://oms.{region}.{cloud}`. Falls back to `HW_CLOUD`; defaults to `myhuaweicloud.com` (`myhuaweicloud.eu` for `eu-west-1*` regions)."),
        Attribute::optional("endpoints", Type::map(Type::String), "Endpoint overrides by service; the key `oms` replaces the OMS endpoint URL, e.g. `{ oms = \"https://oms.example.internal\" }`. `https://` is added when no scheme is given."),
        Attribute::optional("insecure", Type::Bool, "Skip TLS certificate verification of the endpoint. For testing only. Falls back to `HW_INSECURE`; defaults to `false`."),
        Attribute::optional("max_retries", Type::Number, "How many times a throttled (429), failed (500, 502, 503, 504) or interrupted request is retried, with exponential backoff. Falls back to `HW_MAX_RETRIES`; defaults to `5`. Must be 0 or greater."),
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
}
