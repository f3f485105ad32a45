//! What HTTP and OAuth do to names and values on the wire, undone (and done): form and query
//! encoding, a URL's query split off, HTTP Basic credentials; and where JSON strings end
//! ([`simd`], the reader's and the policy's scanning).
//!
//! A leaf: it imports nothing from the rest of tokentrail, so readers, the secret policy and
//! the reconstruction all decode the same way from one place without importing each other.

pub mod basic;
pub mod form;
pub(crate) mod simd;
pub mod url;
