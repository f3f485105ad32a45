//! Facts as JSON objects, shaped as `schema.rs` documents them. Unknown facts are left out,
//! never `null`: see docs/facts.md, "Unknown is not false".

use std::sync::OnceLock;

use serde_json::{json, Map, Value};

use crate::model::{Capture, Exchange};
use crate::secret::{mask, policy};

use super::security;
use super::url::{is_loopback, Url};

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
use super::{Analysis, Detail, Step, TokenKind, Via};

pub struct Facts<'a> {
    pub capture: &'a Capture,
    pub analysis: &'a Analysis,
    memo: Memo,
}

/// What many subjects share, built once: a code's origin and answer are part of the facts of
/// its answer, its token request and the code itself, and a fingerprint is a SHA-256. A test
/// suite's log holds thousands of flows, so the rules' cost follows the steps, not the
/// number of times a summary is quoted.
#[derive(Default)]
struct Memo {
    /// Summaries of authorize requests and of their answers, by step.
    authorize: Vec<OnceLock<Option<Value>>>,
    answer: Vec<OnceLock<Option<Value>>>,
    /// Masks of codes and tokens, by their index in the analysis.
    code: Vec<OnceLock<String>>,
    token: Vec<OnceLock<String>>,
}

fn slots<T>(n: usize) -> Vec<OnceLock<T>> {
    std::iter::repeat_with(OnceLock::new).take(n).collect()
}

/// The value of slot `i` of `memo`, built by `make` the first time (unmemoized past the end).
fn memo<T: Clone>(memo: &[OnceLock<T>], i: usize, make: impl FnOnce() -> T) -> T {
    match memo.get(i) {
        Some(slot) => slot.get_or_init(make).clone(),
        None => make(),
    }
}

/// Whether a field of a step's facts is asked for.
type Want<'w> = dyn Fn(&str) -> bool + 'w;

/// Inserts only present values.
fn put(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(v) = value {
        map.insert(key.to_string(), v);
    }
}

fn s(v: Option<&str>) -> Option<Value> {
    v.map(|x| Value::String(x.to_string()))
}

impl<'a> Facts<'a> {
    pub fn new(capture: &'a Capture, analysis: &'a Analysis) -> Self {
        let steps = analysis.steps.len();
        let memo = Memo {
            authorize: slots(steps),
            answer: slots(steps),
            code: slots(analysis.codes.len()),
            token: slots(analysis.tokens.len()),
        };
        Facts {
            capture,
            analysis,
            memo,
        }
    }

    fn code_mask(&self, id: usize) -> Option<String> {
        let c = self.analysis.codes.get(id)?;
        Some(memo(&self.memo.code, id, || mask(&c.value)))
    }

    fn token_mask(&self, id: usize) -> Option<String> {
        let t = self.analysis.tokens.get(id)?;
        Some(memo(&self.memo.token, id, || mask(&t.value)))
    }

    fn exchange(&self, entry: usize) -> Option<&'a Exchange> {
        self.capture.exchanges.get(entry.checked_sub(1)?)
    }

    fn t(&self, entry: usize) -> Option<Value> {
        let started = self.exchange(entry)?.started?;
        let start = self.analysis.start?;
        let secs = (started - start).as_seconds_f64();
        Some(json!((secs * 1000.0).round() / 1000.0))
    }

    fn time(&self, entry: usize) -> Option<Value> {
        s(self.exchange(entry)?.started_raw.as_deref())
    }

    pub fn capture_facts(&self) -> Value {
        let c = self.capture;
        let a = self.analysis;
        let mut m = Map::new();
        m.insert("file".into(), json!(c.name));
        m.insert("format".into(), json!(c.format.name()));
        m.insert("entries".into(), json!(c.exchanges.len()));
        put(
            &mut m,
            "truncated_at",
            c.truncation.as_ref().map(|t| {
                json!({"offset": t.offset, "complete_entries": t.complete_entries, "reason": t.reason})
            }),
        );
        m.insert("credentials_stripped".into(), json!(a.stripped.is_some()));
        put(
            &mut m,
            "stripped_entry",
            a.stripped.as_ref().map(|s| json!(s.entry)),
        );
        put(
            &mut m,
            "stripped_why",
            a.stripped.as_ref().map(|s| json!(s.why)),
        );
        m.insert("oauth_found".into(), json!(!a.steps.is_empty()));
        m.insert("alexa_flow".into(), json!(a.shows_alexa()));
        m.insert("steps".into(), json!(a.steps.len()));
        m.insert("flows".into(), json!(a.flows));
        let hits: Vec<Value> = a
            .limits_hit
            .iter()
            .map(|h| {
                let mut hit = Map::new();
                hit.insert("limit".into(), json!(h.limit.name()));
                put(&mut hit, "flag", h.limit.flag().map(|f| json!(f)));
                put(&mut hit, "entry", h.entry.map(|e| json!(e)));
                hit.insert("offset".into(), json!(h.offset));
                hit.insert("detail".into(), json!(h.detail));
                Value::Object(hit)
            })
            .collect();
        m.insert("limits_hit".into(), Value::Array(hits));
        let clients: Vec<Value> = a.clients.values().map(client_facts).collect();
        m.insert("clients".into(), Value::Array(clients));
        m.insert("discovery".into(), self.discovery_facts());
        Value::Object(m)
    }

    fn client(&self, id: Option<&str>) -> Option<Value> {
        Some(client_facts(self.analysis.clients.get(id?)?))
    }

    /// The fields every step has.
    fn step_base(&self, id: usize, step: &Step, want: &Want) -> Map<String, Value> {
        let mut m = Map::new();
        // Only the fields asked for: deciding a long capture's thousands of Bearer calls
        // reads two or three of them, and building all of them cost more than that.
        let add = |m: &mut Map<String, Value>, name: &str, value: &dyn Fn() -> Option<Value>| {
            if want(name) {
                put(m, name, value());
            }
        };
        add(&mut m, "id", &|| Some(json!(id)));
        add(&mut m, "entry", &|| Some(json!(step.entry)));
        add(&mut m, "kind", &|| Some(json!(step.kind.name())));
        add(&mut m, "flow", &|| Some(json!(step.flow)));
        if let Some(ex) = self.exchange(step.entry) {
            let url = Url::parse(&ex.request.url);
            add(&mut m, "method", &|| Some(json!(ex.request.method)));
            add(&mut m, "url", &|| {
                Some(json!(policy::url(&ex.request.url, &mut policy::Mask)))
            });
            add(&mut m, "scheme", &|| Some(json!(url.scheme)));
            add(&mut m, "host", &|| Some(json!(url.host)));
            // Masked as displayed paths are: a session id in a path is a secret.
            add(&mut m, "path", &|| {
                Some(json!(policy::path(url.path, &mut policy::Mask)))
            });
            add(&mut m, "loopback", &|| Some(json!(is_loopback(&url.host))));
            add(&mut m, "query_secrets", &|| {
                let secrets: Vec<String> = url
                    .params()
                    .into_iter()
                    .filter(|(k, v)| {
                        CREDENTIAL_PARAMS.contains(&k.to_ascii_lowercase().as_str())
                            || v.starts_with("Atza|")
                            || v.starts_with("Atzr|")
                    })
                    .map(|(k, _)| k)
                    .collect();
                Some(json!(secrets))
            });
            add(&mut m, "browser_signs", &|| {
                Some(json!(security::browser_signs(&ex.request)))
            });
            add(&mut m, "content_type", &|| {
                security::media_type(&ex.request.headers).map(|t| json!(t))
            });
            add(&mut m, "cookies_sent", &|| {
                Some(json!(security::cookies_sent(&ex.request)))
            });
            let resp = ex.response.as_ref();
            add(&mut m, "cookies_set", &|| {
                resp.map(|r| {
                    let set: Vec<Value> = security::cookies_set(&r.headers)
                        .into_iter()
                        .map(|c| {
                            let mut cm = Map::new();
                            cm.insert("name".into(), json!(c.name));
                            cm.insert("secure".into(), json!(c.secure));
                            cm.insert("http_only".into(), json!(c.http_only));
                            put(&mut cm, "same_site", c.same_site.map(|v| json!(v)));
                            Value::Object(cm)
                        })
                        .collect();
                    Value::Array(set)
                })
            });
            add(&mut m, "cache_control", &|| {
                s(resp.and_then(|r| r.header("cache-control")))
            });
            add(&mut m, "referrer_policy", &|| {
                s(resp.and_then(|r| r.header("referrer-policy")))
            });
            add(&mut m, "www_authenticate", &|| {
                let c = security::bearer_challenge(&resp?.headers)?;
                let mut cm = Map::new();
                cm.insert("scheme".into(), json!("Bearer"));
                put(&mut cm, "realm", s(c.realm.as_deref()));
                put(&mut cm, "error", s(c.error.as_deref()));
                put(
                    &mut cm,
                    "error_description",
                    s(c.error_description.as_deref()),
                );
                put(&mut cm, "scope", s(c.scope.as_deref()));
                Some(Value::Object(cm))
            });
            add(&mut m, "answered", &|| Some(json!(ex.response.is_some())));
            add(&mut m, "status", &|| {
                ex.response.as_ref().map(|r| json!(r.status))
            });
        }
        add(&mut m, "time", &|| self.time(step.entry));
        add(&mut m, "t", &|| self.t(step.entry));
        m
    }

    /// The full facts of one step, as `step` sees them.
    pub fn step_facts(&self, id: usize) -> Option<Value> {
        self.step_facts_reading(id, None)
    }

    /// The facts of one step with, for `Some(fields)`, at least those fields (the costly ones
    /// that are not asked for are left out): whether a rule fires over a long capture's
    /// thousands of Bearer calls is decided on a few fields.
    pub fn step_facts_reading(
        &self,
        id: usize,
        fields: Option<&std::collections::BTreeSet<&str>>,
    ) -> Option<Value> {
        let want = |field: &str| fields.is_none_or(|f| f.contains(field));
        let step = self.analysis.steps.get(id)?;
        let mut m = self.step_base(id, step, &want);
        // The fields that quote other subjects (summaries, masks) only when asked for.
        let put_lazily =
            |m: &mut Map<String, Value>, key: &str, value: &dyn Fn() -> Option<Value>| {
                if want(key) {
                    put(m, key, value());
                }
            };
        match &step.detail {
            Detail::Authorize(a) => {
                self.authorize_fields(a, &mut m);
                put(&mut m, "response_type", s(a.response_type.as_deref()));
                put(
                    &mut m,
                    "response_types",
                    a.response_type
                        .as_deref()
                        .map(|r| json!(r.split(' ').filter(|t| !t.is_empty()).collect::<Vec<_>>())),
                );
                put(&mut m, "response_mode", s(a.response_mode.as_deref()));
                put(
                    &mut m,
                    "nonce",
                    a.nonce.as_deref().map(|n| json!(policy::claim("nonce", n))),
                );
                put(
                    &mut m,
                    "code_challenge_method",
                    s(a.code_challenge_method.as_deref()),
                );
                put_lazily(&mut m, "answer", &|| {
                    a.answer.and_then(|x| self.answer_summary(x))
                });
            }
            Detail::Answer(ans) => {
                put_lazily(&mut m, "authorize", &|| {
                    self.authorize_summary(ans.authorize)
                });
                m.insert("via".into(), json!(via(ans.via)));
                put_lazily(&mut m, "answer_url", &|| {
                    Some(json!(policy::url(&ans.url, &mut policy::Mask)))
                });
                let answer = Url::parse(&ans.url);
                m.insert("answer_scheme".into(), json!(answer.scheme));
                m.insert("answer_host".into(), json!(answer.host));
                m.insert("answer_loopback".into(), json!(is_loopback(&answer.host)));
                put(&mut m, "recovered_at", ans.recovered_at.map(|e| json!(e)));
                put_lazily(&mut m, "code", &|| ans.code.and_then(|c| self.code_ref(c)));
                put(&mut m, "error", s(ans.error.as_deref()));
                put(
                    &mut m,
                    "error_description",
                    s(ans.error_description.as_deref()),
                );
                put(&mut m, "state", s(ans.state.as_deref()));
                m.insert("delivery".into(), json!(ans.delivery.name()));
                put(
                    &mut m,
                    "id_token",
                    ans.id_token.and_then(|i| self.id_token_facts(i)),
                );
                put(
                    &mut m,
                    "access_token",
                    ans.access_token.and_then(|x| self.token_ref(x)),
                );
                if want("referer_leaks") {
                    m.insert("referer_leaks".into(), self.referer_leaks(id));
                }
                put(
                    &mut m,
                    "state_sent",
                    s(self
                        .analysis
                        .authorize(ans.authorize)
                        .and_then(|a| a.state.as_deref())),
                );
            }
            Detail::TokenRequest(t) => {
                put(&mut m, "grant_type", s(t.grant_type.as_deref()));
                let grant = match t.grant_type.as_deref() {
                    Some(
                        g @ ("authorization_code" | "refresh_token" | "client_credentials"
                        | "password"),
                    ) => Some(g),
                    Some(_) => Some("other"),
                    None => None,
                };
                put(&mut m, "grant", s(grant));
                put(&mut m, "client", self.client(t.client_id.as_deref()));
                put(&mut m, "client_id", s(t.client_id.as_deref()));
                put(
                    &mut m,
                    "client_auth",
                    t.client_auth.map(|c| json!(c.name())),
                );
                m.insert("has_client_secret".into(), json!(t.has_client_secret));
                put(
                    &mut m,
                    "secret_profile",
                    t.secret_profile.map(|p| json!(p.name())),
                );
                put(&mut m, "issuer", s(t.issuer.as_deref()));
                put_lazily(&mut m, "code", &|| t.code.and_then(|c| self.code_ref(c)));
                put(&mut m, "redirect_uri", s(t.redirect_uri.as_deref()));
                m.insert(
                    "code_verifier_present".into(),
                    json!(t.code_verifier_present),
                );
                let secret_in: Vec<&str> = t.client_secret_in.iter().map(|c| c.name()).collect();
                m.insert("client_secret_in".into(), json!(secret_in));
                if let Some(v) = &t.code_verifier {
                    m.insert("code_verifier_length".into(), json!(v.chars().count()));
                    m.insert(
                        "code_verifier_well_formed".into(),
                        json!(security::verifier_well_formed(v)),
                    );
                    put(&mut m, "code_verifier_matches", self.verifier_matches(t, v));
                }
                put(&mut m, "rotated", rotated(t).map(|r| json!(r)));
                m.insert("referer_leaks".into(), self.referer_leaks(id));
                put(&mut m, "scope", s(t.scope.as_deref()));
                put_lazily(&mut m, "refresh_token", &|| {
                    t.refresh_token.and_then(|x| self.token_ref(x))
                });
                put(&mut m, "endpoint", t.endpoint.map(|e| json!(e.name())));
                m.insert("body_present".into(), json!(t.body_present));
                let resp = t.response.as_ref();
                put(&mut m, "error", s(resp.and_then(|r| r.error.as_deref())));
                put(
                    &mut m,
                    "error_description",
                    s(resp.and_then(|r| r.error_description.as_deref())),
                );
                put(&mut m, "recovered_at", t.recovered_at.map(|e| json!(e)));
                put_lazily(&mut m, "id_token", &|| {
                    resp.and_then(|r| r.id_token)
                        .and_then(|i| self.id_token_facts(i))
                });
                put_lazily(&mut m, "response", &|| {
                    t.response.as_ref().map(|r| {
                        let mut rm = Map::new();
                        rm.insert("status".into(), json!(r.status));
                        rm.insert("body_present".into(), json!(r.body_present));
                        put(&mut rm, "error", s(r.error.as_deref()));
                        put(
                            &mut rm,
                            "error_description",
                            s(r.error_description.as_deref()),
                        );
                        put(
                            &mut rm,
                            "access_token",
                            r.access_token.and_then(|x| self.masked_token(x)),
                        );
                        put(
                            &mut rm,
                            "refresh_token",
                            r.refresh_token.and_then(|x| self.masked_token(x)),
                        );
                        put(&mut rm, "expires_in", r.expires_in.map(|e| json!(e)));
                        put(&mut rm, "token_type", s(r.token_type.as_deref()));
                        Value::Object(rm)
                    })
                });
            }
            Detail::EndpointLookup(l) => {
                put(&mut m, "bearer", l.bearer.and_then(|x| self.token_ref(x)));
                put(&mut m, "endpoints", l.endpoints.as_ref().map(|e| json!(e)));
                m.insert(
                    "response_body_present".into(),
                    json!(l.response_body_present),
                );
            }
            Detail::Activation(act) => {
                put(&mut m, "skill_id", s(act.skill_id.as_deref()));
                m.insert("body_present".into(), json!(act.body_present));
                put(&mut m, "body_json", act.body_json.map(|b| json!(b)));
                put(&mut m, "stage", s(act.stage.as_deref()));
                put(&mut m, "link_type", s(act.link_type.as_deref()));
                put(&mut m, "redirect_uri", s(act.redirect_uri.as_deref()));
                put_lazily(&mut m, "auth_code", &|| {
                    act.auth_code.and_then(|c| self.code_ref(c))
                });
                put_lazily(&mut m, "bearer", &|| {
                    act.bearer.and_then(|x| self.token_ref(x))
                });
                put(&mut m, "message", s(act.message.as_deref()));
                put_lazily(&mut m, "lookup", &|| {
                    act.lookup.and_then(|l| self.lookup_summary(l))
                });
            }
            Detail::BearerCall { bearer } => {
                put_lazily(&mut m, "bearer", &|| self.token_ref(*bearer));
                put_lazily(&mut m, "userinfo", &|| self.userinfo_facts(id));
            }
        }
        Some(Value::Object(m))
    }

    fn masked_token(&self, token: usize) -> Option<Value> {
        Some(json!(self.token_mask(token)?))
    }

    /// What every summary of a step starts with: which step, which entry, when.
    fn summary_head(&self, id: usize, step: &Step) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("id".into(), json!(id));
        m.insert("entry".into(), json!(step.entry));
        put(&mut m, "time", self.time(step.entry));
        put(&mut m, "t", self.t(step.entry));
        m
    }

    fn host(&self, entry: usize) -> Option<Value> {
        Some(json!(Url::parse(&self.exchange(entry)?.request.url).host))
    }

    pub fn authorize_summary(&self, id: usize) -> Option<Value> {
        memo(&self.memo.authorize, id, || {
            self.build_authorize_summary(id)
        })
    }

    fn build_authorize_summary(&self, id: usize) -> Option<Value> {
        let step = self.analysis.steps.get(id)?;
        let a = self.analysis.authorize(id)?;
        let mut m = self.summary_head(id, step);
        put(&mut m, "host", self.host(step.entry));
        self.authorize_fields(a, &mut m);
        Some(Value::Object(m))
    }

    /// What an authorize request asked for, shared by the step and its summaries.
    fn authorize_fields(&self, a: &super::Authorize, m: &mut Map<String, Value>) {
        put(m, "endpoint", a.endpoint.map(|e| json!(e.name())));
        put(m, "issuer", s(a.issuer.as_deref()));
        put(m, "role", a.role.map(|r| json!(r.name())));
        put(m, "client", self.client(a.client_id.as_deref()));
        put(m, "client_id", s(a.client_id.as_deref()));
        put(m, "scope", s(a.scope.as_deref()));
        m.insert("scopes".into(), json!(a.scopes));
        put(m, "redirect_uri", s(a.redirect_uri.as_deref()));
        put(m, "state", s(a.state.as_deref()));
        // With `plain` (or no method) the challenge is the verifier itself: a secret.
        let plain = a.code_challenge_method.as_deref() != Some("S256");
        put(
            m,
            "code_challenge",
            a.code_challenge
                .as_deref()
                .map(|c| json!(if plain { mask(c) } else { c.to_string() })),
        );
        put(
            m,
            "code_challenge_method",
            s(a.code_challenge_method.as_deref()),
        );
    }

    fn answer_summary(&self, id: usize) -> Option<Value> {
        memo(&self.memo.answer, id, || self.build_answer_summary(id))
    }

    fn build_answer_summary(&self, id: usize) -> Option<Value> {
        let step = self.analysis.steps.get(id)?;
        let Detail::Answer(ans) = &step.detail else {
            return None;
        };
        let mut m = self.summary_head(id, step);
        m.insert("via".into(), json!(via(ans.via)));
        put(
            &mut m,
            "code",
            ans.code.and_then(|c| self.code_mask(c)).map(|c| json!(c)),
        );
        put(&mut m, "error", s(ans.error.as_deref()));
        put(
            &mut m,
            "error_description",
            s(ans.error_description.as_deref()),
        );
        put(&mut m, "state", s(ans.state.as_deref()));
        Some(Value::Object(m))
    }

    fn lookup_summary(&self, id: usize) -> Option<Value> {
        let step = self.analysis.steps.get(id)?;
        let Detail::EndpointLookup(l) = &step.detail else {
            return None;
        };
        let mut m = self.summary_head(id, step);
        put(&mut m, "endpoints", l.endpoints.as_ref().map(|e| json!(e)));
        Some(Value::Object(m))
    }

    fn token_request_summary(&self, id: usize) -> Option<Value> {
        let step = self.analysis.steps.get(id)?;
        let t = self.analysis.token_request(id)?;
        let mut m = self.summary_head(id, step);
        put(&mut m, "host", self.host(step.entry));
        put(&mut m, "endpoint", t.endpoint.map(|e| json!(e.name())));
        put(&mut m, "grant_type", s(t.grant_type.as_deref()));
        put(&mut m, "client", self.client(t.client_id.as_deref()));
        put(&mut m, "client_id", s(t.client_id.as_deref()));
        Some(Value::Object(m))
    }

    fn use_summary(&self, id: usize) -> Option<Value> {
        let step = self.analysis.steps.get(id)?;
        let mut m = Map::new();
        m.insert("id".into(), json!(id));
        m.insert("entry".into(), json!(step.entry));
        m.insert("kind".into(), json!(step.kind.name()));
        put(&mut m, "time", self.time(step.entry));
        put(&mut m, "t", self.t(step.entry));
        if let Some(ex) = self.exchange(step.entry) {
            m.insert("answered".into(), json!(ex.response.is_some()));
            put(
                &mut m,
                "status",
                ex.response.as_ref().map(|r| json!(r.status)),
            );
        }
        if let Some(t) = self.analysis.token_request(id) {
            put(
                &mut m,
                "error",
                s(t.response.as_ref().and_then(|r| r.error.as_deref())),
            );
            put(&mut m, "client_id", s(t.client_id.as_deref()));
            put(&mut m, "rotated", rotated(t).map(|r| json!(r)));
        }
        Some(Value::Object(m))
    }

    /// Whether a token request's PKCE verifier gives the challenge of its code's authorize
    /// request; absent when either is not in the capture or the method is unknown.
    fn verifier_matches(&self, t: &super::TokenRequest, verifier: &str) -> Option<Value> {
        if self.analysis.sanitized {
            return None;
        }
        let origin = self.analysis.codes.get(t.code?)?.origin?;
        let auth = self.analysis.authorize(origin)?;
        let challenge = auth.code_challenge.as_deref()?;
        security::verifier_matches(verifier, challenge, auth.code_challenge_method.as_deref())
            .map(|m| json!(m))
    }

    /// The later requests whose `Referer` carries the code of an answer step or a token a
    /// token request minted.
    fn referer_leaks(&self, step: usize) -> Value {
        let leaks = security::leaks_of_step(self.analysis, step, &self.analysis.referer_leaks);
        let out: Vec<Value> = leaks
            .into_iter()
            .filter_map(|l| {
                let ex = self.exchange(l.entry)?;
                let mut m = Map::new();
                m.insert("entry".into(), json!(l.entry));
                put(&mut m, "time", self.time(l.entry));
                put(&mut m, "t", self.t(l.entry));
                m.insert("method".into(), json!(ex.request.method));
                m.insert(
                    "url".into(),
                    json!(policy::url(&ex.request.url, &mut policy::Mask)),
                );
                m.insert("host".into(), json!(Url::parse(&ex.request.url).host));
                m.insert("param".into(), json!(l.param));
                let value = match l.leaked {
                    security::Leaked::Code(c) => self.analysis.codes.get(c).map(|c| &c.value),
                    security::Leaked::Token(t) => self.analysis.tokens.get(t).map(|t| &t.value),
                };
                m.insert("value".into(), json!(mask(value?)));
                Some(Value::Object(m))
            })
            .collect();
        Value::Array(out)
    }

    /// A code's lineage, shared by the full view and the reference (the fields `want`s).
    fn code_base(&self, id: usize, want: &Want) -> Option<(Map<String, Value>, &'a super::Code)> {
        let c = self.analysis.codes.get(id)?;
        let mut m = Map::new();
        if want("value") {
            m.insert("value".into(), json!(self.code_mask(id)?));
        }
        let lwa = super::is_lwa_code(&c.value);
        m.insert("shape".into(), json!(if lwa { "lwa" } else { "other" }));
        if want("origin") {
            put(
                &mut m,
                "origin",
                c.origin.and_then(|o| self.authorize_summary(o)),
            );
        }
        if want("issued") {
            put(
                &mut m,
                "issued",
                c.issued.and_then(|i| self.answer_summary(i)),
            );
        }
        if let Some((secs, source)) = c.lifetime {
            m.insert("lifetime".into(), json!(secs));
            m.insert("lifetime_source".into(), json!(source.name()));
        }
        Some((m, c))
    }

    /// A code with every use: the `code` subject.
    pub fn code_facts(&self, id: usize) -> Option<Value> {
        self.code_facts_reading(id, None)
    }

    /// [`Facts::code_facts`] with, for `Some(fields)`, at least those fields (as
    /// [`Facts::step_facts_reading`]).
    pub fn code_facts_reading(
        &self,
        id: usize,
        fields: Option<&std::collections::BTreeSet<&str>>,
    ) -> Option<Value> {
        let want = |field: &str| fields.is_none_or(|f| f.contains(field));
        let (mut m, c) = self.code_base(id, &want)?;
        let uses: Vec<Value> = if want("redemptions") {
            c.redemptions
                .iter()
                .filter_map(|&r| self.use_summary(r))
                .collect()
        } else {
            Vec::new()
        };
        m.insert("redemptions".into(), Value::Array(uses));
        m.insert("deliveries".into(), json!(c.deliveries));
        Some(Value::Object(m))
    }

    /// A code as a step refers to it.
    pub fn code_ref(&self, id: usize) -> Option<Value> {
        let (mut m, c) = self.code_base(id, &|_| true)?;
        m.insert("redemption_count".into(), json!(c.redemptions.len()));
        Some(Value::Object(m))
    }

    fn token_base(&self, id: usize, want: &Want) -> Option<(Map<String, Value>, &'a super::Token)> {
        let t = self.analysis.tokens.get(id)?;
        let mut m = Map::new();
        if want("value") {
            m.insert("value".into(), json!(self.token_mask(id)?));
        }
        m.insert("kind".into(), json!(t.kind.name()));
        if t.kind == TokenKind::Id && want("id_token") {
            let i = self.analysis.id_tokens.iter().position(|x| x.token == id);
            put(&mut m, "id_token", i.and_then(|i| self.id_token_facts(i)));
        }
        if want("minted_by") {
            put(
                &mut m,
                "minted_by",
                t.minted_by.and_then(|r| self.token_request_summary(r)),
            );
        }
        if want("client") {
            put(
                &mut m,
                "client",
                self.client(self.analysis.token_client(id)),
            );
        }
        if want("root") {
            put(
                &mut m,
                "root",
                self.analysis
                    .token_root(id)
                    .and_then(|r| self.authorize_summary(r)),
            );
        }
        put(&mut m, "expires_in", t.expires_in.map(|e| json!(e)));
        Some((m, t))
    }

    /// A token with every use: the `token` subject.
    pub fn token_facts(&self, id: usize) -> Option<Value> {
        self.token_facts_reading(id, None)
    }

    /// [`Facts::token_facts`] with, for `Some(fields)`, at least those fields (as
    /// [`Facts::step_facts_reading`]).
    pub fn token_facts_reading(
        &self,
        id: usize,
        fields: Option<&std::collections::BTreeSet<&str>>,
    ) -> Option<Value> {
        let want = |field: &str| fields.is_none_or(|f| f.contains(field));
        let (mut m, t) = self.token_base(id, &want)?;
        let uses: Vec<Value> = if want("uses") {
            t.uses.iter().filter_map(|&u| self.use_summary(u)).collect()
        } else {
            Vec::new()
        };
        // Moved in: `json!` would serialize a deep copy (a long capture's token has
        // thousands of uses).
        m.insert("uses".into(), Value::Array(uses));
        Some(Value::Object(m))
    }

    /// A token as a step refers to it.
    pub fn token_ref(&self, id: usize) -> Option<Value> {
        let (mut m, t) = self.token_base(id, &|_| true)?;
        m.insert("use_count".into(), json!(t.uses.len()));
        Some(Value::Object(m))
    }
}

/// For a `refresh_token` grant that got tokens: whether the answer carried a refresh token
/// other than the one sent (rotation). Absent for other grants and failed answers.
fn rotated(t: &super::TokenRequest) -> Option<bool> {
    if t.grant_type.as_deref() != Some("refresh_token") {
        return None;
    }
    let r = t.response.as_ref()?;
    r.access_token?;
    Some(
        r.refresh_token
            .is_some_and(|new| Some(new) != t.refresh_token),
    )
}

fn via(v: Via) -> &'static str {
    match v {
        Via::Location => "location",
        Via::Url => "url",
        Via::Page => "form_page",
    }
}

/// A client as rules see it.
fn client_facts(c: &super::Client) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(c.id));
    m.insert("profile".into(), json!(c.profile.name()));
    m.insert("profile_source".into(), json!(c.source.name()));
    m.insert("evidence".into(), json!(c.evidence));
    m.insert("ambiguous".into(), json!(c.other.is_some()));
    put(&mut m, "other_profile", c.other.map(|p| json!(p.name())));
    Value::Object(m)
}

/// A finding as rules that read `findings` see it.
pub fn finding_ref(f: &crate::finding::Finding) -> Value {
    let mut m = Map::new();
    m.insert("rule".into(), json!(f.rule));
    m.insert("severity".into(), json!(f.severity.as_str()));
    m.insert("message".into(), json!(f.message));
    put(&mut m, "entry", f.entry.map(|e| json!(e)));
    put(&mut m, "flow", f.flow.map(|e| json!(e)));
    Value::Object(m)
}
