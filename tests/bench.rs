//! `mcpcheck bench` as a user runs it: short bounded runs against the embedded
//! reference server (and a stdio one), the JSON result, failures by kind, and
//! the threshold exit codes. No assertion depends on how fast the machine is.

use assert_cmd::Command;
use base64::Engine;
use hdrhistogram::serialization::Deserializer;
use predicates::prelude::*;
use serde_json::Value;

fn mcpcheck() -> Command {
    let mut c = Command::cargo_bin("mcpcheck").expect("binary built");
    // Every run in this file is bounded by --requests; this only guards a hang.
    c.timeout(std::time::Duration::from_secs(120));
    c
}

/// Runs a bench with `--json` into a temporary file and returns the exit code and the JSON.
fn bench_json(args: &[&str]) -> (i32, Value) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bench.json");
    let out =
        mcpcheck().arg("bench").args(args).args(["--quiet", "--json"]).arg(&path).output().expect("runs");
    let code = out.status.code().unwrap_or(-1);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("no JSON ({e}); stderr: {}", String::from_utf8_lossy(&out.stderr)));
    (code, serde_json::from_str(&text).expect("valid JSON"))
}

#[test]
fn a_short_closed_run_against_the_embedded_server_has_no_failures() {
    let (code, j) = bench_json(&["--requests", "200", "--users", "4"]);
    assert_eq!(code, 0, "{j:#}");
    assert_eq!(j["schema_version"], 1);
    assert_eq!(j["model"], "closed");
    assert_eq!(j["sessions"], 4);
    assert_eq!(j["requests"], 200);
    assert_eq!(j["successes"], 200);
    assert_eq!(j["failures"]["total"], 0);
    for kind in ["transport", "http_status", "jsonrpc_error", "is_error", "invalid"] {
        assert_eq!(j["failures"][kind], 0, "{kind}");
    }
    assert!(j["rate_per_s"].as_f64().is_some_and(|r| r > 0.0), "{j:#}");
    for q in ["p50", "p90", "p99", "p999", "max"] {
        assert!(j["latency_ms"][q].as_f64().is_some_and(|v| v > 0.0), "latency_ms.{q}: {j:#}");
    }
    // The histogram is there and holds every successful call.
    let data = j["histograms"]["latency"]["data"].as_str().expect("histogram data");
    let bytes = base64::engine::general_purpose::STANDARD.decode(data).expect("base64");
    let h: hdrhistogram::Histogram<u64> =
        Deserializer::new().deserialize(&mut bytes.as_slice()).expect("HDR V2 histogram");
    assert_eq!(h.len(), 200);
}

#[test]
fn the_open_model_sends_the_requested_calls() {
    let (code, j) = bench_json(&[
        "--rate",
        "400/s",
        "--requests",
        "40",
        "--users",
        "4",
        "--tool",
        "add",
        "--args",
        r#"{"a":1,"b":2}"#,
    ]);
    assert_eq!(code, 0, "{j:#}");
    assert_eq!(j["model"], "open");
    assert_eq!(j["target_rate_per_s"], 400.0);
    assert_eq!(j["requests"], 40);
    assert_eq!(j["failures"]["total"], 0, "{j:#}");
    assert_eq!(j["unsent"], 0);
}

#[test]
fn json_rpc_errors_are_counted_by_kind() {
    let (code, j) = bench_json(&["--requests", "30", "--users", "2", "--tool", "no-such-tool"]);
    // Failures alone do not fail the run; a threshold does.
    assert_eq!(code, 0, "{j:#}");
    assert_eq!(j["requests"], 30);
    assert_eq!(j["successes"], 0);
    assert_eq!(j["failures"]["jsonrpc_error"], 30, "{j:#}");
    assert_eq!(j["failures"]["is_error"], 0);
    assert_eq!(j["failures"]["http_status"], 0);
    assert_eq!(j["failures"]["jsonrpc_codes"]["-32602"], 30, "{j:#}");
}

#[test]
fn is_error_results_are_counted_apart_on_a_handshake_revision() {
    let (code, j) = bench_json(&[
        "--spec",
        "2025-06-18",
        "--requests",
        "30",
        "--users",
        "3",
        "--fault",
        "unknown-tool-is-result",
        "--tool",
        "no-such-tool",
        "--threshold",
        "errors<1%",
    ]);
    assert_eq!(j["revision"], "2025-06-18");
    assert_eq!(j["failures"]["is_error"], 30, "{j:#}");
    assert_eq!(j["failures"]["jsonrpc_error"], 0);
    assert_eq!(code, 1, "errors<1% is missed");
    assert_eq!(j["thresholds"][0]["passed"], false);
}

#[test]
fn a_threshold_that_cannot_be_met_exits_1() {
    // Latencies are recorded at 1 µs or more, so p50 can never be below it.
    mcpcheck()
        .args(["bench", "--requests", "20", "--users", "2", "--threshold", "p50<1us"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("MISSED  p50<1us"));
}

#[test]
fn met_thresholds_exit_0() {
    mcpcheck()
        .args(["bench", "--requests", "20", "--users", "2", "--threshold", "errors<0.1%"])
        .args(["--threshold", "p99<60s", "--threshold", "rate>0/s"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("met     errors<0.1%"));
}

#[test]
fn a_malformed_threshold_exits_2_before_any_load() {
    for bad in ["p99<50", "p99", "latency<5ms", "errors<lots"] {
        mcpcheck()
            .args(["bench", "--requests", "20", "--threshold", bad])
            .assert()
            .code(2)
            .stdout(predicate::str::is_empty())
            .stderr(predicate::str::contains("--threshold"));
    }
}

#[test]
fn bad_plans_are_refused() {
    for args in [
        &["--rate", "fast"][..],
        &["--ramp-up", "5s", "--duration", "1s"],
        &["--rate", "10/s", "--ramp-up", "1s"],
        &["--call", "tools/call"],
        &["--args", "[1]", "--tool", "echo"],
    ] {
        mcpcheck().arg("bench").args(args).assert().code(2);
    }
}

#[test]
fn a_stdio_target_gets_a_process_per_user() {
    let bin = assert_cmd::cargo::cargo_bin("mcpcheck");
    let cmd = format!("{} serve plain --stdio", bin.display());
    let (code, j) = bench_json(&[
        "--stdio",
        &cmd,
        "--users",
        "2",
        "--requests",
        "20",
        "--tool",
        "echo",
        "--args",
        r#"{"message":"hi"}"#,
    ]);
    assert_eq!(code, 0, "{j:#}");
    assert_eq!(j["sessions"], 2);
    assert_eq!(j["requests"], 20);
    assert_eq!(j["failures"]["total"], 0, "{j:#}");
}

#[test]
fn markdown_holds_the_table_and_the_failures() {
    let dir = tempfile::tempdir().expect("tempdir");
    let md = dir.path().join("bench.md");
    mcpcheck()
        .args([
            "bench",
            "--requests",
            "10",
            "--users",
            "1",
            "--tool",
            "no-such-tool",
            "--quiet",
            "--markdown",
        ])
        .arg(&md)
        .env_remove("GITHUB_STEP_SUMMARY")
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&md).expect("markdown written");
    assert!(text.contains("| requests | rate/s | failures |"), "{text}");
    assert!(text.contains("JSON-RPC error 10"), "{text}");
}

/// `--sessions 1`: eight users share one session (each on its own
/// connection, with its own id range), so one session opens and every call
/// is answered with its own response: ids colliding on the shared session
/// would cross answers or leave calls unanswered.
#[test]
fn users_can_share_one_session() {
    let (code, j) = bench_json(&[
        "--spec",
        "2025-11-25",
        "--users",
        "8",
        "--sessions",
        "1",
        "--requests",
        "400",
        "--tool",
        "add",
        "--args",
        r#"{"a":1,"b":2}"#,
    ]);
    assert_eq!(code, 0, "{j:#}");
    assert_eq!(j["sessions"], 1, "{j:#}");
    assert_eq!(j["requests"], 400);
    assert_eq!(j["failures"]["total"], 0, "{j:#}");
}

/// On 2026-07-28 there is no session to share.
#[test]
fn sessions_on_a_revision_without_them_is_a_usage_error() {
    let out = mcpcheck()
        .args(["bench", "--quiet", "--spec", "2026-07-28", "--sessions", "1", "--requests", "1"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no sessions to share"));
}

/// bench loads one revision, and says which: the newest the server
/// supports by default, the one named with --spec, never several.
#[test]
fn bench_loads_one_revision_and_names_it() {
    let (code, j) = bench_json(&["--requests", "20", "--users", "1"]);
    assert_eq!(code, 0, "{j:#}");
    assert_eq!(j["revision"], "2026-07-28", "{j:#}");
    let out = mcpcheck()
        .args(["bench", "--requests", "20", "--users", "1", "--spec", "2025-06-18"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("on revision 2025-06-18 (forced)"), "{said}");
    let two = mcpcheck()
        .args(["bench", "--requests", "5", "--spec", "2025-06-18,2025-11-25"])
        .output()
        .expect("runs");
    assert_eq!(two.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&two.stderr).contains("one revision"));
}
