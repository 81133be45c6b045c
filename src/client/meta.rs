//! Request metadata (`basic/index`, 2026-07-28), client side: every request
//! carries its `_meta` envelope, since there is no handshake to say it once.

use super::{ClientCheck, Observed, Outcome, Scenario, Seen};
use crate::checks::Verdict;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use serde_json::Value;

const META: SpecRef = SpecRef { page: "basic/index", anchor: "meta" };
const PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
const CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
const CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";

pub const CHECKS: &[ClientCheck] = &[
    ClientCheck {
        id: "client/meta/required-fields",
        title: "every request's _meta names its protocol version and client capabilities",
        level: Level::Must,
        revisions: Revisions::since(SpecVersion::V2026_07_28),
        spec: META,
        requirement: "Every request MUST include the required `_meta` fields (`io.modelcontextprotocol/protocolVersion` and `io.modelcontextprotocol/clientCapabilities`: \"A request missing any required field is malformed\").",
        scenarios: &[Scenario::RequestMetadata],
        grade: required_fields,
    },
    ClientCheck {
        id: "client/meta/client-info",
        title: "every request's _meta carries clientInfo",
        level: Level::Should,
        revisions: Revisions::since(SpecVersion::V2026_07_28),
        spec: META,
        requirement: "Clients SHOULD include `io.modelcontextprotocol/clientInfo` on every request unless specifically configured not to do so.",
        scenarios: &[Scenario::RequestMetadata],
        grade: client_info,
    },
    ClientCheck {
        id: "client/meta/version-retry",
        title: "after UnsupportedProtocolVersionError, the request is sent again with a listed version",
        level: Level::Should,
        revisions: Revisions::since(SpecVersion::V2026_07_28),
        spec: SpecRef { page: "basic/versioning", anchor: "protocol-version-negotiation" },
        requirement: "The client SHOULD select a mutually supported version from the `supported` list and retry the request, or surface an error to the user if no compatible version exists.",
        scenarios: &[Scenario::RequestMetadata],
        grade: version_retry,
    },
];

/// The scripted server refuses the scenario's first request other than
/// `server/discover` with this error once, listing the revision it plays.
pub const VERSION_REFUSED: i64 = -32022;

fn version_retry(obs: &Observed) -> Outcome {
    let requests = requests(obs)?;
    let refused = requests.iter().position(|s| {
        s.status == 400
            && s.exchange.response.as_ref().is_some_and(|r| r.body.contains(&VERSION_REFUSED.to_string()))
    });
    let Some(at) = refused else {
        return Err(
            obs.nothing("request the scripted server could refuse with UnsupportedProtocolVersionError")
        );
    };
    let method = requests[at].rpc_method();
    let version = obs.version.as_str();
    let Some(again) = requests[at + 1..].iter().find(|s| s.rpc_method() == method) else {
        return Ok(Verdict::violation(
            format!("the client did not send {} again after -32022", method.unwrap_or("the request")),
            format!("the same request again, with version {version} (the one `supported` lists)"),
            format!(
                "the client {}; after the refusal: {}",
                obs.process,
                requests[at + 1..].iter().map(|s| s.describe()).collect::<Vec<_>>().join(", ")
            ),
        ));
    };
    let header = again.headers.iter().find(|(n, _)| n == "mcp-protocol-version").map(|(_, v)| v.as_str());
    let meta = meta_of(again).and_then(|m| m.get(PROTOCOL_VERSION)).and_then(Value::as_str);
    if header == Some(version) && meta == Some(version) {
        return Ok(Verdict::pass(format!(
            "{} sent again with {version} in the header and _meta",
            again.describe()
        )));
    }
    Ok(Verdict::violation(
        "the retry does not use the version the error listed",
        format!("MCP-Protocol-Version and _meta protocolVersion {version}"),
        format!("header {header:?}, _meta {meta:?}"),
    ))
}

/// The `_meta` of a request's params.
pub fn meta_of(s: &Seen) -> Option<&serde_json::Map<String, Value>> {
    s.messages.first()?.pointer("/params/_meta")?.as_object()
}

fn requests(obs: &Observed) -> Result<Vec<&Seen>, Verdict> {
    let r: Vec<&Seen> = obs.requests().collect();
    if r.is_empty() { Err(obs.nothing("request")) } else { Ok(r) }
}

fn required_fields(obs: &Observed) -> Outcome {
    let requests = requests(obs)?;
    let bad: Vec<String> = requests
        .iter()
        .filter_map(|s| {
            let meta = meta_of(s);
            let mut lacks = Vec::new();
            if !meta.and_then(|m| m.get(PROTOCOL_VERSION)).is_some_and(Value::is_string) {
                lacks.push(PROTOCOL_VERSION);
            }
            if !meta.and_then(|m| m.get(CAPABILITIES)).is_some_and(Value::is_object) {
                lacks.push(CAPABILITIES);
            }
            (!lacks.is_empty()).then(|| format!("{} lacks {}", s.describe(), lacks.join(" and ")))
        })
        .collect();
    if bad.is_empty() {
        return Ok(Verdict::pass(format!("all {} requests carry both fields", requests.len())));
    }
    Ok(Verdict::violation(
        format!("{} of {} requests are malformed", bad.len(), requests.len()),
        format!("params._meta with {PROTOCOL_VERSION} (string) and {CAPABILITIES} (object)"),
        bad.join("; "),
    ))
}

fn client_info(obs: &Observed) -> Outcome {
    let requests = requests(obs)?;
    let named = |s: &&Seen| {
        meta_of(s)
            .and_then(|m| m.get(CLIENT_INFO))
            .is_some_and(|i| i.get("name").is_some_and(Value::is_string))
    };
    let bad: Vec<String> = requests.iter().filter(|s| !named(s)).map(|s| s.describe()).collect();
    if bad.is_empty() {
        return Ok(Verdict::pass(format!("all {} requests carry clientInfo", requests.len())));
    }
    Ok(Verdict::violation(
        format!("{} of {} requests carry no clientInfo", bad.len(), requests.len()),
        format!("params._meta.{CLIENT_INFO} with a name"),
        bad.join("; "),
    ))
}
