//! Source snippets for diagnostics: one entry's text, masked, with each label's span found in it.
//!
//! Capture text is full of secrets, so a snippet is cut from the source, masked first by the
//! default-deny policy ([`policy`], read as the capture's format: HAR and Charles JSON by key
//! path, raw HTTP by line, Burp XML by element), and only then searched: a label's needle is
//! looked for as its mask (a hidden value) or as written (a public one), so the spans land on
//! the masked text and nothing the policy does not know is ever shown. Masking needs nothing
//! but the text: no list of the capture's secrets.

use std::cell::OnceCell;
use std::ops::Range;

use miette::{LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use crate::finding::{Area, Locator};
use crate::model::{Capture, Format};
use crate::secret::policy::string_end;
use crate::secret::{self, policy};

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

/// Makes snippets from one capture; keeps a line index so that many snippets of a large file
/// do not each count its newlines from the start.
pub struct Snippets<'a> {
    capture: &'a Capture,
    lines: OnceCell<LineIndex>,
}

impl<'a> Snippets<'a> {
    pub fn new(capture: &'a Capture) -> Self {
        Snippets {
            capture,
            lines: OnceCell::new(),
        }
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
        let lines = self
            .lines
            .get_or_init(|| LineIndex::new(&self.capture.source));
        let line = lines.line_of(source, offset);
        match self.capture.part_at(offset) {
            Some(part) => line.saturating_sub(lines.line_of(source, part.range.start)),
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

/// Newline counts at fixed block boundaries: finding a line costs one block's scan.
struct LineIndex {
    /// `before[i]` = newlines in `source[..i * BLOCK]`.
    before: Vec<usize>,
}

impl LineIndex {
    const BLOCK: usize = 1 << 16;

    fn new(source: &crate::model::Source) -> Self {
        let mut before = vec![0];
        let mut total = 0;
        for (i, block) in source.chunks(Self::BLOCK).enumerate() {
            total += count_newlines(block);
            before.push(total);
            // Only the count is kept: a mapped file's pages leave resident memory behind it.
            source.release(i * Self::BLOCK..(i + 1) * Self::BLOCK);
        }
        LineIndex { before }
    }

    /// The 0-based line holding byte `offset`.
    fn line_of(&self, source: &[u8], offset: usize) -> usize {
        let offset = offset.min(source.len());
        let block = offset / Self::BLOCK;
        self.before[block] + count_newlines(&source[block * Self::BLOCK..offset])
    }
}

fn count_newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
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

/// The part of a snippet from a little before its first label to a little after its last,
/// each cut marked with `…` (lines and columns still the file's).
fn around_labels(mut s: Snippet) -> Snippet {
    let rel = |l: &LabeledSpan| l.offset().saturating_sub(s.first_offset);
    let (Some(lo), Some(hi)) = (
        s.labels.iter().map(rel).min(),
        s.labels.iter().map(|l| rel(l) + l.len()).max(),
    ) else {
        return s;
    };
    let start = floor_boundary(&s.text, lo.saturating_sub(OFFSET_TAIL_BEFORE));
    let end = ceil_boundary(&s.text, hi + OFFSET_TAIL_AFTER);
    if start == 0 && end >= s.text.len() {
        return s;
    }
    let cut = &s.text[..start];
    let (line, column) = match cut.rfind('\n') {
        Some(nl) => (
            s.first_line + cut.matches('\n').count(),
            cut[nl + 1..].chars().count(),
        ),
        None => (s.first_line, s.first_column + cut.chars().count()),
    };
    let lead = if start > 0 { "…" } else { "" };
    let mut text = format!("{lead}{}", &s.text[start..end]);
    if end < s.text.len() {
        text.push('…');
    }
    let shift = |offset: usize| offset - start + lead.len();
    s.labels = s
        .labels
        .iter()
        .map(|l| {
            let span = SourceSpan::new((s.first_offset + shift(rel(l))).into(), l.len());
            if l.primary() {
                LabeledSpan::new_primary_with_span(l.label().map(str::to_string), span)
            } else {
                LabeledSpan::new_with_span(l.label().map(str::to_string), span)
            }
        })
        .collect();
    s.text = text;
    s.first_line = line;
    s.first_column = column.saturating_sub(usize::from(start > 0));
    s
}

/// Where to draw a cut at byte `at` of `text`: on the character there, or, when nothing but
/// white space follows on its line (the usual end of a truncated file), on the last character
/// before it, since miette draws no marker past the end of a line.
fn cut_marker(text: &str, at: usize) -> (usize, usize) {
    let rest_of_line = text[at..].split('\n').next().unwrap_or("");
    if let Some(c) = rest_of_line.chars().next().filter(|c| !c.is_whitespace()) {
        return (at, c.len_utf8());
    }
    text[..at]
        .char_indices()
        .rev()
        .find(|(_, c)| !c.is_whitespace())
        .map_or((at, 0), |(i, c)| (i, c.len_utf8()))
}

fn lossy_chars(bytes: &[u8]) -> usize {
    String::from_utf8_lossy(bytes).chars().count()
}

/// Moves `offset` back to the start of a UTF-8 character.
fn floor_boundary_bytes(bytes: &[u8], mut offset: usize) -> usize {
    while offset > 0 && offset < bytes.len() && (bytes[offset] & 0b1100_0000) == 0b1000_0000 {
        offset -= 1;
    }
    offset
}

fn floor_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn ceil_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset += 1;
    }
    offset
}

/// Whether some line is long *and* holds several JSON members. A pretty-printed entry can
/// have a long line too (a 2 kB URL), but that line holds one member; eliding its string is
/// enough and keeps the file's own line numbers.
fn is_minified(raw: &[u8]) -> bool {
    raw.split(|&b| b == b'\n')
        .any(|line| line.len() > MINIFIED_LINE && structural_colons(line) >= 2)
}

fn structural_colons(line: &[u8]) -> usize {
    let mut in_string = false;
    let mut escaped = false;
    let mut colons = 0;
    for &b in line {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else if b == b'"' {
            in_string = true;
        } else if b == b':' {
            colons += 1;
        }
    }
    colons
}

/// Whether the last line of `text` ends inside a JSON string (an odd number of unescaped quotes).
fn ends_inside_string(text: &str) -> bool {
    let last_line = text.rsplit('\n').next().unwrap_or("");
    let mut quotes = 0;
    let mut escaped = false;
    for c in last_line.chars() {
        match (escaped, c) {
            (true, _) => escaped = false,
            (false, '\\') => escaped = true,
            (false, '"') => quotes += 1,
            _ => {}
        }
    }
    quotes % 2 == 1
}

/// Replaces the text after the last separator (a value cut in two) with its mask.
fn mask_trailing_fragment(text: &mut String) {
    let start = text
        .rfind(['"', '=', '&', '?', ' ', ':', ','])
        .map_or(0, |i| i + 1);
    let fragment = &text[start..];
    if fragment.len() >= PARTIAL_SECRET_MIN && !fragment.contains('…') {
        let masked = secret::mask(fragment);
        text.replace_range(start.., &masked);
    }
}

/// How many times any of `patterns` occurs in `text` (leftmost-longest, not overlapping).
fn count_matches(text: &[u8], patterns: &[String]) -> usize {
    aho_corasick::AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostLongest)
        .build(patterns)
        .map_or(0, |m| m.find_iter(text).count())
}

/// What a raw needle may look like in masked capture text: its mask, where the policy hid
/// it (the policy masks decoded values, so the mask of the needle itself), else its
/// spellings as written (a public value, raw or encoded).
fn needle_spellings(needle: &str) -> Vec<String> {
    let mut out: Vec<String> = vec![secret::mask(needle)];
    // A needle holding hidden values (a whole redirect URL, a form) is found as the policy
    // shows it.
    let mut m = policy::Mask;
    for walked in [policy::url(needle, &mut m), policy::form(needle, &mut m)] {
        if walked != needle && !walked.starts_with('…') && !out.contains(&walked) {
            out.push(walked);
        }
    }
    for spelling in crate::secret::spellings(needle) {
        if !out.contains(&spelling) {
            out.push(spelling);
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// The parts of a HAR entry's JSON that labels point into, found by a tolerant scan of the
/// masked text (the text may be cut short, so no full parse).
struct Outline {
    root: Option<Range<usize>>,
    request: Option<Range<usize>>,
    response: Option<Range<usize>>,
}

impl Outline {
    fn new(text: &str, root: usize) -> Self {
        let root = value_at(text.as_bytes(), root);
        let request = root
            .clone()
            .and_then(|r| member(text, r, "request").map(|m| m.value));
        let response = root
            .clone()
            .and_then(|r| member(text, r, "response").map(|m| m.value));
        Outline {
            root,
            request,
            response,
        }
    }

    /// The value ranges an area's needle should be looked for in, best first.
    fn regions(&self, text: &str, area: &Area) -> Vec<Range<usize>> {
        let in_request = |key: &str| self.request.clone().and_then(|r| member(text, r, key));
        let in_response = |key: &str| self.response.clone().and_then(|r| member(text, r, key));
        match area {
            Area::Url => in_request("url").map(|m| m.value).into_iter().collect(),
            Area::RequestHeader(name) => header_values(text, self.request.clone(), name),
            Area::ResponseHeader(name) => header_values(text, self.response.clone(), name),
            Area::RequestBody => in_request("postData")
                .map(|m| m.value)
                .into_iter()
                .collect(),
            Area::ResponseBody => in_response("content")
                .map(|m| m.value)
                .into_iter()
                .collect(),
            Area::Location => {
                let mut regions = header_values(text, self.response.clone(), "location");
                regions.extend(in_response("redirectURL").map(|m| m.value));
                regions
            }
        }
    }

    /// Where a label without a place goes: the request's `"url"` key, else the entry's `{`.
    fn first_line(&self, text: &str) -> Range<usize> {
        self.request
            .clone()
            .and_then(|r| member(text, r, "url"))
            .map(|m| m.key)
            .or_else(|| self.root.as_ref().map(|r| r.start..r.start + 1))
            .unwrap_or(0..0)
    }
}

/// The `"value"`s of the header objects named `name` (any case) in `message.headers`.
fn header_values(text: &str, message: Option<Range<usize>>, name: &str) -> Vec<Range<usize>> {
    let Some(headers) = message.and_then(|m| member(text, m, "headers")) else {
        return Vec::new();
    };
    elements(text, headers.value)
        .into_iter()
        .filter(|header| {
            member(text, header.clone(), "name").is_some_and(|n| {
                string_content(text, &n.value).is_some_and(|v| v.eq_ignore_ascii_case(name))
            })
        })
        .filter_map(|header| member(text, header, "value").map(|m| m.value))
        .collect()
}

struct Member {
    /// The key with its quotes.
    key: Range<usize>,
    value: Range<usize>,
}

/// The member `key` of the object spanning `object`.
fn member(text: &str, object: Range<usize>, key: &str) -> Option<Member> {
    members(text, object)
        .into_iter()
        .find(|m| string_content(text, &m.key) == Some(key))
}

/// The members of the object spanning `object`, as far as they can be read.
fn members(text: &str, object: Range<usize>) -> Vec<Member> {
    let bytes = &text.as_bytes()[..object.end];
    let mut out = Vec::new();
    if bytes.get(object.start) != Some(&b'{') {
        return out;
    }
    let mut pos = object.start + 1;
    loop {
        pos = skip_ws(bytes, pos);
        if bytes.get(pos) != Some(&b'"') {
            return out;
        }
        let Some(key_end) = string_end(bytes, pos) else {
            return out;
        };
        let key = pos..key_end;
        pos = skip_ws(bytes, key_end);
        if bytes.get(pos) != Some(&b':') {
            return out;
        }
        let Some(value) = value_at(bytes, pos + 1) else {
            return out;
        };
        pos = skip_ws(bytes, value.end);
        out.push(Member { key, value });
        if bytes.get(pos) != Some(&b',') {
            return out;
        }
        pos += 1;
    }
}

/// The elements of the array spanning `array`, as far as they can be read.
fn elements(text: &str, array: Range<usize>) -> Vec<Range<usize>> {
    let bytes = &text.as_bytes()[..array.end];
    let mut out = Vec::new();
    if bytes.get(array.start) != Some(&b'[') {
        return out;
    }
    let mut pos = array.start + 1;
    while let Some(value) = value_at(bytes, pos) {
        pos = skip_ws(bytes, value.end);
        out.push(value);
        if bytes.get(pos) != Some(&b',') {
            break;
        }
        pos += 1;
    }
    out
}

/// The extent of the JSON value starting at the first non-space byte from `pos`.
fn value_at(bytes: &[u8], pos: usize) -> Option<Range<usize>> {
    let start = skip_ws(bytes, pos);
    let end = match *bytes.get(start)? {
        b'"' => string_end(bytes, start)?,
        b'{' | b'[' => container_end(bytes, start)?,
        b'}' | b']' | b',' | b':' => return None,
        _ => (start..bytes.len())
            .find(|&i| matches!(bytes[i], b',' | b'}' | b']') || bytes[i].is_ascii_whitespace())
            .unwrap_or(bytes.len()),
    };
    Some(start..end)
}

fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while bytes.get(pos).is_some_and(u8::is_ascii_whitespace) {
        pos += 1;
    }
    pos
}

/// The position after the bracket closing the object or array opening at `start`.
fn container_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut pos = start;
    while pos < bytes.len() {
        match bytes[pos] {
            b'"' => {
                pos = string_end(bytes, pos)?;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(pos + 1);
                }
            }
            _ => {}
        }
        pos += 1;
    }
    None
}

/// The inside of a string literal, escapes left as written (keys and header names rarely
/// hold any).
fn string_content<'t>(text: &'t str, literal: &Range<usize>) -> Option<&'t str> {
    text.get(literal.clone())?
        .strip_prefix('"')?
        .strip_suffix('"')
}

/// The ranges of every string literal's contents (without quotes); an unterminated one runs to
/// the end.
fn string_contents(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(open) = bytes[pos..].iter().position(|&b| b == b'"') {
        let start = pos + open + 1;
        match string_end(bytes, pos + open) {
            Some(end) => {
                out.push(start..end - 1);
                pos = end;
            }
            None => {
                out.push(start..bytes.len());
                break;
            }
        }
    }
    out
}

/// Shortens every string longer than [`LONG_STRING`] characters to its head and the stretches
/// around the labels inside it, each gap shown as `…`; returns the text and the labels moved
/// onto it. A label never loses text: only stretches away from every label are cut.
fn elide_long_strings(text: &str, labels: &[Range<usize>]) -> (String, Vec<Range<usize>>) {
    let cuts: Vec<Range<usize>> = string_contents(text)
        .into_iter()
        .filter(|s| text[s.clone()].chars().count() > LONG_STRING)
        .flat_map(|s| cuts_in_string(text, s, labels))
        .collect();
    if cuts.is_empty() {
        return (text.to_string(), labels.to_vec());
    }

    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for cut in &cuts {
        out.push_str(&text[pos..cut.start]);
        out.push('…');
        pos = cut.end;
    }
    out.push_str(&text[pos..]);

    let moved = |offset: usize| {
        let mut shift: isize = 0;
        for cut in cuts.iter().take_while(|c| c.start < offset) {
            // An offset inside a cut (never a label's, by construction) lands after its `…`.
            let removed = cut.end.min(offset) - cut.start;
            shift += '…'.len_utf8() as isize - removed as isize;
        }
        offset.saturating_add_signed(shift)
    };
    let labels = labels
        .iter()
        .map(|l| moved(l.start)..moved(l.end))
        .collect();
    (out, labels)
}

/// The stretches of one long string to cut: everything but its head and the surroundings of
/// the labels that touch it.
fn cuts_in_string(text: &str, string: Range<usize>, labels: &[Range<usize>]) -> Vec<Range<usize>> {
    let chars_to_bytes = |from: usize, n: usize| {
        text[from..string.end]
            .char_indices()
            .nth(n)
            .map_or(string.end, |(i, _)| from + i)
    };
    let mut keep = Vec::with_capacity(1 + labels.len());
    keep.push(string.start..chars_to_bytes(string.start, KEEP_HEAD));
    for label in labels {
        if label.start < string.end && label.end > string.start {
            // Byte distances are close enough to character counts for a margin.
            let start = floor_boundary(text, label.start.saturating_sub(KEEP_AROUND_LABEL));
            let end = ceil_boundary(text, label.end + KEEP_AROUND_LABEL);
            keep.push(start.max(string.start)..end.min(string.end));
        }
    }
    keep.sort_by_key(|r| r.start);

    let mut cuts = Vec::new();
    let mut pos = string.start;
    for k in keep {
        if k.start > pos {
            cuts.push(pos..k.start);
        }
        pos = pos.max(k.end);
    }
    if pos < string.end {
        cuts.push(pos..string.end);
    }
    // Cutting a few bytes to write a 3-byte `…` shows less and saves nothing.
    cuts.retain(|c| c.len() > 8);
    cuts
}

/// A small capture with secrets, shared by the report tests.
#[cfg(test)]
pub(crate) mod fixture {
    use std::sync::Arc;

    use crate::finding::{Area, Finding, Label, Locator, Place, Related, Severity};
    use crate::model::{Capture, Exchange, Format, Request};
    use crate::report::{FileReport, Report};

    pub const CODE: &str = "ANdNAVhyhqirUelHGEHA";
    pub const TOKEN: &str = "Atza|IwEBIabcdefghijklmnopqrstuvwxyz012345";

    pub const PRETTY: &str = r#"{
  "log": {
    "version": "1.2",
    "entries": [
      {
        "startedDateTime": "2024-05-01T10:00:01.000Z",
        "request": {
          "method": "GET",
          "url": "https://example.com/cb?code=ANdNAVhyhqirUelHGEHA&state=xyz",
          "headers": []
        },
        "response": {
          "status": 200,
          "headers": []
        }
      },
      {
        "startedDateTime": "2024-05-01T10:00:03.000Z",
        "request": {
          "method": "POST",
          "url": "https://api.amazon.com/auth/o2/token",
          "headers": [
            { "name": "Authorization", "value": "Bearer Atza|IwEBIabcdefghijklmnopqrstuvwxyz012345" },
            { "name": "Content-Type", "value": "application/x-www-form-urlencoded" }
          ],
          "postData": {
            "mimeType": "application/x-www-form-urlencoded",
            "text": "grant_type=authorization_code&code=ANdNAVhyhqirUelHGEHA&redirect_uri=https%3A%2F%2Fexample.com%2Fcb"
          }
        },
        "response": {
          "status": 400,
          "headers": [],
          "content": { "mimeType": "application/json", "text": "{\"error\":\"invalid_grant\"}" }
        }
      }
    ]
  }
}
"#;

    /// A capture of `source` whose entries are the objects starting at each `"startedDateTime"`.
    pub fn capture(name: &str, source: &str) -> Capture {
        let bytes = source.as_bytes();
        let exchanges = source
            .match_indices("\"startedDateTime\"")
            .enumerate()
            .map(|(i, (at, _))| {
                let start = bytes[..at].iter().rposition(|&b| b == b'{').unwrap();
                let end = super::container_end(bytes, start).unwrap_or(bytes.len());
                Exchange {
                    index: i + 1,
                    span: start..end,
                    started: None,
                    started_raw: None,
                    request: Request::default(),
                    response: None,
                    error: None,
                }
            })
            .collect();
        Capture {
            name: name.to_string(),
            format: Format::Har,
            source: Arc::<[u8]>::from(bytes).into(),
            exchanges,
            truncation: None,
            parts: Vec::new(),
            limits_hit: Vec::new(),
            skipped: Vec::new(),
        }
    }

    pub fn at(entry: usize, area: Area, needle: &str, text: &str) -> Label {
        Label {
            place: Place::Entry {
                entry,
                locator: Some(Locator {
                    area,
                    needle: needle.to_string(),
                }),
            },
            text: text.to_string(),
        }
    }

    pub fn finding(file: &str) -> Finding {
        Finding {
            flow: None,
            fix_profile: None,
            rule: "oauth/code-redeemed-late".to_string(),
            severity: Severity::Error,
            message: "the token endpoint refused the code: invalid_grant".to_string(),
            help: "Redeem a code once, within 5 minutes of the redirect.".to_string(),
            file: file.to_string(),
            entry: Some(2),
            method: Some("POST".to_string()),
            url: Some("https://api.amazon.com/auth/o2/token".to_string()),
            time: Some("2024-05-01T10:00:03.000Z".to_string()),
            labels: vec![
                at(2, Area::RequestBody, CODE, "this code..."),
                at(
                    2,
                    Area::RequestHeader("authorization".into()),
                    TOKEN,
                    "sent with this token",
                ),
                at(2, Area::ResponseBody, "invalid_grant", "...was refused"),
            ],
            related: vec![Related {
                entry: 1,
                note: "the code was issued here".to_string(),
                locator: Some(Locator {
                    area: Area::Url,
                    needle: CODE.to_string(),
                }),
            }],
            positions: None,
        }
    }

    pub fn file_report(capture: Capture, findings: Vec<Finding>) -> FileReport {
        FileReport {
            name: capture.name.clone(),
            format: Some("har"),
            entries: capture.exchanges.len(),
            error: None,
            analysis: Some(crate::flow::Analysis {
                flows: 1,
                ..Default::default()
            }),
            capture: Some(capture),
            findings,
            session: None,
        }
    }

    pub fn report() -> Report {
        let capture = capture("login.har", PRETTY);
        Report {
            files: vec![file_report(capture, vec![finding("login.har")])],
            ..Default::default()
        }
    }

    /// The 1-based line of `source` holding `needle`.
    pub fn line_holding(source: &str, needle: &str) -> usize {
        source.lines().position(|l| l.contains(needle)).unwrap() + 1
    }

    pub fn assert_no_raw_secret(text: &str) {
        for raw in [CODE, TOKEN, "dNAVhyhqirUelHG", "IwEBIabcdef"] {
            assert!(!text.contains(raw), "raw secret {raw:?} in:\n{text}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::*;
    use super::*;
    use crate::finding::Area;
    use crate::secret::mask;

    fn loc(area: Area, needle: &str) -> Locator {
        Locator {
            area,
            needle: needle.to_string(),
        }
    }

    #[test]
    fn labels_land_on_the_masked_value_in_the_right_area() {
        let capture = capture("login.har", PRETTY);
        let snippets = Snippets::new(&capture);
        let body = loc(Area::RequestBody, CODE);
        let auth = loc(Area::RequestHeader("AUTHORIZATION".into()), TOKEN);
        let url = loc(Area::Url, "https://api.amazon.com/auth/o2/token");
        let snippet = snippets
            .entry(
                2,
                &[
                    (Some(&body), "code"),
                    (Some(&auth), "token"),
                    (Some(&url), "url"),
                    (None, "entry"),
                ],
            )
            .unwrap();

        assert_no_raw_secret(snippet.text());
        let [body, auth, url, entry] = snippet.labels() else {
            panic!()
        };
        assert_eq!(snippet.label_text(body), Some(mask(CODE).as_str()));
        // 0-based line numbers from the snippet, 1-based from the helper.
        assert_eq!(
            snippet.label_line(body).unwrap() + 1,
            line_holding(PRETTY, "grant_type=")
        );
        // Credentials are masked by parts: the scheme shown, the token masked as it is
        // wherever it appears.
        assert_eq!(snippet.label_text(auth), Some(mask(TOKEN).as_str()));
        assert!(snippet
            .text()
            .contains(&format!("\"Bearer {}\"", mask(TOKEN))));
        assert_eq!(
            snippet.label_line(auth).unwrap() + 1,
            line_holding(PRETTY, "Bearer")
        );
        assert_eq!(
            snippet.label_line(url).unwrap() + 1,
            line_holding(PRETTY, "auth/o2/token")
        );
        assert_eq!(snippet.label_text(entry), Some("\"url\""));
        assert!(body.primary());
    }

    /// The lines around a label hold values no list knows: a custom token header, a header
    /// whose name is a secret, a Referer with a code. None of them is shown; the public ones
    /// the reader needs are.
    #[test]
    fn context_lines_show_only_what_the_policy_knows() {
        let odd = "q8Zr2kP0vX4mW7nB1cT5";
        let source = PRETTY.replace(
            r#"{ "name": "Content-Type", "value": "application/x-www-form-urlencoded" }"#,
            &format!(
                r#"{{ "name": "Content-Type", "value": "application/x-www-form-urlencoded" }},
            {{ "name": "Private-Token", "value": "{odd}" }},
            {{ "name": "{odd}", "value": "1" }},
            {{ "name": "Referer", "value": "https://example.com/cb?code=ANzzzzzzzzzzzzzzzzzz&client_id=my-client" }}"#
            ),
        );
        let capture = capture("login.har", &source);
        let body = loc(Area::RequestBody, CODE);
        let snippet = Snippets::new(&capture)
            .entry(2, &[(Some(&body), "code")])
            .unwrap();
        let text = snippet.text();
        assert!(!text.contains(odd) && !text.contains("ANzzzz"), "{text}");
        assert_no_raw_secret(text);
        for shown in [
            "\"Private-Token\"",
            "grant_type=authorization_code",
            "redirect_uri=https%3A%2F%2Fexample.com%2Fcb",
            "client_id=my-client",
            "\\\"error\\\":\\\"invalid_grant\\\"",
        ] {
            assert!(text.contains(shown), "{shown} not in {text}");
        }
        assert_eq!(
            snippet.label_text(&snippet.labels()[0]),
            Some(mask(CODE).as_str())
        );
    }

    /// Raw HTTP is masked by line: request line, headers by name, the body by its type.
    #[test]
    fn raw_http_entries_are_masked_by_line() {
        let odd = "q8Zr2kP0vX4mW7nB1cT5";
        let source = format!(
            "POST /auth/o2/token HTTP/1.1\r\nHost: api.amazon.com\r\nX-Session-Token: {odd}\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\ngrant_type=authorization_code&code={CODE}&client_secret={odd}\r\n"
        );
        let mut capture = capture("t.http", &source);
        capture.format = Format::RawHttp;
        capture.exchanges = vec![crate::model::Exchange {
            index: 1,
            span: 0..source.len(),
            started: None,
            started_raw: None,
            request: crate::model::Request::default(),
            response: None,
            error: None,
        }];
        let body = loc(Area::RequestBody, CODE);
        let snippet = Snippets::new(&capture)
            .entry(1, &[(Some(&body), "code")])
            .unwrap();
        let text = snippet.text();
        assert!(!text.contains(odd), "{text}");
        assert_no_raw_secret(text);
        assert!(
            text.starts_with(
                "POST /auth/o2/token HTTP/1.1\r\nHost: api.amazon.com\r\nX-Session-Token: "
            ),
            "{text}"
        );
        assert_eq!(
            snippet.label_text(&snippet.labels()[0]),
            Some(mask(CODE).as_str())
        );
        assert_eq!(snippet.label_line(&snippet.labels()[0]), Some(5));
    }

    #[test]
    fn prefers_the_area_over_an_earlier_occurrence() {
        // The code is in entry 1's URL only; ask for it in the (absent) body: the URL still wins
        // as "any occurrence", and asking for the URL finds the same place.
        let capture = capture("login.har", PRETTY);
        let snippets = Snippets::new(&capture);
        let in_body = loc(Area::RequestBody, CODE);
        let snippet = snippets.entry(1, &[(Some(&in_body), "x")]).unwrap();
        assert_eq!(snippet.label_line(&snippet.labels()[0]).unwrap() + 1, 9);

        // In entry 2 the token is only in the header; the `Content-Type` header is not chosen.
        let ct = loc(
            Area::RequestHeader("content-type".into()),
            "application/x-www-form-urlencoded",
        );
        let snippet = snippets.entry(2, &[(Some(&ct), "ct")]).unwrap();
        let line = snippet.label_line(&snippet.labels()[0]).unwrap() + 1;
        assert_eq!(line, line_holding(PRETTY, "\"Content-Type\""));
    }

    #[test]
    fn finds_encoded_spellings() {
        let capture = capture("login.har", PRETTY);
        let snippets = Snippets::new(&capture);
        let redirect = loc(Area::RequestBody, "https://example.com/cb");
        let snippet = snippets.entry(2, &[(Some(&redirect), "r")]).unwrap();
        let label = &snippet.labels()[0];
        assert_eq!(
            snippet.label_text(label),
            Some("https%3A%2F%2Fexample.com%2Fcb")
        );
    }

    #[test]
    fn unknown_entry_gives_no_snippet() {
        let capture = capture("login.har", PRETTY);
        assert!(Snippets::new(&capture).entry(9, &[]).is_none());
        assert!(Snippets::new(&capture).entry(0, &[]).is_none());
    }

    #[test]
    fn minified_entry_is_reformatted_and_long_strings_elided() {
        let long = "x".repeat(500);
        let source = format!(
            r#"{{"log":{{"entries":[{{"startedDateTime":"2024-05-01T10:00:01.000Z","request":{{"method":"GET","url":"https://example.com/cb?code={CODE}","headers":[]}},"response":{{"status":200,"statusText":"{long}","headers":[]}}}}]}}}}"#
        );
        let capture = capture("min.har", &source);
        let snippets = Snippets::new(&capture);
        let url = loc(Area::Url, CODE);
        let snippet = snippets.entry(1, &[(Some(&url), "code")]).unwrap();

        assert_eq!(snippet.name(), "min.har (entry #1, reformatted)");
        assert!(snippet.text().lines().count() > 5, "{}", snippet.text());
        assert!(
            snippet.text().contains(&format!("\"{}…\"", "x".repeat(80))),
            "{}",
            snippet.text()
        );
        assert!(!snippet.text().contains(&"x".repeat(81)));
        assert_no_raw_secret(snippet.text());
        let label = &snippet.labels()[0];
        assert_eq!(snippet.label_text(label), Some(mask(CODE).as_str()));
        let line = snippet.label_line(label).unwrap();
        assert!(snippet
            .text()
            .lines()
            .nth(line)
            .unwrap()
            .contains("\"url\""));
    }

    #[test]
    fn long_string_keeps_the_stretch_around_its_label() {
        let padding = "p".repeat(400);
        let source = PRETTY.replace(
            "&state=xyz",
            &format!("&scope={padding}&response_type=HERE"),
        );
        let capture = capture("login.har", &source);
        let here = loc(Area::Url, "response_type=HERE");
        let snippet = Snippets::new(&capture)
            .entry(1, &[(Some(&here), "here")])
            .unwrap();
        // Not minified: one long member keeps the file's own lines.
        assert_eq!(snippet.name(), "login.har");
        assert_eq!(
            snippet.label_text(&snippet.labels()[0]),
            Some("response_type=HERE")
        );
        assert!(snippet.text().contains('…'));
        assert!(!snippet.text().contains(&"p".repeat(100)));
    }

    #[test]
    fn a_label_after_a_masked_value_has_the_file_column() {
        let capture = capture("login.har", PRETTY);
        let redirect = loc(Area::RequestBody, "https://example.com/cb");
        let snippet = Snippets::new(&capture)
            .entry(2, &[(Some(&redirect), "redirect")])
            .unwrap();
        let label = &snippet.labels()[0];
        // The code before it on the line is masked, and shorter than the original.
        let masked_line = snippet
            .text()
            .lines()
            .find(|l| l.contains("grant_type="))
            .unwrap();
        assert!(masked_line.contains(&mask(CODE)));
        let line = PRETTY.lines().find(|l| l.contains("grant_type=")).unwrap();
        let want = line.find("https%3A").unwrap();
        assert_ne!(masked_line.find("https%3A").unwrap(), want);
        // What miette asks for the `file:line:col` header: the column in the file.
        let header = snippet.read_span(label.inner(), 0, 0).unwrap();
        assert_eq!(header.column(), want);
        assert_eq!(header.line() + 1, line_holding(PRETTY, "grant_type="));
    }

    #[test]
    fn offset_snippet_shows_lines_before_a_cut_and_masks_a_cut_secret() {
        let cut = PRETTY.find("ANdNAVhyhqirUelHGEHA&redirect").unwrap() + 12;
        let source = &PRETTY[..cut];
        let capture = capture("cut.har", source);
        let snippet = Snippets::new(&capture).offset(cut, "the file ends here");
        assert_no_raw_secret(snippet.text());
        assert!(
            !snippet.text().contains("ANdNAVhyhqir"),
            "{}",
            snippet.text()
        );
        assert_eq!(snippet.text().lines().count(), 4);
        let label = &snippet.labels()[0];
        assert_eq!(
            snippet.label_line(label).unwrap() + 1,
            line_holding(PRETTY, "grant_type=")
        );
    }
}
