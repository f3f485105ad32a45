//! Real traffic that `fixtures/record/record.sh` recorded (npm `oidc-provider` behind mitmproxy,
//! driven as a client would): both of mitmproxy's outputs read whole, the codes and tokens link
//! up as the server issued them, and mitmproxy's own dump gets the findings its HAR gets (the
//! generic fixture test checks the HAR against its `log._expect`).

use crate::common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use tokentrail::flow::facts::Facts;
use tokentrail::flow::{Detail, StepKind, TokenKind};

fn recorded(rel: &str) -> PathBuf {
    common::root().join("fixtures/recorded").join(rel)
}

const GOOD: &str = "oauth/refresh-token-reused/quiet-recorded-good";

#[test]
fn the_good_recording_reads_whole_links_every_artifact_and_raises_nothing() {
    for ext in ["har", "mitmdump"] {
        let path = recorded(&format!("{GOOD}.{ext}"));
        let report = common::check(&path);
        let name = common::rel(&path);
        assert!(
            report.findings.is_empty(),
            "{name}: findings on a good flow: {:?}",
            report
                .findings
                .iter()
                .map(|f| (&f.rule, f.entry))
                .collect::<Vec<_>>()
        );
        // Discovery, authorize, sign-in and consent hops, the code exchange, userinfo, the
        // refresh, userinfo again: every request the driver sent.
        assert!(report.entries >= 10, "{name}: {} entries", report.entries);
        let a = report.analysis.as_ref().expect("analysis");
        assert_eq!(
            a.flows, 1,
            "{name}: one flow from authorize to the last userinfo"
        );
        assert_eq!(a.codes.len(), 1, "{name}: one code");
        let code = &a.codes[0];
        assert!(
            code.origin.is_some(),
            "{name}: the code's authorize request"
        );
        assert_eq!(code.redemptions.len(), 1, "{name}: redeemed once");
        let kinds: Vec<StepKind> = a.steps.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds.iter().filter(|k| **k == StepKind::BearerCall).count(),
            2,
            "{name}: two userinfo calls"
        );
        // Every token the client used was minted in the capture, and the second access token
        // comes from the refresh grant, whose answer rotated the refresh token.
        for t in &a.tokens {
            assert!(t.minted_by.is_some(), "{name}: a token minted outside");
        }
        let refreshes: Vec<usize> = a
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                matches!(&s.detail, Detail::TokenRequest(t)
                    if t.grant_type.as_deref() == Some("refresh_token"))
            })
            .map(|(i, _)| i)
            .collect();
        assert_eq!(refreshes.len(), 1, "{name}: one refresh");
        let capture = report.capture.as_ref().expect("capture");
        let facts = Facts::new(capture, a);
        let refresh = facts.step_facts(refreshes[0]).expect("facts");
        assert_eq!(refresh["rotated"], true, "{name}: the refresh rotated");
        let exchange = a
            .steps
            .iter()
            .position(|s| matches!(&s.detail, Detail::TokenRequest(t) if t.redeems_code()))
            .expect("code exchange");
        let exchange = facts.step_facts(exchange).expect("facts");
        assert_eq!(
            exchange["code_verifier_matches"], true,
            "{name}: S256 verifier"
        );
        assert_eq!(
            exchange["code_verifier_well_formed"], true,
            "{name}: verifier shape"
        );
        assert_eq!(exchange["client_secret_in"], serde_json::json!(["basic"]));
        let refresh_tokens = a
            .tokens
            .iter()
            .filter(|t| t.kind == TokenKind::Refresh)
            .count();
        assert_eq!(
            refresh_tokens, 2,
            "{name}: the first refresh token and its successor"
        );
    }
}

#[test]
fn mitmproxys_dump_gets_the_findings_of_its_har() {
    let mut checked = 0;
    for har in common::fixtures()
        .into_iter()
        .filter(|p| common::rel(p).starts_with("fixtures/recorded/"))
    {
        let dump = har.with_extension("mitmdump");
        let findings = |p: &PathBuf| -> BTreeSet<(String, Option<usize>)> {
            common::check(p)
                .findings
                .iter()
                .map(|f| (f.rule.clone(), f.entry))
                .collect()
        };
        assert_eq!(
            findings(&har),
            findings(&dump),
            "{}: the HAR and mitmproxy's dump disagree",
            common::rel(&har)
        );
        checked += 1;
    }
    assert_eq!(checked, 5, "the five recorded scenarios");
}
