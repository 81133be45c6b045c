//! Serving the plain server over stdio (newline-delimited JSON-RPC).
//!
//! mcpcheck launches stdio servers as child processes; this is the transport
//! they talk to. Faults are HTTP-only, so the fault set is accepted for a
//! uniform API but ignored here. Nothing but JSON-RPC may reach stdout, so
//! this module never prints; diagnostics belong on stderr via `tracing`.

use rmcp::ServiceExt;

use crate::{faults::FaultSet, plain::PlainServer};

/// Serves the plain server on stdin/stdout until stdin closes.
pub async fn serve_plain_stdio(faults: FaultSet) -> anyhow::Result<()> {
    if !faults.is_empty() {
        tracing::warn!("faults apply to HTTP only; serving the clean server on stdio");
    }
    let (stdin, stdout) = rmcp::transport::io::stdio();
    serve_plain_io(stdin, stdout).await
}

/// Serves the plain server on any byte stream pair until `reader` closes
/// (what [`serve_plain_stdio`] does on stdin/stdout; tests use pipes).
pub async fn serve_plain_io<R, W>(reader: R, writer: W) -> anyhow::Result<()>
where
    R: tokio::io::AsyncRead + Send + Unpin + 'static,
    W: tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let running = PlainServer::new().serve((reader, writer)).await?;
    running.waiting().await?;
    Ok(())
}
