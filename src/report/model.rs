//! The one report model. Checks produce verdicts, the runner assembles a
//! [`Report`], and every writer (console, JSON, JUnit, SARIF, Markdown, HTML) only
//! renders it. The JSON form of this model is a public interface: fields may
//! be added, none renamed or removed without bumping [`SCHEMA_VERSION`].
//!
//! Schema 2 covers every revision a run tested: each result names its
//! `revision`, and `revisions` says how each revision was chosen (with the
//! probe exchanges behind the choice) and what it scored. Schema 1 files
//! (one revision per report) are read by [`Report::from_json_value`], which
//! lifts them into the same shape.

use serde::{Deserialize, Serialize};

pub use crate::wire::record::{Exchange, WireRequest, WireResponse};

/// The schema this mcpcheck writes.
pub const SCHEMA_VERSION: u32 = 2;
/// Every schema this mcpcheck reads.
pub const READABLE_SCHEMAS: [u32; 2] = [1, 2];

/// Outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The requirement was observed to hold.
    Pass,
    /// A MUST requirement was violated.
    Fail,
    /// A SHOULD requirement was missed (a failure under `--strict`).
    Warn,
    /// Informational: recorded, not graded.
    Info,
    /// Not applicable to this target or revision; the message says why.
    Skip,
    /// The harness could not run the check (timeout, unreachable, broken answer
    /// that prevents evaluation). Never a pass.
    Error,
}

impl Status {
    pub const ALL: [Status; 6] =
        [Status::Pass, Status::Fail, Status::Warn, Status::Info, Status::Skip, Status::Error];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::Info => "info",
            Status::Skip => "skip",
            Status::Error => "error",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Default for Tool {
    fn default() -> Self {
        Tool { name: "mcpcheck".into(), version: env!("CARGO_PKG_VERSION").into() }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    /// The URL, or `stdio: CMD` for a spawned server.
    pub target: String,
    /// The newest revision the checks ran against (schema 1's only one).
    pub spec_version: String,
    /// Schema 1 only: how its one revision was chosen. Schema 2 says it per
    /// revision in `revisions`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec_selection: Option<String>,
    /// Every revision mcpcheck considered, oldest first: how it was chosen or
    /// why it was not tested, and the summary of its checks.
    #[serde(default)]
    pub revisions: Vec<RevisionRun>,
    /// RFC 3339.
    pub started_at: String,
    pub duration_ms: u64,
    /// Every result, revision by revision (oldest first), in catalogue order
    /// within each.
    pub checks: Vec<CheckResult>,
    /// Over every revision.
    pub summary: Summary,
}

/// How a revision came to be tested, or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Selection {
    /// The server answered `initialize` for this revision with this revision.
    Negotiated,
    /// `server/discover` listed it and a request of this revision was served.
    Discovered,
    /// A request of this revision was served although `server/discover`
    /// failed or did not list it (a check fails on that).
    Served,
    /// `--spec` named it: tested without asking the server.
    Forced,
    /// Asked for, and the server answered with another revision or an error.
    Refused,
    /// A client run: mcpcheck played a server of this revision.
    Scripted,
}

impl Selection {
    pub fn as_str(self) -> &'static str {
        match self {
            Selection::Negotiated => "negotiated",
            Selection::Discovered => "discovered",
            Selection::Served => "served",
            Selection::Forced => "forced",
            Selection::Refused => "refused",
            Selection::Scripted => "scripted",
        }
    }
    /// Whether the checks ran on a revision chosen this way.
    pub fn tested(self) -> bool {
        self != Selection::Refused
    }
}

impl std::fmt::Display for Selection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One revision of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevisionRun {
    /// `2025-11-25`.
    pub revision: String,
    pub selection: Selection,
    /// How it was chosen, in a sentence (what was sent, what came back).
    #[serde(default)]
    pub detail: String,
    /// Of this revision's results; all zero when it was not tested.
    #[serde(default)]
    pub summary: Summary,
    /// The probe exchanges behind the choice.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exchanges: Vec<Exchange>,
}

impl RevisionRun {
    pub fn tested(&self) -> bool {
        self.selection.tested()
    }
}

impl Report {
    /// The gate verdict: true when any check failed or could not be run.
    ///
    /// An `error` fails the gate too: it means the harness could not evaluate
    /// the check (timeout, unreachable, unusable answer), and a run that timed
    /// out must never pass. Under `strict`, a missed SHOULD (`warn`) fails as
    /// well. Decided from the checks themselves, not from `summary`, so a
    /// hand-edited or stale summary cannot turn a failing run green.
    pub fn failed(&self, strict: bool) -> bool {
        self.checks.iter().any(|c| match c.status {
            Status::Fail | Status::Error => true,
            Status::Warn => strict,
            Status::Pass | Status::Info | Status::Skip => false,
        })
    }

    /// The revisions whose checks ran, oldest first.
    pub fn tested_revisions(&self) -> Vec<&str> {
        let mut out: Vec<&str> =
            self.revisions.iter().filter(|r| r.tested()).map(|r| r.revision.as_str()).collect();
        // Results of a revision the list does not name (a hand-made file)
        // still get a column.
        for c in &self.checks {
            if !out.contains(&c.revision.as_str()) {
                out.push(&c.revision);
            }
        }
        out
    }

    /// The distinct check ids, in order of first appearance.
    pub fn check_ids(&self) -> Vec<&str> {
        let mut seen = std::collections::HashSet::new();
        self.checks.iter().map(|c| c.id.as_str()).filter(|id| seen.insert(*id)).collect()
    }

    /// The result of one check on one revision.
    pub fn result(&self, id: &str, revision: &str) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.id == id && c.revision == revision)
    }

    /// Reads a saved report of any schema this mcpcheck reads; a schema 1
    /// report becomes one revision whose results all carry it.
    pub fn from_json_value(value: serde_json::Value) -> Result<Report, ReadError> {
        let schema = value.get("schema_version").and_then(serde_json::Value::as_u64);
        match schema {
            None => return Err(ReadError::NotAReport),
            Some(v) if !READABLE_SCHEMAS.iter().any(|s| u64::from(*s) == v) => {
                return Err(ReadError::Schema(v));
            }
            Some(_) => {}
        }
        let mut report: Report =
            serde_json::from_value(value).map_err(|e| ReadError::Invalid(e.to_string()))?;
        if report.schema_version == 1 {
            for c in &mut report.checks {
                c.revision = report.spec_version.clone();
            }
            let selection = match report.spec_selection.as_deref() {
                Some("forced") => Selection::Forced,
                _ => Selection::Negotiated,
            };
            report.revisions = vec![RevisionRun {
                revision: report.spec_version.clone(),
                selection,
                detail: "read from a schema 1 report".into(),
                summary: report.summary,
                exchanges: vec![],
            }];
        }
        for c in &mut report.checks {
            if c.revision.is_empty() {
                c.revision = report.spec_version.clone();
            }
        }
        Ok(report)
    }

    /// The checks grouped by area, areas in order of first appearance and
    /// checks in report order within each area. Writers group by this so that
    /// console, Markdown and JUnit show the same structure.
    pub fn by_area(&self) -> Vec<(&str, Vec<&CheckResult>)> {
        let mut groups: Vec<(&str, Vec<&CheckResult>)> = Vec::new();
        for check in &self.checks {
            let area = check.area();
            match groups.iter_mut().find(|(a, _)| *a == area) {
                Some((_, checks)) => checks.push(check),
                None => groups.push((area, vec![check])),
            }
        }
        groups
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// Stable id `area/page/slug`.
    pub id: String,
    /// The revision this result is of (`2025-11-25`).
    #[serde(default)]
    pub revision: String,
    pub title: String,
    pub level: crate::spec::Level,
    pub status: Status,
    /// `<revision> <page>#<anchor>`.
    pub spec_ref: String,
    /// The sentence of the specification the check enforces.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub requirement: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
    pub duration_ms: u64,
    #[serde(default)]
    pub exchanges: Vec<Exchange>,
}

impl CheckResult {
    /// The area of the check: the first segment of its id (`lifecycle` of
    /// `lifecycle/initialize/result-shape`).
    pub fn area(&self) -> &str {
        self.id.split('/').next().unwrap_or(&self.id)
    }
}

/// Why a saved report cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("not an mcpcheck report (no schema_version)")]
    NotAReport,
    #[error("schema_version {0} is not supported (this mcpcheck reads 1 and 2)")]
    Schema(u64),
    #[error("not a valid mcpcheck report: {0}")]
    Invalid(String),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub pass: u32,
    pub fail: u32,
    pub warn: u32,
    pub info: u32,
    pub skip: u32,
    pub error: u32,
}

impl Summary {
    pub fn of(checks: &[CheckResult]) -> Summary {
        let mut s = Summary::default();
        for c in checks {
            *s.slot(c.status) += 1;
        }
        s
    }
    fn slot(&mut self, status: Status) -> &mut u32 {
        match status {
            Status::Pass => &mut self.pass,
            Status::Fail => &mut self.fail,
            Status::Warn => &mut self.warn,
            Status::Info => &mut self.info,
            Status::Skip => &mut self.skip,
            Status::Error => &mut self.error,
        }
    }
    /// All results counted.
    pub fn total(&self) -> u32 {
        Status::ALL.iter().map(|s| self.count(*s)).sum()
    }
    pub fn count(&self, status: Status) -> u32 {
        let mut copy = *self;
        *copy.slot(status)
    }
}
