//! What the two cty value codecs (msgpack in `cty_msgpack`, JSON in
//! `cty_json`) share: the error with the path of the value being read, the
//! nesting bound, and the type checks, whose wording is the same whichever
//! encoding the value arrived in.

use std::fmt;

use crate::framework::types::{Type, MAX_TYPE_DEPTH};
use crate::framework::value::{Number, Value};

/// Why a value could not be decoded or encoded, and where in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecError {
    /// What is wrong, e.g. "string required".
    pub message: String,
    /// Dotted path of the value being read, for diagnostics; empty at the top.
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

/// The path of an attribute, key or index below `path`.
pub(crate) fn child(path: &str, step: &str) -> String {
    if path.is_empty() {
        step.to_string()
    } else {
        format!("{path}.{step}")
    }
}

/// Values may nest twice as deep as types (a dynamic value adds a level for
/// its type), and no deeper: the decoders recurse, and input is untrusted.
pub(crate) fn check_depth(path: &str, depth: usize) -> Result<(), CodecError> {
    if depth > MAX_TYPE_DEPTH * 2 {
        return Err(err(path, "value is nested too deeply"));
    }
    Ok(())
}

/// The value at `path` has the wrong shape for `ty` ("list of string required").
pub(crate) fn required(path: &str, ty: &Type) -> CodecError {
    err(path, format!("{} required", ty.friendly_name()))
}

pub(crate) fn check_tuple_length(path: &str, got: usize, elements: &[Type]) -> Result<(), CodecError> {
    if got != elements.len() {
        return Err(err(path, format!("a tuple of length {} is required", elements.len())));
    }
    Ok(())
}

pub(crate) fn unsupported_attribute(path: &str, name: &str) -> CodecError {
    err(path, format!("unsupported attribute {name:?}"))
}

/// cty writes numbers beyond int64 and float64 precision as decimal text.
pub(crate) fn parse_number(path: &str, text: &str) -> Result<Number, CodecError> {
    Number::parse(text).ok_or_else(|| err(path, format!("{text:?} is not a valid number")))
}

/// The concrete type a dynamic value declares (in cty's JSON type notation).
/// A dynamic value must say what it is, so "dynamic" itself is refused.
pub(crate) fn dynamic_type(path: &str, json: &serde_json::Value) -> Result<Type, CodecError> {
    let ty = Type::from_json(json).map_err(|e| err(path, e))?;
    if ty == Type::Dynamic {
        return Err(err(path, "dynamic value cannot have dynamic type"));
    }
    Ok(ty)
}

/// Lists and sets share an encoding in both codecs; the type tells them apart.
pub(crate) fn sequence(ty: &Type, items: Vec<Value>) -> Value {
    if matches!(ty, Type::Set(_)) {
        Value::Set(items)
    } else {
        Value::List(items)
    }
}
