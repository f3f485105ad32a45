//! The facts contract: what the engine produces on every fixture is exactly what
//! `docs/facts.md` (generated from `flow::schema`) documents, field by field and type by type.

use crate::common;

use std::collections::BTreeSet;

use serde_json::Value;
use tokentrail::config::Config;
use tokentrail::flow::{self, facts::Facts, schema};
use tokentrail::secret::SecretSet;

/// Checks `value` against schema type `ty`, recording every `Type.field` seen.
fn conform(
    value: &Value,
    ty: &str,
    path: &str,
    seen: &mut BTreeSet<String>,
    problems: &mut Vec<String>,
) {
    match (ty, value) {
        ("string", Value::String(_)) | ("bool", Value::Bool(_)) => {}
        ("int", Value::Number(n)) if n.is_i64() || n.is_u64() => {}
        ("double", Value::Number(_)) => {}
        (t, Value::Array(items)) if t.starts_with("list<") => {
            let inner = &t[5..t.len() - 1];
            for (i, item) in items.iter().enumerate() {
                conform(item, inner, &format!("{path}[{i}]"), seen, problems);
            }
        }
        (t, Value::Object(map)) if schema::find(t).is_some() => {
            for (key, v) in map {
                match schema::field(t, key) {
                    Some(f) => {
                        let owner = if schema::find(t)
                            .is_some_and(|x| x.fields.iter().any(|ff| ff.name == key.as_str()))
                        {
                            t.to_string()
                        } else {
                            schema::find(t)
                                .and_then(|x| x.base)
                                .unwrap_or(t)
                                .to_string()
                        };
                        seen.insert(format!("{owner}.{key}"));
                        conform(v, f.ty, &format!("{path}.{key}"), seen, problems);
                    }
                    None => {
                        problems.push(format!("{path}.{key}: produced but not documented in {t}"))
                    }
                }
            }
        }
        (t, v) => problems.push(format!("{path}: documented as {t}, produced {v}")),
    }
}

#[test]
fn the_engine_produces_exactly_the_documented_facts() {
    let mut seen = BTreeSet::new();
    let mut problems = Vec::new();
    for path in common::fixtures() {
        let mut capture = tokentrail::read::read_path(&path).expect("fixture reads");
        let config = common::config_for(&path)
            .map(|c| Config::load(&c).expect("config"))
            .unwrap_or_default();
        let hits = tokentrail::limits::apply(&mut capture, &config.limits);
        let mut analysis = flow::analyze(&capture, &config);
        analysis.limits_hit = hits;
        // As `check` does: the profiles decided over the whole capture (an ambiguous client
        // has facts only the decision gives).
        let rules = common::builtin_rules();
        flow::decide_profiles(&mut analysis, &config, |a| {
            tokentrail::rules::evaluate(&rules, &Facts::new(&capture, a))
                .iter()
                .filter(|f| f.severity == tokentrail::finding::Severity::Error)
                .count()
        });
        let facts = Facts::new(&capture, &analysis);
        let name = common::rel(&path);
        conform(
            &facts.capture_facts(),
            "Capture",
            &format!("{name}: capture"),
            &mut seen,
            &mut problems,
        );
        for (i, step) in analysis.steps.iter().enumerate() {
            let v = facts.step_facts(i).expect("step facts");
            conform(
                &v,
                schema::step_type(step.kind),
                &format!("{name}: step {i}"),
                &mut seen,
                &mut problems,
            );
        }
        for i in 0..analysis.codes.len() {
            conform(
                &facts.code_facts(i).expect("code"),
                "Code",
                &format!("{name}: code {i}"),
                &mut seen,
                &mut problems,
            );
        }
        for (i, f) in tokentrail::rules::evaluate(&common::builtin_rules(), &facts)
            .iter()
            .enumerate()
        {
            conform(
                &flow::facts::finding_ref(f),
                "FindingRef",
                &format!("{name}: finding {i}"),
                &mut seen,
                &mut problems,
            );
        }
        for i in 0..analysis.tokens.len() {
            conform(
                &facts.token_facts(i).expect("token"),
                "Token",
                &format!("{name}: token {i}"),
                &mut seen,
                &mut problems,
            );
        }
    }
    assert!(
        problems.is_empty(),
        "facts that break the contract:\n{}",
        problems.join("\n")
    );
    // Every documented fact must be produced by at least one fixture, or the documentation
    // promises something the engine does not do.
    let mut missing = Vec::new();
    for t in schema::TYPES {
        for f in t.fields {
            if !seen.contains(&format!("{}.{}", t.name, f.name)) {
                missing.push(format!("{}.{}", t.name, f.name));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "documented facts no fixture produces: {}",
        missing.join(", ")
    );
}

#[test]
fn secrets_are_facts_only_in_masked_form() {
    for path in common::fixtures() {
        let capture = tokentrail::read::read_path(&path).expect("fixture reads");
        let analysis = flow::analyze(&capture, &Config::default());
        let mut secrets = SecretSet::new();
        capture.exchanges.iter().for_each(|e| secrets.collect(e));
        let facts = Facts::new(&capture, &analysis);
        let mut all = facts.capture_facts().to_string();
        for i in 0..analysis.steps.len() {
            all.push_str(&facts.step_facts(i).expect("step").to_string());
        }
        for (value, kind) in secrets.iter() {
            assert!(
                !all.contains(value),
                "{}: raw {} in facts",
                common::rel(&path),
                kind.word()
            );
        }
    }
}

/// Every field the schema says a label can point at is located by the engine for some step of
/// that kind in the fixtures, so a rule's `field = ...` never silently points nowhere.
#[test]
fn every_locatable_field_is_located_somewhere() {
    let mut located = BTreeSet::new();
    for path in common::fixtures() {
        let capture = tokentrail::read::read_path(&path).expect("fixture reads");
        let analysis = flow::analyze(&capture, &Config::default());
        for (step, field) in analysis.locators.steps() {
            located.insert((analysis.steps[step].kind.name(), field));
        }
    }
    let mut missing = Vec::new();
    for kind in flow::StepKind::ALL {
        for field in schema::locatable(kind) {
            if !located.contains(&(kind.name(), *field)) {
                missing.push(format!("{}.{field}", kind.name()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "locatable but never located: {}",
        missing.join(", ")
    );
}
