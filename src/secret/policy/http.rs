//! Raw HTTP/1.x messages and text (Fiddler, Burp, raw dumps): start lines, headers by name,
//! bodies by their `Content-Type`; and short notes.

use super::*;

/// A raw HTTP/1.x message (a request or a response, as Fiddler, Burp and raw dumps hold them):
/// the request line (its target walked as a URL) or status line, each header by
/// [`header_name`] and [`header_value`], and the body by its `Content-Type`. A body under a
/// `Content-Encoding` or chunked framing is replaced whole; a line that is no header is
/// replaced.
pub fn http_message<R: Replace + ?Sized>(text: &str, r: &mut R) -> String {
    if r.keeps_all() {
        return text.to_string();
    }
    let (head, sep, body_text) = match text.find("\r\n\r\n") {
        Some(i) => (&text[..i], "\r\n\r\n", Some(&text[i + 4..])),
        None => match text.find("\n\n") {
            Some(i) => (&text[..i], "\n\n", Some(&text[i + 2..])),
            None => (text, "", None),
        },
    };
    let mut out = String::with_capacity(text.len());
    let mut mime = String::new();
    let mut encoded = false;
    for (i, line) in head.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let (line, cr) = match line.strip_suffix('\r') {
            Some(l) => (l, "\r"),
            None => (line, ""),
        };
        if i == 0 {
            out.push_str(&start_line(line, r));
        } else if let Some((name, value)) = line
            .split_once(':')
            .filter(|(n, _)| !n.is_empty() && !n.starts_with([' ', '\t']))
        {
            let lname = name.trim().to_ascii_lowercase();
            if lname == "content-type" {
                mime = value.trim().to_string();
            }
            if (lname == "content-encoding" && !value.trim().eq_ignore_ascii_case("identity"))
                || (lname == "transfer-encoding" && value.to_ascii_lowercase().contains("chunked"))
            {
                encoded = true;
            }
            let lead = &value[..value.len() - value.trim_start().len()];
            out.push_str(&header_name(name, r));
            out.push(':');
            out.push_str(lead);
            out.push_str(&header_value(name.trim(), value.trim_start(), r));
        } else if !line.is_empty() {
            out.push_str(&r.replace(SecretKind::Value, line));
        }
        out.push_str(cr);
    }
    out.push_str(sep);
    if let Some(b) = body_text {
        if encoded && !b.is_empty() {
            out.push_str(&r.replace(SecretKind::Value, b));
        } else {
            out.push_str(&body(&mime, b, r));
        }
    }
    out
}

/// Raw HTTP text: messages one after another (a raw dump, a Fiddler member) or a piece of
/// them, read line by line. A request or status line starts a message; header lines are
/// walked by name; a body runs to the next start line and is walked by its message's
/// `Content-Type` (trailing blank lines kept). Lines before any start line are read as
/// headers where they are shaped so, and replaced otherwise. Line breaks stay where they are.
pub fn http_text<R: Replace + ?Sized>(text: &str, r: &mut R) -> String {
    if r.keeps_all() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut in_head = true;
    let mut mime = String::new();
    let mut encoded = false;
    let mut body_text = String::new();
    let flush = |body_text: &mut String, mime: &str, encoded: bool, out: &mut String, r: &mut R| {
        if body_text.is_empty() {
            return;
        }
        let core = body_text.trim_end_matches(['\r', '\n']);
        let tail = &body_text[core.len()..];
        if encoded && !core.is_empty() {
            out.push_str(&opaque(core, r));
        } else {
            out.push_str(&body(mime, core, r));
        }
        out.push_str(tail);
        body_text.clear();
    };
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\r', '\n']);
        let ending = &line[content.len()..];
        if is_start_line(content) {
            flush(&mut body_text, &mime, encoded, &mut out, r);
            in_head = true;
            mime.clear();
            encoded = false;
            out.push_str(&start_line(content, r));
            out.push_str(ending);
            continue;
        }
        if !in_head {
            body_text.push_str(line);
            continue;
        }
        if content.is_empty() {
            in_head = false;
            out.push_str(line);
            continue;
        }
        match content
            .split_once(':')
            .filter(|(n, _)| !n.is_empty() && !n.starts_with([' ', '\t']) && !n.contains(' '))
        {
            Some((name, value)) => {
                let lname = name.to_ascii_lowercase();
                if lname == "content-type" {
                    mime = value.trim().to_string();
                }
                if (lname == "content-encoding" && !value.trim().eq_ignore_ascii_case("identity"))
                    || (lname == "transfer-encoding"
                        && value.to_ascii_lowercase().contains("chunked"))
                {
                    encoded = true;
                }
                let lead = &value[..value.len() - value.trim_start().len()];
                out.push_str(&header_name(name, r));
                out.push(':');
                out.push_str(lead);
                out.push_str(&header_value(name, value.trim_start(), r));
            }
            None => out.push_str(&r.replace(SecretKind::Value, content)),
        }
        out.push_str(ending);
    }
    flush(&mut body_text, &mime, encoded, &mut out, r);
    out
}

/// Whether a line is an HTTP/1.x request line or status line.
pub(super) fn is_start_line(line: &str) -> bool {
    let parts: Vec<&str> = line.split(' ').collect();
    let version = |v: &str| v.starts_with("HTTP/") && v.len() <= 10;
    match parts.as_slice() {
        [v, status, ..] if version(v) => {
            status.len() == 3 && status.bytes().all(|b| b.is_ascii_digit())
        }
        [method, _, v] => version(v) && is_method(method),
        _ => false,
    }
}

/// Text the policy cannot read (an HTML page, a compressed body): replaced whole, or, for
/// display, line by line so that the lines after it keep their numbers.
pub fn opaque<R: Replace + ?Sized>(text: &str, r: &mut R) -> String {
    if r.keeps_all() || text.is_empty() {
        return text.to_string();
    }
    if r.encodes() || !text.contains('\n') {
        return r.replace(SecretKind::Value, text);
    }
    text.split_inclusive('\n')
        .map(|line| {
            let content = line.trim_end_matches(['\r', '\n']);
            let ending = &line[content.len()..];
            if content.trim().is_empty() {
                line.to_string()
            } else {
                format!("{}{ending}", r.replace(SecretKind::Value, content))
            }
        })
        .collect()
}

/// An HTTP method as shown: a token of capitals (`GET`, `M-SEARCH`), else replaced.
pub fn method<R: Replace + ?Sized>(method: &str, r: &mut R) -> String {
    if r.keeps_all() || is_method(method) {
        return method.to_string();
    }
    r.replace(SecretKind::Value, method)
}

/// A short note from a capture (a transport error such as `net::ERR_CONNECTION_RESET` or
/// `connection reset`): each word shown when name-shaped, else replaced.
pub fn note<R: Replace + ?Sized>(text: &str, r: &mut R) -> String {
    if r.keeps_all() {
        return text.to_string();
    }
    text.split(' ')
        .map(|word| {
            let core = word.trim_matches(|c: char| c.is_ascii_punctuation());
            if core.is_empty() || name_shaped(core) {
                word.chars()
                    .map(|c| if c.is_control() { ' ' } else { c })
                    .collect()
            } else {
                r.replace(SecretKind::Value, word)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A request line (`GET /path?q HTTP/1.1`, its target walked as a URL) or a status line
/// (`HTTP/1.1 200 OK`, shown); anything else replaced.
pub fn start_line<R: Replace + ?Sized>(line: &str, r: &mut R) -> String {
    if r.keeps_all() || line.is_empty() {
        return line.to_string();
    }
    let parts: Vec<&str> = line.splitn(3, ' ').collect();
    let version = |v: &str| v.starts_with("HTTP/") && v.len() <= 10;
    match parts.as_slice() {
        [v, status, ..]
            if version(v) && status.len() == 3 && status.bytes().all(|b| b.is_ascii_digit()) =>
        {
            line.to_string()
        }
        [method, target, v] if version(v) && is_method(method) => {
            format!("{method} {} {v}", url(target, r))
        }
        [method, target] if is_method(method) => format!("{method} {}", url(target, r)),
        _ => r.replace(SecretKind::Value, line),
    }
}

pub(super) fn is_method(m: &str) -> bool {
    !m.is_empty() && m.len() <= 16 && m.bytes().all(|b| b.is_ascii_uppercase() || b == b'-')
}
