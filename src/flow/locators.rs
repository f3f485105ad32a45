//! Where each step's facts appear in its entry, kept small: a dense oauth log has tens of
//! thousands of steps with about ten located fields each, and a label is drawn for a few of
//! them. A needle that is a code's or a token's value points at the artifact (the value is
//! already kept once in the analysis); any other needle is a piece of one shared text. A
//! [`Locator`] is made only when a finding asks for one.

use std::collections::HashMap;
use std::hash::BuildHasher;

use crate::finding::{Area, Locator};

/// The areas reconstruction locates facts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum At {
    Url,
    Authorization,
    RequestBody,
    ResponseBody,
    Location,
}

impl At {
    fn area(self) -> Area {
        match self {
            At::Url => Area::Url,
            At::Authorization => Area::RequestHeader("Authorization".into()),
            At::RequestBody => Area::RequestBody,
            At::ResponseBody => Area::ResponseBody,
            At::Location => Area::Location,
        }
    }
}

/// A needle: the value of a code or a token of the analysis, or a piece of the shared text
/// (its index in [`Locators::pieces`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Needle {
    Code(u32),
    Token(u32),
    Text(u32),
}

/// Which table a [`Located`]'s index is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Of {
    Code,
    Token,
    Text,
}

/// 12 bytes: the field is an index into [`Locators::fields`], the needle an index into the
/// table `of` names (a dense log has a quarter of a million of these at 200 MB).
#[derive(Debug, Clone, Copy)]
struct Located {
    step: u32,
    index: u32,
    field: u8,
    at: At,
    of: Of,
}

impl Located {
    fn needle(&self) -> Needle {
        match self.of {
            Of::Code => Needle::Code(self.index),
            Of::Token => Needle::Token(self.index),
            Of::Text => Needle::Text(self.index),
        }
    }
}

/// The locators of every step, in step order; the first one recorded for a field wins.
#[derive(Debug, Default)]
pub struct Locators {
    located: Vec<Located>,
    /// The names of the fields located, each once.
    fields: Vec<&'static str>,
    /// Every distinct piece of text located, one after another.
    text: String,
    /// Where each piece is in `text` (start, length).
    pieces: Vec<(u32, u32)>,
    /// Pieces by the hash of their text: a log's steps repeat the same texts (the endpoint's
    /// URL, `client_id=…`, `redirect_uri=…`), which are kept once.
    by_hash: HashMap<u64, u32, foldhash::fast::FixedState>,
    /// Where [`Locators::text`] joins a text's parts, kept for the next.
    scratch: String,
    /// The piece [`Locators::locate`] last found for each field, by field index.
    last: Vec<Option<u32>>,
    /// Whether `located` is in step order (reconstruction locates the step it just made; a
    /// locator for an earlier step is sorted into place by [`Locators::finish`]).
    unsorted: bool,
}

impl Locators {
    /// Records where `field` of `step` is, unless the step already has it.
    pub(crate) fn add(&mut self, step: usize, field: &'static str, at: At, needle: Needle) {
        if let Some(field) = self.field_index(field) {
            self.add_field(step, field, at, needle);
        }
    }

    /// Records that `field` of `step` is the text of `parts` joined (nothing when it is empty):
    /// [`Locators::text`] and [`Locators::add`] in one, with the field's last text compared
    /// first (a log's steps mostly locate a field at the text the step before had: the
    /// endpoint's URL, `client_id=…`), which costs less than hashing it.
    pub(crate) fn locate(&mut self, step: usize, field: &'static str, at: At, parts: &[&str]) {
        if parts.iter().all(|p| p.is_empty()) {
            return;
        }
        let Some(f) = self.field_index(field) else {
            return;
        };
        let last = self.last.get(usize::from(f)).copied().flatten();
        let piece = match last.filter(|&i| self.piece_is(i, parts)) {
            Some(i) => i,
            None => {
                let Some(Needle::Text(i)) = self.text(parts) else {
                    return;
                };
                if self.last.len() <= usize::from(f) {
                    self.last.resize(usize::from(f) + 1, None);
                }
                self.last[usize::from(f)] = Some(i);
                i
            }
        };
        self.add_field(step, f, at, Needle::Text(piece));
    }

    /// Whether piece `i` is the text of `parts` joined.
    fn piece_is(&self, i: u32, parts: &[&str]) -> bool {
        let mut rest = self.piece(i);
        for p in parts {
            match rest.strip_prefix(p) {
                Some(r) => rest = r,
                None => return false,
            }
        }
        rest.is_empty()
    }

    fn add_field(&mut self, step: usize, field: u8, at: At, needle: Needle) {
        let Ok(step) = u32::try_from(step) else {
            return;
        };
        let of_step = self.located.iter().rev().take_while(|l| l.step == step);
        if of_step.clone().any(|l| l.field == field) {
            return;
        }
        if self.located.last().is_some_and(|l| l.step > step) {
            // Not the latest step: the first one recorded must still win once sorted.
            if self
                .located
                .iter()
                .any(|l| l.step == step && l.field == field)
            {
                return;
            }
            self.unsorted = true;
        }
        let (of, index) = match needle {
            Needle::Code(i) => (Of::Code, i),
            Needle::Token(i) => (Of::Token, i),
            Needle::Text(i) => (Of::Text, i),
        };
        self.located.push(Located {
            step,
            index,
            field,
            at,
            of,
        });
    }

    /// The index of a field's name, added when new (`None` past 256 names: reconstruction
    /// locates about twenty).
    fn field_index(&mut self, name: &'static str) -> Option<u8> {
        // By address first: a name is nearly always the very literal recorded before (a
        // comparison of two words, where the texts' cost a call each). An equal text at
        // another address is found by the second search.
        let same = |f: &&str| f.as_ptr() == name.as_ptr() && f.len() == name.len();
        let found = self.fields.iter().position(same);
        if let Some(i) = found.or_else(|| self.fields.iter().position(|f| *f == name)) {
            return u8::try_from(i).ok();
        }
        let i = u8::try_from(self.fields.len()).ok()?;
        self.fields.push(name);
        Some(i)
    }

    fn name(&self, field: u8) -> &'static str {
        self.fields.get(usize::from(field)).copied().unwrap_or("")
    }

    /// A needle that is a piece of text (not a code's or a token's value): the text of
    /// `parts` joined, kept once in the shared text however many steps locate it; `None`
    /// when the text is empty (nothing to find) or too long to index.
    pub(crate) fn text(&mut self, parts: &[&str]) -> Option<Needle> {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        let start = u32::try_from(self.text.len()).ok()?;
        let len32 = u32::try_from(len).ok()?;
        if len == 0 || start.checked_add(len32).is_none() {
            return None;
        }
        // Joined in a scratch buffer first, so the same text cut into other parts is the same
        // piece (a text of one part is its own join).
        let mut scratch = std::mem::take(&mut self.scratch);
        let joined = match parts {
            [one] => one,
            _ => {
                scratch.clear();
                for p in parts {
                    scratch.push_str(p);
                }
                scratch.as_str()
            }
        };
        let hash = foldhash::fast::FixedState::default().hash_one(joined);
        let found = self
            .by_hash
            .get(&hash)
            .copied()
            .filter(|&i| self.piece(i) == joined);
        let needle = match found {
            Some(i) => Some(Needle::Text(i)),
            None => u32::try_from(self.pieces.len()).ok().map(|i| {
                self.text.push_str(joined);
                self.pieces.push((start, len32));
                // A different text with the same hash keeps the first in the table
                // (practically never: the second is still kept, only not shared).
                self.by_hash.entry(hash).or_insert(i);
                Needle::Text(i)
            }),
        };
        self.scratch = scratch;
        needle
    }

    /// Puts the locators in step order, keeping the order they were recorded in within a step.
    pub(crate) fn finish(&mut self) {
        if self.unsorted {
            self.located.sort_by_key(|l| l.step);
            self.unsorted = false;
        }
        self.located.shrink_to_fit();
        self.text.shrink_to_fit();
        self.pieces.shrink_to_fit();
        // Only `text` adds pieces, and nothing locates after reconstruction.
        self.by_hash = HashMap::default();
        self.scratch = String::new();
        self.last = Vec::new();
    }

    fn of_step(&self, step: usize) -> &[Located] {
        let Ok(step) = u32::try_from(step) else {
            return &[];
        };
        let from = self.located.partition_point(|l| l.step < step);
        let to = from + self.located[from..].partition_point(|l| l.step == step);
        &self.located[from..to]
    }

    /// Every located field, with its step.
    pub fn steps(&self) -> impl Iterator<Item = (usize, &'static str)> + '_ {
        self.located
            .iter()
            .map(|l| (l.step as usize, self.name(l.field)))
    }

    /// A piece of the shared text.
    fn piece(&self, i: u32) -> &str {
        let Some(&(start, len)) = self.pieces.get(i as usize) else {
            return "";
        };
        let (start, len) = (start as usize, len as usize);
        self.text.get(start..start + len).unwrap_or("")
    }
}

impl super::Analysis {
    /// Where `field` of `step` appears in its entry, for a label.
    pub fn locator(&self, step: usize, field: &str) -> Option<Locator> {
        let l = self
            .locators
            .of_step(step)
            .iter()
            .find(|l| self.locators.name(l.field) == field)?;
        let needle = match l.needle() {
            Needle::Code(i) => self.codes.get(i as usize)?.value.as_str(),
            Needle::Token(i) => self.tokens.get(i as usize)?.value.as_str(),
            Needle::Text(i) => self.locators.piece(i),
        };
        (!needle.is_empty()).then(|| Locator {
            area: l.at.area(),
            needle: needle.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_locator_of_a_field_wins_in_any_order() {
        let mut l = Locators::default();
        let a = l.text(&["client_id=", "abc"]).expect("text");
        let b = l.text(&["other"]).expect("text");
        l.add(2, "client_id", At::Url, a);
        l.add(2, "client_id", At::RequestBody, b);
        l.add(0, "url", At::Location, b);
        l.add(0, "url", At::Url, a);
        l.add(3, "bearer", At::Authorization, Needle::Token(0));
        l.finish();
        assert_eq!(l.of_step(2).len(), 1);
        assert_eq!(l.of_step(2)[0].at, At::Url);
        assert_eq!(l.piece(0), "client_id=abc");
        assert_eq!(l.of_step(0)[0].at, At::Location);
        assert_eq!(l.of_step(0).len(), 1);
        assert!(l.of_step(1).is_empty());
        assert_eq!(
            l.steps().collect::<Vec<_>>(),
            [(0, "url"), (2, "client_id"), (3, "bearer")]
        );
        assert_eq!(std::mem::size_of::<Located>(), 12);
        assert!(l.text(&["", ""]).is_none());
    }

    #[test]
    fn a_text_located_again_is_kept_once() {
        let mut l = Locators::default();
        let a = l.text(&["client_id=", "abc"]).expect("text");
        // The same text, however it is cut into parts, is the same piece.
        assert_eq!(l.text(&["client_id=abc"]), Some(a));
        assert_eq!(l.text(&["client", "_id=", "abc"]), Some(a));
        // A different text, even one the first starts with or that has its length, is not.
        let b = l.text(&["client_id=ab"]).expect("text");
        let c = l.text(&["client_id=abd"]).expect("text");
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_ne!(b, c);
        assert_eq!(l.text, "client_id=abcclient_id=abclient_id=abd");
        for (step, needle) in [(0, a), (1, b), (2, c), (3, a)] {
            l.add(step, "client_id", At::Url, needle);
        }
        l.finish();
        let pieces: Vec<&str> = (0..4).map(|s| l.piece_of(s)).collect();
        assert_eq!(
            pieces,
            [
                "client_id=abc",
                "client_id=ab",
                "client_id=abd",
                "client_id=abc"
            ]
        );
    }

    /// A field's name is one field whatever its address: the search by address only finds it
    /// sooner.
    #[test]
    fn a_name_at_another_address_is_the_same_field() {
        let mut l = Locators::default();
        let other: &'static str = Box::leak(String::from("client_id").into_boxed_str());
        assert_ne!(other.as_ptr(), "client_id".as_ptr());
        let a = l.text(&["a"]).expect("text");
        let b = l.text(&["b"]).expect("text");
        l.add(0, "url", At::Url, a);
        l.add(0, "client_id", At::Url, a);
        l.add(0, other, At::RequestBody, b);
        l.add(1, other, At::RequestBody, b);
        l.add(1, "client_id", At::Url, a);
        // One part or several, the same text is the same piece.
        assert_eq!(l.text(&["ab"]), l.text(&["a", "b"]));
        l.finish();
        assert_eq!(l.fields, ["url", "client_id"]);
        assert_eq!(l.of_step(0).len(), 2);
        assert_eq!(l.of_step(0)[1].at, At::Url);
        assert_eq!(l.of_step(1).len(), 1);
        assert_eq!(l.of_step(1)[0].at, At::RequestBody);
    }

    /// `locate` records what `text` and `add` record, whatever the order of fields and texts
    /// (the last text of a field found again, or another, or the same cut differently).
    #[test]
    fn locating_is_finding_the_text_and_adding_it() {
        let fields = ["url", "client_id", "code", "state"];
        let texts: [&[&str]; 7] = [
            &["client_id=", "abc"],
            &["client_id=abc"],
            &["client_id=", "abd"],
            &["https://h/p"],
            &["", ""],
            &["a", "", "b"],
            &["ab"],
        ];
        let (mut by_locate, mut by_parts) = (Locators::default(), Locators::default());
        // A fixed sequence that visits every field with every text, steps going up and
        // sometimes back.
        let mut x: u64 = 7;
        let mut step = 0usize;
        for _ in 0..5_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let field = fields[(x >> 33) as usize % fields.len()];
            let parts = texts[(x >> 40) as usize % texts.len()];
            let at = [At::Url, At::RequestBody][(x >> 50) as usize % 2];
            match (x >> 55) % 8 {
                0 => step += 1,
                1 => step = step.saturating_sub(1),
                _ => {}
            }
            by_locate.locate(step, field, at, parts);
            if let Some(needle) = by_parts.text(parts) {
                by_parts.add(step, field, at, needle);
            }
        }
        by_locate.finish();
        by_parts.finish();
        let resolved = |l: &Locators| -> Vec<(u32, &'static str, At, String)> {
            l.located
                .iter()
                .map(|x| {
                    let Needle::Text(i) = x.needle() else {
                        panic!("only texts")
                    };
                    (x.step, l.name(x.field), x.at, l.piece(i).to_string())
                })
                .collect()
        };
        assert!(by_parts.located.len() > 100);
        assert_eq!(resolved(&by_locate), resolved(&by_parts));
    }

    impl Locators {
        fn piece_of(&self, step: usize) -> &str {
            match self.of_step(step)[0].needle() {
                Needle::Text(i) => self.piece(i),
                _ => "",
            }
        }
    }
}
