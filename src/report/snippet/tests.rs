use super::fixture::*;
use super::*;
use crate::finding::Area;
use crate::secret::mask;

fn loc(area: Area, needle: &str) -> Locator {
    Locator {
        area,
        needle: needle.to_string(),
    }
}

#[test]
fn labels_land_on_the_masked_value_in_the_right_area() {
    let capture = capture("login.har", PRETTY);
    let snippets = Snippets::new(&capture);
    let body = loc(Area::RequestBody, CODE);
    let auth = loc(Area::RequestHeader("AUTHORIZATION".into()), TOKEN);
    let url = loc(Area::Url, "https://api.amazon.com/auth/o2/token");
    let snippet = snippets
        .entry(
            2,
            &[
                (Some(&body), "code"),
                (Some(&auth), "token"),
                (Some(&url), "url"),
                (None, "entry"),
            ],
        )
        .unwrap();

    assert_no_raw_secret(snippet.text());
    let [body, auth, url, entry] = snippet.labels() else {
        panic!()
    };
    assert_eq!(snippet.label_text(body), Some(mask(CODE).as_str()));
    // 0-based line numbers from the snippet, 1-based from the helper.
    assert_eq!(
        snippet.label_line(body).unwrap() + 1,
        line_holding(PRETTY, "grant_type=")
    );
    // Credentials are masked by parts: the scheme shown, the token masked as it is
    // wherever it appears.
    assert_eq!(snippet.label_text(auth), Some(mask(TOKEN).as_str()));
    assert!(snippet
        .text()
        .contains(&format!("\"Bearer {}\"", mask(TOKEN))));
    assert_eq!(
        snippet.label_line(auth).unwrap() + 1,
        line_holding(PRETTY, "Bearer")
    );
    assert_eq!(
        snippet.label_line(url).unwrap() + 1,
        line_holding(PRETTY, "auth/o2/token")
    );
    assert_eq!(snippet.label_text(entry), Some("\"url\""));
    assert!(body.primary());
}

/// The lines around a label hold values no list knows: a custom token header, a header
/// whose name is a secret, a Referer with a code. None of them is shown; the public ones
/// the reader needs are.
#[test]
fn context_lines_show_only_what_the_policy_knows() {
    let odd = "q8Zr2kP0vX4mW7nB1cT5";
    let source = PRETTY.replace(
            r#"{ "name": "Content-Type", "value": "application/x-www-form-urlencoded" }"#,
            &format!(
                r#"{{ "name": "Content-Type", "value": "application/x-www-form-urlencoded" }},
            {{ "name": "Private-Token", "value": "{odd}" }},
            {{ "name": "{odd}", "value": "1" }},
            {{ "name": "Referer", "value": "https://example.com/cb?code=ANzzzzzzzzzzzzzzzzzz&client_id=my-client" }}"#
            ),
        );
    let capture = capture("login.har", &source);
    let body = loc(Area::RequestBody, CODE);
    let snippet = Snippets::new(&capture)
        .entry(2, &[(Some(&body), "code")])
        .unwrap();
    let text = snippet.text();
    assert!(!text.contains(odd) && !text.contains("ANzzzz"), "{text}");
    assert_no_raw_secret(text);
    for shown in [
        "\"Private-Token\"",
        "grant_type=authorization_code",
        "redirect_uri=https%3A%2F%2Fexample.com%2Fcb",
        "client_id=my-client",
        "\\\"error\\\":\\\"invalid_grant\\\"",
    ] {
        assert!(text.contains(shown), "{shown} not in {text}");
    }
    assert_eq!(
        snippet.label_text(&snippet.labels()[0]),
        Some(mask(CODE).as_str())
    );
}

/// Raw HTTP is masked by line: request line, headers by name, the body by its type.
#[test]
fn raw_http_entries_are_masked_by_line() {
    let odd = "q8Zr2kP0vX4mW7nB1cT5";
    let source = format!(
            "POST /auth/o2/token HTTP/1.1\r\nHost: api.amazon.com\r\nX-Session-Token: {odd}\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\ngrant_type=authorization_code&code={CODE}&client_secret={odd}\r\n"
        );
    let mut capture = capture("t.http", &source);
    capture.format = Format::RawHttp;
    capture.exchanges = vec![crate::model::Exchange {
        index: 1,
        span: 0..source.len(),
        started: None,
        started_raw: None,
        request: Default::default(),
        response: None,
        error: None,
    }];
    let body = loc(Area::RequestBody, CODE);
    let snippet = Snippets::new(&capture)
        .entry(1, &[(Some(&body), "code")])
        .unwrap();
    let text = snippet.text();
    assert!(!text.contains(odd), "{text}");
    assert_no_raw_secret(text);
    assert!(
        text.starts_with(
            "POST /auth/o2/token HTTP/1.1\r\nHost: api.amazon.com\r\nX-Session-Token: "
        ),
        "{text}"
    );
    assert_eq!(
        snippet.label_text(&snippet.labels()[0]),
        Some(mask(CODE).as_str())
    );
    assert_eq!(snippet.label_line(&snippet.labels()[0]), Some(5));
}

#[test]
fn prefers_the_area_over_an_earlier_occurrence() {
    // The code is in entry 1's URL only; ask for it in the (absent) body: the URL still wins
    // as "any occurrence", and asking for the URL finds the same place.
    let capture = capture("login.har", PRETTY);
    let snippets = Snippets::new(&capture);
    let in_body = loc(Area::RequestBody, CODE);
    let snippet = snippets.entry(1, &[(Some(&in_body), "x")]).unwrap();
    assert_eq!(snippet.label_line(&snippet.labels()[0]).unwrap() + 1, 9);

    // In entry 2 the token is only in the header; the `Content-Type` header is not chosen.
    let ct = loc(
        Area::RequestHeader("content-type".into()),
        "application/x-www-form-urlencoded",
    );
    let snippet = snippets.entry(2, &[(Some(&ct), "ct")]).unwrap();
    let line = snippet.label_line(&snippet.labels()[0]).unwrap() + 1;
    assert_eq!(line, line_holding(PRETTY, "\"Content-Type\""));
}

#[test]
fn finds_encoded_spellings() {
    let capture = capture("login.har", PRETTY);
    let snippets = Snippets::new(&capture);
    let redirect = loc(Area::RequestBody, "https://example.com/cb");
    let snippet = snippets.entry(2, &[(Some(&redirect), "r")]).unwrap();
    let label = &snippet.labels()[0];
    assert_eq!(
        snippet.label_text(label),
        Some("https%3A%2F%2Fexample.com%2Fcb")
    );
}

#[test]
fn unknown_entry_gives_no_snippet() {
    let capture = capture("login.har", PRETTY);
    assert!(Snippets::new(&capture).entry(9, &[]).is_none());
    assert!(Snippets::new(&capture).entry(0, &[]).is_none());
}

#[test]
fn minified_entry_is_reformatted_and_long_strings_elided() {
    let long = "x".repeat(500);
    let source = format!(
        r#"{{"log":{{"entries":[{{"startedDateTime":"2024-05-01T10:00:01.000Z","request":{{"method":"GET","url":"https://example.com/cb?code={CODE}","headers":[]}},"response":{{"status":200,"statusText":"{long}","headers":[]}}}}]}}}}"#
    );
    let capture = capture("min.har", &source);
    let snippets = Snippets::new(&capture);
    let url = loc(Area::Url, CODE);
    let snippet = snippets.entry(1, &[(Some(&url), "code")]).unwrap();

    assert_eq!(snippet.name(), "min.har (entry #1, reformatted)");
    assert!(snippet.text().lines().count() > 5, "{}", snippet.text());
    assert!(
        snippet.text().contains(&format!("\"{}…\"", "x".repeat(80))),
        "{}",
        snippet.text()
    );
    assert!(!snippet.text().contains(&"x".repeat(81)));
    assert_no_raw_secret(snippet.text());
    let label = &snippet.labels()[0];
    assert_eq!(snippet.label_text(label), Some(mask(CODE).as_str()));
    let line = snippet.label_line(label).unwrap();
    assert!(snippet
        .text()
        .lines()
        .nth(line)
        .unwrap()
        .contains("\"url\""));
}

#[test]
fn long_string_keeps_the_stretch_around_its_label() {
    let padding = "p".repeat(400);
    let source = PRETTY.replace(
        "&state=xyz",
        &format!("&scope={padding}&response_type=HERE"),
    );
    let capture = capture("login.har", &source);
    let here = loc(Area::Url, "response_type=HERE");
    let snippet = Snippets::new(&capture)
        .entry(1, &[(Some(&here), "here")])
        .unwrap();
    // Not minified: one long member keeps the file's own lines.
    assert_eq!(snippet.name(), "login.har");
    assert_eq!(
        snippet.label_text(&snippet.labels()[0]),
        Some("response_type=HERE")
    );
    assert!(snippet.text().contains('…'));
    assert!(!snippet.text().contains(&"p".repeat(100)));
}

#[test]
fn a_label_after_a_masked_value_has_the_file_column() {
    let capture = capture("login.har", PRETTY);
    let redirect = loc(Area::RequestBody, "https://example.com/cb");
    let snippet = Snippets::new(&capture)
        .entry(2, &[(Some(&redirect), "redirect")])
        .unwrap();
    let label = &snippet.labels()[0];
    // The code before it on the line is masked, and shorter than the original.
    let masked_line = snippet
        .text()
        .lines()
        .find(|l| l.contains("grant_type="))
        .unwrap();
    assert!(masked_line.contains(&mask(CODE)));
    let line = PRETTY.lines().find(|l| l.contains("grant_type=")).unwrap();
    let want = line.find("https%3A").unwrap();
    assert_ne!(masked_line.find("https%3A").unwrap(), want);
    // What miette asks for the `file:line:col` header: the column in the file.
    let header = snippet.read_span(label.inner(), 0, 0).unwrap();
    assert_eq!(header.column(), want);
    assert_eq!(header.line() + 1, line_holding(PRETTY, "grant_type="));
}

#[test]
fn offset_snippet_shows_lines_before_a_cut_and_masks_a_cut_secret() {
    let cut = PRETTY.find("ANdNAVhyhqirUelHGEHA&redirect").unwrap() + 12;
    let source = &PRETTY[..cut];
    let capture = capture("cut.har", source);
    let snippet = Snippets::new(&capture).offset(cut, "the file ends here");
    assert_no_raw_secret(snippet.text());
    assert!(
        !snippet.text().contains("ANdNAVhyhqir"),
        "{}",
        snippet.text()
    );
    assert_eq!(snippet.text().lines().count(), 4);
    let label = &snippet.labels()[0];
    assert_eq!(
        snippet.label_line(label).unwrap() + 1,
        line_holding(PRETTY, "grant_type=")
    );
}
