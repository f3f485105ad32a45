//! The functions the browser page calls (`web/`): plain exports over the linear memory, with
//! the page's own small glue (`web/glue.js`) instead of wasm-bindgen, so building the page
//! needs only the wasm target (no bindgen CLI to compile in CI).
//!
//! The protocol: the page asks for a buffer with [`tt_alloc`], copies bytes in, and passes
//! (pointer, length) pairs. A call's result is left in one output buffer, read with
//! [`tt_out_ptr`] / [`tt_out_len`] until the next call. Inputs are handed over whole: each
//! call frees what it was given.
//!
//! Checking is one call per file group: [`tt_add_file`] queues a file (its name and bytes),
//! [`tt_check`] checks the queue with an optional config and keeps the result for
//! [`tt_render`] (the HTML page, the JSON report, the flows, `explain` of each rule that
//! fired); [`tt_sanitize`] makes the sanitized copies of a file under a key from the page
//! (`crypto.getRandomValues`). Progress goes out through the one import, `env.tt_progress`.
#![allow(clippy::missing_safety_doc)]
// The crate denies unsafe code outside the skim's SIMD module and the mmap; this module is the
// other boundary that needs it: an FFI surface over linear memory (`#[no_mangle]` exports,
// raw (pointer, length) pairs from the page, the imported progress callback), which Rust
// cannot check. Every `unsafe` block here takes back a buffer `tt_alloc` handed out.
#![allow(unsafe_code)]

use std::cell::RefCell;

use crate::api::{self, Checked, Engine};

extern "C" {
    /// The page's progress callback: `done` of `total` captures checked.
    fn tt_progress(done: u32, total: u32);
}

struct State {
    out: Vec<u8>,
    files: Vec<(String, Vec<u8>)>,
    checked: Option<Checked>,
    engine: Option<Engine>,
}

thread_local! {
    static STATE: RefCell<State> = const {
        RefCell::new(State {
            out: Vec::new(),
            files: Vec::new(),
            checked: None,
            engine: None,
        })
    };
}

/// A buffer of `len` bytes for the page to write into; handed back by the call it is given to.
#[no_mangle]
pub extern "C" fn tt_alloc(len: usize) -> *mut u8 {
    let mut buf = vec![0u8; len].into_boxed_slice();
    let ptr = buf.as_mut_ptr();
    std::mem::forget(buf);
    ptr
}

/// Takes back a buffer from [`tt_alloc`].
unsafe fn take(ptr: *mut u8, len: usize) -> Vec<u8> {
    if len == 0 {
        return Vec::new();
    }
    // SAFETY: `ptr` came from `tt_alloc(len)` and is handed back once.
    unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len)) }.into_vec()
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn set_out(bytes: Vec<u8>) {
    STATE.with(|s| s.borrow_mut().out = bytes);
}

#[no_mangle]
pub extern "C" fn tt_out_ptr() -> *const u8 {
    STATE.with(|s| s.borrow().out.as_ptr())
}

#[no_mangle]
pub extern "C" fn tt_out_len() -> usize {
    STATE.with(|s| s.borrow().out.len())
}

/// Queues a file for the next [`tt_check`].
#[no_mangle]
pub unsafe extern "C" fn tt_add_file(name: *mut u8, name_len: usize, bytes: *mut u8, len: usize) {
    let name = text(unsafe { take(name, name_len) });
    let bytes = unsafe { take(bytes, len) };
    STATE.with(|s| s.borrow_mut().files.push((name, bytes)));
}

/// Checks the queued files (and empties the queue). `config` is a `tokentrail.toml`'s text
/// (length 0: none). Returns 0 when the check ran (the output holds a JSON summary), 1 when
/// it could not (the output holds the message).
#[no_mangle]
pub unsafe extern "C" fn tt_check(config: *mut u8, config_len: usize) -> u32 {
    let config = (config_len > 0).then(|| text(unsafe { take(config, config_len) }));
    let files = STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.checked = None;
        std::mem::take(&mut s.files)
    });
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let mut progress = |done: usize, total: usize| {
        // SAFETY: an import the page provides.
        unsafe { tt_progress(done as u32, total as u32) }
    };
    // The engine (its compiled rules) is kept for the page's next check.
    let engine = STATE.with(|s| s.borrow_mut().engine.take());
    let result = engine.map_or_else(Engine::new, Ok).and_then(|mut engine| {
        let checked = engine.check_files(&refs, config.as_deref(), &mut progress);
        STATE.with(|s| s.borrow_mut().engine = Some(engine));
        checked
    });
    drop(refs);
    drop(files);
    match result {
        Ok(checked) => {
            let summary = summary(&checked);
            STATE.with(|s| {
                let mut s = s.borrow_mut();
                s.checked = Some(checked);
                s.out = summary.into_bytes();
            });
            0
        }
        Err(e) => {
            set_out(e.to_string().into_bytes());
            1
        }
    }
}

/// What the page lists beside the report: the files, their errors, each finding's rule.
fn summary(checked: &Checked) -> String {
    let files: Vec<serde_json::Value> = checked
        .report
        .files
        .iter()
        .map(|f| {
            serde_json::json!({
                "name": f.name,
                "format": f.format,
                "entries": f.entries,
                "flows": f.flows(),
                "error": f.error,
                "findings": f.findings.iter().map(|x| serde_json::json!({
                    "rule": x.rule,
                    "severity": x.severity,
                    "message": x.message,
                    "entry": x.entry,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let summary = checked.report.summary();
    serde_json::json!({
        "files": files,
        "errors": summary.errors,
        "warnings": summary.warnings,
        "infos": summary.infos,
    })
    .to_string()
}

/// Renders the last check: 0 the HTML page, 1 the JSON report, 2 the flows, 3 `explain` of
/// each rule that fired (a JSON list of `[id, text]`). Returns 1 when there is no check.
#[no_mangle]
pub extern "C" fn tt_render(what: u32) -> u32 {
    let rendered = STATE.with(|s| {
        let mut s = s.borrow_mut();
        let checked = s.checked.as_mut()?;
        Some(match what {
            0 => checked.html(),
            1 => checked.json(),
            2 => checked.flows(100),
            _ => serde_json::to_string(checked.explain_fired()).unwrap_or_default(),
        })
    });
    match rendered {
        Some(t) => {
            set_out(t.into_bytes());
            0
        }
        None => {
            set_out(b"no check has run".to_vec());
            1
        }
    }
}

/// Sanitizes one file under `key` (random bytes from the page, at least 16), with the
/// `tokentrail.toml` text the check used (`config_len` 0 for none). Returns 0 with a JSON list
/// of `{name, har, summary, notes}` in the output, or 1 with the message.
#[no_mangle]
pub unsafe extern "C" fn tt_sanitize(
    name: *mut u8,
    name_len: usize,
    bytes: *mut u8,
    len: usize,
    key: *mut u8,
    key_len: usize,
    config: *mut u8,
    config_len: usize,
) -> u32 {
    let name = text(unsafe { take(name, name_len) });
    let bytes = unsafe { take(bytes, len) };
    let key = unsafe { take(key, key_len) };
    let config = (config_len > 0).then(|| text(unsafe { take(config, config_len) }));
    match api::sanitize(&name, &bytes, &key, config.as_deref()) {
        Ok(copies) => {
            let list: Vec<serde_json::Value> = copies
                .into_iter()
                .map(|c| {
                    serde_json::json!({
                        "name": c.name, "har": c.har, "summary": c.summary, "notes": c.notes,
                    })
                })
                .collect();
            set_out(serde_json::Value::Array(list).to_string().into_bytes());
            0
        }
        Err(e) => {
            set_out(e.into_bytes());
            1
        }
    }
}
