//! Runs a [`Provider`] behind the RPCs Terraform sends, in our own types.
//! The protocol layer decodes wire messages and calls this; it holds the
//! per-process state: the configured provider data and the stop signal.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};

use tokio_util::sync::CancellationToken;

use super::data_source::{DataSource, ProviderData, ReadRequest, ReadResponse};
use super::diagnostics::{Diagnostic, Diagnostics};
use super::provider::{ConfigureRequest, Provider};
use super::schema::Schema;
use super::types::Type;
use super::value::Value;
use crate::logging;

/// One provider, ready to serve: its schemas computed once at start-up (so
/// every GetProviderSchema answers the same), and the state that lives as
/// long as the plugin process.
pub(crate) struct ProviderServer {
    provider: Arc<dyn Provider>,
    provider_schema: Schema,
    provider_type: Type,
    data_sources: BTreeMap<String, Registered>,
    provider_data: RwLock<Option<ProviderData>>,
    /// Replaced after each StopProvider so later calls can run again (the
    /// same discipline as terraform-plugin-go's stoppable context).
    stop: Mutex<CancellationToken>,
}

struct Registered {
    data_source: Arc<dyn DataSource>,
    schema: Schema,
    ty: Type,
}

impl ProviderServer {
    /// Registers `provider` and the data sources it offers.
    pub(crate) fn new(provider: Arc<dyn Provider>) -> Self {
        let provider_schema = provider.schema();
        let provider_type = provider_schema.block.implied_type();
        let data_sources = provider
            .data_sources()
            .into_iter()
            .map(|ds| {
                let schema = ds.schema();
                let ty = schema.block.implied_type();
                (ds.type_name().to_string(), Registered { data_source: ds, schema, ty })
            })
            .collect();
        ProviderServer {
            provider,
            provider_schema,
            provider_type,
            data_sources,
            provider_data: RwLock::new(None),
            stop: Mutex::new(CancellationToken::new()),
        }
    }

    /// The provider's local name ("oms"), for texts that name the provider.
    pub(crate) fn provider_type_name(&self) -> &'static str {
        self.provider.type_name()
    }
    /// The schema of the `provider` block.
    pub(crate) fn provider_schema(&self) -> &Schema {
        &self.provider_schema
    }
    /// The type the `provider` block's configuration is decoded as.
    pub(crate) fn provider_config_type(&self) -> &Type {
        &self.provider_type
    }
    /// Each data source's type name and schema, sorted by name.
    pub(crate) fn data_source_schemas(&self) -> impl Iterator<Item = (&str, &Schema)> {
        self.data_sources.iter().map(|(k, r)| (k.as_str(), &r.schema))
    }
    /// The registered data-source type names, sorted.
    pub(crate) fn data_source_names(&self) -> impl Iterator<Item = &str> {
        self.data_sources.keys().map(String::as_str)
    }
    /// The type a data source's configuration is decoded as; `None` for a
    /// name the provider does not offer.
    pub(crate) fn data_source_type(&self, type_name: &str) -> Option<&Type> {
        self.data_sources.get(type_name).map(|r| &r.ty)
    }

    /// The error for a request naming a data source the provider does not offer.
    pub(crate) fn unknown_data_source(type_name: &str) -> Diagnostic {
        Diagnostic::error(
            "Unknown data source type",
            format!("This provider has no data source named {type_name:?}. Check the spelling in your configuration, or upgrade the provider."),
        )
    }

    /// ValidateProviderConfig: the provider's own checks, no network.
    pub(crate) fn validate_provider_config(&self, config: &Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        // Validation tolerates unknown values, and a configuration that is
        // wholly unknown (it depends on values not known yet) has nothing to
        // check; the provider's typed decoding would refuse it.
        if !config.is_unknown() {
            self.provider.validate_config(config, &mut d);
        }
        d
    }

    /// ValidateDataResourceConfig: the data source's own checks, no network.
    pub(crate) fn validate_data_source_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        match self.data_sources.get(type_name) {
            // As for the provider: a wholly unknown configuration has nothing to check yet.
            Some(_) if config.is_unknown() => {}
            Some(r) => r.data_source.validate_config(config, &mut d),
            None => d.push(Self::unknown_data_source(type_name)),
        }
        d
    }

    /// ConfigureProvider: keeps what the provider's `configure` produced for
    /// every later read.
    pub(crate) async fn configure(&self, terraform_version: String, config: Value) -> Diagnostics {
        let response = self.provider.configure(ConfigureRequest { terraform_version, config }).await;
        if let Ok(mut slot) = self.provider_data.write() {
            *slot = response.provider_data;
        }
        response.diagnostics
    }

    /// ReadDataSource, with the checks Terraform would otherwise fail on less
    /// clearly: the state must be wholly known, and a deferral must be allowed.
    pub(crate) async fn read_data_source(
        &self,
        type_name: &str,
        config: Value,
        deferral_allowed: bool,
    ) -> ReadResponse {
        let Some(r) = self.data_sources.get(type_name) else {
            return ReadResponse { diagnostics: Self::unknown_data_source(type_name).into(), ..Default::default() };
        };
        let provider_data = self.provider_data.read().ok().and_then(|g| g.clone());
        let cancel = self.stop.lock().map(|t| t.child_token()).unwrap_or_default();
        let mut response = r.data_source.read(ReadRequest { config, provider_data, cancel, deferral_allowed }).await;
        if response.state.as_ref().is_some_and(|s| !s.is_wholly_known()) {
            response.state = None;
            response.diagnostics.error(
                "Provider produced an incomplete result",
                format!(
                    "The {type_name} read returned unknown values. This is a bug in the provider; please report it."
                ),
            );
        }
        if response.deferred.is_some() && !deferral_allowed {
            // Terraform rejects a deferral it did not allow; say why instead.
            response.deferred = None;
            response.diagnostics.error(
                "Read cannot happen yet",
                format!("The {type_name} read depends on values that are not known yet, and this Terraform run cannot defer it. Make the provider configuration known at plan time."),
            );
        }
        response
    }

    /// Cancels every read in flight. Terraform sends this when the user
    /// interrupts a run; reads must answer promptly with a diagnostic.
    pub(crate) fn stop(&self) {
        if let Ok(mut token) = self.stop.lock() {
            token.cancel();
            *token = CancellationToken::new();
        }
        logging::info("StopProvider: cancelled in-flight requests", &[]);
    }
}
