//! Every secret the test suite hands to anything, found by reading the suite's own
//! sources, so the output checks below cover secrets that tests add later without
//! anyone having to list them.
//!
//! The harness (`common/plugin.rs`) and the Terraform runner (`support/terraform.rs`)
//! pass everything a provider process or a Terraform run printed through
//! [`assert_no_secrets`]; that covers the logs and diagnostics of every test that uses
//! them. `tests/secrets_sweep.rs` checks that the scan finds the suite's secrets.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Words that mark a source line as handling a credential.
const CREDENTIAL_WORDS: [&str; 5] = ["secret", "token", "sk", "st", "tok"];

/// String literals on credential lines of the sources that look like values
/// rather than names: at least 10 characters, no spaces or syntax, and not a header,
/// attribute, variable or flag name (those appear in output legitimately).
pub(crate) fn suite_secrets() -> &'static [String] {
    static SECRETS: OnceLock<Vec<String>> = OnceLock::new();
    SECRETS.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        // A missing directory is skipped: "oms-local-server" is where the local server
        // (and its demo secret) lives once it is a workspace crate.
        for dir in ["tests", "src", "oms-local-server"] {
            rust_files(&root.join(dir), &mut files);
        }
        let mut found: Vec<String> = files
            .iter()
            .filter_map(|f| std::fs::read_to_string(f).ok())
            .flat_map(|text| text.lines().filter(|l| is_credential_line(l)).flat_map(literals).collect::<Vec<_>>())
            .filter(|l| looks_like_secret(l))
            .collect();
        found.sort();
        found.dedup();
        found
    })
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn is_credential_line(line: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| CREDENTIAL_WORDS.contains(&word) || word.contains("secret") || word.contains("token"))
        || lower.contains("secret")
        || lower.contains("token")
}

/// The contents of the plain `"..."` literals on a line (escapes kept as written).
fn literals(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '"' || line[..i].ends_with('\'') {
            continue;
        }
        let start = i + 1;
        let mut end = None;
        while let Some((j, d)) = chars.next() {
            match d {
                '\\' => {
                    chars.next();
                }
                '"' => {
                    end = Some(j);
                    break;
                }
                _ => {}
            }
        }
        match end {
            Some(end) => out.push(line[start..end].to_string()),
            None => break,
        }
    }
    out
}

fn looks_like_secret(s: &str) -> bool {
    if s.len() < 10 || s.starts_with('-') {
        return false;
    }
    if s.contains(|c: char| c.is_whitespace() || "\\/=;:{}<>`+%$#()[],.'\"".contains(c)) {
        return false; // messages, paths, headers with values, format strings
    }
    if s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') {
        return false; // environment variable names
    }
    let words = s.split(['-', '_']).count();
    if words <= 3 && s.chars().all(|c| c.is_ascii_alphabetic() || c == '-' || c == '_') {
        return false; // "x-security-token", "security_token": header and attribute names
    }
    !s.chars().all(|c| c.is_ascii_hexdigit()) // project ids and other bare hex
}

/// Panics (without repeating the secret) when `text` holds any suite secret.
#[track_caller]
pub(crate) fn assert_no_secrets(text: &str, what: &str) {
    for (i, secret) in suite_secrets().iter().enumerate() {
        if let Some(at) = text.find(secret.as_str()) {
            let line = text[..at].lines().count().max(1);
            panic!(
                "{what}: a test secret (#{i}, {} characters) appears in the output, on line {line}. \
                 Logs and diagnostics must never show credentials.",
                secret.len()
            );
        }
    }
}
