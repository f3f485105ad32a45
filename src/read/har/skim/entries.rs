//! The document down to `log.entries`, and each entry: what decides between a stub and a full
//! read.

use std::ops::Range;

use super::super::{exchange, parse_time};
use super::needles::{
    contains_ci, has_needle, lwa_code_shape, may_hit_a_limit, needles, percent_hides, ANSWER_IN_URL,
};
use super::pieces::Ended;
use super::simd::{lower_into, Seen};
use super::{Cursor, GiveUp, Keep, Scan, Skimmed, Str, R, RELEASE_EVERY};
use crate::limits::Limits;
use crate::model::{Exchange, Request, RequestSlot, Response, Source, Stamp};

impl Cursor<'_> {
    // -----------------------------------------------------------------------------------------
    // The document down to `log.entries`.

    /// Walks to the first element of `log.entries`; false when `entries` is `null` (no entries,
    /// and nothing after it matters). Gives up on any other shape: the full reader then says
    /// what is wrong.
    pub(super) fn find_entries(&mut self) -> R<bool> {
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

    pub(super) fn find_entries_in_log(&mut self) -> R<bool> {
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
    pub(super) fn entries(
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
                out.pass(source, released..start);
                return Ok(Ended::Stopped(start));
            }
            if start - released >= RELEASE_EVERY {
                out.pass(source, released..start);
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
                    let mut ex = exchange(index, span, raw);
                    if out.keep == Keep::Read {
                        super::unread::drop_unread_body(&mut ex, limits);
                        super::unread::drop_unread_headers(&mut ex, limits);
                    }
                    out.exchanges.push(ex);
                }
            }
        }
        out.pass(source, released..self.pos);
        Ok(Ended::Closed)
    }

    /// Blanks the cookies of an entry (`Cookie` and `Set-Cookie` values, `cookies` lists) in
    /// its lower-cased text `lower`, which starts at `start`, before the needle search.
    /// Reconstruction never reads a cookie (it only counts those listed without their header),
    /// so a needle inside one (`csrftoken`, a session id that happens to hold `code`) is no
    /// reason to read the entry in full, and a logged-in browser sends its cookies with every
    /// request. Masking does not depend on it: whatever is shown is masked by the policy.
    pub(super) fn unsearched_cookies(&self, scan: &Scan, start: usize, lower: &mut [u8]) {
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
    pub(super) fn stub(
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
        if has(scan.url, ANSWER_IN_URL) || has(scan.redirect, ANSWER_IN_URL) {
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
        if scan.resp_headers.iter().any(|(n, v)| {
            self.text(*n).eq_ignore_ascii_case(b"location") && has(Some(*v), ANSWER_IN_URL)
        }) {
            return None;
        }
        // Cookies listed apart from a missing header are a note for reconstruction: the stub
        // keeps their number, as the full read does (and nothing else of the entry).
        // The empty request costs no allocation (most stubs).
        let mut request = RequestSlot::default();
        if scan.req_cookies > 0 && !named(&scan.req_headers, "cookie")? {
            request = Request {
                listed_cookies: scan.req_cookies,
                ..Request::default()
            }
            .into();
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
        // The text as it stands, kept inline (one with escapes made the entry odd already).
        let started_raw: Option<Stamp> = match scan.started {
            Some(s) if !s.escaped => Some(std::str::from_utf8(self.text(s)).ok()?.into()),
            Some(_) => return None,
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
    pub(super) fn entry(&mut self, scan: &mut Scan) -> R<()> {
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

    pub(super) fn request(&mut self, scan: &mut Scan) -> R<()> {
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

    pub(super) fn response(&mut self, scan: &mut Scan) -> R<()> {
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
    pub(super) fn headers(&mut self, scan: &mut Scan, out: &mut Vec<(Str, Str)>) -> R<()> {
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
    pub(super) fn plain_string(&mut self, scan: &mut Scan) -> R<Option<Str>> {
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
    pub(super) fn scalar(&mut self, scan: &mut Scan) -> R<Option<Str>> {
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
    pub(super) fn null(&mut self, scan: &mut Scan) -> R<()> {
        if self.peek() == Some(b'n') {
            return self.literal(b"null");
        }
        scan.odd = true;
        self.skip_value()
    }

    pub(super) fn status(&mut self) -> R<Result<u64, ()>> {
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
    pub(super) fn count(&mut self) -> R<usize> {
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
}
