//! What tests/visual.rs and tests/browser.rs share: reading Mermaid blocks out of Markdown,
//! and a capture written to attack the reports.

/// The fenced Mermaid blocks of a Markdown text.
pub fn mermaid_blocks(md: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in md.lines() {
        match (&mut current, line) {
            (None, "```mermaid") => current = Some(String::new()),
            (Some(block), "```") => {
                out.push(std::mem::take(block));
                current = None;
            }
            (Some(block), l) => {
                block.push_str(l);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(current.is_none(), "an unclosed Mermaid block");
    out
}

/// A capture written to attack a report: markup, Mermaid syntax, terminal escapes.
pub fn hostile_har() -> String {
    let evil = "</text></svg><script>alert(1)</script><img src=http://127.0.0.1:9/x>; # \" ' & %% \u{1b}[31m{}";
    let json_evil = serde_json::to_string(&serde_json::json!({
        "error": "invalid_grant",
        "error_description": evil,
    }))
    .expect("json");
    let activation = serde_json::to_string(&serde_json::json!({
        "stage": "development",
        "accountLinkRequest": {"redirectUri": "https://app.example.com/cb", "authCode": "SKhostilecode0001", "type": "AUTH_CODE"}
    }))
    .expect("json");
    let message = serde_json::to_string(&serde_json::json!({ "message": evil })).expect("json");
    let entry = |n: u32,
                 method: &str,
                 url: &str,
                 req_body: Option<(&str, &str)>,
                 status: u16,
                 headers: serde_json::Value,
                 body: &str| {
        serde_json::json!({
            "startedDateTime": format!("2024-03-14T11:47:{:02}.000Z", n),
            "time": 10,
            "request": {
                "method": method, "url": url, "httpVersion": "HTTP/1.1",
                "headers": req_body.map(|_| serde_json::json!([{"name":"Authorization","value":"Bearer Atza|hostiletoken0123456789abcdef"}])).unwrap_or(serde_json::json!([])),
                "queryString": [], "cookies": [],
                "postData": req_body.map(|(m, t)| serde_json::json!({"mimeType": m, "text": t})),
                "headersSize": -1, "bodySize": -1
            },
            "response": {
                "status": status, "statusText": "", "httpVersion": "HTTP/1.1", "headers": headers,
                "cookies": [], "content": {"size": body.len(), "mimeType": "application/json", "text": body},
                "redirectURL": "", "headersSize": -1, "bodySize": -1
            },
            "cache": {}, "timings": {"send": 0, "wait": 10, "receive": 0}
        })
    };
    let har = serde_json::json!({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": [
        entry(1, "GET", "https://www.amazon.com/ap/oa?client_id=<b>evil</b>;%23x&scope=alexa::skills::account_linking&response_type=code&redirect_uri=https://app.example.com/cb&state=s1", None, 302,
              serde_json::json!([{"name": "Location", "value": "https://app.example.com/cb?code=ANhostilecode00001&state=s1"}]), ""),
        entry(2, "POST", "https://api.amazon.com/auth/o2/token", Some(("application/x-www-form-urlencoded",
              "grant_type=authorization_code&code=ANhostilecode00001&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&client_id=%3Cb%3Eevil%3C%2Fb%3E&client_secret=amzn1.oa2-cs.v1.hostilesecret")),
              400, serde_json::json!([]), &json_evil),
        entry(3, "POST", "https://api.amazonalexa.com/v1/users/~current/skills/amzn1.ask.skill.<i>x</i>/enablement",
              Some(("application/json", &activation)), 400, serde_json::json!([]), &message),
    ]}});
    serde_json::to_string_pretty(&har).expect("har")
}
