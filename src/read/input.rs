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

use std::collections::HashSet;
use std::fs::File;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::sniff::{self, Sniffed, HEAD_BYTES};
use super::{read_bytes, ReadError, MAX_DECOMPRESSED};
use crate::model::Capture;

/// Names of files a directory walk (or an archive) takes even when their content is not
/// recognised, so that a damaged capture is reported rather than skipped.
const CAPTURE_EXTENSIONS: &[&str] = &[
    "har", "chlsj", "saz", "xml", "http", "burp", "gz", "tgz", "zip", "tar",
];

/// One capture (or, for an archive nested in an archive, several) waiting to be read.
#[derive(Debug)]
pub struct Pending {
    name: String,
    what: What,
}

#[derive(Debug)]
enum What {
    File(PathBuf),
    /// One capture's bytes (after gzip, if any).
    Capture(Arc<[u8]>),
    /// An archive member, not yet looked at: a capture, an archive, or neither.
    Member(Arc<[u8]>),
    ZipMember {
        archive: Box<zip::ZipArchive<Cursor<Arc<[u8]>>>>,
        index: usize,
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
    /// and a HAR is skimmed, which also collects its exchanges' secrets (see
    /// `har::read_skimmed`); they come back with it. Same captures as [`Pending::read`].
    pub fn read_fast(self) -> Vec<(Outcome, Option<crate::secret::SecretSet>)> {
        let name = self.name.clone();
        let source = match &self.what {
            What::File(path) => match super::open(path) {
                Ok(source) => source,
                Err(error) => {
                    return vec![(
                        Outcome {
                            name,
                            result: Err(error),
                        },
                        None,
                    )]
                }
            },
            What::Capture(bytes) => bytes.clone().into(),
            _ => return self.read().into_iter().map(|o| (o, None)).collect(),
        };
        match super::read_skimmed(&name, source) {
            Ok((capture, secrets)) => vec![(
                Outcome {
                    name,
                    result: Ok(capture),
                },
                secrets,
            )],
            Err(error) => vec![(
                Outcome {
                    name,
                    result: Err(error),
                },
                None,
            )],
        }
    }

    /// Reads the capture. Usually one outcome; none for an archive member that turned out
    /// not to be a capture (a README next to the HARs), several for an archive inside an
    /// archive.
    pub fn read(self) -> Vec<Outcome> {
        let name = self.name;
        match self.what {
            What::Failed(error) => vec![Outcome {
                name,
                result: Err(error),
            }],
            What::File(path) => match std::fs::read(&path) {
                Ok(bytes) => vec![Outcome {
                    result: read_bytes(&name, Arc::from(bytes)),
                    name,
                }],
                Err(error) => vec![Outcome {
                    result: Err(ReadError::Io {
                        name: name.clone(),
                        error,
                    }),
                    name,
                }],
            },
            What::Capture(bytes) => vec![Outcome {
                result: read_bytes(&name, bytes),
                name,
            }],
            What::Member(bytes) => read_member(&name, bytes),
            What::ZipMember { mut archive, index } => {
                let mut bytes = Vec::new();
                let result = match archive.by_index(index) {
                    Ok(file) => file
                        .take(MAX_DECOMPRESSED)
                        .read_to_end(&mut bytes)
                        .map(|_| ())
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                };
                match result {
                    Ok(()) => read_member(&name, Arc::from(bytes)),
                    Err(reason) => vec![Outcome {
                        result: Err(ReadError::Invalid {
                            name: name.clone(),
                            format: "archive member",
                            reason,
                        }),
                        name,
                    }],
                }
            }
        }
    }
}

/// Reads an archive member: a capture, an archive of its own (expanded and read here), or
/// something else, which is skipped unless its name says it should have been a capture.
fn read_member(name: &str, bytes: Arc<[u8]>) -> Vec<Outcome> {
    match sniff::sniff(&bytes) {
        Sniffed::Zip | Sniffed::Gzip | Sniffed::Tar => expand_bytes(name, bytes)
            .into_iter()
            .flat_map(Pending::read)
            .collect(),
        Sniffed::Empty | Sniffed::Other(_) if !has_capture_extension(name) => Vec::new(),
        _ => vec![Outcome {
            name: name.to_string(),
            result: read_bytes(name, bytes),
        }],
    }
}

fn has_capture_extension(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let file = lower.rsplit(['/', '\\', '!']).next().unwrap_or(&lower);
    file.rsplit_once('.')
        .is_some_and(|(_, ext)| CAPTURE_EXTENSIONS.contains(&ext))
}

/// Expands a path: a file (or archive) named by the user, or a directory to walk.
pub fn expand_path(path: &Path) -> Vec<Pending> {
    let name = path.display().to_string();
    match std::fs::metadata(path) {
        Err(error) => vec![failed(
            name,
            ReadError::Io {
                name: String::new(),
                error,
            },
        )],
        Ok(meta) if meta.is_dir() => {
            let mut files = Vec::new();
            let mut visited = HashSet::new();
            walk(path, &mut visited, &mut files);
            files
                .into_iter()
                .flat_map(|f| expand_file(&f, true))
                .collect()
        }
        Ok(_) => expand_file(path, false),
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
    )]
}

/// An error pending, with the name filled in (callers build the error before they know it).
fn failed(name: String, error: ReadError) -> Pending {
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
    }
}

/// Every file under `dir`, sorted by path; hidden entries (`.git`) are skipped, and a
/// directory already visited (through a symlink loop) is not entered again.
fn walk(dir: &Path, visited: &mut HashSet<PathBuf>, out: &mut Vec<PathBuf>) {
    let Ok(real) = std::fs::canonicalize(dir) else {
        return;
    };
    if !visited.insert(real) {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        // An unreadable directory is reported as an input of its own.
        out.push(dir.to_path_buf());
        return;
    };
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            walk(&path, visited, out);
        } else {
            out.push(path);
        }
    }
}

/// A file: its first bytes decide whether it is a capture (read later), an archive (expanded
/// now), or — found by a directory walk, with a name that promises nothing — not a capture,
/// and skipped.
fn expand_file(path: &Path, walked: bool) -> Vec<Pending> {
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
            )]
        }
    };
    let file = || Pending {
        name: name.clone(),
        what: What::File(path.to_path_buf()),
    };
    let whole = || match std::fs::read(path) {
        Ok(bytes) => expand_bytes(&name, Arc::from(bytes)),
        Err(error) => vec![failed(
            name.clone(),
            ReadError::Io {
                name: String::new(),
                error,
            },
        )],
    };
    match sniff::sniff(&head) {
        Sniffed::Zip => match File::open(path).map(zip::ZipArchive::new) {
            // The central directory names the members without reading them.
            Ok(Ok(archive)) if !super::saz::is_saz(archive.file_names()) => whole(),
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

/// Expands bytes in memory (standard input, a nested archive): a capture, or an archive's
/// members named `name!member`.
pub fn expand_bytes(name: &str, bytes: Arc<[u8]>) -> Vec<Pending> {
    let capture = |bytes| {
        vec![Pending {
            name: name.to_string(),
            what: What::Capture(bytes),
        }]
    };
    match sniff::sniff(&bytes) {
        Sniffed::Zip => match zip::ZipArchive::new(Cursor::new(bytes.clone())) {
            Ok(archive) if !super::saz::is_saz(archive.file_names()) => zip_members(name, archive),
            _ => capture(bytes),
        },
        Sniffed::Gzip => {
            let mut out = Vec::new();
            let result = flate2::read::MultiGzDecoder::new(&bytes[..])
                .take(MAX_DECOMPRESSED)
                .read_to_end(&mut out);
            if sniff::sniff(&out) == Sniffed::Tar {
                tar_members(name, &out)
            } else if result.is_err() && out.is_empty() {
                // Let the reader say what is wrong with it.
                capture(bytes)
            } else {
                capture(Arc::from(out))
            }
        }
        Sniffed::Tar => tar_members(name, &bytes),
        _ => capture(bytes),
    }
}

/// Members in the archive's order; directories, macOS resource forks and hidden files are
/// not captures.
fn zip_members(name: &str, archive: zip::ZipArchive<Cursor<Arc<[u8]>>>) -> Vec<Pending> {
    let mut out = Vec::new();
    for index in 0..archive.len() {
        let Some(member) = archive.name_for_index(index) else {
            continue;
        };
        if member.ends_with('/') || skipped_member(member) {
            continue;
        }
        out.push(Pending {
            name: format!("{name}!{member}"),
            what: What::ZipMember {
                archive: Box::new(archive.clone()),
                index,
            },
        });
    }
    out
}

fn skipped_member(member: &str) -> bool {
    member.starts_with("__MACOSX/")
        || member
            .split(['/', '\\'])
            .any(|part| part.starts_with('.') && part != "." && part != "..")
}

/// The regular files of a tar archive, in its order. A damaged archive keeps the members
/// before the damage and reports it as one more failed input.
fn tar_members(name: &str, tar_bytes: &[u8]) -> Vec<Pending> {
    let mut out = Vec::new();
    let mut archive = tar::Archive::new(tar_bytes);
    let entries = match archive.entries() {
        Ok(entries) => entries,
        Err(e) => {
            return vec![failed(
                name.to_string(),
                ReadError::Invalid {
                    name: name.to_string(),
                    format: "tar archive",
                    reason: e.to_string(),
                },
            )]
        }
    };
    for entry in entries {
        let mut entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                out.push(failed(
                    name.to_string(),
                    ReadError::Invalid {
                        name: name.to_string(),
                        format: "tar archive",
                        reason: format!("after {} members: {e}", out.len()),
                    },
                ));
                break;
            }
        };
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let member = entry
            .path()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let member = member.strip_prefix("./").unwrap_or(&member).to_string();
        if skipped_member(&member) {
            continue;
        }
        let member_name = format!("{name}!{member}");
        let mut bytes = Vec::new();
        match entry.read_to_end(&mut bytes) {
            Ok(_) => out.push(Pending {
                name: member_name,
                what: What::Member(Arc::from(bytes)),
            }),
            Err(e) => {
                out.push(failed(
                    member_name.clone(),
                    ReadError::Invalid {
                        name: member_name,
                        format: "tar archive member",
                        reason: e.to_string(),
                    },
                ));
                break;
            }
        }
    }
    out
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

    fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut z = zip::ZipWriter::new(&mut out);
        for (name, bytes) in members {
            z.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            z.write_all(bytes).unwrap();
        }
        z.finish().unwrap();
        out.into_inner()
    }

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
        let pending = expand_bytes("t.zip", Arc::from(z));
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
        let got = read_all(expand_bytes("x.har.gz", Arc::from(gzip(HAR.as_bytes()))));
        assert_eq!(got, [("x.har.gz".to_string(), Ok(1))]);
        let tgz = gzip(&tar_of(&[
            ("./caps/a.har", HAR.as_bytes()),
            ("caps/b.har", HAR.as_bytes()),
        ]));
        let got = read_all(expand_bytes("t.tar.gz", Arc::from(tgz)));
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
        let got = read_all(expand_bytes("t.tar", Arc::from(&tar[..512 + 512 + 300])));
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
        let pending = expand_path(root);
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

    #[test]
    fn missing_paths_and_lists() {
        let got = read_all(expand_path(Path::new("/nonexistent/x.har")));
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
}
