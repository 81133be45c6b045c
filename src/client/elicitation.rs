//! Elicitation (`client/elicitation`), client side: a form whose fields the
//! server gave defaults comes back filled with them (SEP-1034). Graded on
//! the answer the client POSTed to the scripted server's `elicitation/create`
//! ([`super::scripted_elicitation`]).

use super::auth::check;
use super::scripted_elicitation::{ELICIT_ID, is_answer, requested_schema};
use super::{ClientCheck, Observed, Outcome, Scenario};
use crate::checks::Verdict;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use serde_json::Value;

pub const CHECKS: &[ClientCheck] = &[check!(
    "client/elicitation/defaults-applied",
    "an accepted form carries the schema's defaults for the fields left empty",
    Should,
    Revisions::between(SpecVersion::V2025_11_25, SpecVersion::V2025_11_25),
    SpecRef { page: "client/elicitation", anchor: "requested-schema" },
    "All primitive types support optional default values to provide sensible starting points. Clients that support defaults SHOULD pre-populate form fields with these values.",
    ElicitationDefaults,
    defaults_applied
)];

fn defaults_applied(obs: &Observed) -> Outcome {
    let init = obs.seen.iter().flat_map(|s| &s.messages).find(|m| m["method"] == "initialize");
    let Some(init) = init else {
        return Err(obs.nothing("initialize"));
    };
    if init.pointer("/params/capabilities/elicitation").is_none() {
        return Ok(Verdict::Skip("the client declares no elicitation capability, so none was asked".into()));
    }
    let Some(answer) = obs.seen.iter().flat_map(|s| &s.messages).find(|m| is_answer(m)) else {
        return Err(obs.nothing(&format!("answer to elicitation/create {ELICIT_ID}")));
    };
    let result = answer.get("result");
    if result.and_then(|r| r.get("action")).and_then(Value::as_str) != Some("accept") {
        return Ok(Verdict::Skip(format!(
            "the client did not accept the form ({answer}); defaults apply to accepted ones"
        )));
    }
    let content = result.and_then(|r| r.get("content")).and_then(Value::as_object);
    let schema = requested_schema();
    let props = schema["properties"].as_object().cloned().unwrap_or_default();
    let missing: Vec<String> = props
        .iter()
        .filter(|(k, _)| content.is_none_or(|c| !c.contains_key(k.as_str())))
        .map(|(k, p)| format!("{k} (default {})", p["default"]))
        .collect();
    if missing.is_empty() {
        return Ok(Verdict::pass(format!("content {}", Value::Object(content.cloned().unwrap_or_default()))));
    }
    Ok(Verdict::violation(
        "the accepted form leaves out fields the schema gives defaults",
        "every property present, with its default unless the user chose otherwise",
        format!("missing {}; the answer was {answer}", missing.join(", ")),
    ))
}
