//! The plain server's prompt that asks for input first (2026-07-28,
//! basic/patterns/mrtr): `prompts/get` is one of the three requests a
//! server may answer with an `InputRequiredResult` ("Servers **MUST NOT**
//! send `InputRequiredResult` responses on any other client requests" names
//! `prompts/get`, `resources/read` and `tools/call`). It asks for the user's
//! name through a form, then returns a prompt greeting them.
//!
//! It follows the tools of [`super::mrtr`]: the state travels sealed in
//! `requestState`, a retry without it starts over, a missing answer is asked
//! for again, a wrong one is -32602, and a client that did not declare form
//! elicitation is answered -32021. Listed on 2026-07-28 only.

use rmcp::model::{
    ErrorCode, ErrorData, GetPromptRequestParams, GetPromptResponse, GetPromptResult, InputRequest,
    InputRequests, InputRequiredResult, Prompt, PromptMessage, Role,
};
use serde_json::{Value, json};

use super::mrtr::{self, Answer, Ask, Kind};
use super::request_state::State;
use crate::faults::{Fault, FaultSet};

/// The prompt's name.
pub const NAME: &str = "mrtr_greeting";

const ASK: Ask =
    Ask { key: "user_name", kind: Kind::Form { field: "name", message: "Whom should the prompt greet?" } };

/// The prompt as listed.
pub fn prompt() -> Prompt {
    Prompt::new(NAME, Some("Greet the user by the name a form asks for (asks for input first)"), None)
}

fn invalid(message: String) -> ErrorData {
    ErrorData::invalid_params(message, None)
}

/// Serves `prompts/get` of [`NAME`]; `caps` are the request's client
/// capabilities.
pub fn get(
    request: &GetPromptRequestParams,
    caps: &Value,
    faults: &FaultSet,
) -> Result<GetPromptResponse, ErrorData> {
    let Some(sealed) = request.request_state.as_deref() else { return ask(caps) };
    State::open(sealed, NAME).map_err(|e| invalid(e.to_string()))?;
    if faults.contains(Fault::PromptRetryRefused) {
        return Err(invalid(format!("{NAME} takes no inputResponses")));
    }
    let responses = request.input_responses.clone().unwrap_or_default();
    let Some(v) = responses.get(ASK.key) else { return ask(caps) };
    let text =
        match mrtr::answer(ASK, v).map_err(|why| invalid(format!("inputResponses.{}: {why}", ASK.key)))? {
            Answer::Given(name) => format!("Please greet {name} warmly."),
            Answer::Refused(action) => format!("The user chose {action}; greet them without a name."),
        };
    Ok(GetPromptResponse::Complete(
        GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)]).with_description("A greeting"),
    ))
}

/// The round that asks for the name, or -32021 without form elicitation.
fn ask(caps: &Value) -> Result<GetPromptResponse, ErrorData> {
    if !mrtr::supports(caps, ASK.kind) {
        return Err(ErrorData::new(
            ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY,
            format!("{NAME} needs form elicitation, which the request did not declare"),
            Some(json!({"requiredCapabilities": {"elicitation": {"form": {}}}})),
        ));
    }
    let request: InputRequest = serde_json::from_value(mrtr::request(ASK))
        .map_err(|e| ErrorData::internal_error(format!("input request: {e}"), None))?;
    let mut requests = InputRequests::new();
    requests.insert(ASK.key.to_owned(), request);
    let sealed =
        State::new(NAME, 0, Vec::new()).seal().map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
    Ok(GetPromptResponse::InputRequired(InputRequiredResult::new(Some(requests), Some(sealed))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get_with(responses: Option<Value>, state: Option<String>, faults: &FaultSet) -> Value {
        let mut p = json!({"name": NAME});
        if let Some(r) = responses {
            p["inputResponses"] = r;
        }
        if let Some(s) = state {
            p["requestState"] = json!(s);
        }
        let request: GetPromptRequestParams = serde_json::from_value(p).expect("params");
        let caps = json!({"elicitation": {}});
        match get(&request, &caps, faults) {
            Ok(GetPromptResponse::Complete(r)) => serde_json::to_value(r).expect("result"),
            Ok(GetPromptResponse::InputRequired(r)) => serde_json::to_value(r).expect("result"),
            Ok(other) => panic!("an answer of another kind: {other:?}"),
            Err(e) => json!({"error": e.code.0}),
        }
    }

    #[test]
    fn asks_then_greets() {
        let clean = FaultSet::clean();
        let first = get_with(None, None, &clean);
        assert_eq!(first["resultType"], "input_required");
        let state = first["requestState"].as_str().map(String::from);
        let answer = json!({"user_name": {"action": "accept", "content": {"name": "Ada"}}});
        let done = get_with(Some(answer.clone()), state.clone(), &clean);
        assert!(done["messages"][0]["content"]["text"].as_str().is_some_and(|t| t.contains("Ada")), "{done}");
        let refused = get_with(Some(answer), state, &FaultSet::from(Fault::PromptRetryRefused));
        assert_eq!(refused["error"], -32602);
    }
}
