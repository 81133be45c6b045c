//! The binary as a user runs it: exit codes, report files, the embedded default,
//! a server in another process, stdio targets.

use assert_cmd::Command;
use predicates::prelude::*;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

fn mcpcheck() -> Command {
    Command::cargo_bin("mcpcheck").expect("binary built")
}

/// `mcpcheck serve plain` on a free port in a child process; killed on drop.
struct Served {
    child: Child,
    url: String,
}

impl Served {
    fn start(extra: &[&str]) -> Served {
        let bin = assert_cmd::cargo::cargo_bin("mcpcheck");
        let mut child = std::process::Command::new(bin)
            .args(["serve", "plain", "--port", "0"])
            .args(extra)
            .stderr(Stdio::piped())
            .spawn()
            .expect("serve starts");
        let stderr = child.stderr.take().expect("stderr");
        let mut line = String::new();
        BufReader::new(stderr).read_line(&mut line).expect("announces its address");
        let url = line.split_whitespace().last().expect("url").to_string();
        assert!(url.starts_with("http://127.0.0.1:"), "{line}");
        Served { child, url }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn embedded_default_passes_on_every_revision_on_one_screen() {
    mcpcheck().args(["test", "--quiet"]).assert().success();
    let out = mcpcheck().arg("test").assert().success().get_output().stdout.clone();
    let text = String::from_utf8_lossy(&out);
    for line in [
        "2025-03-26  negotiated",
        "2025-06-18  negotiated",
        "2025-11-25  negotiated",
        "2026-07-28  discovered",
    ] {
        assert!(text.contains(line), "{line:?} missing:\n{text}");
    }
    assert!(text.contains("on 4 revisions") && text.contains(" 0 fail, 0 warn"), "{text}");
    assert!(text.lines().count() <= 40, "a clean run takes {} lines:\n{text}", text.lines().count());
    // One line per check on request.
    mcpcheck()
        .args(["test", "--show-checks"])
        .assert()
        .success()
        .stdout(predicate::str::contains("lifecycle/initialize/result-shape"));
}

/// The reason the default tests every revision: a dual-era server whose only
/// bug is in its handshake era fails the default run, and the report names
/// the revisions; `--spec newest` (the old default) tests 2026-07-28 alone
/// and misses it.
#[test]
fn a_fault_only_in_the_handshake_era_fails_the_default_run() {
    let out = mcpcheck()
        .args(["test", "--fault", "init-no-server-info", "--json", "-"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "lifecycle/initialize/result-shape [2025-03-26, 2025-06-18, 2025-11-25]",
        ))
        .get_output()
        .stdout
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&out).expect("JSON report");
    let failed: Vec<(String, String)> = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| (c["id"].as_str().unwrap_or("").into(), c["revision"].as_str().unwrap_or("").into()))
        .collect();
    for rev in ["2025-03-26", "2025-06-18", "2025-11-25"] {
        assert!(failed.contains(&("lifecycle/initialize/result-shape".into(), rev.into())), "{failed:?}");
    }
    assert!(failed.iter().all(|(_, rev)| rev != "2026-07-28"), "{failed:?}");
    mcpcheck()
        .args(["test", "--quiet", "--fault", "init-no-server-info", "--spec", "newest"])
        .assert()
        .success();
}

#[test]
fn embedded_with_fault_exits_1_and_names_the_check() {
    mcpcheck()
        .args(["test", "--spec", "2025-11-25", "--fault", "unknown-session-400"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("http/session/unknown-is-404"));
}

#[test]
fn other_process_json_report_on_stdout() {
    let served = Served::start(&[]);
    let out =
        mcpcheck().args(["test", &served.url, "--json", "-"]).assert().success().get_output().stdout.clone();
    let report: serde_json::Value = serde_json::from_slice(&out).expect("stdout is the JSON report");
    assert_eq!(report["schema_version"], 2);
    assert_eq!(report["target"], served.url.as_str());
    assert_eq!(report["spec_version"], "2026-07-28");
    let revisions: Vec<(&str, &str)> = report["revisions"]
        .as_array()
        .expect("revisions")
        .iter()
        .map(|r| (r["revision"].as_str().unwrap_or(""), r["selection"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        revisions,
        [
            ("2025-03-26", "negotiated"),
            ("2025-06-18", "negotiated"),
            ("2025-11-25", "negotiated"),
            ("2026-07-28", "discovered")
        ]
    );
    // The probes behind each choice are in the report.
    assert!(report["revisions"][0]["exchanges"].as_array().is_some_and(|e| !e.is_empty()));
    assert_eq!(report["summary"]["fail"], 0);
    assert!(report["checks"].as_array().is_some_and(|c| !c.is_empty()));
}

#[test]
fn other_process_with_fault_exits_1() {
    let served = Served::start(&["--fault", "content-type-text-plain"]);
    mcpcheck()
        .args(["test", &served.url, "--json", "-"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("\"status\": \"fail\""))
        .stderr(predicate::str::contains("http/response/content-type"));
}

#[test]
fn unreachable_target_exits_2() {
    // Port 9 (discard) on loopback: nothing listens there in a test sandbox.
    mcpcheck()
        .args(["test", "http://127.0.0.1:9/mcp", "--timeout", "3s"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("could not be reached"));
}

#[test]
fn bad_report_path_fails_before_the_run() {
    for flag in ["--junit", "--sarif"] {
        mcpcheck()
            .args(["test", "http://127.0.0.1:9/mcp", flag, "/nonexistent-dir/x.out"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("cannot write /nonexistent-dir/x.out"));
    }
}

#[test]
fn reports_are_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let junit = dir.path().join("r.xml");
    let md = dir.path().join("r.md");
    let json = dir.path().join("r.json");
    mcpcheck()
        .args(["test", "--quiet", "--spec", "2025-11-25"])
        .arg("--junit")
        .arg(&junit)
        .arg("--markdown")
        .arg(&md)
        .arg("--json")
        .arg(&json)
        .assert()
        .success();
    assert!(std::fs::read_to_string(&junit).expect("junit").contains("<testsuites"));
    assert!(std::fs::read_to_string(&md).expect("md").contains("lifecycle/initialize/result-shape"));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("valid");
    assert_eq!(report["spec_version"], "2025-11-25");
}

#[test]
fn stdio_target_passes() {
    let bin = assert_cmd::cargo::cargo_bin("mcpcheck");
    let cmd = format!("{} serve plain --stdio", bin.display());
    mcpcheck()
        .args(["test", "--stdio", &cmd, "--spec", "2025-11-25", "--show-checks"])
        .assert()
        .success()
        .stdout(predicate::str::contains("utilities/ping/empty-result"));
}

#[test]
fn list_prints_every_check() {
    let out = mcpcheck().arg("list").assert().success().get_output().stdout.clone();
    let text = String::from_utf8_lossy(&out);
    for c in mcpcheck::checks::all() {
        assert!(text.contains(c.id), "list lacks {}", c.id);
    }
}

#[test]
fn usage_errors_exit_2() {
    mcpcheck().args(["test", "--spec", "2024-01-01"]).assert().code(2);
    mcpcheck().args(["test", "--only", "no-such-area/"]).assert().code(2);
    mcpcheck().args(["test", "--fault", "no-such-fault"]).assert().code(2);
}

#[test]
fn readme_check_list_matches_mcpcheck_list() {
    let out = mcpcheck().arg("list").assert().success().get_output().stdout.clone();
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    assert!(
        readme.contains(&*String::from_utf8_lossy(&out)),
        "README's check list is stale: paste the output of `mcpcheck list`"
    );
}

#[test]
fn headers_are_sent_and_secrets_redacted() {
    let out = mcpcheck()
        .args(["test", "--quiet", "--json", "-", "--only", "base/jsonrpc/id-echoed"])
        .args(["-H", "Authorization: Bearer very-secret-token", "-H", "X-Trace: abc123"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&out);
    assert!(!text.contains("very-secret-token"), "a token leaked into the report");
    let report: serde_json::Value = serde_json::from_slice(&out).expect("json");
    let headers = &report["checks"][0]["exchanges"][0]["request"]["headers"];
    assert_eq!(headers["x-trace"], "abc123");
    assert_eq!(headers["authorization"], "Bearer [redacted]");
}

#[test]
fn coverage_doc_names_only_known_checks() {
    let out = mcpcheck().arg("list").assert().success().get_output().stdout.clone();
    let client = mcpcheck().args(["list", "--client"]).assert().success().get_output().stdout.clone();
    let listed = format!("{}\n{}", String::from_utf8_lossy(&out), String::from_utf8_lossy(&client));
    let known: Vec<&str> = listed.lines().filter_map(|l| l.split_whitespace().next()).collect();
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/coverage.md")).expect("doc");
    // Every `area/page/slug` in backticks is a check id, unless marked planned.
    for (i, piece) in doc.split('`').enumerate() {
        let is_id = i % 2 == 1
            && piece.split('/').count() == 3
            && piece.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'/' || b == b'-');
        if !is_id || piece.ends_with('/') {
            continue;
        }
        let rest = doc.split('`').nth(i + 1).unwrap_or("");
        if rest.trim_start().starts_with("*(planned") {
            continue;
        }
        assert!(known.contains(&piece), "docs/coverage.md names {piece}, which `mcpcheck list` lacks");
    }
}

/// `bench --help` explains the load models (its long help is not reset by
/// the subcommand's one-line description).
#[test]
fn bench_help_explains_the_load_models() {
    mcpcheck()
        .args(["bench", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("coordinated omission").and(predicate::str::contains("Exit codes")));
}

/// The README and the binary agree: every `--flag` the README names is in
/// the `--help` of some mcpcheck command, apart from the few it names for
/// other tools (cargo, docker, rustfmt).
#[test]
fn every_flag_the_readme_names_is_in_the_help() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let commands: &[&[&str]] = &[
        &["test"],
        &["bench"],
        &["serve"],
        &["authserver"],
        &["list"],
        &["init"],
        &["scenario", "check"],
        &["report", "render"],
        &["report", "matrix"],
        &["report", "diff"],
        &["report", "merge"],
    ];
    let mut help = String::new();
    for c in commands {
        let out = mcpcheck().args(*c).arg("--help").assert().success().get_output().stdout.clone();
        help.push_str(&String::from_utf8_lossy(&out));
    }
    // Other tools' flags in the README's examples.
    let others = ["--check", "--network", "--release", "--rm", "--workspace"];
    let mut missing = Vec::new();
    for (i, _) in readme.match_indices("--") {
        let flag: String = readme[i + 2..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
            .collect();
        let starts_word = readme[..i].chars().last().is_none_or(|c| !c.is_ascii_alphanumeric() && c != '-');
        if flag.is_empty() || !flag.as_bytes()[0].is_ascii_lowercase() || !starts_word {
            continue;
        }
        let flag = format!("--{flag}");
        let in_help = help.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).any(|w| w == flag);
        if !in_help && !others.contains(&flag.as_str()) && !missing.contains(&flag) {
            missing.push(flag);
        }
    }
    assert!(missing.is_empty(), "README.md names flags no --help has: {missing:?}");
}

/// Secrets stay out of the command line: `-H @FILE` reads headers from a
/// file and `--token-file` the token; both are sent and redacted like `-H`.
#[test]
fn headers_and_tokens_from_files_are_sent_and_redacted() {
    let dir = tempfile::tempdir().expect("tmp");
    let headers = dir.path().join("headers");
    std::fs::write(&headers, "# CI secrets\nAuthorization: Bearer file-secret-token\n\nX-Trace: from-file\n")
        .expect("write");
    let out = mcpcheck()
        .args(["test", "--quiet", "--json", "-", "--only", "base/jsonrpc/id-echoed", "--spec", "2025-11-25"])
        .arg("-H")
        .arg(format!("@{}", headers.display()))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&out);
    assert!(!text.contains("file-secret-token"), "a token from the file leaked into the report");
    let report: serde_json::Value = serde_json::from_slice(&out).expect("json");
    let sent = &report["checks"][0]["exchanges"][0]["request"]["headers"];
    assert_eq!(sent["x-trace"], "from-file");
    assert_eq!(sent["authorization"], "Bearer [redacted]");
    // A token file: the token reaches the target as the valid token and is redacted.
    let token = dir.path().join("token");
    std::fs::write(&token, "tok-from-a-file-123\n").expect("write");
    let out = mcpcheck()
        .args(["test", "--quiet", "--json", "-", "--only", "base/jsonrpc/id-echoed", "--spec", "2025-11-25"])
        .arg("http://127.0.0.1:9/mcp")
        .arg("--token-file")
        .arg(&token)
        .output()
        .expect("runs");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("tok-from-a-file-123"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("tok-from-a-file-123"));
    // Unreadable files are usage errors that name the file, not its content.
    mcpcheck()
        .args(["test", "-H", "@/no/such/file"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/no/such/file"));
    std::fs::write(&headers, "not a header line with secret-xyz\n").expect("write");
    mcpcheck()
        .args(["test", "-H"])
        .arg(format!("@{}", headers.display()))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("a line is not").and(predicate::str::contains("secret-xyz").not()));
}

/// One POST on a fresh connection, through mcpcheck's own raw HTTP writer;
/// the status code of the answer (0 for none).
fn status_of(url: &str, body: &str) -> u16 {
    use mcpcheck::wire::{Limits, raw, record::Recorder};
    let headers = [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")]
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .to_vec();
    let req = raw::RawRequest { method: "POST", headers, body: body.as_bytes().to_vec(), dribble: None };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let answer = rt.block_on(raw::send(url, req, Limits::default(), &Recorder::new()));
    answer.ok().and_then(|a| a.status).unwrap_or(0)
}

#[test]
fn serve_flags_set_the_body_and_session_bounds() {
    let served = Served::start(&["--max-body", "2000", "--max-sessions", "1"]);
    let init = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;
    let padded = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"ping","pad":"{}"}}"#, "x".repeat(3000));
    assert_eq!(status_of(&served.url, &padded), 413, "a body past --max-body");
    assert_eq!(status_of(&served.url, init), 200, "the first session");
    assert_eq!(status_of(&served.url, init), 503, "a session past --max-sessions");
    // The help says what each bound is by default.
    mcpcheck()
        .args(["serve", "--help"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("--max-sessions <N>").and(predicate::str::contains("[default: 10000]")),
        )
        .stdout(
            predicate::str::contains("--session-idle <DURATION>")
                .and(predicate::str::contains("[default: 5m]")),
        );
}
