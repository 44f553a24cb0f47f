//! Terraform's plugin protocol: the generated tfplugin5/tfplugin6 and
//! go-plugin messages, the cty value codecs, and the gRPC services that
//! translate between the wire and the framework.
//!
//! Both services come from one recipe (`service`) over one set of
//! conversions (`wire`); `v5` and `v6` only name what differs between the
//! protocol versions. Nothing here knows which provider it serves: texts
//! that name the provider are built from what it registered (`unsupported`).

mod cty;
pub mod cty_json;
pub mod cty_msgpack;
#[cfg(test)]
mod cty_strategies;
mod service;
#[cfg(test)]
mod test_support;
mod unsupported;
pub(crate) mod v5;
pub(crate) mod v6;
mod wire;

/// Generated from `proto/tfplugin6.proto` (protocol 6.10).
#[allow(clippy::all, missing_docs)]
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

/// Generated from `proto/tfplugin5.proto` (protocol 5.10).
#[allow(clippy::all, missing_docs)]
pub mod tfplugin5 {
    tonic::include_proto!("tfplugin5");
}

/// go-plugin's controller, stdio and broker services.
#[allow(clippy::all, missing_docs)]
pub mod plugin {
    tonic::include_proto!("plugin");
}
