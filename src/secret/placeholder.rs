//! Keyed placeholders: the stand-ins `tokentrail sanitize` writes for secrets.
//!
//! A placeholder is derived from the secret with HMAC-SHA256 under a key, so:
//! * equal secrets get equal placeholders (in one file, and across files sanitized with the
//!   same `--key-file`), and different secrets different ones (at least 40 bits each);
//! * without the key, nothing about the secret can be learnt from it but its shape;
//! * it keeps the secret's shape, so the sanitized capture still reads like the original: a
//!   public type prefix (`Atza|`, `Atzr|`, `amzn1.oa2-cs.v1.`, an LWA code's `AN`) is kept, punctuation stays where it was, and letters and digits are redrawn from the
//!   same alphabet (hex stays hex, digits stay digits). A value too short to be distinct is
//!   lengthened. HTTP Basic credentials stay `base64(client id:secret)`, the id as it was and
//!   the secret replaced, so a reader can still tell which client authenticated.
//!
//! A placeholder also has a tag (a keyed hash) that sanitized output records, so that running
//! `sanitize` again with the same key recognises its own placeholders and keeps them.

/// The vendor field of `log` where sanitized output records that it was sanitized, and the
/// tags of its placeholders (so a second run with the same key keeps them).
pub const MARK: &str = "_tokentrail_sanitized";

/// What the mark says a copy keeps of the relations between values (see `sanitize`'s
/// relations): a copy that says it can have its PKCE pairs and id_token hashes compared; an
/// older copy (without it) holds independent placeholders there, which prove nothing.
pub const RELATIONS_KEPT: &str =
    "code_challenge = S256(code_verifier) and id_token at_hash, c_hash, nonce kept";

mod jwt;

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::SecretKind;

type HmacSha256 = Hmac<Sha256>;

/// The secret key placeholders are derived with.
#[derive(Clone)]
pub struct Key(Vec<u8>);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(…)")
    }
}

impl Key {
    /// A fresh random key from the operating system. (In the browser the page passes
    /// `crypto.getRandomValues` bytes to [`Key::from_bytes`] instead.)
    #[cfg(feature = "cli")]
    pub fn random() -> Result<Key, String> {
        let mut bytes = vec![0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| format!("cannot get random bytes for the key: {e}"))?;
        Ok(Key(bytes))
    }

    /// A key given by the user: the bytes as they are, less trailing whitespace (so a key
    /// file written with `echo` or an editor gives the same key as one without a newline).
    pub fn from_bytes(bytes: &[u8]) -> Result<Key, String> {
        let end = bytes
            .iter()
            .rposition(|b| !b.is_ascii_whitespace())
            .map_or(0, |i| i + 1);
        let bytes = bytes.get(..end).unwrap_or_default();
        if bytes.len() < 16 {
            return Err(format!(
                "the key is {} bytes long; use at least 16 (e.g. `head -c 32 /dev/urandom | base64 > key`)",
                bytes.len()
            ));
        }
        Ok(Key(bytes.to_vec()))
    }

    /// Reads a key file (see [`Key::from_bytes`]).
    pub fn from_file(path: &std::path::Path) -> Result<Key, String> {
        let bytes = std::fs::read(path)
            .map_err(|e| format!("{}: cannot read the key file: {e}", path.display()))?;
        Key::from_bytes(&bytes).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// Makes placeholders under one key.
#[derive(Clone)]
pub struct Placeholders {
    /// HMAC keyed once: its inner and outer key blocks are hashed here, not on every value
    /// (a placeholder takes one MAC per 16 characters, and a large capture has hundreds of
    /// thousands).
    keyed: HmacSha256,
    /// Stand-ins fixed by a relation the copy must keep, by the original value: a PKCE
    /// challenge stands as the hash of its verifier's placeholder, an `at_hash` as the hash
    /// of its token's ([`Placeholders::with_derived`]).
    derived: Arc<HashMap<String, String>>,
}

impl std::fmt::Debug for Placeholders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Placeholders(…)")
    }
}

/// Type prefixes kept as they are: they say what a value is, not what it holds.
const KEPT_PREFIXES: &[&str] = &["Atza|", "Atzr|", "Atc|", "amzn1.oa2-cs.v1."];

/// A placeholder holds at least this much of its key's output, so two secrets of one capture
/// (or one incident) almost never get the same placeholder.
const MIN_BITS: f64 = 40.0;

impl Placeholders {
    pub fn new(key: Key) -> Self {
        // A key of any length is valid for HMAC, so this cannot fail.
        let keyed = match HmacSha256::new_from_slice(&key.0) {
            Ok(m) => m,
            Err(_) => unreachable!("HMAC takes keys of any length"),
        };
        Placeholders {
            keyed,
            derived: Arc::default(),
        }
    }

    /// These placeholders, with the stand-ins of values derived from others: where the
    /// original holds `hash(x)` (a PKCE `code_challenge` of its verifier, an id_token's
    /// `at_hash` of its access token), the copy must hold `hash(placeholder(x))`, or the rules
    /// that compare them would see a mismatch the original does not have, and miss one it
    /// has. `derived` maps each original hash to the one of the placeholder; the caller
    /// computes it (it knows the hashes) with these placeholders.
    pub fn with_derived(&self, derived: HashMap<String, String>) -> Placeholders {
        Placeholders {
            keyed: self.keyed.clone(),
            derived: Arc::new(derived),
        }
    }

    fn mac(&self, label: &[u8], parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = self.keyed.clone();
        mac.update(label);
        for p in parts {
            mac.update(&(p.len() as u64).to_be_bytes());
            mac.update(p);
        }
        mac.finalize().into_bytes().into()
    }

    /// The tag sanitized output records for a placeholder (48 bits of a keyed hash, hex).
    pub fn tag(&self, placeholder: &str) -> String {
        format!("{:012x}", self.tag_number(placeholder))
    }

    /// [`Placeholders::tag`] as a number (its 48 bits).
    pub fn tag_number(&self, placeholder: &str) -> u64 {
        let mac = self.mac(b"tokentrail-tag-v1", &[placeholder.as_bytes()]);
        let mut bytes = [0u8; 8];
        bytes[2..].copy_from_slice(&mac[..6]);
        u64::from_be_bytes(bytes)
    }

    /// The placeholder for a secret. It depends on the value alone (and, for `Credentials`,
    /// on whether they are Basic credentials), so equal values get equal placeholders.
    pub fn placeholder(&self, kind: SecretKind, value: &str) -> String {
        if !self.derived.is_empty() {
            if let Some(stand_in) = self.derived.get(value) {
                return stand_in.clone();
            }
        }
        if kind == SecretKind::Credentials {
            if let Some(p) = self.basic(value) {
                return p;
            }
        }
        if let Some(stand_in) = jwt::claim_keeping(self, value) {
            return stand_in;
        }
        self.drawn(value, true)
    }

    /// The drawn placeholder of `value` (neither derived, Basic nor a JWT): byte by byte when
    /// the value is ASCII and `bytes` (most are), else character by character (the same
    /// placeholder, which a test checks).
    fn drawn(&self, value: &str, bytes: bool) -> String {
        let (prefix, tail) = split_prefix(value);
        let ascii = bytes && tail.is_ascii();
        let t = if ascii {
            Template::of_ascii(tail)
        } else {
            Template::of(tail)
        };
        let alphabet = t.alphabet.as_bytes();
        let mut stream = Stream::new(self, value);
        let mut out = String::with_capacity(value.len() + 8);
        out.push_str(prefix);
        if ascii {
            for &b in tail.as_bytes() {
                if b.is_ascii_alphanumeric() || !t.keep_punctuation {
                    out.push(stream.pick(alphabet));
                } else {
                    out.push(char::from(b));
                }
            }
        } else {
            for c in tail.chars() {
                if drawn(c) || !t.keep_punctuation {
                    out.push(stream.pick(alphabet));
                } else {
                    out.push(c);
                }
            }
        }
        for _ in 0..t.extra {
            out.push(stream.pick(alphabet));
        }
        out
    }

    /// `base64(id:secret)` with the secret replaced; `None` when `value` is not Basic
    /// credentials.
    fn basic(&self, value: &str) -> Option<String> {
        let (id, secret) = crate::wire::basic::decode_raw(value)?;
        // RFC 6749 form-encodes the secret inside Basic; the secret stands elsewhere decoded.
        let decoded = crate::wire::form::decode(&secret);
        let replaced = self.placeholder(SecretKind::ClientSecret, &decoded);
        let replaced = if decoded == secret {
            replaced
        } else {
            percent_encoding::utf8_percent_encode(&replaced, crate::wire::form::FORM).to_string()
        };
        Some(base64::engine::general_purpose::STANDARD.encode(format!("{id}:{replaced}")))
    }
}

/// The part of a value kept as it is, and the rest.
fn split_prefix(value: &str) -> (&str, &str) {
    for p in KEPT_PREFIXES {
        if let Some(rest) = value.strip_prefix(p) {
            if !rest.is_empty() {
                return (p, rest);
            }
        }
    }
    // (A JWT's header is no prefix: its stand-in keeps what the policy says, see `jwt`.)
    // An LWA authorization code: `AN` and letters.
    if value.len() >= 12
        && value.starts_with("AN")
        && value.bytes().all(|b| b.is_ascii_alphabetic())
    {
        return value.split_at(2);
    }
    ("", value)
}

const DIGITS: &str = "0123456789";
const HEX_LOWER: &str = "0123456789abcdef";
const HEX_UPPER: &str = "0123456789ABCDEF";
const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const ALNUM: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const LOWER_DIGITS: &str = "0123456789abcdefghijklmnopqrstuvwxyz";
const UPPER_DIGITS: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LETTERS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Whether a character of a value is drawn anew in its placeholder: letters and digits (and
/// non-ASCII characters).
fn drawn(c: char) -> bool {
    c.is_ascii_alphanumeric() || !c.is_ascii()
}

/// What a value's placeholder is made of: its punctuation in place (see below), every letter
/// and digit (and non-ASCII character) drawn from the value's own alphabet, and extra
/// characters at the end when the value is too short to be distinct.
#[derive(Debug, PartialEq, Eq)]
struct Template {
    alphabet: &'static str,
    /// Punctuation stays where it is (else it is drawn too).
    keep_punctuation: bool,
    /// Characters drawn after the value's own.
    extra: usize,
}

/// What [`Template::of`] asks of each ASCII byte, as bits ([`ASCII_CLASSES`]).
mod class {
    pub const DRAWN: u8 = 1;
    pub const DIGIT: u8 = 2;
    pub const LOWER: u8 = 4;
    pub const UPPER: u8 = 8;
    /// Not drawn, or a lower-case hex digit (`all_hex_lower` holds over the drawn ones).
    pub const HEX_LOWER_OR_KEPT: u8 = 16;
    /// Not drawn, or an upper-case hex digit.
    pub const HEX_UPPER_OR_KEPT: u8 = 32;
    pub const A_TO_F: u8 = 64;
    pub const UPPER_A_TO_F: u8 = 128;
}

/// [`class`] of each ASCII byte.
const ASCII_CLASSES: [u8; 128] = {
    use class::*;
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        let mut f = 0;
        let digit = c.is_ascii_digit();
        let lower = c.is_ascii_lowercase();
        let upper = c.is_ascii_uppercase();
        if digit || lower || upper {
            f |= DRAWN;
            if digit || matches!(c, b'a'..=b'f') {
                f |= HEX_LOWER_OR_KEPT;
            }
            if digit || matches!(c, b'A'..=b'F') {
                f |= HEX_UPPER_OR_KEPT;
            }
        } else {
            f |= HEX_LOWER_OR_KEPT | HEX_UPPER_OR_KEPT;
        }
        if digit {
            f |= DIGIT;
        }
        if lower {
            f |= LOWER;
        }
        if upper {
            f |= UPPER;
        }
        if matches!(c, b'a'..=b'f') {
            f |= A_TO_F;
        }
        if matches!(c, b'A'..=b'F') {
            f |= UPPER_A_TO_F;
        }
        t[b] = f;
        b += 1;
    }
    t
};

impl Template {
    /// [`Template::of`] an ASCII `tail`, by a table of each byte's classes (a test compares
    /// the two).
    fn of_ascii(tail: &str) -> Template {
        use class::*;
        let (mut any, mut all, mut letters_and_digits) = (0u8, u8::MAX, 0usize);
        for &b in tail.as_bytes() {
            let f = ASCII_CLASSES[usize::from(b & 0x7f)];
            any |= f;
            all &= f;
            letters_and_digits += usize::from(f & DRAWN);
        }
        Template::from_classes(
            Classes {
                digits: any & DIGIT != 0,
                lower: any & LOWER != 0,
                upper: any & UPPER != 0,
                all_hex_lower: all & HEX_LOWER_OR_KEPT != 0,
                all_hex_upper: all & HEX_UPPER_OR_KEPT != 0,
                a_to_f: any & A_TO_F != 0,
                upper_a_to_f: any & UPPER_A_TO_F != 0,
            },
            tail.len(),
            letters_and_digits,
        )
    }

    /// The template of `tail`, read in one pass.
    fn of(tail: &str) -> Template {
        let (mut digits, mut lower, mut upper) = (false, false, false);
        let (mut all_hex_lower, mut all_hex_upper) = (true, true);
        let (mut a_to_f, mut upper_a_to_f) = (false, false);
        let (mut total, mut letters_and_digits) = (0usize, 0usize);
        for c in tail.chars() {
            total += 1;
            a_to_f |= matches!(c, 'a'..='f');
            upper_a_to_f |= matches!(c, 'A'..='F');
            if !drawn(c) {
                continue;
            }
            letters_and_digits += 1;
            digits |= c.is_ascii_digit();
            lower |= c.is_ascii_lowercase() || !c.is_ascii();
            upper |= c.is_ascii_uppercase();
            all_hex_lower &= matches!(c, '0'..='9' | 'a'..='f');
            all_hex_upper &= matches!(c, '0'..='9' | 'A'..='F');
        }
        Template::from_classes(
            Classes {
                digits,
                lower,
                upper,
                all_hex_lower,
                all_hex_upper,
                a_to_f,
                upper_a_to_f,
            },
            total,
            letters_and_digits,
        )
    }

    /// The template of a tail of `total` characters, `letters_and_digits` of them drawn.
    fn from_classes(c: Classes, total: usize, letters_and_digits: usize) -> Template {
        let Classes {
            digits,
            lower,
            upper,
            all_hex_lower,
            all_hex_upper,
            a_to_f,
            upper_a_to_f,
        } = c;
        let alphabet = if all_hex_lower && a_to_f && letters_and_digits >= 8 {
            HEX_LOWER
        } else if all_hex_upper && upper_a_to_f && letters_and_digits >= 8 {
            HEX_UPPER
        } else {
            match (digits, lower, upper) {
                (true, false, false) => DIGITS,
                (false, true, false) => LOWER,
                (false, false, true) => UPPER,
                (false, true, true) => LETTERS,
                (true, true, false) => LOWER_DIGITS,
                (true, false, true) => UPPER_DIGITS,
                _ => ALNUM,
            }
        };
        // Punctuation is kept in place only where it is structure around plenty of letters
        // and digits (`000-0000000-0000000`, a JWT's dots); in a value made mostly of it (a
        // password like `+~/%=|*`), it is the secret, and is drawn too.
        let keep_punctuation =
            letters_and_digits >= 12 && (total - letters_and_digits) * 4 <= total;
        let own = if keep_punctuation {
            letters_and_digits
        } else {
            total
        };
        let bits_each = (alphabet.len() as f64).log2();
        let mut bits = own as f64 * bits_each;
        let mut extra = 0;
        while bits < MIN_BITS {
            extra += 1;
            bits += bits_each;
        }
        Template {
            alphabet,
            keep_punctuation,
            extra,
        }
    }
}

/// What a tail holds ([`Template::of`]): which kinds of drawn characters, whether all of
/// them are hex of one case, and whether any of `a-f`, `A-F` stands anywhere.
struct Classes {
    digits: bool,
    lower: bool,
    upper: bool,
    all_hex_lower: bool,
    all_hex_upper: bool,
    a_to_f: bool,
    upper_a_to_f: bool,
}

/// Characters drawn from HMAC output: block `i` is HMAC(key, label, i, value).
struct Stream<'a> {
    placeholders: &'a Placeholders,
    value: &'a str,
    block: [u8; 32],
    counter: u64,
    used: usize,
}

impl<'a> Stream<'a> {
    fn new(placeholders: &'a Placeholders, value: &'a str) -> Self {
        let mut s = Stream {
            placeholders,
            value,
            block: [0; 32],
            counter: 0,
            used: 0,
        };
        s.refill();
        s
    }

    fn refill(&mut self) {
        self.block = self.placeholders.mac(
            b"tokentrail-placeholder-v1",
            &[&self.counter.to_be_bytes(), self.value.as_bytes()],
        );
        self.counter += 1;
        self.used = 0;
    }

    /// One character of `alphabet` (ASCII); two bytes per pick keep the modulo bias
    /// negligible.
    #[inline]
    fn pick(&mut self, alphabet: &[u8]) -> char {
        if self.used + 2 > self.block.len() {
            self.refill();
        }
        let n = u16::from_be_bytes([self.block[self.used], self.block[self.used + 1]]);
        self.used += 2;
        char::from(alphabet[usize::from(n) % alphabet.len()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ph(key: &[u8]) -> Placeholders {
        Placeholders::new(Key::from_bytes(key).expect("key"))
    }

    const K1: &[u8] = b"0123456789abcdef-one";
    const K2: &[u8] = b"0123456789abcdef-two";

    /// The byte-by-byte drawing of ASCII values gives the placeholder the character-by-
    /// character one gives, for values of every alphabet, punctuation share and length.
    #[test]
    fn ascii_values_are_drawn_as_characters_are() {
        let p = ph(K1);
        let pieces = [
            "0",
            "7",
            "a",
            "f",
            "g",
            "z",
            "A",
            "F",
            "G",
            "Z",
            "-",
            ".",
            " ",
            "|",
            "+",
            "/",
            "=",
            "_",
            "~",
            "%",
            "\"",
            "deadbeef",
            "DEADBEEF",
            "AN",
            "Atza|",
            "amzn1.oa2-cs.v1.",
        ];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let n = x % 24;
            let mut y = x;
            let value: String = (0..n)
                .map(|_| {
                    y = y.rotate_left(5) ^ 0x2545_F491_4F6C_DD1D;
                    pieces[(y % pieces.len() as u64) as usize]
                })
                .collect();
            let (_, tail) = split_prefix(&value);
            assert_eq!(Template::of_ascii(tail), Template::of(tail), "{value:?}");
            assert_eq!(p.drawn(&value, true), p.drawn(&value, false), "{value:?}");
        }
    }

    #[test]
    fn keeps_type_prefix_length_and_alphabet() {
        let p = ph(K1);
        let token = "Atza|IwEBIExampleTokenValue-0123456789_abc";
        let t = p.placeholder(SecretKind::AccessToken, token);
        assert!(t.starts_with("Atza|"), "{t}");
        assert_eq!(t.len(), token.len());
        assert_eq!(t.find('-'), token.find('-'));
        assert_ne!(t, token);
        let code = "ANdNAVhyhqirUelHGEHA";
        let c = p.placeholder(SecretKind::Code, code);
        assert!(c.starts_with("AN") && c.len() == 20, "{c}");
        assert!(c.bytes().all(|b| b.is_ascii_alphabetic()), "{c}");
        let secret = format!("amzn1.oa2-cs.v1.{}", "0a1b2c3d".repeat(8));
        let s = p.placeholder(SecretKind::ClientSecret, &secret);
        assert!(
            s.starts_with("amzn1.oa2-cs.v1.") && s.len() == secret.len(),
            "{s}"
        );
        assert!(s[16..]
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        let digits = p.placeholder(SecretKind::Cookie, "000-0000000-0000000");
        assert_eq!(digits.len(), 19);
        assert!(digits.split('-').map(str::len).eq([3, 7, 7]), "{digits}");
    }

    #[test]
    fn a_jwt_keeps_its_public_claims_and_replaces_the_rest() {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let part = |json: &str| URL_SAFE_NO_PAD.encode(json);
        let jwt = |claims: &str, sig: &str| {
            format!(
                "{}.{}.{sig}",
                part(r#"{"alg":"RS256","kid":"k1","jku":"https://idp.example.com/keys"}"#),
                part(claims)
            )
        };
        let claims = r#"{"iss":"https://idp.example.com","aud":["c1","c2"],"azp":"c1","exp":1710412867,"iat":1710409267,"sub":"248289761001","email":"jane@example.com","nonce":"n-0S6_WzA2Mj","at_hash":"77QmUPtjPfzWtF2AnpK9RQ","auth_time":1710409260,"ver":2,"email_verified":true,"x_9Kq2ZvT8mWp":{"deep":["Qz7vKp7Lm2Xw9Rt4Yb8Nc",421337]}}"#;
        let original = jwt(claims, "c2lnbmF0dXJlLXZhbHVlLTAxMjM0NTY3ODk");
        let p = ph(K1);
        let copy = p.placeholder(SecretKind::IdToken, &original);
        let decoded = crate::flow::jwt::decode(&copy).expect("still a JWT");
        assert_eq!(decoded.alg(), Some("RS256"));
        assert_eq!(decoded.header["kid"], "k1");
        assert_ne!(decoded.header["jku"], "https://idp.example.com/keys");
        assert_eq!(decoded.claim_str("iss"), Some("https://idp.example.com"));
        assert_eq!(decoded.audiences(), Some(vec!["c1".into(), "c2".into()]));
        assert_eq!(decoded.claim_str("azp"), Some("c1"));
        assert_eq!(decoded.claim_time("exp"), Some(1_710_412_867));
        assert_eq!(decoded.claim_time("iat"), Some(1_710_409_267));
        // Every other value is the placeholder it gets anywhere else.
        for (name, value) in [
            ("sub", "248289761001"),
            ("email", "jane@example.com"),
            ("nonce", "n-0S6_WzA2Mj"),
            ("at_hash", "77QmUPtjPfzWtF2AnpK9RQ"),
            ("auth_time", "1710409260"),
        ] {
            let stand_in = p.placeholder(SecretKind::Value, value);
            assert_eq!(decoded.claim_str(name), Some(stand_in.as_str()), "{name}");
            assert!(!copy.contains(&part(value)), "{name}");
        }
        // At any depth, under any name: a name not name-shaped is replaced too.
        let payload = serde_json::to_string(&decoded.claims).expect("json");
        for secret in ["Qz7vKp7Lm2Xw9Rt4Yb8Nc", "421337", "x_9Kq2ZvT8mWp"] {
            assert!(!payload.contains(secret), "{secret} in {payload}");
        }
        assert_eq!(decoded.claims["ver"], 2);
        assert_eq!(decoded.claims["email_verified"], true);
        let signature = copy.rsplit('.').next().expect("a signature");
        assert_eq!(signature.len(), "c2lnbmF0dXJlLXZhbHVlLTAxMjM0NTY3ODk".len());
        assert_ne!(signature, "c2lnbmF0dXJlLXZhbHVlLTAxMjM0NTY3ODk");
        // Equal tokens, equal stand-ins; a token differing in its signature alone differs.
        assert_eq!(copy, p.placeholder(SecretKind::AccessToken, &original));
        let resigned = jwt(claims, "b3RoZXItc2lnbmF0dXJlLTAxMjM0NTY3ODk");
        assert_ne!(copy, p.placeholder(SecretKind::IdToken, &resigned));
        assert_ne!(copy, ph(K2).placeholder(SecretKind::IdToken, &original));
        // Unsigned stays unsigned; a payload that is not JSON is redrawn at its length.
        let none = format!("{}.{}.", part(r#"{"alg":"none"}"#), part(r#"{"sub":"x1"}"#));
        assert!(p.placeholder(SecretKind::IdToken, &none).ends_with('.'));
        let opaque = format!("{}.bm90LWpzb24tcGF5bG9hZA.sig", part(r#"{"alg":"dir"}"#));
        let o = p.placeholder(SecretKind::IdToken, &opaque);
        assert_eq!(o.split('.').nth(1).map(str::len), Some(22), "{o}");
        assert!(!o.contains("bm90LWpzb24tcGF5bG9hZA"));
    }

    #[test]
    fn derived_values_stand_as_given() {
        let p = ph(K1);
        let mut derived = HashMap::new();
        derived.insert(
            "challenge-original".to_string(),
            "challenge-of-copy".to_string(),
        );
        let q = p.with_derived(derived);
        assert_eq!(
            q.placeholder(SecretKind::Value, "challenge-original"),
            "challenge-of-copy"
        );
        assert_eq!(
            q.placeholder(SecretKind::Value, "other-value-01"),
            p.placeholder(SecretKind::Value, "other-value-01")
        );
    }

    #[test]
    fn short_values_are_lengthened_to_stay_distinct() {
        let p = ph(K1);
        let pin = p.placeholder(SecretKind::Code, "4821");
        assert!(
            pin.len() >= 13 && pin.bytes().all(|b| b.is_ascii_digit()),
            "{pin}"
        );
        assert_eq!(p.placeholder(SecretKind::Password, "ab").len(), 9);
        let punct = p.placeholder(SecretKind::Password, "+~/%=|*");
        assert!(punct.bytes().all(|b| b.is_ascii_alphanumeric()), "{punct}");
        let pw = p.placeholder(SecretKind::Password, "Tr4il-eJjB2Ctadn5C");
        assert_eq!(pw.find('-'), Some(5), "{pw}");
    }

    #[test]
    fn equal_values_equal_placeholders_and_keys_differ() {
        let (a, b) = (ph(K1), ph(K2));
        let v = "Atzr|IwEBIRefresh/Token+Value==";
        assert_eq!(
            a.placeholder(SecretKind::RefreshToken, v),
            a.placeholder(SecretKind::Code, v)
        );
        assert_ne!(
            a.placeholder(SecretKind::RefreshToken, v),
            b.placeholder(SecretKind::RefreshToken, v)
        );
        assert_ne!(
            a.placeholder(SecretKind::Code, "ANaaaaaaaaaaaaaaaaaa"),
            a.placeholder(SecretKind::Code, "ANaaaaaaaaaaaaaaaaab")
        );
        assert_eq!(a.tag("x"), a.tag("x"));
        assert_ne!(a.tag("x"), b.tag("x"));
    }

    #[test]
    fn basic_credentials_keep_the_client_id() {
        let p = ph(K1);
        let cred = base64::engine::general_purpose::STANDARD.encode("my-client:s3cr%2Bet-value");
        let out = p.placeholder(SecretKind::Credentials, &cred);
        let (id, secret) = crate::wire::basic::decode(&out).expect("still Basic");
        assert_eq!(id, "my-client");
        assert_eq!(
            secret,
            p.placeholder(SecretKind::ClientSecret, "s3cr+et-value")
        );
    }

    #[test]
    fn keys_must_be_long_enough() {
        assert!(Key::from_bytes(b"short\n").is_err());
        let a = Key::from_bytes(b"0123456789abcdef\n").expect("key");
        let b = Key::from_bytes(b"0123456789abcdef").expect("key");
        assert_eq!(
            Placeholders::new(a).placeholder(SecretKind::Code, "abcdefgh"),
            Placeholders::new(b).placeholder(SecretKind::Code, "abcdefgh")
        );
        assert!(Key::random().is_ok());
    }
}
