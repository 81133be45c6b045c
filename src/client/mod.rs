//! Client conformance: mcpcheck plays the server. For each scenario it
//! starts a scripted MCP server on 127.0.0.1:0 ([`scripted`]), runs the
//! client under test against it ([`spawn`]), and grades what the client
//! sent with the `client/...` checks, one file per specification page.
//!
//! A client check never talks to anything: it reads the traffic the scripted
//! server recorded ([`Observed`]) and returns a [`Verdict`], so it is a pure
//! function of that record and its result is the same however the run was
//! scheduled. A check that needs traffic the client never sent (no tool
//! call, no DELETE) says so as an error or a violation, never as a pass.
//!
//! The conventions are the official conformance suite's, so a client wired
//! for it runs unchanged: the server URL is the command's last argument and
//! `MCP_SERVER_URL`, the scenario's name is `MCP_CONFORMANCE_SCENARIO`, the
//! revision `MCP_CONFORMANCE_PROTOCOL_VERSION`.
//!
//! # Layout
//!
//! - [`scenarios`]: what each scenario's server does and what the client is
//!   asked to do.
//! - [`scripted`]: the scripted server and its record of the traffic (what
//!   it lists and answers in `scripted/tools.rs`);
//!   [`scripted_auth`], its authorization side; [`scripted_elicitation`],
//!   the server request it sends mid-call on the handshake revisions.
//! - [`spawn`]: the client process, bounded.
//! - [`lifecycle`], [`http_transport`], [`http_headers`], [`meta`], [`mrtr`],
//!   [`schema`], [`auth`], [`auth_server`], [`auth_refresh`],
//!   [`auth_registration`], [`elicitation`]: the checks, one file per specification page
//!   (or, for the long authorization page, per part of it).

pub mod auth;
pub mod auth_refresh;
pub mod auth_registration;
pub mod auth_server;
pub mod elicitation;
pub mod http_headers;
pub mod http_transport;
pub mod lifecycle;
pub mod meta;
pub mod mrtr;
pub mod scenarios;
pub mod schema;
pub mod scripted;
pub mod scripted_auth;
pub mod scripted_elicitation;
pub mod spawn;

use crate::checks::Verdict;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
pub use scenarios::Scenario;
pub use scripted::{Observed, Seen};

/// One client-side rule.
pub struct ClientCheck {
    /// Stable id `client/page/slug`.
    pub id: &'static str,
    pub title: &'static str,
    pub level: Level,
    pub revisions: Revisions,
    pub spec: SpecRef,
    /// The specification's sentence this check enforces, quoted.
    pub requirement: &'static str,
    /// The scenarios whose traffic it grades: on each revision, the first
    /// of them that runs there (one result per revision).
    pub scenarios: &'static [Scenario],
    pub grade: fn(&Observed) -> Outcome,
}

impl std::fmt::Debug for ClientCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCheck").field("id", &self.id).finish()
    }
}

impl ClientCheck {
    /// The scenario whose traffic it grades on `version`, if it applies there.
    pub fn scenario_on(&self, version: SpecVersion) -> Option<Scenario> {
        if !self.revisions.contains(version) {
            return None;
        }
        self.scenarios.iter().copied().find(|s| s.revisions().contains(version))
    }
}

/// A grade; `Err` ends it early, as in the server checks.
pub type Outcome = Result<Verdict, Verdict>;

/// Every client check, in catalogue order.
pub fn all() -> Vec<&'static ClientCheck> {
    [
        lifecycle::CHECKS,
        http_transport::CHECKS,
        http_headers::CHECKS,
        meta::CHECKS,
        mrtr::CHECKS,
        elicitation::CHECKS,
        schema::CHECKS,
        auth::CHECKS,
        auth_server::CHECKS,
        auth_refresh::CHECKS,
        auth_registration::CHECKS,
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The checks that grade `scenario` on `version`.
pub fn grading(scenario: Scenario, version: SpecVersion) -> Vec<&'static ClientCheck> {
    all().into_iter().filter(|c| c.scenario_on(version) == Some(scenario)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_and_every_check_grades_a_scenario_of_its_revisions() {
        let mut seen = HashSet::new();
        for c in all() {
            assert!(seen.insert(c.id), "duplicate id {}", c.id);
            assert_eq!(c.id.split('/').count(), 3, "{} is not client/page/slug", c.id);
            assert!(c.id.starts_with("client/"), "{}", c.id);
            assert!(!c.requirement.is_empty(), "{} quotes no requirement", c.id);
            for v in c.revisions.iter() {
                assert!(c.scenario_on(v).is_some(), "{} grades no scenario on {v}", c.id);
            }
        }
        let server: HashSet<&str> = crate::checks::all().iter().map(|c| c.id).collect();
        assert!(seen.is_disjoint(&server), "a client check shares an id with a server check");
    }
}
