//! Every rule works on every format: each fixture HAR and its siblings written by
//! `fixtures/convert.py` (`.chlsj`, `.saz`, `.xml` Burp, `.http` raw, `.mitm` mitmproxy dumps
//! in today's flow format and in the 0.18 and 0.13 shapes) give the same findings
//! (rule and entry) and the same entry count. And the inputs: a directory, a zip and a tar.gz
//! of the fixtures give what the files give one by one; a batch with a corrupt file and a
//! missing path still reports the others and exits 2.

use crate::common::archive::{gzip, zip_of};
use crate::common::{self, tokentrail};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokentrail::check::{check_capture, Options};
use tokentrail::limits::Limits;
use tokentrail::read::input::{expand_bytes, expand_path, Pending};

/// The formats convert.py writes, with the reader each must be read by.
const SIBLINGS: &[(&str, &str)] = &[
    ("chlsj", "chlsj"),
    ("saz", "saz"),
    ("xml", "burp"),
    ("http", "http"),
    ("mitm", "mitm"),
];

/// What must be equal across formats: the entry count, whether the file was cut, and each
/// finding's rule and entry, in order.
type Outcome = (usize, bool, Vec<(String, Option<usize>)>);

/// Rules whose evidence may sit at another entry in another format: HAR alone lists cookies
/// apart from their headers, so a stripped `Cookie` header shows there first, while the other
/// formats show the stripping at the first Alexa API call without `Authorization`.
const ENTRY_MAY_DIFFER: &[&str] = &["capture/credentials-stripped"];

fn outcome_of(capture: tokentrail::model::Capture, opts: &Options) -> Outcome {
    let truncated = capture.truncation.is_some();
    let report = check_capture(capture, opts);
    let findings = report
        .findings
        .iter()
        .map(|f| {
            let entry = f
                .entry
                .filter(|_| !ENTRY_MAY_DIFFER.contains(&f.rule.as_str()));
            (f.rule.clone(), entry)
        })
        .collect();
    (report.entries, truncated, findings)
}

fn read(path: &Path) -> tokentrail::model::Capture {
    tokentrail::read::read_path(path).unwrap_or_else(|e| panic!("{}: {e}", common::rel(path)))
}

#[test]
fn every_fixture_gives_the_same_findings_in_every_format() {
    use rayon::prelude::*;
    let per_har: Vec<(usize, Vec<String>)> = common::fixtures()
        .par_iter()
        .map(|har| compare_siblings(har))
        .collect();
    let compared: usize = per_har.iter().map(|(n, _)| n).sum();
    let problems: Vec<String> = per_har.into_iter().flat_map(|(_, p)| p).collect();
    assert!(
        compared >= 5 * 50,
        "only {compared} siblings compared: are the fixtures there?"
    );
    assert!(
        problems.is_empty(),
        "{} format problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// (siblings compared, problems) for one fixture HAR.
fn compare_siblings(har: &Path) -> (usize, Vec<String>) {
    let mut problems = Vec::new();
    let mut compared = 0;
    {
        let opts = common::options_for(har);
        let want = outcome_of(read(har), &opts);
        for (ext, format) in SIBLINGS {
            let sibling = har.with_extension(ext);
            let name = common::rel(&sibling);
            if !sibling.is_file() {
                problems.push(format!(
                    "{name} is missing: run python3 fixtures/convert.py"
                ));
                continue;
            }
            let capture = match tokentrail::read::read_path(&sibling) {
                Ok(c) => c,
                Err(e) => {
                    problems.push(format!("{name}: not read: {e}"));
                    continue;
                }
            };
            if capture.format.name() != *format {
                problems.push(format!(
                    "{name}: read as {} instead of {format}",
                    capture.format.name()
                ));
            }
            let got = outcome_of(capture, &opts);
            compared += 1;
            if got != want {
                problems.push(format!("{name}: {got:?}\n    but the HAR gives {want:?}"));
            }
        }
    }
    (compared, problems)
}

/// The truncated fixture is cut in every format, and each keeps the entries before the cut.
#[test]
fn the_cut_fixture_is_cut_in_every_format() {
    let har = common::root().join("fixtures/capture/truncated/fires-chrome-cut.har");
    let want = read(&har);
    let t = want.truncation.as_ref().expect("the HAR is cut");
    for (ext, _) in SIBLINGS {
        let c = read(&har.with_extension(ext));
        let got = c
            .truncation
            .as_ref()
            .unwrap_or_else(|| panic!("{ext}: not seen as cut"));
        assert_eq!(got.complete_entries, t.complete_entries, "{ext}");
        assert_eq!(c.exchanges.len(), want.exchanges.len(), "{ext}");
    }
}

/// Diagnostics point into the original file: each exchange's span slices out its own text
/// (a SAZ's are in the member it names).
#[test]
fn spans_point_at_each_entry_in_its_own_format() {
    let har = common::root().join("fixtures/oauth/code-reused/fires-two-token-requests-chrome.har");
    let first_url = read(&har).exchanges[0].request.url.clone();
    let path_of = |url: &str| {
        url.split_once("://")
            .map(|(_, r)| {
                r.split_once('/')
                    .map(|(_, p)| format!("/{p}"))
                    .unwrap_or_default()
            })
            .unwrap_or_default()
    };
    for (ext, _) in SIBLINGS {
        let c = read(&har.with_extension(ext));
        for x in &c.exchanges {
            let text = String::from_utf8_lossy(&c.source[x.span.clone()]).into_owned();
            let what = match *ext {
                "chlsj" => text.starts_with('{') && text.ends_with('}'),
                "xml" => text.starts_with("<item>") && text.ends_with("</item>"),
                // One whole flow record: `LENGTH:{...}` whose length is the rest of the span.
                // (Counted in bytes: a gzip-encoded body is not text.)
                "mitm" => {
                    let bytes = &c.source[x.span.clone()];
                    let colon = bytes.iter().position(|&b| b == b':').unwrap_or(0);
                    let n: Option<usize> = std::str::from_utf8(&bytes[..colon])
                        .ok()
                        .and_then(|n| n.parse().ok());
                    n == Some(bytes.len() - colon - 2) && bytes.ends_with(b"}")
                }
                _ => text.starts_with(&format!("{} ", x.request.method)),
            };
            assert!(what, "{ext} entry {}: {text:.80}", x.index);
        }
        if *ext == "http" {
            let text = String::from_utf8_lossy(&c.source[c.exchanges[0].span.clone()]).into_owned();
            assert!(text.contains(&path_of(&first_url)), "{text:.200}");
        }
        if *ext == "mitm" {
            // The records lie back to back from the start of the file.
            let starts: Vec<usize> = c.exchanges.iter().map(|x| x.span.start).collect();
            let ends: Vec<usize> = c.exchanges.iter().map(|x| x.span.end).collect();
            assert_eq!(starts[0], 0);
            assert_eq!(&starts[1..], &ends[..ends.len() - 1]);
            assert_eq!(*ends.last().unwrap(), c.source.len());
        }
        if *ext == "saz" {
            let part = c.part_at(c.exchanges[2].span.start).expect("a member");
            assert_eq!(part.name, "raw/03_c.txt");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Inputs: directories and archives.

/// Every fixture file (all formats) under `fixtures/<dir>`, sorted.
fn files_under(dir: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![common::root().join("fixtures").join(dir)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if !p.to_string_lossy().ends_with(".toml") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// (name relative to the batch root, outcome) for every capture a batch of pending inputs
/// holds, checked with the built-in rules and no config.
fn check_all(pending: Vec<Pending>, strip: &str) -> BTreeMap<String, Outcome> {
    let opts = common::default_options();
    pending
        .into_iter()
        .flat_map(Pending::read)
        .map(|o| {
            let capture = o.result.unwrap_or_else(|e| panic!("{e}"));
            let name = o.name.strip_prefix(strip).unwrap_or(&o.name).to_string();
            (name, outcome_of(capture, &opts))
        })
        .collect()
}

fn one_by_one(files: &[PathBuf], root: &Path) -> BTreeMap<String, Outcome> {
    let opts = common::default_options();
    files
        .iter()
        .map(|f| {
            let name = f
                .strip_prefix(root)
                .expect("under root")
                .display()
                .to_string();
            (name, outcome_of(read(f), &opts))
        })
        .collect()
}

#[test]
fn a_directory_a_zip_and_a_tar_gz_give_what_the_files_give() {
    let root = common::root().join("fixtures");
    let files = files_under("oauth/code-reused");
    assert!(files.len() >= 20, "{}", files.len());
    let want = one_by_one(&files, &root);
    assert!(
        want.values().any(|(_, _, f)| !f.is_empty()),
        "no finding at all"
    );

    // The directory, walked.
    let got = check_all(
        expand_path(&root.join("oauth/code-reused"), &Limits::default()),
        &format!("{}/", root.display()),
    );
    assert_eq!(got, want, "directory");

    // A zip of the same files (with a README the walk must skip), read from memory.
    let mut members = vec![(
        "README.md".to_string(),
        b"# captures from ticket 1234".to_vec(),
    )];
    for f in &files {
        let name = f.strip_prefix(&root).expect("under").display().to_string();
        members.push((name, std::fs::read(f).expect("read")));
    }
    let zip = zip_of(&members);
    let got = check_all(
        expand_bytes("t.zip", Arc::from(zip.clone()), &Limits::default()),
        "t.zip!",
    );
    assert_eq!(got, want, "zip");

    // A tar.gz of the same files.
    let mut tar = tar::Builder::new(Vec::new());
    for f in &files {
        let name = f.strip_prefix(&root).expect("under");
        tar.append_path_with_name(f, name).expect("tar");
    }
    let tar = tar.into_inner().expect("tar");
    let tgz = gzip(&tar);
    let got = check_all(
        expand_bytes("t.tar.gz", Arc::from(tgz.clone()), &Limits::default()),
        "t.tar.gz!",
    );
    assert_eq!(got, want, "tar.gz");

    // And as files on disk, through the command line, with the same counts.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("t.zip"), &zip).expect("write");
    std::fs::write(dir.path().join("t.tar.gz"), &tgz).expect("write");
    for archive in ["t.zip", "t.tar.gz"] {
        let out = tokentrail(&[
            "check",
            "--format",
            "json",
            "--fail-on",
            "none",
            dir.path().join(archive).to_str().expect("utf-8"),
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let files = json["files"].as_array().expect("files");
        assert_eq!(files.len(), want.len(), "{archive}");
        let findings = json["findings"].as_array().expect("findings").len();
        let want_findings: usize = want.values().map(|(_, _, f)| f.len()).sum();
        assert_eq!(findings, want_findings, "{archive}");
        assert!(files[0]["file"]
            .as_str()
            .expect("name")
            .contains(&format!("{archive}!")));
    }
}

#[test]
fn a_corrupt_file_and_a_missing_path_do_not_stop_the_batch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corrupt = dir.path().join("corrupt.saz");
    std::fs::write(&corrupt, b"PK\x03\x04 not really a zip").expect("write");
    let list = dir.path().join("list.txt");
    std::fs::write(
        &list,
        format!(
            "fixtures/oauth/code-reused/fires-two-token-requests-chrome.saz\n{}\n/nonexistent/capture.har\nfixtures/good/pkce-firefox.xml\n",
            corrupt.display()
        ),
    )
    .expect("write");
    let out = tokentrail(&[
        "check",
        "--format",
        "json",
        "--files-from",
        list.to_str().expect("utf-8"),
        "fixtures/oauth/code-reused/fires-two-token-requests-chrome.http",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let files = json["files"].as_array().expect("files");
    let names: Vec<&str> = files
        .iter()
        .map(|f| f["file"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(files.len(), 5, "{names:?}");
    let errors: Vec<&str> = files.iter().filter_map(|f| f["error"].as_str()).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("corrupt.saz")));
    assert!(errors
        .iter()
        .any(|e| e.contains("/nonexistent/capture.har")));
    let reused = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "oauth/code-reused")
        .count();
    assert_eq!(reused, 2, "both good inputs of the reused code are checked");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("corrupt.saz") && stderr.contains("nonexistent"),
        "{stderr}"
    );
}

#[test]
fn standard_input_may_hold_any_format_or_an_archive() {
    use std::io::Write as _;
    use std::process::Stdio;
    let saz = common::root().join("fixtures/oauth/code-reused/fires-two-token-requests-chrome.saz");
    let mut child = common::bin()
        .args(["check", "--format", "json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&std::fs::read(saz).expect("read"))
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["files"][0]["format"], "saz");
    assert_eq!(json["findings"][0]["rule"], "oauth/code-reused");
}

/// Human output of every format shows masked snippets: no secret of the capture, raw or in the
/// base64 that Burp and Charles wrap messages and bodies in.
#[test]
fn human_output_of_every_format_keeps_secrets_masked() {
    let har = common::root().join("fixtures/oauth/code-reused/fires-two-token-requests-chrome.har");
    let text = std::fs::read_to_string(&har).expect("har");
    let pattern = regex::Regex::new(
        r#"(?:code|access_token|refresh_token|client_secret|authCode)(?:=|\\?"\s*:\s*\\?")([A-Za-z0-9|_.~-]{8,})"#,
    )
    .expect("regex");
    let secrets: std::collections::BTreeSet<String> = pattern
        .captures_iter(&text)
        .map(|c| c[1].to_string())
        .filter(|s| s != "PROMO2024")
        .collect();
    assert!(secrets.len() >= 3, "{secrets:?}");
    let long_base64 = regex::Regex::new(r"[A-Za-z0-9+/]{60,}").expect("regex");
    for (ext, _) in SIBLINGS {
        let path = har.with_extension(ext);
        let out = tokentrail(&["check", "--color", "never", path.to_str().expect("utf-8")]);
        let shown = String::from_utf8_lossy(&out.stdout);
        assert!(shown.contains("oauth/code-reused"), "{ext}: {shown}");
        for s in &secrets {
            assert!(!shown.contains(s.as_str()), "{ext}: {s} shown in\n{shown}");
        }
        assert!(
            !long_base64.is_match(&shown),
            "{ext}: base64 shown in\n{shown}"
        );
    }
}
