//! `--html FILE` (placeholder until the charts land).

use serde_json::Value;

pub fn render(_j: &Value) -> String {
    String::new()
}
