//! The certificate verifier for the connections where WebPKI path building
//! does not apply: go-plugin's AutoMTLS (each side pins the other's
//! self-signed certificate, which is a CA used as an end entity, and so
//! refused by WebPKI) and the OMS client's `insecure` mode (any certificate).
//!
//! Whatever the certificate policy, the peer must still prove it holds the
//! certificate's key: handshake signatures are always verified with the
//! process's crypto provider, so P-521 works everywhere (see [`super`]).

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, Error as TlsError, SignatureScheme};

/// Which peer certificate is accepted.
#[derive(Debug, Clone)]
pub enum CertPolicy {
    /// Exactly these certificate bytes (go-plugin AutoMTLS).
    Pinned(CertificateDer<'static>),
    /// Any certificate (the OMS client's `insecure = true`).
    AnyCertificate,
}

/// Usable on either side: as the server's client-certificate verifier
/// (client authentication is then mandatory) or as a client's
/// server-certificate verifier.
#[derive(Debug)]
pub struct PolicyVerifier {
    policy: CertPolicy,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PolicyVerifier {
    /// Takes the algorithms from `provider`, so signatures are checked with the same
    /// (P-521-capable) set the connection negotiates with.
    pub fn new(policy: CertPolicy, provider: &CryptoProvider) -> Self {
        PolicyVerifier { policy, algorithms: provider.signature_verification_algorithms }
    }

    fn check(&self, presented: &CertificateDer<'_>) -> Result<(), TlsError> {
        match &self.policy {
            CertPolicy::Pinned(pinned) if pinned.as_ref() == presented.as_ref() => Ok(()),
            CertPolicy::Pinned(_) => {
                Err(TlsError::InvalidCertificate(CertificateError::ApplicationVerificationFailure))
            }
            CertPolicy::AnyCertificate => Ok(()),
        }
    }
}

/// The handshake-signature half of both verifier traits, which rustls declares twice
/// with identical signatures; written once so client and server checks cannot drift.
macro_rules! signature_checks {
    () => {
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, TlsError> {
            verify_tls12_signature(message, cert, dss, &self.algorithms)
        }
        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, TlsError> {
            verify_tls13_signature(message, cert, dss, &self.algorithms)
        }
        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            // Includes ECDSA_NISTP521_SHA512: Go only sends its P-521 client
            // certificate when the server lists a scheme it can use.
            self.algorithms.supported_schemes()
        }
    };
}

impl ClientCertVerifier for PolicyVerifier {
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
        self.check(end_entity).map(|()| ClientCertVerified::assertion())
    }
    signature_checks!();
}

impl ServerCertVerifier for PolicyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        self.check(end_entity).map(|()| ServerCertVerified::assertion())
    }
    signature_checks!();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert() -> CertificateDer<'static> {
        rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap().cert.der().clone()
    }

    #[test]
    fn pinned_accepts_exact_bytes_only_on_both_sides() {
        let (a, b) = (cert(), cert());
        let v = PolicyVerifier::new(CertPolicy::Pinned(a.clone()), &super::super::provider());
        let name = ServerName::try_from("localhost").unwrap();
        assert!(v.verify_client_cert(&a, &[], UnixTime::now()).is_ok());
        assert!(v.verify_client_cert(&b, &[], UnixTime::now()).is_err());
        assert!(v.verify_server_cert(&a, &[], &name, &[], UnixTime::now()).is_ok());
        assert!(v.verify_server_cert(&b, &[], &name, &[], UnixTime::now()).is_err());
        assert!(v.client_auth_mandatory());
        assert!(ClientCertVerifier::supported_verify_schemes(&v).contains(&SignatureScheme::ECDSA_NISTP521_SHA512));
    }

    #[test]
    fn any_certificate_accepts_every_certificate() {
        let v = PolicyVerifier::new(CertPolicy::AnyCertificate, &super::super::provider());
        let name = ServerName::try_from("example.com").unwrap();
        assert!(v.verify_server_cert(&cert(), &[], &name, &[], UnixTime::now()).is_ok());
    }
}
