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

use super::scenarios::{AsMetadataAt, AuthScript, Iss};
use serde_json::{Value, json};
use std::collections::HashMap;

/// Where the challenge says the resource metadata is: a path no well-known
/// rule gives, so a client that ignores the challenge is seen doing so.
pub const CHALLENGE_PRM_PATH: &str = "/meta/protected-resource";
/// The path-inserted well-known URI of the endpoint `/mcp`.
pub const WELL_KNOWN_PRM_PATH: &str = "/.well-known/oauth-protected-resource/mcp";
/// The root well-known URI (RFC 9728 §3, no path inserted).
pub const ROOT_PRM_PATH: &str = "/.well-known/oauth-protected-resource";
/// The `iss` the wrong-issuer scenarios send with the code.
const WRONG_ISSUER: &str = "http://127.0.0.1:9/not-the-issuer";
/// Where the migration scenario's second authorization server lives: its
/// issuer is the origin with this path, and its endpoints are under it.
pub const SECOND_AS_PATH: &str = "/as2";

/// What the authorization server remembers.
#[derive(Default)]
pub struct AuthState {
    /// Code → the scope it was asked with.
    codes: HashMap<String, String>,
    /// Code → whether the second authorization server issued it.
    code_at_second: HashMap<String, bool>,
    /// Token → its scope and whether the second authorization server issued it.
    tokens: HashMap<String, (String, bool)>,
    /// The first access token issued (the one the refresh scenario expires).
    first_token: Option<String>,
    /// A tools/list has been let through: the migration and refresh
    /// scenarios change behaviour from the next request on.
    listed: bool,
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
    state: &mut AuthState,
    script: &AuthScript,
    origin: &str,
    authorization: Option<&str>,
    rpc_method: Option<&str>,
) -> Option<AuthAnswer> {
    let token = authorization
        .and_then(|a| a.strip_prefix("Bearer ").or_else(|| a.strip_prefix("bearer ")))
        .map(str::trim);
    let known = token.and_then(|t| state.tokens.get(t).map(|(scope, second)| (t, scope.clone(), *second)));
    let expired = known.as_ref().is_some_and(|(t, _, second)| {
        (script.migrate && state.listed && !second)
            || (script.expire_first_token && state.listed && state.first_token.as_deref() == Some(*t))
    });
    let Some((_, scope, _)) = known.filter(|_| !expired) else {
        let mut challenge = "Bearer".to_string();
        let mut params = Vec::new();
        if expired {
            params.push("error=\"invalid_token\"".to_string());
        }
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
    if rpc_method == Some("tools/list") {
        state.listed = true;
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
    // The migration scenario's second authorization server answers under
    // its path, with the same behaviour as the first.
    let (second, path) = match path.strip_prefix(SECOND_AS_PATH) {
        Some(rest) if script.migrate && rest.starts_with('/') => (true, rest),
        _ => (false, path),
    };
    let second_meta =
        script.migrate && path == format!("/.well-known/oauth-authorization-server{SECOND_AS_PATH}");
    let ep = if second || second_meta { SECOND_AS_PATH } else { "" };
    let issuer =
        if second || second_meta { format!("{origin}{SECOND_AS_PATH}") } else { issuer(origin, script) };
    let ip = if second_meta { SECOND_AS_PATH } else { script.issuer_path };
    let prm_here = (path == CHALLENGE_PRM_PATH && script.challenge_metadata)
        || (path == WELL_KNOWN_PRM_PATH && script.well_known_prm)
        || (path == ROOT_PRM_PATH && script.root_prm);
    if method == "GET" && prm_here && !second {
        let resource = if script.other_resource {
            format!("{origin}/another-server/mcp")
        } else {
            format!("{origin}/mcp")
        };
        let named = if script.migrate && state.listed { format!("{origin}{SECOND_AS_PATH}") } else { issuer };
        let mut prm = json!({"resource": resource, "authorization_servers": [named], "bearer_methods_supported": ["header"]});
        if let Some(s) = script.scopes_supported {
            prm["scopes_supported"] = json!(s);
        }
        return json_answer(200, &prm);
    }
    let at = if second_meta { AsMetadataAt::OAuthInserted } else { script.as_metadata };
    let metadata_path = match at {
        AsMetadataAt::OAuthInserted => format!("/.well-known/oauth-authorization-server{ip}"),
        AsMetadataAt::OidcInserted => format!("/.well-known/openid-configuration{ip}"),
        AsMetadataAt::OidcAppended => format!("{ip}/.well-known/openid-configuration"),
    };
    if method == "GET" && !second && path == metadata_path {
        let named = if script.issuer_mismatch { format!("{origin}/another-issuer") } else { issuer.clone() };
        let mut m = json!({
            "issuer": named,
            "authorization_endpoint": format!("{origin}{ep}/authorize"),
            "token_endpoint": format!("{origin}{ep}/token"),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": script.auth_methods,
        });
        if script.registration {
            m["registration_endpoint"] = json!(format!("{origin}{ep}/register"));
        }
        if script.advertise_iss {
            m["authorization_response_iss_parameter_supported"] = json!(true);
        }
        if script.cimd {
            m["client_id_metadata_document_supported"] = json!(true);
        }
        if let Some(scopes) = script.as_scopes {
            m["scopes_supported"] = json!(scopes);
        }
        if at != AsMetadataAt::OAuthInserted {
            m["jwks_uri"] = json!(format!("{origin}/jwks"));
            m["subject_types_supported"] = json!(["public"]);
            m["id_token_signing_alg_values_supported"] = json!(["RS256"]);
        }
        return json_answer(200, &m);
    }
    // The metadata's own path cannot be mistaken for an endpoint: these
    // are matched after it.
    let second = second || second_meta;
    match (method, path) {
        ("POST", "/register") if script.registration => register(state, script, body, second),
        ("GET", "/authorize") => authorize(state, script, &issuer, query, second),
        ("POST", "/token") => token(state, body, second),
        _ => not_found(),
    }
}

fn register(state: &mut AuthState, script: &AuthScript, body: &str, second: bool) -> AuthAnswer {
    let asked: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let want = asked.get("token_endpoint_auth_method").and_then(Value::as_str);
    let method = want.filter(|w| script.auth_methods.contains(w)).unwrap_or(script.auth_methods[0]);
    state.next += 1;
    let mut reg = json!({
        "client_id": format!("scripted-{}client-{}", if second { "as2-" } else { "" }, state.next),
        "token_endpoint_auth_method": method,
        "redirect_uris": asked.get("redirect_uris").cloned().unwrap_or(json!([])),
        "grant_types": ["authorization_code", "refresh_token"],
    });
    if method != "none" {
        reg["client_secret"] = json!(format!("scripted-secret-{}", state.next));
    }
    json_answer(201, &reg)
}

fn authorize(
    state: &mut AuthState,
    script: &AuthScript,
    issuer: &str,
    query: &str,
    second: bool,
) -> AuthAnswer {
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
    state.code_at_second.insert(code.clone(), second);
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
        Iss::Normalized => {
            back.append_pair("iss", &format!("{issuer}/"));
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

fn token(state: &mut AuthState, body: &str, second: bool) -> AuthAnswer {
    let form: HashMap<String, String> = url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let scope = match form.get("grant_type").map(String::as_str) {
        // A code is redeemed only at the server that issued it.
        Some("authorization_code") => form
            .get("code")
            .filter(|c| state.code_at_second.get(c.as_str()) == Some(&second))
            .and_then(|c| state.codes.remove(c)),
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
    state.tokens.insert(token.clone(), (scope.clone(), second));
    state.first_token.get_or_insert_with(|| token.clone());
    json_answer(
        200,
        &json!({"access_token": token, "token_type": "Bearer", "expires_in": 3600,
            "scope": scope, "refresh_token": format!("refresh:{scope}")}),
    )
}
