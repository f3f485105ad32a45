//! Lines and columns in capture files, for the machine formats (SARIF regions, the `line`,
//! `column` and `labels` of JSON findings). A label's needle is looked for in the raw bytes of
//! its entry, in every spelling it can take there; only the position leaves this module.

use std::ops::Range;

use super::FileReport;
use crate::finding::{Place, Position, Positions};
use crate::model::Capture;

/// A place resolved to its file, and the byte range in it (when the capture is at hand).
pub struct Resolved<'a> {
    pub file: &'a str,
    pub capture: Option<&'a Capture>,
    pub range: Option<Range<usize>>,
}

/// Where `place` is: the label's value in its entry, else the whole entry; or a byte offset.
pub fn resolve<'a>(place: &Place, file: &'a FileReport) -> Resolved<'a> {
    match place {
        Place::Entry { entry, locator } => {
            let origin = file.origin(*entry);
            let range = origin.capture.and_then(|c| {
                let ex = c.exchanges.iter().find(|e| e.index == origin.entry)?;
                let span = ex.span.start.min(c.source.len())..ex.span.end.min(c.source.len());
                let needle = locator.as_ref().map(|l| l.needle.as_str());
                Some(
                    find_needle(&c.source[span.clone()], needle)
                        .map_or(span.clone(), |r| span.start + r.start..span.start + r.end),
                )
            });
            Resolved {
                file: origin.file,
                capture: origin.capture,
                range,
            }
        }
        Place::Offset(off) => {
            let (name, capture) = file.offset_origin();
            Resolved {
                file: name,
                capture,
                range: capture.map(|c| (*off).min(c.source.len())..(*off).min(c.source.len())),
            }
        }
    }
}

/// Where a locator's needle first appears in an entry's bytes, in any spelling it can take
/// there (raw, percent-, form- or JSON-encoded).
pub fn find_needle(entry: &[u8], needle: Option<&str>) -> Option<Range<usize>> {
    let needle = needle.filter(|n| !n.is_empty())?;
    let spellings = crate::secret::spellings(needle);
    let matcher = aho_corasick::AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostLongest)
        .build(&spellings)
        .ok()?;
    matcher.find(entry).map(|m| m.range())
}

/// Lines and columns of offsets in captures. The newline counts are the capture's own
/// ([`crate::model::Source::newlines`]: the skim counts them as it reads), so a position costs
/// one block's count and a look back to the line's start.
pub struct LineCache;

impl LineCache {
    /// The 1-based line and column (in code points) of byte `offset` of `capture`'s text.
    pub fn position(&mut self, capture: &Capture, offset: usize) -> (usize, usize) {
        let source: &[u8] = &capture.source;
        let offset = offset.min(source.len());
        let newlines = capture.source.newlines().before(source, offset);
        let start = memchr::memrchr(b'\n', &source[..offset]).map_or(0, |i| i + 1);
        let column = source[start..offset]
            .iter()
            .filter(|b| (**b & 0xC0) != 0x80)
            .count()
            + 1;
        (newlines + 1, column)
    }
}

/// The position of `place`, when its capture's text is at hand.
fn position_of(place: &Place, file: &FileReport, lines: &mut LineCache) -> Option<Position> {
    let r = resolve(place, file);
    let (capture, range) = (r.capture?, r.range?);
    let (line, column) = lines.position(capture, range.start);
    Some(Position {
        file: r.file.to_string(),
        line,
        column,
    })
}

/// Fills in every finding's [`Positions`]: each label's, and the finding's own (its first
/// label in its own entry, else its entry's start, else its first label), as SARIF places
/// them. Call it before the capture's text is dropped.
pub fn fill(file: &mut FileReport) {
    let mut lines = LineCache;
    let positions: Vec<Positions> = file
        .findings
        .iter()
        .map(|f| {
            let labels: Vec<Option<Position>> = f
                .labels
                .iter()
                .map(|l| position_of(&l.place, file, &mut lines))
                .collect();
            let own = f.labels.iter().position(
                |l| matches!(l.place, Place::Entry { entry, .. } if Some(entry) == f.entry),
            );
            let at = match (own, f.entry) {
                (Some(i), _) => labels[i].clone(),
                (None, Some(entry)) => position_of(
                    &Place::Entry {
                        entry,
                        locator: None,
                    },
                    file,
                    &mut lines,
                ),
                (None, None) => labels.first().cloned().flatten(),
            };
            Positions { at, labels }
        })
        .collect();
    for (f, p) in file.findings.iter_mut().zip(positions) {
        f.positions = Some(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needles_are_found_in_any_spelling() {
        let entry = br#"{"url": "https://x/cb?code=a%2Fb", "text": "code=a/b"}"#;
        let r = find_needle(entry, Some("a/b")).expect("found");
        assert_eq!(&entry[r], b"a%2Fb", "the first spelling in the entry");
        assert!(find_needle(entry, Some("zzz")).is_none());
        assert!(find_needle(entry, None).is_none());
    }
}
