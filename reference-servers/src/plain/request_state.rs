//! `requestState` for the plain server's multi round-trip tools: what the
//! server needs to remember between rounds, carried by the client and sealed
//! with HMAC-SHA256 under a key made once per process.
//!
//! The spec makes the echoed state attacker-controlled input: "If
//! `requestState` influences authorization, resource access, or business
//! logic, servers **MUST** protect its integrity (e.g. HMAC or AEAD) and
//! **MUST** reject state that fails verification" (2026-07-28
//! basic/patterns/mrtr). Here it decides which round a call is in and carries
//! the answers of earlier rounds, so it is sealed, bound to the tool it was
//! issued for, and given a short expiry, as the spec's replay advice asks. It
//! is signed, not encrypted: nothing in it is secret.
//!
//! HMAC comes from aws-lc-rs, which rustls and jsonwebtoken already build
//! into the workspace; rmcp's own `RequestStateCodec` would pull in the
//! `hmac` and `sha2` crates besides.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::{Deserialize, Serialize};

/// How long a state stays good: long enough for a person to answer a form.
pub const TTL: Duration = Duration::from_secs(600);
/// Mixed into every tag, so a tag made with this key for anything else can
/// never pass as a request state.
const DOMAIN: &[u8] = b"mcpcheck-plain/mrtr/request-state/v1|";

/// What a state remembers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// The tool the state was issued by; a state is good for that tool only.
    pub tool: String,
    /// The round the retry answers (0 = the first round's requests).
    pub round: usize,
    /// Answers of earlier rounds, in order (the two-round tool's name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<String>,
    /// Expiry, in seconds since the Unix epoch.
    pub expires: u64,
}

/// Why an echoed state was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    #[error("requestState is not one this server issued (malformed)")]
    Malformed,
    #[error("requestState failed integrity verification")]
    BadTag,
    #[error("requestState was issued for tool {0}, not this one")]
    OtherTool(String),
    #[error("requestState has expired")]
    Expired,
    #[error("no key to seal or open requestState with")]
    NoKey,
}

/// The process's key, made on first use.
fn key() -> Option<&'static hmac::Key> {
    static KEY: OnceLock<Option<hmac::Key>> = OnceLock::new();
    KEY.get_or_init(|| hmac::Key::generate(hmac::HMAC_SHA256, &aws_lc_rs::rand::SystemRandom::new()).ok())
        .as_ref()
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn signed(payload: &[u8]) -> Vec<u8> {
    [DOMAIN, payload].concat()
}

impl State {
    /// A state for `tool`'s round `round`, good for [`TTL`] from now.
    pub fn new(tool: &str, round: usize, answers: Vec<String>) -> State {
        State { tool: tool.to_owned(), round, answers, expires: now() + TTL.as_secs() }
    }

    /// The opaque string: base64url(payload) "." base64url(tag).
    pub fn seal(&self) -> Result<String, StateError> {
        let key = key().ok_or(StateError::NoKey)?;
        let payload = serde_json::to_vec(self).map_err(|_| StateError::Malformed)?;
        let tag = hmac::sign(key, &signed(&payload));
        Ok(format!("{}.{}", B64.encode(&payload), B64.encode(tag.as_ref())))
    }

    /// The state in `sealed`, if its tag verifies, it belongs to `tool` and
    /// it has not expired.
    pub fn open(sealed: &str, tool: &str) -> Result<State, StateError> {
        let key = key().ok_or(StateError::NoKey)?;
        let (payload, tag) = sealed.split_once('.').ok_or(StateError::Malformed)?;
        let payload = B64.decode(payload).map_err(|_| StateError::Malformed)?;
        let tag = B64.decode(tag).map_err(|_| StateError::Malformed)?;
        hmac::verify(key, &signed(&payload), &tag).map_err(|_| StateError::BadTag)?;
        State::checked(Self::parse(&payload)?, tool)
    }

    /// The `tampered-state-accepted` fault's reading: the payload without
    /// looking at the tag (a state whose payload no longer parses starts the
    /// tool from its first round).
    pub fn open_unverified(sealed: &str, tool: &str) -> State {
        let payload = sealed.split_once('.').map_or(sealed, |(p, _)| p);
        B64.decode(payload)
            .ok()
            .and_then(|p| Self::parse(&p).ok())
            .filter(|s| s.tool == tool)
            .unwrap_or_else(|| State::new(tool, 0, Vec::new()))
    }

    fn parse(payload: &[u8]) -> Result<State, StateError> {
        serde_json::from_slice(payload).map_err(|_| StateError::Malformed)
    }

    fn checked(state: State, tool: &str) -> Result<State, StateError> {
        if state.tool != tool {
            return Err(StateError::OtherTool(state.tool));
        }
        if state.expires < now() {
            return Err(StateError::Expired);
        }
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_state_opens_for_its_tool_only() {
        let sealed = State::new("t", 1, vec!["Ada".into()]).seal().expect("sealed");
        let opened = State::open(&sealed, "t").expect("opens");
        assert_eq!((opened.round, opened.answers), (1, vec!["Ada".to_string()]));
        assert_eq!(State::open(&sealed, "u"), Err(StateError::OtherTool("t".into())));
    }

    #[test]
    fn any_changed_character_is_refused() {
        let sealed = State::new("t", 0, Vec::new()).seal().expect("sealed");
        for i in [0, sealed.len() / 2, sealed.len() - 1] {
            let mut bytes = sealed.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let tampered = String::from_utf8(bytes).expect("ascii");
            assert!(State::open(&tampered, "t").is_err(), "{tampered}");
        }
        assert_eq!(State::open("no-dot", "t"), Err(StateError::Malformed));
    }

    #[test]
    fn an_expired_state_is_refused() {
        let mut state = State::new("t", 0, Vec::new());
        state.expires = 1;
        let sealed = state.seal().expect("sealed");
        assert_eq!(State::open(&sealed, "t"), Err(StateError::Expired));
    }
}
