//! The msgpack encoding of cty values inside `DynamicValue.msgpack`
//! (go-cty `cty/msgpack`, Terraform `docs/plugin-protocol/object-wire-format.md`).
//! The MessagePack items themselves are read and written with `rmp`; these
//! modules decide which items a cty value becomes, byte for byte as go-cty
//! does, because Terraform compares what it gets with what it planned.

mod decode;
mod encode;
#[cfg(test)]
mod tests;

pub use super::cty::CodecError;
pub use decode::decode;
pub use encode::encode;

/// The ext type cty writes for an unknown value without refinements.
const EXT_UNKNOWN: i8 = 0;
/// The ext type code cty uses for an unknown value that carries refinements.
const EXT_REFINED_UNKNOWN: i8 = 12;
