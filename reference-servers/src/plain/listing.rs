//! The plain server's resource listing: `info://server` and the notes,
//! served [`super::PAGE_SIZE`] per page under cursors it issues itself.

use rmcp::model::Resource;

use super::{CURSOR_PREFIX, INFO_URI, NOTES};
use crate::faults::{Fault, FaultSet};

/// The page `cursor` asks for; `None` for a cursor this server never issued.
pub(super) fn page_of(cursor: Option<&str>) -> Option<usize> {
    match cursor {
        None => Some(0),
        Some(c) => c.strip_prefix(CURSOR_PREFIX)?.parse().ok(),
    }
}

/// `resources/list` items: `info://server` and `note://1..=NOTES`.
pub(super) fn all_resources(faults: &FaultSet) -> Vec<Resource> {
    let mut all = vec![Resource::new(INFO_URI, "server-info").with_mime_type("text/plain")];
    for n in 1..=NOTES {
        // `resource-uri-invalid`: the last note is listed under a non-URI.
        let uri = if faults.contains(Fault::ResourceUriInvalid) && n == NOTES {
            format!("note {n}")
        } else {
            format!("note://{n}")
        };
        all.push(Resource::new(uri, format!("note-{n}")).with_mime_type("text/plain"));
    }
    all
}
