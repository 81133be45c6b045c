//! Judging one answer against a step's expectations. Every unmet expectation
//! becomes a [`Miss`] with expected and actual written out, so a failed step
//! says exactly which value was wrong and what it was.

use super::model::{Expect, JsonExpect};
use super::vars::{self, Vars};
use crate::wire::jsonrpc::{self, show};
use crate::wire::session::Reply;
use serde_json::Value;
use std::time::Duration;

/// One expectation that did not hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Miss {
    pub what: String,
    pub expected: String,
    pub actual: String,
}

fn miss(what: impl Into<String>, expected: impl Into<String>, actual: impl Into<String>) -> Miss {
    Miss { what: what.into(), expected: expected.into(), actual: actual.into() }
}

/// What came back for a step.
pub struct Answer<'a> {
    pub reply: &'a Reply,
    /// The JSON-RPC response to the step's message, if one came back.
    pub response: Option<&'a Value>,
    pub elapsed: Duration,
    /// A `method` step with no error or status expectation must get a result.
    pub wants_result: bool,
}

/// Every expectation of `e` held against `a`, or what did not.
/// `Err` is a variable with no value (a capture of an earlier step failed).
pub fn judge(e: &Expect, a: &Answer<'_>, vars: &Vars) -> Result<Vec<Miss>, String> {
    let mut out = Vec::new();
    let resp_text = || a.response.map_or_else(|| a.reply.summary(), |r| show(Some(r)));
    if let (Some(want), Some(got)) = (e.status, a.reply.status())
        && want != got
    {
        out.push(miss("HTTP status", format!("HTTP {want}"), a.reply.summary()));
    }
    for (name, pattern) in &e.headers {
        let pattern = vars::subst_str(pattern, vars)?;
        let expected = format!("{} header matching /{pattern}/", crate::report::text::with_article(name));
        // On stdio there are no headers to judge.
        if a.reply.http.is_none() {
            continue;
        }
        match (regex::Regex::new(&pattern), a.reply.header(name)) {
            (Ok(re), Some(v)) if re.is_match(v) => {}
            (Ok(_), Some(v)) => out.push(miss(format!("header {name}"), expected, format!("{name}: {v}"))),
            (Ok(_), None) => out.push(miss(format!("header {name}"), expected, format!("no {name} header"))),
            (Err(e), _) => {
                out.push(miss(format!("header {name}"), expected, format!("(pattern invalid: {e})")))
            }
        }
    }
    if let Some(code) = e.error_code {
        match a.response.map(|r| (jsonrpc::error_code(r), r)) {
            Some((Some(c), _)) if c == code => {}
            Some((_, r)) => {
                out.push(miss("error code", format!("a JSON-RPC error with code {code}"), show(Some(r))))
            }
            None => {
                out.push(miss("error code", format!("a JSON-RPC error with code {code}"), a.reply.summary()))
            }
        }
    }
    if let Some(want) = e.error {
        let got = a.response.is_some_and(|r| r.get("error").is_some());
        if want != got {
            let expected = if want { "a JSON-RPC error" } else { "a JSON-RPC result" };
            out.push(miss("error", expected, resp_text()));
        }
    }
    let result = a.response.and_then(|r| r.get("result"));
    if a.wants_result && result.is_none() {
        out.push(miss("a result", "a JSON-RPC result", resp_text()));
    }
    if let Some(want) = e.is_error {
        match result {
            Some(r) => {
                let got = r.get("isError").and_then(Value::as_bool).unwrap_or(false);
                if got != want {
                    out.push(miss(
                        "isError",
                        format!("a tool result with isError {want}"),
                        format!("isError {got}: {}", show(Some(r))),
                    ));
                }
            }
            // Already reported as a missing result.
            None if a.wants_result => {}
            None => out.push(miss("isError", format!("a tool result with isError {want}"), resp_text())),
        }
    }
    if let Some(max) = e.max_ms {
        let took = a.elapsed.as_millis();
        if took > u128::from(max) {
            out.push(miss("time", format!("answered within {max} ms"), format!("{took} ms")));
        }
    }
    for j in &e.json {
        json_expect(j, a, vars, &mut out)?;
    }
    Ok(out)
}

fn json_expect(j: &JsonExpect, a: &Answer<'_>, vars: &Vars, out: &mut Vec<Miss>) -> Result<(), String> {
    let at = format!("value at {:?}", j.pointer);
    let value = a.response.and_then(|r| r.pointer(&j.pointer));
    if let Some(want) = j.exists
        && want != value.is_some()
    {
        let expected = if want { "present" } else { "absent" };
        out.push(miss(&at, format!("{} {expected}", j.pointer), show(value)));
    }
    let asserts_value =
        j.equals.is_some() || j.contains.is_some() || j.matches.is_some() || j.schema.is_some();
    let Some(value) = value else {
        if asserts_value {
            let actual = match a.response {
                Some(r) => format!("nothing at {:?} in {}", j.pointer, show(Some(r))),
                None => format!("no JSON-RPC response: {}", a.reply.summary()),
            };
            out.push(miss(&at, format!("a value at {:?}", j.pointer), actual));
        }
        return Ok(());
    };
    if let Some(want) = &j.equals {
        let want = vars::subst(want, vars)?;
        if !json_eq(value, &want) {
            out.push(miss(&at, show(Some(&want)), show(Some(value))));
        }
    }
    if let Some(want) = &j.contains {
        let want = vars::subst(want, vars)?;
        if !contains(value, &want) {
            out.push(miss(&at, format!("containing {}", show(Some(&want))), show(Some(value))));
        }
    }
    if let Some(pattern) = &j.matches {
        let pattern = vars::subst_str(pattern, vars)?;
        match (regex::Regex::new(&pattern), value.as_str()) {
            (Ok(re), Some(s)) if re.is_match(s) => {}
            (Ok(_), _) => out.push(miss(&at, format!("a string matching /{pattern}/"), show(Some(value)))),
            (Err(e), _) => out.push(miss(
                &at,
                format!("a string matching /{pattern}/"),
                format!("(pattern invalid: {e})"),
            )),
        }
    }
    if let Some(schema) = &j.schema {
        let schema = vars::subst(schema, vars)?;
        match jsonschema::validator_for(&schema) {
            Ok(v) => {
                if let Err(e) = v.validate(value) {
                    out.push(miss(
                        &at,
                        format!("conforming to {}", show(Some(&schema))),
                        format!("{} (at {:?}: {e})", show(Some(value)), e.instance_path().to_string()),
                    ));
                }
            }
            Err(e) => out.push(miss(&at, "a usable JSON Schema", format!("schema invalid: {e}"))),
        }
    }
    Ok(())
}

/// JSON equality where numbers compare by value (`5` equals `5.0`).
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// `contains`: a string holds the text; an array has an element that
/// includes the value; an object includes the members.
pub fn contains(actual: &Value, want: &Value) -> bool {
    match (actual, want) {
        (Value::String(s), Value::String(t)) => s.contains(t.as_str()),
        (Value::Array(items), w) => items.iter().any(|i| includes(i, w)),
        (Value::Object(_), Value::Object(_)) => includes(actual, want),
        _ => false,
    }
}

/// `want`'s members are all in `actual` (recursively for objects); other
/// values are equal.
fn includes(actual: &Value, want: &Value) -> bool {
    match (actual, want) {
        (Value::Object(a), Value::Object(w)) => {
            w.iter().all(|(k, v)| a.get(k).is_some_and(|x| includes(x, v)))
        }
        (Value::Array(a), Value::Array(w)) => w.iter().all(|v| a.iter().any(|x| includes(x, v))),
        _ => json_eq(actual, want),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn contains_and_equality() {
        assert!(json_eq(&json!(5), &json!(5.0)));
        assert!(!json_eq(&json!("5"), &json!(5)));
        assert!(contains(&json!("hello world"), &json!("lo w")));
        assert!(contains(&json!([{"name": "add", "x": 1}, {"name": "echo"}]), &json!({"name": "add"})));
        assert!(!contains(&json!([{"name": "add"}]), &json!({"name": "mul"})));
        assert!(contains(&json!({"a": {"b": 1, "c": 2}}), &json!({"a": {"b": 1}})));
    }
}
