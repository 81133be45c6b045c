//! The reference client's deliberate faults: each breaks one client rule,
//! and names the `client/...` checks it makes fail. The client fault
//! matrix (tests/client_fault_matrix.rs) runs every one and holds that it
//! fails exactly those.
//!
//! A faulty client still carries on to the end of its scenario where it can,
//! so a fault shows in its own checks rather than as a client that stopped.

/// One fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientFault {
    ListBeforeInitialize,
    NoClientInfo,
    UnknownVersion,
    NoInitialized,
    AcceptJsonOnly,
    BatchInitialized,
    DropSessionId,
    NoVersionHeader,
    Ignore404,
    NoDelete,
    ReconnectAtOnce,
    NoLastEventId,
    NoMethodHeader,
    NoNameHeader,
    MismatchedVersionHeader,
    NoParamHeaders,
    NoMetaCapabilities,
    AlteredRequestState,
    ReuseRequestId,
    NoInputResponses,
    IgnoreResourceMetadata,
    NoPrmFallback,
    NoOidcFallback,
    NoPkce,
    NoResource,
    NoBearerAfterFirst,
    TokenInQuery,
    ScopeFromNowhere,
    Ignore403,
    TokenAuthMismatch,
    RegisterAlways,
    IgnoreResourceMismatch,
    IgnoreIss,
    IgnoreIssuerMismatch,
    NoCimd,
    NoRetryLimit,
    DerefSchemas,
    KeepInvalidTools,
    NoOidcAppending,
    IssAgainstMetadataUrl,
    RequireIss,
    NormalizeIss,
    NoRefreshGrant,
    OfflineAccessUnlisted,
    RefreshWithoutResource,
    ReuseClientAcrossServers,
    NoElicitationDefaults,
    NoRootPrm,
    NoVersionRetry,
}

/// A fault's name, what it does, and the checks it breaks.
pub struct FaultSpec {
    pub fault: ClientFault,
    pub name: &'static str,
    pub does: &'static str,
    /// Checks that must not pass (fail, warn or error) on some revision
    /// with this fault on; every other check must still pass or skip.
    pub breaks: &'static [&'static str],
}

pub const CATALOGUE: &[FaultSpec] = &[
    FaultSpec {
        fault: ClientFault::ListBeforeInitialize,
        name: "list-before-initialize",
        does: "sends tools/list before initialize",
        breaks: &["client/lifecycle/initialize-first"],
    },
    FaultSpec {
        fault: ClientFault::NoClientInfo,
        name: "no-client-info",
        does: "leaves clientInfo out of initialize and of _meta",
        breaks: &["client/lifecycle/initialize-params", "client/meta/client-info"],
    },
    FaultSpec {
        fault: ClientFault::UnknownVersion,
        name: "unknown-version",
        does: "asks initialize for protocol version 2099-01-01",
        breaks: &["client/lifecycle/known-version"],
    },
    FaultSpec {
        fault: ClientFault::NoInitialized,
        name: "no-initialized",
        does: "never sends notifications/initialized",
        breaks: &["client/lifecycle/initialized-sent"],
    },
    FaultSpec {
        fault: ClientFault::AcceptJsonOnly,
        name: "accept-json-only",
        does: "sends Accept: application/json only",
        breaks: &["client/http-transport/post-accept"],
    },
    FaultSpec {
        fault: ClientFault::BatchInitialized,
        name: "batch-initialized",
        does: "sends notifications/initialized inside a JSON-RPC batch",
        breaks: &["client/http-transport/single-message"],
    },
    FaultSpec {
        fault: ClientFault::DropSessionId,
        name: "drop-session-id",
        does: "never sends the session id back",
        breaks: &[
            "client/http-transport/session-id-echoed",
            "client/lifecycle/initialized-sent",
            "client/http-transport/delete-session",
            "client/http-transport/new-session-after-404",
            "client/http-transport/sse-retry-respected",
            "client/http-transport/sse-resumed",
            // Without the session the tool call never gets to its 403, nor
            // to the elicitation asked on its stream.
            "client/auth/step-up",
            "client/auth-server/step-up-bounded",
            "client/elicitation/defaults-applied",
        ],
    },
    FaultSpec {
        fault: ClientFault::NoVersionHeader,
        name: "no-version-header",
        does: "sends no MCP-Protocol-Version header",
        // The retry after -32022 lacks the version in its header too.
        breaks: &[
            "client/http-transport/protocol-version-header",
            "client/http-headers/version-matches-meta",
            "client/meta/version-retry",
        ],
    },
    FaultSpec {
        fault: ClientFault::Ignore404,
        name: "ignore-404",
        does: "carries on in the old session after a 404",
        breaks: &["client/http-transport/new-session-after-404"],
    },
    FaultSpec {
        fault: ClientFault::NoDelete,
        name: "no-delete",
        does: "leaves without DELETE",
        breaks: &["client/http-transport/delete-session"],
    },
    FaultSpec {
        fault: ClientFault::ReconnectAtOnce,
        name: "reconnect-at-once",
        does: "reconnects to a closed stream without waiting for retry",
        breaks: &["client/http-transport/sse-retry-respected"],
    },
    FaultSpec {
        fault: ClientFault::NoLastEventId,
        name: "no-last-event-id",
        does: "reconnects to a closed stream without Last-Event-ID",
        breaks: &["client/http-transport/sse-resumed"],
    },
    FaultSpec {
        fault: ClientFault::NoMethodHeader,
        name: "no-method-header",
        does: "sends no Mcp-Method header (2026-07-28)",
        breaks: &["client/http-headers/method"],
    },
    FaultSpec {
        fault: ClientFault::NoNameHeader,
        name: "no-name-header",
        does: "sends no Mcp-Name header (2026-07-28)",
        breaks: &["client/http-headers/name"],
    },
    FaultSpec {
        fault: ClientFault::MismatchedVersionHeader,
        name: "mismatched-version-header",
        does: "sends MCP-Protocol-Version 2025-11-25 on 2026-07-28 requests",
        breaks: &["client/http-headers/version-matches-meta", "client/meta/version-retry"],
    },
    FaultSpec {
        fault: ClientFault::NoParamHeaders,
        name: "no-param-headers",
        does: "ignores x-mcp-header annotations (2026-07-28)",
        breaks: &["client/http-headers/param"],
    },
    FaultSpec {
        fault: ClientFault::NoMetaCapabilities,
        name: "no-meta-capabilities",
        does: "leaves clientCapabilities out of _meta (2026-07-28)",
        breaks: &["client/meta/required-fields"],
    },
    FaultSpec {
        fault: ClientFault::AlteredRequestState,
        name: "altered-request-state",
        does: "retries an input_required request with a changed requestState",
        breaks: &["client/mrtr/request-state-echoed"],
    },
    FaultSpec {
        fault: ClientFault::ReuseRequestId,
        name: "reuse-request-id",
        does: "retries an input_required request with the first request's id",
        breaks: &["client/mrtr/retry-new-id"],
    },
    FaultSpec {
        fault: ClientFault::NoInputResponses,
        name: "no-input-responses",
        does: "retries an input_required request without inputResponses",
        breaks: &["client/mrtr/input-responses"],
    },
    FaultSpec {
        fault: ClientFault::IgnoreResourceMetadata,
        name: "ignore-resource-metadata",
        does: "ignores the challenge's resource_metadata and tries only the well-known URIs",
        breaks: &["client/auth/prm-from-challenge"],
    },
    FaultSpec {
        fault: ClientFault::NoPrmFallback,
        name: "no-prm-fallback",
        does: "tries no well-known URI when the challenge names no resource metadata",
        breaks: &[
            "client/auth/prm-well-known",
            "client/auth/prm-root-fallback",
            "client/auth/as-metadata-fallback",
        ],
    },
    FaultSpec {
        fault: ClientFault::NoOidcFallback,
        name: "no-oidc-fallback",
        does: "looks for authorization server metadata at the RFC 8414 URI only",
        breaks: &["client/auth/as-metadata-fallback", "client/auth-server/as-metadata-oidc-appended"],
    },
    FaultSpec {
        fault: ClientFault::NoPkce,
        name: "no-pkce",
        does: "sends no code_challenge and no code_verifier",
        breaks: &["client/auth/pkce-s256"],
    },
    FaultSpec {
        fault: ClientFault::NoResource,
        name: "no-resource",
        does: "sends no resource parameter (RFC 8707)",
        breaks: &["client/auth/resource-parameter", "client/auth-refresh/resource-on-refresh"],
    },
    FaultSpec {
        fault: ClientFault::NoBearerAfterFirst,
        name: "no-bearer-after-first",
        does: "sends the token on the first request after authorizing only",
        // The stepped-up token is never sent either, and the tools are
        // never listed, so the migration scenario never migrates.
        breaks: &[
            "client/auth/bearer-every-request",
            "client/auth/step-up",
            "client/auth-server/step-up-bounded",
            "client/auth-registration/reregister-on-as-change",
            "client/auth-registration/no-credential-reuse",
        ],
    },
    FaultSpec {
        fault: ClientFault::TokenInQuery,
        name: "token-in-query",
        does: "also puts the access token in the query string",
        breaks: &["client/auth/no-token-in-query"],
    },
    FaultSpec {
        fault: ClientFault::ScopeFromNowhere,
        name: "scope-from-nowhere",
        does: "asks for scope mcp:everything, named by nobody",
        breaks: &[
            "client/auth/scope-from-challenge",
            "client/auth/scope-from-supported",
            "client/auth/scope-omitted",
        ],
    },
    FaultSpec {
        fault: ClientFault::Ignore403,
        name: "ignore-403",
        does: "gives up on 403 insufficient_scope instead of stepping up",
        breaks: &["client/auth/step-up"],
    },
    FaultSpec {
        fault: ClientFault::TokenAuthMismatch,
        name: "token-auth-mismatch",
        does: "authenticates at the token endpoint another way than registered (basic for post and none, post for basic)",
        breaks: &[
            "client/auth/token-auth-basic",
            "client/auth/token-auth-post",
            "client/auth/token-auth-none",
        ],
    },
    FaultSpec {
        fault: ClientFault::RegisterAlways,
        name: "register-always",
        does: "ignores handed credentials and registers itself",
        breaks: &["client/auth/pre-registration"],
    },
    FaultSpec {
        fault: ClientFault::IgnoreResourceMismatch,
        name: "ignore-resource-mismatch",
        does: "uses resource metadata that names another resource",
        breaks: &["client/auth/resource-mismatch"],
    },
    FaultSpec {
        fault: ClientFault::IgnoreIss,
        name: "ignore-iss",
        does: "redeems a code whose iss is not the issuer",
        breaks: &[
            "client/auth-server/iss-wrong-refused",
            "client/auth-server/iss-missing-refused",
            "client/auth-server/iss-unexpected-refused",
            "client/auth-server/iss-not-normalized",
        ],
    },
    FaultSpec {
        fault: ClientFault::IgnoreIssuerMismatch,
        name: "ignore-issuer-mismatch",
        does: "uses authorization server metadata whose issuer is another",
        breaks: &["client/auth-server/issuer-mismatch-refused"],
    },
    FaultSpec {
        fault: ClientFault::NoCimd,
        name: "no-cimd",
        does: "registers itself even where Client ID Metadata Documents are taken",
        breaks: &["client/auth-server/cimd-client-id"],
    },
    FaultSpec {
        fault: ClientFault::NoRetryLimit,
        name: "no-retry-limit",
        does: "keeps stepping up (ten times) while the server refuses for scope",
        breaks: &["client/auth-server/step-up-bounded"],
    },
    FaultSpec {
        fault: ClientFault::DerefSchemas,
        name: "deref-schemas",
        does: "fetches every network $ref in the tools' schemas",
        breaks: &["client/schema/ref-not-dereferenced"],
    },
    FaultSpec {
        fault: ClientFault::KeepInvalidTools,
        name: "keep-invalid-tools",
        does: "keeps tools whose x-mcp-header annotations break the rules",
        breaks: &["client/http-headers/invalid-tool-excluded"],
    },
    FaultSpec {
        fault: ClientFault::NoOidcAppending,
        name: "no-oidc-appending",
        does: "never tries the issuer with /.well-known/openid-configuration appended",
        breaks: &["client/auth-server/as-metadata-oidc-appended"],
    },
    FaultSpec {
        fault: ClientFault::IssAgainstMetadataUrl,
        name: "iss-against-metadata-url",
        does: "compares an advertised iss with the metadata URL instead of the issuer",
        breaks: &["client/auth-server/iss-match-accepted"],
    },
    FaultSpec {
        fault: ClientFault::RequireIss,
        name: "require-iss",
        does: "refuses an authorization response without iss even where the issuer does not advertise it",
        breaks: &["client/auth-server/iss-absent-accepted"],
    },
    FaultSpec {
        fault: ClientFault::NormalizeIss,
        name: "normalize-iss",
        does: "compares iss after dropping a trailing slash and folding case",
        breaks: &["client/auth-server/iss-not-normalized"],
    },
    FaultSpec {
        fault: ClientFault::NoRefreshGrant,
        name: "no-refresh-grant",
        does: "registers for the authorization_code grant only",
        breaks: &["client/auth-refresh/grant-type-registered"],
    },
    FaultSpec {
        fault: ClientFault::OfflineAccessUnlisted,
        name: "offline-access-unlisted",
        does: "asks for offline_access whenever the authorization server lists any scopes",
        breaks: &["client/auth-refresh/offline-access-when-listed"],
    },
    FaultSpec {
        fault: ClientFault::RefreshWithoutResource,
        name: "refresh-without-resource",
        does: "leaves resource out of refresh requests",
        breaks: &["client/auth-refresh/resource-on-refresh"],
    },
    FaultSpec {
        fault: ClientFault::ReuseClientAcrossServers,
        name: "reuse-client-across-servers",
        does: "keeps the first authorization server's registration when the resource metadata names another",
        breaks: &[
            "client/auth-registration/reregister-on-as-change",
            "client/auth-registration/no-credential-reuse",
        ],
    },
    FaultSpec {
        fault: ClientFault::NoElicitationDefaults,
        name: "no-elicitation-defaults",
        does: "accepts a server's elicitation with empty content, leaving out the schema's defaults",
        breaks: &["client/elicitation/defaults-applied"],
    },
    FaultSpec {
        fault: ClientFault::NoRootPrm,
        name: "no-root-prm",
        does: "never tries the root well-known resource metadata URI",
        // Without the resource metadata it never reaches the issuer's.
        breaks: &["client/auth/prm-root-fallback", "client/auth/as-metadata-fallback"],
    },
    FaultSpec {
        fault: ClientFault::NoVersionRetry,
        name: "no-version-retry",
        does: "gives up on UnsupportedProtocolVersionError instead of retrying with a listed version",
        breaks: &["client/meta/version-retry"],
    },
];

impl ClientFault {
    pub fn spec(self) -> &'static FaultSpec {
        CATALOGUE.iter().find(|s| s.fault == self).unwrap_or(&CATALOGUE[0])
    }
    pub fn name(self) -> &'static str {
        self.spec().name
    }
    pub fn parse(name: &str) -> Result<ClientFault, String> {
        CATALOGUE.iter().find(|s| s.name == name).map(|s| s.fault).ok_or_else(|| {
            format!(
                "unknown client fault {name:?}; known: {}",
                CATALOGUE.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_is_catalogued_once_and_breaks_known_checks() {
        let ids: Vec<&str> = crate::client::all().iter().map(|c| c.id).collect();
        let mut names = std::collections::HashSet::new();
        for s in CATALOGUE {
            assert!(names.insert(s.name), "{} twice", s.name);
            assert_eq!(s.fault.spec().name, s.name);
            assert!(!s.breaks.is_empty(), "{} breaks nothing", s.name);
            for b in s.breaks {
                assert!(ids.contains(b), "{} breaks unknown check {b}", s.name);
            }
        }
        for id in ids {
            assert!(CATALOGUE.iter().any(|s| s.breaks.contains(&id)), "no fault breaks {id}");
        }
    }
}
