//! The one recipe for both `Provider` gRPC services.
//!
//! tonic generates one `Provider` trait per protocol version. tfplugin5 and
//! tfplugin6 differ in the names of five RPCs, in one answer (v5's
//! PrepareProviderConfig echoes the configuration) and in RPCs only v6 has
//! (state stores); what every answer means is the same. [`provider_service!`]
//! therefore emits a version's whole service (struct and `impl` block) from
//! those differences alone.
//!
//! It has to emit the whole `impl` block, attribute included: the trait's
//! methods are `#[async_trait]` methods, and the attribute rewrites only the
//! `async fn`s it can see, so a macro per method inside a hand-written `impl`
//! would expand too late.

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use futures::Stream;
use tonic::Status;

use crate::logging;

/// The response type of the server-streaming RPCs.
pub(crate) type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

/// A stream of exactly one message: how a streaming RPC about a feature the
/// provider lacks delivers its diagnostics.
pub(crate) fn once<T: Send + 'static>(item: T) -> BoxStream<T> {
    Box::pin(futures::stream::iter([Ok(item)]))
}

/// Runs one RPC's work and logs it with the fields terraform-plugin-go logs
/// (`tf_rpc`, `tf_proto_version`, `duration_ms`), so `TF_LOG=debug` output
/// reads like any other provider's.
pub(crate) async fn logged<T>(rpc: &str, version: &str, work: impl Future<Output = T>) -> T {
    let started = Instant::now();
    let out = work.await;
    if logging::debug_enabled() {
        let ms = started.elapsed().as_millis().to_string();
        logging::debug("Served request", &[("tf_rpc", rpc), ("tf_proto_version", version), ("duration_ms", &ms)]);
    }
    out
}

/// Emits `pub struct $service` and its `impl pb::provider_server::Provider`.
/// Invoke it in a module that has the generated module as `pb` and the
/// conversions of `wire_conversions!` in scope.
///
/// Input, in this order:
/// - `unsupported { rpc(message.type_field): Feature { diagnostics[, ..] }; … }`:
///   the version's own unary RPCs about features the provider lacks (the
///   RPCs both versions share are listed in this macro, once). `..` marks responses
///   with fields besides `diagnostics`, which stay at their defaults.
/// - the struct's attributes, then `service Name, protocol "N";`
/// - the version's names (method and message module) for the RPCs the
///   framework serves, with the RPC name that is logged; `echo field` on
///   `validate_provider` returns the configuration in that response field.
/// - any further items (v6's streaming state-store RPCs), copied as they are.
macro_rules! provider_service {
    (unsupported { $($own:tt)* } $($rest:tt)*) => {
        $crate::protocol::service::provider_service! {
            @impl
            unsupported {
                upgrade_resource_state(upgrade_resource_state.type_name): ResourceType { diagnostics, .. };
                upgrade_resource_identity(upgrade_resource_identity.type_name): ResourceType { diagnostics, .. };
                read_resource(read_resource.type_name): ResourceType { diagnostics, .. };
                plan_resource_change(plan_resource_change.type_name): ResourceType { diagnostics, .. };
                apply_resource_change(apply_resource_change.type_name): ResourceType { diagnostics, .. };
                import_resource_state(import_resource_state.type_name): ResourceType { diagnostics, .. };
                move_resource_state(move_resource_state.target_type_name): ResourceType { diagnostics, .. };
                generate_resource_config(generate_resource_config.type_name): ResourceType { diagnostics, .. };
                validate_ephemeral_resource_config(validate_ephemeral_resource_config.type_name):
                    EphemeralResourceType { diagnostics };
                open_ephemeral_resource(open_ephemeral_resource.type_name): EphemeralResourceType { diagnostics, .. };
                renew_ephemeral_resource(renew_ephemeral_resource.type_name): EphemeralResourceType { diagnostics, .. };
                close_ephemeral_resource(close_ephemeral_resource.type_name): EphemeralResourceType { diagnostics };
                validate_list_resource_config(validate_list_resource_config.type_name): ListResourceType { diagnostics };
                plan_action(plan_action.action_type): Action { diagnostics, .. };
                validate_action_config(validate_action_config.type_name): Action { diagnostics };
                $($own)*
            }
            $($rest)*
        }
    };
    (
        @impl
        unsupported {
            $($rpc:ident($msg:ident . $name:ident): $feature:ident { diagnostics $(, $more:tt)? };)*
        }
        $(#[$attr:meta])*
        service $service:ident, protocol $version:literal;
        get_schema: $get_schema:ident($get_schema_msg:ident) $get_schema_log:literal;
        validate_provider: $validate_provider:ident($validate_provider_msg:ident) $validate_provider_log:literal
            $(, echo $echo:ident)?;
        validate_data_source: $validate_ds:ident($validate_ds_msg:ident) $validate_ds_log:literal;
        configure: $configure:ident($configure_msg:ident) $configure_log:literal;
        stop: $stop:ident($stop_msg:ident);
        $($extra:tt)*
    ) => {
        $(#[$attr])*
        #[derive(Clone)]
        pub(crate) struct $service {
            server: ::std::sync::Arc<ProviderServer>,
        }

        impl $service {
            /// The service for `server`; cheap to clone, all state lives in the server.
            pub(crate) fn new(server: ::std::sync::Arc<ProviderServer>) -> Self {
                $service { server }
            }
        }

        #[::tonic::async_trait]
        impl pb::provider_server::Provider for $service {
            async fn get_metadata(
                &self,
                _: ::tonic::Request<pb::get_metadata::Request>,
            ) -> Result<::tonic::Response<pb::get_metadata::Response>, ::tonic::Status> {
                Ok(::tonic::Response::new(metadata(&self.server)))
            }

            async fn $get_schema(
                &self,
                _: ::tonic::Request<pb::$get_schema_msg::Request>,
            ) -> Result<::tonic::Response<pb::$get_schema_msg::Response>, ::tonic::Status> {
                let work = async { provider_schema(&self.server) };
                Ok(::tonic::Response::new($crate::protocol::service::logged($get_schema_log, $version, work).await))
            }

            async fn $validate_provider(
                &self,
                request: ::tonic::Request<pb::$validate_provider_msg::Request>,
            ) -> Result<::tonic::Response<pb::$validate_provider_msg::Response>, ::tonic::Status> {
                let config = request.into_inner().config;
                let work = async { validate_provider(&self.server, config.as_ref()) };
                let diagnostics = $crate::protocol::service::logged($validate_provider_log, $version, work).await;
                Ok(::tonic::Response::new(pb::$validate_provider_msg::Response { $($echo: config,)? diagnostics }))
            }

            async fn $validate_ds(
                &self,
                request: ::tonic::Request<pb::$validate_ds_msg::Request>,
            ) -> Result<::tonic::Response<pb::$validate_ds_msg::Response>, ::tonic::Status> {
                let req = request.into_inner();
                let work = async { validate_data_source(&self.server, &req.type_name, req.config.as_ref()) };
                let diagnostics = $crate::protocol::service::logged($validate_ds_log, $version, work).await;
                Ok(::tonic::Response::new(pb::$validate_ds_msg::Response { diagnostics }))
            }

            async fn $configure(
                &self,
                request: ::tonic::Request<pb::$configure_msg::Request>,
            ) -> Result<::tonic::Response<pb::$configure_msg::Response>, ::tonic::Status> {
                let req = request.into_inner();
                let work = configure(&self.server, req.terraform_version, req.config.as_ref());
                let diagnostics = $crate::protocol::service::logged($configure_log, $version, work).await;
                Ok(::tonic::Response::new(pb::$configure_msg::Response { diagnostics }))
            }

            async fn read_data_source(
                &self,
                request: ::tonic::Request<pb::read_data_source::Request>,
            ) -> Result<::tonic::Response<pb::read_data_source::Response>, ::tonic::Status> {
                let work = read_data_source(&self.server, request.into_inner());
                Ok(::tonic::Response::new($crate::protocol::service::logged("ReadDataSource", $version, work).await))
            }

            async fn $stop(
                &self,
                _: ::tonic::Request<pb::$stop_msg::Request>,
            ) -> Result<::tonic::Response<pb::$stop_msg::Response>, ::tonic::Status> {
                self.server.stop();
                Ok(::tonic::Response::new(pb::$stop_msg::Response::default()))
            }

            async fn get_resource_identity_schemas(
                &self,
                _: ::tonic::Request<pb::get_resource_identity_schemas::Request>,
            ) -> Result<::tonic::Response<pb::get_resource_identity_schemas::Response>, ::tonic::Status> {
                // No managed resources, so no identities: an empty map, no error.
                Ok(::tonic::Response::new(pb::get_resource_identity_schemas::Response::default()))
            }

            async fn get_functions(
                &self,
                _: ::tonic::Request<pb::get_functions::Request>,
            ) -> Result<::tonic::Response<pb::get_functions::Response>, ::tonic::Status> {
                Ok(::tonic::Response::new(pb::get_functions::Response::default()))
            }

            async fn call_function(
                &self,
                request: ::tonic::Request<pb::call_function::Request>,
            ) -> Result<::tonic::Response<pb::call_function::Response>, ::tonic::Status> {
                let text = $crate::protocol::unsupported::function_error(&self.server, &request.get_ref().name);
                Ok(::tonic::Response::new(pb::call_function::Response {
                    result: None,
                    error: Some(pb::FunctionError { text, function_argument: None }),
                }))
            }

            // The streaming RPCs both versions have; each answers with one message.
            type ListResourceStream = $crate::protocol::service::BoxStream<pb::list_resource::Event>;
            type InvokeActionStream = $crate::protocol::service::BoxStream<pb::invoke_action::Event>;

            async fn list_resource(
                &self,
                request: ::tonic::Request<pb::list_resource::Request>,
            ) -> Result<::tonic::Response<Self::ListResourceStream>, ::tonic::Status> {
                let diagnostic = unsupported(&self.server, Feature::ListResourceType, &request.get_ref().type_name);
                let event = pb::list_resource::Event { diagnostic, ..Default::default() };
                Ok(::tonic::Response::new($crate::protocol::service::once(event)))
            }

            async fn invoke_action(
                &self,
                request: ::tonic::Request<pb::invoke_action::Request>,
            ) -> Result<::tonic::Response<Self::InvokeActionStream>, ::tonic::Status> {
                let diagnostics = unsupported(&self.server, Feature::Action, &request.get_ref().action_type);
                let completed = pb::invoke_action::event::Completed { diagnostics };
                let event = pb::invoke_action::Event { r#type: Some(pb::invoke_action::event::Type::Completed(completed)) };
                Ok(::tonic::Response::new($crate::protocol::service::once(event)))
            }

            $(
                async fn $rpc(
                    &self,
                    request: ::tonic::Request<pb::$msg::Request>,
                ) -> Result<::tonic::Response<pb::$msg::Response>, ::tonic::Status> {
                    let diagnostics = unsupported(&self.server, Feature::$feature, &request.get_ref().$name);
                    Ok(::tonic::Response::new(pb::$msg::Response { diagnostics $(, $more Default::default())? }))
                }
            )*

            $($extra)*
        }
    };
}

pub(crate) use provider_service;
