//! `mcpcheck scenario`: print the format's JSON Schema, or validate files
//! without running them (for editors and pre-commit hooks).

use crate::cli::scenario::{ScenarioArgs, ScenarioCommand};
use crate::usage::usage;

/// Runs the subcommand; a file with mistakes is a usage error (exit 2).
pub fn run(args: ScenarioArgs) -> anyhow::Result<bool> {
    match args.command {
        ScenarioCommand::Schema => {
            print!("{}", crate::scenario::model::json_schema());
            Ok(true)
        }
        ScenarioCommand::Check { paths } => {
            let loaded = crate::scenario::load::load_paths(&paths).map_err(|e| usage(e.to_string()))?;
            for l in &loaded {
                let kind =
                    if crate::scenario::mix::LoadMix::of(l).is_some() { "load mix" } else { "scenario" };
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
