//! One probe per mcpcheck check id: the request the check sends and the
//! verdict it reaches, re-implemented minimally so the fault matrix can show
//! "clean passes, this fault fails, and no other check is disturbed".

use serde_json::{Value, json};

use crate::client::{LATEST_SESSION, STATELESS, Server};

/// Every check id the fault catalogue refers to.
pub const CHECKS: &[&str] = &[
    "lifecycle/initialize/result-shape",
    "lifecycle/initialize/version-echoed",
    "lifecycle/initialize/unsupported-version",
    "lifecycle/initialized/accepted",
    "utilities/ping/empty-result",
    "base/jsonrpc/id-echoed",
    "base/jsonrpc/method-not-found",
    "base/jsonrpc/parse-error",
    "base/jsonrpc/batch-rejected",
    "http/session/id-visible-ascii",
    "http/session/missing-is-400",
    "http/session/unknown-is-404",
    "http/session/delete-terminates",
    "http/version-header/invalid-is-400",
    "http/response/content-type",
    "discover/result/shape",
];

const SESSION_VERSIONS: &[&str] = &["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];

fn ensure(ok: bool, why: impl Into<String>) -> Result<(), String> {
    if ok { Ok(()) } else { Err(why.into()) }
}

/// Runs the check `check` against `s`: `Ok` = pass, `Err` = why it failed.
pub async fn probe(check: &str, s: &Server) -> Result<(), String> {
    match check {
        "lifecycle/initialize/result-shape" => {
            let (reply, _) = s.initialize(LATEST_SESSION).await;
            let r = &reply.first()["result"];
            ensure(r["protocolVersion"].is_string(), "protocolVersion")?;
            ensure(r["capabilities"].is_object(), "capabilities")?;
            ensure(
                r["serverInfo"]["name"].is_string() && r["serverInfo"]["version"].is_string(),
                format!("serverInfo missing in {r}"),
            )
        }
        "lifecycle/initialize/version-echoed" => {
            let (reply, _) = s.initialize(LATEST_SESSION).await;
            let got = &reply.first()["result"]["protocolVersion"];
            ensure(got == LATEST_SESSION, format!("asked {LATEST_SESSION}, got {got}"))
        }
        "lifecycle/initialize/unsupported-version" => {
            let (reply, _) = s.initialize("1999-01-01").await;
            let got = reply.first()["result"]["protocolVersion"].clone();
            ensure(
                SESSION_VERSIONS.iter().any(|v| got == *v),
                format!("answered unsupported request with {got}"),
            )
        }
        "lifecycle/initialized/accepted" => {
            let (_, id) = s.initialize(LATEST_SESSION).await;
            let id = id.unwrap_or_default();
            let reply = s
                .post(
                    &[("mcp-session-id", &id), ("mcp-protocol-version", LATEST_SESSION)],
                    json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string(),
                )
                .await;
            ensure(reply.status == 202 && reply.body.is_empty(), format!("{} {:?}", reply.status, reply.body))
        }
        "utilities/ping/empty-result" => {
            let session = s.session(LATEST_SESSION).await;
            let reply = session.request(json!(2), "ping").await;
            let result = reply.first()["result"].clone();
            let keys_ok = result.as_object().is_some_and(|o| o.keys().all(|k| k == "_meta"));
            ensure(keys_ok, format!("ping result {result}"))
        }
        "base/jsonrpc/id-echoed" => {
            let session = s.session(LATEST_SESSION).await;
            for id in [json!("mcpcheck-id-1"), json!(7)] {
                let reply = session.request(id.clone(), "tools/list").await;
                ensure(reply.answer(&id).is_some(), format!("no answer with id {id}: {}", reply.body))?;
            }
            Ok(())
        }
        "base/jsonrpc/method-not-found" => {
            let session = s.session(LATEST_SESSION).await;
            let reply = session.request(json!(3), "mcpcheck/no-such-method").await;
            let code = &reply.first()["error"]["code"];
            ensure(code == -32601, format!("session: code {code}"))?;
            let reply = s.stateless(json!(4), "mcpcheck/no-such-method", json!({})).await;
            let code = &reply.first()["error"]["code"];
            ensure(code == -32601, format!("stateless: code {code}"))?;
            ensure(reply.status == 404, format!("stateless: status {}", reply.status))
        }
        "base/jsonrpc/parse-error" => {
            let session = s.session(LATEST_SESSION).await;
            let reply = session.post_raw(r#"{"jsonrpc":"2.0","id":5,"meth"#).await;
            ensure((400..500).contains(&reply.status), format!("status {}", reply.status))?;
            match serde_json::from_str::<Value>(&reply.body) {
                Ok(v) if v.get("error").is_some() => {
                    ensure(v["error"]["code"] == -32700, format!("code {}", v["error"]["code"]))
                }
                _ => Ok(()),
            }
        }
        "base/jsonrpc/batch-rejected" => {
            let session = s.session(LATEST_SESSION).await;
            let batch = json!([
                {"jsonrpc": "2.0", "id": 10, "method": "tools/list"},
                {"jsonrpc": "2.0", "id": 11, "method": "tools/list"},
            ]);
            let reply = session.post(batch).await;
            let array = serde_json::from_str::<Value>(&reply.body).is_ok_and(|v| v.is_array());
            ensure(
                (400..500).contains(&reply.status) || (!array && reply.first()["error"].is_object()),
                format!("batch answered {} {}", reply.status, reply.body),
            )
        }
        "http/session/id-visible-ascii" => {
            let (_, id) = s.initialize(LATEST_SESSION).await;
            let id = id.unwrap_or_default();
            ensure(id.bytes().all(|b| (0x21..=0x7e).contains(&b)), format!("session id {id:?}"))
        }
        "http/session/missing-is-400" => {
            let _session = s.session(LATEST_SESSION).await;
            let body = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}).to_string();
            let reply = s.post(&[("mcp-protocol-version", LATEST_SESSION)], body).await;
            ensure(reply.status == 400, format!("status {}", reply.status))
        }
        "http/session/unknown-is-404" => {
            let body = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}).to_string();
            let headers =
                [("mcp-session-id", "mcpcheck-unknown-session"), ("mcp-protocol-version", LATEST_SESSION)];
            let reply = s.post(&headers, body).await;
            ensure(reply.status == 404, format!("status {}", reply.status))
        }
        "http/session/delete-terminates" => {
            let session = s.session(LATEST_SESSION).await;
            let deleted = s.delete(&session.id).await;
            ensure((200..300).contains(&deleted.status), format!("DELETE {}", deleted.status))?;
            let reply = session.request(json!(3), "ping").await;
            ensure(reply.status == 404, format!("ping after DELETE: {}", reply.status))
        }
        "http/version-header/invalid-is-400" => {
            let session = s.session(LATEST_SESSION).await;
            let body = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}).to_string();
            let headers = [("mcp-session-id", session.id.as_str()), ("mcp-protocol-version", "1999-01-01")];
            let reply = s.post(&headers, body).await;
            ensure(reply.status == 400, format!("status {}", reply.status))
        }
        "http/response/content-type" => {
            let session = s.session(LATEST_SESSION).await;
            let reply = session.request(json!(2), "tools/list").await;
            let ct = reply.header("content-type").unwrap_or_default();
            ensure(
                ct.starts_with("application/json") || ct.starts_with("text/event-stream"),
                format!("content-type {ct:?}"),
            )
        }
        "discover/result/shape" => {
            let reply = s.stateless(json!(1), "server/discover", json!({})).await;
            let r = &reply.first()["result"];
            let versions_ok = r["supportedVersions"]
                .as_array()
                .is_some_and(|a| a.iter().all(Value::is_string) && a.iter().any(|v| v == STATELESS));
            ensure(versions_ok, format!("supportedVersions in {r}"))?;
            ensure(r["capabilities"].is_object(), "capabilities")?;
            ensure(r["resultType"] == "complete", "resultType")
        }
        other => crate::feature_probes::probe(other, s).await,
    }
}
