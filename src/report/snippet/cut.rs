//! Cutting a snippet down to what a person reads: around its labels, long strings elided,
//! minified JSON told apart, and the byte and character arithmetic that keeps the cuts on
//! boundaries.

use std::ops::Range;

use miette::LabeledSpan;

use super::*;

/// The part of a snippet from a little before its first label to a little after its last,
/// each cut marked with `…` (lines and columns still the file's).
pub(super) fn around_labels(mut s: Snippet) -> Snippet {
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
pub(super) fn cut_marker(text: &str, at: usize) -> (usize, usize) {
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

pub(super) fn lossy_chars(bytes: &[u8]) -> usize {
    String::from_utf8_lossy(bytes).chars().count()
}

/// Moves `offset` back to the start of a UTF-8 character.
pub(super) fn floor_boundary_bytes(bytes: &[u8], mut offset: usize) -> usize {
    while offset > 0 && offset < bytes.len() && (bytes[offset] & 0b1100_0000) == 0b1000_0000 {
        offset -= 1;
    }
    offset
}

pub(super) fn floor_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

pub(super) fn ceil_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset += 1;
    }
    offset
}

/// Whether some line is long *and* holds several JSON members. A pretty-printed entry can
/// have a long line too (a 2 kB URL), but that line holds one member; eliding its string is
/// enough and keeps the file's own line numbers.
pub(super) fn is_minified(raw: &[u8]) -> bool {
    raw.split(|&b| b == b'\n')
        .any(|line| line.len() > MINIFIED_LINE && structural_colons(line) >= 2)
}

pub(super) fn structural_colons(line: &[u8]) -> usize {
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
pub(super) fn ends_inside_string(text: &str) -> bool {
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
pub(super) fn mask_trailing_fragment(text: &mut String) {
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
pub(super) fn count_matches(text: &[u8], patterns: &[String]) -> usize {
    aho_corasick::AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostLongest)
        .build(patterns)
        .map_or(0, |m| m.find_iter(text).count())
}

/// What a raw needle may look like in masked capture text: its mask, where the policy hid
/// it (the policy masks decoded values, so the mask of the needle itself), else its
/// spellings as written (a public value, raw or encoded).
pub(super) fn needle_spellings(needle: &str) -> Vec<String> {
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

/// Shortens every string longer than [`LONG_STRING`] characters to its head and the stretches
/// around the labels inside it, each gap shown as `…`; returns the text and the labels moved
/// onto it. A label never loses text: only stretches away from every label are cut.
pub(super) fn elide_long_strings(
    text: &str,
    labels: &[Range<usize>],
) -> (String, Vec<Range<usize>>) {
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
pub(super) fn cuts_in_string(
    text: &str,
    string: Range<usize>,
    labels: &[Range<usize>],
) -> Vec<Range<usize>> {
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
