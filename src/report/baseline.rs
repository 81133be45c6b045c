//! Expected-failures baselines (`mcpcheck test --expected-failures FILE`), so a
//! CI pipeline can adopt mcpcheck on a server that does not yet pass everything
//! and still catch regressions:
//!
//! - a listed check may fail (or error) without failing the run: on the one
//!   revision the entry names, or on every revision when it names none;
//! - a listed check that now passes fails the run as *stale*, so the file can
//!   only shrink as the server improves, never silently grow out of date. An
//!   entry with a revision is stale when the check passes on that revision;
//!   one without, when the check passes somewhere and fails nowhere;
//! - an entry naming no known check or revision is a usage error (exit 2): a
//!   typo must not quietly excuse nothing;
//! - any failure not listed fails the run as usual.
//!
//! The file is TOML (the format the project's scenarios use), one table per
//! entry with an optional revision and reason:
//!
//! ```toml
//! [[failure]]
//! id = "http/session/unknown-is-404"
//! revision = "2025-06-18"
//! reason = "upstream bug #123"
//! ```

use super::model::{Report, Status};
use serde::{Deserialize, Serialize};
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
    /// The one revision the failure is expected on; none: every revision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

impl Entry {
    fn covers(&self, id: &str, revision: &str) -> bool {
        self.id == id && self.revision.as_deref().is_none_or(|r| r == revision)
    }
    /// `id` or `id on REVISION`, as the gate's explanation names it.
    fn label(&self) -> String {
        match &self.revision {
            Some(r) => format!("{} on {r}", self.id),
            None => self.id.clone(),
        }
    }
}

/// How a run measures up against a baseline.
#[derive(Debug, Default, PartialEq)]
pub struct Outcome {
    /// Listed and failing: excused (`id on REVISION`).
    pub expected: Vec<String>,
    /// Listed but passing now: the entry must go (as the entry names it).
    pub stale: Vec<String>,
    /// Failing and not listed (`id on REVISION`).
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
        let mut seen: Vec<(&str, Option<&str>)> = Vec::new();
        for entry in &baseline.failures {
            if !known.contains(&entry.id.as_str()) {
                return Err(format!("{:?} names no known check (see `mcpcheck list`)", entry.id));
            }
            if let Some(r) = &entry.revision {
                r.parse::<crate::spec::SpecVersion>().map_err(|e| format!("{:?}: {e}", entry.id))?;
            }
            let key = (entry.id.as_str(), entry.revision.as_deref());
            if seen.contains(&key) {
                return Err(format!("{} is listed twice", entry.label()));
            }
            seen.push(key);
        }
        Ok(baseline)
    }

    /// Measures a report against this baseline, result by result (a check on
    /// one revision). A listed check that was skipped or is informational is
    /// neither excused nor stale: the run did not test it.
    pub fn evaluate(&self, report: &Report, strict: bool) -> Outcome {
        let mut out = Outcome::default();
        for check in &report.checks {
            if !failing(check.status, strict) {
                continue;
            }
            let label = format!("{} on {}", check.id, check.revision);
            let listed = self.failures.iter().any(|e| e.covers(&check.id, &check.revision));
            if listed { &mut out.expected } else { &mut out.unexpected }.push(label);
        }
        for entry in &self.failures {
            let covered: Vec<_> = report.checks.iter().filter(|c| entry.covers(&c.id, &c.revision)).collect();
            let passes = covered.iter().any(|c| c.status == Status::Pass);
            let fails = covered.iter().any(|c| failing(c.status, strict));
            if passes && !fails {
                out.stale.push(entry.label());
            }
        }
        out
    }

    /// The checks that fail the gate in this report, as a baseline: one
    /// entry per check and revision it failed on.
    pub fn of_report(report: &Report, strict: bool) -> Baseline {
        let failures = report
            .checks
            .iter()
            .filter(|c| failing(c.status, strict))
            .map(|c| Entry {
                id: c.id.clone(),
                revision: (!c.revision.is_empty()).then(|| c.revision.clone()),
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
        assert_eq!(out.expected, ["lifecycle/initialize/version-negotiation on 2025-11-25"]);
        assert_eq!(out.unexpected, ["tools/list/pagination on 2025-11-25"]);
        assert!(out.failed());

        let b = Baseline::parse(
            "[[failure]]\nid = \"lifecycle/initialize/version-negotiation\"\nreason = \"known\"\n\
             [[failure]]\nid = \"tools/list/pagination\"\n",
            KNOWN,
        )
        .unwrap();
        assert!(!b.evaluate(&report, false).failed());
        // Under --strict the warn is a failure nobody listed.
        assert_eq!(
            b.evaluate(&report, true).unexpected,
            ["transport/http/content-type-charset on 2025-11-25"]
        );
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
        assert!(crate::runner::gate::explain(&out).contains("stale: lifecycle/initialize/result-shape"));
    }

    #[test]
    fn an_entry_with_a_revision_excuses_only_that_revision_and_goes_stale_there() {
        let mut report = fixture::report();
        // tools/list/pagination errors on 2025-11-25 and passes on 2026-07-28.
        let on = |rev: &str| format!("[[failure]]\nid = \"tools/list/pagination\"\nrevision = \"{rev}\"\n");
        let known_failure = "[[failure]]\nid = \"lifecycle/initialize/version-negotiation\"\n";
        let b = Baseline::parse(&(on("2025-11-25") + known_failure), KNOWN).unwrap();
        assert!(!b.evaluate(&report, false).failed());
        // Listed for the revision where it passes: stale there, and the real
        // failure is not excused.
        let b = Baseline::parse(&(on("2026-07-28") + known_failure), KNOWN).unwrap();
        let out = b.evaluate(&report, false);
        assert_eq!(out.stale, ["tools/list/pagination on 2026-07-28"]);
        assert_eq!(out.unexpected, ["tools/list/pagination on 2025-11-25"]);
        // Without a revision, it fails somewhere, so it is not stale; once it
        // passes everywhere, it is.
        let b =
            Baseline::parse(&format!("[[failure]]\nid = \"tools/list/pagination\"\n{known_failure}"), KNOWN)
                .unwrap();
        assert!(!b.evaluate(&report, false).failed());
        report.checks[4].status = Status::Pass;
        assert_eq!(b.evaluate(&report, false).stale, ["tools/list/pagination"]);
        // An unknown revision and a duplicate pair are refused.
        assert!(Baseline::parse(&on("2024-11-05"), KNOWN).unwrap_err().contains("unknown protocol revision"));
        assert!(Baseline::parse(&on("2025-11-25").repeat(2), KNOWN).unwrap_err().contains("twice"));
        Baseline::parse(&(on("2025-11-25") + &on("2026-07-28")), KNOWN).unwrap();
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
