//! Baselines: the findings a project already knows about, recorded by fingerprint
//! (`check --write-baseline FILE`), so that a later run (`check --baseline FILE`) reports only
//! new ones.
//!
//! A fingerprint must match the same finding in a re-export of the capture (HAR to Charles,
//! say) and in its sanitized copy, whose secrets are all different and whose entries may be
//! numbered anew. So it is built from what those keep: the rule id, the kind of OAuth step the
//! finding is about, the request's method, host and path (a path segment holding a masked
//! secret counts only as "a secret"), and how many findings of that same shape came before it
//! in the file. No byte offset, entry number, file name or value (raw or masked) goes in, so a
//! baseline holds nothing from the capture but host names and paths.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::finding::Finding;
use crate::outcome::FileReport;

/// Bump when fingerprints are computed differently (old baselines then match nothing).
pub const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
pub struct BaselineFile {
    pub version: u32,
    pub findings: Vec<Entry>,
}

/// One recorded finding: the fingerprint matches; the rest says what it was, for people.
#[derive(Debug, Serialize, Deserialize)]
pub struct Entry {
    pub fingerprint: String,
    pub rule: String,
    pub file: String,
    pub entry: Option<usize>,
}

/// The fingerprints of a file's findings, in order.
pub fn fingerprints(file: &FileReport) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    file.findings
        .iter()
        .map(|f| {
            let shape = shape(f, file);
            let n = seen.entry(shape.clone()).or_default();
            *n += 1;
            let mut hasher = Sha256::new();
            hasher.update(format!("tokentrail/baseline/v{VERSION}\0{shape}\0{n}").as_bytes());
            hasher.finalize()[..16]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        })
        .collect()
}

/// What identifies a finding across re-exports and sanitizing (see the module comment).
fn shape(f: &Finding, file: &FileReport) -> String {
    let step = f
        .entry
        .zip(file.analysis.as_ref())
        .and_then(|(entry, a)| a.steps.iter().find(|s| s.entry == entry))
        .map_or("", |s| s.kind.name());
    let (host, path) = f.url.as_deref().map(host_and_path).unwrap_or_default();
    format!(
        "{}\0{step}\0{}\0{host}\0{path}",
        f.rule,
        f.method.as_deref().unwrap_or_default()
    )
}

/// The lower-cased host and the path of a (masked) URL; segments holding a mask become `*`.
fn host_and_path(url: &str) -> (String, String) {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    // Not split at `#`: a mask holds one (`AN…#3f2a9c`), and requests carry no fragment.
    let rest = rest.split('?').next().unwrap_or_default();
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let path: Vec<&str> = path
        .split('/')
        .map(|seg| if seg.contains('…') { "*" } else { seg })
        .collect();
    (host.to_ascii_lowercase(), path.join("/"))
}

/// Why a baseline file could not be used; names the file and what was expected.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("{path}: cannot read the baseline: {error}")]
    Read { path: String, error: std::io::Error },
    #[error("{path}: not a tokentrail baseline (expected the JSON that --write-baseline writes: {reason})")]
    Invalid { path: String, reason: String },
    #[error("{path}: baseline version {found}, this tokentrail writes version {VERSION}; write it again with --write-baseline")]
    Version { path: String, found: u32 },
    #[error("{path}: cannot write the baseline: {error}")]
    Write { path: String, error: std::io::Error },
}

/// The fingerprints a baseline file records.
pub fn load(path: &Path) -> Result<BTreeSet<String>, BaselineError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|error| BaselineError::Read {
        path: name.clone(),
        error,
    })?;
    let file: BaselineFile = serde_json::from_str(&text).map_err(|e| BaselineError::Invalid {
        path: name.clone(),
        // serde_json's message names line and column and the field, never the value.
        reason: format!("line {} column {}", e.line(), e.column()),
    })?;
    if file.version != VERSION {
        return Err(BaselineError::Version {
            path: name,
            found: file.version,
        });
    }
    Ok(file.findings.into_iter().map(|e| e.fingerprint).collect())
}

/// Writes a baseline of `entries`.
pub fn write(path: &Path, entries: Vec<Entry>) -> Result<(), BaselineError> {
    let file = BaselineFile {
        version: VERSION,
        findings: entries,
    };
    #[allow(clippy::expect_used)] // strings and numbers only: serialisation cannot fail
    let mut text = serde_json::to_string_pretty(&file).expect("baseline serialises");
    text.push('\n');
    std::fs::write(path, text).map_err(|error| BaselineError::Write {
        path: path.display().to_string(),
        error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_segments_and_queries_do_not_count() {
        assert_eq!(
            host_and_path("https://API.example.com/v1/users/AN…#123456/x?code=AN…#abcdef"),
            ("api.example.com".to_string(), "v1/users/*/x".to_string())
        );
        assert_eq!(
            host_and_path("https://a.example/p/AB…#654321/x?code=1"),
            ("a.example".to_string(), "p/*/x".to_string())
        );
    }
}
