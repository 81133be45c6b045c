//! Multi round-trip requests (`basic/patterns/mrtr`, 2026-07-28), client
//! side: after an `input_required` answer the client retries the request
//! with a new id, the `requestState` echoed exactly, and a response to each
//! input the server asked for.

use super::{ClientCheck, Observed, Outcome, Scenario, Seen};
use crate::checks::Verdict;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use serde_json::Value;

const CLIENT_RULES: SpecRef =
    SpecRef { page: "basic/patterns/mrtr", anchor: "client-requirements-basic-workflow" };
const STATELESS: Revisions = Revisions::since(SpecVersion::V2026_07_28);

pub const CHECKS: &[ClientCheck] = &[
    ClientCheck {
        id: "client/mrtr/request-state-echoed",
        title: "the retry echoes the requestState exactly",
        level: Level::Must,
        revisions: STATELESS,
        spec: CLIENT_RULES,
        requirement: "If an `InputRequiredResult` contains the `requestState` field, the client MUST echo back the exact value of that field when retrying the original request.",
        scenarios: &[Scenario::RequestState],
        grade: request_state_echoed,
    },
    ClientCheck {
        id: "client/mrtr/retry-new-id",
        title: "the retry has a JSON-RPC id of its own",
        level: Level::Must,
        revisions: STATELESS,
        spec: CLIENT_RULES,
        requirement: "The JSON-RPC `id` MUST be different between the initial request and the retry, as they are independent requests.",
        scenarios: &[Scenario::RequestState],
        grade: retry_new_id,
    },
    ClientCheck {
        id: "client/mrtr/input-responses",
        title: "the retry answers every input the server asked for",
        level: Level::Must,
        revisions: STATELESS,
        spec: CLIENT_RULES,
        requirement: "If a client receives an `InputRequiredResult` that contains the `inputRequests` field, the client MUST construct the requested inputs before retrying the original request.",
        scenarios: &[Scenario::RequestState],
        grade: input_responses,
    },
];

/// The call answered `input_required`, and the call after it (the retry).
fn round_trip(obs: &Observed) -> Result<(&Seen, Option<&Seen>), Verdict> {
    let calls: Vec<&Seen> = obs.requests().filter(|s| s.rpc_method() == Some("tools/call")).collect();
    let asked = calls.iter().position(|s| {
        let body = s.exchange.response.as_ref().map(|r| r.body.as_str()).unwrap_or("");
        serde_json::from_str::<Value>(body)
            .ok()
            .and_then(|v| {
                v.pointer("/result/resultType").and_then(Value::as_str).map(|t| t == "input_required")
            })
            .unwrap_or(false)
    });
    let Some(i) = asked else { return Err(obs.nothing("tools/call (the request answered input_required)")) };
    Ok((calls[i], calls.get(i + 1).copied()))
}

fn no_retry(first: &Seen) -> Verdict {
    Verdict::violation(
        "the client did not retry the request answered input_required",
        "a retry of the tools/call",
        format!("{} answered input_required; no tools/call followed", first.describe()),
    )
}

fn param<'a>(s: &'a Seen, key: &str) -> Option<&'a Value> {
    s.messages.first()?.get("params")?.get(key)
}

fn request_state_echoed(obs: &Observed) -> Outcome {
    let (first, retry) = round_trip(obs)?;
    let Some(issued) = obs.issued_state.as_deref() else {
        return Err(Verdict::Error("the scripted server issued no requestState".into()));
    };
    let Some(retry) = retry else { return Ok(no_retry(first)) };
    let echoed = param(retry, "requestState");
    if echoed.and_then(Value::as_str) == Some(issued) {
        return Ok(Verdict::pass("the retry echoed the requestState exactly"));
    }
    Ok(Verdict::violation(
        "the retry did not echo the requestState",
        format!("params.requestState {issued:?}"),
        crate::wire::jsonrpc::show(echoed),
    ))
}

fn retry_new_id(obs: &Observed) -> Outcome {
    let (first, retry) = round_trip(obs)?;
    let Some(retry) = retry else { return Ok(no_retry(first)) };
    let id = |s: &Seen| s.messages.first().and_then(|m| m.get("id")).cloned();
    if id(first) != id(retry) {
        return Ok(Verdict::pass("the retry has an id of its own"));
    }
    Ok(Verdict::violation(
        "the retry reused the id of the first request",
        "a JSON-RPC id different from the first request's",
        format!("both {}", crate::wire::jsonrpc::show(id(retry).as_ref())),
    ))
}

fn input_responses(obs: &Observed) -> Outcome {
    let (first, retry) = round_trip(obs)?;
    if obs.asked_inputs.is_empty() {
        return Ok(Verdict::Skip(
            "the client declared no elicitation capability, so the server asked for no input".into(),
        ));
    }
    let Some(retry) = retry else { return Ok(no_retry(first)) };
    let responses = param(retry, "inputResponses").and_then(Value::as_object);
    let missing: Vec<&str> = obs
        .asked_inputs
        .iter()
        .filter(|k| !responses.is_some_and(|r| r.get(k.as_str()).is_some_and(Value::is_object)))
        .map(String::as_str)
        .collect();
    if missing.is_empty() {
        return Ok(Verdict::pass(format!("the retry answered {}", obs.asked_inputs.join(", "))));
    }
    Ok(Verdict::violation(
        "the retry does not answer every input request",
        format!("params.inputResponses with {}", obs.asked_inputs.join(", ")),
        format!(
            "missing {}; inputResponses {}",
            missing.join(", "),
            crate::wire::jsonrpc::show(param(retry, "inputResponses"))
        ),
    ))
}
