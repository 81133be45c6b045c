//! Finding the authorization server as an MCP client must: the 401
//! challenge's `resource_metadata` (or the RFC 9728 well-known URIs) leads to
//! the protected resource metadata, whose `authorization_servers` lead to
//! RFC 8414 / OpenID Connect metadata, whose `token_endpoint` is where tokens
//! come from. The auth checks hold servers to the same order (they use the
//! URL lists and the challenge parser here), and mcpcheck follows it itself
//! when it is given client credentials and no token endpoint.

use super::source::SourceError;
use crate::spec::SpecVersion;
use std::collections::BTreeMap;

/// The RFC 9728 well-known path.
pub const PRM_WELL_KNOWN: &str = "/.well-known/oauth-protected-resource";

/// A parsed `WWW-Authenticate` challenge: scheme and parameters (names
/// lower-cased).
#[derive(Debug, Clone, PartialEq)]
pub struct Challenge {
    pub scheme: String,
    pub params: BTreeMap<String, String>,
}

impl Challenge {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }
    pub fn is_bearer(&self) -> bool {
        self.scheme.eq_ignore_ascii_case("bearer")
    }
}

/// The challenges of a `WWW-Authenticate` value (RFC 9110 §11.6.1).
///
/// By hand: the grammar is a few lines (scheme, then `name=token` or
/// `name="quoted"` pairs), and no well-kept crate parses it on its own.
pub fn parse_challenges(value: &str) -> Vec<Challenge> {
    let mut out: Vec<Challenge> = Vec::new();
    let chars: Vec<char> = value.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && (chars[i] == ',' || chars[i].is_whitespace()) {
            i += 1;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && chars[i] != ',' && chars[i] != '=' {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        if word.is_empty() {
            break;
        }
        let mut j = i;
        while j < chars.len() && chars[j].is_whitespace() {
            j += 1;
        }
        if j < chars.len() && chars[j] == '=' && !out.is_empty() {
            // A parameter of the current challenge.
            j += 1;
            while j < chars.len() && chars[j].is_whitespace() {
                j += 1;
            }
            let mut v = String::new();
            if j < chars.len() && chars[j] == '"' {
                j += 1;
                while j < chars.len() && chars[j] != '"' {
                    if chars[j] == '\\' && j + 1 < chars.len() {
                        j += 1;
                    }
                    v.push(chars[j]);
                    j += 1;
                }
                j += 1;
            } else {
                while j < chars.len() && chars[j] != ',' && !chars[j].is_whitespace() {
                    v.push(chars[j]);
                    j += 1;
                }
            }
            if let Some(c) = out.last_mut() {
                c.params.insert(word.to_ascii_lowercase(), v);
            }
            i = j;
        } else {
            out.push(Challenge { scheme: word, params: BTreeMap::new() });
            i = j;
        }
    }
    out
}

/// Origin and path of a URL (`http://h:1`, `/mcp`), path without a trailing slash.
pub fn split_url(url: &str) -> (String, String) {
    match url::Url::parse(url) {
        Ok(u) => (u.origin().ascii_serialization(), u.path().trim_end_matches('/').to_string()),
        Err(_) => (url.to_string(), String::new()),
    }
}

/// Well-known URLs for `issuer`, in the order clients of `version` try them:
/// 2025-06-18 knows RFC 8414 only ("MCP clients MUST follow the OAuth 2.0
/// Authorization Server Metadata [RFC8414] specification"); 2025-11-25 added
/// the OpenID Connect Discovery variants after it.
pub fn as_metadata_candidates(issuer: &str, version: SpecVersion) -> Vec<String> {
    let (origin, path) = split_url(issuer);
    let mut urls = vec![format!("{origin}/.well-known/oauth-authorization-server{path}")];
    if version >= SpecVersion::V2025_11_25 {
        urls.push(format!("{origin}/.well-known/openid-configuration{path}"));
        if !path.is_empty() {
            urls.push(format!("{origin}{path}/.well-known/openid-configuration"));
        }
    }
    urls
}

/// Where a client looks for the protected resource metadata of `endpoint`,
/// after the challenge's `resource_metadata`: the well-known URI with the
/// endpoint's path inserted, then at the root.
pub fn prm_candidates(endpoint: &str) -> Vec<String> {
    let (origin, path) = split_url(endpoint);
    let mut urls = Vec::new();
    if !path.is_empty() {
        urls.push(format!("{origin}{PRM_WELL_KNOWN}{path}"));
    }
    urls.push(format!("{origin}{PRM_WELL_KNOWN}"));
    urls
}

/// What discovery found for an MCP endpoint: where the protected resource
/// metadata and the authorization server's metadata were, and that metadata.
#[derive(Debug, Clone)]
pub struct Discovered {
    pub issuer: String,
    pub metadata: serde_json::Value,
    /// The path taken, for the report.
    pub how: String,
}

impl Discovered {
    fn str_field(&self, name: &str) -> Option<&str> {
        self.metadata.get(name).and_then(|v| v.as_str())
    }
    pub fn token_endpoint(&self) -> Option<&str> {
        self.str_field("token_endpoint")
    }
    pub fn registration_endpoint(&self) -> Option<&str> {
        self.str_field("registration_endpoint")
    }
    /// Whether the metadata lists this grant type (RFC 8414's default, when
    /// it lists none, is authorization_code and implicit).
    pub fn supports_grant(&self, grant: &str) -> bool {
        match self.metadata.get("grant_types_supported").and_then(|g| g.as_array()) {
            Some(list) => list.iter().any(|g| g.as_str() == Some(grant)),
            None => ["authorization_code", "implicit"].contains(&grant),
        }
    }
}

/// The authorization server that protects `endpoint`, found as a client
/// must: `initialize` without a token → 401 → protected resource metadata
/// (the challenge's `resource_metadata`, else the well-known URIs) → its
/// first authorization server → that server's metadata, in the
/// specification's order. Every request is bounded (10 s, capped bodies).
pub async fn discover(endpoint: &str) -> Result<Discovered, SourceError> {
    let http = super::source::client();
    let init = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": SpecVersion::NEWEST_HANDSHAKE.as_str(), "capabilities": {},
        "clientInfo": {"name": "mcpcheck", "version": env!("CARGO_PKG_VERSION")}}});
    let resp = http
        .post(endpoint)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(init.to_string())
        .send()
        .await
        .map_err(|e| SourceError::Http { url: endpoint.into(), detail: e.to_string() })?;
    let status = resp.status().as_u16();
    let challenge = resp
        .headers()
        .get_all("www-authenticate")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(parse_challenges)
        .find(Challenge::is_bearer);
    let mut prm_urls: Vec<String> =
        challenge.and_then(|c| c.param("resource_metadata").map(String::from)).into_iter().collect();
    let from_challenge = !prm_urls.is_empty();
    prm_urls.extend(prm_candidates(endpoint));
    let mut tried = Vec::new();
    let mut found = None;
    for url in &prm_urls {
        match super::source::get_json(&http, url).await {
            Ok(doc) => {
                let server = doc
                    .get("authorization_servers")
                    .and_then(|a| a.as_array())
                    .and_then(|a| a.first())
                    .and_then(|s| s.as_str());
                match server {
                    Some(s) => {
                        found = Some((url.clone(), s.to_string()));
                        break;
                    }
                    None => tried.push(format!("{url} names no authorization_servers")),
                }
            }
            Err(e) => tried.push(e.to_string()),
        }
    }
    let Some((prm, issuer)) = found else {
        return Err(SourceError::Other(format!(
            "no protected resource metadata found for {endpoint} (it answered HTTP {status} without a token): {}",
            tried.join("; ")
        )));
    };
    let mut tried = Vec::new();
    for url in as_metadata_candidates(&issuer, SpecVersion::NEWEST_HANDSHAKE) {
        match super::source::get_json(&http, &url).await {
            Ok(metadata) => {
                let via = if from_challenge {
                    "the 401 challenge's resource_metadata"
                } else {
                    "the well-known URI"
                };
                let how = format!("{via} {prm} → authorization server {issuer} → {url}");
                return Ok(Discovered { issuer, metadata, how });
            }
            Err(e) => tried.push(e.to_string()),
        }
    }
    Err(SourceError::Other(format!("no authorization server metadata for {issuer}: {}", tried.join("; "))))
}

/// The token endpoint that protects `endpoint`, and how it was found.
pub async fn token_endpoint(endpoint: &str) -> Result<(String, String), SourceError> {
    let d = discover(endpoint).await?;
    match d.token_endpoint() {
        Some(t) => Ok((t.to_string(), format!("token endpoint discovered: {}", d.how))),
        None => {
            Err(SourceError::Other(format!("{}'s metadata names no token_endpoint ({})", d.issuer, d.how)))
        }
    }
}

/// Registers mcpcheck as a confidential client for the client credentials
/// grant (RFC 7591) at the server's `registration_endpoint`: the client id
/// and secret it was given.
pub async fn register(d: &Discovered) -> Result<(String, String), SourceError> {
    let Some(url) = d.registration_endpoint() else {
        return Err(SourceError::Other(format!("{} offers no registration_endpoint", d.issuer)));
    };
    let body = serde_json::json!({
        "client_name": "mcpcheck",
        "grant_types": ["client_credentials"],
        "token_endpoint_auth_method": "client_secret_basic",
    });
    let resp = super::source::client()
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| SourceError::Http { url: url.into(), detail: e.to_string() })?;
    let (status, json, text) = super::source::read_json(url, resp).await?;
    let field = |n: &str| json.get(n).and_then(|v| v.as_str()).map(String::from);
    match (status, field("client_id"), field("client_secret")) {
        (200 | 201, Some(id), Some(secret)) => Ok((id, secret)),
        (200 | 201, _, _) => {
            Err(SourceError::Other(format!("{url} registered no confidential client: {text}")))
        }
        (s, _, _) => Err(SourceError::Refused { url: url.into(), status: s, body: text }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prm_is_looked_for_with_the_path_inserted_then_at_the_root() {
        assert_eq!(
            prm_candidates("https://h.example/api/mcp"),
            [
                "https://h.example/.well-known/oauth-protected-resource/api/mcp",
                "https://h.example/.well-known/oauth-protected-resource"
            ]
        );
        assert_eq!(
            prm_candidates("https://h.example/"),
            ["https://h.example/.well-known/oauth-protected-resource"]
        );
    }
}
