//! tokentrail: reads recorded HTTP traffic, reconstructs the OAuth 2.0 exchanges in it, and
//! runs declarative rules that explain what went wrong.

// No unwrap/expect outside tests (issue 7): a panic on any input is a bug. Set here rather
// than in Cargo.toml's [lints] so integration-test helpers may still use them.
#![deny(clippy::unwrap_used, clippy::expect_used)]
// Unsafe code only where it is allowed by name: the SIMD module of the skim and the JSON walks
// (`wire::simd`), the mmap calls (`model::mmap`) and the wasm FFI exports (`wasm`).
#![deny(unsafe_code)]

pub mod api;
pub mod baseline;
#[cfg(feature = "cli")]
pub mod batch;
pub mod check;
pub mod config;
pub mod diff;
pub mod finding;
pub mod flow;
#[cfg(test)]
mod layers;
pub mod limits;
pub mod model;
pub mod outcome;
#[cfg(feature = "cli")]
pub mod progress;
pub mod read;
pub mod report;
pub mod rules;
pub mod sanitize;
pub mod secret;
pub mod select;
pub mod session;
pub mod shard;
// `tokentrail::timeline` before it moved beside the other renderers.
pub use report::timeline;
#[cfg(target_arch = "wasm32")]
pub mod wasm;
pub mod wire;

/// A seeded xorshift64 generator for unit tests that make many random cases: deterministic,
/// so a failure reproduces.
#[cfg(test)]
pub(crate) fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

/// Every sequence of up to `most` of `pieces`, joined, each once (the empty one first), for
/// tests that hold a fast path to its plain definition on every combination.
#[cfg(test)]
pub(crate) fn joined_pieces(pieces: &[&str], most: usize) -> Vec<String> {
    let mut texts = vec![String::new()];
    let mut frontier = vec![String::new()];
    for _ in 0..most {
        frontier = frontier
            .iter()
            .flat_map(|t| pieces.iter().map(move |p| format!("{t}{p}")))
            .collect();
        texts.extend(frontier.iter().cloned());
    }
    texts
}

/// Every HAR under `fixtures/`, sorted, for unit tests that run over all of them.
#[cfg(test)]
pub(crate) fn fixture_hars() -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "har") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
        &mut out,
    );
    out.sort();
    out
}
