//! The promise behind every check: the clean reference server passes it on every
//! revision and transport it applies to, and each fault in the catalogue makes
//! exactly the checks it names fail (with expected, actual and exchanges), and
//! no other check, on every revision those checks apply to. A fault's run
//! covers all those revisions at once, as a default run would.
//!
//! Auth checks run against the authorized server (and the test authorization
//! server) with mcpcheck's own tokens; on the plain server they skip, since it
//! needs no authorization.

use futures::StreamExt;
use mcpcheck::checks::{self, Check, Transports};
use mcpcheck::oauth::embedded;
use mcpcheck::report::model::{CheckResult, Report, Status};
use mcpcheck::runner::{self, Plan, RunOptions};
use mcpcheck::spec::SpecVersion;
use mcpcheck::target::{self, TargetSpec};
use mcpcheck::wire::Limits;
use reference_servers::{CATALOGUE, FaultSet, FaultSpec, Server};
use std::collections::{BTreeMap, BTreeSet};
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

/// A run of the plain server; `robustness` adds the opt-in robustness checks
/// (they take seconds, so only the runs that judge them have them).
async fn run(target: TargetSpec, versions: &[SpecVersion], robustness: bool) -> Report {
    let running = target::start(&target, vec![], limits()).await.expect("target starts");
    let opts = RunOptions { robustness, ..RunOptions::default() };
    runner::run(&running.endpoint, &Plan::forced(versions), &opts).await
}

/// `serve authorized` and the test authorization server, in-process, with
/// mcpcheck holding the keys to mint every kind of token.
async fn run_authorized(faults: &[&str], versions: &[SpecVersion]) -> Report {
    let names: Vec<String> = faults.iter().map(|f| f.to_string()).collect();
    let set = FaultSet::parse(&names).expect("known faults");
    let target = embedded::start(set, limits()).await.expect("authorized servers start");
    let opts = RunOptions { auth: Some(target.material.clone()), ..RunOptions::default() };
    runner::run(&target.endpoint, &Plan::forced(versions), &opts).await
}

fn describe(r: &CheckResult) -> String {
    format!("{} {}: {} (expected {:?}, actual {:?})", r.status, r.id, r.message, r.expected, r.actual)
}

fn check(id: &str) -> &'static Check {
    checks::all().into_iter().find(|c| c.id == id).expect("known check")
}

/// Faults that take the whole server (or a whole revision) down for mcpcheck:
/// every request it authorizes is refused, 2026-07-28 has no
/// `server/discover` to learn capabilities from, one slow client's body
/// holds up every other request while it dribbles, or a full session table
/// fails every client's handshake. They must fail their
/// checks, and fail others too.
const GLOBAL_FAULTS: &[&str] = &[
    "reject-all-tokens",
    "discover-unavailable",
    "robustness-slow-body-blocks",
    "robustness-session-cap-500",
];

fn graded_violation(status: Status) -> bool {
    matches!(status, Status::Fail | Status::Warn)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_authorized_server_passes_every_check_on_every_revision() {
    let report = run_authorized(&[], &SpecVersion::ALL).await;
    for version in SpecVersion::ALL {
        for r in report.checks.iter().filter(|r| r.revision == version.as_str()) {
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
    for target in [TargetSpec::Embedded(vec![]), stdio_target(&[])] {
        let report = run(target.clone(), &SpecVersion::ALL, true).await;
        for version in SpecVersion::ALL {
            let mine: Vec<_> = report.checks.iter().filter(|r| r.revision == version.as_str()).collect();
            for r in &mine {
                // Checks that find nothing to test (a feature the server does not
                // have) skip; everything else that applies must pass.
                assert!(
                    matches!(r.status, Status::Pass | Status::Skip),
                    "{target:?} on {version}: {}",
                    describe(r)
                );
            }
            // Every check that applies to the revision has a result there, and
            // none that does not.
            let expected: BTreeSet<&str> =
                checks::all().iter().filter(|c| c.revisions.contains(version)).map(|c| c.id).collect();
            let got: BTreeSet<&str> = mine.iter().map(|r| r.id.as_str()).collect();
            assert_eq!(got, expected, "{target:?} on {version}");
        }
    }
}

/// Where a fault is exercised: every revision one of its checks applies to,
/// over the transport those checks need (HTTP, or stdio for stdio-only
/// checks); a fault the stdio server commits too (the handler's and the
/// shim's) is also exercised over stdio when one of its checks runs on both
/// transports. One run per transport covers all of its revisions.
fn settings(spec: &FaultSpec) -> BTreeMap<bool, BTreeSet<SpecVersion>> {
    let mut out: BTreeMap<bool, BTreeSet<SpecVersion>> = BTreeMap::new();
    for id in spec.breaks {
        let c = check(id);
        let versions: Vec<SpecVersion> = c.revisions.iter().filter(|v| spec.shows_on(v.as_str())).collect();
        out.entry(c.transports == Transports::StdioOnly).or_default().extend(&versions);
        if c.transports == Transports::Any && spec.server == Server::Plain && spec.fault.on_stdio() {
            out.entry(true).or_default().extend(&versions);
        }
    }
    out.retain(|_, v| !v.is_empty());
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

/// What is wrong with one fault's run on one transport, if anything.
async fn judge_fault(spec: &'static FaultSpec, stdio: bool, versions: Vec<SpecVersion>) -> Vec<String> {
    let report = match spec.server {
        Server::Authorized | Server::AuthServer => run_authorized(&[spec.name], &versions).await,
        Server::Plain if stdio => run(stdio_target(&[spec.name]), &versions, false).await,
        Server::Plain => {
            let robustness = spec.breaks.iter().any(|id| id.starts_with(checks::robustness::AREA));
            run(TargetSpec::Embedded(vec![spec.name.into()]), &versions, robustness).await
        }
    };
    let mut problems = Vec::new();
    let over = if stdio { " (stdio)" } else { "" };
    for version in versions {
        let mine: Vec<&CheckResult> =
            report.checks.iter().filter(|r| r.revision == version.as_str()).collect();
        let failed: BTreeSet<&str> =
            mine.iter().filter(|r| graded_violation(r.status)).map(|r| r.id.as_str()).collect();
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
            let status = mine.iter().find(|r| r.id == *id).map(|r| r.status);
            if status != Some(Status::Info) {
                problems
                    .push(format!("fault {} on {version}{over}: {id} is {status:?}, not info", spec.name));
            }
        }
        let global = GLOBAL_FAULTS.contains(&spec.name);
        if (global && !expected.is_subset(&failed)) || (!global && failed != expected) {
            problems.push(format!(
                "fault {} on {version}{over}: failed {failed:?}, expected {expected:?}",
                spec.name
            ));
        }
        for r in mine.iter().filter(|r| expected.contains(r.id.as_str()) || may.contains(r.id.as_str())) {
            if r.expected.is_none() || r.actual.is_none() || r.exchanges.is_empty() {
                problems.push(format!(
                    "fault {} on {version}: {} lacks expected/actual/exchanges",
                    spec.name, r.id
                ));
            }
        }
        let errors: Vec<String> =
            mine.iter().filter(|r| r.status == Status::Error).map(|r| describe(r)).collect();
        // A fault that takes everything down leaves checks unable to observe.
        if !errors.is_empty() && !global {
            problems.push(format!("fault {} on {version}{over}: errors {errors:?}", spec.name));
        }
    }
    problems
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
    let jobs: Vec<(&'static FaultSpec, bool, Vec<SpecVersion>)> = CATALOGUE
        .iter()
        .flat_map(|spec| {
            settings(spec).into_iter().map(move |(stdio, v)| (spec, stdio, v.into_iter().collect()))
        })
        .collect();
    // A few faults at a time: each run is bounded by its own timeouts, and
    // the servers are separate (a fault's server serves only its run).
    let problems: Vec<String> = futures::stream::iter(jobs)
        .map(|(spec, stdio, versions)| judge_fault(spec, stdio, versions))
        .buffer_unordered(4)
        .collect::<Vec<Vec<String>>>()
        .await
        .into_iter()
        .flatten()
        .collect();
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
