//! Authorization flags: `mcpcheck authserver`, `serve authorized`'s issuer,
//! and where `mcpcheck test` gets the tokens for the auth checks.

use clap::Args;

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
    /// Offer no client credentials grant: only the authorization code flow with PKCE (consent
    /// given at once) and refresh get tokens, as at an authorization server for people.
    #[arg(long)]
    pub no_client_credentials: bool,
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
    pub audience_param: crate::oauth::source::AudienceParam,
    /// Client authentication at the token endpoint.
    #[arg(long, value_enum, default_value = "basic", help_heading = "Authorization")]
    pub client_auth: crate::oauth::source::ClientAuth,
    /// The audience to ask tokens for (default: the target URL; AUTH0_AUDIENCE).
    #[arg(long, value_name = "URL", env = "AUTH0_AUDIENCE", help_heading = "Authorization")]
    pub audience: Option<String>,
    /// Scopes for the valid token (space-separated).
    #[arg(long, value_name = "SCOPES", default_value = "read:add", help_heading = "Authorization")]
    pub auth_scope: String,
    /// A valid access token for the target (or set MCPCHECK_TOKEN, which keeps it out of the
    /// command line and the process list).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "MCPCHECK_TOKEN",
        hide_env_values = true,
        help_heading = "Authorization"
    )]
    pub token: Option<String>,
    /// Read the valid access token from FILE (its first line), e.g. a CI secret file.
    #[arg(long, value_name = "FILE", conflicts_with = "token", help_heading = "Authorization")]
    pub token_file: Option<std::path::PathBuf>,
    /// A token for one negative case, e.g. expired=eyJ… (repeatable; cases:
    /// malformed, bad-signature, alg-none, wrong-issuer, wrong-audience,
    /// expired, not-yet-valid, missing-scope).
    #[arg(long, value_name = "CASE=TOKEN", help_heading = "Authorization")]
    pub token_for: Vec<String>,
    /// With no token flags, do not register mcpcheck as a client (RFC 7591) at the target's
    /// authorization server. By default, when the target needs authorization and its authorization
    /// server offers registration, mcpcheck registers itself (for client credentials, or else for
    /// the code flow with PKCE where the server approves without a person) and runs the token
    /// checks with the tokens its client gets.
    #[arg(long, help_heading = "Authorization")]
    pub no_register: bool,
    /// The authorization server the auth/metadata and auth/as checks examine, by its issuer URL,
    /// instead of the one the target's protected resource metadata names. With no TARGET, only
    /// this authorization server is checked (on every revision with authorization); mcpcheck
    /// registers its own clients there (RFC 7591), so it needs registration and an authorization
    /// endpoint that approves without a person.
    #[arg(long, value_name = "ISSUER", help_heading = "Authorization")]
    pub authorization_server: Option<String>,
    /// The tool whose call needs a scope (for auth/tokens/missing-scope-403).
    #[arg(long, value_name = "NAME", default_value = "add", help_heading = "Authorization")]
    pub scope_tool: String,
}

impl TokenArgs {
    pub fn any(&self) -> bool {
        self.auth_issuer.is_some()
            || self.client_id.is_some()
            || self.token.is_some()
            || self.token_file.is_some()
            || !self.token_for.is_empty()
    }
}
