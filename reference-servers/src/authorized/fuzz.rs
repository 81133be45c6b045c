//! Fuzzing the bearer-token validator ([`super::validate`]) with proptest
//! (stable Rust; the root crate's `tests/fuzz_decoders.rs` says why): any
//! text as a token, and tokens truly signed (by the issuer's keys or an
//! attacker's) over headers and claims of every shape. Properties: no
//! panic; garbage and the attacker's signatures never pass; a token that
//! passes names this issuer as one string and no `crit`; a second look (the
//! verified-token cache) gives the same answer as the first.

use std::collections::BTreeSet;
use std::sync::LazyLock;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::Algorithm;
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{Map, Value, json};

use super::testkit::{AUDIENCE, Issuer, KEYS, now, sign};
use super::validate::{Rejection, Validator, unverified_claims};

/// `n` cases in `cargo test`; `FUZZ_CASES` (scripts/fuzz.sh) overrides. Not
/// `PROPTEST_CASES`: proptest applies that over every config in code.
fn cases(n: u32) -> Config {
    let cases = std::env::var("FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(n);
    Config { cases, max_shrink_time: 30_000, ..Config::default() }
}

/// The runtime the issuer's JWKS is served on, kept for every case.
static RT: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("rt")
});

/// One issuer and one validator for all cases, so the key store and the
/// verified-token cache see every token in turn.
static ISSUER: LazyLock<(Issuer, Validator)> = LazyLock::new(|| {
    RT.block_on(async {
        let issuer = Issuer::start().await;
        let validator = issuer.validator();
        (issuer, validator)
    })
});

/// What a validation gave: the subject and scopes granted, or the rejection.
type Outcome = Result<(Option<String>, BTreeSet<String>), Rejection>;

fn validate(token: &str) -> Outcome {
    let v = &ISSUER.1;
    RT.block_on(async { tokio::time::timeout(Duration::from_secs(10), v.validate(token)).await })
        .expect("validation hung")
        .map(|p| (p.subject, p.scopes.into_iter().collect()))
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,10}".prop_map(Value::String),
    ]
}

fn any_json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(".{0,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// The first of `choices` (the right value, so that some tokens get all
/// the way through), another, anything, or nothing (`None` leaves the
/// member out).
fn member(choices: Vec<Value>) -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        6 => Just(Some(choices[0].clone())),
        2 => prop::sample::select(choices).prop_map(Some),
        1 => any_json().prop_map(Some),
        1 => Just(None),
    ]
}

fn object(members: Vec<(&'static str, Option<Value>)>, extra: Map<String, Value>) -> Value {
    let mut m = extra;
    for (k, v) in members {
        if let Some(v) = v {
            m.insert(k.into(), v);
        }
    }
    Value::Object(m)
}

/// Which key signs, and as what.
#[derive(Debug, Clone, Copy)]
enum Signer {
    IssuerRsa,
    IssuerEc,
    Attacker,
}

fn header() -> impl Strategy<Value = Value> {
    let alg = member(vec![json!("RS256"), json!("ES256"), json!("none"), json!("HS256"), json!("rs256")]);
    let kid = member(vec![json!("rs-1"), json!("es-1"), json!("attacker-1"), json!(1)]);
    let crit = prop_oneof![4 => Just(None), 1 => any_json().prop_map(Some)];
    let extra = prop::collection::btree_map(
        prop::sample::select(vec!["typ", "jku", "x5u", "jwk", "b64", "zip"]).prop_map(String::from),
        any_json(),
        0..3,
    );
    (alg, kid, crit, extra).prop_map(|(alg, kid, crit, extra)| {
        object(vec![("alg", alg), ("kid", kid), ("crit", crit)], extra.into_iter().collect())
    })
}

/// Claims with each member right, wrong or odd; `iss` and times filled in at
/// signing (they depend on the issuer's URL and the clock).
fn claims() -> impl Strategy<Value = Vec<(&'static str, Option<Value>)>> {
    let iss = member(vec![json!("$iss"), json!("http://elsewhere"), json!(["$iss"]), json!("$iss/")]);
    let aud = member(vec![json!(AUDIENCE), json!([AUDIENCE, "x"]), json!("https://other/mcp"), json!([])]);
    // The first is right for `exp` and `nbf` alike: 20 s ago is within the leeway.
    let time = || {
        member(vec![
            json!("-20"),
            json!("-1000"),
            json!("+300"),
            json!("+1000"),
            json!(1e300),
            json!(-1),
            json!(u64::MAX),
        ])
    };
    let scope = member(vec![json!("read:add"), json!("a  b\tc"), json!(["read:add"]), json!("")]);
    let scp = member(vec![json!("read:add write"), json!(["x", 1, null]), json!({})]);
    let sub = member(vec![json!("alice"), json!(""), json!(7)]);
    (iss, aud, time(), time(), scope, scp, sub).prop_map(|(iss, aud, exp, nbf, scope, scp, sub)| {
        vec![
            ("iss", iss),
            ("aud", aud),
            ("exp", exp),
            ("nbf", nbf),
            ("scope", scope),
            ("scp", scp),
            ("sub", sub),
        ]
    })
}

/// Fills in the placeholders: `$iss` is the issuer, `+n`/`-n` now plus or
/// minus n seconds.
fn fill(v: Value, iss: &str) -> Value {
    match v {
        Value::String(s) if s.starts_with("$iss") => Value::String(s.replacen("$iss", iss, 1)),
        Value::String(s) if s.starts_with('+') || s.starts_with('-') => match s[1..].parse::<u64>() {
            Ok(n) if s.starts_with('+') => json!(now() + n),
            Ok(n) => json!(now().saturating_sub(n)),
            Err(_) => Value::String(s),
        },
        Value::Array(a) => Value::Array(a.into_iter().map(|x| fill(x, iss)).collect()),
        other => other,
    }
}

/// Every string in `v` (not its JSON text: that escapes a tab).
fn strings(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().flat_map(strings).collect(),
        Value::Object(m) => m.values().flat_map(strings).collect(),
        _ => vec![],
    }
}

fn signer() -> impl Strategy<Value = Signer> {
    prop_oneof![Just(Signer::IssuerRsa), Just(Signer::IssuerEc), Just(Signer::Attacker)]
}

fn token_text() -> impl Strategy<Value = String> {
    let part =
        prop_oneof!["[A-Za-z0-9_-]{0,40}", any_json().prop_map(|v| B64.encode(v.to_string())), ".{0,20}",];
    prop_oneof![
        ".{0,200}",
        prop::collection::vec(part, 1..5).prop_map(|p| p.join(".")),
        (1usize..40_000).prop_map(|n| format!("{}.{}.{}", "e".repeat(n), "e", "e")),
    ]
}

proptest! {
    #![proptest_config(cases(128))]

    #[test]
    fn garbage_tokens_are_refused(token in token_text()) {
        let first = validate(&token);
        prop_assert!(first.is_err(), "{token:?} passed");
        prop_assert_eq!(validate(&token), first);
        if let Err(why) = validate(&token) {
            prop_assert!(why.to_string().chars().count() < 200, "rejection text unbounded");
        }
        let _ = unverified_claims(&token);
    }

    #[test]
    fn signed_tokens_of_any_shape_pass_only_as_they_should(header in header(), members in claims(), signer in signer()) {
        let iss = ISSUER.0.url.clone();
        let claims = object(members.into_iter().map(|(k, v)| (k, v.map(|v| fill(v, &iss)))).collect(), Map::new());
        let (key, alg) = match signer {
            Signer::IssuerRsa => (&KEYS.rsa.encoding, Algorithm::RS256),
            Signer::IssuerEc => (&KEYS.ec.encoding, Algorithm::ES256),
            Signer::Attacker => (&KEYS.attacker.encoding, Algorithm::RS256),
        };
        let token = sign(key, alg, &header, &claims);
        let first = validate(&token);
        prop_assert_eq!(&validate(&token), &first, "the cached answer differs");
        if let Ok((_, scopes)) = first {
            prop_assert!(!matches!(signer, Signer::Attacker), "an attacker's signature passed");
            prop_assert_eq!(claims.get("iss"), Some(&json!(iss)));
            prop_assert!(header.get("crit").is_none());
            let alg_name = if matches!(alg, Algorithm::RS256) { "RS256" } else { "ES256" };
            prop_assert_eq!(header.get("alg"), Some(&json!(alg_name)));
            let exp = claims.get("exp").and_then(Value::as_f64);
            prop_assert!(exp.is_some_and(|e| e + 30.0 >= now() as f64), "expired token passed: {claims}");
            let texts = strings(&claims);
            for s in &scopes {
                prop_assert!(texts.iter().any(|t| t.contains(s.as_str())), "scope {s:?} from nowhere");
            }
        }
    }
}

/// The generators' first choices make a token that passes, so the signed
/// target reaches the accepting path (and its checks), not only refusals.
#[test]
fn the_first_choices_make_a_passing_token() {
    let iss = ISSUER.0.url.clone();
    let header = json!({"alg": "RS256", "kid": "rs-1"});
    let claims =
        json!({"iss": iss, "aud": AUDIENCE, "exp": now() - 20, "nbf": now() - 20, "scope": "read:add"});
    let token = sign(&KEYS.rsa.encoding, Algorithm::RS256, &header, &claims);
    assert_eq!(validate(&token), Ok((None, BTreeSet::from(["read:add".to_string()]))));
}
