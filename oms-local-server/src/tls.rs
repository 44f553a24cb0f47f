//! HTTPS for the local server, so the provider's `cacert_file` and `insecure` settings
//! can be proved against a real handshake instead of only being parsed.
//!
//! Every start mints a fresh CA and a leaf certificate signed by it. A fresh CA per
//! server means no test can pass by accidentally trusting a certificate left over from
//! another run, and a CA (rather than a self-signed leaf) is what a private OMS gateway
//! would present, so clients are exercised through real chain building.

use std::io;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The acceptor's configuration plus the one certificate a client has to trust.
pub(crate) struct ServerTls {
    pub(crate) config: Arc<rustls::ServerConfig>,
    pub(crate) ca_pem: String,
}

fn other(context: &str, e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("{context}: {e}"))
}

fn name(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "terraform-provider-oms local OMS server");
    dn.push(DnType::CommonName, common_name);
    dn
}

/// Certificates for loopback only: `127.0.0.1` and `localhost` are the only names a
/// test may dial, so nothing minted here is valid for any real host.
pub(crate) fn generate() -> io::Result<ServerTls> {
    let ca_key = KeyPair::generate().map_err(|e| other("generating the CA key", e))?;
    let mut ca_params = CertificateParams::default();
    ca_params.distinguished_name = name("oms-local-server test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key).map_err(|e| other("self-signing the CA", e))?;
    let issuer = Issuer::new(ca_params, &ca_key);

    let leaf_key = KeyPair::generate().map_err(|e| other("generating the server key", e))?;
    let mut leaf_params = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .map_err(|e| other("server certificate names", e))?;
    leaf_params.distinguished_name = name("localhost");
    leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_cert =
        leaf_params.signed_by(&leaf_key, &issuer).map_err(|e| other("signing the server certificate", e))?;

    let chain = vec![CertificateDer::from(leaf_cert.der().to_vec())];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    // ring alone: this server only signs with the P-256 key minted above, so it needs
    // none of the provider's mixed ring/aws-lc-rs setup (which exists for P-521 clients).
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| other("TLS protocol versions", e))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| other("server certificate", e))?;
    // hyper is only set up for HTTP/1.1 here; offering h2 would make h2 clients fail.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(ServerTls { config: Arc::new(config), ca_pem: ca_cert.pem() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_server_gets_its_own_ca() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert!(a.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"), "{}", a.ca_pem);
        assert_ne!(a.ca_pem, b.ca_pem);
        assert_eq!(a.config.alpn_protocols, vec![b"http/1.1".to_vec()]);
    }
}
