//! `mcpcheck test [TARGET]`: the conformance run. Reads and validates every
//! input first (scenarios, expected failures, output paths), starts or
//! reaches the target, lets the runner test every revision it supports, and
//! writes the report in each format asked for. The exit verdict is the
//! runner's gate over all revisions.

use crate::checks::tools::CallTools;
use crate::cli::TestArgs;
use crate::runner::{self, RunOptions};
use crate::target;
use crate::usage::usage;
use crate::wire::Limits;
use std::io::IsTerminal;

/// `mcpcheck test`: returns whether the run passed the gate. `given`: the
/// subcommand's matches, so a settings file fills only the flags left unset.
pub async fn run(mut args: TestArgs, given: &clap::ArgMatches) -> anyhow::Result<bool> {
    super::config::apply_test(&mut args, given)?;
    let choice = super::choice(&args.server)?;
    let mut headers = super::headers(&args.server)?;
    // `--authorization-server` with no target: that server on its own.
    let alone = args.tokens.authorization_server.clone().filter(|_| args.server.target.is_none());
    let auth = match alone {
        Some(_) => None,
        None => super::auth::material(&args.tokens, args.server.target.as_deref()).await?,
    };
    // The valid token opens the other checks' sessions, unless the user set
    // an Authorization header of their own.
    if let Some(Ok(t)) = auth.as_ref().map(|m| m.token(crate::oauth::mint::TokenCase::Valid))
        && !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("authorization"))
    {
        headers.push(("Authorization".into(), format!("Bearer {t}")));
    }
    // Every header value given or minted is scrubbed from every report, the
    // token mcpcheck minted for the run included.
    // So is every `--var` value whose name looks like a credential's (token,
    // secret, key, password, ...; the same rule as for header names): such a
    // value is usually a token a step sends, and it may come back in a body.
    // Other values stay: scrubbing them would blank out the evidence a step
    // compared (an argument, a name).
    let var_pairs =
        args.vars.iter().filter_map(|a| a.split_once('=')).map(|(n, v)| (n.to_owned(), v.to_owned()));
    let named: Vec<(String, String)> = headers.iter().cloned().chain(var_pairs).collect();
    let secrets = crate::report::redact::secrets_of_headers(&named);
    // Scenario files are read and validated before anything is sent.
    let mut scenarios =
        crate::scenario::load::load_paths(&args.scenarios).map_err(|e| usage(e.to_string()))?;
    crate::scenario::load::set_vars(&mut scenarios, &args.vars).map_err(usage)?;
    let known: Vec<&str> = crate::checks::all().iter().map(|c| c.id).collect();
    let baseline =
        super::outputs::expected_failures(args.expected_failures.as_deref(), &known).map_err(usage)?;
    let spec = match &alone {
        Some(issuer) => crate::target::TargetSpec::Url(issuer.clone()),
        None => super::target_spec(&args.server),
    };
    let interactive = std::io::stderr().is_terminal();
    let only = match (&alone, args.only.is_empty()) {
        (Some(_), true) => vec!["auth/metadata/".into(), "auth/as/".into()],
        _ => args.only.clone(),
    };
    let opts = RunOptions {
        only,
        skip: args.skip.clone(),
        concurrency: args.concurrency as usize,
        progress: interactive && !args.quiet,
        timeout: args.server.timeout,
        tool_timeout: args.tool_timeout,
        run_timeout: args.run_timeout,
        call_tools: args.call_tools.as_deref().map(CallTools::parse).unwrap_or_default(),
        auth: auth.map(std::sync::Arc::new),
        authorization_server: args.tokens.authorization_server.clone(),
        robustness: args.robustness,
        scenarios,
    };
    if !opts.selects_anything() {
        return Err(usage("--only/--skip select no check; see `mcpcheck list`"));
    }
    let outputs = super::outputs::Outputs::open(&args.reports)?;
    let limits = Limits { timeout: args.server.timeout, ..Limits::default() };
    let running = target::start(&spec, headers, limits).await.map_err(|e| usage(e.to_string()))?;
    let report = match (&alone, &choice) {
        // An authorization server speaks no MCP to ask: every revision with
        // authorization, unless --spec names some.
        (Some(_), runner::Choice::Every | runner::Choice::Newest) => {
            let mut plan = runner::Plan::forced(
                &crate::spec::SpecVersion::ALL
                    .into_iter()
                    .filter(|v| *v >= crate::spec::SpecVersion::V2025_06_18)
                    .collect::<Vec<_>>(),
            );
            for p in &mut plan.revisions {
                p.detail = "an authorization server on its own: every revision with authorization".into();
            }
            runner::run(&running.endpoint, &plan, &opts).await
        }
        _ => runner::run_target(&running.endpoint, &choice, &opts).await.map_err(|e| {
            usage(format!("{e}\nIs the server running, and is this its MCP endpoint? (mcpcheck test --help)"))
        })?,
    };
    drop(running);
    if report.checks.is_empty() {
        return Err(usage(format!(
            "--only/--skip select no check that applies to the revisions tested ({}); see `mcpcheck list`",
            report.tested_revisions().join(", ")
        )));
    }
    let report = crate::report::redact::report(report, &secrets);
    let view = super::outputs::View {
        quiet: args.quiet,
        show_skips: args.show_skips,
        show_checks: args.show_checks,
        strict: args.strict,
    };
    super::outputs::finish(&report, outputs, view, baseline.as_ref(), args.write_expected_failures.as_deref())
}
