//! mcpcheck: a conformance and load-testing harness for Model Context Protocol
//! servers.
//!
//! # Layout
//!
//! Bottom to top; a module uses only those above it in this list, never one
//! below it.
//!
//! - [`usage`]: the error that means exit code 2.
//! - [`spec`]: the vocabulary: protocol revisions, requirement levels, spec references.
//! - [`wire`]: the raw client: JSON-RPC over Streamable HTTP (with SSE) and stdio,
//!   bounded and recorded; sessions per revision; its records ([`wire::record::Exchange`])
//!   and the one set of redaction rules ([`wire::redact`]); the raw HTTP/1.1
//!   writer of the robustness checks ([`wire::raw`]).
//! - [`report`]: the one report model (schema 2: every result names its revision) and
//!   its writers (console, JSON, JUnit, SARIF, Markdown, HTML), whole-report redaction,
//!   expected-failures baselines and run diffs.
//! - [`target`]: what to test: a URL, a stdio command, or the embedded reference server.
//! - [`oauth`]: the test authorization server, token minting, token sources,
//!   and an OAuth client on the raw wire ([`oauth::flow`]).
//! - [`checks`]: the check catalogue, one file per specification page.
//! - [`client`]: client conformance: the scenarios, the scripted server that
//!   records what a client under test sends, the bounded client process, and
//!   the `client/...` checks that grade the record.
//! - [`refclient`]: the reference MCP client (what `mcpcheck client` tests by
//!   default) and its deliberate faults, on the raw wire.
//! - [`scenario`]: declarative TOML scenarios (users' own checks, load mixes): model,
//!   loader, executor, JSON Schema.
//! - [`runner`]: the whole run: the revision plan (which revisions the server
//!   supports, and how each was chosen), the checks and scenarios on every tested
//!   revision (concurrently, in isolated sessions), grading, the gate, and the
//!   [`report::model::Report`].
//! - [`bench`]: the load generator (closed and open model, HDR histograms, load
//!   mixes, sweeps, baselines, findings, HTML charts).
//! - [`cli`]: the command line's clap definitions, and nothing else.
//! - [`commands`]: one file per command: clap values in, the layers below called,
//!   outputs written.

pub mod bench;
pub mod checks;
pub mod cli;
pub mod client;
pub mod commands;
pub mod oauth;
pub mod refclient;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod spec;
pub mod target;
pub mod usage;
pub mod wire;
