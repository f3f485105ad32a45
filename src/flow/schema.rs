//! The facts a rule can see: the contract between the engine and the rule files.
//! `docs/facts.md` is generated from this table, rule conditions are checked against it at
//! load, and a test checks that the engine produces exactly these facts.

use super::StepKind;

pub struct Field {
    pub name: &'static str,
    /// `string`, `int`, `double`, `bool`, `list<T>`, or the name of another type here.
    pub ty: &'static str,
    pub doc: &'static str,
}

pub struct Type {
    pub name: &'static str,
    pub doc: &'static str,
    /// A type whose fields this one shares (every step has the common step fields).
    pub base: Option<&'static str>,
    pub fields: &'static [Field],
}

macro_rules! fields {
    ($( $name:literal : $ty:literal => $doc:literal ),* $(,)?) => {
        &[ $( Field { name: $name, ty: $ty, doc: $doc } ),* ]
    };
}

pub static TYPES: &[Type] = &[
    Type {
        name: "Capture",
        doc: "The whole recording. Available as `capture` in every rule.",
        base: None,
        fields: fields! {
            "file": "string" => "The file name as given on the command line.",
            "format": "string" => "The reader that read it: `har`.",
            "entries": "int" => "Number of entries read (complete entries only, when truncated).",
            "truncated_at": "Truncation" => "Present when the file ends or breaks before its entry list is closed.",
            "credentials_stripped": "bool" => "True when the capture shows that credential headers were removed (an Alexa API call without `Authorization`, cookies listed without their header).",
            "stripped_entry": "int" => "The entry that shows the stripping; present when `credentials_stripped`.",
            "stripped_why": "string" => "What shows the stripping, in words; present when `credentials_stripped`.",
            "oauth_found": "bool" => "True when any OAuth step was recognised.",
            "alexa_flow": "bool" => "True when the capture shows part of the Alexa flow (Login with Amazon, the Alexa app's consent page, the Alexa API) or a client declared in tokentrail.toml: messages then speak of skills and profiles; elsewhere of client, authorization server and resource server.",
            "steps": "int" => "Number of OAuth steps.",
            "flows": "int" => "Number of flows (connected parts of the lineage graph).",
            "clients": "list<Client>" => "Every client id the capture shows, with its profile.",
            "limits_hit": "list<LimitHit>" => "The limits this capture went over (`docs/robustness.md`); what went over was left out of every other fact. Empty when none was hit.",
            "discovery": "list<Discovery>" => "The OpenID Connect discovery documents (`/.well-known/openid-configuration`) answered in the capture. Empty when none.",
        },
    },
    Type {
        name: "LimitHit",
        doc: "A limit a capture went over (body size, header count or size, JSON depth, archive size or members).",
        base: None,
        fields: fields! {
            "limit": "string" => "Which: `body-size`, `headers`, `header-size`, `json-depth`, `decompressed-size` or `archive-members`.",
            "flag": "string" => "The `check` flag that raises it (`--max-body-size`, ...). Absent for `json-depth`, which cannot be raised.",
            "entry": "int" => "The entry it concerns. Absent when it concerns the file as a whole.",
            "offset": "int" => "Byte offset in the file where it was hit.",
            "detail": "string" => "One sentence: what was left out, the limit, and how to raise it.",
        },
    },
    Type {
        name: "Truncation",
        doc: "Where a capture stopped being readable.",
        base: None,
        fields: fields! {
            "offset": "int" => "Byte offset in the file where reading failed.",
            "complete_entries": "int" => "Entries read whole before the cut.",
            "reason": "string" => "What the parser saw, in words.",
        },
    },
    Type {
        name: "Client",
        doc: "A client id and its security profile.",
        base: None,
        fields: fields! {
            "id": "string" => "The client id (not a secret; shown in full).",
            "profile": "string" => "`alexa` (profile B, the Alexa Client Id), `skill` (profile A, Your Client ID) or `unknown`.",
            "profile_source": "string" => "`config` (declared in tokentrail.toml), `inferred` (from this capture: a hard fact, or the client's own evidence when nothing else is open), `decided` (among the readings the hard facts allow, the one that explains the capture with the fewest errors; see Profiles above) or `none`.",
            "evidence": "string" => "Why the profile is what it is, in words a message can quote (for `decided`, the reasons and the decision).",
            "ambiguous": "bool" => "True when another reading of the capture explains it as well, giving this client `other_profile`: a fix that names a profile cannot be stood behind, and declaring the id in tokentrail.toml settles it.",
            "other_profile": "string" => "The profile the other reading gives this client. Present only when `ambiguous`.",
        },
    },
    Type {
        name: "Step",
        doc: "Fields every step has, whatever its kind.",
        base: None,
        fields: fields! {
            "id": "int" => "The step's number in this capture (labels use it to find the step's fields).",
            "entry": "int" => "1-based position of the entry in the capture.",
            "kind": "string" => "`authorize`, `authorize_answer`, `token_request`, `endpoint_lookup`, `activation` or `bearer_call`.",
            "flow": "int" => "The flow the step belongs to, numbered from 1 in order of appearance.",
            "method": "string" => "The request method.",
            "url": "string" => "The request URL, secrets masked.",
            "scheme": "string" => "The URL scheme, lower case.",
            "host": "string" => "The URL host, lower case, without port.",
            "path": "string" => "The URL path.",
            "time": "string" => "When the request started, as recorded. Absent when not recorded.",
            "t": "double" => "Seconds since the first recorded request of the capture. Absent when not recorded.",
            "loopback": "bool" => "True when the host is the machine itself (`localhost`, `127.x.x.x`, `::1`).",
            "query_secrets": "list<string>" => "Names of the URL's query parameters that carry a credential: `client_secret`, `code_verifier`, `access_token`, `refresh_token`, `id_token`, `password`, or any whose value is an `Atza|`/`Atzr|` token. Empty when none.",
            "browser_signs": "list<string>" => "The request headers only a browser sends, among `Origin`, `Sec-Fetch-Site`, `Sec-Fetch-Dest`, `Sec-Fetch-User` (not `Sec-Fetch-Mode`, which Node's `fetch` sends from servers too). Empty when none.",
            "content_type": "string" => "The request's `Content-Type` media type, lower case, without parameters. Absent without the header.",
            "cookies_sent": "list<string>" => "The names of the cookies the request sends back (values are never facts).",
            "cookies_set": "list<Cookie>" => "The cookies the answer sets. Absent when there was no response.",
            "cache_control": "string" => "The answer's `Cache-Control` header. Absent when it has none.",
            "referrer_policy": "string" => "The answer's `Referrer-Policy` header. Absent when it has none.",
            "www_authenticate": "BearerChallenge" => "The `Bearer` challenge of the answer's `WWW-Authenticate` header (RFC 6750 §3). Absent when it has none.",
            "answered": "bool" => "False when the request got no response (a dropped connection, HAR status 0).",
            "status": "int" => "The response status. Absent when there was no response.",
        },
    },
    Type {
        name: "AuthorizeStep",
        doc: "An authorization request (a `client_id` and a `response_type` naming `code`, `token` or `id_token`: the code flow, the implicit flow and the hybrids; or the Alexa app's consent page).",
        base: Some("Step"),
        fields: fields! {
            "client": "Client" => "The client that asked. Absent without `client_id`.",
            "client_id": "string" => "The `client_id` parameter.",
            "scope": "string" => "The `scope` parameter, decoded once (so a double-encoded value still shows `%3A`).",
            "scopes": "list<string>" => "`scope` split on spaces. Empty when there is no scope.",
            "redirect_uri": "string" => "The `redirect_uri` parameter, decoded.",
            "state": "string" => "The `state` parameter.",
            "response_type": "string" => "The `response_type` parameter.",
            "code_challenge": "string" => "The PKCE `code_challenge`; masked unless the method is `S256` (with `plain` it is the verifier itself).",
            "code_challenge_method": "string" => "The PKCE `code_challenge_method`.",
            "response_types": "list<string>" => "`response_type` split on spaces (`[\"code\", \"id_token\"]`). Absent without `response_type`.",
            "response_mode": "string" => "The `response_mode` parameter (`query`, `fragment`, `form_post`).",
            "nonce": "string" => "The OpenID Connect `nonce`, masked (equal values have equal masks).",
            "endpoint": "string" => "`lwa` (Login with Amazon), `alexa_app` (the Alexa app's consent page) or `other` (any other server).",
            "issuer": "string" => "The authorization server it belongs to: `lwa` for Login with Amazon and the Alexa app (one issuer), else the `[issuers] groups` entry of tokentrail.toml that lists its host (that group's first host), then those tokentrail ships in `src/flow/issuers.toml` (Google's hosts), else its host's site (`auth.example.com` → `example.com`).",
            "role": "string" => "Which step of the flow it served, from where its code went: `amazon_code` (the code was redeemed for a token sent as Bearer to the Alexa API: steps 1 and 2) or `link_code` (the code was sent as `accountLinkRequest.authCode`: step 3). Absent when the capture does not show the code going either way.",
            "answer": "AnswerSummary" => "The redirect that answered it. Absent when the capture holds none.",
        },
    },
    Type {
        name: "AuthorizeAnswerStep",
        doc: "The answer to an authorize request: parameters (`code`, `error`, `id_token`, `access_token`) sent to its `redirect_uri` in the query or the fragment of a `Location` header or a request URL, or in a `form_post` page or the browser's post of it.",
        base: Some("Step"),
        fields: fields! {
            "authorize": "AuthorizeSummary" => "The authorize request it answers.",
            "via": "string" => "`location` (a redirect's Location header), `url` (a request to the redirect URI) or `form_page` (a `form_post` page).",
            "answer_url": "string" => "The URL carrying the answer, secrets masked.",
            "answer_scheme": "string" => "The scheme of the URL carrying the answer, lower case (`https`, `http`, or an app's own scheme).",
            "answer_host": "string" => "The host of the URL carrying the answer, lower case.",
            "answer_loopback": "bool" => "True when the answer URL's host is the machine itself.",
            "recovered_at": "int" => "On an error answer: the entry of a later answer with a code for the same client (the user tried again and got through). Absent when there is none.",
            "code": "CodeRef" => "The code it carries. Absent on an error answer.",
            "error": "string" => "The `error` parameter of an error answer.",
            "error_description": "string" => "The `error_description` parameter.",
            "state": "string" => "The `state` that came back.",
            "state_sent": "string" => "The `state` the authorize request sent.",
            "delivery": "string" => "Where the answer's parameters were: `query`, `fragment` (implicit and hybrid flows) or `form_post` (an HTML form posted to the redirect URI).",
            "id_token": "IdToken" => "The id_token it carries (implicit and hybrid flows). Absent when none.",
            "access_token": "TokenRef" => "The access token it carries (`response_type` with `token`). Absent when none.",
            "referer_leaks": "list<RefererLeak>" => "Later requests whose `Referer` carries this answer's code to a third host: not the page's own host, nor a server that issued or redeemed the code. Empty when none.",
        },
    },
    Type {
        name: "TokenRequestStep",
        doc: "A token request: a POST whose form (or JSON) body names a `grant_type`, or a POST to a `/token` path whose body is missing.",
        base: Some("Step"),
        fields: fields! {
            "grant_type": "string" => "The `grant_type` as sent. Absent when the body is missing.",
            "grant": "string" => "`authorization_code`, `refresh_token`, `client_credentials`, `password` (exact matches) or `other`.",
            "client": "Client" => "The client, from an HTTP Basic header, the form, or the query. Absent when none is visible (e.g. a stripped Authorization header).",
            "client_id": "string" => "The client id.",
            "client_auth": "string" => "Where the client id came from: `basic`, `form` or `query`.",
            "has_client_secret": "bool" => "True when a client secret was sent (form or Basic).",
            "secret_profile": "string" => "`alexa` or `skill`: the profile whose `client_secret_sha256` in tokentrail.toml matches the secret sent (form or Basic); in a copy made by `tokentrail sanitize` with the config, the profile its mark records for that placeholder secret. Absent when no secret was sent, no fingerprint is declared, or none matches. The secret itself is never a fact.",
            "code": "CodeRef" => "The `code` sent.",
            "redirect_uri": "string" => "The `redirect_uri` sent.",
            "code_verifier_present": "bool" => "True when a PKCE `code_verifier` was sent.",
            "code_verifier_length": "int" => "The length of the `code_verifier` sent. Absent when none was sent.",
            "code_verifier_well_formed": "bool" => "True when the `code_verifier` is 43 to 128 characters of `[A-Za-z0-9-._~]` (RFC 7636 §4.1). Absent when none was sent.",
            "code_verifier_matches": "bool" => "True when the `code_verifier` gives the `code_challenge` of its code's authorize request under that request's `code_challenge_method` (`S256`: BASE64URL(SHA256(verifier)); `plain` or absent: the verifier itself). Absent when the verifier, the code's authorize request or its challenge is not in the capture, the method is unknown, or the capture is a copy `tokentrail sanitize` wrote (its placeholders keep equality, not hashes).",
            "client_secret_in": "list<string>" => "Where a non-empty client secret was sent: `basic`, `form`, `query` (two entries: two authentication methods at once). Empty when none.",
            "rotated": "bool" => "For a `refresh_token` grant that got tokens: true when the answer carried a refresh token other than the one sent (rotation). Absent for other grants and failed or missing answers.",
            "referer_leaks": "list<RefererLeak>" => "Later requests whose `Referer` carries a token this request's answer minted, to a host that neither minted nor took it. Empty when none.",
            "scope": "string" => "The `scope` sent, decoded once.",
            "refresh_token": "TokenRef" => "The refresh token sent with a `refresh_token` grant.",
            "endpoint": "string" => "`lwa` (an Amazon token endpoint) or `other`.",
            "issuer": "string" => "The authorization server the token endpoint belongs to, named as `AuthorizeStep.issuer` names it.",
            "body_present": "bool" => "False when the capture holds no request body.",
            "error": "string" => "The OAuth `error` of the server's answer (same as `response.error`).",
            "error_description": "string" => "The `error_description` of the server's answer.",
            "recovered_at": "int" => "On a failed request: the entry of a later token request of the same client and `grant_type` that got an access token. Absent when there is none.",
            "response": "TokenResponse" => "The server's answer. Absent when there was none.",
            "id_token": "IdToken" => "The id_token of the server's answer. Absent when none.",
        },
    },
    Type {
        name: "TokenResponse",
        doc: "A token endpoint's answer.",
        base: None,
        fields: fields! {
            "status": "int" => "The HTTP status.",
            "body_present": "bool" => "False when the capture holds no response body.",
            "error": "string" => "The OAuth `error` code.",
            "error_description": "string" => "The `error_description`.",
            "access_token": "string" => "The access token minted, masked.",
            "refresh_token": "string" => "The refresh token minted, masked.",
            "expires_in": "int" => "Lifetime of the access token in seconds.",
            "token_type": "string" => "The `token_type`.",
        },
    },
    Type {
        name: "EndpointLookupStep",
        doc: "`GET /v1/alexaApiEndpoint`: which Alexa API hosts serve this user.",
        base: Some("Step"),
        fields: fields! {
            "bearer": "TokenRef" => "The Bearer token sent. Absent without an Authorization header.",
            "endpoints": "list<string>" => "The hosts returned, lower case (`https://api.eu.amazonalexa.com` reads as `api.eu.amazonalexa.com`). Absent when the response body is missing or not the expected JSON.",
            "response_body_present": "bool" => "False when the capture holds no response body.",
        },
    },
    Type {
        name: "ActivationStep",
        doc: "`POST /v1/users/~current/skills/{skillId}/enablement`: the Skill Activation API call.",
        base: Some("Step"),
        fields: fields! {
            "skill_id": "string" => "The skill id from the path.",
            "body_present": "bool" => "False when the capture holds no request body.",
            "body_json": "bool" => "Whether the body is a JSON object. Absent when there is no body.",
            "stage": "string" => "The body's `stage`.",
            "link_type": "string" => "`accountLinkRequest.type`.",
            "redirect_uri": "string" => "`accountLinkRequest.redirectUri`.",
            "auth_code": "CodeRef" => "`accountLinkRequest.authCode`.",
            "bearer": "TokenRef" => "The Bearer token sent. Absent without an Authorization header.",
            "message": "string" => "The `message` of the server's JSON answer.",
            "lookup": "LookupSummary" => "The latest endpoint lookup before this call that returned endpoints (one sent with the same Bearer token when there is one). Absent when the capture has none.",
        },
    },
    Type {
        name: "BearerCallStep",
        doc: "Any other request carrying `Authorization: Bearer`.",
        base: Some("Step"),
        fields: fields! {
            "userinfo": "Userinfo" => "Present when the call is to a userinfo endpoint (the discovery document's `userinfo_endpoint`, or a path ending in `/userinfo`).",
            "bearer": "TokenRef" => "The Bearer token sent.",
        },
    },
    Type {
        name: "AuthorizeSummary",
        doc: "An authorize request seen from a step or artifact that links to it.",
        base: None,
        fields: fields! {
            "id": "int" => "Its step number.",
            "entry": "int" => "Its entry.",
            "time": "string" => "When it was sent.",
            "t": "double" => "Seconds since the first request.",
            "host": "string" => "Its host.",
            "endpoint": "string" => "`lwa`, `alexa_app` or `other`.",
            "issuer": "string" => "The authorization server it belongs to: `lwa` for Login with Amazon and the Alexa app (one issuer), else the `[issuers] groups` entry of tokentrail.toml that lists its host (that group's first host), then those tokentrail ships in `src/flow/issuers.toml` (Google's hosts), else its host's site (`auth.example.com` → `example.com`).",
            "role": "string" => "Which step of the flow it served, from where its code went: `amazon_code` (the code was redeemed for a token sent as Bearer to the Alexa API: steps 1 and 2) or `link_code` (the code was sent as `accountLinkRequest.authCode`: step 3). Absent when the capture does not show the code going either way.",
            "client": "Client" => "Its client.",
            "client_id": "string" => "Its `client_id`.",
            "scope": "string" => "Its `scope`, decoded once.",
            "scopes": "list<string>" => "Its scopes.",
            "redirect_uri": "string" => "Its `redirect_uri`.",
            "state": "string" => "Its `state`.",
            "code_challenge": "string" => "Its PKCE `code_challenge`; masked unless the method is `S256`.",
            "code_challenge_method": "string" => "Its PKCE `code_challenge_method` (absent means `plain`, RFC 7636 §4.3).",
        },
    },
    Type {
        name: "AnswerSummary",
        doc: "An authorize answer seen from the request it answers or the code it issued.",
        base: None,
        fields: fields! {
            "id": "int" => "Its step number.",
            "entry": "int" => "Its entry.",
            "time": "string" => "When it was recorded.",
            "t": "double" => "Seconds since the first request.",
            "via": "string" => "`location` or `url`.",
            "code": "string" => "The code, masked.",
            "error": "string" => "The `error` parameter.",
            "error_description": "string" => "The `error_description` parameter.",
            "state": "string" => "The `state` that came back.",
        },
    },
    Type {
        name: "LookupSummary",
        doc: "An endpoint lookup seen from the activation that follows it.",
        base: None,
        fields: fields! {
            "id": "int" => "Its step number.",
            "entry": "int" => "Its entry.",
            "time": "string" => "When it was sent.",
            "t": "double" => "Seconds since the first request.",
            "endpoints": "list<string>" => "The hosts it returned, lower case.",
        },
    },
    Type {
        name: "TokenRequestSummary",
        doc: "A token request seen from a token it minted.",
        base: None,
        fields: fields! {
            "id": "int" => "Its step number.",
            "entry": "int" => "Its entry.",
            "time": "string" => "When it was sent.",
            "t": "double" => "Seconds since the first request.",
            "host": "string" => "Its host.",
            "endpoint": "string" => "`lwa` or `other`.",
            "grant_type": "string" => "Its `grant_type`.",
            "client": "Client" => "Its client.",
            "client_id": "string" => "Its client id.",
        },
    },
    Type {
        name: "Use",
        doc: "One use of an artifact: a redemption of a code, or a use of a token.",
        base: None,
        fields: fields! {
            "id": "int" => "The step number.",
            "entry": "int" => "The entry.",
            "kind": "string" => "The step kind (`token_request`, `activation`, `bearer_call`, `endpoint_lookup`).",
            "time": "string" => "When it was sent.",
            "t": "double" => "Seconds since the first request.",
            "answered": "bool" => "False when it got no response.",
            "status": "int" => "The response status. Absent when there was no response.",
            "error": "string" => "The OAuth `error` of a token response.",
            "client_id": "string" => "The client id a token request sent.",
            "rotated": "bool" => "For a `refresh_token` grant that got tokens: whether its answer carried a new refresh token.",
        },
    },
    Type {
        name: "CodeRef",
        doc: "A code as a step sees it: its lineage without the list of every use (a rule about all uses takes `subject = \"code\"`; the lists would make each step carry the whole capture).",
        base: None,
        fields: fields! {
            "value": "string" => "The code, masked (type prefix and fingerprint only).",
            "shape": "string" => "`lwa` for Login with Amazon codes (`AN` and 18 letters), else `other`.",
            "origin": "AuthorizeSummary" => "The authorize request that produced it. Absent when the capture does not show it.",
            "issued": "AnswerSummary" => "The answer that carried it first.",
            "lifetime": "int" => "Seconds the issuer keeps it valid: 300 for Login with Amazon and Alexa-app codes, else `[codes]` in tokentrail.toml, else 600.",
            "lifetime_source": "string" => "`lwa`, `config` or `default`: where `lifetime` comes from.",
            "redemption_count": "int" => "How many requests redeemed it.",
        },
    },
    Type {
        name: "TokenRef",
        doc: "A token as a step sees it: its lineage without the list of every use.",
        base: None,
        fields: fields! {
            "value": "string" => "The token, masked.",
            "kind": "string" => "`access`, `refresh` or `id` (an OpenID Connect id_token).",
            "minted_by": "TokenRequestSummary" => "The token request whose response minted it. Absent when not in the capture.",
            "client": "Client" => "The client of the request that minted it.",
            "root": "AuthorizeSummary" => "The authorize request at the start of its lineage (through refresh grants). Absent when unknown.",
            "expires_in": "int" => "Lifetime in seconds, from the minting response.",
            "use_count": "int" => "How many steps used it.",
            "id_token": "IdToken" => "For an id_token (`kind` `id`): its decoded claims.",
        },
    },
    Type {
        name: "IdToken",
        doc: "An OpenID Connect id_token, decoded without verifying its signature. The raw token is never a fact; of its claims, `iss`, `aud`, `azp`, `exp`, `iat` and `alg` are shown as they are (a finding needs them), `sub` and `nonce` are masked.",
        base: None,
        fields: fields! {
            "value": "string" => "The token, masked.",
            "entry": "int" => "The entry that received it.",
            "source": "string" => "`token_endpoint` (a token response) or `authorization_endpoint` (an authorization answer: implicit or hybrid).",
            "decoded": "bool" => "False when it is not a readable JWT (then no claim is a fact).",
            "alg": "string" => "The header's `alg`.",
            "iss": "string" => "The `iss` claim.",
            "sub": "string" => "The `sub` claim, masked.",
            "aud": "list<string>" => "The `aud` claim, as a list (a single string becomes one element).",
            "azp": "string" => "The `azp` claim.",
            "exp": "int" => "The `exp` claim, seconds since the epoch.",
            "iat": "int" => "The `iat` claim, seconds since the epoch.",
            "exp_time": "string" => "`exp` as an RFC 3339 UTC time, for messages.",
            "iat_time": "string" => "`iat` as an RFC 3339 UTC time, for messages.",
            "nonce": "string" => "The `nonce` claim, masked.",
            "has_at_hash": "bool" => "Whether it has an `at_hash` claim.",
            "has_c_hash": "bool" => "Whether it has a `c_hash` claim.",
            "at_hash_matches": "bool" => "Whether `at_hash` is the left half of the hash (the one of `alg`) of the access token it came with, base64url. Absent without `at_hash`, without that access token, or when `alg` names no hash.",
            "c_hash_matches": "bool" => "The same for `c_hash` and the code it came with (the answer's, or the one the token request redeemed).",
            "client_id": "string" => "The client that asked for it: the token request's client id, else the authorize request's.",
            "authorize_entry": "int" => "The entry of the authorize request at the start of its flow. Absent when not in the capture.",
            "nonce_sent": "string" => "The `nonce` that authorize request sent, masked. Absent when it sent none.",
            "discovery_entry": "int" => "The entry of the discovery document of the server it came from: the one whose `token_endpoint` or `authorization_endpoint` was used, else the only one fetched from the host of those endpoints. Absent when the capture holds none.",
            "discovery_issuer": "string" => "That document's `issuer`; Entra ID's multi-tenant template (`…/{tenantid}/v2.0`) filled in with the token's `tid`.",
            "server_site": "string" => "The authorization server's site (its authorize request's host, named as `AuthorizeStep.issuer` names it). Absent when the authorize request is not in the capture.",
            "iss_site": "string" => "The site of the `iss` URL's host, named the same way.",
            "received_at": "double" => "When the entry that received it started, in seconds since the epoch (compare with `exp` and `iat`). Absent when not recorded.",
            "clock_skew": "int" => "Seconds of clock difference to allow: `[oidc] clock_skew_seconds` in tokentrail.toml, else 300.",
        },
    },
    Type {
        name: "Discovery",
        doc: "An OpenID Connect discovery document seen in the capture (OpenID Connect Discovery 1.0 §4).",
        base: None,
        fields: fields! {
            "entry": "int" => "The entry that fetched it.",
            "url": "string" => "Its URL.",
            "issuer": "string" => "Its `issuer`.",
            "authorization_endpoint": "string" => "Its `authorization_endpoint`.",
            "token_endpoint": "string" => "Its `token_endpoint`.",
            "userinfo_endpoint": "string" => "Its `userinfo_endpoint`.",
            "jwks_uri": "string" => "Its `jwks_uri`.",
        },
    },
    Type {
        name: "Userinfo",
        doc: "A userinfo endpoint's answer (OIDC Core §5.3).",
        base: None,
        fields: fields! {
            "sub": "string" => "The `sub` it returned, masked. Absent when the answer holds none (an error, no body).",
            "claims": "list<string>" => "The names of the claims it returned. Empty without a JSON answer.",
        },
    },
    Type {
        name: "Cookie",
        doc: "A cookie an answer sets (`Set-Cookie`), without its value.",
        base: None,
        fields: fields! {
            "name": "string" => "Its name.",
            "secure": "bool" => "Whether it has `Secure`.",
            "http_only": "bool" => "Whether it has `HttpOnly`.",
            "same_site": "string" => "Its `SameSite` attribute. Absent when not set.",
        },
    },
    Type {
        name: "BearerChallenge",
        doc: "A resource server's `WWW-Authenticate: Bearer` challenge (RFC 6750 §3).",
        base: None,
        fields: fields! {
            "scheme": "string" => "`Bearer`.",
            "realm": "string" => "Its `realm`.",
            "error": "string" => "Its `error`: `invalid_request`, `invalid_token`, `insufficient_scope`, or another the server chose. Absent on a bare challenge (no credentials were sent).",
            "error_description": "string" => "Its `error_description`.",
            "scope": "string" => "Its `scope`: what the resource needs.",
        },
    },
    Type {
        name: "RefererLeak",
        doc: "A request whose `Referer` carries a code or token of this capture to a third host.",
        base: None,
        fields: fields! {
            "entry": "int" => "Its entry.",
            "time": "string" => "When it was sent.",
            "t": "double" => "Seconds since the first request.",
            "method": "string" => "Its method.",
            "url": "string" => "Its URL, secrets masked.",
            "host": "string" => "The host it went to, lower case.",
            "param": "string" => "The `Referer` query parameter that carried the value: `code`, `access_token`, `refresh_token` or `id_token`.",
            "value": "string" => "The value, masked.",
        },
    },
    Type {
        name: "FindingRef",
        doc: "A finding of another rule, as `findings` lists them. Rules that read `findings` run after all others, so they see every finding of the rules that do not.",
        base: None,
        fields: fields! {
            "rule": "string" => "The rule id.",
            "severity": "string" => "`error`, `warning` or `info`.",
            "message": "string" => "The finding's message (secrets masked).",
            "entry": "int" => "The entry it points at. Absent for whole-capture findings.",
            "flow": "int" => "The flow of the step it points at. Absent when it points at no step.",
        },
    },
    Type {
        name: "Code",
        doc: "An authorization code with its whole lineage. Available as `code` in rules with `subject = \"code\"`.",
        base: None,
        fields: fields! {
            "value": "string" => "The code, masked (type prefix and fingerprint only).",
            "shape": "string" => "`lwa` for Login with Amazon codes (`AN` and 18 letters), else `other`.",
            "origin": "AuthorizeSummary" => "The authorize request that produced it. Absent when the capture does not show it.",
            "issued": "AnswerSummary" => "The answer that carried it first.",
            "lifetime": "int" => "Seconds the issuer keeps it valid: 300 for Login with Amazon and Alexa-app codes, else `[codes]` in tokentrail.toml, else 600.",
            "lifetime_source": "string" => "`lwa`, `config` or `default`: where `lifetime` comes from.",
            "redemptions": "list<Use>" => "Every request that redeemed it, in order: `authorization_code` token requests (answered or not) and activations.",
            "deliveries": "list<int>" => "Entries that carried it without redeeming it (the browser following the redirect).",
        },
    },
    Type {
        name: "Token",
        doc: "An access or refresh token with its lineage. Available as `token` in rules with `subject = \"token\"`.",
        base: None,
        fields: fields! {
            "value": "string" => "The token, masked.",
            "kind": "string" => "`access`, `refresh` or `id` (an OpenID Connect id_token).",
            "id_token": "IdToken" => "For an id_token (`kind` `id`): its decoded claims.",
            "minted_by": "TokenRequestSummary" => "The token request whose response minted it. Absent when not in the capture.",
            "client": "Client" => "The client of the request that minted it.",
            "root": "AuthorizeSummary" => "The authorize request at the start of its lineage (through refresh grants). Absent when unknown.",
            "expires_in": "int" => "Lifetime in seconds, from the minting response.",
            "uses": "list<Use>" => "Every step that used it.",
        },
    },
];

pub fn find(name: &str) -> Option<&'static Type> {
    TYPES.iter().find(|t| t.name == name)
}

/// A field of a type, looking through its base.
pub fn field(ty: &str, name: &str) -> Option<&'static Field> {
    let t = find(ty)?;
    t.fields
        .iter()
        .find(|f| f.name == name)
        .or_else(|| t.base.and_then(|b| field(b, name)))
}

/// Every field of a type, base fields first.
pub fn all_fields(ty: &str) -> Vec<&'static Field> {
    let Some(t) = find(ty) else { return Vec::new() };
    let mut out = t.base.map(all_fields).unwrap_or_default();
    out.extend(t.fields.iter());
    out
}

pub fn step_type(kind: StepKind) -> &'static str {
    match kind {
        StepKind::Authorize => "AuthorizeStep",
        StepKind::Answer => "AuthorizeAnswerStep",
        StepKind::TokenRequest => "TokenRequestStep",
        StepKind::EndpointLookup => "EndpointLookupStep",
        StepKind::Activation => "ActivationStep",
        StepKind::BearerCall => "BearerCallStep",
    }
}

/// An authorize request's URL and the parameters reconstruction locates in it.
const AUTHORIZE_LOCATABLE: [&str; 9] = with_url(super::parsed::AUTHORIZE_PARAMS);

/// `url`, then `fields` (`M` is one more than `N`: checked when the constant is built).
const fn with_url<const N: usize, const M: usize>(fields: [&'static str; N]) -> [&'static str; M] {
    assert!(M == N + 1);
    let mut out = ["url"; M];
    let mut i = 0;
    while i < N {
        out[i + 1] = fields[i];
        i += 1;
    }
    out
}

/// Fields of a step's entry that a label can point at (`field = "..."` in a rule).
pub fn locatable(kind: StepKind) -> &'static [&'static str] {
    match kind {
        StepKind::Authorize => &AUTHORIZE_LOCATABLE,
        StepKind::Answer => &[
            "url",
            "code",
            "error",
            "error_description",
            "state",
            "id_token",
            "access_token",
        ],
        StepKind::TokenRequest => &[
            "url",
            "body",
            "grant_type",
            "code",
            "redirect_uri",
            "client_id",
            "refresh_token",
            "code_verifier",
            "scope",
            "access_token",
            "id_token",
            "error",
        ],
        StepKind::EndpointLookup => &["url", "bearer", "endpoints"],
        StepKind::Activation => &[
            "url",
            "body",
            "auth_code",
            "code",
            "bearer",
            "stage",
            "redirect_uri",
            "link_type",
            "message",
        ],
        StepKind::BearerCall => &["url", "bearer"],
    }
}

/// The Markdown reference of every fact, for `docs/facts.md`.
pub fn markdown() -> String {
    let mut out = String::new();
    out.push_str(include_str!("facts_intro.md"));
    for t in TYPES {
        out.push_str(&format!("\n## `{}`\n\n{}\n", t.name, t.doc));
        if let Some(b) = t.base {
            out.push_str(&format!(
                "\nAlso has every field of [`{b}`](#{}).\n",
                b.to_ascii_lowercase()
            ));
        }
        out.push_str("\n| fact | type | meaning |\n|---|---|---|\n");
        for f in t.fields {
            let ty = if find(f.ty.trim_start_matches("list<").trim_end_matches('>')).is_some() {
                let inner = f.ty.trim_start_matches("list<").trim_end_matches('>');
                f.ty.replace(
                    inner,
                    &format!("[{inner}](#{})", inner.to_ascii_lowercase()),
                )
            } else {
                f.ty.to_string()
            };
            out.push_str(&format!("| `{}` | {} | {} |\n", f.name, ty, f.doc));
        }
    }
    out.push_str("\n## Fields a label can point at\n\n| step kind | `field = ...` |\n|---|---|\n");
    for k in StepKind::ALL {
        let names: Vec<String> = locatable(k).iter().map(|f| format!("`{f}`")).collect();
        out.push_str(&format!("| `{}` | {} |\n", k.name(), names.join(", ")));
    }
    out
}
