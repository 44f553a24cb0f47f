//! The OMS API calls this provider makes. Each is a request description
//! ([`ApiRequest`]) plus the response type it decodes into; signing,
//! retries, limits and error mapping are the client's, shared by all.

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::client::{Fetched, OmsClient};
use super::error::{OmsError, OmsErrorKind};
use super::model::{
    StatisticDataType, SyncTask, SyncTaskInfo, SyncTaskPage, SyncTaskStatistics, SyncTaskStatus, WireEnum,
};
use super::request::ApiRequest;

/// Tasks asked for per `ListSyncTasks` page: the API's maximum, so a list
/// takes as few requests as it can.
pub const LIST_PAGE_SIZE: usize = 100;

/// The largest `offset` `ListSyncTasks` accepts (its documented range is
/// 0–10000), which bounds a list at 101 pages whatever `count` claims.
pub const LIST_MAX_OFFSET: usize = 10_000;

/// A successful ShowSyncTask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShowSyncTaskOutcome {
    /// The task as OMS reported it.
    pub task: SyncTask,
    /// `X-Request-Id` of the response, for support requests.
    pub request_id: Option<String>,
    /// HTTP attempts made, including the successful one.
    pub attempts: u32,
}

impl OmsClient {
    /// Reads one sync task (`GET /v2/{project_id}/sync-tasks/{sync_task_id}`),
    /// with its monthly counters as of `query_time_ms` (Unix milliseconds).
    /// Retries throttling, transient server errors and connection failures
    /// within `deadline`; `cancel` aborts immediately.
    pub async fn show_sync_task(
        &self,
        sync_task_id: &str,
        query_time_ms: i64,
        deadline: Instant,
        cancel: &CancellationToken,
    ) -> Result<ShowSyncTaskOutcome, OmsError> {
        let request = show_sync_task(sync_task_id, query_time_ms)?;
        let got = self.get::<SyncTask>(&request, deadline, cancel).await?;
        Ok(ShowSyncTaskOutcome { task: got.value, request_id: got.request_id, attempts: got.attempts })
    }
}

/// Every task `ListSyncTasks` returned, page after page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListSyncTasksOutcome {
    /// The tasks in the service's order, each once.
    pub tasks: Vec<SyncTaskInfo>,
    /// The `count` of the last page: how many tasks the service said match.
    /// It may overstate (see [`OmsClient::list_sync_tasks`]).
    pub count: Option<i64>,
    /// Pages requested.
    pub pages: u32,
    /// HTTP attempts over all pages, retries included.
    pub attempts: u32,
    /// `X-Request-Id` of the last page, for support requests.
    pub request_id: Option<String>,
}

/// Whether the page just read was the last one: it came back short (or
/// empty), or the tasks read reach the `count` the service reported.
fn is_last_page(page_len: usize, read: usize, count: Option<i64>) -> bool {
    let reached_count = count.is_some_and(|c| i64::try_from(read).is_ok_and(|read| read >= c));
    page_len < LIST_PAGE_SIZE || reached_count
}

impl OmsClient {
    /// Lists every sync task (`GET /v2/{project_id}/sync-tasks`), optionally
    /// only those in `status`, [`LIST_PAGE_SIZE`] at a time, in the service's
    /// order. Every page gets the retries of [`Self::get`]; `deadline` bounds
    /// the whole list, not each page.
    ///
    /// The list ends at the first short or empty page, or once `count` tasks
    /// were read. A `count` that overstates therefore costs at most one extra
    /// (empty) request, and the tasks read are returned: the pages, not the
    /// total, say what exists. Pages that contradict each other (a task seen
    /// twice, because the list changed while it was read or the service
    /// ignored `offset`) are an [`OmsErrorKind::Undecodable`] error rather
    /// than a list with duplicates, and so is a list longer than the API
    /// can page through ([`LIST_MAX_OFFSET`]).
    pub async fn list_sync_tasks(
        &self,
        status: Option<SyncTaskStatus>,
        deadline: Instant,
        cancel: &CancellationToken,
    ) -> Result<ListSyncTasksOutcome, OmsError> {
        let mut out = ListSyncTasksOutcome { tasks: Vec::new(), count: None, pages: 0, attempts: 0, request_id: None };
        let mut seen = std::collections::HashSet::new();
        loop {
            let offset = out.tasks.len();
            // A failure reports the attempts at the page that failed: those
            // are the retries that gave up.
            let got = self.get::<SyncTaskPage>(&list_sync_tasks_page(status, offset), deadline, cancel).await?;
            out.pages += 1;
            out.attempts += got.attempts;
            out.request_id = got.request_id;
            out.count = got.value.count;
            let page_len = got.value.tasks.len();
            for task in got.value.tasks {
                // Tasks without an id cannot be told apart; they are kept as sent.
                if let Some(id) = &task.sync_task_id {
                    if !seen.insert(id.clone()) {
                        return Err(inconsistent_pages(format!(
                            "task {id:?} appeared twice (again on the page at offset {offset}); the list changed while it was read, or the service ignored offset. Retry the read"
                        ))
                        .with_attempts(out.attempts));
                    }
                }
                out.tasks.push(task);
            }
            if is_last_page(page_len, out.tasks.len(), out.count) {
                return Ok(out);
            }
            if out.tasks.len() > LIST_MAX_OFFSET {
                let count = out.count.map_or_else(|| "an unknown number of".to_string(), |c| c.to_string());
                return Err(inconsistent_pages(format!(
                    "{} tasks were read and the service says {count} match, but ListSyncTasks cannot page beyond offset {LIST_MAX_OFFSET}. Narrow the list with status",
                    out.tasks.len()
                ))
                .with_attempts(out.attempts));
            }
        }
    }

    /// Reads the statistics of one sync task
    /// (`GET /v2/{project_id}/sync-tasks/{sync_task_id}/statistics`): one
    /// series per entry of `data_types` (sent comma-separated, in that
    /// order) between `start_time_ms` and `end_time_ms` (Unix milliseconds).
    /// Retries as [`Self::get`] does.
    pub async fn list_sync_task_statistics(
        &self,
        sync_task_id: &str,
        data_types: &[StatisticDataType],
        start_time_ms: i64,
        end_time_ms: i64,
        deadline: Instant,
        cancel: &CancellationToken,
    ) -> Result<Fetched<SyncTaskStatistics>, OmsError> {
        let request = list_sync_task_statistics(sync_task_id, data_types, start_time_ms, end_time_ms)?;
        self.get::<SyncTaskStatistics>(&request, deadline, cancel).await
    }
}

/// The error for pages that cannot be one list; `why` says what was seen.
fn inconsistent_pages(why: String) -> OmsError {
    OmsError::new(OmsErrorKind::Undecodable).with_detail(format!("the pages of ListSyncTasks were inconsistent: {why}"))
}

fn list_sync_tasks_page(status: Option<SyncTaskStatus>, offset: usize) -> ApiRequest {
    let request = ApiRequest::new().literal("sync-tasks").query("limit", LIST_PAGE_SIZE).query("offset", offset);
    match status {
        Some(status) => request.query("status", status.as_str()),
        None => request,
    }
}

fn list_sync_task_statistics(
    sync_task_id: &str,
    data_types: &[StatisticDataType],
    start_time_ms: i64,
    end_time_ms: i64,
) -> Result<ApiRequest, OmsError> {
    let request = ApiRequest::new().literal("sync-tasks").id("sync_task_id", sync_task_id)?.literal("statistics");
    if data_types.is_empty() {
        return Err(OmsError::invalid_request("data_type must name at least one statistics data type"));
    }
    if start_time_ms < 0 {
        return Err(OmsError::invalid_request("start_time must be a non-negative Unix time in milliseconds"));
    }
    if end_time_ms <= start_time_ms {
        return Err(OmsError::invalid_request("end_time must be later than start_time"));
    }
    let data_type = data_types.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(",");
    Ok(request.query("data_type", data_type).query("start_time", start_time_ms).query("end_time", end_time_ms))
}

fn show_sync_task(sync_task_id: &str, query_time_ms: i64) -> Result<ApiRequest, OmsError> {
    let request = ApiRequest::new().literal("sync-tasks").id("sync_task_id", sync_task_id)?;
    if query_time_ms < 0 {
        return Err(OmsError::invalid_request("query_time must be a non-negative Unix time in milliseconds"));
    }
    Ok(request.query("query_time", query_time_ms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oms::{ClientConfig, Credentials, Endpoint, OmsErrorKind};

    fn client() -> OmsClient {
        let ep = Endpoint::from_override("http://127.0.0.1:9").unwrap();
        OmsClient::new(ClientConfig::new(ep, "proj", Credentials::Token { token: "t".into() })).unwrap()
    }

    #[test]
    fn show_sync_task_url() {
        let c = client();
        let url = |id: &str, t: i64| show_sync_task(id, t).and_then(|r| c.url(&r));
        let u = url("../x", 0).unwrap();
        assert_eq!(u.as_str(), "http://127.0.0.1:9/v2/proj/sync-tasks/..%2Fx?query_time=0");
        let u = url("ü", i64::MAX).unwrap();
        assert_eq!(u.path(), "/v2/proj/sync-tasks/%C3%BC");
        assert_eq!(u.query(), Some("query_time=9223372036854775807"));
        for bad in ["", ".", ".."] {
            assert_eq!(url(bad, 0).unwrap_err().kind(), OmsErrorKind::InvalidRequest);
        }
        let e = url("x", -1).unwrap_err();
        assert_eq!(e.kind(), OmsErrorKind::InvalidRequest);
        assert_eq!(e.to_string(), "invalid OMS request: query_time must be a non-negative Unix time in milliseconds");
    }

    #[test]
    fn list_sync_tasks_page_urls() {
        let c = client();
        let url = |status, offset| c.url(&list_sync_tasks_page(status, offset)).unwrap().to_string();
        assert_eq!(url(None, 0), "http://127.0.0.1:9/v2/proj/sync-tasks?limit=100&offset=0");
        assert_eq!(
            url(Some(SyncTaskStatus::Stopped), 200),
            "http://127.0.0.1:9/v2/proj/sync-tasks?limit=100&offset=200&status=STOPPED"
        );
        assert_eq!(
            url(Some(SyncTaskStatus::Synchronizing), 100),
            "http://127.0.0.1:9/v2/proj/sync-tasks?limit=100&offset=100&status=SYNCHRONIZING"
        );
    }

    #[test]
    fn last_page_rules() {
        // A full page with more to come.
        assert!(!is_last_page(100, 100, Some(250)));
        assert!(!is_last_page(100, 100, None));
        // Short or empty pages end the list, whatever count claims.
        assert!(is_last_page(50, 250, Some(300)));
        assert!(is_last_page(0, 200, Some(300)));
        assert!(is_last_page(0, 0, None));
        // Reaching count ends it without asking for an empty page.
        assert!(is_last_page(100, 200, Some(200)));
        assert!(is_last_page(100, 100, Some(0)));
        assert!(!is_last_page(100, 100, Some(i64::MAX)));
        assert!(is_last_page(100, 100, Some(-1)));
    }

    #[test]
    fn statistics_url_keeps_the_order_given() {
        use StatisticDataType::*;
        let c = client();
        let url = |id: &str, types: &[StatisticDataType], s, e| {
            list_sync_task_statistics(id, types, s, e).and_then(|r| c.url(&r))
        };
        let u = url("t/1", &[Size, Request], 5, i64::MAX).unwrap();
        assert_eq!(u.path(), "/v2/proj/sync-tasks/t%2F1/statistics");
        assert_eq!(u.query(), Some("data_type=SIZE%2CREQUEST&end_time=9223372036854775807&start_time=5"));
        let u = url("t", StatisticDataType::ALL, 0, 1).unwrap();
        assert_eq!(u.query(), Some("data_type=REQUEST%2CSUCCESS%2CFAILURE%2CSKIP%2CSIZE&end_time=1&start_time=0"));
        for (types, s, e, why) in [
            (&[][..], 0, 1, "data_type must name at least one statistics data type"),
            (&[Skip][..], -1, 1, "start_time must be a non-negative Unix time in milliseconds"),
            (&[Skip][..], 5, 5, "end_time must be later than start_time"),
            (&[Skip][..], 6, 5, "end_time must be later than start_time"),
        ] {
            let err = url("t", types, s, e).unwrap_err();
            assert_eq!((err.kind(), err.detail()), (OmsErrorKind::InvalidRequest, Some(why)));
        }
        assert_eq!(url("..", &[Skip], 0, 1).unwrap_err().kind(), OmsErrorKind::InvalidRequest);
    }
}
