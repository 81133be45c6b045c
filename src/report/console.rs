//! The console writer: what a person sees after `mcpcheck run`. One line per
//! check grouped by area, the evidence (expected, actual, spec) under each
//! fail, warn and error, and a one-line tally at the end. It returns a String
//! and prints nothing, so the caller decides where it goes and tests can
//! snapshot it. Colour is plain ANSI SGR codes, applied after padding so the
//! columns line up the same with and without it; the caller decides whether
//! the terminal wants colour.

use super::model::{CheckResult, Report, Status};
use super::text::{CAP_CHARS, cap, first_line, printable};
use std::fmt::Write;

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";

/// Width of the status column: the longest status word, `error`.
const STATUS_WIDTH: usize = 5;
/// Indentation of the evidence lines: under the check id.
const DETAIL_INDENT: &str = "         ";

/// The report as human-readable text, with ANSI colour when `color` is true.
pub fn to_console(report: &Report, color: bool) -> String {
    let paint = Paint(color);
    let mut out = String::new();
    let revision = match &report.spec_selection {
        Some(sel) => format!("{}, {sel}", report.spec_version),
        None => report.spec_version.clone(),
    };
    let _ = writeln!(
        out,
        "{} {} against {} (spec {revision})\n",
        report.tool.name,
        report.tool.version,
        printable(&report.target)
    );
    for (area, checks) in report.by_area() {
        let _ = writeln!(out, "{}", paint.wrap(BOLD, area));
        for c in checks {
            check_line(&mut out, c, paint);
        }
        out.push('\n');
    }
    tally(&mut out, report, paint);
    out
}

fn check_line(out: &mut String, c: &CheckResult, paint: Paint) {
    let word = format!("{:<STATUS_WIDTH$}", c.status.as_str());
    let _ = write!(out, "  {}  {}", paint.wrap(status_color(c.status), &word), c.id);
    if c.status != Status::Pass && !c.message.is_empty() {
        let _ = write!(out, ": {}", printable(&first_line(&c.message)));
    }
    out.push('\n');
    if matches!(c.status, Status::Fail | Status::Warn | Status::Error) {
        if let Some(expected) = &c.expected {
            detail(out, "expected", &printable(&cap(expected, CAP_CHARS)), paint);
        }
        if let Some(actual) = &c.actual {
            detail(out, "actual", &printable(&cap(actual, CAP_CHARS)), paint);
        }
        if !c.spec_ref.is_empty() {
            detail(out, "spec", &c.spec_ref, paint);
        }
    }
}

/// `label: value` under the check, continuation lines aligned with the value.
fn detail(out: &mut String, label: &str, value: &str, paint: Paint) {
    const LABEL_WIDTH: usize = "expected: ".len();
    let label = format!("{:<LABEL_WIDTH$}", format!("{label}:"));
    let mut lines = value.lines();
    let first = lines.next().unwrap_or("");
    let _ = writeln!(out, "{DETAIL_INDENT}{}{first}", paint.wrap(DIM, &label));
    for line in lines {
        let _ = writeln!(out, "{DETAIL_INDENT}{:LABEL_WIDTH$}{line}", "");
    }
}

/// `6 checks: 1 pass, 1 fail, ... (2025-11-25, 5071 ms)`; non-zero counts of
/// anything but pass are coloured so a red number is hard to miss.
fn tally(out: &mut String, report: &Report, paint: Paint) {
    let n = report.checks.len();
    let _ = write!(out, "{n} check{}: ", if n == 1 { "" } else { "s" });
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
    let _ = writeln!(out, " ({}, {} ms)", report.spec_version, report.duration_ms);
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
        insta::assert_snapshot!(to_console(&fixture::report(), false));
    }

    #[test]
    fn console_plain_has_no_escapes() {
        assert!(!to_console(&fixture::report(), false).contains('\x1b'));
    }

    #[test]
    fn console_color_is_plain_text_plus_sgr_codes() {
        let report = fixture::report();
        let colored = to_console(&report, true);
        assert!(colored.contains("\x1b[1;31mfail \x1b[0m"));
        assert_eq!(strip_sgr(&colored), to_console(&report, false));
    }

    #[test]
    fn console_escapes_control_characters_from_the_server() {
        let mut report = fixture::report();
        report.checks[1].actual = Some("\x1b[2J\rpass".into());
        let out = to_console(&report, false);
        assert!(!out.contains('\x1b'));
        assert!(out.contains("\\u{1b}[2J\\u{d}pass"));
    }

    #[test]
    fn console_ends_with_the_tally() {
        let out = to_console(&fixture::report(), false);
        assert!(
            out.ends_with(
                "6 checks: 1 pass, 1 fail, 1 warn, 1 info, 1 skip, 1 error (2025-11-25, 5071 ms)\n"
            )
        );
    }
}
