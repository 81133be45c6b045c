//! Pagination (`server/utilities/pagination`): cursors on every list method.
//!
//! Besides its two checks this file holds the listing helper the feature
//! checks share ([`list_all`]): it follows `nextCursor` to the end under a page
//! cap, so that "list every tool" can never loop forever on a server whose
//! cursors go round in circles; and [`capabilities`], what the server declared
//! (from `initialize` or, on 2026-07-28, `server/discover`).

use super::{Check, Ctx, Outcome, Transports, Verdict, verify};
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef};
use crate::wire::jsonrpc;
use crate::wire::session::Session;
use serde_json::{Value, json};

/// Pages read from one list before giving up.
pub const MAX_PAGES: usize = 100;

const PAGINATION: SpecRef = SpecRef { page: "server/utilities/pagination", anchor: "response-format" };

pub const CHECKS: &[Check] = &[
    Check {
        id: "pagination/cursor/terminates",
        title: "following nextCursor ends, and no cursor is handed out twice",
        level: Level::Must,
        revisions: Revisions::ALL,
        transports: Transports::Any,
        spec: PAGINATION,
        requirement: "nextCursor: An opaque token representing the pagination position after the last returned result. If present, there may be more results available.",
        run: runs!(terminates),
    },
    Check {
        id: "pagination/cursor/invalid-is-32602",
        title: "an invalid cursor is answered with -32602",
        level: Level::Should,
        revisions: Revisions::ALL,
        transports: Transports::Any,
        spec: SpecRef { page: "server/utilities/pagination", anchor: "error-handling" },
        requirement: "Invalid cursors SHOULD result in an error with code -32602 (Invalid params).",
        run: runs!(invalid_cursor),
    },
];

/// A list method and the member of its result that holds the items.
#[derive(Debug, Clone, Copy)]
pub struct ListMethod {
    pub method: &'static str,
    pub key: &'static str,
    /// The capability that promises the method.
    pub capability: &'static str,
}

pub const LIST_METHODS: &[ListMethod] = &[
    ListMethod { method: "tools/list", key: "tools", capability: "tools" },
    ListMethod { method: "resources/list", key: "resources", capability: "resources" },
    ListMethod { method: "resources/templates/list", key: "resourceTemplates", capability: "resources" },
    ListMethod { method: "prompts/list", key: "prompts", capability: "prompts" },
];

/// Everything one list yielded.
#[derive(Debug, Default)]
pub struct Listing {
    pub items: Vec<Value>,
    /// Every cursor the server handed out, in order.
    pub cursors: Vec<String>,
    /// A cursor handed out a second time (the walk stopped there).
    pub repeated: Option<String>,
    /// The walk stopped at [`MAX_PAGES`] with a cursor still pending.
    pub capped: bool,
    /// Each page's whole result, in order (the caching checks read their hints).
    pub pages: Vec<Value>,
}

/// Lists `m` from the first page to the last (or to a repeated cursor, or to
/// [`MAX_PAGES`]). A page that is an error or lacks the item array ends the
/// check with a violation.
pub async fn list_all(s: &mut Session, m: ListMethod) -> Result<Listing, Verdict> {
    let mut out = Listing::default();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let params = cursor.as_ref().map(|c| json!({"cursor": c}));
        let a = s.request(m.method, params).await?;
        let result = verify::result(&a)?;
        let Some(items) = result.get(m.key).and_then(Value::as_array) else {
            return Err(Verdict::violation(
                format!("{} result has no `{}` array", m.method, m.key),
                format!("a `{}` array", m.key),
                jsonrpc::show(Some(result)),
            ));
        };
        out.items.extend(items.iter().cloned());
        out.pages.push(result.clone());
        match result.get("nextCursor") {
            None | Some(Value::Null) => return Ok(out),
            Some(Value::String(next)) => {
                if out.cursors.contains(next) {
                    out.repeated = Some(next.clone());
                    return Ok(out);
                }
                out.cursors.push(next.clone());
                cursor = Some(next.clone());
            }
            Some(other) => {
                return Err(Verdict::violation(
                    format!("{} nextCursor is not a string", m.method),
                    "nextCursor: a string, or absent on the last page",
                    jsonrpc::show(Some(other)),
                ));
            }
        }
    }
    out.capped = true;
    Ok(out)
}

/// The server's declared capabilities: from the `initialize` result, or on
/// 2026-07-28 from `server/discover`.
pub async fn capabilities(s: &mut Session) -> Result<Value, Verdict> {
    if let Some(caps) = s.initialize.as_ref().and_then(|i| i.pointer("/result/capabilities")) {
        return Ok(caps.clone());
    }
    let a = s.request("server/discover", None).await?;
    let result = verify::result(&a)?;
    result.get("capabilities").cloned().ok_or_else(|| {
        Verdict::violation(
            "server/discover result has no capabilities",
            "a capabilities object",
            jsonrpc::show(Some(result)),
        )
    })
}

/// The list methods the declared capabilities promise.
pub fn declared(caps: &Value) -> Vec<ListMethod> {
    LIST_METHODS.iter().copied().filter(|m| caps.get(m.capability).is_some_and(Value::is_object)).collect()
}

/// Follows every declared list to its end: a cursor handed out twice would
/// send a client round in circles, and a list that does not end within
/// [`MAX_PAGES`] pages is treated the same way.
async fn terminates(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let caps = capabilities(&mut s).await?;
    let methods = declared(&caps);
    if methods.is_empty() {
        return Ok(Verdict::Skip("the server declares no tools, resources or prompts".into()));
    }
    let mut seen = Vec::new();
    for m in methods {
        let l = list_all(&mut s, m).await?;
        if let Some(c) = l.repeated {
            return Ok(Verdict::violation(
                format!("{} handed out the cursor {c:?} twice, so following it never ends", m.method),
                "each nextCursor new, the last page without one",
                format!("cursors in order: {:?}", l.cursors.iter().chain([&c]).collect::<Vec<_>>()),
            ));
        }
        if l.capped {
            return Ok(Verdict::violation(
                format!("{} still had a nextCursor after {MAX_PAGES} pages", m.method),
                format!("a last page within {MAX_PAGES} pages"),
                format!("{} items, last cursor {:?}", l.items.len(), l.cursors.last()),
            ));
        }
        seen.push(format!("{} ({} pages, {} items)", m.method, l.cursors.len() + 1, l.items.len()));
    }
    Ok(Verdict::pass(format!("every list ends: {}", seen.join(", "))))
}

/// Sends a cursor the server never issued to each list method that does hand
/// out cursors (a server that never paginates may rightly ignore the field).
async fn invalid_cursor(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let caps = capabilities(&mut s).await?;
    let mut tried = Vec::new();
    for m in declared(&caps) {
        let first = s.request(m.method, None).await?;
        if verify::result(&first)?.get("nextCursor").is_none_or(Value::is_null) {
            continue;
        }
        let bogus = json!({"cursor": "mcpcheck-not-a-cursor-\u{1F50E}"});
        let a = s.request(m.method, Some(bogus)).await?;
        verify::error_code(&a, -32602, "Invalid params")?;
        tried.push(m.method);
    }
    if tried.is_empty() {
        return Ok(Verdict::Skip("no list method handed out a cursor".into()));
    }
    Ok(Verdict::pass(format!("-32602 for an invalid cursor on {}", tried.join(", "))))
}
