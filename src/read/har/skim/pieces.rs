//! Skimming a long entry list on several threads: cut at guessed entry starts, each piece
//! skimmed as if its guess were right, and only the pieces one pass would have read used.

use super::super::super::sniff::UTF8_BOM;
use super::{Cursor, GiveUp, Keep, Skimmed, R};
use crate::limits::Limits;
use crate::model::{Exchange, Source};

/// Bytes of entries below which a file is skimmed on one thread: splitting one is worth it
/// only when it leaves every thread tens of milliseconds of work (8 MiB take about 20 ms).
pub(super) const MIN_PIECE: usize = 8 << 20;

/// The smallest piece a file is cut into. The pieces get smaller along the list, so the
/// threads run out of work close together: the last ones take a couple of milliseconds,
/// so no thread waits longer than that for the others (with 8 pieces in proportion to 8, 7,
/// ... 1, a 50 MB capture left one thread idle 2 to 7 ms at the end).
pub(super) const TAIL_PIECE: usize = 1 << 20;

/// [`skim`], with the entry list, when it is at least two `min_piece`s long, cut into pieces
/// that get smaller along it down to `tail` bytes, skimmed on `threads` threads.
///
/// Where an entry starts cannot be known without reading everything before it, so the cuts
/// are guesses: a piece starts where the text looks like the start of an entry (the first
/// entry's opening, up to its first key, after `}` and `,`). Each piece is skimmed as if that
/// guess were right, and stops when it reaches the next piece's start as the start of an
/// element of the list. Only then is the next piece's work used; a guess that the piece before
/// runs past (the pattern was inside a nested value) is thrown away, and that piece goes on to
/// the end. So the entries and spans are exactly those of one sequential pass.
pub(super) fn skim_in_pieces(
    source: &Source,
    threads: usize,
    min_piece: usize,
    tail: usize,
    limits: &Limits,
    keep: Keep,
) -> Option<Vec<Exchange>> {
    let bytes: &[u8] = source;
    let bom = if bytes.starts_with(UTF8_BOM) {
        UTF8_BOM.len()
    } else {
        0
    };
    let mut c = Cursor::new(bytes, bom);
    let entries = c.find_entries().ok()?;
    std::str::from_utf8(bytes.get(bom..c.pos)?).ok()?;
    if !entries {
        return Some(Default::default());
    }
    c.eat(b'[').ok()?;
    let list = c.pos;
    let cuts = if bytes.len() - list >= 2 * min_piece {
        guess_cuts(bytes, list, threads, tail)
    } else {
        Vec::new()
    };
    let out = skim_from(source, list, &cuts, limits, keep).ok()?;
    if let Some(lines) = out.lines.finish(bytes) {
        source.set_newlines(lines);
    }
    Some(out.exchanges)
}

/// Skims the entry list from `list` (just after its `[`), in pieces starting at the guessed
/// element starts `cuts` (ascending), on every thread.
pub(super) fn skim_from(
    source: &Source,
    list: usize,
    cuts: &[usize],
    limits: &Limits,
    keep: Keep,
) -> R<Skimmed> {
    use rayon::prelude::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let starts: Vec<usize> = std::iter::once(list).chain(cuts.iter().copied()).collect();
    let skim_piece = |i: usize, start: usize| -> R<(Skimmed, Ended)> {
        let later = starts.get(i + 1..).unwrap_or_default();
        let mut c = Cursor::new(&source[..], start);
        let mut out = Skimmed {
            keep,
            ..Skimmed::default()
        };
        let ended = c.entries(source, &mut out, i == 0, later, limits)?;
        Ok((out, ended))
    };
    // Each thread takes the next piece in list order when it is free. The pieces get smaller
    // along the list ([`guess_cuts`]), so the last ones to finish are short and no thread
    // waits long for the others.
    let next = AtomicUsize::new(0);
    let done: Vec<std::sync::OnceLock<R<(Skimmed, Ended)>>> =
        starts.iter().map(|_| std::sync::OnceLock::new()).collect();
    rayon::scope(|scope| {
        for _ in 0..rayon::current_num_threads().min(starts.len()) {
            scope.spawn(|_| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let (Some(&start), Some(slot)) = (starts.get(i), done.get(i)) else {
                    break;
                };
                let _ = slot.set(skim_piece(i, start));
            });
        }
    });
    let parts = done
        .into_iter()
        .map(|slot| slot.into_inner().unwrap_or(Err(GiveUp)))
        .collect();
    let used = chain(&starts, parts)?;
    // Onto the first piece's list, grown once and written on every core: growing it piece by
    // piece copied and page-faulted tens of MB on one thread (10 ms of a 200 MB capture).
    let total: usize = used.iter().map(|p| p.exchanges.len()).sum();
    let mut used = used.into_iter();
    let mut all = used.next().ok_or(GiveUp)?;
    all.exchanges.reserve_exact(total - all.exchanges.len());
    for mut part in used {
        all.lines.append(std::mem::take(&mut part.lines));
        let offset = all.exchanges.len();
        all.exchanges
            .par_extend(part.exchanges.into_par_iter().map(move |mut ex| {
                ex.index += offset;
                ex
            }));
    }
    Ok(all)
}

/// The pieces that one pass through the list would have read, in order: the first piece,
/// then the piece it ran into, and so on to the one that reached the list's end. A piece whose
/// start was a wrong guess is run past and never used, nor is its error.
pub(super) fn chain<T>(starts: &[usize], parts: Vec<R<(T, Ended)>>) -> R<Vec<T>> {
    let mut parts: Vec<Option<R<(T, Ended)>>> = parts.into_iter().map(Some).collect();
    let mut used = Vec::new();
    let mut i = 0;
    loop {
        let (part, ended) = parts.get_mut(i).and_then(Option::take).ok_or(GiveUp)??;
        used.push(part);
        match ended {
            Ended::Closed => return Ok(used),
            Ended::Stopped(at) => {
                let next = starts.binary_search(&at).map_err(|_| GiveUp)?;
                if next <= i {
                    return Err(GiveUp);
                }
                i = next;
            }
        }
    }
}

/// How a piece of the entry list ended: at the list's `]`, or at a later piece's start (the
/// offset given).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ended {
    Closed,
    Stopped(usize),
}

/// Most pieces a list is cut into.
pub(super) const MAX_PIECES: usize = 64;

/// Guessed element starts that cut the list from `list` into pieces for `threads` threads
/// (none for one): each piece is a `2 × threads`th of what is left after the pieces before
/// it, and at least `tail` bytes (guided self-scheduling). Threads that take the pieces in
/// order then finish within about one `tail` piece of each other, however long the list.
/// Fewer cuts (or none) where the pattern is not found.
pub(super) fn guess_cuts(b: &[u8], list: usize, threads: usize, tail: usize) -> Vec<usize> {
    let mut cuts = Vec::new();
    if threads < 2 {
        return cuts;
    }
    let Some(signature) = first_entry_opening(b, list) else {
        return cuts;
    };
    let finder = memchr::memmem::Finder::new(signature);
    // Where each piece after the first would start.
    let mut targets = Vec::new();
    let mut at = list;
    while targets.len() + 1 < MAX_PIECES {
        let rest = b.len() - at;
        let piece = (rest / (2 * threads)).max(tail.max(1));
        if piece >= rest {
            break;
        }
        at += piece;
        targets.push(at);
    }
    let mut from = list;
    for (k, &target) in targets.iter().enumerate() {
        let target = target.max(from);
        let until = targets.get(k + 1).copied().unwrap_or(b.len());
        let window = b
            .get(target..until.max(target + 1).min(b.len()))
            .unwrap_or_default();
        let found = finder
            .find_iter(window)
            .map(|at| target + at)
            .find(|&at| after_entry(b, at));
        if let Some(at) = found {
            cuts.push(at);
            from = at + 1;
        }
    }
    cuts
}

/// The first entry's opening: its `{` up to the end of its first key's closing quote (for
/// Chrome `{\n      "_initiator"`), if it is an object whose first key has no escape.
pub(super) fn first_entry_opening(b: &[u8], list: usize) -> Option<&[u8]> {
    let mut c = Cursor::new(b, list);
    c.ws();
    let start = c.pos;
    c.eat(b'{').ok()?;
    c.ws();
    c.eat(b'"').ok()?;
    let key = c.string().ok()?;
    if key.escaped {
        return None;
    }
    b.get(start..c.pos)
}

/// Whether `}`, `,` and whitespace come before `at` (as between two entries).
pub(super) fn after_entry(b: &[u8], at: usize) -> bool {
    let before = b.get(..at).unwrap_or_default();
    let mut rest = before.iter().rev().skip_while(|c| c.is_ascii_whitespace());
    if rest.next() != Some(&b',') {
        return false;
    }
    rest.find(|c| !c.is_ascii_whitespace()) == Some(&b'}')
}
