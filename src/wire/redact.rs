//! What counts as a secret and how it is hidden: the one list of credential
//! headers and fields, used when an exchange is recorded ([`super::record`])
//! and again on a whole report before any writer sees it
//! (`crate::report::redact`).
//!
//! Exchanges are redacted when they are recorded, but a report can also come
//! from a file (`mcpcheck report render`), from an older mcpcheck, or carry a
//! secret somewhere the recorder does not look: a server that echoes the
//! `Authorization` header in an error body, a token endpoint's JSON answer, a
//! `?access_token=` query. So the rules here are applied twice:
//!
//! - values of credential headers (by name) are replaced, keeping only the
//!   scheme word (`Bearer [redacted]`);
//! - in bodies and URLs, values of credential fields (`access_token`,
//!   `client_secret`, …) in JSON and in `a=b&c=d` form/query text are replaced;
//! - every secret value the user passed on the command line (`-H`) is replaced
//!   wherever it appears in any text of the report.

use super::record::Exchange;
use serde_json::Value;
use std::collections::BTreeMap;

/// What a secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Header names whose values never appear in a report (lower case).
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "api-key",
    "x-auth-token",
    "x-access-token",
];

/// JSON keys and form/query parameter names that carry credentials. `code`
/// (the OAuth authorization code) is left out on purpose: JSON-RPC error
/// objects have a `code` too, and hiding error codes would gut the report.
const SECRET_FIELDS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "code_verifier",
    "password",
    "assertion",
    "client_assertion",
];

/// Secret values shorter than this are not searched for as substrings: a
/// two-letter cookie value would otherwise blank out unrelated text. Such
/// values are still hidden wherever they appear as a header or field value.
const MIN_SCRUB_LEN: usize = 6;

pub fn is_secret_header(name: &str) -> bool {
    SECRET_HEADERS.contains(&name.to_ascii_lowercase().as_str())
}

/// A credential header value with everything but its scheme word hidden
/// (idempotent: a redacted value stays as it is). A first word with `=` in
/// it is a cookie, not a scheme, and is hidden too.
pub fn header_value(value: &str) -> String {
    match value.split_once(' ') {
        Some((scheme, _)) if !scheme.is_empty() && !scheme.contains('=') => format!("{scheme} {REDACTED}"),
        _ => REDACTED.into(),
    }
}

/// A function that replaces every one of `secrets` in a text with [`REDACTED`].
pub fn scrubber(secrets: &[String]) -> impl Fn(&mut String) + '_ {
    move |s: &mut String| {
        for secret in secrets {
            if s.contains(secret.as_str()) {
                *s = s.replace(secret.as_str(), REDACTED);
            }
        }
    }
}

/// The secret values in headers the user passes with `-H`: for credential
/// headers the whole value and its parts (the token after `Bearer`, each
/// cookie's value). Used to scrub the report wherever they might show up.
pub fn secrets_of_headers(headers: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (name, value) in headers {
        let lower = name.to_ascii_lowercase();
        let sensitive = is_secret_header(&lower)
            || ["token", "secret", "key", "auth", "cookie", "session", "password", "credential"]
                .iter()
                .any(|w| lower.contains(w));
        if !sensitive {
            continue;
        }
        out.push(value.clone());
        if let Some((_, rest)) = value.split_once(' ') {
            out.push(rest.trim().to_string());
        }
        for part in value.split(';') {
            if let Some((_, v)) = part.split_once('=') {
                out.push(v.trim().to_string());
            }
        }
    }
    out.retain(|s| s.chars().count() >= MIN_SCRUB_LEN);
    // Longest first, so a whole value is replaced before a part of it.
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out.dedup();
    out
}

/// Hides credentials in one exchange: secret headers, credential fields in
/// bodies and URLs, and every value `scrub` knows.
pub fn exchange(ex: &mut Exchange, scrub: &impl Fn(&mut String)) {
    ex.request.url = pairs(&ex.request.url);
    scrub(&mut ex.request.url);
    headers(&mut ex.request.headers, scrub);
    ex.request.body = body(&ex.request.body);
    scrub(&mut ex.request.body);
    if let Some(resp) = ex.response.as_mut() {
        headers(&mut resp.headers, scrub);
        resp.body = body(&resp.body);
        scrub(&mut resp.body);
    }
    if let Some(err) = ex.error.as_mut() {
        scrub(err);
    }
}

fn headers(map: &mut BTreeMap<String, String>, scrub: &impl Fn(&mut String)) {
    for (name, value) in map.iter_mut() {
        if is_secret_header(name) {
            *value = header_value(value);
        }
        scrub(value);
    }
}

/// A body with credential fields hidden: JSON bodies by key (at any depth),
/// event streams line by line, anything else as `a=b&c=d` text.
fn body(text: &str) -> String {
    if let Ok(mut v) = serde_json::from_str::<Value>(text) {
        if json(&mut v) {
            return serde_json::to_string(&v).unwrap_or_else(|_| REDACTED.into());
        }
        return text.to_string();
    }
    if text.lines().any(|l| l.starts_with("data:")) {
        let mut out: Vec<String> = Vec::new();
        for line in text.split('\n') {
            match line.strip_prefix("data:") {
                Some(data) => match serde_json::from_str::<Value>(data.trim()) {
                    Ok(mut v) => {
                        if json(&mut v) {
                            out.push(format!("data: {}", serde_json::to_string(&v).unwrap_or_default()))
                        } else {
                            out.push(line.to_string())
                        }
                    }
                    Err(_) => out.push(line.to_string()),
                },
                None => out.push(line.to_string()),
            }
        }
        return out.join("\n");
    }
    pairs(text)
}

/// Hides credential fields in a JSON value; true when something was hidden.
fn json(v: &mut Value) -> bool {
    match v {
        Value::Object(map) => {
            let mut changed = false;
            for (k, val) in map.iter_mut() {
                if SECRET_FIELDS.contains(&k.to_ascii_lowercase().as_str()) && !val.is_null() {
                    *val = Value::String(REDACTED.into());
                    changed = true;
                } else {
                    changed |= json(val);
                }
            }
            changed
        }
        Value::Array(items) => items.iter_mut().fold(false, |acc, item| json(item) | acc),
        _ => false,
    }
}

/// `a=b&client_secret=c` text (form bodies, URL queries) with credential
/// parameters' values hidden. Text without such a parameter is returned as is.
fn pairs(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    if !SECRET_FIELDS.iter().any(|f| lower.contains(&format!("{f}="))) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    // Walk `name=value` runs separated by `&` or `?`; only values of secret
    // names change, every separator and other parameter stays as it was.
    while !rest.is_empty() {
        let end = rest.find(['&', '?']).unwrap_or(rest.len());
        let (segment, tail) = rest.split_at(end);
        match segment.split_once('=') {
            Some((name, _)) if SECRET_FIELDS.contains(&name.to_ascii_lowercase().as_str()) => {
                out.push_str(name);
                out.push('=');
                out.push_str(REDACTED);
            }
            _ => out.push_str(segment),
        }
        match tail.chars().next() {
            Some(sep) => {
                out.push(sep);
                rest = &tail[1..];
            }
            None => rest = tail,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_headers_keep_only_their_scheme() {
        assert_eq!(header_value("Bearer abc.def"), "Bearer [redacted]");
        assert_eq!(header_value("sid=abc; theme=dark"), "[redacted]");
        assert_eq!(header_value("Bearer [redacted]"), "Bearer [redacted]");
        assert_eq!(header_value("sid=[redacted]; [redacted]"), "[redacted]");
    }

    #[test]
    fn secrets_from_headers_include_token_and_cookie_values() {
        let h = vec![
            ("Authorization".to_string(), "Bearer s3cr3t-token".to_string()),
            ("Cookie".to_string(), "sid=cookie-value-1; x=1".to_string()),
            ("Accept".to_string(), "application/json".to_string()),
        ];
        let s = secrets_of_headers(&h);
        assert!(s.contains(&"s3cr3t-token".to_string()));
        assert!(s.contains(&"cookie-value-1".to_string()));
        assert!(!s.iter().any(|v| v.contains("application/json")));
        // One-character cookie values are not scrubbed as substrings.
        assert!(!s.contains(&"1".to_string()));
    }

    #[test]
    fn event_stream_bodies_are_redacted_per_line() {
        let sse = "event: message\ndata: {\"refresh_token\":\"rt-1\"}\n\n";
        let out = body(sse);
        assert!(!out.contains("rt-1"));
        assert!(out.starts_with("event: message\ndata: "));
    }
}
