//! `subscriptions/listen` (2026-07-28) for the plain server: the one stream
//! a client opts in to change notifications on.
//!
//! The server declares `resources.subscribe`, so a listen stream may ask for
//! `resourceSubscriptions`; it declares no `listChanged`, as its lists never
//! change. rmcp sends the acknowledgement (first, tagged with the request id
//! under `io.modelcontextprotocol/subscriptionId`) before [`listen`] runs,
//! and cuts the accepted filter down to what was requested and declared. The
//! resources never change either, so a clean stream carries the
//! acknowledgement and nothing else until the client goes away, unless it
//! asked for task ids: then the tasks' status notifications too
//! ([`super::tasks::notify`]).

use rmcp::model::{CustomNotification, ServerNotification, SubscriptionFilter};
use rmcp::service::SubscriptionContext;
use serde_json::json;

use super::tasks::{Tasks, notify};
use crate::faults::{Fault, FaultSet};

/// What the server agrees to: updates of the resources it lists, among
/// those requested. `None` would leave `subscriptions/listen` unserved.
pub fn accepted(requested: &SubscriptionFilter, listed: &[String]) -> Option<SubscriptionFilter> {
    let uris: Vec<&String> =
        requested.resource_subscriptions.iter().flatten().filter(|uri| listed.contains(uri)).collect();
    let mut filter = SubscriptionFilter::builder();
    if !uris.is_empty() {
        filter = filter.resource_subscriptions(uris.into_iter().cloned());
    }
    Some(filter.build())
}

/// Holds the stream open until the client cancels it (closes the HTTP
/// stream, or `notifications/cancelled` on stdio). `listen-untagged`
/// first sends an update of a subscribed resource without the
/// subscription id, past the filter-enforcing sink rmcp offers.
pub async fn listen(subscription: SubscriptionContext, tasks: &Tasks, faults: &FaultSet) {
    let first = subscription.accepted().resource_subscriptions.as_ref().and_then(|u| u.first()).cloned();
    if faults.contains(Fault::ListenUntagged)
        && let Some(uri) = first
    {
        let update = CustomNotification::new("notifications/resources/updated", Some(json!({"uri": uri})));
        let peer = &subscription.request_context().peer;
        let _ = peer.send_notification(ServerNotification::CustomNotification(update)).await;
    }
    let ids = notify::requested(&subscription);
    if !ids.is_empty() {
        tokio::select! {
            () = subscription.cancelled() => return,
            () = notify::watch(tasks, &subscription, &ids, faults) => {}
        }
    }
    subscription.cancelled().await;
}
