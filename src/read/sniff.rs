//! Recognising what a file holds from its first bytes, and saying in words what it is when it
//! is not a capture we read. Only HAR is recognised for now.

/// The UTF-8 byte-order mark some Windows tools write before the JSON.
pub(crate) const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// How many characters of a file's first line an error message quotes.
const QUOTE_CHARS: usize = 40;
/// How many bytes of the first line are looked at to decide it is text.
const LINE_BYTES: usize = 160;
/// How many leading bytes of a binary file an error message shows in hex.
const HEX_BYTES: usize = 8;

/// What the first bytes of a file say it is.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Sniffed {
    /// After an optional BOM and whitespace the text starts with `{`.
    Har,
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
    match start {
        None => Sniffed::Empty,
        Some(start) if start.first() == Some(&b'{') => Sniffed::Har,
        Some(start) => Sniffed::Other(describe(bytes, start)),
    }
}

/// Names the kind of content where it has a well-known signature, else quotes its first line.
/// `whole` is the file, `start` its first non-blank bytes.
fn describe(whole: &[u8], start: &[u8]) -> String {
    if whole.starts_with(b"\xFF\xFE") || whole.starts_with(b"\xFE\xFF") {
        return "it is UTF-16 text; save it as UTF-8".to_string();
    }
    if whole.starts_with(b"\x1F\x8B") {
        return "it is gzip-compressed; decompress it first".to_string();
    }
    if whole.starts_with(b"PK\x03\x04") {
        return "it is a zip archive".to_string();
    }
    let Some(line) = first_text_line(start) else {
        return format!("it starts with binary data ({})", hex_prefix(whole));
    };
    if start.first() == Some(&b'[') {
        return format!("it is a JSON array, not an object (it starts with {line})");
    }
    format!("it starts with {line}")
}

/// The first line of `start`, quoted and escaped, when it looks like text.
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
    Some(quote(text, QUOTE_CHARS))
}

fn hex_prefix(bytes: &[u8]) -> String {
    let shown: Vec<String> = bytes
        .iter()
        .take(HEX_BYTES)
        .map(|b| format!("{b:02x}"))
        .collect();
    shown.join(" ")
}

/// `text` in double quotes with control characters escaped, cut to `max` characters so an
/// error message stays on one short line.
pub(crate) fn quote(text: &str, max: usize) -> String {
    let mut cut: String = text.chars().take(max).collect();
    if text.chars().nth(max).is_some() {
        cut.push('…');
    }
    format!("{cut:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn har_after_bom_and_whitespace() {
        assert_eq!(sniff(b"\xEF\xBB\xBF \r\n\t{\"log\":{}}"), Sniffed::Har);
        assert_eq!(sniff(b"{"), Sniffed::Har);
    }

    #[test]
    fn empty_and_blank() {
        assert_eq!(sniff(b""), Sniffed::Empty);
        assert_eq!(sniff(b"\xEF\xBB\xBF  \n"), Sniffed::Empty);
    }

    #[test]
    fn describes_other_content_on_one_line() {
        let cases: [(&[u8], &str); 7] = [
            (
                b"<!DOCTYPE html>\n<html>",
                "it starts with \"<!DOCTYPE html>\"",
            ),
            (
                b"[1,2]",
                "it is a JSON array, not an object (it starts with \"[1,2]\")",
            ),
            (
                b"\x1F\x8B\x08\x00",
                "it is gzip-compressed; decompress it first",
            ),
            (b"PK\x03\x04rest", "it is a zip archive"),
            (b"\xFF\xFE{\x00", "it is UTF-16 text; save it as UTF-8"),
            (b"\xEF\xBB", "it starts with binary data (ef bb)"),
            (
                b"\x89PNG\r\n\x1a\n\x00\x00",
                "it starts with binary data (89 50 4e 47 0d 0a 1a 0a)",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(sniff(input), Sniffed::Other(want.to_string()));
        }
    }

    #[test]
    fn long_first_line_is_cut() {
        let long = "x".repeat(100);
        let Sniffed::Other(found) = sniff(long.as_bytes()) else {
            panic!("not recognised as other");
        };
        assert!(found.chars().count() < 60, "{found}");
        assert!(found.ends_with("…\""), "{found}");
    }
}
