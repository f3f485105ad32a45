//! The strings of a JSON body that secret collection reads, walked without building the
//! document: a `serde_json::Value` costs an allocation for every key, string and container,
//! and was a twentieth of a long capture's check (its entries read in full are mostly API
//! calls with JSON bodies).

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// A string of a JSON document.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Found<'a> {
    /// The value of a key.
    Field(Cow<'a, str>, Cow<'a, str>),
    /// A string in a list, or the whole document.
    Alone(Cow<'a, str>),
}

/// Every string of `text`, a JSON document, in the order of the document, which is the order
/// a `serde_json::Value` (keeping keys in order) gives them. `None` when `text` is not JSON,
/// and when an object repeats a key (a `Value` keeps only the last one, in the first one's
/// place: the caller reads such a document as a `Value`).
pub(super) fn strings(text: &str) -> Option<Vec<Found<'_>>> {
    let mut found = Vec::new();
    let mut de = serde_json::Deserializer::from_str(text);
    Walk {
        found: &mut found,
        key: None,
    }
    .deserialize(&mut de)
    .ok()?;
    de.end().ok()?;
    Some(found)
}

/// One value, and the key it stands under (if a string, it is that key's value).
struct Walk<'f, 'a> {
    found: &'f mut Vec<Found<'a>>,
    key: Option<Cow<'a, str>>,
}

impl<'de> Walk<'_, 'de> {
    fn string(self, s: Cow<'de, str>) {
        self.found.push(match self.key {
            Some(key) => Found::Field(key, s),
            None => Found::Alone(s),
        });
    }
}

impl<'de> DeserializeSeed<'de> for Walk<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<(), E> {
        self.string(Cow::Borrowed(s));
        Ok(())
    }

    fn visit_str<E>(self, s: &str) -> Result<(), E> {
        self.string(Cow::Owned(s.to_owned()));
        Ok(())
    }

    fn visit_string<E>(self, s: String) -> Result<(), E> {
        self.string(Cow::Owned(s));
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let found = self.found;
        // A list's strings stand alone, whatever key the list stands under.
        while seq
            .next_element_seed(Walk {
                found: &mut *found,
                key: None,
            })?
            .is_some()
        {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let found = self.found;
        let mut keys = Keys::default();
        while let Some(key) = map.next_key_seed(Key)? {
            if !keys.insert(key.clone()) {
                return Err(de::Error::custom("a repeated key"));
            }
            map.next_value_seed(Walk {
                found: &mut *found,
                key: Some(key),
            })?;
        }
        Ok(())
    }
}

/// The keys of one object so far: in a list while there are few, as most objects have.
/// Borrowed from the text, like the keys themselves, unless they held escapes.
#[derive(Default)]
struct Keys<'a> {
    few: Vec<Cow<'a, str>>,
    many: HashSet<Cow<'a, str>>,
}

impl<'a> Keys<'a> {
    const FEW: usize = 16;

    /// False when `key` was there already.
    fn insert(&mut self, key: Cow<'a, str>) -> bool {
        if self.few.contains(&key) {
            return false;
        }
        if self.few.len() < Self::FEW {
            self.few.push(key);
            return true;
        }
        self.many.insert(key)
    }
}

/// A key, borrowed from the text when it has no escapes.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(s))
    }

    fn visit_str<E>(self, s: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The strings, as `SecretSet::add_json` found them in a `serde_json::Value`.
    fn from_value(text: &str) -> Option<Vec<(Option<String>, String)>> {
        fn walk(v: &serde_json::Value, out: &mut Vec<(Option<String>, String)>) {
            match v {
                serde_json::Value::Object(map) => {
                    for (k, v) in map {
                        match v {
                            serde_json::Value::String(s) => out.push((Some(k.clone()), s.clone())),
                            other => walk(other, out),
                        }
                    }
                }
                serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
                serde_json::Value::String(s) => out.push((None, s.clone())),
                _ => {}
            }
        }
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        let mut out = Vec::new();
        walk(&value, &mut out);
        Some(out)
    }

    /// An object of 40 keys (more than [`Keys::FEW`]), then `more`.
    fn object_of_many_keys(more: &str) -> String {
        let keys: Vec<String> = (0..40).map(|i| format!(r#""k{i}":"v{i}""#)).collect();
        format!("{{{}{more}}}", keys.join(","))
    }

    fn from_walk(text: &str) -> Option<Vec<(Option<String>, String)>> {
        Some(
            strings(text)?
                .into_iter()
                .map(|f| match f {
                    Found::Field(k, v) => (Some(k.into_owned()), v.into_owned()),
                    Found::Alone(v) => (None, v.into_owned()),
                })
                .collect(),
        )
    }

    #[test]
    fn strings_come_as_a_value_gives_them() {
        let many_keys = object_of_many_keys("");
        for text in [
            r#"{"access_token":"Atza|abc","expires_in":3600,"nested":{"refresh_token":"Atzr|x"},"list":["a",{"code":"c"},[1,"b"]],"n":null,"t":true,"f":-1.5e3}"#,
            r#"["alone", {"k": "v"}]"#,
            r#""just a string""#,
            r#"{"esc\u0061ped":"va\"lue\n","big":123456789012345678901234567890}"#,
            r#"  {"a": {"b": {"c": ["d"]}}}  "#,
            "42",
            many_keys.as_str(),
        ] {
            assert_eq!(from_walk(text), from_value(text), "{text}");
            assert!(from_walk(text).is_some(), "{text}");
        }
    }

    /// Not JSON, or a key given twice (at any depth, among few keys or many): no answer, so
    /// the caller reads it as a `Value`.
    #[test]
    fn no_strings_for_invalid_json_or_repeated_keys() {
        let among_few = object_of_many_keys(r#","k3":"again""#);
        let among_many = object_of_many_keys(r#","k30":"again""#);
        for text in [
            r#"{"a":"1","a":"2"}"#,
            r#"{"x":{"a":"1","b":{},"a":[]}}"#,
            among_few.as_str(),
            among_many.as_str(),
            r#"{"a":"1""#,
            r#"{"a":"1"} trailing"#,
            "",
        ] {
            assert_eq!(strings(text), None, "{text}");
        }
    }
}
