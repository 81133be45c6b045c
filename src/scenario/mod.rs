//! Declarative scenarios: users' own checks, and load mixes, in TOML.
//!
//! A scenario file names steps (one MCP message each) with expectations on
//! the answer; `mcpcheck test --scenario FILE|DIR` runs them as checks
//! `scenario/<file-stem>/<step-name>` beside the built-in catalogue, and
//! `mcpcheck bench` draws weighted steps from a load mix of the same format.
//!
//! - [`model`]: the serde types, which are also the JSON Schema's source.
//! - [`load`]: reading files, with every mistake reported as `file:line:col`
//!   before anything is sent.
//! - [`vars`]: `${var}` references and substitution.
//! - [`expect`]: judging an answer against a step's expectations.
//! - [`exec`]: running scenarios in sessions of their own into report results.
//! - [`mix`]: the weighted draw table of a load mix.

pub mod exec;
pub mod expect;
pub mod load;
pub mod mix;
pub mod model;
pub mod vars;
