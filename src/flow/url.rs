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
    pub fn parse(url: &'a str) -> Url<'a> {
        // Byte scans (`memchr`) where `split_once`/`rsplit` of patterns cost ≈ 1,500
        // instructions a URL, and a URL is parsed wherever a step is read. Every byte looked
        // for is ASCII, so each slice ends on a character boundary.
        let (base, query) = split_query(url);
        let (scheme, rest) = match scheme_end(base) {
            Some(i) => (&base[..i], &base[i + 3..]),
            None => ("", base),
        };
        let (authority, path) = match memchr::memchr(b'/', rest.as_bytes()) {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        let host_port = match memchr::memrchr(b'@', authority.as_bytes()) {
            Some(i) => &authority[i + 1..],
            None => authority,
        };
        let host = if let Some(v6) = host_port.strip_prefix('[') {
            up_to(v6, b']')
        } else {
            up_to(host_port, b':')
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

/// Where the first `://` starts: at the first `:` followed by `//`.
fn scheme_end(base: &str) -> Option<usize> {
    let b = base.as_bytes();
    memchr::memchr_iter(b':', b).find(|&i| b[i + 1..].starts_with(b"//"))
}

/// `s` before the first `byte` (all of it when there is none).
fn up_to(s: &str, byte: u8) -> &str {
    match memchr::memchr(byte, s.as_bytes()) {
        Some(i) => &s[..i],
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

/// [`lookup`] of each of `names`, in one pass over the pairs.
pub fn lookup_all<'p, const N: usize>(
    pairs: &'p [(String, String)],
    names: [&str; N],
) -> [Option<&'p str>; N] {
    let mut found = [None; N];
    for (k, v) in pairs {
        for (name, slot) in names.iter().zip(found.iter_mut()) {
            if slot.is_none() && k == name {
                *slot = Some(v.as_str());
            }
        }
    }
    found
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
/// The labels are walked as bytes, not collected: every token request's host is asked.
pub fn is_amazon_host(host: &str) -> bool {
    let mut labels = host.as_bytes().split(|&b| b == b'.');
    if !labels.any(|l| l == b"amazon" || l == b"amazonalexa") {
        return false;
    }
    // One or two short labels after it (`com`, `co.uk`).
    let mut suffix = 0;
    for label in labels {
        suffix += 1;
        if suffix > 2 || label.len() > 3 {
            return false;
        }
    }
    suffix > 0
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

    /// The parse as it was written with `split_once` and `rsplit` (before the byte scans).
    fn parse_by_patterns(url: &str) -> Url<'_> {
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

    /// The byte scans split every URL as the patterns did: URLs built from pieces that put
    /// each separator (and none, and several, and non-ASCII text) in every place.
    #[test]
    fn byte_scans_split_as_the_patterns_did() {
        let schemes = [
            "", "https://", "HTTP://", "myapp:", "a:/", "x://y://", ":", "é://",
        ];
        let users = ["", "user@", "u:p@", "a@b@", "@", "ü@"];
        let hosts = [
            "",
            "Example.COM",
            "[::1]",
            "[::1",
            "[fe80::1]:8443",
            "h:443",
            "h:",
            "ünï.de",
            "]",
        ];
        let paths = ["", "/", "/a/b", "/p:q@r", "//x", "/a://b", "/ä"];
        let queries = ["", "?", "?a=1&b=%2F", "?x=y?z", "?r=https://h/p", "?#"];
        let fragments = ["", "#", "#f?g", "#/x://y@z"];
        let mut n = 0;
        for scheme in schemes {
            for user in users {
                for host in hosts {
                    for path in paths {
                        for query in queries {
                            for fragment in fragments {
                                let url = format!("{scheme}{user}{host}{path}{query}{fragment}");
                                assert_eq!(Url::parse(&url), parse_by_patterns(&url), "{url}");
                                assert_eq!(
                                    split_query(&url),
                                    {
                                        let u = parse_by_patterns(&url);
                                        (u.base, u.query)
                                    },
                                    "{url}"
                                );
                                n += 1;
                            }
                        }
                    }
                }
            }
        }
        assert!(n > 10_000);
    }

    /// One pass finds what a lookup of each name finds: the first pair of that name.
    #[test]
    fn lookup_all_finds_what_each_lookup_finds() {
        let words = ["code", "state", "", "code ", "Code", "é"];
        let names = ["code", "state", "", "é", "absent"];
        let mut lists: Vec<Vec<(String, String)>> = vec![Vec::new()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for list in &lists {
                for (i, w) in words.iter().enumerate() {
                    let mut l = list.clone();
                    l.push((w.to_string(), format!("{}", l.len() * 10 + i)));
                    next.push(l);
                }
            }
            lists.extend(next);
        }
        assert!(lists.len() > 1_000);
        for pairs in &lists {
            let each = names.map(|n| lookup(pairs, n));
            assert_eq!(lookup_all(pairs, names), each, "{pairs:?}");
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

    /// The walk over the labels says what the collected labels said, on hosts of every shape.
    #[test]
    fn amazon_hosts_are_those_the_collected_labels_name() {
        fn collected(host: &str) -> bool {
            let labels: Vec<&str> = host.split('.').collect();
            labels
                .iter()
                .position(|l| *l == "amazon" || *l == "amazonalexa")
                .is_some_and(|i| {
                    let suffix = &labels[i + 1..];
                    !suffix.is_empty() && suffix.len() <= 2 && suffix.iter().all(|s| s.len() <= 3)
                })
        }
        let labels = [
            "amazon",
            "amazonalexa",
            "com",
            "co",
            "uk",
            "",
            "www",
            "long",
            "de",
        ];
        let mut hosts = vec![String::new()];
        let mut frontier = vec![String::new()];
        for _ in 0..5 {
            let mut next = Vec::new();
            for h in &frontier {
                for l in labels {
                    next.push(if h.is_empty() {
                        l.to_string()
                    } else {
                        format!("{h}.{l}")
                    });
                }
            }
            hosts.extend(next.iter().cloned());
            frontier = next;
        }
        assert!(hosts.len() > 50_000);
        for h in &hosts {
            assert_eq!(is_amazon_host(h), collected(h), "{h}");
        }
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
