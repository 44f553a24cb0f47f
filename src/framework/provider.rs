//! The provider contract, after terraform-plugin-framework's
//! `provider.Provider`: a schema, the data sources it offers, and opt-in
//! validation and configuration.

use std::sync::Arc;

use async_trait::async_trait;

use super::data_source::{DataSource, ProviderData};
use super::diagnostics::Diagnostics;
use super::schema::Schema;
use super::value::Value;

pub struct ConfigureRequest {
    /// The Terraform CLI version, e.g. "1.15.5" (useful in User-Agent).
    pub terraform_version: String,
    /// The `provider` block; may contain unknown values during plan when it
    /// refers to values not yet known.
    pub config: Value,
}

#[derive(Default)]
pub struct ConfigureResponse {
    pub provider_data: Option<ProviderData>,
    pub diagnostics: Diagnostics,
}

#[async_trait]
pub trait Provider: Send + Sync {
    /// The provider's local name ("oms"): data source names start with it.
    fn type_name(&self) -> &'static str;

    fn schema(&self) -> Schema;

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
