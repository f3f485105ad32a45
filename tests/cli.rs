//! The command line as a user meets it: exit codes, streams, formats, user rules.

use std::path::Path;
use std::process::Stdio;

use crate::common::{self, stderr, stdout, tokentrail};

const SAMPLE: &str = "fixtures/samples/wrong-profile.har";
const GOOD: &str = "fixtures/good/lwa-fallback-chrome.har";
const CUT: &str = "fixtures/capture/truncated/fires-chrome-cut.har";

#[test]
fn a_mistake_exits_1_and_names_rule_entry_and_fix() {
    let o = tokentrail(&["check", SAMPLE]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("alexa/token-wrong-profile"), "{out}");
    assert!(out.contains("entry #10 POST"), "{out}");
    assert!(out.contains("help:"), "{out}");
    assert!(
        !out.contains('\u{1b}'),
        "no colour when stdout is not a terminal"
    );
}

#[test]
fn a_good_capture_exits_0() {
    let o = tokentrail(&["check", GOOD]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("no findings"), "{}", stdout(&o));
}

#[test]
fn a_truncated_capture_is_checked_and_exits_by_its_findings() {
    let o = tokentrail(&["check", CUT, "--format", "json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "a warning alone does not fail by default"
    );
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(json["findings"][0]["rule"], "capture/truncated");
    assert_eq!(json["files"][0]["entries"], 5);
    let o = tokentrail(&["check", CUT, "--fail-on", "warning"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn input_that_is_not_a_har_is_one_line_on_stderr_and_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let page = dir.path().join("page.har");
    std::fs::write(&page, "<!DOCTYPE html><html><body>login</body></html>").expect("write");
    let o = tokentrail(&["check", page.to_str().expect("utf-8 path")]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("page.har") && err.contains("not a HAR"),
        "{err}"
    );
    assert!(!err.contains("panicked"));
}

#[test]
fn a_missing_file_does_not_hide_the_others() {
    let o = tokentrail(&["check", "--format", "json", "no/such/file.har", SAMPLE]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "an unreadable input is the worst outcome"
    );
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(json["files"][0]["error"]
        .as_str()
        .expect("error")
        .contains("no/such/file.har"));
    assert_eq!(json["findings"][0]["rule"], "alexa/token-wrong-profile");
}

#[test]
fn json_has_the_documented_shape() {
    let o = tokentrail(&["check", "--format", "json", SAMPLE]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(json["version"], 1);
    let f = &json["findings"][0];
    let mut keys: Vec<&str> = f
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "column", "entry", "file", "help", "labels", "line", "message", "method", "related",
            "rule", "severity", "time", "url"
        ]
    );
    assert_eq!(f["entry"], 10);
    assert_eq!(f["method"], "POST");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["related"][0]["entry"], 5);
    assert_eq!(
        f["rule"], "alexa/token-wrong-profile",
        "the cause comes first"
    );
    assert_eq!(json["findings"][1]["rule"], "alexa/activation-failed");
    assert_eq!(json["summary"]["errors"], 2);
    assert_eq!(json["files"][0]["format"], "har");
    assert_eq!(json["files"][0]["entries"], 10);
}

#[test]
fn stdin_is_read_with_a_dash() {
    let file = std::fs::File::open(common::root().join(SAMPLE)).expect("sample");
    let o = common::bin()
        .args(["check", "-", "--format", "json"])
        .stdin(file)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(json["findings"][0]["file"], "<stdin>");
}

#[test]
fn a_rule_dropped_in_a_directory_fires_without_rebuilding() {
    let dir = tempfile::tempdir().expect("tempdir");
    let original =
        std::fs::read_to_string(common::root().join("rules/oauth/code-reused.toml")).expect("rule");
    let copy = original.replace(
        "id = \"oauth/code-reused\"",
        "id = \"team/code-used-twice\"",
    );
    assert_ne!(copy, original);
    std::fs::write(dir.path().join("twice.toml"), copy).expect("write");
    let fixture = "fixtures/oauth/code-reused/fires-two-token-requests-chrome.har";
    let o = tokentrail(&[
        "check",
        "--format",
        "json",
        "--rules",
        dir.path().to_str().expect("utf-8"),
        fixture,
    ]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(rules.contains(&"team/code-used-twice"), "{rules:?}");
    assert!(rules.contains(&"oauth/code-reused"), "{rules:?}");
    let listed = stdout(&tokentrail(&[
        "rules",
        "--rules",
        dir.path().to_str().expect("utf-8"),
    ]));
    assert!(listed.contains("team/code-used-twice"));
}

#[test]
fn a_malformed_rule_is_rejected_with_a_pointer_into_the_toml() {
    let dir = tempfile::tempdir().expect("tempdir");
    let original =
        std::fs::read_to_string(common::root().join("rules/oauth/code-reused.toml")).expect("rule");
    let broken = original.replace("size(code.redemptions) > 1", "size(code.redemptionz) > 1");
    std::fs::write(dir.path().join("broken.toml"), broken).expect("write");
    let o = tokentrail(&[
        "check",
        "--rules",
        dir.path().to_str().expect("utf-8"),
        GOOD,
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("broken.toml"), "{err}");
    assert!(
        err.contains("unknown fact") && err.contains("`code.redemptionz`"),
        "{err}"
    );
    assert!(
        err.contains("size(code.redemptionz)"),
        "the snippet shows the rule line: {err}"
    );
}

#[test]
fn explain_prints_the_rule_docs_and_unknown_ids_fail() {
    let o = tokentrail(&["explain", "oauth/code-reused"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    for section in [
        "What it finds",
        "Why it matters",
        "Example",
        "How to fix it",
    ] {
        assert!(out.contains(section), "{out}");
    }
    let o = tokentrail(&["explain", "oauth/code-reusd"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `oauth/code-reused`?"),
        "suggests the closest rule"
    );
}

#[test]
fn flows_shows_lineage_with_masked_artifacts() {
    let o = tokentrail(&["flows", SAMPLE]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains("bearer sk…#"), "{out}");
    assert!(out.contains("(minted at #5)"), "{out}");
    assert!(out.contains("! error alexa/token-wrong-profile"), "{out}");
}

#[test]
fn color_follows_the_flag_and_no_color() {
    let o = tokentrail(&["check", "--color", "always", SAMPLE]);
    assert!(stdout(&o).contains('\u{1b}'), "colour forced on");
    let o = common::bin()
        .args(["check", SAMPLE])
        .env("NO_COLOR", "1")
        .output()
        .expect("run");
    assert!(!stdout(&o).contains('\u{1b}'));
}

#[test]
fn config_declares_profiles() {
    let fixture = "fixtures/alexa/amazon-code-wrong-profile/fires-config-firefox.har";
    let cfg = "fixtures/alexa/amazon-code-wrong-profile/fires-config-firefox.tokentrail.toml";
    let with = tokentrail(&["check", "--format", "json", "--config", cfg, fixture]);
    let json: serde_json::Value = serde_json::from_slice(&with.stdout).expect("json");
    let msg = json["findings"][0]["message"].as_str().expect("message");
    assert!(
        msg.contains("declared under [skill] in tokentrail.toml"),
        "{msg}"
    );
    let without = tokentrail(&["check", "--format", "json", fixture]);
    let json: serde_json::Value = serde_json::from_slice(&without.stdout).expect("json");
    assert!(
        !json["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["rule"] == "alexa/amazon-code-wrong-profile"),
        "without the config nothing in this capture says the client is profile A"
    );
    let bad = tokentrail(&["check", "--config", "Cargo.toml", GOOD]);
    assert_eq!(
        bad.status.code(),
        Some(2),
        "a config with unknown keys is refused"
    );
    assert!(stderr(&bad).contains("Cargo.toml"));
}

#[test]
fn help_teaches() {
    let o = tokentrail(&["check", "--help"]);
    let out = stdout(&o);
    assert!(out.contains("--fail-on"), "{out}");
    assert!(out.contains("tokentrail.toml"), "{out}");
    let _ = Path::new(".");
}

#[test]
fn fingerprint_reads_the_secret_from_stdin_and_the_config_refuses_a_raw_secret() {
    use std::io::Write as _;
    let secret = "amzn1.oa2-cs.v1.0123456789abcdef0123456789abcdef";
    let mut child = common::bin()
        .arg("fingerprint")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run tokentrail");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{secret}\n").as_bytes())
        .expect("write the secret");
    let o = child.wait_with_output().expect("fingerprint");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let printed = stdout(&o).trim().to_string();
    let full = tokentrail::config::fingerprint(secret);
    assert_eq!(printed.len(), 16);
    assert!(
        full.starts_with(&printed),
        "{printed} is not a prefix of {full}"
    );
    assert!(!stdout(&o).contains(secret) && !stderr(&o).contains(secret));

    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write config");
        path.display().to_string()
    };
    // The fingerprint is accepted and used.
    let ok = write(
        "ok.toml",
        &format!("[skill]\nclient_secret_sha256 = [\"{printed}\"]\n"),
    );
    let o = tokentrail(&["check", "--config", &ok, GOOD]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // The secret itself, or anything too short to be a fingerprint, is refused, unquoted.
    for (name, value, why) in [
        ("raw.toml", secret, "looks like a client secret itself"),
        ("words.toml", "my-skill-secret-value", "secret itself"),
        ("short.toml", "0123abcd", "at least 16 hex digits"),
    ] {
        let path = write(
            name,
            &format!("[alexa]\nclient_ids = []\nclient_secret_sha256 = [\"{value}\"]\n"),
        );
        let o = tokentrail(&["check", "--config", &path, GOOD]);
        assert_eq!(o.status.code(), Some(2), "{name}");
        // Unwrapped: the diagnostic is filled to the terminal's width.
        let raw = stderr(&o);
        let err: Vec<&str> = raw.split_whitespace().filter(|w| *w != "|").collect();
        let err = err.join(" ");
        assert!(err.contains(why), "{name}: {err}");
        assert!(err.contains("line 3"), "{name}: {err}");
        assert!(!err.contains(value), "{name} quotes the value: {err}");
    }
}
