//! `mcpcheck report …`: work on saved JSON reports without running anything.
//!
//! - `render FILE.json --html DIR | --junit FILE | --sarif FILE | --markdown FILE`:
//!   re-render a saved run in another format (e.g. in a later CI step, or for a
//!   report handed to someone else);
//! - `matrix A.json B.json … --html DIR`: servers × checks in one page, to
//!   compare implementations;
//! - `diff OLD.json NEW.json`: the checks that changed outcome, as Markdown for
//!   a pull-request comment.
//! - `merge SHARD.json …`: bench results of several generators added up
//!   losslessly (see `crate::bench::merge`).
//!
//! A saved report may come from anywhere, so it is read as untrusted: only
//! the schemas this mcpcheck knows are accepted (1, one revision per report,
//! and 2), and it is redacted again before any writer sees it.

use crate::cli::report::{MergeArgs, ReportArgs, ReportCommand};
use crate::report::model::Report;
use crate::report::{diff, html, junit, markdown, redact, sarif};
use crate::usage::UsageError;
use std::io::Write as _;
use std::path::Path;

/// Saved reports larger than this are refused: the JSON report of a full run
/// is a few megabytes at most (bodies are capped when recorded).
const MAX_REPORT_BYTES: u64 = 256 * 1024 * 1024;

fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

/// Reads a saved report: bounded, schema-checked, redacted.
pub fn load(path: &Path) -> anyhow::Result<Report> {
    let meta = std::fs::metadata(path).map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?;
    if meta.len() > MAX_REPORT_BYTES {
        return Err(usage(format!("{} is larger than {MAX_REPORT_BYTES} bytes", path.display())));
    }
    let text =
        std::fs::read_to_string(path).map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| usage(format!("{} is not JSON: {e}", path.display())))?;
    let report = Report::from_json_value(value).map_err(|e| usage(format!("{}: {e}", path.display())))?;
    Ok(redact::report(report, &[]))
}

/// Writes a report file; `-` is stdout.
fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    if path == Path::new("-") {
        print!("{text}");
        return Ok(());
    }
    std::fs::write(path, text).map_err(|e| usage(format!("cannot write {}: {e}", path.display())))
}

/// Runs a `report` subcommand; `Ok(false)` means exit 1.
pub fn run(args: ReportArgs) -> anyhow::Result<bool> {
    match args.command {
        ReportCommand::Render(a) => {
            let report = load(&a.file)?;
            if let Some(dir) = &a.html {
                html::write_dir(&report, dir)
                    .map_err(|e| usage(format!("cannot write {}: {e}", dir.display())))?;
            }
            if let Some(path) = &a.junit {
                write(path, &junit::to_junit(&report, a.strict))?;
            }
            if let Some(path) = &a.sarif {
                write(path, &sarif::to_sarif(&report, a.strict))?;
            }
            if let Some(path) = &a.markdown {
                write(path, &markdown::to_markdown(&report))?;
            }
            Ok(true)
        }
        ReportCommand::Matrix(a) => {
            let reports = a.files.iter().map(|f| load(f)).collect::<anyhow::Result<Vec<_>>>()?;
            html::write_matrix_dir(&reports, &a.html)
                .map_err(|e| usage(format!("cannot write {}: {e}", a.html.display())))?;
            Ok(true)
        }
        ReportCommand::Diff(a) => {
            let (old, new) = (load(&a.old)?, load(&a.new)?);
            print!("{}", diff::to_markdown(&old, &new));
            let regressed = diff::changes(&old, &new).iter().any(|c| c.kind == diff::Kind::Regression);
            Ok(!(a.fail_on_regression && regressed))
        }
        ReportCommand::Merge(a) => merge(a),
    }
}

/// `mcpcheck report merge`: `Ok(false)` when a threshold was missed.
fn merge(args: MergeArgs) -> anyhow::Result<bool> {
    let thresholds = args
        .threshold
        .iter()
        .map(|t| crate::bench::threshold::Threshold::parse(t))
        .collect::<Result<Vec<_>, _>>()
        .map_err(usage)?;
    let inputs = args
        .files
        .iter()
        .map(|p| Ok((p.display().to_string(), crate::bench::merge::read(p)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let merged = crate::bench::merge::merge(&inputs, &thresholds).map_err(usage)?;
    for n in &merged.notes {
        eprintln!("note: {n}");
    }
    if !args.quiet {
        if args.json.as_deref() == Some("-") {
            eprint!("{}", merged.console);
        } else {
            print!("{}", merged.console);
        }
    }
    if let Some(out) = args.json.as_deref() {
        let text = serde_json::to_string_pretty(&merged.result)? + "\n";
        if out == "-" {
            std::io::stdout().write_all(text.as_bytes())?;
        } else {
            std::fs::write(out, text).map_err(|e| usage(format!("cannot write {out}: {e}")))?;
        }
    }
    if let Some(p) = &args.markdown {
        std::fs::write(p, &merged.markdown)
            .map_err(|e| usage(format!("cannot write {}: {e}", p.display())))?;
    }
    Ok(merged.passed)
}
