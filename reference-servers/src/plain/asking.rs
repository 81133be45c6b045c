//! The plain server's asking tools on the handshake revisions (2025-03-26 to
//! 2025-11-25): the tools of [`super::mrtr`], whose rounds are sent here as
//! real server-to-client requests on the call's stream instead of
//! `InputRequiredResult`s, as those revisions do it: "The server **MAY**
//! send JSON-RPC _requests_ and _notifications_ before sending the JSON-RPC
//! _response_. These messages **SHOULD** relate to the originating client
//! _request_" (basic/transports). rmcp's peer marks each request with the
//! call it belongs to, so over Streamable HTTP it goes out on that POST's
//! SSE stream, over stdio on stdout.
//!
//! They exist so that mcpcheck's checks of those requests
//! (`schema/server-requests/valid`, `elicitation/request/*`,
//! `lifecycle/capabilities/undeclared-unused`) have a correct server and
//! faults. A tool is listed on a revision only if every kind of input it
//! asks for exists there (elicitation from 2025-06-18, its URL mode from
//! 2025-11-25), and it asks a client only for what the session declared:
//! "Both parties **MUST**: ... Only use capabilities that were successfully
//! negotiated" (basic/lifecycle#operation). Otherwise the call is a tool
//! error naming what is missing. Each wait for an answer is bounded.

use std::time::Duration;

use rmcp::{
    ErrorData, RoleServer,
    model::{
        CallToolResponse, CallToolResult, ContentBlock, CustomRequest, ProtocolVersion, ServerRequest, Tool,
    },
    service::{PeerRequestOptions, RequestContext},
};
use serde_json::{Value, json};

use super::mrtr::{self, Answer, Ask, Asking, Kind};
use crate::faults::{Fault, FaultSet};

/// How long a tool waits for the client to answer one request.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(20);
/// The wait under `input-asks-undeclared`, where the client declared
/// nothing and should not be expected to answer: short, so that a client
/// that ignores the request is not held for long.
const UNDECLARED_TIMEOUT: Duration = Duration::from_secs(1);

/// Whether `kind` is input `version` has.
fn exists_in(kind: Kind, version: &ProtocolVersion) -> bool {
    match kind {
        Kind::Form { .. } => *version >= ProtocolVersion::V_2025_06_18,
        Kind::Url => *version >= ProtocolVersion::V_2025_11_25,
        Kind::Sampling | Kind::Roots => true,
    }
}

fn available(tool: &Asking, version: &ProtocolVersion) -> bool {
    tool.rounds.iter().flat_map(|r| r.iter()).all(|a| exists_in(a.kind, version))
}

/// The tools listed on `version`.
pub fn tools(version: &ProtocolVersion) -> Vec<Tool> {
    mrtr::listed(mrtr::ASKING.iter().filter(|t| available(t, version)))
}

/// The asking tool called `name` on `version`, if there is one.
pub fn find(name: &str, version: &ProtocolVersion) -> Option<&'static Asking> {
    mrtr::find(name).filter(|t| available(t, version))
}

/// The request asking for `ask` as `version` writes it, with the faults
/// that spoil it.
fn request(ask: Ask, version: &ProtocolVersion, faults: &FaultSet) -> Value {
    let mut r = mrtr::request(ask);
    let params = &mut r["params"];
    match ask.kind {
        // `mode` arrived with URL mode in 2025-11-25.
        Kind::Form { .. } if *version < ProtocolVersion::V_2025_11_25 => {
            if let Some(p) = params.as_object_mut() {
                p.remove("mode");
            }
        }
        _ => {}
    }
    if let (Kind::Form { field, .. }, true) = (ask.kind, faults.contains(Fault::ElicitationSchemaNested)) {
        params["requestedSchema"]["properties"][field] =
            json!({"type": "object", "properties": {"first": {"type": "string"}}});
    }
    if let Some(p) = params.as_object_mut() {
        if ask.kind == Kind::Sampling && faults.contains(Fault::ServerRequestInvalid) {
            p.remove("maxTokens");
        }
        if ask.kind == Kind::Url && faults.contains(Fault::UrlElicitationNoId) {
            p.remove("elicitationId");
        }
    }
    r
}

fn result(text: String, error: bool) -> Result<CallToolResponse, ErrorData> {
    let blocks = vec![ContentBlock::text(text)];
    Ok(CallToolResponse::Complete(if error {
        CallToolResult::error(blocks)
    } else {
        CallToolResult::success(blocks)
    }))
}

/// Serves a call of `tool`: each round's requests sent to the client in
/// turn, each answer read as wire JSON and held to what was asked.
pub async fn call(
    tool: &Asking,
    context: &RequestContext<RoleServer>,
    version: &ProtocolVersion,
    faults: &FaultSet,
) -> Result<CallToolResponse, ErrorData> {
    let caps =
        context.client_capabilities().and_then(|c| serde_json::to_value(c).ok()).unwrap_or(Value::Null);
    let ignore_caps = faults.contains(Fault::InputAsksUndeclared);
    let asks = || tool.rounds.iter().flat_map(|r| r.iter());
    let missing: Vec<&str> = asks().filter(|a| !mrtr::supports(&caps, a.kind)).map(|a| a.key).collect();
    if !missing.is_empty() && !ignore_caps {
        let text = format!(
            "{} needs client capabilities the session did not declare (for {})",
            tool.name,
            missing.join(", ")
        );
        return result(text, true);
    }
    let mut answers = Vec::new();
    for ask in asks() {
        let wire = request(*ask, version, faults);
        let method = wire["method"].as_str().unwrap_or_default().to_owned();
        let timeout = if mrtr::supports(&caps, ask.kind) { ANSWER_TIMEOUT } else { UNDECLARED_TIMEOUT };
        let answer = match send(context, &method, wire["params"].clone(), timeout).await {
            Ok(a) => a,
            Err(why) => {
                return result(format!("{}: {method} for {} failed: {why}", tool.name, ask.key), true);
            }
        };
        match mrtr::answer(*ask, &answer) {
            Ok(Answer::Given(text)) => answers.push(format!("{} = {text}", ask.key)),
            Ok(Answer::Refused(action)) => {
                return result(format!("{}: the user chose {action} for {}", tool.name, ask.key), true);
            }
            Err(why) => return result(format!("{}: the answer for {}: {why}", tool.name, ask.key), true),
        }
    }
    result(format!("{}: {}", tool.name, answers.join("; ")), false)
}

/// Sends `method` to the client on this call's stream and waits, bounded,
/// for its result as wire JSON.
async fn send(
    context: &RequestContext<RoleServer>,
    method: &str,
    params: Value,
    timeout: Duration,
) -> Result<Value, String> {
    let request = ServerRequest::CustomRequest(CustomRequest::new(method, Some(params)));
    let options = PeerRequestOptions::with_timeout(timeout);
    let handle = context.peer.send_request_with_option(request, options).await.map_err(|e| e.to_string())?;
    let result = handle.await_response().await.map_err(|e| e.to_string())?;
    serde_json::to_value(result).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tools_are_listed_where_their_input_exists() {
        let names =
            |v: &ProtocolVersion| tools(v).into_iter().map(|t| t.name.to_string()).collect::<Vec<_>>();
        let old = names(&ProtocolVersion::V_2025_03_26);
        assert_eq!(old, ["mrtr_sample", "mrtr_roots"]);
        assert!(!names(&ProtocolVersion::V_2025_06_18).contains(&"mrtr_elicit_url".to_string()));
        assert_eq!(names(&ProtocolVersion::V_2025_11_25).len(), mrtr::ASKING.len());
    }

    #[test]
    fn requests_are_written_for_their_revision_and_spoiled_by_their_faults() {
        let form = mrtr::ASKING[0].rounds[0][0];
        let none = FaultSet::clean();
        assert!(request(form, &ProtocolVersion::V_2025_06_18, &none)["params"].get("mode").is_none());
        assert_eq!(request(form, &ProtocolVersion::V_2025_11_25, &none)["params"]["mode"], "form");
        let nested = FaultSet::from(Fault::ElicitationSchemaNested);
        let r = request(form, &ProtocolVersion::V_2025_11_25, &nested);
        assert_eq!(r["params"]["requestedSchema"]["properties"]["name"]["type"], "object");
    }
}
