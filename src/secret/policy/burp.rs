//! Burp Suite XML: markup kept, each element's text walked as the element says.

use super::*;

/// Burp Suite XML ("Save items"), whole or a piece of it: markup kept; `url` walked as a URL,
/// `path` as a request target; `host`, `port`, `protocol`, `method`, `status`,
/// `responselength`, `mimetype`, `time` and `extension` shown; `request` and `response` walked
/// as raw HTTP when plain and replaced when base64 (decoded, walked and encoded again for
/// `sanitize`); any other element's text replaced.
pub fn burp_xml<R: Replace + ?Sized>(text: &str, r: &mut R) -> String {
    if r.keeps_all() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    while pos < text.len() {
        let Some(open) = text[pos..].find('<').map(|i| pos + i) else {
            out.push_str(&xml_text("", &text[pos..], false, r));
            break;
        };
        if open > pos {
            // Text outside a known element (a piece that starts inside one).
            out.push_str(&xml_text("", &text[pos..open], false, r));
        }
        let Some(close) = tag_end(text, open) else {
            out.push_str(&r.replace(SecretKind::Value, &text[open..]));
            break;
        };
        let tag = &text[open..close];
        out.push_str(tag);
        pos = close;
        let name: String = tag[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if name.is_empty() || tag.ends_with("/>") {
            continue;
        }
        let end_tag = format!("</{name}>");
        let content_end = text[pos..].find(&end_tag).map(|i| pos + i);
        let content = &text[pos..content_end.unwrap_or(text.len())];
        if content.contains("<item") || content.contains("<request") {
            // A container (`items`, `item`): its children are walked in turn.
            continue;
        }
        let base64 = tag.contains("base64=\"true\"");
        out.push_str(&xml_text(&name, content, base64, r));
        pos = content_end.unwrap_or(text.len());
    }
    out
}

/// The end (after `>`) of the markup opening at `open`, CDATA sections and declarations
/// included as markup only up to their own `>`.
pub(super) fn tag_end(text: &str, open: usize) -> Option<usize> {
    if text[open..].starts_with("<![CDATA[") {
        // Stray CDATA outside an element: treated as the text it holds.
        return None;
    }
    text[open..].find('>').map(|i| open + i + 1)
}

/// The text of one Burp element (CDATA or escaped), walked as the element says.
pub(super) fn xml_text<R: Replace + ?Sized>(
    element: &str,
    content: &str,
    base64: bool,
    r: &mut R,
) -> String {
    if content.trim().is_empty() || element.is_empty() && !content.contains(char::is_alphanumeric) {
        return content.to_string();
    }
    let (inner, cdata) = match content
        .strip_prefix("<![CDATA[")
        .map(|c| c.strip_suffix("]]>").unwrap_or(c))
    {
        Some(c) => (c.replace("]]]]><![CDATA[>", "]]>"), true),
        None => (xml_unescape(content), false),
    };
    let walked = match element {
        "host" | "port" | "protocol" | "method" | "status" | "responselength" | "mimetype"
        | "time" | "extension" => inner.clone(),
        "url" => url(&inner, r),
        "path" => url(&inner, r),
        "request" | "response" if base64 => {
            if r.encodes() {
                let compact: String = inner.chars().filter(|c| !c.is_whitespace()).collect();
                match base64::engine::general_purpose::STANDARD.decode(&compact) {
                    Ok(bytes) => match String::from_utf8(bytes) {
                        Ok(message) => {
                            let walked = http_text(&message, r);
                            if walked == message {
                                inner.clone()
                            } else {
                                base64::engine::general_purpose::STANDARD.encode(walked)
                            }
                        }
                        Err(_) => r.replace(SecretKind::Value, &inner),
                    },
                    Err(_) => r.replace(SecretKind::Value, &inner),
                }
            } else {
                r.replace(SecretKind::Value, &inner)
            }
        }
        "request" | "response" => http_text(&inner, r),
        _ => opaque(&inner, r),
    };
    if walked == inner {
        return content.to_string();
    }
    if cdata {
        format!("<![CDATA[{}]]>", walked.replace("]]>", "]]]]><![CDATA[>"))
    } else {
        xml_escape(&walked)
    }
}

pub(super) fn xml_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

pub(super) fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
