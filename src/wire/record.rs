//! Recording exchanges for the report, with secrets redacted at the source so no
//! writer can leak them.

use crate::report::model::{Exchange, WireRequest, WireResponse};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Bodies kept in the report are cut at this size; the check itself saw all of it.
pub const REPORT_BODY_CAP: usize = 64 * 1024;

/// Header names whose values never appear in a report.
const SECRET_HEADERS: &[&str] =
    &["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"];

/// The exchanges one check made, shared by every session the check opens.
#[derive(Debug, Clone, Default)]
pub struct Recorder(Arc<Mutex<Vec<Exchange>>>);

impl Recorder {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn push(&self, ex: Exchange) {
        if let Ok(mut v) = self.0.lock() {
            v.push(ex);
        }
    }
    pub fn take(&self) -> Vec<Exchange> {
        self.0.lock().map(|mut v| std::mem::take(&mut *v)).unwrap_or_default()
    }
    pub fn len(&self) -> usize {
        self.0.lock().map(|v| v.len()).unwrap_or(0)
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Headers as the report shows them: lower-case names, secrets redacted.
pub fn headers<'a>(pairs: impl IntoIterator<Item = (&'a str, String)>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (name, value) in pairs {
        let name = name.to_ascii_lowercase();
        let value = if SECRET_HEADERS.contains(&name.as_str()) { redact(&value) } else { value };
        out.entry(name)
            .and_modify(|v: &mut String| {
                v.push_str(", ");
                v.push_str(&value)
            })
            .or_insert(value);
    }
    out
}

/// Keeps the scheme word of a credential (`Bearer`), hides the rest.
fn redact(value: &str) -> String {
    match value.split_once(' ') {
        // A first word with `=` is a cookie (`sid=…; theme=…`), not a scheme.
        Some((scheme, _)) if !scheme.is_empty() && !scheme.contains('=') => format!("{scheme} [redacted]"),
        _ => "[redacted]".into(),
    }
}

/// Text of a body for the report, cut at [`REPORT_BODY_CAP`].
pub fn body_text(bytes: &[u8]) -> (String, bool) {
    let cut = bytes.len() > REPORT_BODY_CAP;
    let slice = if cut { &bytes[..REPORT_BODY_CAP] } else { bytes };
    (String::from_utf8_lossy(slice).into_owned(), cut)
}

pub fn request(method: &str, url: &str, headers: BTreeMap<String, String>, body: &str) -> WireRequest {
    let (body, _) = body_text(body.as_bytes());
    WireRequest { method: method.into(), url: url.into(), headers, body }
}

pub fn response(status: Option<u16>, headers: BTreeMap<String, String>, body: &[u8]) -> WireResponse {
    let (body, truncated) = body_text(body);
    WireResponse { status, headers, body, truncated }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted() {
        let h = headers([
            ("Authorization", "Bearer abc.def.ghi".to_string()),
            ("Cookie", "sid=1".to_string()),
            ("Set-Cookie", "sid=abc; Path=/".to_string()),
            ("Mcp-Session-Id", "s1".to_string()),
        ]);
        assert_eq!(h["authorization"], "Bearer [redacted]");
        assert_eq!(h["cookie"], "[redacted]");
        assert_eq!(h["set-cookie"], "[redacted]");
        assert_eq!(h["mcp-session-id"], "s1");
    }
}
