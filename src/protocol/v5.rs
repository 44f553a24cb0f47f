//! `tfplugin5.Provider`: protocol 5, for Terraform 0.12 to 0.15 and for any
//! Terraform that is told to use it (`PLUGIN_PROTOCOL_VERSIONS=5`).

use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use futures::Stream;
use tonic::{Request, Response, Status};

use super::tfplugin5 as pb;
use crate::logging;

super::wire::wire_conversions!();

/// The v5 gRPC service; cheap to clone, all state lives in the server.
#[derive(Clone)]
pub struct ProviderV5 {
    server: Arc<ProviderServer>,
}

impl ProviderV5 {
    pub fn new(server: Arc<ProviderServer>) -> Self {
        ProviderV5 { server }
    }
}

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

fn once<T: Send + 'static>(item: T) -> BoxStream<T> {
    Box::pin(futures::stream::iter([Ok(item)]))
}

fn rpc_log(rpc: &str, started: Instant) {
    let ms = started.elapsed().as_millis().to_string();
    logging::debug("Served request", &[("tf_rpc", rpc), ("tf_proto_version", "5"), ("duration_ms", &ms)]);
}

#[tonic::async_trait]
impl pb::provider_server::Provider for ProviderV5 {
    async fn get_metadata(
        &self,
        _: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        Ok(Response::new(metadata(&self.server)))
    }

    async fn get_schema(
        &self,
        _: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        let started = Instant::now();
        let response = provider_schema(&self.server);
        rpc_log("GetSchema", started);
        Ok(Response::new(response))
    }

    async fn prepare_provider_config(
        &self,
        request: Request<pb::prepare_provider_config::Request>,
    ) -> Result<Response<pb::prepare_provider_config::Response>, Status> {
        let started = Instant::now();
        let config = request.into_inner().config;
        let diagnostics = validate_provider(&self.server, config.as_ref());
        rpc_log("PrepareProviderConfig", started);
        // Terraform decodes `prepared_config` against the provider schema;
        // echoing the input keeps it identical, so nothing is logged as changed.
        Ok(Response::new(pb::prepare_provider_config::Response { prepared_config: config, diagnostics }))
    }

    async fn validate_data_source_config(
        &self,
        request: Request<pb::validate_data_source_config::Request>,
    ) -> Result<Response<pb::validate_data_source_config::Response>, Status> {
        let started = Instant::now();
        let req = request.get_ref();
        let diagnostics = validate_data_source(&self.server, &req.type_name, req.config.as_ref());
        rpc_log("ValidateDataSourceConfig", started);
        Ok(Response::new(pb::validate_data_source_config::Response { diagnostics }))
    }

    async fn configure(
        &self,
        request: Request<pb::configure::Request>,
    ) -> Result<Response<pb::configure::Response>, Status> {
        let started = Instant::now();
        let req = request.into_inner();
        let diagnostics = configure(&self.server, req.terraform_version, req.config.as_ref()).await;
        rpc_log("Configure", started);
        Ok(Response::new(pb::configure::Response { diagnostics }))
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        let started = Instant::now();
        let response = read_data_source(&self.server, request.into_inner()).await;
        rpc_log("ReadDataSource", started);
        Ok(Response::new(response))
    }

    async fn stop(&self, _: Request<pb::stop::Request>) -> Result<Response<pb::stop::Response>, Status> {
        self.server.stop();
        Ok(Response::new(pb::stop::Response::default()))
    }

    async fn get_resource_identity_schemas(
        &self,
        _: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Result<Response<pb::get_resource_identity_schemas::Response>, Status> {
        // No managed resources, so no identities: an empty map, no error.
        Ok(Response::new(pb::get_resource_identity_schemas::Response::default()))
    }

    async fn get_functions(
        &self,
        _: Request<pb::get_functions::Request>,
    ) -> Result<Response<pb::get_functions::Response>, Status> {
        Ok(Response::new(pb::get_functions::Response::default()))
    }

    async fn call_function(
        &self,
        r: Request<pb::call_function::Request>,
    ) -> Result<Response<pb::call_function::Response>, Status> {
        let name = &r.get_ref().name;
        Ok(Response::new(pb::call_function::Response {
            result: None,
            error: Some(pb::FunctionError {
                text: format!("The oms provider defines no function named {name:?}."),
                function_argument: None,
            }),
        }))
    }

    // ---- managed resources: none in this provider.

    async fn validate_resource_type_config(
        &self,
        r: Request<pb::validate_resource_type_config::Request>,
    ) -> Result<Response<pb::validate_resource_type_config::Response>, Status> {
        Ok(Response::new(pb::validate_resource_type_config::Response {
            diagnostics: unsupported("resource type", &r.get_ref().type_name),
        }))
    }

    async fn upgrade_resource_state(
        &self,
        r: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        Ok(Response::new(pb::upgrade_resource_state::Response {
            diagnostics: unsupported("resource type", &r.get_ref().type_name),
            ..Default::default()
        }))
    }

    async fn upgrade_resource_identity(
        &self,
        r: Request<pb::upgrade_resource_identity::Request>,
    ) -> Result<Response<pb::upgrade_resource_identity::Response>, Status> {
        Ok(Response::new(pb::upgrade_resource_identity::Response {
            diagnostics: unsupported("resource type", &r.get_ref().type_name),
            ..Default::default()
        }))
    }

    async fn read_resource(
        &self,
        r: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        Ok(Response::new(pb::read_resource::Response {
            diagnostics: unsupported("resource type", &r.get_ref().type_name),
            ..Default::default()
        }))
    }

    async fn plan_resource_change(
        &self,
        r: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        Ok(Response::new(pb::plan_resource_change::Response {
            diagnostics: unsupported("resource type", &r.get_ref().type_name),
            ..Default::default()
        }))
    }

    async fn apply_resource_change(
        &self,
        r: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        Ok(Response::new(pb::apply_resource_change::Response {
            diagnostics: unsupported("resource type", &r.get_ref().type_name),
            ..Default::default()
        }))
    }

    async fn import_resource_state(
        &self,
        r: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        Ok(Response::new(pb::import_resource_state::Response {
            diagnostics: unsupported("resource type", &r.get_ref().type_name),
            ..Default::default()
        }))
    }

    async fn move_resource_state(
        &self,
        r: Request<pb::move_resource_state::Request>,
    ) -> Result<Response<pb::move_resource_state::Response>, Status> {
        Ok(Response::new(pb::move_resource_state::Response {
            diagnostics: unsupported("resource type", &r.get_ref().target_type_name),
            ..Default::default()
        }))
    }

    async fn generate_resource_config(
        &self,
        r: Request<pb::generate_resource_config::Request>,
    ) -> Result<Response<pb::generate_resource_config::Response>, Status> {
        Ok(Response::new(pb::generate_resource_config::Response {
            diagnostics: unsupported("resource type", &r.get_ref().type_name),
            ..Default::default()
        }))
    }

    // ---- ephemeral resources: none.

    async fn validate_ephemeral_resource_config(
        &self,
        r: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Result<Response<pb::validate_ephemeral_resource_config::Response>, Status> {
        Ok(Response::new(pb::validate_ephemeral_resource_config::Response {
            diagnostics: unsupported("ephemeral resource type", &r.get_ref().type_name),
        }))
    }

    async fn open_ephemeral_resource(
        &self,
        r: Request<pb::open_ephemeral_resource::Request>,
    ) -> Result<Response<pb::open_ephemeral_resource::Response>, Status> {
        Ok(Response::new(pb::open_ephemeral_resource::Response {
            diagnostics: unsupported("ephemeral resource type", &r.get_ref().type_name),
            ..Default::default()
        }))
    }

    async fn renew_ephemeral_resource(
        &self,
        r: Request<pb::renew_ephemeral_resource::Request>,
    ) -> Result<Response<pb::renew_ephemeral_resource::Response>, Status> {
        Ok(Response::new(pb::renew_ephemeral_resource::Response {
            diagnostics: unsupported("ephemeral resource type", &r.get_ref().type_name),
            ..Default::default()
        }))
    }

    async fn close_ephemeral_resource(
        &self,
        r: Request<pb::close_ephemeral_resource::Request>,
    ) -> Result<Response<pb::close_ephemeral_resource::Response>, Status> {
        Ok(Response::new(pb::close_ephemeral_resource::Response {
            diagnostics: unsupported("ephemeral resource type", &r.get_ref().type_name),
        }))
    }

    // ---- list resources: none.

    type ListResourceStream = BoxStream<pb::list_resource::Event>;

    async fn list_resource(
        &self,
        r: Request<pb::list_resource::Request>,
    ) -> Result<Response<Self::ListResourceStream>, Status> {
        Ok(Response::new(once(pb::list_resource::Event {
            diagnostic: unsupported("list resource type", &r.get_ref().type_name),
            ..Default::default()
        })))
    }

    async fn validate_list_resource_config(
        &self,
        r: Request<pb::validate_list_resource_config::Request>,
    ) -> Result<Response<pb::validate_list_resource_config::Response>, Status> {
        Ok(Response::new(pb::validate_list_resource_config::Response {
            diagnostics: unsupported("list resource type", &r.get_ref().type_name),
        }))
    }

    // ---- actions: none.

    async fn plan_action(
        &self,
        r: Request<pb::plan_action::Request>,
    ) -> Result<Response<pb::plan_action::Response>, Status> {
        Ok(Response::new(pb::plan_action::Response {
            diagnostics: unsupported("action", &r.get_ref().action_type),
            ..Default::default()
        }))
    }

    type InvokeActionStream = BoxStream<pb::invoke_action::Event>;

    async fn invoke_action(
        &self,
        r: Request<pb::invoke_action::Request>,
    ) -> Result<Response<Self::InvokeActionStream>, Status> {
        Ok(Response::new(once(pb::invoke_action::Event {
            r#type: Some(pb::invoke_action::event::Type::Completed(pb::invoke_action::event::Completed {
                diagnostics: unsupported("action", &r.get_ref().action_type),
            })),
        })))
    }

    async fn validate_action_config(
        &self,
        r: Request<pb::validate_action_config::Request>,
    ) -> Result<Response<pb::validate_action_config::Response>, Status> {
        Ok(Response::new(pb::validate_action_config::Response {
            diagnostics: unsupported("action", &r.get_ref().type_name),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::schema::Attribute;
    use prost::Message;

    #[test]
    fn v5_attribute_field_numbers_differ_from_v6() {
        let mut a = Attribute::optional("x", Type::String, "d");
        a.deprecation_message = Some("gone".into());
        let b = block(&Block { attributes: vec![a], ..Default::default() });
        let bytes = b.attributes[0].encode_to_vec();
        // v5 has no nested_type: deprecation_message is field 11 (key 0x5a), not 12.
        assert!(bytes.windows(6).any(|w| w == [0x5a, 4, b'g', b'o', b'n', b'e']));
        assert!(!bytes.windows(2).any(|w| w == [0x62, 4]));
    }
}
