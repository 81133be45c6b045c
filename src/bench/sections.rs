//! What the features past the core add to each output (console, Markdown,
//! JSON): the per-step table of a load mix and the latency timeline. Kept
//! apart from [`super::report`] so that file keeps the core result only; the
//! JSON gains fields, none renamed (schema_version stays 1).

use super::driver::Extra;
use super::metrics::Tally;
use super::mix::StepResult;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::time::Duration;

/// The latency quantiles of a tally, as the JSON writes them everywhere.
pub fn latency_json(t: &Tally) -> Value {
    json!({
        "p50": t.quantile_ms(0.5),
        "p90": t.quantile_ms(0.9),
        "p99": t.quantile_ms(0.99),
        "p999": t.quantile_ms(0.999),
        "max": t.max_ms(),
        "mean": t.mean_ms(),
        "count": t.latency_us.len(),
    })
}

pub(super) fn failures_json(t: &Tally) -> Value {
    let f = &t.failures;
    json!({
        "total": f.total(),
        "transport": f.transport,
        "http_status": f.http_status,
        "jsonrpc_error": f.jsonrpc_error,
        "is_error": f.is_error,
        "invalid": f.invalid,
        "expectation": f.expectation,
    })
}

/// The fields [`Extra`] adds to the JSON result: `timeline` always, `steps`
/// with a mix.
pub fn extend_json(j: &mut Value, extra: &Extra, elapsed: Duration) {
    let Some(obj) = j.as_object_mut() else { return };
    obj.insert(
        "timeline".into(),
        json!({
            "interval_s": extra.timeline.width().as_secs_f64(),
            "points": extra.timeline.points(elapsed),
        }),
    );
    if let Some(steps) = &extra.steps {
        obj.insert("steps".into(), steps_json(steps));
    }
}

pub fn steps_json(steps: &[StepResult]) -> Value {
    Value::Array(
        steps
            .iter()
            .map(|s| {
                json!({
                    "name": s.name,
                    "weight": s.weight,
                    "requests": s.tally.requests(),
                    "successes": s.tally.successes,
                    "failures": failures_json(&s.tally),
                    "error_percent": s.tally.error_percent(),
                    "expectation_example": s.example,
                    "latency_ms": latency_json(&s.tally),
                })
            })
            .collect(),
    )
}

/// A latency quantile for a table: `-` when no call of the step succeeded
/// (only successful calls are timed, as in the overall histogram).
fn ms(t: &Tally, q: f64) -> String {
    if t.latency_us.is_empty() { "-".into() } else { format!("{:.3}", t.quantile_ms(q)) }
}

/// The per-step table for the console.
pub fn steps_console(steps: &[StepResult]) -> String {
    let mut out = String::new();
    let width = steps.iter().map(|s| s.name.chars().count()).max().unwrap_or(4).max(4);
    let _ = writeln!(out, "\n  by step (weight)");
    let _ = writeln!(
        out,
        "    {:<width$}  {:>6}  {:>9}  {:>8}  {:>8}  {:>9}  {:>9}",
        "step", "weight", "requests", "failed", "expect.", "p50 ms", "p99 ms"
    );
    for s in steps {
        let t = &s.tally;
        let _ = writeln!(
            out,
            "    {:<width$}  {:>6}  {:>9}  {:>8}  {:>8}  {:>9}  {:>9}",
            s.name,
            s.weight,
            t.requests(),
            t.failures.total(),
            t.failures.expectation,
            ms(t, 0.5),
            ms(t, 0.99)
        );
    }
    for s in steps {
        if let Some(e) = &s.example {
            let _ = writeln!(out, "    {} e.g. {}", s.name, crate::wire::jsonrpc::clip(e, 160));
        }
    }
    out
}

/// The per-step table in Markdown.
pub fn steps_markdown(steps: &[StepResult]) -> String {
    let mut out = String::from(
        "\n| step | weight | requests | failures | expectation misses | p50 ms | p90 ms | p99 ms | max ms |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for s in steps {
        let t = &s.tally;
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} |",
            s.name,
            s.weight,
            t.requests(),
            t.failures.total(),
            t.failures.expectation,
            ms(t, 0.5),
            ms(t, 0.9),
            ms(t, 0.99),
            ms(t, 1.0)
        );
    }
    for s in steps {
        if let Some(e) = &s.example {
            let _ = writeln!(out, "\n`{}`: {}", s.name, markdown_text(e));
        }
    }
    out
}

/// Server text made safe for a Markdown paragraph: no table pipes, no HTML,
/// no line breaks.
pub fn markdown_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '`' => out.push('\''),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}
