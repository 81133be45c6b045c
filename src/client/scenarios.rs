//! The client scenarios: each is one run of the client under test against a
//! scripted server that behaves one way. Names are the official conformance
//! suite's where it has the scenario (so a driver written for it answers to
//! the same `MCP_CONFORMANCE_SCENARIO`), and mcpcheck's own otherwise.
//!
//! In every scenario the client is asked for the same thing, the official
//! suite's basic client: connect, list the tools, call the first one with
//! `{"a": 2, "b": 3}`, and close. What differs is what the server does.

use crate::spec::{Revisions, SpecVersion};

/// One scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scenario {
    /// The handshake, a listing and a call, answered plainly.
    Initialize,
    /// A listing and a call, on every revision.
    ToolsCall,
    /// The first tool call of the first session is answered 404: the
    /// session has expired.
    SessionExpiry,
    /// The tool call is answered on an SSE stream that sends a priming
    /// event with an id and `retry`, then closes before the response; the
    /// response waits for a GET with `Last-Event-ID`.
    SseRetry,
    /// 2026-07-28: every request's `_meta` envelope.
    RequestMetadata,
    /// 2026-07-28: `Mcp-Method` and `Mcp-Name` on every POST.
    StandardHeaders,
    /// 2026-07-28: the tool's `a` parameter is annotated `x-mcp-header`.
    CustomHeaders,
    /// 2026-07-28: the tool call is answered `input_required` with a
    /// `requestState` (and an elicitation, when the client declares it).
    RequestState,
}

impl Scenario {
    pub const ALL: [Scenario; 8] = [
        Scenario::Initialize,
        Scenario::ToolsCall,
        Scenario::SessionExpiry,
        Scenario::SseRetry,
        Scenario::RequestMetadata,
        Scenario::StandardHeaders,
        Scenario::CustomHeaders,
        Scenario::RequestState,
    ];

    /// The name passed in `MCP_CONFORMANCE_SCENARIO`.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Initialize => "initialize",
            Scenario::ToolsCall => "tools_call",
            Scenario::SessionExpiry => "session-expiry",
            Scenario::SseRetry => "sse-retry",
            Scenario::RequestMetadata => "request-metadata",
            Scenario::StandardHeaders => "http-standard-headers",
            Scenario::CustomHeaders => "http-custom-headers",
            Scenario::RequestState => "sep-2322-client-request-state",
        }
    }

    pub fn from_name(name: &str) -> Option<Scenario> {
        Scenario::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The revisions it runs on.
    pub fn revisions(self) -> Revisions {
        match self {
            Scenario::Initialize | Scenario::SessionExpiry => Revisions::HANDSHAKE,
            Scenario::ToolsCall => Revisions::ALL,
            // Priming events and `retry` came with 2025-11-25.
            Scenario::SseRetry => Revisions::between(SpecVersion::V2025_11_25, SpecVersion::V2025_11_25),
            Scenario::RequestMetadata
            | Scenario::StandardHeaders
            | Scenario::CustomHeaders
            | Scenario::RequestState => Revisions::since(SpecVersion::V2026_07_28),
        }
    }

    /// What the scripted server does, in a sentence (for `--help`-like
    /// listings and the report).
    pub fn describe(self) -> &'static str {
        match self {
            Scenario::Initialize => "answers the handshake, the listing and the call plainly",
            Scenario::ToolsCall => "offers add_numbers and answers its call",
            Scenario::SessionExpiry => {
                "answers the first session's first tool call with 404 (session expired)"
            }
            Scenario::SseRetry => {
                "answers the call on an SSE stream that sends a priming event (id, retry: 500) and closes; the response comes on a GET with Last-Event-ID"
            }
            Scenario::RequestMetadata => "records every request's _meta envelope",
            Scenario::StandardHeaders => {
                "records Mcp-Method, Mcp-Name and MCP-Protocol-Version on every POST"
            }
            Scenario::CustomHeaders => "annotates add_numbers' `a` with x-mcp-header: First",
            Scenario::RequestState => {
                "answers the first call input_required with a requestState (and an elicitation if the client declares the capability)"
            }
        }
    }

    /// Every scenario that runs on `version`, in catalogue order.
    pub fn on(version: SpecVersion) -> Vec<Scenario> {
        Scenario::ALL.into_iter().filter(|s| s.revisions().contains(version)).collect()
    }
}

impl std::fmt::Display for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_every_revision_has_a_scenario() {
        for s in Scenario::ALL {
            assert_eq!(Scenario::from_name(s.name()), Some(s));
        }
        for v in SpecVersion::ALL {
            assert!(!Scenario::on(v).is_empty(), "{v}");
        }
    }
}
