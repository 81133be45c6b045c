//! `mcpcheck report` flags: render, matrix, diff and merge saved results.

use clap::{ArgGroup, Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub command: ReportCommand,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Re-render a saved JSON report as HTML, JUnit, SARIF or Markdown.
    Render(RenderArgs),
    /// Compare several servers: one page of servers × checks.
    Matrix(MatrixArgs),
    /// List the checks whose outcome changed between two runs (Markdown on stdout).
    Diff(DiffArgs),
    /// Merge `mcpcheck bench --json` results (e.g. of `--shard I/N` runs) into one:
    /// histograms merged, counts summed, rate over the union window.
    Merge(MergeArgs),
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("output").required(true).multiple(true).args(["html", "junit", "sarif", "markdown"])))]
pub struct RenderArgs {
    /// A JSON report written by `mcpcheck test --json`.
    pub file: PathBuf,
    /// Write a self-contained HTML report into DIR.
    #[arg(long, value_name = "DIR")]
    pub html: Option<PathBuf>,
    /// Write a JUnit XML report to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a SARIF 2.1.0 file to FILE for code scanning (`-` for stdout;
    /// GitHub: upload it with github/codeql-action/upload-sarif).
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
    /// Write a Markdown report to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// JUnit and SARIF: count SHOULD violations (warn) as failures.
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

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Results written by `mcpcheck bench --json`, typically one per `--shard`.
    #[arg(required = true, num_args = 1..)]
    pub files: Vec<PathBuf>,
    /// Write the merged result as JSON to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub json: Option<String>,
    /// Write the merged result as a Markdown table to FILE.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// A goal such as 'p99<50ms' checked on the merged result (repeatable);
    /// exit code 1 when one is missed.
    #[arg(long, value_name = "EXPR")]
    pub threshold: Vec<String>,
    /// No console table.
    #[arg(long, short)]
    pub quiet: bool,
}
