//! Which of the values the policy does not show a text holds (`rules::eval::unshown`).
//!
//! A finding's message and help are searched for every authorize request's `state` and
//! `code_challenge` and every answer's `state`: a 200 MB log holds tens of thousands, and a
//! substring search for each in every text was a serial pass over all of them per text.
//! The values are few lengths: each window of the text of such a length is looked up instead.

use foldhash::{HashSet, HashSetExt};

use super::super::{Analysis, Detail};

/// Past this many distinct lengths, windows cost more than a search per value.
const MAX_LENGTHS: usize = 48;

pub struct Unshown<'a> {
    /// Non-empty, in step order, repeated as the steps repeat them.
    values: Vec<&'a str>,
    set: HashSet<&'a [u8]>,
    lengths: Vec<usize>,
}

impl<'a> Unshown<'a> {
    /// The values of `a` the policy does not show: of each authorize request its `state` and
    /// `code_challenge`, of each answer its `state`.
    pub fn of(a: &'a Analysis) -> Unshown<'a> {
        let mut values = Vec::new();
        for step in &a.steps {
            match &step.detail {
                Detail::Authorize(x) => values.extend(
                    [x.state.as_deref(), x.code_challenge.as_deref()]
                        .into_iter()
                        .flatten(),
                ),
                Detail::Answer(x) => values.extend(x.state.as_deref()),
                _ => {}
            }
        }
        Unshown::new(values)
    }

    fn new(mut values: Vec<&'a str>) -> Unshown<'a> {
        values.retain(|v| !v.is_empty());
        let set: HashSet<&[u8]> = values.iter().map(|v| v.as_bytes()).collect();
        let mut lengths: Vec<usize> = set.iter().map(|v| v.len()).collect();
        lengths.sort_unstable();
        lengths.dedup();
        Unshown {
            values,
            set,
            lengths,
        }
    }

    /// The values `text` holds, in their order (with their repeats): those for which
    /// `text.contains(value)`.
    pub fn held_by(&self, text: &str) -> Vec<&'a str> {
        if self.lengths.len() > MAX_LENGTHS {
            return self.plain(text);
        }
        let t = text.as_bytes();
        let mut found: HashSet<&[u8]> = HashSet::new();
        for &n in self.lengths.iter().take_while(|n| **n <= t.len()) {
            for w in t.windows(n) {
                if let Some(v) = self.set.get(w) {
                    found.insert(v);
                }
            }
        }
        if found.is_empty() {
            return Vec::new();
        }
        self.values
            .iter()
            .copied()
            .filter(|v| found.contains(v.as_bytes()))
            .collect()
    }

    /// [`Unshown::held_by`] by its definition.
    fn plain(&self, text: &str) -> Vec<&'a str> {
        self.values
            .iter()
            .copied()
            .filter(|v| text.contains(*v))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Windows find what a search for each value finds: values of a few lengths and of many
    /// (the fallback), repeated, empty, inside each other and two-byte characters, in texts
    /// made of them, their pieces and other words.
    #[test]
    fn windows_find_what_each_values_search_finds() {
        let mut random = crate::xorshift(0x2545_f491_4f6c_dd1d_u64);
        let mut next = move |n: u64| random() % n;
        let letters = ["a", "b", "é", "-", "Z", "\"", " "];
        let word = |len: u64, next: &mut dyn FnMut(u64) -> u64| -> String {
            (0..len).map(|_| letters[next(7) as usize]).collect()
        };
        let (mut held, mut checked) = (0, 0);
        for round in 0..300 {
            // A few lengths, or (every tenth round) more than the windows take.
            let lengths = if round % 10 == 0 { 60 } else { 1 + next(4) };
            let values: Vec<String> = (0..1 + next(30))
                .map(|i| word(i % lengths + next(2) * 3, &mut next))
                .collect();
            let mut refs: Vec<&str> = values.iter().map(String::as_str).collect();
            if round % 3 == 0 {
                refs.push("");
                refs.extend(values.iter().take(3).map(String::as_str));
            }
            let unshown = Unshown::new(refs);
            for _ in 0..20 {
                let mut text = String::new();
                for _ in 0..next(6) {
                    match next(3) {
                        0 => text.push_str(&word(next(12), &mut next)),
                        1 => {
                            let v = &values[next(values.len() as u64) as usize];
                            text.push_str(v);
                        }
                        _ => {
                            let v = &values[next(values.len() as u64) as usize];
                            let cut = v
                                .char_indices()
                                .nth(v.chars().count() / 2)
                                .map_or(0, |c| c.0);
                            text.push_str(&v[..cut]);
                        }
                    }
                }
                let found = unshown.held_by(&text);
                assert_eq!(found, unshown.plain(&text), "{text:?}");
                held += found.len();
                checked += 1;
            }
        }
        assert!(
            held > 1000 && checked == 6000,
            "{held} values held in {checked} texts"
        );
    }
}
