//! Client for the Huawei Cloud OMS v2 API.
//!
//! This module knows nothing about Terraform: it turns a sync task id into a
//! typed [`SyncTask`] or a typed [`OmsError`], so the provider layer only has
//! to map results onto its own schema and diagnostics. A new API call is a
//! method in `api.rs`: an `ApiRequest` plus the response model it decodes.

mod api;
pub mod client;
pub mod credentials;
pub mod endpoint;
pub mod error;
pub(crate) mod json;
pub mod log;
pub mod model;
pub(crate) mod path;
pub(crate) mod redact;
mod request;
pub(crate) mod retry;
pub mod signer;
pub mod tls;

pub use api::{ListSyncTasksOutcome, ShowSyncTaskOutcome, LIST_MAX_OFFSET, LIST_PAGE_SIZE};
pub use client::{ClientConfig, Fetched, OmsClient, MAX_BODY_BYTES};
pub use credentials::{AuthMode, Credentials};
pub use endpoint::Endpoint;
pub use error::{OmsError, OmsErrorKind};
pub use log::{NoopLogger, OmsLogger};
pub use model::{
    OmsErrorBody, SourceCdn, StatisticDataType, StatisticPoint, StatisticSeries, SyncTask, SyncTaskInfo, SyncTaskPage,
    SyncTaskStatistics, SyncTaskStatus, WireEnum,
};
pub use retry::RetryPolicy;
