//! What every human-facing writer shows of a multi-revision report, computed
//! once so console, Markdown, JUnit and HTML agree: the check × revision
//! matrix, the problems grouped across revisions (the same failure on three
//! revisions is told once, with the three named), the skips counted by
//! reason, and the per-area cells of the compact console matrix.

use super::model::{CheckResult, Report, Status};

/// One check id across the tested revisions.
pub struct Row<'a> {
    pub id: &'a str,
    pub area: &'a str,
    pub first: &'a CheckResult,
    /// One cell per column of [`Report::tested_revisions`]; `None` where the
    /// check does not apply to (was not run on) that revision.
    pub cells: Vec<Option<&'a CheckResult>>,
}

/// Every check id with its cells, in order of first appearance.
pub fn rows(report: &Report) -> Vec<Row<'_>> {
    let columns = report.tested_revisions();
    report
        .check_ids()
        .into_iter()
        .filter_map(|id| {
            let cells: Vec<Option<&CheckResult>> = columns.iter().map(|rev| report.result(id, rev)).collect();
            let first = cells.iter().flatten().next().copied()?;
            Some(Row { id, area: first.area(), first, cells })
        })
        .collect()
}

/// One problem (fail, warn, error) or informational result, told once for
/// every revision it was seen on with the same message and expectation.
pub struct Group<'a> {
    /// The newest revision's result: its actual, spec reference and
    /// exchanges stand for the group (the others' are in the JSON report).
    pub result: &'a CheckResult,
    pub revisions: Vec<&'a str>,
    /// Whether the revisions' `actual` differ (then only the newest is shown).
    pub actuals_differ: bool,
}

/// The same finding: the actual may differ (it often names the revision).
fn same_finding(a: &CheckResult, b: &CheckResult) -> bool {
    a.id == b.id && a.status == b.status && a.message == b.message && a.expected == b.expected
}

/// The results whose status is one of `statuses`, grouped across revisions,
/// in report order of their first appearance.
pub fn groups<'a>(report: &'a Report, statuses: &[Status]) -> Vec<Group<'a>> {
    let mut out: Vec<Group<'a>> = Vec::new();
    for c in report.checks.iter().filter(|c| statuses.contains(&c.status)) {
        match out.iter_mut().find(|g| same_finding(g.result, c)) {
            Some(g) => {
                g.actuals_differ |= g.result.actual != c.actual;
                g.revisions.push(&c.revision);
                g.result = c;
            }
            None => out.push(Group { result: c, revisions: vec![&c.revision], actuals_differ: false }),
        }
    }
    // By check id in catalogue order, so one check's groups stand together.
    let order = report.check_ids();
    out.sort_by_key(|g| order.iter().position(|id| *id == g.result.id));
    out
}

/// How many results were skipped for each reason, most first.
pub fn skip_reasons(report: &Report) -> Vec<(&str, usize)> {
    let mut out: Vec<(&str, usize)> = Vec::new();
    for c in report.checks.iter().filter(|c| c.status == Status::Skip) {
        let reason = c.message.lines().next().unwrap_or("");
        match out.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, n)) => *n += 1,
            None => out.push((reason, 1)),
        }
    }
    out.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    out
}

/// The results of one area on one revision, as one short cell: the worst
/// outcome and its count, or `ok N` when all N graded ones passed.
pub fn area_cell(results: &[&CheckResult]) -> String {
    if results.is_empty() {
        return "-".into();
    }
    for status in [Status::Fail, Status::Error, Status::Warn] {
        let n = results.iter().filter(|c| c.status == status).count();
        if n > 0 {
            return format!("{n} {status}");
        }
    }
    let ran = results.iter().filter(|c| c.status != Status::Skip).count();
    if ran == 0 { "skip".into() } else { format!("ok {ran}") }
}

/// The areas in order of first appearance, each with its results per column.
pub fn areas(report: &Report) -> Vec<(&str, Vec<Vec<&CheckResult>>)> {
    let columns = report.tested_revisions();
    report
        .by_area()
        .into_iter()
        .map(|(area, checks)| {
            let cells = columns
                .iter()
                .map(|rev| checks.iter().copied().filter(|c| c.revision == *rev).collect())
                .collect();
            (area, cells)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn rows_have_a_cell_per_tested_revision() {
        let report = fixture::report();
        let rows = rows(&report);
        let pagination = rows.iter().find(|r| r.id == "tools/list/pagination").unwrap();
        let statuses: Vec<Option<Status>> = pagination.cells.iter().map(|c| c.map(|c| c.status)).collect();
        assert_eq!(statuses, [Some(Status::Error), Some(Status::Pass)]);
        let shape = rows.iter().find(|r| r.id == "lifecycle/initialize/result-shape").unwrap();
        assert!(shape.cells[1].is_none(), "a handshake check has no 2026-07-28 cell");
    }

    #[test]
    fn the_same_finding_on_several_revisions_is_one_group() {
        let mut report = fixture::report();
        let mut again = report.checks[1].clone();
        again.revision = "2026-07-28".into();
        report.checks.push(again);
        let groups = groups(&report, &[Status::Fail]);
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].revisions, ["2025-11-25", "2026-07-28"]);
    }

    #[test]
    fn area_cells_name_the_worst_outcome() {
        let report = fixture::report();
        let areas = areas(&report);
        let cells: Vec<String> = areas.iter().map(|(_, cols)| area_cell(&cols[0])).collect();
        assert_eq!(cells, ["1 fail", "1 warn", "1 error"]);
        assert_eq!(area_cell(&areas[2].1[1]), "ok 1");
        assert_eq!(area_cell(&areas[0].1[1]), "-");
    }
}
