//! End-to-end reads of `oms_sync_tasks` (on Terraform 1.15.5, 1.0.3 and
//! 0.13.4) and `oms_sync_task_statistics` (1.15.5) against the local OMS
//! server: what Terraform reports is compared with what the server holds,
//! and the server's request log shows what the provider asked for.

mod common;

use common::config::{aksk_provider, assert_contains_all, expect_failure, hcl, terraform_block};
use common::local_oms::{demo_config, OmsServer};
use common::terraform::{Output, Terraform, Workspace};
use oms_local_server::statistics::{statistic_num, time_stamps, DataType, TimeType};
use oms_local_server::store::SYNC_TASK_INFO_FIELDS;
use oms_local_server::{
    generated_tasks, sample_tasks, Api, Fault, FaultScope, RecordedRequest, INT64_TASK_ID, SEED_TASK_ID,
};
use serde_json::{json, Value};

const TF_1_15: &str = "1.15.5";
const TF_1_0: &str = "1.0.3";
const TF_0_13: &str = "0.13.4";

/// Sample tasks plus this many generated ones: 250 tasks, so three pages
/// (100, 100, 50).
const GENERATED: usize = 245;

fn server_with(generated: usize) -> OmsServer {
    OmsServer::start(demo_config().with_generated_tasks(generated))
}

/// Every task the server holds, in its order.
fn all_tasks(generated: usize) -> Vec<Value> {
    sample_tasks().into_iter().chain(generated_tasks(generated)).collect()
}

/// A task as one element of `tasks`: every `SyncTaskInfo` field, null when
/// the server's task lacks it.
fn as_listed(task: &Value) -> Value {
    Value::Object(
        SYNC_TASK_INFO_FIELDS.iter().map(|f| (f.to_string(), task.get(*f).cloned().unwrap_or(Value::Null))).collect(),
    )
}

fn ids(tasks: &[Value]) -> Value {
    Value::Array(tasks.iter().map(|t| t["sync_task_id"].clone()).collect())
}

/// `data "<type>" "<name>"` with `body`, and an output of the same name
/// holding the whole object.
fn data(kind: &str, name: &str, body: &str) -> String {
    format!("data \"{kind}\" \"{name}\" {{\n{body}}}\n\noutput \"{name}\" {{\n  value = data.{kind}.{name}\n}}\n\n")
}

/// A workspace with the demo credentials and fast retries.
fn workspace_with(version: &str, server: &OmsServer, provider: &[(&str, String)], body: &str) -> Workspace {
    let mut ws = Workspace::new(&Terraform::get(version));
    ws.set_env("OMS_PROVIDER_RETRY_BASE_MS", "10");
    ws.main_tf(&(terraform_block() + &aksk_provider(server, provider) + body));
    // 0.13 installs through a filesystem mirror: `init` first, which sends
    // no request to OMS.
    ws.prepare();
    ws
}

fn workspace(version: &str, server: &OmsServer, body: &str) -> Workspace {
    workspace_with(version, server, &[], body)
}

#[track_caller]
fn apply(ws: &Workspace) -> Output {
    let out = ws.run(&["apply", "-auto-approve", "-input=false"]);
    out.assert_success();
    out
}

#[track_caller]
fn output(ws: &Workspace, name: &str) -> Value {
    let out = ws.run(&["output", "-json", name]);
    out.assert_success();
    out.json()
}

/// (offset, status query, HTTP status) of each list request.
fn pages(requests: &[RecordedRequest]) -> Vec<(String, Option<String>, u16)> {
    requests
        .iter()
        .map(|r| {
            assert_eq!(r.query("limit").as_deref(), Some("100"), "{r:?}");
            (r.query("offset").unwrap_or_default(), r.query("status"), r.status)
        })
        .collect()
}

// ------------------------------------------------------------ oms_sync_tasks

/// Four reads in one configuration: every task (three pages, the second
/// failing once with 503 and retried), the STOPPED `Aliyun` tasks (the status
/// filter goes to the service, the cloud type is filtered by the provider),
/// STOPPED tasks between two buckets, and a filter nothing matches. Only the
/// first reads more than one page (fewer than 100 tasks are STOPPED), so the
/// fault can only hit it.
fn lists_every_page_and_filters(version: &str) {
    let server = server_with(GENERATED);
    // Only the unfiltered read asks for offset 100 without a status.
    server.inject_scoped(
        FaultScope::api(Api::ListSyncTasks).with_query("offset", "100"),
        Fault::Status { status: 503, times: 1 },
    );
    let body = data("oms_sync_tasks", "all", "")
        + &data("oms_sync_tasks", "stopped_aliyun", "  status         = \"STOPPED\"\n  src_cloud_type = \"Aliyun\"\n")
        + &data(
            "oms_sync_tasks",
            "buckets",
            "  status     = \"STOPPED\"\n  src_bucket = \"gen-src-3\"\n  dst_bucket = \"gen-dst-4\"\n",
        )
        + &data("oms_sync_tasks", "none", "  status     = \"STOPPED\"\n  dst_bucket = \"no-such-bucket\"\n");
    let ws = workspace(version, &server, &body);
    apply(&ws);

    let tasks = all_tasks(GENERATED);
    assert_eq!(tasks.len(), 250);
    let all = output(&ws, "all");
    let listed: Vec<Value> = tasks.iter().map(as_listed).collect();
    assert_eq!(all["tasks"], Value::Array(listed.clone()), "{version}: every task, every field, in order");
    assert_eq!(all["ids"], ids(&tasks), "{version}");
    assert_eq!(all["id"], json!("sync-tasks"));
    assert!(all["tasks"][1]["source_cdn"].is_null() && all["tasks"][6]["source_cdn"].is_object(), "{version}");

    let stopped_aliyun: Vec<Value> =
        listed.iter().filter(|t| t["status"] == "STOPPED" && t["src_cloud_type"] == "Aliyun").cloned().collect();
    assert!(!stopped_aliyun.is_empty());
    let got = output(&ws, "stopped_aliyun");
    assert_eq!(got["tasks"], Value::Array(stopped_aliyun.clone()), "{version}");
    assert_eq!(got["ids"], ids(&stopped_aliyun), "{version}");
    assert_eq!(got["id"], json!("sync-tasks?status=STOPPED&src_cloud_type=Aliyun"));

    let buckets: Vec<Value> = listed
        .iter()
        .filter(|t| t["status"] == "STOPPED" && t["src_bucket"] == "gen-src-3" && t["dst_bucket"] == "gen-dst-4")
        .cloned()
        .collect();
    assert_eq!(buckets.len(), 2, "generated tasks 59 and 164");
    assert_eq!(output(&ws, "buckets")["tasks"], Value::Array(buckets), "{version}");

    let none = output(&ws, "none");
    assert_eq!((&none["tasks"], &none["ids"]), (&json!([]), &json!([])), "{version}: empty lists, not null");

    // The request log: each read of "all" pages 0, 100, 200 (the first read
    // with the 503 and its retry); the status filter reached the service.
    let requests = server.requests_for(Api::ListSyncTasks);
    let unfiltered: Vec<_> = pages(&requests).into_iter().filter(|(_, status, _)| status.is_none()).collect();
    let page = |offset: &str, http| (offset.to_string(), None, http);
    assert_eq!(unfiltered[..4], [page("0", 200), page("100", 503), page("100", 200), page("200", 200)], "{version}");
    for later in unfiltered[4..].chunks(3) {
        assert_eq!(later, [page("0", 200), page("100", 200), page("200", 200)], "{version}: a later read");
    }
    let filtered: Vec<_> = pages(&requests).into_iter().filter(|(_, status, _)| status.is_some()).collect();
    assert!(!filtered.is_empty());
    for (offset, status, http) in filtered {
        assert_eq!((offset.as_str(), status.as_deref(), http), ("0", Some("STOPPED"), 200), "{version}");
    }
}

#[test]
fn tf_1_15_lists_every_page_and_filters() {
    lists_every_page_and_filters(TF_1_15);
}

#[test]
fn tf_1_0_lists_every_page_and_filters() {
    lists_every_page_and_filters(TF_1_0);
}

#[test]
fn tf_0_13_lists_every_page_and_filters() {
    lists_every_page_and_filters(TF_0_13);
}

/// 200 tasks and a count that claims 1200: two full pages, then one empty
/// page ends the list, and the 200 tasks are the state.
fn overstated_count_costs_one_request(version: &str) {
    let server = server_with(195);
    server.set_overstated_count(1000);
    let ws = workspace(version, &server, &data("oms_sync_tasks", "all", ""));
    apply(&ws);
    let tasks = all_tasks(195);
    assert_eq!(output(&ws, "all")["ids"], ids(&tasks), "{version}");
    let requests = server.requests_for(Api::ListSyncTasks);
    for read in pages(&requests).chunks(3) {
        let want: Vec<_> = ["0", "100", "200"].iter().map(|o| (o.to_string(), None, 200)).collect();
        assert_eq!(read, want, "{version}: at most one extra request per read");
    }
}

#[test]
fn tf_1_15_overstated_count_costs_one_request() {
    overstated_count_costs_one_request(TF_1_15);
}

#[test]
fn tf_1_0_overstated_count_costs_one_request() {
    overstated_count_costs_one_request(TF_1_0);
}

#[test]
fn tf_0_13_overstated_count_costs_one_request() {
    overstated_count_costs_one_request(TF_0_13);
}

/// An unknown status is refused before any request, naming the attribute
/// and the allowed values.
fn status_is_validated(version: &str) {
    let server = OmsServer::demo();
    let ws = workspace(version, &server, &data("oms_sync_tasks", "x", "  status = \"RUNNING\"\n"));
    let (text, out) = expect_failure(&ws, &["plan", "-input=false"]);
    assert_contains_all(
        &text,
        &["Invalid status", "status must be one of SYNCHRONIZING, STOPPED (exactly as written); got \"RUNNING\"."],
        &out,
    );
    assert_eq!(server.request_count(), 0, "{version}: no request: {:?}", server.requests());
}

#[test]
fn tf_1_15_status_is_validated() {
    status_is_validated(TF_1_15);
}

#[test]
fn tf_1_0_status_is_validated() {
    status_is_validated(TF_1_0);
}

#[test]
fn tf_0_13_status_is_validated() {
    status_is_validated(TF_0_13);
}

/// A page that keeps failing fails the read with the retries' diagnostic.
#[test]
fn tf_1_15_a_page_that_keeps_failing_fails_the_read() {
    let server = server_with(GENERATED);
    server.inject_scoped(
        FaultScope::api(Api::ListSyncTasks).with_query("offset", "100"),
        Fault::Status { status: 503, times: 100 },
    );
    let ws = workspace_with(TF_1_15, &server, &[("max_retries", "1".into())], &data("oms_sync_tasks", "all", ""));
    let (text, out) = expect_failure(&ws, &["plan", "-input=false"]);
    assert_contains_all(
        &text,
        &["OMS request failed after 2 attempts", "Reading the sync task list kept failing", "HTTP status: 503"],
        &out,
    );
    let offsets: Vec<_> = pages(&server.requests_for(Api::ListSyncTasks)).into_iter().map(|p| (p.0, p.2)).collect();
    assert_eq!(offsets, [("0".to_string(), 200), ("100".to_string(), 503), ("100".to_string(), 503)]);
}

// -------------------------------------------------- oms_sync_task_statistics

/// The series the server answers for `task` (see its `statistics` module).
fn expected_series(task: &str, types: &[DataType], start: i64, end: i64) -> Value {
    Value::Array(
        types
            .iter()
            .map(|&d| {
                let points: Vec<Value> = time_stamps(start, end)
                    .into_iter()
                    .map(|t| json!({"time_stamp": t, "statistic_num": statistic_num(task, d, t)}))
                    .collect();
                json!({"data_type": d.as_str(), "data": points})
            })
            .collect(),
    )
}

#[test]
fn tf_1_15_statistics_in_the_order_asked_exact_to_64_bits() {
    let server = OmsServer::demo();
    let (start, end) = (1_700_000_000_000_i64, 1_700_007_200_000_i64);
    let (long_start, long_end) = (1_700_000_000_000_i64, 1_700_000_000_000 + 3 * 86_400_000);
    let body = data(
        "oms_sync_task_statistics",
        "some",
        &format!(
            "  sync_task_id = {}\n  start_time = {start}\n  end_time = {end}\n  data_types = [\"SIZE\", \"REQUEST\"]\n",
            hcl(INT64_TASK_ID)
        ),
    ) + &data(
        "oms_sync_task_statistics",
        "all",
        &format!("  sync_task_id = {}\n  start_time = {long_start}\n  end_time = {long_end}\n", hcl(SEED_TASK_ID)),
    );
    let ws = workspace(TF_1_15, &server, &body);
    apply(&ws);

    let some = output(&ws, "some");
    assert_eq!(some["statistic_time_type"], json!(TimeType::for_range(start, end).as_str()));
    assert_eq!(some["statistic_time_type"], json!("FIVE_MINUTES"));
    assert_eq!(some["statistics"], expected_series(INT64_TASK_ID, &[DataType::Size, DataType::Request], start, end));
    let biggest = some["statistics"][0]["data"].as_array().unwrap().iter().filter_map(|p| p["statistic_num"].as_i64());
    assert!(biggest.max().unwrap() > 1 << 53, "SIZE past 2^53 survives exactly");
    assert_eq!(some["data_types"], json!(["SIZE", "REQUEST"]));
    assert_eq!(some["id"], json!(format!("{INT64_TASK_ID}/{start}-{end}/SIZE,REQUEST")));

    let all = output(&ws, "all");
    assert_eq!(all["statistic_time_type"], json!("ONE_HOUR"));
    assert_eq!(all["statistics"], expected_series(SEED_TASK_ID, &DataType::ALL, long_start, long_end));
    assert_eq!(all["data_types"], json!(["REQUEST", "SUCCESS", "FAILURE", "SKIP", "SIZE"]), "the default, recorded");

    let requests = server.requests_for(Api::ListSyncTaskStatistic);
    assert!(!requests.is_empty());
    for r in &requests {
        let types = r.query("data_type").unwrap();
        let want =
            if r.raw_path.contains(INT64_TASK_ID) { "SIZE,REQUEST" } else { "REQUEST,SUCCESS,FAILURE,SKIP,SIZE" };
        assert_eq!((types.as_str(), r.status), (want, 200), "{r:?}");
    }
}

#[test]
fn tf_1_15_statistics_of_a_missing_task() {
    let server = OmsServer::demo();
    let body = data(
        "oms_sync_task_statistics",
        "gone",
        "  sync_task_id = \"no-such-task\"\n  start_time = 1700000000000\n  end_time = 1700003600000\n",
    );
    let ws = workspace(TF_1_15, &server, &body);
    let (text, out) = expect_failure(&ws, &["plan", "-input=false"]);
    assert_contains_all(
        &text,
        &["OMS sync task not found", "No synchronization task with ID \"no-such-task\"", "error_code: OMS.0054"],
        &out,
    );
}

#[test]
fn tf_1_15_statistics_arguments_are_validated_before_any_request() {
    let server = OmsServer::demo();
    let body = data(
        "oms_sync_task_statistics",
        "backwards",
        &format!("  sync_task_id = {}\n  start_time = 1700000000000\n  end_time = 1700000000000\n", hcl(SEED_TASK_ID)),
    ) + &data(
        "oms_sync_task_statistics",
        "types",
        &format!(
            "  sync_task_id = {}\n  start_time = 1\n  end_time = 2\n  data_types = [\"SIZE\", \"BYTES\"]\n",
            hcl(SEED_TASK_ID)
        ),
    );
    let ws = workspace(TF_1_15, &server, &body);
    let (text, out) = expect_failure(&ws, &["plan", "-input=false"]);
    assert_contains_all(
        &text,
        &[
            "Invalid end_time",
            "end_time must be after start_time (1700000000000); got 1700000000000.",
            "Invalid data_types",
            "data_types[1] is \"BYTES\", which is not a statistics data type.",
        ],
        &out,
    );
    assert_eq!(server.request_count(), 0, "no request: {:?}", server.requests());
}

// ------------------------------------------------- the check example, tested

/// `terraform test` on `examples/checks/sync_tasks_health` (its `check`
/// block over `oms_sync_tasks`), against the local server, as a user would
/// run it: endpoint and credentials from the environment.
#[test]
fn tf_1_15_terraform_test_runs_the_check_example() {
    let server = OmsServer::demo();
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/checks/sync_tasks_health");
    let mut ws = Workspace::new(&Terraform::get(TF_1_15));
    let mut copied = 0;
    for entry in std::fs::read_dir(&example).expect("the example directory") {
        let path = entry.expect("an entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).expect("a file name").to_string();
        if name.ends_with(".tf") || name.ends_with(".tftest.hcl") {
            ws.write(&name, &std::fs::read_to_string(&path).expect("readable"));
            copied += 1;
        }
    }
    assert_eq!(copied, 2, "main.tf and the .tftest.hcl file");
    for (key, value) in [
        ("HW_REGION_NAME", common::config::REGION),
        ("HW_PROJECT_ID", oms_local_server::DEMO_PROJECT_ID),
        ("HW_ACCESS_KEY", oms_local_server::DEMO_ACCESS_KEY),
        ("HW_SECRET_KEY", oms_local_server::DEMO_SECRET_KEY),
        ("TF_VAR_oms_endpoint", &server.url()),
    ] {
        ws.set_env(key, value);
    }
    let out = ws.run(&["test"]);
    out.assert_success();
    let text = out.user_output();
    for needle in [
        "run \"stopped_tasks_pass_the_check\"... pass",
        "run \"synchronizing_tasks_with_failures_fail_the_check\"... pass",
        "2 passed, 0 failed",
    ] {
        assert!(text.contains(needle), "{needle:?} not in:\n{}", out.report());
    }
    // The status filter of each run reached the service.
    let statuses: Vec<Option<String>> =
        server.requests_for(Api::ListSyncTasks).iter().map(|r| r.query("status")).collect();
    assert!(statuses.contains(&Some("STOPPED".into())) && statuses.contains(&Some("SYNCHRONIZING".into())));
}
