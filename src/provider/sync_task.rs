//! The `oms_sync_task` data source.

use async_trait::async_trait;

use super::sync_task_schema;
use crate::framework::data_source::{DataSource, ReadRequest, ReadResponse};
use crate::framework::diagnostics::Diagnostics;
use crate::framework::schema::Schema;
use crate::framework::value::Value;

pub struct SyncTaskDataSource;

#[async_trait]
impl DataSource for SyncTaskDataSource {
    fn type_name(&self) -> &'static str {
        sync_task_schema::TYPE_NAME
    }

    fn schema(&self) -> Schema {
        sync_task_schema::schema()
    }

    fn validate_config(&self, _config: &Value, _diagnostics: &mut Diagnostics) {}

    async fn read(&self, _request: ReadRequest) -> ReadResponse {
        let mut response = ReadResponse::default();
        response.diagnostics.error(
            "Reading oms_sync_task is not available in this build",
            "This build of terraform-provider-oms declares the oms_sync_task schema but cannot read tasks yet. Upgrade the provider.",
        );
        response
    }
}
