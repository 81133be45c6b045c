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
//! The plan's one call goes through [`Session::send_prepared`] (the wire's
//! hot path, [`crate::wire::lean`]): serialised once per session, only the id
//! changing, judged without recording the exchange, since a bench keeps
//! counts, not transcripts, and building a transcript per call cost more CPU
//! than the rest of the generator. It reads what [`Session::request`] reads:
//! the whole answer (an SSE stream until the response to the call), so
//! latency is the whole response, body included. Load mixes keep the recorded
//! path: their expectations look at the answer itself.

use super::metrics::{Live, Outcome, Tally};
use super::mix::{Mix, MixUser, StepResult, StepTallies, UserError};
use super::plan::{Call, Model, Plan};
use super::threads::{self, UserRun};
use super::timeline::Timeline;
use crate::spec::SpecVersion;
use crate::wire::lean::{Prepared, Verdict};
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

/// What a run measured beyond the totals.
#[derive(Debug, Default)]
pub struct Extra {
    /// Counts and latencies by the interval the calls ended in.
    pub timeline: Timeline,
    /// `--mix`: counts and latencies per weighted step.
    pub steps: Option<Vec<StepResult>>,
}

/// What each user sends: the plan's one call, or draws from a load mix.
#[derive(Debug, Clone, Default)]
pub enum Work {
    #[default]
    Call,
    Mix(Arc<Mix>),
}

/// One user: its session, and with a mix its variables and draw.
enum User {
    /// The session and the plan's call prepared for it.
    Call(Session, Box<Prepared>),
    Mix(Arc<Mix>, Box<MixUser>),
}

impl User {
    fn session(&self) -> &Session {
        match self {
            User::Call(s, _) => s,
            User::Mix(_, u) => u.session(),
        }
    }
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
    pub fn is_set(&self) -> bool {
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
    /// `--mix`: per-step tallies.
    steps: Option<StepTallies>,
    /// One for the run, not sharded like the tallies: a sharded timeline
    /// would multiply its per-interval histograms by the shards, and this
    /// lock is held for one record (well under a microsecond), so even at
    /// 100,000 calls/s it is free most of the time.
    timeline: Mutex<Timeline>,
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

    fn record(
        &self,
        user: usize,
        outcome: Outcome,
        latency: Duration,
        step: Option<(usize, Option<String>)>,
    ) {
        self.live.note(outcome == Outcome::Success);
        if let Ok(mut t) = self.timeline.lock() {
            t.record(self.start.elapsed(), outcome == Outcome::Success, latency);
        }
        if let (Some(steps), Some((entry, miss))) = (&self.steps, step) {
            steps.record(entry, outcome.clone(), latency, miss);
        }
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
    run_with(endpoint, version, plan, &Work::Call, live, stop, on_start).await.0
}

/// [`run`] with the work each user does, and what was measured beyond the totals.
pub async fn run_with(
    endpoint: &Endpoint,
    version: SpecVersion,
    plan: &Plan,
    work: &Work,
    live: Arc<Live>,
    stop: Arc<Stop>,
    on_start: impl FnOnce(Instant),
) -> (Measured, Extra) {
    let users = plan.model.sessions();
    // `--sessions K`: K sessions opened, the other users their twins.
    let wanted = match (plan.shared_sessions, work) {
        (Some(k), Work::Call) if endpoint.is_http() && version.has_handshake() => k.min(users),
        _ => users,
    };
    let mut opened: Vec<Result<User, String>> = futures::stream::iter(0..wanted)
        .map(|i| open_user(endpoint, version, work, &plan.call, u64::from(i)))
        .buffer_unordered(OPEN_CONCURRENCY)
        .collect()
        .await;
    let distinct = opened.iter().filter(|r| r.is_ok()).count() as u32;
    share_sessions(&mut opened, users, &plan.call);
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
        steps: match work {
            Work::Mix(m) => Some(StepTallies::new(m)),
            Work::Call => None,
        },
        timeline: Mutex::new(Timeline::default()),
    });
    let n = sessions.len() as u32;
    let mut runs: Vec<UserRun> = Vec::with_capacity(sessions.len());
    for (i, s) in sessions.into_iter().enumerate() {
        let sh = shared.clone();
        let ep = endpoint.clone();
        runs.push(match plan.model {
            Model::Closed { ramp_up, users } => {
                let delay = ramp_up.mul_f64(i as f64 / f64::from(users.max(1)));
                Box::pin(closed_user(i, s, ep, sh, delay))
            }
            Model::Open { rate, .. } => Box::pin(open_worker(i, s, ep, sh, rate)),
        });
    }
    // The plan's call on http:// on a thread per core (see [`threads`]):
    // those users own their connections (crate::wire::lean). Everything
    // else stays on this runtime: mixes and https go through the target's
    // shared reqwest pool, whose connections are tasks of the runtime that
    // made them and would die with a load thread that ends first; stdio
    // users keep their pipes here.
    let errors = if matches!(work, Work::Call) && own_connections(endpoint) {
        threads::run(runs, threads::threads_for(n as usize)).await
    } else {
        threads::spawn_all(runs).await
    };
    if let Some(e) = errors.into_iter().next() {
        open_error.get_or_insert(e);
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
    let extra = Extra {
        timeline: shared.timeline.lock().map(|t| t.clone()).unwrap_or_default(),
        steps: shared.steps.as_ref().map(StepTallies::results),
    };
    (Measured { tally, elapsed, sessions: distinct, unsent, open_error }, extra)
}

/// How far apart the JSON-RPC ids of users sharing a session start: calls in
/// flight together on one session need distinct ids, and no run makes a
/// billion calls per user.
const ID_SPACING: i64 = 1_000_000_000;

/// `--sessions K`: fills `opened` up to `users` with twins of the sessions
/// opened (user `i` shares session `i % K`), each with its own connection
/// and id range. Nothing to do when every user opened its own.
fn share_sessions(opened: &mut Vec<Result<User, String>>, users: u32, call: &Call) {
    let sessions: Vec<Session> = opened
        .iter()
        .filter_map(|r| match r {
            Ok(User::Call(s, _)) => Some(s),
            _ => None,
        })
        .filter_map(|s| s.http_twin(1))
        .collect();
    if sessions.is_empty() {
        return;
    }
    for i in opened.len()..users as usize {
        let first_id = (i as i64).saturating_mul(ID_SPACING).saturating_add(1);
        if let Some(s) = sessions[i % sessions.len()].http_twin(first_id) {
            let prepared = Box::new(s.prepare(&call.method, call.params.clone()));
            opened.push(Ok(User::Call(s, prepared)));
        }
    }
}

/// Whether the plan's call reaches this endpoint on the users' own
/// connections (plain http), not on the target's shared pool.
fn own_connections(endpoint: &Endpoint) -> bool {
    match endpoint {
        Endpoint::Http(t) => t.url.get(..7).is_some_and(|p| p.eq_ignore_ascii_case("http://")),
        Endpoint::Stdio { .. } => false,
    }
}

/// Opens one user: a session, and with a mix the setup steps run once.
async fn open_user(
    endpoint: &Endpoint,
    version: SpecVersion,
    work: &Work,
    plan_call: &Call,
    seed: u64,
) -> Result<User, String> {
    let Work::Mix(mix) = work else {
        let s = open(endpoint, version).await?;
        let call = Box::new(s.prepare(&plan_call.method, plan_call.params.clone()));
        return Ok(User::Call(s, call));
    };
    let mut last = String::new();
    for _ in 0..OPEN_TRIES {
        match mix.open_user(endpoint, version, seed).await {
            Ok(u) => return Ok(User::Mix(mix.clone(), Box::new(u))),
            Err(UserError::Open(e)) => last = e,
            Err(e @ UserError::Setup(_)) => return Err(e.message()),
        }
    }
    Err(last)
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

/// One call on the session, on the wire's hot path: nothing is recorded (a
/// bench keeps counts, not transcripts, and memory must stay flat).
async fn call(s: &mut Session, c: &mut Prepared) -> Outcome {
    match s.send_prepared(c).await {
        Ok(Verdict::Success) => Outcome::Success,
        Ok(Verdict::HttpStatus(code)) => Outcome::HttpStatus(code),
        Ok(Verdict::JsonRpcError(code)) => Outcome::JsonRpcError(code),
        Ok(Verdict::IsError) => Outcome::IsError,
        Ok(Verdict::Invalid) => Outcome::Invalid,
        Err(e) => Outcome::Transport(e.to_string()),
    }
}

/// Between calls: lets the user's connection finish the last answer (see
/// [`Prepared::settle`]), so calls reuse it as wrk reuses its connections.
async fn settle(u: &mut User) {
    if let User::Call(_, c) = u {
        c.settle().await;
    }
}

/// The user's next call: the plan's call, or a step drawn from the mix
/// (with its position among the weighted steps and a missed expectation).
async fn next_call(u: &mut User) -> (Outcome, Option<(usize, Option<String>)>) {
    match u {
        User::Call(s, c) => (call(s, c).await, None),
        User::Mix(mix, mu) => {
            let (entry, outcome, miss) = mix.next(mu).await;
            (outcome, Some((entry, miss)))
        }
    }
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

/// Opens the session again (not a call: not counted, but a failure to open
/// is); a mix user runs its setup steps again.
async fn recover(user: usize, u: &mut User, endpoint: &Endpoint, sh: &Shared) {
    let version = u.session().version;
    match u {
        // On a pool of its own: on a load thread, a connection of the shared
        // pool may belong to another thread's runtime, which can end first.
        User::Call(s, c) => match reopen(endpoint, version).await {
            Ok(new) => {
                // The session id is in the prepared headers: prepare anew.
                **c = new.prepare(&sh.call.method, sh.call.params.clone());
                *s = new;
            }
            Err(_) => sh.session_failed(user),
        },
        User::Mix(mix, mu) => match mix.open_user(endpoint, version, user as u64).await {
            Ok(new) => **mu = new,
            Err(_) => sh.session_failed(user),
        },
    }
}

async fn reopen(endpoint: &Endpoint, version: SpecVersion) -> Result<Session, String> {
    let own = endpoint.fresh().map_err(|e| e.to_string())?;
    Session::open(&own, version, Recorder::new()).await.map_err(|e| e.to_string())
}

/// Tally shards for this many users: a few per core, never more than users.
fn shards(users: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(4, |n| n.get());
    users.clamp(1, cores * 4)
}

async fn closed_user(user: usize, mut s: User, endpoint: Endpoint, sh: Arc<Shared>, delay: Duration) {
    tokio::time::sleep_until(sh.start + delay).await;
    while Instant::now() < sh.end && sh.claim().is_some() {
        settle(&mut s).await;
        let sent = Instant::now();
        let (outcome, step) = next_call(&mut s).await;
        let latency = sent.elapsed();
        let reopen = must_reopen(s.session(), &outcome);
        sh.record(user, outcome, latency, step);
        if reopen {
            recover(user, &mut s, &endpoint, &sh).await;
        }
    }
}

async fn open_worker(user: usize, mut s: User, endpoint: Endpoint, sh: Arc<Shared>, rate: f64) {
    while let Some(k) = sh.claim() {
        let due = sh.start + Duration::from_secs_f64(k as f64 / rate);
        if due >= sh.end || Instant::now() >= sh.hard_end {
            break;
        }
        // Before the wait for the due time, so usually off the clock; a
        // late call counts it, as it counts any wait for a free worker.
        settle(&mut s).await;
        // Idle workers claim calls ahead of time (up to in-flight / rate);
        // waiting in slices lets Ctrl-C end the run without waiting for them.
        while Instant::now() < due && !sh.stop.is_set() {
            tokio::time::sleep_until(due.min(Instant::now() + STOP_POLL)).await;
        }
        if sh.stop.is_set() {
            break;
        }
        let (outcome, step) = next_call(&mut s).await;
        // From when the call was due, not when it went out.
        let latency = due.elapsed();
        let reopen = must_reopen(s.session(), &outcome);
        sh.record(user, outcome, latency, step);
        if reopen {
            recover(user, &mut s, &endpoint, &sh).await;
        }
    }
}
