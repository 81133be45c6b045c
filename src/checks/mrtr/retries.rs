//! Retries a server must refuse or tolerate (2026-07-28
//! basic/patterns/mrtr): a tampered or missing `requestState`, input
//! responses that are invalid, missing or more than was asked.
//!
//! Each check takes the first tool whose first answer carries a
//! `requestState` and asks only for what mcpcheck can answer, makes one
//! retry that is wrong in one way and otherwise what a well-behaved client
//! sends, and judges the answer. A refusal is a JSON-RPC error; the spec
//! names no code for a state that fails verification, so any is taken and
//! recorded, while invalid input is invalid params, -32602.

use super::client::{self, Asker};
use super::{Check, Ctx, Outcome, PAGE, SERVER_RULES, Verdict, check};
use crate::checks::verify;
use crate::runs;
use crate::spec::{Level, SpecRef};
use crate::wire::jsonrpc;
use serde_json::{Map, Value, json};

const ERRORS: SpecRef = SpecRef { page: PAGE, anchor: "error-handling" };
const INVALID_PARAMS: i64 = -32602;

pub(super) const TAMPERED: Check = check(
    "mrtr/input-required/tampered-state-rejected",
    "a retry with an altered requestState is refused",
    Level::Must,
    SERVER_RULES,
    "If a client request contains a `requestState` field, servers MUST treat `requestState` as an attacker-controlled input. If `requestState` influences authorization, resource access, or business logic, servers MUST protect its integrity (e.g. HMAC or AEAD) and MUST reject state that fails verification.",
    runs!(tampered_state_rejected),
);

pub(super) const STATE_REQUIRED: Check = check(
    "mrtr/input-required/state-required",
    "a retry without the requestState the server issued does not complete",
    // A state the retry lacks is one that was never verified; whether the
    // server needed it, only the server knows, hence SHOULD.
    Level::Should,
    SERVER_RULES,
    "servers MUST treat `requestState` as an attacker-controlled input ... and MUST reject state that fails verification (a retry that drops the issued state presents none to verify; the client side: \"the client MUST echo back the exact value of that field when retrying the original request\")",
    runs!(state_required),
);

pub(super) const INVALID: Check = check(
    "mrtr/input-required/invalid-response-rejected",
    "input responses that are not the requested result are refused with -32602",
    Level::Should,
    ERRORS,
    "Servers SHOULD validate that the data provided by the client is a valid `InputResponses` object and that the information inside can be correctly parsed. Protocol errors (malformed JSON, invalid schema, internal server errors) SHOULD return a JSON-RPC error response with an appropriate error code and message.",
    runs!(invalid_response_rejected),
);

pub(super) const NULL_RESPONSES: Check = check(
    "mrtr/input-required/null-responses-rejected",
    "a retry whose inputResponses is null gets an error or is asked again",
    Level::Should,
    ERRORS,
    "Servers SHOULD validate that the data provided by the client is a valid `InputResponses` object and that the information inside can be correctly parsed. (`null` is no `InputResponses` object: the retry has none of the input asked for, so the server refuses it or, as for missing information, \"SHOULD respond with a new `InputRequiredResult` requesting the missing information again\".)",
    runs!(null_responses_rejected),
);

pub(super) const MISSING: Check = check(
    "mrtr/input-required/missing-response-rerequested",
    "a retry without the requested input responses is asked again, not refused",
    Level::Should,
    ERRORS,
    "If the client fails to send all the information requested in a previous `InputRequests`, and the missing information is necessary for the server to process the request, the server SHOULD respond with a new `InputRequiredResult` requesting the missing information again, rather than returning an error.",
    runs!(missing_response_rerequested),
);

pub(super) const EXTRA: Check = check(
    "mrtr/input-required/extra-responses-ignored",
    "input responses nobody asked for are ignored",
    Level::Should,
    ERRORS,
    "If additional, unexpected parameters are provided in the `InputResponses` object, the server SHOULD ignore any information it does not recognize or need.",
    runs!(extra_responses_ignored),
);

/// The tool the retries are made on, with the right answers; a skip when
/// there is none.
async fn subject(ctx: &Ctx, s: &mut crate::wire::session::Session) -> Result<(Asker, Value), Verdict> {
    let (askers, notes) = client::askers(ctx, s).await?;
    if askers.is_empty() {
        return Err(client::none_asks(&notes));
    }
    match client::with_state(&askers) {
        Some((a, answers)) => Ok((a.clone(), answers)),
        None => {
            let names: Vec<&str> = askers.iter().map(|a| a.name.as_str()).collect();
            Err(Verdict::Skip(format!(
                "no tool that asks ({}) gave a requestState and asked only for input mcpcheck can answer",
                names.join(", ")
            )))
        }
    }
}

/// What an answer was, in a word: "error -32602", "input_required", "a result".
fn described(response: &Value) -> String {
    match (jsonrpc::error_code(response), response.get("result")) {
        (Some(code), _) => format!("error {code}"),
        (None, Some(r)) if client::asks(r) => "input_required".into(),
        (None, Some(_)) => "a result".into(),
        (None, None) => "neither a result nor an error".into(),
    }
}

/// The answers with the requestState changed: must be an error.
async fn tampered_state_rejected(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let (asker, answers) = subject(ctx, &mut s).await?;
    let state = asker.state().unwrap_or_default();
    let tampered = client::tampered(state);
    let a = client::retry(ctx, &mut s, &asker, Some(answers), Some(&tampered)).await?;
    let r = verify::response(&a)?;
    if let Some(code) = jsonrpc::error_code(r) {
        return Ok(Verdict::pass(format!(
            "{}: the altered requestState was refused with error {code}",
            asker.name
        )));
    }
    Ok(Verdict::violation(
        format!("{}: a retry with one character of requestState changed got {}", asker.name, described(r)),
        "a JSON-RPC error (the state fails verification)",
        jsonrpc::show(Some(r)),
    ))
}

/// The answers without the requestState: an error, or the server asking
/// again, but not the result.
async fn state_required(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let (asker, answers) = subject(ctx, &mut s).await?;
    let a = client::retry(ctx, &mut s, &asker, Some(answers), None).await?;
    let r = verify::response(&a)?;
    let completed = r.get("result").is_some_and(|res| !client::asks(res));
    if !completed {
        return Ok(Verdict::pass(format!(
            "{}: a retry without its requestState got {}",
            asker.name,
            described(r)
        )));
    }
    Ok(Verdict::violation(
        format!("{}: a retry with the answers but without the requestState it issued completed", asker.name),
        "a JSON-RPC error or a new InputRequiredResult",
        jsonrpc::show(Some(r)),
    ))
}

/// A form's content with one required property of the wrong type (or, if
/// its type is unknown, left out), against `request`'s requested schema.
fn off_schema(request: &Value, answer: &Value) -> Option<Value> {
    let schema = request.pointer("/params/requestedSchema")?;
    let field = schema.get("required")?.as_array()?.first()?.as_str()?;
    let mut content = answer.get("content")?.as_object()?.clone();
    match schema.pointer(&format!("/properties/{field}/type")).and_then(Value::as_str) {
        Some("string") => content.insert(field.into(), json!(12345)),
        Some(_) => content.insert(field.into(), json!("mcpcheck")),
        None => content.remove(field),
    };
    Some(json!({"action": "accept", "content": content}))
}

/// Two retries with the right state: every response the number 12345 (no
/// result object at all), and, where a form was asked for, its content
/// failing the requested schema. Each must be refused with -32602, or asked
/// again.
async fn invalid_response_rejected(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let (asker, answers) = subject(ctx, &mut s).await?;
    let state = asker.state().map(String::from);
    let keys: Vec<String> = answers.as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default();
    let mut probes: Vec<(String, Value)> = vec![(
        "every response the number 12345".into(),
        Value::Object(keys.iter().map(|k| (k.clone(), json!(12345))).collect::<Map<_, _>>()),
    )];
    for (key, request) in asker.requests().into_iter().flatten() {
        if let Some(bad) = answers.get(key).and_then(|ok| off_schema(request, ok)) {
            let mut all = answers.clone();
            all[key.as_str()] = bad;
            probes.push((format!("{key}'s form content failing its requestedSchema"), all));
            break;
        }
    }
    let mut seen = Vec::new();
    for (label, responses) in probes {
        let a = client::retry(ctx, &mut s, &asker, Some(responses), state.as_deref()).await?;
        let r = verify::response(&a)?;
        let code = jsonrpc::error_code(r);
        let asked_again = r.get("result").is_some_and(client::asks);
        if code != Some(INVALID_PARAMS) && !asked_again {
            return Ok(Verdict::violation(
                format!("{}: a retry with {label} got {}", asker.name, described(r)),
                "error -32602 (Invalid params), or a new InputRequiredResult",
                jsonrpc::show(Some(r)),
            ));
        }
        seen.push(format!("{label}: {}", described(r)));
    }
    Ok(Verdict::pass(format!("{}: {}", asker.name, seen.join("; "))))
}

/// A retry with the right state and `inputResponses: null`: an error or a
/// new InputRequiredResult, never the final result.
async fn null_responses_rejected(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let (asker, _) = subject(ctx, &mut s).await?;
    let a = client::retry(ctx, &mut s, &asker, Some(Value::Null), asker.state()).await?;
    let r = verify::response(&a)?;
    let completed = r.get("result").is_some_and(|res| !client::asks(res));
    if !completed {
        return Ok(Verdict::pass(format!("{}: inputResponses null got {}", asker.name, described(r))));
    }
    Ok(Verdict::violation(
        format!("{}: a retry with its requestState and inputResponses null completed", asker.name),
        "a JSON-RPC error, or a new InputRequiredResult asking again",
        jsonrpc::show(Some(r)),
    ))
}

/// A retry with the right state and no input responses (`{}`): a new
/// InputRequiredResult asking again, not an error.
async fn missing_response_rerequested(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let (asker, _) = subject(ctx, &mut s).await?;
    let a = client::retry(ctx, &mut s, &asker, Some(json!({})), asker.state()).await?;
    let r = verify::response(&a)?;
    let asks_again = r
        .get("result")
        .filter(|res| client::asks(res))
        .and_then(|res| res.get("inputRequests"))
        .and_then(Value::as_object)
        .is_some_and(|m| !m.is_empty());
    if asks_again {
        return Ok(Verdict::pass(format!("{}: a retry without the responses was asked again", asker.name)));
    }
    Ok(Verdict::violation(
        format!("{}: a retry with empty inputResponses got {}", asker.name, described(r)),
        "a new InputRequiredResult whose inputRequests ask for the missing input",
        jsonrpc::show(Some(r)),
    ))
}

/// The right answers and state, plus a response under a key nobody asked
/// for: answered as without it (a result or the next round), not refused.
async fn extra_responses_ignored(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let (asker, mut answers) = subject(ctx, &mut s).await?;
    if let Some(m) = answers.as_object_mut() {
        m.insert(
            "mcpcheck_not_asked".into(),
            json!({"action": "accept", "content": {"note": "unrequested"}}),
        );
    }
    let a = client::retry(ctx, &mut s, &asker, Some(answers), asker.state()).await?;
    let r = verify::response(&a)?;
    if r.get("result").is_some() {
        return Ok(Verdict::pass(format!(
            "{}: the answers with an unrequested extra got {}",
            asker.name,
            described(r)
        )));
    }
    Ok(Verdict::violation(
        format!(
            "{}: the right answers plus one under the key mcpcheck_not_asked got {}",
            asker.name,
            described(r)
        ),
        "the answer the right answers alone get (the extra ignored)",
        jsonrpc::show(Some(r)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_schema_breaks_the_first_required_property() {
        let request = json!({"params": {"requestedSchema": {"type": "object",
            "properties": {"name": {"type": "string"}}, "required": ["name"]}}});
        let ok = json!({"action": "accept", "content": {"name": "mcpcheck"}});
        assert_eq!(off_schema(&request, &ok), Some(json!({"action": "accept", "content": {"name": 12345}})));
        assert_eq!(off_schema(&json!({"params": {}}), &ok), None);
    }
}
