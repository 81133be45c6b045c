//! The stateless revision, 2026-07-28: the per-request `_meta` envelope
//! (`basic/index#_meta`), header validation and version errors
//! (`basic/transports/streamable-http`), `resultType` on every result, and
//! what a sessionless server does with the old session machinery.

use super::{Check, Ctx, Outcome, Transports, Verdict, verify};
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use crate::wire::jsonrpc;
use crate::wire::session::{HeaderChoice, SendOpts, Session};
use reqwest::Method;
use serde_json::{Value, json};

const STATELESS: Revisions = Revisions::since(SpecVersion::V2026_07_28);
const META: SpecRef = SpecRef { page: "basic/index", anchor: "_meta" };
const TRANSPORT: SpecRef = SpecRef { page: "basic/transports", anchor: "server-validation" };
const VERSION_KEY: &str = "io.modelcontextprotocol/protocolVersion";
const CAPABILITIES_KEY: &str = "io.modelcontextprotocol/clientCapabilities";
const CLIENT_INFO_KEY: &str = "io.modelcontextprotocol/clientInfo";
const UNSUPPORTED: &str = "2099-01-01";

pub const CHECKS: &[Check] = &[
    Check {
        id: "base/meta/required-fields",
        title: "a request without the required _meta fields is rejected with -32602 (HTTP 400)",
        level: Level::Must,
        revisions: STATELESS,
        transports: Transports::Any,
        spec: META,
        requirement: "A request missing any required field is malformed; the server MUST reject it with JSON-RPC error code -32602 (Invalid params). On HTTP, the response status MUST be 400 Bad Request.",
        run: runs!(required_fields),
    },
    Check {
        id: "base/meta/absent-rejected",
        title: "a request with no _meta at all is rejected with -32602 (HTTP 400)",
        level: Level::Must,
        revisions: STATELESS,
        transports: Transports::Any,
        spec: META,
        requirement: "Client requests carry the following io.modelcontextprotocol/* fields in _meta; fields marked as required MUST be included on every request. [...] A request missing any required field is malformed; the server MUST reject it with JSON-RPC error code -32602 (Invalid params). On HTTP, the response status MUST be 400 Bad Request.",
        run: runs!(absent_rejected),
    },
    Check {
        id: "base/meta/client-info-optional",
        title: "a request whose _meta lacks clientInfo is served",
        level: Level::Must,
        revisions: STATELESS,
        transports: Transports::Any,
        spec: META,
        requirement: "fields marked as required MUST be included on every request. (The table marks io.modelcontextprotocol/clientInfo Required: No; \"Clients SHOULD include io.modelcontextprotocol/clientInfo on every request\": a server cannot require what a client only should send.)",
        run: runs!(client_info_optional),
    },
    Check {
        id: "http/headers/mismatch-rejected",
        title: "Mcp-Method and Mcp-Name that disagree with the body are rejected with -32020",
        level: Level::Must,
        revisions: STATELESS,
        transports: Transports::HttpOnly,
        spec: TRANSPORT,
        requirement: "Servers that process the request body MUST reject requests where the values specified in the headers do not match the corresponding values in the request body. When rejecting a request due to header validation failure, servers MUST return HTTP status 400 Bad Request and MUST include a JSON-RPC error response (HeaderMismatch, -32020).",
        run: runs!(mismatch_rejected),
    },
    Check {
        id: "http/version-header/unsupported-lists-versions",
        title: "an unsupported protocol version gets -32022 with the supported list",
        level: Level::Must,
        revisions: STATELESS,
        transports: Transports::Any,
        spec: SpecRef { page: "basic/versioning", anchor: "protocol-version-negotiation" },
        requirement: "If the server does not implement the requested version, it MUST respond with an UnsupportedProtocolVersionError listing the versions it does support. (Streamable HTTP: it MUST respond with 400 Bad Request.)",
        run: runs!(unsupported_lists_versions),
    },
    Check {
        id: "http/headers/version-mismatch-rejected",
        title: "an MCP-Protocol-Version header that disagrees with _meta is rejected with -32020",
        level: Level::Must,
        revisions: STATELESS,
        transports: Transports::HttpOnly,
        spec: SpecRef { page: "basic/transports/streamable-http", anchor: "protocol-version-header" },
        requirement: "The header value MUST match the io.modelcontextprotocol/protocolVersion field carried in the request body's _meta. If the values do not match, the server MUST reject the request with 400 Bad Request and a HeaderMismatch JSON-RPC error.",
        run: runs!(version_mismatch_rejected),
    },
    Check {
        id: "http/version-header/unsupported-error-data",
        title: "the unsupported-version error echoes the requested version and lists what server/discover lists",
        level: Level::Must,
        revisions: STATELESS,
        transports: Transports::Any,
        spec: SpecRef { page: "basic/versioning", anchor: "protocol-version-negotiation" },
        requirement: "If the server does not implement the requested version [...], it MUST respond with an UnsupportedProtocolVersionError listing the versions it does support. (Schema: data.supported: \"Protocol versions the server supports\"; data.requested: \"The protocol version that was requested by the client\", both required.)",
        run: runs!(unsupported_error_data),
    },
    Check {
        id: "base/result/result-type",
        title: "every result carries resultType",
        level: Level::Must,
        revisions: STATELESS,
        transports: Transports::Any,
        spec: SpecRef { page: "basic/index", anchor: "responses" },
        requirement: "The `result` MUST include a `resultType` field to indicate the type of the result.",
        run: runs!(result_type),
    },
    Check {
        id: "http/stateless/concurrent-requests",
        title: "stateless requests POSTed together are each answered",
        level: Level::Must,
        revisions: STATELESS,
        transports: Transports::HttpOnly,
        spec: SpecRef { page: "basic/transports/streamable-http", anchor: "sending-messages" },
        requirement: "Every JSON-RPC message sent from the client MUST be a new HTTP POST request to the MCP endpoint. [...] If the body is a JSON-RPC request, the server MUST return either Content-Type: application/json (a single JSON object) or Content-Type: text/event-stream (an SSE response stream).",
        run: runs!(concurrent_requests),
    },
    Check {
        id: "http/stateless/get-delete-405",
        title: "GET and DELETE from a 2026-07-28 client are answered 405",
        level: Level::Should,
        revisions: STATELESS,
        transports: Transports::HttpOnly,
        spec: SpecRef { page: "basic/transports", anchor: "backward-compatibility" },
        requirement: "A server that supports only this revision and receives such traffic from an older client SHOULD respond as follows: HTTP GET or DELETE to the MCP endpoint: respond with 405 Method Not Allowed.",
        run: runs!(get_delete_405),
    },
    Check {
        id: "http/stateless/no-session-id",
        title: "no session id is minted or echoed on 2026-07-28",
        level: Level::Should,
        revisions: STATELESS,
        transports: Transports::HttpOnly,
        spec: SpecRef { page: "basic/transports", anchor: "backward-compatibility" },
        requirement: "An Mcp-Session-Id header on a request: ignore it, and do not mint or echo session IDs.",
        run: runs!(no_session_id),
    },
    Check {
        id: "base/stateless/lists-stable",
        title: "tools/list is the same over different connections",
        level: Level::Must,
        revisions: STATELESS,
        transports: Transports::Any,
        spec: SpecRef { page: "server/tools", anchor: "listing-tools" },
        requirement: "Servers that declare the tools capability MUST respond to tools/list requests with the set of tools currently available to the requesting client. This set ... MUST NOT vary per-connection or as a side effect of other requests on the connection.",
        run: runs!(lists_stable),
    },
    Check {
        id: "base/stateless/cold-tool-call",
        title: "a tools/call is served as the first request on a fresh connection",
        level: Level::Must,
        revisions: STATELESS,
        transports: Transports::Any,
        spec: SpecRef { page: "server/tools", anchor: "listing-tools" },
        requirement: "Servers that declare the tools capability MUST respond to tools/list requests with the set of tools currently available to the requesting client. This set ... MUST NOT vary per-connection or as a side effect of other requests on the connection. (basic/versioning: Clients MAY call [server/discover] before sending any other requests [...] but are not required to: a client is free to invoke any RPC inline.)",
        run: runs!(cold_tool_call),
    },
    Check {
        id: "base/stateless/removed-methods-404",
        title: "initialize, ping, logging/setLevel and resources/(un)subscribe are gone on 2026-07-28: 404 and -32601",
        level: Level::Must,
        revisions: STATELESS,
        transports: Transports::Any,
        spec: SpecRef { page: "basic/transports/streamable-http", anchor: "protocol-version-header" },
        requirement: "If the server does not implement the requested RPC method, it MUST respond with 404 Not Found and a JSON-RPC error with code -32601 (Method not found). (2026-07-28 removed initialize, ping, logging/setLevel, resources/subscribe and resources/unsubscribe.)",
        run: runs!(removed_methods_404),
    },
];

/// A `tools/list` whose `_meta` is `meta`, exactly (no envelope added).
async fn list_with_meta(s: &mut Session, meta: Value) -> Result<crate::wire::session::Answered, Verdict> {
    let id = s.next_id();
    let msg = jsonrpc::request(id.clone(), "tools/list", Some(json!({"_meta": meta})));
    let reply = s.send_value(&msg, &SendOpts::default()).await?;
    Ok(crate::wire::session::Answered { id, reply })
}

async fn required_fields(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let cases = [
        ("without protocolVersion", json!({CAPABILITIES_KEY: {}})),
        ("without clientCapabilities", json!({VERSION_KEY: ctx.version.as_str()})),
    ];
    for (what, meta) in cases {
        let a = list_with_meta(&mut s, meta).await?;
        let prefix = |v: Verdict| match v {
            Verdict::Violation { message, expected, actual } => {
                Verdict::Violation { message: format!("tools/list {what}: {message}"), expected, actual }
            }
            other => other,
        };
        verify::error_code(&a, -32602, "Invalid params").map_err(prefix)?;
        verify::status(&a.reply, 400, "a malformed request must be answered 400").map_err(prefix)?;
    }
    Ok(Verdict::pass("both malformed requests rejected with -32602 and 400"))
}

async fn mismatch_rejected(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let probes = [
        ("Mcp-Method", "tools/list", None, "prompts/list"),
        ("Mcp-Name", "resources/read", Some(json!({"uri": "mcpcheck://probe"})), "mcpcheck://other"),
    ];
    for (header, method, params, wrong) in probes {
        let opts = SendOpts { headers: vec![(header.to_string(), wrong.to_string())], ..Default::default() };
        let a = s.request_with(method, params, &opts).await?;
        let why = format!(
            "{header}: {wrong} on {} body must be rejected",
            crate::report::text::with_article(method)
        );
        verify::status(&a.reply, 400, &why)?;
        verify::error_code(&a, -32020, "HeaderMismatch")?;
    }
    Ok(Verdict::pass("both mismatches rejected with 400 and -32020"))
}

async fn unsupported_lists_versions(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let id = s.next_id();
    let meta = json!({VERSION_KEY: UNSUPPORTED, CAPABILITIES_KEY: {}});
    let msg = jsonrpc::request(id.clone(), "tools/list", Some(json!({"_meta": meta})));
    let opts = SendOpts { protocol_version: HeaderChoice::Value(UNSUPPORTED.into()), ..Default::default() };
    let a = crate::wire::session::Answered { id, reply: s.send_value(&msg, &opts).await? };
    verify::error_code(&a, -32022, "UnsupportedProtocolVersion")?;
    verify::status(&a.reply, 400, "an unsupported version must be answered 400")?;
    let supported = verify::response(&a)?.pointer("/error/data/supported").and_then(Value::as_array);
    match supported {
        Some(list) if !list.is_empty() && list.iter().all(Value::is_string) => {
            Ok(Verdict::pass(format!("-32022 listing {}", json!(list))))
        }
        _ => Ok(Verdict::violation(
            "the error does not list the supported versions",
            "error.data.supported: a non-empty array of version strings",
            a.reply.summary(),
        )),
    }
}

/// With no session, every request is its own POST: several at once must
/// each be answered (server/discover, which every stateless server serves).
async fn concurrent_requests(ctx: &Ctx) -> Outcome {
    super::http_session::answered_together(ctx, "server/discover", "without a session").await
}

async fn result_type(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let mut missing = Vec::new();
    let mut seen = 0;
    for method in ["server/discover", "tools/list", "resources/list", "prompts/list"] {
        let a = s.request(method, None).await?;
        let Some(result) = verify::response(&a)?.get("result") else { continue };
        seen += 1;
        match result.get("resultType").and_then(Value::as_str) {
            Some("complete" | "input_required") => {}
            other => missing.push(format!("{method}: {}", jsonrpc::show(other.map(|v| json!(v)).as_ref()))),
        }
    }
    if seen == 0 {
        return Ok(Verdict::Error("no request was answered with a result".into()));
    }
    if missing.is_empty() {
        Ok(Verdict::pass(format!("resultType on all {seen} results")))
    } else {
        Ok(Verdict::violation(
            format!("results without a valid resultType: {}", missing.join("; ")),
            "resultType \"complete\" (or \"input_required\") on every result",
            missing.join("; "),
        ))
    }
}

async fn get_delete_405(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    for method in [Method::GET, Method::DELETE] {
        let reply = s.http_bodiless(method.clone(), &SendOpts::default()).await?;
        verify::status(&reply, 405, &format!("{method} has no meaning on 2026-07-28"))?;
    }
    Ok(Verdict::pass("GET and DELETE answered 405"))
}

async fn no_session_id(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let plain = s.request("tools/list", None).await?;
    let opts =
        SendOpts { session_id: HeaderChoice::Value("mcpcheck-legacy-session".into()), ..Default::default() };
    let legacy = s.request_with("tools/list", None, &opts).await?;
    for (what, a) in [("a request", &plain), ("a request carrying Mcp-Session-Id", &legacy)] {
        if let Some(id) = a.reply.header("mcp-session-id") {
            return Ok(Verdict::violation(
                format!("the answer to {what} carries a session id"),
                "no Mcp-Session-Id header",
                format!("Mcp-Session-Id: {id}"),
            ));
        }
    }
    verify::result(&legacy)?;
    Ok(Verdict::pass("no session id minted; a stray one is ignored"))
}

/// Tools by name, in a canonical order, so that only the set is compared.
fn tool_set(result: &Value) -> Vec<String> {
    let mut tools: Vec<String> = result
        .get("tools")
        .and_then(Value::as_array)
        .map(|t| t.iter().map(Value::to_string).collect())
        .unwrap_or_default();
    tools.sort();
    tools
}

async fn lists_stable(ctx: &Ctx) -> Outcome {
    let mut sets = Vec::new();
    for i in 1..=3 {
        let endpoint = ctx.endpoint.fresh()?;
        let mut s = Session::open(&endpoint, ctx.version, ctx.rec.clone()).await?;
        // A different id on each connection, as independent clients would use.
        let a = s.request_with_id(json!(i), "tools/list", None, &SendOpts::default()).await?;
        let Some(result) = verify::response(&a)?.get("result") else {
            return Ok(Verdict::Skip("the server serves no tools".into()));
        };
        sets.push(tool_set(result));
    }
    if sets.windows(2).all(|w| w[0] == w[1]) {
        Ok(Verdict::pass(format!("the same {} tools on 3 connections", sets[0].len())))
    } else {
        let counts: Vec<String> = sets.iter().map(|s| s.len().to_string()).collect();
        Ok(Verdict::violation(
            "tools/list differs between connections",
            "the same set of tools on every connection",
            format!("tool counts per connection: {}", counts.join(", ")),
        ))
    }
}

const TOOLS_LIST: super::pagination::ListMethod =
    super::pagination::ListMethod { method: "tools/list", key: "tools", capability: "tools" };

/// "[The set of tools] MUST NOT vary per-connection or as a side effect of
/// other requests on the connection", and "a client is free to invoke any RPC
/// inline". A tool that works after `tools/list` on one connection must work as the
/// very first request on another (no discover, no list): the tools a client
/// can call may not depend on what it sent before on its connection. The
/// tool is one the user allows (`--call-tools`), with generated arguments.
async fn cold_tool_call(ctx: &Ctx) -> Outcome {
    let mut warm = ctx.session().await?;
    let caps = super::pagination::capabilities(&mut warm).await?;
    if !caps.get("tools").is_some_and(Value::is_object) {
        return Ok(Verdict::Skip("the server declares no tools".into()));
    }
    let list = super::pagination::list_all(&mut warm, TOOLS_LIST).await?.items;
    let pick = list.iter().filter(|t| ctx.call_tools.allows(t)).find_map(|t| {
        let schema = t.get("inputSchema").cloned().unwrap_or(json!({"type": "object"}));
        let args = super::tools::arguments(&schema);
        let fits = jsonschema::validator_for(&schema).map(|v| v.is_valid(&args)).unwrap_or(false);
        let name = t.get("name").and_then(Value::as_str)?;
        fits.then(|| json!({"name": name, "arguments": args}))
    });
    let Some(params) = pick else {
        return Ok(Verdict::Skip(
            "no tool mcpcheck may call (see --call-tools) takes generated arguments".into(),
        ));
    };
    let name = params["name"].as_str().unwrap_or_default().to_string();
    let listed = match ctx.call_tool(&mut warm, params.clone()).await {
        Ok(a) => a,
        Err(crate::wire::WireError::Timeout(d)) => {
            return Ok(Verdict::Skip(format!(
                "{name} did not answer within the tool timeout ({d:?}; see --tool-timeout)"
            )));
        }
        Err(e) => return Err(e.into()),
    };
    if verify::response(&listed)?.get("result").is_none() {
        return Ok(Verdict::Skip(format!("{name} answers an error even after tools/list")));
    }
    let endpoint = ctx.endpoint.fresh()?;
    let mut cold = Session::open(&endpoint, ctx.version, ctx.rec.clone()).await?;
    let a = ctx.call_tool(&mut cold, params).await?;
    let r = verify::response(&a)?;
    if r.get("result").is_some() {
        return Ok(Verdict::pass(format!("{name} called cold on a fresh connection: a result")));
    }
    Ok(Verdict::violation(
        format!("{name} was served after tools/list but refused as the first request on a fresh connection"),
        "the result a listed connection gets",
        jsonrpc::show(Some(r)),
    ))
}

/// The envelope mcpcheck sends, as a value: every field, clientInfo included
/// (so that a probe about one field differs from a good request in that one
/// field only).
pub(super) fn full_meta(version: &str) -> Value {
    json!({
        VERSION_KEY: version,
        CLIENT_INFO_KEY: {"name": "mcpcheck", "version": env!("CARGO_PKG_VERSION")},
        CAPABILITIES_KEY: {},
    })
}

/// A request sent exactly as given (no envelope added), with `opts`.
async fn send_exact(
    s: &mut Session,
    method: &str,
    params: Option<Value>,
    opts: &SendOpts,
) -> Result<crate::wire::session::Answered, Verdict> {
    let id = s.next_id();
    let msg = jsonrpc::request(id.clone(), method, params);
    let reply = s.send_value(&msg, opts).await?;
    Ok(crate::wire::session::Answered { id, reply })
}

/// Prefixes a verifier's violation with the probe it was found on.
fn on_probe(what: &str) -> impl Fn(Verdict) -> Verdict + '_ {
    move |v| match v {
        Verdict::Violation { message, expected, actual } => {
            Verdict::Violation { message: format!("{what}: {message}"), expected, actual }
        }
        other => other,
    }
}

/// No `_meta` at all: `server/discover` without params, and `tools/list`
/// with params but no `_meta`. The required fields are missing as surely as
/// when `_meta` lacks one of them.
async fn absent_rejected(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let probes = [
        ("server/discover without params", "server/discover", None),
        ("tools/list with params but no _meta", "tools/list", Some(json!({}))),
    ];
    for (what, method, params) in probes {
        let a = send_exact(&mut s, method, params, &SendOpts::default()).await?;
        verify::error_code(&a, -32602, "Invalid params").map_err(on_probe(what))?;
        verify::status(&a.reply, 400, "a malformed request must be answered 400").map_err(on_probe(what))?;
    }
    Ok(Verdict::pass("both requests without _meta rejected with -32602 and 400"))
}

/// clientInfo is optional: a `tools/list` whose `_meta` has the protocol
/// version and the client capabilities, and nothing else, gets its result.
async fn client_info_optional(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let meta = json!({VERSION_KEY: ctx.version.as_str(), CAPABILITIES_KEY: {}});
    let a = list_with_meta(&mut s, meta).await?;
    let r = verify::response(&a)?;
    if r.get("result").is_none() {
        return Ok(Verdict::violation(
            "a tools/list without clientInfo was refused",
            "a result: clientInfo is not a required field",
            jsonrpc::show(Some(r)),
        ));
    }
    if let Some(status) = a.reply.status().filter(|s| *s != 200) {
        return Ok(Verdict::violation(
            format!("a tools/list without clientInfo got a result with HTTP {status}"),
            "HTTP 200",
            a.reply.summary(),
        ));
    }
    Ok(Verdict::pass("tools/list without clientInfo served"))
}

/// The header names the revision in use, `_meta` another (one no server
/// supports, as the official suite sends it): the two disagree, which is the
/// HeaderMismatch the transport defines, whatever the server thinks of the
/// version in the body.
async fn version_mismatch_rejected(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let params = json!({"_meta": full_meta(UNSUPPORTED)});
    let opts =
        SendOpts { protocol_version: HeaderChoice::Value(ctx.version.as_str().into()), ..Default::default() };
    let a = send_exact(&mut s, "server/discover", Some(params), &opts).await?;
    let why = format!(
        "MCP-Protocol-Version: {} with _meta protocolVersion {UNSUPPORTED} must be rejected",
        ctx.version
    );
    verify::status(&a.reply, 400, &why)?;
    verify::error_code(&a, -32020, "HeaderMismatch")?;
    Ok(Verdict::pass("header and _meta disagreeing: 400 and -32020"))
}

/// The UnsupportedProtocolVersionError's data: `requested` is the version
/// asked for, and `supported` names no stateless-era version that
/// `server/discover` does not (the same server cannot support a version in
/// one answer and not in the other).
async fn unsupported_error_data(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let discovered = s.request("server/discover", None).await?;
    let listed = super::discover::supported_versions(&discovered);
    let opts = SendOpts { protocol_version: HeaderChoice::Value(UNSUPPORTED.into()), ..Default::default() };
    let a = send_exact(&mut s, "tools/list", Some(json!({"_meta": full_meta(UNSUPPORTED)})), &opts).await?;
    verify::error_code(&a, -32022, "UnsupportedProtocolVersion")?;
    let data = verify::response(&a)?.pointer("/error/data");
    let requested = data.and_then(|d| d.get("requested"));
    if requested.and_then(Value::as_str) != Some(UNSUPPORTED) {
        return Ok(Verdict::violation(
            format!("error.data.requested is {}, not the version requested", jsonrpc::show(requested)),
            format!("error.data.requested \"{UNSUPPORTED}\""),
            a.reply.summary(),
        ));
    }
    let supported: Vec<&str> = data
        .and_then(|d| d.get("supported"))
        .and_then(Value::as_array)
        .map(|l| l.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if supported.is_empty() {
        return Ok(Verdict::violation(
            "error.data.supported lists no version",
            "error.data.supported: the versions the server supports",
            a.reply.summary(),
        ));
    }
    if listed.is_empty() {
        return Ok(Verdict::pass(format!(
            "requested echoed, supported {supported:?}; server/discover lists no versions, so the lists \
             were not compared (discover/result/shape judges that)"
        )));
    }
    // A handshake revision discover leaves out may still be served through
    // initialize: that omission is discover/versions/lists-handshake's to
    // judge, not this error's. A stateless one it leaves out is not served.
    let unknown: Vec<&str> = supported
        .iter()
        .copied()
        .filter(|v| !listed.iter().any(|l| l == v))
        .filter(|v| !handshake_era(v))
        .collect();
    if !unknown.is_empty() {
        return Ok(Verdict::violation(
            format!("error.data.supported names {} that server/discover does not", unknown.join(", ")),
            format!("only versions server/discover lists: {listed:?}"),
            format!("error.data.supported {supported:?}"),
        ));
    }
    Ok(Verdict::pass(format!("requested echoed; supported {supported:?} agrees with server/discover")))
}

/// Whether a version string names a revision of the handshake era: one
/// mcpcheck knows to have the handshake, or a date before 2026-07-28
/// (2024-11-05, say; revisions are dates, which compare as strings).
fn handshake_era(version: &str) -> bool {
    let dated = version.len() == 10 && version.bytes().all(|b| b.is_ascii_digit() || b == b'-');
    version.parse::<SpecVersion>().is_ok_and(SpecVersion::has_handshake)
        || (dated && version < SpecVersion::V2026_07_28.as_str())
}

/// The methods 2026-07-28 removed, each in the 2026-07-28 envelope: -32601
/// and, on HTTP, 404. `initialize` carries the envelope only, as the
/// official suite sends it: with a legacy client's initialize params as well,
/// a dual-era server may take it for a legacy client's handshake (the
/// reference server does), which no sentence settles.
async fn removed_methods_404(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let probe = json!({"uri": "mcpcheck://probe"});
    let methods = [
        ("initialize", json!({})),
        ("ping", json!({})),
        ("logging/setLevel", json!({"level": "info"})),
        ("resources/subscribe", probe.clone()),
        ("resources/unsubscribe", probe),
    ];
    // The wire layer leaves the version header off an initialize (a legacy
    // client's has none); this one is a 2026-07-28 request and carries it.
    let opts =
        SendOpts { protocol_version: HeaderChoice::Value(ctx.version.as_str().into()), ..Default::default() };
    for (method, params) in methods {
        let a = s.request_with(method, Some(params), &opts).await?;
        verify::error_code(&a, -32601, "Method not found").map_err(on_probe(method))?;
        verify::status(&a.reply, 404, "a method the revision does not have is answered 404 Not Found")
            .map_err(on_probe(method))?;
    }
    Ok(Verdict::pass("all five removed methods answered -32601 (404)"))
}
