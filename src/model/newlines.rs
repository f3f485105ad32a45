//! Where a capture's lines are: newline counts at fixed block boundaries of its text, so that
//! the line of any offset costs one block's count.
//!
//! The reports give findings a line (JSON, SARIF, snippets). Counting a long capture's
//! newlines after the read paged the whole mapped file back in, on one thread, behind
//! everything else (12 % of a 50 MB check's samples); the skim now counts them on the way,
//! each piece over the text it has just passed, and hands the index to the [`super::Source`]
//! ([`Counter`]). Whatever no reader counted is counted on first use ([`Newlines::count`]).

use std::ops::Range;

/// Bytes of text per block: a line lookup counts at most this many bytes.
pub const BLOCK: usize = 1 << 16;

/// Newlines before every block boundary of a text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Newlines {
    /// `before[k]` = newlines in `text[..k * BLOCK]`, for every `k * BLOCK <= text.len()`.
    before: Vec<usize>,
}

impl Newlines {
    /// Counts the newlines of `text`, a block at a time on every core. A mapped file's pages
    /// are mapped in bulk ahead of each stretch and released behind it (`prefetch`, `release`),
    /// so counting a large capture does not leave it resident.
    pub fn count(
        text: &[u8],
        prefetch: impl Fn(Range<usize>) + Sync,
        release: impl Fn(Range<usize>) + Sync,
    ) -> Newlines {
        // Stretches of many blocks: one prefetch and one release call each.
        Self::count_by(text, 128 * BLOCK, prefetch, release)
    }

    /// [`Newlines::count`] in stretches of `stretch` bytes (a whole number of blocks).
    fn count_by(
        text: &[u8],
        stretch: usize,
        prefetch: impl Fn(Range<usize>) + Sync,
        release: impl Fn(Range<usize>) + Sync,
    ) -> Newlines {
        use rayon::prelude::*;
        let per_stretch: Vec<Vec<usize>> = (0..text.len().div_ceil(stretch))
            .into_par_iter()
            .map(|s| {
                let range = s * stretch..((s + 1) * stretch).min(text.len());
                prefetch(range.clone());
                let counts = text
                    .get(range.clone())
                    .unwrap_or_default()
                    .chunks(BLOCK)
                    .map(count)
                    .collect();
                release(range);
                counts
            })
            .collect();
        let mut before = Vec::with_capacity(text.len() / BLOCK + 1);
        let mut total = 0;
        before.push(0);
        for (k, n) in per_stretch.into_iter().flatten().enumerate() {
            total += n;
            // The last block's count only matters when it is whole (it ends a boundary).
            if (k + 1) * BLOCK <= text.len() {
                before.push(total);
            }
        }
        Newlines { before }
    }

    /// The newlines in `text[..offset]` (`offset` past the end counts to the end); `text` is
    /// the text this index was made from.
    pub fn before(&self, text: &[u8], offset: usize) -> usize {
        let offset = offset.min(text.len());
        let block = (offset / BLOCK).min(self.before.len().saturating_sub(1));
        let from = block * BLOCK;
        self.before.get(block).copied().unwrap_or(0)
            + count(text.get(from..offset).unwrap_or_default())
    }
}

fn count(bytes: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', bytes).count()
}

/// Newlines counted over one contiguous stretch of a text, as a reader passes it: each piece
/// of the skim keeps one, and the pieces one pass reads are joined ([`Counter::append`]).
#[derive(Debug, Clone, Default)]
pub struct Counter {
    /// The stretch counted, `None` before the first [`Counter::add`].
    span: Option<Range<usize>>,
    /// Newlines in the stretch so far.
    total: usize,
    /// `(k, n)`: `n` newlines from the stretch's start to the block boundary `k * BLOCK`, for
    /// every boundary inside the stretch (or at its end).
    marks: Vec<(usize, usize)>,
}

impl Counter {
    /// Counts `text[range]`, which must start where the stretch counted so far ends; a counter
    /// given a gap counts nothing more and gives no index.
    pub fn add(&mut self, text: &[u8], range: Range<usize>) {
        let end = self.span.as_ref().map_or(range.start, |s| s.end);
        if end != range.start || range.end < range.start {
            self.span = Some(usize::MAX..usize::MAX);
            return;
        }
        let mut at = range.start;
        while at < range.end {
            let boundary = (at / BLOCK + 1) * BLOCK;
            let end = boundary.min(range.end);
            self.total += count(text.get(at..end).unwrap_or_default());
            if end == boundary {
                self.marks.push((boundary / BLOCK, self.total));
            }
            at = end;
        }
        let start = self.span.as_ref().map_or(range.start, |s| s.start);
        self.span = Some(start..range.end);
    }

    /// Appends `next`, a counter of the stretch that starts where this one ends.
    pub fn append(&mut self, next: Counter) {
        match (&mut self.span, next.span) {
            (Some(span), Some(after)) if span.end == after.start => {
                span.end = after.end;
                let base = self.total;
                self.marks
                    .extend(next.marks.into_iter().map(|(k, n)| (k, base + n)));
                self.total += next.total;
            }
            (None, after) => {
                *self = Counter {
                    span: after,
                    ..next
                }
            }
            (Some(_), None) => {}
            (Some(span), Some(_)) => *span = usize::MAX..usize::MAX,
        }
    }

    /// The index of `text`, counting what comes after the stretch; `None` unless the stretch
    /// starts at the text's start (or nothing was counted) and has no gap.
    pub fn finish(mut self, text: &[u8]) -> Option<Newlines> {
        let end = self.span.as_ref().map_or(0, |s| s.end);
        if end <= text.len() {
            self.add(text, end..text.len());
        }
        if self.span != Some(0..text.len()) {
            return None;
        }
        let mut before = Vec::with_capacity(self.marks.len() + 1);
        before.push(0);
        for (i, (k, n)) in self.marks.into_iter().enumerate() {
            if k != i + 1 {
                return None;
            }
            before.push(n);
        }
        Some(Newlines { before })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A text with newlines at every kind of place around the block boundaries.
    fn text(len: usize) -> Vec<u8> {
        (0..len)
            .map(|i| {
                let near = i % BLOCK;
                if near == 0 || near == BLOCK - 1 || i % 7 == 3 || i % 1000 == 0 {
                    b'\n'
                } else {
                    b'x'
                }
            })
            .collect()
    }

    fn naive(text: &[u8], offset: usize) -> usize {
        text[..offset.min(text.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
    }

    fn offsets(len: usize) -> Vec<usize> {
        let mut at = vec![0, 1, len.saturating_sub(1), len, len + 5];
        for k in 0..=len / BLOCK {
            let b = k * BLOCK;
            at.extend([b.saturating_sub(1), b, b + 1, b + BLOCK / 2]);
        }
        at
    }

    #[test]
    fn counted_on_demand_as_byte_by_byte() {
        for len in [
            0,
            1,
            BLOCK - 1,
            BLOCK,
            BLOCK + 1,
            3 * BLOCK,
            7 * BLOCK + 17,
            9 * BLOCK,
        ] {
            let t = text(len);
            // Stretches of three blocks, so that several are counted and joined.
            let index = Newlines::count_by(&t, 3 * BLOCK, |_| {}, |_| {});
            assert_eq!(index, Newlines::count(&t, |_| {}, |_| {}));
            for at in offsets(len) {
                assert_eq!(
                    index.before(&t, at),
                    naive(&t, at),
                    "len {len}, offset {at}"
                );
            }
        }
    }

    #[test]
    fn counters_of_pieces_joined_give_the_whole_index() {
        let len = 5 * BLOCK + 321;
        let t = text(len);
        let whole = Newlines::count(&t, |_| {}, |_| {});
        // Pieces cut anywhere (on a boundary, one byte either side, mid-block), each counted
        // in several ranges, as the skim passes its text in releases.
        for cuts in [
            vec![0, len],
            vec![0, BLOCK, len],
            vec![0, BLOCK - 1, BLOCK + 1, 2 * BLOCK, len],
            vec![0, 17, 3 * BLOCK + 5, 3 * BLOCK + 6, len],
            // The last piece ends short of the text: `finish` counts the rest.
            vec![0, 2 * BLOCK, 4 * BLOCK + 3],
        ] {
            let mut joined = Counter::default();
            for piece in cuts.windows(2) {
                let mut c = Counter::default();
                let mid = piece[0] + (piece[1] - piece[0]) / 3;
                c.add(&t, piece[0]..mid);
                c.add(&t, mid..mid);
                c.add(&t, mid..piece[1]);
                joined.append(c);
            }
            assert_eq!(joined.finish(&t), Some(whole.clone()), "cuts {cuts:?}");
        }
    }

    #[test]
    fn a_gap_or_a_late_start_gives_no_index() {
        let len = 3 * BLOCK;
        let t = text(len);
        let mut gap = Counter::default();
        gap.add(&t, 0..100);
        gap.add(&t, 101..len);
        assert_eq!(gap.finish(&t), None);
        let mut joined = Counter::default();
        let mut a = Counter::default();
        a.add(&t, 0..BLOCK);
        let mut b = Counter::default();
        b.add(&t, BLOCK + 1..len);
        joined.append(a);
        joined.append(b);
        assert_eq!(joined.finish(&t), None);
        let mut late = Counter::default();
        late.add(&t, 5..len);
        assert_eq!(late.finish(&t), None);
        assert_eq!(
            Counter::default().finish(&t),
            Some(Newlines::count(&t, |_| {}, |_| {}))
        );
    }
}
