//! mcpcheck: a conformance and load-testing harness for Model Context Protocol
//! servers.
//!
//! # Layout
//!
//! - [`spec`]: the vocabulary: protocol revisions, requirement levels, spec references.
//! - [`wire`]: the raw client: JSON-RPC over Streamable HTTP (with SSE) and stdio,
//!   bounded and recorded; sessions per revision.
//! - [`checks`]: the check catalogue, one file per specification page.
//! - [`runner`]: chooses the revision, selects checks by id prefix, runs them
//!   concurrently in isolated sessions, and builds the [`report::model::Report`].
//! - [`report`]: the one report model and its writers (console, JSON, JUnit, Markdown, HTML),
//!   redaction, expected-failures baselines and run diffs.
//! - [`oauth`]: the test authorization server, token minting, token sources.
//! - [`target`]: what to test: a URL, a stdio command, or the embedded reference server.
//! - [`cli`]: the command line (clap), and the commands it runs.
//! - [`scenario`]: declarative TOML scenarios (users' own checks, load mixes): model,
//!   loader, executor, JSON Schema.
//! - [`commands`]: subcommands in files of their own (`report render|matrix|diff`).
//! - [`bench`]: `mcpcheck bench`, the load generator (closed and open model, HDR histograms,
//!   load mixes, sweeps, baselines, findings, HTML charts).

pub mod bench;
pub mod checks;
pub mod cli;
pub mod commands;
pub mod oauth;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod spec;
pub mod target;
pub mod wire;
