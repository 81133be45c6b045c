//! A line-level shim between stdin/stdout and rmcp's stdio transport.
//!
//! It exists for one correction: 2025-03-26 says "MCP implementations MAY
//! support sending JSON-RPC batches, but MUST support receiving JSON-RPC
//! batches", and rmcp's stdio transport refuses every JSON array. When the
//! negotiated revision is 2025-03-26 the shim hands each element of a batch to
//! rmcp as a line of its own and answers with one line: the JSON array of the
//! responses to the batch's requests (nothing, when it held only
//! notifications). Every other line passes through unchanged, both ways. The
//! HTTP layer ([`crate::http`]) makes the same correction for Streamable HTTP.
//!
//! Written by hand: it is a few dozen lines over newline-delimited JSON, and
//! rmcp offers no hook below its transport to plug it in.
//!
//! Faults here are the stdio side of faults the HTTP layer also commits:
//! `batch-refused` (the array goes to rmcp as is), `cancel-ignored` (the
//! notification is dropped) and `cancel-rejected` (answered with an error).

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

use crate::faults::{Fault, FaultSet};

/// The one revision whose stdio transport still had batches.
const BATCH_VERSION: &str = "2025-03-26";
/// Longest line read either way: the HTTP servers' body cap.
const MAX_LINE: u64 = crate::http::Limits::MAX_BODY as u64;

/// A batch whose responses are being collected.
struct Pending {
    ids: Vec<Value>,
    answers: Vec<Value>,
}

#[derive(Default)]
struct State {
    /// The revision rmcp negotiated, read from its initialize result.
    version: Option<String>,
    batches: Vec<Pending>,
}

/// Runs the shim until `input` closes and rmcp has finished writing:
/// `input`/`output` are the process's stdin/stdout, `server` the shim's end
/// of the pipe whose other end rmcp serves.
pub(crate) async fn run<I, O, S>(input: I, output: O, server: S, faults: FaultSet) -> anyhow::Result<()>
where
    I: AsyncRead + Unpin,
    O: AsyncWrite + Unpin,
    S: AsyncRead + AsyncWrite + Unpin,
{
    let (from_server, mut to_server) = tokio::io::split(server);
    let state = Arc::new(Mutex::new(State::default()));
    let (out_tx, mut out_rx) = mpsc::unbounded_channel::<String>();

    let incoming = {
        let state = state.clone();
        let out_tx = out_tx.clone();
        async move {
            let mut lines = BufReader::new(input);
            while let Some(line) = read_line(&mut lines).await? {
                for l in inbound(&line, &state, &faults, &out_tx) {
                    to_server.write_all(l.as_bytes()).await?;
                    to_server.write_all(b"\n").await?;
                }
                to_server.flush().await?;
            }
            // End of stdin: rmcp sees end of file too, and shuts down.
            to_server.shutdown().await?;
            anyhow::Ok(())
        }
    };
    let outgoing = async move {
        let mut lines = BufReader::new(from_server);
        while let Some(line) = read_line(&mut lines).await? {
            if let Some(l) = outbound(line, &state) {
                let _ = out_tx.send(l);
            }
        }
        anyhow::Ok(())
    };
    let writer = async move {
        let mut output = output;
        while let Some(line) = out_rx.recv().await {
            output.write_all(line.as_bytes()).await?;
            output.write_all(b"\n").await?;
            output.flush().await?;
        }
        anyhow::Ok(())
    };
    let (a, b, c) = tokio::join!(incoming, outgoing, writer);
    a.and(b).and(c)
}

async fn read_line<R: AsyncRead + Unpin>(r: &mut BufReader<R>) -> anyhow::Result<Option<String>> {
    let mut buf = Vec::new();
    let n = r.take(MAX_LINE).read_until(b'\n', &mut buf).await?;
    if n == 0 {
        return Ok(None);
    }
    while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        buf.pop();
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

/// What a line from stdin becomes on rmcp's side (possibly nothing).
fn inbound(
    line: &str,
    state: &Mutex<State>,
    faults: &FaultSet,
    out: &mpsc::UnboundedSender<String>,
) -> Vec<String> {
    let Ok(value) = serde_json::from_str::<Value>(line) else {
        return vec![line.to_owned()];
    };
    match value {
        Value::Array(items)
            if !items.is_empty() && batches_allowed(state) && !faults.contains(Fault::BatchRefused) =>
        {
            let ids: Vec<Value> = items
                .iter()
                .filter(|m| m.get("method").is_some())
                .filter_map(|m| m.get("id").cloned())
                .collect();
            if !ids.is_empty()
                && let Ok(mut s) = state.lock()
            {
                s.batches.push(Pending { ids, answers: Vec::new() });
            }
            items.iter().map(Value::to_string).collect()
        }
        Value::Object(ref m)
            if m.get("method").and_then(Value::as_str) == Some("notifications/cancelled") =>
        {
            if faults.contains(Fault::CancelIgnored) {
                return vec![];
            }
            if faults.contains(Fault::CancelRejected) {
                let error = json!({"jsonrpc": "2.0", "id": null,
                    "error": {"code": -32602, "message": "Invalid params: no such request"}});
                let _ = out.send(error.to_string());
            }
            vec![line.to_owned()]
        }
        _ => vec![line.to_owned()],
    }
}

fn batches_allowed(state: &Mutex<State>) -> bool {
    state.lock().is_ok_and(|s| s.version.as_deref() == Some(BATCH_VERSION))
}

/// What a line from rmcp becomes on stdout: itself, or (for the last response
/// of a batch) the batch's array of responses, or nothing yet.
fn outbound(line: String, state: &Mutex<State>) -> Option<String> {
    let Ok(value) = serde_json::from_str::<Value>(&line) else {
        return Some(line);
    };
    let Ok(mut s) = state.lock() else {
        return Some(line);
    };
    if s.version.is_none()
        && let Some(v) = value.pointer("/result/protocolVersion").and_then(Value::as_str)
        && value.pointer("/result/serverInfo").is_some()
    {
        s.version = Some(v.to_owned());
    }
    let is_response =
        value.get("method").is_none() && (value.get("result").is_some() || value.get("error").is_some());
    let id = match value.get("id") {
        Some(id) if is_response => id.clone(),
        _ => return Some(line),
    };
    let Some(i) = s.batches.iter().position(|b| b.ids.contains(&id)) else {
        return Some(line);
    };
    let batch = &mut s.batches[i];
    batch.answers.push(value);
    if batch.answers.len() < batch.ids.len() {
        return None;
    }
    let done = s.batches.remove(i);
    Some(Value::Array(done.answers).to_string())
}
