//! Server-Sent Events on Streamable HTTP (`basic/transports`): how the
//! streams a server opens are framed, and what it replays when a client
//! resumes one with `Last-Event-ID`.
//!
//! Why a file of its own: these checks read whole streams (to the server's
//! end, or for a short window when a stream stays open), where every other
//! transport check stops at the response. They re-read the recorded bytes
//! with the hand-written parser in [`crate::wire::sse`], which keeps the
//! priming and keep-alive events that other SSE parsers hide, so that a
//! priming event (an id and empty data) is seen, and tolerated, as sent.

use super::{Check, Ctx, Outcome, Transports, Verdict, server_requests};
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use crate::wire::jsonrpc::{self, Kind};
use crate::wire::session::{Reply, SendOpts};
use crate::wire::sse::{SseEvent, SseParser};
use serde_json::Value;
use std::time::Duration;

/// How long a POST stream may stay open after its response before the read
/// stops (the server only SHOULD end it), and how long a GET stream, which
/// may stay open for good, is listened to.
const POST_WINDOW: Duration = Duration::from_secs(3);
pub(super) const GET_WINDOW: Duration = Duration::from_millis(500);
/// A resumed stream must at least be answered: its read gets longer, so a
/// distant server's answer is not mistaken for none.
const RESUME_WINDOW: Duration = Duration::from_secs(1);

pub const CHECKS: &[Check] = &[
    Check {
        id: "http/sse/framing",
        title: "every SSE event is well framed and its data, when not empty, is one JSON-RPC message",
        level: Level::Must,
        revisions: Revisions::ALL,
        transports: Transports::HttpOnly,
        spec: SpecRef { page: "basic/transports", anchor: "sending-messages-to-the-server" },
        requirement: "If the input is a JSON-RPC request, the server MUST either return Content-Type: text/event-stream, to initiate an SSE stream, or Content-Type: application/json, to return one JSON object. (basic/index: JSON-RPC messages MUST be UTF-8 encoded.)",
        run: runs!(framing),
    },
    Check {
        id: "http/sse/resume-last-event-id",
        title: "a GET with Last-Event-ID replays nothing from another stream",
        level: Level::Must,
        revisions: Revisions::HANDSHAKE,
        transports: Transports::HttpOnly,
        spec: SpecRef { page: "basic/transports", anchor: "resumability-and-redelivery" },
        requirement: "The server MAY use this header to replay messages that would have been sent after the last event ID, on the stream that was disconnected, and to resume the stream from that point. The server MUST NOT replay messages that would have been delivered on a different stream.",
        run: runs!(resume_last_event_id),
    },
    Check {
        id: "http/sse/no-server-requests",
        title: "no request from the server on a tool call's stream (2026-07-28)",
        level: Level::Must,
        revisions: Revisions::since(SpecVersion::V2026_07_28),
        transports: Transports::HttpOnly,
        spec: SpecRef { page: "basic/transports", anchor: "receiving-messages" },
        requirement: "The server MUST NOT send independent JSON-RPC requests on this stream. Server-to-client interactions (sampling, elicitation, list-roots) are embedded as input requests inside an InputRequiredResult per MRTR (SEP-2322), not delivered as separate requests on this or any other stream.",
        run: runs!(no_server_requests),
    },
];

/// What is wrong with the framing of one SSE answer, if anything.
///
/// An SSE stream (the WHATWG event-stream format the transport names)
/// dispatches events; in MCP each event's data is one JSON-RPC message
/// (on 2025-03-26, whose transport allowed batching, a batch: an array of
/// messages). An event with empty data carries no message: the priming
/// event of 2025-11-25 ("an SSE event consisting of an event ID and an
/// empty data field"), or a keep-alive. A stream the server ended inside an
/// event loses that event (the parser drops it), so that is a fault too; a
/// read that stopped early (at a window) proves nothing of the kind.
fn frame_problems(reply: &Reply, version: SpecVersion) -> Vec<String> {
    let Some(http) = &reply.http else { return vec!["no HTTP answer".into()] };
    let mut problems = Vec::new();
    let mut parser = SseParser::new();
    let events = parser.feed(&http.body);
    for (i, ev) in events.iter().enumerate() {
        if let Some(why) = data_problem(ev, version) {
            problems.push(format!("event {} ({}): {why}", i + 1, jsonrpc::clip(&ev.data, 80)));
        }
    }
    if http.ended && parser.finish() {
        problems.push(
            "the server ended the stream inside an event (no blank line after it), so it is lost".into(),
        );
    }
    problems
}

fn data_problem(ev: &SseEvent, version: SpecVersion) -> Option<String> {
    if ev.data.is_empty() {
        return None;
    }
    let value: Value = match serde_json::from_str(&ev.data) {
        Ok(v) => v,
        Err(e) => return Some(format!("data is not JSON: {e}")),
    };
    let is_message = |v: &Value| jsonrpc::kind(v) != Kind::Other;
    match &value {
        Value::Array(items) if version == SpecVersion::V2025_03_26 => {
            if items.is_empty() || !items.iter().all(is_message) {
                Some("data is an array that is not a batch of JSON-RPC messages".into())
            } else {
                None
            }
        }
        v if is_message(v) => None,
        _ => Some("data is JSON but not one JSON-RPC message".into()),
    }
}

fn is_sse(reply: &Reply) -> bool {
    reply.http.as_ref().and_then(|h| h.media_type()).as_deref() == Some("text/event-stream")
}

/// "If the input is a JSON-RPC request, the server MUST either return
/// Content-Type: text/event-stream, to initiate an SSE stream, or
/// Content-Type: application/json, to return one JSON object." Every SSE
/// answer mcpcheck gets (two POSTs and, before 2026-07-28, the GET stream) is
/// read whole and checked by [`frame_problems`].
async fn framing(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let mut streams: Vec<(String, Reply)> = Vec::new();
    // Requests every server answers without side effects.
    for method in ["ping", "tools/list"] {
        let msg = jsonrpc::request(s.next_id(), method, s.params(None));
        let reply = s.http_read_window(Some(&msg), &SendOpts::default(), POST_WINDOW).await?;
        streams.push((format!("POST {method}"), reply));
    }
    if ctx.version.has_handshake() {
        // The standalone stream, where the server offers one (else 405).
        let reply = s.http_read_window(None, &SendOpts::default(), GET_WINDOW).await?;
        streams.push(("GET".into(), reply));
    }
    streams.retain(|(_, r)| is_sse(r));
    if streams.is_empty() {
        return Ok(Verdict::Skip(
            "the server opened no SSE stream (it answered with application/json)".into(),
        ));
    }
    let mut problems = Vec::new();
    let mut events = 0;
    for (what, reply) in &streams {
        events += reply.http.as_ref().and_then(|h| h.events.as_ref()).map_or(0, Vec::len);
        problems.extend(frame_problems(reply, ctx.version).into_iter().map(|p| format!("{what}: {p}")));
    }
    let names: Vec<&str> = streams.iter().map(|(w, _)| w.as_str()).collect();
    if problems.is_empty() {
        Ok(Verdict::pass(format!("{events} events well framed on {}", names.join(", "))))
    } else {
        Ok(Verdict::violation(
            "an SSE stream carries an event that is not one JSON-RPC message",
            "every event terminated by a blank line; each non-empty data one JSON-RPC message",
            problems.join("; "),
        ))
    }
}

/// The ids and the messages of one SSE answer, in order.
fn ids_and_messages(reply: &Reply) -> (Vec<String>, Vec<Value>) {
    let events = reply.http.as_ref().and_then(|h| h.events.as_ref());
    let ids = events.into_iter().flatten().filter_map(|e| e.id.clone()).collect();
    (ids, reply.messages.clone())
}

/// "The server MUST NOT replay messages that would have been delivered on a
/// different stream." Two requests answered on two streams (A, then B); a GET resumes A from
/// its first event id. Whatever comes back must have belonged to A: a
/// message of B, or a response to any request but A, was "delivered on a
/// different stream". Replaying nothing is allowed (replay is a MAY).
async fn resume_last_event_id(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let a = s.request("ping", None).await?;
    let b = s.request("tools/list", None).await?;
    let (a_ids, a_messages) = ids_and_messages(&a.reply);
    let (b_ids, b_messages) = ids_and_messages(&b.reply);
    let Some(first) = a_ids.first() else {
        return Ok(Verdict::Skip(
            "the server attached no event ids to the stream of a request, so there is nothing to resume"
                .into(),
        ));
    };
    let opts = SendOpts { headers: vec![("Last-Event-ID".into(), first.clone())], ..Default::default() };
    let resumed = s.http_read_window(None, &opts, RESUME_WINDOW).await?;
    match resumed.status() {
        Some(405) => {
            return Ok(Verdict::Skip(format!(
                "the server offers event ids ({first:?}) but no GET stream to resume on (405)"
            )));
        }
        Some(200) if is_sse(&resumed) => {}
        None | Some(0) => {
            return Ok(Verdict::Error(format!("the resuming GET got no answer within {RESUME_WINDOW:?}")));
        }
        _ => {
            // How a GET is answered at all is http/get/sse-or-405's business.
            return Ok(Verdict::Info(format!("the resuming GET was answered {}", resumed.summary())));
        }
    }
    let foreign: Vec<String> = resumed
        .messages
        .iter()
        .filter(|m| {
            let of_b = b_messages.contains(m) && !a_messages.contains(m);
            let other_response = jsonrpc::kind(m) == Kind::Response && m.get("id") != Some(&a.id);
            of_b || other_response
        })
        .map(|m| jsonrpc::clip(&m.to_string(), 160))
        .collect();
    let (resumed_ids, _) = ids_and_messages(&resumed);
    let foreign_ids: Vec<&String> = resumed_ids.iter().filter(|id| b_ids.contains(id)).collect();
    if foreign.is_empty() && foreign_ids.is_empty() {
        return Ok(Verdict::pass(format!(
            "resumed from {first:?}: {} message(s) replayed, all of that stream",
            resumed.messages.len()
        )));
    }
    Ok(Verdict::violation(
        format!("resuming the stream of request {} from {first:?} replayed another stream's messages", a.id),
        format!(
            "only messages of the stream that carried event {first:?} (the answer to request {}), or none",
            a.id
        ),
        format!(
            "replayed {} (event ids of the other stream: {foreign_ids:?})",
            if foreign.is_empty() { "no foreign message".to_string() } else { foreign.join(", ") }
        ),
    ))
}

/// Calls the tools mcpcheck may call, every client capability declared in
/// their `_meta`, and looks for requests on their streams (answered, so
/// that a server waiting for one is not held).
async fn no_server_requests(ctx: &Ctx) -> Outcome {
    let survey = server_requests::survey(ctx, server_requests::every_capability(ctx.version)).await?;
    if survey.calls.is_empty() {
        return Ok(Verdict::Skip(format!("no tool was called ({})", survey.note())));
    }
    if let Some((tool, request)) = survey.requests().next() {
        return Ok(Verdict::violation(
            format!("a call of {tool} carried a request from the server on its stream"),
            "notifications and the response only; input asked for through an InputRequiredResult",
            jsonrpc::show(Some(request)),
        ));
    }
    Ok(Verdict::pass(format!("no server request on any tool call's stream ({})", survey.note())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::http::HttpReply;

    fn sse(body: &str, ended: bool) -> Reply {
        let http = HttpReply { status: 200, body: body.as_bytes().to_vec(), ended, ..HttpReply::default() };
        Reply { http: Some(http), ..Reply::default() }
    }

    #[test]
    fn priming_and_messages_are_well_framed() {
        let body =
            "id: 0\ndata:\nretry: 3000\n\nid: 1\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n";
        assert!(frame_problems(&sse(body, true), SpecVersion::V2025_11_25).is_empty());
    }

    #[test]
    fn text_data_and_a_cut_event_are_problems() {
        let body = "data: pong\n\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n";
        let problems = frame_problems(&sse(body, true), SpecVersion::V2025_11_25);
        assert_eq!(problems.len(), 2, "{problems:?}");
        // A read stopped at a window proves nothing about the last event.
        assert_eq!(frame_problems(&sse(body, false), SpecVersion::V2025_11_25).len(), 1);
    }

    #[test]
    fn batches_only_on_2025_03_26() {
        let body = "data: [{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}]\n\n";
        assert!(frame_problems(&sse(body, true), SpecVersion::V2025_03_26).is_empty());
        assert_eq!(frame_problems(&sse(body, true), SpecVersion::V2025_06_18).len(), 1);
        let not_a_message = "data: {}\n\n";
        assert_eq!(frame_problems(&sse(not_a_message, true), SpecVersion::V2025_03_26).len(), 1);
    }
}
