//! The scripted server's authorization side, for the `auth/...` scenarios:
//! the MCP endpoint's 401 and 403 challenges, the protected resource
//! metadata (RFC 9728), and an authorization server on the same origin
//! (metadata per RFC 8414 or OpenID Connect discovery, dynamic registration
//! per RFC 7591, an authorization endpoint that approves at once and
//! redirects, a token endpoint).
//!
//! It is lenient on purpose: it issues a code and a token to a client that
//! leaves out PKCE or `resource`, so the checks see the whole flow and say
//! which rule broke, instead of the flow stopping at the first refusal.

use super::scenarios::{AuthScript, Iss};
use serde_json::{Value, json};
use std::collections::HashMap;

/// Where the challenge says the resource metadata is: a path no well-known
/// rule gives, so a client that ignores the challenge is seen doing so.
pub const CHALLENGE_PRM_PATH: &str = "/meta/protected-resource";
/// The path-inserted well-known URI of the endpoint `/mcp`.
pub const WELL_KNOWN_PRM_PATH: &str = "/.well-known/oauth-protected-resource/mcp";
/// The `iss` the wrong-issuer scenarios send with the code.
const WRONG_ISSUER: &str = "http://127.0.0.1:9/not-the-issuer";

/// What the authorization server remembers.
#[derive(Default)]
pub struct AuthState {
    /// Code → the scope it was asked with.
    codes: HashMap<String, String>,
    /// Token → its scope.
    tokens: HashMap<String, String>,
    next: u32,
}

/// One answer: status, content type, extra headers, body.
pub struct AuthAnswer {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

fn json_answer(status: u16, v: &Value) -> AuthAnswer {
    AuthAnswer { status, headers: vec![("content-type", "application/json".into())], body: v.to_string() }
}

fn not_found() -> AuthAnswer {
    AuthAnswer { status: 404, headers: vec![], body: String::new() }
}

/// The authorization server's issuer.
pub fn issuer(origin: &str, script: &AuthScript) -> String {
    format!("{origin}{}", script.issuer_path)
}

/// The MCP endpoint's gate: `None` lets the request through; otherwise the
/// 401 (no or unknown token) or 403 (the tool call needs more scope).
pub fn gate(
    state: &AuthState,
    script: &AuthScript,
    origin: &str,
    authorization: Option<&str>,
    rpc_method: Option<&str>,
) -> Option<AuthAnswer> {
    let token = authorization.and_then(|a| a.strip_prefix("Bearer ").or_else(|| a.strip_prefix("bearer ")));
    let Some(scope) = token.and_then(|t| state.tokens.get(t.trim())) else {
        let mut challenge = "Bearer".to_string();
        let mut params = Vec::new();
        if script.challenge_metadata {
            params.push(format!("resource_metadata=\"{origin}{CHALLENGE_PRM_PATH}\""));
        }
        if let Some(s) = script.challenge_scope {
            params.push(format!("scope=\"{s}\""));
        }
        if !params.is_empty() {
            challenge = format!("{challenge} {}", params.join(", "));
        }
        let body =
            json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32001, "message": "unauthorized"}});
        let mut a = json_answer(401, &body);
        a.headers.push(("www-authenticate", challenge));
        return Some(a);
    };
    if let Some(needed) = script.step_up_scope
        && rpc_method == Some("tools/call")
        && (script.step_up_never || !needed.split(' ').all(|n| scope.split(' ').any(|s| s == n)))
    {
        let body =
            json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32001, "message": "insufficient scope"}});
        let mut a = json_answer(403, &body);
        a.headers.push((
            "www-authenticate",
            format!("Bearer error=\"insufficient_scope\", scope=\"{needed}\", resource_metadata=\"{origin}{CHALLENGE_PRM_PATH}\""),
        ));
        return Some(a);
    }
    None
}

/// Any request that is not to the MCP endpoint.
pub fn answer(
    state: &mut AuthState,
    script: &AuthScript,
    origin: &str,
    method: &str,
    path: &str,
    query: &str,
    body: &str,
) -> AuthAnswer {
    let issuer = issuer(origin, script);
    let ip = script.issuer_path;
    let prm_here = (path == CHALLENGE_PRM_PATH && script.challenge_metadata)
        || (path == WELL_KNOWN_PRM_PATH && script.well_known_prm);
    if method == "GET" && prm_here {
        let resource = if script.other_resource {
            format!("{origin}/another-server/mcp")
        } else {
            format!("{origin}/mcp")
        };
        let mut prm = json!({"resource": resource, "authorization_servers": [issuer], "bearer_methods_supported": ["header"]});
        if let Some(s) = script.scopes_supported {
            prm["scopes_supported"] = json!(s);
        }
        return json_answer(200, &prm);
    }
    let oauth_path = format!("/.well-known/oauth-authorization-server{ip}");
    let oidc_path = format!("/.well-known/openid-configuration{ip}");
    if method == "GET"
        && ((path == oauth_path && !script.oidc_only) || (path == oidc_path && script.oidc_only))
    {
        let named = if script.issuer_mismatch { format!("{origin}/another-issuer") } else { issuer.clone() };
        let mut m = json!({
            "issuer": named,
            "authorization_endpoint": format!("{origin}/authorize"),
            "token_endpoint": format!("{origin}/token"),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": script.auth_methods,
        });
        if script.registration {
            m["registration_endpoint"] = json!(format!("{origin}/register"));
        }
        if script.advertise_iss {
            m["authorization_response_iss_parameter_supported"] = json!(true);
        }
        if script.cimd {
            m["client_id_metadata_document_supported"] = json!(true);
        }
        if script.oidc_only {
            m["jwks_uri"] = json!(format!("{origin}/jwks"));
            m["subject_types_supported"] = json!(["public"]);
            m["id_token_signing_alg_values_supported"] = json!(["RS256"]);
        }
        return json_answer(200, &m);
    }
    match (method, path) {
        ("POST", "/register") if script.registration => register(state, script, body),
        ("GET", "/authorize") => authorize(state, script, &issuer, query),
        ("POST", "/token") => token(state, body),
        _ => not_found(),
    }
}

fn register(state: &mut AuthState, script: &AuthScript, body: &str) -> AuthAnswer {
    let asked: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let want = asked.get("token_endpoint_auth_method").and_then(Value::as_str);
    let method = want.filter(|w| script.auth_methods.contains(w)).unwrap_or(script.auth_methods[0]);
    state.next += 1;
    let mut reg = json!({
        "client_id": format!("scripted-client-{}", state.next),
        "token_endpoint_auth_method": method,
        "redirect_uris": asked.get("redirect_uris").cloned().unwrap_or(json!([])),
        "grant_types": ["authorization_code", "refresh_token"],
    });
    if method != "none" {
        reg["client_secret"] = json!(format!("scripted-secret-{}", state.next));
    }
    json_answer(201, &reg)
}

fn authorize(state: &mut AuthState, script: &AuthScript, issuer: &str, query: &str) -> AuthAnswer {
    let q: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let Some(redirect) = q.get("redirect_uri") else {
        return json_answer(
            400,
            &json!({"error": "invalid_request", "error_description": "no redirect_uri"}),
        );
    };
    state.next += 1;
    let code = format!("scripted-code-{}", state.next);
    state.codes.insert(code.clone(), q.get("scope").cloned().unwrap_or_default());
    let mut back = url::form_urlencoded::Serializer::new(String::new());
    back.append_pair("code", &code);
    if let Some(s) = q.get("state") {
        back.append_pair("state", s);
    }
    match script.iss {
        Iss::Issuer => {
            back.append_pair("iss", issuer);
        }
        Iss::Wrong => {
            back.append_pair("iss", WRONG_ISSUER);
        }
        Iss::Missing => {}
    }
    let sep = if redirect.contains('?') { '&' } else { '?' };
    AuthAnswer {
        status: 302,
        headers: vec![("location", format!("{redirect}{sep}{}", back.finish()))],
        body: String::new(),
    }
}

fn token(state: &mut AuthState, body: &str) -> AuthAnswer {
    let form: HashMap<String, String> = url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let scope = match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => form.get("code").and_then(|c| state.codes.remove(c)),
        Some("refresh_token") => {
            form.get("refresh_token").and_then(|r| r.strip_prefix("refresh:")).map(str::to_string)
        }
        _ => None,
    };
    let Some(scope) = scope else {
        return json_answer(400, &json!({"error": "invalid_grant"}));
    };
    state.next += 1;
    let token = format!("scripted-token-{}", state.next);
    state.tokens.insert(token.clone(), scope.clone());
    json_answer(
        200,
        &json!({"access_token": token, "token_type": "Bearer", "expires_in": 3600,
            "scope": scope, "refresh_token": format!("refresh:{scope}")}),
    )
}
