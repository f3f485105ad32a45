//! The pipeline for one input: read, reconstruct, evaluate rules.

use std::io::Read as _;
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::Config;
use crate::flow::{self, facts::Facts};
use crate::limits;
use crate::model::Capture;
use crate::report::{FileReport, Report};
use crate::rules::{self, RuleSet};
use crate::secret::{SecretKind, SecretSet};

/// One thing to check: a file, or standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Path(PathBuf),
    Stdin,
}

impl Input {
    pub fn parse(arg: &str) -> Input {
        if arg == "-" {
            Input::Stdin
        } else {
            Input::Path(PathBuf::from(arg))
        }
    }

    /// A command-line argument, which need not be UTF-8 (a path on Unix is any bytes).
    pub fn from_arg(arg: &std::ffi::OsStr) -> Input {
        if arg == "-" {
            Input::Stdin
        } else {
            Input::Path(PathBuf::from(arg))
        }
    }

    pub fn name(&self) -> String {
        match self {
            Input::Path(p) => p.display().to_string(),
            Input::Stdin => "<stdin>".into(),
        }
    }
}

pub struct Options {
    pub config: Config,
    pub rules: RuleSet,
}

/// Reads one input into a capture.
pub fn read(input: &Input) -> Result<Capture, String> {
    match input {
        Input::Path(p) => crate::read::read_path(p).map_err(|e| e.to_string()),
        Input::Stdin => {
            let mut buf = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut buf)
                .map_err(|e| format!("<stdin>: cannot read: {e}"))?;
            crate::read::read_bytes("<stdin>", Arc::from(buf)).map_err(|e| e.to_string())
        }
    }
}

/// Reconstructs a capture's flows and runs the rules over them.
pub fn check_capture(mut capture: Capture, opts: &Options) -> FileReport {
    let mut secrets = SecretSet::new();
    for ex in &capture.exchanges {
        secrets.collect(ex);
    }
    if capture.truncation.is_some() {
        // The unfinished entry after the last complete one is shown in diagnostics but was
        // never parsed: find its secrets in the raw text.
        let end = capture.exchanges.last().map_or(0, |e| e.span.end);
        if let Some(tail) = capture.source.get(end..) {
            secrets.collect_raw(&String::from_utf8_lossy(tail));
        }
    }
    // After the secrets are collected, so what a limit leaves out is still masked.
    let limits_hit = limits::apply(&mut capture, &opts.config.limits);
    let mut analysis = flow::analyze(&capture, &opts.config);
    analysis.limits_hit = limits_hit;
    for code in &analysis.codes {
        secrets.add_identified(SecretKind::Code, &code.value);
    }
    for token in &analysis.tokens {
        let kind = match token.kind {
            flow::TokenKind::Access => SecretKind::AccessToken,
            flow::TokenKind::Refresh => SecretKind::RefreshToken,
        };
        secrets.add_identified(kind, &token.value);
    }
    let facts = Facts::new(&capture, &analysis, &secrets);
    let findings = rules::evaluate(&opts.rules, &facts);
    FileReport {
        name: capture.name.clone(),
        format: Some(capture.format.name()),
        entries: capture.exchanges.len(),
        error: None,
        analysis: Some(analysis),
        findings,
        secrets,
        capture: Some(capture),
    }
}

/// Checks every input; files are independent, so they are checked in parallel and reported
/// in the order given.
pub fn check_inputs(inputs: &[Input], opts: &Options) -> Report {
    let files = inputs
        .par_iter()
        .map(|input| match read(input) {
            Ok(capture) => check_capture(capture, opts),
            Err(error) => FileReport::unreadable(input.name(), error),
        })
        .collect();
    Report { files }
}
