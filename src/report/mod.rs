//! Report model and writers.
pub mod baseline;
pub mod console;
pub mod diff;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod model;
pub mod redact;
pub mod sarif;
pub mod text;
pub mod views;

#[cfg(test)]
mod fixture;
