//! OMS API models as Terraform attributes. A model's field table
//! ([`ApiModel::FIELDS`]) already says each field's name, shape and
//! description, so a data source's read-only attributes, their docs and its
//! state all follow from the model; nothing here is written per field.

use std::collections::BTreeMap;

use crate::framework::schema::Attribute;
use crate::framework::types::Type;
use crate::framework::value::{self, Value};
use crate::oms::json::{ApiField, ApiModel, Shape};

/// The Terraform type of a field: strings, numbers and bools as such, a
/// nested model as an object (null when absent), a list as a list.
pub(crate) fn attribute_type(shape: &Shape) -> Type {
    match shape {
        Shape::String => Type::String,
        Shape::Integer => Type::Number,
        Shape::Bool => Type::Bool,
        Shape::Object(fields) => Type::object(fields.iter().map(|f| (f.name, attribute_type(&(f.shape)())))),
        Shape::List(item) => Type::list(attribute_type(item)),
    }
}

/// One computed attribute per model field, in the model's order, except
/// `arguments`: fields the data source also takes as input (such as the
/// task id), which its schema declares itself.
pub(crate) fn computed_attributes<M: ApiModel>(arguments: &[&str]) -> Vec<Attribute> {
    M::FIELDS
        .iter()
        .filter(|f| !arguments.contains(&f.name))
        .map(|f| Attribute::computed(f.name, attribute_type(&(f.shape)()), &description(f)))
        .collect()
}

/// The field's description and, for an object or a list of objects, the
/// fields inside it: Terraform's object types carry no descriptions, so this
/// is where users (and the generated docs) learn what `tasks[*].source_cdn`
/// holds.
fn description(field: &ApiField) -> String {
    let own = field.description();
    let inner = match (field.shape)() {
        Shape::Object(fields) => fields,
        Shape::List(item) => match *item {
            Shape::Object(fields) => fields,
            _ => return own,
        },
        _ => return own,
    };
    let parts: Vec<String> = inner
        .iter()
        .map(|f| format!("`{}` ({}): {}", f.name, attribute_type(&(f.shape)()).friendly_name(), description(f)))
        .collect();
    format!("{own} Attributes: {}", parts.join(" "))
}

/// The state values of those same attributes: absent or null fields are
/// null, nested models objects, lists lists. An error means the model and
/// its own field table disagree, which is a bug.
pub(crate) fn state_attributes<M: ApiModel>(model: &M, arguments: &[&str]) -> Result<BTreeMap<String, Value>, String> {
    let json = serde_json::to_value(model).map_err(|e| e.to_string())?;
    M::FIELDS
        .iter()
        .filter(|f| !arguments.contains(&f.name))
        .map(|f| {
            let v = json.get(f.name).unwrap_or(&serde_json::Value::Null);
            let v = value::from_json(v, &attribute_type(&(f.shape)())).map_err(|e| format!("{}: {e}", f.name))?;
            Ok((f.name.to_string(), v))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oms::json::api_model;

    api_model! {
        /// A CDN source, as `oms_sync_tasks` will show it.
        pub struct SourceCdn {
            /// The domain name.
            domain: Option<String>,
            /// `HTTP` or `HTTPS`.
            protocol: Option<String>,
            /// How the CDN authenticates.
            authentication_type: Option<String>,
        }
    }

    api_model! {
        /// One statistics point.
        pub struct Point {
            /// Milliseconds since the Unix epoch.
            time_stamp: Option<i64>,
            /// The value.
            statistic_num: Option<i64>,
        }
    }

    api_model! {
        /// A model with a nested object and a list of objects.
        pub struct Listing {
            /// The id.
            id: Option<String>,
            /// The CDN source.
            source_cdn: Option<SourceCdn>,
            /// The points.
            data: Vec<Point>,
            /// Whether it is on.
            on: Option<bool>,
        }
    }

    #[test]
    fn nested_objects_and_lists_become_object_and_list_attributes() {
        let attrs = computed_attributes::<Listing>(&["id"]);
        let got: Vec<_> = attrs.iter().map(|a| (a.name.as_str(), a.ty.clone(), a.computed)).collect();
        let cdn =
            Type::object([("domain", Type::String), ("protocol", Type::String), ("authentication_type", Type::String)]);
        let point = Type::object([("time_stamp", Type::Number), ("statistic_num", Type::Number)]);
        assert_eq!(got, [("source_cdn", cdn, true), ("data", Type::list(point), true), ("on", Type::Bool, true)]);
        assert_eq!(
            attrs[0].description,
            "The CDN source. Attributes: `domain` (string): The domain name. `protocol` (string): `HTTP` or `HTTPS`. `authentication_type` (string): How the CDN authenticates."
        );
        assert_eq!(attrs[2].description, "Whether it is on.");
    }

    #[test]
    fn state_has_null_objects_when_absent_and_lists_of_objects() {
        let listing = Listing::from_json(br#"{"id":"x","data":[{"time_stamp":1,"statistic_num":2}]}"#).unwrap();
        let s = state_attributes(&listing, &["id"]).unwrap();
        assert_eq!(s.keys().collect::<Vec<_>>(), ["data", "on", "source_cdn"]);
        assert!(s["source_cdn"].is_null() && s["on"].is_null());
        let point = Value::Object(
            [("time_stamp".to_string(), Value::int(1)), ("statistic_num".to_string(), Value::int(2))].into(),
        );
        assert_eq!(s["data"], Value::List(vec![point]));

        let listing = Listing::from_json(br#"{"source_cdn":{"domain":"d","protocol":"HTTPS"},"on":true}"#).unwrap();
        let s = state_attributes(&listing, &[]).unwrap();
        assert_eq!(s["source_cdn"].get("domain"), &Value::string("d"));
        assert!(s["source_cdn"].get("authentication_type").is_null());
        assert_eq!(s["data"], Value::List(vec![]));
        assert_eq!(s["on"], Value::Bool(true));
        assert!(s["id"].is_null());

        // The state conforms to the attributes' types, as the wire codec checks.
        let ty = Type::object(computed_attributes::<Listing>(&[]).into_iter().map(|a| (a.name, a.ty)));
        crate::protocol::cty_msgpack::encode(&Value::Object(s), &ty).expect("conforms");
    }
}
