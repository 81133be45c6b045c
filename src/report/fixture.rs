//! A fixed report for the writers' snapshot tests: every status once, across
//! three areas and two tested revisions (and one refused), with fixed times
//! and tool version so snapshots only change when a writer's output does. The failing check carries an exchange with
//! headers and bodies; values contain `|`, newlines and one long body so the
//! escaping and capping paths are exercised.

use super::model::{
    CheckResult, Exchange, Report, RevisionRun, SCHEMA_VERSION, Selection, Status, Summary, Tool,
    WireRequest, WireResponse,
};
use crate::spec::Level;
use std::collections::BTreeMap;

fn check(id: &str, title: &str, level: Level, status: Status, message: &str) -> CheckResult {
    CheckResult {
        id: id.into(),
        revision: "2025-11-25".into(),
        title: title.into(),
        level,
        status,
        spec_ref: String::new(),
        requirement: String::new(),
        message: message.into(),
        expected: None,
        actual: None,
        duration_ms: 0,
        exchanges: Vec::new(),
    }
}

fn headers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

pub fn report() -> Report {
    let mut pass = check(
        "lifecycle/initialize/result-shape",
        "initialize result has protocolVersion, capabilities and serverInfo",
        Level::Must,
        Status::Pass,
        "result carries protocolVersion, capabilities and serverInfo",
    );
    pass.spec_ref = "2025-11-25 basic/lifecycle#initialization".into();
    pass.duration_ms = 14;

    let mut fail = check(
        "lifecycle/initialize/version-negotiation",
        "server answers an unknown protocolVersion with one it supports",
        Level::Must,
        Status::Fail,
        "server echoed the unsupported version 1999-01-01",
    );
    fail.spec_ref = "2025-11-25 basic/lifecycle#version-negotiation".into();
    fail.requirement = "If the server supports the requested protocol version, it MUST respond \
        with the same version. Otherwise, the server MUST respond with another protocol version \
        it supports."
        .into();
    fail.expected = Some("a protocolVersion the server supports | e.g. 2025-11-25".into());
    fail.actual = Some("{\n  \"protocolVersion\": \"1999-01-01\"\n}".into());
    fail.duration_ms = 31;
    fail.exchanges.push(Exchange {
        transport: "http".into(),
        request: WireRequest {
            method: "POST".into(),
            url: "http://127.0.0.1:8080/mcp".into(),
            headers: headers(&[
                ("accept", "application/json, text/event-stream"),
                ("content-type", "application/json"),
            ]),
            body: r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"1999-01-01","capabilities":{},"clientInfo":{"name":"mcpcheck","version":"0.1.0"}}}"#.into(),
        },
        response: Some(WireResponse {
            status: Some(200),
            headers: headers(&[
                ("content-type", "application/json"),
                ("mcp-session-id", "3f2a9c"),
            ]),
            body: r#"{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"1999-01-01","capabilities":{},"serverInfo":{"name":"echo","version":"1.0"}}}"#.into(),
            truncated: false,
        }),
        error: None,
        duration_ms: 12.5,
    });

    let mut warn = check(
        "transport/http/content-type-charset",
        "JSON responses declare a charset-free application/json",
        Level::Should,
        Status::Warn,
        "content-type carries a charset parameter",
    );
    warn.spec_ref = "2025-11-25 basic/transports#sending-messages-to-the-server".into();
    warn.expected = Some("application/json".into());
    warn.actual = Some("application/json; charset=latin1".into());
    warn.duration_ms = 9;

    let mut skip = check(
        "transport/http/sse-resumption",
        "SSE streams can be resumed with Last-Event-ID",
        Level::May,
        Status::Skip,
        "target never answered with an SSE stream",
    );
    skip.spec_ref = "2025-11-25 basic/transports#resumability-and-redelivery".into();

    let mut error = check(
        "tools/list/pagination",
        "tools/list follows nextCursor to the end",
        Level::Must,
        Status::Error,
        "timed out after 5000 ms waiting for page 2",
    );
    error.spec_ref = "2025-11-25 server/utilities/pagination#response-format".into();
    error.expected = Some("a tools/list result for the cursor".into());
    let page: Vec<String> = (0..40).map(|i| format!("{{\"name\":\"tool-{i:02}\"}}")).collect();
    error.actual = Some(format!("page 1: {{\"tools\":[{}]}}", page.join(",")));
    error.duration_ms = 5002;
    error.exchanges.push(Exchange {
        transport: "http".into(),
        request: WireRequest {
            method: "POST".into(),
            url: "http://127.0.0.1:8080/mcp".into(),
            headers: BTreeMap::new(),
            body: r#"{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"cursor":"p2"}}"#.into(),
        },
        response: None,
        error: Some("timed out after 5000 ms".into()),
        duration_ms: 5000.0,
    });

    let mut info = check("tools/list/count", "number of tools offered", Level::May, Status::Info, "41 tools");
    info.spec_ref = "2025-11-25 server/tools#listing-tools".into();
    info.duration_ms = 3;

    // The same paginated listing on the stateless revision, where it passes.
    let mut modern = check(
        "tools/list/pagination",
        "tools/list follows nextCursor to the end",
        Level::Must,
        Status::Pass,
        "2 pages, 41 tools",
    );
    modern.revision = "2026-07-28".into();
    modern.spec_ref = "2026-07-28 server/utilities/pagination#response-format".into();
    modern.duration_ms = 6;

    let checks = vec![pass, fail, warn, skip, error, info, modern];
    let of =
        |rev: &str| -> Vec<CheckResult> { checks.iter().filter(|c| c.revision == rev).cloned().collect() };
    let revisions = vec![
        RevisionRun {
            revision: "2025-06-18".into(),
            selection: Selection::Refused,
            detail: "initialize asked for 2025-06-18; the server answered 2025-11-25".into(),
            summary: Summary::default(),
            exchanges: vec![],
        },
        RevisionRun {
            revision: "2025-11-25".into(),
            selection: Selection::Negotiated,
            detail: "initialize asked for 2025-11-25 and the server answered 2025-11-25".into(),
            summary: Summary::of(&of("2025-11-25")),
            exchanges: vec![],
        },
        RevisionRun {
            revision: "2026-07-28".into(),
            selection: Selection::Discovered,
            detail: "server/discover lists it".into(),
            summary: Summary::of(&of("2026-07-28")),
            exchanges: vec![],
        },
    ];
    Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool { name: "mcpcheck".into(), version: "0.1.0".into() },
        target: "http://127.0.0.1:8080/mcp".into(),
        spec_version: "2026-07-28".into(),
        spec_selection: None,
        revisions,
        started_at: "2025-11-25T10:00:00Z".into(),
        duration_ms: 5071,
        summary: Summary::of(&checks),
        checks,
    }
}
