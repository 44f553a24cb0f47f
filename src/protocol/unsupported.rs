//! What the provider answers when Terraform asks for something the framework
//! does not offer: managed, ephemeral and list resources, actions, state
//! stores and functions. Terraform only sends such RPCs when a configuration
//! uses the feature (usually a `resource` block with the wrong provider
//! prefix), so the answer names what was asked for and what the provider
//! does offer. The words come from what the provider registered, so they stay
//! true when data sources are added or the framework serves another provider.

use crate::framework::diagnostics::Diagnostic;
use crate::framework::server::ProviderServer;

/// The protocol features the framework has no implementation for, one per
/// family of RPCs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Feature {
    ResourceType,
    EphemeralResourceType,
    ListResourceType,
    Action,
    StateStore,
}

impl Feature {
    /// How the feature is called in diagnostics ("Unsupported resource type").
    fn noun(self) -> &'static str {
        match self {
            Feature::ResourceType => "resource type",
            Feature::EphemeralResourceType => "ephemeral resource type",
            Feature::ListResourceType => "list resource type",
            Feature::Action => "action",
            Feature::StateStore => "state store",
        }
    }
}

/// The error for a request about `feature` named `name` (the type name
/// Terraform sent).
pub(crate) fn diagnostic(server: &ProviderServer, feature: Feature, name: &str) -> Diagnostic {
    let kind = feature.noun();
    let provider = server.provider_type_name();
    let names: Vec<&str> = server.data_source_names().collect();
    Diagnostic::error(
        format!("Unsupported {kind}"),
        format!("The {provider} provider has no {kind} named {name:?}: {}", offer(&names)),
    )
}

/// The text of CallFunction's error: the provider registers no functions.
pub(crate) fn function_error(server: &ProviderServer, name: &str) -> String {
    format!("The {} provider defines no function named {name:?}.", server.provider_type_name())
}

/// What the provider does offer, and what to write instead.
fn offer(data_sources: &[&str]) -> String {
    const CHECK: &str = "check the provider name in your configuration.";
    match data_sources {
        [] => format!("it offers no data sources. Please {CHECK}"),
        [one] => format!("it offers only the data source `{one}`. Use `data \"{one}\"` instead, or {CHECK}"),
        [first @ .., last] => {
            let listed: Vec<String> = first.iter().map(|n| format!("`{n}`")).collect();
            format!(
                "it offers only the data sources {} and `{last}`. Use one of them in a `data` block instead, or {CHECK}",
                listed.join(", ")
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_data_source_is_named_with_the_block_to_write() {
        assert_eq!(
            offer(&["oms_sync_task"]),
            "it offers only the data source `oms_sync_task`. Use `data \"oms_sync_task\"` instead, or check the \
             provider name in your configuration."
        );
    }

    #[test]
    fn several_or_no_data_sources_read_naturally() {
        assert_eq!(
            offer(&["a_x", "a_y", "a_z"]),
            "it offers only the data sources `a_x`, `a_y` and `a_z`. Use one of them in a `data` block instead, or \
             check the provider name in your configuration."
        );
        assert_eq!(
            offer(&["a_x", "a_y"]),
            "it offers only the data sources `a_x` and `a_y`. Use one of them in a `data` block instead, or check \
             the provider name in your configuration."
        );
        assert_eq!(offer(&[]), "it offers no data sources. Please check the provider name in your configuration.");
    }

    #[test]
    fn every_feature_has_its_own_noun() {
        let all = [
            Feature::ResourceType,
            Feature::EphemeralResourceType,
            Feature::ListResourceType,
            Feature::Action,
            Feature::StateStore,
        ];
        let nouns: std::collections::BTreeSet<_> = all.iter().map(|f| f.noun()).collect();
        assert_eq!(nouns.len(), all.len());
    }
}
