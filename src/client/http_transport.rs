//! Streamable HTTP (`basic/transports`), client side: what every POST must
//! carry, the session id and protocol version sent back, a new session
//! after 404, DELETE at the end, and an interrupted SSE stream resumed
//! after the server's `retry`. The 2026-07-28 routing headers are in
//! [`super::http_headers`].

use super::lifecycle::cut;
use super::scripted::{PRIMING_EVENT_ID, SSE_RETRY_MS};
use super::{ClientCheck, Observed, Outcome, Scenario, Seen};
use crate::checks::Verdict;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use std::time::Duration;

const SENDING: SpecRef = SpecRef { page: "basic/transports", anchor: "sending-messages-to-the-server" };
const SESSIONS: SpecRef = SpecRef { page: "basic/transports", anchor: "session-management" };
const SINCE_2025_06: Revisions = Revisions::since(SpecVersion::V2025_06_18);
const ONLY_2025_11: Revisions = Revisions::between(SpecVersion::V2025_11_25, SpecVersion::V2025_11_25);

pub const CHECKS: &[ClientCheck] = &[
    ClientCheck {
        id: "client/http-transport/post-accept",
        title: "every POST's Accept lists application/json and text/event-stream",
        level: Level::Must,
        revisions: Revisions::ALL,
        spec: SENDING,
        requirement: "The client MUST include an `Accept` header, listing both `application/json` and `text/event-stream` as supported content types.",
        scenarios: &[Scenario::ToolsCall],
        grade: post_accept,
    },
    ClientCheck {
        id: "client/http-transport/single-message",
        title: "every POST body is one JSON-RPC message, not a batch",
        level: Level::Must,
        revisions: SINCE_2025_06,
        spec: SENDING,
        requirement: "The body of the POST request MUST be a single JSON-RPC _request_, _notification_, or _response_.",
        scenarios: &[Scenario::ToolsCall],
        grade: single_message,
    },
    ClientCheck {
        id: "client/http-transport/session-id-echoed",
        title: "the session id from initialize is on every later request",
        level: Level::Must,
        revisions: Revisions::HANDSHAKE,
        spec: SESSIONS,
        requirement: "If an `MCP-Session-Id` is returned by the server during initialization, clients using the Streamable HTTP transport MUST include it in the `MCP-Session-Id` header on all of their subsequent HTTP requests.",
        scenarios: &[Scenario::Initialize],
        grade: session_id_echoed,
    },
    ClientCheck {
        id: "client/http-transport/protocol-version-header",
        title: "MCP-Protocol-Version is on every request after initialize (2026-07-28: every POST)",
        level: Level::Must,
        revisions: SINCE_2025_06,
        spec: SpecRef { page: "basic/transports", anchor: "protocol-version-header" },
        requirement: "If using HTTP, the client MUST include the `MCP-Protocol-Version: <protocol-version>` HTTP header on all subsequent requests to the MCP server (2026-07-28: \"Every POST request to the MCP endpoint MUST include an `MCP-Protocol-Version` header.\")",
        scenarios: &[Scenario::Initialize, Scenario::StandardHeaders],
        grade: protocol_version_header,
    },
    ClientCheck {
        id: "client/http-transport/new-session-after-404",
        title: "after 404 on a session, the client starts a new one with initialize",
        level: Level::Must,
        revisions: Revisions::HANDSHAKE,
        spec: SESSIONS,
        requirement: "When a client receives HTTP 404 in response to a request containing an `MCP-Session-Id`, it MUST start a new session by sending a new `InitializeRequest` without a session ID attached.",
        scenarios: &[Scenario::SessionExpiry],
        grade: new_session_after_404,
    },
    ClientCheck {
        id: "client/http-transport/delete-session",
        title: "the client ends its session with DELETE",
        level: Level::Should,
        revisions: Revisions::HANDSHAKE,
        spec: SESSIONS,
        requirement: "Clients that no longer need a particular session (e.g., because the user is leaving the client application) SHOULD send an HTTP DELETE to the MCP endpoint with the `MCP-Session-Id` header, to explicitly terminate the session.",
        scenarios: &[Scenario::Initialize],
        grade: delete_session,
    },
    ClientCheck {
        id: "client/http-transport/sse-retry-respected",
        title: "after a stream closes, the client waits the server's retry before reconnecting",
        level: Level::Must,
        revisions: ONLY_2025_11,
        spec: SENDING,
        requirement: "The client MUST respect the `retry` field, waiting the given number of milliseconds before attempting to reconnect.",
        scenarios: &[Scenario::SseRetry],
        grade: sse_retry_respected,
    },
    ClientCheck {
        id: "client/http-transport/sse-resumed",
        title: "a closed stream is resumed with GET and Last-Event-ID",
        level: Level::Should,
        revisions: ONLY_2025_11,
        spec: SpecRef { page: "basic/transports", anchor: "resumability-and-redelivery" },
        requirement: "If the client wishes to resume after a disconnection (whether due to network failure or server-initiated closure), it SHOULD issue an HTTP GET to the MCP endpoint, and include the `Last-Event-ID` header to indicate the last event ID it received.",
        scenarios: &[Scenario::SseRetry],
        grade: sse_resumed,
    },
];

/// Whether an Accept value lists `media` (parameters and case ignored).
pub fn lists(accept: &str, media: &str) -> bool {
    accept.split(',').any(|part| part.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case(media))
}

fn posts(obs: &Observed) -> Result<Vec<&Seen>, Verdict> {
    let posts: Vec<&Seen> = obs.seen.iter().filter(|s| s.is_post()).collect();
    if posts.is_empty() { Err(obs.nothing("POST")) } else { Ok(posts) }
}

fn post_accept(obs: &Observed) -> Outcome {
    let posts = posts(obs)?;
    let bad: Vec<String> = posts
        .iter()
        .filter(|s| {
            let a = s.header("accept").unwrap_or("");
            !(lists(a, "application/json") && lists(a, "text/event-stream"))
        })
        .map(|s| format!("{}: Accept {:?}", s.describe(), s.header("accept").unwrap_or("(none)")))
        .collect();
    if bad.is_empty() {
        return Ok(Verdict::pass(format!("all {} POSTs list both types", posts.len())));
    }
    Ok(Verdict::violation(
        format!("{} of {} POSTs do not list both types", bad.len(), posts.len()),
        "Accept: application/json, text/event-stream",
        bad.join("; "),
    ))
}

fn single_message(obs: &Observed) -> Outcome {
    let posts = posts(obs)?;
    let bad: Vec<String> = posts
        .iter()
        .filter(|s| s.batch || s.messages.is_empty())
        .map(|s| format!("{}: {}", if s.batch { "a batch" } else { "not JSON" }, cut(&s.body)))
        .collect();
    if bad.is_empty() {
        return Ok(Verdict::pass(format!("all {} POSTs carry one message", posts.len())));
    }
    Ok(Verdict::violation(
        format!("{} POST(s) do not carry one JSON-RPC message", bad.len()),
        "one JSON-RPC request, notification or response per POST",
        bad.join("; "),
    ))
}

/// Each request after an initialize answer, with the session id and the
/// version that answer gave.
fn after_initialize(obs: &Observed) -> Vec<(&Seen, Option<String>, Option<String>)> {
    let mut out = Vec::new();
    let mut current: Option<(Option<String>, Option<String>)> = None;
    for s in &obs.seen {
        if s.is_post() && s.rpc_method() == Some("initialize") {
            let r = s.exchange.response.as_ref();
            let sid = r.and_then(|r| r.headers.get("mcp-session-id")).cloned();
            let version =
                r.and_then(|r| serde_json::from_str::<serde_json::Value>(&r.body).ok()).and_then(|v| {
                    v.pointer("/result/protocolVersion").and_then(|p| p.as_str()).map(str::to_string)
                });
            current = Some((sid, version));
            continue;
        }
        if let Some((sid, version)) = &current {
            out.push((s, sid.clone(), version.clone()));
        }
    }
    out
}

fn session_id_echoed(obs: &Observed) -> Outcome {
    let later = after_initialize(obs);
    if later.is_empty() {
        return Err(obs.nothing("request after initialize"));
    }
    let bad: Vec<String> = later
        .iter()
        .filter_map(|(s, sid, _)| {
            let sid = sid.as_deref()?;
            (s.header("mcp-session-id") != Some(sid)).then(|| {
                format!("{}: Mcp-Session-Id {:?}, expected {sid}", s.describe(), s.header("mcp-session-id"))
            })
        })
        .collect();
    if bad.is_empty() {
        return Ok(Verdict::pass(format!("all {} later requests carried the session id", later.len())));
    }
    Ok(Verdict::violation(
        format!("{} of {} later requests lack the session id", bad.len(), later.len()),
        "the Mcp-Session-Id initialize returned, on every later request",
        bad.join("; "),
    ))
}

fn protocol_version_header(obs: &Observed) -> Outcome {
    let graded: Vec<(&Seen, Option<String>)> = if obs.version.has_handshake() {
        after_initialize(obs).into_iter().map(|(s, _, v)| (s, v)).collect()
    } else {
        obs.seen.iter().filter(|s| s.is_post()).map(|s| (s, Some(obs.version.to_string()))).collect()
    };
    if graded.is_empty() {
        return Err(obs.nothing("request the header applies to"));
    }
    let missing: Vec<String> = graded
        .iter()
        .filter(|(s, _)| s.header("mcp-protocol-version").is_none())
        .map(|(s, _)| s.describe())
        .collect();
    if !missing.is_empty() {
        return Ok(Verdict::violation(
            format!("{} of {} requests lack MCP-Protocol-Version", missing.len(), graded.len()),
            "MCP-Protocol-Version on every request it applies to",
            missing.join("; "),
        ));
    }
    // The value SHOULD be the negotiated one: said, not graded, here.
    let other: Vec<String> = graded
        .iter()
        .filter_map(|(s, v)| {
            let sent = s.header("mcp-protocol-version")?;
            (v.as_deref().is_some_and(|v| v != sent)).then(|| format!("{}: {sent}", s.describe()))
        })
        .collect();
    let note = if other.is_empty() {
        String::new()
    } else {
        format!(" (not the negotiated version: {})", other.join("; "))
    };
    Ok(Verdict::pass(format!("all {} requests carried MCP-Protocol-Version{note}", graded.len())))
}

fn new_session_after_404(obs: &Observed) -> Outcome {
    let Some(at) = obs.seen.iter().position(|s| s.status == 404 && s.header("mcp-session-id").is_some())
    else {
        return Err(obs.nothing("tool call (the request the server answers 404)"));
    };
    let expired = &obs.seen[at];
    let Some(next) =
        obs.seen[at + 1..].iter().find(|s| s.is_post() && s.rpc_method() != Some("notifications/cancelled"))
    else {
        return Ok(Verdict::violation(
            "the client sent nothing after the 404",
            "a new initialize request without Mcp-Session-Id",
            format!("{} answered 404; no POST followed", expired.describe()),
        ));
    };
    if next.rpc_method() == Some("initialize") && next.header("mcp-session-id").is_none() {
        return Ok(Verdict::pass("the client sent a new initialize without a session id"));
    }
    Ok(Verdict::violation(
        "the client did not start a new session after the 404",
        "a new initialize request without Mcp-Session-Id",
        format!("{} with Mcp-Session-Id {:?}", next.describe(), next.header("mcp-session-id")),
    ))
}

fn delete_session(obs: &Observed) -> Outcome {
    let Some((_, Some(sid), _)) = after_initialize(obs).last().cloned() else {
        return Err(obs.nothing("request after initialize"));
    };
    let deleted =
        obs.seen.iter().any(|s| s.method == "DELETE" && s.header("mcp-session-id") == Some(sid.as_str()));
    if deleted {
        return Ok(Verdict::pass(format!("DELETE with Mcp-Session-Id {sid}")));
    }
    Ok(Verdict::violation(
        "the client left without ending its session",
        format!("DELETE with Mcp-Session-Id {sid}"),
        format!("no DELETE among {} requests; the client {}", obs.seen.len(), obs.process),
    ))
}

/// The first attempt to reconnect after the cut: a GET, or the call again.
fn reconnect(obs: &Observed) -> Result<(Duration, Option<&Seen>), Verdict> {
    let Some(cut_at) = obs.sse_cut_at else {
        return Err(obs.nothing("tool call (the request answered on SSE)"));
    };
    let next = obs
        .seen
        .iter()
        .find(|s| s.at > cut_at && (s.method == "GET" || s.rpc_method() == Some("tools/call")));
    Ok((cut_at, next))
}

fn sse_retry_respected(obs: &Observed) -> Outcome {
    let (cut_at, next) = reconnect(obs)?;
    let Some(next) = next else {
        return Ok(Verdict::Skip("the client did not reconnect after the stream closed".into()));
    };
    let waited = next.at.saturating_sub(cut_at);
    // The cut is timed when the answer left; the client saw it later, so
    // the gap measured here is never shorter than the client's wait.
    if waited + Duration::from_millis(5) >= Duration::from_millis(SSE_RETRY_MS) {
        return Ok(Verdict::pass(format!(
            "reconnected after {} ms (retry: {SSE_RETRY_MS})",
            waited.as_millis()
        )));
    }
    Ok(Verdict::violation(
        "the client reconnected before the retry interval",
        format!("a reconnect at least {SSE_RETRY_MS} ms after the stream closed"),
        format!("{} {} ms after", next.describe(), waited.as_millis()),
    ))
}

fn sse_resumed(obs: &Observed) -> Outcome {
    let (cut_at, _) = reconnect(obs)?;
    let gets: Vec<&Seen> = obs.seen.iter().filter(|s| s.at > cut_at && s.method == "GET").collect();
    if gets.iter().any(|s| s.header("last-event-id") == Some(PRIMING_EVENT_ID)) {
        return Ok(Verdict::pass(format!("GET with Last-Event-ID {PRIMING_EVENT_ID}")));
    }
    Ok(Verdict::violation(
        "the client did not resume the stream",
        format!("GET with Last-Event-ID: {PRIMING_EVENT_ID}"),
        match gets.first() {
            Some(g) => format!("GET with Last-Event-ID {:?}", g.header("last-event-id")),
            None => "no GET after the stream closed".into(),
        },
    ))
}
