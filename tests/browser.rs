//! The visual outputs in a real browser (Debian's Chromium, driven by puppeteer-core from
//! tests/browser/; nothing downloads a browser):
//! - the HTML report loads from disk with no console error and no network request, shows an
//!   SVG per flow and every finding's rule id; a screenshot goes to target/screenshots/;
//! - every Mermaid diagram `flows --format mermaid` writes for the fixtures parses and renders
//!   with the `mermaid` library.
//!
//! Needs `npm ci` in tests/browser and `/usr/bin/chromium` (or TOKENTRAIL_CHROMIUM); `.ci/run`
//! installs both. Without them these tests skip loudly, unless TOKENTRAIL_REQUIRE_BROWSER=1
//! (as CI sets), which makes a missing browser a failure.

use crate::common::{self, tokentrail};

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::common::visual as support;

struct Browser {
    node: PathBuf,
    js: PathBuf,
}

/// Node, the JS test dependencies and Chromium, or why not.
fn browser() -> Option<Browser> {
    let js = common::root().join("tests/browser");
    let chromium = std::env::var_os("TOKENTRAIL_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    let mut missing = Vec::new();
    for dep in ["puppeteer-core", "mermaid"] {
        if !js
            .join("node_modules")
            .join(dep)
            .join("package.json")
            .is_file()
        {
            missing.push(format!(
                "tests/browser/node_modules/{dep} (run `npm ci` in tests/browser)"
            ));
        }
    }
    if !chromium.is_file() {
        missing.push(format!("{} (apt-get install chromium)", chromium.display()));
    }
    let node_ok = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !node_ok {
        missing.push("node".into());
    }
    if missing.is_empty() {
        return Some(Browser {
            node: PathBuf::from("node"),
            js,
        });
    }
    let why = missing.join("; ");
    if std::env::var("TOKENTRAIL_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
        panic!("TOKENTRAIL_REQUIRE_BROWSER=1 but the browser tests cannot run: missing {why}");
    }
    // Straight to the stream, not eprintln!: the test harness would swallow that for a test
    // that passes, and a skip must be seen.
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "\n**********************************************************************\n\
         SKIPPED: browser test (HTML report / Mermaid in Chromium) — missing {why}.\n\
         `.ci/run` installs these; set TOKENTRAIL_REQUIRE_BROWSER=1 to fail instead.\n\
         **********************************************************************\n"
    );
    None
}

impl Browser {
    fn run(&self, mode: &str, manifest: &Value, work: &Path) -> Value {
        let path = work.join(format!("{mode}-manifest.json"));
        std::fs::write(&path, manifest.to_string()).expect("manifest");
        let o = Command::new(&self.node)
            .arg(self.js.join("check.mjs"))
            .arg(mode)
            .arg(&path)
            .current_dir(&self.js)
            .output()
            .expect("run node");
        assert!(
            o.status.success(),
            "check.mjs {mode} failed:\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
        serde_json::from_slice(&o.stdout).expect("check.mjs prints JSON")
    }
}

fn target_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is <target>/tmp.
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target dir")
        .to_path_buf()
}

fn html_report(out: &Path, paths: &[String], extra: &[&str]) {
    let mut args = vec!["check", "--format", "html", "-o"];
    let out_s = out.display().to_string();
    args.push(&out_s);
    args.extend(extra);
    args.extend(paths.iter().map(String::as_str));
    let o = tokentrail(&args);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{o:?}");
}

/// An HTML report to open: the captures it was made from, and where its screenshot goes.
struct Page {
    path: PathBuf,
    inputs: Vec<PathBuf>,
    screenshot: Option<PathBuf>,
    full_page: bool,
}

/// The reports to open, written into `work`: the sample (a full-page screenshot to look at);
/// every fixture without a config of its own in one report, and one report for each of the
/// others; a capture written to attack the report (last).
fn report_pages(work: &Path, shots: &Path) -> Vec<Page> {
    let sample = "fixtures/samples/wrong-profile.har".to_string();
    let sample_html = work.join("report-wrong-profile.html");
    html_report(&sample_html, std::slice::from_ref(&sample), &[]);

    let fixtures = common::fixtures();
    let plain: Vec<PathBuf> = fixtures
        .iter()
        .filter(|f| common::config_for(f).is_none())
        .cloned()
        .collect();
    let all_html = work.join("report-all-fixtures.html");
    let rels: Vec<String> = plain.iter().map(|f| common::rel(f)).collect();
    html_report(&all_html, &rels, &[]);
    let mut pages = vec![
        Page {
            path: sample_html,
            inputs: vec![common::root().join(&sample)],
            screenshot: Some(shots.join("report-wrong-profile.png")),
            full_page: true,
        },
        Page {
            path: all_html,
            inputs: plain,
            screenshot: Some(shots.join("report-all-fixtures.png")),
            full_page: false,
        },
    ];
    for (i, f) in fixtures.iter().enumerate() {
        if let Some(cfg) = common::config_for(f) {
            let out = work.join(format!("report-config-{i}.html"));
            let cfg = common::rel(&cfg);
            html_report(&out, &[common::rel(f)], &["--config", &cfg]);
            pages.push(Page {
                path: out,
                inputs: vec![f.clone()],
                screenshot: None,
                full_page: false,
            });
        }
    }
    let hostile = work.join("hostile.har");
    std::fs::write(&hostile, support::hostile_har()).expect("write");
    let hostile_html = work.join("report-hostile.html");
    html_report(&hostile_html, &[hostile.display().to_string()], &[]);
    pages.push(Page {
        path: hostile_html,
        inputs: vec![hostile],
        screenshot: Some(shots.join("report-hostile.png")),
        full_page: true,
    });
    pages
}

/// Nothing went wrong on the page and nothing left it: no error, request, dialog, script or
/// external image.
fn assert_quiet(name: &str, seen: &Value) {
    for key in ["pageErrors", "requests", "failed", "dialogs"] {
        assert_eq!(seen[key], json!([]), "{name}: {key}");
    }
    let bad = common::console_complaints(seen);
    assert!(bad.is_empty(), "{name}: console: {bad:?}");
    assert_eq!(seen["scripts"], 0, "{name}");
    assert_eq!(seen["images"], 0, "{name}: no external asset");
}

/// What the page must show: every rule that fired in its captures, every finding, and a drawn
/// SVG per flow; its screenshot is not a blank page.
fn assert_shows_every_finding(page: &Page, seen: &Value) {
    let name = page.path.display();
    let mut rules = BTreeSet::new();
    let mut flows = 0;
    let mut findings = 0;
    for input in &page.inputs {
        let file = common::check(input);
        flows += file.flows().unwrap_or(0);
        findings += file.findings.len() as u64;
        rules.extend(file.findings.iter().map(|f| f.rule.clone()));
    }
    let text = seen["text"].as_str().expect("text");
    for rule in &rules {
        assert!(
            text.contains(rule.as_str()),
            "{name}: no {rule} on the page"
        );
    }
    assert_eq!(seen["svgs"], flows, "{name}: one SVG a flow");
    assert_eq!(
        seen["findings"].as_u64(),
        Some(findings),
        "{name}: every finding listed"
    );
    for size in seen["svgSizes"].as_array().expect("sizes") {
        assert!(
            size[0].as_u64() > Some(300) && size[1].as_u64() > Some(100),
            "{name}: an SVG is drawn: {size}"
        );
    }
    if let Some(shot) = &page.screenshot {
        let png = std::fs::read(shot).expect("screenshot written");
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
        assert!(png.len() > 20_000, "{}: not a blank page", shot.display());
    }
}

#[test]
fn html_report_loads_offline_in_chromium_and_shows_every_finding() {
    let Some(browser) = browser() else { return };
    let work = target_dir().join("browser-tests");
    std::fs::create_dir_all(&work).expect("work dir");
    let shots = target_dir().join("screenshots");
    let _ = std::fs::remove_dir_all(&shots);

    let pages = report_pages(&work, &shots);
    let manifest = json!({"pages": pages.iter().map(|p| json!({
        "path": p.path, "screenshot": p.screenshot, "fullPage": p.full_page,
    })).collect::<Vec<_>>()});
    let seen = browser.run("html", &manifest, &work);
    let seen = seen["pages"].as_array().expect("pages");
    assert_eq!(seen.len(), pages.len());
    for (page, seen) in pages.iter().zip(seen) {
        assert_quiet(&page.path.display().to_string(), seen);
        assert_shows_every_finding(page, seen);
    }
    // The hostile strings are on the page as text.
    // (In the SVG with its <title> tooltips: labels too long to draw are given whole there.)
    let hostile_text = seen.last().expect("hostile")["svgText"]
        .as_str()
        .expect("text");
    assert!(
        hostile_text.contains("<script>alert(1)</script>"),
        "{hostile_text}"
    );
    eprintln!(
        "screenshots: {}",
        shots.join("report-wrong-profile.png").display()
    );
}

#[test]
fn mermaid_of_every_fixture_parses_and_renders() {
    let Some(browser) = browser() else { return };
    let work = target_dir().join("browser-tests");
    std::fs::create_dir_all(&work).expect("work dir");
    let mut diagrams = Vec::new();
    let hostile = work.join("hostile-mermaid.har");
    std::fs::write(&hostile, support::hostile_har()).expect("write");
    let mut inputs: Vec<(String, Vec<String>)> = common::fixtures()
        .iter()
        .map(|f| {
            let cfg = common::config_for(f)
                .map(|c| vec!["--config".to_string(), common::rel(&c)])
                .unwrap_or_default();
            (common::rel(f), cfg)
        })
        .collect();
    inputs.push((hostile.display().to_string(), Vec::new()));
    for (rel, cfg) in &inputs {
        let mut args = vec!["flows", rel.as_str(), "--format", "mermaid"];
        args.extend(cfg.iter().map(String::as_str));
        let o = tokentrail(&args);
        assert!(o.status.success(), "{rel}: {o:?}");
        let md = String::from_utf8(o.stdout).expect("utf-8");
        for (i, text) in support::mermaid_blocks(&md).into_iter().enumerate() {
            diagrams.push(json!({"name": format!("{rel} #{}", i + 1), "text": text}));
        }
    }
    assert!(diagrams.len() > 40, "{} diagrams", diagrams.len());
    let seen = browser.run("mermaid", &json!({ "diagrams": diagrams }), &work);
    assert_eq!(seen["pageErrors"], json!([]));
    let results = seen["results"].as_array().expect("results");
    assert_eq!(results.len(), diagrams.len());
    for r in results {
        assert_eq!(
            r["ok"], true,
            "{}: Mermaid rejects it: {}",
            r["name"], r["error"]
        );
        assert_eq!(r["type"], "sequence", "{}", r["name"]);
    }
    // Entity codes come out as the characters they stand for: masked values keep their `#`.
    let sample = results
        .iter()
        .find(|r| r["name"] == "fixtures/samples/wrong-profile.har #1")
        .expect("the sample's diagram");
    let text = sample["text"].as_str().expect("text");
    assert!(text.contains("code SK…#2cae3c"), "{text}");
    assert!(text.contains("error alexa/token-wrong-profile"), "{text}");
    let hostile: Vec<&str> = results
        .iter()
        .filter(|r| r["name"].as_str().is_some_and(|n| n.contains("hostile")))
        .filter_map(|r| r["text"].as_str())
        .collect();
    let hostile = hostile.join("\n");
    assert!(
        hostile.contains("<script>alert(1)</script>") && hostile.contains("<b>evil</b>"),
        "hostile text shown as text: {hostile}"
    );
}
