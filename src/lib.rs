//! tokentrail: reads recorded HTTP traffic, reconstructs the OAuth 2.0 exchanges in it, and
//! runs declarative rules that explain what went wrong.

pub mod check;
pub mod config;
pub mod finding;
pub mod flow;
pub mod limits;
pub mod model;
pub mod read;
pub mod report;
pub mod rules;
pub mod secret;
pub mod timeline;
