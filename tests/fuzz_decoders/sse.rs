//! The SSE parser (`src/wire/sse.rs`) and the JSON-RPC classifier
//! (`src/wire/jsonrpc.rs`): pure functions over bytes and values, so every
//! property is checked on the function itself.

use super::{cases, json_value, messy_bytes};
use mcpcheck::wire::jsonrpc::{self, Kind};
use mcpcheck::wire::sse::{SseEvent, SseParser};
use proptest::prelude::*;
use serde_json::{Value, json};

/// What a whole input gives: events, comments, and whether `finish` found a
/// partial event.
fn parse_whole(input: &[u8]) -> (Vec<SseEvent>, usize, bool) {
    let mut p = SseParser::new();
    let events = p.feed(input);
    let partial = p.finish();
    (events, p.comments, partial)
}

/// The same input fed in pieces cut at `cuts` (offsets, any order).
fn parse_split(input: &[u8], cuts: &[usize]) -> (Vec<SseEvent>, usize, bool) {
    let mut at: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    at.push(0);
    at.push(input.len());
    at.sort_unstable();
    let mut p = SseParser::new();
    let mut events = Vec::new();
    for w in at.windows(2) {
        events.extend(p.feed(&input[w[0]..w[1]]));
    }
    let partial = p.finish();
    (events, p.comments, partial)
}

/// One event as a well-formed stream writes it.
#[derive(Debug, Clone)]
struct Ev {
    event: Option<String>,
    data: Vec<String>,
    id: Option<String>,
    retry: Option<u64>,
    /// Comment lines inside the event.
    comments: usize,
}

fn ev() -> impl Strategy<Value = Ev> {
    (
        prop::option::of("[^\r\n]{0,16}"),
        prop::collection::vec("[^\r\n]{0,24}", 0..4),
        prop::option::of("[^\r\n\0]{0,12}"),
        prop::option::of(any::<u64>()),
        0usize..3,
    )
        .prop_map(|(event, data, id, retry, comments)| Ev { event, data, id, retry, comments })
        // An event with no field is never dispatched: give it data.
        .prop_map(|mut e| {
            if e.event.is_none() && e.data.is_empty() && e.id.is_none() && e.retry.is_none() {
                e.data.push(String::new());
            }
            e
        })
}

impl Ev {
    fn expected(&self) -> SseEvent {
        SseEvent {
            event: self.event.clone(),
            data: self.data.join("\n"),
            id: self.id.clone(),
            retry: self.retry,
        }
    }
    fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for c in 0..self.comments {
            out.push(format!(": comment {c}"));
        }
        if let Some(e) = &self.event {
            out.push(format!("event: {e}"));
        }
        for d in &self.data {
            out.push(format!("data: {d}"));
        }
        if let Some(i) = &self.id {
            out.push(format!("id: {i}"));
        }
        if let Some(r) = self.retry {
            out.push(format!("retry: {r}"));
        }
        out.push(String::new());
        out
    }
}

/// Writes lines with the chosen line ends (0 LF, 1 CRLF, 2 CR). A CR end
/// followed by an empty line ended by LF would read as one CRLF, so that
/// pair becomes CR CR.
fn serialise(lines: &[String], ends: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut last_cr = false;
    for (i, line) in lines.iter().enumerate() {
        out.extend_from_slice(line.as_bytes());
        let mut end = ends[i % ends.len()] % 3;
        if end == 0 && line.is_empty() && last_cr {
            end = 2;
        }
        out.extend_from_slice([&b"\n"[..], b"\r\n", b"\r"][end as usize]);
        last_cr = end == 2;
    }
    out
}

/// A line an attacker might send: any field name (known or not), with or
/// without a colon and space, any value bytes, a comment, a blank line, or
/// a huge data line; then any line end.
fn hostile_line() -> impl Strategy<Value = Vec<u8>> {
    let name = prop_oneof![
        prop::sample::select(vec!["data", "event", "id", "retry", "", "Data", "data "]).prop_map(Vec::from),
        messy_bytes(8),
    ];
    let line = prop_oneof![
        8 => (name, prop::sample::select(vec![&b""[..], b":", b": ", b"::"]), messy_bytes(64))
            .prop_map(|(n, sep, v)| [n, sep.to_vec(), v].concat()),
        1 => messy_bytes(16).prop_map(|c| [b":".to_vec(), c].concat()),
        1 => Just(Vec::new()),
        1 => (1usize..50_000).prop_map(|n| [b"data: ".to_vec(), vec![b'x'; n]].concat()),
    ];
    let end = prop::sample::select(vec![&b"\n"[..], b"\r\n", b"\r", b"", b"\n\n", b"\r\r\n"]);
    (line, end).prop_map(|(l, e)| [l, e.to_vec()].concat())
}

/// Bounds every parse must keep: no event carries more data than came in,
/// and there are no more events than line ends.
fn assert_bounded(input: &[u8], events: &[SseEvent]) {
    let ends = input.iter().filter(|b| **b == b'\n' || **b == b'\r').count();
    assert!(events.len() <= ends, "{} events from {ends} line ends", events.len());
    // Lossy UTF-8 may turn one bad byte into three (U+FFFD).
    let held: usize = events.iter().map(|e| e.data.len() + e.id.as_ref().map_or(0, String::len)).sum();
    assert!(held <= 3 * input.len(), "{held} bytes of events from {} input bytes", input.len());
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn sse_arbitrary_bytes_split_anywhere_parse_as_whole(input in messy_bytes(2048), cuts in prop::collection::vec(any::<usize>(), 0..12)) {
        let whole = parse_whole(&input);
        assert_bounded(&input, &whole.0);
        prop_assert_eq!(parse_split(&input, &cuts), whole);
    }

    #[test]
    fn sse_hostile_lines_stay_bounded(lines in prop::collection::vec(hostile_line(), 0..24), cuts in prop::collection::vec(any::<usize>(), 0..8)) {
        let input = lines.concat();
        let whole = parse_whole(&input);
        assert_bounded(&input, &whole.0);
        prop_assert_eq!(parse_split(&input, &cuts), whole);
        // A blank line after anything leaves the parser holding nothing.
        let mut p = SseParser::new();
        p.feed(&input);
        p.feed(b"\n\n");
        prop_assert!(!p.finish(), "state left after a blank line");
    }

    #[test]
    fn sse_well_formed_streams_decode_exactly(evs in prop::collection::vec(ev(), 0..8), ends in prop::collection::vec(0u8..3, 1..6), cuts in prop::collection::vec(any::<usize>(), 0..10)) {
        let lines: Vec<String> = evs.iter().flat_map(Ev::lines).collect();
        let input = serialise(&lines, &ends);
        let expected: Vec<SseEvent> = evs.iter().map(Ev::expected).collect();
        let comments: usize = evs.iter().map(|e| e.comments).sum();
        prop_assert_eq!(parse_whole(&input), (expected.clone(), comments, false));
        prop_assert_eq!(parse_split(&input, &cuts), (expected, comments, false));
    }

    #[test]
    fn jsonrpc_classifier_agrees_with_its_definition(v in json_value()) {
        let o = v.as_object();
        let has = |k: &str| o.is_some_and(|o| o.contains_key(k));
        let want = match (o.is_some(), has("method"), has("id")) {
            (false, _, _) => Kind::Other,
            (true, true, true) => Kind::Request,
            (true, true, false) => Kind::Notification,
            (true, false, _) if has("result") || has("error") => Kind::Response,
            _ => Kind::Other,
        };
        prop_assert_eq!(jsonrpc::kind(&v), want);
        // Through the wire and back: the same verdicts.
        let back: Value = serde_json::from_str(&v.to_string()).expect("own output parses");
        prop_assert_eq!(jsonrpc::kind(&back), want);
        let id = v.get("id").cloned().unwrap_or(Value::Null);
        prop_assert_eq!(jsonrpc::is_response_to(&v, &id), want == Kind::Response && v.get("id").is_some());
        prop_assert_eq!(jsonrpc::error_code(&v), v.get("error").and_then(|e| e.get("code")).and_then(Value::as_i64));
        let problems = jsonrpc::response_shape_problems(&v);
        let well_formed = o.is_some_and(|o| {
            o.get("jsonrpc") == Some(&json!("2.0"))
                && match (o.get("result"), o.get("error")) {
                    (Some(_), None) => true,
                    (None, Some(e)) => e.get("code").is_some_and(Value::is_i64) && e.get("message").is_some_and(Value::is_string),
                    _ => false,
                }
        });
        prop_assert_eq!(problems.is_empty(), well_formed, "{:?}", problems);
        for p in &problems {
            // Each problem quotes at most two clipped values.
            prop_assert!(p.chars().count() <= 700, "problem text unbounded: {} chars", p.chars().count());
        }
        prop_assert!(jsonrpc::show(Some(&v)).chars().count() <= 301);
    }

    #[test]
    fn jsonrpc_bytes_never_panic(input in messy_bytes(512)) {
        if let Ok(v) = serde_json::from_slice::<Value>(&input) {
            let _ = jsonrpc::kind(&v);
            let _ = jsonrpc::response_shape_problems(&v);
            let _ = jsonrpc::error_code(&v);
        }
        let text = String::from_utf8_lossy(&input);
        for max in [0, 1, 7, 80] {
            let c = jsonrpc::clip(&text, max);
            prop_assert!(c.chars().count() <= max + 1);
        }
    }
}
