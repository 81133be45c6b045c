//! Fixtures for the authorized server's attack tests ([`super::attacks`],
//! [`super::attacks_http`]), kept apart so those files hold only the cases:
//! an issuer with real keys (one RS256, one ES256) whose JWKS is served on
//! 127.0.0.1:0 and counts every fetch, a second endpoint on it that counts
//! any fetch of an attacker's key URL (`jku`, `x5u`), and tokens signed from
//! raw header and claims JSON, so a test can write any header an attacker
//! would.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use axum::{Json, Router, extract::State, http::StatusCode, response::IntoResponse, routing::get};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey};
use pkcs8::der::Decode;
use serde_json::{Value, json};

use super::validate::{KeySource, Validator};

/// The `aud` every test token is minted for.
pub const AUDIENCE: &str = "https://mcp.test/mcp";

/// A private key, its kid and its public JWK.
#[derive(Clone)]
pub struct TestKey {
    pub kid: String,
    pub encoding: EncodingKey,
    pub jwk: Jwk,
}

fn finish(kid: &str, alg: Algorithm, encoding: EncodingKey) -> TestKey {
    let mut jwk = Jwk::from_encoding_key(&encoding, alg).expect("public jwk");
    jwk.common.key_id = Some(kid.to_string());
    TestKey { kid: kid.to_string(), encoding, jwk }
}

pub fn rsa_key(kid: &str) -> TestKey {
    let pair = RsaKeyPair::generate(KeySize::Rsa2048).expect("rsa key");
    let pkcs8: Pkcs8V1Der = pair.as_der().expect("pkcs8");
    // jsonwebtoken signs RSA with PKCS#1, which PKCS#8's privateKey holds.
    let info = pkcs8::PrivateKeyInfo::from_der(pkcs8.as_ref()).expect("pkcs8 der");
    finish(kid, Algorithm::RS256, EncodingKey::from_rsa_der(info.private_key))
}

pub fn ec_key(kid: &str) -> TestKey {
    let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).expect("ec key");
    let doc = pair.to_pkcs8v1().expect("pkcs8");
    finish(kid, Algorithm::ES256, EncodingKey::from_ec_der(doc.as_ref()))
}

/// Keys made once per test binary (RSA generation is slow in debug builds):
/// the issuer's two and an attacker's.
pub struct Keys {
    pub rsa: TestKey,
    pub ec: TestKey,
    pub attacker: TestKey,
    /// A key the issuer publishes later (a rotation).
    pub next: TestKey,
}

pub static KEYS: LazyLock<Keys> = LazyLock::new(|| Keys {
    rsa: rsa_key("rs-1"),
    ec: ec_key("es-1"),
    attacker: rsa_key("attacker-1"),
    next: ec_key("es-2"),
});

/// A compact JWS of exactly this header and these claims, signed with `key`
/// as `alg` (whatever the header says).
pub fn sign(key: &EncodingKey, alg: Algorithm, header: &Value, claims: &Value) -> String {
    let message = format!("{}.{}", B64.encode(header.to_string()), B64.encode(claims.to_string()));
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), key, alg).expect("sign");
    format!("{message}.{signature}")
}

/// A compact JWS with this header and claims and a signature part as given.
pub fn unsigned(header: &Value, claims: &Value, signature: &str) -> String {
    format!("{}.{}.{signature}", B64.encode(header.to_string()), B64.encode(claims.to_string()))
}

pub fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

struct Served {
    jwks: Mutex<JwkSet>,
    fetches: AtomicUsize,
    foreign_fetches: AtomicUsize,
    failing: AtomicBool,
}

/// The test issuer: its JWKS on 127.0.0.1:0, counting fetches.
pub struct Issuer {
    /// `iss` of its tokens.
    pub url: String,
    pub jwks_url: String,
    /// Where an attacker's `jku`/`x5u` points: this issuer's listener too,
    /// so that any fetch of it is counted.
    pub foreign_url: String,
    served: Arc<Served>,
}

impl Issuer {
    /// Serves the JWKS (the RS256 and the ES256 key) until the test's runtime
    /// ends.
    pub async fn start() -> Issuer {
        let served = Arc::new(Served {
            jwks: Mutex::new(JwkSet { keys: vec![KEYS.rsa.jwk.clone(), KEYS.ec.jwk.clone()] }),
            fetches: AtomicUsize::new(0),
            foreign_fetches: AtomicUsize::new(0),
            failing: AtomicBool::new(false),
        });
        let app = Router::new()
            .route("/jwks", get(jwks))
            .route("/attacker/keys", get(foreign))
            .with_state(served.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        Issuer {
            url: format!("http://{addr}"),
            jwks_url: format!("http://{addr}/jwks"),
            foreign_url: format!("http://{addr}/attacker/keys"),
            served,
        }
    }

    /// How many times the JWKS was fetched.
    pub fn fetches(&self) -> usize {
        self.served.fetches.load(Ordering::SeqCst)
    }

    /// How many times the attacker's key URL was fetched.
    pub fn foreign_fetches(&self) -> usize {
        self.served.foreign_fetches.load(Ordering::SeqCst)
    }

    /// Adds a key to the JWKS (a rotation: the new key is published).
    pub fn publish(&self, jwk: Jwk) {
        self.served.jwks.lock().expect("jwks lock").keys.push(jwk);
    }

    /// Makes the JWKS endpoint answer 503 (or work again).
    pub fn set_failing(&self, failing: bool) {
        self.served.failing.store(failing, Ordering::SeqCst);
    }

    pub fn validator(&self) -> Validator {
        Validator::new(self.url.clone(), AUDIENCE.into(), KeySource::Jwks(self.jwks_url.clone()))
    }

    /// Claims that pass: this issuer, [`AUDIENCE`], five minutes left,
    /// scope `read:add`.
    pub fn claims(&self) -> Value {
        json!({"iss": self.url, "aud": AUDIENCE, "sub": "alice", "iat": now(), "exp": now() + 300,
               "scope": "read:add"})
    }

    /// A token with these claims, RS256 under the issuer's key.
    pub fn token(&self, claims: &Value) -> String {
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": KEYS.rsa.kid});
        sign(&KEYS.rsa.encoding, Algorithm::RS256, &header, claims)
    }
}

async fn jwks(State(s): State<Arc<Served>>) -> impl IntoResponse {
    s.fetches.fetch_add(1, Ordering::SeqCst);
    if s.failing.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let set = s.jwks.lock().expect("jwks lock").clone();
    Json(set).into_response()
}

async fn foreign(State(s): State<Arc<Served>>) -> impl IntoResponse {
    s.foreign_fetches.fetch_add(1, Ordering::SeqCst);
    Json(JwkSet { keys: vec![KEYS.attacker.jwk.clone()] })
}
