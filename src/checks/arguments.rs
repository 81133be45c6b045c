//! Arguments for a call, generated from a JSON Schema: tool arguments from
//! an `inputSchema`, and a filled-in form from an elicitation's requested
//! schema. A file of its own because tools, the multi round-trip checks and
//! the handshake-era server requests all answer schemas with it.

use serde_json::{Map, Value, json};

/// A value for `schema`, as simple as the schema allows: `const`, the first
/// `enum` member, `default`, the first example, else by type (bounds
/// respected). Hand-written because no maintained crate generates instances
/// from a JSON Schema; a wrong guess is caught by validating the result.
pub fn arguments(schema: &Value) -> Value {
    value_for(schema, 0)
}

fn value_for(schema: &Value, depth: usize) -> Value {
    if depth > 8 {
        return Value::Null;
    }
    if let Some(v) = schema.get("const") {
        return v.clone();
    }
    if let Some(v) = schema.get("enum").and_then(Value::as_array).and_then(|e| e.first()) {
        return v.clone();
    }
    if let Some(v) = schema.get("default") {
        return v.clone();
    }
    if let Some(v) = schema.get("examples").and_then(Value::as_array).and_then(|e| e.first()) {
        return v.clone();
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(first) = schema.get(key).and_then(Value::as_array).and_then(|a| a.first()) {
            return value_for(first, depth + 1);
        }
    }
    let ty = match schema.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(ts)) => {
            ts.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("null")
        }
        _ if schema.get("properties").is_some() => "object",
        _ => "string",
    };
    let num = |key: &str| schema.get(key).and_then(Value::as_f64);
    match ty {
        "object" => {
            let mut m = Map::new();
            let required = schema.get("required").and_then(Value::as_array).cloned().unwrap_or_default();
            for r in required.iter().filter_map(Value::as_str) {
                let sub = schema.pointer(&format!("/properties/{}", r.replace('~', "~0").replace('/', "~1")));
                m.insert(r.to_string(), sub.map_or(json!("mcpcheck"), |s| value_for(s, depth + 1)));
            }
            Value::Object(m)
        }
        "array" => {
            let n = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0).min(8);
            let item = schema.get("items").cloned().unwrap_or(json!({}));
            Value::Array((0..n).map(|_| value_for(&item, depth + 1)).collect())
        }
        "integer" | "number" => {
            let mut v = num("minimum").or(num("exclusiveMinimum").map(|m| m.floor() + 1.0)).unwrap_or(1.0);
            if let Some(max) = num("maximum") {
                v = v.min(max);
            }
            if ty == "integer" { json!(v.ceil() as i64) } else { json!(v) }
        }
        "boolean" => json!(true),
        "null" => Value::Null,
        _ => {
            let text = match schema.get("format").and_then(Value::as_str) {
                Some("date-time") => "2025-01-01T00:00:00Z".to_string(),
                Some("date") => "2025-01-01".into(),
                Some("email") => "mcpcheck@example.com".into(),
                Some("uri") | Some("url") => "urn:mcpcheck".into(),
                _ => "mcpcheck".into(),
            };
            let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
            json!(format!("{text:x<min$}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_arguments_fit_their_schema() {
        let schema = json!({"type": "object", "required": ["a", "s", "e", "n", "l"], "properties": {
            "a": {"type": "integer", "minimum": 3}, "s": {"type": "string", "minLength": 12},
            "e": {"enum": ["x", "y"]}, "n": {"type": ["null", "number"], "maximum": 0},
            "l": {"type": "array", "minItems": 2, "items": {"type": "boolean"}}}});
        let args = arguments(&schema);
        assert!(jsonschema::is_valid(&schema, &args), "{args}");
    }
}
