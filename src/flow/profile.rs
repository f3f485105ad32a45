//! Security profiles of client ids, decided over the whole capture (domain.md §1, §2).
//!
//! Hard facts first: an id declared in tokentrail.toml; a client used at a server that is not
//! Amazon's is profile A; when the skill's authorization server is not Login with Amazon, a
//! client used at Login with Amazon is profile B; a skill has one Alexa Client Id. What the hard
//! facts leave open is read from each client's own evidence at first ([`infer`]); the check
//! then evaluates the rules under every reading the hard facts allow and keeps the one that
//! explains the capture with the fewest errors ([`decide`]), saying so when two tie.

use std::collections::BTreeMap;

use crate::config::Config;

use super::{Analysis, Detail, Endpoint, ALEXA_SCOPE};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Profile B: the Alexa Client Id, for `alexa::skills::account_linking` at LWA.
    Alexa,
    /// Profile A: Your Client ID, at the skill's own authorization server.
    Skill,
    Unknown,
}

impl Profile {
    pub fn name(self) -> &'static str {
        match self {
            Profile::Alexa => "alexa",
            Profile::Skill => "skill",
            Profile::Unknown => "unknown",
        }
    }

    fn words(self) -> &'static str {
        match self {
            Profile::Alexa => "the Alexa Client Id (profile B)",
            Profile::Skill => "Your Client ID (profile A)",
            Profile::Unknown => "of unknown profile",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileSource {
    /// Declared in tokentrail.toml.
    Config,
    /// From what the capture shows: a hard fact, or the client's own evidence.
    Inferred,
    /// Chosen among the readings the hard facts allow: the one with the fewest errors.
    Decided,
    None,
}

impl ProfileSource {
    pub fn name(self) -> &'static str {
        match self {
            ProfileSource::Config => "config",
            ProfileSource::Inferred => "inferred",
            ProfileSource::Decided => "decided",
            ProfileSource::None => "none",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Client {
    pub id: String,
    pub profile: Profile,
    pub source: ProfileSource,
    /// Why the profile is what it is, in words a finding can quote.
    pub evidence: String,
    /// When another reading explains the capture as well: the profile it gives this client.
    pub other: Option<Profile>,
}

/// What the capture shows one client id doing.
#[derive(Default, Debug, PartialEq)]
struct Evidence {
    /// Asked for the Alexa scope, or opened the Alexa app's consent page.
    alexa: Option<String>,
    /// Used at a server that is not Amazon's: only the skill's own client lives there.
    own_server: Option<String>,
    /// Asked LWA for scopes with nothing Alexa-like in them.
    skill_scopes: Option<String>,
    /// Used at Login with Amazon or the Alexa app (entry).
    at_amazon: Option<usize>,
    /// Login with Amazon refused it the Alexa scope (`unauthorized_client`), which it grants
    /// only to the Alexa Client Id.
    refused_alexa: Option<String>,
}

impl Evidence {
    /// This evidence followed by `later`'s: each fact the first step showed, as one walk over
    /// both parts' steps in order keeps it.
    fn then(&mut self, later: Evidence) {
        fn first<T>(kept: &mut Option<T>, later: Option<T>) {
            if kept.is_none() {
                *kept = later;
            }
        }
        first(&mut self.alexa, later.alexa);
        first(&mut self.own_server, later.own_server);
        first(&mut self.skill_scopes, later.skill_scopes);
        first(&mut self.at_amazon, later.at_amazon);
        first(&mut self.refused_alexa, later.refused_alexa);
    }
}

/// Each client's evidence; the steps' parts on every core, each part's evidence then followed
/// by the next's (a dense log's tens of thousands of steps were walked on one core).
fn evidence(a: &Analysis) -> BTreeMap<String, Evidence> {
    use rayon::prelude::*;
    a.steps
        .par_iter()
        .with_min_len(1024)
        .fold(BTreeMap::new, |mut evidence, step| {
            step_evidence(a, step, &mut evidence);
            evidence
        })
        .reduce(BTreeMap::new, |mut earlier, later| {
            for (id, ev) in later {
                match earlier.get_mut(&id) {
                    Some(kept) => kept.then(ev),
                    None => {
                        earlier.insert(id, ev);
                    }
                }
            }
            earlier
        })
}

/// What one step shows of its client, added to `evidence`.
fn step_evidence(a: &Analysis, step: &super::Step, evidence: &mut BTreeMap<String, Evidence>) {
    // A dense log names the same few clients in thousands of steps: the key is copied, and
    // each sentence written, only the first time (`get_or_insert_with`).
    fn of<'e>(evidence: &'e mut BTreeMap<String, Evidence>, id: &str) -> Option<&'e mut Evidence> {
        if !evidence.contains_key(id) {
            evidence.insert(id.to_string(), Evidence::default());
        }
        evidence.get_mut(id)
    }
    match &step.detail {
        Detail::Authorize(auth) => {
            let Some(id) = &auth.client_id else { return };
            let Some(ev) = of(evidence, id) else {
                return;
            };
            let scope = auth.scope.as_deref().unwrap_or("");
            // Only Amazon can issue codes to the Alexa Client Id, so a request to any
            // other server is the skill's own client whatever scope it names.
            if auth.endpoint == Some(Endpoint::Other) {
                ev.own_server.get_or_insert_with(|| {
                    format!(
                        "used at the skill's authorization server at entry #{}",
                        step.entry
                    )
                });
                return;
            }
            ev.at_amazon.get_or_insert(step.entry);
            if auth.endpoint == Some(Endpoint::AlexaApp) {
                ev.alexa.get_or_insert_with(|| {
                    format!(
                        "opened the Alexa app's consent page at entry #{}",
                        step.entry
                    )
                });
            } else if auth.scopes.iter().any(|s| s == ALEXA_SCOPE) {
                let refused = auth.answer.and_then(|x| match &a.steps.get(x)?.detail {
                    Detail::Answer(ans) => ans.error.as_deref(),
                    _ => None,
                });
                if refused == Some("unauthorized_client") {
                    ev.refused_alexa.get_or_insert_with(|| format!(
                            "Login with Amazon refused it scope {ALEXA_SCOPE} at entry #{} (unauthorized_client), a scope it grants only to the Alexa Client Id",
                            step.entry
                        ));
                }
                ev.alexa.get_or_insert_with(|| {
                    format!("requested scope {ALEXA_SCOPE} at entry #{}", step.entry)
                });
            } else if !scope.trim().is_empty() && !contains_alexa(scope) {
                ev.skill_scopes.get_or_insert_with(|| {
                    format!("requested skill scope '{scope}' at entry #{}", step.entry)
                });
            }
        }
        Detail::TokenRequest(req) => {
            let Some(id) = &req.client_id else { return };
            let Some(ev) = of(evidence, id) else {
                return;
            };
            if req.endpoint == Some(Endpoint::Other) {
                ev.own_server.get_or_insert_with(|| {
                    format!(
                        "used at the skill's token endpoint at entry #{}",
                        step.entry
                    )
                });
            } else {
                ev.at_amazon.get_or_insert(step.entry);
            }
        }
        _ => {}
    }
}

/// Whether `scope.to_ascii_lowercase()` contains `alexa`, without the copy.
fn contains_alexa(scope: &str) -> bool {
    scope
        .as_bytes()
        .windows(5)
        .any(|w| w.eq_ignore_ascii_case(b"alexa"))
}

/// A client the hard facts leave open: its own evidence's reading, and that evidence.
#[derive(Debug)]
struct Open {
    id: String,
    guess: Profile,
    why: String,
}

/// The clients the hard facts decide, and the ones they leave open.
///
/// Made once by [`infer`] and kept in the analysis for [`decide`]: nothing they read changes
/// between the two, and a dense log's thousands of steps were walked twice on one core.
#[derive(Debug)]
pub(crate) struct Readings {
    fixed: BTreeMap<String, Client>,
    open: Vec<Open>,
    /// How many Alexa Client Ids the capture may hold (one, unless the config declares more).
    max_alexa: usize,
    /// The client ids the config declared: the readings are another config's when these
    /// differ.
    declared: [Vec<String>; 2],
}

/// Readings beyond this many open clients are not enumerated (2^6 rule evaluations): the
/// clients' own evidence decides instead.
const MAX_OPEN: usize = 6;

fn readings(a: &Analysis, config: &Config) -> Readings {
    let evidence = evidence(a);
    let declared = |id: &str| {
        let alexa = config.alexa.client_ids.iter().any(|c| c == id);
        let skill = config.skill.client_ids.iter().any(|c| c == id);
        match (alexa, skill) {
            (true, false) => Some(Profile::Alexa),
            (false, true) => Some(Profile::Skill),
            _ => None,
        }
    };
    // The skill's own authorization server, when the capture shows one that is not Amazon's.
    let skill_server = evidence.values().find_map(|e| e.own_server.clone());
    let mut fixed = BTreeMap::new();
    let mut open = Vec::new();
    for (id, ev) in evidence {
        let client = |profile, source, evidence: String| Client {
            id: id.clone(),
            profile,
            source,
            evidence,
            other: None,
        };
        if let Some(p) = declared(&id) {
            let section = if p == Profile::Alexa {
                "alexa"
            } else {
                "skill"
            };
            let why = format!("declared under [{section}] in tokentrail.toml");
            fixed.insert(id.clone(), client(p, ProfileSource::Config, why));
        } else if let Some(refused) = &ev.refused_alexa {
            let why = match &ev.skill_scopes {
                Some(s) => format!("{s}, and {refused}"),
                None => refused.clone(),
            };
            fixed.insert(
                id.clone(),
                client(Profile::Skill, ProfileSource::Inferred, why),
            );
        } else if let Some(s) = &ev.own_server {
            let why = match &ev.alexa {
                Some(a) => format!("{s}, although it also {a}"),
                None => s.clone(),
            };
            fixed.insert(
                id.clone(),
                client(Profile::Skill, ProfileSource::Inferred, why),
            );
        } else if let (Some(server), Some(_)) = (&skill_server, ev.at_amazon) {
            let own = ev
                .alexa
                .clone()
                .or(ev.skill_scopes.clone())
                .unwrap_or_else(|| String::from("used at Login with Amazon"));
            let why = format!(
                "{own}; the skill's own client is {server}, so the skill's authorization server is not Login with Amazon and a client used there is the Alexa Client Id"
            );
            fixed.insert(
                id.clone(),
                client(Profile::Alexa, ProfileSource::Inferred, why),
            );
        } else {
            let (guess, why) = match (ev.alexa, ev.skill_scopes) {
                (Some(a), Some(s)) => (Profile::Skill, format!("{s}, although it also {a}")),
                (None, Some(s)) => (Profile::Skill, s),
                (Some(a), None) => (Profile::Alexa, a),
                (None, None) => {
                    let why = String::from("no evidence in the capture");
                    fixed.insert(
                        id.clone(),
                        client(Profile::Unknown, ProfileSource::None, why),
                    );
                    continue;
                }
            };
            open.push(Open { id, guess, why });
        }
    }
    Readings {
        fixed,
        open,
        max_alexa: config.alexa.client_ids.len().max(1),
        declared: [
            config.alexa.client_ids.clone(),
            config.skill.client_ids.clone(),
        ],
    }
}

impl Readings {
    /// The assignments of the open clients that the hard facts allow (all of them when none
    /// keeps to one Alexa Client Id).
    fn allowed(&self) -> Vec<Vec<Profile>> {
        let n = self.open.len();
        if n == 0 || n > MAX_OPEN {
            return Vec::new();
        }
        let fixed_alexa = self
            .fixed
            .values()
            .filter(|c| c.profile == Profile::Alexa)
            .count();
        let all: Vec<Vec<Profile>> = (0..1u32 << n)
            .map(|bits| {
                (0..n)
                    .map(|i| {
                        if bits & (1 << i) != 0 {
                            Profile::Alexa
                        } else {
                            Profile::Skill
                        }
                    })
                    .collect()
            })
            .collect();
        let within: Vec<Vec<Profile>> = all
            .iter()
            .filter(|r| {
                fixed_alexa + r.iter().filter(|p| **p == Profile::Alexa).count() <= self.max_alexa
            })
            .cloned()
            .collect();
        if within.is_empty() {
            all
        } else {
            within
        }
    }

    fn guesses(&self) -> Vec<Profile> {
        self.open.iter().map(|o| o.guess).collect()
    }

    fn clients(&self, reading: &[Profile]) -> BTreeMap<String, Client> {
        let mut out = self.fixed.clone();
        for (o, p) in self.open.iter().zip(reading) {
            out.insert(
                o.id.clone(),
                Client {
                    id: o.id.clone(),
                    profile: *p,
                    source: ProfileSource::Inferred,
                    evidence: o.why.clone(),
                    other: None,
                },
            );
        }
        out
    }
}

/// Each client's profile from the hard facts and, where they leave it open, from what that
/// client alone did: the reading used where no rules run. Keeps the readings for [`decide`].
pub fn infer(a: &mut Analysis, config: &Config) {
    let r = readings(a, config);
    a.clients = r.clients(&r.guesses());
    a.readings = Some(r);
}

/// Decides the open clients' profiles over the whole capture: `errors` counts the error
/// findings of the rules under the profiles in `a.clients`. Leaves `a.clients` as decided.
pub fn decide(a: &mut Analysis, config: &Config, errors: impl Fn(&Analysis) -> usize) {
    let r = match a.readings.take() {
        Some(r) if r.declared == [&*config.alexa.client_ids, &*config.skill.client_ids] => r,
        _ => readings(a, config),
    };
    let allowed = r.allowed();
    if allowed.len() < 2 {
        let reading = allowed.into_iter().next().unwrap_or_else(|| r.guesses());
        a.clients = r.clients(&reading);
        return;
    }
    let scored: Vec<(usize, Vec<Profile>)> = allowed
        .into_iter()
        .map(|reading| {
            a.clients = r.clients(&reading);
            (errors(a), reading)
        })
        .collect();
    let best = scored.iter().map(|(e, _)| *e).min().unwrap_or(0);
    let next = scored.iter().map(|(e, _)| *e).filter(|e| *e > best).min();
    let tied: Vec<&Vec<Profile>> = scored
        .iter()
        .filter(|(e, _)| *e == best)
        .map(|(_, r)| r)
        .collect();
    let guesses = r.guesses();
    let agree =
        |reading: &Vec<Profile>| reading.iter().zip(&guesses).filter(|(p, g)| p == g).count();
    // Among equally good readings, the one closest to the clients' own evidence is shown
    // first; the others are named beside it.
    let Some(chosen) = tied.iter().copied().max_by_key(|r| agree(r)) else {
        a.clients = r.clients(&guesses);
        return;
    };
    let mut clients = r.clients(chosen);
    let readings = scored.len();
    for (i, o) in r.open.iter().enumerate() {
        let Some(client) = clients.get_mut(&o.id) else {
            continue;
        };
        let other = tied.iter().map(|t| t[i]).find(|p| *p != client.profile);
        client.source = ProfileSource::Decided;
        client.other = other;
        let errors = |n: usize| match n {
            0 => String::from("no error"),
            1 => String::from("one error"),
            n => format!("{n} errors"),
        };
        client.evidence = match other {
            Some(other) => format!(
                "{}; the capture reads two ways: as {} or as {} this client explains it equally well ({} either way), so declare it under [alexa] or [skill] client_ids in tokentrail.toml to settle which",
                o.why,
                client.profile.words(),
                other.words(),
                errors(best),
            ),
            None => format!(
                "{}; of the {readings} readings of this capture's client ids, the one that makes it {} explains the capture best ({}{})",
                o.why,
                client.profile.words(),
                errors(best),
                next.map_or(String::new(), |n| format!(", against {} for the next", errors(n))),
            ),
        };
    }
    a.clients = clients;
}

#[cfg(test)]
mod evidence_tests {
    /// `contains_alexa` is `to_ascii_lowercase().contains("alexa")`: on scopes with the word
    /// in every case, cut, beside non-ASCII letters (whose bytes no ASCII lowering changes).
    #[test]
    fn alexa_is_found_as_the_lower_cased_copy_finds_it() {
        let pieces = [
            "a", "l", "e", "x", "A", "L", "E", "X", "É", "ä", " ", ":", "alexa", "ALEXA",
        ];
        let mut scopes = crate::joined_pieces(&pieces, 4);
        scopes.extend(
            [
                "profile alexa::skills:account_linking",
                "AleXa",
                "alex a",
                "xalexax",
            ]
            .map(String::from),
        );
        let mut found = 0;
        for s in &scopes {
            let plain = s.to_ascii_lowercase().contains("alexa");
            assert_eq!(super::contains_alexa(s), plain, "{s}");
            found += usize::from(plain);
        }
        assert!(found > 1000, "only {found} scopes hold the word");
    }
}

#[cfg(test)]
mod parts_tests {
    use std::collections::BTreeMap;

    use super::super::{
        Analysis, Answer, Authorize, Detail, Endpoint, Step, StepKind, TokenRequest,
    };
    use super::{evidence, step_evidence, ALEXA_SCOPE};

    /// Evidence gathered in parts on every core, each part followed by the next's, is what
    /// one walk over the steps in order gathers: on logs of thousands of steps naming a few
    /// clients at every endpoint, with every scope and refused answers.
    #[test]
    fn evidence_in_parts_is_the_walk_in_order() {
        let ids = ["a", "b", "amzn1.application-oa2-client.c", "d"];
        let endpoints = [Endpoint::Lwa, Endpoint::AlexaApp, Endpoint::Other];
        let scopes = ["", "profile", ALEXA_SCOPE, "Alexa::x", " "];
        for seed in 1..6u64 {
            let mut next = crate::xorshift(seed * 0x2545_f491_4f6c_dd1d);
            let mut pick = |n: usize| (next() % n as u64) as usize;
            let mut a = Analysis::default();
            for entry in 1..6_000 {
                let client_id = (pick(8) != 0).then(|| ids[pick(ids.len())].into());
                let endpoint = Some(endpoints[pick(endpoints.len())]);
                let (kind, detail) = match pick(4) {
                    0 | 1 => {
                        let scope = scopes[pick(scopes.len())];
                        let answer = (pick(3) == 0).then_some(entry);
                        (
                            StepKind::Authorize,
                            Detail::Authorize(Box::new(Authorize {
                                client_id,
                                scope: (!scope.is_empty()).then(|| scope.into()),
                                scopes: scope.split(' ').map(String::from).collect(),
                                endpoint,
                                answer,
                                ..Authorize::default()
                            })),
                        )
                    }
                    2 => (
                        StepKind::TokenRequest,
                        Detail::TokenRequest(Box::new(TokenRequest {
                            client_id,
                            endpoint,
                            ..TokenRequest::default()
                        })),
                    ),
                    _ => (
                        StepKind::Answer,
                        Detail::Answer(Box::new(Answer {
                            authorize: 0,
                            url: String::new(),
                            via: super::super::Via::Url,
                            code: None,
                            error: ["unauthorized_client", "access_denied"]
                                .get(pick(3))
                                .map(|e| e.to_string()),
                            error_description: None,
                            state: None,
                            recovered_at: None,
                            delivery: super::super::oidc::Delivery::Query,
                            id_token: None,
                            access_token: None,
                        })),
                    ),
                };
                a.steps.push(Step {
                    entry,
                    kind,
                    detail,
                    flow: 0,
                });
            }
            let mut walked = BTreeMap::new();
            for step in &a.steps {
                step_evidence(&a, step, &mut walked);
            }
            assert_eq!(evidence(&a), walked, "seed {seed}");
            assert!(walked.values().any(|e| e.refused_alexa.is_some()));
        }
    }
}
