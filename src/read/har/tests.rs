use super::entry::{parse_entry, parse_entry_strictly};
use super::*;
use crate::model::{Header, Response};
use serde_json::value::RawValue;
use serde_json::Value;
use std::collections::HashMap;
use time::macros::datetime;

fn read_str(input: &str) -> Capture {
    read_bytes(input.as_bytes())
}

fn read_bytes(input: &[u8]) -> Capture {
    match read("t.har", Arc::from(input)) {
        Ok(capture) => capture,
        Err(e) => panic!("not read: {e}"),
    }
}

/// A HAR with the given entries (JSON texts) and nothing else.
fn har(entries: &[&str]) -> String {
    format!(r#"{{"log":{{"entries":[{}]}}}}"#, entries.join(","))
}

fn only(input: &str) -> Exchange {
    let mut capture = read_str(input);
    assert_eq!(capture.exchanges.len(), 1, "entries");
    assert!(capture.truncation.is_none(), "{:?}", capture.truncation);
    capture.exchanges.remove(0)
}

fn response(e: &Exchange) -> &Response {
    e.response.as_ref().expect("a response")
}

/// Three entries written the way Chrome writes them, one per line, with a page list
/// after the entries.
const THREE: &str = r#"{
  "log": {
    "version": "1.2",
    "creator": {"name": "WebInspector", "version": "537.36"},
    "entries": [
      {"startedDateTime": "2024-05-01T08:00:00.100Z", "_priority": "High", "request": {"method": "GET", "url": "https://id.example/authorize?client_id=c&state=s", "headers": [{"name": ":authority", "value": "id.example"}], "cookies": []}, "response": {"status": 302, "headers": [{"name": "Location", "value": "https://app.example/cb?code=AAA&state=s"}], "content": {"size": 0, "mimeType": "x-unknown"}, "redirectURL": "https://app.example/cb?code=AAA&state=s"}},
      {"startedDateTime": "2024-05-01T08:00:01.200Z", "request": {"method": "POST", "url": "https://id.example/token", "headers": [{"name": "Content-Type", "value": "application/x-www-form-urlencoded"}], "postData": {"mimeType": "application/x-www-form-urlencoded", "text": "grant_type=authorization_code&code=AAA", "params": [{"name": "grant_type", "value": "authorization_code"}, {"name": "code", "value": "AAA"}]}}, "response": {"status": 200, "content": {"size": 30, "mimeType": "application/json", "text": "{\"access_token\":\"tok\"}"}}},
      {"startedDateTime": "2024-05-01T08:00:02.300Z", "request": {"method": "GET", "url": "https://api.example/me"}, "response": {"status": 0, "_error": "net::ERR_FAILED"}}
    ],
    "pages": []
  }
}
"#;

/// Polly.JS writes header values as lists: each value is the header repeated, so a Bearer
/// call written that way is a Bearer call.
#[test]
fn header_values_written_as_lists_are_the_header_repeated() {
    let e = only(&har(&[
        r#"{"startedDateTime": "2024-05-01T08:00:00Z", "request": {"method": "GET", "url": "https://api.example/me", "headers": [{"name": "authorization", "value": ["Bearer tok-123"]}, {"name": "accept", "value": ["a/b", "c/d"]}, {"name": "host", "value": "api.example"}, {"name": "x-empty", "value": []}]}, "response": {"status": 200, "headers": [{"name": "set-cookie", "value": ["a=1; Path=/", "b=2"]}]}}"#,
    ]));
    let pairs: Vec<(&str, &str)> = e
        .request
        .headers
        .iter()
        .map(|h| (&*h.name, h.value.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("authorization", "Bearer tok-123"),
            ("accept", "a/b"),
            ("accept", "c/d"),
            ("host", "api.example"),
            ("x-empty", "")
        ]
    );
    let cookies: Vec<&str> = response(&e)
        .headers
        .iter()
        .map(|h| h.value.as_str())
        .collect();
    assert_eq!(cookies, ["a=1; Path=/", "b=2"]);
}

#[test]
fn reads_a_plain_three_entry_har() {
    let capture = read_str(THREE);
    assert_eq!(capture.format, Format::Har);
    assert_eq!(capture.name, "t.har");
    assert!(capture.truncation.is_none());
    let e = &capture.exchanges;
    assert_eq!(e.len(), 3);
    assert_eq!(e.iter().map(|x| x.index).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(e[0].request.method, "GET");
    assert_eq!(response(&e[0]).status, 302);
    assert_eq!(
        response(&e[0]).redirect_url.as_deref(),
        Some("https://app.example/cb?code=AAA&state=s")
    );
    assert_eq!(e[1].request.body.as_ref().unwrap().params.len(), 2);
    assert_eq!(
        response(&e[1]).body.as_ref().unwrap().text,
        r#"{"access_token":"tok"}"#
    );
    assert!(e[2].response.is_none());
    assert_eq!(e[2].error.as_deref(), Some("net::ERR_FAILED"));
}

#[test]
fn spans_slice_out_each_entry() {
    for input in [THREE.to_string(), format!("\u{FEFF}{THREE}")] {
        let capture = read_str(&input);
        let original: Value = serde_json::from_str(THREE).unwrap();
        for (i, x) in capture.exchanges.iter().enumerate() {
            let slice = &capture.source[x.span.clone()];
            assert_eq!(slice.first(), Some(&b'{'));
            assert_eq!(slice.last(), Some(&b'}'));
            let parsed: Value = serde_json::from_slice(slice).unwrap();
            assert_eq!(parsed, original["log"]["entries"][i]);
        }
    }
}

#[test]
fn minimal_entries_without_optional_parts() {
    let e = only(&har(&[
        r#"{"request":{"method":"GET","url":"https://a.example/"},"response":{"status":200}}"#,
    ]));
    assert_eq!(e.request.url, "https://a.example/");
    assert!(e.request.headers.is_empty());
    assert_eq!(e.request.listed_cookies, 0);
    assert!(e.request.body.is_none());
    assert!(e.started.is_none() && e.started_raw.is_none());
    let r = response(&e);
    assert_eq!(r.status, 200);
    assert!(r.body.is_none() && r.redirect_url.is_none());
}

#[test]
fn har_1_1_with_creator_and_pages_in_any_order() {
    let input = r#"{"comment":"x","log":{"entries":[{"request":{"method":"GET","url":"u"},"response":{"status":204}}],"pages":[{"id":"p"}],"version":"1.1","creator":{"name":"old"}}}"#;
    assert_eq!(response(&only(input)).status, 204);
}

#[test]
fn null_wherever_a_value_is_optional() {
    let e = only(&har(&[
        r#"{"startedDateTime":null,"time":null,"timings":null,"cache":null,"pageref":null,
                "request":{"method":"POST","url":"u","httpVersion":null,"headers":null,
                  "queryString":null,"cookies":null,"postData":null,"headersSize":null},
                "response":{"status":200,"statusText":null,"headers":[null,{"name":"A","value":null}],
                  "cookies":null,"content":{"mimeType":null,"text":null,"encoding":null},"redirectURL":null}}"#,
    ]));
    assert!(e.request.headers.is_empty());
    assert!(e.request.body.is_none());
    let r = response(&e);
    assert_eq!(
        r.headers,
        [Header {
            name: "A".into(),
            value: String::new()
        }]
    );
    assert!(r.body.is_none());
    assert!(r.redirect_url.is_none());
    let e = only(&har(&[r#"{"request":null,"response":null}"#]));
    assert_eq!(e.request.method, "");
    assert!(e.response.is_none());
    assert_eq!(read_str(r#"{"log":{"entries":null}}"#).exchanges.len(), 0);
}

#[test]
fn chrome_vendor_fields_are_ignored() {
    let e = only(&har(&[
        r#"{"_initiator":{"type":"script","stack":{"callFrames":[]}},"_priority":"High","_resourceType":"fetch",
                "request":{"method":"GET","url":"u","_x":[1,2]},
                "response":{"status":200,"_transferSize":120,"_error":null,"content":{"size":2,"text":"ok","_y":{}}}}"#,
    ]));
    assert_eq!(response(&e).body.as_ref().unwrap().text, "ok");
    assert!(e.error.is_none());
}

#[test]
fn firefox_empty_params_take_the_body_from_text() {
    let e = only(&har(&[
        r#"{"request":{"method":"POST","url":"u","postData":{"mimeType":"application/x-www-form-urlencoded","params":[],"text":"code=A%2BB&x=1"}},"response":{"status":200}}"#,
    ]));
    let body = e.request.into_inner().body.unwrap();
    assert_eq!(body.text, "code=A%2BB&x=1");
    assert!(body.params.is_empty());
    assert_eq!(
        body.mime_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
}

#[test]
fn params_are_decoded_once() {
    // Chrome: params copied from the encoded body.
    let chrome = only(&har(&[
        r#"{"request":{"method":"POST","url":"u","postData":{"text":"redirect_uri=https%3A%2F%2Fa%2Fcb&v=a+b","params":[{"name":"redirect_uri","value":"https%3A%2F%2Fa%2Fcb"},{"name":"v","value":"a+b"}]}}}"#,
    ]));
    let params = chrome.request.into_inner().body.unwrap().params;
    assert_eq!(params[0], ("redirect_uri".into(), "https://a/cb".into()));
    assert_eq!(params[1], ("v".into(), "a b".into()));
    // Already decoded: a literal `+` and `%` stay.
    let decoded = only(&har(&[
        r#"{"request":{"method":"POST","url":"u","postData":{"text":"p=a%2Bb%25","params":[{"name":"p","value":"a+b%"}]}}}"#,
    ]));
    assert_eq!(
        decoded.request.into_inner().body.unwrap().params[0].1,
        "a+b%"
    );
    // Params without text: decoded, and the text rebuilt from them.
    let no_text = only(&har(&[
        r#"{"request":{"method":"POST","url":"u","postData":{"mimeType":"application/x-www-form-urlencoded","params":[{"name":"redirect_uri","value":"https%3A%2F%2Fa%2Fcb"},{"name":"n","value":2}]}}}"#,
    ]));
    let body = no_text.request.into_inner().body.unwrap();
    assert_eq!(body.params[0].1, "https://a/cb");
    assert_eq!(body.text, "redirect_uri=https%3A%2F%2Fa%2Fcb&n=2");
}

#[test]
fn empty_post_data_is_no_body() {
    for post in [
        r#"{"mimeType":"","text":"","params":[]}"#,
        r#"{}"#,
        r#"null"#,
        r#""junk""#,
    ] {
        let entry = format!(r#"{{"request":{{"method":"POST","url":"u","postData":{post}}}}}"#);
        assert!(only(&har(&[&entry])).request.body.is_none(), "{post}");
    }
}

#[test]
fn timestamps_with_offsets_and_without_fractions() {
    let cases = [
        (
            "2024-05-01T10:00:00.123+02:00",
            datetime!(2024-05-01 08:00:00.123 UTC),
        ),
        (
            "2024-05-01T08:00:00.123Z",
            datetime!(2024-05-01 08:00:00.123 UTC),
        ),
        ("2024-05-01T08:00:00Z", datetime!(2024-05-01 08:00:00 UTC)),
        (
            "2023-12-12T16:23:16.067544+00:00",
            datetime!(2023-12-12 16:23:16.067544 UTC),
        ),
        ("2024-05-01 08:00:00Z", datetime!(2024-05-01 08:00:00 UTC)),
        ("2024-05-01T08:00Z", datetime!(2024-05-01 08:00:00 UTC)),
    ];
    for (raw, want) in cases {
        let entry = format!(r#"{{"startedDateTime":"{raw}","request":{{}}}}"#);
        let e = only(&har(&[&entry]));
        assert_eq!(e.started, Some(want), "{raw}");
        assert_eq!(e.started_raw.as_deref(), Some(raw));
    }
    let e = only(&har(&[r#"{"startedDateTime":"yesterday","request":{}}"#]));
    assert!(e.started.is_none());
    assert_eq!(e.started_raw.as_deref(), Some("yesterday"));
}

#[test]
fn byte_order_mark_shifts_spans() {
    let input = format!(
        "\u{FEFF}{}",
        har(&[r#"{"request":{"method":"GET","url":"u"}}"#])
    );
    let capture = read_str(&input);
    let span = capture.exchanges[0].span.clone();
    assert_eq!(span.start, 3 + r#"{"log":{"entries":["#.len());
    assert!(capture.source[span].starts_with(b"{\"request\""));
}

#[test]
fn base64_bodies_are_decoded() {
    let e = only(&har(&[
        r#"{"request":{},"response":{"status":200,"content":{"mimeType":"application/json","encoding":"base64","text":"eyJhIjoxfQ=="}}}"#,
    ]));
    assert_eq!(response(&e).body.as_ref().unwrap().text, r#"{"a":1}"#);
    // Not UTF-8: replaced. Unpadded and wrapped: still read.
    let e = only(&har(&[
        r#"{"request":{},"response":{"status":200,"content":{"encoding":"base64","text":"/w\nBh"}}}"#,
    ]));
    assert_eq!(response(&e).body.as_ref().unwrap().text, "\u{FFFD}\0a");
    // Claims base64 but is not: kept as written.
    let e = only(&har(&[
        r#"{"request":{},"response":{"status":200,"content":{"encoding":"base64","text":"not base64!"}}}"#,
    ]));
    assert_eq!(response(&e).body.as_ref().unwrap().text, "not base64!");
}

#[test]
fn numbers_as_strings_or_floats() {
    for status in [r#""200""#, "200.0", "200", r#"" 200 ""#] {
        let entry = format!(
            r#"{{"request":{{}},"response":{{"status":{status},"headersSize":"-1","bodySize":1.5}}}}"#
        );
        assert_eq!(response(&only(&har(&[&entry]))).status, 200, "{status}");
    }
    for no_status in [r#""OK""#, "-1", "200.5", "70000", "0", "null", "[]"] {
        let entry = format!(r#"{{"request":{{}},"response":{{"status":{no_status}}}}}"#);
        assert!(only(&har(&[&entry])).response.is_none(), "{no_status}");
    }
}

#[test]
fn headers_kept_as_written() {
    let e = only(&har(&[
        r#"{"request":{"headers":[{"name":":method","value":"GET"},{"name":":path","value":"/x"},{"name":"cookie","value":"a=1"},{"name":"COOKIE","value":"b=2"},{"name":"X-N","value":5},{"value":"nameless"}]},
                "response":{"status":200,"headers":[{"name":"Set-Cookie","value":"a=1"},{"name":"set-cookie","value":"b=2"}]}}"#,
    ]));
    let names: Vec<&str> = e.request.headers.iter().map(|h| &*h.name).collect();
    assert_eq!(names, [":method", ":path", "cookie", "COOKIE", "X-N"]);
    assert_eq!(e.request.header("x-n"), Some("5"));
    assert_eq!(e.request.header("Cookie"), Some("a=1"));
    assert_eq!(response(&e).headers.len(), 2);
}

#[test]
fn listed_cookies_and_redirect_url() {
    let e = only(&har(&[
        r#"{"request":{"cookies":[{"name":"a","value":"1"},{"name":"b","value":"2"}]},
                "response":{"status":302,"cookies":[{"name":"s"}],"redirectURL":"https://b/"}}"#,
    ]));
    assert_eq!(e.request.listed_cookies, 2);
    assert_eq!(response(&e).listed_cookies, 1);
    assert_eq!(response(&e).location(), Some("https://b/"));
    let e = only(&har(&[
        r#"{"request":{},"response":{"status":200,"redirectURL":""}}"#,
    ]));
    assert!(response(&e).redirect_url.is_none());
}

#[test]
fn no_response_keeps_the_error() {
    let e = only(&har(&[r#"{"request":{"method":"GET","url":"u"}}"#]));
    assert!(e.response.is_none() && e.error.is_none());
    let e = only(&har(&[
        r#"{"request":{},"response":{"status":0,"headers":[],"content":{"size":0,"mimeType":"x-unknown"},"_error":"net::ERR_INTERNET_DISCONNECTED"}}"#,
    ]));
    assert!(e.response.is_none());
    assert_eq!(e.error.as_deref(), Some("net::ERR_INTERNET_DISCONNECTED"));
    let e = only(&har(&[
        r#"{"_error":"aborted","request":{},"response":{"status":0}}"#,
    ]));
    assert_eq!(e.error.as_deref(), Some("aborted"));
}

#[test]
fn response_bodies_present_empty_or_missing() {
    let body = |content: &str| {
        let entry =
            format!(r#"{{"request":{{}},"response":{{"status":200,"content":{content}}}}}"#);
        response(&only(&har(&[&entry]))).body.clone()
    };
    assert!(body("{}").is_none());
    assert!(body(r#"{"size":10,"mimeType":"text/html"}"#).is_none());
    assert!(body(r#"{"size":10,"text":""}"#).is_none(), "text left out");
    assert_eq!(
        body(r#"{"size":0,"text":""}"#).unwrap().text,
        "",
        "empty body"
    );
    let b = body(r#"{"size":2,"mimeType":"text/plain","text":"hi"}"#).unwrap();
    assert_eq!(
        (b.mime_type.as_deref(), b.text.as_str()),
        (Some("text/plain"), "hi")
    );
}

#[test]
fn malformed_entries_keep_their_place() {
    let capture = read_str(&har(&[
        r#"{"request":"GET /","response":{"status":200}}"#,
        "42",
        r#"{"request":{"method":"GET","url":"u","url":"v"},"request":{"method":"PUT"}}"#,
        r#"{"request":{"method":"GET","url":"w"},"response":{"status":201,"headers":"none","content":[]}}"#,
    ]));
    let e = &capture.exchanges;
    assert_eq!(e.len(), 4);
    // A request that is not an object: empty request, the response is still read.
    assert_eq!(e[0].request.method, "");
    assert_eq!(response(&e[0]).status, 200);
    // Not an object at all: all defaults, still entry 2.
    assert_eq!((e[1].index, e[1].request.url.as_str()), (2, ""));
    assert!(e[1].response.is_none());
    assert_eq!(&capture.source[e[1].span.clone()], b"42");
    // Repeated keys: the last one wins.
    assert_eq!(e[2].request.method, "PUT");
    // Wrong types inside a response: defaults for those fields only.
    assert_eq!(response(&e[3]).status, 201);
    assert!(response(&e[3]).headers.is_empty() && response(&e[3]).body.is_none());
}

/// Every entry of every fixture, and entries with a misfit at each place the lenient read
/// forgives one: the strict read, where it succeeds, gives what the lenient one gives.
#[test]
fn strict_reads_match_lenient_reads() {
    let lenient = |raw: &str| format!("{:?}", parse_entry(raw).into_exchange(1, 0..1));
    let mut raws: Vec<String> = Vec::new();
    for path in crate::fixture_hars() {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let Ok(top) = serde_json::from_str::<HashMap<String, &RawValue>>(&text) else {
            continue;
        };
        let Some(log) = top.get("log") else { continue };
        let Ok(log) = serde_json::from_str::<HashMap<String, &RawValue>>(log.get()) else {
            continue;
        };
        let Some(entries) = log.get("entries") else {
            continue;
        };
        if let Ok(entries) = serde_json::from_str::<Vec<&RawValue>>(entries.get()) {
            raws.extend(entries.iter().map(|e| e.get().to_string()));
        }
    }
    let fixture_entries = raws.len();
    assert!(
        fixture_entries > 1000,
        "{fixture_entries} entries in the fixtures"
    );
    let strict_read = raws
        .iter()
        .filter(|raw| parse_entry_strictly(raw).is_some())
        .count();
    assert!(
        strict_read * 10 > fixture_entries * 9,
        "{strict_read} of {fixture_entries} read strictly"
    );
    let misfits = [
        r#"{"request":"GET /","response":{"status":200}}"#,
        r#"{"request":true,"response":["GET"]}"#,
        r#"{"request":{"headers":"none","cookies":{}},"response":{"status":"200","headers":{}}}"#,
        r#"{"request":{"headers":[1,null,{"name":"a","value":"b"},{"name":["x"]}]}}"#,
        r#"{"request":{"method":"GET","url":"u","url":"v"},"request":{"method":"PUT"}}"#,
        r#"{"request":{"method":"GET","method":"PUT"},"response":{"status":200}}"#,
        r#"{"request":{"postData":[]},"response":{"status":200,"content":"hi"}}"#,
        r#"{"request":{"postData":{"text":"a=1","params":[7,{"name":"a","value":"1"},{"name":{}}]}}}"#,
        r#"{"request":{"postData":{"text":"a=1","params":"a"}},"response":{"status":200,"cookies":3}}"#,
        r#"{"request":{},"response":{"status":200,"headers":[{"name":"x","value":[1]},"x"]}}"#,
        r#"{"request":{},"response":{"status":200,"content":{"size":"big","text":"x"},"cookies":{"a":1}}}"#,
        r#"{"request":{},"response":{"status":200,"content":{"text":"x","text":"y"}}}"#,
        r#"{"startedDateTime":5,"_error":{},"request":{"method":true,"url":3},"response":"none"}"#,
        "42",
        "null",
    ];
    raws.extend(misfits.iter().map(|m| m.to_string()));
    let deep = format!(
        r#"{{"request":{{"x":{}1{}}},"response":{{"status":200}}}}"#,
        "[".repeat(140),
        "]".repeat(140)
    );
    raws.push(deep);
    for raw in &raws {
        let read = format!("{:?}", exchange(1, 0..1, raw));
        assert_eq!(read, lenient(raw), "{raw}");
    }
    for misfit in misfits {
        assert!(
            parse_entry_strictly(misfit).is_none(),
            "read strictly: {misfit}"
        );
    }
}

#[test]
fn invalid_utf8_is_replaced_without_moving_spans() {
    let mut input = har(&[
        r#"{"request":{"url":"a"},"response":{"status":200,"content":{"text":"caf_"}}}"#,
        r#"{"request":{"url":"b"}}"#,
    ])
    .into_bytes();
    let at = input.iter().position(|&b| b == b'_').unwrap();
    input[at] = 0xE9; // Latin-1 é
    let capture = read_bytes(&input);
    assert!(capture.truncation.is_none());
    assert_eq!(
        response(&capture.exchanges[0]).body.as_ref().unwrap().text,
        "caf?"
    );
    let second = &capture.source[capture.exchanges[1].span.clone()];
    assert_eq!(second, br#"{"request":{"url":"b"}}"#);
}

/// Offsets into THREE: the start of each entry line.
fn entry_starts() -> Vec<usize> {
    THREE
        .match_indices("\n      {")
        .map(|(i, _)| i + "\n      ".len())
        .collect()
}

#[test]
fn truncation_keeps_complete_entries() {
    let starts = entry_starts();
    assert_eq!(starts.len(), 3);
    let end_of_list = THREE.find("\n    ],").unwrap();
    // (cut, complete entries, reason)
    let cases = [
        (
            starts[0] + 1,
            0,
            "the file ends inside the entry list, before entry 1 is complete",
        ),
        (
            starts[1] - 2,
            1,
            "the file ends after entry 1, before the entry list is closed",
        ),
        (
            starts[1] - 1,
            1,
            "the file ends after entry 1, before the entry list is closed",
        ),
        (starts[1] + 40, 1, "the file ends inside entry 2"),
        (starts[2] + 1, 2, "the file ends inside entry 3"),
        (
            end_of_list,
            3,
            "the file ends after entry 3, before the entry list is closed",
        ),
    ];
    for (cut, complete, reason) in cases {
        let capture = read_str(&THREE[..cut]);
        assert_eq!(capture.exchanges.len(), complete, "cut at {cut}");
        let t = capture.truncation.expect("truncation recorded");
        assert_eq!(t.complete_entries, complete);
        assert_eq!(t.offset, cut);
        assert_eq!(t.reason, reason, "cut at {cut}");
    }
    // Cut after the list is closed: every entry is there, nothing is missing.
    let capture = read_str(&THREE[..end_of_list + "\n    ]".len()]);
    assert_eq!(capture.exchanges.len(), 3);
    assert!(capture.truncation.is_none());
}

#[test]
fn broken_json_inside_the_list_is_salvaged() {
    let starts = entry_starts();
    let mut broken = THREE.to_string();
    // Overwrite the comma between entries 2 and 3 with junk.
    let comma = THREE[..starts[2]].rfind(',').unwrap();
    broken.replace_range(comma..comma + 1, "#");
    let capture = read_str(&broken);
    assert_eq!(capture.exchanges.len(), 2);
    let t = capture.truncation.unwrap();
    assert_eq!(t.offset, comma);
    assert_eq!(&broken[t.offset..t.offset + 1], "#");
    assert!(
        t.reason.starts_with(
            "invalid JSON after entry 2, before the entry list is closed at line 7 column "
        ),
        "{}",
        t.reason
    );
    assert!(t.reason.ends_with(": expected `,` or `]`"), "{}", t.reason);
    let mut broken = THREE.to_string();
    let first_comma = starts[1] + THREE[starts[1]..].find(',').unwrap();
    broken.insert_str(first_comma + 1, "}}");
    let t = read_str(&broken).truncation.unwrap();
    assert!(
        t.reason
            .starts_with("invalid JSON inside entry 2 at line 7"),
        "{}",
        t.reason
    );
    assert_eq!(t.complete_entries, 1);
}

#[test]
fn not_har_before_the_entries() {
    let cases = [
            (r#"{}"#, "not a HAR file: a JSON object without log.entries (no keys)"),
            (r#"{"foo":1,"bar":{"entries":[]}}"#, "not a HAR file: a JSON object without log.entries (keys: foo, bar)"),
            (r#"{"log":{"version":"1.2","creator":{}}}"#, "not a HAR file: its log has no entries (log keys: version, creator)"),
            (r#"{"log":"x"}"#, "not a HAR file: invalid type: string (value not shown), expected `log` to be an object"),
            (r#"{"log":{"entries":{}}}"#, "not a HAR file: invalid type: map, expected `log.entries` to be a list"),
            (r#"{"log":{"entries" 1}}"#, "broken HAR file: invalid JSON before log.entries at line 1 column 19: expected `:`"),
            (r#"{"log":{"#, "broken HAR file: the file ends before log.entries (line 1 column 8)"),
            ("{\"a\\nb\":1}", "not a HAR file: a JSON object without log.entries (keys: (a key not shown))"),
        ];
    for (input, want) in cases {
        match read("t.har", Arc::from(input.as_bytes())) {
            Ok(c) => panic!("{input} read with {} entries", c.exchanges.len()),
            Err(e) => assert_eq!(e.to_string(), format!("t.har: {want}")),
        }
    }
}

#[test]
fn cutting_at_every_byte_never_panics() {
    let input = format!("\u{FEFF}{THREE}");
    let bytes = input.as_bytes();
    let list_start = input.find("\"entries\": [").unwrap() + "\"entries\": [".len();
    for cut in 0..=bytes.len() {
        let prefix = &bytes[..cut];
        match super::super::read_bytes("t.har", Arc::from(prefix)) {
            Ok(capture) => {
                assert!(cut >= list_start, "read before the list at {cut}");
                for x in &capture.exchanges {
                    assert!(x.span.end <= cut);
                    assert!(
                        serde_json::from_slice::<Value>(&capture.source[x.span.clone()]).is_ok()
                    );
                }
                if let Some(t) = capture.truncation {
                    assert_eq!(t.complete_entries, capture.exchanges.len());
                    assert!(t.offset <= cut, "offset {} past cut {cut}", t.offset);
                } else {
                    assert_eq!(capture.exchanges.len(), 3, "cut {cut}");
                }
            }
            Err(e) => {
                assert!(cut < list_start, "error after the list began at {cut}: {e}");
                assert!(!e.to_string().contains('\n'));
            }
        }
    }
}

#[test]
fn deep_nesting_is_not_a_stack_overflow() {
    let deep = "[".repeat(200_000);
    // Inside the list: the entry never completes, so it is a truncation.
    let capture = read_str(&format!(r#"{{"log":{{"entries":[{{"request":{deep}"#));
    assert_eq!(capture.truncation.unwrap().complete_entries, 0);
    // A complete but absurdly deep entry: kept with defaults.
    let closed = "]".repeat(200_000);
    let input = format!(r#"{{"log":{{"entries":[{{"request":{{"method":{deep}{closed}}}}}]}}}}"#);
    assert_eq!(read_str(&input).exchanges.len(), 1);
    // Before the list: an error.
    assert!(read("t.har", Arc::from(format!(r#"{{"x":{deep}"#).as_bytes())).is_err());
}

#[test]
fn garbage_never_panics() {
    // A cheap deterministic scramble of THREE: byte swaps and flips at many places.
    let mut next = crate::xorshift(0x2545_F491_4F6C_DD1D);
    for _ in 0..300 {
        let mut bytes = THREE.as_bytes().to_vec();
        for _ in 0..4 {
            let state = next();
            let at = (state as usize) % bytes.len();
            bytes[at] = (state >> 32) as u8;
        }
        let _ = super::super::read_bytes("t.har", Arc::from(bytes));
    }
}

/// A discovery document can name any URL as its userinfo endpoint, whose answer's body
/// reconstruction reads: with one in the capture, the check's read keeps every answer's body.
#[test]
fn a_discovery_document_keeps_every_answer_for_check() {
    use super::Keep;
    let entry = |url: &str, text: &str| {
        format!(
            r#"{{"startedDateTime":"2024-03-14T11:40:00.000Z","request":{{"method":"GET","url":"{url}","headers":[{{"name":"Authorization","value":"Bearer x.y.z"}}]}},"response":{{"status":200,"headers":[],"content":{{"text":"{text}"}}}}}}"#
        )
    };
    let me = entry("https://id.example/me", r#"{\"sub\":\"1\"}"#);
    let doc = entry(
        "https://id.example/.well-known/openid-configuration",
        r#"{\"userinfo_endpoint\":\"https://id.example/me\"}"#,
    );
    let read = |entries: &[&str]| {
        let text = format!(r#"{{"log":{{"entries":[{}]}}}}"#, entries.join(","));
        let capture = super::read_skimmed(
            "t.har",
            crate::model::Source::from(text.into_bytes()),
            &crate::limits::Limits::default(),
            Keep::Read,
        )
        .unwrap();
        capture.exchanges[0]
            .response
            .as_ref()
            .is_some_and(|r| r.body.is_some())
    };
    assert!(!read(&[&me]), "not kept without a discovery document");
    assert!(read(&[&me, &doc]), "kept with one");
}
