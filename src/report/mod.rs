//! Renders a [`Report`]: what was checked and what was found.

pub mod flowview;
pub mod html;
pub mod human;
pub mod json;
pub mod mermaid;
pub mod ndjson;
pub mod output;
pub mod position;
pub mod sarif;
pub mod snippet;
pub mod summary;
pub mod svg;
pub mod timeline;

// The outcome types were defined here; callers of the library name them through `report`.
pub use crate::outcome::{FileReport, Origin, Report, Summary};
