//! The authorized reference server and the test authorization server, both
//! in-process on free loopback ports, with the token material to check them:
//! what the fault matrix and the end-to-end tests run against.

use super::server;
use super::source::AuthMaterial;
use crate::target::StopOnDrop;
use crate::wire::http::HttpTarget;
use crate::wire::session::Endpoint;
use crate::wire::{Limits, WireError};
use reference_servers::{AuthorizedOptions, FaultSet, HttpOptions, KeySource};
use std::sync::Arc;
use tokio::net::TcpListener;

/// Both servers; they stop when this is dropped.
pub struct AuthorizedTarget {
    /// The MCP endpoint, with a valid token on every request.
    pub endpoint: Endpoint,
    pub resource: String,
    pub material: Arc<AuthMaterial>,
    pub authserver: server::Running,
    _stop: StopOnDrop,
}

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error("could not start: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Wire(#[from] WireError),
}

/// Starts both servers; `faults` go to both (each commits its own).
pub async fn start(faults: FaultSet, limits: Limits) -> Result<AuthorizedTarget, EmbeddedError> {
    let authserver = server::spawn(TcpListener::bind("127.0.0.1:0").await?, None, faults.clone()).await?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let resource = format!("http://{}/mcp", listener.local_addr()?);
    authserver.server.set_default_audience(&resource);
    let mut opts = AuthorizedOptions::new(authserver.url.clone(), KeySource::Discover);
    opts.http = HttpOptions { path: "/mcp".into(), faults, ..HttpOptions::default() };
    let (stop, shutdown) = StopOnDrop::new();
    tokio::spawn(async move {
        if let Err(e) = reference_servers::serve_authorized_http(listener, opts, shutdown).await {
            eprintln!("authorized reference server stopped: {e}");
        }
    });
    let material = AuthMaterial::from_minter(&authserver.server.minter, &resource, server::DEFAULT_SCOPE);
    let valid = material.token(super::mint::TokenCase::Valid).unwrap_or_default().to_string();
    let t = HttpTarget::new(&resource, vec![("Authorization".into(), format!("Bearer {valid}"))], limits)?;
    Ok(AuthorizedTarget {
        endpoint: Endpoint::Http(Arc::new(t)),
        resource,
        material: Arc::new(material),
        authserver,
        _stop: stop,
    })
}
