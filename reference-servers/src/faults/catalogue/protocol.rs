//! Faults of the lifecycle, server/discover, base JSON-RPC, Streamable HTTP
//! sessions and headers, the stateless revision, and stdio.

use super::HANDSHAKE;
use crate::faults::{Fault, FaultSpec, spec};

pub(super) const FAULTS: &[FaultSpec] = &[
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
        &["base/jsonrpc/id-echoed", "http/session/concurrent-requests", "http/stateless/concurrent-requests"],
        "answers requests with a string id under a different id (\"-x\" appended)",
    ),
    spec(
        Fault::MethodNotFoundCode,
        "method-not-found-code",
        &[
            "base/jsonrpc/method-not-found",
            "base/stateless/removed-methods-404",
            "tasks/dispatch/removed-methods",
        ],
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
        &[
            "http/version-header/invalid-is-400",
            "http/version-header/unsupported-lists-versions",
            // On 2026-07-28 the header it puts in disagrees with the body's
            // unsupported version: -32020, not the version error.
            "http/version-header/unsupported-error-data",
        ],
        "accepts an unsupported MCP-Protocol-Version header instead of answering 400",
    ),
    spec(
        Fault::ContentTypeTextPlain,
        "content-type-text-plain",
        &[
            "http/response/content-type",
            "http/accept/both-listed-served",
            "http/session/concurrent-requests",
            "http/stateless/concurrent-requests",
            // A listen stream labelled text/plain is no stream to read.
            "subscriptions/listen/acknowledged",
            "subscriptions/listen/subscription-id",
        ],
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
        Fault::StatelessOneRequestAtATime,
        "stateless-one-request-at-a-time",
        &["http/stateless/concurrent-requests"],
        "serves sessionless server/discover calls one at a time (each held 300 ms) and refuses the others with 409",
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
        &["base/meta/required-fields", "base/meta/absent-rejected"],
        "fills in a missing _meta protocolVersion or clientCapabilities instead of answering -32602",
    ),
    spec(
        Fault::RoutingHeadersIgnored,
        "routing-headers-ignored",
        // Headers taken from the body whatever they say: missing and
        // wrongly cased values pass as well.
        &[
            "http/headers/mismatch-rejected",
            "http/headers/missing-rejected",
            "http/headers/value-case-sensitive",
        ],
        "serves requests whose Mcp-Method or Mcp-Name header disagrees with the body",
    ),
    spec(
        Fault::UnsupportedVersionCode,
        "unsupported-version-code",
        &["http/version-header/unsupported-lists-versions", "http/version-header/unsupported-error-data"],
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
        Fault::CacheScopeMissing,
        "cache-scope-missing",
        &["caching/hints/present", "schema/messages/valid"],
        "answers resources/read without the cacheScope hint (2026-07-28)",
    )
    .not_on(&["2025-03-26", "2025-06-18", "2025-11-25"]),
    spec(
        Fault::CacheScopeVaries,
        "cache-scope-varies",
        &["caching/scope/pages-consistent"],
        "gives the pages after the first of resources/list the other cacheScope (2026-07-28)",
    ),
    spec(
        Fault::StatelessServerRequest,
        "stateless-server-request",
        &["http/sse/no-server-requests"],
        "sends a roots/list request on the stream of a mrtr_roots call, as the handshake revisions would (2026-07-28)",
    ),
    spec(
        Fault::ToolsOrderUnstable,
        "tools-order-unstable",
        &["tools/list/order-stable"],
        "lists the same tools with the last two swapped in answers to odd request ids (2026-07-28)",
    ),
    // The stateless revision's envelope, errors and removed methods: all of
    // them 2026-07-28's, whose checks apply to it alone.
    spec(
        Fault::MetaAbsentAccepted,
        "meta-absent-accepted",
        &["base/meta/absent-rejected"],
        "fills in the whole _meta envelope of a 2026-07-28 request that has none instead of answering -32602",
    ),
    spec(
        Fault::ClientInfoRequired,
        "client-info-required",
        &["base/meta/client-info-optional"],
        "refuses a 2026-07-28 request whose _meta lacks clientInfo with -32602 and 400",
    ),
    spec(
        Fault::DiscoverNoServerInfo,
        "discover-no-server-info",
        &["discover/result/server-info"],
        "leaves io.modelcontextprotocol/serverInfo out of the server/discover result's _meta",
    ),
    spec(
        Fault::UnsupportedVersionNoRequested,
        "unsupported-version-no-requested",
        &["http/version-header/unsupported-error-data"],
        "drops requested from the data of its UnsupportedProtocolVersionError",
    ),
    spec(
        Fault::VersionMismatchAccepted,
        "version-mismatch-accepted",
        &["http/headers/version-mismatch-rejected"],
        "serves a request whose _meta protocol version disagrees with its MCP-Protocol-Version header, as the header's",
    ),
    // SEP-2243 header validation (2026-07-28).
    spec(
        Fault::RoutingHeadersOptional,
        "routing-headers-optional",
        &["http/headers/missing-rejected"],
        "serves a request without Mcp-Method, or a tools/call without Mcp-Name, taking them from the body",
    ),
    spec(
        Fault::HeaderValuesCaseFolded,
        "header-values-case-folded",
        &["http/headers/value-case-sensitive"],
        "compares Mcp-Method and Mcp-Name values with the body ignoring case (TOOLS/LIST is tools/list)",
    ),
    spec(
        Fault::HeaderNamesCaseSensitive,
        "header-names-case-sensitive",
        &["http/headers/name-case-insensitive"],
        "recognises Mcp-Method and Mcp-Name only spelt so or in lower case (MCP-METHOD is an unknown header)",
    ),
    spec(
        Fault::HeaderValuesUntrimmed,
        "header-values-untrimmed",
        &["http/headers/value-whitespace-trimmed"],
        "takes the spaces around an Mcp-Method or Mcp-Name value as part of it",
    ),
    spec(
        Fault::ParamHeadersUnchecked,
        "param-headers-unchecked",
        &["http/param-headers/mirrored-validated", "http/param-headers/base64-decoded"],
        "serves a tools/call whose Mcp-Param header disagrees with its argument, is missing, or is bad Base64",
    ),
    spec(
        Fault::ParamHeadersNotDecoded,
        "param-headers-not-decoded",
        &["http/param-headers/base64-decoded"],
        "compares an =?base64?...?= Mcp-Param value with the argument without decoding it",
    ),
    spec(
        Fault::RemovedMethodsServed,
        "removed-methods-served",
        &["base/stateless/removed-methods-404"],
        "answers ping on 2026-07-28, which removed it, with an empty result",
    ),
    spec(
        Fault::UnknownUriNoData,
        "unknown-uri-no-data",
        &["resources/read/unknown-uri-data"],
        "leaves the URI out of the data of its error for an unknown resource",
    ),
    spec(
        Fault::ListenAckLate,
        "listen-ack-late",
        &["subscriptions/listen/acknowledged"],
        "sends a resource update on a subscriptions/listen stream before the acknowledgement",
    ),
    spec(
        Fault::ListenUntagged,
        "listen-untagged",
        &["subscriptions/listen/subscription-id"],
        "sends a resource update on a subscriptions/listen stream without io.modelcontextprotocol/subscriptionId",
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
];
