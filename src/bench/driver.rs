//! The load itself: sessions opened first, then the clock starts and users
//! (closed model) or paced workers (open model) send the call until the run's
//! bounds are reached.
//!
//! Closed model: each user sends its next call when the last one is answered;
//! latency is the call's own time. Open model: call `k` is due at
//! `start + k / rate`; a free worker takes the next due call, waits for its
//! time and sends it, and its latency counts from the time it was *due*. When
//! every worker is busy (the server stalls), the calls that fall due meanwhile
//! are sent late and their wait is in their latency, which is what a user
//! arriving at that rate would see: coordinated omission corrected, as in wrk2.
//! The workers bound the calls in flight.
//!
//! Every call goes through [`Session::request`]: the raw wire, the whole answer
//! read (an SSE stream until the response to the call), so latency is the
//! whole response, body included.

use super::metrics::{Live, Outcome, Tally};
use super::plan::{Call, Model, Plan};
use crate::spec::SpecVersion;
use crate::wire::record::Recorder;
use crate::wire::session::{Endpoint, OpenError, Session};
use futures::StreamExt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// Sessions opened at once before the run starts.
const OPEN_CONCURRENCY: usize = 64;
/// How often a worker waiting for a call's due time looks for an early stop.
const STOP_POLL: Duration = Duration::from_millis(100);
/// Tries to open one user's session before giving that user up.
const OPEN_TRIES: u32 = 3;

/// What a run measured.
#[derive(Debug)]
pub struct Measured {
    pub tally: Tally,
    /// From the start of the load to the last answer.
    pub elapsed: Duration,
    /// Sessions that took part.
    pub sessions: u32,
    /// Open model: calls that fell due but were never sent (the workers were
    /// all busy until the run's hard end).
    pub unsent: u64,
    /// Why sessions could not be opened, one example.
    pub open_error: Option<String>,
}

/// An early stop (Ctrl-C), and when it came.
#[derive(Debug, Default)]
pub struct Stop {
    flag: AtomicBool,
    at: OnceLock<Instant>,
}

impl Stop {
    pub fn trigger(&self) {
        let _ = self.at.set(Instant::now());
        self.flag.store(true, Ordering::Relaxed);
    }
    fn is_set(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }
}

struct Shared {
    start: Instant,
    /// No call is started after this.
    end: Instant,
    /// Open model: a late call is not started after this either.
    hard_end: Instant,
    /// Calls claimed so far; a call is sent only if its ticket is below `limit`.
    tickets: AtomicU64,
    limit: u64,
    call: Call,
    live: Arc<Live>,
    /// Set by Ctrl-C: no new call starts; what was measured is reported.
    stop: Arc<Stop>,
    /// Tallies shared by users in turn (user `i` writes to `i % len`). A
    /// histogram of this range is ~180 KB, so one per user would cost 180 MB
    /// at 1,000 users; a few shards keep memory flat and locks uncontended
    /// (each is held only to add one count).
    tallies: Vec<Mutex<Tally>>,
}

impl Shared {
    fn claim(&self) -> Option<u64> {
        if self.stop.is_set() {
            return None;
        }
        let k = self.tickets.fetch_add(1, Ordering::Relaxed);
        (k < self.limit).then_some(k)
    }

    fn record(&self, user: usize, outcome: Outcome, latency: Duration) {
        self.live.note(outcome == Outcome::Success);
        if let Some(Ok(mut t)) = self.tallies.get(user % self.tallies.len().max(1)).map(|m| m.lock()) {
            t.record(outcome, latency);
        }
    }

    fn session_failed(&self, user: usize) {
        if let Some(Ok(mut t)) = self.tallies.get(user % self.tallies.len().max(1)).map(|m| m.lock()) {
            t.session_failures += 1;
        }
    }
}

/// Opens the sessions, runs the load, and merges the tallies.
pub async fn run(
    endpoint: &Endpoint,
    version: SpecVersion,
    plan: &Plan,
    live: Arc<Live>,
    stop: Arc<Stop>,
    on_start: impl FnOnce(Instant),
) -> Measured {
    let wanted = plan.model.sessions();
    let opened: Vec<Result<Session, String>> = futures::stream::iter(0..wanted)
        .map(|_| open(endpoint, version))
        .buffer_unordered(OPEN_CONCURRENCY)
        .collect()
        .await;
    let mut setup = Tally::default();
    let mut open_error = None;
    let mut sessions = Vec::new();
    for r in opened {
        match r {
            Ok(s) => sessions.push(s),
            Err(e) => {
                setup.session_failures += 1;
                open_error.get_or_insert(e);
            }
        }
    }
    let start = Instant::now();
    on_start(start);
    let end = start + plan.duration;
    let shared = Arc::new(Shared {
        start,
        end,
        hard_end: end + plan.timeout,
        tickets: AtomicU64::new(0),
        limit: plan.requests.unwrap_or(u64::MAX),
        call: plan.call.clone(),
        live,
        stop,
        tallies: (0..shards(sessions.len())).map(|_| Mutex::new(Tally::default())).collect(),
    });
    let n = sessions.len() as u32;
    let mut tasks = Vec::with_capacity(sessions.len());
    for (i, s) in sessions.into_iter().enumerate() {
        let sh = shared.clone();
        let ep = endpoint.clone();
        tasks.push(match plan.model {
            Model::Closed { ramp_up, users } => {
                let delay = ramp_up.mul_f64(i as f64 / f64::from(users.max(1)));
                tokio::spawn(closed_user(i, s, ep, sh, delay))
            }
            Model::Open { rate, .. } => tokio::spawn(open_worker(i, s, ep, sh, rate)),
        });
    }
    for t in tasks {
        // A user task that panicked loses at most the call it was making.
        if let Err(e) = t.await {
            open_error.get_or_insert(format!("a user task failed: {e}"));
        }
    }
    let mut tally = setup;
    for m in &shared.tallies {
        if let Ok(t) = m.lock() {
            tally.merge(&t);
        }
    }
    let elapsed = start.elapsed();
    let unsent = match plan.model {
        Model::Open { rate, .. } => {
            // Stopped early (Ctrl-C): only the calls due until then count.
            let window = match shared.stop.at.get() {
                Some(at) => at.saturating_duration_since(start).min(plan.duration),
                None => plan.duration,
            };
            let due = (window.as_secs_f64() * rate).ceil() as u64;
            due.min(shared.limit).saturating_sub(tally.requests())
        }
        Model::Closed { .. } => 0,
    };
    Measured { tally, elapsed, sessions: n, unsent, open_error }
}

async fn open(endpoint: &Endpoint, version: SpecVersion) -> Result<Session, String> {
    let mut last = String::new();
    for _ in 0..OPEN_TRIES {
        match Session::open(endpoint, version, Recorder::new()).await {
            Ok(s) => return Ok(s),
            Err(e @ OpenError::Rejected(_)) => return Err(e.to_string()),
            Err(e) => last = e.to_string(),
        }
    }
    Err(last)
}

/// One call on the session; the recorded exchange is dropped at once (a
/// bench keeps counts, not transcripts, and memory must stay flat).
async fn call(s: &mut Session, c: &Call) -> Outcome {
    let r = s.request(&c.method, c.params.clone()).await;
    drop(s.rec.take());
    Outcome::of(&r)
}

/// Whether the session must be opened again after this outcome: a stdio
/// process may be gone after a transport failure, and an HTTP session the
/// server has ended answers 404 ("When a client receives HTTP 404 in response
/// to a request containing an `MCP-Session-Id`, it MUST start a new session by
/// sending a new `InitializeRequest` without a session ID attached",
/// 2025-11-25 basic/transports, Session Management). Without this, one crash or
/// one expired session would turn the rest of the run into instant failures.
fn must_reopen(s: &Session, outcome: &Outcome) -> bool {
    match outcome {
        Outcome::Transport(_) => !s.is_http(),
        Outcome::HttpStatus(404) => s.session_id.is_some(),
        _ => false,
    }
}

/// Opens the session again (not a call: not counted, but a failure to open is).
async fn recover(user: usize, s: &mut Session, endpoint: &Endpoint, sh: &Shared) {
    match Session::open(endpoint, s.version, Recorder::new()).await {
        Ok(new) => *s = new,
        Err(_) => sh.session_failed(user),
    }
}

/// Tally shards for this many users: a few per core, never more than users.
fn shards(users: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(4, |n| n.get());
    users.clamp(1, cores * 4)
}

async fn closed_user(user: usize, mut s: Session, endpoint: Endpoint, sh: Arc<Shared>, delay: Duration) {
    tokio::time::sleep_until(sh.start + delay).await;
    while Instant::now() < sh.end && sh.claim().is_some() {
        let sent = Instant::now();
        let outcome = call(&mut s, &sh.call).await;
        let latency = sent.elapsed();
        let reopen = must_reopen(&s, &outcome);
        sh.record(user, outcome, latency);
        if reopen {
            recover(user, &mut s, &endpoint, &sh).await;
        }
    }
}

async fn open_worker(user: usize, mut s: Session, endpoint: Endpoint, sh: Arc<Shared>, rate: f64) {
    while let Some(k) = sh.claim() {
        let due = sh.start + Duration::from_secs_f64(k as f64 / rate);
        if due >= sh.end || Instant::now() >= sh.hard_end {
            break;
        }
        // Idle workers claim calls ahead of time (up to in-flight / rate);
        // waiting in slices lets Ctrl-C end the run without waiting for them.
        while Instant::now() < due && !sh.stop.is_set() {
            tokio::time::sleep_until(due.min(Instant::now() + STOP_POLL)).await;
        }
        if sh.stop.is_set() {
            break;
        }
        let outcome = call(&mut s, &sh.call).await;
        // From when the call was due, not when it went out.
        let latency = due.elapsed();
        let reopen = must_reopen(&s, &outcome);
        sh.record(user, outcome, latency);
        if reopen {
            recover(user, &mut s, &endpoint, &sh).await;
        }
    }
}
