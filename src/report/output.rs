//! The output formats of `check`, behind one trait. `batch` hands every file to the format as
//! it is done and asks for the end; it never asks which format it drives. Adding a format is
//! its file under `report/` (an [`Output`]) and its variant in [`OutputFormat`].

use super::human::HumanOptions;
use super::summary::BatchSummary;
use super::{html, human, json, ndjson, sarif};
use crate::outcome::{FileReport, Report};
use crate::rules::RuleSet;

/// `check --format`: how results are written. (Its documentation is the `--help` text.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum OutputFormat {
    /// Diagnostics for people, with the requests that show each mistake.
    Human,
    /// One JSON document (JSON Schema: docs/schema/report.schema.json).
    Json,
    /// One JSON object a line: findings, then a line per file, then a summary line; the
    /// outputs of several runs concatenate (JSON Schema: docs/schema/ndjson-line.schema.json).
    Ndjson,
    /// SARIF 2.1.0, for code-scanning UIs, with rule metadata from the rule files.
    Sarif,
    /// One self-contained HTML page: summary, findings, flow diagrams, entries (use with -o).
    Html,
}

/// What a format may need besides the files.
#[derive(Debug, Clone, Copy)]
pub struct Settings<'a> {
    /// The rules in force (SARIF lists them all).
    pub rules: &'a RuleSet,
    /// How the human format draws.
    pub human: HumanOptions,
    /// `-q`: findings only.
    pub quiet: bool,
    /// `I/N` when one shard of the inputs is checked.
    pub shard: Option<&'a str>,
}

impl OutputFormat {
    /// The writer of this format.
    pub fn output(self, settings: &Settings) -> Box<dyn Output> {
        match self {
            OutputFormat::Human => Box::new(human::Human {
                opts: settings.human,
                quiet: settings.quiet,
            }),
            OutputFormat::Json => Box::new(json::Json),
            OutputFormat::Ndjson => Box::new(ndjson::Ndjson {
                shard: settings.shard.map(str::to_string),
            }),
            OutputFormat::Sarif => Box::new(sarif::Sarif::new(settings.rules)),
            OutputFormat::Html => Box::new(html::Html),
        }
    }

    /// Whether it is a page for a browser, which a terminal would only scroll past.
    pub fn is_page(self) -> bool {
        matches!(self, OutputFormat::Html)
    }
}

/// How long a format needs a file's capture (its text: snippets, positions, entries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keeps {
    /// Not after [`Output::file`]: the capture is dropped on the thread that checked it.
    Nothing,
    /// Until [`Output::add`] has taken the file.
    UntilAdded,
    /// To the end: [`Output::finish`] renders from every capture.
    Everything,
}

/// One output format. Files come in input order; [`Output::file`] runs on the thread that
/// checked the file (several at once), [`Output::add`] and [`Output::finish`] on the writing
/// thread.
pub trait Output: Sync {
    /// What can be written of one file alone (written in input order), and whatever the
    /// format takes from the capture while it is there.
    fn file(&self, _file: &mut FileReport) -> Option<String> {
        None
    }

    /// How long the format needs the captures.
    fn keeps(&self) -> Keeps {
        Keeps::Nothing
    }

    /// Takes a file after its text is written.
    fn add(&self, _file: &FileReport) {}

    /// What is written once every file is done.
    fn finish(&self, report: &Report, summary: &BatchSummary) -> Option<String>;
}
