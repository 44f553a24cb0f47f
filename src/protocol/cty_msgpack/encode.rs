//! Writing: the bytes go-cty's `msgpack.Marshal` writes for the same value,
//! because Terraform checks a provider's result against its plan. `rmp`
//! picks the shortest form of every integer and length, as go-cty's encoder
//! does (`UseCompactInts`); integral numbers are written as integers, other
//! numbers as float64 (never float32), and unknowns as cty's ext 0.

use std::convert::Infallible;

use rmp::encode::{self as wr, ByteBuf, RmpWrite, ValueWriteError};

use super::EXT_UNKNOWN;
use crate::framework::types::Type;
use crate::framework::value::{Number, Value};
use crate::protocol::cty::{err, CodecError, Path};

/// Encodes `value` as type `ty`. Objects get exactly one entry per attribute
/// of the type, in sorted order, because Terraform rejects any other count.
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let mut w = Writer { buf: ByteBuf::with_capacity(256) };
    w.value(value, ty, &Path::Root)?;
    Ok(w.buf.into_vec())
}

/// Writing into a `ByteBuf` cannot fail (its error type is uninhabited); the
/// only encoding errors are values that do not fit their type or msgpack.
struct Writer {
    buf: ByteBuf,
}

/// Unwraps what `rmp` returns when writing into a `ByteBuf`.
fn written<T>(result: Result<T, ValueWriteError<Infallible>>) -> T {
    match result {
        Ok(t) => t,
        Err(ValueWriteError::InvalidMarkerWrite(never) | ValueWriteError::InvalidDataWrite(never)) => match never {},
    }
}

/// msgpack lengths are 32-bit.
fn length(n: usize, p: &Path<'_>) -> Result<u32, CodecError> {
    u32::try_from(n).map_err(|_| err(p, "value is too large for msgpack"))
}

impl Writer {
    fn value(&mut self, value: &Value, ty: &Type, p: &Path<'_>) -> Result<(), CodecError> {
        match (value, ty) {
            (Value::Null, _) => {
                let Ok(()) = wr::write_nil(&mut self.buf);
            }
            (Value::Unknown(_), _) => self.unknown(),
            (v, Type::Dynamic) => self.dynamic(v, p)?,
            (Value::Bool(b), Type::Bool) => {
                let Ok(()) = wr::write_bool(&mut self.buf, *b);
            }
            (Value::Number(n), Type::Number) => self.number(n, p)?,
            (Value::String(s), Type::String) => self.str(s, p)?,
            (Value::List(items), Type::List(e)) | (Value::Set(items), Type::Set(e)) => {
                self.array_len(items.len(), p)?;
                for (i, item) in items.iter().enumerate() {
                    self.value(item, e, &p.index(i))?;
                }
            }
            (Value::Tuple(items), Type::Tuple(elems)) => {
                if items.len() != elems.len() {
                    return Err(err(p, "tuple length does not match its type"));
                }
                self.array_len(items.len(), p)?;
                for (i, (item, e)) in items.iter().zip(elems).enumerate() {
                    self.value(item, e, &p.index(i))?;
                }
            }
            (Value::Map(m), Type::Map(e)) => {
                self.map_len(m.len(), p)?;
                for (k, v) in m {
                    self.str(k, p)?;
                    self.value(v, e, &p.key(k))?;
                }
            }
            (Value::Object(m), Type::Object(attrs)) => {
                if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                    return Err(err(p, format!("value has attribute {extra:?} that its type does not")));
                }
                self.map_len(attrs.len(), p)?;
                for (k, at) in attrs {
                    self.str(k, p)?;
                    self.value(m.get(k).unwrap_or(&Value::Null), at, &p.key(k))?;
                }
            }
            (v, t) => return Err(err(p, format!("cannot encode {v:?} as {}", t.friendly_name()))),
        }
        Ok(())
    }

    /// An unrefined unknown: fixext1, type 0, one zero byte (cty's form).
    fn unknown(&mut self) {
        written(wr::write_ext_meta(&mut self.buf, 1, EXT_UNKNOWN));
        let Ok(()) = self.buf.write_bytes(&[0]);
    }

    /// A known value under a dynamic type travels with its type:
    /// `[bin(type JSON), value]`.
    fn dynamic(&mut self, v: &Value, p: &Path<'_>) -> Result<(), CodecError> {
        let inferred = infer_type(v);
        self.array_len(2, p)?;
        let type_json = inferred.to_json_bytes();
        // `write_bin` would silently truncate a length beyond 32 bits.
        length(type_json.len(), p)?;
        written(wr::write_bin(&mut self.buf, &type_json));
        self.value(v, &inferred, p)
    }

    fn number(&mut self, n: &Number, p: &Path<'_>) -> Result<(), CodecError> {
        match n {
            Number::Int(i) => {
                written(wr::write_sint(&mut self.buf, *i));
            }
            Number::UInt(u) => {
                written(wr::write_uint(&mut self.buf, *u));
            }
            Number::Float(f) => match n.as_i64() {
                Some(i) => {
                    written(wr::write_sint(&mut self.buf, i));
                }
                None => written(wr::write_f64(&mut self.buf, *f)),
            },
            // cty writes numbers beyond int64/float64 precision as decimal text.
            Number::Decimal(s) => self.str(s, p)?,
        }
        Ok(())
    }

    fn str(&mut self, s: &str, p: &Path<'_>) -> Result<(), CodecError> {
        // `write_str` would silently truncate a length beyond 32 bits.
        length(s.len(), p)?;
        written(wr::write_str(&mut self.buf, s));
        Ok(())
    }

    fn array_len(&mut self, n: usize, p: &Path<'_>) -> Result<(), CodecError> {
        written(wr::write_array_len(&mut self.buf, length(n, p)?));
        Ok(())
    }

    fn map_len(&mut self, n: usize, p: &Path<'_>) -> Result<(), CodecError> {
        written(wr::write_map_len(&mut self.buf, length(n, p)?));
        Ok(())
    }
}

/// The type of a known value, for values stored under a dynamic type.
fn infer_type(v: &Value) -> Type {
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
