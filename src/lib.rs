//! mcpcheck: conformance and load-testing harness for MCP servers.
pub mod report;
pub mod spec;
