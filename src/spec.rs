//! The vocabulary every check and report shares: protocol revisions, requirement
//! levels and references into the specification.
//!
//! Revisions are an enum, not strings, so that "which rule applies to which
//! revision" is a type-checked range (`Revisions`) rather than string compares
//! scattered through the checks.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A protocol revision mcpcheck can speak. Ordered oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum SpecVersion {
    #[serde(rename = "2025-03-26")]
    V2025_03_26,
    #[serde(rename = "2025-06-18")]
    V2025_06_18,
    #[serde(rename = "2025-11-25")]
    V2025_11_25,
    #[serde(rename = "2026-07-28")]
    V2026_07_28,
}

impl SpecVersion {
    /// Every revision, oldest first.
    pub const ALL: [SpecVersion; 4] = [
        SpecVersion::V2025_03_26,
        SpecVersion::V2025_06_18,
        SpecVersion::V2025_11_25,
        SpecVersion::V2026_07_28,
    ];

    /// The newest revision that still uses the `initialize` handshake.
    pub const NEWEST_HANDSHAKE: SpecVersion = SpecVersion::V2025_11_25;

    pub fn as_str(self) -> &'static str {
        match self {
            SpecVersion::V2025_03_26 => "2025-03-26",
            SpecVersion::V2025_06_18 => "2025-06-18",
            SpecVersion::V2025_11_25 => "2025-11-25",
            SpecVersion::V2026_07_28 => "2026-07-28",
        }
    }

    /// Revisions up to 2025-11-25 open a session with `initialize`; 2026-07-28 is
    /// stateless and carries the version in every request's `_meta`.
    pub fn has_handshake(self) -> bool {
        self < SpecVersion::V2026_07_28
    }

    /// 2025-06-18 introduced the `MCP-Protocol-Version` HTTP header.
    pub fn has_version_header(self) -> bool {
        self >= SpecVersion::V2025_06_18
    }
}

impl fmt::Display for SpecVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown protocol revision {0:?}; known: 2025-03-26, 2025-06-18, 2025-11-25, 2026-07-28")]
pub struct UnknownVersion(pub String);

impl FromStr for SpecVersion {
    type Err = UnknownVersion;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SpecVersion::ALL.into_iter().find(|v| v.as_str() == s).ok_or_else(|| UnknownVersion(s.to_string()))
    }
}

/// An inclusive range of revisions a check applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revisions {
    pub since: SpecVersion,
    pub until: SpecVersion,
}

impl Revisions {
    pub const ALL: Revisions = Revisions::between(SpecVersion::V2025_03_26, SpecVersion::V2026_07_28);
    pub const HANDSHAKE: Revisions = Revisions::between(SpecVersion::V2025_03_26, SpecVersion::V2025_11_25);

    pub const fn between(since: SpecVersion, until: SpecVersion) -> Self {
        Revisions { since, until }
    }
    pub const fn since(since: SpecVersion) -> Self {
        Revisions { since, until: SpecVersion::V2026_07_28 }
    }
    pub fn contains(self, v: SpecVersion) -> bool {
        self.since <= v && v <= self.until
    }
    pub fn iter(self) -> impl Iterator<Item = SpecVersion> {
        SpecVersion::ALL.into_iter().filter(move |v| self.contains(*v))
    }
}

impl fmt::Display for Revisions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.since == self.until {
            write!(f, "{}", self.since)
        } else if self.until == SpecVersion::V2026_07_28 {
            write!(f, "{}+", self.since)
        } else {
            write!(f, "{}..{}", self.since, self.until)
        }
    }
}

/// How binding a requirement is (RFC 2119 keyword of the sentence a check enforces).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Must,
    Should,
    May,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "must",
            Level::Should => "should",
            Level::May => "may",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where in the specification a requirement lives: a page below
/// `docs/specification/<revision>/` and an anchor, e.g. `basic/lifecycle#initialization`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecRef {
    pub page: &'static str,
    pub anchor: &'static str,
}

impl SpecRef {
    /// The reference as the report shows it: `2025-11-25 basic/lifecycle#initialization`.
    pub fn for_version(&self, v: SpecVersion) -> String {
        format!("{v} {}#{}", self.page_in(v), self.anchor)
    }
    /// The page as that revision names it: 2026-07-28 split `basic/transports`
    /// into one page per transport, and `basic/authorization` into an index
    /// and three pages (found by the section the anchor names).
    pub fn page_in(&self, v: SpecVersion) -> &'static str {
        match self.page {
            "basic/transports" if v >= SpecVersion::V2026_07_28 => "basic/transports/streamable-http",
            "basic/authorization" if v >= SpecVersion::V2026_07_28 => match self.anchor {
                "authorization-server-location"
                | "protected-resource-metadata-discovery-requirements"
                | "authorization-server-metadata-discovery" => {
                    "basic/authorization/authorization-server-discovery"
                }
                "client-id-metadata-documents"
                | "preregistration"
                | "pre-registration"
                | "dynamic-client-registration"
                | "authorization-server-binding" => "basic/authorization/client-registration",
                "token-audience-binding-and-validation"
                | "token-theft"
                | "authorization-code-protection"
                | "open-redirection" => "basic/authorization/security-considerations",
                _ => "basic/authorization",
            },
            page => page,
        }
    }
    /// A link to the published page of that revision.
    pub fn url(&self, v: SpecVersion) -> String {
        page_url(v, self.page_in(v), self.anchor)
    }
}

fn page_url(v: SpecVersion, page: &str, anchor: &str) -> String {
    // Extensions are specified by their SEP, published outside the revisions.
    if page.starts_with("seps/") {
        return format!("https://modelcontextprotocol.io/{page}#{anchor}");
    }
    format!("https://modelcontextprotocol.io/specification/{v}/{page}#{anchor}")
}

/// The link to the published page of a reference in the form the report
/// shows ([`SpecRef::for_version`]: `2025-11-25 basic/lifecycle#initialization`).
/// `None` for anything else, such as a hand-edited report's text: a page or
/// anchor with characters no specification path has would not make a link.
pub fn url_of_ref(spec_ref: &str) -> Option<String> {
    let (revision, place) = spec_ref.split_once(' ')?;
    let v: SpecVersion = revision.parse().ok()?;
    let (page, anchor) = place.split_once('#')?;
    let plain = |s: &str, extra: &[char]| {
        !s.is_empty()
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || extra.contains(&c))
    };
    (plain(page, &['/']) && plain(anchor, &[])).then(|| page_url(v, page, anchor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_round_trip_and_order() {
        for v in SpecVersion::ALL {
            assert_eq!(v.as_str().parse::<SpecVersion>().unwrap(), v);
        }
        assert!(SpecVersion::V2025_03_26 < SpecVersion::V2026_07_28);
        assert!("2024-11-05".parse::<SpecVersion>().is_err());
    }

    #[test]
    fn a_report_reference_becomes_the_link_of_its_page() {
        let r = SpecRef { page: "basic/transports", anchor: "session-management" };
        let v = SpecVersion::V2026_07_28;
        assert_eq!(url_of_ref(&r.for_version(v)), Some(r.url(v)));
        assert_eq!(
            r.url(v),
            "https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http#session-management"
        );
        assert_eq!(url_of_ref(""), None);
        assert_eq!(url_of_ref("1999-01-01 basic/lifecycle#x"), None);
        assert_eq!(url_of_ref("2025-11-25 basic/lifecycle"), None);
        assert_eq!(url_of_ref("2025-11-25 basic/<script>#x"), None);
    }

    #[test]
    fn revision_ranges() {
        let r = Revisions::since(SpecVersion::V2025_06_18);
        assert!(!r.contains(SpecVersion::V2025_03_26));
        assert!(r.contains(SpecVersion::V2026_07_28));
        assert_eq!(r.to_string(), "2025-06-18+");
        assert_eq!(Revisions::HANDSHAKE.to_string(), "2025-03-26..2025-11-25");
        assert_eq!(Revisions::HANDSHAKE.iter().count(), 3);
    }
}
