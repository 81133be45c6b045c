//! The 401 challenge (`basic/authorization`, "Authorization Server Location"
//! and "Protected Resource Metadata Discovery Requirements"; RFC 6750 §3,
//! RFC 9728 §5.1): what a protected MCP server answers to a request that
//! carries no token, or a bad one.

use super::{PAGE, bearer, bearer_challenge, challenge_401, endpoint_with, first_request, unauthenticated};
use crate::checks::{Check, Ctx, Outcome, Transports, Verdict};
use crate::oauth::mint::MALFORMED;
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};

const LOCATION: SpecRef = SpecRef { page: PAGE, anchor: "authorization-server-location" };

pub const CHECKS: &[Check] = &[
    Check {
        id: "auth/challenge/no-token-401",
        title: "a request without a token is answered 401",
        level: Level::Must,
        revisions: Revisions::since(SpecVersion::V2025_06_18),
        transports: Transports::HttpOnly,
        spec: SpecRef { page: PAGE, anchor: "token-handling" },
        requirement: "Note that authorization MUST be included in every HTTP request from client to server, even if they are part of the same logical session. (Invalid or expired tokens MUST receive a HTTP 401 response.)",
        run: runs!(no_token_401),
    },
    Check {
        id: "auth/challenge/bearer-scheme",
        title: "the 401 carries a WWW-Authenticate Bearer challenge",
        level: Level::Must,
        revisions: Revisions::since(SpecVersion::V2025_06_18),
        transports: Transports::HttpOnly,
        spec: LOCATION,
        requirement: "MCP servers MUST use the HTTP header WWW-Authenticate when returning a 401 Unauthorized to indicate the location of the resource server metadata URL as described in RFC9728 Section 5.1.",
        run: runs!(bearer_scheme),
    },
    Check {
        id: "auth/challenge/resource-metadata",
        title: "the challenge names the protected resource metadata (resource_metadata), which is served there",
        level: Level::Must,
        revisions: Revisions::between(SpecVersion::V2025_06_18, SpecVersion::V2025_06_18),
        transports: Transports::HttpOnly,
        spec: LOCATION,
        requirement: "MCP servers MUST use the HTTP header WWW-Authenticate when returning a 401 Unauthorized to indicate the location of the resource server metadata URL as described in RFC9728 Section 5.1.",
        run: runs!(resource_metadata),
    },
    Check {
        id: "auth/challenge/scope",
        title: "the challenge names the scope needed (scope)",
        level: Level::Should,
        revisions: Revisions::since(SpecVersion::V2025_11_25),
        transports: Transports::HttpOnly,
        spec: SpecRef { page: PAGE, anchor: "protected-resource-metadata-discovery-requirements" },
        requirement: "MCP servers SHOULD include a scope parameter in the WWW-Authenticate header as defined in RFC 6750 Section 3 to indicate the scopes required for accessing the resource.",
        run: runs!(scope),
    },
    Check {
        id: "auth/challenge/invalid-token-error",
        title: "a bad token is answered with error=\"invalid_token\"",
        level: Level::Should,
        revisions: Revisions::since(SpecVersion::V2025_06_18),
        transports: Transports::HttpOnly,
        spec: SpecRef { page: PAGE, anchor: "error-handling" },
        requirement: "RFC 6750 §3.1: If the protected resource request included an access token and failed authentication, the resource server SHOULD include the \"error\" attribute to provide the client with the reason why the access request was declined. (invalid_token: The access token provided is expired, revoked, malformed, or invalid for other reasons. The resource SHOULD respond with the HTTP 401 (Unauthorized) status code.)",
        run: runs!(invalid_token_error),
    },
];

async fn no_token_401(ctx: &Ctx) -> Outcome {
    let a = unauthenticated(ctx).await?;
    match a.reply.status() {
        Some(401) => Ok(Verdict::pass("401 Unauthorized")),
        status if ctx.auth.is_none() => Ok(Verdict::Skip(format!(
            "the target does not require authorization: a request without a token got {} (give a token source to insist)",
            status.map_or_else(|| "an answer".to_string(), |s| format!("HTTP {s}"))
        ))),
        _ => Ok(Verdict::violation(
            "a request without a token was not refused, although the target is protected (a token source was given)",
            "HTTP 401 with a WWW-Authenticate challenge",
            a.reply.summary(),
        )),
    }
}

async fn bearer_scheme(ctx: &Ctx) -> Outcome {
    let a = challenge_401(ctx).await?;
    match (a.reply.header("www-authenticate"), bearer_challenge(&a.reply)) {
        (_, Some(_)) => Ok(Verdict::pass("401 with a Bearer challenge")),
        (None, None) => Ok(Verdict::violation(
            "the 401 has no WWW-Authenticate header",
            "WWW-Authenticate: Bearer resource_metadata=\"…\"",
            a.reply.summary(),
        )),
        (Some(v), None) => Ok(Verdict::violation(
            "the WWW-Authenticate header holds no Bearer challenge",
            "a Bearer challenge",
            format!("WWW-Authenticate: {v}"),
        )),
    }
}

async fn resource_metadata(ctx: &Ctx) -> Outcome {
    let a = challenge_401(ctx).await?;
    let c = bearer_challenge(&a.reply)
        .ok_or_else(|| Verdict::Skip("no Bearer challenge (auth/challenge/bearer-scheme fails)".into()))?;
    match c.param("resource_metadata") {
        Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
            // The URL must lead somewhere: a client of this revision has no
            // other way to the metadata.
            let (reply, doc) = super::get_json(ctx, url).await?;
            if doc.is_none() {
                return Ok(Verdict::violation(
                    format!("the resource_metadata URL {url} serves no protected resource metadata"),
                    "HTTP 200 with the protected resource metadata (a JSON object) at the resource_metadata URL",
                    format!("HTTP {}", reply.status),
                ));
            }
            Ok(Verdict::pass(format!("resource_metadata=\"{url}\" serves the metadata")))
        }
        other => Ok(Verdict::violation(
            "the Bearer challenge names no resource metadata URL",
            "resource_metadata=\"<URL of the protected resource metadata>\"",
            format!(
                "WWW-Authenticate: {} (resource_metadata {other:?})",
                a.reply.header("www-authenticate").unwrap_or("")
            ),
        )),
    }
}

async fn scope(ctx: &Ctx) -> Outcome {
    let a = challenge_401(ctx).await?;
    let c = bearer_challenge(&a.reply)
        .ok_or_else(|| Verdict::Skip("no Bearer challenge (auth/challenge/bearer-scheme fails)".into()))?;
    match c.param("scope") {
        Some(s) if !s.trim().is_empty() => Ok(Verdict::pass(format!("scope=\"{s}\""))),
        _ => Ok(Verdict::violation(
            "the Bearer challenge names no scope",
            "scope=\"<scopes needed>\"",
            format!("WWW-Authenticate: {}", a.reply.header("www-authenticate").unwrap_or("")),
        )),
    }
}

async fn invalid_token_error(ctx: &Ctx) -> Outcome {
    challenge_401(ctx).await?;
    let e = endpoint_with(ctx, bearer(MALFORMED))?;
    let (_, a) = first_request(ctx, &e).await?;
    if a.reply.status() != Some(401) {
        return Err(Verdict::Skip(format!(
            "a malformed token was not answered 401 ({}); auth/tokens/malformed-401 judges that",
            a.reply.summary()
        )));
    }
    match bearer_challenge(&a.reply).as_ref().and_then(|c| c.param("error")) {
        Some("invalid_token") => Ok(Verdict::pass("401 with error=\"invalid_token\"")),
        other => Ok(Verdict::violation(
            "the 401 for a malformed token does not say error=\"invalid_token\"",
            "WWW-Authenticate: Bearer error=\"invalid_token\", …",
            format!(
                "WWW-Authenticate: {} (error {other:?})",
                a.reply.header("www-authenticate").unwrap_or("(none)")
            ),
        )),
    }
}
