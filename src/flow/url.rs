//! Just enough URL handling for OAuth: split a URL into its parts and decode its query once.
//! Kept rather than taken from the `url` crate because diagnostic spans require it: the parts
//! are slices of the URL exactly as the capture wrote it (`base` and raw query values are the
//! needles labels are found by in the file), where `url` re-serialises (percent-encodes spaces
//! and `|`, normalises paths) and rejects URLs captures hold (custom app schemes). Query
//! decoding itself is `percent-encoding`'s.

use std::borrow::Cow;

use crate::wire::form::pairs as form_pairs;
pub use crate::wire::url::split_query;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url<'a> {
    pub scheme: Cow<'a, str>,
    /// Lower-cased host, without port or user info.
    pub host: Cow<'a, str>,
    pub path: &'a str,
    /// The raw query, without `?`.
    pub query: &'a str,
    /// Everything before `?` or `#`.
    pub base: &'a str,
}

impl<'a> Url<'a> {
    /// Every cut is at an ASCII byte, found by a byte search: reconstruction and the facts
    /// parse a URL per entry and per step (a 200 MB capture's 60,000 of them), where the
    /// `str` patterns' searchers cost a thousand instructions a URL. The part before the
    /// query is a few dozen bytes: a plain loop finds a byte there sooner than a call to a
    /// vectorised search. `tests::parse_cuts_as_the_str_patterns_do` holds it to what those
    /// patterns give.
    pub fn parse(url: &'a str) -> Url<'a> {
        let (base, query) = split_query(url);
        let (scheme, rest) = split_scheme(base).unwrap_or(("", base));
        let (authority, path) = match rest.bytes().position(|b| b == b'/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        // After the last `@` (user info).
        let host_port = match authority.bytes().rposition(|b| b == b'@') {
            Some(i) => authority.get(i + 1..).unwrap_or(authority),
            None => authority,
        };
        let host = match host_port.strip_prefix('[') {
            Some(v6) => before(v6, b']'),
            None => before(host_port, b':'),
        };
        Url {
            scheme: lower(scheme),
            host: lower(host),
            path,
            query,
            base,
        }
    }

    /// Query parameters, each name and value decoded once.
    pub fn params(&self) -> Vec<(String, String)> {
        form_pairs(self.query)
    }

    pub fn param(&self, name: &str) -> Option<String> {
        self.params()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

/// `base.split_once("://")`: the first `://` starts at the first `:` followed by `//`.
fn split_scheme(base: &str) -> Option<(&str, &str)> {
    let bytes = base.as_bytes();
    let colon = bytes.windows(3).position(|w| w == b"://")?;
    Some((base.get(..colon)?, base.get(colon + 3..)?))
}

/// The text before the first `byte` (an ASCII one), or all of it.
fn before(s: &str, byte: u8) -> &str {
    match s.bytes().position(|b| b == byte) {
        Some(i) => s.get(..i).unwrap_or(s),
        None => s,
    }
}

/// The text lower-cased, borrowed when it is already (nearly every scheme and host).
fn lower(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        s.to_ascii_lowercase().into()
    } else {
        s.into()
    }
}

/// Looks a name up in decoded pairs; the first occurrence wins, as most servers do.
pub fn lookup<'p>(pairs: &'p [(String, String)], name: &str) -> Option<&'p str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Whether an answer URL goes to `redirect_uri`: it starts with it, or has the same base.
pub fn answers_to(answer: &str, redirect_uri: &str) -> bool {
    if redirect_uri.is_empty() {
        return false;
    }
    // A prefix counts only up to a boundary: `/cb` does not answer to `/cb2`.
    if let Some(rest) = answer.strip_prefix(redirect_uri) {
        if rest.is_empty() || rest.starts_with(['?', '#', '&']) {
            return true;
        }
    }
    let a = Url::parse(answer);
    let r = Url::parse(redirect_uri);
    !a.base.is_empty() && a.scheme == r.scheme && a.host == r.host && a.path == r.path
}

/// Amazon's retail and LWA hosts (`www.amazon.com`, `api.amazon.co.uk`, `alexa.amazon.de`, ...).
pub fn is_amazon_host(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    labels
        .iter()
        .position(|l| *l == "amazon" || *l == "amazonalexa")
        .is_some_and(|i| {
            let suffix = &labels[i + 1..];
            !suffix.is_empty() && suffix.len() <= 2 && suffix.iter().all(|s| s.len() <= 3)
        })
}

/// Loopback hosts, where plain http is acceptable.
pub fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.ends_with(".localhost") || host.starts_with("127.") || host == "::1"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_parts() {
        let u = Url::parse("HTTPS://User@WWW.Amazon.com:443/ap/oa?client_id=x&scope=a%3A%3Ab#frag");
        assert_eq!(u.scheme, "https");
        assert_eq!(u.host, "www.amazon.com");
        assert_eq!(u.path, "/ap/oa");
        assert_eq!(u.param("scope").as_deref(), Some("a::b"));
    }

    /// What `Url::parse` and `split_query` gave when they cut with `str` patterns.
    fn parse_with_str_patterns(url: &str) -> Url<'_> {
        let (before_fragment, _) = url.split_once('#').unwrap_or((url, ""));
        let (base, query) = before_fragment
            .split_once('?')
            .unwrap_or((before_fragment, ""));
        let (scheme, rest) = base.split_once("://").unwrap_or(("", base));
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        let host_port = authority.rsplit('@').next().unwrap_or(authority);
        let host = if let Some(v6) = host_port.strip_prefix('[') {
            v6.split(']').next().unwrap_or(v6)
        } else {
            host_port.split(':').next().unwrap_or(host_port)
        };
        Url {
            scheme: lower(scheme),
            host: lower(host),
            path,
            query,
            base,
        }
    }

    #[test]
    fn parse_cuts_as_the_str_patterns_do() {
        let mut urls: Vec<String> = [
            "",
            "https://a.example/p?q=1#f",
            "HTTPS://User@WWW.Amazon.com:443/ap/oa?client_id=x&scope=a%3A%3Ab#frag",
            "myapp://callback?code=abc",
            "http://[::1]:8080/cb?code=1",
            "http://[::1/x",
            "http://u:p@h@host:1/x@y:z?a=b:c//d",
            "://",
            ":/://x",
            "a:b://c",
            "x:/y://z/w",
            "#?://a",
            "?#x",
            "a?b#c?d",
            "http://h?x=1/y",
            "http://h#x/y",
            "mailto:user@example.com",
            "https://ä.example/ü?é=ß#ñ",
            "https://host:/",
            "https://@/",
            "https://[]/",
            "https:///path",
        ]
        .map(String::from)
        .to_vec();
        // Every short text over the bytes that cut, and some that do not.
        let alphabet = ["", ":", "/", "?", "#", "@", "[", "]", "a", "B", "é"];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = next() % 14;
            urls.push(
                (0..len)
                    .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                    .collect(),
            );
        }
        for url in &urls {
            assert_eq!(Url::parse(url), parse_with_str_patterns(url), "{url:?}");
            let (base, query) = split_query(url);
            let old = parse_with_str_patterns(url);
            assert_eq!((base, query), (old.base, old.query), "{url:?}");
        }
    }

    #[test]
    fn custom_scheme_and_no_path() {
        let u = Url::parse("myapp://callback?code=abc");
        assert_eq!(u.host, "callback");
        assert_eq!(u.param("code").as_deref(), Some("abc"));
    }

    #[test]
    fn answers() {
        assert!(answers_to(
            "https://app.example.com/cb?code=1&state=2",
            "https://app.example.com/cb"
        ));
        assert!(!answers_to(
            "https://metrics.example.net/collect?code=PROMO",
            "https://app.example.com/cb"
        ));
        assert!(!answers_to(
            "https://app.example.com/cb2?code=1",
            "https://app.example.com/cb"
        ));
    }

    #[test]
    fn amazon_hosts() {
        for h in [
            "www.amazon.com",
            "api.amazon.co.uk",
            "alexa.amazon.de",
            "api.amazonalexa.com",
        ] {
            assert!(is_amazon_host(h), "{h}");
        }
        for h in [
            "amazon.example.com",
            "auth.example-skill.com",
            "amazonaws.com",
        ] {
            assert!(!is_amazon_host(h), "{h}");
        }
    }
}
