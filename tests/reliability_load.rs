//! Load with faults (issue 11, Reliability): 2,000 ReadDataSource calls over 64
//! concurrent gRPC streams to the built binary, launched as Terraform launches it
//! (AutoMTLS), against the local OMS server with a quarter of its answers faulty.
//!
//! What must hold:
//! * every call ends with the right task's state and no diagnostic;
//! * the server sees exactly one extra request per failed answer (503, 429, reset)
//!   and none per stall: retries neither give up early nor duplicate requests;
//! * the provider's open file descriptors and RSS come back to their start level.
//!
//! "Start level" is measured after a warm-up of 1,000 calls of the same workload
//! (faults included) at the same concurrency, not at launch: the first wave opens up to one
//! pooled HTTP connection per concurrent stream (kept for the pool's idle timeout) and
//! the allocator, Tokio and rustls size their buffers and thread-local caches once.
//! After that, a leak grows with the number of calls, so 2,000 more calls must not
//! move the levels by more than noise (see the bounds where they are checked).

mod common;

use common::plugin::{self, dynamic, object_for};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use terraform_provider_oms::framework::value::Value;
// The local OMS server (moving to the `oms_local_server` crate: re-point this line).
use oms_local_server::{
    Fault, LocalOmsServer, ServerConfig, INT64_TASK_ID, NULLS_TASK_ID, SEED_TASK_ID, TENCENT_TASK_ID, UNICODE_TASK_ID,
};
use terraform_provider_oms::protocol::cty_msgpack;
use terraform_provider_oms::protocol::tfplugin6;
use terraform_provider_oms::provider::{provider_schema, sync_task};

type Client = tfplugin6::provider_client::ProviderClient<tonic::transport::Channel>;

const CALLS: usize = 2_000;
const WARM_UP_CALLS: usize = 1_000;
const CONCURRENCY: usize = 64;

const PROJECT_ID: &str = "0123456789abcdef0123456789abcdef";
const ACCESS_KEY: &str = "LOADTESTACCESSKEY0001";
// Distinctive, so a leak into logs or diagnostics is unmistakable.
const SECRET_KEY: &str = "load-SK-quokka-7e41c9d2-never-print";
const SECURITY_TOKEN: &str = "load-ST-wombat-0a9f33e8-never-print";

const TASKS: [&str; 5] = [SEED_TASK_ID, NULLS_TASK_ID, INT64_TASK_ID, UNICODE_TASK_ID, TENCENT_TASK_ID];

fn read_request(task: &str) -> tfplugin6::read_data_source::Request {
    let block = sync_task::schema().block;
    let config = object_for(&block, &[("sync_task_id", Value::string(task))]);
    tfplugin6::read_data_source::Request {
        type_name: "oms_sync_task".into(),
        config: Some(dynamic(&config, &block)),
        ..Default::default()
    }
}

/// One fault per four answers, in a fixed rotation, spread evenly over the run.
/// A `Stall` of zero is an answer without a fault: the queue is strictly FIFO, so
/// interleaving keeps faults from bunching at the start. `cycles` is a multiple of 4.
fn inject_quarter_faults(server: &LocalOmsServer, cycles: usize) {
    assert_eq!(cycles % 4, 0);
    for i in 0..cycles {
        server.inject(Fault::Stall { duration: Duration::ZERO, times: 3 });
        server.inject(match i % 4 {
            0 => Fault::Status { status: 503, times: 1 },
            1 => Fault::TooManyRequests { retry_after: Some("1".into()), times: 1 },
            2 => Fault::Stall { duration: Duration::from_millis(200), times: 1 },
            _ => Fault::ResetConnection { times: 1 },
        });
    }
}

/// The most fault cycles `calls` reads are sure to consume: each cycle is 4 answers,
/// and 3 of every 4 cycles add a retry, so the run has `calls + 3c/4` answers; the
/// queue must not outlast them or the request count would depend on timing.
fn cycles_for(calls: usize) -> usize {
    calls * 4 / 13 / 4 * 4
}

fn fd_count(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).expect("the provider's /proc/PID/fd").count()
}

/// Open descriptors as (sockets, everything else).
fn fds_by_kind(pid: u32) -> (usize, usize) {
    let mut sockets = 0;
    let mut others = 0;
    for entry in std::fs::read_dir(format!("/proc/{pid}/fd")).expect("the provider's /proc/PID/fd").flatten() {
        match std::fs::read_link(entry.path()) {
            Ok(target) if target.to_string_lossy().starts_with("socket:") => sockets += 1,
            Ok(_) => others += 1,
            Err(_) => {} // closed while we looked
        }
    }
    (sockets, others)
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the provider's /proc/PID/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/PID/status")
}

/// Runs `calls` reads over `CONCURRENCY` streams of one channel; returns the highest
/// descriptor count seen meanwhile. Every answer is checked.
async fn run_wave(client: &Client, calls: usize, pid: u32) -> usize {
    let next = Arc::new(AtomicUsize::new(0));
    let block = sync_task::schema().block;
    let ty = Arc::new(block.implied_type());
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..CONCURRENCY {
        let (mut client, next, ty) = (client.clone(), next.clone(), ty.clone());
        workers.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= calls {
                    return;
                }
                let task = TASKS[i % TASKS.len()];
                let r = client.read_data_source(read_request(task)).await.expect("ReadDataSource").into_inner();
                assert!(r.diagnostics.is_empty(), "call {i} ({task}): {:?}", r.diagnostics);
                let state = r.state.unwrap_or_else(|| panic!("call {i} ({task}): no state"));
                let state = cty_msgpack::decode(&state.msgpack, &ty).expect("state decodes");
                assert_eq!(state.get("sync_task_id"), &Value::string(task), "call {i}: another task's state");
            }
        });
    }
    let mut peak = fd_count(pid);
    let mut sampler = tokio::time::interval(Duration::from_millis(50));
    loop {
        tokio::select! {
            joined = workers.join_next() => match joined {
                Some(r) => r.expect("a reader failed"),
                None => break,
            },
            _ = sampler.tick() => peak = peak.max(fd_count(pid)),
        }
    }
    peak
}

/// Counts of each status among `requests` (0 = reset, no answer).
fn status_counts(server: &LocalOmsServer, from: usize) -> BTreeMap<u16, usize> {
    let mut counts = BTreeMap::new();
    for r in &server.requests()[from..] {
        *counts.entry(r.status).or_default() += 1;
    }
    counts
}

/// Runs a wave with a quarter of the answers faulty and checks the server's exact view.
async fn faulty_wave(server: &LocalOmsServer, client: &Client, calls: usize, pid: u32) -> usize {
    let cycles = cycles_for(calls);
    let before = server.request_count();
    inject_quarter_faults(server, cycles);
    let peak = run_wave(client, calls, pid).await;
    let per_kind = cycles / 4;
    let failed_answers = 3 * per_kind; // 503, 429 and reset; a stall still answers 200
    assert_eq!(server.request_count() - before, calls + failed_answers, "exact request count");
    let want: BTreeMap<u16, usize> = [(0, per_kind), (200, calls), (429, per_kind), (503, per_kind)].into();
    assert_eq!(status_counts(server, before), want, "statuses of this wave's requests");
    server.clear_faults(); // empty already when the count holds; keeps a failure local
    peak
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_reads_over_64_streams_with_a_quarter_faulty() {
    let started = Instant::now();
    let server = LocalOmsServer::start(ServerConfig {
        security_token: Some(SECURITY_TOKEN.into()),
        ..ServerConfig::with_sample_tasks(PROJECT_ID, ACCESS_KEY, SECRET_KEY)
    })
    .await
    .unwrap();
    let id = plugin::client_identity();
    let p = plugin::launch(Some(&id), &[("TF_LOG_PROVIDER", "trace"), ("OMS_PROVIDER_RETRY_BASE_MS", "5")]);
    let pid = p.child.id();
    let mut client: Client = tfplugin6::provider_client::ProviderClient::new(p.connect(Some(&id)).await.unwrap());
    let pblock = provider_schema::schema().block;
    let config = object_for(
        &pblock,
        &[
            ("region", Value::string("cn-north-4")),
            ("project_id", Value::string(PROJECT_ID)),
            ("access_key", Value::string(ACCESS_KEY)),
            ("secret_key", Value::string(SECRET_KEY)),
            ("security_token", Value::string(SECURITY_TOKEN)),
            // Faults are spread evenly, but a call may still meet several in a row; with
            // 3 in 16 answers failing, 11 failures in a row is beyond any run's luck.
            ("max_retries", Value::int(10)),
            ("endpoints", Value::Map([("oms".to_string(), Value::string(server.url()))].into())),
        ],
    );
    let r = client
        .configure_provider(tfplugin6::configure_provider::Request {
            terraform_version: "load".into(),
            config: Some(dynamic(&config, &pblock)),
            client_capabilities: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let launch_fds = fd_count(pid);
    let (launch_sockets, _) = fds_by_kind(pid);

    faulty_wave(&server, &client, WARM_UP_CALLS, pid).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (warm_fds, warm_rss, (_, warm_others)) = (fd_count(pid), rss_kib(pid), fds_by_kind(pid));

    let load_started = Instant::now();
    let peak_fds = faulty_wave(&server, &client, CALLS, pid).await;
    let load_took = load_started.elapsed();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (end_fds, end_rss, (end_sockets, end_others)) = (fd_count(pid), rss_kib(pid), fds_by_kind(pid));
    eprintln!(
        "load: {CALLS} calls in {load_took:?} ({:.0}/s); fds launch {launch_fds} warm {warm_fds} peak {peak_fds} \
         end {end_fds} ({end_sockets} sockets); RSS warm {warm_rss} KiB end {end_rss} KiB; total {:?}",
        CALLS as f64 / load_took.as_secs_f64(),
        started.elapsed()
    );

    // Descriptors. Everything but sockets (pipes, epoll, eventfd, files) is back at
    // exactly the warm level. Sockets: the HTTP pool keeps one idle connection per
    // stream that needed one (for its 90 s idle timeout), so the level after a wave is
    // the launch level plus at most one per concurrent stream; how many of those are
    // open at a given moment varies between waves (resets close theirs), so this
    // bound, not the warm count, is the start level for sockets. A leak of one
    // descriptor per reset (150 a wave) or per retry would exceed it; a brief overlap
    // while reset connections close is allowed for the peak.
    assert_eq!(end_others, warm_others, "non-socket descriptors changed over {CALLS} calls");
    assert!(
        end_sockets <= launch_sockets + CONCURRENCY,
        "{end_sockets} sockets open after {CALLS} calls (launch {launch_sockets}, pool bound {CONCURRENCY})"
    );
    assert!(peak_fds <= launch_fds + CONCURRENCY + 16, "fds peaked at {peak_fds} (launch {launch_fds})");
    // Memory: 2,000 calls after the warm-up may move RSS by allocator noise only. Measured
    // (debug build, trace logging): the first ~2,000 calls add ~1 MiB while buffers and
    // caches settle, then waves of 2,000 stay within ±0.5 MiB of each other; hence the
    // 1,000-call warm-up and a bound of 5% + 1 MiB (~2.2 MiB). Anything retained per
    // call — a request or response buffer, a log line, a stream — is well above the
    // 1.1 KiB per call that this allows.
    let allowed = warm_rss / 20 + 1024;
    assert!(end_rss <= warm_rss + allowed, "RSS grew from {warm_rss} KiB to {end_rss} KiB over {CALLS} calls");

    // The same process still serves, and nothing it logged or answered had a secret.
    let r = client.read_data_source(read_request(SEED_TASK_ID)).await.unwrap().into_inner();
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert!(p.wait_stderr("oms retry scheduled", Duration::from_secs(2)), "trace logs show no retries");
    let logs = p.stderr_text();
    assert!(logs.contains("X-Security-Token: (redacted)"), "requests are logged with redacted credentials");
    for secret in [SECRET_KEY, SECURITY_TOKEN] {
        assert!(!logs.contains(secret), "a secret reached the provider's logs");
    }
    assert!(started.elapsed() < Duration::from_secs(90), "took {:?}", started.elapsed());
}
