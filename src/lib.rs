//! terraform-provider-oms: a Terraform provider, served over Terraform's gRPC
//! plugin protocol, whose data source `oms_sync_task` reads a Huawei Cloud
//! OMS synchronization task.
//!
//! Layers, each depending only on those listed after it:
//! - [`transport`]: go-plugin launch, handshake, AutoMTLS, the gRPC server;
//! - [`protocol`]: tfplugin5/tfplugin6 messages to and from our own types,
//!   and the cty msgpack/JSON codecs;
//! - [`provider`]: the OMS provider and its data sources;
//! - [`framework`]: schema, values (null/unknown), diagnostics, traits;
//! - [`oms`]: the OMS API client (endpoint, signing, retries, model);
//! - [`crypto`]: the TLS crypto provider shared by the plugin server and the
//!   OMS client;
//! - [`logging`]: hclog JSON lines on stderr.
//!
//! The local OMS-compatible server used by the tests and the demo is the separate
//! workspace crate `oms-local-server`, so none of it ships in this library or binary.

pub mod crypto;
pub mod framework;
pub mod logging;
pub mod oms;
pub mod protocol;
pub mod provider;
pub mod transport;
