//! Which declared profile each of the copy's placeholder client secrets stands for.
//!
//! `alexa/secret-wrong-profile` compares a client secret's SHA-256 with the fingerprints
//! declared in tokentrail.toml; a placeholder cannot hash to them. Given the config `check`
//! would use, `sanitize` records in its mark, for each token request's secret that matches a
//! declared fingerprint, the SHA-256 of the secret's placeholder and the profile's name
//! ([`crate::flow::sanitized`] reads it back). A copy that already records some (a second
//! run) keeps them for the secrets that stay, and records the new placeholders of those that
//! do not (another key).

use std::collections::{BTreeSet, HashSet};

use crate::config::{fingerprint, Config};
use crate::flow::sanitized::SecretProfile;
use crate::flow::{Analysis, Detail, Profile};
use crate::model::Capture;
use crate::secret::placeholder::Placeholders;
use crate::secret::SecretKind;

/// The secret profiles the copy records, sorted; `analysis` is of the original, and its
/// steps' `secret_profile` already holds what an earlier copy recorded.
pub(super) fn record(
    capture: &Capture,
    analysis: &Analysis,
    config: &Config,
    placeholders: &Placeholders,
    known: &HashSet<u64>,
) -> Vec<SecretProfile> {
    let mut out = BTreeSet::new();
    for step in &analysis.steps {
        let Detail::TokenRequest(t) = &step.detail else {
            continue;
        };
        let Some(sha) = t.secret_sha256.as_deref() else {
            continue;
        };
        let profile = match (config.alexa.has_secret(sha), config.skill.has_secret(sha)) {
            (true, false) => Profile::Alexa,
            (false, true) => Profile::Skill,
            (false, false) => match t.secret_profile {
                Some(p) => p,
                None => continue,
            },
            (true, true) => continue,
        };
        let Some(ex) = capture.exchanges.get(step.entry.wrapping_sub(1)) else {
            continue;
        };
        let Some(secret) = sent_secrets(ex).find(|s| fingerprint(s) == sha) else {
            continue;
        };
        // As the sanitizer does: a placeholder of this key stays, anything else is replaced.
        let stand_in = if !known.is_empty() && known.contains(&placeholders.tag_number(&secret)) {
            secret
        } else {
            placeholders.placeholder(SecretKind::ClientSecret, &secret)
        };
        out.insert(SecretProfile {
            sha256: fingerprint(&stand_in),
            profile: profile.name().to_string(),
        });
    }
    out.into_iter().collect()
}

/// The client secrets a request sends, decoded as reconstruction reads them: in Basic
/// credentials, the form body, the query.
fn sent_secrets(ex: &crate::model::Exchange) -> impl Iterator<Item = String> + '_ {
    let basic = ex
        .request
        .header("authorization")
        .and_then(|h| h.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .and_then(|(_, cred)| crate::wire::basic::decode(cred))
        .map(|(_, secret)| secret);
    let form = ex
        .request
        .body
        .iter()
        .flat_map(|b| crate::wire::form::pairs(&b.text));
    let query = ex
        .request
        .url
        .split_once('?')
        .map(|(_, q)| q.split('#').next().unwrap_or(q))
        .into_iter()
        .flat_map(crate::wire::form::pairs);
    let named = form
        .chain(query)
        .filter(|(k, _)| k == "client_secret")
        .map(|(_, v)| v);
    basic.into_iter().chain(named)
}
