//! The command line: clap definitions and the commands they run. `main.rs`
//! only maps the outcome to an exit code.

use crate::checks::tools::CallTools;
use crate::report::model::Report;
use crate::runner::{self, RunOptions};
use crate::spec::SpecVersion;
use crate::target::{self, TargetSpec};
use crate::wire::Limits;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::fs::File;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "mcpcheck",
    version,
    about = "Conformance and load-testing harness for Model Context Protocol servers",
    long_about = "Conformance and load-testing harness for Model Context Protocol (MCP) servers.\n\n\
        `mcpcheck test` checks any MCP endpoint (Streamable HTTP URL or stdio command) against the \
        specification revision it speaks; with no target it tests its own embedded reference server.\n\n\
        Exit codes: 0 no MUST check failed; 1 a check failed (or errored); 2 usage error or unreachable target."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per process; the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the conformance checks against a server.
    Test(Box<TestArgs>),
    /// Print every check: id, level, revisions and spec reference.
    List(ListArgs),
    /// Run a reference server.
    Serve(ServeArgs),
    /// Run the test OAuth 2.1 authorization server.
    Authserver(crate::oauth::commands::AuthserverArgs),
    /// Render, compare and diff saved JSON reports.
    Report(crate::commands::report::ReportArgs),
    /// Scenario files: print their JSON Schema, or validate them.
    Scenario(crate::scenario::command::ScenarioArgs),
    // `about` as an attribute, not a doc comment: a doc comment would also
    // reset the long help that BenchArgs carries.
    #[command(about = "Measure a server's throughput and latency under load")]
    Bench(Box<crate::bench::args::BenchArgs>),
}

/// Which server, and how to reach it: the flags `test` and `bench` share.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// Streamable HTTP endpoint, e.g. http://127.0.0.1:8000/mcp. Omit it (and
    /// --stdio) to use the embedded plain reference server.
    pub target: Option<String>,
    /// A stdio server: the command line that starts it, e.g. "python server.py"
    /// (bench: one process per user).
    #[arg(long, value_name = "CMD", conflicts_with = "target")]
    pub stdio: Option<String>,
    /// Protocol revision: `auto` picks the newest the server supports.
    #[arg(long, value_name = "auto|VERSION", default_value = "auto")]
    pub spec: String,
    /// Extra header on every HTTP request, e.g. 'Authorization: Bearer TOKEN' (repeatable).
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// Bound on every exchange (connect, send, read the whole answer); in
    /// bench, a call past it counts as a transport failure.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Embedded server only: switch on a deliberate fault (see `mcpcheck serve plain --list-faults`).
    #[arg(long, value_name = "NAME", conflicts_with_all = ["target", "stdio"])]
    pub fault: Vec<String>,
}

impl TargetArgs {
    /// The revision `--spec` forces; `None` for `auto`.
    pub fn forced_version(&self) -> anyhow::Result<Option<SpecVersion>> {
        match self.spec.as_str() {
            "auto" => Ok(None),
            v => v.parse::<SpecVersion>().map(Some).map_err(|e| usage(e.to_string())),
        }
    }

    /// The `-H` headers, parsed.
    pub fn parsed_headers(&self) -> anyhow::Result<Vec<(String, String)>> {
        self.headers.iter().map(|h| parse_header(h)).collect()
    }

    /// The target to start or reach.
    pub fn spec(&self) -> TargetSpec {
        match (&self.target, &self.stdio) {
            (Some(url), _) => TargetSpec::Url(url.clone()),
            (None, Some(cmd)) => TargetSpec::Stdio(cmd.clone()),
            (None, None) => TargetSpec::Embedded(self.fault.clone()),
        }
    }
}

#[derive(Debug, Args)]
pub struct TestArgs {
    #[command(flatten)]
    pub server: TargetArgs,
    /// Run only checks whose id starts with PREFIX (repeatable).
    #[arg(long, value_name = "PREFIX")]
    pub only: Vec<String>,
    /// Leave out checks whose id starts with PREFIX (repeatable).
    #[arg(long, value_name = "PREFIX")]
    pub skip: Vec<String>,
    /// Treat SHOULD violations (warn) as failures.
    #[arg(long)]
    pub strict: bool,
    /// Write the JSON report to FILE (`-` for stdout; the summary then goes to stderr).
    #[arg(long, value_name = "FILE")]
    pub json: Option<String>,
    /// Write a JUnit XML report to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a Markdown report to FILE (also appended to $GITHUB_STEP_SUMMARY when set).
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Write a self-contained HTML report into DIR (index.html, with report.json beside it).
    #[arg(long, value_name = "DIR")]
    pub html: Option<PathBuf>,
    /// Checks listed in FILE (TOML) may fail without failing the run; a listed
    /// check that passes fails the run as stale. See `mcpcheck report --help`.
    #[arg(long, value_name = "FILE")]
    pub expected_failures: Option<PathBuf>,
    /// Write the checks that failed this run to FILE as an expected-failures baseline.
    #[arg(long, value_name = "FILE")]
    pub write_expected_failures: Option<PathBuf>,
    /// Checks in flight at once (HTTP; stdio runs one at a time).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// Tools the checks may call besides those annotated readOnlyHint: `all`, or NAME,NAME,...
    #[arg(long, value_name = "all|NAME,...")]
    pub call_tools: Option<String>,
    /// No progress bar and no console summary (reports are still written).
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub tokens: crate::oauth::commands::TokenArgs,
    /// Run the steps of a scenario file as checks `scenario/<file>/<step>`;
    /// a directory runs every *.toml in it (repeatable). See docs/scenarios.md.
    #[arg(long = "scenario", value_name = "FILE|DIR")]
    pub scenarios: Vec<PathBuf>,
    /// Set a scenario variable (a string) declared in its [vars], e.g. a token (repeatable). Values of
    /// variables named like credentials (…token…, …secret…, …key…, …password…) are redacted from reports.
    #[arg(long = "var", value_name = "NAME=VALUE", requires = "scenarios")]
    pub vars: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[arg(value_enum)]
    pub kind: ServerKind,
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    #[arg(long, default_value_t = 8000)]
    pub port: u16,
    /// Path of the MCP endpoint.
    #[arg(long, default_value = "/mcp")]
    pub path: String,
    /// Serve on stdin/stdout instead of HTTP.
    #[arg(long)]
    pub stdio: bool,
    /// Switch on a deliberate fault (repeatable); see --list-faults.
    #[arg(long, value_name = "NAME")]
    pub fault: Vec<String>,
    /// Print the fault catalogue and exit.
    #[arg(long)]
    pub list_faults: bool,
    /// `openapi` only: the OpenAPI 3 document, JSON or YAML (.yaml/.yml), e.g. docs/openapi/items.yaml.
    #[arg(long = "spec", value_name = "FILE")]
    pub openapi_spec: Option<PathBuf>,
    /// `openapi` only: where the REST API is, e.g. http://127.0.0.1:8001.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// `composed` only: serve the nested example (the seed's composition
    /// mounted as `math` beside an add server as `plus`).
    #[arg(long)]
    pub nested: bool,
    /// `proxied` only: the backends, as {"mcpServers": {NAME: {"url": URL, "headers": {...}} |
    /// {"command": CMD, "args": [...], "env": {...}}}}; `"prefix": false` on one backend offers its names unprefixed.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// `authorized` only: whose tokens to trust.
    #[command(flatten)]
    pub issuer: crate::oauth::commands::IssuerArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ServerKind {
    /// Tools add, subtract, echo; a resource and a prompt (seed example 08).
    Plain,
    /// The plain server behind OAuth 2.1 bearer JWTs; `add` needs scope read:add (seed example 09).
    Authorized,
    /// An axum app: /health, a REST API under /api/items, MCP at /mcpserver/mcp (seed example 10).
    Mounted,
    /// An add and a subtract server mounted as namespaces `add` and `subtract` (seed example 11).
    Composed,
    /// Tools generated from an OpenAPI 3 document (JSON or YAML), calling the REST API (seed example 10).
    Openapi,
    /// A proxy fronting the backends (url or command) of an {"mcpServers": {...}} config, tools as NAME_TOOL.
    Proxied,
}

/// A failure that maps to exit code 2: bad usage, unreachable target, a report
/// file that cannot be written.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

pub fn parse_duration(s: &str) -> Result<Duration, String> {
    if let Ok(secs) = s.parse::<f64>() {
        return if secs > 0.0 && secs.is_finite() {
            Ok(Duration::from_secs_f64(secs))
        } else {
            Err("must be positive".into())
        };
    }
    humantime::parse_duration(s).map_err(|e| format!("{e} (use e.g. 10s, 500ms, 2m)"))
}

fn parse_header(h: &str) -> anyhow::Result<(String, String)> {
    match h.split_once(':') {
        Some((n, v)) if !n.trim().is_empty() => Ok((n.trim().to_string(), v.trim().to_string())),
        _ => Err(usage(format!("--header {h:?} is not 'Name: value'"))),
    }
}

/// Report outputs, opened before the run so a bad path fails before any work.
struct Outputs {
    json: Option<Box<dyn Write>>,
    json_to_stdout: bool,
    junit: Option<File>,
    markdown: Option<File>,
    html: Option<PathBuf>,
}

fn create(path: &std::path::Path) -> anyhow::Result<File> {
    File::create(path).map_err(|e| usage(format!("cannot write {}: {e}", path.display())))
}

impl Outputs {
    fn open(args: &TestArgs) -> anyhow::Result<Outputs> {
        let (json, json_to_stdout): (Option<Box<dyn Write>>, bool) = match args.json.as_deref() {
            None => (None, false),
            Some("-") => (Some(Box::new(std::io::stdout())), true),
            Some(p) => (Some(Box::new(create(p.as_ref())?)), false),
        };
        Ok(Outputs {
            json,
            json_to_stdout,
            junit: args.junit.as_deref().map(create).transpose()?,
            markdown: args.markdown.as_deref().map(create).transpose()?,
            html: match &args.html {
                Some(dir) => Some(crate::report::html::prepare_dir(dir).map_err(usage)?),
                None => None,
            },
        })
    }

    fn write(mut self, report: &Report, strict: bool) -> anyhow::Result<()> {
        use crate::report::{json, junit, markdown};
        if let Some(w) = self.json.as_mut() {
            w.write_all(json::to_json(report).as_bytes())?;
            w.flush()?;
        }
        if let Some(f) = self.junit.as_mut() {
            f.write_all(junit::to_junit(report, strict).as_bytes())?;
        }
        let md = markdown::to_markdown(report);
        if let Some(f) = self.markdown.as_mut() {
            f.write_all(md.as_bytes())?;
        }
        if let Some(dir) = &self.html {
            crate::report::html::write_dir(report, dir)?;
        }
        if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
            let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
            f.write_all(md.as_bytes())?;
        }
        Ok(())
    }
}

/// `mcpcheck test`: returns whether the run passed the gate.
pub async fn test(args: TestArgs) -> anyhow::Result<bool> {
    let forced = args.server.forced_version()?;
    let mut headers = args.server.parsed_headers()?;
    let auth = crate::oauth::commands::material(&args.tokens, args.server.target.as_deref()).await?;
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
    let baseline = crate::report::baseline::load_arg(args.expected_failures.as_deref()).map_err(usage)?;
    let spec = args.server.spec();
    let interactive = std::io::stderr().is_terminal();
    let opts = RunOptions {
        only: args.only.clone(),
        skip: args.skip.clone(),
        concurrency: args.concurrency as usize,
        progress: interactive && !args.quiet,
        timeout: args.server.timeout,
        call_tools: args.call_tools.as_deref().map(CallTools::parse).unwrap_or_default(),
        auth: auth.map(std::sync::Arc::new),
    };
    if runner::select(&opts).is_empty() && crate::scenario::exec::count_selected(&scenarios, &opts) == 0 {
        return Err(usage("--only/--skip select no check; see `mcpcheck list`"));
    }
    let outputs = Outputs::open(&args)?;
    let limits = Limits { timeout: args.server.timeout, ..Limits::default() };
    let running = target::start(&spec, headers, limits).await.map_err(|e| usage(e.to_string()))?;
    let revision = runner::negotiate(&running.endpoint, forced).await.map_err(|e| {
        usage(format!("{e}\nIs the server running, and is this its MCP endpoint? (mcpcheck test --help)"))
    })?;
    let run_started = std::time::Instant::now();
    let mut report = runner::run(&running.endpoint, revision, &opts).await;
    if !scenarios.is_empty() {
        let steps =
            crate::scenario::exec::run_all(&scenarios, &running.endpoint, revision.version, &opts).await;
        report.checks.extend(steps);
        report.summary = crate::report::model::Summary::of(&report.checks);
        report.duration_ms = run_started.elapsed().as_millis() as u64;
    }
    drop(running);
    let report = crate::report::redact::report(report, &secrets);
    if !args.quiet {
        let color = if outputs.json_to_stdout { interactive } else { std::io::stdout().is_terminal() };
        let text = crate::report::console::to_console(&report, color);
        if outputs.json_to_stdout {
            eprint!("{text}");
        } else {
            print!("{text}");
        }
    }
    let failed = crate::report::baseline::gate(&report, args.strict, baseline.as_ref(), args.quiet);
    outputs.write(&report, args.strict)?;
    if let Some(path) = &args.write_expected_failures {
        crate::report::baseline::write(&report, args.strict, path).map_err(usage)?;
    }
    Ok(!failed)
}

/// `mcpcheck list`.
pub fn list(args: ListArgs) -> String {
    let checks = crate::checks::all();
    if args.json {
        let rows: Vec<serde_json::Value> = checks
            .iter()
            .map(|c| {
                serde_json::json!({
                    "id": c.id, "title": c.title, "level": c.level, "revisions": c.revisions.to_string(),
                    "spec_ref": format!("{}#{}", c.spec.page, c.spec.anchor), "requirement": c.requirement,
                })
            })
            .collect();
        return serde_json::to_string_pretty(&rows).unwrap_or_default() + "\n";
    }
    let mut out = String::new();
    let width = checks.iter().map(|c| c.id.len()).max().unwrap_or(0);
    for c in &checks {
        out.push_str(&format!(
            "{:width$}  {:6}  {:22}  {}#{}\n",
            c.id,
            c.level.as_str(),
            c.revisions.to_string(),
            c.spec.page,
            c.spec.anchor
        ));
    }
    out
}

/// `mcpcheck serve`.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    use reference_servers::{CATALOGUE, FaultSet, HttpOptions};
    if args.list_faults {
        for f in CATALOGUE {
            println!("{:26} breaks {}\n{:26} {}", f.name, f.breaks.join(", "), "", f.description);
        }
        return Ok(());
    }
    let faults = FaultSet::parse(&args.fault).map_err(|e| usage(format!("{e}; see --list-faults")))?;
    match args.kind {
        ServerKind::Authorized if args.stdio => Err(usage("authorized is served over HTTP only")),
        ServerKind::Authorized => {
            crate::oauth::commands::serve_authorized(&args.host, args.port, args.path, faults, args.issuer)
                .await
        }
        ServerKind::Plain if args.stdio => reference_servers::serve_plain_stdio(faults).await,
        _ if args.stdio => Err(usage("only plain can be served on stdio")),
        ServerKind::Composed => {
            let example = if args.nested {
                reference_servers::Composed::nested_example()
            } else {
                reference_servers::Composed::example()
            };
            let composed = example.map_err(|e| usage(e.to_string()))?;
            let listener = bind(&args.host, args.port).await?;
            eprintln!("mcpcheck composed server on http://{}{}", listener.local_addr()?, args.path);
            reference_servers::serve_composed_http(listener, composed, args.path, ctrl_c()).await?;
            Ok(())
        }
        ServerKind::Openapi => {
            let (Some(file), Some(base)) = (&args.openapi_spec, &args.base_url) else {
                return Err(usage("serve openapi needs --spec FILE and --base-url URL"));
            };
            let text = std::fs::read_to_string(file)
                .map_err(|e| usage(format!("cannot read {}: {e}", file.display())))?;
            let format = reference_servers::openapi::Format::of_path(file);
            let doc = reference_servers::openapi::parse_document(&text, format)
                .map_err(|e| usage(format!("{}: {e}", file.display())))?;
            let server =
                reference_servers::OpenApiServer::from_spec(&doc, base).map_err(|e| usage(e.to_string()))?;
            let listener = bind(&args.host, args.port).await?;
            eprintln!(
                "mcpcheck openapi server on http://{}{} calling {base}",
                listener.local_addr()?,
                args.path
            );
            reference_servers::serve_openapi_http(listener, server, args.path, ctrl_c()).await?;
            Ok(())
        }
        ServerKind::Proxied => {
            let file = args.config.as_ref().ok_or_else(|| usage("serve proxied needs --config FILE"))?;
            let text = std::fs::read_to_string(file)
                .map_err(|e| usage(format!("cannot read {}: {e}", file.display())))?;
            let config: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| usage(format!("{} is not JSON: {e}", file.display())))?;
            let backends =
                reference_servers::backends_from_config(&config).map_err(|e| usage(e.to_string()))?;
            let listener = bind(&args.host, args.port).await?;
            eprintln!("mcpcheck proxied server on http://{}{}", listener.local_addr()?, args.path);
            reference_servers::serve_proxied_http(listener, backends, args.path, ctrl_c()).await?;
            Ok(())
        }
        ServerKind::Mounted => {
            let listener = bind(&args.host, args.port).await?;
            let local = listener.local_addr()?;
            eprintln!(
                "mcpcheck mounted server on http://{local}: /health, /api/items, MCP at {}",
                reference_servers::mounted::MCP_PATH
            );
            reference_servers::serve_mounted_http(listener, faults, ctrl_c()).await?;
            Ok(())
        }
        ServerKind::Plain => {
            let addr = format!("{}:{}", args.host, args.port);
            let listener = tokio::net::TcpListener::bind(&addr)
                .await
                .map_err(|e| usage(format!("cannot listen on {addr}: {e}")))?;
            let local = listener.local_addr()?;
            eprintln!("mcpcheck plain reference server on http://{local}{}", args.path);
            let shutdown = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            reference_servers::serve_plain_http(listener, HttpOptions { path: args.path, faults }, shutdown)
                .await?;
            Ok(())
        }
    }
}

async fn bind(host: &str, port: u16) -> anyhow::Result<tokio::net::TcpListener> {
    let addr = format!("{host}:{port}");
    tokio::net::TcpListener::bind(&addr).await.map_err(|e| usage(format!("cannot listen on {addr}: {e}")))
}

async fn ctrl_c() {
    let _ = tokio::signal::ctrl_c().await;
}
