//! The JSON form of `DynamicValue` (`DynamicValue.json`). Terraform only
//! sends msgpack, but the protocol allows JSON and older tooling (and state
//! upgrades) use it, so a request carrying JSON is decoded rather than refused.

use std::collections::BTreeMap;

use serde_json::Value as J;

use super::cty::{self, err, CodecError, Path};
use crate::framework::types::Type;
use crate::framework::value::{Number, Value};

/// Decodes `bytes` (cty's JSON value notation) as a value of type `ty`.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let j: J = serde_json::from_slice(bytes).map_err(|e| err(&Path::Root, format!("invalid JSON: {e}")))?;
    convert(&j, ty, &Path::Root, 0)
}

fn convert(j: &J, ty: &Type, p: &Path<'_>, depth: usize) -> Result<Value, CodecError> {
    cty::check_depth(p, depth)?;
    if j.is_null() {
        return Ok(Value::Null);
    }
    match ty {
        Type::Bool => j.as_bool().map(Value::Bool).ok_or_else(|| cty::required(p, ty)),
        Type::String => j.as_str().map(Value::string).ok_or_else(|| cty::required(p, ty)),
        Type::Number => number(j, p).map(Value::Number),
        Type::List(e) | Type::Set(e) => {
            let items = j.as_array().ok_or_else(|| cty::required(p, ty))?;
            let vals = items
                .iter()
                .enumerate()
                .map(|(i, x)| convert(x, e, &p.index(i), depth + 1))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(cty::sequence(ty, vals))
        }
        Type::Tuple(elems) => {
            let items = j.as_array().ok_or_else(|| cty::required(p, ty))?;
            cty::check_tuple_length(p, items.len(), elems)?;
            items
                .iter()
                .zip(elems)
                .enumerate()
                .map(|(i, (x, t))| convert(x, t, &p.index(i), depth + 1))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Tuple)
        }
        Type::Map(e) => {
            let m = j.as_object().ok_or_else(|| cty::required(p, ty))?;
            let mut out = BTreeMap::new();
            for (k, x) in m {
                out.insert(k.clone(), convert(x, e, &p.key(k), depth + 1)?);
            }
            Ok(Value::Map(out))
        }
        Type::Object(attrs) => object(j.as_object().ok_or_else(|| cty::required(p, ty))?, attrs, p, depth),
        Type::Dynamic => {
            const SHAPE: &str = "dynamic value must be {\"value\", \"type\"}";
            let m = j.as_object().ok_or_else(|| err(p, SHAPE))?;
            let (Some(tv), Some(v)) = (m.get("type"), m.get("value")) else {
                return Err(err(p, SHAPE));
            };
            convert(v, &cty::dynamic_type(p, tv)?, p, depth + 1)
        }
    }
}

fn number(j: &J, p: &Path<'_>) -> Result<Number, CodecError> {
    match j {
        J::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(Number::Int(i))
            } else if let Some(u) = n.as_u64() {
                Ok(Number::UInt(u))
            } else {
                n.as_f64().map(Number::Float).ok_or_else(|| cty::required(p, &Type::Number))
            }
        }
        J::String(s) => cty::parse_number(p, s),
        _ => Err(cty::required(p, &Type::Number)),
    }
}

/// cty's JSON decoder, unlike msgpack's, treats an absent attribute as null.
fn object(
    m: &serde_json::Map<String, J>,
    attrs: &BTreeMap<String, Type>,
    p: &Path<'_>,
    depth: usize,
) -> Result<Value, CodecError> {
    if let Some(k) = m.keys().find(|k| !attrs.contains_key(*k)) {
        return Err(cty::unsupported_attribute(p, k));
    }
    let mut out = BTreeMap::new();
    for (k, t) in attrs {
        let v = match m.get(k) {
            Some(x) => convert(x, t, &p.key(k), depth + 1)?,
            None => Value::Null,
        };
        out.insert(k.clone(), v);
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::cty_strategies::{arb_typed_value, Codec};
    use proptest::prelude::*;

    /// cty's JSON value notation for a wholly known value (the provider never
    /// writes JSON, so the encoder lives here).
    fn to_json(v: &Value) -> J {
        match v {
            Value::Null | Value::Unknown(_) => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Number(Number::Int(i)) => J::from(*i),
            Value::Number(Number::UInt(u)) => J::from(*u),
            Value::Number(Number::Float(f)) => J::from(*f),
            Value::Number(Number::Decimal(s)) | Value::String(s) => J::String(s.clone()),
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                J::Array(items.iter().map(to_json).collect())
            }
            Value::Map(m) | Value::Object(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
        }
    }

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
        fn round_trip((ty, v) in arb_typed_value(Codec::Json)) {
            let bytes = serde_json::to_vec(&to_json(&v)).unwrap();
            prop_assert_eq!(decode(&bytes, &ty).unwrap(), v);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..128)) {
            let _ = decode(&bytes, &Type::object([("a", Type::list(Type::Dynamic))]));
            let _ = decode(&bytes, &Type::Dynamic);
        }
    }
}
