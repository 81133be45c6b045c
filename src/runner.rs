//! Runs the catalogue against one target: picks the revision, selects checks
//! by id prefix, runs each in sessions of its own (concurrently, bounded), grades
//! violations by level, and assembles the [`Report`].

use crate::checks::tools::CallTools;
use crate::checks::{self, Check, Ctx, Verdict};
use crate::report::model::{CheckResult, Report, Summary, Tool};
use crate::spec::SpecVersion;
use crate::wire::WireError;
use crate::wire::record::Recorder;
use crate::wire::session::{Endpoint, Session};
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;
use std::time::{Duration, Instant};

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
    /// Which tools checks may call (`--call-tools`).
    pub call_tools: CallTools,
    /// Tokens for the auth checks (none: those that need one are skipped).
    pub auth: Option<std::sync::Arc<crate::oauth::source::AuthMaterial>>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            only: vec![],
            skip: vec![],
            concurrency: 4,
            progress: false,
            timeout: Duration::from_secs(10),
            call_tools: CallTools::default(),
            auth: None,
        }
    }
}

/// The revision a run uses, and how it was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revision {
    pub version: SpecVersion,
    pub forced: bool,
}

/// Why no revision could be chosen: the target is unreachable or speaks none
/// that mcpcheck knows. Exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum NegotiationError {
    #[error("{target} could not be reached: {cause}")]
    Unreachable { target: String, cause: WireError },
    #[error("{target} did not answer initialize or server/discover with a usable result: {detail}")]
    NoRevision { target: String, detail: String },
}

/// `--spec auto`: the newest revision the server supports. A server that
/// answers `server/discover` listing 2026-07-28 is stateless; otherwise the
/// version its `initialize` answer names (asking for the newest handshake one).
pub async fn negotiate(
    endpoint: &Endpoint,
    forced: Option<SpecVersion>,
) -> Result<Revision, NegotiationError> {
    if let Some(version) = forced {
        return Ok(Revision { version, forced: true });
    }
    let target = endpoint.describe();
    let unreachable = |cause| NegotiationError::Unreachable { target: target.clone(), cause };
    let rec = Recorder::new();
    let newest = SpecVersion::V2026_07_28;
    let mut s = Session::connect(endpoint, newest, rec.clone()).map_err(unreachable)?;
    match s.request("server/discover", None).await {
        Ok(a) => {
            let listed = a
                .result()
                .and_then(|r| r.get("supportedVersions"))
                .and_then(Value::as_array)
                .is_some_and(|l| l.iter().any(|v| v.as_str() == Some(newest.as_str())));
            if listed {
                return Ok(Revision { version: newest, forced: false });
            }
        }
        Err(e @ (WireError::Connect(_) | WireError::Process(_))) => return Err(unreachable(e)),
        // A legacy server may answer a stray request badly, even time out on
        // it; the handshake below is the real test.
        Err(_) => {}
    }
    drop(s);
    let mut s = Session::connect(endpoint, SpecVersion::NEWEST_HANDSHAKE, rec).map_err(unreachable)?;
    let init = s.initialize(SpecVersion::NEWEST_HANDSHAKE.as_str()).await.map_err(unreachable)?;
    let named = init.result().and_then(|r| r.get("protocolVersion")).and_then(Value::as_str);
    let version =
        named.and_then(|v| v.parse::<SpecVersion>().ok()).ok_or_else(|| NegotiationError::NoRevision {
            target: target.clone(),
            detail: match named {
                Some(v) => format!("it speaks {v}, which mcpcheck does not check; force one with --spec"),
                None => init.reply.summary(),
            },
        })?;
    if s.session_id.is_some() {
        // Best effort: don't leave the probe's session open on the server.
        let _ = s.http_bodiless(reqwest::Method::DELETE, &Default::default()).await;
    }
    Ok(Revision { version, forced: false })
}

/// The checks the options select, in catalogue order.
pub fn select(opts: &RunOptions) -> Vec<&'static Check> {
    checks::all()
        .into_iter()
        .filter(|c| opts.only.is_empty() || opts.only.iter().any(|p| c.id.starts_with(p.as_str())))
        .filter(|c| !opts.skip.iter().any(|p| c.id.starts_with(p.as_str())))
        .collect()
}

/// Runs the selected checks and returns the report.
pub async fn run(endpoint: &Endpoint, revision: Revision, opts: &RunOptions) -> Report {
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let started = Instant::now();
    let selected = select(opts);
    let bar = progress_bar(opts.progress, selected.len());
    // Stdio targets get one check at a time: each check spawns its own process.
    let concurrency = if endpoint.is_http() { opts.concurrency.max(1) } else { 1 };
    let mut results: Vec<(usize, CheckResult)> = futures::stream::iter(selected.iter().enumerate())
        .map(|(i, check)| {
            let bar = bar.clone();
            let endpoint = endpoint.clone();
            async move {
                let r = run_one(check, endpoint, revision.version, opts).await;
                bar.inc(1);
                (i, r)
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    bar.finish_and_clear();
    results.sort_by_key(|(i, _)| *i);
    let checks: Vec<CheckResult> = results.into_iter().map(|(_, r)| r).collect();
    Report {
        schema_version: crate::report::model::SCHEMA_VERSION,
        tool: Tool::default(),
        target: endpoint.describe(),
        spec_version: revision.version.to_string(),
        spec_selection: Some(if revision.forced { "forced" } else { "negotiated" }.into()),
        started_at,
        duration_ms: started.elapsed().as_millis() as u64,
        summary: Summary::of(&checks),
        checks,
    }
}

/// Runs one check in a task of its own, so that a panic in it (a bug in
/// mcpcheck) becomes an `error` result rather than the end of the run, and under
/// an overall deadline on top of the per-exchange ones.
async fn run_one(
    check: &'static Check,
    endpoint: Endpoint,
    version: SpecVersion,
    opts: &RunOptions,
) -> CheckResult {
    let timeout = opts.timeout;
    let started = Instant::now();
    let rec = Recorder::new();
    let verdict = match check.not_applicable(version, &endpoint) {
        Some(why) => Verdict::Skip(why),
        None => {
            let ctx = Ctx {
                endpoint,
                version,
                rec: rec.clone(),
                call_tools: opts.call_tools.clone(),
                auth: opts.auth.clone(),
            };
            let deadline = timeout * 6 + Duration::from_secs(2);
            let mut task = tokio::spawn(async move {
                match (check.run)(&ctx).await {
                    Ok(v) | Err(v) => v,
                }
            });
            match tokio::time::timeout(deadline, &mut task).await {
                Ok(Ok(v)) => v,
                Ok(Err(join)) => Verdict::Error(format!("the check crashed (a bug in mcpcheck): {join}")),
                Err(_) => {
                    // Dropping a JoinHandle detaches the task; abort it so an
                    // overrunning check stops sending traffic.
                    task.abort();
                    Verdict::Error(format!("the check did not finish within {deadline:?}"))
                }
            }
        }
    };
    grade(check, version, verdict, rec.take(), started.elapsed())
}

/// Turns a verdict into a result: a violation is `fail`, `warn` or `info` by
/// the level of the requirement.
pub fn grade(
    check: &Check,
    version: SpecVersion,
    verdict: Verdict,
    exchanges: Vec<crate::report::model::Exchange>,
    elapsed: Duration,
) -> CheckResult {
    let g = verdict.grade(check.level);
    CheckResult {
        id: check.id.into(),
        title: check.title.into(),
        level: check.level,
        status: g.status,
        spec_ref: check.spec.for_version(version),
        requirement: check.requirement.into(),
        message: g.message,
        expected: g.expected,
        actual: g.actual,
        duration_ms: elapsed.as_millis() as u64,
        exchanges,
    }
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
