//! `mcpcheck.toml`: a CI job's settings in a file instead of a long command
//! line. Found in the working directory, or named with `--config FILE`. Every
//! flag given on the command line wins over the file; the file wins over the
//! flag's default. Header values may name environment variables
//! (`${MCP_TOKEN}`), expanded when the file is read, so secrets stay out of
//! the file; a variable that is not set is an error, never an empty header.
//! Unknown keys and wrong types are errors with `file:line:col`, as in
//! scenario files.

use crate::cli::TestArgs;
use crate::cli::bench::BenchArgs;
use crate::usage::usage;
use clap::ArgMatches;
use clap::parser::ValueSource;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The file looked for in the working directory.
pub const FILE_NAME: &str = "mcpcheck.toml";

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The server: a Streamable HTTP URL.
    pub target: Option<String>,
    /// Or a stdio command line.
    pub stdio: Option<String>,
    /// Revisions: `auto`, `newest`, or revisions.
    #[serde(default)]
    pub spec: Vec<String>,
    /// `Name: value` headers on every request; `${VAR}` is read from the environment.
    #[serde(default)]
    pub headers: Vec<String>,
    /// Exchange bound, e.g. "10s".
    pub timeout: Option<String>,
    #[serde(default)]
    pub test: TestSection,
    #[serde(default)]
    pub bench: BenchSection,
}

/// `[test]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestSection {
    #[serde(default)]
    pub only: Vec<String>,
    #[serde(default)]
    pub skip: Vec<String>,
    pub strict: Option<bool>,
    /// The opt-in robustness checks (`--robustness`).
    pub robustness: Option<bool>,
    /// `all`, or tool names.
    #[serde(default)]
    pub call_tools: Vec<String>,
    pub expected_failures: Option<PathBuf>,
    #[serde(default)]
    pub scenarios: Vec<PathBuf>,
    pub tool_timeout: Option<String>,
    pub run_timeout: Option<String>,
    #[serde(default)]
    pub reports: Reports,
}

/// `[test.reports]`: where each format goes.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reports {
    pub json: Option<String>,
    pub junit: Option<PathBuf>,
    pub markdown: Option<PathBuf>,
    pub html: Option<PathBuf>,
}

/// `[bench]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchSection {
    /// Goals such as `p99<50ms`, `errors<0.1%`.
    #[serde(default)]
    pub thresholds: Vec<String>,
}

impl Config {
    /// Parses a file's text; `name` is how errors name it.
    pub fn parse(text: &str, name: &str) -> Result<Config, String> {
        let mut c: Config = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|s| crate::scenario::load::line_col(text, s.start));
            match at {
                Some((line, col)) => format!("{name}:{line}:{col}: {}", e.message()),
                None => format!("{name}: {}", e.message()),
            }
        })?;
        if c.target.is_some() && c.stdio.is_some() {
            return Err(format!("{name}: target and stdio are each a server; name one"));
        }
        for h in &mut c.headers {
            *h = expand(h).map_err(|v| format!("{name}: headers: ${{{v}}} is not set in the environment"))?;
        }
        Ok(c)
    }
}

/// `${VAR}` replaced by the variable's value; `Err(VAR)` when it is unset.
fn expand(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let var = &after[..end];
        out.push_str(&std::env::var(var).map_err(|_| var.to_string())?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The file to read: `--config FILE` (which must exist), else `mcpcheck.toml`
/// in the working directory if there is one.
fn find(explicit: Option<&Path>) -> anyhow::Result<Option<(PathBuf, String)>> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None if Path::new(FILE_NAME).is_file() => PathBuf::from(FILE_NAME),
        None => return Ok(None),
    };
    let text =
        std::fs::read_to_string(&path).map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?;
    Ok(Some((path, text)))
}

/// Whether the user gave this flag (on the command line or in its env var).
fn given(m: &ArgMatches, id: &str) -> bool {
    matches!(m.value_source(id), Some(ValueSource::CommandLine | ValueSource::EnvVariable))
}

fn duration(s: &str, key: &str) -> anyhow::Result<std::time::Duration> {
    crate::cli::parse_duration(s).map_err(|e| usage(format!("{FILE_NAME}: {key} {s:?}: {e}")))
}

/// The server and shared settings, where the command line left them unset.
fn apply_target(c: &Config, t: &mut crate::cli::TargetArgs, m: &ArgMatches) -> anyhow::Result<()> {
    let cli_names_server = t.target.is_some() || t.stdio.is_some() || !t.fault.is_empty();
    if !cli_names_server {
        t.target = c.target.clone();
        t.stdio = c.stdio.clone();
    }
    if !given(m, "spec") && !c.spec.is_empty() {
        t.spec = c.spec.clone();
    }
    // Headers add up: the file's, then the command line's.
    let mut headers = c.headers.clone();
    headers.append(&mut t.headers);
    t.headers = headers;
    if !given(m, "timeout")
        && let Some(d) = &c.timeout
    {
        t.timeout = duration(d, "timeout")?;
    }
    Ok(())
}

/// Fills `mcpcheck test`'s flags from the file. `m` is the subcommand's
/// matches, to tell a flag given from a default.
pub fn apply_test(args: &mut TestArgs, m: &ArgMatches) -> anyhow::Result<()> {
    let Some((path, text)) = find(args.config.as_deref())? else { return Ok(()) };
    let c = Config::parse(&text, &path.display().to_string()).map_err(usage)?;
    apply_target(&c, &mut args.server, m)?;
    let t = c.test;
    if args.only.is_empty() {
        args.only = t.only;
    }
    if args.skip.is_empty() {
        args.skip = t.skip;
    }
    if !given(m, "strict") {
        args.strict |= t.strict.unwrap_or(false);
    }
    if !given(m, "robustness") {
        args.robustness |= t.robustness.unwrap_or(false);
    }
    if args.call_tools.is_none() && !t.call_tools.is_empty() {
        args.call_tools = Some(t.call_tools.join(","));
    }
    if args.expected_failures.is_none() {
        args.expected_failures = t.expected_failures;
    }
    if args.scenarios.is_empty() {
        args.scenarios = t.scenarios;
    }
    if !given(m, "tool_timeout")
        && let Some(d) = &t.tool_timeout
    {
        args.tool_timeout = duration(d, "test.tool_timeout")?;
    }
    if !given(m, "run_timeout")
        && let Some(d) = &t.run_timeout
    {
        args.run_timeout = duration(d, "test.run_timeout")?;
    }
    let r = t.reports;
    args.reports.json = args.reports.json.take().or(r.json);
    args.reports.junit = args.reports.junit.take().or(r.junit);
    args.reports.markdown = args.reports.markdown.take().or(r.markdown);
    args.reports.html = args.reports.html.take().or(r.html);
    Ok(())
}

/// Fills `mcpcheck bench`'s flags from the file: the server, headers,
/// revision, timeout and thresholds.
pub fn apply_bench(args: &mut BenchArgs, m: &ArgMatches) -> anyhow::Result<()> {
    let Some((path, text)) = find(args.config.as_deref())? else { return Ok(()) };
    let c = Config::parse(&text, &path.display().to_string()).map_err(usage)?;
    apply_target(&c, &mut args.server, m)?;
    if args.threshold.is_empty() {
        args.threshold = c.bench.thresholds;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_and_wrong_types_name_their_line() {
        let e = Config::parse("target = \"http://x/mcp\"\n[test]\nstrcit = true\n", "m.toml").unwrap_err();
        assert!(e.starts_with("m.toml:3:1:"), "{e}");
        let e = Config::parse("[test]\nonly = \"http/\"\n", "m.toml").unwrap_err();
        assert!(e.starts_with("m.toml:2:8:"), "{e}");
        assert!(Config::parse("target = \"a\"\nstdio = \"b\"\n", "m.toml").unwrap_err().contains("name one"));
    }

    #[test]
    fn header_values_come_from_the_environment() {
        // PATH is set wherever tests run; no test needs to change the environment.
        let path = std::env::var("PATH").unwrap();
        let c = Config::parse("headers = [\"X-Path: <${PATH}>\"]\n", "m").unwrap();
        assert_eq!(c.headers, [format!("X-Path: <{path}>")]);
        let e = Config::parse("headers = [\"X: ${MCPCHECK_CONFIG_TEST_UNSET}\"]\n", "m").unwrap_err();
        assert!(e.contains("MCPCHECK_CONFIG_TEST_UNSET"), "{e}");
        assert_eq!(expand("no vars").unwrap(), "no vars");
    }

    #[test]
    fn the_starter_file_parses() {
        let c = Config::parse(super::super::init::STARTER, "starter").unwrap();
        assert_eq!(c.target.as_deref(), Some("http://127.0.0.1:8000/mcp"));
    }
}
