//! The one place that handles raw secret values: what is secret, how it is shown, and its
//! fingerprint. Everything else holds secrets only inside [`SecretSet`] or as masked strings.
//!
//! Submodules: [`placeholder`] makes the keyed, shape-keeping stand-ins `tokentrail sanitize`
//! writes, and [`redact`] replaces secrets inside parsed strings with them.

mod json_body;
pub mod placeholder;
pub mod policy;
pub mod redact;

use std::fmt::Write as _;

use percent_encoding::utf8_percent_encode;
use sha2::{Digest, Sha256};

use crate::model::Exchange;
use crate::wire::form::{self, FORM, URL_COMPONENT};

/// What kind of secret a value is; decides the word shown before the mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SecretKind {
    Code,
    AccessToken,
    RefreshToken,
    IdToken,
    ClientSecret,
    Credentials,
    Password,
    Cookie,
    CodeVerifier,
    ApiKey,
    /// A value no list recognises: hidden because the policy does not know it is safe.
    Value,
}

impl SecretKind {
    pub fn word(self) -> &'static str {
        match self {
            SecretKind::Code => "code",
            SecretKind::AccessToken => "access token",
            SecretKind::RefreshToken => "refresh token",
            SecretKind::IdToken => "id token",
            SecretKind::ClientSecret => "client secret",
            SecretKind::Credentials => "credentials",
            SecretKind::Password => "password",
            SecretKind::Cookie => "cookie",
            SecretKind::CodeVerifier => "code verifier",
            SecretKind::ApiKey => "api key",
            SecretKind::Value => "value",
        }
    }
}

/// A short, stable fingerprint: equal values get equal fingerprints in every run and output.
pub fn fingerprint(value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    let mut out = String::with_capacity(6);
    for b in &digest[..3] {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Prefixes that name a value's type without revealing it (LWA tokens and secrets, JWTs).
const PUBLIC_PREFIXES: &[&str] = &["Atza|", "Atzr|", "Atc|", "amzn1.oa2-cs.v1.", "eyJ"];

/// The masked form of a secret: a public prefix, an ellipsis and a fingerprint, e.g.
/// `AN…#3f2a9c` or `Atza|…#0b11e4`. Never contains more than 2 characters of the value,
/// except a well-known type prefix.
///
/// ```
/// use tokentrail::secret::mask;
/// let token = "Atza|IwEBIExampleExampleExample0123456789";
/// let masked = mask(token);
/// assert!(masked.starts_with("Atza|…#"));
/// assert!(!masked.contains("IwEB"));
/// assert_eq!(masked, mask(token), "equal values look equal");
/// ```
pub fn mask(value: &str) -> String {
    if revealing() {
        return value.to_string();
    }
    let prefix = PUBLIC_PREFIXES
        .iter()
        .find(|p| value.starts_with(**p) && value.len() > p.len() + 8)
        .map(|p| (*p).to_string())
        .unwrap_or_else(|| {
            if value.chars().count() >= 12 {
                value.chars().take(2).collect()
            } else {
                String::new()
            }
        });
    format!("{prefix}…#{}", fingerprint(value))
}

static REVEAL: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Turns masking off for the rest of the process: [`mask`] and [`SecretSet::mask_text`] return
/// raw values. Only the CLI's `--show-secrets` calls this, once, before any work (and warns).
pub fn reveal_secrets() {
    REVEAL.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Whether [`reveal_secrets`] was called.
pub fn revealing() -> bool {
    REVEAL.load(std::sync::atomic::Ordering::Relaxed)
}

/// Parameter and JSON field names whose value is a secret, ignoring ASCII case. The fast
/// reader's needles must find each of them (a test checks it).
pub(crate) const SECRET_FIELDS: &[(&str, SecretKind)] = &[
    ("code", SecretKind::Code),
    ("authcode", SecretKind::Code),
    ("auth_code", SecretKind::Code),
    ("access_token", SecretKind::AccessToken),
    ("accesstoken", SecretKind::AccessToken),
    ("token", SecretKind::AccessToken),
    ("refresh_token", SecretKind::RefreshToken),
    ("refreshtoken", SecretKind::RefreshToken),
    ("id_token", SecretKind::IdToken),
    ("idtoken", SecretKind::IdToken),
    ("assertion", SecretKind::IdToken),
    ("client_assertion", SecretKind::IdToken),
    ("session_token", SecretKind::AccessToken),
    ("sessiontoken", SecretKind::AccessToken),
    ("subject_token", SecretKind::AccessToken),
    ("actor_token", SecretKind::AccessToken),
    ("client_secret", SecretKind::ClientSecret),
    ("clientsecret", SecretKind::ClientSecret),
    ("secret", SecretKind::ClientSecret),
    ("password", SecretKind::Password),
    ("passwd", SecretKind::Password),
    ("pwd", SecretKind::Password),
    ("passphrase", SecretKind::Password),
    ("code_verifier", SecretKind::CodeVerifier),
    ("codeverifier", SecretKind::CodeVerifier),
    ("api_key", SecretKind::ApiKey),
    ("apikey", SecretKind::ApiKey),
    ("x-api-key", SecretKind::ApiKey),
];

/// Endings of names apps make up (`csrf_token`, `appActionToken`, `user_password`,
/// `api-secret`), for names not in [`SECRET_FIELDS`].
pub(crate) const SECRET_SUFFIXES: &[(&str, SecretKind)] = &[
    ("token", SecretKind::AccessToken),
    ("password", SecretKind::Password),
    ("secret", SecretKind::ClientSecret),
];

/// The kind `name` has in `table`, ignoring ASCII case: compared without lower-casing a copy,
/// as this runs for every header, parameter and JSON field of the entries read in full.
fn named(table: &[(&str, SecretKind)], name: &str) -> Option<SecretKind> {
    table
        .iter()
        .find(|(known, _)| name.eq_ignore_ascii_case(known))
        .map(|&(_, kind)| kind)
}

/// Field, parameter and JSON key names whose values are secret wherever they appear.
pub(crate) fn kind_of_field(name: &str) -> Option<SecretKind> {
    if let Some(kind) = named(SECRET_FIELDS, name) {
        return Some(kind);
    }
    SECRET_SUFFIXES
        .iter()
        .find(|(suffix, _)| {
            let from = name.len().checked_sub(suffix.len());
            from.and_then(|from| name.as_bytes().get(from..))
                .is_some_and(|end| end.eq_ignore_ascii_case(suffix.as_bytes()))
        })
        .map(|&(_, kind)| kind)
}

/// Header names whose whole value is a secret.
pub(crate) fn kind_of_header(name: &str) -> Option<SecretKind> {
    named(SECRET_HEADERS, name)
}

/// Header names whose whole value is a secret, ignoring ASCII case. The fast reader's needles
/// must find each of them but the cookie headers, which it collects itself (a test checks it).
pub(crate) const SECRET_HEADERS: &[(&str, SecretKind)] = &[
    ("authorization", SecretKind::Credentials),
    ("proxy-authorization", SecretKind::Credentials),
    ("cookie", SecretKind::Cookie),
    ("set-cookie", SecretKind::Cookie),
    ("x-api-key", SecretKind::ApiKey),
    ("x-amz-security-token", SecretKind::ApiKey),
    ("api-key", SecretKind::ApiKey),
    ("apikey", SecretKind::ApiKey),
    ("x-goog-api-key", SecretKind::ApiKey),
    ("ocp-apim-subscription-key", SecretKind::ApiKey),
    ("x-amz-access-token", SecretKind::AccessToken),
    ("x-auth-token", SecretKind::AccessToken),
    ("x-access-token", SecretKind::AccessToken),
    ("x-csrf-token", SecretKind::AccessToken),
    ("x-xsrf-token", SecretKind::AccessToken),
];

/// Every secret value of one capture, so that any text shown from it can be masked.
#[derive(Default, Clone)]
pub struct SecretSet {
    values: std::collections::BTreeMap<String, SecretKind>,
    /// Codes and tokens too short to mask wherever they appear; masked only where they stand
    /// as a whole parameter value or JSON string.
    short: std::collections::BTreeMap<String, SecretKind>,
    /// Built on first use: one automaton over every spelling of every secret, so masking a
    /// text costs one pass over it however many secrets the capture holds.
    matcher: std::sync::OnceLock<Matcher>,
}

#[derive(Clone)]
struct Matcher {
    automaton: aho_corasick::AhoCorasick,
    /// What replaces each pattern of the automaton, by pattern index.
    replacements: Vec<std::sync::Arc<str>>,
}

impl std::fmt::Debug for SecretSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SecretSet({} values, {} short)",
            self.values.len(),
            self.short.len()
        )
    }
}

impl SecretSet {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Values shorter than this are not treated as secrets: masking `1` or `ok` everywhere
    /// would destroy the text and protect nothing.
    const MIN_LEN: usize = 6;

    pub fn add(&mut self, kind: SecretKind, value: &str) {
        let value = value.trim();
        if kind == SecretKind::Password && value.len() < Self::MIN_LEN {
            // A password is secret however short: mask it where it stands whole.
            return self.add_identified(kind, value);
        }
        if value.len() < Self::MIN_LEN || self.values.contains_key(value) {
            return;
        }
        self.values.insert(value.to_string(), kind);
        self.matcher = std::sync::OnceLock::new();
    }

    /// Adds the secrets of `later` (found after these in the same capture): a value already
    /// here keeps its kind, as if `later`'s were collected after these.
    pub fn extend(&mut self, later: SecretSet) {
        let before = (self.values.len(), self.short.len());
        for (value, kind) in later.values {
            self.values.entry(value).or_insert(kind);
        }
        for (value, kind) in later.short {
            self.short.entry(value).or_insert(kind);
        }
        if (self.values.len(), self.short.len()) != before {
            self.matcher = std::sync::OnceLock::new();
        }
    }

    /// Adds a value reconstruction identified as a code or token, whatever its length. One
    /// too short to mask everywhere is masked where it stands whole: as a parameter value
    /// (`code=4821&`) or a JSON string (`"4821"`).
    pub fn add_identified(&mut self, kind: SecretKind, value: &str) {
        let value = value.trim();
        if value.len() >= Self::MIN_LEN {
            self.add(kind, value);
        } else if !value.is_empty() && !self.short.contains_key(value) {
            self.short.insert(value.to_string(), kind);
            self.matcher = std::sync::OnceLock::new();
        }
    }

    /// Collects secrets from raw capture text that no reader could parse (the unfinished entry
    /// of a cut-off file): secret-named parameters and JSON fields, credential headers, and
    /// values with a known secret shape.
    pub fn collect_raw(&mut self, text: &str) {
        for c in raw_fields().captures_iter(text) {
            let (Some(name), Some(value)) = (c.name("name"), c.name("value")) else {
                continue;
            };
            let value = form::decode(value.as_str());
            if let Some(kind) = kind_of_field(name.as_str()) {
                self.add(kind, &value);
            }
        }
        for c in raw_headers().captures_iter(text) {
            if let (Some(name), Some(value)) = (c.name("name"), c.name("value")) {
                self.add_header(name.as_str(), value.as_str());
            }
        }
        self.add_by_shape(text);
    }

    /// Collects the secrets one exchange carries: credential headers, cookies, secret-named
    /// query, form and JSON fields, and values with a known secret shape.
    pub fn collect(&mut self, exchange: &Exchange) {
        let req = &exchange.request;
        for h in &req.headers {
            self.add_header(&h.name, &h.value);
        }
        if let Some(url) = crate::wire::url::query_pairs(&req.url) {
            for (k, v) in url {
                self.add_field(&k, &v);
            }
        }
        if let Some(body) = &req.body {
            for (k, v) in &body.params {
                self.add_field(k, v);
            }
            self.add_body(&body.text);
        }
        if let Some(resp) = &exchange.response {
            for h in &resp.headers {
                self.add_header(&h.name, &h.value);
            }
            if let Some(loc) = resp.location() {
                if let Some(pairs) = crate::wire::url::query_pairs(loc) {
                    for (k, v) in pairs {
                        self.add_field(&k, &v);
                    }
                }
            }
            if let Some(body) = &resp.body {
                self.add_body(&body.text);
            }
        }
    }

    /// Collects the secrets of one header (what [`SecretSet::collect`] does for each).
    pub(crate) fn add_header(&mut self, name: &str, value: &str) {
        let Some(kind) = kind_of_header(name) else {
            return;
        };
        let is = |known: &str| name.eq_ignore_ascii_case(known);
        let credentials = is("authorization") || is("proxy-authorization");
        // Credential and cookie headers are masked part by part, so the scheme and cookie
        // names stay readable and a Bearer token shows the same mask as the token itself.
        let by_parts = credentials || is("cookie") || is("set-cookie");
        if !by_parts || !value.trim().contains([' ', '=']) {
            self.add(kind, value);
        }
        if credentials {
            if let Some((scheme, cred)) = value.trim().split_once(' ') {
                let cred = cred.trim();
                if scheme.eq_ignore_ascii_case("bearer") {
                    self.add(SecretKind::AccessToken, cred);
                } else {
                    self.add(SecretKind::Credentials, cred);
                    if let Some((_, secret)) = crate::wire::basic::decode(cred) {
                        self.add(SecretKind::ClientSecret, &secret);
                    }
                }
            }
        } else if by_parts {
            if is("cookie") {
                self.add_cookies(value, value.split(';'));
            } else {
                // Firefox joins several Set-Cookie headers into one value, a line each; only
                // the first `name=value` of each line is a cookie, the rest are attributes.
                self.add_cookies(value, value.lines().filter_map(|l| l.split(';').next()));
            }
        }
    }

    /// The values of a cookie header's `name=value` pairs.
    fn add_cookies<'v>(&mut self, header: &str, pairs: impl Iterator<Item = &'v str>) {
        let mut short = false;
        for pair in pairs {
            if let Some((_, v)) = pair.split_once('=') {
                short |= !v.trim().is_empty() && v.trim().len() < Self::MIN_LEN;
                self.add(SecretKind::Cookie, v);
            }
        }
        // A cookie too short to mask on its own is hidden with its whole header.
        if short {
            self.add(SecretKind::Cookie, header);
        }
    }

    fn add_field(&mut self, name: &str, value: &str) {
        if let Some(kind) = kind_of_field(name) {
            self.add(kind, value);
        }
        self.add_by_shape(value);
    }

    fn add_body(&mut self, text: &str) {
        let trimmed = text.trim_start();
        if trimmed.starts_with('{') || trimmed.starts_with('[') {
            match json_body::strings(text) {
                Some(found) => {
                    for f in found {
                        match f {
                            json_body::Found::Field(k, v) => self.add_field(&k, &v),
                            json_body::Found::Alone(v) => self.add_by_shape(&v),
                        }
                    }
                }
                // Not JSON, or a key repeated (which a `Value` reads its own way).
                None => {
                    if let Ok(json) = serde_json::from_str::<serde_json::Value>(text) {
                        self.add_json(&json);
                    }
                }
            }
        } else if !trimmed.is_empty() && !trimmed.starts_with('<') {
            for (k, v) in form::pairs(text) {
                self.add_field(&k, &v);
            }
        }
        self.add_by_shape(text);
    }

    fn add_json(&mut self, value: &serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    match v {
                        serde_json::Value::String(s) => self.add_field(k, s),
                        other => self.add_json(other),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| self.add_json(v)),
            serde_json::Value::String(s) => self.add_by_shape(s),
            _ => {}
        }
    }

    /// LWA tokens, codes and client secrets, and JWTs, are recognisable wherever they appear.
    fn add_by_shape(&mut self, text: &str) {
        for m in shapes().find_iter(text) {
            if let Some(kind) = shape_match_kind(m.as_str()) {
                self.add(kind, m.as_str());
            }
        }
    }

    /// Whether `value` is one of this capture's secrets.
    pub fn contains(&self, value: &str) -> bool {
        self.values.contains_key(value)
    }

    pub fn kind(&self, value: &str) -> Option<SecretKind> {
        self.values.get(value).copied()
    }

    /// Iterates over raw values and kinds; for tests and the sanitizer only.
    pub fn iter(&self) -> impl Iterator<Item = (&str, SecretKind)> {
        self.values.iter().map(|(v, k)| (v.as_str(), *k))
    }

    /// Codes and tokens too short to replace everywhere ([`SecretSet::add_identified`]); for
    /// the sanitizer only.
    pub fn iter_short(&self) -> impl Iterator<Item = (&str, SecretKind)> {
        self.short.iter().map(|(v, k)| (v.as_str(), *k))
    }

    /// The text with every secret replaced by its mask, in every encoding it may appear in
    /// (raw, percent-encoded, form-encoded, JSON-escaped). Where secrets overlap, the longest
    /// wins, so a secret containing another is replaced whole.
    pub fn mask_text(&self, text: &str) -> String {
        if revealing() {
            return text.to_string();
        }
        if self.values.is_empty() && self.short.is_empty() {
            return text.to_string();
        }
        let Some(m) = self.matcher() else {
            return text.to_string();
        };
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for hit in m.automaton.find_iter(text) {
            out.push_str(text.get(last..hit.start()).unwrap_or(""));
            out.push_str(
                m.replacements
                    .get(hit.pattern().as_usize())
                    .map_or("…", |s| s),
            );
            last = hit.end();
        }
        out.push_str(text.get(last..).unwrap_or(""));
        out
    }

    /// Builds what masking needs now rather than at the first text masked.
    pub fn prepare_masking(&self) {
        self.matcher();
    }

    fn matcher(&self) -> Option<&Matcher> {
        if let Some(m) = self.matcher.get() {
            return Some(m);
        }
        let mut patterns = Vec::new();
        let mut replacements: Vec<std::sync::Arc<str>> = Vec::new();
        for value in self.values.keys() {
            let masked: std::sync::Arc<str> = std::sync::Arc::from(mask(value));
            for variant in spellings(value) {
                patterns.push(variant);
                replacements.push(masked.clone());
            }
        }
        for value in self.short.keys() {
            let masked = mask(value);
            for variant in spellings(value) {
                for (before, after) in SHORT_CONTEXTS {
                    patterns.push(format!("{before}{variant}{after}"));
                    replacements.push(std::sync::Arc::from(format!("{before}{masked}{after}")));
                }
            }
        }
        // A DFA searches a little faster but takes tens of milliseconds to build for a long
        // capture's cookies, and only a few short texts (URLs, snippets) are ever masked; the
        // contiguous NFA, built from this one, was still 1.5 % of a batch of small captures.
        let automaton = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .kind(Some(aho_corasick::AhoCorasickKind::NoncontiguousNFA))
            .build(&patterns)
            .ok()?;
        Some(self.matcher.get_or_init(|| Matcher {
            automaton,
            replacements,
        }))
    }
}

/// The spellings a value can take inside a URL, a form body or a JSON string: as is,
/// percent-encoded (upper- and lower-case hex), form-encoded, each also JSON-escaped (with `/`
/// as is or `\\/`).
pub fn spellings(value: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in spell(value, false) {
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// Each spelling of `value` paired with the same spelling of `replacement`, so a sanitizer
/// writes a stand-in encoded exactly as the secret it replaces was. Where two spellings of
/// `value` coincide, the first pairing is kept.
pub fn spelling_pairs(value: &str, replacement: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (s, r) in spell(value, true).into_iter().zip(spell(replacement, true)) {
        if !s.is_empty() && !out.iter().any(|(seen, _)| *seen == s) {
            out.push((s, r));
        }
    }
    out
}

/// Every spelling of `value`, repeats included. With `aligned`, the list has the same length
/// and order for every value, so the spellings of two values can be paired.
fn spell(value: &str, aligned: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: String| out.push(s);
    let pct = utf8_percent_encode(value, URL_COMPONENT).to_string();
    let form = utf8_percent_encode(value, FORM)
        .to_string()
        .replace("%20", "+");
    let encoded = [value.to_string(), lower_hex_escapes(&pct), pct, form];
    // A body that is itself JSON is escaped twice in the HAR (`\/` for a `\/` the app
    // wrote), and some writers escape every non-ASCII character as `\uXXXX`.
    for e in encoded {
        for once in json_escapes(&e, aligned) {
            for twice in json_escapes(&once, aligned) {
                push(twice);
            }
            push(once);
        }
        push(e);
    }
    out
}

/// The ways a JSON writer may escape a string's content: as is (only what JSON requires),
/// with `/` as `\/`, and with non-ASCII as `\uXXXX` (with `all`, those two even for ASCII, so
/// every string gets the same number of spellings).
fn json_escapes(s: &str, all: bool) -> Vec<String> {
    let plain = serde_json::to_string(s).unwrap_or_default();
    let plain = plain
        .get(1..plain.len().saturating_sub(1))
        .unwrap_or("")
        .to_string();
    let slashed = plain.replace('/', "\\/");
    let mut out = vec![plain.clone(), slashed];
    if all || !s.is_ascii() {
        for upper in [false, true] {
            let mut ascii = String::with_capacity(plain.len() * 2);
            for c in plain.chars() {
                if c.is_ascii() {
                    ascii.push(c);
                    continue;
                }
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    if upper {
                        ascii.push_str(&format!("\\u{u:04X}"));
                    } else {
                        ascii.push_str(&format!("\\u{u:04x}"));
                    }
                }
            }
            out.push(ascii);
        }
    }
    out
}

/// `%7C` → `%7c`: some encoders write lower-case hex digits.
fn lower_hex_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut hex_left = 0;
    for c in text.chars() {
        if c == '%' {
            hex_left = 2;
            out.push(c);
        } else if hex_left > 0 {
            hex_left -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Where a short secret is masked: around a parameter value or a JSON string.
const SHORT_CONTEXTS: &[(&str, &str)] = &[
    ("=", "&"),
    ("=", "\""),
    ("=", "#"),
    ("=", "\\"),
    ("\"", "\""),
    ("\\\"", "\\\""),
];

/// `name=value` and `"name": "value"` pairs in raw text, for names that may be secret.
fn raw_fields() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    // A constant pattern, compiled by every test run: it cannot fail on input.
    #[allow(clippy::expect_used)]
    RE.get_or_init(|| {
        regex::Regex::new(
            r#"(?i)(?:^|[?&"\\\s])(?P<name>code|authcode|auth_code|client_secret|access_token|refresh_token|id_token|client_assertion|session_token|code_verifier|password|passwd|passphrase|token|secret|api_key|apikey)(?:=|\\?"\s*:\s*\\?")(?P<value>[^&"\\\s#]+)"#,
        )
        .expect("static regex")
    })
}

/// HAR header objects in raw text: `"name": "Cookie", "value": "..."`.
fn raw_headers() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    // A constant pattern, compiled by every test run: it cannot fail on input.
    #[allow(clippy::expect_used)]
    RE.get_or_init(|| {
        regex::Regex::new(
            r#"(?i)"name"\s*:\s*"(?P<name>authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|x-amz-access-token|x-amz-security-token|x-auth-token|x-access-token)"\s*,\s*"value"\s*:\s*"(?P<value>[^"]*)"#,
        )
        .expect("static regex")
    })
}

/// The kind of the first value of a known secret shape in `text` (LWA tokens, codes and client
/// secrets, JWTs), if any.
pub(crate) fn kind_by_shape(text: &str) -> Option<SecretKind> {
    // No shape is shorter (`Atza|` and 8 more); most texts asked about are names and words.
    if text.len() < SHAPE_MIN {
        return None;
    }
    shapes()
        .find_iter(text)
        .find_map(|m| shape_match_kind(m.as_str()))
}

/// The kind of one match of [`shapes`]; `None` for a shouted word that only looks like a code.
fn shape_match_kind(v: &str) -> Option<SecretKind> {
    if v.starts_with("AN") && !v.bytes().any(|b| b.is_ascii_lowercase()) {
        return None;
    }
    Some(if v.starts_with("Atzr|") {
        SecretKind::RefreshToken
    } else if v.starts_with("amzn1.oa2-cs") {
        SecretKind::ClientSecret
    } else if v.starts_with("eyJ") {
        SecretKind::IdToken
    } else if !v.contains('|') {
        SecretKind::Code
    } else {
        SecretKind::AccessToken
    })
}

/// The shortest text [`shapes`] matches: `Atza|` and 8 characters.
const SHAPE_MIN: usize = 13;

fn shapes() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    // A constant pattern, compiled by every test run: it cannot fail on input.
    #[allow(clippy::expect_used)]
    RE.get_or_init(|| {
        regex::Regex::new(
            // LWA: `Atza|`/`Atzr|` tokens, `amzn1.oa2-cs.v1.` client secrets, and codes of
            // `AN` + 18 letters (mixed case, so a shouted word is not one). JWTs: a JSON
            // header and payload, base64url (`eyJ` is `{"`).
            r"Atz[ar]\|[A-Za-z0-9_\-\.!~*'()+/=%|]{8,}|amzn1\.oa2-cs\.v1\.[0-9a-f]{16,}|(?-u:\b)AN[A-Za-z]{18}(?-u:\b)|(?-u:\b)eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*",
        )
        .expect("static regex")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_keeps_type_prefix_and_fingerprint_only() {
        let token = "Atza|IwEBIExampleTokenValue0123456789";
        let m = mask(token);
        assert!(m.starts_with("Atza|…#"), "{m}");
        assert!(!m.contains("IwEB"));
        assert_eq!(m, mask(token), "stable");
        assert_ne!(m, mask("Atza|IwEBIExampleTokenValue0123456780"));
    }

    #[test]
    fn short_values_show_no_characters() {
        assert_eq!(mask("abcdefg").chars().next(), Some('…'));
    }

    #[test]
    fn masks_json_inside_json_and_ascii_escapes() {
        let mut set = SecretSet::new();
        set.add(SecretKind::Code, "ANab/cdEF+gh/IJklMNop");
        set.add(SecretKind::ClientSecret, "sécret-valeur-123");
        // A JSON body written into a HAR: its `\/` becomes `\\/`; non-ASCII as `\u00e9`.
        let har = r#"{"text":"{\"code\":\"ANab\\/cdEF+gh\\/IJklMNop\",\"s\":\"s\u00e9cret-valeur-123\"}"}"#;
        let masked = set.mask_text(har);
        assert!(!masked.contains("cdEF"), "{masked}");
        assert!(!masked.contains("cret-valeur"), "{masked}");
    }

    #[test]
    fn short_codes_are_masked_only_where_they_stand_whole() {
        let mut set = SecretSet::new();
        set.add_identified(SecretKind::Code, "4821");
        let masked = set.mask_text(r#"?code=4821&state=x "authCode":"4821" port 14821 size=48210"#);
        assert!(
            !masked.contains("=4821&") && !masked.contains("\"4821\""),
            "{masked}"
        );
        assert!(
            masked.contains("14821") && masked.contains("48210"),
            "{masked}"
        );
    }

    #[test]
    fn secrets_of_an_unparsed_tail_are_found_in_raw_text() {
        let mut set = SecretSet::new();
        set.collect_raw(
            r#""text": "grant_type=authorization_code&code=ANtailcodetailcode&client_secret=tail-secret-999",
            "headers": [ { "name": "Cookie", "value": "session-id=107-2775209-7641783" } ] , "par"#,
        );
        for s in [
            "ANtailcodetailcode",
            "tail-secret-999",
            "107-2775209-7641783",
        ] {
            assert!(set.contains(s), "{s}");
        }
    }

    #[test]
    fn every_cookie_of_a_joined_set_cookie_is_secret() {
        let mut set = SecretSet::new();
        set.add_header(
            "Set-Cookie",
            "a=first-cookie-value; Path=/\nb=second-cookie-value; Secure",
        );
        assert!(set.contains("first-cookie-value") && set.contains("second-cookie-value"));
        assert!(!set.contains("/"));
    }

    #[test]
    fn masks_encoded_spellings() {
        let mut set = SecretSet::new();
        set.add(SecretKind::RefreshToken, "Atzr|abc/def+ghi=jkl");
        let text = r#"{"text":"refresh_token=Atzr%7Cabc%2Fdef%2Bghi%3Djkl","raw":"Atzr|abc\/def+ghi=jkl"}"#;
        let masked = set.mask_text(text);
        assert!(!masked.contains("abc"), "{masked}");
    }

    #[test]
    fn no_shape_is_shorter_than_the_fast_path_assumes() {
        // The shortest match of each alternative of the regex, as the regex alone finds it.
        for (shortest, kind) in [
            ("Atza|12345678", SecretKind::AccessToken),
            ("Atzr|12345678", SecretKind::RefreshToken),
        ] {
            assert_eq!(shortest.len(), SHAPE_MIN);
            assert_eq!(shapes().find(shortest).map(|m| m.len()), Some(SHAPE_MIN));
            assert_eq!(kind_by_shape(shortest), Some(kind));
        }
        assert_eq!(shapes().find("Atza|1234567"), None);
        for longer in [
            "amzn1.oa2-cs.v1.0123456789abcdef",
            "ANabcdefghijklmnopqr",
            "eyJabcdefgh.eyJabcdefgh.",
        ] {
            assert!(
                shapes().is_match(longer) && longer.len() > SHAPE_MIN,
                "{longer}"
            );
        }
    }
}
