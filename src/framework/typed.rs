//! Typed configuration, after terraform-plugin-framework's `tfsdk:"…"`
//! models: a configuration is decoded once into a struct, so validation and
//! configure read fields instead of attribute-name strings, and a value of the
//! wrong shape becomes one diagnostic at its attribute path instead of a
//! silent `None` deep inside some check.
//!
//! Declare a struct with [`tf_object!`](crate::framework::typed::tf_object);
//! each field name is the attribute name, written once. Fields are usually
//! [`Attr<T>`], which keeps null and unknown apart from a known value because
//! Terraform sends unknowns during validation and plan.

use std::collections::BTreeMap;

use super::diagnostics::{AttributePath, Diagnostic};
use super::value::{Number, Value};

/// One configuration attribute as Terraform sent it.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Attr<T> {
    /// Not set in the configuration.
    #[default]
    Null,
    /// Set from something only known later (e.g. a resource attribute).
    Unknown,
    /// Set, with this value.
    Known(T),
}

impl<T> Attr<T> {
    /// The value when known; `None` for null and unknown alike.
    pub fn known(&self) -> Option<&T> {
        match self {
            Attr::Known(v) => Some(v),
            Attr::Null | Attr::Unknown => None,
        }
    }
    /// Not set.
    pub fn is_null(&self) -> bool {
        matches!(self, Attr::Null)
    }
    /// Known only later; checks must let it pass.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Attr::Unknown)
    }
}

impl Attr<String> {
    /// The string when known.
    pub fn as_str(&self) -> Option<&str> {
        self.known().map(String::as_str)
    }
}

/// Decoding from a Terraform value of the schema's type.
pub(crate) trait FromValue: Sized {
    /// `path` locates `value` in the configuration, for the diagnostic.
    fn from_value(value: &Value, path: &AttributePath) -> Result<Self, Diagnostic>;
}

/// The reverse of [`FromValue`], for echoing configuration into state.
pub(crate) trait ToValue {
    /// The value of the schema's type.
    fn to_value(&self) -> Value;
}

/// The diagnostic for a value whose shape differs from the Rust type. It
/// cannot happen with Terraform, which converts configuration to the schema's
/// types before sending it; it means the schema and the struct disagree.
pub(crate) fn mismatch(expected: &str, found: &Value, path: &AttributePath) -> Diagnostic {
    let at = if path.0.is_empty() { "the configuration".to_string() } else { format!("`{path}`") };
    let d = Diagnostic::error(
        "Configuration value of an unexpected type",
        format!(
            "Expected {expected} for {at}, got {}. Terraform converts configuration to the schema's types, so the schema and the provider's model disagree: this is a bug in the provider; please report it.",
            kind_of(found)
        ),
    );
    if path.0.is_empty() {
        d
    } else {
        d.at(path.clone())
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Unknown(_) => "an unknown value",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::List(_) => "a list",
        Value::Set(_) => "a set",
        Value::Map(_) => "a map",
        Value::Object(_) => "an object",
        Value::Tuple(_) => "a tuple",
    }
}

impl<T: FromValue> FromValue for Attr<T> {
    fn from_value(value: &Value, path: &AttributePath) -> Result<Self, Diagnostic> {
        match value {
            Value::Null => Ok(Attr::Null),
            Value::Unknown(_) => Ok(Attr::Unknown),
            known => T::from_value(known, path).map(Attr::Known),
        }
    }
}

impl<T: ToValue> ToValue for Attr<T> {
    fn to_value(&self) -> Value {
        match self {
            Attr::Null => Value::Null,
            Attr::Unknown => Value::unknown(),
            Attr::Known(v) => v.to_value(),
        }
    }
}

impl FromValue for String {
    fn from_value(value: &Value, path: &AttributePath) -> Result<Self, Diagnostic> {
        value.as_str().map(str::to_string).ok_or_else(|| mismatch("a string", value, path))
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::String(self.clone())
    }
}

impl FromValue for bool {
    fn from_value(value: &Value, path: &AttributePath) -> Result<Self, Diagnostic> {
        value.as_bool().ok_or_else(|| mismatch("a bool", value, path))
    }
}

impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Bool(*self)
    }
}

/// Numbers stay [`Number`]: a range check wants to quote what was written
/// (`1.5`, `-1`), which an `i64` could not hold.
impl FromValue for Number {
    fn from_value(value: &Value, path: &AttributePath) -> Result<Self, Diagnostic> {
        value.as_number().cloned().ok_or_else(|| mismatch("a number", value, path))
    }
}

impl ToValue for Number {
    fn to_value(&self) -> Value {
        Value::Number(self.clone())
    }
}

impl<T: FromValue> FromValue for BTreeMap<String, T> {
    fn from_value(value: &Value, path: &AttributePath) -> Result<Self, Diagnostic> {
        match value {
            Value::Map(m) => m.iter().map(|(k, v)| Ok((k.clone(), T::from_value(v, &path.clone().key(k))?))).collect(),
            other => Err(mismatch("a map", other, path)),
        }
    }
}

impl<T: ToValue> ToValue for BTreeMap<String, T> {
    fn to_value(&self) -> Value {
        Value::Map(self.iter().map(|(k, v)| (k.clone(), v.to_value())).collect())
    }
}

/// Lists and sets alike; a set's order is Terraform's.
impl<T: FromValue> FromValue for Vec<T> {
    fn from_value(value: &Value, path: &AttributePath) -> Result<Self, Diagnostic> {
        match value {
            Value::List(items) | Value::Set(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| T::from_value(v, &path.clone().index(i64::try_from(i).unwrap_or(i64::MAX))))
                .collect(),
            other => Err(mismatch("a list", other, path)),
        }
    }
}

impl<T: ToValue> ToValue for Vec<T> {
    fn to_value(&self) -> Value {
        Value::List(self.iter().map(ToValue::to_value).collect())
    }
}

/// Decodes a whole configuration (the root object), adding the diagnostic on
/// failure so callers can stop on `has_errors` as with any other check.
pub(crate) fn decode<T: FromValue>(config: &Value, diagnostics: &mut super::diagnostics::Diagnostics) -> Option<T> {
    match T::from_value(config, &AttributePath::default()) {
        Ok(t) => Some(t),
        Err(d) => {
            diagnostics.push(d);
            None
        }
    }
}

/// A configuration object with every one of `attributes` null except those
/// in `set`: the sparse shape Terraform sends, for tests of typed configs.
#[cfg(test)]
pub(crate) fn sparse_object(attributes: &[&str], set: &[(&str, Value)]) -> Value {
    let mut m: BTreeMap<String, Value> = attributes.iter().map(|a| (a.to_string(), Value::Null)).collect();
    for (k, v) in set {
        m.insert(k.to_string(), v.clone());
    }
    Value::Object(m)
}

/// Declares a configuration struct whose field names are its attribute
/// names, and implements [`FromValue`] and [`ToValue`] for it. An attribute
/// missing from the object decodes as null, as Terraform means it.
///
/// ```ignore
/// tf_object! {
///     /// The `timeouts` block.
///     pub struct Timeouts {
///         pub read: Attr<String>,
///     }
/// }
/// ```
macro_rules! tf_object {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$fmeta:meta])* $fvis:vis $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $(
                #[doc = concat!("The `", stringify!($field), "` attribute.")]
                $(#[$fmeta])* $fvis $field: $ty
            ),*
        }

        impl $name {
            /// The attribute names, in declaration order.
            #[allow(dead_code)]
            pub(crate) const ATTRIBUTES: &'static [&'static str] = &[$(stringify!($field)),*];
        }

        impl $crate::framework::typed::FromValue for $name {
            fn from_value(
                value: &$crate::framework::value::Value,
                path: &$crate::framework::diagnostics::AttributePath,
            ) -> Result<Self, $crate::framework::diagnostics::Diagnostic> {
                match value {
                    $crate::framework::value::Value::Object(_) => Ok(Self {
                        $( $field: $crate::framework::typed::FromValue::from_value(
                            value.get(stringify!($field)),
                            &path.clone().attribute(stringify!($field)),
                        )? ),*
                    }),
                    other => Err($crate::framework::typed::mismatch("an object", other, path)),
                }
            }
        }

        impl $crate::framework::typed::ToValue for $name {
            fn to_value(&self) -> $crate::framework::value::Value {
                $crate::framework::value::Value::Object(
                    [$( (stringify!($field).to_string(), $crate::framework::typed::ToValue::to_value(&self.$field)) ),*]
                        .into_iter()
                        .collect(),
                )
            }
        }
    };
}
pub(crate) use tf_object;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::diagnostics::Diagnostics;

    tf_object! {
        #[derive(Debug, PartialEq)]
        struct Inner {
            read: Attr<String>,
        }
    }

    tf_object! {
        #[derive(Debug, PartialEq)]
        struct Sample {
            name: Attr<String>,
            count: Attr<Number>,
            flag: Attr<bool>,
            endpoints: Attr<BTreeMap<String, Attr<String>>>,
            tags: Attr<Vec<String>>,
            inner: Attr<Inner>,
        }
    }

    fn object(pairs: &[(&str, Value)]) -> Value {
        Value::Object(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    fn path_of(config: &Value) -> Option<String> {
        let mut d = Diagnostics::new();
        let decoded = decode::<Sample>(config, &mut d);
        assert_eq!(decoded.is_none(), d.has_errors());
        let first = d.iter().next().map(|x| x.path.as_ref().map(ToString::to_string).unwrap_or_default());
        first
    }

    #[test]
    fn null_unknown_and_known_stay_apart() {
        let config = object(&[
            ("name", Value::string("n")),
            ("count", Value::unknown()),
            ("flag", Value::Null),
            ("endpoints", Value::Map([("oms".to_string(), Value::Null)].into())),
            ("tags", Value::List(vec![Value::string("a")])),
            ("inner", object(&[("read", Value::string("5m"))])),
        ]);
        let mut d = Diagnostics::new();
        let s = decode::<Sample>(&config, &mut d).unwrap();
        assert!(d.is_empty());
        assert_eq!(s.name.as_str(), Some("n"));
        assert!(s.count.is_unknown() && s.count.known().is_none());
        assert!(s.flag.is_null() && !s.flag.is_unknown());
        assert_eq!(s.endpoints.known().unwrap()["oms"], Attr::Null);
        assert_eq!(s.tags, Attr::Known(vec!["a".to_string()]));
        assert_eq!(s.inner.known().unwrap().read.as_str(), Some("5m"));
        assert_eq!(Sample::ATTRIBUTES, ["name", "count", "flag", "endpoints", "tags", "inner"]);
        // Round trip: what was decoded is what is echoed.
        assert_eq!(s.to_value(), config);
    }

    #[test]
    fn missing_attributes_are_null() {
        let s = Sample::from_value(&object(&[]), &AttributePath::default()).unwrap();
        assert!(s.name.is_null() && s.inner.is_null() && s.endpoints.is_null());
    }

    #[test]
    fn wrong_types_are_diagnostics_at_their_path() {
        assert_eq!(path_of(&object(&[("name", Value::int(1))])).as_deref(), Some("name"));
        assert_eq!(path_of(&object(&[("count", Value::string("1"))])).as_deref(), Some("count"));
        assert_eq!(path_of(&object(&[("flag", Value::string("true"))])).as_deref(), Some("flag"));
        let eps = Value::Map([("oms".to_string(), Value::Bool(true))].into());
        assert_eq!(path_of(&object(&[("endpoints", eps)])).as_deref(), Some("endpoints[\"oms\"]"));
        let tags = Value::List(vec![Value::string("a"), Value::int(2)]);
        assert_eq!(path_of(&object(&[("tags", tags)])).as_deref(), Some("tags[1]"));
        let inner = object(&[("read", Value::Bool(false))]);
        assert_eq!(path_of(&object(&[("inner", inner)])).as_deref(), Some("inner.read"));
        assert_eq!(path_of(&object(&[("inner", Value::string("x"))])).as_deref(), Some("inner"));
        // The root itself: no path, and the detail says where.
        let mut d = Diagnostics::new();
        assert!(decode::<Sample>(&Value::string("x"), &mut d).is_none());
        let diag = d.iter().next().unwrap();
        assert!(diag.path.is_none());
        assert!(diag.detail.contains("Expected an object for the configuration, got a string"), "{}", diag.detail);
        // Null and unknown are not wrong types inside an `Attr`, but are for a bare type.
        assert_eq!(path_of(&object(&[("name", Value::Null), ("inner", Value::unknown())])), None);
        let e = String::from_value(&Value::Null, &AttributePath::root("x")).unwrap_err();
        assert_eq!(e.path, Some(AttributePath::root("x")));
        assert!(e.detail.contains("Expected a string for `x`, got null"), "{}", e.detail);
    }
}
