//! The stdio transport (`basic/transports#stdio`; 2026-07-28
//! `basic/transports/stdio`): what may appear on stdout, and ending the
//! server by closing its stdin.

use super::{Check, Ctx, Outcome, Transports, Verdict, verify};
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef};
use crate::wire::session::Reply;
use std::time::Duration;

/// How long a server gets to exit once its stdin is closed.
const EXIT_GRACE: Duration = Duration::from_secs(3);

pub const CHECKS: &[Check] = &[
    Check {
        id: "stdio/stdout/only-messages",
        title: "stdout carries nothing but JSON-RPC messages",
        level: Level::Must,
        revisions: Revisions::ALL,
        transports: Transports::StdioOnly,
        spec: SpecRef { page: "basic/transports", anchor: "stdio" },
        requirement: "The server MUST NOT write anything to its stdout that is not a valid MCP message.",
        run: runs!(only_messages),
    },
    Check {
        id: "stdio/shutdown/exits-on-eof",
        title: "the server exits when its stdin is closed",
        level: Level::Should,
        revisions: Revisions::ALL,
        transports: Transports::StdioOnly,
        spec: SpecRef { page: "basic/lifecycle", anchor: "stdio" },
        requirement: "For the stdio transport, the client SHOULD initiate shutdown by: First, closing the input stream to the child process (the server); Waiting for the server to exit, or sending SIGTERM if the server does not exit within a reasonable time.",
        run: runs!(exits_on_eof),
    },
];

async fn only_messages(ctx: &Ctx) -> Outcome {
    let mut s = ctx.raw()?;
    let mut replies: Vec<Reply> = Vec::new();
    if ctx.version.has_handshake() {
        let init = s.initialize(ctx.version.as_str()).await?;
        verify::result(&init)?;
        replies.push(init.reply);
        replies.push(s.notify("notifications/initialized", None).await?);
    }
    replies.push(s.request("tools/list", None).await?.reply);
    let noise: Vec<&String> = replies.iter().flat_map(|r| r.undecodable.iter()).collect();
    match noise.first() {
        None => Ok(Verdict::pass("every stdout line was a JSON-RPC message")),
        Some(first) => Ok(Verdict::violation(
            format!("{} stdout line(s) were not JSON-RPC messages", noise.len()),
            "only newline-delimited JSON-RPC messages on stdout",
            (*first).clone(),
        )),
    }
}

async fn exits_on_eof(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    verify::response(&s.request("tools/list", None).await?)?;
    let Some(conn) = s.stdio() else {
        return Ok(Verdict::Skip("not a stdio target".into()));
    };
    match conn.close(EXIT_GRACE).await {
        Some(status) => Ok(Verdict::pass(format!("exited ({status}) after stdin closed"))),
        None => Ok(Verdict::violation(
            "the server kept running after its stdin was closed",
            format!("exit within {EXIT_GRACE:?}"),
            format!("still running after {EXIT_GRACE:?}; killed"),
        )),
    }
}
