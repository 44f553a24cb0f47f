//! A small provider framework of our own: the concepts a provider author
//! works with (schemas, values with null and unknown, diagnostics with
//! attribute paths, and the provider and data-source traits), independent of
//! the protocol version on the wire.

pub mod data_source;
pub mod diagnostics;
pub(crate) mod duration;
pub mod provider;
pub mod schema;
pub(crate) mod server;
pub(crate) mod typed;
pub mod types;
pub mod value;
