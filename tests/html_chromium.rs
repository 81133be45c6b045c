//! The HTML report as a person sees it: rendered from a run against a faulted
//! reference server, opened in headless Chromium from a `file://` URL (no
//! server, no network), with its script running. The page must show the
//! failing check with expected/actual and its wire log, its filters must work,
//! and it must raise no script error (the page writes its error state into the
//! DOM; Chromium's console log on stderr is searched as well).
//!
//! Skips, saying why, when Chromium is not installed (`.ci/run` installs the
//! Debian package `chromium`). Set MCPCHECK_CHROMIUM to use another binary.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

const FAULT: &str = "unknown-session-400";
const FAULTED_CHECK: &str = "http/session/unknown-is-404";

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MCPCHECK_CHROMIUM") {
        return Some(p.into());
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// Runs headless Chromium on `url` with `extra` flags; returns (stdout, stderr).
/// Killed after a minute: a browser that hangs fails the test, never the suite.
fn run_chromium(bin: &Path, url: &str, extra: &[String]) -> (String, String) {
    let profile = tempfile::tempdir().expect("profile dir");
    let mut child = std::process::Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let (mut out, mut err) = (child.stdout.take().expect("stdout"), child.stderr.take().expect("stderr"));
    let reader = std::thread::spawn(move || {
        use std::io::Read;
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        use std::io::Read;
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromium did not finish within a minute");
            }
        }
    }
    (reader.join().unwrap_or_default(), err_reader.join().unwrap_or_default())
}

/// The opening `<html …>` tag of a dumped DOM: where the page's script
/// records its state (`data-js`, `data-js-errors`, `data-shown`).
fn html_tag(dom: &str) -> Option<&str> {
    let start = dom.find("<html")?;
    let len = dom[start..].find('>')?;
    Some(&dom[start..start + len + 1])
}

/// Script trouble as Chromium logs it on stderr (console errors, CSP blocks).
fn script_errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| {
            l.contains("Uncaught")
                || l.contains("Content Security Policy")
                || (l.contains(":CONSOLE(") && l.to_ascii_lowercase().contains("error"))
        })
        .collect()
}

#[test]
fn faulted_run_report_shows_the_failure_in_chromium() {
    let Some(bin) = chromium() else {
        println!("skipping: chromium is not installed (apt-get install chromium; .ci/run does this)");
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let html_dir = dir.path().join("html");
    Command::cargo_bin("mcpcheck")
        .expect("binary built")
        .args(["test", "--quiet", "--spec", "2025-11-25", "--fault", FAULT, "--html"])
        .arg(&html_dir)
        .assert()
        .code(1);
    let index = html_dir.join("index.html");
    let url = format!("file://{}", index.display());

    let (dom, stderr) = run_chromium(&bin, &url, &["--dump-dom".into()]);
    let root = html_tag(&dom).unwrap_or_else(|| panic!("no DOM dumped; chromium said:\n{stderr}"));
    assert!(root.contains("data-js=\"ready\""), "the report script did not finish: {root}\n{stderr}");
    assert!(!root.contains("data-js-errors"), "the report script raised an error: {root}");
    assert!(dom.contains("<div id=\"js-errors\" class=\"js-errors\" hidden"), "the error banner is shown");
    assert!(script_errors(&stderr).is_empty(), "script errors: {:#?}", script_errors(&stderr));

    // The failing check: open, with its requirement, expected vs actual, wire log.
    let start = dom
        .find("id=\"check-http.session.unknown-is-404--2025-11-25\"")
        .expect("the failing check's section");
    let section = &dom[start..start + dom[start..].find("</details>").expect("section end")];
    assert!(section.contains("data-status=\"fail\""), "{section}");
    assert!(section.contains(" open="), "a failing check is shown open: {section}");
    assert!(
        section.contains("MUST respond to requests containing that session ID with HTTP 404"),
        "{section}"
    );
    assert!(section.contains("<pre class=\"expected\">HTTP 404</pre>"), "{section}");
    assert!(section.contains("<pre class=\"actual\">HTTP 400"), "{section}");
    assert!(section.contains("Wire log"), "{section}");
    assert!(section.contains("class=\"http-status\">400<"), "{section}");
    assert!(dom.contains(&format!("<code>{FAULTED_CHECK}</code>")) || dom.contains(FAULTED_CHECK));
    // All checks are shown at first.
    let total = dom.matches("class=\"check-row\"").count();
    assert!(total > 5 && root.contains(&format!("data-shown=\"{total}\"")), "{total}: {root}");

    // The outcome filter, driven through the URL: only the one failure remains.
    let (dom, stderr) = run_chromium(&bin, &format!("{url}?status=fail"), &["--dump-dom".into()]);
    let root = html_tag(&dom).unwrap_or_default();
    assert!(root.contains("data-shown=\"1\""), "filter by outcome failed: {root}\n{stderr}");
    assert!(dom.contains(&format!("1 of {total} checks shown")));
    // Search by id.
    let (dom, _) = run_chromium(&bin, &format!("{url}?q=lifecycle/"), &["--dump-dom".into()]);
    let shown: usize = html_tag(&dom)
        .unwrap_or_default()
        .split("data-shown=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|n| n.parse().ok())
        .expect("data-shown");
    assert!(shown > 0 && shown < total, "search by id: {shown} of {total}");

    // The matrix page of two runs loads cleanly too.
    let matrix = dir.path().join("matrix");
    let json = html_dir.join("report.json");
    Command::cargo_bin("mcpcheck")
        .expect("binary built")
        .args(["report", "matrix"])
        .args([&json, &json])
        .arg("--html")
        .arg(&matrix)
        .assert()
        .success();
    let (dom, stderr) = run_chromium(
        &bin,
        &format!("file://{}", matrix.join("index.html").display()),
        &["--dump-dom".into()],
    );
    let root = html_tag(&dom).unwrap_or_default();
    assert!(
        root.contains("data-js=\"ready\"") && !root.contains("data-js-errors"),
        "matrix: {root}\n{stderr}"
    );
    assert!(script_errors(&stderr).is_empty(), "matrix script errors: {:#?}", script_errors(&stderr));

    // A screenshot, kept for a person to look at when MCPCHECK_SCREENSHOT_DIR is set.
    let shot_dir =
        std::env::var_os("MCPCHECK_SCREENSHOT_DIR").map(PathBuf::from).unwrap_or(dir.path().to_path_buf());
    let shot = shot_dir.join("faulted-report.png");
    let (_, stderr) = run_chromium(
        &bin,
        &format!("{url}?status=fail"),
        &[format!("--screenshot={}", shot.display()), "--window-size=1280,1600".into()],
    );
    let png = std::fs::read(&shot).unwrap_or_default();
    assert!(png.starts_with(b"\x89PNG"), "no screenshot; chromium said:\n{stderr}");
    assert!(script_errors(&stderr).is_empty(), "script errors: {:#?}", script_errors(&stderr));
}
