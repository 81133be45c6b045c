//! Declarative scenarios through the real binary: the shipped scenarios pass
//! against the embedded plain server, a wrong expectation fails exactly its
//! step with expected and actual, a malformed file is refused with its line
//! before anything is sent, variables and captures carry values between steps.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::Path;

fn mcpcheck() -> Command {
    Command::cargo_bin("mcpcheck").expect("binary built")
}

/// Runs `mcpcheck test` on the embedded server with the JSON report on stdout.
fn run_json(args: &[&str], code: i32) -> Value {
    let out = mcpcheck()
        .args(["test", "--quiet", "--json", "-"])
        .args(args)
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("a JSON report")
}

/// The scenario results of one revision.
fn on<'a>(results: &[&'a Value], revision: &str) -> Vec<&'a Value> {
    results.iter().copied().filter(|c| c["revision"] == revision).collect()
}

/// The revisions a default run of the embedded server tests.
const EVERY_REVISION: [&str; 4] = ["2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"];

fn checks(report: &Value) -> Vec<&Value> {
    report["checks"].as_array().expect("checks").iter().collect()
}

fn scenario_checks(report: &Value) -> Vec<&Value> {
    checks(report)
        .into_iter()
        .filter(|c| c["id"].as_str().is_some_and(|i| i.starts_with("scenario/")))
        .collect()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p.display().to_string()
}

#[test]
fn shipped_scenarios_pass_beside_the_builtin_checks() {
    let report = run_json(&["--scenario", "scenarios/"], 0);
    let scen = scenario_checks(&report);
    assert!(scen.len() >= 20, "{} scenario steps", scen.len());
    assert!(scen.iter().all(|c| c["status"] == "pass"), "{scen:#?}");
    assert!(checks(&report).iter().any(|c| c["id"] == "lifecycle/initialize/result-shape"));
    let add = scen.iter().find(|c| c["id"] == "scenario/plain-tools/add-two-and-three").expect("add step");
    assert!(!add["exchanges"].as_array().expect("exchanges").is_empty(), "exchanges recorded");
    // Setup steps are reported only when they fail.
    assert!(!scen.iter().any(|c| c["id"] == "scenario/plain-mix/tools-exist"));
}

#[test]
fn shipped_scenarios_pass_on_every_revision() {
    for spec in ["2025-03-26", "2025-06-18", "2026-07-28"] {
        let report = run_json(&["--spec", spec, "--only", "scenario/", "--scenario", "scenarios"], 0);
        assert!(scenario_checks(&report).iter().all(|c| c["status"] == "pass"), "{spec}");
    }
}

#[test]
fn a_wrong_expectation_fails_exactly_its_step() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string("scenarios/plain-tools.toml").expect("read");
    let wrong = text.replacen("equals = 5\n", "equals = 6\n", 1);
    assert_ne!(text, wrong);
    let path = write(dir.path(), "plain-tools.toml", &wrong);
    // A scenario that pins no revision runs on every revision the server supports.
    let report = run_json(&["--only", "scenario/", "--scenario", &path], 1);
    for revision in EVERY_REVISION {
        let failed: Vec<&Value> =
            on(&scenario_checks(&report), revision).into_iter().filter(|c| c["status"] != "pass").collect();
        assert_eq!(failed.len(), 1, "{revision}: {failed:#?}");
        let f = failed[0];
        assert_eq!(f["id"], "scenario/plain-tools/add-two-and-three");
        assert_eq!(f["status"], "fail");
        assert_eq!(f["expected"], "6");
        assert_eq!(f["actual"], "5");
        assert!(
            f["message"].as_str().is_some_and(|m| m.contains("/result/structuredContent/result")),
            "{f:#}"
        );
    }
    // Pinned, it runs once, on its revision.
    assert!(!wrong.contains("[target]"));
    let pinned = format!("{wrong}\n[target]\nrevision = \"2025-06-18\"\n");
    let path = write(dir.path(), "plain-tools.toml", &pinned);
    let report = run_json(&["--only", "scenario/", "--scenario", &path], 1);
    let revisions: std::collections::BTreeSet<&str> =
        scenario_checks(&report).iter().filter_map(|c| c["revision"].as_str()).collect();
    assert_eq!(revisions.into_iter().collect::<Vec<_>>(), ["2025-06-18"]);
}

#[test]
fn a_malformed_file_is_refused_with_its_line_before_any_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(
        dir.path(),
        "typo.toml",
        "name = \"typo\"\n\n[[steps]]\nname = \"a\"\nmethod = \"ping\"\n[steps.expect]\nstauts = 200\n",
    );
    // Port 9 (discard) on loopback: nothing listens, so any request would
    // end in "could not be reached" instead of the scenario error.
    mcpcheck()
        .args(["test", "http://127.0.0.1:9/mcp", "--scenario", &path])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("typo.toml:7:1"))
        .stderr(predicate::str::contains("stauts"))
        .stderr(predicate::str::contains("reached").not());
    let bad_syntax = write(dir.path(), "syntax.toml", "name = \"s\"\n[[steps]\n");
    mcpcheck()
        .args(["scenario", "check", &bad_syntax])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("syntax.toml:2:"));
    let undefined = write(
        dir.path(),
        "undefined.toml",
        "name = \"u\"\n[[steps]]\nname = \"a\"\nmethod = \"ping\"\n\n[[steps]]\nname = \"b\"\n\
         method = \"tools/call\"\nparams = { name = \"${tool}\" }\n",
    );
    mcpcheck()
        .args(["scenario", "check", &undefined])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("undefined.toml:6:1"))
        .stderr(predicate::str::contains("${tool} used before it is defined"));
}

#[test]
fn variables_and_captures_carry_values_between_steps() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(
        dir.path(),
        "flow.toml",
        r#"
name = "captures"
[vars]
tool = "add"
[target]
headers = { X-Scenario = "flow-${tool}" }

[[steps]]
name = "first"
setup = true
method = "tools/call"
params = { name = "${tool}", arguments = { a = 40, b = 2 } }
capture = { answer = "/result/structuredContent/result", text = "/result/content/0/text" }

[[steps]]
name = "number-stays-a-number"
method = "tools/call"
params = { name = "subtract", arguments = { a = "${answer}", b = 2 } }
[[steps.expect.json]]
pointer = "/result/structuredContent/result"
equals = 40

[[steps]]
name = "interpolated-into-text"
headers = { X-Step = "${answer}" }
raw = { jsonrpc = "2.0", id = "r-${answer}", method = "tools/call", params = { name = "echo", arguments = { message = "got ${answer} from ${tool}" } } }
[[steps.expect.json]]
pointer = "/id"
equals = "r-42"
[[steps.expect.json]]
pointer = "/result/content/0/text"
equals = "got 42 from add"
[[steps.expect.json]]
pointer = "/result/content/0/text"
matches = "^got ${answer} "
"#,
    );
    let report = run_json(&["--spec", "2025-11-25", "--only", "scenario/", "--scenario", &path], 0);
    let scen = scenario_checks(&report);
    let ids: Vec<&str> = scen.iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(ids, ["scenario/flow/number-stays-a-number", "scenario/flow/interpolated-into-text"]);
    assert!(scen.iter().all(|c| c["status"] == "pass"), "{scen:#?}");
    // The scenario's and the step's headers went out with the request.
    let ex = scen[1]["exchanges"].as_array().expect("exchanges");
    let headers = &ex.last().expect("an exchange")["request"]["headers"];
    assert_eq!(headers["x-scenario"], "flow-add");
    assert_eq!(headers["x-step"], "42");
}

#[test]
fn a_failed_setup_step_skips_the_rest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(
        dir.path(),
        "setup.toml",
        "name = \"s\"\n[[steps]]\nname = \"prepare\"\nsetup = true\nmethod = \"tools/call\"\n\
         params = { name = \"no-such-tool\" }\n\n[[steps]]\nname = \"after\"\nmethod = \"ping\"\n",
    );
    let report = run_json(&["--only", "scenario/", "--scenario", &path], 1);
    for revision in EVERY_REVISION {
        let scen = on(&scenario_checks(&report), revision);
        let got: Vec<(&str, &str)> = scen
            .iter()
            .map(|c| (c["id"].as_str().unwrap_or(""), c["status"].as_str().unwrap_or("")))
            .collect();
        assert_eq!(got, [("scenario/setup/prepare", "fail"), ("scenario/setup/after", "skip")], "{revision}");
    }
}

#[test]
fn the_committed_schema_is_current_and_the_shipped_files_fit_it() {
    let out = mcpcheck().args(["scenario", "schema"]).assert().success().get_output().stdout.clone();
    let printed = String::from_utf8(out).expect("utf-8");
    let committed = std::fs::read_to_string("docs/scenario.schema.json").expect("docs/scenario.schema.json");
    assert_eq!(
        printed, committed,
        "docs/scenario.schema.json is stale: run `mcpcheck scenario schema > docs/scenario.schema.json`"
    );
    let schema: Value = serde_json::from_str(&committed).expect("JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let mut files = Vec::new();
    let dirs = ["authorized", "composed", "composed-nested", "proxied", "mounted", "openapi"]
        .map(|d| format!("scenarios/{d}"));
    for dir in std::iter::once("scenarios".to_owned()).chain(dirs) {
        for entry in std::fs::read_dir(dir).expect("a scenarios directory") {
            files.push(entry.expect("entry").path());
        }
    }
    assert!(files.iter().filter(|p| p.extension().is_some_and(|e| e == "toml")).count() >= 5);
    for path in files {
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).expect("read");
            let doc: Value = toml::from_str(&text).expect("TOML");
            let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{}: {errors:?}", path.display());
        }
    }
    mcpcheck().args(["scenario", "check", "scenarios", "scenarios/authorized"]).assert().success();
}

#[test]
fn every_writer_shows_scenario_steps() {
    let dir = tempfile::tempdir().expect("tempdir");
    let junit = dir.path().join("r.xml");
    let md = dir.path().join("r.md");
    mcpcheck()
        .args(["test", "--show-checks", "--only", "scenario/", "--scenario", "scenarios/plain-tools.toml"])
        .arg("--junit")
        .arg(&junit)
        .arg("--markdown")
        .arg(&md)
        .env_remove("GITHUB_STEP_SUMMARY")
        .assert()
        .success()
        .stdout(predicate::str::contains("scenario/plain-tools/unknown-tool-is-an-error"));
    for f in [junit, md] {
        let text = std::fs::read_to_string(&f).expect("report");
        assert!(text.contains("scenario/plain-tools/add-two-and-three"), "{}", f.display());
    }
}

/// The authorized server's scope rules, through the library: the embedded
/// authorized target (its requests carry a valid token) and the token
/// without `read:add` given to the scenario as a variable.
#[tokio::test]
async fn authorized_scope_rules_hold() {
    use mcpcheck::oauth::mint::TokenCase;
    use mcpcheck::scenario::{exec, load};
    let target = mcpcheck::oauth::embedded::start(reference_servers::FaultSet::clean(), Default::default())
        .await
        .expect("authorized target");
    let narrow =
        target.material.token(TokenCase::MissingScope).expect("a token without read:add").to_string();
    let mut loaded = load::load_paths(&["scenarios/authorized".into()]).expect("valid scenarios");
    load::set_vars(&mut loaded, &[format!("narrow_token={narrow}")]).expect("declared");
    for version in [mcpcheck::spec::SpecVersion::V2025_11_25, mcpcheck::spec::SpecVersion::V2026_07_28] {
        let results = exec::run_scenario(&loaded[0], &target.endpoint, version).await;
        assert_eq!(results.len(), 4);
        for r in &results {
            assert!(matches!(r.verdict, mcpcheck::checks::Verdict::Pass(_)), "{version}: {r:#?}");
        }
    }
    // And a token with read:add is what makes the difference.
    load::set_vars(
        &mut loaded,
        &[format!("narrow_token={}", target.material.token(TokenCase::Valid).expect("valid"))],
    )
    .expect("declared");
    let results =
        exec::run_scenario(&loaded[0], &target.endpoint, mcpcheck::spec::SpecVersion::V2025_11_25).await;
    let failed: Vec<&str> = results
        .iter()
        .filter(|r| !matches!(r.verdict, mcpcheck::checks::Verdict::Pass(_)))
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(failed, ["scenario/scope-rules/add-without-read-add-is-403"]);
}

#[test]
fn shipped_scenarios_pass_over_stdio_and_http_only_ones_skip() {
    let bin = assert_cmd::cargo::cargo_bin("mcpcheck");
    let cmd = format!("{} serve plain --stdio", bin.display());
    let report = run_json(&["--stdio", &cmd, "--only", "scenario/", "--scenario", "scenarios"], 0);
    for c in scenario_checks(&report) {
        let http_only = c["id"].as_str().is_some_and(|i| i.starts_with("scenario/plain-negative/"));
        assert_eq!(c["status"], if http_only { "skip" } else { "pass" }, "{c:#}");
    }
}

/// The shipped scenarios can fail: each of these faults of the plain server
/// breaks exactly the steps named, and no other.
#[test]
fn shipped_scenarios_catch_server_faults() {
    let cases: &[(&str, &[&str])] = &[
        (
            "structured-content-mismatch",
            &[
                "scenario/plain-mix/add",
                "scenario/plain-tools/add-two-and-three",
                // It computes with the sum add returned, now a string.
                "scenario/plain-tools/subtract-the-sum",
            ],
        ),
        ("unknown-tool-is-result", &["scenario/plain-tools/unknown-tool-is-an-error"]),
        ("unknown-prompt-wrong-code", &["scenario/plain-resources-prompts/unknown-prompt-is-invalid-params"]),
        ("invalid-cursor-ignored", &["scenario/plain-resources-prompts/bogus-cursor-is-invalid-params"]),
        ("unknown-uri-empty-contents", &["scenario/plain-resources-prompts/unknown-resource-is-an-error"]),
    ];
    for (fault, broken) in cases {
        let report = run_json(&["--fault", fault, "--only", "scenario/", "--scenario", "scenarios"], 1);
        for revision in EVERY_REVISION {
            let not_passed: Vec<&str> = on(&scenario_checks(&report), revision)
                .into_iter()
                .filter(|c| c["status"] != "pass")
                .filter_map(|c| c["id"].as_str())
                .collect();
            assert_eq!(&not_passed, broken, "{fault} on {revision}");
        }
    }
}

/// A `--var` named like a credential never reaches a report, even when the
/// server echoes it back; other variables stay visible.
#[test]
fn secret_var_values_are_redacted_from_reports() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(
        dir.path(),
        "echoes.toml",
        r#"
name = "echoes"
[vars]
api_token = "set-me"
greeting = "set-me"

[[steps]]
name = "echo-the-token"
method = "tools/call"
params = { name = "echo", arguments = { message = "${greeting} ${api_token}" } }
[[steps.expect.json]]
pointer = "/result/content/0/text"
equals = "${greeting} wrong-on-purpose"
"#,
    );
    let secret = "s3cr3t-t0ken-value";
    let md = dir.path().join("r.md");
    let out = mcpcheck()
        .args(["test", "--quiet", "--json", "-", "--only", "scenario/", "--scenario", &path])
        .args(["--var", &format!("api_token={secret}"), "--var", "greeting=hello-visible"])
        .arg("--markdown")
        .arg(&md)
        .env_remove("GITHUB_STEP_SUMMARY")
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let json = String::from_utf8(out).expect("utf-8");
    let markdown = std::fs::read_to_string(&md).expect("markdown");
    for text in [&json, &markdown] {
        assert!(!text.contains(secret), "the secret leaked: {text}");
        assert!(text.contains("[redacted]"));
        assert!(text.contains("hello-visible"), "an ordinary variable stays");
    }
    let report: Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(report["checks"][0]["actual"], "\"hello-visible [redacted]\"", "{report:#}");
}
