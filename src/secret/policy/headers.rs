//! Header names and values: public headers as they are, credentials by parts, cookies pair
//! by pair, every other value replaced.

use super::*;

/// A header's name as shown: the name if [`header_name_known`], else replaced.
pub fn header_name<R: Replace + ?Sized>(name: &str, r: &mut R) -> String {
    header_name_cow(name, r).into_owned()
}

/// [`header_name`], borrowed when shown as it is.
pub(super) fn header_name_cow<'v, R: Replace + ?Sized>(name: &'v str, r: &mut R) -> Cow<'v, str> {
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
pub(super) fn header_value_cow<'v, R: Replace + ?Sized>(
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
    if let Some(shown) = name_facts(name).public_header {
        return match shown {
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
        match crate::wire::basic::decode_raw(creds) {
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
pub(super) fn cookie_pair<R: Replace + ?Sized>(pair: &str, r: &mut R) -> String {
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
pub(super) const COOKIE_ATTRIBUTES: &[&str] = &[
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
pub(super) fn split_joined_cookies(line: &str) -> Vec<&str> {
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

pub(super) fn one_set_cookie<R: Replace + ?Sized>(cookie: &str, r: &mut R) -> String {
    let mut out = Vec::new();
    for (i, part) in cookie.split(';').enumerate() {
        if i == 0 {
            out.push(cookie_pair(part, r));
            continue;
        }
        let attribute = part.split_once('=').map_or(part, |(n, _)| n).trim();
        if attribute.eq_ignore_ascii_case("path") {
            // A URL path, decided as URL paths are: oidc-provider scopes its `_interaction`
            // cookie to `/interaction/<uid>`, the uid being the cookie's value.
            out.push(match part.split_once('=') {
                Some((name, value)) => format!("{name}={}", path(value, r)),
                None => part.to_string(),
            });
        } else if COOKIE_ATTRIBUTES
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
