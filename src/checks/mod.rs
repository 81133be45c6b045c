//! The check catalogue: one file per specification page, each holding the
//! checks for the requirements of that page; [`robustness`] is the one file
//! about no page (hostile input, opt-in with `--robustness`).
//!
//! A check is a plain value ([`Check`]): a stable id `area/page/slug`, the level
//! of the sentence it enforces (quoted in `requirement`), the revisions it applies
//! to, and an async function that drives fresh [`Session`]s through a [`Ctx`] and
//! returns a [`Verdict`]. Every check runs in sessions of its own, so checks are
//! isolated from each other by construction and can run concurrently.
//!
//! Shared verifiers live in [`verify`], so that "expect HTTP 400" or "expect
//! error -32601" reads, and fails, the same way in every check (h2spec style).

pub mod arguments;
pub mod auth;
pub mod base;
pub mod caching;
pub mod cancellation;
pub mod completion;
pub mod discover;
pub mod elicitation;
pub mod http_headers;
pub mod http_session;
pub mod http_sse;
pub mod http_transport;
pub mod lifecycle;
pub mod logging;
pub mod mrtr;
pub mod pagination;
pub mod ping;
pub mod progress;
pub mod prompts;
pub mod resources;
pub mod robustness;
pub mod schema;
pub mod server_requests;
pub mod stateless;
pub mod stdio;
pub mod subscriptions;
pub mod tasks;
pub mod tools;
pub mod verify;

use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use crate::wire::WireError;
use crate::wire::record::Recorder;
use crate::wire::session::{Endpoint, OpenError, Session};
use futures::future::BoxFuture;

/// Which transports a check applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transports {
    Any,
    HttpOnly,
    StdioOnly,
}

/// One conformance check.
pub struct Check {
    /// Stable id `area/page/slug`; never a list position.
    pub id: &'static str,
    pub title: &'static str,
    pub level: Level,
    pub revisions: Revisions,
    pub transports: Transports,
    pub spec: SpecRef,
    /// The specification's sentence this check enforces, quoted.
    pub requirement: &'static str,
    pub run: for<'a> fn(&'a Ctx) -> BoxFuture<'a, Outcome>,
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Check").field("id", &self.id).finish()
    }
}

impl Check {
    /// The area of the id: `lifecycle` of `lifecycle/initialize/result-shape`.
    pub fn area(&self) -> &'static str {
        self.id.split('/').next().unwrap_or(self.id)
    }
    /// Why this check does not apply to a target, if it does not.
    pub fn not_applicable(&self, version: SpecVersion, endpoint: &Endpoint) -> Option<String> {
        if !self.revisions.contains(version) {
            return Some(format!("applies to {} only; the run is on {version}", self.revisions));
        }
        match (self.transports, endpoint.is_http()) {
            (Transports::HttpOnly, false) => Some("applies to Streamable HTTP only".into()),
            (Transports::StdioOnly, true) => Some("applies to stdio only".into()),
            _ => None,
        }
    }
}

/// What a check concluded. The runner grades a `Violation` by the check's
/// level (`crate::runner::grade`): MUST → fail, SHOULD → warn, MAY → info.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Pass(String),
    Violation {
        message: String,
        expected: String,
        actual: String,
    },
    /// Recorded, not graded (the spec leaves the behaviour open).
    Info(String),
    Skip(String),
    /// The harness could not observe the behaviour.
    Error(String),
}

impl Verdict {
    pub fn pass(msg: impl Into<String>) -> Self {
        Verdict::Pass(msg.into())
    }
    pub fn violation(
        message: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Self {
        Verdict::Violation { message: message.into(), expected: expected.into(), actual: actual.into() }
    }
}

/// A check's result; `Err` ends the check early (usually with an error or a
/// violation found by a verifier), so checks read top to bottom with `?`.
pub type Outcome = Result<Verdict, Verdict>;

impl From<WireError> for Verdict {
    fn from(e: WireError) -> Self {
        Verdict::Error(e.to_string())
    }
}

impl From<OpenError> for Verdict {
    fn from(e: OpenError) -> Self {
        Verdict::Error(format!("could not open a session: {e}"))
    }
}

/// What a check gets: the target, the revision, and its own recorder.
pub struct Ctx {
    pub endpoint: Endpoint,
    pub version: SpecVersion,
    pub rec: Recorder,
    /// Which tools checks may call (`--call-tools`).
    pub call_tools: tools::CallTools,
    /// Tokens for the auth checks, when a token source was given.
    pub auth: Option<std::sync::Arc<crate::oauth::source::AuthMaterial>>,
    /// The authorization server to examine (`--authorization-server`), when
    /// not the one the target's resource metadata names.
    pub authorization_server: Option<String>,
    /// The bound on one tool call (`--tool-timeout`): a tool may take longer
    /// than a protocol exchange, and a slow tool is not the server's fault.
    pub tool_timeout: std::time::Duration,
}

impl Ctx {
    /// A ready session (handshake made where the revision has one).
    pub async fn session(&self) -> Result<Session, Verdict> {
        Ok(Session::open(&self.endpoint, self.version, self.rec.clone()).await?)
    }
    /// A connection with no handshake, for checks that make their own.
    pub fn raw(&self) -> Result<Session, Verdict> {
        Ok(Session::connect(&self.endpoint, self.version, self.rec.clone())?)
    }
    /// `tools/call` with `params` on `s`, bounded by the tool timeout rather
    /// than the protocol one.
    pub async fn call_tool(
        &self,
        s: &mut Session,
        params: serde_json::Value,
    ) -> Result<crate::wire::session::Answered, WireError> {
        let opts = crate::wire::session::SendOpts { timeout: Some(self.tool_timeout), ..Default::default() };
        s.request_with("tools/call", Some(params), &opts).await
    }
}

/// Every check, in catalogue order (by file, then as written).
pub fn all() -> Vec<&'static Check> {
    [
        base::CHECKS,
        lifecycle::CHECKS,
        ping::CHECKS,
        http_session::CHECKS,
        http_transport::CHECKS,
        http_sse::CHECKS,
        discover::CHECKS,
        stateless::CHECKS,
        http_headers::CHECKS,
        mrtr::CHECKS,
        tasks::CHECKS,
        stdio::CHECKS,
        tools::CHECKS,
        resources::CHECKS,
        subscriptions::CHECKS,
        prompts::CHECKS,
        pagination::CHECKS,
        caching::CHECKS,
        schema::CHECKS,
        completion::CHECKS,
        progress::CHECKS,
        cancellation::CHECKS,
        logging::CHECKS,
        elicitation::CHECKS,
        auth::challenge::CHECKS,
        auth::prm::CHECKS,
        auth::metadata::CHECKS,
        auth::tokens::CHECKS,
        auth::r#as::CHECKS,
        robustness::CHECKS,
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Declares a check's `run` from an `async fn(&Ctx) -> Outcome`.
#[macro_export]
macro_rules! runs {
    ($f:path) => {{
        fn run(ctx: &$crate::checks::Ctx) -> futures::future::BoxFuture<'_, $crate::checks::Outcome> {
            Box::pin($f(ctx))
        }
        run
    }};
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for c in all() {
            assert!(seen.insert(c.id), "duplicate id {}", c.id);
            assert_eq!(c.id.split('/').count(), 3, "{} is not area/page/slug", c.id);
            assert!(
                c.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'/' || b == b'-'),
                "{} has characters outside [a-z0-9/-]",
                c.id
            );
            assert!(!c.requirement.is_empty(), "{} quotes no requirement", c.id);
        }
    }
}
