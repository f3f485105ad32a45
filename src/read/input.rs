//! What a user names, expanded into the captures to check: files, directories (walked
//! recursively in sorted order, following symlinks but never around a loop), standard input,
//! `.gz` files, and `.zip` / `.tar.gz` / `.tar` archives of captures, whose members are read in
//! memory, never extracted to disk. A Fiddler `.saz` is a zip too, but is one capture: the
//! content decides, not the name.
//!
//! Expanding is cheap ([`expand_path`] reads only the first bytes of each file, and the whole
//! of an archive); reading ([`Pending::read`]) does the work, so a caller can expand every
//! input first (to count, order or shard them) and read in parallel. Each capture is named as
//! diagnostics show it: the path as given, `<stdin>`, or `archive.zip!dir/member.har`.
//!
//! Each input the user names decompresses within one budget (`--max-decompressed-size`,
//! `--max-archive-members`, nesting): see [`super::budget`] for how its archives, members and
//! nested archives share it, and what is reported where it runs out.

use std::collections::HashSet;
use std::fs::File;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod archive;

use super::budget::{Budget, Cut};
use super::registry::{has_capture_extension, zip_capture};
use super::sniff::{self, Sniffed, HEAD_BYTES};
use super::{read_within, ReadError};
use crate::limits::Limits;
use crate::model::Capture;

/// One capture (or, for an archive nested in an archive, several) waiting to be read.
#[derive(Debug)]
pub struct Pending {
    name: String,
    what: What,
    /// What decompressing it may still cost: a file's whole budget, or what its archive had
    /// left at its position.
    budget: Budget,
}

#[derive(Debug)]
enum What {
    File(PathBuf),
    /// One capture's bytes (after gzip, if any), and where the budget cut them.
    Capture(Arc<[u8]>, Option<Cut>),
    /// An archive member, not yet looked at (a capture, an archive, or neither), and where the
    /// budget cut it.
    Member(Arc<[u8]>, Option<Cut>),
    ZipMember {
        archive: Box<zip::ZipArchive<Cursor<Arc<[u8]>>>>,
        index: usize,
        /// Its share of the budget; `declared` is the size its entry declares (more than
        /// `allow` when the budget runs out inside it).
        allow: u64,
        declared: u64,
    },
    Failed(ReadError),
}

/// What reading one capture gave.
#[derive(Debug)]
pub struct Outcome {
    /// The capture's name (as in [`Capture::name`], or the name an error is about).
    pub name: String,
    pub result: Result<Capture, ReadError>,
}

impl Pending {
    /// The name the capture will have: a path, `<stdin>`, or `archive!member`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Reads the capture the fast way, for checking: a large file is mapped rather than read,
    /// and a HAR is skimmed (see `har::read_skimmed`). Same captures as [`Pending::read`].
    pub fn read_fast(self) -> Vec<Outcome> {
        self.read_fast_keeping(super::har::Keep::All)
    }

    /// [`Pending::read_fast`], for `check`: of the entries a HAR's skim reads in full, only
    /// what reconstruction reads is kept ([`super::har::Keep::Read`]).
    pub fn read_to_check(self) -> Vec<Outcome> {
        self.read_fast_keeping(super::har::Keep::Read)
    }

    fn read_fast_keeping(self, keep: super::har::Keep) -> Vec<Outcome> {
        let name = self.name.clone();
        let source = match &self.what {
            What::File(path) => match super::open(path) {
                Ok(source) => source,
                Err(error) => {
                    return vec![Outcome {
                        name,
                        result: Err(error),
                    }]
                }
            },
            What::Capture(bytes, None) => bytes.clone().into(),
            _ => return self.read(),
        };
        let result = super::read_skimmed(&name, source, &self.budget, keep);
        vec![Outcome { name, result }]
    }

    /// Reads the capture. Usually one outcome; none for an archive member that turned out
    /// not to be a capture (a README next to the HARs), several for an archive inside an
    /// archive.
    pub fn read(self) -> Vec<Outcome> {
        let Pending { name, what, budget } = self;
        let one = |result| {
            vec![Outcome {
                name: name.clone(),
                result,
            }]
        };
        match what {
            What::Failed(error) => one(Err(error)),
            What::File(path) => match std::fs::read(&path) {
                Ok(bytes) => one(read_within(&name, Arc::<[u8]>::from(bytes).into(), &budget)),
                Err(error) => one(Err(ReadError::Io {
                    name: name.clone(),
                    error,
                })),
            },
            What::Capture(bytes, cut) => {
                let result = read_within(&name, bytes.into(), &budget);
                one(match cut {
                    Some(cut) => cut.finish(&name, result),
                    None => result,
                })
            }
            What::Member(bytes, cut) => read_member(&name, bytes, &budget, cut),
            What::ZipMember {
                archive,
                index,
                allow,
                declared,
            } => archive::read_zip_member(&name, *archive, index, (allow, declared), &budget),
        }
    }
}

/// Reads an archive member: a capture, an archive of its own (expanded and read here, one
/// level deeper, within what is left of the budget), or something else, which is skipped
/// unless its name says it should have been a capture. `cut`: the budget cut it short.
fn read_member(name: &str, bytes: Arc<[u8]>, budget: &Budget, cut: Option<Cut>) -> Vec<Outcome> {
    let one = |result| {
        vec![Outcome {
            name: name.to_string(),
            result,
        }]
    };
    match sniff::sniff(&bytes) {
        Sniffed::Zip | Sniffed::Gzip | Sniffed::Tar => {
            if let Some(cut) = cut {
                // What an archive cut short holds cannot be told apart from damage.
                return one(Err(cut.error(name, "an archive cut short is not opened")));
            }
            match budget.deeper() {
                Some(inner) => expand_bytes_within(name, bytes, &inner)
                    .into_iter()
                    .flat_map(Pending::read)
                    .collect(),
                None => one(Err(budget.too_deep(name))),
            }
        }
        // (Unless the limit cut it, which is never silent.)
        Sniffed::Empty | Sniffed::Other(_) if cut.is_none() && !has_capture_extension(name) => {
            Vec::new()
        }
        _ => {
            let result = read_within(name, bytes.into(), budget);
            one(match cut {
                Some(cut) => cut.finish(name, result),
                None => result,
            })
        }
    }
}

/// Expands a path: a file (or archive) named by the user, or a directory to walk. Each file
/// gets its own budget from `limits`.
pub fn expand_path(path: &Path, limits: &Limits) -> Vec<Pending> {
    expand_path_noting(path, limits, &mut Vec::new())
}

/// [`expand_path`], adding to `skipped` each file of a directory that is no capture.
pub fn expand_path_noting(path: &Path, limits: &Limits, skipped: &mut Vec<String>) -> Vec<Pending> {
    let name = path.display().to_string();
    match std::fs::metadata(path) {
        Err(error) => vec![failed(
            name,
            ReadError::Io {
                name: String::new(),
                error,
            },
            limits,
        )],
        Ok(meta) if meta.is_dir() => {
            let mut files = Vec::new();
            let mut visited = HashSet::new();
            walk(path, &mut visited, &mut files);
            let mut pending = Vec::new();
            for f in files {
                let found = expand_file(&f, true, limits);
                if found.is_empty() {
                    skipped.push(f.display().to_string());
                }
                pending.extend(found);
            }
            pending
        }
        Ok(_) => expand_file(path, false, limits),
    }
}

/// An input that could not even be read (standard input closed with an error).
pub fn failed_io(name: &str, error: std::io::Error) -> Vec<Pending> {
    vec![failed(
        name.to_string(),
        ReadError::Io {
            name: String::new(),
            error,
        },
        &Limits::default(),
    )]
}

/// An error pending, with the name filled in (callers build the error before they know it).
fn failed(name: String, error: ReadError, limits: &Limits) -> Pending {
    let budget = Budget::new(&name, limits);
    failed_within(name, error, budget)
}

fn failed_within(name: String, error: ReadError, budget: Budget) -> Pending {
    let error = match error {
        ReadError::Io { error, .. } => ReadError::Io {
            name: name.clone(),
            error,
        },
        other => other,
    };
    Pending {
        name,
        what: What::Failed(error),
        budget,
    }
}

/// Every file under `dir`, sorted by path; hidden entries (`.git`) are skipped, and a
/// directory already visited (through a symlink loop, or two links to one directory) is not
/// entered again. An unreadable directory (or a broken link) is an input of its own, so that
/// it is reported.
fn walk(dir: &Path, visited: &mut HashSet<PathBuf>, out: &mut Vec<PathBuf>) {
    let hidden =
        |e: &walkdir::DirEntry| e.depth() > 0 && e.file_name().to_string_lossy().starts_with('.');
    let mut entries = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !hidden(e));
    while let Some(entry) = entries.next() {
        match entry {
            Ok(e) if e.file_type().is_dir() => {
                let first = std::fs::canonicalize(e.path()).is_ok_and(|real| visited.insert(real));
                if !first {
                    entries.skip_current_dir();
                }
            }
            Ok(e) => out.push(e.into_path()),
            // walkdir's own loop check: the directory was visited already.
            Err(e) if e.loop_ancestor().is_some() => {}
            Err(e) => out.extend(e.path().map(Path::to_path_buf)),
        }
    }
}

/// A file: its first bytes decide whether it is a capture (read later), an archive (expanded
/// now), or — found by a directory walk, with a name that promises nothing — not a capture,
/// and skipped.
fn expand_file(path: &Path, walked: bool, limits: &Limits) -> Vec<Pending> {
    let name = path.display().to_string();
    let head = match read_head(path) {
        Ok(head) => head,
        Err(error) => {
            return vec![failed(
                name,
                ReadError::Io {
                    name: String::new(),
                    error,
                },
                limits,
            )]
        }
    };
    let file = || Pending {
        name: name.clone(),
        what: What::File(path.to_path_buf()),
        budget: Budget::new(&name, limits),
    };
    let whole = || match std::fs::read(path) {
        Ok(bytes) => expand_bytes(&name, Arc::from(bytes), limits),
        Err(error) => vec![failed(
            name.clone(),
            ReadError::Io {
                name: String::new(),
                error,
            },
            limits,
        )],
    };
    match sniff::sniff(&head) {
        Sniffed::Zip => match File::open(path).map(zip::ZipArchive::new) {
            // The central directory names the members without reading them.
            Ok(Ok(archive)) if zip_capture(archive.file_names()).is_none() => whole(),
            _ => vec![file()],
        },
        Sniffed::Gzip if gzip_holds_tar(path) => whole(),
        Sniffed::Tar => whole(),
        Sniffed::Empty | Sniffed::Other(_) if walked && !has_capture_extension(&name) => Vec::new(),
        _ => vec![file()],
    }
}

fn read_head(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(HEAD_BYTES);
    File::open(path)?
        .take(HEAD_BYTES as u64)
        .read_to_end(&mut head)?;
    Ok(head)
}

/// Whether a gzip file decompresses to a tar archive (its first block says `ustar`).
fn gzip_holds_tar(path: &Path) -> bool {
    let Ok(file) = File::open(path) else {
        return false;
    };
    let mut block = Vec::with_capacity(512);
    let _ = flate2::read::MultiGzDecoder::new(file)
        .take(512)
        .read_to_end(&mut block);
    sniff::sniff(&block) == Sniffed::Tar
}

/// Expands bytes in memory (standard input, an archive named by the user): a capture, or an
/// archive's members named `name!member`, within one budget from `limits`.
pub fn expand_bytes(name: &str, bytes: Arc<[u8]>, limits: &Limits) -> Vec<Pending> {
    expand_bytes_within(name, bytes, &Budget::new(name, limits))
}

/// [`expand_bytes`] within what is left of a budget (an archive inside an archive).
fn expand_bytes_within(name: &str, bytes: Arc<[u8]>, budget: &Budget) -> Vec<Pending> {
    let capture = |bytes, cut, budget: Budget| {
        vec![Pending {
            name: name.to_string(),
            what: What::Capture(bytes, cut),
            budget,
        }]
    };
    match sniff::sniff(&bytes) {
        Sniffed::Zip => match zip::ZipArchive::new(Cursor::new(bytes.clone())) {
            Ok(archive) if zip_capture(archive.file_names()).is_none() => {
                archive::zip_members(name, archive, budget)
            }
            _ => capture(bytes, None, budget.clone()),
        },
        Sniffed::Gzip => {
            let Some(inner) = budget.deeper() else {
                return vec![failed_within(
                    name.to_string(),
                    budget.too_deep(name),
                    budget.clone(),
                )];
            };
            let inflated = budget.inflate(flate2::read::MultiGzDecoder::new(&bytes[..]));
            let cut = inflated.cut.then(|| budget.cut());
            let inner = inner.after(inflated.bytes.len() as u64, 0);
            if sniff::sniff(&inflated.bytes) == Sniffed::Tar {
                archive::tar_members(name, &inflated.bytes, &inner, cut)
            } else if inflated.error.is_some() && inflated.bytes.is_empty() {
                // Let the reader say what is wrong with it.
                capture(bytes, None, budget.clone())
            } else {
                capture(Arc::from(inflated.bytes), cut, inner)
            }
        }
        Sniffed::Tar => archive::tar_members(name, &bytes, budget, None),
        _ => capture(bytes, None, budget.clone()),
    }
}

/// The paths listed in a file, one a line, as schedulers and shells write them: blank lines
/// and lines starting with `#` are skipped, a trailing `\r` is dropped. `-` reads the list
/// from standard input.
pub fn files_from(list: &Path) -> Result<Vec<PathBuf>, ReadError> {
    let name = list.display().to_string();
    let text = if list == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|error| ReadError::Io {
                name: "<stdin>".into(),
                error,
            })?;
        text
    } else {
        std::fs::read_to_string(list).map_err(|error| ReadError::Io { name, error })?
    };
    Ok(text
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(PathBuf::from)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const HAR: &str = r#"{"log":{"entries":[{"request":{"method":"GET","url":"https://a/x"}}]}}"#;

    fn names(pending: &[Pending]) -> Vec<&str> {
        pending.iter().map(Pending::name).collect()
    }

    fn read_all(pending: Vec<Pending>) -> Vec<(String, Result<usize, String>)> {
        pending
            .into_iter()
            .flat_map(Pending::read)
            .map(|o| {
                let r = o
                    .result
                    .map(|c| c.exchanges.len())
                    .map_err(|e| e.to_string());
                (o.name, r)
            })
            .collect()
    }

    use crate::read::saz::tests::zip_of;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    fn tar_of(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, bytes) in members {
            let mut h = tar::Header::new_gnu();
            h.set_size(bytes.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, name, *bytes).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn zip_members_are_named_and_non_captures_skipped() {
        let inner = zip_of(&[("deep.har", HAR.as_bytes())]);
        let z = zip_of(&[
            ("a/one.har", HAR.as_bytes()),
            ("a/", b""),
            ("README.md", b"# notes"),
            ("__MACOSX/a/._one.har", b"junk"),
            ("broken.har", b"<html>"),
            ("nested.zip", &inner),
        ]);
        let pending = expand_bytes("t.zip", Arc::from(z), &Limits::default());
        assert_eq!(
            names(&pending),
            [
                "t.zip!a/one.har",
                "t.zip!README.md",
                "t.zip!broken.har",
                "t.zip!nested.zip"
            ]
        );
        let got = read_all(pending);
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0], ("t.zip!a/one.har".to_string(), Ok(1)));
        assert!(got[1].1.as_ref().unwrap_err().contains("not a HAR file"));
        assert_eq!(got[2], ("t.zip!nested.zip!deep.har".to_string(), Ok(1)));
    }

    #[test]
    fn gzip_and_tar_gz() {
        let got = read_all(expand_bytes(
            "x.har.gz",
            Arc::from(gzip(HAR.as_bytes())),
            &Limits::default(),
        ));
        assert_eq!(got, [("x.har.gz".to_string(), Ok(1))]);
        let tgz = gzip(&tar_of(&[
            ("./caps/a.har", HAR.as_bytes()),
            ("caps/b.har", HAR.as_bytes()),
        ]));
        let got = read_all(expand_bytes("t.tar.gz", Arc::from(tgz), &Limits::default()));
        assert_eq!(
            got,
            [
                ("t.tar.gz!caps/a.har".to_string(), Ok(1)),
                ("t.tar.gz!caps/b.har".to_string(), Ok(1))
            ]
        );
    }

    #[test]
    fn a_cut_tar_keeps_whole_members_and_reports_the_rest() {
        let tar = tar_of(&[("a.har", HAR.as_bytes()), ("b.har", HAR.as_bytes())]);
        let got = read_all(expand_bytes(
            "t.tar",
            Arc::from(&tar[..512 + 512 + 300]),
            &Limits::default(),
        ));
        assert_eq!(got[0], ("t.tar!a.har".to_string(), Ok(1)));
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[1].1.is_err());
    }

    #[test]
    fn directories_are_walked_sorted_without_loops() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("b/c")).unwrap();
        std::fs::write(root.join("b/c/z.har"), HAR).unwrap();
        std::fs::write(root.join("a.har"), HAR).unwrap();
        std::fs::write(root.join("b/notes.toml"), "x = 1").unwrap();
        std::fs::write(root.join("b/bad.har"), "nope").unwrap();
        std::fs::write(root.join(".hidden.har"), HAR).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(root, root.join("b/c/loop")).unwrap();
        let pending = expand_path(root, &Limits::default());
        let rel: Vec<String> = names(&pending)
            .iter()
            .map(|n| {
                n.strip_prefix(&root.display().to_string())
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(rel, ["/a.har", "/b/bad.har", "/b/c/z.har"]);
    }

    /// Two links to one directory walk it once (under the first name in order); a broken
    /// link is an input of its own (reported, not dropped); a hidden directory is skipped but
    /// a root named `.` is walked.
    #[cfg(unix)]
    #[test]
    fn links_are_followed_once_and_broken_ones_reported() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("real")).unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::write(root.join("real/x.har"), HAR).unwrap();
        std::fs::write(root.join(".git/y.har"), HAR).unwrap();
        std::os::unix::fs::symlink(root.join("real"), root.join("a-link")).unwrap();
        std::os::unix::fs::symlink(root.join("real"), root.join("b-link")).unwrap();
        std::os::unix::fs::symlink(root.join("gone"), root.join("broken.har")).unwrap();
        let mut files = Vec::new();
        walk(root, &mut HashSet::new(), &mut files);
        let rel: Vec<String> = files
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect();
        assert_eq!(rel, ["a-link/x.har", "broken.har"]);
        let mut here = Vec::new();
        walk(&root.join("real/."), &mut HashSet::new(), &mut here);
        assert_eq!(here.len(), 1, "{here:?}");
    }

    #[test]
    fn missing_paths_and_lists() {
        let got = read_all(expand_path(
            Path::new("/nonexistent/x.har"),
            &Limits::default(),
        ));
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0].1.as_ref().unwrap_err(),
            "/nonexistent/x.har: cannot read: No such file or directory (os error 2)"
        );
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("list.txt");
        std::fs::write(&list, "a.har\r\n\n# comment\n  b dir/c.har\n").unwrap();
        assert_eq!(
            files_from(&list).unwrap(),
            [PathBuf::from("a.har"), PathBuf::from("  b dir/c.har")]
        );
    }

    // ---- Limits: --max-decompressed-size and --max-archive-members ----

    /// A HAR of `entries` entries, each with a response body of `body` bytes.
    fn big_har(entries: usize, body: usize) -> Vec<u8> {
        let entry = format!(
            r#"{{"request":{{"method":"GET","url":"https://a/x"}},"response":{{"status":200,"content":{{"text":"{}"}}}}}}"#,
            "a".repeat(body)
        );
        format!(
            r#"{{"log":{{"entries":[{}]}}}}"#,
            vec![entry; entries].join(",")
        )
        .into_bytes()
    }

    fn limits(bytes: u64, members: usize) -> Limits {
        Limits {
            max_decompressed_size: bytes,
            max_archive_members: members,
            ..Limits::default()
        }
    }

    /// (name, entries or error, limit hits) of every capture.
    fn read_hits(pending: Vec<Pending>) -> Vec<(String, Result<usize, String>, Vec<String>)> {
        pending
            .into_iter()
            .flat_map(Pending::read)
            .map(|o| match o.result {
                Ok(c) => {
                    let hits = c.limits_hit.iter().map(|h| h.detail.clone()).collect();
                    (o.name, Ok(c.exchanges.len()), hits)
                }
                Err(e) => (o.name, Err(e.to_string()), Vec::new()),
            })
            .collect()
    }

    #[test]
    fn a_gzip_past_the_limit_is_read_up_to_it_with_a_hit() {
        let har = big_har(5, 1000);
        let got = read_hits(expand_bytes(
            "x.har.gz",
            Arc::from(gzip(&har)),
            &limits(2500, 10),
        ));
        assert_eq!(got.len(), 1, "{got:?}");
        let (name, entries, hits) = &got[0];
        assert_eq!(name, "x.har.gz");
        assert_eq!(entries, &Ok(2), "the entries before the cut are checked");
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(
            hits[0].starts_with("x.har.gz decompresses to more than 2.4 KiB (raise it with --max-decompressed-size)"),
            "{}",
            hits[0]
        );
        // Within the limit: no hit, every entry.
        let got = read_hits(expand_bytes(
            "x.har.gz",
            Arc::from(gzip(&har)),
            &limits(har.len() as u64, 10),
        ));
        assert_eq!(got[0].1, Ok(5));
        assert!(got[0].2.is_empty());
    }

    #[test]
    fn a_gzip_file_past_the_limit_through_the_fast_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.har.gz");
        std::fs::write(&path, gzip(&big_har(5, 1000))).unwrap();
        let pending = expand_path(&path, &limits(2500, 10));
        let got: Vec<_> = pending.into_iter().flat_map(Pending::read_fast).collect();
        assert_eq!(got.len(), 1);
        let capture = got[0].result.as_ref().unwrap();
        assert_eq!(capture.exchanges.len(), 2);
        assert_eq!(capture.limits_hit.len(), 1);
        let t = capture.truncation.as_ref().unwrap();
        assert!(
            t.reason
                .starts_with("reading stopped at the decompressed-size limit"),
            "{}",
            t.reason
        );
        // Cut where nothing is readable: an error that names the limit, not a broken file.
        let pending = expand_path(&path, &limits(10, 10));
        let got: Vec<_> = pending.into_iter().flat_map(Pending::read_fast).collect();
        let err = got[0].result.as_ref().unwrap_err().to_string();
        assert!(
            err.starts_with(&format!("{}: {} decompresses to more than 10 bytes (raise it with --max-decompressed-size); it was cut there", path.display(), path.display())),
            "{err}"
        );
    }

    #[test]
    fn zip_members_past_the_member_limit_are_one_error() {
        let members: Vec<(String, &[u8])> = (1..=5)
            .map(|i| (format!("m{i}.har"), HAR.as_bytes()))
            .collect();
        let members: Vec<(&str, &[u8])> = members.iter().map(|(n, b)| (n.as_str(), *b)).collect();
        let z = zip_of(&members);
        let got = read_all(expand_bytes(
            "t.zip",
            Arc::from(z.clone()),
            &limits(1 << 20, 3),
        ));
        assert_eq!(got.len(), 4, "{got:?}");
        for (i, (name, r)) in got.iter().take(3).enumerate() {
            assert_eq!(
                (name.as_str(), r),
                (format!("t.zip!m{}.har", i + 1).as_str(), &Ok(1))
            );
        }
        assert_eq!(got[3].0, "t.zip");
        assert_eq!(
            got[3].1.as_ref().unwrap_err(),
            "t.zip: holds 5 members, more than 3 (raise it with --max-archive-members); its first 3 were read, the 2 from m4.har on were not"
        );
        // Exactly at the limit: nothing reported.
        let got = read_all(expand_bytes("t.zip", Arc::from(z), &limits(1 << 20, 5)));
        assert!(got.iter().all(|(_, r)| r.is_ok()), "{got:?}");
    }

    #[test]
    fn tar_members_past_the_member_limit_are_one_error() {
        let t = tar_of(&[
            ("a.har", HAR.as_bytes()),
            ("b.har", HAR.as_bytes()),
            (".hidden.har", HAR.as_bytes()),
            ("c.har", HAR.as_bytes()),
        ]);
        let got = read_all(expand_bytes("t.tar", Arc::from(t), &limits(1 << 20, 1)));
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0], ("t.tar!a.har".to_string(), Ok(1)));
        assert_eq!(
            got[1].1.as_ref().unwrap_err(),
            "t.tar: holds 3 members, more than 1 (raise it with --max-archive-members); its first 1 were read, the 2 from b.har on were not"
        );
    }

    #[test]
    fn zip_members_share_the_bytes_in_archive_order() {
        let har = big_har(4, 1000);
        let z = zip_of(&[
            ("a.har", &har),
            ("b.har", &har),
            ("c.har", &har),
            ("d.har", &har),
        ]);
        // a whole, b cut after two entries, c and d not read.
        let budget = har.len() as u64 + 2500;
        let got = read_hits(expand_bytes("t.zip", Arc::from(z), &limits(budget, 100)));
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!((got[0].1.clone(), got[0].2.len()), (Ok(4), 0));
        assert_eq!(got[1].0, "t.zip!b.har");
        assert_eq!(got[1].1, Ok(2));
        assert!(
            got[1].2[0].starts_with("t.zip decompresses to more than"),
            "{:?}",
            got[1].2
        );
        assert_eq!(got[2].0, "t.zip");
        let err = got[2].1.as_ref().unwrap_err();
        assert!(err.ends_with("(raise it with --max-decompressed-size); the 2 members from c.har on were not read"), "{err}");
    }

    #[test]
    fn a_zip_member_larger_than_it_declares_is_broken() {
        let body = vec![b'a'; 1000];
        let mut z = zip_of(&[("a.har", &body)]);
        // Patch the central directory's uncompressed size (offset 24 of its header) to 10.
        let at = z.windows(4).rposition(|w| w == b"PK\x01\x02").unwrap() + 24;
        z[at..at + 4].copy_from_slice(&10u32.to_le_bytes());
        let got = read_all(expand_bytes("t.zip", Arc::from(z), &Limits::default()));
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(
            got[0].1.as_ref().unwrap_err(),
            "t.zip!a.har: broken archive member: it decompresses to more than the 10 bytes its zip entry declares"
        );
    }

    #[test]
    fn a_tar_gz_cut_by_the_limit_reads_what_came_before() {
        let har = big_har(4, 1000);
        let tgz = gzip(&tar_of(&[("a.har", &har), ("b.har", &har)]));
        // The cut falls inside b.har, after two of its entries.
        let budget = 512 + (har.len() as u64).div_ceil(512) * 512 + 512 + 2500;
        let got = read_hits(expand_bytes(
            "t.tar.gz",
            Arc::from(tgz.clone()),
            &limits(budget, 100),
        ));
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].1, Ok(4));
        assert_eq!(
            (got[1].0.as_str(), got[1].1.clone()),
            ("t.tar.gz!b.har", Ok(2))
        );
        assert!(got[1].2[0].contains("--max-decompressed-size"));
        // The cut falls between the members: the archive says so.
        let budget = 512 + (har.len() as u64).div_ceil(512) * 512 + 100;
        let got = read_all(expand_bytes(
            "t.tar.gz",
            Arc::from(tgz),
            &limits(budget, 100),
        ));
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].1, Ok(4));
        assert_eq!(got[1].0, "t.tar.gz");
        let err = got[1].1.as_ref().unwrap_err();
        assert!(
            err.contains("decompresses to more than") && err.contains("(1 members)"),
            "{err}"
        );
    }

    #[test]
    fn nested_archives_draw_on_what_their_parent_had_left() {
        let inner: Vec<(String, &[u8])> = (1..=5)
            .map(|i| (format!("i{i}.har"), HAR.as_bytes()))
            .collect();
        let inner: Vec<(&str, &[u8])> = inner.iter().map(|(n, b)| (n.as_str(), *b)).collect();
        let inner = zip_of(&inner);
        let z = zip_of(&[("a.har", HAR.as_bytes()), ("inner.zip", &inner)]);
        // Two members listed at the top, so inner.zip may list 2 of its 5.
        let got = read_all(expand_bytes("t.zip", Arc::from(z), &limits(1 << 20, 4)));
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "t.zip!a.har",
                "t.zip!inner.zip!i1.har",
                "t.zip!inner.zip!i2.har",
                "t.zip!inner.zip"
            ]
        );
        assert_eq!(
            got[3].1.as_ref().unwrap_err(),
            "t.zip!inner.zip: with the other members of t.zip it holds more than 4 members (raise it with --max-archive-members); its first 2 were read, the 3 from i3.har on were not"
        );
        // A .har.gz in a zip is gunzipped within what the zip had left.
        let har = big_har(5, 1000);
        let z = zip_of(&[("x.har.gz", &gzip(&har))]);
        let got = read_hits(expand_bytes("t.zip", Arc::from(z), &limits(2500, 10)));
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "t.zip!x.har.gz");
        assert!(matches!(got[0].1, Ok(n) if n < 5), "{got:?}");
        assert!(
            got[0].2[0].starts_with("t.zip decompresses to more than 2.4 KiB"),
            "{:?}",
            got[0].2
        );
    }

    #[test]
    fn nesting_stops_at_a_fixed_depth() {
        let mut zipped = HAR.as_bytes().to_vec();
        for _ in 0..3 {
            zipped = zip_of(&[("n.zip", &zipped)]);
        }
        let got = read_all(expand_bytes(
            "t.zip",
            Arc::from(zipped.clone()),
            &Limits::default(),
        ));
        assert_eq!(got, [("t.zip!n.zip!n.zip!n.zip".to_string(), Ok(1))]);
        for _ in 0..super::super::budget::MAX_NESTING {
            zipped = zip_of(&[("n.zip", &zipped)]);
        }
        let got = read_all(expand_bytes("t.zip", Arc::from(zipped), &Limits::default()));
        assert_eq!(got.len(), 1, "{got:?}");
        let err = got[0].1.as_ref().unwrap_err();
        assert!(
            err.contains("nested more than 8 levels deep in t.zip"),
            "{err}"
        );
        // gzip in gzip, the same.
        let mut gz = HAR.as_bytes().to_vec();
        for _ in 0..12 {
            gz = gzip(&gz);
        }
        let got = read_all(expand_bytes("x.gz", Arc::from(gz), &Limits::default()));
        assert!(
            got[0]
                .1
                .as_ref()
                .unwrap_err()
                .contains("nested more than 8 levels deep"),
            "{got:?}"
        );
    }
}
