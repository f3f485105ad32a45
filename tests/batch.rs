//! Batch scanning as a CI job or a cluster runs it: NDJSON and SARIF output, the summary
//! table, shards that add up to the whole, sessions across files, and exit codes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::common::{self, tokentrail};

fn lines(o: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn of_type<'a>(lines: &'a [Value], t: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["type"] == t).collect()
}

const SAMPLE: &str = "fixtures/samples/wrong-profile.har";
const GOOD: &str = "fixtures/good/lwa-fallback-chrome.har";
const CUT: &str = "fixtures/capture/truncated/fires-chrome-cut.har";

/// Every fixture HAR, relative to the repository root (as a user would list them).
fn fixture_paths() -> Vec<String> {
    let root = common::root();
    common::fixtures()
        .iter()
        .map(|p| {
            p.strip_prefix(&root)
                .expect("under root")
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect()
}

#[test]
fn ndjson_is_one_object_a_line_with_the_json_findings() {
    let args = ["check", "--format", "ndjson", SAMPLE, CUT, GOOD];
    let o = tokentrail(&args);
    assert_eq!(o.status.code(), Some(1));
    let lines = lines(&o);
    let json = tokentrail(&["check", "--format", "json", SAMPLE, CUT, GOOD]);
    let json: Value = serde_json::from_slice(&json.stdout).expect("json");

    // The same findings, field for field, in the same order, plus `type`.
    let findings: Vec<Value> = of_type(&lines, "finding")
        .into_iter()
        .map(|f| {
            let mut f = f.clone();
            f.as_object_mut().expect("object").remove("type");
            f
        })
        .collect();
    assert_eq!(&Value::Array(findings), &json["findings"]);

    let files: Vec<&str> = of_type(&lines, "file")
        .iter()
        .map(|f| f["file"].as_str().expect("file"))
        .collect();
    assert_eq!(
        files,
        [SAMPLE, CUT, GOOD],
        "one line per file, in input order"
    );
    let last = lines.last().expect("lines");
    assert_eq!(last["type"], "summary", "the summary closes the output");
    assert_eq!(of_type(&lines, "summary").len(), 1);
    assert_eq!(last["files"], 3);
    assert_eq!(last["errors"], json["summary"]["errors"]);
    assert_eq!(last["warnings"], 1);
    assert_eq!(last["rules"]["capture/truncated"]["findings"], 1);
    assert!(last["shard"].is_null());
}

/// Files are checked by whichever thread is free, so they finish out of order (the fixtures
/// range from a few entries to hundreds): the output still follows the input order, and is
/// the same on one thread and on four.
#[test]
fn many_files_come_out_in_input_order_on_any_number_of_threads() {
    let mut paths = fixture_paths();
    // Long ones first, so that short ones after them finish before them.
    paths.sort_by_key(|p| {
        std::cmp::Reverse(std::fs::metadata(common::root().join(p)).map_or(0, |m| m.len()))
    });
    let mut args = vec!["check", "--format", "ndjson"];
    args.extend(paths.iter().map(String::as_str));
    let run = |threads: &str| {
        common::bin()
            .args(&args)
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .expect("run tokentrail")
    };
    let (one, four) = (run("1"), run("4"));
    assert!(paths.len() > 100, "only {} fixtures", paths.len());
    for o in [&one, &four] {
        let lines = lines(o);
        let files: Vec<&str> = of_type(&lines, "file")
            .iter()
            .map(|f| f["file"].as_str().expect("file"))
            .collect();
        assert_eq!(files, paths, "one line per file, in input order");
    }
    assert!(
        one.stdout == four.stdout,
        "one thread and four threads write different reports"
    );
}

#[test]
fn exit_codes_hold_in_every_format() {
    for format in ["human", "json", "ndjson", "sarif"] {
        let code = |paths: &[&str], extra: &[&str]| {
            let mut args = vec!["check", "--format", format];
            args.extend(extra);
            args.extend(paths);
            tokentrail(&args).status.code()
        };
        assert_eq!(code(&[GOOD], &[]), Some(0), "{format}: nothing found");
        assert_eq!(code(&[GOOD, SAMPLE], &[]), Some(1), "{format}: an error");
        assert_eq!(code(&[CUT], &[]), Some(0), "{format}: a warning alone");
        assert_eq!(code(&[CUT], &["--fail-on", "warning"]), Some(1), "{format}");
        assert_eq!(code(&[SAMPLE], &["--fail-on", "none"]), Some(0), "{format}");
        assert_eq!(
            code(&[SAMPLE, "no/such/file.har"], &[]),
            Some(2),
            "{format}: an unreadable input is the worst outcome"
        );
    }
}

#[test]
fn a_corrupt_file_and_a_missing_path_do_not_hide_the_others() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corrupt = dir.path().join("corrupt.har");
    std::fs::write(&corrupt, "{\"log\": nonsense").expect("write");
    let corrupt = corrupt.to_str().expect("utf-8");
    let o = tokentrail(&["check", "--format", "ndjson", corrupt, "gone.har", SAMPLE]);
    assert_eq!(o.status.code(), Some(2));
    let lines = lines(&o);
    let errors: Vec<&Value> = of_type(&lines, "file")
        .into_iter()
        .filter(|f| !f["error"].is_null())
        .collect();
    assert_eq!(errors.len(), 2, "{lines:?}");
    assert!(of_type(&lines, "finding")
        .iter()
        .any(|f| f["rule"] == "alexa/token-wrong-profile"));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("gone.har") && err.contains("corrupt.har"),
        "{err}"
    );
}

#[test]
fn sarif_validates_against_the_2_1_0_schema_and_locates_findings() {
    let schema_text =
        std::fs::read_to_string(common::root().join("tests/data/sarif-schema-2.1.0.json"))
            .expect("vendored schema");
    let schema: Value = serde_json::from_str(&schema_text).expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");

    let o = tokentrail(&[
        "check",
        "--format",
        "sarif",
        SAMPLE,
        CUT,
        GOOD,
        "no/such/file.har",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let sarif: Value = serde_json::from_slice(&o.stdout).expect("sarif is JSON");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The validator is not vacuous: a wrong level is refused.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!validator.is_valid(&broken));

    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let listed = String::from_utf8_lossy(&tokentrail(&["rules"]).stdout).into_owned();
    assert_eq!(
        rules.len(),
        listed.lines().filter(|l| l.contains('/')).count(),
        "every rule in force is described"
    );
    let rule = rules
        .iter()
        .find(|r| r["id"] == "alexa/token-wrong-profile")
        .expect("rule metadata");
    assert_eq!(rule["defaultConfiguration"]["level"], "error");
    let help = rule["help"]["markdown"].as_str().expect("markdown");
    for section in [
        "What it finds",
        "Why it matters",
        "Example",
        "How to fix it",
    ] {
        assert!(help.contains(section), "{help}");
    }

    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "alexa/token-wrong-profile");
    assert_eq!(
        rules[result["ruleIndex"].as_u64().expect("index") as usize]["id"],
        result["ruleId"]
    );
    let loc = &result["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], SAMPLE);
    // The Bearer token of entry #10, where the human output points too.
    let region = &loc["region"];
    assert_eq!(region["startLine"], 1240);
    let line = std::fs::read_to_string(common::root().join(SAMPLE))
        .expect("sample")
        .lines()
        .nth(1239)
        .expect("line")
        .to_string();
    let start = region["startColumn"].as_u64().expect("column") as usize - 1;
    assert!(line[start..].starts_with("skilltok-"), "{line} @ {start}");
    assert_eq!(
        result["relatedLocations"][0]["message"]["text"],
        "the token was minted here, for client skill-client-a"
    );
    let truncated = run["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["ruleId"] == "capture/truncated")
        .expect("truncated");
    assert_eq!(
        truncated["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        CUT
    );
    assert!(truncated["locations"][0]["physicalLocation"]["region"]["startLine"].is_u64());
    let notes = &run["invocations"][0]["toolExecutionNotifications"];
    assert!(notes[0]["message"]["text"]
        .as_str()
        .expect("text")
        .contains("no/such/file.har"));
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);
    // Masked values only.
    assert!(!String::from_utf8_lossy(&o.stdout).contains("skilltok-IyMLml"));
}

#[test]
fn summary_table_goes_to_stderr_and_stdout_stays_clean() {
    let with = tokentrail(&[
        "check",
        "--format",
        "json",
        "--summary",
        SAMPLE,
        CUT,
        "gone.har",
    ]);
    let without = tokentrail(&["check", "--format", "json", SAMPLE, CUT, "gone.har"]);
    assert_eq!(
        with.stdout, without.stdout,
        "the table never reaches stdout"
    );
    let err = String::from_utf8_lossy(&with.stderr);
    for needle in [
        "files",
        "unreadable",
        "OAuth flows",
        "alexa/token-wrong-profile",
        "capture/truncated",
        "gone.har",
    ] {
        assert!(err.contains(needle), "{needle}: {err}");
    }
    assert!(!String::from_utf8_lossy(&without.stderr).contains("OAuth flows"));
}

#[test]
fn no_progress_bar_when_stderr_is_not_a_terminal() {
    let paths = fixture_paths();
    assert!(paths.len() > 8, "a long batch");
    let mut args = vec!["check", "--format", "ndjson"];
    args.extend(paths.iter().map(String::as_str));
    let o = tokentrail(&args);
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!o.stdout.contains(&b'\r') && !o.stdout.contains(&0x1b));
}

#[test]
fn shards_split_the_inputs_and_add_up_to_the_whole() {
    let paths = fixture_paths();
    let mut args = vec!["check", "--format", "ndjson"];
    args.extend(paths.iter().map(String::as_str));
    let whole = lines(&tokentrail(&args));

    const N: usize = 3;
    let shard_args: Vec<String> = (1..=N).map(|i| format!("{i}/{N}")).collect();
    // N processes at once, as N machines would run them.
    let children: Vec<_> = shard_args
        .iter()
        .map(|shard| {
            let mut args = vec!["check", "--format", "ndjson", "--shard", shard.as_str()];
            args.extend(paths.iter().map(String::as_str));
            common::bin()
                .args(&args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().expect("wait"))
        .collect();
    let mut concatenated = String::new();
    for (o, shard) in outputs.iter().zip(&shard_args) {
        let lines = lines(o);
        assert_eq!(lines.last().expect("summary")["shard"], shard.as_str());
        assert!(
            !of_type(&lines, "file").is_empty(),
            "shard {shard} got no file: a poor split of {} files",
            paths.len()
        );
        concatenated.push_str(&String::from_utf8_lossy(&o.stdout));
    }
    let merged = tokentrail::report::ndjson::merge(&concatenated).expect("merges");
    assert_eq!(merged.runs, N);

    // Each file checked exactly once across the shards.
    let files: Vec<&str> = merged
        .files
        .iter()
        .map(|f| f["file"].as_str().expect("file"))
        .collect();
    let unique: BTreeSet<&str> = files.iter().copied().collect();
    assert_eq!(files.len(), unique.len(), "a file checked twice");
    let all: BTreeSet<&str> = paths.iter().map(String::as_str).collect();
    assert_eq!(unique, all);

    // The union of the findings is the unsharded run's (order aside).
    let key = |f: &Value| serde_json::to_string(f).expect("json");
    let sharded: BTreeSet<String> = merged.findings.iter().map(key).collect();
    let unsharded: BTreeSet<String> = of_type(&whole, "finding").into_iter().map(key).collect();
    assert_eq!(merged.findings.len(), of_type(&whole, "finding").len());
    assert_eq!(sharded, unsharded);

    // And the summaries add up to the unsharded summary.
    let mut total = serde_json::to_value(&merged.summary).expect("summary");
    let mut expected = whole.last().expect("summary").clone();
    for v in [&mut total, &mut expected] {
        let o = v.as_object_mut().expect("object");
        for k in ["type", "version", "shard"] {
            o.remove(k);
        }
    }
    assert_eq!(total, expected);
}

#[test]
fn a_bad_shard_is_a_clear_usage_error() {
    for bad in ["0/3", "4/3", "1/0", "half"] {
        let o = tokentrail(&["check", "--shard", bad, GOOD]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("1 <= I <= N"), "{bad}: {err}");
    }
    let o = tokentrail(&["check", "--shard", "1/2", "-"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("standard input"));
}

/// Splits one capture into two files of the same attempt: `(first, second)` take the entries
/// numbered in each list (1-based), in that order.
fn split_har(fixture: &str, first: &[usize], second: &[usize], dir: &Path) -> (PathBuf, PathBuf) {
    let text = std::fs::read_to_string(common::root().join(fixture)).expect("fixture");
    let har: Value = serde_json::from_str(&text).expect("har");
    let entries = har["log"]["entries"].as_array().expect("entries");
    let write = |name: &str, pick: &[usize]| {
        let mut part = har.clone();
        let log = part["log"].as_object_mut().expect("log");
        log.remove("_expect");
        log.insert(
            "entries".into(),
            Value::Array(pick.iter().map(|i| entries[i - 1].clone()).collect()),
        );
        let path = dir.join(name);
        std::fs::write(&path, serde_json::to_string_pretty(&part).expect("json")).expect("write");
        path
    };
    (write("app.har", first), write("backend.har", second))
}

#[test]
fn a_session_follows_a_code_across_files() {
    // The code is issued and redeemed once in the app's capture, and redeemed again in the
    // backend's: alone, neither file shows the reuse.
    let dir = tempfile::tempdir().expect("tempdir");
    let (app, backend) = split_har(
        "fixtures/oauth/code-reused/fires-two-token-requests-chrome.har",
        &[1, 2, 3, 4, 5, 6],
        &[7, 8, 9, 10, 11, 12],
        dir.path(),
    );
    let (app, backend) = (
        app.to_str().expect("utf-8"),
        backend.to_str().expect("utf-8"),
    );
    let rules_of = |o: &Output| -> Vec<String> {
        let json: Value = serde_json::from_slice(&o.stdout).expect("json");
        json["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| f["rule"].as_str().expect("rule").to_string())
            .collect()
    };
    let apart = tokentrail(&["check", "--format", "json", backend, app]);
    assert!(
        !rules_of(&apart).contains(&"oauth/code-reused".to_string()),
        "per file, nothing is reused"
    );

    // The backend's file first: the session orders by time, not by the order given.
    let o = tokentrail(&["check", "--session", "--format", "json", backend, app]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let json: Value = serde_json::from_slice(&o.stdout).expect("json");
    let f = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "oauth/code-reused")
        .expect("code-reused fires across files");
    // Entry 8 of the original is entry 2 of the backend's file; the first redemption
    // (entry 6) is in the app's file.
    assert_eq!(f["file"], backend);
    assert_eq!(f["entry"], 2);
    assert_eq!(f["method"], "POST");
    let first = &f["related"][0];
    assert_eq!(
        (first["entry"].as_u64(), first["file"].as_str()),
        (Some(6), Some(app))
    );
    let message = f["message"].as_str().expect("message");
    assert!(
        message.contains("again at entry #2 ") && message.contains(&format!("entry #6 of {app}")),
        "{message}"
    );
    let files: Vec<&str> = json["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["file"].as_str().expect("file"))
        .collect();
    assert_eq!(files, [backend, app]);
    assert_eq!(json["summary"]["files"], 2);

    // The human output shows each snippet from its own file, at that file's lines.
    let human = tokentrail(&["check", "--session", "--color", "never", backend, app]);
    let out = String::from_utf8_lossy(&human.stdout);
    assert!(
        out.contains("entry #2 POST https://api.amazon.com/auth/o2/token"),
        "{out}"
    );
    assert!(out.contains(&format!("[{backend}:")), "{out}");
    assert!(out.contains(&format!("[{app}:")), "{out}");
    assert!(out.contains("related: entry #6 of"), "{out}");

    // SARIF names both files.
    let sarif = tokentrail(&["check", "--session", "--format", "sarif", backend, app]);
    let sarif: Value = serde_json::from_slice(&sarif.stdout).expect("sarif");
    let result = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["ruleId"] == "oauth/code-reused")
        .expect("result");
    let uri = |loc: &Value| loc["physicalLocation"]["artifactLocation"]["uri"].clone();
    assert!(uri(&result["locations"][0])
        .as_str()
        .expect("uri")
        .ends_with("backend.har"));
    assert!(uri(&result["relatedLocations"][0])
        .as_str()
        .expect("uri")
        .ends_with("app.har"));
}

#[test]
fn a_progress_bar_on_a_terminal_never_reaches_stdout() {
    // `script` gives the command a terminal; without it (a minimal CI image) there is no
    // terminal to test with.
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return;
    }
    let paths = fixture_paths();
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out.ndjson");
    let command = format!(
        "{} check --format ndjson {} > {}",
        env!("CARGO_BIN_EXE_tokentrail"),
        paths.join(" "),
        out.display()
    );
    let tty = common::run::clear_env(&mut Command::new("script"))
        .current_dir(common::root())
        .args(["-qec", &command, "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .expect("script");
    let terminal = String::from_utf8_lossy(&tty.stdout);
    assert!(
        terminal.contains(&format!("/{} files", paths.len())),
        "the bar is drawn on the terminal: {terminal}"
    );
    let mut args = vec!["check", "--format", "ndjson"];
    args.extend(paths.iter().map(String::as_str));
    let plain = tokentrail(&args);
    assert_eq!(
        std::fs::read(&out).expect("stdout file"),
        plain.stdout,
        "stdout is the same with and without the bar"
    );
}
