//! `tokentrail sanitize`: a copy of a capture that can be shared, and still checked.
//!
//! Every secret (code, token, client secret, credentials, cookie, password, API key) is
//! replaced by a keyed placeholder ([`crate::secret::placeholder`]) that keeps its shape and
//! equality, so `tokentrail check` finds the same mistakes in the copy. The work is done on
//! parsed data: the HAR document is parsed, its strings are rewritten, and it is written out
//! again as valid JSON. Response bodies of entries that play no part in an OAuth flow are
//! removed (they are where personal data lives, and no rule reads them).
//!
//! Input in another format is written as HAR built from the format-neutral [`Capture`].

mod har;

use std::collections::{BTreeMap, BTreeSet};

use crate::config::Config;
use crate::flow;
use crate::model::{Capture, Format};
use crate::secret::placeholder::Placeholders;
use crate::secret::redact::{Redactor, Tally};
use crate::secret::{SecretKind, SecretSet};

/// The vendor field of `log` where sanitized output records that it was sanitized, and the
/// tags of its placeholders (so a second run with the same key keeps them).
pub const MARK: &str = "_tokentrail_sanitized";

/// A sanitized capture and what was done to it.
#[derive(Debug)]
pub struct Sanitized {
    /// The HAR text to write.
    pub har: String,
    /// Things the user should know, one line each (for stderr).
    pub notes: Vec<String>,
    /// What was replaced, by kind.
    pub tallies: BTreeMap<SecretKind, Tally>,
    /// Distinct values that were already placeholders of this key (a second run), kept.
    pub kept: usize,
    /// Response bodies removed from entries outside any OAuth flow.
    pub bodies_removed: usize,
    /// Entries written.
    pub entries: usize,
    /// Every placeholder written (not secret; for tests and tooling).
    pub placeholders: BTreeSet<String>,
    /// The output is cut off after its last entry, as the input was.
    pub cut: bool,
}

/// Sanitizes one capture with placeholders under one key.
pub fn sanitize(capture: &Capture, placeholders: &Placeholders) -> Sanitized {
    let mut notes = Vec::new();
    let doc = if capture.format == Format::Har {
        har::Document::parse(capture).unwrap_or_else(|why| {
            notes.push(format!(
                "{}: {why}; writing a new HAR from its {} readable entries instead",
                capture.name,
                capture.exchanges.len()
            ));
            har::Document::from_capture(capture)
        })
    } else {
        notes.push(format!(
            "{}: a {} capture; the sanitized copy is written as HAR",
            capture.name,
            capture.format.name()
        ));
        har::Document::from_capture(capture)
    };
    sanitize_into(capture, doc, notes, placeholders)
}

fn sanitize_into(
    capture: &Capture,
    doc: har::Document,
    mut notes: Vec<String>,
    placeholders: &Placeholders,
) -> Sanitized {
    let analysis = flow::analyze(capture, &Config::default());
    let mut secrets = SecretSet::new();
    for ex in &capture.exchanges {
        secrets.collect(ex);
    }
    crate::check::add_identified(&mut secrets, &analysis);
    let oauth: BTreeSet<usize> = analysis.steps.iter().map(|s| s.entry).collect();
    if let Some(t) = &capture.truncation {
        notes.push(if doc.cut {
            format!(
                "{}: {}; the copy is cut after entry {} too, so `check` still reports it",
                capture.name, t.reason, t.complete_entries
            )
        } else {
            format!(
                "{}: {}; the copy holds the {} complete entries",
                capture.name, t.reason, t.complete_entries
            )
        });
    }

    let cut = doc.cut;
    let mut redactor = Redactor::new(&secrets, placeholders, doc.known_tags());
    let (har, entries, bodies_removed) = doc.write(&mut redactor, &oauth);
    Sanitized {
        har,
        notes,
        tallies: redactor.tallies().clone(),
        kept: redactor.kept(),
        bodies_removed,
        entries,
        placeholders: redactor.placeholders().map(str::to_string).collect(),
        cut,
    }
}

impl Sanitized {
    /// One line: how much was replaced.
    pub fn summary(&self) -> String {
        let values: usize = self.tallies.values().map(|t| t.values).sum();
        let places: usize = self.tallies.values().map(|t| t.places).sum();
        let kept = if self.kept > 0 {
            format!("; {} placeholders of this key kept", self.kept)
        } else {
            String::new()
        };
        format!(
            "{} entries; {values} secret values replaced in {places} places; {} response bodies removed{kept}",
            self.entries, self.bodies_removed
        )
    }

    /// What was replaced, by kind and count, one line each; never a value.
    pub fn report(&self) -> String {
        let mut out = String::new();
        let plural =
            |n: usize, word: &str| format!("{n:>4} {word}{}", if n == 1 { "" } else { "s" });
        for (kind, t) in &self.tallies {
            out.push_str(&format!(
                "  {:<14} {} in {}\n",
                kind.word(),
                plural(t.values, "value"),
                plural(t.places, "place")
            ));
        }
        out.push_str(&format!(
            "  {:<14} {:>4} removed (entries outside any OAuth flow)\n",
            "response body", self.bodies_removed
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::check::{check_capture, Options};
    use crate::secret::placeholder::Key;

    fn found(capture: Capture, config: &Config) -> Vec<(String, Option<usize>)> {
        let mut rules = crate::rules::RuleSet::default();
        rules.extend(crate::rules::load_builtin().expect("rules"));
        let report = check_capture(
            capture,
            &Options {
                config: config.clone(),
                rules,
            },
        );
        report
            .findings
            .iter()
            .filter(|f| f.rule != "capture/credentials-stripped")
            .map(|f| (f.rule.clone(), f.entry))
            .collect()
    }

    /// Formats without a writer of their own are written as a HAR built from the capture:
    /// that HAR must check the same as the original, for every fixture.
    #[test]
    fn a_har_rebuilt_from_the_capture_checks_the_same() {
        let paths = crate::fixture_hars();
        assert!(paths.len() > 20);
        let placeholders =
            Placeholders::new(Key::from_bytes(b"a key for the rebuilt-HAR test").expect("key"));
        for path in paths {
            let capture = crate::read::read_path(&path).expect("fixture reads");
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            let cfg = path.with_file_name(format!("{stem}.tokentrail.toml"));
            let config = if cfg.is_file() {
                Config::load(&cfg).expect("config")
            } else {
                Config::default()
            };
            let doc = har::Document::from_capture(&capture);
            let out = sanitize_into(&capture, doc, Vec::new(), &placeholders);
            let parsed: serde_json::Value = serde_json::from_str(&out.har).expect("valid JSON");
            assert_eq!(
                parsed["log"]["entries"].as_array().map(Vec::len),
                Some(capture.exchanges.len())
            );
            let copy = crate::read::read_bytes("copy.har", Arc::from(out.har.as_bytes()))
                .expect("reads back");
            let mut want = found(capture, &config);
            // A cut input becomes a whole file: only the truncation is no longer seen. And the
            // copy drops non-OAuth response bodies, so a body-size limit they hit is gone too.
            // Its client secrets are placeholders, which no config's fingerprint matches.
            let kept = |(rule, _): &(String, Option<usize>)| {
                rule != "capture/truncated"
                    && rule != "capture/limit"
                    && rule != "alexa/secret-wrong-profile"
            };
            want.retain(kept);
            let mut got = found(copy, &config);
            got.retain(kept);
            assert_eq!(got, want, "{}", path.display());
        }
    }
}
