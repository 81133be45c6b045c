//! `mcpcheck report diff OLD.json NEW.json`: the checks whose outcome changed
//! between two runs, as Markdown for a pull-request comment. Results are
//! matched by check id and revision (ids are stable; list positions are
//! not); a schema 1 report's results carry its one revision. A change is a
//! *regression* when the check now fails the gate and did not before, *fixed*
//! in the other direction, and plain *changed* otherwise (pass to skip, a
//! check added or removed).

use super::model::{CheckResult, Report, Status};
use super::text::marker;
use std::fmt::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Regression,
    Fixed,
    Changed,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Regression => "regression",
            Kind::Fixed => "fixed",
            Kind::Changed => "changed",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub id: String,
    pub revision: String,
    pub level: String,
    pub old: Option<Status>,
    pub new: Option<Status>,
    pub kind: Kind,
    /// The new run's message (the old one's for a removed check).
    pub message: String,
}

fn gating(status: Option<Status>) -> bool {
    matches!(status, Some(Status::Fail | Status::Error))
}

/// Every check whose status differs, in the new report's order, then the
/// checks only the old report has.
pub fn changes(old: &Report, new: &Report) -> Vec<Change> {
    let find = |r: &Report, (id, rev): (&str, &str)| -> Option<CheckResult> { r.result(id, rev).cloned() };
    fn key(c: &CheckResult) -> (&str, &str) {
        (c.id.as_str(), c.revision.as_str())
    }
    let mut out = Vec::new();
    let mut keys: Vec<(&str, &str)> = new.checks.iter().map(key).collect();
    keys.extend(old.checks.iter().map(key).filter(|k| new.result(k.0, k.1).is_none()));
    for k in keys {
        let (o, n) = (find(old, k), find(new, k));
        let (os, ns) = (o.as_ref().map(|c| c.status), n.as_ref().map(|c| c.status));
        if os == ns {
            continue;
        }
        let kind = match (gating(os), gating(ns)) {
            (false, true) => Kind::Regression,
            (true, false) => Kind::Fixed,
            _ => Kind::Changed,
        };
        let Some(shown) = n.as_ref().or(o.as_ref()) else { continue };
        out.push(Change {
            id: k.0.to_string(),
            revision: k.1.to_string(),
            level: shown.level.to_string(),
            old: os,
            new: ns,
            kind,
            message: shown.message.clone(),
        });
    }
    out
}

fn status_cell(s: Option<Status>) -> String {
    match s {
        Some(s) => format!("{} {s}", marker(s)),
        None => "(absent)".into(),
    }
}

/// Markdown-safe table cell text: one line, pipes and backticks neutralised,
/// HTML-significant characters escaped (GitHub renders inline HTML).
fn cell(s: &str) -> String {
    let line = super::text::first_line(s);
    let capped = super::text::cap(&line, 200);
    capped
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace('`', "'")
}

/// The diff as Markdown.
pub fn to_markdown(old: &Report, new: &Report) -> String {
    let changes = changes(old, new);
    let mut out = String::new();
    let count = |k: Kind| changes.iter().filter(|c| c.kind == k).count();
    let _ = writeln!(out, "## mcpcheck: {} check(s) changed outcome\n", changes.len());
    let _ = writeln!(
        out,
        "- Old: `{}` on {} ({})\n- New: `{}` on {} ({})\n- {} regression(s), {} fixed, {} other change(s)\n",
        cell(&old.target),
        old.tested_revisions().join(", "),
        old.started_at,
        cell(&new.target),
        new.tested_revisions().join(", "),
        new.started_at,
        count(Kind::Regression),
        count(Kind::Fixed),
        count(Kind::Changed),
    );
    if changes.is_empty() {
        out.push_str("No check changed outcome.\n");
        return out;
    }
    out.push_str(
        "| Change | Check | Revision | Level | Old | New | Message |\n|---|---|---|---|---|---|---|\n",
    );
    for c in &changes {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {} | {} | {} |",
            c.kind.as_str(),
            cell(&c.id),
            cell(&c.revision),
            c.level,
            status_cell(c.old),
            status_cell(c.new),
            cell(&c.message)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn identical_reports_have_no_changes() {
        let r = fixture::report();
        assert!(changes(&r, &r).is_empty());
        assert!(to_markdown(&r, &r).contains("No check changed outcome."));
    }

    #[test]
    fn regressions_fixes_and_other_changes_are_told_apart() {
        let old = fixture::report();
        let mut new = old.clone();
        new.checks[0].status = Status::Fail; // pass -> fail
        new.checks[1].status = Status::Pass; // fail -> pass
        new.checks[3].status = Status::Pass; // skip -> pass
        new.checks.remove(5); // info check removed
        let c = changes(&old, &new);
        let kinds: Vec<(&str, Kind)> = c.iter().map(|c| (c.id.as_str(), c.kind)).collect();
        assert_eq!(
            kinds,
            [
                ("lifecycle/initialize/result-shape", Kind::Regression),
                ("lifecycle/initialize/version-negotiation", Kind::Fixed),
                ("transport/http/sse-resumption", Kind::Changed),
                ("tools/list/count", Kind::Changed),
            ]
        );
        assert_eq!(c[3].new, None);
        insta::assert_snapshot!(to_markdown(&old, &new));
    }
}
