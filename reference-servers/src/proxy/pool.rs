//! Backend sessions shared by stateless frontend requests.
//!
//! Why: on 2026-07-28 the frontend has no session, so every request gets a
//! handler of its own ([`super::ProxyFactory::session`]). Opening backend
//! sessions per handler cost each call four extra backend requests
//! (`initialize`, `notifications/initialized`, the GET stream, `DELETE`) and,
//! with a stdio backend, a process; `mcpcheck bench` measures exactly that
//! revision by default. So the proxy owns, per backend and per revision, a
//! pool of sessions opened once and reused by every stateless request.
//!
//! Bound: at most [`POOL_SIZE`] sessions per backend and revision (for a
//! stdio backend, that many processes). A request takes an idle session,
//! opens a new one only while all are busy and the bound is not reached, and
//! otherwise shares the least busy one (or, while all the bound is still
//! opening, waits for one, at most [`TIMEOUT`]): both transports carry
//! concurrent requests in one session (HTTP POSTs, stdio requests told apart
//! by id), so the bound caps processes and sessions, not requests in flight.
//! Four lets a backend that serves one request at a time (many stdio
//! servers do) work on four at once, while a proxy with several backends
//! still keeps only a few processes running.
//!
//! The sessions speak [`super::backend::BACKEND_VERSION`], a handshake
//! revision: each pays its `initialize` once, when it opens, never per call.
//!
//! Pooled sessions are opened without a [`super::Relay`]: no frontend
//! session outlives the request, so there is no GET stream to relay to. What
//! a backend sends during a request still reaches its client, on the
//! request's own stream (HTTP) or by the request's id and progress token
//! (stdio, [`super::stdio_backend`]). A session that failed is dropped from
//! the pool (and a stdio one whose process exited is never handed out), so
//! the next request opens a new one: a dead backend is reconnected.

use std::{collections::HashMap, sync::Arc};

use super::backend::{Backend, BackendError, BackendSession, TIMEOUT};

/// Most sessions per backend and revision (stdio: most processes).
pub const POOL_SIZE: usize = 4;

/// The proxy's pooled backend sessions, keyed by backend name and revision.
#[derive(Debug, Default)]
pub(super) struct Pool {
    entries: std::sync::Mutex<HashMap<(String, String), Entry>>,
    /// Woken whenever an open ends (with a session or not).
    changed: tokio::sync::Notify,
}

#[derive(Debug, Default)]
struct Entry {
    sessions: Vec<Arc<BackendSession>>,
    /// Sessions being opened now, counted against the bound.
    opening: usize,
}

/// Requests in flight on `s` besides the pool's own reference.
fn users(s: &Arc<BackendSession>) -> usize {
    Arc::strong_count(s) - 1
}

impl Pool {
    /// A session with `backend` at `version`: an idle pooled one, a new one
    /// while the bound allows, else the least busy.
    pub(super) async fn checkout(
        &self,
        backend: &Backend,
        version: &str,
    ) -> Result<Arc<BackendSession>, BackendError> {
        let key = (backend.name.clone(), version.to_owned());
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        loop {
            // Registered before the state is read, so that an open ending
            // between the read and the wait is not missed.
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            {
                let mut entries = self.lock();
                let entry = entries.entry(key.clone()).or_default();
                entry.sessions.retain(|s| !s.is_dead());
                let full = entry.sessions.len() + entry.opening >= POOL_SIZE;
                // Busyness read on the pool's own references, before cloning.
                let least = entry.sessions.iter().min_by_key(|s| users(s)).map(|s| (users(s), s.clone()));
                match least {
                    Some((0, s)) => return Ok(s),
                    Some((_, s)) if full => return Ok(s),
                    // The bound is all sessions still opening: wait for one.
                    None if full => {}
                    _ => {
                        entry.opening += 1;
                        break;
                    }
                }
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return Err(BackendError::Transport(format!("no session opened within {TIMEOUT:?}")));
            }
        }
        // Counted as opening until this ends, even if the request is dropped
        // meanwhile (its frontend client went away).
        let _opening = Opening { pool: self, key: key.clone() };
        // Opened without holding the lock: other backends and idle sessions
        // stay available meanwhile.
        let s = Arc::new(backend.open(version, None).await?);
        self.lock().entry(key).or_default().sessions.push(s.clone());
        Ok(s)
    }

    /// Drops `session` from the pool (it failed): the next request opens
    /// another.
    pub(super) fn drop_session(&self, backend: &Backend, session: &Arc<BackendSession>) {
        for ((name, _), entry) in self.lock().iter_mut() {
            if *name == backend.name {
                entry.sessions.retain(|s| !Arc::ptr_eq(s, session));
            }
        }
    }

    /// The entries; a poisoned lock (a panic elsewhere) still holds usable
    /// counts and sessions.
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Entry>> {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A session being opened, counted against the bound until dropped.
struct Opening<'a> {
    pool: &'a Pool,
    key: (String, String),
}

impl Drop for Opening<'_> {
    fn drop(&mut self) {
        if let Some(entry) = self.pool.lock().get_mut(&self.key) {
            entry.opening = entry.opening.saturating_sub(1);
        }
        self.pool.changed.notify_waiters();
    }
}
