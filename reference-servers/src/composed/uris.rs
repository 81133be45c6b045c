//! Resource URIs inside results: a tool result or prompt that links to or
//! embeds a child's resource names it by the child's own URI, which the
//! client cannot read through the composed server (or the proxy). These
//! helpers put the namespace into them, as `resources/list` did, so a client
//! can read back what it was handed.
//!
//! Only URIs with a scheme the child serves resources under are renamed (the
//! schemes of its resources and templates): a link to `https://...` or to
//! another server's resource is left as it is.

use std::collections::BTreeSet;

use rmcp::model::{ContentBlock, PromptMessage, ResourceContents};

use super::{Catalogue, namespace_uri};

/// The URI schemes a server offers resources under.
pub fn schemes_of(c: &Catalogue) -> BTreeSet<String> {
    let uris =
        c.resources.iter().map(|r| r.uri.as_str()).chain(c.templates.iter().map(|t| t.uri_template.as_str()));
    uris.filter_map(|u| u.split_once("://").map(|(s, _)| s.to_owned())).collect()
}

/// `uri` under `ns`, if its scheme is one of `schemes`.
fn rename(uri: &mut String, ns: &str, schemes: &BTreeSet<String>) {
    let served = uri.split_once("://").is_some_and(|(s, _)| schemes.contains(s));
    if served && let Some(namespaced) = namespace_uri(uri, ns) {
        *uri = namespaced;
    }
}

/// Embedded contents' URI under `ns`.
pub fn namespace_contents(c: &mut ResourceContents, ns: &str, schemes: &BTreeSet<String>) {
    match c {
        ResourceContents::TextResourceContents { uri, .. }
        | ResourceContents::BlobResourceContents { uri, .. } => rename(uri, ns, schemes),
        // A kind of contents newer than this server: left as is.
        _ => {}
    }
}

/// Resource links' and embedded resources' URIs under `ns`.
pub fn namespace_blocks<'a>(
    blocks: impl IntoIterator<Item = &'a mut ContentBlock>,
    ns: &str,
    schemes: &BTreeSet<String>,
) {
    for block in blocks {
        match block {
            ContentBlock::ResourceLink(link) => rename(&mut link.uri, ns, schemes),
            ContentBlock::Resource(embedded) => namespace_contents(&mut embedded.resource, ns, schemes),
            _ => {}
        }
    }
}

/// The same for a prompt's messages.
pub fn namespace_messages(messages: &mut [PromptMessage], ns: &str, schemes: &BTreeSet<String>) {
    namespace_blocks(messages.iter_mut().map(|m| &mut m.content), ns, schemes);
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmcp::model::Resource;

    #[test]
    fn only_served_schemes_are_renamed() {
        let schemes: BTreeSet<String> = ["calc".to_owned()].into();
        let mut blocks = vec![
            ContentBlock::resource_link(Resource::new("calc://about", "about")),
            ContentBlock::resource_link(Resource::new("https://example.com/x", "elsewhere")),
            ContentBlock::embedded_text("calc://result/1/2", "3"),
            ContentBlock::text("calc://not-a-uri-field"),
        ];
        namespace_blocks(&mut blocks, "add", &schemes);
        let v = serde_json::to_value(&blocks).unwrap();
        assert_eq!(v[0]["uri"], "calc://add/about");
        assert_eq!(v[1]["uri"], "https://example.com/x");
        assert_eq!(v[2]["resource"]["uri"], "calc://add/result/1/2");
        assert_eq!(v[3]["text"], "calc://not-a-uri-field");
    }
}
