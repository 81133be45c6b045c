//! Ping (`basic/utilities/ping`), on the revisions that have it: 2026-07-28
//! removed `ping`.

use super::{Check, Ctx, Outcome, Transports, Verdict, verify};
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef};
use crate::wire::jsonrpc;

pub const CHECKS: &[Check] = &[Check {
    id: "utilities/ping/empty-result",
    title: "ping is answered with an empty result",
    level: Level::Must,
    revisions: Revisions::HANDSHAKE,
    transports: Transports::Any,
    spec: SpecRef { page: "basic/utilities/ping", anchor: "behavior-requirements" },
    requirement: "The receiver MUST respond promptly with an empty response",
    run: runs!(empty_result),
}];

/// "The receiver MUST respond promptly with an empty response": the result is
/// `{}`; `_meta` is the one member every result may carry.
async fn empty_result(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let a = s.request("ping", None).await?;
    let result = verify::result(&a)?;
    let extra: Vec<&String> = match result.as_object() {
        Some(o) => o.keys().filter(|k| *k != "_meta").collect(),
        None => {
            return Ok(Verdict::violation("ping result is not an object", "{}", jsonrpc::show(Some(result))));
        }
    };
    if extra.is_empty() {
        Ok(Verdict::pass("empty result"))
    } else {
        Ok(Verdict::violation(
            format!("ping result has members {extra:?}"),
            "{}",
            jsonrpc::show(Some(result)),
        ))
    }
}
