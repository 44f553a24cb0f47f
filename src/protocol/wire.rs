//! Conversions and RPC handlers shared by the v5 and v6 services. The two
//! protocols use the same Rust field names for these messages (their field
//! *numbers* differ, which prost handles), so one macro body serves both
//! generated modules; `service::provider_service!` then builds each
//! version's gRPC service on top of these functions.
//! Invoked inside a module that has `pb` in scope as the generated module.
//! Every wire enum number (severity, nesting mode, string kind, deferral
//! reason) is chosen here, from the framework's number-free enums.

macro_rules! wire_conversions {
    () => {
        use std::collections::HashMap;

        use crate::framework::data_source::{DeferredReason, ReadResponse};
        use crate::framework::diagnostics::{Diagnostic, Diagnostics, PathStep, Severity};
        use crate::framework::server::ProviderServer;
        use crate::framework::schema::{Block, Nesting, Schema};
        use crate::framework::types::Type;
        use crate::framework::value::Value;
        use crate::protocol::unsupported::Feature;
        use crate::protocol::{cty_json, cty_msgpack};

        pub(crate) fn diagnostic(d: &Diagnostic) -> pb::Diagnostic {
            pb::Diagnostic {
                // Always set: Terraform treats severity INVALID as "not an error".
                severity: match d.severity {
                    Severity::Error => pb::diagnostic::Severity::Error as i32,
                    Severity::Warning => pb::diagnostic::Severity::Warning as i32,
                },
                summary: d.summary.clone(),
                detail: d.detail.clone(),
                attribute: d.path.as_ref().map(|p| pb::AttributePath {
                    steps: p
                        .0
                        .iter()
                        .map(|s| pb::attribute_path::Step {
                            selector: Some(match s {
                                PathStep::Attribute(a) => pb::attribute_path::step::Selector::AttributeName(a.clone()),
                                PathStep::Key(k) => pb::attribute_path::step::Selector::ElementKeyString(k.clone()),
                                PathStep::Index(i) => pb::attribute_path::step::Selector::ElementKeyInt(*i),
                            }),
                        })
                        .collect(),
                }),
            }
        }

        pub(crate) fn diagnostics(d: &Diagnostics) -> Vec<pb::Diagnostic> {
            d.iter().map(diagnostic).collect()
        }

        /// Decodes msgpack when present, else JSON, else null (Terraform's
        /// own order when it reads a DynamicValue).
        pub(crate) fn decode_dynamic(v: Option<&pb::DynamicValue>, ty: &Type) -> Result<Value, Diagnostics> {
            let result = match v {
                Some(v) if !v.msgpack.is_empty() => cty_msgpack::decode(&v.msgpack, ty),
                Some(v) if !v.json.is_empty() => cty_json::decode(&v.json, ty),
                _ => Ok(Value::Null),
            };
            result.map_err(|e| {
                Diagnostic::error(
                    "Invalid value from Terraform",
                    format!(
                        "The provider could not decode a value Terraform sent ({e}). This usually means the Terraform CLI \
                         and this provider disagree about the schema; run `terraform init -upgrade` and try again, or report it."
                    ),
                )
                .into()
            })
        }

        pub(crate) fn encode_dynamic(v: &Value, ty: &Type) -> Result<pb::DynamicValue, Diagnostics> {
            cty_msgpack::encode(v, ty).map(|msgpack| pb::DynamicValue { msgpack, json: Vec::new() }).map_err(|e| {
                Diagnostic::error(
                    "Provider produced an invalid value",
                    format!("The provider could not encode its result ({e}). This is a bug in the provider; please report it."),
                )
                .into()
            })
        }

        fn string_kind() -> i32 {
            pb::StringKind::Markdown as i32
        }

        pub(crate) fn block(b: &Block) -> pb::schema::Block {
            pb::schema::Block {
                version: 0,
                attributes: b
                    .attributes
                    .iter()
                    .map(|a| pb::schema::Attribute {
                        name: a.name.clone(),
                        r#type: a.ty.to_json_bytes(),
                        description: a.description.clone(),
                        description_kind: string_kind(),
                        required: a.required,
                        optional: a.optional,
                        computed: a.computed,
                        sensitive: a.sensitive,
                        deprecated: a.deprecation_message.is_some(),
                        deprecation_message: a.deprecation_message.clone().unwrap_or_default(),
                        ..Default::default()
                    })
                    .collect(),
                block_types: b
                    .blocks
                    .iter()
                    .map(|nb| pb::schema::NestedBlock {
                        type_name: nb.type_name.clone(),
                        // Never None: Terraform dereferences it without a check.
                        block: Some(block(&nb.block)),
                        nesting: match nb.nesting {
                            Nesting::Single => pb::schema::nested_block::NestingMode::Single,
                            Nesting::List => pb::schema::nested_block::NestingMode::List,
                            Nesting::Set => pb::schema::nested_block::NestingMode::Set,
                            Nesting::Map => pb::schema::nested_block::NestingMode::Map,
                            Nesting::Group => pb::schema::nested_block::NestingMode::Group,
                        } as i32,
                        min_items: nb.min_items,
                        max_items: nb.max_items,
                    })
                    .collect(),
                description: b.description.clone(),
                description_kind: string_kind(),
                deprecated: b.deprecation_message.is_some(),
                deprecation_message: b.deprecation_message.clone().unwrap_or_default(),
            }
        }

        pub(crate) fn schema(s: &Schema) -> pb::Schema {
            pb::Schema { version: s.version, block: Some(block(&s.block)) }
        }

        pub(crate) fn server_capabilities() -> pb::ServerCapabilities {
            pb::ServerCapabilities {
                // Lets Terraform reuse the schema it fetched once per run
                // instead of asking every provider process again.
                get_provider_schema_optional: true,
                ..Default::default()
            }
        }

        pub(crate) fn data_source_schemas(server: &ProviderServer) -> HashMap<String, pb::Schema> {
            server.data_source_schemas().map(|(name, s)| (name.to_string(), schema(s))).collect()
        }

        /// GetMetadata (v5 and v6): what the provider offers, without schemas.
        pub(crate) fn metadata(server: &ProviderServer) -> pb::get_metadata::Response {
            pb::get_metadata::Response {
                server_capabilities: Some(server_capabilities()),
                data_sources: server
                    .data_source_schemas()
                    .map(|(name, _)| pb::get_metadata::DataSourceMetadata { type_name: name.to_string() })
                    .collect(),
                ..Default::default()
            }
        }

        /// GetProviderSchema (v6) / GetSchema (v5).
        pub(crate) fn provider_schema(server: &ProviderServer) -> pb::get_provider_schema::Response {
            pb::get_provider_schema::Response {
                provider: Some(schema(server.provider_schema())),
                data_source_schemas: data_source_schemas(server),
                server_capabilities: Some(server_capabilities()),
                ..Default::default()
            }
        }

        /// ValidateProviderConfig (v6) / PrepareProviderConfig (v5).
        pub(crate) fn validate_provider(server: &ProviderServer, config: Option<&pb::DynamicValue>) -> Vec<pb::Diagnostic> {
            let diags = match decode_dynamic(config, server.provider_config_type()) {
                Ok(config) => server.validate_provider_config(&config),
                Err(d) => d,
            };
            diagnostics(&diags)
        }

        /// ValidateDataResourceConfig (v6) / ValidateDataSourceConfig (v5).
        pub(crate) fn validate_data_source(
            server: &ProviderServer,
            type_name: &str,
            config: Option<&pb::DynamicValue>,
        ) -> Vec<pb::Diagnostic> {
            let diags = match server.data_source_type(type_name) {
                None => ProviderServer::unknown_data_source(type_name).into(),
                Some(ty) => match decode_dynamic(config, ty) {
                    Ok(config) => server.validate_data_source_config(type_name, &config),
                    Err(d) => d,
                },
            };
            diagnostics(&diags)
        }

        /// ConfigureProvider (v6) / Configure (v5).
        pub(crate) async fn configure(
            server: &ProviderServer,
            terraform_version: String,
            config: Option<&pb::DynamicValue>,
        ) -> Vec<pb::Diagnostic> {
            let diags = match decode_dynamic(config, server.provider_config_type()) {
                Ok(config) => server.configure(terraform_version, config).await,
                Err(d) => d,
            };
            diagnostics(&diags)
        }

        /// ReadDataSource (both versions share the message).
        pub(crate) async fn read_data_source(
            server: &ProviderServer,
            req: pb::read_data_source::Request,
        ) -> pb::read_data_source::Response {
            let Some(ty) = server.data_source_type(&req.type_name) else {
                let d: Diagnostics = ProviderServer::unknown_data_source(&req.type_name).into();
                return pb::read_data_source::Response { diagnostics: diagnostics(&d), ..Default::default() };
            };
            let deferral_allowed = req.client_capabilities.as_ref().is_some_and(|c| c.deferral_allowed);
            let outcome = match decode_dynamic(req.config.as_ref(), ty) {
                Ok(config) => server.read_data_source(&req.type_name, config, deferral_allowed).await,
                Err(d) => ReadResponse { diagnostics: d, ..Default::default() },
            };
            let mut diags = outcome.diagnostics;
            let state = match outcome.state.map(|s| encode_dynamic(&s, ty)) {
                Some(Ok(v)) => Some(v),
                Some(Err(d)) => {
                    diags.extend(d);
                    None
                }
                None => None,
            };
            pb::read_data_source::Response { state, diagnostics: diagnostics(&diags), deferred: outcome.deferred.map(deferred) }
        }

        /// The answer to an RPC about a feature the framework does not offer.
        pub(crate) fn unsupported(server: &ProviderServer, feature: Feature, name: &str) -> Vec<pb::Diagnostic> {
            vec![diagnostic(&crate::protocol::unsupported::diagnostic(server, feature, name))]
        }

        /// `Deferred.Reason` has the same numbers in tfplugin5 and tfplugin6;
        /// the framework's reasons carry none.
        pub(crate) fn deferred(reason: DeferredReason) -> pb::Deferred {
            use pb::deferred::Reason;
            let reason = match reason {
                DeferredReason::ResourceConfigUnknown => Reason::ResourceConfigUnknown,
                DeferredReason::ProviderConfigUnknown => Reason::ProviderConfigUnknown,
                DeferredReason::AbsentPrerequisite => Reason::AbsentPrereq,
            };
            pb::Deferred { reason: reason as i32 }
        }
    };
}

pub(crate) use wire_conversions;
