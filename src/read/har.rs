//! A tolerant HAR reader.
//!
//! Real exports deviate from HAR 1.2 in many small ways (see `domain.md` §4), and a capture
//! that matters is often cut off. So the reader:
//!
//! * walks `log` → `entries` with a chain of serde seeds and takes each entry as a raw JSON
//!   slice borrowed from the input, which gives its exact byte span and lets every complete
//!   entry survive a later syntax error or an early end of file (then [`Capture::truncation`]
//!   says where and why);
//! * parses each entry with lenient types: a field of the wrong type or `null` becomes its
//!   default instead of failing the entry, numbers may be strings or floats, strings may be
//!   numbers, and unknown (vendor `_`-prefixed) fields are ignored;
//! * keeps an entry that is not an object at all with empty defaults, so entry numbers always
//!   equal the file's own positions.

use std::borrow::Cow;
use std::sync::Arc;

use serde::de::DeserializeSeed;

use super::sniff::UTF8_BOM;
use super::ReadError;
use crate::model::{Capture, Exchange, Format, Source, Truncation};

mod entry;
mod skim;
pub use skim::Keep;
#[cfg(test)]
mod tests;
mod walk;

use entry::exchange;
pub(super) use entry::{decode_base64, parse_time};
use walk::{Failure, TopSeed, Walk};

/// Reads HAR bytes into a capture. A file cut (or broken) inside its entry list is salvaged;
/// one that breaks before the list starts, or has none, is an error.
/// After an optional BOM and whitespace the text starts with `{` (what is JSON but no HAR is
/// said by the reader).
pub(super) fn sniff(_whole: &[u8], start: &[u8]) -> bool {
    start.first() == Some(&b'{')
}

pub fn read(name: &str, source: Arc<[u8]>) -> Result<Capture, ReadError> {
    read_source(name, source.into())
}

/// [`read`] over bytes in memory or a mapped file.
pub fn read_source(name: &str, source: Source) -> Result<Capture, ReadError> {
    let (exchanges, truncation) = read_entries(&source).map_err(|f| f.into_error(name))?;
    Ok(Capture {
        name: name.to_string(),
        format: Format::Har,
        source,
        exchanges,
        truncation,
        parts: Vec::new(),
        limits_hit: Vec::new(),
        skipped: Vec::new(),
    })
}

/// Reads a HAR for checking.
///
/// The same capture as [`read_source`] as far as any later stage can tell, only much cheaper
/// (see `skim.rs`): entries that cannot matter to OAuth are kept as their position, span and
/// start time (and what reconstruction notes of them: cookies listed without their header);
/// the rest are read in full. Nothing is collected as a secret on the way: whatever is shown
/// later is masked by the secrets policy where it is shown (`secret::policy`). A mapped
/// source's pages are released as they are passed. Whatever the skim cannot vouch for (a broken
/// or cut-off file, invalid UTF-8, odd shapes) is read the full way.
///
/// With [`Keep::Read`] (for `check`), the answers' bodies that reconstruction never reads are
/// dropped as the entries are read (see `skim/unread.rs`); where a discovery document could
/// name any URL as its userinfo endpoint, those entries are read again whole.
pub fn read_skimmed(
    name: &str,
    source: Source,
    limits: &crate::limits::Limits,
    keep: Keep,
) -> Result<Capture, ReadError> {
    if let Some(exchanges) = skim::skim(&source, limits, keep) {
        let mut capture = Capture {
            name: name.to_string(),
            format: Format::Har,
            source,
            exchanges,
            truncation: None,
            parts: Vec::new(),
            limits_hit: Vec::new(),
            skipped: Vec::new(),
        };
        if keep == Keep::Read && skim::names_endpoints(&capture.exchanges) {
            for i in 0..capture.exchanges.len() {
                let Some(ex) = capture.exchanges.get(i).filter(|e| skim::may_be_dropped(e)) else {
                    continue;
                };
                if let Some(full) = reread(&capture, ex) {
                    if let Some(slot) = capture.exchanges.get_mut(i) {
                        *slot = full;
                    }
                }
            }
        }
        return Ok(capture);
    }
    read_source(name, source)
}

/// Replaces entry `entry` (1-based) of a HAR capture by its full read where the fast read kept
/// it as a stub (no method, no URL); nothing changes for any other entry or capture.
pub fn fill_stub(capture: &mut Capture, entry: usize) {
    let Some(i) = entry.checked_sub(1) else {
        return;
    };
    let Some(ex) = capture.exchanges.get(i) else {
        return;
    };
    if ex.index != entry || !ex.request.method.is_empty() || !ex.request.url.is_empty() {
        return;
    }
    if let Some(full) = reread(capture, ex) {
        if let Some(slot) = capture.exchanges.get_mut(i) {
            *slot = full;
        }
    }
}

/// An entry of a HAR capture as the full read gives it, read again from the capture's text:
/// for a page that lists every entry, where the fast read kept only the entry's place (a
/// stub: see `skim.rs`). `None` for another format, or an entry whose text is not in the
/// capture (a session's).
pub fn reread(capture: &Capture, ex: &Exchange) -> Option<Exchange> {
    if capture.format != Format::Har {
        return None;
    }
    let raw = std::str::from_utf8(capture.source.get(ex.span.clone())?).ok()?;
    Some(exchange(ex.index, ex.span.clone(), raw))
}

fn read_entries(source: &[u8]) -> Result<(Vec<Exchange>, Option<Truncation>), Failure> {
    let text = utf8_same_length(source);
    let bom = if text.as_bytes().starts_with(UTF8_BOM) {
        UTF8_BOM.len()
    } else {
        0
    };
    let json = text.get(bom..).unwrap_or_default();
    let mut walk = Walk::new(json, bom);
    let result = TopSeed(&mut walk).deserialize(&mut serde_json::Deserializer::from_str(json));
    let truncation = walk.outcome(result)?;
    Ok((walk.exchanges, truncation))
}

/// The input as text with exactly the same byte length: bytes of invalid UTF-8 sequences become
/// `?`, so spans and error offsets still index the original bytes. (Most files are valid and
/// are borrowed as they are.)
pub(super) fn utf8_same_length(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => {
            let mut out = String::with_capacity(bytes.len());
            let mut rest = bytes;
            while !rest.is_empty() {
                match std::str::from_utf8(rest) {
                    Ok(valid) => {
                        out.push_str(valid);
                        break;
                    }
                    Err(e) => {
                        let Some((valid, after)) = rest.split_at_checked(e.valid_up_to()) else {
                            break;
                        };
                        out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                        let bad = e.error_len().unwrap_or(after.len());
                        out.extend(std::iter::repeat_n('?', bad));
                        rest = after.get(bad..).unwrap_or_default();
                    }
                }
            }
            Cow::Owned(out)
        }
    }
}
