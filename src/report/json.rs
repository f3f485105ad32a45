//! The JSON report: a stable, versioned shape for machines. Every string in it is already
//! masked (findings hold masked text only; locators, which may hold raw values, are left out).

use serde::Serialize;

use super::summary::BatchSummary;
use super::{FileReport, Report};
use crate::finding::{Finding, Place, Related, Severity};

/// Bump when a field changes meaning or disappears; adding a field keeps the version.
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'r> {
    version: u32,
    findings: Vec<JsonFinding<'r>>,
    files: Vec<JsonFile<'r>>,
    summary: BatchSummary,
}

/// One finding, as the JSON and NDJSON formats write it.
#[derive(Serialize)]
pub(super) struct JsonFinding<'r> {
    rule: &'r str,
    severity: Severity,
    message: &'r str,
    help: &'r str,
    file: &'r str,
    /// 1-based; `null` for a finding about the whole capture.
    entry: Option<usize>,
    method: Option<&'r str>,
    url: Option<&'r str>,
    time: Option<&'r str>,
    /// 1-based line and column (in characters) of what the finding points at in `file`;
    /// `null` when not known (standard input read by a format that keeps no text).
    line: Option<usize>,
    column: Option<usize>,
    labels: Vec<JsonLabel<'r>>,
    related: Vec<JsonRelated<'r>>,
}

/// A place the finding points at, with its text (`redeemed again here`).
#[derive(Serialize)]
struct JsonLabel<'r> {
    text: &'r str,
    /// 1-based; `null` for a place that is not in an entry (where a capture was cut off).
    entry: Option<usize>,
    line: Option<usize>,
    column: Option<usize>,
    /// Only when the place is in another file than the finding's (`check --session`).
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'r str>,
}

#[derive(Serialize)]
struct JsonRelated<'r> {
    entry: usize,
    note: &'r str,
    /// Only when the entry is in another file than the finding's (`check --session`).
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'r str>,
}

/// One input file, as the JSON and NDJSON formats write it.
#[derive(Serialize)]
pub(super) struct JsonFile<'r> {
    pub file: &'r str,
    pub format: Option<&'r str>,
    pub entries: usize,
    pub error: Option<&'r str>,
}

/// The report as pretty-printed JSON (2-space indent), without a trailing newline.
pub fn render(report: &Report) -> String {
    let json = JsonReport {
        version: VERSION,
        findings: report
            .files
            .iter()
            .flat_map(|file| file.findings.iter().map(move |f| finding(f, file)))
            .collect(),
        files: report.files.iter().flat_map(files).collect(),
        summary: BatchSummary::of(report),
    };
    // Only strings, numbers and derived structs: serialisation cannot fail.
    #[allow(clippy::expect_used)]
    serde_json::to_string_pretty(&json).expect("report serialises")
}

/// The files a report covers (each file of a session), for `files[]`.
pub(super) fn files(f: &FileReport) -> Vec<JsonFile<'_>> {
    f.parts()
        .into_iter()
        .map(|(file, format, entries)| JsonFile {
            file,
            format,
            entries,
            error: f.error.as_deref(),
        })
        .collect()
}

/// A finding with its entry numbers as its file counts them (see [`FileReport::origin`]).
pub(super) fn finding<'r>(f: &'r Finding, file: &'r FileReport) -> JsonFinding<'r> {
    let positions = f.positions.as_ref();
    let at = positions.and_then(|p| p.at.as_ref());
    JsonFinding {
        rule: &f.rule,
        severity: f.severity,
        message: &f.message,
        help: &f.help,
        file: &f.file,
        entry: f.entry.map(|e| file.origin(e).entry),
        method: f.method.as_deref(),
        url: f.url.as_deref(),
        time: f.time.as_deref(),
        line: at.map(|p| p.line),
        column: at.map(|p| p.column),
        labels: f
            .labels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let position = positions
                    .and_then(|p| p.labels.get(i))
                    .and_then(Option::as_ref);
                let (entry, other) = match &l.place {
                    Place::Entry { entry, .. } => {
                        let origin = file.origin(*entry);
                        (Some(origin.entry), origin.file)
                    }
                    Place::Offset(_) => (None, file.offset_origin().0),
                };
                JsonLabel {
                    text: &l.text,
                    entry,
                    line: position.map(|p| p.line),
                    column: position.map(|p| p.column),
                    file: (other != f.file).then_some(other),
                }
            })
            .collect(),
        related: f.related.iter().map(|r| related(r, f, file)).collect(),
    }
}

fn related<'r>(r: &'r Related, f: &Finding, file: &'r FileReport) -> JsonRelated<'r> {
    let origin = file.origin(r.entry);
    JsonRelated {
        entry: origin.entry,
        note: &r.note,
        file: (origin.file != f.file).then_some(origin.file),
    }
}

/// `--format json`: one document at the end, with each file's positions taken while its
/// capture is there.
pub struct Json;

impl super::output::Output for Json {
    fn file(&self, file: &mut FileReport) -> Option<String> {
        super::position::fill(file);
        None
    }

    fn finish(&self, report: &Report, _: &BatchSummary) -> Option<String> {
        let mut text = render(report);
        text.push('\n');
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::snippet::fixture::{self, assert_no_raw_secret, report};
    use crate::report::FileReport;
    use serde_json::Value;

    fn keys(value: &Value) -> Vec<&str> {
        let mut keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        keys
    }

    #[test]
    fn has_exactly_the_documented_shape() {
        let mut report = report();
        report.files.push(FileReport::unreadable(
            "page.html".into(),
            "page.html: not a HAR file: an HTML page".into(),
        ));
        let mut whole = fixture::finding("login.har");
        whole.entry = None;
        whole.method = None;
        whole.url = None;
        whole.time = None;
        whole.severity = crate::finding::Severity::Info;
        report.files[0].findings.push(whole);

        let out = render(&report);
        assert_no_raw_secret(&out);
        let json: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(keys(&json), ["files", "findings", "summary", "version"]);
        assert_eq!(json["version"], 1);

        let f = &json["findings"][0];
        assert_eq!(
            keys(f),
            [
                "column", "entry", "file", "help", "labels", "line", "message", "method",
                "related", "rule", "severity", "time", "url"
            ]
        );
        assert_eq!(f["entry"], 2);
        assert_eq!(f["severity"], "error");
        assert_eq!(keys(&f["related"][0]), ["entry", "note"]);
        assert_eq!(f["related"][0]["entry"], 1);

        let whole = &json["findings"][1];
        for key in ["entry", "method", "url", "time"] {
            assert!(whole[key].is_null(), "{key}");
        }
        assert_eq!(whole["severity"], "info");

        assert_eq!(
            keys(&json["files"][0]),
            ["entries", "error", "file", "format"]
        );
        assert_eq!(json["files"][0]["format"], "har");
        assert!(json["files"][0]["error"].is_null());
        assert!(json["files"][1]["format"].is_null());
        assert_eq!(
            json["files"][1]["error"],
            "page.html: not a HAR file: an HTML page"
        );

        assert_eq!(
            keys(&json["summary"]),
            [
                "entries",
                "errors",
                "files",
                "flows",
                "infos",
                "rules",
                "unreadable",
                "warnings"
            ]
        );
        assert_eq!(json["summary"]["files"], 2);
        assert_eq!(json["summary"]["unreadable"], 1);
        // Both findings are of the fixture's rule, in one file.
        let rule = &json["summary"]["rules"][f["rule"].as_str().unwrap()];
        assert_eq!((&rule["findings"], &rule["files"]), (&2.into(), &1.into()));
        assert_eq!(rule["severity"], "error");
        assert_eq!(json["summary"]["errors"], 1);
        assert_eq!(json["summary"]["infos"], 1);
    }
}
