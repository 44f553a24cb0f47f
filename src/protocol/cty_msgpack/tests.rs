//! The codec against the bytes go-cty writes and reads.

use proptest::prelude::*;

use super::{decode, encode};
use crate::framework::types::Type;
use crate::framework::value::{Number, Value};
use crate::protocol::cty_strategies::{arb_type, arb_typed_value, Codec};

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

/// A diagnostic names the value that failed, dotted from the top: attribute
/// names and map keys as they are, list elements by index.
#[test]
fn errors_name_the_path_of_the_bad_value() {
    let ty = Type::Object(
        [("settings".to_string(), Type::Map(Type::List(Box::new(Type::String)).into()))].into_iter().collect(),
    );
    // {"settings": {"k": ["a", 5]}}: the second element is a number.
    let bytes = [0x81, 0xa8, b's', b'e', b't', b't', b'i', b'n', b'g', b's', 0x81, 0xa1, b'k', 0x92, 0xa1, b'a', 0x05];
    let e = decode(&bytes, &ty).unwrap_err();
    assert_eq!((e.path.as_str(), e.message.as_str()), ("settings.k.1", "string required"));
    assert_eq!(e.to_string(), "settings.k.1: string required");
    // At the top the path is empty and the message stands alone.
    let e = decode(&[0x05], &Type::String).unwrap_err();
    assert_eq!((e.path.as_str(), e.to_string().as_str()), ("", "string required"));
    // Encoding reports paths the same way.
    let bad = obj(&[("settings", Value::Map([("k".to_string(), Value::List(vec![Value::Bool(true)]))].into()))]);
    let e = encode(&bad, &ty).unwrap_err();
    assert_eq!(e.path, "settings.k.0");
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

#[test]
fn lengths_and_integers_take_the_shortest_form() {
    // (value, type, the bytes go-cty writes up to the payload)
    let string = |n: usize| Value::string("x".repeat(n));
    let nulls = |n: usize| Value::List(vec![Value::Null; n]);
    let cases: Vec<(Value, Type, Vec<u8>)> = vec![
        (string(0), Type::String, vec![0xa0]),
        (string(31), Type::String, vec![0xbf]),
        (string(32), Type::String, vec![0xd9, 32]),
        (string(255), Type::String, vec![0xd9, 0xff]),
        (string(256), Type::String, vec![0xda, 0x01, 0x00]),
        (string(65535), Type::String, vec![0xda, 0xff, 0xff]),
        (string(65536), Type::String, vec![0xdb, 0x00, 0x01, 0x00, 0x00]),
        (nulls(15), Type::list(Type::String), vec![0x9f]),
        (nulls(16), Type::list(Type::String), vec![0xdc, 0x00, 0x10]),
        (nulls(65535), Type::list(Type::String), vec![0xdc, 0xff, 0xff]),
        (nulls(65536), Type::list(Type::String), vec![0xdd, 0x00, 0x01, 0x00, 0x00]),
        (Value::int(127), Type::Number, vec![0x7f]),
        (Value::int(255), Type::Number, vec![0xcc, 0xff]),
        (Value::int(256), Type::Number, vec![0xcd, 0x01, 0x00]),
        (Value::int(65535), Type::Number, vec![0xcd, 0xff, 0xff]),
        (Value::int(65536), Type::Number, vec![0xce, 0x00, 0x01, 0x00, 0x00]),
        (Value::int(u32::MAX.into()), Type::Number, vec![0xce, 0xff, 0xff, 0xff, 0xff]),
        (Value::int(1 << 32), Type::Number, vec![0xcf, 0, 0, 0, 1, 0, 0, 0, 0]),
        (
            Value::Number(Number::UInt(u64::MAX)),
            Type::Number,
            vec![0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
        ),
        (Value::int(-1), Type::Number, vec![0xff]),
        (Value::int(-33), Type::Number, vec![0xd0, 0xdf]),
        (Value::int(-128), Type::Number, vec![0xd0, 0x80]),
        (Value::int(-129), Type::Number, vec![0xd1, 0xff, 0x7f]),
        (Value::int(-32768), Type::Number, vec![0xd1, 0x80, 0x00]),
        (Value::int(-32769), Type::Number, vec![0xd2, 0xff, 0xff, 0x7f, 0xff]),
        (Value::int(i32::MIN.into()), Type::Number, vec![0xd2, 0x80, 0x00, 0x00, 0x00]),
        (Value::int(i64::from(i32::MIN) - 1), Type::Number, vec![0xd3, 0xff, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff]),
        // Integral floats are ints; others are float64, never float32.
        (Value::Number(Number::Float(3.0)), Type::Number, vec![0x03]),
        (Value::Number(Number::Float(0.5)), Type::Number, vec![0xcb, 0x3f, 0xe0, 0, 0, 0, 0, 0, 0]),
        (Value::Number(Number::Decimal("123456789012345678901234567890".into())), Type::Number, vec![0xbe, b'1']),
        (Value::Bool(true), Type::Bool, vec![0xc3]),
        (Value::Bool(false), Type::Bool, vec![0xc2]),
        (Value::Null, Type::String, vec![0xc0]),
        // A string under a dynamic type: [bin8 of the type JSON, value].
        (Value::string("s"), Type::Dynamic, [&[0x92, 0xc4, 8][..], br#""string""#, &[0xa1, b's']].concat()),
    ];
    for (v, ty, want) in cases {
        let got = encode(&v, &ty).unwrap();
        assert_eq!(&got[..want.len().min(got.len())], &want[..], "{ty:?}");
        assert_eq!(decode(&got, &ty).unwrap(), v, "{ty:?}");
    }
    let mut map: std::collections::BTreeMap<String, Value> =
        (0..15).map(|i| (format!("{i:02}"), Value::Null)).collect();
    assert_eq!(encode(&Value::Map(map.clone()), &Type::map(Type::Bool)).unwrap()[0], 0x8f);
    map.insert("15".into(), Value::Null);
    assert_eq!(encode(&Value::Map(map), &Type::map(Type::Bool)).unwrap()[..3], [0xde, 0x00, 0x10]);
}

#[test]
fn bin_and_ext_items_are_read_in_every_length_form() {
    for bytes in [vec![0xc4, 1, b'a'], vec![0xc5, 0, 1, b'a'], vec![0xc6, 0, 0, 0, 1, b'a']] {
        assert_eq!(decode(&bytes, &Type::String).unwrap(), Value::string("a"), "{bytes:x?}");
    }
    for bytes in [vec![0xc7, 0, 3], vec![0xc8, 0, 1, 3, 0], vec![0xc9, 0, 0, 0, 0, 3], vec![0xd5, 3, 0, 0]] {
        assert!(decode(&bytes, &Type::Bool).unwrap().is_unknown(), "{bytes:x?}");
    }
    assert!(decode(&[0xc1], &Type::Bool).unwrap_err().message.contains("0xc1"));
}

proptest! {
    #[test]
    fn round_trip((ty, v) in arb_typed_value(Codec::Msgpack)) {
        let bytes = encode(&v, &ty).unwrap();
        let back = decode(&bytes, &ty).unwrap();
        prop_assert_eq!(back, v);
    }

    /// One value, one encoding: what is read back is written identically.
    #[test]
    fn encoding_is_canonical((ty, v) in arb_typed_value(Codec::Msgpack)) {
        let bytes = encode(&v, &ty).unwrap();
        prop_assert_eq!(encode(&decode(&bytes, &ty).unwrap(), &ty).unwrap(), bytes);
    }

    #[test]
    fn integral_floats_are_written_as_ints(i in -(1i64 << 53)..(1i64 << 53)) {
        let float = encode(&Value::Number(Number::Float(i as f64)), &Type::Number).unwrap();
        prop_assert_eq!(float, encode(&Value::int(i), &Type::Number).unwrap());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256), ty in arb_type()) {
        let _ = decode(&bytes, &ty);
        let _ = decode(&bytes, &Type::Dynamic);
    }

    #[test]
    fn mutated_valid_input_never_panics((ty, v) in arb_typed_value(Codec::Msgpack), flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4)) {
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
