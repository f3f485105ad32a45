//! Generated captures: random secrets of every shape, in every spelling.

use super::*;

pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub(super) fn from(&mut self, alphabet: &str, len: usize) -> String {
        let chars: Vec<char> = alphabet.chars().collect();
        (0..len).map(|_| chars[self.below(chars.len())]).collect()
    }
    /// A secret of a random shape: an LWA code, a short numeric code, an `Atza|` token, a
    /// JWT, or anything with punctuation and non-ASCII letters.
    pub(super) fn secret(&mut self) -> String {
        const LETTERS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let extra = self.below(60);
        match self.below(5) {
            0 => format!("AN{}", self.from(LETTERS, 18)),
            1 => self.from("0123456789", 4 + extra % 4),
            2 => format!("Atza|{}", self.from(&format!("{B64}|+/="), 40 + extra)),
            3 => format!(
                "eyJhbGciOiJSUzI1NiJ9.eyJ{}.{}",
                self.from(B64, 30),
                self.from(B64, 43)
            ),
            _ => self.from("abcXYZ0189|/+=%~ é!*-.", 6 + extra % 24),
        }
    }
}

pub(super) fn pct(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// A request: method, URL, headers and an optional (MIME type, text) body.
pub(super) type Req<'a> = (&'a str, &'a str, Value, Option<(&'a str, &'a str)>);
/// A response: status, headers and an optional (MIME type, text) body.
pub(super) type Resp<'a> = (u16, Value, Option<(&'a str, String)>);

pub(super) fn entry(
    t: usize,
    (method, url, headers, body): Req,
    (status, resp_headers, resp_body): Resp,
) -> Value {
    let mut request = serde_json::json!({"method": method, "url": url, "httpVersion": "HTTP/1.1",
        "cookies": [], "headers": headers, "queryString": [], "headersSize": -1, "bodySize": -1});
    if let Some((mime, text)) = body {
        request["postData"] = serde_json::json!({"mimeType": mime, "text": text});
    }
    let mut content = serde_json::json!({"size": 0, "mimeType": "text/html"});
    if let Some((mime, text)) = resp_body {
        content = serde_json::json!({"size": text.len(), "mimeType": mime, "text": text});
    }
    serde_json::json!({"startedDateTime": format!("2024-03-14T10:00:{t:02}.000Z"), "time": 10,
        "request": request,
        "response": {"status": status, "statusText": "", "httpVersion": "HTTP/1.1", "cookies": [],
            "headers": resp_headers, "content": content, "redirectURL": "", "headersSize": -1, "bodySize": -1},
        "cache": {}, "timings": {"send": 0, "wait": 10, "receive": 0}})
}

/// The random secrets of a [`generated`] capture, drawn in this order.
pub(super) struct Drawn {
    code: String,
    secret: String,
    token: String,
    refresh: String,
    skill_code: String,
    cookie: String,
    password: String,
}

impl Drawn {
    pub(super) fn draw(rng: &mut Rng) -> Self {
        Drawn {
            code: rng.secret(),
            secret: rng.secret(),
            token: rng.secret(),
            refresh: format!("Atzr|{}", rng.from("abcdefABCDEF0123456789-_/+", 50)),
            skill_code: rng.secret(),
            cookie: rng.secret().replace([';', ' ', '"'], "x"),
            password: rng.secret(),
        }
    }
}

pub(super) const CLIENT: &str = "amzn1.application-oa2-client.0123456789abcdef0123456789abcdef";
pub(super) const REDIRECT: &str = "https://app.example.com/cb";
pub(super) const FORM: &str = "application/x-www-form-urlencoded";

/// A form body, each value percent-encoded (spaces as `+`).
pub(super) fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", pct(v).replace("%20", "+")))
        .collect::<Vec<_>>()
        .join("&")
}

/// A HAR header list.
pub(super) fn headers(pairs: &[(&str, &str)]) -> Value {
    pairs
        .iter()
        .map(|(n, v)| serde_json::json!({"name": n, "value": v}))
        .collect()
}

/// Entries 1–3: the authorize redirect with the code (and a session cookie), the callback
/// page (the password in a comment), the sign-in form with the password.
pub(super) fn sign_in_entries(d: &Drawn) -> Vec<Value> {
    let callback = format!("{REDIRECT}?code={}&state=st-1", pct(&d.code));
    let authorize = format!("https://www.amazon.com/ap/oa?client_id={CLIENT}&scope=alexa%3A%3Askills%3A%3Aaccount_linking&response_type=code&redirect_uri={}&state=st-1", pct(REDIRECT));
    let signin = form(&[("email", "a@example.com"), ("password", &d.password)]);
    vec![
        entry(
            1,
            ("GET", &authorize, headers(&[]), None),
            (
                302,
                headers(&[
                    ("Location", &callback),
                    ("Set-Cookie", &format!("sid={}; Path=/", d.cookie)),
                ]),
                None,
            ),
        ),
        entry(
            2,
            (
                "GET",
                &callback,
                headers(&[("Cookie", &format!("sid={}", d.cookie))]),
                None,
            ),
            (
                200,
                headers(&[]),
                Some((
                    "text/html",
                    format!("<p>signed in</p><!-- {} -->", d.password),
                )),
            ),
        ),
        entry(
            3,
            (
                "POST",
                "https://www.amazon.com/ap/signin",
                headers(&[]),
                Some((FORM, &signin)),
            ),
            (
                200,
                headers(&[]),
                Some(("text/html", "<p>welcome</p>".into())),
            ),
        ),
    ]
}

/// Entries 4–6: the code redeemed with the secret in the form, redeemed again with it in
/// Basic credentials (refused), and the activation with the access token.
pub(super) fn token_entries(d: &Drawn) -> Vec<Value> {
    use base64::Engine as _;
    let grant = form(&[
        ("grant_type", "authorization_code"),
        ("code", &d.code),
        ("redirect_uri", REDIRECT),
        ("client_id", CLIENT),
        ("client_secret", &d.secret),
    ]);
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT}:{}", pct(&d.secret)));
    let tokens = serde_json::json!({"access_token": d.token, "refresh_token": d.refresh, "token_type": "bearer", "expires_in": 3600}).to_string();
    let activation = serde_json::json!({"stage": "live", "accountLinkRequest": {"redirectUri": "https://skill.example.com/cb", "authCode": d.skill_code, "type": "AUTH_CODE"}}).to_string();
    let again = form(&[
        ("grant_type", "authorization_code"),
        ("code", &d.code),
        ("redirect_uri", REDIRECT),
    ]);
    let activate = "https://api.amazonalexa.com/v1/users/~current/skills/amzn1.ask.skill.12345678-1234-1234-1234-123456789012/enablement";
    vec![
        entry(
            4,
            (
                "POST",
                "https://api.amazon.com/auth/o2/token",
                headers(&[("Content-Type", FORM)]),
                Some((FORM, &grant)),
            ),
            (200, headers(&[]), Some(("application/json", tokens))),
        ),
        entry(
            5,
            (
                "POST",
                "https://api.amazon.com/auth/o2/token",
                headers(&[("Authorization", &format!("Basic {basic}"))]),
                Some((FORM, &again)),
            ),
            (
                400,
                headers(&[]),
                Some(("application/json", r#"{"error":"invalid_grant"}"#.into())),
            ),
        ),
        entry(
            6,
            (
                "POST",
                activate,
                headers(&[
                    ("Authorization", &format!("Bearer {}", d.token)),
                    ("Content-Type", "application/json"),
                ]),
                Some(("application/json", &activation)),
            ),
            (
                201,
                headers(&[]),
                Some(("application/json", r#"{"status":"ENABLED"}"#.into())),
            ),
        ),
    ]
}

/// An LWA flow whose code is redeemed twice (form, then Basic) and whose token is used for
/// the activation, with random secrets in query, form, JSON, header, cookie and HTML spellings.
pub(super) fn generated(rng: &mut Rng) -> String {
    let drawn = Drawn::draw(rng);
    let mut entries = sign_in_entries(&drawn);
    entries.extend(token_entries(&drawn));
    serde_json::to_string(&serde_json::json!({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": entries}}))
        .expect("json")
}

#[test]
fn generated_captures_with_random_secrets() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut reused = 0;
    const CASES: usize = 32;
    for case in 0..CASES {
        let text = generated(&mut rng);
        let name = format!("generated-{case}.har");
        let original = read(&name, &text);
        let opts = common::default_options();
        if found(original.clone(), &opts)
            .iter()
            .any(|(rule, _, _)| rule == "oauth/code-reused")
        {
            reused += 1;
        }
        let copy = check_properties(&name, &original, &opts);
        assert!(copy.placeholders.len() >= 5, "{name}: {:?}", copy.tallies);
        // A whole cut-off copy of the generated file is sanitized as a cut file too.
        let cut = &text[..text.len() - 40];
        if let Ok(capture) = tokentrail::read::read_bytes(&name, Arc::from(cut.as_bytes())) {
            if !capture.exchanges.is_empty() {
                check_properties(&format!("{name} (cut)"), &capture, &opts);
            }
        }
    }
    assert!(
        reused > CASES / 2,
        "the reuse is seen in {reused} of {CASES} generated captures"
    );
}
