//! Any bytes through the whole `check` pipeline: sniffing picks the reader (so every reader is
//! covered as soon as it is registered in `read_bytes`), then reconstruction, the built-in
//! rules, and both renderers. Any panic is a bug; errors are fine.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use tokentrail::check::{check_capture, Options};
use tokentrail::report::{human, json, Report};
use tokentrail::rules::{load_builtin, RuleSet};

fn options() -> &'static Options {
    static OPTIONS: OnceLock<Options> = OnceLock::new();
    OPTIONS.get_or_init(|| {
        let mut rules = RuleSet::default();
        rules.extend(load_builtin().unwrap_or_default());
        Options {
            config: Default::default(),
            rules,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(capture) = tokentrail::read::read_bytes("fuzz.har", Arc::from(data)) else {
        return;
    };
    let file = check_capture(capture, options());
    let report = Report { files: vec![file] };
    let _ = json::render(&report);
    let _ = human::render(&report, &human::HumanOptions::default());
});
