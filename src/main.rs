//! Parse, run, exit: 0 pass, 1 a check failed, 2 usage or harness trouble.

use clap::{CommandFactory, FromArgMatches};
use mcpcheck::cli::{Cli, Command};
use mcpcheck::commands;
use mcpcheck::usage::UsageError;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: the servers (rmcp spawns a task
/// and builds several JSON values per request) and the load generator both
/// allocate and free small blocks at a high rate, and glibc's malloc/free
/// were about a sixth of the plain server's CPU under load (perf, on the
/// machine in reports/benchmarks.md). Set here, in the binary, so the library
/// leaves the choice to whoever embeds it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // The matches too, not only the values: a settings file fills the flags
    // the command line left at their defaults, so the commands must tell the two apart.
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let given = matches.subcommand().map(|(_, m)| m.clone()).unwrap_or_default();
    let outcome = match cli.command {
        Command::Test(args) => commands::test::run(*args, &given).await,
        Command::Init(args) => commands::init::run(args),
        Command::Client(args) => commands::client::run(*args).await,
        Command::ReferenceClient(args) => commands::client::reference(args).await,
        Command::List(args) => {
            print!("{}", commands::list::run(args));
            Ok(true)
        }
        Command::Serve(args) => commands::serve::run(args).await.map(|()| true),
        Command::Authserver(args) => commands::auth::authserver(args).await.map(|()| true),
        Command::Report(args) => commands::report::run(args),
        Command::Scenario(args) => commands::scenario::run(args),
        Command::Bench(args) => commands::bench::run(*args, &given).await,
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            let kind = if e.downcast_ref::<UsageError>().is_some() { "" } else { "internal error: " };
            eprintln!("mcpcheck: {kind}{e:#}");
            ExitCode::from(2)
        }
    }
}
