//! Terraform's type system (cty types) as far as a provider needs it.
//!
//! A type travels twice on the wire: as JSON inside a schema attribute (where a
//! malformed value makes Terraform panic, so rendering must be exact) and
//! implicitly as the shape the msgpack codec follows.

use std::collections::BTreeMap;

/// A cty type. Object attribute maps are ordered so rendering and encoding are
/// deterministic (Terraform itself sorts object keys when it encodes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    /// `true`/`false`.
    Bool,
    /// Arbitrary-precision; int64 values such as task ids must survive unrounded.
    Number,
    /// UTF-8 text.
    String,
    /// A value whose type is only known at run time; encoded with its type.
    Dynamic,
    /// Ordered elements of one type.
    List(Box<Type>),
    /// Unordered, deduplicated elements of one type.
    Set(Box<Type>),
    /// String keys to values of one type.
    Map(Box<Type>),
    /// A fixed set of named attributes, each with its own type; what a block's value is.
    Object(BTreeMap<String, Type>),
    /// A fixed sequence of element types.
    Tuple(Vec<Type>),
}

impl Type {
    /// Spares callers the `Box::new`, so schemas read like the types they declare.
    pub fn list(element: Type) -> Type {
        Type::List(Box::new(element))
    }
    /// See [`Type::list`].
    pub fn set(element: Type) -> Type {
        Type::Set(Box::new(element))
    }
    /// See [`Type::list`].
    pub fn map(element: Type) -> Type {
        Type::Map(Box::new(element))
    }
    /// An object type from `(name, type)` pairs, in any order (the map sorts them).
    pub fn object<I, K>(attributes: I) -> Type
    where
        I: IntoIterator<Item = (K, Type)>,
        K: Into<String>,
    {
        Type::Object(attributes.into_iter().map(|(k, t)| (k.into(), t)).collect())
    }

    /// The JSON form Terraform expects in `Schema.Attribute.type`
    /// (`cty/json.go`): primitives as strings, collections as `[kind, elem]`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{json, Value as J};
        match self {
            Type::Bool => json!("bool"),
            Type::Number => json!("number"),
            Type::String => json!("string"),
            Type::Dynamic => json!("dynamic"),
            Type::List(e) => json!(["list", e.to_json()]),
            Type::Set(e) => json!(["set", e.to_json()]),
            Type::Map(e) => json!(["map", e.to_json()]),
            Type::Object(attrs) => {
                let m: serde_json::Map<String, J> = attrs.iter().map(|(k, t)| (k.clone(), t.to_json())).collect();
                json!(["object", J::Object(m)])
            }
            Type::Tuple(elems) => {
                json!(["tuple", J::Array(elems.iter().map(Type::to_json).collect())])
            }
        }
    }

    /// The bytes placed in `Schema.Attribute.type`.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        // Serialising a `serde_json::Value` cannot fail.
        serde_json::to_vec(&self.to_json()).unwrap_or_default()
    }

    /// Parses the JSON type notation. Used for dynamic values, whose type
    /// arrives from the peer, so it is strict and depth-limited.
    pub fn from_json(v: &serde_json::Value) -> Result<Type, String> {
        Self::from_json_depth(v, 0)
    }

    fn from_json_depth(v: &serde_json::Value, depth: usize) -> Result<Type, String> {
        use serde_json::Value as J;
        if depth > MAX_TYPE_DEPTH {
            return Err("type is nested too deeply".into());
        }
        match v {
            J::String(s) => match s.as_str() {
                "bool" => Ok(Type::Bool),
                "number" => Ok(Type::Number),
                "string" => Ok(Type::String),
                "dynamic" => Ok(Type::Dynamic),
                other => Err(format!("unknown primitive type {other:?}")),
            },
            J::Array(parts) if parts.len() >= 2 => {
                let kind = parts[0].as_str().ok_or("type kind must be a string")?;
                match kind {
                    "list" | "set" | "map" if parts.len() == 2 => {
                        let e = Box::new(Self::from_json_depth(&parts[1], depth + 1)?);
                        Ok(match kind {
                            "list" => Type::List(e),
                            "set" => Type::Set(e),
                            _ => Type::Map(e),
                        })
                    }
                    "object" if parts.len() <= 3 => {
                        let attrs = parts[1].as_object().ok_or("object attributes must be a map")?;
                        let mut out = BTreeMap::new();
                        for (k, t) in attrs {
                            out.insert(k.clone(), Self::from_json_depth(t, depth + 1)?);
                        }
                        Ok(Type::Object(out))
                    }
                    "tuple" if parts.len() == 2 => {
                        let elems = parts[1].as_array().ok_or("tuple elements must be a list")?;
                        elems
                            .iter()
                            .map(|t| Self::from_json_depth(t, depth + 1))
                            .collect::<Result<Vec<_>, _>>()
                            .map(Type::Tuple)
                    }
                    other => Err(format!("unknown type kind {other:?}")),
                }
            }
            _ => Err("malformed type".into()),
        }
    }

    /// A short human name for diagnostics ("list of string").
    pub fn friendly_name(&self) -> String {
        match self {
            Type::Bool => "bool".into(),
            Type::Number => "number".into(),
            Type::String => "string".into(),
            Type::Dynamic => "any".into(),
            Type::List(e) => format!("list of {}", e.friendly_name()),
            Type::Set(e) => format!("set of {}", e.friendly_name()),
            Type::Map(e) => format!("map of {}", e.friendly_name()),
            Type::Object(_) => "object".into(),
            Type::Tuple(_) => "tuple".into(),
        }
    }
}

/// Bound on type nesting read from the wire, so hostile input cannot exhaust
/// the stack.
pub const MAX_TYPE_DEPTH: usize = 32;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_rendering_matches_cty_notation() {
        let t = Type::object([("a", Type::String), ("b", Type::list(Type::Number)), ("c", Type::map(Type::Bool))]);
        assert_eq!(
            String::from_utf8(t.to_json_bytes()).unwrap(),
            r#"["object",{"a":"string","b":["list","number"],"c":["map","bool"]}]"#
        );
        assert_eq!(Type::set(Type::Dynamic).to_json_bytes(), br#"["set","dynamic"]"#);
    }

    #[test]
    fn json_round_trip_and_rejects_garbage() {
        for t in [Type::Tuple(vec![Type::String, Type::Number]), Type::object([("x", Type::set(Type::String))])] {
            assert_eq!(Type::from_json(&t.to_json()).unwrap(), t);
        }
        for bad in [r#""int""#, r#"["list"]"#, r#"["list","string","x"]"#, "3", r#"["nope","string"]"#] {
            let v: serde_json::Value = serde_json::from_str(bad).unwrap();
            assert!(Type::from_json(&v).is_err(), "{bad}");
        }
        let mut deep = serde_json::json!("string");
        for _ in 0..100 {
            deep = serde_json::json!(["list", deep]);
        }
        assert!(Type::from_json(&deep).is_err());
    }
}
