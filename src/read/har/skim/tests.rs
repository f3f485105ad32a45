use super::cursor::{hides, Cursor};
use super::needles::{has_needle, needles, percent_hides};
use super::pieces::{chain, guess_cuts, skim_from, skim_in_pieces, Ended};
use super::*;
use crate::wire::simd::lower_into;

/// What `check` keeps of an entry built from the tokenizer's spans (`Cursor::kept`).
mod kept;

/// Every name whose value secret collection takes (a parameter, a JSON key, a header other
/// than the cookies) is a needle, however it is cased and wherever it stands in an entry's
/// text: an entry holding such a secret is read in full, as it always was.
#[test]
fn every_secret_name_is_a_needle() {
    use crate::secret::{SecretKind, SECRET_FIELDS, SECRET_HEADERS, SECRET_SUFFIXES};
    let names = SECRET_FIELDS
        .iter()
        .chain(SECRET_SUFFIXES)
        .chain(SECRET_HEADERS)
        .filter(|(_, kind)| *kind != SecretKind::Cookie)
        .map(|(name, _)| *name);
    let mut checked = 0;
    for name in names {
        let upper = name.to_ascii_uppercase();
        for name in [name, upper.as_str()] {
            for text in [
                format!(r#""url": "https://a.example/p?a=1&{name}=x""#),
                format!(r#""url": "https://a.example/p?a=1&{name}""#),
                format!(r#""url": "https://a.example/p?{name}#f""#),
                format!(r#""text": "a=1&{name}=x&b=2""#),
                format!(r#""text": "{{\"{name}\":\"x\"}}""#),
                format!(r#"{{"name": "{name}", "value": "x"}}"#),
            ] {
                let mut buffer = Vec::new();
                let (lower, _) = lower_into(text.as_bytes(), &mut buffer);
                assert!(has_needle(needles(), lower), "{text}");
                checked += 1;
            }
        }
    }
    assert!(checked > 300, "only {checked} spellings");
}

/// Strings read 64 bytes at a time from their first escape end where the byte-wise reading
/// ends, with the same escape flag and the same verdict on hidden needles and invalid text.
#[test]
fn strings_read_alike_in_blocks_and_byte_by_byte() {
    let alphabet: &[&[u8]] = &[
        b"a",
        b"Z",
        b"\"",
        b"\\",
        b"u",
        b"0",
        b"6",
        b"3",
        b"f",
        b"/",
        b"n",
        b"t",
        b"x",
        b" ",
        b"\x01",
        b"\xc3\xa9",
        b"\\\"",
        b"\\u0063",
        b"\\u0026",
        b"\\\\u0063",
        b"\\\\",
    ];
    let mut next = crate::xorshift(0x2545_f491_4f6c_dd1du64);
    let (mut ended, mut hidden, mut failed) = (0, 0, 0);
    for _ in 0..20_000 {
        let len = (next() % 300) as usize;
        let mut text = Vec::new();
        // Mostly plain bytes and escaped quotes, like a JSON body in a HAR string.
        while text.len() < len {
            let r = next();
            let piece: &[u8] = if r.is_multiple_of(4) {
                alphabet[(r >> 8) as usize % alphabet.len()]
            } else if r % 4 == 1 {
                b"\\\""
            } else {
                b"abcdefgh".get(..(r >> 8) as usize % 8).unwrap_or(b"")
            };
            text.extend_from_slice(piece);
        }
        text.extend_from_slice(b"\", \"more\"}");
        for pad in [0usize, 70] {
            let mut b = text.clone();
            b.extend(std::iter::repeat_n(b' ', pad));
            let mut blocks = Cursor::new(&b, 0);
            let mut bytes = Cursor::new(&b, 0);
            let one = blocks
                .string()
                .ok()
                .map(|s| (s.start, s.end, s.escaped, blocks.pos));
            let two = bytes
                .string_bytes(0, false)
                .ok()
                .map(|s| (s.start, s.end, s.escaped, bytes.pos));
            assert_eq!(one, two, "{:?}", String::from_utf8_lossy(&b));
            // After a failure the skim gives up: what it saw before does not matter.
            if one.is_some() {
                assert_eq!(
                    blocks.hidden,
                    bytes.hidden,
                    "{:?}",
                    String::from_utf8_lossy(&b)
                );
            }
            match one {
                Some(_) => ended += 1,
                None => failed += 1,
            }
            hidden += usize::from(blocks.hidden);
        }
    }
    assert!(
        ended > 5_000 && failed > 5_000 && hidden > 1_000,
        "{ended} {failed} {hidden}"
    );
}

/// The tokenizer's whitespace step (inlined, with a lone space stepped over in place) ends
/// where the byte-wise definition does.
#[test]
fn whitespace_ends_where_the_plain_definition_does() {
    use crate::wire::simd::skip_ws_bytes;
    let pieces: &[&[u8]] = &[
        b" ", b"\n", b"\r", b"\t", b"\"", b":", b"x", b"\x0b", b"\xc3",
    ];
    let mut next = crate::xorshift(0x6a09_e667_f3bc_c909_u64);
    for _ in 0..20_000 {
        let len = next() % 40;
        let text: Vec<u8> = (0..len)
            .flat_map(|_| {
                pieces[(next() % pieces.len() as u64) as usize]
                    .iter()
                    .copied()
            })
            .collect();
        for at in 0..=text.len() {
            let mut c = Cursor::new(&text, at);
            c.ws();
            assert_eq!(c.pos, skip_ws_bytes(&text, at), "{text:?} at {at}");
        }
    }
}

/// Every string the tokenizer passes is unescaped as serde_json unescapes it, or left to
/// serde_json when it holds a `\u` escape (and only then).
#[test]
fn strings_are_unescaped_as_serde_json_does() {
    let alphabet: &[&[u8]] = &[
        b"a",
        b"Z",
        b"/",
        b" ",
        b"\xc3\xa9",
        b"\xe2\x82\xac",
        b"\\\"",
        b"\\\\",
        b"\\/",
        b"\\b",
        b"\\f",
        b"\\n",
        b"\\r",
        b"\\t",
        b"\\u0063",
        b"\\u00e9",
        b"\\ud83d\\ude00",
        b"\\\\u0063",
        b"u",
        b"\\\\n",
    ];
    let mut next = crate::xorshift(0x9e37_79b9_7f4a_7c15u64);
    let (mut ours, mut left) = (0, 0);
    for _ in 0..20_000 {
        let len = (next() % 200) as usize;
        let mut text = b"\"".to_vec();
        while text.len() < len + 1 {
            let r = next();
            let piece: &[u8] = if r.is_multiple_of(3) {
                alphabet[(r >> 8) as usize % alphabet.len()]
            } else {
                b"abcdefgh".get(..(r >> 8) as usize % 8).unwrap_or(b"")
            };
            text.extend_from_slice(piece);
        }
        text.push(b'"');
        let mut c = Cursor::new(&text, 1);
        let s = c.string().expect("a valid string");
        let inner = c.text(s);
        let theirs: String = serde_json::from_slice(&text).expect("serde_json reads it");
        // A `\u` escape: a backslash that an odd run of backslashes ends, then `u`.
        let mut escapes_u = false;
        let mut run = 0;
        for w in inner.windows(2) {
            run = if w[0] == b'\\' { run + 1 } else { 0 };
            escapes_u |= run % 2 == 1 && w[1] == b'u';
        }
        match super::cursor::unescaped(inner) {
            Some(text) => {
                assert!(!escapes_u, "{:?}", String::from_utf8_lossy(inner));
                assert_eq!(text, theirs);
                ours += 1;
            }
            None => {
                assert!(escapes_u, "{:?}", String::from_utf8_lossy(inner));
                left += 1;
            }
        }
    }
    assert!(ours > 5_000 && left > 5_000, "{ours} {left}");
}

#[test]
fn escapes_that_spell_letters_hide_needles() {
    assert!(hides(0x63)); // c
    assert!(hides(0x5f)); // _
    assert!(hides(0x5c)); // \ (a second level of escapes)
    assert!(hides(0xd83d)); // a surrogate
    assert!(!hides(0x26) && !hides(0x3d) && !hides(0x2f)); // & = /
    assert!(!hides(0xe9)); // é
    assert!(percent_hides(b"x=%63ode"));
    assert!(percent_hides(b"client%5Fid"));
    assert!(!percent_hides(b"https%3A%2F%2Fa.example%2F"));
    assert!(!percent_hides(b"100%"));
}

#[test]
fn numbers_follow_the_json_grammar() {
    for ok in ["0", "-0", "12", "1.5", "1e9", "-2.5E-3"] {
        let mut c = Cursor::new(ok.as_bytes(), 0);
        assert!(c.number().is_ok() && c.pos == ok.len(), "{ok}");
    }
    for bad in ["-", "1.", ".5", "1e", "+1"] {
        let mut c = Cursor::new(bad.as_bytes(), 0);
        assert!(c.number().is_err() || c.pos != bad.len(), "{bad}");
    }
}

/// A capture of `copies` rounds of every entry of a few fixtures (flows, cookies, plain
/// traffic), pretty-printed as Chrome does or compact.
fn long_capture(copies: usize, pretty: bool) -> Source {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut entries = Vec::new();
    for name in [
        "samples/wrong-profile.har",
        "good/alexa-app-firefox.har",
        "oauth/code-reused/fires-activation-retry-chrome.har",
    ] {
        let text = std::fs::read_to_string(root.join(name)).unwrap();
        let har: serde_json::Value = serde_json::from_str(&text).unwrap();
        entries.extend(har["log"]["entries"].as_array().unwrap().iter().cloned());
    }
    let mut all = Vec::new();
    for i in 0..copies {
        all.extend(entries.iter().cloned());
        // An entry whose nested value holds what looks like the start of an entry.
        all.push(serde_json::json!({
            "startedDateTime": format!("2024-03-14T11:40:{:02}.000Z", i % 60),
            "_nested": [{"startedDateTime": "x"}, {"startedDateTime": "y"}],
            "request": {"method": "GET", "url": format!("https://shop.example/{i}"),
                "headers": [{"name": "Cookie", "value": format!("sid=visit-{i:06}")}]},
            "response": {"status": 200, "headers": [], "content": {"text": "ok"}}
        }));
    }
    let har = serde_json::json!({"log": {"version": "1.2", "entries": all}});
    let text = if pretty {
        serde_json::to_string_pretty(&har).unwrap()
    } else {
        serde_json::to_string(&har).unwrap()
    };
    Source::from(text.into_bytes())
}

fn seen(skimmed: Option<Vec<Exchange>>) -> String {
    format!("{:#?}", skimmed.expect("skimmed"))
}

#[test]
fn pieces_read_what_one_pass_reads() {
    for pretty in [true, false] {
        let source = long_capture(12, pretty);
        let one = seen(skim_in_pieces(
            &source,
            1,
            MIN_PIECE,
            TAIL_PIECE,
            &Limits::default(),
            Keep::All,
        ));
        assert!(one.contains("index: 100,"), "a long capture");
        for threads in [2, 3, 5] {
            let bytes: &[u8] = &source;
            let list = bytes.iter().position(|&c| c == b'[').unwrap() + 1;
            let cuts = guess_cuts(bytes, list, threads, 1);
            assert!(
                !cuts.is_empty(),
                "the entry opening is found (pretty: {pretty})"
            );
            let split = seen(skim_in_pieces(
                &source,
                threads,
                0,
                1,
                &Limits::default(),
                Keep::All,
            ));
            assert_eq!(split, one, "entries, {threads} pieces, pretty: {pretty}");
        }
    }
}

/// A skimmed entry carries no request of its own (the shared empty one), so a long
/// capture's plain traffic costs no allocation per entry for it; entries read in full do.
#[test]
fn stubs_share_the_empty_request() {
    let source = long_capture(12, true);
    let all = skim_in_pieces(&source, 2, 0, 1, &Limits::default(), Keep::All).expect("skimmed");
    let stubs: Vec<&Exchange> = all.iter().filter(|e| e.is_inert()).collect();
    assert!(stubs.len() >= 12, "{} stubs", stubs.len());
    assert!(stubs.iter().all(|e| !e.request.owns()));
    assert!(all
        .iter()
        .filter(|e| !e.is_inert())
        .all(|e| e.request.owns()));
}

/// Cuts that are not entry starts (inside a nested list, inside a string, at the end) are
/// thrown away, never read as entries.
#[test]
fn wrong_guesses_are_thrown_away() {
    let source = long_capture(3, false);
    let bytes: &[u8] = &source;
    let list = bytes.iter().position(|&c| c == b'[').unwrap() + 1;
    let nested = memchr::memmem::find(bytes, br#"{"startedDateTime":"y"}"#).unwrap();
    let in_string = memchr::memmem::find(bytes, b"visit-000001").unwrap();
    let one = skim_from(&source, list, &[], &Limits::default(), Keep::All).unwrap();
    for cuts in [vec![nested], vec![in_string], vec![nested, bytes.len() - 3]] {
        let split = skim_from(&source, list, &cuts, &Limits::default(), Keep::All).unwrap();
        assert_eq!(
            format!("{:#?}", split.exchanges),
            format!("{:#?}", one.exchanges)
        );
    }
    // A wrong guess before a right one: the first piece runs past it to the right one.
    let real = guess_cuts(bytes, list, 2, bytes.len() / 2);
    assert_eq!(real.len(), 1);
    for wrong in [nested, in_string] {
        let cuts = [wrong.min(real[0] - 1), real[0]];
        let split = skim_from(&source, list, &cuts, &Limits::default(), Keep::All).unwrap();
        assert_eq!(
            format!("{:#?}", split.exchanges),
            format!("{:#?}", one.exchanges)
        );
    }
}

/// The skim counts the capture's newlines as it passes its text (for the reports' line
/// numbers), on any number of pieces, right guesses or wrong: the index it leaves on the source
/// is the one counting the whole text gives.
#[test]
fn the_pieces_count_the_lines_one_pass_would() {
    use crate::model::Newlines;
    for pretty in [true, false] {
        let whole = {
            let source = long_capture(40, pretty);
            assert!(
                source.len() > 4 * crate::model::NEWLINE_BLOCK,
                "{}",
                source.len()
            );
            Newlines::count(&source, |_| {}, |_| {})
        };
        for (threads, min_piece) in [(1, MIN_PIECE), (2, 0), (3, 0), (5, 0)] {
            let source = long_capture(40, pretty);
            skim_in_pieces(
                &source,
                threads,
                min_piece,
                1,
                &Limits::default(),
                Keep::All,
            )
            .expect("skimmed");
            assert_eq!(
                source.counted_newlines(),
                Some(&whole),
                "{threads} threads, pretty: {pretty}"
            );
        }
    }
    // Pieces started at wrong guesses are run past, and what they counted is not used.
    let source = long_capture(3, false);
    let bytes: &[u8] = &source;
    let list = bytes.iter().position(|&c| c == b'[').unwrap() + 1;
    let nested = memchr::memmem::find(bytes, br#"{"startedDateTime":"y"}"#).unwrap();
    let real = guess_cuts(bytes, list, 2, bytes.len() / 2);
    let split = skim_from(
        &source,
        list,
        &[nested, real[0]],
        &Limits::default(),
        Keep::All,
    );
    assert_eq!(
        split.unwrap().lines.finish(bytes),
        Some(Newlines::count(bytes, |_| {}, |_| {}))
    );
}

/// The pieces used are those one pass runs into: a piece that a piece before it ran past
/// is dropped, even when it failed.
#[test]
fn chain_follows_where_each_piece_stopped() {
    let starts = [10, 20, 30, 40];
    let parts = || -> Vec<R<(&str, Ended)>> {
        vec![
            Ok(("a", Ended::Stopped(30))),
            Err(GiveUp),
            Ok(("c", Ended::Stopped(40))),
            Ok(("d", Ended::Closed)),
        ]
    };
    assert_eq!(chain(&starts, parts()).unwrap(), ["a", "c", "d"]);
    let mut closed_early = parts();
    closed_early[2] = Ok(("c", Ended::Closed));
    assert_eq!(chain(&starts, closed_early).unwrap(), ["a", "c"]);
    let mut into_failed = parts();
    into_failed[0] = Ok(("a", Ended::Stopped(20)));
    assert!(chain(&starts, into_failed).is_err());
    let mut nowhere = parts();
    nowhere[0] = Ok(("a", Ended::Stopped(25)));
    assert!(chain(&starts, nowhere).is_err());
}

#[test]
fn invalid_json_gives_up() {
    for bad in [
        r#"{"log":{"entries":[{"a":1,}]}}"#,
        r#"{"log":{"entries":[{"a":01}]}}"#,
        r#"{"log":{"entries":[{"a":"\x"}]}}"#,
        "{\"log\":{\"entries\":[{\"a\":\"tab\there\"}]}}",
        r#"{"log":{"entries":[{"a":tru}]}}"#,
        r#"{"log":{"entries":[{"a":1}"#,
    ] {
        let source = Source::from(bad.as_bytes());
        assert!(
            skim(&source, &Limits::default(), Keep::All).is_none(),
            "{bad}"
        );
    }
}

/// A HAR of GET entries that are read in full (each sends a Bearer token), one per URL, each
/// answered with `body`.
fn bearer_gets(urls: &[&str], body: &str) -> Source {
    let entries: Vec<serde_json::Value> = urls
        .iter()
        .map(|url| {
            serde_json::json!({
                "startedDateTime": "2024-03-14T11:40:00.000Z",
                "request": {"method": "GET", "url": url,
                    "headers": [{"name": "Authorization", "value": "Bearer eyJhbGciOiJub25lIn0.e30."}]},
                "response": {"status": 200, "headers": [],
                    "content": {"mimeType": "application/json", "text": body}}
            })
        })
        .collect();
    let har = serde_json::json!({"log": {"version": "1.2", "entries": entries}});
    Source::from(serde_json::to_string_pretty(&har).unwrap().into_bytes())
}

fn bodies_kept(source: &Source, keep: Keep, limits: &Limits) -> Vec<bool> {
    skim_in_pieces(source, 1, MIN_PIECE, TAIL_PIECE, limits, keep)
        .expect("skimmed")
        .iter()
        .map(|e| {
            assert!(e.request.owns(), "read in full");
            e.response.as_ref().is_some_and(|r| r.body.is_some())
        })
        .collect()
}

/// For `check`, the answer's body of a GET read in full only for its Bearer header is not
/// kept (reconstruction never reads it); those reconstruction reads are: userinfo, discovery,
/// an endpoint lookup, a token request sent as a GET (also behind a `%` escape), a
/// `form_post` page, and a body over the size limit (which the limit reports).
#[test]
fn answers_reconstruction_never_reads_are_not_kept_for_check() {
    let urls = [
        "https://api.example/v1/orders?page=2",
        "https://id.example/oauth/userinfo",
        "https://id.example/.well-known/openid-configuration",
        "https://api.amazonalexa.com/v1/alexaApiEndpoint",
        "https://id.example/token?grant_type=refresh_token",
        "https://id.example/token?%67rant_type=refresh_token",
    ];
    let source = bearer_gets(&urls, r#"{"items":[1,2,3]}"#);
    let limits = Limits::default();
    assert_eq!(bodies_kept(&source, Keep::All, &limits), [true; 6]);
    assert_eq!(
        bodies_kept(&source, Keep::Read, &limits),
        [false, true, true, true, true, true]
    );
    let page = bearer_gets(
        &[urls[0]],
        "<html><FORM method=post action=x></form></html>",
    );
    assert_eq!(bodies_kept(&page, Keep::Read, &limits), [true]);
    let small = Limits {
        max_body_size: 4,
        ..Limits::default()
    };
    assert!(bodies_kept(&source, Keep::Read, &small)[0]);
}

/// For `check`, an entry read in full keeps only the headers read later by name, every
/// repeat of them in order (a lookup finds the same first one, `cookies_sent` sees every
/// `Cookie`); the rest go. Headers over a header limit are all kept, so the limit cuts and
/// reports them as it does for the full read; `Keep::All` keeps everything.
#[test]
fn headers_nothing_reads_are_not_kept_for_check() {
    let entry = serde_json::json!({
        "startedDateTime": "2024-03-14T11:40:00.000Z",
        "request": {"method": "GET", "url": "https://api.example/v1/orders",
            "headers": [
                {"name": "Accept", "value": "*/*"},
                {"name": "Authorization", "value": "Bearer eyJhbGciOiJub25lIn0.e30."},
                {"name": "User-Agent", "value": "Mozilla/5.0"},
                {"name": "cookie", "value": "a=1"},
                {"name": "Cookie", "value": "b=2"},
                {"name": "Sec-Fetch-Site", "value": "cross-site"},
                {"name": "Referer", "value": "https://app.example/"}]},
        "response": {"status": 401, "headers": [
                {"name": "Date", "value": "Thu, 14 Mar 2024 11:40:00 GMT"},
                {"name": "WWW-Authenticate", "value": "Bearer error=\"invalid_token\""},
                {"name": "Server", "value": "nginx"},
                {"name": "Cache-Control", "value": "no-store"}],
            "content": {"mimeType": "application/json", "text": "{}"}}
    });
    let har = serde_json::json!({"log": {"version": "1.2", "entries": [entry]}});
    let source = Source::from(serde_json::to_string_pretty(&har).unwrap().into_bytes());
    let names = |keep: Keep, limits: &Limits| {
        let ex = skim_in_pieces(&source, 1, MIN_PIECE, TAIL_PIECE, limits, keep)
            .expect("skimmed")
            .remove(0);
        assert!(ex.request.owns(), "read in full");
        let listed = |hs: &[crate::model::Header]| -> Vec<String> {
            hs.iter()
                .map(|h| format!("{}: {}", h.name, h.value))
                .collect()
        };
        let response = ex.response.as_ref().expect("answered");
        (listed(&ex.request.headers), listed(&response.headers))
    };
    let limits = Limits::default();
    let (request, response) = names(Keep::Read, &limits);
    assert_eq!(
        request,
        [
            "Authorization: Bearer eyJhbGciOiJub25lIn0.e30.",
            "cookie: a=1",
            "Cookie: b=2",
            "Sec-Fetch-Site: cross-site",
            "Referer: https://app.example/"
        ]
    );
    assert_eq!(
        response,
        [
            "WWW-Authenticate: Bearer error=\"invalid_token\"",
            "Cache-Control: no-store"
        ]
    );
    let (request, response) = names(Keep::All, &limits);
    assert_eq!((request.len(), response.len()), (7, 4));
    // Over the count limit (7 request headers), then over the size limit (144 bytes of
    // request headers, 106 of response headers): that side keeps all, the other is cut down.
    let count = Limits {
        max_headers: 6,
        ..Limits::default()
    };
    let (request, response) = names(Keep::Read, &count);
    assert_eq!((request.len(), response.len()), (7, 2));
    let size = Limits {
        max_header_size: 120,
        ..Limits::default()
    };
    let (request, response) = names(Keep::Read, &size);
    assert_eq!((request.len(), response.len()), (7, 2));
}

/// For `check`, a stub that lists cookies without their header keeps the count only where
/// no entry before it in the piece, started no later, makes reconstruction note the same
/// (it keeps the first note only): a capture whose exporter writes only the `cookies` lists
/// has one such stub per piece instead of one per entry. `Keep::All` keeps every count.
#[test]
fn cookies_listed_without_their_header_are_kept_where_they_can_be_noted_first() {
    let capture = |times: &[Option<&str>]| {
        let entries: Vec<serde_json::Value> = times
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let mut e = serde_json::json!({
                    "request": {"method": "GET", "url": format!("https://shop.example/{i}"),
                        "headers": [], "cookies": [{"name": "sid", "value": "1"}]},
                    "response": {"status": 200, "headers": [],
                        "cookies": [{"name": "seen", "value": "1"}]}
                });
                if let Some(t) = t {
                    e["startedDateTime"] = (*t).into();
                }
                e
            })
            .collect();
        let har = serde_json::json!({"log": {"version": "1.2", "entries": entries}});
        Source::from(serde_json::to_string(&har).unwrap().into_bytes())
    };
    let counted = |source: &Source, keep: Keep| -> Vec<usize> {
        skim_in_pieces(source, 1, MIN_PIECE, TAIL_PIECE, &Limits::default(), keep)
            .expect("skimmed")
            .iter()
            .filter(|e| !e.is_inert())
            .map(|e| {
                assert!(e.request.method.is_empty(), "a stub");
                e.index
            })
            .collect()
    };
    let (t1, t2, t3) = (
        Some("2024-03-14T11:40:01.000Z"),
        Some("2024-03-14T11:40:02.000Z"),
        Some("2024-03-14T12:40:02.000+01:00"),
    );
    for (times, kept) in [
        (vec![t1, t2, t2, t3], vec![1]),
        (vec![t2, t1, t2, t1], vec![1, 2]),
        (vec![t3, t2, t1], vec![1, 3]),
        (vec![None, t1, t1], vec![1]),
        (vec![t2, None, t1], vec![1]),
    ] {
        let source = capture(&times);
        assert_eq!(counted(&source, Keep::Read), kept, "{times:?}");
        let all: Vec<usize> = (1..=times.len()).collect();
        assert_eq!(counted(&source, Keep::All), all, "{times:?}");
    }
}
