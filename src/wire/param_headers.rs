//! `Mcp-Param-{Name}` headers (2026-07-28, SEP-2243): the tool arguments a
//! server's input schema marks with `x-mcp-header`, mirrored into headers.
//!
//! Why in the wire layer: "When a server's tool definition includes
//! `x-mcp-header` annotations, conforming clients MUST mirror the designated
//! parameter values into HTTP headers", and a server that validates them
//! refuses a `tools/call` without them. A [`super::session::Session`] learns
//! the annotations from the `tools/list` answers it reads ([`ParamHeaders::learn`])
//! and adds the headers to its later calls of those tools, so every check that
//! calls a tool speaks as a conforming client; the checks of the headers
//! themselves override or omit them per request.

use serde_json::Value;
use std::collections::HashMap;

/// Bound on the tools remembered (a hostile server may list many).
const MAX_TOOLS: usize = 1000;
/// Bound on the depth of `properties` chains followed.
const MAX_DEPTH: usize = 8;

/// One annotation: the chain of `properties` keys to the argument, and the
/// name part of its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    pub path: Vec<String>,
    pub header: String,
}

impl Annotation {
    /// The full header name, `Mcp-Param-{header}`.
    pub fn header_name(&self) -> String {
        format!("Mcp-Param-{}", self.header)
    }
    /// The argument at this annotation's path, if the arguments have one.
    pub fn value_in<'a>(&self, arguments: &'a Value) -> Option<&'a Value> {
        self.path.iter().try_fold(arguments, |v, key| v.get(key))
    }
}

/// The annotations of an input schema: `x-mcp-header` on properties reached
/// from the root through `properties` keys alone (the only place the
/// transport allows them), string-valued.
pub fn annotations(input_schema: &Value) -> Vec<Annotation> {
    let mut out = Vec::new();
    collect(input_schema, &mut Vec::new(), &mut out);
    out
}

fn collect(schema: &Value, path: &mut Vec<String>, out: &mut Vec<Annotation>) {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else { return };
    if path.len() >= MAX_DEPTH {
        return;
    }
    for (key, prop) in props {
        path.push(key.clone());
        if let Some(header) = prop.get("x-mcp-header").and_then(Value::as_str) {
            out.push(Annotation { path: path.clone(), header: header.to_string() });
        }
        collect(prop, path, out);
        path.pop();
    }
}

/// A primitive argument as the transport writes it in a header: strings as
/// they are, integers in decimal, booleans as `true`/`false`; `None` for
/// anything else (null included: the header is then left out).
pub fn header_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// What one session knows of the tools' annotations.
#[derive(Debug, Clone, Default)]
pub struct ParamHeaders {
    by_tool: HashMap<String, Vec<Annotation>>,
}

impl ParamHeaders {
    /// Remembers the annotated tools of a `tools/list` result.
    pub fn learn(&mut self, result: &Value) {
        let Some(tools) = result.get("tools").and_then(Value::as_array) else { return };
        for tool in tools {
            let Some(name) = tool.get("name").and_then(Value::as_str) else { continue };
            let found = tool.get("inputSchema").map(annotations).unwrap_or_default();
            if found.is_empty() {
                self.by_tool.remove(name);
            } else if self.by_tool.len() < MAX_TOOLS || self.by_tool.contains_key(name) {
                self.by_tool.insert(name.to_string(), found);
            }
        }
    }

    /// The `Mcp-Param-*` headers of a `tools/call` message, from the
    /// arguments it carries; none for a tool not learned.
    pub fn for_call(&self, msg: &Value) -> Vec<(String, String)> {
        let params = msg.get("params");
        let Some(name) = params.and_then(|p| p.get("name")).and_then(Value::as_str) else {
            return Vec::new();
        };
        let (Some(found), Some(arguments)) =
            (self.by_tool.get(name), params.and_then(|p| p.get("arguments")))
        else {
            return Vec::new();
        };
        found
            .iter()
            .filter_map(|a| {
                let text = a.value_in(arguments).and_then(header_text)?;
                Some((a.header_name(), super::session::header_safe(&text)))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn annotated_arguments_become_headers_and_others_do_not() {
        let schema = json!({"type": "object", "properties": {
            "region": {"type": "string", "x-mcp-header": "Region"},
            "opts": {"type": "object", "properties": {"n": {"type": "integer", "x-mcp-header": "N"}}},
            "query": {"type": "string"},
            "list": {"type": "array", "items": {"properties": {"x": {"x-mcp-header": "X"}}}},
        }});
        let mut known = ParamHeaders::default();
        known.learn(&json!({"tools": [{"name": "t", "inputSchema": schema}]}));
        let msg = json!({"method": "tools/call", "params": {"name": "t", "arguments": {
            "region": " padded ", "opts": {"n": 42}, "query": "q"}}});
        let mut got = known.for_call(&msg);
        got.sort();
        assert_eq!(
            got,
            vec![
                ("Mcp-Param-N".to_string(), "42".to_string()),
                ("Mcp-Param-Region".to_string(), "=?base64?IHBhZGRlZCA=?=".to_string()),
            ]
        );
        let other = json!({"method": "tools/call", "params": {"name": "u", "arguments": {"region": "x"}}});
        assert!(known.for_call(&other).is_empty());
    }
}
