//! `mcpcheck client` end to end: the reference client passes every scenario
//! on every revision; each reference-client fault fails exactly the checks
//! it declares (the client fault matrix); a client that does nothing, or
//! hangs, gets no pass.

use mcpcheck::client::spawn::ClientCommand;
use mcpcheck::refclient::faults::CATALOGUE;
use mcpcheck::report::model::{Report, Status};
use mcpcheck::runner::client::{ClientRunOptions, run};
use std::collections::BTreeSet;
use std::time::Duration;

fn reference(faults: &[&str]) -> ClientCommand {
    let mut args = vec!["reference-client".to_string()];
    for f in faults {
        args.extend(["--fault".to_string(), f.to_string()]);
    }
    ClientCommand { program: env!("CARGO_BIN_EXE_mcpcheck").into(), args, env: vec![] }
}

fn not_passed(r: &Report) -> BTreeSet<String> {
    r.checks
        .iter()
        .filter(|c| !matches!(c.status, Status::Pass | Status::Skip))
        .map(|c| c.id.clone())
        .collect()
}

fn show(r: &Report) -> String {
    r.checks
        .iter()
        .filter(|c| c.status != Status::Pass)
        .map(|c| format!("{} {} {}: {}", c.revision, c.id, c.status, c.message))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn the_reference_client_passes_every_scenario_on_every_revision() {
    let report = run(&reference(&[]), &ClientRunOptions::default()).await;
    assert!(report.checks.iter().all(|c| c.status == Status::Pass), "{}", show(&report));
    let ids: BTreeSet<&str> = report.checks.iter().map(|c| c.id.as_str()).collect();
    for c in mcpcheck::client::all() {
        assert!(ids.contains(c.id), "{} was not graded", c.id);
    }
    for rev in &report.revisions {
        assert!(rev.summary.pass > 0, "{} had no result", rev.revision);
    }
    // The evidence is there: every result carries the exchanges behind it.
    assert!(report.checks.iter().all(|c| !c.exchanges.is_empty()));
}

#[tokio::test]
async fn every_reference_client_fault_fails_exactly_its_checks() {
    let opts = ClientRunOptions { concurrency: 6, ..ClientRunOptions::default() };
    let mut problems = Vec::new();
    for spec in CATALOGUE {
        let report = run(&reference(&[spec.name]), &opts).await;
        let broken = not_passed(&report);
        for want in spec.breaks {
            if !broken.contains(*want) {
                problems.push(format!("{}: {want} still passes everywhere", spec.name));
            }
        }
        for got in &broken {
            // A faulty client may fail to finish its scenario; that result
            // is the run's, not a check's.
            if !got.starts_with("client/run/") && !spec.breaks.contains(&got.as_str()) {
                problems.push(format!("{}: undeclared break of {got}\n{}", spec.name, show(&report)));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test]
async fn a_client_that_sends_nothing_gets_no_pass() {
    let cmd = ClientCommand { program: "true".into(), args: vec![], env: vec![] };
    let report = run(&cmd, &ClientRunOptions::default()).await;
    assert!(!report.checks.is_empty());
    let passed: Vec<&str> = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Pass && !c.id.starts_with("client/run/"))
        .map(|c| c.id.as_str())
        .collect();
    assert!(passed.is_empty(), "passed with no traffic: {passed:?}");
    assert!(
        report.checks.iter().filter(|c| !c.id.starts_with("client/run/")).all(|c| c.status == Status::Error),
        "{}",
        show(&report)
    );
}

#[tokio::test]
async fn a_client_that_hangs_is_killed_at_the_bound_and_errors() {
    let cmd = ClientCommand {
        program: "sh".into(),
        args: vec!["-c".into(), "exec sleep 60".into(), "sh".into()],
        env: vec![],
    };
    let opts = ClientRunOptions {
        client_timeout: Duration::from_millis(500),
        only: vec!["client/run/tools-call".into()],
        revisions: vec![mcpcheck::spec::SpecVersion::V2025_11_25],
        ..ClientRunOptions::default()
    };
    let started = std::time::Instant::now();
    let report = run(&cmd, &opts).await;
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(report.checks.len(), 1, "{}", show(&report));
    let r = &report.checks[0];
    assert_eq!(r.status, Status::Error);
    assert!(r.message.contains("killed"), "{}", r.message);
}
