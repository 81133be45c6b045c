//! `--shard I/N`: this process runs share `I` of `N` of the load, so that N
//! generators (processes, pods, machines) together run exactly the load one
//! would, and `mcpcheck report merge` (see [`super::merge`]) adds their results
//! up losslessly.
//!
//! # How the load is split
//!
//! `I` counts from 0 (as a Kubernetes Indexed Job's `JOB_COMPLETION_INDEX`
//! does), so the shards of a 4-way run are `0/4` … `3/4`.
//!
//! - Whole quantities (closed-model users, open-model calls in flight,
//!   `--requests`) are divided with the remainder going to the lowest
//!   indices: shard `I` gets `total / N`, plus one when `I < total % N`.
//!   10 requests over 4 shards are 3, 3, 2, 2. The shares add up to the
//!   total exactly, whatever N.
//! - The open model's rate is divided evenly (`rate / N`, a real number).
//! - Duration, ramp-up, call and timeout are the same for every shard: each
//!   shard's users start over the same ramp-up period, so together they
//!   start evenly over it too.
//!
//! A shard that would get nothing (fewer users or requests than shards) is
//! refused before any traffic: a shard with no user would measure nothing and
//! its result would only look like one.
//!
//! Shards launched apart (pods scheduled seconds apart) can be given one
//! `--start-at` time: each opens its target, then waits for that moment
//! ([`wait_until`]) before its users start, so their windows overlap.
//!
//! The shard and the wall-clock start of the run go into the JSON result
//! ([`annotate`]), which is what the merge needs to check that it has every
//! shard once and to compute the rate over the window all shards covered.

use super::driver::Stop;
use super::plan::{Model, Plan};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// Most shards one run may be split into (a typo guard, like the other bounds).
pub const MAX_SHARDS: u32 = 10_000;

/// How far ahead `--start-at` may be: a typo in the date must not leave a
/// generator (or a pod) waiting for days.
pub const MAX_START_DELAY: Duration = Duration::from_secs(3600);

/// `--start-at`: an RFC 3339 time at most [`MAX_START_DELAY`] ahead. A time
/// already past is accepted (the run then starts at once, with a warning): a
/// pod scheduled late must still run its share.
pub fn parse_start_at(s: &str) -> Result<DateTime<Utc>, String> {
    let at = DateTime::parse_from_rfc3339(s.trim())
        .map_err(|e| format!("--start-at {s:?} is not an RFC 3339 time such as 2026-11-26T18:00:00Z: {e}"))?
        .with_timezone(&Utc);
    let ahead = (at - Utc::now()).to_std().unwrap_or_default();
    if ahead > MAX_START_DELAY {
        return Err(format!(
            "--start-at {s:?} is {} s ahead; at most {} s is allowed",
            ahead.as_secs(),
            MAX_START_DELAY.as_secs()
        ));
    }
    Ok(at)
}

/// Waits until `at` (wall clock), so that shards given the same time start
/// their load together and their windows overlap in the merge. Returns early
/// when `stop` is set (Ctrl-C). Says on stderr what it does, unless `quiet`.
pub async fn wait_until(at: DateTime<Utc>, stop: &Stop, quiet: bool) {
    let ahead = (at - Utc::now()).to_std();
    match ahead {
        Err(_) => {
            let late = (Utc::now() - at).num_milliseconds() as f64 / 1000.0;
            if !quiet || late > 1.0 {
                eprintln!("mcpcheck bench: --start-at {at} passed {late:.1} s ago; starting now");
            }
        }
        Ok(ahead) => {
            if !quiet {
                eprintln!("mcpcheck bench: waiting {:.1} s for --start-at {at}", ahead.as_secs_f64());
            }
            // Polled in short steps so Ctrl-C ends the wait too; bounded by
            // `ahead`, itself at most MAX_START_DELAY.
            let deadline = tokio::time::Instant::now() + ahead;
            while !stop.is_set() && tokio::time::Instant::now() < deadline {
                let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                tokio::time::sleep(left.min(Duration::from_millis(100))).await;
            }
        }
    }
}

/// Share `index` of `of` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub of: u32,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("--shard {s:?} is not I/N (I from 0 to N-1, e.g. 0/4)");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let of: u32 = n.trim().parse().map_err(|_| bad())?;
        if of == 0 || of > MAX_SHARDS {
            return Err(format!("--shard {s:?}: N must be from 1 to {MAX_SHARDS}"));
        }
        if index >= of {
            return Err(format!("--shard {s:?}: I counts from 0, so it must be below N ({of})"));
        }
        Ok(Shard { index, of })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.of)
    }
}

impl Shard {
    /// This shard's part of a whole quantity: the remainder goes one each to
    /// the lowest indices, so the parts of every shard add up to `total`.
    pub fn share(&self, total: u64) -> u64 {
        let n = u64::from(self.of);
        total / n + u64::from(u64::from(self.index) < total % n)
    }

    fn share_u32(&self, total: u32) -> u32 {
        // A share is never above the total, so it fits.
        u32::try_from(self.share(u64::from(total))).unwrap_or(total)
    }
}

/// The plan of this shard: `plan` is the whole run's.
pub fn apply(plan: Plan, shard: Shard) -> Result<Plan, String> {
    let n = shard.of;
    let model = match plan.model {
        Model::Closed { users, ramp_up } => {
            if users < n {
                return Err(format!(
                    "--users {users} cannot be split into {n} shards: each shard needs at least one user"
                ));
            }
            Model::Closed { users: shard.share_u32(users), ramp_up }
        }
        Model::Open { rate, in_flight } => {
            if in_flight < n {
                return Err(format!(
                    "--users {in_flight} (calls in flight) cannot be split into {n} shards: each shard \
                     needs at least one"
                ));
            }
            Model::Open { rate: rate / f64::from(n), in_flight: shard.share_u32(in_flight) }
        }
    };
    let requests = match plan.requests {
        Some(r) if r < u64::from(n) => {
            return Err(format!("--requests {r} cannot be split into {n} shards: each needs at least one"));
        }
        Some(r) => Some(shard.share(r)),
        None => None,
    };
    Ok(Plan { model, requests, ..plan })
}

/// Adds what a merge needs to a bench JSON result: the wall-clock start of
/// the load (RFC 3339, microseconds) and, when sharded, the shard.
pub fn annotate(result: &mut Value, started_at: Option<chrono::DateTime<chrono::Utc>>, shard: Option<Shard>) {
    let Some(obj) = result.as_object_mut() else { return };
    if let Some(t) = started_at {
        obj.insert("started_at".into(), json!(t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)));
    }
    if let Some(s) = shard {
        obj.insert("shard".into(), json!({"index": s.index, "of": s.of}));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::plan::Call;
    use std::time::Duration;

    fn plan(model: Model, requests: Option<u64>) -> Plan {
        Plan {
            model,
            duration: Duration::from_secs(5),
            requests,
            call: Call { method: "tools/list".into(), params: None },
            timeout: Duration::from_secs(10),
            shared_sessions: None,
        }
    }

    #[test]
    fn parses_index_over_count() {
        assert_eq!("0/4".parse::<Shard>(), Ok(Shard { index: 0, of: 4 }));
        assert_eq!("3/4".parse::<Shard>(), Ok(Shard { index: 3, of: 4 }));
        for bad in ["4/4", "1/0", "x/2", "1", "-1/2", "1/2/3", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn shares_add_up_to_the_whole_with_the_remainder_first() {
        let parts: Vec<u64> = (0..4).map(|i| Shard { index: i, of: 4 }.share(10)).collect();
        assert_eq!(parts, [3, 3, 2, 2]);
        for total in [0u64, 1, 7, 100, 1001, u64::MAX] {
            for of in [1u32, 2, 3, 7, 64] {
                let sum: u128 = (0..of).map(|i| u128::from(Shard { index: i, of }.share(total))).sum();
                assert_eq!(sum, u128::from(total), "{total} over {of}");
            }
        }
    }

    #[test]
    fn closed_model_splits_users_and_requests() {
        let whole = plan(Model::Closed { users: 5, ramp_up: Duration::from_secs(1) }, Some(301));
        let shards: Vec<Plan> =
            (0..3).map(|i| apply(whole.clone(), Shard { index: i, of: 3 }).unwrap()).collect();
        let users: Vec<u32> = shards.iter().map(|p| p.model.sessions()).collect();
        assert_eq!(users, [2, 2, 1]);
        let requests: Vec<u64> = shards.iter().map(|p| p.requests.unwrap()).collect();
        assert_eq!(requests, [101, 100, 100]);
        for p in &shards {
            assert_eq!(p.duration, whole.duration);
            assert!(matches!(p.model, Model::Closed { ramp_up, .. } if ramp_up == Duration::from_secs(1)));
        }
    }

    #[test]
    fn open_model_splits_rate_and_in_flight() {
        let whole = plan(Model::Open { rate: 1000.0, in_flight: 10 }, None);
        let mut rate = 0.0;
        let mut in_flight = 0;
        for i in 0..4 {
            let p = apply(whole.clone(), Shard { index: i, of: 4 }).unwrap();
            let Model::Open { rate: r, in_flight: f } = p.model else { panic!("open") };
            rate += r;
            in_flight += f;
            assert_eq!(p.requests, None);
        }
        assert!((rate - 1000.0).abs() < 1e-9);
        assert_eq!(in_flight, 10);
    }

    #[test]
    fn a_shard_with_nothing_to_do_is_refused() {
        let few_users = plan(Model::Closed { users: 2, ramp_up: Duration::ZERO }, None);
        assert!(apply(few_users, Shard { index: 0, of: 3 }).is_err());
        let few_requests = plan(Model::Closed { users: 8, ramp_up: Duration::ZERO }, Some(2));
        assert!(apply(few_requests, Shard { index: 0, of: 3 }).is_err());
        let few_in_flight = plan(Model::Open { rate: 10.0, in_flight: 1 }, None);
        assert!(apply(few_in_flight, Shard { index: 0, of: 2 }).is_err());
    }

    #[test]
    fn annotate_adds_start_and_shard() {
        let mut v = json!({"requests": 1});
        let t = chrono::DateTime::parse_from_rfc3339("2026-11-26T14:00:00.123456Z").unwrap().to_utc();
        annotate(&mut v, Some(t), Some(Shard { index: 1, of: 2 }));
        assert_eq!(v["started_at"], "2026-11-26T14:00:00.123456Z");
        assert_eq!(v["shard"], json!({"index": 1, "of": 2}));
    }
}
