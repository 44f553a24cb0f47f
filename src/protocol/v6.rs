//! `tfplugin6.Provider`: protocol 6, spoken by Terraform 1.0 and later.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use futures::Stream;
use tonic::{Request, Response, Status, Streaming};

use super::tfplugin6 as pb;
use crate::logging;

super::wire::wire_conversions!();

/// The v6 gRPC service; cheap to clone, all state lives in the server.
#[derive(Clone)]
pub struct ProviderV6 {
    server: Arc<ProviderServer>,
}

impl ProviderV6 {
    pub fn new(server: Arc<ProviderServer>) -> Self {
        ProviderV6 { server }
    }
}

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

fn once<T: Send + 'static>(item: T) -> BoxStream<T> {
    Box::pin(futures::stream::iter([Ok(item)]))
}

fn rpc_log(rpc: &str, started: Instant) {
    let ms = started.elapsed().as_millis().to_string();
    logging::debug("Served request", &[("tf_rpc", rpc), ("tf_proto_version", "6"), ("duration_ms", &ms)]);
}

#[tonic::async_trait]
impl pb::provider_server::Provider for ProviderV6 {
    async fn get_metadata(
        &self,
        _: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        Ok(Response::new(metadata(&self.server)))
    }

    async fn get_provider_schema(
        &self,
        _: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        let started = Instant::now();
        let response = provider_schema(&self.server);
        rpc_log("GetProviderSchema", started);
        Ok(Response::new(response))
    }

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        let started = Instant::now();
        let diagnostics = validate_provider(&self.server, request.get_ref().config.as_ref());
        rpc_log("ValidateProviderConfig", started);
        Ok(Response::new(pb::validate_provider_config::Response { diagnostics }))
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        let started = Instant::now();
        let req = request.get_ref();
        let diagnostics = validate_data_source(&self.server, &req.type_name, req.config.as_ref());
        rpc_log("ValidateDataResourceConfig", started);
        Ok(Response::new(pb::validate_data_resource_config::Response { diagnostics }))
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        let started = Instant::now();
        let req = request.into_inner();
        let diagnostics = configure(&self.server, req.terraform_version, req.config.as_ref()).await;
        rpc_log("ConfigureProvider", started);
        Ok(Response::new(pb::configure_provider::Response { diagnostics }))
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

    async fn stop_provider(
        &self,
        _: Request<pb::stop_provider::Request>,
    ) -> Result<Response<pb::stop_provider::Response>, Status> {
        self.server.stop();
        Ok(Response::new(pb::stop_provider::Response::default()))
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

    async fn validate_resource_config(
        &self,
        r: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        Ok(Response::new(pb::validate_resource_config::Response {
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

    // ---- state stores: none.

    async fn validate_state_store_config(
        &self,
        r: Request<pb::validate_state_store::Request>,
    ) -> Result<Response<pb::validate_state_store::Response>, Status> {
        Ok(Response::new(pb::validate_state_store::Response {
            diagnostics: unsupported("state store", &r.get_ref().type_name),
        }))
    }

    async fn configure_state_store(
        &self,
        r: Request<pb::configure_state_store::Request>,
    ) -> Result<Response<pb::configure_state_store::Response>, Status> {
        Ok(Response::new(pb::configure_state_store::Response {
            diagnostics: unsupported("state store", &r.get_ref().type_name),
            ..Default::default()
        }))
    }

    type ReadStateBytesStream = BoxStream<pb::read_state_bytes::Response>;

    async fn read_state_bytes(
        &self,
        r: Request<pb::read_state_bytes::Request>,
    ) -> Result<Response<Self::ReadStateBytesStream>, Status> {
        Ok(Response::new(once(pb::read_state_bytes::Response {
            diagnostics: unsupported("state store", &r.get_ref().type_name),
            ..Default::default()
        })))
    }

    async fn write_state_bytes(
        &self,
        r: Request<Streaming<pb::write_state_bytes::RequestChunk>>,
    ) -> Result<Response<pb::write_state_bytes::Response>, Status> {
        let mut stream = r.into_inner();
        let name = match stream.message().await {
            Ok(Some(chunk)) => chunk.meta.map(|m| m.type_name).unwrap_or_default(),
            _ => String::new(),
        };
        Ok(Response::new(pb::write_state_bytes::Response { diagnostics: unsupported("state store", &name) }))
    }

    async fn lock_state(
        &self,
        r: Request<pb::lock_state::Request>,
    ) -> Result<Response<pb::lock_state::Response>, Status> {
        Ok(Response::new(pb::lock_state::Response {
            diagnostics: unsupported("state store", &r.get_ref().type_name),
            ..Default::default()
        }))
    }

    async fn unlock_state(
        &self,
        r: Request<pb::unlock_state::Request>,
    ) -> Result<Response<pb::unlock_state::Response>, Status> {
        Ok(Response::new(pb::unlock_state::Response {
            diagnostics: unsupported("state store", &r.get_ref().type_name),
        }))
    }

    async fn get_states(
        &self,
        r: Request<pb::get_states::Request>,
    ) -> Result<Response<pb::get_states::Response>, Status> {
        Ok(Response::new(pb::get_states::Response {
            diagnostics: unsupported("state store", &r.get_ref().type_name),
            ..Default::default()
        }))
    }

    async fn delete_state(
        &self,
        r: Request<pb::delete_state::Request>,
    ) -> Result<Response<pb::delete_state::Response>, Status> {
        Ok(Response::new(pb::delete_state::Response {
            diagnostics: unsupported("state store", &r.get_ref().type_name),
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
    use crate::framework::diagnostics::AttributePath;
    use crate::framework::schema::Attribute;
    use prost::Message;

    #[test]
    fn diagnostics_always_carry_severity_and_paths() {
        let d = Diagnostic::error("s", "d").at(AttributePath::root("endpoints").key("oms"));
        let p = diagnostic(&d);
        assert_eq!(p.severity, pb::diagnostic::Severity::Error as i32);
        let steps: Vec<_> = p.attribute.unwrap().steps.into_iter().map(|s| s.selector.unwrap()).collect();
        assert_eq!(
            steps,
            vec![
                pb::attribute_path::step::Selector::AttributeName("endpoints".into()),
                pb::attribute_path::step::Selector::ElementKeyString("oms".into()),
            ]
        );
        let w = diagnostic(&Diagnostic::warning("w", ""));
        assert_eq!(w.severity, pb::diagnostic::Severity::Warning as i32);
        assert!(w.attribute.is_none());
    }

    #[test]
    fn v6_attribute_field_numbers() {
        let mut a = Attribute::optional("x", Type::String, "d");
        a.deprecation_message = Some("gone".into());
        let b = block(&Block { attributes: vec![a], ..Default::default() });
        let bytes = b.attributes[0].encode_to_vec();
        // v6: deprecated = 9 (varint, key 0x48), deprecation_message = 12 (key 0x62).
        assert!(bytes.windows(2).any(|w| w == [0x48, 0x01]));
        assert!(bytes.windows(6).any(|w| w == [0x62, 4, b'g', b'o', b'n', b'e']));
        assert_eq!(b.attributes[0].description_kind, pb::StringKind::Markdown as i32);
        assert_eq!(b.attributes[0].r#type, br#""string""#);
    }

    #[test]
    fn empty_dynamic_value_is_null_and_json_is_accepted() {
        let ty = Type::object([("a", Type::String)]);
        assert_eq!(decode_dynamic(None, &ty).unwrap(), Value::Null);
        let json = pb::DynamicValue { msgpack: vec![], json: br#"{"a":"x"}"#.to_vec() };
        assert_eq!(decode_dynamic(Some(&json), &ty).unwrap().get("a"), &Value::string("x"));
        let bad = pb::DynamicValue { msgpack: vec![0xc1], json: vec![] };
        let d = decode_dynamic(Some(&bad), &ty).unwrap_err();
        assert!(d.has_errors());
    }
}
