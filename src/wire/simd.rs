//! The SIMD code of the HAR skim and of the secrets policy's JSON walk (here, a leaf both
//! import, so the crate's `unsafe` for it stays in one file): scanning strings and whitespace
//! 16 bytes at a time (SSE2, part of every x86_64 CPU), string ends 64 bytes at a time, and
//! lower-casing an entry's text 32 or 16 bytes at a time (AVX2 where the CPU has it). Each has a portable version, used on other
//! CPUs and for the last bytes, and tested to agree with it.
#![allow(unsafe_code)]

/// Where a 64-byte block holds quotes, backslashes and control characters, a bit per byte.
#[cfg(target_arch = "x86_64")]
pub(crate) struct Masks {
    pub(crate) quote: u64,
    pub(crate) backslash: u64,
    pub(crate) control: u64,
}

#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn masks64(block: &[u8]) -> Masks {
    use std::arch::x86_64::*;
    let mut m = Masks {
        quote: 0,
        backslash: 0,
        control: 0,
    };
    for (k, chunk) in block.chunks_exact(16).take(4).enumerate() {
        // SAFETY: SSE2 is part of every x86_64 CPU, and `chunk` holds the 16 bytes loaded.
        let (q, s, c) = unsafe {
            let v = _mm_loadu_si128(chunk.as_ptr().cast());
            let low = _mm_set1_epi8(0x1f);
            (
                _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8))),
                _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8))),
                _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(v, low), low)),
            )
        };
        let shift = 16 * k as u32;
        // `movemask` fills the low 16 bits only.
        m.quote |= u64::from(q as u16) << shift;
        m.backslash |= u64::from(s as u16) << shift;
        m.control |= u64::from(c as u16) << shift;
    }
    m
}

/// Position of the first `"`, `\` or control character at or after `pos` (or the end), 16
/// bytes at a time: most of a capture's bytes are inside strings (bodies, headers, URLs).
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn skip_plain(b: &[u8], mut pos: usize) -> usize {
    use std::arch::x86_64::*;
    while let Some(chunk) = b.get(pos..pos + 16) {
        // SAFETY: SSE2 is part of every x86_64 CPU, and `chunk` holds the 16 bytes loaded.
        let hits = unsafe {
            let v = _mm_loadu_si128(chunk.as_ptr().cast());
            let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
            let slash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
            let low = _mm_set1_epi8(0x1f);
            let control = _mm_cmpeq_epi8(_mm_max_epu8(v, low), low);
            _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, slash), control))
        };
        if hits != 0 {
            return pos + hits.trailing_zeros() as usize;
        }
        pos += 16;
    }
    skip_plain_words(b, pos)
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
pub(crate) fn skip_plain(b: &[u8], pos: usize) -> usize {
    skip_plain_words(b, pos)
}

/// The end (after the closing quote) of the JSON string literal opening at `start`: the first
/// quote no backslash escapes; `None` when there is none. The JSON walks of the secrets
/// policy and the snippets call it for every string, and most are short: a plain stretch is
/// scanned 16 bytes at a time; from the first escape on, 64 bytes at a time with the escaped
/// bytes found from the backslash runs, as the skim's `Cursor::escaped_string` does (a
/// response body that is JSON inside a JSON string has an escaped quote every few bytes, and
/// a call of `memchr` for each costs more than the block). Nothing is validated:
/// [`string_end_plain`] is the byte-wise definition, and a test holds the two equal.
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn string_end(b: &[u8], start: usize) -> Option<usize> {
    use std::arch::x86_64::*;
    let mut pos = start + 1;
    while let Some(chunk) = b.get(pos..pos + 16) {
        // SAFETY: as in `skip_plain`.
        let hits = unsafe {
            let v = _mm_loadu_si128(chunk.as_ptr().cast());
            let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
            let slash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
            _mm_movemask_epi8(_mm_or_si128(quote, slash))
        };
        if hits != 0 {
            let at = pos + hits.trailing_zeros() as usize;
            return if b[at] == b'"' {
                Some(at + 1)
            } else {
                escaped_string_end(b, at)
            };
        }
        pos += 16;
    }
    string_end_from(b, pos)
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
pub(crate) fn string_end(b: &[u8], start: usize) -> Option<usize> {
    string_end_plain(b, start)
}

/// [`string_end`], and whether the literal's content holds no backslash and no control
/// character (then it is its own decoded text, and needs no other look). Most strings of a
/// capture are such: found by one [`skip_plain`]; the others by [`string_end`].
#[inline]
pub(crate) fn literal_end(b: &[u8], start: usize) -> Option<(usize, bool)> {
    let at = skip_plain(b, start + 1);
    if b.get(at) == Some(&b'"') {
        return Some((at + 1, true));
    }
    string_end(b, start).map(|end| (end, false))
}

/// Of a 64-byte block whose backslashes are `backslash` (a bit per byte), the bytes a
/// backslash escapes, and the carry into the next block (1 when this one ends in a backslash
/// that escapes the next block's first byte); `carry` is the block before's. A run of
/// backslashes escapes every second byte after its start, found for the whole block at once
/// from the runs' odd and even starts, as simdjson does (`json_escape_scanner.h`).
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn escaped64(backslash: u64, carry: u64) -> (u64, u64) {
    const ODD: u64 = 0xAAAA_AAAA_AAAA_AAAA;
    let maybe_escape = backslash & !carry;
    let codes_and_odd = ((maybe_escape << 1) | ODD).wrapping_sub(maybe_escape) ^ ODD;
    let escaped = codes_and_odd ^ (backslash | carry);
    (escaped, (codes_and_odd & backslash) >> 63)
}

/// [`string_end`] from the backslash at `at` (one no earlier backslash escapes), 64 bytes at
/// a time.
#[cfg(target_arch = "x86_64")]
fn escaped_string_end(b: &[u8], mut at: usize) -> Option<usize> {
    // 1 when the last block ended in a backslash that escapes the next block's first byte.
    let mut carry = 0u64;
    while let Some(block) = b.get(at..at + 64) {
        let m = masks64(block);
        let (escaped, next_carry) = escaped64(m.backslash, carry);
        let quotes = m.quote & !escaped;
        if quotes != 0 {
            return Some(at + quotes.trailing_zeros() as usize + 1);
        }
        carry = next_carry;
        at += 64;
    }
    // Under 64 bytes left: from the escape that reaches into them, if any.
    string_end_from(b, at - carry as usize)
}

/// [`string_end`] byte-wise (`memchr` for each quote or backslash): its definition.
#[cfg(any(test, not(target_arch = "x86_64")))]
pub(crate) fn string_end_plain(b: &[u8], start: usize) -> Option<usize> {
    string_end_from(b, start + 1)
}

/// The end of a string literal from `i` on, where `i` is no escaped byte.
fn string_end_from(b: &[u8], mut i: usize) -> Option<usize> {
    loop {
        let at = i + memchr::memchr2(b'"', b'\\', b.get(i..)?)?;
        if b[at] == b'\\' {
            i = at + 2;
        } else {
            return Some(at + 1);
        }
    }
}

/// Position of the first byte at or after `pos` that is not JSON whitespace (or the end), 16
/// bytes at a time: pretty-printed captures indent every line.
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn skip_ws(b: &[u8], mut pos: usize) -> usize {
    use std::arch::x86_64::*;
    while let Some(chunk) = b.get(pos..pos + 16) {
        // SAFETY: as in `skip_plain`.
        let other = unsafe {
            let v = _mm_loadu_si128(chunk.as_ptr().cast());
            let is = |c: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8));
            let ws = _mm_or_si128(
                _mm_or_si128(is(b' '), is(b'\n')),
                _mm_or_si128(is(b'\r'), is(b'\t')),
            );
            !_mm_movemask_epi8(ws) & 0xffff
        };
        if other != 0 {
            return pos + other.trailing_zeros() as usize;
        }
        pos += 16;
    }
    skip_ws_bytes(b, pos)
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
pub(crate) fn skip_ws(b: &[u8], pos: usize) -> usize {
    skip_ws_bytes(b, pos)
}

pub(crate) fn skip_ws_bytes(b: &[u8], mut pos: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\r' | b'\t') = b.get(pos) {
        pos += 1;
    }
    pos
}

/// [`skip_plain`] eight bytes at a time, for CPUs without SSE2 and for the last bytes.
pub(crate) fn skip_plain_words(b: &[u8], mut pos: usize) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = b.get(pos..pos + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let quote = x ^ (LO * b'"' as u64);
        let slash = x ^ (LO * b'\\' as u64);
        let zero = |v: u64| v.wrapping_sub(LO) & !v & HI;
        let control = x.wrapping_sub(LO * 0x20) & !x & HI;
        let hits = zero(quote) | zero(slash) | control;
        if hits != 0 {
            return pos + (hits.trailing_zeros() / 8) as usize;
        }
        pos += 8;
    }
    while let Some(&c) = b.get(pos) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            break;
        }
        pos += 1;
    }
    pos
}

/// What [`lower_into`] saw in a text besides its letters: whether the text is all ASCII
/// (then it needs no UTF-8 check), holds a `%` (else no percent escape can hide a needle) and
/// holds `AN` (else it holds no LWA code). Seen in the same pass, they spare most entries
/// three more passes over their bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Seen {
    pub(crate) ascii: bool,
    pub(crate) percent: bool,
    pub(crate) an: bool,
}

/// What there is to see before the first byte.
#[cfg(any(test, not(target_arch = "x86_64")))]
pub(crate) const NOTHING_SEEN: Seen = Seen {
    ascii: true,
    percent: false,
    an: false,
};

/// `raw` with ASCII letters lower-cased, in `buffer` (which only grows, so that it is not
/// cleared for every entry), in one pass 32 or 16 bytes at a time; and what else it holds.
#[inline]
pub(crate) fn lower_into<'b>(raw: &[u8], buffer: &'b mut Vec<u8>) -> (&'b [u8], Seen) {
    if buffer.len() < raw.len() {
        buffer.resize(raw.len(), 0);
    }
    let out = buffer.get_mut(..raw.len()).unwrap_or_default();
    #[cfg(target_arch = "x86_64")]
    let seen = if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked just above.
        unsafe { lower_avx2(raw, out) }
    } else {
        lower_sse2(raw, out)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let seen = lower_bytes(raw, out, NOTHING_SEEN, false);
    (out, seen)
}

/// [`lower_into`] 32 bytes at a time.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
pub(crate) fn lower_avx2(raw: &[u8], out: &mut [u8]) -> Seen {
    use std::arch::x86_64::*;
    let mut from = raw.chunks_exact(32);
    let mut to = out.chunks_exact_mut(32);
    let (mut high, mut percent) = (_mm256_setzero_si256(), _mm256_setzero_si256());
    // `A` as a block's last byte, for an `N` starting the next.
    let (mut an, mut a_last) = (0u32, 0u32);
    for (f, t) in (&mut from).zip(&mut to) {
        // SAFETY: `f` and `t` hold the 32 bytes loaded and stored.
        let v = unsafe { _mm256_loadu_si256(f.as_ptr().cast()) };
        let is = |c: u8| _mm256_cmpeq_epi8(v, _mm256_set1_epi8(c as i8));
        high = _mm256_or_si256(high, v);
        percent = _mm256_or_si256(percent, is(b'%'));
        let upper = _mm256_and_si256(
            _mm256_cmpgt_epi8(v, _mm256_set1_epi8(b'A' as i8 - 1)),
            _mm256_cmpgt_epi8(_mm256_set1_epi8(b'Z' as i8 + 1), v),
        );
        let lower = _mm256_or_si256(v, _mm256_and_si256(upper, _mm256_set1_epi8(0x20)));
        // SAFETY: as above.
        unsafe { _mm256_storeu_si256(t.as_mut_ptr().cast(), lower) };
        let a = _mm256_movemask_epi8(is(b'A')) as u32;
        let n = _mm256_movemask_epi8(is(b'N')) as u32;
        an |= ((a << 1) | a_last) & n;
        a_last = a >> 31;
    }
    let seen = Seen {
        ascii: _mm256_movemask_epi8(high) == 0,
        percent: _mm256_movemask_epi8(percent) != 0,
        an: an != 0,
    };
    lower_bytes(from.remainder(), to.into_remainder(), seen, a_last != 0)
}

/// [`lower_into`] 16 bytes at a time, with SSE2 (part of every x86_64 CPU).
#[cfg(target_arch = "x86_64")]
pub(crate) fn lower_sse2(raw: &[u8], out: &mut [u8]) -> Seen {
    use std::arch::x86_64::*;
    let mut from = raw.chunks_exact(16);
    let mut to = out.chunks_exact_mut(16);
    // SAFETY (every block below): SSE2 is part of every x86_64 CPU, and `f` and `t` hold
    // the 16 bytes loaded and stored.
    let (mut high, mut percent) = unsafe { (_mm_setzero_si128(), _mm_setzero_si128()) };
    let (mut an, mut a_last) = (0u32, 0u32);
    for (f, t) in (&mut from).zip(&mut to) {
        unsafe {
            let v = _mm_loadu_si128(f.as_ptr().cast());
            let is = |c: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8));
            high = _mm_or_si128(high, v);
            percent = _mm_or_si128(percent, is(b'%'));
            let upper = _mm_and_si128(
                _mm_cmpgt_epi8(v, _mm_set1_epi8(b'A' as i8 - 1)),
                _mm_cmplt_epi8(v, _mm_set1_epi8(b'Z' as i8 + 1)),
            );
            let lower = _mm_or_si128(v, _mm_and_si128(upper, _mm_set1_epi8(0x20)));
            _mm_storeu_si128(t.as_mut_ptr().cast(), lower);
            let a = _mm_movemask_epi8(is(b'A')) as u32;
            let n = _mm_movemask_epi8(is(b'N')) as u32;
            an |= ((a << 1) | a_last) & n;
            a_last = (a >> 15) & 1;
        }
    }
    // SAFETY: as above.
    let seen = unsafe {
        Seen {
            ascii: _mm_movemask_epi8(high) == 0,
            percent: _mm_movemask_epi8(percent) != 0,
            an: an != 0,
        }
    };
    lower_bytes(from.remainder(), to.into_remainder(), seen, a_last != 0)
}

/// [`lower_into`] a byte at a time (the last bytes; other CPUs), adding to what was `seen`
/// before; `a_before`: the byte before was `A`.
pub(crate) fn lower_bytes(raw: &[u8], out: &mut [u8], mut seen: Seen, mut a_before: bool) -> Seen {
    for (&f, t) in raw.iter().zip(out.iter_mut()) {
        *t = f.to_ascii_lowercase();
        seen.ascii &= f.is_ascii();
        seen.percent |= f == b'%';
        seen.an |= a_before && f == b'N';
        a_before = f == b'A';
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skip_plain_stops_at_quotes_escapes_and_controls() {
        let long = format!("{}\u{7f}é{}\"", "a".repeat(37), "b".repeat(20));
        let want = long.len() - 1;
        assert_eq!(skip_plain(long.as_bytes(), 0), want);
        assert_eq!(skip_plain_words(long.as_bytes(), 0), want);
        for at in 0..40 {
            for stop in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
                let mut text = "x".repeat(40).into_bytes();
                text[at] = stop;
                assert_eq!(skip_plain(&text, 0), at, "{stop} at {at}");
                assert_eq!(skip_plain_words(&text, 0), at, "{stop} at {at}");
            }
        }
        for (text, want) in [
            ("abcdefghijklmnop\"", 16),
            ("abc\\\"", 3),
            ("abcdefghij\tk", 10),
            ("héllo wörld, long enough\"", 26),
            ("short", 5),
        ] {
            assert_eq!(skip_plain(text.as_bytes(), 0), want, "{text}");
        }
    }

    /// The fast string end against its byte-wise definition: random texts of quotes,
    /// backslash runs of every length, letters and multi-byte characters, from every start,
    /// across 16- and 64-byte block edges, closed or not.
    #[test]
    fn string_ends_are_the_plain_ones() {
        let mut next = crate::xorshift(0x9E37_79B9_7F4A_7C15u64);
        let pieces: [&[u8]; 8] = [
            b"\"",
            b"\\",
            b"\\\\",
            b"a",
            b"bcdefgh",
            b"\xc3\xa9",
            b"\\\"",
            b"\\u0063",
        ];
        let mut compared = 0;
        for _ in 0..3_000 {
            let len = (next() % 300) as usize;
            let mut text = Vec::with_capacity(len + 8);
            while text.len() < len {
                // Mostly letters, so that strings run past a block now and then.
                let r = next() % 16;
                let piece = if r < 8 {
                    pieces[3 + (r as usize % 2)]
                } else {
                    pieces[(r as usize) % 8]
                };
                text.extend_from_slice(piece);
            }
            for start in 0..text.len() {
                if text[start] == b'"' || start % 7 == 0 {
                    let end = string_end_plain(&text, start);
                    assert_eq!(
                        string_end(&text, start),
                        end,
                        "{:?} from {start}",
                        String::from_utf8_lossy(&text)
                    );
                    let plain = |end: usize| {
                        !text[start + 1..end - 1]
                            .iter()
                            .any(|&c| c == b'\\' || c < 0x20)
                    };
                    assert_eq!(literal_end(&text, start), end.map(|e| (e, plain(e))));
                    compared += 1;
                }
            }
        }
        assert!(compared > 50_000, "{compared}");
        for (text, want) in [
            (&b"\"abc\""[..], Some(5)),
            (b"\"a\\\"b\"", Some(6)),
            (b"\"a\\\\\"", Some(5)),
            (b"\"a\\", None),
            (b"\"abc", None),
            (b"\"", None),
        ] {
            assert_eq!(string_end(text, 0), want);
            assert_eq!(string_end_plain(text, 0), want);
        }
        // And the plain ones: content without a backslash or a control character.
        for text in [
            &b"\"abc\""[..],
            b"\"a\\\"b\"",
            b"\"a\tb\"",
            b"\"\"",
            b"\"ab",
            b"\"\xc3\xa9\"",
        ] {
            let plain = |end: usize| !text[1..end - 1].iter().any(|&c| c == b'\\' || c < 0x20);
            assert_eq!(
                literal_end(text, 0),
                string_end(text, 0).map(|end| (end, plain(end))),
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
        let long = format!("\"{}\"", "\\\"x".repeat(100));
        assert_eq!(string_end(long.as_bytes(), 0), Some(long.len()));
        let odd = format!("\"{}\\\\\\\"{}\"", "y".repeat(62), "z".repeat(70));
        assert_eq!(string_end(odd.as_bytes(), 0), Some(odd.len()));
        assert_eq!(string_end_plain(odd.as_bytes(), 0), Some(odd.len()));
    }

    #[test]
    fn lower_into_lowers_ascii_letters_only() {
        let all: Vec<u8> = (0..=255u8)
            .chain(b"Client_ID AUTHORIZATION".iter().copied())
            .collect();
        let mut buffer = Vec::new();
        let (out, seen) = lower_into(&all, &mut buffer);
        assert!(!seen.ascii, "bytes over 127 are not ASCII");
        assert_eq!(out, all.to_ascii_lowercase());
        // A shorter text after a longer one: only its own bytes.
        let (out, seen) = lower_into(b"ABC", &mut buffer);
        assert_eq!((out, seen.ascii), (&b"abc"[..], true));
    }

    /// Every way of lowering (32 and 16 bytes at a time, byte by byte) gives the same text and
    /// sees the same: a byte over 127, a `%`, an `A` then `N`, at every offset, across the
    /// blocks' edges.
    #[test]
    fn lowering_sees_non_ascii_percent_and_an_anywhere() {
        type Lowering = fn(&[u8], &mut [u8]) -> Seen;
        let lowerings: Vec<Lowering> = vec![
            |raw, out| lower_bytes(raw, out, NOTHING_SEEN, false),
            #[cfg(target_arch = "x86_64")]
            lower_sse2,
            #[cfg(target_arch = "x86_64")]
            |raw, out| {
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU has AVX2.
                    unsafe { lower_avx2(raw, out) }
                } else {
                    lower_sse2(raw, out)
                }
            },
        ];
        let mut texts: Vec<Vec<u8>> = Vec::new();
        for at in 0..70 {
            for mark in [&b"\xc3"[..], b"%", b"AN", b"A", b"N", b"NA", b"aN", b"An"] {
                let mut text = b"xY".repeat(36);
                let end = (at + mark.len()).min(text.len());
                text[at..end].copy_from_slice(&mark[..end - at]);
                texts.push(text.clone());
                texts.push(text[..at.max(1)].to_vec());
            }
        }
        let mut hits = NOTHING_SEEN;
        for text in &texts {
            let want = Seen {
                ascii: text.is_ascii(),
                percent: text.contains(&b'%'),
                an: text.windows(2).any(|w| w == b"AN"),
            };
            hits.percent |= want.percent;
            hits.an |= want.an;
            for lower in &lowerings {
                let mut out = vec![0; text.len()];
                assert_eq!(
                    lower(text, &mut out),
                    want,
                    "{:?}",
                    String::from_utf8_lossy(text)
                );
                assert_eq!(out, text.to_ascii_lowercase());
            }
        }
        assert!(hits.percent && hits.an);
    }

    #[test]
    fn skip_ws_stops_at_the_first_other_byte() {
        for at in 0..40 {
            for other in [b'"', b'{', b'x', 0x0b, 0x0c, 0xa0] {
                let mut text = b" \n\r\t".repeat(10);
                text[at] = other;
                assert_eq!(skip_ws(&text, 0), at, "{other} at {at}");
                assert_eq!(skip_ws_bytes(&text, 0), at);
            }
        }
        assert_eq!(skip_ws(b"   ", 0), 3);
    }
}
