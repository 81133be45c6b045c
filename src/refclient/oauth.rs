//! The reference client's OAuth 2.1 side: what it does on a 401 or a 403
//! `insufficient_scope` from the MCP endpoint. Discovery from the challenge
//! (RFC 9728, with the well-known fall-back), the authorization server's
//! metadata (RFC 8414, then OpenID Connect discovery), PKCE support checked
//! before anything is sent, pre-registered credentials or dynamic
//! registration (RFC 7591), the authorization request with PKCE S256,
//! `resource` (RFC 8707) and the scope the strategy picks, the redirect read
//! rather than followed, its `state` and `iss` (RFC 9207) validated, and the
//! token request authenticated the way the client registered. A token
//! refused later is refreshed when the authorization server is the same;
//! when the resource metadata names another one, the client registers there
//! anew (credentials are bound to their issuer).
//!
//! Headless: the authorization endpoint of a test server approves at once
//! and redirects; the client reads `code` from the `Location` header, as a
//! client would from its own loopback redirect listener.

use super::faults::ClientFault;
use crate::oauth::discovery::{as_metadata_candidates, parse_challenges, prm_candidates};
use crate::oauth::flow::REDIRECT_URI;
use crate::oauth::keys::random_id;
use crate::oauth::server::pkce_s256;
use crate::spec::SpecVersion;
use crate::wire::Limits;
use crate::wire::http::{HttpReply, HttpRequest, HttpTarget, Until};
use crate::wire::record::Recorder;
use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};

/// Credentials handed to the client (`MCP_CONFORMANCE_CONTEXT`).
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: Option<String>,
}

impl Credentials {
    /// From the official suite's context JSON, when it holds a client id.
    pub fn from_context(context: &str) -> Option<Credentials> {
        let v: Value = serde_json::from_str(context).ok()?;
        Some(Credentials {
            client_id: v.get("client_id")?.as_str()?.to_string(),
            client_secret: v.get("client_secret").and_then(Value::as_str).map(str::to_string),
        })
    }
}

/// The reference client's Client ID Metadata Document URL.
pub const CIMD_URL: &str = "https://mcpcheck.invalid/reference-client/metadata.json";

/// A registered (or handed) client and how it authenticates.
#[derive(Debug, Clone)]
struct Registered {
    id: String,
    secret: Option<String>,
    method: String,
}

/// The authorization state of one reference client run.
pub struct Authorizer {
    pub server_url: String,
    pub version: SpecVersion,
    pub faults: Vec<ClientFault>,
    pub handed: Option<Credentials>,
    pub token: Option<String>,
    refresh_token: Option<String>,
    /// The client and the issuer that registered it.
    registered: Option<(String, Registered)>,
    metadata: Option<Value>,
    issuer: Option<String>,
}

async fn get(url: &str) -> Result<HttpReply, String> {
    let target = HttpTarget::new(url, vec![], Limits::default()).map_err(|e| e.to_string())?;
    let req = HttpRequest { method: Method::GET, headers: vec![], body: None, until: Until::End };
    target.send(req, &Recorder::new()).await.map_err(|e| e.to_string())
}

async fn get_json(url: &str) -> Option<Value> {
    let r = get(url).await.ok()?;
    (r.status == 200).then(|| r.json()).flatten().filter(Value::is_object)
}

impl Authorizer {
    pub fn new(
        server_url: &str,
        version: SpecVersion,
        faults: Vec<ClientFault>,
        handed: Option<Credentials>,
    ) -> Self {
        Authorizer {
            server_url: server_url.to_string(),
            version,
            faults,
            handed,
            token: None,
            refresh_token: None,
            registered: None,
            metadata: None,
            issuer: None,
        }
    }

    fn on(&self, f: ClientFault) -> bool {
        self.faults.contains(&f)
    }

    /// A 401: discover, register, authorize, and get a token.
    pub async fn unauthorized(&mut self, www_authenticate: Option<&str>) -> Result<(), String> {
        let challenges = parse_challenges(www_authenticate.unwrap_or(""));
        let bearer = challenges.iter().find(|c| c.is_bearer());
        let named = bearer
            .and_then(|c| c.param("resource_metadata"))
            .filter(|_| !self.on(ClientFault::IgnoreResourceMetadata));
        let mut candidates: Vec<String> = named.map(str::to_string).into_iter().collect();
        if !self.on(ClientFault::NoPrmFallback) {
            let mut fallbacks = prm_candidates(&self.server_url);
            if self.on(ClientFault::NoRootPrm) {
                fallbacks.truncate(1);
            }
            candidates.extend(fallbacks);
        }
        let mut prm = None;
        for url in &candidates {
            if let Some(v) = get_json(url).await {
                prm = Some(v);
                break;
            }
        }
        let prm = prm.ok_or("no protected resource metadata found")?;
        let resource = prm.get("resource").and_then(Value::as_str).unwrap_or_default();
        if resource != self.server_url && !self.on(ClientFault::IgnoreResourceMismatch) {
            return Err(format!("the resource metadata is for {resource}, not {}", self.server_url));
        }
        let issuer = prm
            .pointer("/authorization_servers/0")
            .and_then(Value::as_str)
            .ok_or("no authorization server")?;
        let mut urls = as_metadata_candidates(issuer, self.version);
        if self.on(ClientFault::NoOidcFallback) {
            urls.truncate(1);
        }
        if self.on(ClientFault::NoOidcAppending) {
            urls.truncate(2);
        }
        let mut metadata = None;
        for url in &urls {
            if let Some(v) = get_json(url).await {
                metadata = Some(v);
                break;
            }
        }
        let metadata = metadata.ok_or("no authorization server metadata found")?;
        // RFC 8414 §3.3: metadata for another issuer is not used.
        let named = metadata.get("issuer").and_then(Value::as_str).unwrap_or_default();
        if named != issuer && !self.on(ClientFault::IgnoreIssuerMismatch) {
            return Err(format!("the authorization server metadata names issuer {named}, not {issuer}"));
        }
        let lists = |field: &str, v: &str| {
            metadata
                .get(field)
                .and_then(Value::as_array)
                .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(v)))
        };
        if !lists("code_challenge_methods_supported", "S256") {
            return Err("the authorization server does not support PKCE S256; refusing to proceed".into());
        }
        let same = self.issuer.as_deref() == Some(issuer);
        if same
            && let Some(refresh) = self.refresh_token.take()
            && self.refresh(&refresh).await.is_ok()
        {
            return Ok(());
        }
        self.issuer = Some(issuer.to_string());
        self.metadata = Some(metadata.clone());
        let bound = self.registered.as_ref().is_some_and(|(at, _)| at == issuer);
        let kept = self.registered.is_some() && self.on(ClientFault::ReuseClientAcrossServers);
        if !bound && !kept {
            self.register(issuer, &metadata).await?;
        }
        let mut scope = match bearer.and_then(|c| c.param("scope")) {
            _ if self.on(ClientFault::ScopeFromNowhere) => Some("mcp:everything".to_string()),
            Some(s) => Some(s.to_string()),
            None => prm
                .get("scopes_supported")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" ")),
        };
        // A refresh token is wanted: `offline_access` is added where the
        // authorization server lists it (a MAY), and nowhere else.
        let as_scopes = metadata.get("scopes_supported").and_then(Value::as_array);
        if lists("scopes_supported", "offline_access")
            || (as_scopes.is_some() && self.on(ClientFault::OfflineAccessUnlisted))
        {
            scope = Some(match scope {
                Some(s) if !s.is_empty() => format!("{s} offline_access"),
                _ => "offline_access".into(),
            });
        }
        self.authorize(scope.as_deref()).await
    }

    /// A 403: step up to the scope the challenge names. `Ok(false)` when
    /// it is no scope challenge.
    pub async fn forbidden(&mut self, www_authenticate: Option<&str>) -> Result<bool, String> {
        let challenges = parse_challenges(www_authenticate.unwrap_or(""));
        let Some(c) =
            challenges.iter().find(|c| c.is_bearer() && c.param("error") == Some("insufficient_scope"))
        else {
            return Ok(false);
        };
        if self.on(ClientFault::Ignore403) || self.metadata.is_none() {
            return Ok(false);
        }
        self.authorize(c.param("scope")).await?;
        Ok(true)
    }

    async fn register(&mut self, issuer: &str, metadata: &Value) -> Result<(), String> {
        let methods: Vec<&str> = metadata
            .get("token_endpoint_auth_methods_supported")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_else(|| vec!["client_secret_basic"]);
        if let Some(c) = self.handed.clone().filter(|_| !self.on(ClientFault::RegisterAlways)) {
            let method = match &c.client_secret {
                Some(_) if methods.contains(&"client_secret_basic") => "client_secret_basic",
                Some(_) => "client_secret_post",
                None => "none",
            };
            let client = Registered { id: c.client_id, secret: c.client_secret, method: method.into() };
            self.registered = Some((issuer.into(), client));
            return Ok(());
        }
        // A Client ID Metadata Document: the client_id is the URL where the
        // client's metadata is published (never fetched by mcpcheck's own
        // test servers, which stay on loopback).
        if metadata.get("client_id_metadata_document_supported") == Some(&json!(true))
            && !self.on(ClientFault::NoCimd)
        {
            let client = Registered { id: CIMD_URL.into(), secret: None, method: "none".into() };
            self.registered = Some((issuer.into(), client));
            return Ok(());
        }
        let endpoint = metadata
            .get("registration_endpoint")
            .and_then(Value::as_str)
            .ok_or("no registration endpoint and no credentials")?;
        let preferred = ["client_secret_basic", "client_secret_post", "none"]
            .into_iter()
            .find(|m| methods.contains(m))
            .unwrap_or("none");
        let body = json!({
            "client_name": "mcpcheck-reference-client",
            "redirect_uris": [REDIRECT_URI],
            "grant_types": if self.on(ClientFault::NoRefreshGrant) {
                json!(["authorization_code"])
            } else {
                json!(["authorization_code", "refresh_token"])
            },
            "response_types": ["code"],
            "token_endpoint_auth_method": preferred,
        });
        let target = HttpTarget::new(endpoint, vec![], Limits::default()).map_err(|e| e.to_string())?;
        let reply = target
            .send(HttpRequest::post(body.to_string(), Until::End), &Recorder::new())
            .await
            .map_err(|e| e.to_string())?;
        let reg =
            reply.json().filter(|_| (200..300).contains(&reply.status)).ok_or("registration was refused")?;
        let id = reg.get("client_id").and_then(Value::as_str).ok_or("registration gave no client_id")?;
        let client = Registered {
            id: id.to_string(),
            secret: reg.get("client_secret").and_then(Value::as_str).map(str::to_string),
            method: reg
                .get("token_endpoint_auth_method")
                .and_then(Value::as_str)
                .unwrap_or(preferred)
                .to_string(),
        };
        self.registered = Some((issuer.into(), client));
        Ok(())
    }

    /// The authorization request, its redirect, and the token request.
    async fn authorize(&mut self, scope: Option<&str>) -> Result<(), String> {
        let metadata = self.metadata.clone().ok_or("no authorization server metadata")?;
        let client = self.registered.clone().ok_or("no client")?.1;
        let endpoint = metadata
            .get("authorization_endpoint")
            .and_then(Value::as_str)
            .ok_or("no authorization_endpoint")?;
        let verifier = random_id(32);
        let state = random_id(16);
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("response_type", "code")
            .append_pair("client_id", &client.id)
            .append_pair("redirect_uri", REDIRECT_URI);
        q.append_pair("state", &state);
        if !self.on(ClientFault::NoPkce) {
            q.append_pair("code_challenge", &pkce_s256(&verifier))
                .append_pair("code_challenge_method", "S256");
        }
        if !self.on(ClientFault::NoResource) {
            q.append_pair("resource", &self.server_url);
        }
        if let Some(s) = scope.filter(|s| !s.is_empty()) {
            q.append_pair("scope", s);
        }
        let sep = if endpoint.contains('?') { '&' } else { '?' };
        let reply = get(&format!("{endpoint}{sep}{}", q.finish())).await?;
        let location = reply.header("location").filter(|_| (300..400).contains(&reply.status));
        let location = location.ok_or_else(|| {
            format!("the authorization endpoint answered HTTP {} without a redirect", reply.status)
        })?;
        let back: std::collections::HashMap<String, String> = url::Url::parse(location)
            .map_err(|e| format!("redirect {location}: {e}"))?
            .query_pairs()
            .into_owned()
            .collect();
        if back.get("state") != Some(&state) {
            return Err("the redirect's state is not the one sent".into());
        }
        // RFC 9207 §2.4, as the 2026-07-28 authorization page tabulates it.
        let advertised = metadata.get("authorization_response_iss_parameter_supported") == Some(&json!(true));
        // Simple string comparison: no normalization of any kind.
        let mut expected = self.issuer.clone().unwrap_or_default();
        if advertised && self.on(ClientFault::IssAgainstMetadataUrl) {
            expected = format!("{expected}/.well-known/oauth-authorization-server");
        }
        let normalize = |s: &str| s.trim_end_matches('/').to_ascii_lowercase();
        let equal = |iss: &str| {
            iss == expected || (self.on(ClientFault::NormalizeIss) && normalize(iss) == normalize(&expected))
        };
        match back.get("iss") {
            Some(iss) if !equal(iss) && !self.on(ClientFault::IgnoreIss) => {
                return Err(format!("the authorization response's iss {iss} is not the issuer {expected}"));
            }
            None if (advertised && !self.on(ClientFault::IgnoreIss)) || self.on(ClientFault::RequireIss) => {
                return Err("the authorization response has no iss".into());
            }
            _ => {}
        }
        let code = back.get("code").ok_or("the redirect carries no code")?;
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "authorization_code")
            .append_pair("code", code)
            .append_pair("redirect_uri", REDIRECT_URI);
        if !self.on(ClientFault::NoPkce) {
            form.append_pair("code_verifier", &verifier);
        }
        if !self.on(ClientFault::NoResource) {
            form.append_pair("resource", &self.server_url);
        }
        self.token_request(&metadata, &client, form).await
    }

    /// A refresh (OAuth 2.1 §4.3), authenticated as the code's redemption
    /// was, with `resource` as every token request has it.
    async fn refresh(&mut self, refresh_token: &str) -> Result<(), String> {
        let metadata = self.metadata.clone().ok_or("no authorization server metadata")?;
        let client = self.registered.clone().ok_or("no client")?.1;
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "refresh_token").append_pair("refresh_token", refresh_token);
        if !self.on(ClientFault::NoResource) && !self.on(ClientFault::RefreshWithoutResource) {
            form.append_pair("resource", &self.server_url);
        }
        self.token_request(&metadata, &client, form).await
    }

    /// POSTs a token request with the client's authentication added, and
    /// keeps the tokens it answers with.
    async fn token_request(
        &mut self,
        metadata: &Value,
        client: &Registered,
        mut form: url::form_urlencoded::Serializer<'_, String>,
    ) -> Result<(), String> {
        let token_url = metadata.get("token_endpoint").and_then(Value::as_str).ok_or("no token_endpoint")?;
        let method = match client.method.as_str() {
            "client_secret_basic" if self.on(ClientFault::TokenAuthMismatch) => "client_secret_post",
            _ if self.on(ClientFault::TokenAuthMismatch) => "client_secret_basic",
            m => m,
        };
        let secret = client.secret.clone().unwrap_or_default();
        let mut headers = vec![("Content-Type".to_string(), "application/x-www-form-urlencoded".to_string())];
        match method {
            "client_secret_basic" => {
                let pair = format!("{}:{}", form_encode(&client.id), form_encode(&secret));
                let basic = base64::engine::general_purpose::STANDARD.encode(pair);
                headers.push(("Authorization".into(), format!("Basic {basic}")));
            }
            "client_secret_post" => {
                form.append_pair("client_id", &client.id).append_pair("client_secret", &secret);
            }
            _ => {
                form.append_pair("client_id", &client.id);
            }
        }
        let target = HttpTarget::new(token_url, vec![], Limits::default()).map_err(|e| e.to_string())?;
        let req = HttpRequest { method: Method::POST, headers, body: Some(form.finish()), until: Until::End };
        let reply = target.send(req, &Recorder::new()).await.map_err(|e| e.to_string())?;
        let answer = reply
            .json()
            .filter(|_| reply.status == 200)
            .ok_or_else(|| format!("the token request got HTTP {}", reply.status))?;
        let token = answer.get("access_token").and_then(Value::as_str).ok_or("no access_token")?;
        self.token = Some(token.to_string());
        // Never assumed: a response without one leaves the client to
        // authorize anew when this token is refused.
        self.refresh_token = answer.get("refresh_token").and_then(Value::as_str).map(str::to_string);
        Ok(())
    }
}

/// RFC 6749 §2.3.1: the client id and secret are form-encoded before Basic.
fn form_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
