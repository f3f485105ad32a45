//! Bodies that reconstruction never reads, dropped as their entry is read (for `check` only):
//! a logged-in capture's Bearer calls are read in full for their `Authorization` header, and
//! their answers' bodies (API JSON, a kilobyte or two each) were the largest part of what a
//! long capture kept to the end.
//!
//! A response body is read by reconstruction (`flow::classify`, `flow::oidc`) only as
//! * a token response (a POST, or a GET whose query names `grant_type`),
//! * an activation's answer (a POST) or an Alexa endpoint lookup's (`/v1/alexaApiEndpoint`),
//! * a `form_post` page (a body holding `<form`),
//! * a discovery document (`/.well-known/openid-configuration`) or a userinfo answer (a path
//!   ending in `/userinfo`, or the endpoint a discovery document names: a capture that holds
//!   a discovery document is read again where a body was dropped, [`super::super::read_skimmed`]).
//!
//! So the body of a GET whose URL names none of those (nor hides one behind a `%` escape), and
//! that holds no `<form`, is dropped; one over `max_body_size` is kept so the limit still
//! reports it. Nothing else reads a body after reconstruction: every snippet is cut from the
//! capture's source. `tests/skim.rs` compares every output of the fast read with the full
//! read's over every fixture.

use crate::limits::Limits;
use crate::model::Exchange;

/// Words in a URL that make reconstruction read the answer's body, lower-case.
const READ_BY_URL: [&str; 4] = [
    "grant",
    "alexaapiendpoint",
    "openid-configuration",
    "userinfo",
];

/// Drops the response body of `ex` (read in full) where reconstruction cannot read it.
pub(super) fn drop_unread_body(ex: &mut Exchange, limits: &Limits) {
    if !ex.request.method.eq_ignore_ascii_case("GET") {
        return;
    }
    let url = ex.request.url.to_ascii_lowercase();
    if url.contains('%') || READ_BY_URL.iter().any(|w| url.contains(w)) {
        return;
    }
    let Some(response) = ex.response.as_mut() else {
        return;
    };
    let Some(body) = &response.body else {
        return;
    };
    // Any case of `<form` (reconstruction looks for two).
    if body.text.len() as u64 > limits.max_body_size
        || crate::wire::form::holds_html_form(&body.text)
    {
        return;
    }
    response.body = None;
}

/// Whether a capture holds a discovery document, which can name any URL as its userinfo
/// endpoint (whose answer's body reconstruction reads).
pub(in crate::read) fn names_endpoints(exchanges: &[Exchange]) -> bool {
    exchanges.iter().any(|e| {
        e.request
            .url
            .to_ascii_lowercase()
            .contains("openid-configuration")
    })
}

/// Whether `ex` may have lost its answer's body to [`drop_unread_body`].
pub(in crate::read) fn may_be_dropped(ex: &Exchange) -> bool {
    ex.request.method.eq_ignore_ascii_case("GET")
        && ex.response.as_ref().is_some_and(|r| r.body.is_none())
}
