//! Time budgets that say what happened: a slow tool is not the server's
//! fault, so a tool call gets its own bound (`--tool-timeout`), and a tool
//! that misses it is reported as slow instead of failing the run; the whole
//! run has a budget (`--run-timeout`) past which the checks not finished end
//! as `error` with that reason, and the reports are still written.
//!
//! The server here is an rmcp server with one read-only tool that takes
//! three seconds, like the TypeScript everything server's long-running one.

use mcpcheck::report::model::Status;
use mcpcheck::runner::{self, Plan, RunOptions};
use mcpcheck::spec::SpecVersion;
use mcpcheck::target::{self, TargetSpec};
use mcpcheck::wire::Limits;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool, ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

const SLOW: Duration = Duration::from_secs(3);

#[derive(Debug, Clone)]
struct SlowTool;

impl ServerHandler for SlowTool {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
    }

    async fn list_tools(
        &self,
        _: Option<PaginatedRequestParams>,
        _: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let Value::Object(schema) = json!({"type": "object", "properties": {}}) else { unreachable!() };
        let tool = Tool::new("long-operation", "takes three seconds", Arc::new(schema))
            .annotate(ToolAnnotations::new().read_only(true));
        Ok(ListToolsResult::with_all_items(vec![tool]))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        if request.name != "long-operation" {
            return Err(ErrorData::invalid_params(format!("unknown tool {}", request.name), None));
        }
        tokio::time::sleep(SLOW).await;
        Ok(CallToolResult::success(vec![ContentBlock::text("done")]).into())
    }
}

async fn slow_server(stop: oneshot::Receiver<()>) -> String {
    let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/mcp", l.local_addr().expect("addr"));
    tokio::spawn(reference_servers::http::serve_handler_http(l, || SlowTool, "/mcp".into(), async move {
        let _ = stop.await;
    }));
    url
}

async fn run(url: &str, opts: RunOptions) -> mcpcheck::report::model::Report {
    let limits = Limits { timeout: Duration::from_secs(10), ..Limits::default() };
    let running = target::start(&TargetSpec::Url(url.into()), vec![], limits).await.expect("target");
    runner::run(&running.endpoint, &Plan::forced(&[SpecVersion::V2025_11_25]), &opts).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tool_slower_than_the_tool_timeout_is_reported_and_fails_nothing() {
    let (_stop, rx) = oneshot::channel();
    let url = slow_server(rx).await;
    let opts = RunOptions {
        only: vec!["tools/call/".into(), "schema/".into(), "progress/".into()],
        tool_timeout: Duration::from_secs(1),
        ..RunOptions::default()
    };
    let report = run(&url, opts).await;
    let well_formed =
        report.checks.iter().find(|c| c.id == "tools/call/content-well-formed").expect("the check ran");
    assert_eq!(well_formed.status, Status::Skip, "{well_formed:#?}");
    assert!(
        well_formed.message.contains("long-operation (no answer within the tool timeout"),
        "{}",
        well_formed.message
    );
    for c in &report.checks {
        assert!(matches!(c.status, Status::Pass | Status::Skip), "{} {}: {}", c.status, c.id, c.message);
    }
    // With a bound it fits in, the tool is called and judged.
    let opts = RunOptions { only: vec!["tools/call/content-well-formed".into()], ..RunOptions::default() };
    let report = run(&url, opts).await;
    assert_eq!(report.checks[0].status, Status::Pass, "{:#?}", report.checks[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_run_budget_the_rest_are_errors_that_say_so() {
    let (_stop, rx) = oneshot::channel();
    let url = slow_server(rx).await;
    let opts = RunOptions {
        only: vec!["tools/call/content-well-formed".into(), "base/".into()],
        run_timeout: Duration::from_secs(1),
        concurrency: 1,
        ..RunOptions::default()
    };
    let started = std::time::Instant::now();
    let report = run(&url, opts).await;
    assert!(started.elapsed() < SLOW * 3, "the run went on past its budget: {:?}", started.elapsed());
    let over: Vec<&str> = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Error && c.message.contains("--run-timeout"))
        .map(|c| c.id.as_str())
        .collect();
    assert!(over.contains(&"tools/call/content-well-formed"), "{:#?}", report.checks);
    // The report is whole: every selected check has a result.
    assert!(report.checks.iter().any(|c| c.id.starts_with("base/")));
    assert!(report.failed(false));
}
