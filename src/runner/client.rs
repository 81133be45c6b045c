//! The client run: every selected scenario on every asked revision, each
//! against a scripted server of its own, then every client check graded on
//! the traffic of its scenario. The same [`Report`] as a server run, so the
//! writers, the gate and expected failures work unchanged.
//!
//! Besides the checks, each scenario gives one result `client/run/<name>`:
//! whether the client completed it (exited with status 0 within the bound).
//! A client that hangs or crashes has not shown the behaviour the checks
//! look for, and that must never read as a pass.

use super::grade;
use crate::client::spawn::{self, ClientCommand};
use crate::client::{self, ClientCheck, Observed, Scenario};
use crate::report::model::{CheckResult, Report, RevisionRun, Selection, Summary, Tool};
use crate::spec::{Level, SpecVersion};
use futures::StreamExt;
use std::time::{Duration, Instant};

/// `--client-timeout` by default: a client that connects, lists and calls
/// one tool is done in well under a second; this leaves room for a slow
/// interpreter's start.
pub const DEFAULT_CLIENT_TIMEOUT: Duration = Duration::from_secs(30);

/// How a client run is shaped.
#[derive(Debug, Clone)]
pub struct ClientRunOptions {
    /// Id prefixes to run (empty: all).
    pub only: Vec<String>,
    /// Id prefixes to leave out.
    pub skip: Vec<String>,
    /// The revisions to test, oldest first; `forced` when `--spec` named them.
    pub revisions: Vec<SpecVersion>,
    pub forced: bool,
    /// The bound on one run of the client.
    pub client_timeout: Duration,
    /// Scenarios (client processes) at once.
    pub concurrency: usize,
}

impl Default for ClientRunOptions {
    fn default() -> Self {
        ClientRunOptions {
            only: vec![],
            skip: vec![],
            revisions: SpecVersion::ALL.to_vec(),
            forced: false,
            client_timeout: DEFAULT_CLIENT_TIMEOUT,
            concurrency: 4,
        }
    }
}

impl ClientRunOptions {
    pub fn selects(&self, id: &str) -> bool {
        (self.only.is_empty() || self.only.iter().any(|p| id.starts_with(p.as_str())))
            && !self.skip.iter().any(|p| id.starts_with(p.as_str()))
    }

    /// The (revision, scenario) runs the selection needs: a scenario runs
    /// when its own result or any check grading it is selected.
    pub fn runs(&self) -> Vec<(SpecVersion, Scenario)> {
        self.revisions
            .iter()
            .flat_map(|v| Scenario::on(*v).into_iter().map(move |s| (*v, s)))
            .filter(|(v, s)| {
                self.selects(&run_id(*s)) || client::grading(*s, *v).iter().any(|c| self.selects(c.id))
            })
            .collect()
    }
}

/// The id of a scenario's own result.
pub fn run_id(s: Scenario) -> String {
    format!("client/run/{}", s.name().replace(['_', '/'], "-"))
}

/// Runs the client under test through every selected scenario.
pub async fn run(cmd: &ClientCommand, opts: &ClientRunOptions) -> Report {
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let started = Instant::now();
    let runs = opts.runs();
    let mut results: Vec<((SpecVersion, usize), Vec<CheckResult>)> = futures::stream::iter(runs)
        .map(|(version, scenario)| async move {
            let order = Scenario::ALL.iter().position(|s| *s == scenario).unwrap_or(0);
            ((version, order), one(cmd, version, scenario, opts).await)
        })
        .buffer_unordered(opts.concurrency.max(1))
        .collect()
        .await;
    results.sort_by_key(|(key, _)| *key);
    let mut checks: Vec<CheckResult> = results.into_iter().flat_map(|(_, r)| r).collect();
    // Revision by revision; within one, scenario results, then catalogue order.
    let catalogue: Vec<&str> = client::all().iter().map(|c| c.id).collect();
    checks.sort_by_key(|c| {
        let pos = catalogue.iter().position(|id| *id == c.id).map_or(0, |p| p + 1);
        (c.revision.parse::<SpecVersion>().ok(), pos)
    });
    let revisions = opts
        .revisions
        .iter()
        .map(|v| {
            let mine: Vec<CheckResult> =
                checks.iter().filter(|c| c.revision == v.as_str()).cloned().collect();
            RevisionRun {
                revision: v.to_string(),
                selection: if opts.forced { Selection::Forced } else { Selection::Scripted },
                detail: format!(
                    "mcpcheck played a {v} server in {} scenario(s): {}",
                    Scenario::on(*v).len(),
                    Scenario::on(*v).iter().map(|s| s.name()).collect::<Vec<_>>().join(", ")
                ),
                summary: Summary::of(&mine),
                exchanges: vec![],
            }
        })
        .collect();
    Report {
        schema_version: crate::report::model::SCHEMA_VERSION,
        tool: Tool::default(),
        target: format!("client: {}", cmd.describe()),
        spec_version: opts.revisions.iter().max().map(|v| v.to_string()).unwrap_or_default(),
        spec_selection: None,
        revisions,
        started_at,
        duration_ms: started.elapsed().as_millis() as u64,
        summary: Summary::of(&checks),
        checks,
    }
}

/// One scenario: the scripted server, the client, the grades.
async fn one(
    cmd: &ClientCommand,
    version: SpecVersion,
    scenario: Scenario,
    opts: &ClientRunOptions,
) -> Vec<CheckResult> {
    let started = Instant::now();
    let server = match client::scripted::Scripted::start(version, scenario).await {
        Ok(s) => s,
        Err(e) => {
            let why = crate::checks::Verdict::Error(format!("could not start the scripted server: {e}"));
            return vec![run_result(scenario, version, why, vec![], started.elapsed())];
        }
    };
    let context = scenario.context();
    let end = spawn::run(
        cmd,
        server.url(),
        scenario.name(),
        version.as_str(),
        context.as_deref(),
        opts.client_timeout,
    )
    .await;
    let observed = server.finish(end).await;
    let elapsed = started.elapsed();
    let exchanges = observed.exchanges();
    let mut out = Vec::new();
    if opts.selects(&run_id(scenario)) {
        out.push(run_result(scenario, version, completed(&observed), exchanges.clone(), elapsed));
    }
    for check in client::grading(scenario, version).into_iter().filter(|c| opts.selects(c.id)) {
        let v = match (check.grade)(&observed) {
            Ok(v) | Err(v) => v,
        };
        out.push(graded(check, version, v, exchanges.clone(), elapsed));
    }
    out
}

/// Whether the client completed the scenario.
fn completed(obs: &Observed) -> crate::checks::Verdict {
    use crate::checks::Verdict;
    let tail = |s: &str| {
        let s = s.trim();
        match s.char_indices().rev().nth(600) {
            Some((i, _)) => format!("…{}", &s[i..]),
            None => s.to_string(),
        }
    };
    if obs.process.succeeded() {
        return Verdict::pass(format!("the client {} after {} request(s)", obs.process, obs.seen.len()));
    }
    // Where the right thing is to refuse, a client that stops with an
    // error has completed the scenario; its checks say whether it refused.
    if obs.scenario.expects_refusal() && matches!(obs.process, spawn::ProcessEnd::Exited { .. }) {
        return Verdict::pass(format!(
            "the client {} after {} request(s) (refusing is right here)",
            obs.process,
            obs.seen.len()
        ));
    }
    let stderr = tail(obs.process.stderr());
    let said = if stderr.is_empty() { String::new() } else { format!("; its stderr ends: {stderr}") };
    Verdict::Error(format!("the client {} after {} request(s){said}", obs.process, obs.seen.len()))
}

fn run_result(
    scenario: Scenario,
    version: SpecVersion,
    v: crate::checks::Verdict,
    exchanges: Vec<crate::report::model::Exchange>,
    elapsed: Duration,
) -> CheckResult {
    let requirement = if scenario.expects_refusal() {
        "The client under test refuses to go on (the server's answer must not be trusted) and exits within --client-timeout, with any status."
    } else {
        "The client under test connects, lists the tools, calls the first one with {\"a\": 2, \"b\": 3}, closes, and exits with status 0 within --client-timeout."
    };
    let what = grade::Requirement {
        id: &run_id(scenario),
        title: &format!(
            "the client completes scenario {}: the server {}",
            scenario.name(),
            scenario.describe()
        ),
        level: Level::Must,
        spec_ref: format!("{version} mcpcheck client scenario {}", scenario.name()),
        requirement,
    };
    grade::result(&what, version, v, exchanges, elapsed)
}

fn graded(
    check: &ClientCheck,
    version: SpecVersion,
    v: crate::checks::Verdict,
    exchanges: Vec<crate::report::model::Exchange>,
    elapsed: Duration,
) -> CheckResult {
    let what = grade::Requirement {
        id: check.id,
        title: check.title,
        level: check.level,
        spec_ref: check.spec.for_version(version),
        requirement: check.requirement,
    };
    grade::result(&what, version, v, exchanges, elapsed)
}
