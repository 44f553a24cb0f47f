//! Values as Terraform sees them: every value may be null or unknown, at any
//! depth. Provider code must handle both, because Terraform sends unknowns in
//! validation and during plan (e.g. an attribute fed by an unset variable).

use std::collections::BTreeMap;
use std::fmt;

use super::types::Type;

/// A cty number. Terraform numbers are arbitrary-precision decimals; most
/// values are exact 64-bit integers, so those stay integers here and never
/// pass through `f64` (which would corrupt values above 2^53).
#[derive(Clone, Debug)]
pub enum Number {
    /// The common case (ids, counts, sizes), kept exact.
    Int(i64),
    /// Integers in `(i64::MAX, u64::MAX]`, which msgpack can carry natively.
    UInt(u64),
    /// A non-integer that `f64` represents exactly enough (msgpack float64).
    Float(f64),
    /// A decimal that fits neither of the above, kept as its canonical text.
    Decimal(String),
}

impl Number {
    /// The value as an exact `i64`, if it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Number::Int(i) => Some(*i),
            Number::UInt(u) => i64::try_from(*u).ok(),
            Number::Float(f) => {
                if f.fract() == 0.0 && *f >= -9.223_372_036_854_776e18 && *f < 9.223_372_036_854_776e18 {
                    Some(*f as i64)
                } else {
                    None
                }
            }
            Number::Decimal(s) => parse_decimal(s).and_then(|n| match n {
                Number::Decimal(_) => None,
                other => other.as_i64(),
            }),
        }
    }

    /// Parses Terraform's decimal-string form of a number (cty writes numbers
    /// that are neither int64 nor exact float64 as strings).
    pub fn parse(text: &str) -> Option<Number> {
        parse_decimal(text)
    }
}

fn parse_decimal(text: &str) -> Option<Number> {
    let t = text.trim();
    if t.is_empty() || t.len() > 4096 {
        return None;
    }
    if let Ok(i) = t.parse::<i64>() {
        return Some(Number::Int(i));
    }
    if let Ok(u) = t.parse::<u64>() {
        return Some(Number::UInt(u));
    }
    // Integral text with a trailing ".0…" is still an integer.
    if let Some((int, frac)) = t.split_once('.') {
        if !frac.is_empty() && frac.bytes().all(|b| b == b'0') {
            if let Some(n @ (Number::Int(_) | Number::UInt(_))) = parse_decimal(int) {
                return Some(n);
            }
        }
    }
    let f: f64 = t.parse().ok()?;
    if f.is_nan() {
        return None;
    }
    // Keep the text when f64 would lose digits (e.g. huge integers).
    let digits = t.trim_start_matches(['-', '+']).chars().filter(|c| c.is_ascii_digit()).count();
    if f.is_finite() && digits > 15 && !t.contains(['e', 'E']) {
        return Some(Number::Decimal(t.to_string()));
    }
    Some(Number::Float(f))
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        match (self.as_i64(), other.as_i64()) {
            (Some(a), Some(b)) => a == b,
            _ => match (self, other) {
                (Number::UInt(a), Number::UInt(b)) => a == b,
                (Number::Float(a), Number::Float(b)) => a == b,
                (Number::Decimal(a), Number::Decimal(b)) => a == b,
                _ => false,
            },
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::UInt(u) => write!(f, "{u}"),
            Number::Float(x) => write!(f, "{x}"),
            Number::Decimal(s) => f.write_str(s),
        }
    }
}

/// What Terraform already knows about an unknown value (cty "refinements",
/// msgpack ext 12). Kept so that nothing we receive is silently misread; the
/// provider only ever produces unrefined unknowns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Refinements {
    /// Terraform knows the value will not be null once known.
    pub definitely_not_null: bool,
    /// Terraform knows the string will start with this.
    pub string_prefix: Option<String>,
}

/// A dynamically typed Terraform value, as decoded from (and encoded to) the wire; its
/// [`Type`] comes from the schema, not from the value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Not set; any type may be null.
    Null,
    /// Not yet known (during validation and plan); any type may be unknown.
    Unknown(Refinements),
    /// A known `bool`.
    Bool(bool),
    /// A known `number`.
    Number(Number),
    /// A known `string`.
    String(String),
    /// A known `list`, in order.
    List(Vec<Value>),
    /// A known `set`, in the order received (Terraform does not care).
    Set(Vec<Value>),
    /// A known `map`.
    Map(BTreeMap<String, Value>),
    /// Objects and blocks: exactly one entry per attribute of the type.
    Object(BTreeMap<String, Value>),
    /// A known `tuple`, one element per element type.
    Tuple(Vec<Value>),
}

impl Value {
    /// The unknown the provider answers for "known after apply": never refined.
    pub fn unknown() -> Value {
        Value::Unknown(Refinements::default())
    }
    /// Shorthand that keeps state-building code readable.
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }
    /// Shorthand for an exact integer number.
    pub fn int(i: i64) -> Value {
        Value::Number(Number::Int(i))
    }
    /// Null for an absent API field, so state says "not returned" rather than `""`.
    pub fn opt_string(s: Option<impl Into<String>>) -> Value {
        s.map_or(Value::Null, |s| Value::String(s.into()))
    }
    /// Null for an absent API field rather than `0`.
    pub fn opt_int(i: Option<i64>) -> Value {
        i.map_or(Value::Null, Value::int)
    }
    /// Null for an absent API field rather than `false`.
    pub fn opt_bool(b: Option<bool>) -> Value {
        b.map_or(Value::Null, Value::Bool)
    }

    /// Whether the value is null (unset), which every attribute may be.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
    /// Whether the value is unknown at this level (inner values may still be unknown).
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown(_))
    }
    /// True when the value and everything inside it is known.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown(_) => false,
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => v.iter().all(Value::is_wholly_known),
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    /// An attribute of an object value; null for a null object and for a
    /// missing attribute, unknown for an unknown object.
    pub fn get(&self, name: &str) -> &Value {
        static NULL: Value = Value::Null;
        static UNKNOWN: Value = Value::Unknown(Refinements { definitely_not_null: false, string_prefix: None });
        match self {
            Value::Object(m) => m.get(name).unwrap_or(&NULL),
            Value::Unknown(_) => &UNKNOWN,
            _ => &NULL,
        }
    }

    /// The text of a known string; `None` for null, unknown or another type.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
    /// A known bool; `None` otherwise.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    /// A known number; `None` otherwise.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }
    /// The entries of a known map or object; `None` otherwise.
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(m) | Value::Object(m) => Some(m),
            _ => None,
        }
    }
}

/// Converts a JSON document into a value of type `ty`: how an API model
/// (serialised by serde) becomes state without a hand-written mapping per
/// field. JSON null is null at any depth, an object attribute missing from
/// the document is null, and object keys the type does not name are ignored.
/// Integers stay exact; only `i64`-range integers are accepted for numbers.
pub fn from_json(json: &serde_json::Value, ty: &Type) -> Result<Value, String> {
    use serde_json::Value as J;
    let mismatch = |what: &str| Err(format!("expected {what}, found {json}"));
    match (ty, json) {
        (_, J::Null) => Ok(Value::Null),
        (Type::String, J::String(s)) => Ok(Value::String(s.clone())),
        (Type::Bool, J::Bool(b)) => Ok(Value::Bool(*b)),
        (Type::Number, J::Number(n)) => match n.as_i64() {
            Some(i) => Ok(Value::int(i)),
            None => mismatch("a 64-bit integer"),
        },
        (Type::List(e), J::Array(items)) => {
            items.iter().map(|v| from_json(v, e)).collect::<Result<_, _>>().map(Value::List)
        }
        (Type::Object(attrs), J::Object(m)) => attrs
            .iter()
            .map(|(name, t)| {
                let v = m.get(name).map_or(Ok(Value::Null), |v| from_json(v, t)).map_err(|e| format!("{name}: {e}"))?;
                Ok((name.clone(), v))
            })
            .collect::<Result<_, String>>()
            .map(Value::Object),
        (t, _) => mismatch(&t.friendly_name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_documents_become_values_of_their_type() {
        let ty = Type::object([
            ("name", Type::String),
            ("n", Type::Number),
            ("cdn", Type::object([("domain", Type::String), ("on", Type::Bool)])),
            ("data", Type::list(Type::object([("t", Type::Number)]))),
        ]);
        let json = serde_json::json!({"name": "x", "n": 9223372036854775807_i64, "cdn": null,
                                      "data": [{"t": 1}, {"t": null}], "extra": [1]});
        let v = from_json(&json, &ty).unwrap();
        assert_eq!(v.get("n"), &Value::int(i64::MAX));
        assert!(v.get("cdn").is_null());
        let row = |t: Value| Value::Object([("t".to_string(), t)].into());
        assert_eq!(v.get("data"), &Value::List(vec![row(Value::int(1)), row(Value::Null)]));
        let v = from_json(&serde_json::json!({"cdn": {"domain": "d"}}), &ty).unwrap();
        assert_eq!(v.get("cdn").get("domain"), &Value::string("d"));
        assert!(v.get("cdn").get("on").is_null() && v.get("data").is_null() && v.get("name").is_null());
        let err = from_json(&serde_json::json!({"cdn": {"on": "yes"}}), &ty).unwrap_err();
        assert!(err.starts_with("cdn: on: expected bool"), "{err}");
        assert!(from_json(&serde_json::json!({"n": 1.5}), &ty).is_err());
    }

    #[test]
    fn numbers_keep_int64_extremes_exact() {
        assert_eq!(Number::parse("9223372036854775807").unwrap().as_i64(), Some(i64::MAX));
        assert_eq!(Number::parse("-9223372036854775808").unwrap().as_i64(), Some(i64::MIN));
        assert_eq!(Number::parse("42.000").unwrap().as_i64(), Some(42));
        assert_eq!(Number::parse("18446744073709551615").unwrap().as_i64(), None);
        assert_eq!(Number::parse("1.5").unwrap().as_i64(), None);
        assert!(matches!(Number::parse("123456789012345678901234567890"), Some(Number::Decimal(_))));
        assert!(Number::parse("abc").is_none());
        assert!(Number::parse("NaN").is_none());
        assert_eq!(Number::Float(1e300).as_i64(), None);
        assert_eq!(Number::Float(-3.0).as_i64(), Some(-3));
    }

    #[test]
    fn get_on_null_and_unknown_objects() {
        assert!(Value::Null.get("a").is_null());
        assert!(Value::unknown().get("a").is_unknown());
        let o = Value::Object([("a".to_string(), Value::int(1))].into());
        assert_eq!(o.get("a"), &Value::int(1));
        assert!(o.get("b").is_null());
        assert!(!Value::List(vec![Value::unknown()]).is_wholly_known());
    }
}
