//! How API models are declared and decoded. A model is written once, with
//! [`api_model!`](crate::oms::json::api_model): each field's name, Rust type
//! and documentation. From that one table come the struct, its decoding
//! (every type error names the field at fault, down to `tasks[2].id`, which a
//! provider diagnostic needs to be actionable) and [`ApiModel::FIELDS`], a
//! description of the fields that lets other layers (the provider's schema,
//! its docs and its state) follow the model without restating it.
//!
//! Every response field is optional because the service omits or nulls
//! fields freely and the SDKs treat all of them as optional: JSON `null` and
//! absence both become `None` (or an empty `Vec`); unknown fields are ignored.

use std::fmt;

use serde_json::{Map, Value};

/// The shape of a field's JSON value, for layers that map models onto
/// their own types. Nullability is not part of it: every field may be absent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A JSON string.
    String,
    /// A JSON integer that fits `i64`.
    Integer,
    /// A JSON boolean.
    Bool,
    /// A nested model.
    Object(&'static [ApiField]),
    /// A JSON array of one shape.
    List(Box<Shape>),
}

/// One field of a model, as declared.
#[derive(Clone, Debug)]
pub(crate) struct ApiField {
    /// The JSON key, which is also the Rust field name.
    pub name: &'static str,
    /// The field's doc comment, one entry per line.
    pub doc: &'static [&'static str],
    /// A function, not a value: a list's shape is boxed, so it cannot be
    /// built in the `const` table.
    pub shape: fn() -> Shape,
}

/// By what the field is (name, doc, shape), not by which function computes
/// the shape: function pointers have no stable identity.
impl PartialEq for ApiField {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.doc == other.doc && (self.shape)() == (other.shape)()
    }
}

impl Eq for ApiField {}

impl ApiField {
    /// The doc comment as one paragraph (lines joined by a space).
    pub(crate) fn description(&self) -> String {
        self.doc.iter().map(|l| l.trim()).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")
    }
}

/// A model declared with [`api_model!`].
pub(crate) trait ApiModel: Sized + serde::Serialize {
    /// The fields in declaration order (the API document's order).
    const FIELDS: &'static [ApiField];
    /// Decodes the fields of one JSON object found at `at`.
    fn from_object(map: &Map<String, Value>, at: &At<'_>) -> Result<Self, String>;
}

/// Where a value sits in a response body: `monthly_size`, `source_cdn.domain`,
/// `tasks[2].id`. Built on the stack; only rendered for an error.
#[derive(Clone, Copy, Debug)]
pub(crate) enum At<'a> {
    /// The body itself.
    Root,
    /// A field of the object at the parent.
    Field(&'a At<'a>, &'a str),
    /// An item of the array at the parent.
    Index(&'a At<'a>, usize),
}

impl<'a> At<'a> {
    /// The field `name` of the object here.
    pub(crate) fn field(&'a self, name: &'a str) -> At<'a> {
        At::Field(self, name)
    }
    /// Item `i` of the array here.
    pub(crate) fn index(&'a self, i: usize) -> At<'a> {
        At::Index(self, i)
    }
    fn error(&self, what: impl fmt::Display) -> String {
        match self {
            At::Root => what.to_string(),
            _ => format!("field `{self}`: {what}"),
        }
    }
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Root => Ok(()),
            At::Field(At::Root, name) => f.write_str(name),
            At::Field(parent, name) => write!(f, "{parent}.{name}"),
            At::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// "a string", "an object": how an unexpected JSON value is named in errors.
pub(crate) fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A JSON value that is present and not null.
pub(crate) trait JsonValue: Sized {
    /// What other layers see of the type.
    fn shape() -> Shape;
    /// Decodes `v`, naming `at` in the error.
    fn from_json_value(v: &Value, at: &At<'_>) -> Result<Self, String>;
}

/// A model field: present, absent or null.
pub(crate) trait JsonField: Sized {
    /// What other layers see of the type.
    fn shape() -> Shape;
    /// Decodes the field's value, `None` when the key is absent.
    fn from_field(v: Option<&Value>, at: &At<'_>) -> Result<Self, String>;
}

/// Absent and null are `None`.
impl<T: JsonValue> JsonField for Option<T> {
    fn shape() -> Shape {
        T::shape()
    }
    fn from_field(v: Option<&Value>, at: &At<'_>) -> Result<Self, String> {
        match v {
            None | Some(Value::Null) => Ok(None),
            Some(v) => T::from_json_value(v, at).map(Some),
        }
    }
}

/// Absent and null are an empty list: a list field means "these items".
impl<T: JsonValue> JsonField for Vec<T> {
    fn shape() -> Shape {
        <Vec<T> as JsonValue>::shape()
    }
    fn from_field(v: Option<&Value>, at: &At<'_>) -> Result<Self, String> {
        match v {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(v) => <Vec<T> as JsonValue>::from_json_value(v, at),
        }
    }
}

/// A JSON scalar picked out by `pick`, or an error naming what was expected.
fn scalar<T>(v: &Value, at: &At<'_>, expected: &str, pick: fn(&Value) -> Option<T>) -> Result<T, String> {
    pick(v).ok_or_else(|| at.error(format_args!("expected {expected}, found {}", describe(v))))
}

impl JsonValue for String {
    fn shape() -> Shape {
        Shape::String
    }
    fn from_json_value(v: &Value, at: &At<'_>) -> Result<Self, String> {
        scalar(v, at, "a string", |v| v.as_str().map(str::to_string))
    }
}

impl JsonValue for bool {
    fn shape() -> Shape {
        Shape::Bool
    }
    fn from_json_value(v: &Value, at: &At<'_>) -> Result<Self, String> {
        scalar(v, at, "a boolean", Value::as_bool)
    }
}

impl JsonValue for i64 {
    fn shape() -> Shape {
        Shape::Integer
    }
    fn from_json_value(v: &Value, at: &At<'_>) -> Result<Self, String> {
        match v {
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Ok(i)
                } else if n.is_u64() {
                    Err(at.error(format_args!("integer {n} is out of range for a signed 64-bit integer")))
                } else {
                    Err(at.error(format_args!("expected an integer, found non-integer number {n}")))
                }
            }
            other => Err(at.error(format_args!("expected an integer, found {}", describe(other)))),
        }
    }
}

/// Items are decoded one by one so an error names the index; a null item is
/// an error, because a list of "nothing" carries no meaning to keep.
impl<T: JsonValue> JsonValue for Vec<T> {
    fn shape() -> Shape {
        Shape::List(Box::new(T::shape()))
    }
    fn from_json_value(v: &Value, at: &At<'_>) -> Result<Self, String> {
        match v {
            Value::Array(items) => {
                items.iter().enumerate().map(|(i, item)| T::from_json_value(item, &at.index(i))).collect()
            }
            other => Err(at.error(format_args!("expected an array, found {}", describe(other)))),
        }
    }
}

/// Decodes a model from a JSON object at `at`; shared by every model's
/// [`JsonValue`] and `Deserialize` implementations.
pub(crate) fn object_of<M: ApiModel>(v: &Value, at: &At<'_>) -> Result<M, String> {
    match v {
        Value::Object(m) => M::from_object(m, at),
        other => Err(match at {
            At::Root => format!("expected a JSON object, found {}", describe(other)),
            _ => at.error(format_args!("expected an object, found {}", describe(other))),
        }),
    }
}

/// Declares an API model: the struct (all fields public and documented),
/// [`ApiModel`], [`JsonValue`] (so it can nest in other models),
/// `Deserialize` and `Serialize`, and `from_json(body)`. Field types are
/// `Option<String>`, `Option<i64>`, `Option<bool>`, `Option<Model>` or
/// `Vec<Model>` (or `Vec` of a scalar); each field's doc comment is its
/// description wherever the field is shown.
macro_rules! api_model {
    (
        $(#[doc = $sdoc:literal])*
        pub struct $name:ident {
            $( $(#[doc = $doc:literal])+ $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[doc = $sdoc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
        // `pub` for the public `oms::SyncTask`; models in crate-private modules inherit it.
        #[allow(unreachable_pub)]
        pub struct $name {
            $( $(#[doc = $doc])+ pub $field: $ty ),*
        }

        impl $crate::oms::json::ApiModel for $name {
            const FIELDS: &'static [$crate::oms::json::ApiField] = &[$(
                $crate::oms::json::ApiField {
                    name: stringify!($field),
                    doc: &[$($doc),+],
                    shape: <$ty as $crate::oms::json::JsonField>::shape,
                }
            ),*];

            fn from_object(
                map: &serde_json::Map<String, serde_json::Value>,
                at: &$crate::oms::json::At<'_>,
            ) -> Result<Self, String> {
                Ok(Self {$(
                    $field: $crate::oms::json::JsonField::from_field(map.get(stringify!($field)), &at.field(stringify!($field)))?
                ),*})
            }
        }

        impl $crate::oms::json::JsonValue for $name {
            fn shape() -> $crate::oms::json::Shape {
                $crate::oms::json::Shape::Object(<Self as $crate::oms::json::ApiModel>::FIELDS)
            }
            fn from_json_value(v: &serde_json::Value, at: &$crate::oms::json::At<'_>) -> Result<Self, String> {
                $crate::oms::json::object_of(v, at)
            }
        }

        impl $name {
            /// Decodes a response body; the error text names the field at fault.
            #[allow(dead_code)] // a model that only ever nests is never a whole body
            #[allow(unreachable_pub)] // as for the struct
            pub fn from_json(body: &[u8]) -> Result<Self, String> {
                serde_json::from_slice::<Self>(body).map_err(|e| e.to_string())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
                $crate::oms::json::object_of(&value, &$crate::oms::json::At::Root)
                    .map_err(<D::Error as serde::de::Error>::custom)
            }
        }
    };
}
pub(crate) use api_model;

#[cfg(test)]
mod tests {
    use super::*;

    api_model! {
        /// A nested object.
        pub struct Cdn {
            /// The domain.
            domain: Option<String>,
            /// Whether it is on.
            on: Option<bool>,
        }
    }

    api_model! {
        /// A list entry.
        pub struct Point {
            /// When, in milliseconds.
            time_stamp: Option<i64>,
            /// How many.
            statistic_num: Option<i64>,
        }
    }

    api_model! {
        /// A model with every kind of field.
        pub struct Sample {
            /// The name.
            /// Second line.
            name: Option<String>,
            /// A nested object.
            source_cdn: Option<Cdn>,
            /// A list of objects.
            data: Vec<Point>,
            /// A list that may be null.
            tags: Option<Vec<String>>,
        }
    }

    #[test]
    fn fields_describe_the_model() {
        let names: Vec<_> = Sample::FIELDS.iter().map(|f| f.name).collect();
        assert_eq!(names, ["name", "source_cdn", "data", "tags"]);
        assert_eq!(Sample::FIELDS[0].description(), "The name. Second line.");
        assert_eq!((Sample::FIELDS[0].shape)(), Shape::String);
        assert_eq!((Sample::FIELDS[1].shape)(), Shape::Object(Cdn::FIELDS));
        assert_eq!((Sample::FIELDS[2].shape)(), Shape::List(Box::new(Shape::Object(Point::FIELDS))));
        assert_eq!((Sample::FIELDS[3].shape)(), Shape::List(Box::new(Shape::String)));
        assert_eq!((Point::FIELDS[0].shape)(), Shape::Integer);
        assert_eq!((Cdn::FIELDS[1].shape)(), Shape::Bool);
    }

    #[test]
    fn nested_objects_and_lists_decode() {
        let s = Sample::from_json(
            br#"{"name":"n","source_cdn":{"domain":"d","x":1},"data":[{"time_stamp":1,"statistic_num":2},{}],"tags":["a"]}"#,
        )
        .unwrap();
        assert_eq!(s.source_cdn, Some(Cdn { domain: Some("d".into()), on: None }));
        assert_eq!(s.data.len(), 2);
        assert_eq!(s.data[0], Point { time_stamp: Some(1), statistic_num: Some(2) });
        assert_eq!(s.data[1], Point::default());
        assert_eq!(s.tags, Some(vec!["a".to_string()]));
        let empty = Sample::from_json(br#"{"source_cdn":null,"data":null,"tags":null}"#).unwrap();
        assert_eq!(empty, Sample::default());
        assert_eq!(Sample::from_json(b"{}").unwrap(), Sample::default());
    }

    #[test]
    fn errors_name_the_nested_field() {
        let cases = [
            (r#"{"source_cdn":{"domain":5}}"#, "field `source_cdn.domain`: expected a string, found a number"),
            (r#"{"source_cdn":"x"}"#, "field `source_cdn`: expected an object, found a string"),
            (r#"{"data":{}}"#, "field `data`: expected an array, found an object"),
            (
                r#"{"data":[{}, {"time_stamp":1.5}]}"#,
                "field `data[1].time_stamp`: expected an integer, found non-integer number 1.5",
            ),
            (r#"{"data":[null]}"#, "field `data[0]`: expected an object, found null"),
            (r#"{"tags":[true]}"#, "field `tags[0]`: expected a string, found a boolean"),
            (r#"[]"#, "expected a JSON object, found an array"),
        ];
        for (json, want) in cases {
            let err = Sample::from_json(json.as_bytes()).unwrap_err();
            assert!(err.starts_with(want), "{json}: {err}");
        }
    }

    #[test]
    fn serialises_every_field_by_name() {
        let s = Sample { source_cdn: Some(Cdn { domain: Some("d".into()), on: None }), ..Sample::default() };
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"name": null, "source_cdn": {"domain": "d", "on": null}, "data": [], "tags": null})
        );
    }
}
