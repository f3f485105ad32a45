//! A mitmproxy dump (typed netstrings, `mitmdump -w`) as the policy shows it: its structure
//! (lengths, types, dictionary keys, numbers) kept; headers by their names, the request path
//! as a URL path and query, bodies by their `Content-Type`; every other string replaced.
//!
//! Works on any piece of a dump, as snippets cut one: what does not parse as a typed netstring
//! (a piece that starts or ends mid-record) is replaced whole, never shown.

use super::{body, form, header_name, header_value, host, method, name_shaped, path, Replace};
use crate::secret::SecretKind;

/// String values shown as they are, by their dictionary key: the request's and response's
/// public parts (the rest of a flow — connection addresses, certificates, error texts, ids —
/// is replaced).
const SHOWN: &[&str] = &[
    "http_version",
    "scheme",
    "reason",
    "first_line_format",
    "type",
    "version",
];

/// Nesting beyond this is not walked (the reader refuses it too).
const MAX_DEPTH: usize = 32;

/// `bytes` as the policy shows them.
pub fn dump<R: Replace + ?Sized>(bytes: &[u8], r: &mut R) -> String {
    if r.keeps_all() {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    let mut out = String::with_capacity(bytes.len());
    let mut pos = 0;
    while pos < bytes.len() {
        // Whitespace between records is kept; a record that does not parse ends the walk.
        if bytes[pos].is_ascii_whitespace() {
            out.push(bytes[pos] as char);
            pos += 1;
            continue;
        }
        match item(bytes, pos) {
            Some(it) => {
                out.push_str(&walk(bytes, &it, Context::Top, r, 0));
                pos = it.end;
            }
            None => {
                let rest = String::from_utf8_lossy(&bytes[pos..]);
                out.push_str(&r.replace(SecretKind::Value, &rest));
                break;
            }
        }
    }
    out
}

/// One typed netstring: its payload's range, its type byte, and where it ends.
struct Item {
    data: std::ops::Range<usize>,
    kind: u8,
    end: usize,
}

fn item(bytes: &[u8], at: usize) -> Option<Item> {
    let colon = at + bytes.get(at..)?.iter().take(13).position(|&b| b == b':')?;
    let len: usize = std::str::from_utf8(&bytes[at..colon]).ok()?.parse().ok()?;
    let start = colon + 1;
    let end = start.checked_add(len)?;
    let kind = *bytes.get(end)?;
    matches!(kind, b',' | b';' | b'#' | b'^' | b'!' | b'~' | b'}' | b']').then_some(Item {
        data: start..end,
        kind,
        end: end + 1,
    })
}

fn children(bytes: &[u8], it: &Item) -> Option<Vec<Item>> {
    let mut out = Vec::new();
    let mut pos = it.data.start;
    while pos < it.data.end {
        let child = item(bytes, pos)?;
        if child.end > it.data.end {
            return None;
        }
        pos = child.end;
        out.push(child);
    }
    Some(out)
}

fn text(bytes: &[u8], it: &Item) -> String {
    String::from_utf8_lossy(&bytes[it.data.clone()]).into_owned()
}

/// What a value is, from where it stands.
#[derive(Clone, Copy)]
enum Context<'k> {
    Top,
    /// The value of this dictionary key.
    Key(&'k str),
    /// A `headers` list.
    Headers,
    /// The content of a message whose headers say this media type and encoding.
    Body {
        mime: Option<&'k str>,
        encoded: bool,
    },
}

fn write(kind: u8, payload: &str) -> String {
    format!("{}:{payload}{}", payload.len(), kind as char)
}

fn walk<R: Replace + ?Sized>(
    bytes: &[u8],
    it: &Item,
    ctx: Context<'_>,
    r: &mut R,
    depth: usize,
) -> String {
    let whole = |r: &mut R| {
        let raw = String::from_utf8_lossy(&bytes[it.data.clone()]);
        write(it.kind, &r.replace(SecretKind::Value, &raw))
    };
    match it.kind {
        // Numbers, booleans and null are structure (ports, timestamps, status codes).
        b'#' | b'^' | b'!' | b'~' => String::from_utf8_lossy(&bytes[it.data.start..it.end]).into(),
        b',' | b';' => {
            let value = text(bytes, it);
            if value.is_empty() {
                return write(it.kind, "");
            }
            let shown = match ctx {
                Context::Key("method") => method(&value, r),
                Context::Key("host" | "authority" | "sni") => host(&value, r),
                Context::Key("path") => match value.split_once('?') {
                    Some((p, q)) => format!("{}?{}", path(p, r), form(q, r)),
                    None => path(&value, r),
                },
                Context::Key(k) if SHOWN.contains(&k) && name_shaped(value.trim()) => value,
                Context::Body { encoded: true, .. } => r.replace(SecretKind::Value, &value),
                Context::Body { mime, .. } => body(mime.unwrap_or(""), &value, r),
                _ => r.replace(SecretKind::Value, &value),
            };
            write(it.kind, &shown)
        }
        b'}' | b']' if depth < MAX_DEPTH => {
            let Some(items) = children(bytes, it) else {
                return whole(r);
            };
            let payload = if it.kind == b'}' {
                dict(bytes, &items, r, depth)
            } else {
                list(bytes, &items, ctx, r, depth)
            };
            write(it.kind, &payload)
        }
        _ => whole(r),
    }
}

fn dict<R: Replace + ?Sized>(bytes: &[u8], items: &[Item], r: &mut R, depth: usize) -> String {
    // The message's media type and encoding, for its `content`.
    let mut mime = None;
    let mut encoded = false;
    for pair in items.chunks(2) {
        if let [k, v] = pair {
            if &bytes[k.data.clone()] == b"headers" {
                for (name, value) in header_pairs(bytes, v) {
                    if name.eq_ignore_ascii_case("content-type") {
                        mime = Some(value);
                    } else if name.eq_ignore_ascii_case("content-encoding")
                        && !value.trim().eq_ignore_ascii_case("identity")
                    {
                        encoded = true;
                    }
                }
            }
        }
    }
    let mut out = String::new();
    for pair in items.chunks(2) {
        let [k, v] = pair else {
            out.push_str(&walk(bytes, &pair[0], Context::Top, r, depth + 1));
            continue;
        };
        let key = text(bytes, k);
        if name_shaped(&key) {
            out.push_str(&write(k.kind, &key));
        } else {
            out.push_str(&walk(bytes, k, Context::Top, r, depth + 1));
        }
        let ctx = match key.as_str() {
            "headers" | "trailers" => Context::Headers,
            "content" | "raw_content" => Context::Body {
                mime: mime.as_deref(),
                encoded,
            },
            k => Context::Key(k),
        };
        out.push_str(&walk(bytes, v, ctx, r, depth + 1));
    }
    out
}

fn list<R: Replace + ?Sized>(
    bytes: &[u8],
    items: &[Item],
    ctx: Context<'_>,
    r: &mut R,
    depth: usize,
) -> String {
    let mut out = String::new();
    for it in items {
        let pair = match (ctx, it.kind) {
            (Context::Headers, b']') => children(bytes, it).filter(|c| c.len() == 2),
            _ => None,
        };
        match pair.as_deref() {
            Some([name, value]) => {
                let n = text(bytes, name);
                let v = text(bytes, value);
                let shown = format!(
                    "{}{}",
                    write(name.kind, &header_name(&n, r)),
                    write(value.kind, &header_value(&n, &v, r))
                );
                out.push_str(&write(b']', &shown));
            }
            _ => out.push_str(&walk(bytes, it, ctx, r, depth + 1)),
        }
    }
    out
}

fn header_pairs(bytes: &[u8], headers: &Item) -> Vec<(String, String)> {
    children(bytes, headers)
        .unwrap_or_default()
        .iter()
        .filter_map(|h| match children(bytes, h)?.as_slice() {
            [n, v] => Some((text(bytes, n), text(bytes, v))),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::policy::Mask;

    fn ts(kind: char, payload: &str) -> String {
        format!("{}:{payload}{kind}", payload.len())
    }

    fn flow(auth: &str, body: &str) -> String {
        let header = |n: &str, v: &str| ts(']', &(ts(',', n) + &ts(',', v)));
        let headers = ts(
            ']',
            &(header("content-type", "application/x-www-form-urlencoded")
                + &header("Authorization", auth)
                + &header("X-Weird", "s3cr3tValueNoListKnows42")),
        );
        let request = ts(
            '}',
            &[
                ts(',', "method") + &ts(',', "POST"),
                ts(',', "host") + &ts(';', "api.amazon.com"),
                ts(',', "port") + &ts('#', "443"),
                ts(',', "path") + &ts(',', "/auth/o2/token?sig=abcdefSIG123456"),
                ts(',', "headers") + &headers,
                ts(',', "content") + &ts(',', body),
            ]
            .concat(),
        );
        ts('}', &(ts(';', "request") + &request))
    }

    #[test]
    fn structure_and_public_values_shown_the_rest_masked() {
        let dump_text = flow(
            "Bearer Atza|IwEBsecretsecretsecret",
            "grant_type=authorization_code&code=ANsecretcode12345&client_id=my-client",
        );
        let shown = dump(dump_text.as_bytes(), &mut Mask);
        for kept in [
            "POST",
            "api.amazon.com",
            "/auth/o2/token?sig=",
            "443#",
            "grant_type=authorization_code",
            "client_id=my-client",
            "Bearer Atza|",
            "X-Weird",
        ] {
            assert!(shown.contains(kept), "{kept} missing from {shown}");
        }
        for hidden in [
            "IwEBsecret",
            "ANsecretcode12345",
            "abcdefSIG123456",
            "s3cr3tValueNoListKnows42",
        ] {
            assert!(!shown.contains(hidden), "{hidden} shown in {shown}");
        }
    }

    #[test]
    fn a_piece_that_does_not_parse_is_replaced_whole() {
        let dump_text = flow("Bearer tok", "code=ANsecretcode12345");
        let cut = &dump_text.as_bytes()[5..dump_text.len() - 3];
        let shown = dump(cut, &mut Mask);
        assert!(!shown.contains("ANsecretcode12345"), "{shown}");
        assert!(crate::secret::policy::is_mask(&shown), "{shown}");
    }
}
