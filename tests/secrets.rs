//! No output, in any format, contains a full secret from the fixtures. The secrets are found
//! here independently of the tool's own classifier (by field and header name, from the parsed
//! HAR), then checked against the classifier and against every output.

use crate::common;

use std::collections::BTreeSet;
use std::path::Path;

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
            let k = tokentrail::wire::form::decode(k);
            if SECRET_FIELDS.contains(&k.as_str()) {
                out.insert(tokentrail::wire::form::decode(v));
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
                            if let Some((_, secret)) = tokentrail::wire::basic::decode(cred) {
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
    let o = common::tokentrail(args);
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

/// The output formats `check` offers, as the binary itself lists them, so that formats added
/// later are covered without touching this test.
fn formats() -> Vec<String> {
    let o = common::bin()
        .args(["check", "--format", "no-such-format", "x.har"])
        .output()
        .expect("run tokentrail");
    let err = String::from_utf8_lossy(&o.stderr);
    let list = err
        .split("[possible values: ")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .unwrap_or_else(|| panic!("clap lists the formats:\n{err}"));
    list.split(',').map(|f| f.trim().to_string()).collect()
}

/// The rule ids in force, from `tokentrail rules`.
fn rule_ids() -> Vec<String> {
    run(&["rules"])
        .lines()
        .filter(|l| l.contains('/'))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// The spellings a secret could leak in: as is, JSON-escaped, percent- and form-encoded.
fn leak_spellings(secret: &str) -> Vec<String> {
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    let json = serde_json::to_string(secret).expect("json");
    let pct = utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string();
    vec![
        secret.to_string(),
        json[1..json.len() - 1].to_string(),
        secret.replace('|', "%7C"),
        pct.clone(),
        pct.replace("%20", "+"),
    ]
}

fn assert_no_leak(rel: &str, what: &str, out: &str, secrets: &BTreeSet<String>) -> usize {
    let mut checked = 0;
    // HTML and Mermaid escape characters a secret may hold: look in the decoded text too.
    let decoded = unescape_markup(out);
    for s in secrets {
        for spelling in leak_spellings(s) {
            assert!(
                !out.contains(&spelling) && !decoded.contains(&spelling),
                "{rel}: `{what}` prints the secret {}… ({} chars)",
                &s[..4],
                s.len()
            );
            checked += 1;
        }
    }
    checked
}

/// Every command a user may run on a fixture: `check` in every format (and with colour, and
/// with the fixture's config), `flows`, `sanitize` to stdout with its report, and `explain`
/// of the rule the fixture is about (fixtures/<pack>/<name>/…).
fn commands_for(rel: &str, formats: &[String], rules: &[String]) -> Vec<Vec<String>> {
    let mut commands: Vec<Vec<String>> = Vec::new();
    let cfg = common::config_for(&common::root().join(rel)).map(|c| common::rel(&c));
    for format in formats {
        let mut args = vec!["check", rel, "--format", format, "--color", "never"];
        if let Some(cfg) = &cfg {
            args.extend(["--config", cfg]);
        }
        commands.push(args.iter().map(|a| a.to_string()).collect());
    }
    let words = |w: &[&str]| w.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    commands.push(words(&["check", rel, "--color", "always"]));
    commands.push(words(&["flows", rel]));
    commands.push(words(&["flows", rel, "--format", "mermaid"]));
    commands.push(words(&["sanitize", rel, "-o", "-", "--report"]));
    let dir = rel.split('/').skip(1).take(2).collect::<Vec<_>>().join("/");
    if let Some(rule) = rules.iter().find(|r| **r == dir) {
        commands.push(words(&["explain", rule]));
    }
    commands
}

#[test]
fn no_output_contains_a_full_secret() {
    let formats = formats();
    assert!(
        formats.iter().any(|f| f == "human") && formats.iter().any(|f| f == "json"),
        "{formats:?}"
    );
    let rules = rule_ids();
    assert!(rules.len() >= 9, "{rules:?}");
    // Real recordings too: oidc-provider's interaction id, also the value of its
    // `_interaction` cookie, stands in URL paths and a `Set-Cookie`'s `path=`, both hidden.
    let fixtures = common::fixtures();
    // `explain` does not read a capture: each rule once, checked against every fixture.
    let explained: Vec<String> = rules.iter().map(|r| run(&["explain", r])).collect();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let chunk = fixtures.len().div_ceil(threads);
    let (checked, runs) = std::thread::scope(|scope| {
        let workers: Vec<_> = fixtures
            .chunks(chunk.max(1))
            .map(|part| {
                let (formats, rules, explained) = (&formats, &rules, &explained);
                scope.spawn(move || {
                    let (mut checked, mut runs) = (0, 0);
                    for fixture in part {
                        let secrets = secrets_of(fixture);
                        let rel = common::rel(fixture);
                        for args in commands_for(&rel, formats, rules) {
                            let args: Vec<&str> = args.iter().map(String::as_str).collect();
                            let out = run(&args);
                            assert!(!out.contains("panicked"), "{rel}: {args:?}:\n{out}");
                            checked += assert_no_leak(&rel, &args.join(" "), &out, &secrets);
                            runs += 1;
                        }
                        for out in explained {
                            checked += assert_no_leak(&rel, "explain", out, &secrets);
                        }
                    }
                    (checked, runs)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("worker"))
            .fold((0, 0), |(c, r), (c2, r2)| (c + c2, r + r2))
    });
    assert!(runs >= fixtures.len() * 5, "{runs} runs");
    assert!(
        checked > 10_000,
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

/// The same search finds secrets when they are printed: `--show-secrets` is the one way,
/// and it says so on stderr.
#[test]
fn show_secrets_prints_raw_values_with_a_warning() {
    let rel = "fixtures/samples/wrong-profile.har";
    let secrets = secrets_of(&common::root().join(rel));
    for cmd in ["check", "flows"] {
        let o = common::bin()
            .args([cmd, rel, "--show-secrets"])
            .output()
            .expect("run tokentrail");
        let (out, err) = (
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr),
        );
        assert!(
            secrets.iter().any(|s| out.contains(s.as_str())),
            "{cmd} --show-secrets shows a raw value:\n{out}"
        );
        assert!(err.starts_with("warning: --show-secrets"), "{err}");
        let masked = run(&[cmd, rel]);
        assert!(!secrets.iter().any(|s| masked.contains(s.as_str())));
    }
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
                &Report {
                    files: vec![file],
                    ..Default::default()
                },
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
