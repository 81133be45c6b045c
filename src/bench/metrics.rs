//! What one call came to, and the tallies of a run: counts by outcome and an
//! HDR histogram of latencies. Users write to a few shared tallies in turn
//! (see the driver); they are merged at the end, losslessly, as the results of
//! shards would be. Atomics carry only what the live progress line needs.

use crate::wire::WireError;
use crate::wire::session::{Answered, Reply};
use hdrhistogram::Histogram;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Histogram range: 1 µs to 1 hour, 3 significant digits (0.1% resolution).
const LOWEST_US: u64 = 1;
const HIGHEST_US: u64 = 3_600_000_000;
const SIGFIG: u8 = 3;

/// How one call ended. Everything but `Success` is a failure, counted by kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Success,
    /// No answer: connection refused or reset, timeout, a stdio process gone.
    Transport(String),
    /// An HTTP status of 400 or more.
    HttpStatus(u16),
    /// A JSON-RPC error response (whatever the HTTP status, if below 400).
    JsonRpcError(i64),
    /// A result with `isError: true` (a tool call that failed).
    IsError,
    /// An answer without a response to the request (or not JSON at all).
    Invalid,
    /// Load mixes: an answer that missed its step's expectations.
    Expectation,
}

impl Outcome {
    pub fn of(result: &Result<Answered, WireError>) -> Outcome {
        match result {
            Ok(a) => Outcome::of_reply(&a.reply, a.response()),
            Err(e) => Outcome::Transport(e.to_string()),
        }
    }

    /// The outcome of an answer, given the response to the call in it.
    pub fn of_reply(reply: &Reply, response: Option<&Value>) -> Outcome {
        if let Some(s) = reply.status().filter(|s| *s >= 400) {
            return Outcome::HttpStatus(s);
        }
        let Some(resp) = response else { return Outcome::Invalid };
        if resp.get("error").is_some() {
            return Outcome::JsonRpcError(crate::wire::jsonrpc::error_code(resp).unwrap_or(0));
        }
        match resp.get("result") {
            Some(r) if r.get("isError").and_then(Value::as_bool) == Some(true) => Outcome::IsError,
            Some(_) => Outcome::Success,
            None => Outcome::Invalid,
        }
    }
}

/// Failures by kind.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Failures {
    pub transport: u64,
    pub http_status: u64,
    pub jsonrpc_error: u64,
    pub is_error: u64,
    pub invalid: u64,
    /// Load mixes: answers that missed their step's expectations.
    pub expectation: u64,
}

impl Failures {
    pub fn total(&self) -> u64 {
        self.transport
            + self.http_status
            + self.jsonrpc_error
            + self.is_error
            + self.invalid
            + self.expectation
    }
    fn add(&mut self, o: &Failures) {
        self.transport += o.transport;
        self.http_status += o.http_status;
        self.jsonrpc_error += o.jsonrpc_error;
        self.is_error += o.is_error;
        self.invalid += o.invalid;
        self.expectation += o.expectation;
    }
}

/// One user's (or the whole run's) counts and latencies.
#[derive(Debug, Clone)]
pub struct Tally {
    pub successes: u64,
    pub failures: Failures,
    /// HTTP statuses ≥ 400 and JSON-RPC error codes seen, with counts.
    pub http_statuses: BTreeMap<u16, u64>,
    pub jsonrpc_codes: BTreeMap<i64, u64>,
    /// The first transport error message, as an example for the console.
    pub transport_example: Option<String>,
    /// Latency of successful calls, in microseconds.
    pub latency_us: Histogram<u64>,
    /// Sessions that could not be opened (each attempt counted once).
    pub session_failures: u64,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            successes: 0,
            failures: Failures::default(),
            http_statuses: BTreeMap::new(),
            jsonrpc_codes: BTreeMap::new(),
            transport_example: None,
            latency_us: new_histogram(),
            session_failures: 0,
        }
    }
}

pub fn new_histogram() -> Histogram<u64> {
    // Constant bounds the constructor always accepts (low >= 1, high >= 2 * low,
    // sigfig <= 5): not data from a server.
    Histogram::new_with_bounds(LOWEST_US, HIGHEST_US, SIGFIG).expect("constant histogram bounds")
}

impl Tally {
    pub fn requests(&self) -> u64 {
        self.successes + self.failures.total()
    }

    pub fn record(&mut self, outcome: Outcome, latency: Duration) {
        match outcome {
            Outcome::Success => {
                self.successes += 1;
                let us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX).max(LOWEST_US);
                self.latency_us.saturating_record(us);
            }
            Outcome::Transport(msg) => {
                self.failures.transport += 1;
                self.transport_example.get_or_insert(msg);
            }
            Outcome::HttpStatus(s) => {
                self.failures.http_status += 1;
                *self.http_statuses.entry(s).or_default() += 1;
            }
            Outcome::JsonRpcError(c) => {
                self.failures.jsonrpc_error += 1;
                *self.jsonrpc_codes.entry(c).or_default() += 1;
            }
            Outcome::IsError => self.failures.is_error += 1,
            Outcome::Invalid => self.failures.invalid += 1,
            Outcome::Expectation => self.failures.expectation += 1,
        }
    }

    pub fn merge(&mut self, o: &Tally) {
        self.successes += o.successes;
        self.failures.add(&o.failures);
        for (k, v) in &o.http_statuses {
            *self.http_statuses.entry(*k).or_default() += v;
        }
        for (k, v) in &o.jsonrpc_codes {
            *self.jsonrpc_codes.entry(*k).or_default() += v;
        }
        if self.transport_example.is_none() {
            self.transport_example.clone_from(&o.transport_example);
        }
        // Same bounds on both sides; `add` only fails on a value out of range,
        // which saturating_record never stores.
        let _ = self.latency_us.add(&o.latency_us);
        self.session_failures += o.session_failures;
    }

    /// A latency quantile in milliseconds (0 when nothing succeeded).
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.latency_us.is_empty() {
            return 0.0;
        }
        self.latency_us.value_at_quantile(q) as f64 / 1000.0
    }

    pub fn max_ms(&self) -> f64 {
        if self.latency_us.is_empty() { 0.0 } else { self.latency_us.max() as f64 / 1000.0 }
    }

    pub fn mean_ms(&self) -> f64 {
        if self.latency_us.is_empty() { 0.0 } else { self.latency_us.mean() / 1000.0 }
    }

    /// Failures as a share of calls, in percent.
    pub fn error_percent(&self) -> f64 {
        match self.requests() {
            0 => 0.0,
            n => self.failures.total() as f64 * 100.0 / n as f64,
        }
    }
}

/// Counts the progress line reads while the run is on.
#[derive(Debug, Default)]
pub struct Live {
    pub requests: AtomicU64,
    pub failures: AtomicU64,
}

impl Live {
    pub fn note(&self, success: bool) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if !success {
            self.failures.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_adds_counts_and_histograms() {
        let mut a = Tally::default();
        a.record(Outcome::Success, Duration::from_millis(1));
        a.record(Outcome::HttpStatus(503), Duration::ZERO);
        let mut b = Tally::default();
        b.record(Outcome::Success, Duration::from_millis(3));
        b.record(Outcome::JsonRpcError(-32602), Duration::ZERO);
        b.record(Outcome::IsError, Duration::ZERO);
        a.merge(&b);
        assert_eq!(a.requests(), 5);
        assert_eq!(a.successes, 2);
        assert_eq!(a.failures.total(), 3);
        assert_eq!(a.http_statuses.get(&503), Some(&1));
        assert_eq!(a.jsonrpc_codes.get(&-32602), Some(&1));
        assert_eq!(a.latency_us.len(), 2);
        assert!((a.max_ms() - 3.0).abs() < 0.01);
        assert!((a.error_percent() - 60.0).abs() < 1e-9);
    }
}
