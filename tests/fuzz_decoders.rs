//! Property-based fuzzing of every decoder that reads bytes a peer (or a
//! file from elsewhere) controls: nothing a server or client sends may
//! crash mcpcheck, hang it, or make it hold more than its caps.
//!
//! Why proptest and not cargo-fuzz: cargo-fuzz needs a nightly toolchain,
//! and this suite must run on the stable one CI has. proptest gives seeded,
//! shrinking random inputs on stable; each target pairs arbitrary bytes with
//! structure-aware near-valid inputs (the ones that reach deep into a
//! parser), and checks, beyond "no panic", that the work terminates within a
//! bound, that the output stays within the caps, and, where an oracle
//! exists, that a round trip gives back what went in.
//!
//! This run is the bounded corpus kept in `cargo test`: a small number of
//! cases per target (see [`cases`]), seconds in all. `scripts/fuzz.sh` is
//! the long run (`FUZZ_CASES` set, a timeout per target). A failure
//! leaves its seed in `proptest-regressions/`, which is committed, and each
//! finding also becomes a plain named test beside the target.
//!
//! Private targets (the stdio line reader, the HTTP/1.1 bench client, the
//! JWT validator) are fuzzed in `#[cfg(test)]` modules beside them:
//! `src/wire/fuzz.rs` and `reference-servers/src/authorized/fuzz.rs`.

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};
use std::sync::LazyLock;

#[path = "fuzz_decoders/files.rs"]
mod files;
#[path = "fuzz_decoders/http.rs"]
mod http;
#[path = "fuzz_decoders/sse.rs"]
mod sse;

/// [`cases`] for a target each of whose cases is slow: the long run gives it
/// a `1/divisor` share of `FUZZ_CASES`, so it ends within the script's
/// bound per target.
pub fn costly_cases(n: u32, divisor: u32) -> Config {
    let mut c = cases(n);
    if let Some(total) = long_run_cases() {
        c.cases = (total / divisor.max(1)).max(1);
    }
    c
}

/// The long run's cases per target: `FUZZ_CASES`, which scripts/fuzz.sh sets.
/// Not `PROPTEST_CASES`: proptest applies that over every config in code
/// (its `contextualize_config`), which would undo [`costly_cases`]' share.
fn long_run_cases() -> Option<u32> {
    std::env::var("FUZZ_CASES").ok().and_then(|v| v.parse().ok())
}

/// The config of a target run `n` times in `cargo test`; `FUZZ_CASES` (the
/// long run) overrides the count.
pub fn cases(n: u32) -> Config {
    Config {
        cases: long_run_cases().unwrap_or(n),
        // Shrinking is bounded too: a failure must be reported, not chased
        // for minutes.
        max_shrink_time: 30_000,
        // The default (beside `src/`) finds no `lib.rs` above `tests/`.
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/fuzz_decoders.txt",
        ))),
        ..Config::default()
    }
}

/// One runtime for every async target, so the clients and loopback servers
/// of all cases share it.
pub static RT: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
});

/// Bytes that are mostly ASCII text with some of everything else: invalid
/// UTF-8, NUL, CR and LF in any order.
pub fn messy_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        6 => proptest::char::range(' ', '~').prop_map(|c| c as u8),
        1 => Just(b'\n'),
        1 => Just(b'\r'),
        1 => any::<u8>(),
    ];
    prop::collection::vec(byte, 0..max)
}

/// Any JSON value, nested a few levels, with keys JSON-RPC and MCP readers
/// look for mixed in among arbitrary ones.
pub fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::String),
        prop::sample::select(vec!["2.0", "1.0", "", "initialize", "tools/call"])
            .prop_map(|s| Value::String(s.into())),
    ];
    let key = prop_oneof![
        3 => prop::sample::select(vec![
            "jsonrpc", "id", "method", "params", "result", "error", "code", "message", "data", "isError",
            "schema_version",
        ])
        .prop_map(String::from),
        1 => ".{0,8}",
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
