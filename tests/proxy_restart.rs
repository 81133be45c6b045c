//! The proxied reference server under load while its backend is killed and
//! restarted (the promise: "the proxy survives a backend being killed and
//! restarted during a bench run with errors only for the dead window").
//!
//! A bench run (the real driver, closed model) calls a backend tool through
//! the proxy for ~3 s; the backend is shut down at ~0.8 s and started again on
//! the same address at ~1.6 s. The run's live counters are read at the kill
//! and a little after the restart: no failure before the kill, failures while
//! the backend is down, none once it is back. Every failure the client saw is
//! a JSON-RPC error from the proxy (which never stopped answering), none a
//! transport or HTTP error.

use mcpcheck::bench::driver::{self, Stop};
use mcpcheck::bench::metrics::Live;
use mcpcheck::bench::plan::{Call, Model, Plan};
use mcpcheck::spec::SpecVersion;
use mcpcheck::target::{self, TargetSpec};
use mcpcheck::wire::Limits;
use reference_servers::{HttpOptions, backends_from_config, serve_plain_http};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::time::{Instant, sleep_until};

const RUN: Duration = Duration::from_millis(3000);
const KILL_AT: Duration = Duration::from_millis(800);
const RESTART_AT: Duration = Duration::from_millis(1600);
/// Time the proxy gets to reconnect after the restart before calls must
/// succeed again (one initialize on loopback takes milliseconds).
const GRACE: Duration = Duration::from_millis(600);

fn backend(listener: TcpListener) -> oneshot::Sender<()> {
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(serve_plain_http(listener, HttpOptions::default(), async move {
        let _ = rx.await;
    }));
    tx
}

/// Binds the backend's old address again; the old listener may take a moment to go.
async fn rebind(addr: SocketAddr) -> TcpListener {
    for _ in 0..50 {
        if let Ok(l) = TcpListener::bind(addr).await {
            return l;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("could not bind {addr} again");
}

fn counts(live: &Live) -> (u64, u64) {
    let failures = live.failures.load(Ordering::SeqCst);
    (live.requests.load(Ordering::SeqCst) - failures, failures)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proxy_fails_calls_only_while_its_backend_is_down() {
    let lb = TcpListener::bind("127.0.0.1:0").await.expect("bind backend");
    let b_addr = lb.local_addr().expect("addr");
    let stop_backend = backend(lb);
    let config = json!({"mcpServers": {"a": {"url": format!("http://{b_addr}/mcp")}}});
    let lp = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
    let proxy = format!("http://{}/mcp", lp.local_addr().expect("addr"));
    let (stop_proxy, rx) = oneshot::channel::<()>();
    tokio::spawn(reference_servers::serve_proxied_http(
        lp,
        backends_from_config(&config).expect("config"),
        "/mcp".into(),
        async move {
            let _ = rx.await;
        },
    ));

    let limits = Limits { timeout: Duration::from_secs(5), ..Limits::default() };
    let running = target::start(&TargetSpec::Url(proxy), vec![], limits).await.expect("proxy target");
    let plan = Plan {
        model: Model::Closed { users: 4, ramp_up: Duration::ZERO },
        duration: RUN,
        requests: None,
        call: Call {
            method: "tools/call".into(),
            params: Some(json!({"name": "a_add", "arguments": {"a": 1, "b": 2}})),
        },
        timeout: Duration::from_secs(5),
        shared_sessions: None,
    };
    let live = Arc::new(Live::default());
    let (started_tx, started_rx) = oneshot::channel::<Instant>();
    let load = driver::run(
        &running.endpoint,
        SpecVersion::V2025_11_25,
        &plan,
        live.clone(),
        Arc::new(Stop::default()),
        |start| {
            let _ = started_tx.send(start);
        },
    );
    let chaos = async {
        let start = started_rx.await.expect("the run started");
        sleep_until(start + KILL_AT).await;
        let before_kill = counts(&live);
        let _ = stop_backend.send(());
        sleep_until(start + RESTART_AT).await;
        let at_restart = counts(&live);
        let restarted = backend(rebind(b_addr).await);
        sleep_until(start + RESTART_AT + GRACE).await;
        (before_kill, at_restart, counts(&live), restarted)
    };
    let (measured, (before_kill, at_restart, recovered, _restarted)) = tokio::join!(load, chaos);
    let end = counts(&live);
    let _ = stop_proxy.send(());

    let t = &measured.tally;
    let report = format!(
        "before kill {before_kill:?}, at restart {at_restart:?}, recovered {recovered:?}, end {end:?} \
         (successes, failures); failures {:?}, codes {:?}",
        t.failures, t.jsonrpc_codes
    );
    eprintln!("{report}");
    assert_eq!(measured.sessions, 4, "{report}");
    assert!(before_kill.0 > 0, "calls went through before the kill: {report}");
    assert_eq!(before_kill.1, 0, "no failure before the kill: {report}");
    assert!(at_restart.1 > 0, "calls failed while the backend was down: {report}");
    assert_eq!(end.1, recovered.1, "no failure once the backend was back: {report}");
    assert!(end.0 > recovered.0, "calls succeeded again after the restart: {report}");
    // The proxy itself never went away: every failure is its JSON-RPC error
    // (-32603 naming the backend), no transport or HTTP error.
    assert_eq!(t.failures.total(), t.failures.jsonrpc_error, "{report}");
    assert_eq!(t.jsonrpc_codes.keys().copied().collect::<Vec<_>>(), [-32603], "{report}");
    assert_eq!(t.session_failures, 0, "{report}");
}
