//! A URL's query, split off as the capture wrote it.

/// A URL's part before its query, and its raw query (without `?` and the fragment).
pub fn split_query(url: &str) -> (&str, &str) {
    let (before_fragment, _) = url.split_once('#').unwrap_or((url, ""));
    before_fragment
        .split_once('?')
        .unwrap_or((before_fragment, ""))
}

/// Decoded `key=value` pairs of a URL's query; `None` when it has no `?`.
pub fn query_pairs(url: &str) -> Option<Vec<(String, String)>> {
    let (_, query) = url.split_once('?')?;
    Some(super::form::pairs(query.split('#').next().unwrap_or("")))
}
