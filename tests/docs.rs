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

/// README's table of input formats, between its markers, is the one the reader registry
/// renders: a format added to `READERS` cannot be missing from it.
#[test]
fn readme_formats_table_is_current() {
    const START: &str = "<!-- formats: generated from src/read/registry.rs; UPDATE_DOCS=1 cargo test --test integration docs:: -->\n";
    const END: &str = "<!-- end of formats -->\n";
    let readme = std::fs::read_to_string(common::root().join("README.md")).expect("README.md");
    let (before, rest) = readme
        .split_once(START)
        .unwrap_or_else(|| panic!("README.md has no line {START:?}"));
    let (_, after) = rest
        .split_once(END)
        .unwrap_or_else(|| panic!("README.md has no line {END:?} after the table"));
    let table = tokentrail::read::registry::readme_table();
    check_generated("README.md", &format!("{before}{START}{table}{END}{after}"));
}
