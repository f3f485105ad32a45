//! Undoing what HTTP does to a body on the wire: chunked transfer coding, and the
//! `gzip` / `deflate` / `br` content codings. Recorded messages are often cut or damaged, so
//! every decoder keeps what it could decode instead of failing.

use std::io::Read;

/// The most a decompressed body may grow to. A capture body is a page or a JSON document; a
/// decompression bomb in a ticket attachment must not take the machine down.
pub(crate) const MAX_BODY: u64 = 64 << 20;

/// The body with chunked transfer coding removed, and how many bytes of `bytes` it took (up to
/// and including the last chunk and its trailers). A body cut inside a chunk yields the data
/// before the cut and consumes everything.
pub(crate) fn dechunk(bytes: &[u8]) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let mut at = 0;
    loop {
        let line_end = find_line_end(bytes, at);
        let line = bytes
            .get(at..line_end.map_or(bytes.len(), |l| l.0))
            .unwrap_or_default();
        let size_text = line.split(|&b| b == b';').next().unwrap_or_default();
        let size = std::str::from_utf8(size_text)
            .ok()
            .and_then(|s| usize::from_str_radix(s.trim(), 16).ok());
        let (Some(size), Some(line_end)) = (size, line_end) else {
            if size.is_some() {
                // Cut inside a chunk-size line.
                return (out, bytes.len());
            }
            // Not a chunk-size line: the body was not really chunked (or is damaged here).
            return (out, at);
        };
        at = line_end.1;
        if size == 0 {
            // Trailers up to an empty line.
            while let Some((end, next)) = find_line_end(bytes, at) {
                let empty = end == at;
                at = next;
                if empty {
                    break;
                }
            }
            return (out, at.min(bytes.len()));
        }
        let end = at.saturating_add(size);
        let Some(data) = bytes.get(at..end) else {
            out.extend_from_slice(bytes.get(at..).unwrap_or_default());
            return (out, bytes.len());
        };
        out.extend_from_slice(data);
        at = end;
        // The CRLF after the chunk data.
        if bytes.get(at..at + 2) == Some(b"\r\n") {
            at += 2;
        } else if bytes.get(at) == Some(&b'\n') {
            at += 1;
        }
    }
}

/// `(end of line content, start of next line)` of the line starting at `at`, accepting CRLF or
/// LF; `None` when no line break follows.
fn find_line_end(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    let rest = bytes.get(at..)?;
    let nl = rest.iter().position(|&b| b == b'\n')?;
    let end = match rest.get(..nl) {
        Some([.., b'\r']) => nl - 1,
        _ => nl,
    };
    Some((at + end, at + nl + 1))
}

/// The body with its `Content-Encoding` undone, codings applied last undone first
/// (`gzip, br` means br was applied last). Unknown codings (and `identity`) are left alone; a
/// body that does not decode as its header says is kept as it is, since some tools record the
/// decoded body but keep the header.
pub(crate) fn decode_content(body: Vec<u8>, content_encoding: Option<&str>) -> Vec<u8> {
    let Some(codings) = content_encoding else {
        return body;
    };
    let mut body = body;
    for coding in codings.rsplit(',') {
        let decoded = match coding.trim().to_ascii_lowercase().as_str() {
            "gzip" | "x-gzip" => gunzip(&body),
            "deflate" => inflate(&body),
            "br" => unbrotli(&body),
            _ => None,
        };
        match decoded {
            Some(d) => body = d,
            None => break,
        }
    }
    body
}

/// Reads a whole decoder. With `keep_partial`, what was decoded before an error (a cut
/// stream) is kept; otherwise an error means the body was not in this coding at all.
fn read_all(reader: impl Read, keep_partial: bool) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    // On an error, read_to_end leaves what was read so far in `out`.
    match reader.take(MAX_BODY).read_to_end(&mut out) {
        Ok(_) => Some(out),
        Err(_) if keep_partial && !out.is_empty() => Some(out),
        Err(_) => None,
    }
}

pub(crate) fn gunzip(bytes: &[u8]) -> Option<Vec<u8>> {
    if !bytes.starts_with(b"\x1F\x8B") {
        return None;
    }
    // The magic number says it is gzip, so a stream that breaks off was cut, not misnamed.
    read_all(flate2::read::MultiGzDecoder::new(bytes), true)
}

/// HTTP's `deflate` is zlib-wrapped, but many servers send raw deflate: try both.
fn inflate(bytes: &[u8]) -> Option<Vec<u8>> {
    let zlib_header = match bytes {
        [cmf, flg, ..] => cmf & 0x0F == 8 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0,
        _ => false,
    };
    if zlib_header {
        if let Some(out) = read_all(flate2::read::ZlibDecoder::new(bytes), false) {
            return Some(out);
        }
    }
    // Raw deflate has no header to recognise it by, and many texts start like a valid block:
    // accept it only when the stream ends exactly where the body does.
    let mut decoder = flate2::read::DeflateDecoder::new(bytes);
    let out = read_all(&mut decoder, false)?;
    (decoder.total_in() == bytes.len() as u64).then_some(out)
}

fn unbrotli(bytes: &[u8]) -> Option<Vec<u8>> {
    if bytes.is_empty() {
        return None;
    }
    read_all(brotli_decompressor::Decompressor::new(bytes, 4096), false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const TEXT: &[u8] =
        br#"{"access_token":"Atza|IwEBsecret","token_type":"bearer","expires_in":3600}"#;

    #[test]
    fn chunked_bodies_with_extensions_trailers_and_lf_only() {
        let wire = b"19\r\n{\"access_token\":\"Atza|IwE\r\n4;ext=1\r\nBsec\r\n0\r\nX-Trailer: 1\r\n\r\nGET / HTTP/1.1\r\n";
        let (body, used) = dechunk(wire);
        assert_eq!(body, b"{\"access_token\":\"Atza|IwEBsec");
        assert_eq!(&wire[used..], b"GET / HTTP/1.1\r\n");
        let (body, used) = dechunk(b"3\nabc\n0\n\nrest");
        assert_eq!((body.as_slice(), used), (&b"abc"[..], 9));
    }

    #[test]
    fn chunked_body_cut_or_not_chunked() {
        // Cut inside the second chunk: the data before the cut is kept.
        let (body, used) = dechunk(b"3\r\nabc\r\n10\r\ndef");
        assert_eq!((body.as_slice(), used), (&b"abcdef"[..], 15));
        // No chunk-size line at all: nothing is taken.
        let (body, used) = dechunk(b"{\"a\":1}");
        assert_eq!((body.len(), used), (0, 0));
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn gzip_deflate_and_br_are_undone() {
        assert_eq!(decode_content(gzip(TEXT), Some("gzip")), TEXT);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(TEXT).unwrap();
        assert_eq!(decode_content(z.finish().unwrap(), Some("deflate")), TEXT);
        let mut raw =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        raw.write_all(TEXT).unwrap();
        assert_eq!(decode_content(raw.finish().unwrap(), Some("Deflate")), TEXT);
        let br = brotli_of_text();
        assert_eq!(decode_content(br, Some("br")), TEXT);
    }

    /// A brotli stream holding TEXT as one uncompressed meta-block, built by hand from RFC 7932
    /// §9.2 so the test needs no encoder: WBITS=16, ISLAST=0, MNIBBLES=4, MLEN-1, ISUNCOMPRESSED=1,
    /// the bytes, then an empty last meta-block.
    fn brotli_of_text() -> Vec<u8> {
        let mut bits = BitWriter::default();
        bits.put(0, 1); // WBITS = 16
        bits.put(0, 1); // ISLAST = 0
        bits.put(0, 2); // MNIBBLES = 4
        bits.put((TEXT.len() - 1) as u32, 16); // MLEN - 1
        bits.put(1, 1); // ISUNCOMPRESSED
        let mut out = bits.finish();
        out.extend_from_slice(TEXT);
        out.push(0b11); // ISLAST = 1, ISLASTEMPTY = 1
        out
    }

    #[derive(Default)]
    struct BitWriter {
        out: Vec<u8>,
        acc: u32,
        n: u32,
    }

    impl BitWriter {
        fn put(&mut self, value: u32, width: u32) {
            self.acc |= value << self.n;
            self.n += width;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        fn finish(mut self) -> Vec<u8> {
            if self.n > 0 {
                self.out.push(self.acc as u8);
            }
            self.out
        }
    }

    #[test]
    fn codings_stack_and_bad_bodies_are_kept() {
        // gzip applied first, then br: undone br first.
        let gz = gzip(TEXT);
        let mut bits = BitWriter::default();
        bits.put(0, 1);
        bits.put(0, 1);
        bits.put(0, 2);
        bits.put((gz.len() - 1) as u32, 16);
        bits.put(1, 1);
        let mut br = bits.finish();
        br.extend_from_slice(&gz);
        br.push(0b11);
        assert_eq!(decode_content(br, Some("gzip, br")), TEXT);
        // The tool decoded the body but kept the header: kept as it is.
        assert_eq!(decode_content(TEXT.to_vec(), Some("gzip")), TEXT);
        assert_eq!(decode_content(TEXT.to_vec(), Some("br")), TEXT);
        assert_eq!(decode_content(TEXT.to_vec(), Some("identity")), TEXT);
        assert_eq!(decode_content(TEXT.to_vec(), Some("deflate")), TEXT);
        // A gzip stream cut in the middle: what was decoded is kept.
        let long: Vec<u8> = TEXT.iter().copied().cycle().take(20_000).collect();
        let gz = gzip(&long);
        let cut = decode_content(gz[..gz.len() / 2].to_vec(), Some("gzip"));
        assert!(!cut.is_empty() && long.starts_with(&cut[..cut.len().min(100)]));
    }
}
