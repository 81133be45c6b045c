//! The SARIF 2.1.0 writer, so GitHub code scanning (or any SARIF consumer)
//! shows the checks a server fails as alerts: opened by the run that finds a
//! violation, closed by the first run that no longer does. The JSON is built
//! from `serde-sarif`'s types, generated from the OASIS schema, never by hand.
//!
//! Mapping: one run; one rule per check id in the report (its title, the
//! requirement it enforces, a link to the page of the newest revision it ran
//! on); one result per `fail`, `warn` and `error` on each revision. A `fail`
//! is level `error`; a `warn` (a missed SHOULD) is `warning`, or `error` under
//! `strict`, as the gate counts it; a harness `error` is level `error` too (the
//! gate fails on it) with `harnessTrouble: true` in its properties, so it can
//! be told from a violation by the server. `pass`, `info` and `skip` give no
//! result: code scanning closes an alert whose result no longer appears.
//!
//! Where a result is. Code scanning takes a result only with a physical
//! location whose `artifactLocation.uri` reads as a path: an upload with a
//! logical-only result, or with a URI that has a scheme (`http://…`:
//! "SARIF URI scheme did not match the checkout URI scheme file"), is refused
//! whole. Scanners of things that are not files do as this writer does:
//! container scanners give the image name as a relative path, and web
//! scanners' uploads give the page's host and path without the scheme. So a
//! result is located at the target as a relative path: host and path for a URL
//! (`127.0.0.1/mcp`, a port as `_8443` because a colon cannot open a relative
//! URI, and no port on loopback, where the embedded server and most CI
//! servers take a new one each run), `stdio/<command, percent-encoded>` for a
//! command; line 1, as GitHub's documentation asks for a start line. The
//! target as given is the location's message and a result property.
//!
//! Alerts are told apart and followed across runs by
//! `partialFingerprints.primaryLocationLineHash`, the key code scanning
//! matches on (upload-sarif would otherwise try to hash a line of a file that
//! does not exist): a hash of check id, revision and location, so the same
//! check on two revisions is two alerts and a rerun finds the same ones.

use super::model::{CheckResult, Report, Status};
use super::text::{CAP_CHARS, cap};
use crate::spec::Level;
use serde_json::{Value, json};
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, Message, MultiformatMessageString, PhysicalLocation, PropertyBag,
    Region, ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultLevel, Run, SCHEMA_URL,
    Sarif, Tool, ToolComponent,
};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The report as a SARIF 2.1.0 log. Under `strict`, `warn` results are errors.
pub fn to_sarif(report: &Report, strict: bool) -> String {
    let ids = report.check_ids();
    let rules: Vec<ReportingDescriptor> = ids.iter().map(|id| rule(report, id, strict)).collect();
    let place = location_uri(&report.target);
    let results: Vec<SarifResult> = report
        .checks
        .iter()
        .filter_map(|c| {
            let index = ids.iter().position(|id| *id == c.id)?;
            result(c, index, &place, &report.target, strict)
        })
        .collect();
    let driver = ToolComponent::builder()
        .name(report.tool.name.as_str())
        .full_name(format!("{} (Model Context Protocol conformance)", report.tool.name))
        .version(report.tool.version.as_str())
        .semantic_version(report.tool.version.as_str())
        .rules(rules)
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .invocations(vec![invocation(report, strict)])
        .results(results)
        .build();
    let log = Sarif::builder().schema(SCHEMA_URL).version("2.1.0").runs(vec![run]).build();
    // The log holds only strings, numbers and string-keyed maps, so
    // serializing it cannot fail; a panic here is a bug in this writer.
    let mut out = serde_json::to_string_pretty(&log).expect("a SARIF log serializes");
    out.push('\n');
    out
}

fn rule(report: &Report, id: &str, strict: bool) -> ReportingDescriptor {
    // The newest revision's result speaks for the check (dates sort as text).
    let newest = report.checks.iter().filter(|c| c.id == id).max_by(|a, b| a.revision.cmp(&b.revision));
    let Some(check) = newest else {
        return ReportingDescriptor::builder().id(id).build();
    };
    let requirement = if check.requirement.is_empty() { &check.title } else { &check.requirement };
    let link = crate::spec::url_of_ref(&check.spec_ref);
    let mut help = requirement.clone();
    if !check.spec_ref.is_empty() {
        help.push_str(&format!("\n\nSpecification: {}", link.as_deref().unwrap_or(&check.spec_ref)));
    }
    let revisions: Vec<&str> =
        report.checks.iter().filter(|c| c.id == id).map(|c| c.revision.as_str()).collect();
    let props = BTreeMap::from([
        ("level".to_string(), json!(check.level.as_str())),
        // A verdict on traffic the server really sent, not a heuristic.
        ("precision".to_string(), json!("very-high")),
        ("revisions".to_string(), json!(revisions)),
    ]);
    let tags = vec!["mcp".to_string(), check.area().to_string(), check.level.as_str().to_string()];
    let level = json!(default_level(check.level, strict));
    let mut descriptor = ReportingDescriptor::builder()
        .id(id)
        .name(pascal_case(id))
        .short_description(text(&check.title))
        .full_description(text(requirement))
        .help(text(&help))
        .default_configuration(ReportingConfiguration::builder().level(level).build())
        .properties(PropertyBag::builder().tags(tags).additional_properties(props).build())
        .build();
    descriptor.help_uri = link;
    descriptor
}

fn default_level(level: Level, strict: bool) -> &'static str {
    match level {
        Level::Must => "error",
        Level::Should if strict => "error",
        Level::Should => "warning",
        Level::May => "note",
    }
}

fn result(
    check: &CheckResult,
    rule_index: usize,
    place: &str,
    target: &str,
    strict: bool,
) -> Option<SarifResult> {
    let level = match check.status {
        Status::Fail | Status::Error => ResultLevel::Error,
        Status::Warn if strict => ResultLevel::Error,
        Status::Warn => ResultLevel::Warning,
        Status::Pass | Status::Info | Status::Skip => return None,
    };
    let mut props = BTreeMap::from([
        ("revision".to_string(), json!(check.revision)),
        ("status".to_string(), json!(check.status.as_str())),
        ("target".to_string(), json!(target)),
    ]);
    let mut tags = vec![check.revision.clone()];
    if check.status == Status::Error {
        props.insert("harnessTrouble".into(), Value::Bool(true));
        tags.push("harness-trouble".into());
    }
    let location = Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(ArtifactLocation::builder().uri(place).build())
                .region(Region::builder().start_line(1).build())
                .build(),
        )
        .message(Message::from(target))
        .build();
    let fingerprint = BTreeMap::from([("primaryLocationLineHash".to_string(), fingerprint(check, place))]);
    let mut result = SarifResult::builder()
        .rule_id(check.id.as_str())
        .level(level)
        .message(Message::from(message(check).as_str()))
        .locations(vec![location])
        .partial_fingerprints(fingerprint)
        .properties(PropertyBag::builder().tags(tags).additional_properties(props).build())
        .build();
    result.rule_index = i64::try_from(rule_index).ok();
    Some(result)
}

/// What the alert says: the finding, what was expected and seen (capped, as
/// in the other human-facing writers), and the revision it was seen on.
fn message(check: &CheckResult) -> String {
    let mut out = match check.status {
        Status::Error => format!("mcpcheck could not evaluate this check: {}", check.message),
        _ => check.message.clone(),
    };
    if let Some(expected) = &check.expected {
        out.push_str(&format!("\nexpected: {}", cap(expected, CAP_CHARS)));
    }
    if let Some(actual) = &check.actual {
        out.push_str(&format!("\nactual: {}", cap(actual, CAP_CHARS)));
    }
    out.push_str(&format!("\nrevision: {}", check.revision));
    if !check.spec_ref.is_empty() {
        out.push_str(&format!("\nspec: {}", check.spec_ref));
    }
    out
}

/// Stable across runs for one check, revision and target; 128 bits of SHA-256.
fn fingerprint(check: &CheckResult, place: &str) -> String {
    let digest = Sha256::digest(format!("{}\0{}\0{place}", check.id, check.revision).as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// The target as a relative path code scanning accepts (see the module doc).
fn location_uri(target: &str) -> String {
    if let Some(command) = target.strip_prefix("stdio: ") {
        return format!("stdio/{}", percent_encoded(command.trim()));
    }
    let Some(url) = url::Url::parse(target).ok().filter(|u| u.scheme() == "http" || u.scheme() == "https")
    else {
        return format!("target/{}", percent_encoded(target));
    };
    let host = url.host_str().unwrap_or("");
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
        None => false,
    };
    let port = match url.port() {
        Some(port) if !loopback => format!("_{port}"),
        _ => String::new(),
    };
    // The path is already percent-encoded by the URL parser; the query and
    // any user info are left out (they are not where the server is).
    format!("{}{port}{}", percent_encoded(host), url.path())
}

/// Every byte but RFC 3986's unreserved characters as `%XX`.
fn percent_encoded(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `http/session/unknown-is-404` as `HttpSessionUnknownIs404`.
fn pascal_case(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .flat_map(|word| {
            let mut chars = word.chars();
            chars.next().map(|first| first.to_ascii_uppercase()).into_iter().chain(chars)
        })
        .collect()
}

fn text(s: &str) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(s).build()
}

/// The run itself: when, whether every check could be evaluated (a harness
/// `error` means one could not), and how each revision was chosen.
fn invocation(report: &Report, strict: bool) -> Invocation {
    let revisions: Vec<Value> = report
        .revisions
        .iter()
        .map(|r| {
            json!({"revision": r.revision, "selection": r.selection.as_str(), "tested": r.tested(), "detail": r.detail})
        })
        .collect();
    let props = BTreeMap::from([
        ("revisions".to_string(), Value::Array(revisions)),
        ("strict".to_string(), Value::Bool(strict)),
        ("target".to_string(), json!(report.target)),
    ]);
    let successful = !report.checks.iter().any(|c| c.status == Status::Error);
    let mut invocation = Invocation::builder()
        .execution_successful(successful)
        .properties(PropertyBag::builder().additional_properties(props).build())
        .build();
    // A saved report's times are untrusted text: SARIF gets an RFC 3339 UTC
    // time or none, and a duration past the calendar gives no end.
    if let Ok(start) = chrono::DateTime::parse_from_rfc3339(&report.started_at) {
        let utc = |t: chrono::DateTime<chrono::FixedOffset>| {
            t.to_utc().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
        };
        let end = i64::try_from(report.duration_ms)
            .ok()
            .and_then(chrono::TimeDelta::try_milliseconds)
            .and_then(|d| start.checked_add_signed(d));
        invocation.start_time_utc = Some(utc(start));
        invocation.end_time_utc = end.map(utc);
    }
    invocation
}

#[cfg(test)]
#[path = "sarif_tests.rs"]
mod tests;
