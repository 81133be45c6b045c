//! Resources (`server/resources`): listing (every page), reading what is
//! listed, templates, and the error for a URI that does not exist, whose code
//! changed between revisions (-32002 before 2026-07-28, -32602 from it on).

use super::pagination::{self, ListMethod};
use super::{Check, Ctx, Outcome, Transports, Verdict, verify};
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use crate::wire::jsonrpc;
use crate::wire::session::Session;
use serde_json::{Value, json};

/// Resources read by one check at most.
pub const MAX_READS: usize = 20;
const LIST: ListMethod = ListMethod { method: "resources/list", key: "resources", capability: "resources" };
const TEMPLATES: ListMethod =
    ListMethod { method: "resources/templates/list", key: "resourceTemplates", capability: "resources" };
const UNKNOWN_URI: &str = "mcpcheck://no-such-resource/0d1c";

pub const CHECKS: &[Check] = &[
    Check {
        id: "resources/list/shape",
        title: "every listed resource has a valid URI and a name",
        level: Level::Must,
        revisions: Revisions::ALL,
        transports: Transports::Any,
        spec: SpecRef { page: "server/resources", anchor: "common-uri-schemes" },
        requirement: "Custom URI schemes MUST be in accordance with RFC3986 (and the Resource schema requires `uri` and `name`)",
        run: runs!(list_shape),
    },
    Check {
        id: "resources/read/listed",
        title: "every listed resource can be read and has contents",
        level: Level::Must,
        revisions: Revisions::ALL,
        transports: Transports::Any,
        spec: SpecRef { page: "server/resources", anchor: "reading-resources" },
        requirement: "To retrieve resource contents, clients send a resources/read request ... The server responds with the resource contents (each with a uri and either text or blob)",
        run: runs!(read_listed),
    },
    Check {
        id: "resources/templates/shape",
        title: "resource templates have a name and a well-formed URI template",
        level: Level::Must,
        revisions: Revisions::ALL,
        transports: Transports::Any,
        spec: SpecRef { page: "server/resources", anchor: "resource-templates" },
        requirement: "Resource templates allow servers to expose parameterized resources using URI templates [RFC 6570]",
        run: runs!(templates_shape),
    },
    Check {
        id: "resources/read/unknown-uri-32002",
        title: "reading an unknown URI is error -32002",
        level: Level::Should,
        revisions: Revisions::HANDSHAKE,
        transports: Transports::Any,
        spec: SpecRef { page: "server/resources", anchor: "error-handling" },
        requirement: "Servers SHOULD return standard JSON-RPC errors for common failure cases: Resource not found: -32002",
        run: runs!(unknown_uri),
    },
    Check {
        id: "resources/read/unknown-uri-32602",
        title: "reading an unknown URI is error -32602, never empty contents",
        level: Level::Must,
        revisions: Revisions::since(SpecVersion::V2026_07_28),
        transports: Transports::Any,
        spec: SpecRef { page: "server/resources", anchor: "error-handling" },
        requirement: "If the requested resource does not exist, servers MUST return a JSON-RPC error with code -32602 (Invalid Params). ... Servers MUST NOT return an empty contents array for a non-existent resource.",
        run: runs!(unknown_uri),
    },
    Check {
        id: "resources/read/unknown-uri-data",
        title: "the not-found error for an unknown URI names the URI in error.data.uri",
        level: Level::Should,
        revisions: Revisions::since(SpecVersion::V2026_07_28),
        transports: Transports::Any,
        spec: SpecRef { page: "server/resources", anchor: "error-handling" },
        requirement: "If the requested resource does not exist, servers MUST return a JSON-RPC error with code -32602 (Invalid Params). (The page's example error carries \"data\": {\"uri\": ...}; the text has no sentence on the data, so, as the official suite's sep-2164-data-uri does, a missing uri is a missed SHOULD, and no error at all a missed one too.)",
        run: runs!(unknown_uri_data),
    },
    Check {
        id: "resources/subscribe/matches-capability",
        title: "resources/subscribe and unsubscribe are served exactly when resources.subscribe is declared",
        level: Level::Must,
        revisions: Revisions::HANDSHAKE,
        transports: Transports::Any,
        spec: SpecRef { page: "server/resources", anchor: "subscriptions" },
        requirement: "`subscribe`: whether the client can subscribe to be notified of changes to individual resources. ... Client->>Server: resources/subscribe; Server-->>Client: Subscription confirmed (an EmptyResult in the schema). (basic/lifecycle: \"Both parties MUST ... Only use capabilities that were successfully negotiated\")",
        run: runs!(subscribe_matches_capability),
    },
];

/// The server's resources, or a skip when it declares none.
async fn listed(s: &mut Session, what: ListMethod) -> Result<Vec<Value>, Verdict> {
    let caps = pagination::capabilities(s).await?;
    if !caps.get("resources").is_some_and(Value::is_object) {
        return Err(Verdict::Skip("the server does not declare the resources capability".into()));
    }
    // A listing that goes round in circles is pagination's finding; here
    // what was listed up to that point is used.
    Ok(pagination::list_all(s, what).await?.items)
}

fn uri_problem(uri: Option<&Value>) -> Option<String> {
    match uri.and_then(Value::as_str) {
        None => Some("no string uri".into()),
        Some(u) => reqwest::Url::parse(u).err().map(|e| format!("uri {u:?} is not an absolute URI ({e})")),
    }
}

async fn list_shape(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let items = listed(&mut s, LIST).await?;
    let mut problems = Vec::new();
    for r in &items {
        if let Some(p) = uri_problem(r.get("uri")) {
            problems.push(p);
        }
        if !r.get("name").is_some_and(Value::is_string) {
            problems.push(format!("{} has no string name", jsonrpc::show(r.get("uri"))));
        }
    }
    if problems.is_empty() {
        Ok(Verdict::pass(format!("{} resources, each with a URI and a name", items.len())))
    } else {
        Ok(Verdict::violation(
            problems.join("; "),
            "every resource: an RFC 3986 URI and a name",
            format!("{} resources listed", items.len()),
        ))
    }
}

/// Reads each listed resource (at most [`MAX_READS`]); each read must give a
/// non-empty `contents` array whose items carry a uri and text or blob.
async fn read_listed(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let items = listed(&mut s, LIST).await?;
    let uris: Vec<&str> = items.iter().filter_map(|r| r.get("uri").and_then(Value::as_str)).collect();
    if uris.is_empty() {
        return Ok(Verdict::Skip("the server lists no resources".into()));
    }
    for uri in uris.iter().take(MAX_READS) {
        let a = s.request("resources/read", Some(json!({"uri": uri}))).await?;
        let result = verify::result(&a)?;
        let contents = result.get("contents").and_then(Value::as_array);
        let problem = match contents {
            None => Some("no contents array".to_string()),
            Some(c) if c.is_empty() => Some("an empty contents array".into()),
            Some(c) => c.iter().find_map(|item| {
                let has_body = item.get("text").is_some_and(Value::is_string)
                    || item.get("blob").is_some_and(Value::is_string);
                (!item.get("uri").is_some_and(Value::is_string) || !has_body)
                    .then(|| format!("an item without uri and text/blob: {}", jsonrpc::show(Some(item))))
            }),
        };
        if let Some(p) = problem {
            return Ok(Verdict::violation(
                format!("reading the listed {uri} gave {p}"),
                "contents: [{uri, text | blob}, ...]",
                jsonrpc::show(Some(result)),
            ));
        }
    }
    let read = uris.len().min(MAX_READS);
    Ok(Verdict::pass(format!("read {read} of {} listed resources", uris.len())))
}

/// The expression syntax of RFC 6570 (balanced braces, variable names of
/// letters, digits, `_`, `%` and `.`, with operators and modifiers). Checked
/// by hand: expanding a template is not needed, only spotting a broken one.
fn template_problem(t: &str) -> Option<String> {
    let mut rest = t;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Some(format!("{t:?} has a '}}' without '{{'"));
        }
        let Some(close) = rest[open..].find('}') else {
            return Some(format!("{t:?} has an unclosed expression"));
        };
        let expr = &rest[open + 1..open + close];
        let vars = expr.trim_start_matches(['+', '#', '.', '/', ';', '?', '&', '=', ',', '!', '@', '|']);
        let ok = !vars.is_empty()
            && vars.split(',').all(|v| {
                let v = v.trim_end_matches('*');
                let v = v.split(':').next().unwrap_or("");
                !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '%' | '.'))
            });
        if !ok {
            return Some(format!("{t:?} has a malformed expression {{{expr}}}"));
        }
        rest = &rest[open + close + 1..];
    }
    None
}

async fn templates_shape(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let items = listed(&mut s, TEMPLATES).await?;
    if items.is_empty() {
        return Ok(Verdict::Skip("the server lists no resource templates".into()));
    }
    for t in &items {
        let problem = match t.get("uriTemplate").and_then(Value::as_str) {
            None => Some("no string uriTemplate".to_string()),
            Some(u) => template_problem(u),
        }
        .or_else(|| (!t.get("name").is_some_and(Value::is_string)).then(|| "no string name".into()));
        if let Some(p) = problem {
            return Ok(Verdict::violation(
                format!("resource template: {p}"),
                "a name and an RFC 6570 uriTemplate",
                jsonrpc::show(Some(t)),
            ));
        }
    }
    Ok(Verdict::pass(format!("{} templates well formed", items.len())))
}

/// An unknown URI: -32002 on the handshake revisions (SHOULD), -32602 on
/// 2026-07-28 (MUST; -32002 there is the backward-compatible code clients
/// accept, but the server must send -32602). Never a result.
async fn unknown_uri(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let caps = pagination::capabilities(&mut s).await?;
    if !caps.get("resources").is_some_and(Value::is_object) {
        return Ok(Verdict::Skip("the server does not declare the resources capability".into()));
    }
    let a = s.request("resources/read", Some(json!({"uri": UNKNOWN_URI}))).await?;
    let (code, name) = if ctx.version >= SpecVersion::V2026_07_28 {
        (-32602, "Invalid Params")
    } else {
        (-32002, "Resource not found")
    };
    verify::error_code(&a, code, name)?;
    Ok(Verdict::pass(format!("{UNKNOWN_URI}: error {code}")))
}

/// The error for an unknown URI echoes it in `error.data.uri`, so that a
/// client reading several resources knows which one is missing.
async fn unknown_uri_data(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let caps = pagination::capabilities(&mut s).await?;
    if !caps.get("resources").is_some_and(Value::is_object) {
        return Ok(Verdict::Skip("the server does not declare the resources capability".into()));
    }
    let a = s.request("resources/read", Some(json!({"uri": UNKNOWN_URI}))).await?;
    let r = verify::response(&a)?;
    let Some(error) = r.get("error") else {
        return Ok(Verdict::violation(
            "a read of an unknown URI was answered with a result, not an error naming the URI",
            format!("an error with data.uri \"{UNKNOWN_URI}\""),
            jsonrpc::show(Some(r)),
        ));
    };
    let uri = error.pointer("/data/uri");
    if uri.and_then(Value::as_str) == Some(UNKNOWN_URI) {
        return Ok(Verdict::pass(format!("error.data.uri is {UNKNOWN_URI}")));
    }
    Ok(Verdict::violation(
        format!("error.data.uri is {}, not the URI read", jsonrpc::show(uri)),
        format!("error.data.uri \"{UNKNOWN_URI}\""),
        jsonrpc::show(Some(r)),
    ))
}

/// `resources.subscribe` declared: subscribing to the first listed resource
/// and unsubscribing again are each answered with an empty result. Not
/// declared: `resources/subscribe` is refused with an error (-32601 Method not
/// found is what a server without it sends; any error is accepted, a result is
/// a capability served without being declared). Handshake revisions only:
/// 2026-07-28 replaced both methods with `subscriptions/listen`.
async fn subscribe_matches_capability(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let caps = pagination::capabilities(&mut s).await?;
    let declared = caps.pointer("/resources/subscribe") == Some(&Value::Bool(true));
    let listed_uri = if caps.get("resources").is_some_and(Value::is_object) {
        let items = listed(&mut s, LIST).await?;
        items.iter().find_map(|r| r.get("uri").and_then(Value::as_str)).map(str::to_owned)
    } else {
        None
    };
    if !declared {
        let uri = listed_uri.as_deref().unwrap_or(UNKNOWN_URI);
        let a = s.request("resources/subscribe", Some(json!({"uri": uri}))).await?;
        let r = verify::response(&a)?;
        return match jsonrpc::error_code(r) {
            Some(code) => Ok(Verdict::pass(format!("not declared, and refused with error {code}"))),
            None => Ok(Verdict::violation(
                "resources/subscribe is served although resources.subscribe is not declared",
                "an error (-32601 Method not found), or resources.subscribe declared",
                jsonrpc::show(Some(r)),
            )),
        };
    }
    let Some(uri) = listed_uri.as_deref() else {
        return Ok(Verdict::Skip("resources.subscribe is declared but no resource is listed".into()));
    };
    for method in ["resources/subscribe", "resources/unsubscribe"] {
        let a = s.request(method, Some(json!({"uri": uri}))).await?;
        let result = verify::result(&a).map_err(|v| match v {
            Verdict::Violation { message, expected, actual } => Verdict::Violation {
                message: format!("{method} {uri} (resources.subscribe is declared): {message}"),
                expected,
                actual,
            },
            other => other,
        })?;
        let extra = result.as_object().is_none_or(|o| o.keys().any(|k| k != "_meta"));
        if extra {
            return Ok(Verdict::violation(
                format!("{method} {uri} was not answered with an empty result"),
                "result: {}",
                jsonrpc::show(Some(result)),
            ));
        }
    }
    Ok(Verdict::pass(format!("subscribed to and unsubscribed from {uri}, each with an empty result")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates() {
        assert_eq!(template_problem("note://{id}"), None);
        assert_eq!(template_problem("file:///{+path}{?q,lang}"), None);
        assert!(template_problem("note://{id").is_some());
        assert!(template_problem("note://id}").is_some());
        assert!(template_problem("note://{}").is_some());
    }
}
