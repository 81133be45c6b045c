//! The console writer: what a person sees after `mcpcheck test`, on one
//! screen for a clean run: a line per revision (how it was chosen, its
//! counts), an areas × revisions matrix (or, with `--show-checks`, checks ×
//! revisions), every problem told once with the revisions it was seen on and
//! the evidence (expected, actual, spec) under it, skips counted by reason
//! (listed with `--show-skips`), and a one-line tally at the end. It returns a String
//! and prints nothing, so the caller decides where it goes and tests can
//! snapshot it. Colour is plain ANSI SGR codes, applied after padding so the
//! columns line up the same with and without it; the caller decides whether
//! the terminal wants colour.

use super::model::{Report, Status};
use super::text::{CAP_CHARS, cap, first_line, printable};
use super::views::{self, Group};
use std::fmt::Write;

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";

/// Width of the status column: the longest status word, `error`.
const STATUS_WIDTH: usize = 5;
/// Indentation of the evidence lines: under the check id.
const DETAIL_INDENT: &str = "         ";
/// Width of one revision's column in the matrices.
const CELL_WIDTH: usize = 12;
/// Skip reasons shown without `--show-skips`; the rest are counted.
const SKIP_REASONS_SHOWN: usize = 5;

/// What to show beyond the default.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// ANSI colour.
    pub color: bool,
    /// Every skipped result with its reason, not only the counts.
    pub show_skips: bool,
    /// One line per check id with a cell per revision, not only per area.
    pub show_checks: bool,
}

/// The report as human-readable text.
pub fn to_console(report: &Report, opts: Options) -> String {
    let paint = Paint(opts.color);
    let mut out = String::new();
    let _ =
        writeln!(out, "{} {} against {}\n", report.tool.name, report.tool.version, printable(&report.target));
    revisions(&mut out, report, paint);
    if opts.show_checks {
        check_matrix(&mut out, report, paint);
    } else {
        area_matrix(&mut out, report, paint);
    }
    let problems = views::groups(report, &[Status::Fail, Status::Error, Status::Warn]);
    if !problems.is_empty() {
        let _ = writeln!(out, "{}", paint.wrap(BOLD, "problems"));
        for g in &problems {
            group_lines(&mut out, g, paint, true);
        }
        out.push('\n');
    }
    let infos = views::groups(report, &[Status::Info]);
    if !infos.is_empty() {
        let _ = writeln!(out, "{}", paint.wrap(BOLD, "recorded, not graded"));
        for g in &infos {
            group_lines(&mut out, g, paint, false);
        }
        out.push('\n');
    }
    skips(&mut out, report, opts.show_skips, paint);
    tally(&mut out, report, paint);
    out
}

/// One line per revision: how it was chosen and its counts; refused ones
/// with the reason.
fn revisions(out: &mut String, report: &Report, paint: Paint) {
    let _ = writeln!(
        out,
        "{}",
        paint.wrap(
            BOLD,
            &format!(
                "{:<12}{:<12}{:>6}{:>6}{:>6}{:>6}{:>6}{:>7}",
                "revision", "how", "pass", "fail", "warn", "info", "skip", "error"
            )
        )
    );
    for r in report.revisions.iter().filter(|r| r.tested()) {
        let _ = write!(out, "{:<12}{:<12}", r.revision, r.selection.as_str());
        for (status, width) in Status::ALL.into_iter().zip([6, 6, 6, 6, 6, 7]) {
            let n = r.summary.count(status);
            let cell = format!("{n:>width$}");
            let colored = n > 0 && status != Status::Pass && status != Status::Skip;
            out.push_str(&if colored { paint.wrap(status_color(status), &cell) } else { cell });
        }
        out.push('\n');
    }
    for r in report.revisions.iter().filter(|r| !r.tested()) {
        let _ = writeln!(
            out,
            "{}",
            paint.wrap(DIM, &format!("{:<12}not tested: {}", r.revision, printable(&r.detail)))
        );
    }
    out.push('\n');
}

fn header_row(out: &mut String, first: &str, width: usize, report: &Report, paint: Paint) {
    let mut line = format!("{first:<width$}");
    for rev in report.tested_revisions() {
        let _ = write!(line, "{rev:<CELL_WIDTH$}");
    }
    let _ = writeln!(out, "{}", paint.wrap(BOLD, line.trim_end()));
}

/// Areas × revisions: each cell the worst outcome and its count.
fn area_matrix(out: &mut String, report: &Report, paint: Paint) {
    let areas = views::areas(report);
    let width = areas.iter().map(|(a, _)| a.len()).max().unwrap_or(4).max(4) + 2;
    header_row(out, "area", width, report, paint);
    for (area, cols) in &areas {
        let _ = write!(out, "{area:<width$}");
        let cells: Vec<String> = cols.iter().map(|c| views::area_cell(c)).collect();
        let mut line = String::new();
        for cell in &cells {
            let padded = format!("{cell:<CELL_WIDTH$}");
            let status =
                [Status::Fail, Status::Error, Status::Warn].into_iter().find(|s| cell.ends_with(s.as_str()));
            line.push_str(&match status {
                Some(s) => paint.wrap(status_color(s), &padded),
                None => padded,
            });
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out.push('\n');
}

/// Checks × revisions: each cell the check's outcome on that revision.
fn check_matrix(out: &mut String, report: &Report, paint: Paint) {
    let rows = views::rows(report);
    let width = rows.iter().map(|r| r.id.len()).max().unwrap_or(5).max(5) + 2;
    header_row(out, "check", width, report, paint);
    for row in &rows {
        let mut line = format!("{:<width$}", row.id);
        for cell in &row.cells {
            let text = cell.map_or("-", |c| c.status.as_str());
            let padded = format!("{text:<CELL_WIDTH$}");
            line.push_str(&match cell {
                Some(c) if c.status != Status::Pass => paint.wrap(status_color(c.status), &padded),
                _ => padded,
            });
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out.push('\n');
}

/// A finding: status, id, the revisions it was seen on, the message, and
/// (for problems) the evidence under it.
fn group_lines(out: &mut String, g: &Group, paint: Paint, evidence: bool) {
    let c = g.result;
    let word = format!("{:<STATUS_WIDTH$}", c.status.as_str());
    let _ =
        write!(out, "  {}  {} [{}]", paint.wrap(status_color(c.status), &word), c.id, g.revisions.join(", "));
    if !c.message.is_empty() {
        let _ = write!(out, ": {}", printable(&first_line(&c.message)));
    }
    out.push('\n');
    if evidence {
        evidence_lines(out, g, paint);
    }
}

fn evidence_lines(out: &mut String, g: &Group, paint: Paint) {
    let c = g.result;
    if let Some(expected) = &c.expected {
        detail(out, "expected", &printable(&cap(expected, CAP_CHARS)), paint);
    }
    if let Some(actual) = &c.actual {
        let label = if g.actuals_differ { format!("actual ({})", c.revision) } else { "actual".into() };
        detail(out, &label, &printable(&cap(actual, CAP_CHARS)), paint);
    }
    if !c.spec_ref.is_empty() {
        detail(out, "spec", &c.spec_ref, paint);
    }
}

/// Skips counted by reason (or, with `--show-skips`, listed).
fn skips(out: &mut String, report: &Report, show_all: bool, paint: Paint) {
    if show_all {
        let listed = views::groups(report, &[Status::Skip]);
        if listed.is_empty() {
            return;
        }
        let _ = writeln!(out, "{}", paint.wrap(BOLD, "skipped"));
        for g in &listed {
            group_lines(out, g, paint, false);
        }
        out.push('\n');
        return;
    }
    let reasons = views::skip_reasons(report);
    if reasons.is_empty() {
        return;
    }
    let total: usize = reasons.iter().map(|(_, n)| n).sum();
    let _ = writeln!(
        out,
        "{}",
        paint.wrap(DIM, &format!("skipped {total}, by reason (--show-skips lists them):"))
    );
    for (reason, n) in reasons.iter().take(SKIP_REASONS_SHOWN) {
        let _ = writeln!(out, "{}", paint.wrap(DIM, &format!("  {n:>3}  {}", printable(&cap(reason, 100)))));
    }
    if reasons.len() > SKIP_REASONS_SHOWN {
        let rest: usize = reasons.iter().skip(SKIP_REASONS_SHOWN).map(|(_, n)| n).sum();
        let _ = writeln!(
            out,
            "{}",
            paint
                .wrap(DIM, &format!("  {rest:>3}  for {} other reasons", reasons.len() - SKIP_REASONS_SHOWN))
        );
    }
    out.push('\n');
}

/// `label: value` under the check, continuation lines aligned with the value.
fn detail(out: &mut String, label: &str, value: &str, paint: Paint) {
    const LABEL_WIDTH: usize = "expected: ".len();
    let label = format!("{:<LABEL_WIDTH$}", format!("{label}: "));
    // A longer label (`actual (2025-11-25):`) pushes its first line over.
    let width = label.len();
    let mut lines = value.lines();
    let first = lines.next().unwrap_or("");
    let _ = writeln!(out, "{DETAIL_INDENT}{}{first}", paint.wrap(DIM, &label));
    for line in lines {
        let _ = writeln!(out, "{DETAIL_INDENT}{:width$}{line}", "");
    }
}

/// `7 results on 2 revisions: 1 pass, 1 fail, ... (5071 ms)`; non-zero
/// counts of anything but pass are coloured so a red number is hard to miss.
fn tally(out: &mut String, report: &Report, paint: Paint) {
    let n = report.checks.len();
    let revs = report.tested_revisions().len();
    let _ = write!(
        out,
        "{n} result{} on {revs} revision{}: ",
        if n == 1 { "" } else { "s" },
        if revs == 1 { "" } else { "s" }
    );
    for (i, status) in Status::ALL.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let count = report.summary.count(status);
        let part = format!("{count} {status}");
        if count > 0 {
            out.push_str(&paint.wrap(status_color(status), &part));
        } else {
            out.push_str(&part);
        }
    }
    let _ = writeln!(out, " ({} ms)", report.duration_ms);
}

fn status_color(status: Status) -> &'static str {
    match status {
        Status::Pass => "\x1b[32m",
        Status::Fail => "\x1b[1;31m",
        Status::Warn => "\x1b[33m",
        Status::Info => "\x1b[36m",
        Status::Skip => DIM,
        Status::Error => "\x1b[1;35m",
    }
}

#[derive(Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn wrap(self, code: &str, text: &str) -> String {
        if self.0 { format!("{code}{text}{RESET}") } else { text.to_string() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    /// Drops `ESC [ ... m` sequences, the only ones this writer emits.
    fn strip_sgr(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn console_snapshot() {
        insta::assert_snapshot!(to_console(&fixture::report(), Options::default()));
    }

    #[test]
    fn show_checks_and_show_skips_add_their_lists() {
        let report = fixture::report();
        let plain = to_console(&report, Options::default());
        assert!(!plain.contains("  skip   transport/http/sse-resumption"));
        let more = to_console(&report, Options { show_checks: true, show_skips: true, ..Options::default() });
        // A line per check with a cell per revision.
        assert!(more.contains("tools/list/pagination                     error       pass"), "{more}");
        assert!(more.contains("lifecycle/initialize/result-shape         pass        -"), "{more}");
        // Each skip with its reason.
        assert!(
            more.contains("skip   transport/http/sse-resumption [2025-11-25]: target never answered"),
            "{more}"
        );
    }

    #[test]
    fn console_plain_has_no_escapes() {
        assert!(!to_console(&fixture::report(), Options::default()).contains('\x1b'));
    }

    #[test]
    fn console_color_is_plain_text_plus_sgr_codes() {
        let report = fixture::report();
        let colored = to_console(&report, Options { color: true, ..Options::default() });
        assert!(colored.contains("\x1b[1;31mfail \x1b[0m"));
        assert_eq!(strip_sgr(&colored), to_console(&report, Options::default()));
    }

    #[test]
    fn console_escapes_control_characters_from_the_server() {
        let mut report = fixture::report();
        report.checks[1].actual = Some("\x1b[2J\rpass".into());
        let out = to_console(&report, Options::default());
        assert!(!out.contains('\x1b'));
        assert!(out.contains("\\u{1b}[2J\\u{d}pass"));
    }

    #[test]
    fn console_ends_with_the_tally() {
        let out = to_console(&fixture::report(), Options::default());
        assert!(out.ends_with(
            "7 results on 2 revisions: 2 pass, 1 fail, 1 warn, 1 info, 1 skip, 1 error (5071 ms)\n"
        ));
    }
}
