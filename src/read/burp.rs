//! Burp Suite "Save items" XML: `<items><item>` with `<time>`, `<url>`, `<method>`,
//! `<status>`, and `<request>` / `<response>` holding the raw HTTP messages, base64-encoded
//! (`base64="true"`, Burp's default) or as plain text. An item may have no response.
//!
//! Each exchange's span is its `<item>` element in the file. Items are taken as they close, so
//! a file cut off (or broken) keeps the items before the break.

use std::ops::Range;
use std::sync::Arc;

use quick_xml::events::Event;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use super::har::{decode_base64, utf8_same_length};
use super::http::{self, Unframed};
use super::ReadError;
use crate::model::{Capture, Exchange, Format, Truncation};

/// What an `<item>` holds, as read.
#[derive(Default)]
struct Item {
    span: Range<usize>,
    time: Option<String>,
    url: Option<String>,
    protocol: Option<String>,
    method: Option<String>,
    request: Option<Payload>,
    response: Option<Payload>,
}

/// A message: where its text lies in the file, or its bytes once decoded.
enum Payload {
    InPlace(Range<usize>),
    Decoded(Vec<u8>),
}

/// XML whose root (after the prolog and doctype) is Burp's `<items`.
pub(super) fn sniff(_whole: &[u8], start: &[u8]) -> bool {
    if start.first() != Some(&b'<') {
        return false;
    }
    let head = start.get(..super::sniff::HEAD_BYTES).unwrap_or(start);
    head.windows(6).any(|w| w == b"<items")
}

pub fn read(name: &str, source: Arc<[u8]>) -> Result<Capture, ReadError> {
    let text = utf8_same_length(&source);
    let Walked {
        items,
        open: current,
        seen_items_tag,
        failure,
    } = walk(&text);
    if items.is_empty() && !seen_items_tag {
        return Err(ReadError::Broken {
            name: name.to_string(),
            reason: "an XML file without Burp <items>".to_string(),
        });
    }
    let truncation = match (failure, current) {
        (Some((at, message)), _) => Some(Truncation {
            offset: at,
            complete_entries: items.len(),
            reason: format!(
                "invalid XML after item {} at byte {at}: {message}",
                items.len()
            ),
        }),
        (None, Some(_)) => Some(Truncation {
            offset: source.len(),
            complete_entries: items.len(),
            reason: format!("the file ends inside item {}", items.len() + 1),
        }),
        (None, None) => None,
    };
    let exchanges = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| exchange(i + 1, item, &source))
        .collect();
    drop(text);
    Ok(super::capture(
        name,
        Format::Burp,
        source,
        exchanges,
        truncation,
        Vec::new(),
    ))
}

/// What the XML walk found: the complete items, the one still open at the end (a file cut
/// off), whether `<items>` was seen, and where (and why) the XML broke.
struct Walked {
    items: Vec<Item>,
    open: Option<Item>,
    seen_items_tag: bool,
    failure: Option<(usize, String)>,
}

fn walk(text: &str) -> Walked {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut items: Vec<Item> = Vec::new();
    let mut current: Option<Item> = None;
    let mut field: Option<(Vec<u8>, bool)> = None;
    let mut seen_items_tag = false;
    let mut failure: Option<(usize, String)> = None;
    loop {
        let before = reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                failure = Some((
                    reader.error_position() as usize,
                    crate::secret::policy::error_message(&e.to_string()),
                ));
                break;
            }
        };
        let after = reader.buffer_position() as usize;
        match event {
            Event::Start(e) => {
                let tag = e.local_name().as_ref().to_vec();
                match (tag.as_slice(), current.is_some()) {
                    (b"items", _) => seen_items_tag = true,
                    (b"item", false) => {
                        current = Some(Item {
                            span: before..before,
                            ..Item::default()
                        })
                    }
                    (_, true) => {
                        let base64 = e.attributes().flatten().any(|a| {
                            a.key.local_name().as_ref() == b"base64"
                                && a.value.as_ref().eq_ignore_ascii_case(b"true")
                        });
                        field = Some((tag, base64));
                    }
                    _ => {}
                }
            }
            Event::End(e) => {
                if e.local_name().as_ref() == b"item" {
                    if let Some(mut item) = current.take() {
                        item.span.end = after;
                        items.push(item);
                    }
                }
                field = None;
            }
            Event::CData(e) => {
                let content = before + "<![CDATA[".len()..after - "]]>".len();
                if let (Some(item), Some((tag, base64))) = (&mut current, &field) {
                    let value = String::from_utf8_lossy(&e).into_owned();
                    set(item, tag, *base64, value, Some(content));
                }
            }
            Event::Text(e) => {
                if let (Some(item), Some((tag, base64))) = (&mut current, &field) {
                    if let Ok(value) = e.decode() {
                        let value = quick_xml::escape::unescape(&value)
                            .map(|v| v.into_owned())
                            .unwrap_or_else(|_| value.into_owned());
                        if !value.trim().is_empty() {
                            set(item, tag, *base64, value, None);
                        }
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Walked {
        items,
        open: current,
        seen_items_tag,
        failure,
    }
}

fn set(item: &mut Item, tag: &[u8], base64: bool, value: String, place: Option<Range<usize>>) {
    let payload = || {
        if base64 {
            Payload::Decoded(decode_base64(&value).unwrap_or_default())
        } else {
            match place.clone() {
                Some(range) => Payload::InPlace(range),
                None => Payload::Decoded(value.clone().into_bytes()),
            }
        }
    };
    match tag {
        b"time" => item.time = Some(value.trim().to_string()),
        b"url" => item.url = Some(value.trim().to_string()),
        b"protocol" => item.protocol = Some(value.trim().to_string()),
        b"method" => item.method = Some(value.trim().to_string()),
        b"request" => item.request = Some(payload()),
        b"response" => item.response = Some(payload()),
        _ => {}
    }
}

fn exchange(index: usize, item: Item, source: &[u8]) -> Exchange {
    let parse = |payload: &Payload, method: Option<&str>| -> Option<http::Message> {
        match payload {
            Payload::InPlace(range) => {
                let bytes = source.get(..range.end)?;
                let at = http::skip_blank_lines(bytes, range.start);
                http::message(bytes, at, Unframed::ToEnd, method)
            }
            Payload::Decoded(bytes) => {
                let at = http::skip_blank_lines(bytes, 0);
                http::message(bytes, at, Unframed::ToEnd, method)
            }
        }
    };
    let scheme = item.protocol.as_deref().unwrap_or("https");
    let request_msg = item.request.as_ref().and_then(|p| parse(p, None));
    let mut request = request_msg
        .as_ref()
        .map(|m| http::request(m, scheme))
        .unwrap_or_default();
    // The item's own URL is absolute and the authority: the request line's target is not.
    if let Some(url) = item.url.filter(|u| !u.is_empty()) {
        request.url = url;
    }
    if request.method.is_empty() {
        request.method = item.method.unwrap_or_default();
    }
    let method = request.method.clone();
    let response = item
        .response
        .as_ref()
        .and_then(|p| parse(p, Some(&method)))
        .and_then(|m| http::response(&m));
    let mut ex = super::exchange_of(index, item.span, request, response);
    ex.started = item.time.as_deref().and_then(parse_burp_time);
    ex.started_raw = item.time.map(Into::into);
    ex
}

/// Burp's `<time>`: `Tue Jan 10 17:55:22 EST 2023` (Java's `Date.toString`). Zone names are
/// ambiguous in general; the common ones are mapped, and an unknown one is read as UTC, so
/// that the times within one file, which share a zone, still compare correctly.
pub(crate) fn parse_burp_time(raw: &str) -> Option<OffsetDateTime> {
    let parts: Vec<&str> = raw.split_whitespace().collect();
    let [_, month, day, clock, zone, year] = parts.as_slice() else {
        return None;
    };
    let month = match month.to_ascii_lowercase().as_str() {
        "jan" => Month::January,
        "feb" => Month::February,
        "mar" => Month::March,
        "apr" => Month::April,
        "may" => Month::May,
        "jun" => Month::June,
        "jul" => Month::July,
        "aug" => Month::August,
        "sep" => Month::September,
        "oct" => Month::October,
        "nov" => Month::November,
        "dec" => Month::December,
        _ => return None,
    };
    let date = Date::from_calendar_date(year.parse().ok()?, month, day.parse().ok()?).ok()?;
    let mut hms = clock.split(':').map(|p| p.parse::<u8>().ok());
    let time = Time::from_hms(hms.next()??, hms.next()??, hms.next()??).ok()?;
    let hours: i8 = match zone.to_ascii_uppercase().as_str() {
        "EST" => -5,
        "EDT" => -4,
        "CST" => -6,
        "CDT" => -5,
        "MST" => -7,
        "MDT" => -6,
        "PST" => -8,
        "PDT" => -7,
        "CET" => 1,
        "CEST" => 2,
        "BST" => 1,
        "EET" => 2,
        "EEST" => 3,
        "JST" => 9,
        "IST" => 5,
        _ => 0,
    };
    let minutes: i8 = if zone.eq_ignore_ascii_case("IST") {
        30
    } else {
        0
    };
    let offset = UtcOffset::from_hms(hours, minutes, 0).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_offset(offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(body: &str) -> String {
        format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE items [\n<!ELEMENT items (item*)>\n]>\n<items burpVersion=\"2023.1\">\n{body}</items>\n"
        )
    }

    const TOKEN_REQUEST: &str = "POST /auth/o2/token HTTP/1.1\r\nHost: api.amazon.com\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\n\r\ncode=ANab";
    const TOKEN_RESPONSE: &str =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}";

    fn b64(s: &str) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    #[test]
    fn base64_and_plain_items_and_an_item_without_response() {
        let xml = items(&format!(
            "  <item>\n    <time>Tue Jan 10 17:55:22 EST 2023</time>\n    <url><![CDATA[https://api.amazon.com/auth/o2/token]]></url>\n    <protocol>https</protocol>\n    <method><![CDATA[POST]]></method>\n    <request base64=\"true\"><![CDATA[{}]]></request>\n    <status>200</status>\n    <response base64=\"true\"><![CDATA[{}]]></response>\n  </item>\n  <item>\n    <time>Tue Jan 10 17:55:23 EST 2023</time>\n    <url><![CDATA[https://api.amazon.com/auth/o2/token]]></url>\n    <request base64=\"false\"><![CDATA[{}]]></request>\n    <status></status>\n    <response></response>\n  </item>\n",
            b64(TOKEN_REQUEST),
            b64(TOKEN_RESPONSE),
            TOKEN_REQUEST
        ));
        let c = read("b.xml", Arc::from(xml.as_bytes())).unwrap();
        assert!(c.truncation.is_none());
        let e = &c.exchanges;
        assert_eq!(e.len(), 2);
        for x in e {
            assert_eq!(x.request.url, "https://api.amazon.com/auth/o2/token");
            assert_eq!(x.request.method, "POST");
            assert_eq!(x.request.body.as_ref().unwrap().text, "code=ANab");
            let item = std::str::from_utf8(&c.source[x.span.clone()]).unwrap();
            assert!(
                item.starts_with("<item>") && item.ends_with("</item>"),
                "{item}"
            );
        }
        assert_eq!(
            e[0].response.as_ref().unwrap().body.as_ref().unwrap().text,
            "{\"a\":1}"
        );
        assert!(e[1].response.is_none());
        assert_eq!(e[0].started.unwrap().unix_timestamp(), 1_673_391_322);
        assert_eq!(
            e[1].started.unwrap() - e[0].started.unwrap(),
            time::Duration::SECOND
        );
    }

    #[test]
    fn a_cut_file_keeps_the_items_before() {
        let one = String::from(
            "  <item>\n    <url><![CDATA[https://a/x]]></url>\n    <request base64=\"false\"><![CDATA[GET /x HTTP/1.1\r\nHost: a\r\n\r\n]]></request>\n  </item>\n"
        );
        let xml = items(&format!("{one}{one}"));
        let cut = xml.rfind("<request").unwrap();
        let c = read("b.xml", Arc::from(&xml.as_bytes()[..cut])).unwrap();
        assert_eq!(c.exchanges.len(), 1);
        let t = c.truncation.unwrap();
        assert_eq!(t.complete_entries, 1);
        for cut in 0..xml.len() {
            let _ = read("b.xml", Arc::from(&xml.as_bytes()[..cut]));
        }
    }

    #[test]
    fn burp_times() {
        let t = parse_burp_time("Wed Mar 13 06:07:08 PDT 2024").unwrap();
        assert_eq!(t.unix_timestamp(), 1_710_335_228);
        assert!(parse_burp_time("yesterday").is_none());
        assert_eq!(
            parse_burp_time("Wed Mar 13 06:07:08 XYZ 2024")
                .unwrap()
                .offset(),
            UtcOffset::UTC
        );
    }
}
