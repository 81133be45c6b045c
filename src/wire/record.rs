//! The wire layer's records: an [`Exchange`] is one request and what came
//! back, exactly as sent and received, and the report embeds them as they
//! are. Secrets are redacted at the source ([`super::redact`]) so no writer
//! can leak them.

use super::redact::{header_value, is_secret_header};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// One request and what came back, as seen on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    /// `http` or `stdio`.
    pub transport: String,
    pub request: WireRequest,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<WireResponse>,
    /// Transport trouble: timeout, refused connection, size cap hit, bad framing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub duration_ms: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireRequest {
    /// HTTP method; `SEND` on stdio.
    pub method: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// The body as sent (text; may be deliberately malformed).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireResponse {
    /// HTTP status; absent on stdio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// The body as received, cut at the report's size cap (see `truncated`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

/// Bodies kept in the report are cut at this size; the check itself saw all of it.
pub const REPORT_BODY_CAP: usize = 64 * 1024;

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
        let value = if is_secret_header(&name) { header_value(&value) } else { value };
        out.entry(name)
            .and_modify(|v: &mut String| {
                v.push_str(", ");
                v.push_str(&value)
            })
            .or_insert(value);
    }
    out
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
