//! Task status notifications (`notifications/tasks`, SEP-2663) on a
//! `subscriptions/listen` stream that asks for task ids.
//!
//! The SEP: "Servers MAY push status updates via `notifications/tasks`
//! notifications in addition to servicing client polls", to clients that
//! listed the task ids in their `subscriptions/listen` request, and "Each
//! notification carries a complete `DetailedTask` for the current status,
//! identical to what `tasks/get` would have returned at that moment."
//!
//! rmcp's typed subscription filter has no `taskIds`, so the ids never
//! reach the handler through it: the HTTP layer reads them from the body,
//! refuses them without the extension declared, lists them in the
//! acknowledgement, and hands them over in the request's extensions as
//! [`ListenTaskIds`] (`http/task_listen.rs`). Over stdio nothing hands them
//! over, so no task notifications are sent there (they are optional).
//!
//! [`watch`] sends each listed task's state as the stream opens and again
//! whenever it changes, until every listed task has ended or is unknown;
//! the stream itself stays open until the client leaves.

use std::collections::HashMap;
use std::time::Duration;

use rmcp::model::{CustomNotification, ServerNotification};
use rmcp::service::SubscriptionContext;
use serde_json::{Value, json};

use super::Tasks;
use crate::faults::{Fault, FaultSet};

/// The task ids a `subscriptions/listen` request asked notifications for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListenTaskIds(pub Vec<String>);

/// The most task ids one stream is watched for.
pub const MOST_WATCHED: usize = 16;
/// How often watched tasks are looked at.
const LOOK_EVERY: Duration = Duration::from_millis(50);
/// The most looks one stream gets: a task lives two TTLs at most.
const MOST_LOOKS: u64 = 2 * super::TTL_MS / 50;
/// The most notifications one stream carries.
const MOST_SENT: usize = 256;

/// The ids the HTTP layer handed over for this stream, if any.
pub fn requested(subscription: &SubscriptionContext) -> Vec<String> {
    let parts = subscription.request_context().extensions.get::<axum::http::request::Parts>();
    let ids = parts.and_then(|p| p.extensions.get::<ListenTaskIds>());
    ids.map(|i| i.0.iter().take(MOST_WATCHED).cloned().collect()).unwrap_or_default()
}

/// Sends the status notifications of `ids` on the stream until each has
/// ended or is unknown (or the bounds are reached).
pub async fn watch(tasks: &Tasks, subscription: &SubscriptionContext, ids: &[String], faults: &FaultSet) {
    let peer = &subscription.request_context().peer;
    let subscription_id = serde_json::to_value(&subscription.request_context().id).unwrap_or(Value::Null);
    let mut last: HashMap<&str, (String, String)> = HashMap::new();
    let mut open: Vec<&str> = ids.iter().map(String::as_str).collect();
    let mut sent = 0;
    for _ in 0..MOST_LOOKS {
        let mut still = Vec::new();
        for id in open {
            let Ok(task) = tasks.detailed(id, faults) else { continue };
            let now = (format!("{:?}", task.status()), task.task.last_updated_at.clone());
            let terminal = task.status().is_terminal();
            if last.get(id) != Some(&now) && sent < MOST_SENT {
                let Ok(mut params) = serde_json::to_value(&task) else { continue };
                params["_meta"] = json!({"io.modelcontextprotocol/subscriptionId": subscription_id});
                // `task-notification-malformed`: no taskId, and a status
                // the extension does not define.
                if faults.contains(Fault::TaskNotificationMalformed)
                    && let Some(p) = params.as_object_mut()
                {
                    p.remove("taskId");
                    p.insert("status".into(), json!("done"));
                }
                let n = CustomNotification::new("notifications/tasks", Some(params));
                if peer.send_notification(ServerNotification::CustomNotification(n)).await.is_err() {
                    return;
                }
                sent += 1;
                last.insert(id, now);
            }
            if !terminal {
                still.push(id);
            }
        }
        open = still;
        if open.is_empty() {
            return;
        }
        tokio::time::sleep(LOOK_EVERY).await;
    }
}
