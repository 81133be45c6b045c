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

/// `mcpcheck test` flags: where the auth checks get their tokens.
#[derive(Debug, Args, Default, Clone)]
pub struct TokenArgs {
    /// The target trusts an `mcpcheck authserver` at URL (`local`: http://127.0.0.1:9000);
    /// every auth check then runs.
    #[arg(long, value_name = "URL|local", help_heading = "Authorization")]
    pub auth_issuer: Option<String>,
    /// Client credentials at a real authorization server (with --client-secret).
    #[arg(long, value_name = "ID", env = "AUTH0_CLIENT_ID", help_heading = "Authorization")]
    pub client_id: Option<String>,
    #[arg(
        long,
        value_name = "SECRET",
        env = "AUTH0_CLIENT_SECRET",
        hide_env_values = true,
        help_heading = "Authorization"
    )]
    pub client_secret: Option<String>,
    /// The token endpoint (default: discovered from --issuer-url, or https://AUTH0_DOMAIN/oauth/token).
    #[arg(long, value_name = "URL", help_heading = "Authorization")]
    pub token_url: Option<String>,
    /// The authorization server, to discover its token endpoint.
    #[arg(long, value_name = "URL", help_heading = "Authorization")]
    pub issuer_url: Option<String>,
    /// Auth0 tenant: the token endpoint is https://DOMAIN/oauth/token.
    #[arg(long, value_name = "DOMAIN", env = "AUTH0_DOMAIN", help_heading = "Authorization")]
    pub auth0_domain: Option<String>,
    /// How the token request names the resource: RFC 8707 `resource` or Auth0's `audience`.
    #[arg(long, value_enum, default_value = "resource", help_heading = "Authorization")]
    pub audience_param: super::source::AudienceParam,
    /// Client authentication at the token endpoint.
    #[arg(long, value_enum, default_value = "basic", help_heading = "Authorization")]
    pub client_auth: super::source::ClientAuth,
    /// The audience to ask tokens for (default: the target URL; AUTH0_AUDIENCE).
    #[arg(long, value_name = "URL", env = "AUTH0_AUDIENCE", help_heading = "Authorization")]
    pub audience: Option<String>,
    /// Scopes for the valid token (space-separated).
    #[arg(long, value_name = "SCOPES", default_value = "read:add", help_heading = "Authorization")]
    pub auth_scope: String,
    /// A valid access token for the target.
    #[arg(long, value_name = "TOKEN", help_heading = "Authorization")]
    pub token: Option<String>,
    /// A token for one negative case, e.g. expired=eyJ… (repeatable; cases:
    /// malformed, bad-signature, alg-none, wrong-issuer, wrong-audience,
    /// expired, not-yet-valid, missing-scope).
    #[arg(long, value_name = "CASE=TOKEN", help_heading = "Authorization")]
    pub token_for: Vec<String>,
    /// The tool whose call needs a scope (for auth/tokens/missing-scope-403).
    #[arg(long, value_name = "NAME", default_value = "add", help_heading = "Authorization")]
    pub scope_tool: String,
}

impl TokenArgs {
    pub fn any(&self) -> bool {
        self.auth_issuer.is_some()
            || self.client_id.is_some()
            || self.token.is_some()
            || !self.token_for.is_empty()
    }
}

/// The token material the flags describe, for a target at `target_url`.
pub async fn material(
    args: &TokenArgs,
    target_url: Option<&str>,
) -> anyhow::Result<Option<super::source::AuthMaterial>> {
    use super::mint::TokenCase;
    use super::source::{self, ClientCredentials};
    if !args.any() {
        return Ok(None);
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
        let token_url = match (&args.token_url, &args.issuer_url, &args.auth0_domain) {
            (Some(t), _, _) => t.clone(),
            (None, Some(i), _) => source::discover_token_url(i).await.map_err(|e| usage(e.to_string()))?,
            (None, None, Some(d)) => {
                format!("https://{}/oauth/token", d.trim_start_matches("https://").trim_end_matches('/'))
            }
            (None, None, None) => {
                return Err(usage("--client-id needs --token-url, --issuer-url or AUTH0_DOMAIN".into()));
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
        cc.material(&audience).await.map_err(|e| usage(format!("client credentials: {e}")))?
    } else {
        source::AuthMaterial::given(Default::default())
    };
    // Directly given tokens override whatever the source made.
    let mut given = std::collections::BTreeMap::new();
    if let Some(t) = &args.token {
        given.insert(TokenCase::Valid, t.clone());
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
