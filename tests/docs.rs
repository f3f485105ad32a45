//! Generated documentation must match its source. `UPDATE_DOCS=1 cargo test --test integration docs::`
//! rewrites the files; CI runs without it and fails on drift.

use crate::common;

fn check_generated(path: &str, expected: &str) {
    let file = common::root().join(path);
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&file, expected).expect("write generated doc");
        return;
    }
    let actual = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        actual == expected,
        "{path} is stale: run `UPDATE_DOCS=1 cargo test --test integration docs::` and commit the result"
    );
}

#[test]
fn facts_reference_is_current() {
    check_generated("docs/facts.md", &tokentrail::flow::schema::markdown());
}

#[test]
fn rules_reference_is_current() {
    check_generated(
        "docs/rules.md",
        &tokentrail::rules::docs::markdown(&common::builtin_rules()),
    );
}
