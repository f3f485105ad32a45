//! The format-neutral capture: what every reader produces and every later stage reads.

use std::borrow::Cow;
use std::fmt;
use std::ops::{Deref, DerefMut, Range};
use std::sync::{Arc, OnceLock};

use time::OffsetDateTime;

#[cfg(feature = "cli")]
mod mmap;
mod newlines;

pub use newlines::{Counter as NewlineCounter, Newlines, BLOCK as NEWLINE_BLOCK};

/// Which reader produced a capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// HAR 1.2 from browsers, Charles, mitmproxy (`hardump`), Insomnia, ...
    Har,
    /// Charles session JSON (`.chlsj`).
    Charles,
    /// Fiddler session archive (`.saz`).
    Saz,
    /// Burp Suite "Save items" XML.
    Burp,
    /// Raw HTTP/1.1 messages, requests and responses in sequence.
    RawHttp,
    /// mitmproxy's own dump (`mitmdump -w`): typed-netstring flows.
    Mitmproxy,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Har => "har",
            Format::Charles => "chlsj",
            Format::Saz => "saz",
            Format::Burp => "burp",
            Format::RawHttp => "http",
            Format::Mitmproxy => "mitm",
        }
    }
}

/// One recorded file, read whole or salvaged up to a cut.
#[derive(Debug, Clone)]
pub struct Capture {
    /// The name diagnostics show (the path as the user gave it, or `<stdin>`).
    pub name: String,
    pub format: Format,
    /// The bytes the entries' spans index into. Kept so diagnostics can show a snippet.
    pub source: Source,
    pub exchanges: Vec<Exchange>,
    /// Set when the file ends (or breaks) before its entry list is closed.
    pub truncation: Option<Truncation>,
    /// For a capture made of several files (a Fiddler `.saz` is a zip of raw messages),
    /// `source` is their texts one after the other and each part names its stretch, so
    /// diagnostics can name the member and count lines within it. Empty for one-file formats.
    pub parts: Vec<Part>,
    /// Limits hit while reading (a `.gz` or archive member cut at the decompressed-size
    /// limit); `limits::apply` adds those hit in what was read. Empty for most captures.
    pub limits_hit: Vec<LimitHit>,
    /// Recorded flows that are not HTTP (a mitmproxy dump's websocket messages, tcp, udp and
    /// dns flows), left out of `exchanges` but counted so a report can say so.
    pub skipped: Vec<Skipped>,
}

/// A recorded flow the capture holds but tokentrail does not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// What it is: `websocket`, `websocket messages` (of a handshake that was read), `tcp`, ...
    pub kind: &'static str,
    /// Byte offset of its record in the file.
    pub offset: usize,
}

impl Capture {
    /// One sentence counting the skipped flows by kind, when there are any.
    pub fn skipped_note(&self) -> Option<String> {
        if self.skipped.is_empty() {
            return None;
        }
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for s in &self.skipped {
            match counts.iter_mut().find(|(k, _)| *k == s.kind) {
                Some((_, n)) => *n += 1,
                None => counts.push((s.kind, 1)),
            }
        }
        let listed: Vec<String> = counts
            .iter()
            .map(|(kind, n)| match (*kind, n) {
                ("websocket messages", 1) => "the websocket messages of 1 flow".to_string(),
                ("websocket messages", n) => format!("the websocket messages of {n} flows"),
                (kind, 1) => format!("1 {kind} flow"),
                (kind, n) => format!("{n} {kind} flows"),
            })
            .collect();
        Some(format!(
            "{}: skipped {} (tokentrail reads HTTP only)",
            self.name,
            listed.join(", ")
        ))
    }
}

impl Capture {
    /// Drops what reconstruction is the last to read: every request and response body, and
    /// the headers only reconstruction reads ([`READ_BY_RECONSTRUCTION_ALONE`]). The facts and
    /// the reports read the analysis and the exchanges' lines and the other headers, and every
    /// snippet is cut from [`Capture::source`]. Dropped before the rules run, a capture full of
    /// OAuth requests gives their memory to the facts instead of holding both to the end (an
    /// authorize request read in full keeps its `Referer` and its answer's `Location`
    /// otherwise, a couple of hundred bytes each).
    pub fn drop_what_reconstruction_alone_reads(&mut self) {
        use rayon::prelude::*;
        // Each entry on its own, so on every core: at 200 MB this was tens of milliseconds
        // of freeing on one thread, between reconstruction and the rules, with the other idle.
        self.exchanges
            .par_iter_mut()
            .with_min_len(DROP_BATCH)
            .for_each(Exchange::drop_what_reconstruction_alone_reads);
    }
}

/// How many exchanges one task of [`Capture::drop_what_reconstruction_alone_reads`] takes: a
/// stub has nothing to drop, and a task per entry would cost more than the entry.
const DROP_BATCH: usize = 256;

impl Exchange {
    /// [`Capture::drop_what_reconstruction_alone_reads`] for one exchange.
    fn drop_what_reconstruction_alone_reads(&mut self) {
        let drop = |headers: &mut Vec<Header>, names: &[&str]| {
            let before = headers.len();
            headers.retain(|h| !names.iter().any(|n| h.name.eq_ignore_ascii_case(n)));
            if headers.len() != before {
                headers.shrink_to_fit();
            }
        };
        let (request_names, response_names) = READ_BY_RECONSTRUCTION_ALONE;
        if let Some(request) = self.request.get_mut() {
            request.body = None;
            drop(&mut request.headers, request_names);
            for h in &mut request.headers {
                if h.name.eq_ignore_ascii_case("cookie") {
                    cookie_names_only(&mut h.value);
                }
            }
        }
        if let Some(response) = &mut self.response {
            response.body = None;
            response.redirect_url = None;
            drop(&mut response.headers, response_names);
        }
    }
}

/// What the facts read of a `Cookie` header after reconstruction: its cookies' names
/// (`flow::security::cookies_sent`, which splits on `;` and takes what is before each `=`).
/// The values, a session's tokens of a hundred bytes and more on every request a browser
/// sends, go: `a=1; b=2; c` becomes `a=; b=`, which names the same cookies.
///
/// Done in place, a byte at a time (a logged-in capture's every Bearer call keeps one): the
/// names are moved down over the values, and every cut is at an ASCII `;` or `=`, so the
/// text stays UTF-8. `tests::cookie_names_are_kept_as_split_gives_them` holds it to the
/// splitting the comment above describes.
fn cookie_names_only(value: &mut String) {
    let mut bytes = std::mem::take(value).into_bytes();
    let (mut write, mut part) = (0, 0);
    while part <= bytes.len() {
        let end = bytes
            .get(part..)
            .and_then(|rest| rest.iter().position(|&b| b == b';'))
            .map_or(bytes.len(), |i| part + i);
        if let Some(eq) = bytes
            .get(part..end)
            .and_then(|p| p.iter().position(|&b| b == b'='))
        {
            if write > 0 {
                bytes[write] = b';';
                write += 1;
            }
            bytes.copy_within(part..part + eq, write);
            write += eq;
            bytes[write] = b'=';
            write += 1;
        }
        part = end + 1;
    }
    bytes.truncate(write);
    bytes.shrink_to_fit();
    *value = String::from_utf8(bytes).unwrap_or_default();
}

/// The request's and the response's headers only reconstruction reads: `Authorization` (the
/// Bearer token and Basic credentials), `Referer` (leaked codes and tokens) and `Location`
/// (an answer in the redirect, and HAR's `redirectURL` beside it). The facts read the others `check` keeps (`Cookie`,
/// `Content-Type`, `Origin`, `Sec-Fetch-*`; `Set-Cookie`, `Cache-Control`, `Referrer-Policy`,
/// `WWW-Authenticate`) and the reports none (a header's snippet is cut from the source).
pub const READ_BY_RECONSTRUCTION_ALONE: (&[&str], &[&str]) =
    (&["authorization", "referer"], &["location"]);

/// One member file of a multi-file capture, as laid out in [`Capture::source`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The member's name inside the capture file, e.g. `raw/03_c.txt`.
    pub name: String,
    /// Its bytes in `Capture::source`; it starts at the beginning of a line.
    pub range: Range<usize>,
}

impl Capture {
    /// The part holding byte `offset` of the source, if the capture has parts.
    pub fn part_at(&self, offset: usize) -> Option<&Part> {
        let i = self.parts.partition_point(|p| p.range.end <= offset);
        self.parts
            .get(i)
            .filter(|p| p.range.contains(&offset))
            .or_else(|| self.parts.last().filter(|p| p.range.end == offset))
    }
}

/// The bytes of a capture: in memory, or a memory-mapped file whose pages the reader hands back
/// to the kernel once read, so a large file never counts whole in the process's memory (the few
/// snippets diagnostics show are paged in again on demand). Reads as a `[u8]` either way.
///
/// Build one from bytes with `Source::from(vec)` / `Arc<[u8]>::into()`, or from a file with
/// [`Source::map`].
#[derive(Clone)]
pub struct Source(SourceInner, Arc<OnceLock<Newlines>>);

#[derive(Clone)]
enum SourceInner {
    Bytes(Arc<[u8]>),
    #[cfg(feature = "cli")]
    Mapped(Arc<memmap2::Mmap>),
}

impl Source {
    /// Maps a file read-only. Like every mmap-based reader (ripgrep's, for one), this assumes
    /// the file is not truncated while it is read.
    #[cfg(feature = "cli")]
    pub fn map(file: &std::fs::File) -> std::io::Result<Source> {
        let map = mmap::map(file)?;
        #[cfg(unix)]
        let _ = map.advise(memmap2::Advice::Sequential);
        Ok(Source(SourceInner::Mapped(Arc::new(map)), Arc::default()))
    }

    /// The bytes as a shared buffer: free for bytes in memory, a copy for a mapped file (only
    /// readers of formats that are not skimmed need one).
    pub fn to_arc(&self) -> Arc<[u8]> {
        match &self.0 {
            SourceInner::Bytes(b) => b.clone(),
            #[cfg(feature = "cli")]
            SourceInner::Mapped(m) => Arc::from(&m[..]),
        }
    }

    /// Tells the kernel that the pages of `range` are not needed for now: a mapped file's
    /// pages leave the process's resident memory (they stay in the page cache and come back
    /// on the next access). No effect on bytes in memory.
    pub fn release(&self, range: Range<usize>) {
        #[cfg(all(unix, feature = "cli"))]
        if let SourceInner::Mapped(map) = &self.0 {
            const PAGE: usize = 4096;
            let start = range.start.div_ceil(PAGE) * PAGE;
            let end = (range.end.min(map.len()) / PAGE) * PAGE;
            if end > start {
                mmap::dont_need(map, start, end - start);
            }
        }
        #[cfg(not(all(unix, feature = "cli")))]
        let _ = range;
    }
}

impl Source {
    /// Maps the pages of `range` of a mapped file in one call, ahead of reading them, instead
    /// of one page fault per few pages. No effect on bytes in memory, or where the kernel
    /// cannot (before Linux 5.14).
    pub fn prefetch(&self, range: Range<usize>) {
        #[cfg(all(target_os = "linux", feature = "cli"))]
        if let SourceInner::Mapped(map) = &self.0 {
            const PAGE: usize = 4096;
            let start = (range.start / PAGE) * PAGE;
            let end = range.end.min(map.len());
            if end > start {
                let _ = map.advise_range(memmap2::Advice::PopulateRead, start, end - start);
            }
        }
        #[cfg(not(all(target_os = "linux", feature = "cli")))]
        let _ = range;
    }
}

impl Source {
    /// Where the text's lines are: counted by the reader as it went (the skim), or now, on
    /// every core (pages mapped ahead and released behind, as the skim does).
    pub fn newlines(&self) -> &Newlines {
        self.1
            .get_or_init(|| Newlines::count(self, |r| self.prefetch(r), |r| self.release(r)))
    }

    /// The newline index, if a reader counted it or it was asked for already.
    pub fn counted_newlines(&self) -> Option<&Newlines> {
        self.1.get()
    }

    /// Keeps `lines`, counted by a reader over this text, for [`Source::newlines`].
    pub fn set_newlines(&self, lines: Newlines) {
        let _ = self.1.set(lines);
    }
}

impl Deref for Source {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match &self.0 {
            SourceInner::Bytes(b) => b,
            #[cfg(feature = "cli")]
            SourceInner::Mapped(m) => m,
        }
    }
}

impl AsRef<[u8]> for Source {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl From<Arc<[u8]>> for Source {
    fn from(bytes: Arc<[u8]>) -> Source {
        Source(SourceInner::Bytes(bytes), Arc::default())
    }
}

impl From<Vec<u8>> for Source {
    fn from(bytes: Vec<u8>) -> Source {
        Source(SourceInner::Bytes(bytes.into()), Arc::default())
    }
}

impl From<&[u8]> for Source {
    fn from(bytes: &[u8]) -> Source {
        Source(SourceInner::Bytes(bytes.into()), Arc::default())
    }
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let how = match &self.0 {
            SourceInner::Bytes(_) => "in memory",
            #[cfg(feature = "cli")]
            SourceInner::Mapped(_) => "mapped",
        };
        write!(f, "Source({} bytes, {how})", self.len())
    }
}

/// Where a capture stopped being readable, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Truncation {
    /// Byte offset at which reading failed.
    pub offset: usize,
    /// The number of complete entries read before the cut.
    pub complete_entries: usize,
    /// What the parser saw, in words ("end of file inside an entry", "expected `,` or `]`").
    pub reason: String,
}

/// One request and, when one was recorded, its response.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// 1-based position in the capture, as people count entries.
    pub index: usize,
    /// Byte span of the entry in `Capture::source`.
    pub span: Range<usize>,
    /// When the request started; `None` when the recorded timestamp is missing or unparsable.
    pub started: Option<OffsetDateTime>,
    /// The timestamp as written in the capture, for display. Reads as a `str`
    /// (`ex.started_raw.as_deref()`); a HAR's fits inline, so a skimmed entry allocates nothing.
    pub started_raw: Option<Stamp>,
    /// Reads as a [`Request`]; a skimmed entry's empty request costs one pointer and no heap.
    pub request: RequestSlot,
    /// `None` when the request got no response (HAR status 0, a dropped connection).
    pub response: Option<Box<Response>>,
    /// A transport error the recording tool noted (Chrome's `_error`). A `Box<str>` rather
    /// than a `String`: most entries have none, and its 8 bytes less keep a stub at 104.
    pub error: Option<Box<str>>,
}

impl Exchange {
    /// Nothing to reconstruct from: no method, URL, header, listed cookie or body, no response
    /// and no transport error (how the skim keeps plain traffic; also a HAR entry `{}`).
    pub fn is_inert(&self) -> bool {
        let r = &self.request;
        r.method.is_empty()
            && r.url.is_empty()
            && r.headers.is_empty()
            && r.listed_cookies == 0
            && r.body.is_none()
            && self.response.is_none()
            && self.error.is_none()
    }
}

/// A timestamp as written in a capture: up to 31 bytes inline (Chrome's
/// `2024-03-14T09:00:00.000Z` is 24, Firefox's `2024-03-14T09:00:00.636+01:00` 29), a longer
/// one on the heap. Every entry keeps one, and a gigabyte holds a quarter of a million of
/// them: as `String`s they were 32 bytes of heap each beside the 24 in the entry. Reads as a
/// `str`.
#[derive(Clone)]
pub struct Stamp(StampRepr);

#[derive(Clone)]
enum StampRepr {
    Inline { len: InlineLen, bytes: [u8; INLINE] },
    Heap(Box<str>),
}

/// The most bytes a [`Stamp`] keeps inline.
const INLINE: usize = 31;

/// How many bytes of an inline stamp are used: a type that holds only 0 to 31, so the values
/// it cannot hold tell the heap form and `None` apart, and `Option<Stamp>` is 32 bytes.
#[derive(Clone, Copy)]
#[rustfmt::skip]
#[allow(clippy::enum_variant_names)]
enum InlineLen {
    L0, L1, L2, L3, L4, L5, L6, L7, L8, L9, L10, L11, L12, L13, L14, L15, L16, L17, L18, L19,
    L20, L21, L22, L23, L24, L25, L26, L27, L28, L29, L30, L31,
}

#[rustfmt::skip]
const INLINE_LENS: [InlineLen; INLINE + 1] = {
    use InlineLen::*;
    [
        L0, L1, L2, L3, L4, L5, L6, L7, L8, L9, L10, L11, L12, L13, L14, L15, L16, L17, L18,
        L19, L20, L21, L22, L23, L24, L25, L26, L27, L28, L29, L30, L31,
    ]
};

impl Stamp {
    pub fn as_str(&self) -> &str {
        match &self.0 {
            StampRepr::Inline { len, bytes } => bytes
                .get(..*len as usize)
                .and_then(|b| std::str::from_utf8(b).ok())
                .unwrap_or_default(),
            StampRepr::Heap(s) => s,
        }
    }
}

impl From<&str> for Stamp {
    fn from(s: &str) -> Stamp {
        if let Some(&len) = INLINE_LENS.get(s.len()) {
            let mut bytes = [0; INLINE];
            if let Some(to) = bytes.get_mut(..s.len()) {
                to.copy_from_slice(s.as_bytes());
                return Stamp(StampRepr::Inline { len, bytes });
            }
        }
        Stamp(StampRepr::Heap(s.into()))
    }
}

impl From<String> for Stamp {
    fn from(s: String) -> Stamp {
        if s.len() <= INLINE {
            return Stamp::from(s.as_str());
        }
        Stamp(StampRepr::Heap(s.into_boxed_str()))
    }
}

impl Deref for Stamp {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Stamp {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Stamp {
    fn eq(&self, other: &Stamp) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Stamp {}

impl fmt::Debug for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A [`Request`] behind one pointer, and the empty request behind none: a long capture's plain
/// entries (the skim's stubs, tens of thousands at a gigabyte) all read as the one empty
/// request instead of carrying 88 bytes of empty strings and lists each. Reads and writes as a
/// `Request` (`ex.request.url`, `ex.request.headers.push(..)`); the first write to an empty
/// one gives it its own.
#[derive(Clone, Default)]
pub struct RequestSlot(Option<Box<Request>>);

/// What every empty [`RequestSlot`] reads as.
static EMPTY_REQUEST: Request = Request {
    method: String::new(),
    url: String::new(),
    headers: Vec::new(),
    listed_cookies: 0,
    body: None,
};

impl RequestSlot {
    /// The request, owned (the empty request for an empty slot).
    pub fn into_inner(self) -> Request {
        self.0.map(|r| *r).unwrap_or_default()
    }

    /// Whether it holds a request of its own (not the shared empty one).
    pub fn owns(&self) -> bool {
        self.0.is_some()
    }

    /// The request to change in place; `None` for the empty request (nothing in it to
    /// change), which stays without an allocation.
    pub fn get_mut(&mut self) -> Option<&mut Request> {
        self.0.as_deref_mut()
    }
}

impl From<Request> for RequestSlot {
    fn from(request: Request) -> RequestSlot {
        RequestSlot(Some(Box::new(request)))
    }
}

impl Deref for RequestSlot {
    type Target = Request;
    fn deref(&self) -> &Request {
        self.0.as_deref().unwrap_or(&EMPTY_REQUEST)
    }
}

impl DerefMut for RequestSlot {
    fn deref_mut(&mut self) -> &mut Request {
        self.0.get_or_insert_with(Box::default)
    }
}

impl fmt::Debug for RequestSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Request::fmt(self, f)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Request {
    pub method: String,
    pub url: String,
    pub headers: Vec<Header>,
    /// Number of cookies the recording tool listed separately from the headers (HAR `cookies`).
    /// A listed cookie without a `Cookie` header is a sign the headers were stripped.
    pub listed_cookies: usize,
    pub body: Option<Box<Body>>,
}

#[derive(Debug, Clone, Default)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<Header>,
    pub listed_cookies: usize,
    /// `None` when the capture holds no body for this response (not recorded, or stripped).
    pub body: Option<Box<Body>>,
    /// HAR's `redirectURL`, when the tool recorded one apart from the `Location` header.
    pub redirect_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// A common spelling (`authorization`, `Cookie`, ...) costs no allocation; any other is
    /// owned. Reads as a `str`.
    pub name: Cow<'static, str>,
    pub value: String,
}

#[derive(Debug, Clone, Default)]
pub struct Body {
    pub mime_type: Option<String>,
    /// The body as text, base64 already decoded. Non-UTF-8 bytes are replaced.
    pub text: String,
    /// Form parameters the recording tool parsed out itself (HAR `postData.params`), decoded.
    /// Often empty even for forms (Firefox); `text` is the authority.
    pub params: Vec<(String, String)>,
}

/// Header names that a capture repeats in many entries and that are kept for `check`, in the
/// spellings browsers and tools write: [`header_name`] gives these without an allocation.
const COMMON_HEADER_NAMES: [&str; 26] = [
    "authorization",
    "Authorization",
    "cookie",
    "Cookie",
    "referer",
    "Referer",
    "content-type",
    "Content-Type",
    "origin",
    "Origin",
    "sec-fetch-site",
    "Sec-Fetch-Site",
    "sec-fetch-dest",
    "Sec-Fetch-Dest",
    "sec-fetch-user",
    "Sec-Fetch-User",
    "location",
    "Location",
    "set-cookie",
    "Set-Cookie",
    "cache-control",
    "Cache-Control",
    "referrer-policy",
    "Referrer-Policy",
    "www-authenticate",
    "WWW-Authenticate",
];

/// A header's name as written: a common spelling borrowed from [`COMMON_HEADER_NAMES`], any
/// other owned. (Four names kept per Bearer call, 32 bytes of heap each, were 4 MB of a
/// gigabyte's logged-in capture.)
pub fn header_name(name: String) -> Cow<'static, str> {
    match common_header_name(&name) {
        Some(common) => Cow::Borrowed(common),
        None => Cow::Owned(name),
    }
}

/// [`header_name`] of a borrowed name: allocates only for a name that is not common (the
/// skim's Bearer calls keep four names each, all common).
pub fn header_name_of(name: &str) -> Cow<'static, str> {
    match common_header_name(name) {
        Some(common) => Cow::Borrowed(common),
        None => Cow::Owned(name.to_owned()),
    }
}

fn common_header_name(name: &str) -> Option<&'static str> {
    COMMON_HEADER_NAMES.iter().find(|&&n| n == name).copied()
}

/// Case-insensitive header lookup over a header list; HTTP/2 pseudo-headers are kept as written.
pub fn header<'a>(headers: &'a [Header], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    /// Where a redirect sends the client: the `Location` header, else HAR's `redirectURL`.
    pub fn location(&self) -> Option<&str> {
        self.header("location")
            .or(self.redirect_url.as_deref())
            .filter(|l| !l.is_empty())
    }
}

/// Which limit was hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    BodySize,
    Headers,
    HeaderSize,
    JsonDepth,
    DecompressedSize,
    ArchiveMembers,
}

impl Limit {
    /// The name rules and output use.
    pub fn name(self) -> &'static str {
        match self {
            Limit::BodySize => "body-size",
            Limit::Headers => "headers",
            Limit::HeaderSize => "header-size",
            Limit::JsonDepth => "json-depth",
            Limit::DecompressedSize => "decompressed-size",
            Limit::ArchiveMembers => "archive-members",
        }
    }

    /// The flag that raises it; `None` for a limit that cannot be raised.
    pub fn flag(self) -> Option<&'static str> {
        match self {
            Limit::BodySize => Some("--max-body-size"),
            Limit::Headers => Some("--max-headers"),
            Limit::HeaderSize => Some("--max-header-size"),
            Limit::JsonDepth => None,
            Limit::DecompressedSize => Some("--max-decompressed-size"),
            Limit::ArchiveMembers => Some("--max-archive-members"),
        }
    }
}

/// One limit hit in one capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitHit {
    pub limit: Limit,
    /// The entry it concerns (1-based); `None` for the file as a whole.
    pub entry: Option<usize>,
    /// Byte offset in the file where it was hit (the entry's start).
    pub offset: usize,
    /// One sentence naming what was left out, the limit and the flag that raises it.
    pub detail: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Memory stays flat in a long capture only while a plain entry costs a few dozen bytes:
    /// an empty request is one pointer, and the whole exchange stays within 104 bytes (it was
    /// 184 with the request inline).
    #[test]
    fn a_plain_exchange_is_small_and_its_empty_request_shared() {
        assert_eq!(
            std::mem::size_of::<RequestSlot>(),
            std::mem::size_of::<usize>()
        );
        assert!(
            std::mem::size_of::<Exchange>() <= 104,
            "{}",
            std::mem::size_of::<Exchange>()
        );
        let mut slot = RequestSlot::default();
        assert!(!slot.owns());
        assert!(slot.method.is_empty() && slot.url.is_empty() && slot.headers.is_empty());
        assert!(slot.get_mut().is_none(), "looking does not allocate");
        assert!(!slot.owns());
        slot.url.push_str("https://a.example/");
        assert!(slot.owns(), "the first write gives it its own");
        assert_eq!(slot.url, "https://a.example/");
        assert_eq!(
            RequestSlot::default().url,
            "",
            "the shared one is unchanged"
        );
        assert_eq!(slot.into_inner().url, "https://a.example/");
    }

    /// A timestamp costs no heap up to 31 bytes (every HAR timestamp seen: Chrome's 24,
    /// Firefox's 29) and reads back as written, inline or not.
    #[test]
    fn a_timestamp_is_kept_inline_and_reads_as_written() {
        assert_eq!(std::mem::size_of::<Option<Stamp>>(), 32);
        for raw in [
            "",
            "2024-03-14T09:00:00.000Z",
            "2024-03-14T09:00:00.636+01:00",
            "2024-03-14T09:00:00.123456+01:00",
            "Thu, 14 Mar 2024 09:00:00 GMT (a proxy's own words)",
            "jeudi 14 mars 2024 à 09:00",
        ] {
            let inline = raw.len() <= INLINE;
            for stamp in [Stamp::from(raw), Stamp::from(raw.to_string())] {
                assert_eq!(stamp.as_str(), raw);
                assert_eq!(&*stamp, raw);
                assert_eq!(matches!(stamp.0, StampRepr::Inline { .. }), inline, "{raw}");
                assert_eq!(format!("{stamp:?}"), format!("{raw:?}"));
            }
        }
        let some: Option<Stamp> = Some("2024-03-14T09:00:00.000Z".into());
        assert_eq!(some.as_deref(), Some("2024-03-14T09:00:00.000Z"));
    }

    /// After reconstruction a checked capture keeps no body and none of the headers only
    /// reconstruction reads; every other header stays, in order, with its value.
    #[test]
    fn headers_reconstruction_alone_reads_are_dropped_after_it() {
        let h = |n: &str, v: &str| Header {
            name: n.to_string().into(),
            value: v.to_string(),
        };
        let body = || {
            Some(Box::new(Body {
                text: "x".into(),
                ..Body::default()
            }))
        };
        let request = Request {
            method: "GET".into(),
            url: "https://a.example/authorize".into(),
            headers: vec![
                h("Referer", "https://b.example/"),
                h(
                    "Cookie",
                    "s=1; session-token=0lKyvRVlfY+La1gw=; flag; ubid = 2;",
                ),
                h("AUTHORIZATION", "Bearer t"),
                h("Origin", "https://b.example"),
                h("Content-Type", "text/plain"),
                h("Sec-Fetch-Site", "none"),
            ],
            body: body(),
            ..Request::default()
        };
        let response = Response {
            status: 302,
            headers: vec![
                h("Location", "https://b.example/cb?code=c"),
                h("Set-Cookie", "s=2"),
                h("Cache-Control", "no-store"),
                h("Referrer-Policy", "no-referrer"),
                h("WWW-Authenticate", "Bearer"),
            ],
            body: body(),
            redirect_url: Some("https://b.example/cb?code=c".into()),
            ..Response::default()
        };
        let mut capture = Capture {
            name: "t.har".into(),
            format: Format::Har,
            source: std::sync::Arc::<[u8]>::from(&b"{}"[..]).into(),
            exchanges: vec![Exchange {
                index: 1,
                span: 0..2,
                started: None,
                started_raw: None,
                request: request.into(),
                response: Some(Box::new(response)),
                error: None,
            }],
            truncation: None,
            parts: Vec::new(),
            limits_hit: Vec::new(),
            skipped: Vec::new(),
        };
        capture.drop_what_reconstruction_alone_reads();
        let ex = &capture.exchanges[0];
        let names = |hs: &[Header]| hs.iter().map(|h| h.name.to_string()).collect::<Vec<_>>();
        assert_eq!(
            names(&ex.request.headers),
            ["Cookie", "Origin", "Content-Type", "Sec-Fetch-Site"]
        );
        // The facts read a cookie header's names, and only those are kept.
        assert_eq!(
            crate::flow::security::cookies_sent(&ex.request),
            ["s", "session-token", "ubid"]
        );
        assert_eq!(
            ex.request.header("cookie"),
            Some("s=; session-token=; ubid =")
        );
        let resp = ex.response.as_ref().expect("response");
        assert_eq!(
            names(&resp.headers),
            [
                "Set-Cookie",
                "Cache-Control",
                "Referrer-Policy",
                "WWW-Authenticate"
            ]
        );
        assert!(ex.request.body.is_none() && resp.body.is_none());
        assert!(resp.redirect_url.is_none() && resp.location().is_none());
        assert_eq!(ex.request.url, "https://a.example/authorize");
    }

    /// In place, `cookie_names_only` keeps what splitting on `;` and taking what is before
    /// each part's first `=` gives (parts without one left out), joined as `a=;b=`.
    #[test]
    fn cookie_names_are_kept_as_split_gives_them() {
        let by_split = |value: &str| -> String {
            value
                .split(';')
                .filter_map(|p| p.split_once('=').map(|(n, _)| n))
                .map(|n| format!("{n}="))
                .collect::<Vec<_>>()
                .join(";")
        };
        let mut values: Vec<String> = [
            "",
            "a=1; b=2; c",
            "sid=abc; _ga=GA1.2.3; csrftoken=x=y=z; pref=dark",
            ";;=;a=;=b;c==",
            "é=ü; ñ=;x",
            "noequals",
            "=",
            ";",
            "a=1;",
        ]
        .map(String::from)
        .to_vec();
        let alphabet = ["", ";", "=", " ", "a", "é", "xyz"];
        let mut next = crate::xorshift(0x9e37_79b9_7f4a_7c15_u64);
        for _ in 0..20_000 {
            let len = next() % 14;
            values.push(
                (0..len)
                    .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                    .collect(),
            );
        }
        for value in values {
            let mut kept = value.clone();
            cookie_names_only(&mut kept);
            assert_eq!(kept, by_split(&value), "{value:?}");
        }
    }

    /// The names kept for `check` are borrowed in the spellings browsers write; any other
    /// spelling or name is kept as written.
    #[test]
    fn common_header_names_are_borrowed_as_written() {
        for name in [
            "authorization",
            "Cookie",
            "WWW-Authenticate",
            "sec-fetch-site",
        ] {
            let kept = header_name(name.to_string());
            assert!(matches!(kept, Cow::Borrowed(_)), "{name}");
            assert_eq!(kept, name);
        }
        for name in ["AUTHORIZATION", "X-Request-Id", "cookie "] {
            let kept = header_name(name.to_string());
            assert!(matches!(kept, Cow::Owned(_)), "{name}");
            assert_eq!(kept, name);
        }
        // The borrowed-name form gives what the owned one gives, for every name.
        let others = ["AUTHORIZATION", "X-Request-Id", "cookie ", "", "Cookie2"];
        for name in COMMON_HEADER_NAMES.iter().chain(&others) {
            let (by_str, by_string) = (header_name_of(name), header_name(name.to_string()));
            assert_eq!(by_str, by_string);
            assert_eq!(
                matches!(by_str, Cow::Borrowed(_)),
                matches!(by_string, Cow::Borrowed(_)),
                "{name}"
            );
        }
    }
}
