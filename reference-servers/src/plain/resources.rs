//! The plain server's resources: `info://server` and the notes, listed
//! [`super::PAGE_SIZE`] per page under cursors it issues itself, one
//! template, and reads; with the resource faults where a real server would
//! commit them. The handler in [`super`] only hands the requests over.

use rmcp::model::{
    CacheScope, ErrorData, ListResourceTemplatesResult, ListResourcesResult, ReadResourceResponse,
    ReadResourceResult, Resource, ResourceContents, ResourceTemplate,
};
use serde_json::json;

use super::{CURSOR_PREFIX, INFO_TEXT, INFO_URI, NOTES, PAGE_SIZE};
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

/// A page of `resources/list`; `stateless`: with 2026-07-28's caching hints.
pub(super) fn list(
    cursor: Option<&str>,
    faults: &FaultSet,
    stateless: bool,
) -> Result<ListResourcesResult, ErrorData> {
    let page = match page_of(cursor) {
        Some(p) => p,
        None if faults.contains(Fault::InvalidCursorIgnored) => 0,
        None => return Err(ErrorData::invalid_params("invalid cursor", None)),
    };
    let all = all_resources(faults);
    let items: Vec<Resource> = all.iter().skip(page * PAGE_SIZE).take(PAGE_SIZE).cloned().collect();
    let mut result = ListResourcesResult::with_all_items(items);
    if (page + 1) * PAGE_SIZE < all.len() {
        // `cursor-repeats`: the second page points back at itself.
        let next = if faults.contains(Fault::CursorRepeats) && page == 1 { page } else { page + 1 };
        result.next_cursor = Some(format!("{CURSOR_PREFIX}{next}"));
    }
    if stateless {
        result = result.with_ttl_ms(0).with_cache_scope(CacheScope::Public);
    }
    Ok(result)
}

/// `resources/templates/list`: the one note template.
pub(super) fn templates(faults: &FaultSet, stateless: bool) -> ListResourceTemplatesResult {
    let template = if faults.contains(Fault::TemplateMalformed) { "note://{id" } else { "note://{id}" };
    let mut result = ListResourceTemplatesResult::with_all_items(vec![
        ResourceTemplate::new(template, "note").with_mime_type("text/plain"),
    ]);
    if stateless {
        result = result.with_ttl_ms(0).with_cache_scope(CacheScope::Public);
    }
    result
}

/// `resources/read` of `uri`.
pub(super) fn read(uri: &str, faults: &FaultSet) -> Result<ReadResourceResponse, ErrorData> {
    if uri == INFO_URI {
        return Ok(ReadResourceResult::new(vec![ResourceContents::text(INFO_TEXT, INFO_URI)]).into());
    }
    let note = uri
        .strip_prefix("note://")
        .or_else(|| uri.strip_prefix("note "))
        .and_then(|n| n.parse::<usize>().ok().filter(|n| (1..=NOTES).contains(n)));
    match note {
        Some(2) if faults.contains(Fault::ReadEmptyContents) => Ok(ReadResourceResult::new(vec![]).into()),
        Some(n) => Ok(ReadResourceResult::new(vec![ResourceContents::text(format!("note {n}"), uri)]).into()),
        None if faults.contains(Fault::UnknownUriEmptyContents) => Ok(ReadResourceResult::new(vec![]).into()),
        // rmcp turns -32002 into -32602 for 2026-07-28 requests. The URI
        // goes in `data`, as in the error example of every revision's
        // resources page (server/resources#error-handling).
        None => {
            let data = (!faults.contains(Fault::UnknownUriNoData)).then(|| json!({"uri": uri}));
            Err(ErrorData::resource_not_found(format!("no resource at {uri}"), data))
        }
    }
}
