//! Charles session JSON (`.chlsj`): a JSON array of transactions, each with `scheme`, `host`,
//! `path`, `query`, `method`, `times`, and `request` / `response` holding `header.headers[]`
//! and `body.text` (or `body.encoded`, base64). Read like HAR: each transaction is taken as a
//! raw slice (its span) as soon as it is complete, so a file cut off keeps the transactions
//! before the cut; a transaction that is not an object keeps its place with empty fields.
// (Indexing a `serde_json::Value` by key never panics: a missing key or a non-object gives
// `Null`, which reads as absent.)

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use serde::Deserializer;
use serde_json::value::RawValue;
use serde_json::Value;

use super::har::{decode_base64, parse_time, utf8_same_length};
use super::sniff::UTF8_BOM;
use super::{decode, ReadError};
use crate::model::{
    header_name, Body, Capture, Exchange, Format, Header, Request, Response, Truncation,
};

/// A JSON array: `[` then `]`, or an object naming Charles' transaction keys early on.
pub(super) fn sniff(_whole: &[u8], start: &[u8]) -> bool {
    if start.first() != Some(&b'[') {
        return false;
    }
    let rest = start.get(1..).unwrap_or_default().trim_ascii_start();
    if rest.starts_with(b"]") {
        return true;
    }
    let head = rest.get(..super::sniff::HEAD_BYTES).unwrap_or(rest);
    let has = |key: &[u8]| head.windows(key.len()).any(|w| w == key);
    rest.starts_with(b"{") && has(b"\"host\"") && (has(b"\"scheme\"") || has(b"\"method\""))
}

pub fn read(name: &str, source: Arc<[u8]>) -> Result<Capture, ReadError> {
    let text = utf8_same_length(&source);
    let bom = if text.as_bytes().starts_with(UTF8_BOM) {
        UTF8_BOM.len()
    } else {
        0
    };
    let json = text.get(bom..).unwrap_or_default();
    let mut raws: Vec<Range<usize>> = Vec::new();
    let result = Transactions {
        json,
        out: &mut raws,
    }
    .deserialize(&mut serde_json::Deserializer::from_str(json));
    let truncation = match result {
        Ok(()) => None,
        Err(e) if raws.is_empty() && !e.is_eof() && !e.is_syntax() => {
            return Err(ReadError::Invalid {
                name: name.to_string(),
                format: "Charles session",
                reason: crate::secret::policy::error_message(&e.to_string()),
            });
        }
        Err(e) => {
            let complete = raws.len();
            let offset = if e.is_eof() {
                source.len()
            } else {
                raws.last().map_or(bom, |r| r.end + bom)
            };
            Some(Truncation {
                offset,
                complete_entries: complete,
                reason: if e.is_eof() {
                    format!("the file ends after transaction {complete}, inside the session list")
                } else {
                    format!(
                        "invalid JSON after transaction {complete}: {}",
                        crate::secret::policy::error_message(&e.to_string())
                    )
                },
            })
        }
    };
    let exchanges = raws
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let span = r.start + bom..r.end + bom;
            transaction(i + 1, span, json.get(r.clone()).unwrap_or_default())
        })
        .collect();
    drop(text);
    Ok(super::capture(
        name,
        Format::Charles,
        source,
        exchanges,
        truncation,
        Vec::new(),
    ))
}

/// The top-level array: each element's range in the JSON text.
struct Transactions<'a, 'o> {
    json: &'a str,
    out: &'o mut Vec<Range<usize>>,
}

impl<'de> DeserializeSeed<'de> for Transactions<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Transactions<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of Charles transactions")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            let text = raw.get();
            let start = (text.as_ptr() as usize).saturating_sub(self.json.as_ptr() as usize);
            self.out.push(start..start + text.len());
        }
        Ok(())
    }
}

fn transaction(index: usize, span: Range<usize>, raw: &str) -> Exchange {
    let t: Value = serde_json::from_str(raw).unwrap_or(Value::Null);
    let started_raw = t
        .pointer("/times/start")
        .and_then(Value::as_str)
        .map(str::to_string);
    let request = request(&t);
    let response = response(&t);
    let error = t.get("errorMessage").and_then(text).or_else(|| {
        let status = t.get("status").and_then(text)?;
        (response.is_none() && !status.eq_ignore_ascii_case("COMPLETE")).then_some(status)
    });
    let mut ex = super::exchange_of(index, span, request, response);
    ex.started = started_raw.as_deref().and_then(parse_time);
    ex.started_raw = started_raw.map(Into::into);
    ex.error = error.map(Into::into);
    ex
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn request(t: &Value) -> Request {
    let scheme = text(&t["scheme"]).unwrap_or_else(|| "https".into());
    let host = text(&t["host"]).unwrap_or_default();
    let port = t["actualPort"].as_u64().or(t["port"].as_u64());
    let default_port = matches!(
        (scheme.as_str(), port),
        ("https", Some(443)) | ("http", Some(80)) | (_, None)
    );
    let authority = if default_port || host.contains(':') {
        host
    } else {
        format!("{host}:{}", port.unwrap_or_default())
    };
    let path = text(&t["path"]).unwrap_or_else(|| "/".into());
    let url = match text(&t["query"]) {
        Some(q) => format!("{scheme}://{authority}{path}?{q}"),
        None => format!("{scheme}://{authority}{path}"),
    };
    let headers = headers(&t["request"]);
    Request {
        method: text(&t["method"]).unwrap_or_default(),
        url,
        body: body(&t["request"], &headers).map(Box::new),
        headers,
        listed_cookies: 0,
    }
}

fn response(t: &Value) -> Option<Response> {
    let r = &t["response"];
    let status = r["status"]
        .as_u64()
        .or_else(|| r["status"].as_str().and_then(|s| s.trim().parse().ok()))
        .and_then(|s| u16::try_from(s).ok())
        .filter(|&s| s != 0)?;
    let headers = headers(r);
    Some(Response {
        status,
        body: body(r, &headers).map(Box::new),
        headers,
        listed_cookies: 0,
        redirect_url: None,
    })
}

fn headers(message: &Value) -> Vec<Header> {
    message
        .pointer("/header/headers")
        .and_then(Value::as_array)
        .map(|list| {
            let mut out = Vec::with_capacity(list.len());
            for h in list {
                let Some(name) = text(&h["name"]) else {
                    continue;
                };
                // A list of values (as Polly.JS writes HARs) is the header repeated.
                match &h["value"] {
                    Value::Array(values) => {
                        out.extend(values.iter().filter_map(text).map(|value| Header {
                            name: header_name(name.clone()),
                            value,
                        }))
                    }
                    v => out.push(Header {
                        name: header_name(name),
                        value: text(v).unwrap_or_default(),
                    }),
                }
            }
            out
        })
        .unwrap_or_default()
}

/// `body.text`, or `body.encoded` (base64 of the bytes as sent, which may still carry their
/// content coding unless Charles says it `decoded` them).
fn body(message: &Value, headers: &[Header]) -> Option<Body> {
    let b = &message["body"];
    let mime_type = text(&message["mimeType"])
        .or_else(|| crate::model::header(headers, "content-type").map(str::to_string));
    let text = if let Some(t) = b["text"].as_str() {
        t.to_string()
    } else {
        let bytes = decode_base64(b["encoded"].as_str()?)?;
        let coding = text(&message["contentEncoding"])
            .or_else(|| crate::model::header(headers, "content-encoding").map(str::to_string));
        let bytes = if b["decoded"].as_bool() == Some(true) {
            bytes
        } else {
            decode::decode_content(bytes, coding.as_deref())
        };
        String::from_utf8_lossy(&bytes).into_owned()
    };
    (!text.is_empty()).then_some(Body {
        mime_type,
        text,
        params: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SESSION: &str = r#"[
  {"status":"COMPLETE","method":"POST","protocolVersion":"HTTP/1.1","scheme":"https","host":"api.amazon.com","actualPort":443,
   "path":"/auth/o2/token","query":null,"times":{"start":"2024-03-14T11:47:20.123+01:00"},
   "request":{"mimeType":"application/x-www-form-urlencoded","header":{"firstLine":"POST /auth/o2/token HTTP/1.1",
     "headers":[{"name":"Host","value":"api.amazon.com"},{"name":"Content-Type","value":"application/x-www-form-urlencoded"}]},
     "body":{"text":"grant_type=authorization_code&code=ANabc"}},
   "response":{"status":200,"mimeType":"application/json","header":{"headers":[{"name":"Content-Type","value":"application/json"}]},
     "body":{"encoded":"eyJhY2Nlc3NfdG9rZW4iOiJBdHphfElFIn0="}}},
  {"status":"FAILED","method":"GET","scheme":"http","host":"localhost","actualPort":8080,"path":"/cb","query":"code=x&state=y",
   "errorMessage":"Connection reset","times":{"start":"2024-03-14T11:47:21.000+01:00"},"request":{"header":{"headers":[]}},"response":null},
  7
]"#;

    #[test]
    fn transactions_become_exchanges() {
        let c = read("s.chlsj", Arc::from(SESSION.as_bytes())).unwrap();
        assert_eq!(c.format, Format::Charles);
        assert!(c.truncation.is_none());
        let e = &c.exchanges;
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].request.url, "https://api.amazon.com/auth/o2/token");
        assert_eq!(
            e[0].request.body.as_ref().unwrap().text,
            "grant_type=authorization_code&code=ANabc"
        );
        let r = e[0].response.as_ref().unwrap();
        assert_eq!(
            r.body.as_ref().unwrap().text,
            r#"{"access_token":"Atza|IE"}"#
        );
        assert_eq!(e[0].started.unwrap().unix_timestamp(), 1_710_413_240);
        assert_eq!(e[1].request.url, "http://localhost:8080/cb?code=x&state=y");
        assert!(e[1].response.is_none());
        assert_eq!(e[1].error.as_deref(), Some("Connection reset"));
        // Not an object: keeps its place.
        assert_eq!((e[2].index, e[2].request.method.as_str()), (3, ""));
        assert!(c.source[e[0].span.clone()].starts_with(b"{\"status\""));
    }

    #[test]
    fn a_cut_session_keeps_whole_transactions() {
        let cut = SESSION.find("\"FAILED\"").unwrap();
        let c = read("s.chlsj", Arc::from(&SESSION.as_bytes()[..cut])).unwrap();
        assert_eq!(c.exchanges.len(), 1);
        let t = c.truncation.unwrap();
        assert_eq!((t.complete_entries, t.offset), (1, cut));
        for cut in 0..SESSION.len() {
            let _ = read("s.chlsj", Arc::from(&SESSION.as_bytes()[..cut]));
        }
    }
}
