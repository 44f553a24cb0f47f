//! The one TLS crypto provider of the process, shared by the plugin server
//! and the OMS client, and the certificate verifiers built on it.
//!
//! *ring* does the work (key exchange, signing, randomness, and verifying
//! RSA, Ed25519, P-256 and P-384 signatures): its random source is the
//! kernel's, ready at once, which matters because Terraform pays the start-up
//! of every provider launch. *ring* cannot verify ECDSA P-521, the key type of
//! Terraform's AutoMTLS client certificate, so [`p521`] adds that in pure Rust.
//! Pure Rust keeps a single C crypto library in the binary (smaller, and
//! nothing extra to cross-compile for the release targets).

mod p521;
pub mod verifier;

use std::sync::Arc;

use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::SignatureScheme;
use webpki::ring as ring_algs;

/// *ring*'s verification algorithms as rustls lists them, plus ECDSA P-521
/// with SHA-256/384/512 in the same places the aws-lc-rs back-end puts them.
static SIGNATURE_VERIFICATION: WebPkiSupportedAlgorithms = WebPkiSupportedAlgorithms {
    all: &[
        ring_algs::ECDSA_P256_SHA256,
        ring_algs::ECDSA_P256_SHA384,
        ring_algs::ECDSA_P384_SHA256,
        ring_algs::ECDSA_P384_SHA384,
        p521::ECDSA_P521_SHA256,
        p521::ECDSA_P521_SHA384,
        p521::ECDSA_P521_SHA512,
        ring_algs::ED25519,
        ring_algs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
        ring_algs::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
        ring_algs::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
        ring_algs::RSA_PKCS1_2048_8192_SHA256,
        ring_algs::RSA_PKCS1_2048_8192_SHA384,
        ring_algs::RSA_PKCS1_2048_8192_SHA512,
        ring_algs::RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
        ring_algs::RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
        ring_algs::RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
    ],
    mapping: &[
        // For TLS 1.2 the curve is not fixed by the scheme; for TLS 1.3 it is.
        (
            SignatureScheme::ECDSA_NISTP384_SHA384,
            &[ring_algs::ECDSA_P384_SHA384, ring_algs::ECDSA_P256_SHA384, p521::ECDSA_P521_SHA384],
        ),
        (
            SignatureScheme::ECDSA_NISTP256_SHA256,
            &[ring_algs::ECDSA_P256_SHA256, ring_algs::ECDSA_P384_SHA256, p521::ECDSA_P521_SHA256],
        ),
        (SignatureScheme::ECDSA_NISTP521_SHA512, &[p521::ECDSA_P521_SHA512]),
        (SignatureScheme::ED25519, &[ring_algs::ED25519]),
        (SignatureScheme::RSA_PSS_SHA512, &[ring_algs::RSA_PSS_2048_8192_SHA512_LEGACY_KEY]),
        (SignatureScheme::RSA_PSS_SHA384, &[ring_algs::RSA_PSS_2048_8192_SHA384_LEGACY_KEY]),
        (SignatureScheme::RSA_PSS_SHA256, &[ring_algs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY]),
        (SignatureScheme::RSA_PKCS1_SHA512, &[ring_algs::RSA_PKCS1_2048_8192_SHA512]),
        (SignatureScheme::RSA_PKCS1_SHA384, &[ring_algs::RSA_PKCS1_2048_8192_SHA384]),
        (SignatureScheme::RSA_PKCS1_SHA256, &[ring_algs::RSA_PKCS1_2048_8192_SHA256]),
    ],
};

/// The one crypto provider for the plugin server and the OMS client: ring, plus P-521
/// signature verification for Terraform's AutoMTLS client certificates.
pub fn provider() -> Arc<CryptoProvider> {
    let mut p = rustls::crypto::ring::default_provider();
    p.signature_verification_algorithms = SIGNATURE_VERIFICATION;
    Arc::new(p)
}

#[cfg(test)]
mod tests {
    use rustls::SignatureScheme;

    #[test]
    fn verifies_p521_and_uses_ring_for_the_rest() {
        let p = super::provider();
        let schemes = p.signature_verification_algorithms.supported_schemes();
        assert!(schemes.contains(&SignatureScheme::ECDSA_NISTP521_SHA512));
        // Everything ring verifies is still offered.
        for scheme in rustls::crypto::ring::default_provider().signature_verification_algorithms.supported_schemes() {
            assert!(schemes.contains(&scheme), "{scheme:?} dropped");
        }
        assert!(!p.cipher_suites.is_empty() && !p.kx_groups.is_empty());
    }
}
