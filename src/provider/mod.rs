//! The OMS provider: its configuration and its data sources.

pub mod config;
pub mod docs;
pub mod provider_schema;
pub mod sync_task;
pub mod sync_task_schema;

use std::sync::Arc;

use async_trait::async_trait;

use crate::framework::data_source::DataSource;
use crate::framework::diagnostics::Diagnostics;
use crate::framework::provider::{ConfigureRequest, ConfigureResponse, Provider};
use crate::framework::schema::Schema;
use crate::framework::value::Value;

/// The address used in examples and local installs. An explicit hostname
/// keeps one configuration valid for both Terraform and OpenTofu, whose
/// default registry hosts differ.
pub const PROVIDER_ADDRESS: &str = "terraform.local/local/oms";

#[derive(Default)]
pub struct OmsProvider;

impl OmsProvider {
    pub fn new() -> Self {
        OmsProvider
    }
}

#[async_trait]
impl Provider for OmsProvider {
    fn type_name(&self) -> &'static str {
        "oms"
    }

    fn schema(&self) -> Schema {
        provider_schema::schema()
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        vec![Arc::new(sync_task::SyncTaskDataSource)]
    }

    fn validate_config(&self, config: &Value, diagnostics: &mut Diagnostics) {
        config::validate(config, &config::process_env, diagnostics);
    }

    async fn configure(&self, request: ConfigureRequest) -> ConfigureResponse {
        match config::configure(&request.config, &request.terraform_version, &config::process_env) {
            Ok(configured) => {
                ConfigureResponse { provider_data: Some(Arc::new(configured)), diagnostics: Diagnostics::new() }
            }
            Err(diagnostics) => ConfigureResponse { provider_data: None, diagnostics },
        }
    }
}
