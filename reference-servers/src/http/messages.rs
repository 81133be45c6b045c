//! JSON-RPC message helpers.
