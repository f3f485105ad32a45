//! mitmproxy's own formats, from files mitmproxy wrote: the dumps in `../shared/captures/more`
//! (flow format 0.18 and 18, kept outside the project; skipped when absent), and a dump and a
//! `.zhar` recorded for this project with mitmproxy 11 (flow format 21) on loopback:
//! `tests/data/mitmproxy/` (an authorize redirect, a websocket, a token request, a tcp flow).

use crate::common;

use std::path::{Path, PathBuf};

use tokentrail::model::{Format, Skipped};

fn more_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/captures/more")
}

fn data(name: &str) -> PathBuf {
    common::root().join("tests/data/mitmproxy").join(name)
}

fn read(path: &Path) -> tokentrail::model::Capture {
    tokentrail::read::read_path(path).unwrap_or_else(|e| panic!("{e}"))
}

/// The flows of a dump, counted by walking the outer length prefixes (independently of the
/// reader): `LENGTH:` then LENGTH bytes then the `}` tag.
fn records(bytes: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let colon = at
            + bytes[at..]
                .iter()
                .position(|&b| b == b':')
                .expect("a prefix");
        let n: usize = std::str::from_utf8(&bytes[at..colon])
            .unwrap()
            .parse()
            .unwrap();
        let end = colon + 1 + n + 1;
        assert_eq!(bytes[end - 1], b'}', "a dictionary at {at}");
        out.push(at..end);
        at = end;
    }
    out
}

#[test]
fn dumps_of_mitmproxy_0_18_and_of_today_are_read() {
    let dir = more_dir();
    if !dir.is_dir() {
        println!("skipped: ../shared/captures/more not found");
        return;
    }
    let old = read(&dir.join("mitmproxy-dumpfile-018.mitm"));
    assert_eq!(old.format, Format::Mitmproxy);
    assert!(old.truncation.is_none());
    assert_eq!(old.exchanges.len(), 1);
    let ex = &old.exchanges[0];
    assert_eq!(ex.request.method, "GET");
    assert_eq!(ex.request.url, "https://www.example.com/");
    assert_eq!(ex.request.header("user-agent"), Some("curl/7.35.0"));
    let response = ex.response.as_ref().expect("a response");
    assert_eq!(response.status, 200);
    let body = response.body.as_ref().expect("a body");
    assert!(body.text.contains("<title>Example Domain</title>"));
    assert_eq!(
        ex.started_raw.as_deref(),
        Some("2016-12-19T14:25:23.908658Z")
    );

    let path = dir.join("mitmproxy-successful_log.mitm");
    let new = read(&path);
    let bytes = std::fs::read(&path).unwrap();
    let spans: Vec<_> = new.exchanges.iter().map(|e| e.span.clone()).collect();
    assert_eq!(
        spans,
        records(&bytes),
        "one exchange per flow, spanning its record"
    );
    let urls: Vec<&str> = new
        .exchanges
        .iter()
        .map(|e| e.request.url.as_str())
        .collect();
    assert_eq!(urls, ["https://example.com/", "https://httpbin.org/post"]);
    let post = &new.exchanges[1];
    assert_eq!(
        post.request.body.as_ref().map(|b| b.text.as_str()),
        Some("key1=value1&key2=value2")
    );
    let answer = post
        .response
        .as_ref()
        .and_then(|r| r.body.as_ref())
        .unwrap();
    assert!(
        answer.text.contains("\"key1\": \"value1\""),
        "{}",
        answer.text
    );
    assert!(new.skipped.is_empty());
}

#[test]
fn a_dump_of_mitmproxy_11_reads_http_and_counts_the_rest() {
    let path = data("mitmdump-11-oauth.mitm");
    let c = read(&path);
    assert_eq!(c.format, Format::Mitmproxy);
    let bytes = std::fs::read(&path).unwrap();
    let all = records(&bytes);
    assert_eq!(all.len(), 4, "four flows in the file");
    // The tcp flow (the last record) is skipped; the websocket's handshake is HTTP and read.
    assert_eq!(c.exchanges.len(), 3);
    assert_eq!(
        c.skipped,
        vec![
            Skipped {
                kind: "websocket messages",
                offset: all[1].start
            },
            Skipped {
                kind: "tcp",
                offset: all[3].start
            },
        ]
    );
    let token = &c.exchanges[2];
    assert_eq!(token.request.url, "http://127.0.0.1:18741/auth/o2/token");
    assert_eq!(token.span, all[2]);
    assert_eq!(
        c.skipped_note().as_deref(),
        Some(
            format!(
                "{}: skipped the websocket messages of 1 flow, 1 tcp flow (tokentrail reads HTTP only)",
                path.display()
            )
            .as_str()
        )
    );
}

/// The same recording in both of mitmproxy's formats gives the same finding, at the same
/// entry, through the real binary; the skipped flows are said on stderr.
#[test]
fn the_binary_reads_a_dump_and_a_zhar_by_content() {
    let run = |path: &Path| {
        let o = common::bin()
            .args(["check", "--format", "json"])
            .arg(path)
            .output()
            .expect("run tokentrail");
        let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        (
            o.status.code(),
            json,
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (code, dump, stderr) = run(&data("mitmdump-11-oauth.mitm"));
    assert_eq!(code, Some(1));
    assert_eq!(dump["files"][0]["format"], "mitm");
    assert_eq!(dump["findings"][0]["rule"], "alexa/scope-misspelled");
    assert_eq!(dump["findings"][0]["entry"], 1);
    assert!(
        stderr.contains("skipped the websocket messages of 1 flow, 1 tcp flow"),
        "{stderr}"
    );

    // A `.zhar` renamed to anything is still read: the content decides.
    let dir = tempfile::tempdir().unwrap();
    let renamed = dir.path().join("capture.bin");
    std::fs::copy(data("mitmdump-11-oauth.zhar"), &renamed).unwrap();
    let (code, zhar, stderr) = run(&renamed);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(zhar["files"][0]["format"], "har");
    assert_eq!(zhar["files"][0]["entries"], 2);
    assert_eq!(zhar["findings"][0]["rule"], "alexa/scope-misspelled");
    assert_eq!(zhar["findings"][0]["entry"], 1);
    assert!(!stderr.contains("skipped"), "{stderr}");
}

/// `fixtures/convert.py` writes the old flow shapes it promises, so the formats test really
/// reads old versions: 0.13 (Python 2: bytes keys, `code`) under good/, 0.18 for other
/// Firefox-shaped fixtures, flow format 21 for Chrome-shaped ones.
#[test]
fn converted_fixtures_carry_old_and_new_flow_versions() {
    let fixture = |p: &str| std::fs::read(common::root().join("fixtures").join(p)).unwrap();
    let has = |bytes: &[u8], needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    let v013 = fixture("good/pkce-firefox.mitm");
    assert!(has(&v013, b"7:version,9:1:0#2:13#]"));
    assert!(has(&v013, b"4:code,3:"));
    let v018 = fixture("alexa/scope-misspelled/fires-case-firefox.mitm");
    assert!(has(&v018, b"7:version;13:1:0#2:18#1:2#]"));
    let v21 = fixture("good/basic-auth-chrome.mitm");
    assert!(has(&v21, b"7:version;2:21#"));
    for bytes in [v013, v018, v21] {
        assert_eq!(
            tokentrail::read::read_bytes("x", bytes.into())
                .unwrap()
                .format,
            Format::Mitmproxy
        );
    }
}

/// A finding in a dump points into the flow's record, and shows the stretch of it around the
/// label (a record is one long line, certificates and all), masked.
#[test]
fn diagnostics_show_the_record_around_the_label() {
    let path = common::root().join("fixtures/alexa/token-wrong-profile/fires-chrome.mitm");
    let o = common::bin()
        .args(["check", "--color", "never"])
        .arg(&path)
        .output()
        .expect("run tokentrail");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("fixtures/alexa/token-wrong-profile/fires-chrome.mitm:41:"),
        "{text}"
    );
    let shown = text
        .lines()
        // Lengths are the masked values' own: a token's length is not shown either.
        .find(|l| l.contains("authorization,19:Bearer sk…#4f3a50"))
        .unwrap_or_else(|| panic!("no snippet of the header: {text}"));
    assert!(
        shown.contains("…headers;") && shown.ends_with('…'),
        "{shown}"
    );
    assert!(shown.chars().count() < 300, "{shown}");
    assert!(text.contains("`-- token minted for profile A"), "{text}");
    assert!(text.lines().all(|l| l.chars().count() < 400), "{text}");
}
