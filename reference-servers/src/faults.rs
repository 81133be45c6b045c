//! The fault catalogue: every deliberate violation the reference servers can
//! switch on, in one readable list.
//!
//! mcpcheck proves each of its checks can fail by running it against a server
//! with exactly the fault that check is meant to catch. [`CATALOGUE`] is the
//! single source of truth pairing each fault with the check ids it breaks;
//! the HTTP layers in [`crate::http`] implement the behaviour.

use std::fmt;

mod catalogue;
pub use catalogue::CATALOGUE;

/// One deliberate violation. Each belongs to one server ([`FaultSpec::server`]).
/// Transport faults apply to HTTP, the two `stdio` ones to `serve plain
/// --stdio` only (`batch-refused`, `cancel-ignored` and `cancel-rejected` to
/// both, through the stdio shim); feature faults live in the handler and
/// apply to both ([`Fault::on_stdio`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    /// Drop `serverInfo` from the initialize result.
    InitNoServerInfo,
    /// Answer every initialize with protocolVersion "2025-03-26".
    InitVersionDowngrade,
    /// Echo the requested protocolVersion even when unsupported.
    InitEchoUnsupported,
    /// Answer JSON-RPC notifications with 200 and `{}`.
    Notification200,
    /// Add `"status":"ok"` to the ping result.
    PingNonEmpty,
    /// Change the id of responses to requests with a string id.
    StringIdRewritten,
    /// Turn error code -32601 into -32600.
    MethodNotFoundCode,
    /// Answer unparseable bodies with 200 and an internal error.
    ParseError200,
    /// Process JSON-RPC batches element by element.
    AcceptBatch,
    /// Insert a space into the session id sent to clients.
    SessionIdNotVisible,
    /// Answer a missing session id with 404 instead of 400.
    MissingSessionNot400,
    /// Answer an unknown session id with 400 instead of 404.
    UnknownSession400,
    /// Answer DELETE with 200 without ending the session.
    DeleteIgnored,
    /// Replace an unsupported MCP-Protocol-Version header by the session's.
    VersionHeaderIgnored,
    /// Answer POSTs with `Content-Type: text/plain`.
    ContentTypeTextPlain,
    /// Drop supportedVersions from the server/discover result.
    DiscoverNoVersions,
    /// List only 2026-07-28 in server/discover, though initialize still
    /// negotiates the handshake revisions.
    DiscoverOmitsHandshake,
    /// Answer server/discover with method-not-found while serving every
    /// other 2026-07-28 request.
    DiscoverUnavailable,
    // Transport and base-protocol faults of the full catalogue.
    /// Drop `jsonrpc` from responses to tools/list.
    JsonrpcMemberMissing,
    /// Answer a request object without `method` with 200 and a result.
    InvalidRequestAccepted,
    /// Refuse batches on 2025-03-26, where they belong to the protocol.
    BatchRefused,
    /// Serve prompts without declaring the prompts capability.
    CapabilityUndeclared,
    /// Issue session ids 1, 2, 3, ...
    SessionIdSequential,
    /// Answer GET with 200 application/json.
    GetJson,
    /// Accept requests from any Origin.
    OriginNotChecked,
    /// Give every SSE event the id 1.
    EventIdConstant,
    /// Refuse (403) every request that carries an Origin header, the server's own included.
    OriginAnyRefused,
    /// Serve one request per session at a time (pings held 300 ms); refuse the rest with 409.
    SessionOneRequestAtATime,
    /// The same for sessionless server/discover calls (string ids): one at a time, 409 for the rest.
    StatelessOneRequestAtATime,
    /// Fill in missing required `_meta` fields instead of rejecting the request.
    MetaFieldsOptional,
    /// Make Mcp-Method/Mcp-Name agree with the body instead of rejecting.
    RoutingHeadersIgnored,
    /// Answer an unsupported version with -32602 and no supported list.
    UnsupportedVersionCode,
    /// Omit resultType from prompts/list results.
    ResultTypeMissing,
    /// Answer GET and DELETE on 2026-07-28 with 200.
    StatelessGetAllowed,
    /// Mint an Mcp-Session-Id on 2026-07-28 responses.
    StatelessSessionMinted,
    /// Drop the last tool from tools/list answers to even request ids.
    ListsVary,
    /// Fill in the whole `_meta` envelope of a 2026-07-28 request that has none.
    MetaAbsentAccepted,
    /// Refuse (-32602, 400) a 2026-07-28 request whose `_meta` lacks clientInfo.
    ClientInfoRequired,
    /// Drop serverInfo from the server/discover result's `_meta`.
    DiscoverNoServerInfo,
    /// Drop `requested` from the data of UnsupportedProtocolVersionError.
    UnsupportedVersionNoRequested,
    /// Make the `_meta` protocol version agree with the MCP-Protocol-Version header.
    VersionMismatchAccepted,
    /// Answer ping on 2026-07-28 with an empty result.
    RemovedMethodsServed,
    /// Fill in a missing Mcp-Method or Mcp-Name from the body.
    RoutingHeadersOptional,
    /// Take an Mcp-Method or Mcp-Name value in another case as the body's.
    HeaderValuesCaseFolded,
    /// Recognise Mcp-Method and Mcp-Name only as spelt so or all lower case.
    HeaderNamesCaseSensitive,
    /// Keep the whitespace around Mcp-Method and Mcp-Name values.
    HeaderValuesUntrimmed,
    /// Make Mcp-Param-* headers agree with the arguments instead of checking them.
    ParamHeadersUnchecked,
    /// Compare Base64-encoded Mcp-Param-* values undecoded.
    ParamHeadersNotDecoded,
    /// Leave the URI out of the data of the unknown-resource error.
    UnknownUriNoData,
    /// Send a notification on a subscriptions/listen stream before its acknowledgement (HTTP).
    ListenAckLate,
    /// Send an update on a subscriptions/listen stream without the subscription id.
    ListenUntagged,
    /// stdio: print a banner line on stdout.
    StdoutNoise,
    /// stdio: keep running after stdin closes.
    IgnoresEof,
    // Feature faults, committed by the handler (crate::plain).
    /// List an extra tool whose input schema is not a valid JSON Schema.
    ToolSchemaInvalid,
    /// List the `echo` tool twice.
    ToolNameDuplicate,
    /// Return `add`'s structured result as a string, against its output schema.
    StructuredContentMismatch,
    /// Put data that is not base64 into `sample_content`'s image.
    ContentNotBase64,
    /// Answer a call to an unknown tool with an `isError` result.
    UnknownToolIsResult,
    /// Answer arguments that fail the input schema with a -32602 protocol error.
    InvalidArgumentsProtocolError,
    /// List a resource under a URI that is not a URI.
    ResourceUriInvalid,
    /// Answer a read of `note://2` with empty contents.
    ReadEmptyContents,
    /// List the resource template with an unclosed expression.
    TemplateMalformed,
    /// Answer a read of an unknown URI with empty contents instead of an error.
    UnknownUriEmptyContents,
    /// List a prompt that prompts/get does not know.
    PromptListedUnknown,
    /// Fill in a missing required prompt argument instead of rejecting the request.
    PromptMissingArgumentAccepted,
    /// Answer an unknown prompt with -32603 instead of -32602.
    UnknownPromptWrongCode,
    /// Hand out the second resources/list page's own cursor as its next cursor.
    CursorRepeats,
    /// Treat an unknown cursor as the start of the list.
    InvalidCursorIgnored,
    /// Send a log message with a level that does not exist during tool calls.
    LogMessageInvalid,
    /// Serve completion/complete without declaring the completions capability.
    CompletionUndeclared,
    /// Answer completion/complete with 150 values.
    CompletionTooMany,
    /// Report every progress step twice.
    ProgressNotIncreasing,
    // Cancellation, logging and resource subscriptions.
    /// Drop notifications/cancelled before rmcp sees it (HTTP).
    CancelIgnored,
    /// Answer notifications/cancelled with HTTP 400 and a -32602 error (HTTP).
    CancelRejected,
    /// Accept logging/setLevel with any level.
    SetLevelUnchecked,
    /// Declare logging but answer logging/setLevel with -32601.
    SetLevelNotServed,
    /// Serve resources/subscribe without declaring resources.subscribe.
    SubscribeUndeclared,
    /// Declare resources.subscribe but answer resources/subscribe with -32601.
    SubscribeNotServed,
    // Streamable HTTP: Accept, a missing version header, SSE framing and
    // resumption, and the stateless revision's cold calls.
    /// Answer 406 unless Accept is exactly `application/json, text/event-stream`.
    AcceptExactMatch,
    /// Answer 400 to a request without MCP-Protocol-Version on a 2025-06-18+ session.
    VersionHeaderRequired,
    /// Open SSE answers to tools/list with an event whose data is not JSON.
    SseDataNotJson,
    /// Replay the latest tools/list stream whatever stream Last-Event-ID names.
    ResumeOtherStream,
    /// Refuse a tools/call that is a stateless client's first request (id 1).
    ColdCallRefused,
    /// Answer a JSON-RPC response from the client with 200 and `{}`.
    Response200,
    /// Answer resources/templates/list on 2026-07-28 as an InputRequiredResult.
    InputRequiredOnList,
    /// Make mrtr_several's sampling request a `ping` without params (HTTP).
    MalformedInputRequests,
    /// Answer every retry of mrtr_two_rounds' second round with that round again.
    InputAskedForever,
    /// Ask for input whatever client capabilities the request declares.
    InputAsksUndeclared,
    /// Read requestState without verifying its tag.
    TamperedStateAccepted,
    /// Take inputResponses without a requestState as answers to the first round.
    RequestStateOptional,
    /// Complete a retry that has the requestState but no inputResponses
    /// (absent or null), as if nothing had been asked.
    AbsentResponsesComplete,
    /// Accept input responses that are not the requested kind of result.
    InvalidInputAccepted,
    /// Handshake revisions: send `sampling/createMessage` without `maxTokens`.
    ServerRequestInvalid,
    /// Handshake revisions: make a form's requested field a nested object.
    ElicitationSchemaNested,
    /// 2025-11-25: send URL-mode elicitations without an `elicitationId`.
    UrlElicitationNoId,
    /// 2026-07-28: drop `cacheScope` from resources/read results (HTTP).
    CacheScopeMissing,
    /// 2026-07-28: answer pages after the first of resources/list with the
    /// other cacheScope (HTTP).
    CacheScopeVaries,
    /// 2026-07-28: put a `roots/list` request on the stream of a call of
    /// mrtr_roots before its answer (HTTP).
    StatelessServerRequest,
    /// 2026-07-28: swap the last two tools for odd request ids (HTTP).
    ToolsOrderUnstable,
    /// 2026-07-28: refuse every retry of mrtr_greeting's prompts/get.
    PromptRetryRefused,
    /// Answer a retry lacking a requested input response with -32602.
    MissingInputError,
    /// Refuse (-32602) input responses under keys that were not asked for.
    ExtraInputRefused,
    // The authorized server (its auth layer), then the test authorization server.
    AuthNotRequired,
    ChallengeNoWwwAuthenticate,
    NoResourceMetadata,
    /// Name a protected resource metadata URL in the challenge that serves
    /// nothing (the well-known URIs still serve the document).
    PrmMissingAtChallengeUrl,
    ChallengeNoScope,
    ChallengeNoErrorCode,
    PrmWrongResource,
    PrmNoAuthorizationServers,
    PrmAdvertisesQuery,
    RejectAllTokens,
    MalformedToken400,
    AcceptBadSignature,
    AcceptAlgNone,
    AcceptWrongIssuer,
    AcceptWrongAudience,
    AcceptExpired,
    AcceptNotYetValid,
    InsufficientScope401,
    ScopeChallengeNamesOther,
    AcceptQueryToken,
    SessionAuthenticates,
    AcceptBasicScheme,
    SchemeCaseSensitive,
    AsIssuerMismatch,
    AsNoS256,
    AsNoTokenEndpoint,
    AsNoRegistration,
    AsRegistrationDropsMetadata,
    AsPkceUnchecked,
    AsAcceptsPlain,
    AsIgnoresResource,
    AsRedirectPrefix,
    AsIssWrong,
    AsIssUnadvertised,
    AsRefreshReusable,
    AsPostIgnored,
    AsCimdUnfetched,
    RobustnessOversized500,
    RobustnessNestingHang,
    RobustnessUtf8Fails,
    RobustnessHeader500,
    RobustnessSlowBodyBlocks,
    RobustnessUnknownBurst500,
    RobustnessLongId500,
    RobustnessEchoesHtml,
    RobustnessSessionCap500,
    // The tasks extension (SEP-2663): the HTTP layer's wire faults, then the handler's.
    /// Advertise the 2025-11-25 `tasks` capability in server/discover beside the extension.
    TasksLegacyCapability,
    /// Treat every tasks/* request as declaring the extension.
    TasksUngated,
    /// Add `ttl` and `pollInterval` beside `ttlMs` and `pollIntervalMs` on tasks.
    TaskV1FieldNames,
    /// Give the create-task result a `requestState`.
    TaskRequestState,
    /// Refuse a require-task tool with -32021 that leaves the extension unnamed.
    TaskRequiredUnnamed,
    /// A create-task result whose `createdAt` is not ISO 8601.
    TaskCreatedAtNotIso,
    /// A completed task's inlined result is an empty object.
    TaskResultNotInlined,
    /// A task waiting for input has an empty `inputRequests`.
    TaskInputRequestsEmpty,
    /// Refuse tasks/cancel of a finished task.
    TaskCancelFinishedRefused,
    /// Answer an unknown task id with -32603.
    TaskUnknownIdInternalError,
    /// Answer the removed tasks/list.
    TasksListServed,
    /// Take Mcp-Name on tasks/* as the body's taskId instead of checking it.
    TaskNameHeaderUnchecked,
    /// Refuse a tools/call that carries the v1 `task` parameter.
    TaskParamRefused,
    /// Task status notifications without taskId and with the status "done".
    TaskNotificationMalformed,
    /// Forget a task a second after it was seen finished, long before its ttlMs.
    TaskDroppedEarly,
    /// Take the requests a partial tasks/update leaves unanswered as declined.
    TaskPartialUpdateCompletes,
    /// The task after a multi round-trip round forgets the answer given in it.
    TaskCompositionAnswerLost,
    /// Keep 64 KiB for every tools/call and never free it (up to 1 GiB).
    LeakPerCall,
}

/// The server a fault is committed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Server {
    /// `serve plain` (and the MCP handling of every server built on it).
    Plain,
    /// The auth layer of `serve authorized`.
    Authorized,
    /// The test authorization server (`mcpcheck authserver`).
    AuthServer,
}

/// A catalogue entry: the fault, its command-line name, the checks it breaks.
#[derive(Debug, Clone, Copy)]
pub struct FaultSpec {
    /// The fault itself.
    pub fault: Fault,
    /// Its name on the command line (`--fault NAME`).
    pub name: &'static str,
    /// Ids of the mcpcheck checks this fault must make fail.
    pub breaks: &'static [&'static str],
    /// What the server does wrong, in one sentence.
    pub description: &'static str,
    /// Which server commits it.
    pub server: Server,
    /// Revisions where its checks apply but the fault cannot show (a
    /// downgrade to 2025-03-26 is no downgrade on 2025-03-26): the fault
    /// matrix leaves them out. Empty for nearly every fault.
    pub not_on: &'static [&'static str],
    /// The `mcpcheck bench` finding that names this fault, for the faults no
    /// single exchange shows (then `breaks` is empty): a leak shows only
    /// over a load run.
    pub finding: Option<&'static str>,
}

/// Catalogue entries, by the server that commits them (the catalogue is
/// written with these).
pub(crate) const fn spec(
    fault: Fault,
    name: &'static str,
    breaks: &'static [&'static str],
    description: &'static str,
) -> FaultSpec {
    FaultSpec { fault, name, breaks, description, server: Server::Plain, not_on: &[], finding: None }
}

const fn on(server: Server, spec: FaultSpec) -> FaultSpec {
    FaultSpec { server, ..spec }
}

pub(crate) const fn auth(
    fault: Fault,
    name: &'static str,
    breaks: &'static [&'static str],
    description: &'static str,
) -> FaultSpec {
    on(Server::Authorized, spec(fault, name, breaks, description))
}

pub(crate) const fn as_fault(
    fault: Fault,
    name: &'static str,
    breaks: &'static [&'static str],
    description: &'static str,
) -> FaultSpec {
    on(Server::AuthServer, spec(fault, name, breaks, description))
}

impl FaultSpec {
    /// Whether the fault can show on this revision.
    pub fn shows_on(&self, revision: &str) -> bool {
        !self.not_on.contains(&revision)
    }
    /// The same entry, not expected to show on these revisions.
    pub const fn not_on(self, revisions: &'static [&'static str]) -> FaultSpec {
        FaultSpec { not_on: revisions, ..self }
    }
    /// The same entry, named by this bench finding instead of failing checks.
    pub const fn found_by(self, finding: &'static str) -> FaultSpec {
        FaultSpec { finding: Some(finding), ..self }
    }
}

impl Fault {
    /// This fault's catalogue entry.
    pub fn spec(self) -> &'static FaultSpec {
        // Every variant has exactly one entry; the unit test below proves it.
        CATALOGUE.iter().find(|s| s.fault == self).unwrap_or(&CATALOGUE[0])
    }

    /// The command-line name.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// Whether `serve plain --stdio` commits this fault: the stdio faults,
    /// the stdio shim's and the handler's (feature) faults. The rest are the
    /// HTTP layer's and the auth servers'.
    pub fn on_stdio(self) -> bool {
        use Fault::*;
        matches!(
            self,
            StdoutNoise
                | IgnoresEof
                | DiscoverOmitsHandshake
                | DiscoverUnavailable
                | BatchRefused
                | CancelIgnored
                | CancelRejected
                | ToolSchemaInvalid
                | ToolNameDuplicate
                | StructuredContentMismatch
                | ContentNotBase64
                | UnknownToolIsResult
                | InvalidArgumentsProtocolError
                | ResourceUriInvalid
                | ReadEmptyContents
                | TemplateMalformed
                | UnknownUriEmptyContents
                | UnknownUriNoData
                | DiscoverNoServerInfo
                | ListenUntagged
                | TaskRequiredUnnamed
                | TaskCreatedAtNotIso
                | TaskResultNotInlined
                | TaskInputRequestsEmpty
                | TaskCancelFinishedRefused
                | TaskUnknownIdInternalError
                | TasksListServed
                | TaskDroppedEarly
                | TaskPartialUpdateCompletes
                | TaskCompositionAnswerLost
                | PromptListedUnknown
                | PromptMissingArgumentAccepted
                | UnknownPromptWrongCode
                | CursorRepeats
                | InvalidCursorIgnored
                | LogMessageInvalid
                | CompletionUndeclared
                | CompletionTooMany
                | ProgressNotIncreasing
                | SetLevelUnchecked
                | SetLevelNotServed
                | SubscribeUndeclared
                | SubscribeNotServed
                | InputAskedForever
                | InputAsksUndeclared
                | TamperedStateAccepted
                | RequestStateOptional
                | AbsentResponsesComplete
                | InvalidInputAccepted
                | ServerRequestInvalid
                | ElicitationSchemaNested
                | UrlElicitationNoId
                | PromptRetryRefused
                | MissingInputError
                | ExtraInputRefused
                | LeakPerCall
        )
    }

    /// Looks a fault up by its command-line name.
    pub fn from_name(name: &str) -> Option<Fault> {
        CATALOGUE.iter().find(|s| s.name == name).map(|s| s.fault)
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A fault name that is not in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault {name:?} (known: {known})")]
pub struct UnknownFault {
    /// The name as given.
    pub name: String,
    /// The known names, comma-separated, for the error message.
    pub known: String,
}

/// A set of faults; the default (empty) set is the clean, correct server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultSet {
    faults: Vec<Fault>,
}

impl FaultSet {
    /// The clean server.
    pub fn clean() -> Self {
        Self::default()
    }

    /// Parses fault names (as given on the command line).
    pub fn parse(names: &[String]) -> Result<FaultSet, UnknownFault> {
        let mut set = FaultSet::default();
        for name in names {
            let fault = Fault::from_name(name.trim()).ok_or_else(|| UnknownFault {
                name: name.clone(),
                known: CATALOGUE.iter().map(|s| s.name).collect::<Vec<_>>().join(", "),
            })?;
            set.insert(fault);
        }
        Ok(set)
    }

    /// Adds a fault.
    pub fn insert(&mut self, fault: Fault) {
        if !self.faults.contains(&fault) {
            self.faults.push(fault);
            self.faults.sort();
        }
    }

    /// Builder form of [`FaultSet::insert`].
    pub fn with(mut self, fault: Fault) -> Self {
        self.insert(fault);
        self
    }

    /// Whether `fault` is switched on.
    pub fn contains(&self, fault: Fault) -> bool {
        self.faults.contains(&fault)
    }

    /// Whether this is the clean server.
    pub fn is_empty(&self) -> bool {
        self.faults.is_empty()
    }

    /// The faults switched on, in catalogue order.
    pub fn iter(&self) -> impl Iterator<Item = Fault> + '_ {
        self.faults.iter().copied()
    }
}

impl From<Fault> for FaultSet {
    fn from(fault: Fault) -> Self {
        FaultSet::default().with(fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_names_and_faults_are_unique() {
        for (i, a) in CATALOGUE.iter().enumerate() {
            for b in &CATALOGUE[i + 1..] {
                assert_ne!(a.name, b.name);
                assert_ne!(a.fault, b.fault);
            }
            assert_eq!(a.fault.spec().name, a.name);
            // A fault fails checks, or else a bench finding names it.
            assert_ne!(a.breaks.is_empty(), a.finding.is_none(), "{}", a.name);
        }
        // The plain server's first 18 (two for server/discover's list of
        // revisions), the transport catalogue's 20, the
        // feature checks' 19, the utilities' (cancellation, logging,
        // subscriptions) 6, Streamable HTTP's 6 and multi round-trip requests' 10, the robustness checks' 9,
        // the stateless revision's envelope, errors and removed methods 7,
        // subscriptions/listen's 2,
        // the authorized server's 23 (SEP-2243 header validation's 6 are
        // the last term)
        // and the test authorization server's 14 (4 for its metadata, 10 for
        // the endpoints the auth/as checks drive); then the one a bench
        // finding names.
        // The tasks extension's 11, then its 6 for notifications, the TTL,
        // input rounds and the wire, are added last.
        assert_eq!(CATALOGUE.len(), 18 + 20 + 19 + 6 + 6 + 10 + 9 + 7 + 2 + 23 + 14 + 1 + 8 + 6 + 11 + 6);
        // The groups are joined in order, none lost or doubled.
        assert_eq!(CATALOGUE.first().map(|f| f.name), Some("init-no-server-info"));
        assert_eq!(CATALOGUE.last().map(|f| f.name), Some("leak-per-call"));
    }

    #[test]
    fn parse_accepts_known_and_rejects_unknown() {
        let set = FaultSet::parse(&["ping-non-empty".into(), "accept-batch".into()]);
        assert_eq!(set.as_ref().map(|s| s.contains(Fault::PingNonEmpty)), Ok(true));
        let err = FaultSet::parse(&["no-such".into()]);
        assert!(matches!(err, Err(UnknownFault { ref name, .. }) if name == "no-such"));
        assert!(FaultSet::parse(&[]).is_ok_and(|s| s.is_empty()));
    }
}
