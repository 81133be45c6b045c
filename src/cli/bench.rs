//! The `mcpcheck bench` command line, in a file of its own so the load
//! generator's options grow here without touching the shared parser.

use super::{TargetArgs, parse_duration};
use clap::Args;
use std::time::Duration;

#[derive(Debug, Args)]
#[command(long_about = "Measure an MCP server's throughput and latency.\n\n\
        Closed model (--users N, the default): N users, each with its own MCP session, send the \
        call back to back. Open model (--rate R/s): calls are due at a fixed rate and each one's \
        latency counts from when it was due, so a server that stalls cannot hide its queue \
        (coordinated omission corrected); --users then bounds the calls in flight.\n\n\
        Every run is bounded: it stops after --duration (default 10s) or --requests, whichever \
        comes first.\n\n\
        --mix FILE draws the calls from a load mix (a scenario with weighted steps) and holds \
        every answer to its step's expectations. --users 1,8,32 runs a sweep, one run per step. \
        --baseline FILE compares with an earlier --json result. --watch-pid PID samples the \
        server's memory and CPU (stdio targets and the embedded server are watched anyway). \
        Findings name what the numbers suggest (a ~40 ms floor from a server without \
        TCP_NODELAY, a session limit, errors past some concurrency, a throughput plateau, memory \
        that keeps growing). --html FILE writes the charts in one \
        self-contained page.\n\n\
        Exit codes: 0 done and every --threshold met; 1 a threshold missed; 2 usage error, \
        malformed threshold or unreachable target.")]
pub struct BenchArgs {
    #[command(flatten)]
    pub server: TargetArgs,
    /// Settings file (default: mcpcheck.toml in the working directory, when there is one):
    /// its server, headers, revision, timeout and [bench] thresholds. Flags given here win.
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
    /// Closed model: this many users in a loop. Open model (--rate): the most
    /// calls in flight at once. A list (1,8,32,128) runs a sweep: one run per
    /// step, each bounded by --duration/--requests, and a table (and chart) of
    /// users against rate and latency.
    #[arg(long = "users", value_name = "N[,N…]", value_parser = crate::bench::sweep::parse_users)]
    pub users_steps: Option<crate::bench::sweep::UserSteps>,
    /// Open model: calls per second, e.g. 500 or 500/s.
    #[arg(long, value_name = "R/s")]
    pub rate: Option<String>,
    /// Stop after this long (default 10s when --requests is not given).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Stop after this many calls.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub requests: Option<u64>,
    /// Closed model: start the users evenly over this period.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub ramp_up: Option<Duration>,
    /// The JSON-RPC method to call (default tools/call with --tool, else tools/list).
    #[arg(long, value_name = "METHOD")]
    pub call: Option<String>,
    /// The tool to call (tools/call).
    #[arg(long, value_name = "NAME")]
    pub tool: Option<String>,
    /// tools/call: the tool's arguments; other methods: the params object.
    #[arg(long, value_name = "JSON")]
    pub args: Option<String>,
    /// Write the result as JSON to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub json: Option<String>,
    /// Write the result as a Markdown table to FILE (also appended to
    /// $GITHUB_STEP_SUMMARY when set).
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<std::path::PathBuf>,
    /// A goal such as 'p99<50ms', 'errors<0.1%', 'rate>1000/s' (repeatable);
    /// exit code 1 when one is missed.
    #[arg(long, value_name = "EXPR")]
    pub threshold: Vec<String>,
    /// Draw the calls from a load mix (a scenario whose steps have weights):
    /// each user runs its setup steps once, then draws steps by weight; every
    /// answer is held to its step's expectations. Replaces --call/--tool/--args.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["call", "tool", "args"])]
    pub mix: Option<std::path::PathBuf>,
    /// Set a variable declared in the mix's [vars], e.g. a token (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE", requires = "mix")]
    pub vars: Vec<String>,
    /// Write a self-contained HTML report to FILE: latency over time, the
    /// latency distribution, and the sweep chart (no scripts, no CDN).
    #[arg(long, value_name = "FILE")]
    pub html: Option<std::path::PathBuf>,
    /// Compare with an earlier --json result: the change in rate and in
    /// p50/p90/p99/p99.9, shown in the console, Markdown and JSON.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<std::path::PathBuf>,
    /// No progress line and no console table (the JSON is still written).
    #[arg(long, short)]
    pub quiet: bool,
    /// Run share I of N of the load (I from 0): users, rate and requests are
    /// split so the N shards add up to the whole. Merge the results with
    /// `mcpcheck report merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<crate::bench::shard::Shard>,
    /// Let the users share K sessions (K at most the users) instead of one
    /// each: one client multiplexing concurrent calls over few sessions, as
    /// an agent host may, and what a wrk script on one session measures.
    /// Each user still has its own connection and its own JSON-RPC ids.
    /// Handshake revisions over HTTP, with the plain call (not --mix).
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..), conflicts_with_all = ["mix", "stdio"])]
    pub sessions: Option<u32>,
    /// Start the load at this wall-clock time (RFC 3339, e.g.
    /// 2026-11-26T18:00:00Z, at most an hour ahead) instead of at once: give
    /// every shard the same time so their loads overlap. A time already past
    /// starts at once, with a warning.
    #[arg(long, value_name = "TIME", value_parser = crate::bench::shard::parse_start_at)]
    pub start_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Sample this process's memory (RSS) and CPU time over the run: the
    /// result gets a `server` section (CPU per call, RSS start/end/peak), the
    /// HTML memory and CPU charts, and the `memory-growth` finding when RSS
    /// keeps rising at a steady load. Stdio targets (every process mcpcheck
    /// starts) and the embedded server (mcpcheck itself, generator included)
    /// are watched without it. The process must be on this machine.
    #[arg(long, value_name = "PID", conflicts_with = "no_watch")]
    pub watch_pid: Option<u32>,
    /// Time between samples of the watched server; past 600 samples every
    /// other one is dropped and the interval doubles.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "1s")]
    pub watch_interval: Duration,
    /// Do not watch stdio targets or the embedded server.
    #[arg(long)]
    pub no_watch: bool,
}
