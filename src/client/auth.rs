//! Authorization (`basic/authorization`), client side: how a client finds
//! the authorization server from a 401, which scope it asks for, PKCE and
//! `resource` on the authorization and token requests, how it authenticates
//! at the token endpoint, and where its token goes. Graded on the requests
//! the scripted server's authorization side ([`super::scripted_auth`]) saw.

use super::scenarios::PRE_REGISTERED_ID;
use super::scripted_auth::{CHALLENGE_PRM_PATH, ROOT_PRM_PATH, WELL_KNOWN_PRM_PATH};
use super::{ClientCheck, Observed, Outcome, Scenario, Seen};
use crate::checks::Verdict;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use std::collections::BTreeSet;

const PAGE: &str = "basic/authorization";
const PRM: SpecRef = SpecRef { page: PAGE, anchor: "protected-resource-metadata-discovery-requirements" };
const SCOPES: SpecRef = SpecRef { page: PAGE, anchor: "scope-selection-strategy" };
const TOKENS: SpecRef = SpecRef { page: PAGE, anchor: "token-requirements" };
const TOKEN_AUTH: SpecRef = SpecRef { page: PAGE, anchor: "authorization-flow-steps" };
const AUTHORIZED: Revisions = Revisions::since(SpecVersion::V2025_06_18);
const TOKEN_AUTH_RULE: &str = "OAuth 2.1 §2.4 and RFC 7591 §2: a client authenticates at the token endpoint with the `token_endpoint_auth_method` it registered (client_secret_basic: HTTP Basic; client_secret_post: the credentials in the body; none: `client_id` only), and \"MUST NOT use more than one authentication method in each request\".";

/// A client check of this page, in one line per field.
macro_rules! check {
    ($id:literal, $title:literal, $level:ident, $revs:expr, $spec:expr, $req:expr, $scenario:ident, $grade:ident) => {
        ClientCheck {
            id: $id,
            title: $title,
            level: Level::$level,
            revisions: $revs,
            spec: $spec,
            requirement: $req,
            scenarios: &[Scenario::$scenario],
            grade: $grade,
        }
    };
}
pub(super) use check;

pub const CHECKS: &[ClientCheck] = &[
    check!(
        "client/auth/prm-from-challenge",
        "the resource metadata is fetched from the challenge's resource_metadata",
        Must,
        AUTHORIZED,
        PRM,
        "MCP clients MUST support both discovery mechanisms and use the resource metadata URL from the parsed `WWW-Authenticate` headers when present",
        AuthMetadataDefault,
        prm_from_challenge
    ),
    check!(
        "client/auth/prm-well-known",
        "without resource_metadata, the well-known URI with the endpoint's path is tried",
        Must,
        AUTHORIZED,
        PRM,
        "otherwise, they MUST fall back to constructing and requesting the well-known URIs in the order listed above.",
        AuthMetadataWellKnown,
        prm_well_known
    ),
    check!(
        "client/auth/prm-root-fallback",
        "without metadata at the path-inserted URI, the root well-known URI is tried",
        Must,
        // Where its scenario runs (it also takes OpenID Connect discovery).
        Revisions::since(SpecVersion::V2025_11_25),
        PRM,
        "otherwise, they MUST fall back to constructing and requesting the well-known URIs in the order listed above. (The list: the well-known URI with the endpoint's path inserted, then at the root.)",
        AuthMetadataOidc,
        prm_root_fallback
    ),
    check!(
        "client/auth/as-metadata-fallback",
        "authorization server metadata is looked for at the OpenID Connect URI too",
        Must,
        Revisions::since(SpecVersion::V2025_11_25),
        SpecRef { page: PAGE, anchor: "authorization-server-metadata-discovery" },
        "MCP clients MUST attempt multiple well-known endpoints when discovering authorization server metadata. For issuer URLs with path components, clients MUST try endpoints in the following priority order: OAuth 2.0 Authorization Server Metadata with path insertion, OpenID Connect Discovery 1.0 with path insertion, OpenID Connect Discovery 1.0 path appending",
        AuthMetadataOidc,
        as_metadata_fallback
    ),
    check!(
        "client/auth/pkce-s256",
        "the authorization request carries an S256 code challenge the token request's verifier matches",
        Must,
        AUTHORIZED,
        SpecRef { page: PAGE, anchor: "authorization-code-protection" },
        "MCP clients MUST implement PKCE according to OAuth 2.1 Section 7.5.2 ... MCP clients MUST use the `S256` code challenge method when technically capable",
        AuthMetadataDefault,
        pkce_s256
    ),
    check!(
        "client/auth/resource-parameter",
        "authorization and token requests name the MCP server in resource",
        Must,
        AUTHORIZED,
        SpecRef { page: PAGE, anchor: "resource-parameter-implementation" },
        "MCP clients MUST include the `resource` parameter in authorization and token requests ... MUST identify the MCP server that the client intends to use the token with.",
        AuthMetadataDefault,
        resource_parameter
    ),
    check!(
        "client/auth/bearer-every-request",
        "once it has a token, every request carries it as a Bearer header",
        Must,
        AUTHORIZED,
        TOKENS,
        "MCP client MUST use the Authorization request header field ... authorization MUST be included in every HTTP request from client to server, even if they are part of the same logical session.",
        AuthMetadataDefault,
        bearer_every_request
    ),
    check!(
        "client/auth/no-token-in-query",
        "the access token is never in a query string",
        Must,
        AUTHORIZED,
        TOKENS,
        "Access tokens MUST NOT be included in the URI query string",
        AuthMetadataDefault,
        no_token_in_query
    ),
    check!(
        "client/auth/scope-from-challenge",
        "the scope the challenge names is asked for",
        Must,
        AUTHORIZED,
        PRM,
        "Clients MUST treat the scopes provided in the challenge as authoritative for satisfying the current request.",
        AuthScopeFromChallenge,
        scope_from_challenge
    ),
    check!(
        "client/auth/scope-from-supported",
        "without a challenged scope, all of scopes_supported is asked for",
        Should,
        AUTHORIZED,
        SCOPES,
        "If `scope` is not available, use all scopes defined in `scopes_supported` from the Protected Resource Metadata document",
        AuthScopeFromSupported,
        scope_from_supported
    ),
    check!(
        "client/auth/scope-omitted",
        "with no scope named anywhere, no scope is asked for",
        Should,
        AUTHORIZED,
        SCOPES,
        "omitting the `scope` parameter if `scopes_supported` is undefined.",
        AuthScopeOmitted,
        scope_omitted
    ),
    check!(
        "client/auth/step-up",
        "a 403 insufficient_scope leads to a new authorization with the challenged scope",
        Should,
        AUTHORIZED,
        SpecRef { page: PAGE, anchor: "step-up-authorization-flow" },
        "Clients SHOULD respond to these errors by requesting a new access token with an increased set of scopes via a step-up authorization flow",
        AuthStepUp,
        step_up
    ),
    check!(
        "client/auth/token-auth-basic",
        "a client registered for client_secret_basic authenticates with HTTP Basic",
        Must,
        AUTHORIZED,
        TOKEN_AUTH,
        TOKEN_AUTH_RULE,
        AuthTokenBasic,
        token_auth_basic
    ),
    check!(
        "client/auth/token-auth-post",
        "a client registered for client_secret_post sends its secret in the body",
        Must,
        AUTHORIZED,
        TOKEN_AUTH,
        TOKEN_AUTH_RULE,
        AuthTokenPost,
        token_auth_post
    ),
    check!(
        "client/auth/token-auth-none",
        "a public client (none) sends only its client_id",
        Must,
        AUTHORIZED,
        TOKEN_AUTH,
        TOKEN_AUTH_RULE,
        AuthTokenNone,
        token_auth_none
    ),
    check!(
        "client/auth/pre-registration",
        "handed credentials are used instead of registering",
        Should,
        AUTHORIZED,
        SpecRef { page: PAGE, anchor: "preregistration" },
        "MCP clients SHOULD support an option for static client credentials such as those supplied by a preregistration flow.",
        AuthPreRegistration,
        pre_registration
    ),
    check!(
        "client/auth/resource-mismatch",
        "resource metadata naming another resource is not used",
        Must,
        AUTHORIZED,
        PRM,
        "RFC 9728 §3.3: If the `resource` value in the metadata is not identical to the resource identifier the client used to build the metadata URL, the data contained in the response MUST NOT be used. (MCP: \"MCP clients MUST NOT send tokens to the MCP server other than ones issued by the MCP server's authorization server.\")",
        AuthResourceMismatch,
        resource_mismatch
    ),
];

/// The MCP endpoint's URL as the client used it (no query), which
/// `resource` must name.
pub(super) fn endpoint(obs: &Observed) -> String {
    let url = obs.seen.iter().find(|s| s.to_mcp()).map(|s| s.exchange.request.url.as_str()).unwrap_or("");
    url.split('?').next().unwrap_or("").to_string()
}

pub(super) fn path_of(s: &Seen) -> &str {
    s.path.split('?').next().unwrap_or("")
}

pub(super) fn to<'a>(obs: &'a Observed, method: &str, path: &str) -> Vec<&'a Seen> {
    obs.seen.iter().filter(|s| s.method == method && path_of(s) == path).collect()
}

/// The client's authorization requests, or the error that it made none.
pub(super) fn authorizations(obs: &Observed) -> Result<Vec<&Seen>, Verdict> {
    let a = to(obs, "GET", "/authorize");
    if a.is_empty() { Err(obs.nothing("authorization request (GET /authorize)")) } else { Ok(a) }
}

fn token_requests(obs: &Observed) -> Result<Vec<&Seen>, Verdict> {
    let t = to(obs, "POST", "/token");
    if t.is_empty() { Err(obs.nothing("token request (POST /token)")) } else { Ok(t) }
}

/// Where the first token was issued, and every token issued.
fn issued(obs: &Observed) -> Result<(usize, Vec<String>), Verdict> {
    let mut first = None;
    let mut tokens = Vec::new();
    for (i, s) in obs.seen.iter().enumerate().filter(|(_, s)| s.method == "POST" && path_of(s) == "/token") {
        let body = s.exchange.response.as_ref().map(|r| r.body.as_str()).unwrap_or("");
        if let Some(t) = serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v["access_token"].as_str().map(str::to_string))
        {
            first.get_or_insert(i);
            tokens.push(t);
        }
    }
    match first {
        Some(i) => Ok((i, tokens)),
        None => Err(obs.nothing("token request that got a token")),
    }
}

fn scopes(s: Option<&String>) -> BTreeSet<String> {
    s.map(|s| s.split(' ').filter(|x| !x.is_empty()).map(str::to_string).collect()).unwrap_or_default()
}

fn prm_from_challenge(obs: &Observed) -> Outcome {
    let prm: Vec<&Seen> = obs.seen.iter().filter(|s| path_of(s).contains("protected-resource")).collect();
    match prm.first() {
        Some(first) if path_of(first) == CHALLENGE_PRM_PATH => {
            Ok(Verdict::pass(format!("GET {CHALLENGE_PRM_PATH} first")))
        }
        Some(first) => Ok(Verdict::violation(
            "the client did not use the challenge's resource_metadata",
            format!("GET {CHALLENGE_PRM_PATH} (the challenge's resource_metadata) first"),
            format!(
                "first {}; in all {}",
                first.describe(),
                prm.iter().map(|s| path_of(s)).collect::<Vec<_>>().join(", ")
            ),
        )),
        None => Err(obs.nothing("request for protected resource metadata")),
    }
}

fn prm_well_known(obs: &Observed) -> Outcome {
    if obs.seen.iter().all(|s| s.status != 401) {
        return Err(obs.nothing("request answered 401"));
    }
    if !to(obs, "GET", WELL_KNOWN_PRM_PATH).is_empty() {
        return Ok(Verdict::pass(format!("GET {WELL_KNOWN_PRM_PATH}")));
    }
    Ok(Verdict::violation(
        "the client did not try the well-known resource metadata URI",
        format!("GET {WELL_KNOWN_PRM_PATH}"),
        describe_all(obs),
    ))
}

fn prm_root_fallback(obs: &Observed) -> Outcome {
    if obs.seen.iter().all(|s| s.status != 401) {
        return Err(obs.nothing("request answered 401"));
    }
    if !to(obs, "GET", ROOT_PRM_PATH).is_empty() {
        return Ok(Verdict::pass(format!("GET {ROOT_PRM_PATH}")));
    }
    Ok(Verdict::violation(
        "the client did not try the root well-known resource metadata URI",
        format!("GET {ROOT_PRM_PATH} after {WELL_KNOWN_PRM_PATH} failed"),
        describe_all(obs),
    ))
}

fn as_metadata_fallback(obs: &Observed) -> Outcome {
    let oidc = "/.well-known/openid-configuration/tenant1";
    if !to(obs, "GET", oidc).is_empty() {
        return Ok(Verdict::pass(format!("GET {oidc} after the RFC 8414 URI failed")));
    }
    if obs.seen.iter().all(|s| !path_of(s).contains("protected-resource")) {
        return Err(obs.nothing("request for protected resource metadata"));
    }
    Ok(Verdict::violation(
        "the client did not try the OpenID Connect discovery URI",
        format!("GET {oidc}"),
        describe_all(obs),
    ))
}

fn pkce_s256(obs: &Observed) -> Outcome {
    let auth = authorizations(obs)?;
    let q = auth[0].form(false);
    let (Some(challenge), Some("S256")) =
        (q.get("code_challenge"), q.get("code_challenge_method").map(String::as_str))
    else {
        return Ok(Verdict::violation(
            "the authorization request has no S256 code challenge",
            "code_challenge and code_challenge_method=S256",
            auth[0].path.clone(),
        ));
    };
    let tokens = token_requests(obs)?;
    let verifier = tokens[0].form(true).get("code_verifier").cloned();
    match verifier {
        Some(v) if crate::oauth::server::pkce_s256(&v) == *challenge => {
            Ok(Verdict::pass("S256 challenge, matching verifier"))
        }
        v => Ok(Verdict::violation(
            "the token request's code_verifier does not match the challenge",
            format!("a code_verifier whose S256 is {challenge}"),
            format!("code_verifier {v:?}"),
        )),
    }
}

fn resource_parameter(obs: &Observed) -> Outcome {
    let endpoint = endpoint(obs);
    let auth = authorizations(obs)?;
    let tokens = token_requests(obs)?;
    let mut bad = Vec::new();
    for s in auth.iter().map(|s| (s, false)).chain(tokens.iter().map(|s| (s, true))) {
        let got = s.0.form(s.1).get("resource").cloned();
        if got.as_deref() != Some(endpoint.as_str()) {
            bad.push(format!("{}: resource {got:?}", s.0.describe()));
        }
    }
    if bad.is_empty() {
        return Ok(Verdict::pass(format!("resource={endpoint} on every authorization and token request")));
    }
    Ok(Verdict::violation(
        "a request does not name the MCP server in resource",
        format!("resource={endpoint}"),
        bad.join("; "),
    ))
}

fn bearer_every_request(obs: &Observed) -> Outcome {
    let (first, tokens) = issued(obs)?;
    let later: Vec<&Seen> = obs.seen[first..].iter().filter(|s| s.to_mcp()).collect();
    if later.is_empty() {
        return Err(obs.nothing("MCP request after getting a token"));
    }
    let bad: Vec<String> = later
        .iter()
        .filter(|s| {
            let t = s.header("authorization").and_then(|a| a.strip_prefix("Bearer "));
            !t.is_some_and(|t| tokens.iter().any(|k| k == t))
        })
        .map(|s| {
            format!(
                "{}: Authorization {:?}",
                s.describe(),
                s.header("authorization").map(|_| "(not an issued Bearer token)")
            )
        })
        .collect();
    if bad.is_empty() {
        return Ok(Verdict::pass(format!("all {} later requests carried the token", later.len())));
    }
    Ok(Verdict::violation(
        format!("{} of {} requests after the token lack it", bad.len(), later.len()),
        "Authorization: Bearer <the issued token> on every request",
        bad.join("; "),
    ))
}

fn no_token_in_query(obs: &Observed) -> Outcome {
    let (_, tokens) = issued(obs)?;
    let bad: Vec<String> = obs
        .seen
        .iter()
        .filter(|s| s.path.contains("access_token=") || tokens.iter().any(|t| s.path.contains(t.as_str())))
        .map(|s| s.describe())
        .collect();
    if bad.is_empty() {
        return Ok(Verdict::pass("no query string carried the token"));
    }
    Ok(Verdict::violation(
        "the token was sent in a query string",
        "the token in the Authorization header only",
        bad.join("; "),
    ))
}

fn asked_scope(obs: &Observed) -> Result<(Option<String>, &Seen), Verdict> {
    let auth = authorizations(obs)?;
    Ok((auth[0].form(false).get("scope").cloned(), auth[0]))
}

fn scope_from_challenge(obs: &Observed) -> Outcome {
    let (asked, _) = asked_scope(obs)?;
    let got = scopes(asked.as_ref());
    if got.contains("mcp:tools") {
        return Ok(Verdict::pass(format!("asked for {asked:?}")));
    }
    Ok(Verdict::violation(
        "the challenged scope was not asked for",
        "scope including mcp:tools (the challenge's)",
        format!("scope {asked:?}"),
    ))
}

fn scope_from_supported(obs: &Observed) -> Outcome {
    let (asked, _) = asked_scope(obs)?;
    let want: BTreeSet<String> = ["mcp:read", "mcp:write"].iter().map(|s| s.to_string()).collect();
    if scopes(asked.as_ref()) == want {
        return Ok(Verdict::pass("asked for all of scopes_supported"));
    }
    Ok(Verdict::violation(
        "the scope is not scopes_supported",
        "scope \"mcp:read mcp:write\"",
        format!("scope {asked:?}"),
    ))
}

fn scope_omitted(obs: &Observed) -> Outcome {
    let (asked, _) = asked_scope(obs)?;
    match asked {
        None => Ok(Verdict::pass("no scope parameter")),
        Some(s) => Ok(Verdict::violation(
            "a scope named by nobody was asked for",
            "no scope parameter",
            format!("scope {s:?}"),
        )),
    }
}

fn step_up(obs: &Observed) -> Outcome {
    let Some(at) = obs.seen.iter().position(|s| s.status == 403) else {
        return Err(obs.nothing("tool call with the first token (the request answered 403)"));
    };
    let again = obs.seen[at..].iter().find(|s| s.method == "GET" && path_of(s) == "/authorize");
    let Some(again) = again else {
        return Ok(Verdict::violation(
            "the client did not step up after 403 insufficient_scope",
            "a new authorization request with scope mcp:read mcp:write",
            describe_all(obs),
        ));
    };
    let got = scopes(again.form(false).get("scope"));
    let called = obs.seen[at..].iter().any(|s| s.rpc_method() == Some("tools/call") && s.status == 200);
    if got.contains("mcp:write") && called {
        return Ok(Verdict::pass("stepped up to mcp:write and the call went through"));
    }
    Ok(Verdict::violation(
        "the step-up did not ask for the challenged scope, or the call was not retried",
        "authorization with scope including mcp:write, then the tool call answered",
        format!("scope {got:?}; tool call retried and answered: {called}"),
    ))
}

/// How the first token request authenticated: (Basic header, secret in body, client_id in body).
fn token_auth(obs: &Observed) -> Result<(bool, bool, bool, String), Verdict> {
    let t = token_requests(obs)?;
    let form = t[0].form(true);
    let basic = t[0].header("authorization").is_some_and(|a| a.to_ascii_lowercase().starts_with("basic "));
    let shown = format!(
        "Authorization: {}; body fields: {}",
        if basic { "Basic" } else { "none" },
        form.keys().cloned().collect::<Vec<_>>().join(", ")
    );
    Ok((basic, form.contains_key("client_secret"), form.contains_key("client_id"), shown))
}

fn token_auth_basic(obs: &Observed) -> Outcome {
    let (basic, secret, _, shown) = token_auth(obs)?;
    if basic && !secret {
        return Ok(Verdict::pass("HTTP Basic, no secret in the body"));
    }
    Ok(Verdict::violation(
        "the token request did not use client_secret_basic",
        "Authorization: Basic, no client_secret in the body",
        shown,
    ))
}

fn token_auth_post(obs: &Observed) -> Outcome {
    let (basic, secret, id, shown) = token_auth(obs)?;
    if !basic && secret && id {
        return Ok(Verdict::pass("client_id and client_secret in the body"));
    }
    Ok(Verdict::violation(
        "the token request did not use client_secret_post",
        "client_id and client_secret in the body, no Basic",
        shown,
    ))
}

fn token_auth_none(obs: &Observed) -> Outcome {
    let (basic, secret, id, shown) = token_auth(obs)?;
    if !basic && !secret && id {
        return Ok(Verdict::pass("client_id only"));
    }
    Ok(Verdict::violation(
        "the public client authenticated otherwise",
        "client_id in the body, no secret, no Basic",
        shown,
    ))
}

fn pre_registration(obs: &Observed) -> Outcome {
    let (asked, auth) = asked_scope(obs)?;
    let _ = asked;
    let id = auth.form(false).get("client_id").cloned();
    let registered = !to(obs, "POST", "/register").is_empty();
    if id.as_deref() == Some(PRE_REGISTERED_ID) && !registered {
        return Ok(Verdict::pass(format!("client_id {PRE_REGISTERED_ID}, no registration")));
    }
    Ok(Verdict::violation(
        "the handed credentials were not used",
        format!("client_id {PRE_REGISTERED_ID} from MCP_CONFORMANCE_CONTEXT, no POST /register"),
        format!("client_id {id:?}; registered: {registered}"),
    ))
}

fn resource_mismatch(obs: &Observed) -> Outcome {
    if obs.seen.iter().all(|s| !path_of(s).contains("protected-resource")) {
        return Err(obs.nothing("request for protected resource metadata"));
    }
    let went_on: Vec<String> = obs
        .seen
        .iter()
        .filter(|s| matches!(path_of(s), "/authorize" | "/token"))
        .map(|s| s.describe())
        .collect();
    if went_on.is_empty() {
        return Ok(Verdict::pass("the client stopped at resource metadata for another resource"));
    }
    Ok(Verdict::violation(
        "the client used resource metadata for another resource",
        "no authorization or token request",
        went_on.join("; "),
    ))
}

pub(super) fn describe_all(obs: &Observed) -> String {
    let all: Vec<String> = obs.seen.iter().map(|s| format!("{} → {}", s.describe(), s.status)).collect();
    if all.is_empty() { "no requests".into() } else { all.join("; ") }
}
