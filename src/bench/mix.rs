//! `--mix FILE`: the bench draws its calls from a load mix (a scenario whose
//! steps carry weights, see [`crate::scenario::mix`]).
//!
//! Each user opens its session with the scenario's `[target]` headers, runs
//! the setup steps once (their captures go into that user's variables), then
//! draws a step by weight for every call. Every answer is held to its step's
//! expectations; an answer that misses them counts as a failure of its own
//! kind ([`Outcome::Expectation`]), apart from transport, HTTP and JSON-RPC
//! failures. Counts and latencies are kept per step as well as overall.
//!
//! Steps are sent and judged by the scenario executor's own
//! [`send_step`]/[`judge_step`], so a step means the same under load as it
//! does in `mcpcheck test --scenario`.

use super::metrics::{Outcome, Tally};
use crate::scenario::exec::{self, SendError, Sent, judge_step, send_step};
use crate::scenario::load::{self, Loaded};
use crate::scenario::mix::LoadMix;
use crate::scenario::model::{Step, Transport};
use crate::scenario::vars::Vars;
use crate::spec::SpecVersion;
use crate::wire::record::Recorder;
use crate::wire::session::{Endpoint, Session};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

/// A load mix, read and validated before any traffic.
#[derive(Debug)]
pub struct Mix {
    pub loaded: Loaded,
    pub table: LoadMix,
    /// The scenario's `[target].revision`, when it names one.
    pub revision: Option<SpecVersion>,
}

/// One user of a mix: its session, its variables (with the setup's captures)
/// and its own random draw.
pub struct MixUser {
    pub session: Session,
    vars: Vars,
    base_headers: Vec<(String, String)>,
    rng: fastrand::Rng,
}

/// Why a user of a mix could not start.
#[derive(Debug)]
pub enum UserError {
    /// The session could not be opened (worth another try).
    Open(String),
    /// A setup step failed or missed its expectations (another try would too).
    Setup(String),
}

impl UserError {
    pub fn message(self) -> String {
        match self {
            UserError::Open(m) | UserError::Setup(m) => m,
        }
    }
}

impl Mix {
    /// Reads `path`, applies `--var` assignments, and refuses a file that is
    /// not a load mix or is for the other transport.
    pub fn load(path: &Path, assignments: &[String], is_http: bool) -> Result<Mix, String> {
        let mut loaded = vec![load::load_file(path).map_err(|e| e.to_string())?];
        load::set_vars(&mut loaded, assignments)?;
        let loaded = loaded.remove(0);
        let table = LoadMix::of(&loaded).ok_or_else(|| {
            format!(
                "--mix {}: no step has a weight, so this is a functional scenario, not a load mix \
                 (give the steps to draw `weight = N`)",
                path.display()
            )
        })?;
        let revision = match loaded.scenario.target.revision.as_deref() {
            None => None,
            Some(r) => Some(r.parse::<SpecVersion>().map_err(|e| format!("--mix {}: {e}", path.display()))?),
        };
        match (loaded.scenario.target.transport, is_http) {
            (Some(Transport::Http), false) => {
                return Err(format!("--mix {}: the mix is for Streamable HTTP only", path.display()));
            }
            (Some(Transport::Stdio), true) => {
                return Err(format!("--mix {}: the mix is for stdio only", path.display()));
            }
            _ => {}
        }
        Ok(Mix { loaded, table, revision })
    }

    /// The names of the weighted steps, in the order of [`Self::entry_of`].
    pub fn names(&self) -> Vec<String> {
        self.table.entries.iter().map(|e| self.step(e.step).name.clone()).collect()
    }

    /// The weights, in the same order.
    pub fn weights(&self) -> Vec<u32> {
        self.table.entries.iter().map(|e| e.weight).collect()
    }

    fn step(&self, index: usize) -> &Step {
        self.loaded.scenario.steps[index].get_ref()
    }

    /// The position among the weighted steps of scenario step `index`.
    fn entry_of(&self, index: usize) -> usize {
        self.table.entries.iter().position(|e| e.step == index).unwrap_or(0)
    }

    /// Opens a user's session (the scenario's headers on the handshake too)
    /// and runs the setup steps once, in order.
    pub async fn open_user(
        &self,
        endpoint: &Endpoint,
        version: SpecVersion,
        seed: u64,
    ) -> Result<MixUser, UserError> {
        let version = self.revision.unwrap_or(version);
        let mut vars = self.loaded.scenario.vars.clone();
        let base_headers = exec::subst_headers(&self.loaded.scenario.target.headers, &vars)
            .map_err(|name| UserError::Setup(format!("target.headers: ${{{name}}} has no value")))?;
        let mut session =
            exec::open(endpoint, version, Recorder::new(), &base_headers).await.map_err(UserError::Open)?;
        for &i in &self.table.setup {
            let step = self.step(i);
            let sent = send_step(&mut session, step, &base_headers, &vars).await;
            drop(session.rec.take());
            let sent =
                sent.map_err(|e| UserError::Setup(format!("setup step {:?}: {}", step.name, why(e))))?;
            let misses = judge_step(step, &sent, &mut vars).map_err(|n| {
                UserError::Setup(format!("setup step {:?}: ${{{n}}} has no value", step.name))
            })?;
            if let Some(m) = misses.first() {
                return Err(UserError::Setup(format!(
                    "setup step {:?}: {}: expected {}, actual {}",
                    step.name, m.what, m.expected, m.actual
                )));
            }
        }
        Ok(MixUser { session, vars, base_headers, rng: fastrand::Rng::with_seed(seed) })
    }

    /// Draws a step, sends it and judges the answer: the weighted step's
    /// position, the outcome, and what was missed (for the console's example).
    pub async fn next(&self, u: &mut MixUser) -> (usize, Outcome, Option<String>) {
        let index = self.table.pick(u.rng.u64(..));
        let step = self.step(index);
        let sent = send_step(&mut u.session, step, &u.base_headers, &u.vars).await;
        // A bench keeps counts, not transcripts: memory must stay flat.
        drop(u.session.rec.take());
        let (outcome, miss) = match sent {
            Ok(sent) => outcome_of(step, &sent, &mut u.vars),
            Err(e) => (Outcome::Transport(why(e)), None),
        };
        (self.entry_of(index), outcome, miss)
    }
}

impl MixUser {
    /// The user's session (the driver asks whether it must be opened again).
    pub fn session(&self) -> &Session {
        &self.session
    }
}

fn why(e: SendError) -> String {
    match e {
        SendError::Unset(name) => format!("${{{name}}} has no value"),
        SendError::NoMessage => "the step has no message".into(),
        SendError::Wire(e) => e.to_string(),
    }
}

/// The outcome of one answer to a step. An answer the step did not ask for
/// (an HTTP error, a JSON-RPC error, `isError`) counts by its own kind; an
/// answer of the kind the step asked for (or a failure the step expects,
/// such as `error_code = -32602`) that misses an expectation counts as
/// [`Outcome::Expectation`].
fn outcome_of(step: &Step, sent: &Sent, vars: &mut Vars) -> (Outcome, Option<String>) {
    let e = &step.expect;
    let expects_failure = e.status.is_some_and(|s| s >= 400)
        || e.error == Some(true)
        || e.error_code.is_some()
        || e.is_error == Some(true);
    let base = Outcome::of_reply(&sent.reply, sent.response());
    if !expects_failure && base != Outcome::Success {
        return (base, None);
    }
    match judge_step(step, sent, vars) {
        Ok(misses) if misses.is_empty() => (Outcome::Success, None),
        Ok(misses) => {
            let m = &misses[0];
            let text = format!("{}: expected {}, actual {}", m.what, m.expected, m.actual);
            (Outcome::Expectation, Some(crate::wire::jsonrpc::clip(&text, 200)))
        }
        Err(name) => (Outcome::Expectation, Some(format!("${{{name}}} has no value"))),
    }
}

/// Per-step counts and latencies of a mix run, and one example of a missed
/// expectation per step.
#[derive(Debug)]
pub struct StepTallies {
    pub names: Vec<String>,
    pub weights: Vec<u32>,
    tallies: Vec<Mutex<(Tally, Option<String>)>>,
}

/// One weighted step's results.
#[derive(Debug, Clone)]
pub struct StepResult {
    pub name: String,
    pub weight: u32,
    pub tally: Tally,
    /// The first missed expectation, as `what: expected …, actual …`.
    pub example: Option<String>,
}

impl StepTallies {
    pub fn new(mix: &Mix) -> StepTallies {
        let names = mix.names();
        let tallies = names.iter().map(|_| Mutex::new((Tally::default(), None))).collect();
        StepTallies { names, weights: mix.weights(), tallies }
    }

    pub fn record(&self, entry: usize, outcome: Outcome, latency: Duration, miss: Option<String>) {
        if let Some(Ok(mut t)) = self.tallies.get(entry).map(|m| m.lock()) {
            t.0.record(outcome, latency);
            if t.1.is_none() {
                t.1 = miss;
            }
        }
    }

    pub fn results(&self) -> Vec<StepResult> {
        self.tallies
            .iter()
            .zip(self.names.iter().zip(&self.weights))
            .filter_map(|(m, (name, weight))| {
                let t = m.lock().ok()?;
                Some(StepResult {
                    name: name.clone(),
                    weight: *weight,
                    tally: t.0.clone(),
                    example: t.1.clone(),
                })
            })
            .collect()
    }
}
