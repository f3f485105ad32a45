//! `check --session`: several files of one recording (the app's HAR and the backend's proxy
//! log of the same attempt) checked as one capture, so that a code issued in one file and
//! redeemed in another is followed across them.
//!
//! Reconstruction is unchanged: it sees one capture whose exchanges are those of every file,
//! numbered 1..N in file order (and ordered by time, as always, when it correlates). The
//! [`Session`] remembers which file and entry each session entry came from; reports map
//! entry numbers back through [`crate::outcome::FileReport::origin`], and the numbers written
//! into messages (`entry #N`) are rewritten here to name the file's own entry.

use regex::Regex;

use crate::check::{check_capture, Options};
use crate::finding::{Finding, Place};
use crate::model::Capture;
use crate::outcome::FileReport;
pub use crate::outcome::Session;

/// Checks `captures` as one recording. With one capture this is the same as checking it
/// alone.
pub fn check_session(captures: Vec<Capture>, opts: &Options) -> FileReport {
    let (merged, session) = merge(captures);
    let mut report = check_capture(merged, opts);
    report.format = None;
    report.session = Some(session);
    relabel(&mut report);
    report
}

/// One capture holding every exchange of `captures`, renumbered in file order. Spans keep
/// pointing into their own file's text, which the session keeps; the merged capture has no
/// text of its own.
fn merge(captures: Vec<Capture>) -> (Capture, Session) {
    let mut session = Session::default();
    let mut exchanges = Vec::new();
    let mut truncation = None;
    let mut limits_hit = Vec::new();
    for (part, capture) in captures.iter().enumerate() {
        session.names.push(capture.name.clone());
        session.formats.push(capture.format.name());
        session.counts.push(capture.exchanges.len());
        for ex in &capture.exchanges {
            session.entries.push((part, ex.index));
            let mut ex = ex.clone();
            ex.index = session.entries.len();
            exchanges.push(ex);
        }
        if truncation.is_none() && capture.truncation.is_some() {
            truncation = capture.truncation.clone();
            session.truncated = Some(part);
        }
        // Hits found while reading concern a whole file (a cut at the decompressed-size
        // limit): named, since the session's other files were read in full.
        limits_hit.extend(capture.limits_hit.iter().map(|h| {
            let mut h = h.clone();
            if !h.detail.starts_with(&capture.name) {
                h.detail = format!("{}: {}", capture.name, h.detail);
            }
            h
        }));
    }
    let merged = Capture {
        name: session.names.join(" + "),
        format: captures
            .first()
            .map_or(crate::model::Format::Har, |c| c.format),
        source: Vec::new().into(),
        exchanges,
        truncation,
        parts: Vec::new(),
        limits_hit,
        skipped: Vec::new(),
    };
    session.parts = captures;
    (merged, session)
}

/// Names each finding's own file, and rewrites `entry #N` in its texts to the file's own
/// entry number (adding the file's name when it is not the finding's).
fn relabel(report: &mut FileReport) {
    let Some(session) = report.session.take() else {
        return;
    };
    #[allow(clippy::expect_used)] // a constant pattern
    let entry_ref = Regex::new(r"entry #(\d+)").expect("valid regex");
    for finding in &mut report.findings {
        let own = finding_part(finding, &session);
        if let Some(part) = own {
            finding.file = session.names[part].clone();
        }
        let rewrite = |text: &str| -> String {
            entry_ref
                .replace_all(text, |c: &regex::Captures| {
                    let n: Option<usize> = c[1].parse().ok();
                    match n.and_then(|n| session.origin(n)) {
                        Some((part, local)) if Some(part) == own => format!("entry #{local}"),
                        Some((part, local)) => {
                            format!("entry #{local} of {}", session.names[part])
                        }
                        None => c[0].to_string(),
                    }
                })
                .into_owned()
        };
        finding.message = rewrite(&finding.message);
        finding.help = rewrite(&finding.help);
        for label in &mut finding.labels {
            label.text = rewrite(&label.text);
        }
        for related in &mut finding.related {
            related.note = rewrite(&related.note);
        }
    }
    report.session = Some(session);
}

/// The file a finding is about: its entry's, else its first label's.
fn finding_part(finding: &Finding, session: &Session) -> Option<usize> {
    if let Some(entry) = finding.entry {
        return session.origin(entry).map(|(part, _)| part);
    }
    finding.labels.iter().find_map(|l| match l.place {
        Place::Entry { entry, .. } => session.origin(entry).map(|(part, _)| part),
        Place::Offset(_) => session.truncated,
    })
}
