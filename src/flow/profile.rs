//! Security profiles of client ids: from the user's config when declared, else inferred from
//! what the capture shows each client id doing (domain.md §2).

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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileSource {
    Config,
    Inferred,
    None,
}

impl ProfileSource {
    pub fn name(self) -> &'static str {
        match self {
            ProfileSource::Config => "config",
            ProfileSource::Inferred => "inferred",
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
}

/// What the capture shows one client id doing.
#[derive(Default)]
struct Evidence {
    /// Asked for the Alexa scope, or opened the Alexa app's consent page.
    alexa: Option<String>,
    /// Used at a server that is not Amazon's: only the skill's own client lives there.
    own_server: Option<String>,
    /// Asked LWA for scopes with nothing Alexa-like in them.
    skill_scopes: Option<String>,
}

pub fn infer(a: &Analysis, config: &Config) -> BTreeMap<String, Client> {
    let mut evidence: BTreeMap<String, Evidence> = BTreeMap::new();
    for step in &a.steps {
        match &step.detail {
            Detail::Authorize(auth) => {
                let Some(id) = &auth.client_id else { continue };
                let ev = evidence.entry(id.clone()).or_default();
                let scope = auth.scope.as_deref().unwrap_or("");
                // Only Amazon can issue codes to the Alexa Client Id, so a request to any
                // other server is the skill's own client whatever scope it names.
                if auth.endpoint == Some(Endpoint::Other) {
                    ev.own_server.get_or_insert(format!(
                        "used at the skill's authorization server at entry #{}",
                        step.entry
                    ));
                } else if auth.endpoint == Some(Endpoint::AlexaApp) {
                    ev.alexa.get_or_insert(format!(
                        "opened the Alexa app's consent page at entry #{}",
                        step.entry
                    ));
                } else if auth.scopes.iter().any(|s| s == ALEXA_SCOPE) {
                    ev.alexa.get_or_insert(format!(
                        "requested scope {ALEXA_SCOPE} at entry #{}",
                        step.entry
                    ));
                } else if !scope.trim().is_empty() && !scope.to_ascii_lowercase().contains("alexa")
                {
                    ev.skill_scopes.get_or_insert(format!(
                        "requested skill scope '{scope}' at entry #{}",
                        step.entry
                    ));
                }
            }
            Detail::TokenRequest(req) => {
                let Some(id) = &req.client_id else { continue };
                let ev = evidence.entry(id.clone()).or_default();
                if req.endpoint == Some(Endpoint::Other) {
                    ev.own_server.get_or_insert(format!(
                        "used at the skill's token endpoint at entry #{}",
                        step.entry
                    ));
                }
            }
            _ => {}
        }
    }
    let declared = |id: &str| {
        let alexa = config.alexa.client_ids.iter().any(|c| c == id);
        let skill = config.skill.client_ids.iter().any(|c| c == id);
        match (alexa, skill) {
            (true, false) => Some(Profile::Alexa),
            (false, true) => Some(Profile::Skill),
            _ => None,
        }
    };
    let mut out = BTreeMap::new();
    for (id, ev) in evidence {
        let client = if let Some(p) = declared(&id) {
            let section = if p == Profile::Alexa {
                "alexa"
            } else {
                "skill"
            };
            Client {
                id: id.clone(),
                profile: p,
                source: ProfileSource::Config,
                evidence: format!("declared under [{section}] in tokentrail.toml"),
            }
        } else {
            let skill = ev.own_server.or(ev.skill_scopes);
            let (profile, why) = match (ev.alexa, skill) {
                (Some(a), Some(s)) => (Profile::Skill, format!("{s}, although it also {a}")),
                (None, Some(s)) => (Profile::Skill, s),
                (Some(a), None) => (Profile::Alexa, a),
                (None, None) => (Profile::Unknown, String::from("no evidence in the capture")),
            };
            let source = if profile == Profile::Unknown {
                ProfileSource::None
            } else {
                ProfileSource::Inferred
            };
            Client {
                id: id.clone(),
                profile,
                source,
                evidence: why,
            }
        };
        out.insert(id, client);
    }
    out
}
