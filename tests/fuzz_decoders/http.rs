//! The HTTP answer reader (`src/wire/http.rs`, the recorded path every check
//! uses): a loopback server on 127.0.0.1:0 writes each generated answer raw,
//! in pieces, and closes; the real client reads it under small limits. The
//! bench's own HTTP/1.1 client (`src/wire/h1.rs`) is private and fuzzed
//! beside it, in `src/wire/fuzz.rs`, with the same answers' shapes.

use super::{RT, cases, messy_bytes};
use mcpcheck::wire::http::{HttpReply, HttpRequest, HttpTarget, Until};
use mcpcheck::wire::record::Recorder;
use mcpcheck::wire::sse::SseParser;
use mcpcheck::wire::{Limits, WireError};
use proptest::prelude::*;
use serde_json::json;
use std::sync::LazyLock;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The request id every fuzzed call uses.
const ID: i64 = 7;
/// The bound of one exchange in these tests; the outer bound adds slack.
const TIMEOUT: Duration = Duration::from_secs(2);

/// Built once: a client per case would load the TLS roots every time.
static TARGET: LazyLock<HttpTarget> =
    LazyLock::new(|| HttpTarget::new("http://127.0.0.1:1/", vec![], Limits::default()).expect("client"));

/// Reads one request (head, then `Content-Length` bytes), so that closing
/// the socket after the answer is a clean close, not a reset.
async fn read_request(sock: &mut tokio::net::TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let Ok(n) = sock.read(&mut chunk).await else { return };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                return;
            }
        }
    }
}

/// Serves `pieces` (written one by one) to the first connection, then closes.
async fn serve_once(pieces: Vec<Vec<u8>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let Ok((mut sock, _)) = listener.accept().await else { return };
        let _ = sock.set_nodelay(true);
        read_request(&mut sock).await;
        for p in pieces {
            if sock.write_all(&p).await.is_err() {
                return;
            }
            tokio::task::yield_now().await;
        }
        let _ = sock.shutdown().await;
    });
    format!("http://{addr}/mcp")
}

/// Cuts `bytes` at `cuts` (offsets modulo the length) into pieces.
pub fn pieces(bytes: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    let mut at: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    at.extend([0, bytes.len()]);
    at.sort_unstable();
    at.dedup();
    at.windows(2).map(|w| bytes[w[0]..w[1]].to_vec()).collect()
}

/// A body that a server might send: the response, other messages, an SSE
/// stream of them (with the response somewhere or nowhere), or garbage.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let message = prop_oneof![
        Just(json!({"jsonrpc": "2.0", "id": ID, "result": {}})),
        Just(json!({"jsonrpc": "2.0", "id": ID, "error": {"code": -32601, "message": "no"}})),
        Just(json!({"jsonrpc": "2.0", "method": "notifications/progress", "params": {}})),
        Just(json!({"jsonrpc": "2.0", "id": 99, "result": {}})),
        super::json_value(),
    ];
    prop_oneof![
        message.clone().prop_map(|m| m.to_string().into_bytes()),
        prop::collection::vec(message.clone(), 0..4).prop_map(|ms| json!(ms).to_string().into_bytes()),
        prop::collection::vec((message, prop::sample::select(vec!["\n", "\r\n", "\r"])), 0..40).prop_map(
            |ms| {
                let mut out = b": primed\n\nid: 0\ndata:\n\n".to_vec();
                for (m, end) in ms {
                    out.extend(format!("event: message{end}data: {m}{end}{end}").into_bytes());
                }
                out
            }
        ),
        messy_bytes(1024),
    ]
}

/// How the body is framed, well or badly.
#[derive(Debug, Clone)]
enum Framing {
    Length(i64),
    Chunked(Vec<ChunkHead>, bool),
    Close,
}

/// The size line of one chunk.
#[derive(Debug, Clone)]
enum ChunkHead {
    Right,
    Upper,
    Extension,
    Wrong(String),
    Off(i64),
    NoCrlf,
}

fn framing() -> impl Strategy<Value = Framing> {
    let head = prop_oneof![
        6 => Just(ChunkHead::Right),
        1 => Just(ChunkHead::Upper),
        1 => Just(ChunkHead::Extension),
        1 => prop::sample::select(vec!["zz", "-1", "ffffffffffffffffffff", "", " 1", "0x10", "1\r"])
            .prop_map(|s| ChunkHead::Wrong(s.into())),
        1 => (-4i64..4).prop_map(ChunkHead::Off),
        1 => Just(ChunkHead::NoCrlf),
    ];
    prop_oneof![
        (-3i64..3).prop_map(Framing::Length),
        (prop::collection::vec(head, 1..6), any::<bool>()).prop_map(|(h, end)| Framing::Chunked(h, end)),
        Just(Framing::Close),
    ]
}

/// The body framed: `Content-Length` (off by `delta`), chunked (each chunk's
/// size line as chosen, the last chunk or not), or ended by the close.
fn frame(body: &[u8], framing: &Framing) -> (String, Vec<u8>) {
    match framing {
        Framing::Length(delta) => {
            let len = (body.len() as i64 + delta).max(0);
            (format!("Content-Length: {len}\r\n"), body.to_vec())
        }
        Framing::Close => (String::new(), body.to_vec()),
        Framing::Chunked(heads, last) => {
            let mut out = Vec::new();
            let size = body.len().div_ceil(heads.len()).max(1);
            for (piece, head) in body.chunks(size).zip(heads.iter().cycle()) {
                let n = piece.len();
                let line = match head {
                    ChunkHead::Right | ChunkHead::NoCrlf => format!("{n:x}"),
                    ChunkHead::Upper => format!("{n:X}"),
                    ChunkHead::Extension => format!("{n:x};name=\"v\""),
                    ChunkHead::Wrong(s) => s.clone(),
                    ChunkHead::Off(d) => format!("{:x}", (n as i64 + d).max(0)),
                };
                out.extend(format!("{line}\r\n").into_bytes());
                out.extend_from_slice(piece);
                if !matches!(head, ChunkHead::NoCrlf) {
                    out.extend_from_slice(b"\r\n");
                }
            }
            if *last {
                out.extend_from_slice(b"0\r\n\r\n");
            }
            ("Transfer-Encoding: chunked\r\n".into(), out)
        }
    }
}

fn answer() -> impl Strategy<Value = Vec<u8>> {
    let status = prop_oneof![
        prop::sample::select(vec!["200 OK", "202 Accepted", "204 No Content", "404 Not Found", "500 Oops"])
            .prop_map(String::from),
        (0u32..1000).prop_map(|c| format!("{c} X")),
        "[ -~]{0,12}",
    ];
    let content_type = prop::sample::select(vec![
        Some("application/json"),
        Some("text/event-stream"),
        Some("TEXT/Event-Stream; charset=utf-8"),
        Some("text/html"),
        Some("\u{7f}garbage"),
        None,
    ]);
    let near_valid = (status, content_type, body(), framing(), messy_bytes(64)).prop_map(
        |(status, ct, body, framing, extra)| {
            let (framing_header, body) = frame(&body, &framing);
            let mut out = format!("HTTP/1.1 {status}\r\n").into_bytes();
            if let Some(ct) = ct {
                out.extend(format!("Content-Type: {ct}\r\n").into_bytes());
            }
            out.extend(framing_header.into_bytes());
            // Sometimes a header line of anything at all.
            if extra.len() % 4 == 0 {
                out.extend(extra);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"Connection: close\r\n\r\n");
            out.extend(body);
            out
        },
    );
    prop_oneof![4 => near_valid, 1 => messy_bytes(2048)]
}

fn limits() -> impl Strategy<Value = Limits> {
    (prop::sample::select(vec![64usize, 512, 4096, 1 << 16]), prop::sample::select(vec![1usize, 4, 64]))
        .prop_map(|(max_body_bytes, max_sse_events)| Limits {
            timeout: TIMEOUT,
            max_body_bytes,
            max_sse_events,
        })
}

fn until() -> impl Strategy<Value = Until> {
    prop::sample::select(vec![Until::End, Until::ResponseTo(json!(ID)), Until::Headers])
}

/// Sends one call to a server that answers with `pieces`; the reply or error,
/// after checking that the exchange ended in time and was recorded.
pub fn exchange(pieces: Vec<Vec<u8>>, limits: Limits, until: Until) -> Result<HttpReply, WireError> {
    RT.block_on(async {
        let mut target = TARGET.clone();
        target.url = serve_once(pieces).await;
        target.limits = limits;
        let rec = Recorder::new();
        let req = HttpRequest::post(json!({"jsonrpc": "2.0", "id": ID, "method": "ping"}).to_string(), until);
        let out = tokio::time::timeout(TIMEOUT + Duration::from_secs(2), target.send(req, &rec))
            .await
            .expect("the exchange outlived its own timeout");
        assert_eq!(rec.len(), 1, "every exchange is recorded, failed or not");
        out
    })
}

/// The caps of [`Limits`] hold for whatever came back.
pub fn assert_within(reply: &HttpReply, limits: &Limits) {
    assert!(reply.body.len() <= limits.max_body_bytes, "body {} over the cap", reply.body.len());
    let events = reply.events.as_ref().map_or(0, Vec::len);
    assert!(events <= limits.max_sse_events, "{events} events over the cap of {}", limits.max_sse_events);
    assert!(reply.messages.len() <= reply.body.len(), "more messages than body bytes");
}

proptest! {
    #![proptest_config(cases(128))]

    #[test]
    fn http_any_answer_is_read_within_the_limits(answer in answer(), cuts in prop::collection::vec(any::<usize>(), 0..6), limits in limits(), until in until()) {
        if let Ok(reply) = exchange(pieces(&answer, &cuts), limits, until) {
            assert_within(&reply, &limits);
        }
    }

    #[test]
    fn http_sse_split_into_any_chunks_reads_as_whole(body in body(), cuts in prop::collection::vec(any::<usize>(), 0..10)) {
        // Chunked, one chunk per piece, and the whole stream under the caps.
        let limits = Limits { timeout: TIMEOUT, max_body_bytes: 1 << 20, max_sse_events: 1000 };
        let mut out = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        for p in pieces(&body, &cuts).into_iter().filter(|p| !p.is_empty()) {
            out.extend(format!("{:x}\r\n", p.len()).into_bytes());
            out.extend(p);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"0\r\n\r\n");
        let reply = exchange(vec![out], limits, Until::End).expect("a well-framed stream reads");
        prop_assert_eq!(&reply.body, &body);
        prop_assert!(reply.ended);
        let want = SseParser::new().feed(&body);
        prop_assert_eq!(reply.events.as_ref(), Some(&want));
        let decodable = want.iter().filter(|e| !e.data.is_empty()).count();
        prop_assert_eq!(reply.messages.len() + reply.undecodable.len(), decodable);
    }
}

/// Finding: an event stream under a JSON media type (read anyway, for the
/// media-type check) was parsed with no event cap, so one answer could hold
/// far more than `max_sse_events` events.
#[test]
fn sse_under_the_wrong_media_type_keeps_the_event_cap() {
    let body = "data: {}\n\n".repeat(50);
    let answer = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let limits = Limits { timeout: TIMEOUT, max_body_bytes: 1 << 16, max_sse_events: 4 };
    match exchange(vec![answer.into_bytes()], limits, Until::End) {
        Ok(reply) => assert_within(&reply, &limits),
        Err(e) => assert_eq!(e, WireError::TooManyEvents(4)),
    }
}
