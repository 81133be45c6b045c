//! HTTP tests of the plain reference server: the clean server is correct on
//! every revision, and each fault breaks exactly the checks it claims to.

mod clean;
mod client;
mod feature_probes;
mod matrix;
mod probes;
