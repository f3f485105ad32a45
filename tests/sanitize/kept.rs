//! What a copy keeps and what it drops: values the policy does not know, a cut file's tail,
//! identified codes, PKCE and id_token relations, cookie paths.

use super::generated::*;
use super::*;

/// Every spelling a secret can take in a copy: raw, percent- and form-encoded, JSON-escaped
/// (see `spellings`), and base64 (standard and URL-safe, padded or not).
fn assert_gone(what: &str, secret: &str, copy: &str) {
    use base64::Engine as _;
    let mut all = tokentrail::secret::spellings(secret);
    for engine in [
        &base64::engine::general_purpose::STANDARD,
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ] {
        all.push(engine.encode(secret));
    }
    for spelling in all {
        assert!(
            !copy.contains(&spelling),
            "{what}: the copy still holds the secret"
        );
    }
}

/// The secret the kept-values capture puts at place `n`: one shape, told apart by `n`.
fn kept(n: usize) -> String {
    format!("Qz{n}vKp7Lm2Xw9Rt4Yb8Nc")
}

/// A JWT whose payload holds `kept(7)`, under no secret name.
fn kept_jwt() -> String {
    format!(
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ{}In0.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        kept(7)
    )
}

/// A capture with `kept(n)` in each place `sanitize` used to keep (see the test's list).
fn kept_values_capture() -> String {
    let s = kept;
    let multipart = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\nauthorization_code\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"code\"\r\n\r\n{}\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"client_secret\"\r\n\r\n{}\r\n--XyZ--\r\n",
        s(5),
        s(6)
    );
    let h = |n: &str, v: Value| serde_json::json!({"name": n, "value": v});
    let fragment = format!(
        "https://app.example.com/cb#access_token={}&id_token={}",
        s(9),
        s(10)
    );
    let entries = vec![
        entry(
            1,
            (
                "GET",
                &format!("https://api.example.com/x?sig={}&key={}", s(11), s(12)),
                serde_json::json!([
                    h("X-Session-Token", s(1).into()),
                    h("Private-Token", s(2).into()),
                    h("X-Functions-Key", s(3).into()),
                    h(&s(4), "1".into()),
                    h(
                        "Authorization",
                        serde_json::json!([format!("Bearer {}", s(13))])
                    ),
                ]),
                None,
            ),
            (
                302,
                serde_json::json!([
                    h(
                        "Set-Cookie",
                        format!("a={}; Path=/, b={}; Path=/", s(14), s(15)).into()
                    ),
                    h(
                        "Set-Cookie",
                        serde_json::json!([format!("sid={}; Path=/", s(16))])
                    ),
                    h("Location", fragment.clone().into()),
                ]),
                None,
            ),
        ),
        entry(
            2,
            (
                "POST",
                "https://api.amazon.com/auth/o2/token",
                serde_json::json!([h(
                    "Content-Type",
                    "multipart/form-data; boundary=XyZ".into()
                )]),
                Some(("multipart/form-data; boundary=XyZ", &multipart)),
            ),
            (200, serde_json::json!([]), None),
        ),
        entry(
            3,
            (
                "POST",
                &fragment,
                serde_json::json!([]),
                Some((
                    "application/json",
                    &serde_json::json!({"note": kept_jwt()}).to_string(),
                )),
            ),
            (200, serde_json::json!([]), None),
        ),
    ];
    let mut doc = serde_json::json!({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": entries}});
    // A `headers` list written as one string.
    doc["log"]["entries"][2]["request"]["headers"] =
        format!("Authorization: Bearer {}", s(17)).into();
    serde_json::to_string_pretty(&doc).expect("json")
}

/// What an attacker's list of places showed `sanitize` kept, each with a secret no list knows
/// the name of: every one is gone from the copy, in every spelling.
#[test]
fn the_values_sanitize_used_to_keep_are_gone() {
    use base64::Engine as _;
    let (s, jwt) = (kept, kept_jwt());
    let text = kept_values_capture();
    let original = read("kept.har", &text);
    let copy = sanitize(&original, &placeholders("kept"));
    serde_json::from_str::<Value>(&copy.har).expect("the copy is JSON");
    for (what, n) in [
        ("X-Session-Token", 1),
        ("Private-Token", 2),
        ("X-Functions-Key", 3),
        ("a header name", 4),
        ("multipart code", 5),
        ("multipart client_secret", 6),
        ("a JWT's payload under no secret name", 7),
        ("fragment access_token", 9),
        ("fragment id_token", 10),
        ("sig=", 11),
        ("key=", 12),
        ("a Polly.JS array value", 13),
        ("a Set-Cookie's first cookie", 14),
        ("a Set-Cookie's second cookie", 15),
        ("a Polly.JS Set-Cookie", 16),
        ("a headers string", 17),
    ] {
        assert!(text.contains(&s(n)), "{what}: the test puts it in");
        assert_gone(what, &s(n), &copy.har);
    }
    assert_gone("a JWT", &jwt, &copy.har);
    let b64 = base64::engine::general_purpose::STANDARD.encode(&jwt);
    assert!(!copy.har.contains(&b64));
    // The structure the findings need is still there.
    assert!(copy.har.contains("X-Session-Token") && copy.har.contains("client_secret"));
    assert!(copy.har.contains("#access_token=") && copy.har.contains("sig="));
}

/// A cut HAR's copy is cut after the same entry, so `check` still reports the cut; the raw
/// tail is not copied, and `--report` counts it.
#[test]
fn a_cut_file_keeps_its_cut_and_drops_its_tail() {
    let mut rng = Rng(0x1234_5678_9ABC_DEF1);
    let text = generated(&mut rng);
    // Cut inside the last entry's response: its request (with a secret header) is the tail.
    let at = text.rfind("\"response\"").expect("a response");
    let tail_secret = "Zq8TailSecretVk3Lm9Pw";
    let cut = format!(
        "{}\"response\": {{\"status\": 200, \"headers\": [{{\"name\": \"X-Trace\", \"value\": \"{tail_secret}",
        &text[..at]
    );
    let original = read("cut.har", &cut);
    assert!(original.truncation.is_some());
    let once = sanitize(&original, &placeholders("cut"));
    assert!(once.cut && once.dropped > 40, "{}", once.dropped);
    assert!(!once.har.contains(tail_secret));
    let copy = read("cut.har", &once.har);
    let rules = |c: Capture| -> Vec<String> {
        found(c, &common::default_options())
            .into_iter()
            .map(|(rule, _, _)| rule)
            .collect()
    };
    let got = rules(copy.clone());
    assert!(got.iter().any(|r| r == "capture/truncated"), "{got:?}");
    assert_eq!(got, rules(original));
    assert!(once
        .report()
        .contains(&format!("{} bytes dropped", once.dropped)));

    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("cut.har");
    std::fs::write(&input, &cut).expect("write");
    let o = common::bin()
        .args([
            "sanitize",
            input.to_str().expect("utf-8"),
            "-o",
            "-",
            "--report",
        ])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        regex::Regex::new(r"unreadable +[1-9]\d* bytes dropped")
            .expect("regex")
            .is_match(&err),
        "{err}"
    );
    assert!(!String::from_utf8_lossy(&o.stdout).contains(tail_secret));
}

/// The copy is written as it is made: to an `io::Write`, in pieces of a few hundred KB of
/// entries at most (walked on several threads, written in order), never as one document in
/// memory.
#[test]
fn the_copy_is_written_entry_by_entry() {
    struct Pieces {
        total: usize,
        largest: usize,
        writes: usize,
    }
    impl std::io::Write for Pieces {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.total += buf.len();
            self.largest = self.largest.max(buf.len());
            self.writes += 1;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut rng = Rng(0x0F0F_1234_4321_F0F0);
    let one: Value = serde_json::from_str(&generated(&mut rng)).expect("json");
    let mut entries = Vec::new();
    for _ in 0..400 {
        entries.extend(
            one["log"]["entries"]
                .as_array()
                .expect("entries")
                .iter()
                .cloned(),
        );
    }
    let doc = serde_json::json!({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": entries}});
    let text = serde_json::to_string_pretty(&doc).expect("json");
    assert!(text.len() > 2_000_000);
    let capture = read("many.har", &text);
    let mut out = Pieces {
        total: 0,
        largest: 0,
        writes: 0,
    };
    let done = tokentrail::sanitize::sanitize_to(&capture, &placeholders("pieces"), &mut out)
        .expect("written");
    assert_eq!(done.entries, 2400);
    assert!(out.total > 1_000_000, "{}", out.total);
    assert!(out.largest < 512 * 1024, "a piece of {} bytes", out.largest);
    assert!(out.writes >= 8, "{} writes", out.writes);

    // On one thread or two, the same copy and the same books.
    let on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        pool.install(|| tokentrail::sanitize::sanitize(&capture, &placeholders("pieces")))
    };
    let (one, two) = (on(1), on(2));
    assert!(one.har == two.har, "the copy depends on the threads");
    assert_eq!(one.summary(), two.summary());
    assert_eq!(one.report(), two.report());
    assert_eq!(one.placeholders, two.placeholders);
}

/// A code the analysis identified is replaced wherever it stands, also where the policy
/// alone would show a value like it: a JSON number of five digits, a URL path segment, a
/// name-shaped fragment.
#[test]
fn identified_codes_are_replaced_everywhere() {
    const CODE: &str = "48213";
    let authorize = "https://www.amazon.com/ap/oa?client_id=amzn1.application-oa2-client.0123abcd&response_type=code&scope=profile&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=s1";
    let callback = format!("https://app.example.com/cb?code={CODE}&state=s1");
    let done = format!("https://app.example.com/done/{CODE}#{CODE}");
    let token_form = format!(
        "grant_type=authorization_code&code={CODE}&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&client_id=amzn1.application-oa2-client.0123abcd&client_secret=s3cr3t-value-0123456789abcdef"
    );
    use serde_json::json;
    let entries = vec![
        entry(
            1,
            ("GET", authorize, json!([]), None),
            (302, json!([{"name": "Location", "value": callback}]), None),
        ),
        entry(
            2,
            ("GET", &callback, json!([]), None),
            (
                200,
                json!([{"name": "Content-Type", "value": "application/json"}]),
                Some(("application/json", format!("{{\"received\": {CODE}}}"))),
            ),
        ),
        entry(
            3,
            (
                "POST",
                "https://api.amazon.com/auth/o2/token",
                json!([{"name": "Content-Type", "value": "application/x-www-form-urlencoded"}]),
                Some(("application/x-www-form-urlencoded", &token_form)),
            ),
            (
                400,
                json!([{"name": "Content-Type", "value": "application/json"}]),
                Some((
                    "application/json",
                    r#"{"error": "invalid_grant"}"#.to_string(),
                )),
            ),
        ),
        entry(4, ("GET", &done, json!([]), None), (200, json!([]), None)),
    ];
    let doc = json!({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": entries}});
    let text = serde_json::to_string_pretty(&doc).expect("json");
    let capture = read("short-code.har", &text);

    // The premise: the analysis knows the code, and the policy alone would show it in the
    // JSON body and the path.
    let analysis = tokentrail::flow::analyze(&capture, &Config::default());
    assert!(
        analysis.codes.iter().any(|c| c.value == CODE),
        "the analysis identifies the code"
    );
    let mut mask = tokentrail::secret::policy::Mask;
    assert!(tokentrail::secret::policy::json(r#"{"received": 48213}"#, &mut mask).contains(CODE));
    assert!(tokentrail::secret::policy::url(&done, &mut mask).contains(&format!("/done/{CODE}")));

    let copy = sanitize(&capture, &placeholders("short code"));
    assert!(
        !copy.har.contains(CODE),
        "the identified code stands in the copy:\n{}",
        copy.har
    );
    assert_valid_har("short-code.har", &copy.har);
    assert!(copy
        .tallies
        .contains_key(&tokentrail::secret::SecretKind::Code));
}

/// A sanitized copy keeps the PKCE relation: where the original's verifier hashes to its
/// challenge, the copy's placeholder verifier hashes to the copy's challenge; where it did
/// not (a verifier from another attempt), it does not in the copy either. So a good flow
/// stays quiet and a real mismatch is still found, at the same entry.
#[test]
fn a_sanitized_pkce_flow_keeps_its_verifier_relation() {
    for (rel, fires) in [
        ("fixtures/good/pkce-firefox.har", false),
        (
            "fixtures/oauth/pkce-verifier-mismatch/quiet-okta-s256-chrome.har",
            false,
        ),
        (
            "fixtures/oauth/pkce-verifier-mismatch/fires-entra-other-attempt-chrome.har",
            true,
        ),
        (
            "fixtures/recorded/oauth/pkce-verifier-mismatch/fires-recorded-wrong-verifier.har",
            true,
        ),
    ] {
        let path = common::root().join(rel);
        let original = tokentrail::read::read_path(&path).expect("fixture reads");
        let rule = |c: Capture| {
            found_all(c)
                .into_iter()
                .any(|r| r == "oauth/pkce-verifier-mismatch")
        };
        assert_eq!(rule(original.clone()), fires, "{rel}: the original");
        let once = sanitize(&original, &placeholders("pkce"));
        // The premise: the copy holds neither the verifier nor the challenge.
        let analysis = tokentrail::flow::analyze(&original, &Config::default());
        for step in &analysis.steps {
            if let tokentrail::flow::Detail::TokenRequest(t) = &step.detail {
                if let Some(v) = &t.code_verifier {
                    assert!(!once.har.contains(v.as_str()), "{rel}: a verifier kept");
                }
            }
            if let tokentrail::flow::Detail::Authorize(a) = &step.detail {
                if let Some(c) = &a.code_challenge {
                    assert!(!once.har.contains(c.as_str()), "{rel}: a challenge kept");
                }
            }
        }
        assert_eq!(
            rule(read(rel, &once.har)),
            fires,
            "{rel}: the sanitized copy"
        );
    }
}

/// A copy an older `sanitize` wrote (the mark, without the note that relations are kept)
/// holds a verifier and a challenge that are unrelated placeholders: it is not compared.
#[test]
fn an_older_copy_with_unrelated_pkce_placeholders_raises_no_mismatch() {
    let rel = "fixtures/good/pkce-firefox.har";
    let original = tokentrail::read::read_path(&common::root().join(rel)).expect("reads");
    let once = sanitize(&original, &placeholders("old"));
    let note = tokentrail::secret::placeholder::RELATIONS_KEPT;
    assert!(once.har.contains(note));
    // Break the relation as an older copy had it: another challenge, and no note.
    let analysis = tokentrail::flow::analyze(&read(rel, &once.har), &Config::default());
    let challenge = analysis
        .steps
        .iter()
        .find_map(|s| match &s.detail {
            tokentrail::flow::Detail::Authorize(a) => a.code_challenge.clone(),
            _ => None,
        })
        .expect("a challenge");
    let other: String = challenge
        .chars()
        .map(|c| if c == 'A' { 'B' } else { 'A' })
        .collect();
    let broken = once.har.replace(&challenge, &other);
    let fires = |text: &str| {
        found_all(read(rel, text))
            .iter()
            .any(|r| r == "oauth/pkce-verifier-mismatch")
    };
    assert!(
        fires(&broken),
        "the broken relation is seen in a current copy"
    );
    assert!(
        !fires(&broken.replace(note, "")),
        "but not in an older copy"
    );
}

fn found_all(capture: Capture) -> Vec<String> {
    check_capture(capture, &common::default_options())
        .findings
        .into_iter()
        .map(|f| f.rule)
        .collect()
}

/// The OpenID Connect rules read an id_token's claims; the copy's id_token is a JWT that keeps
/// the public ones (`iss`, `aud`, `azp`, `exp`, `iat`, `alg`) and stands every other value by
/// its placeholder (a nonce by the authorize request's, `at_hash` and `c_hash` by the hash of
/// the copy's token and code), so each finding is found in the copy at the same entry, and no
/// person's claim (`sub`, `email`, `name`) is left in it.
#[test]
fn id_token_claim_findings_survive_sanitize() {
    use base64::Engine as _;
    for (rel, rule) in [
        (
            "fixtures/oidc/nonce-mismatch/fires-okta-replayed-chrome.har",
            "oidc/nonce-mismatch",
        ),
        (
            "fixtures/oidc/id-token-issuer/fires-okta-org-vs-default-chrome.har",
            "oidc/id-token-issuer",
        ),
        (
            "fixtures/oidc/id-token-expired/fires-google-clock-ahead-chrome.har",
            "oidc/id-token-expired",
        ),
        (
            "fixtures/oidc/id-token-audience/fires-keycloak-azp-firefox.har",
            "oidc/id-token-audience",
        ),
        (
            "fixtures/oidc/id-token-unsigned/fires-front-channel-chrome.har",
            "oidc/id-token-unsigned",
        ),
        (
            "fixtures/oidc/hash-mismatch/fires-okta-at-hash-chrome.har",
            "oidc/hash-mismatch",
        ),
        (
            "fixtures/oidc/hash-mismatch/fires-entra-c-hash-firefox.har",
            "oidc/hash-mismatch",
        ),
    ] {
        let path = common::root().join(rel);
        let original = tokentrail::read::read_path(&path).expect("fixture reads");
        let at = |c: Capture| -> Vec<Option<usize>> {
            check_capture(c, &common::options_for(&path))
                .findings
                .into_iter()
                .filter(|f| f.rule == rule)
                .map(|f| f.entry)
                .collect()
        };
        let before = at(original.clone());
        assert!(!before.is_empty(), "{rel}: the original fires {rule}");
        let once = sanitize(&original, &placeholders("claims"));
        assert_eq!(
            at(read(rel, &once.har)),
            before,
            "{rel}: {rule} in the copy"
        );
        // The original's private claims are in none of the copy's id_tokens.
        let analysis = tokentrail::flow::analyze(&original, &Config::default());
        for t in analysis
            .tokens
            .iter()
            .filter(|t| t.kind == tokentrail::flow::TokenKind::Id)
        {
            let Some(jwt) = tokentrail::flow::jwt::decode(&t.value) else {
                continue;
            };
            for name in ["sub", "email", "name", "nonce", "preferred_username"] {
                if let Some(v) = jwt.claim_str(name) {
                    assert!(!once.har.contains(v), "{rel}: {name} kept");
                    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
                    assert!(!once.har.contains(&b64), "{rel}: {name} kept in base64");
                }
            }
            assert!(!once.har.contains(&t.value), "{rel}: the id_token kept");
        }
    }
}

/// oidc-provider scopes its `_interaction` cookie to `path=/interaction/<uid>`, the uid being
/// the cookie's value and a URL path segment: the copy holds it nowhere, and the
/// `Set-Cookie`'s path stands as the copy's URL path does.
#[test]
fn an_interaction_uid_in_a_cookie_path_is_gone_from_the_copy() {
    let rel = "fixtures/recorded/oauth/refresh-token-reused/quiet-recorded-good.har";
    let original = tokentrail::read::read_path(&common::root().join(rel)).expect("reads");
    let text = String::from_utf8_lossy(&original.source).into_owned();
    let uid_path = regex::Regex::new(r"path=/interaction/([A-Za-z0-9_-]{30,})").expect("regex");
    let uids: BTreeSet<String> = uid_path
        .captures_iter(&text)
        .map(|c| c[1].to_string())
        .collect();
    assert!(!uids.is_empty(), "the recording scopes a cookie to its uid");
    let copy = sanitize(&original, &placeholders("uid"));
    for uid in &uids {
        assert!(
            text.contains(&format!("_interaction={uid}")),
            "the uid is the cookie's value"
        );
        assert!(
            !copy.har.contains(uid.as_str()),
            "the uid stands in the copy"
        );
    }
    let kept: Vec<String> = uid_path
        .captures_iter(&copy.har)
        .map(|c| c[1].to_string())
        .collect();
    assert!(!kept.is_empty(), "the copy's cookies keep a path");
    for p in &kept {
        assert!(
            copy.har.contains(&format!("/interaction/{p}\""))
                || copy.har.contains(&format!("/interaction/{p}/")),
            "the cookie's path is the copy's URL path"
        );
    }
}
