//! Per-exchange classification and artifact extraction, in capture order (each exchange
//! decoded first, on every core: see [`super::parsed`]).

// foldhash instead of SipHash: hashing tokens and texts was a quarter of the serial pass.
use foldhash::{HashMap, HashMapExt as _, HashSet, HashSetExt as _};

use rayon::prelude::*;
use time::OffsetDateTime;

use crate::model::{Capture, Exchange};

use super::keys::{ACCESS_TOKEN_PARAM, ALEXA_ENDPOINT_PATH};
use super::locators::{At, Needle};
use super::oidc::{self, Delivery, Pairs};
use super::parsed::{
    body_head, Basic, Fingerprints, Parsed, RawFields, Target, TokenAnswer, UrlAnswer,
    ANSWER_FIELDS, AUTHORIZE_PARAMS,
};
use super::recognize::{
    bearer, is_activation, raw_param, raw_params, skill_id, SHARED_AUTHORIZE_PARAMS,
};
use super::url::{answers_to, is_amazon_host, lookup, lookup_all, split_query, Url};
use super::{
    Activation, Analysis, Answer, ClientAuth, Code, Detail, Endpoint, Lookup, Shared, Step,
    StepKind, Token, TokenKind, TokenRequest, TokenResponse, Via,
};

/// Where an answer's fields are written, for labels: found already (a URL's, on every core),
/// or in a text to cut when the answer is one (a posted form's).
#[derive(Clone, Copy)]
enum Written<'r> {
    Fields(&'r RawFields<'r, 6>),
    Text(&'r str),
}

/// Builds the analysis step by step; artifacts are interned by value so equal values are one
/// artifact wherever they appear.
struct Builder {
    a: Analysis,
    code_ids: ByValue,
    token_ids: ByValue,
    /// Authorize steps by the scheme, host and path of their `redirect_uri`, so finding the
    /// request an answer belongs to is a lookup, not a scan of every earlier step.
    by_redirect: HashMap<String, Vec<usize>>,
    /// The texts steps share ([`Shared`]), each kept once.
    shared: HashSet<Shared>,
    fingerprints: Fingerprints,
}

/// Codes' or tokens' indexes by their value, holding no copy of it: a table of hashes, each
/// found index checked against the value the analysis keeps (a dense log has tens of
/// thousands of tokens, some of them kilobytes of JWT).
#[derive(Default)]
struct ByValue {
    by_hash: HashMap<u64, usize>,
    /// Values whose hash an earlier, different value already has (practically never).
    collided: HashMap<String, usize>,
}

impl ByValue {
    /// foldhash, fixed: a token is a JWT of hundreds of bytes, hashed at every Bearer call
    /// (SipHash took a thousand instructions for one); a collision costs only a look in
    /// `collided`.
    fn hash(value: &str) -> u64 {
        use std::hash::BuildHasher as _;
        foldhash::fast::FixedState::default().hash_one(value)
    }

    /// The index of `value`; `value_of` gives the value kept at an index.
    fn get<'v>(&self, value: &str, value_of: impl Fn(usize) -> Option<&'v str>) -> Option<usize> {
        self.get_hashed(Self::hash(value), value, value_of)
    }

    fn get_hashed<'v>(
        &self,
        hash: u64,
        value: &str,
        value_of: impl Fn(usize) -> Option<&'v str>,
    ) -> Option<usize> {
        let i = *self.by_hash.get(&hash)?;
        if value_of(i) == Some(value) {
            return Some(i);
        }
        self.collided.get(value).copied()
    }

    /// Records the index of a value [`ByValue::get_hashed`] did not find.
    fn insert_hashed(&mut self, hash: u64, value: &str, i: usize) {
        match self.by_hash.entry(hash) {
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(i);
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                self.collided.insert(value.to_string(), i);
            }
        }
    }
}

/// How many exchanges are decoded together (see [`classify`]).
const PARSE_CHUNK: usize = 64;

pub fn classify(capture: &Capture) -> Analysis {
    let mut b = Builder {
        a: Analysis::default(),
        code_ids: ByValue::default(),
        token_ids: ByValue::default(),
        by_redirect: HashMap::new(),
        shared: HashSet::new(),
        fingerprints: Fingerprints::default(),
    };
    let (start, order) = in_time_order(capture);
    b.a.start = start;
    // The exchanges are decoded a chunk at a time on every core while the serial pass links
    // the chunk before: only linking depends on what came earlier. Chunks keep what is
    // decoded and not yet linked small.
    let mut chunks = order.chunks(PARSE_CHUNK);
    fn parse<'a>(chunk: &[&'a Exchange]) -> Vec<Parsed<'a>> {
        chunk.par_iter().map(|ex| Parsed::of(ex)).collect()
    }
    let mut next = chunks.next().map(parse);
    // Freeing what a chunk decoded was a tenth of the serial pass: it is done beside the
    // next chunk's linking, with the decoding.
    let mut linked: Vec<Parsed> = Vec::new();
    while let Some(mut parsed) = next.take() {
        let following = chunks.next();
        let free = std::mem::take(&mut linked);
        let ((), decoded) = rayon::join(
            || parsed.iter_mut().for_each(|p| b.exchange(p)),
            || {
                drop(free);
                following.map(parse)
            },
        );
        linked = parsed;
        next = decoded;
    }
    b.a.locators.finish();
    b.a
}

/// Exchanges in the order their requests started: an answer is matched to the latest
/// authorize request before it in time. Entry order decides ties, and is used as is when some
/// entry has no timestamp to compare.
///
/// Entries with nothing in them (a skimmed long capture's plain traffic: see
/// [`Exchange::is_inert`]) give no step, so they are left out before sorting. Also returns
/// when the capture starts (the earliest of all its entries): one pass over tens of thousands
/// of exchanges instead of two.
fn in_time_order(capture: &Capture) -> (Option<OffsetDateTime>, Vec<&Exchange>) {
    let mut start: Option<OffsetDateTime> = None;
    let mut timed = true;
    let mut order = Vec::new();
    for e in &capture.exchanges {
        match e.started {
            Some(t) => start = Some(start.map_or(t, |s| s.min(t))),
            None => timed = false,
        }
        if !e.is_inert() {
            order.push(e);
        }
    }
    if timed {
        // As instants, compared without converting offsets at every comparison.
        order
            .sort_by_cached_key(|e| (e.started.map(OffsetDateTime::unix_timestamp_nanos), e.index));
    }
    (start, order)
}

impl Builder {
    fn exchange(&mut self, p: &mut Parsed) {
        let ex = p.ex;
        if let Some(why) = p.stripped_cookies {
            self.stripped(ex.index, why);
        }
        if let Some(mut auth) = p.authorize.take() {
            let [client_id, scope, redirect_uri, response_type] =
                lookup_all(&p.query, SHARED_AUTHORIZE_PARAMS);
            auth.client_id = self.share(client_id);
            auth.scope = self.share(scope);
            auth.redirect_uri = self.share(redirect_uri);
            auth.response_type = self.share(response_type);
            let key = p.authorize_key.take();
            let id = self.push(ex, StepKind::Authorize, Detail::Authorize(auth));
            if let Some(key) = key {
                self.by_redirect.entry(key).or_default().push(id);
            }
            self.locate_authorize(id, &p.url, &p.authorize_raw);
        } else if let Some(found) = &p.url_answer {
            self.answer(ex, &found.0, &found.1, Via::Url);
        } else if let Some(target) = &p.posted_answer {
            self.posted_answer(ex, target, &p.body);
        }
        let url = &p.url;
        if p.token.is_some() {
            self.token_request(p);
        } else if is_activation(&ex.request.method, url.path) {
            self.activation(ex, url);
        } else if url.path.ends_with(ALEXA_ENDPOINT_PATH) {
            self.lookup(ex);
        } else if let Some(token) = p.bearer {
            let bearer = self.token(token, TokenKind::Access);
            let id = self.push(ex, StepKind::BearerCall, Detail::BearerCall { bearer });
            self.use_token(bearer, id);
            self.locate_token(id, "bearer", At::Authorization, bearer);
        } else if let Some(token) = lookup(&p.query, ACCESS_TOKEN_PARAM).filter(|t| !t.is_empty()) {
            // RFC 6750 §2.3: a token in the query is still a Bearer use.
            let token = token.to_string();
            let bearer = self.token(&token, TokenKind::Access);
            let id = self.push(ex, StepKind::BearerCall, Detail::BearerCall { bearer });
            self.use_token(bearer, id);
            if let Some(raw) = raw_param(url.query, "access_token") {
                self.locate(id, "bearer", At::Url, &["access_token=", raw]);
            }
        }
        if let Some(found) = &p.location {
            self.answer(ex, &found.0, &found.1, Via::Location);
        }
        if let Some(page) = &p.form_post {
            self.form_post_page(ex, page);
        }
    }

    /// `text` as the one kept for every step that has it.
    fn share(&mut self, text: Option<&str>) -> Option<Shared> {
        text.map(|t| self.share_one(t))
    }

    fn share_one(&mut self, text: &str) -> Shared {
        if let Some(kept) = self.shared.get(text) {
            return kept.clone();
        }
        let kept: Shared = text.into();
        self.shared.insert(kept.clone());
        kept
    }

    /// Whether an earlier authorize request named this client id.
    fn known_client(&self, id: &str) -> bool {
        self.a.steps.iter().any(
            |s| matches!(&s.detail, Detail::Authorize(a) if a.client_id.as_deref() == Some(id)),
        )
    }

    fn push(&mut self, ex: &Exchange, kind: StepKind, detail: Detail) -> usize {
        self.a.steps.push(Step {
            entry: ex.index,
            kind,
            detail,
            flow: 0,
        });
        let id = self.a.steps.len() - 1;
        if matches!(kind, StepKind::BearerCall | StepKind::EndpointLookup) {
            // The URL's base (`Url::base`), without parsing the rest.
            self.locate(id, "url", At::Url, &[split_query(&ex.request.url).0]);
        }
        id
    }

    /// Records where `field` of `step` is written: the text of `parts` joined (nothing when
    /// it is empty).
    fn locate(&mut self, step: usize, field: &'static str, at: At, parts: &[&str]) {
        self.a.locators.locate(step, field, at, parts);
    }

    /// Records that `field` of `step` is written as the value of code `code`.
    fn locate_code(&mut self, step: usize, field: &'static str, at: At, code: usize) {
        if let Ok(i) = u32::try_from(code) {
            self.a.locators.add(step, field, at, Needle::Code(i));
        }
    }

    /// Records that `field` of `step` is written as the value of token `token`.
    fn locate_token(&mut self, step: usize, field: &'static str, at: At, token: usize) {
        if let Ok(i) = u32::try_from(token) {
            self.a.locators.add(step, field, at, Needle::Token(i));
        }
    }

    /// The start of the request body ([`body_head`]), for labels about the body as a whole
    /// (a missing key).
    fn locate_body(&mut self, id: usize, head: Option<&str>) {
        if let Some(head) = head {
            self.locate(id, "body", At::RequestBody, &[head]);
        }
    }

    fn locate_authorize(&mut self, id: usize, url: &Url, raw: &RawFields<8>) {
        self.locate(id, "url", At::Url, &[url.base]);
        for (param, raw) in AUTHORIZE_PARAMS.into_iter().zip(raw) {
            if let Some(v) = raw {
                self.locate(id, param, At::Url, &[param, "=", v]);
            }
        }
    }

    fn code_id(&self, value: &str) -> Option<usize> {
        let codes = &self.a.codes;
        self.code_ids
            .get(value, |i| codes.get(i).map(|c| c.value.as_str()))
    }

    fn token_id(&self, value: &str) -> Option<usize> {
        let tokens = &self.a.tokens;
        self.token_ids
            .get(value, |i| tokens.get(i).map(|t| t.value.as_str()))
    }

    fn code(&mut self, value: &str) -> usize {
        // Hashed once, for the look-up and the insert.
        let hash = ByValue::hash(value);
        let codes = &self.a.codes;
        let value_of = |i: usize| codes.get(i).map(|c| c.value.as_str());
        if let Some(i) = self.code_ids.get_hashed(hash, value, value_of) {
            return i;
        }
        self.a.codes.push(Code {
            value: value.to_string(),
            origin: None,
            issued: None,
            redemptions: Vec::new(),
            deliveries: Vec::new(),
            lifetime: None,
        });
        let i = self.a.codes.len() - 1;
        self.code_ids.insert_hashed(hash, value, i);
        i
    }

    fn token(&mut self, value: &str, kind: TokenKind) -> usize {
        // Hashed once, for the look-up and the insert (a token is hundreds of bytes).
        let hash = ByValue::hash(value);
        let tokens = &self.a.tokens;
        let value_of = |i: usize| tokens.get(i).map(|t| t.value.as_str());
        if let Some(i) = self.token_ids.get_hashed(hash, value, value_of) {
            return i;
        }
        self.a.tokens.push(Token {
            value: value.to_string(),
            kind,
            minted_by: None,
            front_channel: None,
            uses: Vec::new(),
            expires_in: None,
        });
        let i = self.a.tokens.len() - 1;
        self.token_ids.insert_hashed(hash, value, i);
        i
    }

    fn use_token(&mut self, token: usize, step: usize) {
        if let Some(t) = self.a.tokens.get_mut(token) {
            t.uses.push(step);
        }
    }

    /// Correlates a URL carrying `code=` or `error=` with the authorize request it answers:
    /// it must start with that request's `redirect_uri`; `state` decides between candidates
    /// when both carry one, else the latest unanswered request wins.
    /// An answer in a URL: its parameters, delivery and fields as written.
    fn answer(&mut self, ex: &Exchange, target: &Target, answer: &UrlAnswer, via: Via) {
        let (params, delivery, raw) = answer;
        let area = match via {
            Via::Location => At::Location,
            _ => At::Url,
        };
        self.answer_with(
            ex,
            target,
            params,
            *delivery,
            via,
            (area, Written::Fields(raw)),
        );
    }

    /// `response_mode=form_post`, as the browser sends it: a POST of the answer's fields to
    /// the redirect URI.
    fn posted_answer(&mut self, ex: &Exchange, target: &Target, params: &[(String, String)]) {
        let Some(body) = &ex.request.body else { return };
        self.answer_with(
            ex,
            target,
            params,
            Delivery::FormPost,
            Via::Url,
            (At::RequestBody, Written::Text(body.text.trim())),
        );
    }

    /// `response_mode=form_post`, as the server sends it: a page whose form posts the
    /// answer's fields to the redirect URI as soon as it loads (found by the decoding).
    fn form_post_page(&mut self, ex: &Exchange, (action, inputs): &(String, Pairs)) {
        self.answer_with(
            ex,
            &Target::of(action),
            inputs,
            Delivery::FormPost,
            Via::Page,
            (At::ResponseBody, Written::Fields(&[None; 6])),
        );
    }

    /// Correlates an answer's parameters, sent to `target`, with the authorize request
    /// it answers. `raw` is the area the parameters are written in and their values as
    /// written, for labels (a field not found so: find its value as it is).
    fn answer_with(
        &mut self,
        ex: &Exchange,
        target: &Target,
        params: &[(String, String)],
        delivery: Delivery,
        via: Via,
        raw: (At, Written),
    ) {
        let answer_url = target.url;
        let code = lookup(params, "code").filter(|c| !c.is_empty());
        let error = lookup(params, "error").filter(|c| !c.is_empty());
        let id_token = lookup(params, "id_token").filter(|c| !c.is_empty());
        let access_token = lookup(params, "access_token").filter(|c| !c.is_empty());
        if code.is_none() && error.is_none() && id_token.is_none() && access_token.is_none() {
            return;
        }
        let state = lookup(params, "state");
        // The authorize requests this can answer, latest first. Looked through lazily from the
        // latest: a test suite's log sends thousands of authorize requests to one redirect
        // URI, and its answer is nearly always to one of the last few.
        let key = target.key.as_str();
        let answerable = |a: &Analysis, i: usize| {
            a.authorize(i)
                .and_then(|a| a.redirect_uri.as_deref())
                .is_some_and(|r| answers_to(answer_url, r))
        };
        let all: &[usize] = self.by_redirect.get(key).map_or(&[], Vec::as_slice);
        if !all.iter().any(|&i| answerable(&self.a, i)) {
            return;
        }
        // The same answer seen again (the browser following the redirect) delivers, not issues.
        if let Some(code) = code {
            if let Some(existing) = self.code_id(code) {
                if self.a.codes[existing].issued.is_some() {
                    self.a.codes[existing].deliveries.push(ex.index);
                    return;
                }
            }
        } else if let Some(token) = id_token.or(access_token) {
            let seen = self.token_id(token).and_then(|t| self.a.tokens.get(t));
            if seen.is_some_and(|t| t.front_channel.is_some()) {
                return;
            }
        }
        let all: &[usize] = self.by_redirect.get(key).map_or(&[], Vec::as_slice);
        let a = &self.a;
        let candidates = || all.iter().rev().copied().filter(|&i| answerable(a, i));
        if code.is_none()
            && id_token.is_none()
            && access_token.is_none()
            && candidates().any(|c| {
                a.authorize(c).and_then(|a| a.answer).is_some_and(
                    |ans| matches!(&a.steps[ans].detail, Detail::Answer(x) if x.url == answer_url),
                )
            })
        {
            return;
        }
        // The request that sent the same `state` (or, for an answer without one, a request
        // that sent none), latest first and unanswered first; only when none fits, the latest
        // unanswered request, so that a state mismatch is still seen as an answer.
        let unanswered = |c: usize| a.authorize(c).is_some_and(|a| a.answer.is_none());
        let same_state = |c: usize| a.authorize(c).is_some_and(|a| a.state.as_deref() == state);
        let latest = |keep: &dyn Fn(usize) -> bool| candidates().find(|&c| keep(c));
        let chosen = latest(&|c| same_state(c) && unanswered(c))
            .or_else(|| latest(&same_state))
            .or_else(|| latest(&unanswered))
            .or_else(|| candidates().next());
        let Some(authorize) = chosen else { return };
        let code_id = code.map(|c| self.code(c));
        let id = self.push(
            ex,
            StepKind::Answer,
            Detail::Answer(Box::new(Answer {
                authorize,
                url: answer_url.to_string(),
                via,
                code: code_id,
                error: error.map(str::to_string),
                error_description: lookup(params, "error_description").map(str::to_string),
                state: state.map(str::to_string),
                recovered_at: None,
                delivery,
                id_token: None,
                access_token: None,
            })),
        );
        self.link_answer(id, authorize, code_id, (id_token, access_token), params);
        self.locate_answer(id, target.base, params, raw);
    }

    /// Links an answer step to the authorize request it answers and to the code and tokens
    /// it carries.
    fn link_answer(
        &mut self,
        id: usize,
        authorize: usize,
        code_id: Option<usize>,
        (id_token, access_token): (Option<&str>, Option<&str>),
        params: &[(String, String)],
    ) {
        let id_token_id =
            id_token.map(|v| self.id_token(v, oidc::Source::AuthorizationEndpoint, id));
        let access_id = access_token.map(|v| {
            let t = self.token(v, TokenKind::Access);
            if let Some(tok) = self.a.tokens.get_mut(t) {
                tok.front_channel.get_or_insert(id);
                tok.expires_in = lookup(params, "expires_in").and_then(|e| e.trim().parse().ok());
            }
            t
        });
        if let Some(Detail::Answer(x)) = self.a.steps.get_mut(id).map(|s| &mut s.detail) {
            x.id_token = id_token_id;
            x.access_token = access_id;
        }
        if let Some(Detail::Authorize(a)) = self.a.steps.get_mut(authorize).map(|s| &mut s.detail) {
            if a.answer.is_none() {
                a.answer = Some(id);
            }
        }
        if let Some(c) = code_id.and_then(|c| self.a.codes.get_mut(c)) {
            c.origin = Some(authorize);
            c.issued = Some(id);
        }
    }

    /// Where an answer's URL and parameters are written, for labels.
    fn locate_answer(
        &mut self,
        id: usize,
        base: &str,
        params: &[(String, String)],
        (area, written): (At, Written),
    ) {
        // A form body's fields are cut only here: every token request posts a `code`, and
        // nearly none is an answer.
        let raw = match written {
            Written::Fields(fields) => *fields,
            Written::Text(text) => raw_params(text, ANSWER_FIELDS),
        };
        match area {
            At::Location => self.locate(id, "url", At::Location, &[base]),
            At::ResponseBody => self.locate(id, "url", At::ResponseBody, &["<form"]),
            _ => self.locate(id, "url", At::Url, &[base]),
        }
        for (field, raw) in ANSWER_FIELDS.into_iter().zip(raw) {
            match raw {
                Some(v) => self.locate(id, field, area, &[field, "=", v]),
                None => {
                    if let Some(v) = lookup(params, field) {
                        self.locate(id, field, area, &[v]);
                    }
                }
            }
        }
    }

    /// An id_token received by `step`: a token (so that a Bearer use links to it) and its
    /// decoded claims.
    fn id_token(&mut self, value: &str, source: oidc::Source, step: usize) -> usize {
        let t = self.token(value, TokenKind::Id);
        if let Some(tok) = self.a.tokens.get_mut(t) {
            tok.kind = TokenKind::Id;
            match source {
                oidc::Source::TokenEndpoint => tok.minted_by.get_or_insert(step),
                oidc::Source::AuthorizationEndpoint => tok.front_channel.get_or_insert(step),
            };
        }
        self.a
            .id_tokens
            .push(oidc::IdToken::new(t, value, source, step));
        self.a.id_tokens.len() - 1
    }

    fn token_request(&mut self, p: &Parsed) {
        let (ex, url, query) = (p.ex, &p.url, &p.query);
        let fields = p.token_fields();
        let get = |name: &str| lookup(fields, name);
        let basic = p.basic.as_ref().map(|b| (self.basic_client(b), b));
        let (client_id, client_auth) = if let Some((id, _)) = &basic {
            (Some(id.as_str()), Some(ClientAuth::Basic))
        } else if let Some(id) = get("client_id") {
            (Some(id), Some(ClientAuth::Form))
        } else if let Some(id) = lookup(query, "client_id") {
            (Some(id), Some(ClientAuth::Query))
        } else {
            (None, None)
        };
        // Only the secret's digest is kept: a config's fingerprints are compared with it, and
        // the value itself is never a fact.
        let mut client_secret_in = Vec::new();
        if basic.as_ref().is_some_and(|(_, b)| b.has_secret) {
            client_secret_in.push(ClientAuth::Basic);
        }
        if get("client_secret").is_some_and(|s| !s.is_empty()) {
            client_secret_in.push(ClientAuth::Form);
        }
        if lookup(query, "client_secret").is_some_and(|s| !s.is_empty()) {
            client_secret_in.push(ClientAuth::Query);
        }
        let mut req = TokenRequest {
            secret_sha256: p.secret.as_deref().map(|s| self.fingerprints.of(s)),
            grant_type: self.share(get("grant_type")),
            client_id: self.share(client_id),
            client_auth,
            has_client_secret: basic.is_some() || get("client_secret").is_some(),
            redirect_uri: self.share(get("redirect_uri")),
            code_verifier_present: get("code_verifier").is_some(),
            code_verifier: get("code_verifier").map(str::to_string),
            client_secret_in,
            scope: self.share(get("scope")),
            endpoint: Some(if is_amazon_host(&url.host) {
                Endpoint::Lwa
            } else {
                Endpoint::Other
            }),
            body_present: ex
                .request
                .body
                .as_ref()
                .is_some_and(|b| !b.text.is_empty() || !b.params.is_empty()),
            ..TokenRequest::default()
        };
        let code = get("code").filter(|c| !c.is_empty());
        req.code = code.map(|c| self.code(c));
        let refresh = get("refresh_token").filter(|r| !r.is_empty());
        req.refresh_token = refresh.map(|r| self.token(r, TokenKind::Refresh));
        let redeems = req.redeems_code();
        let code_id = req.code;
        let refresh_id = req.refresh_token;
        let is_refresh_grant = req.grant_type.as_deref() == Some("refresh_token");
        let id = self.push(
            ex,
            StepKind::TokenRequest,
            Detail::TokenRequest(Box::new(req)),
        );
        if let (true, Some(c)) = (redeems, code_id) {
            self.a.codes[c].redemptions.push(id);
        }
        if let (true, Some(r)) = (is_refresh_grant, refresh_id) {
            self.use_token(r, id);
        }
        let response = p.token_answer.as_ref().map(|r| self.token_response(r, id));
        if let Some(Detail::TokenRequest(t)) = self.a.steps.get_mut(id).map(|s| &mut s.detail) {
            t.response = response;
        }
        let cred = basic.map(|(_, b)| b.cred.as_str());
        let artifacts = (code_id, refresh_id);
        self.locate_token_request(id, p.body_head, url.base, fields, cred, artifacts);
    }

    /// The client id of Basic credentials. Many clients (curl -u, Python requests) skip the
    /// form-encoding RFC 6749 asks for: when the id as sent names a client this capture
    /// already knows and the decoded one does not, the id as sent is the one meant.
    fn basic_client(&self, basic: &Basic) -> String {
        match &basic.raw {
            Some(raw) if self.known_client(raw) && !self.known_client(&basic.decoded) => {
                raw.clone()
            }
            _ => basic.decoded.clone(),
        }
    }

    /// Where a token request's URL, form fields and Basic credentials are written, for labels.
    /// A code or token sent in the form is located as the artifact it was interned as (its
    /// value is that text), not copied into the shared text again.
    fn locate_token_request(
        &mut self,
        id: usize,
        head: Option<&str>,
        base: &str,
        fields: &[(String, String)],
        basic: Option<&str>,
        (code, refresh): (Option<usize>, Option<usize>),
    ) {
        self.locate(id, "url", At::Url, &[base]);
        self.locate_body(id, head);
        let names = [
            "grant_type",
            "code",
            "redirect_uri",
            "client_id",
            "refresh_token",
            "code_verifier",
            "scope",
        ];
        for (field, v) in names.into_iter().zip(lookup_all(fields, names)) {
            let Some(v) = v else { continue };
            // A non-empty code or refresh token was interned (an empty one locates nothing).
            match (field, code, refresh) {
                ("code", Some(c), _) => self.locate_code(id, field, At::RequestBody, c),
                ("refresh_token", _, Some(t)) => self.locate_token(id, field, At::RequestBody, t),
                _ => self.locate(id, field, At::RequestBody, &[v]),
            }
        }
        if let Some(cred) = basic {
            self.locate(id, "client_id", At::Authorization, &[cred]);
        }
    }

    fn token_response(&mut self, answer: &TokenAnswer, step: usize) -> TokenResponse {
        let mut out = TokenResponse {
            status: answer.status,
            body_present: answer.body_present,
            error: answer.error.clone(),
            error_description: answer.error_description.clone(),
            token_type: self.share(answer.token_type.as_deref()),
            expires_in: answer.expires_in,
            ..TokenResponse::default()
        };
        for (key, kind, value) in [
            ("access_token", TokenKind::Access, &answer.access_token),
            ("refresh_token", TokenKind::Refresh, &answer.refresh_token),
        ] {
            if let Some(v) = value {
                let t = self.token(v, kind);
                if let Some(tok) = self.a.tokens.get_mut(t) {
                    tok.minted_by.get_or_insert(step);
                    if kind == TokenKind::Access {
                        tok.expires_in = out.expires_in;
                    }
                }
                match kind {
                    TokenKind::Access => out.access_token = Some(t),
                    TokenKind::Refresh | TokenKind::Id => out.refresh_token = Some(t),
                }
                self.locate_token(step, key, At::ResponseBody, t);
            }
        }
        if let Some(v) = &answer.id_token {
            let id = self.id_token(v, oidc::Source::TokenEndpoint, step);
            out.id_token = Some(id);
            if let Some(t) = self.a.id_tokens.get(id).map(|t| t.token) {
                self.locate_token(step, "id_token", At::ResponseBody, t);
            }
        }
        if let Some(e) = &out.error {
            let e = e.clone();
            self.locate(step, "error", At::ResponseBody, &[&e]);
        }
        out
    }

    fn activation(&mut self, ex: &Exchange, url: &Url) {
        let mut act = Activation {
            skill_id: skill_id(url.path),
            ..Activation::default()
        };
        let body = ex
            .request
            .body
            .as_ref()
            .filter(|b| !b.text.trim().is_empty());
        act.body_present = body.is_some();
        let mut auth_code = None;
        if let Some(body) = body {
            match serde_json::from_str::<serde_json::Value>(&body.text) {
                Ok(json) => {
                    act.body_json = Some(json.is_object());
                    let s = |v: &serde_json::Value| v.as_str().map(str::to_string);
                    act.stage = json.get("stage").and_then(s);
                    let link = json.get("accountLinkRequest");
                    act.redirect_uri = link.and_then(|l| l.get("redirectUri")).and_then(s);
                    act.link_type = link.and_then(|l| l.get("type")).and_then(s);
                    auth_code = link
                        .and_then(|l| l.get("authCode"))
                        .and_then(s)
                        .filter(|c| !c.is_empty());
                }
                Err(_) => act.body_json = Some(false),
            }
        }
        act.auth_code = auth_code.as_deref().map(|c| self.code(c));
        let token = bearer(ex);
        act.bearer = token.map(|t| self.token(t, TokenKind::Access));
        act.message = ex
            .response
            .as_ref()
            .and_then(|r| r.body.as_ref())
            .and_then(|b| serde_json::from_str::<serde_json::Value>(&b.text).ok())
            .and_then(|j| {
                j.get("message")
                    .and_then(|m| m.as_str())
                    .map(str::to_string)
            });
        if act.bearer.is_none() && ex.request.header("authorization").is_none() {
            self.stripped(ex.index, "the Alexa API call has no Authorization header");
        }
        let (code_id, bearer_id) = (act.auth_code, act.bearer);
        let message = act.message.clone();
        let id = self.push(ex, StepKind::Activation, Detail::Activation(Box::new(act)));
        if let Some(c) = code_id {
            self.a.codes[c].redemptions.push(id);
        }
        if let Some(t) = bearer_id {
            self.use_token(t, id);
        }
        self.locate(id, "url", At::Url, &[url.base]);
        self.locate_body(id, body_head(ex));
        if let Some(c) = code_id {
            self.locate_code(id, "auth_code", At::RequestBody, c);
            self.locate_code(id, "code", At::RequestBody, c);
        }
        if let Some(t) = bearer_id {
            self.locate_token(id, "bearer", At::Authorization, t);
        }
        if let Some(body) = ex.request.body.as_ref() {
            for key in ["stage", "redirectUri", "type"] {
                let field = match key {
                    "redirectUri" => "redirect_uri",
                    "type" => "link_type",
                    k => k,
                };
                if body.text.contains(&format!("\"{key}\"")) {
                    self.locate(id, field, At::RequestBody, &["\"", key, "\""]);
                }
            }
        }
        if let Some(m) = message {
            self.locate(id, "message", At::ResponseBody, &[&m]);
        }
    }

    fn lookup(&mut self, ex: &Exchange) {
        let token = bearer(ex);
        let bearer_id = token.map(|t| self.token(t, TokenKind::Access));
        if bearer_id.is_none() && ex.request.header("authorization").is_none() {
            self.stripped(ex.index, "the Alexa API call has no Authorization header");
        }
        let body = ex
            .response
            .as_ref()
            .and_then(|r| r.body.as_ref())
            .filter(|b| !b.text.trim().is_empty());
        let endpoints = body
            .and_then(|b| serde_json::from_str::<serde_json::Value>(&b.text).ok())
            .and_then(|j| {
                j.get("endpoints")?.as_array().map(|a| {
                    a.iter()
                        .filter_map(|e| e.as_str())
                        // Amazon documents URLs (`https://api.amazonalexa.com`); some
                        // answers carry bare hosts.
                        .map(|e| match e.contains("://") {
                            true => Url::parse(e).host.into_owned(),
                            false => Url::parse(&format!("https://{e}")).host.into_owned(),
                        })
                        .collect::<Vec<_>>()
                })
            });
        let id = self.push(
            ex,
            StepKind::EndpointLookup,
            Detail::EndpointLookup(Box::new(Lookup {
                bearer: bearer_id,
                endpoints,
                response_body_present: body.is_some(),
            })),
        );
        if let Some(t) = bearer_id {
            self.use_token(t, id);
        }
        if let Some(t) = bearer_id {
            self.locate_token(id, "bearer", At::Authorization, t);
        }
        self.locate(id, "endpoints", At::ResponseBody, &["\"endpoints\""]);
    }

    fn stripped(&mut self, entry: usize, why: &str) {
        if self.a.stripped.is_none() {
            self.a.stripped = Some(super::Stripped {
                entry,
                why: why.to_string(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two values with one hash are still two artifacts: each index is checked against the
    /// value kept, and the second value is found through the collided table.
    #[test]
    fn values_sharing_a_hash_keep_their_own_index() {
        let kept = ["first-token", "second-token"];
        let value_of = |i: usize| kept.get(i).copied();
        let mut ids = ByValue::default();
        assert_eq!(ids.get_hashed(7, "first-token", value_of), None);
        ids.insert_hashed(7, "first-token", 0);
        assert_eq!(ids.get_hashed(7, "second-token", value_of), None);
        ids.insert_hashed(7, "second-token", 1);
        assert_eq!(ids.get_hashed(7, "first-token", value_of), Some(0));
        assert_eq!(ids.get_hashed(7, "second-token", value_of), Some(1));
        assert_eq!(ids.get_hashed(7, "third-token", value_of), None);
        ids.insert_hashed(ByValue::hash("third-token"), "third-token", 2);
        let kept = ["first-token", "second-token", "third-token"];
        assert_eq!(ids.get("third-token", |i| kept.get(i).copied()), Some(2));
    }
}
