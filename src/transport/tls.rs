//! AutoMTLS as go-plugin does it: a fresh server certificate per launch,
//! announced in the handshake line, and the client certificate from
//! `PLUGIN_CLIENT_CERT` required and pinned.
//!
//! Terraform's client certificate is ECDSA P-521 with cA=true. A stock
//! WebPKI client verifier rejects a CA certificate used as an end entity,
//! and *ring* alone cannot verify P-521, so we pin the exact certificate
//! bytes and verify the handshake signature with the process's provider,
//! which adds P-521 (see [`crate::crypto`]). Any other certificate, or none,
//! is refused.

use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;

use crate::crypto::verifier::{CertPolicy, PolicyVerifier};

/// The per-launch server identity.
pub struct ServerIdentity {
    /// Sent to Terraform in the handshake line, which pins it.
    pub cert_der: CertificateDer<'static>,
    /// Never leaves the process.
    pub key_der: PrivateKeyDer<'static>,
}

/// The certificate shape go-plugin uses on both ends of AutoMTLS, and that
/// Go's verifier accepts as its own root: SAN `localhost` (Go ignores the
/// CN), cA=true with certSign, both TLS EKUs, a validity window around now,
/// and a positive random serial. Public so tests can mint Terraform-like
/// client certificates with the same shape.
pub fn go_plugin_certificate_params() -> Result<rcgen::CertificateParams, String> {
    use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyUsagePurpose};
    let mut params =
        CertificateParams::new(vec!["localhost".to_string()]).map_err(|e| format!("certificate parameters: {e}"))?;
    params.distinguished_name.push(DnType::CommonName, "localhost");
    params.distinguished_name.push(DnType::OrganizationName, "HashiCorp");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyAgreement,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth, ExtendedKeyUsagePurpose::ClientAuth];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::seconds(30);
    params.not_after = now + time::Duration::hours(262_980);
    let mut serial = [0u8; 16];
    // The kernel's generator directly: a user-space generator would be seeded from it anyway,
    // and its set-up (CPU feature probes among others) costs every launch more than this read.
    rand::TryRngCore::try_fill_bytes(&mut rand::rngs::OsRng, &mut serial)
        .map_err(|e| format!("reading random bytes for the certificate serial: {e}"))?;
    serial[0] &= 0x7f; // positive
    serial[0] |= 0x01; // and no leading zero byte
    params.serial_number = Some(rcgen::SerialNumber::from_slice(&serial));
    Ok(params)
}

/// A fresh server identity per launch, with an ECDSA P-256 key (fast to
/// make, and verifiable by every Go version Terraform ships with).
pub fn generate_server_identity() -> Result<ServerIdentity, String> {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
        .map_err(|e| format!("generating the TLS key: {e}"))?;
    let cert =
        go_plugin_certificate_params()?.self_signed(&key).map_err(|e| format!("signing the certificate: {e}"))?;
    Ok(ServerIdentity {
        cert_der: cert.der().clone(),
        key_der: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    })
}

/// Reads the first certificate of a PEM text (the value of `PLUGIN_CLIENT_CERT`).
pub fn parse_pem_certificate(pem: &str) -> Result<CertificateDer<'static>, String> {
    let mut reader = std::io::BufReader::new(pem.as_bytes());
    let first = rustls_pemfile::certs(&mut reader).next();
    match first {
        Some(Ok(c)) => Ok(c),
        Some(Err(e)) => Err(format!("PLUGIN_CLIENT_CERT is not valid PEM: {e}")),
        None => Err("PLUGIN_CLIENT_CERT contains no certificate".into()),
    }
}

/// The server TLS configuration: TLS 1.2+, ALPN `h2` (grpc-go ≥ 1.67 refuses
/// connections without it), and the pinned client certificate.
pub fn server_config(identity: &ServerIdentity, client_cert: CertificateDer<'static>) -> Result<ServerConfig, String> {
    let provider = crate::crypto::provider();
    let verifier = Arc::new(PolicyVerifier::new(CertPolicy::Pinned(client_cert), &provider));
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| format!("TLS versions: {e}"))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![identity.cert_der.clone()], identity.key_der.clone_key())
        .map_err(|e| format!("TLS certificate: {e}"))?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_certificate_is_what_go_expects() {
        let id = generate_server_identity().unwrap();
        let der = id.cert_der.as_ref();
        // SAN localhost is present in the DER.
        assert!(der.windows(9).any(|w| w == b"localhost"));
        let pem = format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, der)
        );
        assert_eq!(parse_pem_certificate(&pem).unwrap().as_ref(), der);
        assert!(parse_pem_certificate("garbage").is_err());
        // Two launches never share a certificate.
        assert_ne!(generate_server_identity().unwrap().cert_der, id.cert_der);
    }

    #[test]
    fn verifier_pins_exact_bytes_and_offers_p521() {
        use rustls::pki_types::UnixTime;
        use rustls::server::danger::ClientCertVerifier;
        let a = generate_server_identity().unwrap().cert_der;
        let b = generate_server_identity().unwrap().cert_der;
        let v = PolicyVerifier::new(CertPolicy::Pinned(a.clone()), &crate::crypto::provider());
        assert!(v.verify_client_cert(&a, &[], UnixTime::now()).is_ok());
        assert!(v.verify_client_cert(&b, &[], UnixTime::now()).is_err());
        assert!(v.client_auth_mandatory());
        assert!(v.supported_verify_schemes().contains(&rustls::SignatureScheme::ECDSA_NISTP521_SHA512));
    }
}
