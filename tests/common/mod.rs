//! What several integration tests share. Each test file is its own crate,
//! so a file that uses only part of this sees the rest as dead code.
#![allow(dead_code)]

use reference_servers::backends_from_config;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// A proxy over `config`'s backends on 127.0.0.1; its URL. It stops when
/// the sender pushed onto `stops` is dropped.
pub async fn proxy(config: Value, stops: &mut Vec<oneshot::Sender<()>>) -> String {
    let backends = backends_from_config(&config).expect("config");
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", l.local_addr().unwrap());
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(reference_servers::serve_proxied_http(l, backends, "/mcp".into(), async move {
        let _ = rx.await;
    }));
    stops.push(tx);
    url
}
