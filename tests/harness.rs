//! gRPC harness: the built binary launched as Terraform launches it, driven
//! over the same mutual TLS with a P-521 cA client certificate.

mod common;

use std::time::Duration;

use common::plugin::{self, client_identity, launch};
use terraform_provider_oms::protocol::plugin::grpc_controller_client::GrpcControllerClient;
use terraform_provider_oms::protocol::plugin::Empty;
use terraform_provider_oms::protocol::{tfplugin5, tfplugin6};

#[tokio::test]
async fn v6_schema_over_pinned_mtls() {
    let id = client_identity();
    let p = launch(Some(&id), &[]);
    assert_eq!(p.protocol, 6);
    assert_eq!(p.network, "unix");
    assert!(p.server_cert.is_some(), "AutoMTLS must announce a certificate");
    let channel = p.connect(Some(&id)).await.expect("connect");
    let mut client = tfplugin6::provider_client::ProviderClient::new(channel);
    let resp =
        client.get_provider_schema(tfplugin6::get_provider_schema::Request {}).await.expect("schema").into_inner();
    assert!(resp.diagnostics.is_empty());
    assert!(resp.server_capabilities.unwrap().get_provider_schema_optional);
    let provider = resp.provider.unwrap().block.unwrap();
    let secret = provider.attributes.iter().find(|a| a.name == "secret_key").unwrap();
    assert!(secret.sensitive && secret.optional);
    let ds = resp.data_source_schemas.get("oms_sync_task").expect("oms_sync_task").block.clone().unwrap();
    let id_attr = ds.attributes.iter().find(|a| a.name == "sync_task_id").unwrap();
    assert!(id_attr.required);
    assert_eq!(id_attr.r#type, br#""string""#);
    assert_eq!(id_attr.description_kind, tfplugin6::StringKind::Markdown as i32);
    let timeouts = ds.block_types.iter().find(|b| b.type_name == "timeouts").unwrap();
    assert!(timeouts.block.is_some());
    assert_eq!(timeouts.nesting, tfplugin6::schema::nested_block::NestingMode::Single as i32);
}

#[tokio::test]
async fn v5_schema_when_only_five_is_offered() {
    let id = client_identity();
    let p = launch(Some(&id), &[("PLUGIN_PROTOCOL_VERSIONS", "5")]);
    assert_eq!(p.protocol, 5);
    let channel = p.connect(Some(&id)).await.expect("connect");
    let mut client = tfplugin5::provider_client::ProviderClient::new(channel.clone());
    let resp = client.get_schema(tfplugin5::get_provider_schema::Request {}).await.expect("GetSchema").into_inner();
    let ds = resp.data_source_schemas.get("oms_sync_task").unwrap().block.clone().unwrap();
    assert!(ds.attributes.iter().any(|a| a.name == "monthly_size" && a.computed && a.r#type == br#""number""#));
    // The v6 service is not served when 5 was negotiated.
    let mut v6 = tfplugin6::provider_client::ProviderClient::new(channel);
    let err = v6.get_provider_schema(tfplugin6::get_provider_schema::Request {}).await.unwrap_err();
    assert_eq!(err.code(), tonic::Code::Unimplemented);
}

#[tokio::test]
async fn shutdown_exits_promptly_and_stdout_stays_clean() {
    let id = client_identity();
    let mut p = launch(Some(&id), &[]);
    // With TLS, Linux, and no PLUGIN_UNIX_SOCKET_DIR (Terraform's case) the
    // socket is abstract: nothing is made in the temporary directory.
    assert_eq!(p.network, "unix");
    assert!(p.address.starts_with("@terraform-provider-oms."), "not an abstract socket: {}", p.address);
    assert_eq!(std::fs::read_dir(p.socket_base.path()).unwrap().count(), 0, "files made in TMPDIR");
    let channel = p.connect(Some(&id)).await.expect("connect");
    // Terraform opens these streams on every launch; they must not hold us up.
    let mut stdio = terraform_provider_oms::protocol::plugin::grpc_stdio_client::GrpcStdioClient::new(channel.clone());
    let _stdio_stream = stdio.stream_stdio(()).await.expect("stdio stream");
    let mut controller = GrpcControllerClient::new(channel);
    controller.shutdown(Empty {}).await.expect("shutdown");
    let took = p.wait_exit(Duration::from_millis(500));
    assert!(took.is_some(), "process still running 500 ms after Shutdown");
    // The kernel dropped the name with the process.
    let gone = plugin::connect_unix(&p.address).map(|_| ()).unwrap_err();
    assert_eq!(gone.kind(), std::io::ErrorKind::ConnectionRefused, "{gone}");
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(p.stdout_after_handshake(), "", "nothing may follow the handshake on stdout");
    let stderr = p.stderr_text();
    for line in stderr.lines().filter(|l| !l.is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|_| panic!("not hclog JSON: {line}"));
        assert!(v["@message"].is_string() && v["@level"].is_string() && v["@timestamp"].is_string());
    }
    assert!(stderr.contains("Received shutdown request"));
}

/// Connects as `client` and asks for the schema; any failure is an error.
async fn schema_as(
    p: &plugin::Plugin,
    client: Option<&plugin::ClientIdentity>,
) -> Result<(), Box<dyn std::error::Error>> {
    let channel = p.connect(client).await?;
    tfplugin6::provider_client::ProviderClient::new(channel)
        .get_provider_schema(tfplugin6::get_provider_schema::Request {})
        .await?;
    Ok(())
}

fn assert_refused_by_client_auth(p: &plugin::Plugin) {
    assert!(
        p.wait_stderr("Refused a connection: TLS handshake failed", Duration::from_secs(2)),
        "the refusal must come from client authentication: {}",
        p.stderr_text()
    );
}

#[tokio::test]
async fn client_without_certificate_is_refused() {
    let id = client_identity();
    let p = launch(Some(&id), &[]);
    assert!(schema_as(&p, None).await.is_err(), "a client without a certificate must be refused");
    assert_refused_by_client_auth(&p);
}

#[tokio::test]
async fn client_with_another_certificate_is_refused() {
    let pinned = client_identity();
    let other = client_identity();
    let p = launch(Some(&pinned), &[]);
    assert!(schema_as(&p, Some(&other)).await.is_err(), "a different client certificate must be refused");
    assert_refused_by_client_auth(&p);
    // The right one still works on the same process.
    schema_as(&p, Some(&pinned)).await.expect("pinned client works");
}

#[test]
fn refuses_to_start_without_the_cookie() {
    let out =
        std::process::Command::new(plugin::binary()).env_remove("TF_PLUGIN_MAGIC_COOKIE").output().expect("run binary");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("This binary is a plugin"), "{err}");
    assert!(err.contains("Terraform"), "{err}");
}

/// Where a launch puts a socket file instead of an abstract name: in a
/// private directory of its own, which Shutdown removes.
async fn assert_socket_file_in(
    p: &mut plugin::Plugin,
    base: &std::path::Path,
    client: Option<&plugin::ClientIdentity>,
) {
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(p.network, "unix");
    let socket = std::path::PathBuf::from(&p.address);
    let socket_dir = socket.parent().expect("socket directory").to_path_buf();
    assert_eq!(socket_dir.parent(), Some(base), "socket outside {base:?}: {socket:?}");
    assert!(socket.exists());
    // Only the owner may reach the socket: without TLS that is the only gate.
    assert_eq!(std::fs::metadata(&socket_dir).unwrap().permissions().mode() & 0o077, 0, "directory open to others");
    let channel = p.connect(client).await.expect("connect");
    GrpcControllerClient::new(channel).shutdown(Empty {}).await.expect("shutdown");
    assert!(p.wait_exit(Duration::from_millis(500)).is_some(), "process still running 500 ms after Shutdown");
    assert!(!socket_dir.exists(), "socket directory {socket_dir:?} left behind after Shutdown");
}

#[tokio::test]
async fn socket_file_in_plugin_unix_socket_dir_when_the_client_names_one() {
    let id = client_identity();
    let chosen = tempfile::Builder::new().prefix("oms-chosen").tempdir().unwrap();
    let mut p = launch(Some(&id), &[("PLUGIN_UNIX_SOCKET_DIR", chosen.path().to_str().unwrap())]);
    assert_socket_file_in(&mut p, chosen.path(), Some(&id)).await;
}

#[tokio::test]
async fn socket_file_in_a_private_directory_without_tls() {
    // TF_DISABLE_PLUGIN_TLS: Terraform sends no client certificate.
    let mut p = launch(None, &[]);
    assert!(p.server_cert.is_none());
    let base = p.socket_base.path().to_path_buf();
    assert_socket_file_in(&mut p, &base, None).await;
}

#[tokio::test]
async fn falls_back_to_tcp_in_the_port_range() {
    let id = client_identity();
    let p = launch(
        Some(&id),
        &[("PLUGIN_UNIX_SOCKET_DIR", "/nonexistent/dir"), ("PLUGIN_MIN_PORT", "23000"), ("PLUGIN_MAX_PORT", "23999")],
    );
    assert_eq!(p.network, "tcp");
    let port: u16 = p.address.rsplit(':').next().unwrap().parse().unwrap();
    assert!((23000..=23999).contains(&port), "{}", p.address);
    assert!(p.address.starts_with("127.0.0.1:"));
    let channel = p.connect(Some(&id)).await.expect("connect");
    tfplugin6::provider_client::ProviderClient::new(channel)
        .get_provider_schema(tfplugin6::get_provider_schema::Request {})
        .await
        .expect("schema over tcp");
}

#[tokio::test]
async fn plaintext_when_tls_is_disabled() {
    let p = launch(None, &[]);
    assert!(p.server_cert.is_none());
    assert!(p.handshake.ends_with("|grpc|"));
    let channel = p.connect(None).await.expect("connect");
    tfplugin6::provider_client::ProviderClient::new(channel)
        .get_provider_schema(tfplugin6::get_provider_schema::Request {})
        .await
        .expect("schema in plaintext");
}

#[tokio::test]
async fn unsupported_rpcs_answer_with_error_diagnostics() {
    let id = client_identity();
    let p = launch(Some(&id), &[]);
    let mut client = tfplugin6::provider_client::ProviderClient::new(p.connect(Some(&id)).await.unwrap());
    let r = client
        .validate_resource_config(tfplugin6::validate_resource_config::Request {
            type_name: "oms_bucket".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.diagnostics.len(), 1);
    assert_eq!(r.diagnostics[0].severity, tfplugin6::diagnostic::Severity::Error as i32);
    assert!(r.diagnostics[0].detail.contains("oms_bucket"));
    let ids = client
        .get_resource_identity_schemas(tfplugin6::get_resource_identity_schemas::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(ids.identity_schemas.is_empty() && ids.diagnostics.is_empty());
    let md = client.get_metadata(tfplugin6::get_metadata::Request {}).await.unwrap().into_inner();
    let names: Vec<&str> = md.data_sources.iter().map(|d| d.type_name.as_str()).collect();
    assert_eq!(names, ["oms_sync_task", "oms_sync_task_statistics", "oms_sync_tasks"]);
    let f = client.get_functions(tfplugin6::get_functions::Request {}).await.unwrap().into_inner();
    assert!(f.functions.is_empty() && f.diagnostics.is_empty());
    let mut stream = client
        .list_resource(tfplugin6::list_resource::Request { type_name: "x".into(), ..Default::default() })
        .await
        .unwrap()
        .into_inner();
    let ev = stream.message().await.unwrap().unwrap();
    assert_eq!(ev.diagnostic[0].severity, tfplugin6::diagnostic::Severity::Error as i32);
    assert!(stream.message().await.unwrap().is_none());
}

mod read {
    use super::*;
    use oms_local_server::{
        Fault, LocalOmsServer, ServerConfig, DEMO_ACCESS_KEY, DEMO_PROJECT_ID, DEMO_SECRET_KEY, SEED_TASK_ID,
    };
    use terraform_provider_oms::framework::value::Value;
    use terraform_provider_oms::protocol::cty_msgpack;
    use terraform_provider_oms::provider::{provider_schema, sync_task};

    use common::plugin::{dynamic, object_for};

    /// Sends ConfigureProvider with `config` (an object of the provider schema).
    async fn configure(
        client: &mut tfplugin6::provider_client::ProviderClient<tonic::transport::Channel>,
        config: &Value,
    ) -> tfplugin6::configure_provider::Response {
        client
            .configure_provider(tfplugin6::configure_provider::Request {
                terraform_version: "harness".into(),
                config: Some(dynamic(config, &provider_schema::schema().block)),
                client_capabilities: None,
            })
            .await
            .unwrap()
            .into_inner()
    }

    async fn configured_client(
        server: &LocalOmsServer,
        p: &plugin::Plugin,
        id: &plugin::ClientIdentity,
    ) -> tfplugin6::provider_client::ProviderClient<tonic::transport::Channel> {
        let mut client = tfplugin6::provider_client::ProviderClient::new(p.connect(Some(id)).await.unwrap());
        let pblock = provider_schema::schema().block;
        let config = object_for(
            &pblock,
            &[
                ("region", Value::string("cn-north-4")),
                ("project_id", Value::string(DEMO_PROJECT_ID)),
                ("access_key", Value::string(DEMO_ACCESS_KEY)),
                ("secret_key", Value::string(DEMO_SECRET_KEY)),
                ("max_retries", Value::int(0)),
                ("endpoints", Value::Map([("oms".to_string(), Value::string(server.url()))].into())),
            ],
        );
        let r = configure(&mut client, &config).await;
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        client
    }

    fn read_request(task: &str) -> tfplugin6::read_data_source::Request {
        let block = sync_task::schema().block;
        let config = object_for(&block, &[("sync_task_id", Value::string(task))]);
        tfplugin6::read_data_source::Request {
            type_name: "oms_sync_task".into(),
            config: Some(dynamic(&config, &block)),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn read_returns_the_seed_task() {
        let server =
            LocalOmsServer::start(ServerConfig::with_sample_tasks(DEMO_PROJECT_ID, DEMO_ACCESS_KEY, DEMO_SECRET_KEY))
                .await
                .unwrap();
        let id = client_identity();
        let p = launch(Some(&id), &[]);
        let mut client = configured_client(&server, &p, &id).await;
        let r = client.read_data_source(read_request(SEED_TASK_ID)).await.unwrap().into_inner();
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        let ty = sync_task::schema().block.implied_type();
        let state = cty_msgpack::decode(&r.state.unwrap().msgpack, &ty).unwrap();
        assert_eq!(state.get("status"), &Value::string("SYNCHRONIZING"));
        assert_eq!(state.get("monthly_failure_object"), &Value::int(11));
        assert!(state.get("app_id").is_null());
        // At debug level (launch's default) the OMS exchange reaches the provider's log.
        for message in ["\"@message\":\"oms request\"", "\"@message\":\"oms response\""] {
            assert!(p.wait_stderr(message, Duration::from_secs(2)), "no {message} in:\n{}", p.stderr_text());
        }
    }

    #[tokio::test]
    async fn unknown_provider_config_defers_the_read_only_when_allowed() {
        let id = client_identity();
        let p = launch(Some(&id), &[]);
        let mut client = tfplugin6::provider_client::ProviderClient::new(p.connect(Some(&id)).await.unwrap());
        let pblock = provider_schema::schema().block;
        let config = object_for(&pblock, &[("region", Value::unknown()), ("project_id", Value::string("p"))]);
        let r = configure(&mut client, &config).await;
        assert!(r.diagnostics.is_empty(), "an unknown provider config is not an error: {:?}", r.diagnostics);

        let mut allowed = read_request(SEED_TASK_ID);
        allowed.client_capabilities =
            Some(tfplugin6::ClientCapabilities { deferral_allowed: true, write_only_attributes_allowed: false });
        let r = client.read_data_source(allowed).await.unwrap().into_inner();
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert!(r.state.is_none());
        assert_eq!(r.deferred.unwrap().reason, tfplugin6::deferred::Reason::ProviderConfigUnknown as i32);

        let r = client.read_data_source(read_request(SEED_TASK_ID)).await.unwrap().into_inner();
        assert!(r.deferred.is_none(), "Terraform rejects a deferral it did not allow");
        assert_eq!(r.diagnostics[0].summary, "OMS provider configuration is not known yet");
    }

    #[tokio::test]
    async fn stop_provider_cancels_a_stalled_read_within_a_second() {
        let server =
            LocalOmsServer::start(ServerConfig::with_sample_tasks(DEMO_PROJECT_ID, DEMO_ACCESS_KEY, DEMO_SECRET_KEY))
                .await
                .unwrap();
        server.inject(Fault::Stall { duration: Duration::from_secs(60), times: 1 });
        let id = client_identity();
        let p = launch(Some(&id), &[]);
        let mut client = configured_client(&server, &p, &id).await;
        let mut reader = client.clone();
        let read = tokio::spawn(async move {
            let r = reader.read_data_source(read_request(SEED_TASK_ID)).await;
            (std::time::Instant::now(), r)
        });
        // Wait until the request is stalled at the server.
        let waited = std::time::Instant::now();
        while server.request_count() == 0 && waited.elapsed() < Duration::from_secs(5) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(server.request_count(), 1);
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!read.is_finished(), "the read must be stalled before StopProvider");
        let stopped_at = std::time::Instant::now();
        let stop = client.stop_provider(tfplugin6::stop_provider::Request {}).await.unwrap().into_inner();
        assert_eq!(stop.error, "");
        let (finished_at, r) = tokio::time::timeout(Duration::from_secs(2), read).await.expect("read hung").unwrap();
        let took = finished_at.duration_since(stopped_at);
        assert!(took < Duration::from_secs(1), "read took {took:?} after StopProvider");
        let r = r.unwrap().into_inner();
        assert!(r.state.is_none());
        assert_eq!(r.diagnostics[0].severity, tfplugin6::diagnostic::Severity::Error as i32);
        assert_eq!(r.diagnostics[0].summary, "Read cancelled");
        // Later reads work again after a stop.
        let again = client.read_data_source(read_request(SEED_TASK_ID)).await.unwrap().into_inner();
        assert!(again.diagnostics.is_empty(), "{:?}", again.diagnostics);
    }
}

#[tokio::test]
async fn sigint_is_ignored_while_serving() {
    let id = client_identity();
    let p = launch(Some(&id), &[]);
    let pid = p.child.id().to_string();
    let status = std::process::Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(status.success());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let channel = p.connect(Some(&id)).await.expect("still serving after SIGINT");
    tfplugin6::provider_client::ProviderClient::new(channel)
        .get_provider_schema(tfplugin6::get_provider_schema::Request {})
        .await
        .expect("schema after SIGINT");
}

#[test]
fn version_flag() {
    let out = std::process::Command::new(plugin::binary()).arg("--version").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with(&format!("terraform-provider-oms {}", env!("CARGO_PKG_VERSION"))), "{text}");
}

#[tokio::test]
async fn debug_mode_prints_reattach_and_serves_plaintext_until_ctrl_c() {
    use std::io::BufRead;
    let socket_base = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(plugin::binary())
        .args(["--debug", "--address", "example.com/test/oms"])
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .env("PLUGIN_UNIX_SOCKET_DIR", socket_base.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let reattach = loop {
        let line = lines.next().expect("reattach line").unwrap();
        if let Some(rest) = line.trim().strip_prefix("TF_REATTACH_PROVIDERS='") {
            break rest.trim_end_matches('\'').to_string();
        }
    };
    let v: serde_json::Value = serde_json::from_str(&reattach).unwrap();
    let e = &v["example.com/test/oms"];
    assert_eq!(e["ProtocolVersion"], 6);
    assert_eq!(e["Test"], true);
    assert_eq!(e["Pid"], child.id());
    let socket = e["Addr"]["String"].as_str().unwrap().to_string();
    let socket_dir = std::path::Path::new(&socket).parent().unwrap().to_path_buf();
    assert_eq!(socket_dir.parent(), Some(socket_base.path()));
    let channel = tonic::transport::Endpoint::try_from("http://localhost")
        .unwrap()
        .connect_with_connector(tower::service_fn(move |_: tonic::transport::Uri| {
            let socket = socket.clone();
            async move {
                Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(tokio::net::UnixStream::connect(socket).await?))
            }
        }))
        .await
        .unwrap();
    let mut client = tfplugin6::provider_client::ProviderClient::new(channel.clone());
    client.get_provider_schema(tfplugin6::get_provider_schema::Request {}).await.expect("schema in debug mode");
    // Terraform's Shutdown does not end a debug session...
    GrpcControllerClient::new(channel).shutdown(Empty {}).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(child.try_wait().unwrap().is_none(), "debug mode must survive Shutdown");
    client.get_provider_schema(tfplugin6::get_provider_schema::Request {}).await.expect("still serving");
    // ...Ctrl-C does.
    std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(start.elapsed() < Duration::from_secs(3), "debug mode did not stop on Ctrl-C");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!socket_dir.exists(), "debug mode left its socket directory {socket_dir:?} behind");
}

#[tokio::test]
async fn health_reports_plugin_serving() {
    use tonic_health::pb::{health_check_response::ServingStatus, health_client::HealthClient, HealthCheckRequest};
    let id = client_identity();
    let p = launch(Some(&id), &[]);
    let mut health = HealthClient::new(p.connect(Some(&id)).await.unwrap());
    let r = health.check(HealthCheckRequest { service: "plugin".into() }).await.unwrap().into_inner();
    assert_eq!(r.status, ServingStatus::Serving as i32);
}

#[tokio::test]
async fn large_messages_up_to_256_mib_are_accepted() {
    // tonic's default limit is 4 MiB; Terraform can send far larger configs.
    use terraform_provider_oms::framework::value::Value;
    use terraform_provider_oms::protocol::cty_msgpack;
    use terraform_provider_oms::provider::sync_task;
    let id = client_identity();
    let p = launch(Some(&id), &[]);
    let mut client = tfplugin6::provider_client::ProviderClient::new(p.connect(Some(&id)).await.unwrap())
        .max_encoding_message_size(64 << 20);
    let block = sync_task::schema().block;
    let mut m: std::collections::BTreeMap<String, Value> =
        block.attributes.iter().map(|a| (a.name.clone(), Value::Null)).collect();
    m.insert("timeouts".into(), Value::Null);
    m.insert("sync_task_id".into(), Value::string("x".repeat(8 << 20)));
    let msgpack = cty_msgpack::encode(&Value::Object(m), &block.implied_type()).unwrap();
    let r = client
        .validate_data_resource_config(tfplugin6::validate_data_resource_config::Request {
            type_name: "oms_sync_task".into(),
            config: Some(tfplugin6::DynamicValue { msgpack, json: vec![] }),
        })
        .await
        .expect("an 8 MiB request must be accepted")
        .into_inner();
    // The answer is a diagnostic about the id's length, not a transport error.
    assert_eq!(r.diagnostics.len(), 1);
    assert_eq!(r.diagnostics[0].summary, "Invalid sync_task_id");
}

#[tokio::test]
async fn log_level_follows_tf_log_provider() {
    let id = client_identity();
    let quiet = launch(Some(&id), &[("TF_LOG_PROVIDER", "error")]);
    let loud = launch(Some(&id), &[("TF_LOG_PROVIDER", "trace")]);
    for p in [&quiet, &loud] {
        tfplugin6::provider_client::ProviderClient::new(p.connect(Some(&id)).await.unwrap())
            .get_provider_schema(tfplugin6::get_provider_schema::Request {})
            .await
            .unwrap();
    }
    assert!(loud.wait_stderr("\"tf_rpc\":\"GetProviderSchema\"", Duration::from_secs(2)), "{}", loud.stderr_text());
    assert!(!quiet.stderr_text().contains("GetProviderSchema"), "{}", quiet.stderr_text());
}
