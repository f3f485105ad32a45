//! Response bodies removed from the copy that went over the body-size limit.
//!
//! `check` reports a body larger than `max_body_size` (`capture/limit`): it was not parsed,
//! and a mistake in it cannot be seen. The copy removes the response bodies of entries outside
//! any OAuth flow, and with them that finding. So where such a body is over the limit of the
//! config `sanitize` was given, the copy keeps its size and nothing of it: the text stands as
//! a sentence saying so, padded with spaces to the body's length, which `check` measures
//! against the same limit as the original's.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::model::Capture;

/// The entries outside `oauth` whose response body is longer than `max_body_size` bytes.
pub(super) fn entries(
    capture: &Capture,
    oauth: &BTreeSet<usize>,
    max_body_size: u64,
) -> BTreeSet<usize> {
    capture
        .exchanges
        .iter()
        .filter(|ex| !oauth.contains(&ex.index))
        .filter(|ex| {
            ex.response
                .as_ref()
                .and_then(|r| r.body.as_ref())
                .is_some_and(|b| b.text.len() as u64 > max_body_size)
        })
        .map(|ex| ex.index)
        .collect()
}

/// The stand-in of a removed body of `size` bytes: no byte of it, only its length.
pub(super) fn stand_in(size: usize) -> String {
    let note = format!(
        "tokentrail sanitize removed this response body of {size} bytes; it stands as this many bytes so that `check` still reports the size limit it goes over"
    );
    let mut text = if note.len() <= size {
        note
    } else {
        String::new()
    };
    text.extend(std::iter::repeat_n(' ', size - text.len()));
    text
}

/// `entry` (a walked HAR entry whose response text was removed) with the stand-in of a body of
/// `size` bytes as its response text; `None` when it has no response content.
pub(super) fn fill(entry: &str, size: usize) -> Option<String> {
    let mut value: Value = serde_json::from_str(entry).ok()?;
    let Some(Value::Object(content)) = value.pointer_mut("/response/content") else {
        return None;
    };
    // The stand-in is text: a base64 encoding would have the reader decode it.
    content.shift_remove("encoding");
    content.insert("text".into(), Value::String(stand_in(size)));
    serde_json::to_string_pretty(&value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stand_in_has_the_body_length_and_says_why() {
        for size in [0, 10, 5000] {
            let s = stand_in(size);
            assert_eq!(s.len(), size);
            assert_eq!(s.contains("removed"), size == 5000, "{size}");
        }
        let entry = r#"{"request": {"postData": {"text": "a=1"}}, "response": {"content": {"size": 9, "encoding": "base64", "text": ""}}}"#;
        let filled: Value = serde_json::from_str(&fill(entry, 300).expect("filled")).expect("json");
        let content = &filled["response"]["content"];
        assert_eq!(content["text"].as_str().map(str::len), Some(300));
        assert!(content.get("encoding").is_none());
        assert_eq!(filled["request"]["postData"]["text"], "a=1");
        assert_eq!(fill(r#"{"response": {}}"#, 300), None);
    }
}
