//! Running scenarios: each file's steps in order in one session over the raw
//! client, each step judged into a [`StepResult`] with id
//! `scenario/<file-stem>/<step-name>` and the exchanges it made. The runner
//! grades them like built-in checks, so every report writer shows scenario
//! steps beside them.
//!
//! A scenario opens its own session (with its `[target]` headers on the
//! handshake too, so a bearer token reaches `initialize`), at its own
//! revision if it names one.

use super::expect::{Answer, Miss, judge};
use super::load::Loaded;
use super::model::{Message, Step, Transport};
use super::vars::{self, Vars};
use crate::checks::Verdict;
use crate::spec::SpecVersion;
use crate::wire::jsonrpc;
use crate::wire::record::Exchange;
use crate::wire::record::Recorder;
use crate::wire::session::{Endpoint, SendOpts, Session, initialize_params};
use futures::StreamExt;
use serde_json::Value;
use std::time::{Duration, Instant};

/// A step judged: what the runner grades into a report result.
#[derive(Debug, Clone)]
pub struct StepResult {
    pub id: String,
    /// The revision the step ran on.
    pub version: SpecVersion,
    pub title: String,
    pub spec_ref: String,
    /// The step's expectations in one line.
    pub requirement: String,
    pub verdict: Verdict,
    pub exchanges: Vec<Exchange>,
    pub elapsed: Duration,
}

/// How many steps of these scenarios `selected` (by step id) keeps.
pub fn count_selected(scenarios: &[Loaded], selected: &dyn Fn(&str) -> bool) -> usize {
    scenarios
        .iter()
        .flat_map(|l| l.scenario.steps.iter().map(move |s| l.id_of(s.get_ref())))
        .filter(|id| selected(id))
        .count()
}

/// The revision a scenario pins in its `[target]`, if any.
pub fn pinned_revision(l: &Loaded) -> Option<SpecVersion> {
    l.scenario.target.revision.as_deref().and_then(|r| r.parse().ok())
}

/// Runs every scenario with a step that `selected` keeps (files
/// concurrently, at most `concurrency` at once over HTTP, steps of a file in
/// order) and returns the results in file and step order.
pub async fn run_all(
    scenarios: &[&Loaded],
    endpoint: &Endpoint,
    version: SpecVersion,
    selected: &dyn Fn(&str) -> bool,
    concurrency: usize,
    timeout: Duration,
) -> Vec<StepResult> {
    let concurrency = if endpoint.is_http() { concurrency.max(1) } else { 1 };
    let jobs = scenarios.iter().filter(|l| l.scenario.steps.iter().any(|s| selected(&l.id_of(s.get_ref()))));
    let per_file: Vec<Vec<StepResult>> = futures::stream::iter(jobs)
        .map(|l| run_guarded((*l).clone(), endpoint.clone(), version, timeout))
        .buffered(concurrency)
        .collect()
        .await;
    per_file.into_iter().flatten().filter(|r| selected(&r.id)).collect()
}

/// One scenario in a task of its own under an overall deadline: a panic or a
/// hang becomes `error` results, never the end of the run.
async fn run_guarded(
    l: Loaded,
    endpoint: Endpoint,
    version: SpecVersion,
    timeout: Duration,
) -> Vec<StepResult> {
    let steps = l.scenario.steps.len() as u32;
    let deadline = timeout * (2 * steps + 2) + Duration::from_secs(2);
    let fallback = l.clone();
    let mut task = tokio::spawn(async move { run_scenario(&l, &endpoint, version).await });
    let why = match tokio::time::timeout(deadline, &mut task).await {
        Ok(Ok(results)) => return results,
        Ok(Err(join)) => format!("the scenario crashed (a bug in mcpcheck): {join}"),
        Err(_) => {
            // Dropping a JoinHandle does not stop the task; abort it.
            task.abort();
            format!("the scenario did not finish within {deadline:?}")
        }
    };
    all_error(&fallback, revision_of(&fallback, version), why)
}

fn revision_of(l: &Loaded, run: SpecVersion) -> SpecVersion {
    pinned_revision(l).unwrap_or(run)
}

/// Runs one scenario's steps in order in one session.
pub async fn run_scenario(l: &Loaded, endpoint: &Endpoint, run_version: SpecVersion) -> Vec<StepResult> {
    let version = revision_of(l, run_version);
    match (l.scenario.target.transport, endpoint.is_http()) {
        (Some(Transport::Http), false) => {
            return all_skip(l, version, "the scenario is for Streamable HTTP only");
        }
        (Some(Transport::Stdio), true) => return all_skip(l, version, "the scenario is for stdio only"),
        _ => {}
    }
    let rec = Recorder::new();
    let mut vars: Vars = l.scenario.vars.clone();
    let mut out = Vec::new();
    let started = Instant::now();
    let base_headers = match subst_headers(&l.scenario.target.headers, &vars) {
        Ok(h) => h,
        Err(name) => return all_error(l, version, format!("target.headers: ${{{name}}} has no value")),
    };
    let mut session = match open(endpoint, version, rec.clone(), &base_headers).await {
        Ok(s) => s,
        Err(why) => {
            let mut results = all_error(l, version, format!("could not open a session: {why}"));
            if let Some(first) = results.first_mut() {
                first.exchanges = rec.take();
                first.elapsed = started.elapsed();
            }
            return results;
        }
    };
    let mut blocked: Option<String> = None;
    for (i, spanned) in l.scenario.steps.iter().enumerate() {
        let step = spanned.get_ref();
        let started = Instant::now();
        let verdict = match &blocked {
            Some(setup) => Verdict::Skip(format!("setup step {setup:?} failed")),
            None => run_step(&mut session, step, &base_headers, &mut vars).await,
        };
        let exchanges = rec.take();
        let failed = !matches!(verdict, Verdict::Pass(_) | Verdict::Skip(_));
        if step.setup && failed && blocked.is_none() {
            blocked = Some(step.name.clone());
        }
        if step.setup && !failed {
            continue;
        }
        out.push(result(l, step, i, version, verdict, exchanges, started.elapsed()));
    }
    out
}

fn all_skip(l: &Loaded, version: SpecVersion, why: &str) -> Vec<StepResult> {
    all_with(l, version, |s| (!s.setup).then(|| Verdict::Skip(why.into())))
}

fn all_error(l: &Loaded, version: SpecVersion, why: String) -> Vec<StepResult> {
    all_with(l, version, |_| Some(Verdict::Error(why.clone())))
}

/// One result per step that `verdict` gives one for, none of them run.
fn all_with(l: &Loaded, version: SpecVersion, verdict: impl Fn(&Step) -> Option<Verdict>) -> Vec<StepResult> {
    let steps = l.scenario.steps.iter().enumerate();
    steps
        .filter_map(|(i, s)| {
            let v = verdict(s.get_ref())?;
            Some(result(l, s.get_ref(), i, version, v, vec![], Duration::ZERO))
        })
        .collect()
}

pub fn subst_headers(
    h: &std::collections::BTreeMap<String, String>,
    vars: &Vars,
) -> Result<Vec<(String, String)>, String> {
    h.iter().map(|(k, v)| Ok((k.clone(), vars::subst_str(v, vars)?))).collect()
}

/// A ready session whose handshake carries the scenario's headers
/// (`Session::open` sends none).
pub async fn open(
    endpoint: &Endpoint,
    version: SpecVersion,
    rec: Recorder,
    headers: &[(String, String)],
) -> Result<Session, String> {
    let mut s = Session::connect(endpoint, version, rec).map_err(|e| e.to_string())?;
    if !version.has_handshake() {
        return Ok(s);
    }
    let opts = SendOpts { headers: headers.to_vec(), ..Default::default() };
    let init = s
        .request_with("initialize", Some(initialize_params(version.as_str())), &opts)
        .await
        .map_err(|e| e.to_string())?;
    let Some(response) = init.response().filter(|r| r.get("result").is_some()).cloned() else {
        return Err(format!("initialize was not answered with a result: {}", init.reply.summary()));
    };
    s.session_id = init.reply.header("mcp-session-id").map(String::from);
    s.initialize = Some(response);
    let note = jsonrpc::notification("notifications/initialized", None);
    s.send_value(&note, &opts).await.map_err(|e| e.to_string())?;
    Ok(s)
}

/// What one step's message got back, before it is judged.
pub struct Sent {
    /// The request id, when the message was a request.
    pub id: Option<Value>,
    pub reply: crate::wire::session::Reply,
    pub elapsed: Duration,
}

/// Why a step's message could not be sent or read.
#[derive(Debug)]
pub enum SendError {
    /// `${name}` has no value (the step that captures it failed).
    Unset(String),
    /// The step has no message (the loader refuses such steps).
    NoMessage,
    /// Transport trouble: no answer.
    Wire(crate::wire::WireError),
}

/// Builds a step's message (variables substituted, the scenario's and the
/// step's headers) and sends it. Shared with `mcpcheck bench`'s load mixes,
/// so a step is sent the same way in a test and under load.
pub async fn send_step(
    s: &mut Session,
    step: &Step,
    base: &[(String, String)],
    vars: &Vars,
) -> Result<Sent, SendError> {
    let mut headers = base.to_vec();
    headers.extend(subst_headers(&step.headers, vars).map_err(SendError::Unset)?);
    let opts = SendOpts { headers, ..Default::default() };
    let message = step.message().ok_or(SendError::NoMessage)?;
    let started = Instant::now();
    let sent = match message {
        Message::Request { method, params } => {
            let params = params.map(|p| vars::subst(p, vars)).transpose().map_err(SendError::Unset)?;
            s.request_with(method, params, &opts).await.map(|a| (Some(a.id), a.reply))
        }
        Message::Raw(raw) => {
            let raw = vars::subst(raw, vars).map_err(SendError::Unset)?;
            let id =
                (jsonrpc::kind(&raw) == jsonrpc::Kind::Request).then(|| raw.get("id").cloned()).flatten();
            s.send_value(&raw, &opts).await.map(|r| (id, r))
        }
        Message::Body(body) => {
            let body = vars::subst_str(body, vars).map_err(SendError::Unset)?;
            s.send_text(body, None, None, &opts).await.map(|r| (None, r))
        }
    };
    let (id, reply) = sent.map_err(SendError::Wire)?;
    Ok(Sent { id, reply, elapsed: started.elapsed() })
}

impl Sent {
    /// The JSON-RPC response to the step's message. A message the server
    /// could not read is answered with id null.
    pub fn response(&self) -> Option<&Value> {
        let null = Value::Null;
        let reply = &self.reply;
        self.id.as_ref().and_then(|id| reply.response_to(id)).or_else(|| reply.response_to(&null)).or_else(
            || {
                if self.id.is_none() {
                    reply.messages.iter().find(|m| jsonrpc::kind(m) == jsonrpc::Kind::Response)
                } else {
                    None
                }
            },
        )
    }
}

/// Whether a `method` step with no error or status expectation must get a result.
pub fn wants_result(step: &Step) -> bool {
    let e = &step.expect;
    matches!(step.message(), Some(Message::Request { .. }))
        && e.error.is_none()
        && e.error_code.is_none()
        && e.status.is_none()
}

/// Holds an answer to the step's expectations and takes its captures into
/// `vars`; every unmet expectation or capture is a [`Miss`]. `Err` is a
/// variable with no value. Shared with `mcpcheck bench`'s load mixes.
pub fn judge_step(step: &Step, sent: &Sent, vars: &mut Vars) -> Result<Vec<Miss>, String> {
    let response = sent.response();
    let answer =
        Answer { reply: &sent.reply, response, elapsed: sent.elapsed, wants_result: wants_result(step) };
    let mut misses = judge(&step.expect, &answer, vars)?;
    for (var, pointer) in &step.capture {
        match response.and_then(|r| r.pointer(pointer)) {
            Some(v) => {
                vars.insert(var.clone(), v.clone());
            }
            None => misses.push(Miss {
                what: format!("capture {var}"),
                expected: format!("a value at {pointer:?} to capture"),
                actual: response.map_or_else(|| sent.reply.summary(), |r| jsonrpc::show(Some(r))),
            }),
        }
    }
    Ok(misses)
}

/// Sends one step's message and judges the answer; captures on the way.
async fn run_step(s: &mut Session, step: &Step, base: &[(String, String)], vars: &mut Vars) -> Verdict {
    let unset =
        |name: String| Verdict::Error(format!("${{{name}}} has no value: the step that captures it failed"));
    let sent = match send_step(s, step, base, vars).await {
        Ok(sent) => sent,
        Err(SendError::Unset(name)) => return unset(name),
        Err(SendError::NoMessage) => {
            return Verdict::Error("the step has no message (the loader should have refused it)".into());
        }
        Err(SendError::Wire(e)) => return Verdict::Error(e.to_string()),
    };
    let e = &step.expect;
    // On stdio HTTP statuses and headers do not exist: a step that expects
    // nothing else has nothing to judge, and that is not a pass.
    let beyond_http = wants_result(step)
        || e.error.is_some()
        || e.error_code.is_some()
        || e.is_error.is_some()
        || e.max_ms.is_some()
        || !e.json.is_empty()
        || !step.capture.is_empty();
    if !s.is_http() && !beyond_http {
        return Verdict::Skip("the step expects only HTTP statuses or headers; the target is stdio".into());
    }
    match judge_step(step, &sent, vars) {
        Ok(misses) => verdict_of(step, &misses, sent.elapsed),
        Err(name) => unset(name),
    }
}

fn verdict_of(step: &Step, misses: &[Miss], elapsed: Duration) -> Verdict {
    if misses.is_empty() {
        let what = match (&step.method, &step.raw) {
            (Some(m), _) => m.as_str(),
            (None, Some(_)) => "the raw message",
            (None, None) => "the raw body",
        };
        return Verdict::pass(format!("{what} answered as expected in {} ms", elapsed.as_millis()));
    }
    let join = |f: fn(&Miss) -> String| misses.iter().map(f).collect::<Vec<_>>().join("; ");
    Verdict::violation(
        format!("expectation not met: {}", join(|m| m.what.clone())),
        join(|m| m.expected.clone()),
        join(|m| m.actual.clone()),
    )
}

/// A step's result, with the file and line it was written at.
fn result(
    l: &Loaded,
    step: &Step,
    index: usize,
    version: SpecVersion,
    verdict: Verdict,
    exchanges: Vec<Exchange>,
    elapsed: Duration,
) -> StepResult {
    let line = l.step_lines.get(index).map_or(String::new(), |n| format!(":{n}"));
    StepResult {
        id: l.id_of(step),
        version,
        title: format!("{}: {}", l.scenario.name, step.title()),
        spec_ref: format!("{version} scenario {}{line}", l.path.display()),
        requirement: describe(step),
        verdict,
        exchanges,
        elapsed,
    }
}

/// The step's expectations in one line, as the report's requirement.
fn describe(step: &Step) -> String {
    let e = &step.expect;
    let mut parts = Vec::new();
    if let Some(s) = e.status {
        parts.push(format!("HTTP {s}"));
    }
    if let Some(b) = e.error {
        parts.push(if b { "an error".into() } else { "a result".into() });
    }
    if let Some(c) = e.error_code {
        parts.push(format!("error {c}"));
    }
    if let Some(b) = e.is_error {
        parts.push(format!("isError {b}"));
    }
    for name in e.headers.keys() {
        parts.push(format!("header {name}"));
    }
    if let Some(ms) = e.max_ms {
        parts.push(format!("within {ms} ms"));
    }
    for j in &e.json {
        let mut p = Vec::new();
        let show = |v: &Value| jsonrpc::show(Some(v));
        if let Some(v) = &j.equals {
            p.push(format!("= {}", show(v)));
        }
        if let Some(v) = &j.contains {
            p.push(format!("contains {}", show(v)));
        }
        if let Some(m) = &j.matches {
            p.push(format!("matches /{m}/"));
        }
        if j.schema.is_some() {
            p.push("fits a schema".into());
        }
        if let Some(x) = j.exists {
            p.push(if x { "exists".into() } else { "absent".into() });
        }
        parts.push(format!("{} {}", j.pointer, p.join(", ")));
    }
    let what = match (&step.method, &step.raw, &step.raw_body) {
        (Some(m), _, _) => m.clone(),
        (_, Some(_), _) => "raw message".into(),
        _ => "raw body".into(),
    };
    if parts.is_empty() { format!("{what} → a result") } else { format!("{what} → {}", parts.join("; ")) }
}
