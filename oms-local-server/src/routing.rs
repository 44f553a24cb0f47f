//! Route matching on the raw request path. Matching happens on raw segments before any
//! decoding, so an encoded slash inside the task id can never change which route is hit
//! or smuggle in another segment.

use percent_encoding::percent_decode_str;

/// The APIs this server publishes; what a [`Route`] resolves to and what a scoped fault
/// or a recorded request names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Api {
    /// `GET /v2/{project_id}/sync-tasks/{sync_task_id}` (SDK `ShowSyncTask`).
    ShowSyncTask,
    /// `GET /v2/{project_id}/sync-tasks` (SDK `ListSyncTasks`).
    ListSyncTasks,
    /// `GET /v2/{project_id}/sync-tasks/{sync_task_id}/statistics` (SDK `ListSyncTaskStatistic`).
    ListSyncTaskStatistic,
}

/// A matched API with its path parameters decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Answered with the task's stored body, byte for byte.
    ShowSyncTask {
        /// Checked against the configured project before anything else is looked up.
        project_id: String,
        /// Decoded, so it may contain `/` without having changed the route.
        sync_task_id: String,
    },
    /// Answered with one page of the task list.
    ListSyncTasks {
        /// Checked against the configured project before anything else is looked up.
        project_id: String,
    },
    /// Answered with deterministic statistics for the task.
    ListSyncTaskStatistic {
        /// Checked against the configured project before anything else is looked up.
        project_id: String,
        /// Decoded, so it may contain `/` without having changed the route.
        sync_task_id: String,
    },
}

impl Route {
    /// For fault scoping and request records, which care about the API, not its parameters.
    pub fn api(&self) -> Api {
        match self {
            Route::ShowSyncTask { .. } => Api::ShowSyncTask,
            Route::ListSyncTasks { .. } => Api::ListSyncTasks,
            Route::ListSyncTaskStatistic { .. } => Api::ListSyncTaskStatistic,
        }
    }

    /// Every API is project-scoped, so the project check needs no per-route code.
    pub fn project_id(&self) -> &str {
        match self {
            Route::ShowSyncTask { project_id, .. }
            | Route::ListSyncTasks { project_id }
            | Route::ListSyncTaskStatistic { project_id, .. } => project_id,
        }
    }
}

/// Matches `/v2/{project_id}/sync-tasks`, `/v2/{project_id}/sync-tasks/{sync_task_id}` and
/// `/v2/{project_id}/sync-tasks/{sync_task_id}/statistics`: exact segment counts after the
/// leading slash, non-empty parameters. A parameter that does not decode to UTF-8 cannot
/// name any stored task or project, so it is decoded lossily and simply fails to match
/// later with an OMS error, as the real backend would.
pub fn match_route(raw_path: &str) -> Option<Route> {
    let rest = raw_path.strip_prefix('/')?;
    let segments: Vec<&str> = rest.split('/').collect();
    let (v2, project, collection) = (*segments.first()?, *segments.get(1)?, *segments.get(2)?);
    if v2 != "v2" || collection != "sync-tasks" || project.is_empty() {
        return None;
    }
    let project_id = decode_segment(project);
    match segments[3..] {
        [] => Some(Route::ListSyncTasks { project_id }),
        [task] if !task.is_empty() => Some(Route::ShowSyncTask { project_id, sync_task_id: decode_segment(task) }),
        [task, "statistics"] if !task.is_empty() => {
            Some(Route::ListSyncTaskStatistic { project_id, sync_task_id: decode_segment(task) })
        }
        _ => None,
    }
}

fn decode_segment(raw: &str) -> String {
    percent_decode_str(raw).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(p: &str, t: &str) -> Option<Route> {
        Some(Route::ShowSyncTask { project_id: p.to_string(), sync_task_id: t.to_string() })
    }

    fn task_id(path: &str) -> Option<String> {
        match match_route(path)? {
            Route::ShowSyncTask { sync_task_id, .. } => Some(sync_task_id),
            _ => None,
        }
    }

    #[test]
    fn matches_the_plain_routes() {
        assert_eq!(match_route("/v2/p/sync-tasks/abc"), show("p", "abc"));
        assert_eq!(match_route("/v2/p/sync-tasks"), Some(Route::ListSyncTasks { project_id: "p".to_string() }));
        assert_eq!(
            match_route("/v2/p/sync-tasks/abc/statistics"),
            Some(Route::ListSyncTaskStatistic { project_id: "p".to_string(), sync_task_id: "abc".to_string() })
        );
        assert_eq!(match_route("/v2/p%20q/sync-tasks").map(|r| r.project_id().to_string()), Some("p q".to_string()));
        assert_eq!(match_route("/v2/p/sync-tasks").map(|r| r.api()), Some(Api::ListSyncTasks));
    }

    #[test]
    fn encoded_slash_stays_inside_the_id() {
        assert_eq!(match_route("/v2/p/sync-tasks/..%2Fx"), show("p", "../x"));
        assert_eq!(match_route("/v2/p/sync-tasks/a%2Fb%2Fc"), show("p", "a/b/c"));
        assert_eq!(match_route("/v2/p/sync-tasks/%E4%B8%80%20x"), show("p", "一 x"));
        assert_eq!(match_route("/v2/p/sync-tasks/a%2Fstatistics"), show("p", "a/statistics"));
        assert_eq!(
            match_route("/v2/p/sync-tasks/a%2Fb/statistics"),
            Some(Route::ListSyncTaskStatistic { project_id: "p".to_string(), sync_task_id: "a/b".to_string() })
        );
    }

    #[test]
    fn rejects_other_shapes() {
        for path in [
            "",
            "/",
            "v2/p/sync-tasks/abc",
            "/v2/p/sync-tasks/",
            "/v2//sync-tasks/abc",
            "/v2//sync-tasks",
            "/v2/p/sync-tasks/abc/",
            "/v2/p/sync-tasks//statistics",
            "/v2/p/sync-tasks/abc/statistics/",
            "/v2/p/sync-tasks/abc/Statistics",
            "/v2/p/sync-tasks/abc/statistic",
            "/v2/p/sync-tasks/abc/statistics/x",
            "/v2/p/sync-tasks/abc/stat%69stics",
            "/v2/p/sync-tasks/../abc",
            "/v2/p/../sync-tasks/abc",
            "/v1/p/sync-tasks/abc",
            "/V2/p/sync-tasks/abc",
            "/v2/p/sync%2Dtasks/abc",
            "/v2/p/sync%2Dtasks",
            "/v2/p/tasks/abc",
            "/v2/p/tasks",
            "//v2/p/sync-tasks/abc",
            "/v2/p/sync-tasks/abc/extra/more",
            "/v2/p",
            "/v2",
        ] {
            assert_eq!(match_route(path), None, "{path:?}");
        }
    }

    #[test]
    fn invalid_utf8_and_broken_escapes_do_not_panic() {
        assert_eq!(task_id("/v2/p/sync-tasks/%FF%FE"), Some("\u{FFFD}\u{FFFD}".to_string()));
        assert_eq!(task_id("/v2/p/sync-tasks/%"), Some("%".to_string()));
        assert_eq!(task_id("/v2/p/sync-tasks/%zz%4"), Some("%zz%4".to_string()));
    }
}
