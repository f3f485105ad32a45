//! Source snippets for diagnostics: one entry's text, masked, with each label's span found in it.
//!
//! Capture text is full of secrets, so a snippet is cut from the source, masked first by the
//! default-deny policy ([`policy`], read as the capture's format: HAR and Charles JSON by key
//! path, raw HTTP by line, Burp XML by element), and only then searched: a label's needle is
//! looked for as its mask (a hidden value) or as written (a public one), so the spans land on
//! the masked text and nothing the policy does not know is ever shown. Masking needs nothing
//! but the text: no list of the capture's secrets.

use std::ops::Range;

use miette::{LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use crate::finding::{Area, Locator};
use crate::model::{Capture, Format};
use crate::secret::policy::string_end;
use crate::secret::{self, policy};

mod cut;
mod outline;

use cut::*;
use outline::{string_content, string_contents, Outline};

/// A small capture with secrets, shared by the report tests.
#[cfg(test)]
pub(crate) mod fixture;
#[cfg(test)]
mod tests;

/// A line longer than this, holding more than one JSON member, marks a minified entry.
const MINIFIED_LINE: usize = 400;
/// JSON strings longer than this (in characters) are shortened around their labels.
const LONG_STRING: usize = 300;
/// Characters kept at the start of a shortened string.
const KEEP_HEAD: usize = 80;
/// Characters kept on either side of a label inside a shortened string.
const KEEP_AROUND_LABEL: usize = 40;
/// Lines shown before a byte-offset label (a truncation point).
const OFFSET_CONTEXT_LINES: usize = 3;
/// On a long line, bytes shown before and after a byte-offset label.
const OFFSET_TAIL_BEFORE: usize = 160;
const OFFSET_TAIL_AFTER: usize = 40;
/// The shortest trailing fragment of a cut-off string that is masked as a possible secret.
const PARTIAL_SECRET_MIN: usize = 6;

/// A masked piece of a capture's text with its labels, readable by miette.
///
/// Label spans are absolute: `first_offset` plus the position in `text`, so that spans from
/// different snippets never look alike; `read_span` maps them back. Line numbers reported to
/// miette are the file's own (`first_line` is added), so the output names real lines.
#[derive(Debug, Clone)]
pub struct Snippet {
    name: String,
    text: String,
    first_line: usize,
    first_column: usize,
    first_offset: usize,
    labels: Vec<LabeledSpan>,
    /// Each label's 0-based column in the file's own line (in characters), where it is known:
    /// a masked value earlier on the line is shorter or longer than the original, so the
    /// column in `text` is not the file's (the `file:line:col` miette prints).
    columns: Vec<Option<usize>>,
}

impl Snippet {
    /// The name miette shows above the snippet: the file, or `<file> (entry #N, reformatted)`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The masked text shown.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The 0-based line of the file the text starts on (0 for a reformatted entry).
    pub fn first_line(&self) -> usize {
        self.first_line
    }

    /// The labels, with absolute spans (see the type's documentation); the first is primary.
    pub fn labels(&self) -> &[LabeledSpan] {
        &self.labels
    }

    /// The text a label points at, for tests and plain-text renderers.
    pub fn label_text(&self, label: &LabeledSpan) -> Option<&str> {
        let start = label.offset().checked_sub(self.first_offset)?;
        self.text.get(start..start + label.len())
    }

    /// The 0-based line of the file a label starts on.
    pub fn label_line(&self, label: &LabeledSpan) -> Option<usize> {
        let start = label.offset().checked_sub(self.first_offset)?;
        let before = self.text.get(..start)?;
        Some(self.first_line + before.matches('\n').count())
    }
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let local_start = span
            .offset()
            .checked_sub(self.first_offset)
            .ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::new(local_start.into(), span.len());
        let inner =
            self.text
                .as_str()
                .read_span(&local, context_lines_before, context_lines_after)?;
        let shifted = SourceSpan::new(
            (inner.span().offset() + self.first_offset).into(),
            inner.span().len(),
        );
        // Only the snippet's first line can start mid-line in the file.
        let column = if inner.line() == 0 {
            inner.column() + self.first_column
        } else {
            inner.column()
        };
        // Asked for a label alone (the `file:line:col` header): its column in the file.
        let own = (context_lines_before == 0 && context_lines_after == 0)
            .then(|| {
                self.labels
                    .iter()
                    .position(|l| l.offset() == span.offset() && l.len() == span.len())
            })
            .flatten()
            .and_then(|i| self.columns.get(i).copied().flatten());
        let column = own.unwrap_or(column);
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            shifted,
            inner.line() + self.first_line,
            column,
            inner.line_count(),
        )))
    }
}

/// Makes snippets from one capture. Lines are found with the capture's newline index
/// ([`crate::model::Source::newlines`]), so many snippets of a large file do not each count its
/// newlines from the start.
pub struct Snippets<'a> {
    capture: &'a Capture,
}

impl<'a> Snippets<'a> {
    pub fn new(capture: &'a Capture) -> Self {
        Snippets { capture }
    }

    /// A masked snippet of entry `entry` (1-based) with one label per `(locator, text)`.
    /// `None` when the capture has no such entry.
    pub fn entry(&self, entry: usize, labels: &[(Option<&Locator>, &str)]) -> Option<Snippet> {
        let source: &[u8] = &self.capture.source;
        let exchange = self
            .capture
            .exchanges
            .get(entry.checked_sub(1)?)
            .filter(|e| e.index == entry)
            .or_else(|| self.capture.exchanges.iter().find(|e| e.index == entry))?;
        let span = exchange.span.start.min(source.len())..exchange.span.end.min(source.len());
        let span = self.member_with_label(span.clone(), labels).unwrap_or(span);
        let line_start = start_of_line(source, span.start);
        let line_end = end_of_line(source, span.end);

        if self.capture.format == crate::model::Format::Mitmproxy {
            // A mitmproxy record is typed netstrings on one long line, connection details and
            // certificates included: only the stretch around the labels is shown.
            let text = self.masked(span.clone());
            let column = lossy_chars(&source[line_start..span.start]);
            let whole = self.build(
                self.name_at(span.start),
                text,
                0,
                (self.line_of(span.start), column, span.start),
                labels,
                true,
            );
            return Some(around_labels(whole));
        }

        if is_minified(&source[line_start..line_end]) {
            if let Some(snippet) = self.reformatted(entry, span.clone(), labels) {
                return Some(snippet);
            }
            // Not parseable as JSON: show the entry alone, without the rest of its long line.
            let text = self.masked(span.clone());
            let column = lossy_chars(&source[line_start..span.start]);
            return Some(self.build(
                self.name_at(span.start),
                text,
                0,
                (self.line_of(span.start), column, span.start),
                labels,
                true,
            ));
        }

        // Whole lines, so that columns are the file's and the `{` line shows its indentation.
        // Each piece is masked alone so that the entry's start is known in the masked text;
        // a secret never spans the entry's own braces.
        let prefix = self.masked(line_start..span.start);
        let body = self.masked(span.clone());
        let suffix = self.masked(span.end..line_end);
        let root = prefix.len();
        let text = prefix + &body + &suffix;
        Some(self.build(
            self.name_at(span.start),
            text,
            root,
            (self.line_of(line_start), 0, line_start),
            labels,
            true,
        ))
    }

    /// For an entry made of several members (a Fiddler request and response), the member
    /// holding the primary label, so the snippet names it and counts lines within it.
    fn member_with_label(
        &self,
        span: Range<usize>,
        labels: &[(Option<&Locator>, &str)],
    ) -> Option<Range<usize>> {
        let locator = labels.first()?.0.filter(|l| !l.needle.is_empty())?;
        let spellings = needle_spellings(&locator.needle);
        self.capture
            .parts
            .iter()
            .filter(|p| p.range.start >= span.start && p.range.end <= span.end)
            .find(|p| {
                let text = self.masked(p.range.clone());
                spellings.iter().any(|s| text.contains(s.as_str()))
            })
            .map(|p| p.range.clone())
    }

    /// A masked snippet of the last lines before byte `offset` of the file (where a truncated
    /// capture stopped), with one label at the offset.
    pub fn offset(&self, offset: usize, label: &str) -> Snippet {
        let source: &[u8] = &self.capture.source;
        let offset = floor_boundary_bytes(source, offset.min(source.len()));
        let line_start = start_of_line(source, offset);
        let line_end = end_of_line(source, offset);

        let (start, end, ellipsis) = if line_end - line_start > MINIFIED_LINE {
            // One long line (a minified file): show the stretch around the offset only.
            let start = floor_boundary_bytes(
                source,
                offset.saturating_sub(OFFSET_TAIL_BEFORE).max(line_start),
            );
            let end = floor_boundary_bytes(source, (offset + OFFSET_TAIL_AFTER).min(line_end));
            (start, end, start > line_start)
        } else {
            let mut start = line_start;
            for _ in 0..OFFSET_CONTEXT_LINES {
                if start == 0 {
                    break;
                }
                start = start_of_line(source, start - 1);
            }
            (start, line_end, false)
        };

        let mut before = self.masked(start..offset);
        if ends_inside_string(&before) {
            // The cut may fall inside a secret, whose prefix no mask recognises.
            mask_trailing_fragment(&mut before);
        }
        let after = self.masked(offset..end);
        let mut text = String::new();
        if ellipsis {
            text.push('…');
        }
        text.push_str(&before);
        let at = text.len();
        text.push_str(&after);

        let column = lossy_chars(&source[start_of_line(source, start)..start])
            .saturating_sub(usize::from(ellipsis));
        let cut = at;
        let (at, width) = cut_marker(&text, at);
        // The marker may have moved back over white space (which masking leaves alone) to
        // the last character before the cut: its place in the file is as far before it.
        let marker = offset.saturating_sub(cut.saturating_sub(at));
        Snippet {
            name: self.name_at(start),
            text,
            first_line: self.line_of(start),
            first_column: column,
            first_offset: start,
            labels: vec![LabeledSpan::new_primary_with_span(
                Some(label.to_string()),
                SourceSpan::new((start + at).into(), width),
            )],
            columns: vec![Some(lossy_chars(
                &source[start_of_line(source, marker)..marker],
            ))],
        }
    }

    /// The entry pretty-printed from its masked text, or `None` when that is not JSON.
    fn reformatted(
        &self,
        entry: usize,
        span: Range<usize>,
        labels: &[(Option<&Locator>, &str)],
    ) -> Option<Snippet> {
        // Masked before it is parsed: what parsing decodes (`\uXXXX` escapes) is then only
        // masks and values the policy shows anyway.
        let masked = self.masked(span.clone());
        let value: serde_json::Value = serde_json::from_str(&masked).ok()?;
        let pretty = serde_json::to_string_pretty(&value).ok()?;
        let name = format!("{} (entry #{entry}, reformatted)", self.name_at(span.start));
        Some(self.build(name, pretty, 0, (0, 0, span.start), labels, false))
    }

    /// Finds the labels in `text` (whose entry object starts at `root`), shortens long strings
    /// and makes the snippet. `origin` is (first line, first column, first offset).
    /// `aligned`: `text` is the masked source from `first_offset` on, line for line (not a
    /// reformatted entry), so labels have columns in the file.
    fn build(
        &self,
        name: String,
        text: String,
        root: usize,
        origin: (usize, usize, usize),
        labels: &[(Option<&Locator>, &str)],
        aligned: bool,
    ) -> Snippet {
        let (first_line, first_column, first_offset) = origin;
        let outline = Outline::new(&text, root);
        let spans: Vec<Range<usize>> = labels
            .iter()
            .map(|(locator, _)| self.locate(&text, &outline, *locator))
            .collect();
        let columns = spans
            .iter()
            .zip(labels)
            .map(|(span, (locator, _))| {
                if !aligned {
                    return None;
                }
                self.file_column(&text, span.start, *locator, (first_column, first_offset))
            })
            .collect();
        let (text, spans) = elide_long_strings(&text, &spans);
        let labels = spans
            .into_iter()
            .zip(labels)
            .enumerate()
            .map(|(i, (span, (_, label)))| {
                let span = SourceSpan::new((first_offset + span.start).into(), span.len());
                let label = Some((*label).to_string());
                if i == 0 {
                    LabeledSpan::new_primary_with_span(label, span)
                } else {
                    LabeledSpan::new_with_span(label, span)
                }
            })
            .collect();
        Snippet {
            name,
            text,
            first_line,
            first_column,
            first_offset,
            labels,
            columns,
        }
    }

    /// The 0-based column in the file of a label at `at` in the masked `text`, which is the
    /// source from byte `first_offset` (at column `first_column`) on, masked.
    ///
    /// Computed on the original text: the label's line is found in the source, and the label
    /// is the same occurrence of its needle there as in the masked line (masking keeps every
    /// occurrence, only changing its length). Without a needle, the label's column is the
    /// masked one when nothing before it on the line was masked; else unknown (`None`).
    fn file_column(
        &self,
        text: &str,
        at: usize,
        locator: Option<&Locator>,
        (first_column, first_offset): (usize, usize),
    ) -> Option<usize> {
        let source: &[u8] = &self.capture.source;
        let line_in_text = text.get(..at)?.matches('\n').count();
        let masked_line_start = text.get(..at)?.rfind('\n').map_or(0, |i| i + 1);
        // The same line of the source: as many newlines past `first_offset`.
        let mut start = first_offset;
        for _ in 0..line_in_text {
            start += memchr::memchr(b'\n', source.get(start..)?)? + 1;
        }
        let end = end_of_line(source, start);
        let original = source.get(start..end)?;
        let base = if line_in_text == 0 { first_column } else { 0 };
        let masked_before = text.get(masked_line_start..at)?;
        let needle = locator.map(|l| l.needle.as_str()).filter(|n| !n.is_empty());
        let Some(needle) = needle else {
            let unmasked = original.starts_with(masked_before.as_bytes());
            return unmasked.then(|| base + masked_before.chars().count());
        };
        // Which occurrence of the needle (in any spelling) the label is, on its masked line.
        let masked_spellings = needle_spellings(needle);
        let nth = count_matches(masked_before.as_bytes(), &masked_spellings);
        let raw = crate::secret::spellings(needle);
        let matcher = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(&raw)
            .ok()?;
        let found = matcher.find_iter(original).nth(nth)?;
        Some(base + lossy_chars(&original[..found.start()]))
    }

    /// Where a locator's needle sits in the masked text: preferably inside the JSON value of
    /// its area, else anywhere, else on the entry's first line.
    fn locate(&self, text: &str, outline: &Outline, locator: Option<&Locator>) -> Range<usize> {
        let found = locator
            .filter(|l| !l.needle.is_empty())
            .and_then(|locator| {
                let spellings = needle_spellings(&locator.needle);
                let mut regions = outline.regions(text, &locator.area);
                let preferred = regions.first().cloned();
                regions.push(0..text.len());
                regions
                    .iter()
                    .find_map(|region| {
                        spellings.iter().find_map(|s| {
                            text[region.clone()]
                                .find(s.as_str())
                                .map(|i| region.start + i..region.start + i + s.len())
                        })
                    })
                    .or_else(|| whole_header_value(text, &locator.area, preferred))
            });
        found.unwrap_or_else(|| outline.first_line(text))
    }

    /// The source's bytes `range`, masked by the policy as the capture's format reads. A
    /// Fiddler capture's members are each masked alone, as the raw messages they are.
    fn masked(&self, range: Range<usize>) -> String {
        let source: &[u8] = &self.capture.source;
        let range = range.start.min(source.len())..range.end.min(source.len());
        let mut mask = policy::Mask;
        let walk = |bytes: &[u8], mask: &mut policy::Mask| {
            if self.capture.format == Format::Mitmproxy {
                return policy::mitm_dump(bytes, mask);
            }
            let text = String::from_utf8_lossy(bytes);
            match self.capture.format {
                Format::Mitmproxy => unreachable!("walked as bytes above"),
                Format::Har | Format::Charles => {
                    policy::json_as(&text, policy::Schema::Capture, mask)
                }
                Format::Burp => policy::burp_xml(&text, mask),
                Format::Saz | Format::RawHttp => policy::http_text(&text, mask),
            }
        };
        let mut out = String::new();
        let mut pos = range.start;
        for part in &self.capture.parts {
            let from = part.range.start.max(pos);
            let to = part.range.end.min(range.end);
            if from >= to {
                continue;
            }
            if from > pos {
                out.push_str(&walk(&source[pos..from], &mut mask));
            }
            out.push_str(&walk(&source[from..to], &mut mask));
            pos = to;
        }
        if pos < range.end {
            out.push_str(&walk(&source[pos..range.end], &mut mask));
        }
        hide_base64(&out)
    }

    /// The 0-based line of `offset`: in the file, or within its member for a capture made of
    /// several files (a Fiddler `.saz`).
    fn line_of(&self, offset: usize) -> usize {
        let source: &[u8] = &self.capture.source;
        let lines = self.capture.source.newlines();
        let line = lines.before(source, offset);
        match self.capture.part_at(offset) {
            Some(part) => line.saturating_sub(lines.before(source, part.range.start)),
            None => line,
        }
    }

    /// The name diagnostics show for text at `offset`: the file, or `file!member` for a capture
    /// made of several files.
    fn name_at(&self, offset: usize) -> String {
        match self.capture.part_at(offset) {
            Some(part) => format!("{}!{}", self.capture.name, part.name),
            None => self.capture.name.clone(),
        }
    }
}

/// Base64 text (HAR and Charles bodies with `encoding: base64`, Burp's raw messages) holds
/// secrets that no mask recognises in that form: a long run of base64 that mixes cases and
/// digits is not shown.
fn hide_base64(text: &str) -> String {
    static RUN: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        #[allow(clippy::expect_used)] // a constant pattern
        regex::Regex::new(r"[A-Za-z0-9+/]{40,}={0,2}").expect("a valid pattern")
    });
    RUN.replace_all(text, |c: &regex::Captures| {
        let run = &c[0];
        let mixed = run.bytes().any(|b| b.is_ascii_uppercase())
            && run.bytes().any(|b| b.is_ascii_lowercase())
            && run.bytes().any(|b| b.is_ascii_digit());
        if mixed {
            format!("«base64, {} chars, not shown»", run.len())
        } else {
            run.to_string()
        }
    })
    .into_owned()
}

/// A header value masked as a whole (`Authorization: Bearer …` is one secret, so the token
/// inside it has no mask of its own to find): the label takes the whole value instead.
/// Only for headers, which are short; a whole URL or body would make a poor label.
fn whole_header_value(
    text: &str,
    area: &Area,
    region: Option<Range<usize>>,
) -> Option<Range<usize>> {
    let header = matches!(
        area,
        Area::RequestHeader(_) | Area::ResponseHeader(_) | Area::Location
    );
    let region = region.filter(|_| header)?;
    // Inside the quotes, when it is a string.
    string_content(text, &region).map(|_| region.start + 1..region.end - 1)
}

fn start_of_line(source: &[u8], offset: usize) -> usize {
    source[..offset]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1)
}

/// The end of the line holding `offset`, before its newline (and a `\r` before that).
fn end_of_line(source: &[u8], offset: usize) -> usize {
    let end = source[offset..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(source.len(), |i| offset + i);
    if end > offset && source[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}
