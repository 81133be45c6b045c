//! Faults of the server features (tools, resources, prompts, completion),
//! the utilities (progress, cancellation, logging, subscriptions) and the
//! finer Streamable HTTP rules (Accept, a missing version header, SSE framing
//! and resumption, cold stateless calls), and multi round-trip requests.

use super::HANDSHAKE;
use crate::faults::{Fault, FaultSpec, spec};

pub(super) const FAULTS: &[FaultSpec] = &[
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
        &[
            "resources/read/unknown-uri-32002",
            "resources/read/unknown-uri-32602",
            "resources/read/unknown-uri-data",
        ],
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
        &["schema/messages/valid", "logging/meta/no-level-no-messages"],
        "sends notifications/message with level \"loud\" during tool calls, whether or not a level was asked for",
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
    spec(
        Fault::InputRequiredOnList,
        "input-required-on-list",
        &["mrtr/input-required/supported-requests-only"],
        "answers resources/templates/list on 2026-07-28 with resultType input_required and a requestState",
    ),
    spec(
        Fault::MalformedInputRequests,
        "malformed-input-requests",
        &["mrtr/input-required/shape"],
        "turns mrtr_several's sampling input request into a ping request without params",
    ),
    spec(
        Fault::InputAskedForever,
        "input-asked-forever",
        &["mrtr/input-required/completes"],
        "answers every retry of mrtr_two_rounds' second round with that round's input request again",
    ),
    spec(
        Fault::InputAsksUndeclared,
        "input-asks-undeclared",
        &[
            "mrtr/input-required/client-capabilities",
            "lifecycle/capabilities/undeclared-unused",
            "elicitation/request/declared-modes-only",
        ],
        "asks for elicitation, sampling and roots whatever client capabilities the request (2026-07-28) or the session (before it) declares",
    ),
    spec(
        Fault::PromptRetryRefused,
        "prompt-retry-refused",
        &["mrtr/input-required/prompt-round-trip"],
        "refuses every retry of mrtr_greeting's prompts/get, answered or not, with -32602",
    ),
    spec(
        Fault::ServerRequestInvalid,
        "server-request-invalid",
        &["schema/server-requests/valid"],
        "sends sampling/createMessage without the maxTokens the schema requires (the handshake revisions)",
    ),
    spec(
        Fault::ElicitationSchemaNested,
        "elicitation-schema-nested",
        &["elicitation/request/flat-schema", "schema/server-requests/valid"],
        "asks for a form whose field is a nested object instead of a primitive (the handshake revisions)",
    )
    .not_on(&["2025-03-26"]),
    spec(
        Fault::UrlElicitationNoId,
        "url-elicitation-no-id",
        &["elicitation/request/url-fields", "schema/server-requests/valid"],
        "sends URL-mode elicitations without an elicitationId (2025-11-25)",
    )
    .not_on(&["2025-03-26", "2025-06-18"]),
    spec(
        Fault::TamperedStateAccepted,
        "tampered-state-accepted",
        &["mrtr/input-required/tampered-state-rejected"],
        "reads the echoed requestState without verifying its HMAC (a payload that no longer parses restarts the tool)",
    ),
    spec(
        Fault::RequestStateOptional,
        "request-state-optional",
        &["mrtr/input-required/state-required"],
        "takes inputResponses sent without the requestState it issued as answers to the first round",
    ),
    spec(
        Fault::AbsentResponsesComplete,
        "absent-responses-complete",
        &["mrtr/input-required/null-responses-rejected"],
        "completes a retry that carries the requestState but no inputResponses (absent or null) without the input it asked for",
    ),
    spec(
        Fault::InvalidInputAccepted,
        "invalid-input-accepted",
        &["mrtr/input-required/invalid-response-rejected"],
        "accepts input responses that are no result of the requested kind, or whose form content fails the requested schema",
    ),
    spec(
        Fault::MissingInputError,
        "missing-input-error",
        &["mrtr/input-required/missing-response-rerequested"],
        "answers a retry lacking a requested input response with -32602 instead of asking again",
    ),
    spec(
        Fault::ExtraInputRefused,
        "extra-input-refused",
        &["mrtr/input-required/extra-responses-ignored"],
        "answers -32602 to a retry whose inputResponses carry a key that was not asked for",
    ),
];
