//! End-to-end tests: real Terraform CLIs (1.15.5, 1.0.3, 0.13.4) drive the
//! plugin binary built by Cargo. Terraform is installed on demand by
//! `scripts/install-terraform.sh`; these tests fail (never skip) without it.

mod common;

use common::terraform::{
    hclog_lines, split_prefixed_output, BlockJson, Install, Output, Terraform, Workspace, PROVIDER_ADDRESS,
};
use terraform_provider_oms::framework::schema::Block;
use terraform_provider_oms::provider::{provider_schema, sync_task};

const TF_1_15: &str = "1.15.5";
const TF_1_0: &str = "1.0.3";
const TF_0_13: &str = "0.13.4";

/// The `required_providers` block every configuration starts with.
fn terraform_block() -> String {
    format!("terraform {{\n  required_providers {{\n    oms = {{ source = \"{PROVIDER_ADDRESS}\" }}\n  }}\n}}\n")
}

/// A data source whose `sync_task_id` is unknown during validate.
fn validate_config() -> String {
    terraform_block()
        + r#"
variable "task_id" {
  type = string
}

provider "oms" {
  region = "cn-north-4"
}

data "oms_sync_task" "task" {
  sync_task_id = var.task_id

  timeouts {
    read = "1m"
  }
}
"#
}

// ------------------------------------------------------------ 1. schema

#[track_caller]
fn assert_described(what: &str, description: &Option<String>, kind: &Option<String>) {
    let d = description.as_deref().unwrap_or_default();
    assert!(!d.trim().is_empty(), "{what}: no description");
    assert_eq!(kind.as_deref(), Some("markdown"), "{what}: description_kind");
}

/// Every attribute and nested block of our own schema is in Terraform's
/// view with the same flags, type and description.
fn assert_matches_source(what: &str, ours: &Block, theirs: &BlockJson) {
    let mut names: Vec<&str> = ours.attributes.iter().map(|a| a.name.as_str()).collect();
    names.sort_unstable();
    let mut got: Vec<&str> = theirs.attributes.keys().map(String::as_str).collect();
    got.sort_unstable();
    assert_eq!(got, names, "{what}: attribute names");
    for a in &ours.attributes {
        let t = theirs.attribute(&a.name);
        let at = format!("{what}.{}", a.name);
        assert_eq!(t.ty.as_ref(), Some(&a.ty.to_json()), "{at}: type");
        assert_eq!(
            (t.required, t.optional, t.computed, t.sensitive),
            (a.required, a.optional, a.computed, a.sensitive),
            "{at}: (required, optional, computed, sensitive)"
        );
        assert_eq!(t.description.as_deref(), Some(a.description.as_str()), "{at}: description");
        assert_described(&at, &t.description, &t.description_kind);
    }
    let mut blocks: Vec<&str> = ours.blocks.iter().map(|b| b.type_name.as_str()).collect();
    blocks.sort_unstable();
    assert_eq!(theirs.block_types.keys().map(String::as_str).collect::<Vec<_>>(), blocks, "{what}: block types");
    for b in &ours.blocks {
        assert_matches_source(&format!("{what}.{}", b.type_name), &b.block, &theirs.block_type(&b.type_name).block);
    }
}

fn check_schema(version: &str) {
    let tf = Terraform::get(version);
    let mut ws = Workspace::new(&tf);
    ws.main_tf(&validate_config());
    let schema = ws.providers_schema();
    let oms = schema.provider(PROVIDER_ADDRESS);

    // Provider block.
    let p = &oms.provider.block;
    for name in ["access_key", "secret_key", "security_token", "token"] {
        let a = p.attribute(name);
        assert!(
            a.sensitive && a.optional && !a.required,
            "{version}: provider.{name} must be optional+sensitive: {a:?}"
        );
        assert_eq!(a.type_json(), r#""string""#, "{version}: provider.{name}");
    }
    for name in ["region", "project_id", "cloud", "endpoints", "insecure", "max_retries", "cacert_file"] {
        assert!(!p.attribute(name).sensitive, "{version}: provider.{name} must not be sensitive");
    }
    assert_eq!(p.attribute("endpoints").type_json(), r#"["map","string"]"#, "{version}");
    assert_eq!(p.attribute("max_retries").type_json(), r#""number""#, "{version}");
    assert_eq!(p.attribute("insecure").type_json(), r#""bool""#, "{version}");
    assert_eq!(p.attribute("region").type_json(), r#""string""#, "{version}");
    assert_described(&format!("{version}: provider block"), &p.description, &p.description_kind);
    assert!(oms.resource_schemas.is_empty(), "{version}: no resources expected: {:?}", oms.resource_schemas.keys());

    // Data source.
    assert_eq!(
        oms.data_source_schemas.keys().collect::<Vec<_>>(),
        ["oms_sync_task", "oms_sync_task_statistics", "oms_sync_tasks"],
        "{version}"
    );
    let ds = &oms.data_source("oms_sync_task").block;
    let id = ds.attribute("sync_task_id");
    assert!(id.required && !id.optional && !id.computed, "{version}: sync_task_id: {id:?}");
    assert_eq!(id.type_json(), r#""string""#);
    let q = ds.attribute("query_time");
    assert!(q.optional && q.computed && !q.required, "{version}: query_time: {q:?}");
    assert_eq!(q.type_json(), r#""number""#);
    for (name, ty) in [("id", "string"), ("monthly_size", "number"), ("enable_restore", "bool"), ("enable_kms", "bool")]
    {
        let a = ds.attribute(name);
        assert!(a.computed && !a.optional && !a.required, "{version}: {name} must be computed only: {a:?}");
        assert_eq!(a.type_json(), format!("\"{ty}\""), "{version}: {name}");
    }
    let timeouts = ds.block_type("timeouts");
    assert_eq!(timeouts.nesting_mode, "single", "{version}: timeouts nesting");
    let read = timeouts.block.attribute("read");
    assert!(read.optional && !read.required && !read.computed, "{version}: timeouts.read: {read:?}");
    assert_eq!(read.type_json(), r#""string""#);
    assert_described(&format!("{version}: oms_sync_task block"), &ds.description, &ds.description_kind);

    // Nothing lost or altered on the way through the protocol.
    assert_matches_source(&format!("{version}: provider"), &provider_schema::schema().block, p);
    assert_matches_source(&format!("{version}: oms_sync_task"), &sync_task::schema().block, ds);
}

#[test]
fn schema_1_15_5() {
    check_schema(TF_1_15);
}

#[test]
fn schema_1_0_3() {
    check_schema(TF_1_0);
}

#[test]
fn schema_0_13_4() {
    check_schema(TF_0_13);
}

// ---------------------------------------------------------- 2. validate

fn check_validate(version: &str, install: Install) -> Output {
    let tf = Terraform::get(version);
    let mut ws = Workspace::with_install(&tf, install);
    ws.main_tf(&validate_config());
    ws.prepare();
    let out = ws.run(&["validate"]);
    out.assert_success();
    assert!(out.stdout.contains("Success! The configuration is valid"), "{}", out.report());
    assert!(!out.user_output().contains("Error"), "{}", out.report());
    out
}

#[test]
fn validate_1_15_5() {
    check_validate(TF_1_15, Install::DevOverrides);
}

#[test]
fn validate_1_0_3() {
    check_validate(TF_1_0, Install::DevOverrides);
}

#[test]
fn validate_0_13_4() {
    check_validate(TF_0_13, Install::FilesystemMirror);
}

/// The filesystem mirror (what 0.13 needs) works on current Terraform too.
#[test]
fn validate_1_15_5_filesystem_mirror() {
    let out = check_validate(TF_1_15, Install::FilesystemMirror);
    assert!(!out.stdout.contains("development overrides"), "{}", out.report());
}

/// Plain commands print nothing of ours: no log line reaches stdout and,
/// without TF_LOG, none reaches stderr either.
#[test]
fn validate_without_tf_log_is_quiet() {
    for version in [TF_1_15, TF_1_0] {
        let out = check_validate(version, Install::DevOverrides);
        for needle in ["@module", "provider.oms", "Served request", "tf_rpc", "\"@level\"", "Plugin started"] {
            assert!(!out.raw_stdout.contains(needle), "{version}: {needle:?} on stdout:\n{}", out.report());
            assert!(!out.stderr.contains(needle), "{version}: {needle:?} on stderr:\n{}", out.report());
        }
        assert!(out.stderr.trim().is_empty(), "{version}: unexpected stderr:\n{}", out.report());
    }
}

// ------------------------------------------------- 3. and 4. debug logs

/// `terraform validate` with TF_LOG=debug, returning the output.
fn validate_with_debug_log(version: &str) -> (Terraform, Output) {
    let tf = Terraform::get(version);
    let mut ws = Workspace::new(&tf);
    ws.main_tf(&validate_config());
    ws.prepare();
    let out = ws.run_with_env(&["validate"], &[("TF_LOG", "debug")]);
    out.assert_success();
    (tf, out)
}

/// Our hclog JSON lines arrive parsed, under the provider logger, and every
/// provider process shuts down promptly on Terraform's request.
fn check_debug_log(version: &str) {
    let (tf, out) = validate_with_debug_log(version);
    let logger = tf.provider_logger_prefix();
    let ours: Vec<&str> = out.stderr.lines().filter(|l| l.contains(logger)).collect();
    assert!(!ours.is_empty(), "{version}: no lines from {logger}:\n{}", out.report());
    let rpcs = if tf.expected_protocol() == 6 {
        ["GetProviderSchema", "ValidateProviderConfig", "ValidateDataResourceConfig"]
    } else {
        ["GetSchema", "PrepareProviderConfig", "ValidateDataSourceConfig"]
    };
    for rpc in rpcs {
        let needle = format!("tf_rpc={rpc}");
        assert!(
            ours.iter().any(|l| l.contains("@module=provider.oms") && l.contains(&needle)),
            "{version}: no {logger} line with @module=provider.oms and {needle}:\n{}",
            out.report()
        );
    }
    // Every launch listened on an abstract socket (mutual TLS, Linux, no
    // PLUGIN_UNIX_SOCKET_DIR from Terraform), which this Terraform dialled.
    let starts: Vec<&&str> = ours.iter().filter(|l| l.contains("Plugin started")).collect();
    assert!(!starts.is_empty(), "{version}: no 'Plugin started' line:\n{}", out.report());
    for l in starts {
        assert!(l.contains("address=@terraform-provider-oms.") && l.contains("tls=true"), "{version}: {l}");
    }
    // Parsed as JSON by go-plugin (a raw JSON line would keep its braces).
    assert!(!ours.iter().any(|l| l.contains("{\"@level\"")), "{version}: JSON not parsed:\n{}", out.report());
    assert!(ours.iter().all(|l| l.contains("[DEBUG]") || l.contains("[INFO]")), "{version}:\n{}", ours.join("\n"));

    let lower = out.stderr.to_ascii_lowercase();
    for bad in ["failed to exit gracefully", "forcefully", "killing", "kill signal", "panic", "plugin crashed"] {
        assert!(!lower.contains(bad), "{version}: stderr mentions {bad:?}:\n{}", out.report());
    }

    // Each provider process (one for the schema, one for validation) is
    // started, receives Shutdown and exits well inside go-plugin's 2 s grace.
    let lines = hclog_lines(&out.stderr);
    let client = tf.plugin_client_logger();
    let started = lines.iter().filter(|l| l.text.starts_with(&format!("{client}: plugin started"))).count();
    let exited = lines.iter().filter(|l| l.text.starts_with(&format!("{client}: plugin exited"))).count();
    let shutdowns: Vec<_> = lines.iter().filter(|l| l.text.contains("Received shutdown request")).collect();
    assert!(started >= 2, "{version}: expected at least 2 provider processes, saw {started}:\n{}", out.report());
    assert_eq!(exited, started, "{version}: every started provider must exit:\n{}", out.report());
    assert_eq!(shutdowns.len(), started, "{version}: every provider must receive Shutdown:\n{}", out.report());
    for (i, line) in lines.iter().enumerate() {
        if !line.text.starts_with(&format!("{client}: plugin process exited")) {
            continue;
        }
        let shutdown = lines[..i].iter().rev().find(|l| l.text.contains("Received shutdown request"));
        let shutdown =
            shutdown.unwrap_or_else(|| panic!("{version}: process exit without Shutdown:\n{}", out.report()));
        let (Some(a), Some(b)) = (shutdown.millis, line.millis) else { panic!("unparsed timestamps: {line:?}") };
        let ms = b.saturating_sub(a);
        assert!(ms < 1000, "{version}: provider took {ms} ms to exit after Shutdown:\n{}", out.report());
    }
}

#[test]
fn debug_log_1_15_5() {
    check_debug_log(TF_1_15);
}

#[test]
fn debug_log_1_0_3() {
    check_debug_log(TF_1_0);
}

/// 0.13.4 (patched build: TRACE logs always on stderr) names the loggers
/// `plugin` / `plugin.terraform-provider-oms_v0.1.0` and speaks protocol 5.
#[test]
fn debug_log_0_13_4() {
    check_debug_log(TF_0_13);
}

/// The negotiated protocol, seen from both sides: go-plugin's "using plugin"
/// line and our own `tf_proto_version` field.
fn check_protocol(version: &str) {
    let (tf, out) = validate_with_debug_log(version);
    let want = tf.expected_protocol();
    let lines = hclog_lines(&out.stderr);
    let using: Vec<&str> =
        lines.iter().filter(|l| l.text.contains(": using plugin: version=")).map(|l| l.text).collect();
    assert!(!using.is_empty(), "{version}: no 'using plugin' line:\n{}", out.report());
    for l in &using {
        assert!(l.ends_with(&format!("version={want}")), "{version}: expected protocol {want}: {l}");
    }
    let logger = tf.provider_logger_prefix();
    let ours: Vec<&str> =
        out.stderr.lines().filter(|l| l.contains(logger) && l.contains("tf_proto_version=")).collect();
    assert!(!ours.is_empty(), "{version}: no tf_proto_version in our lines:\n{}", out.report());
    let field = format!("tf_proto_version={want}");
    for l in &ours {
        assert!(l.contains(&field), "{version}: expected {field}: {l}");
    }
    if want == 5 {
        assert!(ours.iter().any(|l| l.contains("tf_rpc=GetSchema")), "{version}: v5 RPC names:\n{}", ours.join("\n"));
    } else {
        assert!(ours.iter().any(|l| l.contains("tf_rpc=GetProviderSchema")), "{version}:\n{}", ours.join("\n"));
    }
}

#[test]
fn protocol_6_on_1_15_5() {
    check_protocol(TF_1_15);
}

#[test]
fn protocol_6_on_1_0_3() {
    check_protocol(TF_1_0);
}

#[test]
fn protocol_5_on_0_13_4() {
    let tf = Terraform::get(TF_0_13);
    assert_eq!(tf.expected_protocol(), 5);
    check_protocol(TF_0_13);
}

// ------------------------------------------------------------- 5. plan

/// Missing project and credentials at read time: one clear error naming the
/// attributes and environment variables. Also proves the whole plan RPC
/// sequence (schema, validate, configure, read) and that a diagnostic reaches
/// the user cleanly, not as a failed RPC.
#[test]
fn plan_1_15_5_reports_missing_settings() {
    let tf = Terraform::get(TF_1_15);
    let mut ws = Workspace::new(&tf);
    ws.main_tf(
        &(terraform_block()
            + r#"
provider "oms" {
  region = "cn-north-4"
}

data "oms_sync_task" "task" {
  sync_task_id = "d18befdd-eb82-41f3-8019-bbb593d74a3e"
}
"#),
    );
    ws.prepare();
    let out = ws.run_with_env(&["plan", "-input=false"], &[("TF_LOG", "debug")]);
    out.assert_code(1);
    let text = out.user_output();
    assert!(text.contains("Error: OMS provider is not fully configured"), "{}", out.report());
    for needle in ["project_id", "HW_PROJECT_ID", "access_key", "HW_ACCESS_KEY", "HW_SECRET_KEY", "HW_AUTH_TOKEN"] {
        assert!(text.contains(needle), "{needle} not named:\n{}", out.report());
    }
    assert!(!text.contains("HW_REGION_NAME"), "region was set and must not be reported:\n{}", out.report());
    assert!(text.contains(r#"data "oms_sync_task" "task""#), "diagnostic should point at the block:\n{}", out.report());
    let lower = out.stderr.to_ascii_lowercase();
    for bad in ["panic", "plugin did not respond", "crash", "failed to exit gracefully", "forcefully"] {
        assert!(!lower.contains(bad), "{bad:?} in output:\n{}", out.report());
    }
    // The diagnostic came back as a diagnostic, not as a failed RPC. (The
    // stdio stream ends with "rpc error: code = Canceled" on every normal
    // shutdown; that line is expected.)
    let rpc_errors: Vec<&str> =
        out.stderr.lines().filter(|l| l.contains("rpc error") && !l.contains("provider.stdio: received EOF")).collect();
    assert!(rpc_errors.is_empty(), "gRPC errors:\n{}\n\n{}", rpc_errors.join("\n"), out.report());
    for rpc in ["ConfigureProvider", "ReadDataSource"] {
        assert!(out.stderr.contains(&format!("tf_rpc={rpc}")), "{rpc} was not served:\n{}", out.report());
    }
}

// ------------------------------------------------------ the helpers themselves

#[test]
fn prefixed_output_is_split_per_write() {
    let raw =
        "o:Refreshing...\nsecond line\n\no:data.x: Refreshing state...\ne:\nError: boom\n\n  on main.tf\no:done\n";
    let (out, err) = split_prefixed_output(raw);
    assert_eq!(out, "Refreshing...\nsecond line\n\ndata.x: Refreshing state...\ndone\n");
    assert_eq!(err, "\nError: boom\n\n  on main.tf\n");
}

#[test]
fn hclog_lines_are_parsed() {
    let text = "2026/11/24 02:55:16 [TRACE] old style\n2026-11-24T02:55:29.618Z [DEBUG] provider: using plugin: version=6\n2026-11-24T02:55:30.001Z [INFO]  provider: plugin exited\n";
    let lines = hclog_lines(text);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].level, "DEBUG");
    assert_eq!(lines[0].text, "provider: using plugin: version=6");
    assert_eq!(lines[1].level, "INFO");
    assert_eq!(lines[1].millis.unwrap() - lines[0].millis.unwrap(), 383);
}

/// A command that hangs is killed, with its whole process group (so a
/// child holding the pipes open cannot stall the test), and the test fails.
#[test]
#[should_panic(expected = "timed out after")]
fn hanging_command_is_killed_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("terraform-hang");
    std::fs::write(&fake, "#!/bin/sh\necho started\nsleep 60 &\nexec sleep 60\n").unwrap();
    let mut perms = std::fs::metadata(&fake).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&fake, perms).unwrap();
    let tf = Terraform::at("1.15.5", &fake);
    let mut ws = Workspace::new(&tf);
    ws.set_timeout(std::time::Duration::from_secs(1));
    let started = std::time::Instant::now();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| ws.run(&["validate"])));
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "the kill did not end the run");
    std::panic::resume_unwind(result.expect_err("a hanging command must fail"));
}

/// `--debug` as the README describes it: Terraform attaches to a provider we
/// started ourselves through TF_REATTACH_PROVIDERS, and leaves it running.
#[test]
fn debug_mode_reattach_1_15_5() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};
    let tf = Terraform::get(TF_1_15);
    let mut ws = Workspace::with_install(&tf, Install::DevOverrides);
    ws.main_tf(&validate_config());
    ws.prepare();

    // Its socket directory goes with the test, not into the user's temporary directory.
    let socket_base = tempfile::tempdir().unwrap();
    let mut provider = Command::new(common::provider_binary())
        .arg("--debug")
        .env("PLUGIN_UNIX_SOCKET_DIR", socket_base.path())
        .env("TF_LOG_PROVIDER", "debug")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the provider in debug mode");
    let mut stdout = BufReader::new(provider.stdout.take().unwrap());
    let reattach = loop {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "no TF_REATTACH_PROVIDERS line");
        if let Some(rest) = line.trim().strip_prefix("TF_REATTACH_PROVIDERS='") {
            break rest.trim_end_matches('\'').to_string();
        }
    };
    let out = ws.run_with_env(&["validate"], &[("TF_REATTACH_PROVIDERS", &reattach)]);
    let still_running = provider.try_wait().unwrap().is_none();
    let _ = provider.kill();
    let _ = provider.wait();
    let mut logs = String::new();
    provider.stderr.take().unwrap().read_to_string(&mut logs).unwrap();
    out.assert_success();
    assert!(still_running, "Terraform must leave a reattached provider running");
    assert!(
        logs.contains("\"tf_rpc\":\"ValidateDataResourceConfig\""),
        "Terraform did not use the debug process:\n{logs}"
    );
}
