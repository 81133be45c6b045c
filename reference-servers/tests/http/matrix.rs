//! The fault matrix: the clean server passes every check; each catalogue
//! fault fails exactly the checks it lists in `breaks` (so mcpcheck can
//! trust a failure to mean that one violation), and the failure shows the
//! deviation the catalogue describes.
//!
//! Only the plain server's faults: those of the authorized server and the test
//! authorization server are proven by mcpcheck's own fault matrix
//! (tests/fault_matrix.rs), which runs the auth checks against them.

use std::collections::BTreeSet;

use reference_servers::{CATALOGUE, Fault, FaultSet, FaultSpec, Server as Kind};

use crate::{
    client::Server,
    probes::{CHECKS, probe},
};

/// What the failing probe must report for each fault: the deviation itself.
const DEVIATION: &[(Fault, &str)] = &[
    (Fault::InitNoServerInfo, "serverInfo missing"),
    (Fault::InitVersionDowngrade, "got \"2025-03-26\""),
    (Fault::InitEchoUnsupported, "with \"1999-01-01\""),
    (Fault::Notification200, "200 \"{}\""),
    (Fault::PingNonEmpty, "\"status\":\"ok\""),
    (Fault::StringIdRewritten, "\"id\":\"mcpcheck-id-1-x\""),
    (Fault::MethodNotFoundCode, "code -32600"),
    (Fault::ParseError200, "status 200"),
    (Fault::AcceptBatch, "batch answered 200 ["),
    (Fault::SessionIdNotVisible, "session id \"s "),
    (Fault::MissingSessionNot400, "status 404"),
    (Fault::UnknownSession400, "status 400"),
    (Fault::DeleteIgnored, "ping after DELETE: 200"),
    (Fault::VersionHeaderIgnored, "status 200"),
    (Fault::ContentTypeTextPlain, "content-type \"text/plain\""),
    (Fault::DiscoverNoVersions, "supportedVersions in"),
];

#[tokio::test]
async fn clean_server_passes_every_check() {
    let server = Server::clean().await;
    for check in CHECKS {
        assert_eq!(probe(check, &server).await, Ok(()), "{check}");
    }
}

fn plain_faults() -> impl Iterator<Item = &'static FaultSpec> {
    CATALOGUE.iter().filter(|s| s.server == Kind::Plain)
}

#[test]
fn every_catalogued_check_has_a_probe_and_every_fault_a_deviation() {
    for spec in plain_faults() {
        for check in spec.breaks {
            assert!(CHECKS.contains(check), "{} breaks unknown {check}", spec.name);
        }
        assert!(DEVIATION.iter().any(|(f, _)| *f == spec.fault), "{}", spec.name);
    }
}

#[tokio::test]
async fn each_fault_breaks_exactly_its_checks() {
    let mut problems = Vec::new();
    for spec in plain_faults() {
        let server = Server::start(FaultSet::from(spec.fault)).await;
        let mut failed = BTreeSet::new();
        for check in CHECKS {
            if let Err(why) = probe(check, &server).await {
                if spec.breaks.contains(check) {
                    let (_, expected) =
                        DEVIATION.iter().find(|(f, _)| *f == spec.fault).copied().unwrap_or((spec.fault, ""));
                    if !why.contains(expected) {
                        problems.push(format!(
                            "{}: {check} failed with {why:?}, expected {expected:?}",
                            spec.name
                        ));
                    }
                }
                failed.insert(*check);
            }
        }
        let expected: BTreeSet<&str> = spec.breaks.iter().copied().collect();
        if failed != expected {
            problems.push(format!("{}: failed {failed:?}, expected {expected:?}", spec.name));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
