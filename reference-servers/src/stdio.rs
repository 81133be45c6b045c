//! Serving the plain server over stdio (newline-delimited JSON-RPC).
//!
//! mcpcheck launches stdio servers as child processes; this is the transport
//! they talk to, through a shim that adds the JSON-RPC batches of 2025-03-26
//! which rmcp's stdio transport refuses. Nothing but JSON-RPC may reach
//! stdout, so this module never prints (but for the `stdout-noise` fault);
//! diagnostics belong on stderr via
//! `tracing`. Of the faults, the two stdio ones, those the shim commits
//! (`batch-refused`, `cancel-ignored`, `cancel-rejected`) and the handler's
//! feature faults apply here ([`crate::Fault::on_stdio`]); the HTTP layer's
//! do not.

use std::time::Duration;

use rmcp::ServiceExt;
use tokio::io::AsyncWriteExt;

use crate::{
    faults::{Fault, FaultSet},
    plain::PlainServer,
};

/// How long `ignores-eof` lingers after stdin closes: longer than any client
/// should wait, short enough that a forgotten process goes away by itself.
const LINGER: Duration = Duration::from_secs(30);

/// Bytes buffered in the pipe between rmcp and the stdio shim.
const PIPE_BUFFER: usize = 64 * 1024;

/// Serves the plain server on stdin/stdout until stdin closes.
pub async fn serve_plain_stdio(faults: FaultSet) -> anyhow::Result<()> {
    let (stdin, mut stdout) = rmcp::transport::io::stdio();
    if faults.contains(Fault::StdoutNoise) {
        stdout.write_all(b"mcpcheck plain server ready\n").await?;
        stdout.flush().await?;
    }
    // rmcp serves one end of an in-process pipe; the shim sits between the
    // other end and stdin/stdout (see `crate::stdio_shim`).
    let (rmcp_end, shim_end) = tokio::io::duplex(PIPE_BUFFER);
    let (rmcp_read, rmcp_write) = tokio::io::split(rmcp_end);
    let shim = crate::stdio_shim::run(stdin, stdout, shim_end, faults.clone());
    let (served, shimmed) = tokio::join!(serve_plain_io_with(rmcp_read, rmcp_write, faults.clone()), shim);
    served?;
    shimmed?;
    if faults.contains(Fault::IgnoresEof) {
        tokio::time::sleep(LINGER).await;
    }
    Ok(())
}

/// Serves the clean plain server on any byte stream pair until `reader`
/// closes (what [`serve_plain_stdio`] does on stdin/stdout; tests use pipes).
pub async fn serve_plain_io<R, W>(reader: R, writer: W) -> anyhow::Result<()>
where
    R: tokio::io::AsyncRead + Send + Unpin + 'static,
    W: tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    serve_plain_io_with(reader, writer, FaultSet::clean()).await
}

/// [`serve_plain_io`] with the handler committing `faults` (its feature
/// faults; the others are committed by the HTTP layer or the stdio shim).
pub async fn serve_plain_io_with<R, W>(reader: R, writer: W, faults: FaultSet) -> anyhow::Result<()>
where
    R: tokio::io::AsyncRead + Send + Unpin + 'static,
    W: tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let running = PlainServer::with_faults(faults).serve((reader, writer)).await?;
    running.waiting().await?;
    Ok(())
}
