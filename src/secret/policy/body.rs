//! Bodies by media type: JSON, forms and multipart walked, base64 decoded and walked, the
//! rest replaced whole.

use super::*;

/// A body of media type `mime` (as in `Content-Type`): JSON walked, forms and multipart
/// walked, anything else replaced whole. Without a media type, JSON and form-shaped text is
/// walked as such.
pub fn body<R: Replace + ?Sized>(mime: &str, text: &str, r: &mut R) -> String {
    if r.keeps_all() || text.trim().is_empty() {
        return text.to_string();
    }
    let essence = mime
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence.contains("json") {
        return json(text, r);
    }
    if essence == "application/x-www-form-urlencoded" {
        return form(text, r);
    }
    if essence == "multipart/form-data" {
        if let Some(boundary) = boundary(mime) {
            return multipart(text, &boundary, r);
        }
    }
    let t = text.trim();
    if (t.starts_with('{') || t.starts_with('['))
        && (essence.is_empty() || essence.starts_with("text/plain"))
    {
        return json(text, r);
    }
    if essence.is_empty() && form_shaped(t) {
        return form(text, r);
    }
    if essence.is_empty() || essence.contains("html") {
        if let Some(page) = r.html_page(text) {
            return page;
        }
    }
    opaque(text, r)
}

/// A body given in base64 (a HAR's `encoding: base64`, Charles' `encoded`): for `sanitize`,
/// decoded, walked as [`body`] and encoded again; for display (or when it does not decode to
/// text), replaced whole.
pub fn base64_body<R: Replace + ?Sized>(mime: &str, encoded: &str, r: &mut R) -> String {
    if r.keeps_all() || encoded.trim().is_empty() {
        return encoded.to_string();
    }
    if r.encodes() {
        let compact: String = encoded.chars().filter(|c| !c.is_whitespace()).collect();
        if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(&compact) {
            if let Ok(text) = String::from_utf8(bytes) {
                let walked = body(mime, &text, r);
                if walked == text {
                    return encoded.to_string();
                }
                return base64::engine::general_purpose::STANDARD.encode(walked);
            }
        }
    }
    r.replace(SecretKind::Value, encoded)
}

/// Whether `text` reads as a form (`a=1&b=2`): one line, every part a name-shaped `name=`.
pub(super) fn form_shaped(text: &str) -> bool {
    !text.is_empty()
        && !text.contains(char::is_whitespace)
        && text.split('&').all(|p| {
            p.split_once('=')
                .is_some_and(|(n, _)| name_shaped(&form_decode(n)))
        })
}

/// The `boundary` parameter of a multipart media type.
pub fn boundary(mime: &str) -> Option<String> {
    mime.split(';')
        .skip(1)
        .find_map(|p| {
            let (k, v) = p.split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("boundary")
                .then(|| v.trim().trim_matches('"').to_string())
        })
        .filter(|b| !b.is_empty())
}

/// A `multipart/form-data` body: delimiters and part headers kept (a part's `name` when
/// name-shaped, its `filename` replaced), each part's content as the value of its name.
pub fn multipart<R: Replace + ?Sized>(text: &str, boundary: &str, r: &mut R) -> String {
    if r.keeps_all() {
        return text.to_string();
    }
    let delimiter = format!("--{boundary}");
    let mut pieces = text.split(delimiter.as_str());
    let mut out = String::with_capacity(text.len());
    let preamble = pieces.next().unwrap_or("");
    if preamble.trim().is_empty() {
        out.push_str(preamble);
    } else {
        out.push_str(&r.replace(SecretKind::Value, preamble));
    }
    for piece in pieces {
        out.push_str(&delimiter);
        if let Some(epilogue) = piece.strip_prefix("--") {
            // The closing delimiter, then the epilogue.
            out.push_str("--");
            if epilogue.trim().is_empty() {
                out.push_str(epilogue);
            } else {
                out.push_str(&r.replace(SecretKind::Value, epilogue));
            }
            continue;
        }
        out.push_str(&multipart_part(piece, r));
    }
    out
}

/// A part's `Content-Disposition` value walked: its parameters (the `name` kept when
/// name-shaped, a `filename` and anything else replaced), the last `name` given, and whether
/// it names a file.
fn disposition<R: Replace + ?Sized>(value: &str, r: &mut R) -> (Vec<String>, Option<String>, bool) {
    let mut parts = Vec::new();
    let mut name = None;
    let mut file = false;
    for (j, p) in value.split(';').enumerate() {
        if j == 0 {
            parts.push(p.to_string());
            continue;
        }
        let Some((k, v)) = p.split_once('=') else {
            parts.push(r.replace(SecretKind::Value, p));
            continue;
        };
        let unquoted = v.trim().trim_matches('"');
        if k.trim().eq_ignore_ascii_case("name") {
            name = Some(unquoted.to_string());
            if name_shaped(unquoted) {
                parts.push(p.to_string());
            } else {
                parts.push(format!(
                    "{k}=\"{}\"",
                    r.replace(SecretKind::Value, unquoted)
                ));
            }
        } else {
            file |= k.trim().to_ascii_lowercase().starts_with("filename");
            parts.push(format!(
                "{k}=\"{}\"",
                r.replace(SecretKind::Value, unquoted)
            ));
        }
    }
    (parts, name, file)
}

/// One part after its delimiter: `\r\n`, headers, a blank line, the content, `\r\n`.
pub(super) fn multipart_part<R: Replace + ?Sized>(piece: &str, r: &mut R) -> String {
    let (head, sep, content) = match piece.find("\r\n\r\n") {
        Some(i) => (&piece[..i], "\r\n\r\n", &piece[i + 4..]),
        None => match piece.find("\n\n") {
            Some(i) => (&piece[..i], "\n\n", &piece[i + 2..]),
            None => return r.replace(SecretKind::Value, piece),
        },
    };
    let mut name = String::new();
    let mut part_type = String::new();
    let mut file = false;
    let mut out = String::with_capacity(piece.len());
    for (i, line) in head.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let (line, cr) = match line.strip_suffix('\r') {
            Some(l) => (l, "\r"),
            None => (line, ""),
        };
        if line.is_empty() {
            out.push_str(cr);
            continue;
        }
        let Some((hname, hvalue)) = line.split_once(':') else {
            out.push_str(&r.replace(SecretKind::Value, line));
            out.push_str(cr);
            continue;
        };
        if hname.trim().eq_ignore_ascii_case("content-disposition") {
            let (parts, part_name, part_file) = disposition(hvalue, r);
            if let Some(n) = part_name {
                name = n;
            }
            file |= part_file;
            out.push_str(hname);
            out.push(':');
            out.push_str(&parts.join(";"));
        } else {
            if hname.trim().eq_ignore_ascii_case("content-type") {
                part_type = hvalue.trim().to_string();
            }
            out.push_str(&header_name(hname, r));
            out.push(':');
            let lead = &hvalue[..hvalue.len() - hvalue.trim_start().len()];
            out.push_str(lead);
            out.push_str(&header_value(hname.trim(), hvalue.trim_start(), r));
        }
        out.push_str(cr);
    }
    out.push_str(sep);
    // The content ends before the line break that precedes the next delimiter.
    let (value, end) = match content.strip_suffix("\r\n") {
        Some(v) => (v, "\r\n"),
        None => match content.strip_suffix('\n') {
            Some(v) => (v, "\n"),
            None => (content, ""),
        },
    };
    let shown = if file {
        if value.is_empty() {
            String::new()
        } else {
            r.replace(SecretKind::Value, value)
        }
    } else if !part_type.is_empty() && !part_type.to_ascii_lowercase().starts_with("text/plain") {
        body(&part_type, value, r)
    } else {
        decoded_value(&name, value, r).into_owned()
    };
    out.push_str(&shown);
    out.push_str(end);
    out
}
