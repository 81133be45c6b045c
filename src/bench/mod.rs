//! `mcpcheck bench`: throughput and latency of any MCP server, measured
//! through MCP sessions (one per user), with every run bounded.
//!
//! # Why the driver is hand-written on tokio, not goose
//!
//! The design card names goose as the load engine. It was weighed and left
//! out of the core, because two things the numbers depend on do not fit it:
//!
//! - Latency of the whole answer. goose times a request through its own
//!   reqwest wrapper, which returns at the response head; an MCP answer may be
//!   an SSE stream whose final event (the JSON-RPC response) comes much later.
//!   Here every call goes through [`crate::wire::session::Session`], which
//!   reads until the response to the call, and the timer stops there.
//! - An open model with coordinated-omission correction. goose schedules users
//!   (closed model) and throttles them; it has no fixed-arrival-rate mode that
//!   measures from the time a request was due. [`driver`] does both models.
//!
//! What goose would add on top (its own reports, a controller, gaggles across
//! machines) is left for later; MCP sessions, raw-wire timing and the two load
//! models are the part that had to be right.
//!
//! # Layout
//!
//! - [`args`]: the command line.
//! - [`plan`]: the load model, bounds and call, validated before any traffic.
//! - [`driver`]: opens the sessions and runs the load (closed and open model).
//! - [`metrics`]: outcomes by kind and the HDR histograms.
//! - [`threads`]: the users' event loops, one thread per core.
//! - [`threshold`]: `--threshold` goals.
//! - [`report`]: progress line, console table, JSON.
//! - [`mix`]: `--mix FILE`, calls drawn from a load mix, held to expectations.
//! - [`timeline`]: counts and latency by interval of the run.
//! - [`sections`]: what mixes and timelines add to each output.
//! - [`sweep`]: `--users 1,8,32`, one run per step.
//! - [`baseline`]: `--baseline FILE`, the change against an earlier result.
//! - [`findings`]: what a user should know about the result, named.
//! - [`html`]: `--html FILE`, the charts in one self-contained file.
//! - [`shard`]: `--shard I/N`, one share of a load split across generators.
//! - [`merge`]: `mcpcheck report merge`, shard results added up losslessly.

pub mod args;
pub mod baseline;
pub mod driver;
pub mod findings;
pub mod html;
pub mod merge;
pub mod metrics;
pub mod mix;
pub mod plan;
pub mod report;
pub mod sections;
pub mod shard;
pub mod sweep;
pub mod threads;
pub mod threshold;
pub mod timeline;

use crate::cli::UsageError;
use crate::spec::SpecVersion;
use crate::target::{self, TargetSpec};
use crate::wire::Limits;
use args::BenchArgs;
use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;

fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

/// `mcpcheck bench`: `Ok(false)` when a threshold was missed.
pub async fn run(mut args: BenchArgs) -> anyhow::Result<bool> {
    let steps: Vec<Option<u32>> = match &args.users_steps {
        Some(u) => u.0.iter().copied().map(Some).collect(),
        None => vec![None],
    };
    let sweeping = steps.len() > 1;
    // Every step's plan is validated before any load.
    let mut plans = Vec::with_capacity(steps.len());
    for users in &steps {
        args.users = *users;
        let mut p = plan::Plan::from_args(&args).map_err(usage)?;
        if let Some(s) = args.shard {
            p = shard::apply(p, s).map_err(usage)?;
        }
        plans.push(p);
    }
    let thresholds = args
        .threshold
        .iter()
        .map(|t| threshold::Threshold::parse(t))
        .collect::<Result<Vec<_>, _>>()
        .map_err(usage)?;
    let forced = args.server.forced_version()?;
    let headers = args.server.parsed_headers()?;
    let baseline = args.baseline.as_deref().map(baseline::Baseline::load).transpose().map_err(usage)?;
    // Opened before the run, so a bad path fails before any load.
    let mut json_out: Option<Box<dyn Write>> = match args.json.as_deref() {
        None => None,
        Some("-") => Some(Box::new(std::io::stdout())),
        Some(p) => {
            Some(Box::new(std::fs::File::create(p).map_err(|e| usage(format!("cannot write {p}: {e}")))?))
        }
    };
    let json_to_stdout = args.json.as_deref() == Some("-");
    let create = |p: &std::path::Path| {
        std::fs::File::create(p).map_err(|e| usage(format!("cannot write {}: {e}", p.display())))
    };
    let mut markdown_out = args.markdown.as_deref().map(create).transpose()?;
    let mut html_out = args.html.as_deref().map(create).transpose()?;
    let spec = args.server.spec();
    // A mix is read and validated before any traffic, like every other input.
    let work = match &args.mix {
        None => driver::Work::Call,
        Some(path) => {
            let m = mix::Mix::load(path, &args.vars, !matches!(spec, TargetSpec::Stdio(_))).map_err(usage)?;
            for plan in &mut plans {
                plan.call = plan::Call { method: format!("mix {}", path.display()), params: None };
            }
            driver::Work::Mix(Arc::new(m))
        }
    };
    let limits = Limits { timeout: plans[0].timeout, ..Limits::default() };
    let running = target::start(&spec, headers, limits).await.map_err(|e| usage(e.to_string()))?;
    let revision = crate::runner::negotiate(&running.endpoint, forced).await.map_err(|e| {
        usage(format!("{e}\nIs the server running, and is this its MCP endpoint? (mcpcheck bench --help)"))
    })?;
    if args.sessions.is_some() && !revision.version.has_handshake() {
        return Err(usage(format!(
            "--sessions: {} has no sessions to share; pick a revision with one (--spec 2025-11-25)",
            revision.version.as_str()
        )));
    }

    // Ctrl-C ends the run (a sweep: the step, and no further step starts);
    // the calls made so far are still reported.
    let stop = Arc::new(driver::Stop::default());
    let on_signal = {
        let stop = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                stop.trigger();
            }
        })
    };
    if let Some(at) = args.start_at {
        shard::wait_until(at, &stop, args.quiet).await;
    }
    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let mut runs = Vec::with_capacity(plans.len());
    for plan in plans {
        if stop.is_set() {
            break;
        }
        let (measured, extra, started_at) =
            measure(&running.endpoint, revision.version, &plan, &work, stop.clone(), show_progress).await;
        if sweeping && !args.quiet {
            eprintln!("{}", sweep::step_line(&plan, &measured));
        }
        runs.push(Run { plan, measured, extra, started_at });
    }
    on_signal.abort();
    let target = running.endpoint.describe();
    drop(running);
    if runs.iter().all(|r| r.measured.sessions == 0) {
        let why = runs.iter().find_map(|r| r.measured.open_error.as_deref()).unwrap_or("no session");
        return Err(usage(format!("no session could be opened on {target}: {why}")));
    }

    let revision = revision.version.as_str().to_string();
    let mut results = Vec::with_capacity(runs.len());
    let mut met = true;
    for r in &runs {
        let ctx = RenderCtx {
            target: &target,
            revision: &revision,
            work: &work,
            baseline: baseline.as_ref(),
            sweeping,
            shard: args.shard,
        };
        let (rendered, passed) = render(r, &thresholds, &ctx);
        met &= passed;
        results.push(rendered);
    }

    let (console, json, md) = if sweeping {
        let jsons: Vec<serde_json::Value> = results.iter().map(|r| r.json.clone()).collect();
        let found = findings::sweep(&jsons);
        let mut console = sweep::to_console(&target, &revision, &jsons);
        console.push_str(&findings::to_console(&found));
        let mut md = sweep::to_markdown(&target, &revision, &jsons);
        md.push_str(&findings::to_markdown(&found));
        let json = sweep::to_json(&target, &revision, jsons, &found);
        (console, json, md)
    } else {
        let one = results.remove(0);
        (one.console, one.json, one.markdown)
    };
    if !args.quiet {
        if json_to_stdout {
            eprint!("{console}");
        } else {
            print!("{console}");
        }
    }
    if let Some(w) = json_out.as_mut() {
        let text = serde_json::to_string_pretty(&json)?;
        w.write_all(text.as_bytes())?;
        w.write_all(b"\n")?;
        w.flush()?;
    }
    if let Some(f) = markdown_out.as_mut() {
        f.write_all(md.as_bytes())?;
    }
    if let Some(f) = html_out.as_mut() {
        f.write_all(html::render(&json).as_bytes())?;
    }
    if args.markdown.is_some()
        && let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty())
    {
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
        f.write_all(md.as_bytes())?;
    }
    Ok(met)
}

/// What every run of a command renders against.
struct RenderCtx<'a> {
    target: &'a str,
    revision: &'a str,
    work: &'a driver::Work,
    baseline: Option<&'a baseline::Baseline>,
    sweeping: bool,
    shard: Option<shard::Shard>,
}

/// One run's JSON, console text and Markdown, and whether its thresholds
/// were met. In a sweep the findings are the sweep's, made over all steps.
fn render(r: &Run, thresholds: &[threshold::Threshold], c: &RenderCtx) -> (Rendered, bool) {
    let mut summary = report::Summary {
        target: c.target.to_string(),
        revision: c.revision.to_string(),
        plan: &r.plan,
        measured: &r.measured,
        verdicts: &[],
    };
    let rate = summary.rate();
    let verdicts: Vec<_> = thresholds.iter().map(|t| t.check(&r.measured.tally, rate)).collect();
    let met = verdicts.iter().all(|v| v.passed);
    summary.verdicts = &verdicts;
    let mut j = report::to_json(&summary);
    sections::extend_json(&mut j, &r.extra, r.measured.elapsed);
    shard::annotate(&mut j, r.started_at, c.shard);
    let mut console = report::to_console(&summary);
    let mut md = report::to_markdown(&summary);
    let Some(obj) = j.as_object_mut() else {
        return (Rendered { json: j, console, markdown: md }, met);
    };
    if let driver::Work::Mix(m) = c.work {
        // `call` names the mix too, so results of different mixes never
        // compare (or merge) as if they were the same call.
        let mix =
            serde_json::json!({"file": m.loaded.path.display().to_string(), "name": m.loaded.scenario.name});
        obj.insert("call".into(), serde_json::json!({"mix": mix}));
        obj.insert("mix".into(), mix);
    }
    if let Some(e) = &r.measured.open_error {
        obj.insert("session_error".into(), serde_json::json!(e));
    }
    if let Some(steps) = &r.extra.steps {
        console.push_str(&sections::steps_console(steps));
        md.push_str(&sections::steps_markdown(steps));
    }
    if let Some(cmp) = c.baseline.and_then(|b| b.compare(&j)) {
        console.push_str(&baseline::to_console(&cmp));
        md.push_str(&baseline::to_markdown(&cmp));
        if let Some(obj) = j.as_object_mut() {
            obj.insert("baseline".into(), baseline::to_json(&cmp));
        }
    }
    if !c.sweeping {
        let found = findings::single(&j);
        console.push_str(&findings::to_console(&found));
        md.push_str(&findings::to_markdown(&found));
        if let Some(obj) = j.as_object_mut() {
            obj.insert("findings".into(), serde_json::json!(found));
        }
    }
    (Rendered { json: j, console, markdown: md }, met)
}

/// One measured run (a sweep has one per step).
struct Run {
    plan: plan::Plan,
    measured: driver::Measured,
    extra: driver::Extra,
    /// Wall-clock time the load began (after the sessions opened): shards
    /// are merged over the union of their windows.
    started_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// One run's outputs.
struct Rendered {
    json: serde_json::Value,
    console: String,
    markdown: String,
}

/// Runs the load of one plan, with the live progress line when asked.
async fn measure(
    endpoint: &crate::wire::session::Endpoint,
    version: SpecVersion,
    plan: &plan::Plan,
    work: &driver::Work,
    stop: Arc<driver::Stop>,
    show_progress: bool,
) -> (driver::Measured, driver::Extra, Option<chrono::DateTime<chrono::Utc>>) {
    let live = Arc::new(metrics::Live::default());
    let (started_tx, started_rx) = tokio::sync::oneshot::channel::<tokio::time::Instant>();
    let ticker = show_progress.then(|| {
        let live = live.clone();
        let planned = plan.duration;
        tokio::spawn(async move {
            let Ok(start) = started_rx.await else { return };
            let mut every = tokio::time::interval(Duration::from_millis(500));
            loop {
                every.tick().await;
                eprint!("\r{}\x1b[K", report::progress_line(&live, start.elapsed(), planned));
            }
        })
    });
    let mut started_at = None;
    let (measured, extra) = driver::run_with(endpoint, version, plan, work, live, stop, |start| {
        started_at = Some(chrono::Utc::now());
        let _ = started_tx.send(start);
    })
    .await;
    if let Some(t) = ticker {
        t.abort();
        eprint!("\r\x1b[K");
    }
    (measured, extra, started_at)
}
