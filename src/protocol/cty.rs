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

/// Where in a value a codec is: a chain of borrowed steps from the top.
/// A read decodes and encodes dozens of attributes and almost never fails, so
/// the dotted text of a path is only built when an error reports it.
#[derive(Clone, Copy)]
pub(crate) enum Path<'a> {
    /// The value itself.
    Root,
    /// An attribute of an object or a key of a map.
    Key(&'a Path<'a>, &'a str),
    /// An element of a list, set or tuple.
    Index(&'a Path<'a>, usize),
}

impl<'a> Path<'a> {
    pub(crate) fn key(&'a self, name: &'a str) -> Path<'a> {
        Path::Key(self, name)
    }

    pub(crate) fn index(&'a self, i: usize) -> Path<'a> {
        Path::Index(self, i)
    }

    /// Dotted, as in "settings.0.name"; empty for the top.
    fn render(&self) -> String {
        let (parent, step) = match self {
            Path::Root => return String::new(),
            Path::Key(parent, name) => (parent, (*name).to_string()),
            Path::Index(parent, i) => (parent, i.to_string()),
        };
        let above = parent.render();
        if above.is_empty() {
            step
        } else {
            format!("{above}.{step}")
        }
    }
}

pub(crate) fn err(path: &Path<'_>, message: impl Into<String>) -> CodecError {
    CodecError { message: message.into(), path: path.render() }
}

/// Values may nest twice as deep as types (a dynamic value adds a level for
/// its type), and no deeper: the decoders recurse, and input is untrusted.
pub(crate) fn check_depth(path: &Path<'_>, depth: usize) -> Result<(), CodecError> {
    if depth > MAX_TYPE_DEPTH * 2 {
        return Err(err(path, "value is nested too deeply"));
    }
    Ok(())
}

/// The value at `path` has the wrong shape for `ty` ("list of string required").
pub(crate) fn required(path: &Path<'_>, ty: &Type) -> CodecError {
    err(path, format!("{} required", ty.friendly_name()))
}

pub(crate) fn check_tuple_length(path: &Path<'_>, got: usize, elements: &[Type]) -> Result<(), CodecError> {
    if got != elements.len() {
        return Err(err(path, format!("a tuple of length {} is required", elements.len())));
    }
    Ok(())
}

pub(crate) fn unsupported_attribute(path: &Path<'_>, name: &str) -> CodecError {
    err(path, format!("unsupported attribute {name:?}"))
}

/// cty writes numbers beyond int64 and float64 precision as decimal text.
pub(crate) fn parse_number(path: &Path<'_>, text: &str) -> Result<Number, CodecError> {
    Number::parse(text).ok_or_else(|| err(path, format!("{text:?} is not a valid number")))
}

/// The concrete type a dynamic value declares (in cty's JSON type notation).
/// A dynamic value must say what it is, so "dynamic" itself is refused.
pub(crate) fn dynamic_type(path: &Path<'_>, json: &serde_json::Value) -> Result<Type, CodecError> {
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
