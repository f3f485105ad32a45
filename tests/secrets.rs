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

/// Every secret of a set of fixtures in every spelling, searched for in one pass: outputs of
/// all the fixtures at once are checked against all their secrets.
struct Secrets {
    /// Each secret with the fixtures (indexes) it comes from.
    secrets: Vec<(String, Vec<usize>)>,
    /// For each spelling searched for, the secret it spells.
    secret_of: Vec<usize>,
    search: aho_corasick::AhoCorasick,
}

/// A secret an output holds, and the fixtures it comes from.
struct Leak<'a> {
    secret: &'a str,
    fixtures: &'a [usize],
}

impl Secrets {
    fn new(per_fixture: &[BTreeSet<String>]) -> Self {
        let mut owners: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
        for (i, set) in per_fixture.iter().enumerate() {
            for s in set {
                owners.entry(s).or_default().push(i);
            }
        }
        let secrets: Vec<(String, Vec<usize>)> = owners
            .into_iter()
            .map(|(s, o)| (s.to_string(), o))
            .collect();
        let mut spellings = Vec::new();
        let mut secret_of = Vec::new();
        for (i, (s, _)) in secrets.iter().enumerate() {
            for spelling in leak_spellings(s) {
                spellings.push(spelling);
                secret_of.push(i);
            }
        }
        let search = aho_corasick::AhoCorasick::new(&spellings).expect("secrets to search for");
        Secrets {
            secrets,
            secret_of,
            search,
        }
    }

    /// How many spellings one look at an output checks.
    fn spellings(&self) -> usize {
        self.secret_of.len()
    }

    /// The first secret `out` holds, as printed or behind HTML's and Mermaid's escapes.
    fn leak_in(&self, out: &str) -> Option<Leak<'_>> {
        let decoded = unescape_markup(out);
        let found = self
            .search
            .find(out)
            .or_else(|| self.search.find(decoded.as_str()))?;
        let (secret, fixtures) = &self.secrets[self.secret_of[found.pattern().as_usize()]];
        Some(Leak { secret, fixtures })
    }
}

/// One run of the binary over some fixtures: `command`, the fixtures' paths, then `options`.
struct Job {
    command: &'static str,
    fixtures: Vec<usize>,
    options: Vec<String>,
}

impl Job {
    fn args(&self, rels: &[String], fixtures: &[usize]) -> Vec<String> {
        let mut args = vec![self.command.to_string()];
        args.extend(fixtures.iter().map(|&i| rels[i].clone()));
        args.extend(self.options.iter().cloned());
        args
    }
}

/// Every command a user may run on a fixture: `check` in every format (with the fixture's
/// config) and with colour, `flows` as text and Mermaid, and `sanitize` to stdout with its
/// report. The commands that take several captures get every fixture that shares their
/// configuration at once (the binary's start and its parse of the rules are most of a
/// debug-build run); `sanitize` takes one capture, so it runs once per fixture.
fn jobs(rels: &[String], formats: &[String]) -> Vec<Job> {
    let words = |w: &[&str]| w.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let all: Vec<usize> = (0..rels.len()).collect();
    let mut jobs = vec![
        Job {
            command: "check",
            fixtures: all.clone(),
            options: words(&["--color", "always"]),
        },
        Job {
            command: "flows",
            fixtures: all.clone(),
            options: vec![],
        },
        Job {
            command: "flows",
            fixtures: all.clone(),
            options: words(&["--format", "mermaid"]),
        },
    ];
    // Fixtures whose configs say the same share a run, under the first one's file.
    let mut by_config: std::collections::BTreeMap<Option<String>, (Option<String>, Vec<usize>)> =
        Default::default();
    for (i, rel) in rels.iter().enumerate() {
        let cfg = common::config_for(&common::root().join(rel));
        let text = cfg
            .as_ref()
            .map(|c| std::fs::read_to_string(c).expect("fixture config"));
        let group = by_config
            .entry(text)
            .or_insert_with(|| (cfg.map(|c| common::rel(&c)), Vec::new()));
        group.1.push(i);
    }
    for (cfg, fixtures) in by_config.into_values() {
        for format in formats {
            let mut options = words(&["--format", format, "--color", "never"]);
            if let Some(cfg) = &cfg {
                options.extend(words(&["--config", cfg]));
            }
            jobs.push(Job {
                command: "check",
                fixtures: fixtures.clone(),
                options,
            });
        }
    }
    jobs.extend(all.into_iter().map(|i| Job {
        command: "sanitize",
        fixtures: vec![i],
        options: words(&["-o", "-", "--report"]),
    }));
    jobs
}

/// Runs `job`, checks that it ran to its end, and fails on the first secret its output holds,
/// naming the fixture and the command that shows it alone.
fn run_job(job: &Job, rels: &[String], secrets: &Secrets) {
    let args = job.args(rels, &job.fixtures);
    let what = || {
        if job.fixtures.len() == 1 {
            args.join(" ")
        } else {
            format!(
                "{} <{} fixtures> {}",
                job.command,
                job.fixtures.len(),
                job.options.join(" ")
            )
        }
    };
    let o = common::tokentrail(&args);
    let out = format!("{}{}", common::stdout(&o), common::stderr(&o));
    assert!(
        !out.contains("panicked") && matches!(o.status.code(), Some(0 | 1)),
        "`{}` ended with {}:\n{out}",
        what(),
        o.status
    );
    let Some(leak) = secrets.leak_in(&out) else {
        return;
    };
    // Which fixture's own run shows it (a secret may be found in several fixtures).
    let alone: Vec<String> = leak
        .fixtures
        .iter()
        .filter(|i| job.fixtures.contains(i))
        .map(|&i| job.args(rels, &[i]).join(" "))
        .filter(|args| {
            let args: Vec<&str> = args.split(' ').collect();
            let o = common::tokentrail(&args);
            let out = format!("{}{}", common::stdout(&o), common::stderr(&o));
            let decoded = unescape_markup(&out);
            leak_spellings(leak.secret)
                .iter()
                .any(|s| out.contains(s.as_str()) || decoded.contains(s.as_str()))
        })
        .collect();
    panic!(
        "`{}` prints the secret {}… ({} chars) of {}; run alone, {}",
        what(),
        leak.secret.chars().take(4).collect::<String>(),
        leak.secret.len(),
        leak.fixtures
            .iter()
            .map(|&i| rels[i].as_str())
            .collect::<Vec<_>>()
            .join(", "),
        if alone.is_empty() {
            "no fixture's own run shows it".to_string()
        } else {
            format!("it shows in `{}`", alone.join("`, `"))
        }
    );
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
    let rels: Vec<String> = fixtures.iter().map(|f| common::rel(f)).collect();
    let per_fixture: Vec<BTreeSet<String>> = fixtures.iter().map(|f| secrets_of(f)).collect();
    let secrets = Secrets::new(&per_fixture);
    assert!(
        secrets.secrets.len() > 500,
        "the test looks for real secrets ({} found)",
        secrets.secrets.len()
    );
    // `explain` does not read a capture: each rule once, checked against every fixture.
    for rule in &rules {
        if let Some(leak) = secrets.leak_in(&run(&["explain", rule])) {
            panic!(
                "`explain {rule}` prints a secret of {}",
                rels[leak.fixtures[0]]
            );
        }
    }
    let jobs = jobs(&rels, &formats);
    assert!(
        jobs.len() > fixtures.len() + formats.len(),
        "{} runs",
        jobs.len()
    );
    let next = std::sync::atomic::AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(job) = jobs.get(i) else { break };
                run_job(job, &rels, &secrets);
            });
        }
    });
    let outputs = jobs.len() + rules.len();
    assert!(
        outputs * secrets.spellings() > 100_000,
        "the test looked at real secrets ({outputs} outputs)"
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
    let opts = common::default_options();
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
