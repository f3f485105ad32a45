//! One checked file's flows as messages between actors, with lineage traces and the findings
//! attached to the steps they concern: the model the terminal timeline, Mermaid and SVG
//! renderers draw. Every string in it is already masked (artifacts with `secret::mask`, any
//! other capture text with the file's `SecretSet`), so renderers never see a raw value.

use crate::finding::Finding;
use crate::flow::{self, Analysis, Detail, Endpoint, Step, StepKind, Via};
use crate::model::{Capture, Exchange};
use crate::report::FileReport;
use crate::secret::{mask, policy};

/// Who takes part in an app-to-app linking flow. Every request in a capture is sent by the
/// recording side (the app or browser); servers only answer. A capture that shows no Alexa
/// flow is drawn with OAuth's own words: client, authorization server, resource server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Actor {
    App,
    Client,
    AlexaApp,
    Lwa,
    SkillServer,
    AuthServer,
    AlexaApi,
    OtherApi,
    ResourceServer,
}

impl Actor {
    pub const ALL: [Actor; 9] = [
        Actor::App,
        Actor::Client,
        Actor::AlexaApp,
        Actor::Lwa,
        Actor::SkillServer,
        Actor::AuthServer,
        Actor::AlexaApi,
        Actor::OtherApi,
        Actor::ResourceServer,
    ];

    /// The actor as a capture without Alexa traffic names it.
    fn generic(self) -> Actor {
        match self {
            Actor::App => Actor::Client,
            Actor::SkillServer => Actor::AuthServer,
            Actor::OtherApi => Actor::ResourceServer,
            other => other,
        }
    }

    /// How people call it.
    pub fn name(self) -> &'static str {
        match self {
            Actor::App => "app/browser",
            Actor::AlexaApp => "Alexa app",
            Actor::Lwa => "LWA",
            Actor::SkillServer => "skill auth server",
            Actor::AlexaApi => "Alexa API",
            Actor::OtherApi => "other API",
            Actor::Client => "client",
            Actor::AuthServer => "authorization server",
            Actor::ResourceServer => "resource server",
        }
    }

    /// A short identifier, safe in Mermaid and as an HTML/SVG class.
    pub fn id(self) -> &'static str {
        match self {
            Actor::App => "App",
            Actor::AlexaApp => "AlexaApp",
            Actor::Lwa => "LWA",
            Actor::SkillServer => "Skill",
            Actor::AlexaApi => "AlexaAPI",
            Actor::OtherApi => "OtherAPI",
            Actor::Client => "Client",
            Actor::AuthServer => "AuthServer",
            Actor::ResourceServer => "ResourceServer",
        }
    }
}

/// Whether a message uses an artifact or brings a new one into the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Issued,
    Used,
}

/// A code or token a message carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactRef {
    /// What it is here: `code`, `authCode`, `bearer`, `access token`, `refresh token`.
    pub word: &'static str,
    /// `secret::mask` of the value: equal values look equal.
    pub masked: String,
    pub role: Role,
    /// The trace (index into `FlowView::traces`) that links its issue to its uses.
    pub trace: Option<usize>,
    /// Where it came from or went: `issued at #3`, `used at #5, #10`.
    pub note: String,
}

/// One artifact's lineage inside a flow: the message that issued it and those that used it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    pub word: &'static str,
    pub masked: String,
    /// Message indices (into `FlowView::messages`), in order.
    pub issued: usize,
    pub uses: Vec<usize>,
}

/// One step drawn as a message from one actor to another.
#[derive(Debug, Clone)]
pub struct Message {
    /// Index of the step in `Analysis::steps`.
    pub step: usize,
    pub entry: usize,
    /// Seconds since the capture's first request, when both are known.
    pub offset: Option<f64>,
    pub from: Actor,
    pub to: Actor,
    pub kind: StepKind,
    /// `authorize`, `token request (authorization_code)`, …
    pub title: String,
    /// `GET host/path`; empty for an answer, which has no request of its own.
    pub request: String,
    /// `302`, `no response`; `None` for an answer.
    pub status: Option<String>,
    /// What the server's reply says beyond the status (`error invalid_grant`, the message).
    pub outcome: Vec<String>,
    /// Request facts worth seeing: client and profile, scope, grant, skill.
    pub details: Vec<String>,
    pub artifacts: Vec<ArtifactRef>,
    /// The first message of its entry (the time and entry number are shown once).
    pub first_of_entry: bool,
    /// An authorize request whose answer is drawn by the next message (same entry).
    pub answered_here: bool,
    /// Indices into the file's findings.
    pub findings: Vec<usize>,
}

impl Message {
    /// `+4.1s`, or `?` without timestamps.
    pub fn time(&self) -> String {
        self.offset
            .map(|s| format!("+{s:.1}s"))
            .unwrap_or_else(|| "?".into())
    }

    /// An answer travels from the server to the app: drawn as a reply.
    pub fn is_reply(&self) -> bool {
        self.kind == StepKind::Answer
    }
}

#[derive(Debug, Clone)]
pub struct FlowView {
    /// 1-based, as `Analysis` numbers flows.
    pub number: usize,
    /// The actors it involves, in the canonical order of `Actor::ALL`.
    pub actors: Vec<Actor>,
    pub messages: Vec<Message>,
    pub traces: Vec<Trace>,
}

/// Everything the visual outputs show of one file.
#[derive(Debug, Clone, Default)]
pub struct FileView {
    pub flows: Vec<FlowView>,
    /// Findings not attached to a step: about the whole capture, or about an entry that is
    /// no OAuth step. Indices into the file's findings.
    pub loose: Vec<usize>,
}

impl FileView {
    pub fn new(file: &FileReport) -> FileView {
        let (Some(capture), Some(a)) = (&file.capture, &file.analysis) else {
            return FileView {
                flows: Vec::new(),
                loose: (0..file.findings.len()).collect(),
            };
        };
        // Hosts where the capture shows the skill's own authorization server.
        let skill_hosts = a
            .steps
            .iter()
            .filter(|s| match &s.detail {
                Detail::Authorize(x) => x.endpoint == Some(Endpoint::Other),
                Detail::TokenRequest(t) => t.endpoint == Some(Endpoint::Other),
                _ => false,
            })
            .filter_map(|s| {
                s.entry
                    .checked_sub(1)
                    .and_then(|i| capture.exchanges.get(i))
            })
            .map(|ex| flow::url::Url::parse(&ex.request.url).host.into_owned())
            .collect();
        Builder {
            capture,
            a,
            findings: &file.findings,
            skill_hosts,
            alexa: a.shows_alexa(),
        }
        .build()
    }
}

struct Builder<'a> {
    capture: &'a Capture,
    a: &'a Analysis,
    findings: &'a [Finding],
    skill_hosts: std::collections::HashSet<String>,
    /// Whether the capture shows the Alexa flow (Login with Amazon, the Alexa app or API):
    /// only then are its words (skill, profiles) used.
    alexa: bool,
}

impl Builder<'_> {
    fn build(&self) -> FileView {
        let mut flows: Vec<FlowView> = (1..=self.a.flows)
            .map(|number| FlowView {
                number,
                actors: Vec::new(),
                messages: Vec::new(),
                traces: Vec::new(),
            })
            .collect();
        // Where each step went: (flow index, message index).
        let mut placed: Vec<Option<(usize, usize)>> = vec![None; self.a.steps.len()];
        for (i, step) in self.a.steps.iter().enumerate() {
            let Some(flow) = step.flow.checked_sub(1).and_then(|f| flows.get_mut(f)) else {
                continue;
            };
            let first_of_entry = flow.messages.last().is_none_or(|m| m.entry != step.entry);
            let message = self.message(i, step, first_of_entry);
            placed[i] = Some((step.flow - 1, flow.messages.len()));
            flow.messages.push(message);
        }
        for flow in &mut flows {
            let n = flow.messages.len();
            for m in 0..n.saturating_sub(1) {
                let (this, next) = (&flow.messages[m], &flow.messages[m + 1]);
                let answers_this = matches!(
                    &self.a.steps[next.step].detail,
                    Detail::Answer(ans) if ans.authorize == this.step && ans.via == Via::Location
                );
                if this.kind == StepKind::Authorize && next.entry == this.entry && answers_this {
                    flow.messages[m].answered_here = true;
                }
            }
        }
        self.traces(&mut flows, &placed);
        let loose = self.attach_findings(&mut flows, &placed);
        for flow in &mut flows {
            let mut actors: Vec<Actor> = flow
                .messages
                .iter()
                .flat_map(|m| [m.from, m.to])
                .chain([self.actor(Actor::App)])
                .collect();
            actors.sort();
            actors.dedup();
            flow.actors = actors;
        }
        FileView { flows, loose }
    }

    fn exchange(&self, entry: usize) -> Option<&Exchange> {
        entry
            .checked_sub(1)
            .and_then(|i| self.capture.exchanges.get(i))
    }

    /// The value of the field `name` as the policy shows it, on one line.
    fn text(&self, name: &str, s: &str) -> String {
        one_line(&policy::value(name, s, &mut policy::Mask))
    }

    fn message(&self, i: usize, step: &Step, first_of_entry: bool) -> Message {
        let ex = self.exchange(step.entry);
        let offset = match (ex.and_then(|e| e.started), self.a.start) {
            (Some(s), Some(start)) => Some((s - start).as_seconds_f64()),
            _ => None,
        };
        let server = self.actor(self.server(step));
        let app = self.actor(Actor::App);
        let (from, to) = if step.kind == StepKind::Answer {
            (server, app)
        } else {
            (app, server)
        };
        let (request, status) = match (step.kind, ex) {
            (StepKind::Answer, _) | (_, None) => (String::new(), None),
            (_, Some(ex)) => (self.request_line(ex), Some(self.status(ex))),
        };
        let mut m = Message {
            step: i,
            entry: step.entry,
            offset,
            from,
            to,
            kind: step.kind,
            title: title(step, &|s: &str| self.text("grant_type", s)),
            request,
            status,
            outcome: Vec::new(),
            details: Vec::new(),
            artifacts: Vec::new(),
            first_of_entry,
            answered_here: false,
            findings: Vec::new(),
        };
        self.fill(&mut m, step);
        m
    }

    /// The actor in the capture's words (see [`Actor::generic`]).
    fn actor(&self, a: Actor) -> Actor {
        if self.alexa {
            a
        } else {
            a.generic()
        }
    }

    fn server(&self, step: &Step) -> Actor {
        let by_endpoint = |e: Option<Endpoint>| match e {
            Some(Endpoint::Lwa) => Actor::Lwa,
            Some(Endpoint::AlexaApp) => Actor::AlexaApp,
            Some(Endpoint::Other) | None => Actor::SkillServer,
        };
        match &step.detail {
            Detail::Authorize(a) => by_endpoint(a.endpoint),
            Detail::Answer(ans) => self
                .a
                .authorize(ans.authorize)
                .map_or(Actor::SkillServer, |a| by_endpoint(a.endpoint)),
            Detail::TokenRequest(t) => by_endpoint(t.endpoint),
            Detail::EndpointLookup(_) | Detail::Activation(_) => Actor::AlexaApi,
            Detail::BearerCall { .. } => {
                let Some(ex) = self.exchange(step.entry) else {
                    return Actor::OtherApi;
                };
                let host = flow::url::Url::parse(&ex.request.url).host;
                if host == "amazonalexa.com" || host.ends_with(".amazonalexa.com") {
                    Actor::AlexaApi
                } else if host == "api.amazon.com" || host == "www.amazon.com" {
                    Actor::Lwa
                } else if self.skill_hosts.contains(host.as_ref()) {
                    Actor::SkillServer
                } else {
                    Actor::OtherApi
                }
            }
        }
    }

    /// `GET host/path`; the scheme only when it is not https (plain http matters).
    fn request_line(&self, ex: &Exchange) -> String {
        let url = flow::url::Url::parse(&ex.request.url);
        let scheme = if url.scheme == "https" || url.scheme.is_empty() {
            String::new()
        } else {
            format!("{}://", url.scheme)
        };
        one_line(&format!(
            "{} {scheme}{}{}{}",
            policy::method(&ex.request.method, &mut policy::Mask),
            url.host,
            port(url.base),
            policy::path(url.path, &mut policy::Mask)
        ))
    }

    fn status(&self, ex: &Exchange) -> String {
        match (&ex.response, &ex.error) {
            (Some(r), _) if r.status != 0 => r.status.to_string(),
            (_, Some(e)) => format!(
                "no response ({})",
                one_line(&policy::note(e, &mut policy::Mask))
            ),
            _ => "no response".into(),
        }
    }

    fn client(&self, id: Option<&str>) -> Option<String> {
        let id = id?;
        Some(match self.a.clients.get(id).filter(|_| self.alexa) {
            Some(c) => format!(
                "client {} (profile {}, {})",
                abbreviate(&self.text("client_id", &c.id)),
                profile_letter(c.profile),
                c.source.name()
            ),
            None => format!("client {}", abbreviate(&self.text("client_id", id))),
        })
    }

    fn code_ref(&self, code: Option<usize>, word: &'static str, role: Role) -> Option<ArtifactRef> {
        let c = self.a.codes.get(code?)?;
        let note = match role {
            Role::Used => match c.issued.and_then(|i| self.a.steps.get(i)) {
                Some(s) => format!("issued at #{}", s.entry),
                None => "issued outside the capture".into(),
            },
            Role::Issued => uses_note(self.a, &c.redemptions, "redeemed"),
        };
        Some(ArtifactRef {
            word,
            masked: mask(&c.value),
            role,
            trace: None,
            note,
        })
    }

    fn token_ref(
        &self,
        token: Option<usize>,
        word: &'static str,
        role: Role,
    ) -> Option<ArtifactRef> {
        let t = self.a.tokens.get(token?)?;
        let note = match role {
            Role::Used => match t
                .minted_by
                .or(t.front_channel)
                .and_then(|i| self.a.steps.get(i))
            {
                Some(s) => format!("minted at #{}", s.entry),
                None => "minted outside the capture".into(),
            },
            Role::Issued => {
                let mut note = uses_note(self.a, &t.uses, "used");
                if let Some(e) = t.expires_in {
                    note.push_str(&format!(", expires in {e}s"));
                }
                note
            }
        };
        Some(ArtifactRef {
            word,
            masked: mask(&t.value),
            role,
            trace: None,
            note,
        })
    }

    /// The token an id_token (index into `Analysis::id_tokens`) is.
    fn id_token_of(&self, id_token: Option<usize>) -> Option<usize> {
        Some(self.a.id_tokens.get(id_token?)?.token)
    }

    fn fill(&self, m: &mut Message, step: &Step) {
        match &step.detail {
            Detail::Authorize(auth) => self.fill_authorize(m, step, auth),
            Detail::Answer(ans) => self.fill_answer(m, ans),
            Detail::TokenRequest(t) => self.fill_token_request(m, t),
            Detail::EndpointLookup(l) => {
                m.artifacts
                    .extend(self.token_ref(l.bearer, "bearer", Role::Used));
                if let Some(e) = &l.endpoints {
                    m.outcome.push(format!(
                        "endpoints {}",
                        e.iter()
                            .map(|h| one_line(&policy::host(h, &mut policy::Mask)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
            Detail::Activation(act) => {
                if let Some(s) = &act.skill_id {
                    m.details.push(format!(
                        "skill {}, stage {}",
                        one_line(&policy::path(s, &mut policy::Mask)),
                        self.text("stage", act.stage.as_deref().unwrap_or("?"))
                    ));
                }
                if let Some(r) = &act.redirect_uri {
                    m.details
                        .push(format!("redirectUri {}", self.text("redirectUri", r)));
                }
                m.artifacts
                    .extend(self.token_ref(act.bearer, "bearer", Role::Used));
                m.artifacts
                    .extend(self.code_ref(act.auth_code, "authCode", Role::Used));
                if let Some(msg) = &act.message {
                    m.outcome
                        .push(format!("answer: {}", self.text("message", msg)));
                }
            }
            Detail::BearerCall { bearer } => {
                m.artifacts
                    .extend(self.token_ref(Some(*bearer), "bearer", Role::Used));
            }
        }
    }

    fn fill_authorize(&self, m: &mut Message, step: &Step, auth: &flow::Authorize) {
        m.details.extend(self.client(auth.client_id.as_deref()));
        if let Some(s) = &auth.scope {
            m.details.push(format!("scope {}", self.text("scope", s)));
        } else {
            m.details.push("no scope".into());
        }
        if let Some(r) = &auth.redirect_uri {
            m.details
                .push(format!("redirect_uri {}", self.text("redirect_uri", r)));
        }
        if auth.state.is_none() {
            m.details.push("no state".into());
        }
        if auth.code_challenge.is_some() {
            m.details.push("PKCE code_challenge sent".into());
        }
        if let Some(r) = auth.response_type.as_deref().filter(|r| *r != "code") {
            m.details
                .push(format!("response_type {}", self.text("response_type", r)));
        }
        if let Some(r) = &auth.response_mode {
            m.details
                .push(format!("response_mode {}", self.text("response_mode", r)));
        }
        if auth.nonce.is_some() {
            m.details.push("nonce sent".into());
        }
        match auth.answer.and_then(|x| self.a.steps.get(x)) {
            Some(ans) if ans.entry != step.entry => {
                m.outcome.push(format!("answered at #{}", ans.entry))
            }
            Some(_) => {}
            None => m.outcome.push("no answer in the capture".into()),
        }
    }

    fn fill_answer(&self, m: &mut Message, ans: &flow::Answer) {
        let to = self.a.steps.get(ans.authorize).map_or(0, |s| s.entry);
        m.details.push(match ans.via {
            Via::Location => format!("answers #{to} (Location header)"),
            Via::Url => format!("answers #{to} (redirect followed)"),
            Via::Page => format!("answers #{to} (form_post page)"),
        });
        if ans.delivery != flow::oidc::Delivery::Query {
            m.details
                .push(format!("in the {}", ans.delivery.name().replace('_', " ")));
        }
        m.artifacts
            .extend(self.code_ref(ans.code, "code", Role::Issued));
        m.artifacts
            .extend(self.token_ref(ans.access_token, "access token", Role::Issued));
        m.artifacts.extend(self.token_ref(
            self.id_token_of(ans.id_token),
            "id_token",
            Role::Issued,
        ));
        if let Some(e) = &ans.error {
            m.outcome
                .push(self.error_outcome(e, ans.error_description.as_deref()));
        }
    }

    /// An OAuth error answer as the flow shows it: `error access_denied: <description>`.
    fn error_outcome(&self, error: &str, description: Option<&str>) -> String {
        let desc = description
            .map(|d| format!(": {}", self.text("error_description", d)))
            .unwrap_or_default();
        format!("error {}{desc}", self.text("error", error))
    }

    fn fill_token_request(&self, m: &mut Message, t: &flow::TokenRequest) {
        m.details.extend(self.client(t.client_id.as_deref()));
        if let Some(auth) = t.client_auth {
            m.details.push(format!("client auth {}", auth.name()));
        }
        if let Some(r) = &t.redirect_uri {
            m.details
                .push(format!("redirect_uri {}", self.text("redirect_uri", r)));
        }
        if t.code_verifier_present {
            m.details.push("PKCE code_verifier sent".into());
        }
        m.artifacts
            .extend(self.code_ref(t.code, "code", Role::Used));
        m.artifacts
            .extend(self.token_ref(t.refresh_token, "refresh token", Role::Used));
        if let Some(r) = &t.response {
            if let Some(e) = &r.error {
                m.outcome
                    .push(self.error_outcome(e, r.error_description.as_deref()));
            }
            m.artifacts
                .extend(self.token_ref(r.access_token, "access token", Role::Issued));
            m.artifacts
                .extend(self.token_ref(r.refresh_token, "refresh token", Role::Issued));
            m.artifacts.extend(self.token_ref(
                self.id_token_of(r.id_token),
                "id_token",
                Role::Issued,
            ));
        }
    }

    /// Links each code and token issued in a flow to the messages that used it.
    fn traces(&self, flows: &mut [FlowView], placed: &[Option<(usize, usize)>]) {
        let codes = self
            .a
            .codes
            .iter()
            .map(|c| ("code", mask(&c.value), c.issued, c.redemptions.clone()));
        let tokens = self.a.tokens.iter().map(|t| {
            let word = match t.kind {
                flow::TokenKind::Access => "access token",
                flow::TokenKind::Refresh => "refresh token",
                flow::TokenKind::Id => "id_token",
            };
            (
                word,
                mask(&t.value),
                t.minted_by.or(t.front_channel),
                t.uses.clone(),
            )
        });
        for (word, masked, issuer, uses) in codes.chain(tokens) {
            let Some((f, issued)) = issuer.and_then(|s| placed.get(s).copied().flatten()) else {
                continue;
            };
            let mut use_msgs: Vec<usize> = uses
                .iter()
                .filter_map(|&u| placed.get(u).copied().flatten())
                .filter(|&(uf, um)| uf == f && um > issued)
                .map(|(_, um)| um)
                .collect();
            use_msgs.sort_unstable();
            use_msgs.dedup();
            if use_msgs.is_empty() {
                continue;
            }
            let flow = &mut flows[f];
            let t = flow.traces.len();
            for &mi in std::iter::once(&issued).chain(&use_msgs) {
                for r in &mut flow.messages[mi].artifacts {
                    if r.masked == masked && r.trace.is_none() {
                        r.trace = Some(t);
                    }
                }
            }
            flow.traces.push(Trace {
                word,
                masked,
                issued,
                uses: use_msgs,
            });
        }
        for flow in flows.iter_mut() {
            flow.traces
                .sort_by_key(|t| (t.issued, t.uses.first().copied()));
            // Re-point the artifact references after sorting.
            let order: std::collections::HashMap<String, usize> = flow
                .traces
                .iter()
                .enumerate()
                .map(|(i, t)| (t.masked.clone(), i))
                .collect();
            for m in &mut flow.messages {
                for r in &mut m.artifacts {
                    if r.trace.is_some() {
                        r.trace = order.get(&r.masked).copied();
                    }
                }
            }
        }
    }

    /// Attaches each finding to the last step of its entry; returns those that have none.
    fn attach_findings(
        &self,
        flows: &mut [FlowView],
        placed: &[Option<(usize, usize)>],
    ) -> Vec<usize> {
        // Entry → where its last step was drawn.
        let mut last_of_entry = std::collections::HashMap::new();
        for (i, step) in self.a.steps.iter().enumerate() {
            if let Some(p) = placed.get(i).copied().flatten() {
                last_of_entry.insert(step.entry, p);
            }
        }
        let mut loose = Vec::new();
        for (fi, finding) in self.findings.iter().enumerate() {
            match finding.entry.and_then(|e| last_of_entry.get(&e).copied()) {
                Some((f, m)) => flows[f].messages[m].findings.push(fi),
                None => loose.push(fi),
            }
        }
        loose
    }
}

/// A long client id (`amzn1.application-oa2-client.` and 32 hex digits) shortened to fit a
/// line, keeping both ends: ids differ at either end in practice. Client ids are not secret.
fn abbreviate(id: &str) -> String {
    let n = id.chars().count();
    if n <= 44 {
        return id.to_string();
    }
    let head: String = id.chars().take(36).collect();
    let tail: String = id.chars().skip(n - 6).collect();
    format!("{head}…{tail}")
}

/// The `:port` of a URL's authority as written (`:3000`), or nothing: a flow drawn without it
/// would send a reader to another server.
fn port(base: &str) -> &str {
    let rest = base.split_once("://").map_or(base, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or(rest);
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let after_host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split_once(']').map_or("", |(_, p)| p),
        None => host_port.find(':').map_or("", |i| &host_port[i..]),
    };
    if after_host.len() > 1 && after_host[1..].bytes().all(|b| b.is_ascii_digit()) {
        after_host
    } else {
        ""
    }
}

fn profile_letter(p: flow::Profile) -> &'static str {
    match p {
        flow::Profile::Alexa => "B",
        flow::Profile::Skill => "A",
        flow::Profile::Unknown => "unknown",
    }
}

fn uses_note(a: &Analysis, uses: &[usize], verb: &str) -> String {
    let mut entries: Vec<usize> = uses
        .iter()
        .filter_map(|&u| a.steps.get(u).map(|s| s.entry))
        .collect();
    entries.dedup();
    if entries.is_empty() {
        return format!("not {verb} in the capture");
    }
    let list: Vec<String> = entries.iter().map(|e| format!("#{e}")).collect();
    format!("{verb} at {}", list.join(", "))
}

/// The step's name; `text` masks what comes from the capture (before it is shortened, so a
/// cut never leaves part of a secret).
fn title(step: &Step, text: &dyn Fn(&str) -> String) -> String {
    match &step.detail {
        Detail::Authorize(_) => "authorize".into(),
        Detail::Answer(ans) if ans.error.is_some() => "authorize answer: error".into(),
        Detail::Answer(_) => "authorize answer".into(),
        Detail::TokenRequest(t) => match &t.grant_type {
            Some(g) => format!("token request ({})", short(&text(g), 40)),
            None => "token request".into(),
        },
        Detail::EndpointLookup(_) => "endpoint lookup".into(),
        Detail::Activation(_) => "skill activation".into(),
        Detail::BearerCall { .. } => "bearer call".into(),
    }
}

/// Control characters (a terminal escape in a hostile capture) as spaces.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A value shortened to `max` characters (grant types are not secret, but can be junk).
fn short(s: &str, max: usize) -> String {
    let s: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if s.chars().count() <= max {
        s
    } else {
        let mut out: String = s.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

/// Assigns each trace a lane (column) so that traces that overlap in time do not share one.
/// `spans` are inclusive (start, end) in any unit; returns the lane of each, and the number
/// of lanes. At most `max` lanes: a trace that finds none gets `None`.
pub fn lanes(spans: &[(usize, usize)], max: usize) -> (Vec<Option<usize>>, usize) {
    let mut order: Vec<usize> = (0..spans.len()).collect();
    order.sort_by_key(|&i| spans[i]);
    let mut busy_until: Vec<usize> = Vec::new();
    let mut out = vec![None; spans.len()];
    for i in order {
        let (start, end) = spans[i];
        let free = busy_until.iter().position(|&until| until < start);
        let lane = match free {
            Some(l) => Some(l),
            None if busy_until.len() < max => {
                busy_until.push(0);
                Some(busy_until.len() - 1)
            }
            None => None,
        };
        if let Some(l) = lane {
            busy_until[l] = end;
            out[i] = Some(l);
        }
    }
    (out, busy_until.len())
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_request_line_keeps_the_port() {
        assert_eq!(port("http://127.0.0.1:3000/token"), ":3000");
        assert_eq!(port("https://user@[::1]:8443/x"), ":8443");
        assert_eq!(port("https://example.com/token"), "");
        assert_eq!(port("https://example.com:/token"), "");
    }
    use super::*;

    #[test]
    fn overlapping_spans_get_different_lanes() {
        let (l, n) = lanes(&[(0, 5), (2, 8), (6, 9)], 4);
        assert_eq!(n, 2);
        assert_eq!(l, vec![Some(0), Some(1), Some(0)]);
    }

    #[test]
    fn lanes_are_capped() {
        let (l, n) = lanes(&[(0, 9), (1, 9), (2, 9)], 2);
        assert_eq!(n, 2);
        assert_eq!(l[2], None);
    }
}
