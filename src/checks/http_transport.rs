//! Streamable HTTP transport (`basic/transports`; on 2026-07-28
//! `basic/transports/streamable-http`): the protocol version header, media
//! types, the GET stream, Origin validation and SSE event ids. Sessions are in
//! [`super::http_session`], the 2026-07-28 rules in [`super::stateless`].

use super::http_sse::GET_WINDOW;
use super::{Check, Ctx, Outcome, Transports, Verdict, verify};
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use crate::wire::session::{self, HeaderChoice, SendOpts};
use reqwest::Method;
use std::collections::HashMap;

pub const CHECKS: &[Check] = &[
    Check {
        id: "http/version-header/invalid-is-400",
        title: "an invalid MCP-Protocol-Version header is answered 400",
        level: Level::Must,
        revisions: Revisions::since(SpecVersion::V2025_06_18),
        transports: Transports::HttpOnly,
        spec: SpecRef { page: "basic/transports", anchor: "protocol-version-header" },
        requirement: "If the server receives a request with an invalid or unsupported MCP-Protocol-Version, it MUST respond with 400 Bad Request.",
        run: runs!(invalid_version_is_400),
    },
    Check {
        id: "http/response/content-type",
        title: "a request is answered as application/json or text/event-stream",
        level: Level::Must,
        revisions: Revisions::ALL,
        transports: Transports::HttpOnly,
        spec: SpecRef { page: "basic/transports", anchor: "sending-messages-to-the-server" },
        requirement: "If the input is a JSON-RPC request, the server MUST either return Content-Type: text/event-stream, to initiate an SSE stream, or Content-Type: application/json, to return one JSON object.",
        run: runs!(content_type),
    },
    Check {
        id: "http/get/sse-or-405",
        title: "GET on the endpoint opens an SSE stream or is refused with 405",
        level: Level::Must,
        revisions: Revisions::HANDSHAKE,
        transports: Transports::HttpOnly,
        spec: SpecRef { page: "basic/transports", anchor: "listening-for-messages-from-the-server" },
        requirement: "The server MUST either return Content-Type: text/event-stream in response to this HTTP GET, or else return HTTP 405 Method Not Allowed, indicating that the server does not offer an SSE stream at this endpoint.",
        run: runs!(get_sse_or_405),
    },
    Check {
        id: "http/origin/invalid-is-403",
        title: "a request from a foreign Origin is refused with 403",
        level: Level::Must,
        revisions: Revisions::since(SpecVersion::V2025_11_25),
        transports: Transports::HttpOnly,
        spec: SpecRef { page: "basic/transports", anchor: "security-warning" },
        requirement: "Servers MUST validate the Origin header on all incoming connections to prevent DNS rebinding attacks. If the Origin header is present and invalid, servers MUST respond with HTTP 403 Forbidden.",
        run: runs!(origin_invalid_is_403),
    },
    Check {
        id: "http/origin/own-accepted",
        title: "a local server serves a request from its own Origin",
        level: Level::Should,
        revisions: Revisions::ALL,
        transports: Transports::HttpOnly,
        spec: SpecRef { page: "basic/transports", anchor: "security-warning" },
        requirement: "Servers MUST validate the Origin header on all incoming connections to prevent DNS rebinding attacks.",
        run: runs!(origin_own_accepted),
    },
    Check {
        id: "http/sse/event-ids-unique",
        title: "SSE event ids are unique within a session",
        level: Level::Must,
        revisions: Revisions::HANDSHAKE,
        transports: Transports::HttpOnly,
        spec: SpecRef { page: "basic/transports", anchor: "resumability-and-redelivery" },
        requirement: "Servers MAY attach an id field to their SSE events. If present, the ID MUST be globally unique across all streams within that session.",
        run: runs!(event_ids_unique),
    },
    Check {
        id: "http/accept/both-listed-served",
        title: "a request whose Accept lists both media types in another form is served",
        level: Level::Must,
        revisions: Revisions::ALL,
        transports: Transports::HttpOnly,
        spec: SpecRef { page: "basic/transports", anchor: "sending-messages-to-the-server" },
        requirement: "The client MUST include an Accept header, listing both application/json and text/event-stream as supported content types. [...] If the input is a JSON-RPC request, the server MUST either return Content-Type: text/event-stream, to initiate an SSE stream, or Content-Type: application/json, to return one JSON object.",
        run: runs!(accept_both_listed_served),
    },
    Check {
        id: "http/version-header/missing-assumed",
        title: "a request without MCP-Protocol-Version is served, not refused as an invalid version",
        level: Level::Should,
        revisions: Revisions::between(SpecVersion::V2025_06_18, SpecVersion::V2025_11_25),
        transports: Transports::HttpOnly,
        spec: SpecRef { page: "basic/transports", anchor: "protocol-version-header" },
        requirement: "For backwards compatibility, if the server does not receive an MCP-Protocol-Version header, and has no other way to identify the version - for example, by relying on the protocol version negotiated during initialization - the server SHOULD assume protocol version 2025-03-26.",
        run: runs!(version_header_missing_assumed),
    },
    Check {
        id: "http/post/response-202",
        title: "a JSON-RPC response POSTed by the client is answered 202 with no body, or an HTTP error",
        level: Level::Must,
        revisions: Revisions::HANDSHAKE,
        transports: Transports::HttpOnly,
        spec: SpecRef { page: "basic/transports", anchor: "sending-messages-to-the-server" },
        requirement: "If the input is a JSON-RPC response or notification: If the server accepts the input, the server MUST return HTTP status code 202 Accepted with no body. If the server cannot accept the input, it MUST return an HTTP error status code (e.g., 400 Bad Request).",
        run: runs!(response_is_202),
    },
];

/// Accept values that list both media types the transport names, as a
/// client may well send them: the other order, with weights, among others.
const ACCEPT_VARIANTS: [&str; 2] =
    ["text/event-stream, application/json", "application/json;q=0.9, text/event-stream;q=0.8, */*;q=0.1"];

/// An Origin no local server can legitimately serve (`.invalid` is reserved).
const FOREIGN_ORIGIN: &str = "http://mcpcheck.invalid";

async fn invalid_version_is_400(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let opts = SendOpts { protocol_version: HeaderChoice::Value("1999-01-01".into()), ..Default::default() };
    let a = s.request_with("tools/list", None, &opts).await?;
    verify::status(&a.reply, 400, "an unsupported MCP-Protocol-Version must be refused with 400")?;
    Ok(Verdict::pass("400 Bad Request"))
}

async fn content_type(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let a = s.request("tools/list", None).await?;
    // The media type only means something on a real answer to the request.
    verify::response(&a)?;
    let http = a.reply.http.as_ref().ok_or(Verdict::Error("no HTTP answer".into()))?;
    match http.media_type().as_deref() {
        Some("application/json") | Some("text/event-stream") => {
            Ok(Verdict::pass(format!("Content-Type {}", http.header("content-type").unwrap_or(""))))
        }
        _ => Ok(Verdict::violation(
            "the answer to a request has another media type",
            "application/json or text/event-stream",
            a.reply.summary(),
        )),
    }
}

async fn get_sse_or_405(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let opts =
        SendOpts { headers: vec![("Accept".into(), "text/event-stream".into())], ..Default::default() };
    let reply = s.http_bodiless(Method::GET, &opts).await?;
    let media = reply.http.as_ref().and_then(|h| h.media_type());
    match (reply.status(), media.as_deref()) {
        (Some(405), _) => Ok(Verdict::pass("405: no standalone SSE stream, as allowed")),
        (Some(200), Some("text/event-stream")) => Ok(Verdict::pass("an SSE stream opened")),
        _ => Ok(Verdict::violation(
            "GET neither opened an SSE stream nor was refused with 405",
            "200 text/event-stream, or 405 Method Not Allowed",
            reply.summary(),
        )),
    }
}

async fn origin_invalid_is_403(ctx: &Ctx) -> Outcome {
    let mut s = ctx.raw()?;
    let opts = SendOpts { headers: vec![("Origin".into(), FOREIGN_ORIGIN.into())], ..Default::default() };
    let a = if ctx.version.has_handshake() {
        s.request_with("initialize", Some(session::initialize_params(ctx.version.as_str())), &opts).await?
    } else {
        s.request_with("tools/list", None, &opts).await?
    };
    verify::status(&a.reply, 403, "a request from a foreign Origin must be refused with 403 Forbidden")?;
    Ok(Verdict::pass(format!("Origin {FOREIGN_ORIGIN} refused with 403")))
}

/// The valid half of Origin validation. "Servers MUST validate the Origin
/// header [...] to prevent DNS rebinding attacks": validating tells valid
/// Origins from invalid ones, and a rebinding page never carries the local
/// server's own origin, so a server that refuses that one too refuses
/// every browser client, not only attackers. The spec does not say which
/// Origins are valid, hence SHOULD; and only local (loopback) targets are
/// graded: which Origins a remote server allows is its own policy, and behind
/// a proxy its own origin may not be the URL mcpcheck was given.
async fn origin_own_accepted(ctx: &Ctx) -> Outcome {
    let mut s = ctx.raw()?;
    let url = s.http_url().ok_or(Verdict::Error("not an HTTP target".into()))?;
    let url = reqwest::Url::parse(url).map_err(|e| Verdict::Error(format!("target URL: {e}")))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if !loopback {
        return Err(Verdict::Skip("not a loopback target: which Origins it allows is its own policy".into()));
    }
    let origin = url.origin().ascii_serialization();
    let opts = SendOpts { headers: vec![("Origin".into(), origin.clone())], ..Default::default() };
    let a = if ctx.version.has_handshake() {
        s.request_with("initialize", Some(session::initialize_params(ctx.version.as_str())), &opts).await?
    } else {
        s.request_with("tools/list", None, &opts).await?
    };
    if a.reply.status() == Some(200) && a.result().is_some() {
        return Ok(Verdict::pass(format!("served with Origin {origin}")));
    }
    Ok(Verdict::violation(
        format!("a request with the server's own Origin {origin} was not served"),
        "HTTP 200 with a result: a page the local server serves itself is no rebinding attack",
        a.reply.summary(),
    ))
}

/// Event ids seen over several requests of one session, and on its GET
/// stream (listened to briefly, where the server offers one); any repeat fails.
async fn event_ids_unique(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let mut replies = Vec::new();
    for method in ["tools/list", "prompts/list", "ping", "tools/list"] {
        replies.push(s.request(method, None).await?.reply);
    }
    // The GET stream is a bonus: trouble there is http/get/sse-or-405's to report.
    replies.extend(s.http_read_window(None, &SendOpts::default(), GET_WINDOW).await.ok());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for reply in &replies {
        let events = reply.http.as_ref().and_then(|h| h.events.as_ref());
        for id in events.into_iter().flatten().filter_map(|e| e.id.clone()) {
            *seen.entry(id).or_default() += 1;
        }
    }
    if seen.is_empty() {
        return Ok(Verdict::Skip("the server attached no SSE event ids (they are optional)".into()));
    }
    let mut repeated: Vec<String> =
        seen.iter().filter(|(_, n)| **n > 1).map(|(id, n)| format!("{id:?} x{n}")).collect();
    repeated.sort();
    if repeated.is_empty() {
        Ok(Verdict::pass(format!("{} distinct event ids", seen.len())))
    } else {
        Ok(Verdict::violation(
            "SSE event ids repeat within one session",
            "every event id unique within the session",
            format!("repeated: {}", repeated.join(", ")),
        ))
    }
}

/// "The client MUST include an Accept header, listing both application/json
/// and text/event-stream [...] If the input is a JSON-RPC request, the server
/// MUST either return Content-Type: text/event-stream [...] or Content-Type:
/// application/json". The client keeps its side of the rule (both types are listed), so the
/// server's MUST applies: a JSON or SSE answer carrying the response. What a
/// server does with an Accept that lacks a type is not graded (the spec binds
/// the client there, and HTTP lets a server refuse or ignore it); it is
/// recorded in the message.
async fn accept_both_listed_served(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    for accept in ACCEPT_VARIANTS {
        let opts = SendOpts { headers: vec![("Accept".into(), accept.into())], ..Default::default() };
        let a = s.request_with("tools/list", None, &opts).await?;
        let media = a.reply.http.as_ref().and_then(|h| h.media_type());
        let listed = matches!(media.as_deref(), Some("application/json") | Some("text/event-stream"));
        if !listed || a.response().is_none() {
            return Ok(Verdict::violation(
                format!("a request with Accept: {accept} was not served"),
                "a response as application/json or text/event-stream",
                a.reply.summary(),
            ));
        }
    }
    let opts = SendOpts { headers: vec![("Accept".into(), "application/json".into())], ..Default::default() };
    let seen = match s.request_with("tools/list", None, &opts).await {
        Ok(a) => a.reply.status().map_or("no status".into(), |st| format!("HTTP {st}")),
        Err(e) => e.to_string(),
    };
    Ok(Verdict::pass(format!(
        "served with Accept: {}; with Accept: application/json alone (not graded): {seen}",
        ACCEPT_VARIANTS.join(" | ")
    )))
}

/// "if the server does not receive an MCP-Protocol-Version header, and has no
/// other way to identify the version [...] the server SHOULD assume protocol
/// version 2025-03-26." The session negotiated a version with the header, so the server has
/// "other way[s] to identify the version" and may go by the negotiated one,
/// or assume 2025-03-26: either way the request is served. Refusing it (400,
/// as for an invalid header) does neither.
async fn version_header_missing_assumed(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let opts = SendOpts { protocol_version: HeaderChoice::Omit, ..Default::default() };
    let a = s.request_with("tools/list", None, &opts).await?;
    if a.reply.status() == Some(200) && a.result().is_some() {
        return Ok(Verdict::pass("served without the header"));
    }
    Ok(Verdict::violation(
        "a request without MCP-Protocol-Version was not served",
        "HTTP 200 with a result (the negotiated version, or 2025-03-26, assumed)",
        a.reply.summary(),
    ))
}

/// "If the input is a JSON-RPC response or notification: If the server
/// accepts the input, the server MUST return HTTP status code 202 Accepted
/// with no body. If the server cannot accept the input, it MUST return an
/// HTTP error status code". A response to a request the server never sent: accepting it (202, no
/// body) and refusing it (an HTTP error status) are both allowed; a 200, or
/// a 202 with a body, is neither.
async fn response_is_202(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let msg = serde_json::json!({"jsonrpc": "2.0", "id": "mcpcheck-unsolicited", "result": {}});
    let reply = s.send_value(&msg, &SendOpts::default()).await?;
    let http = reply.http.as_ref().ok_or(Verdict::Error("no HTTP answer".into()))?;
    match http.status {
        202 if http.body.is_empty() => Ok(Verdict::pass("202 Accepted, no body")),
        400..=599 => Ok(Verdict::pass(format!("refused with HTTP {}", http.status))),
        _ => Ok(Verdict::violation(
            "a JSON-RPC response from the client got neither 202 with no body nor an HTTP error",
            "202 Accepted with no body, or an HTTP error status",
            reply.summary(),
        )),
    }
}
