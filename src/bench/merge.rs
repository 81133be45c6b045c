//! `mcpcheck report merge FILES…`: the results of several `mcpcheck bench
//! --json` runs (the shards of one load, see [`super::shard`]) added up into
//! one result of the same schema, losslessly.
//!
//! - Counts (requests, successes, failures by kind, HTTP statuses, JSON-RPC
//!   codes, sessions, unsent calls) are summed.
//! - Latency: each file's HDR histogram is deserialized and added into one;
//!   every percentile of the result is read from that merged histogram.
//!   Percentiles are never averaged: the mean of two p99s is not the p99 of
//!   anything.
//! - Rate: all requests over the union of the shards' windows, from the
//!   earliest start to the latest end (wall clock, `started_at` +
//!   `duration_s`). Shards that started apart make that window longer and the
//!   rate honestly lower; the skew is reported. A file without `started_at`
//!   makes the merge assume the shards ran at once (longest duration).
//!
//! Inputs are untrusted files: size-capped, and refused when they are not
//! bench results of schema_version 1, when they measured different targets,
//! calls, revisions or load models (the sum would mean nothing), when one
//! shard appears twice or shards of different splits are mixed, or when a
//! file contradicts itself (counts that do not add up, a histogram that does
//! not hold the successes).

use super::driver::Measured;
use super::metrics::{Failures, Tally, new_histogram};
use super::plan::{Call, Model, Plan};
use super::report::{self, SCHEMA_VERSION, Summary};
use super::shard::Shard;
use super::threshold::Threshold;
use crate::usage::UsageError;
use base64::Engine;
use chrono::{DateTime, Utc};
use hdrhistogram::serialization::Deserializer;
use serde_json::{Value, json};
use std::collections::BTreeMap;

use std::time::Duration;

/// Bench results larger than this are refused (one is a few kilobytes: the
/// histogram is at most a few hundred).
const MAX_RESULT_BYTES: u64 = 64 * 1024 * 1024;

/// One input, read and checked.
#[derive(Debug)]
struct Part {
    name: String,
    target: String,
    revision: String,
    call: Value,
    model: String,
    users: u64,
    target_rate: Option<f64>,
    sessions: u64,
    unsent: u64,
    started_at: Option<DateTime<Utc>>,
    duration_s: f64,
    shard: Option<Shard>,
    tally: Tally,
}

fn u64_at(v: &Value, name: &str, ptr: &str) -> Result<u64, String> {
    v.pointer(ptr).and_then(Value::as_u64).ok_or_else(|| format!("{name}: no whole number at {ptr}"))
}

fn str_at(v: &Value, name: &str, key: &str) -> Result<String, String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned).ok_or_else(|| format!("{name}: no `{key}`"))
}

/// `{"503": 2}` → {503: 2}; keys that are not numbers are refused.
fn counts<K: std::str::FromStr + Ord>(v: &Value, name: &str, ptr: &str) -> Result<BTreeMap<K, u64>, String> {
    let Some(obj) = v.pointer(ptr).and_then(Value::as_object) else { return Ok(BTreeMap::new()) };
    obj.iter()
        .map(|(k, n)| match (k.parse::<K>(), n.as_u64()) {
            (Ok(k), Some(n)) => Ok((k, n)),
            _ => Err(format!("{name}: {ptr} has {k:?}: {n}, not a code and a count")),
        })
        .collect()
}

fn histogram(v: &Value, name: &str) -> Result<hdrhistogram::Histogram<u64>, String> {
    let h = &v["histograms"]["latency"];
    if h["encoding"] != "hdrhistogram-v2+base64" || h["unit"] != "us" {
        return Err(format!("{name}: the latency histogram is not hdrhistogram-v2+base64 in us"));
    }
    let data = h["data"].as_str().ok_or_else(|| format!("{name}: no histogram data"))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|e| format!("{name}: histogram data is not Base64: {e}"))?;
    let read: hdrhistogram::Histogram<u64> = Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|e| format!("{name}: histogram does not deserialize: {e:?}"))?;
    // Into the bench's own bounds, so every part adds up in one range.
    let mut into = new_histogram();
    into.add(&read).map_err(|e| format!("{name}: histogram out of the bench's range: {e:?}"))?;
    Ok(into)
}

fn part(name: &str, v: &Value) -> Result<Part, String> {
    match v.get("schema_version").and_then(Value::as_u64) {
        Some(s) if s == u64::from(SCHEMA_VERSION) => {}
        Some(s) => return Err(format!("{name}: schema_version {s} (this mcpcheck reads {SCHEMA_VERSION})")),
        None => return Err(format!("{name}: not an mcpcheck bench result (no schema_version)")),
    }
    if v.get("histograms").is_none() || v.get("rate_per_s").is_none() {
        return Err(format!("{name}: not an mcpcheck bench result (a `test` report?)"));
    }
    let failures = Failures {
        transport: u64_at(v, name, "/failures/transport")?,
        http_status: u64_at(v, name, "/failures/http_status")?,
        jsonrpc_error: u64_at(v, name, "/failures/jsonrpc_error")?,
        is_error: u64_at(v, name, "/failures/is_error")?,
        invalid: u64_at(v, name, "/failures/invalid")?,
        // Absent from results written before load mixes existed.
        expectation: v.pointer("/failures/expectation").and_then(Value::as_u64).unwrap_or(0),
    };
    let tally = Tally {
        successes: u64_at(v, name, "/successes")?,
        failures,
        http_statuses: counts(v, name, "/failures/http_statuses")?,
        jsonrpc_codes: counts(v, name, "/failures/jsonrpc_codes")?,
        transport_example: None,
        latency_us: histogram(v, name)?,
        session_failures: u64_at(v, name, "/session_failures")?,
    };
    // Sums of sums of untrusted numbers: checked, so an overflow is a refusal.
    let total = tally.successes.checked_add(tally.failures.total_checked().ok_or("overflow")?);
    if total != Some(u64_at(v, name, "/requests")?) {
        return Err(format!("{name}: requests is not successes + failures"));
    }
    if tally.latency_us.len() != tally.successes {
        return Err(format!(
            "{name}: the histogram holds {} calls but {} succeeded",
            tally.latency_us.len(),
            tally.successes
        ));
    }
    let started_at = match v.get("started_at") {
        None | Some(Value::Null) => None,
        Some(t) => Some(
            t.as_str()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .ok_or_else(|| format!("{name}: started_at is not an RFC 3339 time"))?
                .to_utc(),
        ),
    };
    let shard = match v.get("shard") {
        None | Some(Value::Null) => None,
        Some(s) => Some(
            format!("{}/{}", u64_at(s, name, "/index")?, u64_at(s, name, "/of")?)
                .parse::<Shard>()
                .map_err(|e| format!("{name}: {e}"))?,
        ),
    };
    let duration_s = v
        .get("duration_s")
        .and_then(Value::as_f64)
        .filter(|d| d.is_finite() && *d >= 0.0 && *d < 1e9)
        .ok_or_else(|| format!("{name}: no duration_s"))?;
    Ok(Part {
        name: name.to_owned(),
        target: str_at(v, name, "target")?,
        revision: str_at(v, name, "revision")?,
        call: v.get("call").cloned().unwrap_or(Value::Null),
        model: str_at(v, name, "model")?,
        users: u64_at(v, name, "/users")?,
        target_rate: v.get("target_rate_per_s").and_then(Value::as_f64),
        sessions: u64_at(v, name, "/sessions")?,
        unsent: u64_at(v, name, "/unsent")?,
        started_at,
        duration_s,
        shard,
        tally,
    })
}

impl Failures {
    fn total_checked(&self) -> Option<u64> {
        [self.http_status, self.jsonrpc_error, self.is_error, self.invalid, self.expectation]
            .iter()
            .try_fold(self.transport, |a, b| a.checked_add(*b))
    }
}

/// Refuses parts that did not measure the same thing, or repeat a shard.
fn check_alike(parts: &[Part]) -> Result<(), String> {
    let first = &parts[0];
    for p in &parts[1..] {
        let differs = |what: &str, a: &dyn std::fmt::Debug, b: &dyn std::fmt::Debug| {
            format!("{} and {} measured different {what}: {a:?} and {b:?}", first.name, p.name)
        };
        if p.target != first.target {
            return Err(differs("targets", &first.target, &p.target));
        }
        if p.call != first.call {
            return Err(differs("calls", &first.call, &p.call));
        }
        if p.revision != first.revision {
            return Err(differs("protocol revisions", &first.revision, &p.revision));
        }
        if p.model != first.model {
            return Err(differs("load models", &first.model, &p.model));
        }
    }
    let mut seen: BTreeMap<u32, &str> = BTreeMap::new();
    let mut of = None;
    for p in parts {
        let Some(s) = p.shard else { continue };
        if *of.get_or_insert(s.of) != s.of {
            return Err(format!(
                "{} is a shard of a {}-way split, others of {}-way",
                p.name,
                s.of,
                of.unwrap_or(0)
            ));
        }
        if let Some(other) = seen.insert(s.index, &p.name) {
            return Err(format!("{other} and {} are the same shard {s}", p.name));
        }
    }
    Ok(())
}

/// What a merge produced, for the console and the JSON.
#[derive(Debug)]
pub struct Merged {
    pub result: Value,
    pub console: String,
    pub markdown: String,
    /// Every threshold met.
    pub passed: bool,
    /// Something the user should know (missing shards, assumed window).
    pub notes: Vec<String>,
}

/// Merges bench results given as (name, JSON) pairs.
pub fn merge(inputs: &[(String, Value)], thresholds: &[Threshold]) -> Result<Merged, String> {
    if inputs.is_empty() {
        return Err("nothing to merge".into());
    }
    let parts = inputs.iter().map(|(n, v)| part(n, v)).collect::<Result<Vec<_>, _>>()?;
    check_alike(&parts)?;
    let mut notes = Vec::new();
    let mut tally = Tally::default();
    let (mut users, mut sessions, mut unsent, mut rate) = (0u64, 0u64, 0u64, 0.0f64);
    for p in &parts {
        tally.merge(&p.tally);
        users = users.saturating_add(p.users);
        sessions = sessions.saturating_add(p.sessions);
        unsent = unsent.saturating_add(p.unsent);
        rate += p.target_rate.unwrap_or(0.0);
    }
    let starts: Option<Vec<DateTime<Utc>>> = parts.iter().map(|p| p.started_at).collect();
    let (window_s, started_at, skew_s, window) = match starts {
        Some(starts) => {
            let first = starts.iter().min().copied().unwrap_or_default();
            let last = starts.iter().max().copied().unwrap_or_default();
            let end = parts
                .iter()
                .zip(&starts)
                .map(|(p, s)| (*s - first).as_seconds_f64() + p.duration_s)
                .fold(0.0, f64::max);
            (end, Some(first), (last - first).as_seconds_f64(), "wall-clock")
        }
        None => {
            notes.push("a result has no started_at: the shards are assumed to have run at once".into());
            (parts.iter().map(|p| p.duration_s).fold(0.0, f64::max), None, 0.0, "assumed-simultaneous")
        }
    };
    let shards: Vec<Shard> = parts.iter().filter_map(|p| p.shard).collect();
    if let Some(of) = shards.first().map(|s| s.of)
        && (shards.len() != parts.len() || shards.len() as u32 != of)
    {
        notes.push(format!(
            "{} of {of} shards merged (plus {} unsharded)",
            shards.len(),
            parts.len() - shards.len()
        ));
    }
    let clamp = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    let model = match parts[0].model.as_str() {
        "open" => Model::Open { rate, in_flight: clamp(users) },
        _ => Model::Closed { users: clamp(users), ramp_up: Duration::ZERO },
    };
    let call = Call {
        method: parts[0].call.get("method").and_then(Value::as_str).unwrap_or("").to_owned(),
        params: parts[0].call.get("params").filter(|p| !p.is_null()).cloned(),
    };
    let elapsed = Duration::try_from_secs_f64(window_s).unwrap_or_default();
    let plan = Plan {
        model,
        duration: elapsed,
        requests: None,
        call,
        timeout: Duration::ZERO,
        shared_sessions: None,
    };
    let measured = Measured { tally, elapsed, sessions: clamp(sessions), unsent, open_error: None };
    let mut summary = Summary {
        target: parts[0].target.clone(),
        revision: parts[0].revision.clone(),
        plan: &plan,
        measured: &measured,
        verdicts: &[],
    };
    let verdicts: Vec<_> = thresholds.iter().map(|t| t.check(&measured.tally, summary.rate())).collect();
    summary.verdicts = &verdicts;
    let mut result = report::to_json(&summary);
    super::shard::annotate(&mut result, started_at, None);
    if let Some(obj) = result.as_object_mut() {
        obj.insert(
            "merged".into(),
            json!({
                "files": parts.len(),
                "shards": shards.iter().map(|s| s.index).collect::<Vec<_>>(),
                "of": shards.first().map(|s| s.of),
                "window": window,
                "start_skew_s": skew_s,
            }),
        );
    }
    let mut console = report::to_console(&summary);
    console
        .push_str(&format!("\n  merged      {} results, start skew {skew_s:.3}s ({window})\n", parts.len()));
    Ok(Merged {
        result,
        console,
        markdown: report::to_markdown(&summary),
        passed: verdicts.iter().all(|v| v.passed),
        notes,
    })
}

fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

pub fn read(path: &std::path::Path) -> anyhow::Result<Value> {
    let name = path.display();
    let meta = std::fs::metadata(path).map_err(|e| usage(format!("cannot read {name}: {e}")))?;
    if meta.len() > MAX_RESULT_BYTES {
        return Err(usage(format!("{name} is larger than {MAX_RESULT_BYTES} bytes")));
    }
    let text = std::fs::read_to_string(path).map_err(|e| usage(format!("cannot read {name}: {e}")))?;
    serde_json::from_str(&text).map_err(|e| usage(format!("{name} is not JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::metrics::Outcome;

    /// A bench result as `mcpcheck bench --json` writes it.
    fn result(latencies_ms: &[u64], errors: u64, shard: Option<(u32, u32)>, start: &str, secs: f64) -> Value {
        let mut tally = Tally::default();
        for ms in latencies_ms {
            tally.record(Outcome::Success, Duration::from_millis(*ms));
        }
        for _ in 0..errors {
            tally.record(Outcome::JsonRpcError(-32602), Duration::ZERO);
        }
        let plan = Plan {
            model: Model::Closed { users: 2, ramp_up: Duration::ZERO },
            duration: Duration::from_secs(1),
            requests: None,
            call: Call { method: "tools/call".into(), params: Some(json!({"name": "add"})) },
            timeout: Duration::from_secs(1),
            shared_sessions: None,
        };
        let measured = Measured {
            tally,
            elapsed: Duration::from_secs_f64(secs),
            sessions: 2,
            unsent: 0,
            open_error: None,
        };
        let s = Summary {
            target: "http://t/mcp".into(),
            revision: "2025-11-25".into(),
            plan: &plan,
            measured: &measured,
            verdicts: &[],
        };
        let mut v = report::to_json(&s);
        let start = DateTime::parse_from_rfc3339(start).unwrap().to_utc();
        super::super::shard::annotate(&mut v, Some(start), shard.map(|(index, of)| Shard { index, of }));
        v
    }

    fn named(vs: Vec<Value>) -> Vec<(String, Value)> {
        vs.into_iter().enumerate().map(|(i, v)| (format!("s{i}.json"), v)).collect()
    }

    #[test]
    fn counts_add_and_percentiles_come_from_the_merged_histogram() {
        // Shard 0 fast, shard 1 slow: an average of their p99s would be ~50 ms;
        // the p99 of all calls is the slow tail.
        let fast: Vec<u64> = vec![1; 98];
        let slow: Vec<u64> = vec![100; 2];
        let a = result(&fast, 1, Some((0, 2)), "2026-11-26T14:00:00Z", 2.0);
        let b = result(&slow, 2, Some((1, 2)), "2026-11-26T14:00:01Z", 2.0);
        let m = merge(&named(vec![a, b]), &[]).unwrap();
        let r = &m.result;
        assert_eq!(r["requests"], 103);
        assert_eq!(r["successes"], 100);
        assert_eq!(r["failures"]["jsonrpc_error"], 3);
        assert_eq!(r["failures"]["jsonrpc_codes"]["-32602"], 3);
        assert_eq!(r["users"], 4);
        assert_eq!(r["latency_ms"]["count"], 100);
        let p50 = r["latency_ms"]["p50"].as_f64().unwrap();
        let p99 = r["latency_ms"]["p99"].as_f64().unwrap();
        assert!((p50 - 1.0).abs() < 0.01, "{p50}");
        assert!((p99 - 100.0).abs() < 0.2, "{p99}");
        // Window: 14:00:00 to 14:00:03 (shard 1 started a second later).
        assert!((r["duration_s"].as_f64().unwrap() - 3.0).abs() < 1e-6);
        assert!((r["rate_per_s"].as_f64().unwrap() - 103.0 / 3.0).abs() < 1e-6);
        assert_eq!(r["merged"]["shards"], json!([0, 1]));
        assert_eq!(r["merged"]["start_skew_s"], 1.0);
        assert_eq!(r["started_at"], "2026-11-26T14:00:00.000000Z");
        assert!(m.notes.is_empty(), "{:?}", m.notes);
        // The merged result is itself mergeable input.
        assert!(part("merged", r).is_ok());
    }

    #[test]
    fn different_targets_calls_or_schemas_are_refused() {
        let a = result(&[1], 0, None, "2026-11-26T14:00:00Z", 1.0);
        let mut b = a.clone();
        b["target"] = json!("http://other/mcp");
        assert!(merge(&named(vec![a.clone(), b]), &[]).unwrap_err().contains("targets"));
        let mut c = a.clone();
        c["call"]["params"]["name"] = json!("echo");
        assert!(merge(&named(vec![a.clone(), c]), &[]).unwrap_err().contains("calls"));
        let mut d = a.clone();
        d["schema_version"] = json!(2);
        assert!(merge(&named(vec![a.clone(), d]), &[]).unwrap_err().contains("schema_version"));
    }

    #[test]
    fn repeated_or_mixed_shards_and_inconsistent_files_are_refused() {
        let s0 = result(&[1], 0, Some((0, 2)), "2026-11-26T14:00:00Z", 1.0);
        let again = s0.clone();
        assert!(merge(&named(vec![s0.clone(), again]), &[]).unwrap_err().contains("same shard"));
        let other = result(&[1], 0, Some((1, 3)), "2026-11-26T14:00:00Z", 1.0);
        assert!(merge(&named(vec![s0.clone(), other]), &[]).is_err());
        let mut lying = s0.clone();
        lying["requests"] = json!(5);
        assert!(merge(&named(vec![lying]), &[]).is_err());
        let mut hollow = s0.clone();
        hollow["successes"] = json!(2);
        hollow["requests"] = json!(2);
        assert!(merge(&named(vec![hollow]), &[]).unwrap_err().contains("histogram"));
    }

    #[test]
    fn a_missing_shard_is_noted_and_thresholds_apply_to_the_merge() {
        let s0 = result(&[1, 2], 0, Some((0, 3)), "2026-11-26T14:00:00Z", 1.0);
        let s1 = result(&[80], 0, Some((1, 3)), "2026-11-26T14:00:00Z", 1.0);
        let goal = Threshold::parse("p99<50ms").unwrap();
        let m = merge(&named(vec![s0, s1]), &[goal]).unwrap();
        assert!(!m.passed);
        assert!(m.notes.iter().any(|n| n.contains("2 of 3")), "{:?}", m.notes);
    }
}
