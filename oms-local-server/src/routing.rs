//! Route matching on the raw request path. Matching happens on raw segments before any
//! decoding, so an encoded slash inside the task id can never change which route is hit
//! or smuggle in another segment.

use percent_encoding::percent_decode_str;

/// The one API this server publishes, with its path parameters decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShowSyncTaskRoute {
    /// Checked against the configured project.
    pub project_id: String,
    /// The task to look up.
    pub sync_task_id: String,
}

/// Matches `/v2/{project_id}/sync-tasks/{sync_task_id}`: exactly four segments after the
/// leading slash, non-empty parameters. A parameter that does not decode to UTF-8 cannot
/// name any stored task or project, so it is decoded lossily and simply fails to match
/// later with an OMS error, as the real backend would.
pub fn match_show_sync_task(raw_path: &str) -> Option<ShowSyncTaskRoute> {
    let rest = raw_path.strip_prefix('/')?;
    let mut segments = rest.split('/');
    let (v2, project, collection, task) = (segments.next()?, segments.next()?, segments.next()?, segments.next()?);
    if segments.next().is_some() || v2 != "v2" || collection != "sync-tasks" {
        return None;
    }
    if project.is_empty() || task.is_empty() {
        return None;
    }
    Some(ShowSyncTaskRoute { project_id: decode_segment(project), sync_task_id: decode_segment(task) })
}

fn decode_segment(raw: &str) -> String {
    percent_decode_str(raw).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(p: &str, t: &str) -> Option<ShowSyncTaskRoute> {
        Some(ShowSyncTaskRoute { project_id: p.to_string(), sync_task_id: t.to_string() })
    }

    #[test]
    fn matches_the_plain_route() {
        assert_eq!(match_show_sync_task("/v2/p/sync-tasks/abc"), route("p", "abc"));
    }

    #[test]
    fn encoded_slash_stays_inside_the_id() {
        assert_eq!(match_show_sync_task("/v2/p/sync-tasks/..%2Fx"), route("p", "../x"));
        assert_eq!(match_show_sync_task("/v2/p/sync-tasks/a%2Fb%2Fc"), route("p", "a/b/c"));
        assert_eq!(match_show_sync_task("/v2/p/sync-tasks/%E4%B8%80%20x"), route("p", "一 x"));
    }

    #[test]
    fn rejects_other_shapes() {
        for path in [
            "",
            "/",
            "v2/p/sync-tasks/abc",
            "/v2/p/sync-tasks",
            "/v2/p/sync-tasks/",
            "/v2//sync-tasks/abc",
            "/v2/p/sync-tasks/abc/",
            "/v2/p/sync-tasks/abc/statistics",
            "/v2/p/sync-tasks/../abc",
            "/v2/p/../sync-tasks/abc",
            "/v1/p/sync-tasks/abc",
            "/V2/p/sync-tasks/abc",
            "/v2/p/sync%2Dtasks/abc",
            "/v2/p/tasks/abc",
            "//v2/p/sync-tasks/abc",
            "/v2/p/sync-tasks/abc/extra/more",
        ] {
            assert_eq!(match_show_sync_task(path), None, "{path:?}");
        }
    }

    #[test]
    fn invalid_utf8_and_broken_escapes_do_not_panic() {
        assert_eq!(
            match_show_sync_task("/v2/p/sync-tasks/%FF%FE").map(|r| r.sync_task_id),
            Some("\u{FFFD}\u{FFFD}".to_string())
        );
        assert_eq!(match_show_sync_task("/v2/p/sync-tasks/%").map(|r| r.sync_task_id), Some("%".to_string()));
        assert_eq!(match_show_sync_task("/v2/p/sync-tasks/%zz%4").map(|r| r.sync_task_id), Some("%zz%4".to_string()));
    }
}
