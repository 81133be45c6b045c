//! The authorized server's cache of verified tokens
//! (reference-servers/src/authorized/verified.rs), against real tokens from
//! the in-process authorization server: a cached token is still refused once
//! it expires, no refused token is ever cached or served from the cache, and a
//! refetch of the issuer's keys empties it. (That it stays within its byte
//! bound is a unit test there.)

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::Algorithm;
use mcpcheck::oauth::mint::{self, TokenCase};
use mcpcheck::oauth::server::{self, Running};
use reference_servers::authorized::{LEEWAY_SECS, Rejection, Validator};
use reference_servers::{FaultSet, KeySource};
use serde_json::json;
use std::time::Duration;

const AUDIENCE: &str = "http://127.0.0.1:1/mcp";
const OTHER_AUDIENCE: &str = "http://127.0.0.1:2/mcp";

async fn issuer() -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    server::spawn(listener, None, FaultSet::default()).await.expect("authorization server")
}

fn validator(issuer: &Running, audience: &str) -> Validator {
    Validator::new(issuer.url.clone(), audience.into(), KeySource::Discover)
}

#[tokio::test]
async fn a_cached_token_is_refused_once_it_expires() {
    let issuer = issuer().await;
    let v = validator(&issuer, AUDIENCE);
    let minter = &issuer.server.minter;
    // Valid only thanks to the leeway, for two more seconds.
    let mut claims = minter.claims(AUDIENCE, "read:add", "t");
    let exp = mint::now() - LEEWAY_SECS as i64 + 2;
    claims["exp"] = json!(exp);
    claims["nbf"] = json!(exp - 100);
    let token = minter.sign(&claims, Algorithm::RS256).expect("sign");
    assert!(v.validate(&token).await.is_ok());
    assert_eq!(v.cached_tokens(), 1);
    assert!(v.validate(&token).await.is_ok(), "served from the cache while still valid");
    // Past exp + leeway: refused, from the cache and afresh.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while mint::now() <= exp + LEEWAY_SECS as i64 {
        assert!(std::time::Instant::now() < deadline, "clock did not advance");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(v.validate(&token).await.err(), Some(Rejection::Expired));
    assert_eq!(v.cached_tokens(), 0, "an expired token leaves the cache");
    assert_eq!(v.validate(&token).await.err(), Some(Rejection::Expired));
}

#[tokio::test]
async fn a_token_for_another_audience_is_never_served_from_the_cache() {
    let issuer = issuer().await;
    let (here, there) = (validator(&issuer, AUDIENCE), validator(&issuer, OTHER_AUDIENCE));
    let minter = &issuer.server.minter;
    let ours = minter.access_token(AUDIENCE, "read:add", "t").expect("mint");
    let theirs = minter.access_token(OTHER_AUDIENCE, "read:add", "t").expect("mint");
    assert!(here.validate(&ours).await.is_ok());
    assert!(there.validate(&theirs).await.is_ok());
    for _ in 0..2 {
        assert_eq!(here.validate(&theirs).await.err(), Some(Rejection::WrongAudience));
        assert_eq!(there.validate(&ours).await.err(), Some(Rejection::WrongAudience));
    }
    assert_eq!((here.cached_tokens(), there.cached_tokens()), (1, 1));
}

#[tokio::test]
async fn refused_tokens_are_never_cached_and_never_served() {
    let issuer = issuer().await;
    let v = validator(&issuer, AUDIENCE);
    let minter = &issuer.server.minter;
    let valid = minter.case(TokenCase::Valid, AUDIENCE, "read:add").expect("mint");
    assert!(v.validate(&valid).await.is_ok());
    let refused = [
        (mint::tamper_signature(&valid).expect("tamper"), Rejection::BadSignature),
        (mint::alg_none(&valid).expect("alg none"), Rejection::AlgNone),
        (minter.case(TokenCase::WrongIssuer, AUDIENCE, "read:add").expect("mint"), Rejection::WrongIssuer),
        (
            minter.case(TokenCase::WrongAudience, AUDIENCE, "read:add").expect("mint"),
            Rejection::WrongAudience,
        ),
        (minter.case(TokenCase::Expired, AUDIENCE, "read:add").expect("mint"), Rejection::Expired),
        (minter.case(TokenCase::NotYetValid, AUDIENCE, "read:add").expect("mint"), Rejection::NotYetValid),
    ];
    for round in 0..2 {
        for (token, why) in &refused {
            assert_eq!(v.validate(token).await.err().as_ref(), Some(why), "round {round}");
        }
        assert!(v.validate(&valid).await.is_ok(), "round {round}: the valid token still passes");
    }
    assert_eq!(v.cached_tokens(), 1, "only the valid token is cached");
}

#[tokio::test]
async fn a_refetch_of_the_keys_empties_the_cache() {
    let issuer = issuer().await;
    // Refetches are rate-limited (reference-servers' jwks::MIN_REFETCH_INTERVAL);
    // with no interval the unknown kid below refetches at once.
    let v = validator(&issuer, AUDIENCE).with_refetch_interval(Duration::ZERO);
    let valid = issuer.server.minter.access_token(AUDIENCE, "read:add", "t").expect("mint");
    assert!(v.validate(&valid).await.is_ok());
    assert_eq!(v.cached_tokens(), 1);
    // A kid the issuer never published: the validator refetches the JWKS (the
    // issuer may have rotated its keys), and the tokens verified with the old
    // keys must be verified again.
    let rest = valid.split_once('.').map(|(_, rest)| rest).expect("compact JWS");
    let header = B64.encode(r#"{"alg":"RS256","typ":"at+jwt","kid":"rotated-away"}"#);
    let unknown = format!("{header}.{rest}");
    assert_eq!(v.validate(&unknown).await.err(), Some(Rejection::UnknownKey));
    assert_eq!(v.cached_tokens(), 0);
    assert!(v.validate(&valid).await.is_ok());
    assert_eq!(v.cached_tokens(), 1);
}
