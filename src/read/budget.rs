//! What decompressing one input may cost: `--max-decompressed-size` and `--max-archive-members`
//! as a budget that the input's gzip streams, archive members and nested archives draw on, and
//! what is reported where it runs out.
//!
//! One budget per input the user names (a file, a file found in a directory, standard input):
//!
//! - **Bytes.** A `.gz` file, the tar inside a `.tar.gz`, and the members of a zip (a Fiddler
//!   `.saz` too) together decompress to at most `max_decompressed_size`. A zip's members are
//!   read lazily and in parallel, so each gets its share up front, in archive order, from the
//!   size its entry declares; a member that inflates past its declared size is a broken member,
//!   so the shares are a true bound and the outcome does not depend on thread scheduling.
//! - **Members.** An archive lists at most `max_archive_members` members (directories and
//!   hidden files aside); the rest are one error naming the archive, the count and the flag.
//!   The sessions of a `.saz` are one capture's parts, not members: its size bounds it.
//! - **Nesting.** An archive or gzip stream inside an archive (a `.har.gz` in a zip, a zip in
//!   a tar) is opened when its member is read, with what its parent had left at that member:
//!   the bytes not yet allotted and the members not yet listed. Its own members and bytes count
//!   against that, so no branch of an input goes past either limit; siblings opened in parallel
//!   each start from their own position's remainder. Nesting stops at [`MAX_NESTING`] levels
//!   (fixed), which also ends a self-containing archive (a zip or gzip quine).

use std::io::Read;
use std::sync::Arc;

use super::ReadError;
use crate::limits::{size_words, Limit, LimitHit, Limits};
use crate::model::Capture;

/// Archives and gzip streams opened inside one another, at most. Real captures are zipped or
/// gzipped once, sometimes a `.har.gz` inside a zip: two levels.
pub const MAX_NESTING: usize = 8;

/// What decompression may still cost within one input.
#[derive(Debug, Clone)]
pub struct Budget {
    /// Bytes decompression may still produce.
    pub bytes: u64,
    /// Archive members that may still be listed.
    pub members: usize,
    /// Archive or gzip levels that may still be opened.
    depth: usize,
    /// The input the budget belongs to, and its limits as configured, for messages.
    root: Arc<str>,
    limit_bytes: u64,
    limit_members: usize,
    /// All the limits, for the fast reader: it reads in full an entry on which the full read
    /// could hit one, so that the hit is reported alike.
    limits: Arc<Limits>,
}

/// Bytes a gzip stream or member decompressed to, within a budget.
pub struct Inflated {
    pub bytes: Vec<u8>,
    /// Whether there was more past the budget (`bytes` then holds exactly the budget).
    pub cut: bool,
    /// Why decompression stopped early (a damaged stream), if it did.
    pub error: Option<std::io::Error>,
}

impl Budget {
    /// The whole budget of the input `root`.
    pub fn new(root: &str, limits: &Limits) -> Budget {
        Budget {
            bytes: limits.max_decompressed_size,
            members: limits.max_archive_members,
            depth: MAX_NESTING,
            root: Arc::from(root),
            limit_bytes: limits.max_decompressed_size,
            limit_members: limits.max_archive_members,
            limits: Arc::new(limits.clone()),
        }
    }

    /// The limits the budget was made with.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The budget for what is inside one more level of archive or gzip, if nesting may go on.
    pub fn deeper(&self) -> Option<Budget> {
        Some(Budget {
            depth: self.depth.checked_sub(1)?,
            ..self.clone()
        })
    }

    /// What is left after `bytes` more were decompressed and `members` more listed.
    pub fn after(&self, bytes: u64, members: usize) -> Budget {
        Budget {
            bytes: self.bytes.saturating_sub(bytes),
            members: self.members.saturating_sub(members),
            ..self.clone()
        }
    }

    /// Decompresses `reader` up to what is left (one byte more is read to tell a stream that
    /// ends exactly there from one that goes on).
    pub fn inflate(&self, reader: impl Read) -> Inflated {
        inflate(reader, self.bytes)
    }

    /// What is said where the bytes ran out.
    pub fn cut(&self) -> Cut {
        Cut {
            root: self.root.clone(),
            limit: self.limit_bytes,
        }
    }

    /// `name` (nested `depth` deep) could not be opened: archives nest too deep.
    pub fn too_deep(&self, name: &str) -> ReadError {
        ReadError::Limit {
            name: name.to_string(),
            detail: format!(
                "an archive or gzip stream nested more than {MAX_NESTING} levels deep in {}; it \
                 was not opened (a fixed limit: it cannot be raised)",
                self.root
            ),
        }
    }

    /// The error for the members of archive `name` past the member limit: `listed` were
    /// listed, `rest` more were not, the first of them `first`.
    pub fn too_many_members(
        &self,
        name: &str,
        listed: usize,
        rest: usize,
        first: &str,
    ) -> ReadError {
        let flag = flag_words(Limit::ArchiveMembers);
        let limit = self.limit_members;
        let count = if *name == *self.root {
            format!(
                "holds {} members, more than {limit} ({flag})",
                listed + rest
            )
        } else {
            format!(
                "with the other members of {} it holds more than {limit} members ({flag})",
                self.root
            )
        };
        ReadError::Limit {
            name: name.to_string(),
            detail: format!(
                "{count}; its first {listed} were read, the {rest} from {first} on were not"
            ),
        }
    }

    /// The error for the members of zip `name` that get none of the bytes: `rest` members,
    /// the first of them `first`.
    pub fn out_of_bytes(&self, name: &str, rest: usize, first: &str) -> ReadError {
        ReadError::Limit {
            name: name.to_string(),
            detail: format!(
                "{}; the {rest} members from {first} on were not read",
                self.cut().words()
            ),
        }
    }
}

/// Decompresses `reader` up to `allow` bytes; see [`Budget::inflate`].
pub fn inflate(reader: impl Read, allow: u64) -> Inflated {
    let mut bytes = Vec::new();
    let error = reader
        .take(allow.saturating_add(1))
        .read_to_end(&mut bytes)
        .err();
    let cut = bytes.len() as u64 > allow;
    if cut {
        bytes.truncate(usize::try_from(allow).unwrap_or(usize::MAX));
    }
    Inflated { bytes, cut, error }
}

/// Where decompression stopped because the input's bytes ran out.
#[derive(Debug, Clone)]
pub struct Cut {
    root: Arc<str>,
    limit: u64,
}

impl Cut {
    fn words(&self) -> String {
        format!(
            "{} decompresses to more than {} ({})",
            self.root,
            size_words(self.limit),
            flag_words(Limit::DecompressedSize)
        )
    }

    /// `name`, cut at the limit, is not read: `why`.
    pub fn error(&self, name: &str, why: &str) -> ReadError {
        ReadError::Limit {
            name: name.to_string(),
            detail: format!("{}; it was cut there, and {why}", self.words()),
        }
    }

    /// The archive `name` was cut at the limit after `members` members (the one the cut fell
    /// in, if any, is reported on its own).
    pub fn archive_error(&self, name: &str, members: usize) -> ReadError {
        ReadError::Limit {
            name: name.to_string(),
            detail: format!(
                "{}; the archive was read up to there ({members} members), whatever follows \
                 was not",
                self.words()
            ),
        }
    }

    /// What reading the bytes of `name` cut at the limit gave, as the user should see it.
    ///
    /// A capture is kept, with a `capture/limit` hit: the entries before the cut are whole,
    /// and checking them is what the user asked for (refusing a 2 GiB export outright would
    /// throw them away); the finding says the rest was not read and which flag reads it.
    /// Bytes that no reader can read once cut are an error that names the limit, not "broken
    /// file", which would send the user looking for damage that is not there. Either way the
    /// batch goes on.
    pub fn finish(
        &self,
        name: &str,
        result: Result<Capture, ReadError>,
    ) -> Result<Capture, ReadError> {
        let mut capture = match result {
            Ok(capture) => capture,
            Err(error) => {
                let text = error.to_string();
                let reason = text
                    .strip_prefix(name)
                    .and_then(|t| t.strip_prefix(": "))
                    .unwrap_or(&text);
                return Err(self.error(name, &format!("what was read is not a capture ({reason})")));
            }
        };
        let read = match &capture.truncation {
            Some(t) => format!(
                "the {} complete entries before byte {} were checked",
                t.complete_entries, t.offset
            ),
            None => format!("its {} entries were checked", capture.exchanges.len()),
        };
        if let Some(t) = &mut capture.truncation {
            // The file is not damaged: reading stopped. (`capture/truncated` stays silent when
            // this hit is there; the reason is kept for the JSON output.)
            t.reason = format!(
                "reading stopped at the decompressed-size limit: {}",
                t.reason
            );
        }
        capture.limits_hit.push(LimitHit {
            limit: Limit::DecompressedSize,
            entry: None,
            offset: capture.source.len(),
            detail: format!(
                "{}; it was read up to there: {read}, whatever follows \
                 was not",
                self.words()
            ),
        });
        Ok(capture)
    }
}

fn flag_words(limit: Limit) -> String {
    limit
        .flag()
        .map_or_else(String::new, |flag| format!("raise it with {flag}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inflate_stops_at_the_budget_and_says_so() {
        let data = [7u8; 100];
        let whole = inflate(&data[..], 100);
        assert_eq!((whole.bytes.len(), whole.cut), (100, false));
        let cut = inflate(&data[..], 99);
        assert_eq!((cut.bytes.len(), cut.cut), (99, true));
        let none = inflate(&data[..], 0);
        assert_eq!((none.bytes.len(), none.cut), (0, true));
        assert!(!inflate(&data[..], u64::MAX).cut);
    }

    #[test]
    fn budgets_shrink_and_nesting_ends() {
        let limits = Limits {
            max_decompressed_size: 1000,
            max_archive_members: 10,
            ..Limits::default()
        };
        let b = Budget::new("t.zip", &limits).after(300, 4);
        assert_eq!((b.bytes, b.members), (700, 6));
        assert_eq!(b.after(5000, 50).bytes, 0);
        let mut level = Some(b);
        let mut opened = 0;
        while let Some(b) = level {
            level = b.deeper();
            opened += 1;
        }
        assert_eq!(opened, MAX_NESTING + 1);
        let e = Budget::new("t.zip", &limits).too_many_members("t.zip", 10, 5, "k.har");
        assert_eq!(
            e.to_string(),
            "t.zip: holds 15 members, more than 10 (raise it with --max-archive-members); its \
             first 10 were read, the 5 from k.har on were not"
        );
    }
}
