//! Reading: driven by the schema's type, as in go-cty, because the bytes alone
//! do not say whether a map is an object or a map. Every input is untrusted,
//! so the decoder never panics, never pre-allocates from a length prefix, and
//! bounds nesting.

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

use rmp::decode as rd;
use rmp::Marker;

use super::EXT_REFINED_UNKNOWN;
use crate::framework::types::Type;
use crate::framework::value::{Number, Refinements, Value};
use crate::protocol::cty::{self, err, CodecError, Path};

/// cty refuses refinement payloads larger than this.
const MAX_REFINEMENT_PAYLOAD: usize = 1024;

/// How deep the refinements decoder skips unknown entries before giving up.
const MAX_REFINEMENT_DEPTH: usize = 16;

/// Decodes `bytes` as a value of type `ty`. Trailing bytes are an error.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let mut r = Reader { rest: bytes };
    let v = r.value(ty, &Path::Root, 0)?;
    if !r.rest.is_empty() {
        return Err(err(&Path::Root, format!("{} unexpected trailing bytes", r.rest.len())));
    }
    Ok(v)
}

/// The bytes not read yet.
struct Reader<'a> {
    rest: &'a [u8],
}

/// The shape of the next msgpack item, with its length where it has one;
/// the payload of strings, binaries and extensions follows it.
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

fn truncated(path: &Path<'_>) -> CodecError {
    err(path, "unexpected end of msgpack data")
}

impl<'a> Reader<'a> {
    /// Reads the next item's marker and length (or scalar value) with the
    /// `rmp` reader for that marker.
    fn item(&mut self, p: &Path<'_>) -> Result<Item, CodecError> {
        let marker = Marker::from_u8(*self.rest.first().ok_or_else(|| truncated(p))?);
        let rd = &mut self.rest;
        // Each reader matches the marker it is given, so `rmp` can only fail
        // here for want of bytes.
        let item = match marker {
            Marker::Null => rd::read_nil(rd).ok().map(|()| Item::Nil),
            Marker::True | Marker::False => rd::read_bool(rd).ok().map(Item::Bool),
            Marker::FixPos(_) | Marker::U8 | Marker::U16 | Marker::U32 | Marker::U64 => {
                rd::read_int(rd).ok().map(Item::UInt)
            }
            Marker::FixNeg(_) | Marker::I8 | Marker::I16 | Marker::I32 | Marker::I64 => {
                rd::read_int(rd).ok().map(Item::Int)
            }
            Marker::F32 => rd::read_f32(rd).ok().map(|f| Item::Float(f64::from(f))),
            Marker::F64 => rd::read_f64(rd).ok().map(Item::Float),
            Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32 => {
                rd::read_str_len(rd).ok().map(|n| Item::Str(n as usize))
            }
            Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => rd::read_bin_len(rd).ok().map(|n| Item::Bin(n as usize)),
            Marker::FixArray(_) | Marker::Array16 | Marker::Array32 => {
                rd::read_array_len(rd).ok().map(|n| Item::Array(n as usize))
            }
            Marker::FixMap(_) | Marker::Map16 | Marker::Map32 => {
                rd::read_map_len(rd).ok().map(|n| Item::Map(n as usize))
            }
            Marker::FixExt1
            | Marker::FixExt2
            | Marker::FixExt4
            | Marker::FixExt8
            | Marker::FixExt16
            | Marker::Ext8
            | Marker::Ext16
            | Marker::Ext32 => rd::read_ext_meta(rd).ok().map(|m| Item::Ext(m.typeid, m.size as usize)),
            Marker::Reserved => return Err(err(p, "invalid msgpack marker 0xc1")),
        };
        item.ok_or_else(|| truncated(p))
    }

    fn take(&mut self, n: usize, p: &Path<'_>) -> Result<&'a [u8], CodecError> {
        if n > self.rest.len() {
            return Err(truncated(p));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn text(&mut self, n: usize, p: &Path<'_>) -> Result<String, CodecError> {
        let bytes = self.take(n, p)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| err(p, "string is not valid UTF-8"))
    }

    /// A capacity hint that cannot be inflated by a hostile length prefix:
    /// every element needs at least one byte.
    fn cap(&self, n: usize) -> usize {
        n.min(self.rest.len())
    }

    fn value(&mut self, ty: &Type, p: &Path<'_>, depth: usize) -> Result<Value, CodecError> {
        cty::check_depth(p, depth)?;
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
                _ => Err(cty::required(p, ty)),
            },
            Type::Number => self.number(item, p).map(Value::Number),
            Type::String => match item {
                Item::Str(n) | Item::Bin(n) => self.text(n, p).map(Value::String),
                _ => Err(cty::required(p, ty)),
            },
            Type::List(e) | Type::Set(e) => match item {
                Item::Array(n) => self.sequence(n, e, p, depth).map(|items| cty::sequence(ty, items)),
                _ => Err(cty::required(p, ty)),
            },
            Type::Tuple(elems) => match item {
                Item::Array(n) => self.tuple(n, elems, p, depth),
                _ => Err(cty::required(p, ty)),
            },
            Type::Map(e) => match item {
                Item::Map(n) => self.map(n, e, p, depth),
                _ => Err(cty::required(p, ty)),
            },
            Type::Object(attrs) => match item {
                Item::Map(n) => self.object(n, attrs, p, depth),
                _ => Err(cty::required(p, ty)),
            },
        }
    }

    fn sequence(&mut self, n: usize, element: &Type, p: &Path<'_>, depth: usize) -> Result<Vec<Value>, CodecError> {
        let mut out = Vec::with_capacity(self.cap(n));
        for i in 0..n {
            out.push(self.value(element, &p.index(i), depth + 1)?);
        }
        Ok(out)
    }

    fn tuple(&mut self, n: usize, elements: &[Type], p: &Path<'_>, depth: usize) -> Result<Value, CodecError> {
        cty::check_tuple_length(p, n, elements)?;
        let mut out = Vec::with_capacity(n);
        for (i, e) in elements.iter().enumerate() {
            out.push(self.value(e, &p.index(i), depth + 1)?);
        }
        Ok(Value::Tuple(out))
    }

    fn map(&mut self, n: usize, element: &Type, p: &Path<'_>, depth: usize) -> Result<Value, CodecError> {
        let mut out = BTreeMap::new();
        for _ in 0..n {
            let k = self.key(p)?;
            let v = self.value(element, &p.key(&k), depth + 1)?;
            match out.entry(k) {
                Entry::Vacant(slot) => {
                    slot.insert(v);
                }
                Entry::Occupied(slot) => return Err(err(p, format!("duplicate map key {:?}", slot.key()))),
            }
        }
        Ok(Value::Map(out))
    }

    /// Terraform sends exactly one entry per attribute, so any other count is
    /// an error rather than a null.
    fn object(
        &mut self,
        n: usize,
        attrs: &BTreeMap<String, Type>,
        p: &Path<'_>,
        depth: usize,
    ) -> Result<Value, CodecError> {
        if n != attrs.len() {
            return Err(err(p, format!("an object with {} attributes is required (got {n})", attrs.len())));
        }
        let mut out = BTreeMap::new();
        for _ in 0..n {
            let k = self.key(p)?;
            let Some(at) = attrs.get(&k) else {
                return Err(cty::unsupported_attribute(p, &k));
            };
            let v = self.value(at, &p.key(&k), depth + 1)?;
            match out.entry(k) {
                Entry::Vacant(slot) => {
                    slot.insert(v);
                }
                Entry::Occupied(slot) => return Err(err(p, format!("duplicate attribute {:?}", slot.key()))),
            }
        }
        Ok(Value::Object(out))
    }

    fn key(&mut self, p: &Path<'_>) -> Result<String, CodecError> {
        match self.item(p)? {
            Item::Str(n) | Item::Bin(n) => self.text(n, p),
            _ => Err(err(p, "map keys must be strings")),
        }
    }

    fn number(&mut self, item: Item, p: &Path<'_>) -> Result<Number, CodecError> {
        match item {
            Item::Int(i) => Ok(Number::Int(i)),
            Item::UInt(u) => Ok(i64::try_from(u).map(Number::Int).unwrap_or(Number::UInt(u))),
            Item::Float(f) if f.is_nan() => Err(err(p, "NaN is not a valid number")),
            Item::Float(f) => Ok(Number::Float(f)),
            Item::Str(n) => {
                let s = self.text(n, p)?;
                cty::parse_number(p, &s)
            }
            _ => Err(cty::required(p, &Type::Number)),
        }
    }

    fn unknown(&mut self, code: i8, n: usize, p: &Path<'_>) -> Result<Value, CodecError> {
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

    /// A value of a type known only at run time: `[type as JSON bytes, value]`.
    fn dynamic(&mut self, item: Item, p: &Path<'_>, depth: usize) -> Result<Value, CodecError> {
        let Item::Array(2) = item else {
            return Err(err(p, "dynamic value must be a [type, value] pair"));
        };
        let tjson = match self.item(p)? {
            Item::Bin(n) | Item::Str(n) => self.take(n, p)?,
            _ => return Err(err(p, "dynamic value type must be bytes")),
        };
        let tv: serde_json::Value =
            serde_json::from_slice(tjson).map_err(|_| err(p, "dynamic value type is not valid JSON"))?;
        let ty = cty::dynamic_type(p, &tv)?;
        self.value(&ty, p, depth + 1)
    }

    /// Steps over an item the refinements decoder does not know.
    fn skip(&mut self, item: Item, depth: usize) -> Result<(), CodecError> {
        if depth > MAX_REFINEMENT_DEPTH {
            return Err(err(&Path::Root, "too deep"));
        }
        let entries = match item {
            Item::Str(n) | Item::Bin(n) | Item::Ext(_, n) => return self.take(n, &Path::Root).map(|_| ()),
            Item::Array(n) => n,
            Item::Map(n) => n.saturating_mul(2),
            Item::Nil | Item::Bool(_) | Item::Int(_) | Item::UInt(_) | Item::Float(_) => 0,
        };
        for _ in 0..entries {
            let i = self.item(&Path::Root)?;
            self.skip(i, depth + 1)?;
        }
        Ok(())
    }
}

/// Best effort: refinements are advisory, so a malformed payload degrades to
/// a plain unknown rather than failing the whole request. The payload is a
/// map with integer keys: 1 = nullable, 2 = string prefix (cty `unknown.go`).
fn parse_refinements(payload: &[u8]) -> Refinements {
    let mut out = Refinements::default();
    let mut r = Reader { rest: payload };
    let Ok(Item::Map(n)) = r.item(&Path::Root) else { return out };
    for _ in 0..n {
        let key = match r.item(&Path::Root) {
            Ok(Item::Int(k)) => k,
            Ok(Item::UInt(k)) => k as i64,
            _ => return out,
        };
        match (key, r.item(&Path::Root)) {
            (1, Ok(Item::Bool(nullable))) => out.definitely_not_null = !nullable,
            (2, Ok(Item::Str(len))) => match r.text(len, &Path::Root) {
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
