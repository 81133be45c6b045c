//! Protected resource metadata (RFC 9728; `basic/authorization`, "Authorization
//! Server Location" and "Protected Resource Metadata Discovery
//! Requirements"): how a client finds which authorization server to ask.
//!
//! Discovery follows the client's order: the `resource_metadata` URL of the
//! 401 challenge, then the well-known URI with the endpoint's path inserted,
//! then the well-known URI at the root.

use super::{PAGE, bearer_challenge, challenge_401, get_json, split_url};
use crate::checks::{Check, Ctx, Outcome, Transports, Verdict};
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use crate::wire::session::Endpoint;
use serde_json::Value;

const DISCOVERY: SpecRef =
    SpecRef { page: PAGE, anchor: "protected-resource-metadata-discovery-requirements" };
const LOCATION: SpecRef = SpecRef { page: PAGE, anchor: "authorization-server-location" };
use crate::oauth::discovery::PRM_WELL_KNOWN as WELL_KNOWN;

pub const CHECKS: &[Check] = &[
    Check {
        id: "auth/prm/discoverable",
        title: "protected resource metadata is found (challenge or well-known URI)",
        level: Level::Must,
        revisions: Revisions::since(SpecVersion::V2025_11_25),
        transports: Transports::HttpOnly,
        spec: DISCOVERY,
        requirement: "MCP servers MUST implement one of the following discovery mechanisms to provide authorization server location information to MCP clients: 1. WWW-Authenticate Header [...] 2. Well-Known URI",
        run: runs!(discoverable),
    },
    Check {
        id: "auth/prm/resource-matches",
        title: "the metadata's resource is the MCP endpoint's URL",
        level: Level::Must,
        revisions: Revisions::since(SpecVersion::V2025_06_18),
        transports: Transports::HttpOnly,
        spec: LOCATION,
        requirement: "RFC 9728 §3.3: The resource value returned MUST be identical to the protected resource's resource identifier value into which the well-known resource metadata URI path suffix was inserted to create the URL used to retrieve the metadata.",
        run: runs!(resource_matches),
    },
    Check {
        id: "auth/prm/authorization-servers",
        title: "the metadata lists at least one authorization server",
        level: Level::Must,
        revisions: Revisions::since(SpecVersion::V2025_06_18),
        transports: Transports::HttpOnly,
        spec: LOCATION,
        requirement: "The Protected Resource Metadata document returned by the MCP server MUST include the authorization_servers field containing at least one authorization server.",
        run: runs!(authorization_servers),
    },
    Check {
        id: "auth/prm/no-query-bearer",
        title: "the metadata does not offer tokens in the query string",
        level: Level::Must,
        revisions: Revisions::since(SpecVersion::V2025_06_18),
        transports: Transports::HttpOnly,
        spec: SpecRef { page: PAGE, anchor: "token-requirements" },
        requirement: "Access tokens MUST NOT be included in the URI query string (so bearer_methods_supported, RFC 9728 §2, must not list \"query\").",
        run: runs!(no_query_bearer),
    },
];

/// Found metadata: where, how, and the document.
pub(crate) struct Found {
    pub url: String,
    pub how: &'static str,
    pub doc: Value,
    /// The resource identifier the URL was made from.
    pub expected_resource: Vec<String>,
}

/// Finds the metadata in the client's discovery order; `Err` with the places
/// tried when there is none.
pub(crate) async fn discover(ctx: &Ctx) -> Result<Result<Found, String>, Verdict> {
    let challenge = challenge_401(ctx).await?;
    let Endpoint::Http(t) = &ctx.endpoint else { return Err(Verdict::Skip("HTTP only".into())) };
    let endpoint = t.url.clone();
    let (origin, _) = split_url(&endpoint);
    let mut candidates: Vec<(String, &'static str, Vec<String>)> = Vec::new();
    if let Some(url) =
        bearer_challenge(&challenge.reply).and_then(|c| c.param("resource_metadata").map(String::from))
    {
        candidates.push((url, "resource_metadata of the 401 challenge", vec![endpoint.clone()]));
    }
    // The well-known URIs in the order a client tries them (one list, shared
    // with mcpcheck's own discovery). At the root the identifier is the
    // origin; the MCP endpoint URL is also accepted, as MCP names the
    // endpoint the canonical resource.
    let root = format!("{origin}{WELL_KNOWN}");
    for url in crate::oauth::discovery::prm_candidates(&endpoint) {
        if url == root {
            candidates.push((url, "well-known URI at the root", vec![endpoint.clone(), origin.clone()]));
        } else {
            candidates.push((url, "well-known URI with the endpoint path", vec![endpoint.clone()]));
        }
    }
    let mut tried = Vec::new();
    for (url, how, expected_resource) in candidates {
        let (reply, doc) = get_json(ctx, &url).await?;
        match doc {
            Some(doc) => return Ok(Ok(Found { url, how, doc, expected_resource })),
            None => tried.push(format!("{url}: HTTP {}", reply.status)),
        }
    }
    Ok(Err(tried.join("; ")))
}

async fn found(ctx: &Ctx) -> Result<Found, Verdict> {
    discover(ctx).await?.map_err(|tried| {
        Verdict::Skip(format!(
            "no protected resource metadata found (auth/prm/discoverable judges that): {tried}"
        ))
    })
}

async fn discoverable(ctx: &Ctx) -> Outcome {
    match discover(ctx).await? {
        Ok(f) => Ok(Verdict::pass(format!("found by the {} at {}", f.how, f.url))),
        Err(tried) => Ok(Verdict::violation(
            "neither the 401 challenge nor a well-known URI leads to protected resource metadata",
            "resource_metadata in WWW-Authenticate, or a JSON document at /.well-known/oauth-protected-resource[/path]",
            tried,
        )),
    }
}

fn same_url(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

async fn resource_matches(ctx: &Ctx) -> Outcome {
    let f = found(ctx).await?;
    match f.doc.get("resource").and_then(Value::as_str) {
        Some(r) if f.expected_resource.iter().any(|e| same_url(e, r)) => {
            Ok(Verdict::pass(format!("resource \"{r}\" ({})", f.url)))
        }
        other => Ok(Verdict::violation(
            format!("the metadata at {} names another resource", f.url),
            format!("resource {}", f.expected_resource.join(" or ")),
            format!("resource {}", other.map(|r| format!("{r:?}")).unwrap_or_else(|| "missing".into())),
        )),
    }
}

async fn authorization_servers(ctx: &Ctx) -> Outcome {
    let f = found(ctx).await?;
    let servers = f.doc.get("authorization_servers");
    let listed: Vec<&str> = servers
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if listed.is_empty() {
        Ok(Verdict::violation(
            format!("the metadata at {} lists no authorization server", f.url),
            "authorization_servers: [\"<issuer URL>\", …]",
            format!(
                "authorization_servers {}",
                servers.map(Value::to_string).unwrap_or_else(|| "missing".into())
            ),
        ))
    } else {
        Ok(Verdict::pass(format!("authorization_servers {}", listed.join(", "))))
    }
}

async fn no_query_bearer(ctx: &Ctx) -> Outcome {
    let f = found(ctx).await?;
    let methods = f.doc.get("bearer_methods_supported");
    let query =
        methods.and_then(Value::as_array).is_some_and(|a| a.iter().any(|m| m.as_str() == Some("query")));
    if query {
        Ok(Verdict::violation(
            "the metadata offers bearer tokens in the query string",
            "bearer_methods_supported without \"query\" (e.g. [\"header\"])",
            format!("bearer_methods_supported {}", methods.map(Value::to_string).unwrap_or_default()),
        ))
    } else {
        Ok(Verdict::pass(format!(
            "bearer_methods_supported {}",
            methods.map(Value::to_string).unwrap_or_else(|| "absent (header is the default)".into())
        )))
    }
}
