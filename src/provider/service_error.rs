//! How an OMS failure becomes a diagnostic: what happened, what to check,
//! and at the end what the service said (status, error code, request ID),
//! which is what support asks for. Every [`OmsErrorKind`] has its own arm, so
//! a new kind cannot fall silently into a generic message.

use super::configure::ReadyClient;
use crate::framework::diagnostics::{AttributePath, Diagnostic};
use crate::oms::{AuthMode, OmsError, OmsErrorKind};

/// What a failed read was about, in the words its diagnostics use. For
/// `oms_sync_task` reading task `"abc"`:
/// `noun` = `missing` = "OMS sync task", `object` = `task "abc"`,
/// `iam_action` = "oms:synctask:get", `argument` = `Some("sync_task_id")`.
pub(crate) struct ReadSubject<'a> {
    /// What the data source reads: "Not allowed to read the {noun}".
    pub noun: &'a str,
    /// What a 404 says does not exist: "{missing} not found". Not always the
    /// noun: the statistics of a task are missing because the task is.
    pub missing: &'a str,
    /// The one thing this read asked for: "Reading {object} kept failing".
    pub object: String,
    /// The IAM action the read needs.
    pub iam_action: &'a str,
    /// The argument that names the thing, which diagnostics about a wrong or
    /// missing thing point at; `None` when no argument names it (a list).
    pub argument: Option<&'a str>,
    /// The whole "not found" detail (what to check), before the service facts.
    pub not_found: String,
    /// The summary for arguments the client refuses before sending them.
    pub invalid_request: &'a str,
}

/// What the service said, for the end of every error detail.
fn service_facts(e: &OmsError) -> String {
    let mut parts = Vec::new();
    if let Some(s) = e.status() {
        parts.push(format!("HTTP status: {s}"));
    }
    if let Some(c) = e.error_code() {
        parts.push(format!("error_code: {c}"));
    }
    if let Some(m) = e.error_msg() {
        parts.push(format!("error_msg: {m}"));
    }
    if let Some(r) = e.request_id() {
        parts.push(format!("request ID: {r}"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("\n\n{}", parts.join("\n"))
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The diagnostic for a failed read. `timeout` is the `timeouts.read` text
/// in force.
pub(crate) fn service_diagnostic(
    e: &OmsError,
    ready: &ReadyClient,
    subject: &ReadSubject<'_>,
    timeout: &str,
) -> Diagnostic {
    let project = &ready.project_id;
    let facts = service_facts(e);
    let attempts = e.attempts();
    let ReadSubject { noun, missing, object, iam_action, argument, not_found, invalid_request } = subject;
    let at_argument = |d: Diagnostic| match argument {
        Some(argument) => d.at(AttributePath::root(argument)),
        None => d,
    };
    match e.kind() {
        OmsErrorKind::NotFound => {
            at_argument(Diagnostic::error(format!("{missing} not found"), format!("{not_found}{facts}")))
        }
        OmsErrorKind::Unauthenticated => Diagnostic::error(
            "OMS rejected the credentials",
            format!(
                "The request was authenticated with {} ({}) and OMS answered 401 Unauthorized. Check that the credentials are valid, not expired, and belong to this account{}.{facts}",
                ready.auth,
                ready.credential_source,
                match ready.auth {
                    AuthMode::AkSk => "; also check that the machine's clock is correct (signatures are valid for 15 minutes)",
                    AuthMode::Token => "",
                }
            ),
        ),
        OmsErrorKind::Forbidden => Diagnostic::error(
            format!("Not allowed to read the {noun}"),
            format!(
                "OMS answered 403 Forbidden for {object} in project {project}. The IAM user or agency behind the {} credentials needs the IAM action `{iam_action}` (for example through the OMS ReadOnlyAccess policy) in this project.{facts}",
                ready.auth
            ),
        ),
        OmsErrorKind::Throttled | OmsErrorKind::Server => Diagnostic::error(
            format!("OMS request failed after {attempts} attempt{}", plural(attempts)),
            format!(
                "Reading {object} kept failing ({e}); the provider retried with backoff and gave up. The service may be throttling or unavailable: try again later, or raise max_retries.{facts}"
            ),
        ),
        OmsErrorKind::TimedOut => Diagnostic::error(
            format!("Reading the {noun} timed out"),
            format!(
                "The read of {object} did not finish within timeouts.read = {timeout} ({attempts} attempt{}). Increase timeouts.read, or check connectivity to {}.{facts}",
                plural(attempts),
                ready.client.endpoint()
            ),
        )
        .at(AttributePath::root("timeouts").attribute("read")),
        OmsErrorKind::Cancelled => Diagnostic::error(
            "Read cancelled",
            format!("Terraform asked the provider to stop (for example after Ctrl-C), so the read of {object} was abandoned."),
        ),
        OmsErrorKind::Transport => Diagnostic::error(
            "Could not reach the OMS endpoint",
            format!(
                "{e}. Endpoint: {}. Check the region, the cloud domain or endpoints.oms, network access, and TLS settings (cacert_file, insecure).",
                ready.client.endpoint()
            ),
        ),
        OmsErrorKind::Undecodable | OmsErrorKind::BodyTooLarge => Diagnostic::error(
            "OMS returned a response the provider cannot read",
            format!("{e}. This may be a proxy or a service change; retry, and report it if it persists.{facts}"),
        ),
        OmsErrorKind::InvalidRequest => at_argument(Diagnostic::error(*invalid_request, format!("{e}."))),
        OmsErrorKind::OtherStatus | OmsErrorKind::Config => {
            Diagnostic::error("OMS request failed", format!("{e}.{facts}"))
        }
    }
}
