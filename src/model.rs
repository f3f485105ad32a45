//! The format-neutral capture: what every reader produces and every later stage reads.

use std::ops::Range;
use std::sync::Arc;

use time::OffsetDateTime;

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
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Har => "har",
            Format::Charles => "chlsj",
            Format::Saz => "saz",
            Format::Burp => "burp",
            Format::RawHttp => "http",
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
    pub source: Arc<[u8]>,
    pub exchanges: Vec<Exchange>,
    /// Set when the file ends (or breaks) before its entry list is closed.
    pub truncation: Option<Truncation>,
    /// For a capture made of several files (a Fiddler `.saz` is a zip of raw messages),
    /// `source` is their texts one after the other and each part names its stretch, so
    /// diagnostics can name the member and count lines within it. Empty for one-file formats.
    pub parts: Vec<Part>,
}

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
    /// The timestamp as written in the capture, for display.
    pub started_raw: Option<String>,
    pub request: Request,
    /// `None` when the request got no response (HAR status 0, a dropped connection).
    pub response: Option<Response>,
    /// A transport error the recording tool noted (Chrome's `_error`).
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Request {
    pub method: String,
    pub url: String,
    pub headers: Vec<Header>,
    /// Number of cookies the recording tool listed separately from the headers (HAR `cookies`).
    /// A listed cookie without a `Cookie` header is a sign the headers were stripped.
    pub listed_cookies: usize,
    pub body: Option<Body>,
}

#[derive(Debug, Clone, Default)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<Header>,
    pub listed_cookies: usize,
    /// `None` when the capture holds no body for this response (not recorded, or stripped).
    pub body: Option<Body>,
    /// HAR's `redirectURL`, when the tool recorded one apart from the `Location` header.
    pub redirect_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub name: String,
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
