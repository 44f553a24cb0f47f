//! proptest strategies for cty types and values, shared by the msgpack and
//! JSON codec tests.

use proptest::prelude::*;

use crate::framework::types::Type;
use crate::framework::value::{Number, Value};

/// Types up to four levels deep, with every kind but dynamic.
pub(crate) fn arb_type() -> impl Strategy<Value = Type> {
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

/// Which encoding the values are for: the two carry different sets.
#[derive(Clone, Copy)]
pub(crate) enum Codec {
    /// Unknowns anywhere, and any non-integral float.
    Msgpack,
    /// No unknowns (JSON cannot carry them), and only floats whose decimal
    /// text is short enough that `serde_json` reads it back exactly (without
    /// its `float_roundtrip` feature it may be one ulp off on long ones).
    Json,
}

/// A type together with a value that conforms to it.
pub(crate) fn arb_typed_value(codec: Codec) -> impl Strategy<Value = (Type, Value)> {
    arb_type().prop_flat_map(move |t| (Just(t.clone()), arb_value(t, codec)))
}

fn arb_float(codec: Codec) -> BoxedStrategy<f64> {
    match codec {
        Codec::Msgpack => (-1e12f64..1e12f64).prop_filter("non-integral", |f| f.fract() != 0.0).boxed(),
        Codec::Json => (-(1i64 << 40)..(1i64 << 40))
            .prop_filter("non-integral", |i| i % 4 != 0)
            .prop_map(|i| i as f64 / 4.0)
            .boxed(),
    }
}

/// Values of `ty`, null at any depth (and unknown, for msgpack). Numbers
/// cover the whole int64 and uint64 ranges and non-integral floats.
pub(crate) fn arb_value(ty: Type, codec: Codec) -> BoxedStrategy<Value> {
    let known: BoxedStrategy<Value> = match ty {
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Number => prop_oneof![
            any::<i64>().prop_map(Value::int),
            any::<u64>().prop_map(|u| Value::Number(match i64::try_from(u) {
                Ok(i) => Number::Int(i),
                Err(_) => Number::UInt(u),
            })),
            arb_float(codec).prop_map(|f| Value::Number(Number::Float(f))),
        ]
        .boxed(),
        Type::String => ".{0,40}".prop_map(Value::String).boxed(),
        Type::Dynamic => Just(Value::Null).boxed(),
        Type::List(e) => prop::collection::vec(arb_value(*e, codec), 0..4).prop_map(Value::List).boxed(),
        Type::Set(e) => prop::collection::vec(arb_value(*e, codec), 0..4).prop_map(Value::Set).boxed(),
        Type::Map(e) => {
            prop::collection::btree_map("[a-zé]{0,5}", arb_value(*e, codec), 0..4).prop_map(Value::Map).boxed()
        }
        Type::Object(attrs) => {
            let parts: Vec<_> =
                attrs.into_iter().map(|(k, t)| arb_value(t, codec).prop_map(move |v| (k.clone(), v))).collect();
            parts.prop_map(|kv| Value::Object(kv.into_iter().collect())).boxed()
        }
        Type::Tuple(elems) => {
            let parts: Vec<_> = elems.into_iter().map(|t| arb_value(t, codec)).collect();
            parts.prop_map(Value::Tuple).boxed()
        }
    };
    let special = match codec {
        Codec::Msgpack => prop_oneof![Just(Value::Null), Just(Value::unknown())].boxed(),
        Codec::Json => Just(Value::Null).boxed(),
    };
    prop_oneof![1 => special, 6 => known].boxed()
}
