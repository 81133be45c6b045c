//! `--baseline FILE`: this run against an earlier `--json` result: the change
//! in rate and in p50/p90/p99/p99.9 (absolute and percent), and in errors.
//!
//! The baseline is read (and its schema_version checked) before any load, so
//! a wrong file costs no run. Both sides are compared through their JSON
//! fields, so a result written by an earlier mcpcheck reads the same as this
//! run's own. A sweep is compared step by step, matched on users.

use serde_json::{Value, json};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Baseline files larger than this are not bench results.
const MAX_BYTES: u64 = 256 << 20;

/// A metric compared: its name, where it is in the JSON, whether higher is better.
const METRICS: &[(&str, &str, bool)] = &[
    ("rate/s", "/rate_per_s", true),
    ("p50 ms", "/latency_ms/p50", false),
    ("p90 ms", "/latency_ms/p90", false),
    ("p99 ms", "/latency_ms/p99", false),
    ("p99.9 ms", "/latency_ms/p999", false),
    ("errors %", "/error_percent", false),
];

/// An earlier result, read and checked.
#[derive(Debug, Clone)]
pub struct Baseline {
    pub path: PathBuf,
    pub json: Value,
}

/// One metric before and after.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Change {
    pub metric: &'static str,
    pub before: f64,
    pub after: f64,
    /// after − before.
    pub change: f64,
    /// The change as a percentage of before (None when before is 0).
    pub percent: Option<f64>,
    /// The change is for the worse (lower rate, higher latency or errors).
    pub worse: bool,
}

/// This run (or sweep step) against its baseline.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Comparison {
    pub file: String,
    /// What the baseline measured, for the reader to judge the comparison.
    pub baseline_target: String,
    pub baseline_users: Option<u64>,
    pub baseline_model: String,
    pub changes: Vec<Change>,
}

impl Baseline {
    /// Reads `path`; refuses anything that is not a bench result of this
    /// schema_version, saying what it is.
    pub fn load(path: &Path) -> Result<Baseline, String> {
        let name = path.display();
        let size = std::fs::metadata(path).map_err(|e| format!("--baseline {name}: cannot read: {e}"))?.len();
        if size > MAX_BYTES {
            return Err(format!("--baseline {name}: {size} bytes is too large for a bench result"));
        }
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("--baseline {name}: cannot read: {e}"))?;
        let json: Value = serde_json::from_str(&text).map_err(|e| {
            format!("--baseline {name}: not JSON ({e}); give a file written by `bench --json`")
        })?;
        Self::from_json(path, json)
    }

    pub fn from_json(path: &Path, json: Value) -> Result<Baseline, String> {
        let name = path.display();
        let ours = super::report::SCHEMA_VERSION;
        match json.get("schema_version").and_then(Value::as_u64) {
            Some(v) if v == u64::from(ours) => {}
            Some(v) => {
                return Err(format!(
                    "--baseline {name}: schema_version {v}, but this mcpcheck reads bench results of \
                     schema_version {ours}; run the baseline again with this version"
                ));
            }
            None => {
                return Err(format!(
                    "--baseline {name}: no schema_version: not a result written by `mcpcheck bench --json`"
                ));
            }
        }
        let is_bench = json.get("rate_per_s").is_some() || json.get("sweep").is_some_and(Value::is_array);
        if !is_bench {
            return Err(format!(
                "--baseline {name}: no rate_per_s: a `mcpcheck test` report, not a bench result?"
            ));
        }
        Ok(Baseline { path: path.to_path_buf(), json })
    }

    /// The result to compare a run of `users` with: a single run as it is,
    /// a sweep's step with the same users.
    pub fn for_users(&self, users: Option<u64>) -> Option<&Value> {
        match self.json.get("sweep").and_then(Value::as_array) {
            Some(steps) => steps.iter().find(|s| s.get("users").and_then(Value::as_u64) == users),
            None => Some(&self.json),
        }
    }

    /// `current` (a run's JSON) against the matching baseline result.
    pub fn compare(&self, current: &Value) -> Option<Comparison> {
        let base = self.for_users(current.get("users").and_then(Value::as_u64))?;
        Some(compare(&self.path.display().to_string(), base, current))
    }
}

/// Every metric of `current` against `base`, both bench JSON results.
pub fn compare(file: &str, base: &Value, current: &Value) -> Comparison {
    let num = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_f64);
    let changes = METRICS
        .iter()
        .filter_map(|(metric, pointer, higher_is_better)| {
            let (before, after) = (num(base, pointer)?, num(current, pointer)?);
            let change = after - before;
            let percent = (before != 0.0).then(|| change * 100.0 / before);
            let worse = if *higher_is_better { change < 0.0 } else { change > 0.0 };
            Some(Change { metric, before, after, change, percent, worse })
        })
        .collect();
    let text = |p: &str| base.pointer(p).and_then(Value::as_str).unwrap_or("?").to_string();
    Comparison {
        file: file.to_string(),
        baseline_target: text("/target"),
        baseline_users: base.get("users").and_then(Value::as_u64),
        baseline_model: text("/model"),
        changes,
    }
}

fn percent_text(p: Option<f64>) -> String {
    p.map_or_else(|| "n/a".to_string(), |p| format!("{p:+.1}%"))
}

/// The comparison for the console.
pub fn to_console(c: &Comparison) -> String {
    let mut out = String::new();
    let users = c.baseline_users.map_or(String::new(), |u| format!(", {u} users"));
    let _ = writeln!(out, "\n  against baseline {} ({}{users})", c.file, c.baseline_model);
    let _ = writeln!(out, "    {:<10}{:>12}{:>12}{:>12}{:>10}", "", "before", "after", "change", "");
    for ch in &c.changes {
        let mark = if ch.worse { "  worse" } else { "" };
        let _ = writeln!(
            out,
            "    {:<10}{:>12.3}{:>12.3}{:>+12.3}{:>10}{mark}",
            ch.metric,
            ch.before,
            ch.after,
            ch.change,
            percent_text(ch.percent)
        );
    }
    out
}

/// The comparison as a Markdown table.
pub fn to_markdown(c: &Comparison) -> String {
    let mut out = format!(
        "\nAgainst baseline `{}` ({}{}):\n\n| metric | before | after | change | % | |\n|---|---:|---:|---:|---:|---|\n",
        super::sections::markdown_text(&c.file),
        c.baseline_model,
        c.baseline_users.map_or(String::new(), |u| format!(", {u} users"))
    );
    for ch in &c.changes {
        let _ = writeln!(
            out,
            "| {} | {:.3} | {:.3} | {:+.3} | {} | {} |",
            ch.metric,
            ch.before,
            ch.after,
            ch.change,
            percent_text(ch.percent),
            if ch.worse { "worse" } else { "" }
        );
    }
    out
}

/// The comparison as the JSON's `baseline` field.
pub fn to_json(c: &Comparison) -> Value {
    json!(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_have_a_sign_a_percent_and_a_direction() {
        let base = json!({"schema_version": 1, "rate_per_s": 1000.0, "users": 8, "model": "closed",
                          "latency_ms": {"p50": 2.0, "p90": 3.0, "p99": 4.0, "p999": 0.0}, "error_percent": 0.0});
        let now = json!({"rate_per_s": 800.0, "users": 8,
                         "latency_ms": {"p50": 1.0, "p90": 3.0, "p99": 5.0, "p999": 1.0}, "error_percent": 0.0});
        let b = Baseline::from_json(Path::new("b.json"), base).expect("a bench result");
        let c = b.compare(&now).expect("same users");
        let rate = &c.changes[0];
        assert_eq!((rate.change, rate.percent, rate.worse), (-200.0, Some(-20.0), true));
        let p50 = &c.changes[1];
        assert_eq!((p50.change, p50.percent, p50.worse), (-1.0, Some(-50.0), false));
        assert!(c.changes[3].worse);
        assert_eq!(c.changes[4].percent, None);
        assert!(to_console(&c).contains("-20.0%"));
    }

    #[test]
    fn other_schema_versions_and_other_files_are_refused() {
        let e = Baseline::from_json(Path::new("b.json"), json!({"schema_version": 2, "rate_per_s": 1}))
            .expect_err("schema 2");
        assert!(e.contains("schema_version 2") && e.contains("schema_version 1"), "{e}");
        assert!(Baseline::from_json(Path::new("b.json"), json!({"rate_per_s": 1})).is_err());
        let e = Baseline::from_json(Path::new("b.json"), json!({"schema_version": 1, "checks": []}))
            .expect_err("a test report");
        assert!(e.contains("not a bench result"), "{e}");
    }

    #[test]
    fn a_sweep_baseline_is_matched_on_users() {
        let sweep = json!({"schema_version": 1, "sweep": [{"users": 1, "rate_per_s": 10.0}, {"users": 8, "rate_per_s": 80.0}]});
        let b = Baseline::from_json(Path::new("s.json"), sweep).expect("a sweep");
        let c = b.compare(&json!({"users": 8, "rate_per_s": 40.0})).expect("a step with 8 users");
        assert_eq!(c.changes[0].before, 80.0);
        assert!(b.compare(&json!({"users": 4, "rate_per_s": 40.0})).is_none());
    }
}
