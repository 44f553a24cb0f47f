//! Helpers for the v5 and v6 service tests: a provider registered like the
//! real one ("oms" with the data source `oms_sync_task`), so tests can pin
//! the exact texts Terraform shows without the OMS client behind them, and
//! macros that work with whichever generated module is `pb` where they are used.

use std::sync::Arc;

use async_trait::async_trait;

use crate::framework::data_source::{DataSource, ReadRequest, ReadResponse};
use crate::framework::provider::Provider;
use crate::framework::schema::Schema;
use crate::framework::server::ProviderServer;

struct Named {
    provider: &'static str,
    data_sources: &'static [&'static str],
}

struct Empty(&'static str);

#[async_trait]
impl DataSource for Empty {
    fn type_name(&self) -> &'static str {
        self.0
    }
    fn schema(&self) -> Schema {
        Schema::default()
    }
    async fn read(&self, _: ReadRequest) -> ReadResponse {
        ReadResponse::default()
    }
}

#[async_trait]
impl Provider for Named {
    fn type_name(&self) -> &'static str {
        self.provider
    }
    fn schema(&self) -> Schema {
        Schema::default()
    }
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        self.data_sources.iter().map(|n| Arc::new(Empty(n)) as Arc<dyn DataSource>).collect()
    }
}

/// A server for a provider named `provider` offering empty data sources.
pub(crate) fn server(provider: &'static str, data_sources: &'static [&'static str]) -> Arc<ProviderServer> {
    Arc::new(ProviderServer::new(Arc::new(Named { provider, data_sources })))
}

/// What the real provider registers.
pub(crate) fn oms() -> Arc<ProviderServer> {
    server("oms", &["oms_sync_task"])
}

/// The detail of every "Unsupported …" diagnostic of the real provider, as
/// Terraform users have seen it since the first release.
pub(crate) fn oms_unsupported_detail(kind: &str, name: &str) -> String {
    format!(
        "The oms provider has no {kind} named {name:?}: it offers only the data source `oms_sync_task`. \
         Use `data \"oms_sync_task\"` instead, or check the provider name in your configuration."
    )
}

/// The (summary, detail) of the one error diagnostic in `diagnostics`
/// (tfplugin5 or tfplugin6, whichever `pb` is at the call site).
macro_rules! only_error {
    ($diagnostics:expr) => {{
        let d = $diagnostics;
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].severity, pb::diagnostic::Severity::Error as i32);
        (d[0].summary.clone(), d[0].detail.clone())
    }};
}

/// Sends `rpc` a request whose `field` is `name` (all else default) and
/// returns the (summary, detail) of its one error diagnostic.
macro_rules! ask {
    ($service:expr, $rpc:ident($msg:ident . $field:ident = $name:expr)) => {{
        let request = tonic::Request::new(pb::$msg::Request { $field: $name.into(), ..Default::default() });
        $crate::protocol::test_support::only_error!($service.$rpc(request).await.unwrap().into_inner().diagnostics)
    }};
}

/// The schema attribute Terraform receives for an optional string attribute
/// deprecated with "gone", rendered by the `block` conversion in scope.
macro_rules! deprecated_attribute {
    () => {{
        let mut a = $crate::framework::schema::Attribute::optional("x", Type::String, "d");
        a.deprecation_message = Some("gone".into());
        block(&Block { attributes: vec![a], ..Default::default() }).attributes.remove(0)
    }};
}

pub(crate) use {ask, deprecated_attribute, only_error};
