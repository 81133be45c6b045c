//! Subscriptions (`basic/patterns/subscriptions`, 2026-07-28): the
//! `subscriptions/listen` stream that replaced `resources/subscribe` and the
//! HTTP GET stream. mcpcheck opens one, opted in to everything the server
//! declares it can notify about, reads it for a bounded window, and judges
//! what came: the acknowledgement first, and every message tagged with the
//! subscription's id.

use super::{Check, Ctx, Outcome, Transports, Verdict};
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use crate::wire::jsonrpc::{self, Kind};
use crate::wire::session::Reply;
use serde_json::{Map, Value, json};
use std::time::Duration;

const STATELESS: Revisions = Revisions::since(SpecVersion::V2026_07_28);
const PAGE: &str = "basic/patterns/subscriptions";
const ACKNOWLEDGED: &str = "notifications/subscriptions/acknowledged";
const SUBSCRIPTION_ID_KEY: &str = "io.modelcontextprotocol/subscriptionId";
/// How long a listen stream is read: it stays open by design, and the
/// acknowledgement is due at once.
const WINDOW: Duration = Duration::from_millis(1500);
/// The most messages of a stream that are judged (the read is bounded by
/// the window and the body limits already; this bounds the verdict).
const MOST_JUDGED: usize = 100;

pub const CHECKS: &[Check] = &[
    Check {
        id: "subscriptions/listen/acknowledged",
        title: "a subscriptions/listen stream starts with its acknowledgement, within the filter requested",
        level: Level::Must,
        revisions: STATELESS,
        transports: Transports::Any,
        spec: SpecRef { page: PAGE, anchor: "acknowledgment" },
        requirement: "The server MUST send notifications/subscriptions/acknowledged as the first message carrying the subscription's ID in _meta under io.modelcontextprotocol/subscriptionId, and MUST NOT send any notification on the subscription before it. [...] The notifications field in the acknowledgment reflects the subset the server agreed to honor. (Opening a Stream: The server MUST NOT send notification types the client has not explicitly requested.)",
        run: runs!(acknowledged),
    },
    Check {
        id: "subscriptions/listen/subscription-id",
        title: "every message on a subscriptions/listen stream carries the subscription id",
        level: Level::Must,
        revisions: STATELESS,
        transports: Transports::Any,
        spec: SpecRef { page: PAGE, anchor: "receiving-notifications" },
        requirement: "All notifications delivered on the stream carry io.modelcontextprotocol/subscriptionId in _meta, identifying the subscriptions/listen request that opened the stream. The value is the JSON-RPC ID of the subscriptions/listen request. (basic/index: On notifications delivered via a subscriptions/listen stream, the server MUST include io.modelcontextprotocol/subscriptionId in _meta.)",
        run: runs!(subscription_id),
    },
];

/// A listen stream as read: the request's id, the filter asked for, the
/// messages in order.
struct Listened {
    id: Value,
    requested: Map<String, Value>,
    reply: Reply,
}

impl Listened {
    /// Messages of the stream: notifications, and the response that ends
    /// it if one came (server requests have no place on it).
    fn messages(&self) -> impl Iterator<Item = &Value> {
        self.reply.messages.iter().take(MOST_JUDGED)
    }
}

/// The filter for everything the server declares: each list whose
/// `listChanged` is true, and updates of its first listed resource when
/// `resources.subscribe` is. `None` when it declares none of them.
async fn filter(s: &mut crate::wire::session::Session) -> Result<Option<Map<String, Value>>, Verdict> {
    let caps = super::pagination::capabilities(s).await?;
    let mut filter = Map::new();
    for (cap, field) in [
        ("tools", "toolsListChanged"),
        ("prompts", "promptsListChanged"),
        ("resources", "resourcesListChanged"),
    ] {
        if caps.pointer(&format!("/{cap}/listChanged")) == Some(&Value::Bool(true)) {
            filter.insert(field.into(), json!(true));
        }
    }
    if caps.pointer("/resources/subscribe") == Some(&Value::Bool(true)) {
        let a = s.request("resources/list", None).await?;
        let first = a
            .result()
            .and_then(|r| r.get("resources"))
            .and_then(Value::as_array)
            .and_then(|l| l.iter().find_map(|r| r.get("uri").and_then(Value::as_str)))
            .map(str::to_owned);
        // A server with nothing listed still has a subscription to offer:
        // to a URI it may list later.
        let uri = first.unwrap_or_else(|| "mcpcheck://subscription-probe".into());
        filter.insert("resourceSubscriptions".into(), json!([uri]));
    }
    Ok((!filter.is_empty()).then_some(filter))
}

/// Opens a listen stream for everything the server declares, or says why
/// there is nothing to listen for (`Err(Skip)`), or that the server refused.
async fn listen(ctx: &Ctx) -> Result<Listened, Verdict> {
    let mut s = ctx.session().await?;
    let Some(requested) = filter(&mut s).await? else {
        return Err(Verdict::Skip(
            "the server declares neither listChanged (tools, prompts, resources) nor resources.subscribe: \
             it has nothing to notify a listen stream of"
                .into(),
        ));
    };
    let id = s.next_id();
    let params = s.params(Some(json!({"notifications": requested})));
    let msg = jsonrpc::request(id.clone(), "subscriptions/listen", params);
    let reply = s.request_window(&msg, WINDOW).await?;
    let listened = Listened { id, requested, reply };
    if let Some(r) = listened.reply.response_to(&listened.id)
        && r.get("error").is_some()
    {
        return Err(Verdict::violation(
            "subscriptions/listen was refused although the server declares what it asks for",
            format!("a stream opened for {}", json!(listened.requested)),
            jsonrpc::show(Some(r)),
        ));
    }
    if let Some(status) = listened.reply.status().filter(|s| *s != 200) {
        return Err(Verdict::violation(
            format!("subscriptions/listen was answered with HTTP {status}"),
            "HTTP 200 and a stream",
            listened.reply.summary(),
        ));
    }
    Ok(listened)
}

/// Whether every type in `acked` is one `requested` asks for, and each
/// acknowledged resource URI one of those requested.
fn within(acked: &Map<String, Value>, requested: &Map<String, Value>) -> Vec<String> {
    let mut extra = Vec::new();
    for (field, value) in acked {
        let asked = requested.get(field);
        let fine = match (value, asked) {
            (Value::Bool(false), _) => true,
            (Value::Bool(true), Some(Value::Bool(true))) => true,
            (Value::Array(uris), Some(Value::Array(asked))) => uris.iter().all(|u| asked.contains(u)),
            _ => false,
        };
        if !fine {
            extra.push(format!("{field}: {value}"));
        }
    }
    extra
}

async fn acknowledged(ctx: &Ctx) -> Outcome {
    let l = listen(ctx).await?;
    let notifications: Vec<&Value> =
        l.messages().filter(|m| jsonrpc::kind(m) == Kind::Notification).collect();
    let Some(first) = notifications.first() else {
        return Ok(Verdict::violation(
            format!("no notification came on the stream within {WINDOW:?}"),
            format!("{ACKNOWLEDGED} first"),
            l.reply.summary(),
        ));
    };
    let method = first.get("method").and_then(Value::as_str).unwrap_or_default();
    if method != ACKNOWLEDGED {
        return Ok(Verdict::violation(
            format!("the stream's first notification is {method}, not the acknowledgement"),
            format!("{ACKNOWLEDGED} before any other notification"),
            l.reply.summary(),
        ));
    }
    let acked = first.pointer("/params/notifications").and_then(Value::as_object);
    let Some(acked) = acked else {
        return Ok(Verdict::violation(
            "the acknowledgement has no notifications filter",
            "params.notifications: the subset of the request's filter the server honours",
            jsonrpc::show(Some(first)),
        ));
    };
    let extra = within(acked, &l.requested);
    if !extra.is_empty() {
        return Ok(Verdict::violation(
            format!("the acknowledgement agrees to what was not requested: {}", extra.join("; ")),
            format!("a subset of {}", json!(l.requested)),
            jsonrpc::show(Some(first)),
        ));
    }
    Ok(Verdict::pass(format!("acknowledged first, agreeing to {}", json!(acked))))
}

async fn subscription_id(ctx: &Ctx) -> Outcome {
    let l = listen(ctx).await?;
    let mut seen = 0;
    for m in l.messages() {
        let kind = jsonrpc::kind(m);
        let meta = match kind {
            Kind::Notification => m.pointer("/params/_meta"),
            Kind::Response if jsonrpc::is_response_to(m, &l.id) => m.pointer("/result/_meta"),
            _ => continue,
        };
        seen += 1;
        let tag = meta.and_then(|m| m.get(SUBSCRIPTION_ID_KEY));
        if tag != Some(&l.id) {
            let what = m.get("method").and_then(Value::as_str).unwrap_or("the final response");
            return Ok(Verdict::violation(
                format!(
                    "{what} on the stream carries subscriptionId {}, not the request's id",
                    jsonrpc::show(tag)
                ),
                format!("_meta[\"{SUBSCRIPTION_ID_KEY}\"] = {}", l.id),
                jsonrpc::show(Some(m)),
            ));
        }
    }
    if seen == 0 {
        return Ok(Verdict::violation(
            format!("nothing came on the stream within {WINDOW:?}, not even the acknowledgement"),
            format!("{ACKNOWLEDGED}, tagged with subscriptionId {}", l.id),
            l.reply.summary(),
        ));
    }
    Ok(Verdict::pass(format!("all {seen} messages tagged with subscriptionId {}", l.id)))
}
