//! Terraform configuration text and output checks shared by the end-to-end
//! test files, so every file writes the provider block and reads
//! diagnostics the same way.

use super::local_oms::OmsServer;
use super::terraform::{Output, Workspace, PROVIDER_ADDRESS};
use oms_local_server::{DEMO_ACCESS_KEY, DEMO_PROJECT_ID, DEMO_SECRET_KEY};

/// The region every end-to-end configuration names.
pub(crate) const REGION: &str = "cn-north-4";

/// An HCL string literal. JSON string escapes are valid HCL escapes; none of
/// the values used here contain `${` or `%{`.
pub(crate) fn hcl(s: &str) -> String {
    assert!(!s.contains("${") && !s.contains("%{"), "template sequence in {s:?}");
    serde_json::to_string(s).expect("a string as JSON")
}

pub(crate) fn terraform_block() -> String {
    format!("terraform {{\n  required_providers {{\n    oms = {{ source = \"{PROVIDER_ADDRESS}\" }}\n  }}\n}}\n\n")
}

/// `provider "oms"` with these attributes (values are HCL expressions) and
/// the endpoint override pointing at `server`.
pub(crate) fn provider_block(server: &OmsServer, attrs: &[(&str, String)]) -> String {
    let mut s = String::from("provider \"oms\" {\n");
    for (name, value) in attrs {
        s.push_str(&format!("  {name} = {value}\n"));
    }
    s.push_str(&format!("  endpoints = {{ oms = {} }}\n}}\n\n", hcl(&server.url())));
    s
}

/// Region, the demo project and the demo AK/SK in the provider block, plus `extra`.
pub(crate) fn aksk_provider(server: &OmsServer, extra: &[(&str, String)]) -> String {
    let mut attrs = vec![
        ("region", hcl(REGION)),
        ("project_id", hcl(DEMO_PROJECT_ID)),
        ("access_key", hcl(DEMO_ACCESS_KEY)),
        ("secret_key", hcl(DEMO_SECRET_KEY)),
    ];
    attrs.extend(extra.iter().cloned());
    provider_block(server, &attrs)
}

/// The user-visible text with Terraform's diagnostic frame (`╷ │ ╵`) and
/// its line wrapping undone: one line, single spaces.
pub(crate) fn flat(text: &str) -> String {
    text.lines()
        .map(|l| l.trim_start_matches(['│', '╷', '╵']))
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `args`, expects failure, and returns the flattened user output.
#[track_caller]
pub(crate) fn expect_failure(ws: &Workspace, args: &[&str]) -> (String, Output) {
    let out = ws.run(args);
    assert!(!out.success(), "expected failure:\n{}", out.report());
    (flat(&out.user_output()), out)
}

#[track_caller]
pub(crate) fn assert_contains_all(text: &str, needles: &[&str], out: &Output) {
    for needle in needles {
        assert!(text.contains(needle), "{needle:?} not in the output:\n{}", out.report());
    }
}
