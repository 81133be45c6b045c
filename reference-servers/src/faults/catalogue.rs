//! The fault catalogue itself: every deliberate violation, the name it has
//! on the command line, the server that commits it and the checks it must make
//! fail (or the bench finding that must name it), one file per group, in the
//! order mcpcheck documents them. The types are in [`super`].

use super::FaultSpec;

mod auth;
mod features;
mod load;
mod protocol;
mod robustness;
mod tasks;

/// The handshake revisions, for faults that can only show on 2026-07-28.
const HANDSHAKE: &[&str] = &["2025-03-26", "2025-06-18", "2025-11-25"];

const GROUPS: &[&[FaultSpec]] =
    &[protocol::FAULTS, features::FAULTS, tasks::FAULTS, auth::FAULTS, robustness::FAULTS, load::FAULTS];

const LEN: usize = {
    let mut n = 0;
    let mut i = 0;
    while i < GROUPS.len() {
        n += GROUPS[i].len();
        i += 1;
    }
    n
};

/// The groups one after another, at compile time, so the catalogue stays a
/// plain `&'static [FaultSpec]` while each group keeps a file of its own.
const fn joined() -> [FaultSpec; LEN] {
    let mut out = [GROUPS[0][0]; LEN];
    let (mut i, mut k) = (0, 0);
    while i < GROUPS.len() {
        let mut j = 0;
        while j < GROUPS[i].len() {
            out[k] = GROUPS[i][j];
            k += 1;
            j += 1;
        }
        i += 1;
    }
    out
}

const ALL: [FaultSpec; LEN] = joined();

/// Every fault, in the order mcpcheck documents them.
pub const CATALOGUE: &[FaultSpec] = &ALL;
