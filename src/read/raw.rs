//! Raw HTTP/1.1 message dumps: requests, each followed by its response when one was recorded,
//! as mitmproxy, curl, `nc` or a person pasting into a ticket write them. Lines that start no
//! message between two messages (separators, comments) are skipped.

use std::sync::Arc;

use super::http::{self, StartLine, Unframed};
use super::ReadError;
use crate::model::{Capture, Exchange, Format, Truncation};

/// The first line is an HTTP request or status line.
pub(super) fn sniff(_whole: &[u8], start: &[u8]) -> bool {
    let line = start.split(|&b| b == b'\n').next().unwrap_or_default();
    http::start_line(line).is_some()
}

/// Reads a dump. A dump cut inside a message keeps every exchange before it.
pub fn read(name: &str, source: Arc<[u8]>) -> Result<Capture, ReadError> {
    let (mut exchanges, truncation) = exchanges(&source);
    for ex in &mut exchanges {
        // A dump records no times of its own, but servers date their responses (RFC 9110
        // §6.6.1): to the second, which is enough for lifetimes counted in minutes.
        let date = ex
            .response
            .as_ref()
            .and_then(|r| crate::model::header(&r.headers, "date"))
            .map(str::to_string);
        if let Some(date) = date {
            if let Some(t) = http_date(&date) {
                ex.started = Some(t);
                ex.started_raw = Some(date.into());
            }
        }
    }
    Ok(super::capture(
        name,
        Format::RawHttp,
        source,
        exchanges,
        truncation,
        Vec::new(),
    ))
}

fn exchanges(bytes: &[u8]) -> (Vec<Exchange>, Option<Truncation>) {
    let mut out: Vec<Exchange> = Vec::new();
    let mut at = 0;
    loop {
        let Some(start) = http::next_start_line(bytes, http::skip_blank_lines(bytes, at)) else {
            return (out, None);
        };
        let index = out.len() + 1;
        let Some(first) = http::message(bytes, start, Unframed::ToNextMessage, None) else {
            return (out, None);
        };
        if !first.complete {
            return (out, Some(cut(bytes, index, "the request")));
        }
        let method = match &first.start {
            StartLine::Request { method, .. } => Some(method.clone()),
            StartLine::Status { .. } => None,
        };
        let Some(method) = method else {
            // A response with no request before it: kept as an entry of its own, so that
            // nothing recorded is lost and entry numbers stay the dump's own.
            at = first.span.end;
            out.push(super::exchange_of(
                index,
                first.span.clone(),
                Default::default(),
                http::response(&first),
            ));
            continue;
        };
        let request = http::request(&first, "https");
        let mut span = first.span.clone();
        let mut response = None;
        let next = http::skip_blank_lines(bytes, first.span.end);
        let (line_end, _) = http::line_at(bytes, next);
        let line = bytes.get(next..line_end).unwrap_or_default();
        if let Some(StartLine::Status { .. }) = http::start_line(line) {
            if let Some(msg) = http::message(bytes, next, Unframed::ToNextMessage, Some(&method)) {
                if !msg.complete {
                    // The request is whole and worth keeping; its response was cut.
                    out.push(super::exchange_of(index, span, request, None));
                    return (out, Some(cut(bytes, index + 1, "the response of entry")));
                }
                span.end = msg.span.end;
                response = http::response(&msg);
            }
        }
        at = span.end;
        out.push(super::exchange_of(index, span, request, response));
    }
}

/// An HTTP date in the preferred IMF-fixdate form, `Thu, 14 Mar 2024 19:36:10 GMT`.
fn http_date(value: &str) -> Option<time::OffsetDateTime> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(value.trim(), format)
        .ok()
        .map(time::PrimitiveDateTime::assume_utc)
}

fn cut(bytes: &[u8], entry: usize, what: &str) -> Truncation {
    let reason = if what == "the request" {
        format!("the file ends inside entry {entry} (in its request)")
    } else {
        format!("the file ends inside {what} {}", entry - 1)
    };
    Truncation {
        offset: bytes.len(),
        complete_entries: entry - 1,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(text: &str) -> Capture {
        read("dump.http", Arc::from(text.as_bytes())).unwrap()
    }

    const DUMP: &str = "GET /ap/oa?client_id=a&response_type=code HTTP/1.1\r\nHost: www.amazon.com\r\n\r\n\
HTTP/1.1 302 Found\r\nLocation: https://app.example.com/cb?code=ANabc\r\nContent-Length: 0\r\n\r\n\
POST /auth/o2/token HTTP/1.1\r\nHost: api.amazon.com\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 16\r\n\r\ncode=ANabc&x=yz1\r\n\
GET /never-answered HTTP/1.1\r\nHost: app.example.com\r\n\r\n\
-----\r\n\
GET /last HTTP/1.1\r\nHost: app.example.com\r\n\r\n\
HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n7\r\n{\"a\":1}\r\n0\r\n\r\n";

    #[test]
    fn requests_and_responses_in_sequence() {
        let c = read_str(DUMP);
        assert!(c.truncation.is_none());
        let e = &c.exchanges;
        assert_eq!(e.len(), 4);
        assert_eq!(
            e[0].request.url,
            "https://www.amazon.com/ap/oa?client_id=a&response_type=code"
        );
        let r0 = e[0].response.as_ref().unwrap();
        assert_eq!(
            (r0.status, r0.location()),
            (302, Some("https://app.example.com/cb?code=ANabc"))
        );
        assert!(r0.body.is_none());
        assert_eq!(e[1].request.body.as_ref().unwrap().text, "code=ANabc&x=yz1");
        assert!(e[1].response.is_none() && e[2].response.is_none());
        assert_eq!(e[2].request.url, "https://app.example.com/never-answered");
        let r3 = e[3].response.as_ref().unwrap();
        assert_eq!(r3.body.as_ref().unwrap().text, "{\"a\":1}");
        // Spans slice out each exchange: request line through the end of the response.
        for x in e {
            let text = std::str::from_utf8(&c.source[x.span.clone()]).unwrap();
            assert!(
                text.starts_with("GET ") || text.starts_with("POST "),
                "{text}"
            );
        }
        assert!(std::str::from_utf8(&c.source[e[3].span.clone()])
            .unwrap()
            .ends_with("0\r\n\r\n"));
        assert!(
            e.iter().all(|x| x.started.is_none()),
            "no Date header, no time"
        );
    }

    #[test]
    fn a_response_date_dates_the_exchange() {
        let c = read_str(
            "GET https://a.example/x HTTP/1.1\r\nHost: a.example\r\n\r\n\
             HTTP/1.1 200 OK\r\nDate: Thu, 14 Mar 2024 19:36:10 GMT\r\nContent-Length: 0\r\n\r\n",
        );
        let t = c.exchanges[0].started.expect("dated");
        assert_eq!(t.unix_timestamp(), 1_710_444_970);
        assert_eq!(http_date("not a date"), None);
    }

    #[test]
    fn a_cut_dump_keeps_what_came_before() {
        let cut_at = DUMP.find("GET /last").unwrap() + 30;
        let c = read_str(&DUMP[..cut_at]);
        assert_eq!(c.exchanges.len(), 3);
        let t = c.truncation.unwrap();
        assert_eq!((t.complete_entries, t.offset), (3, cut_at));
        assert_eq!(t.reason, "the file ends inside entry 4 (in its request)");
        // Cut inside a response body with a length: the request is kept.
        let cut_at = DUMP.find("code=ANabc&").unwrap() - 60;
        let c = read_str(&DUMP[..DUMP.find("ANabc\r\nContent-Length: 0").unwrap() + 4]);
        assert_eq!(c.exchanges.len(), 1);
        assert!(c.truncation.is_some(), "{cut_at}");
    }

    #[test]
    fn every_cut_is_read_without_panic() {
        for cut in 0..=DUMP.len() {
            let c = read("d", Arc::from(&DUMP.as_bytes()[..cut])).unwrap();
            for x in &c.exchanges {
                assert!(x.span.end <= cut);
            }
        }
    }
}
