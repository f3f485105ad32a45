//! Readers: turn the bytes of a recorded file into a format-neutral [`Capture`].
//!
//! [`read_bytes`] looks at the content (never the file name) to pick a reader: HAR, Charles
//! session JSON, Fiddler `.saz`, Burp XML, raw HTTP or a mitmproxy dump, gzip-compressed or
//! not (zlib-compressed too: mitmproxy's `.zhar`). A reader either
//! returns a capture (possibly salvaged up to a cut, see [`Capture::truncation`]) or a
//! [`ReadError`] whose message is one line naming the file.
//!
//! [`input`] expands what a user names (files, directories, archives, standard input) into the
//! captures to check.
//!
//! Readers index input-derived data only with `get`: a panic on any input is a bug.
// (Tests index freely: a panic there is a failed assertion.)
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

mod budget;
mod burp;
mod charles;
mod decode;
pub mod har;
mod http;
pub mod input;
mod mitm;
mod raw;
pub mod registry;
mod saz;
mod sniff;
mod tnetstring;

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use crate::limits::Limits;
use crate::model::{Capture, Exchange, Format, Part, Request, Response, Source, Truncation};
use budget::Budget;

/// Why a file yielded no capture at all. Each message is one line: `<file>: <what was found>`.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    // The io::Error is shown inline rather than as a `source`, so a report printing the error
    // chain does not repeat it.
    #[error("{name}: cannot read: {error}")]
    Io { name: String, error: std::io::Error },
    #[error("{name}: empty file")]
    Empty { name: String },
    /// A file named `.har` (or JSON that starts like one) that is something else.
    #[error("{name}: not a HAR file: {found}")]
    NotHar { name: String, found: String },
    /// Content that no reader recognises.
    #[error("{name}: not a capture ({}): {found}", registry::labels())]
    Unrecognised { name: String, found: String },
    /// It starts like a HAR but breaks (or ends) before the entry list begins, so nothing
    /// can be salvaged.
    #[error("{name}: broken HAR file: {reason}")]
    Broken { name: String, reason: String },
    /// A file of another format (or an archive) that breaks before anything can be read.
    #[error("{name}: broken {format}: {reason}")]
    Invalid {
        name: String,
        format: &'static str,
        reason: String,
    },
    /// A limit stopped reading it (`--max-decompressed-size`, `--max-archive-members`, nesting):
    /// the detail names the limit and the flag that raises it.
    #[error("{name}: {detail}")]
    Limit { name: String, detail: String },
}

impl ReadError {
    /// The file name the error is about, as given to the reader.
    pub fn name(&self) -> &str {
        match self {
            ReadError::Io { name, .. }
            | ReadError::Empty { name }
            | ReadError::NotHar { name, .. }
            | ReadError::Unrecognised { name, .. }
            | ReadError::Broken { name, .. }
            | ReadError::Invalid { name, .. }
            | ReadError::Limit { name, .. } => name,
        }
    }
}

/// Reads one capture from bytes already in memory; `name` is what diagnostics call the file.
/// gzip is undone first (spans then index the decompressed text). A zip that is not a
/// Fiddler archive, or a tar, holds several captures: see [`input`] for those.
pub fn read_bytes(name: &str, bytes: Arc<[u8]>) -> Result<Capture, ReadError> {
    read_source(name, bytes.into())
}

/// Reads a capture from bytes in memory or a mapped file (see [`open`]), with the default
/// limits on decompression.
pub fn read_source(name: &str, bytes: Source) -> Result<Capture, ReadError> {
    read_within(name, bytes, &Budget::new(name, &Limits::default()))
}

/// [`read_source`] with what decompression may still cost (a `.gz`, a `.saz`).
fn read_within(name: &str, bytes: Source, budget: &Budget) -> Result<Capture, ReadError> {
    match sniff::sniff(&bytes) {
        sniff::Sniffed::Capture(reader) => (reader.read)(name, bytes, budget),
        // A zip read as one capture (an archive of captures is expanded by `input`).
        sniff::Sniffed::Zip => match registry::zip_reader() {
            Some(reader) => (reader.read)(name, bytes, budget),
            None => Err(ReadError::Unrecognised {
                name: name.to_string(),
                found: "it is a zip archive inside a file that should hold one capture".to_string(),
            }),
        },
        sniff::Sniffed::Gzip => gunzip_and_read(name, &bytes, budget),
        sniff::Sniffed::Zlib => inflate_and_read(name, &bytes, budget),
        sniff::Sniffed::Tar => Err(ReadError::Unrecognised {
            name: name.to_string(),
            found: "it is a tar archive inside a file that should hold one capture".to_string(),
        }),
        sniff::Sniffed::Empty => Err(ReadError::Empty {
            name: name.to_string(),
        }),
        sniff::Sniffed::Other(found) if names_har(name) => Err(ReadError::NotHar {
            name: name.to_string(),
            found,
        }),
        sniff::Sniffed::Other(found) => Err(ReadError::Unrecognised {
            name: name.to_string(),
            found,
        }),
    }
}

/// An entry the fast read kept as a stub (its place and time), read again in full so that it
/// can be shown; `None` when its format is never skimmed or the entry cannot be read again.
pub fn reread(capture: &Capture, ex: &Exchange) -> Option<Exchange> {
    let reader = registry::READERS
        .iter()
        .find(|r| r.format == capture.format)?;
    (reader.reread?)(capture, ex)
}

/// JSON that is no HAR, in a file whose name does not say HAR, is "not a capture" like
/// anything else unrecognised: a `package.json` is not a broken HAR.
pub(crate) fn not_har_json(e: ReadError) -> ReadError {
    match e {
        ReadError::NotHar { name, found }
            if !names_har(&name) && found.starts_with("a JSON object without") =>
        {
            ReadError::Unrecognised { name, found }
        }
        other => other,
    }
}

/// Whether the user called it a HAR: then "not a HAR file" is the clearest thing to say.
fn names_har(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".har") || lower.ends_with(".har.gz")
}

/// Reads what a gzip stream (all its members) holds, decompressed up to the budget: a stream
/// cut off keeps what was decoded, one that goes past the budget is read up to it (see
/// [`budget::Cut::finish`]).
fn gunzip_and_read(name: &str, bytes: &[u8], budget: &Budget) -> Result<Capture, ReadError> {
    let stream = flate2::read::MultiGzDecoder::new(bytes);
    decompress_and_read(name, stream, "gzip file", budget)
}

/// Reads what a zlib stream holds (mitmproxy's `.zhar`: a HAR compressed whole), within the
/// budget like a gzip stream.
fn inflate_and_read(name: &str, bytes: &[u8], budget: &Budget) -> Result<Capture, ReadError> {
    let stream = flate2::read::ZlibDecoder::new(bytes);
    decompress_and_read(name, stream, "zlib stream", budget)
}

fn decompress_and_read(
    name: &str,
    stream: impl std::io::Read,
    format: &'static str,
    budget: &Budget,
) -> Result<Capture, ReadError> {
    let Some(inner) = budget.deeper() else {
        return Err(budget.too_deep(name));
    };
    let inflated = budget.inflate(stream);
    if let (Some(e), true) = (&inflated.error, inflated.bytes.is_empty()) {
        return Err(ReadError::Invalid {
            name: name.to_string(),
            format,
            reason: e.to_string(),
        });
    }
    let inner = inner.after(inflated.bytes.len() as u64, 0);
    let result = read_within(name, Arc::<[u8]>::from(inflated.bytes).into(), &inner);
    if inflated.cut {
        budget.cut().finish(name, result)
    } else {
        result
    }
}

/// Reads a capture for checking, the fast way: a HAR is skimmed (see `har::read_skimmed`).
/// Other inputs are read as [`read_source`] does, within `budget`.
fn read_skimmed(
    name: &str,
    bytes: Source,
    budget: &Budget,
    keep: har::Keep,
) -> Result<Capture, ReadError> {
    if matches!(sniff::sniff(&bytes), sniff::Sniffed::Capture(r) if r.format == Format::Har) {
        return har::read_skimmed(name, bytes, budget.limits(), keep).map_err(not_har_json);
    }
    read_within(name, bytes, budget)
}

/// Files at least this large are memory-mapped rather than read: their pages can then be
/// handed back as soon as they are read, which keeps a large capture out of resident memory.
#[cfg(feature = "cli")]
const MAP_AT: u64 = 4 << 20;

/// The bytes of a file: mapped when large, else read.
pub fn open(path: &Path) -> Result<Source, ReadError> {
    let name = || path.display().to_string();
    let io = |error| ReadError::Io {
        name: name(),
        error,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    #[cfg(feature = "cli")]
    if meta.is_file() && meta.len() >= MAP_AT {
        return Source::map(&file).map_err(io);
    }
    let mut bytes = Vec::with_capacity(if meta.is_file() {
        meta.len() as usize
    } else {
        0
    });
    std::io::Read::read_to_end(&mut &file, &mut bytes).map_err(io)?;
    Ok(bytes.into())
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

/// The one place readers of the other formats make a capture, so that a change in how the
/// source is held touches one function.
fn capture(
    name: &str,
    format: Format,
    source: Arc<[u8]>,
    exchanges: Vec<Exchange>,
    truncation: Option<Truncation>,
    parts: Vec<Part>,
) -> Capture {
    Capture {
        name: name.to_string(),
        format,
        source: source.into(),
        exchanges,
        truncation,
        parts,
        limits_hit: Vec::new(),
        skipped: Vec::new(),
    }
}

/// An exchange with no time or error yet (formats differ in where those come from).
fn exchange_of(
    index: usize,
    span: Range<usize>,
    request: Request,
    response: Option<Response>,
) -> Exchange {
    Exchange {
        index,
        span,
        started: None,
        started_raw: None,
        request: request.into(),
        response: response.map(Box::new),
        error: None,
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
                "captures/x.txt: not a capture (HAR, Charles .chlsj, Fiddler .saz, Burp XML, mitmproxy dump or raw HTTP): it starts with `<!DOCTYPE` (a line of 15 characters)",
            ),
            (
                b"[{\"log\":1}]",
                "captures/x.txt: not a capture (HAR, Charles .chlsj, Fiddler .saz, Burp XML, mitmproxy dump or raw HTTP): it is a JSON array, not an object (it starts with `[{` (a line of 11 characters))",
            ),
            (
                b"{}",
                "captures/x.txt: not a capture (HAR, Charles .chlsj, Fiddler .saz, Burp XML, mitmproxy dump or raw HTTP): a JSON object without log.entries (no keys)",
            ),
            (
                b"{\"foo\":1,\"bar\":[]}",
                "captures/x.txt: not a capture (HAR, Charles .chlsj, Fiddler .saz, Burp XML, mitmproxy dump or raw HTTP): a JSON object without log.entries (keys: foo, bar)",
            ),
            (b"", "captures/x.txt: empty file"),
            (b"\xEF\xBB\xBF \n", "captures/x.txt: empty file"),
            (
                b"\x00\x01\x02\xff\xfe garbage",
                "captures/x.txt: not a capture (HAR, Charles .chlsj, Fiddler .saz, Burp XML, mitmproxy dump or raw HTTP): it starts with binary data of no known kind",
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
