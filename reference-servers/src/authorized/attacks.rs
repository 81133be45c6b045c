//! The JWT attack catalogue against the authorized server's validator, one
//! test per attack (users copy this server as an example, so each refusal is
//! pinned here): forged algorithms, keys a token brings along, unknown
//! critical headers, missing or wrong claims, the leeway's edges, scope
//! look-alikes, oversized tokens, and tokens that would make the server
//! hammer its issuer's JWKS. The same cases over HTTP, where the scheme and
//! headers matter, are in [`super::attacks_http`].

use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};

use super::testkit::{AUDIENCE, Issuer, KEYS, now, sign, unsigned};
use super::validate::{LEEWAY_SECS, MAX_TOKEN_BYTES, Principal, Rejection};

fn rs256(kid: &str) -> Value {
    json!({"alg": "RS256", "typ": "JWT", "kid": kid})
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().expect("claims object").remove(key);
    claims
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

#[tokio::test]
async fn alg_none_is_refused_in_every_spelling_before_any_key_lookup() {
    let issuer = Issuer::start().await;
    let v = issuer.validator();
    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = json!({"alg": alg, "kid": KEYS.rsa.kid});
        for signature in ["", "c2lnbmF0dXJl"] {
            let token = unsigned(&header, &issuer.claims(), signature);
            assert_eq!(v.validate(&token).await.err(), Some(Rejection::AlgNone), "{alg} {signature:?}");
        }
    }
    assert_eq!(issuer.fetches(), 0);
}

/// The classic confusion: the verifier is handed the issuer's RSA public key
/// and the token says HS256, so a library that lets the token pick the
/// algorithm would check an HMAC keyed with public bytes the attacker has.
#[tokio::test]
async fn hmac_keyed_with_the_public_key_is_refused() {
    let issuer = Issuer::start().await;
    let v = issuer.validator();
    let jwk = serde_json::to_string(&KEYS.rsa.jwk).expect("jwk json");
    let n = match &KEYS.rsa.jwk.algorithm {
        jsonwebtoken::jwk::AlgorithmParameters::RSA(rsa) => rsa.n.clone(),
        other => panic!("not RSA: {other:?}"),
    };
    for secret in [jwk.as_bytes(), n.as_bytes()] {
        for (alg, name) in
            [(Algorithm::HS256, "HS256"), (Algorithm::HS384, "HS384"), (Algorithm::HS512, "HS512")]
        {
            let header = json!({"alg": name, "kid": KEYS.rsa.kid});
            let token = sign(&EncodingKey::from_secret(secret), alg, &header, &issuer.claims());
            assert_eq!(v.validate(&token).await.err(), Some(Rejection::Algorithm(name.into())));
        }
    }
    // An algorithm outside the two accepted, and one that names the other
    // family than the key its kid selects.
    let ps = unsigned(&json!({"alg": "PS256", "kid": KEYS.rsa.kid}), &issuer.claims(), "c2ln");
    assert_eq!(v.validate(&ps).await.err(), Some(Rejection::Algorithm("PS256".into())));
    assert_eq!(issuer.fetches(), 0);
    let es_on_rsa = json!({"alg": "ES256", "kid": KEYS.rsa.kid});
    let token = sign(&KEYS.ec.encoding, Algorithm::ES256, &es_on_rsa, &issuer.claims());
    assert_eq!(v.validate(&token).await.err(), Some(Rejection::UnknownKey));
    // A header that says RS256 last but HS256 first is not read two ways.
    let dup = r#"{"alg":"HS256","kid":"rs-1","alg":"RS256"}"#;
    let token = issuer.token(&issuer.claims());
    let body = token.split_once('.').expect("dot").1;
    let forged = format!("{}.{body}", base64_url(dup));
    assert_eq!(v.validate(&forged).await.err(), Some(Rejection::Malformed));
}

fn base64_url(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

#[tokio::test]
async fn an_unknown_kid_is_refused_and_a_known_kid_does_not_lend_its_trust() {
    let issuer = Issuer::start().await;
    let v = issuer.validator();
    let a = &KEYS.attacker;
    let theirs = sign(&a.encoding, Algorithm::RS256, &rs256(&a.kid), &issuer.claims());
    assert_eq!(v.validate(&theirs).await.err(), Some(Rejection::UnknownKey));
    let borrowed = sign(&a.encoding, Algorithm::RS256, &rs256(&KEYS.rsa.kid), &issuer.claims());
    assert_eq!(v.validate(&borrowed).await.err(), Some(Rejection::BadSignature));
    // No kid: the issuer's one RSA key is tried, and it does not verify.
    let no_kid = sign(&a.encoding, Algorithm::RS256, &json!({"alg": "RS256"}), &issuer.claims());
    assert_eq!(v.validate(&no_kid).await.err(), Some(Rejection::BadSignature));
}

/// `jwk`, `jku`, `x5u` and `x5c` let a token say where its key is; a server
/// that listened would verify the attacker's signature with the attacker's
/// key. Each is ignored: never fetched, never trusted.
#[tokio::test]
async fn keys_a_token_brings_along_are_never_fetched_or_trusted() {
    let issuer = Issuer::start().await;
    let v = issuer.validator();
    let a = &KEYS.attacker;
    let x5c = "MIIBszCCAVmgAwIBAgIUY2VydA==";
    let headers = [
        json!({"alg": "RS256", "kid": a.kid, "jwk": a.jwk}),
        json!({"alg": "RS256", "jwk": a.jwk}),
        json!({"alg": "RS256", "kid": KEYS.rsa.kid, "jwk": a.jwk}),
        json!({"alg": "RS256", "kid": a.kid, "jku": issuer.foreign_url}),
        json!({"alg": "RS256", "jku": issuer.foreign_url}),
        json!({"alg": "RS256", "kid": a.kid, "x5u": issuer.foreign_url}),
        json!({"alg": "RS256", "kid": KEYS.rsa.kid, "x5u": issuer.foreign_url, "x5c": [x5c]}),
        json!({"alg": "RS256", "kid": a.kid, "jku": issuer.foreign_url, "x5u": issuer.foreign_url,
               "jwk": a.jwk, "x5c": [x5c]}),
    ];
    for header in headers {
        let token = sign(&a.encoding, Algorithm::RS256, &header, &issuer.claims());
        let why = v.validate(&token).await.expect_err("an attacker's key must not verify");
        assert!(matches!(why, Rejection::UnknownKey | Rejection::BadSignature), "{header}: {why:?}");
    }
    assert_eq!(issuer.foreign_fetches(), 0, "a key URL from a token was fetched");
}

/// RFC 7515 §4.1.11: an extension listed in `crit` that the recipient does
/// not understand makes the JWS invalid (jsonwebtoken does not check it).
#[tokio::test]
async fn an_unknown_crit_header_is_refused() {
    let issuer = Issuer::start().await;
    let v = issuer.validator();
    let claims = issuer.claims();
    let headers = [
        json!({"alg": "RS256", "kid": KEYS.rsa.kid, "crit": ["http://example.com/must-check"],
               "http://example.com/must-check": true}),
        json!({"alg": "RS256", "kid": KEYS.rsa.kid, "crit": ["b64"], "b64": false}),
        json!({"alg": "RS256", "kid": KEYS.rsa.kid, "crit": ["exp"]}),
        json!({"alg": "RS256", "kid": KEYS.rsa.kid, "crit": []}),
    ];
    for header in headers {
        let token = sign(&KEYS.rsa.encoding, Algorithm::RS256, &header, &claims);
        assert!(matches!(v.validate(&token).await, Err(Rejection::Critical(_))), "{header}");
    }
    assert!(v.validate(&issuer.token(&claims)).await.is_ok(), "the same token without crit passes");
}

#[tokio::test]
async fn exp_iss_and_aud_are_required() {
    let issuer = Issuer::start().await;
    let v = issuer.validator();
    for claim in ["exp", "aud", "iss"] {
        let token = issuer.token(&without(issuer.claims(), claim));
        assert!(v.validate(&token).await.is_err(), "no {claim} passed");
    }
    for (claim, value) in [("exp", json!(null)), ("exp", json!("9999999999")), ("aud", json!(null))] {
        let token = issuer.token(&with(issuer.claims(), claim, value.clone()));
        assert!(v.validate(&token).await.is_err(), "{claim}: {value} passed");
    }
    assert_eq!(v.cached_tokens(), 0);
}

/// `exp` and `nbf` hold to [`LEEWAY_SECS`] of skew, inclusive: a token that
/// expired exactly the leeway ago still passes, one a second more does not;
/// the same for `nbf` ahead. Checked twice per token, since a second check is
/// answered from the verified-token cache.
#[tokio::test]
async fn expiry_and_nbf_hold_exactly_to_the_leeway() {
    let issuer = Issuer::start().await;
    let v = issuer.validator();
    // The validator reads the clock itself: retry a round that straddles a
    // second, whose edges would be off by one.
    for _ in 0..5 {
        let t = now();
        let cases = [
            ("exp", t - LEEWAY_SECS, Ok(())),
            ("exp", t - LEEWAY_SECS - 1, Err(Rejection::Expired)),
            ("nbf", t + LEEWAY_SECS, Ok(())),
            ("nbf", t + LEEWAY_SECS + 1, Err(Rejection::NotYetValid)),
        ];
        let mut got = Vec::new();
        for (claim, at, _) in &cases {
            let token = issuer.token(&with(issuer.claims(), claim, json!(at)));
            for _ in 0..2 {
                got.push(v.validate(&token).await.map(|_| ()));
            }
        }
        if now() != t {
            continue;
        }
        for (i, (claim, at, want)) in cases.iter().enumerate() {
            for check in 0..2 {
                assert_eq!(
                    &got[2 * i + check],
                    want,
                    "{claim} = now {:+}, check {check}",
                    *at as i64 - t as i64
                );
            }
        }
        return;
    }
    panic!("the clock moved during every round");
}

#[tokio::test]
async fn a_wrong_issuer_is_refused_however_close() {
    let issuer = Issuer::start().await;
    let v = issuer.validator();
    let url = issuer.url.clone();
    for iss in [
        json!("https://evil.example"),
        json!(format!("{url}/")),
        json!(url.to_uppercase()),
        json!(format!("{url}.evil.example")),
        json!(["https://evil.example", url]),
        json!([url]),
        json!(7),
    ] {
        let token = issuer.token(&with(issuer.claims(), "iss", iss.clone()));
        assert!(v.validate(&token).await.is_err(), "iss {iss} passed");
    }
}

#[tokio::test]
async fn an_audience_array_passes_only_when_it_names_this_resource() {
    let issuer = Issuer::start().await;
    let v = issuer.validator();
    for aud in [json!([AUDIENCE]), json!(["https://other.example", AUDIENCE])] {
        let token = issuer.token(&with(issuer.claims(), "aud", aud.clone()));
        assert!(v.validate(&token).await.is_ok(), "aud {aud} refused");
    }
    for aud in [
        json!(["https://other.example", "https://third.example"]),
        json!([]),
        json!(format!("{AUDIENCE}/")),
        json!([format!("{AUDIENCE}x")]),
        json!("https://mcp.test"),
    ] {
        let token = issuer.token(&with(issuer.claims(), "aud", aud.clone()));
        assert_eq!(v.validate(&token).await.err(), Some(Rejection::WrongAudience), "aud {aud}");
    }
}

#[test]
fn scope_look_alikes_grant_nothing() {
    let grants = |claims: Value| Principal::from_claims(&claims).scopes.contains("read:add");
    for scope in ["read:add", "write read:add", "  read:add  ", "a  read:add b"] {
        assert!(grants(json!({ "scope": scope })), "{scope:?}");
    }
    for scope in [
        "xread:add",
        "read:addx",
        "read:add2",
        "READ:ADD",
        "read",
        "read:add\tx",
        "read:add\u{a0}x",
        "read:add,x",
    ] {
        assert!(!grants(json!({ "scope": scope })), "{scope:?}");
    }
    // RFC 9068 §2.2.3.1: `scope` is a space-delimited string. An array is
    // not that, and is ignored (see `Principal::from_claims`).
    assert!(!grants(json!({"scope": ["read:add"]})));
    assert!(!grants(json!({"scope": {"read:add": true}})));
    // `scp` and `permissions` arrays hold one scope per element, whole.
    assert!(grants(json!({"scp": ["read:add"]})) && grants(json!({"permissions": ["read:add"]})));
    assert!(grants(json!({"scp": "x read:add"})));
    assert!(!grants(json!({"scp": ["read:add x"]})) && !grants(json!({"permissions": ["xread:add"]})));
}

#[tokio::test]
async fn a_scope_array_authenticates_but_grants_nothing() {
    let issuer = Issuer::start().await;
    let v = issuer.validator();
    let token = issuer.token(&with(issuer.claims(), "scope", json!(["read:add"])));
    let p = v.validate(&token).await.expect("the token itself is valid");
    assert!(p.scopes.is_empty(), "{:?}", p.scopes);
}

#[tokio::test]
async fn an_oversized_token_is_refused_before_any_work() {
    let issuer = Issuer::start().await;
    let v = issuer.validator();
    let claims = with(issuer.claims(), "pad", json!("x".repeat(MAX_TOKEN_BYTES)));
    let signed = issuer.token(&claims);
    let megabyte = format!("{}.{}.{}", "e".repeat(1 << 19), "e".repeat(1 << 19), "e");
    for token in [signed, megabyte, "a".repeat(MAX_TOKEN_BYTES + 1)] {
        let started = Instant::now();
        assert_eq!(v.validate(&token).await.err(), Some(Rejection::TooLarge));
        assert!(started.elapsed() < Duration::from_millis(50), "{:?}", started.elapsed());
    }
    assert_eq!(issuer.fetches(), 0);
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
