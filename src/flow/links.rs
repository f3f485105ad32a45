//! Links that need the whole capture classified first: which lookup an activation follows,
//! whether a failed attempt was later retried with success, and how long each code lives.

use crate::config::Config;
use crate::model::Capture;

use super::url::Url;
use super::{
    Analysis, Detail, Endpoint, LifetimeSource, Shared, DEFAULT_CODE_LIFETIME, LWA_CODE_LIFETIME,
};

pub fn link(a: &mut Analysis, capture: &Capture, config: &Config) {
    activation_lookups(a);
    recoveries(a, capture);
    code_lifetimes(a, capture, config);
}

fn host_of(capture: &Capture, entry: usize) -> Option<String> {
    let ex = capture.exchanges.get(entry.checked_sub(1)?)?;
    Some(Url::parse(&ex.request.url).host.into_owned())
}

/// Steps are in time order, so "the latest lookup before" is the nearest lower index.
fn activation_lookups(a: &mut Analysis) {
    let mut found = Vec::new();
    for (i, step) in a.steps.iter().enumerate() {
        let Detail::Activation(act) = &step.detail else {
            continue;
        };
        let lookups = a.steps[..i]
            .iter()
            .enumerate()
            .rev()
            .filter_map(|(j, s)| match &s.detail {
                Detail::EndpointLookup(l) if l.endpoints.is_some() => Some((j, l.bearer)),
                _ => None,
            });
        let mut latest = None;
        let mut same_token = None;
        for (j, bearer) in lookups {
            latest.get_or_insert(j);
            if act.bearer.is_some() && bearer == act.bearer {
                same_token = Some(j);
                break;
            }
        }
        if let Some(j) = same_token.or(latest) {
            found.push((i, j));
        }
    }
    for (i, j) in found {
        if let Some(Detail::Activation(act)) = a.steps.get_mut(i).map(|s| &mut s.detail) {
            act.lookup = Some(j);
        }
    }
}

/// A failed answer or token request counts as recovered when a later one of the same kind,
/// for the same client, succeeded: the user cancelled and tried again, say.
fn recoveries(a: &mut Analysis, capture: &Capture) {
    // A retry asks the same server as the same client (a different server or client is
    // another request altogether, not a second try of this one).
    let client_of_answer = |a: &Analysis, i: usize| -> Option<(Option<Shared>, String)> {
        let Detail::Answer(ans) = &a.steps.get(i)?.detail else {
            return None;
        };
        let auth = a.authorize(ans.authorize)?;
        let host = host_of(capture, a.steps.get(ans.authorize)?.entry)?;
        Some((auth.client_id.clone(), host))
    };
    let client_of_token =
        |a: &Analysis, i: usize| -> Option<(Option<Shared>, String, Option<Shared>)> {
            let t = a.token_request(i)?;
            let host = host_of(capture, a.steps.get(i)?.entry)?;
            Some((t.client_id.clone(), host, t.grant_type.clone()))
        };
    let mut found = Vec::new();
    for (i, step) in a.steps.iter().enumerate() {
        match &step.detail {
            Detail::Answer(ans) if ans.error.is_some() => {
                let Some(who) = client_of_answer(a, i) else {
                    continue;
                };
                let later = (i + 1..a.steps.len()).find(|&j| {
                    matches!(&a.steps[j].detail, Detail::Answer(x) if x.code.is_some())
                        && client_of_answer(a, j).as_ref() == Some(&who)
                });
                if let Some(j) = later {
                    found.push((i, a.steps[j].entry));
                }
            }
            Detail::TokenRequest(t)
                if t.response
                    .as_ref()
                    .is_some_and(|r| r.error.is_some() || r.status >= 400) =>
            {
                let Some(who) = client_of_token(a, i) else {
                    continue;
                };
                let later = (i + 1..a.steps.len()).find(|&j| {
                    a.token_request(j).is_some_and(|x| {
                        x.response.as_ref().is_some_and(|r| {
                            (200..300).contains(&r.status) && r.access_token.is_some()
                        })
                    }) && client_of_token(a, j).as_ref() == Some(&who)
                });
                if let Some(j) = later {
                    found.push((i, a.steps[j].entry));
                }
            }
            _ => {}
        }
    }
    for (i, entry) in found {
        match a.steps.get_mut(i).map(|s| &mut s.detail) {
            Some(Detail::Answer(ans)) => ans.recovered_at = Some(entry),
            Some(Detail::TokenRequest(t)) => t.recovered_at = Some(entry),
            _ => {}
        }
    }
}

/// LWA (and the Alexa app, which hands out LWA codes) keeps codes 5 minutes; other issuers
/// what the config says for their host, else for all, else 10 minutes.
fn code_lifetimes(a: &mut Analysis, capture: &Capture, config: &Config) {
    let lifetimes: Vec<(i64, LifetimeSource)> = a
        .codes
        .iter()
        .map(|code| {
            let origin = code
                .origin
                .and_then(|o| Some((a.authorize(o)?, a.steps.get(o)?)));
            let lwa = match origin {
                Some((auth, _)) => {
                    matches!(auth.endpoint, Some(Endpoint::Lwa | Endpoint::AlexaApp))
                }
                None => super::is_lwa_code(&code.value),
            };
            if lwa {
                return (LWA_CODE_LIFETIME, LifetimeSource::Lwa);
            }
            let host = origin.and_then(|(_, step)| host_of(capture, step.entry));
            let by_host = host.and_then(|h| config.codes.lifetime_by_host.get(&h).copied());
            match by_host.or(config.codes.lifetime_seconds) {
                Some(secs) => (secs, LifetimeSource::Config),
                None => (DEFAULT_CODE_LIFETIME, LifetimeSource::Default),
            }
        })
        .collect();
    for (code, lifetime) in a.codes.iter_mut().zip(lifetimes) {
        code.lifetime = Some(lifetime);
    }
}
