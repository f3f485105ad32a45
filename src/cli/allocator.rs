//! The binary's memory allocator: mimalloc, told to give freed memory back to the system at
//! once.
//!
//! On a capture dense with OAuth requests, glibc's `malloc` and `free` took 11 % of the
//! instructions, and the two threads waited on each other's arenas (docs/performance.md,
//! fourteenth session). mimalloc keeps a heap per thread. Left to its defaults it holds freed
//! pages for 10 ms, which put the peak memory of a 1 GB capture near the 100 MiB target;
//! returned at once, the peak stays within a few MiB of glibc's.

// The one call into mimalloc's C interface; no other unsafe code in the binary.
#![allow(unsafe_code)]

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc.h's `mi_option_purge_delay`, which `libmimalloc-sys` does not name. A test checks
/// that this is the option with the purge delay's default.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Has freed memory returned to the system at once, unless `MIMALLOC_PURGE_DELAY` asks for
/// another delay. Call it first, before any thread starts.
pub fn return_memory_at_once() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets a number in mimalloc's table of options; every value is valid, and no
        // other thread runs yet.
        unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn purge_delay() -> std::ffi::c_long {
        // SAFETY: reads a number from mimalloc's table of options.
        unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }
    }

    #[test]
    fn the_option_set_is_the_purge_delay() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        // mimalloc v2's purge delay is 10 ms by default; the options beside it in the list
        // (the delay of eager commits and the number of NUMA nodes) default to 1 and 0.
        assert_eq!(purge_delay(), 10);
        return_memory_at_once();
        assert_eq!(purge_delay(), 0);
    }
}
