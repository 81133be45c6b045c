//! Faults no single exchange shows, only a load run: each is named by a
//! `mcpcheck bench` finding rather than failing a check.

use crate::faults::{Fault, FaultSpec, spec};

pub(super) const FAULTS: &[FaultSpec] = &[
    // Kept per call and never freed, as a session table that is never pruned
    // or a cache without a bound would.
    spec(
        Fault::LeakPerCall,
        "leak-per-call",
        &[],
        "keeps 64 KiB of memory for every tools/call, up to 1 GiB",
    )
    .found_by("memory-growth"),
];
