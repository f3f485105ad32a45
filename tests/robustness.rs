//! Hostile and broken captures: every fixture file, whatever its format, is cut, corrupted and
//! reshuffled, and the whole pipeline (`read_bytes` sniffing → reader → `check_capture` → both
//! renderers) must answer with findings or a one-line error naming the file — never a panic,
//! never a hang. The mutations are seeded from each file's path, so a failure is reproducible;
//! a failing input is written to `target/robustness-failures/` to become a regression file
//! under `tests/data/robustness/`.
//!
//! Going through the public entry points and walking `fixtures/` for every file (not only
//! `*.har`) means a new reader is covered as soon as it is registered and has a fixture.
//! The number of cases per file is fixed (see `Budget`), so the run time grows with the number
//! of fixtures only; `docs/robustness.md` gives the measured time.

use crate::common::{self, rng::Rng};

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokentrail::check::{check_capture, Options};
use tokentrail::report::{human, json, Report};

/// Mutations per fixture file, by kind. Deterministic: seeded by the file's path. Every
/// fixture exists in six formats (about 950 files), so a few byte-level cases per file add up
/// to thousands per run while keeping the test well under two minutes in CI.
struct Budget {
    truncations: usize,
    flips: usize,
    splices: usize,
    entries: usize,
}

const BUDGET: Budget = Budget {
    truncations: 3,
    flips: 2,
    splices: 1,
    entries: 6,
};

/// A case slower than this is a hang (a debug build on a loaded 2-core machine checks the
/// largest fixture in well under a second).
const CASE_TIMEOUT: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------------
// Inputs.

/// Every capture-like file under `fixtures/`, whatever its extension: all but the generator,
/// notes and the `tokentrail.toml` configs that go beside fixtures.
fn fixture_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(&common::root().join("fixtures"), &mut out);
    // fixtures/record/ holds the recorder (a script, a node driver, npm's lock file), not captures.
    let tools = common::root().join("fixtures/record");
    out.retain(|p| !p.starts_with(&tools));
    out.retain(|p| {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        !(name.ends_with(".py") || name.ends_with(".md") || name.ends_with(".toml"))
    });
    out.sort();
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

// The generator (common::rng) is seeded per file, so adding a fixture does not change the
// cases of the others.

/// Bytes that matter to the formats we read: JSON and XML punctuation, escapes, line ends,
/// bytes that are never UTF-8, a lead byte without its continuation, NUL.
const HOSTILE_BYTES: &[u8] = b"\"{}[],:\\<>&%=\n\r\x00\xff\xc3\xe9+ 0";

struct Case {
    /// The file name given to the reader (the fixture's own, so name-based sniffing works).
    name: String,
    /// What was done, for the failure message.
    what: String,
    bytes: Vec<u8>,
}

fn truncations(name: &str, bytes: &[u8], n: usize) -> Vec<Case> {
    let mut rng = Rng::for_name(&format!("truncate:{name}"));
    let len = bytes.len();
    let mut cuts = vec![0, 1, len / 2, len.saturating_sub(1)];
    while cuts.len() < n {
        cuts.push(rng.below(len.max(1)));
    }
    cuts.into_iter()
        .take(n)
        .map(|cut| Case {
            name: name.to_string(),
            what: format!("cut at byte {cut} of {len}"),
            bytes: bytes.get(..cut).unwrap_or(bytes).to_vec(),
        })
        .collect()
}

fn flips(name: &str, bytes: &[u8], n: usize) -> Vec<Case> {
    let mut rng = Rng::for_name(&format!("flip:{name}"));
    (0..n)
        .filter(|_| !bytes.is_empty())
        .map(|_| {
            let mut out = bytes.to_vec();
            let count = 1 + rng.below(8);
            let mut done = Vec::new();
            for _ in 0..count {
                let at = rng.below(out.len());
                let byte = if rng.below(2) == 0 {
                    *rng.pick(HOSTILE_BYTES)
                } else {
                    rng.next() as u8
                };
                out[at] = byte;
                done.push(format!("{at}={byte:#04x}"));
            }
            Case {
                name: name.to_string(),
                what: format!("bytes set: {}", done.join(" ")),
                bytes: out,
            }
        })
        .collect()
}

/// Byte-level duplicate and drop of a chunk: what entry duplication and loss look like in a
/// format this test does not parse (XML, raw HTTP, archives).
fn splices(name: &str, bytes: &[u8], n: usize) -> Vec<Case> {
    let mut rng = Rng::for_name(&format!("splice:{name}"));
    (0..n)
        .filter(|_| bytes.len() > 2)
        .map(|i| {
            let start = rng.below(bytes.len() - 1);
            let len = 1 + rng.below((bytes.len() - start).min(4096));
            let chunk = &bytes[start..start + len];
            let mut out = Vec::with_capacity(bytes.len() + len);
            if i % 2 == 0 {
                let at = rng.below(bytes.len());
                out.extend_from_slice(&bytes[..at]);
                out.extend_from_slice(chunk);
                out.extend_from_slice(&bytes[at..]);
                Case {
                    name: name.to_string(),
                    what: format!("bytes {start}..{} copied to {at}", start + len),
                    bytes: out,
                }
            } else {
                out.extend_from_slice(&bytes[..start]);
                out.extend_from_slice(&bytes[start + len..]);
                Case {
                    name: name.to_string(),
                    what: format!("bytes {start}..{} dropped", start + len),
                    bytes: out,
                }
            }
        })
        .collect()
}

/// Entry-level mutations of a JSON capture (HAR, and any JSON format with a list of entries):
/// duplicate, drop, swap, replace an entry with a scalar, retype or drop a field deep inside
/// one, duplicate a header or a query parameter, break a URL's percent-encoding.
fn entry_mutations(name: &str, bytes: &[u8], n: usize) -> Vec<Case> {
    let Ok(doc) = serde_json::from_slice::<Value>(bytes) else {
        return Vec::new();
    };
    let Some(count) = entries(&doc).map(Vec::len).filter(|&c| c > 0) else {
        return Vec::new();
    };
    let mut rng = Rng::for_name(&format!("entries:{name}"));
    let mut out = Vec::new();
    // Each file starts at another kind, so a budget below 9 still covers all of them.
    let first = rng.below(9);
    for kind in (0..n).map(|i| (first + i) % 9) {
        let mut doc = doc.clone();
        let Some(list) = entries_mut(&mut doc) else {
            break;
        };
        let i = rng.below(count);
        let j = rng.below(count);
        let what = match kind {
            0 => {
                let copy = list[i].clone();
                list.insert(i + 1, copy);
                format!("entry {} duplicated", i + 1)
            }
            1 => {
                list.remove(i);
                format!("entry {} dropped", i + 1)
            }
            2 => {
                list.swap(i, j);
                format!("entries {} and {} swapped", i + 1, j + 1)
            }
            3 => {
                let scalar = rng
                    .pick(&[Value::Null, Value::from(42), Value::from("x")])
                    .clone();
                list[i] = scalar;
                format!("entry {} replaced by a scalar", i + 1)
            }
            4 => format!("entry {}: {}", i + 1, retype(&mut list[i], &mut rng)),
            5 => format!("entry {}: {}", i + 1, drop_field(&mut list[i], &mut rng)),
            6 => format!("entry {}: {}", i + 1, duplicate_header(&mut list[i])),
            7 => format!("entry {}: {}", i + 1, duplicate_query(&mut list[i])),
            _ => format!("entry {}: {}", i + 1, break_percent(&mut list[i], &mut rng)),
        };
        let text = if rng.below(2) == 0 {
            serde_json::to_vec(&doc)
        } else {
            serde_json::to_vec_pretty(&doc)
        };
        out.push(Case {
            name: name.to_string(),
            what,
            bytes: text.unwrap_or_default(),
        });
    }
    out
}

fn entries(doc: &Value) -> Option<&Vec<Value>> {
    doc.pointer("/log/entries")?.as_array()
}

fn entries_mut(doc: &mut Value) -> Option<&mut Vec<Value>> {
    doc.pointer_mut("/log/entries")?.as_array_mut()
}

/// A random path of object keys and list indexes under `v`, at least one step long.
fn random_path(v: &Value, rng: &mut Rng) -> Vec<String> {
    let mut path = Vec::new();
    let mut at = v;
    loop {
        let next = match at {
            Value::Object(m) if !m.is_empty() => {
                let k = m
                    .keys()
                    .nth(rng.below(m.len()))
                    .cloned()
                    .unwrap_or_default();
                Some(k)
            }
            Value::Array(a) if !a.is_empty() => Some(rng.below(a.len()).to_string()),
            _ => None,
        };
        let Some(step) = next else { break };
        path.push(step);
        at = match at.pointer(&format!(
            "/{}",
            escape(path.last().unwrap_or(&String::new()))
        )) {
            Some(child) => child,
            None => break,
        };
        if rng.below(3) == 0 {
            break;
        }
    }
    path
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn pointer(path: &[String]) -> String {
    path.iter().map(|k| format!("/{}", escape(k))).collect()
}

fn retype(entry: &mut Value, rng: &mut Rng) -> String {
    let path = random_path(entry, rng);
    let new = rng
        .pick(&[
            Value::Null,
            Value::from(-1),
            Value::from(1e300),
            Value::from(""),
            Value::from("\u{0}\u{FFFD}é"),
            Value::Array(vec![Value::Null]),
            serde_json::json!({}),
            Value::Bool(true),
        ])
        .clone();
    let shown = new.to_string();
    match entry.pointer_mut(&pointer(&path)) {
        Some(slot) => {
            *slot = new;
            format!("{} set to {shown}", pointer(&path))
        }
        None => "nothing retyped".into(),
    }
}

fn drop_field(entry: &mut Value, rng: &mut Rng) -> String {
    let path = random_path(entry, rng);
    let Some((last, parent)) = path.split_last() else {
        return "nothing dropped".into();
    };
    match entry.pointer_mut(&pointer(parent)) {
        Some(Value::Object(m)) => {
            m.shift_remove(last);
        }
        Some(Value::Array(a)) => {
            if let Ok(i) = last.parse::<usize>() {
                if i < a.len() {
                    a.remove(i);
                }
            }
        }
        _ => {}
    }
    format!("{} dropped", pointer(&path))
}

fn duplicate_header(entry: &mut Value) -> String {
    for side in ["request", "response"] {
        if let Some(Value::Array(headers)) = entry.pointer_mut(&format!("/{side}/headers")) {
            if let Some(first) = headers.first().cloned() {
                // The same name again with another value: which one counts is the reader's
                // and the rules' business, but it must not break them.
                let mut other = first.clone();
                if let Some(v) = other.get_mut("value") {
                    *v = Value::from("duplicate \u{FFFD}\u{7f}");
                }
                headers.push(first);
                headers.push(other);
                return format!("{side} header duplicated");
            }
        }
    }
    "no header to duplicate".into()
}

fn duplicate_query(entry: &mut Value) -> String {
    let Some(Value::String(url)) = entry.pointer_mut("/request/url") else {
        return "no URL".into();
    };
    let param = url
        .split_once('?')
        .and_then(|(_, q)| q.split('&').next())
        .unwrap_or("code=dup")
        .to_string();
    let sep = if url.contains('?') { '&' } else { '?' };
    url.push(sep);
    url.push_str(&param);
    url.push_str(&format!("&{param}x"));
    format!("query parameter {param:?} repeated")
}

fn break_percent(entry: &mut Value, rng: &mut Rng) -> String {
    let bad = *rng.pick(&["%", "%G1", "%E9", "%C3%28", "%00", "%%25", "%FF%FE"]);
    let target = *rng.pick(&["/request/url", "/request/postData/text"]);
    match entry.pointer_mut(target) {
        Some(Value::String(s)) => {
            // Into the middle of a value, where a decoder meets it.
            let at = s
                .char_indices()
                .map(|(i, _)| i)
                .find(|&i| i > s.len() / 2)
                .unwrap_or(s.len());
            s.insert_str(at, bad);
            format!("{bad} inserted into {target}")
        }
        _ => format!("no {target} to break"),
    }
}

// ---------------------------------------------------------------------------------------------
// Running the pipeline.

fn options() -> Arc<Options> {
    static OPTIONS: OnceLock<Arc<Options>> = OnceLock::new();
    // Parsed once: compiling the CEL of every rule is the slow part of a debug-build check.
    OPTIONS
        .get_or_init(|| {
            Arc::new(Options {
                config: Default::default(),
                rules: common::builtin_rules(),
            })
        })
        .clone()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Read and checked; the number of findings.
    Checked(usize),
    /// A clean read error.
    Refused,
}

/// What `tokentrail check` does with one input, in process; `Err` holds what went wrong
/// (a panic's message, or a broken contract).
fn pipeline(case: &Case, opts: &Options) -> Result<Outcome, String> {
    let run = || -> Result<Outcome, String> {
        match tokentrail::read::read_bytes(&case.name, Arc::from(case.bytes.as_slice())) {
            Err(e) => {
                let message = e.to_string();
                if message.contains('\n') || !message.starts_with(&case.name) {
                    return Err(format!(
                        "read error is not one line naming the file: {message:?}"
                    ));
                }
                Ok(Outcome::Refused)
            }
            Ok(capture) => {
                let file = check_capture(capture, opts);
                let found = file.findings.len();
                let report = Report {
                    files: vec![file],
                    ..Default::default()
                };
                let out = json::render(&report);
                serde_json::from_str::<Value>(&out)
                    .map_err(|e| format!("JSON output does not parse: {e}"))?;
                human::render(&report, &human::HumanOptions::default());
                Ok(Outcome::Checked(found))
            }
        }
    };
    match catch_unwind(AssertUnwindSafe(run)) {
        Ok(result) => result,
        Err(panic) => Err(format!(
            "PANIC: {}",
            panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)")
        )),
    }
}

struct Tally {
    cases: usize,
    checked: usize,
    refused: usize,
    failures: Vec<String>,
    elapsed: Duration,
}

/// Runs the cases on a worker thread, each within `CASE_TIMEOUT`. A failing input is saved
/// under `target/robustness-failures/`.
fn run_cases(label: &str, cases: Vec<Case>) -> Tally {
    let opts = options();
    let started = Instant::now();
    let (to_worker, cases_rx) = mpsc::channel::<Case>();
    let (results_tx, results) = mpsc::channel::<(Case, Result<Outcome, String>)>();
    std::thread::spawn(move || {
        for case in cases_rx {
            let result = pipeline(&case, &opts);
            if results_tx.send((case, result)).is_err() {
                break;
            }
        }
    });
    let mut tally = Tally {
        cases: 0,
        checked: 0,
        refused: 0,
        failures: Vec::new(),
        elapsed: Duration::ZERO,
    };
    for case in cases {
        let what = format!("{} ({})", case.name, case.what);
        to_worker.send(case).expect("worker alive");
        match results.recv_timeout(CASE_TIMEOUT) {
            Ok((case, result)) => {
                tally.cases += 1;
                match result {
                    Ok(Outcome::Checked(_)) => tally.checked += 1,
                    Ok(Outcome::Refused) => tally.refused += 1,
                    Err(why) => {
                        let saved = save_failure(label, tally.cases, &case);
                        tally
                            .failures
                            .push(format!("{what}: {why} (input saved as {saved})"));
                    }
                }
            }
            // The worker is stuck; it is left behind and the test fails.
            Err(_) => panic!("{what}: no answer within {CASE_TIMEOUT:?} (a hang?)"),
        }
    }
    tally.elapsed = started.elapsed();
    eprintln!(
        "{label}: {} cases ({} checked, {} refused) in {:.1?}",
        tally.cases, tally.checked, tally.refused, tally.elapsed
    );
    tally
}

fn save_failure(label: &str, n: usize, case: &Case) -> String {
    let dir = common::root().join("target/robustness-failures");
    let base = case.name.rsplit('/').next().unwrap_or("input");
    let path = dir.join(format!("{label}-{n}-{base}"));
    let _ = std::fs::create_dir_all(&dir);
    match std::fs::write(&path, &case.bytes) {
        Ok(()) => common::rel(&path),
        Err(e) => format!("(not saved: {e})"),
    }
}

fn assert_clean(tally: &Tally, min_cases: usize) {
    assert!(
        tally.failures.is_empty(),
        "{} of {} cases failed:\n{}",
        tally.failures.len(),
        tally.cases,
        tally.failures.join("\n")
    );
    assert!(
        tally.cases >= min_cases,
        "only {} cases (expected at least {min_cases}): are the fixtures there?",
        tally.cases
    );
}

fn mutated(make: impl Fn(&str, &[u8]) -> Vec<Case>) -> (usize, Vec<Case>) {
    let files = fixture_files();
    let mut cases = Vec::new();
    for path in &files {
        let bytes = std::fs::read(path).expect("fixture readable");
        cases.extend(make(&common::rel(path), &bytes));
    }
    (files.len(), cases)
}

// ---------------------------------------------------------------------------------------------
// The tests. Split by mutation kind so the test harness runs them in parallel.

#[test]
fn cut_captures_are_salvaged_or_refused() {
    let (files, cases) = mutated(|name, bytes| truncations(name, bytes, BUDGET.truncations));
    let tally = run_cases("cut", cases);
    assert_clean(&tally, files * BUDGET.truncations);
    // Cut at 0 is an empty file, refused; cut near the end of a HAR is salvaged.
    assert!(
        tally.refused >= files && tally.checked >= files,
        "{} refused, {} checked",
        tally.refused,
        tally.checked
    );
}

#[test]
fn corrupted_bytes_never_panic() {
    let (files, cases) = mutated(|name, bytes| {
        let mut c = flips(name, bytes, BUDGET.flips);
        c.extend(splices(name, bytes, BUDGET.splices));
        c
    });
    let tally = run_cases("bytes", cases);
    assert_clean(&tally, files * (BUDGET.flips + BUDGET.splices));
    assert!(tally.checked > 0, "no corrupted file was readable at all");
}

#[test]
fn reshuffled_entries_never_panic() {
    let (_, cases) = mutated(|name, bytes| entry_mutations(name, bytes, BUDGET.entries));
    let tally = run_cases("entries", cases);
    // Only JSON captures with `log.entries` get these: every HAR fixture but the cut one.
    let hars = fixture_files()
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "har"))
        .count();
    assert_clean(&tally, (hars * 9 / 10) * BUDGET.entries);
    assert!(
        tally.checked * 10 >= tally.cases * 9,
        "{} of {} were refused",
        tally.refused,
        tally.cases
    );
}

/// Inputs that once broke something, kept as they were found (`tests/data/robustness/`).
#[test]
fn regression_inputs_never_panic() {
    let dir = common::root().join("tests/data/robustness");
    let mut files = Vec::new();
    walk(&dir, &mut files);
    files.retain(|p| p.extension().is_none_or(|e| e != "md"));
    files.sort();
    let cases = files
        .iter()
        .map(|p| Case {
            name: common::rel(p),
            what: "as found".into(),
            bytes: std::fs::read(p).expect("regression input"),
        })
        .collect();
    let tally = run_cases("regressions", cases);
    assert_clean(&tally, files.len().max(6));
}

/// The real binary on a batch of broken inputs: the exit code is 2 (some input unreadable),
/// never 101 (a panic), and every other input is still reported.
#[test]
fn the_binary_reports_every_broken_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = common::root().join("fixtures/samples/wrong-profile.har");
    let bytes = std::fs::read(&good).expect("sample");
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut write = |name: &str, content: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, content).expect("write input");
        paths.push(p);
    };
    write("cut.har", &bytes[..bytes.len() * 2 / 3]);
    write("empty.har", b"");
    write("binary.har", b"\x00\x01\x02\xff");
    let mut flipped = bytes.clone();
    for at in (100..flipped.len()).step_by(997) {
        flipped[at] = b'\xff';
    }
    write("flipped.har", &flipped);
    write(
        "deep.har",
        format!("{{\"log\":{{\"entries\":[{}", "[".repeat(100_000)).as_bytes(),
    );
    paths.push(dir.path().join("missing.har"));
    // (A directory is walked for its captures: tests/formats.rs covers that.)
    paths.push(good.clone());

    let out = common::bin()
        .arg("check")
        .args(["--format", "json"])
        .args(&paths)
        .output()
        .expect("run tokentrail");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let files = report["files"].as_array().expect("files");
    assert_eq!(files.len(), paths.len(), "every input is reported");
    let good_name = good.display().to_string();
    let good_file = files
        .iter()
        .find(|f| f["file"] == good_name.as_str())
        .expect("the good file is reported");
    assert!(good_file["error"].is_null());
    assert!(
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["file"] == good_name.as_str() && f["rule"] == "alexa/token-wrong-profile"),
        "the good file is still checked"
    );
    for name in ["empty.har", "binary.har", "missing.har"] {
        let line = stderr
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("no error names {name}: {stderr}"));
        assert!(line.starts_with("error: "), "{line}");
    }

    // One at a time, each broken file alone: 0, 1 or 2, never a crash.
    for p in &paths {
        let status = common::bin()
            .arg("check")
            .arg(p)
            .output()
            .expect("run tokentrail")
            .status;
        assert!(
            matches!(status.code(), Some(0..=2)),
            "{}: {status}",
            p.display()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Awkward but legal inputs: each is read, and reads the way the docs say.

fn findings_of(name: &str, bytes: Vec<u8>) -> (tokentrail::model::Capture, Vec<String>) {
    let capture = tokentrail::read::read_bytes(name, Arc::from(bytes)).expect("readable");
    let kept = capture.clone();
    let file = check_capture(capture, &options());
    let mut rules: Vec<String> = file
        .findings
        .iter()
        .map(|f| format!("{} #{:?}", f.rule, f.entry))
        .collect();
    rules.sort();
    (kept, rules)
}

const SAMPLE: &str = "fixtures/samples/wrong-profile.har";

/// Bytes that are not UTF-8 in a header value and in a body: the reader replaces them (spans
/// unchanged), nothing is lost, and the findings are those of the clean file.
#[test]
fn bytes_that_are_not_utf8_are_replaced_not_fatal() {
    let clean = std::fs::read(common::root().join(SAMPLE)).expect("sample");
    let (base, want) = findings_of(SAMPLE, clean.clone());
    let text = String::from_utf8(clean.clone()).expect("sample is UTF-8");
    let mut dirty = clean;
    // Latin-1 bytes into the first User-Agent value and the first response body text.
    for marker in ["\"value\": \"Mozilla/5.0", "\"text\": \"<!DOCTYPE html>"] {
        let at = text.find(marker).expect(marker) + marker.len();
        dirty[at - 1] = 0xE9;
        dirty[at - 2] = 0xFF;
    }
    let (capture, got) = findings_of(SAMPLE, dirty);
    assert_eq!(capture.exchanges.len(), base.exchanges.len());
    assert!(capture.truncation.is_none());
    let spans = |c: &tokentrail::model::Capture| -> Vec<_> {
        c.exchanges.iter().map(|e| e.span.clone()).collect()
    };
    assert_eq!(spans(&capture), spans(&base), "spans still index the file");
    let ua = capture.exchanges[0]
        .request
        .header("user-agent")
        .expect("UA");
    assert!(ua.starts_with("Mozilla/5.?") || ua.contains('?'), "{ua}");
    assert_eq!(got, want);
}

/// A URL with broken percent-encoding and repeated query parameters: escapes that do not
/// decode are kept (or replaced by U+FFFD), the first occurrence of a parameter wins, as most
/// servers do, so appending junk repeats changes no finding.
#[test]
fn broken_percent_encoding_and_repeated_parameters() {
    let path = common::root().join(SAMPLE);
    let clean = std::fs::read(&path).expect("sample");
    let (_, want) = findings_of(SAMPLE, clean.clone());
    assert!(
        want.iter()
            .any(|f| f.starts_with("alexa/token-wrong-profile")),
        "{want:?}"
    );
    let mut doc: Value = serde_json::from_slice(&clean).expect("JSON");
    let entries = entries_mut(&mut doc).expect("entries");
    let mut touched = 0;
    for e in entries.iter_mut() {
        if let Some(Value::String(url)) = e.pointer_mut("/request/url") {
            if let Some((_, query)) = url.split_once('?') {
                let repeats: Vec<String> = query
                    .split('&')
                    .filter_map(|p| p.split_once('=').map(|(k, _)| k.to_string()))
                    .map(|k| format!("{k}=%ZZ%E9%"))
                    .collect();
                url.push('&');
                url.push_str(&repeats.join("&"));
                url.push_str("&%=%&=&&%C3%28=%FF");
                touched += 1;
            }
        }
    }
    assert!(touched >= 3, "{touched} URLs with a query");
    let (_, got) = findings_of(SAMPLE, serde_json::to_vec_pretty(&doc).expect("JSON"));
    assert_eq!(got, want);
}

/// Paths that are not UTF-8 are checked like any other and named (lossily) in the output and
/// errors; a path that cannot be read is an error naming it, the rest is still checked.
#[cfg(unix)]
#[test]
fn paths_that_are_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let odd = dir.path().join(std::ffi::OsStr::from_bytes(b"caf\xe9.har"));
    std::fs::copy(common::root().join(SAMPLE), &odd).expect("copy sample");
    let missing = dir
        .path()
        .join(std::ffi::OsStr::from_bytes(b"gone-\xff.har"));
    let out = common::bin()
        .args(["check", "--format", "json"])
        .arg(&odd)
        .arg(&missing)
        .output()
        .expect("run tokentrail");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let files = report["files"].as_array().expect("files");
    assert_eq!(files.len(), 2);
    assert!(files[0]["file"]
        .as_str()
        .expect("name")
        .ends_with("caf\u{FFFD}.har"));
    assert!(files[0]["error"].is_null(), "{}", files[0]);
    assert!(files[0]["entries"].as_u64().expect("entries") > 0);
    assert!(
        stderr.contains("gone-\u{FFFD}.har: cannot read: No such file"),
        "{stderr}"
    );
    // Alone, the readable one exits 1 (its error finding), not 2.
    let status = common::bin()
        .arg("check")
        .arg(&odd)
        .output()
        .expect("run tokentrail")
        .status;
    assert_eq!(status.code(), Some(1));
}

/// A file that exists but cannot be read (here: a directory; permissions do not stop root)
/// is an error that names the path, on one line.
#[test]
fn unreadable_inputs_are_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let err = tokentrail::read::read_path(dir.path()).expect_err("a directory is not a capture");
    let msg = err.to_string();
    assert!(msg.starts_with(&dir.path().display().to_string()), "{msg}");
    assert!(msg.contains("cannot read"), "{msg}");
    assert!(!msg.contains('\n'));
}

/// JSON nested deeper than serde_json's 128 levels: skipped where the reader does not look
/// (a vendor field), a clean error when the file ends inside it, and a `capture/limit` finding
/// when an entry is that deep — never a stack overflow.
#[test]
fn deep_nesting_is_skipped_refused_or_a_limit_finding() {
    let deep = "[".repeat(50_000);
    let closed = "]".repeat(50_000);
    let entry = r#"{"request":{"method":"GET","url":"https://a/"}}"#;
    let skipped = format!(r#"{{"log":{{"_vendor":{deep}{closed},"entries":[{entry}]}}}}"#);
    let (capture, _) = findings_of("deep.har", skipped.into_bytes());
    assert_eq!(capture.exchanges.len(), 1);
    let cut = format!(r#"{{"log":{{"creator":{deep}"#);
    let err =
        tokentrail::read::read_bytes("deep.har", Arc::from(cut.as_bytes())).expect_err("refused");
    assert!(
        err.to_string().starts_with("deep.har: broken HAR file"),
        "{err}"
    );
    let inside = format!(r#"{{"log":{{"entries":[{{"request":{deep}{closed}}},{entry}]}}}}"#);
    let (capture, found) = findings_of("deep.har", inside.into_bytes());
    assert_eq!(capture.exchanges.len(), 2);
    assert!(
        found.contains(&"capture/limit #Some(1)".to_string()),
        "{found:?}"
    );
}
