//! What a capture shows about OAuth security beyond the flow itself (RFC 9700, RFC 7636,
//! RFC 6750): PKCE verifiers against their challenges, the signs of a browser on a request,
//! the headers of an answer that matter (`WWW-Authenticate`, `Cache-Control`,
//! `Referrer-Policy`, cookies), and codes or tokens that later requests leak in `Referer`.
//! Records only; the rules under `rules/oauth/` judge.

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::model::{Capture, Header, Request};

use super::url::{lookup, Url};
use super::{Analysis, Detail};

/// Request headers only a browser sends: `Origin` on a cross-origin or POST request, and the
/// Fetch metadata a browser adds to every request. `Sec-Fetch-Mode` alone is not one: Node's
/// built-in `fetch` (undici) sends `sec-fetch-mode: cors` from servers too.
const BROWSER_HEADERS: &[&str] = &[
    "Origin",
    "Sec-Fetch-Site",
    "Sec-Fetch-Dest",
    "Sec-Fetch-User",
];

/// The browser headers a request carries, by their canonical names. Empty when none.
pub fn browser_signs(req: &Request) -> Vec<&'static str> {
    BROWSER_HEADERS
        .iter()
        .copied()
        .filter(|h| req.header(h).is_some_and(|v| !v.trim().is_empty()))
        .collect()
}

/// The media type of a `Content-Type` header, lower case, without parameters.
pub fn media_type(headers: &[Header]) -> Option<String> {
    let value = crate::model::header(headers, "content-type")?;
    let media = value.split(';').next().unwrap_or("").trim();
    (!media.is_empty()).then(|| media.to_ascii_lowercase())
}

/// Whether a PKCE `code_verifier` has the shape RFC 7636 §4.1 requires: 43 to 128 characters
/// of `[A-Za-z0-9-._~]`.
pub fn verifier_well_formed(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The `S256` challenge of a PKCE verifier: BASE64URL(SHA256(verifier)) (RFC 7636 §4.2).
pub fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Whether `verifier` gives `challenge` under `method` (RFC 7636 §4.2: `S256` is
/// BASE64URL(SHA256(ASCII(verifier))), `plain` the verifier itself, and an absent method
/// means `plain`). `None` for a method this check does not know.
pub fn verifier_matches(verifier: &str, challenge: &str, method: Option<&str>) -> Option<bool> {
    match method.unwrap_or("plain") {
        "S256" => Some(s256(verifier) == challenge),
        "plain" => Some(verifier == challenge),
        _ => None,
    }
}

/// Whether the capture is a copy an older `tokentrail sanitize` wrote (its HAR log carries
/// the mark, without [`RELATIONS_KEPT`](crate::secret::placeholder::RELATIONS_KEPT)): its
/// secrets are keyed placeholders, equal where the originals were equal but unrelated to them
/// otherwise, so a verifier's hash says nothing about its challenge. A copy that keeps the
/// relation is compared like any capture.
pub fn sanitized_copy(capture: &Capture) -> bool {
    use crate::secret::placeholder::{MARK, RELATIONS_KEPT};
    let has = |needle: &str| memchr::memmem::find(&capture.source, needle.as_bytes()).is_some();
    has(MARK) && !has(RELATIONS_KEPT)
}

/// A `Bearer` challenge of a `WWW-Authenticate` header (RFC 6750 §3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BearerChallenge {
    pub realm: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
    pub scope: Option<String>,
}

/// The `Bearer` challenge among the `WWW-Authenticate` headers of an answer, if any. Other
/// schemes (`Basic`, `DPoP`, `Negotiate`) in the same header are skipped.
pub fn bearer_challenge(headers: &[Header]) -> Option<BearerChallenge> {
    headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("www-authenticate"))
        .find_map(|h| parse_bearer(&h.value))
}

fn parse_bearer(value: &str) -> Option<BearerChallenge> {
    // Challenges and their parameters are both comma-separated: a token followed by a space
    // (not by `=`) starts a new challenge.
    let mut out: Option<BearerChallenge> = None;
    let mut rest = value.trim();
    let mut in_bearer = false;
    while !rest.is_empty() {
        rest = rest.trim_start_matches([',', ' ', '\t']);
        let name_end = rest.find(['=', ' ', ',']).unwrap_or(rest.len());
        let (name, after) = rest.split_at(name_end);
        if name.is_empty() {
            break;
        }
        if let Some(after_eq) = after.strip_prefix('=') {
            let after_eq = after_eq.trim_start();
            let (val, next) = if let Some(quoted) = after_eq.strip_prefix('"') {
                let mut val = String::new();
                let mut chars = quoted.char_indices();
                let mut end = quoted.len();
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some((_, n)) = chars.next() {
                                val.push(n);
                            }
                        }
                        '"' => {
                            end = i + 1;
                            break;
                        }
                        c => val.push(c),
                    }
                }
                (val, quoted.get(end..).unwrap_or(""))
            } else {
                let end = after_eq.find(',').unwrap_or(after_eq.len());
                let (v, n) = after_eq.split_at(end);
                (v.trim().to_string(), n)
            };
            if let (true, Some(c)) = (in_bearer, out.as_mut()) {
                match name.to_ascii_lowercase().as_str() {
                    "realm" => c.realm = Some(val),
                    "error" => c.error = Some(val),
                    "error_description" => c.error_description = Some(val),
                    "scope" => c.scope = Some(val),
                    _ => {}
                }
            }
            rest = next;
        } else {
            // A scheme name.
            if out.is_some() && in_bearer {
                break;
            }
            in_bearer = name.eq_ignore_ascii_case("bearer");
            if in_bearer {
                out = Some(BearerChallenge::default());
            }
            rest = after;
        }
    }
    out
}

/// A cookie an answer sets, without its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetCookie {
    pub name: String,
    pub secure: bool,
    pub http_only: bool,
    pub same_site: Option<String>,
}

/// The cookies an answer's `Set-Cookie` headers set.
pub fn cookies_set(headers: &[Header]) -> Vec<SetCookie> {
    headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|h| {
            let mut parts = h.value.split(';');
            let (name, _) = parts.next()?.split_once('=')?;
            let mut c = SetCookie {
                name: name.trim().to_string(),
                secure: false,
                http_only: false,
                same_site: None,
            };
            for attr in parts {
                let (k, v) = attr.split_once('=').unwrap_or((attr, ""));
                match k.trim().to_ascii_lowercase().as_str() {
                    "secure" => c.secure = true,
                    "httponly" => c.http_only = true,
                    "samesite" => c.same_site = Some(v.trim().to_string()),
                    _ => {}
                }
            }
            (!c.name.is_empty()).then_some(c)
        })
        .collect()
}

/// The names of the cookies a request sends back.
pub fn cookies_sent(req: &Request) -> Vec<String> {
    req.headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("cookie"))
        .flat_map(|h| h.value.split(';'))
        .filter_map(|p| p.split_once('=').map(|(n, _)| n.trim().to_string()))
        .filter(|n| !n.is_empty())
        .collect()
}

/// What a leaking `Referer` carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leaked {
    Code(usize),
    Token(usize),
}

/// A later request whose `Referer` carries a code or token of this capture, sent to a host
/// other than the page's own and other than the servers that issued or take the value.
#[derive(Debug, Clone)]
pub struct RefererLeak {
    pub entry: usize,
    pub leaked: Leaked,
    /// The `Referer` query parameter that carried it.
    pub param: &'static str,
}

/// Query parameters of a `Referer` that carry a code or a token.
const LEAKING_PARAMS: &[&str] = &["code", "access_token", "refresh_token", "id_token"];

/// Finds the requests whose `Referer` carries a code or token this capture issued. Only
/// requests after the first step are read, and only a `Referer` that names one of the
/// parameters is parsed: the cost is a header lookup per entry, on every core. The codes and
/// tokens are indexed by value only when some `Referer` names one (a dense log has tens of
/// thousands of them to hash, on one core, and its `Referer`s rarely carry a query).
pub fn referer_leaks(a: &Analysis, capture: &Capture) -> Vec<RefererLeak> {
    use rayon::prelude::*;
    if a.codes.is_empty() && a.tokens.is_empty() {
        return Vec::new();
    }
    let first = a.steps.iter().map(|s| s.entry).min().unwrap_or(usize::MAX);
    let carried: Vec<Carried> = capture
        .exchanges
        .par_iter()
        .with_min_len(1024)
        .filter(|e| e.index >= first)
        .filter_map(carried_by_referer)
        .collect();
    if carried.is_empty() {
        return Vec::new();
    }
    let codes: foldhash::HashMap<&str, usize> = a
        .codes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.value.as_str(), i))
        .collect();
    let tokens: foldhash::HashMap<&str, usize> = a
        .tokens
        .iter()
        .enumerate()
        .map(|(i, t)| (t.value.as_str(), i))
        .collect();
    let mut out = Vec::new();
    for c in carried {
        for (param, value) in c.values {
            let leaked = if param == "code" {
                codes.get(value.as_str()).map(|&c| Leaked::Code(c))
            } else {
                tokens.get(value.as_str()).map(|&t| Leaked::Token(t))
            };
            let Some(leaked) = leaked else { continue };
            if entitled(a, capture, leaked, &c.host) {
                continue;
            }
            out.push(RefererLeak {
                entry: c.entry,
                leaked,
                param,
            });
        }
    }
    out
}

/// A request whose `Referer` names [`LEAKING_PARAMS`], sent to another host than the page's.
struct Carried {
    entry: usize,
    /// The request's host.
    host: String,
    /// Each leaking parameter the `Referer` names, in [`LEAKING_PARAMS`]' order, decoded.
    values: Vec<(&'static str, String)>,
}

fn carried_by_referer(ex: &crate::model::Exchange) -> Option<Carried> {
    let referer = ex.request.header("referer")?;
    if !referer.contains('=') {
        return None;
    }
    let page = Url::parse(referer);
    let params = page.params();
    let target = Url::parse(&ex.request.url);
    // The page's own server already holds what its URL carries.
    if target.host.eq_ignore_ascii_case(&page.host) {
        return None;
    }
    let values: Vec<(&'static str, String)> = LEAKING_PARAMS
        .iter()
        .filter_map(|&param| {
            let value = lookup(&params, param).filter(|v| !v.is_empty())?;
            Some((param, value.to_string()))
        })
        .collect();
    (!values.is_empty()).then(|| Carried {
        entry: ex.index,
        host: target.host.into_owned(),
        values,
    })
}

/// Whether `host` is a server that issued or takes the value anyway: the authorize or token
/// endpoint it came from, or a server it was redeemed at or sent to as a Bearer token.
fn entitled(a: &Analysis, capture: &Capture, leaked: Leaked, host: &str) -> bool {
    let steps: Vec<usize> = match leaked {
        Leaked::Code(c) => {
            let Some(code) = a.codes.get(c) else {
                return false;
            };
            code.origin
                .iter()
                .chain(code.redemptions.iter())
                .copied()
                .collect()
        }
        Leaked::Token(t) => {
            let Some(token) = a.tokens.get(t) else {
                return false;
            };
            token
                .minted_by
                .iter()
                .chain(token.uses.iter())
                .copied()
                .collect()
        }
    };
    steps.iter().any(|&s| {
        a.steps
            .get(s)
            .and_then(|st| capture.exchanges.get(st.entry.wrapping_sub(1)))
            .is_some_and(|ex| Url::parse(&ex.request.url).host.eq_ignore_ascii_case(host))
    })
}

/// The leaks of one step's artifacts: an answer's code, or the tokens a token request's answer
/// minted.
pub fn leaks_of_step<'l>(
    a: &Analysis,
    step: usize,
    leaks: &'l [RefererLeak],
) -> Vec<&'l RefererLeak> {
    let Some(s) = a.steps.get(step) else {
        return Vec::new();
    };
    let mine = |l: &RefererLeak| match (&s.detail, l.leaked) {
        (Detail::Answer(ans), Leaked::Code(c)) => ans.code == Some(c),
        (Detail::TokenRequest(t), Leaked::Token(tok)) => t
            .response
            .as_ref()
            .is_some_and(|r| r.access_token == Some(tok) || r.refresh_token == Some(tok)),
        _ => false,
    };
    leaks.iter().filter(|l| mine(l)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(name: &str, value: &str) -> Header {
        Header {
            name: name.to_string().into(),
            value: value.into(),
        }
    }

    #[test]
    fn s256_is_the_rfc_7636_appendix_b_example() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert_eq!(
            verifier_matches(verifier, challenge, Some("S256")),
            Some(true)
        );
        assert_eq!(
            verifier_matches(verifier, verifier, Some("S256")),
            Some(false)
        );
        assert_eq!(verifier_matches(verifier, verifier, None), Some(true));
        assert_eq!(verifier_matches(verifier, challenge, Some("S512")), None);
        assert!(verifier_well_formed(verifier));
        assert!(!verifier_well_formed("short"));
        assert!(!verifier_well_formed(&format!("{verifier}+/")));
        assert!(!verifier_well_formed(&"a".repeat(129)));
    }

    #[test]
    fn bearer_challenges_are_read_among_other_schemes() {
        let c = bearer_challenge(&[h(
            "WWW-Authenticate",
            r#"Basic realm="x", Bearer realm="api", error="invalid_token", error_description="The access token \"expired\"", DPoP algs="ES256""#,
        )])
        .expect("a Bearer challenge");
        assert_eq!(c.realm.as_deref(), Some("api"));
        assert_eq!(c.error.as_deref(), Some("invalid_token"));
        assert_eq!(
            c.error_description.as_deref(),
            Some(r#"The access token "expired""#)
        );
        let bare = bearer_challenge(&[h("www-authenticate", "Bearer")]).expect("bare");
        assert_eq!(bare, BearerChallenge::default());
        let token68 = bearer_challenge(&[h(
            "WWW-Authenticate",
            "Bearer error=insufficient_scope, scope=\"read write\"",
        )])
        .expect("unquoted");
        assert_eq!(token68.error.as_deref(), Some("insufficient_scope"));
        assert_eq!(token68.scope.as_deref(), Some("read write"));
        assert!(bearer_challenge(&[h("WWW-Authenticate", "Basic realm=\"x\"")]).is_none());
    }

    #[test]
    fn cookies_are_named_without_values() {
        let set = cookies_set(&[h(
            "Set-Cookie",
            "_session=abc; path=/; secure; HttpOnly; SameSite=Lax",
        )]);
        assert_eq!(set.len(), 1);
        assert_eq!(set[0].name, "_session");
        assert!(set[0].secure && set[0].http_only);
        assert_eq!(set[0].same_site.as_deref(), Some("Lax"));
    }
}
