//! A URL's query, split off as the capture wrote it.

/// A URL's part before its query, and its raw query (without `?` and the fragment).
pub fn split_query(url: &str) -> (&str, &str) {
    // `memchr` on the bytes: `split_once` of a `char` cost more than the rest of a URL's
    // parse. Both bytes are ASCII, so the slices end on character boundaries.
    let before_fragment = match memchr::memchr(b'#', url.as_bytes()) {
        Some(i) => &url[..i],
        None => url,
    };
    match memchr::memchr(b'?', before_fragment.as_bytes()) {
        Some(i) => (&before_fragment[..i], &before_fragment[i + 1..]),
        None => (before_fragment, ""),
    }
}

/// Decoded `key=value` pairs of a URL's query; `None` when it has no `?`.
pub fn query_pairs(url: &str) -> Option<Vec<(String, String)>> {
    let (_, query) = url.split_once('?')?;
    Some(super::form::pairs(query.split('#').next().unwrap_or("")))
}
