//! Reference MCP servers (placeholder while the crate is written).
