//! Protocol abuse (issue 11, Reliability): hostile or broken requests through the gRPC
//! harness — the built binary launched as Terraform launches it, over AutoMTLS — for
//! protocol 6 and protocol 5. Each must be answered with an error diagnostic or a gRPC
//! status, never a crash or a hang, and the same process must go on serving: after
//! every case a real read against the local OMS server has to succeed.
//!
//! Requests are sent as raw bytes on the RPC paths, so one table of cases drives both
//! protocols and can also carry bytes no generated client would produce. The messages
//! used here (Configure/ConfigureProvider, ValidateDataSourceConfig/
//! ValidateDataResourceConfig, ReadDataSource, DynamicValue, Diagnostic) have the same
//! field numbers and types in tfplugin5 and tfplugin6, so the tfplugin6 types encode
//! and decode both.

mod common;

use common::plugin;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use prost::bytes::{Buf, BufMut};
use prost::Message;
use terraform_provider_oms::framework::schema::Block;
use terraform_provider_oms::framework::value::Value;
// The local OMS server (moving to the `oms_local_server` crate: re-point this line).
use oms_local_server::{LocalOmsServer, ServerConfig, DEMO_ACCESS_KEY, DEMO_PROJECT_ID, DEMO_SECRET_KEY, SEED_TASK_ID};
use terraform_provider_oms::protocol::cty_msgpack;
use terraform_provider_oms::protocol::tfplugin6 as pb;
use terraform_provider_oms::provider::{provider_schema, sync_task};
use terraform_provider_oms::transport::MAX_MESSAGE_BYTES;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::transport::Channel;

// ------------------------------------------------------------ raw gRPC calls

/// Passes bytes through unchanged, so a test controls every byte of a request.
#[derive(Default, Clone)]
struct RawCodec;

impl Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = RawCodec;
    type Decoder = RawCodec;
    fn encoder(&mut self) -> RawCodec {
        RawCodec
    }
    fn decoder(&mut self) -> RawCodec {
        RawCodec
    }
}

impl Encoder for RawCodec {
    type Item = Vec<u8>;
    type Error = tonic::Status;
    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for RawCodec {
    type Item = Vec<u8>;
    type Error = tonic::Status;
    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, tonic::Status> {
        Ok(Some(src.copy_to_bytes(src.remaining()).to_vec()))
    }
}

/// RPC paths of one protocol version.
/// The same name in both protocols.
const READ: &str = "ReadDataSource";

#[derive(Clone, Copy, Debug)]
struct Protocol {
    version: u32,
    service: &'static str,
    configure: &'static str,
    validate_data_source: &'static str,
}

const V6: Protocol = Protocol {
    version: 6,
    service: "tfplugin6.Provider",
    configure: "ConfigureProvider",
    validate_data_source: "ValidateDataResourceConfig",
};
const V5: Protocol = Protocol {
    version: 5,
    service: "tfplugin5.Provider",
    configure: "Configure",
    validate_data_source: "ValidateDataSourceConfig",
};

struct Harness {
    protocol: Protocol,
    plugin: plugin::Plugin,
    channel: Channel,
    server: LocalOmsServer,
}

impl Harness {
    async fn start(protocol: Protocol) -> Harness {
        let server =
            LocalOmsServer::start(ServerConfig::with_sample_tasks(DEMO_PROJECT_ID, DEMO_ACCESS_KEY, DEMO_SECRET_KEY))
                .await
                .unwrap();
        let id = plugin::client_identity();
        let versions = protocol.version.to_string();
        let plugin =
            plugin::launch(Some(&id), &[("PLUGIN_PROTOCOL_VERSIONS", &versions), ("TF_LOG_PROVIDER", "trace")]);
        assert_eq!(plugin.protocol, protocol.version);
        let channel = plugin.connect(Some(&id)).await.expect("connect");
        Harness { protocol, plugin, channel, server }
    }

    async fn raw(&self, method: &str, body: Vec<u8>) -> Result<Vec<u8>, tonic::Status> {
        self.raw_limited(method, body, 4 << 20).await
    }

    async fn raw_limited(&self, method: &str, body: Vec<u8>, limit: usize) -> Result<Vec<u8>, tonic::Status> {
        let mut grpc = tonic::client::Grpc::new(self.channel.clone()).max_encoding_message_size(limit);
        grpc.ready().await.map_err(|e| tonic::Status::unavailable(e.to_string()))?;
        let path = format!("/{}/{method}", self.protocol.service).parse().unwrap();
        let r = tokio::time::timeout(Duration::from_secs(60), grpc.unary(tonic::Request::new(body), path, RawCodec))
            .await
            .unwrap_or_else(|_| panic!("v{}: {method} did not answer within 60 s", self.protocol.version));
        r.map(tonic::Response::into_inner)
    }

    /// Sends a message and returns the decoded response, or the status.
    async fn call<Resp: Message + Default>(&self, method: &str, req: impl Message) -> Result<Resp, tonic::Status> {
        self.raw(method, req.encode_to_vec()).await.map(|b| Resp::decode(b.as_slice()).expect("a valid response"))
    }

    async fn configure(&self, config: pb::DynamicValue) -> Result<pb::configure_provider::Response, tonic::Status> {
        let req = pb::configure_provider::Request {
            terraform_version: "abuse".into(),
            config: Some(config),
            client_capabilities: None,
        };
        self.call(self.protocol.configure, req).await
    }

    async fn configure_good(&self) {
        let r = self.configure(dynamic(&provider_config(&self.server.url()), &provider_block())).await.unwrap();
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    }

    async fn validate(&self, type_name: &str, config: pb::DynamicValue) -> Result<Vec<pb::Diagnostic>, tonic::Status> {
        let req = pb::validate_data_resource_config::Request { type_name: type_name.into(), config: Some(config) };
        self.call::<pb::validate_data_resource_config::Response>(self.protocol.validate_data_source, req)
            .await
            .map(|r| r.diagnostics)
    }

    async fn read(
        &self,
        type_name: &str,
        config: pb::DynamicValue,
    ) -> Result<pb::read_data_source::Response, tonic::Status> {
        let req =
            pb::read_data_source::Request { type_name: type_name.into(), config: Some(config), ..Default::default() };
        self.call(READ, req).await
    }

    /// The process is alive and a real read still works.
    async fn assert_still_serving(&self, after: &str) {
        let v = self.protocol.version;
        assert!(
            self.plugin_alive(),
            "v{v}: the provider exited after {after}:\n{}",
            tail(&self.plugin.stderr_text(), 40)
        );
        let before = self.server.request_count();
        let r = self
            .read("oms_sync_task", dynamic(&read_config(SEED_TASK_ID), &data_block()))
            .await
            .unwrap_or_else(|s| panic!("v{v}: no read after {after}: {s:?}"));
        assert!(r.diagnostics.is_empty(), "v{v}: read after {after}: {:?}", r.diagnostics);
        assert!(r.state.is_some(), "v{v}: read after {after} has no state");
        assert_eq!(self.server.request_count(), before + 1, "v{v}: read after {after}");
    }

    fn plugin_alive(&self) -> bool {
        // `Plugin` owns the child; /proc tells whether it is still running (a zombie
        // has exited too).
        let pid = self.plugin.child.id();
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Ok(stat) => !stat.split_whitespace().nth(2).is_some_and(|s| s == "Z" || s == "X"),
            Err(_) => false,
        }
    }
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

// ------------------------------------------------------------ values

fn provider_block() -> Block {
    provider_schema::schema().block
}

fn data_block() -> Block {
    sync_task::schema().block
}

fn object_for(block: &Block, set: &[(&str, Value)]) -> BTreeMap<String, Value> {
    let mut m: BTreeMap<String, Value> = block.attributes.iter().map(|a| (a.name.clone(), Value::Null)).collect();
    for b in &block.blocks {
        m.insert(b.type_name.clone(), Value::Null);
    }
    for (k, v) in set {
        m.insert(k.to_string(), v.clone());
    }
    m
}

fn provider_config(url: &str) -> Value {
    Value::Object(object_for(
        &provider_block(),
        &[
            ("region", Value::string("cn-north-4")),
            ("project_id", Value::string(DEMO_PROJECT_ID)),
            ("access_key", Value::string(DEMO_ACCESS_KEY)),
            ("secret_key", Value::string(DEMO_SECRET_KEY)),
            ("max_retries", Value::int(0)),
            ("endpoints", Value::Map([("oms".to_string(), Value::string(url))].into())),
        ],
    ))
}

fn read_config(task: &str) -> Value {
    Value::Object(object_for(&data_block(), &[("sync_task_id", Value::string(task))]))
}

fn dynamic(v: &Value, block: &Block) -> pb::DynamicValue {
    msgpack(cty_msgpack::encode(v, &block.implied_type()).unwrap())
}

fn msgpack(bytes: Vec<u8>) -> pb::DynamicValue {
    pb::DynamicValue { msgpack: bytes, json: vec![] }
}

fn json(bytes: &[u8]) -> pb::DynamicValue {
    pb::DynamicValue { msgpack: vec![], json: bytes.to_vec() }
}

/// A msgpack map written by hand: `entries` are (key, already-encoded value).
fn map(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    rmp::encode::write_map_len(&mut out, entries.len() as u32).unwrap();
    for (k, v) in entries {
        rmp::encode::write_str(&mut out, k).unwrap();
        out.extend_from_slice(v);
    }
    out
}

fn mp_str(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    rmp::encode::write_str(&mut out, s).unwrap();
    out
}

fn mp_int(i: i64) -> Vec<u8> {
    let mut out = Vec::new();
    rmp::encode::write_sint(&mut out, i).unwrap();
    out
}

/// The data source config with one attribute's encoded value replaced.
fn read_config_with(attr: &str, encoded: Vec<u8>) -> Vec<u8> {
    let block = data_block();
    let m = object_for(&block, &[]);
    let entries: Vec<(&str, Vec<u8>)> =
        m.keys().map(|k| (k.as_str(), if k == attr { encoded.clone() } else { vec![0xc0] })).collect();
    map(&entries)
}

/// Deterministic pseudo-random bytes (xorshift), so a failure reproduces.
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u8
        })
        .collect()
}

/// The hostile DynamicValues, each with a name for failure messages.
fn hostile_values() -> Vec<(&'static str, pb::DynamicValue)> {
    let good = cty_msgpack::encode(&read_config(SEED_TASK_ID), &data_block().implied_type()).unwrap();
    // Every attribute of the schema plus one it does not have.
    let block = data_block();
    let m = object_for(&block, &[]);
    let mut entries: Vec<(&str, Vec<u8>)> =
        m.keys().map(|k| (k.as_str(), if k == "sync_task_id" { mp_str(SEED_TASK_ID) } else { vec![0xc0] })).collect();
    entries.push(("bogus_attribute", vec![0xc0]));
    let with_extra = map(&entries);
    let deep_array: Vec<u8> = std::iter::repeat_n(0x91u8, 100_000).chain([0xc0]).collect();
    let deep_json: Vec<u8> = std::iter::repeat_n(b'[', 100_000).chain(std::iter::repeat_n(b']', 100_000)).collect();
    let mut deep_in_attr = vec![0x91u8; 10_000];
    deep_in_attr.push(0xc0);
    vec![
        ("invalid msgpack marker 0xc1", msgpack(vec![0xc1])),
        ("truncated msgpack", msgpack(good[..good.len() / 2].to_vec())),
        ("trailing bytes", msgpack([good.clone(), vec![0xc0]].concat())),
        ("random bytes", msgpack(noise(4096, 0x9e3779b97f4a7c15))),
        ("map claiming 4 billion entries", msgpack(vec![0xdf, 0xff, 0xff, 0xff, 0xff])),
        ("string claiming 4 GiB", msgpack(vec![0xdb, 0xff, 0xff, 0xff, 0xff, b'a'])),
        ("missing attributes", msgpack(map(&[("sync_task_id", mp_str(SEED_TASK_ID))]))),
        ("an extra attribute", msgpack(with_extra)),
        ("a duplicated attribute", msgpack(map(&[("sync_task_id", mp_str("a")), ("sync_task_id", mp_str("b"))]))),
        ("sync_task_id as a number", msgpack(read_config_with("sync_task_id", mp_int(42)))),
        ("sync_task_id as a list", msgpack(read_config_with("sync_task_id", vec![0x91, 0xa1, b'x']))),
        ("query_time as a non-number string", msgpack(read_config_with("query_time", mp_str("yesterday")))),
        ("query_time as NaN", msgpack(read_config_with("query_time", vec![0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0]))),
        ("timeouts as a string", msgpack(read_config_with("timeouts", mp_str("5m")))),
        ("the whole config a string", msgpack(mp_str("oms_sync_task"))),
        ("the whole config an array", msgpack(vec![0x92, 0xc0, 0xc0])),
        ("100,000 nested arrays", msgpack(deep_array)),
        ("10,000 nested arrays in an attribute", msgpack(read_config_with("sync_task_id", deep_in_attr))),
        ("invalid JSON", json(b"{\"sync_task_id\": ")),
        ("100,000 nested JSON arrays", json(&deep_json)),
        ("JSON with wrong types", json(br#"{"sync_task_id": 42, "query_time": "soon", "timeouts": [1]}"#)),
        ("JSON with unknown attributes", json(br#"{"sync_task_id": "x", "nope": 1}"#)),
    ]
}

fn assert_error_diagnostic(diags: &[pb::Diagnostic], what: &str) {
    assert!(
        diags.iter().any(|d| d.severity == pb::diagnostic::Severity::Error as i32 && !d.summary.is_empty()),
        "{what}: expected an error diagnostic, got {diags:?}"
    );
}

// ------------------------------------------------------------ the cases

/// Hostile values in every place a value arrives: the data source config in
/// validation and in a read, and the provider config.
async fn hostile_values_are_refused(protocol: Protocol) {
    let h = Harness::start(protocol).await;
    h.configure_good().await;
    h.assert_still_serving("configuration").await;
    let v = protocol.version;
    for (what, value) in hostile_values() {
        let started = Instant::now();
        match h.validate("oms_sync_task", value.clone()).await {
            Ok(diags) => assert_error_diagnostic(&diags, &format!("v{v} validate, {what}")),
            Err(status) => panic!("v{v} validate, {what}: a diagnostic was expected, got {status:?}"),
        }
        let before = h.server.request_count();
        match h.read("oms_sync_task", value.clone()).await {
            Ok(r) => {
                assert_error_diagnostic(&r.diagnostics, &format!("v{v} read, {what}"));
                assert!(r.state.is_none(), "v{v} read, {what}: a state next to an error");
            }
            Err(status) => panic!("v{v} read, {what}: a diagnostic was expected, got {status:?}"),
        }
        assert_eq!(h.server.request_count(), before, "v{v} read, {what}: an invalid config reached OMS");
        assert!(started.elapsed() < Duration::from_secs(10), "v{v}: {what} took {:?}", started.elapsed());
        h.assert_still_serving(what).await;
    }
    // The same shapes as the provider configuration: refused, and the previous
    // configuration keeps working.
    for (what, value) in hostile_values() {
        let r = h.configure(value).await.unwrap_or_else(|s| panic!("v{v} configure, {what}: {s:?}"));
        assert_error_diagnostic(&r.diagnostics, &format!("v{v} configure, {what}"));
        h.assert_still_serving(&format!("configure with {what}")).await;
    }
    let bad_provider_values = [
        ("max_retries as a string", "max_retries", mp_str("many")),
        ("endpoints as a list", "endpoints", vec![0x91, 0xa1, b'x']),
        ("endpoints with a number", "endpoints", map(&[("oms", mp_int(7))])),
        ("region as a map", "region", map(&[("a", mp_str("b"))])),
    ];
    for (what, attr, encoded) in bad_provider_values {
        let m = object_for(&provider_block(), &[]);
        let entries: Vec<(&str, Vec<u8>)> =
            m.keys().map(|k| (k.as_str(), if k == attr { encoded.clone() } else { vec![0xc0] })).collect();
        let r = h.configure(msgpack(map(&entries))).await.unwrap_or_else(|s| panic!("v{v} configure, {what}: {s:?}"));
        assert_error_diagnostic(&r.diagnostics, &format!("v{v} configure, {what}"));
        h.assert_still_serving(&format!("configure with {what}")).await;
    }
    assert_no_secret_logged(&h);
}

/// Unknown type names, and messages that are not the protobuf they claim to be.
async fn unknown_names_and_broken_messages(protocol: Protocol) {
    let h = Harness::start(protocol).await;
    h.configure_good().await;
    let v = protocol.version;
    let config = dynamic(&read_config(SEED_TASK_ID), &data_block());
    for name in ["oms_nope", "", "oms_sync_task\0", "OMS_SYNC_TASK", &"x".repeat(100_000)] {
        let shown = &name[..name.len().min(20)];
        let diags = h.validate(name, config.clone()).await.unwrap_or_else(|s| panic!("v{v} {shown:?}: {s:?}"));
        assert_error_diagnostic(&diags, &format!("v{v} validate of {shown:?}"));
        let r = h.read(name, config.clone()).await.unwrap_or_else(|s| panic!("v{v} {shown:?}: {s:?}"));
        assert_error_diagnostic(&r.diagnostics, &format!("v{v} read of {shown:?}"));
        h.assert_still_serving(&format!("type name {shown:?}")).await;
    }
    // Not protobuf at all, a field with the wrong wire type, a length running past
    // the end, and invalid UTF-8 in a string field: the gRPC layer refuses them.
    let broken: [(&str, Vec<u8>); 4] = [
        ("garbage", vec![0xff; 16]),
        ("type_name as a varint", vec![0x08, 0x01]),
        ("a length past the end", vec![0x0a, 0x7f, b'a']),
        ("type_name not UTF-8", vec![0x0a, 0x02, 0xc3, 0x28]),
    ];
    for method in [READ, h.protocol.validate_data_source, h.protocol.configure] {
        for (what, body) in &broken {
            let status = h.raw(method, body.clone()).await.expect_err(&format!("v{v} {method} with {what}"));
            assert!(
                matches!(status.code(), tonic::Code::Internal | tonic::Code::InvalidArgument),
                "v{v} {method} with {what}: {status:?}"
            );
            h.assert_still_serving(&format!("{method} with {what}")).await;
        }
    }
    let status = h.raw("NoSuchMethod", vec![]).await.expect_err("an unknown method");
    assert_eq!(status.code(), tonic::Code::Unimplemented, "v{v}: {status:?}");
    h.assert_still_serving("an unknown method").await;
    assert_no_secret_logged(&h);
}

/// Calls out of order: a read before ConfigureProvider, configuring twice.
async fn calls_out_of_order(protocol: Protocol) {
    let h = Harness::start(protocol).await;
    let v = protocol.version;
    let config = dynamic(&read_config(SEED_TASK_ID), &data_block());
    let r = h.read("oms_sync_task", config.clone()).await.expect("a read before configure");
    assert_error_diagnostic(&r.diagnostics, &format!("v{v} read before configure"));
    assert_eq!(r.diagnostics[0].summary, "OMS provider was not configured");
    assert!(r.state.is_none());
    assert_eq!(h.server.request_count(), 0);
    // Validation needs no configuration.
    assert!(h.validate("oms_sync_task", config.clone()).await.unwrap().is_empty());

    // Configure twice: the second configuration is the one used.
    let other =
        LocalOmsServer::start(ServerConfig::with_sample_tasks(DEMO_PROJECT_ID, DEMO_ACCESS_KEY, DEMO_SECRET_KEY))
            .await
            .unwrap();
    let r = h.configure(dynamic(&provider_config(&other.url()), &provider_block())).await.unwrap();
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    h.configure_good().await;
    h.assert_still_serving("configure twice").await;
    assert_eq!(other.request_count(), 0, "v{v}: the first configuration was used after the second");
    // And back, concurrently with reads: every read uses one whole configuration.
    let (a, b) = tokio::join!(
        h.configure(dynamic(&provider_config(&other.url()), &provider_block())),
        h.read("oms_sync_task", config.clone())
    );
    assert!(a.unwrap().diagnostics.is_empty());
    let b = b.unwrap();
    assert!(b.diagnostics.is_empty() && b.state.is_some(), "{:?}", b.diagnostics);
    let before = other.request_count();
    let r = h.read("oms_sync_task", config.clone()).await.unwrap();
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert_eq!(other.request_count(), before + 1, "v{v}: the latest configuration is used");
    // An empty configure (no value at all) is a null config: missing settings at read time.
    let r = h
        .call::<pb::configure_provider::Response>(h.protocol.configure, pb::configure_provider::Request::default())
        .await
        .expect("an empty ConfigureProvider");
    let read = h.read("oms_sync_task", config.clone()).await.unwrap();
    assert!(
        !r.diagnostics.is_empty() || !read.diagnostics.is_empty(),
        "v{v}: a null provider configuration must be reported"
    );
    h.configure_good().await;
    h.assert_still_serving("an empty configure").await;
    // A wholly unknown config (any msgpack extension is an unknown value): valid to
    // validate, and a read of it is refused without a request.
    let unknown = msgpack(vec![0xd6, 0x42, 1, 2, 3, 4]);
    assert!(h.validate("oms_sync_task", unknown.clone()).await.unwrap().is_empty());
    let before = h.server.request_count();
    let r = h.read("oms_sync_task", unknown).await.expect("a read of an unknown config");
    assert_error_diagnostic(&r.diagnostics, &format!("v{v} read of an unknown config"));
    assert_eq!(h.server.request_count(), before);
    // A read with no config value at all.
    let r = h
        .call::<pb::read_data_source::Response>(
            READ,
            pb::read_data_source::Request { type_name: "oms_sync_task".into(), ..Default::default() },
        )
        .await
        .expect("a read without config");
    assert_error_diagnostic(&r.diagnostics, &format!("v{v} read without config"));
    h.assert_still_serving("a read without config").await;
    assert_no_secret_logged(&h);
}

/// A message over the server's limit is refused with a status; the process does
/// not buffer it into a crash and keeps serving.
async fn oversized_message(protocol: Protocol) {
    let h = Harness::start(protocol).await;
    h.configure_good().await;
    let v = protocol.version;
    let body_len = MAX_MESSAGE_BYTES + 1024;
    // A valid ReadDataSource whose config is one enormous (ignored) bytes field.
    let mut body =
        pb::read_data_source::Request { type_name: "oms_sync_task".into(), ..Default::default() }.encode_to_vec();
    // Unknown field 15, length-delimited: protobuf decoders skip it.
    let filler = body_len - body.len() - 6;
    body.push(15 << 3 | 2);
    prost::encoding::encode_varint(filler as u64, &mut body);
    body.resize(body.len() + filler, b'x');
    let started = Instant::now();
    let status = h.raw_limited(READ, body, usize::MAX).await.expect_err("an oversized message");
    assert!(
        matches!(status.code(), tonic::Code::OutOfRange | tonic::Code::ResourceExhausted | tonic::Code::Internal),
        "v{v}: {status:?}"
    );
    eprintln!("v{v}: a {body_len}-byte message: {:?} after {:?}", status.code(), started.elapsed());
    h.assert_still_serving("an oversized message").await;
}

fn assert_no_secret_logged(h: &Harness) {
    let logs = h.plugin.stderr_text();
    assert!(!logs.is_empty(), "trace logging produced nothing");
    assert!(!logs.contains(DEMO_SECRET_KEY), "the secret key reached the provider's logs");
    for line in logs.lines() {
        assert!(line.starts_with('{'), "a log line that is not hclog JSON (a panic message?): {line}");
    }
}

#[tokio::test]
async fn v6_hostile_values_are_refused() {
    hostile_values_are_refused(V6).await;
}

#[tokio::test]
async fn v5_hostile_values_are_refused() {
    hostile_values_are_refused(V5).await;
}

#[tokio::test]
async fn v6_unknown_names_and_broken_messages() {
    unknown_names_and_broken_messages(V6).await;
}

#[tokio::test]
async fn v5_unknown_names_and_broken_messages() {
    unknown_names_and_broken_messages(V5).await;
}

#[tokio::test]
async fn v6_calls_out_of_order() {
    calls_out_of_order(V6).await;
}

#[tokio::test]
async fn v5_calls_out_of_order() {
    calls_out_of_order(V5).await;
}

#[tokio::test]
async fn v6_oversized_message() {
    oversized_message(V6).await;
}

#[tokio::test]
async fn v5_oversized_message() {
    oversized_message(V5).await;
}
