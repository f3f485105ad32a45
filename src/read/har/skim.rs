//! The fast way through a HAR, for checking: one validating pass over the bytes that parses in
//! full only the entries that can matter.
//!
//! Almost every entry of a long capture is traffic that OAuth reconstruction never looks at.
//! Reading such an entry in full (owned headers, decoded bodies, JSON bodies parsed again for
//! secrets) costs about 70 instructions a byte; skimming it costs a handful. The skim
//!
//! * walks the document with a small validating tokenizer that tracks only the few places a
//!   decision needs (`log.entries`; per entry `startedDateTime`, `request`/`response` with their
//!   `headers`, `cookies`, `url`, `status`, `redirectURL`, `_error`);
//! * looks for *needles* in each entry's raw text: every word that reconstruction or secret
//!   collection keys on (`code`, `token`, `client_id`, `grant_type`, `authorization`, the Alexa
//!   paths, the secret field names and shapes, a base64 `"encoding"`), ASCII case-insensitive,
//!   and every escape that could spell one of those words without showing it (`\u0063`,
//!   `%63`, `\\u0063` inside a JSON body);
//! * reads an entry in full, exactly as [`super::read_source`] does, when a needle or an escape
//!   is found, or anything about its shape is unusual (a repeated key, a non-string header, a
//!   cookie listed without its header, a transport error, ...);
//! * keeps every other entry as a stub: its position, span and start time, and the number of
//!   cookies it lists where the header that should carry them is missing (reconstruction notes
//!   those as stripped credentials). Nothing is collected from it: what is displayed later is
//!   masked by the secrets policy where it is shown.
//!
//! Such an entry gives no step and no artifact to reconstruction, and the note it records is
//! the full read's, so the analysis and the findings are those of the full read; `tests/skim.rs`
//! checks it over every
//! fixture and over captures that hide values behind escapes. When the tokenizer meets
//! anything it does not vouch for (invalid JSON, invalid UTF-8, a file cut off, an odd
//! document shape), it gives up and the caller reads the file the full way.

use std::ops::Range;
use std::sync::OnceLock;

use aho_corasick::AhoCorasick;

use super::super::sniff::UTF8_BOM;
use super::{exchange, parse_time};
use crate::limits::Limits;
use crate::model::{Exchange, Request, Response, Source};

/// Invalid JSON, or a document shape the skim leaves to the full reader.
#[derive(Debug)]
struct GiveUp;

type R<T> = Result<T, GiveUp>;

/// Bytes of a mapped file that are read between two releases of the pages behind.
const RELEASE_EVERY: usize = 8 << 20;
/// Nesting (below an entry's own few levels) past which an entry is read in full: well under
/// the 128 levels serde_json parses, so an entry that hits that limit is never a stub.
const DEEP: usize = 100;

/// Reads every entry of a HAR, or `None` when the full reader must do it.
pub(super) fn skim(source: &Source, limits: &Limits) -> Option<Vec<Exchange>> {
    skim_in_pieces(
        source,
        rayon::current_num_threads(),
        MIN_PIECE,
        TAIL_PIECE,
        limits,
    )
}

/// Bytes of entries below which a file is skimmed on one thread: splitting one is worth it
/// only when it leaves every thread tens of milliseconds of work (8 MiB take about 20 ms).
const MIN_PIECE: usize = 8 << 20;

/// The smallest piece a file is cut into. The pieces get smaller along the list, so the
/// threads run out of work close together: the last ones take a couple of milliseconds,
/// so no thread waits longer than that for the others (with 8 pieces in proportion to 8, 7,
/// ... 1, a 50 MB capture left one thread idle 2 to 7 ms at the end).
const TAIL_PIECE: usize = 1 << 20;

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
fn skim_in_pieces(
    source: &Source,
    threads: usize,
    min_piece: usize,
    tail: usize,
    limits: &Limits,
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
    let out = skim_from(source, list, &cuts, limits).ok()?;
    Some(out.exchanges)
}

/// Skims the entry list from `list` (just after its `[`), in pieces starting at the guessed
/// element starts `cuts` (ascending), on every thread.
fn skim_from(source: &Source, list: usize, cuts: &[usize], limits: &Limits) -> R<Skimmed> {
    use rayon::prelude::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let starts: Vec<usize> = std::iter::once(list).chain(cuts.iter().copied()).collect();
    let skim_piece = |i: usize, start: usize| -> R<(Skimmed, Ended)> {
        let later = starts.get(i + 1..).unwrap_or_default();
        let mut c = Cursor::new(&source[..], start);
        let mut out = Skimmed::default();
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
    for part in used {
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
fn chain<T>(starts: &[usize], parts: Vec<R<(T, Ended)>>) -> R<Vec<T>> {
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
enum Ended {
    Closed,
    Stopped(usize),
}

/// Most pieces a list is cut into.
const MAX_PIECES: usize = 64;

/// Guessed element starts that cut the list from `list` into pieces for `threads` threads
/// (none for one): each piece is a `2 × threads`th of what is left after the pieces before
/// it, and at least `tail` bytes (guided self-scheduling). Threads that take the pieces in
/// order then finish within about one `tail` piece of each other, however long the list.
/// Fewer cuts (or none) where the pattern is not found.
fn guess_cuts(b: &[u8], list: usize, threads: usize, tail: usize) -> Vec<usize> {
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
fn first_entry_opening(b: &[u8], list: usize) -> Option<&[u8]> {
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
fn after_entry(b: &[u8], at: usize) -> bool {
    let before = b.get(..at).unwrap_or_default();
    let mut rest = before.iter().rev().skip_while(|c| c.is_ascii_whitespace());
    if rest.next() != Some(&b',') {
        return false;
    }
    rest.find(|c| !c.is_ascii_whitespace()) == Some(&b'}')
}

#[derive(Default)]
struct Skimmed {
    exchanges: Vec<Exchange>,
}

/// A string's content (between its quotes) and whether it holds escapes.
#[derive(Clone, Copy, Default)]
struct Str {
    start: usize,
    end: usize,
    escaped: bool,
}

/// What the tokenizer saw of one entry object.
#[derive(Default)]
struct Scan {
    /// Something the skim does not vouch for: read this entry in full.
    odd: bool,
    started: Option<Str>,
    url: Option<Str>,
    req_headers: Vec<(Str, Str)>,
    req_cookies: usize,
    /// `response` is an object.
    response: bool,
    /// The status as a plain integer literal; `Err` when written any other way.
    status: Option<Result<u64, ()>>,
    resp_headers: Vec<(Str, Str)>,
    resp_cookies: usize,
    redirect: Option<Str>,
    /// Where the request's and the response's `cookies` lists are (in the document).
    cookie_lists: Vec<Range<usize>>,
}

impl Scan {
    fn clear(&mut self) {
        self.odd = false;
        self.started = None;
        self.url = None;
        self.req_headers.clear();
        self.req_cookies = 0;
        self.response = false;
        self.status = None;
        self.resp_headers.clear();
        self.resp_cookies = 0;
        self.redirect = None;
        self.cookie_lists.clear();
    }
}

struct Cursor<'a> {
    b: &'a [u8],
    pos: usize,
    /// Container kinds of the value being skipped (`true`: object).
    stack: Vec<bool>,
    /// An escape in the current entry that may spell a needle, or a surrogate (which makes the
    /// full reader drop fields): the entry is read in full.
    hidden: bool,
    /// A buffer for the lower-cased text of an entry.
    lower: std::cell::RefCell<Vec<u8>>,
}

impl<'a> Cursor<'a> {
    fn new(b: &'a [u8], pos: usize) -> Self {
        Cursor {
            b,
            pos,
            stack: Vec::new(),
            hidden: false,
            lower: Default::default(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn ws(&mut self) {
        if let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.pos = skip_ws(self.b, self.pos);
        }
    }

    fn eat(&mut self, byte: u8) -> R<()> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(GiveUp)
        }
    }

    // -----------------------------------------------------------------------------------------
    // The document down to `log.entries`.

    /// Walks to the first element of `log.entries`; false when `entries` is `null` (no entries,
    /// and nothing after it matters). Gives up on any other shape: the full reader then says
    /// what is wrong.
    fn find_entries(&mut self) -> R<bool> {
        self.ws();
        let mut first = true;
        self.eat(b'{')?;
        while let Some(key) = self.key(&mut first)? {
            if key.escaped {
                return Err(GiveUp);
            }
            if self.text(key) == b"log" {
                return self.find_entries_in_log();
            }
            self.skip_value()?;
        }
        Err(GiveUp)
    }

    fn find_entries_in_log(&mut self) -> R<bool> {
        let mut first = true;
        self.eat(b'{')?;
        while let Some(key) = self.key(&mut first)? {
            if key.escaped {
                return Err(GiveUp);
            }
            if self.text(key) == b"entries" {
                return match self.peek() {
                    Some(b'[') => Ok(true),
                    Some(b'n') => {
                        self.literal(b"null")?;
                        Ok(false)
                    }
                    _ => Err(GiveUp),
                };
            }
            self.skip_value()?;
        }
        Err(GiveUp)
    }

    // -----------------------------------------------------------------------------------------
    // The entries.

    /// Skims the entries from here: at the first one (just after the list's `[`) when
    /// `at_list`, else at a guessed element start. Stops at the list's end, or before an
    /// element that starts exactly at one of `later` (the later pieces' starts, ascending):
    /// when one of them was a wrong guess, the piece runs past it to the next.
    fn entries(
        &mut self,
        source: &Source,
        out: &mut Skimmed,
        at_list: bool,
        mut later: &[usize],
        limits: &Limits,
    ) -> R<Ended> {
        let needles = needles();
        let mut scan = Scan::default();
        let mut released = if at_list { 0 } else { self.pos };
        // Not past the next piece's start: that piece releases its own pages, and may have
        // done so already.
        let ahead = |at: usize, later: &[usize]| {
            let end = later.iter().find(|&&s| s > at).copied();
            at..(at + RELEASE_EVERY).min(end.unwrap_or(usize::MAX))
        };
        source.prefetch(ahead(self.pos, later));
        let mut first = true;
        while self.element(&mut first)? {
            let start = self.pos;
            while let Some((_, rest)) = later.split_first().filter(|(&s, _)| s < start) {
                later = rest;
            }
            if later.first() == Some(&start) {
                source.release(released..start);
                return Ok(Ended::Stopped(start));
            }
            if start - released >= RELEASE_EVERY {
                source.release(released..start);
                released = start;
                source.prefetch(ahead(start, later));
            }
            scan.clear();
            self.hidden = false;
            if self.peek() == Some(b'{') {
                self.entry(&mut scan)?;
            } else {
                self.skip_value()?;
                scan.odd = true;
            }
            let span = start..self.pos;
            let raw = self.b.get(span.clone()).ok_or(GiveUp)?;
            let index = out.exchanges.len() + 1;
            let skimmed = if scan.odd || self.hidden {
                None
            } else {
                // The needle search's lower-casing copy tells whether the entry is ASCII,
                // which spares most entries the UTF-8 check.
                let mut buffer = self.lower.borrow_mut();
                let (_, seen) = lower_into(raw, &mut buffer);
                if !seen.ascii {
                    std::str::from_utf8(raw).map_err(|_| GiveUp)?;
                }
                let lower = buffer.get_mut(..raw.len()).ok_or(GiveUp)?;
                self.unsearched_cookies(&scan, start, lower);
                if has_needle(needles, lower) {
                    None
                } else {
                    self.stub(&scan, raw, seen, index, span.clone(), limits)
                }
            };
            match skimmed {
                Some(ex) => out.exchanges.push(ex),
                None => {
                    let raw = std::str::from_utf8(raw).map_err(|_| GiveUp)?;
                    out.exchanges.push(exchange(index, span, raw));
                }
            }
        }
        source.release(released..self.pos);
        Ok(Ended::Closed)
    }

    /// Blanks the cookies of an entry (`Cookie` and `Set-Cookie` values, `cookies` lists) in
    /// its lower-cased text `lower`, which starts at `start`, before the needle search.
    /// Reconstruction never reads a cookie (it only counts those listed without their header),
    /// so a needle inside one (`csrftoken`, a session id that happens to hold `code`) is no
    /// reason to read the entry in full, and a logged-in browser sends its cookies with every
    /// request. Masking does not depend on it: whatever is shown is masked by the policy.
    fn unsearched_cookies(&self, scan: &Scan, start: usize, lower: &mut [u8]) {
        let mut blank = |s: usize, e: usize| {
            if let Some(part) = lower.get_mut(s.saturating_sub(start)..e.saturating_sub(start)) {
                part.fill(b' ');
            }
        };
        for (n, v) in scan.req_headers.iter().chain(&scan.resp_headers) {
            let name = self.text(*n);
            if name.eq_ignore_ascii_case(b"cookie") || name.eq_ignore_ascii_case(b"set-cookie") {
                blank(v.start, v.end);
            }
        }
        for list in &scan.cookie_lists {
            blank(list.start, list.end);
        }
    }

    /// The entry as a stub; `None` when it may matter and must be read in full.
    fn stub(
        &self,
        scan: &Scan,
        raw: &[u8],
        seen: Seen,
        index: usize,
        span: Range<usize>,
        limits: &Limits,
    ) -> Option<Exchange> {
        if (seen.percent && percent_hides(raw))
            || (seen.an && lwa_code_shape(raw))
            || may_hit_a_limit(scan, raw, limits)
        {
            return None;
        }
        let has = |s: Option<Str>, word: &str| s.is_some_and(|s| contains_ci(self.text(s), word));
        // An answer may carry only `error=` (`code` is a needle already).
        if has(scan.url, "error") || has(scan.redirect, "error") {
            return None;
        }
        // Whether a header of that name is there (`None`: an escaped name might spell it).
        let named = |headers: &[(Str, Str)], name: &str| {
            if headers.iter().any(|(n, _)| n.escaped) {
                return None;
            }
            Some(
                headers
                    .iter()
                    .any(|(n, _)| self.text(*n).eq_ignore_ascii_case(name.as_bytes())),
            )
        };
        if scan
            .resp_headers
            .iter()
            .any(|(n, v)| self.text(*n).eq_ignore_ascii_case(b"location") && has(Some(*v), "error"))
        {
            return None;
        }
        // Cookies listed apart from a missing header are a note for reconstruction: the stub
        // keeps their number, as the full read does (and nothing else of the entry).
        let mut request = Request::default();
        if scan.req_cookies > 0 && !named(&scan.req_headers, "cookie")? {
            request.listed_cookies = scan.req_cookies;
        }
        let mut response = None;
        if scan.response && scan.resp_cookies > 0 && !named(&scan.resp_headers, "set-cookie")? {
            // The full reader keeps a response only when it has a status other than 0.
            let status = match scan.status {
                None => None,
                Some(Ok(s)) => u16::try_from(s).ok().filter(|&s| s != 0),
                Some(Err(())) => return None,
            };
            response = status.map(|status| {
                Box::new(Response {
                    status,
                    listed_cookies: scan.resp_cookies,
                    ..Response::default()
                })
            });
        }
        let started_raw = match scan.started {
            Some(s) => Some(self.str_of(s)?),
            None => None,
        };
        Some(Exchange {
            index,
            span,
            started: started_raw.as_deref().and_then(parse_time),
            started_raw,
            request,
            response,
            error: None,
        })
    }

    /// One entry object: tracks what [`Cursor::stub`] needs.
    fn entry(&mut self, scan: &mut Scan) -> R<()> {
        let (mut started, mut request, mut response, mut error) = (false, false, false, false);
        let mut first = true;
        self.eat(b'{')?;
        while let Some(key) = self.key(&mut first)? {
            let seen = match self.text(key) {
                _ if key.escaped => {
                    scan.odd = true;
                    self.skip_value()?;
                    continue;
                }
                b"startedDateTime" => {
                    scan.started = self.plain_string(scan)?;
                    &mut started
                }
                b"request" => {
                    self.request(scan)?;
                    &mut request
                }
                b"response" => {
                    self.response(scan)?;
                    &mut response
                }
                b"_error" => {
                    self.null(scan)?;
                    &mut error
                }
                _ => {
                    self.skip_value()?;
                    continue;
                }
            };
            scan.odd |= std::mem::replace(seen, true);
        }
        Ok(())
    }

    fn request(&mut self, scan: &mut Scan) -> R<()> {
        if self.peek() != Some(b'{') {
            return self.skip_value();
        }
        let mut seen = [false; 5];
        let mut first = true;
        self.eat(b'{')?;
        while let Some(key) = self.key(&mut first)? {
            let i = match self.text(key) {
                _ if key.escaped => {
                    scan.odd = true;
                    self.skip_value()?;
                    continue;
                }
                b"method" => {
                    self.scalar(scan)?;
                    0
                }
                b"url" => {
                    scan.url = self.scalar(scan)?;
                    1
                }
                b"headers" => {
                    let mut headers = std::mem::take(&mut scan.req_headers);
                    self.headers(scan, &mut headers)?;
                    scan.req_headers = headers;
                    2
                }
                b"cookies" => {
                    let at = self.pos;
                    scan.req_cookies = self.count()?;
                    scan.cookie_lists.push(at..self.pos);
                    3
                }
                b"postData" => {
                    self.skip_value()?;
                    4
                }
                _ => {
                    self.skip_value()?;
                    continue;
                }
            };
            if let Some(seen) = seen.get_mut(i) {
                scan.odd |= std::mem::replace(seen, true);
            }
        }
        Ok(())
    }

    fn response(&mut self, scan: &mut Scan) -> R<()> {
        if self.peek() != Some(b'{') {
            return self.skip_value();
        }
        scan.response = true;
        let mut seen = [false; 6];
        let mut first = true;
        self.eat(b'{')?;
        while let Some(key) = self.key(&mut first)? {
            let i = match self.text(key) {
                _ if key.escaped => {
                    scan.odd = true;
                    self.skip_value()?;
                    continue;
                }
                b"status" => {
                    scan.status = Some(self.status()?);
                    0
                }
                b"headers" => {
                    let mut headers = std::mem::take(&mut scan.resp_headers);
                    self.headers(scan, &mut headers)?;
                    scan.resp_headers = headers;
                    1
                }
                b"cookies" => {
                    let at = self.pos;
                    scan.resp_cookies = self.count()?;
                    scan.cookie_lists.push(at..self.pos);
                    2
                }
                b"redirectURL" => {
                    scan.redirect = self.scalar(scan)?;
                    3
                }
                b"_error" => {
                    self.null(scan)?;
                    4
                }
                b"content" => {
                    self.skip_value()?;
                    5
                }
                _ => {
                    self.skip_value()?;
                    continue;
                }
            };
            if let Some(seen) = seen.get_mut(i) {
                scan.odd |= std::mem::replace(seen, true);
            }
        }
        Ok(())
    }

    /// A header list: objects with a string `name` and `value` each, or the entry is odd.
    fn headers(&mut self, scan: &mut Scan, out: &mut Vec<(Str, Str)>) -> R<()> {
        if self.peek() != Some(b'[') {
            scan.odd = true;
            return self.skip_value();
        }
        let mut first = true;
        self.eat(b'[')?;
        while self.element(&mut first)? {
            if self.peek() != Some(b'{') {
                scan.odd = true;
                self.skip_value()?;
                continue;
            }
            let (mut name, mut value) = (None, None);
            let mut first_key = true;
            self.eat(b'{')?;
            while let Some(key) = self.key(&mut first_key)? {
                let slot = match self.text(key) {
                    _ if key.escaped => {
                        scan.odd = true;
                        self.skip_value()?;
                        continue;
                    }
                    b"name" => &mut name,
                    b"value" => &mut value,
                    _ => {
                        self.skip_value()?;
                        continue;
                    }
                };
                let s = if self.peek() == Some(b'"') {
                    self.pos += 1;
                    Some(self.string()?)
                } else {
                    self.skip_value()?;
                    None
                };
                scan.odd |= s.is_none() || slot.is_some();
                *slot = s;
            }
            match (name, value) {
                (Some(n), Some(v)) if !n.escaped => out.push((n, v)),
                _ => scan.odd = true,
            }
        }
        Ok(())
    }

    /// A string without escapes, or absent; anything else makes the entry odd.
    fn plain_string(&mut self, scan: &mut Scan) -> R<Option<Str>> {
        if self.peek() == Some(b'"') {
            self.pos += 1;
            let s = self.string()?;
            scan.odd |= s.escaped;
            return Ok(Some(s));
        }
        scan.odd = true;
        self.skip_value()?;
        Ok(None)
    }

    /// A string, number, boolean or null (the string is returned); a list or object makes the
    /// entry odd (the full reader would fail on it).
    fn scalar(&mut self, scan: &mut Scan) -> R<Option<Str>> {
        match self.peek() {
            Some(b'"') => {
                self.pos += 1;
                self.string().map(Some)
            }
            Some(b'{' | b'[') => {
                scan.odd = true;
                self.skip_value().map(|()| None)
            }
            _ => self.skip_value().map(|()| None),
        }
    }

    /// `null`, or the entry is odd (a transport error is kept by the full reader).
    fn null(&mut self, scan: &mut Scan) -> R<()> {
        if self.peek() == Some(b'n') {
            return self.literal(b"null");
        }
        scan.odd = true;
        self.skip_value()
    }

    fn status(&mut self) -> R<Result<u64, ()>> {
        let start = self.pos;
        self.skip_value()?;
        let literal = self.b.get(start..self.pos).unwrap_or_default();
        if !literal.is_empty() && literal.iter().all(u8::is_ascii_digit) {
            if let Some(n) = std::str::from_utf8(literal)
                .ok()
                .and_then(|s| s.parse().ok())
            {
                return Ok(Ok(n));
            }
        }
        Ok(Err(()))
    }

    /// The number of elements of a list (0 for anything else, as the full reader counts).
    fn count(&mut self) -> R<usize> {
        if self.peek() != Some(b'[') {
            return self.skip_value().map(|()| 0);
        }
        let mut n = 0;
        let mut first = true;
        self.eat(b'[')?;
        while self.element(&mut first)? {
            self.skip_value()?;
            n += 1;
        }
        Ok(n)
    }

    // -----------------------------------------------------------------------------------------
    // Tokens. As strict as serde_json, or stricter: whatever passes here passes there.

    /// The next key of an object whose `{` is consumed, with its `:` consumed; `None` after
    /// the closing `}`.
    fn key(&mut self, first: &mut bool) -> R<Option<Str>> {
        if !self.next_item(first, b'}')? {
            return Ok(None);
        }
        self.eat(b'"')?;
        let key = self.string()?;
        self.ws();
        self.eat(b':')?;
        self.ws();
        Ok(Some(key))
    }

    /// Moves to the next element of a list whose `[` is consumed; false after the `]`.
    fn element(&mut self, first: &mut bool) -> R<bool> {
        self.next_item(first, b']')
    }

    /// Steps over the `,` before the next item of an object or list (none before the first);
    /// false, with `close` consumed, at its end.
    fn next_item(&mut self, first: &mut bool, close: u8) -> R<bool> {
        self.ws();
        if self.peek() == Some(close) {
            self.pos += 1;
            return Ok(false);
        }
        if !std::mem::take(first) {
            if self.peek() != Some(b',') {
                return Err(GiveUp);
            }
            self.pos += 1;
            self.ws();
        }
        Ok(true)
    }

    /// An entry nested near serde_json's recursion limit is read in full, so that it comes
    /// out exactly as the full reader leaves it (empty, with a `json-depth` limit hit).
    fn note_depth(&mut self) {
        if self.stack.len() > DEEP {
            self.hidden = true;
        }
    }

    /// Skips one value of any depth, without recursion.
    fn skip_value(&mut self) -> R<()> {
        self.stack.clear();
        loop {
            // A value starts here.
            self.ws();
            match self.peek().ok_or(GiveUp)? {
                b'{' => {
                    self.pos += 1;
                    self.ws();
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                    } else {
                        self.stack.push(true);
                        self.note_depth();
                        self.eat(b'"')?;
                        self.string()?;
                        self.ws();
                        self.eat(b':')?;
                        continue;
                    }
                }
                b'[' => {
                    self.pos += 1;
                    self.ws();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                    } else {
                        self.stack.push(false);
                        self.note_depth();
                        continue;
                    }
                }
                b'"' => {
                    self.pos += 1;
                    self.string()?;
                }
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                b'n' => self.literal(b"null")?,
                _ => self.number()?,
            }
            // A value ended: close containers until one goes on.
            loop {
                let Some(&object) = self.stack.last() else {
                    return Ok(());
                };
                self.ws();
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        if object {
                            self.ws();
                            self.eat(b'"')?;
                            self.string()?;
                            self.ws();
                            self.eat(b':')?;
                        }
                        break;
                    }
                    Some(b'}') if object => {
                        self.pos += 1;
                        self.stack.pop();
                    }
                    Some(b']') if !object => {
                        self.pos += 1;
                        self.stack.pop();
                    }
                    _ => return Err(GiveUp),
                }
            }
        }
    }

    fn literal(&mut self, word: &[u8]) -> R<()> {
        if self.b.get(self.pos..self.pos + word.len()) == Some(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(GiveUp)
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    fn number(&mut self) -> R<()> {
        let b = self.b;
        let mut p = self.pos;
        let digit = |p: usize| b.get(p).is_some_and(u8::is_ascii_digit);
        if b.get(p) == Some(&b'-') {
            p += 1;
        }
        match b.get(p) {
            Some(b'0') => p += 1,
            Some(b'1'..=b'9') => {
                while digit(p) {
                    p += 1;
                }
            }
            _ => return Err(GiveUp),
        }
        if b.get(p) == Some(&b'.') {
            p += 1;
            if !digit(p) {
                return Err(GiveUp);
            }
            while digit(p) {
                p += 1;
            }
        }
        if let Some(b'e' | b'E') = b.get(p) {
            p += 1;
            if let Some(b'+' | b'-') = b.get(p) {
                p += 1;
            }
            if !digit(p) {
                return Err(GiveUp);
            }
            while digit(p) {
                p += 1;
            }
        }
        self.pos = p;
        Ok(())
    }

    /// The rest of a string whose opening quote is consumed. Control characters are invalid;
    /// escapes are checked, and one that may spell a needle sets `hidden`.
    fn string(&mut self) -> R<Str> {
        let start = self.pos;
        self.pos = skip_plain(self.b, self.pos);
        match self.peek() {
            Some(b'"') => {
                let end = self.pos;
                self.pos += 1;
                Ok(Str {
                    start,
                    end,
                    escaped: false,
                })
            }
            #[cfg(target_arch = "x86_64")]
            Some(b'\\') => self.escaped_string(start),
            _ => self.string_bytes(start, false),
        }
    }

    /// The rest of a string from its first escape (at `self.pos`), 64 bytes at a time: a body
    /// that is JSON inside a JSON string has an escaped quote every few bytes, and a branch
    /// for each one costs more than finding them all at once. Which bytes are escaped comes
    /// from the backslash runs, as in simdjson (`json_escape_scanner.h`).
    #[cfg(target_arch = "x86_64")]
    fn escaped_string(&mut self, start: usize) -> R<Str> {
        const ODD: u64 = 0xAAAA_AAAA_AAAA_AAAA;
        let b = self.b;
        let mut at = self.pos;
        // 1 when the last block ended in a backslash that escapes the next block's first byte.
        let mut carry = 0u64;
        while let Some(block) = b.get(at..at + 64) {
            let m = masks64(block);
            let maybe_escape = m.backslash & !carry;
            let codes_and_odd = ((maybe_escape << 1) | ODD).wrapping_sub(maybe_escape) ^ ODD;
            let escaped = codes_and_odd ^ (m.backslash | carry);
            let next_carry = (codes_and_odd & m.backslash) >> 63;
            let end = (m.quote & !escaped).trailing_zeros();
            let before = 1u64.checked_shl(end).map_or(u64::MAX, |bit| bit - 1);
            if m.control & before != 0 {
                return Err(GiveUp);
            }
            // An escaped quote, the most common escape by far, needs no check.
            let mut codes = escaped & before & !m.quote;
            while codes != 0 {
                let i = at + codes.trailing_zeros() as usize;
                codes &= codes - 1;
                match b.get(i) {
                    Some(b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {}
                    Some(b'\\') => {
                        // `\\u0063` is `\u0063` in the text, which a JSON body decodes.
                        if b.get(i + 1) == Some(&b'u') {
                            if let Some(cp) = hex4(b, i + 2) {
                                self.hidden |= hides(cp);
                            }
                        }
                    }
                    Some(b'u') => {
                        let cp = hex4(b, i + 1).ok_or(GiveUp)?;
                        self.hidden |= hides(cp);
                    }
                    _ => return Err(GiveUp),
                }
            }
            if end < 64 {
                self.pos = at + end as usize + 1;
                return Ok(Str {
                    start,
                    end: at + end as usize,
                    escaped: true,
                });
            }
            carry = next_carry;
            at += 64;
        }
        // Under 64 bytes left: byte by byte, from the escape that reaches into them if any.
        self.pos = at - carry as usize;
        self.string_bytes(start, true)
    }

    /// The rest of a string from `self.pos` (not an escaped byte), a stretch at a time.
    fn string_bytes(&mut self, start: usize, mut escaped: bool) -> R<Str> {
        loop {
            self.pos = skip_plain(self.b, self.pos);
            match self.peek().ok_or(GiveUp)? {
                b'"' => {
                    let end = self.pos;
                    self.pos += 1;
                    return Ok(Str {
                        start,
                        end,
                        escaped,
                    });
                }
                b'\\' => {
                    escaped = true;
                    self.pos += 1;
                    match self.peek().ok_or(GiveUp)? {
                        b'"' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.pos += 1,
                        b'\\' => {
                            self.pos += 1;
                            // `\\u0063` is `\u0063` in the text, which a JSON body decodes.
                            if self.peek() == Some(b'u') {
                                if let Some(cp) = hex4(self.b, self.pos + 1) {
                                    self.hidden |= hides(cp);
                                }
                            }
                        }
                        b'u' => {
                            let cp = hex4(self.b, self.pos + 1).ok_or(GiveUp)?;
                            self.hidden |= hides(cp);
                            self.pos += 5;
                        }
                        _ => return Err(GiveUp),
                    }
                }
                _ => return Err(GiveUp), // a control character
            }
        }
    }

    fn text(&self, s: Str) -> &'a [u8] {
        self.b.get(s.start..s.end).unwrap_or_default()
    }

    /// A string's value, decoded.
    fn str_of(&self, s: Str) -> Option<String> {
        if !s.escaped {
            return std::str::from_utf8(self.text(s)).ok().map(str::to_string);
        }
        let quoted = self.b.get(s.start - 1..s.end + 1)?;
        serde_json::from_slice(quoted).ok()
    }
}

/// Where a 64-byte block holds quotes, backslashes and control characters, a bit per byte.
#[cfg(target_arch = "x86_64")]
struct Masks {
    quote: u64,
    backslash: u64,
    control: u64,
}

#[cfg(target_arch = "x86_64")]
fn masks64(block: &[u8]) -> Masks {
    use std::arch::x86_64::*;
    let mut m = Masks {
        quote: 0,
        backslash: 0,
        control: 0,
    };
    for (k, chunk) in block.chunks_exact(16).take(4).enumerate() {
        // SAFETY: SSE2 is part of every x86_64 CPU, and `chunk` holds the 16 bytes loaded.
        let (q, s, c) = unsafe {
            let v = _mm_loadu_si128(chunk.as_ptr().cast());
            let low = _mm_set1_epi8(0x1f);
            (
                _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8))),
                _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8))),
                _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(v, low), low)),
            )
        };
        let shift = 16 * k as u32;
        // `movemask` fills the low 16 bits only.
        m.quote |= u64::from(q as u16) << shift;
        m.backslash |= u64::from(s as u16) << shift;
        m.control |= u64::from(c as u16) << shift;
    }
    m
}

/// Position of the first `"`, `\` or control character at or after `pos` (or the end), 16
/// bytes at a time: most of a capture's bytes are inside strings (bodies, headers, URLs).
#[cfg(target_arch = "x86_64")]
fn skip_plain(b: &[u8], mut pos: usize) -> usize {
    use std::arch::x86_64::*;
    while let Some(chunk) = b.get(pos..pos + 16) {
        // SAFETY: SSE2 is part of every x86_64 CPU, and `chunk` holds the 16 bytes loaded.
        let hits = unsafe {
            let v = _mm_loadu_si128(chunk.as_ptr().cast());
            let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
            let slash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
            let low = _mm_set1_epi8(0x1f);
            let control = _mm_cmpeq_epi8(_mm_max_epu8(v, low), low);
            _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, slash), control))
        };
        if hits != 0 {
            return pos + hits.trailing_zeros() as usize;
        }
        pos += 16;
    }
    skip_plain_words(b, pos)
}

#[cfg(not(target_arch = "x86_64"))]
fn skip_plain(b: &[u8], pos: usize) -> usize {
    skip_plain_words(b, pos)
}

/// Position of the first byte at or after `pos` that is not JSON whitespace (or the end), 16
/// bytes at a time: pretty-printed captures indent every line.
#[cfg(target_arch = "x86_64")]
fn skip_ws(b: &[u8], mut pos: usize) -> usize {
    use std::arch::x86_64::*;
    while let Some(chunk) = b.get(pos..pos + 16) {
        // SAFETY: as in `skip_plain`.
        let other = unsafe {
            let v = _mm_loadu_si128(chunk.as_ptr().cast());
            let is = |c: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8));
            let ws = _mm_or_si128(
                _mm_or_si128(is(b' '), is(b'\n')),
                _mm_or_si128(is(b'\r'), is(b'\t')),
            );
            !_mm_movemask_epi8(ws) & 0xffff
        };
        if other != 0 {
            return pos + other.trailing_zeros() as usize;
        }
        pos += 16;
    }
    skip_ws_bytes(b, pos)
}

#[cfg(not(target_arch = "x86_64"))]
fn skip_ws(b: &[u8], pos: usize) -> usize {
    skip_ws_bytes(b, pos)
}

fn skip_ws_bytes(b: &[u8], mut pos: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\r' | b'\t') = b.get(pos) {
        pos += 1;
    }
    pos
}

/// [`skip_plain`] eight bytes at a time, for CPUs without SSE2 and for the last bytes.
fn skip_plain_words(b: &[u8], mut pos: usize) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = b.get(pos..pos + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let quote = x ^ (LO * b'"' as u64);
        let slash = x ^ (LO * b'\\' as u64);
        let zero = |v: u64| v.wrapping_sub(LO) & !v & HI;
        let control = x.wrapping_sub(LO * 0x20) & !x & HI;
        let hits = zero(quote) | zero(slash) | control;
        if hits != 0 {
            return pos + (hits.trailing_zeros() / 8) as usize;
        }
        pos += 8;
    }
    while let Some(&c) = b.get(pos) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            break;
        }
        pos += 1;
    }
    pos
}

fn hex4(b: &[u8], at: usize) -> Option<u32> {
    let digits = b.get(at..at + 4)?;
    let text = std::str::from_utf8(digits).ok()?;
    if !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u32::from_str_radix(text, 16).ok()
}

/// Whether an escaped code point may be part of a needle once decoded (a letter, digit, `_`,
/// `-`, the `.` of a JWT's `.eyJ`, or a `%` or `\` that starts another escape), or is a
/// surrogate (which the full reader may reject, dropping fields).
fn hides(cp: u32) -> bool {
    match u8::try_from(cp) {
        Ok(c) if c.is_ascii() => c.is_ascii_alphanumeric() || b"_-.%\\".contains(&c),
        _ => (0xD800..=0xDFFF).contains(&cp),
    }
}

/// Whether the full read may hit a limit on this entry, which it reports (`capture/limit`): a
/// body longer than `max_body_size` (a body's text is at most three times the entry's bytes:
/// decoding escapes and base64 only shrinks it, and a form given only as parameters is
/// percent-encoded, at most three bytes a byte), or headers past `max_headers` or
/// `max_header_size` (counted undecoded, so at least as long as they are).
fn may_hit_a_limit(scan: &Scan, raw: &[u8], limits: &Limits) -> bool {
    if (raw.len() as u64).saturating_mul(3) > limits.max_body_size {
        return true;
    }
    [&scan.req_headers, &scan.resp_headers]
        .iter()
        .any(|headers| {
            let bytes: usize = headers
                .iter()
                .map(|(n, v)| (n.end - n.start) + (v.end - v.start))
                .sum();
            headers.len() > limits.max_headers || bytes as u64 > limits.max_header_size
        })
}

/// Whether a percent escape spells a letter, digit, `_`, `-` or `.` (which the query and form
/// decoders would turn into part of a needle).
fn percent_hides(raw: &[u8]) -> bool {
    memchr::memchr_iter(b'%', raw).any(|i| {
        let hex = |c: Option<&u8>| c.and_then(|c| (*c as char).to_digit(16));
        match (hex(raw.get(i + 1)), hex(raw.get(i + 2))) {
            (Some(h), Some(l)) => {
                let c = (h * 16 + l) as u8;
                c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.'
            }
            _ => false,
        }
    })
}

/// Whether `raw` may hold an LWA code, which secret collection recognises by its shape alone
/// (`AN` and 18 letters, some lower-case) and case-sensitively, so no needle finds it. Looser
/// than that shape (no word boundaries), so a superset.
fn lwa_code_shape(raw: &[u8]) -> bool {
    static AN: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"AN"));
    AN.find_iter(raw).any(|i| {
        raw.get(i + 2..i + 20).is_some_and(|rest| {
            rest.iter().all(u8::is_ascii_alphabetic) && rest.iter().any(u8::is_ascii_lowercase)
        })
    })
}

/// Whether a needle occurs in `raw`, ignoring ASCII case (`lower` is a buffer to reuse).
/// `code` followed by `d` is not one: that is `x-www-form-urlencoded` (or `encoded`,
/// `decoded`), and no name that reconstruction or secret collection looks for (`code`,
/// `authcode`, `auth_code`, `code_verifier`, ...) goes on so.
fn has_needle(needles: &Needles, lower: &[u8]) -> bool {
    if let Some(packed) = &needles.packed {
        return packed.find_iter(lower).any(|m| {
            let coded = m.pattern().as_usize() == 0 && lower.get(m.end()) == Some(&b'd');
            !coded
        });
    }
    let ac = needles.ac.get_or_init(|| {
        #[allow(clippy::expect_used)] // constant patterns: tested, cannot fail at run time
        AhoCorasick::new(NEEDLES).expect("static needles")
    });
    ac.find_iter(lower).any(|m| {
        let coded = m.pattern().as_usize() == 0 && lower.get(m.end()) == Some(&b'd');
        !coded
    })
}

/// What [`lower_into`] saw in a text besides its letters: whether the text is all ASCII
/// (then it needs no UTF-8 check), holds a `%` (else no percent escape can hide a needle) and
/// holds `AN` (else it holds no LWA code). Seen in the same pass, they spare most entries
/// three more passes over their bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Seen {
    ascii: bool,
    percent: bool,
    an: bool,
}

/// What there is to see before the first byte.
#[cfg(any(test, not(target_arch = "x86_64")))]
const NOTHING_SEEN: Seen = Seen {
    ascii: true,
    percent: false,
    an: false,
};

/// `raw` with ASCII letters lower-cased, in `buffer` (which only grows, so that it is not
/// cleared for every entry), in one pass 32 or 16 bytes at a time; and what else it holds.
fn lower_into<'b>(raw: &[u8], buffer: &'b mut Vec<u8>) -> (&'b [u8], Seen) {
    if buffer.len() < raw.len() {
        buffer.resize(raw.len(), 0);
    }
    let out = buffer.get_mut(..raw.len()).unwrap_or_default();
    #[cfg(target_arch = "x86_64")]
    let seen = if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked just above.
        unsafe { lower_avx2(raw, out) }
    } else {
        lower_sse2(raw, out)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let seen = lower_bytes(raw, out, NOTHING_SEEN, false);
    (out, seen)
}

/// [`lower_into`] 32 bytes at a time.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn lower_avx2(raw: &[u8], out: &mut [u8]) -> Seen {
    use std::arch::x86_64::*;
    let mut from = raw.chunks_exact(32);
    let mut to = out.chunks_exact_mut(32);
    let (mut high, mut percent) = (_mm256_setzero_si256(), _mm256_setzero_si256());
    // `A` as a block's last byte, for an `N` starting the next.
    let (mut an, mut a_last) = (0u32, 0u32);
    for (f, t) in (&mut from).zip(&mut to) {
        // SAFETY: `f` and `t` hold the 32 bytes loaded and stored.
        let v = unsafe { _mm256_loadu_si256(f.as_ptr().cast()) };
        let is = |c: u8| _mm256_cmpeq_epi8(v, _mm256_set1_epi8(c as i8));
        high = _mm256_or_si256(high, v);
        percent = _mm256_or_si256(percent, is(b'%'));
        let upper = _mm256_and_si256(
            _mm256_cmpgt_epi8(v, _mm256_set1_epi8(b'A' as i8 - 1)),
            _mm256_cmpgt_epi8(_mm256_set1_epi8(b'Z' as i8 + 1), v),
        );
        let lower = _mm256_or_si256(v, _mm256_and_si256(upper, _mm256_set1_epi8(0x20)));
        // SAFETY: as above.
        unsafe { _mm256_storeu_si256(t.as_mut_ptr().cast(), lower) };
        let a = _mm256_movemask_epi8(is(b'A')) as u32;
        let n = _mm256_movemask_epi8(is(b'N')) as u32;
        an |= ((a << 1) | a_last) & n;
        a_last = a >> 31;
    }
    let seen = Seen {
        ascii: _mm256_movemask_epi8(high) == 0,
        percent: _mm256_movemask_epi8(percent) != 0,
        an: an != 0,
    };
    lower_bytes(from.remainder(), to.into_remainder(), seen, a_last != 0)
}

/// [`lower_into`] 16 bytes at a time, with SSE2 (part of every x86_64 CPU).
#[cfg(target_arch = "x86_64")]
fn lower_sse2(raw: &[u8], out: &mut [u8]) -> Seen {
    use std::arch::x86_64::*;
    let mut from = raw.chunks_exact(16);
    let mut to = out.chunks_exact_mut(16);
    // SAFETY (every block below): SSE2 is part of every x86_64 CPU, and `f` and `t` hold
    // the 16 bytes loaded and stored.
    let (mut high, mut percent) = unsafe { (_mm_setzero_si128(), _mm_setzero_si128()) };
    let (mut an, mut a_last) = (0u32, 0u32);
    for (f, t) in (&mut from).zip(&mut to) {
        unsafe {
            let v = _mm_loadu_si128(f.as_ptr().cast());
            let is = |c: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8));
            high = _mm_or_si128(high, v);
            percent = _mm_or_si128(percent, is(b'%'));
            let upper = _mm_and_si128(
                _mm_cmpgt_epi8(v, _mm_set1_epi8(b'A' as i8 - 1)),
                _mm_cmplt_epi8(v, _mm_set1_epi8(b'Z' as i8 + 1)),
            );
            let lower = _mm_or_si128(v, _mm_and_si128(upper, _mm_set1_epi8(0x20)));
            _mm_storeu_si128(t.as_mut_ptr().cast(), lower);
            let a = _mm_movemask_epi8(is(b'A')) as u32;
            let n = _mm_movemask_epi8(is(b'N')) as u32;
            an |= ((a << 1) | a_last) & n;
            a_last = (a >> 15) & 1;
        }
    }
    // SAFETY: as above.
    let seen = unsafe {
        Seen {
            ascii: _mm_movemask_epi8(high) == 0,
            percent: _mm_movemask_epi8(percent) != 0,
            an: an != 0,
        }
    };
    lower_bytes(from.remainder(), to.into_remainder(), seen, a_last != 0)
}

/// [`lower_into`] a byte at a time (the last bytes; other CPUs), adding to what was `seen`
/// before; `a_before`: the byte before was `A`.
fn lower_bytes(raw: &[u8], out: &mut [u8], mut seen: Seen, mut a_before: bool) -> Seen {
    for (&f, t) in raw.iter().zip(out.iter_mut()) {
        *t = f.to_ascii_lowercase();
        seen.ascii &= f.is_ascii();
        seen.percent |= f == b'%';
        seen.an |= a_before && f == b'N';
        a_before = f == b'A';
    }
    seen
}

fn contains_ci(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// The words whose presence in an entry's raw text means it may matter: what `flow::classify`
/// keys on (authorize and answer parameters, grant types, token paths, the Alexa endpoints,
/// Bearer headers) and what `SecretSet::collect` keys on (secret field names, credential
/// headers other than cookies, LWA token and secret shapes), plus a base64 body's `"encoding"`
/// (its decoded text could hold any of them). ASCII case-insensitive, so a superset of every
/// spelling the decoders accept. (`check` no longer collects secrets, since display masks by
/// the policy; the secret names stay needles, so that an entry holding one is read as fully
/// as before and nothing about it can change.) Cookies are blanked before the search
/// ([`Cursor::unsearched_cookies`]).
const NEEDLES: &[&str] = &[
    "code", // first: see `has_needle`
    "token",
    "client_id",
    "grant_type",
    "authorization",
    "assertion",
    "secret",
    "passw",
    "passphrase",
    // `pwd` only as a whole name, so that every needle has four bytes or more (the SIMD
    // searcher then matches on four-byte fingerprints: twice as fast as on three). A name
    // ends at `=` or `&` (a form or query), `#` (a query), `"` (a HAR string: a parameter
    // name, or a text that ends there) or `\` (an escaped quote in a JSON body); a spelling
    // with escapes is caught by the escape checks.
    "pwd=",
    "pwd&",
    "pwd#",
    "pwd\"",
    "pwd\\",
    "api_key",
    "apikey",
    "api-key",
    // `Ocp-Apim-Subscription-Key`, Azure's API key header.
    "subscription-key",
    // LWA tokens, which the secret shapes and the rules match case-sensitively as `Atza|` and
    // `Atzr|` (`|` may be percent-encoded).
    "atza",
    "atzr",
    "amzn1",
    // A JWT, which secret collection recognises by its shape alone: its payload is `.eyJ`.
    ".eyj",
    "skill-account-linking-consent",
    "alexaapiendpoint",
    "enablement",
    "\"encoding\"",
];

struct Needles {
    /// The SIMD searcher (Teddy), where the CPU has it: several times faster than the automaton.
    packed: Option<aho_corasick::packed::Searcher>,
    /// The automaton, built only where the SIMD searcher is not available.
    ac: OnceLock<AhoCorasick>,
}

fn needles() -> &'static Needles {
    static NEEDLES_SEARCH: OnceLock<Needles> = OnceLock::new();
    NEEDLES_SEARCH.get_or_init(|| Needles {
        // Case-sensitive over lower-cased text rather than `ascii_case_insensitive`, so that
        // the SIMD searcher can be used.
        packed: aho_corasick::packed::Config::new()
            .match_kind(aho_corasick::packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(NEEDLES)
            .build(),
        ac: OnceLock::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name whose value secret collection takes (a parameter, a JSON key, a header other
    /// than the cookies) is a needle, however it is cased and wherever it stands in an entry's
    /// text: an entry holding such a secret is read in full, as it always was.
    #[test]
    fn every_secret_name_is_a_needle() {
        use crate::secret::{SecretKind, SECRET_FIELDS, SECRET_HEADERS, SECRET_SUFFIXES};
        let names = SECRET_FIELDS
            .iter()
            .chain(SECRET_SUFFIXES)
            .chain(SECRET_HEADERS)
            .filter(|(_, kind)| *kind != SecretKind::Cookie)
            .map(|(name, _)| *name);
        let mut checked = 0;
        for name in names {
            let upper = name.to_ascii_uppercase();
            for name in [name, upper.as_str()] {
                for text in [
                    format!(r#""url": "https://a.example/p?a=1&{name}=x""#),
                    format!(r#""url": "https://a.example/p?a=1&{name}""#),
                    format!(r#""url": "https://a.example/p?{name}#f""#),
                    format!(r#""text": "a=1&{name}=x&b=2""#),
                    format!(r#""text": "{{\"{name}\":\"x\"}}""#),
                    format!(r#"{{"name": "{name}", "value": "x"}}"#),
                ] {
                    let mut buffer = Vec::new();
                    let (lower, _) = lower_into(text.as_bytes(), &mut buffer);
                    assert!(has_needle(needles(), lower), "{text}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 300, "only {checked} spellings");
    }

    #[test]
    fn skip_plain_stops_at_quotes_escapes_and_controls() {
        let long = format!("{}\u{7f}é{}\"", "a".repeat(37), "b".repeat(20));
        let want = long.len() - 1;
        assert_eq!(skip_plain(long.as_bytes(), 0), want);
        assert_eq!(skip_plain_words(long.as_bytes(), 0), want);
        for at in 0..40 {
            for stop in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
                let mut text = "x".repeat(40).into_bytes();
                text[at] = stop;
                assert_eq!(skip_plain(&text, 0), at, "{stop} at {at}");
                assert_eq!(skip_plain_words(&text, 0), at, "{stop} at {at}");
            }
        }
        for (text, want) in [
            ("abcdefghijklmnop\"", 16),
            ("abc\\\"", 3),
            ("abcdefghij\tk", 10),
            ("héllo wörld, long enough\"", 26),
            ("short", 5),
        ] {
            assert_eq!(skip_plain(text.as_bytes(), 0), want, "{text}");
        }
    }

    /// Strings read 64 bytes at a time from their first escape end where the byte-wise reading
    /// ends, with the same escape flag and the same verdict on hidden needles and invalid text.
    #[test]
    fn strings_read_alike_in_blocks_and_byte_by_byte() {
        let alphabet: &[&[u8]] = &[
            b"a",
            b"Z",
            b"\"",
            b"\\",
            b"u",
            b"0",
            b"6",
            b"3",
            b"f",
            b"/",
            b"n",
            b"t",
            b"x",
            b" ",
            b"\x01",
            b"\xc3\xa9",
            b"\\\"",
            b"\\u0063",
            b"\\u0026",
            b"\\\\u0063",
            b"\\\\",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let (mut ended, mut hidden, mut failed) = (0, 0, 0);
        for _ in 0..20_000 {
            let len = (next() % 300) as usize;
            let mut text = Vec::new();
            // Mostly plain bytes and escaped quotes, like a JSON body in a HAR string.
            while text.len() < len {
                let r = next();
                let piece: &[u8] = if r % 4 == 0 {
                    alphabet[(r >> 8) as usize % alphabet.len()]
                } else if r % 4 == 1 {
                    b"\\\""
                } else {
                    b"abcdefgh".get(..(r >> 8) as usize % 8).unwrap_or(b"")
                };
                text.extend_from_slice(piece);
            }
            text.extend_from_slice(b"\", \"more\"}");
            for pad in [0usize, 70] {
                let mut b = text.clone();
                b.extend(std::iter::repeat_n(b' ', pad));
                let mut blocks = Cursor::new(&b, 0);
                let mut bytes = Cursor::new(&b, 0);
                let one = blocks
                    .string()
                    .ok()
                    .map(|s| (s.start, s.end, s.escaped, blocks.pos));
                let two = bytes
                    .string_bytes(0, false)
                    .ok()
                    .map(|s| (s.start, s.end, s.escaped, bytes.pos));
                assert_eq!(one, two, "{:?}", String::from_utf8_lossy(&b));
                // After a failure the skim gives up: what it saw before does not matter.
                if one.is_some() {
                    assert_eq!(
                        blocks.hidden,
                        bytes.hidden,
                        "{:?}",
                        String::from_utf8_lossy(&b)
                    );
                }
                match one {
                    Some(_) => ended += 1,
                    None => failed += 1,
                }
                hidden += usize::from(blocks.hidden);
            }
        }
        assert!(
            ended > 5_000 && failed > 5_000 && hidden > 1_000,
            "{ended} {failed} {hidden}"
        );
    }

    #[test]
    fn lower_into_lowers_ascii_letters_only() {
        let all: Vec<u8> = (0..=255u8)
            .chain(b"Client_ID AUTHORIZATION".iter().copied())
            .collect();
        let mut buffer = Vec::new();
        let (out, seen) = lower_into(&all, &mut buffer);
        assert!(!seen.ascii, "bytes over 127 are not ASCII");
        assert_eq!(out, all.to_ascii_lowercase());
        // A shorter text after a longer one: only its own bytes.
        let (out, seen) = lower_into(b"ABC", &mut buffer);
        assert_eq!((out, seen.ascii), (&b"abc"[..], true));
    }

    /// Every way of lowering (32 and 16 bytes at a time, byte by byte) gives the same text and
    /// sees the same: a byte over 127, a `%`, an `A` then `N`, at every offset, across the
    /// blocks' edges.
    #[test]
    fn lowering_sees_non_ascii_percent_and_an_anywhere() {
        type Lowering = fn(&[u8], &mut [u8]) -> Seen;
        let lowerings: Vec<Lowering> = vec![
            |raw, out| lower_bytes(raw, out, NOTHING_SEEN, false),
            #[cfg(target_arch = "x86_64")]
            lower_sse2,
            #[cfg(target_arch = "x86_64")]
            |raw, out| {
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU has AVX2.
                    unsafe { lower_avx2(raw, out) }
                } else {
                    lower_sse2(raw, out)
                }
            },
        ];
        let mut texts: Vec<Vec<u8>> = Vec::new();
        for at in 0..70 {
            for mark in [&b"\xc3"[..], b"%", b"AN", b"A", b"N", b"NA", b"aN", b"An"] {
                let mut text = b"xY".repeat(36);
                let end = (at + mark.len()).min(text.len());
                text[at..end].copy_from_slice(&mark[..end - at]);
                texts.push(text.clone());
                texts.push(text[..at.max(1)].to_vec());
            }
        }
        let mut hits = NOTHING_SEEN;
        for text in &texts {
            let want = Seen {
                ascii: text.is_ascii(),
                percent: text.contains(&b'%'),
                an: text.windows(2).any(|w| w == b"AN"),
            };
            hits.percent |= want.percent;
            hits.an |= want.an;
            for lower in &lowerings {
                let mut out = vec![0; text.len()];
                assert_eq!(
                    lower(text, &mut out),
                    want,
                    "{:?}",
                    String::from_utf8_lossy(text)
                );
                assert_eq!(out, text.to_ascii_lowercase());
            }
        }
        assert!(hits.percent && hits.an);
    }

    #[test]
    fn skip_ws_stops_at_the_first_other_byte() {
        for at in 0..40 {
            for other in [b'"', b'{', b'x', 0x0b, 0x0c, 0xa0] {
                let mut text = b" \n\r\t".repeat(10);
                text[at] = other;
                assert_eq!(skip_ws(&text, 0), at, "{other} at {at}");
                assert_eq!(skip_ws_bytes(&text, 0), at);
            }
        }
        assert_eq!(skip_ws(b"   ", 0), 3);
    }

    #[test]
    fn escapes_that_spell_letters_hide_needles() {
        assert!(hides(0x63)); // c
        assert!(hides(0x5f)); // _
        assert!(hides(0x5c)); // \ (a second level of escapes)
        assert!(hides(0xd83d)); // a surrogate
        assert!(!hides(0x26) && !hides(0x3d) && !hides(0x2f)); // & = /
        assert!(!hides(0xe9)); // é
        assert!(percent_hides(b"x=%63ode"));
        assert!(percent_hides(b"client%5Fid"));
        assert!(!percent_hides(b"https%3A%2F%2Fa.example%2F"));
        assert!(!percent_hides(b"100%"));
    }

    #[test]
    fn numbers_follow_the_json_grammar() {
        for ok in ["0", "-0", "12", "1.5", "1e9", "-2.5E-3"] {
            let mut c = Cursor::new(ok.as_bytes(), 0);
            assert!(c.number().is_ok() && c.pos == ok.len(), "{ok}");
        }
        for bad in ["-", "1.", ".5", "1e", "+1"] {
            let mut c = Cursor::new(bad.as_bytes(), 0);
            assert!(c.number().is_err() || c.pos != bad.len(), "{bad}");
        }
    }

    /// A capture of `copies` rounds of every entry of a few fixtures (flows, cookies, plain
    /// traffic), pretty-printed as Chrome does or compact.
    fn long_capture(copies: usize, pretty: bool) -> Source {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut entries = Vec::new();
        for name in [
            "samples/wrong-profile.har",
            "good/alexa-app-firefox.har",
            "oauth/code-reused/fires-activation-retry-chrome.har",
        ] {
            let text = std::fs::read_to_string(root.join(name)).unwrap();
            let har: serde_json::Value = serde_json::from_str(&text).unwrap();
            entries.extend(har["log"]["entries"].as_array().unwrap().iter().cloned());
        }
        let mut all = Vec::new();
        for i in 0..copies {
            all.extend(entries.iter().cloned());
            // An entry whose nested value holds what looks like the start of an entry.
            all.push(serde_json::json!({
                "startedDateTime": format!("2024-03-14T11:40:{:02}.000Z", i % 60),
                "_nested": [{"startedDateTime": "x"}, {"startedDateTime": "y"}],
                "request": {"method": "GET", "url": format!("https://shop.example/{i}"),
                    "headers": [{"name": "Cookie", "value": format!("sid=visit-{i:06}")}]},
                "response": {"status": 200, "headers": [], "content": {"text": "ok"}}
            }));
        }
        let har = serde_json::json!({"log": {"version": "1.2", "entries": all}});
        let text = if pretty {
            serde_json::to_string_pretty(&har).unwrap()
        } else {
            serde_json::to_string(&har).unwrap()
        };
        Source::from(text.into_bytes())
    }

    fn seen(skimmed: Option<Vec<Exchange>>) -> String {
        format!("{:#?}", skimmed.expect("skimmed"))
    }

    #[test]
    fn pieces_read_what_one_pass_reads() {
        for pretty in [true, false] {
            let source = long_capture(12, pretty);
            let one = seen(skim_in_pieces(
                &source,
                1,
                MIN_PIECE,
                TAIL_PIECE,
                &Limits::default(),
            ));
            assert!(one.contains("index: 100,"), "a long capture");
            for threads in [2, 3, 5] {
                let bytes: &[u8] = &source;
                let list = bytes.iter().position(|&c| c == b'[').unwrap() + 1;
                let cuts = guess_cuts(bytes, list, threads, 1);
                assert!(
                    !cuts.is_empty(),
                    "the entry opening is found (pretty: {pretty})"
                );
                let split = seen(skim_in_pieces(&source, threads, 0, 1, &Limits::default()));
                assert_eq!(split, one, "entries, {threads} pieces, pretty: {pretty}");
            }
        }
    }

    /// Cuts that are not entry starts (inside a nested list, inside a string, at the end) are
    /// thrown away, never read as entries.
    #[test]
    fn wrong_guesses_are_thrown_away() {
        let source = long_capture(3, false);
        let bytes: &[u8] = &source;
        let list = bytes.iter().position(|&c| c == b'[').unwrap() + 1;
        let nested = memchr::memmem::find(bytes, br#"{"startedDateTime":"y"}"#).unwrap();
        let in_string = memchr::memmem::find(bytes, b"visit-000001").unwrap();
        let one = skim_from(&source, list, &[], &Limits::default()).unwrap();
        for cuts in [vec![nested], vec![in_string], vec![nested, bytes.len() - 3]] {
            let split = skim_from(&source, list, &cuts, &Limits::default()).unwrap();
            assert_eq!(
                format!("{:#?}", split.exchanges),
                format!("{:#?}", one.exchanges)
            );
        }
        // A wrong guess before a right one: the first piece runs past it to the right one.
        let real = guess_cuts(bytes, list, 2, bytes.len() / 2);
        assert_eq!(real.len(), 1);
        for wrong in [nested, in_string] {
            let cuts = [wrong.min(real[0] - 1), real[0]];
            let split = skim_from(&source, list, &cuts, &Limits::default()).unwrap();
            assert_eq!(
                format!("{:#?}", split.exchanges),
                format!("{:#?}", one.exchanges)
            );
        }
    }

    /// The pieces used are those one pass runs into: a piece that a piece before it ran past
    /// is dropped, even when it failed.
    #[test]
    fn chain_follows_where_each_piece_stopped() {
        let starts = [10, 20, 30, 40];
        let parts = || -> Vec<R<(&str, Ended)>> {
            vec![
                Ok(("a", Ended::Stopped(30))),
                Err(GiveUp),
                Ok(("c", Ended::Stopped(40))),
                Ok(("d", Ended::Closed)),
            ]
        };
        assert_eq!(chain(&starts, parts()).unwrap(), ["a", "c", "d"]);
        let mut closed_early = parts();
        closed_early[2] = Ok(("c", Ended::Closed));
        assert_eq!(chain(&starts, closed_early).unwrap(), ["a", "c"]);
        let mut into_failed = parts();
        into_failed[0] = Ok(("a", Ended::Stopped(20)));
        assert!(chain(&starts, into_failed).is_err());
        let mut nowhere = parts();
        nowhere[0] = Ok(("a", Ended::Stopped(25)));
        assert!(chain(&starts, nowhere).is_err());
    }

    #[test]
    fn invalid_json_gives_up() {
        for bad in [
            r#"{"log":{"entries":[{"a":1,}]}}"#,
            r#"{"log":{"entries":[{"a":01}]}}"#,
            r#"{"log":{"entries":[{"a":"\x"}]}}"#,
            "{\"log\":{\"entries\":[{\"a\":\"tab\there\"}]}}",
            r#"{"log":{"entries":[{"a":tru}]}}"#,
            r#"{"log":{"entries":[{"a":1}"#,
        ] {
            let source = Source::from(bad.as_bytes());
            assert!(skim(&source, &Limits::default()).is_none(), "{bad}");
        }
    }
}
