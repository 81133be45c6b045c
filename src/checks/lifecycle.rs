//! Lifecycle (`basic/lifecycle`): the `initialize` handshake of the revisions
//! that have one (2025-03-26 to 2025-11-25) and version negotiation.

use super::{Check, Ctx, Outcome, Transports, Verdict, server_requests, verify};
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use crate::wire::jsonrpc;
use serde_json::Value;

const INIT: SpecRef = SpecRef { page: "basic/lifecycle", anchor: "initialization" };
const NEGOTIATION: SpecRef = SpecRef { page: "basic/lifecycle", anchor: "version-negotiation" };
const NOT_A_VERSION: &str = "1999-01-01";

pub const CHECKS: &[Check] = &[
    Check {
        id: "lifecycle/initialize/result-shape",
        title: "initialize result has protocolVersion, capabilities and serverInfo",
        level: Level::Must,
        revisions: Revisions::HANDSHAKE,
        transports: Transports::Any,
        spec: INIT,
        requirement: "The server MUST respond with its own capabilities and information",
        run: runs!(result_shape),
    },
    Check {
        id: "lifecycle/initialize/version-echoed",
        title: "a supported protocol version is echoed back",
        level: Level::Must,
        revisions: Revisions::HANDSHAKE,
        transports: Transports::Any,
        spec: NEGOTIATION,
        requirement: "If the server supports the requested protocol version, it MUST respond with the same version.",
        run: runs!(version_echoed),
    },
    Check {
        id: "lifecycle/initialize/unsupported-version",
        title: "an unsupported protocol version is answered with one the server supports",
        level: Level::Must,
        revisions: Revisions::HANDSHAKE,
        transports: Transports::Any,
        spec: NEGOTIATION,
        requirement: "Otherwise, the server MUST respond with another protocol version it supports.",
        run: runs!(unsupported_version),
    },
    Check {
        id: "lifecycle/initialized/accepted",
        title: "notifications/initialized is accepted with 202 and no body",
        level: Level::Must,
        revisions: Revisions::HANDSHAKE,
        transports: Transports::HttpOnly,
        spec: SpecRef { page: "basic/transports", anchor: "sending-messages-to-the-server" },
        requirement: "If the input is a JSON-RPC response or notification: If the server accepts the input, the server MUST return HTTP status code 202 Accepted with no body.",
        run: runs!(initialized_accepted),
    },
    Check {
        id: "lifecycle/capabilities/served-declared",
        title: "tools, resources and prompts are served exactly when declared",
        level: Level::Must,
        revisions: Revisions::ALL,
        transports: Transports::Any,
        spec: SpecRef { page: "basic/lifecycle", anchor: "capability-negotiation" },
        requirement: "Servers that support tools MUST declare the tools capability. Servers that support resources MUST declare the resources capability. Servers that support prompts MUST declare the prompts capability. (server/tools, server/resources, server/prompts)",
        run: runs!(served_declared),
    },
    Check {
        id: "lifecycle/capabilities/undeclared-unused",
        title: "no sampling, elicitation or roots request reaches a client that declared none",
        level: Level::Must,
        revisions: Revisions::HANDSHAKE,
        transports: Transports::Any,
        spec: SpecRef { page: "basic/lifecycle", anchor: "operation" },
        requirement: "During the operation phase, the client and server exchange messages according to the negotiated capabilities. Both parties MUST: Respect the negotiated protocol version; Only use capabilities that were successfully negotiated",
        run: runs!(undeclared_unused),
    },
];

/// "The server MUST respond with its own capabilities and information": the
/// InitializeResult schema requires `protocolVersion` (string), `capabilities`
/// (object) and `serverInfo` (an Implementation: `name` and `version` strings).
async fn result_shape(ctx: &Ctx) -> Outcome {
    let mut s = ctx.raw()?;
    let init = s.initialize(ctx.version.as_str()).await?;
    let r = verify::response(&init)?;
    verify::shape(r)?;
    let result = verify::result(&init)?;
    let mut missing = Vec::new();
    if !result.get("protocolVersion").is_some_and(Value::is_string) {
        missing.push("protocolVersion (string)");
    }
    if !result.get("capabilities").is_some_and(Value::is_object) {
        missing.push("capabilities (object)");
    }
    let info = result.get("serverInfo");
    if !info.and_then(|i| i.get("name")).is_some_and(Value::is_string) {
        missing.push("serverInfo.name (string)");
    }
    if !info.and_then(|i| i.get("version")).is_some_and(Value::is_string) {
        missing.push("serverInfo.version (string)");
    }
    if !missing.is_empty() {
        return Ok(Verdict::violation(
            format!("initialize result lacks {}", missing.join(", ")),
            "protocolVersion, capabilities, serverInfo {name, version}",
            jsonrpc::show(Some(result)),
        ));
    }
    Ok(Verdict::pass("initialize result is complete"))
}

/// "If the server supports the requested protocol version, it MUST respond with
/// the same version." The run's revision is one the server supports (it was
/// negotiated, or the user forced it), so it must come back unchanged.
async fn version_echoed(ctx: &Ctx) -> Outcome {
    let mut s = ctx.raw()?;
    let init = s.initialize(ctx.version.as_str()).await?;
    let result = verify::result(&init)?;
    let got = result.get("protocolVersion");
    if got.and_then(Value::as_str) == Some(ctx.version.as_str()) {
        Ok(Verdict::pass(format!("{} echoed", ctx.version)))
    } else {
        Ok(Verdict::violation(
            "the server answered a supported version with a different one",
            ctx.version.as_str(),
            jsonrpc::show(got),
        ))
    }
}

/// "Otherwise, the server MUST respond with another protocol version it
/// supports." Asked for a version that never existed, the server must answer
/// with a result naming a real revision, not echo the request or fail.
async fn unsupported_version(ctx: &Ctx) -> Outcome {
    let mut s = ctx.raw()?;
    let init = s.initialize(NOT_A_VERSION).await?;
    let r = verify::response(&init)?;
    let Some(result) = r.get("result") else {
        return Ok(Verdict::violation(
            "initialize with an unsupported version was answered with an error instead of a counter-offer",
            "a result with a protocolVersion the server supports",
            jsonrpc::show(Some(r)),
        ));
    };
    let got = result.get("protocolVersion").and_then(Value::as_str);
    match got {
        Some(v) if v == NOT_A_VERSION => Ok(Verdict::violation(
            "the server echoed a version it cannot support",
            "another protocol version the server supports",
            v,
        )),
        Some(v) if v.parse::<SpecVersion>().is_ok() || v == "2024-11-05" => {
            Ok(Verdict::pass(format!("answered with {v}")))
        }
        _ => Ok(Verdict::violation(
            "the answer names no published protocol revision",
            "a published revision such as 2025-11-25",
            jsonrpc::show(result.get("protocolVersion")),
        )),
    }
}

/// The `initialized` notification, POSTed after the handshake, must be
/// accepted with 202 and an empty body.
async fn initialized_accepted(ctx: &Ctx) -> Outcome {
    let mut s = ctx.raw()?;
    let init = s.initialize(ctx.version.as_str()).await?;
    verify::result(&init)?;
    let reply = s.notify("notifications/initialized", None).await?;
    let body = reply.http.as_ref().map(|h| h.body.len()).unwrap_or(0);
    verify::status(&reply, 202, "a notification must be accepted with 202 Accepted")?;
    if body > 0 {
        return Ok(Verdict::violation("202 came with a body", "202 Accepted with no body", reply.summary()));
    }
    Ok(Verdict::pass("202 Accepted, no body"))
}

/// The server's declared capabilities: from the initialize result, or on
/// 2026-07-28 from `server/discover`.
async fn declared_capabilities(s: &mut crate::wire::session::Session) -> Result<Value, Verdict> {
    if let Some(init) = &s.initialize {
        return Ok(init.pointer("/result/capabilities").cloned().unwrap_or(Value::Null));
    }
    let a = s.request("server/discover", None).await?;
    Ok(verify::result(&a)?.get("capabilities").cloned().unwrap_or(Value::Null))
}

/// Calls the tools twice: once with every client capability declared, to
/// see what the server asks for when it may, then in a session declaring
/// none, where a request for sampling, elicitation or roots uses a
/// capability that was never negotiated.
async fn undeclared_unused(ctx: &Ctx) -> Outcome {
    use super::mrtr::client::Input;
    let allowed = server_requests::survey(ctx, server_requests::every_capability(ctx.version)).await?;
    let mut asked: Vec<&str> =
        allowed.requests().filter_map(|(_, r)| Input::of(r)).map(Input::label).collect();
    asked.sort();
    asked.dedup();
    if asked.is_empty() {
        return Ok(allowed.nothing_asked("a sampling, elicitation or roots request, even with them declared"));
    }
    let none = server_requests::survey(ctx, serde_json::json!({})).await?;
    if let Some((tool, request)) = none.requests().find(|(_, r)| Input::of(r).is_some()) {
        return Ok(Verdict::violation(
            format!("a call of {tool} asked a client that declared no capabilities for input"),
            "with \"capabilities\": {} declared, no sampling/createMessage, elicitation/create or roots/list",
            jsonrpc::show(Some(request)),
        ));
    }
    Ok(Verdict::pass(format!(
        "the tools ask for {} when it is declared, and for nothing when it is not ({})",
        asked.join(", "),
        none.note()
    )))
}

/// Each list method answers with a result exactly when its feature is
/// declared; an undeclared feature answers -32601 (or another error).
async fn served_declared(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let caps = declared_capabilities(&mut s).await?;
    let mut problems = Vec::new();
    let mut seen = Vec::new();
    for feature in ["tools", "resources", "prompts"] {
        let a = s.request(&format!("{feature}/list"), None).await?;
        let served = verify::response(&a)?.get("result").is_some();
        let declared = caps.get(feature).is_some_and(Value::is_object);
        match (served, declared) {
            (true, false) => problems.push(format!("{feature}/list answers but `{feature}` is not declared")),
            (false, true) => problems.push(format!("`{feature}` is declared but {feature}/list fails")),
            (true, true) => seen.push(feature),
            (false, false) => {}
        }
    }
    if problems.is_empty() {
        Ok(Verdict::pass(format!(
            "declared and served: {}",
            if seen.is_empty() { "none".into() } else { seen.join(", ") }
        )))
    } else {
        Ok(Verdict::violation(
            problems.join("; "),
            "a capability for every feature served, none for a feature not served",
            format!("capabilities {}", jsonrpc::show(Some(&caps))),
        ))
    }
}
