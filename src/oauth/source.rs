//! Where the auth checks get their tokens, and the tokens themselves.
//!
//! Three sources, chosen by flags and named in every token check's message:
//! * an issuer mcpcheck controls: the in-process [`Minter`] (tests), or a
//!   running `mcpcheck authserver` asked through its mint endpoint
//!   (`--auth-issuer URL|local`): every case can be had;
//! * a real authorization server, by client credentials (`--client-id`,
//!   `--client-secret`, `--token-url`): a valid token, a wrong-audience one by
//!   asking for another resource, and the tampered ones made from the valid
//!   token; cases that need the issuer's key are left out with the reason;
//! * tokens given directly (`--token`, `--token-for CASE=TOKEN`).

use super::mint::{self, FOREIGN_AUDIENCE, MALFORMED, Minter, TokenCase};
use std::collections::BTreeMap;
use std::time::Duration;

/// The default address of `mcpcheck authserver`, what `--auth-issuer local` means.
pub const LOCAL_ISSUER: &str = "http://127.0.0.1:9000";
/// The tool whose call needs a scope, and its arguments (the seed's `add`).
pub const DEFAULT_SCOPE_TOOL: &str = "add";
const BODY_CAP: usize = 1 << 20;

/// Tokens for the auth checks. A missing case holds the reason it is missing.
#[derive(Debug, Clone)]
pub struct AuthMaterial {
    /// Where the tokens came from, for the report.
    pub source: String,
    pub tokens: BTreeMap<TokenCase, Result<String, String>>,
    /// A tool whose call needs a scope the missing-scope token lacks.
    pub scope_tool: String,
    /// Tokens with a scope the check chooses (what a 403 challenge named),
    /// where the source can make them.
    pub scoped: Option<Scoped>,
}

/// A source of valid tokens with any scope, for the check that asks for
/// exactly what a scope challenge named.
#[derive(Debug, Clone)]
pub enum Scoped {
    /// A minter mcpcheck holds the key of.
    Minter { minter: Minter, audience: String },
    /// A running `mcpcheck authserver`'s mint endpoint.
    Authserver { issuer: String, audience: String },
    /// Client credentials, asking for the scope.
    ClientCredentials { client: Box<ClientCredentials>, audience: String },
}

impl Scoped {
    /// A valid token for the resource with exactly `scope`.
    pub async fn token(&self, scope: &str) -> Result<String, String> {
        match self {
            Scoped::Minter { minter, audience } => minter.access_token(audience, scope, "mcpcheck"),
            Scoped::Authserver { issuer, audience } => {
                mint_one(issuer, TokenCase::Valid, audience, scope).await.map_err(|e| e.to_string())
            }
            Scoped::ClientCredentials { client, audience } => {
                let mut c = (**client).clone();
                c.scope = Some(scope.to_string());
                c.token(audience).await.map_err(|e| e.to_string())
            }
        }
    }
}

impl AuthMaterial {
    pub fn token(&self, case: TokenCase) -> Result<&str, String> {
        match self.tokens.get(&case) {
            Some(Ok(t)) => Ok(t),
            Some(Err(why)) => Err(why.clone()),
            None => Err(format!("no {case} token from {}", self.source)),
        }
    }

    /// Every case from a minter mcpcheck holds the key of.
    pub fn from_minter(minter: &Minter, audience: &str, scope: &str) -> AuthMaterial {
        let tokens = TokenCase::ALL.into_iter().map(|c| (c, minter.case(c, audience, scope))).collect();
        AuthMaterial {
            source: format!("mcpcheck's issuer {} (in-process)", minter.issuer),
            tokens,
            scope_tool: DEFAULT_SCOPE_TOOL.into(),
            scoped: Some(Scoped::Minter { minter: minter.clone(), audience: audience.into() }),
        }
    }

    /// Tokens given on the command line: `valid` (--token) and any others.
    pub fn given(given: BTreeMap<TokenCase, String>) -> AuthMaterial {
        let mut tokens: BTreeMap<_, _> = given.into_iter().map(|(c, t)| (c, Ok(t))).collect();
        derive_tampered(&mut tokens);
        for c in TokenCase::ALL {
            tokens.entry(c).or_insert_with(|| Err(format!("no {c} token given (--token-for {c}=TOKEN)")));
        }
        AuthMaterial {
            source: "tokens given on the command line".into(),
            tokens,
            scope_tool: DEFAULT_SCOPE_TOOL.into(),
            scoped: None,
        }
    }
}

/// Cases any valid JWT can be turned into without the issuer's key.
fn derive_tampered(tokens: &mut BTreeMap<TokenCase, Result<String, String>>) {
    tokens.entry(TokenCase::Malformed).or_insert_with(|| Ok(MALFORMED.into()));
    let Some(Ok(valid)) = tokens.get(&TokenCase::Valid).cloned() else { return };
    tokens.entry(TokenCase::BadSignature).or_insert_with(|| mint::tamper_signature(&valid));
    tokens.entry(TokenCase::AlgNone).or_insert_with(|| mint::alg_none(&valid));
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{url}: {detail}")]
    Http { url: String, detail: String },
    #[error("the token endpoint {url} refused: HTTP {status} {body}")]
    Refused { url: String, status: u16, body: String },
    #[error("{0}")]
    Other(String),
}

pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap_or_default()
}

pub(crate) async fn read_json(
    url: &str,
    resp: reqwest::Response,
) -> Result<(u16, serde_json::Value, String), SourceError> {
    let status = resp.status().as_u16();
    let mut resp = resp;
    let mut body = Vec::new();
    while let Some(chunk) =
        resp.chunk().await.map_err(|e| SourceError::Http { url: url.into(), detail: e.to_string() })?
    {
        if body.len() + chunk.len() > BODY_CAP {
            return Err(SourceError::Http { url: url.into(), detail: "answer too large".into() });
        }
        body.extend_from_slice(&chunk);
    }
    let text = String::from_utf8_lossy(&body).chars().take(300).collect::<String>();
    Ok((status, serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null), text))
}

/// GET `url` as JSON: the object, or why there is none (an HTTP error, a
/// status other than 200, a body that is not a JSON object).
pub(crate) async fn get_json(http: &reqwest::Client, url: &str) -> Result<serde_json::Value, SourceError> {
    let resp = http
        .get(url)
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|e| SourceError::Http { url: url.into(), detail: e.to_string() })?;
    let (status, json, text) = read_json(url, resp).await?;
    match (status, json) {
        (200, v @ serde_json::Value::Object(_)) => Ok(v),
        (200, _) => Err(SourceError::Http { url: url.into(), detail: format!("not a JSON object: {text}") }),
        (s, _) => Err(SourceError::Http { url: url.into(), detail: format!("HTTP {s}") }),
    }
}

/// A running `mcpcheck authserver`: every case from its mint endpoint.
pub async fn from_authserver(issuer: &str, audience: &str, scope: &str) -> Result<AuthMaterial, SourceError> {
    let mut tokens = BTreeMap::new();
    for case in TokenCase::ALL {
        tokens.insert(case, Ok(mint_one(issuer, case, audience, scope).await?));
    }
    Ok(AuthMaterial {
        source: format!("mcpcheck authserver {issuer}"),
        tokens,
        scope_tool: DEFAULT_SCOPE_TOOL.into(),
        scoped: Some(Scoped::Authserver { issuer: issuer.into(), audience: audience.into() }),
    })
}

/// One token of `case` from an `mcpcheck authserver`'s mint endpoint.
async fn mint_one(issuer: &str, case: TokenCase, audience: &str, scope: &str) -> Result<String, SourceError> {
    let url = format!("{}/mcpcheck/mint", issuer.trim_end_matches('/'));
    let body = serde_json::json!({"case": case.name(), "audience": audience, "scope": scope});
    let resp = client()
        .post(&url)
        .json_body(&body)
        .send()
        .await
        .map_err(|e| SourceError::Http { url: url.clone(), detail: e.to_string() })?;
    let (status, json, text) = read_json(&url, resp).await?;
    match json.get("token").and_then(|t| t.as_str()) {
        Some(t) if status == 200 => Ok(t.to_string()),
        _ => Err(SourceError::Refused { url, status, body: text }),
    }
}

/// How the token request names the resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum AudienceParam {
    /// RFC 8707 `resource` (the MCP specification's way).
    #[default]
    Resource,
    /// Auth0's `audience`.
    Audience,
}

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ClientAuth {
    /// HTTP Basic (client_secret_basic).
    #[default]
    Basic,
    /// In the form body (client_secret_post), as Auth0's examples do.
    Post,
}

/// A client-credentials client of a real authorization server.
#[derive(Debug, Clone)]
pub struct ClientCredentials {
    pub token_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub audience_param: AudienceParam,
    pub auth: ClientAuth,
    pub scope: Option<String>,
}

impl ClientCredentials {
    /// One access token for `audience`.
    pub async fn token(&self, audience: &str) -> Result<String, SourceError> {
        let param = match self.audience_param {
            AudienceParam::Resource => "resource",
            AudienceParam::Audience => "audience",
        };
        // Form encoding by hand with `url`'s serializer: reqwest's `form`
        // feature would add serde_urlencoded for this one body.
        let mut req = client().post(&self.token_url);
        // The serializer is not Send: it lives in this block, before any await.
        let form = {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            form.append_pair("grant_type", "client_credentials").append_pair(param, audience);
            if let Some(s) = &self.scope {
                form.append_pair("scope", s);
            }
            if self.auth == ClientAuth::Post {
                form.append_pair("client_id", &self.client_id)
                    .append_pair("client_secret", &self.client_secret);
            }
            form.finish()
        };
        if self.auth == ClientAuth::Basic {
            // RFC 6749 §2.3.1: id and secret are form-encoded before Basic.
            let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            req = req.basic_auth(enc(&self.client_id), Some(enc(&self.client_secret)));
        }
        let resp = req
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(form)
            .send()
            .await
            .map_err(|e| SourceError::Http { url: self.token_url.clone(), detail: e.to_string() })?;
        let (status, json, text) = read_json(&self.token_url, resp).await?;
        match json.get("access_token").and_then(|t| t.as_str()) {
            Some(t) if (200..300).contains(&status) => Ok(t.to_string()),
            _ => Err(SourceError::Refused { url: self.token_url.clone(), status, body: text }),
        }
    }

    /// Tokens for the checks: valid, wrong audience, tampered; the rest
    /// need the issuer's key and are left out with the reason.
    pub async fn material(&self, audience: &str) -> Result<AuthMaterial, SourceError> {
        let valid = self.token(audience).await?;
        let other = self.token(FOREIGN_AUDIENCE).await.map_err(|e| e.to_string());
        let mut m = AuthMaterial::issued(
            valid,
            other,
            format!("client credentials at {} (client {})", self.token_url, self.client_id),
        );
        let mut probe = self.clone();
        probe.scope = Some(PROBE_SCOPE.into());
        let missing = match probe.token(audience).await {
            Ok(t) => scoped_only_to_probe(t),
            Err(e) => Err(format!("the authorization server refused a token with scope {PROBE_SCOPE} ({e})")),
        };
        m.tokens.insert(
            TokenCase::MissingScope,
            missing.map_err(|why| {
                format!(
                    "no token without the needed scope: {why}; give one with --token-for missing-scope=TOKEN"
                )
            }),
        );
        m.scoped =
            Some(Scoped::ClientCredentials { client: Box::new(self.clone()), audience: audience.into() });
        Ok(m)
    }
}

/// The scope asked for when mcpcheck wants a valid token that lacks the
/// scope a call needs: one no server's tool should require.
pub const PROBE_SCOPE: &str = "mcpcheck:probe";

/// A token asked for with [`PROBE_SCOPE`] is one without the needed scope
/// only if it was granted that scope alone (an authorization server may
/// grant more than asked); a token whose claims cannot be read is not known
/// to lack anything.
fn scoped_only_to_probe(token: String) -> Result<String, String> {
    let granted =
        mint::payload(&token).and_then(|c| c.get("scope").and_then(|s| s.as_str()).map(String::from));
    match granted {
        Some(g) if g.split_whitespace().all(|s| s == PROBE_SCOPE) => Ok(token),
        Some(g) => Err(format!("asked for scope {PROBE_SCOPE}, the token was granted \"{g}\"")),
        None => Err("the token's scope cannot be read (not a JWT, or no scope claim)".into()),
    }
}

impl AuthMaterial {
    /// The material of a client an authorization server issues tokens to
    /// (by client credentials or the code flow): a valid token, one for
    /// another resource, and the tampered ones made from the valid token;
    /// cases that need the issuer's key are left out with the reason.
    pub fn issued(valid: String, other_resource: Result<String, String>, source: String) -> AuthMaterial {
        let mut tokens = BTreeMap::new();
        tokens.insert(TokenCase::Valid, Ok(valid));
        let other = other_resource.map_err(|e| {
            format!("the authorization server gave no token for another resource ({FOREIGN_AUDIENCE}): {e}")
        });
        tokens.insert(TokenCase::WrongAudience, other);
        derive_tampered(&mut tokens);
        for c in [TokenCase::WrongIssuer, TokenCase::Expired, TokenCase::NotYetValid] {
            tokens.insert(
                c,
                Err(format!(
                    "{} token needs the issuer's signing key, which mcpcheck does not hold",
                    crate::report::text::with_article(c.name())
                )),
            );
        }
        tokens.insert(
            TokenCase::MissingScope,
            Err("no token without the needed scope: give one with --token-for missing-scope=TOKEN".into()),
        );
        AuthMaterial { source, tokens, scope_tool: DEFAULT_SCOPE_TOOL.into(), scoped: None }
    }
}

/// The material of a client registered for the code flow with PKCE, at an
/// authorization server that approves without a person (the redirect is
/// read, not followed; see [`super::flow`]).
pub async fn from_code_flow(
    s: &super::flow::AsClient,
    audience: &str,
) -> Result<AuthMaterial, super::flow::FlowError> {
    use super::flow::AuthMethod;
    let method = if s.takes(AuthMethod::None) { AuthMethod::None } else { AuthMethod::Basic };
    let client = s.register(method, &["authorization_code", "refresh_token"]).await?;
    let valid = s.code_flow(&client, Some(audience), None).await?;
    let valid = valid.access_token().unwrap_or_default().to_string();
    let other = match s.code_flow(&client, Some(FOREIGN_AUDIENCE), None).await {
        Ok(t) => Ok(t.access_token().unwrap_or_default().to_string()),
        Err(e) => Err(e.to_string()),
    };
    let missing = match s.code_flow(&client, Some(audience), Some(PROBE_SCOPE)).await {
        Ok(t) => scoped_only_to_probe(t.access_token().unwrap_or_default().to_string()),
        Err(e) => Err(format!("the authorization server refused scope {PROBE_SCOPE} ({e})")),
    };
    let source = format!("the code flow with PKCE at {} (client {}, {})", s.issuer, client.id, method.name());
    let mut m = AuthMaterial::issued(valid, other, source);
    m.tokens.insert(
        TokenCase::MissingScope,
        missing.map_err(|why| {
            format!("no token without the needed scope: {why}; give one with --token-for missing-scope=TOKEN")
        }),
    );
    Ok(m)
}

/// Finds the token endpoint from an issuer's RFC 8414 / OpenID metadata.
pub async fn discover_token_url(issuer: &str) -> Result<String, SourceError> {
    let http = client();
    let mut tried = Vec::new();
    for url in super::discovery::as_metadata_candidates(issuer, crate::spec::SpecVersion::NEWEST_HANDSHAKE) {
        match get_json(&http, &url).await {
            Ok(doc) => match doc.get("token_endpoint").and_then(|t| t.as_str()) {
                Some(t) => return Ok(t.to_string()),
                None => tried.push(format!("{url} names no token_endpoint")),
            },
            Err(e) => tried.push(e.to_string()),
        }
    }
    Err(SourceError::Other(format!("no token endpoint found for {issuer}: {}", tried.join("; "))))
}

/// reqwest's `json` feature is off in this workspace; a JSON body by hand.
trait JsonBody {
    fn json_body(self, v: &serde_json::Value) -> Self;
}

impl JsonBody for reqwest::RequestBuilder {
    fn json_body(self, v: &serde_json::Value) -> Self {
        self.header("content-type", "application/json").body(v.to_string())
    }
}
