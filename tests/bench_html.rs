//! `mcpcheck bench --html FILE`: one self-contained page with the charts,
//! readable offline (no script, nothing fetched), for a run and a sweep.

use assert_cmd::Command;

fn html_of(args: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bench.html");
    Command::cargo_bin("mcpcheck")
        .expect("binary built")
        .timeout(std::time::Duration::from_secs(120))
        .arg("bench")
        .args(args)
        .args(["--quiet", "--html"])
        .arg(&path)
        .assert()
        .code(0);
    std::fs::read_to_string(&path).expect("html written")
}

/// Nothing in the page reaches the network: no script, no external
/// reference but the SVG namespace (the target's own URL is text, escaped),
/// and a policy that forbids fetching.
fn assert_self_contained(html: &str) {
    assert!(html.starts_with("<!doctype html>"), "{html}");
    assert!(html.contains("Content-Security-Policy") && html.contains("default-src 'none'"));
    assert!(!html.contains("<script"), "no script");
    for (at, _) in html.match_indices("http") {
        let rest = &html[at..];
        assert!(
            rest.starts_with("http://www.w3.org/")
                || rest.starts_with("http:&#x2f;&#x2f;127.0.0.1:")
                || rest.starts_with("http-equiv"),
            "external reference: {}",
            &rest[..rest.len().min(80)]
        );
    }
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));
}

#[test]
fn a_run_has_latency_over_time_and_the_distribution() {
    let html = html_of(&["--mix", "scenarios/plain-mix.toml", "--requests", "150", "--users", "2"]);
    assert_self_contained(&html);
    for title in ["Latency over time", "Rate over time", "Latency distribution", "By step of the mix"] {
        assert!(html.contains(title), "{title}");
    }
    assert!(html.matches("<svg").count() >= 3, "three charts");
    assert!(html.contains("read-info"), "the mix's steps");
}

#[test]
fn a_sweep_has_its_charts() {
    let html = html_of(&["--users", "1,2,4", "--requests", "30"]);
    assert_self_contained(&html);
    for title in
        ["mcpcheck bench sweep", "Rate against users", "Latency against users", "Latency distribution"]
    {
        assert!(html.contains(title), "{title}");
    }
    assert!(html.contains("4 users"), "a distribution line per step");
}
