//! The OMS provider: its configuration and its data sources.
//!
//! A data source is one file (its typed arguments, its schema and its read,
//! implementing [`read::OmsDataSource`]) plus its API model in `crate::oms`,
//! registered in [`OmsProvider::data_sources`]; [`read`], [`model`] and
//! [`service_error`] hold what every data source shares.

pub(crate) mod config;
pub(crate) mod configure;
pub(crate) mod model;
pub mod provider_schema;
pub(crate) mod read;
pub(crate) mod service_error;
pub mod sync_task;
pub mod sync_task_statistics;
pub mod sync_tasks;

use std::sync::Arc;

use async_trait::async_trait;

use crate::framework::data_source::DataSource;
use crate::framework::diagnostics::Diagnostics;
use crate::framework::provider::{ConfigureRequest, ConfigureResponse, Provider};
use crate::framework::schema::Schema;
use crate::framework::typed::decode;
use crate::framework::value::Value;

/// The address used in examples and local installs. An explicit hostname
/// keeps one configuration valid for both Terraform and OpenTofu, whose
/// default registry hosts differ.
pub const PROVIDER_ADDRESS: &str = "terraform.local/local/oms";

/// The `oms` provider the binary serves; all state lives in the client that
/// `configure` builds, so this is a unit struct.
#[derive(Default)]
pub struct OmsProvider;

impl OmsProvider {
    /// What `main` hands to the plugin server.
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

    /// Every data source the provider offers: the one list to extend.
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        vec![
            read::data_source::<sync_task::SyncTaskDataSource>(),
            read::data_source::<sync_tasks::SyncTasksDataSource>(),
            read::data_source::<sync_task_statistics::SyncTaskStatisticsDataSource>(),
        ]
    }

    fn validate_config(&self, config: &Value, diagnostics: &mut Diagnostics) {
        if let Some(typed) = decode::<config::ProviderConfig>(config, diagnostics) {
            config::validate(&typed, &config::process_env, diagnostics);
        }
    }

    async fn configure(&self, request: ConfigureRequest) -> ConfigureResponse {
        match configure::configure(&request.config, &request.terraform_version, &config::process_env) {
            Ok(configured) => {
                ConfigureResponse { provider_data: Some(Arc::new(configured)), diagnostics: Diagnostics::new() }
            }
            Err(diagnostics) => ConfigureResponse { provider_data: None, diagnostics },
        }
    }
}
