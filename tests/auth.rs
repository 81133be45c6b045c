//! Authorization end to end: `serve authorized` and `authserver` in-process,
//! tokens got the ways real clients get them, the FastMCP-like server, and
//! token acquisition against authorization-server quirks (wiremock).

use mcpcheck::oauth::embedded::{self, AuthorizedTarget};
use mcpcheck::oauth::server::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, pkce_s256};
use mcpcheck::oauth::source::{AudienceParam, ClientAuth, ClientCredentials};
use mcpcheck::report::model::Status;
use mcpcheck::runner::{self, Plan, RunOptions};
use mcpcheck::spec::SpecVersion;
use mcpcheck::wire::Limits;
use reference_servers::FaultSet;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use wiremock::matchers::{body_string_contains, header_exists, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn start(faults: &[&str]) -> AuthorizedTarget {
    let names: Vec<String> = faults.iter().map(|s| s.to_string()).collect();
    embedded::start(FaultSet::parse(&names).expect("faults"), Limits::default()).await.expect("servers start")
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).no_proxy().build().expect("client")
}

/// `initialize` with this bearer token: the HTTP status.
async fn initialize_status(resource: &str, token: &str) -> u16 {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    http()
        .post(resource)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(body.to_string())
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

async fn form_post(url: &str, form: &[(&str, &str)], basic: Option<(&str, &str)>) -> (u16, Value) {
    let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
    let mut req = http().post(url).header("content-type", "application/x-www-form-urlencoded").body(body);
    if let Some((u, p)) = basic {
        req = req.basic_auth(u, Some(p));
    }
    let resp = req.send().await.expect("token request");
    let status = resp.status().as_u16();
    (status, serde_json::from_slice(&resp.bytes().await.expect("body")).unwrap_or(Value::Null))
}

#[tokio::test]
async fn client_credentials_tokens_are_accepted_basic_and_post() {
    let t = start(&[]).await;
    let token_url = format!("{}/token", t.authserver.url);
    for auth in [ClientAuth::Basic, ClientAuth::Post] {
        let cc = ClientCredentials {
            token_url: token_url.clone(),
            client_id: DEFAULT_CLIENT_ID.into(),
            client_secret: DEFAULT_CLIENT_SECRET.into(),
            audience_param: AudienceParam::Resource,
            auth,
            scope: None,
        };
        let token = cc.token(&t.resource).await.expect("token");
        assert_eq!(initialize_status(&t.resource, &token).await, 200, "{auth:?}");
        // A token for another resource is refused (RFC 8707 audience).
        let other = cc.token("http://127.0.0.1:1/other").await.expect("token");
        assert_eq!(initialize_status(&t.resource, &other).await, 401);
    }
    let (status, body) =
        form_post(&token_url, &[("grant_type", "client_credentials")], Some((DEFAULT_CLIENT_ID, "wrong")))
            .await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")));
}

#[tokio::test]
async fn authorization_code_with_pkce_dynamic_registration_and_refresh_rotation() {
    let t = start(&[]).await;
    let base = &t.authserver.url;
    let redirect = "http://127.0.0.1:1/callback";
    let reg: Value = serde_json::from_slice(
        &http()
            .post(format!("{base}/register"))
            .header("content-type", "application/json")
            .body(json!({"redirect_uris": [redirect], "token_endpoint_auth_method": "none"}).to_string())
            .send()
            .await
            .expect("register")
            .bytes()
            .await
            .expect("body"),
    )
    .expect("json");
    let client_id = reg["client_id"].as_str().expect("client_id").to_string();
    let verifier = "a-verifier-of-forty-three-characters-or-more-0123";
    let mut authorize = url::Url::parse(&format!("{base}/authorize")).expect("url");
    authorize
        .query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &client_id)
        .append_pair("redirect_uri", redirect)
        .append_pair("code_challenge", &pkce_s256(verifier))
        .append_pair("code_challenge_method", "S256")
        .append_pair("state", "xyz")
        .append_pair("scope", "read:add")
        .append_pair("resource", &t.resource);
    let resp = http().get(authorize.as_str()).send().await.expect("authorize");
    assert_eq!(resp.status().as_u16(), 303);
    let location =
        resp.headers().get("location").and_then(|v| v.to_str().ok()).expect("location").to_string();
    let back = url::Url::parse(&location).expect("redirect url");
    let code = back.query_pairs().find(|(k, _)| k == "code").map(|(_, v)| v.into_owned()).expect("code");
    assert!(back.query_pairs().any(|(k, v)| k == "state" && v == "xyz"));
    let token_url = format!("{base}/token");
    let grant = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect),
        ("client_id", client_id.as_str()),
        ("code_verifier", verifier),
    ];
    let (status, tokens) = form_post(&token_url, &grant, None).await;
    assert_eq!(status, 200, "{tokens}");
    let access = tokens["access_token"].as_str().expect("access token");
    assert_eq!(initialize_status(&t.resource, access).await, 200);
    // The code is single-use.
    assert_eq!(form_post(&token_url, &grant, None).await.0, 400);
    // Refresh rotation: the new refresh token works, the old one is spent.
    let old = tokens["refresh_token"].as_str().expect("refresh token").to_string();
    let refresh = |rt: String| {
        let client_id = client_id.clone();
        let token_url = token_url.clone();
        async move {
            form_post(
                &token_url,
                &[("grant_type", "refresh_token"), ("refresh_token", &rt), ("client_id", &client_id)],
                None,
            )
            .await
        }
    };
    let (status, rotated) = refresh(old.clone()).await;
    assert_eq!(status, 200);
    assert_ne!(rotated["refresh_token"], json!(old));
    assert_eq!(refresh(old).await.0, 400);
    let again = rotated["access_token"].as_str().expect("access token");
    assert_eq!(initialize_status(&t.resource, again).await, 200);
}

#[tokio::test]
async fn pkce_is_required() {
    let t = start(&[]).await;
    let base = &t.authserver.url;
    let redirect = "http://127.0.0.1:1/cb";
    let reg: Value = serde_json::from_slice(
        &http()
            .post(format!("{base}/register"))
            .header("content-type", "application/json")
            .body(json!({"redirect_uris": [redirect]}).to_string())
            .send()
            .await
            .expect("register")
            .bytes()
            .await
            .expect("body"),
    )
    .expect("json");
    let url = format!(
        "{base}/authorize?response_type=code&client_id={}&redirect_uri={redirect}",
        reg["client_id"].as_str().expect("id")
    );
    let resp = http().get(url).send().await.expect("authorize");
    let location =
        resp.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert!(location.contains("error=invalid_request"), "{location}");
}

/// The seed's FastMCP `JWTVerifier` setup: 401 without resource_metadata and
/// no metadata document, 401 instead of 403 for a missing scope. mcpcheck
/// must report exactly those failures.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fastmcp_like_server_fails_exactly_the_two_checks() {
    let t = start(&["no-resource-metadata", "insufficient-scope-401"]).await;
    let opts =
        RunOptions { only: vec!["auth/".into()], auth: Some(t.material.clone()), ..RunOptions::default() };
    for (version, expected) in [
        (SpecVersion::V2025_06_18, ["auth/challenge/resource-metadata", "auth/tokens/missing-scope-403"]),
        (SpecVersion::V2025_11_25, ["auth/prm/discoverable", "auth/tokens/missing-scope-403"]),
    ] {
        let report = runner::run(&t.endpoint, &Plan::forced(&[version]), &opts).await;
        let failed: BTreeSet<&str> =
            report.checks.iter().filter(|r| r.status == Status::Fail).map(|r| r.id.as_str()).collect();
        assert_eq!(failed, expected.into_iter().collect(), "on {version}");
        assert!(report.checks.iter().all(|r| r.status != Status::Error), "no errors on {version}");
    }
}

fn cc(server: &MockServer, param: AudienceParam, auth: ClientAuth) -> ClientCredentials {
    ClientCredentials {
        token_url: format!("{}/oauth/token", server.uri()),
        client_id: "cid".into(),
        client_secret: "s3cret".into(),
        audience_param: param,
        auth,
        scope: None,
    }
}

#[tokio::test]
async fn auth0_style_audience_with_secret_in_the_form() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("audience=http%3A%2F%2Flocalhost%3A8000%2Fmcp"))
        .and(body_string_contains("client_secret=s3cret"))
        .and(body_string_contains("grant_type=client_credentials"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "a.b.c", "token_type": "Bearer"})),
        )
        .mount(&server)
        .await;
    let token =
        cc(&server, AudienceParam::Audience, ClientAuth::Post).token("http://localhost:8000/mcp").await;
    assert_eq!(token.expect("token"), "a.b.c");
}

#[tokio::test]
async fn rfc8707_resource_with_basic_client_auth() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(header_exists("authorization"))
        .and(body_string_contains("resource=http%3A%2F%2Flocalhost%3A8000%2Fmcp"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access_token": "x.y.z"})))
        .mount(&server)
        .await;
    let token =
        cc(&server, AudienceParam::Resource, ClientAuth::Basic).token("http://localhost:8000/mcp").await;
    assert_eq!(token.expect("token"), "x.y.z");
    let sent = server.received_requests().await.unwrap_or_default();
    let body = String::from_utf8_lossy(&sent[0].body).to_string();
    assert!(!body.contains("client_secret"), "the secret went in the body too: {body}");
}

#[tokio::test]
async fn token_endpoint_errors_are_reported_not_swallowed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(403).set_body_json(
            json!({"error": "access_denied", "error_description": "Service not enabled within domain"}),
        ))
        .mount(&server)
        .await;
    let err = cc(&server, AudienceParam::Audience, ClientAuth::Post).token("http://localhost:8000/mcp").await;
    let msg = err.expect_err("refused").to_string();
    assert!(msg.contains("403") && msg.contains("access_denied"), "{msg}");
    // The material from a source that cannot get a token is an error too.
    assert!(
        cc(&server, AudienceParam::Audience, ClientAuth::Post)
            .material("http://localhost:8000/mcp")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn material_from_client_credentials_skips_what_needs_the_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"access_token": "aGVhZA.cGF5bG9hZA.c2ln"})),
        )
        .mount(&server)
        .await;
    let m =
        cc(&server, AudienceParam::Resource, ClientAuth::Basic).material("http://localhost:8000/mcp").await;
    let m = m.expect("material");
    use mcpcheck::oauth::mint::TokenCase;
    assert!(m.token(TokenCase::Valid).is_ok());
    assert!(m.token(TokenCase::BadSignature).is_ok());
    assert!(m.token(TokenCase::WrongAudience).is_ok());
    assert!(m.token(TokenCase::Expired).is_err_and(|why| why.contains("signing key")));
}

/// With only a client id and secret, the token endpoint is found as an MCP
/// client finds it: the 401 challenge's resource_metadata → the protected
/// resource metadata → its authorization server's RFC 8414 metadata (path
/// inserted) → token_endpoint; and the material says so.
#[tokio::test]
async fn client_credentials_alone_discover_the_token_endpoint() {
    use mcpcheck::cli::auth::TokenArgs;
    let server = MockServer::start().await;
    let base = server.uri();
    Mock::given(method("POST"))
        .and(path("/mcp"))
        .respond_with(ResponseTemplate::new(401).insert_header(
            "WWW-Authenticate",
            format!(r#"Bearer resource_metadata="{base}/.well-known/oauth-protected-resource/mcp""#).as_str(),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/.well-known/oauth-protected-resource/mcp"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "resource": format!("{base}/mcp"), "authorization_servers": [format!("{base}/tenant")]})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/.well-known/oauth-authorization-server/tenant"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "issuer": format!("{base}/tenant"), "token_endpoint": format!("{base}/tenant/token")})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/tenant/token"))
        .and(body_string_contains("grant_type=client_credentials"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"access_token": "opaque-token", "token_type": "Bearer"})),
        )
        .mount(&server)
        .await;
    let args = TokenArgs {
        client_id: Some("id".into()),
        client_secret: Some("secret".into()),
        auth_scope: "read:add".into(),
        ..TokenArgs::default()
    };
    let target = format!("{base}/mcp");
    let m = mcpcheck::commands::auth::material(&args, Some(&target)).await.expect("material").expect("some");
    assert_eq!(m.token(mcpcheck::oauth::mint::TokenCase::Valid), Ok("opaque-token"));
    assert!(
        m.source.contains("token endpoint discovered: the 401 challenge's resource_metadata"),
        "{}",
        m.source
    );
    assert!(m.source.contains(&format!("{base}/tenant")), "{}", m.source);

    // Nothing to discover from: the error says what was tried and what to pass.
    let bare = MockServer::start().await;
    let e = mcpcheck::commands::auth::material(&args, Some(&format!("{}/mcp", bare.uri())))
        .await
        .expect_err("no metadata anywhere");
    let e = format!("{e:#}");
    assert!(e.contains("no protected resource metadata") && e.contains("--token-url"), "{e}");
}

/// The checks under `only` on `version`, with `m`'s valid token on every
/// request, as `mcpcheck test` runs them.
async fn run_with(
    resource: &str,
    m: mcpcheck::oauth::source::AuthMaterial,
    only: &str,
    version: SpecVersion,
) -> mcpcheck::report::model::Report {
    use mcpcheck::target::{self, TargetSpec};
    let valid = m.token(mcpcheck::oauth::mint::TokenCase::Valid).expect("a valid token").to_string();
    let headers = vec![("Authorization".to_string(), format!("Bearer {valid}"))];
    let running =
        target::start(&TargetSpec::Url(resource.into()), headers, Limits::default()).await.expect("target");
    let opts =
        RunOptions { only: vec![only.into()], auth: Some(std::sync::Arc::new(m)), ..RunOptions::default() };
    runner::run(&running.endpoint, &Plan::forced(&[version]), &opts).await
}

/// No auth flags at all: against a server whose authorization server lets
/// any client register for client credentials (`serve authorized` and its
/// test authorization server), mcpcheck registers itself (RFC 7591) and the
/// whole auth catalogue runs and passes; with `--no-register` a server that
/// answers every probe 401 is a usage error that says a token is needed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_flags_mcpcheck_registers_itself_and_runs_the_auth_checks() {
    use mcpcheck::cli::auth::TokenArgs;
    use mcpcheck::target::{self, TargetSpec};
    let t = embedded::start(FaultSet::clean(), Limits::default()).await.expect("authorized servers");
    let args = TokenArgs { auth_scope: "read:add".into(), scope_tool: "add".into(), ..TokenArgs::default() };
    let m = mcpcheck::commands::auth::material(&args, Some(&t.resource))
        .await
        .expect("no usage error")
        .expect("material from a registered client");
    assert!(m.source.contains("registered dynamically at"), "{}", m.source);
    let report = run_with(&t.resource, m, "auth/", SpecVersion::V2025_11_25).await;
    let valid_accepted = report.checks.iter().find(|c| c.id == "auth/tokens/valid-accepted").expect("ran");
    assert_eq!(valid_accepted.status, Status::Pass, "{valid_accepted:#?}");
    assert!(valid_accepted.message.contains("registered dynamically"), "{}", valid_accepted.message);
    for c in &report.checks {
        assert!(matches!(c.status, Status::Pass | Status::Skip), "{} {}: {}", c.status, c.id, c.message);
    }
    // Without a token and without registering, the probes all get 401.
    let bare =
        target::start(&TargetSpec::Url(t.resource.clone()), vec![], Limits::default()).await.expect("target");
    let e = runner::plan::make(&bare.endpoint, &runner::Choice::Every).await.expect_err("401 everywhere");
    assert!(e.to_string().contains("needs a token"), "{e}");
}

/// No flags, and an authorization server for people (no client credentials
/// grant): mcpcheck registers for the code flow with PKCE, reads the
/// redirect headlessly, and the token checks run on the tokens it gets.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_client_credentials_mcpcheck_registers_for_the_code_flow() {
    use mcpcheck::cli::auth::TokenArgs;
    let t = embedded::start(FaultSet::clean(), Limits::default()).await.expect("authorized servers");
    t.authserver.server.disable_client_credentials();
    let args = TokenArgs { auth_scope: "read:add".into(), scope_tool: "add".into(), ..TokenArgs::default() };
    let m = mcpcheck::commands::auth::material(&args, Some(&t.resource))
        .await
        .expect("no usage error")
        .expect("material from a client registered for the code flow");
    assert!(m.source.contains("the code flow with PKCE"), "{}", m.source);
    assert!(m.token(mcpcheck::oauth::mint::TokenCase::WrongAudience).is_ok(), "{m:?}");
    let report = run_with(&t.resource, m, "auth/tokens/", SpecVersion::V2026_07_28).await;
    for id in ["auth/tokens/valid-accepted", "auth/tokens/wrong-audience-401"] {
        let r = report.checks.iter().find(|c| c.id == id).expect("ran");
        assert_eq!(r.status, Status::Pass, "{r:#?}");
    }
    for c in &report.checks {
        assert!(matches!(c.status, Status::Pass | Status::Skip), "{} {}: {}", c.status, c.id, c.message);
    }
}

/// `--token-file` gives the valid token as `--token` would.
#[tokio::test]
async fn a_token_file_gives_the_valid_token() {
    use mcpcheck::cli::auth::TokenArgs;
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("token");
    std::fs::write(&file, "eyJ.from-file.sig\nignored second line\n").expect("write");
    let args = TokenArgs { token_file: Some(file), scope_tool: "add".into(), ..TokenArgs::default() };
    let m = mcpcheck::commands::auth::material(&args, Some("http://127.0.0.1:9/mcp"))
        .await
        .expect("no usage error")
        .expect("material");
    assert_eq!(m.token(mcpcheck::oauth::mint::TokenCase::Valid), Ok("eyJ.from-file.sig"));
}
