//! The proxy's configuration: the common `mcpServers` document, and the
//! start-up check of the one backend that may be mounted without a prefix.
//!
//! ```json
//! {"mcpServers": {
//!    "one": {"url": "http://127.0.0.1:9001/mcp", "headers": {"Authorization": "Bearer ..."}},
//!    "two": {"command": "mcpcheck", "args": ["serve", "plain", "--stdio"], "env": {"K": "V"}},
//!    "main": {"url": "http://127.0.0.1:9003/mcp", "prefix": false}
//! }}
//! ```
//!
//! `"prefix": false` (at most one backend) offers that backend's tools and
//! prompts under their own names and its resources under their own URIs.
//! Routing looks at the prefix first: `NAME_...` and `scheme://NAME/...` go to
//! backend `NAME` when there is one, anything else to the unprefixed backend.
//! So an unprefixed name that starts with another backend's prefix could
//! never be reached: that is a clash, and an error at start-up
//! ([`check_unprefixed`]). Should such a name appear later, it is left out of
//! the lists.

use serde_json::Value;

use super::Backend;
use super::backend::BACKEND_VERSION;
use crate::composed::split_uri;

/// Why a config was refused.
#[derive(Debug, thiserror::Error)]
pub enum ProxyConfigError {
    /// Not `{"mcpServers": {...}}`.
    #[error("the config is not {{\"mcpServers\": {{NAME: {{\"url\": ...}}}}}}: {0}")]
    Shape(String),
    /// A backend name that cannot be a namespace.
    #[error("backend name {0:?} is not letters, digits and '-'")]
    BadName(String),
    /// A backend this proxy cannot reach.
    #[error("backend {0:?}: {1}")]
    Backend(String, String),
    /// More than one backend with `"prefix": false`.
    #[error("backends {0:?} and {1:?} both have \"prefix\": false; at most one may")]
    TwoUnprefixed(String, String),
    /// The unprefixed backend offers a name routed to another backend.
    #[error("{kind} {name:?} of the unprefixed backend {backend:?} clashes with backend {other:?}'s prefix")]
    Clash {
        /// `tool`, `prompt`, `resource` or `resource template`.
        kind: &'static str,
        /// The clashing name.
        name: String,
        /// The unprefixed backend.
        backend: String,
        /// The backend whose prefix it starts with.
        other: String,
    },
}

/// The backends, from a parsed config document.
pub fn backends_from_config(config: &Value) -> Result<Vec<Backend>, ProxyConfigError> {
    let servers = config
        .get("mcpServers")
        .and_then(Value::as_object)
        .ok_or_else(|| ProxyConfigError::Shape("no \"mcpServers\" object".into()))?;
    let mut backends: Vec<Backend> = Vec::new();
    for (name, entry) in servers {
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(ProxyConfigError::BadName(name.clone()));
        }
        let strings = |key: &str| -> Vec<(String, String)> {
            entry
                .get(key)
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        };
        let bad = |why: &str| ProxyConfigError::Backend(name.clone(), why.to_owned());
        let mut backend = if let Some(command) = entry.get("command") {
            let command = command
                .as_str()
                .filter(|c| !c.is_empty())
                .ok_or_else(|| bad("\"command\" is not a string"))?;
            let args = match entry.get("args") {
                None => Vec::new(),
                Some(Value::Array(args)) => args
                    .iter()
                    .map(|a| a.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| bad("\"args\" are not all strings"))?,
                Some(_) => return Err(bad("\"args\" is not an array")),
            };
            Backend::stdio(name.clone(), command.to_owned(), args, strings("env"))
        } else {
            let url = entry
                .get("url")
                .and_then(Value::as_str)
                .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
                .ok_or_else(|| bad("neither an http(s) \"url\" nor a \"command\""))?;
            Backend::new(name.clone(), url.to_owned(), &strings("headers")).map_err(|e| bad(&e))?
        };
        match entry.get("prefix") {
            None | Some(Value::Bool(true)) => {}
            Some(Value::Bool(false)) => {
                if let Some(first) = backends.iter().find(|b| b.unprefixed) {
                    return Err(ProxyConfigError::TwoUnprefixed(first.name.clone(), name.clone()));
                }
                backend = backend.without_prefix();
            }
            Some(_) => return Err(bad("\"prefix\" is not true or false")),
        }
        backends.push(backend);
    }
    Ok(backends)
}

/// The prefixed backend an unprefixed tool or prompt name would be routed
/// to instead, if any.
pub(super) fn shadowing_name<'a>(backends: &'a [std::sync::Arc<Backend>], name: &str) -> Option<&'a str> {
    let (prefix, _) = name.split_once('_')?;
    backends.iter().find(|b| !b.unprefixed && b.name == prefix).map(|b| b.name.as_str())
}

/// The same for a resource URI or template.
pub(super) fn shadowing_uri<'a>(backends: &'a [std::sync::Arc<Backend>], uri: &str) -> Option<&'a str> {
    let (ns, _) = split_uri(uri)?;
    backends.iter().find(|b| !b.unprefixed && b.name == ns).map(|b| b.name.as_str())
}

/// Start-up check of the unprefixed backend (if any): lists what it offers
/// and refuses a name another backend's prefix would take. A backend that
/// cannot be reached now is let through with a warning on stderr (its
/// shadowed names, if any, are left out of the lists later).
pub async fn check_unprefixed(backends: &[std::sync::Arc<Backend>]) -> Result<(), ProxyConfigError> {
    let Some(main) = backends.iter().find(|b| b.unprefixed) else { return Ok(()) };
    let session = match main.open(BACKEND_VERSION, None).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "warning: backend {:?} (no prefix) is unreachable, names not checked for clashes: {e}",
                main.name
            );
            return Ok(());
        }
    };
    let lists: [(&str, &str, &str, &'static str); 4] = [
        ("tools/list", "tools", "name", "tool"),
        ("prompts/list", "prompts", "name", "prompt"),
        ("resources/list", "resources", "uri", "resource"),
        ("resources/templates/list", "resourceTemplates", "uriTemplate", "resource template"),
    ];
    let mut clash = None;
    'lists: for (method, key, field, kind) in lists {
        let mut cursor: Option<String> = None;
        for _ in 0..super::MAX_PAGES {
            let params =
                cursor.as_ref().map_or_else(|| serde_json::json!({}), |c| serde_json::json!({"cursor": c}));
            let Ok(Ok(page)) = main.request(&session, method, params, None).await else { continue 'lists };
            for item in page.get(key).and_then(Value::as_array).into_iter().flatten() {
                let Some(name) = item.get(field).and_then(Value::as_str) else { continue };
                let other = if field == "name" {
                    shadowing_name(backends, name)
                } else {
                    shadowing_uri(backends, name)
                };
                if let Some(other) = other {
                    clash = Some(ProxyConfigError::Clash {
                        kind,
                        name: name.to_owned(),
                        backend: main.name.clone(),
                        other: other.to_owned(),
                    });
                    break 'lists;
                }
            }
            cursor = page.get("nextCursor").and_then(Value::as_str).map(str::to_owned);
            if cursor.is_none() {
                break;
            }
        }
    }
    main.close(&session).await;
    clash.map_or(Ok(()), Err)
}
