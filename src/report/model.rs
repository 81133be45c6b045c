//! The one report model. Checks produce verdicts, the runner assembles a
//! [`Report`], and every writer (console, JSON, JUnit, Markdown) only renders it.
//! The JSON form of this model is a public interface: fields may be added, none
//! renamed or removed without bumping [`SCHEMA_VERSION`].

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const SCHEMA_VERSION: u32 = 1;

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
    /// The revision the checks ran against.
    pub spec_version: String,
    /// How the revision was chosen: `forced` (`--spec`) or `negotiated` (`--spec auto`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec_selection: Option<String>,
    /// RFC 3339.
    pub started_at: String,
    pub duration_ms: u64,
    pub checks: Vec<CheckResult>,
    pub summary: Summary,
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
    pub fn count(&self, status: Status) -> u32 {
        let mut copy = *self;
        *copy.slot(status)
    }
}

/// One request and what came back, as seen on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    /// `http` or `stdio`.
    pub transport: String,
    pub request: WireRequest,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<WireResponse>,
    /// Transport trouble: timeout, refused connection, size cap hit, bad framing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub duration_ms: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireRequest {
    /// HTTP method; `SEND` on stdio.
    pub method: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// The body as sent (text; may be deliberately malformed).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireResponse {
    /// HTTP status; absent on stdio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// The body as received, cut at the report's size cap (see `truncated`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}
