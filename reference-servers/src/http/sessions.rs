//! rmcp's in-memory session store with a bound on how many sessions live.
//!
//! rmcp's `LocalSessionManager` drops a session idle for its keep-alive (we
//! set it from [`Limits::session_idle`]), but holds any number of live ones:
//! a client that initializes in a loop grows the server's memory without
//! limit. rmcp has no cap of its own, so this wrapper (hand-written for that
//! reason) delegates everything to it and refuses to create a session past
//! [`Limits::max_sessions`]. The layer in front turns the refusal into a 503
//! with a JSON-RPC error that names the bound.

use std::sync::Arc;

use rmcp::{
    model::{ClientJsonRpcMessage, ServerJsonRpcMessage},
    transport::{
        WorkerTransport,
        streamable_http_server::session::{
            EventStore, RestoreOutcome, ServerSseMessage, SessionId, SessionManager,
            local::{LocalSessionManager, LocalSessionManagerError, LocalSessionWorker},
        },
    },
};

use super::limits::Limits;

/// [`LocalSessionManager`] with at most `max` live sessions.
#[derive(Debug)]
pub(crate) struct BoundedSessions {
    inner: LocalSessionManager,
    max: usize,
    /// Held while counting and creating, so two initializes racing for the
    /// last place cannot both take it. Creating is an insert into a map, so
    /// this serializes very little.
    creating: tokio::sync::Mutex<()>,
}

/// A session manager's error: the bound, or rmcp's own.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BoundedError {
    #[error("{0} live sessions, the most this server holds")]
    Full(usize),
    #[error(transparent)]
    Local(#[from] LocalSessionManagerError),
}

impl BoundedSessions {
    pub(crate) fn new(limits: &Limits) -> Self {
        let mut inner = LocalSessionManager::default();
        inner.session_config.keep_alive = Some(limits.session_idle);
        Self { inner, max: limits.max_sessions, creating: tokio::sync::Mutex::new(()) }
    }

    /// The bound.
    pub(crate) fn max(&self) -> usize {
        self.max
    }

    /// How many sessions are live now.
    pub(crate) async fn live(&self) -> usize {
        self.inner.sessions.read().await.len()
    }

    /// Whether a new session would be refused now.
    pub(crate) async fn is_full(&self) -> bool {
        self.live().await >= self.max
    }
}

impl SessionManager for BoundedSessions {
    type Error = BoundedError;
    type Transport = WorkerTransport<LocalSessionWorker>;

    async fn create_session(&self) -> Result<(SessionId, Self::Transport), Self::Error> {
        let _creating = self.creating.lock().await;
        if self.is_full().await {
            return Err(BoundedError::Full(self.max));
        }
        Ok(self.inner.create_session().await?)
    }

    async fn initialize_session(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<ServerJsonRpcMessage, Self::Error> {
        Ok(self.inner.initialize_session(id, message).await?)
    }

    async fn has_session(&self, id: &SessionId) -> Result<bool, Self::Error> {
        Ok(self.inner.has_session(id).await?)
    }

    async fn close_session(&self, id: &SessionId) -> Result<(), Self::Error> {
        Ok(self.inner.close_session(id).await?)
    }

    async fn create_stream(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<impl futures::Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        Ok(self.inner.create_stream(id, message).await?)
    }

    async fn accept_message(&self, id: &SessionId, message: ClientJsonRpcMessage) -> Result<(), Self::Error> {
        Ok(self.inner.accept_message(id, message).await?)
    }

    async fn create_standalone_stream(
        &self,
        id: &SessionId,
    ) -> Result<impl futures::Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        Ok(self.inner.create_standalone_stream(id).await?)
    }

    async fn resume(
        &self,
        id: &SessionId,
        last_event_id: String,
    ) -> Result<impl futures::Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        Ok(self.inner.resume(id, last_event_id).await?)
    }

    async fn restore_session(&self, id: SessionId) -> Result<RestoreOutcome<Self::Transport>, Self::Error> {
        // Restoring re-creates a session from an external store (none is
        // configured here); it counts against the bound like a new one.
        let _creating = self.creating.lock().await;
        if self.is_full().await {
            return Err(BoundedError::Full(self.max));
        }
        Ok(self.inner.restore_session(id).await?)
    }

    fn event_store(&self) -> Option<Arc<dyn EventStore>> {
        self.inner.event_store()
    }
}
