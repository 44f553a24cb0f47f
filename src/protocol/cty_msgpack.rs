//! The msgpack encoding of cty values inside `DynamicValue.msgpack`
//! (go-cty `cty/msgpack`, Terraform `docs/plugin-protocol/object-wire-format.md`).
//!
//! Decoding is driven by the schema's type, as in go-cty: the bytes alone do
//! not say whether a map is an object or a map. Every input is untrusted, so
//! the decoder never panics, never pre-allocates from a length prefix, and
//! bounds nesting.

use std::collections::BTreeMap;
use std::fmt;

use crate::framework::types::{Type, MAX_TYPE_DEPTH};
use crate::framework::value::{Number, Refinements, Value};

/// The ext type code cty uses for an unknown value that carries refinements.
const EXT_REFINED_UNKNOWN: i8 = 12;
/// cty refuses refinement payloads larger than this.
const MAX_REFINEMENT_PAYLOAD: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecError {
    pub message: String,
    /// Dotted path of the value being read, for diagnostics.
    pub path: String,
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for CodecError {}

pub(crate) fn err(path: &str, message: impl Into<String>) -> CodecError {
    CodecError { message: message.into(), path: path.to_string() }
}

pub(crate) fn child(path: &str, step: &str) -> String {
    if path.is_empty() {
        step.to_string()
    } else {
        format!("{path}.{step}")
    }
}

// ---------------------------------------------------------------- decoding

/// Decodes `bytes` as a value of type `ty`. Trailing bytes are an error.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let mut r = Reader { buf: bytes, pos: 0 };
    let v = r.value(ty, "", 0)?;
    if r.pos != bytes.len() {
        return Err(err("", format!("{} unexpected trailing bytes", bytes.len() - r.pos)));
    }
    Ok(v)
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

/// The shape of the next msgpack item, with its length where it has one.
enum Item {
    Nil,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(usize),
    Bin(usize),
    Array(usize),
    Map(usize),
    Ext(i8, usize),
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, path: &str) -> Result<&'a [u8], CodecError> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.buf.len());
        match end {
            Some(end) => {
                let s = &self.buf[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            None => Err(err(path, "unexpected end of msgpack data")),
        }
    }
    fn u8(&mut self, path: &str) -> Result<u8, CodecError> {
        Ok(self.take(1, path)?[0])
    }
    fn be<const N: usize>(&mut self, path: &str) -> Result<[u8; N], CodecError> {
        let s = self.take(N, path)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }
    fn len8(&mut self, p: &str) -> Result<usize, CodecError> {
        Ok(self.u8(p)? as usize)
    }
    fn len16(&mut self, p: &str) -> Result<usize, CodecError> {
        Ok(u16::from_be_bytes(self.be(p)?) as usize)
    }
    fn len32(&mut self, p: &str) -> Result<usize, CodecError> {
        Ok(u32::from_be_bytes(self.be(p)?) as usize)
    }

    fn item(&mut self, p: &str) -> Result<Item, CodecError> {
        let m = self.u8(p)?;
        Ok(match m {
            0x00..=0x7f => Item::Int(m as i64),
            0x80..=0x8f => Item::Map((m & 0x0f) as usize),
            0x90..=0x9f => Item::Array((m & 0x0f) as usize),
            0xa0..=0xbf => Item::Str((m & 0x1f) as usize),
            0xc0 => Item::Nil,
            0xc2 => Item::Bool(false),
            0xc3 => Item::Bool(true),
            0xc4 => Item::Bin(self.len8(p)?),
            0xc5 => Item::Bin(self.len16(p)?),
            0xc6 => Item::Bin(self.len32(p)?),
            0xc7 => {
                let n = self.len8(p)?;
                Item::Ext(self.u8(p)? as i8, n)
            }
            0xc8 => {
                let n = self.len16(p)?;
                Item::Ext(self.u8(p)? as i8, n)
            }
            0xc9 => {
                let n = self.len32(p)?;
                Item::Ext(self.u8(p)? as i8, n)
            }
            0xca => Item::Float(f32::from_be_bytes(self.be(p)?) as f64),
            0xcb => Item::Float(f64::from_be_bytes(self.be(p)?)),
            0xcc => Item::UInt(self.u8(p)? as u64),
            0xcd => Item::UInt(u16::from_be_bytes(self.be(p)?) as u64),
            0xce => Item::UInt(u32::from_be_bytes(self.be(p)?) as u64),
            0xcf => Item::UInt(u64::from_be_bytes(self.be(p)?)),
            0xd0 => Item::Int(self.u8(p)? as i8 as i64),
            0xd1 => Item::Int(i16::from_be_bytes(self.be(p)?) as i64),
            0xd2 => Item::Int(i32::from_be_bytes(self.be(p)?) as i64),
            0xd3 => Item::Int(i64::from_be_bytes(self.be(p)?)),
            0xd4 => Item::Ext(self.u8(p)? as i8, 1),
            0xd5 => Item::Ext(self.u8(p)? as i8, 2),
            0xd6 => Item::Ext(self.u8(p)? as i8, 4),
            0xd7 => Item::Ext(self.u8(p)? as i8, 8),
            0xd8 => Item::Ext(self.u8(p)? as i8, 16),
            0xd9 => Item::Str(self.len8(p)?),
            0xda => Item::Str(self.len16(p)?),
            0xdb => Item::Str(self.len32(p)?),
            0xdc => Item::Array(self.len16(p)?),
            0xdd => Item::Array(self.len32(p)?),
            0xde => Item::Map(self.len16(p)?),
            0xdf => Item::Map(self.len32(p)?),
            0xe0..=0xff => Item::Int(m as i8 as i64),
            0xc1 => return Err(err(p, "invalid msgpack marker 0xc1")),
        })
    }

    fn text(&mut self, n: usize, p: &str) -> Result<String, CodecError> {
        let bytes = self.take(n, p)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| err(p, "string is not valid UTF-8"))
    }

    /// A capacity hint that cannot be inflated by a hostile length prefix:
    /// every element needs at least one byte.
    fn cap(&self, n: usize) -> usize {
        n.min(self.buf.len().saturating_sub(self.pos))
    }

    fn value(&mut self, ty: &Type, p: &str, depth: usize) -> Result<Value, CodecError> {
        if depth > MAX_TYPE_DEPTH * 2 {
            return Err(err(p, "value is nested too deeply"));
        }
        let item = self.item(p)?;
        match item {
            Item::Nil => return Ok(Value::Null),
            Item::Ext(code, n) => return self.unknown(code, n, p),
            _ => {}
        }
        match ty {
            Type::Dynamic => self.dynamic(item, p, depth),
            Type::Bool => match item {
                Item::Bool(b) => Ok(Value::Bool(b)),
                _ => Err(err(p, "bool required")),
            },
            Type::Number => self.number(item, p).map(Value::Number),
            Type::String => match item {
                Item::Str(n) | Item::Bin(n) => self.text(n, p).map(Value::String),
                _ => Err(err(p, "string required")),
            },
            Type::List(e) | Type::Set(e) => {
                let Item::Array(n) = item else {
                    return Err(err(p, format!("{} required", ty.friendly_name())));
                };
                let mut out = Vec::with_capacity(self.cap(n));
                for i in 0..n {
                    out.push(self.value(e, &child(p, &i.to_string()), depth + 1)?);
                }
                Ok(if matches!(ty, Type::List(_)) { Value::List(out) } else { Value::Set(out) })
            }
            Type::Tuple(elems) => {
                let Item::Array(n) = item else {
                    return Err(err(p, "tuple required"));
                };
                if n != elems.len() {
                    return Err(err(p, format!("a tuple of length {} is required", elems.len())));
                }
                let mut out = Vec::with_capacity(n);
                for (i, e) in elems.iter().enumerate() {
                    out.push(self.value(e, &child(p, &i.to_string()), depth + 1)?);
                }
                Ok(Value::Tuple(out))
            }
            Type::Map(e) => {
                let Item::Map(n) = item else {
                    return Err(err(p, format!("{} required", ty.friendly_name())));
                };
                let mut out = BTreeMap::new();
                for _ in 0..n {
                    let k = self.key(p)?;
                    let v = self.value(e, &child(p, &k), depth + 1)?;
                    if out.insert(k.clone(), v).is_some() {
                        return Err(err(p, format!("duplicate map key {k:?}")));
                    }
                }
                Ok(Value::Map(out))
            }
            Type::Object(attrs) => {
                let Item::Map(n) = item else {
                    return Err(err(p, "object required"));
                };
                if n != attrs.len() {
                    return Err(err(p, format!("an object with {} attributes is required (got {n})", attrs.len())));
                }
                let mut out = BTreeMap::new();
                for _ in 0..n {
                    let k = self.key(p)?;
                    let Some(at) = attrs.get(&k) else {
                        return Err(err(p, format!("unsupported attribute {k:?}")));
                    };
                    let v = self.value(at, &child(p, &k), depth + 1)?;
                    if out.insert(k.clone(), v).is_some() {
                        return Err(err(p, format!("duplicate attribute {k:?}")));
                    }
                }
                Ok(Value::Object(out))
            }
        }
    }

    fn key(&mut self, p: &str) -> Result<String, CodecError> {
        match self.item(p)? {
            Item::Str(n) | Item::Bin(n) => self.text(n, p),
            _ => Err(err(p, "map keys must be strings")),
        }
    }

    fn number(&mut self, item: Item, p: &str) -> Result<Number, CodecError> {
        match item {
            Item::Int(i) => Ok(Number::Int(i)),
            Item::UInt(u) => Ok(i64::try_from(u).map(Number::Int).unwrap_or(Number::UInt(u))),
            Item::Float(f) if f.is_nan() => Err(err(p, "NaN is not a valid number")),
            Item::Float(f) => Ok(Number::Float(f)),
            Item::Str(n) => {
                let s = self.text(n, p)?;
                Number::parse(&s).ok_or_else(|| err(p, format!("{s:?} is not a valid number")))
            }
            _ => Err(err(p, "number required")),
        }
    }

    fn unknown(&mut self, code: i8, n: usize, p: &str) -> Result<Value, CodecError> {
        let payload = self.take(n, p)?;
        if code != EXT_REFINED_UNKNOWN || n <= 1 {
            // cty: any extension with an (almost) empty payload is an
            // unrefined unknown, whatever its code.
            return Ok(Value::unknown());
        }
        if n > MAX_REFINEMENT_PAYLOAD {
            return Err(err(p, "unknown value refinements are too long"));
        }
        Ok(Value::Unknown(parse_refinements(payload)))
    }

    fn dynamic(&mut self, item: Item, p: &str, depth: usize) -> Result<Value, CodecError> {
        let Item::Array(2) = item else {
            return Err(err(p, "dynamic value must be a [type, value] pair"));
        };
        let tjson = match self.item(p)? {
            Item::Bin(n) | Item::Str(n) => self.take(n, p)?,
            _ => return Err(err(p, "dynamic value type must be bytes")),
        };
        let tv: serde_json::Value =
            serde_json::from_slice(tjson).map_err(|_| err(p, "dynamic value type is not valid JSON"))?;
        let ty = Type::from_json(&tv).map_err(|e| err(p, e))?;
        if ty == Type::Dynamic {
            return Err(err(p, "dynamic value cannot have dynamic type"));
        }
        self.value(&ty, p, depth + 1)
    }
}

/// Best effort: refinements are advisory, so a malformed payload degrades to
/// a plain unknown rather than failing the whole request.
fn parse_refinements(payload: &[u8]) -> Refinements {
    let mut out = Refinements::default();
    let mut r = Reader { buf: payload, pos: 0 };
    let Ok(Item::Map(n)) = r.item("") else { return out };
    for _ in 0..n {
        let key = match r.item("") {
            Ok(Item::Int(k)) => k,
            Ok(Item::UInt(k)) => k as i64,
            _ => return out,
        };
        match (key, r.item("")) {
            (1, Ok(Item::Bool(nullable))) => out.definitely_not_null = !nullable,
            (2, Ok(Item::Str(len))) => match r.text(len, "") {
                Ok(s) => out.string_prefix = Some(s),
                Err(_) => return out,
            },
            (_, Ok(item)) => {
                if r.skip(item, 0).is_err() {
                    return out;
                }
            }
            (_, Err(_)) => return out,
        }
    }
    out
}

impl Reader<'_> {
    fn skip(&mut self, item: Item, depth: usize) -> Result<(), CodecError> {
        if depth > 16 {
            return Err(err("", "too deep"));
        }
        match item {
            Item::Str(n) | Item::Bin(n) | Item::Ext(_, n) => self.take(n, "").map(|_| ()),
            Item::Array(n) => {
                for _ in 0..n {
                    let i = self.item("")?;
                    self.skip(i, depth + 1)?;
                }
                Ok(())
            }
            Item::Map(n) => {
                for _ in 0..n.saturating_mul(2) {
                    let i = self.item("")?;
                    self.skip(i, depth + 1)?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

// ---------------------------------------------------------------- encoding

/// Encodes `value` as type `ty`. Objects get exactly one entry per attribute
/// of the type, in sorted order, because Terraform rejects any other count.
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::with_capacity(256);
    write_value(&mut out, value, ty, "")?;
    Ok(out)
}

fn write_value(out: &mut Vec<u8>, value: &Value, ty: &Type, p: &str) -> Result<(), CodecError> {
    match (value, ty) {
        (Value::Null, _) => out.push(0xc0),
        // An unrefined unknown: fixext1, type 0, one zero byte (cty's form).
        (Value::Unknown(_), _) => out.extend_from_slice(&[0xd4, 0x00, 0x00]),
        (v, Type::Dynamic) => {
            let inferred = infer_type(v);
            write_array_len(out, 2);
            write_bin(out, &inferred.to_json_bytes());
            write_value(out, v, &inferred, p)?;
        }
        (Value::Bool(b), Type::Bool) => out.push(if *b { 0xc3 } else { 0xc2 }),
        (Value::Number(n), Type::Number) => write_number(out, n),
        (Value::String(s), Type::String) => write_str(out, s),
        (Value::List(items), Type::List(e)) | (Value::Set(items), Type::Set(e)) => {
            write_array_len(out, items.len());
            for (i, item) in items.iter().enumerate() {
                write_value(out, item, e, &child(p, &i.to_string()))?;
            }
        }
        (Value::Tuple(items), Type::Tuple(elems)) => {
            if items.len() != elems.len() {
                return Err(err(p, "tuple length does not match its type"));
            }
            write_array_len(out, items.len());
            for (i, (item, e)) in items.iter().zip(elems).enumerate() {
                write_value(out, item, e, &child(p, &i.to_string()))?;
            }
        }
        (Value::Map(m), Type::Map(e)) => {
            write_map_len(out, m.len());
            for (k, v) in m {
                write_str(out, k);
                write_value(out, v, e, &child(p, k))?;
            }
        }
        (Value::Object(m), Type::Object(attrs)) => {
            if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                return Err(err(p, format!("value has attribute {extra:?} that its type does not")));
            }
            write_map_len(out, attrs.len());
            for (k, at) in attrs {
                write_str(out, k);
                write_value(out, m.get(k).unwrap_or(&Value::Null), at, &child(p, k))?;
            }
        }
        (v, t) => return Err(err(p, format!("cannot encode {v:?} as {}", t.friendly_name()))),
    }
    Ok(())
}

/// The type of a known value, for values stored under a dynamic type.
pub fn infer_type(v: &Value) -> Type {
    match v {
        Value::Null | Value::Unknown(_) => Type::Dynamic,
        Value::Bool(_) => Type::Bool,
        Value::Number(_) => Type::Number,
        Value::String(_) => Type::String,
        Value::List(items) => Type::List(Box::new(items.first().map_or(Type::Dynamic, infer_type))),
        Value::Set(items) => Type::Set(Box::new(items.first().map_or(Type::Dynamic, infer_type))),
        Value::Map(m) => Type::Map(Box::new(m.values().next().map_or(Type::Dynamic, infer_type))),
        Value::Object(m) => Type::Object(m.iter().map(|(k, v)| (k.clone(), infer_type(v))).collect()),
        Value::Tuple(items) => Type::Tuple(items.iter().map(infer_type).collect()),
    }
}

fn write_number(out: &mut Vec<u8>, n: &Number) {
    match n {
        Number::Int(i) => write_int(out, *i),
        Number::UInt(u) => write_uint(out, *u),
        Number::Float(f) => match n.as_i64() {
            Some(i) => write_int(out, i),
            None => {
                out.push(0xcb);
                out.extend_from_slice(&f.to_be_bytes());
            }
        },
        // cty writes numbers beyond int64/float64 precision as decimal text.
        Number::Decimal(s) => write_str(out, s),
    }
}

fn write_int(out: &mut Vec<u8>, i: i64) {
    if i >= 0 {
        write_uint(out, i as u64);
    } else if i >= -32 {
        out.push(i as i8 as u8);
    } else if i >= i8::MIN as i64 {
        out.push(0xd0);
        out.push(i as i8 as u8);
    } else if i >= i16::MIN as i64 {
        out.push(0xd1);
        out.extend_from_slice(&(i as i16).to_be_bytes());
    } else if i >= i32::MIN as i64 {
        out.push(0xd2);
        out.extend_from_slice(&(i as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&i.to_be_bytes());
    }
}

fn write_uint(out: &mut Vec<u8>, u: u64) {
    if u <= 0x7f {
        out.push(u as u8);
    } else if u <= u8::MAX as u64 {
        out.push(0xcc);
        out.push(u as u8);
    } else if u <= u16::MAX as u64 {
        out.push(0xcd);
        out.extend_from_slice(&(u as u16).to_be_bytes());
    } else if u <= u32::MAX as u64 {
        out.push(0xce);
        out.extend_from_slice(&(u as u32).to_be_bytes());
    } else {
        out.push(0xcf);
        out.extend_from_slice(&u.to_be_bytes());
    }
}

fn write_str(out: &mut Vec<u8>, s: &str) {
    let n = s.len();
    if n < 32 {
        out.push(0xa0 | n as u8);
    } else if n <= u8::MAX as usize {
        out.push(0xd9);
        out.push(n as u8);
    } else if n <= u16::MAX as usize {
        out.push(0xda);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
    out.extend_from_slice(s.as_bytes());
}

fn write_bin(out: &mut Vec<u8>, b: &[u8]) {
    let n = b.len();
    if n <= u8::MAX as usize {
        out.push(0xc4);
        out.push(n as u8);
    } else if n <= u16::MAX as usize {
        out.push(0xc5);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xc6);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
    out.extend_from_slice(b);
}

fn write_array_len(out: &mut Vec<u8>, n: usize) {
    if n < 16 {
        out.push(0x90 | n as u8);
    } else if n <= u16::MAX as usize {
        out.push(0xdc);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xdd);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

fn write_map_len(out: &mut Vec<u8>, n: usize) {
    if n < 16 {
        out.push(0x80 | n as u8);
    } else if n <= u16::MAX as usize {
        out.push(0xde);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xdf);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    #[test]
    fn unknown_forms_from_terraform() {
        // Plain unknown, as cty writes it.
        assert!(decode(&[0xd4, 0x00, 0x00], &Type::String).unwrap().is_unknown());
        // Any ext code with a tiny payload is unknown.
        assert!(decode(&[0xd4, 0x05, 0x00], &Type::Number).unwrap().is_unknown());
        // Refined unknown: ext 12 with {1: false, 2: "ab"} (not null, prefix "ab").
        let payload = [0x82, 0x01, 0xc2, 0x02, 0xa2, b'a', b'b'];
        let mut bytes = vec![0xc7, payload.len() as u8, 0x0c];
        bytes.extend_from_slice(&payload);
        match decode(&bytes, &Type::String).unwrap() {
            Value::Unknown(r) => {
                assert!(r.definitely_not_null);
                assert_eq!(r.string_prefix.as_deref(), Some("ab"));
            }
            other => panic!("expected unknown, got {other:?}"),
        }
        assert_eq!(encode(&Value::unknown(), &Type::String).unwrap(), vec![0xd4, 0, 0]);
    }

    #[test]
    fn numbers_in_every_form() {
        let cases: Vec<(Vec<u8>, i64)> = vec![
            (vec![0x05], 5),
            (vec![0xff], -1),
            (vec![0xcc, 200], 200),
            (vec![0xd0, 0x80], -128),
            (vec![0xcd, 0x01, 0x00], 256),
            (vec![0xd1, 0xff, 0x00], -256),
            (vec![0xce, 0, 1, 0, 0], 65536),
            (vec![0xd2, 0xff, 0xff, 0, 0], -65536),
            ([vec![0xcf], 9_007_199_254_740_993u64.to_be_bytes().to_vec()].concat(), 9_007_199_254_740_993),
            ([vec![0xd3], i64::MIN.to_be_bytes().to_vec()].concat(), i64::MIN),
            ([vec![0xcb], 42f64.to_be_bytes().to_vec()].concat(), 42),
            ([vec![0xca], 7f32.to_be_bytes().to_vec()].concat(), 7),
            ([vec![0xb3], b"9223372036854775807".to_vec()].concat(), i64::MAX),
        ];
        for (bytes, want) in cases {
            let v = decode(&bytes, &Type::Number).unwrap();
            assert_eq!(v.as_number().and_then(Number::as_i64), Some(want), "{bytes:x?}");
        }
        assert!(decode(&[0xa3, b'a', b'b', b'c'], &Type::Number).is_err());
        assert!(decode(&[0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0], &Type::Number).is_err(), "NaN");
    }

    #[test]
    fn int64_extremes_encode_exactly_and_compactly() {
        assert_eq!(encode(&Value::int(i64::MAX), &Type::Number).unwrap()[0], 0xcf);
        assert_eq!(encode(&Value::int(i64::MIN), &Type::Number).unwrap()[0], 0xd3);
        assert_eq!(encode(&Value::int(0), &Type::Number).unwrap(), vec![0x00]);
        assert_eq!(encode(&Value::int(-32), &Type::Number).unwrap(), vec![0xe0]);
        assert_eq!(encode(&Value::int(128), &Type::Number).unwrap(), vec![0xcc, 0x80]);
        assert_eq!(encode(&Value::Number(Number::Float(1.5)), &Type::Number).unwrap()[0], 0xcb);
        for i in [i64::MAX, i64::MIN, 0, -1, 1 << 53, (1 << 53) + 1] {
            let b = encode(&Value::int(i), &Type::Number).unwrap();
            assert_eq!(decode(&b, &Type::Number).unwrap(), Value::int(i));
        }
    }

    #[test]
    fn objects_need_exactly_their_attributes() {
        let ty = Type::object([("a", Type::String), ("b", Type::Number)]);
        let v = obj(&[("a", Value::string("x")), ("b", Value::Null)]);
        let bytes = encode(&v, &ty).unwrap();
        // Sorted keys, one entry per attribute.
        assert_eq!(bytes, vec![0x82, 0xa1, b'a', 0xa1, b'x', 0xa1, b'b', 0xc0]);
        assert_eq!(decode(&bytes, &ty).unwrap(), v);
        // A missing attribute is encoded as null so the count matches.
        assert_eq!(encode(&obj(&[("a", Value::string("x"))]), &ty).unwrap(), bytes);
        // An extra attribute cannot be encoded.
        assert!(encode(&obj(&[("z", Value::Null)]), &ty).is_err());
        // Decoding: wrong count, unknown key, duplicate key.
        assert!(decode(&[0x81, 0xa1, b'a', 0xc0], &ty).is_err());
        assert!(decode(&[0x82, 0xa1, b'a', 0xc0, 0xa1, b'z', 0xc0], &ty).is_err());
        assert!(decode(&[0x82, 0xa1, b'a', 0xc0, 0xa1, b'a', 0xc0], &ty).is_err());
    }

    #[test]
    fn dynamic_values_carry_their_type() {
        let v = Value::List(vec![Value::string("a")]);
        let bytes = encode(&v, &Type::Dynamic).unwrap();
        assert_eq!(bytes[0], 0x92);
        assert_eq!(decode(&bytes, &Type::Dynamic).unwrap(), v);
        assert!(decode(&[0xc0], &Type::Dynamic).unwrap().is_null());
        assert!(decode(&[0xd4, 0, 0], &Type::Dynamic).unwrap().is_unknown());
    }

    #[test]
    fn truncated_and_trailing_input_is_an_error() {
        let ty = Type::object([("a", Type::String)]);
        let bytes = encode(&obj(&[("a", Value::string("hello"))]), &ty).unwrap();
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut], &ty).is_err(), "cut at {cut}");
        }
        let mut extra = bytes.clone();
        extra.push(0xc0);
        assert!(decode(&extra, &ty).is_err());
        // A length prefix claiming 4 billion elements must not allocate them.
        assert!(decode(&[0xdd, 0xff, 0xff, 0xff, 0xff], &Type::list(Type::String)).is_err());
    }

    fn arb_type() -> impl Strategy<Value = Type> {
        let leaf = prop_oneof![Just(Type::Bool), Just(Type::Number), Just(Type::String)];
        leaf.prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                inner.clone().prop_map(Type::list),
                inner.clone().prop_map(Type::set),
                inner.clone().prop_map(Type::map),
                prop::collection::btree_map("[a-z_]{1,6}", inner.clone(), 0..4).prop_map(Type::Object),
                prop::collection::vec(inner, 0..3).prop_map(Type::Tuple),
            ]
        })
    }

    fn arb_value(ty: Type) -> BoxedStrategy<Value> {
        let special = prop_oneof![1 => Just(Value::Null), 1 => Just(Value::unknown())];
        let known: BoxedStrategy<Value> = match ty {
            Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
            Type::Number => prop_oneof![
                any::<i64>().prop_map(Value::int),
                any::<u64>().prop_map(|u| Value::Number(if u > i64::MAX as u64 {
                    Number::UInt(u)
                } else {
                    Number::Int(u as i64)
                })),
                (-1e12f64..1e12f64)
                    .prop_filter("non-integral", |f| f.fract() != 0.0)
                    .prop_map(|f| Value::Number(Number::Float(f))),
            ]
            .boxed(),
            Type::String => ".{0,40}".prop_map(Value::String).boxed(),
            Type::Dynamic => Just(Value::Null).boxed(),
            Type::List(e) => prop::collection::vec(arb_value(*e), 0..4).prop_map(Value::List).boxed(),
            Type::Set(e) => prop::collection::vec(arb_value(*e), 0..4).prop_map(Value::Set).boxed(),
            Type::Map(e) => {
                prop::collection::btree_map("[a-zé]{0,5}", arb_value(*e), 0..4).prop_map(Value::Map).boxed()
            }
            Type::Object(attrs) => {
                let parts: Vec<_> =
                    attrs.into_iter().map(|(k, t)| arb_value(t).prop_map(move |v| (k.clone(), v))).collect();
                parts.prop_map(|kv| Value::Object(kv.into_iter().collect())).boxed()
            }
            Type::Tuple(elems) => {
                let parts: Vec<_> = elems.into_iter().map(arb_value).collect();
                parts.prop_map(Value::Tuple).boxed()
            }
        };
        prop_oneof![1 => special, 6 => known].boxed()
    }

    proptest! {
        #[test]
        fn round_trip((ty, v) in arb_type().prop_flat_map(|t| (Just(t.clone()), arb_value(t)))) {
            let bytes = encode(&v, &ty).unwrap();
            let back = decode(&bytes, &ty).unwrap();
            prop_assert_eq!(back, v);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256), ty in arb_type()) {
            let _ = decode(&bytes, &ty);
            let _ = decode(&bytes, &Type::Dynamic);
        }

        #[test]
        fn mutated_valid_input_never_panics((ty, v) in arb_type().prop_flat_map(|t| (Just(t.clone()), arb_value(t))), flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4)) {
            let mut bytes = encode(&v, &ty).unwrap();
            for (i, b) in flips {
                if !bytes.is_empty() {
                    let at = i.index(bytes.len());
                    bytes[at] = b;
                }
            }
            let _ = decode(&bytes, &ty);
        }
    }
}
