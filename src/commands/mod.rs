//! Subcommands that live in files of their own (the `test`, `list` and
//! `serve` commands are in [`crate::cli`]).
pub mod report;
