//! Which revisions a run tests, and why: the revision plan.
//!
//! Most servers serve two eras on one endpoint: the `initialize` handshake
//! (2025-03-26 .. 2025-11-25) and, more and more, stateless 2026-07-28. A run
//! that tested only the newest would never send `initialize` to such a server
//! and miss every bug of its handshake era, so by default every revision is
//! probed and every one the server supports is tested:
//!
//! - 2026-07-28: `server/discover` with the per-request envelope; listed in its
//!   `supportedVersions` means *discovered*. When discover fails or does not
//!   list it, a stateless `tools/list` that is answered with a 2026-07-28 result
//!   (one with `resultType`) means the server serves the revision anyway: it is
//!   tested as *served*, and `discover/versions/lists-served` (discover
//!   fails) or `discover/result/shape` (it leaves the revision out) fails
//!   there rather than the run silently falling back to the handshake era.
//! - each handshake revision: `initialize` asking for it; answered with the
//!   same version means *negotiated*, anything else *refused*, unless
//!   `server/discover` lists the revision: a server is held to what it says it
//!   supports, so that revision is tested (*discovered*) and the checks see
//!   its initialize answer.
//!
//! `--spec VERSION` skips the probes (*forced*); `--spec newest` keeps only the
//! newest revision the probes found. Every probe's exchanges go into the
//! report beside the choice they made.

use crate::checks::discover::supported_versions;
use crate::report::model::{Exchange, Selection};
use crate::spec::SpecVersion;
use crate::wire::WireError;
use crate::wire::record::Recorder;
use crate::wire::session::{Endpoint, Session};
use serde_json::Value;

/// What `--spec` asked for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Choice {
    /// Every revision the server supports (the default).
    #[default]
    Every,
    /// Only the newest revision the server supports.
    Newest,
    /// These revisions, without asking the server.
    Forced(Vec<SpecVersion>),
}

impl Choice {
    /// `--spec` values: `auto` (or none), `newest`, or revisions (repeatable,
    /// or comma-separated).
    pub fn parse(values: &[String]) -> Result<Choice, String> {
        let words: Vec<&str> =
            values.iter().flat_map(|v| v.split(',')).map(str::trim).filter(|w| !w.is_empty()).collect();
        match words.as_slice() {
            [] | ["auto"] => Ok(Choice::Every),
            ["newest"] => Ok(Choice::Newest),
            _ if words.iter().any(|w| *w == "auto" || *w == "newest") => {
                Err("--spec auto and --spec newest stand alone; they do not mix with revisions".into())
            }
            _ => {
                let mut versions = Vec::new();
                for w in words {
                    let v = w.parse::<SpecVersion>().map_err(|e| e.to_string())?;
                    if !versions.contains(&v) {
                        versions.push(v);
                    }
                }
                versions.sort();
                Ok(Choice::Forced(versions))
            }
        }
    }
}

/// One revision of the plan.
#[derive(Debug, Clone)]
pub struct Planned {
    pub version: SpecVersion,
    pub selection: Selection,
    pub detail: String,
    pub exchanges: Vec<Exchange>,
    /// The probe was answered 401: the server wants a token first.
    pub unauthorized: bool,
}

impl Planned {
    pub fn tested(&self) -> bool {
        self.selection.tested()
    }
}

/// Every revision considered, oldest first.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub revisions: Vec<Planned>,
}

impl Plan {
    /// These revisions, forced (no probe).
    pub fn forced(versions: &[SpecVersion]) -> Plan {
        let mut versions = versions.to_vec();
        versions.sort();
        versions.dedup();
        let revisions = versions
            .into_iter()
            .map(|version| Planned {
                version,
                selection: Selection::Forced,
                detail: "named with --spec; tested without asking the server".into(),
                exchanges: vec![],
                unauthorized: false,
            })
            .collect();
        Plan { revisions }
    }

    /// The revisions whose checks run, oldest first.
    pub fn tested(&self) -> impl Iterator<Item = SpecVersion> + '_ {
        self.revisions.iter().filter(|p| p.tested()).map(|p| p.version)
    }

    /// The newest tested revision.
    pub fn newest(&self) -> Option<SpecVersion> {
        self.tested().last()
    }
}

/// Why no revision could be tested: the target is unreachable or supports
/// none that mcpcheck knows. Exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{target} could not be reached: {cause}")]
    Unreachable { target: String, cause: WireError },
    #[error("{target} supports none of the revisions mcpcheck checks: {detail}")]
    NoRevision { target: String, detail: String },
    #[error(
        "{target} answered every probe with 401: it needs a token. Give one (--token, --client-id and \
         --client-secret, --auth-issuer), or let mcpcheck register a client where the server allows it \
         (the default without --no-register)"
    )]
    Unauthorized { target: String },
}

/// Probes the server (unless the choice forces revisions) and returns the plan.
pub async fn make(endpoint: &Endpoint, choice: &Choice) -> Result<Plan, PlanError> {
    if let Choice::Forced(versions) = choice {
        return Ok(Plan::forced(versions));
    }
    let target = endpoint.describe();
    let handshakes = [SpecVersion::V2025_03_26, SpecVersion::V2025_06_18, SpecVersion::V2025_11_25];
    let (modern, legacy) = futures::join!(
        probe_modern(endpoint),
        futures::future::join_all(handshakes.iter().map(|v| probe_handshake(endpoint, *v)))
    );
    let unreachable = |cause| PlanError::Unreachable { target: target.clone(), cause };
    let (modern, listed) = modern.map_err(unreachable)?;
    let mut revisions = Vec::with_capacity(4);
    for probe in legacy {
        let mut p = probe.map_err(unreachable)?;
        // A revision the server lists as supported is held to it, even when
        // its initialize answer named another.
        if p.selection == Selection::Refused && listed.iter().any(|v| v == p.version.as_str()) {
            p.selection = Selection::Discovered;
            p.detail = format!("server/discover lists it, although {}", p.detail);
        }
        revisions.push(p);
    }
    revisions.push(modern);
    if !revisions.iter().any(Planned::tested) && revisions.iter().all(|p| p.unauthorized) {
        return Err(PlanError::Unauthorized { target });
    }
    if !revisions.iter().any(Planned::tested) {
        let detail = revisions.iter().map(|p| format!("{}: {}", p.version, p.detail)).collect::<Vec<_>>();
        return Err(PlanError::NoRevision { target, detail: detail.join("; ") });
    }
    let mut plan = Plan { revisions };
    if *choice == Choice::Newest {
        let newest = plan.newest();
        plan.revisions.retain(|p| Some(p.version) == newest);
    }
    Ok(plan)
}

/// Trouble that means the target cannot be reached at all (rather than a
/// server that answers badly).
fn unreachable(e: &WireError) -> bool {
    matches!(e, WireError::Connect(_) | WireError::Process(_))
}

/// 2026-07-28: discovered, served, or refused; with the revisions
/// `server/discover` listed.
async fn probe_modern(endpoint: &Endpoint) -> Result<(Planned, Vec<String>), WireError> {
    let version = SpecVersion::V2026_07_28;
    let rec = Recorder::new();
    let mut s = Session::connect(endpoint, version, rec.clone())?;
    let mut listed = Vec::new();
    let mut unauthorized = false;
    let discovered = match s.request("server/discover", None).await {
        Ok(a) => {
            unauthorized = a.reply.status() == Some(401);
            listed = supported_versions(&a);
            if listed.iter().any(|v| v == version.as_str()) {
                let detail = format!("server/discover lists it (supportedVersions {listed:?})");
                return Ok((planned(version, Selection::Discovered, detail, &rec, false), listed));
            }
            match a.result() {
                Some(_) => format!("server/discover answered without it (supportedVersions {listed:?})"),
                None => format!("server/discover answered {}", a.reply.summary()),
            }
        }
        Err(e) if unreachable(&e) => return Err(e),
        // A legacy server may answer a stray request badly, even time out.
        Err(e) => format!("server/discover got {e}"),
    };
    let served = match s.request("tools/list", None).await {
        Ok(a) if a.result().is_some_and(|r| r.get("resultType").is_some()) => true,
        Ok(_) | Err(_) => false,
    };
    let (selection, detail) = if served {
        (
            Selection::Served,
            format!("{discovered}, but a stateless tools/list was answered with a 2026-07-28 result"),
        )
    } else {
        (Selection::Refused, format!("{discovered}, and a stateless tools/list got no 2026-07-28 result"))
    };
    Ok((planned(version, selection, detail, &rec, unauthorized), listed))
}

/// A handshake revision: negotiated when `initialize` asking for it is
/// answered with it.
async fn probe_handshake(endpoint: &Endpoint, version: SpecVersion) -> Result<Planned, WireError> {
    let rec = Recorder::new();
    let mut s = Session::connect(endpoint, version, rec.clone())?;
    let mut unauthorized = false;
    let (selection, detail) = match s.initialize(version.as_str()).await {
        Ok(a) => {
            unauthorized = a.reply.status() == Some(401);
            let named = a.result().and_then(|r| r.get("protocolVersion")).and_then(Value::as_str);
            match named {
                Some(v) if v == version.as_str() => (
                    Selection::Negotiated,
                    format!("initialize asked for {version} and the server answered {v}"),
                ),
                Some(v) => {
                    (Selection::Refused, format!("initialize asked for {version}; the server answered {v}"))
                }
                None => {
                    (Selection::Refused, format!("initialize asked for {version}; {}", a.reply.summary()))
                }
            }
        }
        Err(e) if unreachable(&e) => return Err(e),
        Err(e) => (Selection::Refused, format!("initialize asked for {version}; {e}")),
    };
    if s.session_id.is_some() {
        // Best effort: don't leave the probe's session open on the server.
        let _ = s.http_bodiless(reqwest::Method::DELETE, &Default::default()).await;
    }
    Ok(planned(version, selection, detail, &rec, unauthorized))
}

fn planned(
    version: SpecVersion,
    selection: Selection,
    detail: String,
    rec: &Recorder,
    unauthorized: bool,
) -> Planned {
    Planned { version, selection, detail, exchanges: rec.take(), unauthorized }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn spec_values_parse_into_a_choice() {
        assert_eq!(Choice::parse(&[]).unwrap(), Choice::Every);
        assert_eq!(Choice::parse(&words(&["auto"])).unwrap(), Choice::Every);
        assert_eq!(Choice::parse(&words(&["newest"])).unwrap(), Choice::Newest);
        assert_eq!(
            Choice::parse(&words(&["2025-11-25", "2025-03-26,2025-11-25"])).unwrap(),
            Choice::Forced(vec![SpecVersion::V2025_03_26, SpecVersion::V2025_11_25])
        );
        assert!(Choice::parse(&words(&["newest", "2025-11-25"])).is_err());
        assert!(Choice::parse(&words(&["2024-11-05"])).unwrap_err().contains("unknown protocol revision"));
    }

    #[test]
    fn a_forced_plan_tests_exactly_its_revisions() {
        let plan =
            Plan::forced(&[SpecVersion::V2026_07_28, SpecVersion::V2025_06_18, SpecVersion::V2025_06_18]);
        assert_eq!(plan.tested().collect::<Vec<_>>(), [SpecVersion::V2025_06_18, SpecVersion::V2026_07_28]);
        assert_eq!(plan.newest(), Some(SpecVersion::V2026_07_28));
        assert!(plan.revisions.iter().all(|p| p.selection == Selection::Forced));
    }
}
