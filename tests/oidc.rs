//! OpenID Connect captures as people see them: the words of reports on captures without Alexa
//! traffic, the id_token's lineage in `flows`, ports kept in URLs, and the raw id_token and the
//! claims that identify a person never shown.

use std::path::Path;
use std::process::Output;

use crate::common::{self, stdout};

fn tokentrail(args: &[&str], path: &Path) -> Output {
    common::bin()
        .args(args)
        .arg(path)
        .env("NO_COLOR", "1")
        .output()
        .expect("run tokentrail")
}

/// Every generated OpenID Connect capture: the providers' good flows and the oidc/ rules'.
fn oidc_fixtures() -> Vec<std::path::PathBuf> {
    let out: Vec<_> = common::fixtures()
        .into_iter()
        .filter(|p| {
            let rel = common::rel(p);
            rel.starts_with("fixtures/oidc/") || rel.starts_with("fixtures/good/oidc-")
        })
        .collect();
    assert!(out.len() >= 20, "the OpenID Connect fixtures are missing");
    out
}

#[test]
fn reports_on_captures_without_alexa_traffic_do_not_speak_alexa() {
    let alexa_words = [
        "skill",
        "Skill",
        "Alexa",
        "profile A",
        "profile B",
        "Atzr",
        "accountLinkRequest",
        "LWA",
        "Login with Amazon",
    ];
    for path in oidc_fixtures() {
        for args in [&["check", "--isolated"][..], &["flows", "--isolated"][..]] {
            let text = stdout(&tokentrail(args, &path));
            assert!(!text.is_empty(), "{}: no output", common::rel(&path));
            for w in alexa_words {
                assert!(
                    !text.contains(w),
                    "{} {}: speaks of {w:?}:\n{text}",
                    args[0],
                    common::rel(&path)
                );
            }
        }
        let flows = stdout(&tokentrail(&["flows", "--isolated"], &path));
        assert!(
            flows.contains("client → authorization server"),
            "{}: {flows}",
            common::rel(&path)
        );
    }
}

#[test]
fn an_id_token_sent_as_bearer_is_traced_to_the_token_response_that_issued_it() {
    let path =
        common::root().join("fixtures/oidc/id-token-as-bearer/fires-auth0-spa-api-chrome.har");
    let flows = stdout(&tokentrail(&["flows", "--isolated"], &path));
    assert!(flows.contains("1 flow,"), "one flow, not two:\n{flows}");
    assert!(
        !flows.contains("minted outside the capture"),
        "the id_token's origin is in the capture:\n{flows}"
    );
    assert!(flows.contains("id_token eyJ"), "{flows}");
    assert!(flows.contains("minted at #6"), "{flows}");
}

#[test]
fn the_raw_id_token_and_personal_claims_are_never_shown() {
    let mut checked = 0;
    for path in oidc_fixtures() {
        let har: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        let text = har.to_string();
        // Every JWT in the capture (id_tokens and JWT access tokens), and the `sub` claims.
        let jwts: Vec<&str> = text
            .split(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
            .filter(|w| w.starts_with("eyJ") && w.matches('.').count() == 2 && w.len() > 60)
            .collect();
        if jwts.is_empty() {
            continue;
        }
        checked += 1;
        let mut subs = Vec::new();
        for j in &jwts {
            let claims = j.split('.').nth(1).unwrap_or("");
            use base64::Engine as _;
            let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(claims) else {
                continue;
            };
            let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            if let Some(s) = v["sub"].as_str() {
                subs.push(s.to_string());
            }
        }
        for args in [
            &["check", "--isolated"][..],
            &["check", "--isolated", "--format", "json"][..],
            &["flows", "--isolated"][..],
        ] {
            let out = stdout(&tokentrail(args, &path));
            for j in &jwts {
                let signature_less = &j[..j.rfind('.').unwrap_or(j.len())];
                assert!(
                    !out.contains(signature_less),
                    "{} {:?}: shows a raw JWT",
                    common::rel(&path),
                    args
                );
            }
            for s in &subs {
                assert!(
                    !out.contains(s.as_str()),
                    "{} {:?}: shows the sub claim",
                    common::rel(&path),
                    args
                );
            }
        }
    }
    assert!(checked >= 20, "only {checked} captures with id_tokens");
}

#[test]
fn a_finding_shows_the_claims_that_explain_it() {
    let path =
        common::root().join("fixtures/oidc/id-token-audience/fires-okta-other-client-chrome.har");
    let out = stdout(&tokentrail(&["check", "--isolated"], &path));
    assert!(out.contains("aud [0oa9x2mtq1LrWnE7c5d7]"), "{out}");
    assert!(out.contains("0oa8f5j3ecb5w3dF35d7"), "{out}");
}

#[test]
fn flows_keep_the_port_of_a_url() {
    let dir = std::env::temp_dir().join(format!("tokentrail-oidc-port-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("port.har");
    let har = serde_json::json!({"log": {"version": "1.2", "entries": [
        {"startedDateTime": "2024-05-01T10:00:00.000Z",
         "request": {"method": "GET", "url": "http://127.0.0.1:3000/auth?client_id=c&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcb&state=s", "headers": []},
         "response": {"status": 302, "headers": [{"name": "Location", "value": "http://127.0.0.1:8080/cb?code=abc123&state=s"}], "content": {"text": ""}}},
        {"startedDateTime": "2024-05-01T10:00:01.000Z",
         "request": {"method": "POST", "url": "http://127.0.0.1:3000/token", "headers": [{"name": "Content-Type", "value": "application/x-www-form-urlencoded"}],
                     "postData": {"mimeType": "application/x-www-form-urlencoded", "text": "grant_type=authorization_code&code=abc123&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcb&client_id=c"}},
         "response": {"status": 200, "headers": [], "content": {"mimeType": "application/json", "text": "{\"access_token\":\"at-1\",\"token_type\":\"Bearer\"}"}}}
    ]}});
    std::fs::write(&path, har.to_string()).expect("write");
    let flows = stdout(&tokentrail(&["flows", "--isolated"], &path));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(flows.contains("http://127.0.0.1:3000/token"), "{flows}");
    assert!(flows.contains("http://127.0.0.1:3000/auth"), "{flows}");
}

/// A code flow at `authorize` whose token response carries an id_token with `iss`, with no
/// discovery document: the findings of oidc/id-token-issuer.
fn issuer_findings(authorize: &str, token: &str, iss: &str) -> Vec<String> {
    use base64::Engine as _;
    let b64 = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let id_token = format!(
        "{}.{}.c2ln",
        b64(serde_json::json!({"alg": "RS256"})),
        b64(
            serde_json::json!({"iss": iss, "aud": "c1", "sub": "s", "iat": 1714557600, "exp": 1714561200})
        )
    );
    let har = serde_json::json!({"log": {"version": "1.2", "entries": [
        {"startedDateTime": "2024-05-01T10:00:00.000Z",
         "request": {"method": "GET", "url": format!("{authorize}?client_id=c1&response_type=code&scope=openid&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=s"), "headers": []},
         "response": {"status": 302, "headers": [{"name": "Location", "value": "https://app.example.com/cb?code=abc123&state=s"}], "content": {"text": ""}}},
        {"startedDateTime": "2024-05-01T10:00:01.000Z",
         "request": {"method": "POST", "url": token, "headers": [{"name": "Content-Type", "value": "application/x-www-form-urlencoded"}],
                     "postData": {"mimeType": "application/x-www-form-urlencoded", "text": "grant_type=authorization_code&code=abc123&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&client_id=c1&client_secret=x"}},
         "response": {"status": 200, "headers": [], "content": {"mimeType": "application/json", "text": serde_json::json!({"access_token": "at-1", "token_type": "Bearer", "id_token": id_token}).to_string()}}}
    ]}});
    let dir = std::env::temp_dir().join(format!(
        "tokentrail-oidc-iss-{}-{}",
        std::process::id(),
        iss.len()
    ));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("iss.har");
    std::fs::write(&path, har.to_string()).expect("write");
    let report = common::check(&path);
    let _ = std::fs::remove_dir_all(&dir);
    report
        .findings
        .iter()
        .filter(|f| f.rule == "oidc/id-token-issuer")
        .map(|f| f.severity.as_str().to_string())
        .collect()
}

#[test]
fn providers_that_issue_on_another_site_by_design_are_not_reported() {
    let ms = "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/oauth2";
    // Entra ID's v1 endpoints sign tokens as sts.windows.net.
    assert!(issuer_findings(
        &format!("{ms}/authorize"),
        &format!("{ms}/token"),
        "https://sts.windows.net/9188040d-6c67-4c5b-b112-36a304b66dad/"
    )
    .is_empty());
    // The same request answered with another site's issuer is worth a warning.
    assert_eq!(
        issuer_findings(
            &format!("{ms}/authorize"),
            &format!("{ms}/token"),
            "https://login.evil.example/tenant/v2.0"
        ),
        vec!["warning".to_string()]
    );
}
