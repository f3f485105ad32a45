//! Any bytes through the readers alone (`read_bytes` sniffs and picks one): much faster per
//! execution than `read_check`, so it explores the parsers far deeper in the same time.
//! Checks the readers' own contract too: spans inside the source, truncation consistent, and
//! the fast path (`read_skimmed`, what `check` uses) reads as many entries as the full one.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match tokentrail::read::read_bytes("fuzz.har", Arc::from(data)) {
        Ok(capture) => {
            if capture.format == tokentrail::model::Format::Har {
                let fast = tokentrail::read::har::read_skimmed("fuzz.har", data.to_vec().into());
                let (skimmed, _) = fast.expect("the fast path reads what the full one reads");
                assert_eq!(skimmed.exchanges.len(), capture.exchanges.len());
            }
            for (i, ex) in capture.exchanges.iter().enumerate() {
                assert_eq!(ex.index, i + 1, "entries are numbered in order");
                assert!(
                    ex.span.start <= ex.span.end && ex.span.end <= capture.source.len(),
                    "entry {} span {:?} outside the {} source bytes",
                    ex.index,
                    ex.span,
                    capture.source.len()
                );
            }
            if let Some(t) = &capture.truncation {
                assert_eq!(t.complete_entries, capture.exchanges.len());
                assert!(t.offset <= capture.source.len());
            }
        }
        Err(e) => assert!(!e.to_string().contains('\n'), "one-line error: {e}"),
    }
});
