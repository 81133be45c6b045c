//! The 2026-07-28 routing headers a client mirrors from a request's body
//! (`Mcp-Method`, `Mcp-Name`; SEP-2243), and the encoding every mirrored
//! header value takes when it is not plain visible ASCII. Shared by
//! sessions, the raw robustness requests, the reference client and the
//! `Mcp-Param-*` headers of [`super::param_headers`].

use serde_json::Value;

/// 2026-07-28 `Mcp-Method` and `Mcp-Name` headers mirrored from the body.
pub fn routing_headers(msg: &Value) -> Vec<(String, String)> {
    let mut h = Vec::new();
    let Some(method) = msg.get("method").and_then(Value::as_str) else { return h };
    h.push(("Mcp-Method".to_string(), method.to_string()));
    let key = match method {
        "tools/call" | "prompts/get" => "name",
        "resources/read" => "uri",
        // SEP-2663: task requests are routed by their task id.
        "tasks/get" | "tasks/update" | "tasks/cancel" => "taskId",
        _ => return h,
    };
    if let Some(name) = msg.get("params").and_then(|p| p.get(key)).and_then(Value::as_str) {
        h.push(("Mcp-Name".to_string(), header_safe(name)));
    }
    h
}

/// Plain visible ASCII goes as is; anything else in the Base64 sentinel form
/// the 2026-07-28 transport defines (`=?base64?…?=`).
pub fn header_safe(value: &str) -> String {
    let plain = value.bytes().all(|b| (0x20..0x7f).contains(&b))
        && !value.starts_with(' ')
        && !value.ends_with(' ')
        && !value.starts_with("=?base64?");
    if plain {
        value.to_string()
    } else {
        use base64::Engine;
        format!("=?base64?{}?=", base64::engine::general_purpose::STANDARD.encode(value))
    }
}
