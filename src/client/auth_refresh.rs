//! Authorization, client side: refresh tokens (`basic/authorization`,
//! "Refresh Tokens"). A client that wants refresh tokens registers for the
//! grant, asks for `offline_access` only where the authorization server
//! lists it, and names the MCP server in `resource` when it refreshes, as
//! in every token request. Graded on the scripted server's record.

use super::auth::{check, describe_all, endpoint, to};
use super::{ClientCheck, Observed, Outcome, Scenario, Seen};
use crate::checks::Verdict;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};

const PAGE: &str = "basic/authorization";
const REFRESH: SpecRef = SpecRef { page: PAGE, anchor: "refresh-tokens" };
const STATELESS: Revisions = Revisions::since(SpecVersion::V2026_07_28);

pub const CHECKS: &[ClientCheck] = &[
    check!(
        "client/auth-refresh/grant-type-registered",
        "dynamic registration asks for the refresh_token grant",
        Should,
        STATELESS,
        REFRESH,
        "MCP Clients that desire refresh tokens: ... SHOULD include `refresh_token` in their `grant_types` client metadata",
        AuthOfflineAccess,
        grant_type_registered
    ),
    check!(
        "client/auth-refresh/offline-access-when-listed",
        "offline_access is asked for only where the authorization server lists it",
        Should,
        STATELESS,
        REFRESH,
        "MCP Clients ... MAY add `offline_access` to the `scope` parameter of the authorization and token requests when the Authorization Server metadata contains it in `scopes_supported`",
        AuthOfflineNotSupported,
        offline_access_when_listed
    ),
    check!(
        "client/auth-refresh/resource-on-refresh",
        "a refresh request names the MCP server in resource",
        Must,
        Revisions::since(SpecVersion::V2025_06_18),
        SpecRef { page: PAGE, anchor: "resource-parameter-implementation" },
        "MCP clients MUST include the `resource` parameter in authorization and token requests as defined in RFC 8707 ... MUST identify the MCP server that the client intends to use the token with.",
        AuthTokenRefresh,
        resource_on_refresh
    ),
];

fn grant_type_registered(obs: &Observed) -> Outcome {
    let reg = to(obs, "POST", "/register");
    let Some(first) = reg.first() else {
        return Err(obs.nothing("dynamic registration (POST /register)"));
    };
    let body: serde_json::Value = serde_json::from_str(&first.body).unwrap_or_default();
    let grants: Vec<&str> = body
        .get("grant_types")
        .and_then(serde_json::Value::as_array)
        .map(|a| a.iter().filter_map(serde_json::Value::as_str).collect())
        .unwrap_or_default();
    if grants.contains(&"refresh_token") {
        return Ok(Verdict::pass(format!("grant_types {grants:?}")));
    }
    Ok(Verdict::violation(
        "the client registered without the refresh_token grant",
        "grant_types containing refresh_token",
        format!("grant_types {grants:?} in {}", first.body),
    ))
}

fn asks_offline_access(s: &Seen, from_body: bool) -> Option<String> {
    let scope = s.form(from_body).get("scope").cloned()?;
    scope.split(' ').any(|x| x == "offline_access").then_some(scope)
}

fn offline_access_when_listed(obs: &Observed) -> Outcome {
    let auth = to(obs, "GET", "/authorize");
    if auth.is_empty() {
        return Err(obs.nothing("authorization request (GET /authorize)"));
    }
    let bad: Vec<String> =
        auth.iter()
            .filter_map(|s| asks_offline_access(s, false).map(|sc| format!("{}: scope {sc:?}", s.describe())))
            .chain(to(obs, "POST", "/token").iter().filter_map(|s| {
                asks_offline_access(s, true).map(|sc| format!("{}: scope {sc:?}", s.describe()))
            }))
            .collect();
    if bad.is_empty() {
        return Ok(Verdict::pass("no offline_access asked of a server that does not list it"));
    }
    Ok(Verdict::violation(
        "the client asked for offline_access, which the authorization server's scopes_supported lacks",
        "scopes from scopes_supported (mcp:basic mcp:read) only",
        bad.join("; "),
    ))
}

fn resource_on_refresh(obs: &Observed) -> Outcome {
    if obs.seen.iter().all(|s| s.status != 401 || !s.to_mcp()) {
        return Err(obs.nothing("request answered 401"));
    }
    let endpoint = endpoint(obs);
    let refreshes: Vec<&Seen> = to(obs, "POST", "/token")
        .into_iter()
        .filter(|s| s.form(true).get("grant_type").map(String::as_str) == Some("refresh_token"))
        .collect();
    if refreshes.is_empty() {
        // Refreshing is the client's choice; authorizing anew is correct too.
        return Ok(Verdict::Skip(format!(
            "the client did not refresh its expired token ({} authorization request(s)); {}",
            to(obs, "GET", "/authorize").len(),
            describe_all(obs)
        )));
    }
    let bad: Vec<String> = refreshes
        .iter()
        .filter_map(|s| {
            let got = s.form(true).get("resource").cloned();
            (got.as_deref() != Some(endpoint.as_str())).then(|| format!("{}: resource {got:?}", s.describe()))
        })
        .collect();
    if bad.is_empty() {
        return Ok(Verdict::pass(format!("resource={endpoint} on {} refresh request(s)", refreshes.len())));
    }
    Ok(Verdict::violation(
        "a refresh request does not name the MCP server in resource",
        format!("resource={endpoint}"),
        bad.join("; "),
    ))
}
