//! The names the policy knows: the public ones (whose values are shown, one table the
//! README documents), the header names shown whatever their shape, and what a name a person
//! wrote looks like.

use super::*;

/// Where a public name applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applies {
    /// An HTTP header's name.
    Header,
    /// A query, fragment, form or multipart parameter, or a JSON key in a body.
    Field,
    /// A key of the capture file's own structure (HAR, Charles), written by the recording tool.
    Capture,
    /// A claim of a JWT's payload, or a parameter of its header (an id_token, a JWT access
    /// token): shown in facts and kept in a sanitized copy's claim-keeping placeholder.
    Claim,
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

pub(super) const fn public(
    name: &'static str,
    applies: Applies,
    shown: Shown,
    why: &'static str,
) -> Public {
    Public {
        name,
        applies,
        shown,
        why,
    }
}

use Applies::{Capture, Claim, Field, Header};
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
    // A JWT's header and claims: what the OpenID Connect rules compare, no more. Identifiers
    // of people (`sub`, `email`, names), `nonce`, `at_hash`, `c_hash` and every other claim
    // are replaced like any value (equal values keep equal stand-ins, so a nonce still
    // matches the authorize request's, and a sanitized copy's hashes are recomputed).
    public("alg", Claim, Text, "the signing algorithm (`RS256`, `none`): the unsigned-token rule reads it"),
    public("typ", Claim, Text, "the token's media type (`JWT`, `at+jwt`)"),
    public("kid", Claim, Text, "the signing key's identifier, published in the provider's JWKS"),
    public("iss", Claim, Url, "the issuer, the authorization server's public URL; compared with the discovery document's"),
    public("aud", Claim, Text, "the audiences: client ids (public, RFC 6749 §2.2) or API identifiers; compared with the client that asked"),
    public("azp", Claim, Text, "the authorized party, a client id; compared with the client that asked"),
    public("exp", Claim, Text, "a time: when the token expires; compared with the entry's time"),
    public("iat", Claim, Text, "a time: when the token was issued"),
    public("nbf", Claim, Text, "a time: not valid before"),
    public("tid", Claim, Text, "Entra ID's tenant id, which its issuer URL holds anyway; fills a multi-tenant discovery document's issuer"),
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
pub(super) const PUBLIC_NAME_MAX: usize = 64;

/// [`PUBLIC`] indexed: exact names (lower-case), by where they apply, to their first index,
/// and the indexes of the prefix entries.
pub(super) struct PublicLookup {
    exact: [foldhash::HashMap<String, usize>; 4],
    prefixes: Vec<usize>,
    longest: usize,
}

pub(super) fn public_lookup() -> &'static PublicLookup {
    static LOOKUP: std::sync::OnceLock<PublicLookup> = std::sync::OnceLock::new();
    LOOKUP.get_or_init(|| {
        let mut exact: [foldhash::HashMap<String, usize>; 4] = Default::default();
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
pub(super) const KNOWN_HEADERS: &[&str] = &[
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
    capture_key(name) || shaped_by_rules(name)
}

/// [`name_shaped`] by its rules alone.
pub(super) fn shaped_by_rules(name: &str) -> bool {
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

/// The keys of a HAR entry, all [`name_shaped`]: the list, and a `match` of it (compiled to
/// a switch on the length, where `contains` compared one by one).
macro_rules! capture_keys {
    ($($key:literal),* $(,)?) => {
        #[cfg(test)]
        pub(super) const CAPTURE_KEYS: &[&str] = &[$($key),*];

        /// Whether `name` is one of the keys above.
        pub(super) fn capture_key(name: &str) -> bool {
            matches!(name, $($key)|*)
        }
    };
}

capture_keys![
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
