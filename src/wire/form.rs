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

/// Decodes `a=b&c=d` as a form (`+` is a space), once, as `form_urlencoded::parse` does.
///
/// Cut with byte searches, and a component without `+` or `%` copied as it is: the crate's
/// byte-at-a-time decoding and its lossy UTF-8 check of every component were fifty
/// instructions a byte of a token request's body. `&` and `=` are ASCII, so every cut is on
/// a character boundary. `tests::pairs_decode_as_form_urlencoded_does` holds it to the crate.
pub fn pairs(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let piece = match memchr::memchr(b'&', rest.as_bytes()) {
            Some(i) => {
                let piece = &rest[..i];
                rest = &rest[i + 1..];
                piece
            }
            None => std::mem::take(&mut rest),
        };
        if piece.is_empty() {
            continue;
        }
        let (name, value) = match memchr::memchr(b'=', piece.as_bytes()) {
            Some(i) => (&piece[..i], &piece[i + 1..]),
            None => (piece, ""),
        };
        out.push((decode_component(name), decode_component(value)));
    }
    out
}

/// One form component decoded: `+` → space, then `%XX` escapes (others kept as written),
/// then invalid UTF-8 replaced as `String::from_utf8_lossy` replaces it.
fn decode_component(s: &str) -> String {
    let bytes = s.as_bytes();
    let Some(first) = memchr::memchr2(b'+', b'%', bytes) else {
        return s.to_string();
    };
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..first]);
    let mut at = first;
    while at < bytes.len() {
        match bytes[at] {
            b'+' => {
                out.push(b' ');
                at += 1;
            }
            b'%' => match (
                bytes.get(at + 1).and_then(|&b| hex(b)),
                bytes.get(at + 2).and_then(|&b| hex(b)),
            ) {
                (Some(high), Some(low)) => {
                    // Two hex digits are below 256.
                    out.push((high * 16 + low) as u8);
                    at += 3;
                }
                _ => {
                    out.push(b'%');
                    at += 1;
                }
            },
            _ => {
                let run = memchr::memchr2(b'+', b'%', &bytes[at..]).map_or(bytes.len(), |i| at + i);
                out.extend_from_slice(&bytes[at..run]);
                at = run;
            }
        }
    }
    match String::from_utf8(out) {
        Ok(text) => text,
        Err(invalid) => String::from_utf8_lossy(invalid.as_bytes()).into_owned(),
    }
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

    /// The byte-search decoding gives the crate's pairs: on every query of up to five pieces
    /// of separators, `+`, whole, cut and invalid escapes, UTF-8 cut by an escape, and
    /// non-ASCII text.
    #[test]
    fn pairs_decode_as_form_urlencoded_does() {
        let pieces = [
            "&", "=", "a", "+", "%", "%4", "%41", "%zz", "%C3", "%A9", "%ff", "é", "%2B",
        ];
        let queries = crate::joined_pieces(&pieces, 5);
        assert!(queries.len() > 400_000);
        for q in &queries {
            let reference: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            assert_eq!(pairs(q), reference, "{q}");
        }
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
