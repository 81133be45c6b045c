//! What a backend sends on its own, passed on to the frontend client.
//!
//! Backends speak to the proxy's client through the proxy: progress for a
//! request the client gave a `progressToken` (the proxy forwards the token
//! unchanged, so the client's token is the backend's), log messages, list
//! changes and resource updates. They arrive on a request's SSE stream, on a
//! backend session's GET stream, or as lines from a stdio backend; all go
//! through [`Relay::forward`], which re-sends them on the frontend session
//! with rmcp's peer. rmcp routes a progress notification to the stream of the
//! request that carries its token, and the rest to the frontend session's
//! GET stream.
//!
//! Renamed on the way: a log message's `logger` gets the backend name in
//! front (`one` or `one/count`), a resource URI its namespace, as
//! `resources/list` showed it. Anything else (requests from the backend,
//! notifications the proxy does not know) is dropped: the proxy declares no
//! client capabilities to its backends, so they have no reason to send any.

#[allow(deprecated)] // logging: deprecated on 2026-07-28, part of the revisions before it
use rmcp::model::LoggingMessageNotificationParam;
use rmcp::{
    Peer, RoleServer,
    model::{ProgressNotificationParam, ResourceUpdatedNotificationParam},
};
use serde_json::Value;

use crate::composed::namespace_uri;

/// Where one backend's messages go: the frontend session's peer.
#[derive(Debug, Clone)]
pub struct Relay {
    /// The backend's name (and namespace).
    pub backend: String,
    /// The frontend session.
    pub peer: Peer<RoleServer>,
}

impl Relay {
    /// Passes `message` (a JSON-RPC message from the backend that is not a
    /// response) on to the frontend client, if it is one the proxy relays.
    /// Send failures mean the frontend session is gone: nothing to do.
    #[allow(deprecated)] // logging: deprecated on 2026-07-28, part of the revisions before it
    pub async fn forward(&self, message: &Value) {
        let Some(method) = message.get("method").and_then(Value::as_str) else { return };
        if message.get("id").is_some() {
            // A request from the backend: the proxy offers none to answer.
            return;
        }
        let params = message.get("params").cloned().unwrap_or(Value::Null);
        match method {
            "notifications/progress" => {
                if let Ok(p) = serde_json::from_value::<ProgressNotificationParam>(params) {
                    let _ = self.peer.notify_progress(p).await;
                }
            }
            "notifications/message" => {
                if let Ok(mut p) = serde_json::from_value::<LoggingMessageNotificationParam>(params) {
                    p.logger = Some(match p.logger.take() {
                        Some(logger) => format!("{}/{logger}", self.backend),
                        None => self.backend.clone(),
                    });
                    let _ = self.peer.notify_logging_message(p).await;
                }
            }
            "notifications/resources/updated" => {
                if let Ok(mut p) = serde_json::from_value::<ResourceUpdatedNotificationParam>(params)
                    && let Some(uri) = namespace_uri(&p.uri, &self.backend)
                {
                    p.uri = uri;
                    let _ = self.peer.notify_resource_updated(p).await;
                }
            }
            "notifications/tools/list_changed" => {
                let _ = self.peer.notify_tool_list_changed().await;
            }
            "notifications/prompts/list_changed" => {
                let _ = self.peer.notify_prompt_list_changed().await;
            }
            "notifications/resources/list_changed" => {
                let _ = self.peer.notify_resource_list_changed().await;
            }
            _ => {}
        }
    }
}
