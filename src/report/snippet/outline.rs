//! A tolerant outline of a HAR entry's (masked, maybe cut short) JSON: where its request,
//! response, headers and their values are, so a label's needle is looked for in its own
//! field. No full parse: the text may be cut.

use std::ops::Range;

use super::*;

/// The parts of a HAR entry's JSON that labels point into, found by a tolerant scan of the
/// masked text (the text may be cut short, so no full parse).
pub(super) struct Outline {
    root: Option<Range<usize>>,
    request: Option<Range<usize>>,
    response: Option<Range<usize>>,
}

impl Outline {
    pub(super) fn new(text: &str, root: usize) -> Self {
        let root = value_at(text.as_bytes(), root);
        let request = root
            .clone()
            .and_then(|r| member(text, r, "request").map(|m| m.value));
        let response = root
            .clone()
            .and_then(|r| member(text, r, "response").map(|m| m.value));
        Outline {
            root,
            request,
            response,
        }
    }

    /// The value ranges an area's needle should be looked for in, best first.
    pub(super) fn regions(&self, text: &str, area: &Area) -> Vec<Range<usize>> {
        let in_request = |key: &str| self.request.clone().and_then(|r| member(text, r, key));
        let in_response = |key: &str| self.response.clone().and_then(|r| member(text, r, key));
        match area {
            Area::Url => in_request("url").map(|m| m.value).into_iter().collect(),
            Area::RequestHeader(name) => header_values(text, self.request.clone(), name),
            Area::ResponseHeader(name) => header_values(text, self.response.clone(), name),
            Area::RequestBody => in_request("postData")
                .map(|m| m.value)
                .into_iter()
                .collect(),
            Area::ResponseBody => in_response("content")
                .map(|m| m.value)
                .into_iter()
                .collect(),
            Area::Location => {
                let mut regions = header_values(text, self.response.clone(), "location");
                regions.extend(in_response("redirectURL").map(|m| m.value));
                regions
            }
        }
    }

    /// Where a label without a place goes: the request's `"url"` key, else the entry's `{`.
    pub(super) fn first_line(&self, text: &str) -> Range<usize> {
        self.request
            .clone()
            .and_then(|r| member(text, r, "url"))
            .map(|m| m.key)
            .or_else(|| self.root.as_ref().map(|r| r.start..r.start + 1))
            .unwrap_or(0..0)
    }
}

/// The `"value"`s of the header objects named `name` (any case) in `message.headers`.
pub(super) fn header_values(
    text: &str,
    message: Option<Range<usize>>,
    name: &str,
) -> Vec<Range<usize>> {
    let Some(headers) = message.and_then(|m| member(text, m, "headers")) else {
        return Vec::new();
    };
    elements(text, headers.value)
        .into_iter()
        .filter(|header| {
            member(text, header.clone(), "name").is_some_and(|n| {
                string_content(text, &n.value).is_some_and(|v| v.eq_ignore_ascii_case(name))
            })
        })
        .filter_map(|header| member(text, header, "value").map(|m| m.value))
        .collect()
}

pub(super) struct Member {
    /// The key with its quotes.
    key: Range<usize>,
    value: Range<usize>,
}

/// The member `key` of the object spanning `object`.
pub(super) fn member(text: &str, object: Range<usize>, key: &str) -> Option<Member> {
    members(text, object)
        .into_iter()
        .find(|m| string_content(text, &m.key) == Some(key))
}

/// The members of the object spanning `object`, as far as they can be read.
pub(super) fn members(text: &str, object: Range<usize>) -> Vec<Member> {
    let bytes = &text.as_bytes()[..object.end];
    let mut out = Vec::new();
    if bytes.get(object.start) != Some(&b'{') {
        return out;
    }
    let mut pos = object.start + 1;
    loop {
        pos = skip_ws(bytes, pos);
        if bytes.get(pos) != Some(&b'"') {
            return out;
        }
        let Some(key_end) = string_end(bytes, pos) else {
            return out;
        };
        let key = pos..key_end;
        pos = skip_ws(bytes, key_end);
        if bytes.get(pos) != Some(&b':') {
            return out;
        }
        let Some(value) = value_at(bytes, pos + 1) else {
            return out;
        };
        pos = skip_ws(bytes, value.end);
        out.push(Member { key, value });
        if bytes.get(pos) != Some(&b',') {
            return out;
        }
        pos += 1;
    }
}

/// The elements of the array spanning `array`, as far as they can be read.
pub(super) fn elements(text: &str, array: Range<usize>) -> Vec<Range<usize>> {
    let bytes = &text.as_bytes()[..array.end];
    let mut out = Vec::new();
    if bytes.get(array.start) != Some(&b'[') {
        return out;
    }
    let mut pos = array.start + 1;
    while let Some(value) = value_at(bytes, pos) {
        pos = skip_ws(bytes, value.end);
        out.push(value);
        if bytes.get(pos) != Some(&b',') {
            break;
        }
        pos += 1;
    }
    out
}

/// The extent of the JSON value starting at the first non-space byte from `pos`.
pub(super) fn value_at(bytes: &[u8], pos: usize) -> Option<Range<usize>> {
    let start = skip_ws(bytes, pos);
    let end = match *bytes.get(start)? {
        b'"' => string_end(bytes, start)?,
        b'{' | b'[' => container_end(bytes, start)?,
        b'}' | b']' | b',' | b':' => return None,
        _ => (start..bytes.len())
            .find(|&i| matches!(bytes[i], b',' | b'}' | b']') || bytes[i].is_ascii_whitespace())
            .unwrap_or(bytes.len()),
    };
    Some(start..end)
}

pub(super) fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while bytes.get(pos).is_some_and(u8::is_ascii_whitespace) {
        pos += 1;
    }
    pos
}

/// The position after the bracket closing the object or array opening at `start`.
pub(super) fn container_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut pos = start;
    while pos < bytes.len() {
        match bytes[pos] {
            b'"' => {
                pos = string_end(bytes, pos)?;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(pos + 1);
                }
            }
            _ => {}
        }
        pos += 1;
    }
    None
}

/// The inside of a string literal, escapes left as written (keys and header names rarely
/// hold any).
pub(super) fn string_content<'t>(text: &'t str, literal: &Range<usize>) -> Option<&'t str> {
    text.get(literal.clone())?
        .strip_prefix('"')?
        .strip_suffix('"')
}

/// The ranges of every string literal's contents (without quotes); an unterminated one runs to
/// the end.
pub(super) fn string_contents(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(open) = bytes[pos..].iter().position(|&b| b == b'"') {
        let start = pos + open + 1;
        match string_end(bytes, pos + open) {
            Some(end) => {
                out.push(start..end - 1);
                pos = end;
            }
            None => {
                out.push(start..bytes.len());
                break;
            }
        }
    }
    out
}
