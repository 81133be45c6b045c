//! `mcpcheck bench [TARGET]`: checks every flag and input before any load
//! (plans, thresholds, baseline, mix, output paths), reaches the target,
//! picks one revision (the newest the server supports, or the one `--spec`
//! names, and says which), runs the plan (a sweep: one run per step), and
//! writes the results.

use crate::bench::{
    RenderCtx, Run, baseline, driver, findings, html, measure, mix, plan, render, shard, sweep, threshold,
    watch,
};
use crate::cli::bench::BenchArgs;
use crate::runner::Choice;
use crate::target::{self, TargetSpec};
use crate::usage::usage;
use crate::wire::Limits;
use std::io::{IsTerminal, Write};
use std::sync::Arc;

/// `mcpcheck bench`: `Ok(false)` when a threshold was missed.
pub async fn run(mut args: BenchArgs, given: &clap::ArgMatches) -> anyhow::Result<bool> {
    super::config::apply_bench(&mut args, given)?;
    let steps: Vec<Option<u32>> = match &args.users_steps {
        Some(u) => u.0.iter().copied().map(Some).collect(),
        None => vec![None],
    };
    let sweeping = steps.len() > 1;
    // Every step's plan is validated before any load.
    let mut plans = Vec::with_capacity(steps.len());
    for users in &steps {
        let input = plan::Input {
            users: *users,
            rate: args.rate.as_deref(),
            ramp_up: args.ramp_up,
            duration: args.duration,
            requests: args.requests,
            call: args.call.as_deref(),
            tool: args.tool.as_deref(),
            args: args.args.as_deref(),
            timeout: args.server.timeout,
            sessions: args.sessions,
        };
        let mut p = plan::Plan::from_input(&input).map_err(usage)?;
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
    let choice = match super::choice(&args.server)? {
        // One revision: the newest the server supports, unless one is named.
        Choice::Every | Choice::Newest => Choice::Newest,
        Choice::Forced(v) if v.len() == 1 => Choice::Forced(v),
        Choice::Forced(_) => return Err(usage("bench loads one revision: name one with --spec")),
    };
    let headers = super::headers(&args.server)?;
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
    let spec = super::target_spec(&args.server);
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
    let watched = match (&spec, args.watch_pid) {
        (_, Some(pid)) => Some(watch::Watched::Pid(pid)),
        _ if args.no_watch => None,
        (TargetSpec::Stdio(_), None) => Some(watch::Watched::Children),
        (TargetSpec::Embedded(_), None) => Some(watch::Watched::ThisProcess),
        (TargetSpec::Url(_), None) => None,
    };
    if let Some(w) = watched {
        // Read once now, so a pid that is not there fails before any load.
        watch::readable(w).map_err(|e| usage(format!("--watch-pid: {e}")))?;
    }
    let limits = Limits { timeout: plans[0].timeout, ..Limits::default() };
    let running = target::start(&spec, headers, limits).await.map_err(|e| usage(e.to_string()))?;
    let revisions = crate::runner::plan::make(&running.endpoint, &choice).await.map_err(|e| {
        usage(format!("{e}\nIs the server running, and is this its MCP endpoint? (mcpcheck bench --help)"))
    })?;
    let Some(version) = revisions.newest() else {
        return Err(usage(format!("{} supports no revision mcpcheck can load", running.endpoint.describe())));
    };
    if !args.quiet {
        let how =
            revisions.revisions.iter().find(|p| p.version == version).map_or("", |p| p.selection.as_str());
        eprintln!("bench: loading {} on revision {version} ({how})", running.endpoint.describe());
    }
    if args.sessions.is_some() && !version.has_handshake() {
        return Err(usage(format!(
            "--sessions: {} has no sessions to share; pick a revision with one (--spec 2025-11-25)",
            version.as_str()
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
        // A process gone between sweep steps: the steps measured so far
        // are still reported, the rest without the server's numbers.
        let watching = watched.and_then(|w| match watch::Watch::start(w, args.watch_interval) {
            Ok(watching) => Some(watching),
            Err(e) => {
                eprintln!("bench: --watch-pid: {e}; this step is not watched");
                None
            }
        });
        let (measured, extra, started_at) =
            measure(&running.endpoint, version, &plan, &work, stop.clone(), show_progress).await;
        let resources = match watching {
            Some(w) => Some(w.finish(measured.tally.requests()).await),
            None => None,
        };
        if sweeping && !args.quiet {
            eprintln!("{}", sweep::step_line(&plan, &measured));
        }
        runs.push(Run { plan, measured, extra, started_at, resources });
    }
    on_signal.abort();
    let target = running.endpoint.describe();
    drop(running);
    if runs.iter().all(|r| r.measured.sessions == 0) {
        let why = runs.iter().find_map(|r| r.measured.open_error.as_deref()).unwrap_or("no session");
        return Err(usage(format!("no session could be opened on {target}: {why}")));
    }

    let revision = version.as_str().to_string();
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
