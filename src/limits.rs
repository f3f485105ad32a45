//! Limits on what one capture can make the checker do, so a huge, broken or crafted file
//! costs bounded work and the rest of the batch still gets checked.
//!
//! The limits are applied to the format-neutral [`Capture`] in one place ([`apply`]), after the
//! reader and before reconstruction, so every reader gets them. What goes over a limit is left
//! out of what the rules see (a body is not parsed, headers past the limit are dropped), and
//! each hit becomes a `capture.limits_hit` fact, which the `capture/limit` rule reports with
//! the flag that raises it. Secrets are collected from the capture before the limits cut
//! anything, so a snippet of an oversized entry is still masked.
//!
//! Two limits belong to archive reading (`decompressed_size`, `archive_members`): input
//! expansion and the readers of compressed inputs check them while decompressing (see
//! `read::budget`), and a capture cut there carries its hit in [`Capture::limits_hit`], which
//! [`apply`] reports first. JSON nesting is limited by serde_json
//! itself to 128 levels (not configurable: deeper input is an error, never a stack overflow).

use std::fmt;

use serde::Deserialize;

use crate::model::{Capture, Exchange, Header};

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const GIB: u64 = 1024 * MIB;

/// serde_json's fixed recursion limit.
pub const JSON_DEPTH: usize = 128;

/// The limits in force. Every one can be set in `tokentrail.toml` (`[limits]`) and on the
/// command line (`check --max-…`); the command line wins.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Bodies longer than this (bytes, after base64 decoding) are not parsed for rules.
    #[serde(deserialize_with = "de_size")]
    pub max_body_size: u64,
    /// Headers per message beyond this number are dropped.
    pub max_headers: usize,
    /// Headers of one message beyond this many bytes (names plus values) are dropped.
    #[serde(deserialize_with = "de_size")]
    pub max_header_size: u64,
    /// Total bytes one input (a `.gz`, an archive with its members and the archives inside
    /// it) may decompress to (no zip bombs). See `read::budget` for how they share it.
    #[serde(deserialize_with = "de_size")]
    pub max_decompressed_size: u64,
    /// Members of an archive read at most, counting those of archives inside it.
    pub max_archive_members: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_size: 16 * MIB,
            max_headers: 500,
            // What Chrome itself accepts for a response's headers.
            max_header_size: 256 * KIB,
            max_decompressed_size: GIB,
            max_archive_members: 10_000,
        }
    }
}

// What a hit is belongs to the capture (a reader records hits too); which limits there are
// and how they apply is this module's.
pub use crate::model::{Limit, LimitHit};

/// Applies the limits to a capture in place and says what they cut.
pub fn apply(capture: &mut Capture, limits: &Limits) -> Vec<LimitHit> {
    use rayon::prelude::*;
    // Those the reader hit first (decompression), in the order of the file.
    let mut hits = capture.limits_hit.clone();
    // On every thread, in entry order: a long capture's tens of thousands of exchanges took
    // 2 ms on one thread while the other had nothing to do.
    let per_entry: Vec<LimitHit> = capture
        .exchanges
        .par_iter_mut()
        .flat_map_iter(|ex| exchange_hits(ex, limits))
        .collect();
    hits.extend(per_entry);
    hits.extend(too_deep(capture));
    hits
}

/// Applies the header and body limits to one exchange; what they cut.
fn exchange_hits(ex: &mut Exchange, limits: &Limits) -> Vec<LimitHit> {
    let mut hits = Vec::new();
    let (index, offset) = (ex.index, ex.span.start);
    let mut hit = |limit: Limit, what: String| {
        hits.push(LimitHit {
            limit,
            entry: Some(index),
            offset,
            detail: format!("entry #{index}: {what}"),
        });
    };
    let sides = [
        ex.request
            .get_mut()
            .map(|r| ("request", &mut r.headers, &mut r.body)),
        ex.response
            .as_mut()
            .map(|r| ("response", &mut r.headers, &mut r.body)),
    ];
    for (side, headers, body) in sides.into_iter().flatten() {
        if let Some(what) = cut_headers(headers, limits) {
            hit(what.0, format!("{side} {}", what.1));
        }
        if let Some(b) = body.as_ref() {
            let size = b.text.len() as u64;
            if size > limits.max_body_size {
                *body = None;
                hit(
                    Limit::BodySize,
                    format!(
                        "the {side} body ({}) is larger than {} ({}); it was not checked",
                        size_words(size),
                        size_words(limits.max_body_size),
                        flag_words(Limit::BodySize)
                    ),
                );
            }
        }
    }
    hits
}

/// Drops the headers past either header limit; says which limit cut and how much.
fn cut_headers(headers: &mut Vec<Header>, limits: &Limits) -> Option<(Limit, String)> {
    let count = headers.len();
    let mut used: u64 = 0;
    let mut keep = 0;
    for h in headers.iter() {
        let size = (h.name.len() + h.value.len()) as u64;
        if keep >= limits.max_headers || used + size > limits.max_header_size {
            break;
        }
        used += size;
        keep += 1;
    }
    if keep == count {
        return None;
    }
    let total: u64 = headers
        .iter()
        .map(|h| (h.name.len() + h.value.len()) as u64)
        .sum();
    headers.truncate(keep);
    let dropped = count - keep;
    Some(if keep >= limits.max_headers {
        (
            Limit::Headers,
            format!(
                "has {count} headers, more than {} ({}); the last {dropped} were not checked",
                limits.max_headers,
                flag_words(Limit::Headers)
            ),
        )
    } else {
        (
            Limit::HeaderSize,
            format!(
                "headers take {}, more than {} ({}); the last {dropped} were not checked",
                size_words(total),
                size_words(limits.max_header_size),
                flag_words(Limit::HeaderSize)
            ),
        )
    })
}

/// JSON nested deeper than serde_json reads: where the reader stopped because of it, or an
/// entry it could only keep as an empty one.
fn too_deep(capture: &Capture) -> Vec<LimitHit> {
    use rayon::prelude::*;
    let fixed = format!(
        "nested deeper than {JSON_DEPTH} levels, the JSON parser's fixed limit ({})",
        flag_words(Limit::JsonDepth)
    );
    // Every exchange is looked at, on every core (a long capture's tens of thousands on one
    // thread cost a few milliseconds while the other had nothing to do).
    let deep = |ex: &Exchange| {
        // Only an entry that came out empty, without even its start time, can have lost
        // everything to depth; the probe re-parses just those, which real captures do not
        // have. (A skimmed stub is empty too but keeps its time; the skim reads deep entries
        // in full.)
        let empty =
            ex.request.method.is_empty() && ex.request.url.is_empty() && ex.started_raw.is_none();
        if !empty {
            return None;
        }
        let raw = capture.source.get(ex.span.clone())?;
        let e = serde_json::from_slice::<serde_json::Value>(raw).err()?;
        is_depth_error(&e).then(|| LimitHit {
            limit: Limit::JsonDepth,
            entry: Some(ex.index),
            offset: ex.span.start,
            detail: format!("entry #{}: {fixed}; it was read as empty", ex.index),
        })
    };
    let mut hits: Vec<LimitHit> = capture
        .exchanges
        .par_iter()
        .with_min_len(1024)
        .filter_map(deep)
        .collect();
    if let Some(t) = &capture.truncation {
        if t.reason.contains("recursion limit exceeded") {
            hits.push(LimitHit {
                limit: Limit::JsonDepth,
                entry: None,
                offset: t.offset,
                detail: format!(
                    "the file is {fixed}; reading stopped at byte {} after {} complete entries",
                    t.offset, t.complete_entries
                ),
            });
        }
    }
    hits
}

fn is_depth_error(e: &serde_json::Error) -> bool {
    e.to_string().contains("recursion limit exceeded")
}

fn flag_words(limit: Limit) -> String {
    match limit.flag() {
        Some(flag) => format!("raise it with {flag}"),
        None => "it cannot be raised".to_string(),
    }
}

/// A size for messages: bytes below 1 KiB, else KiB/MiB/GiB with at most one decimal.
pub fn size_words(bytes: u64) -> String {
    let (unit, name) = match bytes {
        b if b >= GIB => (GIB, "GiB"),
        b if b >= MIB => (MIB, "MiB"),
        b if b >= KIB => (KIB, "KiB"),
        _ => return format!("{bytes} bytes"),
    };
    let tenths = bytes * 10 / unit;
    if tenths.is_multiple_of(10) {
        format!("{} {name}", tenths / 10)
    } else {
        format!("{}.{} {name}", tenths / 10, tenths % 10)
    }
}

/// Parses a size: a number of bytes, optionally with a unit. `K`/`KiB`, `M`/`MiB`, `G`/`GiB`
/// are powers of 1024, `KB`/`MB`/`GB` powers of 1000; case, a space before the unit and a
/// fraction do not matter (`16MiB`, `16 mib`, `512k`, `1.5M`, `1000000`).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    // A bare `K`/`M`/`G` is binary, as in coreutils and ripgrep; parse-size reads a bare
    // prefix as decimal, so it is given the binary spelling.
    let spelled = if t.ends_with(['k', 'K', 'm', 'M', 'g', 'G']) {
        format!("{t}i")
    } else {
        t.to_string()
    };
    parse_size::Config::new()
        .parse_size(&spelled)
        .map_err(|e| match e {
            parse_size::Error::PosOverflow => format!("{text:?} is too large"),
            _ => format!(
                "{text:?} is not a size (a number of bytes, or with a unit: B, K/KiB, M/MiB, \
                 G/GiB, KB, MB or GB; e.g. 16MiB, 512K)"
            ),
        })
}

/// A size in `tokentrail.toml`: a number of bytes, or a string with a unit.
fn de_size<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = u64;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a size: a number of bytes or a string such as \"16MiB\"")
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<u64, E> {
            Ok(v)
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<u64, E> {
            u64::try_from(v).map_err(|_| E::custom("a size cannot be negative"))
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<u64, E> {
            parse_size(v).map_err(E::custom)
        }
    }
    d.deserialize_any(V)
}

#[cfg(feature = "cli")]
const HEADING: &str = "Limits (also settable in tokentrail.toml under [limits])";

/// The `check`/`flows` flags that override the configured limits.
#[cfg(feature = "cli")]
#[derive(Debug, Default, Clone, clap::Args)]
pub struct LimitFlags {
    /// Bodies larger than this are not parsed for rules [default: 16MiB].
    #[arg(long, value_name = "SIZE", value_parser = parse_size, help_heading = HEADING)]
    pub max_body_size: Option<u64>,
    /// Headers per request or response beyond this number are not checked [default: 500].
    #[arg(long, value_name = "N", help_heading = HEADING)]
    pub max_headers: Option<usize>,
    /// Headers of one request or response beyond this size are not checked [default: 256KiB].
    #[arg(long, value_name = "SIZE", value_parser = parse_size, help_heading = HEADING)]
    pub max_header_size: Option<u64>,
    /// What one .gz or archive input (members and nested archives included) may decompress
    /// to; reading stops there and says so [default: 1GiB].
    #[arg(long, value_name = "SIZE", value_parser = parse_size, help_heading = HEADING)]
    pub max_decompressed_size: Option<u64>,
    /// Members read from one archive, counting those of archives inside it; the rest are
    /// reported as not read [default: 10000].
    #[arg(long, value_name = "N", help_heading = HEADING)]
    pub max_archive_members: Option<usize>,
}

#[cfg(feature = "cli")]
impl LimitFlags {
    /// `base` with every limit given on the command line replaced.
    pub fn over(&self, base: &Limits) -> Limits {
        Limits {
            max_body_size: self.max_body_size.unwrap_or(base.max_body_size),
            max_headers: self.max_headers.unwrap_or(base.max_headers),
            max_header_size: self.max_header_size.unwrap_or(base.max_header_size),
            max_decompressed_size: self
                .max_decompressed_size
                .unwrap_or(base.max_decompressed_size),
            max_archive_members: self.max_archive_members.unwrap_or(base.max_archive_members),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Body, Exchange, Format, Request, Response};
    use std::sync::Arc;

    fn header(name: &str, value: &str) -> Header {
        Header {
            name: name.to_string().into(),
            value: value.into(),
        }
    }

    fn body(len: usize) -> Option<Body> {
        Some(Body {
            text: "x".repeat(len),
            ..Body::default()
        })
    }

    fn capture(exchanges: Vec<Exchange>) -> Capture {
        Capture {
            name: "t.har".into(),
            format: Format::Har,
            source: Arc::<[u8]>::from(&b"{}"[..]).into(),
            exchanges,
            truncation: None,
            parts: Vec::new(),
            limits_hit: Vec::new(),
            skipped: Vec::new(),
        }
    }

    fn exchange(index: usize, request: Request, response: Option<Response>) -> Exchange {
        Exchange {
            index,
            span: 10 * index..10 * index + 5,
            started: None,
            started_raw: None,
            request: request.into(),
            response: response.map(Box::new),
            error: None,
        }
    }

    #[test]
    fn sizes_parse_with_units() {
        for (text, want) in [
            ("1000", 1000),
            ("16MiB", 16 * MIB),
            ("16 mib", 16 * MIB),
            ("512k", 512 * KIB),
            ("2G", 2 * GIB),
            ("3MB", 3_000_000),
            ("7b", 7),
            ("1.5M", 3 * MIB / 2),
            ("1_000 KB", 1_000_000),
        ] {
            assert_eq!(parse_size(text), Ok(want), "{text}");
        }
        for bad in [
            "",
            "MiB",
            "-1",
            "4 parsecs",
            "12 KiK",
            "99999999999999999999G",
        ] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
        assert_eq!(size_words(16 * MIB), "16 MiB");
        assert_eq!(size_words(1536), "1.5 KiB");
        assert_eq!(size_words(12), "12 bytes");
    }

    #[test]
    fn limits_read_from_config_text() {
        let l: Limits = toml::from_str("max_body_size = \"1KiB\"\nmax_headers = 3").unwrap();
        assert_eq!((l.max_body_size, l.max_headers), (1024, 3));
        assert_eq!(l.max_header_size, Limits::default().max_header_size);
        assert!(toml::from_str::<Limits>("max_body_size = -5").is_err());
        assert!(toml::from_str::<Limits>("max_bodies = 5").is_err());
        let flags = LimitFlags {
            max_headers: Some(9),
            ..LimitFlags::default()
        };
        assert_eq!(flags.over(&l).max_headers, 9);
        assert_eq!(flags.over(&l).max_body_size, 1024);
    }

    #[test]
    fn oversized_bodies_are_dropped_and_named() {
        let limits = Limits {
            max_body_size: 100,
            ..Limits::default()
        };
        let request = Request {
            body: body(101).map(Box::new),
            ..Request::default()
        };
        let response = Response {
            status: 200,
            body: body(100).map(Box::new),
            ..Response::default()
        };
        let mut c = capture(vec![exchange(1, request, Some(response))]);
        let hits = apply(&mut c, &limits);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].limit, Limit::BodySize);
        assert_eq!((hits[0].entry, hits[0].offset), (Some(1), 10));
        assert_eq!(
            hits[0].detail,
            "entry #1: the request body (101 bytes) is larger than 100 bytes (raise it with --max-body-size); it was not checked"
        );
        assert!(c.exchanges[0].request.body.is_none());
        assert!(c.exchanges[0].response.as_ref().unwrap().body.is_some());
    }

    /// Hits come in entry order, and within an entry request before response, however the
    /// exchanges are shared out among threads.
    #[test]
    fn hits_of_many_entries_come_in_entry_order() {
        let limits = Limits {
            max_body_size: 100,
            ..Limits::default()
        };
        let sized = |n: usize| Request {
            body: body(n).map(Box::new),
            ..Request::default()
        };
        let exchanges = (1..=5_000)
            .map(|i| {
                let response = Response {
                    status: 200,
                    body: body(if i % 3 == 0 { 150 } else { 50 }).map(Box::new),
                    ..Response::default()
                };
                exchange(i, sized(if i % 2 == 0 { 101 } else { 99 }), Some(response))
            })
            .collect();
        let mut c = capture(exchanges);
        let hits = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap()
            .install(|| apply(&mut c, &limits));
        let want: Vec<(usize, &str)> = (1..=5_000)
            .flat_map(|i| {
                let request = (i % 2 == 0).then_some((i, "request"));
                let response = (i % 3 == 0).then_some((i, "response"));
                request.into_iter().chain(response)
            })
            .collect();
        let got: Vec<(usize, &str)> = hits
            .iter()
            .map(|h| {
                let side = if h.detail.contains("request") {
                    "request"
                } else {
                    "response"
                };
                (h.entry.unwrap_or(0), side)
            })
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn headers_past_the_count_or_size_are_dropped() {
        let limits = Limits {
            max_headers: 2,
            max_header_size: 10,
            ..Limits::default()
        };
        let many = Request {
            headers: vec![header("a", "1"), header("b", "2"), header("c", "3")],
            ..Request::default()
        };
        let big = Response {
            status: 200,
            headers: vec![header("name", "12345"), header("n", "toolong")],
            ..Response::default()
        };
        let mut c = capture(vec![
            exchange(1, many, None),
            exchange(2, Request::default(), Some(big)),
        ]);
        let hits = apply(&mut c, &limits);
        let seen: Vec<(Limit, Option<usize>)> = hits.iter().map(|h| (h.limit, h.entry)).collect();
        assert_eq!(
            seen,
            [(Limit::Headers, Some(1)), (Limit::HeaderSize, Some(2))]
        );
        assert_eq!(c.exchanges[0].request.headers.len(), 2);
        assert_eq!(c.exchanges[1].response.as_ref().unwrap().headers.len(), 1);
        assert!(
            hits[0].detail.contains("--max-headers"),
            "{}",
            hits[0].detail
        );
        assert!(
            hits[1].detail.contains("--max-header-size"),
            "{}",
            hits[1].detail
        );
        // Within the limits: nothing happens.
        let mut c = capture(vec![exchange(1, Request::default(), None)]);
        assert!(apply(&mut c, &Limits::default()).is_empty());
    }

    #[test]
    fn json_too_deep_is_a_hit_not_a_crash() {
        let deep = format!("{}{}", "[".repeat(1000), "]".repeat(1000));
        let text = format!(
            r#"{{"log":{{"entries":[{{"request":{deep}}},{{"request":{{"method":"GET","url":"u"}}}}]}}}}"#
        );
        let mut c = crate::read::read_bytes("deep.har", Arc::from(text.as_bytes())).unwrap();
        let hits = apply(&mut c, &Limits::default());
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!((hits[0].limit, hits[0].entry), (Limit::JsonDepth, Some(1)));
        assert!(hits[0].detail.contains("cannot be raised"));
        // Deep and unclosed inside the entry list: the file ends first, a plain truncation.
        let text = format!(
            r#"{{"log":{{"entries":[{{"request":{{"method":"GET","url":"u"}}}},{}"#,
            "[".repeat(1000)
        );
        let mut c = crate::read::read_bytes("deep.har", Arc::from(text.as_bytes())).unwrap();
        assert!(apply(&mut c, &Limits::default()).is_empty());
        assert_eq!(c.truncation.as_ref().map(|t| t.complete_entries), Some(1));
        // A reader that stops at the depth limit (serde_json's message) gets a whole-file hit.
        c.truncation = Some(crate::model::Truncation {
            offset: 7,
            complete_entries: 1,
            reason: "invalid JSON inside entry 2: recursion limit exceeded".into(),
        });
        let hits = apply(&mut c, &Limits::default());
        assert_eq!(hits.len(), 1);
        assert_eq!((hits[0].entry, hits[0].offset), (None, 7));
    }
}
