//! What a copy written by `tokentrail sanitize` says about its own placeholders.
//!
//! A client secret's profile is found by comparing its SHA-256 with the fingerprints declared
//! in tokentrail.toml, and a placeholder cannot hash to its secret's fingerprint without being
//! the secret. So `sanitize`, given the config, records in its mark which placeholder secrets
//! stand for a declared profile's secret: the SHA-256 of the placeholder (not of the secret)
//! and the profile's name. That says of the secret only that it is the one declared under
//! that profile, which the finding itself says. It is read only from the mark of a HAR's `log`
//! (outside every entry, so a capture that carries a copy in a body is not taken for one), and
//! only names the profile of a secret that hashes to what it lists.

use serde::Deserialize;

use super::Profile;
use crate::model::{Capture, Format};
use crate::secret::placeholder::MARK;

/// The member of the mark that lists the secret profiles.
pub const SECRET_PROFILES: &str = "secret_profiles";

/// One secret of the copy whose original matched a declared fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
pub struct SecretProfile {
    /// The SHA-256 of the placeholder secret, lower-case hex.
    pub sha256: String,
    /// `alexa` or `skill`.
    pub profile: String,
}

#[derive(Deserialize)]
struct Mark {
    #[serde(default)]
    secret_profiles: Vec<SecretProfile>,
}

/// The secret profiles a sanitized HAR copy records in its mark; empty for any other capture.
pub fn secret_profiles(capture: &Capture) -> Vec<SecretProfile> {
    if capture.format != Format::Har {
        return Vec::new();
    }
    let source: &[u8] = &capture.source;
    // The frame: the text before the first entry and after the last (a cut copy has its mark
    // before its entries).
    let (head, tail) = match (capture.exchanges.first(), capture.exchanges.last()) {
        (Some(first), Some(last)) => (
            source.get(..first.span.start).unwrap_or_default(),
            source.get(last.span.end..).unwrap_or_default(),
        ),
        _ => return Vec::new(),
    };
    let needle = format!("\"{MARK}\"");
    [head, tail]
        .into_iter()
        .find_map(|text| {
            let at = memchr::memmem::find(text, needle.as_bytes())?;
            let rest = text[at + needle.len()..].trim_ascii_start();
            let rest = rest.strip_prefix(b":")?;
            serde_json::Deserializer::from_slice(rest)
                .into_iter::<Mark>()
                .next()?
                .ok()
        })
        .map(|m| m.secret_profiles)
        .unwrap_or_default()
}

/// The profile `profiles` names for a secret of SHA-256 `sha256`.
pub fn profile_of(profiles: &[SecretProfile], sha256: &str) -> Option<Profile> {
    let p = profiles.iter().find(|p| p.sha256 == sha256)?;
    match p.profile.as_str() {
        "alexa" => Some(Profile::Alexa),
        "skill" => Some(Profile::Skill),
        _ => None,
    }
}
