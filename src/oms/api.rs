//! The OMS API calls this provider makes. Each is a request description
//! ([`ApiRequest`]) plus the response type it decodes into; signing,
//! retries, limits and error mapping are the client's, shared by all.

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::client::OmsClient;
use super::error::OmsError;
use super::model::SyncTask;
use super::request::ApiRequest;

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
}
