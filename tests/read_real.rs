//! Every real HAR export in `../shared/captures/real` (browsers and tools, kept outside the
//! project) must be read whole: no truncation, one exchange per entry, spans that slice out
//! each entry's JSON object.

use std::path::{Path, PathBuf};

use serde_json::Value;

fn real_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/captures/real")
}

fn har_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("list the real captures")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "har"))
        .collect();
    files.sort();
    files
}

/// The number of entries, counted independently of the reader.
fn entry_count(path: &Path) -> usize {
    let bytes = std::fs::read(path).expect("read the file");
    let json = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let value: Value = serde_json::from_slice(json).expect("valid JSON");
    value["log"]["entries"]
        .as_array()
        .expect("log.entries is a list")
        .len()
}

#[test]
fn real_exports_are_read_whole() {
    let dir = real_dir();
    if !dir.is_dir() {
        println!("skipped: ../shared/captures/real not found");
        return;
    }
    let files = har_files(&dir);
    assert!(!files.is_empty(), "no .har files in {}", dir.display());
    for path in files {
        let capture = tokentrail::read::read_path(&path).unwrap_or_else(|e| panic!("{e}"));
        let name = path.display();
        assert!(
            capture.truncation.is_none(),
            "{name}: truncated: {:?}",
            capture.truncation
        );
        assert_eq!(capture.exchanges.len(), entry_count(&path), "{name}");
        for (i, exchange) in capture.exchanges.iter().enumerate() {
            assert_eq!(exchange.index, i + 1, "{name}");
            let slice = capture
                .source
                .get(exchange.span.clone())
                .unwrap_or_else(|| panic!("{name}: span {:?} out of range", exchange.span));
            let entry: Value = serde_json::from_slice(slice)
                .unwrap_or_else(|e| panic!("{name} entry {}: span is not JSON: {e}", i + 1));
            assert!(entry.is_object(), "{name} entry {}: not an object", i + 1);
            assert!(
                !exchange.request.method.is_empty(),
                "{name} entry {}: no method",
                i + 1
            );
            assert!(
                !exchange.request.url.is_empty(),
                "{name} entry {}: no url",
                i + 1
            );
            assert!(
                exchange.started.is_some(),
                "{name} entry {}: no start time",
                i + 1
            );
        }
    }
}

/// A few facts about particular exports, where each tool does something of its own.
#[test]
fn real_export_details() {
    let dir = real_dir();
    if !dir.is_dir() {
        println!("skipped: ../shared/captures/real not found");
        return;
    }
    let read =
        |name: &str| tokentrail::read::read_path(&dir.join(name)).unwrap_or_else(|e| panic!("{e}"));

    // Chrome: a request that failed offline has no response but keeps `_error`.
    let chrome = read("chrome.har");
    let failed = &chrome.exchanges[1];
    assert!(failed.response.is_none());
    assert_eq!(
        failed.error.as_deref(),
        Some("net::ERR_INTERNET_DISCONNECTED")
    );
    // Chrome: base64 bodies come out decoded.
    let body = chrome.exchanges[0]
        .response
        .as_ref()
        .and_then(|r| r.body.as_ref())
        .expect("a body");
    assert!(!body.text.is_empty());
    assert!(
        !body.text.contains('\u{FFFD}')
            || body
                .mime_type
                .as_deref()
                .is_some_and(|m| !m.starts_with("text/"))
    );

    // A byte-order mark shifts every span by three bytes.
    let bom = read("with-bom.har");
    assert!(bom.exchanges[0].span.start > 3);
    assert_eq!(bom.source.get(bom.exchanges[0].span.start), Some(&b'{'));
    let post = bom.exchanges[0].request.body.as_ref().expect("a POST body");
    assert!(post.text.starts_with("{\"metadata\""));

    // Firefox writes local time with an offset; the instant is still right.
    let firefox = read("firefox.har");
    let first = &firefox.exchanges[0];
    assert_eq!(
        first.started_raw.as_deref(),
        Some("2023-03-29T16:58:59.303-07:00")
    );
    assert_eq!(
        first.started.map(|t| t.unix_timestamp()),
        Some(1_680_134_339)
    );

    // HEAD with Content-Length: an empty body, recorded as such.
    let head = read("head-content-length.har");
    let response = head.exchanges[0].response.as_ref().expect("a response");
    assert_eq!(response.body.as_ref().map(|b| b.text.as_str()), Some(""));
}

/// Real exports hold no OAuth mistakes: checking them must give no error finding, and every
/// entry must be counted in the report.
#[test]
fn real_exports_give_no_error_finding() {
    let dir = real_dir();
    if !dir.is_dir() {
        println!("skipped: ../shared/captures/real not found");
        return;
    }
    let mut rules = tokentrail::rules::RuleSet::default();
    rules.extend(tokentrail::rules::load_builtin().expect("built-in rules"));
    let opts = tokentrail::check::Options {
        config: Default::default(),
        rules,
    };
    for path in har_files(&dir) {
        let capture = tokentrail::read::read_path(&path).expect("reads");
        let report = tokentrail::check::check_capture(capture, &opts);
        assert_eq!(report.entries, entry_count(&path), "{}", path.display());
        let errors: Vec<String> = report
            .findings
            .iter()
            .filter(|f| f.severity == tokentrail::finding::Severity::Error)
            .map(|f| format!("{} at {:?}: {}", f.rule, f.entry, f.message))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
    }
}

/// The real exports, given as a directory: every HAR is found (the README next to them is not
/// a capture and is skipped), read by content as HAR, with the same entries as read alone; and
/// gzipped, each still reads the same.
#[test]
fn real_exports_as_a_directory_and_gzipped() {
    use std::io::Write as _;
    let dir = real_dir();
    if !dir.is_dir() {
        println!("skipped: ../shared/captures/real not found");
        return;
    }
    let outcomes: Vec<_> =
        tokentrail::read::input::expand_path(&dir, &tokentrail::limits::Limits::default())
            .into_iter()
            .flat_map(tokentrail::read::input::Pending::read)
            .collect();
    let files = har_files(&dir);
    assert_eq!(
        outcomes.len(),
        files.len(),
        "one capture per .har, nothing else"
    );
    for (outcome, path) in outcomes.into_iter().zip(&files) {
        let capture = outcome.result.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(capture.name, path.display().to_string());
        assert_eq!(capture.format.name(), "har");
        assert_eq!(
            capture.exchanges.len(),
            entry_count(path),
            "{}",
            capture.name
        );

        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&std::fs::read(path).expect("read"))
            .expect("gzip");
        let name = format!("{}.gz", path.display());
        let gzipped = tokentrail::read::read_bytes(&name, gz.finish().expect("gzip").into())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(gzipped.exchanges.len(), capture.exchanges.len(), "{name}");
    }
}

/// Charles' HAR export: read as HAR, bodies present.
#[test]
fn charles_har_export() {
    let dir = real_dir();
    if !dir.is_dir() {
        println!("skipped: ../shared/captures/real not found");
        return;
    }
    let c = tokentrail::read::read_path(&dir.join("charles.har")).unwrap_or_else(|e| panic!("{e}"));
    let r = c.exchanges[0].response.as_ref().expect("a response");
    assert_eq!(r.status, 200);
    let body = r.body.as_ref().expect("a body");
    assert!(body.text.contains("mitmproxy"), "{:.200}", body.text);
}
