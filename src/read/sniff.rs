//! Recognising what a file holds from its first bytes (never from its name), and saying in
//! words what it is when it is not a capture we read. The containers (gzip, zlib, zip, tar)
//! are told here; the formats by their rows of the registry, in its order.

use super::registry::{Reader, Sniff, READERS};

/// The UTF-8 byte-order mark some Windows tools write before the JSON.
pub(crate) const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// How many characters of a file's first line an error message quotes.
/// How many bytes of the first line are looked at to decide it is text.
const LINE_BYTES: usize = 160;

/// How many leading bytes sniffing looks at (and a directory walk reads of each file).
pub(crate) const HEAD_BYTES: usize = 8192;

/// What the first bytes of a file say it is.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Sniffed {
    /// A capture of one of the formats of the registry ([`super::registry::READERS`]).
    Capture(&'static Reader),
    /// gzip-compressed: a `.gz` capture or a `.tar.gz` archive.
    Gzip,
    /// A zlib stream: mitmproxy's compressed HAR (`.zhar`).
    Zlib,
    /// A zip: a capture made of several files (a Fiddler `.saz`) or an archive of captures.
    Zip,
    /// An uncompressed tar archive.
    Tar,
    /// Nothing but whitespace (or nothing at all).
    Empty,
    /// Something else, described for an error message (one line).
    Other(String),
}

pub(crate) fn sniff(bytes: &[u8]) -> Sniffed {
    let rest = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    let start = rest
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .and_then(|i| rest.get(i..));
    if bytes.starts_with(b"\x1F\x8B") {
        return Sniffed::Gzip;
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Sniffed::Zip;
    }
    if bytes.get(257..262) == Some(b"ustar") {
        return Sniffed::Tar;
    }
    if is_zlib(bytes) {
        return Sniffed::Zlib;
    }
    let head = start.unwrap_or_default();
    for reader in READERS {
        if let Sniff::Bytes(sniff) = reader.sniff {
            if sniff(bytes, head) {
                return Sniffed::Capture(reader);
            }
        }
    }
    match start {
        None => Sniffed::Empty,
        Some(start) => Sniffed::Other(describe(bytes, start)),
    }
}

fn first_line(bytes: &[u8]) -> &[u8] {
    bytes.split(|&b| b == b'\n').next().unwrap_or_default()
}

/// A zlib header with one of the usual compression levels (what Python's `zlib.compress`
/// writes): `x` followed by `\x01`, `^`, `\x9c` or `\xda`.
fn is_zlib(bytes: &[u8]) -> bool {
    matches!(bytes, [0x78, 0x01 | 0x5E | 0x9C | 0xDA, _, ..])
}

/// Names the kind of content where it has a well-known signature, else describes its first
/// line by its leading markup (`<!DOCTYPE`, `<html`, `[`): an error never quotes the input's
/// values.
/// `whole` is the file, `start` its first non-blank bytes.
fn describe(whole: &[u8], start: &[u8]) -> String {
    if whole.starts_with(b"\xFF\xFE") || whole.starts_with(b"\xFE\xFF") {
        return "it is UTF-16 text; save it as UTF-8".to_string();
    }
    if let Some(kind) = known_kind(whole) {
        return format!("it is {kind}");
    }
    let Some(line) = first_text_line(start) else {
        return "it starts with binary data of no known kind".to_string();
    };
    if start.first() == Some(&b'[') && is_section_header(start) {
        return "it is a TOML or INI file (it starts with a [section] line)".to_string();
    }
    if start.first() == Some(&b'[') {
        return format!("it is a JSON array, not an object (it starts with {line})");
    }
    format!("it starts with {line}")
}

/// Well-known kinds of file that are never captures, by their signature.
fn known_kind(whole: &[u8]) -> Option<&'static str> {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"GIF87a", "a GIF image"),
        (b"GIF89a", "a GIF image"),
        (b"%PDF-", "a PDF document"),
        (b"\x7FELF", "an executable (ELF)"),
        (b"SQLite format 3\0", "an SQLite database"),
        (b"BZh", "a bzip2 file (decompress it first)"),
        (b"\xFD7zXZ\0", "an xz file (decompress it first)"),
        (b"\x28\xB5\x2F\xFD", "a zstd file (decompress it first)"),
        (b"7z\xBC\xAF\x27\x1C", "a 7-Zip archive (use zip or tar.gz)"),
        (b"Rar!\x1A\x07", "a RAR archive (use zip or tar.gz)"),
    ];
    SIGNATURES
        .iter()
        .find(|(magic, _)| whole.starts_with(magic))
        .map(|(_, kind)| *kind)
}

/// A first line like `[package]` or `[rules.select]`: a TOML table or INI section header,
/// which no JSON array starts with.
fn is_section_header(start: &[u8]) -> bool {
    let line = first_line(start).trim_ascii_end();
    let Some(inner) = line.strip_prefix(b"[").and_then(|l| l.strip_suffix(b"]")) else {
        return false;
    };
    inner.first().is_some_and(u8::is_ascii_alphabetic)
        && inner
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"_-. \"".contains(b))
}

/// The first line of `start` described without its values, when it looks like text: its
/// leading markup token in back quotes (`<!DOCTYPE`, `<?xml`, `[{`) if it has one, and its
/// length.
fn first_text_line(start: &[u8]) -> Option<String> {
    let end = start
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(start.len());
    let line = start.get(..end.min(LINE_BYTES))?;
    let text = match std::str::from_utf8(line) {
        Ok(text) => text,
        // A multi-byte character cut by the length limit does not make the line binary.
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(line.get(..e.valid_up_to())?).ok()?
        }
        Err(_) => return None,
    };
    let text = text.trim_end_matches('\r');
    if text.is_empty() || text.chars().any(|c| c.is_control() && c != '\t') {
        return None;
    }
    let punctuation: String = text
        .chars()
        .take_while(|c| matches!(c, '<' | '!' | '?' | '[' | '{' | '('))
        .collect();
    let word: String = text[punctuation.len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .take(16)
        .collect();
    let markup = punctuation.starts_with('<') && crate::secret::policy::name_shaped(&word);
    let lead = if markup {
        format!("{punctuation}{word}")
    } else {
        punctuation
    };
    let length = text.chars().count();
    Some(if lead.is_empty() {
        format!("a line of {length} characters")
    } else {
        format!("`{lead}` (a line of {length} characters)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Format;

    fn format_of(bytes: &[u8]) -> Option<Format> {
        match sniff(bytes) {
            Sniffed::Capture(reader) => Some(reader.format),
            _ => None,
        }
    }

    #[test]
    fn har_after_bom_and_whitespace() {
        assert_eq!(
            format_of(b"\xEF\xBB\xBF \r\n\t{\"log\":{}}"),
            Some(Format::Har)
        );
        assert_eq!(format_of(b"{"), Some(Format::Har));
    }

    #[test]
    fn formats_by_content() {
        assert_eq!(sniff(b"\x1F\x8B\x08\x00"), Sniffed::Gzip);
        assert_eq!(sniff(b"PK\x03\x04rest"), Sniffed::Zip);
        let mut tar = vec![0u8; 512];
        tar[257..262].copy_from_slice(b"ustar");
        assert_eq!(sniff(&tar), Sniffed::Tar);
        assert_eq!(format_of(b" [ ]"), Some(Format::Charles));
        assert_eq!(
            format_of(br#"[{"status":"COMPLETE","method":"GET","scheme":"https","host":"a"}]"#),
            Some(Format::Charles)
        );
        assert_eq!(
            format_of(b"<?xml version=\"1.0\"?>\n<!DOCTYPE items [\n]>\n<items burpVersion=\"1\">"),
            Some(Format::Burp)
        );
        assert_eq!(
            format_of(b"\r\nPOST /token HTTP/1.1\r\nHost: a\r\n"),
            Some(Format::RawHttp)
        );
        assert_eq!(format_of(b"HTTP/1.1 200 OK\n"), Some(Format::RawHttp));
        assert_eq!(
            format_of(b"21:4:type;4:http;1:v;0:~}"),
            Some(Format::Mitmproxy)
        );
        // Cut before its end: the first key decides.
        assert_eq!(format_of(b"7780:6:marked;5:fal"), Some(Format::Mitmproxy));
        assert_eq!(sniff(b"x\x9c\xcb\x48"), Sniffed::Zlib);
        // A list, or digits and a colon in text, is not a dump.
        assert!(matches!(
            sniff(b"19:5:12345#4:true!1:0#]"),
            Sniffed::Other(_)
        ));
        assert!(matches!(sniff(b"12:30 meeting"), Sniffed::Other(_)));
        // Look-alikes are not taken for captures.
        assert!(matches!(sniff(br#"[{"log":1}]"#), Sniffed::Other(_)));
        assert!(
            matches!(sniff(b"<html><items>"), Sniffed::Other(_))
                || format_of(b"<html><items>") == Some(Format::Burp)
        );
        assert!(matches!(sniff(b"<!DOCTYPE html>"), Sniffed::Other(_)));
        assert!(matches!(sniff(b"GET me a coffee"), Sniffed::Other(_)));
    }

    #[test]
    fn empty_and_blank() {
        assert_eq!(sniff(b""), Sniffed::Empty);
        assert_eq!(sniff(b"\xEF\xBB\xBF  \n"), Sniffed::Empty);
    }

    #[test]
    fn describes_other_content_on_one_line() {
        let cases: [(&[u8], &str); 5] = [
            (
                b"<!DOCTYPE html>\n<html>",
                "it starts with `<!DOCTYPE` (a line of 15 characters)",
            ),
            (
                b"[1,2]",
                "it is a JSON array, not an object (it starts with `[` (a line of 5 characters))",
            ),
            (b"\xFF\xFE{\x00", "it is UTF-16 text; save it as UTF-8"),
            (b"\xEF\xBB", "it starts with binary data of no known kind"),
            (b"\x89PNG\r\n\x1a\n\x00\x00", "it is a PNG image"),
        ];
        for (input, want) in cases {
            assert_eq!(sniff(input), Sniffed::Other(want.to_string()));
        }
    }

    #[test]
    fn config_files_are_not_called_json() {
        for toml in [&b"[package]\nname = \"x\""[..], b"\n[rules]\nselect = []"] {
            assert_eq!(
                sniff(toml),
                Sniffed::Other("it is a TOML or INI file (it starts with a [section] line)".into())
            );
        }
        assert!(matches!(sniff(b"[1]"), Sniffed::Other(s) if s.contains("JSON array")));
        assert!(matches!(sniff(b"[\"a\"]"), Sniffed::Other(s) if s.contains("JSON array")));
        assert_eq!(
            sniff(b"%PDF-1.7\n"),
            Sniffed::Other("it is a PDF document".into())
        );
    }

    #[test]
    fn long_first_line_is_cut() {
        let long = "x".repeat(100);
        let Sniffed::Other(found) = sniff(long.as_bytes()) else {
            panic!("not recognised as other");
        };
        assert!(found.chars().count() < 60, "{found}");
        assert!(
            !found.contains("xx"),
            "the line is described, not quoted: {found}"
        );
        assert!(found.ends_with("a line of 100 characters"), "{found}");
    }
}
