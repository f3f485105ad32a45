//! The document down to `log.entries`, and each entry: what decides between a stub and a full
//! read.

use std::ops::Range;

use super::super::{exchange, parse_time};
use super::cursor::unescaped;
use super::needles::{
    contains_ci, has_needle, lwa_code_shape, may_hit_a_limit, needles, percent_hides, ANSWER_IN_URL,
};
use super::pieces::Ended;
use super::unread::{self, REQUEST_HEADERS_READ, RESPONSE_HEADERS_READ};
use super::{BodyScan, Cursor, GiveUp, Keep, Scan, Skimmed, Str, R, RELEASE_EVERY};
use crate::limits::Limits;
use crate::model::{
    header_name_of, Body, Exchange, Header, Request, RequestSlot, Response, Source, Stamp,
};
use crate::wire::simd::{lower_into, Seen};

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
        let mut noted = Noted::Nothing;
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
                let plain = if has_needle(needles, lower) {
                    None
                } else {
                    let noted = (out.keep == Keep::Read).then_some(&mut noted);
                    self.stub(&scan, raw, seen, index, span.clone(), limits, noted)
                };
                match plain {
                    None if out.keep == Keep::Read => {
                        self.kept(&scan, raw, lower, index, span.clone(), limits)
                    }
                    plain => plain,
                }
            };
            let ex = match skimmed {
                Some(ex) => ex,
                None => {
                    let raw = std::str::from_utf8(raw).map_err(|_| GiveUp)?;
                    let mut ex = exchange(index, span, raw);
                    if out.keep == Keep::Read {
                        super::unread::drop_unread_body(&mut ex, limits);
                        super::unread::drop_unread_headers(&mut ex, limits);
                    }
                    ex
                }
            };
            if out.keep == Keep::Read && notes_stripped_cookies(&ex) {
                noted.seen(ex.started);
            }
            out.exchanges.push(ex);
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

    /// The entry as a stub; `None` when it may matter and must be read in full. With
    /// `noted` (for `check`), cookies listed without their header are not kept where an
    /// entry before it already makes reconstruction note them ([`Noted`]).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn stub(
        &self,
        scan: &Scan,
        raw: &[u8],
        seen: Seen,
        index: usize,
        span: Range<usize>,
        limits: &Limits,
        noted: Option<&mut Noted>,
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
        // The text as it stands, kept inline (one with escapes made the entry odd already).
        let started_raw: Option<Stamp> = match scan.started {
            Some(s) if !s.escaped => Some(std::str::from_utf8(self.text(s)).ok()?.into()),
            Some(_) => return None,
            None => None,
        };
        let started = started_raw.as_deref().and_then(parse_time);
        // Cookies listed apart from a missing header are a note for reconstruction: the stub
        // keeps their number, as the full read does (and nothing else of the entry), unless
        // an entry before it in this piece makes the same note first.
        // The empty request costs no allocation (most stubs).
        let mut request = RequestSlot::default();
        let req_noted = scan.req_cookies > 0 && !named(&scan.req_headers, "cookie")?;
        let resp_noted =
            scan.response && scan.resp_cookies > 0 && !named(&scan.resp_headers, "set-cookie")?;
        let quiet = match noted {
            Some(n) if (req_noted || resp_noted) && n.before(started) => {
                // Without a time it still tells that reconstruction goes by position.
                if started.is_none() {
                    *n = Noted::Untimed;
                }
                true
            }
            _ => false,
        };
        if quiet {
            return Some(Exchange {
                index,
                span,
                started,
                started_raw,
                request,
                response: None,
                error: None,
            });
        }
        if req_noted {
            request = Request {
                listed_cookies: scan.req_cookies,
                ..Request::default()
            }
            .into();
        }
        let mut response = None;
        if resp_noted {
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
        Some(Exchange {
            index,
            span,
            started,
            started_raw,
            request,
            response,
            error: None,
        })
    }

    /// The entry as `check` keeps it after reading it in full (`unread.rs`: the headers
    /// something reads by name, no answer's body nothing reads), built from what the tokenizer
    /// saw instead of the full read; `None` when only the full read can tell. A logged-in
    /// capture's Bearer calls (a tenth of its entries) and an OAuth log's authorize requests
    /// and token exchanges (two fifths of oauth-dense's), read in full for their needles, cost
    /// four to seven times a skimmed entry that way. Every field is what the strict full read
    /// gives: the entry is neither odd nor hidden (no repeated key, every header `{name,
    /// value}` strings, no escape that could spell a letter), `method`, `url` and
    /// `redirectURL` are strings or absent (a number or boolean made it odd), the bodies are
    /// written as [`BodyScan`] says (else this declines), and strings with escapes are decoded
    /// by serde_json as the full read decodes them. The answer's body is then dropped or kept
    /// by the full read's own rule ([`unread::drop_unread_body`]).
    pub(super) fn kept(
        &self,
        scan: &Scan,
        raw: &[u8],
        lower: &[u8],
        index: usize,
        span: Range<usize>,
        limits: &Limits,
    ) -> Option<Exchange> {
        // Over a limit, `limits::apply` cuts and reports the full read's headers and body.
        if may_hit_a_limit(scan, raw, limits) {
            return None;
        }
        let method = self.owned(scan.method?)?;
        let url = self.owned(scan.url?)?;
        // Without either, the full read keeps every request header (`drop_unread_headers`).
        if method.is_empty() && url.is_empty() {
            return None;
        }
        let body = match scan.post_data {
            Some(post) => self.post_body(post)?,
            None => None,
        };
        let status = match scan.status {
            None => None,
            Some(Ok(s)) => u16::try_from(s).ok().filter(|&s| s != 0),
            Some(Err(())) => return None,
        };
        let response = match status {
            // What the full read keeps of a response without a status: nothing.
            None => None,
            Some(status) => {
                // The common case needs no body built only to be dropped.
                let dropped = unread::body_unread(&method, &url) && !unread::may_keep_a_body(lower);
                let body = match scan.content {
                    Some(content) if !dropped => self.content_body(content)?,
                    _ => None,
                };
                let redirect_url = match scan.redirect {
                    Some(s) => Some(self.owned(s)?).filter(|s| !s.is_empty()),
                    None => None,
                };
                Some(Box::new(Response {
                    status,
                    headers: self.headers_read(&scan.resp_headers, &RESPONSE_HEADERS_READ)?,
                    listed_cookies: scan.resp_cookies,
                    body,
                    redirect_url,
                }))
            }
        };
        let request = Request {
            method,
            url,
            headers: self.headers_read(&scan.req_headers, &REQUEST_HEADERS_READ)?,
            listed_cookies: scan.req_cookies,
            body,
        };
        let started_raw: Option<Stamp> = match scan.started {
            Some(s) => Some(std::str::from_utf8(self.text(s)).ok()?.into()),
            None => None,
        };
        let mut ex = Exchange {
            index,
            span,
            started: started_raw.as_deref().and_then(parse_time),
            started_raw,
            request: request.into(),
            response,
            error: None,
        };
        unread::drop_unread_body(&mut ex, limits);
        Some(ex)
    }

    /// The request body as the full read gives it (`HarPostData::into_body`): with no
    /// parameters and no `encoding`, the text as written, none when it is empty.
    fn post_body(&self, post: BodyScan) -> Option<Option<Box<Body>>> {
        if post.unusual {
            return None;
        }
        let text = match post.text {
            Some(s) => self.owned(s)?,
            None => String::new(),
        };
        if text.is_empty() {
            return Some(None);
        }
        Some(Some(Box::new(Body {
            mime_type: self.non_empty(post.mime_type)?,
            text,
            params: Vec::new(),
        })))
    }

    /// The answer's body as the full read gives it (`HarContent::into_body`): with no
    /// `encoding`, the text as written; none without a text, or with an empty one that
    /// `size` says was longer.
    fn content_body(&self, content: BodyScan) -> Option<Option<Box<Body>>> {
        if content.unusual {
            return None;
        }
        let Some(text) = content.text else {
            return Some(None);
        };
        let text = self.owned(text)?;
        if text.is_empty() && content.size.is_some_and(|s| s > 0) {
            return Some(None);
        }
        Some(Some(Box::new(Body {
            mime_type: self.non_empty(content.mime_type)?,
            text,
            params: Vec::new(),
        })))
    }

    /// A string field that the full read keeps only when not empty (`entry::non_empty`);
    /// `None` where decoding it would fail.
    fn non_empty(&self, s: Option<Str>) -> Option<Option<String>> {
        match s {
            Some(s) => Some(Some(self.owned(s)?).filter(|s| !s.is_empty())),
            None => Some(None),
        }
    }

    /// The headers of `list` named in `read`, in order, repeats included, decoded.
    fn headers_read(&self, list: &[(Str, Str)], read: &[&str]) -> Option<Vec<Header>> {
        let is_read = |n: &Str| {
            let name = self.text(*n);
            read.iter().any(|r| name.eq_ignore_ascii_case(r.as_bytes()))
        };
        // Counted first: the list is made at its size, neither grown nor shrunk.
        let mut out = Vec::with_capacity(list.iter().filter(|(n, _)| is_read(n)).count());
        for (n, v) in list.iter().filter(|(n, _)| is_read(n)) {
            out.push(Header {
                name: header_name_of(std::str::from_utf8(self.text(*n)).ok()?),
                value: self.owned(*v)?,
            });
        }
        Some(out)
    }

    /// A string's value, decoded as serde_json decodes it (`None` where it would fail).
    fn owned(&self, s: Str) -> Option<String> {
        if !s.escaped {
            return std::str::from_utf8(self.text(s)).ok().map(str::to_string);
        }
        if let Some(plain) = unescaped(self.text(s)) {
            return Some(plain);
        }
        let quoted = self.b.get(s.start.checked_sub(1)?..s.end.checked_add(1)?)?;
        serde_json::from_slice(quoted).ok()
    }

    /// One entry object: tracks what [`Cursor::stub`] needs.
    pub(super) fn entry(&mut self, scan: &mut Scan) -> R<()> {
        let odd = self.fields::<4>(|c, key| {
            Ok(Some(match key {
                b"startedDateTime" => {
                    scan.started = c.plain_string(scan)?;
                    0
                }
                b"request" => {
                    c.request(scan)?;
                    1
                }
                b"response" => {
                    c.response(scan)?;
                    2
                }
                b"_error" => {
                    c.null(scan)?;
                    3
                }
                _ => return Ok(None),
            }))
        })?;
        scan.odd |= odd;
        Ok(())
    }

    /// Walks the object whose `{` is next: `field` reads the value of each key it knows and
    /// gives its slot among `N` (`None`: a key it does not know, whose value is skipped).
    /// True when a key is escaped (its value skipped) or a known one comes twice: the full
    /// read, which takes the last, is then the one to trust.
    fn fields<const N: usize>(
        &mut self,
        mut field: impl FnMut(&mut Self, &[u8]) -> R<Option<usize>>,
    ) -> R<bool> {
        let mut seen = [false; N];
        let mut odd = false;
        let mut first = true;
        self.eat(b'{')?;
        while let Some(key) = self.key(&mut first)? {
            if key.escaped {
                odd = true;
                self.skip_value()?;
                continue;
            }
            let text = self.text(key);
            match field(self, text)? {
                Some(i) => {
                    if let Some(seen) = seen.get_mut(i) {
                        odd |= std::mem::replace(seen, true);
                    }
                }
                None => self.skip_value()?,
            }
        }
        Ok(odd)
    }

    pub(super) fn request(&mut self, scan: &mut Scan) -> R<()> {
        if self.peek() != Some(b'{') {
            return self.skip_value();
        }
        let odd = self.fields::<5>(|c, key| {
            Ok(Some(match key {
                b"method" => {
                    scan.method = c.scalar(scan)?;
                    0
                }
                b"url" => {
                    scan.url = c.scalar(scan)?;
                    1
                }
                b"headers" => {
                    let mut headers = std::mem::take(&mut scan.req_headers);
                    c.headers(scan, &mut headers)?;
                    scan.req_headers = headers;
                    2
                }
                b"cookies" => {
                    let at = c.pos;
                    scan.req_cookies = c.count()?;
                    scan.cookie_lists.push(at..c.pos);
                    3
                }
                b"postData" => {
                    scan.post_data = Some(c.body()?);
                    4
                }
                _ => return Ok(None),
            }))
        })?;
        scan.odd |= odd;
        Ok(())
    }

    pub(super) fn response(&mut self, scan: &mut Scan) -> R<()> {
        if self.peek() != Some(b'{') {
            return self.skip_value();
        }
        scan.response = true;
        let odd = self.fields::<6>(|c, key| {
            Ok(Some(match key {
                b"status" => {
                    scan.status = Some(c.status()?);
                    0
                }
                b"headers" => {
                    let mut headers = std::mem::take(&mut scan.resp_headers);
                    c.headers(scan, &mut headers)?;
                    scan.resp_headers = headers;
                    1
                }
                b"cookies" => {
                    let at = c.pos;
                    scan.resp_cookies = c.count()?;
                    scan.cookie_lists.push(at..c.pos);
                    2
                }
                b"redirectURL" => {
                    scan.redirect = c.scalar(scan)?;
                    3
                }
                b"_error" => {
                    c.null(scan)?;
                    4
                }
                b"content" => {
                    scan.content = Some(c.body()?);
                    5
                }
                _ => return Ok(None),
            }))
        })?;
        scan.odd |= odd;
        Ok(())
    }

    /// A `postData` or `content` value: what [`Cursor::kept`] builds a body from (see
    /// [`BodyScan`]). Its shape never makes the entry odd: a stub reads no body.
    pub(super) fn body(&mut self) -> R<BodyScan> {
        let mut out = BodyScan::default();
        match self.peek() {
            Some(b'{') => {}
            Some(b'n') => {
                self.literal(b"null")?;
                return Ok(out);
            }
            _ => {
                out.unusual = true;
                self.skip_value()?;
                return Ok(out);
            }
        }
        let unusual = self.fields::<5>(|c, key| {
            Ok(Some(match key {
                b"mimeType" => {
                    out.mime_type = c.string_or_null(&mut out.unusual)?;
                    0
                }
                b"text" => {
                    out.text = c.string_or_null(&mut out.unusual)?;
                    1
                }
                b"encoding" => {
                    out.unusual |= c.string_or_null(&mut out.unusual)?.is_some();
                    2
                }
                b"size" => {
                    if c.peek() == Some(b'n') {
                        c.literal(b"null")?;
                    } else {
                        match c.status()? {
                            Ok(size) => out.size = Some(size),
                            Err(()) => out.unusual = true,
                        }
                    }
                    3
                }
                // Elements would be decoded, or not, as `params_are_encoded` decides; any
                // other value reads as no parameters.
                b"params" => {
                    out.unusual |= c.count()? > 0;
                    4
                }
                _ => return Ok(None),
            }))
        })?;
        out.unusual |= unusual;
        Ok(out)
    }

    /// A string (returned) or `null`; anything else sets `unusual`.
    fn string_or_null(&mut self, unusual: &mut bool) -> R<Option<Str>> {
        match self.peek() {
            Some(b'"') => {
                self.pos += 1;
                self.string().map(Some)
            }
            Some(b'n') => self.literal(b"null").map(|()| None),
            _ => {
                *unusual = true;
                self.skip_value().map(|()| None)
            }
        }
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

    /// A string (returned) or null; anything else makes the entry odd: the full reader
    /// fails on a list or object, and reads a number or boolean as its text, which
    /// [`Cursor::kept`] does not rebuild.
    pub(super) fn scalar(&mut self, scan: &mut Scan) -> R<Option<Str>> {
        self.string_or_null(&mut scan.odd)
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

/// Whether reconstruction notes `ex` for cookies listed without the header that carries them
/// (`flow::classify`, `note_stripped_cookies`: the same test).
fn notes_stripped_cookies(ex: &Exchange) -> bool {
    let r = &ex.request;
    (r.listed_cookies > 0 && r.header("cookie").is_none())
        || ex
            .response
            .as_ref()
            .is_some_and(|p| p.listed_cookies > 0 && p.header("set-cookie").is_none())
}

/// The entries of a piece so far that make reconstruction note cookies listed without their
/// header (a capture whose exporter writes only the `cookies` lists: every entry).
/// Reconstruction keeps only the first such note, in the order it takes the entries: by start
/// time and then position when every entry has a start time, else by position. A stub that
/// comes after a noted entry in both orders (later in the piece, and started no earlier, or
/// either without a time) can never be that first one, so it is kept inert: no request of its
/// own, nothing for reconstruction to look at (the finding and every output are the same;
/// `tests/skim.rs`).
#[derive(Clone, Copy)]
pub(super) enum Noted {
    Nothing,
    /// One of them has no start time (so reconstruction takes the entries by position).
    Untimed,
    /// The earliest start among them.
    Earliest(time::OffsetDateTime),
}

impl Noted {
    /// Whether an entry later in the piece that started at `started` comes after one noted.
    pub(super) fn before(&self, started: Option<time::OffsetDateTime>) -> bool {
        match (*self, started) {
            (Noted::Nothing, _) => false,
            (Noted::Untimed, _) | (Noted::Earliest(_), None) => true,
            (Noted::Earliest(first), Some(t)) => first <= t,
        }
    }

    /// Takes in a noted entry (later in the piece than those before).
    pub(super) fn seen(&mut self, started: Option<time::OffsetDateTime>) {
        *self = match (*self, started) {
            (Noted::Untimed, _) | (_, None) => Noted::Untimed,
            (Noted::Nothing, Some(t)) => Noted::Earliest(t),
            (Noted::Earliest(first), Some(t)) => Noted::Earliest(first.min(t)),
        };
    }
}
