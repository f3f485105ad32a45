//! Fiddler session archives (`.saz`): a zip holding, per session `NN`, `raw/NN_c.txt` (the raw
//! request, with an absolute URL in its request line), `raw/NN_s.txt` (the raw response, absent
//! when none came) and `raw/NN_m.xml` (metadata with the session's timers).
//!
//! The members are compressed, so the capture's source is their text laid end to end
//! (request, then response, per session) with a [`Part`] naming each: diagnostics then show
//! `file.saz!raw/03_c.txt` and lines within that member. A zip cut off before its central
//! directory is salvaged from its local headers. The members together decompress to at most
//! what the input's budget allows (`--max-decompressed-size`); reading stops there.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::sync::Arc;

use super::har::parse_time;
use super::http::{self, Unframed};
use super::{budget, decode, ReadError};
use crate::model::{Capture, Exchange, Format, Part, Truncation};

/// Whether a zip's member names are those of a Fiddler archive.
pub(crate) fn is_saz<'a>(mut names: impl Iterator<Item = &'a str>) -> bool {
    names.any(|n| session_member(n).is_some_and(|(_, kind)| kind == Kind::Request))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Request,
    Response,
    Meta,
}

/// `raw/12_c.txt` → (12, Request).
fn session_member(name: &str) -> Option<(u64, Kind)> {
    let file = name
        .strip_prefix("raw/")
        .or_else(|| name.strip_prefix("raw\\"))?;
    let (number, rest) = file.split_once('_')?;
    let kind = match rest.to_ascii_lowercase().as_str() {
        "c.txt" => Kind::Request,
        "s.txt" => Kind::Response,
        "m.xml" => Kind::Meta,
        _ => return None,
    };
    Some((number.parse().ok()?, kind))
}

#[derive(Default)]
struct Session {
    request: Option<(String, Vec<u8>)>,
    response: Option<(String, Vec<u8>)>,
    meta: Option<Vec<u8>>,
}

/// Reads a Fiddler archive whose members may decompress to `allow` bytes in all; says whether
/// reading stopped there (the caller reports it).
pub fn read(name: &str, zipped: &[u8], allow: u64) -> (Result<Capture, ReadError>, bool) {
    let mut sessions: BTreeMap<u64, Session> = BTreeMap::new();
    let mut truncation_reason = None;
    let mut left = allow;
    let mut cut = false;
    let mut member = |member_name: &str, bytes: Vec<u8>| {
        if let Some((n, kind)) = session_member(member_name) {
            let s = sessions.entry(n).or_default();
            let named = (member_name.to_string(), bytes);
            match kind {
                Kind::Request => s.request = Some(named),
                Kind::Response => s.response = Some(named),
                Kind::Meta => s.meta = Some(named.1),
            }
        }
    };
    match zip::ZipArchive::new(Cursor::new(zipped)) {
        Ok(mut archive) => {
            for i in 0..archive.len() {
                let Ok(mut file) = archive.by_index(i) else {
                    continue;
                };
                let member_name = file.name().to_string();
                if session_member(&member_name).is_none() {
                    continue;
                }
                // A damaged member keeps what could be read of it.
                let inflated = inflate_member(&mut file, &mut left, &mut cut);
                member(&member_name, inflated.bytes);
                if cut {
                    break;
                }
            }
        }
        Err(_) => {
            // No central directory (the file was cut): walk the local headers from the start.
            let mut cursor = Cursor::new(zipped);
            loop {
                match zip::read::read_zipfile_from_stream(&mut cursor) {
                    Ok(Some(mut file)) => {
                        let member_name = file.name().to_string();
                        let inflated = inflate_member(&mut file, &mut left, &mut cut);
                        if inflated.error.is_some() {
                            truncation_reason = Some(format!(
                                "the zip archive is cut inside member {member_name}"
                            ));
                            break;
                        }
                        member(&member_name, inflated.bytes);
                        if cut {
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(_) => {
                        truncation_reason = Some(
                            "the zip archive is cut (it has no central directory)".to_string(),
                        );
                        break;
                    }
                }
            }
        }
    }
    if sessions.values().all(|s| s.request.is_none()) {
        let error = ReadError::Invalid {
            name: name.to_string(),
            format: "Fiddler archive",
            reason: "a zip archive without Fiddler sessions (raw/NN_c.txt)".to_string(),
        };
        return (Err(error), cut);
    }

    let (source, parts, exchanges) = lay_out(sessions);
    let truncation = truncation_reason.map(|reason| Truncation {
        offset: source.len(),
        complete_entries: exchanges.len(),
        reason,
    });
    let capture = super::capture(
        name,
        Format::Saz,
        Arc::from(source),
        exchanges,
        truncation,
        parts,
    );
    (Ok(capture), cut)
}

/// The sessions' members one after the other (the capture's source, each member a part),
/// and an exchange for each session that has a request.
fn lay_out(sessions: BTreeMap<u64, Session>) -> (Vec<u8>, Vec<Part>, Vec<Exchange>) {
    let mut source: Vec<u8> = Vec::new();
    let mut parts: Vec<Part> = Vec::new();
    let mut exchanges: Vec<Exchange> = Vec::new();
    for session in sessions.into_values() {
        let Some((request_name, request_bytes)) = session.request else {
            continue;
        };
        let index = exchanges.len() + 1;
        let request_range = append(&mut source, &mut parts, request_name, &request_bytes);
        let request_msg = message_in(&source, request_range.clone());
        let method = request_msg.as_ref().and_then(|m| match &m.start {
            http::StartLine::Request { method, .. } => Some(method.clone()),
            http::StartLine::Status { .. } => None,
        });
        let request = request_msg
            .as_ref()
            .map(|m| http::request(m, "https"))
            .unwrap_or_default();
        let mut span = request_range;
        let mut response = None;
        if let Some((response_name, response_bytes)) = session.response {
            let range = append(&mut source, &mut parts, response_name, &response_bytes);
            span.end = range.end;
            response =
                message_in_as(&source, range, method.as_deref()).and_then(|m| http::response(&m));
        }
        let mut ex = super::exchange_of(index, span, request, response);
        if let Some(meta) = session.meta {
            let (started_raw, aborted) = timers(&meta);
            ex.started = started_raw.as_deref().and_then(parse_time);
            ex.started_raw = started_raw.map(Into::into);
            if ex.response.is_none() {
                ex.error = aborted.map(Into::into);
            }
        }
        exchanges.push(ex);
    }
    (source, parts, exchanges)
}

/// A member, decompressed within the `left` bytes the archive may still yield (and, as a body
/// is, to `MAX_BODY`, silently); `cut` is set when `left` ran out inside it.
fn inflate_member(file: &mut dyn Read, left: &mut u64, cut: &mut bool) -> budget::Inflated {
    let room = (*left).min(decode::MAX_BODY);
    let inflated = budget::inflate(file, room);
    *cut |= inflated.cut && room == *left;
    *left = left.saturating_sub(inflated.bytes.len() as u64);
    inflated
}

/// Appends a member's text on a line of its own and records its part.
fn append(
    source: &mut Vec<u8>,
    parts: &mut Vec<Part>,
    name: String,
    bytes: &[u8],
) -> std::ops::Range<usize> {
    if !source.is_empty() && !source.ends_with(b"\n") {
        source.push(b'\n');
    }
    let start = source.len();
    source.extend_from_slice(bytes);
    let range = start..source.len();
    parts.push(Part {
        name,
        range: range.clone(),
    });
    range
}

fn message_in(source: &[u8], range: std::ops::Range<usize>) -> Option<http::Message> {
    message_in_as(source, range, None)
}

/// The message of one member: parsed within the member's bytes only, spans in source terms.
fn message_in_as(
    source: &[u8],
    range: std::ops::Range<usize>,
    method: Option<&str>,
) -> Option<http::Message> {
    let bytes = source.get(..range.end)?;
    let at = http::skip_blank_lines(bytes, range.start);
    http::message(bytes, at, Unframed::ToEnd, method)
}

/// The session's start (`ClientBeginRequest`, else `ClientConnected`) as written, and the
/// reason Fiddler recorded for an aborted session, from `raw/NN_m.xml`.
fn timers(meta: &[u8]) -> (Option<String>, Option<String>) {
    use quick_xml::events::Event;
    let text = String::from_utf8_lossy(meta);
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut started = None;
    let mut connected = None;
    let mut aborted = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                let tag = e.local_name();
                let attr = |key: &[u8]| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == key)
                        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
                };
                match tag.as_ref() {
                    b"SessionTimers" => {
                        started = attr(b"ClientBeginRequest").filter(|t| !t.starts_with("0001-"));
                        connected = attr(b"ClientConnected").filter(|t| !t.starts_with("0001-"));
                    }
                    b"SessionFlag"
                        if attr(b"N")
                            .is_some_and(|n| n.eq_ignore_ascii_case("x-Fiddler-Aborted")) =>
                    {
                        aborted = attr(b"V").or(Some("aborted".to_string()));
                    }
                    _ => {}
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    (started.or(connected), aborted)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;

    const META: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<Session SID="1" BitFlags="0">
  <SessionTimers ClientConnected="2024-03-14T11:47:20.0000000+01:00" ClientBeginRequest="2024-03-14T11:47:20.1234567+01:00" GotRequestHeaders="2024-03-14T11:47:20.1240000+01:00" ClientDoneRequest="2024-03-14T11:47:20.1250000+01:00" ServerConnected="0001-01-01T00:00:00.0000000" />
  <SessionFlags><SessionFlag N="x-clientip" V="127.0.0.1" /></SessionFlags>
</Session>"#;

    pub(crate) fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut z = zip::ZipWriter::new(&mut out);
        for (name, bytes) in members {
            z.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            z.write_all(bytes).unwrap();
        }
        z.finish().unwrap();
        out.into_inner()
    }

    fn sample() -> Vec<u8> {
        zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("raw/01_c.txt", b"POST https://api.amazon.com/auth/o2/token HTTP/1.1\r\nHost: api.amazon.com\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\n\r\ncode=ANab"),
            ("raw/01_m.xml", META.as_bytes()),
            ("raw/01_s.txt", b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}"),
            ("raw/02_c.txt", b"GET https://app.example.com/cb?code=x HTTP/1.1\r\nHost: app.example.com\r\n\r\n"),
        ])
    }

    #[test]
    fn sessions_with_timers_and_member_parts() {
        let c = read("t.saz", &sample(), u64::MAX).0.unwrap();
        assert_eq!(c.format, Format::Saz);
        let e = &c.exchanges;
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].request.url, "https://api.amazon.com/auth/o2/token");
        assert_eq!(e[0].request.body.as_ref().unwrap().text, "code=ANab");
        assert_eq!(e[0].response.as_ref().unwrap().status, 200);
        assert_eq!(
            e[0].started_raw.as_deref(),
            Some("2024-03-14T11:47:20.1234567+01:00")
        );
        assert_eq!(
            e[0].started.unwrap().unix_timestamp_nanos(),
            1_710_413_240_123_456_700
        );
        assert!(e[1].response.is_none() && e[1].started.is_none());
        let names: Vec<&str> = c.parts.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["raw/01_c.txt", "raw/01_s.txt", "raw/02_c.txt"]);
        assert!(c.source[c.parts[1].range.clone()].starts_with(b"HTTP/1.1 200 OK"));
        assert_eq!(c.part_at(e[1].span.start).unwrap().name, "raw/02_c.txt");
        assert_eq!(e[0].span, c.parts[0].range.start..c.parts[1].range.end);
    }

    #[test]
    fn a_cut_archive_is_salvaged_from_local_headers() {
        let whole = sample();
        // Cut inside the second session's request: the central directory is gone.
        let at = whole
            .windows(12)
            .position(|w| w == b"raw/02_c.txt")
            .unwrap();
        let c = read("t.saz", &whole[..at + 40], u64::MAX).0.unwrap();
        assert_eq!(c.exchanges.len(), 1);
        assert!(c.truncation.is_some());
        assert_eq!(c.exchanges[0].response.as_ref().unwrap().status, 200);
        for cut in 0..whole.len() {
            let _ = read("t.saz", &whole[..cut], u64::MAX);
        }
    }

    #[test]
    fn a_zip_without_sessions_is_an_error() {
        let z = zip_of(&[("a.har", b"{}")]);
        assert!(!is_saz(["a.har"].into_iter()));
        assert!(is_saz(["raw/1_c.txt"].into_iter()));
        let err = read("x.saz", &z, u64::MAX).0.unwrap_err().to_string();
        assert!(err.contains("without Fiddler sessions"), "{err}");
    }

    #[test]
    fn members_past_the_budget_are_not_read() {
        let z = sample();
        let whole = read("t.saz", &z, u64::MAX).0.unwrap();
        // The session members laid end to end, less the two line ends `append` added.
        let session_bytes = whole.source.len() as u64 - 2 + META.len() as u64;
        let (c, cut) = read("t.saz", &z, session_bytes);
        assert!(!cut, "exactly enough");
        assert_eq!(c.unwrap().exchanges.len(), 2);
        // The budget runs out inside the last member (raw/02_c.txt): reading stops there.
        let (c, cut) = read("t.saz", &z, session_bytes - 30);
        assert!(cut);
        let c = c.unwrap();
        assert_eq!(c.exchanges[0].response.as_ref().unwrap().status, 200);
        assert!(c.source.len() < whole.source.len());
    }
}
