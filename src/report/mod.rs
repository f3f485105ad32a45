//! Renders a [`Report`]: what was checked and what was found.

pub mod flowview;
pub mod html;
pub mod human;
pub mod json;
pub mod mermaid;
pub mod snippet;
pub mod svg;

use crate::finding::{Finding, Severity};
use crate::flow::Analysis;
use crate::model::Capture;
use crate::secret::SecretSet;

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
    /// Every secret of the capture, to mask any text shown from it.
    pub secrets: SecretSet,
    pub findings: Vec<Finding>,
}

impl FileReport {
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
            secrets: SecretSet::new(),
            findings: Vec::new(),
        }
    }
}

#[derive(Debug, Default)]
pub struct Report {
    pub files: Vec<FileReport>,
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
}
