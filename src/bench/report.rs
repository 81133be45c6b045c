//! What a run prints and writes: the live progress line, the console table,
//! and the JSON result (schema_version 1).
//!
//! The JSON carries the latency histogram itself (HDR V2 serialization,
//! Base64), not only percentiles: percentiles cannot be averaged, histograms
//! can be merged losslessly (shards, baselines).

use super::driver::Measured;
use super::metrics::{Live, Tally};
use super::plan::{Model, Plan};
use super::threshold::Verdict;
use base64::Engine;
use hdrhistogram::serialization::{Serializer, V2Serializer};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::time::Duration;

pub const SCHEMA_VERSION: u32 = 1;

/// Everything about a finished run that the outputs need.
pub struct Summary<'a> {
    pub target: String,
    pub revision: String,
    pub plan: &'a Plan,
    pub measured: &'a Measured,
    pub verdicts: &'a [Verdict],
}

impl Summary<'_> {
    pub fn rate(&self) -> f64 {
        let secs = self.measured.elapsed.as_secs_f64();
        if secs > 0.0 { self.measured.tally.requests() as f64 / secs } else { 0.0 }
    }
}

/// The progress line: elapsed, calls, rate so far, failures.
pub fn progress_line(live: &Live, elapsed: Duration, planned: Duration) -> String {
    let n = live.requests.load(Ordering::Relaxed);
    let f = live.failures.load(Ordering::Relaxed);
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.0 { n as f64 / secs } else { 0.0 };
    let of = if planned < super::plan::MAX_DURATION {
        format!("/{:.0}s", planned.as_secs_f64())
    } else {
        String::new()
    };
    format!("  {secs:6.1}s{of}  {n} calls  {rate:.0}/s  {f} failed")
}

fn model_text(model: &Model) -> String {
    match *model {
        Model::Closed { users, ramp_up } if ramp_up.is_zero() => format!("closed, {users} users"),
        Model::Closed { users, ramp_up } => {
            format!("closed, {users} users, ramp-up {}", humantime::format_duration(ramp_up))
        }
        Model::Open { rate, in_flight } => format!("open, {rate}/s, at most {in_flight} in flight"),
    }
}

/// The console table.
pub fn to_console(s: &Summary) -> String {
    let t = &s.measured.tally;
    let f = &t.failures;
    let mut out = String::new();
    let _ = writeln!(out, "mcpcheck bench  {}  ({})", s.target, s.revision);
    let _ = writeln!(out, "  call        {}", s.plan.call.describe());
    let _ = writeln!(out, "  model       {}, {} sessions", model_text(&s.plan.model), s.measured.sessions);
    let _ = writeln!(out, "  elapsed     {:.2}s", s.measured.elapsed.as_secs_f64());
    let _ = writeln!(out);
    let _ = writeln!(out, "  requests    {:>10}", t.requests());
    let _ = writeln!(out, "  rate        {:>10.1}/s", s.rate());
    let _ = writeln!(out, "  successes   {:>10}", t.successes);
    let _ = writeln!(out, "  failures    {:>10}  ({:.3}%)", f.total(), t.error_percent());
    let kinds = [
        ("transport", f.transport),
        ("http status", f.http_status),
        ("json-rpc error", f.jsonrpc_error),
        ("isError", f.is_error),
        ("no response", f.invalid),
        ("expectation", f.expectation),
    ];
    for (name, n) in kinds.iter().filter(|(_, n)| *n > 0) {
        let _ = writeln!(out, "    {name:<16}{n:>8}");
    }
    if !t.http_statuses.is_empty() {
        let list: Vec<String> = t.http_statuses.iter().map(|(c, n)| format!("{c}×{n}")).collect();
        let _ = writeln!(out, "    statuses      {}", list.join(", "));
    }
    if !t.jsonrpc_codes.is_empty() {
        let list: Vec<String> = t.jsonrpc_codes.iter().map(|(c, n)| format!("{c}×{n}")).collect();
        let _ = writeln!(out, "    error codes   {}", list.join(", "));
    }
    if let Some(e) = &t.transport_example {
        let _ = writeln!(out, "    e.g.          {}", crate::wire::jsonrpc::clip(e, 120));
    }
    if s.measured.unsent > 0 {
        let _ = writeln!(
            out,
            "  unsent      {:>10}  (fell due but every worker was busy: raise --users or lower --rate)",
            s.measured.unsent
        );
    }
    if t.session_failures > 0 {
        let why = s.measured.open_error.as_deref().unwrap_or("");
        let _ = writeln!(
            out,
            "  sessions failed {:>6}  {}",
            t.session_failures,
            crate::wire::jsonrpc::clip(why, 120)
        );
    }
    let _ = writeln!(out);
    if t.latency_us.is_empty() {
        let _ = writeln!(out, "  latency     no successful call");
    } else {
        let _ = writeln!(out, "  latency (ms)    p50      p90      p99    p99.9      max");
        let _ = writeln!(
            out,
            "              {:>7.3}  {:>7.3}  {:>7.3}  {:>7.3}  {:>7.3}",
            t.quantile_ms(0.5),
            t.quantile_ms(0.9),
            t.quantile_ms(0.99),
            t.quantile_ms(0.999),
            t.max_ms()
        );
    }
    if !s.verdicts.is_empty() {
        let _ = writeln!(out);
        for v in s.verdicts {
            let mark = if v.passed { "met   " } else { "MISSED" };
            let _ = writeln!(out, "  {mark}  {}  (actual {})", v.threshold, v.actual);
        }
    }
    out
}

/// The result as Markdown: one summary table, failures by kind, thresholds.
pub fn to_markdown(s: &Summary) -> String {
    let t = &s.measured.tally;
    let f = &t.failures;
    let mut out = String::new();
    let _ = writeln!(out, "## mcpcheck bench: `{}`\n", s.plan.call.describe());
    let _ = writeln!(
        out,
        "Target `{}` ({}), {}, {:.2} s.\n",
        s.target,
        s.revision,
        model_text(&s.plan.model),
        s.measured.elapsed.as_secs_f64()
    );
    let _ = writeln!(out, "| requests | rate/s | failures | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms |");
    let _ = writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|---:|");
    let _ = writeln!(
        out,
        "| {} | {:.1} | {} ({:.3}%) | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
        t.requests(),
        s.rate(),
        f.total(),
        t.error_percent(),
        t.quantile_ms(0.5),
        t.quantile_ms(0.9),
        t.quantile_ms(0.99),
        t.quantile_ms(0.999),
        t.max_ms()
    );
    if f.total() > 0 {
        let _ = writeln!(
            out,
            "\nFailures: transport {}, HTTP status {}, JSON-RPC error {}, isError {}, no response {}, \
             expectation missed {}.",
            f.transport, f.http_status, f.jsonrpc_error, f.is_error, f.invalid, f.expectation
        );
    }
    if !s.verdicts.is_empty() {
        let _ = writeln!(out, "\n| threshold | actual | |\n|---|---|---|");
        for v in s.verdicts {
            let mark = if v.passed { "met" } else { "**missed**" };
            let _ = writeln!(out, "| `{}` | {} | {mark} |", v.threshold.replace('|', "\\|"), v.actual);
        }
    }
    out
}

/// The HDR V2 serialization of a histogram, Base64 (standard alphabet).
pub fn histogram_base64(t: &Tally) -> String {
    let mut bytes = Vec::new();
    // Serializing into a Vec does not fail for a histogram in range.
    if V2Serializer::new().serialize(&t.latency_us, &mut bytes).is_err() {
        bytes.clear();
    }
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The JSON result, schema_version 1.
pub fn to_json(s: &Summary) -> Value {
    let t = &s.measured.tally;
    let (model, users, rate) = match s.plan.model {
        Model::Closed { users, .. } => ("closed", users, Value::Null),
        Model::Open { rate, in_flight } => ("open", in_flight, json!(rate)),
    };
    let map = |m: Vec<(String, u64)>| Value::Object(m.into_iter().map(|(k, v)| (k, json!(v))).collect());
    // The per-step sections' failures, plus the statuses and codes behind them.
    let mut failures = super::sections::failures_json(t);
    failures["http_statuses"] = map(t.http_statuses.iter().map(|(k, v)| (k.to_string(), *v)).collect());
    failures["jsonrpc_codes"] = map(t.jsonrpc_codes.iter().map(|(k, v)| (k.to_string(), *v)).collect());
    json!({
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "mcpcheck", "version": env!("CARGO_PKG_VERSION")},
        "target": s.target,
        "revision": s.revision,
        "call": {"method": s.plan.call.method, "params": s.plan.call.params},
        "model": model,
        "users": users,
        "target_rate_per_s": rate,
        "sessions": s.measured.sessions,
        "session_failures": t.session_failures,
        "duration_s": s.measured.elapsed.as_secs_f64(),
        "requests": t.requests(),
        "successes": t.successes,
        "failures": failures,
        "error_percent": t.error_percent(),
        "unsent": s.measured.unsent,
        "rate_per_s": s.rate(),
        "latency_ms": super::sections::latency_json(t),
        "histograms": {
            "latency": {
                "unit": "us",
                "of": "successful calls",
                "encoding": "hdrhistogram-v2+base64",
                "data": histogram_base64(t),
            }
        },
        "thresholds": s.verdicts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::metrics::Outcome;
    use hdrhistogram::serialization::Deserializer;

    #[test]
    fn histogram_round_trips() {
        let mut t = Tally::default();
        for ms in [1, 2, 3, 40] {
            t.record(Outcome::Success, Duration::from_millis(ms));
        }
        let bytes = base64::engine::general_purpose::STANDARD.decode(histogram_base64(&t)).unwrap();
        let h: hdrhistogram::Histogram<u64> = Deserializer::new().deserialize(&mut bytes.as_slice()).unwrap();
        assert_eq!(h.len(), 4);
        assert_eq!(h.max(), t.latency_us.max());
    }
}
