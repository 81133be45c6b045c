//! The run's verdict, over every revision it tested: does it pass the gate
//! a CI job sets? Without expected failures, no check may fail or error on
//! any revision (nor warn, under `--strict`); with them, the baseline decides
//! (`crate::report::baseline`) and says what it excused.

use crate::report::baseline::{Baseline, Outcome};
use crate::report::model::Report;
use std::fmt::Write as _;

/// What the gate decided, and the lines that explain a baseline's verdict.
#[derive(Debug)]
pub struct Gate {
    pub failed: bool,
    /// With a baseline: what it excused, what is stale, what is new.
    pub explanation: Option<String>,
    /// Whether the explanation should be shown even to a quiet run.
    pub explain_always: bool,
}

/// Judges a report: [`Report::failed`], or the baseline's outcome.
pub fn judge(report: &Report, strict: bool, baseline: Option<&Baseline>) -> Gate {
    let Some(baseline) = baseline else {
        return Gate { failed: report.failed(strict), explanation: None, explain_always: false };
    };
    let outcome = baseline.evaluate(report, strict);
    Gate { failed: outcome.failed(), explanation: Some(explain(&outcome)), explain_always: outcome.failed() }
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
