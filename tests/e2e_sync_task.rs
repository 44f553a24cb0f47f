//! End-to-end reads of `oms_sync_task`: real Terraform CLIs (1.15.5 and 1.0.3
//! with dev_overrides, 0.13.4 through a filesystem mirror), the plugin binary
//! built by Cargo, and the local OMS-compatible server running in the test
//! process (see `common/local_oms.rs`). Every assertion compares what
//! Terraform reports with what the server stored or saw.

mod common;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::config::{
    aksk_provider, assert_contains_all, expect_failure, flat, hcl, provider_block, terraform_block, REGION,
};
use common::local_oms::{demo_config, OmsServer};
use common::terraform::{Output, Terraform, Workspace};
use oms_local_server::{
    sample_tasks, seed_task, Fault, ServerConfig, DEMO_ACCESS_KEY, DEMO_PROJECT_ID, DEMO_SECRET_KEY, INT64_TASK_ID,
    NULLS_TASK_ID, SEED_TASK_ID, TENCENT_TASK_ID, UNICODE_TASK_ID,
};
use serde_json::{json, Value};
use terraform_provider_oms::provider::sync_task;

const TF_1_15: &str = "1.15.5";
const TF_1_0: &str = "1.0.3";
const TF_0_13: &str = "0.13.4";

// ------------------------------------------------------------------ helpers

/// `data "oms_sync_task" "<name>"` reading `id`, with `extra` lines, and an
/// output of the same name holding the whole object.
fn task_data(name: &str, id: &str, extra: &str) -> String {
    format!(
        "data \"oms_sync_task\" \"{name}\" {{\n  sync_task_id = {}\n{extra}}}\n\noutput \"{name}\" {{\n  value = data.oms_sync_task.{name}\n}}\n\n",
        hcl(id)
    )
}

fn config(provider: &str, body: &str) -> String {
    terraform_block() + provider + body
}

fn workspace(version: &str) -> Workspace {
    Workspace::new(&Terraform::get(version))
}

#[track_caller]
fn apply(ws: &Workspace) -> Output {
    let out = ws.run(&["apply", "-auto-approve", "-input=false"]);
    out.assert_success();
    out
}

/// `terraform output -json <name>`: the parsed value and the exact text.
#[track_caller]
fn output_json(ws: &Workspace, name: &str) -> (Value, String) {
    let out = ws.run(&["output", "-json", name]);
    out.assert_success();
    (out.json(), out.stdout.clone())
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970").as_millis() as i64
}

#[track_caller]
fn assert_recent(ms: i64, what: &str) {
    let now = now_ms();
    assert!((now - ms).abs() < 60_000, "{what} = {ms} is not within a minute of now ({now})");
}

/// The attribute names of `oms_sync_task` plus its `timeouts` block.
fn schema_keys() -> Vec<String> {
    let schema = sync_task::schema();
    let mut keys: Vec<String> = schema.block.attributes.iter().map(|a| a.name.clone()).collect();
    keys.extend(schema.block.blocks.iter().map(|b| b.type_name.clone()));
    keys.sort();
    keys
}

/// The whole data source object equals the server's JSON for the task:
/// every field the server sent with the same value (nulls stay null), every
/// field it did not send null, `id` = `sync_task_id` = the id, no timeouts
/// block. Returns `query_time`.
#[track_caller]
fn assert_task_object(got: &Value, task: &Value, what: &str) -> i64 {
    let obj = got.as_object().unwrap_or_else(|| panic!("{what}: not an object: {got}"));
    let mut keys: Vec<String> = obj.keys().cloned().collect();
    keys.sort();
    assert_eq!(keys, schema_keys(), "{what}: attributes");
    assert_eq!(keys.len(), 25, "{what}: id, sync_task_id, query_time, 21 response fields, timeouts");
    let server = task.as_object().expect("a task object");
    for (name, want) in server {
        assert_eq!(obj.get(name), Some(want), "{what}: {name}");
    }
    for name in keys.iter().filter(|k| !server.contains_key(*k)) {
        match name.as_str() {
            "id" | "query_time" => {}
            _ => assert_eq!(obj[name], Value::Null, "{what}: {name} is absent from the response, so null"),
        }
    }
    assert_eq!(obj["id"], task["sync_task_id"], "{what}: id");
    assert_eq!(obj["sync_task_id"], task["sync_task_id"], "{what}: sync_task_id");
    assert_eq!(obj["timeouts"], Value::Null, "{what}: timeouts");
    let query_time = &obj["query_time"];
    assert!(query_time.is_i64() || query_time.is_u64(), "{what}: query_time is a whole number: {query_time}");
    query_time.as_i64().unwrap_or_else(|| panic!("{what}: query_time {query_time}"))
}

fn sample(id: &str) -> Value {
    sample_tasks().into_iter().find(|t| t["sync_task_id"] == id).unwrap_or_else(|| panic!("no sample task {id}"))
}

/// The raw text of the number after `"key":` in JSON text.
fn raw_number<'a>(text: &'a str, key: &str) -> &'a str {
    let needle = format!("\"{key}\":");
    let at = text.find(&needle).unwrap_or_else(|| panic!("no {key} in {text}")) + needle.len();
    let rest = text[at..].trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '-' || c == '.' || c == 'e' || c == '+'))
        .unwrap_or(rest.len());
    &rest[..end]
}

/// Seed task, AK/SK, and an explicit apply + output check: the shared body
/// of the credential variants.
fn read_seed_and_check(ws: &Workspace, server: &OmsServer, what: &str) {
    apply(ws);
    let (task, _) = output_json(ws, "task");
    let query_time = assert_task_object(&task, &seed_task(), what);
    assert_recent(query_time, &format!("{what}: query_time"));
    let requests = server.requests();
    assert!(!requests.is_empty(), "{what}: the server saw no request");
    for r in &requests {
        assert_eq!(r.status, 200, "{what}: {r:?}");
        assert_eq!(r.raw_path, format!("/v2/{DEMO_PROJECT_ID}/sync-tasks/{SEED_TASK_ID}"), "{what}");
    }
    let last = requests.last().expect("a request");
    assert_eq!(OmsServer::query_time_of(last), Some(query_time), "{what}: state query_time = the one sent");
}

// --------------------------------------------------- 1. the seed task, AK/SK

#[test]
fn seed_task_with_aksk_1_15_5() {
    let server = OmsServer::demo();
    let ws = workspace(TF_1_15);
    ws.main_tf(&config(&aksk_provider(&server, &[]), &task_data("task", SEED_TASK_ID, "")));

    // The data source is read while planning, not deferred.
    let plan = ws.run(&["plan", "-input=false"]);
    plan.assert_success();
    assert_eq!(server.request_count(), 1, "plan reads the task once:\n{}", plan.report());
    assert!(plan.stdout.contains("data.oms_sync_task.task: Reading..."), "{}", plan.report());
    assert!(plan.stdout.contains("data.oms_sync_task.task: Read complete after"), "{}", plan.report());
    assert!(plan.stdout.contains(&format!("[id={SEED_TASK_ID}]")), "{}", plan.report());
    assert!(!plan.stdout.contains("read during apply"), "{}", plan.report());
    assert!(!plan.stdout.contains("known after apply"), "{}", plan.report());
    let plan_query = OmsServer::query_time_of(&server.requests()[0]).expect("query_time sent");
    assert_recent(plan_query, "query_time sent during plan");

    read_seed_and_check(&ws, &server, "AK/SK in the provider block");
    // AK/SK: signed, no token headers.
    for r in server.requests() {
        let auth = r.header("authorization").unwrap_or_default();
        assert!(auth.starts_with("SDK-HMAC-SHA256 ") && auth.contains(&format!("Access={DEMO_ACCESS_KEY}")), "{r:?}");
        assert!(r.header("x-auth-token").is_none() && r.header("x-security-token").is_none(), "{r:?}");
        assert_eq!(r.header("x-project-id"), Some(DEMO_PROJECT_ID), "{r:?}");
    }
}

// ----------------------------------------------- 2. other ways to authenticate

const TOKEN: &str = "e2e-iam-token-MIIZ-quokka-7f3a";
const SECURITY_TOKEN: &str = "e2e-security-token-gAAAA-wombat-91c2";

#[test]
fn seed_task_with_token_1_15_5() {
    let server = OmsServer::start(ServerConfig { auth_token: Some(TOKEN.into()), ..demo_config() });
    let ws = workspace(TF_1_15);
    let provider = provider_block(
        &server,
        &[("region", hcl(REGION)), ("project_id", hcl(DEMO_PROJECT_ID)), ("token", hcl(TOKEN))],
    );
    ws.main_tf(&config(&provider, &task_data("task", SEED_TASK_ID, "")));
    read_seed_and_check(&ws, &server, "token");
    for r in server.requests() {
        assert_eq!(r.header("x-auth-token"), Some(TOKEN), "{r:?}");
        assert!(r.header("authorization").is_none(), "{r:?}");
    }
}

#[test]
fn seed_task_with_security_token_1_15_5() {
    let server = OmsServer::start(ServerConfig { security_token: Some(SECURITY_TOKEN.into()), ..demo_config() });
    let ws = workspace(TF_1_15);
    ws.main_tf(&config(
        &aksk_provider(&server, &[("security_token", hcl(SECURITY_TOKEN))]),
        &task_data("task", SEED_TASK_ID, ""),
    ));
    read_seed_and_check(&ws, &server, "AK/SK with a security token");
    for r in server.requests() {
        assert_eq!(r.header("x-security-token"), Some(SECURITY_TOKEN), "{r:?}");
        assert!(r.header("authorization").unwrap_or_default().contains("x-security-token"), "signed: {r:?}");
    }
}

/// Only `endpoints` in the provider block; everything else from `env`.
fn env_only(server_config: ServerConfig, env: &[(&str, &str)], what: &str) -> OmsServer {
    let server = OmsServer::start(server_config);
    let mut ws = workspace(TF_1_15);
    for (k, v) in env {
        ws.set_env(k, v);
    }
    ws.main_tf(&config(&provider_block(&server, &[]), &task_data("task", SEED_TASK_ID, "")));
    read_seed_and_check(&ws, &server, what);
    server
}

#[test]
fn seed_task_with_hw_environment_1_15_5() {
    let server = env_only(
        demo_config(),
        &[
            ("HW_REGION_NAME", REGION),
            ("HW_PROJECT_ID", DEMO_PROJECT_ID),
            ("HW_ACCESS_KEY", DEMO_ACCESS_KEY),
            ("HW_SECRET_KEY", DEMO_SECRET_KEY),
            ("HW_MAX_RETRIES", "0"),
        ],
        "HW_* environment",
    );
    assert!(server.requests().iter().all(|r| r.header("authorization").is_some()));

    let server = env_only(
        ServerConfig { security_token: Some(SECURITY_TOKEN.into()), ..demo_config() },
        &[
            ("HW_REGION_NAME", REGION),
            ("HW_PROJECT_ID", DEMO_PROJECT_ID),
            ("HW_ACCESS_KEY", DEMO_ACCESS_KEY),
            ("HW_SECRET_KEY", DEMO_SECRET_KEY),
            ("HW_SECURITY_TOKEN", SECURITY_TOKEN),
        ],
        "HW_* environment with HW_SECURITY_TOKEN",
    );
    assert!(server.requests().iter().all(|r| r.header("x-security-token") == Some(SECURITY_TOKEN)));

    let server = env_only(
        ServerConfig { auth_token: Some(TOKEN.into()), ..demo_config() },
        &[("HW_REGION_NAME", REGION), ("HW_PROJECT_ID", DEMO_PROJECT_ID), ("HW_AUTH_TOKEN", TOKEN)],
        "HW_AUTH_TOKEN",
    );
    assert!(server.requests().iter().all(|r| r.header("x-auth-token") == Some(TOKEN)));
}

#[test]
fn seed_task_with_cloud_sdk_environment_1_15_5() {
    let server = env_only(
        demo_config(),
        &[
            ("HW_REGION_NAME", REGION),
            ("HW_PROJECT_ID", DEMO_PROJECT_ID),
            ("CLOUD_SDK_AK", DEMO_ACCESS_KEY),
            ("CLOUD_SDK_SK", DEMO_SECRET_KEY),
        ],
        "CLOUD_SDK_AK/CLOUD_SDK_SK",
    );
    for r in server.requests() {
        assert!(r.header("authorization").unwrap_or_default().contains(&format!("Access={DEMO_ACCESS_KEY}")));
    }
}

// ----------------------------------------------------------- 3. field fidelity

#[test]
fn field_fidelity_1_15_5() {
    let server = OmsServer::demo();
    let ws = workspace(TF_1_15);
    let body = task_data("nulls", NULLS_TASK_ID, "")
        + &task_data("int64", INT64_TASK_ID, "")
        + &task_data("unicode", UNICODE_TASK_ID, "")
        + &task_data("tencent", TENCENT_TASK_ID, "");
    ws.main_tf(&config(&aksk_provider(&server, &[]), &body));
    apply(&ws);

    // Nulls stay null (not "", 0 or false).
    let (nulls, _) = output_json(&ws, "nulls");
    assert_task_object(&nulls, &sample(NULLS_TASK_ID), "nulls");
    let obj = nulls.as_object().unwrap();
    let non_null: Vec<&String> = obj
        .iter()
        .filter(|(k, v)| !v.is_null() && !["id", "sync_task_id", "query_time"].contains(&k.as_str()))
        .map(|(k, _)| k)
        .collect();
    assert!(non_null.is_empty(), "these should be null: {non_null:?}");

    // i64::MAX survives exactly, in the parsed value and in the raw text.
    let (int64, raw) = output_json(&ws, "int64");
    assert_task_object(&int64, &sample(INT64_TASK_ID), "int64");
    for key in [
        "create_time",
        "monthly_acceptance_request",
        "monthly_success_object",
        "monthly_failure_object",
        "monthly_skip_object",
        "monthly_size",
    ] {
        assert_eq!(raw_number(&raw, key), "9223372036854775807", "{key} in the raw JSON:\n{raw}");
        assert_eq!(int64[key].as_i64(), Some(i64::MAX), "{key}");
    }
    assert_eq!(raw_number(&raw, "last_start_time"), "0");
    assert_eq!(int64["description"], "", "an empty string stays an empty string");

    let (unicode, _) = output_json(&ws, "unicode");
    assert_task_object(&unicode, &sample(UNICODE_TASK_ID), "unicode");
    assert_eq!(unicode["description"], "同步任务 — émigré façade ✓ 🚀 \\ tab\there");
    assert_eq!(unicode["src_bucket"], "数据-源");

    // A field outside the documented response (enable_kms) when present.
    let (tencent, _) = output_json(&ws, "tencent");
    assert_task_object(&tencent, &sample(TENCENT_TASK_ID), "tencent");
    assert_eq!(tencent["enable_kms"], true);
    assert_eq!(tencent["app_id"], "1250000000");

    assert!(server.statuses().iter().all(|s| *s == 200), "{:?}", server.requests());
}

// --------------------------------------------------------------- 4. query_time

#[test]
fn query_time_explicit_and_default_1_15_5() {
    let server = OmsServer::demo();
    let ws = workspace(TF_1_15);
    let body = task_data("explicit", SEED_TASK_ID, "  query_time = 1700000000000\n")
        + &task_data("default", TENCENT_TASK_ID, "")
        + &task_data("zero", NULLS_TASK_ID, "  query_time = 0\n")
        + &task_data("max", INT64_TASK_ID, "  query_time = 9223372036854775807\n");
    ws.main_tf(&config(&aksk_provider(&server, &[]), &body));
    apply(&ws);

    let (explicit, raw) = output_json(&ws, "explicit");
    assert_eq!(raw_number(&raw, "query_time"), "1700000000000", "{raw}");
    assert_eq!(explicit["query_time"].as_i64(), Some(1_700_000_000_000));
    let (default, _) = output_json(&ws, "default");
    let default_qt = default["query_time"].as_i64().expect("query_time is set by the read");
    assert_recent(default_qt, "default query_time in state");

    let requests = server.requests();
    let explicit_reqs: Vec<_> = requests.iter().filter(|r| r.raw_path.ends_with(SEED_TASK_ID)).collect();
    let default_reqs: Vec<_> = requests.iter().filter(|r| r.raw_path.ends_with(TENCENT_TASK_ID)).collect();
    assert!(!explicit_reqs.is_empty() && !default_reqs.is_empty(), "{requests:?}");
    for r in explicit_reqs {
        assert_eq!(r.raw_query.as_deref(), Some("query_time=1700000000000"), "{r:?}");
    }
    for r in &default_reqs {
        let qt = OmsServer::query_time_of(r).unwrap_or_else(|| panic!("no query_time: {r:?}"));
        assert_recent(qt, "query_time the server saw");
    }
    assert_eq!(OmsServer::query_time_of(default_reqs.last().unwrap()), Some(default_qt));

    // The range ends travel exactly.
    for (name, id, want) in [("zero", NULLS_TASK_ID, "0"), ("max", INT64_TASK_ID, "9223372036854775807")] {
        let (_, raw) = output_json(&ws, name);
        assert_eq!(raw_number(&raw, "query_time"), want, "{name}: {raw}");
        let sent: Vec<_> = requests.iter().filter(|r| r.raw_path.ends_with(id)).collect();
        assert!(!sent.is_empty(), "{name}: no request");
        for r in sent {
            assert_eq!(r.raw_query.as_deref(), Some(&*format!("query_time={want}")), "{name}: {r:?}");
        }
    }
}

// ------------------------------------------------------ 5. read during apply

#[test]
fn read_deferred_to_apply_1_15_5() {
    let server = OmsServer::demo();
    let ws = workspace(TF_1_15);
    let body = format!(
        "resource \"terraform_data\" \"id\" {{\n  input = {}\n}}\n\n\
         data \"oms_sync_task\" \"task\" {{\n  sync_task_id = terraform_data.id.output\n}}\n\n\
         output \"task\" {{\n  value = data.oms_sync_task.task\n}}\n",
        hcl(SEED_TASK_ID)
    );
    ws.main_tf(&config(&aksk_provider(&server, &[]), &body));

    let plan = ws.run(&["plan", "-input=false"]);
    plan.assert_success();
    let text = flat(&plan.stdout);
    assert!(text.contains("data.oms_sync_task.task will be read during apply"), "{}", plan.report());
    assert!(text.contains("(known after apply)"), "{}", plan.report());
    assert_eq!(server.request_count(), 0, "nothing may be read at plan time:\n{}", plan.report());

    let out = apply(&ws);
    assert!(out.stdout.contains("data.oms_sync_task.task: Read complete after"), "{}", out.report());
    assert_eq!(server.request_count(), 1, "{:?}", server.requests());
    let (task, _) = output_json(&ws, "task");
    assert_task_object(&task, &seed_task(), "read during apply");

    // Now that the id is in state, the next plan reads at plan time.
    let plan = ws.run(&["plan", "-input=false"]);
    plan.assert_success();
    assert!(!plan.stdout.contains("read during apply"), "{}", plan.report());
    assert_eq!(server.request_count(), 2, "{:?}", server.requests());
}

// ------------------------------------------------------ 6. for_each over 200

#[test]
fn for_each_over_200_tasks_1_15_5() {
    let server = OmsServer::demo();
    let ids: Vec<String> = (0..200).map(|i| format!("task-{i:03}")).collect();
    for (i, id) in ids.iter().enumerate() {
        let mut task = seed_task();
        task["sync_task_id"] = json!(id);
        task["status"] = json!(if i % 3 == 0 { "STOPPED" } else { "SYNCHRONIZING" });
        task["monthly_success_object"] = json!(i);
        server.insert_task(task);
    }
    let ws = workspace(TF_1_15);
    let body = r#"
data "oms_sync_task" "all" {
  for_each     = toset([for i in range(200) : format("task-%03d", i)])
  sync_task_id = each.value
}

output "statuses" {
  value = { for id, t in data.oms_sync_task.all : id => t.status }
}

output "successes" {
  value = { for id, t in data.oms_sync_task.all : t.id => t.monthly_success_object }
}
"#;
    ws.main_tf(&config(&aksk_provider(&server, &[]), body));
    let started = Instant::now();
    let out = apply(&ws);
    let elapsed = started.elapsed();
    println!("terraform {TF_1_15} apply of 200 oms_sync_task reads: {elapsed:.2?}");
    assert_eq!(out.stdout.matches("Read complete after").count(), 200, "{}", out.report());

    let (statuses, _) = output_json(&ws, "statuses");
    let (successes, _) = output_json(&ws, "successes");
    let statuses = statuses.as_object().expect("a map");
    assert_eq!(statuses.len(), 200);
    for (i, id) in ids.iter().enumerate() {
        let want = if i % 3 == 0 { "STOPPED" } else { "SYNCHRONIZING" };
        assert_eq!(statuses.get(id), Some(&json!(want)), "{id}");
        assert_eq!(successes[id], json!(i), "{id}");
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 200, "one read per task");
    assert!(requests.iter().all(|r| r.status == 200));
    let mut paths: Vec<&str> = requests.iter().map(|r| r.raw_path.as_str()).collect();
    paths.sort_unstable();
    paths.dedup();
    assert_eq!(paths.len(), 200, "every task read exactly once");
}

// ----------------------------------------------------------------- 7. errors

#[test]
fn unknown_id_is_not_found_1_15_5() {
    let server = OmsServer::demo();
    let ws = workspace(TF_1_15);
    let id = "00000000-0000-4000-8000-00000000dead";
    ws.main_tf(&config(&aksk_provider(&server, &[]), &task_data("task", id, "")));
    let (text, out) = expect_failure(&ws, &["plan", "-input=false"]);
    assert_contains_all(
        &text,
        &[
            "Error: OMS sync task not found",
            &format!("No synchronization task with ID \"{id}\""),
            &format!("project {DEMO_PROJECT_ID}"),
            &format!("(region {REGION})"),
            "HTTP status: 404",
            "error_code: OMS.0054",
            "error_msg: Invalid task ID. Enter a valid task ID.",
            "request ID: ",
            "with data.oms_sync_task.task",
            "sync_task_id = \"00000000-0000-4000-8000-00000000dead\"",
        ],
        &out,
    );
    let rid = text.split("request ID: ").nth(1).unwrap_or_default().split(' ').next().unwrap_or_default();
    assert!(rid.len() == 32 && rid.chars().all(|c| c.is_ascii_hexdigit()), "request ID {rid:?}:\n{}", out.report());
    assert_eq!(server.statuses(), [404], "not found is not retried");
}

#[test]
fn wrong_secret_key_is_rejected_1_15_5() {
    let server = OmsServer::demo();
    let ws = workspace(TF_1_15);
    let wrong = "wrong-secret-key-pangolin-5d1e";
    ws.main_tf(&config(
        &aksk_provider(&server, &[("secret_key", hcl(wrong))])
            .replace(&format!("  secret_key = {}\n", hcl(DEMO_SECRET_KEY)), ""),
        &task_data("task", SEED_TASK_ID, ""),
    ));
    assert!(!std::fs::read_to_string(ws.dir().join("main.tf")).unwrap().contains(DEMO_SECRET_KEY));
    let (text, out) = expect_failure(&ws, &["plan", "-input=false"]);
    assert_contains_all(
        &text,
        &[
            "Error: OMS rejected the credentials",
            "authenticated with AK/SK",
            "`access_key`/`secret_key`",
            "401 Unauthorized",
            "check that the machine's clock is correct",
            "error_code: APIGW.0301",
        ],
        &out,
    );
    assert!(!out.raw_stdout.contains(wrong) && !out.stderr.contains(wrong), "the secret leaked:\n{}", out.report());
    assert_eq!(server.statuses(), [401]);
}

#[test]
fn wrong_token_is_rejected_1_15_5() {
    let server = OmsServer::start(ServerConfig { auth_token: Some(TOKEN.into()), ..demo_config() });
    let ws = workspace(TF_1_15);
    let wrong = "wrong-token-MIIZ-axolotl-0b7c";
    let provider = provider_block(
        &server,
        &[("region", hcl(REGION)), ("project_id", hcl(DEMO_PROJECT_ID)), ("token", hcl(wrong))],
    );
    ws.main_tf(&config(&provider, &task_data("task", SEED_TASK_ID, "")));
    let (text, out) = expect_failure(&ws, &["plan", "-input=false"]);
    assert_contains_all(
        &text,
        &["Error: OMS rejected the credentials", "authenticated with token", "`token` attribute", "401 Unauthorized"],
        &out,
    );
    // Nothing about AK/SK (such as clock skew advice) when a token was used.
    assert!(!text.contains("AK/SK") && !text.contains("clock"), "{}", out.report());
    assert!(!out.raw_stdout.contains(wrong) && !out.stderr.contains(wrong), "the token leaked:\n{}", out.report());
    assert_eq!(server.statuses(), [401]);
}

#[test]
fn wrong_project_is_forbidden_1_15_5() {
    let server = OmsServer::demo();
    let ws = workspace(TF_1_15);
    let project = "ffffffffffffffffffffffffffffffff";
    ws.main_tf(&config(
        &aksk_provider(&server, &[]).replace(DEMO_PROJECT_ID, project),
        &task_data("task", SEED_TASK_ID, ""),
    ));
    let (text, out) = expect_failure(&ws, &["plan", "-input=false"]);
    assert_contains_all(
        &text,
        &[
            "Error: Not allowed to read the OMS sync task",
            "403 Forbidden",
            &format!("project {project}"),
            "`oms:synctask:get`",
            "error_code: OMS.0002",
        ],
        &out,
    );
    assert_eq!(server.statuses(), [403]);
    assert_eq!(server.requests()[0].raw_path, format!("/v2/{project}/sync-tasks/{SEED_TASK_ID}"));
}

/// A workspace reading the seed task with `max_retries` and fast backoff.
fn retry_workspace(server: &OmsServer, max_retries: u32) -> Workspace {
    let mut ws = workspace(TF_1_15);
    ws.set_env("OMS_PROVIDER_RETRY_BASE_MS", "10");
    ws.main_tf(&config(
        &aksk_provider(server, &[("max_retries", max_retries.to_string())]),
        &task_data("task", SEED_TASK_ID, ""),
    ));
    ws
}

#[test]
fn throttling_gives_up_after_max_retries_1_15_5() {
    let server = OmsServer::demo();
    server.inject(Fault::TooManyRequests { retry_after: Some("0".into()), times: 100 });
    let ws = retry_workspace(&server, 2);
    let (text, out) = expect_failure(&ws, &["plan", "-input=false"]);
    assert_contains_all(
        &text,
        &["Error: OMS request failed after 3 attempts", "HTTP status: 429", "error_code: APIGW.0308", "max_retries"],
        &out,
    );
    assert_eq!(server.statuses(), [429, 429, 429], "1 attempt + 2 retries");
}

#[test]
fn server_errors_give_up_after_max_retries_1_15_5() {
    let server = OmsServer::demo();
    server.inject(Fault::Status { status: 503, times: 10 });
    let ws = retry_workspace(&server, 1);
    let (text, out) = expect_failure(&ws, &["plan", "-input=false"]);
    assert_contains_all(
        &text,
        &["Error: OMS request failed after 2 attempts", "HTTP status: 503", "error_code: OMS.0008"],
        &out,
    );
    assert_eq!(server.statuses(), [503, 503]);
}

#[test]
fn server_errors_then_success_1_15_5() {
    let server = OmsServer::demo();
    server.inject(Fault::Status { status: 503, times: 2 });
    let ws = retry_workspace(&server, 3);
    let started = Instant::now();
    let out = ws.run(&["plan", "-input=false"]);
    out.assert_success();
    assert_eq!(server.statuses(), [503, 503, 200]);
    assert!(started.elapsed() < Duration::from_secs(30), "retries should be fast: {:?}", started.elapsed());
    apply(&ws);
    let (task, _) = output_json(&ws, "task");
    assert_task_object(&task, &seed_task(), "after two 503s");
}

// ------------------------------------------------------------ 8. hostile ids

#[test]
fn hostile_ids_stay_in_the_sync_tasks_path_1_15_5() {
    let server = OmsServer::demo();
    // id, and the single path segment it must travel as.
    let hostile = [
        ("../../v3/auth/tokens", "..%2F..%2Fv3%2Fauth%2Ftokens"),
        ("a/b", "a%2Fb"),
        ("x?y=z", "x%3Fy%3Dz"),
        ("a#b", "a%23b"),
        ("%2F..%2F", "%252F..%252F"),
        ("a b", "a%20b"),
        ("数据/..", "%E6%95%B0%E6%8D%AE%2F.."),
        ("...", "..."),
        ("%2E%2E", "%252E%252E"),
        ("a\\b;c", "a%5Cb%3Bc"),
    ];
    let mut entries = String::new();
    for (i, (id, _)) in hostile.iter().enumerate() {
        let mut task = seed_task();
        task["sync_task_id"] = json!(id);
        task["description"] = json!(format!("hostile task {i}"));
        server.insert_task(task);
        entries.push_str(&format!("    h{i} = {}\n", hcl(id)));
    }
    let body = format!(
        "data \"oms_sync_task\" \"h\" {{\n  for_each = {{\n{entries}  }}\n  sync_task_id = each.value\n}}\n\n\
         output \"h\" {{\n  value = {{ for k, t in data.oms_sync_task.h : k => {{ id = t.id, description = t.description, status = t.status }} }}\n}}\n"
    );
    let ws = workspace(TF_1_15);
    ws.main_tf(&config(&aksk_provider(&server, &[]), &body));
    apply(&ws);
    let (h, _) = output_json(&ws, "h");
    for (i, (id, _)) in hostile.iter().enumerate() {
        let got = &h[format!("h{i}")];
        assert_eq!(got["id"], json!(id), "{id:?}: {h}");
        assert_eq!(got["description"], json!(format!("hostile task {i}")), "{id:?} read another task: {h}");
        assert_eq!(got["status"], "SYNCHRONIZING");
    }

    let requests = server.requests();
    assert_eq!(requests.len(), hostile.len(), "{requests:?}");
    let prefix = format!("/v2/{DEMO_PROJECT_ID}/sync-tasks/");
    for r in &requests {
        assert!(r.raw_path.starts_with(&prefix), "{r:?}");
        assert_eq!(r.raw_path[1..].split('/').count(), 4, "{r:?}");
        assert_eq!(r.status, 200, "{r:?}");
        let q = r.raw_query.as_deref().unwrap_or_default();
        assert!(q.starts_with("query_time=") && !q.contains('&'), "nothing added to the query: {r:?}");
    }
    let mut seen: Vec<&str> = requests.iter().map(|r| &r.raw_path[prefix.len()..]).collect();
    let mut want: Vec<&str> = hostile.iter().map(|(_, seg)| *seg).collect();
    seen.sort_unstable();
    want.sort_unstable();
    assert_eq!(seen, want);
}

#[test]
fn dot_segment_ids_are_refused_without_a_request_1_15_5() {
    let server = OmsServer::demo();
    let ws = workspace(TF_1_15);
    for id in ["..", "."] {
        ws.main_tf(&config(&aksk_provider(&server, &[]), &task_data("task", id, "")));
        let (text, out) = expect_failure(&ws, &["plan", "-input=false"]);
        assert_contains_all(
            &text,
            &[
                "Error: Invalid sync task request",
                "sync_task_id must not be \".\" or \"..\"",
                "with data.oms_sync_task.task",
            ],
            &out,
        );
        assert_eq!(server.request_count(), 0, "{id:?}: no request may be sent: {:?}", server.requests());
    }
}

// ---------------------------------------------------------------- 9. timeouts

#[test]
fn read_timeout_is_enforced_1_15_5() {
    let server = OmsServer::demo();
    server.inject(Fault::Stall { duration: Duration::from_secs(60), times: 10 });
    let ws = workspace(TF_1_15);
    ws.main_tf(&config(
        &aksk_provider(&server, &[]),
        &task_data("task", SEED_TASK_ID, "  timeouts {\n    read = \"2s\"\n  }\n"),
    ));
    let started = Instant::now();
    let (text, out) = expect_failure(&ws, &["plan", "-input=false"]);
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_secs(2), "gave up before the timeout: {elapsed:?}");
    assert!(elapsed < Duration::from_secs(15), "took {elapsed:?}:\n{}", out.report());
    assert_contains_all(
        &text,
        &[
            "Error: Reading the OMS sync task timed out",
            "did not finish within timeouts.read = 2s",
            "Increase timeouts.read",
        ],
        &out,
    );
    assert_eq!(server.request_count(), 1, "{:?}", server.requests());
}

// ----------------------------------------------------------------- 10. secrets

#[test]
fn secrets_never_reach_output_or_logs_1_15_5() {
    let secret_key = "e2e-SK-narwhal-3b9d0c7e-never-print";
    let security_token = "e2e-ST-okapi-51f2aa90-never-print";
    let token = "e2e-TOKEN-tapir-c04e6d1b-never-print";
    let secrets = [secret_key, security_token, token];
    let server = OmsServer::start(ServerConfig {
        secret_key: secret_key.into(),
        security_token: Some(security_token.into()),
        auth_token: Some(token.into()),
        ..demo_config()
    });
    let ws = workspace(TF_1_15);

    let check = |out: &Output, what: &str| {
        for s in secrets {
            assert!(!out.raw_stdout.contains(s), "{what}: a secret is on stdout:\n{}", out.raw_stdout);
            assert!(!out.stderr.contains(s), "{what}: a secret is on stderr");
        }
    };
    let state_has_no_secret = |what: &str| {
        for file in ["terraform.tfstate", "terraform.tfstate.backup"] {
            if let Ok(state) = std::fs::read_to_string(ws.dir().join(file)) {
                for s in secrets {
                    assert!(!state.contains(s), "{what}: a secret is in {file}");
                }
            }
        }
    };

    // AK/SK with a security token, then the token, each from the provider block.
    let aksk = aksk_provider(&server, &[("security_token", hcl(security_token))]).replace(DEMO_SECRET_KEY, secret_key);
    let tok = provider_block(
        &server,
        &[("region", hcl(REGION)), ("project_id", hcl(DEMO_PROJECT_ID)), ("token", hcl(token))],
    );
    let cases = [
        ("AK/SK+security token", aksk, &["Authorization: (redacted)", "X-Security-Token: (redacted)"][..]),
        ("token", tok, &["X-Auth-Token: (redacted)"][..]),
    ];
    for (what, provider, redacted) in cases {
        ws.main_tf(&config(&provider, &task_data("task", SEED_TASK_ID, "")));
        let before = server.request_count();
        let out = ws.run_with_env(&["apply", "-auto-approve", "-input=false"], &[("TF_LOG", "trace")]);
        out.assert_success();
        check(&out, &format!("{what}: apply with TF_LOG=trace"));
        assert!(server.request_count() > before, "{what}: no read happened");
        assert!(out.stderr.contains("[TRACE]"), "{what}: TF_LOG=trace produced no trace logs");
        assert!(out.stderr.contains("provider.terraform-provider-oms"), "{what}: no provider logs");
        // The request was logged, with its credential headers redacted.
        for needle in redacted {
            assert!(out.stderr.contains(needle), "{what}: no {needle:?} in the request log:\n{}", out.report());
        }

        let plan = ws.run_with_env(&["plan", "-input=false"], &[("TF_LOG", "trace")]);
        plan.assert_success();
        check(&plan, &format!("{what}: plan"));
        for args in [&["output"][..], &["output", "-json"][..], &["show"][..], &["show", "-json"][..]] {
            let out = ws.run(args);
            out.assert_success();
            check(&out, &format!("{what}: {args:?}"));
        }
        state_has_no_secret(what);
    }
    assert!(server.statuses().iter().all(|s| *s == 200), "{:?}", server.requests());
}

// -------------------------------------------------------------- 11. validation

#[test]
fn invalid_configurations_fail_without_requests_1_15_5() {
    let server = OmsServer::demo();
    let ws = workspace(TF_1_15);
    let good = aksk_provider(&server, &[]);
    let long_id = "x".repeat(256);
    let ak_line = format!("access_key = {}", hcl(DEMO_ACCESS_KEY));
    let cases: Vec<(&str, String, String, Vec<&str>)> = vec![
        (
            "empty id",
            good.clone(),
            task_data("task", "", ""),
            vec!["Error: Invalid sync_task_id", "sync_task_id must be 1 to 255 characters long; it has 0"],
        ),
        (
            "256-char id",
            good.clone(),
            task_data("task", &long_id, ""),
            vec!["Error: Invalid sync_task_id", "it has 256"],
        ),
        (
            "negative query_time",
            good.clone(),
            task_data("task", SEED_TASK_ID, "  query_time = -1\n"),
            vec!["Error: Invalid query_time", "query_time is a time in milliseconds", "Got -1", "query_time = -1"],
        ),
        (
            "query_time beyond int64",
            good.clone(),
            task_data("task", SEED_TASK_ID, "  query_time = 9223372036854775808\n"),
            vec!["Error: Invalid query_time", "Got 9223372036854775808"],
        ),
        (
            "fractional query_time",
            good.clone(),
            task_data("task", SEED_TASK_ID, "  query_time = 1.5\n"),
            vec!["Error: Invalid query_time", "Got 1.5"],
        ),
        (
            "zero timeout",
            good.clone(),
            task_data("task", SEED_TASK_ID, "  timeouts {\n    read = \"0s\"\n  }\n"),
            vec!["Error: Invalid read timeout", "timeouts.read must be longer than zero"],
        ),
        (
            "bad timeout",
            good.clone(),
            task_data("task", SEED_TASK_ID, "  timeouts {\n    read = \"soon\"\n  }\n"),
            vec!["Error: Invalid read timeout", "read = \"soon\"", "Go duration"],
        ),
        (
            "negative max_retries",
            aksk_provider(&server, &[("max_retries", "-1".into())]),
            task_data("task", SEED_TASK_ID, ""),
            vec![
                "Error: Invalid max_retries",
                "max_retries must be a whole number, 0 or greater; got -1",
                "max_retries = -1",
            ],
        ),
        (
            "access_key without secret_key",
            aksk_provider(&server, &[]).replace(&format!("  secret_key = {}\n", hcl(DEMO_SECRET_KEY)), ""),
            task_data("task", SEED_TASK_ID, ""),
            vec!["Error: secret_key is required with access_key", &ak_line],
        ),
        (
            "bad endpoint URL",
            aksk_provider(&server, &[]).replace(&hcl(&server.url()), "\"http://[::1\""),
            task_data("task", SEED_TASK_ID, ""),
            vec!["Error: Invalid OMS endpoint URL", "http://[::1"],
        ),
    ];
    for (what, provider, body, needles) in &cases {
        ws.main_tf(&config(provider, body));
        for command in [&["validate"][..], &["plan", "-input=false"][..]] {
            let (text, out) = expect_failure(&ws, command);
            assert_contains_all(&text, needles, &out);
            assert_eq!(out.code(), Some(1), "{what}: {}", out.report());
        }
        assert_eq!(server.request_count(), 0, "{what}: no request may be sent: {:?}", server.requests());
    }
}

// -------------------------------------------------------------------- 12. TLS

/// A 1.15.5 workspace reading the seed task from `server` (HTTPS). The server's CA is
/// always written to `ca.pem` in the configuration directory, so a test without
/// `cacert_file` fails for want of trust, not for want of the file.
fn tls_workspace(server: &OmsServer, cacert_file: bool, extra: &[(&str, String)]) -> Workspace {
    assert!(server.url().starts_with("https://127.0.0.1:"), "{}", server.url());
    let ws = workspace(TF_1_15);
    ws.write("ca.pem", &server.ca_pem().expect("a TLS server has a CA"));
    let mut attrs = extra.to_vec();
    if cacert_file {
        attrs.push(("cacert_file", hcl(&ws.dir().join("ca.pem").to_string_lossy())));
    }
    ws.main_tf(&config(&aksk_provider(server, &attrs), &task_data("task", SEED_TASK_ID, "")));
    ws
}

/// Apply succeeds over HTTPS, the whole object is the seed task, and no handshake failed.
#[track_caller]
fn tls_read_succeeds(ws: &Workspace, server: &OmsServer, what: &str) {
    read_seed_and_check(ws, server, what);
    let (task, _) = output_json(ws, "task");
    assert_eq!(task["status"], "SYNCHRONIZING", "{what}");
    assert_eq!(server.tls_handshake_failures(), 0, "{what}");
}

#[test]
fn tls_cacert_file_trusts_the_servers_ca_1_15_5() {
    let server = OmsServer::demo_tls();
    let ws = tls_workspace(&server, true, &[]);
    tls_read_succeeds(&ws, &server, "cacert_file");
}

#[test]
fn tls_untrusted_certificate_is_refused_1_15_5() {
    let server = OmsServer::demo_tls();
    // The CA sits in the workspace but nothing points at it.
    let ws = tls_workspace(&server, false, &[]);
    let (text, out) = expect_failure(&ws, &["plan", "-input=false"]);
    assert_contains_all(
        &text,
        &[
            "Error: Could not reach the OMS endpoint",
            "invalid peer certificate: UnknownIssuer",
            &format!("Endpoint: {}", server.url()),
            "TLS settings (cacert_file, insecure)",
            "with data.oms_sync_task.task",
        ],
        &out,
    );
    assert_eq!(server.request_count(), 0, "no request may complete without trust:\n{}", out.report());
    // Exactly one connection, refused at the handshake: a certificate failure is not retried.
    assert_eq!(server.wait_for_handshake_failures(1), 1, "{}", out.report());
}

#[test]
fn tls_insecure_skips_verification_1_15_5() {
    let server = OmsServer::demo_tls();
    let ws = tls_workspace(&server, false, &[("insecure", "true".into())]);
    tls_read_succeeds(&ws, &server, "insecure = true");
}

#[test]
fn tls_hw_insecure_environment_1_15_5() {
    let server = OmsServer::demo_tls();
    let mut ws = tls_workspace(&server, false, &[]);
    ws.set_env("HW_INSECURE", "true");
    tls_read_succeeds(&ws, &server, "HW_INSECURE=true");

    // An explicit `insecure = false` wins over the environment, so verification is back.
    let before = server.request_count();
    ws.main_tf(&config(&aksk_provider(&server, &[("insecure", "false".into())]), &task_data("task", SEED_TASK_ID, "")));
    let (text, out) = expect_failure(&ws, &["plan", "-input=false"]);
    assert_contains_all(&text, &["Error: Could not reach the OMS endpoint", "UnknownIssuer"], &out);
    assert_eq!(server.request_count(), before, "{}", out.report());
    assert_eq!(server.wait_for_handshake_failures(1), 1, "{}", out.report());
}

// ---------------------------------------------------- older Terraform versions

/// The seed task (a few fields, including the monthly counters) and a
/// not-found error, on an older CLI.
fn seed_and_not_found_on(version: &str) {
    let server = OmsServer::demo();
    let tf = Terraform::get(version);
    let mut ws = Workspace::new(&tf);
    ws.main_tf(&config(&aksk_provider(&server, &[]), &task_data("task", SEED_TASK_ID, "")));
    ws.prepare();
    apply(&ws);
    let (task, raw) = output_json(&ws, "task");
    let seed = seed_task();
    for key in [
        "id",
        "sync_task_id",
        "status",
        "src_bucket",
        "create_time",
        "enable_restore",
        "app_id",
        "dst_storage_policy",
        "monthly_acceptance_request",
        "monthly_success_object",
        "monthly_failure_object",
        "monthly_skip_object",
        "monthly_size",
    ] {
        let want = if key == "id" { &seed["sync_task_id"] } else { &seed[key] };
        assert_eq!(&task[key], want, "{version}: {key}");
    }
    assert_eq!(raw_number(&raw, "monthly_failure_object"), "11", "{version}");
    // And the whole object, as on 1.15.5.
    assert_task_object(&task, &seed, version);
    assert_eq!(task["enable_kms"], Value::Null, "{version}");
    assert_recent(task["query_time"].as_i64().expect("query_time"), &format!("{version}: query_time"));
    assert!(!server.requests().is_empty() && server.statuses().iter().all(|s| *s == 200), "{version}");

    let id = "not-a-task-0000";
    ws.main_tf(&config(&aksk_provider(&server, &[]), &task_data("task", id, "")));
    let (text, out) = expect_failure(&ws, &["plan", "-input=false"]);
    assert_contains_all(
        &text,
        &[
            "Error: OMS sync task not found",
            &format!("No synchronization task with ID \"{id}\""),
            &format!("project {DEMO_PROJECT_ID}"),
            "error_code: OMS.0054",
        ],
        &out,
    );
    assert_eq!(server.statuses().last(), Some(&404), "{version}");
}

#[test]
fn seed_and_not_found_1_0_3() {
    seed_and_not_found_on(TF_1_0);
}

#[test]
fn seed_and_not_found_0_13_4() {
    seed_and_not_found_on(TF_0_13);
}
