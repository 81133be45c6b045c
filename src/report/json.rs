//! The JSON writer: the machine-readable report, schema version 2. This is the
//! model serialized as is, so the public schema is exactly [`Report`]; the
//! other writers are views of it, and this one is the record to archive, diff
//! and feed to other tools.

use super::model::Report;

/// The report as pretty-printed JSON with a trailing newline.
pub fn to_json(report: &Report) -> String {
    // The model has only string map keys and plain values, so serializing it
    // cannot fail; a panic here is a bug in the model, not bad input.
    let mut out = serde_json::to_string_pretty(report).expect("the report model serializes");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;
    use crate::report::model::Status;

    #[test]
    fn json_snapshot() {
        insta::assert_snapshot!(to_json(&fixture::report()));
    }

    #[test]
    fn json_round_trips_into_an_equal_report() {
        let report = fixture::report();
        let back: Report = serde_json::from_str(&to_json(&report)).unwrap();
        assert_eq!(back, report);
    }

    #[test]
    fn a_schema_1_report_reads_as_one_revision() {
        let v1 = serde_json::json!({
            "schema_version": 1, "tool": {"name": "mcpcheck", "version": "0.1.0"},
            "target": "http://127.0.0.1:1/mcp", "spec_version": "2025-06-18", "spec_selection": "forced",
            "started_at": "2026-01-01T00:00:00Z", "duration_ms": 5,
            "checks": [{"id": "utilities/ping/empty-result", "title": "t", "level": "must", "status": "fail",
                        "spec_ref": "2025-06-18 basic/utilities/ping#behavior-requirements", "message": "m",
                        "duration_ms": 1, "exchanges": []}],
            "summary": {"pass": 0, "fail": 1, "warn": 0, "info": 0, "skip": 0, "error": 0}});
        let r = Report::from_json_value(v1).unwrap();
        assert_eq!(r.checks[0].revision, "2025-06-18");
        assert_eq!(r.tested_revisions(), ["2025-06-18"]);
        assert_eq!(r.revisions[0].selection, crate::report::model::Selection::Forced);
        assert_eq!(r.revisions[0].summary.fail, 1);
        let v3 = serde_json::json!({"schema_version": 3});
        assert!(Report::from_json_value(v3).unwrap_err().to_string().contains("schema_version 3"));
        assert!(Report::from_json_value(serde_json::json!({})).is_err());
    }

    #[test]
    fn json_ends_with_one_newline() {
        let out = to_json(&fixture::report());
        assert!(out.ends_with("}\n"));
    }

    #[test]
    fn verdict_fails_on_fail_and_error_and_on_warn_only_when_strict() {
        let mut report = fixture::report();
        assert!(report.failed(false));
        assert!(report.failed(true));

        // Only the error left: a timeout must never pass.
        report.checks.retain(|c| !matches!(c.status, Status::Fail));
        assert!(report.failed(false));

        // Only pass/warn/info/skip left: the warn fails the gate under strict only.
        report.checks.retain(|c| !matches!(c.status, Status::Error));
        assert!(!report.failed(false));
        assert!(report.failed(true));

        report.checks.retain(|c| !matches!(c.status, Status::Warn));
        assert!(!report.failed(true));
    }

    #[test]
    fn checks_group_by_area_in_order_of_first_appearance() {
        let report = fixture::report();
        let groups: Vec<(&str, usize)> =
            report.by_area().iter().map(|(area, checks)| (*area, checks.len())).collect();
        assert_eq!(groups, [("lifecycle", 2), ("transport", 2), ("tools", 3)]);
    }
}
