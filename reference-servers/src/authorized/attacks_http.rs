//! The JWT attack catalogue over HTTP: the authorized server on 127.0.0.1:0
//! in front of a test issuer ([`super::testkit`]), for the cases where what
//! the HTTP layer does matters: how the `Authorization` header is read (scheme
//! case, spaces, repeats), what size of header reaches the validator, what
//! the refusals look like on the wire, and that a fault that accepts bad
//! tokens still does. Every request has a timeout.

use std::time::{Duration, Instant};

use jsonwebtoken::Algorithm;
use reqwest::StatusCode;
use serde_json::json;

use super::testkit::{AUDIENCE, Issuer, KEYS, sign, unsigned};
use super::{AuthorizedOptions, KeySource, serve_authorized_http};
use crate::faults::{Fault, FaultSet};
use crate::http::HttpOptions;

const TIMEOUT: Duration = Duration::from_secs(10);

struct Server {
    url: String,
    client: reqwest::Client,
}

async fn start(issuer: &Issuer, faults: FaultSet) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let mut opts = AuthorizedOptions::new(issuer.url.clone(), KeySource::Jwks(issuer.jwks_url.clone()));
    opts.http = HttpOptions::with_faults(faults);
    opts.resource = Some(AUDIENCE.into());
    tokio::spawn(serve_authorized_http(listener, opts, std::future::pending()));
    let client = reqwest::Client::builder().no_proxy().timeout(TIMEOUT).build().expect("client");
    Server { url: format!("http://{addr}/mcp"), client }
}

/// What the server answered: status and `WWW-Authenticate`.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    challenge: String,
}

impl Answer {
    /// Past the auth layer: the MCP server answered.
    fn passed(&self) -> bool {
        self.status.is_success()
    }

    fn error(&self) -> Option<&str> {
        let rest = self.challenge.split("error=\"").nth(1)?;
        rest.split('"').next()
    }
}

impl Server {
    /// POSTs `body` with these `Authorization` field lines.
    async fn post(&self, authorization: &[&str], body: serde_json::Value) -> Answer {
        let mut req = self
            .client
            .post(&self.url)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .body(body.to_string());
        for value in authorization {
            // reqwest appends: each value is one more field line.
            req = req.header("authorization", *value);
        }
        let resp = req.send().await.expect("the server answers");
        let challenge =
            resp.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        Answer { status: resp.status(), challenge }
    }

    async fn initialize(&self, authorization: &[&str]) -> Answer {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "attacks", "version": "0"}}});
        self.post(authorization, body).await
    }

    async fn call_add(&self, authorization: &str) -> Answer {
        let body = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {"name": "add", "arguments": {"a": 1, "b": 2}}});
        self.post(&[authorization], body).await
    }
}

#[tokio::test]
async fn forged_tokens_are_401_invalid_token() {
    let issuer = Issuer::start().await;
    let server = start(&issuer, FaultSet::default()).await;
    let claims = issuer.claims();
    let valid = issuer.token(&claims);
    assert!(server.initialize(&[&format!("Bearer {valid}")]).await.passed());
    let none = unsigned(&json!({"alg": "none"}), &claims, "");
    let jwk = serde_json::to_vec(&KEYS.rsa.jwk).expect("jwk");
    let hs = sign(
        &jsonwebtoken::EncodingKey::from_secret(&jwk),
        Algorithm::HS256,
        &json!({"alg": "HS256"}),
        &claims,
    );
    let a = &KEYS.attacker;
    let embedded = sign(&a.encoding, Algorithm::RS256, &json!({"alg": "RS256", "jwk": a.jwk}), &claims);
    let crit = sign(
        &KEYS.rsa.encoding,
        Algorithm::RS256,
        &json!({"alg": "RS256", "kid": KEYS.rsa.kid, "crit": ["x"], "x": 1}),
        &claims,
    );
    for token in [none, hs, embedded, crit, "abc".into()] {
        let answer = server.initialize(&[&format!("Bearer {token}")]).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{token}");
        assert_eq!(answer.error(), Some("invalid_token"), "{answer:?}");
    }
}

/// The AcceptAlgNone and AcceptBadSignature faults still accept what they
/// name, and nothing else.
#[tokio::test]
async fn the_faults_that_accept_forged_tokens_still_do() {
    let issuer = Issuer::start().await;
    let claims = issuer.claims();
    let none = unsigned(&json!({"alg": "none"}), &claims, "");
    let valid = issuer.token(&claims);
    let tampered = format!("{}AAAA", valid.trim_end_matches(|c: char| c != '.'));
    let server = start(&issuer, FaultSet::from(Fault::AcceptAlgNone)).await;
    assert!(server.initialize(&[&format!("Bearer {none}")]).await.passed());
    assert_eq!(server.initialize(&[&format!("Bearer {tampered}")]).await.status, StatusCode::UNAUTHORIZED);
    let server = start(&issuer, FaultSet::from(Fault::AcceptBadSignature)).await;
    assert!(server.initialize(&[&format!("Bearer {tampered}")]).await.passed());
    assert_eq!(server.initialize(&[&format!("Bearer {none}")]).await.status, StatusCode::UNAUTHORIZED);
}

/// RFC 9110 §11.1: auth-scheme names are case-insensitive. RFC 6750 §2.1:
/// `"Bearer" 1*SP b64token`, so any number of spaces, but only spaces,
/// between scheme and token; RFC 9110 §5.5: whitespace around the field
/// value is not part of it. Anything else is not a bearer credential (a
/// bare 401 challenge) or not a token (401 `invalid_token`).
#[tokio::test]
async fn the_bearer_scheme_is_read_as_rfc_9110_and_6750_say() {
    let issuer = Issuer::start().await;
    let server = start(&issuer, FaultSet::default()).await;
    let token = issuer.token(&issuer.claims());
    for value in [
        format!("Bearer {token}"),
        format!("bearer {token}"),
        format!("BEARER {token}"),
        format!("bEaReR {token}"),
        format!("Bearer    {token}"),
        format!("  Bearer {token}  "),
        format!("\tBearer {token}\t"),
    ] {
        let answer = server.initialize(&[&value]).await;
        assert!(answer.passed(), "{value:?}: {answer:?}");
    }
    for value in [
        format!("Bearer\t{token}"),
        format!("Bearer:{token}"),
        format!("Bearer: {token}"),
        format!("Bearer{token}"),
        format!("Bearers {token}"),
        format!("Token {token}"),
        "Bearer".to_string(),
        "Bearer    ".to_string(),
    ] {
        let answer = server.initialize(&[&value]).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{value:?}");
        assert_eq!(answer.error(), None, "no bearer token, no error code: {value:?} {answer:?}");
    }
    for value in [format!("Bearer {token} extra"), format!("Bearer {token}\tx"), format!("Bearer \t{token}")]
    {
        let answer = server.initialize(&[&value]).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{value:?}");
        assert_eq!(answer.error(), Some("invalid_token"), "{value:?} {answer:?}");
    }
}

/// RFC 9110 §5.3: Authorization is not a list; two field lines are a
/// malformed request (RFC 6750 §3.1: 400 `invalid_request`), whichever of
/// them is valid.
#[tokio::test]
async fn two_authorization_headers_are_refused() {
    let issuer = Issuer::start().await;
    let server = start(&issuer, FaultSet::default()).await;
    let valid = format!("Bearer {}", issuer.token(&issuer.claims()));
    for pair in
        [[valid.as_str(), valid.as_str()], [valid.as_str(), "Bearer abc"], ["Bearer abc", valid.as_str()]]
    {
        let answer = server.initialize(&pair).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{answer:?}");
        assert_eq!(answer.error(), Some("invalid_request"), "{answer:?}");
    }
}

#[tokio::test]
async fn huge_tokens_are_refused_fast() {
    let issuer = Issuer::start().await;
    let server = start(&issuer, FaultSet::default()).await;
    let claims = issuer.claims();
    // Signed by the issuer, so only its size is wrong.
    let padded = issuer.token(&json!({"pad": "x".repeat(64 * 1024), "iss": claims["iss"], "aud": AUDIENCE,
                                      "exp": claims["exp"]}));
    let megabyte = format!("{}.{}.x", "e".repeat(1 << 19), "e".repeat(1 << 19));
    for (token, allowed) in [
        (padded, &[StatusCode::UNAUTHORIZED][..]),
        (
            megabyte,
            &[StatusCode::UNAUTHORIZED, StatusCode::BAD_REQUEST, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE]
                [..],
        ),
    ] {
        let started = Instant::now();
        let answer = server.initialize(&[&format!("Bearer {token}")]).await;
        let took = started.elapsed();
        assert!(allowed.contains(&answer.status), "{} bytes: {answer:?}", token.len());
        assert!(took < Duration::from_secs(2), "{} bytes took {took:?}", token.len());
    }
    assert_eq!(issuer.fetches(), 0);
}

/// RFC 9068 §2.2.3.1: `scope` is a space-delimited string. A token whose
/// `scope` is an array still authenticates but grants nothing: 403
/// `insufficient_scope`, naming the scope, for a tool that needs one.
#[tokio::test]
async fn scope_look_alikes_and_arrays_get_403_insufficient_scope() {
    let issuer = Issuer::start().await;
    let server = start(&issuer, FaultSet::default()).await;
    let mut claims = issuer.claims();
    for scope in [json!("xread:add"), json!("read:add2 READ:ADD"), json!(["read:add"]), json!("read:add\tx")]
    {
        claims["scope"] = scope.clone();
        let answer = server.call_add(&format!("Bearer {}", issuer.token(&claims))).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{scope}: {answer:?}");
        assert_eq!(answer.error(), Some("insufficient_scope"), "{answer:?}");
        assert!(answer.challenge.contains("scope=\"read:add\""), "{answer:?}");
    }
    claims["scope"] = json!("other read:add");
    let answer = server.call_add(&format!("Bearer {}", issuer.token(&claims))).await;
    assert!(
        answer.status != StatusCode::FORBIDDEN && answer.status != StatusCode::UNAUTHORIZED,
        "{answer:?}"
    );
}

/// What an anonymous caller can make the server send its issuer: 30 tokens
/// with random kids, over HTTP (on main before the limit: 30 fetches).
#[tokio::test]
async fn thirty_unknown_kids_cost_the_issuer_one_fetch() {
    let issuer = Issuer::start().await;
    let server = start(&issuer, FaultSet::default()).await;
    let a = &KEYS.attacker;
    for i in 0..30 {
        let kid = format!("{:016x}", (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let token =
            sign(&a.encoding, Algorithm::RS256, &json!({"alg": "RS256", "kid": kid}), &issuer.claims());
        let answer = server.initialize(&[&format!("Bearer {token}")]).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    let fetches = issuer.fetches();
    assert!(fetches <= 1, "30 unknown-kid tokens made {fetches} JWKS fetches");
    let valid = issuer.token(&issuer.claims());
    assert!(server.initialize(&[&format!("Bearer {valid}")]).await.passed());
    assert_eq!(issuer.fetches(), fetches);
}

/// The authorized server reads a body (to find the scope a call needs) only
/// up to the plain server's cap, and passes deep nesting on to be refused.
#[tokio::test]
async fn oversized_and_deeply_nested_bodies_are_refused_after_auth() {
    let issuer = Issuer::start().await;
    let server = start(&issuer, FaultSet::default()).await;
    let bearer = format!("Bearer {}", issuer.token(&issuer.claims()));
    let post = |body: String| {
        server
            .client
            .post(&server.url)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .header("authorization", &bearer)
            .body(body)
            .send()
    };
    let over = " ".repeat(crate::http::Limits::MAX_BODY + 1);
    assert_eq!(post(over).await.expect("answered").status(), StatusCode::PAYLOAD_TOO_LARGE);
    let deep = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"add","x":{}}}}}"#,
        "[".repeat(100_000)
    );
    assert_eq!(post(deep).await.expect("answered").status(), StatusCode::BAD_REQUEST);
}
