//! URLs, queries, forms and the values of fields: names kept when name-shaped, values shown
//! only for public names, harmless scalars and JSON (walked).

use super::*;

/// A URL (absolute, or a path with its query): scheme, host, port and path kept (path
/// segments of a known secret shape replaced); user information replaced; query and fragment
/// parameter names kept when name-shaped and values shown only for public names; a fragment
/// that is no parameter list replaced unless name-shaped.
pub fn url<R: Replace + ?Sized>(url: &str, r: &mut R) -> String {
    if r.keeps_all() {
        return url.to_string();
    }
    if !url_shaped(url) {
        return if url.is_empty() {
            String::new()
        } else {
            r.replace(kind_for("", url), url)
        };
    }
    let mut out = String::with_capacity(url.len());
    let (before_fragment, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let (before_query, query) = match before_fragment.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (before_fragment, None),
    };
    // Scheme and authority.
    let mut rest = before_query;
    if let Some(colon) = rest.find(':') {
        let scheme = &rest[..colon];
        if !scheme.is_empty()
            && scheme.as_bytes()[0].is_ascii_alphabetic()
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        {
            out.push_str(&rest[..=colon]);
            rest = &rest[colon + 1..];
            if let Some(after) = rest.strip_prefix("//") {
                out.push_str("//");
                let end = after.find('/').unwrap_or(after.len());
                let authority = &after[..end];
                match authority.rsplit_once('@') {
                    Some((userinfo, host)) => {
                        out.push_str(&r.replace(SecretKind::Credentials, userinfo));
                        out.push('@');
                        out.push_str(host);
                    }
                    None => out.push_str(authority),
                }
                rest = &after[end..];
            }
        }
    }
    out.push_str(&path(rest, r));
    if let Some(q) = query {
        out.push('?');
        out.push_str(&form(q, r));
    }
    if let Some(f) = fragment {
        out.push('#');
        if f.contains('=') {
            out.push_str(&form(f, r));
        } else if f.is_empty() {
        } else if (name_shaped(f) || f.starts_with('/') && name_path(f))
            && r.identified(&form_decode(f)).is_none()
        {
            out.push_str(f);
        } else {
            out.push_str(&r.replace(SecretKind::Value, &form_decode(f)));
        }
    }
    out
}

/// Whether `text` reads as a URL: a scheme (`https:`, `com.example.app:`) or a path (`/`, `?`).
pub(super) fn url_shaped(text: &str) -> bool {
    if text.starts_with(['/', '?', '#']) {
        return true;
    }
    let Some((scheme, _)) = text.split_once(':') else {
        return false;
    };
    scheme
        .as_bytes()
        .first()
        .is_some_and(u8::is_ascii_alphabetic)
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

/// Whether a fragment route (`#/settings/account`) is made of name-shaped segments.
pub(super) fn name_path(f: &str) -> bool {
    f.split('/').all(|s| s.is_empty() || name_shaped(s))
}

/// A URL path, kept but for segments of a known secret shape (a JWT, an LWA token).
pub fn path<R: Replace + ?Sized>(path: &str, r: &mut R) -> String {
    if r.keeps_all()
        || kind_by_shape(path).is_none()
            && !path.split('/').any(|s| {
                !s.is_empty() && (random_segment(s) || r.identified(&form_decode_cow(s)).is_some())
            })
    {
        return path.to_string();
    }
    path.split('/')
        .map(|segment| {
            let decoded = form_decode(segment);
            let random = random_segment(&decoded).then_some(SecretKind::Value);
            match kind_by_shape(&decoded)
                .or(random)
                .or_else(|| r.identified(&decoded))
            {
                Some(kind) => encode_like(segment, &r.replace(kind, &decoded), r),
                None => segment.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A path segment that can only be a generated key: 32 or more base64url characters mixing
/// upper case, lower case and digits (a session or interaction id, as oidc-provider's
/// `/interaction/<uid>` whose uid is also a cookie). Ids people read (UUIDs, `amzn1.ask…`
/// skill ids, version numbers, words) are lower case, dotted or short, and stay shown.
pub(super) fn random_segment(segment: &str) -> bool {
    segment.len() >= 32
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && segment.bytes().any(|b| b.is_ascii_uppercase())
        && segment.bytes().any(|b| b.is_ascii_lowercase())
        && segment.bytes().any(|b| b.is_ascii_digit())
}

/// A query, fragment or form body (`a=1&b=2`): names kept when name-shaped, values as
/// [`field_value`] says. A part without `=` is replaced unless name-shaped.
pub fn form<R: Replace + ?Sized>(text: &str, r: &mut R) -> String {
    let mut out = String::with_capacity(text.len());
    form_into(text, r, &mut out);
    out
}

/// [`form`] appended to `out`.
pub(super) fn form_into<R: Replace + ?Sized>(text: &str, r: &mut R, out: &mut String) {
    if r.keeps_all() {
        out.push_str(text);
        return;
    }
    // (Split by bytes: `str::split` with a `char` was ≈ 4 % of a large sanitize.)
    let mut rest = text;
    let mut first = true;
    loop {
        let (part, next) = match memchr::memchr(b'&', rest.as_bytes()) {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        if !first {
            out.push('&');
        }
        first = false;
        form_part(part, r, out);
        match next {
            Some(n) => rest = n,
            None => break,
        }
    }
}

/// One `name=value` (or bare `name`) of a form, appended to `out`.
fn form_part<R: Replace + ?Sized>(part: &str, r: &mut R, out: &mut String) {
    if part.is_empty() {
        return;
    }
    let split = memchr::memchr(b'=', part.as_bytes()).map(|i| (&part[..i], &part[i + 1..]));
    match split {
        Some((name, value)) => {
            let decoded_name = form_decode_cow(name);
            if name_facts(&decoded_name).name_shaped {
                out.push_str(name);
            } else {
                replace_encoded_into(name, SecretKind::Value, &decoded_name, r, out);
            }
            out.push('=');
            field_value_into(&decoded_name, value, r, out);
        }
        None => {
            let decoded = form_decode_cow(part);
            if name_shaped(&decoded) && r.identified(&decoded).is_none() {
                out.push_str(part);
            } else {
                replace_encoded_into(part, SecretKind::Value, &decoded, r, out);
            }
        }
    }
}

/// The stand-in of `decoded` (of kind `kind`), encoded as `raw` (its text in the form) was,
/// appended to `out`: [`encode_like_into`] of [`Replace::replace`], without a `String` per
/// value where the replacer can write its stand-in in place.
pub(super) fn replace_encoded_into<R: Replace + ?Sized>(
    raw: &str,
    kind: SecretKind,
    decoded: &str,
    r: &mut R,
    out: &mut String,
) {
    if !r.encodes() || memchr::memchr2(b'%', b'+', raw.as_bytes()).is_none() {
        r.replace_into(kind, decoded, out);
        return;
    }
    with_scratch(|scratch| {
        r.replace_into(kind, decoded, scratch);
        encode_like_into(raw, scratch, r, out);
    });
}

/// `f` given an empty `String` reused on this thread (a new one if it is in use).
pub(super) fn with_scratch<T>(f: impl FnOnce(&mut String) -> T) -> T {
    use std::cell::RefCell;
    thread_local! {
        static SCRATCH: RefCell<String> = const { RefCell::new(String::new()) };
    }
    SCRATCH.with(|s| match s.try_borrow_mut() {
        Ok(mut s) => {
            s.clear();
            let result = f(&mut s);
            // (A long stand-in is not kept for the thread's lifetime.)
            if s.capacity() > 1 << 16 {
                *s = String::new();
            }
            result
        }
        Err(_) => f(&mut String::new()),
    })
}

/// The value `raw` (form- or percent-encoded, as it stands in a query or form body) of the
/// parameter `name`: shown when `name` is public (URLs walked), when it is a harmless scalar,
/// or when it is JSON (walked); else replaced.
pub fn field_value<R: Replace + ?Sized>(name: &str, raw: &str, r: &mut R) -> String {
    let mut out = String::with_capacity(raw.len());
    field_value_into(name, raw, r, &mut out);
    out
}

/// [`field_value`] appended to `out`.
pub(super) fn field_value_into<R: Replace + ?Sized>(
    name: &str,
    raw: &str,
    r: &mut R,
    out: &mut String,
) {
    if r.keeps_all() || raw.is_empty() {
        out.push_str(raw);
        return;
    }
    let decoded = form_decode_cow(raw);
    match decide_value(name, &decoded, r) {
        Decision::Keep => out.push_str(raw),
        Decision::Walked(walked) => encode_like_into(raw, &walked, r, out),
        Decision::Hide(kind) => replace_encoded_into(raw, kind, &decoded, r, out),
    }
}

/// A field's decoded value (a form parameter, a JSON string, a fact) as shown: as
/// [`field_value`] decides, without any encoding.
pub fn value<R: Replace + ?Sized>(name: &str, value: &str, r: &mut R) -> String {
    if r.keeps_all() {
        return value.to_string();
    }
    decoded_value(name, value, r).into_owned()
}

/// What the decoded value of a field becomes: borrowed when shown as it is.
pub(super) fn decoded_value<'v, R: Replace + ?Sized>(
    name: &str,
    value: &'v str,
    r: &mut R,
) -> Cow<'v, str> {
    match decide_value(name, value, r) {
        Decision::Keep => Cow::Borrowed(value),
        Decision::Walked(walked) => Cow::Owned(walked),
        Decision::Hide(kind) => Cow::Owned(r.replace(kind, value)),
    }
}

/// What becomes of a value: kept, walked into a new text, or hidden (its stand-in not drawn
/// yet, so the caller can have it written in place: [`Replace::replace_into`]).
pub(super) enum Decision {
    Keep,
    Walked(String),
    Hide(SecretKind),
}

/// [`decoded_value`]'s decision.
pub(super) fn decide_value<R: Replace + ?Sized>(name: &str, value: &str, r: &mut R) -> Decision {
    let unless_identified = |r: &mut R| match r.identified(value) {
        Some(kind) => Decision::Hide(kind),
        None => Decision::Keep,
    };
    if let Some(shown) = name_facts(name).public_field {
        return match shown {
            Text => unless_identified(r),
            Url => {
                let walked = url(value, r);
                if walked == value {
                    Decision::Keep
                } else {
                    Decision::Walked(walked)
                }
            }
        };
    }
    if harmless_scalar(name, value) {
        return unless_identified(r);
    }
    if is_mask(value) {
        return Decision::Keep;
    }
    if looks_like_json(value) {
        let walked = json(value, r);
        return if walked == value {
            Decision::Keep
        } else {
            Decision::Walked(walked)
        };
    }
    Decision::Hide(kind_for(name, value))
}

/// `new` encoded as `raw` was: as it is for display, or when `raw` had no escapes; else
/// percent-encoded (lower-case hex if `raw` used it, `+` for spaces if `raw` did).
pub(super) fn encode_like<R: Replace + ?Sized>(raw: &str, new: &str, r: &R) -> String {
    let mut out = String::with_capacity(new.len());
    encode_like_into(raw, new, r, &mut out);
    out
}

/// [`encode_like`] appended to `out`.
pub(super) fn encode_like_into<R: Replace + ?Sized>(raw: &str, new: &str, r: &R, out: &mut String) {
    let bytes = raw.as_bytes();
    if !r.encodes() || memchr::memchr2(b'%', b'+', bytes).is_none() {
        out.push_str(new);
        return;
    }
    let plus = memchr::memchr(b'+', bytes).is_some();
    let lower = memchr::memchr_iter(b'%', bytes)
        .any(|i| raw[i + 1..].chars().take(2).any(|c| c.is_ascii_lowercase()));
    // Byte by byte as `utf8_percent_encode` with the form set does (a test compares them):
    // what the set keeps as it is, every other byte as `%XX`, a space as `+` when `raw` wrote
    // one so.
    let hex: &[u8; 16] = if lower {
        b"0123456789abcdef"
    } else {
        b"0123456789ABCDEF"
    };
    let bytes = new.as_bytes();
    let mut kept = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if form_keeps(b) {
            continue;
        }
        // (Between two escaped bytes of one character the run is empty, and not sliced.)
        if kept < i {
            out.push_str(&new[kept..i]);
        }
        kept = i + 1;
        if plus && b == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(char::from(hex[usize::from(b >> 4)]));
            out.push(char::from(hex[usize::from(b & 15)]));
        }
    }
    if kept < bytes.len() {
        out.push_str(&new[kept..]);
    }
}

/// Whether a form encoder writes the byte `b` as it is ([`crate::wire::form::FORM`]: letters,
/// digits and `-_.*`).
fn form_keeps(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'*')
}

pub(super) fn looks_like_json(value: &str) -> bool {
    let t = value.trim();
    ((t.starts_with('{') && t.ends_with('}')) || (t.starts_with('[') && t.ends_with(']')))
        && serde_json::from_str::<serde::de::IgnoredAny>(t).is_ok()
}
