//! The command line, and nothing but its clap definitions: what each command
//! takes and how `--help` explains it. The commands themselves are in
//! [`crate::commands`], which turns these values into the options of the
//! layers below; nothing below the commands imports this module.

pub mod auth;
pub mod bench;
pub mod client;
pub mod report;
pub mod scenario;
pub mod serve;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "mcpcheck",
    version,
    about = "Conformance and load-testing harness for Model Context Protocol servers",
    long_about = "Conformance and load-testing harness for Model Context Protocol (MCP) servers.\n\n\
        `mcpcheck test` checks any MCP endpoint (Streamable HTTP URL or stdio command) against every \
        specification revision it supports, in one run; with no target it tests its own embedded \
        reference server.\n\n\
        Exit codes: 0 no MUST check failed; 1 a check failed (or errored); 2 usage error or unreachable target."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per process; the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the conformance checks against a server.
    Test(Box<TestArgs>),
    /// Print every check: id, level, revisions and spec reference.
    List(ListArgs),
    /// Run a reference server.
    Serve(ServeArgs),
    /// Run the test OAuth 2.1 authorization server.
    Authserver(auth::AuthserverArgs),
    /// Render, compare and diff saved JSON reports.
    Report(report::ReportArgs),
    /// Scenario files: print their JSON Schema, or validate them.
    Scenario(scenario::ScenarioArgs),
    /// Write a commented starter mcpcheck.toml (and, with --github, a workflow using the Action).
    Init(InitArgs),
    /// Run the conformance checks against an MCP client: `mcpcheck client -- CMD ARGS...`.
    Client(Box<client::ClientArgs>),
    /// Run the reference MCP client (what `mcpcheck client` tests when given no command).
    ReferenceClient(client::ReferenceClientArgs),
    // `about` as an attribute, not a doc comment: a doc comment would also
    // reset the long help that BenchArgs carries.
    #[command(about = "Measure a server's throughput and latency under load")]
    Bench(Box<bench::BenchArgs>),
}

/// Which server, and how to reach it: the flags `test` and `bench` share.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// Streamable HTTP endpoint, e.g. http://127.0.0.1:8000/mcp. Omit it (and
    /// --stdio) to use the embedded plain reference server.
    pub target: Option<String>,
    /// A stdio server: the command line that starts it, e.g. "python server.py"
    /// (bench: one process per user).
    #[arg(long, value_name = "CMD", conflicts_with = "target")]
    pub stdio: Option<String>,
    /// Protocol revisions to test. `auto` (the default): every revision the server
    /// supports, each found by probing (server/discover, then initialize for
    /// 2025-11-25, 2025-06-18 and 2025-03-26). `newest`: only the newest of those.
    /// A revision (repeatable, or comma-separated, e.g. 2025-06-18,2025-11-25):
    /// exactly those, without probing. bench tests one revision: the newest
    /// supported, or the one named.
    #[arg(long, value_name = "auto|newest|VERSION")]
    pub spec: Vec<String>,
    /// Extra header on every HTTP request, e.g. 'Authorization: Bearer TOKEN' (repeatable).
    /// `@FILE` reads headers from FILE, one `Name: value` per line (blank lines and `#` lines
    /// skipped), so secrets stay out of the command line. Secret values are redacted everywhere.
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE|@FILE")]
    pub headers: Vec<String>,
    /// Bound on every exchange (connect, send, read the whole answer); in
    /// bench, a call past it counts as a transport failure.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Embedded server only: switch on a deliberate fault (see `mcpcheck serve plain --list-faults`).
    #[arg(long, value_name = "NAME", conflicts_with_all = ["target", "stdio"])]
    pub fault: Vec<String>,
}

/// Where a conformance run writes its report: the flags `test` and `client` share.
#[derive(Debug, Args, Default)]
pub struct ReportFiles {
    /// Write the JSON report to FILE (`-` for stdout; the summary then goes to stderr).
    #[arg(long, value_name = "FILE")]
    pub json: Option<String>,
    /// Write a JUnit XML report to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a SARIF 2.1.0 file to FILE for code scanning (GitHub: upload it
    /// with github/codeql-action/upload-sarif).
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
    /// Write a Markdown report to FILE (also appended to $GITHUB_STEP_SUMMARY when set).
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Write a self-contained HTML report into DIR (index.html, with report.json beside it).
    #[arg(long, value_name = "DIR")]
    pub html: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    #[command(flatten)]
    pub server: TargetArgs,
    /// Settings file (default: mcpcheck.toml in the working directory, when there is one;
    /// `mcpcheck init` writes a starter). Flags given here win over it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Run only checks whose id starts with PREFIX (repeatable).
    #[arg(long, value_name = "PREFIX")]
    pub only: Vec<String>,
    /// Leave out checks whose id starts with PREFIX (repeatable).
    #[arg(long, value_name = "PREFIX")]
    pub skip: Vec<String>,
    /// Treat SHOULD violations (warn) as failures.
    #[arg(long)]
    pub strict: bool,
    /// Also run the robustness checks (robustness/...): hostile input (a 50 MB body, JSON nested
    /// 100,000 deep, invalid UTF-8, a 64 KiB header, a client dribbling its request, a thousand
    /// unknown methods, 200 sessions left open, ids of every type, markup to echo), each followed
    /// by a check that the server still answers. Off by default: use it on servers you own.
    #[arg(long)]
    pub robustness: bool,
    #[command(flatten)]
    pub reports: ReportFiles,
    /// Checks listed in FILE may fail without failing the run: TOML, one `[[failure]]` table per
    /// entry with `id`, an optional `revision` (only that revision) and `reason`. A listed check
    /// that passes fails the run as stale, so the file only shrinks.
    #[arg(long, value_name = "FILE")]
    pub expected_failures: Option<PathBuf>,
    /// Write the checks that failed this run to FILE as an expected-failures baseline.
    #[arg(long, value_name = "FILE")]
    pub write_expected_failures: Option<PathBuf>,
    /// Checks in flight at once (HTTP; stdio runs one at a time).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// Bound on each tool call a check makes (a tool does real work, so it gets longer than
    /// --timeout). A tool that does not answer in time is reported as such and tried no more; it
    /// fails the run only where a check needed that very tool.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub tool_timeout: Duration,
    /// Budget for the whole run (every revision). Checks not finished by then end as `error` with
    /// that reason, and every report is still written.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub run_timeout: Duration,
    /// Tools the checks may call besides those annotated readOnlyHint: `all`, or NAME,NAME,...
    #[arg(long, value_name = "all|NAME,...")]
    pub call_tools: Option<String>,
    /// No progress bar and no console summary (reports are still written).
    #[arg(long, short)]
    pub quiet: bool,
    /// List every skipped result with its reason (by default skips are counted by reason).
    #[arg(long)]
    pub show_skips: bool,
    /// Show one line per check with its outcome on each revision, not only one per area.
    #[arg(long)]
    pub show_checks: bool,
    #[command(flatten)]
    pub tokens: auth::TokenArgs,
    /// Run the steps of a scenario file as checks `scenario/<file>/<step>`;
    /// a directory runs every *.toml in it (repeatable). See docs/scenarios.md.
    #[arg(long = "scenario", value_name = "FILE|DIR")]
    pub scenarios: Vec<PathBuf>,
    /// Set a scenario variable (a string) declared in its [vars], e.g. a token (repeatable). Values of
    /// variables named like credentials (…token…, …secret…, …key…, …password…) are redacted from reports.
    #[arg(long = "var", value_name = "NAME=VALUE", requires = "scenarios")]
    pub vars: Vec<String>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Also write .github/workflows/mcpcheck.yml, a workflow that runs the mcpcheck Action.
    #[arg(long)]
    pub github: bool,
    /// Overwrite files that exist.
    #[arg(long)]
    pub force: bool,
    /// Where to write them.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// List the client checks (`mcpcheck client`) instead of the server checks.
    #[arg(long)]
    pub client: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[arg(value_enum)]
    pub kind: ServerKind,
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    #[arg(long, default_value_t = 8000)]
    pub port: u16,
    /// Path of the MCP endpoint.
    #[arg(long, default_value = "/mcp")]
    pub path: String,
    /// Serve on stdin/stdout instead of HTTP.
    #[arg(long)]
    pub stdio: bool,
    /// Switch on a deliberate fault (repeatable); see --list-faults.
    #[arg(long, value_name = "NAME")]
    pub fault: Vec<String>,
    /// Print the fault catalogue and exit.
    #[arg(long)]
    pub list_faults: bool,
    /// `plain` over HTTP only: also offer the official conformance suite's
    /// fixture tools, resources and prompts (`test_simple_text`,
    /// `test://static-text`, ...), so that the suite can judge this server.
    #[arg(long)]
    pub conformance_fixture: bool,
    /// `openapi` only: the OpenAPI 3 document, JSON or YAML (.yaml/.yml), e.g. docs/openapi/items.yaml.
    #[arg(long = "spec", value_name = "FILE")]
    pub openapi_spec: Option<PathBuf>,
    /// `openapi` only: where the REST API is, e.g. http://127.0.0.1:8001.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// `composed` only: serve the nested example (the seed's composition
    /// mounted as `math` beside an add server as `plus`).
    #[arg(long)]
    pub nested: bool,
    /// `proxied` only: the backends, as {"mcpServers": {NAME: {"url": URL, "headers": {...}} |
    /// {"command": CMD, "args": [...], "env": {...}}}}; `"prefix": false` on one backend offers its names unprefixed.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// `authorized` only: whose tokens to trust.
    #[command(flatten)]
    pub issuer: auth::IssuerArgs,
    /// How far a client may push the server (HTTP only).
    #[command(flatten)]
    pub limits: serve::LimitArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ServerKind {
    /// Tools add, subtract, echo; a resource and a prompt: the plain Streamable HTTP (or stdio) server.
    Plain,
    /// The plain server behind OAuth 2.1 bearer JWTs; `add` needs scope read:add.
    Authorized,
    /// An MCP server mounted inside a web app: /health, a REST API under /api/items, MCP at /mcpserver/mcp.
    Mounted,
    /// Servers composed into one: an add and a subtract server mounted as namespaces `add` and `subtract`.
    Composed,
    /// Tools generated from an OpenAPI 3 document (JSON or YAML), each calling the REST API.
    Openapi,
    /// A proxy fronting the backends (url or command) of an {"mcpServers": {...}} config, tools as NAME_TOOL.
    Proxied,
}

pub fn parse_duration(s: &str) -> Result<Duration, String> {
    if let Ok(secs) = s.parse::<f64>() {
        return if secs > 0.0 && secs.is_finite() {
            Ok(Duration::from_secs_f64(secs))
        } else {
            Err("must be positive".into())
        };
    }
    humantime::parse_duration(s).map_err(|e| format!("{e} (use e.g. 10s, 500ms, 2m)"))
}
