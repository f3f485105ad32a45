//! Readers: turn the bytes of a recorded file into a format-neutral [`Capture`].
//!
//! [`read_bytes`] looks at the content (not the file name) to pick a reader; only HAR exists so
//! far. A reader either returns a capture (possibly salvaged up to a cut, see
//! [`Capture::truncation`]) or a [`ReadError`] whose message is one line naming the file.
//!
//! Readers index input-derived data only with `get`: a panic on any input is a bug.
// (Tests index freely: a panic there is a failed assertion.)
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

pub mod har;
mod sniff;

use std::path::Path;
use std::sync::Arc;

use crate::model::Capture;

/// Why a file yielded no capture at all. Each message is one line: `<file>: <what was found>`.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    // The io::Error is shown inline rather than as a `source`, so a report printing the error
    // chain does not repeat it.
    #[error("{name}: cannot read: {error}")]
    Io { name: String, error: std::io::Error },
    #[error("{name}: empty file")]
    Empty { name: String },
    /// The content is something else (HTML, an array, JSON without `log.entries`, binary).
    #[error("{name}: not a HAR file: {found}")]
    NotHar { name: String, found: String },
    /// It starts like a HAR but breaks (or ends) before the entry list begins, so nothing
    /// can be salvaged.
    #[error("{name}: broken HAR file: {reason}")]
    Broken { name: String, reason: String },
}

impl ReadError {
    /// The file name the error is about, as given to the reader.
    pub fn name(&self) -> &str {
        match self {
            ReadError::Io { name, .. }
            | ReadError::Empty { name }
            | ReadError::NotHar { name, .. }
            | ReadError::Broken { name, .. } => name,
        }
    }
}

/// Reads a capture from bytes already in memory; `name` is what diagnostics call the file.
pub fn read_bytes(name: &str, bytes: Arc<[u8]>) -> Result<Capture, ReadError> {
    match sniff::sniff(&bytes) {
        sniff::Sniffed::Har => har::read(name, bytes),
        sniff::Sniffed::Empty => Err(ReadError::Empty {
            name: name.to_string(),
        }),
        sniff::Sniffed::Other(found) => Err(ReadError::NotHar {
            name: name.to_string(),
            found,
        }),
    }
}

/// Reads a capture from a file. The path as displayed becomes the capture's name.
/// (`-` for standard input is the caller's business.)
pub fn read_path(path: &Path) -> Result<Capture, ReadError> {
    let name = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => read_bytes(&name, Arc::from(bytes)),
        Err(error) => Err(ReadError::Io { name, error }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(name: &str, input: &[u8]) -> String {
        match read_bytes(name, Arc::from(input)) {
            Ok(c) => panic!(
                "{name} read as a capture with {} entries",
                c.exchanges.len()
            ),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn read_errors_are_one_line_and_name_the_file() {
        let cases: [(&[u8], &str); 8] = [
            (
                b"<!DOCTYPE html>\n<html><body>Sign in</body></html>",
                "captures/x.txt: not a HAR file: it starts with \"<!DOCTYPE html>\"",
            ),
            (
                b"[{\"log\":1}]",
                "captures/x.txt: not a HAR file: it is a JSON array, not an object (it starts with \"[{\\\"log\\\":1}]\")",
            ),
            (
                b"{}",
                "captures/x.txt: not a HAR file: a JSON object without log.entries (no keys)",
            ),
            (
                b"{\"foo\":1,\"bar\":[]}",
                "captures/x.txt: not a HAR file: a JSON object without log.entries (keys: foo, bar)",
            ),
            (b"", "captures/x.txt: empty file"),
            (b"\xEF\xBB\xBF \n", "captures/x.txt: empty file"),
            (
                b"\x00\x01\x02\xff\xfe garbage",
                "captures/x.txt: not a HAR file: it starts with binary data (00 01 02 ff fe 20 67 61)",
            ),
            (
                b"{\"log\":{\"version\":\"1.2\",\"creator\":{\"name\":\"Chr",
                "captures/x.txt: broken HAR file: the file ends before log.entries (line 1 column 46)",
            ),
        ];
        for (input, want) in cases {
            let got = error_of("captures/x.txt", input);
            assert_eq!(got, want);
            assert!(!got.contains('\n'));
        }
    }

    #[test]
    fn missing_file_is_a_read_error() {
        let err = read_path(Path::new("/nonexistent/x.har")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "/nonexistent/x.har: cannot read: No such file or directory (os error 2)"
        );
        assert_eq!(err.name(), "/nonexistent/x.har");
    }
}
