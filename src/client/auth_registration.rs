//! Authorization, client side: client registration
//! (`basic/authorization/client-registration` on 2026-07-28), "Authorization
//! Server Binding". Credentials belong to the authorization server that
//! issued them: when the resource metadata names another one, the client
//! registers anew there and never presents the old credentials to it.
//! Graded on the scripted server's record of the migration scenario, whose
//! second authorization server answers under [`SECOND_AS_PATH`].

use super::auth::{check, describe_all, path_of, to};
use super::scripted_auth::SECOND_AS_PATH;
use super::{ClientCheck, Observed, Outcome, Scenario, Seen};
use crate::checks::Verdict;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use base64::Engine;
use std::collections::BTreeSet;

const BINDING: SpecRef = SpecRef { page: "basic/authorization", anchor: "authorization-server-binding" };
const STATELESS: Revisions = Revisions::since(SpecVersion::V2026_07_28);

pub const CHECKS: &[ClientCheck] = &[
    check!(
        "client/auth-registration/reregister-on-as-change",
        "when the resource metadata names a new authorization server, the client registers there",
        Must,
        STATELESS,
        BINDING,
        "When the authorization server changes (detected via updated protected resource metadata), clients MUST NOT reuse client credentials from a different authorization server and MUST re-register with the new authorization server.",
        AuthServerMigration,
        reregister_on_change
    ),
    check!(
        "client/auth-registration/no-credential-reuse",
        "the first authorization server's client id is never presented to the second",
        Must,
        STATELESS,
        BINDING,
        "Clients that use pre-registered credentials, or persist client credentials obtained via Dynamic Client Registration, MUST associate those credentials with the specific authorization server that issued them, keyed by the authorization server's `issuer` identifier. When the authorization server changes ... clients MUST NOT reuse client credentials from a different authorization server",
        AuthServerMigration,
        no_credential_reuse
    ),
];

fn second(path: &str) -> String {
    format!("{SECOND_AS_PATH}{path}")
}

/// The client reached the second authorization server's metadata, or the
/// error that it never got that far.
fn migrated(obs: &Observed) -> Result<(), Verdict> {
    let meta = format!("/.well-known/oauth-authorization-server{SECOND_AS_PATH}");
    if to(obs, "GET", &meta).is_empty() {
        return Err(obs.nothing(&format!("request for the new authorization server's metadata ({meta})")));
    }
    Ok(())
}

fn reregister_on_change(obs: &Observed) -> Outcome {
    migrated(obs)?;
    if !to(obs, "POST", &second("/register")).is_empty() {
        return Ok(Verdict::pass(format!("POST {}", second("/register"))));
    }
    Ok(Verdict::violation(
        "the client did not register with the new authorization server",
        format!("POST {}", second("/register")),
        describe_all(obs),
    ))
}

/// The client ids the first authorization server registered.
fn first_ids(obs: &Observed) -> BTreeSet<String> {
    to(obs, "POST", "/register")
        .iter()
        .filter_map(|s| s.exchange.response.as_ref())
        .filter_map(|r| serde_json::from_str::<serde_json::Value>(&r.body).ok())
        .filter_map(|v| v.get("client_id").and_then(serde_json::Value::as_str).map(str::to_string))
        .collect()
}

/// The client id a request presents: in the query or form, or in HTTP Basic.
fn presented(s: &Seen) -> Option<String> {
    if let Some(id) = s.form(false).get("client_id").or(s.form(true).get("client_id")) {
        return Some(id.clone());
    }
    let basic = s.headers.iter().find(|(n, _)| n == "authorization")?.1.strip_prefix("Basic ")?;
    let pair = base64::engine::general_purpose::STANDARD.decode(basic.trim()).ok()?;
    let pair = String::from_utf8(pair).ok()?;
    let id = pair.split(':').next()?;
    url::form_urlencoded::parse(format!("id={id}").as_bytes()).next().map(|(_, v)| v.into_owned())
}

fn no_credential_reuse(obs: &Observed) -> Outcome {
    migrated(obs)?;
    let old = first_ids(obs);
    let at_second: Vec<&Seen> = obs
        .seen
        .iter()
        .filter(|s| matches!(path_of(s), p if p == second("/authorize") || p == second("/token")))
        .collect();
    if at_second.is_empty() {
        return Err(obs.nothing(&format!(
            "authorization or token request to the new authorization server ({})",
            second("/authorize")
        )));
    }
    let reused: Vec<String> = at_second
        .iter()
        .filter_map(|s| {
            presented(s).filter(|id| old.contains(id)).map(|id| format!("{}: client_id {id}", s.describe()))
        })
        .collect();
    if reused.is_empty() {
        return Ok(Verdict::pass(format!("no client id of the first server ({old:?}) at the second")));
    }
    Ok(Verdict::violation(
        "the client presented the first authorization server's credentials to the second",
        format!("a client id the second server registered, none of {old:?}"),
        reused.join("; "),
    ))
}
