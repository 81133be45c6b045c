//! What the proxy forwards besides calls: progress (the client's token to
//! the backend, the backend's notifications back on the request's stream),
//! log messages (to the frontend session's GET stream) and
//! `logging/setLevel`, cancellation of a request in flight, and completion;
//! and its backends over stdio and without a prefix.
//!
//! The backend here is a probe: an rmcp server whose one tool reports
//! progress, logs, and waits to be cancelled, and which records what reached
//! it, so each test can see both ends.

#![allow(deprecated)] // logging is deprecated on 2026-07-28; the proxy forwards it on the revisions before

mod common;
use common::proxy;
use mcpcheck::spec::SpecVersion;
use mcpcheck::target::{self, TargetSpec};
use mcpcheck::wire::Limits;
use mcpcheck::wire::record::Recorder;
use mcpcheck::wire::session::Session;
use reference_servers::composed::Composed;
use reference_servers::proxy::ProxyFactory;
use reference_servers::{FaultSet, backends_from_config};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ListToolsResult, LoggingLevel,
    LoggingMessageNotificationParam, PaginatedRequestParams, ProgressNotificationParam, ServerCapabilities,
    ServerConfig, SetLevelRequestParams, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// What reached the probe.
#[derive(Debug, Default)]
struct Seen {
    levels: Mutex<Vec<LoggingLevel>>,
    tokens: Mutex<Vec<Value>>,
    cancelled: Mutex<usize>,
}

#[derive(Debug, Clone)]
struct Probe(Arc<Seen>);

impl ServerHandler for Probe {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().enable_logging().build())
    }

    async fn list_tools(
        &self,
        _: Option<PaginatedRequestParams>,
        _: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let schema = json!({"type": "object", "properties": {"wait": {"type": "boolean"}}});
        let Value::Object(schema) = schema else { unreachable!() };
        Ok(ListToolsResult::with_all_items(vec![Tool::new(
            "work",
            "progress, logs, waits",
            Arc::new(schema),
        )]))
    }

    /// Three progress steps and three log messages, then (with `wait`)
    /// waits up to 10 s for cancellation.
    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        cx: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let token = cx.meta.get_progress_token();
        if let Some(t) = &token {
            self.0.tokens.lock().unwrap().push(serde_json::to_value(t).unwrap());
        }
        for step in 1..=3 {
            if let Some(t) = &token {
                let _ =
                    cx.peer.notify_progress(ProgressNotificationParam::new(t.clone(), f64::from(step))).await;
            }
            let mut log =
                LoggingMessageNotificationParam::new(LoggingLevel::Warning, json!(format!("step {step}")));
            log.logger = Some("work".into());
            let _ = cx.peer.notify_logging_message(log).await;
        }
        let wait = request.arguments.as_ref().and_then(|a| a.get("wait")).and_then(Value::as_bool);
        if wait == Some(true) {
            tokio::select! {
                () = cx.ct.cancelled() => {
                    *self.0.cancelled.lock().unwrap() += 1;
                    return Err(ErrorData::internal_error("cancelled", None));
                }
                () = tokio::time::sleep(Duration::from_secs(10)) => {}
            }
        }
        Ok(CallToolResult::success(vec![ContentBlock::text("worked")]).into())
    }

    async fn set_level(
        &self,
        request: SetLevelRequestParams,
        _: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.0.levels.lock().unwrap().push(request.level);
        Ok(())
    }
}

/// Stops what it serves when dropped.
struct Stop(#[allow(dead_code)] Vec<oneshot::Sender<()>>);

async fn serve_handler<H: ServerHandler + Clone + Send + 'static>(
    h: H,
    stops: &mut Vec<oneshot::Sender<()>>,
) -> String {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", l.local_addr().unwrap());
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(reference_servers::http::serve_handler_http(
        l,
        move || h.clone(),
        "/mcp".into(),
        async move {
            let _ = rx.await;
        },
    ));
    stops.push(tx);
    url
}

async fn session(url: &str) -> Session {
    let limits = Limits { timeout: Duration::from_secs(10), ..Limits::default() };
    let running = target::start(&TargetSpec::Url(url.to_owned()), vec![], limits).await.unwrap();
    Session::open(&running.endpoint, SpecVersion::V2025_11_25, Recorder::new()).await.unwrap()
}

async fn probed() -> (Arc<Seen>, String, Stop) {
    let seen = Arc::new(Seen::default());
    let mut stops = Vec::new();
    let backend = serve_handler(Probe(seen.clone()), &mut stops).await;
    let url = proxy(json!({"mcpServers": {"p": {"url": backend}}}), &mut stops).await;
    (seen, url, Stop(stops))
}

/// Reads the frontend session's GET stream until `want` has been seen in
/// it (or 5 s have passed); what was read.
async fn read_get_stream(url: &str, session_id: &str, want: &str) -> String {
    let client = reqwest::Client::new();
    let mut response = client
        .get(url)
        .header("accept", "text/event-stream")
        .header("mcp-session-id", session_id)
        .header("mcp-protocol-version", "2025-11-25")
        .send()
        .await
        .expect("GET stream");
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !text.contains(want) {
        match tokio::time::timeout_at(deadline, response.chunk()).await {
            Ok(Ok(Some(chunk))) => text.push_str(&String::from_utf8_lossy(&chunk)),
            _ => break,
        }
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_logs_and_set_level_are_forwarded() {
    let (seen, url, _stop) = probed().await;
    let mut s = session(&url).await;
    // Set before any backend session exists: sent as the session opens.
    let set = s.request("logging/setLevel", Some(json!({"level": "warning"}))).await.unwrap();
    assert!(set.result().is_some(), "{:?}", set.response());
    assert!(seen.levels.lock().unwrap().is_empty());
    let list = s.request("tools/list", Some(json!({}))).await.unwrap();
    assert!(list.result().is_some());
    assert_eq!(*seen.levels.lock().unwrap(), [LoggingLevel::Warning], "the level reached the new session");
    // Set again with the session open: forwarded at once.
    s.request("logging/setLevel", Some(json!({"level": "error"}))).await.unwrap();
    assert_eq!(*seen.levels.lock().unwrap(), [LoggingLevel::Warning, LoggingLevel::Error]);

    let sid = s.session_id.clone().expect("a session id");
    let stream = tokio::spawn({
        let url = url.clone();
        async move { read_get_stream(&url, &sid, "step 3").await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let params = json!({"name": "p_work", "arguments": {}, "_meta": {"progressToken": "tok-1"}});
    let call = s.request("tools/call", Some(params)).await.unwrap();
    assert_eq!(call.result().and_then(|r| r.pointer("/content/0/text")), Some(&json!("worked")));
    // The client's token reached the backend, and its progress came back on the call's stream.
    assert_eq!(*seen.tokens.lock().unwrap(), [json!("tok-1")]);
    let progress: Vec<&Value> =
        call.reply.messages.iter().filter(|m| m["method"] == "notifications/progress").collect();
    assert_eq!(progress.len(), 3, "{:?}", call.reply.messages);
    assert!(progress.iter().all(|p| p["params"]["progressToken"] == "tok-1"));
    // Log messages came on the session's GET stream, their logger named after the backend.
    let text = stream.await.unwrap();
    assert!(text.contains("notifications/message") && text.contains("step 3"), "{text}");
    assert!(text.contains("\"logger\":\"p/work\""), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_call_cancels_the_backend_request() {
    let (seen, url, _stop) = probed().await;
    let mut s = session(&url).await;
    let params = json!({"name": "p_work", "arguments": {"wait": true}, "_meta": {"progressToken": 7}});
    let cancelled = s
        .request_cancelled("tools/call", Some(params), Duration::from_secs(2), |m| {
            m["method"] == "notifications/progress"
        })
        .await
        .unwrap();
    assert!(cancelled.cancel_sent, "{:?}", cancelled.reply.messages);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while *seen.cancelled.lock().unwrap() == 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(*seen.cancelled.lock().unwrap(), 1, "the backend request was not cancelled");
    // The session goes on.
    let call = s.request("tools/call", Some(json!({"name": "p_work", "arguments": {}}))).await.unwrap();
    assert_eq!(call.result().and_then(|r| r.pointer("/content/0/text")), Some(&json!("worked")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stdio_backend_is_served_like_an_http_one() {
    let bin = assert_cmd::cargo::cargo_bin("mcpcheck").display().to_string();
    let mut stops = Vec::new();
    let config = json!({"mcpServers": {"s": {"command": bin, "args": ["serve", "plain", "--stdio"]}}});
    let url = proxy(config, &mut stops).await;
    let mut s = session(&url).await;
    let list = s.request("tools/list", Some(json!({}))).await.unwrap();
    assert!(list.result().is_some_and(|r| r.to_string().contains("\"s_echo\"")), "{:?}", list.response());
    let add =
        s.request("tools/call", Some(json!({"name": "s_add", "arguments": {"a": 2, "b": 3}}))).await.unwrap();
    assert_eq!(add.result().and_then(|r| r.pointer("/structuredContent/result")), Some(&json!(5)));
    let read = s.request("resources/read", Some(json!({"uri": "note://s/2"}))).await.unwrap();
    assert_eq!(read.result().and_then(|r| r.pointer("/contents/0/uri")), Some(&json!("note://s/2")));
    // Progress comes back from the process's output too.
    let params = json!({"name": "s_count", "arguments": {"steps": 2}, "_meta": {"progressToken": "c"}});
    let count = s.request("tools/call", Some(params)).await.unwrap();
    let progress = count.reply.messages.iter().filter(|m| m["method"] == "notifications/progress").count();
    assert_eq!(progress, 2, "{:?}", count.reply.messages);
    let completed = s
        .request(
            "completion/complete",
            Some(json!({"ref": {"type": "ref/prompt", "name": "s_greeting"}, "argument": {"name": "name", "value": "Li"}})),
        )
        .await
        .unwrap();
    assert_eq!(completed.result().and_then(|r| r.pointer("/completion/values")), Some(&json!(["Linus"])));
}

async fn composed_and_plain(stops: &mut Vec<oneshot::Sender<()>>) -> (String, String) {
    let composed = serve_handler(Composed::example().expect("composes"), stops).await;
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let plain = format!("http://{}/mcp", l.local_addr().unwrap());
    let (tx, rx) = oneshot::channel::<()>();
    let opts = reference_servers::HttpOptions {
        path: "/mcp".into(),
        faults: FaultSet::clean(),
        ..Default::default()
    };
    tokio::spawn(reference_servers::serve_plain_http(l, opts, async move {
        let _ = rx.await;
    }));
    stops.push(tx);
    (composed, plain)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_backend_can_go_without_a_prefix() {
    let mut stops = Vec::new();
    let (composed, plain) = composed_and_plain(&mut stops).await;
    let config = json!({"mcpServers": {
        "one": {"url": plain},
        "main": {"url": composed, "prefix": false},
    }});
    let url = proxy(config, &mut stops).await;
    let mut s = session(&url).await;
    let list = s.request("tools/list", Some(json!({}))).await.unwrap();
    let text = list.result().map(|r| r.to_string()).unwrap_or_default();
    for name in ["\"add_add\"", "\"subtract_subtract\"", "\"one_add\"", "\"one_echo\""] {
        assert!(text.contains(name), "{name} in {text}");
    }
    assert!(!text.contains("\"main_"), "{text}");
    let add = s
        .request("tools/call", Some(json!({"name": "add_add", "arguments": {"a": 2, "b": 3}})))
        .await
        .unwrap();
    assert_eq!(add.result().and_then(|r| r.pointer("/structuredContent/result")), Some(&json!(5)));
    let one = s
        .request("tools/call", Some(json!({"name": "one_subtract", "arguments": {"a": 2, "b": 3}})))
        .await
        .unwrap();
    assert_eq!(one.result().and_then(|r| r.pointer("/structuredContent/result")), Some(&json!(-1)));
    let read = s.request("resources/read", Some(json!({"uri": "calc://add/about"}))).await.unwrap();
    assert_eq!(read.result().and_then(|r| r.pointer("/contents/0/uri")), Some(&json!("calc://add/about")));
    let read = s.request("resources/read", Some(json!({"uri": "info://one/server"}))).await.unwrap();
    assert!(read.result().is_some(), "{:?}", read.response());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_clash_with_the_unprefixed_backend_is_a_start_up_error() {
    let mut stops = Vec::new();
    let (composed, plain) = composed_and_plain(&mut stops).await;
    // Backend `add`'s prefix takes `add_...`, so the composed server's
    // `add_add` could never be reached.
    let config = json!({"mcpServers": {"add": {"url": plain}, "main": {"url": composed, "prefix": false}}});
    let factory = ProxyFactory::new(backends_from_config(&config).expect("config"));
    let err = factory.check().await.expect_err("a clash").to_string();
    assert!(err.contains("\"add_add\"") && err.contains("\"add\""), "{err}");
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let served = reference_servers::serve_proxied_http(
        l,
        backends_from_config(&config).unwrap(),
        "/mcp".into(),
        std::future::pending(),
    );
    let refused = tokio::time::timeout(Duration::from_secs(10), served).await.expect("refused at once");
    assert!(refused.is_err());
    // Without the clash it starts.
    let fine = json!({"mcpServers": {"one": {"url": plain}, "main": {"url": composed, "prefix": false}}});
    assert!(ProxyFactory::new(backends_from_config(&fine).unwrap()).check().await.is_ok());
    // At most one backend without a prefix.
    let two = json!({"mcpServers": {"a": {"url": plain, "prefix": false}, "b": {"url": composed, "prefix": false}}});
    assert!(backends_from_config(&two).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_over_a_stdio_backend_passes_the_catalogue() {
    use mcpcheck::report::model::Status;
    use mcpcheck::runner::{self, Plan, RunOptions};
    let bin = assert_cmd::cargo::cargo_bin("mcpcheck").display().to_string();
    let mut stops = Vec::new();
    let config = json!({"mcpServers": {"s": {"command": bin, "args": ["serve", "plain", "--stdio"]}}});
    let url = proxy(config, &mut stops).await;
    let mut problems = Vec::new();
    for version in SpecVersion::ALL {
        let limits = Limits { timeout: Duration::from_secs(10), ..Limits::default() };
        let running = target::start(&TargetSpec::Url(url.clone()), vec![], limits).await.unwrap();
        let report = runner::run(&running.endpoint, &Plan::forced(&[version]), &RunOptions::default()).await;
        for r in &report.checks {
            if !matches!(r.status, Status::Pass | Status::Skip | Status::Info) {
                problems.push(format!(
                    "{version}: {} {}: {} ({:?} / {:?})",
                    r.status, r.id, r.message, r.expected, r.actual
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stdio_backend_that_exits_is_named_then_restarted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pidfile = dir.path().join("pid");
    let bin = assert_cmd::cargo::cargo_bin("mcpcheck").display().to_string();
    // The backend writes its pid, so the test can end exactly the process it started.
    let script = format!("echo $$ > '{}'; exec '{bin}' serve plain --stdio", pidfile.display());
    let mut stops = Vec::new();
    let config = json!({"mcpServers": {"s": {"command": "sh", "args": ["-c", script]}}});
    let url = proxy(config, &mut stops).await;
    let mut s = session(&url).await;
    let echo = json!({"name": "s_echo", "arguments": {"message": "hi"}});
    let first = s.request("tools/call", Some(echo.clone())).await.unwrap();
    assert_eq!(first.result().and_then(|r| r.pointer("/content/0/text")), Some(&json!("hi")));
    let pid = std::fs::read_to_string(&pidfile).expect("pid").trim().to_owned();
    let killed = std::process::Command::new("kill").arg(&pid).status().expect("kill");
    assert!(killed.success());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let dead = s.request("tools/call", Some(echo.clone())).await.unwrap();
    let response = dead.response().cloned().unwrap_or_default();
    assert_eq!(response.pointer("/error/code"), Some(&json!(-32603)), "{response}");
    let message = response.pointer("/error/message").and_then(Value::as_str).unwrap_or_default();
    assert!(message.contains("backend s"), "{message}");
    // The next call starts a new process.
    let back = s.request("tools/call", Some(echo)).await.unwrap();
    assert_eq!(
        back.result().and_then(|r| r.pointer("/content/0/text")),
        Some(&json!("hi")),
        "{:?}",
        back.response()
    );
    let new_pid = std::fs::read_to_string(&pidfile).expect("pid").trim().to_owned();
    assert_ne!(pid, new_pid);
}
