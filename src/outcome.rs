//! What checking produced: each input's [`FileReport`] (its capture, reconstruction and
//! findings) and the run's [`Report`]. `check` and `session` make them; `report` renders
//! them and `batch` drives both, so this sits below all of them and reaches none of them.

use crate::finding::{Finding, Severity};
use crate::flow::Analysis;
use crate::model::Capture;

/// One input file and what checking it produced.
#[derive(Debug)]
pub struct FileReport {
    /// The name shown to the user (the path as given, or `<stdin>`).
    pub name: String,
    /// The reader that read it (`"har"`); `None` when it could not be read.
    pub format: Option<&'static str>,
    pub entries: usize,
    /// Why the file could not be read at all (one line, already naming the file).
    pub error: Option<String>,
    /// What reconstruction found; `None` when unreadable.
    pub analysis: Option<Analysis>,
    /// The capture, kept for source snippets; `None` when unreadable.
    pub capture: Option<Capture>,
    pub findings: Vec<Finding>,
    /// Set when this report covers several files checked as one recording (`--session`):
    /// entry numbers in `findings` are then the session's, and [`FileReport::origin`] maps
    /// them back to a file and its own entry number.
    pub session: Option<Session>,
}

/// Where an entry of a report comes from: the file, its capture, and the entry's number there.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    pub file: &'a str,
    pub capture: Option<&'a Capture>,
    pub entry: usize,
}

impl FileReport {
    /// The file and entry number that entry `entry` of this report stands for. Outside a
    /// session that is this file and the same number.
    pub fn origin(&self, entry: usize) -> Origin<'_> {
        if let Some(session) = &self.session {
            if let Some((part, local)) = session.origin(entry) {
                return Origin {
                    file: &session.names[part],
                    capture: session.parts.get(part),
                    entry: local,
                };
            }
        }
        Origin {
            file: &self.name,
            capture: self.capture.as_ref(),
            entry,
        }
    }

    /// The file a byte-offset label (a truncation point) points into.
    pub fn offset_origin(&self) -> (&str, Option<&Capture>) {
        match &self.session {
            Some(s) => match s.truncated {
                Some(part) => (&s.names[part], s.parts.get(part)),
                None => (&self.name, None),
            },
            None => (&self.name, self.capture.as_ref()),
        }
    }

    /// The files this report covers: one, or each file of a session, with their formats and
    /// entry counts.
    pub fn parts(&self) -> Vec<(&str, Option<&'static str>, usize)> {
        match &self.session {
            Some(s) => s
                .names
                .iter()
                .zip(&s.formats)
                .zip(&s.counts)
                .map(|((name, format), n)| (name.as_str(), Some(*format), *n))
                .collect(),
            None => vec![(self.name.as_str(), self.format, self.entries)],
        }
    }

    /// Drops what only rendering needs (the capture's text), keeping findings and counts: a
    /// long batch then holds one small record per file.
    pub fn slim(&mut self) {
        let capture = self.capture.take();
        // A long capture is tens of thousands of exchanges (and a mapped file) to free: that
        // is done beside the next file's work, not before it.
        // (Where threads do not exist, rayon's fallback pool never runs a detached task:
        // dropped here.)
        #[cfg(feature = "cli")]
        if capture.as_ref().is_some_and(|c| c.exchanges.len() > 1000) {
            rayon::spawn(move || drop(capture));
        }
        #[cfg(not(feature = "cli"))]
        drop(capture);
        if let Some(s) = &mut self.session {
            s.parts.clear();
        }
    }

    /// How many flows reconstruction found; `None` when unreadable.
    pub fn flows(&self) -> Option<usize> {
        self.analysis.as_ref().map(|a| a.flows)
    }

    /// A file that could not be read at all; `error` already names the file.
    pub fn unreadable(name: String, error: String) -> FileReport {
        FileReport {
            name,
            format: None,
            entries: 0,
            error: Some(error),
            analysis: None,
            capture: None,
            findings: Vec::new(),
            session: None,
        }
    }
}

#[derive(Debug, Default)]
pub struct Report {
    pub files: Vec<FileReport>,
    /// Files a directory walk looked at and skipped, their content being no capture.
    pub skipped: Vec<String>,
    /// How many captures the inputs held, in every shard.
    pub found: usize,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Report {
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.files.iter().flat_map(|f| f.findings.iter())
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for f in self.findings() {
            match f.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Info => s.infos += 1,
            }
        }
        s
    }

    /// The most severe finding, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.findings().map(|f| f.severity).max()
    }

    pub fn unreadable(&self) -> usize {
        self.files.iter().filter(|f| f.error.is_some()).count()
    }

    /// The number of input files, counting each file of a session.
    pub fn file_count(&self) -> usize {
        self.files.iter().map(|f| f.parts().len()).sum()
    }
}

/// The files of a session and where each session entry came from.
#[derive(Debug, Default)]
pub struct Session {
    /// Each file's name, format and entry count, in the order given.
    pub names: Vec<String>,
    pub formats: Vec<&'static str>,
    pub counts: Vec<usize>,
    /// The files' captures, for snippets; emptied when a report is slimmed.
    pub parts: Vec<Capture>,
    /// `(file, entry in that file)` of session entry `i + 1`.
    pub entries: Vec<(usize, usize)>,
    /// The file whose truncation the session capture reports (the first one cut off).
    pub truncated: Option<usize>,
}

impl Session {
    /// The file (index into `names`) and the file's own entry number of session entry `entry`.
    pub fn origin(&self, entry: usize) -> Option<(usize, usize)> {
        self.entries.get(entry.checked_sub(1)?).copied()
    }
}
