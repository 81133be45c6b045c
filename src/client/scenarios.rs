//! The client scenarios: each is one run of the client under test against a
//! scripted server that behaves one way. Names are the official conformance
//! suite's where it has the scenario (so a driver written for it answers to
//! the same `MCP_CONFORMANCE_SCENARIO`), and mcpcheck's own otherwise.
//!
//! In every scenario the client is asked for the same thing, the official
//! suite's basic client: connect, list the tools, call the first one with
//! `{"a": 2, "b": 3}`, and close. What differs is what the server does.

use crate::spec::{Revisions, SpecVersion};

/// One scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scenario {
    /// The handshake, a listing and a call, answered plainly.
    Initialize,
    /// A listing and a call, on every revision.
    ToolsCall,
    /// The first tool call of the first session is answered 404: the
    /// session has expired.
    SessionExpiry,
    /// The tool call is answered on an SSE stream that sends a priming
    /// event with an id and `retry`, then closes before the response; the
    /// response waits for a GET with `Last-Event-ID`.
    SseRetry,
    /// 2026-07-28: every request's `_meta` envelope.
    RequestMetadata,
    /// 2026-07-28: `Mcp-Method` and `Mcp-Name` on every POST.
    StandardHeaders,
    /// 2026-07-28: the tool's `a` parameter is annotated `x-mcp-header`.
    CustomHeaders,
    /// 2026-07-28: the tool call is answered `input_required` with a
    /// `requestState` (and an elicitation, when the client declares it).
    RequestState,
    /// The MCP endpoint wants a token: the challenge names the resource
    /// metadata (at a path no well-known rule gives), the authorization
    /// server is at the origin's RFC 8414 metadata and registers clients.
    AuthMetadataDefault,
    /// The challenge names no resource metadata: it is only at the
    /// well-known URI with the endpoint's path inserted.
    AuthMetadataWellKnown,
    /// The resource metadata is only at the root well-known URI; the
    /// authorization server's issuer has a path, and its metadata is only at
    /// the OpenID Connect discovery URI (path inserted).
    AuthMetadataOidc,
    /// The challenge carries `scope`.
    AuthScopeFromChallenge,
    /// No challenged scope; the resource metadata lists `scopes_supported`.
    AuthScopeFromSupported,
    /// No scope anywhere.
    AuthScopeOmitted,
    /// The tool call is answered 403 `insufficient_scope` until the token
    /// carries the scope the challenge names.
    AuthStepUp,
    /// The authorization server takes `client_secret_basic` only.
    AuthTokenBasic,
    /// The authorization server takes `client_secret_post` only.
    AuthTokenPost,
    /// The authorization server takes `none` only (a public client).
    AuthTokenNone,
    /// No registration endpoint; the client's credentials are in
    /// `MCP_CONFORMANCE_CONTEXT`.
    AuthPreRegistration,
    /// The resource metadata names another resource than the endpoint.
    AuthResourceMismatch,
    /// 2026-07-28: the authorization response's `iss` is not the issuer
    /// (whose metadata says it sends `iss`).
    AuthIssWrong,
    /// 2026-07-28: the issuer's metadata says it sends `iss`; the response has none.
    AuthIssMissing,
    /// 2026-07-28: the metadata says nothing of `iss`; the response has a wrong one.
    AuthIssUnexpected,
    /// 2026-07-28: the authorization server's metadata names another issuer.
    AuthIssuerMismatch,
    /// The tool call is answered 403 `insufficient_scope` whatever the token.
    AuthScopeRetryLimit,
    /// The authorization server takes Client ID Metadata Documents.
    AuthCimd,
    /// 2026-07-28: the tool's schema has a `$ref` to a network URI.
    SchemaRefNoDeref,
    /// 2026-07-28: the first tool listed has an invalid `x-mcp-header`.
    InvalidToolHeaders,
    /// The challenge names resource metadata at a custom path; the issuer has a path and its metadata is only at the
    /// OpenID Connect URI with the path appended.
    AuthMetadataAppended,
    /// 2026-07-28: the issuer advertises `iss` and sends the right one.
    AuthIssSupported,
    /// 2026-07-28: the issuer neither advertises nor sends `iss`.
    AuthIssNotAdvertised,
    /// 2026-07-28: the issuer advertises `iss` and sends its issuer with a
    /// trailing slash: equal after RFC 3986 normalization, not as strings.
    AuthIssNormalized,
    /// 2026-07-28: the authorization server lists `offline_access` in its
    /// `scopes_supported` (the resource metadata does not).
    AuthOfflineAccess,
    /// 2026-07-28: the authorization server lists scopes, not `offline_access`.
    AuthOfflineNotSupported,
    /// 2026-07-28: once the tools are listed, the resource metadata names a
    /// second authorization server and the first one's tokens are refused.
    AuthServerMigration,
    /// Once the tools are listed, the first access token is refused as
    /// expired (`invalid_token`); the token response carried a refresh token.
    AuthTokenRefresh,
    /// 2025-11-25: the tool call's stream carries an `elicitation/create`
    /// whose fields are all optional with defaults (SEP-1034), when the
    /// client declares elicitation.
    ElicitationDefaults,
}

/// Where the authorization server's metadata is served.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AsMetadataAt {
    /// RFC 8414, the issuer's path inserted after the well-known prefix.
    #[default]
    OAuthInserted,
    /// OpenID Connect discovery, the path inserted.
    OidcInserted,
    /// OpenID Connect discovery, the well-known suffix appended to the issuer.
    OidcAppended,
}

/// The `iss` the authorization response carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Iss {
    #[default]
    Issuer,
    Wrong,
    Missing,
    /// The issuer with a trailing slash.
    Normalized,
}

/// How a scenario's authorization works; see [`Scenario::auth`].
#[derive(Debug, Clone, Default)]
pub struct AuthScript {
    /// Whether the challenge names the resource metadata URL.
    pub challenge_metadata: bool,
    pub challenge_scope: Option<&'static str>,
    pub scopes_supported: Option<&'static [&'static str]>,
    /// Serve the resource metadata at the path-inserted well-known URI too
    /// (besides the challenge's own URL, when it names one).
    pub well_known_prm: bool,
    /// Serve the resource metadata at the root well-known URI (no path).
    pub root_prm: bool,
    /// The `resource` the metadata names, when not the endpoint.
    pub other_resource: bool,
    /// The issuer's path (`""` for the origin).
    pub issuer_path: &'static str,
    /// Where the issuer's metadata is.
    pub as_metadata: AsMetadataAt,
    /// The authorization server metadata's `scopes_supported`.
    pub as_scopes: Option<&'static [&'static str]>,
    /// Once a tools/list is served, the resource metadata names a second
    /// authorization server (at `/as2`) and only its tokens are taken.
    pub migrate: bool,
    /// Once a tools/list is served, the first token is refused as expired.
    pub expire_first_token: bool,
    pub registration: bool,
    pub auth_methods: &'static [&'static str],
    /// The `iss` sent with the code.
    pub iss: Iss,
    /// Advertise `authorization_response_iss_parameter_supported`.
    pub advertise_iss: bool,
    /// The metadata's `issuer` is not the issuer it was fetched for.
    pub issuer_mismatch: bool,
    /// The scope the tool call needs beyond the first token's.
    pub step_up_scope: Option<&'static str>,
    /// The tool call is refused for scope whatever the token carries.
    pub step_up_never: bool,
    /// Advertise `client_id_metadata_document_supported`.
    pub cimd: bool,
}

/// The credentials the pre-registration scenario hands the client.
pub const PRE_REGISTERED_ID: &str = "mcpcheck-pre-registered";
pub const PRE_REGISTERED_SECRET: &str = "mcpcheck-pre-registered-secret";

impl Scenario {
    pub const ALL: [Scenario; 37] = [
        Scenario::Initialize,
        Scenario::ToolsCall,
        Scenario::SessionExpiry,
        Scenario::SseRetry,
        Scenario::RequestMetadata,
        Scenario::StandardHeaders,
        Scenario::CustomHeaders,
        Scenario::RequestState,
        Scenario::AuthMetadataDefault,
        Scenario::AuthMetadataWellKnown,
        Scenario::AuthMetadataOidc,
        Scenario::AuthScopeFromChallenge,
        Scenario::AuthScopeFromSupported,
        Scenario::AuthScopeOmitted,
        Scenario::AuthStepUp,
        Scenario::AuthTokenBasic,
        Scenario::AuthTokenPost,
        Scenario::AuthTokenNone,
        Scenario::AuthPreRegistration,
        Scenario::AuthResourceMismatch,
        Scenario::AuthIssWrong,
        Scenario::AuthIssMissing,
        Scenario::AuthIssUnexpected,
        Scenario::AuthIssuerMismatch,
        Scenario::AuthScopeRetryLimit,
        Scenario::AuthCimd,
        Scenario::SchemaRefNoDeref,
        Scenario::InvalidToolHeaders,
        Scenario::AuthMetadataAppended,
        Scenario::AuthIssSupported,
        Scenario::AuthIssNotAdvertised,
        Scenario::AuthIssNormalized,
        Scenario::AuthOfflineAccess,
        Scenario::AuthOfflineNotSupported,
        Scenario::AuthServerMigration,
        Scenario::AuthTokenRefresh,
        Scenario::ElicitationDefaults,
    ];

    /// The name passed in `MCP_CONFORMANCE_SCENARIO`.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Initialize => "initialize",
            Scenario::ToolsCall => "tools_call",
            Scenario::SessionExpiry => "session-expiry",
            Scenario::SseRetry => "sse-retry",
            Scenario::RequestMetadata => "request-metadata",
            Scenario::StandardHeaders => "http-standard-headers",
            Scenario::CustomHeaders => "http-custom-headers",
            Scenario::RequestState => "sep-2322-client-request-state",
            Scenario::AuthMetadataDefault => "auth/metadata-default",
            Scenario::AuthMetadataWellKnown => "auth/metadata-var1",
            Scenario::AuthMetadataOidc => "auth/metadata-var2",
            Scenario::AuthScopeFromChallenge => "auth/scope-from-www-authenticate",
            Scenario::AuthScopeFromSupported => "auth/scope-from-scopes-supported",
            Scenario::AuthScopeOmitted => "auth/scope-omitted-when-undefined",
            Scenario::AuthStepUp => "auth/scope-step-up",
            Scenario::AuthTokenBasic => "auth/token-endpoint-auth-basic",
            Scenario::AuthTokenPost => "auth/token-endpoint-auth-post",
            Scenario::AuthTokenNone => "auth/token-endpoint-auth-none",
            Scenario::AuthPreRegistration => "auth/pre-registration",
            Scenario::AuthResourceMismatch => "auth/resource-mismatch",
            Scenario::AuthIssWrong => "auth/iss-wrong-issuer",
            Scenario::AuthIssMissing => "auth/iss-supported-missing",
            Scenario::AuthIssUnexpected => "auth/iss-unexpected",
            Scenario::AuthIssuerMismatch => "auth/metadata-issuer-mismatch",
            Scenario::AuthScopeRetryLimit => "auth/scope-retry-limit",
            Scenario::AuthCimd => "auth/basic-cimd",
            Scenario::SchemaRefNoDeref => "json-schema-ref-no-deref",
            Scenario::InvalidToolHeaders => "http-invalid-tool-headers",
            Scenario::AuthMetadataAppended => "auth/metadata-var3",
            Scenario::AuthIssSupported => "auth/iss-supported",
            Scenario::AuthIssNotAdvertised => "auth/iss-not-advertised",
            Scenario::AuthIssNormalized => "auth/iss-normalized",
            Scenario::AuthOfflineAccess => "auth/offline-access-scope",
            Scenario::AuthOfflineNotSupported => "auth/offline-access-not-supported",
            Scenario::AuthServerMigration => "auth/authorization-server-migration",
            Scenario::AuthTokenRefresh => "auth/token-refresh",
            Scenario::ElicitationDefaults => "elicitation-sep1034-client-defaults",
        }
    }

    pub fn from_name(name: &str) -> Option<Scenario> {
        Scenario::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The revisions it runs on.
    pub fn revisions(self) -> Revisions {
        match self {
            Scenario::Initialize | Scenario::SessionExpiry => Revisions::HANDSHAKE,
            Scenario::ToolsCall => Revisions::ALL,
            // Priming events and `retry` came with 2025-11-25.
            Scenario::SseRetry => Revisions::between(SpecVersion::V2025_11_25, SpecVersion::V2025_11_25),
            // Defaults in requested schemas came with 2025-11-25; 2026-07-28
            // asks for input with multi round-trip results instead.
            Scenario::ElicitationDefaults => {
                Revisions::between(SpecVersion::V2025_11_25, SpecVersion::V2025_11_25)
            }
            Scenario::RequestMetadata
            | Scenario::StandardHeaders
            | Scenario::CustomHeaders
            | Scenario::RequestState
            | Scenario::AuthIssWrong
            | Scenario::AuthIssMissing
            | Scenario::AuthIssUnexpected
            | Scenario::AuthIssuerMismatch
            | Scenario::AuthIssSupported
            | Scenario::AuthIssNotAdvertised
            | Scenario::AuthIssNormalized
            | Scenario::AuthOfflineAccess
            | Scenario::AuthOfflineNotSupported
            | Scenario::AuthServerMigration
            | Scenario::SchemaRefNoDeref
            | Scenario::InvalidToolHeaders => Revisions::since(SpecVersion::V2026_07_28),
            // Step-up, its retry limit and Client ID Metadata Documents came
            // with 2025-11-25.
            Scenario::AuthScopeRetryLimit | Scenario::AuthCimd => Revisions::since(SpecVersion::V2025_11_25),
            // Protected resource metadata (RFC 9728) came with 2025-06-18;
            // OpenID Connect discovery with 2025-11-25.
            Scenario::AuthMetadataOidc | Scenario::AuthMetadataAppended => {
                Revisions::since(SpecVersion::V2025_11_25)
            }
            _ => Revisions::since(SpecVersion::V2025_06_18),
        }
    }

    /// What the scripted server does, in a sentence (for `--help`-like
    /// listings and the report).
    pub fn describe(self) -> &'static str {
        match self {
            Scenario::Initialize => "answers the handshake, the listing and the call plainly",
            Scenario::ToolsCall => "offers add_numbers and answers its call",
            Scenario::SessionExpiry => {
                "answers the first session's first tool call with 404 (session expired)"
            }
            Scenario::SseRetry => {
                "answers the call on an SSE stream that sends a priming event (id, retry: 500) and closes; the response comes on a GET with Last-Event-ID"
            }
            Scenario::RequestMetadata => {
                "records every request's _meta envelope, and refuses the first request once with UnsupportedProtocolVersionError listing its version"
            }
            Scenario::StandardHeaders => {
                "records Mcp-Method, Mcp-Name and MCP-Protocol-Version on every POST"
            }
            Scenario::CustomHeaders => "annotates add_numbers' `a` with x-mcp-header: First",
            Scenario::RequestState => {
                "answers the first call input_required with a requestState (and an elicitation if the client declares the capability)"
            }
            Scenario::AuthMetadataDefault => {
                "wants a token: the 401 challenge names the resource metadata; the authorization server registers clients"
            }
            Scenario::AuthMetadataWellKnown => {
                "wants a token; its resource metadata is only at the well-known URI"
            }
            Scenario::AuthMetadataOidc => {
                "wants a token; its resource metadata is only at the root well-known URI, the authorization server's only at the OpenID Connect discovery URI"
            }
            Scenario::AuthScopeFromChallenge => "wants a token; the challenge names the scope",
            Scenario::AuthScopeFromSupported => "wants a token; only scopes_supported names scopes",
            Scenario::AuthScopeOmitted => "wants a token; no scope is named anywhere",
            Scenario::AuthStepUp => {
                "answers the tool call 403 insufficient_scope until the token has mcp:write"
            }
            Scenario::AuthTokenBasic => "takes client_secret_basic only at its token endpoint",
            Scenario::AuthTokenPost => "takes client_secret_post only at its token endpoint",
            Scenario::AuthTokenNone => "takes public clients (none) only at its token endpoint",
            Scenario::AuthPreRegistration => {
                "registers no clients; MCP_CONFORMANCE_CONTEXT holds the client's id and secret"
            }
            Scenario::AuthResourceMismatch => "names another resource than itself in its resource metadata",
            Scenario::AuthIssWrong => "sends the code with an iss that is not its issuer",
            Scenario::AuthIssMissing => "advertises iss in authorization responses but sends none",
            Scenario::AuthIssUnexpected => "does not advertise iss but sends a wrong one",
            Scenario::AuthIssuerMismatch => "serves authorization server metadata whose issuer is another",
            Scenario::AuthScopeRetryLimit => {
                "answers the tool call 403 insufficient_scope whatever the token"
            }
            Scenario::AuthCimd => {
                "takes Client ID Metadata Documents (client_id_metadata_document_supported)"
            }
            Scenario::SchemaRefNoDeref => "lists a tool whose inputSchema has a $ref to a network URI",
            Scenario::InvalidToolHeaders => {
                "lists first a tool whose x-mcp-header annotates a number (invalid)"
            }
            Scenario::AuthMetadataAppended => {
                "wants a token; the challenge names resource metadata at a custom path, and the issuer's metadata is only at {issuer}/.well-known/openid-configuration"
            }
            Scenario::AuthIssSupported => "advertises iss in authorization responses and sends the right one",
            Scenario::AuthIssNotAdvertised => "neither advertises nor sends iss",
            Scenario::AuthIssNormalized => {
                "advertises iss and sends its issuer with a trailing slash (equal only after normalization)"
            }
            Scenario::AuthOfflineAccess => {
                "lists offline_access in the authorization server's scopes_supported"
            }
            Scenario::AuthOfflineNotSupported => {
                "lists scopes in the authorization server's metadata, offline_access not among them"
            }
            Scenario::AuthServerMigration => {
                "moves to a second authorization server once the tools are listed, refusing the first one's tokens"
            }
            Scenario::AuthTokenRefresh => {
                "refuses the first access token as expired once the tools are listed; the token response had a refresh token"
            }
            Scenario::ElicitationDefaults => {
                "asks, on the tool call's stream, for a form whose fields are all optional with defaults"
            }
        }
    }

    /// How its authorization works, for the scenarios that need a token.
    pub fn auth(self) -> Option<AuthScript> {
        // The metadata is at the challenge's URL and at the well-known one,
        // so a client that ignores the challenge still gets through (and
        // the check that it used the challenge's URL first says so).
        let base = AuthScript {
            challenge_metadata: true,
            well_known_prm: true,
            registration: true,
            auth_methods: &["client_secret_basic", "client_secret_post", "none"],
            ..AuthScript::default()
        };
        let s = match self {
            Scenario::AuthMetadataDefault | Scenario::AuthScopeOmitted => base,
            Scenario::AuthMetadataWellKnown => {
                AuthScript { challenge_metadata: false, well_known_prm: true, ..base }
            }
            // Resource metadata only at the root well-known URI, so the
            // client must take both fall-backs.
            Scenario::AuthMetadataOidc => AuthScript {
                challenge_metadata: false,
                well_known_prm: false,
                root_prm: true,
                issuer_path: "/tenant1",
                as_metadata: AsMetadataAt::OidcInserted,
                ..base
            },
            Scenario::AuthMetadataAppended => {
                AuthScript { issuer_path: "/tenant1", as_metadata: AsMetadataAt::OidcAppended, ..base }
            }
            Scenario::AuthIssSupported => AuthScript { advertise_iss: true, ..base },
            Scenario::AuthIssNotAdvertised => AuthScript { iss: Iss::Missing, ..base },
            Scenario::AuthIssNormalized => AuthScript { iss: Iss::Normalized, advertise_iss: true, ..base },
            Scenario::AuthOfflineAccess => AuthScript {
                scopes_supported: Some(&["mcp:basic"]),
                as_scopes: Some(&["mcp:basic", "offline_access"]),
                ..base
            },
            Scenario::AuthOfflineNotSupported => AuthScript {
                scopes_supported: Some(&["mcp:basic", "mcp:read"]),
                as_scopes: Some(&["mcp:basic", "mcp:read"]),
                ..base
            },
            Scenario::AuthServerMigration => AuthScript { migrate: true, ..base },
            Scenario::AuthTokenRefresh => AuthScript { expire_first_token: true, ..base },
            Scenario::AuthScopeFromChallenge => AuthScript {
                challenge_scope: Some("mcp:tools"),
                scopes_supported: Some(&["mcp:tools", "mcp:admin"]),
                ..base
            },
            Scenario::AuthScopeFromSupported => {
                AuthScript { scopes_supported: Some(&["mcp:read", "mcp:write"]), ..base }
            }
            Scenario::AuthStepUp => AuthScript {
                challenge_scope: Some("mcp:read"),
                step_up_scope: Some("mcp:read mcp:write"),
                ..base
            },
            Scenario::AuthTokenBasic => AuthScript { auth_methods: &["client_secret_basic"], ..base },
            Scenario::AuthTokenPost => AuthScript { auth_methods: &["client_secret_post"], ..base },
            Scenario::AuthTokenNone => AuthScript { auth_methods: &["none"], ..base },
            Scenario::AuthPreRegistration => AuthScript {
                registration: false,
                auth_methods: &["client_secret_basic", "client_secret_post"],
                ..base
            },
            Scenario::AuthResourceMismatch => AuthScript { other_resource: true, ..base },
            Scenario::AuthIssWrong => AuthScript { iss: Iss::Wrong, advertise_iss: true, ..base },
            Scenario::AuthIssMissing => AuthScript { iss: Iss::Missing, advertise_iss: true, ..base },
            Scenario::AuthIssUnexpected => AuthScript { iss: Iss::Wrong, ..base },
            Scenario::AuthIssuerMismatch => AuthScript { issuer_mismatch: true, ..base },
            Scenario::AuthScopeRetryLimit => AuthScript {
                challenge_scope: Some("mcp:read"),
                step_up_scope: Some("mcp:admin"),
                step_up_never: true,
                ..base
            },
            Scenario::AuthCimd => AuthScript { cimd: true, ..base },
            _ => return None,
        };
        Some(s)
    }

    /// Whether a correct client stops in this scenario (the server gives it
    /// something it must not use), so exiting with an error completes it.
    pub fn expects_refusal(self) -> bool {
        matches!(
            self,
            Scenario::AuthResourceMismatch
                | Scenario::AuthIssWrong
                | Scenario::AuthIssMissing
                | Scenario::AuthIssUnexpected
                | Scenario::AuthIssuerMismatch
                | Scenario::AuthIssNormalized
                | Scenario::AuthScopeRetryLimit
        )
    }

    /// `MCP_CONFORMANCE_CONTEXT`, for the scenarios that hand the client
    /// something (the official suite's JSON shape).
    pub fn context(self) -> Option<String> {
        match self {
            Scenario::AuthPreRegistration => Some(
                serde_json::json!({"name": self.name(), "client_id": PRE_REGISTERED_ID,
                    "client_secret": PRE_REGISTERED_SECRET})
                .to_string(),
            ),
            _ => None,
        }
    }

    /// Every scenario that runs on `version`, in catalogue order.
    pub fn on(version: SpecVersion) -> Vec<Scenario> {
        Scenario::ALL.into_iter().filter(|s| s.revisions().contains(version)).collect()
    }
}

impl std::fmt::Display for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_every_revision_has_a_scenario() {
        for s in Scenario::ALL {
            assert_eq!(Scenario::from_name(s.name()), Some(s));
        }
        for v in SpecVersion::ALL {
            assert!(!Scenario::on(v).is_empty(), "{v}");
        }
    }
}
