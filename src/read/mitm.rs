//! mitmproxy's own dump format (`mitmdump -w`, the UI's save; `.mitm`, `.flows`): one
//! typed-netstring dictionary per flow, back to back (see [`super::tnetstring`]).
//!
//! Flow formats changed over mitmproxy's releases; mitmproxy migrates old files step by step
//! (`mitmproxy/io/compat.py`). We read only what a capture needs, so the migration comes down
//! to the names a field had over time:
//!
//! - before 0.14, a response's status was `code`, its reason `msg` and its body `content`;
//!   0.14 and 0.15 called bodies `body`; from 0.16 on they are `content` again;
//! - up to 0.17 (Python 2), keys and strings were bytes (`,`), later text (`;`): both read;
//! - the version is a tuple (`[0, 18, 2]`) up to 3.0, then one integer (4 to 21 today);
//! - from flow format 9, HTTP/2's authority is its own field (the host stays in `host`);
//! - up to flow format 11, a websocket's messages were a flow of type `websocket` beside its
//!   handshake; from 12 on they hang off the handshake's HTTP flow.
//!
//! Bodies are stored as sent (with their `Content-Encoding`, without chunking): decoded here.
//! Flows that are not HTTP (websocket messages, tcp, udp, dns) are counted in
//! [`Capture::skipped`], never silently dropped. Each exchange's span is its flow's record.

use std::ops::Range;
use std::sync::Arc;

use time::OffsetDateTime;

use super::tnetstring::{self, Value};
use super::{decode, ReadError};
use crate::model::{
    header_name, Body, Capture, Exchange, Format, Header, Request, Response, Skipped, Truncation,
};

/// A typed netstring holding a dictionary: `LENGTH:` and then a dictionary: its `}` where the length says, or (a file cut off before
/// it) a first key's own length prefix.
pub(super) fn sniff(bytes: &[u8], _start: &[u8]) -> bool {
    let digits = bytes
        .iter()
        .take(13)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 || digits > 12 || bytes.get(digits) != Some(&b':') {
        return false;
    }
    let length: usize = bytes
        .get(..digits)
        .and_then(|d| std::str::from_utf8(d).ok())
        .and_then(|d| d.parse().ok())
        .unwrap_or(usize::MAX);
    let data = digits + 1;
    match data.checked_add(length).and_then(|end| bytes.get(end)) {
        Some(tag) => *tag == b'}',
        None => {
            let key = bytes.get(data..).unwrap_or_default();
            let key_digits = key.iter().take_while(|b| b.is_ascii_digit()).count();
            key_digits > 0 && key.get(key_digits) == Some(&b':')
        }
    }
}

pub fn read(name: &str, source: Arc<[u8]>) -> Result<Capture, ReadError> {
    let mut exchanges = Vec::new();
    let mut skipped = Vec::new();
    let mut truncation = None;
    let mut at = 0;
    let mut records = 0;
    while at < source.len() {
        if source
            .get(at..)
            .unwrap_or_default()
            .iter()
            .all(u8::is_ascii_whitespace)
        {
            break;
        }
        let (flow, end) = match tnetstring::parse(&source, at) {
            Ok((flow @ Value::Dict(_), end)) => (flow, end),
            Ok(_) => {
                let e = tnetstring::Error {
                    offset: at,
                    expected: "a flow (a dictionary, ending in `}`)",
                    at_end: false,
                };
                truncation = Some(cut_at(name, records, &e)?);
                break;
            }
            Err(e) => {
                truncation = Some(cut_at(name, records, &e)?);
                break;
            }
        };
        records += 1;
        let span = at..end;
        at = end;
        match kind(&flow) {
            Kind::Http => {
                if flow.get("websocket").is_some_and(|w| *w != Value::Null) {
                    skipped.push(Skipped {
                        kind: "websocket messages",
                        offset: span.start,
                    });
                }
                exchanges.push(exchange(exchanges.len() + 1, span, &flow));
            }
            Kind::Other(kind) => skipped.push(Skipped {
                kind,
                offset: span.start,
            }),
        }
    }
    let mut capture = super::capture(
        name,
        Format::Mitmproxy,
        source,
        exchanges,
        truncation,
        Vec::new(),
    );
    capture.skipped = skipped;
    Ok(capture)
}

/// Where reading stopped: a truncation (the file ends, or breaks after some flows), or an
/// error when it breaks before any flow: then it is not a dump we can read at all.
fn cut_at(name: &str, records: usize, e: &tnetstring::Error) -> Result<Truncation, ReadError> {
    let what = if e.at_end {
        format!(
            "the file ends inside flow {} (byte {}): expected {}",
            records + 1,
            e.offset,
            e.expected
        )
    } else {
        format!(
            "at byte {} of flow {}: expected {}",
            e.offset,
            records + 1,
            e.expected
        )
    };
    if records == 0 && !e.at_end {
        return Err(ReadError::Invalid {
            name: name.to_string(),
            format: "mitmproxy dump",
            reason: what,
        });
    }
    Ok(Truncation {
        offset: e.offset,
        complete_entries: records,
        reason: what,
    })
}

enum Kind {
    Http,
    Other(&'static str),
}

fn kind(flow: &Value) -> Kind {
    let named = flow.get("type").and_then(Value::bytes);
    match named {
        Some(b"http") => Kind::Http,
        // Flows written before the type was recorded are HTTP flows when they hold a request.
        None if flow.get("request").is_some() => Kind::Http,
        Some(b"websocket") => Kind::Other("websocket"),
        Some(b"tcp") => Kind::Other("tcp"),
        Some(b"udp") => Kind::Other("udp"),
        Some(b"dns") => Kind::Other("dns"),
        _ => Kind::Other("unknown"),
    }
}

fn exchange(index: usize, span: Range<usize>, flow: &Value) -> Exchange {
    let request = flow.get("request").map(request).unwrap_or_default();
    let response = flow
        .get("response")
        .filter(|r| **r != Value::Null)
        .and_then(response);
    let started = flow
        .get("request")
        .and_then(|r| r.get("timestamp_start"))
        .or_else(|| flow.get("timestamp_created"))
        .and_then(Value::number)
        .and_then(instant);
    let mut ex = super::exchange_of(index, span, request, response);
    ex.started_raw = started.and_then(|t| {
        t.format(&time::format_description::well_known::Rfc3339)
            .ok()
            .map(Into::into)
    });
    ex.started = started;
    ex.error = flow
        .get("error")
        .and_then(|e| e.get("msg"))
        .and_then(Value::text)
        .map(Into::into);
    ex
}

/// A Unix time in seconds as a date, to the microsecond (what mitmproxy records).
fn instant(seconds: f64) -> Option<OffsetDateTime> {
    if !seconds.is_finite() {
        return None;
    }
    let micros = (seconds * 1e6).round();
    if micros.abs() > 1e17 {
        return None;
    }
    OffsetDateTime::from_unix_timestamp_nanos(micros as i128 * 1000).ok()
}

fn headers(message: &Value) -> Vec<Header> {
    message
        .get("headers")
        .map(Value::list)
        .unwrap_or_default()
        .iter()
        .filter_map(|pair| match pair.list() {
            [name, value] => Some(Header {
                name: header_name(name.text()?),
                value: value.text().unwrap_or_default(),
            }),
            _ => None,
        })
        .collect()
}

/// The body as sent, its `Content-Encoding` undone; none when empty or not recorded.
fn body(message: &Value, headers: &[Header]) -> Option<Box<Body>> {
    let raw = message.get_any(&["content", "body"])?.bytes()?;
    if raw.is_empty() {
        return None;
    }
    let decoded = decode::decode_content(
        raw.to_vec(),
        crate::model::header(headers, "content-encoding"),
    );
    Some(Box::new(Body {
        mime_type: crate::model::header(headers, "content-type").map(str::to_string),
        text: String::from_utf8_lossy(&decoded).into_owned(),
        params: Vec::new(),
    }))
}

/// The request as the client addressed it, as mitmproxy's own `pretty_url` (and its HAR
/// export) shows it: host and port from the `Host` header (HTTP/1) or the authority (HTTP/2
/// and 3) when there is one, else the connection's `host` and `port` (in transparent mode
/// only an IP address).
fn request(r: &Value) -> Request {
    let headers = headers(r);
    let text = |key: &str| r.get(key).and_then(Value::text).filter(|s| !s.is_empty());
    let scheme = text("scheme").unwrap_or_else(|| "https".to_string());
    let path = text("path").unwrap_or_default();
    let lower = path.to_ascii_lowercase();
    let url = if lower.starts_with("http://") || lower.starts_with("https://") {
        path
    } else {
        let h2 = text("http_version")
            .is_some_and(|v| v.starts_with("HTTP/2") || v.starts_with("HTTP/3"));
        let host_header = if h2 {
            text("authority").or_else(|| crate::model::header(&headers, "host").map(str::to_string))
        } else {
            crate::model::header(&headers, "host").map(str::to_string)
        }
        .filter(|h| !h.trim().is_empty());
        let (host, port) = match host_header {
            Some(h) => split_authority(h.trim()),
            None => (
                text("host")
                    .or_else(|| text("authority"))
                    .unwrap_or_default(),
                r.get("port").and_then(Value::integer),
            ),
        };
        let host = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]")
        } else {
            host
        };
        let authority = match (scheme.as_str(), port) {
            ("https", Some(443)) | ("http", Some(80)) | (_, None) => host,
            (_, Some(port)) => format!("{host}:{port}"),
        };
        format!("{scheme}://{authority}{path}")
    };
    Request {
        method: text("method").unwrap_or_default(),
        url,
        body: body(r, &headers),
        headers,
        listed_cookies: 0,
    }
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`: the host (brackets kept) and the port if given.
fn split_authority(authority: &str) -> (String, Option<i64>) {
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p))
            if !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_digit())
                && !h.ends_with('[')
                && (h.starts_with('[') == h.ends_with(']'))
                && (h.starts_with('[') || !h.contains(':')) =>
        {
            (h, p.parse().ok())
        }
        _ => (authority, None),
    };
    (host.to_string(), port)
}

fn response(r: &Value) -> Option<Response> {
    let status = r
        .get_any(&["status_code", "code"])?
        .integer()
        .and_then(|s| u16::try_from(s).ok())?;
    let headers = headers(r);
    Some(Response {
        status,
        body: body(r, &headers),
        headers,
        listed_cookies: 0,
        redirect_url: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tnetstring of a small flow in the shape of `version` (`0.12` keys or today's).
    fn flow(old: bool) -> Vec<u8> {
        flow_to(old, "api.amazon.com", None)
    }

    /// A flow to connection host `host`, with a `Host` header when `host_header` is given.
    fn flow_to(old: bool, host: &str, host_header: Option<&str>) -> Vec<u8> {
        fn s(t: &str) -> String {
            format!("{}:{};", t.len(), t)
        }
        fn b(t: &str) -> String {
            format!("{}:{},", t.len(), t)
        }
        fn n(v: i64) -> String {
            let t = v.to_string();
            format!("{}:{}#", t.len(), t)
        }
        fn wrap(items: &[String], tag: char) -> String {
            let inner: String = items.concat();
            format!("{}:{}{}", inner.len(), inner, tag)
        }
        let headers = wrap(
            &[wrap(&[b("Content-Type"), b("application/json")], ']')],
            ']',
        );
        let mut request_headers = vec![wrap(&[b("Content-Type"), b("application/json")], ']')];
        if let Some(h) = host_header {
            request_headers.push(wrap(&[b("Host"), b(h)], ']'));
        }
        let request_headers = wrap(&request_headers, ']');
        let (status, body) = if old {
            ("code", "content")
        } else {
            ("status_code", "content")
        };
        let response = wrap(
            &[
                s(status),
                n(200),
                s("headers"),
                headers.clone(),
                s(body),
                b("{\"ok\":1}"),
            ],
            '}',
        );
        let request = wrap(
            &[
                s("method"),
                b("POST"),
                s("scheme"),
                b("https"),
                s("host"),
                b(host),
                s("port"),
                n(443),
                s("path"),
                b("/auth/o2/token"),
                s("headers"),
                request_headers,
                s("content"),
                b("grant_type=x"),
                s("timestamp_start"),
                "12:1710416848.5^".into(),
            ],
            '}',
        );
        let version = if old {
            wrap(&[n(0), n(12)], ']')
        } else {
            n(21)
        };
        wrap(
            &[
                s("type"),
                s("http"),
                s("version"),
                version,
                s("request"),
                request,
                s("response"),
                response,
            ],
            '}',
        )
        .into_bytes()
    }

    fn read_bytes(bytes: Vec<u8>) -> Result<Capture, ReadError> {
        read("x.mitm", Arc::from(bytes))
    }

    #[test]
    fn reads_old_and_new_flows_alike() {
        for old in [true, false] {
            let one = flow(old);
            let two = [one.clone(), one.clone()].concat();
            let c = read_bytes(two).expect("reads");
            assert_eq!(c.exchanges.len(), 2);
            let ex = &c.exchanges[1];
            assert_eq!(ex.request.url, "https://api.amazon.com/auth/o2/token");
            assert_eq!(ex.request.method, "POST");
            assert_eq!(
                ex.request.body.as_ref().map(|b| b.text.as_str()),
                Some("grant_type=x")
            );
            let response = ex.response.as_ref().expect("a response");
            assert_eq!(response.status, 200);
            assert_eq!(
                response.body.as_ref().map(|b| b.text.as_str()),
                Some("{\"ok\":1}")
            );
            assert_eq!(ex.span, one.len()..2 * one.len());
            assert_eq!(ex.started_raw.as_deref(), Some("2024-03-14T11:47:28.5Z"));
        }
    }

    #[test]
    fn the_url_is_the_one_the_client_addressed() {
        assert_eq!(
            split_authority("a.example:8443"),
            ("a.example".into(), Some(8443))
        );
        assert_eq!(split_authority("[::1]:80"), ("[::1]".into(), Some(80)));
        assert_eq!(split_authority("[::1]"), ("[::1]".into(), None));
        assert_eq!(split_authority("::1"), ("::1".into(), None));
        assert_eq!(split_authority("a.example"), ("a.example".into(), None));
        // Transparent mode: the connection's host is an IP address, the Host header the name
        // (with its port); mitmproxy shows the latter.
        let c = read_bytes(flow_to(false, "203.0.113.9", Some("api.amazon.com:8443"))).unwrap();
        assert_eq!(
            c.exchanges[0].request.url,
            "https://api.amazon.com:8443/auth/o2/token"
        );
        let c = read_bytes(flow_to(true, "203.0.113.9", None)).unwrap();
        assert_eq!(
            c.exchanges[0].request.url,
            "https://203.0.113.9/auth/o2/token"
        );
    }

    #[test]
    fn a_cut_file_keeps_the_flows_before_the_cut() {
        let one = flow(false);
        let cut = [one.clone(), one[..one.len() / 2].to_vec()].concat();
        let c = read_bytes(cut).expect("reads");
        assert_eq!(c.exchanges.len(), 1);
        let t = c.truncation.expect("cut");
        assert_eq!((t.offset, t.complete_entries), (one.len(), 1));
        assert!(
            t.reason.starts_with("the file ends inside flow 2"),
            "{}",
            t.reason
        );
    }

    #[test]
    fn a_file_cut_inside_its_first_flow_is_an_empty_cut_capture() {
        let one = flow(false);
        let c = read_bytes(one[..one.len() - 1].to_vec()).expect("reads");
        assert!(c.exchanges.is_empty());
        let t = c.truncation.expect("cut");
        assert_eq!((t.offset, t.complete_entries), (0, 0));
    }

    #[test]
    fn other_flows_are_counted_and_skipped() {
        let tcp = b"19:4:type;3:tcp;0:~0:~}".to_vec();
        let bytes = [tcp.clone(), flow(false)].concat();
        let c = read_bytes(bytes).expect("reads");
        assert_eq!(c.exchanges.len(), 1);
        assert_eq!(
            c.skipped,
            vec![Skipped {
                kind: "tcp",
                offset: 0
            }]
        );
        assert_eq!(c.exchanges[0].span.start, tcp.len());
    }

    /// Every cut and every single-byte change of a two-flow dump reads without a panic, keeps
    /// its spans inside the file, and counts the flows before a cut.
    #[test]
    fn every_cut_and_flipped_byte_is_read_without_panic() {
        let one = flow(false);
        let two = [one.clone(), flow(true)].concat();
        for end in 0..=two.len() {
            if let Ok(c) = read_bytes(two[..end].to_vec()) {
                let want = usize::from(end >= one.len()) + usize::from(end == two.len());
                assert_eq!(c.exchanges.len(), want, "cut at {end}");
                if let Some(t) = c.truncation {
                    assert_eq!(t.complete_entries, c.exchanges.len());
                }
            }
        }
        for at in 0..two.len() {
            for byte in [b'0', b'9', b':', b'}', b']', 0xff] {
                let mut bytes = two.clone();
                bytes[at] = byte;
                match read_bytes(bytes.clone()) {
                    Ok(c) => {
                        for ex in &c.exchanges {
                            assert!(ex.span.end <= bytes.len());
                        }
                    }
                    Err(e) => assert!(!e.to_string().contains('\n')),
                }
            }
        }
    }

    #[test]
    fn garbage_is_an_error_naming_the_offset_without_quoting() {
        let e = read_bytes(b"12:secret-value!}".to_vec()).expect_err("not a flow");
        let text = e.to_string();
        assert_eq!(
            text,
            "x.mitm: broken mitmproxy dump: at byte 3 of flow 1: expected `true` or `false`"
        );
        let e = read_bytes(b"3:abc,".to_vec()).expect_err("not a flow");
        assert!(
            e.to_string().contains("expected a flow (a dictionary"),
            "{e}"
        );
        assert!(!e.to_string().contains("abc"));
    }
}
