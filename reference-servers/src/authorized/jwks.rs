//! The issuer's keys for the authorized server: where they are (a JWKS URL,
//! or `jwks_uri` discovered from the issuer's metadata), fetching them
//! (bounded in time and size), decoding them once per fetch, and how often a
//! token may make this server fetch them again.
//!
//! Kept apart from the token checks (`validate`) because it is the one part of
//! validation that sends a request somewhere else, so it is where an
//! anonymous caller could make this resource server put load on its
//! authorization server; the rule that stops that is here, in one place:
//!
//! * The keys are fetched on first use and cached.
//! * A token whose `kid` is not in the cache (or, without a `kid`, matches no
//!   single cached key) may mean the issuer rotated its keys, so it may make
//!   this server fetch them again, but fetches (successful or not) are at
//!   least [`MIN_REFETCH_INTERVAL`] apart, and only one runs at a time: any
//!   number of tokens with made-up `kid`s costs the issuer at most one
//!   request per interval. Inside the interval such a token is refused as
//!   an unknown key without any request.
//! * A real rotation is picked up by the first token with the new `kid` that
//!   arrives once the interval since the last fetch has passed; issuers
//!   publish a new key before signing with it, so in practice no valid token
//!   is refused at all.
//! * A failed fetch keeps the keys fetched before, if any.
//!
//! Nothing a token says is ever used to find a key: its `jku`, `x5u`, `jwk` and
//! `x5c` headers are ignored (only `kid` and `alg` select among the issuer's
//! own keys).

use std::collections::HashMap;
use std::sync::{Arc, RwLock as SyncRwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;
use tokio::sync::Mutex;

use super::validate::{KeySource, Rejection};
use super::verified::TokenCache;

/// Shortest time between two fetches of the issuer's keys: 10 seconds. It
/// bounds what tokens with unknown `kid`s can make this server send the
/// issuer to 6 requests a minute, whatever their number, and is the longest a
/// token signed with a newly published key can be refused for (Nimbus
/// JOSE+JWT's JWKS source rate-limits at 30 s, node's jwks-rsa at 10 a
/// minute; a test issuer that restarts with new keys wants the short end).
pub const MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(10);
/// Bound on the issuer's metadata and JWKS documents.
const MAX_DOC: usize = 1 << 20;
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// The issuer's JWKS, decoded once per fetch.
#[derive(Default)]
pub(super) struct Keys {
    /// By `kid`: the first key with that kid, as [`JwkSet::find`] picks it;
    /// `None` when that key does not decode (then the kid matches nothing).
    by_kid: HashMap<String, Option<Arc<DecodingKey>>>,
    /// Every key that decodes, for tokens without a `kid`.
    all: Vec<Arc<DecodingKey>>,
    /// Tokens verified with these keys.
    pub(super) verified: TokenCache,
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

/// The issuer's keys as last fetched, and the fetching.
pub(super) struct KeyStore {
    issuer: String,
    source: KeySource,
    http: reqwest::Client,
    /// A std lock: it is held only to clone an `Arc`, never across an await.
    cache: SyncRwLock<Option<Arc<Keys>>>,
    /// Held while a fetch runs; when the last one started.
    last_fetch: Mutex<Option<Instant>>,
    min_interval: Duration,
}

impl KeyStore {
    pub(super) fn new(issuer: String, source: KeySource) -> Self {
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()
            .unwrap_or_default();
        KeyStore {
            issuer,
            source,
            http,
            cache: SyncRwLock::new(None),
            last_fetch: Mutex::new(None),
            min_interval: MIN_REFETCH_INTERVAL,
        }
    }

    pub(super) fn set_min_interval(&mut self, interval: Duration) {
        self.min_interval = interval;
    }

    /// The keys of the last fetch, with the tokens verified against them.
    pub(super) fn current(&self) -> Option<Arc<Keys>> {
        self.cache.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The key for `kid` and `alg`, and the fetch it comes from; fetches the
    /// keys (again) if none fits and the last fetch is old enough.
    pub(super) async fn key(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<(Arc<Keys>, Arc<DecodingKey>), Rejection> {
        if let Some(k) = self.cached(kid, alg) {
            return Ok(k);
        }
        let mut last = self.last_fetch.lock().await;
        // Another request may have fetched while this one waited.
        if let Some(k) = self.cached(kid, alg) {
            return Ok(k);
        }
        if let Some(at) = *last
            && at.elapsed() < self.min_interval
        {
            return Err(match self.current() {
                Some(_) => Rejection::UnknownKey,
                None => Rejection::Jwks(format!(
                    "the last fetch failed; not tried again within {:?} of it",
                    self.min_interval
                )),
            });
        }
        *last = Some(Instant::now());
        let keys = Arc::new(Keys::decode(&self.fetch_jwks().await?));
        let found = keys.get(kid, alg);
        *self.cache.write().unwrap_or_else(|e| e.into_inner()) = Some(keys.clone());
        found.map(|k| (keys, k)).ok_or(Rejection::UnknownKey)
    }

    fn cached(&self, kid: Option<&str>, alg: Algorithm) -> Option<(Arc<Keys>, Arc<DecodingKey>)> {
        let keys = self.current()?;
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
