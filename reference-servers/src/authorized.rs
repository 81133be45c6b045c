//! The authorized server (`mcpcheck serve authorized`): the plain server
//! behind an OAuth 2.1 resource-server layer, as a resource server protected by an OAuth authorization server is built
//! with Auth0.
//!
//! Every request needs `Authorization: Bearer <JWT>` (a session id never
//! authenticates). No or bad token: 401 with `WWW-Authenticate: Bearer
//! resource_metadata="…", scope="…"` (plus `error="invalid_token"` for a bad
//! one). A valid token without the scope a tool needs (`add` needs
//! `read:add`): 403 `insufficient_scope`. Protected resource metadata (RFC
//! 9728) is served at `/.well-known/oauth-protected-resource<path>` and at the
//! root.
//!
//! `Authorization` is read as RFC 9110 and RFC 6750 have it: the scheme in
//! any case, one or more spaces before the token, and one such header only
//! (a second is 400 `invalid_request`). Users copy this server, so the JWT
//! attacks it must refuse are each a test, in `attacks` (the validator) and
//! `attacks_http` (over loopback HTTP).
//!
//! Faults of [`crate::faults::Server::Authorized`] are each one `if
//! self.on(Fault::…)` below.

#[cfg(test)]
mod attacks;
#[cfg(test)]
mod attacks_http;
#[cfg(test)]
mod fuzz;
mod jwks;
mod scopes;
#[cfg(test)]
mod testkit;
mod validate;
mod verified;

use std::sync::Arc;

use axum::{
    Json, Router,
    body::{Body, to_bytes},
    extract::State,
    http::{HeaderValue, Request, Response, StatusCode, header},
    middleware::{self, Next},
    response::IntoResponse,
    routing::get,
};
use serde_json::json;
use tokio_util::sync::CancellationToken;

pub use validate::{
    KeySource, LEEWAY_SECS, MAX_TOKEN_BYTES, MIN_REFETCH_INTERVAL, Principal, Rejection, Validator,
};

use crate::{
    faults::{Fault, FaultSet},
    http::{HttpOptions, plain_router},
};

/// How to run the authorized server.
#[derive(Debug, Clone)]
pub struct AuthorizedOptions {
    /// The MCP endpoint path and the faults (plain and authorized ones).
    pub http: HttpOptions,
    /// The token issuer (`iss`), also listed in `authorization_servers`.
    pub issuer: String,
    /// Where its keys are.
    pub keys: KeySource,
    /// This resource's URL: the required `aud` and the metadata's `resource`.
    /// `None`: `http://<listen address><path>`.
    pub resource: Option<String>,
    /// Scope each tool needs; the seed's `add` needs `read:add`.
    pub tool_scopes: Vec<(String, String)>,
    /// Shortest time between two fetches of the issuer's keys (see
    /// [`MIN_REFETCH_INTERVAL`], the default).
    pub refetch_interval: std::time::Duration,
}

impl AuthorizedOptions {
    pub fn new(issuer: impl Into<String>, keys: KeySource) -> Self {
        AuthorizedOptions {
            http: HttpOptions::default(),
            issuer: issuer.into(),
            keys,
            resource: None,
            tool_scopes: vec![("add".into(), "read:add".into())],
            refetch_interval: MIN_REFETCH_INTERVAL,
        }
    }

    fn scopes_supported(&self) -> Vec<String> {
        let mut s: Vec<String> = self.tool_scopes.iter().map(|(_, s)| s.clone()).collect();
        s.sort();
        s.dedup();
        s
    }
}

struct AuthState {
    validator: Validator,
    resource: String,
    metadata_url: String,
    issuer: String,
    tool_scopes: Vec<(String, String)>,
    scopes_supported: Vec<String>,
    faults: FaultSet,
    /// Largest request body read to find the tool a call needs a scope for:
    /// the plain server's cap ([`crate::Limits::max_body`]), so both answer
    /// 413 past the same size.
    max_body: usize,
}

/// The URL of the RFC 9728 document for `resource`: the well-known path
/// inserted between origin and path.
pub fn metadata_url(resource: &str) -> String {
    let (origin, path) = split_origin(resource);
    format!("{origin}/.well-known/oauth-protected-resource{}", path.trim_end_matches('/'))
}

fn split_origin(url: &str) -> (&str, &str) {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[after_scheme..].find('/') {
        Some(i) => url.split_at(after_scheme + i),
        None => (url, ""),
    }
}

/// The router: the plain server's MCP route behind the auth layer, and the
/// protected resource metadata. `resource` must be known (see
/// [`serve_authorized_http`] for the default).
pub fn authorized_router(opts: AuthorizedOptions, resource: String) -> Router {
    let state = Arc::new(AuthState {
        validator: Validator::new(opts.issuer.clone(), resource.clone(), opts.keys.clone())
            .with_refetch_interval(opts.refetch_interval),
        metadata_url: metadata_url(&resource),
        issuer: opts.issuer.clone(),
        scopes_supported: opts.scopes_supported(),
        tool_scopes: opts.tool_scopes.clone(),
        faults: opts.http.faults.clone(),
        max_body: opts.http.limits.max_body,
        resource: resource.clone(),
    });
    let path = split_origin(&resource).1.trim_end_matches('/').to_string();
    let mcp = plain_router(opts.http).layer(middleware::from_fn_with_state(state.clone(), authorize));
    let mut prm = Router::new().route("/.well-known/oauth-protected-resource", get(protected_resource));
    if !path.is_empty() {
        prm = prm.route(&format!("/.well-known/oauth-protected-resource{path}"), get(protected_resource));
    }
    mcp.merge(prm.with_state(state))
}

/// Serves on a bound listener until `shutdown`, within `opts.http.limits`
/// (as the plain server; TCP_NODELAY too).
pub async fn serve_authorized_http(
    listener: tokio::net::TcpListener,
    opts: AuthorizedOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let addr = listener.local_addr()?;
    let path =
        if opts.http.path.starts_with('/') { opts.http.path.clone() } else { format!("/{}", opts.http.path) };
    let resource = opts.resource.clone().unwrap_or_else(|| format!("http://{addr}{path}"));
    let limits = opts.http.limits.clone();
    let app = authorized_router(opts, resource);
    // The router's MCP sessions have their own token (authorized_router
    // makes it); this one has nothing to cancel.
    crate::http::serve_router_with(listener, app, CancellationToken::new(), &limits, shutdown).await
}

async fn protected_resource(State(s): State<Arc<AuthState>>) -> Response<Body> {
    if s.on(Fault::NoResourceMetadata) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let resource =
        if s.on(Fault::PrmWrongResource) { format!("{}-other", s.resource) } else { s.resource.clone() };
    let servers = if s.on(Fault::PrmNoAuthorizationServers) { vec![] } else { vec![s.issuer.clone()] };
    let methods = if s.on(Fault::PrmAdvertisesQuery) { vec!["header", "query"] } else { vec!["header"] };
    Json(json!({
        "resource": resource,
        "authorization_servers": servers,
        "scopes_supported": s.scopes_supported,
        "bearer_methods_supported": methods,
        "resource_name": "mcpcheck authorized reference server",
    }))
    .into_response()
}

/// How a request presented (or failed to present) a credential.
enum Presented {
    None,
    /// More than one `Authorization` field line.
    Repeated,
    Bearer(String),
    /// Another scheme, or `Bearer` spelled in another case under the
    /// `scheme-case-sensitive` fault.
    Other,
}

impl AuthState {
    fn on(&self, fault: Fault) -> bool {
        self.faults.contains(fault)
    }

    fn presented(&self, req: &Request<Body>) -> Presented {
        if self.on(Fault::AcceptQueryToken)
            && let Some(t) = req
                .uri()
                .query()
                .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("access_token=")).map(String::from))
        {
            return Presented::Bearer(t);
        }
        let mut lines = req.headers().get_all(header::AUTHORIZATION).iter();
        let value = match (lines.next(), lines.next()) {
            (None, _) => return Presented::None,
            // RFC 9110 §5.3: Authorization is not a list, so a second line is
            // not a second credential to choose from but a malformed request
            // (and which one a proxy in front checked is anyone's guess).
            (Some(_), Some(_)) => return Presented::Repeated,
            (Some(v), None) => v,
        };
        let Ok(value) = value.to_str() else { return Presented::None };
        // RFC 9110 §5.5: whitespace around a field value is not part of it.
        // RFC 6750 §2.1: `credentials = "Bearer" 1*SP b64token`, so one or
        // more spaces (only spaces) between scheme and token; anything else
        // in the token (a tab, a second word) fails as a malformed token.
        let value = value.trim_matches([' ', '\t']);
        let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
        let token = rest.trim_start_matches(' ');
        // RFC 9110 §11.1: the scheme name is case-insensitive.
        let bearer = if self.on(Fault::SchemeCaseSensitive) {
            scheme == "Bearer"
        } else {
            scheme.eq_ignore_ascii_case("bearer")
        };
        match bearer {
            true if !token.is_empty() => Presented::Bearer(token.to_string()),
            _ => Presented::Other,
        }
    }

    /// A `WWW-Authenticate: Bearer …` challenge with these extra parameters.
    fn challenge(
        &self,
        status: StatusCode,
        error: Option<(&str, String)>,
        scope: Option<String>,
    ) -> Response<Body> {
        let mut params = Vec::new();
        if let Some((code, description)) = &error {
            params.push(format!("error=\"{code}\""));
            params.push(format!("error_description=\"{}\"", description.replace('"', "'")));
        }
        let scope =
            scope.or_else(|| (!self.scopes_supported.is_empty()).then(|| self.scopes_supported.join(" ")));
        if let Some(scope) = scope.filter(|_| !self.on(Fault::ChallengeNoScope)) {
            params.push(format!("scope=\"{scope}\""));
        }
        if self.on(Fault::PrmMissingAtChallengeUrl) {
            params.push(format!("resource_metadata=\"{}-missing\"", self.metadata_url));
        } else if !self.on(Fault::NoResourceMetadata) {
            params.push(format!("resource_metadata=\"{}\"", self.metadata_url));
        }
        let body = match &error {
            Some((code, description)) => json!({"error": code, "error_description": description}),
            None => json!({"error": "unauthorized", "error_description": "a bearer token is required"}),
        };
        let mut resp = (status, Json(body)).into_response();
        if !self.on(Fault::ChallengeNoWwwAuthenticate) {
            let value = if params.is_empty() {
                "Bearer".to_string()
            } else {
                format!("Bearer {}", params.join(", "))
            };
            if let Ok(v) = HeaderValue::from_str(&value) {
                resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
            }
        }
        resp
    }

    fn invalid_token(&self, why: &Rejection) -> Response<Body> {
        if self.on(Fault::ChallengeNoErrorCode) {
            return self.challenge(StatusCode::UNAUTHORIZED, None, None);
        }
        self.challenge(StatusCode::UNAUTHORIZED, Some(("invalid_token", why.to_string())), None)
    }

    /// Whether a fault makes this server accept a token refused for `why`.
    fn fault_accepts(&self, why: &Rejection) -> bool {
        match why {
            Rejection::BadSignature => self.on(Fault::AcceptBadSignature),
            Rejection::AlgNone => self.on(Fault::AcceptAlgNone),
            Rejection::WrongIssuer => self.on(Fault::AcceptWrongIssuer),
            Rejection::WrongAudience => self.on(Fault::AcceptWrongAudience),
            Rejection::Expired => self.on(Fault::AcceptExpired),
            Rejection::NotYetValid => self.on(Fault::AcceptNotYetValid),
            _ => false,
        }
    }

    /// The scopes a JSON-RPC body (message or batch) needs.
    fn needed_scopes(&self, body: &[u8]) -> Vec<String> {
        let mut needed = Vec::new();
        for name in scopes::called_tools(body) {
            for (tool, scope) in &self.tool_scopes {
                if *tool == name && !needed.contains(scope) {
                    needed.push(scope.clone());
                }
            }
        }
        needed
    }
}

async fn authorize(State(s): State<Arc<AuthState>>, req: Request<Body>, next: Next) -> Response<Body> {
    let principal = match s.presented(&req) {
        Presented::None if s.on(Fault::AuthNotRequired) => return next.run(req).await,
        Presented::None
            if s.on(Fault::SessionAuthenticates) && req.headers().contains_key("mcp-session-id") =>
        {
            return next.run(req).await;
        }
        Presented::Other if s.on(Fault::AcceptBasicScheme) && is_basic(&req) => return next.run(req).await,
        // No bearer credential at all: a bare challenge (RFC 6750 §3.1: no
        // error code when the request carried no token).
        Presented::None | Presented::Other => return s.challenge(StatusCode::UNAUTHORIZED, None, None),
        // RFC 6750 §3.1: a request that repeats a parameter or is otherwise
        // malformed is 400 `invalid_request`.
        Presented::Repeated => {
            let why = "more than one Authorization header".to_string();
            return s.challenge(StatusCode::BAD_REQUEST, Some(("invalid_request", why)), None);
        }
        Presented::Bearer(_) if s.on(Fault::RejectAllTokens) => {
            return s.invalid_token(&Rejection::Claims("this server refuses every token".into()));
        }
        Presented::Bearer(token) => match s.validator.validate(&token).await {
            Ok(p) => p,
            Err(why) if s.fault_accepts(&why) => {
                validate::unverified_claims(&token).map(|c| Principal::from_claims(&c)).unwrap_or_default()
            }
            Err(Rejection::Malformed) if s.on(Fault::MalformedToken400) => {
                return (StatusCode::BAD_REQUEST, "bad request").into_response();
            }
            Err(why) => return s.invalid_token(&why),
        },
    };
    if req.method() != axum::http::Method::POST || s.tool_scopes.is_empty() {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, s.max_body).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
    };
    let missing: Vec<String> =
        s.needed_scopes(&bytes).into_iter().filter(|sc| !principal.scopes.contains(sc)).collect();
    if !missing.is_empty() {
        let scope = if s.on(Fault::ScopeChallengeNamesOther) {
            Some(missing.iter().map(|m| format!("{m}:other")).collect::<Vec<_>>().join(" "))
        } else {
            Some(missing.join(" "))
        };
        let status =
            if s.on(Fault::InsufficientScope401) { StatusCode::UNAUTHORIZED } else { StatusCode::FORBIDDEN };
        let description = format!("the call needs scope {}", missing.join(" "));
        return s.challenge(status, Some(("insufficient_scope", description)), scope);
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

fn is_basic(req: &Request<Body>) -> bool {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.len() > 6 && v[..6].eq_ignore_ascii_case("basic "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_url_inserts_the_well_known_path() {
        assert_eq!(
            metadata_url("http://127.0.0.1:8000/mcp"),
            "http://127.0.0.1:8000/.well-known/oauth-protected-resource/mcp"
        );
        assert_eq!(
            metadata_url("https://a.example"),
            "https://a.example/.well-known/oauth-protected-resource"
        );
    }
}
