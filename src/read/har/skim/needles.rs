//! What makes an entry matter, found in its raw text: the needles (every word reconstruction
//! or secret collection keys on) and the shapes and escapes that could hide one.

use std::sync::OnceLock;

use aho_corasick::AhoCorasick;

use super::Scan;
use crate::limits::Limits;

/// Whether the full read may hit a limit on this entry, which it reports (`capture/limit`): a
/// body longer than `max_body_size` (a body's text is at most three times the entry's bytes:
/// decoding escapes and base64 only shrinks it, and a form given only as parameters is
/// percent-encoded, at most three bytes a byte), or headers past `max_headers` or
/// `max_header_size` (counted undecoded, so at least as long as they are).
pub(super) fn may_hit_a_limit(scan: &Scan, raw: &[u8], limits: &Limits) -> bool {
    if (raw.len() as u64).saturating_mul(3) > limits.max_body_size {
        return true;
    }
    [&scan.req_headers, &scan.resp_headers]
        .iter()
        .any(|headers| {
            let bytes: usize = headers
                .iter()
                .map(|(n, v)| (n.end - n.start) + (v.end - v.start))
                .sum();
            headers.len() > limits.max_headers || bytes as u64 > limits.max_header_size
        })
}

/// Whether a percent escape spells a letter, digit, `_`, `-` or `.` (which the query and form
/// decoders would turn into part of a needle).
pub(super) fn percent_hides(raw: &[u8]) -> bool {
    memchr::memchr_iter(b'%', raw).any(|i| {
        let hex = |c: Option<&u8>| c.and_then(|c| (*c as char).to_digit(16));
        match (hex(raw.get(i + 1)), hex(raw.get(i + 2))) {
            (Some(h), Some(l)) => {
                let c = (h * 16 + l) as u8;
                c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.'
            }
            _ => false,
        }
    })
}

/// Whether `raw` may hold an LWA code, which secret collection recognises by its shape alone
/// (`AN` and 18 letters, some lower-case) and case-sensitively, so no needle finds it. Looser
/// than that shape (no word boundaries), so a superset.
pub(super) fn lwa_code_shape(raw: &[u8]) -> bool {
    static AN: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"AN"));
    AN.find_iter(raw).any(|i| {
        raw.get(i + 2..i + 20).is_some_and(|rest| {
            rest.iter().all(u8::is_ascii_alphabetic) && rest.iter().any(u8::is_ascii_lowercase)
        })
    })
}

/// Whether a needle occurs in `raw`, ignoring ASCII case (`lower` is a buffer to reuse).
/// `code` followed by `d` is not one: that is `x-www-form-urlencoded` (or `encoded`,
/// `decoded`), and no name that reconstruction or secret collection looks for (`code`,
/// `authcode`, `auth_code`, `code_verifier`, ...) goes on so.
#[inline]
pub(super) fn has_needle(needles: &Needles, lower: &[u8]) -> bool {
    if let Some(packed) = &needles.packed {
        return packed.find_iter(lower).any(|m| {
            let coded = m.pattern().as_usize() == 0 && lower.get(m.end()) == Some(&b'd');
            !coded
        }) || error_answer_spelled(lower);
    }
    let ac = needles.ac.get_or_init(|| {
        #[allow(clippy::expect_used)] // constant patterns: tested, cannot fail at run time
        AhoCorasick::new(NEEDLES).expect("static needles")
    });
    ac.find_iter(lower).any(|m| {
        let coded = m.pattern().as_usize() == 0 && lower.get(m.end()) == Some(&b'd');
        !coded
    }) || error_answer_spelled(lower)
}

/// Whether `lower` holds a `response_mode=form_post` answer that carries only `error` (consent
/// declined): the POSTed form's text (`error=` first or after `&`), its parameters
/// (`"error"`) or the auto-posting page's hidden input (`name=\"error\"` inside a HAR
/// string, or single-quoted). Not bare `error`, which scripts, JSON answers (`\"error\"`)
/// and every Chrome entry (`"_error"`) hold. These spellings are no needles: five more
/// patterns in the SIMD search doubled its cost on every entry (its buckets share
/// fingerprints), where one search for `error` and a look at its neighbours costs little.
#[inline]
fn error_answer_spelled(lower: &[u8]) -> bool {
    static ERROR: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(ANSWER_IN_URL));
    ERROR.find_iter(lower).any(|at| {
        let before = lower.get(..at).unwrap_or_default();
        let after = lower.get(at + ANSWER_IN_URL.len()..).unwrap_or_default();
        let form = after.first() == Some(&b'=') && matches!(before.last(), Some(b'"' | b'&'));
        let parameter = before.last() == Some(&b'"') && after.first() == Some(&b'"');
        let hidden_input = (before.ends_with(b"=\\\"") && after.starts_with(b"\\\""))
            || (before.ends_with(b"='") && after.first() == Some(&b'\''));
        form || parameter || hidden_input
    })
}

/// The one answer parameter that is no needle as a bare word (`error` is in too many texts,
/// `"_error"` in every Chrome entry): the stub reads an entry in full when its URL,
/// `redirectURL` or `Location` holds it, and the needles catch its form_post spellings.
pub(super) const ANSWER_IN_URL: &str = "error";

pub(super) fn contains_ci(haystack: &[u8], needle: &str) -> bool {
    let needle = needle.as_bytes();
    let Some(&first) = needle.first() else {
        return true;
    };
    // Only where the first letter is, in either case: every URL is looked at, so comparing a
    // window at every byte cost more than the rest of the stub's look at its entry.
    memchr::memchr2_iter(
        first.to_ascii_lowercase(),
        first.to_ascii_uppercase(),
        haystack,
    )
    .any(|at| {
        haystack
            .get(at..at + needle.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(needle))
    })
}

/// The words whose presence in an entry's raw text means it may matter: what `flow::classify`
/// keys on (authorize and answer parameters, grant types, token paths, the Alexa endpoints,
/// Bearer headers) and what `SecretSet::collect` keys on (secret field names, credential
/// headers other than cookies, LWA token and secret shapes), plus a base64 body's `"encoding"`
/// (its decoded text could hold any of them). ASCII case-insensitive, so a superset of every
/// spelling the decoders accept. (`check` no longer collects secrets, since display masks by
/// the policy; the secret names stay needles, so that an entry holding one is read as fully
/// as before and nothing about it can change.) Cookies are blanked before the search
/// (`Cursor::unsearched_cookies`). The classifier's keys are named in `flow::classify`
/// (`STEP_KEYS`), and a test fails when no needle finds one of them.
///
/// `pwd` is one only as a whole name, so that every needle has four bytes or more (the SIMD
/// searcher then matches on four-byte fingerprints: twice as fast as on three). A name ends at
/// `=` or `&` (a form or query), `#` (a query), `"` (a HAR string: a parameter name, or a text
/// that ends there) or `\` (an escaped quote in a JSON body); a spelling with escapes is
/// caught by the escape checks. `atza` and `atzr` are LWA tokens, which the secret shapes and
/// the rules match case-sensitively as `Atza|` and `Atzr|` (`|` may be percent-encoded);
/// `.eyj` a JWT's payload, which secret collection recognises by its shape alone;
/// `subscription-key` Azure's `Ocp-Apim-Subscription-Key`. A form_post answer that carries
/// only `error` is found by `error_answer_spelled`.
///
/// The order decides which of the SIMD searcher's eight buckets a needle falls in (the
/// `n`-th new one in bucket `7 - n % 8`), and so how often a bucket's fingerprints match text
/// that holds none of its needles, each such place costing a check: this order makes 15
/// times fewer of them over a sparse and a cookie-list capture than the order of the list's
/// meaning did. No needle is a prefix of another, so at most one matches at a place and the
/// order changes no match (only `code` must stay first: see `has_needle`).
pub(super) const NEEDLES: &[&str] = &[
    "code",
    "token",
    "authorization",
    "assertion",
    "skill-account-linking-consent",
    "subscription-key",
    ".eyj",
    "\"encoding\"",
    "client_id",
    "pwd=",
    "pwd#",
    "amzn1",
    "passphrase",
    "pwd\"",
    "api_key",
    "enablement",
    "pwd&",
    "grant_type",
    "atza",
    "atzr",
    "apikey",
    "secret",
    "alexaapiendpoint",
    "passw",
    "api-key",
    "pwd\\",
];

pub(super) struct Needles {
    /// The SIMD searcher (Teddy), where the CPU has it: several times faster than the automaton.
    packed: Option<aho_corasick::packed::Searcher>,
    /// The automaton, built only where the SIMD searcher is not available.
    ac: OnceLock<AhoCorasick>,
}

pub(super) fn needles() -> &'static Needles {
    static NEEDLES_SEARCH: OnceLock<Needles> = OnceLock::new();
    NEEDLES_SEARCH.get_or_init(|| Needles {
        // Case-sensitive over lower-cased text rather than `ascii_case_insensitive`, so that
        // the SIMD searcher can be used.
        packed: aho_corasick::packed::Config::new()
            .match_kind(aho_corasick::packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(NEEDLES)
            .build(),
        ac: OnceLock::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::keys::STEP_KEYS;
    use crate::flow::oidc::ANSWER_PARAMS;

    fn found(word: &str) -> bool {
        let lower = word.to_ascii_lowercase();
        has_needle(needles(), lower.as_bytes())
    }

    /// The needles' order only places them in the SIMD searcher's buckets: it changes no
    /// match as long as no needle is a prefix of another (then two never match at one place),
    /// and `code` is the first (`has_needle` knows it by its index).
    #[test]
    fn the_needles_order_changes_no_match() {
        assert_eq!(NEEDLES.first(), Some(&"code"));
        for (i, a) in NEEDLES.iter().enumerate() {
            for (j, b) in NEEDLES.iter().enumerate() {
                assert!(i == j || !b.starts_with(a), "{a} is a prefix of {b}");
            }
        }
    }

    /// The SIMD search finds a needle where the automaton over the same needles does, on
    /// texts made of needles, their beginnings, `coded`, `error` spellings and filler, short
    /// and long (the SIMD search works on blocks, and its short texts go another way).
    #[test]
    fn the_simd_search_finds_what_the_automaton_finds() {
        let Some(packed) = &needles().packed else {
            return;
        };
        let plain = Needles {
            packed: None,
            ac: OnceLock::new(),
        };
        let simd = Needles {
            packed: Some(packed.clone()),
            ac: OnceLock::new(),
        };
        let filler = "x".repeat(37);
        let mut pieces: Vec<&str> = NEEDLES.to_vec();
        let halves: Vec<String> = NEEDLES
            .iter()
            .map(|n| n.get(..n.len() / 2 + 1).unwrap_or(n).to_string())
            .collect();
        pieces.extend(halves.iter().map(String::as_str));
        pieces.extend([
            "coded", "d", "error", "\"", "&", "=", " ", "\\", "a", "é", &filler,
        ]);
        let mut next = crate::xorshift(0x9e37_79b9_7f4a_7c15_u64);
        let (mut found, mut texts) = (0, 0);
        for _ in 0..20_000 {
            let len = next() % 12;
            let text: String = (0..len)
                .map(|_| pieces[(next() % pieces.len() as u64) as usize])
                .collect();
            let want = has_needle(&plain, text.as_bytes());
            assert_eq!(has_needle(&simd, text.as_bytes()), want, "{text:?}");
            found += usize::from(want);
            texts += 1;
        }
        assert!(found > 2_000 && texts - found > 2_000, "{found} of {texts}");
    }

    #[test]
    fn contains_ci_finds_a_word_in_any_case_anywhere() {
        assert!(contains_ci(
            b"https://x.test/cb?ERROR=access_denied",
            "error"
        ));
        assert!(contains_ci(b"https://x.test/cb?state=s&Error", "error"));
        assert!(contains_ci(b"eeerror", "error"));
        assert!(!contains_ci(b"https://x.test/cb?erro=r", "error"));
        assert!(!contains_ci(b"https://x.test/cb?err", "error"));
        assert!(!contains_ci(b"", "error"));
    }

    /// Every string the classifier keys on is found by a needle, so an entry holding it is
    /// read in full and classified: a new key in `flow::classify` without a needle would be
    /// skimmed past, a wrong answer that only large captures show. A group is what one step
    /// needs together (an authorize request names a response type and a client id), so one
    /// needle among them is enough.
    #[test]
    fn every_classifier_key_is_found_by_a_needle() {
        for group in STEP_KEYS {
            assert!(
                group.iter().any(|w| found(w)),
                "no needle finds any of {group:?}: add one to NEEDLES"
            );
        }
        // An answer carrying only `error` in a URL is caught by the stub's own look at the URL,
        // `redirectURL` and `Location`; a form_post answer by `error_answer_spelled`, which
        // knows `error` as a form, a parameter or a hidden input.
        for spelled in [
            r#""text": "error=access_denied&state=x""#,
            r#""text": "state=x&error=access_denied""#,
            r#"{"name": "error", "value": "access_denied"}"#,
            r#"<input type=\"hidden\" name=\"error\" value=\"access_denied\" />"#,
            "<input type='hidden' name='error' value='access_denied'>",
        ] {
            assert!(
                found(spelled),
                "a form_post answer's error is skimmed past: {spelled}"
            );
        }
        for common in [
            r#""_error": null"#,
            r#""text": "{\"error\": null, \"items\": []}""#,
            "if (error) { throw error; } var error=null;",
        ] {
            assert!(
                !found(common),
                "an `error` that is no OAuth answer is a needle: {common}"
            );
        }
        for param in ANSWER_PARAMS {
            assert!(
                found(param) || *param == ANSWER_IN_URL,
                "no needle finds the answer parameter {param}: add one to NEEDLES"
            );
        }
        // The stub's `error` is no needle (else the test above proves nothing for it).
        assert!(!found(ANSWER_IN_URL));
    }
}
