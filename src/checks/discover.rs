//! Discovery (`server/discover`, 2026-07-28): the stateless revision's way to
//! learn a server's versions, capabilities and identity.

use super::{Check, Ctx, Outcome, Transports, Verdict, verify};
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use crate::wire::jsonrpc;
use serde_json::Value;

pub const CHECKS: &[Check] = &[Check {
    id: "discover/result/shape",
    title: "server/discover returns supportedVersions, capabilities and resultType",
    level: Level::Must,
    revisions: Revisions::since(SpecVersion::V2026_07_28),
    transports: Transports::Any,
    spec: SpecRef { page: "server/discover", anchor: "response" },
    requirement: "`server/discover` lets a client query a server's supported protocol versions, capabilities, and identity before sending any other requests. Servers MUST implement it.",
    run: runs!(result_shape),
}];

/// The DiscoverResult: `supportedVersions` (strings, including the revision in
/// use), `capabilities` (object), and `resultType` "complete" (every result of
/// 2026-07-28 "MUST include a `resultType` field").
async fn result_shape(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let a = s.request("server/discover", None).await?;
    verify::shape(verify::response(&a)?)?;
    let result = verify::result(&a)?;
    let mut problems = Vec::new();
    match result.get("supportedVersions").and_then(Value::as_array) {
        None => problems.push("supportedVersions is missing or not an array".to_string()),
        Some(list) if !list.iter().all(Value::is_string) => {
            problems.push("supportedVersions holds non-strings".into())
        }
        Some(list) if !list.iter().any(|v| v.as_str() == Some(ctx.version.as_str())) => {
            problems.push(format!("supportedVersions lacks {}, the revision in use", ctx.version))
        }
        Some(_) => {}
    }
    if !result.get("capabilities").is_some_and(Value::is_object) {
        problems.push("capabilities is missing or not an object".into());
    }
    if result.get("resultType").and_then(Value::as_str) != Some("complete") {
        problems.push(format!(
            "resultType is {} instead of \"complete\"",
            jsonrpc::show(result.get("resultType"))
        ));
    }
    if problems.is_empty() {
        Ok(Verdict::pass("discover result is complete"))
    } else {
        Ok(Verdict::violation(
            problems.join("; "),
            format!("supportedVersions containing {}, capabilities, resultType \"complete\"", ctx.version),
            jsonrpc::show(Some(result)),
        ))
    }
}
