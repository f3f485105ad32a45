//! SARIF 2.1.0, for code-scanning UIs: the rules in force as `tool.driver.rules` (from the rule
//! files: summary, what, why, example, fix, severity) and each finding as a `result` located
//! in its capture file (the label's line and column, else the whole entry).
//!
//! Only positions are taken from the capture; every text is a finding's, already masked.

use std::collections::HashMap;

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::position::{self, LineCache};
use super::FileReport;
use crate::finding::{Finding, Place, Severity};
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
    /// The current directory: relative URIs are relative to it (`%SRCROOT%`).
    cwd: Option<std::path::PathBuf>,
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
                let mut rule = json!({
                    "id": r.id,
                    "shortDescription": {"text": r.summary},
                    "fullDescription": {"text": r.what.trim(), "markdown": r.what.trim()},
                    "help": {"text": fix.trim(), "markdown": markdown},
                    "defaultConfiguration": {"level": level(r.severity)},
                    "properties": {"tags": [pack], "origin": r.origin},
                });
                if let Some(help) = help_uri(env!("CARGO_PKG_REPOSITORY"), &r.id) {
                    rule["helpUri"] = json!(help);
                }
                rule
            })
            .collect();
        SarifLog {
            rules,
            rule_index,
            artifacts: Vec::new(),
            artifact_index: HashMap::new(),
            results: Vec::new(),
            notifications: Vec::new(),
            cwd: std::env::current_dir().ok(),
        }
    }

    fn artifact(&mut self, file: &str) -> Value {
        let next = self.artifacts.len();
        let index = *self.artifact_index.entry(file.to_string()).or_insert(next);
        let mut location = artifact_location(file, self.cwd.as_deref());
        if index == next {
            self.artifacts.push(json!({"location": location.clone()}));
        }
        location["index"] = json!(index);
        location
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
        let mut lines = LineCache;
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
        let resolved = position::resolve(place, file);
        let artifact = self.artifact(resolved.file);
        let mut physical = json!({"artifactLocation": artifact});
        if let (Some(capture), Some(range)) = (resolved.capture, resolved.range) {
            if !capture.source.is_empty() {
                let (start_line, start_column) = lines.position(capture, range.start);
                let (end_line, end_column) = lines.position(capture, range.end);
                // 1-based lines, columns in code points; the end column is exclusive.
                physical["region"] = json!({
                    "startLine": start_line,
                    "startColumn": start_column,
                    "endLine": end_line,
                    "endColumn": end_column,
                });
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
        let mut log = json!({
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
        if let Some(cwd) = &self.cwd {
            let mut base = uri(&cwd.display().to_string());
            if !base.ends_with('/') {
                base.push('/');
            }
            log["runs"][0]["originalUriBaseIds"] = json!({BASE_ID: {"uri": base}});
        }
        #[allow(clippy::expect_used)] // a JSON value of strings and numbers always serialises
        serde_json::to_string_pretty(&log).expect("SARIF serialises")
    }
}

/// The base id that relative artifact URIs are resolved against: the current directory, given
/// in `originalUriBaseIds` (GitHub code scanning then maps them onto the repository).
const BASE_ID: &str = "%SRCROOT%";

/// An `artifactLocation` for a file as named on the command line: relative to the current
/// directory when it is under it (given relative, or absolute below it), else an absolute
/// `file://` URI; standard input is `stdin`.
fn artifact_location(name: &str, cwd: Option<&std::path::Path>) -> Value {
    if name == "<stdin>" {
        return json!({"uri": "stdin"});
    }
    // `archive.zip!member.har`: the path part decides.
    let (path, member) = match name.split_once('!') {
        Some((p, m)) => (p, Some(m)),
        None => (name, None),
    };
    let p = std::path::Path::new(path);
    let relative = if p.is_absolute() {
        cwd.and_then(|c| p.strip_prefix(c).ok())
            .map(|r| r.display().to_string())
    } else {
        Some(path.strip_prefix("./").unwrap_or(path).to_string())
    };
    let rebuilt = |path: &str| match member {
        Some(m) => format!("{path}!{m}"),
        None => path.to_string(),
    };
    match relative {
        Some(rel) => json!({"uri": uri(&rebuilt(&rel)), "uriBaseId": BASE_ID}),
        None => json!({"uri": uri(&rebuilt(path))}),
    }
}

/// Where a rule's documentation is online: its section of `docs/rules.md` in the repository
/// that `Cargo.toml` names (none when it names none).
fn help_uri(repository: &str, id: &str) -> Option<String> {
    let repository = repository.trim_end_matches('/');
    if repository.is_empty() {
        return None;
    }
    // GitHub's heading anchors: lower case, punctuation other than `-` and `_` dropped.
    let anchor: String = id
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    Some(format!("{repository}/blob/main/docs/rules.md#{anchor}"))
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

/// `--format sarif`: the log, built a file at a time on the writing thread and written at
/// the end.
pub struct Sarif {
    // Only the writing thread touches it; the lock lets `Output` be shared with the checking
    // threads, which never call `add`.
    log: std::sync::Mutex<Option<SarifLog>>,
}

impl Sarif {
    pub fn new(rules: &RuleSet) -> Sarif {
        Sarif {
            log: std::sync::Mutex::new(Some(SarifLog::new(rules))),
        }
    }

    fn log(&self) -> std::sync::MutexGuard<'_, Option<SarifLog>> {
        self.log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl super::output::Output for Sarif {
    fn keeps(&self) -> super::output::Keeps {
        super::output::Keeps::UntilAdded
    }

    fn add(&self, file: &FileReport) {
        if let Some(log) = self.log().as_mut() {
            log.add_file(file);
        }
    }

    fn finish(&self, _: &super::Report, _: &super::summary::BatchSummary) -> Option<String> {
        let mut text = self.log().take()?.finish();
        text.push('\n');
        Some(text)
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
    fn locations_are_relative_to_the_current_directory_when_they_can_be() {
        let cwd = std::path::Path::new("/work/repo");
        let loc = |n: &str| artifact_location(n, Some(cwd));
        assert_eq!(
            loc("/work/repo/captures/a b.har"),
            json!({"uri": "captures/a%20b.har", "uriBaseId": BASE_ID})
        );
        assert_eq!(
            loc("./x.har"),
            json!({"uri": "x.har", "uriBaseId": BASE_ID})
        );
        assert_eq!(
            loc("/work/repo/t.zip!in/c.har"),
            json!({"uri": "t.zip!in/c.har", "uriBaseId": BASE_ID})
        );
        assert_eq!(
            loc("/elsewhere/y.har"),
            json!({"uri": "file:///elsewhere/y.har"})
        );
        assert_eq!(loc("<stdin>"), json!({"uri": "stdin"}));
    }

    #[test]
    fn help_uris_point_at_the_rule_section() {
        assert_eq!(
            help_uri("https://example.test/p/", "oauth/code-reused").as_deref(),
            Some("https://example.test/p/blob/main/docs/rules.md#oauthcode-reused")
        );
        assert_eq!(help_uri("", "oauth/code-reused"), None);
    }
}
