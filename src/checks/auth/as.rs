//! The authorization server itself, driven as an MCP client drives it
//! (`basic/authorization`, "Authorization Code Protection", "Token Audience
//! Binding", "Open Redirection", "Token Theft", and RFC 7591, 7636, 8707,
//! 9207): registration, the authorization request with PKCE, the code
//! exchange, refresh.
//!
//! Every step goes through [`crate::oauth::flow`] on the raw wire and is in
//! the check's exchanges. mcpcheck registers its own clients (a loopback
//! redirect URI nothing listens on; the redirect is read, never followed),
//! so these checks need an authorization server that offers dynamic
//! registration and approves without a person; otherwise they skip, saying
//! which. The server is the one the target's resource metadata names, or the
//! one `--authorization-server` names.

use super::{PAGE, metadata};
use crate::checks::{Check, Ctx, Outcome, Transports, Verdict};
use crate::oauth::flow::{
    AsClient, AuthMethod, Authorized, Client, FlowError, Pkce, REDIRECT_URI, Request, cut,
};
use crate::oauth::mint;
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use crate::wire::session::Endpoint;
use serde_json::{Value, json};

const SINCE: Revisions = Revisions::since(SpecVersion::V2025_06_18);
const ISS_SINCE: Revisions = Revisions::since(SpecVersion::V2026_07_28);
const PKCE: SpecRef = SpecRef { page: PAGE, anchor: "authorization-code-protection" };
const REGISTRATION: SpecRef = SpecRef { page: PAGE, anchor: "dynamic-client-registration" };
const ISS: SpecRef = SpecRef { page: PAGE, anchor: "authorization-response-validation" };

const fn check(
    id: &'static str,
    title: &'static str,
    level: Level,
    revisions: Revisions,
    spec: SpecRef,
    requirement: &'static str,
    run: for<'a> fn(&'a Ctx) -> futures::future::BoxFuture<'a, crate::checks::Outcome>,
) -> Check {
    Check { id, title, level, revisions, transports: Transports::HttpOnly, spec, requirement, run }
}

pub const CHECKS: &[Check] = &[
    check(
        "auth/as/registration-response",
        "a dynamic registration is answered 201 with the client id and every registered field",
        Level::Must,
        SINCE,
        REGISTRATION,
        "RFC 7591 §3.2.1: client_id REQUIRED. [...] Additionally, the authorization server MUST return all registered metadata about the client, including any fields provisioned by the authorization server itself. (§3.2.1: the response uses HTTP 201 Created.)",
        runs!(registration_response),
    ),
    check(
        "auth/as/pkce-verifier-checked",
        "a code exchanged with the wrong PKCE verifier is refused with invalid_grant",
        Level::Must,
        SINCE,
        PKCE,
        "RFC 7636 §4.6: If the values are not equal, an error response indicating \"invalid_grant\" as described in Section 5.2 of [RFC6749] MUST be returned. (MCP: clients MUST implement PKCE to prevent authorization code interception.)",
        runs!(pkce_verifier_checked),
    ),
    check(
        "auth/as/pkce-unsupported-method-refused",
        "an authorization request with a PKCE method the metadata does not list gets no code",
        Level::Must,
        SINCE,
        PKCE,
        "RFC 7636 §4.4.1: If the server supporting PKCE does not support the requested transformation, the authorization endpoint MUST return the authorization error response with \"error\" value set to \"invalid_request\".",
        runs!(pkce_unsupported_method),
    ),
    check(
        "auth/as/resource-audience",
        "a token issued for a resource names that resource as its audience",
        Level::Should,
        SINCE,
        SpecRef { page: PAGE, anchor: "token-audience-binding-and-validation" },
        "RFC 8707 Resource Indicators provide critical security benefits by binding tokens to their intended audiences when the Authorization Server supports the capability.",
        runs!(resource_audience),
    ),
    check(
        "auth/as/redirect-uri-exact",
        "the authorization endpoint never redirects to a URI that only starts like a registered one",
        Level::Must,
        SINCE,
        SpecRef { page: PAGE, anchor: "open-redirection" },
        "Authorization servers MUST validate exact redirect URIs against pre-registered values to prevent redirection attacks.",
        runs!(redirect_uri_exact),
    ),
    check(
        "auth/as/iss-in-response",
        "the authorization response carries iss, identical to the issuer",
        Level::Should,
        ISS_SINCE,
        ISS,
        "MCP authorization servers SHOULD include the iss parameter in authorization responses, including error responses, as defined in RFC9207 Section 2. (RFC 9207 §2: the iss value is the issuer identifier of the authorization server.)",
        runs!(iss_in_response),
    ),
    check(
        "auth/as/iss-advertised",
        "an authorization server that sends iss says so in its metadata",
        Level::Must,
        ISS_SINCE,
        ISS,
        "Authorization servers that include the iss parameter MUST advertise this by setting authorization_response_iss_parameter_supported to true in their metadata (RFC9207 Section 2.3).",
        runs!(iss_advertised),
    ),
    check(
        "auth/as/refresh-rotated",
        "a public client's refresh token is rotated: the used one stops working",
        Level::Must,
        SINCE,
        SpecRef { page: PAGE, anchor: "token-theft" },
        "For public clients, authorization servers MUST rotate refresh tokens as described in OAuth 2.1 Section 4.3.1 \"Token Endpoint Extension\".",
        runs!(refresh_rotated),
    ),
    check(
        "auth/as/auth-methods-honoured",
        "every client authentication method the metadata lists gets a token",
        Level::Should,
        SINCE,
        SpecRef { page: PAGE, anchor: "authorization-server-metadata-discovery" },
        "RFC 8414 §2: token_endpoint_auth_methods_supported — JSON array containing a list of client authentication methods supported by this token endpoint.",
        runs!(auth_methods_honoured),
    ),
    check(
        "auth/as/client-id-metadata-document",
        "where client ID metadata documents are offered, a client known only by its document gets a token",
        Level::Should,
        Revisions::since(SpecVersion::V2025_11_25),
        SpecRef { page: PAGE, anchor: "client-id-metadata-documents" },
        "Authorization servers and MCP clients SHOULD support OAuth Client ID Metadata Documents. (An authorization server that advertises client_id_metadata_document_supported takes a client_id that is the URL of the client's metadata document.)",
        runs!(client_id_metadata_document),
    ),
];

/// The authorization server to drive: its metadata, found as the metadata
/// checks find it, and a client on the check's recorder.
async fn server(ctx: &Ctx) -> Result<AsClient, Verdict> {
    let m = metadata::fetch(ctx).await?;
    let Endpoint::Http(t) = &ctx.endpoint else {
        return Err(Verdict::Skip("authorization applies to Streamable HTTP only".into()));
    };
    Ok(AsClient { issuer: m.issuer, metadata: m.doc, rec: ctx.rec.clone(), limits: t.limits })
}

/// The resource tokens are asked for: the MCP endpoint (for an
/// authorization server on its own, its issuer URL).
fn resource(ctx: &Ctx) -> String {
    match &ctx.endpoint {
        Endpoint::Http(t) => t.url.clone(),
        _ => String::new(),
    }
}

fn flow(e: FlowError) -> Verdict {
    match e {
        FlowError::Unsupported(why) => Verdict::Skip(why),
        e @ FlowError::NeedsPerson { .. } => Verdict::Skip(e.to_string()),
        e => Verdict::Error(e.to_string()),
    }
}

/// A client for the code flow: public where the server takes public
/// clients, else confidential with the first secret method it lists.
async fn code_client(s: &AsClient) -> Result<Client, Verdict> {
    if !s.grants("authorization_code") {
        return Err(Verdict::Skip(format!("{} does not offer the authorization code grant", s.issuer)));
    }
    let method = [AuthMethod::None, AuthMethod::Basic, AuthMethod::Post]
        .into_iter()
        .find(|m| s.takes(*m))
        .ok_or_else(|| {
            Verdict::Skip("the token endpoint lists no client authentication mcpcheck has".into())
        })?;
    s.register(method, &["authorization_code", "refresh_token"]).await.map_err(flow)
}

async fn registration_response(ctx: &Ctx) -> Outcome {
    let s = server(ctx).await?;
    let method = if s.takes(AuthMethod::None) { AuthMethod::None } else { AuthMethod::Basic };
    let sent = json!({
        "client_name": "mcpcheck",
        "redirect_uris": [REDIRECT_URI],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": method.name(),
    });
    let r = s.register_raw(sent.clone()).await.map_err(flow)?;
    if r.status != 201 {
        return Ok(Verdict::violation(
            "the registration was not answered 201 Created",
            "HTTP 201 with the client information",
            format!("HTTP {}: {}", r.status, cut(&r.body.to_string())),
        ));
    }
    if r.body.get("client_id").and_then(Value::as_str).is_none_or(str::is_empty) {
        return Ok(Verdict::violation(
            "the registration response has no client_id",
            "client_id: a string",
            cut(&r.body.to_string()),
        ));
    }
    let missing: Vec<&str> = sent
        .as_object()
        .into_iter()
        .flat_map(|o| o.keys())
        .filter(|k| r.body.get(k.as_str()).is_none())
        .map(String::as_str)
        .collect();
    if missing.is_empty() {
        Ok(Verdict::pass("201 with client_id and every registered field"))
    } else {
        Ok(Verdict::violation(
            "the registration response leaves out fields the client registered",
            format!("every registered field: {}", keys(&sent)),
            format!("missing {}", missing.join(", ")),
        ))
    }
}

async fn pkce_verifier_checked(ctx: &Ctx) -> Outcome {
    let s = server(ctx).await?;
    let client = code_client(&s).await?;
    let pkce = Pkce::new();
    let code = s.code(&client, &pkce, Some(&resource(ctx)), None).await.map_err(flow)?;
    let wrong = Pkce::new().verifier;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", wrong.as_str()),
    ];
    let a = s.token(&client, &form).await.map_err(flow)?;
    match (a.status, a.error()) {
        (400, Some("invalid_grant")) => {
            Ok(Verdict::pass("the wrong verifier was refused: 400 invalid_grant"))
        }
        (status, error) => Ok(Verdict::violation(
            "a code was exchanged with a code_verifier that does not match its challenge",
            "HTTP 400 with error invalid_grant",
            match a.access_token() {
                Some(_) => format!("HTTP {status} with an access token"),
                None => format!("HTTP {status}, error {error:?}"),
            },
        )),
    }
}

async fn pkce_unsupported_method(ctx: &Ctx) -> Outcome {
    let s = server(ctx).await?;
    if s.lists("code_challenge_methods_supported", "plain") {
        return Ok(Verdict::Skip("the metadata lists the plain method; no unsupported one to try".into()));
    }
    let client = code_client(&s).await?;
    let pkce = Pkce::new();
    // plain: the challenge is the verifier itself (RFC 7636 §4.2).
    let req = Request { challenge: Some(("plain".into(), pkce.verifier.clone())), ..Request::default() };
    let a = s.authorize(&client, &req).await.map_err(flow)?;
    match &a {
        Authorized::Redirect { .. } if a.param("code").is_some() => Ok(Verdict::violation(
            "a code was issued for code_challenge_method plain, which the metadata does not list",
            "the authorization error response with error invalid_request",
            a.summary(),
        )),
        Authorized::Redirect { .. } if a.param("error") == Some("invalid_request") => {
            Ok(Verdict::pass("plain was refused with error invalid_request"))
        }
        Authorized::Redirect { .. } => Ok(Verdict::violation(
            "plain was refused, with another error than the one RFC 7636 names",
            "error invalid_request",
            format!("error {:?}", a.param("error")),
        )),
        Authorized::Page { status, .. } if *status >= 400 => {
            Ok(Verdict::pass(format!("plain was refused without a code (HTTP {status})")))
        }
        Authorized::Page { status, .. } => Ok(Verdict::Skip(format!(
            "the authorization endpoint answered HTTP {status} without a redirect: it wants a person"
        ))),
    }
}

async fn resource_audience(ctx: &Ctx) -> Outcome {
    let s = server(ctx).await?;
    let client = code_client(&s).await?;
    let want = resource(ctx);
    let t = s.code_flow(&client, Some(&want), None).await.map_err(flow)?;
    let Some(claims) = t.access_token().and_then(mint::payload) else {
        return Ok(Verdict::Skip("the access token is not a JWT: its audience cannot be read".into()));
    };
    let aud = claims.get("aud");
    let names = |v: &Value| v.as_str() == Some(want.as_str());
    let ok = aud.is_some_and(|a| names(a) || a.as_array().is_some_and(|l| l.iter().any(names)));
    if ok {
        Ok(Verdict::pass(format!("aud names {want}")))
    } else {
        Ok(Verdict::violation(
            "the token issued for a resource is not audience-restricted to it",
            format!("aud containing {want:?}"),
            format!("aud {}", aud.map(Value::to_string).unwrap_or_else(|| "absent".into())),
        ))
    }
}

async fn redirect_uri_exact(ctx: &Ctx) -> Outcome {
    let s = server(ctx).await?;
    let client = code_client(&s).await?;
    // First the registered URI, so that a server that needs a person is
    // told apart from one that refuses.
    let pkce = Pkce::new();
    s.code(&client, &pkce, None, None).await.map_err(flow)?;
    let lookalike = format!("{REDIRECT_URI}.attacker.example");
    let req = Request {
        redirect_uri: Some(lookalike.clone()),
        challenge: Some(("S256".into(), pkce.challenge)),
        ..Request::default()
    };
    match s.authorize(&client, &req).await.map_err(flow)? {
        Authorized::Redirect { location, .. } if location.starts_with(&lookalike) => Ok(Verdict::violation(
            "the authorization endpoint redirected to a URI that was never registered",
            format!("no redirect to {lookalike} (registered: {REDIRECT_URI})"),
            format!("a redirect to {location}"),
        )),
        a => Ok(Verdict::pass(format!("the look-alike redirect URI got {}", a.summary()))),
    }
}

/// The `iss` of a successful authorization response.
async fn authorization_iss(ctx: &Ctx) -> Result<(AsClient, Option<String>), Verdict> {
    let s = server(ctx).await?;
    let client = code_client(&s).await?;
    let pkce = Pkce::new();
    let req = Request { challenge: Some(("S256".into(), pkce.challenge)), ..Request::default() };
    match s.authorize(&client, &req).await.map_err(flow)? {
        Authorized::Page { status, .. } => Err(Verdict::Skip(format!(
            "the authorization endpoint answered HTTP {status} without a redirect: it wants a person"
        ))),
        a => {
            let iss = a.param("iss").map(String::from);
            Ok((s, iss))
        }
    }
}

async fn iss_in_response(ctx: &Ctx) -> Outcome {
    let (s, iss) = authorization_iss(ctx).await?;
    match iss {
        // RFC 9207 §2.4: compared as strings, no normalisation.
        Some(i) if i == s.issuer => Ok(Verdict::pass(format!("iss {i}"))),
        other => Ok(Verdict::violation(
            "the authorization response does not identify its issuer",
            format!("iss {:?}", s.issuer),
            other.map(|i| format!("iss {i:?}")).unwrap_or_else(|| "no iss".into()),
        )),
    }
}

async fn iss_advertised(ctx: &Ctx) -> Outcome {
    let (s, iss) = authorization_iss(ctx).await?;
    let Some(iss) = iss else {
        return Ok(Verdict::Skip("the authorization response carries no iss: nothing to advertise".into()));
    };
    let flag = s.metadata.get("authorization_response_iss_parameter_supported");
    if flag.and_then(Value::as_bool) == Some(true) {
        Ok(Verdict::pass("iss sent and authorization_response_iss_parameter_supported: true"))
    } else {
        Ok(Verdict::violation(
            format!("the authorization response carries iss {iss:?}, but the metadata does not advertise it"),
            "authorization_response_iss_parameter_supported: true",
            format!(
                "authorization_response_iss_parameter_supported {}",
                flag.map(Value::to_string).unwrap_or_else(|| "absent".into())
            ),
        ))
    }
}

async fn refresh_rotated(ctx: &Ctx) -> Outcome {
    let s = server(ctx).await?;
    if !s.takes(AuthMethod::None) {
        return Ok(Verdict::Skip("the token endpoint takes no public clients (auth method none)".into()));
    }
    if !s.grants("refresh_token") {
        return Ok(Verdict::Skip(format!("{} does not offer the refresh_token grant", s.issuer)));
    }
    let client =
        s.register(AuthMethod::None, &["authorization_code", "refresh_token"]).await.map_err(flow)?;
    let first = s.code_flow(&client, Some(&resource(ctx)), None).await.map_err(flow)?;
    let Some(old) = first.field("refresh_token").map(String::from) else {
        return Ok(Verdict::Skip("the code exchange issued no refresh token".into()));
    };
    let second = refresh(&s, &client, &old).await.map_err(flow)?;
    if second.access_token().is_none() {
        return Ok(Verdict::Error(format!(
            "the first refresh was refused: HTTP {} {}",
            second.status,
            cut(&second.body.to_string())
        )));
    }
    match second.field("refresh_token") {
        Some(new) if new != old => {}
        other => {
            return Ok(Verdict::violation(
                "a refresh did not rotate the refresh token",
                "a new refresh_token in the refresh response",
                match other {
                    Some(_) => "the same refresh_token again".into(),
                    None => "no refresh_token".to_string(),
                },
            ));
        }
    }
    let replay = refresh(&s, &client, &old).await.map_err(flow)?;
    match replay.access_token() {
        None if replay.status >= 400 => Ok(Verdict::pass(format!(
            "rotated; the used refresh token was refused (HTTP {}, {:?})",
            replay.status,
            replay.error()
        ))),
        _ => Ok(Verdict::violation(
            "a used refresh token still works",
            "the used refresh token refused (invalid_grant)",
            format!("HTTP {} with an access token", replay.status),
        )),
    }
}

async fn refresh(
    s: &AsClient,
    client: &Client,
    rt: &str,
) -> Result<crate::oauth::flow::TokenAnswer, FlowError> {
    s.token(client, &[("grant_type", "refresh_token"), ("refresh_token", rt)]).await
}

async fn auth_methods_honoured(ctx: &Ctx) -> Outcome {
    let s = server(ctx).await?;
    if s.endpoint("registration_endpoint").is_none() {
        return Ok(Verdict::Skip(format!(
            "{} offers no registration: mcpcheck has no client of each kind",
            s.issuer
        )));
    }
    let methods: Vec<AuthMethod> =
        [AuthMethod::Basic, AuthMethod::Post, AuthMethod::None].into_iter().filter(|m| s.takes(*m)).collect();
    let mut refused = Vec::new();
    let mut tried = Vec::new();
    for m in &methods {
        let cc = *m != AuthMethod::None && s.grants("client_credentials");
        if !cc && !s.grants("authorization_code") {
            continue;
        }
        let grants: &[&str] = if cc { &["client_credentials"] } else { &["authorization_code"] };
        let client = s.register(*m, grants).await.map_err(flow)?;
        let answer = if cc {
            s.token(&client, &[("grant_type", "client_credentials"), ("resource", &resource(ctx))]).await
        } else {
            s.code_flow(&client, Some(&resource(ctx)), None).await
        };
        tried.push(m.name());
        match answer {
            Ok(a) if a.access_token().is_some() => {}
            Ok(a) => refused.push(format!("{}: HTTP {} {}", m.name(), a.status, cut(&a.body.to_string()))),
            Err(e @ FlowError::Refused { .. }) => refused.push(format!("{}: {e}", m.name())),
            Err(e) => return Err(flow(e)),
        }
    }
    if tried.is_empty() {
        return Ok(Verdict::Skip("no listed method has a grant mcpcheck can use".into()));
    }
    if refused.is_empty() {
        Ok(Verdict::pass(format!("a token with each of {}", tried.join(", "))))
    } else {
        Ok(Verdict::violation(
            "a client authentication method the metadata lists does not get a token",
            format!("a token with each of {}", tried.join(", ")),
            refused.join("; "),
        ))
    }
}

async fn client_id_metadata_document(ctx: &Ctx) -> Outcome {
    let s = server(ctx).await?;
    if s.metadata.get("client_id_metadata_document_supported").and_then(Value::as_bool) != Some(true) {
        return Ok(Verdict::Skip("the metadata does not offer client ID metadata documents".into()));
    }
    // mcpcheck serves its document on loopback only (it sends no traffic
    // anywhere else), so only an authorization server there can fetch it.
    let host = url::Url::parse(&s.issuer).ok().and_then(|u| u.host_str().map(String::from));
    if !matches!(host.as_deref(), Some("127.0.0.1" | "localhost" | "[::1]")) {
        return Ok(Verdict::Skip(format!(
            "mcpcheck serves its client metadata document on 127.0.0.1 only, which {} cannot fetch",
            s.issuer
        )));
    }
    let (client_id, _serving) = crate::oauth::cimd::serve(REDIRECT_URI)
        .await
        .map_err(|e| Verdict::Error(format!("cannot serve the client metadata document: {e}")))?;
    let client = Client { id: client_id.clone(), secret: None, method: AuthMethod::None };
    match s.code_flow(&client, Some(&resource(ctx)), None).await {
        Ok(_) => Ok(Verdict::pass(format!("client {client_id} (a metadata document) got a token"))),
        Err(FlowError::Refused { what, status, body }) => Ok(Verdict::violation(
            "a client known only by its metadata document was refused",
            format!("a code and a token for client_id {client_id}"),
            format!("{what}: HTTP {status} {body}"),
        )),
        Err(e) => Err(flow(e)),
    }
}

fn keys(v: &Value) -> String {
    v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>().join(", ")).unwrap_or_default()
}
