//! Authorization (`basic/authorization`), client side: what the client does
//! with the authorization server's own answers. Metadata naming another
//! issuer, an authorization response whose `iss` is wrong, missing or
//! unexpected (RFC 9207) and the right `iss` accepted, metadata found at
//! the last of the well-known URIs, Client ID Metadata Documents, and a
//! bound on step-up attempts. Graded, like [`super::auth`], on the scripted server's
//! record.

use super::auth::{authorizations, check, describe_all, path_of, to};
use super::{ClientCheck, Observed, Outcome, Scenario};
use crate::checks::Verdict;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};

const PAGE: &str = "basic/authorization";
const ISS: SpecRef = SpecRef { page: PAGE, anchor: "authorization-response-validation" };
const STATELESS: Revisions = Revisions::since(SpecVersion::V2026_07_28);
const ISS_RULE: &str = "On receiving the authorization response, MCP clients MUST apply the validation in RFC9207 Section 2.4 before transmitting the authorization code to any token endpoint";
/// Authorization requests past which step-up has no limit.
const STEP_UP_BOUND: usize = 5;

pub const CHECKS: &[ClientCheck] = &[
    check!(
        "client/auth-server/iss-wrong-refused",
        "a code whose iss is not the issuer is never redeemed",
        Must,
        STATELESS,
        ISS,
        ISS_RULE,
        AuthIssWrong,
        code_not_redeemed
    ),
    check!(
        "client/auth-server/iss-missing-refused",
        "a code without the iss the issuer advertises is never redeemed",
        Must,
        STATELESS,
        ISS,
        "(RFC 9207 §2.4, as the page tabulates it: `authorization_response_iss_parameter_supported` true and `iss` absent: \"Reject the response\") MCP clients MUST apply the validation in RFC9207 Section 2.4 before transmitting the authorization code to any token endpoint",
        AuthIssMissing,
        code_not_redeemed
    ),
    check!(
        "client/auth-server/iss-unexpected-refused",
        "a wrong iss is refused even when the issuer does not advertise iss",
        Must,
        STATELESS,
        ISS,
        "(`authorization_response_iss_parameter_supported` false or absent and `iss` present: \"Compare to the recorded issuer using simple string comparison\") MCP clients MUST apply the validation in RFC9207 Section 2.4 before transmitting the authorization code to any token endpoint",
        AuthIssUnexpected,
        code_not_redeemed
    ),
    check!(
        "client/auth-server/iss-match-accepted",
        "a code whose iss is the advertised issuer is redeemed",
        Must,
        STATELESS,
        ISS,
        "(`authorization_response_iss_parameter_supported` true and `iss` present: \"Compare to the recorded issuer using simple string comparison\"; a match is accepted) MCP clients MUST apply the validation in RFC9207 Section 2.4 before transmitting the authorization code to any token endpoint",
        AuthIssSupported,
        code_redeemed
    ),
    check!(
        "client/auth-server/iss-absent-accepted",
        "a code without iss is redeemed when the issuer does not advertise iss",
        Must,
        STATELESS,
        ISS,
        "(`authorization_response_iss_parameter_supported` false or absent and `iss` absent: \"Proceed\") MCP clients MUST apply the validation in RFC9207 Section 2.4 before transmitting the authorization code to any token endpoint",
        AuthIssNotAdvertised,
        code_redeemed
    ),
    check!(
        "client/auth-server/iss-not-normalized",
        "an iss equal to the issuer only after URL normalization is refused",
        Must,
        STATELESS,
        ISS,
        "After decoding the `iss` value from the `application/x-www-form-urlencoded` response per RFC 9207 Section 2.4, clients MUST NOT apply scheme or host case folding, default-port elision, trailing-slash, or percent-encoding normalization (RFC 3986 Sections 6.2.2-6.2.3) before comparison.",
        AuthIssNormalized,
        code_not_redeemed
    ),
    check!(
        "client/auth-server/as-metadata-oidc-appended",
        "authorization server metadata is looked for at the issuer with the OpenID suffix appended",
        Must,
        Revisions::since(SpecVersion::V2025_11_25),
        SpecRef { page: PAGE, anchor: "authorization-server-metadata-discovery" },
        "For issuer URLs with path components, clients MUST try endpoints in the following priority order: OAuth 2.0 Authorization Server Metadata with path insertion, OpenID Connect Discovery 1.0 with path insertion, OpenID Connect Discovery 1.0 path appending",
        AuthMetadataAppended,
        as_metadata_appended
    ),
    check!(
        "client/auth-server/issuer-mismatch-refused",
        "metadata whose issuer is not the one asked for is not used",
        Must,
        STATELESS,
        SpecRef { page: PAGE, anchor: "authorization-server-metadata-discovery" },
        "the `issuer` value in the document MUST be identical to the issuer identifier used to construct the well-known URL. If they differ, the client MUST NOT use the metadata.",
        AuthIssuerMismatch,
        metadata_not_used
    ),
    check!(
        "client/auth-server/cimd-client-id",
        "where the server takes them, the client identifies with a Client ID Metadata Document URL",
        Should,
        Revisions::since(SpecVersion::V2025_11_25),
        SpecRef { page: PAGE, anchor: "client-id-metadata-documents" },
        "Authorization servers and MCP clients SHOULD support OAuth Client ID Metadata Documents ... The `client_id` URL MUST use the \"https\" scheme and contain a path component",
        AuthCimd,
        cimd_client_id
    ),
    check!(
        "client/auth-server/step-up-bounded",
        "step-up stops after a few attempts when the server keeps refusing",
        Should,
        Revisions::since(SpecVersion::V2025_11_25),
        SpecRef { page: PAGE, anchor: "step-up-authorization-flow" },
        "Clients SHOULD implement retry limits and SHOULD track scope upgrade attempts to avoid repeated failures for the same resource and operation combination.",
        AuthScopeRetryLimit,
        step_up_bounded
    ),
];

/// Whether the client sent an authorization code to the token endpoint.
fn code_redeemed_at_token(obs: &Observed) -> bool {
    to(obs, "POST", "/token")
        .into_iter()
        .any(|s| s.form(true).get("grant_type").map(String::as_str) == Some("authorization_code"))
}

fn code_not_redeemed(obs: &Observed) -> Outcome {
    authorizations(obs)?;
    let redeemed = code_redeemed_at_token(obs);
    if !redeemed {
        return Ok(Verdict::pass("the code was not redeemed"));
    }
    Ok(Verdict::violation(
        "the client redeemed a code the authorization response's iss disqualifies",
        "no token request for that code",
        "POST /token with grant_type=authorization_code",
    ))
}

fn code_redeemed(obs: &Observed) -> Outcome {
    let auth = authorizations(obs)?;
    let redeemed = code_redeemed_at_token(obs);
    if redeemed {
        return Ok(Verdict::pass("the code was redeemed"));
    }
    let back = auth[0]
        .exchange
        .response
        .as_ref()
        .and_then(|r| r.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("location")))
        .map(|(_, v)| v.as_str())
        .unwrap_or("(none recorded)");
    Ok(Verdict::violation(
        "the client refused an authorization response that passes RFC 9207 §2.4",
        "a token request for the code (grant_type=authorization_code)",
        format!("no token request; the redirect was {back}; the client {}", obs.process),
    ))
}

fn as_metadata_appended(obs: &Observed) -> Outcome {
    let appended = "/tenant1/.well-known/openid-configuration";
    if !to(obs, "GET", appended).is_empty() {
        return Ok(Verdict::pass(format!("GET {appended} after the inserted URIs failed")));
    }
    if obs.seen.iter().all(|s| !path_of(s).contains("protected-resource")) {
        return Err(obs.nothing("request for protected resource metadata"));
    }
    Ok(Verdict::violation(
        "the client did not try the OpenID Connect URI with the path appended",
        format!("GET {appended}"),
        describe_all(obs),
    ))
}

fn metadata_not_used(obs: &Observed) -> Outcome {
    if obs.seen.iter().all(|s| !path_of(s).contains("oauth-authorization-server")) {
        return Err(obs.nothing("request for authorization server metadata"));
    }
    let went_on: Vec<String> = obs
        .seen
        .iter()
        .filter(|s| matches!(path_of(s), "/authorize" | "/token" | "/register"))
        .map(|s| s.describe())
        .collect();
    if went_on.is_empty() {
        return Ok(Verdict::pass("the client stopped at metadata naming another issuer"));
    }
    Ok(Verdict::violation(
        "the client used metadata whose issuer is another",
        "no registration, authorization or token request",
        went_on.join("; "),
    ))
}

fn cimd_client_id(obs: &Observed) -> Outcome {
    let auth = authorizations(obs)?;
    let id = auth[0].form(false).get("client_id").cloned().unwrap_or_default();
    let ok = url::Url::parse(&id).is_ok_and(|u| u.scheme() == "https" && u.path().len() > 1);
    if ok {
        return Ok(Verdict::pass(format!("client_id {id}")));
    }
    Ok(Verdict::violation(
        "the client did not use a Client ID Metadata Document",
        "client_id: an https URL with a path",
        format!("client_id {id:?}"),
    ))
}

fn step_up_bounded(obs: &Observed) -> Outcome {
    if obs.seen.iter().all(|s| s.status != 403) {
        return Err(obs.nothing("tool call with a token (the request answered 403)"));
    }
    let attempts = to(obs, "GET", "/authorize").len();
    let ended = matches!(obs.process, super::spawn::ProcessEnd::Exited { .. });
    if attempts <= STEP_UP_BOUND && ended {
        return Ok(Verdict::pass(format!("{attempts} authorization request(s), then the client stopped")));
    }
    Ok(Verdict::violation(
        "the client kept stepping up",
        format!("at most {STEP_UP_BOUND} authorization requests, then an end"),
        format!("{attempts} authorization requests; the client {}; {}", obs.process, describe_all(obs)),
    ))
}
