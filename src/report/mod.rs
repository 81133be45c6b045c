//! Report model and writers.
pub mod console;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod model;
pub mod text;

#[cfg(test)]
mod fixture;
