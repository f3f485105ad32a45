//! One HAR entry: lenient serde types (a misfit becomes its default, numbers may be strings),
//! then conversion to the model, with bodies decoded.

use std::borrow::Cow;
use std::marker::PhantomData;
use std::ops::Range;

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use serde_json::Value;
use time::format_description::well_known::{Iso8601, Rfc3339};
use time::OffsetDateTime;

use crate::model::{header_name, Body, Exchange, Header, Request, Response};
use crate::wire::form;

/// A value that becomes `T::default()` when it does not fit `T` (wrong type, `null`), instead of
/// failing the whole entry. It re-parses its own raw slice, which only works when reading from
/// a `&str`, as this module always does.
///
/// In the [`Strict`] mode it is read as `T` in place, and a misfit is an error instead.
/// [`exchange`] reads an entry strictly first, in one pass, and leniently only when that fails:
/// re-parsing every lenient field's raw slice went over a header's bytes four times and a
/// body's three, which made an entry read in full cost five times as much per byte as a
/// skimmed one. A strict read that succeeds gives what the lenient one gives: every field it
/// read fitted, and a field that fits is read the same both ways.
#[derive(Default)]
pub(super) struct Lenient<T, M>(T, PhantomData<M>);

/// How [`Lenient`] values are read: [`Strict`] or [`Loose`]. (A type rather than a `const`
/// parameter, which serde's derive does not take.)
pub(super) trait Mode: Default {
    const STRICT: bool;
}

#[derive(Default)]
pub(super) struct Strict;

#[derive(Default)]
pub(super) struct Loose;

impl Mode for Strict {
    const STRICT: bool = true;
}

impl Mode for Loose {
    const STRICT: bool = false;
}

impl<'de, T: DeserializeOwned + Default, M: Mode> Deserialize<'de> for Lenient<T, M> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if M::STRICT {
            return T::deserialize(d).map(|t| Lenient(t, PhantomData));
        }
        let raw = <&'de RawValue>::deserialize(d)?;
        let t = serde_json::from_str(raw.get()).unwrap_or_default();
        Ok(Lenient(t, PhantomData))
    }
}

/// A list whose unreadable items are dropped (and which is empty when it is not a list).
pub(super) fn list<'de, D: Deserializer<'de>, T: DeserializeOwned, M: Mode>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    let Lenient(items, _) = Lenient::<Vec<Lenient<Option<T>, M>>, M>::deserialize(d)?;
    Ok(items
        .into_iter()
        .filter_map(|Lenient(item, _)| item)
        .collect())
}

/// A string field that may be written as a number or boolean; `null` and other types are none.
pub(super) fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    })
}

/// A string field (as [`text`]) or a list of them, as the values of a header repeated:
/// Polly.JS records `"value": ["Bearer …"]`. `null` and other types give none.
pub(super) fn texts<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let scalar = |v: Value| match v {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items.into_iter().filter_map(scalar).collect(),
        other => scalar(other).into_iter().collect(),
    })
}

/// A non-negative integer field that may be written as a float (`200.0`) or a string (`"200"`).
pub(super) fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_u64().or_else(|| n.as_f64().and_then(whole)),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<u64>()
                .ok()
                .or_else(|| s.parse::<f64>().ok().and_then(whole))
        }
        _ => None,
    })
}

/// `f` as an integer when it is a whole, non-negative number that fits.
pub(super) fn whole(f: f64) -> Option<u64> {
    let fits = f.is_finite() && f >= 0.0 && f.fract() == 0.0 && f <= u32::MAX as f64;
    fits.then_some(f as u64)
}

#[derive(Deserialize, Default)]
#[serde(default, bound = "")]
pub(super) struct HarEntry<S: Mode> {
    #[serde(rename = "startedDateTime", deserialize_with = "text")]
    started: Option<String>,
    request: Lenient<HarRequest<S>, S>,
    response: Lenient<Option<HarResponse<S>>, S>,
    /// Some tools put the transport error on the entry rather than on the response.
    #[serde(rename = "_error", deserialize_with = "text")]
    error: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, bound = "")]
pub(super) struct HarRequest<S: Mode> {
    #[serde(deserialize_with = "text")]
    method: Option<String>,
    #[serde(deserialize_with = "text")]
    url: Option<String>,
    #[serde(deserialize_with = "list::<_, _, S>")]
    headers: Vec<HarHeader>,
    cookies: Lenient<Vec<IgnoredAny>, S>,
    #[serde(rename = "postData")]
    post_data: Lenient<Option<HarPostData<S>>, S>,
}

#[derive(Deserialize, Default)]
#[serde(default, bound = "")]
pub(super) struct HarResponse<S: Mode> {
    #[serde(deserialize_with = "number")]
    status: Option<u64>,
    #[serde(deserialize_with = "list::<_, _, S>")]
    headers: Vec<HarHeader>,
    cookies: Lenient<Vec<IgnoredAny>, S>,
    content: Lenient<Option<HarContent>, S>,
    #[serde(rename = "redirectURL", deserialize_with = "text")]
    redirect_url: Option<String>,
    /// Chrome's note for a request that got no response (`net::ERR_…`).
    #[serde(rename = "_error", deserialize_with = "text")]
    error: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct HarHeader {
    #[serde(deserialize_with = "text")]
    name: Option<String>,
    /// One value, or several (Polly.JS writes `"value": ["a", "b"]`): the header repeated.
    #[serde(deserialize_with = "texts")]
    value: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, bound = "")]
pub(super) struct HarPostData<S: Mode> {
    #[serde(rename = "mimeType", deserialize_with = "text")]
    mime_type: Option<String>,
    #[serde(deserialize_with = "text")]
    text: Option<String>,
    #[serde(deserialize_with = "list::<_, _, S>")]
    params: Vec<HarParam>,
    /// Not in HAR 1.2 for requests, but some tools write it as they do for responses.
    #[serde(deserialize_with = "text")]
    encoding: Option<String>,
    #[serde(skip)]
    mode: PhantomData<S>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct HarParam {
    #[serde(deserialize_with = "text")]
    name: Option<String>,
    #[serde(deserialize_with = "text")]
    value: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct HarContent {
    #[serde(rename = "mimeType", deserialize_with = "text")]
    mime_type: Option<String>,
    #[serde(deserialize_with = "text")]
    text: Option<String>,
    #[serde(deserialize_with = "text")]
    encoding: Option<String>,
    #[serde(deserialize_with = "number")]
    size: Option<u64>,
}

/// Parses one entry's raw text in one pass, or `None` when some field does not fit (see
/// [`Lenient`]).
pub(super) fn parse_entry_strictly(raw: &str) -> Option<HarEntry<Strict>> {
    serde_json::from_str(raw).ok()
}

/// Parses one entry's raw text. Every field is lenient, so this only falls back to defaults
/// when the entry is not an object; an object with a repeated key (which derived serde types
/// reject) is read again with the last occurrence winning.
pub(super) fn parse_entry(raw: &str) -> HarEntry<Loose> {
    serde_json::from_str(raw).unwrap_or_else(|_| {
        serde_json::from_str::<serde_json::Map<String, Value>>(raw)
            .ok()
            .and_then(|map| serde_json::to_string(&map).ok())
            .and_then(|deduplicated| serde_json::from_str(&deduplicated).ok())
            .unwrap_or_default()
    })
}

pub(super) fn exchange(index: usize, span: Range<usize>, raw: &str) -> Exchange {
    match parse_entry_strictly(raw) {
        Some(entry) => entry.into_exchange(index, span),
        None => parse_entry(raw).into_exchange(index, span),
    }
}

impl<S: Mode> HarEntry<S> {
    pub(super) fn into_exchange(self, index: usize, span: Range<usize>) -> Exchange {
        let started = self.started.as_deref().and_then(parse_time);
        let (response, response_error) = match self.response.0 {
            Some(r) => r.into_model(),
            None => (None, None),
        };
        Exchange {
            index,
            span,
            started,
            started_raw: self.started.map(Into::into),
            request: self.request.0.into_model().into(),
            response: response.map(Box::new),
            error: non_empty(self.error).or(response_error).map(Into::into),
        }
    }
}

impl<S: Mode> HarRequest<S> {
    fn into_model(self) -> Request {
        Request {
            method: self.method.unwrap_or_default(),
            url: self.url.unwrap_or_default(),
            headers: headers(self.headers),
            listed_cookies: self.cookies.0.len(),
            body: self
                .post_data
                .0
                .and_then(HarPostData::<S>::into_body)
                .map(Box::new),
        }
    }
}

impl<S: Mode> HarResponse<S> {
    /// The response, or none when the tool recorded that there was none (status 0, missing or
    /// unreadable), plus the transport error it noted.
    fn into_model(self) -> (Option<Response>, Option<String>) {
        let error = non_empty(self.error);
        let status = self
            .status
            .and_then(|s| u16::try_from(s).ok())
            .filter(|&s| s != 0);
        let Some(status) = status else {
            return (None, error);
        };
        let response = Response {
            status,
            headers: headers(self.headers),
            listed_cookies: self.cookies.0.len(),
            body: self.content.0.and_then(HarContent::into_body).map(Box::new),
            redirect_url: non_empty(self.redirect_url),
        };
        (Some(response), error)
    }
}

/// Headers as written: all repeats, original case, pseudo-headers included. A header without
/// a name is dropped; one without a value gets an empty value; one with a list of values is
/// repeated, once per value.
pub(super) fn headers(list: Vec<HarHeader>) -> Vec<Header> {
    let mut out = Vec::with_capacity(list.len());
    for h in list {
        let Some(name) = h.name.map(header_name) else {
            continue;
        };
        if h.value.is_empty() {
            out.push(Header {
                name,
                value: String::new(),
            });
            continue;
        }
        for value in h.value {
            out.push(Header {
                name: name.clone(),
                value,
            });
        }
    }
    out
}

impl HarContent {
    /// The body, or none when no text was recorded. Empty text counts as an empty body unless
    /// the recorded size says there was more (then the text was left out).
    fn into_body(self) -> Option<Body> {
        let text = self.text?;
        if text.is_empty() && self.size.is_some_and(|s| s > 0) {
            return None;
        }
        Some(Body {
            mime_type: non_empty(self.mime_type),
            text: decode_text(text, self.encoding.as_deref()),
            params: Vec::new(),
        })
    }
}

impl<S: Mode> HarPostData<S> {
    /// The request body, or none when both its text and its parameters are empty.
    fn into_body(self) -> Option<Body> {
        let raw_params: Vec<(String, String)> = self
            .params
            .into_iter()
            .filter_map(|p| Some((p.name?, p.value.unwrap_or_default())))
            .collect();
        let text = decode_text(self.text.unwrap_or_default(), self.encoding.as_deref());
        if text.is_empty() && raw_params.is_empty() {
            return None;
        }
        let params = if params_are_encoded(&raw_params, &text) {
            raw_params
                .into_iter()
                .map(|(n, v)| (form::decode(&n), form::decode(&v)))
                .collect()
        } else {
            raw_params
        };
        // Some tools give only the parameters; later stages read the text.
        let text = if text.is_empty() {
            form::encode_pairs(&params)
        } else {
            text
        };
        Some(Body {
            mime_type: non_empty(self.mime_type),
            text,
            params,
        })
    }
}

/// Whether a tool's `postData.params` are still form-encoded (Chrome copies them out of the
/// body) or already decoded (Firefox). With the body text at hand: encoded when every
/// parameter appears verbatim as a `name=value` piece of it. Without: encoded when some
/// name or value holds a `%XX` escape.
pub(super) fn params_are_encoded(params: &[(String, String)], text: &str) -> bool {
    if params.is_empty() {
        return false;
    }
    if !text.is_empty() {
        let pieces: Vec<&str> = text.split('&').collect();
        return params.iter().all(|(n, v)| {
            pieces.iter().any(|piece| match piece.split_once('=') {
                Some((pn, pv)) => pn == n && pv == v,
                None => *piece == n && v.is_empty(),
            })
        });
    }
    params
        .iter()
        .any(|(n, v)| form::has_percent_escape(n) || form::has_percent_escape(v))
}

/// Body text with `encoding: "base64"` undone. Bytes that are not UTF-8 are replaced; text that
/// claims base64 but is not is kept as written.
pub(super) fn decode_text(text: String, encoding: Option<&str>) -> String {
    let is_base64 = encoding.is_some_and(|e| e.trim().eq_ignore_ascii_case("base64"));
    if !is_base64 {
        return text;
    }
    match decode_base64(&text) {
        Some(bytes) => match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        },
        None => text,
    }
}

/// Decodes standard or URL-safe base64, padded or not, ignoring line breaks.
pub(in crate::read) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let config = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    GeneralPurpose::new(&alphabet::STANDARD, config)
        .decode(&compact)
        .or_else(|_| GeneralPurpose::new(&alphabet::URL_SAFE, config).decode(&compact))
        .ok()
}

/// `startedDateTime` as an instant: RFC 3339 (`Z` or an offset, with or without a fraction),
/// else the wider ISO 8601 forms (`+0200`, no seconds), also with a space for the `T`.
/// A timestamp without an offset is not guessed at.
pub(in crate::read) fn parse_time(raw: &str) -> Option<OffsetDateTime> {
    let raw = raw.trim();
    let with_t = match raw.as_bytes().get(10) {
        Some(b' ') => Cow::Owned(format!("{}T{}", raw.get(..10)?, raw.get(11..)?)),
        _ => Cow::Borrowed(raw),
    };
    OffsetDateTime::parse(&with_t, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(&with_t, &Iso8601::DEFAULT))
        .ok()
        .or_else(|| {
            // No offset at all (some proxies write local time bare): read it as UTC, so that
            // times within one file still compare correctly.
            time::PrimitiveDateTime::parse(&with_t, &Iso8601::DEFAULT)
                .ok()
                .map(time::PrimitiveDateTime::assume_utc)
        })
}

pub(super) fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}
