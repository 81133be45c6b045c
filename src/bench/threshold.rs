//! `--threshold` goals for CI: `p99<50ms`, `errors<0.1%`, `rate>1000/s`.
//! Parsed before the run (a malformed goal is a usage error, exit 2), checked
//! after it (a missed goal makes the exit code 1).
//!
//! Grammar: `METRIC OP VALUE`, spaces allowed. METRIC: `p50`, `p90`, `p99`,
//! `p99.9`/`p999`, `max`, `mean` (VALUE a duration: `us`, `ms`, `s`), `errors`
//! (VALUE a percentage `0.1%` or a count `5`), `rate` (VALUE in calls per
//! second, `1000` or `1000/s`). OP: `<`, `<=`, `>`, `>=`.

use super::metrics::Tally;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Metric {
    /// A latency quantile (0.5 for p50).
    Quantile(f64),
    Max,
    Mean,
    ErrorPercent,
    ErrorCount,
    Rate,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
}

/// One goal; latencies held in milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    pub text: String,
    pub metric: Metric,
    pub op: Op,
    pub value: f64,
}

/// The outcome of one goal.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Verdict {
    pub threshold: String,
    pub actual: String,
    pub passed: bool,
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        })
    }
}

impl Threshold {
    pub fn parse(text: &str) -> Result<Threshold, String> {
        let bad = |why: &str| {
            format!("--threshold {text:?}: {why} (e.g. 'p99<50ms', 'errors<0.1%', 'rate>1000/s')")
        };
        let s: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let at = s.find(['<', '>']).ok_or_else(|| bad("no comparison (<, <=, >, >=)"))?;
        let (name, rest) = s.split_at(at);
        let (op, value) = if let Some(v) = rest.strip_prefix("<=") {
            (Op::Le, v)
        } else if let Some(v) = rest.strip_prefix(">=") {
            (Op::Ge, v)
        } else if let Some(v) = rest.strip_prefix('<') {
            (Op::Lt, v)
        } else if let Some(v) = rest.strip_prefix('>') {
            (Op::Gt, v)
        } else {
            return Err(bad("no comparison"));
        };
        let name = name.to_ascii_lowercase();
        let (metric, value) = match name.as_str() {
            "errors" | "error" | "failures" => match value.strip_suffix('%') {
                Some(p) => (Metric::ErrorPercent, number(p).ok_or_else(|| bad("not a percentage"))?),
                None => (Metric::ErrorCount, number(value).ok_or_else(|| bad("not a count or percentage"))?),
            },
            "rate" | "rps" => {
                let v = value.strip_suffix("/s").unwrap_or(value);
                (Metric::Rate, number(v).ok_or_else(|| bad("not a rate such as 1000/s"))?)
            }
            "max" => (Metric::Max, millis(value).ok_or_else(|| bad("not a duration such as 50ms"))?),
            "mean" | "avg" => {
                (Metric::Mean, millis(value).ok_or_else(|| bad("not a duration such as 50ms"))?)
            }
            p => {
                let q = quantile(p).ok_or_else(|| {
                    bad("unknown metric: use p50, p90, p99, p99.9, max, mean, errors or rate")
                })?;
                (Metric::Quantile(q), millis(value).ok_or_else(|| bad("not a duration such as 50ms"))?)
            }
        };
        Ok(Threshold { text: text.to_string(), metric, op, value })
    }

    /// The run's value of the metric, and how to print it.
    fn actual(&self, tally: &Tally, rate: f64) -> (f64, String) {
        match self.metric {
            Metric::Quantile(q) => {
                let v = tally.quantile_ms(q);
                (v, format!("{v:.3}ms"))
            }
            Metric::Max => (tally.max_ms(), format!("{:.3}ms", tally.max_ms())),
            Metric::Mean => (tally.mean_ms(), format!("{:.3}ms", tally.mean_ms())),
            Metric::ErrorPercent => (tally.error_percent(), format!("{:.3}%", tally.error_percent())),
            Metric::ErrorCount => {
                let n = tally.failures.total();
                (n as f64, n.to_string())
            }
            Metric::Rate => (rate, format!("{rate:.1}/s")),
        }
    }

    pub fn check(&self, tally: &Tally, rate: f64) -> Verdict {
        let (v, shown) = self.actual(tally, rate);
        // A latency goal with no successful call cannot be met: 0 ms would
        // otherwise pass `p99<50ms` for a server that answered nothing.
        let no_data = matches!(self.metric, Metric::Quantile(_) | Metric::Max | Metric::Mean)
            && tally.latency_us.is_empty();
        let passed = !no_data
            && match self.op {
                Op::Lt => v < self.value,
                Op::Le => v <= self.value,
                Op::Gt => v > self.value,
                Op::Ge => v >= self.value,
            };
        let actual = if no_data { "no successful call".to_string() } else { shown };
        Verdict { threshold: self.text.clone(), actual, passed }
    }
}

fn number(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0)
}

/// `50ms`, `0.5s`, `800us`/`800µs` in milliseconds; a bare number is refused
/// (is `50` seconds or milliseconds?).
fn millis(s: &str) -> Option<f64> {
    let (n, scale) = if let Some(n) = s.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix("us").or_else(|| s.strip_suffix("µs")) {
        (n, 0.001)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1000.0)
    } else {
        return None;
    };
    number(n).map(|v| v * scale)
}

/// `p50` → 0.5, `p99.9` and `p999` → 0.999.
fn quantile(name: &str) -> Option<f64> {
    let digits = name.strip_prefix('p')?;
    let q = match digits {
        "999" => 99.9,
        "9999" => 99.99,
        d => d.parse::<f64>().ok()?,
    };
    // Hundredths of a percent, so `p99.9` is exactly the 0.999 a reader expects.
    (q > 0.0 && q <= 100.0).then_some((q * 100.0).round() / 10_000.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::metrics::Outcome;
    use std::time::Duration;

    #[test]
    fn parses_the_documented_forms() {
        let t = Threshold::parse("p99<50ms").unwrap();
        assert_eq!((t.metric, t.op, t.value), (Metric::Quantile(0.99), Op::Lt, 50.0));
        let t = Threshold::parse("errors < 0.1%").unwrap();
        assert_eq!((t.metric, t.op, t.value), (Metric::ErrorPercent, Op::Lt, 0.1));
        let t = Threshold::parse("rate>=1000/s").unwrap();
        assert_eq!((t.metric, t.op, t.value), (Metric::Rate, Op::Ge, 1000.0));
        assert_eq!(Threshold::parse("p99.9<1s").unwrap().metric, Metric::Quantile(0.999));
        assert_eq!(Threshold::parse("p999<800us").unwrap().value, 0.8);
        assert_eq!(Threshold::parse("errors<=3").unwrap().metric, Metric::ErrorCount);
    }

    #[test]
    fn refuses_malformed() {
        for bad in
            ["p99", "p99<50", "p99<fast", "q50<1ms", "rate>many", "errors<x%", "<1ms", "p0<1ms", "p101<1ms"]
        {
            assert!(Threshold::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn checks_against_a_tally() {
        let mut t = Tally::default();
        for _ in 0..99 {
            t.record(Outcome::Success, Duration::from_millis(2));
        }
        t.record(Outcome::IsError, Duration::ZERO);
        assert!(Threshold::parse("p50<5ms").unwrap().check(&t, 100.0).passed);
        assert!(!Threshold::parse("p50<1ms").unwrap().check(&t, 100.0).passed);
        assert!(!Threshold::parse("errors<0.5%").unwrap().check(&t, 100.0).passed);
        assert!(Threshold::parse("errors<=1").unwrap().check(&t, 100.0).passed);
        assert!(!Threshold::parse("rate>1000/s").unwrap().check(&t, 100.0).passed);
        assert!(!Threshold::parse("p99<1s").unwrap().check(&Tally::default(), 0.0).passed);
    }
}
