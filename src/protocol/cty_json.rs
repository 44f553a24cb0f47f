//! The JSON form of `DynamicValue` (`DynamicValue.json`). Terraform only
//! sends msgpack, but the protocol allows JSON and older tooling (and state
//! upgrades) use it, so a request carrying JSON is decoded rather than refused.

use std::collections::BTreeMap;

use serde_json::Value as J;

use super::cty_msgpack::{child, err as fail, CodecError};
use crate::framework::types::{Type, MAX_TYPE_DEPTH};
use crate::framework::value::{Number, Value};

pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let j: J = serde_json::from_slice(bytes)
        .map_err(|e| CodecError { message: format!("invalid JSON: {e}"), path: String::new() })?;
    convert(&j, ty, "", 0)
}

fn convert(j: &J, ty: &Type, p: &str, depth: usize) -> Result<Value, CodecError> {
    if depth > MAX_TYPE_DEPTH * 2 {
        return Err(fail(p, "value is nested too deeply"));
    }
    if j.is_null() {
        return Ok(Value::Null);
    }
    match ty {
        Type::Bool => j.as_bool().map(Value::Bool).ok_or_else(|| fail(p, "bool required")),
        Type::String => j.as_str().map(Value::string).ok_or_else(|| fail(p, "string required")),
        Type::Number => match j {
            J::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Ok(Value::int(i))
                } else if let Some(u) = n.as_u64() {
                    Ok(Value::Number(Number::UInt(u)))
                } else {
                    n.as_f64().map(|f| Value::Number(Number::Float(f))).ok_or_else(|| fail(p, "number required"))
                }
            }
            J::String(s) => {
                Number::parse(s).map(Value::Number).ok_or_else(|| fail(p, format!("{s:?} is not a valid number")))
            }
            _ => Err(fail(p, "number required")),
        },
        Type::List(e) | Type::Set(e) => {
            let items = j.as_array().ok_or_else(|| fail(p, format!("{} required", ty.friendly_name())))?;
            let vals = items
                .iter()
                .enumerate()
                .map(|(i, x)| convert(x, e, &child(p, &i.to_string()), depth + 1))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(if matches!(ty, Type::List(_)) { Value::List(vals) } else { Value::Set(vals) })
        }
        Type::Tuple(elems) => {
            let items = j.as_array().ok_or_else(|| fail(p, "tuple required"))?;
            if items.len() != elems.len() {
                return Err(fail(p, format!("a tuple of length {} is required", elems.len())));
            }
            items
                .iter()
                .zip(elems)
                .enumerate()
                .map(|(i, (x, t))| convert(x, t, &child(p, &i.to_string()), depth + 1))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Tuple)
        }
        Type::Map(e) => {
            let m = j.as_object().ok_or_else(|| fail(p, format!("{} required", ty.friendly_name())))?;
            let mut out = BTreeMap::new();
            for (k, x) in m {
                out.insert(k.clone(), convert(x, e, &child(p, k), depth + 1)?);
            }
            Ok(Value::Map(out))
        }
        Type::Object(attrs) => {
            let m = j.as_object().ok_or_else(|| fail(p, "object required"))?;
            if let Some(k) = m.keys().find(|k| !attrs.contains_key(*k)) {
                return Err(fail(p, format!("unsupported attribute {k:?}")));
            }
            let mut out = BTreeMap::new();
            for (k, t) in attrs {
                // cty's JSON decoder treats an absent attribute as null.
                let v = match m.get(k) {
                    Some(x) => convert(x, t, &child(p, k), depth + 1)?,
                    None => Value::Null,
                };
                out.insert(k.clone(), v);
            }
            Ok(Value::Object(out))
        }
        Type::Dynamic => {
            let m = j.as_object().ok_or_else(|| fail(p, "dynamic value must be {\"value\", \"type\"}"))?;
            let (Some(tv), Some(v)) = (m.get("type"), m.get("value")) else {
                return Err(fail(p, "dynamic value must be {\"value\", \"type\"}"));
            };
            let t = Type::from_json(tv).map_err(|e| fail(p, e))?;
            if t == Type::Dynamic {
                return Err(fail(p, "dynamic value cannot have dynamic type"));
            }
            convert(v, &t, p, depth + 1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decodes_objects_with_absent_attributes_as_null() {
        let ty = Type::object([("a", Type::String), ("n", Type::Number), ("m", Type::map(Type::Bool))]);
        let v = decode(br#"{"a":"x","n":9223372036854775807}"#, &ty).unwrap();
        assert_eq!(v.get("a"), &Value::string("x"));
        assert_eq!(v.get("n").as_number().unwrap().as_i64(), Some(i64::MAX));
        assert!(v.get("m").is_null());
        assert!(decode(br#"{"zz":1}"#, &ty).is_err());
        assert!(decode(br#"{"n":"12x"}"#, &ty).is_err());
        assert_eq!(decode(br#"{"n":"12"}"#, &ty).unwrap().get("n"), &Value::int(12));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..128)) {
            let _ = decode(&bytes, &Type::object([("a", Type::list(Type::Dynamic))]));
            let _ = decode(&bytes, &Type::Dynamic);
        }
    }
}
