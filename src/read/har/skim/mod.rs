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

mod cursor;
mod entries;
mod needles;
mod pieces;
#[cfg(test)]
mod tests;
mod unread;

use std::ops::Range;

use crate::limits::Limits;
use crate::model::{Exchange, NewlineCounter, Source};
use cursor::Cursor;
use pieces::{skim_in_pieces, MIN_PIECE, TAIL_PIECE};

/// Invalid JSON, or a document shape the skim leaves to the full reader.
#[derive(Debug)]
pub(super) struct GiveUp;

pub(super) type R<T> = Result<T, GiveUp>;

/// Bytes of a mapped file that are read between two releases of the pages behind (and that
/// are mapped ahead at each). Each thread keeps up to twice this resident: at 8 MiB that was
/// 20 MiB of the file on two threads, a third of the peak at 1 GB; at 2 MiB it is under 8,
/// and the four times as many calls cost no more system time (400 MB: 66.6 ms against 82.3,
/// medians of 9).
pub(super) const RELEASE_EVERY: usize = 2 << 20;
/// Nesting (below an entry's own few levels) past which an entry is read in full: well under
/// the 128 levels serde_json parses, so an entry that hits that limit is never a stub.
pub(super) const DEEP: usize = 100;

pub(in crate::read) use unread::{may_be_dropped, names_endpoints};

/// What is kept of an entry read in full.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Keep {
    /// Everything, as the full reader gives it.
    #[default]
    All,
    /// What reconstruction reads: the answers' bodies it never reads are dropped (`unread.rs`).
    Read,
}

/// Reads every entry of a HAR, or `None` when the full reader must do it.
pub(super) fn skim(source: &Source, limits: &Limits, keep: Keep) -> Option<Vec<Exchange>> {
    skim_in_pieces(
        source,
        rayon::current_num_threads(),
        MIN_PIECE,
        TAIL_PIECE,
        limits,
        keep,
    )
}

#[derive(Default)]
pub(super) struct Skimmed {
    pub(super) exchanges: Vec<Exchange>,
    pub(super) keep: Keep,
    /// The newlines of the text passed, for the reports' line numbers ([`Source::newlines`]).
    pub(super) lines: NewlineCounter,
}

impl Skimmed {
    /// Done with `range` of the text: its newlines are counted while its pages are still
    /// mapped, and then they are released.
    pub(super) fn pass(&mut self, source: &Source, range: Range<usize>) {
        self.lines.add(source, range.clone());
        source.release(range);
    }
}

/// A string's content (between its quotes) and whether it holds escapes.
#[derive(Clone, Copy, Default)]
pub(super) struct Str {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) escaped: bool,
}

/// What the tokenizer saw of one entry object.
#[derive(Default)]
pub(super) struct Scan {
    /// Something the skim does not vouch for: read this entry in full.
    pub(super) odd: bool,
    pub(super) started: Option<Str>,
    /// The request's `method` and `url` when written as strings.
    pub(super) method: Option<Str>,
    pub(super) url: Option<Str>,
    /// The request's `postData`, when it has one.
    pub(super) post_data: Option<BodyScan>,
    pub(super) req_headers: Vec<(Str, Str)>,
    pub(super) req_cookies: usize,
    /// `response` is an object.
    pub(super) response: bool,
    /// The status as a plain integer literal; `Err` when written any other way.
    pub(super) status: Option<Result<u64, ()>>,
    pub(super) resp_headers: Vec<(Str, Str)>,
    pub(super) resp_cookies: usize,
    pub(super) redirect: Option<Str>,
    /// The response's `content`, when it has one.
    pub(super) content: Option<BodyScan>,
    /// Where the request's and the response's `cookies` lists are (in the document).
    pub(super) cookie_lists: Vec<Range<usize>>,
}

/// What the full read takes from a request's `postData` or a response's `content`, as the
/// tokenizer saw it, for [`Cursor::kept`](cursor::Cursor) to build the body from.
#[derive(Clone, Copy, Default)]
pub(super) struct BodyScan {
    /// `mimeType` and `text`, when written as strings.
    pub(super) mime_type: Option<Str>,
    pub(super) text: Option<Str>,
    /// `size`, when written as a plain integer.
    pub(super) size: Option<u64>,
    /// Written some way `kept` does not rebuild as the full read reads it: not an object or
    /// `null`, a key repeated or escaped, a `mimeType` or `text` neither string nor `null`,
    /// an `encoding` other than `null`, a `size` neither a plain integer nor `null`, or
    /// `params` with an element.
    pub(super) unusual: bool,
}

impl Scan {
    pub(super) fn clear(&mut self) {
        self.odd = false;
        self.started = None;
        self.method = None;
        self.url = None;
        self.post_data = None;
        self.req_headers.clear();
        self.req_cookies = 0;
        self.response = false;
        self.status = None;
        self.resp_headers.clear();
        self.resp_cookies = 0;
        self.redirect = None;
        self.content = None;
        self.cookie_lists.clear();
    }
}
