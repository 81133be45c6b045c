//! Report model and writers.
pub mod model;
