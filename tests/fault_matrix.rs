//! The promise behind every check: the clean reference server passes it on every
//! revision it applies to, and the fault the catalogue names for it makes it
//! fail, with expected and actual in the result.

use mcpcheck::checks;
use mcpcheck::report::model::{CheckResult, Report, Status};
use mcpcheck::runner::{self, Revision, RunOptions};
use mcpcheck::spec::{Level, SpecVersion};
use mcpcheck::target::{self, TargetSpec};
use mcpcheck::wire::Limits;
use reference_servers::CATALOGUE;
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

fn describe(r: &CheckResult) -> String {
    format!("{} {}: {} (expected {:?}, actual {:?})", r.status, r.id, r.message, r.expected, r.actual)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_server_passes_every_check_on_every_revision() {
    for version in SpecVersion::ALL {
        let report = run_embedded(vec![], version, vec![]).await;
        for r in &report.checks {
            let check = checks::all().into_iter().find(|c| c.id == r.id).expect("known check");
            let applies = check.revisions.contains(version);
            let expected = if applies { Status::Pass } else { Status::Skip };
            assert_eq!(r.status, expected, "on {version}: {}", describe(r));
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
            let report =
                run_embedded(vec![fault.name.to_string()], version, vec![check.id.to_string()]).await;
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
