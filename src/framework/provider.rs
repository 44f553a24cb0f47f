//! The provider contract, after terraform-plugin-framework's
//! `provider.Provider`: a schema, the data sources it offers, and opt-in
//! validation and configuration.

use std::sync::Arc;

use async_trait::async_trait;

use super::data_source::{DataSource, ProviderData};
use super::diagnostics::Diagnostics;
use super::schema::Schema;
use super::value::Value;

/// The inputs of [`Provider::configure`], bundled so new ones do not break implementors.
pub struct ConfigureRequest {
    /// The Terraform CLI version, e.g. "1.15.5" (useful in User-Agent).
    pub terraform_version: String,
    /// The `provider` block; may contain unknown values during plan when it
    /// refers to values not yet known.
    pub config: Value,
}

/// What configuring produced for the reads that follow.
#[derive(Default)]
pub struct ConfigureResponse {
    /// Handed to every read as [`ReadRequest::provider_data`](super::data_source::ReadRequest);
    /// `None` after an error.
    pub provider_data: Option<ProviderData>,
    /// Errors stop Terraform before any read; warnings are shown.
    pub diagnostics: Diagnostics,
}

/// What the plugin server serves: the transport and protocol layers know a provider only
/// through this trait, so they carry no OMS-specific code.
#[async_trait]
pub trait Provider: Send + Sync {
    /// The provider's local name ("oms"): data source names start with it.
    fn type_name(&self) -> &'static str;

    /// The `provider "oms" { … }` block; fetched once per run like data source schemas.
    fn schema(&self) -> Schema;

    /// Every data source this provider offers; their type names must be unique.
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>>;

    /// Opt-in. Terraform calls this during `validate` (only if the provider
    /// block has content) and before configuring in each plan and apply.
    /// Unknown values must be tolerated; no network calls.
    fn validate_config(&self, _config: &Value, _diagnostics: &mut Diagnostics) {}

    /// Opt-in. Terraform calls this once per provider process before any
    /// read, with the provider block's values (nulls where unset). The
    /// returned data is handed to every read.
    async fn configure(&self, _request: ConfigureRequest) -> ConfigureResponse {
        ConfigureResponse::default()
    }
}
