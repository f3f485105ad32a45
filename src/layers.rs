//! The layers read one way (issue 23): no `use crate::X` circle between top-level modules.
//! A test over the source text, so that a new circle fails `cargo test` where it is made.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Edges that close a circle today, in other work's hands; each names the circle it closes.
/// Remove a line when its edge is gone (the test says so).
const KNOWN: &[(&str, &str, &str)] = &[];

/// Each top-level module and the top-level modules its code (not its tests) names as
/// `crate::X`, with a file that does.
fn edges(src: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let top: BTreeSet<String> = std::fs::read_dir(src)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let module = name
                .strip_suffix(".rs")
                .map_or(name.clone(), str::to_string);
            let is_module = e.path().is_dir() || name.ends_with(".rs");
            // The binary's files (main.rs, cli/) are another crate, and lib.rs is the root.
            (is_module && !["main", "lib", "cli"].contains(&module.as_str())).then_some(module)
        })
        .collect();
    let named = regex::Regex::new(r"crate::([a-z_][a-z0-9_]*)").unwrap();
    let tests = regex::Regex::new(r"#\[cfg\(test\)\]\s*mod ").unwrap();
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for entry in walkdir::WalkDir::new(src).sort_by_file_name() {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = path.strip_prefix(src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let from = first.strip_suffix(".rs").unwrap_or(&first).to_string();
        if !top.contains(&from) {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        let code = tests.find(&text).map_or(&text[..], |m| &text[..m.start()]);
        for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for c in named.captures_iter(line) {
                let to = &c[1];
                if to != from && top.contains(to) {
                    graph
                        .entry(from.clone())
                        .or_default()
                        .entry(to.to_string())
                        .or_insert_with(|| rel.display().to_string());
                }
            }
        }
    }
    graph
}

/// A circle in `graph`, as the modules on it (the first repeated at the end).
fn circle(graph: &BTreeMap<String, BTreeMap<String, String>>) -> Option<Vec<String>> {
    fn visit(
        at: &str,
        graph: &BTreeMap<String, BTreeMap<String, String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|m| m == at) {
            let mut found = path[i..].to_vec();
            found.push(at.to_string());
            return Some(found);
        }
        if done.contains(at) {
            return None;
        }
        path.push(at.to_string());
        for next in graph.get(at).into_iter().flat_map(BTreeMap::keys) {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(at.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|m| visit(m, graph, &mut Vec::new(), &mut done))
}

fn src() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The graph without the edges of [`KNOWN`].
fn graph_without_known() -> BTreeMap<String, BTreeMap<String, String>> {
    let mut graph = edges(&src());
    for (from, to, _) in KNOWN {
        if let Some(out) = graph.get_mut(*from) {
            out.remove(*to);
        }
    }
    graph
}

#[test]
fn no_import_circle_between_top_level_modules() {
    let graph = graph_without_known();
    if let Some(found) = circle(&graph) {
        let steps: Vec<String> = found
            .windows(2)
            .map(|w| format!("{} → {} ({})", w[0], w[1], graph[&w[0]][&w[1]]))
            .collect();
        panic!("import circle: {}", steps.join(", "));
    }
}

#[test]
fn every_known_circle_edge_is_still_there() {
    let graph = edges(&src());
    for (from, to, circle) in KNOWN {
        assert!(
            graph.get(*from).is_some_and(|o| o.contains_key(*to)),
            "{from} → {to} is gone: delete its line (`{circle}`) from KNOWN in src/layers.rs"
        );
    }
}

#[test]
fn the_scan_sees_edges_and_finds_a_circle() {
    let graph = graph_without_known();
    // Edges the pipeline is made of: if the scan missed them it would pass anything.
    assert!(graph["check"].contains_key("flow"), "{graph:?}");
    assert!(graph["report"].contains_key("outcome"), "{graph:?}");
    let mut made_up = graph.clone();
    made_up
        .entry("outcome".into())
        .or_default()
        .insert("check".into(), "made up".into());
    let found = circle(&made_up).expect("outcome → check → outcome is a circle");
    assert!(found.contains(&"check".to_string()), "{found:?}");
    // Without it there is none (else the first test would fail too).
    assert_eq!(circle(&graph), None);
}
