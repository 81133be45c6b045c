//! HTTP tests of the plain reference server: the clean server is correct on
//! every revision, including where it corrects rmcp. That each fault breaks
//! exactly the checks it names is proven with mcpcheck's real checks, in the
//! root crate's tests/fault_matrix.rs (a second set of probes here would be a
//! second implementation of every check to keep in step).

mod clean;
mod client;
