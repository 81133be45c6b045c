//! What the scripted server lists and answers: the tool (`add_numbers`,
//! shaped by the scenario: an `x-mcp-header` parameter, a network `$ref`,
//! an invalid tool listed first) and the results of the methods it serves.
//! Kept apart from the transport side ([`super`]) so that each reads alone.

use super::{Scenario, Shared, error, ok};
use serde_json::{Value, json};

/// Where the `$ref` of the schema scenario points (this server, so that
/// no traffic leaves loopback even from a client that follows it).
pub const REMOTE_SCHEMA_PATH: &str = "/schemas/remote.json";
/// The tool the invalid-headers scenario lists first.
pub const INVALID_TOOL: &str = "invalid_header_tool";

/// The `x-mcp-header` name of the custom-headers scenario.
pub const CUSTOM_HEADER: &str = "First";

impl Shared {
    pub(super) fn result_of(&self, method: &str, m: &Value, id: &Value) -> Value {
        let stateless = !self.version.has_handshake();
        let mut result = match method {
            "ping" => json!({}),
            // The 2026-07-28 schema's DiscoverResult: caching hints
            // required, the server named in `_meta`.
            "server/discover" => json!({
                "supportedVersions": [self.version.as_str()],
                "capabilities": {"tools": {}},
                "ttlMs": 0,
                "cacheScope": "public",
                "_meta": {"io.modelcontextprotocol/serverInfo":
                    {"name": "mcpcheck-scripted", "version": env!("CARGO_PKG_VERSION")}}
            }),
            "tools/list" => json!({"tools": self.tools()}),
            "tools/call" => {
                let args = m.pointer("/params/arguments");
                let n = |k: &str| args.and_then(|a| a.get(k)).and_then(Value::as_f64);
                match (n("a"), n("b")) {
                    (Some(a), Some(b)) => {
                        json!({"content": [{"type": "text", "text": format!("{}", a + b)}]})
                    }
                    _ => {
                        json!({"content": [{"type": "text", "text": "a and b must be numbers"}], "isError": true})
                    }
                }
            }
            _ => return error(Some(id), -32601, "method not found"),
        };
        if stateless {
            result["resultType"] = json!("complete");
            // 2026-07-28 list results carry their caching hints (required
            // by its schema; a validating client refuses a list without them).
            if method == "tools/list" {
                result["ttlMs"] = json!(0);
                result["cacheScope"] = json!("public");
            }
        }
        ok(Some(id), result)
    }

    /// The listing: `add_numbers`, after a tool no client may keep in the
    /// invalid-headers scenario.
    fn tools(&self) -> Vec<Value> {
        let mut tools = vec![self.tool()];
        if self.scenario == Scenario::InvalidToolHeaders {
            let bad = json!({
                "name": INVALID_TOOL,
                "description": "x-mcp-header on a number, which the transport forbids",
                "inputSchema": {"type": "object",
                    "properties": {"a": {"type": "number", "x-mcp-header": "A"}, "b": {"type": "number"}}},
                "annotations": {"readOnlyHint": true}
            });
            tools.insert(0, bad);
        }
        tools
    }

    fn tool(&self) -> Value {
        let kind = if self.scenario == Scenario::CustomHeaders { "integer" } else { "number" };
        let mut tool = json!({
            "name": "add_numbers",
            "description": "Adds a and b",
            "inputSchema": {"type": "object",
                "properties": {"a": {"type": kind}, "b": {"type": kind}}, "required": ["a", "b"]},
            "annotations": {"readOnlyHint": true}
        });
        if self.scenario == Scenario::CustomHeaders {
            tool["inputSchema"]["properties"]["a"]["x-mcp-header"] = json!(CUSTOM_HEADER);
        }
        if self.scenario == Scenario::SchemaRefNoDeref {
            tool["inputSchema"]["properties"]["c"] =
                json!({"$ref": format!("{}{REMOTE_SCHEMA_PATH}", self.origin)});
        }
        tool
    }
}
