//! `tokentrail sanitize`: a copy of a capture that can be shared, and still checked.
//!
//! The copy keeps what the default-deny policy ([`crate::secret::policy`], the one display
//! uses) knows to be safe, and every other value is replaced by a keyed placeholder
//! ([`crate::secret::placeholder`]) that keeps its shape and equality, so `tokentrail check`
//! finds the same mistakes in the copy. Response bodies of entries that play no part in an
//! OAuth flow are removed (they are where personal data lives, and no rule reads them). Text
//! no reader could parse (the raw tail of a cut file) is dropped and counted, never copied;
//! a cut capture's copy is cut after its last complete entry too, so `check` still says so.
//! Given the config `check` uses, the copy also keeps what the rules read of it that no
//! placeholder can hold: which declared profile a client secret is ([`profiles`]) and the
//! size of a removed body that goes over the body-size limit ([`oversized`]).
//!
//! It streams, in two passes over the (memory-mapped) input: the fast reader `check` uses
//! finds the entries and what the copy needs of them (which are OAuth steps, where the input
//! is cut), then the entries are walked by the policy in pieces of a few hundred KB (on
//! rayon's threads, one after another where there is one) and written in order as they come,
//! never more than a few MB ahead of the writing.
//!
//! A HAR input is written in its own format (every field kept, vendor ones too, with only
//! unsafe values replaced). Every other format is written as HAR built from the
//! format-neutral capture: a Fiddler `.saz` is a zip of raw messages and a Burp file base64
//! inside XML, which would need writers of their own for no gain to a reader; a Charles
//! session is a bare JSON array with no place for the copy's mark (below); and every reader
//! of tokentrail and of other tools reads HAR. What is lost is the other format's vendor
//! fields, which no rule reads.

mod form_post;
mod har;
mod oversized;
mod profiles;
mod relations;
mod replacer;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

use crate::check::Input;
use crate::config::Config;
use crate::flow;
use crate::model::Capture;
use crate::secret::placeholder::Placeholders;
use crate::secret::redact::Tally;
use crate::secret::SecretKind;

// Defined beside the placeholders it records, so reconstruction can recognise a sanitized copy
// without depending on `sanitize` (which reads through `check`).
pub use crate::secret::placeholder::MARK;

/// What sanitizing did; never a value.
#[derive(Debug, Default)]
pub struct Outcome {
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
    /// The output is cut off after its last entry, as the input was.
    pub cut: bool,
    /// Bytes of input text no reader could parse (a cut file's tail), not copied.
    pub dropped: usize,
    /// Every placeholder written (not secret; for tests and tooling): only from [`sanitize`].
    pub placeholders: BTreeSet<String>,
}

/// A sanitized copy in memory, and what was done ([`sanitize`]).
#[derive(Debug)]
pub struct Sanitized {
    /// The HAR text.
    pub har: String,
    pub outcome: Outcome,
}

impl std::ops::Deref for Sanitized {
    type Target = Outcome;
    fn deref(&self) -> &Outcome {
        &self.outcome
    }
}

/// Reads an input the way `check` does (mapped, a HAR skimmed): the first pass.
pub fn read(input: &Input) -> Result<Capture, String> {
    read_with(input, &crate::limits::Limits::default())
}

/// [`read`] under the limits of the config the copy is made with: a body over the size limit
/// is kept by the skim, so the copy can keep its size (see [`oversized`]).
pub fn read_with(input: &Input, limits: &crate::limits::Limits) -> Result<Capture, String> {
    let outcome = crate::check::expand(input, limits)
        .into_iter()
        .flat_map(crate::read::input::Pending::read_fast)
        .next();
    match outcome {
        Some(o) => o.result.map_err(|e| e.to_string()),
        None => Err(format!("{}: holds no capture", input.name())),
    }
}

/// Sanitizes one capture with placeholders under one key, writing the copy to `out` as it
/// goes (wrap a file in a `BufWriter`).
pub fn sanitize_to(
    capture: &Capture,
    placeholders: &Placeholders,
    out: &mut dyn Write,
) -> io::Result<Outcome> {
    run(capture, placeholders, &Config::default(), out, false)
}

/// [`sanitize_to`] with the config `check` would use: the copy records which of its
/// placeholder client secrets stand for a secret whose fingerprint the config declares (see
/// [`crate::flow::sanitized`]), so `alexa/secret-wrong-profile` is found in the copy too.
pub fn sanitize_to_with(
    capture: &Capture,
    placeholders: &Placeholders,
    config: &Config,
    out: &mut dyn Write,
) -> io::Result<Outcome> {
    run(capture, placeholders, config, out, false)
}

/// [`sanitize_to`] into memory, with every placeholder listed (for tests and small files).
pub fn sanitize(capture: &Capture, placeholders: &Placeholders) -> Sanitized {
    sanitize_with(capture, placeholders, &Config::default())
}

/// [`sanitize_to_with`] into memory, with every placeholder listed.
pub fn sanitize_with(capture: &Capture, placeholders: &Placeholders, config: &Config) -> Sanitized {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let outcome = run(capture, placeholders, config, &mut out, true).unwrap_or_default();
    Sanitized {
        har: String::from_utf8_lossy(&out).into_owned(),
        outcome,
    }
}

fn run(
    capture: &Capture,
    placeholders: &Placeholders,
    config: &Config,
    out: &mut dyn Write,
    record: bool,
) -> io::Result<Outcome> {
    let mut notes = Vec::new();
    let frame = if har::own_document(capture.format) {
        har::Frame::of_har(capture).unwrap_or_else(|why| {
            notes.push(format!(
                "{}: {why}; writing a new HAR from its {} readable entries instead",
                capture.name,
                capture.exchanges.len()
            ));
            har::Frame::new(capture)
        })
    } else {
        notes.push(format!(
            "{}: a {} capture; the sanitized copy is written as HAR",
            capture.name,
            capture.format.name()
        ));
        har::Frame::new(capture)
    };
    let analysis = flow::analyze(capture, &Config::default());
    // (Discovery documents too: the issuer rule compares an id_token's `iss` with theirs.)
    let oauth: BTreeSet<usize> = analysis
        .steps
        .iter()
        .map(|s| s.entry)
        .chain(analysis.discovery.iter().map(|d| d.entry))
        .collect();
    let identified = replacer::identified(&analysis);
    let placeholders = &relations::learn(&analysis, placeholders);
    let known = replacer::known_tags(&frame.known_tags);
    let secret_profiles = profiles::record(capture, &analysis, config, placeholders, &known);
    drop(analysis);
    if let Some(t) = &capture.truncation {
        notes.push(format!(
            "{}: {}; the copy is cut after entry {} too, so `check` still reports it",
            capture.name, t.reason, t.complete_entries
        ));
    }
    let mut san = replacer::Sanitizer::new(placeholders, &known, &identified, record);
    let (cut, dropped) = (frame.cut, frame.dropped);
    let oversized = oversized::entries(capture, &oauth, config.limits.max_body_size);
    let written = har::write(
        capture,
        frame,
        &oauth,
        &oversized,
        &secret_profiles,
        &mut san,
        out,
    )?;
    out.flush()?;
    Ok(Outcome {
        notes,
        tallies: san.tallies(),
        kept: san.kept(),
        bodies_removed: written.bodies_removed,
        entries: written.entries,
        cut,
        dropped,
        placeholders: san.take_written(),
    })
}

impl Outcome {
    /// One line: how much was replaced.
    pub fn summary(&self) -> String {
        let values: usize = self.tallies.values().map(|t| t.values).sum();
        let places: usize = self.tallies.values().map(|t| t.places).sum();
        let kept = if self.kept > 0 {
            format!("; {} placeholders of this key kept", self.kept)
        } else {
            String::new()
        };
        let dropped = if self.dropped > 0 {
            format!("; {} bytes of unreadable text dropped", self.dropped)
        } else {
            String::new()
        };
        format!(
            "{} entries; {values} values replaced in {places} places; {} response bodies removed{kept}{dropped}",
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
        out.push_str(&format!(
            "  {:<14} {} dropped (text no reader could parse, never copied)\n",
            "unreadable",
            plural(self.dropped, "byte")
        ));
        out
    }
}
