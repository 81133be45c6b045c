//! SEP-2243 header validation by servers on 2026-07-28
//! (`basic/transports/streamable-http`, sections "Standard Request Headers",
//! "Custom Headers from Tool Parameters", "Case Sensitivity" and "Server
//! Validation"): `Mcp-Method` and `Mcp-Name` required and compared as the
//! spec compares them, and the `Mcp-Param-{Name}` headers of tools whose
//! input schema marks a parameter with `x-mcp-header`.
//!
//! A file of its own, beside [`super::stateless`] (which holds the first
//! header check, `http/headers/mismatch-rejected`): the same spec section,
//! but that file is about the whole stateless revision and is full.
//!
//! Side effects: a rejection probe sends a request a conforming server must
//! refuse, but a faulty one serves, so every tool called here (refused or
//! not) is one mcpcheck may call (read-only, or named with `--call-tools`).

use super::{Check, Ctx, Outcome, Transports, Verdict, verify};
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use crate::wire::jsonrpc;
use crate::wire::param_headers::{self, Annotation};
use crate::wire::raw::{self, RawRequest};
use crate::wire::session::{Answered, Endpoint, SendOpts, Session};
use serde_json::{Value, json};

const STATELESS: Revisions = Revisions::since(SpecVersion::V2026_07_28);
const VALIDATION: SpecRef = SpecRef { page: "basic/transports", anchor: "server-validation" };
const CASE: SpecRef = SpecRef { page: "basic/transports", anchor: "case-sensitivity" };
const CUSTOM: SpecRef = SpecRef { page: "basic/transports", anchor: "server-behavior-for-custom-headers" };
const ENCODING: SpecRef = SpecRef { page: "basic/transports", anchor: "value-encoding" };

pub const CHECKS: &[Check] = &[
    Check {
        id: "http/headers/missing-rejected",
        title: "a request without Mcp-Method, or a tools/call without Mcp-Name, is rejected with -32020",
        level: Level::Must,
        revisions: STATELESS,
        transports: Transports::HttpOnly,
        spec: VALIDATION,
        requirement: "Validation failure conditions include: A required standard header (MCP-Protocol-Version, Mcp-Method, Mcp-Name) is missing. [...] When rejecting a request due to header validation failure, servers MUST return HTTP status 400 Bad Request and MUST include a JSON-RPC error response (HeaderMismatch, -32020).",
        run: runs!(missing_rejected),
    },
    Check {
        id: "http/headers/name-case-insensitive",
        title: "Mcp-Method spelt MCP-METHOD or mcp-method is the same header",
        level: Level::Must,
        revisions: STATELESS,
        transports: Transports::HttpOnly,
        spec: CASE,
        requirement: "Header names (called \"field names\" in RFC 9110) are case-insensitive. Clients and servers MUST use case-insensitive comparisons for header names.",
        run: runs!(name_case_insensitive),
    },
    Check {
        id: "http/headers/value-case-sensitive",
        title: "an Mcp-Method value in another case (TOOLS/LIST) is rejected with -32020",
        level: Level::Must,
        revisions: STATELESS,
        transports: Transports::HttpOnly,
        spec: CASE,
        requirement: "Header values (such as method names) are case-sensitive. (Server Validation: servers MUST reject requests where the values specified in the headers do not match the corresponding values in the request body, with 400 Bad Request and HeaderMismatch, -32020.)",
        run: runs!(value_case_sensitive),
    },
    Check {
        id: "http/headers/value-whitespace-trimmed",
        title: "spaces around an Mcp-Method or Mcp-Name value are not part of it",
        level: Level::Must,
        revisions: STATELESS,
        transports: Transports::HttpOnly,
        spec: VALIDATION,
        requirement: "RFC 9110 §5.5: a field value does not include leading or trailing whitespace [...] a field parsing implementation MUST exclude such whitespace prior to evaluating the field value. (Server Validation compares the value with the body: a padded value that matches once trimmed is no mismatch.)",
        run: runs!(value_whitespace_trimmed),
    },
    Check {
        id: "http/param-headers/mirrored-validated",
        title: "an Mcp-Param header that disagrees with its argument, or is missing, is rejected with -32020",
        level: Level::Must,
        revisions: STATELESS,
        transports: Transports::HttpOnly,
        spec: CUSTOM,
        requirement: "Any server that processes the message body MUST validate that encoded header values, after decoding if Base64-encoded, match the corresponding values in the request body. Servers MUST reject requests with a 400 Bad Request HTTP status and JSON-RPC error code -32020 (HeaderMismatch) if any validation fails. [...] Client omits header but value is in body: Server MUST reject the request.",
        run: runs!(mirrored_validated),
    },
    Check {
        id: "http/param-headers/base64-decoded",
        title: "a =?base64?…?= Mcp-Param value is decoded before comparing; bad Base64 is rejected",
        level: Level::Must,
        revisions: STATELESS,
        transports: Transports::HttpOnly,
        spec: ENCODING,
        requirement: "Servers and intermediaries that need to inspect these values MUST decode them accordingly. In particular, servers MUST decode an encoded Mcp-Name or Mcp-Param-{Name} value before comparing it to the corresponding request body value during Server Validation. (Server Behavior for Custom Headers: Servers MUST reject requests with a recognized Mcp-Param-{Name} header that contains invalid characters.)",
        run: runs!(base64_decoded),
    },
];

const TOOLS_LIST: super::pagination::ListMethod =
    super::pagination::ListMethod { method: "tools/list", key: "tools", capability: "tools" };

/// The listed tools, or none when the server declares no tools capability.
async fn listed_tools(s: &mut Session) -> Result<Vec<Value>, Verdict> {
    let caps = super::pagination::capabilities(s).await?;
    if !caps.get("tools").is_some_and(Value::is_object) {
        return Ok(Vec::new());
    }
    Ok(super::pagination::list_all(s, TOOLS_LIST).await?.items)
}

/// A tool mcpcheck may call, as `(name, arguments)`: the first allowed one
/// whose generated arguments fit its input schema.
fn callable(tools: &[Value], ctx: &Ctx) -> Option<(String, Value)> {
    tools.iter().filter(|t| ctx.call_tools.allows(t)).find_map(|t| {
        let schema = t.get("inputSchema").cloned().unwrap_or(json!({"type": "object"}));
        let args = super::tools::arguments(&schema);
        let fits = jsonschema::validator_for(&schema).map(|v| v.is_valid(&args)).unwrap_or(false);
        let name = t.get("name").and_then(Value::as_str)?;
        fits.then(|| (name.to_string(), args))
    })
}

fn with_headers(ctx: &Ctx, headers: &[(&str, &str)], omit: &[&str]) -> SendOpts {
    SendOpts {
        headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
        omit: omit.iter().map(|n| n.to_string()).collect(),
        timeout: Some(ctx.tool_timeout),
        ..Default::default()
    }
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

/// The answer is 400 with HeaderMismatch (-32020).
fn rejected(a: &Answered, what: &str) -> Result<(), Verdict> {
    verify::status(&a.reply, 400, "a header validation failure must be answered 400")
        .map_err(on_probe(what))?;
    verify::error_code(a, -32020, "HeaderMismatch").map_err(on_probe(what))
}

/// The answer is 200 with a result: the request was served.
fn served(a: &Answered, what: &str) -> Result<(), Verdict> {
    verify::result(a).map_err(on_probe(what))?;
    verify::status(&a.reply, 200, "a valid request is answered 200").map_err(on_probe(what))
}

async fn missing_rejected(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let a = s.request_with("tools/list", None, &with_headers(ctx, &[], &["Mcp-Method"])).await?;
    rejected(&a, "tools/list without Mcp-Method")?;
    let tools = listed_tools(&mut s).await?;
    let Some((name, args)) = callable(&tools, ctx) else {
        return Ok(Verdict::pass(
            "a tools/list without Mcp-Method rejected with 400 and -32020; no tool mcpcheck may call \
             (see --call-tools), so Mcp-Name was not tried",
        ));
    };
    let params = json!({"name": name, "arguments": args});
    let a = s.request_with("tools/call", Some(params), &with_headers(ctx, &[], &["Mcp-Name"])).await?;
    rejected(&a, &format!("tools/call of {name} without Mcp-Name"))?;
    Ok(Verdict::pass(format!(
        "tools/list without Mcp-Method and tools/call of {name} without Mcp-Name: both 400 and -32020"
    )))
}

async fn value_case_sensitive(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let a =
        s.request_with("tools/list", None, &with_headers(ctx, &[("Mcp-Method", "TOOLS/LIST")], &[])).await?;
    rejected(&a, "Mcp-Method: TOOLS/LIST on a tools/list body")?;
    Ok(Verdict::pass("Mcp-Method: TOOLS/LIST on a tools/list body rejected with 400 and -32020"))
}

async fn value_whitespace_trimmed(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let opts = with_headers(ctx, &[("Mcp-Method", "  tools/list  ")], &[]);
    let a = s.request_with("tools/list", None, &opts).await?;
    served(&a, "Mcp-Method: \"  tools/list  \"")?;
    let tools = listed_tools(&mut s).await?;
    let Some((name, args)) = callable(&tools, ctx) else {
        return Ok(Verdict::pass(
            "a padded Mcp-Method served; no tool mcpcheck may call (see --call-tools), so Mcp-Name was not tried",
        ));
    };
    let padded = format!("  {name}  ");
    let opts = with_headers(ctx, &[("Mcp-Name", padded.as_str())], &[]);
    let a = s.request_with("tools/call", Some(json!({"name": name, "arguments": args})), &opts).await?;
    served(&a, &format!("tools/call with Mcp-Name: \"{padded}\""))?;
    Ok(Verdict::pass(format!("a padded Mcp-Method and a padded Mcp-Name ({name}) both served")))
}

/// One request written byte for byte, with the header names spelt as given
/// (an HTTP client library would normalise them), and its answer as the
/// JSON-RPC response to `id`, if there is one.
async fn spelt(ctx: &Ctx, url: &str, extra: &[(String, String)], name: &str, id: i64) -> Result<(), Verdict> {
    let meta = super::stateless::full_meta(ctx.version.as_str());
    let body = jsonrpc::request(json!(id), "tools/list", Some(json!({"_meta": meta}))).to_string();
    let mut headers: Vec<(String, String)> = extra.to_vec();
    headers.extend([
        ("Content-Type".to_string(), "application/json".to_string()),
        ("Accept".to_string(), "application/json, text/event-stream".to_string()),
        ("MCP-Protocol-Version".to_string(), ctx.version.as_str().to_string()),
        (name.to_string(), "tools/list".to_string()),
    ]);
    let limits = match &ctx.endpoint {
        Endpoint::Http(t) => t.limits,
        Endpoint::Stdio { limits, .. } => *limits,
    };
    let req = RawRequest { method: "POST", headers, body: body.into_bytes(), dribble: None };
    let answer = raw::send(url, req, limits, &ctx.rec).await?;
    let response = answer.messages().into_iter().find(|m| jsonrpc::is_response_to(m, &json!(id)));
    let what = format!("tools/list with its method header spelt {name}");
    match (answer.status, response) {
        (Some(200), Some(r)) if r.get("result").is_some() => Ok(()),
        (status, r) => Err(Verdict::violation(
            format!("{what} was not served"),
            "HTTP 200 and the tools/list result",
            format!(
                "{}; {}",
                status.map_or("no status".to_string(), |s| format!("HTTP {s}")),
                jsonrpc::show(r.as_ref())
            ),
        )),
    }
}

/// Over `http://` only: reqwest (and every HTTP/1 library mcpcheck could
/// use) writes header names in lower case, so another spelling takes a
/// request written by hand ([`raw`]).
async fn name_case_insensitive(ctx: &Ctx) -> Outcome {
    let Endpoint::Http(t) = &ctx.endpoint else {
        return Ok(Verdict::Skip("not an HTTP target".into()));
    };
    if !t.url.starts_with("http://") {
        return Ok(Verdict::Skip(
            "header names can be spelt by hand on http:// targets only (https goes through a TLS library)"
                .into(),
        ));
    }
    for (i, name) in ["MCP-METHOD", "mcp-method"].into_iter().enumerate() {
        spelt(ctx, &t.url, &t.extra_headers, name, 901 + i as i64).await?;
    }
    Ok(Verdict::pass("tools/list served with its method header spelt MCP-METHOD and mcp-method"))
}

/// The first listed tool with an `x-mcp-header` annotation on a top-level
/// string parameter, its annotation, and arguments that fit its schema.
struct Annotated {
    name: String,
    annotation: Annotation,
    args: Value,
}

impl Annotated {
    /// The tool's arguments with the annotated parameter set to `value`.
    fn call(&self, value: &str) -> Value {
        let mut args = self.args.clone();
        if let (Some(obj), Some(key)) = (args.as_object_mut(), self.annotation.path.first()) {
            obj.insert(key.clone(), json!(value));
        }
        json!({"name": self.name, "arguments": args})
    }
    fn header(&self) -> String {
        self.annotation.header_name()
    }
}

/// The annotated tool to probe, or why there is none.
async fn annotated(ctx: &Ctx, s: &mut Session) -> Result<Annotated, Verdict> {
    let tools = listed_tools(s).await?;
    let string_annotation = |t: &Value| {
        let schema = t.get("inputSchema")?;
        param_headers::annotations(schema).into_iter().find(|a| {
            a.path.len() == 1
                && schema.pointer(&format!("/properties/{}/type", a.path[0])).and_then(Value::as_str)
                    == Some("string")
        })
    };
    let candidates: Vec<(&Value, Annotation)> =
        tools.iter().filter_map(|t| string_annotation(t).map(|a| (t, a))).collect();
    let Some((tool, annotation)) = candidates.iter().find(|(t, _)| ctx.call_tools.allows(t)).cloned() else {
        return Err(Verdict::Skip(if candidates.is_empty() {
            "the server lists no tool whose input schema marks a string parameter with x-mcp-header".into()
        } else {
            "no tool with an x-mcp-header parameter that mcpcheck may call (see --call-tools)".into()
        }));
    };
    let schema = tool.get("inputSchema").cloned().unwrap_or(json!({"type": "object"}));
    let name = tool.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
    Ok(Annotated { name, annotation, args: super::tools::arguments(&schema) })
}

/// Sends a call of the annotated tool with `value` in the body and
/// `header` (`None`: left out) as its `Mcp-Param` header.
async fn probe(
    ctx: &Ctx,
    s: &mut Session,
    tool: &Annotated,
    value: &str,
    header: Option<&str>,
) -> Result<Answered, Verdict> {
    let name = tool.header();
    let opts = match header {
        Some(h) => with_headers(ctx, &[(name.as_str(), h)], &[]),
        None => with_headers(ctx, &[], &[name.as_str()]),
    };
    Ok(s.request_with("tools/call", Some(tool.call(value)), &opts).await?)
}

/// A baseline call that is refused for another reason than the header (an
/// argument the tool does not take) leaves nothing to judge.
fn baseline(a: &Answered, tool: &Annotated) -> Result<(), Verdict> {
    let r = verify::response(a)?;
    match jsonrpc::error_code(r) {
        None => served(a, "the matching header"),
        Some(-32020) => served(a, "the matching header"),
        Some(_) => Err(Verdict::Skip(format!(
            "{} refuses mcpcheck's arguments ({}), so its header could not be probed",
            tool.name,
            jsonrpc::show(Some(r))
        ))),
    }
}

async fn mirrored_validated(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let tool = match annotated(ctx, &mut s).await {
        Ok(t) => t,
        Err(v) => return Ok(v),
    };
    let h = tool.header();
    let good = "mcpcheck-region";
    baseline(&probe(ctx, &mut s, &tool, good, Some(good)).await?, &tool)?;
    let a = probe(ctx, &mut s, &tool, good, Some("mcpcheck-elsewhere")).await?;
    rejected(&a, &format!("{h}: mcpcheck-elsewhere with {good} in the body"))?;
    let a = probe(ctx, &mut s, &tool, good, None).await?;
    rejected(&a, &format!("no {h} header with {good} in the body"))?;
    // Values without the whole sentinel are literal: the Base64 of "Hello",
    // and the prefix without its suffix.
    for literal in ["SGVsbG8=", "=?base64?SGVsbG8="] {
        let a = probe(ctx, &mut s, &tool, literal, Some(literal)).await?;
        served(&a, &format!("{h}: {literal} with the same text in the body (a literal value)"))?;
    }
    Ok(Verdict::pass(format!(
        "{}: a matching {h} served, a different or missing one rejected with 400 and -32020, unwrapped \
         values taken literally",
        tool.name
    )))
}

async fn base64_decoded(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let tool = match annotated(ctx, &mut s).await {
        Ok(t) => t,
        Err(v) => return Ok(v),
    };
    let h = tool.header();
    baseline(&probe(ctx, &mut s, &tool, "Hello", Some("Hello")).await?, &tool)?;
    let encoded = "=?base64?SGVsbG8=?=";
    let a = probe(ctx, &mut s, &tool, "Hello", Some(encoded)).await?;
    served(&a, &format!("{h}: {encoded} with Hello in the body"))?;
    for (bad, why) in [("=?base64?SGVsbG8?=", "padding missing"), ("=?base64?SGVs!!!bG8=?=", "not Base64")] {
        let a = probe(ctx, &mut s, &tool, "Hello", Some(bad)).await?;
        rejected(&a, &format!("{h}: {bad} ({why})"))?;
    }
    Ok(Verdict::pass(format!(
        "{}: {h} {encoded} decoded to the body's Hello; bad padding and bad characters rejected with 400 \
         and -32020",
        tool.name
    )))
}
