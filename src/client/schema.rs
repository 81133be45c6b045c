//! JSON Schema usage (`basic/index`, 2026-07-28), client side: a `$ref` in
//! a tool's schema that points at a network URI is not fetched.

use super::scripted::REMOTE_SCHEMA_PATH;
use super::{ClientCheck, Observed, Outcome, Scenario};
use crate::checks::Verdict;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};

pub const CHECKS: &[ClientCheck] = &[ClientCheck {
    id: "client/schema/ref-not-dereferenced",
    title: "a $ref to a network URI in a tool schema is not fetched",
    level: Level::Must,
    revisions: Revisions::since(SpecVersion::V2026_07_28),
    spec: SpecRef { page: "basic/index", anchor: "ref-resolution" },
    requirement: "Implementations MUST NOT automatically dereference `$ref` values that resolve to a network URI.",
    scenarios: &[Scenario::SchemaRefNoDeref],
    grade: ref_not_dereferenced,
}];

fn ref_not_dereferenced(obs: &Observed) -> Outcome {
    if !obs.requests().any(|s| s.rpc_method() == Some("tools/list")) {
        return Err(obs.nothing("tools/list"));
    }
    let fetched: Vec<String> =
        obs.seen.iter().filter(|s| s.path.starts_with(REMOTE_SCHEMA_PATH)).map(|s| s.describe()).collect();
    if fetched.is_empty() {
        return Ok(Verdict::pass(format!("the tools were listed and {REMOTE_SCHEMA_PATH} never fetched")));
    }
    Ok(Verdict::violation(
        "the client fetched a schema's network $ref",
        format!("no request for {REMOTE_SCHEMA_PATH}"),
        fetched.join("; "),
    ))
}
