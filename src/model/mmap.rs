//! The two calls into the operating system's memory mapping that Rust cannot check: mapping a
//! file, and handing its pages back. Kept beside [`super::Source`], the one type that holds a
//! map, rather than under `read/`, so that the model does not depend on the readers above it.
#![allow(unsafe_code)]

use memmap2::Mmap;

/// Maps a file read-only. Like every mmap-based reader (ripgrep's, for one), this assumes the
/// file is not truncated while it is read.
pub(super) fn map(file: &std::fs::File) -> std::io::Result<Mmap> {
    // SAFETY: the map is read-only and private; the file changing under it is the documented
    // limit of reading by mmap.
    unsafe { Mmap::map(file) }
}

/// Drops the pages of `len` bytes from `start` (page-aligned) from the process's resident
/// memory; they are read from the file again when touched.
#[cfg(unix)]
pub(super) fn dont_need(map: &Mmap, start: usize, len: usize) {
    // SAFETY: the map is private and read-only, so dropping its pages loses nothing: they are
    // read from the file again when touched.
    let _ = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, len) };
}
