//! Caching (`server/utilities/caching`, 2026-07-28): the `ttlMs` and
//! `cacheScope` hints on the results a client may cache.
//!
//! `schema/messages/valid` already fails a result without them (the schema
//! makes both required), but names a JSON pointer; these checks name the
//! operation and the field, read every page of every declared list (the
//! schema check reads the first), and hold the pages of one list to one
//! scope, which no schema can express.

use super::{Check, Ctx, Outcome, Transports, Verdict, pagination, verify};
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use crate::wire::jsonrpc;
use serde_json::{Value, json};

const PAGE: &str = "server/utilities/caching";

pub const CHECKS: &[Check] = &[
    Check {
        id: "caching/hints/present",
        title: "cacheable results carry ttlMs (an integer >= 0) and cacheScope (public or private)",
        level: Level::Must,
        revisions: Revisions::since(SpecVersion::V2026_07_28),
        transports: Transports::Any,
        spec: SpecRef { page: PAGE, anchor: "cacheable-results" },
        requirement: "Servers MUST include caching hints on results with resultType: \"complete\" returned by the following operations: server/discover, tools/list, prompts/list, resources/list, resources/templates/list, resources/read. Servers MUST provide a ttlMs value that is >= 0.",
        run: runs!(hints_present),
    },
    Check {
        id: "caching/scope/pages-consistent",
        title: "every page of one list has the same cacheScope",
        level: Level::Must,
        revisions: Revisions::since(SpecVersion::V2026_07_28),
        transports: Transports::Any,
        spec: SpecRef { page: PAGE, anchor: "interaction-with-pagination" },
        requirement: "Servers MUST apply the same cacheScope to all response pages for a given list request.",
        run: runs!(pages_consistent),
    },
];

/// What is wrong with one result's hints, if anything.
fn hint_problems(result: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    match result.get("ttlMs") {
        None => problems.push("no ttlMs".to_string()),
        Some(t) if t.as_u64().is_none() => {
            problems.push(format!("ttlMs {} is not an integer >= 0", jsonrpc::show(Some(t))))
        }
        Some(_) => {}
    }
    match result.get("cacheScope").and_then(Value::as_str) {
        Some("public" | "private") => {}
        None if result.get("cacheScope").is_none() => problems.push("no cacheScope".into()),
        _ => problems.push(format!(
            "cacheScope {} is neither \"public\" nor \"private\"",
            jsonrpc::show(result.get("cacheScope"))
        )),
    }
    problems
}

/// Every cacheable result of an ordinary conversation, labelled: the
/// discovery, every page of every declared list, and a read of the first
/// listed resource. Interim `input_required` answers carry no hints and are
/// left out.
async fn cacheable(ctx: &Ctx) -> Result<Vec<(String, Vec<Value>)>, Verdict> {
    let mut s = ctx.session().await?;
    let discover = s.request("server/discover", None).await?;
    let mut out = vec![("server/discover".to_string(), vec![verify::result(&discover)?.clone()])];
    let caps = pagination::capabilities(&mut s).await?;
    let mut first_uri = None;
    for m in pagination::declared(&caps) {
        let listing = pagination::list_all(&mut s, m).await?;
        if m.method == "resources/list" {
            first_uri =
                listing.items.first().and_then(|r| r.get("uri")).and_then(Value::as_str).map(String::from);
        }
        out.push((m.method.to_string(), listing.pages));
    }
    if let Some(uri) = first_uri {
        let read = s.request("resources/read", Some(json!({"uri": uri}))).await?;
        let result = verify::result(&read)?;
        if !super::mrtr::client::asks(result) {
            out.push((format!("resources/read of {uri}"), vec![result.clone()]));
        }
    }
    Ok(out)
}

async fn hints_present(ctx: &Ctx) -> Outcome {
    let results = cacheable(ctx).await?;
    let mut count = 0;
    for (what, pages) in &results {
        for (i, page) in pages.iter().enumerate() {
            let problems = hint_problems(page);
            if !problems.is_empty() {
                let which = if pages.len() > 1 { format!("{what} (page {})", i + 1) } else { what.clone() };
                return Ok(Verdict::violation(
                    format!("the result of {which} has {}", problems.join(" and ")),
                    "\"ttlMs\": an integer >= 0, \"cacheScope\": \"public\" or \"private\"",
                    jsonrpc::show(Some(page)),
                ));
            }
            count += 1;
        }
    }
    let names: Vec<&str> = results.iter().map(|(w, _)| w.as_str()).collect();
    Ok(Verdict::pass(format!("{count} results carry both hints: {}", names.join(", "))))
}

async fn pages_consistent(ctx: &Ctx) -> Outcome {
    let results = cacheable(ctx).await?;
    let paged: Vec<&(String, Vec<Value>)> = results.iter().filter(|(_, pages)| pages.len() > 1).collect();
    if paged.is_empty() {
        return Ok(Verdict::Skip("no declared list has more than one page".into()));
    }
    for (what, pages) in &paged {
        let scopes: Vec<Option<&Value>> = pages.iter().map(|p| p.get("cacheScope")).collect();
        if scopes.iter().any(|s| *s != scopes[0]) {
            return Ok(Verdict::violation(
                format!("the pages of {what} do not share one cacheScope"),
                format!("every page's cacheScope {}", jsonrpc::show(scopes[0])),
                format!("cacheScope by page: {}", json!(scopes)),
            ));
        }
    }
    let names: Vec<String> = paged.iter().map(|(w, p)| format!("{w} ({} pages)", p.len())).collect();
    Ok(Verdict::pass(format!("one cacheScope per list: {}", names.join(", "))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_must_be_present_and_in_range() {
        assert!(hint_problems(&json!({"ttlMs": 0, "cacheScope": "public"})).is_empty());
        assert_eq!(hint_problems(&json!({})).len(), 2);
        assert_eq!(hint_problems(&json!({"ttlMs": -1, "cacheScope": "shared"})).len(), 2);
        assert_eq!(hint_problems(&json!({"ttlMs": 1.5, "cacheScope": "private"})).len(), 1);
    }
}
