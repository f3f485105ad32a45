//! The policy's tests.

#[test]
fn id_token_claims_show_only_what_a_finding_needs() {
    for name in ["iss", "aud", "azp", "exp", "alg"] {
        assert_eq!(
            claim(name, "https://issuer.example"),
            "https://issuer.example"
        );
    }
    for name in ["sub", "nonce", "email", "at_hash", "name"] {
        let shown = claim(name, "248289761001-person");
        assert_ne!(shown, "248289761001-person", "{name} shown");
        assert!(!shown.contains("248289761001"), "{name} leaks: {shown}");
        assert_eq!(
            shown,
            claim(name, "248289761001-person"),
            "equal values, equal masks"
        );
    }
}
use super::*;

#[test]
fn generated_path_segments_are_hidden_and_readable_ids_shown() {
    let uid = "yiZ9_yFu8wTdBbPnJd5Rt0t-GIx_CD7nnwcnYQcqIvg";
    let shown = path(&format!("/interaction/{uid}/login"), &mut Mask);
    assert!(!shown.contains(uid), "{shown}");
    assert!(
        shown.starts_with("/interaction/") && shown.ends_with("/login"),
        "{shown}"
    );
    for kept in [
        "/v1/users/~current/skills/amzn1.ask.skill.12345678-1234-1234-1234-123456789012/enablement",
        "/users/3f2b8c1e-9a7d-4e5f-8b6a-1c2d3e4f5a6b/profile",
        "/oauth2/v2.0/authorize",
        "/realms/Demo-Realm-2024/protocol/openid-connect/token",
    ] {
        assert_eq!(path(kept, &mut Mask), kept);
    }
}
use crate::secret::placeholder::Key;
use percent_encoding::utf8_percent_encode;

const CODE: &str = "ANdNAVhyhqirUelHGEHA";
const TOKEN: &str = "Atza|IwEBIabcdefghijklmnopqrstuvwxyz012345";
/// A value no list or shape recognises.
const ODD: &str = "q8Zr2kP0vX4mW7nB1cT5";

fn shown(text: &str) -> String {
    let mut m = Mask;
    json(text, &mut m)
}

fn keyed() -> Placeholders {
    Placeholders::new(Key::from_bytes(b"0123456789abcdef-policy").expect("key"))
}

#[test]
fn remembered_name_facts_are_the_facts() {
    // Twice each: the second answer comes from the memory.
    let long = "k".repeat(80);
    for _ in 0..2 {
        for name in [
            "headers",
            "value",
            "Authorization",
            "x-api-key",
            "client_secret",
            "access_token",
            "mimeType",
            "X-Session-Token",
            "aB3dE5fG7hJ9kL1mN3pQ5",
            "",
            long.as_str(),
            "q",
            "redirect_uri",
            "Content-Type",
            "referer",
            "x-amz-date",
        ]
        .into_iter()
        .chain(PUBLIC.iter().map(|p| p.name))
        {
            assert_eq!(json::name_facts(name), json::NameFacts::of(name), "{name}");
        }
    }
    // What the remembered facts answer for the policy is what the table does.
    for p in PUBLIC {
        let facts = json::name_facts(p.name);
        let field = public_name(p.name, Field).map(|p| p.shown);
        let header = public_name(p.name, Header).map(|p| p.shown);
        assert_eq!((facts.public_field, facts.public_header), (field, header));
        assert_eq!(facts.header_kind, kind_of_header(p.name), "{}", p.name);
    }
}

/// A small random source for the tests that compare a fast path with the plain one.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }

    /// Text of up to `max` pieces drawn from `pieces`.
    fn text(&mut self, pieces: &[&str], max: u64) -> String {
        let n = self.next() % (max + 1);
        (0..n).map(|_| self.pick(pieces)).collect()
    }
}

/// The JSON walk escapes what it writes itself; byte for byte as serde_json did before.
#[test]
fn json_strings_are_escaped_as_serde_json_escapes_them() {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let pieces: Vec<String> = (0u8..0x80)
        .map(|b| char::from(b).to_string())
        .chain(["é", "€", "😀", "\u{7f}", "ab", "\\n"].map(String::from))
        .collect();
    let pieces: Vec<&str> = pieces.iter().map(String::as_str).collect();
    for _ in 0..5000 {
        let s = rng.text(&pieces, 12);
        let serde = serde_json::to_string(&s).expect("a string serialises");
        assert_eq!(json::json_string(&s), serde, "{s:?}");
        assert_eq!(json::json_escape(&s), serde[1..serde.len() - 1], "{s:?}");
    }
}

/// The form walk as it was, splitting with `str::split` and encoding with `str` searches:
/// the oracle of the walk that splits by bytes and writes stand-ins in place.
fn form_as_before<R: Replace + ?Sized>(text: &str, r: &mut R) -> String {
    fn encode_like_before<R: Replace + ?Sized>(raw: &str, new: &str, r: &R) -> String {
        if !r.encodes() || !raw.contains(['%', '+']) {
            return new.to_string();
        }
        let plus = raw.contains('+');
        let lower = raw
            .match_indices('%')
            .any(|(i, _)| raw[i + 1..].chars().take(2).any(|c| c.is_ascii_lowercase()));
        let mut out = String::new();
        for piece in utf8_percent_encode(new, crate::wire::form::FORM) {
            if plus && piece == "%20" {
                out.push('+');
            } else if lower && piece.starts_with('%') {
                out.extend(piece.chars().map(|c| c.to_ascii_lowercase()));
            } else {
                out.push_str(piece);
            }
        }
        out
    }
    let mut out = String::new();
    for (i, part) in text.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        if part.is_empty() {
            continue;
        }
        match part.split_once('=') {
            Some((name, value)) => {
                let decoded_name = form_decode(name);
                if name_shaped(&decoded_name) {
                    out.push_str(name);
                } else {
                    let replaced = r.replace(SecretKind::Value, &decoded_name);
                    out.push_str(&encode_like_before(name, &replaced, r));
                }
                out.push('=');
                if value.is_empty() {
                    continue;
                }
                let decoded = form_decode(value);
                match fields::decoded_value(&decoded_name, &decoded, r) {
                    Cow::Borrowed(_) => out.push_str(value),
                    Cow::Owned(walked) => out.push_str(&encode_like_before(value, &walked, r)),
                }
            }
            None => {
                let decoded = form_decode(part);
                if name_shaped(&decoded) && r.identified(&decoded).is_none() {
                    out.push_str(part);
                } else {
                    let replaced = r.replace(SecretKind::Value, &decoded);
                    out.push_str(&encode_like_before(part, &replaced, r));
                }
            }
        }
    }
    out
}

#[test]
fn forms_are_walked_as_the_plain_walk_walks_them() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let pieces = [
        "&",
        "&",
        "=",
        "=",
        "a",
        "Q",
        "x9",
        "+",
        "%20",
        "%2f",
        "%2F",
        "%",
        "%z",
        "%é",
        "é",
        "redirect_uri",
        "client_secret",
        "scope",
        "code",
        "q",
        "1",
        "true",
        "https://a.b/c?d=e",
        "{\"k\":1}",
        "AN",
        "-",
        "_",
        ".",
        "*",
        "~",
        " ",
        "%7B%22a%22%3A%22b%22%7D",
        "€",
        "😀",
        "%E2%82%AC",
        "%e2%82",
        "\"",
        "\\",
        "#",
        "?",
        "/",
    ];
    let p = keyed();
    for _ in 0..4000 {
        let text = rng.text(&pieces, 14);
        assert_eq!(
            form(&text, &mut Mask),
            form_as_before(&text, &mut Mask),
            "{text}"
        );
        let mut k = Keyed { placeholders: &p };
        let mut k2 = Keyed { placeholders: &p };
        assert_eq!(
            form(&text, &mut k),
            form_as_before(&text, &mut k2),
            "{text}"
        );
        // Stand-ins with every kind of character, encoded as the value was.
        assert_eq!(
            form(&text, &mut Echo),
            form_as_before(&text, &mut Echo),
            "{text}"
        );
    }
}

/// A replacer whose stand-ins hold what an encoder must escape: spaces, punctuation, `%`,
/// `+`, characters of two, three and four bytes.
struct Echo;

impl Replace for Echo {
    fn replace(&mut self, _: SecretKind, v: &str) -> String {
        format!("{v} é€😀+%&=*-_.~\"/")
    }
}

#[test]
fn capture_keys_answered_at_once_are_name_shaped_by_the_rules() {
    for key in CAPTURE_KEYS {
        assert!(shaped_by_rules(key), "{key}");
        assert!(capture_key(key), "{key}");
        // The JSON walk shows a number under one of them without asking.
        assert_eq!(kind_of_field(key), None, "{key}");
        assert_eq!(kind_of_header(key), None, "{key}");
    }
    assert!(!capture_key("client_secret") && !capture_key("Name"));
}

#[test]
fn names_are_shaped_like_names_or_masked() {
    for name in [
        "X-Session-Token",
        "Private-Token",
        "x-functions-key",
        "codeChallengeMethod",
        "redirect_uri",
        "X-B3-TraceId",
        "items[0]",
        "openid.claimed_id",
        "sec-ch-ua-platform",
        "Http2-Settings",
    ] {
        assert!(name_shaped(name), "{name}");
    }
    for name in [
        ODD,
        "a1b2c3",
        "eyJhbGciOiJIUzI1NiJ9",
        "",
        "ab cd",
        "x".repeat(65).as_str(),
        "aBcDeFgHiJkL",
    ] {
        assert!(!name_shaped(name), "{name}");
    }
    let mut m = Mask;
    assert_eq!(header_name("X-Session-Token", &mut m), "X-Session-Token");
    assert_eq!(header_name("authorization", &mut m), "authorization");
    assert_eq!(header_name(ODD, &mut m), mask(ODD));
}

#[test]
fn header_values_are_public_only_by_name() {
    let mut m = Mask;
    assert_eq!(
        header_value("Content-Type", "application/json", &mut m),
        "application/json"
    );
    assert_eq!(header_value("Accept-Language", "en-US", &mut m), "en-US");
    assert_eq!(
        header_value("sec-fetch-mode", "navigate", &mut m),
        "navigate"
    );
    for name in [
        "X-Session-Token",
        "Private-Token",
        "X-Functions-Key",
        "X-Anything",
    ] {
        assert_eq!(header_value(name, ODD, &mut m), mask(ODD), "{name}");
    }
    // Short numbers and booleans are shown, unless the name marks a credential.
    assert_eq!(header_value("X-Retry", "3", &mut m), "3");
    assert_eq!(header_value("X-Api-Key", "123", &mut m), mask("123"));
    assert_eq!(header_value("X-Pin", "482193", &mut m), mask("482193"));
    // A Referer is a URL: its code is masked, the rest kept.
    let referer = format!("https://app.example.com/cb?code={CODE}&scope=profile");
    assert_eq!(
        header_value("Referer", &referer, &mut m),
        format!(
            "https://app.example.com/cb?code={}&scope=profile",
            mask(CODE)
        )
    );
}

#[test]
fn credentials_keep_their_scheme_and_basic_its_client_id() {
    let mut m = Mask;
    assert_eq!(
        header_value("Authorization", &format!("Bearer {TOKEN}"), &mut m),
        format!("Bearer {}", mask(TOKEN))
    );
    let basic = base64::engine::general_purpose::STANDARD.encode("my-client:s3cr3t-value-xyz");
    assert_eq!(
        credentials(&format!("Basic {basic}"), &mut m),
        format!("Basic my-client:{}", mask("s3cr3t-value-xyz"))
    );
    assert_eq!(credentials("Negotiate", &mut m), mask("Negotiate"));
    assert_eq!(
        credentials(&format!("Digest {ODD}"), &mut m),
        format!("Digest {}", mask(ODD))
    );
    // Keyed: still Basic, the same client id, the secret replaced as placeholders do.
    let p = keyed();
    let mut k = Keyed { placeholders: &p };
    let out = credentials(&format!("Basic {basic}"), &mut k);
    let (id, secret) = crate::wire::basic::decode(out.strip_prefix("Basic ").expect("scheme"))
        .expect("still Basic");
    assert_eq!(id, "my-client");
    assert_eq!(
        secret,
        p.placeholder(SecretKind::ClientSecret, "s3cr3t-value-xyz")
    );
}

#[test]
fn cookies_keep_names_and_attributes_only() {
    let mut m = Mask;
    assert_eq!(
        cookie_header("session-id=abc123456; lang=en", &mut m),
        format!("session-id={}; lang={}", mask("abc123456"), mask("en"))
    );
    let joined = "a=first-value; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT, b=second-value; Secure; Foo=bar123";
    let out = set_cookie(joined, &mut m);
    assert_eq!(
        out,
        format!(
            "a={}; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT, b={}; Secure; Foo={}",
            mask("first-value"),
            mask("second-value"),
            mask("bar123")
        )
    );
    let lines = set_cookie("a=first-value; Path=/\nb=second-value; HttpOnly", &mut m);
    assert!(
        !lines.contains("first-value") && !lines.contains("second-value"),
        "{lines}"
    );
    assert!(
        lines.contains("\nb=") && lines.contains("HttpOnly"),
        "{lines}"
    );
}

#[test]
fn urls_keep_structure_and_public_parameters() {
    let mut m = Mask;
    let u = format!(
        "https://user:pw@example.com:8443/cb/path?client_id=amzn1.application-oa2-client.abc&code={CODE}&redirect_uri=https%3A%2F%2Fpitangui.amazon.com%2Fapi%2Fskill%2Flink&sig={ODD}#access_token={TOKEN}&token_type=bearer&expires_in=3600"
    );
    let out = url(&u, &mut m);
    assert_eq!(
        out,
        format!(
            "https://{}@example.com:8443/cb/path?client_id=amzn1.application-oa2-client.abc&code={}&redirect_uri=https%3A%2F%2Fpitangui.amazon.com%2Fapi%2Fskill%2Flink&sig={}#access_token={}&token_type=bearer&expires_in=3600",
            mask("user:pw"),
            mask(CODE),
            mask(ODD),
            mask(TOKEN)
        )
    );
    // A redirect URI carrying its own query is walked too.
    let nested = "https://x.example/a?redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fkey%3Dq8Zr2kP0vX4mW7nB1cT5";
    let out = url(nested, &mut m);
    assert!(!out.contains("q8Zr2kP0"), "{out}");
    assert!(
        out.contains("redirect_uri=https://app.example/cb?key="),
        "{out}"
    );
    // Fragments: parameters walked, routes kept, anything else masked.
    assert_eq!(
        url("https://x.example/#/settings/account", &mut m),
        "https://x.example/#/settings/account"
    );
    assert_eq!(
        url(&format!("https://x.example/#{ODD}"), &mut m),
        format!("https://x.example/#{}", mask(ODD))
    );
    // A path segment of a secret shape, and text that is no URL at all.
    assert_eq!(
        url(&format!("https://x.example/t/{TOKEN}/x"), &mut m),
        format!("https://x.example/t/{}/x", mask(TOKEN))
    );
    assert_eq!(url(ODD, &mut m), mask(ODD));
}

#[test]
fn forms_walk_names_values_and_json_in_values() {
    let mut m = Mask;
    let f = format!("grant_type=authorization_code&code={CODE}&client_secret=abc%2Fdef&{ODD}&data=%7B%22refresh_token%22%3A%22{ODD}%22%2C%22scope%22%3A%22profile%22%7D");
    let out = form(&f, &mut m);
    assert!(
        out.starts_with(&format!(
            "grant_type=authorization_code&code={}&client_secret={}&{}&data=",
            mask(CODE),
            mask("abc/def"),
            mask(ODD)
        )),
        "{out}"
    );
    assert!(
        out.contains("\"scope\":\"profile\"") && !out.contains(ODD),
        "{out}"
    );
}

#[test]
fn json_bodies_show_keys_public_values_and_small_numbers() {
    let body = format!(
        r#"{{"access_token":"{TOKEN}","token_type":"bearer","expires_in":3600,"nested":{{"deep":[{{"whatever":"{ODD}","otp":482193,"ok":true,"n":null}}]}},"inner":"{{\"refresh_token\":\"{ODD}x\",\"scope\":\"profile\"}}","{ODD}":1}}"#
    );
    let out = shown(&body);
    for raw in [TOKEN, ODD, "482193"] {
        assert!(!out.contains(raw), "{raw} in {out}");
    }
    for kept in [
        r#""token_type":"bearer""#,
        r#""expires_in":3600"#,
        r#""ok":true"#,
        r#""n":null"#,
        r#"\"scope\":\"profile\""#,
    ] {
        assert!(out.contains(kept), "{kept} not in {out}");
    }
    assert!(
        out.contains(&format!("\"access_token\":\"{}\"", mask(TOKEN))),
        "{out}"
    );
    assert!(out.contains(&format!("\"{}\":1", mask(ODD))), "{out}");
    // Still JSON, with the same structure.
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["nested"]["deep"][0]["ok"], serde_json::json!(true));
}

#[test]
fn pieces_of_json_are_walked_and_the_rest_hidden() {
    let out = shown(&format!(r#"  "value": "{ODD}" }} ], "text": "cut {ODD}"#));
    assert!(!out.contains(ODD), "{out}");
    assert!(out.starts_with("  \"value\": \""), "{out}");
    let out = shown(&format!("not json {ODD}"));
    assert!(!out.contains(ODD), "{out}");
}

#[test]
fn multipart_token_requests_hide_secrets_and_show_public_fields() {
    let text = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\nauthorization_code\r\n--XyZ\r\nContent-Disposition: form-data; name=\"code\"\r\n\r\n{CODE}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"client_secret\"\r\n\r\n{ODD}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"me.png\"\r\nContent-Type: image/png\r\n\r\nPNGDATA{ODD}\r\n--XyZ--\r\n"
    );
    let mut m = Mask;
    let out = body("multipart/form-data; boundary=XyZ", &text, &mut m);
    for raw in [CODE, ODD, "me.png"] {
        assert!(!out.contains(raw), "{raw} in {out}");
    }
    assert!(
        out.contains("name=\"grant_type\"\r\n\r\nauthorization_code\r\n"),
        "{out}"
    );
    assert!(
        out.contains(&format!("\r\n\r\n{}\r\n--XyZ", mask(CODE))),
        "{out}"
    );
    assert!(out.ends_with("--XyZ--\r\n"), "{out}");
}

#[test]
fn bodies_by_media_type() {
    let mut m = Mask;
    assert_eq!(
        body("text/html", &format!("<p>{ODD}</p>"), &mut m),
        mask(&format!("<p>{ODD}</p>"))
    );
    assert_eq!(
        body("", "a=1&b=profile", &mut m),
        format!("a=1&b={}", mask("profile"))
    );
    assert_eq!(body("application/x-www-form-urlencoded", "", &mut m), "");
    // Base64: masked whole for display; decoded, walked and encoded again for sanitize.
    let inner = format!(r#"{{"access_token":"{TOKEN}","token_type":"bearer"}}"#);
    let b64 = base64::engine::general_purpose::STANDARD.encode(&inner);
    assert_eq!(base64_body("application/json", &b64, &mut m), mask(&b64));
    let p = keyed();
    let mut k = Keyed { placeholders: &p };
    let out = base64_body("application/json", &b64, &mut k);
    let decoded = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(out)
            .expect("b64"),
    )
    .expect("utf8");
    assert_eq!(
        decoded,
        format!(
            r#"{{"access_token":"{}","token_type":"bearer"}}"#,
            p.placeholder(SecretKind::AccessToken, TOKEN)
        )
    );
}

#[test]
fn raw_http_messages_by_line() {
    let request = format!(
        "POST https://api.amazon.com/auth/o2/token?x={ODD} HTTP/1.1\r\nHost: api.amazon.com\r\nX-Session-Token: {ODD}\r\n{ODD}: 1\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\ngrant_type=authorization_code&code={CODE}"
    );
    let mut m = Mask;
    let out = http_message(&request, &mut m);
    assert_eq!(
        out,
        format!(
            "POST https://api.amazon.com/auth/o2/token?x={} HTTP/1.1\r\nHost: api.amazon.com\r\nX-Session-Token: {}\r\n{}: 1\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\ngrant_type=authorization_code&code={}",
            mask(ODD), mask(ODD), mask(ODD), mask(CODE)
        )
    );
    let response = "HTTP/1.1 302 Found\r\nLocation: https://x.example/cb#id_token=eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0NTY3ODkwIn0.\r\nContent-Encoding: gzip\r\n\r\n\u{1f}binary";
    let out = http_message(response, &mut m);
    assert!(
        out.starts_with("HTTP/1.1 302 Found\r\nLocation: https://x.example/cb#id_token="),
        "{out}"
    );
    assert!(
        !out.contains("eyJzdWIi") && !out.contains("binary"),
        "{out}"
    );
}

#[test]
fn capture_json_reads_headers_by_name_and_bodies_by_type() {
    let entry = format!(
        r#"{{
  "startedDateTime": "2024-05-01T10:00:03.000Z",
  "time": 12,
  "request": {{
"method": "POST",
"url": "https://api.amazon.com/auth/o2/token?key={ODD}",
"httpVersion": "HTTP/1.1",
"headers": [
  {{ "value": "Bearer {TOKEN}", "name": "Authorization" }},
  {{ "name": "Content-Type", "value": "application/x-www-form-urlencoded" }},
  {{ "name": "Private-Token", "value": "{ODD}" }},
  {{ "name": "authorization", "value": ["Bearer {TOKEN}", "{ODD}"] }},
  {{ "name": "{ODD}", "value": "1" }}
],
"queryString": [{{ "name": "key", "value": "{ODD}" }}, {{ "name": "client_id", "value": "my-client" }}],
"cookies": [{{ "name": "sid", "value": "{ODD}", "path": "/" }}],
"postData": {{
  "mimeType": "application/x-www-form-urlencoded",
  "text": "grant_type=authorization_code&code={CODE}&client_id=my-client"
}},
"comment": "{ODD}"
  }},
  "response": {{
"status": 200,
"statusText": "OK",
"headers": [],
"content": {{ "size": 99, "mimeType": "application/json", "text": "{{\"access_token\":\"{TOKEN}\",\"token_type\":\"bearer\"}}" }},
"redirectURL": ""
  }}
}}"#
    );
    let mut m = Mask;
    let out = json_as(&entry, Schema::Capture, &mut m);
    for raw in [ODD, TOKEN, CODE] {
        assert!(!out.contains(raw), "{raw} in {out}");
    }
    assert_eq!(
        out.lines().count(),
        entry.lines().count(),
        "lines stay where they were"
    );
    for kept in [
        "\"method\": \"POST\"".to_string(),
        format!("\"value\": \"Bearer {}\"", mask(TOKEN)),
        "\"value\": \"application/x-www-form-urlencoded\"".to_string(),
        "\"name\": \"Private-Token\"".to_string(),
        format!("[\"Bearer {}\"", mask(TOKEN)),
        "{ \"name\": \"client_id\", \"value\": \"my-client\" }".to_string(),
        format!(
            "grant_type=authorization_code&code={}&client_id=my-client",
            mask(CODE)
        ),
        "\\\"token_type\\\":\\\"bearer\\\"".to_string(),
        "\"status\": 200".to_string(),
        "\"time\": 12".to_string(),
        "\"startedDateTime\": \"2024-05-01T10:00:03.000Z\"".to_string(),
    ] {
        assert!(out.contains(&kept), "{kept} not in {out}");
    }
    // The same walk with placeholders gives a capture that still parses, with equal
    // secrets equal.
    let p = keyed();
    let mut k = Keyed { placeholders: &p };
    let sanitized = json_as(&entry, Schema::Capture, &mut k);
    let v: serde_json::Value = serde_json::from_str(&sanitized).expect("still JSON");
    let code = p.placeholder(SecretKind::Code, CODE);
    assert!(v["request"]["postData"]["text"]
        .as_str()
        .expect("text")
        .contains(&format!("code={code}")));
    assert!(
        !sanitized.contains(ODD) && !sanitized.contains(TOKEN),
        "{sanitized}"
    );
}

#[test]
fn charles_messages_give_their_body_a_type() {
    let item = format!(
        r#"{{"method":"POST","host":"api.example.com","path":"/token","query":"a={ODD}","request":{{"mimeType":"application/json","header":{{"firstLine":"POST /token?a={ODD} HTTP/1.1","headers":[{{"name":"X-Trace","value":"{ODD}"}}]}},"body":{{"text":"{{\"client_id\":\"c1\",\"code\":\"{CODE}\"}}"}}}},"response":{{"status":200,"body":{{"encoded":"{ODD}"}}}}}}"#
    );
    let out = json_as(&item, Schema::Capture, &mut Mask);
    assert!(!out.contains(ODD) && !out.contains(CODE), "{out}");
    assert!(
        out.contains("\\\"client_id\\\":\\\"c1\\\"") && out.contains("\"path\":\"/token\""),
        "{out}"
    );
    assert!(out.contains("\"firstLine\":\"POST /token?a="), "{out}");
}

#[test]
fn raw_http_text_reads_message_after_message() {
    let text = format!(
        "GET /cb?code={CODE}&scope=profile HTTP/1.1\r\nHost: app.example\r\nX-Session-Token: {ODD}\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>\r\n{ODD}\r\n</p>\r\n\r\nPOST /token HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\ngrant_type=authorization_code&client_secret={ODD}\r\n"
    );
    let out = http_text(&text, &mut Mask);
    assert!(!out.contains(ODD) && !out.contains(CODE), "{out}");
    assert_eq!(out.lines().count(), text.lines().count(), "{out}");
    for kept in [
        format!(
            "GET /cb?code={}&scope=profile HTTP/1.1\r\nHost: app.example\r\n",
            mask(CODE)
        ),
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n".to_string(),
        "\r\n\r\nPOST /token HTTP/1.1".to_string(),
        "grant_type=authorization_code&client_secret=".to_string(),
    ] {
        assert!(out.contains(&kept), "{kept:?} not in {out}");
    }
    // A piece starting inside a head: header-shaped lines are headers.
    let out = http_text(&format!("Cookie: sid={ODD}\r\n{ODD} {ODD}\r\n"), &mut Mask);
    assert_eq!(
        out,
        format!(
            "Cookie: sid={}\r\n{}\r\n",
            mask(ODD),
            mask(&format!("{ODD} {ODD}"))
        )
    );
}

#[test]
fn burp_items_walk_their_messages() {
    let plain = format!(
        "<item>\n<time>Thu Mar 14 10:55:07 CET 2024</time>\n<url><![CDATA[https://x.example/cb?code={CODE}]]></url>\n<host ip=\"203.0.113.10\">x.example</host>\n<request base64=\"false\"><![CDATA[GET /cb?code={CODE} HTTP/1.1\nX-Key: {ODD}\n\n]]></request>\n<response base64=\"true\"><![CDATA[SFRUUC8xLjEgMjAwIE9LDQoNCnNlY3JldA==]]></response>\n<comment>{ODD}</comment>\n</item>"
    );
    let out = burp_xml(&plain, &mut Mask);
    assert!(
        !out.contains(ODD) && !out.contains(CODE) && !out.contains("SFRUUC8x"),
        "{out}"
    );
    assert!(
        out.contains("<time>Thu Mar 14 10:55:07 CET 2024</time>"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "<url><![CDATA[https://x.example/cb?code={}]]></url>",
            mask(CODE)
        )),
        "{out}"
    );
    assert!(
        out.contains("<host ip=\"203.0.113.10\">x.example</host>"),
        "{out}"
    );
    assert_eq!(out.lines().count(), plain.lines().count());
    // For sanitize, a base64 message is decoded, walked and encoded again.
    let p = keyed();
    let b64 = base64::engine::general_purpose::STANDARD
        .encode(format!("GET /x HTTP/1.1\r\nX-Key: {ODD}\r\n\r\n"));
    let out = burp_xml(
        &format!("<request base64=\"true\"><![CDATA[{b64}]]></request>"),
        &mut Keyed { placeholders: &p },
    );
    let inner = out
        .split("CDATA[")
        .nth(1)
        .and_then(|s| s.split("]]>").next())
        .expect("cdata");
    let message = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(inner)
            .expect("b64"),
    )
    .expect("utf8");
    assert_eq!(
        message,
        format!(
            "GET /x HTTP/1.1\r\nX-Key: {}\r\n\r\n",
            p.placeholder(SecretKind::Value, ODD)
        )
    );
}

#[test]
fn error_messages_keep_the_place_and_lose_the_value() {
    let e = serde_json::from_str::<Vec<u8>>(&format!("\"Bearer {TOKEN}\"")).unwrap_err();
    let raw = e.to_string();
    assert!(raw.contains("Bearer"), "serde quotes the value: {raw}");
    let safe = error_message(&raw);
    assert!(!safe.contains("Bearer") && !safe.contains("IwEB"), "{safe}");
    assert!(
        safe.contains("invalid type: string (value not shown), expected"),
        "{safe}"
    );
    assert!(safe.contains("line 1 column"), "{safe}");
    assert_eq!(
        error_message(&format!("unknown field `{ODD}`, expected `log`")),
        "unknown field (value not shown), expected `log`"
    );
    assert_eq!(
        error_message("unknown field `entries`"),
        "unknown field `entries`"
    );
    assert_eq!(
        error_message("a \"quoted \\\" value\" here"),
        "a (value not shown) here"
    );
}

#[test]
fn the_public_table_is_one_entry_per_name_and_place() {
    for (i, p) in PUBLIC.iter().enumerate() {
        assert!(!p.why.is_empty(), "{}", p.name);
        assert!(
            PUBLIC[..i]
                .iter()
                .all(|q| !(q.applies == p.applies && q.name.eq_ignore_ascii_case(p.name))),
            "{} twice",
            p.name
        );
    }
    assert!(public_name("ACCEPT-ENCODING", Applies::Header).is_some());
    assert!(public_name("state", Applies::Field).is_none());
    assert!(public_name("client_secret", Applies::Field).is_none());
}

/// The README's table is this table: every name, where it applies and why.
#[test]
fn the_readme_documents_every_public_name() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let mut rows = 0;
    for p in PUBLIC {
        let place = match p.applies {
            Applies::Header => "header",
            Applies::Field => "parameter / JSON key",
            Applies::Capture => "capture structure",
            Applies::Claim => "JWT header / claim",
        };
        let shown = match p.shown {
            Shown::Text => "as is",
            Shown::Url => "as a URL",
        };
        let row = format!("| `{}` | {place} | {shown} | {} |", p.name, p.why);
        assert!(readme.contains(&row), "README lacks the row {row}");
        rows += 1;
    }
    let documented = readme.lines().filter(|l| {
        l.starts_with("| `")
            && [
                "| header |",
                "| parameter / JSON key |",
                "| capture structure |",
                "| JWT header / claim |",
            ]
            .iter()
            .any(|w| l.contains(w))
    });
    assert_eq!(
        documented.count(),
        rows,
        "the README lists names the policy does not have"
    );
}

#[test]
fn show_secrets_keeps_everything() {
    // `keeps_all` is read per call, so a replacer that keeps all returns every input.
    struct All;
    impl Replace for All {
        fn replace(&mut self, _: SecretKind, v: &str) -> String {
            format!("<{v}>")
        }
        fn keeps_all(&self) -> bool {
            true
        }
    }
    let text = format!("a={ODD}");
    assert_eq!(form(&text, &mut All), text);
    assert_eq!(
        json(&format!("{{\"x\":\"{ODD}\"}}"), &mut All),
        format!("{{\"x\":\"{ODD}\"}}")
    );
}

#[test]
fn a_set_cookie_path_is_decided_as_a_url_path() {
    let uid = "yiZ9_yFu8wTdBbPnJd5Rt0t-GIx_CD7nnwcnYQcqIvg";
    let header = format!("_interaction={uid}; path=/interaction/{uid}; samesite=lax; httponly");
    let shown = set_cookie(&header, &mut Mask);
    assert!(!shown.contains(uid), "{shown}");
    assert!(shown.contains("; path=/interaction/") && shown.ends_with("; samesite=lax; httponly"));
    // The segment stands as the cookie's value does: one mask for one value.
    let masked = crate::secret::mask(uid);
    assert_eq!(shown.matches(masked.as_str()).count(), 2, "{shown}");
    // Readable paths are kept as they were.
    assert_eq!(
        set_cookie("sid=abc123; Path=/app/v1; Secure", &mut Mask),
        format!(
            "sid={}; Path=/app/v1; Secure",
            crate::secret::mask("abc123")
        )
    );
}
