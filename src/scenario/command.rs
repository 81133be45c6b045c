//! `mcpcheck scenario`: print the format's JSON Schema, or validate files
//! without running them (for editors and pre-commit hooks).

use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ScenarioArgs {
    #[command(subcommand)]
    pub command: ScenarioCommand,
}

#[derive(Debug, Subcommand)]
pub enum ScenarioCommand {
    /// Print the JSON Schema of the scenario format (docs/scenario.schema.json).
    Schema,
    /// Validate scenario files (or directories of them) without running them.
    Check {
        #[arg(required = true, value_name = "FILE|DIR")]
        paths: Vec<PathBuf>,
    },
}

/// Runs the subcommand; a file with mistakes is a usage error (exit 2).
pub fn run(args: ScenarioArgs) -> anyhow::Result<bool> {
    match args.command {
        ScenarioCommand::Schema => {
            print!("{}", super::model::json_schema());
            Ok(true)
        }
        ScenarioCommand::Check { paths } => {
            let loaded =
                super::load::load_paths(&paths).map_err(|e| crate::cli::UsageError(e.to_string()))?;
            for l in &loaded {
                let kind = if super::mix::LoadMix::of(l).is_some() { "load mix" } else { "scenario" };
                println!(
                    "{}: {kind} {:?}, {} steps",
                    l.path.display(),
                    l.scenario.name,
                    l.scenario.steps.len()
                );
            }
            Ok(true)
        }
    }
}
