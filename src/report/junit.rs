//! The JUnit XML writer, so CI systems that already show test results
//! (GitLab, Jenkins, GitHub test reporters) can show conformance checks
//! without knowing about MCP. One testsuite per area, one testcase per check
//! and revision, named `id [revision]` so the same check on two revisions is
//! two test cases that a CI history can tell apart.
//! The XML itself is produced by `quick-junit`, never by hand, so escaping and
//! invalid characters in server output are its problem, not ours.
//!
//! Mapping: `fail` is a `<failure>`, `error` an `<error>` (harness trouble,
//! which CI also treats as red), `skip` is `<skipped>` with the reason, `warn`
//! passes with the warning in `system-out` unless `strict`, where a missed
//! SHOULD is a failure; `pass` and `info` pass.

use super::model::{CheckResult, Report, Status};
use super::text::{CAP_CHARS, cap, exchange_line};
use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};
use std::time::Duration;

/// The report as JUnit XML. Under `strict`, `warn` checks are failures.
pub fn to_junit(report: &Report, strict: bool) -> String {
    let timestamp = chrono::DateTime::parse_from_rfc3339(&report.started_at).ok();
    let mut junit = quick_junit::Report::new(report.tool.name.as_str());
    junit.set_time(Duration::from_millis(report.duration_ms));
    if let Some(ts) = timestamp {
        junit.set_timestamp(ts);
    }
    for (area, checks) in report.by_area() {
        let mut suite = TestSuite::new(area);
        if let Some(ts) = timestamp {
            suite.set_timestamp(ts);
        }
        let total_ms: u64 = checks.iter().map(|c| c.duration_ms).sum();
        suite.set_time(Duration::from_millis(total_ms));
        suite.add_properties(suite_properties(report, strict));
        suite.add_test_cases(checks.into_iter().map(|c| test_case(c, area, strict)));
        junit.add_test_suite(suite);
    }
    // Serializing into a Vec has no I/O to fail and quick-junit filters
    // characters XML cannot carry, so an error here would be a library bug.
    junit.to_string().expect("a JUnit report serializes into memory")
}

fn suite_properties(report: &Report, strict: bool) -> Vec<Property> {
    let mut props = vec![
        Property::new("target", report.target.as_str()),
        Property::new("revisions", report.tested_revisions().join(", ")),
    ];
    for r in &report.revisions {
        props.push(Property::new(format!("revision {}", r.revision), r.selection.as_str()));
    }
    props.push(Property::new("tool", format!("{} {}", report.tool.name, report.tool.version)));
    props.push(Property::new("strict", strict.to_string()));
    props
}

fn test_case(check: &CheckResult, area: &str, strict: bool) -> TestCase {
    let status = match check.status {
        Status::Fail => non_success(NonSuccessKind::Failure, check),
        Status::Warn if strict => non_success(NonSuccessKind::Failure, check),
        Status::Error => non_success(NonSuccessKind::Error, check),
        Status::Skip => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(check.message.as_str());
            s
        }
        Status::Pass | Status::Info | Status::Warn => TestCaseStatus::success(),
    };
    let mut case = TestCase::new(format!("{} [{}]", check.id, check.revision), status);
    case.set_classname(area);
    case.set_time(Duration::from_millis(check.duration_ms));
    match check.status {
        Status::Warn if !strict => {
            case.set_system_out(format!("warning: {}\n{}", check.message, details(check)));
        }
        Status::Info => {
            case.set_system_out(format!("info: {}\n", check.message));
        }
        _ => {}
    }
    case
}

fn non_success(kind: NonSuccessKind, check: &CheckResult) -> TestCaseStatus {
    let mut s = TestCaseStatus::non_success(kind);
    s.set_message(check.message.as_str());
    // The type says what kind of miss it is: the RFC 2119 level for a graded
    // requirement, `harness` when the check could not be evaluated at all.
    s.set_type(match check.status {
        Status::Error => "harness",
        _ => check.level.as_str(),
    });
    s.set_description(details(check));
    s
}

/// The failure text: expected, actual (capped), where the requirement is
/// written and what it says, and one line per wire exchange.
fn details(check: &CheckResult) -> String {
    let mut out = String::new();
    if let Some(expected) = &check.expected {
        labelled(&mut out, "expected", &cap(expected, CAP_CHARS));
    }
    if let Some(actual) = &check.actual {
        labelled(&mut out, "actual", &cap(actual, CAP_CHARS));
    }
    if !check.spec_ref.is_empty() {
        labelled(&mut out, "spec", &check.spec_ref);
    }
    if !check.requirement.is_empty() {
        labelled(&mut out, "requirement", &check.requirement);
    }
    if !check.exchanges.is_empty() {
        out.push_str("exchanges:\n");
        for ex in &check.exchanges {
            out.push_str("  ");
            out.push_str(&exchange_line(ex));
            out.push('\n');
        }
    }
    out
}

/// `label: value` on one line, or the label alone and the value indented on
/// the following lines when it has several.
fn labelled(out: &mut String, label: &str, value: &str) {
    if value.contains('\n') {
        out.push_str(label);
        out.push_str(":\n");
        for line in value.lines() {
            out.push_str("  ");
            out.push_str(line);
            out.push('\n');
        }
    } else {
        out.push_str(&format!("{label}: {value}\n"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    fn count(haystack: &str, needle: &str) -> usize {
        haystack.matches(needle).count()
    }

    #[test]
    fn junit_snapshot() {
        insta::assert_snapshot!(to_junit(&fixture::report(), false));
    }

    #[test]
    fn junit_strict_snapshot() {
        insta::assert_snapshot!(to_junit(&fixture::report(), true));
    }

    #[test]
    fn junit_counts_by_string() {
        let xml = to_junit(&fixture::report(), false);
        assert_eq!(count(&xml, "<testsuite "), 3);
        assert_eq!(count(&xml, "<testcase "), 7);
        assert_eq!(count(&xml, "<failure"), 1);
        assert_eq!(count(&xml, "<skipped"), 1);
        assert_eq!(count(&xml, "<error"), 1);

        let strict = to_junit(&fixture::report(), true);
        assert_eq!(count(&strict, "<failure"), 2);
        assert_eq!(count(&strict, "<error"), 1);
    }

    #[test]
    fn junit_parses_back_as_xml_with_expected_counts() {
        let xml = to_junit(&fixture::report(), false);
        let parsed = quick_junit::Report::deserialize_from_str(&xml).unwrap();
        assert_eq!(parsed.tests, 7);
        assert_eq!(parsed.failures, 1);
        assert_eq!(parsed.errors, 1);
        assert_eq!(parsed.skipped, 1);
        let names: Vec<&str> = parsed.test_suites.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["lifecycle", "transport", "tools"]);
        let case = &parsed.test_suites[0].test_cases[1];
        assert_eq!(case.name.as_str(), "lifecycle/initialize/version-negotiation [2025-11-25]");
        assert_eq!(case.classname.as_ref().map(|c| c.as_str()), Some("lifecycle"));
        assert_eq!(case.time, Some(Duration::from_millis(31)));

        let strict = quick_junit::Report::deserialize_from_str(&to_junit(&fixture::report(), true)).unwrap();
        assert_eq!(strict.failures, 2);
    }
}
