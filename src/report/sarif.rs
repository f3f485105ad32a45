//! SARIF 2.1.0, for code-scanning UIs: the rules in force as `tool.driver.rules` (from the rule
//! files: summary, what, why, example, fix, severity) and each finding as a `result` located
//! in its capture file (the label's line and column, else the whole entry).
//!
//! Only positions are taken from the capture; every text is a finding's, already masked.

use std::collections::HashMap;

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::FileReport;
use crate::finding::{Finding, Place, Severity};
use crate::model::Capture;
use crate::rules::{docs, RuleSet};

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// A SARIF log built one file at a time (files are added in input order as they are done).
pub struct SarifLog {
    rules: Vec<Value>,
    rule_index: HashMap<String, usize>,
    artifacts: Vec<Value>,
    artifact_index: HashMap<String, usize>,
    results: Vec<Value>,
    notifications: Vec<Value>,
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

impl SarifLog {
    pub fn new(rules: &RuleSet) -> SarifLog {
        let mut rule_index = HashMap::new();
        let rules = rules
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| {
                rule_index.insert(r.id.clone(), i);
                let fix = docs::generic(&r.help.source);
                let markdown = format!(
                    "## What it finds\n\n{}\n\n## Why it matters\n\n{}\n\n## Example\n\n{}\n\n## How to fix it\n\n{}\n",
                    r.what.trim(),
                    r.why.trim(),
                    r.example.trim(),
                    fix.trim()
                );
                let pack = r.id.split('/').next().unwrap_or_default();
                json!({
                    "id": r.id,
                    "shortDescription": {"text": r.summary},
                    "fullDescription": {"text": r.what.trim(), "markdown": r.what.trim()},
                    "help": {"text": fix.trim(), "markdown": markdown},
                    "defaultConfiguration": {"level": level(r.severity)},
                    "properties": {"tags": [pack], "origin": r.origin},
                })
            })
            .collect();
        SarifLog {
            rules,
            rule_index,
            artifacts: Vec::new(),
            artifact_index: HashMap::new(),
            results: Vec::new(),
            notifications: Vec::new(),
        }
    }

    fn artifact(&mut self, file: &str) -> Value {
        let next = self.artifacts.len();
        let index = *self.artifact_index.entry(file.to_string()).or_insert(next);
        if index == next {
            self.artifacts.push(json!({"location": {"uri": uri(file)}}));
        }
        json!({"uri": uri(file), "index": index})
    }

    /// Adds a file's results (or, when it could not be read, a notification).
    pub fn add_file(&mut self, file: &FileReport) {
        if let Some(error) = &file.error {
            let location = self.artifact(&file.name);
            self.notifications.push(json!({
                "level": "error",
                "message": {"text": error},
                "locations": [{"physicalLocation": {"artifactLocation": location}}],
            }));
            return;
        }
        for (name, _, _) in file.parts() {
            self.artifact(name);
        }
        let mut lines = LineCache::default();
        for finding in &file.findings {
            let result = self.result(finding, file, &mut lines);
            self.results.push(result);
        }
    }

    fn result(&mut self, f: &Finding, file: &FileReport, lines: &mut LineCache) -> Value {
        // The labels at the finding's own entry go with its location; every other label and
        // each related entry becomes a related location.
        let mut own_label: Option<(&Place, &str)> = None;
        let mut others: Vec<(&Place, String)> = Vec::new();
        for label in &f.labels {
            let own = matches!(label.place, Place::Entry { entry, .. } if Some(entry) == f.entry);
            if own && own_label.is_none() {
                own_label = Some((&label.place, &label.text));
            } else {
                others.push((&label.place, label.text.clone()));
            }
        }
        let primary = match (own_label, f.entry) {
            (Some((place, text)), _) => self.location(place, Some(text), file, lines),
            (None, Some(entry)) => self.location(
                &Place::Entry {
                    entry,
                    locator: None,
                },
                None,
                file,
                lines,
            ),
            (None, None) => match others.first() {
                Some((place, text)) => {
                    let loc = self.location(place, Some(text.as_str()), file, lines);
                    others.remove(0);
                    loc
                }
                None => {
                    let artifact = self.artifact(&f.file);
                    json!({"physicalLocation": {"artifactLocation": artifact}})
                }
            },
        };
        let mut related = Vec::new();
        for r in &f.related {
            let place = Place::Entry {
                entry: r.entry,
                locator: r.locator.clone(),
            };
            related.push(self.location(&place, Some(&r.note), file, lines));
        }
        for (place, text) in &others {
            related.push(self.location(place, Some(text), file, lines));
        }
        for (i, loc) in related.iter_mut().enumerate() {
            loc["id"] = json!(i);
        }

        let entry = f.entry.map(|e| file.origin(e));
        let mut hasher = Sha256::new();
        for part in [
            f.rule.as_str(),
            &f.file,
            &entry.map(|o| o.entry.to_string()).unwrap_or_default(),
            &f.message,
        ] {
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
        let digest = hasher.finalize();
        let fingerprint: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();

        let mut result = Map::new();
        result.insert("ruleId".into(), json!(f.rule));
        if let Some(i) = self.rule_index.get(&f.rule) {
            result.insert("ruleIndex".into(), json!(i));
        }
        result.insert("level".into(), json!(level(f.severity)));
        let mut text = f.message.clone();
        if !f.help.is_empty() {
            text.push_str("\n\nFix: ");
            text.push_str(&f.help);
        }
        result.insert("message".into(), json!({"text": text}));
        result.insert("locations".into(), json!([primary]));
        if !related.is_empty() {
            result.insert("relatedLocations".into(), Value::Array(related));
        }
        result.insert(
            "partialFingerprints".into(),
            json!({"tokentrail/v1": fingerprint}),
        );
        let mut props = Map::new();
        if let Some(o) = entry {
            props.insert("entry".into(), json!(o.entry));
        }
        for (key, value) in [("method", &f.method), ("url", &f.url), ("time", &f.time)] {
            if let Some(v) = value {
                props.insert(key.into(), json!(v));
            }
        }
        result.insert("properties".into(), Value::Object(props));
        Value::Object(result)
    }

    /// A location for a label's place, with the label's text as its message.
    fn location(
        &mut self,
        place: &Place,
        text: Option<&str>,
        file: &FileReport,
        lines: &mut LineCache,
    ) -> Value {
        let (name, capture, range) = match place {
            Place::Entry { entry, locator } => {
                let origin = file.origin(*entry);
                let range = origin.capture.and_then(|c| {
                    let ex = c.exchanges.iter().find(|e| e.index == origin.entry)?;
                    let span = ex.span.start.min(c.source.len())..ex.span.end.min(c.source.len());
                    let needle = locator.as_ref().map(|l| l.needle.as_str());
                    Some(
                        find_needle(&c.source[span.clone()], needle)
                            .map_or(span.clone(), |r| span.start + r.start..span.start + r.end),
                    )
                });
                (origin.file, origin.capture, range)
            }
            Place::Offset(off) => {
                let (name, capture) = file.offset_origin();
                (
                    name,
                    capture,
                    capture.map(|c| (*off).min(c.source.len())..(*off).min(c.source.len())),
                )
            }
        };
        let artifact = self.artifact(name);
        let mut physical = json!({"artifactLocation": artifact});
        if let (Some(capture), Some(range)) = (capture, range) {
            if !capture.source.is_empty() {
                physical["region"] = lines.region(capture, range);
            }
        }
        let mut loc = json!({"physicalLocation": physical});
        if let Some(text) = text.filter(|t| !t.is_empty()) {
            loc["message"] = json!({"text": text});
        }
        loc
    }

    /// The whole log, pretty-printed. `executionSuccessful` is false when a file could not be
    /// read.
    pub fn finish(self) -> String {
        let log = json!({
            "$schema": SCHEMA,
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "tokentrail",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": self.rules,
                }},
                "invocations": [{
                    "executionSuccessful": self.notifications.is_empty(),
                    "toolExecutionNotifications": self.notifications,
                }],
                "columnKind": "unicodeCodePoints",
                "artifacts": self.artifacts,
                "results": self.results,
            }],
        });
        #[allow(clippy::expect_used)] // a JSON value of strings and numbers always serialises
        serde_json::to_string_pretty(&log).expect("SARIF serialises")
    }
}

/// Where a locator's needle first appears in an entry's bytes, in any spelling it can take
/// there (raw, percent-, form- or JSON-encoded). Only the position leaves this function.
fn find_needle(entry: &[u8], needle: Option<&str>) -> Option<std::ops::Range<usize>> {
    let needle = needle.filter(|n| !n.is_empty())?;
    let spellings = crate::secret::spellings(needle);
    let matcher = aho_corasick::AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostLongest)
        .build(&spellings)
        .ok()?;
    matcher.find(entry).map(|m| m.range())
}

/// Line starts of the captures seen, so many findings in one large file cost one scan.
#[derive(Default)]
struct LineCache {
    starts: HashMap<String, Vec<usize>>,
}

impl LineCache {
    /// A SARIF region (1-based lines, columns in code points; the end column is exclusive).
    fn region(&mut self, capture: &Capture, range: std::ops::Range<usize>) -> Value {
        let source: &[u8] = &capture.source;
        let starts = self.starts.entry(capture.name.clone()).or_insert_with(|| {
            std::iter::once(0)
                .chain(memchr_newlines(source).map(|i| i + 1))
                .collect()
        });
        let position = |offset: usize| {
            let line = starts.partition_point(|&s| s <= offset).max(1);
            let start = starts[line - 1];
            let column = source[start..offset]
                .iter()
                .filter(|b| (**b & 0xC0) != 0x80)
                .count()
                + 1;
            (line, column)
        };
        let (start_line, start_column) = position(range.start);
        let (end_line, end_column) = position(range.end);
        json!({
            "startLine": start_line,
            "startColumn": start_column,
            "endLine": end_line,
            "endColumn": end_column,
        })
    }
}

fn memchr_newlines(source: &[u8]) -> impl Iterator<Item = usize> + '_ {
    source
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i)
}

/// A file name as a URI reference: relative paths stay relative (`/`-separated,
/// percent-encoded), absolute ones become `file://` URIs, standard input is `stdin`.
pub fn uri(name: &str) -> String {
    use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
    const SEGMENT: &AsciiSet = &CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'%')
        .add(b'<')
        .add(b'>')
        .add(b'?')
        .add(b'[')
        .add(b'\\')
        .add(b']')
        .add(b'^')
        .add(b'`')
        .add(b'{')
        .add(b'|')
        .add(b'}');
    if name == "<stdin>" {
        return "stdin".into();
    }
    let path = name.replace('\\', "/");
    let encoded: String = path
        .split('/')
        .map(|seg| utf8_percent_encode(seg, SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/");
    if path.starts_with('/') {
        format!("file://{encoded}")
    } else if path.as_bytes().get(1) == Some(&b':') {
        // A Windows drive path, `C:/captures/x.har`.
        format!("file:///{encoded}")
    } else {
        encoded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_references() {
        assert_eq!(uri("fixtures/a b.har"), "fixtures/a%20b.har");
        assert_eq!(uri("/tmp/x#1.har"), "file:///tmp/x%231.har");
        assert_eq!(uri("dir\\c.har"), "dir/c.har");
        assert_eq!(uri("<stdin>"), "stdin");
    }

    #[test]
    fn needles_are_found_in_any_spelling() {
        let entry = br#"{"url": "https://x/cb?code=a%2Fb", "text": "code=a/b"}"#;
        let r = find_needle(entry, Some("a/b")).expect("found");
        assert_eq!(&entry[r], b"a%2Fb", "the first spelling in the entry");
        assert!(find_needle(entry, Some("zzz")).is_none());
        assert!(find_needle(entry, None).is_none());
    }
}
