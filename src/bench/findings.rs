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
