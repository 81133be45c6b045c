//! The one error that means "exit 2": bad usage, a report file that cannot
//! be written, a target that cannot be reached at all. Every layer may raise
//! it (a bench plan, a scenario file, a saved report), so it lives at the
//! bottom, where everyone can use it and it imports nothing.

/// A failure that maps to exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// A [`UsageError`] as an `anyhow::Error`.
pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}
