//! Faults of the tasks extension (`io.modelcontextprotocol/tasks`,
//! SEP-2663) on 2026-07-28: one for each `tasks/*` check. The first four
//! are the HTTP layer's (rmcp's typed task results cannot carry them), the
//! next seven the plain handler's; of the six after them, the first two
//! are the HTTP layer's again (headers and a request field rmcp's types
//! drop), the rest the handler's.

use crate::faults::{Fault, FaultSpec, spec};

pub(super) const FAULTS: &[FaultSpec] = &[
    spec(
        Fault::TasksLegacyCapability,
        "tasks-legacy-capability",
        &["tasks/capability/advertised"],
        "advertises the 2025-11-25 `tasks` capability in server/discover beside the extension",
    ),
    spec(
        Fault::TasksUngated,
        "tasks-ungated",
        &["tasks/capability/gated"],
        "serves tasks/get, tasks/update and tasks/cancel to requests that do not declare the extension",
    ),
    spec(
        Fault::TaskV1FieldNames,
        "task-v1-field-names",
        &["tasks/wire/field-names"],
        "puts the v1 names `ttl` and `pollInterval` beside `ttlMs` and `pollIntervalMs` on create-task results and tasks/get answers",
    ),
    spec(
        Fault::TaskRequestState,
        "task-request-state",
        // A tool whose multi round-trip round ends in a task hands over a
        // create-task result with requestState too.
        &["tasks/wire/no-request-state", "tasks/input-required/composition"],
        "gives every create-task result a `requestState`",
    ),
    spec(
        Fault::TaskRequiredUnnamed,
        "task-required-unnamed",
        &["tasks/capability/required-task-error"],
        "refuses tasked_rename without the extension declared with -32021 whose requiredCapabilities leave the extension out",
    ),
    spec(
        Fault::TaskCreatedAtNotIso,
        "task-created-at-not-iso",
        &["tasks/lifecycle/create-result-shape"],
        "gives create-task results the createdAt \"just now\"",
    ),
    spec(
        Fault::TaskResultNotInlined,
        "task-result-not-inlined",
        // The composed tool's result, read with tasks/get, loses the answer
        // it should reflect.
        &["tasks/lifecycle/get-detailed", "tasks/input-required/composition"],
        "answers tasks/get of a completed task with an empty object as its result (its status notifications stay right)",
    ),
    spec(
        Fault::TaskInputRequestsEmpty,
        "task-input-requests-empty",
        &["tasks/input-required/surfaced"],
        "reports a task waiting for input as input_required with an empty inputRequests",
    ),
    spec(
        Fault::TaskCancelFinishedRefused,
        "task-cancel-finished-refused",
        &["tasks/lifecycle/cancel-ack"],
        "refuses tasks/cancel of a finished task with -32602",
    ),
    spec(
        Fault::TaskUnknownIdInternalError,
        "task-unknown-id-internal-error",
        &["tasks/dispatch/unknown-task-32602"],
        "answers tasks/get, tasks/update and tasks/cancel of an unknown task id with -32603",
    ),
    spec(
        Fault::TasksListServed,
        "tasks-list-served",
        &["tasks/dispatch/removed-methods"],
        "answers the removed tasks/list with an empty list of tasks",
    ),
    spec(
        Fault::TaskNameHeaderUnchecked,
        "task-name-header-unchecked",
        &["tasks/headers/mcp-name-task-id"],
        "serves tasks/get, tasks/update and tasks/cancel whose Mcp-Name disagrees with params.taskId",
    ),
    spec(
        Fault::TaskParamRefused,
        "task-param-refused",
        &["tasks/dispatch/legacy-task-param"],
        "refuses a tools/call that carries the v1 `task` parameter with -32602 instead of ignoring it",
    ),
    spec(
        Fault::TaskNotificationMalformed,
        "task-notification-malformed",
        &["tasks/notifications/status-shape"],
        "sends task status notifications without taskId and with the status \"done\"",
    ),
    spec(
        Fault::TaskDroppedEarly,
        "task-dropped-early",
        &["tasks/lifecycle/ttl-honored"],
        "forgets a task a second after it was first seen finished, though its ttlMs is a minute",
    ),
    spec(
        Fault::TaskPartialUpdateCompletes,
        "task-partial-update-completes",
        &["tasks/input-required/partial-update"],
        "takes the input requests a partial tasks/update leaves unanswered as declined, so the task goes on",
    ),
    spec(
        Fault::TaskCompositionAnswerLost,
        "task-composition-answer-lost",
        &["tasks/input-required/composition"],
        "creates tasked_greeting's task without the name its multi round-trip round gathered",
    ),
];
