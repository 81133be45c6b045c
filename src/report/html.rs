//! The HTML writer: a self-contained compliance report in one file
//! (`DIR/index.html`, with the JSON report beside it), in the spirit of the
//! Autobahn WebSocket testsuite's reports. A summary (target, revisions and
//! how each was chosen, with the probes behind it, date, version, counts,
//! MUST and SHOULD compliance), the checks × revisions matrix grouped by area
//! (one row per check id, one column per revision, each cell a link to its
//! evidence), and per result the quoted requirement, expected vs actual and
//! the full wire log. Filter by outcome and search by id run in a little inline script, so
//! the page works from `file://` with no server and no network.
//!
//! Everything a server sent is untrusted: the page is rendered by minijinja
//! with HTML auto-escaping on every value (the templates end in `.html`), the
//! only unescaped insertions are the stylesheet and script compiled into the
//! binary, and a Content-Security-Policy allows no network at all and only the
//! one inline script whose hash it names. The report is passed through
//! [`super::redact`] again before rendering.

use super::model::{CheckResult, Exchange, Report, Status};
use super::{redact, text, views};
use crate::spec::Level;
use base64::Engine;
use minijinja::value::Serde;
use minijinja::{Environment, context};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::Path;

const STYLE: &str = include_str!("templates/report.css");
const SCRIPT: &str = include_str!("templates/report.js");

/// Characters of one body shown in the HTML report (after pretty-printing);
/// the JSON report beside it has the whole recorded body.
pub const BODY_CAP_CHARS: usize = 16_000;

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    if let Ok(syntax) =
        minijinja::syntax::SyntaxConfig::builder().trim_blocks(true).lstrip_blocks(true).build()
    {
        env.set_syntax(syntax);
    }
    // Names ending in `.html` get HTML auto-escaping (minijinja's default
    // callback); a test below proves that server text is escaped.
    for (name, source) in [
        ("base.html", include_str!("templates/base.html")),
        ("report.html", include_str!("templates/report.html")),
        ("matrix.html", include_str!("templates/matrix.html")),
    ] {
        env.add_template(name, source).expect("the report templates parse");
    }
    env
}

/// The `script-src` source for the inline script: its SHA-256 in base64.
fn script_hash() -> String {
    let digest = Sha256::digest(SCRIPT.as_bytes());
    format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest))
}

#[derive(Serialize)]
struct Page {
    title: String,
    style: &'static str,
    script: &'static str,
    script_hash: String,
}

fn page(title: String) -> Page {
    Page { title, style: STYLE, script: SCRIPT, script_hash: script_hash() }
}

/// A share of graded checks that passed.
#[derive(Serialize)]
struct Compliance {
    passed: usize,
    graded: usize,
    /// `97.5%`, or `n/a` when no check of the level was graded.
    percent: String,
    /// Whole percent for the bar width.
    width: u32,
}

/// MUST compliance: passes among the MUST checks that reached a verdict
/// (pass, fail, error; skip and info are not graded). SHOULD compliance: the
/// same among SHOULD checks, where a miss is `warn`.
fn compliance<'a>(results: impl IntoIterator<Item = &'a CheckResult>, level: Level) -> Compliance {
    let graded: Vec<&CheckResult> = results
        .into_iter()
        .filter(|c| c.level == level)
        .filter(|c| matches!(c.status, Status::Pass | Status::Fail | Status::Warn | Status::Error))
        .collect();
    let passed = graded.iter().filter(|c| c.status == Status::Pass).count();
    let (percent, width) = match graded.len() {
        0 => ("n/a".to_string(), 0),
        n => {
            let p = passed as f64 * 100.0 / n as f64;
            (format!("{}%", (p * 10.0).floor() / 10.0), p.floor() as u32)
        }
    };
    Compliance { passed, graded: graded.len(), percent, width }
}

#[derive(Serialize)]
struct Count {
    status: &'static str,
    n: u32,
}

#[derive(Serialize)]
struct Area<'a> {
    name: &'a str,
    rows: Vec<RowView<'a>>,
}

/// One check id: a cell per tested revision.
#[derive(Serialize)]
struct RowView<'a> {
    id: &'a str,
    title: &'a str,
    level: &'static str,
    /// Every status the row has, space-separated, for the outcome filter.
    statuses: String,
    cells: Vec<Option<CellView>>,
}

#[derive(Serialize)]
struct CellView {
    status: &'static str,
    marker: &'static str,
    anchor: String,
    message: String,
}

/// One revision of the summary table.
#[derive(Serialize)]
struct RevisionView {
    revision: String,
    selection: &'static str,
    tested: bool,
    detail: String,
    counts: Vec<Count>,
    must: Compliance,
    exchanges: Vec<ExchangeView>,
}

#[derive(Serialize)]
struct CheckView<'a> {
    id: &'a str,
    revision: &'a str,
    anchor: String,
    title: &'a str,
    level: &'static str,
    status: &'static str,
    marker: &'static str,
    spec_ref: &'a str,
    requirement: &'a str,
    message: &'a str,
    expected: Option<&'a str>,
    actual: Option<&'a str>,
    duration_ms: u64,
    open: bool,
    exchanges: Vec<ExchangeView>,
}

#[derive(Serialize)]
struct ExchangeView {
    n: usize,
    transport: String,
    method: String,
    url: String,
    status: Option<u16>,
    summary: String,
    request_headers: Vec<(String, String)>,
    request_body: Body,
    response: bool,
    response_headers: Vec<(String, String)>,
    response_body: Body,
    error: Option<String>,
}

#[derive(Serialize, Default)]
struct Body {
    text: String,
    /// Why the text is not the whole body (cut when recorded, or here).
    note: Option<String>,
}

/// The page anchor of one check's result on one revision.
fn anchor(id: &str, revision: &str) -> String {
    let slug = |s: &str| -> String {
        s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '.' }).collect()
    };
    format!("check-{}--{}", slug(id), slug(revision))
}

fn check_view(c: &CheckResult) -> CheckView<'_> {
    CheckView {
        id: &c.id,
        revision: &c.revision,
        anchor: anchor(&c.id, &c.revision),
        title: &c.title,
        level: c.level.as_str(),
        status: c.status.as_str(),
        marker: text::marker(c.status),
        spec_ref: &c.spec_ref,
        requirement: &c.requirement,
        message: &c.message,
        expected: c.expected.as_deref(),
        actual: c.actual.as_deref(),
        duration_ms: c.duration_ms,
        open: matches!(c.status, Status::Fail | Status::Warn | Status::Error),
        exchanges: c.exchanges.iter().enumerate().map(|(i, ex)| exchange_view(i + 1, ex)).collect(),
    }
}

fn header_rows(map: &std::collections::BTreeMap<String, String>) -> Vec<(String, String)> {
    map.iter()
        .map(|(k, v)| {
            // Redacted when recorded; again here in case the report came from elsewhere.
            let v = if redact::is_secret_header(k) { redact::header_value(v) } else { v.clone() };
            (k.clone(), text::printable(&v).into_owned())
        })
        .collect()
}

fn exchange_view(n: usize, ex: &Exchange) -> ExchangeView {
    let resp = ex.response.as_ref();
    ExchangeView {
        n,
        transport: ex.transport.clone(),
        method: ex.request.method.clone(),
        url: ex.request.url.clone(),
        status: resp.and_then(|r| r.status),
        summary: text::exchange_line(ex),
        request_headers: header_rows(&ex.request.headers),
        request_body: body(&ex.request.body, false),
        response: resp.is_some(),
        response_headers: resp.map(|r| header_rows(&r.headers)).unwrap_or_default(),
        response_body: resp.map(|r| body(&r.body, r.truncated)).unwrap_or_default(),
        error: ex.error.clone(),
    }
}

/// A body for display: JSON pretty-printed (each `data:` line of an event
/// stream too), then capped at [`BODY_CAP_CHARS`].
fn body(raw: &str, truncated_at_record: bool) -> Body {
    let pretty = pretty(raw);
    let shown = text::cap(&pretty, BODY_CAP_CHARS).into_owned();
    let mut notes = Vec::new();
    if truncated_at_record {
        notes.push(format!(
            "the body was cut at {} KiB when recorded",
            crate::wire::record::REPORT_BODY_CAP / 1024
        ));
    }
    if shown.len() != pretty.len() {
        notes.push(format!("shown up to {BODY_CAP_CHARS} characters; report.json has the recorded body"));
    }
    Body { text: text::printable(&shown).into_owned(), note: (!notes.is_empty()).then(|| notes.join("; ")) }
}

fn pretty(raw: &str) -> String {
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(raw) {
        return serde_json::to_string_pretty(&v).unwrap_or_else(|_| raw.to_string());
    }
    if !raw.lines().any(|l| l.starts_with("data:")) {
        return raw.to_string();
    }
    raw.split('\n')
        .map(|line| {
            match line.strip_prefix("data:").map(|d| serde_json::from_str::<serde_json::Value>(d.trim())) {
                Some(Ok(v)) => format!("data: {}", serde_json::to_string_pretty(&v).unwrap_or_default()),
                _ => line.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn counts(summary: &super::model::Summary) -> Vec<Count> {
    Status::ALL.iter().map(|s| Count { status: s.as_str(), n: summary.count(*s) }).collect()
}

fn row_view<'a>(row: &views::Row<'a>) -> RowView<'a> {
    let mut statuses: Vec<&str> = row.cells.iter().flatten().map(|c| c.status.as_str()).collect();
    statuses.sort_unstable();
    statuses.dedup();
    RowView {
        id: row.id,
        title: &row.first.title,
        level: row.first.level.as_str(),
        statuses: statuses.join(" "),
        cells: row
            .cells
            .iter()
            .map(|c| {
                c.map(|c| CellView {
                    status: c.status.as_str(),
                    marker: text::marker(c.status),
                    anchor: anchor(&c.id, &c.revision),
                    message: text::cap(&text::first_line(&c.message), text::CAP_CHARS).into_owned(),
                })
            })
            .collect(),
    }
}

/// The report as one self-contained HTML page.
pub fn to_html(report: &Report) -> String {
    let report = redact::report(report.clone(), &[]);
    let rows = views::rows(&report);
    let mut areas: Vec<Area> = Vec::new();
    for row in &rows {
        match areas.iter_mut().find(|a| a.name == row.area) {
            Some(a) => a.rows.push(row_view(row)),
            None => areas.push(Area { name: row.area, rows: vec![row_view(row)] }),
        }
    }
    // Details in the matrix's order: row by row, revision by revision.
    let details: Vec<CheckView> =
        rows.iter().flat_map(|r| r.cells.iter().flatten().map(|c| check_view(c))).collect();
    let revisions: Vec<RevisionView> = report
        .revisions
        .iter()
        .map(|r| RevisionView {
            revision: r.revision.clone(),
            selection: r.selection.as_str(),
            tested: r.tested(),
            detail: r.detail.clone(),
            counts: counts(&r.summary),
            must: compliance(report.checks.iter().filter(|c| c.revision == r.revision), Level::Must),
            exchanges: r.exchanges.iter().enumerate().map(|(i, ex)| exchange_view(i + 1, ex)).collect(),
        })
        .collect();
    let verdict = if report.failed(false) { "fail" } else { "pass" };
    let ctx = context! {
        page => Serde(page(format!("{} report: {}", report.tool.name, report.target))),
        report => context! {
            target => report.target.clone(),
            revisions => report.tested_revisions().join(", "),
            date => report.started_at.clone(),
            tool => format!("{} {}", report.tool.name, report.tool.version),
            duration_ms => report.duration_ms,
            total => report.checks.len(),
            checks => rows.len(),
            verdict,
        },
        columns => Serde(report.tested_revisions()),
        revisions => Serde(revisions),
        counts => Serde(counts(&report.summary)),
        must => Serde(compliance(&report.checks, Level::Must)),
        should => Serde(compliance(&report.checks, Level::Should)),
        areas => Serde(areas),
        details => Serde(details),
    };
    render("report.html", ctx)
}

fn render(name: &str, ctx: minijinja::Value) -> String {
    let env = environment();
    // The templates are part of the binary and the context is built above, so
    // a render error is a bug in mcpcheck; say so in the page rather than panic.
    match env.get_template(name).and_then(|t| t.render(ctx)) {
        Ok(html) => html,
        Err(e) => format!(
            "<!doctype html><title>mcpcheck</title><p>report template error: {}</p>",
            escape(&e.to_string())
        ),
    }
}

fn escape(s: &str) -> String {
    minijinja::HtmlEscape(s).to_string()
}

#[derive(Serialize)]
struct MatrixColumn {
    n: usize,
    target: String,
    revision: String,
    date: String,
    counts: Vec<Count>,
    must: Compliance,
}

#[derive(Serialize)]
struct MatrixRow {
    id: String,
    area: String,
    level: &'static str,
    title: String,
    /// `None` where the report has no such check.
    cells: Vec<Option<MatrixCell>>,
    /// The statuses differ between servers.
    differs: bool,
}

#[derive(Serialize)]
struct MatrixCell {
    status: &'static str,
    marker: &'static str,
    message: String,
}

/// Servers × checks: one column per report and revision it tested, one row
/// per check id (in order of first appearance across the reports).
pub fn matrix_html(reports: &[Report]) -> String {
    let reports: Vec<Report> = reports.iter().map(|r| redact::report(r.clone(), &[])).collect();
    let mut keys: Vec<(usize, &str)> = Vec::new();
    let mut columns: Vec<MatrixColumn> = Vec::new();
    for (i, r) in reports.iter().enumerate() {
        for rev in r.tested_revisions() {
            let mine: Vec<CheckResult> = r.checks.iter().filter(|c| c.revision == rev).cloned().collect();
            keys.push((i, rev));
            columns.push(MatrixColumn {
                n: i + 1,
                target: r.target.clone(),
                revision: rev.to_string(),
                date: r.started_at.clone(),
                counts: counts(&super::model::Summary::of(&mine)),
                must: compliance(&mine, Level::Must),
            });
        }
    }
    let mut rows: Vec<MatrixRow> = Vec::new();
    for r in &reports {
        for c in &r.checks {
            if rows.iter().any(|row| row.id == c.id) {
                continue;
            }
            let cells: Vec<Option<MatrixCell>> = keys
                .iter()
                .map(|(i, rev)| {
                    reports[*i].result(&c.id, rev).map(|o| MatrixCell {
                        status: o.status.as_str(),
                        marker: text::marker(o.status),
                        message: text::cap(&text::first_line(&o.message), text::CAP_CHARS).into_owned(),
                    })
                })
                .collect();
            let mut statuses = cells.iter().map(|c| c.as_ref().map(|c| c.status));
            let first = statuses.next().flatten();
            let differs = statuses.any(|s| s != first);
            rows.push(MatrixRow {
                id: c.id.clone(),
                area: c.area().to_string(),
                level: c.level.as_str(),
                title: c.title.clone(),
                cells,
                differs,
            });
        }
    }
    // Group rows by area, keeping first-appearance order within each area.
    let mut areas: Vec<String> = Vec::new();
    for row in &rows {
        if !areas.contains(&row.area) {
            areas.push(row.area.clone());
        }
    }
    rows.sort_by_key(|row| areas.iter().position(|a| *a == row.area));
    let ctx = context! {
        page => Serde(page(format!("mcpcheck matrix: {} servers", reports.len()))),
        servers => reports.len(),
        columns => Serde(columns),
        rows => Serde(rows),
    };
    render("matrix.html", ctx)
}

/// Creates DIR before a run, so an unusable path fails before any work.
pub fn prepare_dir(dir: &Path) -> Result<std::path::PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir.to_path_buf())
}

/// Writes `DIR/index.html` and `DIR/report.json`, creating DIR.
pub fn write_dir(report: &Report, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("index.html"), to_html(report))?;
    let clean = redact::report(report.clone(), &[]);
    std::fs::write(dir.join("report.json"), super::json::to_json(&clean))
}

/// Writes the matrix page as `DIR/index.html`, creating DIR.
pub fn write_matrix_dir(reports: &[Report], dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("index.html"), matrix_html(reports))
}

#[cfg(test)]
#[path = "html_tests.rs"]
mod tests;
