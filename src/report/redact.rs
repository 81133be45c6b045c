//! Defensive redaction of a whole report before any writer sees it: every
//! exchange (of the checks and of the revision probes) and every text a
//! server could have echoed a secret into. The rules, which headers and
//! fields are secrets and how a value is hidden, are the wire layer's
//! ([`crate::wire::redact`]); this only walks the report.

use super::model::Report;
use crate::wire::redact::{exchange, scrubber};

pub use crate::wire::redact::{REDACTED, header_value, is_secret_header, secrets_of_headers};

/// The report with credentials hidden everywhere.
pub fn report(mut report: Report, secrets: &[String]) -> Report {
    let scrub = scrubber(secrets);
    scrub(&mut report.target);
    for check in &mut report.checks {
        for s in [&mut check.message, &mut check.title, &mut check.requirement] {
            scrub(s);
        }
        for s in [check.expected.as_mut(), check.actual.as_mut()].into_iter().flatten() {
            scrub(s);
        }
        for ex in &mut check.exchanges {
            exchange(ex, &scrub);
        }
    }
    for rev in &mut report.revisions {
        scrub(&mut rev.detail);
        for ex in &mut rev.exchanges {
            exchange(ex, &scrub);
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn report_is_scrubbed_everywhere() {
        let mut r = fixture::report();
        let check = &mut r.checks[1];
        check.actual = Some("server said: Bearer s3cr3t-token".into());
        let ex = &mut check.exchanges[0];
        ex.request.headers.insert("authorization".into(), "Bearer s3cr3t-token".into());
        ex.request.url.push_str("?x=1&access_token=abc&y=2");
        let resp = ex.response.as_mut().unwrap();
        resp.headers.insert("set-cookie".into(), "sid=zz".into());
        resp.body = r#"{"access_token":"tok-123","nested":[{"client_secret":"cs"}],"code":-32600}"#.into();

        let out = report(r, &["s3cr3t-token".to_string()]);
        let json = crate::report::json::to_json(&out);
        for secret in ["s3cr3t-token", "tok-123", "\"cs\"", "abc&", "sid=zz"] {
            assert!(!json.contains(secret), "{secret} leaked");
        }
        let check = &out.checks[1];
        assert_eq!(check.actual.as_deref(), Some("server said: Bearer [redacted]"));
        assert!(check.exchanges[0].request.url.ends_with("?x=1&access_token=[redacted]&y=2"));
        // JSON-RPC error codes survive.
        assert!(check.exchanges[0].response.as_ref().unwrap().body.contains("-32600"));
    }
}
