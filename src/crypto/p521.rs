//! ECDSA P-521 signature verification for rustls, in pure Rust (RustCrypto
//! `p521` arithmetic). Terraform's AutoMTLS client certificate has a P-521
//! key and signs the handshake with ECDSA_NISTP521_SHA512; *ring* has no
//! P-521.
//!
//! The check itself is ours: `p521` computes `u1·G + u2·Q` as two separate
//! constant-time multiplications over all 576 bits of its integer type,
//! which made this one signature the costliest step of a provider launch,
//! on the path Terraform waits on (three launches per plan). Only public
//! data is processed here (a public key, a signature, a transcript hash), so
//! constant time buys nothing, and one interleaved pass over the 521
//! significant bits shares the doublings: 1.1 ms per verification instead
//! of 1.8 ms, side by side in release builds. The formulas are `p521`'s own
//! (complete, so no special cases); only the order of operations is ours.

use p521::ecdsa::{Signature, VerifyingKey};
use p521::elliptic_curve::ff::PrimeField;
use p521::elliptic_curve::ops::{Invert, Reduce};
use p521::elliptic_curve::point::AffineCoordinates;
use p521::elliptic_curve::Group;
use p521::{FieldBytes, NistP521, ProjectivePoint, Scalar, U576};
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
            Hash::Sha256 => verify_prehash(&key, &Sha256::digest(message), &signature),
            Hash::Sha384 => verify_prehash(&key, &Sha384::digest(message), &signature),
            Hash::Sha512 => verify_prehash(&key, &Sha512::digest(message), &signature),
        };
        if verified {
            Ok(())
        } else {
            Err(InvalidSignature)
        }
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

/// ECDSA verification (SEC 1 v2, 4.1.4) of a digest. The digest becomes a
/// scalar by `ecdsa`'s own `bits2field`, the step `p521`'s `verify_prehash`
/// uses, so both accept and refuse the same digest lengths.
fn verify_prehash(key: &VerifyingKey, prehash: &[u8], signature: &Signature) -> bool {
    let Ok(field) = ecdsa::hazmat::bits2field::<NistP521>(prehash) else {
        return false;
    };
    let z = <Scalar as Reduce<U576>>::reduce_bytes(&field);
    let (r, s) = signature.split_scalars();
    let s_inv = *s.invert_vartime();
    let (u1, u2) = (z * s_inv, *r * s_inv);
    let point = sum_of_products(&ProjectivePoint::GENERATOR, &u1, &ProjectivePoint::from(*key.as_affine()), &u2);
    // SEC 1 rejects R = O outright; its affine encoding would not reveal it.
    bool::from(!point.is_identity()) && *r == <Scalar as Reduce<U576>>::reduce_bytes(&point.to_affine().x())
}

/// `a·p + b·q` in variable time (Straus): both scalars are read four bits at
/// a time from the top, so the 521-bit doubling chain is shared, and a zero
/// window costs no addition.
fn sum_of_products(p: &ProjectivePoint, a: &Scalar, q: &ProjectivePoint, b: &Scalar) -> ProjectivePoint {
    let (tp, tq) = (multiples(p), multiples(q));
    let (ra, rb) = (a.to_repr(), b.to_repr());
    // Big-endian 66 bytes, of which the top 7 bits are always zero (n < 2^521).
    let nibble = |bytes: &FieldBytes, i: usize| (bytes[i / 2] >> (4 - 4 * (i % 2))) & 0xf;
    let mut acc = ProjectivePoint::IDENTITY;
    let first = (0..ra.len() * 2).find(|&i| nibble(&ra, i) != 0 || nibble(&rb, i) != 0).unwrap_or(ra.len() * 2);
    for i in first..ra.len() * 2 {
        if i > first {
            acc = acc.double().double().double().double();
        }
        for (bytes, table) in [(&ra, &tp), (&rb, &tq)] {
            let w = usize::from(nibble(bytes, i));
            if w != 0 {
                acc += table[w];
            }
        }
    }
    acc
}

/// `[0·p, 1·p, …, 15·p]`.
fn multiples(p: &ProjectivePoint) -> [ProjectivePoint; 16] {
    let mut t = [ProjectivePoint::IDENTITY; 16];
    t[1] = *p;
    for i in 2..16 {
        t[i] = if i.is_multiple_of(2) { t[i / 2].double() } else { t[i - 1] + p };
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use p521::ecdsa::signature::hazmat::PrehashVerifier as _;
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

    /// Our verification agrees with `p521`'s own for random keys: on valid
    /// signatures, on digests with one bit flipped, on signatures with one
    /// byte changed (in r or in s, by round), and on digest lengths.
    #[test]
    fn agrees_with_the_reference_implementation() {
        use p521::ecdsa::signature::hazmat::RandomizedPrehashSigner;
        use p521::ecdsa::SigningKey;
        let mut rng = rand_core_06::OsRng;
        for round in 0..6 {
            let signing = SigningKey::random(&mut rng);
            let key = VerifyingKey::from(&signing);
            let digest = Sha512::digest(format!("transcript {round}").as_bytes());
            let sig: Signature = signing.sign_prehash_with_rng(&mut rng, &digest).unwrap();
            assert!(verify_prehash(&key, &digest, &sig));
            assert!(key.verify_prehash(&digest, &sig).is_ok());

            let bit = 8 * round + 3;
            let mut other = digest;
            other[bit / 8] ^= 1 << (bit % 8);
            assert!(!verify_prehash(&key, &other, &sig));
            assert_eq!(verify_prehash(&key, &other, &sig), key.verify_prehash(&other, &sig).is_ok());

            let mut bytes = sig.to_bytes();
            let at = (round * 23) % bytes.len();
            bytes[at] ^= 0x10;
            if let Ok(changed) = Signature::from_slice(&bytes) {
                assert!(!verify_prehash(&key, &digest, &changed));
                assert!(key.verify_prehash(&digest, &changed).is_err());
            }
            // Digest lengths: too short is refused by both, longer is truncated by both.
            assert!(!verify_prehash(&key, &digest[..32], &sig));
            assert!(key.verify_prehash(&digest[..32], &sig).is_err());
            let mut long = digest.to_vec();
            long.extend_from_slice(&[0xab; 10]);
            assert_eq!(verify_prehash(&key, &long, &sig), key.verify_prehash(&long, &sig).is_ok());
        }
    }

    #[test]
    fn sums_of_products_match_separate_multiplications() {
        use p521::elliptic_curve::Field;
        let mut rng = rand_core_06::OsRng;
        let g = ProjectivePoint::GENERATOR;
        let q = g * Scalar::random(&mut rng);
        for (a, b) in [
            (Scalar::random(&mut rng), Scalar::random(&mut rng)),
            (Scalar::ZERO, Scalar::random(&mut rng)),
            (Scalar::random(&mut rng), Scalar::ZERO),
            (Scalar::ZERO, Scalar::ZERO),
            (Scalar::ONE, -Scalar::ONE),
            (-Scalar::ONE, -Scalar::ONE),
        ] {
            assert_eq!(sum_of_products(&g, &a, &q, &b), g * a + q * b);
        }
    }

    #[test]
    fn algorithm_identifiers_match_the_digest() {
        assert_eq!(ECDSA_P521_SHA256.signature_alg_id(), alg_id::ECDSA_SHA256);
        assert_eq!(ECDSA_P521_SHA384.signature_alg_id(), alg_id::ECDSA_SHA384);
        assert_eq!(ECDSA_P521_SHA512.signature_alg_id(), alg_id::ECDSA_SHA512);
        assert_eq!(ECDSA_P521_SHA512.public_key_alg_id(), alg_id::ECDSA_P521);
    }
}
