//! `--max-decompressed-size` and `--max-archive-members` through the real binary: a gzip bomb,
//! a capture cut at the limit, an archive with too many members, and the same limits from
//! `tokentrail.toml`. Inputs are made at test time, small on disk (10 MB of zeros gzip to
//! about 10 KB).

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common;
use crate::common::archive::{gzip, zip_of};

use serde_json::Value;

const SAMPLE: &str = "fixtures/samples/wrong-profile.har";

fn tokentrail(args: &[&str], paths: &[&Path]) -> Output {
    common::bin()
        .args(args)
        .args(paths)
        .output()
        .expect("run tokentrail")
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write input");
    path
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn rules_of(report: &Value, file: &str) -> Vec<String> {
    let mut rules: Vec<String> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["file"] == file)
        .map(|f| f["rule"].as_str().expect("rule").to_string())
        .collect();
    rules.sort();
    rules
}

/// The sample with one more entry at the end, a script download of 10 MB: a capture that
/// decompresses far past 1 MiB, whose first entries fit.
fn sample_with_a_huge_last_entry() -> Vec<u8> {
    let text = std::fs::read(common::root().join(SAMPLE)).expect("sample");
    let mut doc: Value = serde_json::from_slice(&text).expect("JSON");
    let entries = doc
        .pointer_mut("/log/entries")
        .and_then(Value::as_array_mut)
        .expect("entries");
    let started = entries.last().expect("an entry")["startedDateTime"].clone();
    entries.push(serde_json::json!({
        "startedDateTime": started,
        "time": 1,
        "request": {"method": "GET", "url": "https://cdn.example.com/app.js",
                    "httpVersion": "HTTP/1.1", "headers": [], "queryString": [], "cookies": [],
                    "headersSize": -1, "bodySize": 0},
        "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
                     "headers": [], "cookies": [], "redirectURL": "", "headersSize": -1,
                     "bodySize": -1,
                     "content": {"size": 10_000_000, "mimeType": "application/javascript",
                                 "text": "0".repeat(10_000_000)}},
        "cache": {},
        "timings": {"send": 0, "wait": 0, "receive": 0}
    }));
    serde_json::to_vec(&doc).expect("JSON")
}

/// 10 MB of zeros, gzipped: nothing a reader can make sense of once cut, so an error for
/// that file (exit 2) that names it, the limit and the flag, while the rest of the batch is
/// checked.
#[test]
fn a_gzip_bomb_is_cut_at_the_limit_and_the_batch_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bomb = write(dir.path(), "bomb.har.gz", &gzip(&vec![0u8; 10_000_000]));
    assert!(std::fs::metadata(&bomb).expect("bomb").len() < 100_000);
    let good = common::root().join(SAMPLE);
    let out = tokentrail(
        &[
            "check",
            "--format",
            "json",
            "--max-decompressed-size",
            "1MiB",
        ],
        &[&bomb, &good],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let bomb_name = bomb.display().to_string();
    let line = stderr
        .lines()
        .find(|l| l.contains("bomb.har.gz"))
        .unwrap_or_else(|| panic!("no error names the bomb: {stderr}"));
    assert_eq!(
        line,
        format!(
            "error: {bomb_name}: {bomb_name} decompresses to more than 1 MiB (raise it with \
             --max-decompressed-size); it was cut there, and what was read is not a capture \
             (not a HAR file: it starts with binary data of no known kind)"
        )
    );
    let report = json(&out);
    let files = report["files"].as_array().expect("files");
    assert_eq!(files.len(), 2);
    assert!(files[0]["error"]
        .as_str()
        .expect("an error for the bomb")
        .contains("--max-decompressed-size"));
    assert!(files[1]["error"].is_null(), "{}", files[1]);
    assert!(
        rules_of(&report, &good.display().to_string())
            .contains(&"alexa/token-wrong-profile".into()),
        "the good file is still checked"
    );

    // Raised past the bomb's size, it is read in full (and is no capture).
    let out = tokentrail(&["check", "--max-decompressed-size", "20MB"], &[&bomb]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("--max-decompressed-size"), "{stderr}");
}

/// A gzipped HAR whose last entry goes past the limit: the entries before it are checked (the
/// sample's own finding is still there), and `capture/limit` says what was not, naming the
/// limit and the flag; `capture/truncated` stays silent, as the file is not damaged.
#[test]
fn a_capture_cut_at_the_limit_is_checked_up_to_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let har = sample_with_a_huge_last_entry();
    let gz = write(dir.path(), "big.har.gz", &gzip(&har));
    let run = |args: &[&str]| {
        let mut all = vec!["check", "--format", "json"];
        all.extend_from_slice(args);
        tokentrail(&all, &[&gz])
    };
    let sample = common::root().join(SAMPLE);
    let baseline = rules_of(
        &json(&tokentrail(&["check", "--format", "json"], &[&sample])),
        &sample.display().to_string(),
    );
    assert!(baseline.contains(&"alexa/token-wrong-profile".into()));
    let out = run(&["--max-decompressed-size", "1MiB"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Exit 1: the sample's error findings; the cut alone is a warning.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let report = json(&out);
    let name = gz.display().to_string();
    let mut want = baseline.clone();
    want.push("capture/limit".into());
    want.sort();
    assert_eq!(rules_of(&report, &name), want);
    let limit = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "capture/limit")
        .expect("capture/limit");
    let message = limit["message"].as_str().expect("message");
    assert!(
        message.contains(&format!(
            "{name} decompresses to more than 1 MiB (raise it with --max-decompressed-size); it \
             was read up to there: the "
        )),
        "{message}"
    );
    let sample_entries = {
        let doc: Value =
            serde_json::from_slice(&std::fs::read(common::root().join(SAMPLE)).expect("sample"))
                .expect("JSON");
        doc["log"]["entries"].as_array().expect("entries").len()
    };
    assert!(
        message.contains(&format!(
            "the {sample_entries} complete entries before byte"
        )),
        "every entry before the huge one is checked: {message}"
    );
    assert_eq!(report["files"][0]["entries"], sample_entries);

    // With room for the whole file: no limit, every entry, no finding about it.
    let out = run(&["--max-decompressed-size", "20MiB"]);
    let report = json(&out);
    assert_eq!(rules_of(&report, &name), baseline);
    assert_eq!(report["files"][0]["entries"], sample_entries + 1);
}

/// An archive with more members than `--max-archive-members`: the first N are checked, the
/// overflow is one error naming the archive, the count, the limit and the flag (exit 2).
/// The same limit set in `tokentrail.toml` does the same.
#[test]
fn members_past_the_limit_are_reported_not_dropped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sample = std::fs::read(common::root().join(SAMPLE)).expect("sample");
    let members: Vec<(String, Vec<u8>)> = (1..=5)
        .map(|i| (format!("ticket/{i}.har"), sample.clone()))
        .collect();
    let zip = write(dir.path(), "t.zip", &zip_of(&members));
    let zip_name = zip.display().to_string();
    let config = write(
        dir.path(),
        "tokentrail.toml",
        b"[limits]\nmax_archive_members = 3\n",
    );
    let config_arg = config.display().to_string();
    for args in [
        vec!["--max-archive-members", "3"],
        vec!["--config", config_arg.as_str()],
    ] {
        let mut all = vec!["check", "--format", "json"];
        all.extend(args.iter().copied());
        let out = tokentrail(&all, &[&zip]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(
            stderr.trim_end(),
            format!(
                "error: {zip_name}: holds 5 members, more than 3 (raise it with \
                 --max-archive-members); its first 3 were read, the 2 from ticket/4.har on were \
                 not"
            ),
            "{args:?}"
        );
        let report = json(&out);
        let files: Vec<(&str, bool)> = report["files"]
            .as_array()
            .expect("files")
            .iter()
            .map(|f| (f["file"].as_str().expect("file"), f["error"].is_null()))
            .collect();
        let member = |i: usize| format!("{zip_name}!ticket/{i}.har");
        assert_eq!(
            files,
            [
                (member(1).as_str(), true),
                (member(2).as_str(), true),
                (member(3).as_str(), true),
                (zip_name.as_str(), false)
            ],
            "{args:?}"
        );
        for i in 1..=3 {
            assert!(
                rules_of(&report, &member(i)).contains(&"alexa/token-wrong-profile".into()),
                "member {i} is checked"
            );
        }
    }
    // At the default limit, all five are checked.
    let out = tokentrail(&["check", "--format", "json"], &[&zip]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["files"].as_array().expect("files").len(), 5);
}
