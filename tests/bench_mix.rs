//! `mcpcheck bench --mix FILE`: calls drawn from a load mix against the
//! embedded reference server, every answer held to its step's expectations,
//! misses counted as their own failure kind, per-step results in the outputs.
//! Short runs bounded by --requests; no assertion depends on speed.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::Path;

fn mcpcheck() -> Command {
    let mut c = Command::cargo_bin("mcpcheck").expect("binary built");
    c.timeout(std::time::Duration::from_secs(120));
    c
}

fn bench_json(args: &[&str]) -> (i32, Value, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bench.json");
    let out =
        mcpcheck().arg("bench").args(args).args(["--quiet", "--json"]).arg(&path).output().expect("runs");
    let code = out.status.code().unwrap_or(-1);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("no JSON ({e}); stderr: {stderr}"));
    (code, serde_json::from_str(&text).expect("valid JSON"), stderr)
}

fn step<'a>(j: &'a Value, name: &str) -> &'a Value {
    j["steps"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == name))
        .unwrap_or_else(|| panic!("{j:#}"))
}

/// The shipped plain mix with `add`'s expected sum changed to a wrong one.
fn wrong_mix(dir: &Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string("scenarios/plain-mix.toml").expect("shipped mix");
    assert!(text.contains("equals = 42"));
    let path = dir.join("wrong-mix.toml");
    std::fs::write(&path, text.replace("equals = 42", "equals = 43")).expect("write");
    path
}

#[test]
fn the_plain_mix_runs_clean_with_per_step_results() {
    let (code, j, _) =
        bench_json(&["--mix", "scenarios/plain-mix.toml", "--requests", "120", "--users", "3"]);
    assert_eq!(code, 0, "{j:#}");
    assert_eq!(j["requests"], 120);
    assert_eq!(j["failures"]["total"], 0, "{j:#}");
    assert_eq!(j["failures"]["expectation"], 0);
    assert_eq!(j["mix"]["name"], "plain server load mix");
    assert_eq!(j["call"]["mix"]["file"], "scenarios/plain-mix.toml");
    let steps = j["steps"].as_array().expect("steps");
    let names: Vec<&str> = steps.iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(names, ["add", "echo", "read-info"]);
    assert_eq!(step(&j, "add")["weight"], 8);
    // Every call is in exactly one step, and the weights show in the draw.
    let sum: u64 = steps.iter().filter_map(|s| s["requests"].as_u64()).sum();
    assert_eq!(sum, 120);
    let add = step(&j, "add")["requests"].as_u64().unwrap_or(0);
    assert!(add > step(&j, "echo")["requests"].as_u64().unwrap_or(0), "{j:#}");
    assert!(step(&j, "add")["latency_ms"]["p50"].as_f64().is_some_and(|v| v > 0.0));
    assert!(j["timeline"]["points"].as_array().is_some_and(|p| !p.is_empty()), "{j:#}");
}

#[test]
fn a_wrong_expectation_is_counted_on_every_answer_to_its_step() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mix = wrong_mix(dir.path());
    let mix = mix.to_str().expect("utf-8 path");
    // A handshake revision too: the setup step runs in each user's session.
    let (code, j, _) =
        bench_json(&["--mix", mix, "--requests", "100", "--users", "2", "--spec", "2025-06-18"]);
    // Failures alone do not fail the run; a threshold would.
    assert_eq!(code, 0, "{j:#}");
    let add = step(&j, "add");
    let n = add["requests"].as_u64().expect("count");
    assert!(n > 0);
    assert_eq!(add["failures"]["expectation"], n, "{j:#}");
    assert_eq!(add["successes"], 0);
    let example = add["expectation_example"].as_str().expect("an example");
    assert!(example.contains("43") && example.contains("42"), "{example}");
    // The other steps are unaffected, and the totals add up by kind.
    assert_eq!(step(&j, "echo")["failures"]["total"], 0);
    assert_eq!(j["failures"]["expectation"], n);
    assert_eq!(j["failures"]["total"], n);
    assert_eq!(j["failures"]["jsonrpc_error"], 0);
}

#[test]
fn expectation_misses_show_in_the_console_and_markdown() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mix = wrong_mix(dir.path());
    let md = dir.path().join("bench.md");
    mcpcheck()
        .arg("bench")
        .arg("--mix")
        .arg(&mix)
        .args(["--requests", "40", "--users", "2", "--threshold", "errors<1%", "--markdown"])
        .arg(&md)
        .env_remove("GITHUB_STEP_SUMMARY")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("expectation"))
        .stdout(predicate::str::contains("by step"))
        .stdout(predicate::str::contains("add e.g."));
    let text = std::fs::read_to_string(&md).expect("markdown");
    assert!(text.contains("| step | weight |"), "{text}");
    assert!(text.contains("expectation missed"), "{text}");
}

#[test]
fn a_step_that_expects_an_error_succeeds_when_it_gets_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("errors-mix.toml");
    std::fs::write(
        &path,
        "name = \"errors\"\n\
         [[steps]]\nname = \"unknown-tool\"\nweight = 1\nmethod = \"tools/call\"\n\
         params = { name = \"no-such-tool\", arguments = {} }\n\
         expect = { error_code = -32602 }\n\
         [[steps]]\nname = \"list\"\nweight = 1\nmethod = \"tools/list\"\n",
    )
    .expect("write");
    let (code, j, _) =
        bench_json(&["--mix", path.to_str().expect("utf-8"), "--requests", "40", "--users", "2"]);
    assert_eq!(code, 0, "{j:#}");
    assert_eq!(j["failures"]["total"], 0, "{j:#}");
    assert_eq!(j["successes"], 40);
}

#[test]
fn a_failed_setup_step_stops_its_user_before_any_load() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad-setup.toml");
    let text = std::fs::read_to_string("scenarios/plain-mix.toml").expect("shipped mix");
    std::fs::write(&path, text.replace("contains = { name = \"add\" }", "contains = { name = \"mul\" }"))
        .expect("write");
    mcpcheck()
        .arg("bench")
        .arg("--mix")
        .arg(&path)
        .args(["--requests", "10", "--users", "2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("setup step \"tools-exist\""));
}

#[test]
fn a_file_that_is_not_a_mix_is_refused_before_any_load() {
    mcpcheck()
        .args(["bench", "--mix", "scenarios/plain-tools.toml", "--requests", "10"])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("not a load mix"));
    mcpcheck()
        .args(["bench", "--mix", "scenarios/plain-mix.toml", "--tool", "echo", "--requests", "10"])
        .assert()
        .code(2);
}

#[test]
fn var_sets_a_declared_variable_of_the_mix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("vars-mix.toml");
    std::fs::write(
        &path,
        "name = \"vars\"\n[vars]\nwho = \"nobody\"\n\
         [[steps]]\nname = \"echo\"\nweight = 1\nmethod = \"tools/call\"\n\
         params = { name = \"echo\", arguments = { message = \"${who}\" } }\n\
         [[steps.expect.json]]\npointer = \"/result/content/0/text\"\nequals = \"hello\"\n",
    )
    .expect("write");
    let path = path.to_str().expect("utf-8");
    let (_, j, _) = bench_json(&["--mix", path, "--requests", "10", "--users", "1", "--var", "who=hello"]);
    assert_eq!(j["successes"], 10, "{j:#}");
    let (_, j, _) = bench_json(&["--mix", path, "--requests", "10", "--users", "1"]);
    assert_eq!(j["failures"]["expectation"], 10, "{j:#}");
}

#[test]
fn a_mix_runs_in_the_open_model_and_on_stdio() {
    let (code, j, _) = bench_json(&[
        "--mix",
        "scenarios/plain-mix.toml",
        "--rate",
        "300/s",
        "--requests",
        "30",
        "--users",
        "3",
    ]);
    assert_eq!(code, 0, "{j:#}");
    assert_eq!(j["model"], "open");
    assert_eq!(j["requests"], 30);
    assert_eq!(j["failures"]["total"], 0, "{j:#}");
    let bin = assert_cmd::cargo::cargo_bin("mcpcheck");
    let cmd = format!("{} serve plain --stdio", bin.display());
    let (code, j, _) = bench_json(&[
        "--stdio",
        &cmd,
        "--mix",
        "scenarios/plain-mix.toml",
        "--requests",
        "20",
        "--users",
        "2",
    ]);
    assert_eq!(code, 0, "{j:#}");
    assert_eq!(j["sessions"], 2);
    assert_eq!(j["failures"]["total"], 0, "{j:#}");
}
