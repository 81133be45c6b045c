//! `mcpcheck.toml`: a CI job is `mcpcheck test` in a directory with the file.
//! The file's settings are used, flags given on the command line win, header
//! values come from the environment, mistakes name their line, and `mcpcheck
//! init` writes a starter that works.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;

fn mcpcheck(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("mcpcheck").expect("binary built");
    c.current_dir(dir).env_remove("GITHUB_STEP_SUMMARY");
    c
}

fn stdio_server() -> String {
    format!("{} serve plain --stdio", assert_cmd::cargo::cargo_bin("mcpcheck").display())
}

fn ids_and_revisions(dir: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(dir.join("out/report.json")).expect("the file's json report");
    let r: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    r["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| (c["id"].as_str().unwrap_or("").into(), c["revision"].as_str().unwrap_or("").into()))
        .collect()
}

#[test]
fn the_file_sets_the_run_and_flags_win() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = format!(
        "stdio = {:?}\nspec = [\"2025-11-25\"]\nheaders = [\"X-Trace: ${{MCPCHECK_TEST_TRACE}}\"]\n\n\
         [test]\nonly = [\"utilities/\"]\n\n[test.reports]\njson = \"out/report.json\"\n",
        stdio_server()
    );
    std::fs::write(dir.path().join("mcpcheck.toml"), file).expect("write");
    std::fs::create_dir(dir.path().join("out")).expect("mkdir");
    mcpcheck(dir.path()).args(["test", "--quiet"]).env("MCPCHECK_TEST_TRACE", "t-1").assert().success();
    assert_eq!(ids_and_revisions(dir.path()), [("utilities/ping/empty-result".into(), "2025-11-25".into())]);
    // A flag given wins over the file.
    mcpcheck(dir.path())
        .args(["test", "--quiet", "--only", "lifecycle/initialize/result-shape", "--spec", "2025-06-18"])
        .env("MCPCHECK_TEST_TRACE", "t-1")
        .assert()
        .success();
    assert_eq!(
        ids_and_revisions(dir.path()),
        [("lifecycle/initialize/result-shape".into(), "2025-06-18".into())]
    );
    // A header variable that is not set is an error, not an empty header.
    mcpcheck(dir.path())
        .args(["test", "--quiet"])
        .env_remove("MCPCHECK_TEST_TRACE")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("${MCPCHECK_TEST_TRACE} is not set"));
}

#[test]
fn mistakes_name_their_line_and_column() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("other.toml"), "target = \"http://127.0.0.1:9/mcp\"\n[test]\nonyl = []\n")
        .expect("write");
    mcpcheck(dir.path())
        .args(["test", "--config", "other.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("other.toml:3:1:").and(predicate::str::contains("onyl")));
    mcpcheck(dir.path()).args(["test", "--config", "missing.toml"]).assert().code(2);
}

#[test]
fn init_writes_a_starter_and_a_workflow_and_keeps_what_is_there() {
    let dir = tempfile::tempdir().expect("tmp");
    mcpcheck(dir.path()).args(["init", "--github"]).assert().success();
    let starter = std::fs::read_to_string(dir.path().join("mcpcheck.toml")).expect("starter");
    assert!(starter.contains("target = \"http://127.0.0.1:8000/mcp\""));
    let workflow =
        std::fs::read_to_string(dir.path().join(".github/workflows/mcpcheck.yml")).expect("workflow");
    let parsed = yaml_rust2::YamlLoader::load_from_str(&workflow).expect("the workflow is YAML");
    assert!(!parsed[0]["jobs"]["mcp-conformance"]["steps"].is_badvalue());
    mcpcheck(dir.path()).arg("init").assert().code(2).stderr(predicate::str::contains("--force"));
    mcpcheck(dir.path()).args(["init", "--force"]).assert().success();
}
