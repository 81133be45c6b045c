//! What `test` and `client` do with a finished report: the console summary,
//! the gate over every revision (with expected failures), and the report
//! files, opened before the run so that a bad path fails before any work.

use crate::cli::ReportFiles;
use crate::report::baseline::Baseline;
use crate::report::console;
use crate::report::model::Report;
use crate::usage::usage;
use std::fs::File;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Report outputs, opened.
pub struct Outputs {
    json: Option<Box<dyn Write>>,
    json_to_stdout: bool,
    junit: Option<File>,
    sarif: Option<File>,
    markdown: Option<File>,
    html: Option<PathBuf>,
}

impl Outputs {
    pub fn open(files: &ReportFiles) -> anyhow::Result<Outputs> {
        let (json, json_to_stdout): (Option<Box<dyn Write>>, bool) = match files.json.as_deref() {
            None => (None, false),
            Some("-") => (Some(Box::new(std::io::stdout())), true),
            Some(p) => (Some(Box::new(super::create(p.as_ref())?)), false),
        };
        Ok(Outputs {
            json,
            json_to_stdout,
            junit: files.junit.as_deref().map(super::create).transpose()?,
            sarif: files.sarif.as_deref().map(super::create).transpose()?,
            markdown: files.markdown.as_deref().map(super::create).transpose()?,
            html: match &files.html {
                Some(dir) => Some(crate::report::html::prepare_dir(dir).map_err(usage)?),
                None => None,
            },
        })
    }

    fn write(mut self, report: &Report, strict: bool) -> anyhow::Result<()> {
        use crate::report::{json, junit, markdown, sarif};
        if let Some(w) = self.json.as_mut() {
            w.write_all(json::to_json(report).as_bytes())?;
            w.flush()?;
        }
        if let Some(f) = self.junit.as_mut() {
            f.write_all(junit::to_junit(report, strict).as_bytes())?;
        }
        if let Some(f) = self.sarif.as_mut() {
            f.write_all(sarif::to_sarif(report, strict).as_bytes())?;
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

/// How the console shows the report, and how strict the gate is.
pub struct View {
    pub quiet: bool,
    pub show_skips: bool,
    pub show_checks: bool,
    pub strict: bool,
}

/// Prints, gates and writes `report`; returns whether it passed the gate.
pub fn finish(
    report: &Report,
    outputs: Outputs,
    view: View,
    baseline: Option<&Baseline>,
    write_expected: Option<&Path>,
) -> anyhow::Result<bool> {
    let interactive = std::io::stderr().is_terminal();
    if !view.quiet {
        let color = if outputs.json_to_stdout { interactive } else { std::io::stdout().is_terminal() };
        let opts = console::Options { color, show_skips: view.show_skips, show_checks: view.show_checks };
        let text = console::to_console(report, opts);
        if outputs.json_to_stdout {
            eprint!("{text}");
        } else {
            print!("{text}");
        }
    }
    let gate = crate::runner::gate::judge(report, view.strict, baseline);
    if let Some(why) = &gate.explanation
        && (!view.quiet || gate.explain_always)
    {
        // stderr: stdout may carry the JSON report.
        eprint!("{why}");
    }
    outputs.write(report, view.strict)?;
    if let Some(path) = write_expected {
        crate::report::baseline::write(report, view.strict, path).map_err(usage)?;
    }
    Ok(!gate.failed)
}

/// Reads `--expected-failures FILE`, if given; `known`: the ids it may name.
pub fn expected_failures(path: Option<&Path>, known: &[&str]) -> Result<Option<Baseline>, String> {
    let Some(path) = path else { return Ok(None) };
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Baseline::parse(&text, known).map(Some).map_err(|e| format!("{}: {e}", path.display()))
}
