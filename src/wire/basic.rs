//! HTTP Basic client authentication (RFC 6749 §2.3.1).

use base64::Engine as _;

/// The (client id, secret) of an `Authorization: Basic` credential exactly as encoded, before
/// the form-decoding RFC 6749 asks for.
pub fn decode_raw(credentials: &str) -> Option<(String, String)> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(credentials.trim())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

/// Decodes the credentials of an `Authorization: Basic` header into (client id, secret).
/// Both halves are form-urlencoded by the client, as RFC 6749 §2.3.1 requires.
pub fn decode(credentials: &str) -> Option<(String, String)> {
    let (id, secret) = decode_raw(credentials)?;
    Some((super::form::decode(&id), super::form::decode(&secret)))
}
