//! The promise behind every check: the clean reference server passes it on every
//! revision and transport it applies to, and each fault in the catalogue makes
//! exactly the checks it names fail (with expected, actual and exchanges), and
//! no other check.
//!
//! Auth checks run against the authorized server (and the test authorization
//! server) with mcpcheck's own tokens; on the plain server they skip, since it
//! needs no authorization.

use mcpcheck::checks::{self, Check, Transports};
use mcpcheck::oauth::embedded;
use mcpcheck::report::model::{CheckResult, Report, Status};
use mcpcheck::runner::{self, Plan, RunOptions};
use mcpcheck::spec::SpecVersion;
use mcpcheck::target::{self, TargetSpec};
use mcpcheck::wire::Limits;
use reference_servers::{CATALOGUE, FaultSet, FaultSpec, Server};
use std::collections::BTreeSet;
use std::time::Duration;

fn limits() -> Limits {
    Limits { timeout: Duration::from_secs(10), ..Limits::default() }
}

/// `mcpcheck serve plain --stdio` with these faults, as a stdio target.
fn stdio_target(faults: &[&str]) -> TargetSpec {
    let mut cmd = format!("{} serve plain --stdio", env!("CARGO_BIN_EXE_mcpcheck"));
    for f in faults {
        cmd.push_str(&format!(" --fault {f}"));
    }
    TargetSpec::Stdio(cmd)
}

async fn run(target: TargetSpec, version: SpecVersion) -> Report {
    let running = target::start(&target, vec![], limits()).await.expect("target starts");
    let opts = RunOptions::default();
    runner::run(&running.endpoint, &Plan::forced(&[version]), &opts).await
}

/// `serve authorized` and the test authorization server, in-process, with
/// mcpcheck holding the keys to mint every kind of token.
async fn run_authorized(faults: &[&str], version: SpecVersion) -> Report {
    let names: Vec<String> = faults.iter().map(|f| f.to_string()).collect();
    let set = FaultSet::parse(&names).expect("known faults");
    let target = embedded::start(set, limits()).await.expect("authorized servers start");
    let opts = RunOptions { auth: Some(target.material.clone()), ..RunOptions::default() };
    runner::run(&target.endpoint, &Plan::forced(&[version]), &opts).await
}

fn describe(r: &CheckResult) -> String {
    format!("{} {}: {} (expected {:?}, actual {:?})", r.status, r.id, r.message, r.expected, r.actual)
}

fn check(id: &str) -> &'static Check {
    checks::all().into_iter().find(|c| c.id == id).expect("known check")
}

/// Faults that take the whole server down for mcpcheck (every request it
/// authorizes is refused): they must fail their checks, and fail others too.
const GLOBAL_FAULTS: &[&str] = &["reject-all-tokens"];

fn graded_violation(status: Status) -> bool {
    matches!(status, Status::Fail | Status::Warn)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_authorized_server_passes_every_check_on_every_revision() {
    for version in SpecVersion::ALL {
        let report = run_authorized(&[], version).await;
        for r in &report.checks {
            assert!(
                matches!(r.status, Status::Pass | Status::Skip),
                "authorized on {version}: {}",
                describe(r)
            );
            let c = check(&r.id);
            if c.area() == "auth" && c.revisions.contains(version) {
                assert_eq!(r.status, Status::Pass, "authorized on {version}: {}", describe(r));
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_server_passes_every_check_on_every_revision_and_transport() {
    for version in SpecVersion::ALL {
        for target in [TargetSpec::Embedded(vec![]), stdio_target(&[])] {
            let report = run(target.clone(), version).await;
            for r in &report.checks {
                let c = check(&r.id);
                // Checks that find nothing to test (a feature the server does not
                // have) skip; everything else that applies must pass.
                assert!(
                    matches!(r.status, Status::Pass | Status::Skip),
                    "{target:?} on {version}: {}",
                    describe(r)
                );
                if !c.revisions.contains(version) {
                    assert_eq!(r.status, Status::Skip, "{}", describe(r));
                }
            }
        }
    }
}

/// Where a fault is exercised: the newest revision its first check applies
/// to, over the transport that check needs (the other checks it names are
/// those that also catch it there); a fault the stdio server commits too
/// (the handler's and the shim's) is also exercised over stdio when that
/// check runs on both transports.
fn settings(spec: &FaultSpec) -> BTreeSet<(SpecVersion, bool)> {
    let mut out = BTreeSet::new();
    for id in spec.breaks.iter().take(1) {
        let c = check(id);
        let version = c.revisions.iter().last().expect("some revision");
        out.insert((version, c.transports == Transports::StdioOnly));
        if c.transports == Transports::Any && spec.server == Server::Plain && spec.fault.on_stdio() {
            out.insert((version, true));
        }
    }
    out
}

/// Whether a check runs over the transport of a setting.
fn runs_over(c: &Check, stdio: bool) -> bool {
    match c.transports {
        Transports::Any => true,
        Transports::StdioOnly => stdio,
        Transports::HttpOnly => !stdio,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_fault_fails_exactly_the_checks_it_names() {
    for check in checks::all() {
        assert!(
            CATALOGUE.iter().any(|f| f.breaks.contains(&check.id)),
            "{} has no fault in the reference servers' catalogue",
            check.id
        );
    }
    let mut problems = Vec::new();
    for spec in CATALOGUE {
        for (version, stdio) in settings(spec) {
            let report = match spec.server {
                Server::Authorized | Server::AuthServer => run_authorized(&[spec.name], version).await,
                Server::Plain if stdio => run(stdio_target(&[spec.name]), version).await,
                Server::Plain => run(TargetSpec::Embedded(vec![spec.name.into()]), version).await,
            };
            let failed: BTreeSet<&str> =
                report.checks.iter().filter(|r| graded_violation(r.status)).map(|r| r.id.as_str()).collect();
            let expected: BTreeSet<&str> = spec
                .breaks
                .iter()
                .copied()
                .filter(|id| {
                    let c = check(id);
                    c.revisions.contains(version) && runs_over(c, stdio)
                })
                .collect();
            // A MAY check is graded info, not fail.
            let (may, expected): (BTreeSet<&str>, BTreeSet<&str>) =
                expected.into_iter().partition(|id| check(id).level == mcpcheck::spec::Level::May);
            for id in &may {
                let status = report.checks.iter().find(|r| r.id == *id).map(|r| r.status);
                if status != Some(Status::Info) {
                    problems.push(format!(
                        "fault {} on {version}{}: {id} is {status:?}, not info",
                        spec.name,
                        if stdio { " (stdio)" } else { "" }
                    ));
                }
            }
            let global = GLOBAL_FAULTS.contains(&spec.name);
            if (global && !expected.is_subset(&failed)) || (!global && failed != expected) {
                problems.push(format!(
                    "fault {} on {version}{}: failed {failed:?}, expected {expected:?}",
                    spec.name,
                    if stdio { " (stdio)" } else { "" }
                ));
            }
            for r in report
                .checks
                .iter()
                .filter(|r| expected.contains(r.id.as_str()) || may.contains(r.id.as_str()))
            {
                if r.expected.is_none() || r.actual.is_none() || r.exchanges.is_empty() {
                    problems.push(format!("fault {}: {} lacks expected/actual/exchanges", spec.name, r.id));
                }
            }
            let errors: Vec<String> =
                report.checks.iter().filter(|r| r.status == Status::Error).map(describe).collect();
            if !errors.is_empty() {
                problems.push(format!(
                    "fault {} on {version}{}: errors {errors:?}",
                    spec.name,
                    if stdio { " (stdio)" } else { "" }
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_fault_names_known_checks() {
    let ids: Vec<&str> = checks::all().iter().map(|c| c.id).collect();
    for f in CATALOGUE {
        for id in f.breaks {
            assert!(ids.contains(id), "fault {} names unknown check {id}", f.name);
        }
    }
}
