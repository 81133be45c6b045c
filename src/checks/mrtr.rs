//! Multi round-trip requests (`basic/patterns/mrtr`, 2026-07-28): a server
//! that needs input from the client answers with an `InputRequiredResult`
//! instead of sending it a request. Only three requests may be answered so.
//!
//! The checks of the input a server asks for (its shape, the client's
//! declared capabilities, `requestState` on retry) need a tool that asks;
//! the rule here holds for every server and needs nothing of it.

use super::{Check, Ctx, Outcome, Transports, Verdict, pagination, verify};
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use crate::wire::jsonrpc;

/// The requests an `InputRequiredResult` may answer.
pub const SUPPORTED: &[&str] = &["prompts/get", "resources/read", "tools/call"];

pub const CHECKS: &[Check] = &[Check {
    id: "mrtr/input-required/supported-requests-only",
    title: "only prompts/get, resources/read and tools/call are answered input_required",
    level: Level::Must,
    revisions: Revisions::since(SpecVersion::V2026_07_28),
    transports: Transports::Any,
    spec: SpecRef { page: "basic/patterns/mrtr", anchor: "supported-requests" },
    requirement: "Servers MUST NOT send `InputRequiredResult` responses on any other client requests.",
    run: runs!(supported_requests_only),
}];

/// server/discover and the first page of every declared list: none may be
/// an `InputRequiredResult` (`resultType: "input_required"`).
async fn supported_requests_only(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let caps = pagination::capabilities(&mut s).await?;
    let mut methods = vec!["server/discover"];
    methods.extend(pagination::declared(&caps).iter().map(|m| m.method));
    let mut asked = Vec::new();
    for method in &methods {
        let a = s.request(method, None).await?;
        let response = verify::response(&a)?;
        if super::schema::input_required(response) {
            asked.push(format!("{method}: {}", jsonrpc::show(response.get("result"))));
        }
    }
    if asked.is_empty() {
        return Ok(Verdict::pass(format!("no input_required answer to {}", methods.join(", "))));
    }
    Ok(Verdict::violation(
        format!("{} answered with an InputRequiredResult", asked.len()),
        format!("resultType input_required only on {}", SUPPORTED.join(", ")),
        asked.join("; "),
    ))
}
