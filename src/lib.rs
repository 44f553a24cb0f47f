//! terraform-provider-oms: a Terraform provider, served over Terraform's gRPC
//! plugin protocol, whose data sources read Huawei Cloud OMS synchronization
//! tasks (`oms_sync_task`, `oms_sync_tasks`, `oms_sync_task_statistics`).
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
//! The local OMS-compatible server used by the tests and the demo
//! (`oms-local-server`) and the docs generator (`oms-docgen`) are separate
//! workspace crates, so none of them ships in this library or binary.

pub mod crypto;
pub mod framework;
pub mod logging;
pub mod oms;
pub mod protocol;
pub mod provider;
pub mod transport;
