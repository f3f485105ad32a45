//! A small capture with secrets, shared by the report tests.

use std::sync::Arc;

use crate::finding::{Area, Finding, Label, Locator, Place, Related, Severity};
use crate::model::{Capture, Exchange, Format};
use crate::report::{FileReport, Report};

pub const CODE: &str = "ANdNAVhyhqirUelHGEHA";
pub const TOKEN: &str = "Atza|IwEBIabcdefghijklmnopqrstuvwxyz012345";

pub const PRETTY: &str = r#"{
  "log": {
    "version": "1.2",
    "entries": [
      {
        "startedDateTime": "2024-05-01T10:00:01.000Z",
        "request": {
          "method": "GET",
          "url": "https://example.com/cb?code=ANdNAVhyhqirUelHGEHA&state=xyz",
          "headers": []
        },
        "response": {
          "status": 200,
          "headers": []
        }
      },
      {
        "startedDateTime": "2024-05-01T10:00:03.000Z",
        "request": {
          "method": "POST",
          "url": "https://api.amazon.com/auth/o2/token",
          "headers": [
            { "name": "Authorization", "value": "Bearer Atza|IwEBIabcdefghijklmnopqrstuvwxyz012345" },
            { "name": "Content-Type", "value": "application/x-www-form-urlencoded" }
          ],
          "postData": {
            "mimeType": "application/x-www-form-urlencoded",
            "text": "grant_type=authorization_code&code=ANdNAVhyhqirUelHGEHA&redirect_uri=https%3A%2F%2Fexample.com%2Fcb"
          }
        },
        "response": {
          "status": 400,
          "headers": [],
          "content": { "mimeType": "application/json", "text": "{\"error\":\"invalid_grant\"}" }
        }
      }
    ]
  }
}
"#;

/// A capture of `source` whose entries are the objects starting at each `"startedDateTime"`.
pub fn capture(name: &str, source: &str) -> Capture {
    let bytes = source.as_bytes();
    let exchanges = source
        .match_indices("\"startedDateTime\"")
        .enumerate()
        .map(|(i, (at, _))| {
            let start = bytes[..at].iter().rposition(|&b| b == b'{').unwrap();
            let end = super::outline::container_end(bytes, start).unwrap_or(bytes.len());
            Exchange {
                index: i + 1,
                span: start..end,
                started: None,
                started_raw: None,
                request: Default::default(),
                response: None,
                error: None,
            }
        })
        .collect();
    Capture {
        name: name.to_string(),
        format: Format::Har,
        source: Arc::<[u8]>::from(bytes).into(),
        exchanges,
        truncation: None,
        parts: Vec::new(),
        limits_hit: Vec::new(),
        skipped: Vec::new(),
    }
}

pub fn at(entry: usize, area: Area, needle: &str, text: &str) -> Label {
    Label {
        place: Place::Entry {
            entry,
            locator: Some(Locator {
                area,
                needle: needle.to_string(),
            }),
        },
        text: text.to_string(),
    }
}

pub fn finding(file: &str) -> Finding {
    Finding {
        flow: None,
        fix_profile: None,
        rule: "oauth/code-redeemed-late".to_string(),
        severity: Severity::Error,
        message: "the token endpoint refused the code: invalid_grant".to_string(),
        help: "Redeem a code once, within 5 minutes of the redirect.".to_string(),
        file: file.to_string(),
        entry: Some(2),
        method: Some("POST".to_string()),
        url: Some("https://api.amazon.com/auth/o2/token".to_string()),
        time: Some("2024-05-01T10:00:03.000Z".to_string()),
        labels: vec![
            at(2, Area::RequestBody, CODE, "this code..."),
            at(
                2,
                Area::RequestHeader("authorization".into()),
                TOKEN,
                "sent with this token",
            ),
            at(2, Area::ResponseBody, "invalid_grant", "...was refused"),
        ],
        related: vec![Related {
            entry: 1,
            note: "the code was issued here".to_string(),
            locator: Some(Locator {
                area: Area::Url,
                needle: CODE.to_string(),
            }),
        }],
        positions: None,
    }
}

pub fn file_report(capture: Capture, findings: Vec<Finding>) -> FileReport {
    FileReport {
        name: capture.name.clone(),
        format: Some("har"),
        entries: capture.exchanges.len(),
        error: None,
        analysis: Some(crate::flow::Analysis {
            flows: 1,
            ..Default::default()
        }),
        capture: Some(capture),
        findings,
        session: None,
    }
}

pub fn report() -> Report {
    let capture = capture("login.har", PRETTY);
    Report {
        files: vec![file_report(capture, vec![finding("login.har")])],
        ..Default::default()
    }
}

/// The 1-based line of `source` holding `needle`.
pub fn line_holding(source: &str, needle: &str) -> usize {
    source.lines().position(|l| l.contains(needle)).unwrap() + 1
}

pub fn assert_no_raw_secret(text: &str) {
    for raw in [CODE, TOKEN, "dNAVhyhqirUelHG", "IwEBIabcdef"] {
        assert!(!text.contains(raw), "raw secret {raw:?} in:\n{text}");
    }
}
