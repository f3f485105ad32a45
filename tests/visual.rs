//! The visual outputs: `flows` (terminal timeline), `flows --format mermaid` and
//! `check --format html`. Every fixture under fixtures/ (walked, so new ones are covered) goes
//! through all three; snapshots pin what a person sees for a few. The secret-leak test in
//! tests/secrets.rs covers these outputs too; the browser checks are in tests/browser.rs.

use std::path::Path;
use std::process::Output;

use tokentrail::report::mermaid;

use crate::common::visual as support;
use crate::common::{self, tokentrail as run};

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 output")
}

fn config_args(fixture: &Path) -> Vec<String> {
    common::config_for(fixture)
        .map(|c| vec!["--config".to_string(), common::rel(&c)])
        .unwrap_or_default()
}

#[test]
fn every_fixture_has_a_timeline_a_diagram_and_a_report() {
    let fixtures = common::fixtures();
    assert!(fixtures.len() >= 40, "the fixtures are there");
    let dir = tempfile::tempdir().expect("tempdir");
    for fixture in &fixtures {
        let rel = common::rel(fixture);
        let cfg = config_args(fixture);
        let with_cfg = |args: &[&str]| {
            let mut v: Vec<&str> = args.to_vec();
            v.extend(cfg.iter().map(String::as_str));
            run(&v)
        };
        let file = common::check(fixture);
        let flows = file.flows().expect("analysed");

        // The terminal timeline: every line fits 80 columns, one section per flow, and every
        // finding is there.
        let o = with_cfg(&["flows", &rel]);
        assert!(o.status.success(), "{rel}: flows failed: {o:?}");
        let text = stdout(&o);
        for line in text.lines() {
            assert!(
                line.chars().count() <= 80,
                "{rel}: a line of {} columns:\n{line}",
                line.chars().count()
            );
        }
        assert!(!text.contains('\x1b'), "{rel}: colour on a pipe");
        assert_eq!(
            text.lines().filter(|l| l.starts_with("Flow ")).count(),
            flows,
            "{rel}: one section per flow:\n{text}"
        );
        for f in &file.findings {
            assert!(
                text.contains(&format!("{} {}", f.severity.as_str(), f.rule)),
                "{rel}: the timeline lacks {}:\n{text}",
                f.rule
            );
        }

        // Mermaid: one sequence diagram per flow, each finding a note.
        let o = with_cfg(&["flows", &rel, "--format", "mermaid"]);
        assert!(o.status.success(), "{rel}: mermaid failed: {o:?}");
        let md = stdout(&o);
        let blocks = support::mermaid_blocks(&md);
        let expected = if flows == 0 && !file.findings.is_empty() {
            1
        } else {
            flows
        };
        assert_eq!(blocks.len(), expected, "{rel}: diagrams:\n{md}");
        for b in &blocks {
            assert!(b.starts_with("sequenceDiagram\n"), "{rel}:\n{b}");
            for line in b.lines().skip(1) {
                // A label never carries a raw `;` or a `#` that is not an entity code.
                let label = line.split_once(": ").map_or("", |(_, l)| l);
                assert!(!label.contains(';') || label_entities_only(label), "{line}");
            }
        }
        let notes = blocks
            .iter()
            .flat_map(|b| b.lines())
            .filter(|l| l.trim_start().starts_with("Note over"))
            .count();
        assert_eq!(notes, file.findings.len(), "{rel}: one note per finding");

        // HTML: a complete page with one SVG per flow and every finding's rule id.
        let out = dir.path().join("report.html");
        let out_s = out.display().to_string();
        let o = with_cfg(&["check", &rel, "--format", "html", "-o", &out_s]);
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "{rel}: html failed: {o:?}"
        );
        assert!(o.stdout.is_empty(), "{rel}: -o writes nothing to stdout");
        let html = std::fs::read_to_string(&out).expect("report written");
        assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>\n"));
        assert_eq!(
            html.matches("<svg ").count(),
            flows,
            "{rel}: one SVG a flow"
        );
        assert!(!html.contains("<script"), "{rel}: no script");
        for f in &file.findings {
            assert!(
                html.contains(&format!(r#"<code class="rule">{}</code>"#, f.rule)),
                "{rel}: the report lacks {}",
                f.rule
            );
        }
    }
}

/// Every `#` and `;` of a Mermaid label belongs to an entity code (`#35;`, `#lt;`).
fn label_entities_only(label: &str) -> bool {
    let re = regex::Regex::new(r"#[0-9a-z]+;").expect("regex");
    let rest = re.replace_all(label, "");
    !rest.contains(';') && !rest.contains('#')
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let rel = "fixtures/samples/wrong-profile.har";
    let plain = stdout(&run(&["flows", rel]));
    let never = stdout(&run(&["flows", rel, "--color", "never"]));
    let always = stdout(&run(&["flows", rel, "--color", "always"]));
    assert!(!plain.contains('\x1b') && !never.contains('\x1b'));
    assert!(always.contains("\x1b[31m"), "findings in red");
    let stripped = regex::Regex::new("\x1b\\[[0-9;]*m")
        .expect("regex")
        .replace_all(&always, "");
    assert_eq!(stripped, never, "colour changes nothing else");
    let no_color = common::bin()
        .args(["flows", rel])
        .env("NO_COLOR", "1")
        .output()
        .expect("run");
    assert!(!stdout(&no_color).contains('\x1b'));
}

#[test]
fn lineage_lanes_join_issue_and_use() {
    let text = stdout(&run(&["flows", "fixtures/samples/wrong-profile.har"]));
    let lines: Vec<&str> = text.lines().collect();
    let issue = lines
        .iter()
        .position(|l| l.contains("● access token sk…#4f3a50"))
        .expect("the token is issued");
    let used = lines
        .iter()
        .position(|l| l.contains("▶ bearer sk…#4f3a50"))
        .expect("the token is used");
    let col = lines[issue]
        .chars()
        .position(|c| c == '╭')
        .expect("a lane starts");
    assert_eq!(
        lines[used].chars().nth(col),
        Some('╰'),
        "the lane ends at the use"
    );
    for l in &lines[issue + 1..used] {
        assert!(
            matches!(l.chars().nth(col), Some('│' | '├')),
            "the lane runs unbroken: {l}"
        );
    }
    // The finding sits under the step it concerns (the activation at #10).
    let finding = lines
        .iter()
        .position(|l| l.contains("! error alexa/token-wrong-profile"))
        .expect("finding");
    let activation = lines
        .iter()
        .position(|l| l.contains("#10") && l.contains("skill activation"))
        .expect("activation");
    assert!(finding > activation);
}

#[test]
fn output_flag_writes_the_file_and_dash_is_stdout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("out.json");
    let rel = "fixtures/samples/wrong-profile.har";
    let o = run(&[
        "check",
        rel,
        "--format",
        "json",
        "-o",
        &path.display().to_string(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "the finding still sets the exit code"
    );
    assert!(o.stdout.is_empty());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("written")).expect("json");
    assert_eq!(json["findings"][0]["rule"], "alexa/token-wrong-profile");
    let o = run(&["check", rel, "--format", "html", "-o", "-"]);
    assert!(stdout(&o).starts_with("<!DOCTYPE html>"));
    let o = run(&["check", rel, "-o", "/nonexistent-dir/x.html"]);
    assert_eq!(o.status.code(), Some(2), "an unwritable output is an error");
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot write the report"));
}

#[test]
fn a_hostile_capture_cannot_break_out_of_any_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("hostile.har");
    std::fs::write(&path, support::hostile_har()).expect("write");
    let p = path.display().to_string();

    let text = stdout(&run(&["flows", &p, "--color", "never"]));
    assert!(text.contains("<script>"), "shown as text:\n{text}");
    assert!(
        !text.contains('\x1b'),
        "no terminal escape from the capture"
    );
    assert!(!text.contains("hostilesecret") && !text.contains("ANhostilecode00001"));

    let md = stdout(&run(&["flows", &p, "--format", "mermaid"]));
    for b in support::mermaid_blocks(&md) {
        for line in b.lines().skip(1) {
            let label = line.split_once(": ").map_or("", |(_, l)| l);
            assert!(
                !label.contains('<') || !label.replace("<br/>", "").contains('<'),
                "{line}"
            );
            assert!(label_entities_only(label), "{line}");
            assert!(!label.contains("%%") && !label.contains('\x1b'), "{line}");
        }
    }

    let html = stdout(&run(&["check", &p, "--format", "html"]));
    assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("<b>"));
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "shown, escaped"
    );
    assert!(!html.contains("hostilesecret") && !html.contains("hostiletoken0123456789"));
    assert!(!html.contains('\x1b'));
}

#[test]
fn mermaid_escapes_what_ends_a_label() {
    assert_eq!(mermaid::escape("a;b"), "a#59;b");
    assert_eq!(mermaid::escape("<x>\"#"), "#lt;x#gt;#quot;#35;");
}

// Snapshots of what a person sees: review changes as diffs
// (`INSTA_UPDATE=always cargo test --test integration visual::`, then `cargo insta review` or git diff).

/// Checks a fixture named by its relative path, so outputs name it that way wherever the
/// repository is cloned.
fn checked(rel: &str) -> tokentrail::report::FileReport {
    let path = common::root().join(rel);
    let bytes = std::fs::read(&path).expect("fixture");
    let capture = tokentrail::read::read_bytes(rel, std::sync::Arc::from(bytes)).expect("reads");
    tokentrail::check::check_capture(capture, &common::options_for(&path))
}

fn timeline_of(rel: &str) -> String {
    let file = checked(rel);
    tokentrail::timeline::render(
        &file,
        &tokentrail::timeline::TimelineOptions {
            width: 80,
            color: false,
        },
    )
}

fn mermaid_of(rel: &str) -> String {
    mermaid::render(&checked(rel))
}

#[test]
fn snapshot_timeline_wrong_profile() {
    insta::assert_snapshot!(timeline_of("fixtures/samples/wrong-profile.har"));
}

#[test]
fn snapshot_timeline_code_reused_after_a_dropped_response() {
    insta::assert_snapshot!(timeline_of(
        "fixtures/oauth/code-reused/fires-first-unanswered-firefox.har"
    ));
}

#[test]
fn snapshot_timeline_two_flows() {
    insta::assert_snapshot!(timeline_of("fixtures/good/two-flows-chrome.har"));
}

#[test]
fn snapshot_timeline_truncated() {
    insta::assert_snapshot!(timeline_of(
        "fixtures/capture/truncated/fires-chrome-cut.har"
    ));
}

#[test]
fn snapshot_mermaid_wrong_profile() {
    insta::assert_snapshot!(mermaid_of("fixtures/samples/wrong-profile.har"));
}

#[test]
fn snapshot_mermaid_code_reused_after_a_dropped_response() {
    insta::assert_snapshot!(mermaid_of(
        "fixtures/oauth/code-reused/fires-first-unanswered-firefox.har"
    ));
}

#[test]
fn snapshot_mermaid_lwa_fallback() {
    insta::assert_snapshot!(mermaid_of("fixtures/good/lwa-fallback-chrome.har"));
}
