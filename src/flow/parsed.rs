//! What reconstruction reads of one exchange that does not depend on any other: its URL and
//! query decoded, its authorize request, its body's fields, the digest of the client secret
//! it sends, its token answer, and the authorization answer its URL or `Location` carries.
//! A log of thousands of token requests spends most of reconstruction decoding these, so they
//! are worked out on every core (see `classify::classify`) and the serial pass only links
//! what it finds to what came before.

use crate::model::Exchange;
use crate::wire::form::names_any as form_names_any;

use super::keys::{AUTHORIZATION, FORM_TAG};
use super::oidc::{self, Delivery, Pairs};
use super::recognize::{authorize, bearer, body_fields, raw_params, token_fields};
use super::url::{lookup, Url};
use super::Authorize;

/// An authorization answer in a URL: its parameters, delivery, and the values of
/// [`ANSWER_FIELDS`] as written (see [`oidc::url_answer`]).
pub(super) type UrlAnswer<'a> = (Pairs, Delivery, RawFields<'a, 6>);

/// Parameters' values as written (still encoded), by name, for labels (see
/// [`raw_params`]).
pub(super) type RawFields<'a, const N: usize> = [Option<&'a str>; N];

/// The parameters of an authorize request whose place labels find.
pub(super) const AUTHORIZE_PARAMS: [&str; 8] = [
    "client_id",
    "scope",
    "redirect_uri",
    "state",
    "code_challenge",
    "response_type",
    "nonce",
    "response_mode",
];

/// The fields of an authorization answer whose place labels find.
pub(super) const ANSWER_FIELDS: [&str; 6] = [
    "code",
    "error",
    "state",
    "error_description",
    "id_token",
    "access_token",
];

/// Where an answer was sent: the URL, the part of it an authorize request's `redirect_uri`
/// shares (see [`redirect_key`]), and its base, for labels.
pub(super) struct Target<'a> {
    pub url: &'a str,
    pub key: String,
    pub base: &'a str,
}

impl<'a> Target<'a> {
    pub fn of(url: &'a str) -> Target<'a> {
        let u = Url::parse(url);
        Target {
            url,
            key: key_of(&u),
            base: u.base,
        }
    }
}

/// The part of a URL an answer and its `redirect_uri` share: scheme, host and path.
pub(super) fn redirect_key(url: &str) -> String {
    key_of(&Url::parse(url))
}

fn key_of(u: &Url) -> String {
    // Joined by hand: `format!` cost a thousand instructions a URL, three times an answer.
    let mut key = String::with_capacity(u.scheme.len() + 3 + u.host.len() + u.path.len());
    key.push_str(&u.scheme);
    key.push_str("://");
    key.push_str(&u.host);
    key.push_str(u.path);
    key
}

/// One exchange, decoded.
pub(super) struct Parsed<'a> {
    pub ex: &'a Exchange,
    pub url: Url<'a>,
    /// The query's parameters, decoded.
    pub query: Pairs,
    /// Boxed as the step will keep it; the large parts of a `Parsed` are boxed so that a
    /// chunk of them is small.
    pub authorize: Option<Box<Authorize>>,
    /// The authorize request's [`AUTHORIZE_PARAMS`] as written in its query.
    pub authorize_raw: RawFields<'a, 8>,
    /// The [`redirect_key`] of the authorize request's `redirect_uri`.
    pub authorize_key: Option<String>,
    /// A POST's body as fields (see [`body_fields`]); empty for other methods.
    pub body: Pairs,
    /// Where a token request's fields are, when this is one.
    pub token: Option<TokenFrom>,
    /// A token request's [`body_head`].
    pub body_head: Option<&'a str>,
    /// A token request's Basic credentials, and the secret it sends (its digest is taken in
    /// the serial pass, once per distinct secret: see [`Fingerprints`]).
    pub basic: Option<Box<Basic>>,
    pub secret: Option<String>,
    /// A token request's answer.
    pub token_answer: Option<Box<TokenAnswer>>,
    /// The authorization answer in a GET's URL.
    pub url_answer: Option<Box<(Target<'a>, UrlAnswer<'a>)>>,
    /// A POST whose form body names an answer's parameters (`response_mode=form_post`): its
    /// URL.
    pub posted_answer: Option<Box<Target<'a>>>,
    /// The authorization answer in the response's redirect target.
    pub location: Option<Box<(Target<'a>, UrlAnswer<'a>)>>,
    /// The Bearer token the request sends ([`bearer`]).
    pub bearer: Option<&'a str>,
    /// Why the capture lost cookie headers, when this exchange shows it ([`stripped_cookies`]).
    pub stripped_cookies: Option<&'static str>,
    /// The response is a `response_mode=form_post` page: its form's action and inputs (see
    /// [`oidc::form_post_page`]).
    pub form_post: Option<Box<(String, Pairs)>>,
}

/// Where a token request's fields are.
#[derive(Clone, Copy)]
pub(super) enum TokenFrom {
    Body,
    Query,
    /// A POST to a token path without a body.
    Nothing,
}

/// A request's Basic credentials: the id decoded and as sent (when they differ the serial
/// pass chooses, from the clients seen before), the credentials for labels, whether a secret
/// is sent.
pub(super) struct Basic {
    pub decoded: String,
    pub raw: Option<String>,
    pub cred: String,
    pub has_secret: bool,
}

/// A token endpoint's answer, as its JSON body says.
#[derive(Default, Debug, PartialEq)]
pub(super) struct TokenAnswer {
    pub status: u16,
    pub body_present: bool,
    pub error: Option<String>,
    pub error_description: Option<String>,
    pub token_type: Option<String>,
    pub expires_in: Option<i64>,
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
}

impl<'a> Parsed<'a> {
    pub fn of(ex: &'a Exchange) -> Parsed<'a> {
        let url = Url::parse(&ex.request.url);
        let query = url.params();
        let authorize = authorize(&url, &query).map(Box::new);
        let post = ex.request.method.eq_ignore_ascii_case("POST");
        let get = ex.request.method.eq_ignore_ascii_case("GET");
        let body = if post { body_fields(ex) } else { Vec::new() };
        let token = token_fields(ex, &url, &body, &query);
        let authorize_key = authorize
            .as_ref()
            .and_then(|_| lookup(&query, "redirect_uri"))
            .map(redirect_key);
        let authorize_raw = match &authorize {
            Some(_) => raw_params(url.query, AUTHORIZE_PARAMS),
            None => [None; 8],
        };
        let url_answer = match (&authorize, get) {
            (None, true) => answer_in(&ex.request.url),
            _ => None,
        };
        let url_answer = url_answer.map(|a| Box::new((Target::of(&ex.request.url), a)));
        let posted = authorize.is_none()
            && post
            && ex.request.body.as_ref().is_some_and(|b| {
                let text = b.text.trim();
                !text.starts_with('{') && form_names_any(text, oidc::ANSWER_PARAMS)
            });
        let posted_answer = posted.then(|| Box::new(Target::of(&ex.request.url)));
        let location = ex
            .response
            .as_ref()
            .and_then(|r| r.location())
            .and_then(|l| answer_in(l).map(|a| Box::new((Target::of(l), a))));
        let form_post = ex
            .response
            .as_ref()
            .and_then(|r| r.body.as_ref())
            .filter(|b| b.text.contains(FORM_TAG) || b.text.contains("<FORM"))
            .and_then(|b| oidc::form_post_page(&b.text))
            .map(Box::new);
        let mut parsed = Parsed {
            ex,
            url,
            query,
            authorize,
            authorize_raw,
            authorize_key,
            body,
            token,
            body_head: None,
            basic: None,
            secret: None,
            token_answer: None,
            url_answer,
            posted_answer,
            location,
            bearer: bearer(ex),
            stripped_cookies: stripped_cookies(ex),
            form_post,
        };
        if parsed.token.is_some() {
            parsed.body_head = body_head(ex);
            parsed.basic = basic(ex).map(Box::new);
            parsed.secret = parsed.secret();
            parsed.token_answer = ex.response.as_deref().map(token_answer).map(Box::new);
        }
        parsed
    }

    /// A token request's fields.
    pub fn token_fields(&self) -> &[(String, String)] {
        match self.token {
            Some(TokenFrom::Body) => &self.body,
            Some(TokenFrom::Query) => &self.query,
            Some(TokenFrom::Nothing) | None => &[],
        }
    }

    /// The client secret a token request sends: Basic's, else the form's, else the query's;
    /// `None` when empty.
    fn secret(&self) -> Option<String> {
        let secret = match basic_secret(self.ex) {
            Some(secret) => Some(secret),
            None => lookup(self.token_fields(), "client_secret")
                .or_else(|| lookup(&self.query, "client_secret"))
                .map(str::to_string),
        };
        secret.filter(|s| !s.is_empty())
    }
}

/// The digests of the client secrets token requests send ([`crate::config::fingerprint`]),
/// each secret's taken once: a log's thousands of token requests send a few secrets, and a
/// SHA-256 cost eight thousand instructions a request where a look-up costs a hundred.
#[derive(Default)]
pub(super) struct Fingerprints {
    by_secret: foldhash::HashMap<String, super::Shared>,
}

impl Fingerprints {
    pub fn of(&mut self, secret: &str) -> super::Shared {
        if let Some(kept) = self.by_secret.get(secret) {
            return kept.clone();
        }
        let digest: super::Shared = crate::config::fingerprint(secret).into();
        self.by_secret.insert(secret.to_string(), digest.clone());
        digest
    }
}

/// [`oidc::url_answer`], with its fields as written.
fn answer_in(url: &str) -> Option<UrlAnswer<'_>> {
    let (pairs, delivery, raw) = oidc::url_answer(url)?;
    Some((pairs, delivery, raw_params(raw, ANSWER_FIELDS)))
}

/// A cookie listed apart from the headers, with no header carrying it, means the recording
/// tool dropped the header: which one (the request's first).
fn stripped_cookies(ex: &Exchange) -> Option<&'static str> {
    let req = &ex.request;
    if req.listed_cookies > 0 && req.header("cookie").is_none() {
        return Some("cookies are listed but the Cookie header is missing");
    }
    let resp = ex.response.as_ref()?;
    (resp.listed_cookies > 0 && resp.header("set-cookie").is_none())
        .then_some("cookies are listed but the Set-Cookie header is missing")
}

/// The start of a request body, for labels about the body as a whole: its first line, up to
/// 40 bytes.
pub(super) fn body_head(ex: &Exchange) -> Option<&str> {
    let body = ex.request.body.as_ref()?;
    let text = body.text.trim_start();
    let first = text.lines().next().unwrap_or("").trim_end();
    let end = first
        .char_indices()
        .map(|(i, c)| i + c.len_utf8())
        .take_while(|&e| e <= 40)
        .last()
        .unwrap_or(0);
    first.get(..end)
}

/// A request's `Authorization: Basic` credentials, decoded.
fn basic_parts(ex: &Exchange) -> Option<(&str, String, String)> {
    let h = ex.request.header(AUTHORIZATION)?;
    let (scheme, cred) = h.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let (decoded, secret) = crate::wire::basic::decode(cred)?;
    Some((cred, decoded, secret))
}

fn basic_secret(ex: &Exchange) -> Option<String> {
    basic_parts(ex).map(|(_, _, secret)| secret)
}

fn basic(ex: &Exchange) -> Option<Basic> {
    let (cred, decoded, secret) = basic_parts(ex)?;
    let raw = crate::wire::basic::decode_raw(cred).map(|(id, _)| id);
    Some(Basic {
        raw: raw.filter(|r| *r != decoded),
        decoded,
        cred: cred.trim().to_string(),
        has_secret: !secret.is_empty(),
    })
}

/// A token endpoint's answer: its status, and what its JSON object names.
fn token_answer(resp: &crate::model::Response) -> TokenAnswer {
    let mut out = TokenAnswer {
        status: resp.status,
        ..TokenAnswer::default()
    };
    let Some(body) = resp.body.as_ref().filter(|b| !b.text.trim().is_empty()) else {
        return out;
    };
    out.body_present = true;
    let Some(fields) = answer_fields(&body.text) else {
        return out;
    };
    let [error, error_description, token_type, expires_in, access_token, refresh_token, id_token] =
        fields;
    let text = |v: Option<serde_json::Value>| match v {
        Some(serde_json::Value::String(s)) => Some(s),
        _ => None,
    };
    out.error = text(error);
    out.error_description = text(error_description);
    out.token_type = text(token_type);
    out.expires_in = expires_in.and_then(|v| {
        v.as_i64()
            .or_else(|| v.as_f64().map(|f| f as i64))
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
    });
    let non_empty = |v| text(v).filter(|v| !v.is_empty());
    out.access_token = non_empty(access_token);
    out.refresh_token = non_empty(refresh_token);
    out.id_token = non_empty(id_token);
    out
}

/// The members of a token answer [`token_answer`] reads, in this order.
const TOKEN_ANSWER_FIELDS: [&str; 7] = [
    "error",
    "error_description",
    "token_type",
    "expires_in",
    "access_token",
    "refresh_token",
    "id_token",
];

/// A JSON object's [`TOKEN_ANSWER_FIELDS`], as a `serde_json::Map` of it holds them; `None`
/// for any other JSON or text.
fn answer_fields(text: &str) -> Option<[Option<serde_json::Value>; 7]> {
    match serde_json::from_str(text) {
        Ok(AnswerFields(fields)) => Some(fields),
        // A member named as serde_json's own markers is read as `serde_json::Value` reads
        // it (see `AnswerKey`).
        Err(_) if text.contains(SERDE_JSON_MARKER) => match serde_json::from_str(text) {
            Ok(serde_json::Value::Object(json)) => {
                Some(TOKEN_ANSWER_FIELDS.map(|k| json.get(k).cloned()))
            }
            _ => None,
        },
        Err(_) => None,
    }
}

/// How serde_json's private member names start (`$serde_json::private::RawValue`): an object
/// holding one is read by `serde_json::Value` as something else.
const SERDE_JSON_MARKER: &str = "$serde_json::private::";

/// A JSON object's [`TOKEN_ANSWER_FIELDS`], each its last value as a `serde_json::Map` keeps
/// it; any other JSON is an error, and so is a member named [`SERDE_JSON_MARKER`]. Read without the map: hashing and keeping every member
/// and looking each field up was half of reading a token answer. The other members are
/// still parsed as values, so the same texts are refused (a number out of range).
/// `tests::token_answers_read_as_the_json_map_reads_them` holds it to the map.
struct AnswerFields([Option<serde_json::Value>; 7]);

impl<'de> serde::Deserialize<'de> for AnswerFields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(AnswerFieldsVisitor)
    }
}

struct AnswerFieldsVisitor;

impl<'de> serde::de::Visitor<'de> for AnswerFieldsVisitor {
    type Value = AnswerFields;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<AnswerFields, A::Error> {
        let mut fields: [Option<serde_json::Value>; 7] = Default::default();
        while let Some(AnswerKey(slot)) = map.next_key()? {
            let value: serde_json::Value = map.next_value()?;
            if let Some(field) = slot.and_then(|i| fields.get_mut(i)) {
                *field = Some(value);
            }
        }
        Ok(AnswerFields(fields))
    }
}

/// A member's name: which of [`TOKEN_ANSWER_FIELDS`] it is, read without a copy.
struct AnswerKey(Option<usize>);

impl<'de> serde::Deserialize<'de> for AnswerKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Name;
        impl serde::de::Visitor<'_> for Name {
            type Value = AnswerKey;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a member name")
            }
            fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<AnswerKey, E> {
                if name.starts_with(SERDE_JSON_MARKER) {
                    return Err(E::custom("serde_json's own member name"));
                }
                Ok(AnswerKey(
                    TOKEN_ANSWER_FIELDS.iter().position(|f| *f == name),
                ))
            }
        }
        d.deserialize_str(Name)
    }
}

#[cfg(test)]
mod tests {
    use super::{key_of, token_answer, Fingerprints, TokenAnswer, Url};

    /// `token_answer` as it read the body through a `serde_json::Map`.
    fn token_answer_by_map(resp: &crate::model::Response) -> TokenAnswer {
        let mut out = TokenAnswer {
            status: resp.status,
            ..TokenAnswer::default()
        };
        let Some(body) = resp.body.as_ref().filter(|b| !b.text.trim().is_empty()) else {
            return out;
        };
        out.body_present = true;
        let Ok(serde_json::Value::Object(json)) = serde_json::from_str(&body.text) else {
            return out;
        };
        let text = |k: &str| json.get(k).and_then(|v| v.as_str()).map(str::to_string);
        out.error = text("error");
        out.error_description = text("error_description");
        out.token_type = text("token_type");
        out.expires_in = json.get("expires_in").and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_f64().map(|f| f as i64))
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        });
        let non_empty = |k: &str| text(k).filter(|v| !v.is_empty());
        out.access_token = non_empty("access_token");
        out.refresh_token = non_empty("refresh_token");
        out.id_token = non_empty("id_token");
        out
    }

    /// Token answers read without the map read as with it: objects of up to three members
    /// of every field's kinds of value (strings, empty, numbers, out of range, null,
    /// nested), repeated members, escaped names, serde_json's marker member, and texts that
    /// are no object.
    #[test]
    fn token_answers_read_as_the_json_map_reads_them() {
        let members = [
            r#""error":"invalid_grant""#,
            r#""error":1"#,
            r#""error_description":"x y""#,
            r#""token_type":"Bearer""#,
            r#""expires_in":3600"#,
            r#""expires_in":" 60 ""#,
            r#""expires_in":3.5e2"#,
            r#""expires_in":1e400"#,
            r#""expires_in":-1"#,
            r#""access_token":"""#,
            r#""access_token":"at""#,
            r#""acc\u0065ss_token":"escaped""#,
            r#""refresh_token":null"#,
            r#""id_token":"it""#,
            r#""x":{"y":[1,2,{"z":null}]}"#,
            r#""$serde_json::private::RawValue":"{\"access_token\":\"raw\"}""#,
        ];
        let mut bodies: Vec<String> = ["", " ", "[]", "\"s\"", "{", "{} x", "{\"a\":1,}", "null"]
            .map(String::from)
            .to_vec();
        for a in &members {
            bodies.push(format!("{{{a}}}"));
            for b in &members {
                bodies.push(format!("{{{a},{b}}}"));
                for c in &members {
                    bodies.push(format!(" {{{a}, {b},{c}}}\n"));
                }
            }
        }
        let mut tokens = 0;
        for text in &bodies {
            let resp = crate::model::Response {
                status: 200,
                body: Some(Box::new(crate::model::Body {
                    text: text.clone(),
                    ..Default::default()
                })),
                ..Default::default()
            };
            let read = token_answer(&resp);
            tokens += usize::from(read.access_token.is_some());
            assert_eq!(read, token_answer_by_map(&resp), "{text}");
        }
        assert!(tokens > 1000, "{tokens}");
    }

    /// The redirect key is `format!("{scheme}://{host}{path}")`.
    #[test]
    fn redirect_keys_join_scheme_host_and_path() {
        for url in [
            "https://a.example/cb?x=1",
            "HTTP://User@Host.Example:8080/P/a#f",
            "app:/x",
            "",
            "https://[::1]/é",
        ] {
            let u = Url::parse(url);
            assert_eq!(key_of(&u), format!("{}://{}{}", u.scheme, u.host, u.path));
        }
    }

    /// A digest kept for a secret is that secret's: secrets repeating in any order, one a
    /// prefix of another, empty and non-ASCII ones, each against `config::fingerprint`.
    #[test]
    fn a_kept_digest_is_the_fingerprint_of_its_secret() {
        let secrets = [
            "",
            "a",
            "ab",
            "amzn1.oa2-cs.v1.9a3f",
            "amzn1.oa2-cs.v1.9a3",
            "sé",
            "s e",
        ];
        let mut next = crate::xorshift(0x9e37_79b9_7f4a_7c15);
        let mut kept = Fingerprints::default();
        for _ in 0..2_000 {
            let secret = secrets[(next() % secrets.len() as u64) as usize];
            assert_eq!(
                &*kept.of(secret),
                crate::config::fingerprint(secret),
                "{secret:?}"
            );
        }
        assert_eq!(kept.by_secret.len(), secrets.len());
    }
}
