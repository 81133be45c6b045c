//! `${name}` variables: which a value refers to (for the loader, so an
//! unknown variable is caught before anything is sent) and their substitution
//! (for the executor).
//!
//! Hand-written rather than a template crate: the syntax is one token, and
//! a string that is exactly `${name}` must become the variable's JSON value
//! (a number stays a number), which text templating cannot express.

use serde_json::Value;
use std::collections::BTreeMap;

/// Variables known at a point of a scenario.
pub type Vars = BTreeMap<String, Value>;

/// The names `${…}` refers to in `text`, in order.
pub fn refs_in(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                out.push(&after[..end]);
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}

/// Every variable a JSON value refers to (in strings and keys).
pub fn refs_in_value(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.extend(refs_in(s).into_iter().map(String::from)),
        Value::Array(a) => a.iter().for_each(|x| refs_in_value(x, out)),
        Value::Object(m) => {
            for (k, x) in m {
                out.extend(refs_in(k).into_iter().map(String::from));
                refs_in_value(x, out);
            }
        }
        _ => {}
    }
}

/// Whether a name is usable as a variable.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
}

/// A variable's text inside a larger string: strings as they are, other
/// values as JSON.
fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `text` with every `${name}` replaced; `Err(name)` for an unknown one.
pub fn subst_str(text: &str, vars: &Vars) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        let value = vars.get(name).ok_or_else(|| name.to_string())?;
        out.push_str(&rest[..start]);
        out.push_str(&text_of(value));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `v` with variables substituted: a string that is exactly `${name}` becomes
/// the variable's value, other strings (and keys) are interpolated.
pub fn subst(v: &Value, vars: &Vars) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) => {
            if let Some(name) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}'))
                && !name.contains('}')
            {
                return vars.get(name).cloned().ok_or_else(|| name.to_string());
            }
            Value::String(subst_str(s, vars)?)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| subst(x, vars)).collect::<Result<_, _>>()?),
        Value::Object(m) => {
            let mut o = serde_json::Map::new();
            for (k, x) in m {
                o.insert(subst_str(k, vars)?, subst(x, vars)?);
            }
            Value::Object(o)
        }
        other => other.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn whole_string_keeps_the_type_and_parts_interpolate() {
        let vars: Vars = [("n".to_string(), json!(5)), ("s".to_string(), json!("x"))].into();
        assert_eq!(subst(&json!("${n}"), &vars), Ok(json!(5)));
        assert_eq!(subst(&json!({"a": "n=${n}, s=${s}"}), &vars), Ok(json!({"a": "n=5, s=x"})));
        assert_eq!(subst(&json!(["${missing}"]), &vars), Err("missing".to_string()));
        assert_eq!(refs_in("${a} and ${b}"), vec!["a", "b"]);
        assert_eq!(subst_str("no vars $ { }", &vars), Ok("no vars $ { }".to_string()));
    }
}
