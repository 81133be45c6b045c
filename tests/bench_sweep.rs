//! `mcpcheck bench --users 1,2,4` (a sweep) and `--baseline FILE` against the
//! embedded reference server: short runs bounded by --requests; the numbers
//! compared are whatever the machine gives, only their shape is asserted.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::Path;

fn mcpcheck() -> Command {
    let mut c = Command::cargo_bin("mcpcheck").expect("binary built");
    c.timeout(std::time::Duration::from_secs(120));
    c
}

fn bench_json(args: &[&str], out: &Path) -> (i32, Value) {
    let run = mcpcheck().arg("bench").args(args).args(["--quiet", "--json"]).arg(out).output().expect("runs");
    let text = std::fs::read_to_string(out)
        .unwrap_or_else(|e| panic!("no JSON ({e}); stderr: {}", String::from_utf8_lossy(&run.stderr)));
    (run.status.code().unwrap_or(-1), serde_json::from_str(&text).expect("valid JSON"))
}

#[test]
fn a_sweep_runs_one_bounded_run_per_step() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, j) = bench_json(&["--users", "1,2,4", "--requests", "40"], &dir.path().join("s.json"));
    assert_eq!(code, 0, "{j:#}");
    assert_eq!(j["schema_version"], 1);
    assert_eq!(j["kind"], "sweep");
    let steps = j["sweep"].as_array().expect("steps");
    let users: Vec<u64> = steps.iter().filter_map(|s| s["users"].as_u64()).collect();
    assert_eq!(users, [1, 2, 4]);
    for s in steps {
        assert_eq!(s["requests"], 40, "{s:#}");
        assert_eq!(s["sessions"], s["users"]);
        assert!(s["rate_per_s"].as_f64().is_some_and(|r| r > 0.0));
        assert!(s["histograms"]["latency"]["data"].as_str().is_some_and(|d| !d.is_empty()));
    }
    assert!(j["findings"].is_array());
}

#[test]
fn the_sweep_table_is_printed_and_thresholds_apply_to_every_step() {
    let dir = tempfile::tempdir().expect("tempdir");
    let md = dir.path().join("s.md");
    mcpcheck()
        .args(["bench", "--users", "1,2", "--requests", "20", "--threshold", "p50<1us", "--markdown"])
        .arg(&md)
        .env_remove("GITHUB_STEP_SUMMARY")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("users   requests"))
        .stdout(predicate::str::contains("MISSED  p50<1us at 1 users"))
        .stdout(predicate::str::contains("MISSED  p50<1us at 2 users"));
    let text = std::fs::read_to_string(&md).expect("markdown");
    assert!(text.contains("| users | requests | rate/s |"), "{text}");
}

#[test]
fn bad_user_lists_are_refused() {
    for bad in ["0,8", "1,,8", "lots"] {
        mcpcheck().args(["bench", "--users", bad, "--requests", "5"]).assert().code(2);
    }
}

#[test]
fn a_baseline_gives_the_change_in_rate_and_latency() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path().join("base.json");
    let (_, before) = bench_json(&["--users", "2", "--requests", "40"], &base);
    let (code, j) = bench_json(
        &["--users", "2", "--requests", "40", "--baseline", base.to_str().expect("utf-8")],
        &dir.path().join("now.json"),
    );
    assert_eq!(code, 0, "{j:#}");
    let changes = j["baseline"]["changes"].as_array().expect("changes");
    let metrics: Vec<&str> = changes.iter().filter_map(|c| c["metric"].as_str()).collect();
    assert_eq!(metrics, ["rate/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "errors %"]);
    let rate = &changes[0];
    assert_eq!(rate["before"], before["rate_per_s"]);
    assert_eq!(rate["after"], j["rate_per_s"]);
    let (b, a) = (rate["before"].as_f64().unwrap_or(0.0), rate["after"].as_f64().unwrap_or(0.0));
    assert!((rate["change"].as_f64().unwrap_or(f64::NAN) - (a - b)).abs() < 1e-6);
    assert!((rate["percent"].as_f64().unwrap_or(f64::NAN) - (a - b) * 100.0 / b).abs() < 1e-6);
    assert_eq!(changes[1]["before"], before["latency_ms"]["p50"]);
}

#[test]
fn the_baseline_shows_in_the_console_and_markdown() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path().join("base.json");
    bench_json(&["--users", "1", "--requests", "20"], &base);
    let md = dir.path().join("now.md");
    mcpcheck()
        .args(["bench", "--users", "1", "--requests", "20", "--baseline"])
        .arg(&base)
        .arg("--markdown")
        .arg(&md)
        .env_remove("GITHUB_STEP_SUMMARY")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("against baseline"))
        .stdout(predicate::str::contains("p99.9 ms"));
    let text = std::fs::read_to_string(&md).expect("markdown");
    assert!(text.contains("| metric | before | after | change | % |"), "{text}");
}

#[test]
fn a_baseline_of_another_schema_version_is_refused_before_any_load() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path().join("old.json");
    std::fs::write(&base, r#"{"schema_version": 2, "rate_per_s": 10.0}"#).expect("write");
    mcpcheck()
        .args(["bench", "--requests", "5", "--baseline"])
        .arg(&base)
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("schema_version 2"))
        .stderr(predicate::str::contains("schema_version 1"));
    std::fs::write(&base, "not json").expect("write");
    mcpcheck()
        .args(["bench", "--requests", "5", "--baseline"])
        .arg(&base)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not JSON"));
}

#[test]
fn a_sweep_is_compared_step_by_step_with_a_sweep_baseline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path().join("base.json");
    bench_json(&["--users", "1,2", "--requests", "20"], &base);
    let (code, j) = bench_json(
        &["--users", "1,2,3", "--requests", "20", "--baseline", base.to_str().expect("utf-8")],
        &dir.path().join("now.json"),
    );
    assert_eq!(code, 0, "{j:#}");
    let steps = j["sweep"].as_array().expect("steps");
    assert!(steps[0]["baseline"]["changes"].is_array(), "{j:#}");
    assert_eq!(steps[1]["baseline"]["baseline_users"], 2);
    // No step with 3 users in the baseline: nothing to compare with.
    assert!(steps[2].get("baseline").is_none(), "{j:#}");
}
