//! Token handling (`basic/authorization`, "Access Token Usage", "Error
//! Handling"; RFC 6750; RFC 8707): which tokens a protected MCP server
//! accepts, and that it refuses every other one with 401 (bad token) or 403
//! (token without the scope the call needs).
//!
//! Tokens come from the run's token source ([`crate::oauth::source`]); a case
//! the source cannot supply is skipped with its reason.

use super::{PAGE, bearer, bearer_challenge, endpoint_at, endpoint_with, first_request, source, token_for};
use crate::checks::{Check, Ctx, Outcome, Transports, Verdict, verify};
use crate::oauth::mint::TokenCase;
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use crate::wire::session::{HeaderChoice, SendOpts, Session};
use base64::Engine;
use serde_json::{Value, json};

const HANDLING: SpecRef = SpecRef { page: PAGE, anchor: "token-handling" };
const USAGE: SpecRef = SpecRef { page: PAGE, anchor: "token-requirements" };
const SINCE: Revisions = Revisions::since(SpecVersion::V2025_06_18);
const INVALID_401: &str = "MCP servers, acting in their role as an OAuth 2.1 resource server, MUST validate access tokens as described in OAuth 2.1 Section 5.2. [...] If validation fails, servers MUST respond according to OAuth 2.1 Section 5.3 error handling requirements. Invalid or expired tokens MUST receive a HTTP 401 response.";

macro_rules! refused {
    ($id:literal, $title:literal, $f:ident, $req:expr) => {
        Check {
            id: $id,
            title: $title,
            level: Level::Must,
            revisions: SINCE,
            transports: Transports::HttpOnly,
            spec: HANDLING,
            requirement: $req,
            run: runs!($f),
        }
    };
}

pub const CHECKS: &[Check] = &[
    Check {
        id: "auth/tokens/valid-accepted",
        title: "a valid token for this resource is accepted",
        level: Level::Must,
        revisions: SINCE,
        transports: Transports::HttpOnly,
        spec: USAGE,
        requirement: "MCP client MUST use the Authorization request header field defined in OAuth 2.1 Section 5.1.1: Authorization: Bearer <access-token> (a resource server accepts a valid token sent so).",
        run: runs!(valid_accepted),
    },
    refused!(
        "auth/tokens/malformed-401",
        "a token that is not a JWT is answered 401",
        malformed,
        INVALID_401
    ),
    refused!(
        "auth/tokens/bad-signature-401",
        "a token whose signature does not verify is answered 401",
        bad_signature,
        INVALID_401
    ),
    refused!(
        "auth/tokens/alg-none-401",
        "an unsigned token (alg none) is answered 401",
        alg_none,
        INVALID_401
    ),
    refused!(
        "auth/tokens/wrong-issuer-401",
        "a token from another issuer is answered 401",
        wrong_issuer,
        "MCP servers MUST only accept tokens that are valid for use with their own resources. MCP servers MUST NOT accept or transit any other tokens. (Invalid tokens MUST receive a HTTP 401 response.)"
    ),
    refused!(
        "auth/tokens/wrong-audience-401",
        "a token for another resource is answered 401",
        wrong_audience,
        "MCP servers MUST validate that access tokens were issued specifically for them as the intended audience, according to RFC 8707 Section 2. [...] Invalid or expired tokens MUST receive a HTTP 401 response."
    ),
    refused!("auth/tokens/expired-401", "an expired token is answered 401", expired, INVALID_401),
    refused!(
        "auth/tokens/not-yet-valid-401",
        "a token before its nbf is answered 401",
        not_yet_valid,
        INVALID_401
    ),
    Check {
        id: "auth/tokens/missing-scope-403",
        title: "a token without the scope a call needs is answered 403 insufficient_scope",
        level: Level::Must,
        revisions: SINCE,
        transports: Transports::HttpOnly,
        spec: SpecRef { page: PAGE, anchor: "error-handling" },
        requirement: "Servers MUST return appropriate HTTP status codes for authorization errors: 403 Forbidden — Invalid scopes or insufficient permissions. (RFC 6750 §3.1 insufficient_scope: The resource server SHOULD respond with the HTTP 403 (Forbidden) status code and MAY include the \"scope\" attribute with the scope necessary to access the protected resource.)",
        run: runs!(missing_scope),
    },
    Check {
        id: "auth/tokens/scope-challenge-sufficient",
        title: "a token with the scopes a 403 challenge names is served",
        level: Level::Should,
        revisions: Revisions::since(SpecVersion::V2026_07_28),
        transports: Transports::HttpOnly,
        spec: SpecRef { page: PAGE, anchor: "runtime-insufficient-scope-errors" },
        requirement: "Whatever scope-inclusion strategy a server adopts, servers SHOULD include all scopes required for the current operation in a single challenge.",
        run: runs!(scope_challenge_sufficient),
    },
    refused!(
        "auth/tokens/query-rejected",
        "a token in the URI query string is not accepted",
        query_rejected,
        "Access tokens MUST NOT be included in the URI query string"
    ),
    Check {
        id: "auth/tokens/session-not-credential",
        title: "a session id without a token is answered 401",
        level: Level::Must,
        revisions: Revisions::between(SpecVersion::V2025_06_18, SpecVersion::V2025_11_25),
        transports: Transports::HttpOnly,
        spec: USAGE,
        requirement: "Note that authorization MUST be included in every HTTP request from client to server, even if they are part of the same logical session.",
        run: runs!(session_not_credential),
    },
    refused!(
        "auth/tokens/basic-scheme-401",
        "credentials under the Basic scheme are answered 401",
        basic_scheme,
        "MCP client MUST use the Authorization request header field defined in OAuth 2.1 Section 5.1.1: Authorization: Bearer <access-token> (anything else is no valid credential: 401)."
    ),
    Check {
        id: "auth/tokens/scheme-case-insensitive",
        title: "the Bearer scheme name is matched case-insensitively",
        level: Level::Should,
        revisions: SINCE,
        transports: Transports::HttpOnly,
        spec: USAGE,
        requirement: "RFC 9110 §11.1: It uses a case-insensitive token to identify the authentication scheme (so \"bearer TOKEN\" is the same credential as \"Bearer TOKEN\").",
        run: runs!(scheme_case_insensitive),
    },
];

/// The answer to the first request with exactly this Authorization value.
async fn with_authorization(
    ctx: &Ctx,
    value: String,
) -> Result<(Session, crate::wire::session::Answered), Verdict> {
    let e = endpoint_with(ctx, vec![("Authorization".into(), value)])?;
    first_request(ctx, &e).await
}

/// The first request succeeds: 2xx and a result.
fn accepted(a: &crate::wire::session::Answered, what: &str) -> Result<(), Verdict> {
    match a.reply.status() {
        Some(200..=299) => verify::result(a).map(|_| ()),
        _ => Err(Verdict::violation(
            format!("{what} was refused"),
            "HTTP 2xx with a result",
            a.reply.summary(),
        )),
    }
}

async fn valid_accepted(ctx: &Ctx) -> Outcome {
    let token = token_for(ctx, TokenCase::Valid).await?;
    let (_, a) = with_authorization(ctx, format!("Bearer {token}")).await?;
    accepted(&a, "a valid token")?;
    Ok(Verdict::pass(format!("valid token accepted (source: {})", source(ctx))))
}

/// A token of `case` gets a 401.
async fn refused_401(ctx: &Ctx, case: TokenCase) -> Outcome {
    let token = token_for(ctx, case).await?;
    let (_, a) = with_authorization(ctx, format!("Bearer {token}")).await?;
    verify::status(
        &a.reply,
        401,
        &format!("{} token must be refused with 401", crate::report::text::with_article(case.name())),
    )?;
    Ok(Verdict::pass(format!("{case} token answered 401 (source: {})", source(ctx))))
}

async fn malformed(ctx: &Ctx) -> Outcome {
    refused_401(ctx, TokenCase::Malformed).await
}
async fn bad_signature(ctx: &Ctx) -> Outcome {
    refused_401(ctx, TokenCase::BadSignature).await
}
async fn alg_none(ctx: &Ctx) -> Outcome {
    refused_401(ctx, TokenCase::AlgNone).await
}
async fn wrong_issuer(ctx: &Ctx) -> Outcome {
    refused_401(ctx, TokenCase::WrongIssuer).await
}
async fn wrong_audience(ctx: &Ctx) -> Outcome {
    refused_401(ctx, TokenCase::WrongAudience).await
}
async fn expired(ctx: &Ctx) -> Outcome {
    refused_401(ctx, TokenCase::Expired).await
}
async fn not_yet_valid(ctx: &Ctx) -> Outcome {
    refused_401(ctx, TokenCase::NotYetValid).await
}

fn scope_tool_args(tool: &str) -> Value {
    match tool {
        "add" | "subtract" => json!({"a": 1, "b": 2}),
        _ => json!({}),
    }
}

/// The answer to the scope tool's call with `token`: the first request's,
/// if the server refuses the token at once (403), else the call's. A tool
/// hidden from the scope-less token but listed for the valid one is called
/// all the same: hiding a tool is no refusal of its call.
async fn scope_tool_answer(ctx: &Ctx, token: &str) -> Result<crate::wire::session::Answered, Verdict> {
    let tool = ctx.auth.as_ref().map(|m| m.scope_tool.clone()).unwrap_or_default();
    let e = endpoint_with(ctx, bearer(token))?;
    let (mut s, first) = first_request(ctx, &e).await?;
    if first.reply.status() == Some(403) {
        return Ok(first);
    }
    if ctx.version.has_handshake() {
        verify::result(&first)?;
        s.notify("notifications/initialized", None).await?;
    }
    if !lists_tool(&mut s, &tool).await? {
        let valid = token_for(ctx, TokenCase::Valid).await?;
        let (mut v, first) = first_request(ctx, &endpoint_with(ctx, bearer(&valid))?).await?;
        if ctx.version.has_handshake() {
            verify::result(&first)?;
            v.notify("notifications/initialized", None).await?;
        }
        if !lists_tool(&mut v, &tool).await? {
            return Err(Verdict::Skip(format!(
                "the tool {tool:?} that needs a scope is not listed, even for the valid token; name one with --scope-tool"
            )));
        }
    }
    Ok(s.request("tools/call", Some(json!({"name": tool, "arguments": scope_tool_args(&tool)}))).await?)
}

async fn lists_tool(s: &mut Session, tool: &str) -> Result<bool, Verdict> {
    let list = s.request("tools/list", None).await?;
    Ok(list
        .result()
        .and_then(|r| r.get("tools"))
        .and_then(Value::as_array)
        .is_some_and(|t| t.iter().any(|t| t.get("name").and_then(Value::as_str) == Some(tool))))
}

async fn missing_scope(ctx: &Ctx) -> Outcome {
    let token = token_for(ctx, TokenCase::MissingScope).await?;
    let a = scope_tool_answer(ctx, &token).await?;
    verify::status(
        &a.reply,
        403,
        "a valid token without the needed scope must be refused with 403 Forbidden",
    )?;
    let c = bearer_challenge(&a.reply);
    let error = c.as_ref().and_then(|c| c.param("error"));
    let scope = c.as_ref().and_then(|c| c.param("scope")).filter(|s| !s.trim().is_empty());
    match (error, scope) {
        (Some("insufficient_scope"), Some(scope)) => {
            Ok(Verdict::pass(format!("403 insufficient_scope, scope=\"{scope}\" (source: {})", source(ctx))))
        }
        _ => Ok(Verdict::violation(
            "the 403 does not say insufficient_scope with the scope needed",
            "WWW-Authenticate: Bearer error=\"insufficient_scope\", scope=\"…\"",
            format!("WWW-Authenticate: {}", a.reply.header("www-authenticate").unwrap_or("(none)")),
        )),
    }
}

async fn scope_challenge_sufficient(ctx: &Ctx) -> Outcome {
    let token = token_for(ctx, TokenCase::MissingScope).await?;
    let Some(scoped) = ctx.auth.as_ref().and_then(|m| m.scoped.clone()) else {
        return Ok(Verdict::Skip(format!(
            "the token source ({}) cannot make a token with the scope a challenge names",
            source(ctx)
        )));
    };
    let a = scope_tool_answer(ctx, &token).await?;
    let named = bearer_challenge(&a.reply)
        .filter(|c| a.reply.status() == Some(403) && c.param("error") == Some("insufficient_scope"))
        .and_then(|c| c.param("scope").map(String::from))
        .filter(|s| !s.trim().is_empty());
    let Some(named) = named else {
        return Ok(Verdict::Skip(format!(
            "no 403 insufficient_scope challenge naming a scope ({}); auth/tokens/missing-scope-403 judges that",
            a.reply.summary()
        )));
    };
    // Step-up as the specification asks of clients: the scopes already
    // granted, with the challenged ones added.
    let granted = crate::oauth::mint::payload(&token)
        .and_then(|c| c.get("scope").and_then(Value::as_str).map(String::from))
        .unwrap_or_default();
    let mut union: Vec<&str> = granted.split_whitespace().collect();
    for s in named.split_whitespace() {
        if !union.contains(&s) {
            union.push(s);
        }
    }
    let union = union.join(" ");
    let stepped = scoped.token(&union).await.map_err(Verdict::Error)?;
    let again = scope_tool_answer(ctx, &stepped).await?;
    match again.reply.status() {
        Some(200..=299) if again.response().is_some() => Ok(Verdict::pass(format!(
            "a token with scope \"{union}\" was served after the challenge named \"{named}\""
        ))),
        _ => Ok(Verdict::violation(
            "a token with every scope the challenge named was refused again",
            format!("the call served with scope \"{union}\" (the challenge named \"{named}\")"),
            format!(
                "{} {}",
                again.reply.summary(),
                again
                    .reply
                    .header("www-authenticate")
                    .map(|w| format!("WWW-Authenticate: {w}"))
                    .unwrap_or_default()
            ),
        )),
    }
}

async fn query_rejected(ctx: &Ctx) -> Outcome {
    let token = token_for(ctx, TokenCase::Valid).await?;
    let crate::wire::session::Endpoint::Http(t) = &ctx.endpoint else {
        return Err(Verdict::Skip("HTTP only".into()));
    };
    let mut url = url::Url::parse(&t.url).map_err(|e| Verdict::Error(format!("endpoint URL: {e}")))?;
    url.query_pairs_mut().append_pair("access_token", &token);
    let e = endpoint_at(ctx, Some(url.as_str()), vec![])?;
    let (_, a) = first_request(ctx, &e).await?;
    verify::status(&a.reply, 401, "a token in the query string must not authorize the request")?;
    Ok(Verdict::pass("a valid token in the query string was not accepted (401)"))
}

async fn session_not_credential(ctx: &Ctx) -> Outcome {
    let token = token_for(ctx, TokenCase::Valid).await?;
    let (mut s, init) = with_authorization(ctx, format!("Bearer {token}")).await?;
    accepted(&init, "a valid token")?;
    if s.session_id.is_none() {
        return Ok(Verdict::Skip("the server issued no session id (sessions are optional)".into()));
    }
    // The same session on an endpoint that sends no Authorization at all.
    let bare = endpoint_with(ctx, vec![])?;
    let mut s2 = Session::connect(&bare, ctx.version, ctx.rec.clone())?;
    s2.session_id = s.session_id.take();
    s2.initialize = s.initialize.take();
    let opts = SendOpts { session_id: HeaderChoice::Auto, ..Default::default() };
    let a = s2.request_with("tools/list", None, &opts).await?;
    verify::status(&a.reply, 401, "a request with a valid session id but no token must be answered 401")?;
    Ok(Verdict::pass("the session id alone was answered 401"))
}

async fn basic_scheme(ctx: &Ctx) -> Outcome {
    let token = token_for(ctx, TokenCase::Valid).await?;
    let creds = base64::engine::general_purpose::STANDARD.encode(format!("mcpcheck:{token}"));
    let (_, a) = with_authorization(ctx, format!("Basic {creds}")).await?;
    verify::status(&a.reply, 401, "credentials under the Basic scheme must be answered 401")?;
    Ok(Verdict::pass("Basic credentials answered 401"))
}

async fn scheme_case_insensitive(ctx: &Ctx) -> Outcome {
    let token = token_for(ctx, TokenCase::Valid).await?;
    let (_, a) = with_authorization(ctx, format!("bearer {token}")).await?;
    accepted(&a, "a valid token under the scheme name \"bearer\"")?;
    Ok(Verdict::pass("\"bearer\" accepted as \"Bearer\""))
}
