//! `mcpcheck init`: writes a commented starter `mcpcheck.toml` (and, with
//! `--github`, a workflow that runs the Action with it), refusing to
//! overwrite what is there unless told to.

use crate::cli::InitArgs;
use crate::usage::usage;
use std::path::Path;

/// The starter file: every key, commented, with what it does.
pub const STARTER: &str = r#"# mcpcheck.toml: what `mcpcheck test` and `mcpcheck bench` run when started in this
# directory (or with --config FILE). Flags on the command line win over this file.

# The server: a Streamable HTTP endpoint, or a stdio command (one of the two).
target = "http://127.0.0.1:8000/mcp"
# stdio = "python server.py"

# Revisions: "auto" (every revision the server supports), "newest", or a list.
spec = ["auto"]

# Headers on every request. Values may name environment variables, read when the file
# is: keep secrets in the environment (a CI secret), never in this file.
headers = [
  # "Authorization: Bearer ${MCP_TOKEN}",
]

# The bound on every protocol exchange.
timeout = "10s"

[test]
# Check ids (prefixes) to run, or to leave out; empty: all.
only = []
skip = []
# Fail the run on a missed SHOULD too.
strict = false
# The robustness checks send hostile input (50 MB bodies, deep nesting, ...):
# only against servers you own.
robustness = false
# Tools the checks may call besides those annotated read-only: ["all"] or names.
call_tools = []
# Known failures that may fail without failing the run (see `mcpcheck test --help`).
# expected_failures = "mcpcheck-expected.toml"
# Your own scenarios: files or directories of *.toml.
scenarios = []
# The bound on each tool call, and on the whole run.
tool_timeout = "30s"
run_timeout = "5m"

[test.reports]
# json = "mcpcheck-report/report.json"
# junit = "mcpcheck-report/junit.xml"
# markdown = "mcpcheck-report/summary.md"
html = "mcpcheck-report"

[bench]
# Goals a `mcpcheck bench` run must meet (exit 1 otherwise).
thresholds = [
  # "p99<50ms",
  # "errors<0.1%",
]
"#;

/// The workflow `--github` writes: the Action, reading mcpcheck.toml.
pub const WORKFLOW: &str = r#"# Runs mcpcheck against the server this repository builds, on every push and pull request.
name: mcpcheck
on: [push, pull_request]
jobs:
  mcp-conformance:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Start the server under test
        # Replace with what starts your server; mcpcheck.toml names its URL.
        run: ./start-my-server --port 8000 &
      - uses: OWNER/mcpcheck@main # the mcpcheck repository, at a tag or commit
        with:
          args: --config mcpcheck.toml
        env:
          MCP_TOKEN: ${{ secrets.MCP_TOKEN }}
"#;

fn write_new(path: &Path, text: &str, force: bool) -> anyhow::Result<()> {
    if path.exists() && !force {
        return Err(usage(format!("{} exists; --force overwrites it", path.display())));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| usage(format!("cannot create {}: {e}", dir.display())))?;
    }
    std::fs::write(path, text).map_err(|e| usage(format!("cannot write {}: {e}", path.display())))?;
    println!("wrote {}", path.display());
    Ok(())
}

/// `mcpcheck init`.
pub fn run(args: InitArgs) -> anyhow::Result<bool> {
    write_new(&args.dir.join(super::config::FILE_NAME), STARTER, args.force)?;
    if args.github {
        write_new(&args.dir.join(".github/workflows/mcpcheck.yml"), WORKFLOW, args.force)?;
    }
    Ok(true)
}
