//! The skim's JSON tokenizer: as strict as serde_json, or stricter (whatever passes here passes
//! there), tracking only whether a string holds an escape that could spell a needle.

use super::{GiveUp, Str, DEEP, R};
#[cfg(target_arch = "x86_64")]
use crate::wire::simd::{escaped64, masks64};
use crate::wire::simd::{skip_plain, skip_ws};

pub(super) struct Cursor<'a> {
    pub(super) b: &'a [u8],
    pub(super) pos: usize,
    /// Container kinds of the value being skipped (`true`: object).
    pub(super) stack: Vec<bool>,
    /// An escape in the current entry that may spell a needle, or a surrogate (which makes the
    /// full reader drop fields): the entry is read in full.
    pub(super) hidden: bool,
    /// A buffer for the lower-cased text of an entry.
    pub(super) lower: std::cell::RefCell<Vec<u8>>,
}

impl<'a> Cursor<'a> {
    pub(super) fn new(b: &'a [u8], pos: usize) -> Self {
        Cursor {
            b,
            pos,
            stack: Vec::new(),
            hidden: false,
            lower: Default::default(),
        }
    }

    #[inline(always)]
    pub(super) fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    /// Inlined, with the lone space after a `:` stepped over in place: the tokenizer calls it
    /// up to four times a key, and most calls find no whitespace or that one space.
    #[inline(always)]
    pub(super) fn ws(&mut self) {
        let is_ws = |c: Option<&u8>| matches!(c, Some(b' ' | b'\n' | b'\r' | b'\t'));
        let at = self.b.get(self.pos);
        if at == Some(&b' ') && !is_ws(self.b.get(self.pos + 1)) {
            self.pos += 1;
        } else if is_ws(at) {
            self.pos = skip_ws(self.b, self.pos);
        }
    }

    #[inline(always)]
    pub(super) fn eat(&mut self, byte: u8) -> R<()> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(GiveUp)
        }
    }

    // -----------------------------------------------------------------------------------------
    // Tokens. As strict as serde_json, or stricter: whatever passes here passes there.

    /// The next key of an object whose `{` is consumed, with its `:` consumed; `None` after
    /// the closing `}`.
    #[inline(always)]
    pub(super) fn key(&mut self, first: &mut bool) -> R<Option<Str>> {
        if !self.next_item(first, b'}')? {
            return Ok(None);
        }
        self.eat(b'"')?;
        let key = self.string()?;
        self.ws();
        self.eat(b':')?;
        self.ws();
        Ok(Some(key))
    }

    /// Moves to the next element of a list whose `[` is consumed; false after the `]`.
    #[inline(always)]
    pub(super) fn element(&mut self, first: &mut bool) -> R<bool> {
        self.next_item(first, b']')
    }

    /// Steps over the `,` before the next item of an object or list (none before the first);
    /// false, with `close` consumed, at its end.
    #[inline(always)]
    pub(super) fn next_item(&mut self, first: &mut bool, close: u8) -> R<bool> {
        self.ws();
        if self.peek() == Some(close) {
            self.pos += 1;
            return Ok(false);
        }
        if !std::mem::take(first) {
            if self.peek() != Some(b',') {
                return Err(GiveUp);
            }
            self.pos += 1;
            self.ws();
        }
        Ok(true)
    }

    /// An entry nested near serde_json's recursion limit is read in full, so that it comes
    /// out exactly as the full reader leaves it (empty, with a `json-depth` limit hit).
    pub(super) fn note_depth(&mut self) {
        if self.stack.len() > DEEP {
            self.hidden = true;
        }
    }

    /// Skips one value of any depth, without recursion.
    pub(super) fn skip_value(&mut self) -> R<()> {
        self.stack.clear();
        loop {
            // A value starts here.
            self.ws();
            match self.peek().ok_or(GiveUp)? {
                b'{' => {
                    self.pos += 1;
                    self.ws();
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                    } else {
                        self.stack.push(true);
                        self.note_depth();
                        self.eat(b'"')?;
                        self.string()?;
                        self.ws();
                        self.eat(b':')?;
                        continue;
                    }
                }
                b'[' => {
                    self.pos += 1;
                    self.ws();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                    } else {
                        self.stack.push(false);
                        self.note_depth();
                        continue;
                    }
                }
                b'"' => {
                    self.pos += 1;
                    self.string()?;
                }
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                b'n' => self.literal(b"null")?,
                _ => self.number()?,
            }
            // A value ended: close containers until one goes on.
            loop {
                let Some(&object) = self.stack.last() else {
                    return Ok(());
                };
                self.ws();
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        if object {
                            self.ws();
                            self.eat(b'"')?;
                            self.string()?;
                            self.ws();
                            self.eat(b':')?;
                        }
                        break;
                    }
                    Some(b'}') if object => {
                        self.pos += 1;
                        self.stack.pop();
                    }
                    Some(b']') if !object => {
                        self.pos += 1;
                        self.stack.pop();
                    }
                    _ => return Err(GiveUp),
                }
            }
        }
    }

    pub(super) fn literal(&mut self, word: &[u8]) -> R<()> {
        if self.b.get(self.pos..self.pos + word.len()) == Some(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(GiveUp)
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    pub(super) fn number(&mut self) -> R<()> {
        let b = self.b;
        let mut p = self.pos;
        let digit = |p: usize| b.get(p).is_some_and(u8::is_ascii_digit);
        if b.get(p) == Some(&b'-') {
            p += 1;
        }
        match b.get(p) {
            Some(b'0') => p += 1,
            Some(b'1'..=b'9') => {
                while digit(p) {
                    p += 1;
                }
            }
            _ => return Err(GiveUp),
        }
        if b.get(p) == Some(&b'.') {
            p += 1;
            if !digit(p) {
                return Err(GiveUp);
            }
            while digit(p) {
                p += 1;
            }
        }
        if let Some(b'e' | b'E') = b.get(p) {
            p += 1;
            if let Some(b'+' | b'-') = b.get(p) {
                p += 1;
            }
            if !digit(p) {
                return Err(GiveUp);
            }
            while digit(p) {
                p += 1;
            }
        }
        self.pos = p;
        Ok(())
    }

    /// The rest of a string whose opening quote is consumed. Control characters are invalid;
    /// escapes are checked, and one that may spell a needle sets `hidden`.
    ///
    /// Inlined where it is called, with the rest out of line: most strings are keys and short
    /// values that end before their first escape, and the call cost as much as their bytes.
    #[inline(always)]
    pub(super) fn string(&mut self) -> R<Str> {
        let start = self.pos;
        self.pos = skip_plain(self.b, self.pos);
        if self.peek() == Some(b'"') {
            let end = self.pos;
            self.pos += 1;
            return Ok(Str {
                start,
                end,
                escaped: false,
            });
        }
        self.string_rest(start)
    }

    /// [`Cursor::string`] from its first escape (or what ends it otherwise).
    #[inline(never)]
    fn string_rest(&mut self, start: usize) -> R<Str> {
        match self.peek() {
            #[cfg(target_arch = "x86_64")]
            Some(b'\\') => self.escaped_string(start),
            _ => self.string_bytes(start, false),
        }
    }

    /// The rest of a string from its first escape (at `self.pos`), 64 bytes at a time: a body
    /// that is JSON inside a JSON string has an escaped quote every few bytes, and a branch
    /// for each one costs more than finding them all at once. Which bytes are escaped comes
    /// from the backslash runs, as in simdjson (`json_escape_scanner.h`).
    #[cfg(target_arch = "x86_64")]
    pub(super) fn escaped_string(&mut self, start: usize) -> R<Str> {
        let b = self.b;
        let mut at = self.pos;
        // 1 when the last block ended in a backslash that escapes the next block's first byte.
        let mut carry = 0u64;
        while let Some(block) = b.get(at..at + 64) {
            let m = masks64(block);
            let (escaped, next_carry) = escaped64(m.backslash, carry);
            let end = (m.quote & !escaped).trailing_zeros();
            let before = 1u64.checked_shl(end).map_or(u64::MAX, |bit| bit - 1);
            if m.control & before != 0 {
                return Err(GiveUp);
            }
            // An escaped quote, the most common escape by far, needs no check.
            let mut codes = escaped & before & !m.quote;
            while codes != 0 {
                let i = at + codes.trailing_zeros() as usize;
                codes &= codes - 1;
                match b.get(i) {
                    Some(b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {}
                    Some(b'\\') => {
                        // `\\u0063` is `\u0063` in the text, which a JSON body decodes.
                        if b.get(i + 1) == Some(&b'u') {
                            if let Some(cp) = hex4(b, i + 2) {
                                self.hidden |= hides(cp);
                            }
                        }
                    }
                    Some(b'u') => {
                        let cp = hex4(b, i + 1).ok_or(GiveUp)?;
                        self.hidden |= hides(cp);
                    }
                    _ => return Err(GiveUp),
                }
            }
            if end < 64 {
                self.pos = at + end as usize + 1;
                return Ok(Str {
                    start,
                    end: at + end as usize,
                    escaped: true,
                });
            }
            carry = next_carry;
            at += 64;
        }
        // Under 64 bytes left: byte by byte, from the escape that reaches into them if any.
        self.pos = at - carry as usize;
        self.string_bytes(start, true)
    }

    /// The rest of a string from `self.pos` (not an escaped byte), a stretch at a time.
    pub(super) fn string_bytes(&mut self, start: usize, mut escaped: bool) -> R<Str> {
        loop {
            self.pos = skip_plain(self.b, self.pos);
            match self.peek().ok_or(GiveUp)? {
                b'"' => {
                    let end = self.pos;
                    self.pos += 1;
                    return Ok(Str {
                        start,
                        end,
                        escaped,
                    });
                }
                b'\\' => {
                    escaped = true;
                    self.pos += 1;
                    match self.peek().ok_or(GiveUp)? {
                        b'"' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.pos += 1,
                        b'\\' => {
                            self.pos += 1;
                            // `\\u0063` is `\u0063` in the text, which a JSON body decodes.
                            if self.peek() == Some(b'u') {
                                if let Some(cp) = hex4(self.b, self.pos + 1) {
                                    self.hidden |= hides(cp);
                                }
                            }
                        }
                        b'u' => {
                            let cp = hex4(self.b, self.pos + 1).ok_or(GiveUp)?;
                            self.hidden |= hides(cp);
                            self.pos += 5;
                        }
                        _ => return Err(GiveUp),
                    }
                }
                _ => return Err(GiveUp), // a control character
            }
        }
    }

    pub(super) fn text(&self, s: Str) -> &'a [u8] {
        self.b.get(s.start..s.end).unwrap_or_default()
    }
}

/// The text of a string the tokenizer passed (its escapes valid), with its escapes undone as
/// serde_json undoes them; `None` when one is a `\u` escape, which serde_json decodes
/// (surrogate pairs, and lone ones that it rejects). A JSON body inside a HAR string has an
/// escaped quote every few bytes, and serde_json's way through one cost ten times a copy.
pub(super) fn unescaped(text: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = memchr::memchr(b'\\', rest) {
        out.extend_from_slice(rest.get(..at)?);
        out.push(match rest.get(at + 1)? {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            _ => return None,
        });
        rest = rest.get(at + 2..)?;
    }
    out.extend_from_slice(rest);
    String::from_utf8(out).ok()
}

pub(super) fn hex4(b: &[u8], at: usize) -> Option<u32> {
    let digits = b.get(at..at + 4)?;
    let text = std::str::from_utf8(digits).ok()?;
    if !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u32::from_str_radix(text, 16).ok()
}

/// Whether an escaped code point may be part of a needle once decoded (a letter, digit, `_`,
/// `-`, the `.` of a JWT's `.eyJ`, or a `%` or `\` that starts another escape), or is a
/// surrogate (which the full reader may reject, dropping fields).
pub(super) fn hides(cp: u32) -> bool {
    match u8::try_from(cp) {
        Ok(c) if c.is_ascii() => c.is_ascii_alphanumeric() || b"_-.%\\".contains(&c),
        _ => (0xD800..=0xDFFF).contains(&cp),
    }
}
