//! tokentrail: reads recorded HTTP traffic, reconstructs the OAuth 2.0 exchanges in it, and
//! runs declarative rules that explain what went wrong.

pub mod batch;
pub mod check;
pub mod config;
pub mod finding;
pub mod flow;
pub mod model;
pub mod progress;
pub mod read;
pub mod report;
pub mod rules;
pub mod sanitize;
pub mod secret;
pub mod session;
pub mod shard;
pub mod timeline;
