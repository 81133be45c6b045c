//! Reading an OpenAPI document: JSON, or YAML (the form most APIs publish
//! theirs in), into the JSON value the generator works on.
//!
//! YAML mappings may have keys that are not strings (`200:` is an integer
//! to a YAML parser, and OpenAPI's responses are keyed by status code), so
//! the YAML is read into the parser's own value and turned into JSON here,
//! keys written as text; tags are dropped, their values kept.

use serde_json::{Map, Value};

use super::OpenApiError;

/// The format of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
}

impl Format {
    /// By file name: `.yaml` and `.yml` are YAML, anything else JSON.
    pub fn of_path(path: &std::path::Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml") => Format::Yaml,
            _ => Format::Json,
        }
    }
}

/// The document in `text` as JSON.
pub fn parse_document(text: &str, format: Format) -> Result<Value, OpenApiError> {
    match format {
        Format::Json => serde_json::from_str(text).map_err(|e| OpenApiError::Syntax(format!("JSON: {e}"))),
        Format::Yaml => {
            let yaml: serde_norway::Value =
                serde_norway::from_str(text).map_err(|e| OpenApiError::Syntax(format!("YAML: {e}")))?;
            to_json(yaml)
        }
    }
}

fn to_json(v: serde_norway::Value) -> Result<Value, OpenApiError> {
    use serde_norway::Value as Y;
    Ok(match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                // NaN and infinities have no JSON form.
                n.as_f64().and_then(serde_json::Number::from_f64).map_or(Value::Null, Value::Number)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect::<Result<_, _>>()?),
        Y::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => {
                        return Err(OpenApiError::Syntax(format!(
                            "YAML: a mapping key that is not a scalar: {other:?}"
                        )));
                    }
                };
                out.insert(key, to_json(v)?);
            }
            Value::Object(out)
        }
        Y::Tagged(t) => to_json(t.value)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_reads_as_the_same_json() {
        let yaml = "openapi: 3.0.3\npaths:\n  /a:\n    get:\n      responses:\n        200: {description: ok}\n        '404': {description: no}\nx: [1, 2.5, true, null]\n";
        let v = parse_document(yaml, Format::Yaml).unwrap();
        assert_eq!(
            v,
            json!({"openapi": "3.0.3", "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}, "404": {"description": "no"}}}}}, "x": [1, 2.5, true, null]})
        );
        assert!(parse_document("a: [", Format::Yaml).is_err());
        assert!(parse_document("{", Format::Json).is_err());
        assert_eq!(Format::of_path("x/api.YML".as_ref()), Format::Yaml);
        assert_eq!(Format::of_path("x/api.json".as_ref()), Format::Json);
    }

    #[test]
    fn a_billion_laughs_is_refused() {
        let mut doc = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='k' {
            doc.push_str(&format!("{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
            prev = c;
        }
        assert!(parse_document(&doc, Format::Yaml).is_err());
    }
}
