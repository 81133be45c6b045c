//! `mcpcheck bench` watching the server: the `server` section of the
//! result, and the `memory-growth` finding named for the reference server's
//! `leak-per-call` fault (in process and over stdio) and not for the clean
//! server. Runs are bounded by --duration; samples are taken every 250 ms
//! so a few seconds give the finding enough readings.

use assert_cmd::Command;
use serde_json::Value;

fn bench(args: &[&str]) -> (i32, Value, String) {
    let out = Command::cargo_bin("mcpcheck")
        .expect("binary built")
        .arg("bench")
        .args(["--quiet", "--json", "-", "--watch-interval", "250ms"])
        .args(args)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("mcpcheck ran");
    let j = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), j, String::from_utf8_lossy(&out.stderr).into_owned())
}

const CALL: &[&str] =
    &["--tool", "echo", "--args", r#"{"message":"hi"}"#, "--users", "4", "--duration", "6s"];

fn findings(j: &Value) -> Vec<String> {
    let found = j["findings"].as_array().cloned().unwrap_or_default();
    found.iter().filter_map(|f| f["id"].as_str().map(String::from)).collect()
}

#[test]
fn the_embedded_servers_leak_is_named_and_the_clean_server_is_not() {
    let dir = tempfile::tempdir().expect("temp dir");
    let html = dir.path().join("leak.html");
    let html_arg = html.to_string_lossy().into_owned();
    let (code, leak, err) = bench(&[CALL, &["--fault", "leak-per-call", "--html", &html_arg]].concat());
    assert_eq!(code, 0, "{err}");
    let page = std::fs::read_to_string(&html).unwrap_or_default();
    assert!(page.contains("Server memory over time") && page.contains("Server CPU over time"), "no charts");
    assert!(page.contains("memory-growth"), "the finding is not on the page");
    assert!(findings(&leak).contains(&"memory-growth".into()), "{:#}", leak["server"]);
    let server = &leak["server"];
    assert_eq!(server["in_process"], true);
    assert!(server["samples"].as_array().is_some_and(|s| s.len() >= 12), "{server:#}");
    assert!(server["rss_end_bytes"].as_u64() > server["rss_start_bytes"].as_u64(), "{server:#}");

    let (code, clean, err) = bench(CALL);
    assert_eq!(code, 0, "{err}");
    assert!(!findings(&clean).contains(&"memory-growth".into()), "{:#}", clean["server"]);
    let per_call = clean["server"]["cpu_us_per_call"].as_f64().unwrap_or(0.0);
    assert!(per_call > 0.0, "{:#}", clean["server"]);
}

#[test]
fn stdio_servers_are_watched_without_being_named() {
    let bin = assert_cmd::cargo::cargo_bin("mcpcheck");
    let cmd = format!("{} serve plain --stdio --fault leak-per-call", bin.display());
    let (code, j, err) = bench(&[CALL, &["--stdio", &cmd]].concat());
    assert_eq!(code, 0, "{err}");
    let server = &j["server"];
    assert_eq!(server["in_process"], false);
    assert!(server["watched"].as_str().is_some_and(|w| w.contains("stdio")), "{server:#}");
    assert!(findings(&j).contains(&"memory-growth".into()), "{server:#}");
}

#[test]
fn a_pid_that_is_not_there_is_refused_before_any_load() {
    // Past Linux's largest pid_max (2^22), so never a process.
    let (code, j, err) = bench(&["--watch-pid", "4294967290", "--requests", "5"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--watch-pid") && err.contains("no such process"), "{err}");
    assert_eq!(j, Value::Null);
}

#[test]
fn no_watch_leaves_the_server_section_out() {
    let (code, j, err) = bench(&["--requests", "20", "--no-watch"]);
    assert_eq!(code, 0, "{err}");
    assert!(j.get("server").is_none(), "{j:#}");
}
