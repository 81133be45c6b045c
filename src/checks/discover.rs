//! Discovery (`server/discover`, 2026-07-28): the stateless revision's way to
//! learn a server's versions, capabilities and identity.

use super::{Check, Ctx, Outcome, Transports, Verdict, verify};
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use crate::wire::jsonrpc;
use serde_json::Value;

pub const CHECKS: &[Check] = &[
    Check {
        id: "discover/result/shape",
        title: "server/discover returns supportedVersions, capabilities and resultType",
        level: Level::Must,
        revisions: Revisions::since(SpecVersion::V2026_07_28),
        transports: Transports::Any,
        spec: SpecRef { page: "server/discover", anchor: "response" },
        requirement: "`server/discover` lets a client query a server's supported protocol versions, capabilities, and identity before sending any other requests. Servers MUST implement it.",
        run: runs!(result_shape),
    },
    Check {
        id: "discover/versions/lists-served",
        title: "server/discover answers wherever 2026-07-28 requests are served",
        level: Level::Must,
        revisions: Revisions::since(SpecVersion::V2026_07_28),
        transports: Transports::Any,
        spec: SpecRef { page: "server/discover", anchor: "response" },
        requirement: "`server/discover` lets a client query a server's supported protocol versions, capabilities, and identity before sending any other requests. Servers MUST implement it. (basic/versioning: Clients MAY call it before sending any other requests to learn the server's supported versions up front.)",
        run: runs!(lists_served),
    },
    Check {
        id: "discover/versions/lists-handshake",
        title: "server/discover lists the handshake revisions initialize negotiates",
        level: Level::Should,
        revisions: Revisions::since(SpecVersion::V2026_07_28),
        transports: Transports::Any,
        spec: SpecRef { page: "server/discover", anchor: "discoverresult" },
        requirement: "supportedVersions: Protocol versions the server supports. (basic/versioning shows a dual-era server's supported list as [\"2026-07-28\", \"2025-11-25\"]; the text does not say MUST, so a server that leaves its handshake revisions out is warned, not failed.)",
        run: runs!(lists_handshake),
    },
    Check {
        id: "discover/result/server-info",
        title: "server/discover names the server in its result _meta",
        level: Level::Should,
        revisions: Revisions::since(SpecVersion::V2026_07_28),
        transports: Transports::Any,
        spec: SpecRef { page: "server/discover", anchor: "discoverresult" },
        requirement: "_meta['io.modelcontextprotocol/serverInfo']: Name and version of the server software. Servers SHOULD include this field.",
        run: runs!(server_info),
    },
];

/// A server that serves 2026-07-28 requests must answer discover at all.
/// Without this check a broken discover would make a client (and a run)
/// fall back to the handshake era silently.
async fn lists_served(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let a = s.request("server/discover", None).await?;
    if a.result().is_none() {
        let listed = s.request("tools/list", None).await?;
        let served = listed.result().is_some_and(|r| r.get("resultType").is_some());
        if !served {
            return Err(Verdict::Error(format!(
                "the server answers neither server/discover ({}) nor a stateless tools/list ({}) on {}",
                a.reply.summary(),
                listed.reply.summary(),
                ctx.version
            )));
        }
        return Ok(Verdict::violation(
            "server/discover fails although the server serves 2026-07-28 requests",
            "a DiscoverResult, as a stateless tools/list was answered with a 2026-07-28 result",
            a.reply.summary(),
        ));
    }
    Ok(Verdict::pass(format!("server/discover answers: supportedVersions {:?}", supported_versions(&a))))
}

/// A dual-era server should not hide an era: every handshake revision its
/// `initialize` negotiates is one a client learns from discover.
async fn lists_handshake(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let a = s.request("server/discover", None).await?;
    if a.result().is_none() {
        return Ok(Verdict::Skip(format!(
            "server/discover does not answer ({}); discover/versions/lists-served judges that",
            a.reply.summary()
        )));
    }
    let listed = supported_versions(&a);
    let mut omitted = Vec::new();
    for version in SpecVersion::ALL.into_iter().filter(|v| v.has_handshake()) {
        if listed.iter().any(|l| l == version.as_str()) {
            continue;
        }
        let mut h = ctx.raw()?;
        let init = h.initialize(version.as_str()).await?;
        let named = init.result().and_then(|r| r.get("protocolVersion")).and_then(Value::as_str);
        if h.session_id.is_some() {
            let _ = h.http_bodiless(reqwest::Method::DELETE, &Default::default()).await;
        }
        if named == Some(version.as_str()) {
            omitted.push(version.as_str());
        }
    }
    if omitted.is_empty() {
        return Ok(Verdict::pass(format!(
            "supportedVersions {listed:?} names every revision initialize negotiates"
        )));
    }
    Ok(Verdict::violation(
        format!("server/discover omits {}, which initialize negotiates", omitted.join(", ")),
        format!("supportedVersions listing {} as well", omitted.join(", ")),
        format!("supportedVersions {listed:?}"),
    ))
}

/// The DiscoverResult: `supportedVersions` (strings, including the revision in
/// use), `capabilities` (object), and `resultType` "complete" (every result of
/// 2026-07-28 "MUST include a `resultType` field").
async fn result_shape(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let a = s.request("server/discover", None).await?;
    verify::shape(verify::response(&a)?)?;
    let result = verify::result(&a)?;
    let mut problems = Vec::new();
    match result.get("supportedVersions").and_then(Value::as_array) {
        None => problems.push("supportedVersions is missing or not an array".to_string()),
        Some(list) if !list.iter().all(Value::is_string) => {
            problems.push("supportedVersions holds non-strings".into())
        }
        Some(list) if !list.iter().any(|v| v.as_str() == Some(ctx.version.as_str())) => {
            problems.push(format!("supportedVersions lacks {}, the revision in use", ctx.version))
        }
        Some(_) => {}
    }
    if !result.get("capabilities").is_some_and(Value::is_object) {
        problems.push("capabilities is missing or not an object".into());
    }
    if result.get("resultType").and_then(Value::as_str) != Some("complete") {
        problems.push(format!(
            "resultType is {} instead of \"complete\"",
            jsonrpc::show(result.get("resultType"))
        ));
    }
    if problems.is_empty() {
        Ok(Verdict::pass("discover result is complete"))
    } else {
        Ok(Verdict::violation(
            problems.join("; "),
            format!("supportedVersions containing {}, capabilities, resultType \"complete\"", ctx.version),
            jsonrpc::show(Some(result)),
        ))
    }
}

const SERVER_INFO_KEY: &str = "io.modelcontextprotocol/serverInfo";

/// `_meta["io.modelcontextprotocol/serverInfo"]`: an Implementation, so a
/// `name` and a `version`, both strings.
async fn server_info(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let a = s.request("server/discover", None).await?;
    let result = verify::result(&a)?;
    let info = result.get("_meta").and_then(|m| m.get(SERVER_INFO_KEY));
    let named = info.is_some_and(|i| {
        i.get("name").is_some_and(Value::is_string) && i.get("version").is_some_and(Value::is_string)
    });
    if named {
        return Ok(Verdict::pass(format!("serverInfo {}", jsonrpc::show(info))));
    }
    Ok(Verdict::violation(
        match info {
            None if result.get("serverInfo").is_some() => {
                "serverInfo is in the result body, not in its _meta".to_string()
            }
            None => "the discover result's _meta names no server".to_string(),
            Some(_) => "_meta serverInfo lacks a string name or version".to_string(),
        },
        format!("_meta[\"{SERVER_INFO_KEY}\"] with name and version"),
        jsonrpc::show(Some(result)),
    ))
}

/// `supportedVersions` of a discover answer (strings only).
pub fn supported_versions(a: &crate::wire::session::Answered) -> Vec<String> {
    a.result()
        .and_then(|r| r.get("supportedVersions"))
        .and_then(Value::as_array)
        .map(|l| l.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}
