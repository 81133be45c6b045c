//! Authorization checks: the MCP server as an OAuth 2.1 resource server
//! (`basic/authorization`), and the authorization server it points at.
//!
//! - [`challenge`]: the 401 answer to a request without a token.
//! - [`prm`]: RFC 9728 protected resource metadata.
//! - [`metadata`]: RFC 8414 / OpenID metadata of its authorization server.
//! - [`tokens`]: which tokens are accepted and how refusals look.
//! - [`as`](r#as): the authorization server driven through registration, the
//!   code flow with PKCE, and refresh.
//!
//! These checks run on Streamable HTTP only, and speak to the endpoint without
//! the run's `--header`s: they choose exactly which credential each request
//! carries. A target that answers without any token needs no authorization;
//! the checks then skip, unless a token source was given (the user says the
//! target is protected), where the missing 401 is itself the failure.

pub mod r#as;
pub mod challenge;
pub mod metadata;
pub mod prm;
pub mod tokens;

use super::{Ctx, Verdict};
use crate::oauth::mint::TokenCase;
use crate::wire::http::{HttpReply, HttpRequest, HttpTarget, Until};
use crate::wire::session::{Answered, Endpoint, Session};
use reqwest::Method;
use serde_json::Value;
use std::sync::Arc;

const PAGE: &str = "basic/authorization";

/// The endpoint with only `headers` on every request (none of the run's).
pub(crate) fn endpoint_with(ctx: &Ctx, headers: Vec<(String, String)>) -> Result<Endpoint, Verdict> {
    endpoint_at(ctx, None, headers)
}

/// Like [`endpoint_with`], at another URL (the endpoint with a query, a
/// metadata document).
pub(crate) fn endpoint_at(
    ctx: &Ctx,
    url: Option<&str>,
    headers: Vec<(String, String)>,
) -> Result<Endpoint, Verdict> {
    let Endpoint::Http(t) = &ctx.endpoint else {
        return Err(Verdict::Skip("authorization applies to Streamable HTTP only".into()));
    };
    let t = HttpTarget::new(url.unwrap_or(&t.url), headers, t.limits)?;
    Ok(Endpoint::Http(Arc::new(t)))
}

pub(crate) fn bearer(token: &str) -> Vec<(String, String)> {
    vec![("Authorization".into(), format!("Bearer {token}"))]
}

/// The revision's first request, carrying `headers`: `initialize` where there
/// is a handshake, `tools/list` on 2026-07-28.
pub(crate) async fn first_request(ctx: &Ctx, endpoint: &Endpoint) -> Result<(Session, Answered), Verdict> {
    let mut s = Session::connect(endpoint, ctx.version, ctx.rec.clone())?;
    let a = if ctx.version.has_handshake() {
        s.initialize(ctx.version.as_str()).await?
    } else {
        s.request("tools/list", None).await?
    };
    Ok((s, a))
}

/// The answer to the first request without any credential.
pub(crate) async fn unauthenticated(ctx: &Ctx) -> Result<Answered, Verdict> {
    let e = endpoint_with(ctx, vec![])?;
    Ok(first_request(ctx, &e).await?.1)
}

/// The 401 a request without a token gets; a skip when the target serves
/// such requests (it needs no authorization) or answers otherwise.
pub(crate) async fn challenge_401(ctx: &Ctx) -> Result<Answered, Verdict> {
    let a = unauthenticated(ctx).await?;
    match a.reply.status() {
        Some(401) => Ok(a),
        // The status is enough for a skip reason; the exchange itself is in
        // the report for whoever wants the body.
        other => Err(Verdict::Skip(format!(
            "the target does not require authorization: a request without a token got {}",
            other.map_or_else(|| "an answer".to_string(), |s| format!("HTTP {s}"))
        ))),
    }
}

/// The token for `case`, or a skip saying why there is none. Requires that
/// the target asks for authorization at all.
pub(crate) async fn token_for(ctx: &Ctx, case: TokenCase) -> Result<String, Verdict> {
    challenge_401(ctx).await?;
    let Some(m) = &ctx.auth else {
        if case == TokenCase::Malformed {
            return Ok(crate::oauth::mint::MALFORMED.into());
        }
        return Err(Verdict::Skip(
            "no token source: give --auth-issuer, --client-id/--client-secret, or --token".into(),
        ));
    };
    m.token(case).map(String::from).map_err(Verdict::Skip)
}

/// Where the tokens came from, for messages.
pub(crate) fn source(ctx: &Ctx) -> String {
    ctx.auth.as_ref().map(|m| m.source.clone()).unwrap_or_else(|| "mcpcheck's constant".into())
}

/// The Bearer challenge of a reply, if it has one.
pub(crate) fn bearer_challenge(reply: &crate::wire::session::Reply) -> Option<Challenge> {
    let http = reply.http.as_ref()?;
    http.headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("www-authenticate"))
        .flat_map(|(_, v)| parse_challenges(v))
        .find(Challenge::is_bearer)
}

/// GET a JSON document at `url`, recorded.
pub(crate) async fn get_json(ctx: &Ctx, url: &str) -> Result<(HttpReply, Option<Value>), Verdict> {
    let Endpoint::Http(t) = endpoint_at(ctx, Some(url), vec![])? else {
        return Err(Verdict::Error("not HTTP".into()));
    };
    let req = HttpRequest { method: Method::GET, headers: vec![], body: None, until: Until::End };
    let reply = t.send(req.header("Accept", "application/json"), &ctx.rec).await?;
    let json = (reply.status == 200).then(|| reply.json()).flatten().filter(Value::is_object);
    Ok((reply, json))
}

pub use crate::oauth::discovery::{Challenge, parse_challenges, split_url};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bearer_challenges() {
        let c = parse_challenges(
            r#"Basic realm="x", Bearer error="invalid_token", scope="a b", resource_metadata="http://h/.well-known/oauth-protected-resource/mcp""#,
        );
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].param("realm"), Some("x"));
        assert!(c[1].is_bearer());
        assert_eq!(c[1].param("scope"), Some("a b"));
        assert_eq!(c[1].param("error"), Some("invalid_token"));
        assert_eq!(parse_challenges("Bearer")[0].scheme, "Bearer");
        assert_eq!(parse_challenges("bearer realm=api")[0].param("realm"), Some("api"));
    }
}
