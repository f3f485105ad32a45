//! `tokentrail sanitize`: the copy finds the same mistakes as the original, parses back as
//! HAR, holds none of the original's secrets, is unchanged by a second run with the same key,
//! and shares no placeholder with a copy made under another key. Checked on every fixture and
//! on generated captures with random secrets of many shapes and spellings.

use crate::common;

use std::collections::BTreeSet;

use std::sync::Arc;

use serde_json::Value;
use tokentrail::check::{check_capture, Options};
use tokentrail::config::Config;
use tokentrail::model::Capture;
use tokentrail::sanitize::{sanitize, sanitize_with, Sanitized, MARK};
use tokentrail::secret::placeholder::{Key, Placeholders};

fn placeholders(seed: &str) -> Placeholders {
    Placeholders::new(
        Key::from_bytes(format!("a test key for sanitizing: {seed}").as_bytes()).expect("key"),
    )
}

fn read(name: &str, text: &str) -> Capture {
    tokentrail::read::read_bytes(name, Arc::from(text.as_bytes()))
        .unwrap_or_else(|e| panic!("{name}: the sanitized copy reads back: {e}"))
}

type Found = BTreeSet<(String, Option<usize>, Vec<usize>)>;

/// What `check` finds, as (rule, entry, related entries): every rule, those that read
/// what the copy keeps of the original's relations (PKCE pairs, id_token claims), of its
/// config (`alexa/secret-wrong-profile`: the mark records which placeholder secrets stand for
/// a declared profile's secret), of its cut, stripped credentials and limits.
fn found(capture: Capture, opts: &Options) -> Found {
    let report = check_capture(capture, opts);
    report
        .findings
        .iter()
        .map(|f| {
            let mut related: Vec<usize> = f.related.iter().map(|r| r.entry).collect();
            related.sort();
            (f.rule.clone(), f.entry, related)
        })
        .collect()
}

/// The fields HAR 1.2 requires of a log and its entries.
fn assert_valid_har(name: &str, text: &str) {
    let doc: Value = serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("{name}: the sanitized copy is not JSON: {e}"));
    let log = &doc["log"];
    assert!(
        log["version"].is_string() && log["creator"]["name"].is_string(),
        "{name}"
    );
    let entries = log["entries"].as_array().expect("entries");
    for (i, e) in entries.iter().enumerate() {
        let at = format!("{name} entry {}", i + 1);
        assert!(
            e["startedDateTime"].is_string() && e["time"].is_number(),
            "{at}"
        );
        assert!(e["cache"].is_object() && e["timings"].is_object(), "{at}");
        for (side, fields) in [
            (
                "request",
                &[
                    "method",
                    "url",
                    "httpVersion",
                    "cookies",
                    "headers",
                    "queryString",
                ][..],
            ),
            (
                "response",
                &[
                    "status",
                    "statusText",
                    "httpVersion",
                    "cookies",
                    "headers",
                    "content",
                ][..],
            ),
        ] {
            for f in fields {
                assert!(!e[side][f].is_null(), "{at}: {side}.{f} missing");
            }
        }
    }
}

/// Every secret of the original is gone from the copy: none of the values the copy's own
/// sanitizer replaced appears in it, in any spelling.
fn assert_no_original_secret(name: &str, original: &Capture, copy: &str) {
    if let Some((value, kind)) = common::leaked(&common::secrets_to_search(original), copy) {
        panic!(
            "{name}: the copy still holds a {} ({} chars){}",
            kind.word(),
            value.len(),
            if std::env::var_os("SHOW_LEAKS").is_some() {
                format!(": {value:?} in\n{copy}")
            } else {
                String::new()
            }
        );
    }
}

/// The properties every sanitized copy has; returns the copy under key `a`.
fn check_properties(name: &str, original: &Capture, opts: &Options) -> Sanitized {
    let (a, b) = (placeholders("a"), placeholders("b"));
    let config = &opts.config;
    let once = sanitize_with(original, &a, config);
    if !once.cut {
        assert_valid_har(name, &once.har);
    }
    let copy = read(name, &once.har);
    assert_eq!(copy.exchanges.len(), original.exchanges.len(), "{name}");
    assert_eq!(
        copy.truncation.is_some(),
        original.truncation.is_some(),
        "{name}"
    );
    assert_no_original_secret(name, original, &once.har);

    // Same findings, at the same entries.
    assert_eq!(
        found(copy.clone(), opts),
        found(original.clone(), opts),
        "{name}: check finds something else in the sanitized copy"
    );

    // Idempotent under one key.
    let twice = sanitize_with(&copy, &a, config);
    assert!(
        twice.har == once.har,
        "{name}: a second run with the same key changed the copy"
    );
    // …and counts nothing as replaced: its placeholders are recognised and kept.
    let replaced = |s: &Sanitized| s.tallies.values().map(|t| t.places).sum::<usize>();
    assert_eq!(
        replaced(&twice),
        0,
        "{name}: a second run counted kept placeholders as replaced: {}",
        twice.summary()
    );
    assert_eq!(
        twice.kept > 0,
        replaced(&once) > 0,
        "{name}: {} / {}",
        once.summary(),
        twice.summary()
    );

    // Another key: no placeholder in common, and none of one run's in the other's text.
    let other = sanitize_with(original, &b, config);
    let shared: Vec<&String> = once
        .placeholders
        .intersection(&other.placeholders)
        .collect();
    assert!(
        shared.is_empty(),
        "{name}: {} shared placeholders",
        shared.len()
    );
    for p in &once.placeholders {
        assert!(
            !other.har.contains(p.as_str()),
            "{name}: a placeholder of key a under key b"
        );
    }
    assert_eq!(once.placeholders.is_empty(), other.placeholders.is_empty());
    once
}

#[test]
fn every_fixture_sanitizes_to_a_copy_that_checks_the_same() {
    let mut with_findings = 0;
    let mut replaced = 0;
    for path in common::fixtures() {
        let name = common::rel(&path);
        let original = tokentrail::read::read_path(&path).expect("fixture reads");
        let opts = common::options_for(&path);
        if !found(original.clone(), &opts).is_empty() {
            with_findings += 1;
        }
        let copy = check_properties(&name, &original, &opts);
        replaced += copy.placeholders.len();
    }
    assert!(
        with_findings >= 20,
        "{with_findings} fixtures with findings"
    );
    assert!(replaced >= 300, "{replaced} placeholders written");
}

#[test]
fn a_sanitized_copy_keeps_the_document_and_shapes() {
    let path = common::root().join("fixtures/good/basic-auth-chrome.har");
    let original = tokentrail::read::read_path(&path).expect("reads");
    let copy = sanitize(&original, &placeholders("a"));
    let before: Value = serde_json::from_slice(&original.source).expect("json");
    let after: Value = serde_json::from_str(&copy.har).expect("json");
    // Vendor fields and everything that is not secret are kept.
    assert_eq!(after["log"]["_expect"], before["log"]["_expect"]);
    // Pages keep their structure; a title (often a URL with a query) is not known to be safe.
    for key in ["id", "startedDateTime", "pageTimings"] {
        assert_eq!(
            after["log"]["pages"][0][key],
            before["log"]["pages"][0][key]
        );
    }
    assert_eq!(
        after["log"]["entries"][0]["_initiator"],
        before["log"]["entries"][0]["_initiator"]
    );
    // An authorize URL keeps everything a finding shows; only its `state` (a CSRF value the
    // policy does not know to be safe) is replaced.
    let without_state = |v: &Value| {
        let url = v.as_str().expect("url");
        url[..url.find("&state=").expect("a state")].to_string()
    };
    assert_eq!(
        without_state(&after["log"]["entries"][1]["request"]["url"]),
        without_state(&before["log"]["entries"][1]["request"]["url"]),
    );
    assert!(after["log"][MARK]["placeholders"]
        .as_array()
        .is_some_and(|t| !t.is_empty()));
    // Checked by hand in the fixture: the LWA code, the Alexa Client Secret inside the Basic
    // header, the sign-in password.
    let text = &copy.har;
    let code = "ANRbZDCSuNBeksKAfDHX";
    assert!(String::from_utf8_lossy(&original.source).contains(code));
    assert!(!text.contains(code) && !text.contains("Tr4il-eJjB2Ctadn5C"));
    let lwa_code = regex::Regex::new(r"callback\?code=(AN[A-Za-z]{18})&").expect("regex");
    let new_code = &lwa_code.captures(text).expect("still an LWA code")[1];
    assert_eq!(
        text.matches(new_code).count(),
        String::from_utf8_lossy(&original.source)
            .matches(code)
            .count(),
        "the placeholder stands wherever the code stood"
    );
    let basic = after["log"]["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .flat_map(|e| {
            e["request"]["headers"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .find(|h| {
            h["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case("authorization"))
        })
        .expect("the Basic header");
    let cred = basic["value"]
        .as_str()
        .expect("value")
        .trim_start_matches("Basic ");
    let (id, secret) = tokentrail::wire::basic::decode(cred).expect("still Basic");
    assert_eq!(
        id,
        format!("amzn1.application-oa2-client.{}", "b0".repeat(16))
    );
    assert!(secret.starts_with("amzn1.oa2-cs.v1.") && secret.len() == 16 + 64);
    assert_ne!(secret, format!("amzn1.oa2-cs.v1.{}", "b".repeat(64)));
    // Bodies of entries outside any OAuth flow are gone; the sign-in page is not.
    assert!(!text.contains("Connect your account"));
    assert!(copy.bodies_removed >= 3, "{}", copy.bodies_removed);
}

#[test]
fn the_cli_writes_a_file_or_stdout_and_reports_without_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("key");
    std::fs::write(&key, "an incident key, shared by the team\n").expect("write");
    let out = dir.path().join("out.har");
    let rel = "fixtures/oauth/code-reused/fires-two-token-requests-chrome.har";
    let run = |args: &[&str]| common::bin().args(args).output().expect("run");
    let key_arg = key.to_str().expect("utf-8");
    let out_arg = out.to_str().expect("utf-8");
    let o = run(&[
        "sanitize",
        rel,
        "-o",
        out_arg,
        "--key-file",
        key_arg,
        "--report",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.stdout.is_empty(), "results go to the file");
    let err = String::from_utf8_lossy(&o.stderr);
    let line = regex::Regex::new(r"(?m)^  code +\d+ values? in +\d+ places?$").expect("regex");
    assert!(line.is_match(&err), "{err}");
    let written = std::fs::read_to_string(&out).expect("written");
    let o = run(&["sanitize", rel, "-o", "-", "--key-file", key_arg]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        written,
        "one key, one copy"
    );
    let o = run(&["check", out_arg, "--format", "json"]);
    let json: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|f| f["rule"] == "oauth/code-reused"));
    let o = run(&["sanitize", "no/such.har", "-o", "-"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["sanitize", rel, "-o", "-", "--key-file", "no/such.key"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
}

/// The real exports in `../shared/captures/real` (browsers and tools): every one sanitizes to
/// a valid HAR with the same properties (skipped when the directory is absent).
#[test]
fn real_exports_sanitize_too() {
    let dir = common::root().join("../shared/captures/real");
    let Ok(list) = std::fs::read_dir(&dir) else {
        println!("skipped: {} not found", dir.display());
        return;
    };
    let mut seen = 0;
    for path in list.flatten().map(|e| e.path()) {
        if path.extension().is_none_or(|e| e != "har") {
            continue;
        }
        let name = path.display().to_string();
        let original = tokentrail::read::read_path(&path).expect("real export reads");
        check_properties(&name, &original, &common::default_options());
        seen += 1;
    }
    assert!(seen >= 5, "{seen} real exports");
}

/// Every fixture in the other formats (Charles, Fiddler, Burp, raw HTTP) is written as a HAR
/// that parses, holds none of the original's secrets, and checks the same.
#[test]
fn every_fixture_in_every_format_checks_the_same_as_a_har_copy() {
    let mut seen = 0;
    for har in common::fixtures() {
        for ext in ["chlsj", "saz", "xml", "http"] {
            let path = har.with_extension(ext);
            if !path.is_file() {
                continue;
            }
            let name = common::rel(&path);
            let original = tokentrail::read::read_path(&path).expect("fixture reads");
            let opts = common::options_for(&har);
            let once = sanitize_with(&original, &placeholders("formats"), &opts.config);
            if !once.cut {
                assert_valid_har(&name, &once.har);
            }
            assert_no_original_secret(&name, &original, &once.har);
            let copy = read(&name, &once.har);
            assert_eq!(
                found(copy, &opts),
                found(original, &opts),
                "{name}: check finds something else in the sanitized copy"
            );
            seen += 1;
        }
    }
    assert!(seen >= 400, "{seen} fixtures in other formats");
}

mod config;
mod generated;
mod kept;
