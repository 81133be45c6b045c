//! Request metadata headers (`basic/transports`, 2026-07-28's
//! `streamable-http` page), client side: the body's method, name and
//! annotated parameters mirrored into `Mcp-Method`, `Mcp-Name` and
//! `Mcp-Param-*`, and `MCP-Protocol-Version` equal to `_meta`'s, so that
//! intermediaries can route without reading the body.

use super::meta::meta_of;
use super::scripted::{CUSTOM_HEADER, INVALID_TOOL};
use super::{ClientCheck, Observed, Outcome, Scenario, Seen};
use crate::checks::Verdict;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use serde_json::Value;

const STATELESS: Revisions = Revisions::since(SpecVersion::V2026_07_28);
const STANDARD: SpecRef = SpecRef { page: "basic/transports", anchor: "standard-request-headers" };

pub const CHECKS: &[ClientCheck] = &[
    ClientCheck {
        id: "client/http-headers/method",
        title: "every request carries Mcp-Method equal to its method",
        level: Level::Must,
        revisions: STATELESS,
        spec: STANDARD,
        requirement: "The client MUST include the request metadata headers on each POST request. (`Mcp-Method`, from `method`, for all requests: \"These headers are REQUIRED for compliance.\")",
        scenarios: &[Scenario::StandardHeaders],
        grade: method_header,
    },
    ClientCheck {
        id: "client/http-headers/name",
        title: "tools/call, resources/read and prompts/get carry Mcp-Name equal to the name or URI",
        level: Level::Must,
        revisions: STATELESS,
        spec: STANDARD,
        requirement: "The client MUST include the request metadata headers on each POST request. (`Mcp-Name`, from `params.name` or `params.uri`, for `tools/call`, `resources/read`, `prompts/get` requests: \"These headers are REQUIRED for compliance.\")",
        scenarios: &[Scenario::StandardHeaders],
        grade: name_header,
    },
    ClientCheck {
        id: "client/http-headers/version-matches-meta",
        title: "MCP-Protocol-Version equals the request's _meta protocolVersion",
        level: Level::Must,
        revisions: STATELESS,
        spec: SpecRef { page: "basic/transports", anchor: "protocol-version-header" },
        requirement: "The header value MUST match the `io.modelcontextprotocol/protocolVersion` field carried in the request body's `_meta`.",
        scenarios: &[Scenario::StandardHeaders],
        grade: version_matches_meta,
    },
    ClientCheck {
        id: "client/http-headers/param",
        title: "a parameter annotated x-mcp-header is mirrored into Mcp-Param-{Name}",
        level: Level::Must,
        revisions: STATELESS,
        spec: SpecRef { page: "basic/transports", anchor: "custom-headers-from-tool-parameters" },
        requirement: "When a server's tool definition includes `x-mcp-header` annotations, conforming clients MUST mirror the designated parameter values into HTTP headers.",
        scenarios: &[Scenario::CustomHeaders],
        grade: param_header,
    },
    ClientCheck {
        id: "client/http-headers/invalid-tool-excluded",
        title: "a tool whose x-mcp-header breaks the rules is left out, and the others still used",
        level: Level::Must,
        revisions: STATELESS,
        spec: SpecRef { page: "basic/transports", anchor: "schema-extension" },
        requirement: "Clients using the Streamable HTTP transport MUST reject tool definitions where any `x-mcp-header` value violates these constraints. Rejection means the client MUST exclude the invalid tool from the result of `tools/list`.",
        scenarios: &[Scenario::InvalidToolHeaders],
        grade: invalid_tool_excluded,
    },
];

/// A header value as the body value it stands for: the Base64 sentinel
/// form (`=?base64?…?=`) decoded, anything else as it is.
pub fn decoded(value: &str) -> Option<String> {
    match value.strip_prefix("=?base64?").and_then(|v| v.strip_suffix("?=")) {
        Some(b64) => {
            use base64::Engine;
            let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
            String::from_utf8(bytes).ok()
        }
        None => Some(value.to_string()),
    }
}

fn requests(obs: &Observed) -> Result<Vec<&Seen>, Verdict> {
    let r: Vec<&Seen> = obs.requests().collect();
    if r.is_empty() { Err(obs.nothing("request")) } else { Ok(r) }
}

fn verdict(graded: usize, what: &str, expected: &str, bad: Vec<String>) -> Outcome {
    if bad.is_empty() {
        return Ok(Verdict::pass(format!("all {graded} {what} carried it")));
    }
    Ok(Verdict::violation(format!("{} of {graded} {what} do not", bad.len()), expected, bad.join("; ")))
}

fn method_header(obs: &Observed) -> Outcome {
    let requests = requests(obs)?;
    let bad = requests
        .iter()
        .filter(|s| s.header("mcp-method") != s.rpc_method())
        .map(|s| format!("{}: Mcp-Method {:?}", s.describe(), s.header("mcp-method")))
        .collect();
    verdict(requests.len(), "requests", "Mcp-Method equal to the body's method", bad)
}

fn name_header(obs: &Observed) -> Outcome {
    let named: Vec<(&Seen, &str)> = obs
        .requests()
        .filter_map(|s| {
            let key = match s.rpc_method()? {
                "tools/call" | "prompts/get" => "name",
                "resources/read" => "uri",
                _ => return None,
            };
            Some((s, s.messages.first()?.get("params")?.get(key)?.as_str()?))
        })
        .collect();
    if named.is_empty() {
        return Err(obs.nothing("tools/call"));
    }
    let bad = named
        .iter()
        .filter(|(s, name)| s.header("mcp-name").and_then(decoded).as_deref() != Some(name))
        .map(|(s, name)| format!("{} of {name}: Mcp-Name {:?}", s.describe(), s.header("mcp-name")))
        .collect();
    verdict(named.len(), "named requests", "Mcp-Name equal to params.name or params.uri", bad)
}

fn version_matches_meta(obs: &Observed) -> Outcome {
    let requests = requests(obs)?;
    let bad = requests
        .iter()
        .filter_map(|s| {
            let body = meta_of(s)
                .and_then(|m| m.get("io.modelcontextprotocol/protocolVersion"))
                .and_then(Value::as_str);
            let header = s.header("mcp-protocol-version");
            (header != body).then(|| format!("{}: header {header:?}, _meta {body:?}", s.describe()))
        })
        .collect();
    verdict(requests.len(), "requests", "MCP-Protocol-Version equal to _meta's protocolVersion", bad)
}

fn param_header(obs: &Observed) -> Outcome {
    let calls: Vec<(&Seen, &Value)> = obs
        .requests()
        .filter(|s| s.rpc_method() == Some("tools/call"))
        .filter_map(|s| Some((s, s.messages.first()?.pointer("/params/arguments/a")?)))
        .collect();
    if calls.is_empty() {
        return Err(obs.nothing("tools/call with argument a"));
    }
    let header = format!("mcp-param-{}", CUSTOM_HEADER.to_ascii_lowercase());
    let bad = calls
        .iter()
        .filter_map(|(s, a)| {
            let want = match a {
                Value::String(v) => v.clone(),
                Value::Null => return None,
                other => other.to_string(),
            };
            let sent = s.header(&header);
            (sent.and_then(decoded).as_deref() != Some(want.as_str()))
                .then(|| format!("a = {a}: Mcp-Param-{CUSTOM_HEADER} {sent:?}"))
        })
        .collect();
    verdict(calls.len(), "calls", &format!("Mcp-Param-{CUSTOM_HEADER} equal to the argument a"), bad)
}

fn invalid_tool_excluded(obs: &Observed) -> Outcome {
    let called: Vec<&str> = obs
        .requests()
        .filter(|s| s.rpc_method() == Some("tools/call"))
        .filter_map(|s| s.messages.first()?.pointer("/params/name")?.as_str())
        .collect();
    if called.is_empty() {
        return Err(obs.nothing("tools/call"));
    }
    if called.contains(&INVALID_TOOL) {
        return Ok(Verdict::violation(
            "the client kept and called a tool with an invalid x-mcp-header",
            format!("{INVALID_TOOL} (x-mcp-header on a number) left out; add_numbers called"),
            format!("called {}", called.join(", ")),
        ));
    }
    Ok(Verdict::pass(format!("{INVALID_TOOL} left out; called {}", called.join(", "))))
}
