//! Arbitrary text as a rule file: parse the TOML, compile and check every CEL expression and
//! template against the facts schema. A bad rule must be a `RuleError`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Rule files are read as UTF-8 text; anything else is refused before parsing.
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = tokentrail::rules::parse_rule("fuzz.toml", text);
    }
});
