//! The relations between values that the copy must keep, learnt from the first pass's
//! analysis: a PKCE `code_challenge` is BASE64URL(SHA256(code_verifier)) (RFC 7636 §4.2), and
//! an id_token's `at_hash` / `c_hash` the left half of a hash of its access token / code
//! (OpenID Connect Core §3.1.3.6, §3.3.2.11). Independent placeholders would break every
//! such pair (the copy would show a mismatch the original does not have, and hide one it
//! has), so the hash of an original value stands as the same hash of the value's placeholder:
//! where the original's pair matched, the copy's matches; where it did not, the copy's does
//! not either (the copy's challenge is then an ordinary placeholder). A `plain` challenge is
//! its verifier, and equal values already get equal placeholders.

use std::collections::HashMap;

use crate::flow::{self, Analysis, Detail};
use crate::secret::placeholder::Placeholders;
use crate::secret::SecretKind;

/// One algorithm of each hash family `at_hash` and `c_hash` may use (SHA-256, -384, -512).
const HASH_FAMILIES: &[&str] = &["RS256", "RS384", "RS512"];

/// `placeholders` with the derived stand-ins of `analysis`'s verifiers, tokens and codes.
pub(super) fn learn(analysis: &Analysis, placeholders: &Placeholders) -> Placeholders {
    let mut derived = HashMap::new();
    let s256 = flow::security::s256;
    for step in &analysis.steps {
        if let Detail::TokenRequest(t) = &step.detail {
            if let Some(verifier) = t.code_verifier.as_deref().filter(|v| !v.is_empty()) {
                let stand_in = placeholders.placeholder(SecretKind::CodeVerifier, verifier);
                derived.insert(s256(verifier), s256(&stand_in));
            }
        }
    }
    let tokens = analysis
        .tokens
        .iter()
        .filter(|t| t.kind == flow::TokenKind::Access)
        .map(|t| (t.value.as_str(), SecretKind::AccessToken));
    let codes = analysis
        .codes
        .iter()
        .map(|c| (c.value.as_str(), SecretKind::Code));
    // Only where an id_token could hold such a hash: a capture without one (the Alexa flow, a
    // large recording of API calls) pays nothing.
    if !analysis.id_tokens.is_empty() {
        for (value, kind) in tokens.chain(codes).filter(|(v, _)| !v.is_empty()) {
            let stand_in = placeholders.placeholder(kind, value);
            for alg in HASH_FAMILIES {
                if let (Some(from), Some(to)) = (
                    flow::jwt::left_half_hash(alg, value),
                    flow::jwt::left_half_hash(alg, &stand_in),
                ) {
                    derived.insert(from, to);
                }
            }
        }
    }
    if derived.is_empty() {
        return placeholders.clone();
    }
    placeholders.with_derived(derived)
}
