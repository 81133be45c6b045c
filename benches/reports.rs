//! Report rendering: the shipped sample report of the plain reference server
//! (reports/plain-2025-11-25.json, the full catalogue with its recorded
//! exchanges) rendered as JSON, JUnit, Markdown and HTML.

use criterion::{Criterion, criterion_group, criterion_main};
use mcpcheck::report::{html, json, junit, markdown};
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

fn render(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/plain-2025-11-25.json");
    let report = match mcpcheck::commands::report::load(&path) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("reports bench: {e}");
            return;
        }
    };
    let mut g = c.benchmark_group("report");
    g.bench_function(format!("json ({} checks)", report.checks.len()), |b| {
        b.iter(|| json::to_json(black_box(&report)))
    });
    g.bench_function("junit", |b| b.iter(|| junit::to_junit(black_box(&report), false)));
    g.bench_function("markdown", |b| b.iter(|| markdown::to_markdown(black_box(&report))));
    g.bench_function("html", |b| b.iter(|| html::to_html(black_box(&report))));
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    targets = render
}
criterion_main!(benches);
