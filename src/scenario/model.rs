//! The scenario format: what a user writes in a `scenarios/*.toml` file.
//!
//! These serde types are the format's single definition: the loader reads
//! files through them (`deny_unknown_fields` everywhere, so a misspelt key is
//! an error with its line rather than an expectation silently never checked),
//! and `mcpcheck scenario schema` derives the JSON Schema editors validate
//! against from them (schemars), so the two cannot drift apart.
//!
//! A step is one message and its expectations. Steps are wrapped in
//! [`toml::Spanned`] so that checks made after parsing (a step with neither
//! `method` nor `raw`, an unknown `${var}`) can still name the line.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// One scenario file: named steps run in order in one session.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "mcpcheck scenario",
    description = "A declarative mcpcheck scenario (TOML): steps run in order in one MCP session, each with expectations on its answer. Steps with `weight` make the file a load mix for `mcpcheck bench`."
)]
pub struct Scenario {
    /// What the scenario is about, shown in reports.
    pub name: String,
    /// Longer prose; optional.
    #[serde(default)]
    pub description: Option<String>,
    /// Settings for the session the steps share.
    #[serde(default)]
    pub target: Target,
    /// Variables known before the first step, usable as `${name}`.
    #[serde(default)]
    pub vars: BTreeMap<String, Value>,
    /// The steps, in the order they run.
    #[schemars(with = "Vec<Step>", length(min = 1))]
    pub steps: Vec<toml::Spanned<Step>>,
}

/// Session settings for one scenario.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Protocol revision for this scenario's session, e.g. "2025-11-25": the
    /// scenario then runs once, on it. By default it runs on every revision
    /// the run tests.
    #[serde(default)]
    #[schemars(regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub revision: Option<String>,
    /// HTTP headers sent with every message of the scenario (the handshake
    /// included), e.g. `Authorization = "Bearer ${token}"`.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Run only on this transport (its steps are skipped on the other), for
    /// scenarios about HTTP statuses or bodies a stdio server never sees.
    #[serde(default)]
    pub transport: Option<Transport>,
}

/// A transport a scenario can be limited to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// Streamable HTTP.
    Http,
    Stdio,
}

/// One message sent to the server and what its answer must look like. Give
/// exactly one of `method`, `raw` or `raw_body`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Slug (`[a-z0-9-]`), unique in the file: the check id is
    /// `scenario/<file-stem>/<name>`.
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9-]*$"))]
    pub name: String,
    /// A one-line title for reports; defaults to the name.
    #[serde(default)]
    pub title: Option<String>,
    /// A JSON-RPC request: its method (`tools/call`, `resources/read`, …).
    /// mcpcheck adds `jsonrpc`, `id` and, on 2026-07-28, the `_meta` envelope.
    #[serde(default)]
    pub method: Option<String>,
    /// The request's params (with `method`).
    #[serde(default)]
    pub params: Option<Value>,
    /// A whole JSON message sent exactly as written (for negative cases: a
    /// wrong `jsonrpc`, a missing id, a batch). The answer is read up to the
    /// response to its `id`, if it has one.
    #[serde(default)]
    pub raw: Option<Value>,
    /// A body sent byte for byte (not even JSON, if you like).
    #[serde(default)]
    pub raw_body: Option<String>,
    /// Extra HTTP headers for this step only (after the scenario's).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// A setup step prepares later ones (captures, state): it is reported only
    /// when it fails, and then the steps after it are skipped.
    #[serde(default)]
    pub setup: bool,
    /// Load mixes only: how often `mcpcheck bench` draws this step relative
    /// to the others. In a mix every non-setup step has a weight.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub weight: Option<u32>,
    /// What the answer must look like.
    #[serde(default)]
    pub expect: Expect,
    /// Values taken from the JSON-RPC response into variables for later
    /// steps: variable name → JSON pointer (`/result/content/0/text`).
    #[serde(default)]
    pub capture: BTreeMap<String, String>,
}

/// Expectations on one answer. A `method` step with none of `error`,
/// `error_code` or `status` expects a JSON-RPC result: an error response, or
/// no response at all, fails it.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The HTTP status of the answer (ignored on stdio).
    #[serde(default)]
    #[schemars(range(min = 100, max = 599))]
    pub status: Option<u16>,
    /// The answer is a JSON-RPC error (true, any code) or a result (false).
    #[serde(default)]
    pub error: Option<bool>,
    /// The answer is a JSON-RPC error with this code.
    #[serde(default)]
    pub error_code: Option<i64>,
    /// The tool result's `isError` (absent counts as false).
    #[serde(default)]
    pub is_error: Option<bool>,
    /// HTTP response headers: name → a regular expression the value must
    /// match (e.g. `www-authenticate = 'error="insufficient_scope"'`).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The whole exchange takes at most this many milliseconds.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub max_ms: Option<u64>,
    /// Assertions on values in the JSON-RPC response, by JSON pointer.
    #[serde(default)]
    pub json: Vec<JsonExpect>,
}

/// One assertion on the value at `pointer` in the JSON-RPC response (`""` is
/// the whole response, `/result/structuredContent/result` a value inside).
/// Give one or more of `equals`, `contains`, `matches`, `schema`, `exists`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonExpect {
    /// RFC 6901 JSON pointer into the response message.
    pub pointer: String,
    /// The value equals this (JSON equality; 5 and 5.0 are equal).
    #[serde(default)]
    pub equals: Option<Value>,
    /// A string value contains this text; an array has an element that
    /// includes this value; an object includes these members. Inclusion is
    /// recursive: objects by members, arrays element-wise (each wanted
    /// element included by some actual one), other values by equality.
    #[serde(default)]
    pub contains: Option<Value>,
    /// The value is a string matching this regular expression (Rust `regex` syntax).
    #[serde(default)]
    pub matches: Option<String>,
    /// The value validates against this JSON Schema.
    #[serde(default)]
    pub schema: Option<Value>,
    /// The pointer resolves (true) or does not (false).
    #[serde(default)]
    pub exists: Option<bool>,
}

impl Step {
    /// The step's title for reports.
    pub fn title(&self) -> String {
        self.title.clone().unwrap_or_else(|| self.name.clone())
    }
}

/// What a step sends, once validated.
#[derive(Debug, Clone, PartialEq)]
pub enum Message<'a> {
    Request { method: &'a str, params: Option<&'a Value> },
    Raw(&'a Value),
    Body(&'a str),
}

impl Step {
    /// The message to send; `None` unless exactly one form is given (the
    /// loader rejects such steps).
    pub fn message(&self) -> Option<Message<'_>> {
        match (&self.method, &self.raw, &self.raw_body) {
            (Some(method), None, None) => Some(Message::Request { method, params: self.params.as_ref() }),
            (None, Some(raw), None) if self.params.is_none() => Some(Message::Raw(raw)),
            (None, None, Some(body)) if self.params.is_none() => Some(Message::Body(body)),
            _ => None,
        }
    }
}

/// The JSON Schema of the format, pretty-printed (`mcpcheck scenario schema`,
/// docs/scenario.schema.json).
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Scenario);
    serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
}
