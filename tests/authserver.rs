//! An authorization server on its own: `mcpcheck test --authorization-server
//! ISSUER` with no target runs the metadata and `auth/as` checks on every
//! revision with authorization, passes the clean `mcpcheck authserver`, and
//! fails the check a fault breaks (exit 1, with the exchanges behind it).

use mcpcheck::oauth::server;
use reference_servers::FaultSet;
use serde_json::Value;
use std::time::Duration;

/// `mcpcheck test --authorization-server URL --json -`: exit code and report.
async fn test_alone(faults: &[&str]) -> (Option<i32>, Value) {
    let names: Vec<String> = faults.iter().map(|f| f.to_string()).collect();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let running =
        server::spawn(listener, None, FaultSet::parse(&names).expect("faults")).await.expect("start");
    let out = tokio::time::timeout(
        Duration::from_secs(120),
        tokio::process::Command::new(env!("CARGO_BIN_EXE_mcpcheck"))
            .args(["test", "--authorization-server", &running.url, "--json", "-", "--quiet"])
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("bounded")
    .expect("runs");
    let report = serde_json::from_slice(&out.stdout).expect("a JSON report on stdout");
    (out.status.code(), report)
}

fn results<'a>(report: &'a Value, id: &str) -> Vec<&'a Value> {
    report["checks"].as_array().expect("checks").iter().filter(|c| c["id"] == id).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clean_authorization_server_passes_on_every_revision_with_authorization() {
    let (code, report) = test_alone(&[]).await;
    assert_eq!(code, Some(0), "{report:#}");
    let revisions: Vec<&str> = report["revisions"]
        .as_array()
        .expect("revisions")
        .iter()
        .filter_map(|r| r["revision"].as_str())
        .collect();
    assert_eq!(revisions, ["2025-06-18", "2025-11-25", "2026-07-28"]);
    let checks = report["checks"].as_array().expect("checks");
    assert!(!checks.is_empty());
    for c in checks {
        let id = c["id"].as_str().unwrap_or_default();
        assert!(id.starts_with("auth/metadata/") || id.starts_with("auth/as/"), "{id} ran");
        assert_eq!(c["status"], "pass", "{c:#}");
    }
    assert_eq!(results(&report, "auth/as/iss-in-response").len(), 1, "2026-07-28 only");
    assert_eq!(results(&report, "auth/as/refresh-rotated").len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_in_the_authorization_server_fails_its_check_with_evidence() {
    let (code, report) = test_alone(&["as-pkce-unchecked"]).await;
    assert_eq!(code, Some(1), "{report:#}");
    for r in results(&report, "auth/as/pkce-verifier-checked") {
        assert_eq!(r["status"], "fail", "{r:#}");
        let exchanges = r["exchanges"].as_array().expect("exchanges");
        assert!(
            exchanges.iter().any(|e| e["request"]["url"].as_str().is_some_and(|u| u.ends_with("/token"))),
            "the token request is in the evidence: {r:#}"
        );
    }
}
