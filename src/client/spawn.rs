//! The client under test as a process: started with the server URL as its
//! last argument and the official suite's environment, given a bound, killed
//! past it. Its output is kept (capped) as evidence, never parsed.

use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;

/// Most bytes kept of the client's stdout and of its stderr.
const OUTPUT_CAP: usize = 16 * 1024;

/// The command that starts the client under test.
#[derive(Debug, Clone)]
pub struct ClientCommand {
    pub program: String,
    pub args: Vec<String>,
    /// Extra environment for every scenario.
    pub env: Vec<(String, String)>,
}

impl ClientCommand {
    /// The command line as the report shows it.
    pub fn describe(&self) -> String {
        let mut parts = vec![self.program.clone()];
        parts.extend(self.args.iter().cloned());
        shlex::try_join(parts.iter().map(String::as_str)).unwrap_or_else(|_| parts.join(" "))
    }
}

/// How the client process ended.
#[derive(Debug, Clone, PartialEq)]
pub enum ProcessEnd {
    /// It exited by itself.
    Exited { code: Option<i32>, elapsed: Duration, stderr: String },
    /// It was still running at the bound and was killed.
    TimedOut { after: Duration, stderr: String },
    /// It could not be started.
    NotStarted(String),
}

impl ProcessEnd {
    pub fn succeeded(&self) -> bool {
        matches!(self, ProcessEnd::Exited { code: Some(0), .. })
    }
    /// The tail of what it wrote to stderr.
    pub fn stderr(&self) -> &str {
        match self {
            ProcessEnd::Exited { stderr, .. } | ProcessEnd::TimedOut { stderr, .. } => stderr,
            ProcessEnd::NotStarted(_) => "",
        }
    }
}

impl std::fmt::Display for ProcessEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProcessEnd::Exited { code: Some(c), elapsed, .. } => {
                write!(f, "exited with status {c} after {} ms", elapsed.as_millis())
            }
            ProcessEnd::Exited { code: None, elapsed, .. } => {
                write!(f, "was ended by a signal after {} ms", elapsed.as_millis())
            }
            ProcessEnd::TimedOut { after, .. } => {
                write!(f, "was still running after {} s and was killed", after.as_secs())
            }
            ProcessEnd::NotStarted(e) => write!(f, "could not be started: {e}"),
        }
    }
}

/// Runs `cmd` against `url` for one scenario and waits at most `bound`.
pub async fn run(
    cmd: &ClientCommand,
    url: &str,
    scenario: &str,
    revision: &str,
    context: Option<&str>,
    bound: Duration,
) -> ProcessEnd {
    let mut command = tokio::process::Command::new(&cmd.program);
    command
        .args(&cmd.args)
        .arg(url)
        .env("MCP_SERVER_URL", url)
        .env("MCP_CONFORMANCE_SCENARIO", scenario)
        .env("MCP_CONFORMANCE_PROTOCOL_VERSION", revision)
        .envs(cmd.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(c) = context {
        command.env("MCP_CONFORMANCE_CONTEXT", c);
    }
    let started = Instant::now();
    let mut child = match command.spawn() {
        Ok(c) => c,
        Err(e) => return ProcessEnd::NotStarted(format!("{}: {e}", cmd.program)),
    };
    let stdout = child.stdout.take().map(|s| tokio::spawn(read_capped(s)));
    let stderr = child.stderr.take().map(|s| tokio::spawn(read_capped(s)));
    let status = tokio::time::timeout(bound, child.wait()).await;
    if status.is_err() {
        let _ = child.kill().await;
    }
    // The pipes close when the process (and what it started with them) ends;
    // a grandchild holding them open is not waited for past a moment.
    let collect = |h: Option<tokio::task::JoinHandle<String>>| async move {
        match h {
            Some(h) => tokio::time::timeout(Duration::from_secs(1), h)
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or_default(),
            None => String::new(),
        }
    };
    let _ = collect(stdout).await;
    let stderr = collect(stderr).await;
    match status {
        Ok(Ok(s)) => ProcessEnd::Exited { code: s.code(), elapsed: started.elapsed(), stderr },
        Ok(Err(e)) => ProcessEnd::NotStarted(format!("waiting for {}: {e}", cmd.program)),
        Err(_) => ProcessEnd::TimedOut { after: bound, stderr },
    }
}

/// Reads a pipe to its end, keeping the last [`OUTPUT_CAP`] bytes.
async fn read_capped(mut r: impl tokio::io::AsyncRead + Unpin) -> String {
    let mut kept: Vec<u8> = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match r.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                kept.extend_from_slice(&buf[..n]);
                if kept.len() > 2 * OUTPUT_CAP {
                    kept.drain(..kept.len() - OUTPUT_CAP);
                }
            }
        }
    }
    if kept.len() > OUTPUT_CAP {
        kept.drain(..kept.len() - OUTPUT_CAP);
    }
    String::from_utf8_lossy(&kept).into_owned()
}
