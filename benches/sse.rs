//! SSE parsing (src/wire/sse.rs): every Streamable HTTP answer sent as an
//! event stream goes through it, byte by byte. Two shapes: the usual answer
//! (a priming event and one message) in one chunk, and a long stream of
//! notifications arriving in 1 KiB chunks.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mcpcheck::wire::sse::SseParser;
use std::hint::black_box;
use std::time::Duration;

fn one_answer() -> Vec<u8> {
    let msg = r#"{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"3"}],"isError":false}}"#;
    format!("id: 0\ndata:\n\nevent: message\nid: 1\ndata: {msg}\n\n").into_bytes()
}

fn long_stream(events: usize) -> Vec<u8> {
    let mut s = String::new();
    for i in 0..events {
        s.push_str(&format!(
            "event: message\r\nid: {i}\r\ndata: {{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\
             \"params\":{{\"progressToken\":\"t\",\"progress\":{i},\"total\":{events}}}}}\r\n\r\n"
        ));
        if i % 10 == 0 {
            s.push_str(": keep-alive\r\n\r\n");
        }
    }
    s.into_bytes()
}

fn parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("sse");
    let answer = one_answer();
    g.throughput(Throughput::Bytes(answer.len() as u64));
    g.bench_function("one answer, one chunk", |b| {
        b.iter(|| {
            let mut p = SseParser::new();
            let events = p.feed(black_box(&answer));
            p.finish();
            events
        })
    });
    let stream = long_stream(200);
    g.throughput(Throughput::Bytes(stream.len() as u64));
    g.bench_function("200 events, 1 KiB chunks", |b| {
        b.iter(|| {
            let mut p = SseParser::new();
            let mut n = 0;
            for chunk in black_box(&stream).chunks(1024) {
                n += p.feed(chunk).len();
            }
            n
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = parse
}
criterion_main!(benches);
