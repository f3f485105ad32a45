//! The HAR document a sanitized capture is written as: the input's own document when it was a
//! HAR (every field kept, vendor ones included, only secret values rewritten), else one built
//! from the format-neutral capture.

use std::collections::{BTreeSet, HashSet};

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;

use super::MARK;
use crate::model::{Capture, Exchange, Header};
use crate::secret::redact::Redactor;
use crate::secret::SecretKind;

pub struct Document {
    top: Value,
    /// The input was cut off inside its entry list, and the output will be too.
    pub cut: bool,
}

/// Marks where a cut output ends: after the entry before it.
const CUT_HERE: &str = "\u{1}tokentrail: the input ends here\u{1}";

impl Document {
    /// The input's own document. A HAR cut off inside its entry list is rebuilt from the text
    /// before its first entry and its complete entries.
    pub fn parse(capture: &Capture) -> Result<Document, String> {
        let source = &capture.source;
        if capture.truncation.is_none() {
            let text = String::from_utf8_lossy(source);
            let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
            let top: Value = serde_json::from_str(text)
                .map_err(|e| format!("cannot parse it as one JSON document ({e})"))?;
            let entries = top.pointer("/log/entries").and_then(Value::as_array);
            if entries.map(Vec::len) != Some(capture.exchanges.len()) {
                return Err("its entry list is not where the reader found it".into());
            }
            return Ok(Document { top, cut: false });
        }
        let first = capture
            .exchanges
            .first()
            .ok_or("it is cut off before its first entry ends")?;
        let head = String::from_utf8_lossy(source.get(..first.span.start).unwrap_or_default());
        let head = head.strip_prefix('\u{FEFF}').unwrap_or(&head).trim_end();
        if !head.ends_with('[') {
            return Err("its entry list does not open as expected".into());
        }
        let mut top: Value = serde_json::from_str(&format!("{head}]}}}}"))
            .map_err(|e| format!("cannot parse the text before its entries ({e})"))?;
        let mut entries = Vec::with_capacity(capture.exchanges.len());
        for ex in &capture.exchanges {
            let raw = source.get(ex.span.clone()).unwrap_or_default();
            entries.push(
                serde_json::from_slice::<Value>(raw)
                    .map_err(|e| format!("cannot parse entry {} again ({e})", ex.index))?,
            );
        }
        match top.pointer_mut("/log/entries") {
            Some(slot) => *slot = Value::Array(entries),
            None => return Err("its entry list is not where the reader found it".into()),
        }
        Ok(Document { top, cut: true })
    }

    /// A new HAR 1.2 document holding what the capture holds.
    pub fn from_capture(capture: &Capture) -> Document {
        let entries: Vec<Value> = capture.exchanges.iter().map(entry_of).collect();
        let top = json!({"log": {
            "version": "1.2",
            "creator": {"name": "tokentrail", "version": env!("CARGO_PKG_VERSION")},
            "comment": format!("Written by tokentrail sanitize from a {} capture.", capture.format.name()),
            "pages": [],
            "entries": entries,
        }});
        Document { top, cut: false }
    }

    /// The tags an earlier run recorded (see [`super::MARK`]).
    pub fn known_tags(&self) -> HashSet<String> {
        self.top
            .pointer(&format!("/log/{MARK}/placeholders"))
            .and_then(Value::as_array)
            .map(|tags| {
                tags.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Rewrites every secret and writes the document: (text, entries, bodies removed).
    pub fn write(mut self, red: &mut Redactor, oauth: &BTreeSet<usize>) -> (String, usize, usize) {
        let mut entries = Vec::new();
        let mut removed = 0;
        if let Some(Value::Object(log)) = self.top.get_mut("log") {
            // Rebuilt so that the mark stands just before the entries (where a cut file still
            // has it), and an earlier mark is replaced.
            let old = std::mem::take(log);
            for (key, value) in old {
                if key == MARK {
                    continue;
                }
                if key == "entries" {
                    if let Value::Array(items) = value {
                        entries = items;
                    }
                    log.insert(MARK.into(), Value::Null);
                    log.insert(key, Value::Null);
                    continue;
                }
                log.insert(key, value);
            }
        }
        // Everything but the entries: pages, comments, vendor fields.
        if let Value::Object(top) = &mut self.top {
            for (key, value) in top.iter_mut() {
                if key == "log" {
                    if let Value::Object(log) = value {
                        for (k, v) in log.iter_mut() {
                            if k != "entries" && k != MARK {
                                walk(v, red, Some(k));
                            }
                        }
                    }
                } else {
                    walk(value, red, Some(key));
                }
            }
        }
        for (i, entry) in entries.iter_mut().enumerate() {
            if !oauth.contains(&(i + 1)) && remove_response_body(entry) {
                removed += 1;
            }
            walk(entry, red, None);
        }
        let count = entries.len();
        if self.cut {
            entries.push(Value::String(CUT_HERE.into()));
        }
        let mark = json!({
            "by": format!("tokentrail {}", env!("CARGO_PKG_VERSION")),
            "note": "every secret was replaced by a keyed placeholder that keeps its shape; equal secrets have equal placeholders",
            "placeholders": red.tags(),
        });
        if let Some(Value::Object(log)) = self.top.get_mut("log") {
            log.insert(MARK.into(), mark);
            log.insert("entries".into(), Value::Array(entries));
        }
        let mut text = serde_json::to_string_pretty(&self.top).unwrap_or_default();
        if self.cut {
            let marker = serde_json::to_string(CUT_HERE).unwrap_or_default();
            if let Some(at) = text.rfind(&marker) {
                let head = text[..at].trim_end();
                text = format!("{}\n", head.strip_suffix(',').unwrap_or(head));
            }
        } else {
            text.push('\n');
        }
        (text, count, removed)
    }
}

/// Removes the text of an entry's response body; whether there was one.
fn remove_response_body(entry: &mut Value) -> bool {
    let Some(Value::Object(content)) = entry.pointer_mut("/response/content") else {
        return false;
    };
    let has_text = content
        .get("text")
        .and_then(Value::as_str)
        .is_some_and(|t| !t.is_empty());
    if has_text {
        content.remove("text");
        content.remove("encoding");
        content.insert(
            "comment".into(),
            json!("body removed by tokentrail sanitize: the entry is not part of an OAuth flow"),
        );
    }
    has_text
}

/// Rewrites every string under `value`. `key` is the name `value` stands under, so header and
/// cookie objects (`{"name": …, "value": …}` in `headers` and `cookies` lists) are recognised.
fn walk(value: &mut Value, red: &mut Redactor, key: Option<&str>) {
    match value {
        Value::String(s) => {
            let new = red.text(s);
            if new != *s {
                *s = new;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| walk(item, red, key)),
        Value::Object(map) => {
            let name = map.get("name").and_then(Value::as_str).map(str::to_string);
            match (key, name) {
                (Some("headers"), Some(name)) => pair(map, red, |red, v| red.header(&name, v)),
                (Some("cookies"), Some(_)) => {
                    pair(map, red, |red, v| red.value(SecretKind::Cookie, v))
                }
                _ => {
                    let base64 = map
                        .get("encoding")
                        .and_then(Value::as_str)
                        .is_some_and(|e| e.trim().eq_ignore_ascii_case("base64"));
                    for (k, child) in map.iter_mut() {
                        if base64 && k == "text" {
                            if let Value::String(s) = child {
                                if let Some(new) = base64_text(s, red) {
                                    *s = new;
                                    continue;
                                }
                            }
                        }
                        walk(child, red, Some(k));
                    }
                }
            }
        }
        _ => {}
    }
}

/// A `{"name": …, "value": …}` object: its value rewritten by `rewrite`, the rest as text.
fn pair(
    map: &mut Map<String, Value>,
    red: &mut Redactor,
    rewrite: impl Fn(&mut Redactor, &str) -> String,
) {
    for (k, child) in map.iter_mut() {
        match child {
            Value::String(s) if k == "value" => *s = rewrite(red, s),
            other => walk(other, red, None),
        }
    }
}

/// A base64 body decoded, rewritten and encoded again; `None` when it is not base64 of text.
fn base64_text(text: &str, red: &mut Redactor) -> Option<String> {
    let config = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let bytes = GeneralPurpose::new(&alphabet::STANDARD, config)
        .decode(&compact)
        .or_else(|_| GeneralPurpose::new(&alphabet::URL_SAFE, config).decode(&compact))
        .ok()?;
    let decoded = String::from_utf8(bytes).ok()?;
    let rewritten = red.text(&decoded);
    Some(if rewritten == decoded {
        text.to_string()
    } else {
        base64::engine::general_purpose::STANDARD.encode(rewritten)
    })
}

/// One exchange as a HAR 1.2 entry.
fn entry_of(ex: &Exchange) -> Value {
    let headers = |list: &[Header]| -> Value {
        list.iter()
            .map(|h| json!({"name": h.name, "value": h.value}))
            .collect()
    };
    let started = ex
        .started
        .and_then(|t| t.format(&Rfc3339).ok())
        .or_else(|| ex.started_raw.clone())
        .unwrap_or_default();
    let req = &ex.request;
    let mut request = json!({
        "method": req.method,
        "url": req.url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": headers(&req.headers),
        "queryString": [],
        "headersSize": -1,
        "bodySize": req.body.as_ref().map_or(0, |b| b.text.len()),
    });
    if let Some(body) = &req.body {
        request["postData"] = json!({
            "mimeType": body.mime_type.clone().unwrap_or_default(),
            "text": body.text,
        });
    }
    let response = match &ex.response {
        Some(resp) => {
            let mut content = json!({
                "size": resp.body.as_ref().map_or(0, |b| b.text.len()),
                "mimeType": resp.body.as_ref().and_then(|b| b.mime_type.clone()).unwrap_or_default(),
            });
            if let Some(body) = &resp.body {
                content["text"] = json!(body.text);
            }
            let mut r = json!({
                "status": resp.status,
                "statusText": "",
                "httpVersion": "HTTP/1.1",
                "cookies": [],
                "headers": headers(&resp.headers),
                "content": content,
                "redirectURL": resp.redirect_url.clone().unwrap_or_default(),
                "headersSize": -1,
                "bodySize": -1,
            });
            if let Some(e) = &ex.error {
                r["_error"] = json!(e);
            }
            r
        }
        None => json!({
            "status": 0,
            "statusText": "",
            "httpVersion": "",
            "cookies": [],
            "headers": [],
            "content": {"size": 0, "mimeType": "x-unknown"},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
            "_error": ex.error,
        }),
    };
    json!({
        "startedDateTime": started,
        "time": 0,
        "request": request,
        "response": response,
        "cache": {},
        "timings": {"send": 0, "wait": 0, "receive": 0},
    })
}
