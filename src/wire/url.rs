//! A URL's query, split off as the capture wrote it.

/// A URL's part before its query, and its raw query (without `?` and the fragment).
pub fn split_query(url: &str) -> (&str, &str) {
    // One byte search for whichever of `?` and `#` comes first (both ASCII, so every cut is
    // at a character boundary): `str::split_once` costs several times as much on the short
    // texts URLs are, and reconstruction splits one per entry.
    let bytes = url.as_bytes();
    match memchr::memchr2(b'?', b'#', bytes) {
        Some(i) if bytes.get(i) == Some(&b'?') => {
            let query = url.get(i + 1..).unwrap_or("");
            let query = match memchr::memchr(b'#', query.as_bytes()) {
                Some(j) => query.get(..j).unwrap_or(query),
                None => query,
            };
            (url.get(..i).unwrap_or(url), query)
        }
        Some(i) => (url.get(..i).unwrap_or(url), ""),
        None => (url, ""),
    }
}

/// Decoded `key=value` pairs of a URL's query; `None` when it has no `?`.
pub fn query_pairs(url: &str) -> Option<Vec<(String, String)>> {
    let (_, query) = url.split_once('?')?;
    Some(super::form::pairs(query.split('#').next().unwrap_or("")))
}
