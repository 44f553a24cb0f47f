//! RPC throughput benchmark, run by `scripts/bench.sh` (not part of the test suite, hence
//! `#[ignore]`): ReadDataSource calls per second through the gRPC harness, against signed
//! HTTP GETs of the same URLs from a minimal pooled client, which is the floor: no
//! provider can read a task faster than the HTTP exchange it has to make.
//!
//! The script starts `oms-local-server` itself (seeded with the tasks named in
//! `OMS_BENCH_TASKS`) and passes its URL in `OMS_BENCH_URL`, so this file needs nothing
//! from the server crate. Each round measures every concurrency once for both clients, in
//! alternating order, for `OMS_BENCH_SECONDS`; the last stdout line is `BENCH_RPC {json}`
//! with the calls/s of every round, which the script reduces to medians.
//! Every call must succeed: a failed read or a non-200 answer fails the benchmark, so a
//! broken setup can never pass as a fast one.

mod common;

use common::plugin::{self, dynamic, object_for};

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use terraform_provider_oms::framework::value::Value;
use terraform_provider_oms::oms::signer;
use terraform_provider_oms::protocol::tfplugin6;
use terraform_provider_oms::protocol::tfplugin6::provider_client::ProviderClient;
use terraform_provider_oms::provider::{provider_schema, sync_task};

// The local server's demo identity (see `oms-local-server --help`).
const PROJECT_ID: &str = "0123456789abcdef0123456789abcdef";
const ACCESS_KEY: &str = "OMSLOCALDEMOACCESSKEY";
const SECRET_KEY: &str = "oms-local-demo-secret-key-not-a-real-secret";
/// One fixed `query_time`, so both clients request exactly the same URLs.
const QUERY_TIME_MS: i64 = 1_700_000_000_000;

struct Settings {
    url: String,
    ids: Vec<String>,
    seconds: f64,
    rounds: usize,
    concurrency: Vec<usize>,
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| default.to_string())
}

fn settings() -> Settings {
    let url = std::env::var("OMS_BENCH_URL").expect("OMS_BENCH_URL: the local server's base URL");
    let ids = env_or("OMS_BENCH_TASKS", "d18befdd-eb82-41f3-8019-bbb593d74a3e")
        .split(',')
        .map(str::to_string)
        .collect::<Vec<_>>();
    Settings {
        url: url.trim_end_matches('/').to_string(),
        ids,
        seconds: env_or("OMS_BENCH_SECONDS", "1").parse().expect("OMS_BENCH_SECONDS"),
        rounds: env_or("OMS_BENCH_ROUNDS", "15").parse().expect("OMS_BENCH_ROUNDS"),
        concurrency: env_or("OMS_BENCH_CONCURRENCY", "1,16,64")
            .split(',')
            .map(|c| c.parse().expect("OMS_BENCH_CONCURRENCY"))
            .collect(),
    }
}

/// Runs `call` in `concurrency` loops for `seconds`; returns completed calls per second.
async fn rate<F, Fut>(concurrency: usize, seconds: f64, ids: &Arc<Vec<String>>, call: F) -> f64
where
    F: Fn(String) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Result<(), String>> + Send,
{
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (stop, done, next, ids, call) = (stop.clone(), done.clone(), next.clone(), ids.clone(), call.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed) as usize % ids.len();
                    call(ids[i].clone()).await?;
                    done.fetch_add(1, Ordering::Relaxed);
                }
                Ok::<(), String>(())
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    // Calls that finish after the window still count, over the time they really took.
    for w in workers {
        w.await.expect("worker panicked").unwrap_or_else(|e| panic!("a call failed: {e}"));
    }
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

#[test]
#[ignore = "benchmark: run by scripts/bench.sh"]
fn rpc_throughput() {
    let s = settings();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let results = runtime.block_on(async {
        // The provider, launched and connected exactly as Terraform does (AutoMTLS,
        // Unix socket, default log level).
        let identity = plugin::client_identity();
        let p = plugin::launch(Some(&identity), &[("TF_LOG_PROVIDER", "warn")]);
        let mut grpc = ProviderClient::new(p.connect(Some(&identity)).await.expect("connect"));
        let config = object_for(
            &provider_schema::schema().block,
            &[
                ("region", Value::string("cn-north-4")),
                ("project_id", Value::string(PROJECT_ID)),
                ("access_key", Value::string(ACCESS_KEY)),
                ("secret_key", Value::string(SECRET_KEY)),
                ("max_retries", Value::int(0)),
                ("endpoints", Value::Map([("oms".to_string(), Value::string(&s.url))].into())),
            ],
        );
        let configured = grpc
            .configure_provider(tfplugin6::configure_provider::Request {
                terraform_version: "bench".into(),
                config: Some(dynamic(&config, &provider_schema::schema().block)),
                client_capabilities: None,
            })
            .await
            .expect("ConfigureProvider")
            .into_inner();
        assert!(configured.diagnostics.is_empty(), "{:?}", configured.diagnostics);
        // Each task's request is encoded once, as Terraform encodes a data source's
        // configuration once per read: the harness stands in for Terraform, and its own
        // encoding work would otherwise compete with the provider for the two cores.
        let task_block = sync_task::schema().block;
        let requests: Arc<BTreeMap<String, tfplugin6::read_data_source::Request>> = Arc::new(
            s.ids
                .iter()
                .map(|id| {
                    let config = object_for(
                        &task_block,
                        &[("sync_task_id", Value::string(id)), ("query_time", Value::int(QUERY_TIME_MS))],
                    );
                    let request = tfplugin6::read_data_source::Request {
                        type_name: "oms_sync_task".into(),
                        config: Some(dynamic(&config, &task_block)),
                        ..Default::default()
                    };
                    (id.clone(), request)
                })
                .collect(),
        );
        let harness_call = move |id: String| {
            let mut grpc = grpc.clone();
            let request = requests[&id].clone();
            async move {
                let r = grpc.read_data_source(request).await.map_err(|e| e.to_string())?.into_inner();
                match (r.diagnostics.first(), r.state) {
                    (None, Some(_)) => Ok(()),
                    (Some(d), _) => Err(format!("{id}: {}", d.summary)),
                    (None, None) => Err(format!("{id}: no state")),
                }
            }
        };

        // The floor: a pooled HTTP client signing each request as the provider does.
        // Plain HTTP, but reqwest is built without a default crypto provider.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let http = reqwest::Client::builder().build().expect("HTTP client");
        let host = url::Url::parse(&s.url).expect("OMS_BENCH_URL");
        let host = format!("{}:{}", host.host_str().unwrap(), host.port_or_known_default().unwrap());
        let base = s.url.clone();
        let floor_call = move |id: String| {
            let path = format!("/v2/{PROJECT_ID}/sync-tasks/{id}");
            let query = vec![("query_time".to_string(), QUERY_TIME_MS.to_string())];
            let mut headers = vec![
                ("Content-Type".to_string(), "application/json".to_string()),
                ("X-Project-Id".to_string(), PROJECT_ID.to_string()),
                ("User-Agent".to_string(), "bench-floor".to_string()),
                ("Host".to_string(), host.clone()),
            ];
            let signed =
                signer::sign(ACCESS_KEY, SECRET_KEY, "GET", &host, &path, &query, &mut headers, b"", SystemTime::now());
            let mut request = http.get(format!("{base}{path}?query_time={QUERY_TIME_MS}"));
            for (k, v) in &headers {
                request = request.header(k.as_str(), v.as_str());
            }
            async move {
                signed.map_err(|e| e.to_string())?;
                let resp = request.send().await.map_err(|e| e.to_string())?;
                let status = resp.status();
                let body = resp.bytes().await.map_err(|e| e.to_string())?;
                if status != 200 || body.is_empty() {
                    return Err(format!("{id}: HTTP {status}"));
                }
                Ok(())
            }
        };

        let ids = Arc::new(s.ids.clone());
        // Warm both paths (connections, TLS, caches) before anything is timed.
        rate(4, 0.2, &ids, harness_call.clone()).await;
        rate(4, 0.2, &ids, floor_call.clone()).await;
        let mut results: BTreeMap<&str, BTreeMap<usize, Vec<f64>>> = BTreeMap::new();
        for round in 0..s.rounds {
            for &c in &s.concurrency {
                let harness_first = (round + c) % 2 == 0;
                for leg in 0..2 {
                    let (name, r) = if (leg == 0) == harness_first {
                        ("harness", rate(c, s.seconds, &ids, harness_call.clone()).await)
                    } else {
                        ("floor", rate(c, s.seconds, &ids, floor_call.clone()).await)
                    };
                    results.entry(name).or_default().entry(c).or_default().push(r);
                }
            }
        }
        drop(p);
        results
    });
    println!("BENCH_RPC {}", serde_json::to_string(&results).unwrap());
}
