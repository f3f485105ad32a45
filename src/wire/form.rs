//! `application/x-www-form-urlencoded`: form bodies and queries, decoded once (by the
//! `form_urlencoded` crate, with a borrowing fast path for the many components that hold no
//! escape) and encoded as form encoders do.

use std::borrow::Cow;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Characters escaped by `application/x-www-form-urlencoded` encoders beside the alphanumerics.
pub const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'*');

/// Characters escaped in a URL component: all but RFC 3986's unreserved ones.
pub const URL_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Decodes `a=b&c=d` as a form (`+` is a space), once.
pub fn pairs(text: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(text.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Whether a form or query (`a=b&c=d`) has a parameter with one of `names`, decoded as
/// [`pairs`] decodes them; without decoding any value.
pub fn names_any(text: &str, names: &[&str]) -> bool {
    text.split('&').filter(|p| !p.is_empty()).any(|p| {
        let name = p.split_once('=').map_or(p, |(k, _)| k);
        names.contains(&decode_cow(name).as_ref())
    })
}

/// Decodes one form component: `+` → space, then percent-decoding (invalid escapes are kept).
pub fn decode(s: &str) -> String {
    decode_cow(s).into_owned()
}

/// [`decode`], borrowing the text when there is nothing to decode (most names and values).
pub fn decode_cow(s: &str) -> Cow<'_, str> {
    if !s.contains(['+', '%']) {
        return s.into();
    }
    let plus = s.replace('+', " ");
    percent_encoding::percent_decode_str(&plus)
        .decode_utf8_lossy()
        .into_owned()
        .into()
}

/// Whether `s` holds a `%XX` escape.
pub fn has_percent_escape(s: &str) -> bool {
    s.as_bytes()
        .windows(3)
        .any(|w| matches!(w, [b'%', a, b] if a.is_ascii_hexdigit() && b.is_ascii_hexdigit()))
}

/// What `application/x-www-form-urlencoded` leaves as is besides letters and digits, the
/// space included (written as `+` by [`encode_pairs`]).
const FORM_WITH_SPACE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'*')
    .remove(b' ');

/// `a=b&c=d` of decoded pairs, encoded as a browser encodes a form.
pub fn encode_pairs(params: &[(String, String)]) -> String {
    let encode = |s: &str| {
        utf8_percent_encode(s, FORM_WITH_SPACE)
            .to_string()
            .replace(' ', "+")
    };
    let pairs: Vec<String> = params
        .iter()
        .map(|(n, v)| format!("{}={}", encode(n), encode(v)))
        .collect();
    pairs.join("&")
}

/// Whether an HTML text holds a `<form` tag, in any case: a page that may auto-post an OAuth
/// answer (`response_mode=form_post`). Looks only where a `<` is, without a lower-cased copy
/// of the page.
pub fn holds_html_form(html: &str) -> bool {
    let bytes = html.as_bytes();
    memchr::memchr_iter(b'<', bytes).any(|at| {
        bytes
            .get(at + 1..at + 5)
            .is_some_and(|tag| tag.eq_ignore_ascii_case(b"form"))
    })
}

#[cfg(test)]
mod tests {
    use super::holds_html_form;

    #[test]
    fn an_html_form_is_found_in_any_case() {
        assert!(holds_html_form("<html><FORM method=post>"));
        assert!(holds_html_form("x<Form"));
        assert!(!holds_html_form("<for"));
        assert!(!holds_html_form("<p>form</p> <for"));
    }

    use super::*;

    /// The borrowing fast path decodes as decoding every component did, and the name check
    /// finds exactly the names that decoding every pair finds.
    #[test]
    fn names_are_found_as_decoding_finds_them() {
        let queries = [
            "",
            "code=1",
            "a=1&code=",
            "&&code",
            "x=code",
            "%63ode=AN1",
            "co%64e=1",
            "c+ode=1",
            "code+=1",
            "code%20=1",
            "%XXcode=1",
            "error=access_denied&state=s",
            "ERROR=x",
            "a=%E2%9C%93&b=+%2B+",
            "%ff=1",
            "state=1&er%72or",
        ];
        for q in queries {
            let found = pairs(q).iter().any(|(k, _)| k == "code" || k == "error");
            assert_eq!(names_any(q, &["code", "error"]), found, "{q}");
            for part in q.split(['&', '=']) {
                let reference = percent_encoding::percent_decode_str(&part.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned();
                assert_eq!(decode(part), reference, "{part}");
            }
        }
        assert!(names_any("%63ode=1", &["code"]));
        assert!(!names_any("x=code", &["code"]));
    }

    #[test]
    fn pairs_encode_as_a_browser_does_and_decode_back() {
        let params = vec![
            (
                "redirect_uri".to_string(),
                "https://a.example/cb?x=1".to_string(),
            ),
            ("scope".to_string(), "openid profile".to_string()),
        ];
        let text = encode_pairs(&params);
        assert_eq!(
            text,
            "redirect_uri=https%3A%2F%2Fa.example%2Fcb%3Fx%3D1&scope=openid+profile"
        );
        assert_eq!(pairs(&text), params);
        assert!(has_percent_escape("a%2Fb") && !has_percent_escape("a%zz"));
    }
}
