//! The browser page (`web/`, built by `web/build.sh` into web/dist/) in Debian's Chromium,
//! driven by puppeteer-core (tests/browser/page.mjs): fixtures are uploaded through its file
//! input, and the page must reach `data-state="done"` showing every rule id the command line
//! finds in them, with `explain` for each, the HTML report (the `--format html` page) in its
//! frame, a sanitized download that holds none of the capture's secrets, a JSON download with
//! the same findings, no request beyond its own file and no console error. A broken config
//! must end in `data-state="error"` with the message on the page. A screenshot goes to
//! target/screenshots/web-page.png.
//!
//! Needs web/dist/index.html (`web/build.sh`), `npm ci` in tests/browser and
//! `/usr/bin/chromium`; `.ci/run` provides all three. Without them the test skips loudly,
//! unless TOKENTRAIL_REQUIRE_BROWSER=1 (as CI sets), which makes that a failure.

use crate::common;

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target dir")
        .to_path_buf()
}

/// What is missing to run the page in a browser, if anything.
fn missing() -> Vec<String> {
    let root = common::root();
    let chromium = std::env::var_os("TOKENTRAIL_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    let mut missing = Vec::new();
    if !root.join("web/dist/index.html").is_file() {
        missing.push("web/dist/index.html (run web/build.sh)".to_string());
    }
    if !root
        .join("tests/browser/node_modules/puppeteer-core/package.json")
        .is_file()
    {
        missing.push("tests/browser/node_modules (run `npm ci` in tests/browser)".into());
    }
    if !chromium.is_file() {
        missing.push(format!("{} (apt-get install chromium)", chromium.display()));
    }
    if !Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        missing.push("node".into());
    }
    missing
}

/// The rule ids the command line's engine finds in `files` (with `config`).
fn native_rules(files: &[PathBuf], config: Option<&Path>) -> BTreeSet<String> {
    let config = config
        .map(|c| tokentrail::config::Config::load(c).expect("config"))
        .unwrap_or_default();
    let opts = tokentrail::check::Options {
        config,
        rules: common::builtin_rules(),
    };
    let mut rules = BTreeSet::new();
    for f in files {
        let input = tokentrail::check::Input::Path(f.clone());
        for p in tokentrail::check::expand(&input, &opts.config.limits) {
            for file in tokentrail::check::check_pending(p, &opts) {
                assert!(file.error.is_none(), "{}: {:?}", f.display(), file.error);
                rules.extend(file.findings.iter().map(|x| x.rule.clone()));
            }
        }
    }
    rules
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .expect("a list")
        .iter()
        .map(|s| s.as_str().expect("a string").to_string())
        .collect()
}

/// Nothing left the page, nothing went wrong in it.
fn assert_clean(name: &str, run: &Value) {
    assert_eq!(run["pageErrors"], json!([]), "{name}: page errors");
    assert_eq!(run["failed"], json!([]), "{name}: failed requests");
    for r in run["requests"].as_array().expect("requests") {
        let url = r.as_str().expect("url");
        // The page's own memory (the worker's script, a download): no request leaves it.
        assert!(
            url.starts_with("blob:"),
            "{name}: a request left the page: {url}"
        );
    }
    let bad = common::console_complaints(run);
    assert!(bad.is_empty(), "{name}: console: {bad:?}");
    assert!(
        run["csp"]
            .as_str()
            .is_some_and(|c| c.contains("connect-src 'none'")),
        "{name}: CSP {}",
        run["csp"]
    );
}

/// Every secret of the original capture is gone from the sanitized copy, in any spelling.
fn assert_no_secret(original: &Path, copy: &str) {
    let capture = tokentrail::read::read_path(original).expect("reads");
    let secrets = common::secrets_to_search(&capture);
    assert!(secrets.len() > 3, "the fixture holds secrets to test");
    if let Some((value, kind)) = common::leaked(&secrets, copy) {
        panic!(
            "the sanitized download still holds a {} ({} chars)",
            kind.word(),
            value.len()
        );
    }
}

/// Whether the page test can run; without what it needs it says so loudly and skips, unless
/// CI requires it.
fn page_test_can_run() -> bool {
    let missing = missing();
    if missing.is_empty() {
        return true;
    }
    let why = missing.join("; ");
    if std::env::var("TOKENTRAIL_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
        panic!("TOKENTRAIL_REQUIRE_BROWSER=1 but the page test cannot run: missing {why}");
    }
    let _ = writeln!(
        std::io::stderr(),
        "\n**********************************************************************\n\
         SKIPPED: browser page test — missing {why}.\n\
         `.ci/run` provides these; set TOKENTRAIL_REQUIRE_BROWSER=1 to fail instead.\n\
         **********************************************************************\n"
    );
    false
}

/// `har` gzipped into `work`.
fn gzipped(har: &Path, work: &Path) -> PathBuf {
    let gz = work.join(format!(
        "{}.gz",
        har.file_name().expect("name").to_string_lossy()
    ));
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&std::fs::read(har).expect("read"))
        .expect("gzip");
    std::fs::write(&gz, enc.finish().expect("gzip")).expect("write");
    gz
}

/// The first file with extension `ext` in a fixture directory.
fn first_in(dir: &Path, ext: &str) -> PathBuf {
    std::fs::read_dir(dir)
        .expect("fixture dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .min()
        .unwrap_or_else(|| panic!("a .{ext} fixture in {}", dir.display()))
}

/// A zip (stored) in `work` holding the first HAR of each fixture directory.
fn zip_of_first_hars(work: &Path, dirs: &[&str]) -> PathBuf {
    let zipped = work.join("ticket.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zipped).expect("create"));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for f in dirs {
        let first = first_in(&common::root().join(f), "har");
        zip.start_file(first.file_name().expect("name").to_string_lossy(), opts)
            .expect("zip");
        zip.write_all(&std::fs::read(&first).expect("read"))
            .expect("zip");
    }
    zip.finish().expect("zip");
    zipped
}

/// One upload of several files in every format, a .gz and a .zip among them (a fixture
/// directory stands for its first raw-HTTP dump).
fn several_formats(work: &Path) -> Vec<PathBuf> {
    let root = common::root();
    let mut several: Vec<PathBuf> = [
        "fixtures/alexa/token-wrong-profile/fires-chrome.saz",
        "fixtures/alexa/token-wrong-profile/fires-chrome.chlsj",
        "fixtures/alexa/activation-failed",
        "fixtures/good/pkce-firefox.xml",
        "fixtures/good/pkce-firefox.mitm",
        "fixtures/alexa/amazon-code-wrong-profile",
    ]
    .iter()
    .map(|f| {
        let p = root.join(f);
        if p.is_dir() {
            first_in(&p, "http")
        } else {
            p
        }
    })
    .collect();
    several.push(gzipped(
        &root.join("fixtures/alexa/token-wrong-profile/fires-firefox.har"),
        work,
    ));
    several.push(zip_of_first_hars(
        work,
        &[
            "fixtures/oauth/code-reused",
            "fixtures/alexa/link-redirect-mismatch",
        ],
    ));
    several
}

/// Runs tests/browser/page.mjs over `manifest`; what it saw of each run.
fn run_page(manifest: &Value, work: &Path) -> Vec<Value> {
    let path = work.join("manifest.json");
    std::fs::write(&path, manifest.to_string()).expect("manifest");
    let js = common::root().join("tests/browser");
    let o = Command::new("node")
        .arg(js.join("page.mjs"))
        .arg(&path)
        .current_dir(&js)
        .output()
        .expect("run node");
    assert!(
        o.status.success(),
        "page.mjs failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let seen: Value = serde_json::from_slice(&o.stdout).expect("page.mjs prints JSON");
    seen["runs"].as_array().expect("runs").clone()
}

/// A run that ends `done` shows the rules the command line finds (`want`), `explain` of each,
/// the HTML report with them and its flows drawn, and the flows text.
fn assert_shows(name: &str, run: &Value, want: &BTreeSet<String>) {
    assert_clean(name, run);
    assert_eq!(run["ready"], "ready", "{name}");
    assert_eq!(run["state"], "done", "{name}: {}", run["error"]);
    assert!(
        !want.is_empty(),
        "{name}: the fixtures have findings to show"
    );
    assert_eq!(&strings(&run["rules"]), want, "{name}: the findings' rules");
    assert_eq!(&strings(&run["explained"]), want, "{name}: explain of each");
    let report = &run["report"];
    let text = report["text"].as_str().expect("the HTML report's text");
    for rule in want {
        assert!(
            text.contains(rule.as_str()),
            "{name}: {rule} not in the report"
        );
    }
    assert!(report["svgs"].as_u64() > Some(0), "{name}: flows drawn");
    assert!(
        run["flows"].as_str().is_some_and(|f| f.contains("Flow 1")),
        "{name}: flows: {}",
        run["flows"]
    );
}

/// The downloads of a run that sanitizes: a copy of `original` that is a HAR with entries and
/// none of its secrets, in which `check` (with the run's `config`) finds the rules the page
/// showed for the original, and the JSON report with the findings the page shows.
fn assert_downloads(run: &Value, original: &Path, config: Option<&Path>, work: &Path) {
    let downloads = run["downloads"].as_array().expect("downloads");
    let names: Vec<&str> = downloads
        .iter()
        .filter_map(|d| d["name"].as_str())
        .collect();
    let copy = downloads
        .iter()
        .find(|d| {
            d["name"]
                .as_str()
                .is_some_and(|n| n.ends_with(".sanitized.har"))
        })
        .unwrap_or_else(|| panic!("no sanitized copy among {names:?}"));
    let copy = copy["text"].as_str().expect("text");
    let har: Value = serde_json::from_str(copy).expect("the copy is JSON");
    assert!(
        har["log"]["entries"]
            .as_array()
            .is_some_and(|e| !e.is_empty()),
        "the copy keeps the entries"
    );
    assert_no_secret(original, copy);
    let saved = work.join(format!(
        "{}.sanitized.har",
        original
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("a name")
    ));
    std::fs::write(&saved, copy).expect("write the copy");
    assert_eq!(
        native_rules(std::slice::from_ref(&saved), config),
        strings(&run["rules"]),
        "check of the page's copy of {} finds what the page found in the original",
        original.display()
    );
    let report = downloads
        .iter()
        .find(|d| d["name"] == "tokentrail-report.json")
        .unwrap_or_else(|| panic!("no JSON report among {names:?}"));
    let report: Value = serde_json::from_str(report["text"].as_str().expect("text")).expect("JSON");
    let rules: BTreeSet<String> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().expect("rule").to_string())
        .collect();
    assert_eq!(&rules, &strings(&run["rules"]), "the JSON's findings");
}

/// A broken config: an error the page shows, naming the file and line.
fn assert_broken_config(bad: &Value) {
    assert_clean("broken config", bad);
    assert_eq!(bad["state"], "error");
    let message = bad["error"].as_str().expect("a visible message");
    assert!(
        message.contains("tokentrail.toml") && message.contains("line 2"),
        "{message}"
    );
}

#[test]
fn the_page_checks_uploaded_fixtures_offline() {
    if !page_test_can_run() {
        return;
    }
    let root = common::root();
    let work = target_dir().join("web-page-tests");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("work dir");
    let shot = target_dir().join("screenshots/web-page.png");
    let _ = std::fs::remove_file(&shot);

    // 1. The README's sample, sanitized and saved as JSON too.
    let sample = root.join("fixtures/samples/wrong-profile.har");
    // 2. One upload of several files in every format, a .gz and a .zip among them.
    let several = several_formats(&work);
    // 3. A fixture that needs its config.
    let configured =
        root.join("fixtures/alexa/secret-wrong-profile/fires-skill-secret-basic-firefox.har");
    let config = common::config_for(&configured).expect("the fixture has a config");
    // 4. A broken config: the page says why and stops.
    let broken = work.join("tokentrail.toml");
    std::fs::write(&broken, "[alexa]\nclient_ids = [\n").expect("write");

    let manifest = json!({
        "page": root.join("web/dist/index.html"),
        "downloads": work.join("downloads"),
        "runs": [
            {"files": [&sample], "sanitize": true, "screenshot": &shot},
            {"files": &several},
            {"files": [&configured], "config": &config, "sanitize": true},
            {"files": [&sample], "config": &broken},
        ],
    });
    let runs = run_page(&manifest, &work);
    assert_eq!(runs.len(), 4);

    let expect = [
        native_rules(std::slice::from_ref(&sample), None),
        native_rules(&several, None),
        native_rules(std::slice::from_ref(&configured), Some(&config)),
    ];
    for (i, (run, want)) in runs.iter().zip(&expect).enumerate() {
        assert_shows(&format!("run {}", i + 1), run, want);
    }
    // The upload of several formats: one file in the report per capture, the zip's two members.
    let several_text = runs[1]["text"].as_str().expect("text");
    assert!(several_text.contains("ticket.zip!"), "{several_text}");

    // The downloads: a sanitized copy with no secret, and the JSON report.
    assert_downloads(&runs[0], &sample, None, &work);
    assert_downloads(&runs[2], &configured, Some(&config), &work);
    assert_broken_config(&runs[3]);

    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 20_000,
        "a screenshot"
    );
    eprintln!("screenshot: {}", shot.display());
}
