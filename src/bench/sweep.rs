//! `--users 1,8,32,128`: a sweep, one bounded run per step on the same
//! target, and a table (and in HTML a chart) of users against rate, latency
//! and errors, which shows where a server stops scaling.

use super::driver::Measured;
use super::plan::{Model, Plan};
use serde_json::{Value, json};
use std::fmt;
use std::fmt::Write as _;

/// The most steps a sweep may have.
pub const MAX_STEPS: usize = 32;

/// The `--users` value: one count, or the steps of a sweep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSteps(pub Vec<u32>);

impl UserSteps {
    pub fn is_sweep(&self) -> bool {
        self.0.len() > 1
    }
}

impl fmt::Display for UserSteps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list: Vec<String> = self.0.iter().map(u32::to_string).collect();
        f.write_str(&list.join(","))
    }
}

/// `8` or `1,8,32,128`: each from 1 to 10,000, at most [`MAX_STEPS`] of them.
pub fn parse_users(s: &str) -> Result<UserSteps, String> {
    let mut out = Vec::new();
    for part in s.split(',') {
        let n: u32 = part.trim().parse().map_err(|_| format!("{part:?} is not a number of users"))?;
        if !(1..=10_000).contains(&n) {
            return Err(format!("{n} is not in 1..=10000"));
        }
        out.push(n);
    }
    if out.len() > MAX_STEPS {
        return Err(format!("a sweep has at most {MAX_STEPS} steps"));
    }
    Ok(UserSteps(out))
}

/// The line a sweep prints (to stderr) as each step ends.
pub fn step_line(plan: &Plan, m: &Measured) -> String {
    let users = match plan.model {
        Model::Closed { users, .. } => users,
        Model::Open { in_flight, .. } => in_flight,
    };
    let secs = m.elapsed.as_secs_f64();
    let rate = if secs > 0.0 { m.tally.requests() as f64 / secs } else { 0.0 };
    format!(
        "  {users:>5} users  {:>8} calls  {rate:>10.1}/s  p50 {:.3} ms  p99 {:.3} ms  {:.2}% errors",
        m.tally.requests(),
        m.tally.quantile_ms(0.5),
        m.tally.quantile_ms(0.99),
        m.tally.error_percent()
    )
}

/// A sweep step's numbers, read from its JSON result.
pub struct Row {
    pub users: u64,
    pub requests: u64,
    pub rate: f64,
    pub p50: f64,
    pub p99: f64,
    pub errors: u64,
    pub error_percent: f64,
    pub session_failures: u64,
}

impl Row {
    pub fn of(j: &Value) -> Row {
        let u = |p: &str| j.pointer(p).and_then(Value::as_u64).unwrap_or(0);
        let f = |p: &str| j.pointer(p).and_then(Value::as_f64).unwrap_or(0.0);
        Row {
            users: u("/users"),
            requests: u("/requests"),
            rate: f("/rate_per_s"),
            p50: f("/latency_ms/p50"),
            p99: f("/latency_ms/p99"),
            errors: u("/failures/total"),
            error_percent: f("/error_percent"),
            session_failures: u("/session_failures"),
        }
    }
}

/// The sweep table for the console, with each step's thresholds and baseline change.
pub fn to_console(target: &str, revision: &str, steps: &[Value]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "mcpcheck bench sweep  {target}  ({revision})");
    if let Some(first) = steps.first() {
        let call = match (first.pointer("/mix/file"), first.pointer("/call/method")) {
            (Some(Value::String(f)), _) => format!("mix {f}"),
            (_, Some(Value::String(m))) => m.clone(),
            _ => String::new(),
        };
        let model = first.get("model").and_then(Value::as_str).unwrap_or("");
        let _ = writeln!(out, "  call        {call}\n  model       {model}, one run per step\n");
    }
    let _ = writeln!(
        out,
        "  {:>6}  {:>9}  {:>11}  {:>9}  {:>9}  {:>8}  {:>8}",
        "users", "requests", "rate/s", "p50 ms", "p99 ms", "errors", "errors %"
    );
    for j in steps {
        let r = Row::of(j);
        let _ = writeln!(
            out,
            "  {:>6}  {:>9}  {:>11.1}  {:>9.3}  {:>9.3}  {:>8}  {:>8.3}{}",
            r.users,
            r.requests,
            r.rate,
            r.p50,
            r.p99,
            r.errors,
            r.error_percent,
            if r.session_failures > 0 {
                format!("  ({} sessions failed)", r.session_failures)
            } else {
                String::new()
            }
        );
    }
    for j in steps {
        let users = j.get("users").and_then(Value::as_u64).unwrap_or(0);
        for v in j.get("thresholds").and_then(Value::as_array).into_iter().flatten() {
            if v.get("passed") == Some(&Value::Bool(false)) {
                let t = v.get("threshold").and_then(Value::as_str).unwrap_or("");
                let a = v.get("actual").and_then(Value::as_str).unwrap_or("");
                let _ = writeln!(out, "  MISSED  {t} at {users} users  (actual {a})");
            }
        }
        if let Some(rate) = j.pointer("/baseline/changes/0")
            && let Some(p) = rate.get("percent").and_then(Value::as_f64)
        {
            let _ = writeln!(out, "  {users:>6} users: rate {p:+.1}% against the baseline");
        }
    }
    out
}

/// The sweep table in Markdown.
pub fn to_markdown(target: &str, revision: &str, steps: &[Value]) -> String {
    let mut out = format!(
        "## mcpcheck bench sweep\n\nTarget `{}` ({revision}), one run per step.\n\n\
         | users | requests | rate/s | p50 ms | p99 ms | errors | errors % |\n|---:|---:|---:|---:|---:|---:|---:|\n",
        super::sections::markdown_text(target)
    );
    for j in steps {
        let r = Row::of(j);
        let _ = writeln!(
            out,
            "| {} | {} | {:.1} | {:.3} | {:.3} | {} | {:.3} |",
            r.users, r.requests, r.rate, r.p50, r.p99, r.errors, r.error_percent
        );
    }
    out
}

/// The JSON of a sweep: every step's full result under `sweep`, in order.
pub fn to_json(
    target: &str,
    revision: &str,
    steps: Vec<Value>,
    findings: &[super::findings::Finding],
) -> Value {
    json!({
        "schema_version": super::report::SCHEMA_VERSION,
        "tool": {"name": "mcpcheck", "version": env!("CARGO_PKG_VERSION")},
        "kind": "sweep",
        "target": target,
        "revision": revision,
        "users": steps.iter().filter_map(|s| s.get("users").cloned()).collect::<Vec<_>>(),
        "sweep": steps,
        "findings": findings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_lists() {
        assert_eq!(parse_users("8"), Ok(UserSteps(vec![8])));
        assert_eq!(parse_users("1, 8,32"), Ok(UserSteps(vec![1, 8, 32])));
        assert!(parse_users("0").is_err());
        assert!(parse_users("1,,2").is_err());
        assert!(parse_users("many").is_err());
        assert!(parse_users("1,8").unwrap().is_sweep());
    }
}
