//! The data-source contract, after terraform-plugin-framework's
//! `datasource.DataSource`: a small core (name, schema, read) and opt-in
//! behaviour through default methods that do nothing until overridden.

use std::any::Any;
use std::sync::Arc;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use super::diagnostics::Diagnostics;
use super::schema::Schema;
use super::value::Value;

/// Whatever the provider's `configure` produced (e.g. an API client), handed
/// to every read. Data sources downcast it to the provider's concrete type.
pub type ProviderData = Arc<dyn Any + Send + Sync>;

/// Everything a read may use, bundled so that adding an input (as deferral was) does
/// not change every data source's signature.
pub struct ReadRequest {
    /// The configuration, wholly known: Terraform defers a read whose
    /// configuration still has unknown values to the apply phase.
    pub config: Value,
    /// `None` when the provider was not configured (Terraform always
    /// configures before reading, but a gRPC client might not).
    pub provider_data: Option<ProviderData>,
    /// Cancelled when Terraform sends StopProvider (the user pressed Ctrl-C).
    /// Long operations must end promptly with a diagnostic when it fires.
    pub cancel: CancellationToken,
    /// Terraform can postpone this read (its "deferred actions"): a read that
    /// cannot happen yet may then answer [`ReadResponse::deferred`] instead
    /// of failing. False for Terraform runs without deferral support.
    pub deferral_allowed: bool,
}

/// Why a read was postponed; Terraform plans around it and retries later.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeferredReason {
    /// The provider block still has unknown values, so there is no client yet.
    ProviderConfigUnknown,
    /// The data source's own configuration still has unknown values.
    ResourceConfigUnknown,
    /// Something the read depends on does not exist yet.
    AbsentPrerequisite,
}

/// What a read produced; a struct so that diagnostics (warnings too) travel with a state.
#[derive(Default)]
pub struct ReadResponse {
    /// The full state object; it must be wholly known and match the schema.
    /// `None` together with an error diagnostic.
    pub state: Option<Value>,
    /// Errors (then no state) and warnings (shown alongside the state).
    pub diagnostics: Diagnostics,
    /// Only when the request allowed deferral; then `state` is `None`.
    pub deferred: Option<DeferredReason>,
}

/// One `data "oms_…"` type. A new data source implements this and is registered in the
/// provider's [`Provider::data_sources`](super::provider::Provider::data_sources); the
/// protocol layer does the rest.
#[async_trait]
pub trait DataSource: Send + Sync {
    /// The type name users write in `data "<name>" "label"`; it must start
    /// with the provider's name and an underscore.
    fn type_name(&self) -> &'static str;

    /// Terraform fetches schemas once per run (we allow it to cache them), so
    /// this should be cheap and deterministic.
    fn schema(&self) -> Schema;

    /// Opt-in. Terraform calls this during `validate` and again before each
    /// read during `plan`. The configuration may contain unknown values
    /// (e.g. from variables not yet known) which must never be reported as
    /// errors; it must not make network calls.
    fn validate_config(&self, _config: &Value, _diagnostics: &mut Diagnostics) {}

    /// Terraform calls this when it needs the data: during plan when the
    /// configuration is wholly known, otherwise during apply.
    async fn read(&self, request: ReadRequest) -> ReadResponse;
}
