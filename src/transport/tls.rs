//! AutoMTLS as go-plugin does it: a fresh server certificate per launch,
//! announced in the handshake line, and the client certificate from
//! `PLUGIN_CLIENT_CERT` required and pinned.
//!
//! Terraform's client certificate is ECDSA P-521 with cA=true. A stock
//! WebPKI client verifier rejects a CA certificate used as an end entity,
//! and the *ring* backend cannot verify P-521 at all, so we pin the exact
//! certificate bytes and verify the handshake signature with aws-lc-rs
//! algorithms (see [`crate::crypto`]), which support P-521. Any other certificate, or none, is refused.

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, Error as TlsError, ServerConfig, SignatureScheme};

pub fn crypto_provider() -> Arc<CryptoProvider> {
    crate::crypto::provider()
}

/// The per-launch server identity.
pub struct ServerIdentity {
    pub cert_der: CertificateDer<'static>,
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
    rand::Rng::fill(&mut rand::rng(), &mut serial[..]);
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

/// Accepts exactly one client certificate, byte for byte.
#[derive(Debug)]
pub struct PinnedClientCert {
    pinned: CertificateDer<'static>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedClientCert {
    pub fn new(pinned: CertificateDer<'static>, provider: &CryptoProvider) -> Self {
        PinnedClientCert { pinned, algorithms: provider.signature_verification_algorithms }
    }
}

impl ClientCertVerifier for PinnedClientCert {
    fn offer_client_auth(&self) -> bool {
        true
    }
    fn client_auth_mandatory(&self) -> bool {
        true
    }
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }
    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, TlsError> {
        if end_entity.as_ref() == self.pinned.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(TlsError::InvalidCertificate(rustls::CertificateError::ApplicationVerificationFailure))
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        // Includes ECDSA_NISTP521_SHA512 with aws-lc-rs: Go only sends its
        // P-521 certificate when the server lists a scheme it can use.
        self.algorithms.supported_schemes()
    }
}

/// The server TLS configuration: TLS 1.2+, ALPN `h2` (grpc-go ≥ 1.67 refuses
/// connections without it), and the pinned client certificate.
pub fn server_config(identity: &ServerIdentity, client_cert: CertificateDer<'static>) -> Result<ServerConfig, String> {
    let provider = crypto_provider();
    let verifier = Arc::new(PinnedClientCert::new(client_cert, &provider));
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
        let a = generate_server_identity().unwrap().cert_der;
        let b = generate_server_identity().unwrap().cert_der;
        let v = PinnedClientCert::new(a.clone(), &crypto_provider());
        assert!(v.verify_client_cert(&a, &[], UnixTime::now()).is_ok());
        assert!(v.verify_client_cert(&b, &[], UnixTime::now()).is_err());
        assert!(v.client_auth_mandatory());
        assert!(v.supported_verify_schemes().contains(&SignatureScheme::ECDSA_NISTP521_SHA512));
    }
}
