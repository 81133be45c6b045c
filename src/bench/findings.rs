//! Findings: rules over a finished result that name what a user should know,
//! rather than leave it to be read off the numbers.
//!
//! - `nagle-delayed-ack`: nearly every call takes ~40 ms whatever the load.
//!   That is Nagle's algorithm on the server holding back the last small
//!   segment of an answer until the client's delayed ACK (40 ms minimum on
//!   Linux) arrives: the server does not set TCP_NODELAY.
//! - `session-limit`: some sessions could not be opened while others could:
//!   the server caps sessions (or initialize calls) at about that number.
//! - `errors-past-concurrency` (sweep): no errors up to some number of
//!   users, errors from the next step on.
//! - `throughput-plateau` (sweep): more users stopped bringing more calls per
//!   second; latency grew instead (the server is saturated).
//! - `memory-growth`: with the server watched (`--watch-pid`, stdio, the
//!   embedded server), its resident memory kept rising from each third of
//!   the run to the next while the load held steady: memory kept per call
//!   and never given back (a leak, or a cache without a bound).
//!
//! Rules read the JSON result (the same fields a saved file has), so they
//! apply alike to a run, a sweep's steps, or a result read back from disk.

use serde_json::Value;
use std::fmt::Write as _;

/// Successful calls a latency rule needs before it says anything.
const MIN_CALLS: u64 = 10;
/// The delayed-ACK floor: Linux's minimum delayed-ACK timeout is 40 ms
/// (TCP_DELACK_MIN); other stacks use 40–200 ms, so the band starts there.
const NAGLE_LOW_MS: f64 = 34.0;
const NAGLE_HIGH_MS: f64 = 50.0;
/// p90 may sit higher: on a busy client machine scheduling delays add to the
/// floor (p90 56-60 ms seen on a loaded 2-core machine for a 41 ms p50),
/// while a server that is merely slow spreads far wider than twice the floor.
const NAGLE_P90_HIGH_MS: f64 = 80.0;
/// A sweep step is "error-free" below this share of failed calls.
const ERROR_FREE_PERCENT: f64 = 0.1;
/// Errors "begin" at a step with at least this share of failed calls.
const ERRORS_BEGIN_PERCENT: f64 = 1.0;
/// Throughput has plateaued when a step with at least 1.5× the users gains
/// less than this factor in rate.
const PLATEAU_GAIN: f64 = 1.1;
/// Memory samples `memory-growth` needs (at 1 s, a 12 s run).
const GROWTH_MIN_SAMPLES: usize = 12;
/// The first quarter of the samples is warm-up (caches, pools, the
/// allocator's arenas filling) and is not held against the server.
const GROWTH_WARM_UP: f64 = 0.25;
/// Growth smaller than this, or than this share of the memory at the start,
/// is noise of the allocator rather than a leak.
const GROWTH_MIN_BYTES: f64 = 16.0 * 1024.0 * 1024.0;
const GROWTH_MIN_SHARE: f64 = 0.10;
/// The load is steady when the per-interval rate varies less than this
/// (coefficient of variation): memory that follows a ramp is not a leak.
const STEADY_RATE_CV: f64 = 0.5;

/// One thing the user should know.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Finding {
    /// Stable identifier of the rule.
    pub id: &'static str,
    /// One line.
    pub title: String,
    /// The evidence and what to do.
    pub detail: String,
}

fn num(j: &Value, p: &str) -> f64 {
    j.pointer(p).and_then(Value::as_f64).unwrap_or(0.0)
}

fn count(j: &Value, p: &str) -> u64 {
    j.pointer(p).and_then(Value::as_u64).unwrap_or(0)
}

/// The findings of one run.
pub fn single(j: &Value) -> Vec<Finding> {
    let mut out = Vec::new();
    out.extend(nagle(j));
    out.extend(session_limit(j));
    out.extend(memory_growth(j));
    out
}

/// The findings of a sweep: each step's own (once per rule, at the first
/// step it fires), then the rules across steps.
pub fn sweep(steps: &[Value]) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    for s in steps {
        for f in single(s) {
            if !out.iter().any(|o| o.id == f.id) {
                let users = count(s, "/users");
                out.push(Finding { title: format!("{} (from {users} users)", f.title), ..f });
            }
        }
    }
    out.extend(errors_past_concurrency(steps));
    out.extend(plateau(steps));
    out
}

fn nagle(j: &Value) -> Option<Finding> {
    let calls = count(j, "/latency_ms/count");
    let (p50, p90) = (num(j, "/latency_ms/p50"), num(j, "/latency_ms/p90"));
    let p50_in_band = (NAGLE_LOW_MS..=NAGLE_HIGH_MS).contains(&p50);
    let p90_in_band = (NAGLE_LOW_MS..=NAGLE_P90_HIGH_MS).contains(&p90);
    if calls < MIN_CALLS || !p50_in_band || !p90_in_band {
        return None;
    }
    Some(Finding {
        id: "nagle-delayed-ack",
        title: format!("a ~40 ms floor on every call (p50 {p50:.1} ms, p90 {p90:.1} ms)"),
        detail: "Calls cluster at about 40 ms whatever the load: the mark of Nagle's algorithm on \
                 the server holding back the end of each answer until the client's delayed ACK \
                 (40 ms on Linux). The server most likely does not set TCP_NODELAY on its sockets; \
                 setting it (e.g. tokio's TcpStream::set_nodelay(true), Node's \
                 socket.setNoDelay()) typically brings loopback calls well under a millisecond."
            .into(),
    })
}

/// Sessions wanted at the start against those opened: sessions lost later
/// (a crashed stdio process, an expired session not reopened) are not a limit.
fn session_limit(j: &Value) -> Option<Finding> {
    let wanted = count(j, "/users");
    let opened = count(j, "/sessions");
    if opened == 0 || opened >= wanted {
        return None;
    }
    let refused = wanted - opened;
    let why = match j.get("session_error").and_then(Value::as_str) {
        Some(e) => format!(" (e.g. {})", crate::wire::jsonrpc::clip(e, 160)),
        None => String::new(),
    };
    Some(Finding {
        id: "session-limit",
        title: format!("{refused} of {wanted} sessions refused: a limit near {opened}"),
        detail: format!(
            "{opened} sessions opened and {refused} could not be{why}: the server appears to limit \
             concurrent sessions (or initialize calls) to about {opened}. Users past the limit sent \
             no load, so the rate measured is that of {opened} users."
        ),
    })
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// The per-interval rate's coefficient of variation (the last interval,
/// cut short by the end of the run, left out); `None` with too few.
fn rate_variation(j: &Value) -> Option<f64> {
    let points = j.pointer("/timeline/points").and_then(Value::as_array)?;
    let rates: Vec<f64> = points.iter().map(|p| num(p, "/rate_per_s")).collect();
    let rates = rates.get(..rates.len().checked_sub(1)?)?;
    if rates.len() < 3 {
        return None;
    }
    let mean = rates.iter().sum::<f64>() / rates.len() as f64;
    if mean <= 0.0 {
        return None;
    }
    let var = rates.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / rates.len() as f64;
    Some(var.sqrt() / mean)
}

fn memory_growth(j: &Value) -> Option<Finding> {
    let samples = j.pointer("/server/samples").and_then(Value::as_array)?;
    if samples.len() < GROWTH_MIN_SAMPLES {
        return None;
    }
    let warm = (samples.len() as f64 * GROWTH_WARM_UP).ceil() as usize;
    let steady = &samples[warm..];
    let third = steady.len() / 3;
    let part = |i: usize| {
        let mut v: Vec<f64> =
            steady[i * third..(i + 1) * third].iter().map(|s| num(s, "/rss_bytes")).collect();
        median(&mut v)
    };
    let (a, b, c) = (part(0), part(1), part(2));
    let grew = c - a;
    if !(a < b && b < c) || grew < GROWTH_MIN_BYTES || grew < a * GROWTH_MIN_SHARE {
        return None;
    }
    let cv = rate_variation(j)?;
    if cv >= STEADY_RATE_CV {
        return None;
    }
    // Calls between the middles of the first and last thirds, at the run's rate.
    let t = |i: usize| num(&steady[i * third + third / 2], "/t_s");
    let calls = num(j, "/rate_per_s") * (t(2) - t(0));
    let per_call = if calls >= 1.0 {
        format!(", about {:.1} KiB per call", grew / calls / 1024.0)
    } else {
        String::new()
    };
    let mib = |b: f64| b / (1024.0 * 1024.0);
    let in_process = if j.pointer("/server/in_process") == Some(&Value::Bool(true)) {
        " The watched process is mcpcheck itself (the embedded server with the load generator, whose \
         own memory is bounded)."
    } else {
        ""
    };
    Some(Finding {
        id: "memory-growth",
        title: format!("server memory kept growing: {:.1} → {:.1} MiB at a steady rate", mib(a), mib(c)),
        detail: format!(
            "After warm-up the server's resident memory rose from each third of the run to the next \
             (medians {:.1}, {:.1}, {:.1} MiB{per_call}) while the rate held steady (variation {:.0}%). \
             Memory kept for every call and never given back is a leak, or a cache or session table \
             without a bound; a longer run (--duration 10m) shows whether it levels off.{in_process}",
            mib(a),
            mib(b),
            mib(c),
            cv * 100.0
        ),
    })
}

fn errors_past_concurrency(steps: &[Value]) -> Option<Finding> {
    let first_bad = steps.iter().position(|s| num(s, "/error_percent") >= ERRORS_BEGIN_PERCENT)?;
    let last_good = first_bad.checked_sub(1).map(|i| &steps[i])?;
    if steps[..first_bad].iter().any(|s| num(s, "/error_percent") >= ERROR_FREE_PERCENT) {
        return None;
    }
    let bad = &steps[first_bad];
    let (good_users, bad_users) = (count(last_good, "/users"), count(bad, "/users"));
    let kinds: Vec<String> =
        ["transport", "http_status", "jsonrpc_error", "is_error", "invalid", "expectation"]
            .iter()
            .filter_map(|k| {
                let n = count(bad, &format!("/failures/{k}"));
                (n > 0).then(|| format!("{k} {n}"))
            })
            .collect();
    Some(Finding {
        id: "errors-past-concurrency",
        title: format!("errors begin between {good_users} and {bad_users} users"),
        detail: format!(
            "No errors up to {good_users} users; {:.2}% of calls failed at {bad_users} ({}). The server \
             (or something in front of it) refuses or fails work past that concurrency.",
            num(bad, "/error_percent"),
            kinds.join(", ")
        ),
    })
}

fn plateau(steps: &[Value]) -> Option<Finding> {
    for w in steps.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        let (ua, ub) = (count(a, "/users") as f64, count(b, "/users") as f64);
        let (ra, rb) = (num(a, "/rate_per_s"), num(b, "/rate_per_s"));
        if ua <= 0.0 || ub < ua * 1.5 || ra <= 0.0 || num(b, "/error_percent") >= ERRORS_BEGIN_PERCENT {
            continue;
        }
        if rb < ra * PLATEAU_GAIN {
            return Some(Finding {
                id: "throughput-plateau",
                title: format!("throughput stops growing past {ua} users (~{ra:.0}/s)"),
                detail: format!(
                    "{ua} users gave {ra:.1} calls/s and {ub} users {rb:.1}/s, while p50 went from \
                     {:.3} ms to {:.3} ms: the server (or the machine) is saturated at about \
                     {ra:.0} calls/s; more users only queue.",
                    num(a, "/latency_ms/p50"),
                    num(b, "/latency_ms/p50")
                ),
            });
        }
    }
    None
}

/// The findings for the console (nothing when there are none).
pub fn to_console(found: &[Finding]) -> String {
    let mut out = String::new();
    if found.is_empty() {
        return out;
    }
    let _ = writeln!(out, "\n  findings");
    for f in found {
        let _ = writeln!(out, "    [{}] {}", f.id, f.title);
        let _ = writeln!(out, "      {}", f.detail);
    }
    out
}

/// The findings as a Markdown list.
pub fn to_markdown(found: &[Finding]) -> String {
    let mut out = String::new();
    if found.is_empty() {
        return out;
    }
    out.push_str("\n### Findings\n\n");
    for f in found {
        let _ =
            writeln!(out, "- **{}** (`{}`): {}", f.title, f.id, super::sections::markdown_text(&f.detail));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(users: u64, rate: f64, p50: f64, p90: f64, errors: f64) -> Value {
        json!({"users": users, "rate_per_s": rate, "error_percent": errors, "sessions": users,
               "session_failures": 0, "failures": {"http_status": if errors > 0.0 { 5 } else { 0 }},
               "latency_ms": {"p50": p50, "p90": p90, "count": 100}})
    }

    #[test]
    fn a_40_ms_floor_is_named_and_a_fast_or_slow_server_is_not() {
        assert_eq!(single(&run(2, 50.0, 40.8, 41.9, 0.0))[0].id, "nagle-delayed-ack");
        // The floor on a busy client machine: p90 pushed up by scheduling.
        assert_eq!(single(&run(2, 45.0, 41.2, 58.0, 0.0))[0].id, "nagle-delayed-ack");
        // A p50 on the floor with a p90 far past it is a slow server.
        assert!(single(&run(2, 20.0, 42.0, 95.0, 0.0)).is_empty());
        assert!(single(&run(2, 5000.0, 0.4, 0.9, 0.0)).is_empty());
        // Slow and spread out: not the delayed-ACK signature.
        assert!(single(&run(2, 20.0, 40.0, 180.0, 0.0)).is_empty());
        let mut few = run(1, 25.0, 40.0, 41.0, 0.0);
        few["latency_ms"]["count"] = json!(3);
        assert!(single(&few).is_empty());
    }

    #[test]
    fn refused_sessions_beside_opened_ones_are_a_limit() {
        let mut j = run(8, 100.0, 1.0, 2.0, 0.0);
        j["sessions"] = json!(4);
        j["session_failures"] = json!(4);
        j["session_error"] = json!("HTTP 503");
        let f = single(&j);
        assert_eq!(f[0].id, "session-limit");
        assert_eq!(f[0].title, "4 of 8 sessions refused: a limit near 4");
        assert!(f[0].detail.contains("about 4") && f[0].detail.contains("HTTP 503"), "{f:?}");
        // Sessions lost during the run (all opened at the start) are not a limit.
        let mut j = run(8, 100.0, 1.0, 2.0, 0.0);
        j["session_failures"] = json!(3);
        assert!(single(&j).is_empty());
    }

    /// A run with memory samples `rss(i)` MiB, one a second, at a steady
    /// (or not) rate.
    fn watched(n: usize, rss: impl Fn(usize) -> f64, rates: &[f64]) -> Value {
        let mut j = run(8, 1000.0, 1.0, 2.0, 0.0);
        let samples: Vec<Value> = (0..n)
            .map(|i| json!({"t_s": i as f64, "rss_bytes": (rss(i) * 1048576.0) as u64, "cpu_ms": i * 10}))
            .collect();
        j["server"] = json!({"samples": samples, "in_process": false});
        let points: Vec<Value> = rates.iter().map(|r| json!({"rate_per_s": r})).collect();
        j["timeline"] = json!({"interval_s": 1.0, "points": points});
        j
    }

    #[test]
    fn memory_that_keeps_rising_is_named_and_flat_or_warming_memory_is_not() {
        let steady = [1000.0; 16];
        let leak = watched(16, |i| 40.0 + 8.0 * i as f64, &steady);
        let f = single(&leak);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].id, "memory-growth");
        // 8 MiB/s at 1000 calls/s: about 8 KiB per call.
        assert!(f[0].detail.contains("about 8.2 KiB per call"), "{f:?}");
        // Flat, with allocator noise.
        assert!(single(&watched(16, |i| 60.0 + (i % 3) as f64, &steady)).is_empty());
        // Growth only while warming up, then flat.
        assert!(single(&watched(16, |i| if i < 4 { 20.0 * i as f64 } else { 80.0 }, &steady)).is_empty());
        // Rising but by less than 16 MiB over the run.
        assert!(single(&watched(16, |i| 200.0 + 0.5 * i as f64, &steady)).is_empty());
        // Too short a run to tell.
        assert!(single(&watched(8, |i| 40.0 + 8.0 * i as f64, &steady)).is_empty());
        // Memory following a load that ramps up is not called a leak.
        let ramp: Vec<f64> = (0..16).map(|i| 50.0 * (i + 1) as f64).collect();
        assert!(single(&watched(16, |i| 40.0 + 8.0 * i as f64, &ramp)).is_empty());
    }

    #[test]
    fn sweep_rules() {
        let steps =
            [run(1, 100.0, 1.0, 2.0, 0.0), run(8, 700.0, 1.1, 2.0, 0.0), run(32, 650.0, 4.0, 9.0, 12.5)];
        let f = sweep(&steps);
        let e = f.iter().find(|f| f.id == "errors-past-concurrency").expect("errors rule");
        assert_eq!(e.title, "errors begin between 8 and 32 users");
        assert!(e.detail.contains("http_status 5"), "{e:?}");
        // 8 → 32 users lost rate but with errors, so that step is the errors rule's, not a plateau.
        assert!(!f.iter().any(|f| f.id == "throughput-plateau"), "{f:?}");
        let steps =
            [run(1, 100.0, 1.0, 2.0, 0.0), run(8, 700.0, 1.1, 2.0, 0.0), run(32, 720.0, 4.4, 9.0, 0.0)];
        let f = sweep(&steps);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].id, "throughput-plateau");
        assert!(f[0].title.contains("past 8 users"), "{f:?}");
        // Errors from the first step on: no "begin".
        assert!(sweep(&[run(1, 1.0, 1.0, 1.0, 5.0), run(8, 8.0, 1.0, 1.0, 5.0)]).is_empty());
    }
}
