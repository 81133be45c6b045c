//! `mcpcheck authserver`, `mcpcheck serve authorized`, and the token
//! material `mcpcheck test` builds from its authorization flags.

use crate::cli::auth::{AuthserverArgs, IssuerArgs, TokenArgs};
use crate::oauth::server;
use crate::usage::UsageError;
use reference_servers::{AuthorizedOptions, FaultSet, HttpOptions, KeySource};

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
    if args.no_client_credentials {
        running.server.disable_client_credentials();
    }
    print_authserver(&running.url, !args.no_client_credentials);
    let _ = tokio::signal::ctrl_c().await;
    drop(running);
    Ok(())
}

fn print_authserver(url: &str, client_credentials: bool) {
    eprintln!("mcpcheck test authorization server, issuer {url}");
    eprintln!("  metadata  {url}/.well-known/oauth-authorization-server");
    if client_credentials {
        eprintln!(
            "  client    {} / {} (client_credentials)",
            server::DEFAULT_CLIENT_ID,
            server::DEFAULT_CLIENT_SECRET
        );
    } else {
        eprintln!("  grants    authorization_code with PKCE S256 and refresh_token only");
    }
}

/// Runs `serve authorized` on HOST:PORT at `http.path`, with `http.faults`
/// and within `http.limits`, until Ctrl-C.
pub async fn serve_authorized(
    host: &str,
    port: u16,
    http: HttpOptions,
    issuer: IssuerArgs,
) -> anyhow::Result<()> {
    let path = http.path.clone();
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
            let running = server::spawn(l, None, http.faults.clone()).await?;
            // Tokens asked for without an audience are for this server.
            running.server.set_default_audience(&resource);
            print_authserver(&running.url, true);
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
    opts.http = http;
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

/// The token material the flags describe, for a target at `target_url`.
pub async fn material(
    args: &TokenArgs,
    target_url: Option<&str>,
) -> anyhow::Result<Option<crate::oauth::source::AuthMaterial>> {
    use crate::oauth::mint::TokenCase;
    use crate::oauth::source::{self, ClientCredentials};
    if !args.any() {
        return match target_url {
            Some(target) if !args.no_register => Ok(registered(args, target).await),
            _ => Ok(None),
        };
    }
    let audience = args
        .audience
        .clone()
        .or(target_url.map(String::from))
        .ok_or_else(|| usage("the auth flags need a target URL (or --audience)".into()))?;
    let mut m = if let Some(issuer) = &args.auth_issuer {
        let issuer = if issuer == "local" { source::LOCAL_ISSUER } else { issuer.as_str() };
        source::from_authserver(issuer, &audience, &args.auth_scope)
            .await
            .map_err(|e| usage(format!("--auth-issuer: {e} (is `mcpcheck authserver` running there?)")))?
    } else if let Some(client_id) = &args.client_id {
        let secret =
            args.client_secret.clone().ok_or_else(|| usage("--client-id needs --client-secret".into()))?;
        // Explicit flags win; with none, the token endpoint is found as an
        // MCP client must find it, from the target's 401 challenge.
        let (token_url, how) = match (&args.token_url, &args.issuer_url, &args.auth0_domain) {
            (Some(t), _, _) => (t.clone(), "--token-url".to_string()),
            (None, Some(i), _) => (
                source::discover_token_url(i).await.map_err(|e| usage(e.to_string()))?,
                format!("token endpoint from {i}'s metadata (--issuer-url)"),
            ),
            (None, None, Some(d)) => (
                format!("https://{}/oauth/token", d.trim_start_matches("https://").trim_end_matches('/')),
                "the Auth0 tenant's token endpoint (AUTH0_DOMAIN)".to_string(),
            ),
            (None, None, None) => {
                let target = target_url.ok_or_else(|| {
                    usage(
                        "--client-id needs a target URL to discover the token endpoint from, or --token-url"
                            .into(),
                    )
                })?;
                crate::oauth::discovery::token_endpoint(target).await.map_err(|e| {
                    usage(format!(
                        "--client-id: {e} (name the token endpoint with --token-url or --issuer-url)"
                    ))
                })?
            }
        };
        let cc = ClientCredentials {
            token_url,
            client_id: client_id.clone(),
            client_secret: secret,
            audience_param: args.audience_param,
            auth: args.client_auth,
            scope: None,
        };
        let mut m = cc.material(&audience).await.map_err(|e| usage(format!("client credentials: {e}")))?;
        m.source = format!("{} ({how})", m.source);
        m
    } else {
        source::AuthMaterial::given(Default::default())
    };
    // Directly given tokens override whatever the source made.
    let mut given = std::collections::BTreeMap::new();
    if let Some(t) = &args.token {
        given.insert(TokenCase::Valid, t.clone());
    }
    if let Some(file) = &args.token_file {
        let text = std::fs::read_to_string(file)
            .map_err(|e| usage(format!("--token-file {}: cannot read it: {e}", file.display())))?;
        let token = text.lines().next().map(str::trim).filter(|t| !t.is_empty());
        let token = token.ok_or_else(|| usage(format!("--token-file {} is empty", file.display())))?;
        given.insert(TokenCase::Valid, token.to_string());
    }
    for pair in &args.token_for {
        let (case, token) = pair
            .split_once('=')
            .and_then(|(c, t)| TokenCase::from_name(c).map(|c| (c, t.to_string())))
            .ok_or_else(|| usage(format!("--token-for {pair:?} is not CASE=TOKEN with a known case")))?;
        given.insert(case, token);
    }
    if !given.is_empty() {
        if args.auth_issuer.is_none() && args.client_id.is_none() {
            m = source::AuthMaterial::given(given);
        } else {
            for (c, t) in given {
                m.tokens.insert(c, Ok(t));
            }
            m.source.push_str(" and tokens given on the command line");
        }
    }
    m.scope_tool = args.scope_tool.clone();
    Ok(Some(m))
}

/// No token flags: when the target needs authorization and its authorization
/// server lets any client register, the material of a client mcpcheck
/// registers: for client credentials where the server offers that grant,
/// else for the code flow with PKCE (approved without a person, the redirect
/// read headlessly). `None` otherwise (the token checks then skip, saying
/// why); trouble on the way is told on stderr, never fatal.
async fn registered(args: &TokenArgs, target: &str) -> Option<crate::oauth::source::AuthMaterial> {
    use crate::oauth::{discovery, flow, source};
    // A target that needs no token, or names no authorization server, is
    // not an error here: the auth checks find that out themselves.
    let found = discovery::discover(target).await.ok()?;
    let registration = found.registration_endpoint()?.to_string();
    let audience = args.audience.clone().unwrap_or_else(|| target.to_string());
    let made = if found.supports_grant("client_credentials") && found.token_endpoint().is_some() {
        by_client_credentials(args, &found, &audience).await
    } else if found.supports_grant("authorization_code") {
        let s = flow::AsClient {
            issuer: found.issuer.clone(),
            metadata: found.metadata.clone(),
            rec: crate::wire::record::Recorder::new(),
            limits: crate::wire::Limits::default(),
        };
        source::from_code_flow(&s, &audience).await.map_err(|e| e.to_string())
    } else {
        Err(format!("{} offers registration but neither client credentials nor the code flow", found.issuer))
    };
    match made {
        Ok(mut m) => {
            m.source = format!("{} (registered dynamically at {registration}; {})", m.source, found.how);
            m.scope_tool = args.scope_tool.clone();
            Some(m)
        }
        Err(e) => {
            eprintln!(
                "auth: no token from a client registered at {registration} ({e}); the token checks skip"
            );
            None
        }
    }
}

async fn by_client_credentials(
    args: &TokenArgs,
    found: &crate::oauth::discovery::Discovered,
    audience: &str,
) -> Result<crate::oauth::source::AuthMaterial, String> {
    use crate::oauth::{discovery, source};
    let (client_id, client_secret) = discovery::register(found).await.map_err(|e| e.to_string())?;
    let cc = source::ClientCredentials {
        token_url: found.token_endpoint().unwrap_or_default().to_string(),
        client_id,
        client_secret,
        audience_param: args.audience_param,
        auth: source::ClientAuth::Basic,
        scope: None,
    };
    cc.material(audience).await.map_err(|e| e.to_string())
}
