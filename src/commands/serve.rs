//! `mcpcheck serve KIND`: a reference server on HTTP (or plain on stdio),
//! until Ctrl-C.

use crate::cli::{ServeArgs, ServerKind};
use crate::usage::usage;

/// `mcpcheck serve`.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    use reference_servers::{CATALOGUE, FaultSet, HttpOptions};
    if args.list_faults {
        for f in CATALOGUE {
            let shown_by = match f.finding {
                Some(finding) => format!("is named by the bench finding {finding}"),
                None => format!("breaks {}", f.breaks.join(", ")),
            };
            println!("{:26} {shown_by}\n{:26} {}", f.name, "", f.description);
        }
        return Ok(());
    }
    let faults = FaultSet::parse(&args.fault).map_err(|e| usage(format!("{e}; see --list-faults")))?;
    let limits = args.limits.limits();
    let http = |path: String| HttpOptions { path, limits: limits.clone(), ..HttpOptions::default() };
    match args.kind {
        ServerKind::Authorized if args.stdio => Err(usage("authorized is served over HTTP only")),
        ServerKind::Authorized => {
            let opts = HttpOptions { faults, ..http(args.path) };
            super::auth::serve_authorized(&args.host, args.port, opts, args.issuer).await
        }
        _ if args.conformance_fixture && !matches!(args.kind, ServerKind::Plain) => {
            Err(usage("--conformance-fixture is for serve plain"))
        }
        _ if args.conformance_fixture && args.stdio => {
            Err(usage("--conformance-fixture is served over HTTP only"))
        }
        ServerKind::Plain if args.stdio => reference_servers::serve_plain_stdio(faults).await,
        _ if args.stdio => Err(usage("only plain can be served on stdio")),
        ServerKind::Composed => {
            let example = if args.nested {
                reference_servers::Composed::nested_example()
            } else {
                reference_servers::Composed::example()
            };
            let composed = example.map_err(|e| usage(e.to_string()))?;
            let listener = bind(&args.host, args.port).await?;
            eprintln!("mcpcheck composed server on http://{}{}", listener.local_addr()?, args.path);
            reference_servers::serve_composed_http(listener, composed, http(args.path), ctrl_c()).await?;
            Ok(())
        }
        ServerKind::Openapi => {
            let (Some(file), Some(base)) = (&args.openapi_spec, &args.base_url) else {
                return Err(usage("serve openapi needs --spec FILE and --base-url URL"));
            };
            let text = std::fs::read_to_string(file)
                .map_err(|e| usage(format!("cannot read {}: {e}", file.display())))?;
            let format = reference_servers::openapi::Format::of_path(file);
            let doc = reference_servers::openapi::parse_document(&text, format)
                .map_err(|e| usage(format!("{}: {e}", file.display())))?;
            let server =
                reference_servers::OpenApiServer::from_spec(&doc, base).map_err(|e| usage(e.to_string()))?;
            let listener = bind(&args.host, args.port).await?;
            eprintln!(
                "mcpcheck openapi server on http://{}{} calling {base}",
                listener.local_addr()?,
                args.path
            );
            reference_servers::serve_openapi_http(listener, server, http(args.path), ctrl_c()).await?;
            Ok(())
        }
        ServerKind::Proxied => {
            let file = args.config.as_ref().ok_or_else(|| usage("serve proxied needs --config FILE"))?;
            let text = std::fs::read_to_string(file)
                .map_err(|e| usage(format!("cannot read {}: {e}", file.display())))?;
            let config: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| usage(format!("{} is not JSON: {e}", file.display())))?;
            let backends =
                reference_servers::backends_from_config(&config).map_err(|e| usage(e.to_string()))?;
            let listener = bind(&args.host, args.port).await?;
            eprintln!("mcpcheck proxied server on http://{}{}", listener.local_addr()?, args.path);
            reference_servers::serve_proxied_http(listener, backends, http(args.path), ctrl_c()).await?;
            Ok(())
        }
        ServerKind::Mounted => {
            let listener = bind(&args.host, args.port).await?;
            let local = listener.local_addr()?;
            eprintln!(
                "mcpcheck mounted server on http://{local}: /health, /api/items, MCP at {}",
                reference_servers::mounted::MCP_PATH
            );
            reference_servers::serve_mounted_http_with(listener, faults, limits, ctrl_c()).await?;
            Ok(())
        }
        ServerKind::Plain => {
            let addr = format!("{}:{}", args.host, args.port);
            let listener = tokio::net::TcpListener::bind(&addr)
                .await
                .map_err(|e| usage(format!("cannot listen on {addr}: {e}")))?;
            let local = listener.local_addr()?;
            let opts = HttpOptions { faults, ..http(args.path.clone()) };
            if args.conformance_fixture {
                eprintln!(
                    "mcpcheck plain reference server with the conformance fixture on http://{local}{}",
                    args.path
                );
                reference_servers::plain::fixture::serve_fixture_http(listener, opts, ctrl_c()).await?;
            } else {
                eprintln!("mcpcheck plain reference server on http://{local}{}", args.path);
                reference_servers::serve_plain_http(listener, opts, ctrl_c()).await?;
            }
            Ok(())
        }
    }
}

async fn bind(host: &str, port: u16) -> anyhow::Result<tokio::net::TcpListener> {
    let addr = format!("{host}:{port}");
    tokio::net::TcpListener::bind(&addr).await.map_err(|e| usage(format!("cannot listen on {addr}: {e}")))
}

async fn ctrl_c() {
    let _ = tokio::signal::ctrl_c().await;
}
