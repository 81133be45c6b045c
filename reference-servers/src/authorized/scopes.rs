//! The tools a JSON-RPC body calls, for the scope check, read without building
//! a `serde_json::Value` of the whole body: only `method` and `params.name` of
//! each message are kept (borrowed from the body where they have no escapes),
//! everything else is skipped as it is read (a full `Value` of every
//! request, built only to find one name, was a measurable part of the
//! authorized server's extra CPU per call).
//!
//! It reads a body exactly as indexing a `Value` did, so the scope check
//! cannot be bypassed by a body shaped to confuse it: a message that is not an
//! object, whose `method` is not the string `tools/call`, or whose
//! `params.name` is not a string, calls no tool; a repeated key counts by its
//! last value (as `serde_json::Map` keeps it); a batch is read message by
//! message, one odd message not hiding the others; a body that is not JSON at
//! all calls nothing (the server answers it with a parse error). Where the
//! two readings differ, this one is the stricter: values it skips are checked
//! for syntax but not for nesting depth or number range, so a body a `Value`
//! refuses for those (and the server too, with a parse error) may still be
//! found to call a tool and need its scope; never the other way. serde's
//! derive cannot express "any type, ignored" per field, nor last-wins for
//! repeated keys (it refuses them), hence the hand-written visitors.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, Error, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// The names of the tools `body` calls (`tools/call` messages with a string
/// `params.name`), in order, repeats kept.
pub fn called_tools(body: &[u8]) -> Vec<Cow<'_, str>> {
    serde_json::from_slice::<Body<'_>>(body).map(|b| b.0).unwrap_or_default()
}

/// One message or a batch.
struct Body<'a>(Vec<Cow<'a, str>>);

/// One message: its method and its `params.name`, when strings.
#[derive(Default)]
struct Message<'a> {
    method: Option<Cow<'a, str>>,
    name: Option<Cow<'a, str>>,
}

impl<'a> Message<'a> {
    fn called_tool(self) -> Option<Cow<'a, str>> {
        if self.method.as_deref() == Some("tools/call") { self.name } else { None }
    }
}

/// A string value, or `None` for a value of any other type.
struct Str<'a>(Option<Cow<'a, str>>);

/// `params`: its `name` if it is an object with a string `name`.
struct Params<'a>(Option<Cow<'a, str>>);

/// The keys that matter; any other key is `Other`.
enum Key {
    Method,
    Params,
    Name,
    Other,
}

/// Visitor methods that accept the scalars listed, and null, as `$none`.
macro_rules! accept_scalars {
    ($none:expr; $($scalar:ident: $t:ty),*) => {
        $(fn $scalar<E: Error>(self, _: $t) -> Result<Self::Value, E> { Ok($none) })*
        fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
            Ok($none)
        }
    };
}

/// Visitor methods that accept an array, consuming it, as `$none`.
macro_rules! accept_array {
    ($none:expr) => {
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok($none)
        }
    };
}

/// Visitor methods that accept any value but an object as `$none`.
macro_rules! accept_any_non_object {
    ($none:expr) => {
        accept_scalars!($none; visit_bool: bool, visit_i64: i64, visit_u64: u64, visit_f64: f64, visit_str: &str);
        accept_array!($none);
    };
}

struct BodyVisitor;

impl<'de> Visitor<'de> for BodyVisitor {
    type Value = Body<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON-RPC message or batch")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Body<'de>, A::Error> {
        let mut called = Vec::new();
        while let Some(m) = seq.next_element::<Message<'de>>()? {
            called.extend(m.called_tool());
        }
        Ok(Body(called))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Body<'de>, A::Error> {
        Ok(Body(MessageVisitor.visit_map(map)?.called_tool().into_iter().collect()))
    }
    accept_scalars!(Body(Vec::new()); visit_bool: bool, visit_i64: i64, visit_u64: u64, visit_f64: f64, visit_str: &str);
}

impl<'de> Deserialize<'de> for Body<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(BodyVisitor)
    }
}

struct MessageVisitor;

impl<'de> Visitor<'de> for MessageVisitor {
    type Value = Message<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON-RPC message")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Message<'de>, A::Error> {
        let mut m = Message::default();
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Method => m.method = map.next_value::<Str<'de>>()?.0,
                Key::Params => m.name = map.next_value::<Params<'de>>()?.0,
                Key::Name | Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(m)
    }
    accept_any_non_object!(Message::default());
}

impl<'de> Deserialize<'de> for Message<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(MessageVisitor)
    }
}

struct ParamsVisitor;

impl<'de> Visitor<'de> for ParamsVisitor {
    type Value = Params<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("params")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Params<'de>, A::Error> {
        let mut name = None;
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Name => name = map.next_value::<Str<'de>>()?.0,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Params(name))
    }
    accept_any_non_object!(Params(None));
}

impl<'de> Deserialize<'de> for Params<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ParamsVisitor)
    }
}

struct StrVisitor;

impl<'de> Visitor<'de> for StrVisitor {
    type Value = Str<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_borrowed_str<E: Error>(self, s: &'de str) -> Result<Str<'de>, E> {
        Ok(Str(Some(Cow::Borrowed(s))))
    }

    fn visit_str<E: Error>(self, s: &str) -> Result<Str<'de>, E> {
        Ok(Str(Some(Cow::Owned(s.to_owned()))))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Str<'de>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Str(None))
    }
    accept_scalars!(Str(None); visit_bool: bool, visit_i64: i64, visit_u64: u64, visit_f64: f64);
    accept_array!(Str(None));
}

impl<'de> Deserialize<'de> for Str<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrVisitor)
    }
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: Error>(self, s: &str) -> Result<Key, E> {
        Ok(match s {
            "method" => Key::Method,
            "params" => Key::Params,
            "name" => Key::Name,
            _ => Key::Other,
        })
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// What indexing a `Value` finds: the reading this module must match.
    fn by_value(body: &[u8]) -> Vec<String> {
        let Ok(v) = serde_json::from_slice::<Value>(body) else { return vec![] };
        let messages = match v {
            Value::Array(a) => a,
            one => vec![one],
        };
        messages
            .iter()
            .filter(|m| m.get("method").and_then(Value::as_str) == Some("tools/call"))
            .filter_map(|m| m.get("params").and_then(|p| p.get("name")).and_then(Value::as_str))
            .map(String::from)
            .collect()
    }

    #[test]
    fn reads_bodies_as_a_value_does() {
        let bodies = [
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":[2,{"c":null}]}}}"#,
            r#"{"method":"tools\/call","params":{"name":"a\u0064d"}}"#,
            r#"{"params":{"name":"add"},"method":"tools/call"}"#,
            r#"{"method":"tools/call","params":{"name":"echo"},"method":"tools/list"}"#,
            r#"{"method":"tools/list","method":"tools/call","params":{"name":"add"}}"#,
            r#"{"method":"tools/call","params":{"name":"add"},"params":5}"#,
            r#"{"method":"tools/call","params":{"name":"add","name":7}}"#,
            r#"{"method":"tools/call","params":{"name":7,"name":"add"}}"#,
            r#"{"method":5,"params":{"name":"add"}}"#,
            r#"{"method":"tools/call","params":["add"]}"#,
            r#"{"method":"tools/call","params":{"name":{"x":"add"}}}"#,
            r#"{"method":"tools/call","name":"add"}"#,
            r#"[{"method":7},{"method":"tools/call","params":{"name":"add"}},"x",null,[1],{"method":"tools/call","params":{"name":"add"}}]"#,
            r#"[1,true,{"method":"tools/call","params":{"name":"add","meta":{"method":"x"}}}]"#,
            r#"[]"#,
            r#""tools/call""#,
            r#"{"method":"tools/call","params":{"name":"add"}} trailing"#,
            r#"{"method":"tools/call","params":{"name":"add"}"#,
            r#"not json"#,
            "",
        ];
        for body in bodies {
            let ours: Vec<String> = called_tools(body.as_bytes()).into_iter().map(String::from).collect();
            assert_eq!(ours, by_value(body.as_bytes()), "{body}");
        }
    }

    #[test]
    fn where_a_value_refuses_the_body_this_is_stricter_not_laxer() {
        let deep = format!(
            "{}{}{}",
            r#"{"method":"tools/call","params":{"name":"add","x":"#,
            "[".repeat(200),
            "]".repeat(200) + "}}"
        );
        let huge = r#"{"method":"tools/call","params":{"name":"add","x":1e400}}"#;
        for body in [deep.as_str(), huge] {
            assert_eq!(by_value(body.as_bytes()), Vec::<String>::new(), "{body}");
            assert_eq!(called_tools(body.as_bytes()), vec!["add"], "{body}");
        }
        let fine = json!({"method": "tools/call", "params": {"name": "add", "x": [[[1]]]}}).to_string();
        assert_eq!(called_tools(fine.as_bytes()), vec!["add"]);
    }
}
