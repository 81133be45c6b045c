//! The users' event loops: one OS thread per core, each running a
//! single-threaded tokio runtime with its share of the users, the way wrk
//! runs one event loop per thread.
//!
//! Why not the process's multi-threaded runtime: there every call's wake-up
//! could land on either worker, workers park and unpark each other through
//! the kernel (futex, context switches), and tasks are stolen across
//! threads. Profiled against `serve plain` on two cores, that scheduling
//! was a large share of the generator's CPU per call. A user never needs
//! another user's thread (each has its own session and connection, and the
//! shared tallies are behind short locks and atomics), so a fixed share of
//! users per thread loses nothing and saves that traffic.

use std::future::Future;
use std::pin::Pin;

/// One user's whole run.
pub type UserRun = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Threads for this many users: one per core, never more than users.
pub fn threads_for(users: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    cores.min(users).max(1)
}

/// Runs every user to its end, dealt round-robin over `threads` threads;
/// returns what went wrong (a user that panicked, a thread that could not
/// start), one message each.
pub async fn run(users: Vec<UserRun>, threads: usize) -> Vec<String> {
    let threads = threads.max(1);
    let mut shares: Vec<Vec<UserRun>> = (0..threads).map(|_| Vec::new()).collect();
    for (i, u) in users.into_iter().enumerate() {
        shares[i % threads].push(u);
    }
    let mut waits = Vec::new();
    let mut errors = Vec::new();
    for (t, share) in shares.into_iter().enumerate().filter(|(_, s)| !s.is_empty()) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let spawned = std::thread::Builder::new().name(format!("bench-users-{t}")).spawn(move || {
            let _ = tx.send(run_share(share));
        });
        match spawned {
            Ok(_) => waits.push(rx),
            Err(e) => errors.push(format!("could not start a load thread: {e}")),
        }
    }
    // Awaited, not joined: the caller's runtime stays free for the progress
    // line and for connection tasks reqwest spawned on it.
    for rx in waits {
        match rx.await {
            Ok(errs) => errors.extend(errs),
            Err(_) => errors.push("a load thread ended early".to_string()),
        }
    }
    errors
}

fn run_share(share: Vec<UserRun>) -> Vec<String> {
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return vec![format!("could not start a load runtime: {e}")],
    };
    rt.block_on(spawn_all(share))
}

/// Runs every user as a task of the current runtime and waits for all;
/// what went wrong, one line per failed task.
pub async fn spawn_all(runs: Vec<UserRun>) -> Vec<String> {
    let tasks: Vec<_> = runs.into_iter().map(tokio::spawn).collect();
    let mut errors = Vec::new();
    for t in tasks {
        // A user task that panicked loses at most the call it was making.
        if let Err(e) = t.await {
            errors.push(format!("a user task failed: {e}"));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn every_user_runs_and_a_panic_is_reported() {
        let ran = Arc::new(AtomicUsize::new(0));
        let mut users: Vec<UserRun> = (0..7)
            .map(|_| {
                let ran = ran.clone();
                Box::pin(async move {
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    ran.fetch_add(1, Ordering::SeqCst);
                }) as UserRun
            })
            .collect();
        users.push(Box::pin(async { panic!("boom") }));
        let errors = run(users, 3).await;
        assert_eq!(ran.load(Ordering::SeqCst), 7);
        assert_eq!(errors.len(), 1, "{errors:?}");
    }
}
