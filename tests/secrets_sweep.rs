//! Secrets (issue 11, Reliability): no log line or diagnostic shows an access key
//! secret, a token or a security token.
//!
//! Two layers:
//! * suite-wide: `common/secrets.rs` collects every secret literal in the suite's
//!   sources, and the shared helpers check all output they capture against it — every
//!   provider process the gRPC harness launches (its whole stderr, at the end) and
//!   every Terraform run (stdout and stderr, provider logs included when TF_LOG is
//!   set). The first tests here prove that scan and check can fail.
//! * targeted: one provider at trace level is driven through every outcome a read can
//!   have — success, each auth failure, each server fault, timeout, cancellation,
//!   refused header values — with each credential kind, and every diagnostic and log
//!   line is checked for the secrets in use.

mod common;

use common::plugin::{dynamic, object_for};
use common::{plugin, terraform};
// Both helpers load `common/secrets.rs` (until the helpers become one module).

use std::time::Duration;

use common::secrets::{assert_no_secrets, suite_secrets};
use terraform_provider_oms::framework::value::Value;
// The local OMS server (moving to the `oms_local_server` crate: re-point this line).
use oms_local_server::{Fault, LocalOmsServer, ServerConfig, DEMO_SECRET_KEY, SEED_TASK_ID};
use terraform_provider_oms::protocol::tfplugin6;
use terraform_provider_oms::provider::{provider_schema, sync_task};

const PROJECT_ID: &str = "0123456789abcdef0123456789abcdef";
const ACCESS_KEY: &str = "SWEEPACCESSKEY000001";
const SECRET_KEY: &str = "sweep-SK-kinkajou-5f0e2b91-never-print";
const SECURITY_TOKEN: &str = "sweep-ST-tamarin-c81d7a04-never-print";
const AUTH_TOKEN: &str = "sweep-TOKEN-dugong-3a9e6c15-never-print";
const WRONG_SECRET_KEY: &str = "sweep-SK-wrong-serval-77b2d4e0-never-print";
const WRONG_TOKEN: &str = "sweep-TOKEN-wrong-gharial-0e4f9a2c-never-print";

/// Planted on purpose to prove the shared helpers' checks are wired in.
const PROBE_SECRET_KEY: &str = "sweep-SK-probe-4b1e0f7a-never-print";

const ALL: [&str; 5] = [SECRET_KEY, SECURITY_TOKEN, AUTH_TOKEN, WRONG_SECRET_KEY, WRONG_TOKEN];

#[test]
fn the_scan_finds_the_suites_secrets_and_no_names() {
    let found = suite_secrets();
    let must = [
        DEMO_SECRET_KEY,
        "e2e-SK-narwhal-3b9d0c7e-never-print",
        "e2e-ST-okapi-51f2aa90-never-print",
        "e2e-TOKEN-tapir-c04e6d1b-never-print",
        "wrong-secret-key-pangolin-5d1e",
        SECRET_KEY,
        SECURITY_TOKEN,
        AUTH_TOKEN,
        WRONG_SECRET_KEY,
        WRONG_TOKEN,
        PROBE_SECRET_KEY,
    ];
    for secret in must {
        assert!(found.iter().any(|s| s == secret), "the scan missed {secret:?}; it found {found:#?}");
    }
    for name in ["secret_key", "security_token", "x-security-token", "X-Auth-Token", "HW_SECRET_KEY", "(redacted)"] {
        assert!(!found.iter().any(|s| s == name), "{name:?} is a name, not a secret: {found:#?}");
    }
}

#[test]
fn the_check_fails_on_a_secret_without_repeating_it() {
    let text = format!("line one\n{{\"@message\":\"oms request\",\"headers\":\"X-Auth-Token: {AUTH_TOKEN}\"}}\n");
    let err = std::panic::catch_unwind(|| assert_no_secrets(&text, "sample")).expect_err("the secret must be found");
    let message = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("sample") && message.contains("line 2"), "{message}");
    assert!(!message.contains(AUTH_TOKEN), "the check's own message must not show the secret");
    assert_no_secrets("X-Auth-Token: (redacted); secret_key is sensitive", "clean");
}

/// The harness checks a provider's whole stderr when the test is done with it.
#[test]
fn the_harness_checks_provider_output() {
    let p = plugin::launch(None, &[]);
    p.stderr.lock().unwrap().push_str(&format!("{{\"@message\":\"{PROBE_SECRET_KEY}\"}}\n"));
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(p)))
        .expect_err("a secret in a provider's stderr must fail the test");
    let message = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("provider stderr"), "{message}");
}

/// Every Terraform run's output is checked.
#[test]
fn the_terraform_runner_checks_terraform_output() {
    let tf = terraform::Terraform::get("1.15.5");
    let ws = terraform::Workspace::new(&tf);
    ws.main_tf(&format!("output \"leak\" {{\n  value = \"{PROBE_SECRET_KEY}\"\n}}\n"));
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| ws.run(&["apply", "-auto-approve"])))
        .expect_err("a secret in Terraform's output must fail the test");
    let message = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("stdout") && message.contains("terraform 1.15.5 apply"), "{message}");
    // The same run without the secret passes the check.
    let ws = terraform::Workspace::new(&tf);
    ws.main_tf("output \"fine\" {\n  value = \"(redacted)\"\n}\n");
    ws.run(&["apply", "-auto-approve"]).assert_success();
}

// ------------------------------------------------------------ targeted sweep

type Client = tfplugin6::provider_client::ProviderClient<tonic::transport::Channel>;

/// A credential setup: its name, the server that expects it, the provider attributes.
type CredentialCase<'a> = (&'static str, &'a LocalOmsServer, Vec<(&'static str, Value)>);

/// Everything one scenario produced that a user or a log could see.
#[derive(Default)]
struct Seen {
    diagnostics: Vec<String>,
}

impl Seen {
    fn add(&mut self, what: &str, diags: &[tfplugin6::Diagnostic]) {
        for d in diags {
            self.diagnostics.push(format!("{what}: {} | {} | {:?}", d.summary, d.detail, d.attribute));
        }
    }
}

async fn configure(client: &mut Client, url: &str, creds: &[(&str, Value)], seen: &mut Seen, what: &str) {
    let pblock = provider_schema::schema().block;
    let mut set = vec![
        ("region", Value::string("cn-north-4")),
        ("project_id", Value::string(PROJECT_ID)),
        ("max_retries", Value::int(1)),
        ("endpoints", Value::Map([("oms".to_string(), Value::string(url))].into())),
    ];
    set.extend(creds.iter().cloned());
    let r = client
        .configure_provider(tfplugin6::configure_provider::Request {
            terraform_version: "sweep".into(),
            config: Some(dynamic(&object_for(&pblock, &set), &pblock)),
            client_capabilities: None,
        })
        .await
        .unwrap()
        .into_inner();
    seen.add(&format!("{what}: configure"), &r.diagnostics);
}

fn read_request(task: &str, timeout: Option<&str>) -> tfplugin6::read_data_source::Request {
    let block = sync_task::schema().block;
    let mut set = vec![("sync_task_id", Value::string(task))];
    if let Some(t) = timeout {
        set.push(("timeouts", Value::Object([("read".to_string(), Value::string(t))].into())));
    }
    tfplugin6::read_data_source::Request {
        type_name: "oms_sync_task".into(),
        config: Some(dynamic(&object_for(&block, &set), &block)),
        ..Default::default()
    }
}

/// One read with `fault` queued (if any); returns whether it produced a state.
async fn read(
    client: &mut Client,
    server: &LocalOmsServer,
    fault: Option<Fault>,
    task: &str,
    seen: &mut Seen,
    what: &str,
) -> bool {
    server.clear_faults();
    if let Some(f) = fault {
        server.inject(f);
    }
    let timeout = if what.contains("stall") { Some("300ms") } else { None };
    let r = client.read_data_source(read_request(task, timeout)).await.unwrap().into_inner();
    seen.add(what, &r.diagnostics);
    r.state.is_some()
}

/// The faults a read can meet, each leading to a different diagnostic.
fn faults() -> Vec<(&'static str, Option<Fault>, &'static str)> {
    vec![
        ("success", None, SEED_TASK_ID),
        ("unknown task", None, "00000000-0000-4000-8000-000000000000"),
        ("503 once", Some(Fault::Status { status: 503, times: 1 }), SEED_TASK_ID),
        ("503 until the retries run out", Some(Fault::Status { status: 503, times: 2 }), SEED_TASK_ID),
        ("500 until the retries run out", Some(Fault::Status { status: 500, times: 2 }), SEED_TASK_ID),
        ("403", Some(Fault::Status { status: 403, times: 1 }), SEED_TASK_ID),
        ("401", Some(Fault::Status { status: 401, times: 1 }), SEED_TASK_ID),
        ("429 once", Some(Fault::TooManyRequests { retry_after: Some("0".into()), times: 1 }), SEED_TASK_ID),
        ("429 until the retries run out", Some(Fault::TooManyRequests { retry_after: None, times: 2 }), SEED_TASK_ID),
        ("reset once", Some(Fault::ResetConnection { times: 1 }), SEED_TASK_ID),
        ("reset until the retries run out", Some(Fault::ResetConnection { times: 2 }), SEED_TASK_ID),
        ("garbage body", Some(Fault::GarbageBody { times: 1 }), SEED_TASK_ID),
        ("wrong field types", Some(Fault::WrongFieldTypes { times: 1 }), SEED_TASK_ID),
        ("oversize body", Some(Fault::OversizeBody { bytes: 12 << 20, times: 1 }), SEED_TASK_ID),
        ("stall past timeouts.read", Some(Fault::Stall { duration: Duration::from_secs(2), times: 1 }), SEED_TASK_ID),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_read_outcome_is_free_of_credentials() {
    // One server per credential kind: AK/SK, AK/SK with a security token, an IAM token.
    let aksk =
        LocalOmsServer::start(ServerConfig::with_sample_tasks(PROJECT_ID, ACCESS_KEY, SECRET_KEY)).await.unwrap();
    let sts = LocalOmsServer::start(ServerConfig {
        security_token: Some(SECURITY_TOKEN.into()),
        ..ServerConfig::with_sample_tasks(PROJECT_ID, ACCESS_KEY, SECRET_KEY)
    })
    .await
    .unwrap();
    let token = LocalOmsServer::start(ServerConfig {
        auth_token: Some(AUTH_TOKEN.into()),
        ..ServerConfig::with_sample_tasks(PROJECT_ID, ACCESS_KEY, SECRET_KEY)
    })
    .await
    .unwrap();
    let id = plugin::client_identity();
    let p = plugin::launch(Some(&id), &[("TF_LOG_PROVIDER", "trace"), ("OMS_PROVIDER_RETRY_BASE_MS", "1")]);
    let mut client: Client = tfplugin6::provider_client::ProviderClient::new(p.connect(Some(&id)).await.unwrap());
    let mut seen = Seen::default();

    let ak = ("access_key", Value::string(ACCESS_KEY));
    let kinds: Vec<CredentialCase> = vec![
        ("AK/SK", &aksk, vec![ak.clone(), ("secret_key", Value::string(SECRET_KEY))]),
        (
            "AK/SK+ST",
            &sts,
            vec![
                ak.clone(),
                ("secret_key", Value::string(SECRET_KEY)),
                ("security_token", Value::string(SECURITY_TOKEN)),
            ],
        ),
        ("token", &token, vec![("token", Value::string(AUTH_TOKEN))]),
    ];
    for (kind, server, creds) in &kinds {
        configure(&mut client, &server.url(), creds, &mut seen, kind).await;
        for (what, fault, task) in faults() {
            let ok = read(&mut client, server, fault, task, &mut seen, &format!("{kind}, {what}")).await;
            assert_eq!(ok, matches!(what, "success" | "503 once" | "429 once" | "reset once"), "{kind}, {what}");
        }
        // Cancelled by StopProvider while stalled.
        server.clear_faults();
        server.inject(Fault::Stall { duration: Duration::from_secs(30), times: 1 });
        let mut reader = client.clone();
        let count = server.request_count();
        let pending = tokio::spawn(async move { reader.read_data_source(read_request(SEED_TASK_ID, None)).await });
        let before = std::time::Instant::now();
        while server.request_count() == count && before.elapsed() < Duration::from_secs(5) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        client.stop_provider(tfplugin6::stop_provider::Request {}).await.unwrap();
        let r = pending.await.unwrap().unwrap().into_inner();
        assert!(r.state.is_none(), "{kind}: the stalled read was not cancelled");
        seen.add(&format!("{kind}, cancelled"), &r.diagnostics);
    }

    // Wrong credentials: the server refuses them; the refusal must not echo them.
    let wrong: Vec<CredentialCase> = vec![
        ("wrong secret key", &aksk, vec![ak.clone(), ("secret_key", Value::string(WRONG_SECRET_KEY))]),
        (
            "wrong security token",
            &sts,
            vec![ak.clone(), ("secret_key", Value::string(SECRET_KEY)), ("security_token", Value::string(WRONG_TOKEN))],
        ),
        ("wrong token", &token, vec![("token", Value::string(WRONG_TOKEN))]),
        ("token sent to an AK/SK server", &aksk, vec![("token", Value::string(AUTH_TOKEN))]),
        // Values that cannot go into a header are refused before sending.
        ("token with a newline", &token, vec![("token", Value::string(format!("{AUTH_TOKEN}\nX-Evil: 1")))]),
        (
            "security token with a newline",
            &sts,
            vec![
                ak.clone(),
                ("secret_key", Value::string(SECRET_KEY)),
                ("security_token", Value::string(format!("{SECURITY_TOKEN}\r\nX-Evil: 1"))),
            ],
        ),
        ("secret key without access key", &aksk, vec![("secret_key", Value::string(SECRET_KEY))]),
        ("security token without AK/SK", &sts, vec![("security_token", Value::string(SECURITY_TOKEN))]),
    ];
    for (what, server, creds) in &wrong {
        configure(&mut client, &server.url(), creds, &mut seen, what).await;
        let ok = read(&mut client, server, None, SEED_TASK_ID, &mut seen, what).await;
        assert!(!ok, "{what}: the read must fail");
    }

    // Every diagnostic and every log line.
    assert!(seen.diagnostics.len() >= 20, "too few diagnostics to mean anything: {:#?}", seen.diagnostics);
    let diagnostics = seen.diagnostics.join("\n");
    for secret in ALL {
        assert!(!diagnostics.contains(secret), "a credential is in a diagnostic");
    }
    assert_no_secrets(&diagnostics, "diagnostics");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let logs = p.stderr_text();
    for needle in ["Authorization: (redacted)", "X-Security-Token: (redacted)", "X-Auth-Token: (redacted)"] {
        assert!(logs.contains(needle), "the trace logs show no {needle:?}");
    }
    for secret in ALL {
        assert!(!logs.contains(secret), "a credential is in the provider's logs");
    }
    // A secret's halves would still be a leak (e.g. a value split over two fields).
    for secret in ALL {
        let (a, b) = secret.split_at(secret.len() / 2);
        assert!(!logs.contains(a) || !logs.contains(b), "both halves of a credential are in the logs");
    }
    eprintln!("sweep: {} diagnostics, {} log lines, all clean", seen.diagnostics.len(), logs.lines().count());
}
