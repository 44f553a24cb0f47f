//! What one OMS API call asks for: the path below `/v2/{project_id}/` and the
//! query. Calls describe themselves with this, and the client turns it into
//! the one URL that is both sent and signed, so a new call cannot get
//! encoding or signing subtly different from the others.

use url::Url;

use super::endpoint::Endpoint;
use super::error::OmsError;
use super::path::encode_segment;
use super::signer;

/// The OMS API version every call of this client uses.
const API_VERSION: &str = "v2";

/// A GET request on a project-scoped OMS resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiRequest {
    /// Encoded path segments after `/v2/{project_id}`.
    segments: Vec<String>,
    /// The names of the caller-supplied segments, for error messages.
    ids: Vec<&'static str>,
    /// Decoded `(key, value)` pairs, as the signer wants them.
    query: Vec<(String, String)>,
}

impl ApiRequest {
    /// Starts at `/v2/{project_id}`; segments and query parameters follow.
    pub(crate) fn new() -> Self {
        Self { segments: Vec::new(), ids: Vec::new(), query: Vec::new() }
    }

    /// Appends a fixed segment such as `sync-tasks` or `statistics`.
    pub(crate) fn literal(mut self, segment: &'static str) -> Self {
        self.segments.push(segment.to_string());
        self
    }

    /// Appends a caller-supplied identifier as exactly one segment; `what`
    /// names it in errors (e.g. `sync_task_id`).
    pub(crate) fn id(mut self, what: &'static str, value: &str) -> Result<Self, OmsError> {
        self.segments.push(encode_segment(what, value)?);
        self.ids.push(what);
        Ok(self)
    }

    /// Adds a query parameter (decoded; encoding happens once, in [`Self::url`]).
    pub(crate) fn query(mut self, key: &'static str, value: impl ToString) -> Self {
        self.query.push((key.to_string(), value.to_string()));
        self
    }

    /// The decoded query pairs, which the signer canonicalises.
    pub(crate) fn query_pairs(&self) -> &[(String, String)] {
        &self.query
    }

    /// The URL to request, built by hand so that no id can add, remove or
    /// normalise away path segments. The query is encoded and ordered as
    /// the official SDK sends it, which is also its canonical (signed) form.
    pub(crate) fn url(&self, endpoint: &Endpoint, project_segment: &str) -> Result<Url, OmsError> {
        let mut path_suffix = format!("/{API_VERSION}/{project_segment}");
        for segment in &self.segments {
            path_suffix.push('/');
            path_suffix.push_str(segment);
        }
        let query = signer::canonical_query(&self.query);
        // From the endpoint's parsed URL: only the path and the query are parsed here.
        let mut url = endpoint.url().clone();
        let path = format!("{}{path_suffix}", url.path().trim_end_matches('/'));
        url.set_path(&path);
        url.set_query(if query.is_empty() { None } else { Some(&query) });
        // Defence in depth: the signature covers url.path() and the query,
        // and the resource we ask for must be the one the caller named.
        if !url.path().ends_with(&path_suffix) || url.query().unwrap_or("") != query {
            let what = if self.ids.is_empty() { "the request path".to_string() } else { self.ids.join(" or ") };
            return Err(OmsError::invalid_request(format!("{what} does not survive URL parsing unchanged")));
        }
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oms::OmsErrorKind;

    fn endpoint(raw: &str) -> Endpoint {
        Endpoint::from_override(raw).unwrap()
    }

    #[test]
    fn path_and_query_as_the_sdk_sends_them() {
        let r = ApiRequest::new().literal("sync-tasks").id("sync_task_id", "a b/c").unwrap().literal("statistics");
        let r = r.query("start_time", 5).query("data_type", "OBJECTS").query("end_time", "x y~*");
        let u = r.url(&endpoint("http://127.0.0.1:9/gw"), "proj").unwrap();
        assert_eq!(
            u.as_str(),
            "http://127.0.0.1:9/gw/v2/proj/sync-tasks/a%20b%2Fc/statistics?data_type=OBJECTS&end_time=x%20y~%2A&start_time=5"
        );
        // Built from the endpoint's parsed URL, it is what parsing its text gives.
        assert_eq!(u, Url::parse(u.as_str()).unwrap());
        // The query actually sent is the signer's canonical query.
        assert_eq!(u.query(), Some(signer::canonical_query(r.query_pairs()).as_str()));
        assert_eq!(r.query_pairs()[0], ("start_time".to_string(), "5".to_string()));
    }

    #[test]
    fn no_query_means_no_question_mark() {
        let u = ApiRequest::new().literal("sync-tasks").url(&endpoint("https://oms.example.com"), "p").unwrap();
        assert_eq!(u.as_str(), "https://oms.example.com/v2/p/sync-tasks");
        assert_eq!(u.query(), None);
        let u = ApiRequest::new().literal("sync-tasks").url(&endpoint("https://oms.example.com/gw/"), "p").unwrap();
        assert_eq!(u.as_str(), "https://oms.example.com/gw/v2/p/sync-tasks");
        assert_eq!(u, Url::parse(u.as_str()).unwrap());
    }

    #[test]
    fn ids_are_validated_by_name() {
        for bad in ["", ".", ".."] {
            let e = ApiRequest::new().literal("sync-tasks").id("sync_task_id", bad).unwrap_err();
            assert_eq!(e.kind(), OmsErrorKind::InvalidRequest);
            assert!(e.to_string().contains("sync_task_id"), "{e}");
        }
    }
}
