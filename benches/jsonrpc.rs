//! JSON-RPC encode and decode: what every bench call and every check does
//! twice. Encode = build a `tools/call` request and serialize it; decode =
//! parse a response body and find the response to the request in it.

use criterion::{Criterion, criterion_group, criterion_main};
use mcpcheck::wire::jsonrpc;
use serde_json::{Value, json};
use std::hint::black_box;
use std::time::Duration;

fn response(text_len: usize) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "jsonrpc": "2.0", "id": 7,
        "result": {"content": [{"type": "text", "text": "x".repeat(text_len)}], "isError": false}
    }))
    .unwrap_or_default()
}

fn encode_decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("jsonrpc");
    g.bench_function("encode tools/call", |b| {
        b.iter(|| {
            let params = json!({"name": "add", "arguments": {"a": 1, "b": 2}});
            let req = jsonrpc::request(json!(black_box(7)), "tools/call", Some(params));
            serde_json::to_vec(&req).unwrap_or_default()
        })
    });
    let id = json!(7);
    for len in [16usize, 4096] {
        let body = response(len);
        g.bench_function(format!("decode response ({} B)", body.len()), |b| {
            b.iter(|| {
                let v: Value = serde_json::from_slice(black_box(&body)).unwrap_or(Value::Null);
                (jsonrpc::kind(&v), jsonrpc::is_response_to(&v, &id), jsonrpc::error_code(&v))
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = encode_decode
}
criterion_main!(benches);
