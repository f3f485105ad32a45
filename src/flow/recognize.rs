//! What one exchange is, read from its own parts alone: an authorize request, a token
//! request's fields, an activation and its skill, the Bearer token it sends; parameters found
//! as written. Used by the decoding on every core (`parsed`) and by the serial pass
//! (`classify`).

use crate::model::Exchange;
use crate::wire::form::pairs as form_pairs;

use super::keys::{
    ACTIVATION_PREFIXES, ACTIVATION_SUFFIX, ALEXA_CONSENT_PATH, AUTHORIZATION, CLIENT_ID,
    GRANT_TYPE, RESPONSE_TYPE, TOKEN_PATH_SUFFIX,
};
use super::parsed::TokenFrom;
use super::url::{is_amazon_host, lookup, lookup_all, Url};
use super::{Authorize, Endpoint};

/// An authorize request: `response_type` asks for a code and a `client_id` is named, or the
/// Alexa app's consent page.
///
/// Its texts many steps repeat ([`SHARED_AUTHORIZE_PARAMS`]) are left for the serial pass
/// to share (`Builder::exchange`): made here, each would be a copy made on one thread to be
/// replaced and freed on another.
pub(super) fn authorize(url: &Url, params: &[(String, String)]) -> Option<Authorize> {
    let [response_type, client_id, scope, state, code_challenge, code_challenge_method, nonce, response_mode] =
        lookup_all(
            params,
            [
                RESPONSE_TYPE,
                CLIENT_ID,
                "scope",
                "state",
                "code_challenge",
                "code_challenge_method",
                "nonce",
                "response_mode",
            ],
        );
    let alexa_app = url.path.contains(ALEXA_CONSENT_PATH);
    // Every response type: `code`, the implicit `token` and `id_token`, and the hybrids.
    let asks = response_type.is_some_and(|r| {
        r.split(' ')
            .any(|t| matches!(t, "code" | "token" | "id_token"))
    });
    if !(alexa_app || (asks && client_id.is_some())) {
        return None;
    }
    let scopes = scope
        .map(|s| {
            s.split(' ')
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let endpoint = if alexa_app && is_amazon_host(&url.host) {
        Endpoint::AlexaApp
    } else if is_amazon_host(&url.host) {
        Endpoint::Lwa
    } else {
        Endpoint::Other
    };
    let owned = |v: Option<&str>| v.map(str::to_string);
    Some(Authorize {
        client_id: None,
        scope: None,
        scopes,
        redirect_uri: None,
        state: owned(state),
        response_type: None,
        code_challenge: owned(code_challenge),
        code_challenge_method: owned(code_challenge_method),
        nonce: owned(nonce),
        response_mode: owned(response_mode),
        endpoint: Some(endpoint),
        issuer: None,
        role: None,
        answer: None,
    })
}

/// The parameters of an authorize request the serial pass shares, in the order of
/// `Authorize`'s `client_id`, `scope`, `redirect_uri` and `response_type`.
pub(super) const SHARED_AUTHORIZE_PARAMS: [&str; 4] =
    [CLIENT_ID, "scope", "redirect_uri", RESPONSE_TYPE];

/// The fields of a token request: a POST whose form or JSON body names a `grant_type`, or a
/// POST to a `/token` path whose body is missing (so it is still seen, with unknown fields).
pub(super) fn token_fields(
    ex: &Exchange,
    url: &Url,
    body: &[(String, String)],
    query: &[(String, String)],
) -> Option<TokenFrom> {
    if !ex.request.method.eq_ignore_ascii_case("POST") {
        // A token request sent as a GET (RFC 6749 §3.2 asks for POST) is still one when its
        // query names the grant.
        let get = ex.request.method.eq_ignore_ascii_case("GET");
        return (get && lookup(query, GRANT_TYPE).is_some()).then_some(TokenFrom::Query);
    }
    if lookup(body, GRANT_TYPE).is_some() {
        return Some(TokenFrom::Body);
    }
    if lookup(query, GRANT_TYPE).is_some() {
        return Some(TokenFrom::Query);
    }
    let no_body = ex
        .request
        .body
        .as_ref()
        .is_none_or(|b| b.text.is_empty() && b.params.is_empty());
    (no_body && url.path.ends_with(TOKEN_PATH_SUFFIX)).then_some(TokenFrom::Nothing)
}

/// A request body as name/value pairs: a JSON object's string fields, else form pairs, else
/// the recording tool's own parsed params.
pub(super) fn body_fields(ex: &Exchange) -> Vec<(String, String)> {
    let Some(body) = &ex.request.body else {
        return Vec::new();
    };
    let text = body.text.trim();
    if text.starts_with('{') {
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(text) {
            return map
                .into_iter()
                .filter_map(|(k, v)| match v {
                    serde_json::Value::String(s) => Some((k, s)),
                    serde_json::Value::Number(n) => Some((k, n.to_string())),
                    _ => None,
                })
                .collect();
        }
    }
    if !text.is_empty() && !text.starts_with('<') {
        return form_pairs(text);
    }
    body.params.clone()
}

pub(super) fn is_activation(method: &str, path: &str) -> bool {
    method.eq_ignore_ascii_case("POST") && skill_id(path).is_some()
}

/// The skill id of an activation path `/v1/users/~current/skills/{skillId}/enablement`.
pub(super) fn skill_id(path: &str) -> Option<String> {
    let [plain, upper, lower] = ACTIVATION_PREFIXES;
    let rest = path
        .strip_prefix(plain)
        .or_else(|| path.strip_prefix(upper))
        .or_else(|| path.strip_prefix(lower))?;
    let id = rest.strip_suffix(ACTIVATION_SUFFIX)?;
    (!id.is_empty() && !id.contains('/')).then(|| crate::wire::form::decode(id))
}

/// The Bearer token of a request's `Authorization` header.
/// Borrowed: a logged-in capture's thousands of Bearer calls each send a JWT of hundreds of
/// bytes, which reconstruction only looks up (a copy is kept once per token).
pub(super) fn bearer(ex: &Exchange) -> Option<&str> {
    let h = ex.request.header(AUTHORIZATION)?;
    let (scheme, token) = h.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The values of query parameters as written (still encoded), each the first of its name,
/// in one pass over the query (see [`raw_param`]).
///
/// Cut with byte searches, and done once every name is found: splitting by `char` patterns
/// cost three thousand instructions an authorize request, in the serial pass. `&` and `=` are
/// ASCII, so every cut is on a character boundary. `tests::raw_params_cut_as_split_does` holds
/// it to the splitting it replaces.
pub(super) fn raw_params<'q, const N: usize>(
    query: &'q str,
    names: [&str; N],
) -> [Option<&'q str>; N] {
    let mut found = [None; N];
    let mut left = N;
    for (k, v) in pairs_as_written(query) {
        for (name, slot) in names.iter().zip(found.iter_mut()) {
            if slot.is_none() && k == *name {
                *slot = Some(v);
                left -= 1;
            }
        }
        if left == 0 {
            break;
        }
    }
    found
}

/// A query parameter's value as written (still encoded), so a label can find it in the source.
pub(super) fn raw_param<'q>(query: &'q str, name: &str) -> Option<&'q str> {
    pairs_as_written(query).find_map(|(k, v)| (k == name).then_some(v))
}

/// The `name=value` pairs of a query as written, in order; a part without `=` is passed over
/// (as `split('&')` and `split_once('=')` would).
fn pairs_as_written(query: &str) -> impl Iterator<Item = (&str, &str)> {
    let mut rest = Some(query);
    std::iter::from_fn(move || loop {
        let text = rest?;
        let (pair, next) = match memchr::memchr(b'&', text.as_bytes()) {
            Some(i) => (&text[..i], Some(&text[i + 1..])),
            None => (text, None),
        };
        rest = next;
        if let Some(eq) = memchr::memchr(b'=', pair.as_bytes()) {
            return Some((&pair[..eq], &pair[eq + 1..]));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definitions the byte scans replaced.
    fn raw_params_by_split<'q, const N: usize>(
        query: &'q str,
        names: [&str; N],
    ) -> [Option<&'q str>; N] {
        let mut found = [None; N];
        for pair in query.split('&') {
            let Some((k, v)) = pair.split_once('=') else {
                continue;
            };
            for (name, slot) in names.iter().zip(found.iter_mut()) {
                if slot.is_none() && k == *name {
                    *slot = Some(v);
                }
            }
        }
        found
    }

    fn raw_param_by_split<'q>(query: &'q str, name: &str) -> Option<&'q str> {
        query.split('&').find_map(|p| {
            let (k, v) = p.split_once('=')?;
            (k == name).then_some(v)
        })
    }

    #[test]
    fn raw_params_cut_as_split_does() {
        // Queries of names, values, separators and non-ASCII text in every order: every
        // sequence of up to five of these pieces.
        let pieces = ["a", "code", "state", "=", "&", "==", "x%3D", "é", "", "&&"];
        let names = ["a", "code", "state", "", "x%3D", "é", "code=a"];
        let queries = crate::joined_pieces(&pieces, 5);
        assert!(queries.len() > 100_000);
        for q in &queries {
            assert_eq!(raw_params(q, names), raw_params_by_split(q, names), "{q:?}");
            assert_eq!(raw_params(q, ["code"]), raw_params_by_split(q, ["code"]));
            for name in names {
                assert_eq!(
                    raw_param(q, name),
                    raw_param_by_split(q, name),
                    "{q:?} {name}"
                );
            }
        }
    }
}
