//! The `step` subject: the fields every step has, then one function per step kind.
//!
//! Every field is built only when asked for (`Want`): a rule's condition reads a few fields
//! of each of a test suite's thousands of steps, and the interpreter asks for them one at a
//! time, so a field that no condition reaches costs nothing.

use serde_json::{json, Map, Value};

use crate::secret::{mask, policy};

use super::super::security;
use super::super::url::{is_loopback, Url};
use super::super::{Activation, Answer, Authorize, Detail, Lookup, Step, TokenRequest};
use super::{rotated, s, via, Ask, Facts, Want};

/// Query parameters whose value is a credential wherever it appears (RFC 6749 §2.3.1 and
/// RFC 6750 §2.3 keep these out of URLs).
const CREDENTIAL_PARAMS: &[&str] = &[
    "client_secret",
    "code_verifier",
    "access_token",
    "refresh_token",
    "id_token",
    "password",
];

/// Whether `step_base` makes the field `name`: a step kind's own fields are never among
/// them. A `match` (dispatched on the length first), not a search of a list of names: every
/// field a condition asks alone is tested.
fn is_base_field(name: &str) -> bool {
    matches!(
        name,
        "id" | "entry"
            | "kind"
            | "flow"
            | "method"
            | "url"
            | "scheme"
            | "host"
            | "path"
            | "loopback"
            | "query_secrets"
            | "browser_signs"
            | "content_type"
            | "cookies_sent"
            | "cookies_set"
            | "cache_control"
            | "referrer_policy"
            | "www_authenticate"
            | "answered"
            | "status"
            | "time"
            | "t"
    )
}

/// A subject's facts being built: a field is computed only when it is asked for, and kept
/// only when it is known ("Unknown is not false", docs/facts.md).
pub(super) struct Out<'w> {
    pub(super) map: Map<String, Value>,
    pub(super) ask: Ask<'w>,
    /// The field asked alone ([`Ask::One`]), once built.
    one: Option<Value>,
    /// Whether the field asked alone was met: the step's other fields are then passed over
    /// without a comparison. A step kind names each field once (`code_challenge_method`,
    /// twice in an authorize request's, gets the same value both times).
    done: bool,
}

impl<'w> Out<'w> {
    pub(super) fn new(ask: Ask<'w>) -> Self {
        Out {
            map: Map::new(),
            ask,
            one: None,
            done: matches!(ask, Ask::Nothing),
        }
    }

    /// Whether every field asked for is built (only known for one field asked alone).
    pub(super) fn done(&self) -> bool {
        self.done
    }

    /// Whether `key` is asked for: one comparison of names when one field is (a condition
    /// reads one field at a time), instead of a call of `want` per field of the step.
    #[inline]
    fn asks(&mut self, key: &str) -> bool {
        if self.done {
            return false;
        }
        match self.ask {
            Ask::Fields(want) => want(key),
            Ask::One(name, _) => {
                self.done = key == name;
                self.done
            }
            Ask::Nothing => false,
        }
    }

    fn keep(&mut self, key: &str, v: Value) {
        match self.ask {
            Ask::One(..) => self.one = Some(v),
            _ => {
                self.map.insert(key.to_string(), v);
            }
        }
    }

    /// Adds `key` if it is asked for and `value` knows it.
    #[inline]
    pub(super) fn put(&mut self, key: &str, value: impl FnOnce() -> Option<Value>) {
        if self.asks(key) {
            if let Some(v) = value() {
                self.keep(key, v);
            }
        }
    }

    /// Adds `key`, which is always known, if it is asked for.
    #[inline]
    pub(super) fn set(&mut self, key: &str, value: impl FnOnce() -> Value) {
        if self.asks(key) {
            let v = value();
            self.keep(key, v);
        }
    }

    /// What `want`s the fields: the one asked alone (or nothing) wants all of itself.
    pub(super) fn want(&self) -> &'w Want<'w> {
        match self.ask {
            Ask::Fields(want) => want,
            _ => &|_| true,
        }
    }

    /// What was built: the map of the fields asked, or the one field asked alone.
    pub(super) fn into_value(self) -> Option<Value> {
        match self.ask {
            Ask::One(..) => self.one,
            _ => Some(Value::Object(self.map)),
        }
    }
}

impl<'w> Ask<'w> {
    /// The parts asked of the one field asked alone, if given.
    pub(super) fn parts(self) -> Option<&'w Want<'w>> {
        match self {
            Ask::One(_, parts) => parts,
            _ => None,
        }
    }

    /// The parts of the step's field `field` that are asked for (`code.value`); only called
    /// while that field is being built.
    fn part(self, field: &'w str) -> impl Fn(&str) -> bool + 'w {
        move |sub: &str| match self {
            Ask::Fields(want) => want(&format!("{field}.{sub}")),
            Ask::One(_, part) => part.is_none_or(|p| p(sub)),
            Ask::Nothing => false,
        }
    }
}

/// Whether `want`, asked for whole fields, asks for `field` (the top of `code.value`).
pub(in crate::flow) fn wants_top(fields: &std::collections::BTreeSet<&str>, field: &str) -> bool {
    fields.contains(field)
        || field
            .split_once('.')
            .is_some_and(|(top, _)| fields.contains(top))
}

impl<'a> Facts<'a> {
    /// The full facts of one step, as `step` sees them.
    pub fn step_facts(&self, id: usize) -> Option<Value> {
        self.step_facts_reading(id, None)
    }

    /// The facts of one step with, for `Some(fields)`, at least those fields (the ones not
    /// asked for are left out): whether a rule fires over a long capture's thousands of steps
    /// is decided on a few fields.
    pub fn step_facts_reading(
        &self,
        id: usize,
        fields: Option<&std::collections::BTreeSet<&str>>,
    ) -> Option<Value> {
        let want = |field: &str| fields.is_none_or(|f| wants_top(f, field));
        self.step_facts_wanted(id, &want)
    }

    /// The facts of one step with the fields `want` names; of a field that holds a code or a
    /// token, the parts `want` names as `field.part` (`code.origin`).
    pub fn step_facts_wanted(&self, id: usize, want: &Want) -> Option<Value> {
        self.step_facts_asked(id, Ask::Fields(want))
    }

    /// The facts of one step as `ask` asks them: for [`Ask::One`], the field alone (`None`
    /// when the step does not know it or there is no such step); otherwise the map.
    pub fn step_facts_asked(&self, id: usize, ask: Ask) -> Option<Value> {
        let step = self.analysis.steps.get(id)?;
        let mut out = Out::new(ask);
        // A field asked alone that every step has not is looked for among the kind's fields
        // only (a condition reads one field at a time, and most of them are the kind's).
        if !matches!(ask, Ask::One(name, _) if !is_base_field(name)) {
            self.step_base(id, step, &mut out);
            if out.done() {
                return out.into_value();
            }
        }
        match &step.detail {
            Detail::Authorize(a) => self.authorize_step(a, &mut out),
            Detail::Answer(ans) => self.answer_step(id, ans, &mut out),
            Detail::TokenRequest(t) => self.token_request_step(id, t, &mut out),
            Detail::EndpointLookup(l) => self.lookup_step(l, &mut out),
            Detail::Activation(act) => self.activation_step(act, &mut out),
            Detail::BearerCall { bearer } => {
                out.put("bearer", || {
                    self.token_ref_wanted(*bearer, &ask.part("bearer"))
                });
                out.put("userinfo", || self.userinfo_facts(id));
            }
        }
        out.into_value()
    }

    /// The fields every step has (each is named in [`is_base_field`]).
    fn step_base(&self, id: usize, step: &Step, out: &mut Out) {
        out.set("id", || json!(id));
        out.set("entry", || json!(step.entry));
        out.set("kind", || json!(step.kind.name()));
        out.set("flow", || json!(step.flow));
        if let Some(ex) = self.exchange(step.entry) {
            let url = std::cell::OnceCell::new();
            let url = || url.get_or_init(|| Url::parse(&ex.request.url));
            out.set("method", || json!(ex.request.method));
            out.set("url", || {
                json!(policy::url(&ex.request.url, &mut policy::Mask))
            });
            out.set("scheme", || json!(url().scheme));
            out.set("host", || json!(url().host));
            // Masked as displayed paths are: a session id in a path is a secret.
            out.set("path", || {
                json!(policy::path(url().path, &mut policy::Mask))
            });
            out.set("loopback", || json!(is_loopback(&url().host)));
            out.set("query_secrets", || query_secrets(url().query));
            out.set("browser_signs", || {
                json!(security::browser_signs(&ex.request))
            });
            out.put("content_type", || {
                security::media_type(&ex.request.headers).map(|t| json!(t))
            });
            out.set("cookies_sent", || {
                json!(security::cookies_sent(&ex.request))
            });
            let resp = ex.response.as_ref();
            out.put("cookies_set", || resp.map(|r| cookies_set(&r.headers)));
            out.put("cache_control", || {
                s(resp.and_then(|r| r.header("cache-control")))
            });
            out.put("referrer_policy", || {
                s(resp.and_then(|r| r.header("referrer-policy")))
            });
            out.put("www_authenticate", || {
                www_authenticate(security::bearer_challenge(&resp?.headers)?)
            });
            out.set("answered", || json!(ex.response.is_some()));
            out.put("status", || resp.map(|r| json!(r.status)));
        }
        out.put("time", || self.time(step.entry));
        out.put("t", || self.t(step.entry));
    }

    fn authorize_step(&self, a: &Authorize, out: &mut Out) {
        self.authorize_fields(a, out);
        out.put("response_type", || s(a.response_type.as_deref()));
        out.put("response_types", || {
            a.response_type
                .as_deref()
                .map(|r| json!(r.split(' ').filter(|t| !t.is_empty()).collect::<Vec<_>>()))
        });
        out.put("response_mode", || s(a.response_mode.as_deref()));
        out.put("nonce", || {
            a.nonce.as_deref().map(|n| json!(policy::claim("nonce", n)))
        });
        out.put("code_challenge_method", || {
            s(a.code_challenge_method.as_deref())
        });
        out.put("answer", || a.answer.and_then(|x| self.answer_summary(x)));
    }

    fn answer_step(&self, id: usize, ans: &Answer, out: &mut Out) {
        out.put("authorize", || self.authorize_summary(ans.authorize));
        out.set("via", || json!(via(ans.via)));
        out.set("answer_url", || {
            json!(policy::url(&ans.url, &mut policy::Mask))
        });
        let answer = std::cell::OnceCell::new();
        let answer = || answer.get_or_init(|| Url::parse(&ans.url));
        out.set("answer_scheme", || json!(answer().scheme));
        out.set("answer_host", || json!(answer().host));
        out.set("answer_loopback", || json!(is_loopback(&answer().host)));
        out.put("recovered_at", || ans.recovered_at.map(|e| json!(e)));
        let ask = out.ask;
        out.put("code", || {
            ans.code
                .and_then(|c| self.code_ref_wanted(c, &ask.part("code")))
        });
        out.put("error", || s(ans.error.as_deref()));
        out.put("error_description", || s(ans.error_description.as_deref()));
        out.put("state", || s(ans.state.as_deref()));
        out.set("delivery", || json!(ans.delivery.name()));
        out.put("id_token", || {
            ans.id_token.and_then(|i| self.id_token_facts(i))
        });
        out.put("access_token", || {
            ans.access_token
                .and_then(|x| self.token_ref_wanted(x, &ask.part("access_token")))
        });
        out.set("referer_leaks", || self.referer_leaks(id));
        out.put("state_sent", || {
            s(self
                .analysis
                .authorize(ans.authorize)
                .and_then(|a| a.state.as_deref()))
        });
    }

    fn token_request_step(&self, id: usize, t: &TokenRequest, out: &mut Out) {
        out.put("grant_type", || s(t.grant_type.as_deref()));
        out.put("grant", || {
            s(match t.grant_type.as_deref() {
                Some(
                    g
                    @ ("authorization_code" | "refresh_token" | "client_credentials" | "password"),
                ) => Some(g),
                Some(_) => Some("other"),
                None => None,
            })
        });
        let ask = out.ask;
        out.put("client", || {
            self.client_wanted(t.client_id.as_deref(), &ask.part("client"))
        });
        out.put("client_id", || s(t.client_id.as_deref()));
        out.put("client_auth", || t.client_auth.map(|c| json!(c.name())));
        out.set("has_client_secret", || json!(t.has_client_secret));
        out.put("secret_profile", || {
            t.secret_profile.map(|p| json!(p.name()))
        });
        out.put("issuer", || s(t.issuer.as_deref()));
        let ask = out.ask;
        out.put("code", || {
            t.code
                .and_then(|c| self.code_ref_wanted(c, &ask.part("code")))
        });
        out.put("redirect_uri", || s(t.redirect_uri.as_deref()));
        out.set("code_verifier_present", || json!(t.code_verifier_present));
        out.set("client_secret_in", || {
            json!(t
                .client_secret_in
                .iter()
                .map(|c| c.name())
                .collect::<Vec<_>>())
        });
        if let Some(v) = &t.code_verifier {
            out.set("code_verifier_length", || json!(v.chars().count()));
            out.set("code_verifier_well_formed", || {
                json!(security::verifier_well_formed(v))
            });
            out.put("code_verifier_matches", || self.verifier_matches(t, v));
        }
        out.put("rotated", || rotated(t).map(|r| json!(r)));
        out.set("referer_leaks", || self.referer_leaks(id));
        out.put("scope", || s(t.scope.as_deref()));
        out.put("refresh_token", || {
            t.refresh_token
                .and_then(|x| self.token_ref_wanted(x, &ask.part("refresh_token")))
        });
        out.put("endpoint", || t.endpoint.map(|e| json!(e.name())));
        out.set("body_present", || json!(t.body_present));
        let resp = t.response.as_ref();
        out.put("error", || s(resp.and_then(|r| r.error.as_deref())));
        out.put("error_description", || {
            s(resp.and_then(|r| r.error_description.as_deref()))
        });
        out.put("recovered_at", || t.recovered_at.map(|e| json!(e)));
        out.put("id_token", || {
            resp.and_then(|r| r.id_token)
                .and_then(|i| self.id_token_facts(i))
        });
        out.put("response", || {
            resp.map(|r| self.token_response(r, &ask.part("response")))
        });
    }

    /// A token request's answer, as its step's `response`.
    fn token_response(&self, r: &super::super::TokenResponse, want: &Want) -> Value {
        let mut rm = Map::with_capacity(9);
        rm.insert("status".into(), json!(r.status));
        rm.insert("body_present".into(), json!(r.body_present));
        super::put(&mut rm, "error", s(r.error.as_deref()));
        super::put(
            &mut rm,
            "error_description",
            s(r.error_description.as_deref()),
        );
        // Masks are SHA-256 digests: `step.response.body_present` needs neither.
        if want("access_token") {
            super::put(
                &mut rm,
                "access_token",
                r.access_token.and_then(|x| self.masked_token(x)),
            );
        }
        if want("refresh_token") {
            super::put(
                &mut rm,
                "refresh_token",
                r.refresh_token.and_then(|x| self.masked_token(x)),
            );
        }
        super::put(&mut rm, "expires_in", r.expires_in.map(|e| json!(e)));
        super::put(&mut rm, "token_type", s(r.token_type.as_deref()));
        Value::Object(rm)
    }

    fn lookup_step(&self, l: &Lookup, out: &mut Out) {
        let ask = out.ask;
        out.put("bearer", || {
            l.bearer
                .and_then(|x| self.token_ref_wanted(x, &ask.part("bearer")))
        });
        out.put("endpoints", || l.endpoints.as_ref().map(|e| json!(e)));
        out.set("response_body_present", || json!(l.response_body_present));
    }

    fn activation_step(&self, act: &Activation, out: &mut Out) {
        let ask = out.ask;
        out.put("skill_id", || s(act.skill_id.as_deref()));
        out.set("body_present", || json!(act.body_present));
        out.put("body_json", || act.body_json.map(|b| json!(b)));
        out.put("stage", || s(act.stage.as_deref()));
        out.put("link_type", || s(act.link_type.as_deref()));
        out.put("redirect_uri", || s(act.redirect_uri.as_deref()));
        out.put("auth_code", || {
            act.auth_code
                .and_then(|c| self.code_ref_wanted(c, &ask.part("auth_code")))
        });
        out.put("bearer", || {
            act.bearer
                .and_then(|x| self.token_ref_wanted(x, &ask.part("bearer")))
        });
        out.put("message", || s(act.message.as_deref()));
        out.put("lookup", || act.lookup.and_then(|l| self.lookup_summary(l)));
    }

    /// What an authorize request asked for, shared by the step and its summaries.
    pub(super) fn authorize_fields(&self, a: &Authorize, out: &mut Out) {
        out.put("endpoint", || a.endpoint.map(|e| json!(e.name())));
        out.put("issuer", || s(a.issuer.as_deref()));
        out.put("role", || a.role.map(|r| json!(r.name())));
        let ask = out.ask;
        out.put("client", || {
            self.client_wanted(a.client_id.as_deref(), &ask.part("client"))
        });
        out.put("client_id", || s(a.client_id.as_deref()));
        out.put("scope", || s(a.scope.as_deref()));
        out.set("scopes", || json!(a.scopes));
        out.put("redirect_uri", || s(a.redirect_uri.as_deref()));
        out.put("state", || s(a.state.as_deref()));
        // With `plain` (or no method) the challenge is the verifier itself: a secret.
        let plain = a.code_challenge_method.as_deref() != Some("S256");
        out.put("code_challenge", || {
            a.code_challenge
                .as_deref()
                .map(|c| json!(if plain { mask(c) } else { c.to_string() }))
        });
        out.put("code_challenge_method", || {
            s(a.code_challenge_method.as_deref())
        });
    }
}

/// The names of a query's parameters that hold a credential: named as one, or valued as an
/// LWA token. Decoded as `Url::params` decodes them (`form_urlencoded`), but a value only as
/// far as its first five bytes: an authorize request's query holds long encoded values
/// (`redirect_uri`, `scope`), and nearly every step's query holds no credential.
fn query_secrets(query: &str) -> Value {
    let secrets = query
        .as_bytes()
        // Split as `form_urlencoded::parse` splits: pairs on `&` (empty ones skipped), then
        // the name at the first `=`.
        .split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .filter_map(|pair| {
            let (name, value) = match pair.iter().position(|&b| b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &[][..]),
            };
            let name = param_name(name);
            let secret = CREDENTIAL_PARAMS
                .iter()
                .any(|c| name.eq_ignore_ascii_case(c))
                || lwa_token(value);
            secret.then(|| Value::String(name.into_owned()))
        })
        .collect();
    Value::Array(secrets)
}

/// A query parameter's name (one pair's bytes before its `=`), decoded as the whole query's
/// parse (`form_urlencoded`) decodes it. A name without `%` or `+` decodes to itself: it is
/// borrowed (the query is a `str` cut at ASCII bytes, so the name is UTF-8), not decoded.
fn param_name(name: &[u8]) -> std::borrow::Cow<'_, str> {
    if !name.iter().any(|&b| b == b'%' || b == b'+') {
        if let Ok(plain) = std::str::from_utf8(name) {
            return std::borrow::Cow::Borrowed(plain);
        }
    }
    // One pair, without `&` or `=`: decoded as the whole query's parse decodes it.
    form_urlencoded::parse(name)
        .next()
        .map_or(std::borrow::Cow::Borrowed(""), |(k, _)| k)
}

/// Whether an encoded value decodes to an LWA access or refresh token (`Atza|`, `Atzr|`).
/// Five decoded bytes come from at most 15 encoded ones; a `+` (a space once decoded) is in
/// neither prefix, and the prefixes are ASCII, so the lossy UTF-8 of the whole value starts
/// with one exactly when its bytes do.
fn lwa_token(value: &[u8]) -> bool {
    let head = &value[..value.len().min(15)];
    // Without an escape the head decodes to itself (nearly every value: decoding it byte by
    // byte, twice, was most of the cost of an authorize request's `query_secrets`).
    if !head.contains(&b'%') {
        return value.starts_with(b"Atza|") || value.starts_with(b"Atzr|");
    }
    let mut decoded = [0u8; 5];
    let mut n = 0;
    for (d, b) in decoded
        .iter_mut()
        .zip(percent_encoding::percent_decode(head))
    {
        *d = b;
        n += 1;
    }
    &decoded[..n] == b"Atza|" || &decoded[..n] == b"Atzr|"
}

/// The cookies an answer sets, by name, with their attributes.
fn cookies_set(headers: &[crate::model::Header]) -> Value {
    let set: Vec<Value> = security::cookies_set(headers)
        .into_iter()
        .map(|c| {
            let mut cm = Map::new();
            cm.insert("name".into(), json!(c.name));
            cm.insert("secure".into(), json!(c.secure));
            cm.insert("http_only".into(), json!(c.http_only));
            super::put(&mut cm, "same_site", c.same_site.map(|v| json!(v)));
            Value::Object(cm)
        })
        .collect();
    Value::Array(set)
}

/// A `WWW-Authenticate: Bearer` challenge.
fn www_authenticate(c: security::BearerChallenge) -> Option<Value> {
    let mut cm = Map::new();
    cm.insert("scheme".into(), json!("Bearer"));
    super::put(&mut cm, "realm", s(c.realm.as_deref()));
    super::put(&mut cm, "error", s(c.error.as_deref()));
    super::put(
        &mut cm,
        "error_description",
        s(c.error_description.as_deref()),
    );
    super::put(&mut cm, "scope", s(c.scope.as_deref()));
    Some(Value::Object(cm))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A name is decoded as `form_urlencoded` decodes it, borrowed or not: names of `%`
    /// escapes (good, cut and not UTF-8), `+`, letters and two-byte characters, every
    /// combination of up to four of them.
    #[test]
    fn parameter_names_decode_as_form_urlencoded_does() {
        let pieces = [
            "a", "_", "%41", "%4", "%", "+", "%C3%A9", "%FF", "é", "=", "Z",
        ];
        let mut names = crate::joined_pieces(&pieces, 4);
        names.sort();
        names.dedup();
        for name in &names {
            let full = form_urlencoded::parse(name.as_bytes())
                .next()
                .map_or(String::new(), |(k, _)| k.into_owned());
            // The bytes before the first `=`, as `query_secrets` gives them.
            let before = name.split('=').next().unwrap_or("");
            let full_before = form_urlencoded::parse(before.as_bytes())
                .next()
                .map_or(String::new(), |(k, _)| k.into_owned());
            assert_eq!(full, full_before, "{name}");
            assert_eq!(param_name(before.as_bytes()), full, "{name}");
        }
        assert!(names.len() > 10_000, "only {} names", names.len());
    }

    /// A value is an LWA token as its first five decoded bytes say, escaped or not: every
    /// value of up to five pieces of the prefixes, escapes of them, cut and bad escapes and
    /// `+`, against the decode of the first fifteen bytes.
    #[test]
    fn lwa_tokens_are_those_the_decoded_head_names() {
        let plain = |value: &[u8]| {
            let head = || percent_encoding::percent_decode(&value[..value.len().min(15)]).take(5);
            head().eq(*b"Atza|") || head().eq(*b"Atzr|")
        };
        let pieces = [
            "A", "tz", "a", "r", "|", "%7C", "%41", "%7a", "%", "%4", "+", "x",
        ];
        let values = crate::joined_pieces(&pieces, 5);
        let mut tokens = 0;
        for v in &values {
            assert_eq!(lwa_token(v.as_bytes()), plain(v.as_bytes()), "{v}");
            tokens += usize::from(plain(v.as_bytes()));
        }
        assert!(tokens > 50, "only {tokens} tokens among {}", values.len());
    }

    /// The names `query_secrets` finds are those a full decode of every pair finds, on
    /// queries with encoded names and values, `+`, empty pairs and names, bad escapes and
    /// prefixes cut at every length.
    #[test]
    fn query_secrets_are_those_a_full_decode_finds() {
        let full = |query: &str| -> Value {
            let names: Vec<Value> = form_urlencoded::parse(query.as_bytes())
                .filter(|(k, v)| {
                    CREDENTIAL_PARAMS.iter().any(|c| k.eq_ignore_ascii_case(c))
                        || v.starts_with("Atza|")
                        || v.starts_with("Atzr|")
                })
                .map(|(k, _)| Value::String(k.into_owned()))
                .collect();
            Value::Array(names)
        };
        let mut queries: Vec<String> = [
            "",
            "&&",
            "a=1&client_secret=x&b",
            "Client_Secret=x&PASSWORD&code_verifier=",
            "client%5Fsecret=1&refresh+token=2&access%5ftoken",
            "t=Atza|abc&u=Atzr%7Cdef&v=%41%74%7a%61%7c&w=Atz&x=Atza&y=+Atza|",
            "=Atza|x&=&=%41tzr|",
            "z=%zzAtza|&q=%4",
            "redirect_uri=https%3A%2F%2Fapp.example%2Fcb&scope=profile+email&state=s",
            "k=%C3%A9Atza|&%FF=Atzr|x&id%5Ftoken=1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // An encoded token cut at every length.
        let encoded = "t=%41%74%7A%61%7C%41";
        queries.extend((0..=encoded.len()).map(|n| encoded[..n].to_string()));
        let mut found = 0;
        for q in &queries {
            let names = query_secrets(q);
            assert_eq!(names, full(q), "{q}");
            found += names.as_array().map_or(0, Vec::len);
        }
        assert!(found > 15, "only {found} secrets found");
    }
}
