//! TLS settings for the OMS client. The crypto provider is always passed
//! explicitly: the binary also hosts a gRPC server with its own rustls use,
//! and relying on a process-wide default provider would make behaviour
//! depend on initialisation order.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::RootCertStore;

use super::error::OmsError;
use crate::crypto::verifier::{CertPolicy, PolicyVerifier};

/// Whether the trust store includes the operating system's roots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemRoots {
    /// For an `https://` endpoint: the OS store (or the bundled Mozilla
    /// roots when the OS has none).
    Load,
    /// For an `http://` endpoint, which never opens TLS. Reading and parsing
    /// the OS store (one file per CA on Debian) was the largest part of
    /// ConfigureProvider, paid on every plan for nothing.
    Skip,
}

/// Builds the client TLS configuration: OS roots per `system` (falling back
/// to the bundled Mozilla roots when the OS has none, e.g. in minimal
/// containers), plus an optional PEM bundle (read and checked either way, so
/// a broken `cacert_file` is reported whatever the endpoint), or no
/// certificate verification at all when `insecure` (handshake signatures
/// are still checked, so the peer must hold the key of the certificate it
/// presents).
pub fn client_config(
    ca_bundle_file: Option<&Path>,
    insecure: bool,
    system: SystemRoots,
) -> Result<rustls::ClientConfig, OmsError> {
    let provider = crate::crypto::provider();
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| OmsError::config(format!("TLS setup failed: {e}")))?;
    let mut config = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PolicyVerifier::new(CertPolicy::AnyCertificate, &provider)))
            .with_no_client_auth()
    } else {
        let mut roots = RootCertStore::empty();
        match system {
            SystemRoots::Load => {
                roots.add_parsable_certificates(system_roots());
                if roots.is_empty() {
                    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
                }
            }
            SystemRoots::Skip => {}
        }
        if let Some(path) = ca_bundle_file {
            for cert in load_pem_certs(path)? {
                roots
                    .add(cert)
                    .map_err(|e| OmsError::config(format!("CA bundle {}: invalid certificate: {e}", path.display())))?;
            }
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// Reads every certificate of a PEM file; a file with none is an error
/// because silently trusting nothing extra would surface later as a
/// confusing handshake failure.
pub fn load_pem_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, OmsError> {
    let data =
        fs::read(path).map_err(|e| OmsError::config(format!("cannot read CA bundle {}: {e}", path.display())))?;
    let mut reader = std::io::BufReader::new(data.as_slice());
    let certs = rustls_pemfile::certs(&mut reader)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| OmsError::config(format!("CA bundle {}: invalid PEM: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(OmsError::config(format!("CA bundle {} contains no certificates", path.display())));
    }
    Ok(certs)
}

/// The operating system's trust store, including `SSL_CERT_FILE` and
/// `SSL_CERT_DIR` when set.
#[cfg(not(target_os = "macos"))]
fn system_roots() -> Vec<CertificateDer<'static>> {
    rustls_native_certs::load_native_certs().certs
}

/// On macOS the keychain is only reachable through Apple's Security
/// framework, which release builds cannot link (they are cross-built
/// without the macOS SDK). Honour `SSL_CERT_FILE` like OpenSSL does; with
/// nothing there the caller falls back to the bundled Mozilla roots, and
/// `cacert_file` adds private CAs either way.
#[cfg(target_os = "macos")]
fn system_roots() -> Vec<CertificateDer<'static>> {
    std::env::var_os("SSL_CERT_FILE").and_then(|path| load_pem_certs(Path::new(&path)).ok()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn default_and_insecure_configs_build() {
        let c = client_config(None, false, SystemRoots::Load).unwrap();
        assert_eq!(c.alpn_protocols.len(), 2);
        client_config(None, true, SystemRoots::Load).unwrap();
        client_config(None, false, SystemRoots::Skip).unwrap();
    }

    #[test]
    fn ca_bundle_loading() {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(cert.cert.pem().as_bytes()).unwrap();
        assert_eq!(load_pem_certs(f.path()).unwrap().len(), 1);
        client_config(Some(f.path()), false, SystemRoots::Load).unwrap();

        let mut empty = tempfile::NamedTempFile::new().unwrap();
        empty.write_all(b"not a pem").unwrap();
        for system in [SystemRoots::Load, SystemRoots::Skip] {
            let e = client_config(Some(empty.path()), false, system).unwrap_err();
            assert!(e.to_string().contains("no certificates"), "{e}");
        }

        let e = client_config(Some(Path::new("/nonexistent/ca.pem")), false, SystemRoots::Skip).unwrap_err();
        assert!(e.to_string().contains("cannot read CA bundle"), "{e}");
    }
}
