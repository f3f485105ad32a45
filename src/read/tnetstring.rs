//! Typed netstrings, the encoding of mitmproxy's dump files: `LENGTH:DATA` followed by one
//! type tag (`,` bytes, `;` UTF-8 text, `#` integer, `^` float, `!` boolean, `~` null,
//! `]` list, `}` dictionary of alternating keys and values).
//!
//! Values borrow from the input (a body is never copied), and every value knows its byte
//! offset, so errors name the place. Lengths are checked against the enclosing value before
//! anything is read, nesting is bounded, and error messages say what was expected at which
//! offset without quoting the input.

/// How deep lists and dictionaries may nest. A flow nests about six levels (flow, server
/// connection, its `via`, an address, a pair); anything much deeper is not a mitmproxy dump.
pub(crate) const MAX_DEPTH: usize = 32;

/// The longest length prefix mitmproxy itself accepts (12 digits).
const MAX_DIGITS: usize = 12;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value<'a> {
    /// `,` (bytes) or `;` (text): the data as written, and where it starts in the input.
    Bytes(&'a [u8], usize),
    /// `#` or `^`: the number's text, parsed on demand.
    Number(&'a [u8]),
    Bool(bool),
    Null,
    List(Vec<Value<'a>>),
    Dict(Vec<(Value<'a>, Value<'a>)>),
}

/// Why a value could not be read: where, and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Error {
    pub offset: usize,
    pub expected: &'static str,
    /// The input ended inside the value (a file cut off), rather than holding something wrong.
    pub at_end: bool,
}

/// Reads the value starting at `at`; `Ok` gives it and the offset just past it.
pub(crate) fn parse(input: &[u8], at: usize) -> Result<(Value<'_>, usize), Error> {
    value(input, at, input.len(), 0)
}

fn value(input: &[u8], at: usize, end: usize, depth: usize) -> Result<(Value<'_>, usize), Error> {
    let fail = |offset, expected| Error {
        offset,
        expected,
        at_end: false,
    };
    let cut = |offset, expected| Error {
        offset,
        expected,
        at_end: end == input.len(),
    };
    // The length prefix.
    let mut i = at;
    let mut length: usize = 0;
    while let Some(&b) = input.get(i).filter(|_| i < end) {
        if !b.is_ascii_digit() {
            break;
        }
        if i - at == MAX_DIGITS {
            return Err(fail(at, "a length prefix of at most 12 digits"));
        }
        length = length * 10 + usize::from(b - b'0');
        i += 1;
    }
    if i == end {
        return Err(cut(at, "a length prefix (digits, then `:`)"));
    }
    if i == at || input.get(i) != Some(&b':') {
        return Err(fail(at, "a length prefix (digits, then `:`)"));
    }
    let data_start = i + 1;
    let tag_at = data_start
        .checked_add(length)
        .filter(|&t| t < end)
        .ok_or_else(|| cut(at, "a value as long as its length prefix says"))?;
    let data = input.get(data_start..tag_at).unwrap_or_default();
    let next = tag_at + 1;
    let parsed = match input.get(tag_at).copied().unwrap_or_default() {
        b',' | b';' => Value::Bytes(data, data_start),
        b'#' | b'^' => Value::Number(data),
        b'!' => match data {
            b"true" => Value::Bool(true),
            b"false" => Value::Bool(false),
            _ => return Err(fail(data_start, "`true` or `false`")),
        },
        b'~' if data.is_empty() => Value::Null,
        b'~' => return Err(fail(data_start, "an empty null")),
        b']' | b'}' => {
            if depth >= MAX_DEPTH {
                return Err(fail(at, "lists and dictionaries nested at most 32 deep"));
            }
            let mut items = Vec::new();
            let mut j = data_start;
            while j < tag_at {
                let (item, after) = value(input, j, tag_at, depth + 1)?;
                items.push(item);
                j = after;
            }
            if input.get(tag_at) == Some(&b']') {
                Value::List(items)
            } else {
                if items.len() % 2 != 0 {
                    return Err(fail(at, "a dictionary of keys each with a value"));
                }
                let mut pairs = Vec::with_capacity(items.len() / 2);
                let mut it = items.into_iter();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    pairs.push((k, v));
                }
                Value::Dict(pairs)
            }
        }
        _ => {
            return Err(fail(
                tag_at,
                "a type tag (one of `,` `;` `#` `^` `!` `~` `]` `}`)",
            ))
        }
    };
    Ok((parsed, next))
}

impl<'a> Value<'a> {
    /// The value under `key` of a dictionary (keys may be bytes or text: Python 2 wrote bytes).
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        match self {
            Value::Dict(pairs) => pairs
                .iter()
                .find(|(k, _)| k.bytes() == Some(key.as_bytes()))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The first of `keys` present and not null (for fields mitmproxy renamed over time).
    pub fn get_any(&self, keys: &[&str]) -> Option<&Value<'a>> {
        keys.iter()
            .filter_map(|k| self.get(k))
            .find(|v| **v != Value::Null)
    }

    pub fn bytes(&self) -> Option<&'a [u8]> {
        match self {
            Value::Bytes(b, _) => Some(b),
            _ => None,
        }
    }

    /// Bytes or text as a string, invalid UTF-8 replaced.
    pub fn text(&self) -> Option<String> {
        self.bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }

    pub fn list(&self) -> &[Value<'a>] {
        match self {
            Value::List(items) => items,
            _ => &[],
        }
    }

    pub fn number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => std::str::from_utf8(n).ok()?.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn integer(&self) -> Option<i64> {
        match self {
            Value::Number(n) => std::str::from_utf8(n).ok()?.trim().parse().ok(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &[u8]) -> Value<'_> {
        let (v, end) = parse(input, 0).expect("parses");
        assert_eq!(end, input.len());
        v
    }

    #[test]
    fn reads_every_type() {
        assert_eq!(ok(b"5:hello,"), Value::Bytes(b"hello", 2));
        assert_eq!(ok(b"3:\xc3\xa9!;"), Value::Bytes("é!".as_bytes(), 2));
        assert_eq!(ok(b"3:200#").integer(), Some(200));
        assert_eq!(ok(b"4:1.25^").number(), Some(1.25));
        assert_eq!(ok(b"4:true!"), Value::Bool(true));
        assert_eq!(ok(b"0:~"), Value::Null);
        let list = ok(b"19:5:12345#4:true!1:0#]");
        assert_eq!(list.list().len(), 3);
        let dict = ok(b"21:4:type;4:http;1:v;0:~}");
        assert_eq!(
            dict.get("type").and_then(Value::text).as_deref(),
            Some("http")
        );
        assert_eq!(dict.get("v"), Some(&Value::Null));
        assert_eq!(
            dict.get_any(&["v", "type"])
                .and_then(Value::text)
                .as_deref(),
            Some("http")
        );
    }

    #[test]
    fn errors_name_the_offset_and_what_was_expected() {
        let cases: [(&[u8], usize, &str, bool); 8] = [
            (b"x:abc,", 0, "a length prefix (digits, then `:`)", false),
            (
                b"5:abc",
                0,
                "a value as long as its length prefix says",
                true,
            ),
            (b"12", 0, "a length prefix (digits, then `:`)", true),
            (
                b"3:abc?",
                5,
                "a type tag (one of `,` `;` `#` `^` `!` `~` `]` `}`)",
                false,
            ),
            (b"3:yes!", 2, "`true` or `false`", false),
            (
                b"1234567890123:",
                0,
                "a length prefix of at most 12 digits",
                false,
            ),
            // A value running past its container is broken, not cut.
            (
                b"6:9:abc,]",
                2,
                "a value as long as its length prefix says",
                false,
            ),
            (
                b"4:1:a,}",
                0,
                "a dictionary of keys each with a value",
                false,
            ),
        ];
        for (input, offset, expected, at_end) in cases {
            let e = parse(input, 0).expect_err("fails");
            assert_eq!(
                (e.offset, e.expected, e.at_end),
                (offset, expected, at_end),
                "{input:?}"
            );
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let mut deep = b"0:]".to_vec();
        for _ in 0..(MAX_DEPTH + 5) {
            deep = [format!("{}:", deep.len()).into_bytes(), deep, b"]".to_vec()].concat();
        }
        let e = parse(&deep, 0).expect_err("too deep");
        assert!(e.expected.contains("nested"), "{e:?}");
    }
}
