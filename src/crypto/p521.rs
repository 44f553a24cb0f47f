//! ECDSA P-521 signature verification for rustls, in pure Rust (RustCrypto
//! `p521`). Terraform's AutoMTLS client certificate has a P-521 key and
//! signs the handshake with ECDSA_NISTP521_SHA512; *ring* has no P-521.
//! Only public data is processed here, so constant time does not matter.

use p521::ecdsa::signature::hazmat::PrehashVerifier;
use p521::ecdsa::{Signature, VerifyingKey};
use rustls::pki_types::{alg_id, AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm};
use sha2::{Digest, Sha256, Sha384, Sha512};

/// The message digest of one signature algorithm; the closed set X.509 and
/// TLS pair with P-521.
#[derive(Debug, Clone, Copy)]
enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

#[derive(Debug)]
struct EcdsaP521 {
    hash: Hash,
}

pub(super) static ECDSA_P521_SHA256: &dyn SignatureVerificationAlgorithm = &EcdsaP521 { hash: Hash::Sha256 };
pub(super) static ECDSA_P521_SHA384: &dyn SignatureVerificationAlgorithm = &EcdsaP521 { hash: Hash::Sha384 };
pub(super) static ECDSA_P521_SHA512: &dyn SignatureVerificationAlgorithm = &EcdsaP521 { hash: Hash::Sha512 };

impl SignatureVerificationAlgorithm for EcdsaP521 {
    /// `public_key` is the SEC1 point of the SubjectPublicKeyInfo and
    /// `signature` the DER `ECDSA-Sig-Value`, as webpki hands them over.
    fn verify_signature(&self, public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), InvalidSignature> {
        let key = VerifyingKey::from_sec1_bytes(public_key).map_err(|_| InvalidSignature)?;
        let signature = Signature::from_der(signature).map_err(|_| InvalidSignature)?;
        let verified = match self.hash {
            Hash::Sha256 => key.verify_prehash(&Sha256::digest(message), &signature),
            Hash::Sha384 => key.verify_prehash(&Sha384::digest(message), &signature),
            Hash::Sha512 => key.verify_prehash(&Sha512::digest(message), &signature),
        };
        verified.map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_P521
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        match self.hash {
            Hash::Sha256 => alg_id::ECDSA_SHA256,
            Hash::Sha384 => alg_id::ECDSA_SHA384,
            Hash::Sha512 => alg_id::ECDSA_SHA512,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    use rustls::SignatureScheme;

    /// Signs as Terraform's client does in its CertificateVerify, with an
    /// independent implementation (aws-lc-rs, test-only).
    fn sign_sha512(key: &rcgen::KeyPair, message: &[u8]) -> Vec<u8> {
        let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let signing = rustls::crypto::aws_lc_rs::sign::any_ecdsa_type(&der).unwrap();
        signing.choose_scheme(&[SignatureScheme::ECDSA_NISTP521_SHA512]).unwrap().sign(message).unwrap()
    }

    #[test]
    fn verifies_p521_signatures_and_refuses_any_change() {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap();
        let public = key.public_key_raw();
        let message = b"TLS 1.3, client CertificateVerify";
        let sig = sign_sha512(&key, message);
        assert!(ECDSA_P521_SHA512.verify_signature(public, message, &sig).is_ok());

        assert!(ECDSA_P521_SHA512.verify_signature(public, b"another message", &sig).is_err());
        assert!(ECDSA_P521_SHA384.verify_signature(public, message, &sig).is_err());
        assert!(ECDSA_P521_SHA256.verify_signature(public, message, &sig).is_err());
        let mut bad = sig.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(ECDSA_P521_SHA512.verify_signature(public, message, &bad).is_err());
        let other = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap();
        assert!(ECDSA_P521_SHA512.verify_signature(other.public_key_raw(), message, &sig).is_err());
        assert!(ECDSA_P521_SHA512.verify_signature(b"not a point", message, &sig).is_err());
        assert!(ECDSA_P521_SHA512.verify_signature(public, message, b"not DER").is_err());
    }

    #[test]
    fn algorithm_identifiers_match_the_digest() {
        assert_eq!(ECDSA_P521_SHA256.signature_alg_id(), alg_id::ECDSA_SHA256);
        assert_eq!(ECDSA_P521_SHA384.signature_alg_id(), alg_id::ECDSA_SHA384);
        assert_eq!(ECDSA_P521_SHA512.signature_alg_id(), alg_id::ECDSA_SHA512);
        assert_eq!(ECDSA_P521_SHA512.public_key_alg_id(), alg_id::ECDSA_P521);
    }
}
