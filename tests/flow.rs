//! Reconstruction on small hand-written captures: correlation, lineage and profiles, each
//! case the fixtures exercise only as part of a whole flow.

use std::sync::Arc;

use serde_json::{json, Value};
use tokentrail::config::Config;
use tokentrail::flow::{self, Analysis, Detail, Profile, ProfileSource, StepKind};

/// One HAR entry: method, URL, request headers, form body, status, response headers, body.
struct E {
    method: &'static str,
    url: String,
    headers: Vec<(&'static str, String)>,
    form: Option<String>,
    status: u16,
    location: Option<String>,
    body: Option<String>,
    at: u32,
}

fn get(url: &str, at: u32) -> E {
    E {
        method: "GET",
        url: url.into(),
        headers: vec![],
        form: None,
        status: 200,
        location: None,
        body: None,
        at,
    }
}

fn redirect(url: &str, location: &str, at: u32) -> E {
    E {
        status: 302,
        location: Some(location.into()),
        ..get(url, at)
    }
}

fn post(url: &str, form: &str, body: &str, at: u32) -> E {
    E {
        method: "POST",
        form: Some(form.into()),
        body: Some(body.into()),
        ..get(url, at)
    }
}

fn har(entries: Vec<E>) -> Vec<u8> {
    let entries: Vec<Value> = entries
        .into_iter()
        .map(|e| {
            let mut headers: Vec<Value> = e.headers.iter().map(|(n, v)| json!({"name": n, "value": v})).collect();
            if e.form.is_some() {
                headers.push(json!({"name": "Content-Type", "value": "application/x-www-form-urlencoded"}));
            }
            let mut resp_headers = vec![];
            if let Some(l) = &e.location {
                resp_headers.push(json!({"name": "Location", "value": l}));
            }
            json!({
                "startedDateTime": format!("2024-05-01T10:{:02}:{:02}.000Z", e.at / 60, e.at % 60),
                "request": {"method": e.method, "url": e.url, "headers": headers,
                            "postData": e.form.map(|f| json!({"mimeType": "application/x-www-form-urlencoded", "text": f}))},
                "response": {"status": e.status, "headers": resp_headers,
                             "content": {"mimeType": "application/json", "text": e.body.unwrap_or_default()}}
            })
        })
        .collect();
    serde_json::to_vec(&json!({"log": {"version": "1.2", "entries": entries}})).expect("json")
}

fn analyze(entries: Vec<E>, config: &Config) -> Analysis {
    let capture = tokentrail::read::read_bytes("t.har", Arc::from(har(entries))).expect("reads");
    flow::analyze(&capture, config)
}

const CB: &str = "https%3A%2F%2Fapp.example.com%2Fcb";

fn authorize(client: &str, scope: &str, state: Option<&str>, at: u32) -> E {
    let state = state.map(|s| format!("&state={s}")).unwrap_or_default();
    get(
        &format!("https://www.amazon.com/ap/oa?client_id={client}&scope={scope}&response_type=code&redirect_uri={CB}{state}"),
        at,
    )
}

fn code_origin_entry(a: &Analysis, code: &str) -> Option<usize> {
    let c = a.codes.iter().find(|c| c.value == code)?;
    a.step(c.origin?).map(|s| s.entry)
}

#[test]
fn state_decides_which_request_an_answer_belongs_to() {
    let a = analyze(
        vec![
            authorize("B", "profile", Some("one"), 0),
            authorize("B", "profile", Some("two"), 1),
            get("https://app.example.com/cb?code=CODE1&state=one", 2),
        ],
        &Config::default(),
    );
    assert_eq!(
        code_origin_entry(&a, "CODE1"),
        Some(1),
        "matched by state, not by recency"
    );
}

#[test]
fn without_state_the_latest_unanswered_request_wins() {
    let a = analyze(
        vec![
            authorize("B", "profile", None, 0),
            get("https://app.example.com/cb?code=CODE1", 1),
            authorize("B", "profile", None, 2),
            get("https://app.example.com/cb?code=CODE2", 3),
        ],
        &Config::default(),
    );
    assert_eq!(code_origin_entry(&a, "CODE1"), Some(1));
    assert_eq!(code_origin_entry(&a, "CODE2"), Some(3));
}

#[test]
fn a_code_on_an_unrelated_url_is_not_a_code() {
    let a = analyze(
        vec![
            authorize("B", "profile", Some("s"), 0),
            get(
                "https://metrics.example.net/collect?code=PROMO2024&state=s",
                1,
            ),
            get("https://app.example.com/cb2?code=NOTMINE&state=s", 2),
        ],
        &Config::default(),
    );
    assert!(
        a.codes.is_empty(),
        "{:?}",
        a.codes.iter().map(|c| &c.value).collect::<Vec<_>>()
    );
    assert!(a.steps.iter().all(|s| s.kind != StepKind::Answer));
}

#[test]
fn following_the_redirect_delivers_the_code_without_redeeming_it() {
    let a = analyze(
        vec![
            authorize("B", "profile", Some("s"), 0),
            redirect(
                "https://www.amazon.com/ap/signin",
                "https://app.example.com/cb?code=CODE1&state=s",
                1,
            ),
            get("https://app.example.com/cb?code=CODE1&state=s", 2),
        ],
        &Config::default(),
    );
    let code = a.codes.iter().find(|c| c.value == "CODE1").expect("code");
    assert_eq!(
        a.step(code.issued.expect("issued")).map(|s| s.entry),
        Some(2),
        "issued by the 302"
    );
    assert_eq!(code.deliveries, vec![3]);
    assert!(code.redemptions.is_empty());
}

#[test]
fn an_unanswered_token_request_still_redeems() {
    let mut first = post(
        "https://api.amazon.com/auth/o2/token",
        "grant_type=authorization_code&code=CODE1&client_id=B",
        "",
        3,
    );
    first.status = 0;
    let a = analyze(
        vec![
            authorize("B", "profile", Some("s"), 0),
            get("https://app.example.com/cb?code=CODE1&state=s", 1),
            first,
            post(
                "https://api.amazon.com/auth/o2/token",
                "grant_type=authorization_code&code=CODE1&client_id=B",
                r#"{"error":"invalid_grant"}"#,
                4,
            ),
        ],
        &Config::default(),
    );
    let code = a.codes.iter().find(|c| c.value == "CODE1").expect("code");
    let entries: Vec<usize> = code
        .redemptions
        .iter()
        .filter_map(|&r| a.step(r))
        .map(|s| s.entry)
        .collect();
    assert_eq!(entries, vec![3, 4]);
    let first = a.steps.iter().find(|s| s.entry == 3).expect("step");
    match &first.detail {
        Detail::TokenRequest(t) => assert!(t.response.is_none()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn only_an_authorization_code_grant_redeems() {
    let a = analyze(
        vec![
            authorize("B", "profile", Some("s"), 0),
            get("https://app.example.com/cb?code=CODE1&state=s", 1),
            post(
                "https://api.amazon.com/auth/o2/token",
                "grant_type=AUTHORIZATION_CODE&code=CODE1&client_id=B",
                "",
                2,
            ),
            post(
                "https://api.amazon.com/auth/o2/token",
                "grant_type=authorization_code&code=CODE1&client_id=B",
                "",
                3,
            ),
        ],
        &Config::default(),
    );
    let code = a.codes.iter().find(|c| c.value == "CODE1").expect("code");
    assert_eq!(code.redemptions.len(), 1);
}

#[test]
fn basic_credentials_name_the_client() {
    // RFC 6749 §2.3.1: id and secret are form-encoded before base64.
    let mut token = post(
        "https://api.amazon.com/auth/o2/token",
        "grant_type=authorization_code&code=CODE1",
        "",
        2,
    );
    token
        .headers
        .push(("Authorization", "Basic bXklM0FjbGllbnQ6czNjcjN0".into())); // my%3Aclient:s3cr3t
    let a = analyze(vec![token], &Config::default());
    match &a.steps.first().expect("step").detail {
        Detail::TokenRequest(t) => {
            assert_eq!(t.client_id.as_deref(), Some("my:client"));
            assert!(t.has_client_secret);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn answers_are_matched_in_time_order_not_file_order() {
    // The answer is listed first but happened after the request.
    let a = analyze(
        vec![
            get("https://app.example.com/cb?code=CODE1&state=s", 5),
            authorize("B", "profile", Some("s"), 1),
        ],
        &Config::default(),
    );
    assert_eq!(code_origin_entry(&a, "CODE1"), Some(2));
}

#[test]
fn a_refreshed_token_traces_back_to_the_first_authorize() {
    let a = analyze(
        vec![
            authorize("B", "alexa%3A%3Askills%3A%3Aaccount_linking", Some("s"), 0),
            get("https://app.example.com/cb?code=CODE1&state=s", 1),
            post(
                "https://api.amazon.com/auth/o2/token",
                "grant_type=authorization_code&code=CODE1&client_id=B",
                r#"{"access_token":"Atza|first-token-0123456789","refresh_token":"Atzr|refresh-0123456789","expires_in":3600}"#,
                2,
            ),
            post(
                "https://api.amazon.com/auth/o2/token",
                "grant_type=refresh_token&refresh_token=Atzr%7Crefresh-0123456789&client_id=B",
                r#"{"access_token":"Atza|second-token-0123456789","expires_in":3600}"#,
                3,
            ),
        ],
        &Config::default(),
    );
    let second = a
        .tokens
        .iter()
        .position(|t| t.value == "Atza|second-token-0123456789")
        .expect("token");
    let root = a.token_root(second).expect("root");
    assert_eq!(a.step(root).map(|s| s.entry), Some(1));
    let refresh = a
        .tokens
        .iter()
        .find(|t| t.value == "Atzr|refresh-0123456789")
        .expect("refresh");
    assert_eq!(refresh.uses.len(), 1, "the refresh grant used it");
}

#[test]
fn profiles_come_from_config_else_from_evidence() {
    let entries = || {
        vec![
            authorize("B", "alexa%3A%3Askills%3A%3Aaccount_linking", Some("s1"), 0),
            authorize("A", "profile", Some("s2"), 1),
            get("https://auth.example-skill.com/oauth2/authorize?client_id=OWN&response_type=code&redirect_uri=x", 2),
            authorize("BOTH", "alexa%3A%3Askills%3A%3Aaccount_linking", Some("s3"), 3),
            get("https://auth.example-skill.com/oauth2/authorize?client_id=BOTH&response_type=code&redirect_uri=x", 4),
        ]
    };
    let a = analyze(entries(), &Config::default());
    let p = |id: &str| a.clients.get(id).map(|c| (c.profile, c.source));
    assert_eq!(p("B"), Some((Profile::Alexa, ProfileSource::Inferred)));
    // "A" asks LWA for a skill scope, but the capture shows the skill's own server (OWN's): the
    // skill's server is not LWA, so a client used at LWA is the Alexa Client Id (issue 17).
    assert_eq!(p("A"), Some((Profile::Alexa, ProfileSource::Inferred)));
    let why = &a.clients.get("A").expect("client").evidence;
    assert!(why.contains("is not Login with Amazon"), "{why}");
    assert_eq!(p("OWN"), Some((Profile::Skill, ProfileSource::Inferred)));
    assert_eq!(
        p("BOTH"),
        Some((Profile::Skill, ProfileSource::Inferred)),
        "a non-Amazon server means profile A"
    );
    let config: Config = toml::from_str("[alexa]\nclient_ids = [\"BOTH\"]\n").expect("config");
    let a = analyze(entries(), &config);
    let both = a.clients.get("BOTH").expect("client");
    assert_eq!(
        (both.profile, both.source),
        (Profile::Alexa, ProfileSource::Config)
    );
}

#[test]
fn an_answer_without_state_does_not_go_to_a_request_that_sent_one() {
    // Two flows share a redirect URI; the first sends no state, the second does. The answer
    // without state belongs to the first even though the second is more recent.
    let a = analyze(
        vec![
            authorize("B", "profile", None, 0),
            authorize("A", "profile", Some("s2"), 1),
            get("https://app.example.com/cb?code=CODE1", 2),
            get("https://app.example.com/cb?code=CODE2&state=s2", 3),
        ],
        &Config::default(),
    );
    assert_eq!(code_origin_entry(&a, "CODE1"), Some(1));
    assert_eq!(code_origin_entry(&a, "CODE2"), Some(2));
}

#[test]
fn basic_credentials_sent_without_form_encoding_still_name_the_known_client() {
    // `curl -u 'client+1:secret'` sends the `+` as is; form-decoding would read "client 1".
    let mut token = post(
        "https://api.amazon.com/auth/o2/token",
        "grant_type=authorization_code&code=CODE1",
        "",
        2,
    );
    token
        .headers
        .push(("Authorization", "Basic Y2xpZW50KzE6c2VjcmV0".into())); // client+1:secret
    let a = analyze(
        vec![
            authorize("client%2B1", "profile", Some("s"), 0),
            get("https://app.example.com/cb?code=CODE1&state=s", 1),
            token,
        ],
        &Config::default(),
    );
    let t = a.steps.iter().find_map(|s| match &s.detail {
        Detail::TokenRequest(t) => Some(t),
        _ => None,
    });
    assert_eq!(t.and_then(|t| t.client_id.as_deref()), Some("client+1"));
}

/// A log longer than the chunks reconstruction decodes on every core at once (256
/// exchanges): codes issued in one chunk and redeemed in a later one, tokens minted in one
/// and used in another, still link, and each step's labels find their values.
#[test]
fn a_long_log_links_across_the_chunks_it_is_decoded_in() {
    let flows: u32 = 300;
    let mut entries = Vec::new();
    for i in 0..flows {
        entries.push(authorize("B", "profile", Some(&format!("s{i}")), 3 * i));
        entries.push(redirect(
            "https://www.amazon.com/ap/signin",
            &format!("https://app.example.com/cb?code=CODE{i:05}&state=s{i}"),
            3 * i + 1,
        ));
    }
    for i in 0..flows {
        entries.push(post(
            "https://api.amazon.com/auth/o2/token",
            &format!("grant_type=authorization_code&code=CODE{i:05}&client_id=B&redirect_uri={CB}"),
            &format!(
                r#"{{"access_token":"Atza|TOKEN{i:05}","token_type":"bearer","expires_in":3600}}"#
            ),
            3 * flows + i,
        ));
    }
    for i in (0..flows).rev() {
        let mut call = get(
            "https://api.amazonalexa.com/v1/alerts",
            4 * flows + (flows - i),
        );
        call.headers
            .push(("Authorization", format!("Bearer Atza|TOKEN{i:05}")));
        entries.push(call);
    }
    let a = analyze(entries, &Config::default());
    assert_eq!(a.codes.len(), flows as usize);
    for i in 0..flows as usize {
        let value = format!("CODE{i:05}");
        let code = a.codes.iter().find(|c| c.value == value).expect("code");
        assert_eq!(code_origin_entry(&a, &value), Some(2 * i + 1), "{value}");
        let [r] = code.redemptions[..] else {
            panic!("{value} redeemed once: {:?}", code.redemptions)
        };
        assert_eq!(a.steps[r].entry, 2 * flows as usize + i + 1);
        let located = a.locator(r, "code").expect("the code is located");
        assert_eq!(located.needle, value);
        let Detail::TokenRequest(req) = &a.steps[r].detail else {
            panic!("a token request")
        };
        let minted = req
            .response
            .as_ref()
            .and_then(|r| r.access_token)
            .expect("minted");
        let token = &a.tokens[minted];
        assert_eq!(token.value, format!("Atza|TOKEN{i:05}"));
        let [used] = token.uses[..] else {
            panic!("used once: {:?}", token.uses)
        };
        assert_eq!(a.steps[used].entry, 4 * flows as usize - i);
        assert_eq!(
            a.locator(used, "bearer").map(|l| l.needle),
            Some(token.value.clone())
        );
        assert_eq!(
            a.locator(r, "access_token").map(|l| l.needle),
            Some(token.value.clone())
        );
    }
}

/// A test suite's log names the same client, redirect URI, scope and grant type in thousands
/// of steps: each text is kept once and shared by every step that has it, and the labels' texts
/// likewise, while every step still reads and locates its own values.
#[test]
fn texts_many_steps_repeat_are_kept_once() {
    let flows: u32 = 40;
    let mut entries = Vec::new();
    for i in 0..flows {
        entries.push(authorize("B", "profile", Some(&format!("s{i}")), 4 * i));
        entries.push(redirect(
            "https://www.amazon.com/ap/signin",
            &format!("https://app.example.com/cb?code=CODE{i:05}&state=s{i}"),
            4 * i + 1,
        ));
        entries.push(post(
            "https://api.amazon.com/auth/o2/token",
            &format!("grant_type=authorization_code&code=CODE{i:05}&client_id=B&redirect_uri={CB}"),
            &format!(
                r#"{{"access_token":"Atza|T{i:05}","token_type":"bearer","expires_in":3600}}"#
            ),
            4 * i + 2,
        ));
    }
    let a = analyze(entries, &Config::default());
    let steps = |kind: StepKind| {
        a.steps
            .iter()
            .enumerate()
            .filter(move |(_, s)| s.kind == kind)
            .map(|(i, _)| i)
    };
    let same = |texts: Vec<&Option<tokentrail::flow::Shared>>, want: &str| {
        assert_eq!(texts.len(), flows as usize, "{want}");
        let first = texts[0].as_ref().expect("present");
        assert_eq!(&**first, want);
        for t in &texts {
            let t = t.as_ref().expect("present");
            assert!(Arc::ptr_eq(t, first), "{want} kept once");
        }
    };
    let auths: Vec<_> = steps(StepKind::Authorize)
        .filter_map(|i| a.authorize(i))
        .collect();
    same(auths.iter().map(|x| &x.client_id).collect(), "B");
    same(
        auths.iter().map(|x| &x.redirect_uri).collect(),
        "https://app.example.com/cb",
    );
    same(auths.iter().map(|x| &x.scope).collect(), "profile");
    let reqs: Vec<_> = steps(StepKind::TokenRequest)
        .filter_map(|i| a.token_request(i))
        .collect();
    same(reqs.iter().map(|x| &x.client_id).collect(), "B");
    same(
        reqs.iter().map(|x| &x.grant_type).collect(),
        "authorization_code",
    );
    same(auths.iter().map(|x| &x.issuer).collect(), "lwa");
    same(reqs.iter().map(|x| &x.issuer).collect(), "lwa");
    let token_types: Vec<_> = reqs
        .iter()
        .filter_map(|x| x.response.as_ref())
        .map(|r| &r.token_type)
        .collect();
    same(token_types, "bearer");
    // Each authorize request still locates its own state, and all the one client id.
    for (n, i) in steps(StepKind::Authorize).enumerate() {
        let state = a.locator(i, "state").expect("state located");
        assert_eq!(state.needle, format!("state=s{n}"));
        let client = a.locator(i, "client_id").expect("client located");
        assert_eq!(client.needle, "client_id=B");
    }
}
