//! The library's entry for callers that hold bytes rather than paths: the browser page
//! (`web/`, through [`crate::wasm`]) and any program embedding tokentrail.
//!
//! [`check`] takes one file's bytes and name (and optionally the text of a `tokentrail.toml`)
//! and returns the [`Checked`] report; [`check_files`] does the same for several files, each
//! reported on its own as `tokentrail check a b` does. The files go through the same path as
//! the command line's (content sniffing, `.gz`, `.zip` and `.tar.gz` archives, the fast HAR
//! reader, the limits), so the findings, the HTML page and the JSON are the command line's.
//! [`sanitize`] makes the sanitized copy of one capture under a caller-given key.
//!
//! Nothing here touches files, the terminal or the clock: it builds without the `cli` feature,
//! for `wasm32-unknown-unknown`.
//!
//! ```
//! let har = std::fs::read("fixtures/samples/wrong-profile.har").unwrap();
//! let mut checked = tokentrail::api::check("wrong-profile.har", &har, None).unwrap();
//! let rules: Vec<&str> = checked.findings().map(|f| f.rule.as_str()).collect();
//! assert!(rules.contains(&"alexa/token-wrong-profile"));
//! // The same page as `tokentrail check --format html`, and the same JSON as `--format json`.
//! assert!(checked.html().contains("alexa/token-wrong-profile"));
//! assert!(checked.json().contains("\"rule\": \"alexa/token-wrong-profile\""));
//! ```

use std::sync::Arc;

use crate::check::{check_pending, Options};
use crate::config::Config;
use crate::finding::Finding;
use crate::outcome::{FileReport, Report};
use crate::read::input::{expand_bytes, Pending};
use crate::report::timeline::{self, TimelineOptions};
use crate::report::{html, json, position};
use crate::rules::{self, RuleSet};
use crate::sanitize;
use crate::secret::placeholder::{Key, Placeholders};
use crate::select::{Layer, Selection};

/// Why a check could not run at all (an unreadable file is not one: it is reported).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The `tokentrail.toml` given is not valid; the message names the line, never a value.
    #[error("{0}")]
    Config(String),
    /// The built-in rules did not load (a bug: they are checked by the test suite).
    #[error("the built-in rules do not load: {0}")]
    Rules(String),
    /// The config's `[rules]` selects or ignores a rule that does not exist.
    #[error("{0}")]
    Selection(String),
}

/// A finished check: the report, with the captures still attached for rendering, and
/// `explain` of each rule that has a finding.
pub struct Checked {
    pub report: Report,
    explained: Vec<(String, String)>,
}

/// Checks one file's bytes; `name` is what findings call it (a `.zip` member is named
/// `name!member`). `config` is the text of a `tokentrail.toml`, if any.
pub fn check(name: &str, bytes: &[u8], config: Option<&str>) -> Result<Checked, Error> {
    check_files(&[(name, bytes)], config)
}

/// Checks several files, each on its own (an archive's members too), in the order given.
pub fn check_files(files: &[(&str, &[u8])], config: Option<&str>) -> Result<Checked, Error> {
    Engine::new()?.check_files(files, config, &mut |_, _| {})
}

/// The built-in rules, loaded once for any number of checks (their CEL is compiled as each
/// rule is first used, which is most of a small check's time).
pub struct Engine {
    rules: RuleSet,
}

impl Engine {
    pub fn new() -> Result<Engine, Error> {
        let mut rules = RuleSet::default();
        rules.extend(rules::load_builtin().map_err(|e| Error::Rules(e.to_string()))?);
        Ok(Engine { rules })
    }

    /// [`check_files`], calling `progress(done, total)` after each capture is checked.
    pub fn check_files(
        &mut self,
        files: &[(&str, &[u8])],
        config: Option<&str>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Checked, Error> {
        let config = match config {
            Some(text) => Config::parse(crate::config::FILE_NAME, text)
                .map_err(|e| Error::Config(config_error(&e, text)))?,
            None => Config::default(),
        };
        // Lent to the check and taken back, so that the rules compiled stay compiled.
        let opts = Options {
            config,
            rules: std::mem::take(&mut self.rules),
        };
        let result = run(files, &opts, progress);
        self.rules = opts.rules;
        result
    }
}

fn run(
    files: &[(&str, &[u8])],
    opts: &Options,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Checked, Error> {
    let selection = selection(opts)?;
    let limits = &opts.config.limits;
    let pending: Vec<Pending> = files
        .iter()
        .flat_map(|(name, bytes)| expand_bytes(name, Arc::from(*bytes), limits))
        .collect();
    let found = pending.len();
    let mut report = Report {
        found,
        ..Report::default()
    };
    for (i, p) in pending.into_iter().enumerate() {
        for mut file in check_pending(p, opts) {
            file.findings.retain(|f| selection.allows(&f.rule));
            report.files.push(file);
        }
        progress(i + 1, found);
    }
    let fired: std::collections::BTreeSet<&str> =
        report.findings().map(|f| f.rule.as_str()).collect();
    let explained = fired
        .into_iter()
        .filter_map(|id| {
            let rule = opts.rules.get(id)?;
            Some((id.to_string(), rules::docs::explain(rule)))
        })
        .collect();
    Ok(Checked { report, explained })
}

/// The config's `[rules] select` / `ignore`, as the command line applies them.
fn selection(opts: &Options) -> Result<Selection, Error> {
    let origin = format!("{}: [rules] ", crate::config::FILE_NAME);
    Selection::new(
        &opts.rules,
        &[Layer {
            origin: &origin,
            select: &opts.config.rules.select,
            ignore: &opts.config.rules.ignore,
        }],
    )
    .map_err(|e| Error::Selection(e.to_string()))
}

/// A config error in words, with the line it is on (the command line shows the line
/// itself; the page has only the message), and its help.
fn config_error(e: &crate::config::ConfigError, text: &str) -> String {
    use miette::Diagnostic as _;
    let mut out = e.to_string();
    if let crate::config::ConfigError::Parse {
        span: Some(span),
        message,
        ..
    } = e
    {
        let line = text
            .get(..span.offset())
            .map_or(0, |before| before.matches('\n').count() + 1);
        out = format!("{out}: line {line}: {message}");
    }
    if let Some(help) = e.help() {
        out = format!("{out}\n{help}");
    }
    out
}

impl Checked {
    /// Every finding of every file, in report order.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.report.findings()
    }

    /// The self-contained HTML page `check --format html` writes.
    pub fn html(&self) -> String {
        html::render(&self.report)
    }

    /// The JSON report `check --format json` writes (with line numbers into each file).
    pub fn json(&mut self) -> String {
        // The positions only the JSON (and SARIF) carry; the HTML page does not read them.
        for file in &mut self.report.files {
            if file.capture.is_some() && file.findings.iter().any(|f| f.positions.is_none()) {
                position::fill(file);
            }
        }
        let mut text = json::render(&self.report);
        text.push('\n');
        text
    }

    /// Each readable file's flows as `tokentrail flows` prints them (no colour), headed by
    /// the file's name when there are several.
    pub fn flows(&self, width: usize) -> String {
        let opts = TimelineOptions {
            width: width.max(60),
            color: false,
        };
        let readable: Vec<&FileReport> = self
            .report
            .files
            .iter()
            .filter(|f| f.error.is_none())
            .collect();
        timeline::render_files(readable.iter().copied(), readable.len() > 1, &opts)
    }

    /// `tokentrail explain ID` for each rule that has a finding here, in id order.
    pub fn explain_fired(&self) -> &[(String, String)] {
        &self.explained
    }
}

/// A sanitized copy of one capture, and what was replaced.
pub struct SanitizedCopy {
    /// The name of the capture it was made from.
    pub name: String,
    /// The copy (HAR text).
    pub har: String,
    /// One line: what was replaced, by kind.
    pub summary: String,
    /// Things the user should know, one line each.
    pub notes: Vec<String>,
}

/// Sanitizes every capture that `bytes` holds (an archive's members each) with placeholders
/// under `key` (at least 16 bytes; the page passes `crypto.getRandomValues` bytes), as
/// `tokentrail sanitize --key-file` does. `config` is the text of the `tokentrail.toml` the
/// check used, if any: with it the copy records which placeholder client secrets stand for a
/// secret whose fingerprint it declares, and keeps the size of a body over its limits, so
/// `check` of the copy finds what `check` of the original finds. An unreadable capture or an
/// invalid config is an `Err` naming it.
pub fn sanitize(
    name: &str,
    bytes: &[u8],
    key: &[u8],
    config: Option<&str>,
) -> Result<Vec<SanitizedCopy>, String> {
    let config = match config {
        Some(text) => {
            Config::parse(crate::config::FILE_NAME, text).map_err(|e| config_error(&e, text))?
        }
        None => Config::default(),
    };
    let placeholders = Placeholders::new(Key::from_bytes(key)?);
    let mut out = Vec::new();
    for pending in expand_bytes(name, Arc::from(bytes), &config.limits) {
        for outcome in pending.read_fast() {
            let capture = outcome.result.map_err(|e| e.to_string())?;
            let mut har = Vec::new();
            let done = sanitize::sanitize_to_with(&capture, &placeholders, &config, &mut har)
                .map_err(|e| format!("{}: cannot write the copy: {e}", capture.name))?;
            out.push(SanitizedCopy {
                name: capture.name.clone(),
                har: String::from_utf8_lossy(&har).into_owned(),
                summary: done.summary(),
                notes: done.notes.clone(),
            });
        }
    }
    if out.is_empty() {
        return Err(format!("{name}: holds no capture"));
    }
    Ok(out)
}
