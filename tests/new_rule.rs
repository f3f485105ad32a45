//! `fixtures/new_rule.py`, the scaffold for a rule, run into a copy of the generator: the rule
//! file it writes loads (in the library and through `--rules`), the scenario stub it appends
//! registers itself and writes its fixtures, and no other fixture moves by a byte.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{self, tokentrail};

fn python(args: &[&str], root: &Path) -> Option<Output> {
    let o = Command::new("python3")
        .arg("-B")
        .args(args)
        .current_dir(root)
        .output()
        .ok()?;
    Some(o)
}

/// The generator's sources (not its output) copied under `dir/fixtures`.
fn copy_generator(dir: &Path) {
    for sub in ["fixtures", "fixtures/packs"] {
        std::fs::create_dir_all(dir.join(sub)).expect("mkdir");
        for entry in std::fs::read_dir(common::root().join(sub)).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "py") {
                let to = dir.join(sub).join(path.file_name().expect("name"));
                std::fs::copy(&path, to).expect("copy");
            }
        }
    }
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn a_scaffolded_rule_loads_and_its_scenario_writes_fixtures_without_moving_others() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    copy_generator(root);
    let Some(o) = python(
        &[
            "fixtures/new_rule.py",
            "--root",
            root.to_str().expect("utf-8"),
            "oauth/scaffold-probe",
            "--step",
            "token_request",
        ],
        root,
    ) else {
        eprintln!("SKIPPED: python3 is not installed");
        return;
    };
    assert!(o.status.success(), "{}", common::stderr(&o));

    // The rule file: every field a rule needs, and it loads.
    let rule = root.join("rules/oauth/scaffold-probe.toml");
    let text = std::fs::read_to_string(&rule).expect("rule file written");
    let parsed = tokentrail::rules::parse_rule("rules/oauth/scaffold-probe.toml", &text)
        .unwrap_or_else(|e| panic!("the scaffold's rule does not load: {e:?}\n{text}"));
    assert_eq!(parsed.id, "oauth/scaffold-probe");
    let rule_arg = rule.to_str().expect("utf-8");
    let listed = tokentrail(&["rules", "--rules", rule_arg]);
    assert!(
        common::stdout(&listed).contains("oauth/scaffold-probe"),
        "{}",
        common::stderr(&listed)
    );

    // The stub, registered in the oauth pack, writes its fixtures when the generator runs.
    let pack = std::fs::read_to_string(root.join("fixtures/packs/oauth.py")).expect("pack");
    assert!(pack.contains("@scenario\ndef scaffold_probe():"), "{pack}");
    let o = python(&["fixtures/generate.py"], root).expect("python3");
    assert!(o.status.success(), "{}", common::stderr(&o));
    let fires = root.join("fixtures/oauth/scaffold-probe/fires-chrome.har");
    let har = std::fs::read_to_string(&fires).expect("the stub's fires fixture");
    assert!(
        har.contains("\"rule\": \"oauth/scaffold-probe\""),
        "no _expect"
    );
    assert!(root
        .join("fixtures/oauth/scaffold-probe/quiet-good-firefox.har")
        .is_file());
    // The binary reads it and runs the new rule on it (exit 0: nothing fires yet, no error).
    let o = tokentrail(&["check", "--rules", rule_arg, fires.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));

    // Every other generated file is byte for byte the committed one.
    let mut written = Vec::new();
    files_under(&root.join("fixtures"), &mut written);
    let mut compared = 0;
    for path in written {
        let rel = path.strip_prefix(root).expect("under root");
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if rel.starts_with("fixtures/oauth/scaffold-probe") || !["har", "toml"].contains(&ext) {
            continue;
        }
        let committed = std::fs::read(common::root().join(rel)).expect("committed fixture");
        assert!(
            std::fs::read(&path).expect("read") == committed,
            "{} moved",
            rel.display()
        );
        compared += 1;
    }
    assert!(compared > 200, "only {compared} fixtures compared");

    // It never overwrites.
    let again = python(
        &[
            "fixtures/new_rule.py",
            "--root",
            root.to_str().expect("utf-8"),
            "oauth/scaffold-probe",
        ],
        root,
    )
    .expect("python3");
    assert!(!again.status.success());
    assert_eq!(std::fs::read_to_string(&rule).expect("rule"), text);
}
