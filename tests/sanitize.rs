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
    let mut set = tokentrail::secret::SecretSet::new();
    original.exchanges.iter().for_each(|e| set.collect(e));
    for (value, kind) in set.iter() {
        if kind == tokentrail::secret::SecretKind::Cookie && value.contains(';') {
            continue; // a whole cookie header: its cookies are checked one by one
        }
        for spelling in tokentrail::secret::spellings(value) {
            assert!(
                !copy.contains(&spelling),
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

// ---------------------------------------------------------------------------------------------
// Generated captures: random secrets of every shape, in every spelling.

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn from(&mut self, alphabet: &str, len: usize) -> String {
        let chars: Vec<char> = alphabet.chars().collect();
        (0..len).map(|_| chars[self.below(chars.len())]).collect()
    }
    /// A secret of a random shape: an LWA code, a short numeric code, an `Atza|` token, a
    /// JWT, or anything with punctuation and non-ASCII letters.
    fn secret(&mut self) -> String {
        const LETTERS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let extra = self.below(60);
        match self.below(5) {
            0 => format!("AN{}", self.from(LETTERS, 18)),
            1 => self.from("0123456789", 4 + extra % 4),
            2 => format!("Atza|{}", self.from(&format!("{B64}|+/="), 40 + extra)),
            3 => format!(
                "eyJhbGciOiJSUzI1NiJ9.eyJ{}.{}",
                self.from(B64, 30),
                self.from(B64, 43)
            ),
            _ => self.from("abcXYZ0189|/+=%~ é!*-.", 6 + extra % 24),
        }
    }
}

fn pct(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// A request: method, URL, headers and an optional (MIME type, text) body.
type Req<'a> = (&'a str, &'a str, Value, Option<(&'a str, &'a str)>);
/// A response: status, headers and an optional (MIME type, text) body.
type Resp<'a> = (u16, Value, Option<(&'a str, String)>);

fn entry(
    t: usize,
    (method, url, headers, body): Req,
    (status, resp_headers, resp_body): Resp,
) -> Value {
    let mut request = serde_json::json!({"method": method, "url": url, "httpVersion": "HTTP/1.1",
        "cookies": [], "headers": headers, "queryString": [], "headersSize": -1, "bodySize": -1});
    if let Some((mime, text)) = body {
        request["postData"] = serde_json::json!({"mimeType": mime, "text": text});
    }
    let mut content = serde_json::json!({"size": 0, "mimeType": "text/html"});
    if let Some((mime, text)) = resp_body {
        content = serde_json::json!({"size": text.len(), "mimeType": mime, "text": text});
    }
    serde_json::json!({"startedDateTime": format!("2024-03-14T10:00:{t:02}.000Z"), "time": 10,
        "request": request,
        "response": {"status": status, "statusText": "", "httpVersion": "HTTP/1.1", "cookies": [],
            "headers": resp_headers, "content": content, "redirectURL": "", "headersSize": -1, "bodySize": -1},
        "cache": {}, "timings": {"send": 0, "wait": 10, "receive": 0}})
}

/// The random secrets of a [`generated`] capture, drawn in this order.
struct Drawn {
    code: String,
    secret: String,
    token: String,
    refresh: String,
    skill_code: String,
    cookie: String,
    password: String,
}

impl Drawn {
    fn draw(rng: &mut Rng) -> Self {
        Drawn {
            code: rng.secret(),
            secret: rng.secret(),
            token: rng.secret(),
            refresh: format!("Atzr|{}", rng.from("abcdefABCDEF0123456789-_/+", 50)),
            skill_code: rng.secret(),
            cookie: rng.secret().replace([';', ' ', '"'], "x"),
            password: rng.secret(),
        }
    }
}

const CLIENT: &str = "amzn1.application-oa2-client.0123456789abcdef0123456789abcdef";
const REDIRECT: &str = "https://app.example.com/cb";
const FORM: &str = "application/x-www-form-urlencoded";

/// A form body, each value percent-encoded (spaces as `+`).
fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", pct(v).replace("%20", "+")))
        .collect::<Vec<_>>()
        .join("&")
}

/// A HAR header list.
fn headers(pairs: &[(&str, &str)]) -> Value {
    pairs
        .iter()
        .map(|(n, v)| serde_json::json!({"name": n, "value": v}))
        .collect()
}

/// Entries 1–3: the authorize redirect with the code (and a session cookie), the callback
/// page (the password in a comment), the sign-in form with the password.
fn sign_in_entries(d: &Drawn) -> Vec<Value> {
    let callback = format!("{REDIRECT}?code={}&state=st-1", pct(&d.code));
    let authorize = format!("https://www.amazon.com/ap/oa?client_id={CLIENT}&scope=alexa%3A%3Askills%3A%3Aaccount_linking&response_type=code&redirect_uri={}&state=st-1", pct(REDIRECT));
    let signin = form(&[("email", "a@example.com"), ("password", &d.password)]);
    vec![
        entry(
            1,
            ("GET", &authorize, headers(&[]), None),
            (
                302,
                headers(&[
                    ("Location", &callback),
                    ("Set-Cookie", &format!("sid={}; Path=/", d.cookie)),
                ]),
                None,
            ),
        ),
        entry(
            2,
            (
                "GET",
                &callback,
                headers(&[("Cookie", &format!("sid={}", d.cookie))]),
                None,
            ),
            (
                200,
                headers(&[]),
                Some((
                    "text/html",
                    format!("<p>signed in</p><!-- {} -->", d.password),
                )),
            ),
        ),
        entry(
            3,
            (
                "POST",
                "https://www.amazon.com/ap/signin",
                headers(&[]),
                Some((FORM, &signin)),
            ),
            (
                200,
                headers(&[]),
                Some(("text/html", "<p>welcome</p>".into())),
            ),
        ),
    ]
}

/// Entries 4–6: the code redeemed with the secret in the form, redeemed again with it in
/// Basic credentials (refused), and the activation with the access token.
fn token_entries(d: &Drawn) -> Vec<Value> {
    use base64::Engine as _;
    let grant = form(&[
        ("grant_type", "authorization_code"),
        ("code", &d.code),
        ("redirect_uri", REDIRECT),
        ("client_id", CLIENT),
        ("client_secret", &d.secret),
    ]);
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT}:{}", pct(&d.secret)));
    let tokens = serde_json::json!({"access_token": d.token, "refresh_token": d.refresh, "token_type": "bearer", "expires_in": 3600}).to_string();
    let activation = serde_json::json!({"stage": "live", "accountLinkRequest": {"redirectUri": "https://skill.example.com/cb", "authCode": d.skill_code, "type": "AUTH_CODE"}}).to_string();
    let again = form(&[
        ("grant_type", "authorization_code"),
        ("code", &d.code),
        ("redirect_uri", REDIRECT),
    ]);
    let activate = "https://api.amazonalexa.com/v1/users/~current/skills/amzn1.ask.skill.12345678-1234-1234-1234-123456789012/enablement";
    vec![
        entry(
            4,
            (
                "POST",
                "https://api.amazon.com/auth/o2/token",
                headers(&[("Content-Type", FORM)]),
                Some((FORM, &grant)),
            ),
            (200, headers(&[]), Some(("application/json", tokens))),
        ),
        entry(
            5,
            (
                "POST",
                "https://api.amazon.com/auth/o2/token",
                headers(&[("Authorization", &format!("Basic {basic}"))]),
                Some((FORM, &again)),
            ),
            (
                400,
                headers(&[]),
                Some(("application/json", r#"{"error":"invalid_grant"}"#.into())),
            ),
        ),
        entry(
            6,
            (
                "POST",
                activate,
                headers(&[
                    ("Authorization", &format!("Bearer {}", d.token)),
                    ("Content-Type", "application/json"),
                ]),
                Some(("application/json", &activation)),
            ),
            (
                201,
                headers(&[]),
                Some(("application/json", r#"{"status":"ENABLED"}"#.into())),
            ),
        ),
    ]
}

/// An LWA flow whose code is redeemed twice (form, then Basic) and whose token is used for
/// the activation, with random secrets in query, form, JSON, header, cookie and HTML spellings.
fn generated(rng: &mut Rng) -> String {
    let drawn = Drawn::draw(rng);
    let mut entries = sign_in_entries(&drawn);
    entries.extend(token_entries(&drawn));
    serde_json::to_string(&serde_json::json!({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": entries}}))
        .expect("json")
}

#[test]
fn generated_captures_with_random_secrets() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut reused = 0;
    const CASES: usize = 32;
    for case in 0..CASES {
        let text = generated(&mut rng);
        let name = format!("generated-{case}.har");
        let original = read(&name, &text);
        let opts = common::default_options();
        if found(original.clone(), &opts)
            .iter()
            .any(|(rule, _, _)| rule == "oauth/code-reused")
        {
            reused += 1;
        }
        let copy = check_properties(&name, &original, &opts);
        assert!(copy.placeholders.len() >= 5, "{name}: {:?}", copy.tallies);
        // A whole cut-off copy of the generated file is sanitized as a cut file too.
        let cut = &text[..text.len() - 40];
        if let Ok(capture) = tokentrail::read::read_bytes(&name, Arc::from(cut.as_bytes())) {
            if !capture.exchanges.is_empty() {
                check_properties(&format!("{name} (cut)"), &capture, &opts);
            }
        }
    }
    assert!(
        reused > CASES / 2,
        "the reuse is seen in {reused} of {CASES} generated captures"
    );
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

/// Every spelling a secret can take in a copy: raw, percent- and form-encoded, JSON-escaped
/// (see `spellings`), and base64 (standard and URL-safe, padded or not).
fn assert_gone(what: &str, secret: &str, copy: &str) {
    use base64::Engine as _;
    let mut all = tokentrail::secret::spellings(secret);
    for engine in [
        &base64::engine::general_purpose::STANDARD,
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ] {
        all.push(engine.encode(secret));
    }
    for spelling in all {
        assert!(
            !copy.contains(&spelling),
            "{what}: the copy still holds the secret"
        );
    }
}

/// The secret the kept-values capture puts at place `n`: one shape, told apart by `n`.
fn kept(n: usize) -> String {
    format!("Qz{n}vKp7Lm2Xw9Rt4Yb8Nc")
}

/// A JWT whose payload holds `kept(7)`, under no secret name.
fn kept_jwt() -> String {
    format!(
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ{}In0.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        kept(7)
    )
}

/// A capture with `kept(n)` in each place `sanitize` used to keep (see the test's list).
fn kept_values_capture() -> String {
    let s = kept;
    let multipart = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\nauthorization_code\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"code\"\r\n\r\n{}\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"client_secret\"\r\n\r\n{}\r\n--XyZ--\r\n",
        s(5),
        s(6)
    );
    let h = |n: &str, v: Value| serde_json::json!({"name": n, "value": v});
    let fragment = format!(
        "https://app.example.com/cb#access_token={}&id_token={}",
        s(9),
        s(10)
    );
    let entries = vec![
        entry(
            1,
            (
                "GET",
                &format!("https://api.example.com/x?sig={}&key={}", s(11), s(12)),
                serde_json::json!([
                    h("X-Session-Token", s(1).into()),
                    h("Private-Token", s(2).into()),
                    h("X-Functions-Key", s(3).into()),
                    h(&s(4), "1".into()),
                    h(
                        "Authorization",
                        serde_json::json!([format!("Bearer {}", s(13))])
                    ),
                ]),
                None,
            ),
            (
                302,
                serde_json::json!([
                    h(
                        "Set-Cookie",
                        format!("a={}; Path=/, b={}; Path=/", s(14), s(15)).into()
                    ),
                    h(
                        "Set-Cookie",
                        serde_json::json!([format!("sid={}; Path=/", s(16))])
                    ),
                    h("Location", fragment.clone().into()),
                ]),
                None,
            ),
        ),
        entry(
            2,
            (
                "POST",
                "https://api.amazon.com/auth/o2/token",
                serde_json::json!([h(
                    "Content-Type",
                    "multipart/form-data; boundary=XyZ".into()
                )]),
                Some(("multipart/form-data; boundary=XyZ", &multipart)),
            ),
            (200, serde_json::json!([]), None),
        ),
        entry(
            3,
            (
                "POST",
                &fragment,
                serde_json::json!([]),
                Some((
                    "application/json",
                    &serde_json::json!({"note": kept_jwt()}).to_string(),
                )),
            ),
            (200, serde_json::json!([]), None),
        ),
    ];
    let mut doc = serde_json::json!({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": entries}});
    // A `headers` list written as one string.
    doc["log"]["entries"][2]["request"]["headers"] =
        format!("Authorization: Bearer {}", s(17)).into();
    serde_json::to_string_pretty(&doc).expect("json")
}

/// What an attacker's list of places showed `sanitize` kept, each with a secret no list knows
/// the name of: every one is gone from the copy, in every spelling.
#[test]
fn the_values_sanitize_used_to_keep_are_gone() {
    use base64::Engine as _;
    let (s, jwt) = (kept, kept_jwt());
    let text = kept_values_capture();
    let original = read("kept.har", &text);
    let copy = sanitize(&original, &placeholders("kept"));
    serde_json::from_str::<Value>(&copy.har).expect("the copy is JSON");
    for (what, n) in [
        ("X-Session-Token", 1),
        ("Private-Token", 2),
        ("X-Functions-Key", 3),
        ("a header name", 4),
        ("multipart code", 5),
        ("multipart client_secret", 6),
        ("a JWT's payload under no secret name", 7),
        ("fragment access_token", 9),
        ("fragment id_token", 10),
        ("sig=", 11),
        ("key=", 12),
        ("a Polly.JS array value", 13),
        ("a Set-Cookie's first cookie", 14),
        ("a Set-Cookie's second cookie", 15),
        ("a Polly.JS Set-Cookie", 16),
        ("a headers string", 17),
    ] {
        assert!(text.contains(&s(n)), "{what}: the test puts it in");
        assert_gone(what, &s(n), &copy.har);
    }
    assert_gone("a JWT", &jwt, &copy.har);
    let b64 = base64::engine::general_purpose::STANDARD.encode(&jwt);
    assert!(!copy.har.contains(&b64));
    // The structure the findings need is still there.
    assert!(copy.har.contains("X-Session-Token") && copy.har.contains("client_secret"));
    assert!(copy.har.contains("#access_token=") && copy.har.contains("sig="));
}

/// A cut HAR's copy is cut after the same entry, so `check` still reports the cut; the raw
/// tail is not copied, and `--report` counts it.
#[test]
fn a_cut_file_keeps_its_cut_and_drops_its_tail() {
    let mut rng = Rng(0x1234_5678_9ABC_DEF1);
    let text = generated(&mut rng);
    // Cut inside the last entry's response: its request (with a secret header) is the tail.
    let at = text.rfind("\"response\"").expect("a response");
    let tail_secret = "Zq8TailSecretVk3Lm9Pw";
    let cut = format!(
        "{}\"response\": {{\"status\": 200, \"headers\": [{{\"name\": \"X-Trace\", \"value\": \"{tail_secret}",
        &text[..at]
    );
    let original = read("cut.har", &cut);
    assert!(original.truncation.is_some());
    let once = sanitize(&original, &placeholders("cut"));
    assert!(once.cut && once.dropped > 40, "{}", once.dropped);
    assert!(!once.har.contains(tail_secret));
    let copy = read("cut.har", &once.har);
    let rules = |c: Capture| -> Vec<String> {
        found(c, &common::default_options())
            .into_iter()
            .map(|(rule, _, _)| rule)
            .collect()
    };
    let got = rules(copy.clone());
    assert!(got.iter().any(|r| r == "capture/truncated"), "{got:?}");
    assert_eq!(got, rules(original));
    assert!(once
        .report()
        .contains(&format!("{} bytes dropped", once.dropped)));

    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("cut.har");
    std::fs::write(&input, &cut).expect("write");
    let o = common::bin()
        .args([
            "sanitize",
            input.to_str().expect("utf-8"),
            "-o",
            "-",
            "--report",
        ])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        regex::Regex::new(r"unreadable +[1-9]\d* bytes dropped")
            .expect("regex")
            .is_match(&err),
        "{err}"
    );
    assert!(!String::from_utf8_lossy(&o.stdout).contains(tail_secret));
}

/// The copy is written as it is made: to an `io::Write`, in pieces of a few hundred KB of
/// entries at most (walked on several threads, written in order), never as one document in
/// memory.
#[test]
fn the_copy_is_written_entry_by_entry() {
    struct Pieces {
        total: usize,
        largest: usize,
        writes: usize,
    }
    impl std::io::Write for Pieces {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.total += buf.len();
            self.largest = self.largest.max(buf.len());
            self.writes += 1;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut rng = Rng(0x0F0F_1234_4321_F0F0);
    let one: Value = serde_json::from_str(&generated(&mut rng)).expect("json");
    let mut entries = Vec::new();
    for _ in 0..400 {
        entries.extend(
            one["log"]["entries"]
                .as_array()
                .expect("entries")
                .iter()
                .cloned(),
        );
    }
    let doc = serde_json::json!({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": entries}});
    let text = serde_json::to_string_pretty(&doc).expect("json");
    assert!(text.len() > 2_000_000);
    let capture = read("many.har", &text);
    let mut out = Pieces {
        total: 0,
        largest: 0,
        writes: 0,
    };
    let done = tokentrail::sanitize::sanitize_to(&capture, &placeholders("pieces"), &mut out)
        .expect("written");
    assert_eq!(done.entries, 2400);
    assert!(out.total > 1_000_000, "{}", out.total);
    assert!(out.largest < 512 * 1024, "a piece of {} bytes", out.largest);
    assert!(out.writes >= 8, "{} writes", out.writes);

    // On one thread or two, the same copy and the same books.
    let on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        pool.install(|| tokentrail::sanitize::sanitize(&capture, &placeholders("pieces")))
    };
    let (one, two) = (on(1), on(2));
    assert!(one.har == two.har, "the copy depends on the threads");
    assert_eq!(one.summary(), two.summary());
    assert_eq!(one.report(), two.report());
    assert_eq!(one.placeholders, two.placeholders);
}

/// A code the analysis identified is replaced wherever it stands, also where the policy
/// alone would show a value like it: a JSON number of five digits, a URL path segment, a
/// name-shaped fragment.
#[test]
fn identified_codes_are_replaced_everywhere() {
    const CODE: &str = "48213";
    let authorize = "https://www.amazon.com/ap/oa?client_id=amzn1.application-oa2-client.0123abcd&response_type=code&scope=profile&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=s1";
    let callback = format!("https://app.example.com/cb?code={CODE}&state=s1");
    let done = format!("https://app.example.com/done/{CODE}#{CODE}");
    let token_form = format!(
        "grant_type=authorization_code&code={CODE}&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&client_id=amzn1.application-oa2-client.0123abcd&client_secret=s3cr3t-value-0123456789abcdef"
    );
    use serde_json::json;
    let entries = vec![
        entry(
            1,
            ("GET", authorize, json!([]), None),
            (302, json!([{"name": "Location", "value": callback}]), None),
        ),
        entry(
            2,
            ("GET", &callback, json!([]), None),
            (
                200,
                json!([{"name": "Content-Type", "value": "application/json"}]),
                Some(("application/json", format!("{{\"received\": {CODE}}}"))),
            ),
        ),
        entry(
            3,
            (
                "POST",
                "https://api.amazon.com/auth/o2/token",
                json!([{"name": "Content-Type", "value": "application/x-www-form-urlencoded"}]),
                Some(("application/x-www-form-urlencoded", &token_form)),
            ),
            (
                400,
                json!([{"name": "Content-Type", "value": "application/json"}]),
                Some((
                    "application/json",
                    r#"{"error": "invalid_grant"}"#.to_string(),
                )),
            ),
        ),
        entry(4, ("GET", &done, json!([]), None), (200, json!([]), None)),
    ];
    let doc = json!({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": entries}});
    let text = serde_json::to_string_pretty(&doc).expect("json");
    let capture = read("short-code.har", &text);

    // The premise: the analysis knows the code, and the policy alone would show it in the
    // JSON body and the path.
    let analysis = tokentrail::flow::analyze(&capture, &Config::default());
    assert!(
        analysis.codes.iter().any(|c| c.value == CODE),
        "the analysis identifies the code"
    );
    let mut mask = tokentrail::secret::policy::Mask;
    assert!(tokentrail::secret::policy::json(r#"{"received": 48213}"#, &mut mask).contains(CODE));
    assert!(tokentrail::secret::policy::url(&done, &mut mask).contains(&format!("/done/{CODE}")));

    let copy = sanitize(&capture, &placeholders("short code"));
    assert!(
        !copy.har.contains(CODE),
        "the identified code stands in the copy:\n{}",
        copy.har
    );
    assert_valid_har("short-code.har", &copy.har);
    assert!(copy
        .tallies
        .contains_key(&tokentrail::secret::SecretKind::Code));
}

/// A sanitized copy keeps the PKCE relation: where the original's verifier hashes to its
/// challenge, the copy's placeholder verifier hashes to the copy's challenge; where it did
/// not (a verifier from another attempt), it does not in the copy either. So a good flow
/// stays quiet and a real mismatch is still found, at the same entry.
#[test]
fn a_sanitized_pkce_flow_keeps_its_verifier_relation() {
    for (rel, fires) in [
        ("fixtures/good/pkce-firefox.har", false),
        (
            "fixtures/oauth/pkce-verifier-mismatch/quiet-okta-s256-chrome.har",
            false,
        ),
        (
            "fixtures/oauth/pkce-verifier-mismatch/fires-entra-other-attempt-chrome.har",
            true,
        ),
        (
            "fixtures/recorded/oauth/pkce-verifier-mismatch/fires-recorded-wrong-verifier.har",
            true,
        ),
    ] {
        let path = common::root().join(rel);
        let original = tokentrail::read::read_path(&path).expect("fixture reads");
        let rule = |c: Capture| {
            found_all(c)
                .into_iter()
                .any(|r| r == "oauth/pkce-verifier-mismatch")
        };
        assert_eq!(rule(original.clone()), fires, "{rel}: the original");
        let once = sanitize(&original, &placeholders("pkce"));
        // The premise: the copy holds neither the verifier nor the challenge.
        let analysis = tokentrail::flow::analyze(&original, &Config::default());
        for step in &analysis.steps {
            if let tokentrail::flow::Detail::TokenRequest(t) = &step.detail {
                if let Some(v) = &t.code_verifier {
                    assert!(!once.har.contains(v.as_str()), "{rel}: a verifier kept");
                }
            }
            if let tokentrail::flow::Detail::Authorize(a) = &step.detail {
                if let Some(c) = &a.code_challenge {
                    assert!(!once.har.contains(c.as_str()), "{rel}: a challenge kept");
                }
            }
        }
        assert_eq!(
            rule(read(rel, &once.har)),
            fires,
            "{rel}: the sanitized copy"
        );
    }
}

/// A copy an older `sanitize` wrote (the mark, without the note that relations are kept)
/// holds a verifier and a challenge that are unrelated placeholders: it is not compared.
#[test]
fn an_older_copy_with_unrelated_pkce_placeholders_raises_no_mismatch() {
    let rel = "fixtures/good/pkce-firefox.har";
    let original = tokentrail::read::read_path(&common::root().join(rel)).expect("reads");
    let once = sanitize(&original, &placeholders("old"));
    let note = tokentrail::secret::placeholder::RELATIONS_KEPT;
    assert!(once.har.contains(note));
    // Break the relation as an older copy had it: another challenge, and no note.
    let analysis = tokentrail::flow::analyze(&read(rel, &once.har), &Config::default());
    let challenge = analysis
        .steps
        .iter()
        .find_map(|s| match &s.detail {
            tokentrail::flow::Detail::Authorize(a) => a.code_challenge.clone(),
            _ => None,
        })
        .expect("a challenge");
    let other: String = challenge
        .chars()
        .map(|c| if c == 'A' { 'B' } else { 'A' })
        .collect();
    let broken = once.har.replace(&challenge, &other);
    let fires = |text: &str| {
        found_all(read(rel, text))
            .iter()
            .any(|r| r == "oauth/pkce-verifier-mismatch")
    };
    assert!(
        fires(&broken),
        "the broken relation is seen in a current copy"
    );
    assert!(
        !fires(&broken.replace(note, "")),
        "but not in an older copy"
    );
}

fn found_all(capture: Capture) -> Vec<String> {
    check_capture(capture, &common::default_options())
        .findings
        .into_iter()
        .map(|f| f.rule)
        .collect()
}

/// The OpenID Connect rules read an id_token's claims; the copy's id_token is a JWT that keeps
/// the public ones (`iss`, `aud`, `azp`, `exp`, `iat`, `alg`) and stands every other value by
/// its placeholder (a nonce by the authorize request's, `at_hash` and `c_hash` by the hash of
/// the copy's token and code), so each finding is found in the copy at the same entry, and no
/// person's claim (`sub`, `email`, `name`) is left in it.
#[test]
fn id_token_claim_findings_survive_sanitize() {
    use base64::Engine as _;
    for (rel, rule) in [
        (
            "fixtures/oidc/nonce-mismatch/fires-okta-replayed-chrome.har",
            "oidc/nonce-mismatch",
        ),
        (
            "fixtures/oidc/id-token-issuer/fires-okta-org-vs-default-chrome.har",
            "oidc/id-token-issuer",
        ),
        (
            "fixtures/oidc/id-token-expired/fires-google-clock-ahead-chrome.har",
            "oidc/id-token-expired",
        ),
        (
            "fixtures/oidc/id-token-audience/fires-keycloak-azp-firefox.har",
            "oidc/id-token-audience",
        ),
        (
            "fixtures/oidc/id-token-unsigned/fires-front-channel-chrome.har",
            "oidc/id-token-unsigned",
        ),
        (
            "fixtures/oidc/hash-mismatch/fires-okta-at-hash-chrome.har",
            "oidc/hash-mismatch",
        ),
        (
            "fixtures/oidc/hash-mismatch/fires-entra-c-hash-firefox.har",
            "oidc/hash-mismatch",
        ),
    ] {
        let path = common::root().join(rel);
        let original = tokentrail::read::read_path(&path).expect("fixture reads");
        let at = |c: Capture| -> Vec<Option<usize>> {
            check_capture(c, &common::options_for(&path))
                .findings
                .into_iter()
                .filter(|f| f.rule == rule)
                .map(|f| f.entry)
                .collect()
        };
        let before = at(original.clone());
        assert!(!before.is_empty(), "{rel}: the original fires {rule}");
        let once = sanitize(&original, &placeholders("claims"));
        assert_eq!(
            at(read(rel, &once.har)),
            before,
            "{rel}: {rule} in the copy"
        );
        // The original's private claims are in none of the copy's id_tokens.
        let analysis = tokentrail::flow::analyze(&original, &Config::default());
        for t in analysis
            .tokens
            .iter()
            .filter(|t| t.kind == tokentrail::flow::TokenKind::Id)
        {
            let Some(jwt) = tokentrail::flow::jwt::decode(&t.value) else {
                continue;
            };
            for name in ["sub", "email", "name", "nonce", "preferred_username"] {
                if let Some(v) = jwt.claim_str(name) {
                    assert!(!once.har.contains(v), "{rel}: {name} kept");
                    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
                    assert!(!once.har.contains(&b64), "{rel}: {name} kept in base64");
                }
            }
            assert!(!once.har.contains(&t.value), "{rel}: the id_token kept");
        }
    }
}

/// oidc-provider scopes its `_interaction` cookie to `path=/interaction/<uid>`, the uid being
/// the cookie's value and a URL path segment: the copy holds it nowhere, and the
/// `Set-Cookie`'s path stands as the copy's URL path does.
#[test]
fn an_interaction_uid_in_a_cookie_path_is_gone_from_the_copy() {
    let rel = "fixtures/recorded/oauth/refresh-token-reused/quiet-recorded-good.har";
    let original = tokentrail::read::read_path(&common::root().join(rel)).expect("reads");
    let text = String::from_utf8_lossy(&original.source).into_owned();
    let uid_path = regex::Regex::new(r"path=/interaction/([A-Za-z0-9_-]{30,})").expect("regex");
    let uids: BTreeSet<String> = uid_path
        .captures_iter(&text)
        .map(|c| c[1].to_string())
        .collect();
    assert!(!uids.is_empty(), "the recording scopes a cookie to its uid");
    let copy = sanitize(&original, &placeholders("uid"));
    for uid in &uids {
        assert!(
            text.contains(&format!("_interaction={uid}")),
            "the uid is the cookie's value"
        );
        assert!(
            !copy.har.contains(uid.as_str()),
            "the uid stands in the copy"
        );
    }
    let kept: Vec<String> = uid_path
        .captures_iter(&copy.har)
        .map(|c| c[1].to_string())
        .collect();
    assert!(!kept.is_empty(), "the copy's cookies keep a path");
    for p in &kept {
        assert!(
            copy.har.contains(&format!("/interaction/{p}\""))
                || copy.har.contains(&format!("/interaction/{p}/")),
            "the cookie's path is the copy's URL path"
        );
    }
}

/// `alexa/secret-wrong-profile` compares a secret's SHA-256 with the config's fingerprints.
/// A copy made with the config records, in its mark, the SHA-256 of each placeholder secret
/// whose original matched and the profile's name (nothing else: neither the fingerprint nor
/// the secret's hash), so the copy finds the same; one made without it cannot.
#[test]
fn a_copy_made_with_the_config_keeps_the_secret_profile() {
    for rel in [
        "fixtures/alexa/secret-wrong-profile/fires-skill-secret-basic-firefox.har",
        "fixtures/alexa/secret-wrong-profile/fires-skill-secret-form-chrome.har",
    ] {
        let path = common::root().join(rel);
        let original = tokentrail::read::read_path(&path).expect("fixture reads");
        let opts = common::options_for(&path);
        let at = |c: Capture| -> Vec<Option<usize>> {
            check_capture(c, &opts)
                .findings
                .into_iter()
                .filter(|f| f.rule == "alexa/secret-wrong-profile")
                .map(|f| f.entry)
                .collect()
        };
        let before = at(original.clone());
        assert!(!before.is_empty(), "{rel}: the original fires");

        // Without the config, the copy has nothing to say which profile a placeholder is.
        let blind = sanitize(&original, &placeholders("profile"));
        assert!(!blind.har.contains("secret_profiles"), "{rel}");
        assert!(at(read(rel, &blind.har)).is_empty(), "{rel}: a blind copy");

        let once = sanitize_with(&original, &placeholders("profile"), &opts.config);
        assert_eq!(at(read(rel, &once.har)), before, "{rel}: the copy");
        let doc: Value = serde_json::from_str(&once.har).expect("json");
        let recorded = doc["log"][MARK]["secret_profiles"]
            .as_array()
            .expect("recorded")
            .clone();
        assert_eq!(recorded.len(), 1, "{rel}: {recorded:?}");
        assert_eq!(recorded[0]["profile"], "skill");
        // Nothing of the secret: neither its hash nor the config's fingerprints.
        let analysis = tokentrail::flow::analyze(&original, &Config::default());
        let sent = analysis
            .steps
            .iter()
            .find_map(|s| match &s.detail {
                tokentrail::flow::Detail::TokenRequest(t) => t.secret_sha256.clone(),
                _ => None,
            })
            .expect("a secret sent");
        for fp in opts
            .config
            .alexa
            .client_secret_sha256
            .iter()
            .chain(&opts.config.skill.client_secret_sha256)
        {
            assert!(!once.har.contains(fp.as_str()), "{rel}: a fingerprint");
        }
        assert!(!once.har.contains(&sent[..16]), "{rel}: the secret's hash");
        // The record names the profile of the copy's secret only: another one does not fire.
        let other = recorded[0]["sha256"]
            .as_str()
            .expect("sha")
            .replace(|c: char| c != '0', "0");
        let edited = once
            .har
            .replace(recorded[0]["sha256"].as_str().expect("sha"), &other);
        assert!(at(read(rel, &edited)).is_empty(), "{rel}: an edited record");
    }
}

/// An ordinary capture is never taken for a copy: the record is read only from the mark of
/// the HAR's `log`, not from an entry (a capture of someone uploading a copy).
#[test]
fn a_secret_profile_record_inside_an_entry_is_not_read() {
    let rel = "fixtures/alexa/secret-wrong-profile/fires-skill-secret-form-chrome.har";
    let path = common::root().join(rel);
    let original = tokentrail::read::read_path(&path).expect("fixture reads");
    // The fixture's config without its fingerprints: only a record could name the profile.
    let text =
        std::fs::read_to_string(common::config_for(&path).expect("a config")).expect("reads");
    let without: String = text
        .lines()
        .filter(|l| !l.starts_with("client_secret_sha256"))
        .map(|l| format!("{l}\n"))
        .collect();
    let opts = Options {
        config: Config::parse("test.toml", &without).expect("config"),
        rules: common::builtin_rules(),
    };
    let analysis = tokentrail::flow::analyze(&original, &Config::default());
    let sha = analysis
        .steps
        .iter()
        .find_map(|s| match &s.detail {
            tokentrail::flow::Detail::TokenRequest(t) => t.secret_sha256.clone(),
            _ => None,
        })
        .expect("a secret sent");
    let record = serde_json::json!({"secret_profiles": [{"sha256": sha, "profile": "skill"}]});
    let fires = |doc: &Value| {
        let text = serde_json::to_string_pretty(doc).expect("json");
        check_capture(read(rel, &text), &opts)
            .findings
            .iter()
            .any(|f| f.rule == "alexa/secret-wrong-profile")
    };
    let mut doc: Value = serde_json::from_slice(&original.source).expect("json");
    assert!(
        !fires(&doc),
        "the premise: without fingerprints it is silent"
    );
    let mut in_entry = doc.clone();
    for e in in_entry["log"]["entries"].as_array_mut().expect("entries") {
        e[MARK] = record.clone();
    }
    assert!(!fires(&in_entry), "a record inside entries is not read");
    // Positive control: the same record in the log's mark is.
    doc["log"][MARK] = record;
    assert!(fires(&doc), "a record in the log's mark is read");
}

/// A response body outside any OAuth flow is removed; where it went over the body-size limit
/// of the config, the copy keeps its size (and nothing of it), so `capture/limit` stays.
#[test]
fn an_oversized_removed_body_keeps_its_size() {
    let rel = "fixtures/capture/limit/fires-script-body-size-firefox.har";
    let path = common::root().join(rel);
    let original = tokentrail::read::read_path(&path).expect("fixture reads");
    let opts = common::options_for(&path);
    let once = sanitize_with(&original, &placeholders("size"), &opts.config);
    assert!(
        !once.har.contains("APP_STEPS"),
        "nothing of the body is kept"
    );
    let copy = read(rel, &once.har);
    let size = |c: &Capture| {
        c.exchanges
            .iter()
            .map(|e| {
                e.response
                    .as_ref()
                    .and_then(|r| r.body.as_ref())
                    .map_or(0, |b| b.text.len())
            })
            .collect::<Vec<_>>()
    };
    let (a, b) = (size(&original), size(&copy));
    let big = a.iter().position(|&n| n > 4096).expect("an oversized body");
    assert_eq!(b[big], a[big], "its size is kept");
    let limit = |c: Capture| -> Vec<Option<usize>> {
        check_capture(c, &opts)
            .findings
            .into_iter()
            .filter(|f| f.rule == "capture/limit")
            .map(|f| f.entry)
            .collect()
    };
    assert_eq!(limit(copy), vec![Some(big + 1)]);
    assert_eq!(limit(original.clone()), vec![Some(big + 1)]);
    // Made without the config (default limits, 16 MiB), the body is simply removed.
    let blind = sanitize(&original, &placeholders("size"));
    assert!(size(&read(rel, &blind.har))[big] == 0);

    // The command line reads the config as `check` does, and so does the skim.
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("copy.har");
    let config = common::config_for(&path).expect("config");
    for (input, rule) in [
        (rel, "capture/limit"),
        (
            "fixtures/alexa/secret-wrong-profile/fires-skill-secret-basic-firefox.har",
            "alexa/secret-wrong-profile",
        ),
    ] {
        let config = common::config_for(&common::root().join(input)).unwrap_or(config.clone());
        let args = |cmd: &[&str]| {
            let mut v: Vec<String> = cmd.iter().map(|s| s.to_string()).collect();
            v.push("--config".into());
            v.push(config.to_str().expect("utf-8").into());
            v
        };
        let o = common::tokentrail(&args(&[
            "sanitize",
            input,
            "-o",
            out.to_str().expect("utf-8"),
        ]));
        assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
        let o = common::tokentrail(&args(&[
            "check",
            "--format",
            "json",
            out.to_str().expect("utf-8"),
        ]));
        assert!(
            common::stdout(&o).contains(&format!("\"{rule}\"")),
            "{input}: {}",
            common::stdout(&o)
        );
    }
}

/// A HAR whose text around the entries does not parse is written as a new HAR built from its
/// entries; a list of cookies without the header that carried it (`capture/credentials-
/// stripped`) is kept there too, as many items as were listed.
#[test]
fn a_rebuilt_copy_keeps_cookies_listed_without_their_header() {
    for rel in [
        "fixtures/capture/credentials-stripped/fires-cookies-listed-firefox.har",
        "fixtures/capture/credentials-stripped/fires-chrome-sanitized.har",
        "fixtures/good/chrome-sanitized.har",
        "fixtures/alexa/token-wrong-profile/quiet-sanitized.har",
    ] {
        let path = common::root().join(rel);
        let text = std::fs::read_to_string(&path).expect("reads");
        // Text after the document: the reader skips it, the copy's frame cannot parse it.
        let original = read(rel, &format!("{text}\nnot json\n"));
        let opts = common::options_for(&path);
        let before = found(original.clone(), &opts);
        assert!(
            before
                .iter()
                .any(|(r, _, _)| r == "capture/credentials-stripped"),
            "{rel}: {before:?}"
        );
        let once = sanitize_with(&original, &placeholders("rebuilt"), &opts.config);
        assert!(
            once.notes.iter().any(|n| n.contains("writing a new HAR")),
            "{rel}: {:?}",
            once.notes
        );
        assert_eq!(found(read(rel, &once.har), &opts), before, "{rel}");
    }
}
