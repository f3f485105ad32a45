//! Raw HTTP/1.x messages as proxies record them (Fiddler's `raw/NN_c.txt`, Burp's items, dumps
//! pasted into tickets): a start line, headers, a blank line, a body. Shared by the readers of
//! those formats. Tolerant of LF-only line ends, folded headers, a `Content-Length` that no
//! longer matches after someone edited the dump, and a message cut off at the end.

use std::ops::Range;

use super::decode;
use crate::model::{header, header_name_of, Body, Header, Request, Response};

/// The first line of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StartLine {
    Request { method: String, target: String },
    Status { status: u16 },
}

/// One message read from a buffer.
#[derive(Debug, Clone)]
pub(crate) struct Message {
    pub start: StartLine,
    pub headers: Vec<Header>,
    /// The body with transfer and content codings undone.
    pub body: Vec<u8>,
    /// Where the message lies in the buffer, start line to the end of its body.
    pub span: Range<usize>,
    /// False when the buffer ended inside the head (no blank line after the headers) or
    /// inside a body whose length was announced.
    pub complete: bool,
}

/// How a body's end is found when the message does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unframed {
    /// The body runs to the end of the buffer (one message per file, as in Fiddler and Burp).
    ToEnd,
    /// The body runs to the next line that starts a message (a dump of many messages).
    ToNextMessage,
}

/// Recognises a request line (`GET /x HTTP/1.1`) or a status line (`HTTP/1.1 200 OK`).
pub(crate) fn start_line(line: &[u8]) -> Option<StartLine> {
    let line = std::str::from_utf8(line).ok()?.trim_end_matches('\r');
    if let Some(rest) = line.strip_prefix("HTTP/") {
        let mut parts = rest.splitn(3, ' ');
        let version = parts.next()?;
        if !is_version(version) {
            return None;
        }
        let status: u16 = parts.next()?.trim().parse().ok()?;
        return (100..=999)
            .contains(&status)
            .then_some(StartLine::Status { status });
    }
    let mut parts = line.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    let method_ok = !method.is_empty()
        && method.len() <= 20
        && method
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b == b'-' || b == b'_');
    let version_ok = version.strip_prefix("HTTP/").is_some_and(is_version);
    (method_ok && !target.is_empty() && version_ok && parts.next().is_none()).then(|| {
        StartLine::Request {
            method: method.to_string(),
            target: target.to_string(),
        }
    })
}

fn is_version(v: &str) -> bool {
    let mut digits = v.split('.');
    let ok =
        |d: Option<&str>| d.is_some_and(|d| d.len() == 1 && d.bytes().all(|b| b.is_ascii_digit()));
    let major = digits.next();
    match digits.next() {
        Some(minor) => ok(major) && ok(Some(minor)) && digits.next().is_none(),
        None => ok(major),
    }
}

/// The line starting at `at`: `(content end, next line start)`; the last line of a buffer
/// without a final line break ends at the buffer's end.
pub(crate) fn line_at(bytes: &[u8], at: usize) -> (usize, usize) {
    let rest = bytes.get(at..).unwrap_or_default();
    match rest.iter().position(|&b| b == b'\n') {
        Some(nl) => {
            let end = match rest.get(..nl) {
                Some([.., b'\r']) => nl - 1,
                _ => nl,
            };
            (at + end, at + nl + 1)
        }
        None => (bytes.len(), bytes.len()),
    }
}

/// The start of the first line at or after `at` that starts a message, if any. `at` must be
/// at the start of a line.
pub(crate) fn next_start_line(bytes: &[u8], mut at: usize) -> Option<usize> {
    while at < bytes.len() {
        let (end, next) = line_at(bytes, at);
        if start_line(between(bytes, at, end)).is_some() {
            return Some(at);
        }
        at = next;
    }
    None
}

/// Skips blank lines from `at`.
pub(crate) fn skip_blank_lines(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() {
        let (end, next) = line_at(bytes, at);
        if !between(bytes, at, end)
            .iter()
            .all(|b| b.is_ascii_whitespace())
        {
            break;
        }
        at = next;
    }
    at
}

/// Reads the message starting at `at` (which must hold a start line). `request_method` is the
/// method of the request a response answers, when known (a response to HEAD has no body).
pub(crate) fn message(
    bytes: &[u8],
    at: usize,
    unframed: Unframed,
    request_method: Option<&str>,
) -> Option<Message> {
    let (end, mut pos) = line_at(bytes, at);
    let start = start_line(between(bytes, at, end))?;
    let mut headers: Vec<Header> = Vec::new();
    let mut head_complete = false;
    while pos < bytes.len() {
        let (end, next) = line_at(bytes, pos);
        let line = between(bytes, pos, end);
        if line.is_empty() {
            head_complete = true;
            pos = next;
            break;
        }
        push_header_line(&mut headers, line);
        pos = next;
        if pos == bytes.len() {
            // The buffer ends after the headers: complete when the last header line was (a
            // dump whose last message has no blank line), cut when it was not.
            head_complete = bytes.ends_with(b"\n");
        }
    }
    if !head_complete {
        return Some(Message {
            start,
            headers,
            body: Vec::new(),
            span: at..bytes.len(),
            complete: false,
        });
    }
    let body_start = pos;
    let no_body = match &start {
        StartLine::Status { status } => {
            (100..200).contains(status)
                || *status == 204
                || *status == 304
                || request_method.is_some_and(|m| m.eq_ignore_ascii_case("HEAD"))
        }
        StartLine::Request { .. } => false,
    };
    let chunked = header(&headers, "transfer-encoding")
        .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
    let length = header(&headers, "content-length").and_then(|v| v.trim().parse::<usize>().ok());
    let next = match unframed {
        Unframed::ToEnd => None,
        Unframed::ToNextMessage => next_start_line(bytes, body_start),
    };
    let unframed_end = next.unwrap_or(bytes.len());
    let after_head = bytes.get(body_start..).unwrap_or_default();
    let (raw_body, body_end, complete) = if no_body {
        (Vec::new(), body_start, true)
    } else if chunked {
        let (body, used) = decode::dechunk(after_head);
        let complete = used < after_head.len() || ends_last_chunk(after_head);
        (body, body_start + used, complete)
    } else if let Some(length) = length {
        let end = body_start.saturating_add(length);
        let fits = end <= bytes.len()
            && match unframed {
                Unframed::ToEnd => true,
                Unframed::ToNextMessage => {
                    next.is_none_or(|n| n >= end) && lands_on_boundary(bytes, end)
                }
            };
        if fits {
            (between(bytes, body_start, end).to_vec(), end, true)
        } else if end > bytes.len() && next.is_none() {
            // Announced more than the buffer holds: cut.
            (after_head.to_vec(), bytes.len(), false)
        } else {
            // The length does not match the dump (edited, or line ends converted): trust the
            // next start line instead.
            let body = trim_trailing_blank(between(bytes, body_start, unframed_end));
            (body.to_vec(), unframed_end, true)
        }
    } else {
        let body = trim_trailing_blank(between(bytes, body_start, unframed_end));
        (body.to_vec(), unframed_end, true)
    };
    let body = decode::decode_content(raw_body, header(&headers, "content-encoding"));
    Some(Message {
        start,
        headers,
        body,
        span: at..body_end,
        complete,
    })
}

/// Whether `end` is followed only by blank lines and then a start line or the end of the buffer.
fn lands_on_boundary(bytes: &[u8], end: usize) -> bool {
    // `end` may sit just before the line break that ends the body's last line.
    let after = skip_blank_lines_from_mid(bytes, end);
    after >= bytes.len() || {
        let (line_end, _) = line_at(bytes, after);
        start_line(between(bytes, after, line_end)).is_some()
    }
}

fn skip_blank_lines_from_mid(bytes: &[u8], at: usize) -> usize {
    let mut at = at;
    while matches!(bytes.get(at), Some(b'\r' | b'\n')) {
        at += 1;
    }
    at
}

fn ends_last_chunk(body: &[u8]) -> bool {
    let trimmed = trim_trailing_blank(body);
    trimmed.ends_with(b"\n0") || trimmed == b"0" || body.ends_with(b"0\r\n\r\n")
}

fn trim_trailing_blank(bytes: &[u8]) -> &[u8] {
    let mut rest = bytes;
    while let [head @ .., b'\n' | b'\r'] = rest {
        rest = head;
    }
    rest
}

/// `bytes[start..end]`, for positions found by scanning `bytes` (always in order and in
/// bounds); empty were they ever not.
fn between(bytes: &[u8], start: usize, end: usize) -> &[u8] {
    bytes.get(start..end).unwrap_or_default()
}

fn push_header_line(headers: &mut Vec<Header>, line: &[u8]) {
    let line = String::from_utf8_lossy(line);
    if line.starts_with([' ', '\t']) {
        // An obsolete folded continuation of the previous header.
        if let Some(last) = headers.last_mut() {
            last.value.push(' ');
            last.value.push_str(line.trim());
        }
        return;
    }
    // HTTP/2 pseudo-headers (`:authority: x`) keep their leading colon in the name.
    let search_from = usize::from(line.starts_with(':'));
    let Some(colon) = line[search_from..].find(':').map(|i| i + search_from) else {
        return;
    };
    let name = line[..colon].trim();
    if name.is_empty() {
        return;
    }
    headers.push(Header {
        name: header_name_of(name),
        value: line[colon + 1..].trim().to_string(),
    });
}

/// A body for the model: none when empty; text with invalid UTF-8 replaced.
pub(crate) fn body(bytes: &[u8], headers: &[Header]) -> Option<Body> {
    if bytes.is_empty() {
        return None;
    }
    Some(Body {
        mime_type: header(headers, "content-type").map(str::to_string),
        text: String::from_utf8_lossy(bytes).into_owned(),
        params: Vec::new(),
    })
}

/// The request a message holds. An origin-form target (`/path?q`) becomes an absolute URL
/// with the `Host` header and `scheme`, so later stages see the same URL as in a HAR.
pub(crate) fn request(msg: &Message, scheme: &str) -> Request {
    let (method, target) = match &msg.start {
        StartLine::Request { method, target } => (method.clone(), target.clone()),
        StartLine::Status { .. } => (String::new(), String::new()),
    };
    let lower = target.to_ascii_lowercase();
    let url = if lower.starts_with("http://") || lower.starts_with("https://") {
        target
    } else if let Some(host) = header(&msg.headers, "host").or(header(&msg.headers, ":authority")) {
        if target.starts_with('/') {
            format!("{scheme}://{host}{target}")
        } else if target == "*" {
            format!("{scheme}://{host}")
        } else {
            // authority-form (CONNECT host:443)
            format!("{scheme}://{target}")
        }
    } else {
        target
    };
    Request {
        method,
        url,
        headers: msg.headers.clone(),
        listed_cookies: 0,
        body: body(&msg.body, &msg.headers).map(Box::new),
    }
}

/// The response a message holds, or none when it is not a response.
pub(crate) fn response(msg: &Message) -> Option<Response> {
    let StartLine::Status { status } = msg.start else {
        return None;
    };
    Some(Response {
        status,
        headers: msg.headers.clone(),
        listed_cookies: 0,
        body: body(&msg.body, &msg.headers).map(Box::new),
        redirect_url: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_lines() {
        assert_eq!(
            start_line(b"POST /auth/o2/token HTTP/1.1\r"),
            Some(StartLine::Request {
                method: "POST".into(),
                target: "/auth/o2/token".into()
            })
        );
        assert_eq!(
            start_line(b"HTTP/1.1 302 Found"),
            Some(StartLine::Status { status: 302 })
        );
        assert_eq!(
            start_line(b"HTTP/2 200"),
            Some(StartLine::Status { status: 200 })
        );
        for not in [
            &b"Host: x"[..],
            b"GET /x",
            b"get /x HTTP/1.1",
            b"HTTP/1.1 OK",
            b"GET /a b HTTP/1.1",
            b"",
        ] {
            assert_eq!(start_line(not), None, "{}", String::from_utf8_lossy(not));
        }
    }

    #[test]
    fn request_with_content_length_and_origin_form() {
        let wire = b"POST /token HTTP/1.1\r\nHost: auth.example.com\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\n\r\ncode=abc1HTTP/1.1 200 OK\r\n\r\n";
        let msg = message(wire, 0, Unframed::ToNextMessage, None).unwrap();
        assert!(msg.complete);
        assert_eq!(msg.body, b"code=abc1");
        let req = request(&msg, "https");
        assert_eq!(req.url, "https://auth.example.com/token");
        assert_eq!(req.header("content-length"), Some("9"));
        assert_eq!(
            req.body.unwrap().mime_type.as_deref(),
            Some("application/x-www-form-urlencoded")
        );
    }

    #[test]
    fn a_wrong_content_length_yields_to_the_next_message() {
        let wire = b"POST /t HTTP/1.1\nHost: h\nContent-Length: 3\n\ncode=abc\n\nHTTP/1.1 200 OK\nContent-Length: 999\n\n{}\n\nGET /next HTTP/1.1\nHost: h\n\n";
        let req = message(wire, 0, Unframed::ToNextMessage, None).unwrap();
        assert_eq!(req.body, b"code=abc");
        let at = skip_blank_lines(wire, req.span.end);
        let resp = message(wire, at, Unframed::ToNextMessage, Some("POST")).unwrap();
        assert_eq!(resp.start, StartLine::Status { status: 200 });
        assert_eq!(resp.body, b"{}");
        let at = skip_blank_lines(wire, resp.span.end);
        assert!(wire[at..].starts_with(b"GET /next"));
    }

    #[test]
    fn folded_and_pseudo_headers() {
        let wire = b"GET https://a.example/x HTTP/1.1\r\n:authority: a.example\r\nX-Long: one\r\n two\r\nbroken line\r\n\r\n";
        let msg = message(wire, 0, Unframed::ToEnd, None).unwrap();
        let names: Vec<&str> = msg.headers.iter().map(|h| &*h.name).collect();
        assert_eq!(names, [":authority", "X-Long"]);
        assert_eq!(header(&msg.headers, "x-long"), Some("one two"));
        assert_eq!(request(&msg, "https").url, "https://a.example/x");
    }

    #[test]
    fn head_cut_off_is_incomplete() {
        let wire = b"GET /x HTTP/1.1\r\nHost: a\r\nCookie: se";
        let msg = message(wire, 0, Unframed::ToNextMessage, None).unwrap();
        assert!(!msg.complete);
        assert_eq!(msg.span, 0..wire.len());
    }

    #[test]
    fn no_body_for_head_204_and_304() {
        let wire = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nGET / HTTP/1.1\r\n\r\n";
        let msg = message(wire, 0, Unframed::ToNextMessage, Some("HEAD")).unwrap();
        assert!(msg.body.is_empty() && msg.complete);
        let msg = message(
            b"HTTP/1.1 304 Not Modified\r\n\r\n",
            0,
            Unframed::ToEnd,
            None,
        )
        .unwrap();
        assert!(msg.body.is_empty());
    }
}
