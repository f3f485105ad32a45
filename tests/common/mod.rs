//! Helpers shared by the integration tests: the fixtures and how to check one, the one runner
//! of the binary, and the writers the property tests share.

pub mod archive;
pub mod rng;
pub mod run;
pub mod visual;

pub use run::{bin, stderr, stdout, tokentrail};

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use tokentrail::check::{check_capture, Options};
use tokentrail::config::Config;
use tokentrail::report::FileReport;
use tokentrail::rules::{load_builtin, RuleSet};
use tokentrail::secret::SecretKind;

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

/// The built-in rules with the config that goes with `fixture` (see [`config_for`]), made once
/// per config file and shared by every test: parsing the rules is the slow part of a
/// debug-build check (a few hundred fixtures, checked several times each, paid it each time).
/// Keyed by the config's path and text, so a test that writes a config gets what it wrote.
pub fn options_for(fixture: &Path) -> Arc<Options> {
    let key = config_for(fixture).map(|c| {
        let text = std::fs::read_to_string(&c).expect("fixture config");
        (c, text)
    });
    /// A config file's path and text (`None`: no config), and the options made with it.
    type Made = HashMap<Option<(PathBuf, String)>, Arc<Options>>;
    static MADE: OnceLock<Mutex<Made>> = OnceLock::new();
    let mut made = MADE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    made.entry(key)
        .or_insert_with_key(|key| {
            let config = key
                .as_ref()
                .map(|(c, _)| Config::load(c).expect("fixture config"))
                .unwrap_or_default();
            Arc::new(Options {
                config,
                rules: builtin_rules(),
            })
        })
        .clone()
}

/// The built-in rules with the default config, shared as [`options_for`]'s are.
pub fn default_options() -> Arc<Options> {
    options_for(Path::new(""))
}

/// Checks a fixture as `tokentrail check` does, with its config and the built-in rules.
pub fn check(path: &Path) -> FileReport {
    let capture = tokentrail::read::read_path(path).expect("fixture reads");
    check_capture(capture, &options_for(path))
}

/// The path relative to the repository, as tests name fixtures.
pub fn rel(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The errors and warnings a page logged, from the `console` list (`{type, text}`) that the
/// browser scripts (tests/browser/*.mjs) report of a page run.
pub fn console_complaints(seen: &serde_json::Value) -> Vec<&serde_json::Value> {
    seen["console"]
        .as_array()
        .expect("console")
        .iter()
        .filter(|m| matches!(m["type"].as_str(), Some("error" | "warn" | "warning")))
        .collect()
}

/// The secrets of `capture` a search of an output looks for, each with its kind: every value
/// the classifier collects but a whole cookie header, whose cookies are listed one by one.
pub fn secrets_to_search(capture: &tokentrail::model::Capture) -> Vec<(String, SecretKind)> {
    let mut set = tokentrail::secret::SecretSet::new();
    capture.exchanges.iter().for_each(|e| set.collect(e));
    set.iter()
        .filter(|(value, kind)| !(*kind == SecretKind::Cookie && value.contains(';')))
        .map(|(value, kind)| (value.to_string(), kind))
        .collect()
}

/// The first of `secrets` that `text` holds, in any spelling (raw, percent, form, JSON-escaped,
/// base64, HTML entities).
pub fn leaked<'s>(
    secrets: &'s [(String, SecretKind)],
    text: &str,
) -> Option<&'s (String, SecretKind)> {
    secrets.iter().find(|(value, _)| {
        tokentrail::secret::spellings(value)
            .iter()
            .any(|spelling| text.contains(spelling.as_str()))
    })
}
