//! Client for the Huawei Cloud OMS v2 `ShowSyncTask` API.
//!
//! This module knows nothing about Terraform: it turns a sync task id into a
//! typed [`SyncTask`] or a typed [`OmsError`], so the provider layer only has
//! to map results onto its own schema and diagnostics.

pub mod client;
pub mod credentials;
pub mod endpoint;
pub mod error;
pub mod json;
pub mod log;
pub mod model;
pub mod path;
pub mod retry;
pub mod signer;
pub mod tls;

pub use client::{ClientConfig, OmsClient, ShowSyncTaskOutcome, MAX_BODY_BYTES};
pub use credentials::{AuthMode, Credentials};
pub use endpoint::Endpoint;
pub use error::{OmsError, OmsErrorKind};
pub use log::{NoopLogger, OmsLogger};
pub use model::{OmsErrorBody, SyncTask};
pub use retry::RetryPolicy;
