//! The Markdown writer, for pull-request comments, CI job summaries
//! (`$GITHUB_STEP_SUMMARY`) and issues filed against a server: a header,
//! the counts per revision, the checks × revisions matrix grouped by area,
//! then the evidence for each fail, warn and error (told once for all the
//! revisions it was seen on; the exchanges are those of the first). Statuses are a plain word with an ASCII marker,
//! never an emoji, so the report reads the same in any renderer and in a
//! screen reader. Server output is capped (the JSON report has it whole) and
//! placed in fenced blocks or escaped so it cannot break the layout.

use super::model::{CheckResult, Exchange, Report, Status};
use super::text::{CAP_CHARS, cap, exchange_line, marker};
use super::views;
use std::fmt::Write;

/// The report as GitHub-flavoured Markdown.
pub fn to_markdown(report: &Report) -> String {
    let mut out = String::new();
    header(&mut out, report);
    summary(&mut out, report);
    checks(&mut out, report);
    problems(&mut out, report);
    out
}

fn header(out: &mut String, report: &Report) {
    let _ = writeln!(out, "# {} report for {}\n", report.tool.name, code_span(&report.target));
    let _ = writeln!(out, "- Revisions: {}", report.tested_revisions().join(", "));
    let _ = writeln!(out, "- Date: {}", report.started_at);
    let _ = writeln!(out, "- Tool: {} {}", report.tool.name, report.tool.version);
    let _ = writeln!(out, "- Duration: {} ms\n", report.duration_ms);
}

/// A row of counts per revision (how it was chosen, too), then the total.
fn summary(out: &mut String, report: &Report) {
    out.push_str("## Summary\n\n| Revision | How | Results |");
    for status in Status::ALL {
        let _ = write!(out, " {} |", status_word(status));
    }
    out.push_str("\n|---|---|---:|");
    for _ in Status::ALL {
        out.push_str("---:|");
    }
    out.push('\n');
    let counts = |out: &mut String, summary: &super::model::Summary| {
        let _ = write!(out, " {} |", summary.total());
        for status in Status::ALL {
            let _ = write!(out, " {} |", summary.count(status));
        }
        out.push('\n');
    };
    for r in &report.revisions {
        let _ = write!(out, "| {} | {} |", cell(&r.revision), r.selection);
        if r.tested() {
            counts(out, &r.summary);
        } else {
            let _ = writeln!(out, " not tested: {} |{}", cell(&r.detail), " |".repeat(Status::ALL.len()));
        }
    }
    out.push_str("| **all** | |");
    counts(out, &report.summary);
    out.push('\n');
}

/// Checks × revisions, grouped by area: a cell per revision a check applies to.
fn checks(out: &mut String, report: &Report) {
    out.push_str("## Checks\n\n");
    let columns = report.tested_revisions();
    let rows = views::rows(report);
    let mut area = "";
    for row in &rows {
        if row.area != area {
            if !area.is_empty() {
                out.push('\n');
            }
            area = row.area;
            let _ = writeln!(out, "### {}\n", cell(area));
            out.push_str("| Check | Level |");
            for rev in &columns {
                let _ = write!(out, " {rev} |");
            }
            out.push_str("\n|---|---|");
            for _ in &columns {
                out.push_str("---|");
            }
            out.push('\n');
        }
        let _ = write!(out, "| {} | {} |", cell(&code_span(row.id)), row.first.level);
        for c in &row.cells {
            match c {
                Some(c) => {
                    let _ = write!(out, " {} |", status_cell(c.status));
                }
                None => out.push_str(" &ndash; |"),
            }
        }
        out.push('\n');
    }
    out.push('\n');
}

/// Each problem once, with the revisions it was seen on.
fn problems(out: &mut String, report: &Report) {
    out.push_str("## Failures and warnings\n\n");
    let problems = views::groups(report, &[Status::Fail, Status::Error, Status::Warn]);
    if problems.is_empty() {
        out.push_str("None.\n");
        return;
    }
    for g in problems {
        problem(out, g.result, &g.revisions);
    }
}

fn problem(out: &mut String, c: &CheckResult, revisions: &[&str]) {
    let _ = writeln!(
        out,
        "### {} {}: {} on {}\n",
        marker(c.status),
        c.status,
        code_span(&c.id),
        revisions.join(", ")
    );
    let _ = writeln!(out, "{}\n", c.title);
    if !c.message.is_empty() {
        let _ = writeln!(out, "{}\n", c.message.trim_end());
    }
    let _ = writeln!(out, "- Level: {}", c.level);
    if !c.spec_ref.is_empty() {
        let _ = writeln!(out, "- Spec: {}", c.spec_ref);
    }
    out.push('\n');
    if !c.requirement.is_empty() {
        for line in c.requirement.lines() {
            let _ = writeln!(out, "> {line}");
        }
        out.push('\n');
    }
    if let Some(expected) = &c.expected {
        out.push_str("Expected:\n\n");
        fenced(out, "text", &cap(expected, CAP_CHARS));
    }
    if let Some(actual) = &c.actual {
        out.push_str("Actual:\n\n");
        fenced(out, "text", &cap(actual, CAP_CHARS));
    }
    if !c.exchanges.is_empty() {
        out.push_str("Exchanges:\n\n");
        for ex in &c.exchanges {
            exchange(out, ex);
        }
    }
}

/// One exchange, folded: the summary line visible, headers and bodies inside.
fn exchange(out: &mut String, ex: &Exchange) {
    let _ = writeln!(
        out,
        "<details><summary>{} {}</summary>\n",
        html_escape(&ex.transport),
        html_escape(&exchange_line(ex))
    );
    let mut request = ex.request.method.clone();
    if !ex.request.url.is_empty() {
        request.push(' ');
        request.push_str(&ex.request.url);
    }
    request.push('\n');
    push_headers_and_body(&mut request, &ex.request.headers, &ex.request.body);
    fenced(out, "http", &request);
    if let Some(resp) = &ex.response {
        let mut response = match resp.status {
            Some(code) => format!("{code}\n"),
            None => "response\n".to_string(),
        };
        push_headers_and_body(&mut response, &resp.headers, &resp.body);
        if resp.truncated {
            response.push_str("\n[body truncated at the size cap]");
        }
        fenced(out, "http", &response);
    }
    if let Some(err) = &ex.error {
        let _ = writeln!(out, "Error: {}\n", html_escape(err));
    }
    out.push_str("</details>\n\n");
}

fn push_headers_and_body(out: &mut String, headers: &std::collections::BTreeMap<String, String>, body: &str) {
    for (name, value) in headers {
        let _ = writeln!(out, "{name}: {value}");
    }
    if !body.is_empty() {
        out.push('\n');
        out.push_str(&cap(body, CAP_CHARS));
    }
}

fn status_word(status: Status) -> &'static str {
    match status {
        Status::Pass => "Pass",
        Status::Fail => "Fail",
        Status::Warn => "Warn",
        Status::Info => "Info",
        Status::Skip => "Skip",
        Status::Error => "Error",
    }
}

/// Marker and word; fail and error in bold so they stand out in a long table.
fn status_cell(status: Status) -> String {
    match status {
        Status::Fail | Status::Error => format!("{} **{status}**", marker(status)),
        _ => format!("{} {status}", marker(status)),
    }
}

/// Text made safe for a table cell: `|` escaped (GFM honours `\|` inside code
/// spans too), line breaks turned into `<br>`.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace("\r\n", "<br>").replace(['\n', '\r'], "<br>")
}

/// `s` as an inline code span, with a delimiter longer than any backtick run
/// inside it.
fn code_span(s: &str) -> String {
    let ticks = "`".repeat(longest_backtick_run(s) + 1);
    if s.starts_with('`') || s.ends_with('`') {
        format!("{ticks} {s} {ticks}")
    } else {
        format!("{ticks}{s}{ticks}")
    }
}

/// A fenced code block whose fence is longer than any backtick run in `body`.
fn fenced(out: &mut String, lang: &str, body: &str) {
    let fence = "`".repeat((longest_backtick_run(body) + 1).max(3));
    let _ = writeln!(out, "{fence}{lang}\n{}\n{fence}\n", body.trim_end_matches('\n'));
}

fn longest_backtick_run(s: &str) -> usize {
    s.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn markdown_snapshot() {
        insta::assert_snapshot!(to_markdown(&fixture::report()));
    }

    #[test]
    fn cells_escape_pipes_and_newlines() {
        assert_eq!(cell("a|b\nc\r\nd"), "a\\|b<br>c<br>d");
    }

    #[test]
    fn code_spans_and_fences_outrun_backticks_inside() {
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`a"), "`` `a ``");
        let mut out = String::new();
        fenced(&mut out, "text", "x ```` y");
        assert!(out.starts_with("`````text\n"));
    }

    #[test]
    fn long_actual_values_are_capped() {
        let md = to_markdown(&fixture::report());
        assert!(md.contains("… ["));
        assert!(!md.contains("tool-39"));
    }

    #[test]
    fn no_problems_says_so() {
        let mut report = fixture::report();
        report.checks.retain(|c| matches!(c.status, Status::Pass | Status::Info));
        assert!(to_markdown(&report).ends_with("## Failures and warnings\n\nNone.\n"));
    }
}
