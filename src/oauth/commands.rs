//! `mcpcheck authserver` and `mcpcheck serve authorized`: their flags and what
//! they run. Kept out of `cli.rs` so the command line stays one small file.

use super::server;
use crate::cli::UsageError;
use clap::Args;
use reference_servers::{AuthorizedOptions, FaultSet, HttpOptions, KeySource};

#[derive(Debug, Args)]
pub struct AuthserverArgs {
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    #[arg(long, default_value_t = 9000)]
    pub port: u16,
    /// The issuer URL it announces (default http://HOST:PORT).
    #[arg(long, value_name = "URL")]
    pub issuer: Option<String>,
    /// Switch on a deliberate fault (`as-*` names; see `mcpcheck serve plain --list-faults`).
    #[arg(long, value_name = "NAME")]
    pub fault: Vec<String>,
}

/// Flags of `serve authorized`: whose tokens it trusts.
#[derive(Debug, Args, Default)]
pub struct IssuerArgs {
    /// Trust this issuer (`iss`); its keys are found through its metadata
    /// unless --jwks-url is given. Default: start the built-in test
    /// authorization server on --auth-port. With AUTH0_DOMAIN set:
    /// https://AUTH0_DOMAIN/.
    #[arg(long, value_name = "URL")]
    pub issuer: Option<String>,
    /// The issuer's JWKS URL.
    #[arg(long, value_name = "URL")]
    pub jwks_url: Option<String>,
    /// This server's resource URL: the audience tokens must carry and the
    /// `resource` of its metadata. Default http://HOST:PORT/PATH, or AUTH0_AUDIENCE.
    #[arg(long, value_name = "URL", env = "AUTH0_AUDIENCE")]
    pub resource: Option<String>,
    /// The seed's Auth0 tenant, e.g. dev-abc.us.auth0.com.
    #[arg(long, value_name = "DOMAIN", env = "AUTH0_DOMAIN", hide_env_values = true)]
    pub auth0_domain: Option<String>,
    /// Port of the built-in authorization server (when no issuer is given).
    #[arg(long, default_value_t = 9000)]
    pub auth_port: u16,
}

fn usage(msg: String) -> anyhow::Error {
    UsageError(msg).into()
}

async fn bind(addr: &str) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await.map_err(|e| usage(format!("cannot listen on {addr}: {e}")))
}

pub async fn authserver(args: AuthserverArgs) -> anyhow::Result<()> {
    let faults = FaultSet::parse(&args.fault).map_err(|e| usage(e.to_string()))?;
    let listener = bind(&format!("{}:{}", args.host, args.port)).await?;
    let running = server::spawn(listener, args.issuer, faults).await?;
    print_authserver(&running.url);
    let _ = tokio::signal::ctrl_c().await;
    drop(running);
    Ok(())
}

fn print_authserver(url: &str) {
    eprintln!("mcpcheck test authorization server, issuer {url}");
    eprintln!("  metadata  {url}/.well-known/oauth-authorization-server");
    eprintln!(
        "  client    {} / {} (client_credentials)",
        server::DEFAULT_CLIENT_ID,
        server::DEFAULT_CLIENT_SECRET
    );
}

/// Runs `serve authorized` on HOST:PORT/PATH until Ctrl-C.
pub async fn serve_authorized(
    host: &str,
    port: u16,
    path: String,
    faults: FaultSet,
    issuer: IssuerArgs,
) -> anyhow::Result<()> {
    let listener = bind(&format!("{host}:{port}")).await?;
    let local = listener.local_addr()?;
    let resource = issuer.resource.clone().unwrap_or_else(|| format!("http://{local}{path}"));
    // The built-in authorization server, unless an issuer is named.
    let mut _builtin = None;
    let (iss, keys) = match (&issuer.issuer, &issuer.auth0_domain) {
        (Some(i), _) => (i.clone(), None),
        (None, Some(domain)) => {
            let d = domain.trim_start_matches("https://").trim_end_matches('/');
            (format!("https://{d}/"), Some(format!("https://{d}/.well-known/jwks.json")))
        }
        (None, None) => {
            let l = bind(&format!("{host}:{}", issuer.auth_port)).await?;
            let running = server::spawn(l, None, faults.clone()).await?;
            // Tokens asked for without an audience are for this server.
            running.server.set_default_audience(&resource);
            print_authserver(&running.url);
            let url = running.url.clone();
            _builtin = Some(running);
            (url, None)
        }
    };
    let keys = match issuer.jwks_url.clone().or(keys) {
        Some(u) => KeySource::Jwks(u),
        None => KeySource::Discover,
    };
    let mut opts = AuthorizedOptions::new(iss.clone(), keys);
    opts.http = HttpOptions { path: path.clone(), faults };
    opts.resource = issuer.resource.clone();
    eprintln!("mcpcheck authorized reference server on http://{local}{path}");
    eprintln!("  resource  {resource}  (tokens need aud = this; `add` needs scope read:add)");
    eprintln!("  issuer    {iss}");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    reference_servers::serve_authorized_http(listener, opts, shutdown).await?;
    Ok(())
}
