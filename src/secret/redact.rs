//! Replaces secrets with keyed placeholders inside strings that were parsed out of a capture
//! (header values, URLs, form and JSON body text). The sanitizer decides where strings are;
//! this decides what in them is secret and what it becomes.
//!
//! A secret can stand in a string in several spellings (raw, percent- or form-encoded,
//! JSON-escaped once or twice); each is replaced by the same spelling of its placeholder, so a
//! code is equal to itself in the redirect, the token request and the activation body after
//! sanitizing as it was before.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use aho_corasick::{AhoCorasick, MatchKind};

use super::placeholder::Placeholders;
use super::{kind_of_header, spelling_pairs, SecretKind, SecretSet};

/// What was replaced, by kind: how many distinct values, in how many places.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub values: usize,
    pub places: usize,
}

pub struct Redactor<'p> {
    placeholders: &'p Placeholders,
    /// Tags of placeholders that a previous run with the same key wrote: those values stay.
    known: HashSet<String>,
    /// Raw value → its index in `kinds` and its placeholder.
    stand_ins: HashMap<String, (usize, String)>,
    /// Per value index: the kind it is counted under, whether it was met yet, its
    /// placeholder, and whether it already was one (then it is kept as it is).
    kinds: Vec<(SecretKind, bool, String, bool)>,
    long: Option<Patterns>,
    /// Codes and passwords too short to replace everywhere: replaced only where they stand as
    /// a whole value (`=4821&`, `"4821"`, a whole string).
    short: Option<Patterns>,
    tallies: BTreeMap<SecretKind, Tally>,
    /// Distinct values that were already placeholders of this key, and so were kept.
    kept: usize,
    emitted: BTreeSet<String>,
}

struct Patterns {
    automaton: AhoCorasick,
    /// By pattern: the replacement and the value index.
    replacements: Vec<(String, usize)>,
}

impl<'p> Redactor<'p> {
    /// A redactor for the secrets of one capture. `known` holds the tags recorded by an
    /// earlier run (see [`Placeholders::tag`]); values whose tag is among them are kept.
    pub fn new(
        secrets: &SecretSet,
        placeholders: &'p Placeholders,
        known: HashSet<String>,
    ) -> Self {
        let mut r = Redactor {
            placeholders,
            known,
            stand_ins: HashMap::new(),
            kinds: Vec::new(),
            long: None,
            short: None,
            tallies: BTreeMap::new(),
            kept: 0,
            emitted: BTreeSet::new(),
        };
        let mut long = Vec::new();
        for (value, kind) in secrets.iter() {
            // A whole `Cookie`/`Set-Cookie` value kept to mask a short cookie: cookie headers
            // are rewritten pair by pair instead (see `header`).
            if kind == SecretKind::Cookie && is_cookie_header(value) {
                continue;
            }
            let (id, stand_in) = r.stand_in(kind, value);
            for (spelling, replacement) in spelling_pairs(value, &stand_in) {
                long.push((spelling, replacement, id));
            }
        }
        let mut short = Vec::new();
        for (value, kind) in secrets.iter_short() {
            let (id, stand_in) = r.stand_in(kind, value);
            for (spelling, replacement) in spelling_pairs(value, &stand_in) {
                short.push((spelling, replacement, id));
            }
        }
        r.long = Patterns::build(long, MatchKind::LeftmostLongest);
        r.short = Patterns::build(short, MatchKind::Standard);
        r
    }

    /// The placeholder of a value and its index, made once.
    fn stand_in(&mut self, kind: SecretKind, value: &str) -> (usize, String) {
        if let Some((id, s)) = self.stand_ins.get(value) {
            return (*id, s.clone());
        }
        let known = self.known.contains(&self.placeholders.tag(value));
        let stand_in = if known {
            value.to_string()
        } else {
            self.placeholders.placeholder(kind, value)
        };
        let id = self.kinds.len();
        self.kinds.push((kind, false, stand_in.clone(), known));
        self.stand_ins
            .insert(value.to_string(), (id, stand_in.clone()));
        (id, stand_in)
    }

    fn count(&mut self, id: usize) {
        let Some((kind, seen, stand_in, known)) = self.kinds.get_mut(id) else {
            return;
        };
        let first = !*seen;
        *seen = true;
        if first {
            self.emitted.insert(stand_in.clone());
        }
        if *known {
            self.kept += usize::from(first);
            return;
        }
        let tally = self.tallies.entry(*kind).or_default();
        tally.places += 1;
        tally.values += usize::from(first);
    }

    /// Replaces one whole value known to be secret (a cookie, a credential), whatever its
    /// length.
    pub fn value(&mut self, kind: SecretKind, value: &str) -> String {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return value.to_string();
        }
        let (id, stand_in) = self.stand_in(kind, trimmed);
        self.count(id);
        value.replacen(trimmed, &stand_in, 1)
    }

    /// A header value with its secrets replaced: credentials and cookies part by part (the
    /// scheme, cookie names and attributes stay), other secret headers whole, any other
    /// header wherever a known secret appears in it.
    pub fn header(&mut self, name: &str, value: &str) -> String {
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "authorization" | "proxy-authorization" => match value.trim().split_once(' ') {
                Some((scheme, cred)) => {
                    let kind = if scheme.eq_ignore_ascii_case("bearer") {
                        SecretKind::AccessToken
                    } else {
                        SecretKind::Credentials
                    };
                    format!("{scheme} {}", self.value(kind, cred))
                }
                None => self.value(SecretKind::Credentials, value),
            },
            "cookie" => value
                .split(';')
                .map(|pair| self.cookie_pair(pair))
                .collect::<Vec<_>>()
                .join(";"),
            // One cookie a line (Firefox joins repeated Set-Cookie headers); after the first
            // `;` come attributes.
            "set-cookie" => value
                .split('\n')
                .map(|line| match line.split_once(';') {
                    Some((pair, attributes)) => {
                        format!("{};{}", self.cookie_pair(pair), self.text(attributes))
                    }
                    None => self.cookie_pair(line),
                })
                .collect::<Vec<_>>()
                .join("\n"),
            _ => match kind_of_header(&lower) {
                Some(kind) => self.value(kind, value),
                None => self.text(value),
            },
        }
    }

    fn cookie_pair(&mut self, pair: &str) -> String {
        match pair.split_once('=') {
            Some((name, value)) => format!("{name}={}", self.value(SecretKind::Cookie, value)),
            None => self.text(pair),
        }
    }

    /// Free text (a URL, a body, any string) with every known secret replaced, in whichever
    /// spelling it appears.
    pub fn text(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut hits = Vec::new();
        if let Some(p) = &self.long {
            let mut last = 0;
            for hit in p.automaton.find_iter(text) {
                let Some((replacement, id)) = p.replacements.get(hit.pattern().as_usize()) else {
                    continue;
                };
                out.push_str(text.get(last..hit.start()).unwrap_or_default());
                out.push_str(replacement);
                hits.push(*id);
                last = hit.end();
            }
            out.push_str(text.get(last..).unwrap_or_default());
        } else {
            out.push_str(text);
        }
        let out = self.whole_values(out, &mut hits);
        for id in hits {
            self.count(id);
        }
        out
    }

    /// Replaces short secrets where they stand as a whole value: between `=`, `"`, `:` or the
    /// start, and `&`, `"`, `#`, `;`, `\` or the end.
    fn whole_values(&self, text: String, hits: &mut Vec<usize>) -> String {
        let Some(p) = &self.short else {
            return text;
        };
        let bytes = text.as_bytes();
        let before_ok = |at: usize| at == 0 || matches!(bytes[at - 1], b'=' | b'"' | b':');
        let after_ok =
            |at: usize| at == bytes.len() || matches!(bytes[at], b'&' | b'"' | b'#' | b';' | b'\\');
        let mut found: Vec<(usize, usize, usize)> = p
            .automaton
            .find_overlapping_iter(&text)
            .filter(|m| before_ok(m.start()) && after_ok(m.end()))
            .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
            .collect();
        if found.is_empty() {
            return text;
        }
        found.sort_by_key(|&(start, end, _)| (start, std::cmp::Reverse(end)));
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for (start, end, pattern) in found {
            if start < last {
                continue;
            }
            let Some((replacement, id)) = p.replacements.get(pattern) else {
                continue;
            };
            out.push_str(text.get(last..start).unwrap_or_default());
            out.push_str(replacement);
            hits.push(*id);
            last = end;
        }
        out.push_str(text.get(last..).unwrap_or_default());
        out
    }

    /// What was replaced, by kind.
    pub fn tallies(&self) -> &BTreeMap<SecretKind, Tally> {
        &self.tallies
    }

    /// How many distinct values were already placeholders of this key and were kept.
    pub fn kept(&self) -> usize {
        self.kept
    }

    /// Every placeholder written so far.
    pub fn placeholders(&self) -> impl Iterator<Item = &str> {
        self.emitted.iter().map(String::as_str)
    }

    /// The tags of every placeholder written, sorted, for the output to record.
    pub fn tags(&self) -> Vec<String> {
        let tags: BTreeSet<String> = self
            .emitted
            .iter()
            .map(|p| self.placeholders.tag(p))
            .collect();
        tags.into_iter().collect()
    }
}

impl Patterns {
    fn build(items: Vec<(String, String, usize)>, kind: MatchKind) -> Option<Patterns> {
        if items.is_empty() {
            return None;
        }
        let automaton = AhoCorasick::builder()
            .match_kind(kind)
            .build(items.iter().map(|(s, _, _)| s))
            .ok()?;
        Some(Patterns {
            automaton,
            replacements: items.into_iter().map(|(_, r, id)| (r, id)).collect(),
        })
    }
}

/// Whether a value is a whole cookie header (`name=value; …`) rather than one cookie's value.
/// A base64 value's `=` padding does not count.
fn is_cookie_header(value: &str) -> bool {
    value.contains(';') || value.trim_end_matches('=').contains('=')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::placeholder::Key;

    fn placeholders() -> Placeholders {
        Placeholders::new(Key::from_bytes(b"a test key of some length").expect("key"))
    }

    #[test]
    fn every_spelling_becomes_the_same_spelling_of_one_placeholder() {
        let p = placeholders();
        let mut set = SecretSet::new();
        set.add(SecretKind::RefreshToken, "Atzr|abc/def+ghi=jkl");
        let mut r = Redactor::new(&set, &p, HashSet::new());
        let stand_in = p.placeholder(SecretKind::RefreshToken, "Atzr|abc/def+ghi=jkl");
        let form = r.text("grant_type=refresh_token&refresh_token=Atzr%7Cabc%2Fdef%2Bghi%3Djkl");
        let json = r.text(r#"{"refresh_token":"Atzr|abc\/def+ghi=jkl"}"#);
        assert!(
            !form.contains("abc") && !json.contains("abc"),
            "{form} {json}"
        );
        let decoded = crate::wire::form::pairs(&form);
        assert_eq!(decoded[1].1, stand_in);
        let parsed: serde_json::Value = serde_json::from_str(&json).expect("still JSON");
        assert_eq!(parsed["refresh_token"], stand_in.as_str());
        assert_eq!(
            r.tallies()[&SecretKind::RefreshToken],
            Tally {
                values: 1,
                places: 2
            }
        );
    }

    #[test]
    fn short_codes_only_where_they_stand_whole() {
        let p = placeholders();
        let mut set = SecretSet::new();
        set.add_identified(SecretKind::Code, "4821");
        let mut r = Redactor::new(&set, &p, HashSet::new());
        let out = r.text("https://x/cb?code=4821&port=14821&n=48210");
        assert!(!out.contains("=4821&"), "{out}");
        assert!(out.contains("14821") && out.contains("48210"), "{out}");
        assert_eq!(r.text("4821"), p.placeholder(SecretKind::Code, "4821"));
    }

    #[test]
    fn headers_keep_schemes_names_and_attributes() {
        let p = placeholders();
        let set = SecretSet::new();
        let mut r = Redactor::new(&set, &p, HashSet::new());
        let out = r.header("Set-Cookie", "sid=0000; Path=/; Secure\nb=xyz; HttpOnly");
        assert!(
            out.starts_with("sid=") && out.contains("; Path=/; Secure\nb="),
            "{out}"
        );
        assert!(!out.contains("0000") && !out.contains("xyz"), "{out}");
        let out = r.header("authorization", "Bearer tok");
        assert_eq!(
            out,
            format!("Bearer {}", p.placeholder(SecretKind::AccessToken, "tok"))
        );
        assert_eq!(r.header("Accept", "text/html"), "text/html");
    }

    #[test]
    fn known_placeholders_stay() {
        let p = placeholders();
        let mut set = SecretSet::new();
        set.add(SecretKind::Code, "ANabcdefghijklmnopqr");
        let mut r = Redactor::new(&set, &p, HashSet::new());
        let once = r.text("code=ANabcdefghijklmnopqr");
        let mut again = SecretSet::new();
        again.add(SecretKind::Code, once.trim_start_matches("code="));
        let mut r2 = Redactor::new(&again, &p, r.tags().into_iter().collect());
        assert_eq!(r2.text(&once), once);
        assert_eq!(
            (r2.kept(), r2.tallies().len()),
            (1, 0),
            "kept, not counted as replaced"
        );
    }
}
