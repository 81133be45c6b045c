//! `mcpcheck serve plain --conformance-fixture` offers the official
//! conformance suite's fixture under the names its server scenarios call, on
//! both eras, and plain `serve plain` does not: the real binary on
//! 127.0.0.1:0, raw JSON-RPC over HTTP. The suite itself runs in
//! scripts/official-suite.sh, which needs npm; this test does not.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

/// Tools the suite calls on every revision.
const TOOLS_EVERYWHERE: &[&str] = &[
    "test_simple_text",
    "test_image_content",
    "test_audio_content",
    "test_embedded_resource",
    "test_multiple_content_types",
    "test_error_handling",
    "test_tool_with_progress",
];
/// Tools the suite calls on the handshake revisions only (server-to-client requests).
const TOOLS_HANDSHAKE: &[&str] = &[
    "test_sampling",
    "test_elicitation",
    "test_elicitation_sep1034_defaults",
    "test_elicitation_sep1330_enums",
    "test_tool_with_logging",
];
/// Tools the suite calls on 2026-07-28 only (multi round-trip, server-stateless).
const TOOLS_STATELESS: &[&str] = &[
    "test_input_required_result_elicitation",
    "test_input_required_result_sampling",
    "test_input_required_result_list_roots",
    "test_input_required_result_request_state",
    "test_input_required_result_multiple_inputs",
    "test_input_required_result_multi_round",
    "test_input_required_result_tampered_state",
    "test_input_required_result_capabilities",
    "test_missing_capability",
    "test_streaming_elicitation",
    "test_logging_tool",
];
const RESOURCES: &[&str] = &["test://static-text", "test://static-binary", "test://watched-resource"];
const PROMPTS: &[&str] = &[
    "test_simple_prompt",
    "test_prompt_with_arguments",
    "test_prompt_with_embedded_resource",
    "test_prompt_with_image",
];

/// `mcpcheck serve plain ARGS` on a free port; killed on drop.
struct Served {
    child: Child,
    url: String,
}

impl Served {
    fn start(extra: &[&str]) -> Served {
        let bin = assert_cmd::cargo::cargo_bin("mcpcheck");
        let mut child = std::process::Command::new(bin)
            .args(["serve", "plain", "--port", "0"])
            .args(extra)
            .stderr(Stdio::piped())
            .spawn()
            .expect("serve starts");
        let stderr = child.stderr.take().expect("stderr");
        let mut line = String::new();
        BufReader::new(stderr).read_line(&mut line).expect("announces its address");
        let url = line.split_whitespace().last().expect("url").to_string();
        assert!(url.starts_with("http://127.0.0.1:"), "{line}");
        Served { child, url }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The JSON-RPC message answering `id` in a JSON or SSE body.
fn answer(body: &str, id: u64) -> Value {
    let single = serde_json::from_str::<Value>(body).ok();
    let events = body
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .filter_map(|d| serde_json::from_str(d.trim()).ok());
    single
        .into_iter()
        .chain(events)
        .find(|m: &Value| m["id"] == id)
        .unwrap_or_else(|| panic!("no answer to {id} in {body}"))
}

struct Client {
    http: reqwest::Client,
    url: String,
    /// `Some` on the handshake revisions once initialized.
    session: Option<String>,
}

impl Client {
    fn new(url: &str) -> Client {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().expect("client");
        Client { http, url: url.to_owned(), session: None }
    }

    async fn post(
        &self,
        id: Option<u64>,
        method: &str,
        mut params: Value,
    ) -> (reqwest::header::HeaderMap, String) {
        let mut req = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream");
        match &self.session {
            Some(session) => {
                req = req.header("mcp-session-id", session).header("mcp-protocol-version", "2025-11-25")
            }
            None if method != "initialize" => {
                // 2026-07-28: the envelope in _meta and the standard headers.
                params["_meta"] = json!({
                    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                    "io.modelcontextprotocol/clientInfo": {"name": "fixture-test", "version": "1"},
                    "io.modelcontextprotocol/clientCapabilities": {"sampling": {}, "elicitation": {}, "roots": {},
                        "extensions": {"io.modelcontextprotocol/tasks": {}}}});
                req = req.header("mcp-protocol-version", "2026-07-28").header("mcp-method", method);
                let name = params
                    .get("name")
                    .or_else(|| params.get("uri"))
                    .or_else(|| params.get("taskId"))
                    .and_then(Value::as_str);
                if let Some(name) = name {
                    req = req.header("mcp-name", name);
                }
            }
            None => {}
        }
        let mut body = json!({"jsonrpc": "2.0", "method": method, "params": params});
        if let Some(id) = id {
            body["id"] = json!(id);
        }
        let resp = req.body(body.to_string()).send().await.expect("answered");
        let headers = resp.headers().clone();
        (headers, resp.text().await.expect("body"))
    }

    async fn request(&self, id: u64, method: &str, params: Value) -> Value {
        let (_, body) = self.post(Some(id), method, params).await;
        let message = answer(&body, id);
        assert!(message.get("error").is_none(), "{method}: {message}");
        message["result"].clone()
    }

    /// The handshake on 2025-11-25: initialize (declaring no capability), initialized.
    async fn initialize(&mut self) {
        let params = json!({"protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "fixture-test", "version": "1"}});
        let (headers, body) = self.post(Some(1), "initialize", params).await;
        assert_eq!(answer(&body, 1)["result"]["protocolVersion"], "2025-11-25", "{body}");
        let session = headers.get("mcp-session-id").and_then(|v| v.to_str().ok()).expect("a session id");
        self.session = Some(session.to_owned());
        self.post(None, "notifications/initialized", json!({})).await;
    }
}

fn names(list: &Value, key: &str, field: &str) -> Vec<String> {
    list[key].as_array().into_iter().flatten().filter_map(|i| i[field].as_str().map(String::from)).collect()
}

fn assert_has(have: &[String], want: &[&str], what: &str) {
    for name in want {
        assert!(have.iter().any(|h| h == name), "{what} lacks {name}: {have:?}");
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

#[test]
fn the_fixture_is_served_on_2026_07_28() {
    let served = Served::start(&["--conformance-fixture"]);
    runtime().block_on(async {
        let c = Client::new(&served.url);
        let tools = names(&c.request(2, "tools/list", json!({})).await, "tools", "name");
        assert_has(&tools, TOOLS_EVERYWHERE, "tools/list");
        assert_has(&tools, TOOLS_STATELESS, "tools/list");
        assert!(!tools.iter().any(|t| TOOLS_HANDSHAKE.contains(&t.as_str())), "{tools:?}");
        assert_has(&tools, &["add", "mrtr_elicit_form"], "tools/list (the plain server's own)");
        let resources = names(&c.request(3, "resources/list", json!({})).await, "resources", "uri");
        assert_has(&resources, RESOURCES, "resources/list");
        let templates = c.request(4, "resources/templates/list", json!({})).await;
        assert_has(
            &names(&templates, "resourceTemplates", "uriTemplate"),
            &["test://template/{id}/data"],
            "templates",
        );
        let prompts = names(&c.request(5, "prompts/list", json!({})).await, "prompts", "name");
        assert_has(&prompts, PROMPTS, "prompts/list");
        assert_has(&prompts, &["test_input_required_result_prompt", "greeting"], "prompts/list");

        let text = c.request(6, "tools/call", json!({"name": "test_simple_text", "arguments": {}})).await;
        assert_eq!(text["content"][0]["text"], "This is a simple text response for testing.", "{text}");
        let read = c.request(7, "resources/read", json!({"uri": "test://template/123/data"})).await;
        assert!(read["contents"][0]["text"].as_str().is_some_and(|t| t.contains("123")), "{read}");
        assert!(read["ttlMs"].is_u64() && read["cacheScope"] == "public", "caching hints: {read}");
        // A multi round-trip fixture: asks first, completes with the answer.
        let name = "test_input_required_result_elicitation";
        let asked = c.request(8, "tools/call", json!({"name": name, "arguments": {}})).await;
        assert_eq!(asked["resultType"], "input_required", "{asked}");
        assert_eq!(asked["inputRequests"]["user_name"]["method"], "elicitation/create", "{asked}");
        let answers = json!({"user_name": {"action": "accept", "content": {"name": "Ada"}}});
        let done = c
            .request(9, "tools/call", json!({"name": name, "arguments": {}, "inputResponses": answers}))
            .await;
        assert_eq!(done["content"][0]["text"], "Hello, Ada!", "{done}");
    });
}

#[test]
fn the_fixture_is_served_on_the_handshake_revisions() {
    let served = Served::start(&["--conformance-fixture"]);
    runtime().block_on(async {
        let mut c = Client::new(&served.url);
        c.initialize().await;
        let tools = names(&c.request(2, "tools/list", json!({})).await, "tools", "name");
        assert_has(&tools, TOOLS_EVERYWHERE, "tools/list");
        assert_has(&tools, TOOLS_HANDSHAKE, "tools/list");
        assert!(!tools.iter().any(|t| TOOLS_STATELESS.contains(&t.as_str())), "{tools:?}");
        let prompts = names(&c.request(3, "prompts/list", json!({})).await, "prompts", "name");
        assert_has(&prompts, PROMPTS, "prompts/list");
        c.request(4, "resources/subscribe", json!({"uri": "test://watched-resource"})).await;
        let prompt =
            json!({"name": "test_prompt_with_arguments", "arguments": {"arg1": "hello", "arg2": "world"}});
        let got = c.request(5, "prompts/get", prompt).await;
        assert_eq!(
            got["messages"][0]["content"]["text"],
            "Prompt with arguments: arg1='hello', arg2='world'"
        );
        // This client declared no sampling: the tool says so instead of asking.
        let call = json!({"name": "test_sampling", "arguments": {"prompt": "hi"}});
        let (_, body) = c.post(Some(6), "tools/call", call).await;
        assert!(!body.contains("sampling/createMessage"), "asked an undeclared capability: {body}");
        assert_eq!(answer(&body, 6)["result"]["isError"], true, "{body}");
        // The logging tool honours the session's minimum level.
        let logging = json!({"name": "test_tool_with_logging", "arguments": {}});
        c.request(7, "logging/setLevel", json!({"level": "error"})).await;
        let quiet = c.request(8, "tools/call", logging.clone()).await;
        assert!(
            quiet["content"][0]["text"].as_str().is_some_and(|t| t.starts_with("Nothing logged")),
            "{quiet}"
        );
        c.request(9, "logging/setLevel", json!({"level": "debug"})).await;
        let loud = c.request(10, "tools/call", logging).await;
        assert_eq!(loud["content"][0]["text"], "Logged three messages", "{loud}");
    });
}

/// Polls `tasks/get` until the task leaves `working` (bounded).
async fn settled(c: &Client, id: &str) -> Value {
    for n in 0..50 {
        let task = c.request(100 + n, "tasks/get", json!({"taskId": id})).await;
        if task["status"] != "working" {
            return task;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("task {id} still working after 5 s");
}

/// The tools of the suite's tasks-* scenarios behave as those scenarios
/// describe (the extension declared on every request).
#[test]
fn the_fixture_serves_the_tasks_scenarios_tools() {
    let served = Served::start(&["--conformance-fixture"]);
    runtime().block_on(async {
        let c = Client::new(&served.url);
        let tools = names(&c.request(2, "tools/list", json!({})).await, "tools", "name");
        assert_has(
            &tools,
            &[
                "greet",
                "slow_compute",
                "failing_job",
                "protocol_error_job",
                "confirm_delete",
                "multi_input",
                "test_tool_with_task",
            ],
            "tools/list",
        );
        let hello =
            c.request(3, "tools/call", json!({"name": "greet", "arguments": {"name": "World"}})).await;
        assert_eq!(hello["content"][0]["text"], "Hello, World!", "{hello}");
        let call = |id, name: &str, args: Value| {
            c.request(id, "tools/call", json!({"name": name, "arguments": args}))
        };
        let created = call(4, "slow_compute", json!({"seconds": 0.2, "label": "x"})).await;
        assert_eq!(created["resultType"], "task", "{created}");
        assert!(created.get("requestState").is_none() && created.get("task").is_none(), "{created}");
        let done = settled(&c, created["taskId"].as_str().unwrap_or_default()).await;
        assert_eq!(
            (&done["status"], &done["resultType"]),
            (&json!("completed"), &json!("complete")),
            "{done}"
        );
        let failing = call(5, "failing_job", json!({})).await;
        let failed = settled(&c, failing["taskId"].as_str().unwrap_or_default()).await;
        assert_eq!(
            (&failed["status"], &failed["result"]["isError"]),
            (&json!("completed"), &json!(true)),
            "{failed}"
        );
        let protocol = call(6, "protocol_error_job", json!({})).await;
        let broken = settled(&c, protocol["taskId"].as_str().unwrap_or_default()).await;
        assert_eq!(broken["status"], "failed", "{broken}");
        assert!(broken["error"]["code"].is_i64() && broken.get("result").is_none(), "{broken}");
        let confirm = call(7, "confirm_delete", json!({"filename": "a.txt"})).await;
        let id = confirm["taskId"].as_str().unwrap_or_default().to_owned();
        let waiting = settled(&c, &id).await;
        assert_eq!(waiting["status"], "input_required", "{waiting}");
        let key =
            waiting["inputRequests"].as_object().and_then(|m| m.keys().next().cloned()).unwrap_or_default();
        let answers = json!({key: {"action": "accept", "content": {"confirm": true}}});
        let ack = c.request(8, "tasks/update", json!({"taskId": id, "inputResponses": answers})).await;
        assert_eq!(ack, json!({"resultType": "complete"}));
        assert_eq!(settled(&c, &id).await["status"], "completed");
        let round = call(9, "test_tool_with_task", json!({})).await;
        assert_eq!(round["resultType"], "input_required", "{round}");
        let answers = json!({"user_name": {"action": "accept", "content": {"name": "Alice"}}});
        let task = c
            .request(
                10,
                "tools/call",
                json!({"name": "test_tool_with_task", "arguments": {}, "inputResponses": answers}),
            )
            .await;
        let greeted = settled(&c, task["taskId"].as_str().unwrap_or_default()).await;
        assert_eq!(greeted["result"]["content"][0]["text"], "Hello, Alice!", "{greeted}");
        let (_, body) = c.post(Some(11), "tasks/list", json!({})).await;
        assert_eq!(answer(&body, 11)["error"]["code"], -32601, "{body}");
    });
}

#[test]
fn plain_serve_has_no_fixture() {
    let served = Served::start(&[]);
    runtime().block_on(async {
        let c = Client::new(&served.url);
        let tools = names(&c.request(2, "tools/list", json!({})).await, "tools", "name");
        assert!(tools.iter().all(|t| !t.starts_with("test_")), "{tools:?}");
        let resources = names(&c.request(3, "resources/list", json!({})).await, "resources", "uri");
        assert!(resources.iter().all(|r| !r.starts_with("test://")), "{resources:?}");
        let prompts = names(&c.request(4, "prompts/list", json!({})).await, "prompts", "name");
        assert!(prompts.iter().all(|p| !p.starts_with("test_")), "{prompts:?}");
    });
}

/// The fixture server is a correct server too: mcpcheck's own catalogue
/// passes against it on every revision (it calls the fixture's read-only
/// tools and fetches its prompts, the multi round-trip ones included).
#[test]
fn mcpchecks_own_checks_pass_against_the_fixture() {
    let served = Served::start(&["--conformance-fixture"]);
    assert_cmd::Command::cargo_bin("mcpcheck")
        .expect("binary built")
        .args(["test", &served.url, "--quiet"])
        .assert()
        .success();
}
