//! Streamable HTTP session management (`basic/transports#session-management`,
//! 2025-03-26 to 2025-11-25; 2026-07-28 removed sessions): ids, their
//! alphabet and unpredictability, and the status codes around them.

use super::{Check, Ctx, Outcome, Transports, Verdict, verify};
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef};
use crate::wire::session::{HeaderChoice, SendOpts, Session};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};

const SESSION: SpecRef = SpecRef { page: "basic/transports", anchor: "session-management" };

pub const CHECKS: &[Check] = &[
    Check {
        id: "http/session/id-visible-ascii",
        title: "a session id contains only visible ASCII",
        level: Level::Must,
        revisions: Revisions::HANDSHAKE,
        transports: Transports::HttpOnly,
        spec: SESSION,
        requirement: "The session ID MUST only contain visible ASCII characters (ranging from 0x21 to 0x7E).",
        run: runs!(id_visible_ascii),
    },
    Check {
        id: "http/session/missing-is-400",
        title: "a request without the session id is answered 400",
        level: Level::Should,
        revisions: Revisions::HANDSHAKE,
        transports: Transports::HttpOnly,
        spec: SESSION,
        requirement: "Servers that require a session ID SHOULD respond to requests without an MCP-Session-Id header (other than initialization) with HTTP 400 Bad Request.",
        run: runs!(missing_is_400),
    },
    Check {
        id: "http/session/unknown-is-404",
        title: "an unknown session id is answered 404",
        level: Level::Must,
        revisions: Revisions::HANDSHAKE,
        transports: Transports::HttpOnly,
        spec: SESSION,
        requirement: "The server MAY terminate the session at any time, after which it MUST respond to requests containing that session ID with HTTP 404 Not Found.",
        run: runs!(unknown_is_404),
    },
    Check {
        id: "http/session/delete-terminates",
        title: "DELETE ends the session (then 404), or is refused with 405",
        level: Level::Must,
        revisions: Revisions::HANDSHAKE,
        transports: Transports::HttpOnly,
        spec: SESSION,
        requirement: "Clients that no longer need a particular session SHOULD send an HTTP DELETE to the MCP endpoint with the MCP-Session-Id header, to explicitly terminate the session. The server MAY respond to this request with HTTP 405 Method Not Allowed. (After termination it MUST respond to requests containing that session ID with HTTP 404 Not Found.)",
        run: runs!(delete_terminates),
    },
    Check {
        id: "http/session/id-unpredictable",
        title: "session ids are unique and not guessable",
        level: Level::Should,
        revisions: Revisions::HANDSHAKE,
        transports: Transports::HttpOnly,
        spec: SESSION,
        requirement: "The session ID SHOULD be globally unique and cryptographically secure (e.g., a securely generated UUID, a JWT, or a cryptographic hash).",
        run: runs!(id_unpredictable),
    },
    Check {
        id: "http/session/concurrent-requests",
        title: "requests sent together on one session are each answered, on their own stream",
        level: Level::Must,
        revisions: Revisions::HANDSHAKE,
        transports: Transports::HttpOnly,
        spec: SpecRef { page: "basic/transports", anchor: "multiple-connections" },
        requirement: "The client MAY remain connected to multiple SSE streams simultaneously. The server MUST send each of its JSON-RPC messages on only one of the connected streams; that is, it MUST NOT broadcast the same message across multiple streams. [...] If the input is a JSON-RPC request, the server MUST either return Content-Type: text/event-stream, to initiate an SSE stream, or Content-Type: application/json, to return one JSON object.",
        run: runs!(concurrent_requests),
    },
];

const UNKNOWN_SESSION: &str = "mcpcheck-unknown-session-0f3a9c";

/// A session whose server issued an id, or a skip: sessions are optional
/// ("A server using the Streamable HTTP transport MAY assign a session ID").
async fn session_with_id(ctx: &Ctx) -> Result<(Session, String), Verdict> {
    let s = ctx.session().await?;
    match s.session_id.clone() {
        Some(id) => Ok((s, id)),
        None => Err(Verdict::Skip("the server issued no session id (sessions are optional)".into())),
    }
}

async fn id_visible_ascii(ctx: &Ctx) -> Outcome {
    let mut s = ctx.raw()?;
    let init = s.initialize(ctx.version.as_str()).await?;
    verify::result(&init)?;
    let Some(id) = init.reply.header("mcp-session-id") else {
        return Ok(Verdict::Info("no session id issued (sessions are optional)".into()));
    };
    if !id.is_empty() && id.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        Ok(Verdict::pass(format!("session id of {} visible ASCII characters", id.len())))
    } else {
        Ok(Verdict::violation(
            "the session id has characters outside 0x21-0x7E",
            "visible ASCII only (0x21-0x7E)",
            format!("{id:?}"),
        ))
    }
}

async fn missing_is_400(ctx: &Ctx) -> Outcome {
    let (mut s, _) = session_with_id(ctx).await?;
    let opts = SendOpts { session_id: HeaderChoice::Omit, ..Default::default() };
    let a = s.request_with("tools/list", None, &opts).await?;
    verify::status(&a.reply, 400, "a request without the session id should be refused with 400")?;
    Ok(Verdict::pass("400 Bad Request"))
}

async fn unknown_is_404(ctx: &Ctx) -> Outcome {
    let (mut s, _) = session_with_id(ctx).await?;
    let opts = SendOpts { session_id: HeaderChoice::Value(UNKNOWN_SESSION.into()), ..Default::default() };
    let a = s.request_with("tools/list", None, &opts).await?;
    verify::status(&a.reply, 404, "a session id the server does not know must be answered 404")?;
    Ok(Verdict::pass("404 Not Found"))
}

async fn delete_terminates(ctx: &Ctx) -> Outcome {
    let (mut s, _) = session_with_id(ctx).await?;
    let del = s.http_bodiless(Method::DELETE, &SendOpts::default()).await?;
    match del.status() {
        Some(405) => {
            return Ok(Verdict::Info(
                "DELETE refused with 405: the server does not let clients end sessions, as it MAY".into(),
            ));
        }
        Some(200..=299) => {}
        _ => {
            return Ok(Verdict::violation(
                "DELETE was neither accepted nor refused with 405",
                "HTTP 2xx (session ended) or 405 (not allowed)",
                del.summary(),
            ));
        }
    }
    let after = s.request("tools/list", None).await?;
    verify::status(&after.reply, 404, "after DELETE the session id must be answered 404")?;
    Ok(Verdict::pass("DELETE accepted, then 404"))
}

/// How many sessions the unpredictability check opens.
const SAMPLES: usize = 12;
/// Fewer characters than this cannot carry 128 bits in any common encoding.
const MIN_LEN: usize = 16;

/// Opens several sessions and looks for repeats, short ids and counters. A
/// heuristic: it cannot prove randomness, only catch the usual mistakes.
async fn id_unpredictable(ctx: &Ctx) -> Outcome {
    let mut ids = Vec::new();
    for _ in 0..SAMPLES {
        let mut s = ctx.raw()?;
        let init = s.initialize(ctx.version.as_str()).await?;
        verify::result(&init)?;
        match s.session_id.clone() {
            Some(id) => ids.push(id),
            None => {
                return Ok(Verdict::Skip("the server issued no session id (sessions are optional)".into()));
            }
        }
        let _ = s.http_bodiless(Method::DELETE, &SendOpts::default()).await;
    }
    let distinct: HashSet<&String> = ids.iter().collect();
    let mut problems = Vec::new();
    if distinct.len() < ids.len() {
        problems.push(format!("{} of {} ids repeat", ids.len() - distinct.len(), ids.len()));
    }
    if let Some(short) = ids.iter().find(|id| id.len() < MIN_LEN) {
        problems.push(format!("{short:?} is shorter than {MIN_LEN} characters"));
    }
    let numbers: Vec<u128> = ids.iter().filter_map(|id| id.parse().ok()).collect();
    if numbers.len() == ids.len() && numbers.windows(2).all(|w| w[1] > w[0] && w[1] - w[0] < 1000) {
        problems.push("the ids count upwards".into());
    }
    if problems.is_empty() {
        Ok(Verdict::pass(format!(
            "{SAMPLES} distinct ids of {}+ characters",
            ids.iter().map(String::len).min().unwrap_or(0)
        )))
    } else {
        Ok(Verdict::violation(
            problems.join("; "),
            format!("distinct, unguessable ids of at least {MIN_LEN} characters"),
            ids.join(", "),
        ))
    }
}

/// How many requests the concurrency check sends at once on one session.
const CONCURRENT: usize = 4;

/// "The client MAY remain connected to multiple SSE streams simultaneously.
/// The server MUST send each of its JSON-RPC messages on only one of the
/// connected streams"; and each POSTed request is answered as JSON or SSE.
/// Four pings go out together on one session, each its own POST: each must
/// be answered (200, JSON or SSE) with the response to its own id, and no
/// response may arrive on two streams. A server that takes one request per
/// session at a time and refuses the others (409, 429, ...) leaves the
/// client unable to hold the streams the spec lets it hold.
async fn concurrent_requests(ctx: &Ctx) -> Outcome {
    answered_together(ctx, "ping", "on one session").await
}

/// [`CONCURRENT`] `method` requests POSTed at once (string ids, each on its
/// own connection; `on` says where, for the messages): each must be
/// answered 200, as JSON or SSE, with the response to its own id, and no
/// response may come on more than one stream.
pub(super) async fn answered_together(ctx: &Ctx, method: &str, on: &str) -> Outcome {
    let s = ctx.session().await?;
    let mut twins = Vec::with_capacity(CONCURRENT);
    for _ in 0..CONCURRENT {
        twins.push(s.http_twin(1).ok_or(Verdict::Error("not an HTTP session".into()))?);
    }
    let sends = twins.iter_mut().enumerate().map(|(i, twin)| {
        let id = json!(format!("mcpcheck-concurrent-{i}"));
        async move { (id.clone(), twin.request_with_id(id, method, None, &SendOpts::default()).await) }
    });
    let mut answers = Vec::with_capacity(CONCURRENT);
    for (id, answered) in futures::future::join_all(sends).await {
        answers.push((id, answered?.reply));
    }
    // On how many streams each response id arrived.
    let mut streams: HashMap<String, usize> = HashMap::new();
    for (_, reply) in &answers {
        let ids: HashSet<String> = reply.messages.iter().filter_map(response_id).collect();
        for id in ids {
            *streams.entry(id).or_default() += 1;
        }
    }
    for (id, reply) in &answers {
        let media = reply.http.as_ref().and_then(|h| h.media_type());
        let answered = reply.status() == Some(200)
            && matches!(media.as_deref(), Some("application/json") | Some("text/event-stream"))
            && reply.response_to(id).is_some();
        if !answered {
            return Ok(Verdict::violation(
                format!("of {CONCURRENT} requests sent together {on}, {id} was not answered"),
                "each request answered (200, JSON or SSE) with the response to its own id",
                reply.summary(),
            ));
        }
    }
    let mut broadcast: Vec<String> =
        streams.iter().filter(|(_, n)| **n > 1).map(|(id, n)| format!("{id} on {n} streams")).collect();
    if !broadcast.is_empty() {
        broadcast.sort();
        return Ok(Verdict::violation(
            "a response was sent on more than one stream",
            "each message on only one of the connected streams",
            broadcast.join(", "),
        ));
    }
    Ok(Verdict::pass(format!("{CONCURRENT} requests sent together {on}, each answered on its own stream")))
}

/// The id of a JSON-RPC response (a result or an error), as text.
fn response_id(message: &Value) -> Option<String> {
    let is_response = message.get("result").is_some() || message.get("error").is_some();
    is_response.then(|| message.get("id").map(Value::to_string)).flatten()
}
