//! Right cause, right fix (issue 17): over every fixture, findings never give one request two
//! fixes that name different profiles, and never cite a later entry as their cause; on the
//! article's scenarios, the findings say what the article says.

use crate::common;

use std::collections::BTreeMap;

use tokentrail::finding::Finding;

/// The entries a finding's message cites as its cause (`activation-failed`'s "The cause is
/// shown by …", `error-response`'s "Findings that explain it: …").
fn cited_entries(message: &str) -> Vec<usize> {
    let mut out = Vec::new();
    for lead in ["The cause is shown by ", "Findings that explain it: "] {
        let Some(at) = message.find(lead) else {
            continue;
        };
        // Rule ids hold no '.', so the list ends at the first one.
        let list = &message[at + lead.len()..];
        let list = &list[..list.find('.').unwrap_or(list.len())];
        for part in list.split("entry #").skip(1) {
            let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
            if let Ok(n) = digits.parse() {
                out.push(n);
            }
        }
    }
    out
}

#[test]
fn cited_entries_reads_both_phrasings() {
    assert_eq!(
        cited_entries(
            "Answered 500. The cause is shown by oauth/code-reused at entry #11, a/b at entry #3."
        ),
        vec![11, 3]
    );
    assert_eq!(
        cited_entries(
            "… error `x`. Findings that explain it: oauth/code-wrong-server at entry #9."
        ),
        vec![9]
    );
    assert!(cited_entries("No other finding explains it.").is_empty());
}

fn problems_of(name: &str, findings: &[Finding]) -> Vec<String> {
    let mut problems = Vec::new();
    for f in findings {
        for cited in cited_entries(&f.message) {
            if f.entry.is_some_and(|e| cited > e) {
                problems.push(format!(
                    "{name}: {} at entry {:?} cites entry #{cited}, later than itself, as its cause",
                    f.rule, f.entry
                ));
            }
        }
    }
    // The request each fix is for, and the profiles the fixes for it name.
    let mut fixes: BTreeMap<usize, Vec<(&str, &str)>> = BTreeMap::new();
    for f in findings {
        if let Some((entry, profile)) = &f.fix_profile {
            fixes
                .entry(*entry)
                .or_default()
                .push((f.rule.as_str(), profile.as_str()));
        }
    }
    for (entry, named) in fixes {
        if named.iter().any(|(_, p)| *p != named[0].1) {
            problems.push(format!(
                "{name}: fixes for entry #{entry} name different profiles: {named:?}"
            ));
        }
    }
    problems
}

#[test]
fn no_request_gets_fixes_naming_two_profiles_and_no_cause_comes_later() {
    let mut problems = Vec::new();
    let mut with_fix = 0;
    let mut with_cause = 0;
    for path in common::fixtures() {
        let report = common::check(&path);
        with_fix += report
            .findings
            .iter()
            .filter(|f| f.fix_profile.is_some())
            .count();
        with_cause += report
            .findings
            .iter()
            .filter(|f| !cited_entries(&f.message).is_empty())
            .count();
        problems.extend(problems_of(&common::rel(&path), &report.findings));
    }
    // Not vacuous: many findings name a profile in their fix, and many cite a cause.
    assert!(
        with_fix > 20,
        "only {with_fix} findings name a profile in their fix"
    );
    assert!(with_cause > 10, "only {with_cause} findings cite a cause");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_check_catches_contradicting_fixes_and_late_causes() {
    let finding = |rule: &str, entry: usize, message: &str, fix: Option<(usize, &str)>| Finding {
        rule: rule.into(),
        severity: tokentrail::finding::Severity::Error,
        flow: Some(1),
        message: message.into(),
        help: String::new(),
        file: "x.har".into(),
        entry: Some(entry),
        method: None,
        url: None,
        time: None,
        labels: Vec::new(),
        related: Vec::new(),
        positions: None,
        fix_profile: fix.map(|(e, p)| (e, p.to_string())),
    };
    // What main reported on the LWA-as-skill-server case with both profiles declared.
    let contradicting = [
        finding(
            "alexa/amazon-code-wrong-profile",
            9,
            "m",
            Some((9, "alexa")),
        ),
        finding("alexa/link-code-wrong-scope", 15, "m", Some((9, "skill"))),
    ];
    assert_eq!(problems_of("x", &contradicting).len(), 1);
    let late = [finding(
        "alexa/activation-failed",
        10,
        "Answered 500. The cause is shown by oauth/code-reused at entry #11.",
        None,
    )];
    assert_eq!(problems_of("x", &late).len(), 1);
}

fn findings_of(fixture: &str) -> Vec<Finding> {
    common::check(&common::root().join(fixture)).findings
}

fn one<'f>(findings: &'f [Finding], rule: &str) -> &'f Finding {
    let mut of: Vec<&Finding> = findings.iter().filter(|f| f.rule == rule).collect();
    assert_eq!(of.len(), 1, "{rule}: {findings:#?}");
    of.remove(0)
}

#[test]
fn a_skill_server_code_sent_to_lwa_is_told_which_code_goes_where() {
    for fixture in [
        "fixtures/oauth/code-wrong-server/fires-skill-code-to-lwa-chrome.har",
        "fixtures/oauth/code-wrong-server/fires-skill-code-to-lwa-config-firefox.har",
    ] {
        let findings = findings_of(fixture);
        let f = one(&findings, "oauth/code-wrong-server");
        assert!(
            f.message.contains("auth.example-skill.com"),
            "{}",
            f.message
        );
        assert!(f.message.contains("invalid_grant"), "{}", f.message);
        // The article's fix: the auth code taken from step 1 goes to LWA; this one is authCode.
        assert!(f.help.contains("taken from step 1"), "{}", f.help);
        assert!(f.help.contains("accountLinkRequest.authCode"), "{}", f.help);
        assert!(
            !f.help.contains("with the client that requested it"),
            "{}",
            f.help
        );
        // The server's error names it as the explanation, from the same entry.
        let e = one(&findings, "oauth/error-response");
        assert!(
            e.message.contains("oauth/code-wrong-server at entry #9"),
            "{}",
            e.message
        );
    }
}

#[test]
fn an_app_redeeming_the_link_code_is_told_that_alexa_redeems_it() {
    let findings =
        findings_of("fixtures/oauth/code-reused/fires-app-redeems-link-code-firefox.har");
    let f = one(&findings, "oauth/code-reused");
    assert!(f.help.contains("Alexa redeems it"), "{}", f.help);
    assert!(f.help.contains("must not redeem it itself"), "{}", f.help);
    assert!(!f.help.contains("Redeem each code once"), "{}", f.help);
}

#[test]
fn a_retried_activation_names_no_later_cause() {
    let findings =
        findings_of("fixtures/alexa/activation-failed/fires-retry-after-500-firefox.har");
    let first = findings
        .iter()
        .find(|f| f.rule == "alexa/activation-failed" && f.entry == Some(10))
        .expect("the 500");
    assert!(
        first.message.contains("No other finding explains it"),
        "{}",
        first.message
    );
    let retry = findings
        .iter()
        .find(|f| f.rule == "alexa/activation-failed" && f.entry == Some(11))
        .expect("the retry");
    assert!(
        retry.message.contains("oauth/code-reused at entry #11"),
        "{}",
        retry.message
    );
    // The retry's fix says to get a fresh authCode.
    let reused = one(&findings, "oauth/code-reused");
    assert!(reused.help.contains("fresh code"), "{}", reused.help);
}

#[test]
fn lwa_as_the_skill_server_is_decided_over_the_whole_capture() {
    // Both LWA clients, per their own evidence, would be the Alexa Client Id: the decision
    // reads the skill's one as profile A, and the finding says how it decided.
    let findings =
        findings_of("fixtures/alexa/link-code-wrong-scope/fires-lwa-skill-server-chrome.har");
    let f = one(&findings, "alexa/link-code-wrong-scope");
    assert_eq!(
        f.fix_profile.as_ref().map(|(_, p)| p.as_str()),
        Some("skill")
    );
    let info = findings_of("fixtures/good/lwa-as-skill-server-chrome.har");
    let i = one(&info, "alexa/lwa-as-skill-server");
    assert!(i.message.contains("readings"), "{}", i.message);
    assert!(i.message.contains("two LWA sign-ins"), "{}", i.message);
    assert!(
        i.message.contains("amzn1.application-oa2-client.b0b0"),
        "names the Alexa Client Id: {}",
        i.message
    );
}

#[test]
fn an_ambiguous_capture_gives_both_readings_and_no_profile_fix() {
    let findings = findings_of("fixtures/alexa/link-code-wrong-profile/fires-ambiguous-chrome.har");
    let f = one(&findings, "alexa/link-code-wrong-profile");
    assert!(f.message.contains("reads two ways"), "{}", f.message);
    assert!(f.help.contains("tokentrail.toml"), "{}", f.help);
    assert!(
        f.help.contains("cannot be told from this capture"),
        "{}",
        f.help
    );
    assert_eq!(f.fix_profile, None, "no profile fix it cannot stand behind");
    // Declared, the same capture has one reading and one fix.
    let declared =
        findings_of("fixtures/alexa/link-code-wrong-scope/fires-ambiguous-declared-firefox.har");
    let d = one(&declared, "alexa/link-code-wrong-scope");
    assert_eq!(
        d.fix_profile.as_ref().map(|(_, p)| p.as_str()),
        Some("skill")
    );
}

#[test]
fn the_other_profiles_secret_is_named_without_showing_it() {
    for fixture in [
        "fixtures/alexa/secret-wrong-profile/fires-skill-secret-form-chrome.har",
        "fixtures/alexa/secret-wrong-profile/fires-skill-secret-basic-firefox.har",
    ] {
        let findings = findings_of(fixture);
        let f = one(&findings, "alexa/secret-wrong-profile");
        assert!(
            f.message.contains("Your Secret (profile A)"),
            "{}",
            f.message
        );
        for text in [&f.message, &f.help] {
            assert!(!text.contains("skill-secret-a-9f8e7d6c5b4a"), "{text}");
        }
    }
}
