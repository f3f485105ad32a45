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

mod mitm;
pub use mitm::dump as mitm_dump;

use std::borrow::Cow;

use base64::Engine as _;
use percent_encoding::utf8_percent_encode;

use super::placeholder::Placeholders;
use super::{
    form_decode, form_decode_cow, kind_by_shape, kind_of_field, kind_of_header, mask, SecretKind,
};

/// What hidden values become.
pub trait Replace {
    /// The stand-in for `value` (decoded: no percent or JSON escapes), of kind `kind`.
    fn replace(&mut self, kind: SecretKind, value: &str) -> String;

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

/// Where a public name applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applies {
    /// An HTTP header's name.
    Header,
    /// A query, fragment, form or multipart parameter, or a JSON key in a body.
    Field,
    /// A key of the capture file's own structure (HAR, Charles), written by the recording tool.
    Capture,
}

/// How a public value is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// As it is.
    Text,
    /// Walked as a URL ([`url`]): its query and fragment values are not all public.
    Url,
}

/// One public name: its values are shown and kept.
#[derive(Debug, Clone, Copy)]
pub struct Public {
    /// Compared ignoring ASCII case; a trailing `*` matches any rest.
    pub name: &'static str,
    pub applies: Applies,
    pub shown: Shown,
    /// Why its values are safe to show.
    pub why: &'static str,
}

const fn public(name: &'static str, applies: Applies, shown: Shown, why: &'static str) -> Public {
    Public {
        name,
        applies,
        shown,
        why,
    }
}

use Applies::{Capture, Field, Header};
use Shown::{Text, Url};

/// The names whose values are public. One table: the README documents it (a test checks).
pub const PUBLIC: &[Public] = &[
    // Headers.
    public("content-type", Header, Text, "the body's format; decides how the body is read"),
    public("content-length", Header, Text, "a size"),
    public("content-encoding", Header, Text, "a compression name"),
    public("transfer-encoding", Header, Text, "a framing name"),
    public("content-language", Header, Text, "a language tag"),
    public("host", Header, Text, "the server's name, also in the URL"),
    public(":authority", Header, Text, "HTTP/2's Host"),
    public(":method", Header, Text, "HTTP/2's method"),
    public(":scheme", Header, Text, "HTTP/2's scheme"),
    public(":status", Header, Text, "HTTP/2's status code"),
    public(":path", Header, Url, "HTTP/2's request target, walked as a URL"),
    public("user-agent", Header, Text, "names the app or browser that sent the request (Alexa app or browser decides the flow); software versions, no credentials"),
    public("accept*", Header, Text, "content negotiation: media types, languages, encodings"),
    public("sec-fetch-*", Header, Text, "the browser's fetch metadata (navigate, cross-site, ...)"),
    public("sec-ch-ua*", Header, Text, "the browser's client hints: brand, platform, mobile"),
    public("x-requested-with", Header, Text, "the Android app's package name, which tells app-to-app from browser"),
    public("origin", Header, Url, "scheme and host of the calling page"),
    public("referer", Header, Url, "the calling page, walked as a URL (its `?code=` is masked)"),
    public("location", Header, Url, "a redirect's target, walked as a URL (its code and fragment tokens are masked)"),
    public("content-location", Header, Url, "a URL, walked as one"),
    public("cache-control", Header, Text, "caching directives"),
    public("pragma", Header, Text, "caching directives"),
    public("expires", Header, Text, "a date"),
    public("date", Header, Text, "a date; places the exchange in time"),
    public("last-modified", Header, Text, "a date"),
    public("age", Header, Text, "a number of seconds"),
    public("vary", Header, Text, "header names"),
    public("connection", Header, Text, "connection options"),
    public("keep-alive", Header, Text, "connection options"),
    public("server", Header, Text, "the server software's name"),
    public("access-control-*", Header, Text, "CORS policy: origins, methods, header names"),
    public("strict-transport-security", Header, Text, "an HSTS policy"),
    public("x-content-type-options", Header, Text, "a fixed directive"),
    public("x-frame-options", Header, Text, "a fixed directive"),
    public("x-xss-protection", Header, Text, "a fixed directive"),
    public("referrer-policy", Header, Text, "a fixed directive"),
    public("upgrade-insecure-requests", Header, Text, "a flag"),
    public("dnt", Header, Text, "a flag"),
    public("www-authenticate", Header, Text, "the server's challenge: scheme, realm, `error` and `error_description`, which say why a token was refused"),
    public("x-amzn-requestid", Header, Text, "Amazon's request id, which Amazon support asks for; identifies a request, grants nothing"),
    public("x-amz-request-id", Header, Text, "Amazon's request id, which Amazon support asks for; identifies a request, grants nothing"),
    public("x-amzn-errortype", Header, Text, "Amazon's error name"),
    // Parameters and body fields.
    public("client_id", Field, Text, "the OAuth client's public identifier (RFC 6749 §2.2), sent in the browser's URL; tells profile A from B"),
    public("clientId", Field, Text, "the OAuth client's public identifier, as JSON APIs spell it"),
    public("scope", Field, Text, "the permissions asked or granted; the Alexa rules read it"),
    public("scopes", Field, Text, "the permissions asked or granted"),
    public("redirect_uri", Field, Url, "where the code is sent; must match exactly, so the rules show it (walked as a URL)"),
    public("redirectUri", Field, Url, "accountLinkRequest's redirect URI (walked as a URL)"),
    public("redirect_url", Field, Url, "a redirect URI as some APIs spell it (walked as a URL)"),
    public("response_type", Field, Text, "`code` or `token`: the flow asked for"),
    public("response_mode", Field, Text, "how the answer is returned (query, fragment, form_post)"),
    public("grant_type", Field, Text, "the token request's kind (authorization_code, refresh_token)"),
    public("code_challenge_method", Field, Text, "`S256` or `plain`"),
    public("token_type", Field, Text, "`bearer`: how a token is used, not the token"),
    public("token_type_hint", Field, Text, "which kind of token is revoked or introspected"),
    public("expires_in", Field, Text, "a lifetime in seconds"),
    public("error", Field, Text, "the OAuth error code (invalid_grant, ...): what went wrong"),
    public("error_description", Field, Text, "the server's explanation of the error"),
    public("error_uri", Field, Url, "a page documenting the error"),
    public("stage", Field, Text, "the Alexa skill stage (development, live)"),
    public("type", Field, Text, "a type name (accountLinkRequest's `AUTH_CODE`)"),
    public("status", Field, Text, "a status name (`LINKED`)"),
    public("prompt", Field, Text, "login prompt directives"),
    public("ui_locales", Field, Text, "language tags"),
    public("max_age", Field, Text, "a number of seconds"),
    public("issuer", Field, Url, "the authorization server's identifier (OpenID discovery), a URL"),
    public("authorization_endpoint", Field, Url, "a discovery document's endpoint URL"),
    public("token_endpoint", Field, Url, "a discovery document's endpoint URL"),
    public("alg", Field, Text, "a signing algorithm name"),
    public("kid", Field, Text, "a public key's identifier"),
    public("endpoints", Field, Text, "the Alexa endpoint lookup's answer: the API hosts for the user's region, which the activation must use (hosts, or URLs, public Amazon names)"),
    public("message", Field, Text, "an API's answer in words: the Alexa Skill Activation API refuses a call with `{\"message\": …}`, which says why (like `error_description`)"),
    // Not public, on purpose: `state` and `nonce`. `state` is the CSRF protection of a flow in
    // progress (RFC 6749 §10.12): bound to the user's session, it lets whoever holds it forge
    // the callback, and apps often pack session data into it. Its fingerprint still shows
    // whether the callback returned the state that was sent. `code_challenge` likewise: not a
    // credential, but not needed to read a finding, and its fingerprint shows equality.
    //
    // The capture's own structure (HAR, Charles), written by the recording tool.
    public("method", Capture, Text, "the HTTP method"),
    public("httpVersion", Capture, Text, "the HTTP version"),
    public("protocolVersion", Capture, Text, "the HTTP version (Charles)"),
    public("status", Capture, Text, "the status code (or Charles' COMPLETE/FAILED)"),
    public("statusText", Capture, Text, "the status line's reason phrase"),
    public("firstLine", Capture, Text, "Charles' request or status line (the request target walked as a URL)"),
    public("startedDateTime", Capture, Text, "when the request started"),
    public("time", Capture, Text, "a duration"),
    public("version", Capture, Text, "the HAR version, or the recording tool's"),
    public("name", Capture, Text, "the recording tool's name (`creator`, `browser`)"),
    public("mimeType", Capture, Text, "a body's media type; decides how it is read"),
    public("encoding", Capture, Text, "a body's transfer encoding (`base64`)"),
    public("charset", Capture, Text, "a character set"),
    public("contentEncoding", Capture, Text, "a compression name (Charles)"),
    public("scheme", Capture, Text, "`http` or `https` (Charles)"),
    public("host", Capture, Text, "the server's name (Charles), also in the URL"),
    public("port", Capture, Text, "a port"),
    public("actualPort", Capture, Text, "a port (Charles)"),
    public("path", Capture, Text, "the URL's path (Charles), kept as paths are kept"),
    public("serverIPAddress", Capture, Text, "the server's address"),
    public("remoteAddress", Capture, Text, "the server's address (Charles)"),
    public("clientAddress", Capture, Text, "the recording machine's address (Charles)"),
    public("connection", Capture, Text, "a connection number"),
    public("pageref", Capture, Text, "the HAR's page id"),
    public("id", Capture, Text, "the HAR's page id"),
    public("_resourceType", Capture, Text, "Chrome's resource kind (document, xhr)"),
    public("_priority", Capture, Text, "Chrome's request priority"),
    public("_error", Capture, Text, "the browser's network error name (net::ERR_...)"),
    public("domain", Capture, Text, "a cookie's domain"),
    public("expires", Capture, Text, "a cookie's expiry date"),
    public("sameSite", Capture, Text, "a cookie's SameSite attribute"),
    public("contentType", Capture, Text, "a multipart parameter's media type"),
    public("start", Capture, Text, "a time (Charles)"),
    public("requestBegin", Capture, Text, "a time (Charles)"),
    public("requestComplete", Capture, Text, "a time (Charles)"),
    public("responseBegin", Capture, Text, "a time (Charles)"),
    public("end", Capture, Text, "a time (Charles)"),
];

/// The public entry for `name` where it applies, if any: the first in [`PUBLIC`] that
/// matches, found by a hashed lookup of the exact names and a scan of the few prefixes (it
/// is asked for every key and header of a capture).
pub fn public_name(name: &str, applies: Applies) -> Option<&'static Public> {
    let lookup = public_lookup();
    // Exact names are ASCII and at most `longest` bytes: a longer name can only match a prefix.
    let exact = if name.len() <= lookup.longest {
        let mut buf = [0u8; PUBLIC_NAME_MAX];
        let lower = &mut buf[..name.len()];
        lower.copy_from_slice(name.as_bytes());
        lower.make_ascii_lowercase();
        std::str::from_utf8(lower)
            .ok()
            .and_then(|l| lookup.exact[applies as usize].get(l).copied())
    } else {
        None
    };
    let prefixed = lookup.prefixes.iter().copied().find(|&i| {
        let p = &PUBLIC[i];
        p.applies == applies
            && p.name.strip_suffix('*').is_some_and(|prefix| {
                name.get(..prefix.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
            })
    });
    let first = match (exact, prefixed) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    first.map(|i| &PUBLIC[i])
}

/// The buffer a name is lower-cased into for the lookup; every exact public name is shorter
/// (checked where the lookup is built, which every test of the policy runs).
const PUBLIC_NAME_MAX: usize = 64;

/// [`PUBLIC`] indexed: exact names (lower-case), by where they apply, to their first index,
/// and the indexes of the prefix entries.
struct PublicLookup {
    exact: [foldhash::HashMap<String, usize>; 3],
    prefixes: Vec<usize>,
    longest: usize,
}

fn public_lookup() -> &'static PublicLookup {
    static LOOKUP: std::sync::OnceLock<PublicLookup> = std::sync::OnceLock::new();
    LOOKUP.get_or_init(|| {
        let mut exact: [foldhash::HashMap<String, usize>; 3] = Default::default();
        let mut prefixes = Vec::new();
        let mut longest = 0;
        for (i, p) in PUBLIC.iter().enumerate() {
            if p.name.ends_with('*') {
                prefixes.push(i);
            } else {
                exact[p.applies as usize]
                    .entry(p.name.to_ascii_lowercase())
                    .or_insert(i);
                longest = longest.max(p.name.len());
            }
        }
        assert!(
            longest <= PUBLIC_NAME_MAX,
            "a public name too long for the lookup"
        );
        PublicLookup {
            exact,
            prefixes,
            longest,
        }
    })
}

/// Header names shown whatever their shape: the standard and common ones, secret-bearing ones
/// included (their values are masked, not their names). Other names are shown when they are
/// [`name_shaped`].
const KNOWN_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "x-amz-security-token",
    "x-amz-access-token",
    "x-amz-date",
    "x-amz-content-sha256",
    "x-amz-target",
    "x-amz-user-agent",
    "x-goog-api-key",
    "ocp-apim-subscription-key",
    "x-auth-token",
    "x-access-token",
    "x-csrf-token",
    "x-xsrf-token",
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-host",
    "x-b3-traceid",
    "x-b3-spanid",
    "x-b3-sampled",
    "etag",
    "if-none-match",
    "if-modified-since",
    "te",
    "http2-settings",
    "alt-svc",
    "nel",
    "report-to",
    "content-security-policy",
    "content-md5",
    "dpop",
];

/// Whether a header name is shown: known, or name-shaped.
pub fn header_name_known(name: &str) -> bool {
    KNOWN_HEADERS.iter().any(|k| k.eq_ignore_ascii_case(name))
        || public_name(name, Header).is_some()
        || name_shaped(name)
}

/// Whether `name` looks like a name a person wrote, not a value: at most 64 ASCII characters,
/// made of segments separated by `-`, `_`, `.`, `:`, `[`, `]`, `$` or `@`, each segment letters
/// followed by at most 3 digits (`v1`, `B3`, `Http2`) or 1 to 4 digits alone (`items[0]`), of
/// at most 24 letters with at most 4 lower-to-upper case changes (`codeChallengeMethod` has
/// 2), and not of a known secret shape (an LWA code is 20 letters). Random secrets mix digits
/// into their letters or change case often, and fail.
pub fn name_shaped(name: &str) -> bool {
    // A capture's own keys, asked for on every member of every entry: answered at once
    // (a test checks each against the rules).
    CAPTURE_KEYS.contains(&name) || shaped_by_rules(name)
}

/// [`name_shaped`] by its rules alone.
fn shaped_by_rules(name: &str) -> bool {
    if name.is_empty() || name.len() > 64 || !name.is_ascii() {
        return false;
    }
    let mut any = false;
    for segment in name.split(['-', '_', '.', ':', '[', ']', '$', '@']) {
        if segment.is_empty() {
            continue;
        }
        any = true;
        let letters = segment.bytes().take_while(u8::is_ascii_alphabetic).count();
        let digits = &segment[letters..];
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        if letters == 0 {
            if digits.len() > 4 {
                return false;
            }
            continue;
        }
        if letters > 24 || digits.len() > 3 {
            return false;
        }
        let changes = segment
            .as_bytes()
            .windows(2)
            .filter(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
            .count();
        if changes > 4 {
            return false;
        }
    }
    // The shapes' regex last: most names fail (or pass) on the cheap tests above.
    any && kind_by_shape(name).is_none()
}

/// The keys of a HAR entry, all [`name_shaped`].
const CAPTURE_KEYS: &[&str] = &[
    "name",
    "value",
    "headers",
    "request",
    "response",
    "url",
    "method",
    "httpVersion",
    "cookies",
    "queryString",
    "postData",
    "mimeType",
    "text",
    "status",
    "statusText",
    "content",
    "size",
    "redirectURL",
    "headersSize",
    "bodySize",
    "startedDateTime",
    "time",
    "timings",
    "blocked",
    "dns",
    "connect",
    "send",
    "wait",
    "receive",
    "ssl",
    "cache",
    "pageref",
    "serverIPAddress",
    "connection",
    "comment",
    "params",
    "encoding",
    "compression",
];

/// The kind a value under `name` is hidden as: by its name, else its shape, else
/// [`SecretKind::Value`].
fn kind_for(name: &str, value: &str) -> SecretKind {
    kind_of_header(name)
        .or_else(|| kind_of_field(name))
        .or_else(|| kind_by_shape(value))
        .unwrap_or(SecretKind::Value)
}

/// Whether a value needs no hiding whatever its name: a short number or a boolean, unless its
/// name marks a credential. Six digits can be a one-time code, so numbers of up to 3 digits only.
fn harmless_scalar(name: &str, value: &str) -> bool {
    if kind_of_header(name).is_some() || kind_of_field(name).is_some() {
        return false;
    }
    let v = value.trim();
    matches!(v, "true" | "false")
        || (!v.is_empty() && v.len() <= 3 && v.bytes().all(|b| b.is_ascii_digit()))
}

/// A header's name as shown: the name if [`header_name_known`], else replaced.
pub fn header_name<R: Replace + ?Sized>(name: &str, r: &mut R) -> String {
    header_name_cow(name, r).into_owned()
}

/// [`header_name`], borrowed when shown as it is.
fn header_name_cow<'v, R: Replace + ?Sized>(name: &'v str, r: &mut R) -> Cow<'v, str> {
    if r.keeps_all() || header_name_known(name) {
        return Cow::Borrowed(name);
    }
    Cow::Owned(r.replace(SecretKind::Value, name))
}

/// A header's value as shown: public headers as they are (URL-valued ones walked as URLs),
/// credentials by parts, cookies pair by pair, every other value replaced.
pub fn header_value<R: Replace + ?Sized>(name: &str, value: &str, r: &mut R) -> String {
    header_value_cow(name, value, r).into_owned()
}

/// [`header_value`], borrowed when shown as it is (most public headers).
fn header_value_cow<'v, R: Replace + ?Sized>(
    name: &str,
    value: &'v str,
    r: &mut R,
) -> Cow<'v, str> {
    if r.keeps_all() {
        return Cow::Borrowed(value);
    }
    if name.eq_ignore_ascii_case("authorization")
        || name.eq_ignore_ascii_case("proxy-authorization")
    {
        return Cow::Owned(credentials(value, r));
    }
    if name.eq_ignore_ascii_case("cookie") {
        return Cow::Owned(cookie_header(value, r));
    }
    if name.eq_ignore_ascii_case("set-cookie") {
        return Cow::Owned(set_cookie(value, r));
    }
    if let Some(p) = public_name(name, Header) {
        return match p.shown {
            Text => shown_unless_identified(value, r),
            Url => Cow::Owned(url(value, r)),
        };
    }
    if value.is_empty() || harmless_scalar(name, value) {
        return shown_unless_identified(value, r);
    }
    Cow::Owned(r.replace(kind_for(name, value), value))
}

/// `Authorization` credentials: the scheme kept; Basic's client id shown and its secret
/// replaced ([`Replace::basic`]); any other scheme's credentials replaced whole.
pub fn credentials<R: Replace + ?Sized>(value: &str, r: &mut R) -> String {
    if r.keeps_all() {
        return value.to_string();
    }
    let lead = value.len() - value.trim_start().len();
    let (head, rest) = value.split_at(lead);
    let Some((scheme, creds)) = rest.split_once(' ') else {
        return if rest.is_empty() {
            value.to_string()
        } else {
            format!("{head}{}", r.replace(SecretKind::Credentials, rest))
        };
    };
    let scheme_ok = !scheme.is_empty()
        && scheme.len() <= 32
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !scheme_ok {
        return format!("{head}{}", r.replace(SecretKind::Credentials, rest));
    }
    let spaces = creds.len() - creds.trim_start().len();
    let (gap, creds) = creds.split_at(spaces);
    if creds.is_empty() {
        return value.to_string();
    }
    let replaced = if scheme.eq_ignore_ascii_case("basic") {
        match crate::flow::basic::decode_raw(creds) {
            Some((id, secret)) => r.basic(creds, &id, &secret),
            None => r.replace(SecretKind::Credentials, creds),
        }
    } else if scheme.eq_ignore_ascii_case("bearer") {
        let kind = kind_by_shape(creds)
            .filter(|k| *k == SecretKind::IdToken)
            .unwrap_or(SecretKind::AccessToken);
        r.replace(kind, creds)
    } else {
        r.replace(SecretKind::Credentials, creds)
    };
    format!("{head}{scheme} {gap}{replaced}")
}

/// A `Cookie` header: names kept when name-shaped, every value replaced.
pub fn cookie_header<R: Replace + ?Sized>(value: &str, r: &mut R) -> String {
    if r.keeps_all() {
        return value.to_string();
    }
    value
        .split(';')
        .map(|pair| cookie_pair(pair, r))
        .collect::<Vec<_>>()
        .join(";")
}

/// One `name=value` of a cookie header, spaces around it kept.
fn cookie_pair<R: Replace + ?Sized>(pair: &str, r: &mut R) -> String {
    let trimmed = pair.trim();
    if trimmed.is_empty() {
        return pair.to_string();
    }
    let lead = &pair[..pair.len() - pair.trim_start().len()];
    let tail = &pair[pair.trim_end().len()..];
    let body = match trimmed.split_once('=') {
        Some((name, v)) => {
            let name = if name_shaped(name.trim()) {
                name.to_string()
            } else {
                r.replace(SecretKind::Cookie, name)
            };
            let v = if v.is_empty() {
                String::new()
            } else {
                r.replace(SecretKind::Cookie, v)
            };
            format!("{name}={v}")
        }
        None => r.replace(SecretKind::Cookie, trimmed),
    };
    format!("{lead}{body}{tail}")
}

/// Set-Cookie attributes whose values are public.
const COOKIE_ATTRIBUTES: &[&str] = &[
    "expires",
    "max-age",
    "domain",
    "path",
    "secure",
    "httponly",
    "samesite",
    "priority",
    "partitioned",
    "version",
];

/// A `Set-Cookie` value: the cookie's value replaced, its attributes kept. Several cookies
/// joined in one value (a line each, as Firefox writes them, or separated by commas) are each
/// rewritten.
pub fn set_cookie<R: Replace + ?Sized>(value: &str, r: &mut R) -> String {
    if r.keeps_all() {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len());
    for (i, line) in value.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        for (j, cookie) in split_joined_cookies(line).into_iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            out.push_str(&one_set_cookie(cookie, r));
        }
    }
    out
}

/// Splits `a=1; Path=/, b=2` at the commas that start a new cookie (a comma followed by
/// `name=`); the comma inside `Expires=Wed, 21 Oct 2015 …` is followed by a date and stays.
fn split_joined_cookies(line: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, _) in line.match_indices(',') {
        let rest = &line[i + 1..];
        let token = rest.trim_start();
        let name_len = token
            .bytes()
            .take_while(|b| !matches!(b, b'=' | b';' | b',' | b' ' | b'\t'))
            .count();
        if name_len > 0 && token.as_bytes().get(name_len) == Some(&b'=') {
            parts.push(&line[start..i]);
            start = i + 1;
        }
    }
    parts.push(&line[start..]);
    parts
}

fn one_set_cookie<R: Replace + ?Sized>(cookie: &str, r: &mut R) -> String {
    let mut out = Vec::new();
    for (i, part) in cookie.split(';').enumerate() {
        if i == 0 {
            out.push(cookie_pair(part, r));
            continue;
        }
        let attribute = part.split_once('=').map_or(part, |(n, _)| n).trim();
        if COOKIE_ATTRIBUTES
            .iter()
            .any(|a| a.eq_ignore_ascii_case(attribute))
        {
            out.push(part.to_string());
        } else {
            out.push(cookie_pair(part, r));
        }
    }
    out.join(";")
}

/// A URL (absolute, or a path with its query): scheme, host, port and path kept (path
/// segments of a known secret shape replaced); user information replaced; query and fragment
/// parameter names kept when name-shaped and values shown only for public names; a fragment
/// that is no parameter list replaced unless name-shaped.
pub fn url<R: Replace + ?Sized>(url: &str, r: &mut R) -> String {
    if r.keeps_all() {
        return url.to_string();
    }
    if !url_shaped(url) {
        return if url.is_empty() {
            String::new()
        } else {
            r.replace(kind_for("", url), url)
        };
    }
    let mut out = String::with_capacity(url.len());
    let (before_fragment, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let (before_query, query) = match before_fragment.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (before_fragment, None),
    };
    // Scheme and authority.
    let mut rest = before_query;
    if let Some(colon) = rest.find(':') {
        let scheme = &rest[..colon];
        if !scheme.is_empty()
            && scheme.as_bytes()[0].is_ascii_alphabetic()
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        {
            out.push_str(&rest[..=colon]);
            rest = &rest[colon + 1..];
            if let Some(after) = rest.strip_prefix("//") {
                out.push_str("//");
                let end = after.find('/').unwrap_or(after.len());
                let authority = &after[..end];
                match authority.rsplit_once('@') {
                    Some((userinfo, host)) => {
                        out.push_str(&r.replace(SecretKind::Credentials, userinfo));
                        out.push('@');
                        out.push_str(host);
                    }
                    None => out.push_str(authority),
                }
                rest = &after[end..];
            }
        }
    }
    out.push_str(&path(rest, r));
    if let Some(q) = query {
        out.push('?');
        out.push_str(&form(q, r));
    }
    if let Some(f) = fragment {
        out.push('#');
        if f.contains('=') {
            out.push_str(&form(f, r));
        } else if f.is_empty() {
        } else if (name_shaped(f) || f.starts_with('/') && name_path(f))
            && r.identified(&form_decode(f)).is_none()
        {
            out.push_str(f);
        } else {
            out.push_str(&r.replace(SecretKind::Value, &form_decode(f)));
        }
    }
    out
}

/// Whether `text` reads as a URL: a scheme (`https:`, `com.example.app:`) or a path (`/`, `?`).
fn url_shaped(text: &str) -> bool {
    if text.starts_with(['/', '?', '#']) {
        return true;
    }
    let Some((scheme, _)) = text.split_once(':') else {
        return false;
    };
    scheme
        .as_bytes()
        .first()
        .is_some_and(u8::is_ascii_alphabetic)
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

/// Whether a fragment route (`#/settings/account`) is made of name-shaped segments.
fn name_path(f: &str) -> bool {
    f.split('/').all(|s| s.is_empty() || name_shaped(s))
}

/// A URL path, kept but for segments of a known secret shape (a JWT, an LWA token).
pub fn path<R: Replace + ?Sized>(path: &str, r: &mut R) -> String {
    if r.keeps_all()
        || kind_by_shape(path).is_none()
            && !path.split('/').any(|s| {
                !s.is_empty() && (random_segment(s) || r.identified(&form_decode(s)).is_some())
            })
    {
        return path.to_string();
    }
    path.split('/')
        .map(|segment| {
            let decoded = form_decode(segment);
            let random = random_segment(&decoded).then_some(SecretKind::Value);
            match kind_by_shape(&decoded)
                .or(random)
                .or_else(|| r.identified(&decoded))
            {
                Some(kind) => encode_like(segment, &r.replace(kind, &decoded), r),
                None => segment.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A path segment that can only be a generated key: 32 or more base64url characters mixing
/// upper case, lower case and digits (a session or interaction id, as oidc-provider's
/// `/interaction/<uid>` whose uid is also a cookie). Ids people read (UUIDs, `amzn1.ask…`
/// skill ids, version numbers, words) are lower case, dotted or short, and stay shown.
fn random_segment(segment: &str) -> bool {
    segment.len() >= 32
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && segment.bytes().any(|b| b.is_ascii_uppercase())
        && segment.bytes().any(|b| b.is_ascii_lowercase())
        && segment.bytes().any(|b| b.is_ascii_digit())
}

/// A query, fragment or form body (`a=1&b=2`): names kept when name-shaped, values as
/// [`field_value`] says. A part without `=` is replaced unless name-shaped.
pub fn form<R: Replace + ?Sized>(text: &str, r: &mut R) -> String {
    let mut out = String::with_capacity(text.len());
    form_into(text, r, &mut out);
    out
}

/// [`form`] appended to `out`.
fn form_into<R: Replace + ?Sized>(text: &str, r: &mut R, out: &mut String) {
    if r.keeps_all() {
        out.push_str(text);
        return;
    }
    for (i, part) in text.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        if part.is_empty() {
            continue;
        }
        match part.split_once('=') {
            Some((name, value)) => {
                let decoded_name = form_decode_cow(name);
                if name_shaped(&decoded_name) {
                    out.push_str(name);
                } else {
                    let replaced = r.replace(SecretKind::Value, &decoded_name);
                    encode_like_into(name, &replaced, r, out);
                }
                out.push('=');
                field_value_into(&decoded_name, value, r, out);
            }
            None => {
                let decoded = form_decode_cow(part);
                if name_shaped(&decoded) && r.identified(&decoded).is_none() {
                    out.push_str(part);
                } else {
                    let replaced = r.replace(SecretKind::Value, &decoded);
                    encode_like_into(part, &replaced, r, out);
                }
            }
        }
    }
}

/// The value `raw` (form- or percent-encoded, as it stands in a query or form body) of the
/// parameter `name`: shown when `name` is public (URLs walked), when it is a harmless scalar,
/// or when it is JSON (walked); else replaced.
pub fn field_value<R: Replace + ?Sized>(name: &str, raw: &str, r: &mut R) -> String {
    let mut out = String::with_capacity(raw.len());
    field_value_into(name, raw, r, &mut out);
    out
}

/// [`field_value`] appended to `out`.
fn field_value_into<R: Replace + ?Sized>(name: &str, raw: &str, r: &mut R, out: &mut String) {
    if r.keeps_all() || raw.is_empty() {
        out.push_str(raw);
        return;
    }
    let decoded = form_decode_cow(raw);
    match decoded_value(name, &decoded, r) {
        Cow::Borrowed(_) => out.push_str(raw),
        Cow::Owned(walked) => encode_like_into(raw, &walked, r, out),
    }
}

/// A field's decoded value (a form parameter, a JSON string, a fact) as shown: as
/// [`field_value`] decides, without any encoding.
pub fn value<R: Replace + ?Sized>(name: &str, value: &str, r: &mut R) -> String {
    if r.keeps_all() {
        return value.to_string();
    }
    decoded_value(name, value, r).into_owned()
}

/// The id_token claims a finding needs to be understood, shown as they are: who issued the
/// token (`iss`), for whom (`aud`, `azp`), until when (`exp`, `iat`) and how it is signed
/// (`alg`, `typ`). Identifiers of people (`sub`, `email`, names), `nonce` and the hashes are
/// masked like any other value: equal values still compare equal.
pub const SHOWN_CLAIMS: &[&str] = &["iss", "aud", "azp", "exp", "iat", "alg", "typ"];

/// A decoded JWT claim (or header parameter) as facts and messages show it.
pub fn claim(name: &str, value: &str) -> String {
    if SHOWN_CLAIMS.contains(&name) || super::revealing() {
        value.to_string()
    } else {
        mask(value)
    }
}

/// What the decoded value of a field becomes: borrowed when shown as it is.
fn decoded_value<'v, R: Replace + ?Sized>(name: &str, value: &'v str, r: &mut R) -> Cow<'v, str> {
    if let Some(p) = public_name(name, Field) {
        return match p.shown {
            Text => shown_unless_identified(value, r),
            Url => {
                let walked = url(value, r);
                if walked == value {
                    Cow::Borrowed(value)
                } else {
                    Cow::Owned(walked)
                }
            }
        };
    }
    if harmless_scalar(name, value) {
        return shown_unless_identified(value, r);
    }
    if is_mask(value) {
        return Cow::Borrowed(value);
    }
    if looks_like_json(value) {
        let walked = json(value, r);
        return if walked == value {
            Cow::Borrowed(value)
        } else {
            Cow::Owned(walked)
        };
    }
    Cow::Owned(r.replace(kind_for(name, value), value))
}

/// `new` encoded as `raw` was: as it is for display, or when `raw` had no escapes; else
/// percent-encoded (lower-case hex if `raw` used it, `+` for spaces if `raw` did).
fn encode_like<R: Replace + ?Sized>(raw: &str, new: &str, r: &R) -> String {
    let mut out = String::with_capacity(new.len());
    encode_like_into(raw, new, r, &mut out);
    out
}

/// [`encode_like`] appended to `out`.
fn encode_like_into<R: Replace + ?Sized>(raw: &str, new: &str, r: &R, out: &mut String) {
    if !r.encodes() || !raw.contains(['%', '+']) {
        out.push_str(new);
        return;
    }
    let plus = raw.contains('+');
    let lower = raw
        .match_indices('%')
        .any(|(i, _)| raw[i + 1..].chars().take(2).any(|c| c.is_ascii_lowercase()));
    // The encoder yields each escaped byte as its own `%XX` piece (`%` itself is escaped,
    // so every `%` of the result starts one), and runs of bytes kept as they are.
    for piece in utf8_percent_encode(new, super::FORM) {
        if plus && piece == "%20" {
            out.push('+');
        } else if lower && piece.starts_with('%') {
            out.extend(piece.chars().map(|c| c.to_ascii_lowercase()));
        } else {
            out.push_str(piece);
        }
    }
}

fn looks_like_json(value: &str) -> bool {
    let t = value.trim();
    ((t.starts_with('{') && t.ends_with('}')) || (t.starts_with('[') && t.ends_with(']')))
        && serde_json::from_str::<serde::de::IgnoredAny>(t).is_ok()
}

/// A body of media type `mime` (as in `Content-Type`): JSON walked, forms and multipart
/// walked, anything else replaced whole. Without a media type, JSON and form-shaped text is
/// walked as such.
pub fn body<R: Replace + ?Sized>(mime: &str, text: &str, r: &mut R) -> String {
    if r.keeps_all() || text.trim().is_empty() {
        return text.to_string();
    }
    let essence = mime
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence.contains("json") {
        return json(text, r);
    }
    if essence == "application/x-www-form-urlencoded" {
        return form(text, r);
    }
    if essence == "multipart/form-data" {
        if let Some(boundary) = boundary(mime) {
            return multipart(text, &boundary, r);
        }
    }
    let t = text.trim();
    if (t.starts_with('{') || t.starts_with('['))
        && (essence.is_empty() || essence.starts_with("text/plain"))
    {
        return json(text, r);
    }
    if essence.is_empty() && form_shaped(t) {
        return form(text, r);
    }
    opaque(text, r)
}

/// A body given in base64 (a HAR's `encoding: base64`, Charles' `encoded`): for `sanitize`,
/// decoded, walked as [`body`] and encoded again; for display (or when it does not decode to
/// text), replaced whole.
pub fn base64_body<R: Replace + ?Sized>(mime: &str, encoded: &str, r: &mut R) -> String {
    if r.keeps_all() || encoded.trim().is_empty() {
        return encoded.to_string();
    }
    if r.encodes() {
        let compact: String = encoded.chars().filter(|c| !c.is_whitespace()).collect();
        if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(&compact) {
            if let Ok(text) = String::from_utf8(bytes) {
                let walked = body(mime, &text, r);
                if walked == text {
                    return encoded.to_string();
                }
                return base64::engine::general_purpose::STANDARD.encode(walked);
            }
        }
    }
    r.replace(SecretKind::Value, encoded)
}

/// Whether `text` reads as a form (`a=1&b=2`): one line, every part a name-shaped `name=`.
fn form_shaped(text: &str) -> bool {
    !text.is_empty()
        && !text.contains(char::is_whitespace)
        && text.split('&').all(|p| {
            p.split_once('=')
                .is_some_and(|(n, _)| name_shaped(&form_decode(n)))
        })
}

/// The `boundary` parameter of a multipart media type.
pub fn boundary(mime: &str) -> Option<String> {
    mime.split(';')
        .skip(1)
        .find_map(|p| {
            let (k, v) = p.split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("boundary")
                .then(|| v.trim().trim_matches('"').to_string())
        })
        .filter(|b| !b.is_empty())
}

/// A `multipart/form-data` body: delimiters and part headers kept (a part's `name` when
/// name-shaped, its `filename` replaced), each part's content as the value of its name.
pub fn multipart<R: Replace + ?Sized>(text: &str, boundary: &str, r: &mut R) -> String {
    if r.keeps_all() {
        return text.to_string();
    }
    let delimiter = format!("--{boundary}");
    let mut pieces = text.split(delimiter.as_str());
    let mut out = String::with_capacity(text.len());
    let preamble = pieces.next().unwrap_or("");
    if preamble.trim().is_empty() {
        out.push_str(preamble);
    } else {
        out.push_str(&r.replace(SecretKind::Value, preamble));
    }
    for piece in pieces {
        out.push_str(&delimiter);
        if let Some(epilogue) = piece.strip_prefix("--") {
            // The closing delimiter, then the epilogue.
            out.push_str("--");
            if epilogue.trim().is_empty() {
                out.push_str(epilogue);
            } else {
                out.push_str(&r.replace(SecretKind::Value, epilogue));
            }
            continue;
        }
        out.push_str(&multipart_part(piece, r));
    }
    out
}

/// One part after its delimiter: `\r\n`, headers, a blank line, the content, `\r\n`.
fn multipart_part<R: Replace + ?Sized>(piece: &str, r: &mut R) -> String {
    let (head, sep, content) = match piece.find("\r\n\r\n") {
        Some(i) => (&piece[..i], "\r\n\r\n", &piece[i + 4..]),
        None => match piece.find("\n\n") {
            Some(i) => (&piece[..i], "\n\n", &piece[i + 2..]),
            None => return r.replace(SecretKind::Value, piece),
        },
    };
    let mut name = String::new();
    let mut part_type = String::new();
    let mut file = false;
    let mut out = String::with_capacity(piece.len());
    for (i, line) in head.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let (line, cr) = match line.strip_suffix('\r') {
            Some(l) => (l, "\r"),
            None => (line, ""),
        };
        if line.is_empty() {
            out.push_str(cr);
            continue;
        }
        let Some((hname, hvalue)) = line.split_once(':') else {
            out.push_str(&r.replace(SecretKind::Value, line));
            out.push_str(cr);
            continue;
        };
        if hname.trim().eq_ignore_ascii_case("content-disposition") {
            let mut parts = Vec::new();
            for (j, p) in hvalue.split(';').enumerate() {
                if j == 0 {
                    parts.push(p.to_string());
                    continue;
                }
                let Some((k, v)) = p.split_once('=') else {
                    parts.push(r.replace(SecretKind::Value, p));
                    continue;
                };
                let unquoted = v.trim().trim_matches('"');
                if k.trim().eq_ignore_ascii_case("name") {
                    name = unquoted.to_string();
                    if name_shaped(unquoted) {
                        parts.push(p.to_string());
                    } else {
                        parts.push(format!(
                            "{k}=\"{}\"",
                            r.replace(SecretKind::Value, unquoted)
                        ));
                    }
                } else {
                    file |= k.trim().to_ascii_lowercase().starts_with("filename");
                    parts.push(format!(
                        "{k}=\"{}\"",
                        r.replace(SecretKind::Value, unquoted)
                    ));
                }
            }
            out.push_str(hname);
            out.push(':');
            out.push_str(&parts.join(";"));
        } else {
            if hname.trim().eq_ignore_ascii_case("content-type") {
                part_type = hvalue.trim().to_string();
            }
            out.push_str(&header_name(hname, r));
            out.push(':');
            let lead = &hvalue[..hvalue.len() - hvalue.trim_start().len()];
            out.push_str(lead);
            out.push_str(&header_value(hname.trim(), hvalue.trim_start(), r));
        }
        out.push_str(cr);
    }
    out.push_str(sep);
    // The content ends before the line break that precedes the next delimiter.
    let (value, end) = match content.strip_suffix("\r\n") {
        Some(v) => (v, "\r\n"),
        None => match content.strip_suffix('\n') {
            Some(v) => (v, "\n"),
            None => (content, ""),
        },
    };
    let shown = if file {
        if value.is_empty() {
            String::new()
        } else {
            r.replace(SecretKind::Value, value)
        }
    } else if !part_type.is_empty() && !part_type.to_ascii_lowercase().starts_with("text/plain") {
        body(&part_type, value, r)
    } else {
        decoded_value(&name, value, r).into_owned()
    };
    out.push_str(&shown);
    out.push_str(end);
    out
}

/// A raw HTTP/1.x message (a request or a response, as Fiddler, Burp and raw dumps hold them):
/// the request line (its target walked as a URL) or status line, each header by
/// [`header_name`] and [`header_value`], and the body by its `Content-Type`. A body under a
/// `Content-Encoding` or chunked framing is replaced whole; a line that is no header is
/// replaced.
pub fn http_message<R: Replace + ?Sized>(text: &str, r: &mut R) -> String {
    if r.keeps_all() {
        return text.to_string();
    }
    let (head, sep, body_text) = match text.find("\r\n\r\n") {
        Some(i) => (&text[..i], "\r\n\r\n", Some(&text[i + 4..])),
        None => match text.find("\n\n") {
            Some(i) => (&text[..i], "\n\n", Some(&text[i + 2..])),
            None => (text, "", None),
        },
    };
    let mut out = String::with_capacity(text.len());
    let mut mime = String::new();
    let mut encoded = false;
    for (i, line) in head.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let (line, cr) = match line.strip_suffix('\r') {
            Some(l) => (l, "\r"),
            None => (line, ""),
        };
        if i == 0 {
            out.push_str(&start_line(line, r));
        } else if let Some((name, value)) = line
            .split_once(':')
            .filter(|(n, _)| !n.is_empty() && !n.starts_with([' ', '\t']))
        {
            let lname = name.trim().to_ascii_lowercase();
            if lname == "content-type" {
                mime = value.trim().to_string();
            }
            if (lname == "content-encoding" && !value.trim().eq_ignore_ascii_case("identity"))
                || (lname == "transfer-encoding" && value.to_ascii_lowercase().contains("chunked"))
            {
                encoded = true;
            }
            let lead = &value[..value.len() - value.trim_start().len()];
            out.push_str(&header_name(name, r));
            out.push(':');
            out.push_str(lead);
            out.push_str(&header_value(name.trim(), value.trim_start(), r));
        } else if !line.is_empty() {
            out.push_str(&r.replace(SecretKind::Value, line));
        }
        out.push_str(cr);
    }
    out.push_str(sep);
    if let Some(b) = body_text {
        if encoded && !b.is_empty() {
            out.push_str(&r.replace(SecretKind::Value, b));
        } else {
            out.push_str(&body(&mime, b, r));
        }
    }
    out
}

/// Raw HTTP text: messages one after another (a raw dump, a Fiddler member) or a piece of
/// them, read line by line. A request or status line starts a message; header lines are
/// walked by name; a body runs to the next start line and is walked by its message's
/// `Content-Type` (trailing blank lines kept). Lines before any start line are read as
/// headers where they are shaped so, and replaced otherwise. Line breaks stay where they are.
pub fn http_text<R: Replace + ?Sized>(text: &str, r: &mut R) -> String {
    if r.keeps_all() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut in_head = true;
    let mut mime = String::new();
    let mut encoded = false;
    let mut body_text = String::new();
    let flush = |body_text: &mut String, mime: &str, encoded: bool, out: &mut String, r: &mut R| {
        if body_text.is_empty() {
            return;
        }
        let core = body_text.trim_end_matches(['\r', '\n']);
        let tail = &body_text[core.len()..];
        if encoded && !core.is_empty() {
            out.push_str(&opaque(core, r));
        } else {
            out.push_str(&body(mime, core, r));
        }
        out.push_str(tail);
        body_text.clear();
    };
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\r', '\n']);
        let ending = &line[content.len()..];
        if is_start_line(content) {
            flush(&mut body_text, &mime, encoded, &mut out, r);
            in_head = true;
            mime.clear();
            encoded = false;
            out.push_str(&start_line(content, r));
            out.push_str(ending);
            continue;
        }
        if !in_head {
            body_text.push_str(line);
            continue;
        }
        if content.is_empty() {
            in_head = false;
            out.push_str(line);
            continue;
        }
        match content
            .split_once(':')
            .filter(|(n, _)| !n.is_empty() && !n.starts_with([' ', '\t']) && !n.contains(' '))
        {
            Some((name, value)) => {
                let lname = name.to_ascii_lowercase();
                if lname == "content-type" {
                    mime = value.trim().to_string();
                }
                if (lname == "content-encoding" && !value.trim().eq_ignore_ascii_case("identity"))
                    || (lname == "transfer-encoding"
                        && value.to_ascii_lowercase().contains("chunked"))
                {
                    encoded = true;
                }
                let lead = &value[..value.len() - value.trim_start().len()];
                out.push_str(&header_name(name, r));
                out.push(':');
                out.push_str(lead);
                out.push_str(&header_value(name, value.trim_start(), r));
            }
            None => out.push_str(&r.replace(SecretKind::Value, content)),
        }
        out.push_str(ending);
    }
    flush(&mut body_text, &mime, encoded, &mut out, r);
    out
}

/// Whether a line is an HTTP/1.x request line or status line.
fn is_start_line(line: &str) -> bool {
    let parts: Vec<&str> = line.split(' ').collect();
    let version = |v: &str| v.starts_with("HTTP/") && v.len() <= 10;
    match parts.as_slice() {
        [v, status, ..] if version(v) => {
            status.len() == 3 && status.bytes().all(|b| b.is_ascii_digit())
        }
        [method, _, v] => version(v) && is_method(method),
        _ => false,
    }
}

/// Text the policy cannot read (an HTML page, a compressed body): replaced whole, or, for
/// display, line by line so that the lines after it keep their numbers.
pub fn opaque<R: Replace + ?Sized>(text: &str, r: &mut R) -> String {
    if r.keeps_all() || text.is_empty() {
        return text.to_string();
    }
    if r.encodes() || !text.contains('\n') {
        return r.replace(SecretKind::Value, text);
    }
    text.split_inclusive('\n')
        .map(|line| {
            let content = line.trim_end_matches(['\r', '\n']);
            let ending = &line[content.len()..];
            if content.trim().is_empty() {
                line.to_string()
            } else {
                format!("{}{ending}", r.replace(SecretKind::Value, content))
            }
        })
        .collect()
}

/// Burp Suite XML ("Save items"), whole or a piece of it: markup kept; `url` walked as a URL,
/// `path` as a request target; `host`, `port`, `protocol`, `method`, `status`,
/// `responselength`, `mimetype`, `time` and `extension` shown; `request` and `response` walked
/// as raw HTTP when plain and replaced when base64 (decoded, walked and encoded again for
/// `sanitize`); any other element's text replaced.
pub fn burp_xml<R: Replace + ?Sized>(text: &str, r: &mut R) -> String {
    if r.keeps_all() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    while pos < text.len() {
        let Some(open) = text[pos..].find('<').map(|i| pos + i) else {
            out.push_str(&xml_text("", &text[pos..], false, r));
            break;
        };
        if open > pos {
            // Text outside a known element (a piece that starts inside one).
            out.push_str(&xml_text("", &text[pos..open], false, r));
        }
        let Some(close) = tag_end(text, open) else {
            out.push_str(&r.replace(SecretKind::Value, &text[open..]));
            break;
        };
        let tag = &text[open..close];
        out.push_str(tag);
        pos = close;
        let name: String = tag[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if name.is_empty() || tag.ends_with("/>") {
            continue;
        }
        let end_tag = format!("</{name}>");
        let content_end = text[pos..].find(&end_tag).map(|i| pos + i);
        let content = &text[pos..content_end.unwrap_or(text.len())];
        if content.contains("<item") || content.contains("<request") {
            // A container (`items`, `item`): its children are walked in turn.
            continue;
        }
        let base64 = tag.contains("base64=\"true\"");
        out.push_str(&xml_text(&name, content, base64, r));
        pos = content_end.unwrap_or(text.len());
    }
    out
}

/// The end (after `>`) of the markup opening at `open`, CDATA sections and declarations
/// included as markup only up to their own `>`.
fn tag_end(text: &str, open: usize) -> Option<usize> {
    if text[open..].starts_with("<![CDATA[") {
        // Stray CDATA outside an element: treated as the text it holds.
        return None;
    }
    text[open..].find('>').map(|i| open + i + 1)
}

/// The text of one Burp element (CDATA or escaped), walked as the element says.
fn xml_text<R: Replace + ?Sized>(element: &str, content: &str, base64: bool, r: &mut R) -> String {
    if content.trim().is_empty() || element.is_empty() && !content.contains(char::is_alphanumeric) {
        return content.to_string();
    }
    let (inner, cdata) = match content
        .strip_prefix("<![CDATA[")
        .map(|c| c.strip_suffix("]]>").unwrap_or(c))
    {
        Some(c) => (c.replace("]]]]><![CDATA[>", "]]>"), true),
        None => (xml_unescape(content), false),
    };
    let walked = match element {
        "host" | "port" | "protocol" | "method" | "status" | "responselength" | "mimetype"
        | "time" | "extension" => inner.clone(),
        "url" => url(&inner, r),
        "path" => url(&inner, r),
        "request" | "response" if base64 => {
            if r.encodes() {
                let compact: String = inner.chars().filter(|c| !c.is_whitespace()).collect();
                match base64::engine::general_purpose::STANDARD.decode(&compact) {
                    Ok(bytes) => match String::from_utf8(bytes) {
                        Ok(message) => {
                            let walked = http_text(&message, r);
                            if walked == message {
                                inner.clone()
                            } else {
                                base64::engine::general_purpose::STANDARD.encode(walked)
                            }
                        }
                        Err(_) => r.replace(SecretKind::Value, &inner),
                    },
                    Err(_) => r.replace(SecretKind::Value, &inner),
                }
            } else {
                r.replace(SecretKind::Value, &inner)
            }
        }
        "request" | "response" => http_text(&inner, r),
        _ => opaque(&inner, r),
    };
    if walked == inner {
        return content.to_string();
    }
    if cdata {
        format!("<![CDATA[{}]]>", walked.replace("]]>", "]]]]><![CDATA[>"))
    } else {
        xml_escape(&walked)
    }
}

fn xml_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A host name as shown: labels of letters, digits and hyphens (with a port), else replaced.
pub fn host<R: Replace + ?Sized>(host: &str, r: &mut R) -> String {
    let hostname = host.split(':').next().unwrap_or("");
    let ok = !hostname.is_empty()
        && hostname.len() <= 253
        && hostname
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.'))
        && host
            .split_once(':')
            .is_none_or(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()));
    if r.keeps_all() || ok {
        return host.to_string();
    }
    r.replace(SecretKind::Value, host)
}

/// An HTTP method as shown: a token of capitals (`GET`, `M-SEARCH`), else replaced.
pub fn method<R: Replace + ?Sized>(method: &str, r: &mut R) -> String {
    if r.keeps_all() || is_method(method) {
        return method.to_string();
    }
    r.replace(SecretKind::Value, method)
}

/// A short note from a capture (a transport error such as `net::ERR_CONNECTION_RESET` or
/// `connection reset`): each word shown when name-shaped, else replaced.
pub fn note<R: Replace + ?Sized>(text: &str, r: &mut R) -> String {
    if r.keeps_all() {
        return text.to_string();
    }
    text.split(' ')
        .map(|word| {
            let core = word.trim_matches(|c: char| c.is_ascii_punctuation());
            if core.is_empty() || name_shaped(core) {
                word.chars()
                    .map(|c| if c.is_control() { ' ' } else { c })
                    .collect()
            } else {
                r.replace(SecretKind::Value, word)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
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

/// A request line (`GET /path?q HTTP/1.1`, its target walked as a URL) or a status line
/// (`HTTP/1.1 200 OK`, shown); anything else replaced.
pub fn start_line<R: Replace + ?Sized>(line: &str, r: &mut R) -> String {
    if r.keeps_all() || line.is_empty() {
        return line.to_string();
    }
    let parts: Vec<&str> = line.splitn(3, ' ').collect();
    let version = |v: &str| v.starts_with("HTTP/") && v.len() <= 10;
    match parts.as_slice() {
        [v, status, ..]
            if version(v) && status.len() == 3 && status.bytes().all(|b| b.is_ascii_digit()) =>
        {
            line.to_string()
        }
        [method, target, v] if version(v) && is_method(method) => {
            format!("{method} {} {v}", url(target, r))
        }
        [method, target] if is_method(method) => format!("{method} {}", url(target, r)),
        _ => r.replace(SecretKind::Value, line),
    }
}

fn is_method(m: &str) -> bool {
    !m.is_empty() && m.len() <= 16 && m.bytes().all(|b| b.is_ascii_uppercase() || b == b'-')
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

/// How a JSON document is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// A body an app wrote: keys are structure, values public only for [`Applies::Field`]
    /// names.
    Body,
    /// A HAR or Charles document (or one of its entries): its own structure is read as such
    /// (headers by their `name`, `url`s as URLs, `postData.text` as a body of its `mimeType`,
    /// Polly.JS array values as repeated headers); app data inside it as [`Schema::Body`].
    Capture,
}

/// A JSON body: keys kept when name-shaped, string values as [`field_value`] says for their
/// key (JSON inside a string walked too), numbers and booleans shown unless their key marks
/// a credential or they are long (a number of 6 or more digits may be a one-time code or an
/// account), `null` shown. Text that is not JSON is walked as far as it reads as JSON; every
/// other run of characters is replaced.
pub fn json<R: Replace + ?Sized>(text: &str, r: &mut R) -> String {
    json_as(text, Schema::Body, r)
}

/// [`json`] with a schema: a capture file's text (a whole file, an entry, or a piece of one).
pub fn json_as<R: Replace + ?Sized>(text: &str, schema: Schema, r: &mut R) -> String {
    let mut out = String::with_capacity(text.len());
    json_into(text, schema, false, r, &mut out);
    out
}

/// [`json_as`] appended to `out`; with `blank_response_text`, the first string at
/// `response.content.text` of the entry `text` is walked as if it were empty (`sanitize`
/// removes the response bodies of entries outside any OAuth flow). Whether a non-empty one
/// was.
pub fn json_into<R: Replace + ?Sized>(
    text: &str,
    schema: Schema,
    blank_response_text: bool,
    r: &mut R,
    out: &mut String,
) -> bool {
    if r.keeps_all() && !blank_response_text {
        out.push_str(text);
        return false;
    }
    let mut w = JsonWalk {
        text,
        bytes: text.as_bytes(),
        schema,
        stack: Vec::new(),
        out: std::mem::take(out),
        pending_key: None,
        blank: blank_response_text.then(Blank::default),
    };
    w.out.reserve(text.len());
    w.run(r);
    *out = w.out;
    w.blank.is_some_and(|b| b.removed)
}

/// Where the walk stands as it looks for `response.content.text`, as a plain scan of the
/// entry's tokens sees it: the key literally before each open container (`None` where no key
/// stood right before it), and the key just read (until the next token that ends it).
#[derive(Default)]
struct Blank {
    path: Vec<Option<KeyIs>>,
    key: Option<KeyIs>,
    done: bool,
    removed: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyIs {
    Response,
    Content,
    Text,
    Other,
}

impl KeyIs {
    /// Of a key's literal (quotes included), undecoded.
    fn of(literal: &str) -> KeyIs {
        match literal {
            "\"response\"" => KeyIs::Response,
            "\"content\"" => KeyIs::Content,
            "\"text\"" => KeyIs::Text,
            _ => KeyIs::Other,
        }
    }
}

impl Blank {
    /// Whether a string value read now is the response's text.
    fn at_text(&self) -> bool {
        !self.done
            && self.key == Some(KeyIs::Text)
            && self.path.len() == 3
            && self.path[1] == Some(KeyIs::Response)
            && self.path[2] == Some(KeyIs::Content)
    }
}

/// What an object or array is, in a capture file.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Role {
    /// Nothing special: app data, or capture structure.
    Plain,
    /// A header object (`{"name": …, "value": …}` in a `headers` list).
    Header { name: Option<String> },
    /// A query or form parameter object.
    Param { name: Option<String> },
    /// A cookie object.
    Cookie,
    /// A body holder (`postData`, `content`, Charles' `body`) with its media type and encoding.
    Body { mime: String, base64: bool },
    /// The array value of a header object (Polly.JS `"value": ["a", "b"]`): each element is
    /// the header's value.
    HeaderValues { name: Option<String> },
}

#[derive(Debug)]
struct Frame {
    object: bool,
    /// The key this container stands under.
    key: Option<String>,
    role: Role,
    /// The key of the member being read (objects).
    current: Option<String>,
    /// Where it opens in the text.
    open: usize,
    /// A `request` or `response` object: its direct `mimeType` (Charles), looked up when a
    /// member needs it, makes it a [`Role::Message`].
    message: bool,
}

struct JsonWalk<'t> {
    text: &'t str,
    bytes: &'t [u8],
    schema: Schema,
    stack: Vec<Frame>,
    out: String,
    /// A key read outside any known container (a piece of a document).
    pending_key: Option<String>,
    /// Looking for the response's text to walk as empty ([`json_into`]).
    blank: Option<Blank>,
}

impl JsonWalk<'_> {
    fn run<R: Replace + ?Sized>(&mut self, r: &mut R) {
        let mut pos = 0;
        let n = self.bytes.len();
        while pos < n {
            let b = self.bytes[pos];
            match b {
                b' ' | b'\t' | b'\r' | b'\n' | b',' | b':' => {
                    // Punctuation and indentation come in runs: copied as one.
                    let start = pos;
                    pos += 1;
                    let mut comma = b == b',';
                    while pos < n
                        && matches!(self.bytes[pos], b' ' | b'\t' | b'\r' | b'\n' | b',' | b':')
                    {
                        comma |= self.bytes[pos] == b',';
                        pos += 1;
                    }
                    self.out.push_str(&self.text[start..pos]);
                    if let Some(blank) = self.blank.as_mut().filter(|_| comma) {
                        blank.key = None;
                    }
                }
                b'{' | b'[' => {
                    let key = self.current_key().map(str::to_string);
                    let (role, message) = self.role_for(b == b'{', key.as_deref(), pos);
                    self.stack.push(Frame {
                        object: b == b'{',
                        key,
                        role,
                        current: None,
                        open: pos,
                        message,
                    });
                    self.pending_key = None;
                    if let Some(blank) = &mut self.blank {
                        blank.path.push(blank.key.take());
                    }
                    self.out.push(b as char);
                    pos += 1;
                }
                b'}' | b']' => {
                    self.stack.pop();
                    self.pending_key = None;
                    if let Some(blank) = &mut self.blank {
                        blank.path.pop();
                        blank.key = None;
                    }
                    self.out.push(b as char);
                    pos += 1;
                }
                b'"' => {
                    let end = string_end(self.bytes, pos);
                    let literal = &self.text[pos..end.unwrap_or(n)];
                    let is_key = end.is_some_and(|e| {
                        let after = skip_ws(self.bytes, e);
                        self.bytes.get(after) == Some(&b':')
                    });
                    if is_key {
                        if let Some(blank) = &mut self.blank {
                            blank.key = Some(KeyIs::of(literal));
                        }
                        self.key(literal, r);
                    } else {
                        let mut literal = literal;
                        if let Some(blank) = &mut self.blank {
                            if end.is_some() && blank.at_text() {
                                blank.done = true;
                                blank.removed = literal.len() > 2;
                                literal = "\"\"";
                            }
                            blank.key = None;
                        }
                        self.string_value(literal, end.is_some(), r);
                    }
                    pos = end.unwrap_or(n);
                }
                _ => {
                    // A number, `true`, `false`, `null`, or anything else up to the next
                    // structural character.
                    let end = (pos..n)
                        .find(|&i| {
                            matches!(
                                self.bytes[i],
                                b',' | b'}'
                                    | b']'
                                    | b':'
                                    | b'"'
                                    | b'{'
                                    | b'['
                                    | b' '
                                    | b'\t'
                                    | b'\r'
                                    | b'\n'
                            )
                        })
                        .unwrap_or(n);
                    let end = if end == pos { pos + 1 } else { end };
                    let end = ceil_char(self.text, end);
                    let token = &self.text[pos..end];
                    self.scalar(token, r);
                    pos = end;
                }
            }
        }
    }

    fn current_key(&self) -> Option<&str> {
        match self.stack.last() {
            Some(f) if f.object => f.current.as_deref(),
            Some(f) => f.key.as_deref(),
            None => self.pending_key.as_deref(),
        }
    }

    /// The role of a container opening at `pos` under `key`, and whether it is a message
    /// object ([`Frame::message`]).
    fn role_for(&self, object: bool, key: Option<&str>, pos: usize) -> (Role, bool) {
        if self.schema != Schema::Capture {
            return (Role::Plain, false);
        }
        let parent = self.stack.last();
        let parent_key = parent.and_then(|f| f.key.as_deref());
        let in_list = parent.is_some_and(|f| !f.object);
        if object && in_list {
            let sibling = |k: &str| direct_string(self.text, pos, k);
            match parent_key {
                Some("headers") => {
                    let name = sibling("name");
                    return (Role::Header { name }, false);
                }
                Some("queryString" | "params") => {
                    let name = sibling("name");
                    return (Role::Param { name }, false);
                }
                Some("cookies") => return (Role::Cookie, false),
                _ => {}
            }
        }
        if !object && key == Some("value") {
            if let Some(Frame {
                role: Role::Header { name },
                ..
            }) = parent
            {
                return (Role::HeaderValues { name: name.clone() }, false);
            }
        }
        if object {
            match key {
                Some("postData" | "content" | "body") => {
                    // One look ahead for both members.
                    let [mime, encoding] = direct_strings(self.text, pos, ["mimeType", "encoding"]);
                    let mime = mime
                        .or_else(|| parent.and_then(|f| self.message_mime(f)))
                        .unwrap_or_default();
                    let base64 = encoding.is_some_and(|e| e.eq_ignore_ascii_case("base64"));
                    return (Role::Body { mime, base64 }, false);
                }
                Some("request" | "response") => return (Role::Plain, true),
                _ => {}
            }
        }
        (Role::Plain, false)
    }

    /// The media type of a message object (Charles's request or response holds its body's),
    /// looked ahead from where it opens.
    fn message_mime(&self, frame: &Frame) -> Option<String> {
        if !frame.message {
            return None;
        }
        direct_string(self.text, frame.open, "mimeType")
    }

    fn key<R: Replace + ?Sized>(&mut self, literal: &str, r: &mut R) {
        let decoded = decode_string(literal);
        match decoded {
            Some(k)
                if name_shaped(&k)
                    || self.schema == Schema::Capture && public_name(&k, Capture).is_some() =>
            {
                self.out.push_str(literal);
                self.set_key(&k);
            }
            Some(k) => {
                let replaced = r.replace(SecretKind::Value, &k);
                self.out.push_str(&json_string(&replaced));
                self.set_key(&k);
            }
            None => {
                let replaced = r.replace(SecretKind::Value, literal);
                self.out.push_str(&json_string(&replaced));
                self.set_key("");
            }
        }
    }

    fn set_key(&mut self, k: &str) {
        // The key's String is reused member after member.
        let slot = match self.stack.last_mut() {
            Some(f) if f.object => &mut f.current,
            Some(_) => return,
            None => &mut self.pending_key,
        };
        match slot {
            Some(s) => {
                s.clear();
                s.push_str(k);
            }
            None => *slot = Some(k.to_string()),
        }
    }

    fn string_value<R: Replace + ?Sized>(&mut self, literal: &str, closed: bool, r: &mut R) {
        let Some(value) = closed.then(|| decode_string(literal)).flatten() else {
            // Cut inside the string (or an invalid escape): hide what there is.
            let inner = literal.get(1..).unwrap_or("");
            self.out.push('"');
            if !inner.is_empty() {
                self.out
                    .push_str(&json_escape(&r.replace(SecretKind::Value, inner)));
            }
            if closed {
                self.out.push('"');
            }
            return;
        };
        let walked = self.decide(self.current_key(), &value, r);
        match walked {
            Cow::Borrowed(_) => self.out.push_str(literal),
            Cow::Owned(new) => self.out.push_str(&json_string(&new)),
        }
    }

    /// What a string value under `key` becomes.
    fn decide<'v, R: Replace + ?Sized>(
        &self,
        key: Option<&str>,
        value: &'v str,
        r: &mut R,
    ) -> Cow<'v, str> {
        let unchanged = |new: String| {
            if new == value {
                Cow::Borrowed(value)
            } else {
                Cow::Owned(new)
            }
        };
        let frame = self.stack.last();
        if self.schema == Schema::Capture {
            let role = frame.map(|f| &f.role).unwrap_or(&Role::Plain);
            match (role, key) {
                (Role::Header { name }, Some("value")) | (Role::HeaderValues { name }, _) => {
                    return match header_value_cow(name.as_deref().unwrap_or(""), value, r) {
                        Cow::Borrowed(_) => Cow::Borrowed(value),
                        Cow::Owned(new) => unchanged(new),
                    };
                }
                (Role::Header { .. }, Some("name")) => {
                    return match header_name_cow(value, r) {
                        Cow::Borrowed(_) => Cow::Borrowed(value),
                        Cow::Owned(new) => unchanged(new),
                    };
                }
                (Role::Param { name }, Some("value")) => {
                    return decoded_value(name.as_deref().unwrap_or(""), value, r)
                }
                (Role::Param { .. } | Role::Cookie, Some("name")) => {
                    return if name_shaped(value) {
                        Cow::Borrowed(value)
                    } else {
                        Cow::Owned(r.replace(SecretKind::Value, value))
                    }
                }
                (Role::Cookie, Some("value")) => {
                    return Cow::Owned(r.replace(SecretKind::Cookie, value))
                }
                (Role::Body { mime, base64 }, Some("text")) => {
                    return unchanged(if *base64 {
                        base64_body(mime, value, r)
                    } else {
                        body(mime, value, r)
                    });
                }
                (Role::Body { mime, .. }, Some("encoded")) => {
                    return unchanged(base64_body(mime, value, r))
                }
                (_, Some("url" | "redirectURL")) => return unchanged(url(value, r)),
                (_, Some("firstLine")) => return unchanged(start_line(value, r)),
                (_, Some("query")) => return unchanged(form(value, r)),
                (_, Some("path")) => return unchanged(path(value, r)),
                (_, Some(k))
                    if public_name(k, Capture).is_some() && !k.eq_ignore_ascii_case("name") =>
                {
                    return Cow::Borrowed(value)
                }
                (_, Some("name")) if self.under(&["creator", "browser"]) => {
                    return Cow::Borrowed(value)
                }
                // A `name` whose object is outside the text (a piece of a file): a header,
                // parameter or cookie name, shown as header names are. (Not in a message
                // object with a media type: Charles's request or response.)
                (Role::Plain, Some("name"))
                    if frame.is_none_or(|f| self.message_mime(f).is_none()) =>
                {
                    return unchanged(header_name(value, r))
                }
                _ => {}
            }
        }
        decoded_value(key.unwrap_or(""), value, r)
    }

    /// Whether the innermost container stands under one of `keys`.
    fn under(&self, keys: &[&str]) -> bool {
        self.stack
            .last()
            .and_then(|f| f.key.as_deref())
            .is_some_and(|k| keys.contains(&k))
    }

    fn scalar<R: Replace + ?Sized>(&mut self, token: &str, r: &mut R) {
        let key = self.current_key().unwrap_or_default();
        let kind = kind_of_field(key);
        let credential = kind.is_some() || kind_of_header(key).is_some();
        let digits = token.bytes().filter(u8::is_ascii_digit).count();
        let number = token
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
            && digits > 0;
        // A capture file's own numbers (sizes, timings, ports) are structure; app data inside
        // it stands in body strings, which are walked as bodies.
        let capture_number = self.schema == Schema::Capture;
        let shown = match token {
            "true" | "false" | "null" => !credential || token == "null",
            _ if number => !credential && (digits < 6 || capture_number),
            _ => false,
        };
        // (A capture file's own numbers are its structure, never an artifact.)
        let identified = if shown && !capture_number {
            r.identified(token)
        } else {
            None
        };
        if shown && identified.is_none() {
            self.out.push_str(token);
        } else {
            let kind = identified.or(kind).unwrap_or(SecretKind::Value);
            let replaced = r.replace(kind, token);
            if number && replaced.bytes().all(|b| b.is_ascii_digit()) && !replaced.starts_with('0')
            {
                self.out.push_str(&replaced);
            } else {
                self.out.push_str(&json_string(&replaced));
            }
        }
    }
}

/// The end (after the closing quote) of the string literal opening at `start`.
pub(crate) fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    loop {
        let at = i + memchr::memchr2(b'"', b'\\', bytes.get(i..)?)?;
        if bytes[at] == b'\\' {
            i = at + 2;
        } else {
            return Some(at + 1);
        }
    }
}

fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while bytes.get(pos).is_some_and(u8::is_ascii_whitespace) {
        pos += 1;
    }
    pos
}

fn ceil_char(text: &str, mut i: usize) -> usize {
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// The decoded content of a JSON string literal (with its quotes): borrowed when it has no
/// escapes (most have none), else decoded by serde_json (which also refuses what JSON does).
fn decode_string(literal: &str) -> Option<Cow<'_, str>> {
    let b = literal.as_bytes();
    if b.len() >= 2
        && b[0] == b'"'
        && b[b.len() - 1] == b'"'
        && !b[1..b.len() - 1].iter().any(|&c| c == b'\\' || c < 0x20)
    {
        return Some(Cow::Borrowed(&literal[1..literal.len() - 1]));
    }
    serde_json::from_str::<String>(literal).ok().map(Cow::Owned)
}

/// `s` as a JSON string literal.
fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

/// `s` escaped for the inside of a JSON string.
fn json_escape(s: &str) -> String {
    let quoted = json_string(s);
    quoted[1..quoted.len() - 1].to_string()
}

/// The string value of the direct member `key` of the object opening at `open`, found by a
/// shallow scan that skips nested containers.
fn direct_string(text: &str, open: usize, key: &str) -> Option<String> {
    let [value] = direct_strings(text, open, [key]);
    value
}

/// [`direct_string`] of several keys in one scan: each the value the scan for it alone would
/// give (the first member of that name, `None` if its value is no string or the object ends
/// or breaks off first).
fn direct_strings<const N: usize>(text: &str, open: usize, keys: [&str; N]) -> [Option<String>; N] {
    let mut found: [Option<String>; N] = std::array::from_fn(|_| None);
    let mut decided = [false; N];
    let bytes = text.as_bytes();
    let mut pos = open + 1;
    let mut depth = 0usize;
    let mut expect_key = true;
    while pos < bytes.len() && decided.contains(&false) {
        match bytes[pos] {
            b'"' => {
                let Some(end) = string_end(bytes, pos) else {
                    break;
                };
                if depth == 0 && expect_key {
                    let after = skip_ws(bytes, end);
                    if bytes.get(after) == Some(&b':') {
                        let Some(k) = decode_string(&text[pos..end]) else {
                            break;
                        };
                        let vstart = skip_ws(bytes, after + 1);
                        for (i, key) in keys.iter().enumerate() {
                            if decided[i] || *key != k.as_ref() {
                                continue;
                            }
                            decided[i] = true;
                            if bytes.get(vstart) == Some(&b'"') {
                                found[i] = string_end(bytes, vstart).and_then(|vend| {
                                    decode_string(&text[vstart..vend]).map(Cow::into_owned)
                                });
                            }
                        }
                        expect_key = false;
                        pos = after + 1;
                        continue;
                    }
                }
                pos = end;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            }
            b',' if depth == 0 => expect_key = true,
            _ => {}
        }
        pos += 1;
    }
    found
}

#[cfg(test)]
mod tests {

    #[test]
    fn id_token_claims_show_only_what_a_finding_needs() {
        for name in ["iss", "aud", "azp", "exp", "alg"] {
            assert_eq!(
                claim(name, "https://issuer.example"),
                "https://issuer.example"
            );
        }
        for name in ["sub", "nonce", "email", "at_hash", "name"] {
            let shown = claim(name, "248289761001-person");
            assert_ne!(shown, "248289761001-person", "{name} shown");
            assert!(!shown.contains("248289761001"), "{name} leaks: {shown}");
            assert_eq!(
                shown,
                claim(name, "248289761001-person"),
                "equal values, equal masks"
            );
        }
    }
    use super::*;

    #[test]
    fn generated_path_segments_are_hidden_and_readable_ids_shown() {
        let uid = "yiZ9_yFu8wTdBbPnJd5Rt0t-GIx_CD7nnwcnYQcqIvg";
        let shown = path(&format!("/interaction/{uid}/login"), &mut Mask);
        assert!(!shown.contains(uid), "{shown}");
        assert!(
            shown.starts_with("/interaction/") && shown.ends_with("/login"),
            "{shown}"
        );
        for kept in [
            "/v1/users/~current/skills/amzn1.ask.skill.12345678-1234-1234-1234-123456789012/enablement",
            "/users/3f2b8c1e-9a7d-4e5f-8b6a-1c2d3e4f5a6b/profile",
            "/oauth2/v2.0/authorize",
            "/realms/Demo-Realm-2024/protocol/openid-connect/token",
        ] {
            assert_eq!(path(kept, &mut Mask), kept);
        }
    }
    use crate::secret::placeholder::Key;

    const CODE: &str = "ANdNAVhyhqirUelHGEHA";
    const TOKEN: &str = "Atza|IwEBIabcdefghijklmnopqrstuvwxyz012345";
    /// A value no list or shape recognises.
    const ODD: &str = "q8Zr2kP0vX4mW7nB1cT5";

    fn shown(text: &str) -> String {
        let mut m = Mask;
        json(text, &mut m)
    }

    fn keyed() -> Placeholders {
        Placeholders::new(Key::from_bytes(b"0123456789abcdef-policy").expect("key"))
    }

    #[test]
    fn capture_keys_answered_at_once_are_name_shaped_by_the_rules() {
        for key in CAPTURE_KEYS {
            assert!(shaped_by_rules(key), "{key}");
        }
    }

    #[test]
    fn names_are_shaped_like_names_or_masked() {
        for name in [
            "X-Session-Token",
            "Private-Token",
            "x-functions-key",
            "codeChallengeMethod",
            "redirect_uri",
            "X-B3-TraceId",
            "items[0]",
            "openid.claimed_id",
            "sec-ch-ua-platform",
            "Http2-Settings",
        ] {
            assert!(name_shaped(name), "{name}");
        }
        for name in [
            ODD,
            "a1b2c3",
            "eyJhbGciOiJIUzI1NiJ9",
            "",
            "ab cd",
            "x".repeat(65).as_str(),
            "aBcDeFgHiJkL",
        ] {
            assert!(!name_shaped(name), "{name}");
        }
        let mut m = Mask;
        assert_eq!(header_name("X-Session-Token", &mut m), "X-Session-Token");
        assert_eq!(header_name("authorization", &mut m), "authorization");
        assert_eq!(header_name(ODD, &mut m), mask(ODD));
    }

    #[test]
    fn header_values_are_public_only_by_name() {
        let mut m = Mask;
        assert_eq!(
            header_value("Content-Type", "application/json", &mut m),
            "application/json"
        );
        assert_eq!(header_value("Accept-Language", "en-US", &mut m), "en-US");
        assert_eq!(
            header_value("sec-fetch-mode", "navigate", &mut m),
            "navigate"
        );
        for name in [
            "X-Session-Token",
            "Private-Token",
            "X-Functions-Key",
            "X-Anything",
        ] {
            assert_eq!(header_value(name, ODD, &mut m), mask(ODD), "{name}");
        }
        // Short numbers and booleans are shown, unless the name marks a credential.
        assert_eq!(header_value("X-Retry", "3", &mut m), "3");
        assert_eq!(header_value("X-Api-Key", "123", &mut m), mask("123"));
        assert_eq!(header_value("X-Pin", "482193", &mut m), mask("482193"));
        // A Referer is a URL: its code is masked, the rest kept.
        let referer = format!("https://app.example.com/cb?code={CODE}&scope=profile");
        assert_eq!(
            header_value("Referer", &referer, &mut m),
            format!(
                "https://app.example.com/cb?code={}&scope=profile",
                mask(CODE)
            )
        );
    }

    #[test]
    fn credentials_keep_their_scheme_and_basic_its_client_id() {
        let mut m = Mask;
        assert_eq!(
            header_value("Authorization", &format!("Bearer {TOKEN}"), &mut m),
            format!("Bearer {}", mask(TOKEN))
        );
        let basic = base64::engine::general_purpose::STANDARD.encode("my-client:s3cr3t-value-xyz");
        assert_eq!(
            credentials(&format!("Basic {basic}"), &mut m),
            format!("Basic my-client:{}", mask("s3cr3t-value-xyz"))
        );
        assert_eq!(credentials("Negotiate", &mut m), mask("Negotiate"));
        assert_eq!(
            credentials(&format!("Digest {ODD}"), &mut m),
            format!("Digest {}", mask(ODD))
        );
        // Keyed: still Basic, the same client id, the secret replaced as placeholders do.
        let p = keyed();
        let mut k = Keyed { placeholders: &p };
        let out = credentials(&format!("Basic {basic}"), &mut k);
        let (id, secret) = crate::flow::basic::decode(out.strip_prefix("Basic ").expect("scheme"))
            .expect("still Basic");
        assert_eq!(id, "my-client");
        assert_eq!(
            secret,
            p.placeholder(SecretKind::ClientSecret, "s3cr3t-value-xyz")
        );
    }

    #[test]
    fn cookies_keep_names_and_attributes_only() {
        let mut m = Mask;
        assert_eq!(
            cookie_header("session-id=abc123456; lang=en", &mut m),
            format!("session-id={}; lang={}", mask("abc123456"), mask("en"))
        );
        let joined = "a=first-value; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT, b=second-value; Secure; Foo=bar123";
        let out = set_cookie(joined, &mut m);
        assert_eq!(
            out,
            format!(
                "a={}; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT, b={}; Secure; Foo={}",
                mask("first-value"),
                mask("second-value"),
                mask("bar123")
            )
        );
        let lines = set_cookie("a=first-value; Path=/\nb=second-value; HttpOnly", &mut m);
        assert!(
            !lines.contains("first-value") && !lines.contains("second-value"),
            "{lines}"
        );
        assert!(
            lines.contains("\nb=") && lines.contains("HttpOnly"),
            "{lines}"
        );
    }

    #[test]
    fn urls_keep_structure_and_public_parameters() {
        let mut m = Mask;
        let u = format!(
            "https://user:pw@example.com:8443/cb/path?client_id=amzn1.application-oa2-client.abc&code={CODE}&redirect_uri=https%3A%2F%2Fpitangui.amazon.com%2Fapi%2Fskill%2Flink&sig={ODD}#access_token={TOKEN}&token_type=bearer&expires_in=3600"
        );
        let out = url(&u, &mut m);
        assert_eq!(
            out,
            format!(
                "https://{}@example.com:8443/cb/path?client_id=amzn1.application-oa2-client.abc&code={}&redirect_uri=https%3A%2F%2Fpitangui.amazon.com%2Fapi%2Fskill%2Flink&sig={}#access_token={}&token_type=bearer&expires_in=3600",
                mask("user:pw"),
                mask(CODE),
                mask(ODD),
                mask(TOKEN)
            )
        );
        // A redirect URI carrying its own query is walked too.
        let nested = "https://x.example/a?redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fkey%3Dq8Zr2kP0vX4mW7nB1cT5";
        let out = url(nested, &mut m);
        assert!(!out.contains("q8Zr2kP0"), "{out}");
        assert!(
            out.contains("redirect_uri=https://app.example/cb?key="),
            "{out}"
        );
        // Fragments: parameters walked, routes kept, anything else masked.
        assert_eq!(
            url("https://x.example/#/settings/account", &mut m),
            "https://x.example/#/settings/account"
        );
        assert_eq!(
            url(&format!("https://x.example/#{ODD}"), &mut m),
            format!("https://x.example/#{}", mask(ODD))
        );
        // A path segment of a secret shape, and text that is no URL at all.
        assert_eq!(
            url(&format!("https://x.example/t/{TOKEN}/x"), &mut m),
            format!("https://x.example/t/{}/x", mask(TOKEN))
        );
        assert_eq!(url(ODD, &mut m), mask(ODD));
    }

    #[test]
    fn forms_walk_names_values_and_json_in_values() {
        let mut m = Mask;
        let f = format!("grant_type=authorization_code&code={CODE}&client_secret=abc%2Fdef&{ODD}&data=%7B%22refresh_token%22%3A%22{ODD}%22%2C%22scope%22%3A%22profile%22%7D");
        let out = form(&f, &mut m);
        assert!(
            out.starts_with(&format!(
                "grant_type=authorization_code&code={}&client_secret={}&{}&data=",
                mask(CODE),
                mask("abc/def"),
                mask(ODD)
            )),
            "{out}"
        );
        assert!(
            out.contains("\"scope\":\"profile\"") && !out.contains(ODD),
            "{out}"
        );
    }

    #[test]
    fn json_bodies_show_keys_public_values_and_small_numbers() {
        let body = format!(
            r#"{{"access_token":"{TOKEN}","token_type":"bearer","expires_in":3600,"nested":{{"deep":[{{"whatever":"{ODD}","otp":482193,"ok":true,"n":null}}]}},"inner":"{{\"refresh_token\":\"{ODD}x\",\"scope\":\"profile\"}}","{ODD}":1}}"#
        );
        let out = shown(&body);
        for raw in [TOKEN, ODD, "482193"] {
            assert!(!out.contains(raw), "{raw} in {out}");
        }
        for kept in [
            r#""token_type":"bearer""#,
            r#""expires_in":3600"#,
            r#""ok":true"#,
            r#""n":null"#,
            r#"\"scope\":\"profile\""#,
        ] {
            assert!(out.contains(kept), "{kept} not in {out}");
        }
        assert!(
            out.contains(&format!("\"access_token\":\"{}\"", mask(TOKEN))),
            "{out}"
        );
        assert!(out.contains(&format!("\"{}\":1", mask(ODD))), "{out}");
        // Still JSON, with the same structure.
        let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
        assert_eq!(v["nested"]["deep"][0]["ok"], serde_json::json!(true));
    }

    #[test]
    fn pieces_of_json_are_walked_and_the_rest_hidden() {
        let out = shown(&format!(r#"  "value": "{ODD}" }} ], "text": "cut {ODD}"#));
        assert!(!out.contains(ODD), "{out}");
        assert!(out.starts_with("  \"value\": \""), "{out}");
        let out = shown(&format!("not json {ODD}"));
        assert!(!out.contains(ODD), "{out}");
    }

    #[test]
    fn multipart_token_requests_hide_secrets_and_show_public_fields() {
        let text = format!(
            "--XyZ\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\nauthorization_code\r\n--XyZ\r\nContent-Disposition: form-data; name=\"code\"\r\n\r\n{CODE}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"client_secret\"\r\n\r\n{ODD}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"me.png\"\r\nContent-Type: image/png\r\n\r\nPNGDATA{ODD}\r\n--XyZ--\r\n"
        );
        let mut m = Mask;
        let out = body("multipart/form-data; boundary=XyZ", &text, &mut m);
        for raw in [CODE, ODD, "me.png"] {
            assert!(!out.contains(raw), "{raw} in {out}");
        }
        assert!(
            out.contains("name=\"grant_type\"\r\n\r\nauthorization_code\r\n"),
            "{out}"
        );
        assert!(
            out.contains(&format!("\r\n\r\n{}\r\n--XyZ", mask(CODE))),
            "{out}"
        );
        assert!(out.ends_with("--XyZ--\r\n"), "{out}");
    }

    #[test]
    fn bodies_by_media_type() {
        let mut m = Mask;
        assert_eq!(
            body("text/html", &format!("<p>{ODD}</p>"), &mut m),
            mask(&format!("<p>{ODD}</p>"))
        );
        assert_eq!(
            body("", "a=1&b=profile", &mut m),
            format!("a=1&b={}", mask("profile"))
        );
        assert_eq!(body("application/x-www-form-urlencoded", "", &mut m), "");
        // Base64: masked whole for display; decoded, walked and encoded again for sanitize.
        let inner = format!(r#"{{"access_token":"{TOKEN}","token_type":"bearer"}}"#);
        let b64 = base64::engine::general_purpose::STANDARD.encode(&inner);
        assert_eq!(base64_body("application/json", &b64, &mut m), mask(&b64));
        let p = keyed();
        let mut k = Keyed { placeholders: &p };
        let out = base64_body("application/json", &b64, &mut k);
        let decoded = String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(out)
                .expect("b64"),
        )
        .expect("utf8");
        assert_eq!(
            decoded,
            format!(
                r#"{{"access_token":"{}","token_type":"bearer"}}"#,
                p.placeholder(SecretKind::AccessToken, TOKEN)
            )
        );
    }

    #[test]
    fn raw_http_messages_by_line() {
        let request = format!(
            "POST https://api.amazon.com/auth/o2/token?x={ODD} HTTP/1.1\r\nHost: api.amazon.com\r\nX-Session-Token: {ODD}\r\n{ODD}: 1\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\ngrant_type=authorization_code&code={CODE}"
        );
        let mut m = Mask;
        let out = http_message(&request, &mut m);
        assert_eq!(
            out,
            format!(
                "POST https://api.amazon.com/auth/o2/token?x={} HTTP/1.1\r\nHost: api.amazon.com\r\nX-Session-Token: {}\r\n{}: 1\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\ngrant_type=authorization_code&code={}",
                mask(ODD), mask(ODD), mask(ODD), mask(CODE)
            )
        );
        let response = "HTTP/1.1 302 Found\r\nLocation: https://x.example/cb#id_token=eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0NTY3ODkwIn0.\r\nContent-Encoding: gzip\r\n\r\n\u{1f}binary";
        let out = http_message(response, &mut m);
        assert!(
            out.starts_with("HTTP/1.1 302 Found\r\nLocation: https://x.example/cb#id_token="),
            "{out}"
        );
        assert!(
            !out.contains("eyJzdWIi") && !out.contains("binary"),
            "{out}"
        );
    }

    #[test]
    fn capture_json_reads_headers_by_name_and_bodies_by_type() {
        let entry = format!(
            r#"{{
  "startedDateTime": "2024-05-01T10:00:03.000Z",
  "time": 12,
  "request": {{
    "method": "POST",
    "url": "https://api.amazon.com/auth/o2/token?key={ODD}",
    "httpVersion": "HTTP/1.1",
    "headers": [
      {{ "value": "Bearer {TOKEN}", "name": "Authorization" }},
      {{ "name": "Content-Type", "value": "application/x-www-form-urlencoded" }},
      {{ "name": "Private-Token", "value": "{ODD}" }},
      {{ "name": "authorization", "value": ["Bearer {TOKEN}", "{ODD}"] }},
      {{ "name": "{ODD}", "value": "1" }}
    ],
    "queryString": [{{ "name": "key", "value": "{ODD}" }}, {{ "name": "client_id", "value": "my-client" }}],
    "cookies": [{{ "name": "sid", "value": "{ODD}", "path": "/" }}],
    "postData": {{
      "mimeType": "application/x-www-form-urlencoded",
      "text": "grant_type=authorization_code&code={CODE}&client_id=my-client"
    }},
    "comment": "{ODD}"
  }},
  "response": {{
    "status": 200,
    "statusText": "OK",
    "headers": [],
    "content": {{ "size": 99, "mimeType": "application/json", "text": "{{\"access_token\":\"{TOKEN}\",\"token_type\":\"bearer\"}}" }},
    "redirectURL": ""
  }}
}}"#
        );
        let mut m = Mask;
        let out = json_as(&entry, Schema::Capture, &mut m);
        for raw in [ODD, TOKEN, CODE] {
            assert!(!out.contains(raw), "{raw} in {out}");
        }
        assert_eq!(
            out.lines().count(),
            entry.lines().count(),
            "lines stay where they were"
        );
        for kept in [
            "\"method\": \"POST\"".to_string(),
            format!("\"value\": \"Bearer {}\"", mask(TOKEN)),
            "\"value\": \"application/x-www-form-urlencoded\"".to_string(),
            "\"name\": \"Private-Token\"".to_string(),
            format!("[\"Bearer {}\"", mask(TOKEN)),
            "{ \"name\": \"client_id\", \"value\": \"my-client\" }".to_string(),
            format!(
                "grant_type=authorization_code&code={}&client_id=my-client",
                mask(CODE)
            ),
            "\\\"token_type\\\":\\\"bearer\\\"".to_string(),
            "\"status\": 200".to_string(),
            "\"time\": 12".to_string(),
            "\"startedDateTime\": \"2024-05-01T10:00:03.000Z\"".to_string(),
        ] {
            assert!(out.contains(&kept), "{kept} not in {out}");
        }
        // The same walk with placeholders gives a capture that still parses, with equal
        // secrets equal.
        let p = keyed();
        let mut k = Keyed { placeholders: &p };
        let sanitized = json_as(&entry, Schema::Capture, &mut k);
        let v: serde_json::Value = serde_json::from_str(&sanitized).expect("still JSON");
        let code = p.placeholder(SecretKind::Code, CODE);
        assert!(v["request"]["postData"]["text"]
            .as_str()
            .expect("text")
            .contains(&format!("code={code}")));
        assert!(
            !sanitized.contains(ODD) && !sanitized.contains(TOKEN),
            "{sanitized}"
        );
    }

    #[test]
    fn charles_messages_give_their_body_a_type() {
        let item = format!(
            r#"{{"method":"POST","host":"api.example.com","path":"/token","query":"a={ODD}","request":{{"mimeType":"application/json","header":{{"firstLine":"POST /token?a={ODD} HTTP/1.1","headers":[{{"name":"X-Trace","value":"{ODD}"}}]}},"body":{{"text":"{{\"client_id\":\"c1\",\"code\":\"{CODE}\"}}"}}}},"response":{{"status":200,"body":{{"encoded":"{ODD}"}}}}}}"#
        );
        let out = json_as(&item, Schema::Capture, &mut Mask);
        assert!(!out.contains(ODD) && !out.contains(CODE), "{out}");
        assert!(
            out.contains("\\\"client_id\\\":\\\"c1\\\"") && out.contains("\"path\":\"/token\""),
            "{out}"
        );
        assert!(out.contains("\"firstLine\":\"POST /token?a="), "{out}");
    }

    #[test]
    fn raw_http_text_reads_message_after_message() {
        let text = format!(
            "GET /cb?code={CODE}&scope=profile HTTP/1.1\r\nHost: app.example\r\nX-Session-Token: {ODD}\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>\r\n{ODD}\r\n</p>\r\n\r\nPOST /token HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\ngrant_type=authorization_code&client_secret={ODD}\r\n"
        );
        let out = http_text(&text, &mut Mask);
        assert!(!out.contains(ODD) && !out.contains(CODE), "{out}");
        assert_eq!(out.lines().count(), text.lines().count(), "{out}");
        for kept in [
            format!(
                "GET /cb?code={}&scope=profile HTTP/1.1\r\nHost: app.example\r\n",
                mask(CODE)
            ),
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n".to_string(),
            "\r\n\r\nPOST /token HTTP/1.1".to_string(),
            "grant_type=authorization_code&client_secret=".to_string(),
        ] {
            assert!(out.contains(&kept), "{kept:?} not in {out}");
        }
        // A piece starting inside a head: header-shaped lines are headers.
        let out = http_text(&format!("Cookie: sid={ODD}\r\n{ODD} {ODD}\r\n"), &mut Mask);
        assert_eq!(
            out,
            format!(
                "Cookie: sid={}\r\n{}\r\n",
                mask(ODD),
                mask(&format!("{ODD} {ODD}"))
            )
        );
    }

    #[test]
    fn burp_items_walk_their_messages() {
        let plain = format!(
            "<item>\n<time>Thu Mar 14 10:55:07 CET 2024</time>\n<url><![CDATA[https://x.example/cb?code={CODE}]]></url>\n<host ip=\"203.0.113.10\">x.example</host>\n<request base64=\"false\"><![CDATA[GET /cb?code={CODE} HTTP/1.1\nX-Key: {ODD}\n\n]]></request>\n<response base64=\"true\"><![CDATA[SFRUUC8xLjEgMjAwIE9LDQoNCnNlY3JldA==]]></response>\n<comment>{ODD}</comment>\n</item>"
        );
        let out = burp_xml(&plain, &mut Mask);
        assert!(
            !out.contains(ODD) && !out.contains(CODE) && !out.contains("SFRUUC8x"),
            "{out}"
        );
        assert!(
            out.contains("<time>Thu Mar 14 10:55:07 CET 2024</time>"),
            "{out}"
        );
        assert!(
            out.contains(&format!(
                "<url><![CDATA[https://x.example/cb?code={}]]></url>",
                mask(CODE)
            )),
            "{out}"
        );
        assert!(
            out.contains("<host ip=\"203.0.113.10\">x.example</host>"),
            "{out}"
        );
        assert_eq!(out.lines().count(), plain.lines().count());
        // For sanitize, a base64 message is decoded, walked and encoded again.
        let p = keyed();
        let b64 = base64::engine::general_purpose::STANDARD
            .encode(format!("GET /x HTTP/1.1\r\nX-Key: {ODD}\r\n\r\n"));
        let out = burp_xml(
            &format!("<request base64=\"true\"><![CDATA[{b64}]]></request>"),
            &mut Keyed { placeholders: &p },
        );
        let inner = out
            .split("CDATA[")
            .nth(1)
            .and_then(|s| s.split("]]>").next())
            .expect("cdata");
        let message = String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(inner)
                .expect("b64"),
        )
        .expect("utf8");
        assert_eq!(
            message,
            format!(
                "GET /x HTTP/1.1\r\nX-Key: {}\r\n\r\n",
                p.placeholder(SecretKind::Value, ODD)
            )
        );
    }

    #[test]
    fn error_messages_keep_the_place_and_lose_the_value() {
        let e = serde_json::from_str::<Vec<u8>>(&format!("\"Bearer {TOKEN}\"")).unwrap_err();
        let raw = e.to_string();
        assert!(raw.contains("Bearer"), "serde quotes the value: {raw}");
        let safe = error_message(&raw);
        assert!(!safe.contains("Bearer") && !safe.contains("IwEB"), "{safe}");
        assert!(
            safe.contains("invalid type: string (value not shown), expected"),
            "{safe}"
        );
        assert!(safe.contains("line 1 column"), "{safe}");
        assert_eq!(
            error_message(&format!("unknown field `{ODD}`, expected `log`")),
            "unknown field (value not shown), expected `log`"
        );
        assert_eq!(
            error_message("unknown field `entries`"),
            "unknown field `entries`"
        );
        assert_eq!(
            error_message("a \"quoted \\\" value\" here"),
            "a (value not shown) here"
        );
    }

    #[test]
    fn the_public_table_is_one_entry_per_name_and_place() {
        for (i, p) in PUBLIC.iter().enumerate() {
            assert!(!p.why.is_empty(), "{}", p.name);
            assert!(
                PUBLIC[..i]
                    .iter()
                    .all(|q| !(q.applies == p.applies && q.name.eq_ignore_ascii_case(p.name))),
                "{} twice",
                p.name
            );
        }
        assert!(public_name("ACCEPT-ENCODING", Applies::Header).is_some());
        assert!(public_name("state", Applies::Field).is_none());
        assert!(public_name("client_secret", Applies::Field).is_none());
    }

    /// The README's table is this table: every name, where it applies and why.
    #[test]
    fn the_readme_documents_every_public_name() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
            .expect("README.md");
        let mut rows = 0;
        for p in PUBLIC {
            let place = match p.applies {
                Applies::Header => "header",
                Applies::Field => "parameter / JSON key",
                Applies::Capture => "capture structure",
            };
            let shown = match p.shown {
                Shown::Text => "as is",
                Shown::Url => "as a URL",
            };
            let row = format!("| `{}` | {place} | {shown} | {} |", p.name, p.why);
            assert!(readme.contains(&row), "README lacks the row {row}");
            rows += 1;
        }
        let documented = readme.lines().filter(|l| {
            l.starts_with("| `")
                && [
                    "| header |",
                    "| parameter / JSON key |",
                    "| capture structure |",
                ]
                .iter()
                .any(|w| l.contains(w))
        });
        assert_eq!(
            documented.count(),
            rows,
            "the README lists names the policy does not have"
        );
    }

    #[test]
    fn show_secrets_keeps_everything() {
        // `keeps_all` is read per call, so a replacer that keeps all returns every input.
        struct All;
        impl Replace for All {
            fn replace(&mut self, _: SecretKind, v: &str) -> String {
                format!("<{v}>")
            }
            fn keeps_all(&self) -> bool {
                true
            }
        }
        let text = format!("a={ODD}");
        assert_eq!(form(&text, &mut All), text);
        assert_eq!(
            json(&format!("{{\"x\":\"{ODD}\"}}"), &mut All),
            format!("{{\"x\":\"{ODD}\"}}")
        );
    }
}
