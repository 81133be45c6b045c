//! The readers of text from elsewhere: `WWW-Authenticate` challenges
//! (`src/oauth/discovery.rs`), TOML scenarios (`src/scenario/load.rs`),
//! expected-failures baselines (`src/report/baseline.rs`), saved reports
//! (`Report::from_json_value`) and OpenAPI documents (`reference-servers`).
//! Near-valid inputs are the shipped files with random edits, or values
//! generated in the format's own shape.

use super::{cases, costly_cases, json_value, messy_bytes};
use mcpcheck::oauth::discovery::parse_challenges;
use mcpcheck::report::baseline::{Baseline, Entry};
use mcpcheck::report::json::to_json;
use mcpcheck::report::model::Report;
use mcpcheck::scenario::load;
use mcpcheck::spec::SpecVersion;
use proptest::prelude::*;
use reference_servers::OpenApiServer;
use reference_servers::openapi::{Format, parse_document};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// One random edit of a text.
#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Duplicate(usize, usize),
    Truncate(usize),
    /// Deep nesting: `[` or `{` many times over.
    Nest(usize, u8, usize),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let edit = prop_oneof![
        4 => (any::<usize>(), messy_bytes(12)).prop_map(|(at, b)| Edit::Insert(at, b)),
        2 => (any::<usize>(), 0usize..40).prop_map(|(at, n)| Edit::Delete(at, n)),
        1 => (any::<usize>(), 0usize..200).prop_map(|(at, n)| Edit::Duplicate(at, n)),
        1 => any::<usize>().prop_map(Edit::Truncate),
        1 => (any::<usize>(), prop::sample::select(vec![b'[', b'{', b'-', b'"']), 1usize..3000)
            .prop_map(|(at, c, n)| Edit::Nest(at, c, n)),
    ];
    prop::collection::vec(edit, 0..5)
}

fn apply(seed: &str, edits: &[Edit]) -> String {
    let mut b = seed.as_bytes().to_vec();
    for e in edits {
        let at = |i: usize, b: &Vec<u8>| i % (b.len() + 1);
        match e {
            Edit::Insert(i, bytes) => {
                let i = at(*i, &b);
                b.splice(i..i, bytes.iter().copied());
            }
            Edit::Delete(i, n) => {
                let i = at(*i, &b);
                b.drain(i..(i + n).min(b.len()));
            }
            Edit::Duplicate(i, n) => {
                let i = at(*i, &b);
                let piece = b[i..(i + n).min(b.len())].to_vec();
                b.splice(i..i, piece);
            }
            Edit::Truncate(i) => b.truncate(at(*i, &b)),
            Edit::Nest(i, c, n) => {
                let i = at(*i, &b);
                b.splice(i..i, std::iter::repeat_n(*c, *n));
            }
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

fn shipped(dir: &str, ext: &str) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut out: Vec<String> = std::fs::read_dir(&root)
        .expect("seed dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .map(|p| std::fs::read_to_string(p).expect("seed"))
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no seeds in {dir}");
    out
}

/// A challenge as a server writes it: a scheme and unique parameters, each
/// value a token or a quoted string (with escapes).
fn challenge() -> impl Strategy<Value = (String, BTreeMap<String, (String, bool)>)> {
    (
        "[A-Za-z][A-Za-z0-9._~+/-]{0,10}",
        prop::collection::btree_map(
            "[a-z][a-z0-9_]{0,8}",
            ("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}", any::<bool>()),
            0..4,
        ),
    )
}

fn quoted_text() -> impl Strategy<Value = String> {
    "[^\u{0}]{0,16}"
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn challenges_arbitrary_text_never_panics(input in messy_bytes(512)) {
        let text = String::from_utf8_lossy(&input);
        let out = parse_challenges(&text);
        prop_assert!(out.len() <= text.len());
        for c in &out {
            prop_assert!(!c.scheme.is_empty());
            prop_assert!(c.params.values().all(|v| v.len() <= text.len()));
        }
    }

    #[test]
    fn challenges_round_trip(cs in prop::collection::vec(challenge(), 1..4), quoted in prop::collection::vec(quoted_text(), 4)) {
        // The first parameter of each challenge may be a quoted string with
        // any characters, escaped.
        let mut text = Vec::new();
        let mut want = Vec::new();
        for (i, (scheme, params)) in cs.iter().enumerate() {
            let mut items = Vec::new();
            let mut got = BTreeMap::new();
            for (j, (name, (token, as_quoted))) in params.iter().enumerate() {
                let value = if j == 0 && *as_quoted { quoted[i % 4].clone() } else { token.clone() };
                let written = if *as_quoted {
                    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
                } else {
                    value.clone()
                };
                items.push(format!("{name}={written}"));
                got.insert(name.clone(), value);
            }
            text.push(format!("{scheme} {}", items.join(", ")).trim_end().to_string());
            want.push((scheme.clone(), got));
        }
        let parsed: Vec<(String, BTreeMap<String, String>)> =
            parse_challenges(&text.join(", ")).into_iter().map(|c| (c.scheme, c.params)).collect();
        prop_assert_eq!(parsed, want);
    }
}

proptest! {
    #![proptest_config(cases(64))]

    #[test]
    fn scenarios_edited_never_panic(seed in any::<prop::sample::Index>(), edits in edits()) {
        let seeds = shipped("scenarios", "toml");
        let text = apply(seeds[seed.index(seeds.len())].as_str(), &edits);
        let started = Instant::now();
        match load::parse(Path::new("fuzz.toml"), &text) {
            Ok(s) => prop_assert!(!s.steps.is_empty()),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
        prop_assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    }

    #[test]
    fn scenarios_arbitrary_text_never_panics(input in messy_bytes(1024)) {
        let _ = load::parse(Path::new("fuzz.toml"), &String::from_utf8_lossy(&input));
    }

    #[test]
    fn baselines_round_trip_and_edits_never_panic(entries in prop::collection::btree_map(
        (0usize..4, prop::option::of(0usize..SpecVersion::ALL.len())), ".{0,20}", 0..6), edits in edits()) {
        let known = ["a/one", "b/two-three", "c/x", "lifecycle/init/server-info"];
        let baseline = Baseline { failures: entries.iter().map(|((id, rev), reason)| Entry {
            id: known[*id].into(),
            revision: rev.map(|r| SpecVersion::ALL[r].as_str().to_string()),
            reason: reason.clone(),
        }).collect() };
        let text = baseline.to_toml();
        prop_assert_eq!(Baseline::parse(&text, &known), Ok(baseline));
        let _ = Baseline::parse(&apply(&text, &edits), &known);
    }

    #[test]
    fn reports_with_any_part_replaced_read_or_refuse(at in prop::collection::vec((any::<prop::sample::Index>(), prop::option::of(json_value())), 1..4), v1 in any::<bool>()) {
        let mut v = report_seed();
        if !v1 {
            // The same report as schema 2 writes it.
            v = serde_json::from_str(&to_json(&Report::from_json_value(v).expect("seed reads"))).expect("json");
            v["schema_version"] = json!(2);
        }
        for (index, replacement) in &at {
            let pointers = pointers(&v);
            let p = &pointers[index.index(pointers.len())];
            replace(&mut v, p, replacement.clone());
        }
        if let Ok(report) = Report::from_json_value(v) {
            // What was read writes out and reads back as itself.
            let again = serde_json::from_str(&to_json(&report)).expect("own output parses");
            prop_assert_eq!(Report::from_json_value(again).ok(), Some(report));
        }
    }

    #[test]
    fn openapi_documents_edited_never_panic(yaml in any::<bool>(), edits in edits()) {
        let name = if yaml { "items.yaml" } else { "items.json" };
        let seed = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/openapi").join(name)).expect("seed");
        let text = apply(&seed, &edits);
        let format = if yaml { Format::Yaml } else { Format::Json };
        if let Ok(doc) = parse_document(&text, format) {
            let _ = OpenApiServer::from_spec(&doc, "http://127.0.0.1:1/api");
        }
    }

    #[test]
    fn openapi_arbitrary_text_never_panics(input in messy_bytes(1024)) {
        let text = String::from_utf8_lossy(&input);
        for format in [Format::Json, Format::Yaml] {
            if let Ok(doc) = parse_document(&text, format) {
                let _ = OpenApiServer::from_spec(&doc, "http://127.0.0.1:1/");
            }
        }
    }
}

proptest! {
    // Each case can spend the loader's whole $ref budget (about 0.1 s in a
    // debug build, 50 times a typical target's case), so the long run gives
    // this target a fiftieth of its cases.
    #![proptest_config(costly_cases(64, 50))]

    #[test]
    fn openapi_refs_of_any_shape_resolve_in_bounded_time(defs in prop::collection::vec(prop::collection::vec(0usize..12, 0..5), 1..12), uses in prop::collection::vec(0usize..12, 1..4)) {
        // Schemas referring to one another by index: chains, cycles, fan-out.
        let mut schemas = serde_json::Map::new();
        for (i, refs) in defs.iter().enumerate() {
            let props: serde_json::Map<String, Value> = refs.iter().enumerate()
                .map(|(k, r)| (format!("p{k}"), json!({"$ref": format!("#/components/schemas/s{}", r % defs.len())})))
                .collect();
            schemas.insert(format!("s{i}"), json!({"type": "object", "properties": props}));
        }
        let params: Vec<Value> = uses.iter().enumerate().map(|(k, u)| json!({
            "name": format!("q{k}"), "in": "query",
            "schema": {"$ref": format!("#/components/schemas/s{}", u % defs.len())},
        })).collect();
        let doc = json!({
            "openapi": "3.1.0",
            "paths": {"/x": {"get": {"parameters": params, "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/s0"}}}}}}},
            "components": {"schemas": schemas},
        });
        let started = Instant::now();
        let _ = OpenApiServer::from_spec(&doc, "http://127.0.0.1:1/api");
        prop_assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
    }
}

/// A small schema 1 report (as `src/report/json.rs`'s test has it).
fn report_seed() -> Value {
    json!({
        "schema_version": 1, "tool": {"name": "mcpcheck", "version": "0.1.0"},
        "target": "http://127.0.0.1:1/mcp", "spec_version": "2025-06-18", "spec_selection": "forced",
        "started_at": "2026-01-01T00:00:00Z", "duration_ms": 5,
        "checks": [{"id": "utilities/ping/empty-result", "title": "t", "level": "must", "status": "fail",
                    "spec_ref": "2025-06-18 basic/utilities/ping#behavior-requirements", "message": "m",
                    "duration_ms": 1, "exchanges": [{"transport": "http",
                        "request": {"method": "POST", "url": "http://127.0.0.1:1/mcp", "headers": {}, "body": "{}"},
                        "response": {"status": 200, "headers": {"content-type": "application/json"}, "body": "{}"},
                        "duration_ms": 1.5}]}],
        "summary": {"pass": 0, "fail": 1, "warn": 0, "info": 0, "skip": 0, "error": 0}})
}

/// Every JSON pointer in `v` (the root included).
fn pointers(v: &Value) -> Vec<String> {
    let mut out = vec![String::new()];
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let k = k.replace('~', "~0").replace('/', "~1");
                out.extend(pointers(x).into_iter().map(|p| format!("/{k}{p}")));
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                out.extend(pointers(x).into_iter().map(|p| format!("/{i}{p}")));
            }
        }
        _ => {}
    }
    out
}

/// Replaces the value at `p` (or removes it, with `None`).
fn replace(v: &mut Value, p: &str, with: Option<Value>) {
    match with {
        Some(w) => {
            if let Some(slot) = v.pointer_mut(p) {
                *slot = w;
            }
        }
        None => {
            let Some((parent, last)) = p.rsplit_once('/') else { return };
            match v.pointer_mut(parent) {
                Some(Value::Object(m)) => {
                    m.remove(&last.replace("~1", "/").replace("~0", "~"));
                }
                Some(Value::Array(a)) => {
                    if let Ok(i) = last.parse::<usize>()
                        && i < a.len()
                    {
                        a.remove(i);
                    }
                }
                _ => {}
            }
        }
    }
}

/// Finding: `$ref`s that fan out were copied out in full at every use, so
/// a document of a few hundred bytes (each schema referring to the next
/// four times, sixteen deep) expanded to 4^16 values and `from_spec` never
/// returned.
#[test]
fn openapi_ref_fan_out_is_bounded() {
    let mut schemas = serde_json::Map::new();
    for i in 0..16 {
        let next = json!({"$ref": format!("#/components/schemas/s{}", i + 1)});
        schemas.insert(format!("s{i}"), json!({"type": "array", "items": [next, next, next, next]}));
    }
    schemas.insert("s16".into(), json!({"type": "string"}));
    let doc = json!({
        "openapi": "3.0.3",
        "paths": {"/x": {"post": {"parameters": [
            {"name": "q", "in": "query", "schema": {"$ref": "#/components/schemas/s0"}}]}}},
        "components": {"schemas": schemas},
    });
    let started = Instant::now();
    let server = OpenApiServer::from_spec(&doc, "http://127.0.0.1:1/api");
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
    assert!(server.is_ok());
}
