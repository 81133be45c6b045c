//! Faults under hostile input (`mcpcheck test --robustness`): a server that
//! fails, hangs or leaks input back on the robustness checks' abuse.

use crate::faults::{Fault, FaultSpec, spec};

pub(super) const FAULTS: &[FaultSpec] = &[
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
        Fault::RobustnessSessionCap500,
        "robustness-session-cap-500",
        &["robustness/sessions/burst"],
        "never forgets a session, and answers every initialize past the 150th with 500",
    ),
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
];
