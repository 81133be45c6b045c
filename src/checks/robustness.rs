//! Robustness under hostile input (`--robustness`; never on by default, since
//! they send what no client should): after each hostile request the server
//! must still answer, and it must answer the bad request itself with a 4xx
//! or a JSON-RPC error, never a 5xx, silence, or a dropped connection, and
//! never echo the input back as unescaped HTML.
//!
//! The hostile requests go out on connections of their own
//! ([`crate::wire::raw`]), with the session (where the revision has one)
//! and the run's headers of a real session, so they reach the server's
//! parser rather than its session check. Streamable HTTP with `http://`
//! only: the raw writer speaks no TLS.

use crate::checks::{Check, Ctx, Outcome, Transports, Verdict};
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use crate::wire::raw::{self, RawAnswer, RawRequest};
use crate::wire::session::{Endpoint, Session, routing_headers};
use serde_json::{Value, json};
use std::time::Duration;

/// The id prefix of these checks: the runner leaves them out unless asked.
pub const AREA: &str = "robustness/";
const PAGE: &str = "basic/transports";
const JSONRPC: &str = "JSON-RPC 2.0 §5.1: -32700 Parse error: Invalid JSON was received by the server. -32600 Invalid Request: The JSON sent is not a valid Request object. (Transports: If the server cannot accept the input, it MUST return an HTTP error status code (e.g., 400 Bad Request).)";

const fn check(
    id: &'static str,
    title: &'static str,
    requirement: &'static str,
    run: for<'a> fn(&'a Ctx) -> futures::future::BoxFuture<'a, crate::checks::Outcome>,
) -> Check {
    Check {
        id,
        title,
        level: Level::Must,
        revisions: Revisions::ALL,
        transports: Transports::HttpOnly,
        spec: SpecRef { page: PAGE, anchor: "sending-messages-to-the-server" },
        requirement,
        run,
    }
}

pub const CHECKS: &[Check] = &[
    check(
        "robustness/input/oversized-body",
        "a 50 MB body is refused (4xx, or the connection closed), and the server goes on answering",
        "RFC 9110 §15.5.14: The 413 (Content Too Large) status code indicates that the server is refusing to process a request because the request content is larger than the server is willing or able to process. The server MAY terminate the request, if the protocol version in use allows it; otherwise, the server MAY close the connection.",
        runs!(oversized_body),
    ),
    check(
        "robustness/input/deep-nesting",
        "JSON nested 100,000 levels deep is answered with an error, and the server goes on answering",
        JSONRPC,
        runs!(deep_nesting),
    ),
    check(
        "robustness/input/invalid-utf8",
        "a body that is not UTF-8 is answered with an error, and the server goes on answering",
        "RFC 8259 §8.1: JSON text exchanged between systems that are not part of a closed ecosystem MUST be encoded using UTF-8. (JSON-RPC 2.0: -32700 Parse error for invalid JSON.)",
        runs!(invalid_utf8),
    ),
    check(
        "robustness/input/huge-header",
        "a 64 KiB header gets an answer that is no 5xx, and the server goes on answering",
        "RFC 6585 §5: The 431 status code indicates that the server is unwilling to process the request because its header fields are too large. (A server refuses or serves such a request; it does not fail on it.)",
        runs!(huge_header),
    ),
    check(
        "robustness/connection/slow-client",
        "a client sending its request a byte at a time does not hold up other clients",
        "RFC 9112 §9.5: A client, server, or proxy MAY close the transport connection at any time. (A server that waits on one slow client's bytes before serving anyone is open to slowloris.)",
        runs!(slow_client),
    ),
    check(
        "robustness/methods/unknown-burst",
        "a thousand unknown methods in one session are each answered -32601, and the server goes on answering",
        "JSON-RPC 2.0 §5.1: -32601 Method not found: The method does not exist / is not available.",
        runs!(unknown_burst),
    ),
    Check {
        revisions: Revisions::between(SpecVersion::V2025_03_26, SpecVersion::V2025_11_25),
        ..check(
            "robustness/sessions/burst",
            "200 sessions opened and left open are each answered without a 5xx, and once they end a new one is served",
            "Streamable HTTP, Session Management: The server MAY terminate the session at any time, after which it MUST respond to requests containing that session ID with HTTP 404 Not Found. (A server bounds its sessions with a refusal or an expiry, not by failing.)",
            runs!(session_burst),
        )
    },
    check(
        "robustness/ids/every-type",
        "ids of every type and size: valid ones echoed, invalid ones refused, none a 5xx",
        "JSON-RPC 2.0 §4: id — An identifier established by the Client that MUST contain a String, Number, or NULL value if included. [...] The Server MUST reply with the same value in the Response object if included.",
        runs!(every_id),
    ),
    check(
        "robustness/errors/input-escaped",
        "input is never echoed back as unescaped HTML",
        "OWASP ASVS V5.3.3 (output encoding): context-aware output escaping protects against reflected XSS. (An error page that repeats a request's method as HTML lets any page that can make a browser send the request run script on the server's origin.)",
        runs!(input_escaped),
    ),
];

/// Where raw requests go and what they carry: the endpoint's URL, the run's
/// headers, and the session and revision headers of a fresh session (which
/// also shapes the requests: the 2026-07-28 envelope).
async fn raw_target(ctx: &Ctx) -> Result<(String, Vec<(String, String)>, Session), Verdict> {
    let Endpoint::Http(t) = &ctx.endpoint else {
        return Err(Verdict::Skip("robustness checks run on Streamable HTTP only".into()));
    };
    if !t.url.starts_with("http://") {
        return Err(Verdict::Skip("robustness checks send raw HTTP/1.1: http:// targets only".into()));
    }
    let s = ctx.session().await?;
    let mut headers = t.extra_headers.clone();
    headers.push(("Content-Type".into(), "application/json".into()));
    headers.push(("Accept".into(), "application/json, text/event-stream".into()));
    headers.push(("MCP-Protocol-Version".into(), ctx.version.as_str().into()));
    if let Some(id) = &s.session_id {
        headers.push(("Mcp-Session-Id".into(), id.clone()));
    }
    Ok((t.url.clone(), headers, s))
}

/// The revision's liveness request (ping; server/discover on 2026-07-28)
/// with `id` and extra `params`, as `s` sends it, and its routing headers.
fn request(s: &Session, id: Value, params: Value) -> (Vec<u8>, Vec<(String, String)>) {
    let method = if s.version.has_handshake() { "ping" } else { "server/discover" };
    let mut msg = json!({"jsonrpc": "2.0", "id": id, "method": method});
    if let Some(p) = s.params(Some(params)) {
        msg["params"] = p;
    }
    let headers = if s.version.has_handshake() { vec![] } else { routing_headers(&msg) };
    (msg.to_string().into_bytes(), headers)
}

/// The liveness request with `marker` as a params value, cut open around
/// the marker so a check can put bytes there that are no JSON string.
fn around(s: &Session, marker: &str) -> (Vec<u8>, Vec<u8>, Vec<(String, String)>) {
    let (body, headers) = request(s, json!(1), json!({"x": marker}));
    let text = String::from_utf8_lossy(&body).into_owned();
    let quoted = format!("\"{marker}\"");
    let (before, after) = text.split_once(&quoted).unwrap_or((&text, ""));
    (before.as_bytes().to_vec(), after.as_bytes().to_vec(), headers)
}

fn limits(ctx: &Ctx) -> crate::wire::Limits {
    match &ctx.endpoint {
        Endpoint::Http(t) => t.limits,
        Endpoint::Stdio { limits, .. } => *limits,
    }
}

async fn send(ctx: &Ctx, req: RawRequest, what: &str) -> Result<RawAnswer, Verdict> {
    let (url, _, _) = raw_target(ctx).await?;
    match raw::send(&url, req, limits(ctx), &ctx.rec).await {
        Ok(a) => Ok(a),
        Err(crate::wire::WireError::Timeout(d)) => Err(Verdict::violation(
            format!("{what} was not answered within {d:?}: the server hangs on it"),
            "an answer (4xx, or a JSON-RPC error)",
            "no answer",
        )),
        Err(e) => Err(Verdict::Error(e.to_string())),
    }
}

/// A POST of `body` with the session's headers (and `extra`).
async fn post(
    ctx: &Ctx,
    body: Vec<u8>,
    extra: Vec<(String, String)>,
    what: &str,
) -> Result<RawAnswer, Verdict> {
    let (_, mut headers, _) = raw_target(ctx).await?;
    headers.extend(extra);
    send(ctx, RawRequest { method: "POST", headers, body, dribble: None }, what).await
}

/// The server still answers: a fresh session's ping (server/discover on
/// 2026-07-28).
async fn alive(ctx: &Ctx, after: &str) -> Result<(), Verdict> {
    let dead = |why: String| {
        Verdict::violation(
            format!("after {after}, the server no longer answers"),
            "a fresh session answered",
            why,
        )
    };
    let mut s = ctx.session().await.map_err(|v| dead(format!("{v:?}")))?;
    let method = if ctx.version.has_handshake() { "ping" } else { "server/discover" };
    let a = s.request(method, None).await.map_err(|e| dead(e.to_string()))?;
    match a.response() {
        Some(_) => Ok(()),
        None => Err(dead(format!("{method}: {}", a.reply.summary()))),
    }
}

/// The bad request's answer is a refusal: a 4xx, or a JSON-RPC error in a
/// 2xx; `close_ok` also takes a connection closed before the request was
/// sent.
fn refused(a: &RawAnswer, what: &str, close_ok: bool) -> Result<(), Verdict> {
    match a.status {
        Some(400..=499) => Ok(()),
        Some(200..=299) if messages(a).iter().any(|m| m.get("error").is_some()) => Ok(()),
        None if close_ok && a.closed_early => Ok(()),
        _ => Err(Verdict::violation(
            format!("{what} was not refused"),
            if close_ok {
                "a 4xx, a JSON-RPC error, or the connection closed"
            } else {
                "a 4xx, or a JSON-RPC error"
            },
            a.summary(),
        )),
    }
}

async fn oversized_body(ctx: &Ctx) -> Outcome {
    let (_, _, s) = raw_target(ctx).await?;
    let (body, headers) = request(&s, json!(1), json!({"pad": "a".repeat(50 << 20)}));
    let a = post(ctx, body, headers, "a 50 MB body").await?;
    refused(&a, "a 50 MB body", true)?;
    alive(ctx, "a 50 MB body").await?;
    Ok(Verdict::pass(format!("a 50 MB body got {}; the server goes on answering", a.summary())))
}

async fn deep_nesting(ctx: &Ctx) -> Outcome {
    // 200 KB: deep enough for any recursive parser, small next to a body cap.
    let depth = 100_000;
    let (_, _, s) = raw_target(ctx).await?;
    let (mut body, after, headers) = around(&s, "nested");
    body.extend(std::iter::repeat_n(b'[', depth));
    body.extend(std::iter::repeat_n(b']', depth));
    body.extend_from_slice(&after);
    let a = post(ctx, body, headers, "JSON nested 100,000 levels deep").await?;
    refused(&a, "JSON nested 100,000 levels deep", true)?;
    alive(ctx, "JSON nested 100,000 levels deep").await?;
    Ok(Verdict::pass(format!("deep nesting got {}; the server goes on answering", a.summary())))
}

async fn invalid_utf8(ctx: &Ctx) -> Outcome {
    let (_, _, s) = raw_target(ctx).await?;
    let (mut body, after, headers) = around(&s, "utf8");
    body.extend_from_slice(&[b'"', 0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, b'"']);
    body.extend_from_slice(&after);
    let a = post(ctx, body, headers, "a body that is not UTF-8").await?;
    refused(&a, "a body that is not UTF-8", false)?;
    alive(ctx, "a body that is not UTF-8").await?;
    Ok(Verdict::pass(format!("invalid UTF-8 got {}", a.summary())))
}

async fn huge_header(ctx: &Ctx) -> Outcome {
    let (_, _, s) = raw_target(ctx).await?;
    let (body, mut extra) = request(&s, json!(1), json!({}));
    extra.push(("X-Mcpcheck-Padding".to_string(), "a".repeat(64 * 1024)));
    let a = post(ctx, body, extra, "a 64 KiB header").await?;
    match a.status {
        Some(s) if s < 500 => {}
        _ => {
            return Ok(Verdict::violation(
                "a request with a 64 KiB header was failed or dropped",
                "an answer that is no 5xx (431, 400, or the request served)",
                a.summary(),
            ));
        }
    }
    alive(ctx, "a 64 KiB header").await?;
    Ok(Verdict::pass(format!("a 64 KiB header got {}", a.summary())))
}

async fn slow_client(ctx: &Ctx) -> Outcome {
    let (url, mut headers, s) = raw_target(ctx).await?;
    // A body written a byte at a time for longer than the bound on an
    // answer: a server that waits on it before serving anyone else makes
    // the other client's request time out.
    let (body, routing) = request(&s, json!(1), json!({}));
    headers.extend(routing);
    let spread = limits(ctx).timeout + Duration::from_secs(2);
    let pause = spread / body.len().max(1) as u32;
    let req = RawRequest { method: "POST", headers, dribble: Some((1, pause)), body };
    let slow = raw::send(&url, req, limits(ctx), &ctx.rec);
    let other = async {
        // Once the slow request is under way, another client is served.
        tokio::time::sleep(Duration::from_millis(300)).await;
        alive(ctx, "a slow client started its request").await
    };
    let (slow, other) = tokio::join!(slow, other);
    other?;
    let how = slow.map(|a| a.summary()).unwrap_or_else(|e| e.to_string());
    Ok(Verdict::pass(format!(
        "another client was served while a slow one dribbled its request (it got {how})"
    )))
}

async fn unknown_burst(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    for i in 0..1000 {
        let a = s.request(&format!("mcpcheck/unknown-{i}"), None).await?;
        let code =
            a.response().and_then(|r| r.get("error")).and_then(|e| e.get("code")).and_then(Value::as_i64);
        if code != Some(-32601) {
            return Ok(Verdict::violation(
                format!("unknown method number {} of a burst was not answered -32601", i + 1),
                "a JSON-RPC error -32601 for each",
                a.reply.summary(),
            ));
        }
    }
    alive(ctx, "1000 unknown methods").await?;
    Ok(Verdict::pass("1000 unknown methods each answered -32601; the server goes on answering"))
}

async fn session_burst(ctx: &Ctx) -> Outcome {
    const BURST: usize = 200;
    // The burst's own exchanges are not kept (200 handshakes would bury the
    // evidence); a bad answer is quoted in the verdict.
    let quiet = crate::wire::record::Recorder::new();
    let mut open = Vec::new();
    let mut bad = None;
    for i in 0..BURST {
        let mut s = Session::connect(&ctx.endpoint, ctx.version, quiet.clone())?;
        let a = s.initialize(ctx.version.as_str()).await;
        match a {
            Ok(a) if a.reply.status().is_some_and(|st| st < 500 || st == 503) => open.push(s),
            Ok(a) => {
                bad = Some(format!("session {} of the burst: {}", i + 1, a.reply.summary()));
                break;
            }
            Err(e) => {
                bad = Some(format!("session {} of the burst: {e}", i + 1));
                break;
            }
        }
    }
    // The evidence: the handshake that failed (the burst's others are not kept).
    if bad.is_some()
        && let Some(last) = quiet.take().pop()
    {
        ctx.rec.push(last);
    }
    // End them, as a client leaving would.
    for s in &mut open {
        let _ = s.http_bodiless(reqwest::Method::DELETE, &Default::default()).await;
    }
    if let Some(bad) = bad {
        return Ok(Verdict::violation(
            format!("a burst of {BURST} sessions left open was failed"),
            "each initialize answered (served, or refused with a 4xx or 503 past a bound)",
            bad,
        ));
    }
    alive(ctx, &format!("{BURST} sessions opened and ended")).await?;
    Ok(Verdict::pass(format!("{BURST} sessions opened without a 5xx; after they ended a new one was served")))
}

async fn every_id(ctx: &Ctx) -> Outcome {
    let (_, _, s) = raw_target(ctx).await?;
    let valid = [json!(""), json!("x".repeat(64 * 1024)), json!(0), json!(-1), json!(9007199254740991i64)];
    let invalid = [json!(true), json!({"id": 1}), json!([1])];
    for id in valid.iter().chain(invalid.iter()) {
        let (body, headers) = request(&s, id.clone(), json!({}));
        let what = format!("a request with id {}", short(id));
        let a = post(ctx, body, headers, &what).await?;
        if a.status.is_none_or(|s| s >= 500) {
            return Ok(Verdict::violation(format!("{what} was failed or dropped"), "no 5xx", a.summary()));
        }
        if valid.contains(id) {
            let echoed = response_id(&a);
            if echoed.as_ref() != Some(id) {
                return Ok(Verdict::violation(
                    format!("{what} was not answered with the same id"),
                    format!("id {}", short(id)),
                    format!(
                        "{} with id {}",
                        a.summary(),
                        echoed.map(|e| short(&e)).unwrap_or_else(|| "none".into())
                    ),
                ));
            }
        } else {
            refused(&a, &what, false)?;
        }
    }
    alive(ctx, "ids of every type").await?;
    Ok(Verdict::pass("valid ids echoed exactly, invalid ones refused, no 5xx"))
}

/// The JSON-RPC messages of a raw answer: its JSON body, or its SSE events'
/// data lines.
fn messages(a: &RawAnswer) -> Vec<Value> {
    let text = String::from_utf8_lossy(&a.body);
    match serde_json::from_str::<Value>(&text) {
        Ok(v) => vec![v],
        Err(_) => text
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .filter_map(|d| serde_json::from_str(d.trim()).ok())
            .collect(),
    }
}

/// The id of the JSON-RPC response in a raw answer.
fn response_id(a: &RawAnswer) -> Option<Value> {
    messages(a).into_iter().find_map(|m| m.get("id").cloned())
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 40 { format!("{}… ({} bytes)", &s[..30], s.len()) } else { s }
}

async fn input_escaped(ctx: &Ctx) -> Outcome {
    const MARKER: &str = "<script>mcpcheck()</script>";
    let bodies = [
        json!({"jsonrpc": "2.0", "id": 1, "method": MARKER}).to_string().into_bytes(),
        format!("{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":{MARKER}").into_bytes(),
    ];
    for body in bodies {
        let a = post(ctx, body, vec![], "a request carrying markup").await?;
        let html = a.header("content-type").is_some_and(|t| t.to_ascii_lowercase().contains("html"));
        if html && String::from_utf8_lossy(&a.body).contains(MARKER) {
            return Ok(Verdict::violation(
                "the server echoed the request's markup back as HTML",
                format!("no unescaped {MARKER} in a text/html answer"),
                format!(
                    "{}: {}",
                    a.summary(),
                    String::from_utf8_lossy(&a.body).chars().take(200).collect::<String>()
                ),
            ));
        }
    }
    Ok(Verdict::pass("no answer echoed the request's markup as HTML"))
}
