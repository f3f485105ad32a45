//! Helpers shared by the integration tests: the fixtures and how to check one, the one runner
//! of the binary, and the writers the property tests share.

pub mod archive;
pub mod rng;
pub mod run;
pub mod visual;

pub use run::{bin, stderr, stdout, tokentrail};

use std::path::{Path, PathBuf};

use tokentrail::check::{check_capture, Options};
use tokentrail::config::Config;
use tokentrail::report::FileReport;
use tokentrail::rules::{load_builtin, RuleSet};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `*.har` under `fixtures/`, sorted.
pub fn fixtures() -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(&root().join("fixtures"), &mut out);
    out.sort();
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("fixtures dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "har") {
            out.push(path);
        }
    }
}

pub fn builtin_rules() -> RuleSet {
    let mut set = RuleSet::default();
    set.extend(load_builtin().expect("built-in rules load"));
    set
}

/// The config that goes with a fixture: `<stem>.tokentrail.toml` beside it, if any.
pub fn config_for(path: &Path) -> Option<PathBuf> {
    let stem = path.file_stem()?.to_str()?;
    let cfg = path.with_file_name(format!("{stem}.tokentrail.toml"));
    cfg.is_file().then_some(cfg)
}

/// Checks a fixture as `tokentrail check` does, with its config.
pub fn check(path: &Path, rules: RuleSet) -> FileReport {
    let config = config_for(path)
        .map(|c| Config::load(&c).expect("fixture config"))
        .unwrap_or_default();
    let capture = tokentrail::read::read_path(path).expect("fixture reads");
    check_capture(capture, &Options { config, rules })
}

/// The path relative to the repository, as tests name fixtures.
pub fn rel(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}
