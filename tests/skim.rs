//! Speed never changes an answer: the fast way `tokentrail check` reads a file (mapped and
//! skimmed: `check::check_input`) must give exactly the report of the full
//! read (`read::read_path` + `check::check_capture`), over every fixture (walked, so new ones
//! are covered), the real exports, every fixture cut short, and captures that hide OAuth values
//! behind JSON and percent escapes.

use crate::common;

use std::path::Path;

use tokentrail::check::{check_capture, check_input, Input};
use tokentrail::report::{html, human, json, FileReport, Report};

/// Everything a person or a program sees of one report: the JSON output, and the human and
/// HTML outputs (when asked for).
fn seen(file: FileReport, with_human: bool) -> (String, String) {
    let report = Report {
        files: vec![file],
        ..Default::default()
    };
    if !with_human {
        return (json::render(&report), String::new());
    }
    let human = human::render(
        &report,
        &human::HumanOptions {
            color: false,
            unicode: false,
            width: 100,
        },
    );
    // The page lists every entry (method, URL, status), skimmed ones too.
    let page = html::render(&report);
    (json::render(&report), human + &page)
}

/// Every output of a fast read (JSON, human, the HTML page that lists every entry): masking
/// follows the secrets policy wherever something is shown, skimmed entries or not.
fn shown(path: &Path, config_of: &Path) -> String {
    let fast = check_input(
        &Input::Path(path.to_path_buf()),
        &common::options_for(config_of),
    );
    let (json, rest) = seen(fast, true);
    json + &rest
}

/// Checks `path` both ways (with the config of `config_of`) and compares; returns the number
/// of findings, so callers can see that the case had work in it.
fn same_both_ways(path: &Path, config_of: &Path) -> usize {
    compare(path, config_of, true)
}

/// [`same_both_ways`], comparing the JSON output only.
fn same_json_both_ways(path: &Path, config_of: &Path) -> usize {
    compare(path, config_of, false)
}

/// The entries at which `rule` found something.
fn entries_found(file: &FileReport, rule: &str) -> Vec<usize> {
    file.findings
        .iter()
        .filter(|f| f.rule == rule)
        .filter_map(|f| f.entry)
        .collect()
}

/// How many entries of a fast read were kept as stubs (a stub has no method).
fn skimmed(file: &FileReport) -> usize {
    file.capture
        .as_ref()
        .expect("capture")
        .exchanges
        .iter()
        .filter(|e| e.request.method.is_empty())
        .count()
}

/// Writes a pretty-printed HAR of `entries`, checks that both ways read it alike (with the
/// config of `config_of`), and returns the fast way's report.
fn fast_read_of(entries: Vec<serde_json::Value>, config_of: &Path) -> FileReport {
    fast_read_showing(entries, config_of).0
}

/// [`fast_read_of`], with everything its outputs show ([`shown`]).
fn fast_read_showing(entries: Vec<serde_json::Value>, config_of: &Path) -> (FileReport, String) {
    let har = serde_json::json!({"log": {"version": "1.2", "entries": entries}});
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("capture.har");
    std::fs::write(&path, serde_json::to_string_pretty(&har).expect("text")).expect("write");
    same_json_both_ways(&path, config_of);
    let shown = shown(&path, config_of);
    (
        check_input(&Input::Path(path), &common::options_for(config_of)),
        shown,
    )
}

fn compare(path: &Path, config_of: &Path, with_human: bool) -> usize {
    let opts = common::options_for(config_of);
    let full = match tokentrail::read::read_path(path) {
        Ok(capture) => check_capture(capture, &opts),
        Err(e) => FileReport::unreadable(path.display().to_string(), e.to_string()),
    };
    let findings = full.findings.len();
    let fast = check_input(&Input::Path(path.to_path_buf()), &opts);
    let (full, fast) = (seen(full, with_human), seen(fast, with_human));
    assert_eq!(fast.0, full.0, "{}: JSON output differs", path.display());
    assert!(
        fast.1 == full.1,
        "{}: human or HTML output differs",
        path.display()
    );
    findings
}

#[test]
fn every_fixture_reads_the_same_both_ways() {
    let fixtures = common::fixtures();
    assert!(fixtures.len() > 20, "fixtures found: {}", fixtures.len());
    let findings: usize = fixtures.iter().map(|f| same_both_ways(f, f)).sum();
    assert!(findings > 20, "the fixtures gave only {findings} findings");
}

#[test]
fn real_exports_read_the_same_both_ways() {
    let dir = common::root().join("../shared/captures/real");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipped: {} is absent", dir.display());
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "har") {
            same_both_ways(&path, &path);
        }
    }
}

#[test]
fn cut_fixtures_read_the_same_both_ways() {
    let dir = tempfile::tempdir().expect("temp dir");
    for fixture in common::fixtures().iter().step_by(3) {
        let bytes = std::fs::read(fixture).expect("fixture");
        for cut in [bytes.len() / 3, bytes.len() / 2, bytes.len() - 2] {
            let path = dir.path().join("cut.har");
            std::fs::write(&path, &bytes[..cut]).expect("write");
            same_json_both_ways(&path, fixture);
        }
    }
}

/// Rewrites of a capture's raw text that keep its meaning but hide the words the skim looks
/// for: JSON escapes at the HAR level (`\/`, `\u0026`, `\u003d`, a letter as `\u0063`), JSON
/// escapes inside a JSON body (`\\u0043`), and percent escapes in URLs and forms.
const DISGUISES: &[(&str, &[(&str, &str)])] = &[
    (
        "slashes-amp-equals",
        &[("/", "\\/"), ("&", "\\u0026"), ("=", "\\u003d")],
    ),
    (
        "escaped-letters",
        &[
            ("code", "\\u0063ode"),
            ("client_id", "client\\u005fid"),
            ("grant_type", "gr\\u0061nt_type"),
            ("token", "t\\u006fken"),
            ("Authorization", "\\u0041uthorization"),
            ("authorization", "\\u0061uthorization"),
        ],
    ),
    (
        "escaped-in-body",
        &[
            ("\\\"authCode\\\"", "\\\"auth\\\\u0043ode\\\""),
            ("\\\"access_token\\\"", "\\\"access\\\\u005ftoken\\\""),
            ("\\\"refresh_token\\\"", "\\\"refresh\\\\u005Ftoken\\\""),
        ],
    ),
    (
        "percent-letters",
        &[
            ("?code=", "?%63ode="),
            ("&code=", "&%63ode="),
            ("client_id=", "client%5Fid="),
            ("grant_type=", "grant%5Ftype="),
        ],
    ),
];

#[test]
fn disguised_captures_read_the_same_both_ways() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut findings = 0;
    let mut changed = 0;
    for fixture in common::fixtures() {
        let text = std::fs::read_to_string(&fixture).expect("fixture text");
        for (name, replacements) in DISGUISES {
            let mut disguised = text.clone();
            for (from, to) in *replacements {
                disguised = disguised.replace(from, to);
            }
            if disguised == text {
                continue;
            }
            changed += 1;
            let path = dir.path().join(format!("{name}.har"));
            std::fs::write(&path, &disguised).expect("write");
            findings += same_json_both_ways(&path, &fixture);
        }
    }
    assert!(changed > 40, "only {changed} disguised captures");
    assert!(
        findings > 20,
        "the disguised captures gave only {findings} findings"
    );
}

/// A capture of plain traffic around one flow: most entries are skimmed, and the report is
/// still that of the full read (the flow, its findings, the masked cookies).
#[test]
fn a_long_plain_capture_reads_the_same_both_ways() {
    let sample = common::root().join("fixtures/samples/wrong-profile.har");
    let text = std::fs::read_to_string(&sample).expect("sample");
    let value: serde_json::Value = serde_json::from_str(&text).expect("json");
    let flow = value["log"]["entries"].as_array().expect("entries").clone();
    let mut entries = Vec::new();
    for i in 0..300 {
        let cookie = format!("sid=session-{:04}-abcdef; theme=dark", i % 7);
        entries.push(serde_json::json!({
            "startedDateTime": format!("2024-03-14T11:{:02}:{:02}.000Z", 40 + i / 60, i % 60),
            "request": {"method": if i % 5 == 0 { "POST" } else { "GET" },
                "url": format!("https://shop.example/api/items/{i}?page={i}"),
                "headers": [{"name": "accept", "value": "*/*"}, {"name": "Cookie", "value": cookie}],
                "cookies": [{"name": "sid", "value": "x"}],
                "postData": {"mimeType": "application/x-www-form-urlencoded", "text": format!("q=lamp+{i}&sort=price")}},
            "response": {"status": 200,
                "headers": [{"name": "content-type", "value": "application/json"},
                            {"name": "set-cookie", "value": format!("seen=visit-{i:05}; Path=/")}],
                "cookies": [{"name": "seen", "value": "x"}],
                "content": {"size": 20, "mimeType": "application/json", "text": format!("{{\"items\":[{i}]}}")},
                "redirectURL": "", "_error": null},
        }));
        if i == 150 {
            entries.extend(flow.iter().cloned());
        }
    }
    let har = serde_json::json!({"log": {"version": "1.2", "entries": entries}});
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("long.har");
    std::fs::write(&path, serde_json::to_string_pretty(&har).expect("text")).expect("write");
    assert!(same_both_ways(&path, &sample) >= 1);
    let opts = common::options_for(&sample);
    let fast = check_input(&Input::Path(path.clone()), &opts);
    let shown = shown(&path, &sample);
    assert!(
        !shown.contains("visit-00299") && !shown.contains("session-0003-abcdef"),
        "a skimmed cookie is never shown"
    );
    let skimmed = skimmed(&fast);
    assert!(skimmed >= 290, "only {skimmed} entries were skimmed");
}

/// An entry nested past serde_json's depth limit: the full reader reads it as empty and
/// reports a `json-depth` limit; the skim reads it in full too, between stubs.
#[test]
fn a_too_deep_entry_reads_the_same_both_ways() {
    let sample = common::root().join("fixtures/samples/wrong-profile.har");
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let plain = r#"{"startedDateTime":"2024-03-14T11:40:00.000Z","request":{"method":"GET","url":"https://a.example/"}}"#;
    let har = format!(r#"{{"log":{{"entries":[{plain},{{"request":{deep}}},{plain}]}}}}"#);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("deep.har");
    std::fs::write(&path, har).expect("write");
    same_both_ways(&path, &sample);
    let fast = check_input(&Input::Path(path.clone()), &common::options_for(&sample));
    let rules: Vec<&str> = fast.findings.iter().map(|f| f.rule.as_str()).collect();
    assert!(rules.contains(&"capture/limit"), "{rules:?}");
}

/// Entry `i` of a capture of plain traffic: no needle, nothing to read in full.
fn plain_entry(i: usize) -> serde_json::Value {
    serde_json::json!({
        "startedDateTime": format!("2024-03-14T11:40:{:02}.000Z", i % 60),
        "request": {"method": "GET", "url": format!("https://shop.example/items/{i}"),
            "headers": [{"name": "accept", "value": "*/*"}]},
        "response": {"status": 200, "headers": [], "content": {"size": 2, "text": "{}"},
            "redirectURL": "", "_error": null},
    })
}

/// Names and values the needle search finds only in some spellings (`pwd` as a whole name,
/// `Atza|`/`Atzr|` tokens, percent-encoded or not), and names no other needle holds
/// (`passphrase`, Azure's `Ocp-Apim-Subscription-Key`): every entry that carries one is read
/// in full, so its secret is masked exactly as the full read masks it.
#[test]
fn secrets_behind_short_names_read_the_same_both_ways() {
    let sample = common::root().join("fixtures/samples/wrong-profile.har");
    let with = |i: usize, url: &str, post: serde_json::Value, body: &str| {
        let mut e = plain_entry(i);
        e["request"]["url"] = url.into();
        e["request"]["postData"] = post;
        e["response"]["content"]["text"] = body.into();
        e
    };
    let none = serde_json::Value::Null;
    let special = [
        with(
            100,
            "https://a.example/login?user=a&PWD=hunter2-query",
            none.clone(),
            "{}",
        ),
        with(101, "https://a.example/login?pwd", none.clone(), "{}"),
        with(
            102,
            "https://a.example/login",
            serde_json::json!({"mimeType": "application/x-www-form-urlencoded", "text": "user=a&Pwd=hunter2-form"}),
            "{}",
        ),
        with(
            103,
            "https://a.example/login",
            serde_json::json!({"mimeType": "application/json", "text": r#"{"user":"a","pwd":"hunter2-json"}"#}),
            "{}",
        ),
        with(
            104,
            "https://a.example/login",
            serde_json::json!({"mimeType": "application/x-www-form-urlencoded",
                "params": [{"name": "pwd", "value": "hunter2-param"}]}),
            "{}",
        ),
        with(
            105,
            "https://a.example/x",
            none.clone(),
            "seen=Atzr|IwEBIrefresh0123456789",
        ),
        with(
            106,
            "https://a.example/x?t=Atza%7CIwEBIaccess0123456789",
            none.clone(),
            "{}",
        ),
        with(
            107,
            "https://a.example/unlock",
            serde_json::json!({"mimeType": "application/x-www-form-urlencoded", "text": "user=a&passphrase=hunter2-phrase"}),
            "{}",
        ),
        {
            let mut e = plain_entry(108);
            e["request"]["headers"] = serde_json::json!([
                {"name": "Ocp-Apim-Subscription-Key", "value": "hunter2-azure-key"}
            ]);
            e
        },
    ];
    let mut entries: Vec<serde_json::Value> = (0..100).map(plain_entry).collect();
    entries.extend(special);
    entries.extend((109..150).map(plain_entry));
    let (fast, shown) = fast_read_showing(entries, &sample);
    assert!(
        shown.contains("https://a.example/login"),
        "the page lists the entries"
    );
    for secret in [
        "hunter2-query",
        "hunter2-form",
        "hunter2-json",
        "hunter2-param",
        "Atzr|IwEBIrefresh0123456789",
        "Atza|IwEBIaccess0123456789",
        "hunter2-phrase",
        "hunter2-azure-key",
    ] {
        assert!(!shown.contains(secret), "{secret} is not masked");
    }
    assert_eq!(
        skimmed(&fast),
        141,
        "every plain entry is skimmed, no other"
    );
}

/// Values secret by their shape alone (a JWT, an LWA code), wherever an entry holds them: a
/// body, a query, written plainly or behind escapes. Every such entry is read in full, so its
/// secrets are masked as the full read masks them.
#[test]
fn secret_shapes_in_plain_entries_read_the_same_both_ways() {
    let sample = common::root().join("fixtures/samples/wrong-profile.har");
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXZhbHVl";
    let plain = |i: usize, url: String, body: String| {
        serde_json::json!({
            "startedDateTime": format!("2024-03-14T11:40:{:02}.000Z", i % 60),
            "request": {"method": "GET", "url": url, "headers": [{"name": "accept", "value": "*/*"}]},
            "response": {"status": 200, "headers": [], "content": {"size": 2, "text": body},
                "redirectURL": "", "_error": null},
        })
    };
    let mut entries: Vec<serde_json::Value> = (0..40)
        .map(|i| plain(i, format!("https://shop.example/items/{i}"), "{}".into()))
        .collect();
    let carriers = [
        (
            "https://a.example/me".to_string(),
            format!(r#"{{"user":"x","session":"{jwt}"}}"#),
        ),
        (
            format!("https://a.example/next?t={}", jwt.replace('.', "%2E")),
            "{}".to_string(),
        ),
        (
            "https://a.example/me".to_string(),
            format!(r#"{{"session":"{}"}}"#, jwt.replace('.', "\\u002e")),
        ),
        (
            "https://a.example/seen".to_string(),
            "note=ANbcdefghijklmnopqrs&x=1".to_string(),
        ),
        (
            "https://a.example/seen".to_string(),
            "line one\nANzyxwvutsrqponmlkji".to_string(),
        ),
    ];
    for (i, (url, body)) in carriers.into_iter().enumerate() {
        entries.push(plain(100 + i, url, body));
    }
    let (fast, shown) = fast_read_showing(entries, &sample);
    assert!(
        shown.contains("https://a.example/next"),
        "the page lists the entries"
    );
    for secret in [jwt, "ANbcdefghijklmnopqrs", "ANzyxwvutsrqponmlkji"] {
        assert!(!shown.contains(secret), "{secret} is not masked");
    }
    assert_eq!(skimmed(&fast), 40, "every plain entry is skimmed, no other");
}

/// A limit the full read hits on an entry no needle is in (a body or headers past the limits
/// of the capture's config) is reported alike: such an entry is read in full.
#[test]
fn limits_hit_in_plain_entries_read_the_same_both_ways() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("capture.tokentrail.toml");
    std::fs::write(
        &config,
        "[limits]\nmax_body_size = \"4KiB\"\nmax_headers = 3\nmax_header_size = \"1KiB\"\n",
    )
    .expect("write config");
    let config_of = dir.path().join("capture.har");
    let mut big_body = plain_entry(10);
    big_body["response"]["content"]["text"] = "x".repeat(5000).into();
    let mut many_headers = plain_entry(11);
    many_headers["request"]["headers"] = (0..4)
        .map(|h| serde_json::json!({"name": format!("x-h{h}"), "value": "v"}))
        .collect();
    let mut long_headers = plain_entry(12);
    long_headers["response"]["headers"] =
        serde_json::json!([{"name": "x-long", "value": "v".repeat(1500)}]);
    let mut entries: Vec<serde_json::Value> = (0..10).map(plain_entry).collect();
    entries.extend([big_body, many_headers, long_headers]);
    entries.extend((13..20).map(plain_entry));
    let fast = fast_read_of(entries, &config_of);
    let hits: Vec<_> = fast
        .findings
        .iter()
        .filter(|f| f.rule == "capture/limit")
        .collect();
    assert_eq!(hits.len(), 1, "one finding lists the limits hit");
    for entry in ["#11", "#12", "#13"] {
        assert!(
            hits[0].message.contains(entry),
            "{entry}: {}",
            hits[0].message
        );
    }
    assert_eq!(skimmed(&fast), 17, "every plain entry is skimmed, no other");
}

/// Cookies are no reason to read an entry in full: a logged-in browser sends its jar with every
/// request, and a jar holds needle words (`csrftoken`, a value with `code` in it). Entries
/// whose only needles are in their `Cookie` and `Set-Cookie` headers or their `cookies` lists
/// are skimmed, read the same both ways, and their cookies are never shown.
#[test]
fn needles_inside_cookies_keep_an_entry_skimmed() {
    let sample = common::root().join("fixtures/samples/wrong-profile.har");
    let jar = "csrftoken=tok-secret-0001; sid=authorization_code-in-a-cookie";
    let entries: Vec<serde_json::Value> = (0..60)
        .map(|i| {
            let mut e = plain_entry(i);
            e["request"]["headers"] = serde_json::json!([
                {"name": "accept", "value": "*/*"},
                {"name": "Cookie", "value": jar},
            ]);
            e["request"]["cookies"] = serde_json::json!([
                {"name": "csrftoken", "value": "tok-secret-0001"},
                {"name": "sid", "value": "authorization_code-in-a-cookie"},
            ]);
            e["response"]["headers"] = serde_json::json!([
                {"name": "Set-Cookie", "value": format!("csrftoken=tok-secret-{i:04}; Path=/")},
            ]);
            e["response"]["cookies"] = serde_json::json!([
                {"name": "csrftoken", "value": format!("tok-secret-{i:04}")},
            ]);
            e
        })
        .collect();
    let (fast, shown) = fast_read_showing(entries, &sample);
    assert_eq!(skimmed(&fast), 60, "every entry is skimmed");
    assert!(!shown.contains("tok-secret-"), "a cookie is never shown");
    assert!(!shown.contains("authorization_code-in-a-cookie"));
}

/// Cookies listed without the header that carries them (an exporter that writes only the
/// `cookies` lists) are what reconstruction notes as stripped credentials: the skim keeps the
/// count in a stub instead of reading the entry in full, and the finding is the full read's,
/// naming the entry's method and URL.
#[test]
fn cookies_listed_without_their_header_read_the_same_both_ways() {
    let sample = common::root().join("fixtures/samples/wrong-profile.har");
    let mut entries: Vec<serde_json::Value> = (0..50).map(plain_entry).collect();
    for (i, e) in entries.iter_mut().enumerate().skip(10) {
        e["request"]["cookies"] = serde_json::json!([{"name": "sid", "value": "abcdef123456"}]);
        if i % 2 == 0 {
            e["response"]["cookies"] =
                serde_json::json!([{"name": "sid", "value": format!("rotated-{i:04}")}]);
        }
    }
    // Answers whose cookies are listed without `Set-Cookie`, before any request's.
    for e in entries.iter_mut().take(10).skip(5) {
        e["response"]["cookies"] = serde_json::json!([{"name": "seen", "value": "1"}]);
    }
    let (fast, shown) = fast_read_showing(entries, &sample);
    let stripped: Vec<_> = fast
        .findings
        .iter()
        .filter(|f| f.rule == "capture/credentials-stripped")
        .collect();
    assert_eq!(stripped.len(), 1, "{:?}", fast.findings);
    assert_eq!(
        stripped[0].entry,
        Some(6),
        "the first entry that lists cookies"
    );
    assert_eq!(stripped[0].method.as_deref(), Some("GET"));
    assert!(shown.contains("Set-Cookie header is missing"), "{shown}");
    // All but the entry the finding names (read again for it) stay stubs.
    assert_eq!(skimmed(&fast), 49);
}

/// A `response_mode=form_post` answer that carries only `error` (the user cancelled consent):
/// the server's auto-posting page, and the browser's POST of it as form text or as parameters
/// only. None holds a code or a token, so only an `error` needle makes the fast read classify
/// them; skimmed past, the flow would lose its answer on large captures alone.
#[test]
fn a_form_post_error_answer_reads_the_same_both_ways() {
    let sample = common::root().join("fixtures/good/oidc-entra-firefox.har");
    let text = std::fs::read_to_string(&sample).expect("sample");
    let value: serde_json::Value = serde_json::from_str(&text).expect("json");
    let flow = value["log"]["entries"].as_array().expect("entries");
    let (state, fields) = (
        "O2mC4Xh1bG",
        "error=access_denied&error_description=AADSTS65004%3A+User+declined+to+consent",
    );
    let page = format!(
        "<html><body><form method=\"POST\" name=\"hiddenform\" action=\"https://app.example.com/signin-oidc\">\
         <input type=\"hidden\" name=\"error\" value=\"access_denied\" />\
         <input type=\"hidden\" name=\"error_description\" value=\"AADSTS65004: User declined to consent\" />\
         <input type=\"hidden\" name=\"state\" value=\"{state}\" /></form></body></html>"
    );
    let as_text = serde_json::json!({"mimeType": "application/x-www-form-urlencoded",
        "text": format!("{fields}&state={state}")});
    let as_params = serde_json::json!({"mimeType": "application/x-www-form-urlencoded",
        "params": [{"name": "error", "value": "access_denied"},
                   {"name": "error_description", "value": "AADSTS65004: User declined to consent"},
                   {"name": "state", "value": state}]});
    for post in [as_text, as_params] {
        let mut entries: Vec<serde_json::Value> = flow[..5].to_vec();
        // Signed in already: the consent page's "No" posts the decline, and the answer page
        // comes back (no password, no token in either entry).
        entries[3]["request"]["url"] =
            "https://login.microsoftonline.com/common/Consent/Set".into();
        entries[3]["request"]["postData"] = serde_json::json!({
            "mimeType": "application/x-www-form-urlencoded", "text": "ConsentDeclined=true&ctx=rQIIAXWRPW"});
        entries[3]["response"]["content"]["text"] = page.clone().into();
        entries[4]["request"]["postData"] = post;
        let (fast, _) = fast_read_showing(entries, &sample);
        let json = json::render(&Report {
            files: vec![fast],
            ..Default::default()
        });
        assert!(
            json.contains("access_denied"),
            "the answer's error is in the report: {json}"
        );
    }
}

/// A logged-in app's Bearer calls (GETs whose answers' bodies nothing reads) are kept for
/// `check` as the full read keeps them, without reading them in full: the findings about
/// them are the full read's. Here the token of a flow is sent 40 more times, each an hour and
/// a bit after it was minted, answered 401 with `WWW-Authenticate` (and the last with a
/// redirect and a cookie jar listed without its header): `oauth/token-expired` names one of
/// them, `oauth/resource-error` too, every output is the full read's, and the token is never
/// shown.
#[test]
fn bearer_calls_read_the_same_both_ways() {
    let sample = common::root()
        .join("fixtures/oauth/resource-error/fires-api-insufficient-scope-firefox.har");
    let text = std::fs::read_to_string(&sample).expect("sample");
    let value: serde_json::Value = serde_json::from_str(&text).expect("json");
    let mut entries = value["log"]["entries"].as_array().expect("entries").clone();
    let call = entries[5].clone();
    for i in 0..40 {
        let mut e = call.clone();
        e["startedDateTime"] = format!("2024-03-15T15:42:{:02}.000+01:00", i).into();
        e["request"]["url"] = format!("https://api.example.com/v1/orders?page={i}").into();
        e["response"]["status"] = 401.into();
        e["response"]["headers"][5]["value"] =
            "Bearer error=\"invalid_token\", error_description=\"The token expired\"".into();
        if i == 39 {
            e["response"]["status"] = 302.into();
            e["response"]["redirectURL"] = "https://spa.example.com/login".into();
            e["request"]["cookies"] = serde_json::json!([{"name": "sid", "value": "s-1"}]);
        }
        entries.push(e);
    }
    let (fast, shown) = fast_read_showing(entries, &sample);
    assert_eq!(
        skimmed(&fast),
        1,
        "the first page alone is skimmed, no call"
    );
    let named = |rule: &str| entries_found(&fast, rule);
    assert!(
        named("oauth/token-expired").iter().any(|&e| e > 6),
        "{:?}",
        fast.findings
    );
    assert!(named("oauth/resource-error").iter().any(|&e| e > 6));
    assert!(!shown.contains("at-qbWAMx4ywGvL43oKZDBhob8QrmFD7EoEOmOOB3YTrN6KnFAJ"));
}

/// Reconstruction notes the first entry, in its order (by start time when every entry has
/// one, else by position), that lists cookies without their header; the fast read keeps only
/// the stubs that could be that one. Times rising, falling, equal, one missing, and a
/// response's cookies first: the finding names the same entry both ways.
#[test]
fn cookies_listed_without_their_header_are_noted_at_the_same_entry_in_any_order() {
    let sample = common::root().join("fixtures/samples/wrong-profile.har");
    let at = |s: usize| format!("2024-03-14T11:{:02}:{:02}.000Z", s / 60, s % 60);
    // When entry `i` started (seconds), if it has a time.
    type Times = fn(usize) -> Option<usize>;
    let cases: [(&str, Times, usize); 5] = [
        ("rising", |i| Some(100 + i), 4),
        ("falling", |i| Some(1000 - i), 30),
        ("equal", |_| Some(500), 4),
        ("one without a time", |i| (i != 15).then_some(1000 - i), 4),
        (
            "equal after the tenth",
            |i| Some(if i < 10 { 900 - i } else { 800 }),
            11,
        ),
    ];
    for (name, time, noted) in cases {
        let mut entries: Vec<serde_json::Value> = (0..30).map(plain_entry).collect();
        for (i, e) in entries.iter_mut().enumerate() {
            match time(i) {
                Some(s) => e["startedDateTime"] = at(s).into(),
                None => {
                    e.as_object_mut().expect("entry").remove("startedDateTime");
                }
            }
            if i >= 3 {
                e["request"]["cookies"] = serde_json::json!([{"name": "sid", "value": "s-1"}]);
            }
        }
        let (fast, _) = fast_read_showing(entries, &sample);
        let stripped: Vec<_> = fast
            .findings
            .iter()
            .filter(|f| f.rule == "capture/credentials-stripped")
            .filter_map(|f| f.entry)
            .collect();
        assert_eq!(stripped, [noted], "{name}");
        assert_eq!(skimmed(&fast), 29, "{name}: all stubs but the one named");
    }
}

/// An OAuth log's authorize requests and token exchanges (two fifths of oauth-dense's
/// entries, every one with needles) are kept for `check` from what the skim saw, bodies
/// included, instead of being read in full: 30 runs of Alexa linking against Login with
/// Amazon as `bench/gen_har.py` writes them, one code redeemed twice (the second answered
/// `invalid_grant`), a plain entry setting a cookie between runs. Every output is the full
/// read's, the reuse and the error are found, and neither secret nor token is shown.
#[test]
fn oauth_steps_read_the_same_both_ways() {
    use serde_json::json;
    let sample =
        common::root().join("fixtures/oauth/code-reused/fires-two-token-requests-chrome.har");
    let redirect = "https%3A%2F%2Fpitangui.amazon.com%2Fapi%2Fskill%2Flink%2FM2TestSkill";
    let client = "amzn1.application-oa2-client.5e1f0c0ffee04b7c9d8e6a5b4c3d2e1f";
    let secret = "4f6a1c9e8b7d2a3f5e6c1b9a8d7e2f3c4b5a6e7d8c9b1a2f3e4d5c6b7a8e9f0";
    let header = |n: &str, v: &str| json!({"name": n, "value": v});
    let mut entries = Vec::new();
    let mut second = 0;
    let at = |s: usize| format!("2024-03-14T09:{:02}:{:02}.000Z", s / 60, s % 60);
    let token_request = |code: &str| {
        lwa_token_request(&format!(
            "grant_type=authorization_code&code={code}&redirect_uri={redirect}&client_id={client}&client_secret={secret}"
        ))
    };
    for run in 0..30u8 {
        let code = format!(
            "ANkQzXbVcRtYuIoPaS{}{}",
            (b'a' + run / 26) as char,
            (b'a' + run % 26) as char
        );
        let state = format!("st{run}Xq7Lw");
        let location = format!(
            "https://pitangui.amazon.com/api/skill/link/M2TestSkill?code={code}&scope=alexa%3A%3Askills%3A%3Aaccount_linking&state={state}"
        );
        let s = 10 * usize::from(run);
        entries.push(json!({"startedDateTime": at(s), "_resourceType": "document",
            "request": {"method": "GET",
                "url": format!("https://www.amazon.com/ap/oa?client_id={client}&scope=alexa%3A%3Askills%3A%3Aaccount_linking&response_type=code&redirect_uri={redirect}&state={state}"),
                "httpVersion": "http/2.0",
                "headers": [header("referer", "https://www.shop-example.com/account/alexa"),
                    header("cookie", "session-id=123-4567890; ubid-main=133-7654321")],
                "cookies": [{"name": "session-id", "value": "123-4567890"},
                    {"name": "ubid-main", "value": "133-7654321"}],
                "bodySize": 0},
            "response": {"status": 302, "statusText": "", "httpVersion": "http/2.0",
                "headers": [header("location", &location),
                    header("content-type", "text/html;charset=UTF-8")],
                "cookies": [], "content": {"size": 0, "mimeType": "text/html", "text": ""},
                "redirectURL": location, "bodySize": 0}}));
        let tokens = format!(
            "{{\"access_token\":\"Atza|IwEBIAccess{run:03}kQzXbVcRtYuIoPaS\",\"refresh_token\":\"Atzr|IwEBIRefresh{run:03}kQzXbVcRtYuIoPaS\",\"token_type\":\"bearer\",\"expires_in\":3600}}"
        );
        entries.push(
            json!({"startedDateTime": at(s + 2), "_resourceType": "fetch",
            "request": token_request(&code), "response": lwa_token_answer(200, tokens)}),
        );
        if run == 7 {
            second = entries.len() + 1;
            let refused = r#"{"error":"invalid_grant","error_description":"The request has an invalid grant parameter : code"}"#;
            entries.push(
                json!({"startedDateTime": at(s + 3), "_resourceType": "fetch",
                "request": token_request(&code), "response": lwa_token_answer(400, refused.to_string())}),
            );
        }
        entries.push(json!({"startedDateTime": at(s + 5), "_resourceType": "script",
            "request": {"method": "GET", "url": format!("https://www.shop-example.com/static/app{run}.js"),
                "headers": [header("cookie", "sid=6vVJ5U; AWSALB=q1w2e3")],
                "cookies": [{"name": "sid", "value": "6vVJ5U"}, {"name": "AWSALB", "value": "q1w2e3"}]},
            "response": {"status": 200,
                "headers": [header("set-cookie", "AWSALB=r4t5y6; Path=/")],
                "cookies": [{"name": "AWSALB", "value": "r4t5y6"}],
                "content": {"size": 14, "mimeType": "text/javascript", "text": "console.log(1)"}}}));
    }
    let (fast, shown) = fast_read_showing(entries, &sample);
    assert_eq!(skimmed(&fast), 30, "the plain entries alone are skimmed");
    let named = |rule: &str| entries_found(&fast, rule);
    assert!(
        named("oauth/code-reused").contains(&second),
        "{:?}",
        fast.findings
    );
    assert!(
        named("oauth/error-response").contains(&second),
        "{:?}",
        fast.findings
    );
    for hidden in [secret, "IwEBIAccess007", "IwEBIRefresh007"] {
        assert!(!shown.contains(hidden), "{hidden} is shown");
    }
}

/// A token request to Login with Amazon posting `form`, as `bench/gen_har.py` writes it.
fn lwa_token_request(form: &str) -> serde_json::Value {
    let header = |n: &str, v: &str| serde_json::json!({"name": n, "value": v});
    serde_json::json!({"method": "POST", "url": "https://api.amazon.com/auth/o2/token",
        "httpVersion": "HTTP/1.1",
        "headers": [header("host", "api.amazon.com"),
            header("content-type", "application/x-www-form-urlencoded;charset=UTF-8"),
            header("content-length", &form.len().to_string())],
        "cookies": [], "bodySize": form.len(),
        "postData": {"mimeType": "application/x-www-form-urlencoded;charset=UTF-8",
            "text": form}})
}

/// Login with Amazon's JSON answer to a token request.
fn lwa_token_answer(status: u16, body: String) -> serde_json::Value {
    let header = |n: &str, v: &str| serde_json::json!({"name": n, "value": v});
    serde_json::json!({"status": status, "statusText": "", "httpVersion": "HTTP/1.1",
        "headers": [header("content-type", "application/json;charset=UTF-8"),
            header("cache-control", "no-cache, no-store, must-revalidate")],
        "cookies": [],
        "content": {"size": body.len(), "mimeType": "application/json", "text": body},
        "redirectURL": "", "bodySize": body.len()})
}
