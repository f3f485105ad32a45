//! A tolerant HAR reader.
//!
//! Real exports deviate from HAR 1.2 in many small ways (see `domain.md` §4), and a capture
//! that matters is often cut off. So the reader:
//!
//! * walks `log` → `entries` with a chain of serde seeds and takes each entry as a raw JSON
//!   slice borrowed from the input, which gives its exact byte span and lets every complete
//!   entry survive a later syntax error or an early end of file (then [`Capture::truncation`]
//!   says where and why);
//! * parses each entry with lenient types: a field of the wrong type or `null` becomes its
//!   default instead of failing the entry, numbers may be strings or floats, strings may be
//!   numbers, and unknown (vendor `_`-prefixed) fields are ignored;
//! * keeps an entry that is not an object at all with empty defaults, so entry numbers always
//!   equal the file's own positions.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;
use std::sync::Arc;

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use serde_json::Value;
use time::format_description::well_known::{Iso8601, Rfc3339};
use time::OffsetDateTime;

use super::sniff::UTF8_BOM;
use super::ReadError;
use crate::model::{
    Body, Capture, Exchange, Format, Header, Request, Response, Source, Truncation,
};
use crate::wire::form;

mod skim;

/// Reads HAR bytes into a capture. A file cut (or broken) inside its entry list is salvaged;
/// one that breaks before the list starts, or has none, is an error.
pub fn read(name: &str, source: Arc<[u8]>) -> Result<Capture, ReadError> {
    read_source(name, source.into())
}

/// [`read`] over bytes in memory or a mapped file.
pub fn read_source(name: &str, source: Source) -> Result<Capture, ReadError> {
    let (exchanges, truncation) = read_entries(&source).map_err(|f| f.into_error(name))?;
    Ok(Capture {
        name: name.to_string(),
        format: Format::Har,
        source,
        exchanges,
        truncation,
        parts: Vec::new(),
        limits_hit: Vec::new(),
        skipped: Vec::new(),
    })
}

/// Reads a HAR for checking.
///
/// The same capture as [`read_source`] as far as any later stage can tell, only much cheaper
/// (see `skim.rs`): entries that cannot matter to OAuth are kept as their position, span and
/// start time (and what reconstruction notes of them: cookies listed without their header);
/// the rest are read in full. Nothing is collected as a secret on the way: whatever is shown
/// later is masked by the secrets policy where it is shown (`secret::policy`). A mapped
/// source's pages are released as they are passed. Whatever the skim cannot vouch for (a broken
/// or cut-off file, invalid UTF-8, odd shapes) is read the full way.
pub fn read_skimmed(
    name: &str,
    source: Source,
    limits: &crate::limits::Limits,
) -> Result<Capture, ReadError> {
    if let Some(exchanges) = skim::skim(&source, limits) {
        let capture = Capture {
            name: name.to_string(),
            format: Format::Har,
            source,
            exchanges,
            truncation: None,
            parts: Vec::new(),
            limits_hit: Vec::new(),
            skipped: Vec::new(),
        };
        return Ok(capture);
    }
    read_source(name, source)
}

/// Replaces entry `entry` (1-based) of a HAR capture by its full read where the fast read kept
/// it as a stub (no method, no URL); nothing changes for any other entry or capture.
pub fn fill_stub(capture: &mut Capture, entry: usize) {
    let Some(i) = entry.checked_sub(1) else {
        return;
    };
    let Some(ex) = capture.exchanges.get(i) else {
        return;
    };
    if ex.index != entry || !ex.request.method.is_empty() || !ex.request.url.is_empty() {
        return;
    }
    if let Some(full) = reread(capture, ex) {
        if let Some(slot) = capture.exchanges.get_mut(i) {
            *slot = full;
        }
    }
}

/// An entry of a HAR capture as the full read gives it, read again from the capture's text:
/// for a page that lists every entry, where the fast read kept only the entry's place (a
/// stub: see `skim.rs`). `None` for another format, or an entry whose text is not in the
/// capture (a session's).
pub fn reread(capture: &Capture, ex: &Exchange) -> Option<Exchange> {
    if capture.format != Format::Har {
        return None;
    }
    let raw = std::str::from_utf8(capture.source.get(ex.span.clone())?).ok()?;
    Some(exchange(ex.index, ex.span.clone(), raw))
}

fn read_entries(source: &[u8]) -> Result<(Vec<Exchange>, Option<Truncation>), Failure> {
    let text = utf8_same_length(source);
    let bom = if text.as_bytes().starts_with(UTF8_BOM) {
        UTF8_BOM.len()
    } else {
        0
    };
    let json = text.get(bom..).unwrap_or_default();
    let mut walk = Walk::new(json, bom);
    let result = TopSeed(&mut walk).deserialize(&mut serde_json::Deserializer::from_str(json));
    let truncation = walk.outcome(result)?;
    Ok((walk.exchanges, truncation))
}

/// The input as text with exactly the same byte length: bytes of invalid UTF-8 sequences become
/// `?`, so spans and error offsets still index the original bytes. (Most files are valid and
/// are borrowed as they are.)
pub(super) fn utf8_same_length(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => {
            let mut out = String::with_capacity(bytes.len());
            let mut rest = bytes;
            while !rest.is_empty() {
                match std::str::from_utf8(rest) {
                    Ok(valid) => {
                        out.push_str(valid);
                        break;
                    }
                    Err(e) => {
                        let Some((valid, after)) = rest.split_at_checked(e.valid_up_to()) else {
                            break;
                        };
                        out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                        let bad = e.error_len().unwrap_or(after.len());
                        out.extend(std::iter::repeat_n('?', bad));
                        rest = after.get(bad..).unwrap_or_default();
                    }
                }
            }
            Cow::Owned(out)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Walking the document: log → entries → each entry as a raw slice.

/// State shared by the seeds; it lives outside the serde call so that whatever was read before
/// an error is still here afterwards.
struct Walk<'a> {
    /// The JSON text (after the BOM) that raw entry slices point into.
    json: &'a str,
    /// Offset of `json` in the original bytes (the BOM length).
    base: usize,
    top_keys: Vec<String>,
    /// The keys of `log`, once `log` turned out to be an object.
    log_keys: Option<Vec<String>>,
    entries_reached: bool,
    entries_closed: bool,
    exchanges: Vec<Exchange>,
    /// End of the last complete entry, in `json` coordinates.
    last_end: usize,
}

/// Why nothing could be read (the entry list was never reached).
enum Failure {
    NotHar(String),
    Broken(String),
}

impl Failure {
    fn into_error(self, name: &str) -> ReadError {
        let name = name.to_string();
        match self {
            Failure::NotHar(found) => ReadError::NotHar { name, found },
            Failure::Broken(reason) => ReadError::Broken { name, reason },
        }
    }
}

impl<'a> Walk<'a> {
    fn new(json: &'a str, base: usize) -> Self {
        Walk {
            json,
            base,
            top_keys: Vec::new(),
            log_keys: None,
            entries_reached: false,
            entries_closed: false,
            exchanges: Vec::new(),
            last_end: 0,
        }
    }

    /// Records one entry given as a raw slice of `json`.
    fn push_entry(&mut self, raw: &str) {
        // The raw value is borrowed from `json`, so its address gives its offset.
        let start = (raw.as_ptr() as usize).saturating_sub(self.json.as_ptr() as usize);
        let end = start + raw.len();
        self.last_end = end;
        let index = self.exchanges.len() + 1;
        let span = self.base + start..self.base + end;
        self.exchanges.push(exchange(index, span, raw));
    }

    /// Turns the result of the serde walk into a truncation note, or a failure when the entry
    /// list was never reached.
    fn outcome(
        &self,
        result: Result<(), serde_json::Error>,
    ) -> Result<Option<Truncation>, Failure> {
        if self.entries_closed {
            // Whatever comes after the entry list (pages, trailing junk) does not matter.
            return Ok(None);
        }
        match (self.entries_reached, result) {
            (true, Err(e)) => Ok(Some(self.truncation(&e))),
            (true, Ok(())) => Ok(None),
            (false, Ok(())) => Err(Failure::NotHar(self.missing_entries())),
            (false, Err(e)) => Err(failure_before_entries(&e)),
        }
    }

    fn missing_entries(&self) -> String {
        match &self.log_keys {
            Some(keys) => format!("its log has no entries ({})", key_list("log keys", keys)),
            None => format!(
                "a JSON object without log.entries ({})",
                key_list("keys", &self.top_keys)
            ),
        }
    }

    fn truncation(&self, e: &serde_json::Error) -> Truncation {
        let complete = self.exchanges.len();
        let offset = error_offset(self.json, e);
        let place = self.place_of_failure(offset);
        let reason = if e.is_eof() {
            format!("the file ends {place}")
        } else {
            format!(
                "invalid JSON {place} at line {} column {}: {}",
                e.line(),
                e.column(),
                message_of(e)
            )
        };
        Truncation {
            offset: self.base + offset,
            complete_entries: complete,
            reason,
        }
    }

    /// Where in the entry list a failure at `offset` (in `json`) happened, in words.
    fn place_of_failure(&self, offset: usize) -> String {
        let complete = self.exchanges.len();
        if complete == 0 {
            // Where the list's `[` is was never seen, so say no more than is known.
            return "inside the entry list, before entry 1 is complete".to_string();
        }
        let next_start = self
            .json
            .get(self.last_end..)
            .map(|rest| {
                let trimmed = rest.trim_start();
                let after_comma = trimmed.strip_prefix(',').unwrap_or(trimmed).trim_start();
                (rest.len() - after_comma.len(), after_comma.starts_with('{'))
            })
            .map(|(skipped, is_entry)| is_entry.then_some(self.last_end + skipped));
        match next_start {
            Some(Some(start)) if offset >= start => format!("inside entry {}", complete + 1),
            _ => format!("after entry {complete}, before the entry list is closed"),
        }
    }
}

fn failure_before_entries(e: &serde_json::Error) -> Failure {
    let at = format!("line {} column {}", e.line(), e.column());
    if e.is_eof() {
        Failure::Broken(format!("the file ends before log.entries ({at})"))
    } else if e.is_syntax() {
        Failure::Broken(format!(
            "invalid JSON before log.entries at {at}: {}",
            message_of(e)
        ))
    } else {
        // A type mismatch: `log` or `log.entries` is not what HAR says.
        Failure::NotHar(message_of(e))
    }
}

/// Describes a key list for an error message, e.g. `keys: foo, bar`.
fn key_list(label: &str, keys: &[String]) -> String {
    const SHOWN: usize = 10;
    if keys.is_empty() {
        return format!("no {label}");
    }
    let mut shown: Vec<String> = keys.iter().take(SHOWN).map(|k| plain_key(k)).collect();
    if keys.len() > SHOWN {
        shown.push("…".to_string());
    }
    format!("{label}: {}", shown.join(", "))
}

/// A key as written when it is shaped like a name, else not shown: keys can be values too
/// (an object keyed by token), and error messages never quote a value.
fn plain_key(key: &str) -> String {
    if crate::secret::policy::name_shaped(key) {
        key.to_string()
    } else {
        "(a key not shown)".to_string()
    }
}

/// serde_json's message without its ` at line L column C` suffix, on one short line, and
/// without the input it quotes (see [`crate::secret::policy::error_message`]).
fn message_of(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = full.strip_suffix(&suffix).unwrap_or(&full);
    let message: String = crate::secret::policy::error_message(message)
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    message
}

/// Byte offset in `json` of the position a serde_json error reports. Its column counts bytes
/// and, for most syntax errors, points just past the offending byte; an end-of-file error
/// points at the end.
fn error_offset(json: &str, e: &serde_json::Error) -> usize {
    if e.is_eof() {
        return json.len();
    }
    let line_start = if e.line() <= 1 {
        0
    } else {
        json.match_indices('\n')
            .nth(e.line() - 2)
            .map_or(json.len(), |(i, _)| i + 1)
    };
    (line_start + e.column()).saturating_sub(1).min(json.len())
}

/// The top-level object: only `log` matters; other keys are noted for the error message.
struct TopSeed<'w, 'a>(&'w mut Walk<'a>);

impl<'de> DeserializeSeed<'de> for TopSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TopSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a HAR object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            let first_log = key == "log" && self.0.log_keys.is_none();
            self.0.top_keys.push(key);
            if first_log {
                map.next_value_seed(LogSeed(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// `log`: only `entries` matters, wherever it comes among the keys.
struct LogSeed<'w, 'a>(&'w mut Walk<'a>);

impl<'de> DeserializeSeed<'de> for LogSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LogSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("`log` to be an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.0.log_keys = Some(Vec::new());
        while let Some(key) = map.next_key::<String>()? {
            let first_entries = key == "entries" && !self.0.entries_reached;
            if let Some(keys) = &mut self.0.log_keys {
                keys.push(key);
            }
            if first_entries {
                map.next_value_seed(EntriesSeed(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// `log.entries`: each element is taken raw and turned into an exchange as soon as it is
/// complete. `null` counts as an empty list.
struct EntriesSeed<'w, 'a>(&'w mut Walk<'a>);

impl<'de> DeserializeSeed<'de> for EntriesSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EntriesSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("`log.entries` to be a list")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.entries_reached = true;
        self.0.entries_closed = true;
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.entries_reached = true;
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            self.0.push_entry(raw.get());
        }
        self.0.entries_closed = true;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// One entry: lenient serde types, then conversion to the model.

/// A value that becomes `T::default()` when it does not fit `T` (wrong type, `null`), instead of
/// failing the whole entry. It re-parses its own raw slice, which only works when reading from
/// a `&str`, as this module always does.
///
/// In the [`Strict`] mode it is read as `T` in place, and a misfit is an error instead.
/// [`exchange`] reads an entry strictly first, in one pass, and leniently only when that fails:
/// re-parsing every lenient field's raw slice went over a header's bytes four times and a
/// body's three, which made an entry read in full cost five times as much per byte as a
/// skimmed one. A strict read that succeeds gives what the lenient one gives: every field it
/// read fitted, and a field that fits is read the same both ways.
#[derive(Default)]
struct Lenient<T, M>(T, PhantomData<M>);

/// How [`Lenient`] values are read: [`Strict`] or [`Loose`]. (A type rather than a `const`
/// parameter, which serde's derive does not take.)
trait Mode: Default {
    const STRICT: bool;
}

#[derive(Default)]
struct Strict;

#[derive(Default)]
struct Loose;

impl Mode for Strict {
    const STRICT: bool = true;
}

impl Mode for Loose {
    const STRICT: bool = false;
}

impl<'de, T: DeserializeOwned + Default, M: Mode> Deserialize<'de> for Lenient<T, M> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if M::STRICT {
            return T::deserialize(d).map(|t| Lenient(t, PhantomData));
        }
        let raw = <&'de RawValue>::deserialize(d)?;
        let t = serde_json::from_str(raw.get()).unwrap_or_default();
        Ok(Lenient(t, PhantomData))
    }
}

/// A list whose unreadable items are dropped (and which is empty when it is not a list).
fn list<'de, D: Deserializer<'de>, T: DeserializeOwned, M: Mode>(d: D) -> Result<Vec<T>, D::Error> {
    let Lenient(items, _) = Lenient::<Vec<Lenient<Option<T>, M>>, M>::deserialize(d)?;
    Ok(items
        .into_iter()
        .filter_map(|Lenient(item, _)| item)
        .collect())
}

/// A string field that may be written as a number or boolean; `null` and other types are none.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    })
}

/// A string field (as [`text`]) or a list of them, as the values of a header repeated:
/// Polly.JS records `"value": ["Bearer …"]`. `null` and other types give none.
fn texts<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let scalar = |v: Value| match v {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items.into_iter().filter_map(scalar).collect(),
        other => scalar(other).into_iter().collect(),
    })
}

/// A non-negative integer field that may be written as a float (`200.0`) or a string (`"200"`).
fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_u64().or_else(|| n.as_f64().and_then(whole)),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<u64>()
                .ok()
                .or_else(|| s.parse::<f64>().ok().and_then(whole))
        }
        _ => None,
    })
}

/// `f` as an integer when it is a whole, non-negative number that fits.
fn whole(f: f64) -> Option<u64> {
    let fits = f.is_finite() && f >= 0.0 && f.fract() == 0.0 && f <= u32::MAX as f64;
    fits.then_some(f as u64)
}

#[derive(Deserialize, Default)]
#[serde(default, bound = "")]
struct HarEntry<S: Mode> {
    #[serde(rename = "startedDateTime", deserialize_with = "text")]
    started: Option<String>,
    request: Lenient<HarRequest<S>, S>,
    response: Lenient<Option<HarResponse<S>>, S>,
    /// Some tools put the transport error on the entry rather than on the response.
    #[serde(rename = "_error", deserialize_with = "text")]
    error: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, bound = "")]
struct HarRequest<S: Mode> {
    #[serde(deserialize_with = "text")]
    method: Option<String>,
    #[serde(deserialize_with = "text")]
    url: Option<String>,
    #[serde(deserialize_with = "list::<_, _, S>")]
    headers: Vec<HarHeader>,
    cookies: Lenient<Vec<IgnoredAny>, S>,
    #[serde(rename = "postData")]
    post_data: Lenient<Option<HarPostData<S>>, S>,
}

#[derive(Deserialize, Default)]
#[serde(default, bound = "")]
struct HarResponse<S: Mode> {
    #[serde(deserialize_with = "number")]
    status: Option<u64>,
    #[serde(deserialize_with = "list::<_, _, S>")]
    headers: Vec<HarHeader>,
    cookies: Lenient<Vec<IgnoredAny>, S>,
    content: Lenient<Option<HarContent>, S>,
    #[serde(rename = "redirectURL", deserialize_with = "text")]
    redirect_url: Option<String>,
    /// Chrome's note for a request that got no response (`net::ERR_…`).
    #[serde(rename = "_error", deserialize_with = "text")]
    error: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct HarHeader {
    #[serde(deserialize_with = "text")]
    name: Option<String>,
    /// One value, or several (Polly.JS writes `"value": ["a", "b"]`): the header repeated.
    #[serde(deserialize_with = "texts")]
    value: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, bound = "")]
struct HarPostData<S: Mode> {
    #[serde(rename = "mimeType", deserialize_with = "text")]
    mime_type: Option<String>,
    #[serde(deserialize_with = "text")]
    text: Option<String>,
    #[serde(deserialize_with = "list::<_, _, S>")]
    params: Vec<HarParam>,
    /// Not in HAR 1.2 for requests, but some tools write it as they do for responses.
    #[serde(deserialize_with = "text")]
    encoding: Option<String>,
    #[serde(skip)]
    mode: PhantomData<S>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct HarParam {
    #[serde(deserialize_with = "text")]
    name: Option<String>,
    #[serde(deserialize_with = "text")]
    value: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct HarContent {
    #[serde(rename = "mimeType", deserialize_with = "text")]
    mime_type: Option<String>,
    #[serde(deserialize_with = "text")]
    text: Option<String>,
    #[serde(deserialize_with = "text")]
    encoding: Option<String>,
    #[serde(deserialize_with = "number")]
    size: Option<u64>,
}

/// Parses one entry's raw text in one pass, or `None` when some field does not fit (see
/// [`Lenient`]).
fn parse_entry_strictly(raw: &str) -> Option<HarEntry<Strict>> {
    serde_json::from_str(raw).ok()
}

/// Parses one entry's raw text. Every field is lenient, so this only falls back to defaults
/// when the entry is not an object; an object with a repeated key (which derived serde types
/// reject) is read again with the last occurrence winning.
fn parse_entry(raw: &str) -> HarEntry<Loose> {
    serde_json::from_str(raw).unwrap_or_else(|_| {
        serde_json::from_str::<serde_json::Map<String, Value>>(raw)
            .ok()
            .and_then(|map| serde_json::to_string(&map).ok())
            .and_then(|deduplicated| serde_json::from_str(&deduplicated).ok())
            .unwrap_or_default()
    })
}

fn exchange(index: usize, span: Range<usize>, raw: &str) -> Exchange {
    match parse_entry_strictly(raw) {
        Some(entry) => entry.into_exchange(index, span),
        None => parse_entry(raw).into_exchange(index, span),
    }
}

impl<S: Mode> HarEntry<S> {
    fn into_exchange(self, index: usize, span: Range<usize>) -> Exchange {
        let started = self.started.as_deref().and_then(parse_time);
        let (response, response_error) = match self.response.0 {
            Some(r) => r.into_model(),
            None => (None, None),
        };
        Exchange {
            index,
            span,
            started,
            started_raw: self.started,
            request: self.request.0.into_model(),
            response: response.map(Box::new),
            error: non_empty(self.error).or(response_error),
        }
    }
}

impl<S: Mode> HarRequest<S> {
    fn into_model(self) -> Request {
        Request {
            method: self.method.unwrap_or_default(),
            url: self.url.unwrap_or_default(),
            headers: headers(self.headers),
            listed_cookies: self.cookies.0.len(),
            body: self
                .post_data
                .0
                .and_then(HarPostData::<S>::into_body)
                .map(Box::new),
        }
    }
}

impl<S: Mode> HarResponse<S> {
    /// The response, or none when the tool recorded that there was none (status 0, missing or
    /// unreadable), plus the transport error it noted.
    fn into_model(self) -> (Option<Response>, Option<String>) {
        let error = non_empty(self.error);
        let status = self
            .status
            .and_then(|s| u16::try_from(s).ok())
            .filter(|&s| s != 0);
        let Some(status) = status else {
            return (None, error);
        };
        let response = Response {
            status,
            headers: headers(self.headers),
            listed_cookies: self.cookies.0.len(),
            body: self.content.0.and_then(HarContent::into_body).map(Box::new),
            redirect_url: non_empty(self.redirect_url),
        };
        (Some(response), error)
    }
}

/// Headers as written: all repeats, original case, pseudo-headers included. A header without
/// a name is dropped; one without a value gets an empty value; one with a list of values is
/// repeated, once per value.
fn headers(list: Vec<HarHeader>) -> Vec<Header> {
    let mut out = Vec::with_capacity(list.len());
    for h in list {
        let Some(name) = h.name else { continue };
        if h.value.is_empty() {
            out.push(Header {
                name,
                value: String::new(),
            });
            continue;
        }
        for value in h.value {
            out.push(Header {
                name: name.clone(),
                value,
            });
        }
    }
    out
}

impl HarContent {
    /// The body, or none when no text was recorded. Empty text counts as an empty body unless
    /// the recorded size says there was more (then the text was left out).
    fn into_body(self) -> Option<Body> {
        let text = self.text?;
        if text.is_empty() && self.size.is_some_and(|s| s > 0) {
            return None;
        }
        Some(Body {
            mime_type: non_empty(self.mime_type),
            text: decode_text(text, self.encoding.as_deref()),
            params: Vec::new(),
        })
    }
}

impl<S: Mode> HarPostData<S> {
    /// The request body, or none when both its text and its parameters are empty.
    fn into_body(self) -> Option<Body> {
        let raw_params: Vec<(String, String)> = self
            .params
            .into_iter()
            .filter_map(|p| Some((p.name?, p.value.unwrap_or_default())))
            .collect();
        let text = decode_text(self.text.unwrap_or_default(), self.encoding.as_deref());
        if text.is_empty() && raw_params.is_empty() {
            return None;
        }
        let params = if params_are_encoded(&raw_params, &text) {
            raw_params
                .into_iter()
                .map(|(n, v)| (form::decode(&n), form::decode(&v)))
                .collect()
        } else {
            raw_params
        };
        // Some tools give only the parameters; later stages read the text.
        let text = if text.is_empty() {
            form::encode_pairs(&params)
        } else {
            text
        };
        Some(Body {
            mime_type: non_empty(self.mime_type),
            text,
            params,
        })
    }
}

/// Whether a tool's `postData.params` are still form-encoded (Chrome copies them out of the
/// body) or already decoded (Firefox). With the body text at hand: encoded when every
/// parameter appears verbatim as a `name=value` piece of it. Without: encoded when some
/// name or value holds a `%XX` escape.
fn params_are_encoded(params: &[(String, String)], text: &str) -> bool {
    if params.is_empty() {
        return false;
    }
    if !text.is_empty() {
        let pieces: Vec<&str> = text.split('&').collect();
        return params.iter().all(|(n, v)| {
            pieces.iter().any(|piece| match piece.split_once('=') {
                Some((pn, pv)) => pn == n && pv == v,
                None => *piece == n && v.is_empty(),
            })
        });
    }
    params
        .iter()
        .any(|(n, v)| form::has_percent_escape(n) || form::has_percent_escape(v))
}

/// Body text with `encoding: "base64"` undone. Bytes that are not UTF-8 are replaced; text that
/// claims base64 but is not is kept as written.
fn decode_text(text: String, encoding: Option<&str>) -> String {
    let is_base64 = encoding.is_some_and(|e| e.trim().eq_ignore_ascii_case("base64"));
    if !is_base64 {
        return text;
    }
    match decode_base64(&text) {
        Some(bytes) => match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        },
        None => text,
    }
}

/// Decodes standard or URL-safe base64, padded or not, ignoring line breaks.
pub(super) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let config = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    GeneralPurpose::new(&alphabet::STANDARD, config)
        .decode(&compact)
        .or_else(|_| GeneralPurpose::new(&alphabet::URL_SAFE, config).decode(&compact))
        .ok()
}

/// `startedDateTime` as an instant: RFC 3339 (`Z` or an offset, with or without a fraction),
/// else the wider ISO 8601 forms (`+0200`, no seconds), also with a space for the `T`.
/// A timestamp without an offset is not guessed at.
pub(super) fn parse_time(raw: &str) -> Option<OffsetDateTime> {
    let raw = raw.trim();
    let with_t = match raw.as_bytes().get(10) {
        Some(b' ') => Cow::Owned(format!("{}T{}", raw.get(..10)?, raw.get(11..)?)),
        _ => Cow::Borrowed(raw),
    };
    OffsetDateTime::parse(&with_t, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(&with_t, &Iso8601::DEFAULT))
        .ok()
        .or_else(|| {
            // No offset at all (some proxies write local time bare): read it as UTC, so that
            // times within one file still compare correctly.
            time::PrimitiveDateTime::parse(&with_t, &Iso8601::DEFAULT)
                .ok()
                .map(time::PrimitiveDateTime::assume_utc)
        })
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use time::macros::datetime;

    fn read_str(input: &str) -> Capture {
        read_bytes(input.as_bytes())
    }

    fn read_bytes(input: &[u8]) -> Capture {
        match read("t.har", Arc::from(input)) {
            Ok(capture) => capture,
            Err(e) => panic!("not read: {e}"),
        }
    }

    /// A HAR with the given entries (JSON texts) and nothing else.
    fn har(entries: &[&str]) -> String {
        format!(r#"{{"log":{{"entries":[{}]}}}}"#, entries.join(","))
    }

    fn only(input: &str) -> Exchange {
        let mut capture = read_str(input);
        assert_eq!(capture.exchanges.len(), 1, "entries");
        assert!(capture.truncation.is_none(), "{:?}", capture.truncation);
        capture.exchanges.remove(0)
    }

    fn response(e: &Exchange) -> &Response {
        e.response.as_ref().expect("a response")
    }

    /// Three entries written the way Chrome writes them, one per line, with a page list
    /// after the entries.
    const THREE: &str = r#"{
  "log": {
    "version": "1.2",
    "creator": {"name": "WebInspector", "version": "537.36"},
    "entries": [
      {"startedDateTime": "2024-05-01T08:00:00.100Z", "_priority": "High", "request": {"method": "GET", "url": "https://id.example/authorize?client_id=c&state=s", "headers": [{"name": ":authority", "value": "id.example"}], "cookies": []}, "response": {"status": 302, "headers": [{"name": "Location", "value": "https://app.example/cb?code=AAA&state=s"}], "content": {"size": 0, "mimeType": "x-unknown"}, "redirectURL": "https://app.example/cb?code=AAA&state=s"}},
      {"startedDateTime": "2024-05-01T08:00:01.200Z", "request": {"method": "POST", "url": "https://id.example/token", "headers": [{"name": "Content-Type", "value": "application/x-www-form-urlencoded"}], "postData": {"mimeType": "application/x-www-form-urlencoded", "text": "grant_type=authorization_code&code=AAA", "params": [{"name": "grant_type", "value": "authorization_code"}, {"name": "code", "value": "AAA"}]}}, "response": {"status": 200, "content": {"size": 30, "mimeType": "application/json", "text": "{\"access_token\":\"tok\"}"}}},
      {"startedDateTime": "2024-05-01T08:00:02.300Z", "request": {"method": "GET", "url": "https://api.example/me"}, "response": {"status": 0, "_error": "net::ERR_FAILED"}}
    ],
    "pages": []
  }
}
"#;

    /// Polly.JS writes header values as lists: each value is the header repeated, so a Bearer
    /// call written that way is a Bearer call.
    #[test]
    fn header_values_written_as_lists_are_the_header_repeated() {
        let e = only(&har(&[
            r#"{"startedDateTime": "2024-05-01T08:00:00Z", "request": {"method": "GET", "url": "https://api.example/me", "headers": [{"name": "authorization", "value": ["Bearer tok-123"]}, {"name": "accept", "value": ["a/b", "c/d"]}, {"name": "host", "value": "api.example"}, {"name": "x-empty", "value": []}]}, "response": {"status": 200, "headers": [{"name": "set-cookie", "value": ["a=1; Path=/", "b=2"]}]}}"#,
        ]));
        let pairs: Vec<(&str, &str)> = e
            .request
            .headers
            .iter()
            .map(|h| (h.name.as_str(), h.value.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("authorization", "Bearer tok-123"),
                ("accept", "a/b"),
                ("accept", "c/d"),
                ("host", "api.example"),
                ("x-empty", "")
            ]
        );
        let cookies: Vec<&str> = response(&e)
            .headers
            .iter()
            .map(|h| h.value.as_str())
            .collect();
        assert_eq!(cookies, ["a=1; Path=/", "b=2"]);
    }

    #[test]
    fn reads_a_plain_three_entry_har() {
        let capture = read_str(THREE);
        assert_eq!(capture.format, Format::Har);
        assert_eq!(capture.name, "t.har");
        assert!(capture.truncation.is_none());
        let e = &capture.exchanges;
        assert_eq!(e.len(), 3);
        assert_eq!(e.iter().map(|x| x.index).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(e[0].request.method, "GET");
        assert_eq!(response(&e[0]).status, 302);
        assert_eq!(
            response(&e[0]).redirect_url.as_deref(),
            Some("https://app.example/cb?code=AAA&state=s")
        );
        assert_eq!(e[1].request.body.as_ref().unwrap().params.len(), 2);
        assert_eq!(
            response(&e[1]).body.as_ref().unwrap().text,
            r#"{"access_token":"tok"}"#
        );
        assert!(e[2].response.is_none());
        assert_eq!(e[2].error.as_deref(), Some("net::ERR_FAILED"));
    }

    #[test]
    fn spans_slice_out_each_entry() {
        for input in [THREE.to_string(), format!("\u{FEFF}{THREE}")] {
            let capture = read_str(&input);
            let original: Value = serde_json::from_str(THREE).unwrap();
            for (i, x) in capture.exchanges.iter().enumerate() {
                let slice = &capture.source[x.span.clone()];
                assert_eq!(slice.first(), Some(&b'{'));
                assert_eq!(slice.last(), Some(&b'}'));
                let parsed: Value = serde_json::from_slice(slice).unwrap();
                assert_eq!(parsed, original["log"]["entries"][i]);
            }
        }
    }

    #[test]
    fn minimal_entries_without_optional_parts() {
        let e = only(&har(&[
            r#"{"request":{"method":"GET","url":"https://a.example/"},"response":{"status":200}}"#,
        ]));
        assert_eq!(e.request.url, "https://a.example/");
        assert!(e.request.headers.is_empty());
        assert_eq!(e.request.listed_cookies, 0);
        assert!(e.request.body.is_none());
        assert!(e.started.is_none() && e.started_raw.is_none());
        let r = response(&e);
        assert_eq!(r.status, 200);
        assert!(r.body.is_none() && r.redirect_url.is_none());
    }

    #[test]
    fn har_1_1_with_creator_and_pages_in_any_order() {
        let input = r#"{"comment":"x","log":{"entries":[{"request":{"method":"GET","url":"u"},"response":{"status":204}}],"pages":[{"id":"p"}],"version":"1.1","creator":{"name":"old"}}}"#;
        assert_eq!(response(&only(input)).status, 204);
    }

    #[test]
    fn null_wherever_a_value_is_optional() {
        let e = only(&har(&[
            r#"{"startedDateTime":null,"time":null,"timings":null,"cache":null,"pageref":null,
                "request":{"method":"POST","url":"u","httpVersion":null,"headers":null,
                  "queryString":null,"cookies":null,"postData":null,"headersSize":null},
                "response":{"status":200,"statusText":null,"headers":[null,{"name":"A","value":null}],
                  "cookies":null,"content":{"mimeType":null,"text":null,"encoding":null},"redirectURL":null}}"#,
        ]));
        assert!(e.request.headers.is_empty());
        assert!(e.request.body.is_none());
        let r = response(&e);
        assert_eq!(
            r.headers,
            [Header {
                name: "A".into(),
                value: String::new()
            }]
        );
        assert!(r.body.is_none());
        assert!(r.redirect_url.is_none());
        let e = only(&har(&[r#"{"request":null,"response":null}"#]));
        assert_eq!(e.request.method, "");
        assert!(e.response.is_none());
        assert_eq!(read_str(r#"{"log":{"entries":null}}"#).exchanges.len(), 0);
    }

    #[test]
    fn chrome_vendor_fields_are_ignored() {
        let e = only(&har(&[
            r#"{"_initiator":{"type":"script","stack":{"callFrames":[]}},"_priority":"High","_resourceType":"fetch",
                "request":{"method":"GET","url":"u","_x":[1,2]},
                "response":{"status":200,"_transferSize":120,"_error":null,"content":{"size":2,"text":"ok","_y":{}}}}"#,
        ]));
        assert_eq!(response(&e).body.as_ref().unwrap().text, "ok");
        assert!(e.error.is_none());
    }

    #[test]
    fn firefox_empty_params_take_the_body_from_text() {
        let e = only(&har(&[
            r#"{"request":{"method":"POST","url":"u","postData":{"mimeType":"application/x-www-form-urlencoded","params":[],"text":"code=A%2BB&x=1"}},"response":{"status":200}}"#,
        ]));
        let body = e.request.body.unwrap();
        assert_eq!(body.text, "code=A%2BB&x=1");
        assert!(body.params.is_empty());
        assert_eq!(
            body.mime_type.as_deref(),
            Some("application/x-www-form-urlencoded")
        );
    }

    #[test]
    fn params_are_decoded_once() {
        // Chrome: params copied from the encoded body.
        let chrome = only(&har(&[
            r#"{"request":{"method":"POST","url":"u","postData":{"text":"redirect_uri=https%3A%2F%2Fa%2Fcb&v=a+b","params":[{"name":"redirect_uri","value":"https%3A%2F%2Fa%2Fcb"},{"name":"v","value":"a+b"}]}}}"#,
        ]));
        let params = chrome.request.body.unwrap().params;
        assert_eq!(params[0], ("redirect_uri".into(), "https://a/cb".into()));
        assert_eq!(params[1], ("v".into(), "a b".into()));
        // Already decoded: a literal `+` and `%` stay.
        let decoded = only(&har(&[
            r#"{"request":{"method":"POST","url":"u","postData":{"text":"p=a%2Bb%25","params":[{"name":"p","value":"a+b%"}]}}}"#,
        ]));
        assert_eq!(decoded.request.body.unwrap().params[0].1, "a+b%");
        // Params without text: decoded, and the text rebuilt from them.
        let no_text = only(&har(&[
            r#"{"request":{"method":"POST","url":"u","postData":{"mimeType":"application/x-www-form-urlencoded","params":[{"name":"redirect_uri","value":"https%3A%2F%2Fa%2Fcb"},{"name":"n","value":2}]}}}"#,
        ]));
        let body = no_text.request.body.unwrap();
        assert_eq!(body.params[0].1, "https://a/cb");
        assert_eq!(body.text, "redirect_uri=https%3A%2F%2Fa%2Fcb&n=2");
    }

    #[test]
    fn empty_post_data_is_no_body() {
        for post in [
            r#"{"mimeType":"","text":"","params":[]}"#,
            r#"{}"#,
            r#"null"#,
            r#""junk""#,
        ] {
            let entry = format!(r#"{{"request":{{"method":"POST","url":"u","postData":{post}}}}}"#);
            assert!(only(&har(&[&entry])).request.body.is_none(), "{post}");
        }
    }

    #[test]
    fn timestamps_with_offsets_and_without_fractions() {
        let cases = [
            (
                "2024-05-01T10:00:00.123+02:00",
                datetime!(2024-05-01 08:00:00.123 UTC),
            ),
            (
                "2024-05-01T08:00:00.123Z",
                datetime!(2024-05-01 08:00:00.123 UTC),
            ),
            ("2024-05-01T08:00:00Z", datetime!(2024-05-01 08:00:00 UTC)),
            (
                "2023-12-12T16:23:16.067544+00:00",
                datetime!(2023-12-12 16:23:16.067544 UTC),
            ),
            ("2024-05-01 08:00:00Z", datetime!(2024-05-01 08:00:00 UTC)),
            ("2024-05-01T08:00Z", datetime!(2024-05-01 08:00:00 UTC)),
        ];
        for (raw, want) in cases {
            let entry = format!(r#"{{"startedDateTime":"{raw}","request":{{}}}}"#);
            let e = only(&har(&[&entry]));
            assert_eq!(e.started, Some(want), "{raw}");
            assert_eq!(e.started_raw.as_deref(), Some(raw));
        }
        let e = only(&har(&[r#"{"startedDateTime":"yesterday","request":{}}"#]));
        assert!(e.started.is_none());
        assert_eq!(e.started_raw.as_deref(), Some("yesterday"));
    }

    #[test]
    fn byte_order_mark_shifts_spans() {
        let input = format!(
            "\u{FEFF}{}",
            har(&[r#"{"request":{"method":"GET","url":"u"}}"#])
        );
        let capture = read_str(&input);
        let span = capture.exchanges[0].span.clone();
        assert_eq!(span.start, 3 + r#"{"log":{"entries":["#.len());
        assert!(capture.source[span].starts_with(b"{\"request\""));
    }

    #[test]
    fn base64_bodies_are_decoded() {
        let e = only(&har(&[
            r#"{"request":{},"response":{"status":200,"content":{"mimeType":"application/json","encoding":"base64","text":"eyJhIjoxfQ=="}}}"#,
        ]));
        assert_eq!(response(&e).body.as_ref().unwrap().text, r#"{"a":1}"#);
        // Not UTF-8: replaced. Unpadded and wrapped: still read.
        let e = only(&har(&[
            r#"{"request":{},"response":{"status":200,"content":{"encoding":"base64","text":"/w\nBh"}}}"#,
        ]));
        assert_eq!(response(&e).body.as_ref().unwrap().text, "\u{FFFD}\0a");
        // Claims base64 but is not: kept as written.
        let e = only(&har(&[
            r#"{"request":{},"response":{"status":200,"content":{"encoding":"base64","text":"not base64!"}}}"#,
        ]));
        assert_eq!(response(&e).body.as_ref().unwrap().text, "not base64!");
    }

    #[test]
    fn numbers_as_strings_or_floats() {
        for status in [r#""200""#, "200.0", "200", r#"" 200 ""#] {
            let entry = format!(
                r#"{{"request":{{}},"response":{{"status":{status},"headersSize":"-1","bodySize":1.5}}}}"#
            );
            assert_eq!(response(&only(&har(&[&entry]))).status, 200, "{status}");
        }
        for no_status in [r#""OK""#, "-1", "200.5", "70000", "0", "null", "[]"] {
            let entry = format!(r#"{{"request":{{}},"response":{{"status":{no_status}}}}}"#);
            assert!(only(&har(&[&entry])).response.is_none(), "{no_status}");
        }
    }

    #[test]
    fn headers_kept_as_written() {
        let e = only(&har(&[
            r#"{"request":{"headers":[{"name":":method","value":"GET"},{"name":":path","value":"/x"},{"name":"cookie","value":"a=1"},{"name":"COOKIE","value":"b=2"},{"name":"X-N","value":5},{"value":"nameless"}]},
                "response":{"status":200,"headers":[{"name":"Set-Cookie","value":"a=1"},{"name":"set-cookie","value":"b=2"}]}}"#,
        ]));
        let names: Vec<&str> = e.request.headers.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, [":method", ":path", "cookie", "COOKIE", "X-N"]);
        assert_eq!(e.request.header("x-n"), Some("5"));
        assert_eq!(e.request.header("Cookie"), Some("a=1"));
        assert_eq!(response(&e).headers.len(), 2);
    }

    #[test]
    fn listed_cookies_and_redirect_url() {
        let e = only(&har(&[
            r#"{"request":{"cookies":[{"name":"a","value":"1"},{"name":"b","value":"2"}]},
                "response":{"status":302,"cookies":[{"name":"s"}],"redirectURL":"https://b/"}}"#,
        ]));
        assert_eq!(e.request.listed_cookies, 2);
        assert_eq!(response(&e).listed_cookies, 1);
        assert_eq!(response(&e).location(), Some("https://b/"));
        let e = only(&har(&[
            r#"{"request":{},"response":{"status":200,"redirectURL":""}}"#,
        ]));
        assert!(response(&e).redirect_url.is_none());
    }

    #[test]
    fn no_response_keeps_the_error() {
        let e = only(&har(&[r#"{"request":{"method":"GET","url":"u"}}"#]));
        assert!(e.response.is_none() && e.error.is_none());
        let e = only(&har(&[
            r#"{"request":{},"response":{"status":0,"headers":[],"content":{"size":0,"mimeType":"x-unknown"},"_error":"net::ERR_INTERNET_DISCONNECTED"}}"#,
        ]));
        assert!(e.response.is_none());
        assert_eq!(e.error.as_deref(), Some("net::ERR_INTERNET_DISCONNECTED"));
        let e = only(&har(&[
            r#"{"_error":"aborted","request":{},"response":{"status":0}}"#,
        ]));
        assert_eq!(e.error.as_deref(), Some("aborted"));
    }

    #[test]
    fn response_bodies_present_empty_or_missing() {
        let body = |content: &str| {
            let entry =
                format!(r#"{{"request":{{}},"response":{{"status":200,"content":{content}}}}}"#);
            response(&only(&har(&[&entry]))).body.clone()
        };
        assert!(body("{}").is_none());
        assert!(body(r#"{"size":10,"mimeType":"text/html"}"#).is_none());
        assert!(body(r#"{"size":10,"text":""}"#).is_none(), "text left out");
        assert_eq!(
            body(r#"{"size":0,"text":""}"#).unwrap().text,
            "",
            "empty body"
        );
        let b = body(r#"{"size":2,"mimeType":"text/plain","text":"hi"}"#).unwrap();
        assert_eq!(
            (b.mime_type.as_deref(), b.text.as_str()),
            (Some("text/plain"), "hi")
        );
    }

    #[test]
    fn malformed_entries_keep_their_place() {
        let capture = read_str(&har(&[
            r#"{"request":"GET /","response":{"status":200}}"#,
            "42",
            r#"{"request":{"method":"GET","url":"u","url":"v"},"request":{"method":"PUT"}}"#,
            r#"{"request":{"method":"GET","url":"w"},"response":{"status":201,"headers":"none","content":[]}}"#,
        ]));
        let e = &capture.exchanges;
        assert_eq!(e.len(), 4);
        // A request that is not an object: empty request, the response is still read.
        assert_eq!(e[0].request.method, "");
        assert_eq!(response(&e[0]).status, 200);
        // Not an object at all: all defaults, still entry 2.
        assert_eq!((e[1].index, e[1].request.url.as_str()), (2, ""));
        assert!(e[1].response.is_none());
        assert_eq!(&capture.source[e[1].span.clone()], b"42");
        // Repeated keys: the last one wins.
        assert_eq!(e[2].request.method, "PUT");
        // Wrong types inside a response: defaults for those fields only.
        assert_eq!(response(&e[3]).status, 201);
        assert!(response(&e[3]).headers.is_empty() && response(&e[3]).body.is_none());
    }

    /// Every entry of every fixture, and entries with a misfit at each place the lenient read
    /// forgives one: the strict read, where it succeeds, gives what the lenient one gives.
    #[test]
    fn strict_reads_match_lenient_reads() {
        let lenient = |raw: &str| format!("{:?}", parse_entry(raw).into_exchange(1, 0..1));
        let mut raws: Vec<String> = Vec::new();
        for path in crate::fixture_hars() {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let Ok(top) = serde_json::from_str::<HashMap<String, &RawValue>>(&text) else {
                continue;
            };
            let Some(log) = top.get("log") else { continue };
            let Ok(log) = serde_json::from_str::<HashMap<String, &RawValue>>(log.get()) else {
                continue;
            };
            let Some(entries) = log.get("entries") else {
                continue;
            };
            if let Ok(entries) = serde_json::from_str::<Vec<&RawValue>>(entries.get()) {
                raws.extend(entries.iter().map(|e| e.get().to_string()));
            }
        }
        let fixture_entries = raws.len();
        assert!(
            fixture_entries > 1000,
            "{fixture_entries} entries in the fixtures"
        );
        let strict_read = raws
            .iter()
            .filter(|raw| parse_entry_strictly(raw).is_some())
            .count();
        assert!(
            strict_read * 10 > fixture_entries * 9,
            "{strict_read} of {fixture_entries} read strictly"
        );
        let misfits = [
            r#"{"request":"GET /","response":{"status":200}}"#,
            r#"{"request":true,"response":["GET"]}"#,
            r#"{"request":{"headers":"none","cookies":{}},"response":{"status":"200","headers":{}}}"#,
            r#"{"request":{"headers":[1,null,{"name":"a","value":"b"},{"name":["x"]}]}}"#,
            r#"{"request":{"method":"GET","url":"u","url":"v"},"request":{"method":"PUT"}}"#,
            r#"{"request":{"method":"GET","method":"PUT"},"response":{"status":200}}"#,
            r#"{"request":{"postData":[]},"response":{"status":200,"content":"hi"}}"#,
            r#"{"request":{"postData":{"text":"a=1","params":[7,{"name":"a","value":"1"},{"name":{}}]}}}"#,
            r#"{"request":{"postData":{"text":"a=1","params":"a"}},"response":{"status":200,"cookies":3}}"#,
            r#"{"request":{},"response":{"status":200,"headers":[{"name":"x","value":[1]},"x"]}}"#,
            r#"{"request":{},"response":{"status":200,"content":{"size":"big","text":"x"},"cookies":{"a":1}}}"#,
            r#"{"request":{},"response":{"status":200,"content":{"text":"x","text":"y"}}}"#,
            r#"{"startedDateTime":5,"_error":{},"request":{"method":true,"url":3},"response":"none"}"#,
            "42",
            "null",
        ];
        raws.extend(misfits.iter().map(|m| m.to_string()));
        let deep = format!(
            r#"{{"request":{{"x":{}1{}}},"response":{{"status":200}}}}"#,
            "[".repeat(140),
            "]".repeat(140)
        );
        raws.push(deep);
        for raw in &raws {
            let read = format!("{:?}", exchange(1, 0..1, raw));
            assert_eq!(read, lenient(raw), "{raw}");
        }
        for misfit in misfits {
            assert!(
                parse_entry_strictly(misfit).is_none(),
                "read strictly: {misfit}"
            );
        }
    }

    #[test]
    fn invalid_utf8_is_replaced_without_moving_spans() {
        let mut input = har(&[
            r#"{"request":{"url":"a"},"response":{"status":200,"content":{"text":"caf_"}}}"#,
            r#"{"request":{"url":"b"}}"#,
        ])
        .into_bytes();
        let at = input.iter().position(|&b| b == b'_').unwrap();
        input[at] = 0xE9; // Latin-1 é
        let capture = read_bytes(&input);
        assert!(capture.truncation.is_none());
        assert_eq!(
            response(&capture.exchanges[0]).body.as_ref().unwrap().text,
            "caf?"
        );
        let second = &capture.source[capture.exchanges[1].span.clone()];
        assert_eq!(second, br#"{"request":{"url":"b"}}"#);
    }

    /// Offsets into THREE: the start of each entry line.
    fn entry_starts() -> Vec<usize> {
        THREE
            .match_indices("\n      {")
            .map(|(i, _)| i + "\n      ".len())
            .collect()
    }

    #[test]
    fn truncation_keeps_complete_entries() {
        let starts = entry_starts();
        assert_eq!(starts.len(), 3);
        let end_of_list = THREE.find("\n    ],").unwrap();
        // (cut, complete entries, reason)
        let cases = [
            (
                starts[0] + 1,
                0,
                "the file ends inside the entry list, before entry 1 is complete",
            ),
            (
                starts[1] - 2,
                1,
                "the file ends after entry 1, before the entry list is closed",
            ),
            (
                starts[1] - 1,
                1,
                "the file ends after entry 1, before the entry list is closed",
            ),
            (starts[1] + 40, 1, "the file ends inside entry 2"),
            (starts[2] + 1, 2, "the file ends inside entry 3"),
            (
                end_of_list,
                3,
                "the file ends after entry 3, before the entry list is closed",
            ),
        ];
        for (cut, complete, reason) in cases {
            let capture = read_str(&THREE[..cut]);
            assert_eq!(capture.exchanges.len(), complete, "cut at {cut}");
            let t = capture.truncation.expect("truncation recorded");
            assert_eq!(t.complete_entries, complete);
            assert_eq!(t.offset, cut);
            assert_eq!(t.reason, reason, "cut at {cut}");
        }
        // Cut after the list is closed: every entry is there, nothing is missing.
        let capture = read_str(&THREE[..end_of_list + "\n    ]".len()]);
        assert_eq!(capture.exchanges.len(), 3);
        assert!(capture.truncation.is_none());
    }

    #[test]
    fn broken_json_inside_the_list_is_salvaged() {
        let starts = entry_starts();
        let mut broken = THREE.to_string();
        // Overwrite the comma between entries 2 and 3 with junk.
        let comma = THREE[..starts[2]].rfind(',').unwrap();
        broken.replace_range(comma..comma + 1, "#");
        let capture = read_str(&broken);
        assert_eq!(capture.exchanges.len(), 2);
        let t = capture.truncation.unwrap();
        assert_eq!(t.offset, comma);
        assert_eq!(&broken[t.offset..t.offset + 1], "#");
        assert!(
            t.reason.starts_with(
                "invalid JSON after entry 2, before the entry list is closed at line 7 column "
            ),
            "{}",
            t.reason
        );
        assert!(t.reason.ends_with(": expected `,` or `]`"), "{}", t.reason);
        let mut broken = THREE.to_string();
        let first_comma = starts[1] + THREE[starts[1]..].find(',').unwrap();
        broken.insert_str(first_comma + 1, "}}");
        let t = read_str(&broken).truncation.unwrap();
        assert!(
            t.reason
                .starts_with("invalid JSON inside entry 2 at line 7"),
            "{}",
            t.reason
        );
        assert_eq!(t.complete_entries, 1);
    }

    #[test]
    fn not_har_before_the_entries() {
        let cases = [
            (r#"{}"#, "not a HAR file: a JSON object without log.entries (no keys)"),
            (r#"{"foo":1,"bar":{"entries":[]}}"#, "not a HAR file: a JSON object without log.entries (keys: foo, bar)"),
            (r#"{"log":{"version":"1.2","creator":{}}}"#, "not a HAR file: its log has no entries (log keys: version, creator)"),
            (r#"{"log":"x"}"#, "not a HAR file: invalid type: string (value not shown), expected `log` to be an object"),
            (r#"{"log":{"entries":{}}}"#, "not a HAR file: invalid type: map, expected `log.entries` to be a list"),
            (r#"{"log":{"entries" 1}}"#, "broken HAR file: invalid JSON before log.entries at line 1 column 19: expected `:`"),
            (r#"{"log":{"#, "broken HAR file: the file ends before log.entries (line 1 column 8)"),
            ("{\"a\\nb\":1}", "not a HAR file: a JSON object without log.entries (keys: (a key not shown))"),
        ];
        for (input, want) in cases {
            match read("t.har", Arc::from(input.as_bytes())) {
                Ok(c) => panic!("{input} read with {} entries", c.exchanges.len()),
                Err(e) => assert_eq!(e.to_string(), format!("t.har: {want}")),
            }
        }
    }

    #[test]
    fn cutting_at_every_byte_never_panics() {
        let input = format!("\u{FEFF}{THREE}");
        let bytes = input.as_bytes();
        let list_start = input.find("\"entries\": [").unwrap() + "\"entries\": [".len();
        for cut in 0..=bytes.len() {
            let prefix = &bytes[..cut];
            match super::super::read_bytes("t.har", Arc::from(prefix)) {
                Ok(capture) => {
                    assert!(cut >= list_start, "read before the list at {cut}");
                    for x in &capture.exchanges {
                        assert!(x.span.end <= cut);
                        assert!(
                            serde_json::from_slice::<Value>(&capture.source[x.span.clone()])
                                .is_ok()
                        );
                    }
                    if let Some(t) = capture.truncation {
                        assert_eq!(t.complete_entries, capture.exchanges.len());
                        assert!(t.offset <= cut, "offset {} past cut {cut}", t.offset);
                    } else {
                        assert_eq!(capture.exchanges.len(), 3, "cut {cut}");
                    }
                }
                Err(e) => {
                    assert!(cut < list_start, "error after the list began at {cut}: {e}");
                    assert!(!e.to_string().contains('\n'));
                }
            }
        }
    }

    #[test]
    fn deep_nesting_is_not_a_stack_overflow() {
        let deep = "[".repeat(200_000);
        // Inside the list: the entry never completes, so it is a truncation.
        let capture = read_str(&format!(r#"{{"log":{{"entries":[{{"request":{deep}"#));
        assert_eq!(capture.truncation.unwrap().complete_entries, 0);
        // A complete but absurdly deep entry: kept with defaults.
        let closed = "]".repeat(200_000);
        let input =
            format!(r#"{{"log":{{"entries":[{{"request":{{"method":{deep}{closed}}}}}]}}}}"#);
        assert_eq!(read_str(&input).exchanges.len(), 1);
        // Before the list: an error.
        assert!(read("t.har", Arc::from(format!(r#"{{"x":{deep}"#).as_bytes())).is_err());
    }

    #[test]
    fn garbage_never_panics() {
        // A cheap deterministic scramble of THREE: byte swaps and flips at many places.
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..300 {
            let mut bytes = THREE.as_bytes().to_vec();
            for _ in 0..4 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let at = (state as usize) % bytes.len();
                bytes[at] = (state >> 32) as u8;
            }
            let _ = super::super::read_bytes("t.har", Arc::from(bytes));
        }
    }
}
