//! The fault catalogue itself: every deliberate violation, the name it has
//! on the command line, the server that commits it and the checks it must make
//! fail, grouped by where it came from. The types are in [`super`].

use super::{Fault, FaultSpec, as_fault, auth, spec};

/// The handshake revisions, for faults that can only show on 2026-07-28.
const HANDSHAKE: &[&str] = &["2025-03-26", "2025-06-18", "2025-11-25"];

/// Every fault, in the order mcpcheck documents them.
pub const CATALOGUE: &[FaultSpec] = &[
    spec(
        Fault::InitNoServerInfo,
        "init-no-server-info",
        &["lifecycle/initialize/result-shape", "schema/messages/valid"],
        "drops serverInfo from the initialize result",
    )
    // 2026-07-28 has no initialize.
    .not_on(&["2026-07-28"]),
    spec(
        Fault::InitVersionDowngrade,
        "init-version-downgrade",
        &["lifecycle/initialize/version-echoed"],
        "answers every initialize with protocolVersion 2025-03-26",
    )
    // On 2025-03-26 that answer is the right one.
    .not_on(&["2025-03-26"]),
    spec(
        Fault::InitEchoUnsupported,
        "init-echo-unsupported",
        &["lifecycle/initialize/unsupported-version"],
        "echoes the requested protocolVersion even when it is unsupported",
    ),
    spec(
        Fault::Notification200,
        "notification-200",
        &["lifecycle/initialized/accepted"],
        "answers JSON-RPC notifications with 200 and body {} instead of 202",
    ),
    spec(
        Fault::PingNonEmpty,
        "ping-non-empty",
        &["utilities/ping/empty-result"],
        "adds \"status\":\"ok\" to the ping result",
    ),
    spec(
        Fault::StringIdRewritten,
        "string-id-rewritten",
        &["base/jsonrpc/id-echoed", "http/session/concurrent-requests"],
        "answers requests with a string id under a different id (\"-x\" appended)",
    ),
    spec(
        Fault::MethodNotFoundCode,
        "method-not-found-code",
        &["base/jsonrpc/method-not-found"],
        "reports unknown methods with error code -32600 instead of -32601",
    ),
    spec(
        Fault::ParseError200,
        "parse-error-200",
        &["base/jsonrpc/parse-error"],
        "answers a body that is not JSON with 200 and an internal error (-32603)",
    ),
    spec(
        Fault::AcceptBatch,
        "accept-batch",
        &["base/jsonrpc/batch-rejected"],
        "processes a JSON array body element by element and returns an array of results",
    ),
    spec(
        Fault::SessionIdNotVisible,
        "session-id-not-visible",
        &["http/session/id-visible-ascii"],
        "puts a space into the Mcp-Session-Id sent to clients",
    ),
    spec(
        Fault::MissingSessionNot400,
        "missing-session-not-400",
        &["http/session/missing-is-400"],
        "answers a request without Mcp-Session-Id with 404 instead of 400",
    ),
    spec(
        Fault::UnknownSession400,
        "unknown-session-400",
        &["http/session/unknown-is-404"],
        "answers an unknown Mcp-Session-Id with 400 instead of 404",
    ),
    spec(
        Fault::DeleteIgnored,
        "delete-ignored",
        &["http/session/delete-terminates"],
        "answers DELETE with 200 but keeps the session alive",
    ),
    spec(
        Fault::VersionHeaderIgnored,
        "version-header-ignored",
        &["http/version-header/invalid-is-400", "http/version-header/unsupported-lists-versions"],
        "accepts an unsupported MCP-Protocol-Version header instead of answering 400",
    ),
    spec(
        Fault::ContentTypeTextPlain,
        "content-type-text-plain",
        &["http/response/content-type", "http/accept/both-listed-served", "http/session/concurrent-requests"],
        "labels POST responses Content-Type: text/plain",
    ),
    spec(
        Fault::DiscoverNoVersions,
        "discover-no-versions",
        &["discover/result/shape", "schema/messages/valid", "discover/versions/lists-handshake"],
        "drops supportedVersions from the server/discover result",
    )
    // server/discover is 2026-07-28's.
    .not_on(HANDSHAKE),
    spec(
        Fault::DiscoverOmitsHandshake,
        "discover-omits-handshake",
        &["discover/versions/lists-handshake"],
        "lists only 2026-07-28 in server/discover while initialize still negotiates 2025-03-26..2025-11-25",
    ),
    spec(
        Fault::DiscoverUnavailable,
        "discover-unavailable",
        &["discover/versions/lists-served", "discover/result/shape"],
        "answers server/discover with -32601 while serving every other 2026-07-28 request",
    ),
    // Transport and base-protocol faults of the full catalogue.
    spec(
        Fault::JsonrpcMemberMissing,
        "jsonrpc-member-missing",
        &["base/jsonrpc/response-shape"],
        "drops the `jsonrpc` member from responses to tools/list",
    ),
    spec(
        Fault::InvalidRequestAccepted,
        "invalid-request-accepted",
        &["base/jsonrpc/invalid-request"],
        "answers a request object without `method` with 200 and an empty result",
    ),
    spec(
        Fault::BatchRefused,
        "batch-refused",
        &["base/jsonrpc/batch-accepted"],
        "refuses JSON-RPC batches on 2025-03-26, where the protocol has them",
    ),
    spec(
        Fault::CapabilityUndeclared,
        "capability-undeclared",
        &["lifecycle/capabilities/served-declared"],
        "serves prompts without declaring the prompts capability",
    ),
    spec(
        Fault::SessionIdSequential,
        "session-id-sequential",
        &["http/session/id-unpredictable"],
        "issues the session ids 1, 2, 3, ...",
    ),
    spec(
        Fault::GetJson,
        "get-json",
        &["http/get/sse-or-405"],
        "answers GET with 200 application/json instead of an SSE stream or 405",
    ),
    spec(
        Fault::OriginNotChecked,
        "origin-not-checked",
        &["http/origin/invalid-is-403"],
        "accepts requests from any Origin (no DNS rebinding protection)",
    ),
    spec(
        Fault::OriginAnyRefused,
        "origin-any-refused",
        &["http/origin/own-accepted"],
        "refuses with 403 every request that carries an Origin, its own loopback origin included",
    ),
    spec(
        Fault::SessionOneRequestAtATime,
        "session-one-request-at-a-time",
        &["http/session/concurrent-requests"],
        "serves one request per session at a time (a ping holds it 300 ms) and refuses the others with 409",
    ),
    spec(
        Fault::EventIdConstant,
        "event-id-constant",
        &["http/sse/event-ids-unique"],
        "gives every SSE event the id 1",
    ),
    spec(
        Fault::MetaFieldsOptional,
        "meta-fields-optional",
        &["base/meta/required-fields"],
        "fills in a missing _meta protocolVersion or clientCapabilities instead of answering -32602",
    ),
    spec(
        Fault::RoutingHeadersIgnored,
        "routing-headers-ignored",
        &["http/headers/mismatch-rejected"],
        "serves requests whose Mcp-Method or Mcp-Name header disagrees with the body",
    ),
    spec(
        Fault::UnsupportedVersionCode,
        "unsupported-version-code",
        &["http/version-header/unsupported-lists-versions"],
        "answers an unsupported protocol version with -32602 and no supported list",
    ),
    spec(
        Fault::ResultTypeMissing,
        "result-type-missing",
        &["base/result/result-type", "schema/messages/valid"],
        "omits resultType from prompts/list results",
    )
    // resultType is 2026-07-28's.
    .not_on(HANDSHAKE),
    spec(
        Fault::StatelessGetAllowed,
        "stateless-get-allowed",
        &["http/stateless/get-delete-405"],
        "answers GET and DELETE from a 2026-07-28 client with 200",
    ),
    spec(
        Fault::StatelessSessionMinted,
        "stateless-session-minted",
        &["http/stateless/no-session-id"],
        "mints an Mcp-Session-Id on responses to 2026-07-28 requests",
    ),
    spec(
        Fault::ListsVary,
        "lists-vary",
        &["base/stateless/lists-stable"],
        "drops the last tool from tools/list answers to even request ids",
    ),
    spec(
        Fault::StdoutNoise,
        "stdout-noise",
        &["stdio/stdout/only-messages"],
        "stdio: prints a banner line that is not JSON-RPC on stdout",
    ),
    spec(
        Fault::IgnoresEof,
        "ignores-eof",
        &["stdio/shutdown/exits-on-eof"],
        "stdio: keeps running after its stdin closes",
    ),
    spec(
        Fault::ToolSchemaInvalid,
        "tool-schema-invalid",
        &["tools/list/schemas-valid"],
        "lists a tool whose inputSchema uses a type that does not exist",
    ),
    spec(Fault::ToolNameDuplicate, "tool-name-duplicate", &["tools/list/names"], "lists the echo tool twice"),
    spec(
        Fault::StructuredContentMismatch,
        "structured-content-mismatch",
        &["tools/call/structured-content"],
        "returns add's structured result {\"result\": \"5\"}, a string where its outputSchema says integer",
    ),
    spec(
        Fault::ContentNotBase64,
        "content-not-base64",
        &["tools/call/content-well-formed"],
        "returns an image content block whose data is not base64",
    ),
    spec(
        Fault::UnknownToolIsResult,
        "unknown-tool-is-result",
        &["tools/call/unknown-tool"],
        "answers a call to an unknown tool with an isError result instead of a JSON-RPC error",
    ),
    spec(
        Fault::InvalidArgumentsProtocolError,
        "invalid-arguments-protocol-error",
        &["tools/call/invalid-arguments"],
        "answers arguments that fail the input schema with a -32602 error instead of an isError result",
    ),
    spec(
        Fault::ResourceUriInvalid,
        "resource-uri-invalid",
        &["resources/list/shape"],
        "lists a resource under \"note 4\", which is not a URI",
    ),
    spec(
        Fault::ReadEmptyContents,
        "read-empty-contents",
        &["resources/read/listed"],
        "answers a read of the listed note://2 with an empty contents array",
    ),
    spec(
        Fault::TemplateMalformed,
        "template-malformed",
        &["resources/templates/shape"],
        "lists the template note://{id with an unclosed expression",
    ),
    spec(
        Fault::UnknownUriEmptyContents,
        "unknown-uri-empty-contents",
        &["resources/read/unknown-uri-32002", "resources/read/unknown-uri-32602"],
        "answers a read of an unknown URI with empty contents instead of an error",
    ),
    spec(
        Fault::PromptListedUnknown,
        "prompt-listed-unknown",
        &["prompts/get/listed"],
        "lists a prompt farewell that prompts/get does not know",
    ),
    spec(
        Fault::PromptMissingArgumentAccepted,
        "prompt-missing-argument-accepted",
        &["prompts/get/missing-argument"],
        "fills in a missing required prompt argument instead of answering -32602",
    ),
    spec(
        Fault::UnknownPromptWrongCode,
        "unknown-prompt-wrong-code",
        &["prompts/get/unknown-prompt"],
        "answers an unknown prompt with -32603 instead of -32602",
    ),
    spec(
        Fault::CursorRepeats,
        "cursor-repeats",
        &["pagination/cursor/terminates"],
        "hands out the second resources/list page's own cursor again as nextCursor",
    ),
    spec(
        Fault::InvalidCursorIgnored,
        "invalid-cursor-ignored",
        &["pagination/cursor/invalid-is-32602"],
        "answers an unknown cursor with the first page instead of -32602",
    ),
    spec(
        Fault::LogMessageInvalid,
        "log-message-invalid",
        &["schema/messages/valid"],
        "sends notifications/message with level \"loud\" during tool calls",
    )
    // On the handshake revisions rmcp delivers no log message before the
    // client sets a level (logging/setLevel), and the schema check sets none.
    .not_on(HANDSHAKE),
    spec(
        Fault::CompletionUndeclared,
        "completion-undeclared",
        &["completion/complete/matches-capability"],
        "serves completion/complete without declaring the completions capability",
    ),
    spec(
        Fault::CompletionTooMany,
        "completion-too-many",
        &["completion/complete/values-bounded"],
        "answers completion/complete with 150 values",
    ),
    spec(
        Fault::ProgressNotIncreasing,
        "progress-not-increasing",
        &["progress/notifications/increasing"],
        "reports every progress step of the count tool twice",
    ),
    spec(
        Fault::CancelIgnored,
        "cancel-ignored",
        &["cancellation/request/not-answered"],
        "drops notifications/cancelled, so a cancelled count call runs on and is answered",
    ),
    spec(
        Fault::CancelRejected,
        "cancel-rejected",
        &["cancellation/unknown/ignored"],
        "answers notifications/cancelled with HTTP 400 and a -32602 error (after acting on it)",
    ),
    spec(
        Fault::SetLevelUnchecked,
        "set-level-unchecked",
        &["logging/set-level/invalid-32602"],
        "accepts logging/setLevel with the level \"loud\", which does not exist",
    ),
    spec(
        Fault::SetLevelNotServed,
        "set-level-not-served",
        &["logging/set-level/accepted"],
        "declares the logging capability but answers logging/setLevel with -32601",
    ),
    spec(
        Fault::SubscribeUndeclared,
        "subscribe-undeclared",
        &["resources/subscribe/matches-capability"],
        "serves resources/subscribe without declaring resources.subscribe",
    ),
    spec(
        Fault::SubscribeNotServed,
        "subscribe-not-served",
        &["resources/subscribe/matches-capability"],
        "declares resources.subscribe but answers resources/subscribe with -32601",
    ),
    spec(
        Fault::AcceptExactMatch,
        "accept-exact-match",
        &["http/accept/both-listed-served"],
        "answers 406 to a POST whose Accept is not exactly \"application/json, text/event-stream\" (other order, weights)",
    ),
    spec(
        Fault::VersionHeaderRequired,
        "version-header-required",
        &["http/version-header/missing-assumed"],
        "answers 400 to a request without MCP-Protocol-Version on a session negotiated at 2025-06-18 or later",
    ),
    spec(
        Fault::SseDataNotJson,
        "sse-data-not-json",
        &["http/sse/framing"],
        "opens the SSE answer to tools/list with an event whose data is the text `pong`, not a JSON-RPC message",
    ),
    spec(
        Fault::ResumeOtherStream,
        "resume-other-stream",
        &["http/sse/resume-last-event-id"],
        "answers a GET with Last-Event-ID by replaying the session's latest tools/list stream, whichever stream the id names",
    ),
    spec(
        Fault::ColdCallRefused,
        "cold-call-refused",
        &["base/stateless/cold-tool-call"],
        "refuses a 2026-07-28 tools/call sent as a client's first request (id 1) as an unknown tool, as if tools/list had to come first",
    ),
    spec(
        Fault::Response200,
        "response-200",
        &["http/post/response-202"],
        "answers a JSON-RPC response POSTed by the client with 200 and body {} instead of 202",
    ),
    auth(
        Fault::AuthNotRequired,
        "auth-not-required",
        &["auth/challenge/no-token-401"],
        "serves requests that carry no token",
    ),
    auth(
        Fault::ChallengeNoWwwAuthenticate,
        "challenge-no-www-authenticate",
        &[
            "auth/challenge/bearer-scheme",
            "auth/challenge/invalid-token-error",
            "auth/tokens/missing-scope-403",
        ],
        "answers 401 without a WWW-Authenticate header",
    ),
    auth(
        Fault::NoResourceMetadata,
        "no-resource-metadata",
        &["auth/challenge/resource-metadata", "auth/prm/discoverable"],
        "sends no resource_metadata in challenges and serves no protected resource metadata (as FastMCP's JWTVerifier)",
    ),
    auth(
        Fault::PrmMissingAtChallengeUrl,
        "prm-missing-at-challenge-url",
        &["auth/challenge/resource-metadata"],
        "names a resource_metadata URL in challenges that serves nothing (the well-known URIs still serve the document)",
    ),
    auth(
        Fault::ChallengeNoScope,
        "challenge-no-scope",
        &["auth/challenge/scope", "auth/tokens/missing-scope-403"],
        "sends no scope parameter in its 401 challenge",
    ),
    auth(
        Fault::ChallengeNoErrorCode,
        "challenge-no-error-code",
        &["auth/challenge/invalid-token-error"],
        "answers a bad token with 401 but no error=\"invalid_token\"",
    ),
    auth(
        Fault::PrmWrongResource,
        "prm-wrong-resource",
        &["auth/prm/resource-matches"],
        "names another URL as `resource` in its protected resource metadata",
    ),
    auth(
        Fault::PrmNoAuthorizationServers,
        "prm-no-authorization-servers",
        &["auth/prm/authorization-servers"],
        "lists no authorization_servers in its protected resource metadata",
    ),
    auth(
        Fault::PrmAdvertisesQuery,
        "prm-advertises-query",
        &["auth/prm/no-query-bearer"],
        "advertises bearer_methods_supported [\"header\", \"query\"]",
    ),
    // Robustness under hostile input (`mcpcheck test --robustness`).
    spec(
        Fault::RobustnessOversized500,
        "robustness-oversized-500",
        &["robustness/input/oversized-body"],
        "answers a request body over 1 MiB with 500",
    ),
    spec(
        Fault::RobustnessNestingHang,
        "robustness-nesting-hang",
        &["robustness/input/deep-nesting"],
        "never answers a body nested more than 10,000 levels deep",
    ),
    spec(
        Fault::RobustnessUtf8Fails,
        "robustness-utf8-500",
        &["robustness/input/invalid-utf8"],
        "answers a body that is not UTF-8 with 500",
    ),
    spec(
        Fault::RobustnessHeader500,
        "robustness-header-500",
        &["robustness/input/huge-header"],
        "answers a request with a header value over 8 KiB with 500",
    ),
    spec(
        Fault::RobustnessSlowBodyBlocks,
        "robustness-slow-body-blocks",
        &["robustness/connection/slow-client"],
        "reads one request body at a time, server-wide, so one slow client holds up every other",
    ),
    spec(
        Fault::RobustnessUnknownBurst500,
        "robustness-unknown-burst-500",
        &["robustness/methods/unknown-burst"],
        "answers unknown methods with 500 once a session has sent 300 of them",
    )
    // The count is per session, and 2026-07-28 requests carry none.
    .not_on(&["2026-07-28"]),
    spec(
        Fault::RobustnessLongId500,
        "robustness-long-id-500",
        &["robustness/ids/every-type"],
        "answers a request whose string id is longer than 1 KiB with 500",
    ),
    spec(
        Fault::RobustnessEchoesHtml,
        "robustness-echoes-html",
        &["robustness/errors/input-escaped"],
        "answers a method name with markup in it with an HTML page that repeats it unescaped",
    ),
    auth(
        Fault::RejectAllTokens,
        "reject-all-tokens",
        &["auth/tokens/valid-accepted"],
        "refuses every token, valid ones too",
    ),
    auth(
        Fault::MalformedToken400,
        "malformed-token-400",
        &["auth/tokens/malformed-401"],
        "answers a token that is not a JWT with 400 instead of 401",
    ),
    auth(
        Fault::AcceptBadSignature,
        "accept-bad-signature",
        &["auth/tokens/bad-signature-401"],
        "accepts a token whose signature does not verify",
    ),
    auth(
        Fault::AcceptAlgNone,
        "accept-alg-none",
        &["auth/tokens/alg-none-401"],
        "accepts an unsigned token (alg none)",
    ),
    auth(
        Fault::AcceptWrongIssuer,
        "accept-wrong-issuer",
        &["auth/tokens/wrong-issuer-401"],
        "accepts a token from another issuer",
    ),
    auth(
        Fault::AcceptWrongAudience,
        "accept-wrong-audience",
        &["auth/tokens/wrong-audience-401"],
        "accepts a token issued for another resource (token passthrough)",
    ),
    auth(Fault::AcceptExpired, "accept-expired", &["auth/tokens/expired-401"], "accepts an expired token"),
    auth(
        Fault::AcceptNotYetValid,
        "accept-not-yet-valid",
        &["auth/tokens/not-yet-valid-401"],
        "accepts a token before its nbf",
    ),
    auth(
        Fault::InsufficientScope401,
        "insufficient-scope-401",
        &["auth/tokens/missing-scope-403"],
        "answers a token without the needed scope with 401 instead of 403 insufficient_scope (as FastMCP)",
    ),
    auth(
        Fault::ScopeChallengeNamesOther,
        "scope-challenge-names-other",
        &["auth/tokens/scope-challenge-sufficient"],
        "answers a call without the needed scope with a 403 whose scope names another scope than the one the call needs",
    ),
    auth(
        Fault::AcceptQueryToken,
        "accept-query-token",
        &["auth/tokens/query-rejected"],
        "accepts an access_token in the URI query string",
    ),
    auth(
        Fault::SessionAuthenticates,
        "session-authenticates",
        &["auth/tokens/session-not-credential"],
        "serves a request with a known session id and no token",
    ),
    auth(
        Fault::AcceptBasicScheme,
        "accept-basic-scheme",
        &["auth/tokens/basic-scheme-401"],
        "accepts any Authorization: Basic credentials",
    ),
    auth(
        Fault::SchemeCaseSensitive,
        "scheme-case-sensitive",
        &["auth/tokens/scheme-case-insensitive"],
        "accepts only the exact spelling \"Bearer\" of the scheme name",
    ),
    as_fault(
        Fault::AsIssuerMismatch,
        "as-issuer-mismatch",
        &["auth/metadata/issuer"],
        "authorization server metadata names another issuer than the URL it was fetched for",
    ),
    as_fault(
        Fault::AsNoS256,
        "as-no-s256",
        &["auth/metadata/pkce-s256"],
        "authorization server metadata lists code_challenge_methods_supported [\"plain\"]",
    ),
    as_fault(
        Fault::AsNoTokenEndpoint,
        "as-no-token-endpoint",
        &["auth/metadata/token-endpoint"],
        "authorization server metadata has no token_endpoint",
    ),
    as_fault(
        Fault::AsNoRegistration,
        "as-no-registration",
        &["auth/metadata/registration"],
        "authorization server metadata offers neither dynamic registration nor client ID metadata documents",
    ),
    as_fault(
        Fault::AsRegistrationDropsMetadata,
        "as-registration-drops-metadata",
        &["auth/as/registration-response"],
        "the registration response leaves out the redirect_uris the client registered",
    ),
    as_fault(
        Fault::AsPkceUnchecked,
        "as-pkce-unchecked",
        &["auth/as/pkce-verifier-checked"],
        "the token endpoint exchanges a code whatever code_verifier comes with it",
    ),
    as_fault(
        Fault::AsAcceptsPlain,
        "as-accepts-plain",
        &["auth/as/pkce-unsupported-method-refused"],
        "the authorization endpoint issues codes for code_challenge_method plain, which its metadata does not list",
    ),
    as_fault(
        Fault::AsIgnoresResource,
        "as-ignores-resource",
        &["auth/as/resource-audience"],
        "tokens are issued for the issuer's own URL whatever resource the client names",
    ),
    as_fault(
        Fault::AsRedirectPrefix,
        "as-redirect-prefix",
        &["auth/as/redirect-uri-exact"],
        "the authorization endpoint redirects to any URI that starts with a registered one",
    ),
    as_fault(
        Fault::AsIssWrong,
        "as-iss-wrong",
        &["auth/as/iss-in-response"],
        "the authorization response's iss names another issuer",
    ),
    as_fault(
        Fault::AsIssUnadvertised,
        "as-iss-unadvertised",
        &["auth/as/iss-advertised"],
        "the authorization response carries iss, but the metadata does not say authorization_response_iss_parameter_supported",
    ),
    as_fault(
        Fault::AsRefreshReusable,
        "as-refresh-reusable",
        &["auth/as/refresh-rotated"],
        "a public client's refresh token keeps working after it was used",
    ),
    as_fault(
        Fault::AsPostIgnored,
        "as-post-ignored",
        &["auth/as/auth-methods-honoured"],
        "the metadata lists client_secret_post, but the token endpoint ignores credentials in the form",
    ),
    as_fault(
        Fault::AsCimdUnfetched,
        "as-cimd-unfetched",
        &["auth/as/client-id-metadata-document"],
        "the metadata says client_id_metadata_document_supported, but a URL client id is refused as unknown",
    ),
];
