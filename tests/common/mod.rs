//! Helpers shared by the integration tests. Every test file that needs them
//! starts with `mod common;` and names what it uses (`common::terraform::…`).
//!
//! - [`plugin`]: the provider binary launched exactly as Terraform launches it,
//!   with a gRPC client over the same mutual TLS;
//! - [`terraform`]: real Terraform CLIs run against that binary;
//! - [`local_oms`]: the local OMS server (`oms_local_server`) for blocking
//!   Terraform tests, and helpers for its HTTPS mode;
//! - [`config`]: configuration text (provider block, HCL strings) and the
//!   flattening of Terraform's diagnostics;
//! - [`fake_oms`]: the scripted fake for answers the local server cannot give.
#![allow(dead_code)] // each test file uses a different part of these modules

/// The provider binary under test: the one Cargo built for these tests, or
/// `OMS_PROVIDER_BINARY` when set. That lets the suite (and the RPC benchmark)
/// run against the binary users build or download instead: `cargo test` builds
/// its own copy with the dev-dependencies' features (aws-lc-rs for the test
/// client's P-521 key), which the shipped binary does not have.
pub(crate) fn provider_binary() -> std::path::PathBuf {
    std::env::var_os("OMS_PROVIDER_BINARY")
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_terraform-provider-oms").into())
}

pub(crate) mod config;
pub(crate) mod fake_oms;
pub(crate) mod local_oms;
pub(crate) mod plugin;
pub(crate) mod secrets;
pub(crate) mod terraform;
