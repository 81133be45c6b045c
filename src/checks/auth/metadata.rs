//! Authorization server metadata (RFC 8414, OpenID Connect Discovery;
//! `basic/authorization`, "Authorization Server Metadata Discovery"): the
//! document of the first authorization server the resource metadata lists,
//! found in the order clients try.

use super::{PAGE, get_json, prm};
use crate::checks::{Check, Ctx, Outcome, Transports, Verdict};
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use serde_json::Value;

const DISCOVERY: SpecRef = SpecRef { page: PAGE, anchor: "authorization-server-metadata-discovery" };

pub const CHECKS: &[Check] = &[
    Check {
        id: "auth/metadata/issuer",
        title: "the authorization server's issuer is the URL its metadata was found for",
        level: Level::Must,
        revisions: Revisions::since(SpecVersion::V2025_06_18),
        transports: Transports::HttpOnly,
        spec: DISCOVERY,
        requirement: "RFC 8414 §3.3: The issuer value returned MUST be identical to the authorization server's issuer identifier value into which the well-known URI string was inserted to create the URL used to retrieve the metadata.",
        run: runs!(issuer),
    },
    Check {
        id: "auth/metadata/pkce-s256",
        title: "the authorization server supports PKCE S256",
        level: Level::Must,
        revisions: Revisions::since(SpecVersion::V2025_06_18),
        transports: Transports::HttpOnly,
        spec: SpecRef { page: PAGE, anchor: "authorization-code-protection" },
        requirement: "MCP clients MUST use the S256 code challenge method when technically capable [...] If code_challenge_methods_supported is absent, the authorization server does not support PKCE and MCP clients MUST refuse to proceed.",
        run: runs!(pkce_s256),
    },
    Check {
        id: "auth/metadata/token-endpoint",
        title: "the authorization server metadata has a token endpoint",
        level: Level::Must,
        revisions: Revisions::since(SpecVersion::V2025_06_18),
        transports: Transports::HttpOnly,
        spec: DISCOVERY,
        requirement: "RFC 8414 §2: token_endpoint — URL of the authorization server's token endpoint. This is REQUIRED unless only the implicit grant type is supported.",
        run: runs!(token_endpoint),
    },
    Check {
        id: "auth/metadata/registration",
        title: "clients can register: dynamic registration or client ID metadata documents",
        level: Level::May,
        revisions: Revisions::since(SpecVersion::V2025_06_18),
        transports: Transports::HttpOnly,
        spec: SpecRef { page: PAGE, anchor: "client-registration-approaches" },
        requirement: "Authorization servers and MCP clients MAY support the OAuth 2.0 Dynamic Client Registration Protocol (RFC7591); (2025-11-25) Authorization servers and MCP clients SHOULD support OAuth Client ID Metadata Documents.",
        run: runs!(registration),
    },
];

pub(crate) struct AsMetadata {
    /// The issuer identifier the metadata was looked up for.
    pub issuer: String,
    pub url: String,
    pub doc: Value,
}

pub use crate::oauth::discovery::as_metadata_candidates as candidates;

/// The metadata of the target's authorization server (or the one the run
/// names), from the first well-known URL that has it.
pub(crate) async fn fetch(ctx: &Ctx) -> Result<AsMetadata, Verdict> {
    let issuer = match &ctx.authorization_server {
        Some(named) => named.clone(),
        None => named_by_prm(ctx).await?,
    };
    let mut tried = Vec::new();
    for url in candidates(&issuer, ctx.version) {
        let (reply, doc) = get_json(ctx, &url).await?;
        match doc {
            Some(doc) => return Ok(AsMetadata { issuer, url, doc }),
            None => tried.push(format!("{url}: HTTP {}", reply.status)),
        }
    }
    Err(Verdict::Error(format!("no authorization server metadata for {issuer}: {}", tried.join("; "))))
}

/// The first authorization server the target's resource metadata lists.
async fn named_by_prm(ctx: &Ctx) -> Result<String, Verdict> {
    let f = prm::discover(ctx).await?.map_err(|tried| {
        Verdict::Skip(format!("no protected resource metadata, so no authorization server to ask: {tried}"))
    })?;
    f.doc
        .get("authorization_servers")
        .and_then(Value::as_array)
        .and_then(|a| a.iter().find_map(Value::as_str))
        .map(String::from)
        .ok_or_else(|| Verdict::Skip("the resource metadata lists no authorization server".into()))
}

fn field<'a>(doc: &'a Value, name: &str) -> Option<&'a str> {
    doc.get(name).and_then(Value::as_str)
}

async fn issuer(ctx: &Ctx) -> Outcome {
    let m = fetch(ctx).await?;
    match field(&m.doc, "issuer") {
        Some(i) if i == m.issuer || i.trim_end_matches('/') == m.issuer.trim_end_matches('/') => {
            Ok(Verdict::pass(format!("issuer {i} ({})", m.url)))
        }
        other => Ok(Verdict::violation(
            format!("the metadata at {} names another issuer", m.url),
            format!("issuer {:?}", m.issuer),
            format!("issuer {}", other.map(|i| format!("{i:?}")).unwrap_or_else(|| "missing".into())),
        )),
    }
}

async fn pkce_s256(ctx: &Ctx) -> Outcome {
    let m = fetch(ctx).await?;
    let methods = m.doc.get("code_challenge_methods_supported");
    let s256 =
        methods.and_then(Value::as_array).is_some_and(|a| a.iter().any(|v| v.as_str() == Some("S256")));
    if s256 {
        Ok(Verdict::pass("code_challenge_methods_supported lists S256"))
    } else {
        Ok(Verdict::violation(
            format!("the metadata at {} does not offer PKCE S256", m.url),
            "code_challenge_methods_supported containing \"S256\"",
            format!(
                "code_challenge_methods_supported {}",
                methods.map(Value::to_string).unwrap_or_else(|| "absent".into())
            ),
        ))
    }
}

async fn token_endpoint(ctx: &Ctx) -> Outcome {
    let m = fetch(ctx).await?;
    match field(&m.doc, "token_endpoint") {
        Some(t) if t.starts_with("https://") || t.starts_with("http://") => {
            Ok(Verdict::pass(format!("token_endpoint {t}")))
        }
        other => Ok(Verdict::violation(
            format!("the metadata at {} has no usable token_endpoint", m.url),
            "token_endpoint: an https URL",
            format!("token_endpoint {other:?}"),
        )),
    }
}

async fn registration(ctx: &Ctx) -> Outcome {
    let m = fetch(ctx).await?;
    let dcr = field(&m.doc, "registration_endpoint");
    let cimd = m.doc.get("client_id_metadata_document_supported").and_then(Value::as_bool) == Some(true);
    match (dcr, cimd) {
        (Some(r), _) => Ok(Verdict::pass(format!(
            "dynamic client registration at {r}{}",
            if cimd { "; client ID metadata documents supported" } else { "" }
        ))),
        (None, true) => Ok(Verdict::pass("client ID metadata documents supported")),
        (None, false) => Ok(Verdict::violation(
            "clients must be registered beforehand: no registration_endpoint and no client ID metadata document support",
            "registration_endpoint, or client_id_metadata_document_supported: true",
            "neither",
        )),
    }
}

#[cfg(test)]
mod tests {
    use crate::spec::SpecVersion;

    #[test]
    fn discovery_order_follows_the_issuer_path_and_the_revision() {
        assert_eq!(super::candidates("https://a.example", SpecVersion::V2025_11_25).len(), 2);
        assert_eq!(super::candidates("https://a.example/t", SpecVersion::V2025_06_18).len(), 1);
        let with_path = super::candidates("https://a.example/tenant1", SpecVersion::V2025_11_25);
        assert_eq!(with_path[0], "https://a.example/.well-known/oauth-authorization-server/tenant1");
        assert_eq!(with_path[2], "https://a.example/tenant1/.well-known/openid-configuration");
    }
}
