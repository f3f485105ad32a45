//! Bodies that reconstruction never reads, dropped as their entry is read (for `check` only):
//! a logged-in capture's Bearer calls are read in full for their `Authorization` header, and
//! their answers' bodies (API JSON, a kilobyte or two each) were the largest part of what a
//! long capture kept to the end.
//!
//! A response body is read by reconstruction (`flow::classify`, `flow::oidc`) only as
//! * a token response (a POST, or a GET whose query names `grant_type`),
//! * an activation's answer (a POST) or an Alexa endpoint lookup's (`/v1/alexaApiEndpoint`),
//! * a `form_post` page (a body holding `<form`),
//! * a discovery document (`/.well-known/openid-configuration`) or a userinfo answer (a path
//!   ending in `/userinfo`, or the endpoint a discovery document names: a capture that holds
//!   a discovery document is read again where a body was dropped, [`super::super::read_skimmed`]).
//!
//! So the body of a GET whose URL names none of those (nor hides one behind a `%` escape), and
//! that holds no `<form`, is dropped; one over `max_body_size` is kept so the limit still
//! reports it. Nothing else reads a body after reconstruction: every snippet is cut from the
//! capture's source. `tests/skim.rs` compares every output of the fast read with the full
//! read's over every fixture.
//!
//! The same goes for headers: reconstruction and the facts read a dozen of them by name
//! ([`REQUEST_HEADERS_READ`], [`RESPONSE_HEADERS_READ`]); the reports read none (a header's
//! snippet is cut from the source). A logged-in capture's Bearer calls carry a browser's
//! `User-Agent`, `Accept`, `Date`, `Server`, ... which were a third of what each kept. The
//! others are dropped where no header limit applies to the entry, so `limits::apply` sees
//! nothing to cut either way.

use super::needles::contains_ci;
use crate::limits::Limits;
use crate::model::{Exchange, Header};

/// The request headers anything after reading looks at, lower-case: `flow::classify`
/// (`authorization`, `cookie` for stripped cookies), `flow::security` (`referer`,
/// `cookie` for `cookies_sent`, `content-type`, the browser signs) and the step facts. A
/// header read later by name must be added here, or `check` will not see it
/// (`tests/skim.rs` compares `check`'s every output with the full read's).
pub(super) const REQUEST_HEADERS_READ: [&str; 8] = [
    "authorization",
    "cookie",
    "referer",
    "content-type",
    "origin",
    "sec-fetch-site",
    "sec-fetch-dest",
    "sec-fetch-user",
];

/// The response headers anything after reading looks at, lower-case: `Response::location`,
/// `flow::classify` (`set-cookie` for stripped cookies) and the step facts (`cookies_set`,
/// `cache_control`, `referrer_policy`, `www_authenticate`).
pub(super) const RESPONSE_HEADERS_READ: [&str; 5] = [
    "location",
    "set-cookie",
    "cache-control",
    "referrer-policy",
    "www-authenticate",
];

/// Words in a URL that make reconstruction read the answer's body, lower-case.
const READ_BY_URL: [&str; 4] = [
    "grant",
    "alexaapiendpoint",
    "openid-configuration",
    "userinfo",
];

/// Drops the response body of `ex` (read in full) where reconstruction cannot read it.
pub(super) fn drop_unread_body(ex: &mut Exchange, limits: &Limits) {
    if !body_unread(&ex.request.method, &ex.request.url) {
        return;
    }
    let Some(response) = ex.response.as_mut() else {
        return;
    };
    let Some(body) = &response.body else {
        return;
    };
    // Any case of `<form` (reconstruction looks for two).
    if body.text.len() as u64 > limits.max_body_size
        || crate::wire::form::holds_html_form(&body.text)
    {
        return;
    }
    response.body = None;
}

/// Whether reconstruction never reads the answer's body of a request with `method` and
/// `url`, unless the body holds a `<form`.
pub(super) fn body_unread(method: &str, url: &str) -> bool {
    if !method.eq_ignore_ascii_case("GET") {
        return false;
    }
    // Compared ignoring ASCII case in place (the words are lower-case ASCII), without a
    // lower-cased copy: every Bearer call comes here.
    let url = url.as_bytes();
    memchr::memchr(b'%', url).is_none() && !READ_BY_URL.iter().any(|w| contains_ci(url, w))
}

/// Whether an entry, by its lower-cased text, may hold an answer's body that
/// [`drop_unread_body`] keeps although its URL names nothing reconstruction reads: a `<form`
/// (also behind a `\u003c`; a letter behind an escape makes the entry hidden), or a body in
/// base64 (whose decoded text could hold one). The body's size needs no look: an entry a
/// third of `max_body_size` long is read in full (`may_hit_a_limit`).
pub(super) fn may_keep_a_body(lower: &[u8]) -> bool {
    use std::sync::LazyLock;
    // One SIMD pass for the three (Teddy), where the CPU has it: a search for each cost
    // three passes over the entry, and `\` and `"` (which start two of them) are in every
    // JSON body written inside a HAR string, so each pass stopped at most of its bytes.
    static PACKED: LazyLock<Option<aho_corasick::packed::Searcher>> = LazyLock::new(|| {
        aho_corasick::packed::Config::new()
            .builder()
            .extend(BODY_KEPT_FOR)
            .build()
    });
    match &*PACKED {
        Some(packed) => packed.find(lower).is_some(),
        None => may_keep_a_body_plain(lower),
    }
}

/// What makes [`drop_unread_body`] keep a body, as the lower-cased entry spells it: a `<form`,
/// a `<` behind an escape, a base64 body's `"encoding"` key.
const BODY_KEPT_FOR: [&str; 3] = ["<form", r"\u003c", r#""encoding""#];

/// [`may_keep_a_body`] a pattern at a time, where there is no SIMD searcher (and for the
/// tests, which hold the SIMD search to it).
fn may_keep_a_body_plain(lower: &[u8]) -> bool {
    use memchr::memmem::Finder;
    use std::sync::LazyLock;
    static FINDERS: LazyLock<[Finder<'static>; 3]> =
        LazyLock::new(|| BODY_KEPT_FOR.map(|p| Finder::new(p.as_bytes())));
    FINDERS.iter().any(|f| f.find(lower).is_some())
}

/// Drops the headers of `ex` (read in full) that nothing after reading looks at, on each side
/// whose headers are within both header limits (over one, `limits::apply` cuts and reports
/// them as the full read's). Repeats and order of those kept stay as they were, so a lookup
/// by name finds the same one. A request with neither method nor URL keeps its headers (it
/// would otherwise read as inert, which reconstruction skips).
pub(super) fn drop_unread_headers(ex: &mut Exchange, limits: &Limits) {
    if let Some(request) = ex.request.get_mut() {
        if !request.method.is_empty() || !request.url.is_empty() {
            keep_read(&mut request.headers, &REQUEST_HEADERS_READ, limits);
        }
    }
    if let Some(response) = ex.response.as_mut() {
        keep_read(&mut response.headers, &RESPONSE_HEADERS_READ, limits);
    }
}

fn keep_read(headers: &mut Vec<Header>, read: &[&str], limits: &Limits) {
    let size: u64 = headers
        .iter()
        .map(|h| (h.name.len() + h.value.len()) as u64)
        .sum();
    if headers.len() > limits.max_headers || size > limits.max_header_size {
        return;
    }
    let before = headers.len();
    headers.retain(|h| read.iter().any(|r| h.name.eq_ignore_ascii_case(r)));
    if headers.len() < before {
        headers.shrink_to_fit();
    }
}

/// Whether a capture holds a discovery document, which can name any URL as its userinfo
/// endpoint (whose answer's body reconstruction reads).
pub(in crate::read) fn names_endpoints(exchanges: &[Exchange]) -> bool {
    exchanges.iter().any(|e| {
        e.request
            .url
            .to_ascii_lowercase()
            .contains("openid-configuration")
    })
}

/// Whether `ex` may have lost its answer's body to [`drop_unread_body`].
pub(in crate::read) fn may_be_dropped(ex: &Exchange) -> bool {
    ex.request.method.eq_ignore_ascii_case("GET")
        && ex.response.as_ref().is_some_and(|r| r.body.is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A little generator of texts made of the pieces that matter (the patterns, their
    /// beginnings, the bytes they start with) and filler, short and long (the SIMD search
    /// works on blocks, and its short texts go another way).
    fn texts(pieces: &[&str]) -> Vec<String> {
        let mut next = crate::xorshift(0x853c_49e6_748f_ea9b_u64);
        let mut out = Vec::new();
        for _ in 0..20_000 {
            let len = next() % 24;
            out.push(
                (0..len)
                    .map(|_| pieces[(next() % pieces.len() as u64) as usize])
                    .collect(),
            );
        }
        out
    }

    #[test]
    fn the_simd_search_finds_what_each_pattern_finds() {
        let filler = "x".repeat(37);
        let pieces = [
            "<form",
            r"\u003c",
            r#""encoding""#,
            "<for",
            r"\u003",
            r#""encodin"#,
            "<",
            "\\",
            "\"",
            "a",
            "é",
            filler.as_str(),
        ];
        let mut texts = texts(&pieces);
        // Each pattern alone at every offset of a long text, and cut short at its end.
        for p in BODY_KEPT_FOR {
            for at in 0..70 {
                texts.push(format!("{}{p}{}", "y".repeat(at), "z".repeat(at % 5)));
                texts.push(format!("{}{}", "y".repeat(at), &p[..p.len() - 1]));
            }
        }
        for t in &texts {
            let by_each = BODY_KEPT_FOR
                .iter()
                .any(|p| t.as_bytes().windows(p.len()).any(|w| w == p.as_bytes()));
            assert_eq!(may_keep_a_body_plain(t.as_bytes()), by_each, "{t:?}");
            assert_eq!(may_keep_a_body(t.as_bytes()), by_each, "{t:?}");
        }
    }

    #[test]
    fn urls_are_read_as_their_lower_cased_copy_reads() {
        let by_copy = |method: &str, url: &str| {
            let url = url.to_ascii_lowercase();
            method.eq_ignore_ascii_case("GET")
                && !url.contains('%')
                && !READ_BY_URL.iter().any(|w| url.contains(w))
        };
        let pieces = [
            "https://api.example.com/",
            "GRANT",
            "grant",
            "Gran",
            "t",
            "AlexaApiEndpoint",
            "alexaapiendpoin",
            "OpenID-Configuration",
            "userInfo",
            "USERINF",
            "%",
            "%2F",
            "?",
            "İ",
            "é",
            "/v1/items",
        ];
        for url in texts(&pieces) {
            for method in ["GET", "get", "POST", ""] {
                assert_eq!(body_unread(method, &url), by_copy(method, &url), "{url:?}");
            }
        }
    }
}
