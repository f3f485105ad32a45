//! `tokentrail diff A B` through the real binary, on fixtures: a failing capture against a
//! working one, a capture against itself, and the same capture in two formats.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

fn fixture(p: &str) -> PathBuf {
    common::root().join("fixtures").join(p)
}

fn diff(a: &Path, b: &Path, json: bool) -> Output {
    let mut cmd = common::bin();
    cmd.arg("diff").arg(a).arg(b).arg("--color").arg("never");
    if json {
        cmd.args(["--format", "json"]);
    }
    cmd.current_dir(common::root());
    cmd.output().expect("run tokentrail")
}

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&o.stdout));
    })
}

const FAILING: &str = "alexa/token-wrong-profile/fires-firefox.har";
const WORKING: &str = "alexa/token-wrong-profile/quiet-good-firefox.har";

/// The raw Bearer token of the failing fixture's activation call: it must never be printed.
fn raw_bearer() -> String {
    let text = std::fs::read_to_string(fixture(FAILING)).unwrap();
    let at = text.find("\"Bearer ").expect("a Bearer header") + "\"Bearer ".len();
    let end = at + text[at..].find('"').unwrap();
    text[at..end].to_string()
}

#[test]
fn a_wrong_profile_capture_against_a_good_one() {
    let o = diff(&fixture(FAILING), &fixture(WORKING), true);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let d = json_of(&o);
    let steps = d["steps"].as_array().unwrap();
    // The token request of A went to the skill's server for client A; B's to LWA for the
    // Alexa client (profile B).
    let token = steps
        .iter()
        .find(|s| s["kind"] == "token_request")
        .expect("a token request row");
    assert_eq!(token["status"], "differs");
    let field = |name: &str| {
        token["differences"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["field"] == name)
            .unwrap_or_else(|| panic!("no {name} difference: {token}"))
            .clone()
    };
    assert_eq!(field("host")["a"], "auth.example-skill.com");
    assert_eq!(field("host")["b"], "api.amazon.com");
    assert!(field("client")["a"]
        .as_str()
        .unwrap()
        .contains("(profile A"));
    assert!(field("client")["b"]
        .as_str()
        .unwrap()
        .contains("(profile B"));
    // B looks up the endpoints before activating; A never does.
    let lookup = steps
        .iter()
        .find(|s| s["kind"] == "endpoint_lookup")
        .expect("a lookup row");
    assert_eq!(lookup["status"], "only_b");
    assert!(lookup["a"].is_null());
    // The activation's Bearer differs by where it was minted; the values are masked.
    let activation = steps.iter().find(|s| s["kind"] == "activation").unwrap();
    assert_eq!(activation["a"]["findings"][1], "alexa/token-wrong-profile");
    let rules: Vec<&str> = d["findings_only_a"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"alexa/token-wrong-profile"), "{rules:?}");
    assert!(d["findings_only_b"].as_array().unwrap().is_empty());
    assert_eq!(d["summary"]["only_b"], 1);

    let human = diff(&fixture(FAILING), &fixture(WORKING), false);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("endpoint_lookup api.amazonalexa.com: missing from A (B has it)"),
        "{text}"
    );
    assert!(
        text.contains("minted at auth.example-skill.com for client skill-client-a (profile A)"),
        "{text}"
    );
    let secret = raw_bearer();
    for out in [&o.stdout, &human.stdout] {
        assert!(
            !String::from_utf8_lossy(out).contains(&secret),
            "a raw token was printed"
        );
    }
}

#[test]
fn a_capture_against_itself_and_in_another_format_is_the_same() {
    for (a, b) in [
        ("good/pkce-firefox.har", "good/pkce-firefox.har"),
        (
            "good/refresh-grant-chrome.har",
            "good/refresh-grant-chrome.mitm",
        ),
        ("good/two-flows-chrome.saz", "good/two-flows-chrome.xml"),
    ] {
        let o = diff(&fixture(a), &fixture(b), true);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{a} vs {b}: {}",
            String::from_utf8_lossy(&o.stdout)
        );
        let d = json_of(&o);
        let steps = d["steps"].as_array().unwrap();
        assert!(steps.len() >= 5, "{a}");
        assert!(steps.iter().all(|s| s["status"] == "same"), "{a} vs {b}");
        assert_eq!(d["summary"]["same"], steps.len());
    }
}

#[test]
fn an_unreadable_side_is_exit_2() {
    let o = diff(&fixture(FAILING), Path::new("/nonexistent/b.har"), false);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nonexistent/b.har: cannot read"));
    assert!(o.stdout.is_empty());
}
