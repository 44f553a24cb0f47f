//! Diagnostics: how every problem reaches the user. Terraform shows the
//! summary as the headline, the detail below it, and, when an attribute path
//! is set, points at that attribute in the configuration.

use std::fmt;

/// Whether Terraform stops: an error fails the operation, a warning is shown and the
/// run goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The operation cannot go on; Terraform stops and shows it.
    Error,
    /// Terraform shows it and carries on, e.g. for a deprecated setting.
    Warning,
}

/// One step into a value: an object attribute, a map key or a list index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathStep {
    /// An attribute or nested block name.
    Attribute(String),
    /// A map element's key.
    Key(String),
    /// A list element's position.
    Index(i64),
}

/// Where in the configuration a diagnostic applies.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AttributePath(pub Vec<PathStep>);

impl AttributePath {
    /// A path to a top-level attribute, where most diagnostics point.
    pub fn root(name: &str) -> Self {
        AttributePath(vec![PathStep::Attribute(name.to_string())])
    }
    /// Steps into a nested block or object attribute.
    pub fn attribute(mut self, name: &str) -> Self {
        self.0.push(PathStep::Attribute(name.to_string()));
        self
    }
    /// Steps into a map element.
    pub fn key(mut self, key: &str) -> Self {
        self.0.push(PathStep::Key(key.to_string()));
        self
    }
    /// Steps into a list element.
    pub fn index(mut self, i: i64) -> Self {
        self.0.push(PathStep::Index(i));
        self
    }
}

impl fmt::Display for AttributePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                PathStep::Attribute(a) if i == 0 => write!(f, "{a}")?,
                PathStep::Attribute(a) => write!(f, ".{a}")?,
                PathStep::Key(k) => write!(f, "[{k:?}]")?,
                PathStep::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// One problem as Terraform shows it; every failure the user can act on becomes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Whether Terraform stops.
    pub severity: Severity,
    /// The one-line headline: what went wrong.
    pub summary: String,
    /// What to do about it; never a secret.
    pub detail: String,
    /// The attribute Terraform underlines in the configuration, when one is at fault.
    pub path: Option<AttributePath>,
}

impl Diagnostic {
    /// A problem that fails the operation.
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Error, summary: summary.into(), detail: detail.into(), path: None }
    }
    /// A problem Terraform reports without failing.
    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, summary: summary.into(), detail: detail.into(), path: None }
    }
    /// Points the diagnostic at the attribute that caused it.
    pub fn at(mut self, path: AttributePath) -> Self {
        self.path = Some(path);
        self
    }
}

/// An ordered collection; callers append and check `has_errors` before going
/// on, the way terraform-plugin-framework code does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// No problems yet.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds one problem, keeping the order Terraform will show them in.
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }
    /// Adds an error with no attribute path.
    pub fn error(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Diagnostic::error(summary, detail));
    }
    /// Adds an error pointing at `path`.
    pub fn error_at(&mut self, path: AttributePath, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Diagnostic::error(summary, detail).at(path));
    }
    /// Appends another step's diagnostics, so warnings from earlier steps are not lost.
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }
    /// Whether to stop: warnings alone let the operation go on.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }
    /// Whether there is nothing to report.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The diagnostics in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_display_and_error_counting() {
        let p = AttributePath::root("endpoints").key("oms");
        assert_eq!(p.to_string(), "endpoints[\"oms\"]");
        assert_eq!(AttributePath::root("timeouts").attribute("read").index(2).to_string(), "timeouts.read[2]");
        let mut d = Diagnostics::new();
        d.push(Diagnostic::warning("w", ""));
        assert!(!d.has_errors());
        d.error_at(p.clone(), "e", "detail");
        assert!(d.has_errors());
        assert_eq!(d.0[1].path.as_ref(), Some(&p));
    }
}
