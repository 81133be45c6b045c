//! `mcpcheck client [-- CMD ARGS...]`: the client conformance run, and
//! `mcpcheck reference-client`, the client it tests when given no command.
//! Inputs are validated first (revisions, faults, expected failures, output
//! paths); the runner plays every scenario; the report goes out as for
//! `test`.

use crate::cli::client::{ClientArgs, ReferenceClientArgs};
use crate::client::Scenario;
use crate::client::spawn::ClientCommand;
use crate::refclient::faults::{CATALOGUE, ClientFault};
use crate::runner::Choice;
use crate::runner::client::{ClientRunOptions, run_id};
use crate::spec::SpecVersion;
use crate::usage::usage;

/// `mcpcheck client`: returns whether the run passed the gate.
pub async fn run(args: ClientArgs) -> anyhow::Result<bool> {
    if args.list_scenarios {
        for s in Scenario::ALL {
            println!("{:<36} {:<12} the server {}", s.name(), s.revisions().to_string(), s.describe());
        }
        return Ok(true);
    }
    let (revisions, forced) = match Choice::parse(&args.spec).map_err(usage)? {
        Choice::Every => (SpecVersion::ALL.to_vec(), false),
        Choice::Newest => (vec![SpecVersion::V2026_07_28], false),
        Choice::Forced(mut v) => {
            v.sort();
            v.dedup();
            (v, true)
        }
    };
    for f in &args.fault {
        ClientFault::parse(f).map_err(usage)?;
    }
    let cmd = match args.command.split_first() {
        Some((program, rest)) => {
            if !args.fault.is_empty() {
                return Err(usage("--fault applies to the reference client only (no command after --)"));
            }
            ClientCommand { program: program.clone(), args: rest.to_vec(), env: vec![] }
        }
        None => reference_command(&args.fault)?,
    };
    let opts = ClientRunOptions {
        only: args.only.clone(),
        skip: args.skip.clone(),
        revisions,
        forced,
        client_timeout: args.client_timeout,
        concurrency: args.concurrency as usize,
    };
    if opts.runs().is_empty() {
        return Err(usage("--only/--skip/--spec select no client check; see `mcpcheck list --client`"));
    }
    let mut known: Vec<String> = crate::client::all().iter().map(|c| c.id.to_string()).collect();
    known.extend(Scenario::ALL.iter().map(|s| run_id(*s)));
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    let baseline =
        super::outputs::expected_failures(args.expected_failures.as_deref(), &known).map_err(usage)?;
    let outputs = super::outputs::Outputs::open(&args.reports)?;
    let report = crate::runner::client::run(&cmd, &opts).await;
    let view = super::outputs::View {
        quiet: args.quiet,
        show_skips: args.show_skips,
        show_checks: args.show_checks,
        strict: args.strict,
    };
    super::outputs::finish(&report, outputs, view, baseline.as_ref(), args.write_expected_failures.as_deref())
}

/// This very binary as the reference client, with `faults` on.
fn reference_command(faults: &[String]) -> anyhow::Result<ClientCommand> {
    let exe =
        std::env::current_exe().map_err(|e| usage(format!("cannot find mcpcheck's own binary: {e}")))?;
    let mut args = vec!["reference-client".to_string()];
    for f in faults {
        args.push("--fault".into());
        args.push(f.clone());
    }
    Ok(ClientCommand { program: exe.to_string_lossy().into_owned(), args, env: vec![] })
}

/// `mcpcheck reference-client`: exits 0 when the scenario's steps worked.
pub async fn reference(args: ReferenceClientArgs) -> anyhow::Result<bool> {
    if args.list_faults {
        for s in CATALOGUE {
            println!("{:<28} {} (breaks {})", s.name, s.does, s.breaks.join(", "));
        }
        return Ok(true);
    }
    let url = args.url.ok_or_else(|| usage("no server URL: give it as the argument or in MCP_SERVER_URL"))?;
    let version = match args.spec.as_deref() {
        Some(v) => v.parse::<SpecVersion>().map_err(|e| usage(e.to_string()))?,
        None => SpecVersion::NEWEST_HANDSHAKE,
    };
    let faults =
        args.fault.iter().map(|f| ClientFault::parse(f)).collect::<Result<Vec<_>, _>>().map_err(usage)?;
    let opts = crate::refclient::Options { url, version, faults, context: args.context };
    match crate::refclient::run(&opts).await {
        Ok(()) => Ok(true),
        Err(e) => {
            eprintln!("reference client: {e}");
            Ok(false)
        }
    }
}
