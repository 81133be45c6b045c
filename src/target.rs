//! What a run points at: a Streamable HTTP URL, a stdio command, or, with no
//! target at all, the plain reference server started in-process on a free
//! loopback port (the README's first command).

use crate::wire::http::HttpTarget;
use crate::wire::session::Endpoint;
use crate::wire::{Limits, WireError};
use reference_servers::{FaultSet, HttpOptions};
use std::sync::Arc;
use tokio::sync::oneshot;

/// A target as the user named it.
#[derive(Debug, Clone, PartialEq)]
pub enum TargetSpec {
    Url(String),
    Stdio(String),
    /// The embedded plain reference server, optionally with faults.
    Embedded(Vec<String>),
}

/// A target ready to be tested; owns the embedded server, if any, and stops it
/// when dropped.
pub struct Running {
    pub endpoint: Endpoint,
    _server: Option<StopOnDrop>,
}

/// Stops a server spawned in this process when dropped: the shutdown future
/// [`StopOnDrop::new`] hands out resolves.
pub(crate) struct StopOnDrop(Option<oneshot::Sender<()>>);

impl StopOnDrop {
    /// The guard, and the shutdown future to give the server.
    pub(crate) fn new() -> (StopOnDrop, impl Future<Output = ()> + Send + 'static) {
        let (tx, rx) = oneshot::channel::<()>();
        let shutdown = async move {
            let _ = rx.await;
        };
        (StopOnDrop(Some(tx)), shutdown)
    }
}

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("{0} is not an http:// or https:// URL; for a command use --stdio \"CMD ARGS\"")]
    BadUrl(String),
    #[error("could not start the embedded reference server: {0}")]
    Embedded(String),
    #[error(transparent)]
    Wire(#[from] WireError),
}

pub async fn start(
    spec: &TargetSpec,
    headers: Vec<(String, String)>,
    limits: Limits,
) -> Result<Running, TargetError> {
    match spec {
        TargetSpec::Url(url) => {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(TargetError::BadUrl(url.clone()));
            }
            let t = HttpTarget::new(url, headers, limits)?;
            Ok(Running { endpoint: Endpoint::Http(Arc::new(t)), _server: None })
        }
        TargetSpec::Stdio(cmd) => {
            Ok(Running { endpoint: Endpoint::Stdio { command: cmd.clone(), limits }, _server: None })
        }
        TargetSpec::Embedded(faults) => {
            let faults = FaultSet::parse(faults).map_err(|e| TargetError::Embedded(e.to_string()))?;
            let (url, server) = spawn_embedded(faults).await?;
            let t = HttpTarget::new(&url, headers, limits)?;
            Ok(Running { endpoint: Endpoint::Http(Arc::new(t)), _server: Some(server) })
        }
    }
}

async fn spawn_embedded(faults: FaultSet) -> Result<(String, StopOnDrop), TargetError> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| TargetError::Embedded(e.to_string()))?;
    let addr = listener.local_addr().map_err(|e| TargetError::Embedded(e.to_string()))?;
    let (stop, shutdown) = StopOnDrop::new();
    let opts = HttpOptions { path: "/mcp".into(), faults, ..HttpOptions::default() };
    tokio::spawn(async move {
        if let Err(e) = reference_servers::serve_plain_http(listener, opts, shutdown).await {
            eprintln!("embedded reference server stopped: {e}");
        }
    });
    Ok((format!("http://{addr}/mcp"), stop))
}
