//! Claim-keeping placeholders for JWTs (id_tokens, JWT access tokens).
//!
//! An opaque stand-in would leave the OpenID Connect rules nothing to read in a sanitized
//! copy. So a JWT's stand-in is a JWT again: its header and claims decoded, the header
//! parameters and claims the policy lists as public ([`policy::public_claim`]: `iss`, `aud`,
//! `exp`, `alg`, …) kept, every other value (`sub`, `email`, `nonce`, `at_hash`, …) replaced
//! by the placeholder it gets anywhere else (so a nonce still equals the authorize request's,
//! and a hash recomputed from the copy's token or code, see [`Placeholders::with_derived`]
//! stands for a hash of the original), names that are not name-shaped replaced too, and the
//! signature redrawn from the whole token. The stand-in depends on the token alone: equal
//! tokens get equal stand-ins, and tokens that differ anywhere differ (a kept claim as it
//! is, a replaced one by its placeholder, the signature by the keyed hash of the token).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{Map, Value};

use super::{Placeholders, Stream};
use crate::secret::policy::{self, Keyed};
use crate::secret::SecretKind;

/// The characters of a base64url part.
const B64URL: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";

/// The claim-keeping stand-in for `value` when it is a compact JWS whose header decodes to a
/// JSON object; `None` for anything else (an opaque token, a JWE of five parts).
pub(super) fn claim_keeping(p: &Placeholders, value: &str) -> Option<String> {
    if !value.starts_with("eyJ") {
        return None;
    }
    let mut parts = value.split('.');
    let (header, claims, signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header = object(header)?;
    let mut stream = Stream::new(p, value);
    let mut out = String::with_capacity(value.len());
    out.push_str(&encode(&kept(p, header)));
    out.push('.');
    match object(claims) {
        Some(claims) => out.push_str(&encode(&kept(p, claims))),
        // Not JSON (an encrypted or compressed payload): nothing to keep, its length only.
        None => out.extend((0..claims.len()).map(|_| stream.pick(B64URL.as_bytes()))),
    }
    out.push('.');
    // An unsigned token (`alg: none`) keeps its empty signature: the rules look for it.
    out.extend((0..signature.len()).map(|_| stream.pick(B64URL.as_bytes())));
    Some(out)
}

/// A part decoded: base64url (padded or not) of a JSON object.
fn object(part: &str) -> Option<Map<String, Value>> {
    let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

fn encode(object: &Map<String, Value>) -> String {
    // Serializing a map of JSON values cannot fail.
    let json = serde_json::to_vec(object).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

/// A header or claims object with what the policy does not know to be public replaced.
fn kept(p: &Placeholders, object: Map<String, Value>) -> Map<String, Value> {
    object
        .into_iter()
        .map(|(name, value)| {
            let value = if policy::public_claim(&name) {
                shown(p, &name, value)
            } else {
                replaced(p, value)
            };
            (key(p, name), value)
        })
        .collect()
}

/// A public claim as the policy shows it: URLs (`iss`) walked as URLs, so the copy's issuer
/// is its discovery document's issuer as the copy holds it.
fn shown(p: &Placeholders, name: &str, value: Value) -> Value {
    match value {
        Value::String(s) if policy::public_claim_is_url(name) => {
            Value::String(policy::url(&s, &mut Keyed { placeholders: p }))
        }
        other => other,
    }
}

/// A name kept when name-shaped, else replaced.
fn key(p: &Placeholders, name: String) -> String {
    if policy::name_shaped(&name) {
        name
    } else {
        p.placeholder(SecretKind::Value, &name)
    }
}

/// A value the policy does not know: strings replaced by their placeholders, numbers too
/// (as strings) unless of up to 3 digits, booleans and `null` kept, containers walked.
fn replaced(p: &Placeholders, value: Value) -> Value {
    match value {
        Value::String(s) => Value::String(p.placeholder(SecretKind::Value, &s)),
        Value::Number(n) => {
            let text = n.to_string();
            if text.len() <= 3 && text.bytes().all(|b| b.is_ascii_digit()) {
                Value::Number(n)
            } else {
                Value::String(p.placeholder(SecretKind::Value, &text))
            }
        }
        Value::Array(items) => Value::Array(items.into_iter().map(|v| replaced(p, v)).collect()),
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (key(p, k), replaced(p, v)))
                .collect(),
        ),
        other => other,
    }
}
