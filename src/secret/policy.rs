//! The default-deny policy: what of a capture may be shown or kept.
//!
//! A value is shown (by reports) or kept (by `sanitize`) only when this module knows it is
//! safe: structure (header names that are known or name-shaped, JSON keys, parameter names,
//! punctuation, status lines), short numbers and booleans where they are not credentials, and
//! the values of the names in [`PUBLIC`]. Everything else goes through a [`Replace`]: a mask for
//! display ([`Mask`]), a keyed placeholder for `sanitize` ([`Keyed`]). Recognising a secret
//! (by name or shape) only decides its [`SecretKind`], which names it and shapes a placeholder;
//! it never decides whether it is hidden.
//!
//! The walkers take text as it stands in a capture (an encoded query, a JSON document, a raw
//! HTTP message) and return it with every value the policy does not know replaced, keeping
//! everything else byte for byte, so that spans found in the result still point at the same
//! structure.

mod body;
mod burp;
mod fields;
mod headers;
mod http;
mod json;
mod mitm;
mod names;

pub use body::*;
pub use burp::*;
pub use fields::*;
pub use headers::*;
pub use http::*;
pub use json::*;
pub use mitm::dump as mitm_dump;
use names::Applies::{Capture, Field, Header};
use names::Shown::{Text, Url};
pub use names::*;

use std::borrow::Cow;

use base64::Engine as _;

use super::placeholder::Placeholders;
use super::{kind_by_shape, kind_of_field, kind_of_header, mask, SecretKind};
use crate::wire::form::{decode as form_decode, decode_cow as form_decode_cow};

/// What hidden values become.
pub trait Replace {
    /// The stand-in for `value` (decoded: no percent or JSON escapes), of kind `kind`.
    fn replace(&mut self, kind: SecretKind, value: &str) -> String;

    /// [`Replace::replace`] appended to `out` (a replacer that keeps its stand-ins writes them
    /// there without a `String` each).
    fn replace_into(&mut self, kind: SecretKind, value: &str, out: &mut String) {
        let stand_in = self.replace(kind, value);
        out.push_str(&stand_in);
    }

    /// The stand-in for `Authorization: Basic` credentials `encoded` (the base64 text), which
    /// decode to `id:secret`. The client id is public; the secret is not.
    fn basic(&mut self, encoded: &str, _id: &str, _secret: &str) -> String {
        self.replace(SecretKind::Credentials, encoded)
    }

    /// Whether a stand-in is written back encoded as the value was (percent-, form- or
    /// base64-encoded), so the result is still a valid capture (`sanitize`); else it is
    /// written as it is, for people to read.
    fn encodes(&self) -> bool {
        true
    }

    /// Whether nothing is hidden at all (`--show-secrets`): the walkers return their input.
    fn keeps_all(&self) -> bool {
        false
    }

    /// The kind of `value` when it is an artifact the analysis identified (a code, a token):
    /// hidden wherever it stands, also where the policy would show a value like it (a short
    /// number, a path segment, a name-shaped fragment). Only `sanitize` knows any.
    fn identified(&self, _value: &str) -> Option<SecretKind> {
        None
    }

    /// An HTML page rebuilt from what the policy keeps of it, when this replacer knows the
    /// page's shape (`sanitize`: a `form_post` answer); `None` (the default, and display's
    /// way) replaces it whole like any opaque body.
    fn html_page(&mut self, _text: &str) -> Option<String> {
        None
    }
}

/// `value`, which the policy would show, unless it is an identified artifact ([`Replace::identified`]).
fn shown_unless_identified<'v, R: Replace + ?Sized>(value: &'v str, r: &mut R) -> Cow<'v, str> {
    match r.identified(value) {
        Some(kind) => Cow::Owned(r.replace(kind, value)),
        None => Cow::Borrowed(value),
    }
}

/// Display: hidden values become [`mask`]s (`AN…#3f2a9c`), so equal values look equal and a
/// finding's masked artifacts are found in the text. With `--show-secrets`, nothing is hidden.
#[derive(Debug, Default, Clone, Copy)]
pub struct Mask;

impl Replace for Mask {
    fn replace(&mut self, _kind: SecretKind, value: &str) -> String {
        mask(value)
    }

    fn basic(&mut self, _encoded: &str, id: &str, secret: &str) -> String {
        format!("{id}:{}", mask(secret))
    }

    fn encodes(&self) -> bool {
        false
    }

    fn keeps_all(&self) -> bool {
        super::revealing()
    }
}

/// `sanitize`: hidden values become keyed placeholders of the same shape
/// ([`Placeholders::placeholder`]); Basic credentials keep their client id.
#[derive(Debug, Clone, Copy)]
pub struct Keyed<'p> {
    pub placeholders: &'p Placeholders,
}

impl Replace for Keyed<'_> {
    fn replace(&mut self, kind: SecretKind, value: &str) -> String {
        self.placeholders.placeholder(kind, value)
    }
}

/// The kind a value under `name` is hidden as: by its name, else its shape, else
/// [`SecretKind::Value`].
fn kind_for(name: &str, value: &str) -> SecretKind {
    let facts = name_facts(name);
    facts
        .header_kind
        .or(facts.field_kind)
        .or_else(|| kind_by_shape(value))
        .unwrap_or(SecretKind::Value)
}

/// Whether a value needs no hiding whatever its name: a short number or a boolean, unless its
/// name marks a credential. Six digits can be a one-time code, so numbers of up to 3 digits only.
fn harmless_scalar(name: &str, value: &str) -> bool {
    let facts = name_facts(name);
    if facts.header_secret || facts.field_kind.is_some() {
        return false;
    }
    let v = value.trim();
    matches!(v, "true" | "false")
        || (!v.is_empty() && v.len() <= 3 && v.bytes().all(|b| b.is_ascii_digit()))
}

/// A decoded JWT claim (or header parameter) as facts and messages show it: as it is when
/// [`PUBLIC`] lists its name as an [`Applies::Claim`] (who issued the token, for whom, until
/// when, how it is signed; a URL walked as one); else masked, so equal values still compare
/// equal.
pub fn claim(name: &str, value: &str) -> String {
    if super::revealing() {
        return value.to_string();
    }
    match public_name(name, names::Applies::Claim) {
        Some(p) if p.shown == Url => url(value, &mut Mask),
        Some(_) => value.to_string(),
        None => mask(value),
    }
}

/// Whether a JWT claim or header parameter is public ([`PUBLIC`]'s [`Applies::Claim`] names):
/// the one decision display and `sanitize`'s claim-keeping placeholders share.
pub fn public_claim(name: &str) -> bool {
    public_name(name, names::Applies::Claim).is_some()
}

/// Whether a public claim is a URL, shown walked as one ([`url`]).
pub fn public_claim_is_url(name: &str) -> bool {
    public_name(name, names::Applies::Claim).is_some_and(|p| p.shown == Url)
}

/// Whether `value` is already a mask ([`mask`]'s form: at most a public prefix or two
/// characters, `…#`, six hex digits): showing it again reveals nothing, and masking it twice
/// would break the equality a fingerprint shows.
pub fn is_mask(value: &str) -> bool {
    let Some((head, fingerprint)) = value.rsplit_once("…#") else {
        return false;
    };
    fingerprint.len() == 6
        && fingerprint
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        && (head.chars().count() <= 2 || super::PUBLIC_PREFIXES.contains(&head))
}

/// A parser's error message (serde_json, quick-xml) made safe to show: what it quotes from the
/// input (`invalid type: string "Bearer …"`) is left out, so the message keeps the place and
/// what was expected (`expected `log.entries` to be a list`, which the reader wrote) and never
/// the value found. A back-quoted word that is name-shaped (a key, `true`) stays. The result
/// is one line.
pub fn error_message(message: &str) -> String {
    // What follows "expected" is the reader's own description, never input.
    let (found, expected) = match message.find(", expected ") {
        Some(i) => message.split_at(i),
        None => (message, ""),
    };
    let mut out = String::with_capacity(message.len());
    let mut chars = found.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    match (escaped, c) {
                        (true, _) => escaped = false,
                        (false, '\\') => escaped = true,
                        (false, '"') => break,
                        _ => {}
                    }
                }
                out.push_str("(value not shown)");
            }
            '`' => {
                let quoted: String = chars.by_ref().take_while(|&c| c != '`').collect();
                let punctuation = !quoted.is_empty()
                    && quoted.len() <= 3
                    && !quoted.contains(char::is_alphanumeric);
                if name_shaped(&quoted) || punctuation {
                    out.push('`');
                    out.push_str(&quoted);
                    out.push('`');
                } else {
                    out.push_str("(value not shown)");
                }
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.extend(
        expected
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c }),
    );
    out
}

#[cfg(test)]
mod tests;
