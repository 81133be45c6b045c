//! `--watch-pid PID`: the server's own memory and CPU over a run, sampled
//! beside the load, so a leak or a costly call shows in the same result as
//! the latency it causes.
//!
//! What is watched: a process named by its pid (a server started by hand or
//! in a container on this machine), the stdio server processes mcpcheck
//! spawned itself (every descendant of this process, as a stdio command may
//! be a launcher such as `npx` whose child is the server), or this process
//! when the target is the embedded reference server (whose numbers then also
//! hold the load generator's, and say so).
//!
//! Sampling reads `/proc` through `sysinfo` once per interval on a blocking
//! thread, never on the users' event loops. The samples are bounded: past
//! [`MAX_SAMPLES`] every other one is dropped and the interval doubles, so
//! a long soak keeps its whole shape in a fixed size.

use serde::Serialize;
use std::collections::HashMap;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System};

/// At most this many samples are kept (thinned by halves past it).
pub const MAX_SAMPLES: usize = 600;
/// The default time between samples.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(1);

/// Which process(es) a run watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watched {
    /// One process, named by its pid.
    Pid(u32),
    /// Every process this one spawned (stdio servers and their children).
    Children,
    /// This process: the embedded server, with the load generator.
    ThisProcess,
}

impl Watched {
    fn describe(self) -> String {
        match self {
            Watched::Pid(p) => format!("pid {p}"),
            Watched::Children => "the stdio server processes mcpcheck started".into(),
            Watched::ThisProcess => {
                "mcpcheck itself: the embedded server together with the load generator".into()
            }
        }
    }
}

/// One reading.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Sample {
    /// Seconds since the watch began.
    pub t_s: f64,
    /// Resident set size, summed over the watched processes.
    pub rss_bytes: u64,
    /// CPU time (user and system) used since the watch began, in ms.
    pub cpu_ms: u64,
    /// Watched processes alive at this reading.
    pub processes: usize,
}

/// What a run's watch found, as the JSON result's `server` section holds it.
#[derive(Debug, Clone, Serialize)]
pub struct Resources {
    pub watched: String,
    pub pid: Option<u32>,
    /// The watched process is mcpcheck itself: its CPU and memory include
    /// the load generator's.
    pub in_process: bool,
    pub interval_s: f64,
    pub samples: Vec<Sample>,
    pub rss_start_bytes: u64,
    pub rss_end_bytes: u64,
    pub rss_peak_bytes: u64,
    pub cpu_s: f64,
    /// CPU time per call made in the run (none without calls).
    pub cpu_us_per_call: Option<f64>,
    /// Why sampling stopped before the run did (the process exited).
    pub lost: Option<String>,
}

/// Reads the watched processes.
struct Reader {
    what: Watched,
    sys: System,
    /// Last CPU time seen of every process ever watched, so a stdio server
    /// that exits keeps the CPU it used.
    cpu_seen: HashMap<Pid, u64>,
    cpu_at_start: u64,
}

impl Reader {
    fn new(what: Watched) -> Self {
        Reader { what, sys: System::new(), cpu_seen: HashMap::new(), cpu_at_start: 0 }
    }

    /// RSS, CPU ms in all, and processes alive; `None` when a watched pid
    /// is gone (or was never there).
    fn read(&mut self) -> Option<(u64, u64, usize)> {
        let kind = ProcessRefreshKind::nothing().with_memory().with_cpu();
        let me = Pid::from_u32(std::process::id());
        let pids: Vec<Pid> = match self.what {
            Watched::Pid(p) => {
                let p = Pid::from_u32(p);
                self.sys.refresh_processes_specifics(ProcessesToUpdate::Some(&[p]), true, kind);
                vec![p]
            }
            Watched::ThisProcess => {
                self.sys.refresh_processes_specifics(ProcessesToUpdate::Some(&[me]), true, kind);
                vec![me]
            }
            Watched::Children => {
                self.sys.refresh_processes_specifics(ProcessesToUpdate::All, true, kind);
                descendants(&self.sys, me)
            }
        };
        let mut rss = 0;
        let mut alive = 0;
        for pid in &pids {
            let Some(p) = self.sys.process(*pid) else { continue };
            alive += 1;
            rss += p.memory();
            self.cpu_seen.insert(*pid, p.accumulated_cpu_time());
        }
        if alive == 0 && self.what != Watched::Children {
            return None;
        }
        Some((rss, self.cpu_seen.values().sum(), alive))
    }
}

/// Every process below `root`, by parent links.
fn descendants(sys: &System, root: Pid) -> Vec<Pid> {
    let mut children: HashMap<Pid, Vec<Pid>> = HashMap::new();
    for (pid, p) in sys.processes() {
        if let Some(parent) = p.parent() {
            children.entry(parent).or_default().push(*pid);
        }
    }
    let mut out = Vec::new();
    let mut todo = vec![root];
    // Bounded by the process table: each pid is visited once.
    while let Some(p) = todo.pop() {
        for c in children.get(&p).into_iter().flatten() {
            if !out.contains(c) && *c != root {
                out.push(*c);
                todo.push(*c);
            }
        }
    }
    out
}

/// What the sampling thread ends with: the samples, the interval it had
/// reached, and why it stopped early (if it did).
type Sampled = (Vec<Sample>, Duration, Option<String>);

/// A watch in progress: dropping it stops the sampling thread.
pub struct Watch {
    what: Watched,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<tokio::task::JoinHandle<Sampled>>,
}

fn unreadable(what: Watched) -> String {
    format!("cannot read {}: no such process, or not readable", what.describe())
}

/// Whether `what` can be read now (before any load), and why not.
pub fn readable(what: Watched) -> Result<(), String> {
    Reader::new(what).read().map(|_| ()).ok_or_else(|| unreadable(what))
}

impl Watch {
    /// Takes a first reading (so a pid that is not there fails before any
    /// load) and samples every `interval` until [`Watch::finish`].
    pub fn start(what: Watched, interval: Duration) -> Result<Watch, String> {
        let mut reader = Reader::new(what);
        let Some((rss, cpu, alive)) = reader.read() else {
            return Err(unreadable(what));
        };
        reader.cpu_at_start = cpu;
        let started = Instant::now();
        let first = Sample { t_s: 0.0, rss_bytes: rss, cpu_ms: 0, processes: alive };
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = tokio::task::spawn_blocking(move || sample(reader, started, first, interval, stopped));
        Ok(Watch { what, stop: Some(stop), thread: Some(thread) })
    }

    /// Stops sampling (with one last reading) and sums up, `calls` being
    /// the calls the run made.
    pub async fn finish(mut self, calls: u64) -> Resources {
        drop(self.stop.take());
        let (samples, interval, lost) = match self.thread.take() {
            Some(t) => t.await.unwrap_or_default(),
            None => Default::default(),
        };
        summarise(self.what, samples, interval, lost, calls)
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        // The sender's drop wakes the thread, which then ends by itself.
        drop(self.stop.take());
    }
}

/// The sampling loop: a reading per interval until the sender is dropped
/// (then one last reading) or the process is gone.
fn sample(
    mut reader: Reader,
    started: Instant,
    first: Sample,
    mut interval: Duration,
    stopped: mpsc::Receiver<()>,
) -> Sampled {
    let mut samples = vec![first];
    loop {
        let last =
            matches!(stopped.recv_timeout(interval), Err(mpsc::RecvTimeoutError::Disconnected) | Ok(()));
        let Some((rss, cpu, alive)) = reader.read() else {
            let at = started.elapsed().as_secs_f64();
            return (
                samples,
                interval,
                Some(format!("{} ended {at:.1} s into the run", reader.what.describe())),
            );
        };
        let cpu_ms = cpu.saturating_sub(reader.cpu_at_start);
        samples.push(Sample {
            t_s: started.elapsed().as_secs_f64(),
            rss_bytes: rss,
            cpu_ms,
            processes: alive,
        });
        if samples.len() >= MAX_SAMPLES {
            thin(&mut samples);
            interval *= 2;
        }
        if last {
            return (samples, interval, None);
        }
    }
}

/// Keeps every other sample (the first and the newest always).
fn thin(samples: &mut Vec<Sample>) {
    let newest = samples.last().copied();
    let mut i = 0;
    samples.retain(|_| {
        i += 1;
        (i - 1) % 2 == 0
    });
    if let Some(n) = newest
        && samples.last() != Some(&n)
    {
        samples.push(n);
    }
}

fn summarise(
    what: Watched,
    samples: Vec<Sample>,
    interval: Duration,
    lost: Option<String>,
    calls: u64,
) -> Resources {
    // Stdio servers start with the sessions, after the first reading.
    let rss_start_bytes = samples.iter().find(|s| s.processes > 0).map_or(0, |s| s.rss_bytes);
    let rss_end_bytes = samples.last().map_or(0, |s| s.rss_bytes);
    let rss_peak_bytes = samples.iter().map(|s| s.rss_bytes).max().unwrap_or(0);
    let cpu_ms = samples.last().map_or(0, |s| s.cpu_ms);
    Resources {
        watched: what.describe(),
        pid: match what {
            Watched::Pid(p) => Some(p),
            Watched::ThisProcess => Some(std::process::id()),
            Watched::Children => None,
        },
        in_process: what == Watched::ThisProcess,
        interval_s: interval.as_secs_f64(),
        samples,
        rss_start_bytes,
        rss_end_bytes,
        rss_peak_bytes,
        cpu_s: cpu_ms as f64 / 1000.0,
        cpu_us_per_call: (calls > 0).then(|| cpu_ms as f64 * 1000.0 / calls as f64),
        lost,
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The console and Markdown line (after a "server" label).
pub fn to_line(r: &Resources) -> String {
    let per_call = r.cpu_us_per_call.map_or(String::new(), |c| format!(", {c:.0} µs of CPU per call"));
    let lost = r.lost.as_deref().map_or(String::new(), |l| format!(" (sampling stopped: {l})"));
    format!(
        "RSS {:.1} → {:.1} MiB (peak {:.1}), CPU {:.2} s{per_call}; {}{lost}",
        mib(r.rss_start_bytes),
        mib(r.rss_end_bytes),
        mib(r.rss_peak_bytes),
        r.cpu_s,
        r.watched
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: f64, rss: u64, cpu: u64) -> Sample {
        Sample { t_s: t, rss_bytes: rss, cpu_ms: cpu, processes: 1 }
    }

    #[test]
    fn thinning_halves_and_keeps_both_ends() {
        let mut v: Vec<Sample> = (0..10).map(|i| s(i as f64, i, i)).collect();
        thin(&mut v);
        let ts: Vec<f64> = v.iter().map(|s| s.t_s).collect();
        assert_eq!(ts, [0.0, 2.0, 4.0, 6.0, 8.0, 9.0]);
    }

    #[test]
    fn summary_reads_start_end_peak_and_cpu_per_call() {
        let samples = vec![s(0.0, 10 << 20, 0), s(1.0, 30 << 20, 400), s(2.0, 20 << 20, 1000)];
        let r = summarise(Watched::Pid(7), samples, DEFAULT_INTERVAL, None, 500);
        assert_eq!((r.rss_start_bytes, r.rss_end_bytes, r.rss_peak_bytes), (10 << 20, 20 << 20, 30 << 20));
        assert_eq!(r.cpu_s, 1.0);
        assert_eq!(r.cpu_us_per_call, Some(2000.0));
        assert_eq!(r.pid, Some(7));
        assert!(to_line(&r).contains("10.0 → 20.0 MiB (peak 30.0)"), "{}", to_line(&r));
        let none = summarise(Watched::Children, Vec::new(), DEFAULT_INTERVAL, None, 0);
        assert_eq!(none.cpu_us_per_call, None);
    }

    #[tokio::test]
    async fn this_process_is_read_and_a_missing_pid_is_refused() {
        let w = Watch::start(Watched::ThisProcess, Duration::from_millis(20)).expect("own process");
        let burn = Instant::now();
        while burn.elapsed() < Duration::from_millis(120) {
            std::hint::black_box(0u64);
        }
        let r = w.finish(10).await;
        assert!(r.samples.len() >= 2, "{r:?}");
        assert!(r.rss_end_bytes > 0 && r.in_process, "{r:?}");
        // A pid past Linux's pid_max (2^22) is never a process.
        let err = Watch::start(Watched::Pid(u32::MAX - 1), DEFAULT_INTERVAL).err().unwrap_or_default();
        assert!(err.contains("no such process"), "{err}");
    }
}
