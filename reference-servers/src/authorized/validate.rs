//! Bearer JWT validation for the authorized server: signature against the
//! issuer's JWKS, `iss`, `aud`, `exp`/`nbf`, and the scopes a token carries.
//!
//! The issuer's keys, and how often a token may make this server fetch them
//! again, are [`super::jwks`]'s; only the token's `kid` and `alg` choose among
//! them (never its `jku`, `x5u`, `jwk` or `x5c`). Refused before any key is
//! looked up: a token over [`MAX_TOKEN_BYTES`], one that is not three
//! base64url parts, `alg` `none` or anything but RS256/ES256 (so an HMAC
//! token keyed with the public key never reaches a verifier), and any `crit`
//! header. Required: `exp`, `iss` (one string, this issuer exactly) and `aud`
//! (this resource, or an array containing it); `exp` and `nbf` are held to
//! [`LEEWAY_SECS`] of clock skew, inclusive at the edge.
//!
//! Per-request work is kept to the token itself (the authorized
//! server's throughput is held next to the plain one's): the keys are decoded into
//! [`jsonwebtoken::DecodingKey`]s once per fetch, and the [`Validation`] for each accepted
//! algorithm is built once, with the validator. A token already verified is
//! then served from a bounded cache of verified tokens (see
//! [`super::verified`]): its signature and claims are not checked again, its
//! `exp`/`nbf` are, on every request. The cache belongs to one fetch of the
//! keys, so a refetch (key rotation) empties it.

use std::collections::HashSet;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use serde_json::Value;

use super::jwks::KeyStore;
pub use super::jwks::MIN_REFETCH_INTERVAL;
use super::verified::Verified;

/// Clock skew tolerated on `exp` and `nbf`, in seconds.
pub const LEEWAY_SECS: u64 = 30;
/// Longest bearer token looked at: 16 KiB. Access tokens are a few hundred
/// bytes to a few KiB (the largest, with group claims, stay under 8 KiB, which
/// is also where common proxies cap a header line); a longer one is refused
/// before it is decoded, hashed or cached. (Hyper, in front, refuses request
/// headers over about 400 KB with 431 before this layer runs.)
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Why a token was refused. Each is a 401 `invalid_token` on the wire.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("the token is not a JWT")]
    Malformed,
    #[error("the token is longer than {MAX_TOKEN_BYTES} bytes")]
    TooLarge,
    #[error("unsigned tokens (alg none) are refused")]
    AlgNone,
    #[error("algorithm {0} is refused (only RS256 and ES256)")]
    Algorithm(String),
    #[error("no key with this kid in the issuer's JWKS")]
    UnknownKey,
    #[error("the token's crit header names extensions this server does not support: {0}")]
    Critical(String),
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
    /// What a token's claims grant. Each scope is matched whole and
    /// case-sensitively (`xread:add` does not grant `read:add`), from:
    ///
    /// * `scope`: one string of scopes separated by spaces, the only form RFC
    ///   9068 §2.2.3.1 allows (it takes RFC 8693 §4.2's `scope`, whose syntax
    ///   is RFC 6749 §3.3's `scope-token *( SP scope-token )`). It is split on
    ///   the space character only, so a tab, newline or no-break space inside
    ///   a scope never splits it into scopes the issuer did not grant. A
    ///   `scope` in any other form (a JSON array, a number) is ignored: it
    ///   grants nothing, and the token still authenticates, so a call that
    ///   needs a scope gets 403 `insufficient_scope` naming it, which says
    ///   what is missing where a refused token would not.
    /// * `scp`: the same string, or an array of scopes (Okta, Entra ID).
    /// * `permissions`: Auth0's array of scopes.
    pub fn from_claims(claims: &Value) -> Principal {
        let mut scopes = HashSet::new();
        if let Some(Value::String(s)) = claims.get("scope") {
            scopes.extend(space_separated(s));
        }
        match claims.get("scp") {
            Some(Value::String(s)) => scopes.extend(space_separated(s)),
            Some(Value::Array(a)) => scopes.extend(a.iter().filter_map(Value::as_str).map(String::from)),
            _ => {}
        }
        if let Some(Value::Array(a)) = claims.get("permissions") {
            scopes.extend(a.iter().filter_map(Value::as_str).map(String::from));
        }
        Principal { subject: claims.get("sub").and_then(Value::as_str).map(String::from), scopes }
    }
}

/// The scopes of an RFC 6749 §3.3 scope string: separated by SP, nothing else.
fn space_separated(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(' ').filter(|t| !t.is_empty()).map(String::from)
}

/// Where the issuer's keys come from.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// A JWKS URL.
    Jwks(String),
    /// Discover `jwks_uri` from the issuer's RFC 8414 or OpenID metadata.
    Discover,
}

pub struct Validator {
    pub issuer: String,
    pub audience: String,
    keys: KeyStore,
    rs256: Validation,
    es256: Validation,
}

impl Validator {
    pub fn new(issuer: String, audience: String, source: KeySource) -> Self {
        let rs256 = validation(Algorithm::RS256, &issuer, &audience);
        let es256 = validation(Algorithm::ES256, &issuer, &audience);
        Validator { keys: KeyStore::new(issuer.clone(), source), issuer, audience, rs256, es256 }
    }

    /// The shortest time between two fetches of the issuer's keys, instead of
    /// [`MIN_REFETCH_INTERVAL`] (tests shorten it to see a rotation picked up).
    pub fn with_refetch_interval(mut self, interval: Duration) -> Self {
        self.keys.set_min_interval(interval);
        self
    }

    /// Validates a compact JWS; on success, what it grants.
    pub async fn validate(&self, token: &str) -> Result<Principal, Rejection> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(Rejection::TooLarge);
        }
        if let Some(keys) = self.keys.current()
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
        // RFC 7515 §4.1.11: a JWS whose `crit` lists an extension the
        // recipient does not understand is invalid; this one understands none.
        if let Some(crit) = header.get("crit") {
            return Err(Rejection::Critical(crit.to_string().chars().take(64).collect()));
        }
        let kid = header.get("kid").and_then(Value::as_str);
        let (keys, key) = self.keys.key(kid, alg).await?;
        match jsonwebtoken::decode::<Value>(token, &key, v) {
            Ok(data) => {
                // RFC 7519 §4.1.1: `iss` is one StringOrURI; jsonwebtoken also
                // takes an array that merely contains the issuer.
                if !data.claims.get("iss").is_some_and(Value::is_string) {
                    return Err(Rejection::WrongIssuer);
                }
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
                ErrorKind::MissingRequiredClaim(c) => Rejection::Claims(format!("no {c} claim")),
                ErrorKind::InvalidClaimFormat(c) => Rejection::Claims(format!("{c} is not a NumericDate")),
                other => Rejection::Claims(format!("{other:?}")),
            }),
        }
    }

    /// How many verified tokens are cached now (for tests and benches).
    pub fn cached_tokens(&self) -> usize {
        self.keys.current().map_or(0, |k| k.verified.len())
    }

    /// Empties the verified-token cache, so the next validation of each
    /// token is a full one (for benches measuring that path).
    pub fn forget_tokens(&self) {
        if let Some(keys) = self.keys.current() {
            keys.verified.clear();
        }
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
