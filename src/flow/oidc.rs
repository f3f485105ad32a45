//! OpenID Connect: the front channel beyond `response_type=code` (answers in a fragment or a
//! form post), id_tokens as artifacts with their decoded claims, discovery documents and
//! userinfo answers. Like the rest of `flow`, it records what the capture shows; the rules
//! under `rules/oidc/` decide what is wrong with it.

use serde_json::{json, Map, Value};

use crate::config::Config;
use crate::model::{Capture, Exchange};
use crate::secret::{mask, policy};
use crate::wire::form::{names_any as form_names_any, pairs as form_pairs};

use super::facts::Facts;
use super::jwt::{self, Jwt};
use super::url::Url;
use super::{Analysis, Detail};

/// The parameters whose presence makes a redirect an authorization answer.
pub const ANSWER_PARAMS: &[&str] = &["code", "error", "id_token", "access_token"];

/// How an authorization answer reached the client (OAuth 2.0 Multiple Response Type Encoding
/// Practices; OAuth 2.0 Form Post Response Mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Query,
    Fragment,
    /// An HTML page whose form posts hidden inputs to the redirect URI, or that post itself.
    FormPost,
}

impl Delivery {
    pub fn name(self) -> &'static str {
        match self {
            Delivery::Query => "query",
            Delivery::Fragment => "fragment",
            Delivery::FormPost => "form_post",
        }
    }
}

/// Decoded name/value pairs, in order.
pub type Pairs = Vec<(String, String)>;

/// The answer parameters a URL carries, decoded once: its query's, else its fragment's (where
/// the implicit and hybrid flows put them). The raw text they came from is returned too, so
/// labels can find a value as written.
pub fn url_answer(url: &str) -> Option<(Pairs, Delivery, &str)> {
    let (before, fragment) = url.split_once('#').unwrap_or((url, ""));
    let query = before.split_once('?').map_or("", |(_, q)| q);
    if form_names_any(query, ANSWER_PARAMS) {
        return Some((form_pairs(query), Delivery::Query, query));
    }
    if form_names_any(fragment, ANSWER_PARAMS) {
        return Some((form_pairs(fragment), Delivery::Fragment, fragment));
    }
    None
}

/// A `response_mode=form_post` page: the action of its first form that posts, and the form's
/// hidden inputs, decoded. `None` for a page without such a form or without answer inputs.
pub fn form_post_page(html: &str) -> Option<(String, Pairs)> {
    let lower = html.to_ascii_lowercase();
    let start = lower.find("<form")?;
    let end = lower[start..]
        .find("</form")
        .map_or(lower.len(), |e| start + e);
    let tag_end = lower[start..].find('>').map(|e| start + e)?;
    let form_tag = &html[start..tag_end];
    if !attribute(form_tag, "method").is_some_and(|m| m.eq_ignore_ascii_case("post")) {
        return None;
    }
    let action = attribute(form_tag, "action")?;
    let mut inputs = Vec::new();
    let mut at = tag_end;
    while let Some(i) = lower[at..end].find("<input") {
        let open = at + i;
        let close = lower[open..end].find('>').map_or(end, |c| open + c);
        let tag = &html[open..close];
        if let Some(name) = attribute(tag, "name") {
            inputs.push((name, attribute(tag, "value").unwrap_or_default()));
        }
        at = close;
    }
    inputs
        .iter()
        .any(|(k, _)| ANSWER_PARAMS.contains(&k.as_str()))
        .then_some((action, inputs))
}

/// An HTML attribute's value, entities decoded; quoted with `"` or `'`, or bare.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(name) {
        let at = from + i;
        from = at + name.len();
        let before_ok = at == 0
            || lower.as_bytes()[at - 1].is_ascii_whitespace()
            || lower.as_bytes()[at - 1] == b'<';
        let rest = tag[from..].trim_start();
        let Some(rest) = rest.strip_prefix('=').map(str::trim_start) else {
            continue;
        };
        if !before_ok {
            continue;
        }
        let value = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => rest[1..].split(q).next().unwrap_or(""),
            _ => rest
                .split(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
                .next()
                .unwrap_or(""),
        };
        return Some(entities(value));
    }
    None
}

/// The character references HTML writers put in attribute values (`&amp;`, `&quot;`,
/// `&#39;`, `&#x2F;`…).
fn entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(semi) = rest.find(';').filter(|&j| j <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let name = &rest[1..semi];
        let ch = match name {
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "lt" => Some('<'),
            "gt" => Some('>'),
            _ => name
                .strip_prefix("#x")
                .or_else(|| name.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Where an id_token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A token response's `id_token` (the back channel).
    TokenEndpoint,
    /// An authorization answer's `id_token` (implicit or hybrid: the front channel).
    AuthorizationEndpoint,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::TokenEndpoint => "token_endpoint",
            Source::AuthorizationEndpoint => "authorization_endpoint",
        }
    }
}

/// OIDC Core §3.1.3.7 leaves the allowance to the client; five minutes is what the common
/// libraries allow (Microsoft.IdentityModel, oidc-client-ts).
pub const DEFAULT_CLOCK_SKEW: i64 = 300;

/// An id_token and what it can be checked against.
#[derive(Debug, Clone)]
pub struct IdToken {
    /// The token in `Analysis::tokens` (kind `Id`), so its Bearer uses link to it.
    pub token: usize,
    pub jwt: Option<Jwt>,
    pub source: Source,
    /// The step that received it: the token request or the authorization answer.
    pub received_by: usize,
    /// The client that asked for it (the token request's, else the authorize request's).
    pub client_id: Option<String>,
    /// The authorize request at the start of its flow.
    pub authorize: Option<usize>,
    /// The `nonce` that request sent.
    pub nonce_sent: Option<String>,
    pub at_hash_matches: Option<bool>,
    pub c_hash_matches: Option<bool>,
    /// The discovery document (index into `Analysis::discovery`) of the server it came from.
    pub discovery: Option<usize>,
    /// The site of the authorization server it came from, and of its `iss`, as
    /// [`super::issuer`] names them.
    pub server_site: Option<String>,
    pub iss_site: Option<String>,
    pub clock_skew: i64,
}

impl IdToken {
    pub fn new(token: usize, value: &str, source: Source, received_by: usize) -> IdToken {
        IdToken {
            token,
            jwt: jwt::decode(value),
            source,
            received_by,
            client_id: None,
            authorize: None,
            nonce_sent: None,
            at_hash_matches: None,
            c_hash_matches: None,
            discovery: None,
            server_site: None,
            iss_site: None,
            clock_skew: DEFAULT_CLOCK_SKEW,
        }
    }
}

/// A discovery document seen in the capture (OpenID Connect Discovery 1.0 §4).
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    pub entry: usize,
    pub url: String,
    pub issuer: Option<String>,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    pub userinfo_endpoint: Option<String>,
    pub jwks_uri: Option<String>,
}

/// A userinfo endpoint's answer (OIDC Core §5.3.2).
#[derive(Debug, Clone, Default)]
pub struct Userinfo {
    pub sub: Option<String>,
    /// The claim names it returned.
    pub claims: Vec<String>,
}

/// Links that need the whole capture: discovery documents, each id_token's client, nonce,
/// hashes and server, and which Bearer calls are userinfo requests.
pub fn link(a: &mut Analysis, capture: &Capture, config: &Config) {
    use rayon::prelude::*;
    // Every exchange is looked at, and each id_token and Bearer call is read on its own: on
    // every core (a long log's tens of thousands of entries on one thread left the other idle).
    a.discovery = capture
        .exchanges
        .par_iter()
        .with_min_len(1024)
        .filter_map(discovery)
        .collect();
    let skew = config.oidc.clock_skew_seconds.unwrap_or(DEFAULT_CLOCK_SKEW);
    let config = &*with_known_issuers(config, a);
    let linked: Vec<IdToken> = (0..a.id_tokens.len())
        .into_par_iter()
        .map(|i| IdToken {
            clock_skew: skew,
            ..id_token_links(a, capture, config, i)
        })
        .collect();
    a.id_tokens = linked;
    userinfo(a, capture);
}

/// The shipped `[issuers] groups` (`issuers.toml`): hosts that are one authorization server
/// though their sites differ, as their providers document them (Google signs in at
/// `accounts.google.com` and redeems codes at `oauth2.googleapis.com`).
pub const SHIPPED_ISSUERS: &str = include_str!("issuers.toml");

/// The groups of [`SHIPPED_ISSUERS`], read once (a test checks that it reads).
fn shipped_issuers() -> &'static [Vec<String>] {
    #[derive(serde::Deserialize)]
    struct Shipped {
        issuers: crate::config::Issuers,
    }
    static GROUPS: std::sync::OnceLock<Vec<Vec<String>>> = std::sync::OnceLock::new();
    GROUPS.get_or_init(|| {
        toml::from_str::<Shipped>(SHIPPED_ISSUERS)
            .map(|s| s.issuers.groups)
            .unwrap_or_default()
    })
}

/// The configuration with the `[issuers] groups` the capture and the providers prove: the
/// hosts of a discovery document's authorization and token endpoints are one server, and so
/// are the shipped groups ([`SHIPPED_ISSUERS`]). The user's own groups come first and win.
pub fn with_known_issuers<'c>(config: &'c Config, a: &Analysis) -> std::borrow::Cow<'c, Config> {
    let mut groups: Vec<Vec<String>> = Vec::new();
    for d in &a.discovery {
        let hosts: Vec<String> = [&d.authorization_endpoint, &d.token_endpoint]
            .into_iter()
            .flatten()
            .map(|u| Url::parse(u).host.into_owned())
            .collect();
        if hosts.len() == 2 && hosts[0] != hosts[1] {
            groups.push(hosts);
        }
    }
    groups.extend(shipped_issuers().iter().cloned());
    let mut c = config.clone();
    c.issuers.groups.extend(groups);
    std::borrow::Cow::Owned(c)
}

/// Where an OpenID Provider's discovery document is served (OpenID Connect Discovery §4).
const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";

/// Whether a request asks for a discovery document: its path ends with [`DISCOVERY_PATH`].
fn asks_discovery(url: &str) -> bool {
    // A path that ends so is in the URL's text: most exchanges are passed over on that, not
    // parsed (every exchange of a long log, on one core).
    url.contains(DISCOVERY_PATH) && Url::parse(url).path.ends_with(DISCOVERY_PATH)
}

fn discovery(ex: &Exchange) -> Option<Discovery> {
    if !asks_discovery(&ex.request.url) {
        return None;
    }
    let body = ex.response.as_ref()?.body.as_ref()?;
    let Ok(Value::Object(doc)) = serde_json::from_str::<Value>(&body.text) else {
        return None;
    };
    let text = |k: &str| doc.get(k).and_then(Value::as_str).map(str::to_string);
    Some(Discovery {
        entry: ex.index,
        url: ex.request.url.clone(),
        issuer: text("issuer"),
        authorization_endpoint: text("authorization_endpoint"),
        token_endpoint: text("token_endpoint"),
        userinfo_endpoint: text("userinfo_endpoint"),
        jwks_uri: text("jwks_uri"),
    })
}

/// Two endpoint URLs are the same endpoint when scheme, host, port and path agree.
fn same_endpoint(a: &str, b: &str) -> bool {
    let (a, b) = (Url::parse(a), Url::parse(b));
    a.scheme == b.scheme
        && a.base.eq_ignore_ascii_case(b.base)
        && !a.base.is_empty()
        && a.path.trim_end_matches('/') == b.path.trim_end_matches('/')
}

fn request_url(capture: &Capture, a: &Analysis, step: usize) -> Option<String> {
    let entry = a.steps.get(step)?.entry;
    Some(
        capture
            .exchanges
            .get(entry.checked_sub(1)?)?
            .request
            .url
            .clone(),
    )
}

fn id_token_links(a: &Analysis, capture: &Capture, config: &Config, i: usize) -> IdToken {
    let mut t = a.id_tokens[i].clone();
    let alg = t.jwt.as_ref().and_then(|j| j.alg().map(str::to_string));
    let claim = |name: &str| {
        t.jwt
            .as_ref()
            .and_then(|j| j.claim_str(name).map(str::to_string))
    };
    let (at_hash, c_hash, iss) = (claim("at_hash"), claim("c_hash"), claim("iss"));
    let hash_of = |value: Option<&str>, claimed: &Option<String>| -> Option<bool> {
        let expected = jwt::left_half_hash(alg.as_deref()?, value?)?;
        Some(&expected == claimed.as_ref()?)
    };
    let token_value =
        |tok: Option<usize>| tok.and_then(|x| a.tokens.get(x)).map(|x| x.value.as_str());
    let code_value = |c: Option<usize>| c.and_then(|x| a.codes.get(x)).map(|x| x.value.as_str());
    let mut server_url = None;
    match a.steps.get(t.received_by).map(|s| &s.detail) {
        Some(Detail::TokenRequest(req)) => {
            t.authorize = req.code.and_then(|c| a.codes.get(c)?.origin);
            let auth = t.authorize.and_then(|x| a.authorize(x));
            t.client_id = req
                .client_id
                .as_deref()
                .or_else(|| auth.and_then(|x| x.client_id.as_deref()))
                .map(str::to_string);
            let access = req.response.as_ref().and_then(|r| r.access_token);
            t.at_hash_matches = hash_of(token_value(access), &at_hash);
            t.c_hash_matches = hash_of(code_value(req.code), &c_hash);
            let token_url = request_url(capture, a, t.received_by);
            t.discovery = a.discovery.iter().position(|d| {
                d.token_endpoint
                    .as_deref()
                    .zip(token_url.as_deref())
                    .is_some_and(|(x, y)| same_endpoint(x, y))
            });
        }
        Some(Detail::Answer(ans)) => {
            t.authorize = Some(ans.authorize);
            t.client_id = a
                .authorize(ans.authorize)
                .and_then(|x| x.client_id.as_deref())
                .map(str::to_string);
            t.at_hash_matches = hash_of(token_value(ans.access_token), &at_hash);
            t.c_hash_matches = hash_of(code_value(ans.code), &c_hash);
        }
        _ => {}
    }
    if let Some(auth_step) = t.authorize {
        t.nonce_sent = a.authorize(auth_step).and_then(|x| x.nonce.clone());
        server_url = request_url(capture, a, auth_step);
        if t.discovery.is_none() {
            t.discovery = a.discovery.iter().position(|d| {
                d.authorization_endpoint
                    .as_deref()
                    .zip(server_url.as_deref())
                    .is_some_and(|(x, y)| same_endpoint(x, y))
            });
        }
    }
    // No document names the endpoints used: the one document fetched from their host is what
    // the client's library checks the issuer against (Okta's org server's document, say,
    // beside a custom server's endpoints). Two documents on that host leave it open.
    if t.discovery.is_none() {
        let token_url = request_url(capture, a, t.received_by);
        let hosts: Vec<String> = [server_url.as_deref(), token_url.as_deref()]
            .into_iter()
            .flatten()
            .map(|u| Url::parse(u).host.into_owned())
            .collect();
        let on_host: Vec<usize> = a
            .discovery
            .iter()
            .enumerate()
            .filter(|(_, d)| hosts.iter().any(|h| *h == Url::parse(&d.url).host))
            .map(|(i, _)| i)
            .collect();
        if let [only] = on_host.as_slice() {
            t.discovery = Some(*only);
        }
    }
    // Without a document, the authorization server's own host is the next best evidence of
    // the issuer: the authorize request's (a token endpoint is often on another host, as
    // Google's `oauth2.googleapis.com` is, so it proves nothing).
    t.server_site = server_url
        .as_deref()
        .map(|u| super::issuer(None, &Url::parse(u).host, config));
    t.iss_site = iss
        .as_deref()
        .filter(|i| i.contains("://"))
        .map(|i| super::issuer(None, &Url::parse(i).host, config));
    if let (Some(server), Some(iss)) = (&t.server_site, &t.iss_site) {
        let pair = |a: &str, b: &str| {
            ISSUING_SITES
                .iter()
                .any(|(x, y)| (*x == a && *y == b) || (*x == b && *y == a))
        };
        if pair(server, iss) {
            t.iss_site = Some(server.clone());
        }
    }
    t
}

/// Sites where a provider signs users in and the site its id_tokens name as issuer, when they
/// differ by design: Entra ID's v1 endpoints issue as `sts.windows.net`, Amazon Cognito's hosted
/// UI (`*.amazoncognito.com`) as `cognito-idp.<region>.amazonaws.com`.
const ISSUING_SITES: &[(&str, &str)] = &[
    ("microsoftonline.com", "windows.net"),
    ("amazoncognito.com", "amazonaws.com"),
];

/// A Bearer call to a userinfo endpoint: the discovery document's `userinfo_endpoint`, or a
/// path every provider we know ends it with.
fn userinfo(a: &mut Analysis, capture: &Capture) {
    use rayon::prelude::*;
    let found: Vec<(usize, Userinfo)> = a
        .steps
        .par_iter()
        .enumerate()
        .with_min_len(1024)
        .filter_map(|(i, step)| Some((i, userinfo_of(a, capture, step)?)))
        .collect();
    a.userinfo = found.into_iter().collect();
}

/// What a step's answer says, when it is a Bearer call to a userinfo endpoint.
fn userinfo_of(a: &Analysis, capture: &Capture, step: &super::Step) -> Option<Userinfo> {
    if !matches!(step.detail, Detail::BearerCall { .. }) {
        return None;
    }
    let ex = capture.exchanges.get(step.entry.wrapping_sub(1))?;
    let by_doc = a.discovery.iter().any(|d| {
        d.userinfo_endpoint
            .as_deref()
            .is_some_and(|u| same_endpoint(u, &ex.request.url))
    });
    let url = Url::parse(&ex.request.url);
    if !(by_doc || url.path.trim_end_matches('/').ends_with("/userinfo")) {
        return None;
    }
    let json = ex
        .response
        .as_ref()
        .and_then(|r| r.body.as_ref())
        .and_then(|b| serde_json::from_str::<Value>(&b.text).ok());
    let mut info = Userinfo::default();
    if let Some(Value::Object(m)) = json {
        info.sub = m.get("sub").and_then(Value::as_str).map(str::to_string);
        info.claims = m.keys().cloned().collect();
    }
    Some(info)
}

/// Facts of the OIDC artifacts, shaped as `schema.rs` documents them.
impl Facts<'_> {
    pub fn id_token_facts(&self, i: usize) -> Option<Value> {
        let a = self.analysis;
        let t = a.id_tokens.get(i)?;
        let value = &a.tokens.get(t.token)?.value;
        let mut m = Map::new();
        m.insert("value".into(), json!(mask(value)));
        m.insert("source".into(), json!(t.source.name()));
        m.insert("decoded".into(), json!(t.jwt.is_some()));
        let step = a.steps.get(t.received_by);
        if let Some(step) = step {
            m.insert("entry".into(), json!(step.entry));
        }
        if let Some(jwt) = &t.jwt {
            claim_facts(jwt, &mut m);
        }
        let put = |m: &mut Map<String, Value>, k: &str, v: Option<Value>| {
            if let Some(v) = v {
                m.insert(k.into(), v);
            }
        };
        put(
            &mut m,
            "at_hash_matches",
            t.at_hash_matches.map(|b| json!(b)),
        );
        put(&mut m, "c_hash_matches", t.c_hash_matches.map(|b| json!(b)));
        put(&mut m, "client_id", t.client_id.as_ref().map(|c| json!(c)));
        put(
            &mut m,
            "authorize_entry",
            t.authorize
                .and_then(|x| a.steps.get(x))
                .map(|s| json!(s.entry)),
        );
        put(
            &mut m,
            "nonce_sent",
            t.nonce_sent
                .as_deref()
                .map(|n| json!(policy::claim("nonce", n))),
        );
        if let Some(d) = t.discovery.and_then(|d| a.discovery.get(d)) {
            m.insert("discovery_entry".into(), json!(d.entry));
            // A multi-tenant document (Entra ID's `common`, `organizations`) names the issuer
            // as a template: the token's own tenant fills it in.
            let tid = t.jwt.as_ref().and_then(|j| j.claim_str("tid"));
            let issuer = d.issuer.as_deref().map(|x| match tid {
                Some(tid) if x.contains("{tenantid}") => x.replace("{tenantid}", tid),
                _ => x.to_string(),
            });
            put(
                &mut m,
                "discovery_issuer",
                issuer.map(|x| json!(policy::claim("iss", &x))),
            );
        }
        put(
            &mut m,
            "server_site",
            t.server_site.as_ref().map(|x| json!(x)),
        );
        put(&mut m, "iss_site", t.iss_site.as_ref().map(|x| json!(x)));
        put(
            &mut m,
            "received_at",
            step.and_then(|s| self.capture.exchanges.get(s.entry.checked_sub(1)?))
                .and_then(|ex| ex.started)
                .map(|t| json!((t.unix_timestamp_nanos() / 1_000_000) as f64 / 1000.0)),
        );
        m.insert("clock_skew".into(), json!(t.clock_skew));
        Some(Value::Object(m))
    }

    /// The discovery documents, as `capture.discovery` lists them.
    pub fn discovery_facts(&self) -> Value {
        let docs = self.analysis.discovery.iter().map(|d| {
            let mut m = Map::new();
            m.insert("entry".into(), json!(d.entry));
            m.insert("url".into(), json!(policy::url(&d.url, &mut policy::Mask)));
            for (k, v) in [
                ("issuer", &d.issuer),
                ("authorization_endpoint", &d.authorization_endpoint),
                ("token_endpoint", &d.token_endpoint),
                ("userinfo_endpoint", &d.userinfo_endpoint),
                ("jwks_uri", &d.jwks_uri),
            ] {
                if let Some(v) = v {
                    m.insert(k.into(), json!(policy::url(v, &mut policy::Mask)));
                }
            }
            Value::Object(m)
        });
        Value::Array(docs.collect())
    }

    pub fn userinfo_facts(&self, step: usize) -> Option<Value> {
        let u = self.analysis.userinfo.get(&step)?;
        let mut m = Map::new();
        if let Some(sub) = &u.sub {
            m.insert("sub".into(), json!(policy::claim("sub", sub)));
        }
        m.insert("claims".into(), json!(u.claims));
        Some(Value::Object(m))
    }
}

/// What an id_token's claims say, as its facts show them (masked where the policy says).
fn claim_facts(jwt: &super::jwt::Jwt, m: &mut Map<String, Value>) {
    let put_claim = |m: &mut Map<String, Value>, name: &str, v: Option<&str>| {
        if let Some(v) = v {
            m.insert(name.into(), json!(policy::claim(name, v)));
        }
    };
    put_claim(m, "alg", jwt.alg());
    put_claim(m, "iss", jwt.claim_str("iss"));
    put_claim(m, "sub", jwt.claim_str("sub"));
    put_claim(m, "azp", jwt.claim_str("azp"));
    put_claim(m, "nonce", jwt.claim_str("nonce"));
    if let Some(aud) = jwt.audiences() {
        let aud: Vec<String> = aud.iter().map(|x| policy::claim("aud", x)).collect();
        m.insert("aud".into(), json!(aud));
    }
    for (name, readable) in [("exp", "exp_time"), ("iat", "iat_time")] {
        if let Some(n) = jwt.claim_time(name) {
            m.insert(name.into(), json!(n));
            let at = time::OffsetDateTime::from_unix_timestamp(n).ok();
            let text = at.and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            });
            if let Some(text) = text {
                m.insert(readable.into(), json!(text));
            }
        }
    }
    m.insert(
        "has_at_hash".into(),
        json!(jwt.claim_str("at_hash").is_some()),
    );
    m.insert(
        "has_c_hash".into(),
        json!(jwt.claim_str("c_hash").is_some()),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text search before the parse passes over no URL whose path asks for discovery.
    #[test]
    fn discovery_requests_are_those_whose_path_ends_so() {
        for url in [
            "https://id.example.com/.well-known/openid-configuration",
            "https://id.example.com/tenant/.well-known/openid-configuration?x=1#f",
            "https://id.example.com/.well-known/openid-configuration/",
            "https://id.example.com/x?next=/.well-known/openid-configuration",
            "https://id.example.com/x#/.well-known/openid-configuration",
            "/.well-known/openid-configuration",
            "https://id.example.com/.well-known/OPENID-configuration",
            "https://id.example.com/",
            "",
        ] {
            assert_eq!(
                asks_discovery(url),
                Url::parse(url).path.ends_with(DISCOVERY_PATH),
                "{url}"
            );
        }
    }

    #[test]
    fn answers_in_the_query_win_over_the_fragment() {
        let (p, d, raw) = url_answer("https://app/cb?code=c1&state=s#id_token=x").expect("answer");
        assert_eq!(d, Delivery::Query);
        assert_eq!(raw, "code=c1&state=s");
        assert_eq!(p[0], ("code".to_string(), "c1".to_string()));
        let (p, d, _) =
            url_answer("https://app/cb#access_token=a%7Cb&token_type=Bearer").expect("answer");
        assert_eq!(d, Delivery::Fragment);
        assert_eq!(p[0].1, "a|b");
        assert!(url_answer("https://app/cb?page=2#top").is_none());
    }

    #[test]
    fn reads_a_form_post_page() {
        let page = r#"<html><body onload="javascript:document.forms[0].submit()">
<form method="post" action="https://app.example.com/cb?x=1&amp;y=2">
<input type="hidden" name="code" value="c&#x2F;1"/>
<input type='hidden' name='state' value='s&quot;'>
<input type=hidden name=id_token value=eyJ.a.b>
</form></body></html>"#;
        let (action, inputs) = form_post_page(page).expect("a form post");
        assert_eq!(action, "https://app.example.com/cb?x=1&y=2");
        assert_eq!(
            inputs,
            vec![
                ("code".to_string(), "c/1".to_string()),
                ("state".to_string(), "s\"".to_string()),
                ("id_token".to_string(), "eyJ.a.b".to_string()),
            ]
        );
        // A login form is no answer: none of its inputs are answer parameters.
        let login = r#"<form method="post" action="/login"><input name="username"></form>"#;
        assert!(form_post_page(login).is_none());
        let get = r#"<form action="/cb"><input type="hidden" name="code" value="c"></form>"#;
        assert!(form_post_page(get).is_none());
    }

    /// Google's hosts are one server by the shipped `issuers.toml`, not by code: the file
    /// reads, names them as before, and a user's own group wins over it.
    #[test]
    fn google_hosts_are_one_server_by_the_shipped_groups() {
        assert!(
            shipped_issuers()
                .iter()
                .any(|g| g.iter().any(|h| h == "oauth2.googleapis.com")),
            "issuers.toml reads and lists Google's token host"
        );
        let a = Analysis::default();
        let base = Config::default();
        let config = with_known_issuers(&base, &a);
        let issuer = |host: &str| super::super::issuer(None, host, &config);
        assert_eq!(issuer("oauth2.googleapis.com"), "accounts.google.com");
        assert_eq!(issuer("ACCOUNTS.google.com"), "accounts.google.com");
        assert_eq!(issuer("people.googleapis.com"), "google.com");
        assert_eq!(issuer("googleapis.com"), "googleapis.com");
        assert_eq!(issuer("auth.example.com"), "example.com");
        // Without the shipped groups, Google's hosts are two sites.
        let bare = super::super::issuer(None, "oauth2.googleapis.com", &Config::default());
        assert_eq!(bare, "googleapis.com");
        let mut mine = Config::default();
        mine.issuers.groups = vec![vec!["google".into(), "oauth2.googleapis.com".into()]];
        let config = with_known_issuers(&mine, &a);
        assert_eq!(
            super::super::issuer(None, "oauth2.googleapis.com", &config),
            "google"
        );
    }
}
