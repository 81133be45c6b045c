//! Runs the plain server on 127.0.0.1:PORT (default 3999) for manual poking
//! with curl: `cargo run -p reference-servers --example plain_http -- 3999 [fault...]`.

use reference_servers::{FaultSet, HttpOptions, serve_plain_http};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().map(|p| p.parse()).transpose()?.unwrap_or(3999);
    let faults = FaultSet::parse(&args.collect::<Vec<_>>())?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    eprintln!("listening on http://{}/mcp", listener.local_addr()?);
    serve_plain_http(listener, HttpOptions::with_faults(faults), async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
