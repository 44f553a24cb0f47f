//! Soak (issue 11, Reliability): one `--debug` provider process serves 300
//! consecutive `terraform plan` runs of Terraform 1.15.5 through
//! TF_REATTACH_PROVIDERS, each reading a task from the local OMS server. Its RSS
//! after the last plan must be within 10% of its RSS after the tenth (the first ten
//! settle the allocator, Tokio's threads and the HTTP pool), its descriptors must
//! not grow, and every plan must be answered by this one process.
//!
//! Plans run one after another, as a developer's session with a debug provider
//! does; every Terraform run opens a new gRPC connection to the same process, so a
//! per-connection leak (streams, TLS-less h2 state, stdio streams, controller state)
//! accumulates here if anywhere.

mod common;

use common::{local_oms, terraform};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use local_oms::{demo_config, OmsServer};
use terraform::{Install, Terraform, Workspace, PROVIDER_ADDRESS};
// The local OMS server (moving to the `oms_local_server` crate: re-point this line).
use oms_local_server::{ServerConfig, DEMO_ACCESS_KEY, DEMO_PROJECT_ID, SEED_TASK_ID};

const PLANS: usize = 300;
const SETTLED_AFTER: usize = 10;
const SECRET_KEY: &str = "soak-SK-axolotl-94c0e7b2-never-print";
const SECURITY_TOKEN: &str = "soak-ST-pangolin-2d8a61f3-never-print";

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the provider's /proc/PID/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/PID/status")
}

fn fd_count(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).expect("the provider's /proc/PID/fd").count()
}

fn hcl(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// Kills the debug provider however the test ends.
struct DebugProvider(std::process::Child);

impl Drop for DebugProvider {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn one_debug_provider_serves_300_plans_without_growing() {
    let started = Instant::now();
    let server = OmsServer::start(ServerConfig {
        secret_key: SECRET_KEY.into(),
        security_token: Some(SECURITY_TOKEN.into()),
        ..demo_config()
    });
    let tf = Terraform::get("1.15.5");
    let ws = Workspace::with_install(&tf, Install::DevOverrides);
    ws.main_tf(&format!(
        "terraform {{\n  required_providers {{\n    oms = {{ source = \"{PROVIDER_ADDRESS}\" }}\n  }}\n}}\n\n\
         provider \"oms\" {{\n  region         = \"cn-north-4\"\n  project_id     = {}\n  access_key     = {}\n  \
         secret_key     = {}\n  security_token = {}\n  endpoints      = {{ oms = {} }}\n}}\n\n\
         data \"oms_sync_task\" \"t\" {{\n  sync_task_id = {}\n}}\n\n\
         output \"status\" {{\n  value = data.oms_sync_task.t.status\n}}\n",
        hcl(DEMO_PROJECT_ID),
        hcl(DEMO_ACCESS_KEY),
        hcl(SECRET_KEY),
        hcl(SECURITY_TOKEN),
        hcl(&server.url()),
        hcl(SEED_TASK_ID),
    ));

    // Its socket directory goes with the test, not into the user's temporary directory.
    let socket_base = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_terraform-provider-oms"))
        .arg("--debug")
        .env("PLUGIN_UNIX_SOCKET_DIR", socket_base.path())
        .env("TF_LOG_PROVIDER", "trace")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the provider in debug mode");
    let pid = child.id();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let logs = Arc::new(Mutex::new(String::new()));
    {
        let logs = logs.clone();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                let mut l = logs.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
    }
    let provider = DebugProvider(child);
    let reattach = loop {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "no TF_REATTACH_PROVIDERS line");
        if let Some(rest) = line.trim().strip_prefix("TF_REATTACH_PROVIDERS='") {
            break rest.trim_end_matches('\'').to_string();
        }
    };
    // Keep draining stdout so the provider never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));

    let mut settled = None;
    let mut plan_times = Vec::with_capacity(PLANS);
    for i in 1..=PLANS {
        let out = ws.run_with_env(&["plan", "-input=false"], &[("TF_REATTACH_PROVIDERS", &reattach)]);
        out.assert_success();
        assert!(out.stdout.contains("status = \"SYNCHRONIZING\""), "plan {i}:\n{}", out.report());
        for secret in [SECRET_KEY, SECURITY_TOKEN] {
            assert!(!out.raw_stdout.contains(secret) && !out.stderr.contains(secret), "plan {i}: a secret leaked");
        }
        assert_eq!(server.request_count(), i, "plan {i}: one read per plan, from the debug process");
        plan_times.push(out.duration);
        if i == SETTLED_AFTER {
            settled = Some((rss_kib(pid), fd_count(pid)));
        }
    }
    assert!(provider.0.id() == pid);
    let (settled_rss, settled_fds) = settled.unwrap();
    let (end_rss, end_fds) = (rss_kib(pid), fd_count(pid));
    plan_times.sort();
    eprintln!(
        "soak: {PLANS} plans in {:?} (median {:?}, max {:?}); RSS after {SETTLED_AFTER}: {settled_rss} KiB, \
         after {PLANS}: {end_rss} KiB; fds {settled_fds} -> {end_fds}",
        started.elapsed(),
        plan_times[PLANS / 2],
        plan_times[PLANS - 1],
    );
    assert!(
        end_rss * 10 <= settled_rss * 11,
        "RSS grew from {settled_rss} KiB after plan {SETTLED_AFTER} to {end_rss} KiB after plan {PLANS} (> 10%)"
    );
    // Each plan's connection is closed when Terraform exits; the HTTP pool holds
    // at most a few idle connections to the one server.
    assert!(end_fds <= settled_fds + 2, "descriptors grew from {settled_fds} to {end_fds}");

    let logs = logs.lock().unwrap().clone();
    assert!(logs.contains("\"tf_rpc\":\"ReadDataSource\""), "the debug process served no reads");
    assert!(logs.contains("X-Security-Token: (redacted)"), "requests are logged with redacted credentials");
    for secret in [SECRET_KEY, SECURITY_TOKEN] {
        assert!(!logs.contains(secret), "a secret reached the provider's logs");
    }
    assert!(started.elapsed() < Duration::from_secs(900), "took {:?}", started.elapsed());
}
