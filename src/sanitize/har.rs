//! The HAR a sanitized capture is written as, a piece of entries at a time.
//!
//! A HAR input keeps its own document: the text around the entry list (the *frame*: `log`'s
//! version, creator, pages, vendor fields) is small and is parsed, walked by the policy and
//! written pretty; each entry is then taken from the input by the span the reader found, walked
//! by the policy as it stands (its own whitespace and member order kept) and written out in
//! order, in pieces of a few hundred KB walked on rayon's threads. Nothing holds more than
//! the few MB of pieces walked ahead of the writing. Input in another format is written as a
//! HAR built from the format-neutral capture, in pieces too (see `super` for why).

use std::borrow::Cow;
use std::collections::{BTreeSet, VecDeque};
use std::io::{self, Write};
use std::sync::{Condvar, Mutex};

use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;

use super::replacer::Sanitizer;
use super::MARK;
use crate::flow::sanitized::{SecretProfile, SECRET_PROFILES};
use crate::model::{Capture, Exchange, Format, Header};
use crate::secret::policy::{json_as, json_into, string_end, Schema};

/// Stands where the entries go while the frame is serialized, to split it there.
const ENTRIES_HERE: &str = "\u{1}tokentrail: the entries go here\u{1}";

/// Stands where the mark's list of tags goes: a large capture's list (hundreds of thousands)
/// is written tag by tag rather than built as JSON values and text.
const TAGS_HERE: &str = "\u{1}tokentrail: the tags go here\u{1}";

/// The document around the entries.
pub(super) struct Frame {
    top: Value,
    /// The copy ends after its last entry, unclosed, as the input was cut.
    pub cut: bool,
    /// Tags an earlier run recorded in its mark.
    pub known_tags: Vec<String>,
    /// Bytes of the input that could not be read and are not copied (a cut file's tail).
    pub dropped: usize,
    /// Where the entries come from.
    from_input: bool,
}

impl Frame {
    /// The frame of a HAR input, when its text around the entries parses as JSON.
    pub fn of_har(capture: &Capture) -> Result<Frame, String> {
        let source: &[u8] = &capture.source;
        let bom = if source.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        let cut = capture.truncation.is_some();
        let (head, tail) = match (capture.exchanges.first(), capture.exchanges.last()) {
            (Some(first), Some(last)) => (
                source.get(bom..first.span.start).unwrap_or_default(),
                source.get(last.span.end..).unwrap_or_default(),
            ),
            _ if cut => return Err("it is cut off before its first entry ends".into()),
            _ => (source.get(bom..).unwrap_or_default(), &[][..]),
        };
        let head = std::str::from_utf8(head).map_err(|_| "its text is not UTF-8")?;
        let (text, dropped) = if cut {
            // The tail after the last complete entry is what no reader could parse: dropped.
            let dropped = tail.iter().filter(|b| !b.is_ascii_whitespace()).count();
            let closers = closers(head.trim_end())
                .ok_or("its entry list does not open as the reader found it")?;
            (format!("{head}{closers}"), dropped)
        } else if capture.exchanges.is_empty() {
            (head.to_string(), 0)
        } else {
            let tail = std::str::from_utf8(tail).map_err(|_| "its text is not UTF-8")?;
            (format!("{head}{tail}"), 0)
        };
        let mut top: Value = serde_json::from_str(&text)
            .map_err(|e| format!("cannot parse the text around its entries ({e})"))?;
        let Some(Value::Object(log)) = top.get_mut("log") else {
            return Err("it has no `log` object where the reader found one".into());
        };
        if !log.get("entries").is_some_and(Value::is_array) {
            return Err("its entry list is not where the reader found it".into());
        }
        // (`shift_remove`: `remove` moves the last member into the mark's place, and a second
        // run would write the document in another order.)
        let known_tags = log
            .shift_remove(MARK)
            .and_then(|mark| mark.get("placeholders").cloned())
            .and_then(|tags| serde_json::from_value::<Vec<String>>(tags).ok())
            .unwrap_or_default();
        Ok(Frame {
            top,
            cut,
            known_tags,
            dropped,
            from_input: true,
        })
    }

    /// A new HAR 1.2 frame for a capture read from another format (or a HAR whose frame
    /// does not parse). A cut capture's copy is cut too.
    pub fn new(capture: &Capture) -> Frame {
        let top = json!({"log": {
            "version": "1.2",
            "creator": {"name": "tokentrail", "version": env!("CARGO_PKG_VERSION")},
            "pages": [],
            "entries": [],
        }});
        let dropped = capture
            .truncation
            .as_ref()
            .map_or(0, |t| capture.source.len().saturating_sub(t.offset));
        Frame {
            top,
            cut: capture.truncation.is_some(),
            known_tags: Vec::new(),
            dropped,
            from_input: false,
        }
    }

    /// Walks the frame's values through the policy (the mark is not among them).
    fn sanitize(&mut self, san: &mut Sanitizer) {
        if !self.from_input {
            return; // written here, from nothing of the capture's
        }
        let text = self.top.to_string();
        let walked = json_as(&text, Schema::Capture, san);
        // The policy keeps the JSON valid; should it ever not, the frame is rebuilt.
        self.top = serde_json::from_str(&walked).unwrap_or_else(|_| {
            json!({"log": {"version": "1.2", "creator": {"name": "tokentrail"}, "entries": []}})
        });
    }

    /// The frame's text before and after the entries, with `mark` placed in `log` just
    /// before the entries (a cut copy, which has no end) or just after them.
    fn split(&self, mark: &Value) -> (String, String) {
        let mut top = self.top.clone();
        if let Some(Value::Object(log)) = top.get_mut("log") {
            let old = std::mem::take(log);
            for (key, value) in old {
                if key == "entries" {
                    if self.cut {
                        log.insert(MARK.into(), mark.clone());
                    }
                    log.insert(key, json!([ENTRIES_HERE]));
                    if !self.cut {
                        log.insert(MARK.into(), mark.clone());
                    }
                } else {
                    log.insert(key, value);
                }
            }
        }
        let text = serde_json::to_string_pretty(&top).unwrap_or_default();
        let marker = serde_json::to_string(ENTRIES_HERE).unwrap_or_default();
        match text.find(&marker) {
            Some(at) => (
                text[..at].trim_end().to_string(),
                text[at + marker.len()..].to_string(),
            ),
            None => (text, String::new()),
        }
    }
}

/// What writing did.
pub(super) struct Written {
    pub entries: usize,
    pub bodies_removed: usize,
}

/// Writes the sanitized HAR to `out`: the frame, then each entry walked by the policy (the
/// response body of an entry outside `oauth` removed first).
pub(super) fn write(
    capture: &Capture,
    mut frame: Frame,
    oauth: &BTreeSet<usize>,
    oversized: &BTreeSet<usize>,
    secret_profiles: &[SecretProfile],
    san: &mut Sanitizer,
    out: &mut dyn Write,
) -> io::Result<Written> {
    let mut mark = json!({
        "by": format!("tokentrail {}", env!("CARGO_PKG_VERSION")),
        "from": capture.format.name(),
        "note": "every value not known to be safe was replaced by a keyed placeholder that keeps its shape; equal values have equal placeholders",
        "relations": crate::secret::placeholder::RELATIONS_KEPT,
        "placeholders": [TAGS_HERE],
    });
    if !secret_profiles.is_empty() {
        mark[SECRET_PROFILES] = json!(secret_profiles);
    }
    if frame.cut {
        // The mark stands before the entries and must list their placeholders' tags: a dry
        // pass learns them (a cut file is the rare case that pays for two walks).
        entries(capture, &frame, oauth, oversized, san, &mut io::sink())?;
        san.reset_counts();
    }
    frame.sanitize(san);
    let (head, tail) = frame.split(&mark);
    if frame.cut {
        write_with_tags(&head, san, out)?;
    } else {
        out.write_all(head.as_bytes())?;
    }
    let written = entries(capture, &frame, oauth, oversized, san, out)?;
    if frame.cut {
        out.write_all(b"\n")?;
    } else {
        write_with_tags(&tail, san, out)?;
        out.write_all(b"\n")?;
    }
    Ok(written)
}

/// Writes `text` with the tags of `san`'s placeholders where [`TAGS_HERE`] stands.
fn write_with_tags(text: &str, san: &mut Sanitizer, out: &mut dyn Write) -> io::Result<()> {
    let marker = serde_json::to_string(TAGS_HERE).unwrap_or_default();
    let Some(at) = text.find(&marker) else {
        return out.write_all(text.as_bytes());
    };
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let indent = &text[line_start..at];
    out.write_all(&text.as_bytes()[..at])?;
    let tags = san.tag_numbers();
    // (By hand, a buffer at a time: `write!` per tag was most of the serial end of a large
    // copy, which lists hundreds of thousands.)
    let mut buffer = Vec::with_capacity(64 << 10);
    let between = [b",\n", indent.as_bytes()].concat();
    for (i, tag) in tags.iter().enumerate() {
        if i > 0 {
            buffer.extend_from_slice(&between);
        }
        push_tag(&mut buffer, *tag);
        if buffer.len() >= 60 << 10 {
            out.write_all(&buffer)?;
            buffer.clear();
        }
    }
    out.write_all(&buffer)?;
    out.write_all(&text.as_bytes()[at + marker.len()..])
}

/// `tag` as a JSON string of 12 lower-case hex digits (`format!("\"{tag:012x}\"")`).
fn push_tag(out: &mut Vec<u8>, tag: u64) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    if tag >> 48 != 0 {
        // (Tags are 48 bits; a wider number is written whole, as `{:012x}` would.)
        out.extend_from_slice(format!("\"{tag:012x}\"").as_bytes());
        return;
    }
    let mut text = [b'"'; 14];
    for (i, digit) in text[1..13].iter_mut().rev().enumerate() {
        *digit = HEX[((tag >> (4 * i)) & 0xf) as usize];
    }
    out.extend_from_slice(&text);
}

/// Mapped input is released behind the writer in steps of this size, so the input never
/// counts whole in resident memory.
const RELEASE_STEP: usize = 8 << 20;

/// Entries are walked in pieces of consecutive entries of about this much input, on
/// whichever thread is free (each with a sanitizer of its own from a pool), and written in
/// order by the calling thread as they come.
const PIECE_BYTES: usize = 256 << 10;

/// How many pieces may be walked ahead of the one being written: memory holds this many
/// pieces' copies (about 4 MB), whatever the input's size.
const AHEAD: usize = 16;

fn entries(
    capture: &Capture,
    frame: &Frame,
    oauth: &BTreeSet<usize>,
    oversized: &BTreeSet<usize>,
    san: &mut Sanitizer,
    out: &mut dyn Write,
) -> io::Result<Written> {
    let pieces = pieces(&capture.exchanges, PIECE_BYTES);
    let mut writer = Writer {
        capture,
        frame,
        out,
        removed: 0,
        released: 0,
        started: false,
    };
    if rayon::current_num_threads() <= 1 || pieces.len() <= 1 {
        // One after another (as on a target without threads), in one buffer.
        let mut text = String::new();
        for piece in &pieces {
            let removed = walk_piece(capture, frame, (oauth, oversized), piece, san, &mut text);
            writer.write(piece, &text, removed)?;
            text.clear();
        }
    } else {
        // This thread writes and, while the next piece to write is not walked yet, walks
        // others: with one walker fewer than rayon's threads, as many threads work as there
        // are (no more), and the writing can never wait on walkers that do not run.
        let walkers = (rayon::current_num_threads() - 1).min(pieces.len() - 1);
        let line = Line::new(pieces.len());
        let forks: Mutex<Vec<Sanitizer>> = Mutex::new(Vec::new());
        let main: &Sanitizer = san;
        let walk = |i: usize, fork: &mut Sanitizer| {
            let mut text = line.buffer();
            let removed = walk_piece(
                capture,
                frame,
                (oauth, oversized),
                pieces[i],
                fork,
                &mut text,
            );
            line.done(i, text, removed);
        };
        let written = rayon::in_place_scope(|scope| {
            for _ in 0..walkers {
                scope.spawn(|_| {
                    let mut fork = main.fork();
                    while let Some(i) = line.claim(true) {
                        walk(i, &mut fork);
                    }
                    fork.settle();
                    forks.lock().unwrap_or_else(|e| e.into_inner()).push(fork);
                });
            }
            let mut fork = main.fork();
            let written = pieces.iter().try_for_each(|piece| {
                let (text, removed) = line.take(|i| walk(i, &mut fork));
                let result = writer.write(piece, &text, removed);
                line.recycle(text);
                result
            });
            if written.is_err() {
                line.stop();
            }
            forks.lock().unwrap_or_else(|e| e.into_inner()).push(fork);
            written
        });
        san.merge(forks.into_inner().unwrap_or_else(|e| e.into_inner()));
        written?;
    }
    Ok(Written {
        entries: capture.exchanges.len(),
        bodies_removed: writer.removed,
    })
}

/// Appends the entries of `piece` walked by the policy to `text`; how many response bodies
/// were removed.
/// `oauth` are the entries whose response body is kept; `oversized`, those whose removed body
/// keeps its size (over the body-size limit, so the copy still says so).
fn walk_piece(
    capture: &Capture,
    frame: &Frame,
    (oauth, oversized): (&BTreeSet<usize>, &BTreeSet<usize>),
    piece: &[Exchange],
    san: &mut Sanitizer,
    text: &mut String,
) -> usize {
    if frame.from_input {
        if let (Some(first), Some(last)) = (piece.first(), piece.last()) {
            // The pages in one call, not a fault every few pages.
            capture.source.prefetch(first.span.start..last.span.end);
        }
    }
    let mut removed = 0;
    for ex in piece {
        let keep_body = oauth.contains(&ex.index);
        let start = text.len();
        removed += usize::from(entry(capture, frame, ex, keep_body, san, text));
        if !keep_body && oversized.contains(&ex.index) {
            keep_size(ex, start, text);
        }
    }
    removed
}

/// Writes the walked pieces in order, releasing the mapped input behind them.
struct Writer<'a, 'o> {
    capture: &'a Capture,
    frame: &'a Frame,
    out: &'o mut dyn Write,
    removed: usize,
    released: usize,
    started: bool,
}

impl Writer<'_, '_> {
    fn write(&mut self, piece: &[Exchange], text: &str, removed: usize) -> io::Result<()> {
        // Every entry came with the `,` before it: the list's first has none.
        let text = if self.started {
            text
        } else {
            text.strip_prefix(',').unwrap_or(text)
        };
        self.started |= !text.is_empty();
        self.out.write_all(text.as_bytes())?;
        self.removed += removed;
        if self.frame.from_input {
            if let Some(last) = piece.last() {
                if last.span.end >= self.released + RELEASE_STEP {
                    self.capture.source.release(self.released..last.span.start);
                    self.released = last.span.start;
                }
            }
        }
        Ok(())
    }
}

/// The pieces between the walkers and the writer: a walker claims the next piece once it is
/// at most [`AHEAD`] past the one being written, and the writer takes each in order as soon
/// as it is walked. No thread waits for another but where it must (the writer for the next
/// piece, a walker for room), so a thread slowed by a busy machine holds up little.
struct Line {
    pieces: usize,
    state: Mutex<LineState>,
    /// A walked piece arrived (for the writer).
    walked: Condvar,
    /// A piece was written, or the writing stopped (for the walkers).
    room: Condvar,
}

struct LineState {
    /// The next piece to claim.
    next: usize,
    /// Pieces written so far.
    written: usize,
    /// Walked pieces not yet written, by their index less `written`.
    ready: VecDeque<Option<(String, usize)>>,
    /// Buffers of written pieces, for the walkers to reuse (a new one grows by copying and
    /// is fresh memory for the kernel to clear).
    spare: Vec<String>,
    /// The writer failed: walk no more.
    stopped: bool,
}

impl Line {
    fn new(pieces: usize) -> Line {
        Line {
            pieces,
            state: Mutex::new(LineState {
                next: 0,
                written: 0,
                ready: VecDeque::new(),
                spare: Vec::new(),
                stopped: false,
            }),
            walked: Condvar::new(),
            room: Condvar::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LineState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The next piece to walk, once there is room for it (or `None` at once if not `wait`);
    /// `None` when all are claimed or the writing stopped.
    fn claim(&self, wait: bool) -> Option<usize> {
        let mut state = self.lock();
        loop {
            if state.stopped || state.next >= self.pieces {
                return None;
            }
            if state.next < state.written + AHEAD {
                state.next += 1;
                return Some(state.next - 1);
            }
            if !wait {
                return None;
            }
            state = self.room.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn buffer(&self) -> String {
        self.lock().spare.pop().unwrap_or_default()
    }

    fn done(&self, piece: usize, text: String, removed: usize) {
        let mut state = self.lock();
        let slot = piece - state.written;
        if state.ready.len() <= slot {
            state.ready.resize_with(slot + 1, || None);
        }
        state.ready[slot] = Some((text, removed));
        drop(state);
        self.walked.notify_one();
    }

    /// The next piece to write once it is walked; until then, `walk`s the pieces there is
    /// room for, then waits.
    fn take(&self, mut walk: impl FnMut(usize)) -> (String, usize) {
        loop {
            let mut state = self.lock();
            if let Some(done) = state.ready.front_mut().and_then(Option::take) {
                state.ready.pop_front();
                state.written += 1;
                drop(state);
                self.room.notify_all();
                return done;
            }
            drop(state);
            if let Some(i) = self.claim(false) {
                walk(i);
                continue;
            }
            let mut state = self.lock();
            // (The piece may have come while this thread looked for one to walk.)
            while state.ready.front().is_none_or(Option::is_none) {
                state = self.walked.wait(state).unwrap_or_else(|e| e.into_inner());
            }
        }
    }

    fn recycle(&self, mut text: String) {
        text.clear();
        self.lock().spare.push(text);
    }

    fn stop(&self) {
        self.lock().stopped = true;
        self.room.notify_all();
    }
}

/// How much input an entry stands for (its span; for a capture of another format, its
/// bodies and some for its headers).
fn entry_size(ex: &Exchange) -> usize {
    if !ex.span.is_empty() {
        return ex.span.len();
    }
    let body = |b: &Option<Box<crate::model::Body>>| b.as_ref().map_or(0, |b| b.text.len());
    512 + body(&ex.request.body) + ex.response.as_ref().map_or(0, |r| body(&r.body))
}

/// The first entries of `items` up to about `bytes` of input (at least one).
fn run_of(items: &[Exchange], bytes: usize) -> &[Exchange] {
    let mut size = 0;
    let mut end = 0;
    while end < items.len() && (end == 0 || size < bytes) {
        size += entry_size(&items[end]);
        end += 1;
    }
    &items[..end]
}

/// `items` cut into runs of about `bytes` of input each.
fn pieces(mut items: &[Exchange], bytes: usize) -> Vec<&[Exchange]> {
    let mut out = Vec::new();
    while !items.is_empty() {
        let piece = run_of(items, bytes);
        items = &items[piece.len()..];
        out.push(piece);
    }
    out
}

/// Appends entry `ex` walked by the policy to `out`, after a `,` and a line break: its input
/// text if the copy keeps the document, else the HAR entry built from it. The response body
/// is removed first unless `keep_body`; whether one was.
fn entry(
    capture: &Capture,
    frame: &Frame,
    ex: &Exchange,
    keep_body: bool,
    san: &mut Sanitizer,
    out: &mut String,
) -> bool {
    out.push_str(",\n      ");
    if frame.from_input {
        let raw = capture.source.get(ex.span.clone()).unwrap_or_default();
        // (`from_utf8` first: its check is much faster than the lossy one's, and a
        // capture is UTF-8 but for the rare broken byte.)
        let text = match std::str::from_utf8(raw) {
            Ok(t) => Cow::Borrowed(t),
            Err(_) => String::from_utf8_lossy(raw),
        };
        // The walk removes the response text as it goes: the entry is read once.
        json_into(&text, Schema::Capture, !keep_body, san, out)
    } else {
        let mut entry = entry_of(ex);
        let removed = !keep_body && remove_response_body(&mut entry);
        let text = serde_json::to_string_pretty(&entry).unwrap_or_default();
        json_into(&text, Schema::Capture, false, san, out);
        removed
    }
}

/// Gives the entry written to `text` from `start` on (after its `,` and line break) the
/// stand-in of its removed response body, of the body's size (see [`super::oversized`]).
fn keep_size(ex: &Exchange, start: usize, text: &mut String) {
    let size = ex
        .response
        .as_ref()
        .and_then(|r| r.body.as_ref())
        .map_or(0, |b| b.text.len());
    let Some(at) = text[start..].find('{').map(|i| start + i) else {
        return;
    };
    if let Some(filled) = super::oversized::fill(&text[at..], size) {
        text.truncate(at);
        text.push_str(&filled);
    }
}

/// What closes every container `head` leaves open (strings skipped), when its last open one
/// is the array it ends with.
fn closers(head: &str) -> Option<String> {
    if !head.ends_with('[') {
        return None;
    }
    let bytes = head.as_bytes();
    let mut open = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = string_end(bytes, i)?,
            b'{' => {
                open.push(b'}');
                i += 1;
            }
            b'[' => {
                open.push(b']');
                i += 1;
            }
            b'}' | b']' => {
                open.pop()?;
                i += 1;
            }
            _ => i += 1,
        }
    }
    Some(open.iter().rev().map(|&b| b as char).collect())
}

/// Removes the text of a built entry's response body; whether there was one.
fn remove_response_body(entry: &mut Value) -> bool {
    let Some(Value::Object(content)) = entry.pointer_mut("/response/content") else {
        return false;
    };
    let had = content
        .get("text")
        .and_then(Value::as_str)
        .is_some_and(|t| !t.is_empty());
    if had {
        content.insert("text".into(), json!(""));
    }
    had
}

/// One exchange as a HAR 1.2 entry.
fn entry_of(ex: &Exchange) -> Value {
    let headers = |list: &[Header]| -> Value {
        list.iter()
            .map(|h| json!({"name": h.name, "value": h.value}))
            .collect()
    };
    // As many cookies as the input listed apart from its headers (a HAR whose frame does not
    // parse): empty, as only their number is known, and `capture/credentials-stripped` reads
    // a list without the header that carried it.
    let cookies =
        |n: usize| -> Value { (0..n).map(|_| json!({"name": "", "value": ""})).collect() };
    let started = ex
        .started
        .and_then(|t| t.format(&Rfc3339).ok())
        .or_else(|| ex.started_raw.as_deref().map(str::to_string))
        .unwrap_or_default();
    let req = &ex.request;
    let mut request = json!({
        "method": req.method,
        "url": req.url,
        "httpVersion": "HTTP/1.1",
        "cookies": cookies(req.listed_cookies),
        "headers": headers(&req.headers),
        "queryString": [],
        "headersSize": -1,
        "bodySize": req.body.as_ref().map_or(0, |b| b.text.len()),
    });
    if let Some(body) = &req.body {
        request["postData"] = json!({
            "mimeType": body.mime_type.clone().unwrap_or_default(),
            "text": body.text,
        });
    }
    let response = match &ex.response {
        Some(resp) => {
            let mut content = Map::new();
            content.insert(
                "size".into(),
                json!(resp.body.as_ref().map_or(0, |b| b.text.len())),
            );
            content.insert(
                "mimeType".into(),
                json!(resp
                    .body
                    .as_ref()
                    .and_then(|b| b.mime_type.clone())
                    .unwrap_or_default()),
            );
            if let Some(body) = &resp.body {
                content.insert("text".into(), json!(body.text));
            }
            let mut r = json!({
                "status": resp.status,
                "statusText": "",
                "httpVersion": "HTTP/1.1",
                "cookies": cookies(resp.listed_cookies),
                "headers": headers(&resp.headers),
                "content": content,
                "redirectURL": resp.redirect_url.clone().unwrap_or_default(),
                "headersSize": -1,
                "bodySize": -1,
            });
            if let Some(e) = &ex.error {
                r["_error"] = json!(e);
            }
            r
        }
        None => json!({
            "status": 0,
            "statusText": "",
            "httpVersion": "",
            "cookies": [],
            "headers": [],
            "content": {"size": 0, "mimeType": "x-unknown"},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
            "_error": ex.error,
        }),
    };
    json!({
        "startedDateTime": started,
        "time": 0,
        "request": request,
        "response": response,
        "cache": {},
        "timings": {"send": 0, "wait": 0, "receive": 0},
    })
}

/// Whether a capture of this format keeps its own document in the copy.
pub(super) fn own_document(format: Format) -> bool {
    format == Format::Har
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ops::Range;

    // The text-level removal the walk replaced, kept as the oracle it must agree with.
    /// The span of the string literal at `response.content.text` of an entry's JSON text.
    fn response_text(entry: &str) -> Option<Range<usize>> {
        let bytes = entry.as_bytes();
        // The key each open container stands under, and the key of the member being read.
        let mut path: Vec<Option<&str>> = Vec::new();
        let mut key: Option<&str> = None;
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'"' => {
                    let end = string_end(bytes, i)?;
                    let literal = &entry[i + 1..end - 1];
                    let mut after = end;
                    while bytes.get(after).is_some_and(u8::is_ascii_whitespace) {
                        after += 1;
                    }
                    if bytes.get(after) == Some(&b':') {
                        key = Some(literal);
                        i = after + 1;
                        continue;
                    }
                    if key == Some("text")
                        && path.len() == 3
                        && path[1] == Some("response")
                        && path[2] == Some("content")
                    {
                        return Some(i..end);
                    }
                    key = None;
                    i = end;
                }
                b'{' | b'[' => {
                    path.push(key.take());
                    i += 1;
                }
                b'}' | b']' => {
                    path.pop();
                    key = None;
                    i += 1;
                }
                b',' => {
                    key = None;
                    i += 1;
                }
                _ => i += 1,
            }
        }
        None
    }

    /// The entry with its response body's text emptied; `None` when it has none.
    fn without_response_text(entry: &str) -> Option<String> {
        let span = response_text(entry)?;
        if span.len() <= 2 {
            return None;
        }
        let mut out = String::with_capacity(entry.len() - span.len() + 2);
        out.push_str(&entry[..span.start]);
        out.push_str("\"\"");
        out.push_str(&entry[span.end..]);
        Some(out)
    }

    #[test]
    fn the_walk_removes_the_response_text_as_the_text_level_removal_did() {
        use crate::secret::placeholder::{Key, Placeholders};
        use crate::secret::policy::Keyed;
        let p = Placeholders::new(Key::from_bytes(b"0123456789abcdef-key").expect("key"));
        let entries = [
            r#"{"request": {"postData": {"text": "a=1"}}, "response": {"status": 200, "content": {"size": 3, "text": "{\"access_token\": \"s3cr3t-value\"}", "mimeType": "application/json"}}, "text": "d"}"#,
            r#"{"response": {"content": {"mimeType": "text/html", "text": ""}}}"#,
            r#"{"response": {"content": {"text": "x", "text": "second"}}, "text": "y"}"#,
            r#"{"response": [{"content": {"text": "in a list"}}]}"#,
            r#"{"response": {"headers": [], "content": {"encoding": "base64", "text": "c2VjcmV0"}}}"#,
            r#"{"x": {"response": {"content": {"text": "too deep"}}}}"#,
            r#"{"response": {"content": "text", "text": "not in content"}}"#,
        ];
        for e in entries {
            let mut walked = String::new();
            let removed = json_into(
                e,
                Schema::Capture,
                true,
                &mut Keyed { placeholders: &p },
                &mut walked,
            );
            let (oracle, oracle_removed) = match without_response_text(e) {
                Some(t) => (t, true),
                None => (e.to_string(), false),
            };
            let expected = json_as(&oracle, Schema::Capture, &mut Keyed { placeholders: &p });
            assert_eq!(walked, expected, "{e}");
            assert_eq!(removed, oracle_removed, "{e}");
        }
    }

    #[test]
    fn finds_the_response_text_only() {
        let e = r#"{"request": {"postData": {"text": "a"}}, "response": {"status": 200, "content": {"size": 3, "text": "b\"c", "mimeType": "x"}}, "text": "d"}"#;
        let span = response_text(e).expect("found");
        assert_eq!(&e[span], r#""b\"c""#);
        let out = without_response_text(e).expect("removed");
        assert!(out.contains(r#""text": "", "mimeType""#) && out.contains(r#""text": "a""#));
        assert_eq!(
            without_response_text(r#"{"response": {"content": {"text": ""}}}"#),
            None
        );
    }

    #[test]
    fn tags_are_written_as_format_wrote_them() {
        for tag in [
            0,
            1,
            0xabc,
            0xffff_ffff_ffff,
            0x1234_5678_9abc,
            1 << 48,
            u64::MAX,
        ] {
            let mut out = Vec::new();
            push_tag(&mut out, tag);
            assert_eq!(
                String::from_utf8(out).expect("utf-8"),
                format!("\"{tag:012x}\"")
            );
        }
    }

    /// Many pieces on two threads: written whole and in order; a writer that fails stops the
    /// walk with its error (and nothing waits for ever).
    #[test]
    fn the_pieces_are_written_in_order_and_a_failed_write_stops_them() {
        use crate::secret::placeholder::{Key, Placeholders};
        let entry = |i: usize| {
            format!(
                r#"{{"request": {{"method": "GET", "url": "https://example.com/{i}", "headers": [{{"name": "Cookie", "value": "session=s3cr3t-{i}-0123456789"}}]}}, "response": {{"status": 200, "headers": [], "content": {{"mimeType": "text/plain", "text": "{pad}"}}}}}}"#,
                pad = "x".repeat(10_000)
            )
        };
        let entries: Vec<String> = (0..600).map(entry).collect();
        let text = format!(
            r#"{{"log": {{"version": "1.2", "entries": [{}]}}}}"#,
            entries.join(",")
        );
        let capture = crate::read::read_bytes("many.har", std::sync::Arc::from(text.as_bytes()))
            .expect("reads");
        assert!(pieces(&capture.exchanges, PIECE_BYTES).len() > AHEAD);
        let p = Placeholders::new(Key::from_bytes(b"0123456789abcdef-pieces").expect("key"));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .expect("pool");
        let copy = pool.install(|| super::super::sanitize(&capture, &p));
        let urls: Vec<usize> = copy
            .har
            .match_indices("https://example.com/")
            .map(|(at, _)| {
                let digits = &copy.har[at + 20..];
                let end = digits.find('"').expect("ends");
                digits[..end].parse().expect("a number")
            })
            .collect();
        assert_eq!(urls, (0..600).collect::<Vec<_>>());
        assert!(copy.har.len() > 100_000, "{}", copy.har.len());

        struct FailsAfter(usize);
        impl Write for FailsAfter {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                if buf.len() > self.0 {
                    return Err(io::Error::other("full"));
                }
                self.0 -= buf.len();
                Ok(buf.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let failed =
            pool.install(|| super::super::sanitize_to(&capture, &p, &mut FailsAfter(20_000)));
        assert_eq!(
            failed.map(|_| ()).map_err(|e| e.to_string()),
            Err("full".into())
        );
    }

    #[test]
    fn closes_what_the_head_opens() {
        assert_eq!(
            closers(r#"{"log": {"x": "[{", "entries": ["#).as_deref(),
            Some("]}}")
        );
        assert_eq!(closers(r#"{"log": {"entries": "#), None);
    }
}
