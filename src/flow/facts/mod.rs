//! Facts as JSON objects, shaped as `schema.rs` documents them. Unknown facts are left out,
//! never `null`: see docs/facts.md, "Unknown is not false".

use std::sync::OnceLock;

use serde_json::{json, Map, Value};

use crate::model::{Capture, Exchange};
use crate::secret::{mask, policy};

use super::security;
use super::url::Url;

mod step;
mod unshown;

use super::{Analysis, Code, Detail, Step, TokenKind, Via};

pub struct Facts<'a> {
    pub capture: &'a Capture,
    pub analysis: &'a Analysis,
    memo: Memo,
    /// The values the policy does not show, indexed when a finding's text is first searched.
    unshown: OnceLock<unshown::Unshown<'a>>,
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
pub type Want<'w> = dyn Fn(&str) -> bool + 'w;

/// What a subject's facts are built for.
#[derive(Clone, Copy)]
pub enum Ask<'w> {
    /// The fields `want` names, and of a field that holds a code or a token, the parts it
    /// names as `field.part`: the facts as a map.
    Fields(&'w Want<'w>),
    /// One field alone (a condition reads one at a time), with the parts of it the second
    /// names (`None`: the field whole): the field's facts, `None` when they leave it out.
    One(&'w str, Option<&'w Want<'w>>),
    /// Nothing: whether there is such a subject.
    Nothing,
}

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
            unshown: OnceLock::new(),
        }
    }

    /// The values facts hold raw for the conditions that the policy does not show (each
    /// authorize request's `state` and `code_challenge`, each answer's `state`; non-empty, in
    /// step order) that `text` holds.
    pub fn unshown_in(&self, text: &str) -> Vec<&'a str> {
        self.unshown
            .get_or_init(|| unshown::Unshown::of(self.analysis))
            .held_by(text)
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

    /// A client with the fields `want` names (`step.client.profile` needs neither its
    /// evidence, a sentence, nor its id).
    fn client_wanted(&self, id: Option<&str>, want: &Want) -> Option<Value> {
        Some(client_facts_wanted(self.analysis.clients.get(id?)?, want))
    }

    fn masked_token(&self, token: usize) -> Option<Value> {
        Some(json!(self.token_mask(token)?))
    }

    /// What every summary of a step starts with: which step, which entry, when.
    fn summary_head(&self, id: usize, step: &Step, out: &mut step::Out) {
        out.set("id", || json!(id));
        out.set("entry", || json!(step.entry));
        out.put("time", || self.time(step.entry));
        out.put("t", || self.t(step.entry));
    }

    fn host(&self, entry: usize) -> Option<Value> {
        Some(json!(Url::parse(&self.exchange(entry)?.request.url).host))
    }

    pub fn authorize_summary(&self, id: usize) -> Option<Value> {
        memo(&self.memo.authorize, id, || {
            self.authorize_summary_wanted(id, &|_| true)
        })
    }

    /// A summary with the fields `want` names: a subject's condition that reads a summary
    /// only through its parts (`code.issued.t`) gets those, not the whole (nor a copy of the
    /// memo's).
    fn authorize_summary_wanted(&self, id: usize, want: &Want) -> Option<Value> {
        let step = self.analysis.steps.get(id)?;
        let a = self.analysis.authorize(id)?;
        let mut out = step::Out::new(Ask::Fields(want));
        self.summary_head(id, step, &mut out);
        out.put("host", || self.host(step.entry));
        self.authorize_fields(a, &mut out);
        Some(Value::Object(out.map))
    }

    fn answer_summary(&self, id: usize) -> Option<Value> {
        memo(&self.memo.answer, id, || {
            self.answer_summary_wanted(id, &|_| true)
        })
    }

    fn answer_summary_wanted(&self, id: usize, want: &Want) -> Option<Value> {
        let step = self.analysis.steps.get(id)?;
        let Detail::Answer(ans) = &step.detail else {
            return None;
        };
        let mut out = step::Out::new(Ask::Fields(want));
        self.summary_head(id, step, &mut out);
        out.set("via", || json!(via(ans.via)));
        out.put("code", || {
            ans.code.and_then(|c| self.code_mask(c)).map(|c| json!(c))
        });
        out.put("error", || s(ans.error.as_deref()));
        out.put("error_description", || s(ans.error_description.as_deref()));
        out.put("state", || s(ans.state.as_deref()));
        Some(Value::Object(out.map))
    }

    fn lookup_summary(&self, id: usize) -> Option<Value> {
        let step = self.analysis.steps.get(id)?;
        let Detail::EndpointLookup(l) = &step.detail else {
            return None;
        };
        let all = |_: &str| true;
        let mut out = step::Out::new(Ask::Fields(&all));
        self.summary_head(id, step, &mut out);
        out.put("endpoints", || l.endpoints.as_ref().map(|e| json!(e)));
        Some(Value::Object(out.map))
    }

    fn token_request_summary(&self, id: usize, want: &Want) -> Option<Value> {
        let step = self.analysis.steps.get(id)?;
        let t = self.analysis.token_request(id)?;
        let mut out = step::Out::new(Ask::Fields(want));
        self.summary_head(id, step, &mut out);
        out.put("host", || self.host(step.entry));
        out.put("endpoint", || t.endpoint.map(|e| json!(e.name())));
        out.put("grant_type", || s(t.grant_type.as_deref()));
        out.put("client", || self.client(t.client_id.as_deref()));
        out.put("client_id", || s(t.client_id.as_deref()));
        Some(Value::Object(out.map))
    }

    fn use_summary(&self, id: usize) -> Option<Value> {
        let step = self.analysis.steps.get(id)?;
        // Sized for its ten fields: growing the map rehashed its keys twice.
        let mut m = Map::with_capacity(10);
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

    /// A code's lineage, shared by the full view and the reference (the fields `out` asks;
    /// of its summaries, the parts `part` names, or as `out` asks them: `origin.client_id`).
    fn code_base(&self, id: usize, out: &mut step::Out, part: Option<&Want>) -> Option<&'a Code> {
        let c = self.analysis.codes.get(id)?;
        let want = out.want();
        out.put("value", || self.code_mask(id).map(Value::String));
        out.set("shape", || {
            json!(if super::is_lwa_code(&c.value) {
                "lwa"
            } else {
                "other"
            })
        });
        out.put("origin", || {
            c.origin.and_then(|o| {
                summary(
                    want,
                    part,
                    "origin",
                    || self.authorize_summary(o),
                    |p| self.authorize_summary_wanted(o, p),
                )
            })
        });
        out.put("issued", || {
            c.issued.and_then(|i| {
                summary(
                    want,
                    part,
                    "issued",
                    || self.answer_summary(i),
                    |p| self.answer_summary_wanted(i, p),
                )
            })
        });
        if let Some((secs, source)) = c.lifetime {
            out.set("lifetime", || json!(secs));
            out.set("lifetime_source", || json!(source.name()));
        }
        Some(c)
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
        let want = |field: &str| fields.is_none_or(|f| step::wants_top(f, field));
        self.code_facts_wanted(id, &want)
    }

    /// The facts of one code with the fields `want` names.
    pub fn code_facts_wanted(&self, id: usize, want: &Want) -> Option<Value> {
        self.code_facts_asked(id, Ask::Fields(want))
    }

    /// The facts of one code as `ask` asks them (as [`Facts::step_facts_asked`]): a field
    /// asked alone is built alone, without a map around it.
    pub fn code_facts_asked(&self, id: usize, ask: Ask) -> Option<Value> {
        let mut out = step::Out::new(ask);
        let c = self.code_base(id, &mut out, ask.parts())?;
        out.set("redemptions", || {
            Value::Array(
                c.redemptions
                    .iter()
                    .filter_map(|&r| self.use_summary(r))
                    .collect(),
            )
        });
        out.set("deliveries", || json!(c.deliveries));
        out.into_value()
    }

    /// A code as a step refers to it.
    pub fn code_ref(&self, id: usize) -> Option<Value> {
        self.code_ref_wanted(id, &|_| true)
    }

    /// [`Facts::code_ref`] with the fields `want` names of its mask, origin and answer
    /// (`step.code.origin.client_id` needs neither the code's SHA-256 nor its answer, and
    /// of the origin only that field).
    pub fn code_ref_wanted(&self, id: usize, want: &Want) -> Option<Value> {
        let mut out = step::Out::new(Ask::Fields(want));
        let c = self.code_base(id, &mut out, None)?;
        out.set("redemption_count", || json!(c.redemptions.len()));
        out.into_value()
    }

    fn token_base(
        &self,
        id: usize,
        out: &mut step::Out,
        part: Option<&Want>,
    ) -> Option<&'a super::Token> {
        let t = self.analysis.tokens.get(id)?;
        let want = out.want();
        out.put("value", || self.token_mask(id).map(Value::String));
        out.set("kind", || json!(t.kind.name()));
        if t.kind == TokenKind::Id {
            out.put("id_token", || {
                let i = self.analysis.id_tokens.iter().position(|x| x.token == id);
                i.and_then(|i| self.id_token_facts(i))
            });
        }
        out.put("minted_by", || {
            t.minted_by.and_then(|r| {
                summary(
                    want,
                    part,
                    "minted_by",
                    || self.token_request_summary(r, &|_| true),
                    |p| self.token_request_summary(r, p),
                )
            })
        });
        out.put("client", || self.client(self.analysis.token_client(id)));
        out.put("root", || {
            self.analysis.token_root(id).and_then(|r| {
                summary(
                    want,
                    part,
                    "root",
                    || self.authorize_summary(r),
                    |p| self.authorize_summary_wanted(r, p),
                )
            })
        });
        out.put("expires_in", || t.expires_in.map(|e| json!(e)));
        Some(t)
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
        let want = |field: &str| fields.is_none_or(|f| step::wants_top(f, field));
        self.token_facts_wanted(id, &want)
    }

    /// The facts of one token with the fields `want` names.
    pub fn token_facts_wanted(&self, id: usize, want: &Want) -> Option<Value> {
        self.token_facts_asked(id, Ask::Fields(want))
    }

    /// The facts of one token as `ask` asks them (as [`Facts::code_facts_asked`]).
    pub fn token_facts_asked(&self, id: usize, ask: Ask) -> Option<Value> {
        let mut out = step::Out::new(ask);
        let t = self.token_base(id, &mut out, ask.parts())?;
        // Built in place: a long capture's token has thousands of uses.
        out.set("uses", || {
            Value::Array(t.uses.iter().filter_map(|&u| self.use_summary(u)).collect())
        });
        out.into_value()
    }

    /// A token as a step refers to it.
    pub fn token_ref(&self, id: usize) -> Option<Value> {
        self.token_ref_wanted(id, &|_| true)
    }

    /// [`Facts::token_ref`] with the fields `want` names of those [`Facts::token_base`] asks.
    pub fn token_ref_wanted(&self, id: usize, want: &Want) -> Option<Value> {
        let mut out = step::Out::new(Ask::Fields(want));
        let t = self.token_base(id, &mut out, None)?;
        out.set("use_count", || json!(t.uses.len()));
        out.into_value()
    }
}

/// A summary a code or token quotes (`origin`, `minted_by`): with the fields `part` names
/// when given (a subject's field read through its parts: `code.issued.t`), else as `want`
/// names `name`'s: whole (`origin.*`, the memo's when there is one) or only the fields it
/// names (`origin.client_id`: a token request's code is read for four fields of its
/// authorize request, and building and copying the whole summary cost ten times those).
fn summary(
    want: &Want,
    part: Option<&Want>,
    name: &str,
    whole: impl FnOnce() -> Option<Value>,
    wanted: impl FnOnce(&Want) -> Option<Value>,
) -> Option<Value> {
    if let Some(p) = part {
        return wanted(p);
    }
    let key = std::cell::RefCell::new(format!("{name}.*"));
    if want(&key.borrow()) {
        return whole();
    }
    wanted(&|f: &str| {
        let mut key = key.borrow_mut();
        key.truncate(name.len() + 1);
        key.push_str(f);
        want(&key)
    })
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
    client_facts_wanted(c, &|_| true)
}

/// [`client_facts`] with the fields `want` names.
fn client_facts_wanted(c: &super::Client, want: &Want) -> Value {
    let mut out = step::Out::new(Ask::Fields(want));
    out.set("id", || json!(c.id));
    out.set("profile", || json!(c.profile.name()));
    out.set("profile_source", || json!(c.source.name()));
    out.set("evidence", || json!(c.evidence));
    out.set("ambiguous", || json!(c.other.is_some()));
    out.put("other_profile", || c.other.map(|p| json!(p.name())));
    Value::Object(out.map)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A token request's code read through some fields of its origin
    /// (`step.code.origin.client_id`) builds those and leaves the memo of whole authorize
    /// summaries empty (each one held the request's parameters and its client's facts again,
    /// 23 MiB of a 200 MB log's peak); the code read whole fills it.
    #[test]
    fn a_code_read_by_parts_of_its_origin_leaves_the_summaries_memo_empty() {
        let mut codes_read = 0;
        for path in crate::fixture_hars() {
            let Ok(capture) = crate::read::read_path(&path) else {
                continue;
            };
            let analysis = crate::flow::analyze(&capture, &crate::config::Config::default());
            let facts = Facts::new(&capture, &analysis);
            let filled = |f: &Facts| {
                f.memo
                    .authorize
                    .iter()
                    .filter(|s| s.get().is_some())
                    .count()
            };
            let parts = |p: &str| p == "origin" || p == "origin.client_id";
            let mut with_origin = Vec::new();
            for (i, step) in analysis.steps.iter().enumerate() {
                let Some(code) = facts.step_facts_asked(i, Ask::One("code", Some(&parts))) else {
                    continue;
                };
                let Some(origin) = code.get("origin") else {
                    continue;
                };
                // Only the field asked, and the value the full facts hold.
                let full = facts.step_facts(i).expect("a step's facts");
                let expected = full["code"]["origin"].get("client_id");
                assert_eq!(origin.get("client_id"), expected);
                assert!(origin.as_object().is_some_and(|m| m.len() <= 1), "{origin}");
                assert!(matches!(
                    step.detail,
                    Detail::TokenRequest(_) | Detail::Answer(_)
                ));
                with_origin.push(i);
                codes_read += 1;
            }
            // The full facts above filled the memo: a fresh one, asked by parts only.
            let fresh = Facts::new(&capture, &analysis);
            for &i in &with_origin {
                fresh.step_facts_asked(i, Ask::One("code", Some(&parts)));
            }
            assert_eq!(filled(&fresh), 0, "{}", path.display());
            if let Some(&i) = with_origin.first() {
                fresh.step_facts_asked(i, Ask::One("code", None));
                assert_eq!(filled(&fresh), 1, "{}", path.display());
            }
        }
        assert!(codes_read > 20, "only {codes_read} codes read by parts");
    }
}
