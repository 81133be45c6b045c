//! The faults of the stateless revision's envelope and errors (2026-07-28),
//! kept apart from [`super::transport_faults`] so each file stays readable:
//! body rewrites before rmcp validates a request, answers given in rmcp's
//! place, and edits of rmcp's error data.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use futures::StreamExt;
use serde_json::{Value, json};

use super::messages::{self, Single};
use super::transport_faults::is_stateless;
use crate::faults::{Fault, FaultSet};

const VERSION_HEADER: &str = "mcp-protocol-version";
const STATELESS_VERSION: &str = "2026-07-28";
const META_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
const META_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
const META_CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Request-body faults, before rmcp sees the body: `meta-absent-accepted`
/// gives a 2026-07-28 request without `_meta` the whole envelope;
/// `version-mismatch-accepted` makes the `_meta` version the header's.
pub(crate) fn on_request_body(faults: &FaultSet, headers: &HeaderMap, body: &[u8]) -> Option<Vec<u8>> {
    let fill = faults.contains(Fault::MetaAbsentAccepted) && is_stateless(headers);
    let header_version =
        header_str(headers, VERSION_HEADER).filter(|_| faults.contains(Fault::VersionMismatchAccepted));
    if !fill && header_version.is_none() {
        return None;
    }
    let mut msg: Value = serde_json::from_slice(body).ok()?;
    let obj = msg.as_object_mut()?;
    if !(obj.contains_key("method") && obj.contains_key("id")) {
        return None;
    }
    let params = obj.entry("params").or_insert_with(|| json!({})).as_object_mut()?;
    if fill && !params.contains_key("_meta") {
        params.insert(
            "_meta".into(),
            json!({
                META_VERSION: STATELESS_VERSION,
                META_CAPABILITIES: {},
                META_CLIENT_INFO: {"name": "unknown", "version": "0"},
            }),
        );
    }
    if let Some(version) = header_version
        && let Some(meta) = params.get_mut("_meta").and_then(Value::as_object_mut)
        && meta.get(META_VERSION).and_then(Value::as_str).is_some_and(|v| v != version)
    {
        meta.insert(META_VERSION.into(), json!(version));
    }
    serde_json::to_vec(&msg).ok()
}

/// Answers given instead of rmcp's: `client-info-required` refuses a good
/// 2026-07-28 request that lacks clientInfo; `removed-methods-served`
/// answers ping on 2026-07-28.
pub(crate) fn answers(faults: &FaultSet, single: &Single, headers: &HeaderMap) -> Option<Response<Body>> {
    if !(faults.contains(Fault::ClientInfoRequired) || faults.contains(Fault::RemovedMethodsServed)) {
        return None;
    }
    let id = single.id.clone()?;
    single.method.as_ref()?;
    if !is_stateless(headers) {
        return None;
    }
    let meta = single.value().get("params").and_then(|p| p.get("_meta"));
    let good_but_anonymous = meta.is_some_and(|m| {
        m.get(META_VERSION).and_then(Value::as_str) == Some(STATELESS_VERSION)
            && m.get(META_CAPABILITIES).is_some()
            && m.get(META_CLIENT_INFO).is_none()
    });
    if faults.contains(Fault::ClientInfoRequired) && good_but_anonymous {
        let body = messages::error_body(
            id,
            -32602,
            "Invalid params: _meta lacks io.modelcontextprotocol/clientInfo",
        );
        return Some(json(StatusCode::BAD_REQUEST, body));
    }
    if faults.contains(Fault::RemovedMethodsServed) && single.is_method("ping") {
        let body = json!({"jsonrpc": "2.0", "id": id, "result": {"resultType": "complete"}});
        return Some(json(StatusCode::OK, body.to_string().into_bytes()));
    }
    None
}

/// Whether the answer to `single` needs buffering for these faults.
pub(crate) fn wants_rewrite(faults: &FaultSet) -> bool {
    faults.contains(Fault::UnsupportedVersionNoRequested)
}

/// `unsupported-version-no-requested`: the error data loses `requested`.
pub(crate) fn on_message(faults: &FaultSet, message: &mut Value) {
    if faults.contains(Fault::UnsupportedVersionNoRequested)
        && let Some(error) = message.get_mut("error")
        && error.get("code").and_then(Value::as_i64) == Some(-32022)
        && let Some(data) = error.get_mut("data").and_then(Value::as_object_mut)
    {
        data.remove("requested");
    }
}

/// `listen-ack-late`: a `subscriptions/listen` stream starts with an update
/// of the first subscribed resource (tagged, and one the filter asked for),
/// so that the acknowledgement is no longer the first message. The stream
/// itself stays rmcp's, read as it comes.
pub(crate) fn on_listen_response(
    faults: &FaultSet,
    single: &Single,
    response: Response<Body>,
) -> Response<Body> {
    let is_sse = header_str(response.headers(), header::CONTENT_TYPE.as_str())
        .is_some_and(|ct| ct.starts_with("text/event-stream"));
    if !(faults.contains(Fault::ListenAckLate) && single.is_method("subscriptions/listen") && is_sse) {
        return response;
    }
    let Some(id) = single.id.clone() else { return response };
    let uri = single
        .value()
        .pointer("/params/notifications/resourceSubscriptions/0")
        .cloned()
        .unwrap_or(json!("note://1"));
    let early = json!({
        "jsonrpc": "2.0",
        "method": "notifications/resources/updated",
        "params": {"_meta": {"io.modelcontextprotocol/subscriptionId": id}, "uri": uri},
    });
    let event = Bytes::from(format!("data: {early}\n\n"));
    let (parts, body) = response.into_parts();
    let first = futures::stream::once(async move { Ok::<_, axum::Error>(event) });
    Response::from_parts(parts, Body::from_stream(first.chain(body.into_data_stream())))
}

fn json(status: StatusCode, body: Vec<u8>) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
