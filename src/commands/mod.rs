//! The commands: one file each. A command turns its clap values
//! ([`crate::cli`]) into the options of the layers below, starts what it
//! needs, calls the layer that does the work (the runner, the bench driver,
//! a reference server), and writes the outputs. `main.rs` maps the outcome
//! to an exit code.
//!
//! This is the top of the crate: commands may use every module, and no
//! module below imports them (or `cli`).

pub mod auth;
pub mod bench;
pub mod client;
pub mod config;
pub mod init;
pub mod list;
pub mod outputs;
pub mod report;
pub mod scenario;
pub mod serve;
pub mod test;

use crate::cli::TargetArgs;
use crate::runner::Choice;
use crate::target::TargetSpec;
use crate::usage::usage;

/// `--spec`, as the revision plan's choice.
pub fn choice(args: &TargetArgs) -> anyhow::Result<Choice> {
    Choice::parse(&args.spec).map_err(usage)
}

/// The `-H` headers, parsed; `@FILE` stands for the headers in FILE, one
/// per line.
pub fn headers(args: &TargetArgs) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for h in &args.headers {
        match h.strip_prefix('@') {
            Some(file) => {
                let text = std::fs::read_to_string(file)
                    .map_err(|e| usage(format!("-H @{file}: cannot read it: {e}")))?;
                for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
                    // The line itself may be a secret: say only where it was.
                    out.push(
                        parse_header(line)
                            .map_err(|_| usage(format!("-H @{file}: a line is not 'Name: value'")))?,
                    );
                }
            }
            None => out.push(parse_header(h)?),
        }
    }
    Ok(out)
}

fn parse_header(h: &str) -> anyhow::Result<(String, String)> {
    match h.split_once(':') {
        Some((n, v)) if !n.trim().is_empty() => Ok((n.trim().to_string(), v.trim().to_string())),
        _ => Err(usage(format!("--header {h:?} is not 'Name: value'"))),
    }
}

/// The target to start or reach.
pub fn target_spec(args: &TargetArgs) -> TargetSpec {
    match (&args.target, &args.stdio) {
        (Some(url), _) => TargetSpec::Url(url.clone()),
        (None, Some(cmd)) => TargetSpec::Stdio(cmd.clone()),
        (None, None) => TargetSpec::Embedded(args.fault.clone()),
    }
}

/// Creates an output file up front, so a bad path fails before any work.
pub fn create(path: &std::path::Path) -> anyhow::Result<std::fs::File> {
    std::fs::File::create(path).map_err(|e| usage(format!("cannot write {}: {e}", path.display())))
}
