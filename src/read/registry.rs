//! Every input format tokentrail reads, in one table: how its content is recognised, how it is
//! read, what its files are called, and how errors and `--help` name it. Adding a format is a
//! reader module (with its `sniff` and `read`), a [`Format`] variant, and a row here.
//!
//! The containers a capture may come in (gzip, zlib, tar, a zip of captures) are not formats:
//! [`super::sniff`] tells them apart first, and [`super::input`] opens them.

use super::budget::Budget;
use super::{burp, charles, har, mitm, raw, saz, ReadError};
use crate::model::{Capture, Exchange, Format, Source};

/// One input format.
pub struct Reader {
    pub format: Format,
    /// What errors and `--help` call it: `Charles .chlsj`.
    pub label: &'static str,
    /// What its files are usually called: a directory walk (or an archive) takes files so
    /// named even when their content is not recognised, so that a damaged capture is reported
    /// rather than skipped.
    pub extensions: &'static [&'static str],
    pub(crate) sniff: Sniff,
    /// Reads it, within what decompression may still cost (a `.saz` is compressed).
    pub(crate) read: fn(&str, Source, &Budget) -> Result<Capture, ReadError>,
    /// Reads again in full an entry the fast read kept as a stub (only HAR is skimmed).
    pub(crate) reread: Option<fn(&Capture, &Exchange) -> Option<Exchange>>,
}

/// How a format is recognised.
pub(crate) enum Sniff {
    /// By its first bytes: the whole file, and its first non-blank bytes (after a BOM). Tried
    /// in the table's order, after the containers.
    Bytes(fn(&[u8], &[u8]) -> bool),
    /// A zip whose member names make it one capture rather than an archive of captures.
    Zip(fn(&mut dyn Iterator<Item = &str>) -> bool),
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label)
    }
}

impl PartialEq for Reader {
    fn eq(&self, other: &Self) -> bool {
        self.format == other.format
    }
}

impl Eq for Reader {}

/// Every format, in the order errors and `--help` list them (and their content is tried).
pub static READERS: &[Reader] = &[
    Reader {
        format: Format::Har,
        label: "HAR",
        extensions: &["har"],
        sniff: Sniff::Bytes(har::sniff),
        read: |name, bytes, _| har::read_source(name, bytes).map_err(super::not_har_json),
        reread: Some(har::reread),
    },
    Reader {
        format: Format::Charles,
        label: "Charles .chlsj",
        extensions: &["chlsj"],
        sniff: Sniff::Bytes(charles::sniff),
        read: |name, bytes, _| charles::read(name, bytes.to_arc()),
        reread: None,
    },
    Reader {
        format: Format::Saz,
        label: "Fiddler .saz",
        extensions: &["saz"],
        sniff: Sniff::Zip(|names| saz::is_saz(names)),
        read: |name, bytes, budget| {
            let (result, cut) = saz::read(name, &bytes, budget.bytes);
            if cut {
                budget.cut().finish(name, result)
            } else {
                result
            }
        },
        reread: None,
    },
    Reader {
        format: Format::Burp,
        label: "Burp XML",
        extensions: &["xml", "burp"],
        sniff: Sniff::Bytes(burp::sniff),
        read: |name, bytes, _| burp::read(name, bytes.to_arc()),
        reread: None,
    },
    Reader {
        format: Format::Mitmproxy,
        label: "mitmproxy dump",
        extensions: &["mitm", "flows"],
        sniff: Sniff::Bytes(mitm::sniff),
        read: |name, bytes, _| mitm::read(name, bytes.to_arc()),
        reread: None,
    },
    Reader {
        format: Format::RawHttp,
        label: "raw HTTP",
        extensions: &["http"],
        sniff: Sniff::Bytes(raw::sniff),
        read: |name, bytes, _| raw::read(name, bytes.to_arc()),
        reread: None,
    },
];

/// What the containers' files are called (see [`Reader::extensions`]).
const CONTAINER_EXTENSIONS: &[&str] = &["gz", "tgz", "zip", "tar", "zhar"];

/// The formats as errors and `--help` list them: `HAR, Charles .chlsj, … or raw HTTP`.
pub fn labels() -> String {
    let labels: Vec<&str> = READERS.iter().map(|r| r.label).collect();
    match labels.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The format of a zip that is one capture, judged by its member names; `None`: an archive of
/// captures.
pub(crate) fn zip_capture<'a>(names: impl Iterator<Item = &'a str>) -> Option<&'static Reader> {
    let names: Vec<&str> = names.collect();
    READERS.iter().find(|r| match r.sniff {
        Sniff::Zip(holds) => holds(&mut names.iter().copied()),
        Sniff::Bytes(_) => false,
    })
}

/// The format a zip is read as when it is read as one capture (not expanded as an archive).
pub(crate) fn zip_reader() -> Option<&'static Reader> {
    READERS.iter().find(|r| matches!(r.sniff, Sniff::Zip(_)))
}

/// Whether a file's name says it holds a capture (or a container of captures).
pub(crate) fn has_capture_extension(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let file = lower.rsplit(['/', '\\', '!']).next().unwrap_or(&lower);
    file.rsplit_once('.').is_some_and(|(_, ext)| {
        CONTAINER_EXTENSIONS.contains(&ext) || READERS.iter().any(|r| r.extensions.contains(&ext))
    })
}

/// README's table of input formats, from this table: a row for each reader (its label and
/// file names) with what it reads of the format, then the containers. `tests/docs.rs` fails
/// when README.md's copy differs (`UPDATE_DOCS=1 cargo test --test integration docs::`
/// rewrites it), so a format added here shows in README.
pub fn readme_table() -> String {
    let mut out = String::from("| format | files | what tokentrail reads |\n|---|---|---|\n");
    for r in READERS {
        let files: Vec<String> = r.extensions.iter().map(|e| format!("`.{e}`")).collect();
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            r.label,
            files.join(", "),
            what_it_reads(r.format)
        ));
    }
    // Not a format: a container (`super::sniff`) that holds one HAR.
    out.push_str(
        "| mitmproxy's compressed HAR | `.zhar` | a zlib stream holding a HAR, read as the HAR |\n",
    );
    out
}

/// What README says is read of each format. A match without a catch-all: a new [`Format`]
/// does not build until it is described.
fn what_it_reads(format: Format) -> &'static str {
    match format {
        Format::Har => "HAR 1.2 and 1.1: browser devtools (Chrome, Firefox, Safari), Charles' and mitmproxy's (`hardump`) HAR exports, Insomnia; base64 bodies decoded",
        Format::Charles => "Charles session JSON: `scheme`/`host`/`path`/`query`, `header.headers[]`, `body.text` or base64 `body.encoded`, `times.start`",
        Format::Saz => "`raw/NN_c.txt` requests (absolute URLs), `raw/NN_s.txt` responses, start times from `raw/NN_m.xml` timers",
        Format::Burp => "Burp Suite \"Save items\" XML: `<item>`s with base64 or plain raw messages; items without a response; `<time>` with its zone",
        Format::Mitmproxy => "`mitmdump -w` and the UI's save: typed-netstring flows of every flow format from mitmproxy 0.11 to today (21), old field names read as mitmproxy's own migration renames them; encoded bodies decoded; websocket messages, tcp, udp and dns flows counted, skipped and said on stderr (`note: … skipped 1 tcp flow`)",
        Format::RawHttp => "raw HTTP/1.1 dumps: requests, each followed by its response when there was one; chunked, gzip, deflate and br bodies decoded",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_has_one_row() {
        let formats: Vec<Format> = READERS.iter().map(|r| r.format).collect();
        for f in &formats {
            assert_eq!(formats.iter().filter(|g| *g == f).count(), 1, "{f:?}");
        }
        assert_eq!(
            labels(),
            "HAR, Charles .chlsj, Fiddler .saz, Burp XML, mitmproxy dump or raw HTTP"
        );
    }

    #[test]
    fn extensions_of_formats_and_containers() {
        for name in [
            "a.har",
            "A.HAR",
            "x.chlsj",
            "s.saz",
            "b.xml",
            "b.burp",
            "d.mitm",
            "d.flows",
            "r.http",
            "c.har.gz",
            "t.tgz",
            "z.zip",
            "t.tar",
            "c.zhar",
            "t.zip!dir/m.har",
        ] {
            assert!(has_capture_extension(name), "{name}");
        }
        for name in ["notes.txt", "a.har/readme", "har", "t.zip!m.json"] {
            assert!(!has_capture_extension(name), "{name}");
        }
    }
}
