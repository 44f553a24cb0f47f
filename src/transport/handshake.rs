//! go-plugin's launch contract: the magic cookie, protocol negotiation and
//! the single handshake line on stdout that tells Terraform where to connect.

use base64::Engine;

/// Terraform sets this variable to this value when it launches a provider
/// (`plugin.HandshakeConfig` in Terraform; the same in OpenTofu).
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// The value go-plugin expects; a guard against running by hand, not a secret.
pub const MAGIC_COOKIE_VALUE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// What a person sees when running the binary by hand.
pub const NOT_A_PROGRAM_MESSAGE: &str = "This binary is a plugin. These are not meant to be executed directly.\n\
terraform-provider-oms is a Terraform provider: Terraform starts it by itself when a configuration uses the \
\"oms\" provider. Run `terraform init` and `terraform plan` in your configuration directory instead, or start \
it with --debug to attach Terraform through TF_REATTACH_PROVIDERS (see README.md). Use --help for options.";

/// Protocols this binary serves, best first.
pub const SUPPORTED_PROTOCOLS: [u32; 2] = [6, 5];

/// Whether Terraform launched us; otherwise `main` prints [`NOT_A_PROGRAM_MESSAGE`].
pub fn cookie_is_valid(value: Option<&str>) -> bool {
    value == Some(MAGIC_COOKIE_VALUE)
}

/// Picks the protocol from `PLUGIN_PROTOCOL_VERSIONS` (e.g. "5,6", in any
/// order) as go-plugin's server does: our highest version the client offers;
/// when none match, our lowest, so the client reports the mismatch itself.
pub fn negotiate(offered: Option<&str>) -> u32 {
    let Some(list) = offered.filter(|s| !s.trim().is_empty()) else {
        return SUPPORTED_PROTOCOLS[0];
    };
    let offered: Vec<u32> = list.split(',').filter_map(|v| v.trim().parse().ok()).collect();
    SUPPORTED_PROTOCOLS
        .iter()
        .copied()
        .find(|v| offered.contains(v))
        .unwrap_or(SUPPORTED_PROTOCOLS[SUPPORTED_PROTOCOLS.len() - 1])
}

/// `CORE|APP|NETWORK|ADDR|grpc|CERT`: the certificate is unpadded standard
/// base64 of DER (padding breaks go-plugin's parser for most lengths), and
/// there is never a seventh field (Terraform 1.0 splits into at most six).
pub fn line(protocol: u32, network: &str, address: &str, server_cert_der: Option<&[u8]>) -> String {
    let cert = server_cert_der.map(|d| base64::engine::general_purpose::STANDARD_NO_PAD.encode(d)).unwrap_or_default();
    format!("1|{protocol}|{network}|{address}|grpc|{cert}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_prefers_six() {
        assert_eq!(negotiate(Some("5,6")), 6);
        assert_eq!(negotiate(Some("6,5")), 6);
        assert_eq!(negotiate(Some("5")), 5);
        assert_eq!(negotiate(Some(" 5 , 4 ")), 5);
        assert_eq!(negotiate(Some("7")), 5);
        assert_eq!(negotiate(None), 6);
        assert_eq!(negotiate(Some("")), 6);
    }

    #[test]
    fn line_format() {
        let der = [1u8, 2, 3, 4]; // base64 "AQIDBA==" padded
        let l = line(6, "unix", "/tmp/plugin1", Some(&der));
        assert_eq!(l, "1|6|unix|/tmp/plugin1|grpc|AQIDBA");
        assert_eq!(l.split('|').count(), 6);
        assert_eq!(line(5, "tcp", "127.0.0.1:10000", None), "1|5|tcp|127.0.0.1:10000|grpc|");
    }

    #[test]
    fn cookie() {
        assert!(cookie_is_valid(Some(MAGIC_COOKIE_VALUE)));
        assert!(!cookie_is_valid(Some("nope")));
        assert!(!cookie_is_valid(None));
    }
}
