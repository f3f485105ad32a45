//! `--shard I/N`: a stable subset of the inputs, so N machines split an archive with no
//! coordinator. An input belongs to shard `1 + (h mod N)`, where `h` is the first 8 bytes
//! (big-endian) of the SHA-256 of its path as written, with `\` read as `/` and a leading `./`
//! dropped: the same on every machine, Rust version and listing order.

use sha2::{Digest, Sha256};

/// One shard of N, numbered from 1 (as `--partition`/`--shard` count in test runners).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let usage = || {
            format!(
                "`{s}` is not a shard: write I/N with 1 <= I <= N, e.g. `--shard 2/8` (shard 2 of 8)"
            )
        };
        let (i, n) = s.split_once('/').ok_or_else(usage)?;
        let index: u64 = i.trim().parse().map_err(|_| usage())?;
        let count: u64 = n.trim().parse().map_err(|_| usage())?;
        if count == 0 || index == 0 || index > count {
            return Err(usage());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Whether the input named `path` belongs to this shard.
    pub fn contains(&self, path: &str) -> bool {
        shard_of(path, self.count) == self.index
    }
}

/// The shard (1..=count) a path belongs to.
pub fn shard_of(path: &str, count: u64) -> u64 {
    let normal = path.replace('\\', "/");
    let mut normal = normal.as_str();
    while let Some(rest) = normal.strip_prefix("./") {
        normal = rest;
    }
    let digest = Sha256::digest(normal.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    1 + u64::from_be_bytes(first) % count.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects_with_a_clear_error() {
        assert_eq!("2/8".parse(), Ok(Shard { index: 2, count: 8 }));
        for bad in ["0/4", "5/4", "1/0", "x/2", "3", "1/2/3", ""] {
            let err = bad.parse::<Shard>().unwrap_err();
            assert!(err.contains("1 <= I <= N"), "{bad}: {err}");
        }
    }

    #[test]
    fn the_split_is_fixed_by_the_path_alone() {
        // Pinned values: a change here would send files to other shards on upgrade.
        assert_eq!(
            shard_of("captures/a.har", 4),
            shard_of("./captures/a.har", 4)
        );
        assert_eq!(
            shard_of("captures\\a.har", 4),
            shard_of("captures/a.har", 4)
        );
        let pinned: Vec<u64> = ["a.har", "b.har", "c.har", "captures/2024/x.har"]
            .iter()
            .map(|p| shard_of(p, 7))
            .collect();
        assert_eq!(pinned, PINNED);
        // Every path lands in exactly one shard.
        for p in ["a", "b", "long/path/to/file.har"] {
            let n = (1..=5)
                .filter(|i| {
                    Shard {
                        index: *i,
                        count: 5,
                    }
                    .contains(p)
                })
                .count();
            assert_eq!(n, 1);
        }
    }

    // Computed independently: `1 + int.from_bytes(sha256(p)[:8], "big") % 7` in Python.
    const PINNED: [u64; 4] = [4, 6, 2, 5];
}
