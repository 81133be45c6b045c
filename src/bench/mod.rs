//! `mcpcheck bench`: throughput and latency of any MCP server, measured
//! through MCP sessions (one per user), with every run bounded.
//!
//! # Why the driver is hand-written on tokio, not goose
//!
//! goose, the Rust load tester, was weighed as the load engine and left
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
//! - [`watch`]: `--watch-pid`, the server's memory and CPU sampled over a run.

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
pub mod watch;

use crate::spec::SpecVersion;
use std::sync::Arc;
use std::time::Duration;

/// What every run of a command renders against.
pub struct RenderCtx<'a> {
    pub target: &'a str,
    pub revision: &'a str,
    pub work: &'a driver::Work,
    pub baseline: Option<&'a baseline::Baseline>,
    pub sweeping: bool,
    pub shard: Option<shard::Shard>,
}

/// One run's JSON, console text and Markdown, and whether its thresholds
/// were met. In a sweep the findings are the sweep's, made over all steps.
pub fn render(r: &Run, thresholds: &[threshold::Threshold], c: &RenderCtx) -> (Rendered, bool) {
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
    if let Some(res) = &r.resources {
        obj.insert("server".into(), serde_json::json!(res));
        console.push_str(&format!("\n  server      {}\n", watch::to_line(res)));
        md.push_str(&format!("\n**Server:** {}\n", sections::markdown_text(&watch::to_line(res))));
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
pub struct Run {
    pub plan: plan::Plan,
    pub measured: driver::Measured,
    pub extra: driver::Extra,
    /// Wall-clock time the load began (after the sessions opened): shards
    /// are merged over the union of their windows.
    pub started_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The watched server's memory and CPU over the run, when watched.
    pub resources: Option<watch::Resources>,
}

/// One run's outputs.
pub struct Rendered {
    pub json: serde_json::Value,
    pub console: String,
    pub markdown: String,
}

/// Runs the load of one plan, with the live progress line when asked.
pub async fn measure(
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
