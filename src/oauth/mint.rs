//! Token minting: access tokens as the test authorization server issues them,
//! and the deliberately bad ones the harness needs to see a resource server
//! refuse (expired, wrong audience, alg `none`, a broken signature, …).
//!
//! The tampering helpers work on any JWT, so they also turn a valid token from a
//! real authorization server into negative cases without its key.

use super::keys::{SigningKeys, random_id};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::{Algorithm, Header};
use serde_json::{Value, json};
use std::sync::Arc;

/// The tokens the auth checks send. Names are the `--token-for CASE=` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TokenCase {
    Valid,
    Malformed,
    BadSignature,
    AlgNone,
    WrongIssuer,
    WrongAudience,
    Expired,
    NotYetValid,
    MissingScope,
}

impl TokenCase {
    pub const ALL: [TokenCase; 9] = [
        TokenCase::Valid,
        TokenCase::Malformed,
        TokenCase::BadSignature,
        TokenCase::AlgNone,
        TokenCase::WrongIssuer,
        TokenCase::WrongAudience,
        TokenCase::Expired,
        TokenCase::NotYetValid,
        TokenCase::MissingScope,
    ];
    pub fn name(self) -> &'static str {
        match self {
            TokenCase::Valid => "valid",
            TokenCase::Malformed => "malformed",
            TokenCase::BadSignature => "bad-signature",
            TokenCase::AlgNone => "alg-none",
            TokenCase::WrongIssuer => "wrong-issuer",
            TokenCase::WrongAudience => "wrong-audience",
            TokenCase::Expired => "expired",
            TokenCase::NotYetValid => "not-yet-valid",
            TokenCase::MissingScope => "missing-scope",
        }
    }
    pub fn from_name(s: &str) -> Option<TokenCase> {
        TokenCase::ALL.into_iter().find(|c| c.name() == s)
    }
}

impl std::fmt::Display for TokenCase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// An audience that no real resource server is: for wrong-audience tokens.
pub const FOREIGN_AUDIENCE: &str = "https://other-resource.mcpcheck.invalid/mcp";
/// An issuer no resource server trusts: for wrong-issuer tokens.
pub const FOREIGN_ISSUER: &str = "https://issuer.mcpcheck.invalid/";
/// A token that is not a JWT at all.
pub const MALFORMED: &str = "mcpcheck.not-a-jwt";

/// Signs access tokens as one issuer.
#[derive(Debug, Clone)]
pub struct Minter {
    pub issuer: String,
    pub keys: Arc<SigningKeys>,
    /// Lifetime of a valid token.
    pub ttl_secs: i64,
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Minter {
    pub fn new(issuer: impl Into<String>, keys: Arc<SigningKeys>) -> Self {
        Minter { issuer: issuer.into(), keys, ttl_secs: 3600 }
    }

    /// The claims of a valid access token. `scope` is space-separated; it is
    /// also given as Auth0's `permissions` array, so either reading works.
    pub fn claims(&self, audience: &str, scope: &str, subject: &str) -> Value {
        let now = now();
        let permissions: Vec<&str> = scope.split_whitespace().collect();
        json!({
            "iss": self.issuer, "sub": subject, "aud": audience,
            "iat": now, "nbf": now, "exp": now + self.ttl_secs,
            "jti": random_id(12), "scope": scope, "permissions": permissions,
        })
    }

    /// Signs claims with the key of `alg` (RS256 or ES256).
    pub fn sign(&self, claims: &Value, alg: Algorithm) -> Result<String, String> {
        let key = self.keys.get(alg).ok_or_else(|| format!("no {alg:?} key"))?;
        let mut header = Header::new(alg);
        header.kid = Some(key.kid.clone());
        header.typ = Some("at+jwt".into());
        jsonwebtoken::encode(&header, claims, &key.encoding).map_err(|e| e.to_string())
    }

    pub fn access_token(&self, audience: &str, scope: &str, subject: &str) -> Result<String, String> {
        self.sign(&self.claims(audience, scope, subject), Algorithm::RS256)
    }

    /// The token for one case, for a resource server at `audience` whose
    /// protected calls need `scope`.
    pub fn case(&self, case: TokenCase, audience: &str, scope: &str) -> Result<String, String> {
        let mut c = self.claims(audience, scope, "mcpcheck-harness");
        let now = now();
        match case {
            TokenCase::Valid => {}
            TokenCase::Malformed => return Ok(MALFORMED.into()),
            TokenCase::BadSignature => return tamper_signature(&self.sign(&c, Algorithm::RS256)?),
            TokenCase::AlgNone => return alg_none(&self.sign(&c, Algorithm::RS256)?),
            TokenCase::WrongIssuer => c["iss"] = json!(FOREIGN_ISSUER),
            TokenCase::WrongAudience => c["aud"] = json!(FOREIGN_AUDIENCE),
            TokenCase::Expired => {
                // Well past any sensible clock-skew leeway.
                c["iat"] = json!(now - 7200);
                c["nbf"] = json!(now - 7200);
                c["exp"] = json!(now - 3600);
            }
            TokenCase::NotYetValid => {
                c["iat"] = json!(now);
                c["nbf"] = json!(now + 3600);
                c["exp"] = json!(now + 7200);
            }
            TokenCase::MissingScope => {
                c["scope"] = json!("");
                c["permissions"] = json!([]);
            }
        }
        // ES256 for one case, so the target's JWKS handling of both key
        // types is exercised by a passing run.
        let alg = if case == TokenCase::NotYetValid { Algorithm::ES256 } else { Algorithm::RS256 };
        self.sign(&c, alg)
    }
}

fn parts(token: &str) -> Result<[&str; 3], String> {
    let v: Vec<&str> = token.split('.').collect();
    match v.as_slice() {
        [h, p, s] => Ok([h, p, s]),
        _ => Err("not a compact JWS (three dot-separated parts)".into()),
    }
}

/// The same token with one bit of its signature flipped.
pub fn tamper_signature(token: &str) -> Result<String, String> {
    let [h, p, s] = parts(token)?;
    let mut sig = B64.decode(s).map_err(|e| format!("signature is not base64url: {e}"))?;
    let last = sig.last_mut().ok_or("the token has an empty signature")?;
    *last ^= 0x01;
    Ok(format!("{h}.{p}.{}", B64.encode(sig)))
}

/// The same payload under header `{"alg":"none"}` and no signature.
pub fn alg_none(token: &str) -> Result<String, String> {
    let [h, p, _] = parts(token)?;
    let mut header: Value = serde_json::from_slice(&B64.decode(h).map_err(|e| e.to_string())?)
        .map_err(|e| format!("header is not JSON: {e}"))?;
    header["alg"] = json!("none");
    Ok(format!("{}.{p}.", B64.encode(header.to_string())))
}

/// The payload of a JWT, unverified (for reading claims such as `aud`).
pub fn payload(token: &str) -> Option<Value> {
    let [_, p, _] = parts(token).ok()?;
    serde_json::from_slice(&B64.decode(p).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_differ_as_named() {
        let keys = Arc::new(SigningKeys::generate().expect("keys"));
        let m = Minter::new("http://127.0.0.1:9/", keys);
        let aud = "http://127.0.0.1:8000/mcp";
        let valid = m.case(TokenCase::Valid, aud, "read:add").expect("valid");
        assert_eq!(payload(&valid).expect("payload")["aud"], aud);
        let none = m.case(TokenCase::AlgNone, aud, "read:add").expect("none");
        assert!(none.ends_with('.'));
        let bad = m.case(TokenCase::BadSignature, aud, "read:add").expect("bad");
        assert_ne!(bad, valid);
        let wrong = m.case(TokenCase::WrongAudience, aud, "read:add").expect("aud");
        assert_eq!(payload(&wrong).expect("payload")["aud"], FOREIGN_AUDIENCE);
        assert!(m.case(TokenCase::NotYetValid, aud, "").is_ok());
    }
}
