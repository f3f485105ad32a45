//! No output, in any format, contains a full secret from the fixtures. The secrets are found
//! here independently of the tool's own classifier (by field and header name, from the parsed
//! HAR), then checked against the classifier and against every output.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// Fields whose values are secret wherever they appear (form, query, JSON).
const SECRET_FIELDS: &[&str] = &[
    "code",
    "authCode",
    "client_secret",
    "access_token",
    "refresh_token",
    "code_verifier",
    "password",
];

fn form_values(text: &str, out: &mut BTreeSet<String>) {
    for pair in text.split('&') {
        if let Some((k, v)) = pair.split_once('=') {
            let k = tokentrail::secret::form_decode(k);
            if SECRET_FIELDS.contains(&k.as_str()) {
                out.insert(tokentrail::secret::form_decode(v));
            }
        }
    }
}

fn json_values(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match v {
                    Value::String(s) if SECRET_FIELDS.contains(&k.as_str()) => {
                        out.insert(s.clone());
                    }
                    other => json_values(other, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| json_values(i, out)),
        _ => {}
    }
}

/// Every secret of a fixture, by name and position, parsed without the tool's reader.
fn secrets_of(path: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(path).expect("fixture");
    let mut out = BTreeSet::new();
    let Ok(har) = serde_json::from_str::<Value>(&text) else {
        return out; // the cut-off fixture: its uncut twin covers the same values
    };
    for entry in har["log"]["entries"].as_array().expect("entries") {
        let url = entry["request"]["url"].as_str().unwrap_or("");
        if let Some((_, q)) = url.split_once('?') {
            form_values(q, &mut out);
        }
        for side in ["request", "response"] {
            for h in entry[side]["headers"].as_array().into_iter().flatten() {
                let name = h["name"].as_str().unwrap_or("").to_ascii_lowercase();
                let value = h["value"].as_str().unwrap_or("");
                match name.as_str() {
                    "authorization" => {
                        if let Some((_, cred)) = value.split_once(' ') {
                            out.insert(cred.to_string());
                            if let Some((_, secret)) = tokentrail::flow::basic::decode(cred) {
                                out.insert(secret);
                            }
                        }
                    }
                    "cookie" | "set-cookie" => {
                        // Set-Cookie's attributes (Domain=, Path=) are not secrets.
                        let take = if name == "cookie" { usize::MAX } else { 1 };
                        for part in value.split(';').take(take) {
                            if let Some((_, v)) = part.split_once('=') {
                                if v.trim().len() >= 6 {
                                    out.insert(v.trim().to_string());
                                }
                            }
                        }
                    }
                    "location" => {
                        if let Some((_, q)) = value.split_once('?') {
                            form_values(q, &mut out);
                        }
                    }
                    _ => {}
                }
            }
        }
        if let Some(t) = entry["request"]["postData"]["text"].as_str() {
            match serde_json::from_str::<Value>(t) {
                Ok(j) => json_values(&j, &mut out),
                Err(_) => form_values(t, &mut out),
            }
        }
        if let Some(t) = entry["response"]["content"]["text"].as_str() {
            if let Ok(j) = serde_json::from_str::<Value>(t) {
                json_values(&j, &mut out);
            }
        }
    }
    // Not secrets: the beacon's promo code is a `code=` on an unrelated URL, but masking it
    // is harmless, so it stays in the list.
    out.retain(|s| s.len() >= 6);
    out
}

fn run(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_tokentrail"))
        .args(args)
        .current_dir(common::root())
        .output()
        .expect("run tokentrail");
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn the_classifier_finds_what_a_reader_by_hand_finds() {
    // Spot checks against values written by hand in fixtures/generate.py.
    let good = common::root().join("fixtures/good/lwa-fallback-chrome.har");
    let capture = tokentrail::read::read_path(&good).expect("reads");
    let mut set = tokentrail::secret::SecretSet::new();
    capture.exchanges.iter().for_each(|e| set.collect(e));
    let b_secret = format!("amzn1.oa2-cs.v1.{}", "b".repeat(64));
    assert!(set.contains(&b_secret), "the Alexa Client Secret");
    assert!(
        set.iter().any(|(v, _)| v.starts_with("Atza|")),
        "an access token"
    );
    assert!(
        set.iter().any(|(v, _)| v.starts_with("Atzr|")),
        "a refresh token"
    );
    assert!(
        set.iter()
            .any(|(v, _)| v.starts_with("AN") && v.len() == 20),
        "the LWA code"
    );
    assert!(
        set.iter().any(|(v, _)| v.starts_with("Tr4il-")),
        "the sign-in password"
    );
    for fixture in common::fixtures() {
        let capture = match tokentrail::read::read_path(&fixture) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        let mut set = tokentrail::secret::SecretSet::new();
        capture.exchanges.iter().for_each(|e| set.collect(e));
        for s in secrets_of(&fixture) {
            assert!(
                set.contains(&s),
                "{}: the classifier misses a secret of {} chars",
                common::rel(&fixture),
                s.len()
            );
        }
    }
}

#[test]
fn no_output_contains_a_full_secret() {
    let mut checked = 0;
    for fixture in common::fixtures() {
        let secrets = secrets_of(&fixture);
        let rel = common::rel(&fixture);
        let mut outputs = vec![
            run(&["check", &rel, "--color", "never"]),
            run(&["check", &rel, "--color", "always"]),
            run(&["check", &rel, "--format", "json"]),
            run(&["check", &rel, "--format", "ndjson", "--summary"]),
            run(&["check", &rel, "--format", "sarif"]),
            run(&["flows", &rel]),
            run(&["flows", &rel, "--format", "mermaid"]),
            run(&["check", &rel, "--format", "html"]),
        ];
        if let Some(cfg) = common::config_for(&fixture) {
            let cfg = common::rel(&cfg);
            outputs.push(run(&["check", &rel, "--config", &cfg]));
        }
        // HTML and Mermaid escape characters a secret may hold: look in the decoded text too.
        let decoded: Vec<String> = outputs.iter().map(|o| unescape_markup(o)).collect();
        outputs.extend(decoded);
        for out in &outputs {
            for s in &secrets {
                let encoded = s.replace('|', "%7C");
                assert!(
                    !out.contains(s.as_str()) && !out.contains(&encoded),
                    "{rel}: an output holds the secret {}…:\n{out}",
                    &s[..4]
                );
                checked += 1;
            }
        }
    }
    assert!(
        checked > 1000,
        "the test looked at real secrets ({checked} checks)"
    );
}

/// Reverses the HTML report's and the Mermaid output's escapes (`&amp;`, `&#39;`, `#59;`).
fn unescape_markup(text: &str) -> String {
    let re = regex::Regex::new(r"[&#](#?[0-9a-z]+);").expect("regex");
    re.replace_all(text, |c: &regex::Captures| {
        let name = &c[1];
        let named = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            _ => None,
        };
        named
            .or_else(|| {
                name.trim_start_matches('#')
                    .parse::<u32>()
                    .ok()
                    .and_then(char::from_u32)
            })
            .map_or_else(|| c[0].to_string(), String::from)
    })
    .into_owned()
}

/// A capture cut anywhere must not leak the secrets of the unfinished entry it ends in.
#[test]
fn a_cut_capture_leaks_nothing_wherever_it_is_cut() {
    use std::sync::Arc;
    use tokentrail::report::{human, Report};
    // Parsed once: the rules do not depend on the cut.
    let opts = tokentrail::check::Options {
        config: Default::default(),
        rules: common::builtin_rules(),
    };
    let mut cuts = 0;
    for rel in [
        "fixtures/oauth/code-reused/fires-two-token-requests-chrome.har",
        "fixtures/good/basic-auth-chrome.har",
    ] {
        let path = common::root().join(rel);
        let secrets = secrets_of(&path);
        let bytes = std::fs::read(&path).expect("fixture");
        for cut in (200..bytes.len()).step_by(263) {
            let Ok(capture) = tokentrail::read::read_bytes(rel, Arc::from(&bytes[..cut])) else {
                continue;
            };
            let file = tokentrail::check::check_capture(capture, &opts);
            let out = human::render(
                &Report { files: vec![file] },
                &human::HumanOptions {
                    color: false,
                    unicode: true,
                    width: 100,
                },
            );
            for s in &secrets {
                assert!(
                    !out.contains(s.as_str()),
                    "{rel} cut at {cut}: leaks {}…:\n{out}",
                    &s[..4]
                );
            }
            cuts += 1;
        }
    }
    assert!(cuts > 100, "{cuts} cuts checked");
}
