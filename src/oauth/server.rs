//! The test authorization server (`mcpcheck authserver`): OAuth 2.1 for local
//! and CI use, with nothing to configure.
//!
//! * RFC 8414 metadata and OpenID discovery, JWKS (RS256 and ES256 keys made at
//!   start).
//! * `client_credentials` with `client_secret_basic` or `client_secret_post`.
//! * Authorization code with PKCE S256, consent given automatically (a test
//!   server has no user to ask).
//! * RFC 7591 dynamic client registration, and Client ID Metadata Documents
//!   (a URL as `client_id`; see [`super::cimd`]).
//! * Refresh tokens, rotated on every use (the old one stops working).
//! * The token's audience from RFC 8707 `resource` or Auth0's `audience`.
//! * `POST /mcpcheck/mint`: signs the harness's test tokens (valid, expired,
//!   wrong audience, …) so `mcpcheck test --auth-issuer` can check a resource
//!   server that trusts this issuer. A real server would never do this; this
//!   one exists to be trusted by test targets only, and listens on loopback by
//!   default.
//!
//! * RFC 9207 `iss` in every authorization response, advertised.
//!
//! Faults (`as-*` in the catalogue) break its metadata for the metadata
//! checks, and its endpoints for the `auth/as/...` checks that drive them.

use super::keys::{SigningKeys, random_id};
use super::mint::{Minter, TokenCase};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use reference_servers::{Fault, FaultSet};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The pre-registered confidential client (client credentials).
pub const DEFAULT_CLIENT_ID: &str = "mcpcheck";
pub const DEFAULT_CLIENT_SECRET: &str = "mcpcheck-secret";
/// The scope granted when a request names none.
pub const DEFAULT_SCOPE: &str = "read:add";
/// Bound on codes, refresh tokens and registered clients kept in memory.
const MAX_ENTRIES: usize = 10_000;

#[derive(Debug, Clone)]
struct Client {
    secret: Option<String>,
    redirect_uris: Vec<String>,
}

#[derive(Debug, Clone)]
struct Grant {
    client_id: String,
    audience: String,
    scope: String,
    redirect_uri: Option<String>,
    challenge: Option<String>,
    /// The challenge's method: `S256`, or `plain` only under `as-accepts-plain`.
    method: Option<String>,
}

#[derive(Default)]
struct Store {
    clients: HashMap<String, Client>,
    codes: HashMap<String, Grant>,
    refresh: HashMap<String, Grant>,
}

/// The authorization server: keys, issuer, and its in-memory state.
pub struct AuthServer {
    pub minter: Minter,
    /// Audience when a token request names none (the seed's API identifier
    /// unless set).
    default_audience: Mutex<String>,
    faults: FaultSet,
    store: Mutex<Store>,
    /// Whether the client credentials grant is offered (an authorization
    /// server for people only turns it off).
    client_credentials: std::sync::atomic::AtomicBool,
}

impl AuthServer {
    /// A server for `issuer` (its public base URL, no trailing slash).
    pub fn new(issuer: &str, faults: FaultSet) -> Result<Arc<Self>, super::keys::KeyError> {
        let keys = Arc::new(SigningKeys::generate()?);
        let issuer = issuer.trim_end_matches('/').to_string();
        let mut store = Store::default();
        store.clients.insert(
            DEFAULT_CLIENT_ID.into(),
            Client { secret: Some(DEFAULT_CLIENT_SECRET.into()), redirect_uris: vec![] },
        );
        Ok(Arc::new(AuthServer {
            minter: Minter::new(issuer, keys),
            default_audience: Mutex::new("http://localhost:8000/mcp".into()),
            faults,
            store: Mutex::new(store),
            client_credentials: std::sync::atomic::AtomicBool::new(true),
        }))
    }

    pub fn set_default_audience(&self, audience: &str) {
        *self.default_audience.lock().unwrap_or_else(|p| p.into_inner()) = audience.to_string();
    }

    /// Stops offering the client credentials grant: only a user's
    /// authorization (code flow with PKCE) gets tokens.
    pub fn disable_client_credentials(&self) {
        self.client_credentials.store(false, std::sync::atomic::Ordering::Relaxed);
    }

    fn offers_client_credentials(&self) -> bool {
        self.client_credentials.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn default_audience(&self) -> String {
        self.default_audience.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn issuer(&self) -> &str {
        &self.minter.issuer
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A registered client, or one whose id is the URL of its metadata
    /// document (fetched once, then kept like a registered one).
    async fn client(&self, id: &str) -> Result<Client, String> {
        if let Some(c) = self.store().clients.get(id).cloned() {
            return Ok(c);
        }
        if !super::cimd::is_document_url(id) || self.faults.contains(Fault::AsCimdUnfetched) {
            return Err("unknown client_id".into());
        }
        let described = super::cimd::fetch(id).await?;
        let client = Client { secret: None, redirect_uris: described.redirect_uris };
        let mut store = self.store();
        bound(&mut store.clients);
        store.clients.insert(id.to_string(), client.clone());
        Ok(client)
    }

    /// The RFC 8414 document (also served as OpenID configuration).
    pub fn metadata(&self) -> Value {
        let i = self.issuer();
        let mut m = json!({
            "issuer": i,
            "authorization_endpoint": format!("{i}/authorize"),
            "token_endpoint": format!("{i}/token"),
            "registration_endpoint": format!("{i}/register"),
            "jwks_uri": format!("{i}/.well-known/jwks.json"),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": [DEFAULT_SCOPE],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "client_id_metadata_document_supported": true,
            "authorization_response_iss_parameter_supported": !self.faults.contains(Fault::AsIssUnadvertised),
        });
        if !self.offers_client_credentials() {
            m["grant_types_supported"] = json!(["authorization_code", "refresh_token"]);
        }
        if self.faults.contains(Fault::AsIssuerMismatch) {
            m["issuer"] = json!(format!("{i}/other-tenant"));
        }
        if self.faults.contains(Fault::AsNoS256) {
            m["code_challenge_methods_supported"] = json!(["plain"]);
        }
        if self.faults.contains(Fault::AsNoTokenEndpoint) {
            m.as_object_mut().map(|o| o.remove("token_endpoint"));
        }
        if self.faults.contains(Fault::AsNoRegistration) {
            m["client_id_metadata_document_supported"] = json!(false);
            m.as_object_mut().map(|o| o.remove("registration_endpoint"));
        }
        m
    }

    /// The routes, at the root of the issuer URL.
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/.well-known/oauth-authorization-server", get(metadata))
            .route("/.well-known/openid-configuration", get(metadata))
            .route("/.well-known/jwks.json", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .route("/register", post(register))
            .route("/mcpcheck/mint", post(mint))
            .with_state(self.clone())
    }

    fn issue(&self, grant: &Grant, with_refresh: bool) -> Response {
        let token = match self.minter.access_token(&grant.audience, &grant.scope, &grant.client_id) {
            Ok(t) => t,
            Err(e) => return oauth_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", &e),
        };
        let mut body = json!({
            "access_token": token, "token_type": "Bearer",
            "expires_in": self.minter.ttl_secs, "scope": grant.scope,
        });
        if with_refresh {
            let rt = random_id(24);
            let mut store = self.store();
            bound(&mut store.refresh);
            store.refresh.insert(rt.clone(), grant.clone());
            body["refresh_token"] = json!(rt);
        }
        (StatusCode::OK, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
    }
}

fn bound<V>(map: &mut HashMap<String, V>) {
    if map.len() >= MAX_ENTRIES {
        map.clear();
    }
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

async fn metadata(State(s): State<Arc<AuthServer>>) -> Json<Value> {
    Json(s.metadata())
}

async fn jwks(State(s): State<Arc<AuthServer>>) -> Response {
    Json(s.minter.keys.jwks()).into_response()
}

/// Token request parameters (form body); every field optional so that a
/// missing one is an OAuth error, not an extractor rejection.
#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    scope: Option<String>,
    resource: Option<String>,
    audience: Option<String>,
    code: Option<String>,
    code_verifier: Option<String>,
    redirect_uri: Option<String>,
    refresh_token: Option<String>,
}

/// The client's credentials: HTTP Basic (client_secret_basic) or the form
/// (client_secret_post), or a public client's bare `client_id`.
fn client_auth(headers: &HeaderMap, form: &TokenForm, faults: &FaultSet) -> Option<(String, Option<String>)> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic ").or_else(|| v.strip_prefix("basic ")))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.split_once(':').map(|(i, p)| (decode_form(i), Some(decode_form(p)))));
    let secret = form.client_secret.clone().filter(|_| !faults.contains(Fault::AsPostIgnored));
    basic.or_else(|| form.client_id.clone().map(|id| (id, secret)))
}

/// RFC 6749 §2.3.1: Basic credentials are form-urlencoded first.
fn decode_form(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

async fn token(
    State(s): State<Arc<AuthServer>>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    let Some((client_id, secret)) = client_auth(&headers, &form, &s.faults) else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "no client authentication");
    };
    let client = s.store().clients.get(&client_id).cloned();
    let Some(client) = client else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "unknown client");
    };
    if client.secret.is_some() && client.secret != secret {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "bad client secret");
    }
    let audience = form.resource.clone().or(form.audience.clone());
    match form.grant_type.as_deref() {
        Some("client_credentials") if !s.offers_client_credentials() => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "client_credentials is not offered",
        ),
        Some("client_credentials") => {
            if client.secret.is_none() {
                return oauth_error(StatusCode::BAD_REQUEST, "unauthorized_client", "public clients cannot");
            }
            let grant = Grant {
                client_id,
                audience: audience.unwrap_or_else(|| s.default_audience()),
                scope: form.scope.clone().unwrap_or_else(|| DEFAULT_SCOPE.into()),
                redirect_uri: None,
                challenge: None,
                method: None,
            };
            s.issue(&grant, false)
        }
        Some("authorization_code") => {
            let grant = form.code.as_ref().and_then(|c| s.store().codes.remove(c));
            let Some(grant) = grant.filter(|g| g.client_id == client_id) else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "unknown or used code");
            };
            if grant.redirect_uri != form.redirect_uri {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "redirect_uri differs");
            }
            let verified = match (&grant.challenge, &form.code_verifier, grant.method.as_deref()) {
                _ if s.faults.contains(Fault::AsPkceUnchecked) => true,
                (Some(ch), Some(v), Some("plain")) => v == ch,
                (Some(ch), Some(v), _) => &pkce_s256(v) == ch,
                _ => false,
            };
            if !verified {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "PKCE verification failed");
            }
            s.issue(&grant, true)
        }
        Some("refresh_token") => {
            // Rotation: the presented refresh token is spent either way.
            let grant = form.refresh_token.as_ref().and_then(|r| {
                let mut store = s.store();
                if s.faults.contains(Fault::AsRefreshReusable) {
                    store.refresh.get(r).cloned()
                } else {
                    store.refresh.remove(r)
                }
            });
            match grant.filter(|g| g.client_id == client_id) {
                Some(g) => s.issue(&g, true),
                None => {
                    oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "unknown or used refresh token")
                }
            }
        }
        _ => oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "unsupported grant_type"),
    }
}

/// BASE64URL(SHA256(verifier)), RFC 7636 §4.2.
pub fn pkce_s256(verifier: &str) -> String {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(d.as_ref())
}

#[derive(Debug, Deserialize)]
pub struct AuthorizeQuery {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    state: Option<String>,
    scope: Option<String>,
    resource: Option<String>,
    audience: Option<String>,
}

/// Consent is automatic: a valid request is redirected straight back with a code.
async fn authorize(State(s): State<Arc<AuthServer>>, Query(q): Query<AuthorizeQuery>) -> Response {
    let Some(client_id) = q.client_id.clone() else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_client", "no client_id");
    };
    let client = match s.client(&client_id).await {
        Ok(c) => c,
        Err(why) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_client", &why),
    };
    let registered = |r: &String| {
        if s.faults.contains(Fault::AsRedirectPrefix) {
            client.redirect_uris.iter().any(|u| r.starts_with(u.as_str()))
        } else {
            client.redirect_uris.contains(r)
        }
    };
    let Some(redirect) = q.redirect_uri.clone().filter(registered) else {
        // Never redirect to an unregistered URI (open redirect).
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "redirect_uri not registered");
    };
    let mut target = match url::Url::parse(&redirect) {
        Ok(u) => u,
        Err(_) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "bad redirect_uri"),
    };
    let challenge_methods: &[Option<&str>] = if s.faults.contains(Fault::AsAcceptsPlain) {
        &[Some("S256"), Some("plain")]
    } else {
        &[Some("S256")]
    };
    let problem = if q.response_type.as_deref() != Some("code") {
        Some(("unsupported_response_type", "response_type must be code"))
    } else if q.code_challenge.is_none() || !challenge_methods.contains(&q.code_challenge_method.as_deref()) {
        Some(("invalid_request", "PKCE with code_challenge_method S256 is required"))
    } else {
        None
    };
    {
        let mut pairs = target.query_pairs_mut();
        match problem {
            Some((error, description)) => {
                pairs.append_pair("error", error).append_pair("error_description", description);
            }
            None => {
                let code = random_id(16);
                let grant = Grant {
                    client_id,
                    audience: if s.faults.contains(Fault::AsIgnoresResource) {
                        s.issuer().to_string()
                    } else {
                        q.resource.clone().or(q.audience.clone()).unwrap_or_else(|| s.default_audience())
                    },
                    scope: q.scope.clone().unwrap_or_else(|| DEFAULT_SCOPE.into()),
                    redirect_uri: Some(redirect.clone()),
                    challenge: q.code_challenge.clone(),
                    method: q.code_challenge_method.clone(),
                };
                let mut store = s.store();
                bound(&mut store.codes);
                store.codes.insert(code.clone(), grant);
                pairs.append_pair("code", &code);
            }
        }
        if let Some(st) = &q.state {
            pairs.append_pair("state", st);
        }
        // RFC 9207 §2: the issuer identifies itself in every authorization
        // response, errors included.
        let iss = if s.faults.contains(Fault::AsIssWrong) {
            format!("{}/other-tenant", s.issuer())
        } else {
            s.issuer().to_string()
        };
        pairs.append_pair("iss", &iss);
    }
    Redirect::to(target.as_str()).into_response()
}

/// RFC 7591: any client may register; confidential unless it asks for `none`.
async fn register(State(s): State<Arc<AuthServer>>, body: Option<Json<Value>>) -> Response {
    let meta = body.map(|Json(v)| v).unwrap_or_else(|| json!({}));
    let redirect_uris: Vec<String> = meta
        .get("redirect_uris")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect())
        .unwrap_or_default();
    let method =
        meta.get("token_endpoint_auth_method").and_then(Value::as_str).unwrap_or("client_secret_basic");
    if !["none", "client_secret_basic", "client_secret_post"].contains(&method) {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_client_metadata", "unsupported auth method");
    }
    let client_id = format!("client-{}", random_id(8));
    let secret = (method != "none").then(|| random_id(24));
    {
        let mut store = s.store();
        bound(&mut store.clients);
        store.clients.insert(
            client_id.clone(),
            Client { secret: secret.clone(), redirect_uris: redirect_uris.clone() },
        );
    }
    let mut out = meta.clone();
    out["client_id"] = json!(client_id);
    out["client_id_issued_at"] = json!(super::mint::now());
    if !s.faults.contains(Fault::AsRegistrationDropsMetadata) {
        out["redirect_uris"] = json!(redirect_uris);
    } else {
        out.as_object_mut().map(|o| o.remove("redirect_uris"));
    }
    out["token_endpoint_auth_method"] = json!(method);
    if let Some(secret) = secret {
        out["client_secret"] = json!(secret);
        out["client_secret_expires_at"] = json!(0);
    }
    (StatusCode::CREATED, Json(out)).into_response()
}

#[derive(Debug, Deserialize)]
pub struct MintRequest {
    case: String,
    audience: String,
    #[serde(default)]
    scope: Option<String>,
}

async fn mint(State(s): State<Arc<AuthServer>>, Json(req): Json<MintRequest>) -> Response {
    let Some(case) = TokenCase::from_name(&req.case) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "unknown case");
    };
    let scope = req.scope.unwrap_or_else(|| DEFAULT_SCOPE.into());
    match s.minter.case(case, &req.audience, &scope) {
        Ok(t) => Json(json!({"token": t, "case": case.name()})).into_response(),
        Err(e) => oauth_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", &e),
    }
}

/// A running authorization server (in-process); stops when dropped.
pub struct Running {
    pub url: String,
    pub server: Arc<AuthServer>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// Serves on an already-bound listener; the issuer is `http://<its address>`
/// unless `issuer` names the public URL.
pub async fn spawn(
    listener: tokio::net::TcpListener,
    issuer: Option<String>,
    faults: FaultSet,
) -> std::io::Result<Running> {
    let addr = listener.local_addr()?;
    let url = issuer.unwrap_or_else(|| format!("http://{addr}"));
    let server = AuthServer::new(&url, faults).map_err(std::io::Error::other)?;
    let app = server.router();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let shutdown = async {
            let _ = rx.await;
        };
        if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
            eprintln!("authorization server stopped: {e}");
        }
    });
    Ok(Running { url: server.issuer().to_string(), server, stop: Some(tx) })
}
