//! A correction: task ids on `subscriptions/listen` (SEP-2663, 2026-07-28).
//!
//! The SEP lets a client ask for task status notifications by listing task
//! ids under `params.notifications.taskIds`, and says "In its
//! acknowledgement notification, the server includes the list of task IDs
//! it has agreed to send task status notifications for", and "If a client
//! requests task status notifications but does not declare the
//! `io.modelcontextprotocol/tasks` extension capability, the server MUST
//! return a JSON-RPC error specifying the missing capabilities" (-32021).
//! rmcp's typed subscription filter has no `taskIds`: it drops them, acks
//! without them, and never refuses. So here, for such a request:
//!
//! - undeclared, it is refused -32021 naming the extension;
//! - declared, the ids (at most [`MOST_WATCHED`]) go to the handler in the
//!   request's extensions ([`ListenTaskIds`], read by
//!   [`crate::plain::tasks::notify`]), and the acknowledgement on the
//!   stream gets them under `notifications.taskIds`.
//!
//! The layer cannot tell which ids name tasks the handler holds, so it
//! agrees to every id asked for; the handler sends nothing for an id it
//! does not know.

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, Response, StatusCode, header, request};
use futures::StreamExt;
use serde_json::{Value, json};

use super::messages::{self, Single};
use crate::plain::tasks::notify::{ListenTaskIds, MOST_WATCHED};

const EXTENSION: &str = "io.modelcontextprotocol/tasks";
const CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
const ACKNOWLEDGED: &str = "notifications/subscriptions/acknowledged";
/// The most bytes held back while looking for the acknowledgement.
const MOST_HELD: usize = 64 * 1024;

/// The task ids a `subscriptions/listen` request asks for, handed to the
/// handler; or the refusal of a request that asks without the extension.
pub(crate) fn prepare(
    single: &Single,
    parts: &mut request::Parts,
) -> Result<Option<Vec<String>>, Box<Response<Body>>> {
    if !single.is_method("subscriptions/listen") {
        return Ok(None);
    }
    let asked = single.value().pointer("/params/notifications/taskIds").and_then(Value::as_array);
    let ids: Vec<String> =
        asked.into_iter().flatten().filter_map(Value::as_str).take(MOST_WATCHED).map(str::to_owned).collect();
    if ids.is_empty() {
        return Ok(None);
    }
    let caps = single.value().pointer("/params/_meta").and_then(|m| m.get(CAPABILITIES));
    let declared = caps.and_then(|c| c.pointer("/extensions")).and_then(Value::as_object);
    if !declared.is_some_and(|e| e.contains_key(EXTENSION)) {
        let id = single.id.clone().unwrap_or(Value::Null);
        let body = json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32021,
            "message": "Missing required client capability",
            "data": {"requiredCapabilities": {"extensions": {EXTENSION: {}}}}}});
        let mut response = Response::new(Body::from(body.to_string()));
        *response.status_mut() = StatusCode::OK;
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        return Err(Box::new(response));
    }
    parts.extensions.insert(ListenTaskIds(ids.clone()));
    Ok(Some(ids))
}

/// The listen stream with `ids` added to its acknowledgement (the first
/// event that carries it; the rest passes as it comes).
pub(crate) fn acknowledging(response: Response<Body>, ids: Option<Vec<String>>) -> Response<Body> {
    let Some(ids) = ids else { return response };
    let is_sse = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/event-stream"));
    if !is_sse {
        return response;
    }
    let (parts, body) = response.into_parts();
    let state = (body.into_data_stream(), Vec::new(), false, ids);
    let stream = futures::stream::unfold(state, |(mut body, mut held, mut done, ids)| async move {
        loop {
            if done {
                let chunk = body.next().await?;
                return Some((chunk, (body, held, done, ids)));
            }
            match body.next().await {
                Some(Ok(chunk)) => held.extend_from_slice(&chunk),
                Some(Err(e)) => return Some((Err(e), (body, held, true, ids))),
                None if held.is_empty() => return None,
                None => return Some((Ok(Bytes::from(std::mem::take(&mut held))), (body, held, true, ids))),
            }
            let out = match acked_prefix(&held) {
                Some(end) => {
                    let mut add = |m: &mut Value| {
                        if m.get("method").and_then(Value::as_str) == Some(ACKNOWLEDGED)
                            && let Some(n) =
                                m.pointer_mut("/params/notifications").and_then(Value::as_object_mut)
                        {
                            n.insert("taskIds".into(), json!(ids));
                        }
                    };
                    let mut out = messages::rewrite_sse(&held[..end], &mut add);
                    out.extend_from_slice(&held[end..]);
                    out
                }
                None if held.len() > MOST_HELD => std::mem::take(&mut held),
                None => continue,
            };
            held.clear();
            done = true;
            return Some((Ok(Bytes::from(out)), (body, held, done, ids)));
        }
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

/// Where the event carrying the acknowledgement ends in `held`, once it has.
fn acked_prefix(held: &[u8]) -> Option<usize> {
    let at = held.windows(ACKNOWLEDGED.len()).position(|w| w == ACKNOWLEDGED.as_bytes())?;
    let rest = &held[at..];
    let end = rest.windows(2).position(|w| w == b"\n\n")?;
    Some(at + end + 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_acknowledgement_event_is_found_once_complete() {
        let ack =
            format!("data: {{\"method\":\"{ACKNOWLEDGED}\",\"params\":{{\"notifications\":{{}}}}}}\n\n");
        let body = format!("id: 0\ndata:\n\n{ack}data: {{}}\n\n");
        let end = acked_prefix(body.as_bytes()).unwrap_or_default();
        assert_eq!(&body[..end], format!("id: 0\ndata:\n\n{ack}"));
        assert_eq!(acked_prefix(&ack.as_bytes()[..ack.len() - 1]), None);
    }
}
