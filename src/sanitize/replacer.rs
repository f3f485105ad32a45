//! What `sanitize` puts where the policy hides a value: a keyed placeholder, counted.
//!
//! The policy ([`crate::secret::policy`]) decides what is hidden; this decides what stands in
//! its place and keeps the books: how many distinct values of each kind were replaced and in
//! how many places, the tags of every placeholder written (recorded in the copy so a second
//! run with the same key recognises them), and which values already were placeholders of
//! this key (kept as they are).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::hash::BuildHasher;

// Every value replaced is hashed for the books, most twice: a fast hasher (SipHash, the
// standard one, was 4 % of a large sanitize). Its seed is random per run, as SipHash's was.
use foldhash::fast::RandomState;
use foldhash::{HashMap, HashSet as FastSet, HashSetExt};

use crate::secret::placeholder::Placeholders;
use crate::secret::policy::Replace;
use crate::secret::redact::Tally;
use crate::secret::SecretKind;
use crate::wire::form::decode as form_decode;

/// Placeholders are cached by value (an HMAC each is a good part of the cost on a large
/// capture, where cookies and session ids repeat); past this many bytes of values and
/// placeholders the cache starts over, so a capture of millions of distinct values (or of long
/// ones) cannot grow it without bound.
const CACHE_BYTES: usize = 4 << 20;

pub(super) struct Sanitizer<'p> {
    placeholders: &'p Placeholders,
    /// Tags an earlier run recorded: values whose tag is among them are kept.
    known: &'p HashSet<u64>,
    /// Artifacts the analysis identified, by value: replaced wherever they stand.
    identified: &'p Identified,
    /// Their lengths: most values the policy would show have none of them, and need no
    /// lookup.
    identified_lengths: Lengths,
    /// Placeholders already drawn, by value; see [`CACHE_BYTES`].
    cache: Cache,
    /// Hashes of the distinct values met, by kind (for the counts; never the values), with
    /// repeats until [`Book::distinct`] folds them.
    distinct: Book<(SecretKind, u64)>,
    kept_values: FastSet<u64>,
    hasher: RandomState,
    /// Places by kind; the distinct values are counted from `distinct` when asked.
    tallies: BTreeMap<SecretKind, Tally>,
    /// Tags of every placeholder in the copy (written or kept), with repeats.
    tags: Book<u64>,
    /// Every placeholder written, when asked for (tests and tooling; unbounded).
    written: Option<BTreeSet<String>>,
}

/// Values and their placeholders, held in one text and found by the value's hash: no
/// allocation per value, and starting over keeps the memory (an entry per value with two
/// boxed strings was allocated, hashed twice and freed one by one).
#[derive(Default)]
struct Cache {
    /// The value's hash (the books' hasher) → where the two stand in `text`.
    index: HashMap<u64, Cached>,
    /// Each cached value followed by its placeholder.
    text: String,
    /// Bytes counted against [`CACHE_BYTES`].
    bytes: usize,
}

#[derive(Clone, Copy)]
struct Cached {
    at: usize,
    value_len: usize,
    stand_in_len: usize,
    /// The kinds this value was counted as (bit per [`SecretKind`]) in `distinct` since it
    /// was cached: a repeat of one of them needs no second insert.
    counted: u64,
}

impl Cache {
    /// The cached entry of `value` (of hash `hash`), if cached.
    fn get(&mut self, hash: u64, value: &str) -> Option<&mut Cached> {
        let c = self.index.get_mut(&hash)?;
        (self.text.get(c.at..c.at + c.value_len) == Some(value)).then_some(c)
    }

    fn stand_in(&self, c: &Cached) -> &str {
        let start = c.at + c.value_len;
        &self.text[start..start + c.stand_in_len]
    }

    fn insert(&mut self, hash: u64, value: &str, stand_in: &str, counted: u64) {
        let bytes = value.len() + stand_in.len() + 64;
        if self.bytes + bytes > CACHE_BYTES {
            self.index.clear();
            self.text.clear();
            self.bytes = 0;
        }
        self.bytes += bytes;
        let at = self.text.len();
        self.text.push_str(value);
        self.text.push_str(stand_in);
        // (A value whose hash another holds takes its place.)
        self.index.insert(
            hash,
            Cached {
                at,
                value_len: value.len(),
                stand_in_len: stand_in.len(),
                counted,
            },
        );
    }

    fn clear(&mut self) {
        self.index.clear();
        self.text.clear();
        self.bytes = 0;
    }
}

/// Items appended as met, repeats and all, sorted and folded to distinct ones only when they
/// pile up (and at the end): an insert into a hash set of hundreds of thousands is a cache
/// miss at a random place, and two such sets per value were ≈ 6 % of a large sanitize.
/// Holds at most about twice the distinct items.
struct Book<T> {
    items: Vec<T>,
    /// The length past which the items are folded.
    fold_at: usize,
}

impl<T: Ord + Copy> Book<T> {
    const FIRST_FOLD: usize = 1 << 16;

    fn new() -> Self {
        Book {
            items: Vec::new(),
            fold_at: Self::FIRST_FOLD,
        }
    }

    fn push(&mut self, item: T) {
        self.items.push(item);
        if self.items.len() >= self.fold_at {
            self.fold();
            self.fold_at = (self.items.len() * 2).max(Self::FIRST_FOLD);
        }
    }

    /// Adds the items of other books (each folded on its own thread, so their items are
    /// sorted runs), folding once.
    fn append_all(&mut self, others: Vec<Vec<T>>) {
        self.items
            .reserve(others.iter().map(Vec::len).sum::<usize>());
        for mut items in others {
            self.items.append(&mut items);
        }
        self.fold();
    }

    /// Sorts the items and drops repeats. (A stable sort: it finds the runs already sorted
    /// by an earlier fold or another thread's books and merges them, instead of sorting
    /// everything anew.)
    fn fold(&mut self) {
        self.items.sort();
        self.items.dedup();
    }

    /// The distinct items, sorted.
    fn distinct(&mut self) -> &[T] {
        self.fold();
        &self.items
    }

    fn clear(&mut self) {
        self.items.clear();
        self.fold_at = Self::FIRST_FOLD;
    }
}

/// A set of lengths, as bits (a length past the last bit is always in it).
#[derive(Clone)]
struct Lengths([u64; 64]);

impl Lengths {
    const BITS: usize = 64 * 64;

    fn of(identified: &Identified) -> Lengths {
        let mut bits = [0u64; 64];
        for value in identified.keys() {
            let n = value.len().min(Self::BITS - 1);
            bits[n / 64] |= 1 << (n % 64);
        }
        Lengths(bits)
    }

    fn may_hold(&self, len: usize) -> bool {
        let n = len.min(Self::BITS - 1);
        self.0[n / 64] & (1 << (n % 64)) != 0
    }
}

/// `kind`'s bit in [`Cached::counted`] (none past 64 kinds: always counted then).
fn kind_bit(kind: SecretKind) -> u64 {
    1u64.checked_shl(kind as u32).unwrap_or(0)
}

/// The artifacts the analysis of a capture identified (codes, tokens), by value.
pub(super) type Identified = HashMap<String, SecretKind>;

/// Identified artifacts shorter than this are left to the policy: a one- or two-character
/// "code" would hide every small number of the capture.
const IDENTIFIED_MIN: usize = 3;

/// The codes and tokens of `analysis`, for [`Replace::identified`].
pub(super) fn identified(analysis: &crate::flow::Analysis) -> Identified {
    use crate::flow::TokenKind;
    let codes = analysis.codes.iter().map(|c| (&c.value, SecretKind::Code));
    let tokens = analysis.tokens.iter().map(|t| {
        let kind = match t.kind {
            TokenKind::Access => SecretKind::AccessToken,
            TokenKind::Refresh => SecretKind::RefreshToken,
            TokenKind::Id => SecretKind::IdToken,
        };
        (&t.value, kind)
    });
    codes
        .chain(tokens)
        .filter(|(v, _)| v.chars().count() >= IDENTIFIED_MIN)
        .map(|(v, k)| (v.clone(), k))
        .collect()
}

/// The tags an earlier run recorded (12 hex digits each, see [`Placeholders::tag`]), as
/// numbers.
pub(super) fn known_tags(tags: &[String]) -> HashSet<u64> {
    tags.iter()
        .filter_map(|t| u64::from_str_radix(t, 16).ok())
        .collect()
}

impl<'p> Sanitizer<'p> {
    pub fn new(
        placeholders: &'p Placeholders,
        known: &'p HashSet<u64>,
        identified: &'p Identified,
        record: bool,
    ) -> Self {
        Sanitizer {
            placeholders,
            known,
            identified,
            identified_lengths: Lengths::of(identified),
            cache: Cache::default(),
            distinct: Book::new(),
            kept_values: FastSet::new(),
            hasher: RandomState::default(),
            tallies: BTreeMap::new(),
            tags: Book::new(),
            written: record.then(BTreeSet::new),
        }
    }

    fn tag(&self, placeholder: &str) -> u64 {
        self.placeholders.tag_number(placeholder)
    }

    /// Whether `value` is a placeholder an earlier run with this key wrote.
    fn is_known(&self, value: &str) -> bool {
        !self.known.is_empty() && self.known.contains(&self.tag(value))
    }

    fn count(&mut self, kind: SecretKind, value: &str) {
        let hash = self.hasher.hash_one(value);
        self.count_hashed(kind, hash, true);
    }

    /// Counts a place of the value of hash `hash`; `new_kind` unless it is known to be
    /// counted as `kind` already.
    fn count_hashed(&mut self, kind: SecretKind, hash: u64, new_kind: bool) {
        self.tallies.entry(kind).or_default().places += 1;
        if new_kind {
            self.distinct.push((kind, hash));
        }
    }

    fn keep(&mut self, value: &str) {
        self.kept_values.insert(self.hasher.hash_one(value));
        self.tags.push(self.tag(value));
        self.note_written(value);
    }

    fn note_written(&mut self, placeholder: &str) {
        if let Some(w) = &mut self.written {
            if !w.contains(placeholder) {
                w.insert(placeholder.to_string());
            }
        }
    }

    /// Forgets the counts (not the tags): after a dry pass that only learnt the tags.
    pub fn reset_counts(&mut self) {
        // (The cache knows which kinds were counted.)
        self.cache.clear();
        self.tallies.clear();
        self.distinct.clear();
        self.kept_values.clear();
    }

    /// What was replaced, by kind: the places, and the distinct values of each.
    pub fn tallies(&mut self) -> BTreeMap<SecretKind, Tally> {
        let mut tallies = self.tallies.clone();
        // (Sorted by kind first: a count per run of one kind, not a lookup per value.)
        for run in self.distinct.distinct().chunk_by(|a, b| a.0 == b.0) {
            tallies.entry(run[0].0).or_default().values += run.len();
        }
        tallies
    }

    pub fn kept(&self) -> usize {
        self.kept_values.len()
    }

    /// The tags of the copy's placeholders, sorted, as the mark records them (as 12 hex
    /// digits each).
    pub fn tag_numbers(&mut self) -> Vec<u64> {
        let mut tags: Vec<u64> = self.tags.distinct().to_vec();
        // A kept placeholder proves the key is the earlier run's: its tags all still hold,
        // also of placeholders this run did not meet as one value (the policy may now find
        // a placeholder's text safe, e.g. a fragment of letters only).
        if !self.kept_values.is_empty() {
            tags.extend(self.known.iter().copied());
            tags.sort_unstable();
            tags.dedup();
        }
        tags
    }

    pub fn take_written(&mut self) -> BTreeSet<String> {
        self.written.take().unwrap_or_default()
    }

    /// A sanitizer for another thread: the same key, known tags and value hasher (so their
    /// books can be [`Sanitizer::merge`]d), its own cache and empty books.
    pub fn fork(&self) -> Sanitizer<'p> {
        Sanitizer {
            placeholders: self.placeholders,
            known: self.known,
            identified: self.identified,
            identified_lengths: self.identified_lengths.clone(),
            cache: Cache::default(),
            distinct: Book::new(),
            kept_values: FastSet::new(),
            hasher: self.hasher.clone(),
            tallies: BTreeMap::new(),
            tags: Book::new(),
            written: self.written.as_ref().map(|_| BTreeSet::new()),
        }
    }

    /// Folds the books (on the thread that kept them, so that merging them is a merge of
    /// sorted runs).
    pub fn settle(&mut self) {
        self.distinct.fold();
        self.tags.fold();
    }

    /// Adds the books of [`Sanitizer::fork`]s to these: places add up, distinct values are
    /// counted once whichever met them. The two long books (distinct values, tags) are folded
    /// side by side on rayon's threads: this is the serial end of a large copy.
    pub fn merge(&mut self, forks: Vec<Sanitizer<'p>>) {
        let mut distinct = Vec::with_capacity(forks.len());
        let mut tags = Vec::with_capacity(forks.len());
        for mut other in forks {
            for (kind, t) in &other.tallies {
                self.tallies.entry(*kind).or_default().places += t.places;
            }
            self.kept_values.extend(other.kept_values.drain());
            if let (Some(mine), Some(theirs)) = (&mut self.written, &mut other.written) {
                mine.append(theirs);
            }
            distinct.push(std::mem::take(&mut other.distinct.items));
            tags.push(std::mem::take(&mut other.tags.items));
        }
        let (mine_distinct, mine_tags) = (&mut self.distinct, &mut self.tags);
        rayon::join(
            || mine_distinct.append_all(distinct),
            || mine_tags.append_all(tags),
        );
    }
}

impl Replace for Sanitizer<'_> {
    fn replace(&mut self, kind: SecretKind, value: &str) -> String {
        let mut out = String::new();
        self.replace_into(kind, value, &mut out);
        out
    }

    fn replace_into(&mut self, kind: SecretKind, value: &str, out: &mut String) {
        // A placeholder of this key (a second run) is kept and not counted as replaced.
        if self.is_known(value) {
            self.keep(value);
            out.push_str(value);
            return;
        }
        // The value is hashed once, for the counts and the cache.
        let hash = self.hasher.hash_one(value);
        // Only Basic credentials' placeholders depend on the kind; they are not cached.
        let cacheable = kind != SecretKind::Credentials;
        if cacheable {
            if let Some(c) = self.cache.get(hash, value) {
                let bit = kind_bit(kind);
                let new_kind = c.counted & bit == 0;
                c.counted |= bit;
                let c = *c;
                self.count_hashed(kind, hash, new_kind);
                // (Its tag went into `tags` when it was cached.)
                out.push_str(self.cache.stand_in(&c));
                if self.written.is_some() {
                    let stand_in = self.cache.stand_in(&c).to_string();
                    self.note_written(&stand_in);
                }
                return;
            }
        }
        self.count_hashed(kind, hash, true);
        let stand_in = self.placeholders.placeholder(kind, value);
        let tag = self.tag(&stand_in);
        self.tags.push(tag);
        self.note_written(&stand_in);
        if cacheable {
            self.cache.insert(hash, value, &stand_in, kind_bit(kind));
        }
        out.push_str(&stand_in);
    }

    fn html_page(&mut self, text: &str) -> Option<String> {
        super::form_post::rebuild(text, self)
    }

    fn identified(&self, value: &str) -> Option<SecretKind> {
        if self.identified.is_empty() || !self.identified_lengths.may_hold(value.len()) {
            return None;
        }
        self.identified.get(value).copied()
    }

    fn basic(&mut self, encoded: &str, _id: &str, secret: &str) -> String {
        // The secret inside stands elsewhere form-decoded: its placeholder (and tag) is the
        // one a token request's `client_secret` gets.
        let decoded = form_decode(secret);
        if self.is_known(&decoded) {
            self.kept_values.insert(self.hasher.hash_one(encoded));
            self.tags.push(self.tag(&decoded));
            return encoded.to_string();
        }
        self.count(SecretKind::Credentials, encoded);
        let inner = self
            .placeholders
            .placeholder(SecretKind::ClientSecret, &decoded);
        self.tags.push(self.tag(&inner));
        self.note_written(&inner);
        let stand_in = self
            .placeholders
            .placeholder(SecretKind::Credentials, encoded);
        self.note_written(&stand_in);
        stand_in
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The books count each item once however often it came, across folds and merges, as
    /// the hash sets they replaced did.
    #[test]
    fn a_book_holds_each_item_once() {
        let mut a: Book<u64> = Book::new();
        let mut b: Book<u64> = Book::new();
        let mut all = BTreeSet::new();
        // Enough to fold several times, with repeats near and far apart.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..300_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let item = x % 150_000;
            all.insert(item);
            if i % 3 == 0 {
                b.push(item);
            } else {
                a.push(item);
            }
            assert!(a.items.len() <= 2 * 150_000 + Book::<u64>::FIRST_FOLD);
        }
        a.append_all(vec![std::mem::take(&mut b.items), Vec::new()]);
        assert_eq!(a.distinct(), all.iter().copied().collect::<Vec<_>>());
        a.clear();
        assert!(a.distinct().is_empty());
    }

    /// Stand-ins written in place are the placeholders, whether drawn or from the cache
    /// (values repeated, of several kinds, and enough to start the cache over), and the books
    /// count them as `replace` does; identified artifacts are found whatever their length.
    #[test]
    fn stand_ins_written_in_place_are_the_placeholders() {
        use crate::secret::placeholder::Key;
        let p = Placeholders::new(Key::from_bytes(b"0123456789abcdef-in-place").expect("key"));
        let known = HashSet::new();
        let mut identified = Identified::default();
        identified.insert("ANcodeOfTwentyLetters".into(), SecretKind::Code);
        identified.insert("x".repeat(5000), SecretKind::AccessToken);
        let mut by_ref = Sanitizer::new(&p, &known, &identified, true);
        let mut in_place = Sanitizer::new(&p, &known, &identified, true);
        let kinds = [
            SecretKind::Cookie,
            SecretKind::Value,
            SecretKind::Credentials,
        ];
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut out = String::from("before:");
        for i in 0..60_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Long values now and then, so the cache starts over.
            let value = if i % 500 == 0 {
                format!("{:0>300}", x % 1000)
            } else {
                format!("v{} w-{}", x % 20_000, x % 7)
            };
            let kind = kinds[(x % 3) as usize];
            let expected = p.placeholder(kind, &value);
            assert_eq!(by_ref.replace(kind, &value), expected);
            let at = out.len();
            in_place.replace_into(kind, &value, &mut out);
            assert_eq!(&out[at..], expected);
        }
        assert!(out.starts_with("before:"));
        assert_eq!(by_ref.tallies(), in_place.tallies());
        assert_eq!(by_ref.tag_numbers(), in_place.tag_numbers());
        assert_eq!(by_ref.take_written(), in_place.take_written());
        for (value, kind) in &identified {
            assert_eq!(in_place.identified(value), Some(*kind));
        }
        assert_eq!(in_place.identified("ANcodeOfTwentyLetterz"), None);
        assert_eq!(in_place.identified(&"x".repeat(4999)), None);
    }

    /// Distinct values by kind: a value counted under two kinds counts once for each, and
    /// repeats and a fork's books merged count once.
    #[test]
    fn values_are_counted_once_per_kind() {
        use crate::secret::placeholder::Key;
        let p = Placeholders::new(Key::from_bytes(b"0123456789abcdef-books").expect("key"));
        let (known, identified) = (HashSet::new(), Identified::default());
        let mut main = Sanitizer::new(&p, &known, &identified, false);
        let mut fork = main.fork();
        for _ in 0..3 {
            main.replace(SecretKind::Cookie, "value-one-0123456789");
            fork.replace(SecretKind::Cookie, "value-one-0123456789");
            fork.replace(SecretKind::Password, "value-one-0123456789");
            fork.replace(SecretKind::Cookie, "value-two-0123456789");
        }
        main.merge(vec![fork]);
        let tallies = main.tallies();
        assert_eq!(
            (
                tallies[&SecretKind::Cookie].values,
                tallies[&SecretKind::Cookie].places
            ),
            (2, 9)
        );
        assert_eq!(
            (
                tallies[&SecretKind::Password].values,
                tallies[&SecretKind::Password].places
            ),
            (1, 3)
        );
        // Two distinct placeholders, two tags.
        assert_eq!(main.tag_numbers().len(), 2);
    }
}
