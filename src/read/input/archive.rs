//! The archives a user may hand over: the members of a zip (not a Fiddler session) or a tar
//! (gzipped or not), named `archive!member`, each with its share of the input's budget, and
//! read in memory, never extracted to disk.

use std::io::{Cursor, Read};
use std::sync::Arc;

use zip::ZipArchive;

use super::{failed_within, read_member, Outcome, Pending, What};
use crate::model::Capture;
use crate::read::budget::{Budget, Cut};
use crate::read::ReadError;

/// Reads a zip member within its share of the budget: `allow` of the `declared` bytes its
/// entry declares (less when the budget ran out inside it).
pub(super) fn read_zip_member(
    name: &str,
    mut archive: ZipArchive<Cursor<Arc<[u8]>>>,
    index: usize,
    (allow, declared): (u64, u64),
    budget: &Budget,
) -> Vec<Outcome> {
    let inflated = match archive.by_index(index) {
        Ok(file) => crate::read::budget::inflate(file, allow),
        Err(e) => return one(name, Err(invalid_member(name, e.to_string()))),
    };
    if let (Some(e), false) = (&inflated.error, inflated.cut) {
        return one(name, Err(invalid_member(name, e.to_string())));
    }
    let cut = match (inflated.cut, declared > allow) {
        (false, _) => None,
        // The input's bytes ran out inside this member.
        (true, true) => Some(budget.cut()),
        // Its share was all its entry declares: a member that inflates past that
        // is broken (or crafted), and is not read further.
        (true, false) => {
            return one(
                name,
                Err(invalid_member(
                    name,
                    format!(
                        "it decompresses to more than the {declared} bytes its zip entry \
                         declares"
                    ),
                )),
            )
        }
    };
    read_member(name, Arc::from(inflated.bytes), budget, cut)
}

fn one(name: &str, result: Result<Capture, ReadError>) -> Vec<Outcome> {
    vec![Outcome {
        name: name.to_string(),
        result,
    }]
}

/// Members in the archive's order; directories, macOS resource forks and hidden files are
/// not captures. Each member gets its share of the budget now, from the size its entry
/// declares, so that members read in parallel stay within it together; those past the member
/// limit, or past the bytes, are one error naming the archive.
pub(super) fn zip_members(
    name: &str,
    mut archive: ZipArchive<Cursor<Arc<[u8]>>>,
    budget: &Budget,
) -> Vec<Pending> {
    let members: Vec<(usize, String)> = (0..archive.len())
        .filter_map(|index| Some((index, archive.name_for_index(index)?.to_string())))
        .filter(|(_, member)| !member.ends_with('/') && !skipped_member(member))
        .collect();
    let mut out = Vec::new();
    let mut left = budget.clone();
    for (listed, (index, member)) in members.iter().enumerate() {
        let rest = || members.len() - listed;
        if left.members == 0 {
            let error = budget.too_many_members(name, listed, rest(), member);
            out.push(failed_within(name.to_string(), error, left));
            break;
        }
        // An entry that cannot even be looked at is read (and reported) as any other.
        let declared = archive.by_index_raw(*index).map_or(0, |f| f.size());
        if left.bytes == 0 && declared > 0 {
            let error = budget.out_of_bytes(name, rest(), member);
            out.push(failed_within(name.to_string(), error, left));
            break;
        }
        let allow = declared.min(left.bytes);
        left = left.after(allow, 1);
        out.push(Pending {
            name: format!("{name}!{member}"),
            what: What::ZipMember {
                archive: Box::new(archive.clone()),
                index: *index,
                allow,
                declared,
            },
            budget: left.clone(),
        });
    }
    out
}

pub(super) fn skipped_member(member: &str) -> bool {
    member.starts_with("__MACOSX/")
        || member
            .split(['/', '\\'])
            .any(|part| part.starts_with('.') && part != "." && part != "..")
}

/// The regular files of a tar archive, in its order. A damaged archive keeps the members
/// before the damage and reports it as one more failed input. `cut`: the budget cut the
/// archive's bytes short (it was gzipped), so the damage at the end is the limit's.
pub(super) fn tar_members(
    name: &str,
    tar_bytes: &[u8],
    budget: &Budget,
    cut: Option<Cut>,
) -> Vec<Pending> {
    let mut out = Vec::new();
    let mut left = budget.clone();
    let broken = |reason: String| ReadError::Invalid {
        name: name.to_string(),
        format: "tar archive",
        reason,
    };
    // Where the archive ends early because the limit cut it (`cut`), that is what is said.
    let mut archive = tar::Archive::new(tar_bytes);
    let mut entries = match archive.entries() {
        Ok(entries) => entries,
        Err(e) => {
            let error = match cut {
                Some(cut) => cut.archive_error(name, 0),
                None => broken(e.to_string()),
            };
            return vec![failed_within(name.to_string(), error, left)];
        }
    };
    while let Some(entry) = entries.next() {
        let mut entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let error = match cut {
                    Some(cut) => cut.archive_error(name, out.len()),
                    None => broken(format!("after {} members: {e}", out.len())),
                };
                out.push(failed_within(name.to_string(), error, left));
                return out;
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
        if left.members == 0 {
            let rest = 1 + count_tar_members(entries);
            let listed = budget.members;
            let error = budget.too_many_members(name, listed, rest, &member);
            out.push(failed_within(name.to_string(), error, left));
            return out;
        }
        left = left.after(0, 1);
        let member_name = format!("{name}!{member}");
        let size = entry.size();
        let mut bytes = Vec::new();
        let read = entry.read_to_end(&mut bytes);
        // A member whose data the end of the bytes cut short reads short, without an error.
        let short = (bytes.len() as u64) < size;
        if let (Some(cut), true) = (&cut, short || read.is_err()) {
            // The limit fell inside this member: what there is of it is read.
            out.push(Pending {
                name: member_name,
                what: What::Member(Arc::from(bytes), Some(cut.clone())),
                budget: left,
            });
            return out;
        }
        match read {
            Ok(_) => out.push(Pending {
                name: member_name,
                what: What::Member(Arc::from(bytes), None),
                budget: left.clone(),
            }),
            Err(e) => {
                out.push(failed_within(
                    member_name.clone(),
                    ReadError::Invalid {
                        name: member_name,
                        format: "tar archive member",
                        reason: e.to_string(),
                    },
                    left,
                ));
                return out;
            }
        }
    }
    if let Some(cut) = cut {
        // The limit fell between members (or in the tar's end blocks): said, or it would go
        // unnoticed.
        let error = cut.archive_error(name, out.len());
        out.push(failed_within(name.to_string(), error, left));
    }
    out
}

/// The regular, not skipped, members left in a tar (headers only: the data is skipped).
fn count_tar_members<'a, R: 'a + Read>(
    entries: impl Iterator<Item = std::io::Result<tar::Entry<'a, R>>>,
) -> usize {
    entries
        .map_while(Result::ok)
        .filter(|e| e.header().entry_type().is_file())
        .filter(|e| {
            e.path().is_ok_and(|p| {
                let p = p.to_string_lossy();
                !skipped_member(p.strip_prefix("./").unwrap_or(&p))
            })
        })
        .count()
}

fn invalid_member(name: &str, reason: String) -> ReadError {
    ReadError::Invalid {
        name: name.to_string(),
        format: "archive member",
        reason,
    }
}
