//! Multi round-trip requests (`basic/patterns/mrtr`, 2026-07-28): a server
//! that needs input from the client answers with an `InputRequiredResult`
//! instead of sending it a request; the client answers what it asks and
//! retries the original request with `inputResponses` and the echoed
//! `requestState`.
//!
//! One rule holds for every server and needs nothing of it: only three
//! requests may be answered so. The others need a tool that asks, found by
//! calling the tools mcpcheck may call (read-only ones, or `--call-tools`)
//! with every client capability it can answer for declared ([`client`]);
//! where no tool asks, they skip and say so. This file holds the shape of
//! the answer, the round trip and the client's capabilities; [`retries`]
//! the retries a server must refuse or tolerate (two files, one page).

pub(crate) mod client;
mod retries;

use super::{Check, Ctx, Outcome, Transports, Verdict, pagination, verify};
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use crate::wire::jsonrpc;
use client::{Driven, Input};
use serde_json::{Value, json};

/// The requests an `InputRequiredResult` may answer.
pub const SUPPORTED: &[&str] = &["prompts/get", "resources/read", "tools/call"];
/// MissingRequiredClientCapability (2026-07-28 basic#meta).
pub const MISSING_CAPABILITY: i64 = -32021;

const PAGE: &str = "basic/patterns/mrtr";
const SERVER_RULES: SpecRef = SpecRef { page: PAGE, anchor: "server-requirements-basic-workflow" };

const fn check(
    slug_id: &'static str,
    title: &'static str,
    level: Level,
    spec: SpecRef,
    requirement: &'static str,
    run: for<'a> fn(&'a Ctx) -> futures::future::BoxFuture<'a, Outcome>,
) -> Check {
    Check {
        id: slug_id,
        title,
        level,
        revisions: Revisions::since(SpecVersion::V2026_07_28),
        transports: Transports::Any,
        spec,
        requirement,
        run,
    }
}

pub const CHECKS: &[Check] = &[
    check(
        "mrtr/input-required/supported-requests-only",
        "only prompts/get, resources/read and tools/call are answered input_required",
        Level::Must,
        SpecRef { page: PAGE, anchor: "supported-requests" },
        "Servers MUST NOT send `InputRequiredResult` responses on any other client requests.",
        runs!(supported_requests_only),
    ),
    check(
        "mrtr/input-required/shape",
        "an InputRequiredResult carries inputRequests or requestState, each request one a client can answer",
        Level::Must,
        SERVER_RULES,
        "`inputRequests` values are request objects that MUST be one of `ElicitRequest`, `CreateMessageRequest`, or `ListRootsRequest` ... Servers MUST include at least one of `inputRequests` or `requestState` in every `InputRequiredResult` response.",
        runs!(shape),
    ),
    check(
        "mrtr/input-required/completes",
        "answering what a tool asks, round after round, ends in its result",
        // The page describes the flow's end without a keyword of its own.
        Level::Should,
        SpecRef { page: PAGE, anchor: "multi-round-trip-requests" },
        "Client gathers the requested information from the user or other sources, then retries the original request including the additional requested information. Server determines it has sufficient information to complete the operation, and responds with the final result.",
        runs!(completes),
    ),
    check(
        "mrtr/input-required/client-capabilities",
        "no input is asked for that the request's client capabilities do not declare",
        Level::Must,
        SERVER_RULES,
        "Servers MUST NOT send an `inputRequests` that the client has not declared support for in its capabilities. For example, if a client does not declare support for `elicitation`, the server MUST NOT include any `elicitation/create` requests in the `inputRequests` field.",
        runs!(client_capabilities),
    ),
    retries::TAMPERED,
    retries::STATE_REQUIRED,
    retries::INVALID,
    retries::NULL_RESPONSES,
    retries::MISSING,
    retries::EXTRA,
];

/// server/discover and the first page of every declared list: none may be
/// an `InputRequiredResult` (`resultType: "input_required"`).
async fn supported_requests_only(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let caps = pagination::capabilities(&mut s).await?;
    let mut methods = vec!["server/discover"];
    methods.extend(pagination::declared(&caps).iter().map(|m| m.method));
    let mut asked = Vec::new();
    for method in &methods {
        let a = s.request(method, None).await?;
        let response = verify::response(&a)?;
        if super::schema::input_required(response) {
            asked.push(format!("{method}: {}", jsonrpc::show(response.get("result"))));
        }
    }
    if asked.is_empty() {
        return Ok(Verdict::pass(format!("no input_required answer to {}", methods.join(", "))));
    }
    Ok(Verdict::violation(
        format!("{} answered with an InputRequiredResult", asked.len()),
        format!("resultType input_required only on {}", SUPPORTED.join(", ")),
        asked.join("; "),
    ))
}

/// What is wrong with one `InputRequiredResult`, if anything.
fn shape_problems(result: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let requests = result.get("inputRequests");
    let state = result.get("requestState");
    if requests.is_none() && state.is_none() {
        problems.push("neither inputRequests nor requestState".to_string());
    }
    if let Some(s) = state.filter(|s| !s.is_string()) {
        problems.push(format!("requestState is {}, not a string", jsonrpc::type_name(s)));
    }
    match requests {
        None => {}
        Some(Value::Object(map)) => {
            for (key, request) in map {
                if let Err(m) = super::schema::input_request(request) {
                    problems.push(format!("inputRequests.{key}{}: {}", m.pointer, m.message));
                }
            }
        }
        Some(other) => {
            problems.push(format!("inputRequests is {}, not an object", jsonrpc::type_name(other)))
        }
    }
    problems
}

/// Every tool that asks: its first answer has something to act on, and each
/// request in it is one of the three a client can be asked.
async fn shape(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let (askers, notes) = client::askers(ctx, &mut s).await?;
    if askers.is_empty() {
        return Ok(client::none_asks(&notes));
    }
    let mut problems = Vec::new();
    for a in &askers {
        let p = shape_problems(&a.first);
        if !p.is_empty() {
            problems.push(format!("{}: {} — {}", a.name, p.join("; "), jsonrpc::show(Some(&a.first))));
        }
    }
    let names: Vec<&str> = askers.iter().map(|a| a.name.as_str()).collect();
    if problems.is_empty() {
        return Ok(Verdict::pass(format!("{} asked for input in well-formed results", names.join(", "))));
    }
    Ok(Verdict::violation(
        format!("{} of {} input_required answers are malformed", problems.len(), askers.len()),
        "inputRequests (ElicitRequest, CreateMessageRequest or ListRootsRequest values) and/or a string requestState",
        jsonrpc::clip(&problems.join("; "), 1200),
    ))
}

/// Every tool that asks is answered as a well-behaved client would, round
/// after round (each retry a new request, echoing the newest state), until
/// it gives its result; a tool asking for what mcpcheck cannot answer is
/// left out (`shape` judges that).
async fn completes(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let (askers, notes) = client::askers(ctx, &mut s).await?;
    if askers.is_empty() {
        return Ok(client::none_asks(&notes));
    }
    let mut done = Vec::new();
    let mut left_out = Vec::new();
    for a in &askers {
        match client::drive(ctx, &mut s, a).await? {
            Driven::Complete { retries, result } if result.get("content").is_some_and(Value::is_array) => {
                let rounds = if retries == 1 { "1 retry".to_string() } else { format!("{retries} retries") };
                done.push(format!("{} ({rounds})", a.name));
            }
            Driven::Complete { retries, result } => {
                return Ok(Verdict::violation(
                    format!("{}: the final answer after {retries} retries is no tool result", a.name),
                    "a CallToolResult with a content array",
                    jsonrpc::show(Some(&result)),
                ));
            }
            Driven::Refused { retry, response } => {
                return Ok(Verdict::violation(
                    format!("{}: retry {retry}, answering everything it asked, was refused", a.name),
                    "the tool's result (or another InputRequiredResult)",
                    jsonrpc::show(Some(&response)),
                ));
            }
            Driven::StillAsking => {
                return Ok(Verdict::violation(
                    format!(
                        "{}: still asking for input after {} answered retries",
                        a.name,
                        client::MAX_ROUNDS
                    ),
                    format!("a final result within {} rounds", client::MAX_ROUNDS),
                    "input_required on every retry (see the exchanges)",
                ));
            }
            Driven::Unanswerable { retry, key } => left_out
                .push(format!("{} (on retry {retry} asks {key}, which mcpcheck cannot answer)", a.name)),
        }
    }
    if done.is_empty() {
        return Ok(Verdict::Skip(format!(
            "no tool asked only for input mcpcheck can answer: {}",
            left_out.join(", ")
        )));
    }
    let mut msg = format!("answered and completed: {}", done.join(", "));
    if !left_out.is_empty() {
        msg.push_str(&format!("; left out: {}", left_out.join(", ")));
    }
    Ok(Verdict::pass(msg))
}

/// Every tool that asks is called again declaring no capability, and once
/// without each kind of input it asked for; no answer may ask for a kind the
/// call did not declare (a MissingRequiredClientCapability error, -32021, is
/// what basic#meta asks for instead, and is recorded).
async fn client_capabilities(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let (askers, notes) = client::askers(ctx, &mut s).await?;
    if askers.is_empty() {
        return Ok(client::none_asks(&notes));
    }
    let mut seen = Vec::new();
    let mut calls = 0;
    for a in &askers {
        let mut probes = vec![("no capability".to_string(), json!({}))];
        for input in a.inputs() {
            probes.push((format!("all but {}", input.label()), client::all_but(input)));
        }
        for (label, caps) in probes {
            if calls >= 3 * super::tools::MAX_CALLS {
                break;
            }
            calls += 1;
            let answer = ctx.call_tool(&mut s, client::params(&a.name, &a.args, &caps, None, None)).await?;
            let response = verify::response(&answer)?;
            let asked: Vec<String> = response
                .pointer("/result/inputRequests")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter(|(_, r)| Input::of(r).is_some_and(|i| !i.declared_in(&caps)))
                .map(|(k, r)| format!("{k} ({})", Input::of(r).map_or("?", Input::label)))
                .collect();
            if !asked.is_empty() {
                return Ok(Verdict::violation(
                    format!("{} declared {label} and was asked for {}", a.name, asked.join(", ")),
                    format!("no input beyond {caps} (a -32021 error naming the capability instead)"),
                    jsonrpc::show(Some(response)),
                ));
            }
            let got = match jsonrpc::error_code(response) {
                Some(code) => format!("error {code}"),
                None if response.get("result").is_some_and(client::asks) => "input_required within it".into(),
                None => "a result".into(),
            };
            seen.push(format!("{} with {label}: {got}", a.name));
        }
    }
    Ok(Verdict::pass(format!("nothing undeclared was asked for: {}", seen.join("; "))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_problems_name_what_is_wrong() {
        assert!(shape_problems(&json!({"resultType": "input_required", "requestState": "s"})).is_empty());
        let none = shape_problems(&json!({"resultType": "input_required"}));
        assert_eq!(none, vec!["neither inputRequests nor requestState".to_string()]);
        let ping = json!({"resultType": "input_required", "inputRequests": {"x": {"method": "ping"}}});
        assert!(
            shape_problems(&ping)[0].starts_with("inputRequests.x/method"),
            "{:?}",
            shape_problems(&ping)
        );
        let roots = json!({"resultType": "input_required", "inputRequests": {"r": {"method": "roots/list"}}});
        assert!(shape_problems(&roots).is_empty(), "{:?}", shape_problems(&roots));
    }
}
