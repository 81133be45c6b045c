//! Lifecycle (`basic/lifecycle`), client side, on the handshake revisions:
//! the client opens with `initialize` carrying a version it supports, its
//! capabilities and who it is, then says `notifications/initialized` before
//! anything else.

use super::{ClientCheck, Observed, Outcome, Scenario, Seen};
use crate::checks::Verdict;
use crate::spec::{Level, Revisions, SpecRef};
use serde_json::Value;

const INITIALIZATION: SpecRef = SpecRef { page: "basic/lifecycle", anchor: "initialization" };

pub const CHECKS: &[ClientCheck] = &[
    ClientCheck {
        id: "client/lifecycle/initialize-first",
        title: "the first message the client sends is initialize",
        level: Level::Must,
        revisions: Revisions::HANDSHAKE,
        spec: INITIALIZATION,
        requirement: "The initialization phase MUST be the first interaction between client and server. The client MUST initiate this phase by sending an `initialize` request (2026-07-28's versioning page lets a dual-era client probe first: \"the modern request returns a `4xx` without a recognized modern error body, and the client falls back to `initialize`\"; such a rejected probe is not counted)",
        scenarios: &[Scenario::Initialize],
        grade: initialize_first,
    },
    ClientCheck {
        id: "client/lifecycle/initialize-params",
        title: "initialize carries a protocol version, capabilities and clientInfo",
        level: Level::Must,
        revisions: Revisions::HANDSHAKE,
        spec: INITIALIZATION,
        requirement: "The client MUST initiate this phase by sending an `initialize` request containing: Protocol version supported, Client capabilities, Client implementation information",
        scenarios: &[Scenario::Initialize],
        grade: initialize_params,
    },
    ClientCheck {
        id: "client/lifecycle/known-version",
        title: "the version the client asks for is a published revision",
        level: Level::Must,
        revisions: Revisions::HANDSHAKE,
        spec: SpecRef { page: "basic/lifecycle", anchor: "version-negotiation" },
        requirement: "In the `initialize` request, the client MUST send a protocol version it supports.",
        scenarios: &[Scenario::Initialize],
        grade: known_version,
    },
    ClientCheck {
        id: "client/lifecycle/initialized-sent",
        title: "notifications/initialized follows the initialize result, before other requests",
        level: Level::Must,
        revisions: Revisions::HANDSHAKE,
        spec: INITIALIZATION,
        requirement: "After successful initialization, the client MUST send an `initialized` notification to indicate it is ready to begin normal operations",
        scenarios: &[Scenario::Initialize],
        grade: initialized_sent,
    },
];

/// Every revision mcpcheck knows, and the one before the first it tests.
const PUBLISHED: &[&str] = &["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];

/// The first `initialize` POST, or the error that there was none.
pub fn first_initialize(obs: &Observed) -> Result<&Seen, Verdict> {
    obs.seen
        .iter()
        .find(|s| s.is_post() && s.rpc_method() == Some("initialize"))
        .ok_or_else(|| obs.nothing("initialize request"))
}

/// A dual-era client's modern probe (a `server/discover`, or any request
/// carrying the 2026-07-28 `_meta` protocol version) that the handshake
/// server refused with a 4xx.
fn rejected_probe(s: &Seen) -> bool {
    let modern = s.rpc_method() == Some("server/discover")
        || s.messages
            .iter()
            .any(|m| m.pointer("/params/_meta/io.modelcontextprotocol~1protocolVersion").is_some());
    modern && (400..500).contains(&s.status)
}

fn initialize_first(obs: &Observed) -> Outcome {
    let posts: Vec<&Seen> = obs.seen.iter().filter(|s| s.is_post()).collect();
    let probes = posts.iter().take_while(|s| rejected_probe(s)).count();
    let Some(first) = posts.get(probes) else { return Err(obs.nothing("POST")) };
    if first.rpc_method() == Some("initialize") && !first.batch {
        return Ok(Verdict::pass(match probes {
            0 => "the first POST is initialize".to_string(),
            n => format!("initialize, after {n} modern probe(s) the server refused (the dual-era fallback)"),
        }));
    }
    Ok(Verdict::violation(
        "the client sent something else before initialize",
        "the first POST: an initialize request",
        format!("{}: {}", first.describe(), cut(&first.body)),
    ))
}

fn initialize_params(obs: &Observed) -> Outcome {
    let init = first_initialize(obs)?;
    let params = init.messages.first().and_then(|m| m.get("params"));
    let mut missing = Vec::new();
    if params.and_then(|p| p.get("protocolVersion")).and_then(Value::as_str).is_none() {
        missing.push("protocolVersion (a string)");
    }
    if !params.and_then(|p| p.get("capabilities")).is_some_and(Value::is_object) {
        missing.push("capabilities (an object)");
    }
    let info = params.and_then(|p| p.get("clientInfo"));
    let named = |k: &str| info.and_then(|i| i.get(k)).and_then(Value::as_str).is_some();
    if !(named("name") && named("version")) {
        missing.push("clientInfo with name and version");
    }
    if missing.is_empty() {
        return Ok(Verdict::pass("initialize carries protocolVersion, capabilities and clientInfo"));
    }
    Ok(Verdict::violation(
        format!("initialize lacks {}", missing.join(", ")),
        "params.protocolVersion, params.capabilities, params.clientInfo {name, version}",
        cut(&init.body),
    ))
}

fn known_version(obs: &Observed) -> Outcome {
    let init = first_initialize(obs)?;
    let asked = init.messages.first().and_then(|m| m.pointer("/params/protocolVersion"));
    match asked.and_then(Value::as_str) {
        Some(v) if PUBLISHED.contains(&v) => Ok(Verdict::pass(format!("asked for {v}"))),
        _ => Ok(Verdict::violation(
            "the client asked for a version that is no published revision",
            format!("one of {}", PUBLISHED.join(", ")),
            crate::wire::jsonrpc::show(asked),
        )),
    }
}

fn initialized_sent(obs: &Observed) -> Outcome {
    let init = first_initialize(obs)?;
    let Some(sid) = init.exchange.response.as_ref().and_then(|r| r.headers.get("mcp-session-id")) else {
        return Err(Verdict::Error("the scripted server gave the first initialize no session id".into()));
    };
    let start = obs.seen.iter().position(|s| std::ptr::eq(s, init)).map_or(0, |i| i + 1);
    let after: Vec<&Seen> =
        obs.seen[start..].iter().filter(|s| s.header("mcp-session-id") == Some(sid.as_str())).collect();
    let notified = after.iter().position(|s| s.rpc_method() == Some("notifications/initialized"));
    let first_request = after.iter().position(|s| s.is_request() && s.rpc_method() != Some("ping"));
    match (notified, first_request) {
        (Some(n), Some(r)) if r < n => Ok(Verdict::violation(
            "the client sent a request before notifications/initialized",
            "notifications/initialized before any request but ping",
            format!("{} came first", after[r].describe()),
        )),
        (Some(_), _) => Ok(Verdict::pass("notifications/initialized was sent in the session it opened")),
        (None, _) => Ok(Verdict::violation(
            "the client never sent notifications/initialized",
            format!("a POST of notifications/initialized with Mcp-Session-Id {sid}"),
            format!("{} message(s) in that session, none of them notifications/initialized", after.len()),
        )),
    }
}

/// A body as a verdict quotes it: its first 300 characters.
pub fn cut(body: &str) -> String {
    match body.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &body[..i]),
        None => body.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::SpecVersion;
    use crate::wire::record::{self, Exchange};
    use serde_json::json;
    use std::time::Duration;

    fn post(msg: Value, status: u16) -> Seen {
        let body = msg.to_string();
        Seen {
            at: Duration::ZERO,
            method: "POST".into(),
            path: "/mcp".into(),
            headers: vec![],
            body: body.clone(),
            messages: vec![msg],
            batch: false,
            status,
            exchange: Exchange {
                transport: "http".into(),
                request: record::request("POST", "http://127.0.0.1:9/mcp", Default::default(), &body),
                response: None,
                error: None,
                duration_ms: 0.0,
            },
        }
    }

    fn observed(seen: Vec<Seen>) -> Observed {
        Observed {
            version: SpecVersion::V2025_11_25,
            scenario: Scenario::Initialize,
            seen,
            sse_cut_at: None,
            issued_state: None,
            asked_inputs: vec![],
            process: crate::client::spawn::ProcessEnd::NotStarted("test".into()),
        }
    }

    fn init() -> Value {
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}})
    }

    #[test]
    fn a_refused_modern_probe_before_initialize_is_the_dual_era_fallback() {
        let probe = json!({"jsonrpc": "2.0", "id": 0, "method": "server/discover", "params": {}});
        let v = initialize_first(&observed(vec![post(probe, 400), post(init(), 200)]));
        assert!(matches!(v, Ok(Verdict::Pass(ref m)) if m.contains("probe")), "{v:?}");
    }

    #[test]
    fn a_served_probe_or_any_other_first_request_fails() {
        let probe = json!({"jsonrpc": "2.0", "id": 0, "method": "server/discover", "params": {}});
        let served = initialize_first(&observed(vec![post(probe, 200), post(init(), 200)]));
        assert!(matches!(served, Ok(Verdict::Violation { .. })), "{served:?}");
        let list = json!({"jsonrpc": "2.0", "id": 0, "method": "tools/list", "params": {}});
        let early = initialize_first(&observed(vec![post(list, 400), post(init(), 200)]));
        assert!(matches!(early, Ok(Verdict::Violation { .. })), "{early:?}");
    }
}
