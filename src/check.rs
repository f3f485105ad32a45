//! The pipeline for one input: read, reconstruct, evaluate rules.

use std::io::Read as _;
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::Config;
use crate::flow::{self, facts::Facts};
use crate::limits::{self, Limits};
use crate::model::Capture;
use crate::outcome::{FileReport, Report};
use crate::read::input::{Outcome, Pending};
use crate::rules::{self, RuleSet};

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

/// Expands one input into the captures it holds: a file, a directory's captures, an
/// archive's members, or what standard input holds (which may be an archive too). The
/// archive limits (`--max-decompressed-size`, `--max-archive-members`) bound each file.
pub fn expand(input: &Input, limits: &Limits) -> Vec<Pending> {
    expand_noting(input, limits, &mut Vec::new())
}

/// [`expand`], adding to `skipped` the files a directory walk found to be no capture.
pub fn expand_noting(input: &Input, limits: &Limits, skipped: &mut Vec<String>) -> Vec<Pending> {
    match input {
        Input::Path(p) => crate::read::input::expand_path_noting(p, limits, skipped),
        Input::Stdin => {
            let mut buf = Vec::new();
            match std::io::stdin().lock().read_to_end(&mut buf) {
                Ok(_) => crate::read::input::expand_bytes("<stdin>", Arc::from(buf), limits),
                Err(error) => crate::read::input::failed_io("<stdin>", error),
            }
        }
    }
}

/// Reads one input into a capture (the first one it holds), within the default limits.
pub fn read(input: &Input) -> Result<Capture, String> {
    let outcome = expand(input, &Limits::default())
        .into_iter()
        .flat_map(Pending::read)
        .next();
    match outcome {
        Some(o) => o.result.map_err(|e| e.to_string()),
        None => Err(format!("{}: holds no capture", input.name())),
    }
}

fn check_outcome(outcome: Outcome, opts: &Options) -> FileReport {
    match outcome.result {
        Ok(capture) => check_capture(capture, opts),
        Err(error) => FileReport::unreadable(outcome.name, error.to_string()),
    }
}

/// Reconstructs a capture's flows and runs the rules over them.
///
/// No secret is collected on the way: the facts hold values raw for the conditions, and
/// everything displayed (messages, URLs, snippets) is masked by the secrets policy where it is
/// shown (`secret::policy`), so the cost of masking follows what is shown, not the capture.
pub fn check_capture(mut capture: Capture, opts: &Options) -> FileReport {
    let limits_hit = limits::apply(&mut capture, &opts.config.limits);
    let mut analysis = flow::analyze(&capture, &opts.config);
    analysis.limits_hit = limits_hit;
    // A finding about stripped cookies points at an entry the fast read may have kept as a
    // stub (its place and the cookies it lists): read that one entry in full, so the finding
    // names its method and URL as the full read does.
    if let Some(stripped) = &analysis.stripped {
        crate::read::har::fill_stub(&mut capture, stripped.entry);
    }
    // Nothing after reconstruction reads a body or the headers only it reads (snippets come
    // from the source bytes).
    capture.drop_what_reconstruction_alone_reads();
    // Where the capture's client ids can be read more than one way, the rules decide: the
    // reading with the fewest errors explains the capture best.
    flow::decide_profiles(&mut analysis, &opts.config, |a| {
        let facts = Facts::new(&capture, a);
        rules::evaluate(&opts.rules, &facts)
            .iter()
            .filter(|f| f.severity == crate::finding::Severity::Error)
            .count()
    });
    let facts = Facts::new(&capture, &analysis);
    let findings = rules::evaluate(&opts.rules, &facts);
    FileReport {
        name: capture.name.clone(),
        format: Some(capture.format.name()),
        entries: capture.exchanges.len(),
        error: None,
        analysis: Some(analysis),
        findings,
        capture: Some(capture),
        session: None,
    }
}

/// Checks every input; captures are independent, so they are checked in parallel and
/// reported in the order given (a directory's files sorted, an archive's members in its order).
pub fn check_inputs(inputs: &[Input], opts: &Options) -> Report {
    let limits = &opts.config.limits;
    let pending: Vec<Pending> = inputs.iter().flat_map(|i| expand(i, limits)).collect();
    let files = pending
        .into_par_iter()
        .flat_map_iter(|p| check_pending(p, opts))
        .collect();
    Report {
        files,
        ..Report::default()
    }
}

/// Reads and checks one input the fast way ([`check_pending`]); for an input that holds
/// several captures (a directory, an archive), the first. Tests compare it with
/// [`check_capture`] over the full reader.
pub fn check_input(input: &Input, opts: &Options) -> FileReport {
    expand(input, &opts.config.limits)
        .into_iter()
        .flat_map(|p| check_pending(p, opts))
        .next()
        .unwrap_or_else(|| FileReport::unreadable(input.name(), "holds no capture".into()))
}

/// Reads and checks one pending capture (several for an archive inside an archive); an
/// unreadable one is reported, not an error.
pub fn check_pending(pending: Pending, opts: &Options) -> Vec<FileReport> {
    pending
        .read_to_check()
        .into_iter()
        .map(|o| check_outcome(o, opts))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::StepKind;

    /// Reconstruction reads the bodies (a token request's form and its answer's JSON); the
    /// capture a report keeps holds none of them, so they are not kept beside the facts.
    #[test]
    fn a_checked_capture_keeps_no_body() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/good/alexa-app-firefox.har");
        let capture = read(&Input::Path(path)).expect("readable");
        let bodies = |c: &Capture| {
            c.exchanges
                .iter()
                .filter(|e| {
                    e.request.body.is_some()
                        || e.response.as_ref().is_some_and(|r| r.body.is_some())
                })
                .count()
        };
        assert!(bodies(&capture) > 0);
        let mut rules = RuleSet::default();
        rules.extend(rules::load_builtin().expect("built-in rules"));
        let opts = Options {
            config: Config::default(),
            rules,
        };
        let report = check_capture(capture, &opts);
        let analysis = report.analysis.as_ref().expect("analysis");
        let token = analysis
            .steps
            .iter()
            .find_map(|s| match &s.detail {
                crate::flow::Detail::TokenRequest(t) if s.kind == StepKind::TokenRequest => Some(t),
                _ => None,
            })
            .expect("a token request");
        assert!(
            token.grant_type.is_some() && token.response.is_some(),
            "read from the bodies"
        );
        assert_eq!(bodies(report.capture.as_ref().expect("capture")), 0);
    }
}
