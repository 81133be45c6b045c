//! A hostile or broken server can slow mcpcheck down, never hang it, crash it,
//! or earn a pass. Each server here is a raw TCP loop on 127.0.0.1:0 that
//! answers every request the same bad way.

use mcpcheck::report::model::Status;
use mcpcheck::runner::{self, Plan, RunOptions};
use mcpcheck::spec::SpecVersion;
use mcpcheck::wire::http::{HttpRequest, HttpTarget, Until};
use mcpcheck::wire::record::Recorder;
use mcpcheck::wire::session::Endpoint;
use mcpcheck::wire::{Limits, WireError};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Clone, Copy)]
enum Behaviour {
    /// Reads the request, never answers.
    Silent,
    /// 200 application/json, then bytes without end.
    EndlessBody,
    /// 200 text/event-stream, then events without end.
    EndlessEvents,
    /// 200 application/json `{}` to everything.
    EmptyObject,
}

async fn hostile(b: Behaviour) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let _ = sock.read(&mut buf).await;
                let head =
                    |ct: &str| format!("HTTP/1.1 200 OK\r\nContent-Type: {ct}\r\nConnection: close\r\n\r\n");
                match b {
                    Behaviour::Silent => tokio::time::sleep(Duration::from_secs(60)).await,
                    Behaviour::EndlessBody => {
                        let _ = sock.write_all(head("application/json").as_bytes()).await;
                        let chunk = vec![b'['; 8192];
                        while sock.write_all(&chunk).await.is_ok() {}
                    }
                    Behaviour::EndlessEvents => {
                        let _ = sock.write_all(head("text/event-stream").as_bytes()).await;
                        while sock
                            .write_all(b"data: {\"jsonrpc\":\"2.0\",\"method\":\"x\"}\n\n")
                            .await
                            .is_ok()
                        {}
                    }
                    Behaviour::EmptyObject => {
                        let body = "{}";
                        let resp = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        );
                        let _ = sock.write_all(resp.as_bytes()).await;
                    }
                }
            });
        }
    });
    format!("http://{addr}/mcp")
}

fn target(url: &str, limits: Limits) -> HttpTarget {
    HttpTarget::new(url, vec![], limits).expect("client")
}

fn ping() -> HttpRequest {
    HttpRequest::post(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#.into(), Until::ResponseTo(1.into()))
}

#[tokio::test]
async fn silence_is_a_timeout_and_is_recorded() {
    let url = hostile(Behaviour::Silent).await;
    let limits = Limits { timeout: Duration::from_millis(300), ..Limits::default() };
    let rec = Recorder::new();
    let err = target(&url, limits).send(ping(), &rec).await.expect_err("no answer");
    assert_eq!(err, WireError::Timeout(limits.timeout));
    let ex = rec.take();
    assert_eq!(ex.len(), 1);
    assert!(ex[0].error.as_deref().is_some_and(|e| e.contains("no answer")));
}

#[tokio::test]
async fn an_endless_body_hits_the_size_cap() {
    let url = hostile(Behaviour::EndlessBody).await;
    let limits = Limits { max_body_bytes: 1 << 20, ..Limits::default() };
    let err = target(&url, limits).send(ping(), &Recorder::new()).await.expect_err("capped");
    assert_eq!(err, WireError::TooLarge(1 << 20));
}

#[tokio::test]
async fn an_endless_event_stream_hits_the_event_cap() {
    let url = hostile(Behaviour::EndlessEvents).await;
    let limits = Limits { max_sse_events: 100, max_body_bytes: 64 << 20, ..Limits::default() };
    let err = target(&url, limits).send(ping(), &Recorder::new()).await.expect_err("capped");
    assert_eq!(err, WireError::TooManyEvents(100));
}

#[tokio::test]
async fn a_server_answering_nonsense_earns_no_pass() {
    let url = hostile(Behaviour::EmptyObject).await;
    for version in [SpecVersion::V2025_11_25, SpecVersion::V2026_07_28] {
        let endpoint = Endpoint::Http(Arc::new(target(&url, Limits::default())));
        let report = runner::run(&endpoint, &Plan::forced(&[version]), &RunOptions::default()).await;
        for c in &report.checks {
            assert!(
                matches!(c.status, Status::Fail | Status::Error | Status::Warn | Status::Skip),
                "{version} {}: {} ({})",
                c.id,
                c.status,
                c.message
            );
        }
        assert!(report.failed(false));
    }
}

#[tokio::test]
async fn a_silent_server_errors_every_check_within_the_timeout() {
    let url = hostile(Behaviour::Silent).await;
    let limits = Limits { timeout: Duration::from_millis(300), ..Limits::default() };
    let endpoint = Endpoint::Http(Arc::new(target(&url, limits)));
    let opts = RunOptions { timeout: limits.timeout, concurrency: 16, ..RunOptions::default() };
    let report = runner::run(&endpoint, &Plan::forced(&[SpecVersion::V2025_11_25]), &opts).await;
    for c in report.checks.iter().filter(|c| c.status != Status::Skip) {
        assert_eq!(c.status, Status::Error, "{}: {}", c.id, c.message);
    }
}
