//! Reconstruction: classifies exchanges into OAuth steps, extracts artifacts with where they
//! came from, links them into a lineage graph and tags client ids with profiles. This module
//! records what the capture shows; it has no opinions (those live in `rules/`).

mod classify;
pub mod facts;
pub mod jwt;
pub(crate) mod keys;
mod links;
mod locators;
pub mod oidc;
mod parsed;
mod profile;
mod recognize;
pub mod sanitized;
pub mod schema;
pub mod security;
pub mod url;

use std::collections::BTreeMap;

use rayon::prelude::*;
use time::OffsetDateTime;

use crate::config::Config;
use crate::model::Capture;

pub use locators::Locators;
pub use profile::{Client, Profile, ProfileSource};

/// The scope that gets the Amazon authorization code and token for app-to-app linking.
pub const ALEXA_SCOPE: &str = "alexa::skills::account_linking";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    Authorize,
    Answer,
    TokenRequest,
    EndpointLookup,
    Activation,
    BearerCall,
}

impl StepKind {
    pub const ALL: [StepKind; 6] = [
        StepKind::Authorize,
        StepKind::Answer,
        StepKind::TokenRequest,
        StepKind::EndpointLookup,
        StepKind::Activation,
        StepKind::BearerCall,
    ];

    pub fn name(self) -> &'static str {
        match self {
            StepKind::Authorize => "authorize",
            StepKind::Answer => "authorize_answer",
            StepKind::TokenRequest => "token_request",
            StepKind::EndpointLookup => "endpoint_lookup",
            StepKind::Activation => "activation",
            StepKind::BearerCall => "bearer_call",
        }
    }

    pub fn from_name(name: &str) -> Option<StepKind> {
        StepKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// Which kind of server an OAuth endpoint belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// Login with Amazon (`www.amazon.com/ap/oa`, `api.amazon.com/auth/o2/token`).
    Lwa,
    /// The Alexa app's account-linking consent page.
    AlexaApp,
    /// Any other authorization server (typically the skill's own).
    Other,
}

impl Endpoint {
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Lwa => "lwa",
            Endpoint::AlexaApp => "alexa_app",
            Endpoint::Other => "other",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Step {
    pub entry: usize,
    pub kind: StepKind,
    pub detail: Detail,
    /// The flow (connected part of the lineage graph) this step belongs to, numbered from 1.
    pub flow: usize,
}

/// What a step holds, by kind. Each kind's detail is boxed: a step is 40 bytes whatever its
/// kind, and each detail takes only its own size (a token request's is ten times a Bearer
/// call's), which matters on a log of tens of thousands of steps.
#[derive(Debug, Clone)]
pub enum Detail {
    Authorize(Box<Authorize>),
    Answer(Box<Answer>),
    TokenRequest(Box<TokenRequest>),
    EndpointLookup(Box<Lookup>),
    Activation(Box<Activation>),
    BearerCall { bearer: usize },
}

/// A text many steps repeat (a client id, a redirect URI, a scope, a grant type), kept once
/// and shared: reconstruction interns it (a test suite's log sends thousands of authorize and
/// token requests naming the same few). Reads as a `str` (`.as_deref()`).
pub type Shared = std::sync::Arc<str>;

#[derive(Debug, Clone, Default)]
pub struct Authorize {
    pub client_id: Option<Shared>,
    /// The `scope` parameter decoded once.
    pub scope: Option<Shared>,
    pub scopes: Vec<String>,
    pub redirect_uri: Option<Shared>,
    pub state: Option<String>,
    pub response_type: Option<Shared>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    /// OpenID Connect's `nonce` and the OAuth `response_mode`.
    pub nonce: Option<String>,
    pub response_mode: Option<String>,
    pub endpoint: Option<Endpoint>,
    /// The authorization server, as [`issuer`] names it.
    pub issuer: Option<Shared>,
    /// What its code became, from the code's path through the capture.
    pub role: Option<Role>,
    /// The answer step, once one is correlated.
    pub answer: Option<usize>,
}

/// The step of the flow an authorize request serves, from where its code went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Its code was redeemed for a token that was sent as Bearer to the Alexa API: the Amazon
    /// authorization code (steps 1 and 2).
    AmazonCode,
    /// Its code was sent as `accountLinkRequest.authCode`: the user's code for the skill
    /// (step 3).
    LinkCode,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::AmazonCode => "amazon_code",
            Role::LinkCode => "link_code",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The `Location` header (or HAR `redirectURL`) of a redirect response.
    Location,
    /// The URL of a request that delivered the answer (the browser following the redirect).
    Url,
    /// A `form_post` page: a form that posts the answer to the redirect URI.
    Page,
}

#[derive(Debug, Clone)]
pub struct Answer {
    pub authorize: usize,
    pub url: String,
    pub via: Via,
    pub code: Option<usize>,
    pub error: Option<String>,
    pub error_description: Option<String>,
    pub state: Option<String>,
    /// On an error answer: the entry of a later answer with a code for the same client (the
    /// user tried again and got through).
    pub recovered_at: Option<usize>,
    /// Where the parameters were: the query, the fragment, or a form post.
    pub delivery: oidc::Delivery,
    /// The id_token (index into `Analysis::id_tokens`) and access token it carries.
    pub id_token: Option<usize>,
    pub access_token: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    Form,
    Basic,
    Query,
}

impl ClientAuth {
    pub fn name(self) -> &'static str {
        match self {
            ClientAuth::Form => "form",
            ClientAuth::Basic => "basic",
            ClientAuth::Query => "query",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct TokenRequest {
    pub grant_type: Option<Shared>,
    pub client_id: Option<Shared>,
    pub client_auth: Option<ClientAuth>,
    pub has_client_secret: bool,
    /// The SHA-256 of the client secret sent (form, Basic or query), lower-case hex.
    pub secret_sha256: Option<Shared>,
    /// The profile whose `client_secret_sha256` in tokentrail.toml matches that secret.
    pub secret_profile: Option<Profile>,
    pub code: Option<usize>,
    pub redirect_uri: Option<Shared>,
    pub code_verifier_present: bool,
    /// The PKCE `code_verifier` sent, compared with its code's challenge when facts are made.
    pub code_verifier: Option<String>,
    /// Where a non-empty client secret was sent: each of Basic, the form body, the query.
    pub client_secret_in: Vec<ClientAuth>,
    pub scope: Option<Shared>,
    pub refresh_token: Option<usize>,
    pub endpoint: Option<Endpoint>,
    /// The authorization server the token endpoint belongs to, as [`issuer`] names it.
    pub issuer: Option<Shared>,
    pub body_present: bool,
    pub response: Option<TokenResponse>,
    /// On an error answer: the entry of a later token request of the same client and grant
    /// that got a token.
    pub recovered_at: Option<usize>,
}

impl TokenRequest {
    /// Only an `authorization_code` grant redeems a code (RFC 6749 §4.1.3).
    pub fn redeems_code(&self) -> bool {
        self.grant_type.as_deref() == Some("authorization_code")
    }
}

#[derive(Debug, Clone, Default)]
pub struct TokenResponse {
    pub status: u16,
    pub body_present: bool,
    pub error: Option<String>,
    pub error_description: Option<String>,
    pub access_token: Option<usize>,
    pub refresh_token: Option<usize>,
    pub expires_in: Option<i64>,
    pub token_type: Option<Shared>,
    /// The id_token it returned (index into `Analysis::id_tokens`).
    pub id_token: Option<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct Lookup {
    pub bearer: Option<usize>,
    /// The hosts returned (an entry may be a bare host or a URL), lower case.
    pub endpoints: Option<Vec<String>>,
    pub response_body_present: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Activation {
    pub skill_id: Option<String>,
    pub body_present: bool,
    pub body_json: Option<bool>,
    pub stage: Option<String>,
    pub link_type: Option<String>,
    pub redirect_uri: Option<String>,
    pub auth_code: Option<usize>,
    pub bearer: Option<usize>,
    /// The `message` of the server's answer, when it sent one.
    pub message: Option<String>,
    /// The latest endpoint lookup before it that returned endpoints (one with the same Bearer
    /// token when there is one).
    pub lookup: Option<usize>,
}

/// An authorization code and everything the capture shows it doing.
#[derive(Debug, Clone)]
pub struct Code {
    pub value: String,
    /// The authorize step it answers.
    pub origin: Option<usize>,
    /// The answer step that carried it first.
    pub issued: Option<usize>,
    /// Steps that redeemed it: `authorization_code` token requests and activations.
    pub redemptions: Vec<usize>,
    /// Entries that carried it without redeeming it (the browser following the redirect).
    pub deliveries: Vec<usize>,
    /// How long its issuer keeps it valid, in seconds, and where that number comes from.
    pub lifetime: Option<(i64, LifetimeSource)>,
}

/// Where a code's lifetime comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifetimeSource {
    /// Login with Amazon's documented 5 minutes.
    Lwa,
    /// `[codes]` in tokentrail.toml.
    Config,
    /// The default for other issuers, 10 minutes.
    Default,
}

impl LifetimeSource {
    pub fn name(self) -> &'static str {
        match self {
            LifetimeSource::Lwa => "lwa",
            LifetimeSource::Config => "config",
            LifetimeSource::Default => "default",
        }
    }
}

/// Login with Amazon codes are valid for 5 minutes.
pub const LWA_CODE_LIFETIME: i64 = 300;
/// RFC 6749 §4.1.2 recommends at most 10 minutes; used for issuers the config does not name.
pub const DEFAULT_CODE_LIFETIME: i64 = 600;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Refresh,
    /// An OpenID Connect id_token: for the client, never a credential for an API.
    Id,
}

impl TokenKind {
    pub fn name(self) -> &'static str {
        match self {
            TokenKind::Access => "access",
            TokenKind::Refresh => "refresh",
            TokenKind::Id => "id",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Token {
    pub value: String,
    pub kind: TokenKind,
    /// The token request whose response minted it.
    pub minted_by: Option<usize>,
    /// The authorization answer that brought it in the front channel (implicit, hybrid).
    pub front_channel: Option<usize>,
    /// Steps that used it: Bearer calls for access tokens, refresh grants for refresh tokens.
    pub uses: Vec<usize>,
    pub expires_in: Option<i64>,
}

/// Evidence that the recording tool removed credential headers.
#[derive(Debug, Clone)]
pub struct Stripped {
    pub entry: usize,
    pub why: String,
}

/// Everything reconstruction learned about one capture.
#[derive(Debug, Default)]
pub struct Analysis {
    pub steps: Vec<Step>,
    pub codes: Vec<Code>,
    pub tokens: Vec<Token>,
    pub id_tokens: Vec<oidc::IdToken>,
    pub discovery: Vec<oidc::Discovery>,
    /// Bearer calls to a userinfo endpoint, by step.
    pub userinfo: BTreeMap<usize, oidc::Userinfo>,
    pub clients: BTreeMap<String, Client>,
    /// Where each step's facts appear in its entry, for labels (see [`Analysis::locator`]).
    pub locators: Locators,
    pub stripped: Option<Stripped>,
    pub start: Option<OffsetDateTime>,
    pub flows: usize,
    /// Limits the capture went over (set by `check_capture`, which applies them).
    pub limits_hit: Vec<crate::limits::LimitHit>,
    /// Later requests whose `Referer` carries a code or token of this capture.
    pub referer_leaks: Vec<security::RefererLeak>,
    /// The capture is a copy `tokentrail sanitize` wrote (looked for only when a token request
    /// sends a PKCE verifier, the one fact it changes).
    pub sanitized: bool,
    /// What [`analyze`] read of the clients' profiles, kept for [`decide_profiles`].
    pub(crate) readings: Option<profile::Readings>,
}

impl Analysis {
    /// Gives back what the lists grown during reconstruction hold beyond their items: the
    /// analysis is kept through the rules, beside the facts they build (a dense log's steps,
    /// codes and tokens are tens of thousands each, in lists grown by doubling).
    fn shrink(&mut self) {
        self.steps.shrink_to_fit();
        self.codes.shrink_to_fit();
        self.tokens.shrink_to_fit();
        self.id_tokens.shrink_to_fit();
        // Each list on its own, on every core (tens of thousands of them).
        rayon::join(
            || {
                self.tokens
                    .par_iter_mut()
                    .with_min_len(1024)
                    .for_each(|t| t.uses.shrink_to_fit());
            },
            || {
                self.codes.par_iter_mut().with_min_len(1024).for_each(|c| {
                    c.redemptions.shrink_to_fit();
                    c.deliveries.shrink_to_fit();
                });
            },
        );
    }

    pub fn step(&self, i: usize) -> Option<&Step> {
        self.steps.get(i)
    }

    pub fn authorize(&self, i: usize) -> Option<&Authorize> {
        match &self.steps.get(i)?.detail {
            Detail::Authorize(a) => Some(a),
            _ => None,
        }
    }

    pub fn token_request(&self, i: usize) -> Option<&TokenRequest> {
        match &self.steps.get(i)?.detail {
            Detail::TokenRequest(t) => Some(t),
            _ => None,
        }
    }

    /// The authorize step at the root of a token's lineage, following refresh grants back to
    /// the code exchange that started it.
    pub fn token_root(&self, token: usize) -> Option<usize> {
        let mut current = self.tokens.get(token)?;
        // A refresh chain is short; the bound only guards against a cycle of reused values.
        for _ in 0..16 {
            let req = self.token_request(current.minted_by?)?;
            if let Some(code) = req.code.filter(|_| req.redeems_code()) {
                return self.codes.get(code)?.origin;
            }
            current = self.tokens.get(req.refresh_token?)?;
        }
        None
    }

    /// Whether the capture shows any part of the Alexa flow (Login with Amazon, the Alexa
    /// app's consent page, the Alexa API) or a client the user declared: only then do
    /// reports and rules speak of skills and profiles.
    pub fn shows_alexa(&self) -> bool {
        self.steps.iter().any(|s| match &s.detail {
            Detail::Authorize(x) => {
                matches!(x.endpoint, Some(Endpoint::Lwa | Endpoint::AlexaApp))
            }
            Detail::TokenRequest(t) => t.endpoint == Some(Endpoint::Lwa),
            Detail::EndpointLookup(_) | Detail::Activation(_) => true,
            _ => false,
        }) || self
            .clients
            .values()
            .any(|c| c.source == ProfileSource::Config)
    }

    /// The client of the token request that minted a token (a refresh grant names its own).
    pub fn token_client(&self, token: usize) -> Option<&str> {
        let req = self.token_request(self.tokens.get(token)?.minted_by?)?;
        req.client_id.as_deref()
    }
}

/// Login with Amazon codes: `AN` and 18 letters.
pub fn is_lwa_code(value: &str) -> bool {
    value.len() == 20 && value.starts_with("AN") && value.bytes().all(|b| b.is_ascii_alphabetic())
}

/// Reconstructs the OAuth steps of a capture.
pub fn analyze(capture: &Capture, config: &Config) -> Analysis {
    let mut analysis = classify::classify(capture);
    assign_flows(&mut analysis);
    links::link(&mut analysis, capture, config);
    oidc::link(&mut analysis, capture, config);
    // After linking: an authorize request's answer is evidence of its client's profile.
    profile::infer(&mut analysis, config);
    let config = oidc::with_known_issuers(config, &analysis);
    servers_and_secrets(&mut analysis, capture, &config);
    roles(&mut analysis);
    analysis.referer_leaks = security::referer_leaks(&analysis, capture);
    analysis.sanitized = analysis
        .steps
        .iter()
        .any(|s| matches!(&s.detail, Detail::TokenRequest(t) if t.code_verifier.is_some()))
        && security::sanitized_copy(capture);
    analysis.shrink();
    analysis
}

/// Each authorize request's role, from its code's path: issued → redeemed → sent as Bearer to
/// the Alexa API (the Amazon code), or sent as `accountLinkRequest.authCode` (the link code).
/// A code that is both is the Amazon code, sent where the link code belongs.
fn roles(a: &mut Analysis) {
    // By step index: a lookup for every authorize step, not a hash of each.
    let mut found: Vec<Option<Role>> = vec![None; a.steps.len()];
    let alexa_api = |a: &Analysis, step: usize| {
        a.steps
            .get(step)
            .is_some_and(|s| matches!(s.kind, StepKind::Activation | StepKind::EndpointLookup))
    };
    for (t, token) in a.tokens.iter().enumerate() {
        if token.uses.iter().any(|&u| alexa_api(a, u)) {
            if let Some(slot) = a.token_root(t).and_then(|root| found.get_mut(root)) {
                *slot = Some(Role::AmazonCode);
            }
        }
    }
    for code in &a.codes {
        let as_auth_code = code.redemptions.iter().any(|&r| {
            a.steps
                .get(r)
                .is_some_and(|s| s.kind == StepKind::Activation)
        });
        if let (true, Some(slot)) = (as_auth_code, code.origin.and_then(|o| found.get_mut(o))) {
            slot.get_or_insert(Role::LinkCode);
        }
    }
    for (step, role) in a.steps.iter_mut().zip(found) {
        if let Detail::Authorize(auth) = &mut step.detail {
            auth.role = role;
        }
    }
}

/// Decides the clients' profiles over the whole capture (see [`profile::decide`]): `errors`
/// counts the rules' error findings under the profiles in the analysis.
pub fn decide_profiles(a: &mut Analysis, config: &Config, errors: impl Fn(&Analysis) -> usize) {
    profile::decide(a, config, errors);
}

/// Whether a host of an `[issuers] groups` entry names `host` (lower case): the same host,
/// or for `*.example.com` any host under example.com.
fn host_in(entry: &str, host: &str) -> bool {
    match entry.strip_prefix("*.") {
        Some(domain) => host
            .strip_suffix(domain.to_ascii_lowercase().as_str())
            .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.')),
        None => entry.eq_ignore_ascii_case(host),
    }
}

/// The name of the authorization server an endpoint belongs to: `lwa` for Login with Amazon
/// (`/ap/oa`, `api.amazon.com/auth/o2/token`) and the Alexa app's consent page, whose codes
/// LWA issues; else the `[issuers] groups` entry that lists the host (its first host); else the
/// host's site (`auth.example.com` and `api.example.com` are one server, which misses a
/// mix-up between two servers of one company rather than accusing a correct one).
pub fn issuer(endpoint: Option<Endpoint>, host: &str, config: &Config) -> String {
    if matches!(endpoint, Some(Endpoint::Lwa | Endpoint::AlexaApp)) {
        return String::from("lwa");
    }
    let host = host.to_ascii_lowercase();
    for group in &config.issuers.groups {
        if group.iter().any(|h| host_in(h, &host)) {
            return group
                .first()
                .map_or(host.clone(), |h| h.to_ascii_lowercase());
        }
    }
    if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        return host;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let keep = match labels.as_slice() {
        // A country's second level (`example.co.uk`, `example.com.au`) is not a site.
        [.., second, last] if last.len() == 2 && second.len() <= 3 => 3,
        _ => 2,
    };
    labels[labels.len().saturating_sub(keep)..].join(".")
}

/// Names each authorize request's and token request's server, and the profile whose secret a
/// token request sends.
/// Each step on its own, so on every core; each task names a server once, however many of its
/// steps name it (a log's thousands of steps name a few servers, which were hashed again one
/// by one on a single core to be kept once).
fn servers_and_secrets(a: &mut Analysis, capture: &Capture, config: &Config) {
    // What a sanitized copy records of its placeholder secrets, read only when needed.
    let recorded: std::sync::OnceLock<Vec<sanitized::SecretProfile>> = std::sync::OnceLock::new();
    a.steps
        .par_iter_mut()
        .with_min_len(256)
        .for_each_init(Issuers::default, |issuers, step| {
            let Some(ex) = capture.exchanges.get(step.entry.wrapping_sub(1)) else {
                return;
            };
            // Only these two kinds name a server (a logged-in capture's thousands of Bearer
            // calls are not parsed for nothing).
            let url = || url::Url::parse(&ex.request.url);
            match &mut step.detail {
                Detail::Authorize(auth) => {
                    auth.issuer = Some(issuers.of(auth.endpoint, url, config));
                }
                Detail::TokenRequest(req) => {
                    req.issuer = Some(issuers.of(req.endpoint, url, config));
                    req.secret_profile = req.secret_sha256.as_deref().and_then(|sha| {
                        match (config.alexa.has_secret(sha), config.skill.has_secret(sha)) {
                            (true, false) => Some(Profile::Alexa),
                            (false, true) => Some(Profile::Skill),
                            (false, false) => sanitized::profile_of(
                                recorded.get_or_init(|| sanitized::secret_profiles(capture)),
                                sha,
                            ),
                            _ => None,
                        }
                    });
                }
                _ => {}
            }
        });
}

/// The servers one task of [`servers_and_secrets`] has named, by host ([`issuer`] of an
/// endpoint that is not Login with Amazon's depends on the host alone).
#[derive(Default)]
struct Issuers {
    lwa: Option<Shared>,
    by_host: foldhash::HashMap<String, Shared>,
}

impl Issuers {
    fn of<'u>(
        &mut self,
        endpoint: Option<Endpoint>,
        url: impl FnOnce() -> url::Url<'u>,
        config: &Config,
    ) -> Shared {
        if matches!(endpoint, Some(Endpoint::Lwa | Endpoint::AlexaApp)) {
            return self
                .lwa
                .get_or_insert_with(|| issuer(endpoint, "", config).into())
                .clone();
        }
        let host = url().host;
        if let Some(kept) = self.by_host.get(&*host) {
            return kept.clone();
        }
        let named: Shared = issuer(endpoint, &host, config).into();
        self.by_host.insert(host.into_owned(), named.clone());
        named
    }
}

/// Numbers the connected parts of the lineage graph in order of their first step.
fn assign_flows(a: &mut Analysis) {
    let n = a.steps.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    let union = |p: &mut Vec<usize>, x: usize, y: usize| {
        if x < n && y < n {
            let (rx, ry) = (find(p, x), find(p, y));
            if rx != ry {
                p[rx.max(ry)] = rx.min(ry);
            }
        }
    };
    for (i, step) in a.steps.iter().enumerate() {
        if let Detail::Answer(ans) = &step.detail {
            union(&mut parent, i, ans.authorize);
        }
    }
    for code in &a.codes {
        let anchor = code
            .issued
            .or(code.origin)
            .or(code.redemptions.first().copied());
        if let Some(anchor) = anchor {
            for &r in code.redemptions.iter().chain(code.origin.iter()) {
                union(&mut parent, anchor, r);
            }
        }
    }
    for token in &a.tokens {
        let anchor = token
            .minted_by
            .or(token.front_channel)
            .or(token.uses.first().copied());
        if let Some(anchor) = anchor {
            for &u in &token.uses {
                union(&mut parent, anchor, u);
            }
        }
    }
    // Each root's number, by the root's index (0: not numbered yet): a lookup by index, not a
    // hash of every step's root.
    let mut numbers = vec![0usize; n];
    let mut flows = 0;
    for i in 0..n {
        let root = find(&mut parent, i);
        if numbers[root] == 0 {
            flows += 1;
            numbers[root] = flows;
        }
        if let Some(step) = a.steps.get_mut(i) {
            step.flow = numbers[root];
        }
    }
    a.flows = flows;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server a task names once is the one [`issuer`] names for every step that asks.
    #[test]
    fn issuers_named_once_are_those_issuer_names() {
        let mut config = Config::default();
        config.issuers.groups = vec![
            vec!["*.Example.com".into(), "login.partner.net".into()],
            vec!["auth.other.org".into()],
        ];
        let urls = [
            "https://auth.example.com/authorize",
            "https://AUTH.Example.com/x",
            "https://api.example.co.uk/t",
            "https://login.partner.net/t",
            "https://10.0.0.1/t",
            "https://[::1]:8443/t",
            "myapp://cb",
            "",
            "https://auth.other.org/x",
            "https://www.amazon.com/ap/oa",
        ];
        let endpoints = [
            None,
            Some(Endpoint::Lwa),
            Some(Endpoint::AlexaApp),
            Some(Endpoint::Other),
        ];
        let mut issuers = Issuers::default();
        for _ in 0..2 {
            for u in urls {
                for e in endpoints {
                    let named = issuers.of(e, || url::Url::parse(u), &config);
                    let plain = issuer(e, &url::Url::parse(u).host, &config);
                    assert_eq!(&*named, plain, "{u} {e:?}");
                }
            }
        }
    }
}
