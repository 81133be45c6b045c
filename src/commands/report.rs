//! `mcpcheck report …`: work on saved JSON reports without running anything.
//!
//! - `render FILE.json --html DIR | --junit FILE | --markdown FILE`: re-render a
//!   saved run in another format (e.g. in a later CI step, or for a report
//!   handed to someone else);
//! - `matrix A.json B.json … --html DIR`: servers × checks in one page, to
//!   compare implementations;
//! - `diff OLD.json NEW.json`: the checks that changed outcome, as Markdown for
//!   a pull-request comment.
//! - `merge SHARD.json …`: bench results of several generators added up
//!   losslessly (see `crate::bench::merge`).
//!
//! A saved report may come from anywhere, so it is read as untrusted: only
//! `schema_version` 1 is accepted, and it is redacted again before any writer
//! sees it.

use crate::cli::UsageError;
use crate::report::model::{Report, SCHEMA_VERSION};
use crate::report::{diff, html, junit, markdown, redact};
use clap::{ArgGroup, Args, Subcommand};
use std::path::{Path, PathBuf};

/// Saved reports larger than this are refused: the JSON report of a full run
/// is a few megabytes at most (bodies are capped when recorded).
const MAX_REPORT_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub command: ReportCommand,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Re-render a saved JSON report as HTML, JUnit or Markdown.
    Render(RenderArgs),
    /// Compare several servers: one page of servers × checks.
    Matrix(MatrixArgs),
    /// List the checks whose outcome changed between two runs (Markdown on stdout).
    Diff(DiffArgs),
    /// Merge `mcpcheck bench --json` results (e.g. of `--shard I/N` runs) into one:
    /// histograms merged, counts summed, rate over the union window.
    Merge(crate::bench::merge::MergeArgs),
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("output").required(true).multiple(true).args(["html", "junit", "markdown"])))]
pub struct RenderArgs {
    /// A JSON report written by `mcpcheck test --json`.
    pub file: PathBuf,
    /// Write a self-contained HTML report into DIR.
    #[arg(long, value_name = "DIR")]
    pub html: Option<PathBuf>,
    /// Write a JUnit XML report to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a Markdown report to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// JUnit only: count SHOULD violations (warn) as failures.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
pub struct MatrixArgs {
    /// JSON reports, one per server (or revision); columns in this order.
    #[arg(required = true, num_args = 1..)]
    pub files: Vec<PathBuf>,
    /// Write the matrix page into DIR (index.html).
    #[arg(long, value_name = "DIR", required = true)]
    pub html: PathBuf,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    pub old: PathBuf,
    pub new: PathBuf,
    /// Exit 1 when a check that did not fail in OLD fails in NEW.
    #[arg(long)]
    pub fail_on_regression: bool,
}

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
    match value.get("schema_version").and_then(|v| v.as_u64()) {
        Some(v) if v == u64::from(SCHEMA_VERSION) => {}
        Some(v) => {
            return Err(usage(format!(
                "{}: schema_version {v} is not supported (this mcpcheck reads {SCHEMA_VERSION})",
                path.display()
            )));
        }
        None => {
            return Err(usage(format!("{} is not an mcpcheck report (no schema_version)", path.display())));
        }
    }
    let report: Report = serde_json::from_value(value)
        .map_err(|e| usage(format!("{} is not a valid mcpcheck report: {e}", path.display())))?;
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
        ReportCommand::Merge(a) => crate::bench::merge::run(a),
    }
}
