//! Reports as CI and a report's reader meet them: expected-failures baselines
//! gate the exit code, saved reports re-render and diff, and secrets passed
//! with `-H` never appear in any format, not even when the server echoes them.

use assert_cmd::Command;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;

fn mcpcheck() -> Command {
    Command::cargo_bin("mcpcheck").expect("binary built")
}

const FAULT: &str = "unknown-session-400";
const FAULTED_CHECK: &str = "http/session/unknown-is-404";
const TOKEN: &str = "tok-SECRET-4f9a2c";
const COOKIE: &str = "cookie-SECRET-77e1d0";

/// Every file under `dir`, recursively, as text.
fn texts(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(texts(&path));
        } else {
            let bytes = std::fs::read(&path).expect("read");
            out.push((path.display().to_string(), String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    out
}

fn assert_no_secret(what: &str, text: &str) {
    for secret in [TOKEN, COOKIE] {
        assert!(!text.contains(secret), "{secret} leaked into {what}");
    }
}

/// Runs `test` with the secrets and every output format into `dir`, then
/// re-renders the JSON with `report render`, and greps all of it.
fn run_all_formats(dir: &Path, target: &[&str]) -> serde_json::Value {
    let summary = dir.join("step-summary.md");
    let d = |name: &str| dir.join(name).display().to_string();
    let out = mcpcheck()
        .arg("test")
        .args(target)
        .args([
            "-H",
            &format!("Authorization: Bearer {TOKEN}"),
            "-H",
            &format!("Cookie: sid={COOKIE}; theme=dark"),
        ])
        .args(["--json", &d("run.json"), "--junit", &d("run.xml"), "--markdown", &d("run.md")])
        .args(["--sarif", &d("run.sarif")])
        .args(["--html", &d("html"), "--write-expected-failures", &d("baseline.toml")])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .expect("runs");
    assert!(out.status.code() == Some(0) || out.status.code() == Some(1), "{out:?}");
    assert_no_secret("stdout", &String::from_utf8_lossy(&out.stdout));
    assert_no_secret("stderr", &String::from_utf8_lossy(&out.stderr));
    mcpcheck()
        .args(["report", "render", &d("run.json"), "--html", &d("rendered")])
        .args([
            "--junit",
            &d("rendered.xml"),
            "--markdown",
            &d("rendered.md"),
            "--sarif",
            &d("rendered.sarif"),
        ])
        .assert()
        .success();
    mcpcheck()
        .args(["report", "matrix", &d("run.json"), &d("run.json"), "--html", &d("matrix")])
        .assert()
        .success();
    let diff = mcpcheck().args(["report", "diff", &d("run.json"), &d("run.json")]).output().expect("diff");
    assert_no_secret("report diff", &String::from_utf8_lossy(&diff.stdout));
    let files = texts(dir);
    assert!(files.len() >= 10, "{files:?}");
    for (path, text) in &files {
        assert_no_secret(path, text);
    }
    serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).expect("json")).expect("json")
}

#[test]
fn secrets_never_appear_in_any_report_format() {
    let dir = tempfile::tempdir().expect("tmp");
    let report = run_all_formats(dir.path(), &["--spec", "2025-11-25", "--fault", FAULT]);
    // The credentials were sent (and shown redacted), not just left out.
    let headers = &report["checks"][0]["exchanges"][0]["request"]["headers"];
    assert_eq!(headers["authorization"], "Bearer [redacted]", "{headers}");
    assert_eq!(headers["cookie"], "[redacted]", "{headers}");
}

/// A loopback HTTP server that answers like an MCP server but echoes every
/// request header back: in a response header, in `Set-Cookie`, and inside
/// the JSON-RPC answer (result `_meta`, error message). What a careless
/// server might do with a client's credentials.
fn echo_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/mcp", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut sock) = stream else { continue };
            std::thread::spawn(move || {
                let _ = sock.set_read_timeout(Some(std::time::Duration::from_secs(5)));
                let mut buf = Vec::new();
                let mut chunk = [0u8; 8192];
                let (head, body) = loop {
                    let Ok(n) = sock.read(&mut chunk) else { return };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
                    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                    let len = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().to_string())
                        })
                        .and_then(|v| v.parse::<usize>().ok())
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + len {
                        break (head, String::from_utf8_lossy(&buf[end + 4..end + 4 + len]).into_owned());
                    }
                };
                let auth = head
                    .lines()
                    .find_map(|l| {
                        l.strip_prefix("authorization: ").or_else(|| l.strip_prefix("Authorization: "))
                    })
                    .unwrap_or("")
                    .to_string();
                let msg: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                let answer = match msg["method"].as_str() {
                    Some("initialize") => serde_json::json!({"jsonrpc": "2.0", "id": msg["id"], "result": {
                        "protocolVersion": "2025-11-25", "capabilities": {}, "serverInfo": {"name": "echo", "version": "1"},
                        "_meta": {"seen": head}}}),
                    _ if msg.get("id").is_some() => serde_json::json!({"jsonrpc": "2.0", "id": msg["id"],
                        "error": {"code": -32601, "message": format!("no such method; you sent {head}")}}),
                    _ => serde_json::Value::Null,
                };
                let text = if answer.is_null() { String::new() } else { answer.to_string() };
                let status = if answer.is_null() { "202 Accepted" } else { "200 OK" };
                let resp = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nMcp-Session-Id: s-1\r\n\
                     X-Echo-Auth: {auth}\r\nSet-Cookie: sid={COOKIE}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                    text.len()
                );
                let _ = sock.write_all(resp.as_bytes());
            });
        }
    });
    url
}

#[test]
fn secrets_echoed_by_the_server_are_redacted_too() {
    let url = echo_server();
    let dir = tempfile::tempdir().expect("tmp");
    let report = run_all_formats(dir.path(), &[&url, "--spec", "2025-11-25"]);
    // The echo really happened: some response carried the redacted echo.
    let text = report.to_string();
    assert!(text.contains("x-echo-auth"), "the echo server was not reached");
}

fn baseline(dir: &Path, ids: &[&str]) -> String {
    let path = dir.join("expected-failures.toml");
    let body: String =
        ids.iter().map(|id| format!("[[failure]]\nid = \"{id}\"\nreason = \"test\"\n\n")).collect();
    std::fs::write(&path, body).expect("write");
    path.display().to_string()
}

#[test]
fn expected_failures_excuse_listed_failures_and_fail_when_stale() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = baseline(dir.path(), &[FAULTED_CHECK]);
    let faulted = ["test", "--quiet", "--spec", "2025-11-25", "--fault", FAULT];
    // Without the baseline the fault fails the run; with it the run passes.
    mcpcheck().args(faulted).assert().code(1);
    mcpcheck().args(faulted).args(["--expected-failures", &file]).assert().code(0);
    // The clean server passes the listed check: the entry is stale, the run fails.
    let out = mcpcheck()
        .args(["test", "--quiet", "--spec", "2025-11-25", "--expected-failures", &file])
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8_lossy(&out).contains(&format!("stale: {FAULTED_CHECK}")));
    // An entry naming no known check is a usage error, before any run.
    let bad = baseline(dir.path(), &["no/such/check"]);
    mcpcheck().args(["test", "--quiet", "--expected-failures", &bad]).assert().code(2);
}

#[test]
fn written_baseline_turns_a_failing_run_green() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("written.toml").display().to_string();
    let faulted = ["test", "--quiet", "--spec", "2025-11-25", "--fault", FAULT];
    mcpcheck().args(faulted).args(["--write-expected-failures", &file]).assert().code(1);
    let text = std::fs::read_to_string(&file).expect("written");
    assert!(text.contains(&format!("id = \"{FAULTED_CHECK}\"")), "{text}");
    mcpcheck().args(faulted).args(["--expected-failures", &file]).assert().code(0);
}

#[test]
fn diff_lists_the_regression_and_can_gate_on_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let (clean, faulted) = (dir.path().join("clean.json"), dir.path().join("faulted.json"));
    let clean = clean.display().to_string();
    let faulted = faulted.display().to_string();
    mcpcheck().args(["test", "--quiet", "--spec", "2025-11-25", "--json", &clean]).assert().code(0);
    mcpcheck()
        .args(["test", "--quiet", "--spec", "2025-11-25", "--fault", FAULT, "--json", &faulted])
        .assert()
        .code(1);
    let out =
        mcpcheck().args(["report", "diff", &clean, &faulted]).assert().code(0).get_output().stdout.clone();
    let md = String::from_utf8_lossy(&out);
    assert!(
        md.contains(&format!("| regression | `{FAULTED_CHECK}` | 2025-11-25 | must | + pass | x fail |")),
        "{md}"
    );
    mcpcheck().args(["report", "diff", &clean, &faulted, "--fail-on-regression"]).assert().code(1);
    mcpcheck().args(["report", "diff", &faulted, &clean, "--fail-on-regression"]).assert().code(0);
    // A file that is not a schema 1 report is a usage error.
    let bogus = dir.path().join("bogus.json");
    std::fs::write(&bogus, r#"{"schema_version": 99}"#).expect("write");
    mcpcheck().args(["report", "render", &bogus.display().to_string(), "--markdown", "-"]).assert().code(2);
}

/// The OASIS SARIF 2.1.0 schema, as shipped inside the serde-sarif 0.8.0
/// crate on crates.io (src/schema.json), copied unchanged; the crate is MIT
/// licensed and says nothing further about the schema file. Read by 2020-12
/// rules with formats asserted: see `schema_errors` in src/report/sarif.rs for
/// why not by the draft-07 it declares.
fn sarif_schema_errors(sarif: &str) -> Vec<String> {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("data/sarif-schema-2.1.0.json")).expect("schema");
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .expect("validator");
    let instance: serde_json::Value = serde_json::from_str(sarif).expect("SARIF is JSON");
    validator.iter_errors(&instance).map(|e| format!("{e} at {}", e.instance_path())).collect()
}

#[test]
fn sarif_of_a_failing_run_validates_and_holds_the_violation() {
    let dir = tempfile::tempdir().expect("tmp");
    let (sarif, json) = (dir.path().join("run.sarif"), dir.path().join("run.json"));
    mcpcheck()
        .args(["test", "--quiet", "--spec", "2025-11-25", "--fault", FAULT])
        .arg("--sarif")
        .arg(&sarif)
        .arg("--json")
        .arg(&json)
        .assert()
        .code(1);
    let text = std::fs::read_to_string(&sarif).expect("sarif written");
    let errors = sarif_schema_errors(&text);
    assert!(errors.is_empty(), "{errors:#?}");
    let log: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let results = log["runs"][0]["results"].as_array().expect("results");
    let hit = results
        .iter()
        .find(|r| r["ruleId"] == FAULTED_CHECK && r["properties"]["revision"] == "2025-11-25")
        .unwrap_or_else(|| panic!("no result for {FAULTED_CHECK}: {results:#?}"));
    assert_eq!(hit["level"], "error");
    assert!(hit["message"]["text"].as_str().expect("text").contains("revision: 2025-11-25"), "{hit}");
    let uri = &hit["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert_eq!(uri, "127.0.0.1/mcp", "the embedded server's port changes per run and is left out");
    // `report render` of the saved run writes the same SARIF.
    let out = mcpcheck()
        .args(["report", "render"])
        .arg(&json)
        .args(["--sarif", "-"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(String::from_utf8_lossy(&out), text);
}

#[test]
fn sarif_of_a_clean_run_validates_with_no_result_and_every_rule() {
    let dir = tempfile::tempdir().expect("tmp");
    let sarif = dir.path().join("clean.sarif");
    mcpcheck()
        .args(["test", "--spec", "2025-11-25", "--robustness", "--quiet", "--sarif"])
        .arg(&sarif)
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&sarif).expect("sarif written");
    let errors = sarif_schema_errors(&text);
    assert!(errors.is_empty(), "{errors:#?}");
    let log: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
    assert_eq!(log["runs"][0]["invocations"][0]["executionSuccessful"], true);
    let rules: Vec<&str> = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    let v = mcpcheck::spec::SpecVersion::V2025_11_25;
    let catalogue: Vec<&str> =
        mcpcheck::checks::all().iter().filter(|c| c.revisions.contains(v)).map(|c| c.id).collect();
    assert_eq!(rules, catalogue);
}

/// The committed samples (reports/, made by scripts/sample-reports.sh) are
/// the catalogue as it is: schema 2, every check on every revision it applies
/// to, all four revisions tested, and the clean run clean. A new check, a
/// changed revision range or a schema bump makes this fail until the samples
/// are regenerated.
#[test]
fn committed_sample_reports_are_current() {
    use mcpcheck::spec::SpecVersion;
    use std::collections::BTreeSet;
    let root = env!("CARGO_MANIFEST_DIR");
    let expected: BTreeSet<(String, String)> = mcpcheck::checks::all()
        .iter()
        .flat_map(|c| c.revisions.iter().map(move |v| (c.id.to_string(), v.to_string())))
        .collect();
    let path = "reports/html/plain/report.json";
    let text = std::fs::read_to_string(format!("{root}/{path}"))
        .unwrap_or_else(|e| panic!("{path}: {e}; run scripts/sample-reports.sh"));
    let report: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let stale = "is stale: run scripts/sample-reports.sh";
    assert_eq!(report["schema_version"], 2, "{path} {stale}");
    let got: BTreeSet<(String, String)> = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| (c["id"].as_str().unwrap_or("").into(), c["revision"].as_str().unwrap_or("").into()))
        .collect();
    assert_eq!(got, expected, "{path} {stale}");
    let tested: Vec<&str> = report["revisions"]
        .as_array()
        .expect("revisions")
        .iter()
        .filter(|r| r["selection"] != "refused")
        .filter_map(|r| r["revision"].as_str())
        .collect();
    assert_eq!(tested, SpecVersion::ALL.map(|v| v.as_str()), "{path} {stale}");
    assert_eq!(report["summary"]["fail"], 0, "{path}");
    assert_eq!(report["summary"]["error"], 0, "{path}");
    for path in [
        "reports/plain.md",
        "reports/plain-fault-init-no-server-info.md",
        "reports/html/plain-fault-init-no-server-info/index.html",
        "reports/html/matrix/index.html",
    ] {
        assert!(std::path::Path::new(&format!("{root}/{path}")).is_file(), "{path} is missing");
    }
}
