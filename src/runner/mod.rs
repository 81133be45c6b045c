//! The run: which revisions to test ([`plan`]), the checks and scenarios on
//! each of them (each check in sessions of its own, concurrently, bounded),
//! grading ([`grade`]) and the gate ([`gate`]), and the one [`Report`] they
//! make. Commands only parse, start the target, call this and write.
//!
//! # Layout
//!
//! - [`client`]: the client run: scripted servers, the client under test, the
//!   `client/...` grades.
//! - [`plan`]: probes the server and decides, per revision, whether it is tested
//!   and why.
//! - [`grade`]: verdicts become results by the level of their requirement.
//! - [`gate`]: the exit verdict over every revision, with expected failures.

pub mod client;
pub mod gate;
pub mod grade;
pub mod plan;

use crate::checks::tools::CallTools;
use crate::checks::{self, Check, Ctx, Verdict};
use crate::report::model::{CheckResult, Report, RevisionRun, Summary, Tool};
use crate::scenario::load::Loaded;
use crate::spec::SpecVersion;
use crate::wire::record::Recorder;
use crate::wire::session::Endpoint;
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use std::time::{Duration, Instant};

pub use plan::{Choice, Plan, PlanError};

/// `--tool-timeout` by default: three protocol exchanges' worth, since a tool
/// does real work.
pub const DEFAULT_TOOL_TIMEOUT: Duration = Duration::from_secs(30);
/// `--run-timeout` by default: a default run of a healthy server over four
/// revisions takes seconds; this stops one that trickles every answer.
pub const DEFAULT_RUN_TIMEOUT: Duration = Duration::from_secs(300);

/// How a run is shaped.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Id prefixes to run (empty: all).
    pub only: Vec<String>,
    /// Id prefixes to leave out.
    pub skip: Vec<String>,
    /// Checks in flight at once.
    pub concurrency: usize,
    /// Draw a progress bar (only on a terminal).
    pub progress: bool,
    /// The bound on one exchange; a whole check gets a few of them.
    pub timeout: Duration,
    /// The bound on one tool call (`--tool-timeout`).
    pub tool_timeout: Duration,
    /// The whole run's budget (`--run-timeout`): checks not finished by then
    /// end as `error`, and the report is still made.
    pub run_timeout: Duration,
    /// Which tools checks may call (`--call-tools`).
    pub call_tools: CallTools,
    /// Tokens for the auth checks (none: those that need one are skipped).
    pub auth: Option<std::sync::Arc<crate::oauth::source::AuthMaterial>>,
    /// Run the robustness checks (`--robustness`): they send hostile input,
    /// so they never run unless asked for.
    pub robustness: bool,
    /// The authorization server the auth/metadata and auth/as checks examine
    /// (its issuer URL), instead of the one the target's resource metadata names.
    pub authorization_server: Option<String>,
    /// Users' scenarios, run beside the catalogue: on each tested revision,
    /// or once on the revision a scenario pins.
    pub scenarios: Vec<Loaded>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            only: vec![],
            skip: vec![],
            concurrency: 8,
            progress: false,
            timeout: Duration::from_secs(10),
            tool_timeout: DEFAULT_TOOL_TIMEOUT,
            run_timeout: DEFAULT_RUN_TIMEOUT,
            call_tools: CallTools::default(),
            auth: None,
            authorization_server: None,
            robustness: false,
            scenarios: vec![],
        }
    }
}

impl RunOptions {
    /// Whether `--only`/`--skip` keep this id.
    pub fn selects(&self, id: &str) -> bool {
        (self.robustness || !id.starts_with(crate::checks::robustness::AREA))
            && (self.only.is_empty() || self.only.iter().any(|p| id.starts_with(p.as_str())))
            && !self.skip.iter().any(|p| id.starts_with(p.as_str()))
    }

    /// Whether the options select anything at all (checks or scenario steps).
    pub fn selects_anything(&self) -> bool {
        !select(self).is_empty()
            || crate::scenario::exec::count_selected(&self.scenarios, &|id| self.selects(id)) > 0
    }
}

/// The checks the options select, in catalogue order.
pub fn select(opts: &RunOptions) -> Vec<&'static Check> {
    checks::all().into_iter().filter(|c| opts.selects(c.id)).collect()
}

/// The whole run on a started target: the revision plan (probing the server
/// as `choice` asks), then the checks and scenarios on every tested revision.
/// The report's duration includes the probes.
pub async fn run_target(
    endpoint: &Endpoint,
    choice: &Choice,
    opts: &RunOptions,
) -> Result<Report, PlanError> {
    let started = Instant::now();
    let plan = plan::make(endpoint, choice).await?;
    let mut report = run(endpoint, &plan, opts).await;
    report.duration_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}

/// Runs the selected checks and scenarios on every tested revision of the
/// plan and returns the report.
pub async fn run(endpoint: &Endpoint, plan: &Plan, opts: &RunOptions) -> Report {
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let started = Instant::now();
    let selected = select(opts);
    // One job per check and revision it applies to; a check is not run, and
    // has no result, on a revision outside its range.
    let jobs: Vec<(SpecVersion, usize, &'static Check)> = plan
        .tested()
        .flat_map(|v| {
            selected
                .iter()
                .enumerate()
                .filter(move |(_, c)| c.revisions.contains(v))
                .map(move |(i, c)| (v, i, *c))
        })
        .collect();
    let bar = progress_bar(opts.progress, jobs.len());
    let run_deadline = tokio::time::Instant::now() + opts.run_timeout;
    // Stdio targets get one check at a time: each check spawns its own process.
    let concurrency = if endpoint.is_http() { opts.concurrency.max(1) } else { 1 };
    let mut results: Vec<((SpecVersion, usize), CheckResult)> = futures::stream::iter(jobs)
        .map(|(version, i, check)| {
            let bar = bar.clone();
            let endpoint = endpoint.clone();
            async move {
                let r = run_one(check, endpoint, version, opts, run_deadline).await;
                bar.inc(1);
                ((version, i), r)
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    bar.finish_and_clear();
    results.sort_by_key(|(key, _)| *key);
    let mut checks: Vec<CheckResult> = results.into_iter().map(|(_, r)| r).collect();
    checks.extend(run_scenarios(endpoint, plan, opts).await);
    // Revision by revision; within one, catalogue order and then scenarios.
    checks.sort_by_key(|c| c.revision.parse::<SpecVersion>().ok());
    let revisions = plan
        .revisions
        .iter()
        .map(|p| {
            let mine: Vec<CheckResult> =
                checks.iter().filter(|c| c.revision == p.version.as_str()).cloned().collect();
            RevisionRun {
                revision: p.version.to_string(),
                selection: p.selection,
                detail: p.detail.clone(),
                summary: Summary::of(&mine),
                exchanges: p.exchanges.clone(),
            }
        })
        .collect();
    Report {
        schema_version: crate::report::model::SCHEMA_VERSION,
        tool: Tool::default(),
        target: endpoint.describe(),
        spec_version: plan.newest().map(|v| v.to_string()).unwrap_or_default(),
        spec_selection: None,
        revisions,
        started_at,
        duration_ms: started.elapsed().as_millis() as u64,
        summary: Summary::of(&checks),
        checks,
    }
}

/// The scenarios: those that pin a revision once on it, the others on each
/// tested revision.
async fn run_scenarios(endpoint: &Endpoint, plan: &Plan, opts: &RunOptions) -> Vec<CheckResult> {
    if opts.scenarios.is_empty() {
        return vec![];
    }
    let (pinned, free): (Vec<&Loaded>, Vec<&Loaded>) =
        opts.scenarios.iter().partition(|l| crate::scenario::exec::pinned_revision(l).is_some());
    let selected = |id: &str| opts.selects(id);
    let mut out = Vec::new();
    let mut rounds: Vec<(SpecVersion, Vec<&Loaded>)> = plan.tested().map(|v| (v, free.clone())).collect();
    if let Some(newest) = plan.newest() {
        // The revision a pinned scenario runs on comes from the file; the
        // run's revision is only the fallback the executor never uses.
        rounds.push((newest, pinned));
    }
    for (version, files) in rounds {
        let steps = crate::scenario::exec::run_all(
            &files,
            endpoint,
            version,
            &selected,
            opts.concurrency,
            opts.timeout,
        )
        .await;
        out.extend(steps.into_iter().map(grade::step));
    }
    out
}

/// Runs one check in a task of its own, so that a panic in it (a bug in
/// mcpcheck) becomes an `error` result rather than the end of the run, and under
/// an overall deadline on top of the per-exchange ones: its own (a few
/// exchanges and its tool budget) or the run's, whichever comes first.
async fn run_one(
    check: &'static Check,
    endpoint: Endpoint,
    version: SpecVersion,
    opts: &RunOptions,
    run_deadline: tokio::time::Instant,
) -> CheckResult {
    let timeout = opts.timeout;
    let started = Instant::now();
    let rec = Recorder::new();
    let over_budget = || {
        Verdict::Error(format!(
            "not finished: the run's time budget ({}; --run-timeout) was used up",
            humantime::format_duration(opts.run_timeout)
        ))
    };
    let verdict = match check.not_applicable(version, &endpoint) {
        Some(why) => Verdict::Skip(why),
        None if tokio::time::Instant::now() >= run_deadline => over_budget(),
        None => {
            let ctx = Ctx {
                endpoint,
                version,
                rec: rec.clone(),
                call_tools: opts.call_tools.clone(),
                auth: opts.auth.clone(),
                authorization_server: opts.authorization_server.clone(),
                tool_timeout: opts.tool_timeout,
            };
            let own = timeout * 6
                + opts.tool_timeout * (crate::checks::tools::TOOL_BUDGET_CALLS + 1)
                + Duration::from_secs(2);
            let deadline = (tokio::time::Instant::now() + own).min(run_deadline);
            let mut task = tokio::spawn(async move {
                match (check.run)(&ctx).await {
                    Ok(v) | Err(v) => v,
                }
            });
            match tokio::time::timeout_at(deadline, &mut task).await {
                Ok(Ok(v)) => v,
                Ok(Err(join)) => Verdict::Error(format!("the check crashed (a bug in mcpcheck): {join}")),
                Err(_) => {
                    // Dropping a JoinHandle detaches the task; abort it so an
                    // overrunning check stops sending traffic.
                    task.abort();
                    if deadline == run_deadline {
                        over_budget()
                    } else {
                        Verdict::Error(format!("the check did not finish within {own:?}"))
                    }
                }
            }
        }
    };
    grade::check(check, version, verdict, rec.take(), started.elapsed())
}

fn progress_bar(enabled: bool, len: usize) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template("{spinner} checking [{bar:30}] {pos}/{len} {elapsed}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}
