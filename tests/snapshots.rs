//! What a person sees, reviewed as snapshot diffs: the human output of a few fixtures with a
//! fixed, colourless, 80-column theme.

use crate::common;

use std::sync::Arc;

use tokentrail::check::check_capture;
use tokentrail::report::{human, Report};

fn human_output(rel: &str) -> String {
    let path = common::root().join(rel);
    let bytes = std::fs::read(&path).expect("fixture");
    let capture = tokentrail::read::read_bytes(rel, Arc::from(bytes)).expect("reads");
    let file = check_capture(capture, &common::options_for(&path));
    human::render(
        &Report {
            files: vec![file],
            ..Default::default()
        },
        &human::HumanOptions {
            color: false,
            unicode: false,
            width: 80,
        },
    )
}

#[test]
fn wrong_profile_token() {
    insta::assert_snapshot!(human_output("fixtures/samples/wrong-profile.har"));
}

#[test]
fn code_reused_after_a_dropped_response() {
    insta::assert_snapshot!(human_output(
        "fixtures/oauth/code-reused/fires-first-unanswered-firefox.har"
    ));
}

#[test]
fn scope_double_encoded() {
    insta::assert_snapshot!(human_output(
        "fixtures/alexa/scope-misspelled/fires-double-encoded-firefox.har"
    ));
}

#[test]
fn truncated_capture() {
    insta::assert_snapshot!(human_output(
        "fixtures/capture/truncated/fires-chrome-cut.har"
    ));
}

#[test]
fn good_capture() {
    insta::assert_snapshot!(human_output("fixtures/good/two-flows-chrome.har"));
}
