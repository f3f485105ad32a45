//! NDJSON: one JSON object a line, written as each file is done, so a batch of thousands
//! streams and several runs (shards) concatenate into one result.
//!
//! Every line has a `type`:
//! - `finding`: the fields of a JSON-format finding (`rule`, `severity`, `message`, `help`,
//!   `file`, `entry`, `method`, `url`, `time`, `related`);
//! - `file`: one per input file, after its findings (`file`, `format`, `entries`, `error`);
//! - `summary`: the last line of a run (`version`, the counts of the JSON summary, `shard`).
//!
//! Counts in summary lines add up across runs over disjoint inputs ([`merge`]).

use serde::Serialize;

use super::json::{self, JsonFile, JsonFinding};
use super::summary::BatchSummary;
use super::FileReport;

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Line<'r> {
    Finding(JsonFinding<'r>),
    File(JsonFile<'r>),
    Summary(SummaryLine<'r>),
}

#[derive(Serialize)]
struct SummaryLine<'r> {
    version: u32,
    #[serde(flatten)]
    summary: &'r BatchSummary,
    /// `I/N` when the run checked one shard of its inputs.
    shard: Option<&'r str>,
}

fn line(out: &mut String, value: &Line) {
    // Only strings, numbers and derived structs: serialisation cannot fail.
    #[allow(clippy::expect_used)]
    out.push_str(&serde_json::to_string(value).expect("line serialises"));
    out.push('\n');
}

/// The lines of one file: its findings, then its `file` line (one per file of a session).
pub fn file_lines(file: &FileReport) -> String {
    let mut out = String::new();
    for f in &file.findings {
        line(&mut out, &Line::Finding(json::finding(f, file)));
    }
    for f in json::files(file) {
        line(&mut out, &Line::File(f));
    }
    out
}

/// The closing `summary` line.
pub fn summary_line(summary: &BatchSummary, shard: Option<&str>) -> String {
    let mut out = String::new();
    line(
        &mut out,
        &Line::Summary(SummaryLine {
            version: json::VERSION,
            summary,
            shard,
        }),
    );
    out
}

/// Why a concatenation of NDJSON outputs could not be merged.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct MergeError {
    pub line: usize,
    pub message: String,
}

/// Concatenated NDJSON outputs of several runs, merged: every `finding` and `file` line as
/// it was, and the summary lines added into one (`shard` dropped).
#[derive(Debug, Default)]
pub struct Merged {
    pub findings: Vec<serde_json::Value>,
    pub files: Vec<serde_json::Value>,
    pub summary: BatchSummary,
    /// How many summary lines (runs) were merged.
    pub runs: usize,
}

/// Merges concatenated NDJSON outputs (see the module documentation).
pub fn merge(text: &str) -> Result<Merged, MergeError> {
    let mut merged = Merged::default();
    for (i, raw) in text.lines().enumerate() {
        let err = |message: String| MergeError {
            line: i + 1,
            message,
        };
        if raw.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value =
            serde_json::from_str(raw).map_err(|e| err(format!("not JSON: {e}")))?;
        match value["type"].as_str() {
            Some("finding") => merged.findings.push(value),
            Some("file") => merged.files.push(value),
            Some("summary") => {
                if value["version"] != json::VERSION {
                    return Err(err(format!("unsupported version {}", value["version"])));
                }
                let s: BatchSummary = serde_json::from_value(value)
                    .map_err(|e| err(format!("bad summary line: {e}")))?;
                merged.summary.add(&s);
                merged.runs += 1;
            }
            other => return Err(err(format!("unknown line type {other:?}"))),
        }
    }
    Ok(merged)
}

/// `--format ndjson`: each file's lines as it is done, then the summary line.
pub struct Ndjson {
    /// `I/N` of the shard checked, for the summary line.
    pub shard: Option<String>,
}

impl super::output::Output for Ndjson {
    fn file(&self, file: &mut FileReport) -> Option<String> {
        super::position::fill(file);
        Some(file_lines(file))
    }

    fn finish(&self, _: &super::Report, summary: &BatchSummary) -> Option<String> {
        Some(summary_line(summary, self.shard.as_deref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::snippet::fixture::{assert_no_raw_secret, report};
    use crate::report::FileReport;

    #[test]
    fn every_line_parses_and_shards_merge_into_the_whole() {
        let mut r = report();
        r.files.push(FileReport::unreadable(
            "gone.har".into(),
            "gone.har: cannot read".into(),
        ));
        let mut out = String::new();
        for f in &r.files {
            out.push_str(&file_lines(f));
        }
        let whole = BatchSummary::of(&r);
        out.push_str(&summary_line(&whole, Some("1/2")));
        assert_no_raw_secret(&out);
        let types: Vec<String> = out
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("each line is JSON");
                v["type"].as_str().expect("type").to_string()
            })
            .collect();
        assert_eq!(types, ["finding", "file", "file", "summary"]);
        let finding: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
        assert_eq!(finding["entry"], 2);
        assert_eq!(finding["file"], "login.har");
        assert_eq!(finding["related"][0]["entry"], 1);

        // Two runs over halves of the inputs merge into the run over all of them.
        let half = |files: &[usize]| {
            let mut text = String::new();
            let mut s = BatchSummary::default();
            for &i in files {
                text.push_str(&file_lines(&r.files[i]));
                s.add(&BatchSummary::of(&crate::report::Report {
                    files: vec![clone_meta(&r.files[i])],
                    ..Default::default()
                }));
            }
            text + &summary_line(&s, None)
        };
        let merged = merge(&(half(&[1]) + &half(&[0]))).expect("merges");
        assert_eq!(merged.runs, 2);
        assert_eq!(merged.summary, whole);
        assert_eq!(merged.findings.len(), 1);
        assert_eq!(merged.files.len(), 2);
        assert!(merge("{\"type\":\"finding\"}\nnot json\n").is_err());
    }

    /// A report of the same file without its capture: what the summary needs.
    fn clone_meta(f: &FileReport) -> FileReport {
        let mut copy = match &f.error {
            Some(e) => FileReport::unreadable(f.name.clone(), e.clone()),
            None => FileReport::unreadable(f.name.clone(), String::new()),
        };
        copy.error = f.error.clone();
        copy.format = f.format;
        copy.entries = f.entries;
        copy.findings = f.findings.clone();
        copy.analysis = f.analysis.as_ref().map(|a| crate::flow::Analysis {
            flows: a.flows,
            ..Default::default()
        });
        copy
    }
}
