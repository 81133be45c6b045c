//! OAuth Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document,
//! MCP 2025-11-25 "Client ID Metadata Documents"): a client whose `client_id`
//! is a URL, and the document at that URL that describes it.
//!
//! Both sides live here: [`fetch`] is what `mcpcheck authserver` does when
//! an authorization request names a URL as its client (bounded: one GET,
//! 5 s, 64 KiB, no redirects), and [`serve`] is how the
//! `auth/as/client-id-metadata-document` check publishes mcpcheck's own
//! document, on loopback for the length of the check.
//!
//! The draft requires `https` client ids. A test server on loopback cannot
//! have a certificate anyone trusts, so `mcpcheck authserver` also accepts
//! `http` ids whose host is a loopback address; it refuses every other
//! `http` id, as the draft asks.

use serde_json::{Value, json};
use std::time::Duration;

const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
const DOCUMENT_CAP: usize = 64 * 1024;

/// A client described by its metadata document.
#[derive(Debug, Clone)]
pub struct Described {
    pub redirect_uris: Vec<String>,
}

/// Whether `client_id` is a URL that names a metadata document this server
/// would fetch: https with a path, or http on loopback.
pub fn is_document_url(client_id: &str) -> bool {
    let Ok(u) = url::Url::parse(client_id) else { return false };
    let loopback = matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    let scheme_ok = u.scheme() == "https" || (u.scheme() == "http" && loopback);
    scheme_ok && u.path() != "/" && !u.path().is_empty() && u.fragment().is_none()
}

/// Fetches and validates the document at `client_id`: a JSON object whose
/// `client_id` is exactly the URL it was fetched from (the draft: the
/// authorization server MUST validate that the fetched document's
/// `client_id` matches the URL exactly).
pub async fn fetch(client_id: &str) -> Result<Described, String> {
    if !is_document_url(client_id) {
        return Err("client_id is not an https URL with a path (or http on loopback)".into());
    }
    let http = reqwest::Client::builder()
        .timeout(FETCH_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .map_err(|e| e.to_string())?;
    let mut resp = http
        .get(client_id)
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|e| format!("fetching the client metadata document: {e}"))?;
    if resp.status().as_u16() != 200 {
        return Err(format!("the client metadata document answered HTTP {}", resp.status().as_u16()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| e.to_string())? {
        if body.len() + chunk.len() > DOCUMENT_CAP {
            return Err("the client metadata document is larger than 64 KiB".into());
        }
        body.extend_from_slice(&chunk);
    }
    let doc: Value = serde_json::from_slice(&body).map_err(|e| format!("not JSON: {e}"))?;
    if doc.get("client_id").and_then(Value::as_str) != Some(client_id) {
        return Err("the document's client_id is not the URL it was fetched from".into());
    }
    let redirect_uris = doc
        .get("redirect_uris")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect())
        .unwrap_or_default();
    Ok(Described { redirect_uris })
}

/// mcpcheck's document, served on 127.0.0.1 until the guard is dropped: its
/// URL (the client id) and the guard.
pub async fn serve(redirect_uri: &str) -> std::io::Result<(String, Serving)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/mcpcheck/client-metadata.json", listener.local_addr()?);
    let doc = json!({
        "client_id": url,
        "client_name": "mcpcheck",
        "redirect_uris": [redirect_uri],
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
    });
    let app = axum::Router::new()
        .route("/mcpcheck/client-metadata.json", axum::routing::get(move || async move { axum::Json(doc) }));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Ok((url, Serving(Some(tx))))
}

/// Stops serving the document when dropped.
pub struct Serving(Option<tokio::sync::oneshot::Sender<()>>);

impl Drop for Serving {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_document_url;

    #[test]
    fn only_https_ids_with_a_path_or_loopback_http_name_documents() {
        assert!(is_document_url("https://app.example/client.json"));
        assert!(is_document_url("http://127.0.0.1:4000/c.json"));
        assert!(!is_document_url("http://app.example/client.json"));
        assert!(!is_document_url("https://app.example/"));
        assert!(!is_document_url("mcpcheck"));
        assert!(!is_document_url("https://app.example/c.json#x"));
    }
}
