//! Bearer JWT validation for the authorized server: signature against the
//! issuer's JWKS, `iss`, `aud`, `exp`/`nbf`, and the scopes a token carries.
//!
//! The JWKS is fetched on first use and cached; a token whose `kid` is not in
//! the cache triggers one refetch (the issuer may have rotated keys), never more
//! per token, and at most one refetch runs at a time.
//!
//! Per-request work is kept to the token itself (the authorized
//! server's throughput is held next to the plain one's): the keys are decoded into
//! [`DecodingKey`]s once per fetch, and the [`Validation`] for each accepted
//! algorithm is built once, with the validator. A token already verified is
//! then served from a bounded cache of verified tokens (see
//! [`super::verified`]): its signature and claims are not checked again, its
//! `exp`/`nbf` are, on every request. The cache belongs to one fetch of the
//! keys, so a refetch (key rotation) empties it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock as SyncRwLock};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use tokio::sync::Mutex;

use super::verified::{TokenCache, Verified};

/// Clock skew tolerated on `exp` and `nbf`, in seconds.
pub const LEEWAY_SECS: u64 = 30;
/// Bound on the issuer's metadata and JWKS documents.
const MAX_DOC: usize = 1 << 20;
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a token was refused. Each is a 401 `invalid_token` on the wire.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("the token is not a JWT")]
    Malformed,
    #[error("unsigned tokens (alg none) are refused")]
    AlgNone,
    #[error("algorithm {0} is refused (only RS256 and ES256)")]
    Algorithm(String),
    #[error("no key with this kid in the issuer's JWKS")]
    UnknownKey,
    #[error("the signature does not verify")]
    BadSignature,
    #[error("the token is from another issuer")]
    WrongIssuer,
    #[error("the token is not for this resource (aud)")]
    WrongAudience,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not yet valid (nbf)")]
    NotYetValid,
    #[error("the token's claims are invalid: {0}")]
    Claims(String),
    #[error("the issuer's keys could not be fetched: {0}")]
    Jwks(String),
}

/// What a valid token grants.
#[derive(Debug, Clone, Default)]
pub struct Principal {
    pub subject: Option<String>,
    pub scopes: HashSet<String>,
}

impl Principal {
    /// Scopes from `scope` (space-separated string), `scp` (string or array)
    /// and Auth0's `permissions` (array).
    pub fn from_claims(claims: &Value) -> Principal {
        let mut scopes = HashSet::new();
        for key in ["scope", "scp", "permissions"] {
            match claims.get(key) {
                Some(Value::String(s)) => scopes.extend(s.split_whitespace().map(String::from)),
                Some(Value::Array(a)) => scopes.extend(a.iter().filter_map(Value::as_str).map(String::from)),
                _ => {}
            }
        }
        Principal { subject: claims.get("sub").and_then(Value::as_str).map(String::from), scopes }
    }
}

/// Where the issuer's keys come from.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// A JWKS URL.
    Jwks(String),
    /// Discover `jwks_uri` from the issuer's RFC 8414 or OpenID metadata.
    Discover,
}

/// The issuer's JWKS, decoded once per fetch.
#[derive(Default)]
struct Keys {
    /// By `kid`: the first key with that kid, as [`JwkSet::find`] picks it;
    /// `None` when that key does not decode (then the kid matches nothing).
    by_kid: HashMap<String, Option<Arc<DecodingKey>>>,
    /// Every key that decodes, for tokens without a `kid`.
    all: Vec<Arc<DecodingKey>>,
    /// Tokens verified with these keys.
    verified: TokenCache,
}

impl Keys {
    fn decode(set: &JwkSet) -> Keys {
        let mut keys = Keys::default();
        for jwk in &set.keys {
            let decoded = DecodingKey::from_jwk(jwk).ok().map(Arc::new);
            if let Some(k) = &decoded {
                keys.all.push(k.clone());
            }
            if let Some(kid) = &jwk.common.key_id {
                keys.by_kid.entry(kid.clone()).or_insert(decoded);
            }
        }
        keys
    }

    fn get(&self, kid: Option<&str>, alg: Algorithm) -> Option<Arc<DecodingKey>> {
        let fits = |k: &&Arc<DecodingKey>| k.family() == alg.family();
        match kid {
            Some(kid) => self.by_kid.get(kid)?.as_ref().filter(fits).cloned(),
            // No kid: the only key that fits the algorithm, if there is one.
            None => {
                let mut fitting = self.all.iter().filter(fits);
                match (fitting.next(), fitting.next()) {
                    (Some(one), None) => Some(one.clone()),
                    _ => None,
                }
            }
        }
    }
}

pub struct Validator {
    pub issuer: String,
    pub audience: String,
    source: KeySource,
    http: reqwest::Client,
    /// A std lock: it is held only to clone an `Arc`, never across an await.
    cache: SyncRwLock<Option<Arc<Keys>>>,
    refetch: Mutex<()>,
    rs256: Validation,
    es256: Validation,
}

impl Validator {
    pub fn new(issuer: String, audience: String, source: KeySource) -> Self {
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()
            .unwrap_or_default();
        let rs256 = validation(Algorithm::RS256, &issuer, &audience);
        let es256 = validation(Algorithm::ES256, &issuer, &audience);
        Validator {
            issuer,
            audience,
            source,
            http,
            cache: SyncRwLock::new(None),
            refetch: Mutex::new(()),
            rs256,
            es256,
        }
    }

    /// Validates a compact JWS; on success, what it grants.
    pub async fn validate(&self, token: &str) -> Result<Principal, Rejection> {
        if let Some(keys) = self.keys()
            && let Some(hit) = keys.verified.get(token)
        {
            return match hit.check(jsonwebtoken::get_current_timestamp()) {
                Ok(()) => Ok(hit.principal.clone()),
                Err(why) => {
                    // Expiry is final: make room for tokens still in use.
                    keys.verified.remove(token);
                    Err(why)
                }
            };
        }
        let header = raw_header(token).ok_or(Rejection::Malformed)?;
        let alg = header.get("alg").and_then(Value::as_str).ok_or(Rejection::Malformed)?;
        // Decided before any library parsing: `none` and HMAC must never reach
        // a verifier that might accept them with a public key as the secret.
        let (alg, v) = match alg {
            "RS256" => (Algorithm::RS256, &self.rs256),
            "ES256" => (Algorithm::ES256, &self.es256),
            a if a.eq_ignore_ascii_case("none") => return Err(Rejection::AlgNone),
            a => return Err(Rejection::Algorithm(a.chars().take(16).collect())),
        };
        let kid = header.get("kid").and_then(Value::as_str);
        let (keys, key) = self.key(kid, alg).await?;
        match jsonwebtoken::decode::<Value>(token, &key, v) {
            Ok(data) => {
                let principal = Principal::from_claims(&data.claims);
                if let Some(verified) = Verified::new(principal.clone(), &data.claims) {
                    keys.verified.insert(token, verified);
                }
                Ok(principal)
            }
            Err(e) => Err(match e.kind() {
                ErrorKind::InvalidSignature => Rejection::BadSignature,
                ErrorKind::ExpiredSignature => Rejection::Expired,
                ErrorKind::ImmatureSignature => Rejection::NotYetValid,
                ErrorKind::InvalidIssuer => Rejection::WrongIssuer,
                ErrorKind::InvalidAudience => Rejection::WrongAudience,
                ErrorKind::InvalidToken | ErrorKind::Base64(_) | ErrorKind::Json(_) | ErrorKind::Utf8(_) => {
                    Rejection::Malformed
                }
                other => Rejection::Claims(format!("{other:?}")),
            }),
        }
    }

    /// How many verified tokens are cached now (for tests and benches).
    pub fn cached_tokens(&self) -> usize {
        self.keys().map_or(0, |k| k.verified.len())
    }

    /// Empties the verified-token cache, so the next validation of each
    /// token is a full one (for benches measuring that path).
    pub fn forget_tokens(&self) {
        if let Some(keys) = self.keys() {
            keys.verified.clear();
        }
    }

    /// The keys of the last fetch, with the tokens verified against them.
    fn keys(&self) -> Option<Arc<Keys>> {
        self.cache.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The key for `kid` and `alg`, and the fetch it comes from.
    async fn key(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<(Arc<Keys>, Arc<DecodingKey>), Rejection> {
        if let Some(k) = self.cached(kid, alg) {
            return Ok(k);
        }
        // Unknown kid (or nothing fetched yet): one refetch, serialised so a
        // burst of tokens with a bogus kid does not hammer the issuer.
        let _guard = self.refetch.lock().await;
        if let Some(k) = self.cached(kid, alg) {
            return Ok(k);
        }
        let keys = Arc::new(Keys::decode(&self.fetch_jwks().await?));
        let found = keys.get(kid, alg);
        *self.cache.write().unwrap_or_else(|e| e.into_inner()) = Some(keys.clone());
        found.map(|k| (keys, k)).ok_or(Rejection::UnknownKey)
    }

    fn cached(&self, kid: Option<&str>, alg: Algorithm) -> Option<(Arc<Keys>, Arc<DecodingKey>)> {
        let keys = self.keys()?;
        let key = keys.get(kid, alg)?;
        Some((keys, key))
    }

    async fn fetch_jwks(&self) -> Result<JwkSet, Rejection> {
        let url = match &self.source {
            KeySource::Jwks(u) => u.clone(),
            KeySource::Discover => self.discover_jwks_uri().await?,
        };
        let doc = self.get_json(&url).await?;
        serde_json::from_value(doc).map_err(|e| Rejection::Jwks(format!("{url}: {e}")))
    }

    async fn discover_jwks_uri(&self) -> Result<String, Rejection> {
        let base = self.issuer.trim_end_matches('/');
        let mut last = String::new();
        for well_known in ["oauth-authorization-server", "openid-configuration"] {
            let url = format!("{base}/.well-known/{well_known}");
            match self.get_json(&url).await {
                Ok(doc) => {
                    if let Some(u) = doc.get("jwks_uri").and_then(Value::as_str) {
                        return Ok(u.to_string());
                    }
                    last = format!("{url} has no jwks_uri");
                }
                Err(e) => last = e.to_string(),
            }
        }
        Err(Rejection::Jwks(last))
    }

    async fn get_json(&self, url: &str) -> Result<Value, Rejection> {
        let fail = |e: String| Rejection::Jwks(format!("{url}: {e}"));
        let mut resp = self.http.get(url).send().await.map_err(|e| fail(e.to_string()))?;
        if !resp.status().is_success() {
            return Err(fail(format!("HTTP {}", resp.status())));
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| fail(e.to_string()))? {
            if body.len() + chunk.len() > MAX_DOC {
                return Err(fail("document too large".into()));
            }
            body.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&body).map_err(|e| fail(e.to_string()))
    }
}

/// What a token signed with `alg` must satisfy here.
fn validation(alg: Algorithm, issuer: &str, audience: &str) -> Validation {
    let mut v = Validation::new(alg);
    v.set_issuer(&[issuer]);
    v.set_audience(&[audience]);
    v.leeway = LEEWAY_SECS;
    v.validate_nbf = true;
    v.set_required_spec_claims(&["exp", "iss", "aud"]);
    v
}

/// The JOSE header of a compact JWS, as JSON, if the token has that shape.
fn raw_header(token: &str) -> Option<Value> {
    let mut parts = token.split('.');
    let (h, _, _) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    serde_json::from_slice(&B64.decode(h).ok()?).ok()
}

/// The claims of a token, unverified: only for faults that accept bad tokens.
pub fn unverified_claims(token: &str) -> Option<Value> {
    let p = token.split('.').nth(1)?;
    serde_json::from_slice(&B64.decode(p).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scopes_from_every_claim_form() {
        let p = Principal::from_claims(&json!({"scope": "a b", "scp": ["c"], "permissions": ["read:add"]}));
        for s in ["a", "b", "c", "read:add"] {
            assert!(p.scopes.contains(s), "{s}");
        }
    }

    #[tokio::test]
    async fn none_and_hmac_are_refused_before_any_key_lookup() {
        let v = Validator::new(
            "http://i".into(),
            "http://a".into(),
            KeySource::Jwks("http://127.0.0.1:1/".into()),
        );
        let none = format!("{}.{}.", B64.encode(r#"{"alg":"none"}"#), B64.encode("{}"));
        assert_eq!(v.validate(&none).await.err(), Some(Rejection::AlgNone));
        let hs = format!("{}.{}.c2ln", B64.encode(r#"{"alg":"HS256"}"#), B64.encode("{}"));
        assert_eq!(v.validate(&hs).await.err(), Some(Rejection::Algorithm("HS256".into())));
        assert_eq!(v.validate("abc").await.err(), Some(Rejection::Malformed));
    }
}
