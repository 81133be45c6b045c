//! Fuzzing of the private readers of peer bytes (the public ones are in
//! `tests/fuzz_decoders.rs`, which says why proptest): the stdio line
//! reader ([`super::stdio::read_lines`]) over an in-memory pipe, and the
//! bench's HTTP/1.1 client ([`super::h1::H1`]) against a loopback server
//! that writes each generated answer raw. Every read runs under a tokio
//! timeout: a hang is a failure, not a stuck test.

use super::WireError;
use super::h1::{H1, Next, Origin};
use super::stdio::{Line, read_lines};
use proptest::prelude::*;
use proptest::test_runner::Config;
use reqwest::header::{CONTENT_TYPE, HOST, HeaderMap, HeaderValue};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// `n` cases in `cargo test`; `FUZZ_CASES` (scripts/fuzz.sh) overrides. Not
/// `PROPTEST_CASES`: proptest applies that over every config in code.
fn cases(n: u32) -> Config {
    let cases = std::env::var("FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(n);
    Config { cases, max_shrink_time: 30_000, ..Config::default() }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

/// Mostly printable bytes, with CR, LF and anything else mixed in.
fn messy_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        6 => 0x20u8..0x7f,
        1 => Just(b'\n'),
        1 => Just(b'\r'),
        1 => any::<u8>(),
    ];
    prop::collection::vec(byte, 0..max)
}

fn pieces(bytes: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    let mut at: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    at.extend([0, bytes.len()]);
    at.sort_unstable();
    at.dedup();
    at.windows(2).map(|w| bytes[w[0]..w[1]].to_vec()).collect()
}

/// What the line reader must make of `input`: each `\n`-ended line (or the
/// unended rest) with its trailing CRs and LFs dropped, until one is over
/// `cap` bytes (newline included).
fn expected_lines(input: &[u8], cap: usize) -> Vec<Line> {
    let mut out = Vec::new();
    let mut rest = input;
    while !rest.is_empty() {
        let len = rest.iter().position(|b| *b == b'\n').map_or(rest.len(), |i| i + 1);
        if len > cap {
            out.push(Line::TooLong);
            return out;
        }
        let mut line = &rest[..len];
        while let [head @ .., b'\n' | b'\r'] = line {
            line = head;
        }
        out.push(Line::Text(String::from_utf8_lossy(line).into_owned()));
        rest = &rest[len..];
    }
    out.push(Line::Eof);
    out
}

/// Runs the real reader over `pieces` written into an in-memory pipe.
fn read_all(pieces: Vec<Vec<u8>>, cap: usize) -> Vec<Line> {
    runtime().block_on(async {
        let (mut w, r) = tokio::io::duplex(64);
        tokio::spawn(async move {
            for p in pieces {
                if w.write_all(&p).await.is_err() {
                    return;
                }
            }
        });
        let (tx, mut rx) = mpsc::channel(4);
        tokio::spawn(read_lines(r, tx, cap));
        let mut out = Vec::new();
        let collect = async {
            while let Some(line) = rx.recv().await {
                out.push(line);
            }
        };
        tokio::time::timeout(Duration::from_secs(5), collect).await.expect("the reader hung");
        out
    })
}

/// An answer a server might write: a status line, a media type, framing
/// (right or wrong `Content-Length`, chunked with good or bad size lines,
/// or close-delimited) and a body; or any bytes at all.
fn answer() -> impl Strategy<Value = Vec<u8>> {
    let status =
        prop::sample::select(vec!["200 OK", "202 Accepted", "204 No Content", "500 X", "99 Y", "200"]);
    let ct = prop::sample::select(vec!["application/json", "text/event-stream", "text/plain", "\u{1}"]);
    let body = prop_oneof![
        Just(br#"{"jsonrpc":"2.0","id":1,"result":{}}"#.to_vec()),
        Just(b"data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n".repeat(3)),
        messy_bytes(1024),
    ];
    let framing = prop_oneof![
        (-3i64..3).prop_map(|d| format!("L{d}")),
        prop::sample::select(vec![
            "Cok",
            "Cbad:zz",
            "Cbad:-1",
            "Cbad:fffffffffffffffffff",
            "Cbad:",
            "Cnoend"
        ])
        .prop_map(String::from),
        Just("close".to_string()),
    ];
    let near = (status, ct, body, framing).prop_map(|(status, ct, body, framing)| {
        let mut out = format!("HTTP/1.1 {status}\r\nContent-Type: {ct}\r\n").into_bytes();
        if let Some(d) = framing.strip_prefix('L') {
            let len = (body.len() as i64 + d.parse::<i64>().unwrap_or(0)).max(0);
            out.extend(format!("Content-Length: {len}\r\n\r\n").into_bytes());
            out.extend(body);
        } else if let Some(kind) = framing.strip_prefix('C') {
            out.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
            for piece in body.chunks(100) {
                let size = kind.strip_prefix("bad:").map_or(format!("{:x}", piece.len()), String::from);
                out.extend(format!("{size}\r\n").into_bytes());
                out.extend_from_slice(piece);
                out.extend_from_slice(b"\r\n");
            }
            if kind != "noend" {
                out.extend_from_slice(b"0\r\n\r\n");
            }
        } else {
            out.extend_from_slice(b"Connection: close\r\n\r\n");
            out.extend(body);
        }
        out
    });
    prop_oneof![4 => near, 1 => messy_bytes(1024)]
}

/// Serves `pieces` to the first connection (after reading its request), then
/// closes; the URL to call.
async fn serve_once(pieces: Vec<Vec<u8>>) -> url::Url {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let Ok((mut sock, _)) = listener.accept().await else { return };
        let mut buf = vec![0u8; 65536];
        let mut seen = Vec::new();
        while !seen.ends_with(b"{}") {
            match sock.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
        for p in pieces {
            if sock.write_all(&p).await.is_err() {
                return;
            }
            tokio::task::yield_now().await;
        }
        let _ = sock.shutdown().await;
    });
    url::Url::parse(&format!("http://{addr}/mcp")).expect("url")
}

proptest! {
    #![proptest_config(cases(128))]

    #[test]
    fn stdio_lines_split_anywhere_read_as_defined(input in messy_bytes(2048), cuts in prop::collection::vec(any::<usize>(), 0..8), cap in prop::sample::select(vec![1usize, 16, 200, 4096])) {
        prop_assert_eq!(read_all(pieces(&input, &cuts), cap), expected_lines(&input, cap));
    }

    #[test]
    fn stdio_huge_lines_stop_at_the_cap(len in 1usize..300_000, cap in prop::sample::select(vec![1024usize, 65536, 1 << 20])) {
        let mut input = vec![b'x'; len];
        input.push(b'\n');
        let got = read_all(vec![input], cap);
        let want = if len < cap { vec![Line::Text("x".repeat(len)), Line::Eof] } else { vec![Line::TooLong] };
        prop_assert_eq!(got, want);
    }

    #[test]
    fn h1_any_answer_ends_within_the_bound(answer in answer(), cuts in prop::collection::vec(any::<usize>(), 0..6), stop_at in 0usize..2048, cap in prop::sample::select(vec![64usize, 1024, 1 << 16])) {
        runtime().block_on(async {
            let url = serve_once(pieces(&answer, &cuts)).await;
            let origin = Origin::of(&url).expect("http origin");
            let mut headers = HeaderMap::new();
            headers.insert(HOST, origin.host_header.clone());
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            let mut conn = H1::default();
            let read = |got: &mut Vec<u8>, chunk: &[u8]| {
                got.extend_from_slice(chunk);
                if got.len() > cap {
                    return Err(WireError::TooLarge(cap));
                }
                Ok(if got.len() >= stop_at { Next::Stop } else { Next::More })
            };
            let call = conn.call(&origin, &headers, b"{}".to_vec(), |_| Vec::new(), read);
            let out = tokio::time::timeout(Duration::from_secs(5), call).await.expect("the call hung");
            if let Ok(got) = out {
                assert!(got.len() <= cap, "read past the cap");
            }
            // Settling and a second call (the server is gone) end too.
            tokio::time::timeout(Duration::from_secs(2), conn.settle(Duration::from_millis(50)))
                .await
                .expect("settle hung");
            let again = conn.call(&origin, &headers, b"{}".to_vec(), |_| (), |_, _| Ok(Next::More));
            let again = tokio::time::timeout(Duration::from_secs(5), again).await.expect("second call hung");
            assert!(again.is_err(), "nothing serves a second call");
        });
    }
}
