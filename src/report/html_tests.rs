use super::*;
use crate::report::fixture;

/// The page without the compiled-in stylesheet and script, for snapshots.
fn skeleton(html: &str) -> String {
    html.replace(STYLE, "/* style */").replace(SCRIPT, "/* script */")
}

#[test]
fn html_snapshot() {
    insta::assert_snapshot!(skeleton(&to_html(&fixture::report())));
}

#[test]
fn server_text_is_escaped_everywhere() {
    let mut r = fixture::report();
    let evil = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'";
    let c = &mut r.checks[1];
    c.message = evil.into();
    c.actual = Some(evil.into());
    c.title = evil.into();
    c.id = format!("lifecycle/{evil}");
    let ex = &mut c.exchanges[0];
    ex.request.url = format!("http://127.0.0.1/{evil}");
    ex.response.as_mut().unwrap().body = format!("</pre>{evil}");
    ex.response.as_mut().unwrap().headers.insert("x-evil".into(), evil.into());
    r.target = evil.into();
    let html = skeleton(&to_html(&r));
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(html.contains("&lt;&#x2f;pre&gt;"));
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;")
            || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
    );
    // Exactly one script element: ours.
    assert_eq!(html.matches("<script").count(), 1);
}

#[test]
fn csp_names_the_hash_of_the_one_inline_script() {
    let html = to_html(&fixture::report());
    assert!(html.contains(&format!("<script>{SCRIPT}</script>")));
    assert!(html.contains(&format!("script-src {}", script_hash())));
    assert!(html.contains("default-src 'none'"));
    // No network: nothing is loaded from anywhere.
    for needle in ["src=\"http", "href=\"http", "@import", "url("] {
        assert!(!html.contains(needle), "{needle}");
    }
}

#[test]
fn failing_check_shows_requirement_expected_actual_and_wire_log() {
    let html = to_html(&fixture::report());
    let start =
        html.find("id=\"check-lifecycle.initialize.version-negotiation--2025-11-25\"").expect("section");
    let section = &html[start..start + html[start..].find("</details>").unwrap()];
    assert!(section.contains(" open>"));
    assert!(section.contains("If the server supports the requested protocol version"));
    assert!(section.contains("<pre class=\"expected\">a protocolVersion the server supports"));
    // Bodies are pretty-printed.
    assert!(section.contains("&quot;protocolVersion&quot;: &quot;1999-01-01&quot;"));
    assert!(section.contains("mcp-session-id"));
}

#[test]
fn compliance_counts_graded_checks_of_each_level() {
    let r = fixture::report();
    // MUST: pass, fail, error and the 2026-07-28 pass are graded; 2 of 4 pass.
    let must = compliance(&r.checks, Level::Must);
    assert_eq!((must.passed, must.graded, must.percent.as_str()), (2, 4, "50%"));
    // SHOULD: the one warn.
    let should = compliance(&r.checks, Level::Should);
    assert_eq!((should.passed, should.graded, should.percent.as_str()), (0, 1, "0%"));
    let mut none = r.clone();
    none.checks.clear();
    assert_eq!(compliance(&none.checks, Level::Must).percent, "n/a");
}

#[test]
fn secret_headers_are_redacted_again() {
    let mut r = fixture::report();
    r.checks[1].exchanges[0].request.headers.insert("authorization".into(), "Bearer leaked-token".into());
    let html = to_html(&r);
    assert!(!html.contains("leaked-token"));
    assert!(html.contains("Bearer [redacted]"));
}

#[test]
fn long_bodies_are_capped_with_a_note() {
    let mut r = fixture::report();
    r.checks[1].exchanges[0].response.as_mut().unwrap().body = "x".repeat(BODY_CAP_CHARS + 10);
    let html = to_html(&r);
    assert!(html.contains("[10 more chars]"));
    assert!(html.contains("report.json has the recorded body"));
}

#[test]
fn matrix_shows_servers_by_checks_and_marks_differences() {
    let a = fixture::report();
    let mut b = fixture::report();
    b.target = "stdio: other-server".into();
    b.checks[1].status = Status::Pass;
    b.checks.remove(5);
    let html = matrix_html(&[a, b]);
    assert!(html.contains("2 servers &times; 6 checks"), "{}", skeleton(&html));
    // A column per report and revision it tested.
    assert_eq!(html.matches("<th title=").count(), 4, "{}", skeleton(&html));
    let row = &html[html
        .find("data-id=\"lifecycle&#x2f;initialize&#x2f;version-negotiation\"")
        .or_else(|| html.find("data-id=\"lifecycle/initialize/version-negotiation\""))
        .expect("row")..];
    assert!(row[..200].contains("data-differs=\"true\""), "{}", &row[..200]);
    assert!(html.contains("cell absent"));
}

#[test]
fn the_page_is_a_checks_by_revisions_matrix_whose_cells_open_their_evidence() {
    let html = to_html(&fixture::report());
    // One row per check id, a column per tested revision.
    assert_eq!(html.matches("class=\"check-row\"").count(), 6);
    let row = &html[html.find("data-id=\"tools&#x2f;list&#x2f;pagination\"").expect("row")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("data-status=\"error pass\""), "{row}");
    assert!(row.contains("href=\"#check-tools.list.pagination--2025-11-25\""), "{row}");
    assert!(row.contains("href=\"#check-tools.list.pagination--2026-07-28\""), "{row}");
    assert!(html.contains("id=\"check-tools.list.pagination--2026-07-28\""));
    // A check that does not apply to a revision has an empty cell.
    let shape = &html[html.find("data-id=\"lifecycle&#x2f;initialize&#x2f;result-shape\"").expect("row")..];
    assert!(shape[..shape.find("</tr>").unwrap()].contains("cell absent"));
    // Every revision is in the summary, the refused one too, with its reason.
    assert!(html.contains("data-selection=\"refused\""));
    assert!(html.contains("initialize asked for 2025-06-18; the server answered 2025-11-25"));
}
