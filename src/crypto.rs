//! The one TLS crypto provider of the process, shared by the plugin server
//! and the OMS client.
//!
//! *ring* does the work (key exchange, signing, randomness): its random
//! source is the kernel's, ready at once, while aws-lc-rs seeds its own DRBG
//! on first use, which costs about 40 ms of start-up, a delay Terraform pays on
//! every provider launch. Signature *verification* comes from aws-lc-rs
//! because it supports ECDSA P-521, the key type of Terraform's AutoMTLS
//! client certificate, which *ring* cannot verify. Verifying needs no
//! randomness, so it does not trigger that seeding.

use std::sync::Arc;

use rustls::crypto::CryptoProvider;

pub fn provider() -> Arc<CryptoProvider> {
    let mut p = rustls::crypto::ring::default_provider();
    p.signature_verification_algorithms =
        rustls::crypto::aws_lc_rs::default_provider().signature_verification_algorithms;
    Arc::new(p)
}

#[cfg(test)]
mod tests {
    #[test]
    fn verifies_p521_and_uses_ring_for_the_rest() {
        let p = super::provider();
        assert!(p
            .signature_verification_algorithms
            .supported_schemes()
            .contains(&rustls::SignatureScheme::ECDSA_NISTP521_SHA512));
        assert!(!p.cipher_suites.is_empty() && !p.kx_groups.is_empty());
    }
}
