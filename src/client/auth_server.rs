//! Authorization (`basic/authorization`), client side: what the client does
//! with the authorization server's own answers. Metadata naming another
//! issuer, an authorization response whose `iss` is wrong, missing or
//! unexpected (RFC 9207), Client ID Metadata Documents, and a bound on
//! step-up attempts. Graded, like [`super::auth`], on the scripted server's
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

fn code_not_redeemed(obs: &Observed) -> Outcome {
    authorizations(obs)?;
    let redeemed = to(obs, "POST", "/token")
        .into_iter()
        .any(|s| s.form(true).get("grant_type").map(String::as_str) == Some("authorization_code"));
    if !redeemed {
        return Ok(Verdict::pass("the code was not redeemed"));
    }
    Ok(Verdict::violation(
        "the client redeemed a code the authorization response's iss disqualifies",
        "no token request for that code",
        "POST /token with grant_type=authorization_code",
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
