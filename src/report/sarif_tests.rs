use super::*;
use crate::report::fixture;

/// The OASIS SARIF 2.1.0 schema (draft-07), as shipped inside the
/// serde-sarif 0.8.0 crate on crates.io (its src/schema.json, from which
/// that crate generates its types), copied unchanged. The crate is MIT
/// licensed and says nothing further about the schema file.
const SCHEMA: &str = include_str!("../../tests/data/sarif-schema-2.1.0.json");

/// The schema says draft-07, whose meta-schema asserts `format: regex` on
/// every `pattern`, and its own `run.language` pattern has a stray `]`
/// that check refuses: no draft-07 validator can be built from it. So it
/// is read by 2020-12 rules, where a meta-schema's formats only annotate;
/// it uses no keyword whose meaning differs (no tuple `items`, no
/// `dependencies`, only descriptions beside a `$ref`). Formats are still
/// asserted on the SARIF itself (`date-time`, `uri`, `uri-reference`).
fn schema_errors(sarif: &str) -> Vec<String> {
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let instance: Value = serde_json::from_str(sarif).unwrap();
    validator.iter_errors(&instance).map(|e| format!("{e} at {}", e.instance_path())).collect()
}

fn log(strict: bool) -> Value {
    serde_json::from_str(&to_sarif(&fixture::report(), strict)).unwrap()
}

#[test]
fn sarif_snapshot() {
    insta::assert_snapshot!(to_sarif(&fixture::report(), false));
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    for strict in [false, true] {
        let errors = schema_errors(&to_sarif(&fixture::report(), strict));
        assert!(errors.is_empty(), "strict={strict}: {errors:#?}");
    }
    // The validator does reject what the schema forbids, formats included.
    let spoil = |pointer: &str, value: Value| {
        let mut bad = log(false);
        *bad.pointer_mut(pointer).unwrap() = value;
        schema_errors(&bad.to_string())
    };
    assert!(!spoil("/runs/0/results/0/level", json!("fatal")).is_empty());
    assert!(!spoil("/runs/0/invocations/0/startTimeUtc", json!("yesterday")).is_empty());
    assert!(!spoil("/runs/0/tool/driver/rules/0/helpUri", json!("not a uri")).is_empty());
}

#[test]
fn a_result_per_fail_warn_and_error_none_for_pass_info_skip() {
    let log = log(false);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let got: Vec<(&str, &str, &str)> = results
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap(),
                r["level"].as_str().unwrap(),
                r["properties"]["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("lifecycle/initialize/version-negotiation", "error", "fail"),
            ("transport/http/content-type-charset", "warning", "warn"),
            ("tools/list/pagination", "error", "error"),
        ]
    );
    assert_eq!(results[2]["properties"]["harnessTrouble"], true);
    assert!(results[0]["properties"].get("harnessTrouble").is_none());
    let message = results[0]["message"]["text"].as_str().unwrap();
    assert!(message.starts_with("server echoed the unsupported version 1999-01-01\nexpected: "), "{message}");
    assert!(message.contains("\nactual: {\n  \"protocolVersion\": \"1999-01-01\"\n}"), "{message}");
    assert!(message.contains("\nrevision: 2025-11-25"), "{message}");
    // A rule's index points at its rule.
    let rules = log["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
    }
}

#[test]
fn strict_makes_a_missed_should_an_error() {
    let log = log(true);
    let levels: Vec<&str> =
        log["runs"][0]["results"].as_array().unwrap().iter().map(|r| r["level"].as_str().unwrap()).collect();
    assert_eq!(levels, ["error", "error", "error"]);
    let charset = &log["runs"][0]["tool"]["driver"]["rules"][2];
    assert_eq!(charset["id"], "transport/http/content-type-charset");
    assert_eq!(charset["defaultConfiguration"]["level"], "error");
}

#[test]
fn one_rule_per_check_linking_the_newest_revision_it_ran_on() {
    let log = log(false);
    let rules = log["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, fixture::report().check_ids());
    let pagination = rules.iter().find(|r| r["id"] == "tools/list/pagination").unwrap();
    assert_eq!(
        pagination["helpUri"],
        "https://modelcontextprotocol.io/specification/2026-07-28/server/utilities/pagination#response-format"
    );
    assert_eq!(pagination["name"], "ToolsListPagination");
    assert_eq!(pagination["properties"]["level"], "must");
    assert_eq!(pagination["properties"]["revisions"], json!(["2025-11-25", "2026-07-28"]));
    let negotiation = &rules[1];
    assert!(negotiation["fullDescription"]["text"].as_str().unwrap().starts_with("If the server supports"));
    assert_eq!(negotiation["shortDescription"]["text"], fixture::report().checks[1].title);
    assert_eq!(rules[3]["defaultConfiguration"]["level"], "note", "a MAY check");
}

#[test]
fn the_location_is_the_target_as_a_relative_path() {
    let log = log(false);
    let location = &log["runs"][0]["results"][0]["locations"][0];
    assert_eq!(location["physicalLocation"]["artifactLocation"]["uri"], "127.0.0.1/mcp");
    assert_eq!(location["physicalLocation"]["region"]["startLine"], 1);
    assert_eq!(location["message"]["text"], "http://127.0.0.1:8080/mcp");
    assert_eq!(location_uri("https://mcp.example.com:8443/v1/mcp?key=x"), "mcp.example.com_8443/v1/mcp");
    assert_eq!(location_uri("http://localhost:3000/"), "localhost/");
    assert_eq!(location_uri("http://[::1]:9/mcp"), "%5B%3A%3A1%5D/mcp");
    assert_eq!(location_uri("stdio: python server.py"), "stdio/python%20server.py");
    assert_eq!(location_uri("stdio: ../bin/srv --port 1"), "stdio/..%2Fbin%2Fsrv%20--port%201");
    assert_eq!(location_uri("not a url"), "target/not%20a%20url");
}

#[test]
fn fingerprints_tell_revisions_and_targets_apart_and_repeat_across_runs() {
    let mut report = fixture::report();
    let mut again = report.checks[1].clone();
    again.revision = "2026-07-28".into();
    report.checks.push(again);
    let prints = |report: &Report| -> Vec<String> {
        let log: Value = serde_json::from_str(&to_sarif(report, false)).unwrap();
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["partialFingerprints"]["primaryLocationLineHash"].as_str().unwrap().to_string())
            .collect()
    };
    let first = prints(&report);
    assert_eq!(first.len(), 4);
    assert_eq!(first.iter().collect::<std::collections::HashSet<_>>().len(), 4, "{first:?}");
    // Another run: a new loopback port, a new time; the same alerts.
    report.target = "http://127.0.0.1:40123/mcp".into();
    report.started_at = "2025-11-26T08:00:00Z".into();
    assert_eq!(prints(&report), first);
    report.target = "https://mcp.example.com/mcp".into();
    assert!(prints(&report).iter().all(|p| !first.contains(p)));
}

#[test]
fn the_invocation_says_whether_every_check_ran_and_how_revisions_were_chosen() {
    let log = log(false);
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false, "the fixture has a harness error");
    assert_eq!(invocation["startTimeUtc"], "2025-11-25T10:00:00Z");
    assert_eq!(invocation["endTimeUtc"], "2025-11-25T10:00:05.071Z");
    let revisions = invocation["properties"]["revisions"].as_array().unwrap();
    assert_eq!(revisions.len(), 3);
    assert_eq!(revisions[0]["selection"], "refused");
    assert_eq!(revisions[0]["tested"], false);
    let mut report = fixture::report();
    report.checks.retain(|c| c.status != Status::Error);
    report.started_at = "yesterday".into();
    report.duration_ms = u64::MAX;
    let log: Value = serde_json::from_str(&to_sarif(&report, false)).unwrap();
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    assert!(invocation.get("startTimeUtc").is_none());
    assert!(schema_errors(&log.to_string()).is_empty());
}
