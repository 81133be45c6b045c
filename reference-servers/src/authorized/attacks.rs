//! The JWT attack catalogue against the authorized server's validator, one
//! test per attack (users copy this server as an example, so each refusal is
//! pinned here): forged algorithms, keys a token brings along, unknown
//! critical headers, missing or wrong claims, the leeway's edges, scope
//! look-alikes, oversized tokens, and tokens that would make the server
//! hammer its issuer's JWKS. The same cases over HTTP, where the scheme and
//! headers matter, are in [`super::attacks_http`].

use std::time::{Duration, Instant};

use jsonwebtoken::Algorithm;
use serde_json::{Value, json};

use super::testkit::{Issuer, KEYS, sign};
use super::validate::Rejection;

fn rs256(kid: &str) -> Value {
    json!({"alg": "RS256", "typ": "JWT", "kid": kid})
}

#[tokio::test]
async fn a_valid_token_passes() {
    let issuer = Issuer::start().await;
    let v = issuer.validator();
    let p = v.validate(&issuer.token(&issuer.claims())).await.expect("valid");
    assert!(p.scopes.contains("read:add"));
    let es = json!({"alg": "ES256", "kid": KEYS.ec.kid});
    assert!(v.validate(&sign(&KEYS.ec.encoding, Algorithm::ES256, &es, &issuer.claims())).await.is_ok());
    assert_eq!(issuer.fetches(), 1);
}

/// Measured before the limit: 30 tokens with made-up kids made 30 JWKS
/// fetches. Now the first fetch (nothing cached yet) is the only one within
/// the interval, however the tokens arrive.
#[tokio::test]
async fn unknown_kids_do_not_make_the_server_hammer_the_issuer() {
    let issuer = Issuer::start().await;
    let v = issuer.validator();
    let a = &KEYS.attacker;
    for i in 0..15 {
        let token = sign(&a.encoding, Algorithm::RS256, &rs256(&format!("random-{i}")), &issuer.claims());
        assert_eq!(v.validate(&token).await.err(), Some(Rejection::UnknownKey));
    }
    let tokens: Vec<String> = (15..30)
        .map(|i| sign(&a.encoding, Algorithm::RS256, &rs256(&format!("random-{i}")), &issuer.claims()))
        .collect();
    let all = futures::future::join_all(tokens.iter().map(|t| v.validate(t))).await;
    assert!(all.iter().all(|r| matches!(r, Err(Rejection::UnknownKey))), "{all:?}");
    let fetches = issuer.fetches();
    assert_eq!(fetches, 1, "30 unknown-kid tokens made {fetches} JWKS fetches");
    // The issuer's own tokens are still served from the keys fetched.
    assert!(v.validate(&issuer.token(&issuer.claims())).await.is_ok());
    assert_eq!(issuer.fetches(), 1);
}

/// A rotation (a new kid published) is picked up by the first token with the
/// new kid once the interval has passed; before that it is an unknown key,
/// and costs no fetch.
#[tokio::test]
async fn a_rotated_key_is_picked_up_after_the_interval() {
    let issuer = Issuer::start().await;
    let interval = Duration::from_millis(400);
    let v = issuer.validator().with_refetch_interval(interval);
    assert!(v.validate(&issuer.token(&issuer.claims())).await.is_ok());
    let started = Instant::now();
    issuer.publish(KEYS.next.jwk.clone());
    let header = json!({"alg": "ES256", "kid": KEYS.next.kid});
    let rotated = sign(&KEYS.next.encoding, Algorithm::ES256, &header, &issuer.claims());
    for _ in 0..10 {
        assert_eq!(v.validate(&rotated).await.err(), Some(Rejection::UnknownKey));
    }
    assert!(started.elapsed() < interval, "the test machine is too slow for this interval");
    assert_eq!(issuer.fetches(), 1);
    tokio::time::sleep(interval).await;
    assert!(v.validate(&rotated).await.is_ok(), "the new key was not picked up");
    assert_eq!(issuer.fetches(), 2);
    // Unknown kids after the rotation: again at most one fetch per interval.
    let a = &KEYS.attacker;
    for i in 0..30 {
        let token = sign(&a.encoding, Algorithm::RS256, &rs256(&format!("after-{i}")), &issuer.claims());
        assert!(v.validate(&token).await.is_err());
    }
    let elapsed = started.elapsed();
    let bound = 2 + (elapsed.as_millis() / interval.as_millis()) as usize;
    assert!(issuer.fetches() <= bound, "{} fetches in {elapsed:?}", issuer.fetches());
}

/// A JWKS endpoint that fails is not retried per token either; the keys
/// fetched before it failed go on being used.
#[tokio::test]
async fn a_failing_jwks_endpoint_is_not_retried_per_token() {
    let issuer = Issuer::start().await;
    let v = issuer.validator();
    issuer.set_failing(true);
    for _ in 0..30 {
        assert!(matches!(v.validate(&issuer.token(&issuer.claims())).await, Err(Rejection::Jwks(_))));
    }
    assert_eq!(issuer.fetches(), 1);

    let issuer = Issuer::start().await;
    let v = issuer.validator().with_refetch_interval(Duration::ZERO);
    let valid = issuer.token(&issuer.claims());
    assert!(v.validate(&valid).await.is_ok());
    issuer.set_failing(true);
    let a = &KEYS.attacker;
    let unknown = sign(&a.encoding, Algorithm::RS256, &rs256("nope"), &issuer.claims());
    assert!(matches!(v.validate(&unknown).await, Err(Rejection::Jwks(_))));
    v.forget_tokens();
    assert!(v.validate(&valid).await.is_ok(), "a failed refetch dropped the keys");
}
