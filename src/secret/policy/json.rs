//! JSON, as an app wrote it (a body) or as a capture file holds it (HAR, Charles): walked
//! token by token, keys and structure kept, values as the policy says for their key.

use super::*;

/// How a JSON document is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// A body an app wrote: keys are structure, values public only for [`Applies::Field`]
    /// names.
    Body,
    /// A HAR or Charles document (or one of its entries): its own structure is read as such
    /// (headers by their `name`, `url`s as URLs, `postData.text` as a body of its `mimeType`,
    /// Polly.JS array values as repeated headers); app data inside it as [`Schema::Body`].
    Capture,
}

/// A JSON body: keys kept when name-shaped, string values as [`field_value`] says for their
/// key (JSON inside a string walked too), numbers and booleans shown unless their key marks
/// a credential or they are long (a number of 6 or more digits may be a one-time code or an
/// account), `null` shown. Text that is not JSON is walked as far as it reads as JSON; every
/// other run of characters is replaced.
pub fn json<R: Replace + ?Sized>(text: &str, r: &mut R) -> String {
    json_as(text, Schema::Body, r)
}

/// [`json`] with a schema: a capture file's text (a whole file, an entry, or a piece of one).
pub fn json_as<R: Replace + ?Sized>(text: &str, schema: Schema, r: &mut R) -> String {
    let mut out = String::with_capacity(text.len());
    json_into(text, schema, false, r, &mut out);
    out
}

/// [`json_as`] appended to `out`; with `blank_response_text`, the first string at
/// `response.content.text` of the entry `text` is walked as if it were empty (`sanitize`
/// removes the response bodies of entries outside any OAuth flow). Whether a non-empty one
/// was.
pub fn json_into<R: Replace + ?Sized>(
    text: &str,
    schema: Schema,
    blank_response_text: bool,
    r: &mut R,
    out: &mut String,
) -> bool {
    if r.keeps_all() && !blank_response_text {
        out.push_str(text);
        return false;
    }
    let mut w = JsonWalk {
        text,
        bytes: text.as_bytes(),
        schema,
        stack: Vec::new(),
        out: std::mem::take(out),
        copied: 0,
        pending_key: None,
        blank: blank_response_text.then(Blank::default),
    };
    w.out.reserve(text.len());
    w.run(r);
    w.flush();
    *out = w.out;
    w.blank.is_some_and(|b| b.removed)
}

/// Where the walk stands as it looks for `response.content.text`, as a plain scan of the
/// entry's tokens sees it: the key literally before each open container (`None` where no key
/// stood right before it), and the key just read (until the next token that ends it).
#[derive(Default)]
pub(super) struct Blank {
    path: Vec<Option<KeyIs>>,
    key: Option<KeyIs>,
    done: bool,
    removed: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyIs {
    Response,
    Content,
    Text,
    Other,
}

impl KeyIs {
    /// Of a key's literal (quotes included), undecoded.
    fn of(literal: &str) -> KeyIs {
        match literal {
            "\"response\"" => KeyIs::Response,
            "\"content\"" => KeyIs::Content,
            "\"text\"" => KeyIs::Text,
            _ => KeyIs::Other,
        }
    }
}

impl Blank {
    /// Whether a string value read now is the response's text.
    fn at_text(&self) -> bool {
        !self.done
            && self.key == Some(KeyIs::Text)
            && self.path.len() == 3
            && self.path[1] == Some(KeyIs::Response)
            && self.path[2] == Some(KeyIs::Content)
    }
}

/// A key or a looked-ahead string of the text: borrowed from it unless it had escapes.
type Text<'t> = Cow<'t, str>;

/// What an object or array is, in a capture file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Role<'t> {
    /// Nothing special: app data, or capture structure.
    Plain,
    /// A header object (`{"name": …, "value": …}` in a `headers` list).
    Header { name: Option<Text<'t>> },
    /// A query or form parameter object.
    Param { name: Option<Text<'t>> },
    /// A cookie object.
    Cookie,
    /// A body holder (`postData`, `content`, Charles' `body`): its media type and encoding
    /// are looked up when a body in it needs them ([`JsonWalk::body_type`]).
    Body,
    /// The array value of a header object (Polly.JS `"value": ["a", "b"]`): each element is
    /// the header's value.
    HeaderValues { name: Option<Text<'t>> },
}

#[derive(Debug)]
pub(super) struct Frame<'t> {
    object: bool,
    /// The key this container stands under.
    key: Option<Text<'t>>,
    role: Role<'t>,
    /// The key of the member being read (objects).
    current: Option<Text<'t>>,
    /// Where it opens in the text.
    open: usize,
    /// A `request` or `response` object: its direct `mimeType` (Charles), looked up when a
    /// member needs it, makes it a [`Role::Message`].
    message: bool,
}

pub(super) struct JsonWalk<'t> {
    text: &'t str,
    bytes: &'t [u8],
    schema: Schema,
    stack: Vec<Frame<'t>>,
    out: String,
    /// The text before this offset is in `out` already: what the walk keeps is copied a run
    /// at a time, when a changed token (or the end) comes, not token by token.
    copied: usize,
    /// A key read outside any known container (a piece of a document).
    pending_key: Option<Text<'t>>,
    /// Looking for the response's text to walk as empty ([`json_into`]).
    blank: Option<Blank>,
}

impl<'t> JsonWalk<'t> {
    /// Writes `new` in place of the text's `start..end`, after the kept text before it.
    fn put(&mut self, start: usize, end: usize, new: &str) {
        let text = self.text;
        self.out.push_str(&text[self.copied..start]);
        self.out.push_str(new);
        self.copied = end;
    }

    /// Copies the kept text before `start`, where the caller writes what replaces the text's
    /// `start..end`.
    fn keep_to(&mut self, start: usize, end: usize) {
        let text = self.text;
        self.out.push_str(&text[self.copied..start]);
        self.copied = end;
    }

    /// Copies the kept text after the last change.
    fn flush(&mut self) {
        let text = self.text;
        self.out.push_str(&text[self.copied..]);
        self.copied = text.len();
    }

    fn run<R: Replace + ?Sized>(&mut self, r: &mut R) {
        let mut pos = 0;
        let n = self.bytes.len();
        while pos < n {
            let b = self.bytes[pos];
            match b {
                b' ' | b'\t' | b'\r' | b'\n' | b',' | b':' => pos = self.punctuation(pos),
                b'{' | b'[' => {
                    let key = self.current_key_text();
                    let (role, message) = self.role_for(b == b'{', key.as_deref(), pos);
                    self.stack.push(Frame {
                        object: b == b'{',
                        key,
                        role,
                        current: None,
                        open: pos,
                        message,
                    });
                    self.pending_key = None;
                    if let Some(blank) = &mut self.blank {
                        blank.path.push(blank.key.take());
                    }
                    pos += 1;
                }
                b'}' | b']' => {
                    self.stack.pop();
                    self.pending_key = None;
                    if let Some(blank) = &mut self.blank {
                        blank.path.pop();
                        blank.key = None;
                    }
                    pos += 1;
                }
                b'"' => pos = self.string(pos, r),
                _ => {
                    // A number, `true`, `false`, `null`, or anything else up to the next
                    // structural character.
                    let end = (pos..n)
                        .find(|&i| {
                            matches!(
                                self.bytes[i],
                                b',' | b'}'
                                    | b']'
                                    | b':'
                                    | b'"'
                                    | b'{'
                                    | b'['
                                    | b' '
                                    | b'\t'
                                    | b'\r'
                                    | b'\n'
                            )
                        })
                        .unwrap_or(n);
                    let end = if end == pos { pos + 1 } else { end };
                    let end = ceil_char(self.text, end);
                    self.scalar(pos, end, r);
                    pos = end;
                }
            }
        }
    }

    /// Passes the run of punctuation and indentation at `pos` (kept as it is); where it ends.
    fn punctuation(&mut self, pos: usize) -> usize {
        let bytes = self.bytes;
        let mut end = pos;
        let mut comma = false;
        loop {
            // Line breaks and indentation, 16 bytes at a time.
            end = json_ws_end(bytes, end);
            match bytes.get(end) {
                Some(b',') => comma = true,
                Some(b':') => {}
                _ => break,
            }
            end += 1;
        }
        if comma {
            if let Some(blank) = &mut self.blank {
                blank.key = None;
            }
        }
        end
    }

    /// Walks the string literal at `pos` (a key or a value); where it ends.
    fn string<R: Replace + ?Sized>(&mut self, pos: usize, r: &mut R) -> usize {
        let n = self.bytes.len();
        let found = literal_end(self.bytes, pos);
        let (end, plain) = (found.map(|(e, _)| e), found.is_some_and(|(_, p)| p));
        let stop = end.unwrap_or(n);
        let text = self.text;
        let literal = &text[pos..stop];
        let is_key = end.is_some_and(|e| {
            let after = skip_ws(self.bytes, e);
            self.bytes.get(after) == Some(&b':')
        });
        if is_key {
            if let Some(blank) = &mut self.blank {
                blank.key = Some(KeyIs::of(literal));
            }
            self.key(pos, literal, plain, r);
        } else {
            let mut literal = literal;
            let mut blanked = false;
            if let Some(blank) = &mut self.blank {
                if end.is_some() && blank.at_text() {
                    blank.done = true;
                    blank.removed = literal.len() > 2;
                    literal = "\"\"";
                    blanked = true;
                }
                blank.key = None;
            }
            let value = end.and_then(|_| decoded(literal, plain));
            self.string_value(pos..stop, literal, blanked, (end.is_some(), value), r);
        }
        stop
    }

    fn current_key(&self) -> Option<&str> {
        match self.stack.last() {
            Some(f) if f.object => f.current.as_deref(),
            Some(f) => f.key.as_deref(),
            None => self.pending_key.as_deref(),
        }
    }

    /// [`Self::current_key`], for a frame to keep (borrowed from the text when it can be).
    fn current_key_text(&self) -> Option<Text<'t>> {
        match self.stack.last() {
            Some(f) if f.object => f.current.clone(),
            Some(f) => f.key.clone(),
            None => self.pending_key.clone(),
        }
    }

    /// The role of a container opening at `pos` under `key`, and whether it is a message
    /// object ([`Frame::message`]).
    fn role_for(&self, object: bool, key: Option<&str>, pos: usize) -> (Role<'t>, bool) {
        if self.schema != Schema::Capture {
            return (Role::Plain, false);
        }
        let parent = self.stack.last();
        let parent_key = parent.and_then(|f| f.key.as_deref());
        let in_list = parent.is_some_and(|f| !f.object);
        if object && in_list {
            let text = self.text;
            let sibling = |k: &str| direct_string(text, pos, k);
            match parent_key {
                Some("headers") => {
                    let name = sibling("name");
                    return (Role::Header { name }, false);
                }
                Some("queryString" | "params") => {
                    let name = sibling("name");
                    return (Role::Param { name }, false);
                }
                Some("cookies") => return (Role::Cookie, false),
                _ => {}
            }
        }
        if !object && key == Some("value") {
            if let Some(Frame {
                role: Role::Header { name },
                ..
            }) = parent
            {
                return (Role::HeaderValues { name: name.clone() }, false);
            }
        }
        if object {
            match key {
                Some("postData" | "content" | "body") => return (Role::Body, false),
                Some("request" | "response") => return (Role::Plain, true),
                _ => {}
            }
        }
        (Role::Plain, false)
    }

    /// The media type and whether base64 of the body holder the walk is in (the innermost
    /// frame), looked ahead from where it opens: its own `mimeType` and `encoding`, else its
    /// message object's media type. (Looked up when a body needs them, not for every holder:
    /// a removed response text does not.)
    fn body_type(&self) -> (Text<'t>, bool) {
        let Some((frame, below)) = self.stack.split_last() else {
            return (Cow::Borrowed(""), false);
        };
        // One look ahead for both members.
        let [mime, encoding] = direct_strings(self.text, frame.open, ["mimeType", "encoding"]);
        let mime = mime
            .or_else(|| below.last().and_then(|f| self.message_mime(f)))
            .unwrap_or_default();
        let base64 = encoding.is_some_and(|e| e.eq_ignore_ascii_case("base64"));
        (mime, base64)
    }

    /// The media type of a message object (Charles's request or response holds its body's),
    /// looked ahead from where it opens.
    fn message_mime(&self, frame: &Frame<'t>) -> Option<Text<'t>> {
        if !frame.message {
            return None;
        }
        direct_string(self.text, frame.open, "mimeType")
    }

    /// The key `literal` of the text at `pos`.
    fn key<R: Replace + ?Sized>(&mut self, pos: usize, literal: &'t str, plain: bool, r: &mut R) {
        let end = pos + literal.len();
        match decoded(literal, plain) {
            Some(k)
                if capture_key(&k) || {
                    let facts = name_facts(&k);
                    facts.name_shaped || self.schema == Schema::Capture && facts.public_capture
                } =>
            {
                self.set_key(k);
            }
            Some(k) => {
                let replaced = r.replace(SecretKind::Value, &k);
                self.put(pos, end, &json_string(&replaced));
                self.set_key(k);
            }
            None => {
                let replaced = r.replace(SecretKind::Value, literal);
                self.put(pos, end, &json_string(&replaced));
                self.set_key(Cow::Borrowed(""));
            }
        }
    }

    fn set_key(&mut self, k: Text<'t>) {
        let slot = match self.stack.last_mut() {
            Some(f) if f.object => &mut f.current,
            Some(_) => return,
            None => &mut self.pending_key,
        };
        *slot = Some(k);
    }

    /// The string value `literal` standing at `span` of the text (`literal` is that text
    /// unless `blanked`: the response text walked as empty), whether it is `closed`, and its
    /// decoded `value` (`None` when it is not closed or holds an invalid escape).
    fn string_value<R: Replace + ?Sized>(
        &mut self,
        span: std::ops::Range<usize>,
        literal: &str,
        blanked: bool,
        (closed, value): (bool, Option<Text<'_>>),
        r: &mut R,
    ) {
        let Some(value) = value else {
            // Cut inside the string (or an invalid escape): hide what there is.
            let inner = literal.get(1..).unwrap_or("");
            let mut new = String::from("\"");
            if !inner.is_empty() {
                new.push_str(&json_escape(&r.replace(SecretKind::Value, inner)));
            }
            if closed {
                new.push('"');
            }
            self.put(span.start, span.end, &new);
            return;
        };
        match self.decide(self.current_key(), &value, r) {
            Decision::Keep if blanked => self.put(span.start, span.end, literal),
            Decision::Keep => {}
            Decision::Walked(new) => {
                self.keep_to(span.start, span.end);
                json_string_into(&new, &mut self.out);
            }
            Decision::Hide(kind) => {
                // The stand-in written in place, escaped after the fact in the rare case it
                // needs it.
                self.keep_to(span.start, span.end);
                self.out.push('"');
                let at = self.out.len();
                r.replace_into(kind, &value, &mut self.out);
                if needs_escape(&self.out[at..]) {
                    let stand_in = self.out.split_off(at);
                    json_escape_into(&stand_in, &mut self.out);
                }
                self.out.push('"');
            }
        }
    }

    /// What a string value under `key` becomes.
    fn decide<R: Replace + ?Sized>(&self, key: Option<&str>, value: &str, r: &mut R) -> Decision {
        let unchanged = |new: String| {
            if new == value {
                Decision::Keep
            } else {
                Decision::Walked(new)
            }
        };
        let frame = self.stack.last();
        if self.schema == Schema::Capture {
            let role = frame.map(|f| &f.role).unwrap_or(&Role::Plain);
            match (role, key) {
                (Role::Header { name }, Some("value")) | (Role::HeaderValues { name }, _) => {
                    return match header_value_cow(name.as_deref().unwrap_or(""), value, r) {
                        Cow::Borrowed(_) => Decision::Keep,
                        Cow::Owned(new) => unchanged(new),
                    };
                }
                (Role::Header { .. }, Some("name")) => {
                    if name_facts(value).header_known {
                        return Decision::Keep;
                    }
                    return match header_name_cow(value, r) {
                        Cow::Borrowed(_) => Decision::Keep,
                        Cow::Owned(new) => unchanged(new),
                    };
                }
                (Role::Param { name }, Some("value")) => {
                    return decide_value(name.as_deref().unwrap_or(""), value, r)
                }
                (Role::Param { .. } | Role::Cookie, Some("name")) => {
                    return if name_shaped(value) {
                        Decision::Keep
                    } else {
                        Decision::Hide(SecretKind::Value)
                    }
                }
                (Role::Cookie, Some("value")) => return Decision::Hide(SecretKind::Cookie),
                // (Blank text is kept by `body` and `base64_body` whatever the type.)
                (Role::Body, Some("text" | "encoded")) if value.trim().is_empty() => {
                    return Decision::Keep
                }
                (Role::Body, Some("text")) => {
                    let (mime, base64) = self.body_type();
                    return unchanged(if base64 {
                        base64_body(&mime, value, r)
                    } else {
                        body(&mime, value, r)
                    });
                }
                (Role::Body, Some("encoded")) => {
                    let (mime, _) = self.body_type();
                    return unchanged(base64_body(&mime, value, r));
                }
                (_, Some("url" | "redirectURL")) => return unchanged(url(value, r)),
                (_, Some("firstLine")) => return unchanged(start_line(value, r)),
                (_, Some("query")) => return unchanged(form(value, r)),
                (_, Some("path")) => return unchanged(path(value, r)),
                (_, Some(k)) if name_facts(k).public_capture && !k.eq_ignore_ascii_case("name") => {
                    return Decision::Keep
                }
                (_, Some("name")) if self.under(&["creator", "browser"]) => return Decision::Keep,
                // A `name` whose object is outside the text (a piece of a file): a header,
                // parameter or cookie name, shown as header names are. (Not in a message
                // object with a media type: Charles's request or response.)
                (Role::Plain, Some("name"))
                    if frame.is_none_or(|f| self.message_mime(f).is_none()) =>
                {
                    return unchanged(header_name(value, r))
                }
                _ => {}
            }
        }
        decide_value(key.unwrap_or(""), value, r)
    }

    /// Whether the innermost container stands under one of `keys`.
    fn under(&self, keys: &[&str]) -> bool {
        self.stack
            .last()
            .and_then(|f| f.key.as_deref())
            .is_some_and(|k| keys.contains(&k))
    }

    /// The number, literal or stray text at `start..end`.
    fn scalar<R: Replace + ?Sized>(&mut self, start: usize, end: usize, r: &mut R) {
        let text = self.text;
        let token = &text[start..end];
        let key = self.current_key().unwrap_or_default();
        // (A HAR entry's own keys name no credential: a test checks.)
        let (kind, credential) = if capture_key(key) {
            (None, false)
        } else {
            let facts = name_facts(key);
            (
                facts.field_kind,
                facts.field_kind.is_some() || facts.header_secret,
            )
        };
        let digits = token.bytes().filter(u8::is_ascii_digit).count();
        let number = token
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
            && digits > 0;
        // A capture file's own numbers (sizes, timings, ports) are structure; app data inside
        // it stands in body strings, which are walked as bodies.
        let capture_number = self.schema == Schema::Capture;
        let shown = match token {
            "true" | "false" | "null" => !credential || token == "null",
            _ if number => !credential && (digits < 6 || capture_number),
            _ => false,
        };
        // (A capture file's own numbers are its structure, never an artifact.)
        let identified = if shown && !capture_number {
            r.identified(token)
        } else {
            None
        };
        if !(shown && identified.is_none()) {
            let kind = identified.or(kind).unwrap_or(SecretKind::Value);
            let replaced = r.replace(kind, token);
            if number && replaced.bytes().all(|b| b.is_ascii_digit()) && !replaced.starts_with('0')
            {
                self.put(start, end, &replaced);
            } else {
                self.put(start, end, &json_string(&replaced));
            }
        }
    }
}

/// What the walk asks of a key or a header name, each time it meets one: pure functions of
/// the name, remembered by name on each thread ([`name_facts`]), as a capture repeats a few
/// dozen keys and header names in every entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct NameFacts {
    /// [`name_shaped`].
    pub(super) name_shaped: bool,
    /// [`public_name`] for [`Capture`] finds it.
    pub(super) public_capture: bool,
    /// How [`public_name`] for [`Field`] shows its values, if it finds it.
    pub(super) public_field: Option<names::Shown>,
    /// How [`public_name`] for [`Header`] shows its values, if it finds it.
    pub(super) public_header: Option<names::Shown>,
    /// [`kind_of_field`].
    pub(super) field_kind: Option<SecretKind>,
    /// [`kind_of_header`].
    pub(super) header_kind: Option<SecretKind>,
    /// [`kind_of_header`] finds it.
    pub(super) header_secret: bool,
    /// [`header_name_known`].
    pub(super) header_known: bool,
}

impl NameFacts {
    pub(super) fn of(name: &str) -> NameFacts {
        let header_kind = kind_of_header(name);
        NameFacts {
            name_shaped: name_shaped(name),
            public_capture: public_name(name, Capture).is_some(),
            public_field: public_name(name, Field).map(|p| p.shown),
            public_header: public_name(name, Header).map(|p| p.shown),
            field_kind: kind_of_field(name),
            header_kind,
            header_secret: header_kind.is_some(),
            header_known: header_name_known(name),
        }
    }
}

/// Slots of the per-thread memory of [`name_facts`] (a name takes the slot of its hash; one
/// that lands on a taken slot replaces its name), and the longest name remembered: a capture
/// of random names cannot grow it.
const FACTS_SLOTS: usize = 512;
const FACTS_LONGEST: usize = 64;

/// [`NameFacts::of`] `name`, remembered.
pub(super) fn name_facts(name: &str) -> NameFacts {
    use std::cell::RefCell;
    type Slots = Vec<Option<(Box<str>, NameFacts)>>;
    thread_local! {
        static KNOWN: RefCell<Slots> = const { RefCell::new(Vec::new()) };
    }
    let b = name.as_bytes();
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        // (No key: asked of many values.)
        static EMPTY: std::sync::OnceLock<NameFacts> = std::sync::OnceLock::new();
        return *EMPTY.get_or_init(|| NameFacts::of(""));
    };
    if b.len() > FACTS_LONGEST {
        return NameFacts::of(name);
    }
    // A cheap hash: the names a capture repeats differ in length or at these three places.
    let hash = b.len().wrapping_mul(0x9E37)
        ^ usize::from(first).wrapping_mul(31)
        ^ usize::from(last) << 5
        ^ usize::from(b[b.len() / 2]) << 10;
    let slot = hash % FACTS_SLOTS;
    KNOWN.with(|known| {
        let mut known = known.borrow_mut();
        if known.is_empty() {
            known.resize(FACTS_SLOTS, None);
        }
        match &known[slot] {
            Some((n, facts)) if **n == *name => *facts,
            _ => {
                let facts = NameFacts::of(name);
                known[slot] = Some((name.into(), facts));
                facts
            }
        }
    })
}

// `string_end`: the end (after the closing quote) of the string literal opening at `start`,
// the first quote no backslash escapes (`None` if none does). Found 16 and 64 bytes at a time
// by the crate's SIMD code (`wire::simd`, where its `unsafe` stays), which a test holds equal
// to a byte-wise scan.
pub(crate) use crate::wire::simd::string_end;

// `literal_end`: `string_end`, and whether the literal's content is plain (no backslash, no
// control character), from the same SIMD code.
use crate::wire::simd::literal_end;
// The first byte at or after `pos` that is not JSON whitespace, 16 bytes at a time.
use crate::wire::simd::skip_ws as json_ws_end;

pub(super) fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while bytes.get(pos).is_some_and(u8::is_ascii_whitespace) {
        pos += 1;
    }
    pos
}

pub(super) fn ceil_char(text: &str, mut i: usize) -> usize {
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// [`decode_string`] of a closed literal, told by [`literal_end`] whether its content is
/// plain (no backslash, no control character): then borrowed without another look.
fn decoded(literal: &str, plain: bool) -> Option<Cow<'_, str>> {
    if plain {
        return Some(Cow::Borrowed(&literal[1..literal.len() - 1]));
    }
    decode_string(literal)
}

/// The decoded content of a JSON string literal (with its quotes): borrowed when it has no
/// escapes (most have none), else decoded by serde_json (which also refuses what JSON does).
pub(super) fn decode_string(literal: &str) -> Option<Cow<'_, str>> {
    let b = literal.as_bytes();
    // (A fold without an early exit, which the compiler turns into vector code: most
    // literals are short, and have neither.)
    if b.len() >= 2
        && b[0] == b'"'
        && b[b.len() - 1] == b'"'
        && !b[1..b.len() - 1]
            .iter()
            .fold(false, |seen, &c| seen | (c == b'\\') | (c < 0x20))
    {
        return Some(Cow::Borrowed(&literal[1..literal.len() - 1]));
    }
    serde_json::from_str::<String>(literal).ok().map(Cow::Owned)
}

/// `s` as a JSON string literal.
pub(super) fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    json_string_into(s, &mut out);
    out
}

/// [`json_string`] appended to `out`.
pub(super) fn json_string_into(s: &str, out: &mut String) {
    out.push('"');
    json_escape_into(s, out);
    out.push('"');
}

/// `s` escaped for the inside of a JSON string.
pub(super) fn json_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    json_escape_into(s, &mut out);
    out
}

/// Whether `s` has a character a JSON string escapes. (A fold without an early exit, which
/// the compiler turns into vector code.)
fn needs_escape(s: &str) -> bool {
    s.bytes().fold(false, |seen, b| {
        seen | (b < 0x20) | (b == b'"') | (b == b'\\')
    })
}

/// [`json_escape`] appended to `out`: escaped as serde_json escapes (quote, backslash, the
/// short forms `\b \f \n \r \t`, other control characters as `\u00xx` in lower-case hex,
/// nothing else); a test compares the two.
pub(super) fn json_escape_into(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    if !needs_escape(s) {
        out.push_str(s);
        return;
    }
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let short = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x0c => "\\f",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..0x20 => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if short.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        } else {
            out.push_str(short);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

/// The string value of the direct member `key` of the object opening at `open`, found by a
/// shallow scan that skips nested containers.
pub(super) fn direct_string<'t>(text: &'t str, open: usize, key: &str) -> Option<Cow<'t, str>> {
    let [value] = direct_strings(text, open, [key]);
    value
}

/// [`direct_string`] of several keys in one scan: each the value the scan for it alone would
/// give (the first member of that name, `None` if its value is no string or the object ends
/// or breaks off first).
pub(super) fn direct_strings<'t, const N: usize>(
    text: &'t str,
    open: usize,
    keys: [&str; N],
) -> [Option<Cow<'t, str>>; N] {
    let mut found: [Option<Cow<'t, str>>; N] = std::array::from_fn(|_| None);
    let mut decided = [false; N];
    let bytes = text.as_bytes();
    let mut pos = open + 1;
    let mut depth = 0usize;
    let mut expect_key = true;
    while pos < bytes.len() && decided.contains(&false) {
        match bytes[pos] {
            b'"' => {
                let Some(end) = string_end(bytes, pos) else {
                    break;
                };
                if depth == 0 && expect_key {
                    let after = skip_ws(bytes, end);
                    if bytes.get(after) == Some(&b':') {
                        let Some(k) = decode_string(&text[pos..end]) else {
                            break;
                        };
                        let vstart = skip_ws(bytes, after + 1);
                        for (i, key) in keys.iter().enumerate() {
                            if decided[i] || *key != k.as_ref() {
                                continue;
                            }
                            decided[i] = true;
                            if bytes.get(vstart) == Some(&b'"') {
                                found[i] = string_end(bytes, vstart)
                                    .and_then(|vend| decode_string(&text[vstart..vend]));
                            }
                        }
                        expect_key = false;
                        pos = after + 1;
                        continue;
                    }
                }
                pos = end;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            }
            b',' if depth == 0 => expect_key = true,
            _ => {}
        }
        pos += 1;
    }
    found
}
