//! The generic fixture runner. For every rule, `fixtures/<rule id>/fires-*.har` must make it
//! fire (at the entries the fixture's `log._expect.entries` lists) and `quiet-*.har` must keep
//! it silent; `fixtures/good/*.har` must give no finding at all but those their `allow` lists. Adding a rule never
//! means adding test code: drop its fixtures next to it.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;
use tokentrail::report::FileReport;

/// A fixture's `log._expect`, read from the raw text so that a cut-off file still has one.
fn expectation(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).expect("fixture text");
    let at = text
        .find("\"_expect\":")
        .unwrap_or_else(|| panic!("{}: no log._expect", common::rel(path)));
    let rest = &text[at + "\"_expect\":".len()..];
    serde_json::Deserializer::from_str(rest)
        .into_iter::<serde_json::Value>()
        .next()
        .and_then(Result::ok)
        .unwrap_or_else(|| panic!("{}: unreadable log._expect", common::rel(path)))
}

/// The rule id a fixture belongs to: its directory under `fixtures/` (or, for real traffic
/// that `fixtures/record/record.sh` recorded, under `fixtures/recorded/`).
fn rule_of(path: &Path) -> String {
    let dir = path.parent().expect("parent");
    let rel = common::rel(dir);
    let rel = rel.trim_start_matches("fixtures/");
    rel.strip_prefix("recorded/").unwrap_or(rel).to_string()
}

/// The entries at which `id` fired in `report` (`None`: a finding about the whole capture).
fn fired(report: &FileReport, id: &str) -> Vec<Option<usize>> {
    report
        .findings
        .iter()
        .filter(|f| f.rule == id)
        .map(|f| f.entry)
        .collect()
}

/// A good capture gets no finding at all, but for the ones its `allow` names (a sanitized
/// export is told it was sanitized), and each of those does fire.
fn good_capture_problems(name: &str, report: &FileReport, expect: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let allowed: BTreeSet<&str> = expect["allow"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    for f in report
        .findings
        .iter()
        .filter(|f| !allowed.contains(f.rule.as_str()))
    {
        problems.push(format!(
            "Noisy: {} ({}) fired on good capture {name} at entry {:?}: {}",
            f.rule,
            f.severity.as_str(),
            f.entry,
            f.message
        ));
    }
    for a in &allowed {
        if !report.findings.iter().any(|f| f.rule == *a) {
            problems.push(format!("{name}: allows {a}, which does not fire: drop it"));
        }
    }
    problems
}

/// A `fires-*` fixture of rule `id`: it fires, at the entries `_expect.entries` lists, with
/// `_expect.severity`, and the rules `_expect.quiet` lists stay silent.
fn fires_problems(name: &str, id: &str, report: &FileReport, expect: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    assert_eq!(expect["rule"].as_str(), Some(id), "{name}: _expect.rule");
    let got: BTreeSet<Option<usize>> = fired(report, id).into_iter().collect();
    let want: BTreeSet<Option<usize>> = match expect["entries"].as_array() {
        Some(e) if !e.is_empty() => e.iter().map(|v| v.as_u64().map(|n| n as usize)).collect(),
        _ => [None].into_iter().collect(),
    };
    if let Some(want) = expect["severity"].as_str() {
        for f in report.findings.iter().filter(|f| f.rule == id) {
            if f.severity.as_str() != want {
                problems.push(format!(
                    "Wrong severity: {id} on {name} is {}, expected {want}",
                    f.severity.as_str()
                ));
            }
        }
    }
    // The wrong causes a reader could be told: a fires fixture may list rules that must stay
    // silent on it.
    for s in expect["quiet"].as_array().into_iter().flatten() {
        let s = s.as_str().unwrap_or("");
        for entry in fired(report, s) {
            problems.push(format!(
                "Wrong cause: {s} fired on {name} at entry {entry:?}"
            ));
        }
    }
    if got.is_empty() {
        problems.push(format!("Missing: {id} did not fire on {name}"));
    } else if got != want {
        problems.push(format!(
            "Misplaced: {id} on {name} points at {got:?}, expected {want:?}"
        ));
    }
    problems
}

/// A `quiet-*` fixture of rule `id`: neither it nor the rules `_expect.quiet` lists fire.
fn quiet_problems(name: &str, id: &str, report: &FileReport, expect: &Value) -> Vec<String> {
    let mut silent: Vec<String> = vec![id.to_string()];
    if let Some(more) = expect["quiet"].as_array() {
        silent.extend(more.iter().filter_map(|v| v.as_str().map(str::to_string)));
    }
    let mut problems = Vec::new();
    for s in silent {
        for entry in fired(report, &s) {
            problems.push(format!("Noisy: {s} fired on {name} at entry {entry:?}"));
        }
    }
    problems
}

#[test]
fn every_rule_fires_on_its_fixtures_and_stays_quiet_on_the_others() {
    let rules = common::builtin_rules();
    let ids: BTreeSet<String> = rules.rules.iter().map(|r| r.id.clone()).collect();
    let mut problems = Vec::new();
    let mut fires: BTreeMap<String, usize> = BTreeMap::new();
    let mut quiet: BTreeMap<String, usize> = BTreeMap::new();
    for path in common::fixtures() {
        let name = common::rel(&path);
        let file = path.file_name().and_then(|f| f.to_str()).unwrap_or("");
        let report = common::check(&path);
        let expect = expectation(&path);
        if name.starts_with("fixtures/good/") {
            problems.extend(good_capture_problems(&name, &report, &expect));
            continue;
        }
        if name.starts_with("fixtures/samples/") {
            let id = expect["rule"].as_str().expect("sample names its rule");
            if fired(&report, id).is_empty() {
                problems.push(format!("Missing: sample {name} does not show {id}"));
            }
            continue;
        }
        let id = rule_of(&path);
        if !ids.contains(&id) {
            problems.push(format!("{name}: no rule `{id}` for this fixture directory"));
        } else if file.starts_with("fires-") {
            *fires.entry(id.clone()).or_default() += 1;
            problems.extend(fires_problems(&name, &id, &report, &expect));
        } else if file.starts_with("quiet-") {
            *quiet.entry(id.clone()).or_default() += 1;
            problems.extend(quiet_problems(&name, &id, &report, &expect));
        } else {
            problems.push(format!("{name}: fixture names start with fires- or quiet-"));
        }
    }
    for id in &ids {
        if !fires.contains_key(id) {
            problems.push(format!("{id} has no fires-* fixture"));
        }
        if !quiet.contains_key(id) {
            problems.push(format!("{id} has no quiet-* fixture"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} fixture problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn good_captures_need_every_kind_of_step() {
    // The good captures are only evidence of silence if they really contain full flows.
    for path in common::fixtures()
        .iter()
        .filter(|p| common::rel(p).starts_with("fixtures/good/"))
    {
        let report = common::check(path);
        let analysis = report.analysis.as_ref().expect("analysis");
        let kinds: BTreeSet<&str> = analysis.steps.iter().map(|s| s.kind.name()).collect();
        for k in ["authorize", "authorize_answer", "token_request"] {
            assert!(
                kinds.contains(k),
                "{}: no {k} step; found {kinds:?}",
                common::rel(path)
            );
        }
        // A flow that ends in using its token: the Alexa activation, or any API call.
        assert!(
            kinds.contains("activation") || kinds.contains("bearer_call"),
            "{}: no activation or Bearer call; found {kinds:?}",
            common::rel(path)
        );
    }
}

#[test]
fn rule_ids_are_unique_and_match_their_file_paths() {
    let mut seen = BTreeSet::new();
    for (path, text) in tokentrail::rules::BUILTIN {
        let rule = tokentrail::rules::parse_rule(path, text).expect("built-in rule parses");
        let expected = format!("rules/{}.toml", rule.id);
        assert_eq!(
            path.replace('\\', "/"),
            expected,
            "a rule's id must be its path under rules/"
        );
        assert!(
            seen.insert(rule.id.clone()),
            "duplicate rule id {}",
            rule.id
        );
    }
    assert!(seen.len() >= 26, "only {} built-in rules", seen.len());
}
