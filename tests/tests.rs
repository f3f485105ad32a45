//! The integration tests: one binary, one module per concern (like ripgrep's tests/tests.rs).
//! One binary links once instead of once per file, and its tests share one pool of threads.
//! Run one module with `cargo test --test integration cli::`, one test by its name.
//!
//! Every `tests/*.rs` file is a module here (a test below fails when one is not), and runs the
//! binary through `common::bin()` / `common::tokentrail()`, which clear the environment once.

mod common;

mod archive_limits;
mod batch;
mod browser;
mod cli;
mod conventions;
mod diagnosis;
mod diff;
mod docs;
mod facts;
mod fixtures;
mod flow;
mod formats;
mod mitmproxy;
mod new_rule;
mod oidc;
mod read_real;
mod recorded;
mod robustness;
mod sanitize;
mod secrets;
mod secrets_property;
mod skim;
mod snapshots;
mod visual;
mod web_page;

/// With `autotests = false`, a file in tests/ that is not declared above would never run.
#[test]
fn every_test_file_is_a_module_of_this_binary() {
    let dir = common::root().join("tests");
    let this = std::fs::read_to_string(dir.join("tests.rs")).expect("tests/tests.rs");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("tests/") {
        let path = entry.expect("entry").path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_some_and(|e| e == "rs")
            && stem != "tests"
            && !this.lines().any(|l| l == format!("mod {stem};"))
        {
            missing.push(stem.to_string());
        }
    }
    assert!(
        missing.is_empty(),
        "tests/{{{}}}.rs: add `mod <name>;` to tests/tests.rs",
        missing.join(",")
    );
}
