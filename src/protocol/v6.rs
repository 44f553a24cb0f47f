//! `tfplugin6.Provider`: protocol 6, spoken by Terraform 1.0 and later.

use tonic::{Request, Response, Status, Streaming};

use super::service::{once, BoxStream};
use super::tfplugin6 as pb;

super::wire::wire_conversions!();

super::service::provider_service! {
    unsupported {
        validate_resource_config(validate_resource_config.type_name): ResourceType { diagnostics };
        validate_state_store_config(validate_state_store.type_name): StateStore { diagnostics };
        configure_state_store(configure_state_store.type_name): StateStore { diagnostics, .. };
        lock_state(lock_state.type_name): StateStore { diagnostics, .. };
        unlock_state(unlock_state.type_name): StateStore { diagnostics };
        get_states(get_states.type_name): StateStore { diagnostics, .. };
        delete_state(delete_state.type_name): StateStore { diagnostics };
    }
    /// The v6 gRPC service.
    service ProviderV6, protocol "6";
    get_schema: get_provider_schema(get_provider_schema) "GetProviderSchema";
    validate_provider: validate_provider_config(validate_provider_config) "ValidateProviderConfig";
    validate_data_source: validate_data_resource_config(validate_data_resource_config) "ValidateDataResourceConfig";
    configure: configure_provider(configure_provider) "ConfigureProvider";
    stop: stop_provider(stop_provider);

    // The state-store RPCs that stream; only protocol 6 has state stores.

    type ReadStateBytesStream = BoxStream<pb::read_state_bytes::Response>;

    async fn read_state_bytes(
        &self,
        r: Request<pb::read_state_bytes::Request>,
    ) -> Result<Response<Self::ReadStateBytesStream>, Status> {
        let diagnostics = unsupported(&self.server, Feature::StateStore, &r.get_ref().type_name);
        Ok(Response::new(once(pb::read_state_bytes::Response { diagnostics, ..Default::default() })))
    }

    async fn write_state_bytes(
        &self,
        r: Request<Streaming<pb::write_state_bytes::RequestChunk>>,
    ) -> Result<Response<pb::write_state_bytes::Response>, Status> {
        // The type name travels in the first chunk's metadata.
        let mut stream = r.into_inner();
        let name = match stream.message().await {
            Ok(Some(chunk)) => chunk.meta.map(|m| m.type_name).unwrap_or_default(),
            _ => String::new(),
        };
        Ok(Response::new(pb::write_state_bytes::Response {
            diagnostics: unsupported(&self.server, Feature::StateStore, &name),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::diagnostics::AttributePath;
    use crate::protocol::test_support::{ask, deprecated_attribute, oms, oms_unsupported_detail, only_error, server};
    use futures::StreamExt;
    use pb::provider_server::Provider as _;
    use prost::Message;

    #[tokio::test]
    async fn unsupported_features_name_what_the_provider_offers() {
        let s = ProviderV6::new(oms());
        let answers = [
            (ask!(s, read_resource(read_resource.type_name = "oms_b")), "resource type", "oms_b"),
            (ask!(s, move_resource_state(move_resource_state.target_type_name = "oms_m")), "resource type", "oms_m"),
            (
                ask!(s, open_ephemeral_resource(open_ephemeral_resource.type_name = "oms_e")),
                "ephemeral resource type",
                "oms_e",
            ),
            (ask!(s, validate_state_store_config(validate_state_store.type_name = "oms_s")), "state store", "oms_s"),
            (ask!(s, lock_state(lock_state.type_name = "oms_l")), "state store", "oms_l"),
            (ask!(s, plan_action(plan_action.action_type = "oms_a")), "action", "oms_a"),
        ];
        for ((summary, detail), kind, name) in answers {
            assert_eq!(summary, format!("Unsupported {kind}"));
            assert_eq!(detail, oms_unsupported_detail(kind, name));
        }
    }

    #[tokio::test]
    async fn streaming_answers_carry_one_message_with_the_diagnostic() {
        let s = ProviderV6::new(oms());
        let r = s.list_resource(Request::new(pb::list_resource::Request {
            type_name: "oms_l".into(),
            ..Default::default()
        }));
        let events: Vec<_> = r.await.unwrap().into_inner().collect().await;
        assert_eq!(events.len(), 1);
        let (summary, detail) = only_error!(events.into_iter().next().unwrap().unwrap().diagnostic);
        assert_eq!(summary, "Unsupported list resource type");
        assert_eq!(detail, oms_unsupported_detail("list resource type", "oms_l"));

        let r = s.invoke_action(Request::new(pb::invoke_action::Request {
            action_type: "oms_i".into(),
            ..Default::default()
        }));
        let events: Vec<_> = r.await.unwrap().into_inner().collect().await;
        assert_eq!(events.len(), 1);
        let Some(pb::invoke_action::event::Type::Completed(done)) = events.into_iter().next().unwrap().unwrap().r#type
        else {
            panic!("expected a Completed event");
        };
        assert_eq!(only_error!(done.diagnostics).1, oms_unsupported_detail("action", "oms_i"));

        let r = s.read_state_bytes(Request::new(pb::read_state_bytes::Request {
            type_name: "oms_r".into(),
            ..Default::default()
        }));
        let chunks: Vec<_> = r.await.unwrap().into_inner().collect().await;
        assert_eq!(chunks.len(), 1);
        let chunk = chunks.into_iter().next().unwrap().unwrap();
        assert_eq!(only_error!(chunk.diagnostics).1, oms_unsupported_detail("state store", "oms_r"));
    }

    #[tokio::test]
    async fn functions_and_texts_follow_the_registered_provider() {
        let s = ProviderV6::new(oms());
        let r = s.call_function(Request::new(pb::call_function::Request { name: "f".into(), ..Default::default() }));
        let r = r.await.unwrap().into_inner();
        assert!(r.result.is_none());
        assert_eq!(r.error.unwrap().text, "The oms provider defines no function named \"f\".");

        let other = ProviderV6::new(server("acme", &["acme_a", "acme_b"]));
        let (_, detail) = ask!(other, read_resource(read_resource.type_name = "x"));
        assert_eq!(
            detail,
            "The acme provider has no resource type named \"x\": it offers only the data sources `acme_a` and \
             `acme_b`. Use one of them in a `data` block instead, or check the provider name in your configuration."
        );
        let r =
            other.call_function(Request::new(pb::call_function::Request { name: "f".into(), ..Default::default() }));
        assert_eq!(
            r.await.unwrap().into_inner().error.unwrap().text,
            "The acme provider defines no function named \"f\"."
        );
    }

    #[test]
    fn deferred_reasons_have_the_protocol_numbers() {
        use crate::framework::data_source::DeferredReason as R;
        let codes: Vec<i32> = [R::ResourceConfigUnknown, R::ProviderConfigUnknown, R::AbsentPrerequisite]
            .map(|r| deferred(r).reason)
            .to_vec();
        assert_eq!(codes, vec![1, 2, 3]);
    }

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
        let attribute = deprecated_attribute!();
        let bytes = attribute.encode_to_vec();
        // v6: deprecated = 9 (varint, key 0x48), deprecation_message = 12 (key 0x62).
        assert!(bytes.windows(2).any(|w| w == [0x48, 0x01]));
        assert!(bytes.windows(6).any(|w| w == [0x62, 4, b'g', b'o', b'n', b'e']));
        assert_eq!(attribute.description_kind, pb::StringKind::Markdown as i32);
        assert_eq!(attribute.r#type, br#""string""#);
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
