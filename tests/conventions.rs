//! The command line behaves like the linters people already use (issue 20): every item and
//! feature through the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::common::{self, bin, stderr as err, stdout as out, tokentrail};

const SAMPLE: &str = "fixtures/samples/wrong-profile.har";
const GOOD: &str = "fixtures/good/lwa-fallback-chrome.har";
const CUT: &str = "fixtures/capture/truncated/fires-chrome-cut.har";

fn run_in(dir: &Path, args: &[&str]) -> Output {
    bin().current_dir(dir).args(args).output().expect("run")
}

fn abs(rel: &str) -> String {
    common::root().join(rel).display().to_string()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", out(o), err(o)))
}

fn rules_of(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().expect("rule").to_string())
        .collect()
}

// Item 1: an input set without captures is an error, not a green run; -v and -q.
#[test]
fn a_directory_without_captures_exits_2_and_says_what_was_looked_at() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("notes.md"), "# notes\n").expect("write");
    std::fs::write(dir.path().join("config.toml"), "[a]\nb = 1\n").expect("write");
    let d = dir.path().to_str().expect("utf-8");
    let o = tokentrail(&["check", d]);
    assert_eq!(o.status.code(), Some(2), "{}{}", out(&o), err(&o));
    let e = err(&o);
    assert!(
        e.contains("error: no capture to check in")
            && e.contains("2 files looked at, none of them a capture"),
        "{e}"
    );
    assert!(!out(&o).contains("no findings"), "{}", out(&o));
    let empty = tempfile::tempdir().expect("tempdir");
    let o = tokentrail(&["check", empty.path().to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2));

    let v = tokentrail(&["check", "-v", d]);
    let e = err(&v);
    assert!(
        e.contains("skipped ") && e.contains("notes.md: not a capture"),
        "{e}"
    );
    assert!(e.contains("config.toml: not a capture"), "{e}");
    assert!(
        e.contains("config: "),
        "-v names the configuration used: {e}"
    );

    // -q: findings only.
    let q = tokentrail(&["check", "-q", SAMPLE]);
    assert_eq!(q.status.code(), Some(1));
    assert!(out(&q).contains("alexa/token-wrong-profile"));
    assert!(
        !out(&q).contains("errors, "),
        "no summary line: {}",
        out(&q)
    );
    let loud = tokentrail(&["check", SAMPLE]);
    assert!(
        out(&loud).contains("2 errors, 0 warnings"),
        "{}",
        out(&loud)
    );
}

/// A zip of the given members, written into `dir`.
fn zip_in(dir: &Path, name: &str, members: &[(&str, &[u8])]) -> String {
    use std::io::Write;
    let path = dir.join(name);
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).expect("create"));
    for (member, bytes) in members {
        zip.start_file(*member, zip::write::SimpleFileOptions::default())
            .expect("member");
        zip.write_all(bytes).expect("write");
    }
    zip.finish().expect("finish");
    path.to_str().expect("utf-8").to_string()
}

// Item 1, inside archives: members that are no capture are listed by -v and not counted as
// captures, so an archive of notes is exit 2 like a directory of notes.
#[test]
fn archive_members_that_are_no_capture_are_listed_and_not_counted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let har = std::fs::read(SAMPLE).expect("sample");
    let mixed = zip_in(
        dir.path(),
        "mixed.zip",
        &[("README.txt", b"read me\n"), ("login.har", &har)],
    );
    let o = tokentrail(&["check", "-v", &mixed]);
    assert_eq!(o.status.code(), Some(1), "{}{}", out(&o), err(&o));
    assert!(
        err(&o).contains("skipped ") && err(&o).contains("mixed.zip!README.txt: not a capture"),
        "{}",
        err(&o)
    );
    assert!(out(&o).contains("alexa/token-wrong-profile"), "{}", out(&o));

    let notes = zip_in(dir.path(), "notes.zip", &[("README.txt", b"read me\n")]);
    let o = tokentrail(&["check", &notes]);
    assert_eq!(o.status.code(), Some(2), "{}{}", out(&o), err(&o));
    assert!(
        err(&o).contains("1 file looked at, none of them a capture"),
        "{}",
        err(&o)
    );
    let o = tokentrail(&["check", "--session", &notes]);
    assert_eq!(o.status.code(), Some(2), "{}{}", out(&o), err(&o));
}

// Item 2: flows takes several paths.
#[test]
fn flows_shows_every_capture_given() {
    let o = tokentrail(&["flows", SAMPLE, GOOD]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let text = out(&o);
    assert!(text.contains(&format!("== {SAMPLE} ==")), "{text}");
    assert!(text.contains(&format!("== {GOOD} ==")), "{text}");
    let o = tokentrail(&["flows", "--format", "mermaid", "fixtures/samples"]);
    let md = out(&o);
    assert_eq!(
        md.matches("# fixtures/samples/wrong-profile.").count(),
        6,
        "{md}"
    );
    assert_eq!(o.status.code(), Some(0));
}

// Item 3: an unreadable input is said once, on stderr.
#[test]
fn a_read_error_is_printed_once() {
    let o = tokentrail(&["check", "no/such/file.har", SAMPLE]);
    assert_eq!(o.status.code(), Some(2));
    let both = out(&o) + &err(&o);
    assert_eq!(
        both.matches("no/such/file.har: cannot read").count(),
        1,
        "{both}"
    );
    assert!(err(&o).contains("no/such/file.har: cannot read"));
}

// Item 4: sanitize never overwrites its own input.
#[test]
fn sanitize_refuses_to_overwrite_its_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("w.har");
    std::fs::copy(common::root().join(SAMPLE), &copy).expect("copy");
    let before = std::fs::read(&copy).expect("read");
    let c = copy.to_str().expect("utf-8");
    // The same file under another spelling too.
    let other = dir.path().join(".").join("w.har");
    for output in [c, other.to_str().expect("utf-8")] {
        let o = tokentrail(&["sanitize", c, "-o", output]);
        assert_eq!(o.status.code(), Some(2), "{}", err(&o));
        assert!(
            err(&o).contains("-o names the input file itself"),
            "{}",
            err(&o)
        );
        assert_eq!(
            std::fs::read(&copy).expect("read"),
            before,
            "left as it was"
        );
    }
    let o = tokentrail(&[
        "sanitize",
        c,
        "-o",
        dir.path().join("s.har").to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
}

/// `path:line:col` of every snippet header in human output.
fn headers(text: &str) -> Vec<(usize, usize)> {
    text.lines()
        .filter_map(|l| l.split_once(",-[").map(|(_, r)| r.trim_end_matches(']')))
        .filter_map(|h| {
            let mut parts = h.rsplitn(3, ':');
            let col = parts.next()?.parse().ok()?;
            let line = parts.next()?.parse().ok()?;
            Some((line, col))
        })
        .collect()
}

// Item 5: the human column is the file's, as SARIF says, also after a masked value.
#[test]
fn human_columns_agree_with_sarif() {
    let human = out(&tokentrail(&["check", SAMPLE]));
    let got = headers(&human);
    assert!(got.contains(&(607, 148)), "{got:?}\n{human}");
    let sarif = json(&tokentrail(&["check", "--format", "sarif", SAMPLE]));
    let mut regions = Vec::new();
    for r in sarif["runs"][0]["results"].as_array().expect("results") {
        let locs = r["locations"].as_array().into_iter().flatten();
        let related = r["relatedLocations"].as_array().into_iter().flatten();
        for l in locs.chain(related) {
            let region = &l["physicalLocation"]["region"];
            if let (Some(line), Some(col)) =
                (region["startLine"].as_u64(), region["startColumn"].as_u64())
            {
                regions.push((line as usize, col as usize));
            }
        }
    }
    assert!(got.len() >= 3, "{got:?}");
    for h in &got {
        assert!(
            regions.contains(h),
            "human {h:?} not among SARIF's {regions:?}"
        );
    }
}

/// A repository in a temp dir: `.git`, a subdirectory, and the sample.
fn repo_with_config(config: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("repo");
    let deep = repo.join("tickets/1234");
    std::fs::create_dir_all(&deep).expect("mkdir");
    std::fs::create_dir(repo.join(".git")).expect("mkdir .git");
    std::fs::write(repo.join("tokentrail.toml"), config).expect("write config");
    (tmp, deep)
}

// Item 6: config discovery walks up to the repository root; --config wins; --isolated.
#[test]
fn config_is_found_up_to_the_repository_root() {
    let (tmp, deep) = repo_with_config("[rules]\nignore = [\"activation-failed\"]\n");
    let sample = abs(SAMPLE);
    let o = run_in(&deep, &["check", "--format", "json", &sample]);
    assert_eq!(
        rules_of(&json(&o)),
        ["alexa/token-wrong-profile"],
        "{}",
        err(&o)
    );
    let v = run_in(&deep, &["check", "-v", "--format", "json", &sample]);
    assert!(
        err(&v).contains("config: ../../tokentrail.toml"),
        "{}",
        err(&v)
    );

    let o = run_in(&deep, &["check", "--isolated", "--format", "json", &sample]);
    assert_eq!(
        rules_of(&json(&o)),
        ["alexa/token-wrong-profile", "alexa/activation-failed"]
    );
    let other = tmp.path().join("other.toml");
    std::fs::write(&other, "[rules]\nselect = [\"activation-failed\"]\n").expect("write");
    let o = run_in(
        &deep,
        &[
            "check",
            "--config",
            other.to_str().expect("utf-8"),
            "--format",
            "json",
            &sample,
        ],
    );
    assert_eq!(
        rules_of(&json(&o)),
        ["alexa/activation-failed"],
        "--config wins"
    );

    // Above the repository root nothing is looked for.
    std::fs::remove_file(tmp.path().join("repo/tokentrail.toml")).expect("rm");
    std::fs::write(
        tmp.path().join("tokentrail.toml"),
        "[rules]\nselect = [\"oauth/\"]\n",
    )
    .expect("write");
    let o = run_in(&deep, &["check", "--format", "json", &sample]);
    assert_eq!(rules_of(&json(&o)).len(), 2);
}

// Item 7: explain takes bare names and suggests instead of listing every id.
#[test]
fn explain_matches_bare_names_and_suggests() {
    let o = tokentrail(&["explain", "code-reused"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(out(&o).starts_with("## oauth/code-reused"), "{}", out(&o));
    let o = tokentrail(&["explain", "oauth/code-reuse"]);
    assert_eq!(o.status.code(), Some(2));
    let e = err(&o);
    assert!(e.contains("did you mean `oauth/code-reused`?"), "{e}");
    assert!(
        !e.contains("alexa/activation-failed"),
        "no list of every id: {e}"
    );
    assert_eq!(e.lines().count(), 1, "{e}");
}

// Item 8: one error style, and "not a capture" said rightly.
#[test]
fn every_error_has_one_style() {
    let cases: Vec<Vec<&str>> = vec![
        vec!["check", "--config", "Cargo.toml", GOOD],
        vec!["check", "--select", "nope/none", GOOD],
        vec!["explain", "zzzzzzzz"],
        vec!["check", "--baseline", "Cargo.toml", GOOD],
        vec!["check", "no/such/file.har"],
        vec!["sanitize", "no/such/file.har", "-o", "-"],
    ];
    for args in cases {
        let o = tokentrail(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let e = err(&o);
        assert!(e.starts_with("error: "), "{args:?}: {e}");
        assert!(!e.contains("tokentrail::"), "no internal codes: {e}");
        assert!(
            !e.contains('×') && !e.contains("  x "),
            "no miette header: {e}"
        );
    }
    // A config error still points into the file: at Cargo.toml's first table after [package].
    let e = err(&tokentrail(&["check", "--config", "Cargo.toml", GOOD]));
    assert!(
        e.starts_with("error: Cargo.toml: invalid configuration\n"),
        "{e}"
    );
    let cargo = std::fs::read_to_string(common::root().join("Cargo.toml")).expect("Cargo.toml");
    let line = 1 + cargo
        .lines()
        .position(|l| l == "[dependencies]")
        .expect("[dependencies]");
    assert!(
        e.contains(&format!("[Cargo.toml:{line}:2]")) && e.contains("unknown field"),
        "{e}"
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let png = dir.path().join("shot.png");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").expect("write");
    let json_file = dir.path().join("package.json");
    std::fs::write(&json_file, br#"{"name": "x", "version": "1"}"#).expect("write");
    let said = |p: &Path| err(&tokentrail(&["check", p.to_str().expect("utf-8")]));
    assert!(said(&png).contains("not a capture") && said(&png).contains("it is a PNG image"));
    let e = said(&json_file);
    assert!(
        e.contains("package.json: not a capture") && !e.contains("not a HAR"),
        "{e}"
    );
    let e = err(&tokentrail(&["check", "Cargo.toml"]));
    assert!(e.contains("TOML") && !e.contains("JSON array"), "{e}");
}

fn validator(name: &str) -> jsonschema::Validator {
    let read = |f: &str| -> Value {
        let text = std::fs::read_to_string(common::root().join("docs/schema").join(f))
            .expect("schema file");
        serde_json::from_str(&text).expect("schema is JSON")
    };
    let report = read("report.schema.json");
    let schema = read(name);
    let id = report["$id"].as_str().expect("$id").to_string();
    let registry = jsonschema::Registry::new()
        .add(id, report)
        .expect("registry")
        .prepare()
        .expect("prepared");
    jsonschema::options()
        .with_registry(&registry)
        .build(&schema)
        .expect("schema compiles")
}

fn assert_valid(v: &jsonschema::Validator, doc: &Value) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{doc:#}");
}

// Item 9: JSON Schema for json and ndjson, checked against real output; line, column, labels.
#[test]
fn json_and_ndjson_match_their_schemas() {
    let report = validator("report.schema.json");
    let args = [
        "check",
        "--format",
        "json",
        SAMPLE,
        CUT,
        GOOD,
        "no/such/file.har",
    ];
    let doc = json(&tokentrail(&args));
    assert_valid(&report, &doc);
    let f = &doc["findings"][0];
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(1240), Some(32)),
        "{f:#}"
    );
    assert_eq!(f["labels"][0]["text"], "token minted for profile A");
    assert_eq!(f["labels"][0]["line"], 1240);
    // The truncation label is a byte position, not an entry.
    let cut = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "capture/truncated")
        .expect("truncated");
    assert!(cut["labels"][0]["entry"].is_null() && cut["labels"][0]["line"].is_u64());
    // Not vacuous: a finding without line is refused, and so is an unknown field.
    let mut broken = doc.clone();
    broken["findings"][0]
        .as_object_mut()
        .expect("object")
        .remove("line");
    assert!(!report.is_valid(&broken));
    let mut broken = doc.clone();
    broken["findings"][0]["extra"] = Value::from(1);
    assert!(!report.is_valid(&broken));

    let session = json(&tokentrail(&[
        "check",
        "--format",
        "json",
        "--session",
        "fixtures/samples/wrong-profile.har",
        "fixtures/samples/wrong-profile.chlsj",
    ]));
    assert_valid(&report, &session);

    let line = validator("ndjson-line.schema.json");
    let o = tokentrail(&[
        "check",
        "--format",
        "ndjson",
        "--shard",
        "1/1",
        SAMPLE,
        CUT,
        "no/such/file.har",
    ]);
    let mut types = Vec::new();
    for l in out(&o).lines() {
        let v: Value = serde_json::from_str(l).expect("line is JSON");
        assert_valid(&line, &v);
        types.push(v["type"].as_str().expect("type").to_string());
    }
    assert!(
        types.contains(&"finding".into()) && types.last().map(String::as_str) == Some("summary")
    );
    assert!(!line.is_valid(&serde_json::json!({"type": "finding", "rule": "a/b"})));
    assert!(!line.is_valid(&serde_json::json!({"type": "other"})));
    let first: Value = serde_json::from_str(out(&o).lines().next().expect("a line")).expect("JSON");
    assert_eq!(first["type"], "finding");
    let mut extra = first.clone();
    extra["extra"] = Value::from(1);
    assert!(
        !line.is_valid(&extra),
        "unknown fields are refused on finding lines too"
    );

    let help = out(&tokentrail(&["check", "--help"]));
    assert!(help.contains("docs/schema/report.schema.json"), "{help}");
    assert!(!help.contains("schema in the README"));
}

// Item 10: SARIF URIs relative to the current directory, with their base; helpUri.
#[test]
fn sarif_uris_are_relative_to_the_current_directory() {
    let sample = abs(SAMPLE);
    let sarif = json(&tokentrail(&["check", "--format", "sarif", &sample, GOOD]));
    let run = &sarif["runs"][0];
    let uris: Vec<&Value> = run["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .map(|a| &a["location"])
        .collect();
    assert_eq!(
        uris[0]["uri"], SAMPLE,
        "an absolute input under the directory"
    );
    assert_eq!(uris[0]["uriBaseId"], "%SRCROOT%");
    assert_eq!(uris[1]["uri"], GOOD);
    let base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .expect("base");
    assert!(
        base.starts_with("file:///") && base.ends_with('/'),
        "{base}"
    );
    let loc = &run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(loc["uriBaseId"], "%SRCROOT%");
    let outside = tempfile::tempdir().expect("tempdir");
    let elsewhere = outside.path().join("x.har");
    std::fs::copy(common::root().join(SAMPLE), &elsewhere).expect("copy");
    let sarif = json(&run_in(
        &common::root().join("docs"),
        &[
            "check",
            "--format",
            "sarif",
            elsewhere.to_str().expect("utf-8"),
        ],
    ));
    let uri = sarif["runs"][0]["artifacts"][0]["location"]["uri"]
        .as_str()
        .expect("uri");
    assert!(
        uri.starts_with("file:///") && uri.ends_with("/x.har"),
        "{uri}"
    );

    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let repository = env!("CARGO_PKG_REPOSITORY");
    for r in rules {
        if repository.is_empty() {
            assert!(r.get("helpUri").is_none(), "no made-up address");
        } else {
            let uri = r["helpUri"].as_str().expect("helpUri");
            assert!(
                uri.starts_with(repository) && uri.contains("docs/rules.md#"),
                "{uri}"
            );
        }
    }
}

// Item 11: examples in every --help, rules --format json, CLICOLOR_FORCE, html to a terminal.
#[test]
fn every_subcommand_help_has_an_example() {
    for sub in [
        "check",
        "flows",
        "rules",
        "explain",
        "sanitize",
        "completions",
        "manpage",
    ] {
        let help = out(&tokentrail(&[sub, "--help"]));
        assert!(help.contains("Examples:\n  tokentrail "), "{sub}: {help}");
    }
    let help = out(&tokentrail(&["check", "--help"]));
    for flag in [
        "--select",
        "--ignore",
        "--baseline",
        "--write-baseline",
        "--isolated",
        "-q, --quiet",
        "-v, --verbose",
    ] {
        assert!(help.contains(flag), "{flag}");
    }
    assert!(help.contains("Exit codes: 0"), "{help}");
}

#[test]
fn rules_lists_as_json() {
    let o = tokentrail(&["rules", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v = json(&o);
    assert_eq!(v["version"], 1);
    let rules = v["rules"].as_array().expect("rules");
    let text = out(&tokentrail(&["rules"]));
    assert_eq!(
        rules.len(),
        text.lines().filter(|l| l.contains('/')).count()
    );
    let reused = rules
        .iter()
        .find(|r| r["id"] == "oauth/code-reused")
        .expect("rule");
    assert_eq!(reused["pack"], "oauth");
    assert_eq!(reused["severity"], "error");
    assert!(reused["summary"].as_str().is_some_and(|s| !s.is_empty()));
}

#[test]
fn clicolor_force_colours_a_pipe_unless_no_color() {
    let o = bin()
        .args(["check", SAMPLE])
        .env("CLICOLOR_FORCE", "1")
        .output()
        .expect("run");
    assert!(out(&o).contains('\u{1b}'), "forced");
    let o = bin()
        .args(["check", SAMPLE])
        .env("CLICOLOR_FORCE", "0")
        .output()
        .expect("run");
    assert!(!out(&o).contains('\u{1b}'), "0 does not force");
    let o = bin()
        .args(["check", SAMPLE])
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .output()
        .expect("run");
    assert!(!out(&o).contains('\u{1b}'), "NO_COLOR wins");
}

#[test]
fn html_is_not_written_to_a_terminal() {
    // `script` gives the command a terminal as stdout.
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("SKIPPED: `script` (util-linux) is not installed");
        return;
    }
    let cmd = format!(
        "{} check --format html {SAMPLE}",
        env!("CARGO_BIN_EXE_tokentrail")
    );
    let o = common::run::clear_env(&mut Command::new("script"))
        .current_dir(common::root())
        .args(["-qec", &cmd, "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .expect("script");
    let text = out(&o);
    assert_eq!(o.status.code(), Some(2), "{text}");
    assert!(text.contains("add -o report.html"), "{text}");
    assert!(!text.contains("<html"), "{text}");
    // To a file or a pipe it is written.
    let o = tokentrail(&["check", "--format", "html", SAMPLE]);
    assert!(out(&o).contains("<!DOCTYPE html>") || out(&o).contains("<html"));
}

#[test]
fn completions_and_man_page() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef tokentrail"),
        ("fish", "complete -c tokentrail"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion"),
    ] {
        let o = tokentrail(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let script = out(&o);
        assert!(script.contains(marker), "{shell}: {script}");
        for word in ["check", "--write-baseline", "sanitize"] {
            assert!(script.contains(word), "{shell} completes {word}");
        }
    }
    assert_eq!(tokentrail(&["completions", "tcsh"]).status.code(), Some(2));
    let o = tokentrail(&["manpage"]);
    assert_eq!(o.status.code(), Some(0));
    let man = out(&o);
    assert!(
        man.starts_with(".ie") || man.contains(".TH tokentrail"),
        "{man}"
    );
    assert!(man.contains(".TH tokentrail 1"), "{man}");
    for word in ["check", "flows", "explain", "Exit codes"] {
        assert!(man.contains(word), "{word}");
    }
}

// Choosing rules.
#[test]
fn select_and_ignore_choose_rules() {
    let rules = |args: &[&str]| {
        let mut all = vec!["check", "--format", "json"];
        all.extend_from_slice(args);
        all.push(SAMPLE);
        rules_of(&json(&tokentrail(&all)))
    };
    let both = ["alexa/token-wrong-profile", "alexa/activation-failed"];
    assert_eq!(rules(&[]), both);
    assert_eq!(rules(&["--select", "alexa/"]), both);
    assert!(rules(&["--select", "oauth/"]).is_empty());
    assert_eq!(
        rules(&["--ignore", "activation-failed"]),
        ["alexa/token-wrong-profile"]
    );
    assert_eq!(
        rules(&["--select", "token-wrong-profile,oauth/code-reused"]),
        ["alexa/token-wrong-profile"]
    );
    assert_eq!(
        rules(&["--select", "alexa", "--ignore", "alexa/token-wrong-profile"]),
        ["alexa/activation-failed"]
    );
    let o = tokentrail(&["check", "--ignore", "oauth/code-reuse", SAMPLE]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("--ignore: ") && err(&o).contains("did you mean `oauth/code-reused`"),
        "{}",
        err(&o)
    );
    // Exit codes follow what is reported.
    assert_eq!(
        tokentrail(&["check", "--select", "oauth/", SAMPLE])
            .status
            .code(),
        Some(0)
    );

    let (_tmp, deep) = repo_with_config("[rules]\nselect = [\"alexx/\"]\n");
    let o = run_in(&deep, &["check", &abs(SAMPLE)]);
    assert_eq!(o.status.code(), Some(2));
    let e = err(&o);
    assert!(
        e.contains("tokentrail.toml: [rules] select") && e.contains("did you mean `alexa/`"),
        "{e}"
    );
}

// Baselines.
#[test]
fn a_baseline_hides_known_findings_across_reexport_and_sanitize() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path().join("known.json");
    let b = base.to_str().expect("utf-8");
    let o = tokentrail(&["check", "--write-baseline", b, SAMPLE]);
    assert_eq!(o.status.code(), Some(1), "writing a baseline still reports");
    let text = std::fs::read_to_string(&base).expect("baseline written");
    let recorded: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(recorded["findings"].as_array().expect("findings").len(), 2);
    // Nothing of the capture's values: no mask, no token, no client id.
    for needle in ["…#", "Atza", "sk", "skill-client-a", "Bearer"] {
        assert!(!text.contains(needle), "{needle} in {text}");
    }

    let o = tokentrail(&["check", "--baseline", b, "--format", "json", SAMPLE]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(rules_of(&json(&o)).is_empty());
    assert!(
        err(&o).contains("2 findings recorded in the baseline not shown"),
        "{}",
        err(&o)
    );

    // The same capture re-exported in every other format.
    for ext in ["chlsj", "saz", "xml", "http"] {
        let other = format!("fixtures/samples/wrong-profile.{ext}");
        let without = tokentrail(&["check", "--format", "json", &other]);
        assert_eq!(
            rules_of(&json(&without)).len(),
            2,
            "{ext} has the same findings"
        );
        let o = tokentrail(&["check", "--baseline", b, "--format", "json", &other]);
        assert!(rules_of(&json(&o)).is_empty(), "{ext}: {}", out(&o));
    }
    // Its sanitized copy: every secret different.
    let clean = dir.path().join("clean.har");
    let s = tokentrail(&["sanitize", SAMPLE, "-o", clean.to_str().expect("utf-8")]);
    assert_eq!(s.status.code(), Some(0), "{}", err(&s));
    let o = tokentrail(&[
        "check",
        "--baseline",
        b,
        "--format",
        "json",
        clean.to_str().expect("utf-8"),
    ]);
    assert!(rules_of(&json(&o)).is_empty(), "{}", out(&o));

    // A different mistake is new.
    let reused = "fixtures/oauth/code-reused/fires-two-token-requests-chrome.har";
    let o = tokentrail(&["check", "--baseline", b, "--format", "json", reused]);
    assert!(rules_of(&json(&o)).contains(&"oauth/code-reused".to_string()));

    let o = tokentrail(&["check", "--baseline", "Cargo.toml", SAMPLE]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("Cargo.toml: not a tokentrail baseline"),
        "{}",
        err(&o)
    );
}

/// A YAML document as nested values.
fn yaml(path: &str) -> yaml_rust2::Yaml {
    let text = std::fs::read_to_string(common::root().join(path)).expect(path);
    let mut docs = yaml_rust2::YamlLoader::load_from_str(&text).expect("valid YAML");
    assert_eq!(docs.len(), 1, "{path}: one document");
    docs.remove(0)
}

#[test]
fn the_github_action_builds_checks_and_uploads_sarif() {
    let action = yaml("action.yml");
    assert!(action["name"].as_str().is_some() && action["description"].as_str().is_some());
    assert!(action["inputs"]["paths"]["required"].as_bool() == Some(true));
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    let steps = action["runs"]["steps"].as_vec().expect("steps");
    let runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    assert!(
        runs.iter()
            .any(|r| r.contains("cargo install --locked --path")),
        "{runs:?}"
    );
    let check = runs
        .iter()
        .find(|r| r.contains(" check "))
        .expect("a check step");
    assert!(
        check.contains("--format sarif") && check.contains("-o "),
        "{check}"
    );
    for s in steps.iter().filter(|s| s["run"].as_str().is_some()) {
        assert_eq!(
            s["shell"].as_str(),
            Some("bash"),
            "composite steps name their shell"
        );
    }
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@"))
        })
        .expect("an upload-sarif step");
    assert!(upload["with"]["sarif_file"]
        .as_str()
        .is_some_and(|f| f.contains("inputs.sarif-file")));
    // Every `${{ inputs.X }}` names a declared input.
    let text = std::fs::read_to_string(common::root().join("action.yml")).expect("action.yml");
    for part in text.split("inputs.").skip(1) {
        let name: String = part
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        assert!(
            !action["inputs"][name.as_str()].is_badvalue(),
            "undeclared input {name}"
        );
    }
}

#[test]
fn the_pre_commit_hook_runs_check_on_captures() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_vec().expect("a list of hooks");
    let hook = &hooks[0];
    assert_eq!(hook["id"].as_str(), Some("tokentrail"));
    assert_eq!(hook["language"].as_str(), Some("rust"));
    let entry = hook["entry"].as_str().expect("entry");
    assert!(entry.starts_with("tokentrail check"), "{entry}");
    let files =
        regex::Regex::new(hook["files"].as_str().expect("files")).expect("files is a regex");
    assert!(files.is_match("captures/login.har") && files.is_match("x.chlsj"));
    assert!(!files.is_match("README.md") && !files.is_match("pom.xml"));
    // The README shows both, ready to copy.
    let readme = std::fs::read_to_string(common::root().join("README.md")).expect("README");
    assert!(
        readme.contains("id: tokentrail") && readme.contains("upload-sarif"),
        "README examples"
    );
}

#[test]
fn the_readme_usage_table_names_every_command_and_new_flag() {
    let readme = std::fs::read_to_string(common::root().join("README.md")).expect("README");
    for item in [
        "tokentrail completions SHELL",
        "tokentrail manpage",
        "tokentrail flows PATHS",
        "tokentrail rules --format json",
        "--select",
        "--ignore",
        "--baseline FILE",
        "--write-baseline FILE",
        "--isolated",
        "-v, --verbose",
        "-q, --quiet",
        "CLICOLOR_FORCE",
    ] {
        assert!(readme.contains(item), "README lacks {item}");
    }
}

/// No source file over 1,000 lines (functions over 100 are clippy's `too_many_lines`, set in
/// clippy.toml): a file that grows past it does several things, and is split by concern.
#[test]
fn no_source_file_is_over_a_thousand_lines() {
    fn walk(dir: &Path, long: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                if !path.ends_with("node_modules") {
                    walk(&path, long);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("source");
                let lines = text.lines().count();
                if lines > 1000 {
                    long.push(format!("{} ({lines} lines)", path.display()));
                }
            }
        }
    }
    let mut long = Vec::new();
    for dir in ["src", "tests", "benches", "fuzz/fuzz_targets"] {
        let dir = common::root().join(dir);
        if dir.is_dir() {
            walk(&dir, &mut long);
        }
    }
    assert!(long.is_empty(), "split by concern: {}", long.join(", "));
}
