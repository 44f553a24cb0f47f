//! The list and statistics APIs of the local OMS server (`ListSyncTasks`,
//! `ListSyncTaskStatistic`) over raw TCP: paging in the service's order, the status
//! filter, parameter validation, the gateway checks they share with the show API, faults
//! scoped to one page, and an overstated `count`.

mod common;

use common::*;
use oms_local_server::statistics::{statistic_num, DataType};
use oms_local_server::store::SYNC_TASK_INFO_FIELDS;
use oms_local_server::{
    generated_task_id, sample_tasks, Api, Fault, FaultScope, LocalOmsServer, ServerConfig, INT64_TASK_ID, SEED_TASK_ID,
    TENCENT_TASK_ID,
};
use serde_json::Value;

const GENERATED: usize = 250;
/// The five sample tasks, then the generated ones.
const TOTAL: usize = 5 + GENERATED;

async fn start_with_pages() -> LocalOmsServer {
    let config = ServerConfig::with_sample_tasks(PROJECT, AK, SK).with_generated_tasks(GENERATED);
    LocalOmsServer::start(config).await.expect("server starts")
}

fn list_path() -> String {
    format!("/v2/{PROJECT}/sync-tasks")
}

fn statistics_path(task: &str) -> String {
    format!("/v2/{PROJECT}/sync-tasks/{task}/statistics")
}

async fn list(server: &LocalOmsServer, query: &str) -> Resp {
    send(server, &signed_get(server, &list_path(), query)).await
}

fn ids(resp: &Resp) -> Vec<String> {
    resp.json()["tasks"]
        .as_array()
        .expect("tasks is an array")
        .iter()
        .map(|t| t["sync_task_id"].as_str().unwrap_or("<null>").to_string())
        .collect()
}

fn count(resp: &Resp) -> u64 {
    resp.json()["count"].as_u64().expect("count is a number")
}

fn all_ids() -> Vec<String> {
    let samples = sample_tasks().into_iter().map(|t| t["sync_task_id"].as_str().unwrap().to_string());
    samples.chain((0..GENERATED).map(generated_task_id)).collect()
}

fn assert_oms_400(resp: &Resp, what: &str) {
    assert_eq!(resp.status, 400, "{what}: {}", String::from_utf8_lossy(&resp.body));
    let body = resp.json();
    assert_eq!(body["error_code"], "OMS.0003", "{what}");
    assert!(body["error_msg"].as_str().unwrap().starts_with("Invalid parameter: "), "{what}: {body}");
    assert!(body.get("request_id").is_none(), "OMS backend errors carry no request_id: {body}");
}

#[tokio::test]
async fn default_page_is_ten_tasks_in_the_service_order() {
    let server = start_with_pages().await;
    assert_eq!(server.task_count(), TOTAL);
    let resp = list(&server, "").await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("content-length"), Some(&*resp.body.len().to_string()));
    assert_eq!(ids(&resp), all_ids()[..10]);
    assert_eq!(count(&resp), TOTAL as u64);
    let body = resp.json();
    assert_eq!(body.as_object().unwrap().len(), 2, "only tasks and count: {body}");

    // Each entry is the SyncTaskInfo part of the stored task: no monthly counters, no
    // enable_kms, values unchanged.
    let tasks = body["tasks"].as_array().unwrap();
    let seed_entry = tasks[0].as_object().unwrap();
    let seed = &sample_tasks()[0];
    for (k, v) in seed_entry {
        assert!(SYNC_TASK_INFO_FIELDS.contains(&k.as_str()), "{k}");
        assert_eq!(&seed[k], v, "{k}");
    }
    assert_eq!(seed_entry.len(), 16, "the seed has every SyncTaskInfo field but source_cdn");
    let int64 = tasks.iter().find(|t| t["sync_task_id"] == INT64_TASK_ID).unwrap();
    assert_eq!(int64["create_time"].as_i64(), Some(i64::MAX));
    let tencent = tasks.iter().find(|t| t["sync_task_id"] == TENCENT_TASK_ID).unwrap();
    assert!(tencent.get("enable_kms").is_none() && tencent.get("monthly_size").is_none());
    let cdn = tasks.iter().find(|t| t["sync_task_id"] == generated_task_id(1)).unwrap();
    assert_eq!(cdn["source_cdn"]["protocol"], "https");
    assert_eq!(cdn["source_cdn"]["authentication_type"], "NONE");
    assert!(cdn["source_cdn"]["domain"].is_string());
}

#[tokio::test]
async fn pages_of_a_hundred_cover_every_task_once() {
    let server = start_with_pages().await;
    let mut seen = Vec::new();
    for (offset, want) in [(0, 100), (100, 100), (200, TOTAL - 200)] {
        let resp = list(&server, &format!("limit=100&offset={offset}")).await;
        assert_eq!(resp.status, 200);
        assert_eq!(count(&resp), TOTAL as u64);
        assert_eq!(ids(&resp).len(), want, "offset {offset}");
        seen.extend(ids(&resp));
    }
    assert_eq!(seen, all_ids());
    for offset in [TOTAL, TOTAL + 1, 1_000_000] {
        let resp = list(&server, &format!("limit=100&offset={offset}")).await;
        assert_eq!((resp.status, ids(&resp).len(), count(&resp)), (200, 0, TOTAL as u64), "offset {offset}");
    }
    let resp = list(&server, "limit=1&offset=254").await;
    assert_eq!(ids(&resp), [generated_task_id(GENERATED - 1)]);

    // The request log keeps what each page asked for.
    let lists = server.requests_for(Api::ListSyncTasks);
    assert_eq!(lists.len(), 7);
    assert_eq!(lists[1].query("offset").as_deref(), Some("100"));
    assert_eq!(lists[1].query("limit").as_deref(), Some("100"));
    assert_eq!(lists[1].query_pairs(), [("limit".to_string(), "100".to_string()), ("offset".into(), "100".into())]);
    assert!(lists.iter().all(|r| r.api == Some(Api::ListSyncTasks) && r.status == 200));
    assert!(server.requests_for(Api::ShowSyncTask).is_empty());
}

#[tokio::test]
async fn status_filter_counts_and_pages_only_matching_tasks() {
    let server = start_with_pages().await;
    // Samples: one STOPPED (Tencent), three SYNCHRONIZING, one with a null status.
    // Generated: every third is STOPPED.
    for (status, expected) in [("STOPPED", 1 + 83), ("SYNCHRONIZING", 3 + 167)] {
        let mut seen = Vec::new();
        let mut offset = 0;
        loop {
            let resp = list(&server, &format!("limit=100&offset={offset}&status={status}")).await;
            assert_eq!(resp.status, 200);
            assert_eq!(count(&resp), expected, "{status}");
            let page = resp.json()["tasks"].as_array().unwrap().clone();
            assert!(page.iter().all(|t| t["status"] == status), "{status}");
            if page.is_empty() {
                break;
            }
            seen.extend(page.iter().map(|t| t["sync_task_id"].as_str().unwrap().to_string()));
            offset += 100;
        }
        assert_eq!(seen.len() as u64, expected);
        let order: Vec<String> = all_ids().into_iter().filter(|id| seen.contains(id)).collect();
        assert_eq!(seen, order, "{status}: the service's order");
    }
}

#[tokio::test]
async fn invalid_list_parameters_are_oms_400s() {
    let server = start_with_pages().await;
    for query in [
        "limit=0",
        "limit=101",
        "limit=-1",
        "limit=ten",
        "limit=",
        "limit=1&limit=2",
        "offset=-1",
        "offset=1.0",
        "offset=9223372036854775808",
        "status=RUNNING",
        "status=stopped",
        "status=",
    ] {
        assert_oms_400(&list(&server, query).await, query);
    }
    // Unknown parameters are ignored, like the gateway does.
    assert_eq!(list(&server, "marker=x").await.status, 200);
    assert_eq!(server.requests_for(Api::ListSyncTasks).len(), 13);
}

#[tokio::test]
async fn list_and_statistics_share_the_gateway_checks() {
    let server = start_with_pages().await;
    let stats_query = "data_type=SIZE&end_time=600000&start_time=0";
    for (path, query) in [(list_path(), "limit=5"), (statistics_path(SEED_TASK_ID), stats_query)] {
        let good = signed_get(&server, &path, query);
        assert_eq!(send(&server, &good).await.status, 200, "{path}");

        let resp = send(&server, &good.clone().without("authorization")).await;
        assert_eq!((resp.status, resp.error_code()), (401, "APIGW.0301".to_string()), "{path}");
        let mut tampered = good.clone();
        tampered.query = Some(format!("{query}&x=1"));
        let resp = send(&server, &tampered).await;
        assert_eq!((resp.status, resp.error_code()), (401, "APIGW.0301".to_string()), "{path}: query is signed");
        let stale = sign(&signed_parts(&server, &path, query, &sdk_date(-16 * 60)));
        let resp = send(&server, &stale).await;
        assert_eq!((resp.status, resp.error_code()), (401, "APIGW.0303".to_string()), "{path}");

        let other_project = path.replace(PROJECT, "ffffffffffffffffffffffffffffffff");
        let resp = send(&server, &signed_get(&server, &other_project, query)).await;
        assert_eq!((resp.status, resp.error_code()), (403, "OMS.0002".to_string()), "{path}");
    }
    // Token auth works for the new APIs too.
    let token_server = LocalOmsServer::start(ServerConfig {
        auth_token: Some("tok".into()),
        ..ServerConfig::with_sample_tasks(PROJECT, AK, SK)
    })
    .await
    .unwrap();
    let by_token = Req { path: list_path(), query: None, headers: vec![("x-auth-token".into(), "tok".into())] };
    let resp = send(&token_server, &by_token).await;
    assert_eq!((resp.status, count(&resp)), (200, 5));

    // Shapes next to the new routes stay unknown APIs (404 before any auth).
    for path in [
        format!("/v2/{PROJECT}/sync-tasks/"),
        format!("/v2/{PROJECT}/sync-tasks/{SEED_TASK_ID}/statistics/"),
        format!("/v2/{PROJECT}/sync-tasks/{SEED_TASK_ID}/statistic"),
        format!("/v2/{PROJECT}/sync-tasks//statistics"),
    ] {
        let resp = send(&server, &Req { path: path.clone(), query: None, headers: vec![] }).await;
        assert_eq!((resp.status, resp.error_code()), (404, "APIGW.0101".to_string()), "{path}");
    }
    assert!(server.requests().iter().rev().take(4).all(|r| r.api.is_none()));
}

#[tokio::test]
async fn a_fault_scoped_to_the_second_page_hits_only_it() {
    let server = start_with_pages().await;
    let page2 = FaultScope::api(Api::ListSyncTasks).with_query("offset", "100");
    server.inject_scoped(page2, Fault::Status { status: 503, times: 1 });

    assert_eq!(send(&server, &good(&server, SEED_TASK_ID)).await.status, 200, "show is out of scope");
    assert_eq!(list(&server, "limit=100&offset=0").await.status, 200, "page 1 is out of scope");
    let resp = list(&server, "limit=100&offset=100").await;
    assert_eq!((resp.status, resp.error_code()), (503, "OMS.0008".to_string()));
    let resp = list(&server, "limit=100&offset=100").await;
    assert_eq!((resp.status, ids(&resp).len()), (200, 100), "the retry succeeds");

    let lists = server.requests_for(Api::ListSyncTasks);
    let offsets: Vec<String> = lists.iter().map(|r| r.query("offset").unwrap()).collect();
    assert_eq!(offsets, ["0", "100", "100"]);
    assert_eq!(lists.iter().map(|r| r.status).collect::<Vec<_>>(), [200, 503, 200]);

    // Unscoped faults still hit whatever comes next, including the list.
    server.inject(Fault::GarbageBody { times: 1 });
    let resp = list(&server, "limit=100&offset=200").await;
    assert_eq!(resp.status, 200);
    assert!(serde_json::from_slice::<Value>(&resp.body).is_err());
}

#[tokio::test]
async fn wrong_field_types_follow_each_api_shape() {
    let server = start_with_pages().await;
    server.inject(Fault::WrongFieldTypes { times: 2 });
    let resp = list(&server, "").await;
    let body = resp.json();
    assert_eq!(resp.status, 200);
    assert!(body["count"].is_string() && body["tasks"][0]["source_cdn"].is_string(), "{body}");
    assert!(body["tasks"][0]["create_time"].is_f64(), "{body}");
    let resp =
        send(&server, &signed_get(&server, &statistics_path(SEED_TASK_ID), "data_type=SIZE&end_time=1&start_time=0"))
            .await;
    let body = resp.json();
    assert!(body["sync_task_id"].is_number() && body["statistic_datas"][0]["data"][0]["statistic_num"].is_f64());
}

#[tokio::test]
async fn an_overstated_count_never_comes_with_more_tasks() {
    let server = start_with_pages().await;
    server.set_overstated_count(50);
    let resp = list(&server, "limit=100&offset=200").await;
    assert_eq!((ids(&resp).len(), count(&resp)), (TOTAL - 200, TOTAL as u64 + 50));
    let resp = list(&server, "limit=100&offset=300").await;
    assert_eq!((resp.status, ids(&resp).len(), count(&resp)), (200, 0, TOTAL as u64 + 50));
    let resp = list(&server, "limit=100&offset=0&status=STOPPED").await;
    assert_eq!(count(&resp), 84 + 50);
    server.set_overstated_count(0);
    assert_eq!(count(&list(&server, "").await), TOTAL as u64);

    let config = ServerConfig { overstated_count: 3, ..ServerConfig::with_sample_tasks(PROJECT, AK, SK) };
    let from_start = LocalOmsServer::start(config).await.unwrap();
    let resp = list(&from_start, "limit=100").await;
    assert_eq!((ids(&resp).len(), count(&resp)), (5, 8));
}

async fn statistics(server: &LocalOmsServer, task: &str, query: &str) -> Resp {
    send(server, &signed_get(server, &statistics_path(task), query)).await
}

#[tokio::test]
async fn statistics_answer_the_types_asked_in_order_with_exact_numbers() {
    let server = start_with_pages().await;
    let start = 1_700_000_100_000_i64; // on a five-minute boundary, not on an hour
    let end = start + 60 * 60 * 1000;
    let query = format!("data_type=SIZE%2CREQUEST%2CFAILURE&end_time={end}&start_time={start}");
    let resp = statistics(&server, SEED_TASK_ID, &query).await;
    assert_eq!(resp.status, 200);
    let body = resp.json();
    assert_eq!(body.as_object().unwrap().len(), 3, "{body}");
    assert_eq!(body["sync_task_id"], SEED_TASK_ID);
    assert_eq!(body["statistic_time_type"], "FIVE_MINUTES");
    let datas = body["statistic_datas"].as_array().unwrap();
    let types: Vec<&str> = datas.iter().map(|d| d["data_type"].as_str().unwrap()).collect();
    assert_eq!(types, ["SIZE", "REQUEST", "FAILURE"]);
    for (d, data_type) in datas.iter().zip([DataType::Size, DataType::Request, DataType::Failure]) {
        let points = d["data"].as_array().unwrap();
        assert_eq!(points.len(), 13, "five-minute points of one hour, both ends included");
        for p in points {
            let t = p["time_stamp"].as_i64().unwrap();
            assert!(t >= start && t <= end && t % 300_000 == 0);
            assert_eq!(p["statistic_num"].as_i64(), Some(statistic_num(SEED_TASK_ID, data_type, t)));
            assert_eq!(p.as_object().unwrap().len(), 2);
        }
    }
    let recorded = server.requests_for(Api::ListSyncTaskStatistic);
    assert_eq!(recorded[0].query("data_type").as_deref(), Some("SIZE,REQUEST,FAILURE"));

    // Longer ranges come hourly; the int64 task's numbers survive exactly.
    let end = start + 2 * 24 * 60 * 60 * 1000;
    let query = format!("data_type=SIZE&end_time={end}&start_time={start}");
    let body = statistics(&server, INT64_TASK_ID, &query).await.json();
    assert_eq!(body["statistic_time_type"], "ONE_HOUR");
    let points = body["statistic_datas"][0]["data"].as_array().unwrap();
    assert_eq!(points.len(), 48);
    for p in points {
        let t = p["time_stamp"].as_i64().unwrap();
        let n = p["statistic_num"].as_i64().unwrap();
        assert_eq!(n, statistic_num(INT64_TASK_ID, DataType::Size, t));
        assert!(n > i64::MAX - 2000, "{n}");
    }
    // Generated tasks have statistics too.
    let query = "data_type=REQUEST%2CSUCCESS%2CFAILURE%2CSKIP%2CSIZE&end_time=600000&start_time=0";
    let body = statistics(&server, &generated_task_id(42), query).await.json();
    assert_eq!(body["statistic_datas"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn statistics_validation_and_unknown_tasks() {
    let server = start_with_pages().await;
    for query in [
        "end_time=600000&start_time=0",
        "data_type=SIZE&start_time=0",
        "data_type=SIZE&end_time=600000",
        "data_type=&end_time=600000&start_time=0",
        "data_type=SIZE%2C&end_time=600000&start_time=0",
        "data_type=BYTES&end_time=600000&start_time=0",
        "data_type=size&end_time=600000&start_time=0",
        "data_type=SIZE&end_time=600000&start_time=600000",
        "data_type=SIZE&end_time=0&start_time=600000",
        "data_type=SIZE&end_time=2678400001&start_time=0",
        "data_type=SIZE&end_time=600000&start_time=-5",
        "data_type=SIZE&end_time=6e5&start_time=0",
    ] {
        assert_oms_400(&statistics(&server, SEED_TASK_ID, query).await, query);
        // Parameters are checked before the task is looked up.
        assert_oms_400(&statistics(&server, "no-such-task", query).await, query);
    }
    let resp = statistics(&server, "no-such-task", "data_type=SIZE&end_time=600000&start_time=0").await;
    assert_eq!((resp.status, resp.error_code()), (404, "OMS.0054".to_string()));
    assert_eq!(resp.json()["error_msg"], "Invalid task ID. Enter a valid task ID.");
    // An encoded slash keeps the id one segment: "a/statistics" is a task id, not a route.
    let resp = send(&server, &good(&server, "a%2Fstatistics")).await;
    assert_eq!((resp.status, resp.error_code()), (404, "OMS.0054".to_string()));
    assert_eq!(server.requests().last().unwrap().api, Some(Api::ShowSyncTask));
}
