//! `--html FILE`: the result as one self-contained page, readable offline:
//! latency (p50, p99) and rate over time, the latency distribution (from the
//! HDR histogram), and for a sweep rate and latency against users.
//!
//! Charts are drawn by plotters' SVG backend and inlined; there is no script
//! and nothing to fetch (a Content-Security-Policy allows no network). The
//! page is rendered by minijinja with HTML auto-escaping on every value;
//! the only unescaped insertions are the SVG charts, whose text plotters
//! escapes itself. The page is built from the JSON result, so it shows
//! exactly what `--json` holds.

use base64::Engine;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::Deserializer;
use minijinja::value::Serde;
use minijinja::{Environment, context};
use plotters::prelude::*;
use serde::Serialize;
use serde_json::Value;

const TEMPLATE: &str = include_str!("templates/bench.html");
const SIZE: (u32, u32) = (960, 340);
/// The distribution chart reaches this percentile at most (99.999%).
const MAX_NINES: f64 = 5.0;
/// Points sampled along the distribution curve.
const DISTRIBUTION_POINTS: usize = 240;

#[derive(Serialize)]
struct Chart {
    title: String,
    svg: String,
    caption: String,
}

#[derive(Serialize)]
struct StepRow {
    name: String,
    weight: String,
    requests: String,
    failures: String,
    expectation: String,
    p50: String,
    p99: String,
    example: Option<String>,
}

#[derive(Serialize)]
struct ChangeRow {
    metric: String,
    before: String,
    after: String,
    change: String,
    percent: String,
    worse: bool,
}

/// One line on a chart.
struct Series {
    name: String,
    points: Vec<(f64, f64)>,
}

fn num(j: &Value, p: &str) -> f64 {
    j.pointer(p).and_then(Value::as_f64).unwrap_or(0.0)
}

fn text(j: &Value, p: &str) -> String {
    match j.pointer(p) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

/// The page for a run's or a sweep's JSON result.
pub fn render(j: &Value) -> String {
    let sweep = j.get("kind").and_then(Value::as_str) == Some("sweep");
    let steps: Vec<&Value> = match j.get("sweep").and_then(Value::as_array) {
        Some(s) => s.iter().collect(),
        None => vec![j],
    };
    let first = steps.first().copied().unwrap_or(j);
    let call = match first.pointer("/mix/file") {
        Some(Value::String(f)) => format!("mix {f}"),
        _ => text(first, "/call/method"),
    };
    let model = text(first, "/model");
    let header = [
        "users", "requests", "rate/s", "failures", "errors %", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms",
        "max ms",
    ];
    let rows: Vec<Vec<String>> = steps
        .iter()
        .map(|s| {
            vec![
                text(s, "/users"),
                text(s, "/requests"),
                format!("{:.1}", num(s, "/rate_per_s")),
                text(s, "/failures/total"),
                format!("{:.3}", num(s, "/error_percent")),
                format!("{:.3}", num(s, "/latency_ms/p50")),
                format!("{:.3}", num(s, "/latency_ms/p90")),
                format!("{:.3}", num(s, "/latency_ms/p99")),
                format!("{:.3}", num(s, "/latency_ms/p999")),
                format!("{:.3}", num(s, "/latency_ms/max")),
            ]
        })
        .collect();
    let mut charts = Vec::new();
    if sweep {
        charts.extend(sweep_charts(&steps));
    } else {
        charts.extend(timeline_charts(j));
        charts.extend(server_charts(j));
    }
    let dists: Vec<Series> = steps
        .iter()
        .filter_map(|s| {
            let name = if sweep { format!("{} users", text(s, "/users")) } else { "latency".into() };
            distribution(s).map(|points| Series { name, points })
        })
        .collect();
    let nines = dists.iter().map(|d| d.points.last().map_or(0, |p| p.0.round() as usize)).max().unwrap_or(1);
    if !dists.is_empty() {
        charts.push(Chart {
            title: "Latency distribution".into(),
            svg: draw(
                &dists,
                "percentile",
                "ms",
                XAxis::Ticks { count: nines + 1, label: &percentile_label },
            ),
            caption: "Latency of successful calls at each percentile (log scale of the tail), from the HDR \
                      histogram in the JSON result."
                .into(),
        });
    }
    let missed: Vec<String> = steps
        .iter()
        .flat_map(|s| {
            let users = text(s, "/users");
            s.get("thresholds")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|v| v.get("passed") == Some(&Value::Bool(false)))
                .map(move |v| {
                    format!("{} at {users} users (actual {})", text(v, "/threshold"), text(v, "/actual"))
                })
        })
        .collect();
    let ctx = context! {
        title => if sweep { "mcpcheck bench sweep" } else { "mcpcheck bench" },
        target => text(j, "/target"),
        revision => text(j, "/revision"),
        what => format!("{call}, {model} model"),
        version => env!("CARGO_PKG_VERSION"),
        header => Serde(header),
        rows => Serde(rows),
        findings => Serde(j.get("findings").cloned().unwrap_or(Value::Null)),
        missed => Serde(missed),
        charts => Serde(charts),
        steps => Serde(if sweep { Vec::new() } else { step_rows(j) }),
        baseline => Serde(if sweep { None } else { baseline(j) }),
    };
    let mut env = Environment::new();
    // `.html`: minijinja escapes every value rendered into it.
    let page = env
        .add_template("bench.html", TEMPLATE)
        .and_then(|()| env.get_template("bench.html"))
        .and_then(|t| t.render(ctx));
    match page {
        Ok(html) => html,
        // The template is compiled in and the context built here: a bug in
        // mcpcheck, said in the page rather than a panic.
        Err(e) => format!(
            "<!doctype html><title>mcpcheck bench</title><p>report template error: {}</p>",
            minijinja::HtmlEscape(&e.to_string())
        ),
    }
}

fn step_rows(j: &Value) -> Vec<StepRow> {
    let Some(steps) = j.get("steps").and_then(Value::as_array) else { return Vec::new() };
    steps
        .iter()
        .map(|s| StepRow {
            name: text(s, "/name"),
            weight: text(s, "/weight"),
            requests: text(s, "/requests"),
            failures: text(s, "/failures/total"),
            expectation: text(s, "/failures/expectation"),
            p50: format!("{:.3}", num(s, "/latency_ms/p50")),
            p99: format!("{:.3}", num(s, "/latency_ms/p99")),
            example: s.get("expectation_example").and_then(Value::as_str).map(String::from),
        })
        .collect()
}

fn baseline(j: &Value) -> Option<Value> {
    let b = j.get("baseline")?;
    let changes: Vec<ChangeRow> = b
        .get("changes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| ChangeRow {
            metric: text(c, "/metric"),
            before: format!("{:.3}", num(c, "/before")),
            after: format!("{:.3}", num(c, "/after")),
            change: format!("{:+.3}", num(c, "/change")),
            percent: c.get("percent").and_then(Value::as_f64).map_or("n/a".into(), |p| format!("{p:+.1}%")),
            worse: c.get("worse") == Some(&Value::Bool(true)),
        })
        .collect();
    Some(serde_json::json!({"file": text(b, "/file"), "changes": changes}))
}

fn timeline_charts(j: &Value) -> Vec<Chart> {
    let mut points = j.pointer("/timeline/points").and_then(Value::as_array).cloned().unwrap_or_default();
    let interval = num(j, "/timeline/interval_s");
    // A last interval cut short by the end of the run has too few calls to
    // chart; it is still in the JSON.
    let last_span = points.last().map_or(0.0, |p| num(p, "/t_s") - (points.len() - 1) as f64 * interval);
    if points.len() > 1 && last_span < interval / 2.0 {
        points.pop();
    }
    if points.is_empty() {
        return Vec::new();
    }
    let series = |name: &str, field: &str| Series {
        name: name.into(),
        points: points.iter().map(|p| (num(p, "/t_s"), num(p, &format!("/{field}")))).collect(),
    };
    vec![
        Chart {
            title: "Latency over time".into(),
            svg: draw(&[series("p50", "p50_ms"), series("p99", "p99_ms")], "seconds", "ms", XAxis::Numbers),
            caption: format!("p50 and p99 of the calls that ended in each {interval} s interval."),
        },
        Chart {
            title: "Rate over time".into(),
            svg: draw(
                &[series("calls/s", "rate_per_s"), series("failures", "failures")],
                "seconds",
                "per s",
                XAxis::Numbers,
            ),
            caption: format!("Calls per second, and failed calls, in each {interval} s interval."),
        },
    ]
}

/// The watched server's memory and CPU over the run (`--watch-pid`).
fn server_charts(j: &Value) -> Vec<Chart> {
    let Some(samples) = j.pointer("/server/samples").and_then(Value::as_array) else { return Vec::new() };
    if samples.len() < 2 {
        return Vec::new();
    }
    let watched = text(j, "/server/watched");
    let rss = Series {
        name: "RSS".into(),
        points: samples.iter().map(|s| (num(s, "/t_s"), num(s, "/rss_bytes") / 1048576.0)).collect(),
    };
    // CPU between two readings, as a share of one core.
    let cpu = Series {
        name: "CPU".into(),
        points: samples
            .windows(2)
            .filter_map(|w| {
                let dt = num(&w[1], "/t_s") - num(&w[0], "/t_s");
                let ms = num(&w[1], "/cpu_ms") - num(&w[0], "/cpu_ms");
                (dt > 0.0).then(|| (num(&w[1], "/t_s"), ms / 10.0 / dt))
            })
            .collect(),
    };
    vec![
        Chart {
            title: "Server memory over time".into(),
            svg: draw(&[rss], "seconds", "MiB", XAxis::Numbers),
            caption: format!("Resident memory of {watched}, sampled while the load ran."),
        },
        Chart {
            title: "Server CPU over time".into(),
            svg: draw(&[cpu], "seconds", "% of a core", XAxis::Numbers),
            caption: format!("CPU time of {watched} between readings, as a share of one core."),
        },
    ]
}

fn sweep_charts(steps: &[&Value]) -> Vec<Chart> {
    // Steps evenly spaced whatever their users (1, 8, 32, 128 reads best so).
    let series = |name: &str, p: &str| Series {
        name: name.into(),
        points: steps.iter().enumerate().map(|(i, s)| (i as f64, num(s, p))).collect(),
    };
    let users = |i: usize| steps.get(i).map_or(String::new(), |s| text(s, "/users"));
    let axis = || XAxis::Ticks { count: steps.len(), label: &users };
    vec![
        Chart {
            title: "Rate against users".into(),
            svg: draw(&[series("calls/s", "/rate_per_s")], "users", "calls/s", axis()),
            caption: "Throughput at each step of the sweep.".into(),
        },
        Chart {
            title: "Latency against users".into(),
            svg: draw(
                &[series("p50", "/latency_ms/p50"), series("p99", "/latency_ms/p99")],
                "users",
                "ms",
                axis(),
            ),
            caption: "p50 and p99 at each step of the sweep.".into(),
        },
    ]
}

/// The latency at percentiles along a log scale of the tail: x is the
/// number of nines (0 = p0, 1 = p90, 2 = p99, …).
fn distribution(j: &Value) -> Option<Vec<(f64, f64)>> {
    let data = j.pointer("/histograms/latency/data").and_then(Value::as_str)?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(data).ok()?;
    let h: Histogram<u64> = Deserializer::new().deserialize(&mut bytes.as_slice()).ok()?;
    if h.is_empty() {
        return None;
    }
    // No more nines than the calls can tell apart.
    let nines = (h.len() as f64).log10().floor().clamp(1.0, MAX_NINES);
    Some(
        (0..=DISTRIBUTION_POINTS)
            .map(|i| {
                let x = nines * i as f64 / DISTRIBUTION_POINTS as f64;
                let q = 1.0 - 10f64.powf(-x);
                (x, h.value_at_quantile(q) as f64 / 1000.0)
            })
            .collect(),
    )
}

/// The label of `nines` nines: p0, p90, p99, p99.9, …
fn percentile_label(nines: usize) -> String {
    match nines {
        0 => "p0".into(),
        1 => "p90".into(),
        n => format!("p99{}", if n > 2 { format!(".{}", "9".repeat(n - 2)) } else { String::new() }),
    }
}

const COLOURS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// How the x axis is labelled: plotters' own numbers, or a label at each
/// whole x from 0 to `count - 1` (and none between).
enum XAxis<'a> {
    Numbers,
    Ticks { count: usize, label: &'a dyn Fn(usize) -> String },
}

/// Lines on one chart, as an SVG document (or a note if it cannot be drawn).
fn draw(series: &[Series], x_desc: &str, y_desc: &str, x_axis: XAxis<'_>) -> String {
    let mut svg = String::new();
    match draw_into(&mut svg, series, x_desc, y_desc, x_axis) {
        Ok(()) => svg,
        Err(e) => format!("<p>chart not drawn: {}</p>", minijinja::HtmlEscape(&e)),
    }
}

fn draw_into(
    svg: &mut String,
    series: &[Series],
    x_desc: &str,
    y_desc: &str,
    x_axis: XAxis<'_>,
) -> Result<(), String> {
    let all = || series.iter().flat_map(|s| s.points.iter());
    let (mut x0, mut x1) = all().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    if x0 > x1 {
        return Err("no data".into());
    }
    if let XAxis::Ticks { count, .. } = x_axis {
        (x0, x1) = (-0.25, count.saturating_sub(1) as f64 + 0.25);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    let y1 = all().fold(0f64, |m, p| m.max(p.1)).max(1e-3) * 1.1;
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    let e = |e: DrawingAreaErrorKind<_>| e.to_string();
    root.fill(&WHITE).map_err(e)?;
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d(x0..x1, 0f64..y1)
        .map_err(e)?;
    let tick_label = |x: &f64| match &x_axis {
        XAxis::Ticks { count, label } if (x - x.round()).abs() < 1e-6 && x.round() >= 0.0 => {
            let i = x.round() as usize;
            if i < *count { label(i) } else { String::new() }
        }
        XAxis::Ticks { .. } => String::new(),
        XAxis::Numbers => format!("{x}"),
    };
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(x_desc).y_desc(y_desc).light_line_style(WHITE);
    if let XAxis::Ticks { count, .. } = &x_axis {
        // One label per whole x: plotters places `count` labels on whole
        // numbers for a range from -0.25 to count - 0.75.
        mesh.x_labels(*count + 1).x_label_formatter(&tick_label);
    }
    mesh.draw().map_err(e)?;
    let style = |i: usize| COLOURS[i % COLOURS.len()].stroke_width(2);
    for (i, s) in series.iter().enumerate() {
        let points = s.points.len() <= 40;
        chart
            .draw_series(LineSeries::new(s.points.iter().copied(), style(i)).point_size(if points {
                3
            } else {
                0
            }))
            .map_err(e)?
            .label(s.name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style(i)));
    }
    chart.configure_series_labels().border_style(BLACK).background_style(WHITE).draw().map_err(e)?;
    root.present().map_err(e)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_labels() {
        assert_eq!(percentile_label(0), "p0");
        assert_eq!(percentile_label(1), "p90");
        assert_eq!(percentile_label(2), "p99");
        assert_eq!(percentile_label(4), "p99.99");
    }

    #[test]
    fn text_from_the_server_is_escaped() {
        let j = serde_json::json!({
            "schema_version": 1, "target": "http://x/<script>alert(1)</script>", "revision": "2025-11-25",
            "users": 1, "requests": 1, "model": "closed", "call": {"method": "tools/call"},
            "steps": [{"name": "a", "expectation_example": "<img src=x onerror=alert(1)>"}],
            "timeline": {"interval_s": 1.0, "points": [{"t_s": 1.0, "p50_ms": 1.0, "p99_ms": 2.0, "rate_per_s": 5.0, "failures": 0}]},
        });
        let html = render(&j);
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("<svg"), "a chart is drawn");
    }
}
