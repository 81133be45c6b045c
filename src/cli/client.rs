//! `mcpcheck client` and `mcpcheck reference-client`: clap definitions only.

use super::{ReportFiles, parse_duration};
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Args)]
#[command(long_about = "Run the conformance checks against an MCP client.\n\n\
        For each client scenario, mcpcheck starts a scripted MCP server on 127.0.0.1 (a port of its \
        own per scenario), runs CMD with the server's URL appended as its last argument, and grades \
        what the client sent (checks client/...). The client also finds the URL in MCP_SERVER_URL, \
        the scenario's name in MCP_CONFORMANCE_SCENARIO and the revision in \
        MCP_CONFORMANCE_PROTOCOL_VERSION: the official conformance suite's conventions, so a client \
        wired for it runs unchanged.\n\n\
        In every scenario the client is asked to connect, list the tools, call the first one with \
        {\"a\": 2, \"b\": 3}, and exit 0; what differs is what the server does (expire the session, \
        cut an SSE stream, answer input_required, ...). `mcpcheck client --list-scenarios` lists them.\n\n\
        With no CMD, the reference client (`mcpcheck reference-client`) is tested.\n\n\
        Exit codes: 0 no MUST check failed; 1 a check failed (or errored); 2 usage error.")]
pub struct ClientArgs {
    /// The client under test and its arguments, after `--`; the server URL is appended.
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<String>,
    /// Revisions to play a server of. `auto` (the default): all four. A revision (repeatable, or
    /// comma-separated): exactly those.
    #[arg(long, value_name = "auto|newest|VERSION")]
    pub spec: Vec<String>,
    /// Run only checks (and scenarios, `client/run/<name>`) whose id starts with PREFIX (repeatable).
    #[arg(long, value_name = "PREFIX")]
    pub only: Vec<String>,
    /// Leave out checks whose id starts with PREFIX (repeatable).
    #[arg(long, value_name = "PREFIX")]
    pub skip: Vec<String>,
    /// Treat SHOULD violations (warn) as failures.
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    pub reports: ReportFiles,
    /// Checks listed in FILE may fail without failing the run (the format of `mcpcheck test
    /// --expected-failures`).
    #[arg(long, value_name = "FILE")]
    pub expected_failures: Option<PathBuf>,
    /// Write the checks that failed this run to FILE as an expected-failures baseline.
    #[arg(long, value_name = "FILE")]
    pub write_expected_failures: Option<PathBuf>,
    /// Bound on one run of the client; a client still running then is killed, and its scenario
    /// ends as `error`.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub client_timeout: Duration,
    /// Scenarios (client processes) at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=32))]
    pub concurrency: u16,
    /// Reference client only (no CMD): switch on a deliberate fault (repeatable); see
    /// `mcpcheck reference-client --list-faults`.
    #[arg(long, value_name = "NAME")]
    pub fault: Vec<String>,
    /// Print the scenarios (name, revisions, what the server does) and exit.
    #[arg(long)]
    pub list_scenarios: bool,
    /// No console summary (reports are still written).
    #[arg(long, short)]
    pub quiet: bool,
    /// List every skipped result with its reason.
    #[arg(long)]
    pub show_skips: bool,
    /// Show one line per check with its outcome on each revision.
    #[arg(long)]
    pub show_checks: bool,
}

#[derive(Debug, Args)]
pub struct ReferenceClientArgs {
    /// The server's MCP endpoint (default: $MCP_SERVER_URL).
    #[arg(env = "MCP_SERVER_URL")]
    pub url: Option<String>,
    /// The revision to speak (default: $MCP_CONFORMANCE_PROTOCOL_VERSION, else 2025-11-25).
    #[arg(long, env = "MCP_CONFORMANCE_PROTOCOL_VERSION", value_name = "VERSION")]
    pub spec: Option<String>,
    /// Switch on a deliberate fault (repeatable); see --list-faults.
    #[arg(long, value_name = "NAME")]
    pub fault: Vec<String>,
    /// Credentials handed to the client, as the official suite's JSON
    /// (`{"client_id": ..., "client_secret": ...}`).
    #[arg(long, env = "MCP_CONFORMANCE_CONTEXT", value_name = "JSON", hide_env_values = true)]
    pub context: Option<String>,
    /// Print the fault catalogue and exit.
    #[arg(long)]
    pub list_faults: bool,
}
