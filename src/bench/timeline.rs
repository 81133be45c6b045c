//! Latency over time: per-interval counts and a small HDR histogram for each
//! interval (1 s to start with), for the HTML report's charts and for the
//! findings. Intervals double in width (neighbours merged) when a run
//! outgrows [`MAX_BUCKETS`], so memory stays bounded however long it runs.

use hdrhistogram::Histogram;
use std::time::Duration;

/// At most this many intervals are kept.
pub const MAX_BUCKETS: usize = 600;

/// Two significant digits (1% resolution) is plenty for a chart and keeps
/// each interval's histogram at a few KB.
fn small_histogram() -> Histogram<u64> {
    // Constant bounds the constructor always accepts: not data from a server.
    Histogram::new_with_bounds(1, 3_600_000_000, 2).expect("constant histogram bounds")
}

#[derive(Debug, Clone)]
struct Bucket {
    requests: u64,
    failures: u64,
    latency_us: Histogram<u64>,
}

impl Bucket {
    fn new() -> Bucket {
        Bucket { requests: 0, failures: 0, latency_us: small_histogram() }
    }
    fn merge(&mut self, o: &Bucket) {
        self.requests += o.requests;
        self.failures += o.failures;
        let _ = self.latency_us.add(&o.latency_us);
    }
}

/// Calls by the interval they ended in.
#[derive(Debug, Clone)]
pub struct Timeline {
    width: Duration,
    buckets: Vec<Bucket>,
}

impl Default for Timeline {
    fn default() -> Self {
        Timeline { width: Duration::from_secs(1), buckets: Vec::new() }
    }
}

/// One interval, as the charts and the JSON show it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Point {
    /// End of the interval, seconds from the start of the load.
    pub t_s: f64,
    pub requests: u64,
    pub failures: u64,
    pub rate_per_s: f64,
    /// Of the successful calls in the interval (0 when none).
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl Timeline {
    /// A call that ended `at` after the start.
    pub fn record(&mut self, at: Duration, success: bool, latency: Duration) {
        let mut i = (at.as_nanos() / self.width.as_nanos().max(1)) as usize;
        while i >= MAX_BUCKETS {
            self.coarsen();
            i = (at.as_nanos() / self.width.as_nanos().max(1)) as usize;
        }
        if self.buckets.len() <= i {
            self.buckets.resize_with(i + 1, Bucket::new);
        }
        let b = &mut self.buckets[i];
        b.requests += 1;
        if success {
            let us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX).max(1);
            b.latency_us.saturating_record(us);
        } else {
            b.failures += 1;
        }
    }

    /// Doubles the interval width, merging neighbours.
    fn coarsen(&mut self) {
        let old = std::mem::take(&mut self.buckets);
        for pair in old.chunks(2) {
            let mut b = pair[0].clone();
            if let Some(next) = pair.get(1) {
                b.merge(next);
            }
            self.buckets.push(b);
        }
        self.width *= 2;
    }

    pub fn width(&self) -> Duration {
        self.width
    }

    /// The intervals up to `elapsed` (the last one may be partial, and its
    /// rate is over the part that was run).
    pub fn points(&self, elapsed: Duration) -> Vec<Point> {
        let w = self.width.as_secs_f64();
        let total = elapsed.as_secs_f64();
        self.buckets
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let start = i as f64 * w;
                let end = (start + w).min(total.max(start));
                let span = end - start;
                let q = |q: f64| {
                    if b.latency_us.is_empty() {
                        0.0
                    } else {
                        b.latency_us.value_at_quantile(q) as f64 / 1000.0
                    }
                };
                Point {
                    t_s: end,
                    requests: b.requests,
                    failures: b.failures,
                    rate_per_s: if span > 0.0 { b.requests as f64 / span } else { 0.0 },
                    p50_ms: q(0.5),
                    p99_ms: q(0.99),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_count_and_coarsen() {
        let mut t = Timeline::default();
        t.record(Duration::from_millis(100), true, Duration::from_millis(2));
        t.record(Duration::from_millis(1500), false, Duration::ZERO);
        let p = t.points(Duration::from_secs(2));
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].requests, p[0].failures), (1, 0));
        assert_eq!((p[1].requests, p[1].failures), (1, 1));
        assert!((p[0].p50_ms - 2.0).abs() < 0.05);
        // Past MAX_BUCKETS seconds the width doubles and nothing is lost.
        t.record(Duration::from_secs(MAX_BUCKETS as u64 + 5), true, Duration::from_millis(1));
        assert_eq!(t.width(), Duration::from_secs(2));
        let p = t.points(Duration::from_secs(MAX_BUCKETS as u64 + 6));
        assert_eq!(p.iter().map(|x| x.requests).sum::<u64>(), 3);
        assert_eq!(p[0].requests, 2);
    }
}
