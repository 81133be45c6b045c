//! `mcpcheck bench --shard I/N` and `mcpcheck report merge`, as a distributed
//! run would use them: N shard processes against one reference server, their
//! JSON results merged, compared with one process making the same number of
//! calls. The counts must be equal exactly; nothing depends on speed.

use base64::Engine;
use hdrhistogram::serialization::Deserializer;
use reference_servers::{HttpOptions, serve_plain_http};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::process::Command;

/// Guards against a hang only: every run below is bounded by --requests.
const RUN_BOUND: Duration = Duration::from_secs(120);

async fn server() -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/mcp", listener.local_addr().expect("addr"));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve_plain_http(listener, HttpOptions::default(), async move {
        let _ = rx.await;
    }));
    (url, tx)
}

async fn mcpcheck(args: &[&str]) -> (i32, String) {
    let out = tokio::time::timeout(
        RUN_BOUND,
        Command::new(env!("CARGO_BIN_EXE_mcpcheck")).args(args).kill_on_drop(true).output(),
    )
    .await
    .expect("bounded")
    .expect("runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("written")).expect("JSON")
}

fn histogram_len(v: &Value) -> u64 {
    let data = v["histograms"]["latency"]["data"].as_str().expect("histogram");
    let bytes = base64::engine::general_purpose::STANDARD.decode(data).expect("base64");
    let h: hdrhistogram::Histogram<u64> =
        Deserializer::new().deserialize(&mut bytes.as_slice()).expect("HDR");
    h.len()
}

/// One run of `requests` calls with `users` users, and the same run as
/// `shards` processes merged; returns (single, merged).
async fn single_and_merged(call: &[&str], requests: u64, users: u32, shards: u32) -> (Value, Value) {
    let (url, _stop) = server().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (requests, users) = (requests.to_string(), users.to_string());
    let common = |json: &Path| -> Vec<String> {
        let mut a: Vec<String> = ["bench", &url, "--quiet", "--requests", &requests, "--users", &users]
            .iter()
            .map(|s| s.to_string())
            .collect();
        a.extend(call.iter().map(|s| s.to_string()));
        a.extend(["--json".to_string(), json.display().to_string()]);
        a
    };
    let single = dir.path().join("single.json");
    let args = common(&single);
    let (code, err) = mcpcheck(&args.iter().map(String::as_str).collect::<Vec<_>>()).await;
    assert_eq!(code, 0, "single run: {err}");

    // The shards run at once, as the pods of an Indexed Job would.
    let paths: Vec<PathBuf> = (0..shards).map(|i| dir.path().join(format!("shard-{i}.json"))).collect();
    let runs = paths.iter().enumerate().map(|(i, p)| {
        let mut args = common(p);
        args.extend(["--shard".to_string(), format!("{i}/{shards}")]);
        async move { mcpcheck(&args.iter().map(String::as_str).collect::<Vec<_>>()).await }
    });
    for (code, err) in futures::future::join_all(runs).await {
        assert_eq!(code, 0, "shard run: {err}");
    }
    let merged = dir.path().join("merged.json");
    let mut args = vec!["report".to_string(), "merge".into(), "--quiet".into()];
    args.extend(paths.iter().map(|p| p.display().to_string()));
    args.extend(["--json".to_string(), merged.display().to_string()]);
    let (code, err) = mcpcheck(&args.iter().map(String::as_str).collect::<Vec<_>>()).await;
    assert_eq!(code, 0, "merge: {err}");

    let parts: Vec<Value> = paths.iter().map(|p| read(p)).collect();
    // Each shard ran its share: the remainder to the lowest indices.
    let shard_requests: Vec<u64> = parts.iter().map(|p| p["requests"].as_u64().unwrap_or(0)).collect();
    assert_eq!(shard_requests.iter().sum::<u64>(), requests.parse::<u64>().unwrap_or(0));
    assert!(shard_requests.windows(2).all(|w| w[0] >= w[1] && w[0] - w[1] <= 1), "{shard_requests:?}");
    for (i, p) in parts.iter().enumerate() {
        assert_eq!(p["shard"]["index"], i as u64);
        assert_eq!(p["shard"]["of"], shards);
        assert!(p["started_at"].is_string());
    }
    (read(&single), read(&merged))
}

fn assert_same_counts(single: &Value, merged: &Value) {
    for key in ["requests", "successes", "users", "sessions", "session_failures"] {
        assert_eq!(single[key], merged[key], "{key}\nsingle {single:#}\nmerged {merged:#}");
    }
    for kind in ["total", "transport", "http_status", "jsonrpc_error", "is_error", "invalid", "jsonrpc_codes"]
    {
        assert_eq!(single["failures"][kind], merged["failures"][kind], "failures.{kind}");
    }
    assert_eq!(single["latency_ms"]["count"], merged["latency_ms"]["count"]);
    assert_eq!(histogram_len(single), histogram_len(merged));
    assert_eq!(histogram_len(merged), merged["successes"].as_u64().unwrap_or(u64::MAX));
    assert_eq!(single["target"], merged["target"]);
    assert_eq!(single["call"], merged["call"]);
    assert!(merged["rate_per_s"].as_f64().is_some_and(|r| r > 0.0));
    assert!(merged["merged"]["files"].as_u64().is_some_and(|n| n > 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shards_merged_equal_one_run_of_successful_calls() {
    let (single, merged) =
        single_and_merged(&["--tool", "add", "--args", r#"{"a":1,"b":2}"#], 301, 5, 3).await;
    assert_same_counts(&single, &merged);
    assert_eq!(merged["requests"], 301);
    assert_eq!(merged["successes"], 301);
    assert_eq!(merged["merged"]["shards"], serde_json::json!([0, 1, 2]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shards_merged_equal_one_run_of_failing_calls() {
    // Every call is a JSON-RPC error: failure counts must add up by kind and code.
    let (single, merged) = single_and_merged(&["--tool", "no-such-tool"], 50, 4, 4).await;
    assert_same_counts(&single, &merged);
    assert_eq!(merged["failures"]["jsonrpc_error"], 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_of_different_targets_are_not_merged() {
    let (a, _sa) = server().await;
    let (b, _sb) = server().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut files = Vec::new();
    for (i, url) in [a, b].iter().enumerate() {
        let p = dir.path().join(format!("{i}.json"));
        let (code, err) = mcpcheck(&[
            "bench",
            url,
            "--quiet",
            "--requests",
            "10",
            "--users",
            "2",
            "--shard",
            &format!("{i}/2"),
            "--json",
            &p.display().to_string(),
        ])
        .await;
        assert_eq!(code, 0, "{err}");
        files.push(p.display().to_string());
    }
    let (code, err) = mcpcheck(&["report", "merge", &files[0], &files[1]]).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("different targets"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shard_too_small_to_run_is_a_usage_error() {
    let (url, _s) = server().await;
    let (code, err) = mcpcheck(&["bench", &url, "--quiet", "--users", "2", "--shard", "0/3"]).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("at least one user"), "{err}");
    let (code, _) = mcpcheck(&["bench", &url, "--quiet", "--shard", "3/3"]).await;
    assert_eq!(code, 2);
}

/// `--start-at`: shards launched 1.5 s apart, given the same start time, run
/// their loads together, so the merge finds them (almost) without skew. The
/// bound is loose (under 1 s, against the 1.5 s the launches were apart):
/// it tells "waited for the time" from "started when launched", nothing finer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shards_given_one_start_time_start_together() {
    let (url, _stop) = server().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let at = (chrono::Utc::now() + chrono::Duration::seconds(4)).to_rfc3339();
    let paths: Vec<PathBuf> = (0..2).map(|i| dir.path().join(format!("shard-{i}.json"))).collect();
    let runs = paths.iter().enumerate().map(|(i, p)| {
        let args: Vec<String> = [
            "bench",
            &url,
            "--quiet",
            "--requests",
            "40",
            "--users",
            "2",
            "--tool",
            "add",
            "--args",
            r#"{"a":1,"b":2}"#,
            "--start-at",
            &at,
            "--shard",
            &format!("{i}/2"),
            "--json",
            &p.display().to_string(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        async move {
            tokio::time::sleep(Duration::from_millis(1500 * i as u64)).await;
            mcpcheck(&args.iter().map(String::as_str).collect::<Vec<_>>()).await
        }
    });
    for (code, err) in futures::future::join_all(runs).await {
        assert_eq!(code, 0, "shard run: {err}");
    }
    let merged = dir.path().join("merged.json");
    let mut args = vec!["report", "merge", "--quiet", "--json"];
    let merged_arg = merged.display().to_string();
    args.push(&merged_arg);
    let shard_args: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    args.extend(shard_args.iter().map(String::as_str));
    let (code, err) = mcpcheck(&args).await;
    assert_eq!(code, 0, "merge: {err}");
    let merged = read(&merged);
    let skew = merged["merged"]["start_skew_s"].as_f64().expect("start_skew_s");
    assert!(skew < 1.0, "shards started {skew} s apart despite one --start-at: {merged:#}");
}

#[tokio::test]
async fn a_start_time_far_ahead_is_refused_before_any_traffic() {
    let at = (chrono::Utc::now() + chrono::Duration::hours(3)).to_rfc3339();
    let (code, err) = mcpcheck(&["bench", "http://127.0.0.1:9/mcp", "--start-at", &at]).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("at most 3600 s"), "{err}");
}
