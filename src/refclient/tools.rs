//! What the reference client reads in a tool listing and how it answers a
//! server's input requests: the `Mcp-Param-*` headers a tool's
//! `x-mcp-header` annotations ask for (and whether those annotations keep the
//! transport's rules), the network `$ref`s it must not fetch, and a
//! well-behaved client's answer to elicitation, sampling and roots requests.

use serde_json::{Value, json};

/// `Mcp-Param-{Name}` for every argument whose property in the tool's
/// `inputSchema` is annotated `x-mcp-header` (the path of `properties`
/// keys from the root; a value absent or null sends no header).
pub fn param_headers(tool: &Value, args: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(schema) = tool.get("inputSchema") {
        collect(schema, Some(args), &mut out, 0);
    }
    out
}

fn collect(schema: &Value, value: Option<&Value>, out: &mut Vec<(String, String)>, depth: usize) {
    // Schemas are the server's: deep nesting is bounded, not followed.
    let Some(props) = schema.get("properties").and_then(Value::as_object).filter(|_| depth < 16) else {
        return;
    };
    for (key, sub) in props {
        let v = value.and_then(|v| v.get(key));
        if let Some(name) = sub.get("x-mcp-header").and_then(Value::as_str) {
            let text = match v {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Bool(b)) => Some(b.to_string()),
                Some(Value::Number(n)) => Some(n.to_string()),
                Some(_) => None,
            };
            if let Some(t) = text {
                out.push((format!("Mcp-Param-{name}"), crate::wire::session::header_safe(&t)));
            }
        }
        collect(sub, v, out, depth + 1);
    }
}

/// Every `$ref` in a schema that is an http(s) URI (for the fault that
/// follows them).
pub(super) fn network_refs(schema: &Value, depth: usize) -> Vec<String> {
    let mut out = Vec::new();
    if depth > 16 {
        return out;
    }
    match schema {
        Value::Object(m) => {
            for (k, v) in m {
                match v.as_str() {
                    Some(r) if k == "$ref" && (r.starts_with("http://") || r.starts_with("https://")) => {
                        out.push(r.into())
                    }
                    _ => out.extend(network_refs(v, depth + 1)),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| out.extend(network_refs(v, depth + 1))),
        _ => {}
    }
    out
}

/// Whether every `x-mcp-header` in an input schema keeps the 2026-07-28
/// transport's constraints: a non-empty HTTP token, unique ignoring case,
/// on a string, integer or boolean property reached through `properties`
/// keys only.
pub fn valid_header_annotations(schema: &Value) -> bool {
    let mut names = Vec::new();
    walk_annotations(schema, true, &mut names, 0) && {
        let mut lower: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
        lower.sort();
        lower.dedup();
        lower.len() == names.len()
    }
}

fn walk_annotations(schema: &Value, reachable: bool, names: &mut Vec<String>, depth: usize) -> bool {
    let Some(obj) = schema.as_object() else { return true };
    if depth > 32 {
        return false;
    }
    if let Some(name) = obj.get("x-mcp-header") {
        let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        let primitive =
            matches!(obj.get("type").and_then(Value::as_str), Some("string" | "integer" | "boolean"));
        match name.as_str() {
            Some(n) if reachable && primitive && !n.is_empty() && n.chars().all(token) => {
                names.push(n.to_string())
            }
            _ => return false,
        }
    }
    obj.iter().all(|(k, v)| match (k.as_str(), v) {
        ("properties", Value::Object(props)) => {
            props.values().all(|p| walk_annotations(p, reachable, names, depth + 1))
        }
        (_, Value::Object(_)) => walk_annotations(v, false, names, depth + 1),
        (_, Value::Array(items)) => items.iter().all(|i| walk_annotations(i, false, names, depth + 1)),
        _ => true,
    })
}

/// What a well-behaved client answers to one input request: a form filled
/// to its schema, a canned sampling result, an empty roots list.
pub fn answer_input(request: &Value) -> Value {
    match request.get("method").and_then(Value::as_str) {
        Some("elicitation/create") => {
            let schema = request.pointer("/params/requestedSchema");
            let props = schema.and_then(|s| s.get("properties")).and_then(Value::as_object);
            let content: serde_json::Map<String, Value> =
                props.into_iter().flatten().map(|(k, p)| (k.clone(), fill(p))).collect();
            if request.pointer("/params/mode").and_then(Value::as_str) == Some("url") {
                json!({"action": "accept"})
            } else {
                json!({"action": "accept", "content": content})
            }
        }
        Some("sampling/createMessage") => json!({
            "role": "assistant",
            "content": {"type": "text", "text": "5"},
            "model": "mcpcheck-reference-client",
            "stopReason": "endTurn"
        }),
        Some("roots/list") => json!({"roots": []}),
        _ => json!({}),
    }
}

/// A value satisfying one flat elicitation property schema.
fn fill(prop: &Value) -> Value {
    if let Some(d) = prop.get("default") {
        return d.clone();
    }
    if let Some(first) = prop.get("enum").and_then(|e| e.get(0)) {
        return first.clone();
    }
    match prop.get("type").and_then(Value::as_str) {
        Some("boolean") => json!(true),
        Some("integer") => json!(prop.get("minimum").and_then(Value::as_i64).unwrap_or(1)),
        Some("number") => json!(prop.get("minimum").and_then(Value::as_f64).unwrap_or(1.0)),
        _ => json!("yes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotated_parameters_become_headers_encoded_when_unsafe() {
        let tool = json!({"inputSchema": {"properties": {
            "region": {"type": "string", "x-mcp-header": "Region"},
            "nested": {"properties": {"flag": {"type": "boolean", "x-mcp-header": "Flag"}}},
            "n": {"type": "integer", "x-mcp-header": "N"},
            "plain": {"type": "string"}}}});
        let h = param_headers(
            &tool,
            &json!({"region": " padded ", "nested": {"flag": true}, "n": 7, "plain": "x"}),
        );
        assert!(h.contains(&("Mcp-Param-Region".into(), "=?base64?IHBhZGRlZCA=?=".into())), "{h:?}");
        assert!(h.contains(&("Mcp-Param-Flag".into(), "true".into())), "{h:?}");
        assert!(h.contains(&("Mcp-Param-N".into(), "7".into())), "{h:?}");
        assert_eq!(h.len(), 3);
        assert!(param_headers(&tool, &json!({"region": null})).is_empty());
    }

    #[test]
    fn header_annotations_are_validated() {
        let ok = json!({"properties": {"r": {"type": "string", "x-mcp-header": "Region"},
            "n": {"properties": {"f": {"type": "boolean", "x-mcp-header": "Flag"}}}}});
        assert!(valid_header_annotations(&ok));
        for bad in [
            json!({"properties": {"a": {"type": "number", "x-mcp-header": "A"}}}),
            json!({"properties": {"a": {"type": "string", "x-mcp-header": ""}}}),
            json!({"properties": {"a": {"type": "string", "x-mcp-header": "Bad Name"}}}),
            json!({"properties": {"a": {"type": "string", "x-mcp-header": "X"}, "b": {"type": "string", "x-mcp-header": "x"}}}),
            json!({"properties": {"a": {"type": "array", "items": {"type": "string", "x-mcp-header": "I"}}}}),
            json!({"oneOf": [{"properties": {"a": {"type": "string", "x-mcp-header": "O"}}}]}),
        ] {
            assert!(!valid_header_annotations(&bad), "{bad}");
        }
    }

    #[test]
    fn a_form_is_filled_to_its_schema() {
        let r = json!({"method": "elicitation/create", "params": {"mode": "form", "requestedSchema": {
            "type": "object", "properties": {"ok": {"type": "boolean"}, "color": {"enum": ["red", "blue"]}}}}});
        assert_eq!(answer_input(&r), json!({"action": "accept", "content": {"ok": true, "color": "red"}}));
    }
}
