//! `tfplugin5.Provider`: protocol 5, for Terraform 0.12 to 0.15 and for any
//! Terraform that is told to use it (`PLUGIN_PROTOCOL_VERSIONS=5`).

use super::tfplugin5 as pb;

super::wire::wire_conversions!();

super::service::provider_service! {
    unsupported {
        validate_resource_type_config(validate_resource_type_config.type_name): ResourceType { diagnostics };
    }
    /// The v5 gRPC service.
    service ProviderV5, protocol "5";
    get_schema: get_schema(get_provider_schema) "GetSchema";
    // Terraform decodes `prepared_config` against the provider schema;
    // echoing the input keeps it identical, so nothing is logged as changed.
    validate_provider: prepare_provider_config(prepare_provider_config) "PrepareProviderConfig", echo prepared_config;
    validate_data_source: validate_data_source_config(validate_data_source_config) "ValidateDataSourceConfig";
    configure: configure(configure) "Configure";
    stop: stop(stop);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::test_support::{ask, deprecated_attribute, oms, oms_unsupported_detail};
    use pb::provider_server::Provider as _;
    use prost::Message;
    use tonic::Request;

    #[tokio::test]
    async fn v5_names_answer_like_v6() {
        let s = ProviderV5::new(oms());
        let (summary, detail) =
            ask!(s, validate_resource_type_config(validate_resource_type_config.type_name = "oms_b"));
        assert_eq!(summary, "Unsupported resource type");
        assert_eq!(detail, oms_unsupported_detail("resource type", "oms_b"));

        // PrepareProviderConfig hands the configuration back unchanged.
        let config = encode_dynamic(&Value::Object(Default::default()), &Type::Object(Default::default())).unwrap();
        let r = s.prepare_provider_config(Request::new(pb::prepare_provider_config::Request {
            config: Some(config.clone()),
        }));
        let r = r.await.unwrap().into_inner();
        assert_eq!(r.prepared_config, Some(config));
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    }

    #[test]
    fn v5_attribute_field_numbers_differ_from_v6() {
        let attribute = deprecated_attribute!();
        let bytes = attribute.encode_to_vec();
        // v5 has no nested_type: deprecation_message is field 11 (key 0x5a), not 12.
        assert!(bytes.windows(6).any(|w| w == [0x5a, 4, b'g', b'o', b'n', b'e']));
        assert!(!bytes.windows(2).any(|w| w == [0x62, 4]));
    }
}
