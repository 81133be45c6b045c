//! Expected-failures baselines (`mcpcheck test --expected-failures FILE`), so a
//! CI pipeline can adopt mcpcheck on a server that does not yet pass everything
//! and still catch regressions:
//!
//! - a listed check may fail (or error) without failing the run;
//! - a listed check that now passes fails the run as *stale*, so the file can
//!   only shrink as the server improves, never silently grow out of date;
//! - an entry naming no known check is a usage error (exit 2): a typo must not
//!   quietly excuse nothing;
//! - any failure not listed fails the run as usual.
//!
//! The file is TOML (the format the project's scenarios use), one table per
//! entry with an optional reason:
//!
//! ```toml
//! [[failure]]
//! id = "transport/session/unknown-session-404"
//! reason = "upstream bug #123"
//! ```

use super::model::{Report, Status};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::Path;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    #[serde(default, rename = "failure")]
    pub failures: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

/// How a run measures up against a baseline.
#[derive(Debug, Default, PartialEq)]
pub struct Outcome {
    /// Listed and failing: excused.
    pub expected: Vec<String>,
    /// Listed but passing now: the entry must go.
    pub stale: Vec<String>,
    /// Failing and not listed.
    pub unexpected: Vec<String>,
}

impl Outcome {
    pub fn failed(&self) -> bool {
        !self.stale.is_empty() || !self.unexpected.is_empty()
    }
}

/// Does this status fail the gate (see [`Report::failed`])?
fn failing(status: Status, strict: bool) -> bool {
    match status {
        Status::Fail | Status::Error => true,
        Status::Warn => strict,
        Status::Pass | Status::Info | Status::Skip => false,
    }
}

impl Baseline {
    /// Parses a baseline and checks every entry against the known check ids.
    pub fn parse(text: &str, known: &[&str]) -> Result<Baseline, String> {
        let baseline: Baseline = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut seen = Vec::new();
        for entry in &baseline.failures {
            if !known.contains(&entry.id.as_str()) {
                return Err(format!("{:?} names no known check (see `mcpcheck list`)", entry.id));
            }
            if seen.contains(&entry.id.as_str()) {
                return Err(format!("{:?} is listed twice", entry.id));
            }
            seen.push(entry.id.as_str());
        }
        Ok(baseline)
    }

    fn lists(&self, id: &str) -> bool {
        self.failures.iter().any(|e| e.id == id)
    }

    /// Measures a report against this baseline. A listed check that was
    /// skipped or is informational is neither excused nor stale: the run did
    /// not test it.
    pub fn evaluate(&self, report: &Report, strict: bool) -> Outcome {
        let mut out = Outcome::default();
        for check in &report.checks {
            let listed = self.lists(&check.id);
            if failing(check.status, strict) {
                if listed { &mut out.expected } else { &mut out.unexpected }.push(check.id.clone());
            } else if listed && check.status == Status::Pass {
                out.stale.push(check.id.clone());
            }
        }
        out
    }

    /// The checks that fail the gate in this report, as a baseline.
    pub fn of_report(report: &Report, strict: bool) -> Baseline {
        let failures = report
            .checks
            .iter()
            .filter(|c| failing(c.status, strict))
            .map(|c| Entry {
                id: c.id.clone(),
                reason: format!("{}: {}", c.status, super::text::first_line(&c.message)),
            })
            .collect();
        Baseline { failures }
    }

    pub fn to_toml(&self) -> String {
        let mut out = String::from(
            "# mcpcheck expected failures: these checks may fail without failing the run.\n\
             # Remove an entry once its check passes (a passing listed check fails the run as stale).\n\n",
        );
        // Entries are plain strings, so serialization cannot fail.
        out.push_str(&toml::to_string(self).unwrap_or_default());
        out
    }
}

/// Reads `--expected-failures FILE`, if given.
pub fn load_arg(path: Option<&Path>) -> Result<Option<Baseline>, String> {
    let Some(path) = path else { return Ok(None) };
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let known: Vec<&str> = crate::checks::all().iter().map(|c| c.id).collect();
    Baseline::parse(&text, &known).map(Some).map_err(|e| format!("{}: {e}", path.display()))
}

/// The run's gate: without a baseline, [`Report::failed`]; with one, the
/// baseline's verdict, explained on stderr (stdout may carry the JSON report).
pub fn gate(report: &Report, strict: bool, baseline: Option<&Baseline>, quiet: bool) -> bool {
    let Some(baseline) = baseline else { return report.failed(strict) };
    let outcome = baseline.evaluate(report, strict);
    if !quiet || outcome.failed() {
        eprint!("{}", explain(&outcome));
    }
    outcome.failed()
}

/// A few lines on what the baseline excused and what it did not.
pub fn explain(outcome: &Outcome) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "expected failures: {} excused", outcome.expected.len());
    for id in &outcome.stale {
        let _ = writeln!(out, "  stale: {id} passes now; remove it from the expected failures");
    }
    for id in &outcome.unexpected {
        let _ = writeln!(out, "  unexpected failure: {id}");
    }
    out
}

/// `--write-expected-failures FILE`.
pub fn write(report: &Report, strict: bool, path: &Path) -> Result<(), String> {
    std::fs::write(path, Baseline::of_report(report, strict).to_toml())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    const KNOWN: &[&str] = &[
        "lifecycle/initialize/version-negotiation",
        "tools/list/pagination",
        "lifecycle/initialize/result-shape",
    ];

    #[test]
    fn listed_failures_are_excused_and_others_are_not() {
        let report = fixture::report();
        let b = Baseline::parse("[[failure]]\nid = \"lifecycle/initialize/version-negotiation\"\n", KNOWN)
            .unwrap();
        let out = b.evaluate(&report, false);
        assert_eq!(out.expected, ["lifecycle/initialize/version-negotiation"]);
        assert_eq!(out.unexpected, ["tools/list/pagination"]);
        assert!(out.failed());

        let b = Baseline::parse(
            "[[failure]]\nid = \"lifecycle/initialize/version-negotiation\"\nreason = \"known\"\n\
             [[failure]]\nid = \"tools/list/pagination\"\n",
            KNOWN,
        )
        .unwrap();
        assert!(!b.evaluate(&report, false).failed());
        // Under --strict the warn is a failure nobody listed.
        assert_eq!(b.evaluate(&report, true).unexpected, ["transport/http/content-type-charset"]);
    }

    #[test]
    fn a_listed_check_that_passes_is_stale() {
        let report = fixture::report();
        let b = Baseline::parse(
            "[[failure]]\nid = \"lifecycle/initialize/version-negotiation\"\n[[failure]]\nid = \"tools/list/pagination\"\n\
             [[failure]]\nid = \"lifecycle/initialize/result-shape\"\n",
            KNOWN,
        )
        .unwrap();
        let out = b.evaluate(&report, false);
        assert_eq!(out.stale, ["lifecycle/initialize/result-shape"]);
        assert!(out.failed());
        assert!(explain(&out).contains("stale: lifecycle/initialize/result-shape"));
    }

    #[test]
    fn unknown_ids_duplicates_and_typos_are_errors() {
        let e = Baseline::parse("[[failure]]\nid = \"no/such/check\"\n", KNOWN).unwrap_err();
        assert!(e.contains("no known check"), "{e}");
        let twice = "[[failure]]\nid = \"tools/list/pagination\"\n".repeat(2);
        assert!(Baseline::parse(&twice, KNOWN).unwrap_err().contains("twice"));
        // A misspelt table name must not silently excuse nothing.
        assert!(Baseline::parse("[[failures]]\nid = \"tools/list/pagination\"\n", KNOWN).is_err());
        assert!(
            Baseline::parse("[[failure]]\nid = \"tools/list/pagination\"\nreson = \"x\"\n", KNOWN).is_err()
        );
        assert_eq!(Baseline::parse("", KNOWN).unwrap(), Baseline::default());
    }

    #[test]
    fn written_baseline_reads_back_and_excuses_the_run() {
        let report = fixture::report();
        let text = Baseline::of_report(&report, false).to_toml();
        assert!(text.starts_with("# mcpcheck expected failures"));
        let b = Baseline::parse(&text, KNOWN).unwrap();
        assert_eq!(b.failures.len(), 2);
        assert!(!b.evaluate(&report, false).failed());
    }
}
