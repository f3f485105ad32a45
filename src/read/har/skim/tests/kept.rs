//! [`Cursor::kept`]: what `check` keeps of an entry, built from what the tokenizer saw, is
//! what it keeps of the full read, or it leaves the entry to the full read.

use super::super::unread;
use super::super::{Cursor, Scan};
use super::lower_into;
use crate::limits::Limits;
use crate::model::Exchange;

/// One entry's text as the tokenizer sees it, and what [`Cursor::kept`] makes of it.
fn kept_of(text: &str, limits: &Limits) -> Option<Exchange> {
    let b = text.as_bytes();
    let mut c = Cursor::new(b, 0);
    let mut scan = Scan::default();
    c.entry(&mut scan).expect("valid JSON");
    assert!(!scan.odd && !c.hidden, "a plain shape: {text}");
    let mut buffer = Vec::new();
    let (lower, _) = lower_into(b, &mut buffer);
    c.kept(&scan, b, lower, 7, 0..b.len(), limits)
}

/// What `check` keeps of the entry after reading it in full (`unread.rs`).
fn full_read_kept(text: &str, limits: &Limits) -> Exchange {
    let mut ex = crate::read::har::entry::exchange(7, 0..text.len(), text);
    unread::drop_unread_body(&mut ex, limits);
    unread::drop_unread_headers(&mut ex, limits);
    ex
}

/// An entry written as Chrome writes a logged-in API call, with `request` and `response`
/// replaced by the given texts.
fn api_call(request: &str, response: &str) -> String {
    format!(
        r#"{{"_initiator": {{"type": "script"}}, "pageref": "page_1",
  "request": {request},
  "response": {response},
  "startedDateTime": "2024-03-14T09:00:00.636Z", "time": 63.5, "_error": null}}"#
    )
}

const BEARER_REQUEST: &str = r#"{"method": "GET", "url": "https://api.example/v2/items?page=2",
    "httpVersion": "http/2.0",
    "headers": [{"name": "accept", "value": "*/*"},
      {"name": "referer", "value": "https://www.example/"},
      {"name": "user-agent", "value": "Mozilla/5.0 (X11) Chrome/123.0"},
      {"name": "cookie", "value": "sid=6vVJ5U; csrftoken=mahrk2"},
      {"name": "authorization", "value": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1In0."}],
    "cookies": [{"name": "sid", "value": "6vVJ5U"}, {"name": "csrftoken", "value": "mahrk2"}],
    "bodySize": 0}"#;

const JSON_ANSWER: &str = r#"{"status": 200, "statusText": "", "httpVersion": "http/2.0",
    "headers": [{"name": "cache-control", "value": "private, max-age=0"},
      {"name": "content-type", "value": "application/json"},
      {"name": "date", "value": "Thu, 14 Mar 2024 09:00:00 GMT"}],
    "cookies": [],
    "content": {"size": 40, "mimeType": "application/json",
      "text": "{\"items\":[{\"id\":3,\"name\":\"lamp \\\"oscar\\\"\"}],\"page\":2}"},
    "redirectURL": "", "bodySize": -1, "_error": null}"#;

/// For `check`, a GET whose answer's body nothing reads (a logged-in capture's Bearer calls)
/// is kept as the full read keeps it, built from what the tokenizer saw: the same method,
/// URL, headers read by name (in order, repeats, escapes decoded), listed cookies, status,
/// `redirectURL`, time, and no body. Whatever could make the full read keep something else
/// (another method, a request body, a URL whose answer is read, a `<form` or a base64 body
/// in the answer, a limit, a status not written as an integer) is left to the full read.
#[test]
fn bearer_calls_are_kept_as_the_full_read_keeps_them() {
    let limits = Limits::default();
    let same = [
        api_call(BEARER_REQUEST, JSON_ANSWER),
        // Names in other cases, an escaped value, the headers repeated, cookies listed
        // without their headers on both sides.
        api_call(
            r#"{"method": "get", "url": "https:\/\/api.example\/v2\/me",
              "headers": [{"name": "AUTHORIZATION", "value": "Bearer a\/b\"c\u0026"},
                {"name": "Referer", "value": "https://www.example/\u00e9"},
                {"name": "Sec-Fetch-Site", "value": "same-site"},
                {"name": "Authorization", "value": "Basic Zm9vOmJhcg=="}],
              "cookies": [{"name": "a", "value": "1"}, {"name": "b", "value": "2"}, {}]}"#,
            r#"{"status": 302, "headers": [{"name": "Location", "value": "https:\/\/www.example\/"},
                {"name": "Set-Cookie", "value": "a=1"}, {"name": "set-cookie", "value": "b=2"},
                {"name": "WWW-Authenticate", "value": "Bearer realm=\"api\""}],
              "cookies": [{"name": "c"}], "redirectURL": "https:\/\/www.example\/",
              "content": {"text": "moved <b>here</b>"}}"#,
        ),
        // No answer: a status of 0, none, no response at all, a null one.
        api_call(BEARER_REQUEST, r#"{"status": 0, "headers": []}"#),
        api_call(
            BEARER_REQUEST,
            r#"{"headers": [], "content": {"text": "<form>"}}"#,
        ),
        api_call(BEARER_REQUEST, "null"),
        r#"{"request": {"method": "GET", "url": "", "headers": []}}"#.to_string(),
        // A body recorded empty, not recorded at all, or said to be longer.
        api_call(
            BEARER_REQUEST,
            r#"{"status": 200, "headers": [], "content": {"size": 9, "text": ""}}"#,
        ),
        api_call(BEARER_REQUEST, r#"{"status": 204, "headers": []}"#),
        api_call(
            BEARER_REQUEST,
            r#"{"status": 200, "headers": [], "content": {"text": 12}, "redirectURL": null}"#,
        ),
    ];
    for text in &same {
        let kept = kept_of(text, &limits).unwrap_or_else(|| panic!("kept: {text}"));
        assert_eq!(
            format!("{kept:#?}"),
            format!("{:#?}", full_read_kept(text, &limits)),
            "{text}"
        );
    }
    // What the first one keeps, spelled out.
    let first = kept_of(&same[0], &limits).expect("kept");
    let names: Vec<&str> = first.request.headers.iter().map(|h| &*h.name).collect();
    assert_eq!(names, ["referer", "cookie", "authorization"]);
    assert_eq!(first.request.listed_cookies, 2);
    let response = first.response.as_ref().expect("answered");
    assert_eq!((response.status, response.headers.len()), (200, 1));
    assert!(response.body.is_none() && response.redirect_url.is_none());
    let second = kept_of(&same[1], &limits).expect("kept");
    assert_eq!(second.request.url, "https://api.example/v2/me");
    assert_eq!(second.request.headers[0].value, "Bearer a/b\"c&");
    assert_eq!(second.request.listed_cookies, 3);
    // Near a limit, the full read (and `limits::apply`) decide.
    for small in [
        Limits {
            max_headers: 4,
            ..Limits::default()
        },
        Limits {
            max_header_size: 100,
            ..Limits::default()
        },
        Limits {
            max_body_size: 1000,
            ..Limits::default()
        },
    ] {
        assert!(kept_of(&same[0], &small).is_none());
    }
}

/// [`bearer_calls_are_kept_as_the_full_read_keeps_them`]: where the full read keeps a body
/// (another method, a request body, a URL whose answer is read, a `<form` in the answer),
/// [`Cursor::kept`] keeps the same one; what it leaves to the full read is a base64 body, a
/// status not written as an integer, and a request without a method.
#[test]
fn calls_whose_bodies_are_read_keep_them_as_the_full_read_does() {
    let limits = Limits::default();
    let post = BEARER_REQUEST.replace(r#""GET""#, r#""POST""#);
    let with_body = BEARER_REQUEST.replace(
        r#""bodySize": 0"#,
        r#""postData": {"mimeType": "text/plain", "text": "x"}"#,
    );
    let at = |url: &str| BEARER_REQUEST.replace("https://api.example/v2/items?page=2", url);
    let answer = |content: &str| {
        JSON_ANSWER.replace(
            r#""text": "{\"items\":[{\"id\":3,\"name\":\"lamp \\\"oscar\\\"\"}],\"page\":2}""#,
            content,
        )
    };
    let kept_with_a_body = [
        api_call(&post, JSON_ANSWER),
        api_call(&with_body, JSON_ANSWER),
        api_call(&at("https://id.example/userinfo"), JSON_ANSWER),
        api_call(&at("https://id.example/token?grant_type=x"), JSON_ANSWER),
        api_call(&at("https://api.example/v2/items?q=a%20b"), JSON_ANSWER),
        api_call(
            &at("https://id.example/.well-known/openid-configuration"),
            JSON_ANSWER,
        ),
        api_call(
            BEARER_REQUEST,
            &answer(r#""text": "<html><FORM method=post>""#),
        ),
        api_call(
            BEARER_REQUEST,
            &answer(r#""text": "\u003CFORM method=post>""#),
        ),
    ];
    for text in &kept_with_a_body {
        let kept = kept_of(text, &limits).unwrap_or_else(|| panic!("kept: {text}"));
        let full = full_read_kept(text, &limits);
        assert_eq!(format!("{kept:#?}"), format!("{full:#?}"), "{text}");
        let body = kept.response.as_ref().and_then(|r| r.body.as_ref());
        assert!(
            body.is_some() || kept.request.body.is_some(),
            "a body is kept: {text}"
        );
    }
    let full = [
        api_call(
            BEARER_REQUEST,
            &answer(r#""text": "PGZvcm0+", "encoding": "base64""#),
        ),
        api_call(BEARER_REQUEST, &answer(r#""text": "{}""#))
            .replace(r#""status": 200"#, r#""status": "200""#),
        api_call(
            &BEARER_REQUEST.replace(r#""method": "GET", "#, ""),
            JSON_ANSWER,
        ),
    ];
    for text in &full {
        assert!(kept_of(text, &limits).is_none(), "read in full: {text}");
    }
}

/// A token request of an OAuth log (Login with Amazon, as `bench/gen_har.py` writes its
/// oauth-dense shape): a form posted, a JSON answer.
const TOKEN_REQUEST: &str = r#"{"method": "POST", "url": "https://api.amazon.com/auth/o2/token",
    "httpVersion": "HTTP/1.1",
    "headers": [{"name": "host", "value": "api.amazon.com"},
      {"name": "content-type", "value": "application/x-www-form-urlencoded;charset=UTF-8"},
      {"name": "accept", "value": "application/json"},
      {"name": "content-length", "value": "180"}],
    "cookies": [], "bodySize": 180,
    "postData": {"mimeType": "application/x-www-form-urlencoded;charset=UTF-8",
      "text": "grant_type=authorization_code&code=ANkQzXbVcRtYuIoPaSdFgH&redirect_uri=https%3A%2F%2Fpitangui.amazon.com%2Fapi%2Fskill%2Flink%2FM2&client_id=amzn1.application-oa2-client.a1&client_secret=k3y"}}"#;

const TOKEN_ANSWER: &str = r#"{"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
    "headers": [{"name": "content-type", "value": "application/json;charset=UTF-8"},
      {"name": "date", "value": "Thu, 14 Mar 2024 09:00:00 GMT"},
      {"name": "x-amzn-requestid", "value": "0f3a"},
      {"name": "cache-control", "value": "no-cache, no-store, must-revalidate"}],
    "cookies": [],
    "content": {"size": 112, "mimeType": "application/json",
      "text": "{\"access_token\":\"Atza|IwEBIa1\",\"refresh_token\":\"Atzr|IwEBIb2\",\"token_type\":\"bearer\",\"expires_in\":3600}"},
    "redirectURL": "", "bodySize": 112}"#;

/// An authorize request of the same log, with the Amazon jar, and its 302 with a code.
const AUTHORIZE_REQUEST: &str = r#"{"method": "GET",
    "url": "https://www.amazon.com/ap/oa?client_id=amzn1.application-oa2-client.a1&scope=alexa%3A%3Askills%3A%3Aaccount_linking&response_type=code&redirect_uri=https%3A%2F%2Fpitangui.amazon.com%2Fapi%2Fskill%2Flink%2FM2&state=s7Xq",
    "httpVersion": "http/2.0",
    "headers": [{"name": "accept", "value": "text/html,application/xhtml+xml"},
      {"name": "referer", "value": "https://www.shop-example.com/account/alexa"},
      {"name": "user-agent", "value": "Mozilla/5.0 (X11) Chrome/123.0"},
      {"name": "cookie", "value": "session-id=123-4567; ubid-main=890-1234"}],
    "cookies": [{"name": "session-id", "value": "123-4567"}, {"name": "ubid-main", "value": "890-1234"}],
    "queryString": [{"name": "client_id", "value": "amzn1.application-oa2-client.a1"}],
    "bodySize": 0}"#;

const AUTHORIZE_ANSWER: &str = r#"{"status": 302, "statusText": "", "httpVersion": "http/2.0",
    "headers": [{"name": "location", "value": "https://pitangui.amazon.com/api/skill/link/M2?code=ANkQzXbVcRtYuIoPaSdFgH&state=s7Xq"},
      {"name": "content-type", "value": "text/html;charset=UTF-8"},
      {"name": "server", "value": "Server"}],
    "cookies": [],
    "content": {"size": 0, "mimeType": "text/html", "text": ""},
    "redirectURL": "https://pitangui.amazon.com/api/skill/link/M2?code=ANkQzXbVcRtYuIoPaSdFgH&state=s7Xq",
    "bodySize": 0}"#;

/// `postData` as the token request writes it, and how else it may be written: the first ones
/// [`Cursor::kept`] rebuilds, the `declined` ones it leaves to the full read.
const POST_DATA: &str = r#""postData": {"mimeType": "application/x-www-form-urlencoded;charset=UTF-8",
      "text": "grant_type=authorization_code&code=ANkQzXbVcRtYuIoPaSdFgH&redirect_uri=https%3A%2F%2Fpitangui.amazon.com%2Fapi%2Fskill%2Flink%2FM2&client_id=amzn1.application-oa2-client.a1&client_secret=k3y"}"#;

fn post_data_written(declined: bool) -> Vec<String> {
    let kept = [
        POST_DATA.to_string(),
        r#""postData": {"mimeType": "text/plain", "text": "a=\"b\"\/c\u00e9&d=1", "params": [], "encoding": null, "comment": 5}"#.into(),
        r#""postData": {"mimeType": null, "text": "x=1", "params": null}"#.into(),
        r#""postData": {"mimeType": "", "text": "x=1"}"#.into(),
        r#""postData": {"text": "x=1", "params": {"a": 1}}"#.into(),
        r#""postData": {"mimeType": "text/plain", "text": ""}"#.into(),
        r#""postData": {"mimeType": "text/plain", "text": null}"#.into(),
        r#""postData": {}"#.into(),
        r#""postData": null"#.into(),
        r#""bodySize": 0"#.into(),
    ];
    let other = [
        r#""postData": {"mimeType": "text/plain", "text": "x=1", "params": [{"name": "x", "value": "1"}]}"#,
        r#""postData": {"mimeType": "text/plain", "params": [{"name": "x", "value": "1"}]}"#,
        r#""postData": {"text": "eD0x", "encoding": "base64"}"#,
        r#""postData": {"text": "x=1", "encoding": ""}"#,
        r#""postData": {"mimeType": 5, "text": "x=1"}"#,
        r#""postData": {"text": 15}"#,
        r#""postData": {"text": true}"#,
        r#""postData": {"text": ["x=1"]}"#,
        r#""postData": {"text": "x=1", "text": "y=2"}"#,
        r#""postData": {"t\/ext": "x=1"}"#,
        r#""postData": "x=1""#,
        r#""postData": []"#,
    ];
    if declined {
        other.iter().map(|s| s.to_string()).collect()
    } else {
        kept.to_vec()
    }
}

fn content_written(declined: bool) -> Vec<String> {
    let kept = [
        r#""content": {"size": 112, "mimeType": "application/json", "text": "{\"access_token\":\"Atza|IwEBIa1\",\"token_type\":\"bearer\"}"}"#,
        r#""content": {"size": 0, "mimeType": "text/html", "text": ""}"#,
        r#""content": {"size": 9, "mimeType": "text/html", "text": ""}"#,
        r#""content": {"size": null, "text": ""}"#,
        r#""content": {"mimeType": "text/html", "text": "<html><form method=post action=\"https:\/\/x\/cb\">"}"#,
        r#""content": {"mimeType": null, "text": "moved", "encoding": null, "compression": 12}"#,
        r#""content": {"mimeType": "", "text": "moved"}"#,
        r#""content": {"size": 0, "mimeType": "text/html"}"#,
        r#""content": {"size": 0, "text": null}"#,
        r#""content": {}"#,
        r#""content": null"#,
        r#""bodySize": 0"#,
    ];
    let other = [
        r#""content": {"size": 4, "text": "eyJ9", "encoding": "base64"}"#,
        r#""content": {"text": "x", "encoding": "utf-8"}"#,
        r#""content": {"size": "112", "text": ""}"#,
        r#""content": {"size": 1.5, "text": ""}"#,
        r#""content": {"size": -1, "text": ""}"#,
        r#""content": {"size": 99999999999999999999999, "text": ""}"#,
        r#""content": {"text": 12}"#,
        r#""content": {"text": {"a": 1}}"#,
        r#""content": {"mimeType": ["a"], "text": "x"}"#,
        r#""content": {"text": "x", "text": "y"}"#,
        r#""content": {"size": 1, "size": 2, "text": ""}"#,
        r#""content": {"t\/ext": "x"}"#,
        r#""content": "moved""#,
        r#""content": [1]"#,
    ];
    if declined {
        other.iter().map(|s| s.to_string()).collect()
    } else {
        kept.iter().map(|s| s.to_string()).collect()
    }
}

/// An OAuth log's authorize requests and token exchanges (two fifths of oauth-dense's
/// entries, each with needles) are kept for `check` as the full read keeps them, bodies
/// included: every way of writing `postData` and `content` that [`Cursor::kept`] rebuilds
/// gives the full read's exchange, field for field, on a token request, an authorize request
/// (whose URL holds a `%`, so its answer's body is kept) and a GET whose answer's body is
/// dropped; every other way is left to the full read (`None`), never rebuilt differently.
#[test]
fn oauth_steps_are_kept_as_the_full_read_keeps_them() {
    let limits = Limits::default();
    for (request, response) in [
        (TOKEN_REQUEST, TOKEN_ANSWER),
        (AUTHORIZE_REQUEST, AUTHORIZE_ANSWER),
    ] {
        let text = api_call(request, response);
        let kept = kept_of(&text, &limits).unwrap_or_else(|| panic!("kept: {text}"));
        assert_eq!(
            format!("{kept:#?}"),
            format!("{:#?}", full_read_kept(&text, &limits)),
            "{text}"
        );
    }
    // What the token exchange keeps, spelled out.
    let token = kept_of(&api_call(TOKEN_REQUEST, TOKEN_ANSWER), &limits).expect("kept");
    let form = token.request.body.as_ref().expect("the form");
    assert!(form
        .text
        .starts_with("grant_type=authorization_code&code=AN"));
    assert_eq!(
        form.mime_type.as_deref(),
        Some("application/x-www-form-urlencoded;charset=UTF-8")
    );
    let answer = token.response.as_ref().expect("answered");
    let json = answer.body.as_ref().expect("the answer's body");
    assert!(json.text.starts_with(r#"{"access_token":"Atza|IwEBIa1","#));
    let names: Vec<&str> = answer.headers.iter().map(|h| &*h.name).collect();
    assert_eq!(names, ["cache-control"]);
    let authorize = kept_of(&api_call(AUTHORIZE_REQUEST, AUTHORIZE_ANSWER), &limits).expect("kept");
    let answer = authorize.response.as_ref().expect("answered");
    assert_eq!(answer.body.as_ref().map(|b| b.text.as_str()), Some(""));
    assert!(answer.location().is_some_and(|l| l.contains("code=AN")));

    // Each way of writing the bodies, on each kind of request.
    let plain_get = AUTHORIZE_REQUEST.replace(
        "client_id=amzn1.application-oa2-client.a1&scope=alexa%3A%3Askills%3A%3Aaccount_linking&response_type=code&redirect_uri=https%3A%2F%2Fpitangui.amazon.com%2Fapi%2Fskill%2Flink%2FM2&state=s7Xq",
        "client_id=a1&response_type=code&state=s7Xq",
    );
    let requests = [
        TOKEN_REQUEST.to_string(),
        AUTHORIZE_REQUEST.to_string(),
        plain_get,
    ];
    let (mut kept, mut declined) = (0, 0);
    for (declined_post, declined_content) in [(false, false), (true, false), (false, true)] {
        for (r, request) in requests.iter().enumerate() {
            // The plain GET's answer is dropped unread, however its body is written, unless
            // the entry holds a `"encoding"` (or a `<form`): the full read might keep it.
            let dropped = r == 2;
            let at = request.find(r#""bodySize""#).expect("a body size");
            let bare = format!("{}\"bodySize\": 0}}", &request[..at]);
            for post in post_data_written(declined_post) {
                let request = bare.replace(r#""bodySize": 0"#, &post);
                for content in content_written(declined_content) {
                    let (from, to) = (
                        TOKEN_ANSWER.find(r#""content""#).unwrap(),
                        TOKEN_ANSWER.find(r#""redirectURL""#).unwrap(),
                    );
                    let response =
                        TOKEN_ANSWER.replace(&TOKEN_ANSWER[from..to], &format!("{content}, "));
                    let text = api_call(&request, &response);
                    let full = format!("{:#?}", full_read_kept(&text, &limits));
                    let unread = dropped && !text.contains(r#""encoding""#);
                    let expected = !declined_post && (!declined_content || unread);
                    match kept_of(&text, &limits) {
                        Some(ex) => {
                            assert!(expected, "left to the full read: {text}");
                            assert_eq!(format!("{ex:#?}"), full, "{text}");
                            kept += 1;
                        }
                        None => {
                            assert!(!expected, "kept: {text}");
                            declined += 1;
                        }
                    }
                }
            }
        }
    }
    assert_eq!((kept, declined), (468, 744));
}

/// A `method`, `url` or `redirectURL` written as a number or boolean (which the full read
/// turns into text) makes the entry odd, so neither a stub nor [`Cursor::kept`] stands for it.
#[test]
fn scalars_not_written_as_strings_are_odd() {
    let entry = api_call(BEARER_REQUEST, JSON_ANSWER);
    let odd = |from: &str, to: &str| {
        assert!(entry.contains(from));
        let text = entry.replace(from, to);
        let mut c = Cursor::new(text.as_bytes(), 0);
        let mut scan = Scan::default();
        c.entry(&mut scan).expect("valid JSON");
        scan.odd
    };
    assert!(!odd(r#""method": "GET""#, r#""method": "GET""#));
    assert!(odd(r#""method": "GET""#, r#""method": 1"#));
    assert!(odd(r#""method": "GET""#, r#""method": false"#));
    let url = r#""url": "https://api.example/v2/items?page=2""#;
    assert!(odd(url, r#""url": true"#));
    assert!(odd(url, r#""url": []"#));
    assert!(odd(r#""redirectURL": """#, r#""redirectURL": 302"#));
    // `null` reads as absent both ways.
    assert!(!odd(r#""redirectURL": """#, r#""redirectURL": null"#));
    assert!(!odd(url, r#""url": null"#));
}
