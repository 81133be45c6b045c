//! The promise behind every check: the clean reference server passes it on every
//! revision it applies to, and the fault the catalogue names for it makes it
//! fail, with expected and actual in the result.
//!
//! Auth checks run against the authorized server (and the test authorization
//! server) with mcpcheck's own tokens; on the plain server they skip, since it
//! needs no authorization.

use mcpcheck::checks;
use mcpcheck::oauth::embedded;
use mcpcheck::report::model::{CheckResult, Report, Status};
use mcpcheck::runner::{self, Revision, RunOptions};
use mcpcheck::spec::{Level, SpecVersion};
use mcpcheck::target::{self, TargetSpec};
use mcpcheck::wire::Limits;
use reference_servers::{CATALOGUE, FaultSet, Server};
use std::time::Duration;

fn limits() -> Limits {
    Limits { timeout: Duration::from_secs(10), ..Limits::default() }
}

async fn run_embedded(faults: Vec<String>, version: SpecVersion, only: Vec<String>) -> Report {
    let running =
        target::start(&TargetSpec::Embedded(faults), vec![], limits()).await.expect("embedded server starts");
    let opts = RunOptions { only, ..RunOptions::default() };
    runner::run(&running.endpoint, Revision { version, forced: true }, &opts).await
}

async fn run_authorized(faults: Vec<String>, version: SpecVersion, only: Vec<String>) -> Report {
    let set = FaultSet::parse(&faults).expect("known faults");
    let target = embedded::start(set, limits()).await.expect("authorized servers start");
    let opts = RunOptions { only, auth: Some(target.material.clone()), ..RunOptions::default() };
    runner::run(&target.endpoint, Revision { version, forced: true }, &opts).await
}

fn describe(r: &CheckResult) -> String {
    format!("{} {}: {} (expected {:?}, actual {:?})", r.status, r.id, r.message, r.expected, r.actual)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_server_passes_every_check_on_every_revision() {
    for version in SpecVersion::ALL {
        let report = run_embedded(vec![], version, vec![]).await;
        for r in &report.checks {
            let check = checks::all().into_iter().find(|c| c.id == r.id).expect("known check");
            let applies = check.revisions.contains(version) && check.area() != "auth";
            let expected = if applies { Status::Pass } else { Status::Skip };
            assert_eq!(r.status, expected, "on {version}: {}", describe(r));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_authorized_server_passes_every_check_on_every_revision() {
    for version in SpecVersion::ALL {
        let report = run_authorized(vec![], version, vec![]).await;
        for r in &report.checks {
            let check = checks::all().into_iter().find(|c| c.id == r.id).expect("known check");
            let expected = if check.revisions.contains(version) { Status::Pass } else { Status::Skip };
            assert_eq!(r.status, expected, "authorized on {version}: {}", describe(r));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_check_has_a_fault_that_fails_it() {
    for check in checks::all() {
        let faults: Vec<_> = CATALOGUE.iter().filter(|f| f.breaks.contains(&check.id)).collect();
        assert!(!faults.is_empty(), "{} has no fault in the reference servers' catalogue", check.id);
        // The newest revision the check applies to.
        let version = check.revisions.iter().last().expect("a check applies to some revision");
        for fault in faults {
            let (faults, only) = (vec![fault.name.to_string()], vec![check.id.to_string()]);
            let report = match fault.server {
                Server::Plain => run_embedded(faults, version, only).await,
                Server::Authorized | Server::AuthServer => run_authorized(faults, version, only).await,
            };
            let r = report.checks.iter().find(|r| r.id == check.id).expect("the check ran");
            let graded = match check.level {
                Level::Must => Status::Fail,
                Level::Should => Status::Warn,
                Level::May => Status::Info,
            };
            assert_eq!(r.status, graded, "fault {} on {version}: {}", fault.name, describe(r));
            assert!(r.expected.is_some() && r.actual.is_some(), "{} carries no expected/actual", check.id);
            assert!(!r.exchanges.is_empty(), "{} recorded no exchange", check.id);
        }
    }
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
