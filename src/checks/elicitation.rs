//! Elicitation (`client/elicitation`, 2025-06-18 and 2025-11-25): the
//! `elicitation/create` requests a server sends its client while a tool call
//! is in flight. 2026-07-28 asks for the same input through multi
//! round-trip results instead, which [`super::mrtr`] checks.
//!
//! The requests are gathered by [`server_requests::survey`]: mcpcheck
//! declares the capability, calls the tools it may call and answers what
//! they ask. A server none of whose callable tools elicits anything is
//! skipped with that reason.

use super::mrtr::client::Input;
use super::server_requests::{self, Survey};
use super::{Check, Ctx, Outcome, Transports, Verdict};
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use crate::wire::jsonrpc;
use serde_json::{Value, json};

const PAGE: &str = "client/elicitation";

pub const CHECKS: &[Check] = &[
    Check {
        id: "elicitation/request/flat-schema",
        title: "a form's requested schema is a flat object of primitive properties",
        level: Level::Must,
        revisions: Revisions::between(SpecVersion::V2025_06_18, SpecVersion::V2025_11_25),
        transports: Transports::Any,
        spec: SpecRef { page: PAGE, anchor: "requested-schema" },
        requirement: "To simplify client user experience, form mode elicitation schemas are limited to flat objects with primitive properties only. (2025-06-18: elicitation schemas are limited to flat objects with primitive properties only)",
        run: runs!(flat_schema),
    },
    Check {
        id: "elicitation/request/declared-modes-only",
        title: "no URL-mode elicitation is sent to a client that declared form mode only",
        level: Level::Must,
        revisions: Revisions::between(SpecVersion::V2025_11_25, SpecVersion::V2025_11_25),
        transports: Transports::Any,
        spec: SpecRef { page: PAGE, anchor: "capabilities" },
        requirement: "Servers MUST NOT send elicitation requests with modes that are not supported by the client.",
        run: runs!(declared_modes_only),
    },
    Check {
        id: "elicitation/request/url-fields",
        title: "a URL-mode elicitation carries a message, a valid URL and an elicitationId",
        level: Level::Must,
        revisions: Revisions::between(SpecVersion::V2025_11_25, SpecVersion::V2025_11_25),
        transports: Transports::Any,
        spec: SpecRef { page: PAGE, anchor: "url-mode-elicitation-requests" },
        requirement: "URL mode elicitation requests MUST specify mode: \"url\", a message, and include these additional parameters: url, elicitationId. The url parameter MUST contain a valid URL.",
        run: runs!(url_fields),
    },
];

// Every check here is confined to the handshake revisions by its
// `revisions` (2025-11-25 is the last), so a survey never runs on 2026-07-28.

/// The primitive property types of a requested schema.
const PRIMITIVES: &[&str] = &["string", "number", "integer", "boolean"];

/// Why one property of a requested schema is not a primitive one, if it is
/// not. 2025-11-25 adds the multi-select enum: an array whose items are an
/// enum (`enum`, or `anyOf` titled constants) of strings.
fn not_primitive(version: SpecVersion, property: &Value) -> Option<String> {
    let ty = property.get("type").and_then(Value::as_str);
    if property.get("properties").is_some() {
        return Some("has properties of its own (a nested object)".into());
    }
    match ty {
        Some(t) if PRIMITIVES.contains(&t) => None,
        Some("array") if version >= SpecVersion::V2025_11_25 => {
            let items = property.get("items");
            let enum_items = items.is_some_and(|i| {
                (i.get("enum").is_some() || i.get("anyOf").is_some())
                    && i.get("type").and_then(Value::as_str).is_none_or(|t| t == "string")
            });
            (!enum_items).then(|| "is an array whose items are not a string enum (multi-select)".into())
        }
        Some(t) => Some(format!("has type {t:?}, none of {}", PRIMITIVES.join(", "))),
        None => Some("has no type".into()),
    }
}

/// Every problem of one requested schema.
fn schema_problems(version: SpecVersion, schema: Option<&Value>) -> Vec<String> {
    let Some(schema) = schema else { return vec!["there is no requestedSchema".into()] };
    let mut problems = Vec::new();
    if schema.get("type").and_then(Value::as_str) != Some("object") {
        problems.push(format!("its type is {}, not \"object\"", jsonrpc::show(schema.get("type"))));
    }
    match schema.get("properties").and_then(Value::as_object) {
        Some(props) => {
            for (name, p) in props {
                if let Some(why) = not_primitive(version, p) {
                    problems.push(format!("property {name:?} {why}"));
                }
            }
        }
        None => problems.push("it has no properties object".into()),
    }
    problems
}

async fn flat_schema(ctx: &Ctx) -> Outcome {
    let survey = server_requests::survey(ctx, server_requests::every_capability(ctx.version)).await?;
    let forms = survey.of(Input::Form);
    if forms.is_empty() {
        return Ok(survey.nothing_asked("a form-mode elicitation"));
    }
    for (tool, request) in &forms {
        let problems = schema_problems(ctx.version, request.pointer("/params/requestedSchema"));
        if !problems.is_empty() {
            return Ok(Verdict::violation(
                format!("the form {tool} asked for is not flat: {}", problems.join("; ")),
                "requestedSchema: {\"type\": \"object\", \"properties\": {...}} whose properties are strings, numbers, integers, booleans or enums",
                jsonrpc::show(request.pointer("/params/requestedSchema")),
            ));
        }
    }
    Ok(Verdict::pass(format!("{} form requests, each schema flat ({})", forms.len(), survey.note())))
}

/// Form mode only: what a client declares with `{"form": {}}`.
fn form_only(version: SpecVersion) -> Value {
    let mut caps = server_requests::every_capability(version);
    caps["elicitation"] = json!({"form": {}});
    caps
}

/// Which tools ask for URL-mode elicitation when the client allows it;
/// none means the check has nothing to judge.
fn url_askers(survey: &Survey) -> Vec<&str> {
    let mut tools: Vec<&str> = survey.of(Input::Url).into_iter().map(|(t, _)| t).collect();
    tools.dedup();
    tools
}

async fn declared_modes_only(ctx: &Ctx) -> Outcome {
    let allowed = server_requests::survey(ctx, server_requests::every_capability(ctx.version)).await?;
    let askers = url_askers(&allowed);
    if askers.is_empty() {
        return Ok(allowed.nothing_asked("a URL-mode elicitation, even with URL mode declared"));
    }
    let form = server_requests::survey(ctx, form_only(ctx.version)).await?;
    if let Some((tool, request)) = form.of(Input::Url).first() {
        return Ok(Verdict::violation(
            format!("a call of {tool} sent a URL-mode elicitation to a client that declared form mode only"),
            "with \"elicitation\": {\"form\": {}} declared, no request with mode \"url\"",
            jsonrpc::show(Some(request)),
        ));
    }
    Ok(Verdict::pass(format!(
        "{} asked for URL-mode elicitation when it was declared, and not with form mode only ({})",
        askers.join(", "),
        form.note()
    )))
}

/// Every problem of one URL-mode request's params.
fn url_problems(params: Option<&Value>) -> Vec<String> {
    let str_of = |k: &str| params.and_then(|p| p.get(k)).and_then(Value::as_str);
    let mut problems = Vec::new();
    if str_of("message").is_none() {
        problems.push("no string message".to_string());
    }
    match str_of("url") {
        None => problems.push("no string url".into()),
        Some(u) => {
            if let Err(e) = url::Url::parse(u) {
                problems.push(format!("url {u:?} is not a valid URL ({e})"));
            }
        }
    }
    if str_of("elicitationId").is_none_or(str::is_empty) {
        problems.push("no elicitationId string".into());
    }
    problems
}

async fn url_fields(ctx: &Ctx) -> Outcome {
    let survey = server_requests::survey(ctx, server_requests::every_capability(ctx.version)).await?;
    let urls = survey.of(Input::Url);
    if urls.is_empty() {
        return Ok(survey.nothing_asked("a URL-mode elicitation"));
    }
    for (tool, request) in &urls {
        let problems = url_problems(request.get("params"));
        if !problems.is_empty() {
            return Ok(Verdict::violation(
                format!("the URL-mode elicitation {tool} sent has {}", problems.join("; ")),
                "params with mode \"url\", a message, a valid url and an elicitationId",
                jsonrpc::show(request.get("params")),
            ));
        }
    }
    Ok(Verdict::pass(format!("{} URL-mode requests, each complete ({})", urls.len(), survey.note())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_and_unknown_properties_are_not_flat() {
        let v = SpecVersion::V2025_11_25;
        let flat = json!({"type": "object", "properties": {"n": {"type": "string"},
            "many": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}}}});
        assert!(schema_problems(v, Some(&flat)).is_empty());
        assert_eq!(schema_problems(SpecVersion::V2025_06_18, Some(&flat)).len(), 1);
        let nested = json!({"type": "object", "properties": {"a": {"type": "object", "properties": {}}}});
        assert_eq!(schema_problems(v, Some(&nested)).len(), 1);
        assert_eq!(schema_problems(v, None).len(), 1);
    }

    #[test]
    fn a_url_request_needs_every_field() {
        let good =
            json!({"mode": "url", "message": "m", "url": "https://example.com/x", "elicitationId": "e"});
        assert!(url_problems(Some(&good)).is_empty());
        let bad = json!({"mode": "url", "url": "not a url"});
        assert_eq!(url_problems(Some(&bad)).len(), 3);
    }
}
