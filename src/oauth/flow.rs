//! An OAuth 2.1 client on the raw wire: dynamic registration (RFC 7591), the
//! authorization request with PKCE (RFC 7636), the token request, refresh.
//!
//! Two users: the `auth/as/...` checks, which need to see every answer an
//! authorization server gives (so every request goes through
//! [`crate::wire::http`] and is recorded), and mcpcheck's own token source,
//! which registers itself when nobody handed it credentials.
//!
//! The authorization endpoint is asked once and its redirect is read, never
//! followed: the `code` and `iss` are in the `Location` header, and the
//! redirect URI (a loopback address nothing listens on) is never contacted.
//! An authorization server that wants a person (a login page instead of a
//! redirect) cannot be driven headlessly; [`FlowError::NeedsPerson`] says so.

use super::keys::random_id;
use super::server::pkce_s256;
use crate::wire::http::{HttpReply, HttpRequest, HttpTarget, Until};
use crate::wire::record::Recorder;
use crate::wire::{Limits, WireError};
use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The redirect URI mcpcheck registers: loopback (RFC 8252 §7.3), port 9
/// (discard), never listened on, since the redirect is read, not followed.
pub const REDIRECT_URI: &str = "http://127.0.0.1:9/mcpcheck/callback";

#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// The server does not offer what the step needs (no registration
    /// endpoint, no such grant): a reason to skip, not a failure.
    #[error("{0}")]
    Unsupported(String),
    /// The authorization endpoint answered without redirecting: it wants a
    /// person to log in or consent.
    #[error(
        "the authorization endpoint {url} answered HTTP {status} without a redirect: it wants a person to log in or consent, and mcpcheck approves nothing itself"
    )]
    NeedsPerson { url: String, status: u16 },
    /// A step the flow depends on was refused.
    #[error("{what} was refused: HTTP {status} {body}")]
    Refused { what: String, status: u16, body: String },
    #[error(transparent)]
    Wire(#[from] WireError),
}

/// How a client authenticates at the token endpoint (RFC 8414's
/// `token_endpoint_auth_methods_supported` names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    Basic,
    Post,
    None,
}

impl AuthMethod {
    pub fn name(self) -> &'static str {
        match self {
            AuthMethod::Basic => "client_secret_basic",
            AuthMethod::Post => "client_secret_post",
            AuthMethod::None => "none",
        }
    }
}

/// A registered client.
#[derive(Debug, Clone)]
pub struct Client {
    pub id: String,
    pub secret: Option<String>,
    pub method: AuthMethod,
}

/// A registration's answer, whole, for the checks that judge it.
#[derive(Debug, Clone)]
pub struct Registration {
    pub status: u16,
    pub body: Value,
    pub sent: Value,
}

impl Registration {
    /// The client it registered, if the answer names one.
    pub fn client(&self, method: AuthMethod) -> Option<Client> {
        let id = self.body.get("client_id")?.as_str()?.to_string();
        let secret = self.body.get("client_secret").and_then(Value::as_str).map(String::from);
        (matches!(self.status, 200 | 201)).then_some(Client { id, secret, method })
    }
}

/// What the authorization endpoint did with a request.
#[derive(Debug, Clone)]
pub enum Authorized {
    /// A redirect: where to, and the parameters of its query.
    Redirect { location: String, params: BTreeMap<String, String> },
    /// No redirect: an error page, or a page for a person (its start).
    Page { status: u16, body: String },
}

impl Authorized {
    pub fn param(&self, name: &str) -> Option<&str> {
        match self {
            Authorized::Redirect { params, .. } => params.get(name).map(String::as_str),
            Authorized::Page { .. } => None,
        }
    }
    pub fn summary(&self) -> String {
        match self {
            Authorized::Redirect { location, .. } => format!("a redirect to {location}"),
            Authorized::Page { status, .. } => format!("HTTP {status} without a redirect"),
        }
    }
}

/// A PKCE pair (RFC 7636 §4.1, §4.2).
#[derive(Debug, Clone)]
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    pub fn new() -> Self {
        let verifier = random_id(32);
        let challenge = pkce_s256(&verifier);
        Pkce { verifier, challenge }
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Self::new()
    }
}

/// The authorization request's parameters beyond the client's.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub redirect_uri: Option<String>,
    /// `(method, challenge)`; `None` sends no PKCE at all.
    pub challenge: Option<(String, String)>,
    pub resource: Option<String>,
    pub scope: Option<String>,
}

/// One token endpoint answer.
#[derive(Debug, Clone)]
pub struct TokenAnswer {
    pub status: u16,
    pub body: Value,
}

impl TokenAnswer {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.body.get(name).and_then(Value::as_str)
    }
    pub fn access_token(&self) -> Option<&str> {
        (self.status == 200).then(|| self.field("access_token")).flatten()
    }
    /// `invalid_grant` and its kin: a refusal, as RFC 6749 §5.2 shapes one.
    pub fn error(&self) -> Option<&str> {
        (self.status >= 400).then(|| self.field("error")).flatten()
    }
}

/// An authorization server as its metadata describes it, and the recorder
/// every request to it goes to.
pub struct AsClient {
    pub issuer: String,
    pub metadata: Value,
    pub rec: Recorder,
    pub limits: Limits,
}

impl AsClient {
    pub fn endpoint(&self, name: &str) -> Option<&str> {
        self.metadata.get(name).and_then(Value::as_str)
    }

    /// Whether the metadata's list `field` holds `value`.
    pub fn lists(&self, field: &str, value: &str) -> bool {
        self.metadata
            .get(field)
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(value)))
    }

    /// Whether the metadata offers this grant (RFC 8414's default, when it
    /// lists none, is authorization_code and implicit).
    pub fn grants(&self, grant: &str) -> bool {
        match self.metadata.get("grant_types_supported") {
            Some(_) => self.lists("grant_types_supported", grant),
            None => ["authorization_code", "implicit"].contains(&grant),
        }
    }

    /// Whether the token endpoint takes this client authentication (RFC
    /// 8414's default, when the metadata lists none, is client_secret_basic).
    pub fn takes(&self, method: AuthMethod) -> bool {
        match self.metadata.get("token_endpoint_auth_methods_supported") {
            Some(_) => self.lists("token_endpoint_auth_methods_supported", method.name()),
            None => method == AuthMethod::Basic,
        }
    }

    fn required(&self, name: &str) -> Result<&str, FlowError> {
        self.endpoint(name)
            .ok_or_else(|| FlowError::Unsupported(format!("{}'s metadata names no {name}", self.issuer)))
    }

    async fn send(&self, url: &str, req: HttpRequest) -> Result<HttpReply, FlowError> {
        let t = HttpTarget::new(url, vec![], self.limits)?;
        Ok(t.send(req, &self.rec).await?)
    }

    /// Sends a registration request with `metadata`, whatever comes back.
    pub async fn register_raw(&self, metadata: Value) -> Result<Registration, FlowError> {
        let url = self.required("registration_endpoint")?.to_string();
        let req = HttpRequest::post(metadata.to_string(), Until::End)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json");
        let reply = self.send(&url, req).await?;
        Ok(Registration { status: reply.status, body: reply.json().unwrap_or(Value::Null), sent: metadata })
    }

    /// Registers a client authenticating with `method`, for `grants`, with
    /// mcpcheck's redirect URI.
    pub async fn register(&self, method: AuthMethod, grants: &[&str]) -> Result<Client, FlowError> {
        let mut meta = json!({
            "client_name": "mcpcheck",
            "grant_types": grants,
            "token_endpoint_auth_method": method.name(),
        });
        if grants.contains(&"authorization_code") {
            meta["redirect_uris"] = json!([REDIRECT_URI]);
            meta["response_types"] = json!(["code"]);
        }
        let r = self.register_raw(meta).await?;
        r.client(method).filter(|c| method == AuthMethod::None || c.secret.is_some()).ok_or_else(|| {
            FlowError::Refused {
                what: format!("registering a {} client", method.name()),
                status: r.status,
                body: cut(&r.body.to_string()),
            }
        })
    }

    /// One authorization request; the answer is read, never followed.
    pub async fn authorize(&self, client: &Client, req: &Request) -> Result<Authorized, FlowError> {
        let base = self.required("authorization_endpoint")?.to_string();
        let mut url = url::Url::parse(&base)
            .map_err(|e| FlowError::Unsupported(format!("authorization_endpoint {base:?}: {e}")))?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code").append_pair("client_id", &client.id);
            q.append_pair("redirect_uri", req.redirect_uri.as_deref().unwrap_or(REDIRECT_URI));
            q.append_pair("state", &random_id(8));
            if let Some((method, challenge)) = &req.challenge {
                q.append_pair("code_challenge", challenge).append_pair("code_challenge_method", method);
            }
            if let Some(r) = &req.resource {
                q.append_pair("resource", r);
            }
            if let Some(s) = &req.scope {
                q.append_pair("scope", s);
            }
        }
        let get = HttpRequest { method: Method::GET, headers: vec![], body: None, until: Until::End };
        let reply = self.send(url.as_str(), get).await?;
        let location = reply.header("location").filter(|_| (300..400).contains(&reply.status));
        let Some(location) = location else {
            return Ok(Authorized::Page { status: reply.status, body: cut(&reply.body_text()) });
        };
        // A relative Location is resolved against the endpoint.
        let target = url.join(location).ok();
        let params = target
            .as_ref()
            .map(|u| u.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
            .unwrap_or_default();
        Ok(Authorized::Redirect { location: location.to_string(), params })
    }

    /// A token request with `form`, the client authenticating its way.
    pub async fn token(&self, client: &Client, form: &[(&str, &str)]) -> Result<TokenAnswer, FlowError> {
        let url = self.required("token_endpoint")?.to_string();
        let mut req = HttpRequest::post(String::new(), Until::End)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json");
        // The serializer is not Send: it lives in this block, before any await.
        let (body, basic) = {
            let mut body = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in form {
                body.append_pair(k, v);
            }
            let mut basic = None;
            match (client.method, &client.secret) {
                (AuthMethod::Basic, Some(secret)) => {
                    // RFC 6749 §2.3.1: id and secret are form-encoded first.
                    let enc =
                        |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
                    let pair = format!("{}:{}", enc(&client.id), enc(secret));
                    basic = Some(base64::engine::general_purpose::STANDARD.encode(pair));
                }
                (AuthMethod::Post, Some(secret)) => {
                    body.append_pair("client_id", &client.id).append_pair("client_secret", secret);
                }
                _ => {
                    body.append_pair("client_id", &client.id);
                }
            }
            (body.finish(), basic)
        };
        if let Some(b64) = basic {
            req = req.header("Authorization", format!("Basic {b64}"));
        }
        req.body = Some(body);
        let reply = self.send(&url, req).await?;
        Ok(TokenAnswer { status: reply.status, body: reply.json().unwrap_or(Value::Null) })
    }

    /// Authorization with PKCE S256, then the code for tokens: the whole
    /// code flow, each step required to succeed.
    pub async fn code_flow(
        &self,
        client: &Client,
        resource: Option<&str>,
        scope: Option<&str>,
    ) -> Result<TokenAnswer, FlowError> {
        let pkce = Pkce::new();
        let code = self.code(client, &pkce, resource, scope).await?;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", pkce.verifier.as_str()),
        ];
        if let Some(r) = resource {
            form.push(("resource", r));
        }
        let answer = self.token(client, &form).await?;
        match answer.access_token() {
            Some(_) => Ok(answer),
            None => Err(FlowError::Refused {
                what: "the code exchange".into(),
                status: answer.status,
                body: cut(&answer.body.to_string()),
            }),
        }
    }

    /// An authorization code for `client` with the S256 challenge of `pkce`.
    pub async fn code(
        &self,
        client: &Client,
        pkce: &Pkce,
        resource: Option<&str>,
        scope: Option<&str>,
    ) -> Result<String, FlowError> {
        let req = Request {
            redirect_uri: None,
            challenge: Some(("S256".into(), pkce.challenge.clone())),
            resource: resource.map(String::from),
            scope: scope.map(String::from),
        };
        let url = self.endpoint("authorization_endpoint").unwrap_or_default().to_string();
        match self.authorize(client, &req).await? {
            Authorized::Page { status, .. } if status < 300 => Err(FlowError::NeedsPerson { url, status }),
            Authorized::Page { status, body } => {
                Err(FlowError::Refused { what: "the authorization request".into(), status, body })
            }
            a => a.param("code").map(String::from).ok_or_else(|| FlowError::Refused {
                what: "the authorization request".into(),
                status: 302,
                body: a.summary(),
            }),
        }
    }
}

/// The start of a peer's text, for messages (300 characters).
pub fn cut(s: &str) -> String {
    s.chars().take(300).collect()
}
