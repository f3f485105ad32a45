//! What makes an exchange an OAuth step, named once so that the skim (`read::har::skim`) can
//! be checked against it: the skim reads in full only the entries whose raw text holds one of
//! its needles, and keeps the rest as stubs the classifier never sees. A string added here (or
//! a new one the classifier keys on) needs a needle: the skim's tests fail until it has one.

/// The Alexa app's consent page: an authorize request whatever its parameters.
pub(crate) const ALEXA_CONSENT_PATH: &str = "/spa/skill-account-linking-consent";
/// The Alexa endpoint lookup (`GET /v1/alexaApiEndpoint`).
pub(crate) const ALEXA_ENDPOINT_PATH: &str = "/v1/alexaApiEndpoint";
/// The start of a Skill Activation API path (`~` as written or percent-encoded).
pub(crate) const ACTIVATION_PREFIXES: [&str; 3] = [
    "/v1/users/~current/skills/",
    "/v1/users/%7Ecurrent/skills/",
    "/v1/users/%7ecurrent/skills/",
];
/// The end of a Skill Activation API path.
pub(crate) const ACTIVATION_SUFFIX: &str = "/enablement";
/// A POST to a path ending so, with no body, is a token request whose fields are unknown.
pub(crate) const TOKEN_PATH_SUFFIX: &str = "/token";
/// An authorize request names both (with a response type asking for a code or a token).
pub(crate) const RESPONSE_TYPE: &str = "response_type";
pub(crate) const CLIENT_ID: &str = "client_id";
/// A token request names it, in its body or query.
pub(crate) const GRANT_TYPE: &str = "grant_type";
/// The header of a Bearer call (and of Basic client authentication).
pub(crate) const AUTHORIZATION: &str = "authorization";
/// A Bearer token in the query (RFC 6750 §2.3).
pub(crate) const ACCESS_TOKEN_PARAM: &str = "access_token";
/// A page that may auto-post an answer (`response_mode=form_post`).
pub(crate) const FORM_TAG: &str = "<form";

/// Every string above by what the classifier needs of it: it acts on an exchange only when
/// the exchange holds every string of one group (and, for answers, one of
/// `oidc::ANSWER_PARAMS`, which the skim's tests check as well).
#[cfg(test)]
pub(crate) const STEP_KEYS: &[&[&str]] = &[
    &[ALEXA_CONSENT_PATH],
    &[RESPONSE_TYPE, CLIENT_ID],
    &[GRANT_TYPE],
    &[TOKEN_PATH_SUFFIX],
    &[ACTIVATION_PREFIXES[0], ACTIVATION_SUFFIX],
    &[ACTIVATION_PREFIXES[1], ACTIVATION_SUFFIX],
    &[ACTIVATION_PREFIXES[2], ACTIVATION_SUFFIX],
    &[ALEXA_ENDPOINT_PATH],
    &[AUTHORIZATION],
    &[ACCESS_TOKEN_PARAM],
];
