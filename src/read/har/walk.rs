//! Walking a HAR document with a chain of serde seeds, `log` → `entries` → each entry as a
//! raw slice borrowed from the input: its exact span, and every complete entry kept when the
//! file breaks or ends later (the failure says where and why).

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserializer;
use serde_json::value::RawValue;

use crate::model::{Exchange, Truncation};
use crate::read::ReadError;

use super::exchange;

/// State shared by the seeds; it lives outside the serde call so that whatever was read before
/// an error is still here afterwards.
pub(super) struct Walk<'a> {
    /// The JSON text (after the BOM) that raw entry slices point into.
    pub(super) json: &'a str,
    /// Offset of `json` in the original bytes (the BOM length).
    pub(super) base: usize,
    pub(super) top_keys: Vec<String>,
    /// The keys of `log`, once `log` turned out to be an object.
    pub(super) log_keys: Option<Vec<String>>,
    pub(super) entries_reached: bool,
    pub(super) entries_closed: bool,
    pub(super) exchanges: Vec<Exchange>,
    /// End of the last complete entry, in `json` coordinates.
    pub(super) last_end: usize,
}

/// Why nothing could be read (the entry list was never reached).
pub(super) enum Failure {
    NotHar(String),
    Broken(String),
}

impl Failure {
    pub(super) fn into_error(self, name: &str) -> ReadError {
        let name = name.to_string();
        match self {
            Failure::NotHar(found) => ReadError::NotHar { name, found },
            Failure::Broken(reason) => ReadError::Broken { name, reason },
        }
    }
}

impl<'a> Walk<'a> {
    pub(super) fn new(json: &'a str, base: usize) -> Self {
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
    pub(super) fn push_entry(&mut self, raw: &str) {
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
    pub(super) fn outcome(
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

    pub(super) fn missing_entries(&self) -> String {
        match &self.log_keys {
            Some(keys) => format!("its log has no entries ({})", key_list("log keys", keys)),
            None => format!(
                "a JSON object without log.entries ({})",
                key_list("keys", &self.top_keys)
            ),
        }
    }

    pub(super) fn truncation(&self, e: &serde_json::Error) -> Truncation {
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
    pub(super) fn place_of_failure(&self, offset: usize) -> String {
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

pub(super) fn failure_before_entries(e: &serde_json::Error) -> Failure {
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
pub(super) fn key_list(label: &str, keys: &[String]) -> String {
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
pub(super) fn plain_key(key: &str) -> String {
    if crate::secret::policy::name_shaped(key) {
        key.to_string()
    } else {
        "(a key not shown)".to_string()
    }
}

/// serde_json's message without its ` at line L column C` suffix, on one short line, and
/// without the input it quotes (see [`crate::secret::policy::error_message`]).
pub(super) fn message_of(e: &serde_json::Error) -> String {
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
pub(super) fn error_offset(json: &str, e: &serde_json::Error) -> usize {
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
pub(super) struct TopSeed<'w, 'a>(pub(super) &'w mut Walk<'a>);

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
pub(super) struct LogSeed<'w, 'a>(&'w mut Walk<'a>);

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
pub(super) struct EntriesSeed<'w, 'a>(&'w mut Walk<'a>);

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
