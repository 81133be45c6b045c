//! One HTTP/1.1 connection of a bench user's own, for `http://` targets on the
//! hot path ([`super::lean`]).
//!
//! Why not reqwest here: every session of a bench shares the target's
//! reqwest client, so every call went through its connection pool (a lock,
//! a checkout and a checkin per call), its `Request` building (URL and
//! header map cloned, extensions, redirect and timeout wrappers) and a
//! spawned connection task it talks to over channels. Profiled against
//! `serve plain` that was most of the generator's CPU per call, and wrk,
//! which keeps one connection per user and writes to it directly, spent a
//! quarter of it. Here each user owns one connection made with hyper's
//! low-level client (`hyper::client::conn::http1`, the same HTTP/1.1 code
//! reqwest runs on) and drives it in its own task: no pool, no channel hop
//! to another task.
//!
//! What stays with reqwest: `https://` targets (TLS, certificates and ALPN
//! are reqwest's and rustls's job, and a handshake per user is no hot path
//! worth a second TLS stack), and everything outside the bench.
//!
//! The connection is kept while the server keeps it: an answer read to its
//! end leaves it ready for the next call. Anything else (an error, a
//! timeout, an SSE stream left open after the response, a body over the
//! cap) drops it and the next call connects anew, as a pool would.

use super::WireError;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, Connection, SendRequest};
use hyper::{Request, Response, body::Incoming};
use hyper_util::rt::TokioIo;
use reqwest::header::{HeaderMap, HeaderValue};
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;
use tokio::net::TcpStream;

type Conn = Connection<TokioIo<TcpStream>, Full<Bytes>>;

/// Where to connect and what goes on every request line.
#[derive(Debug, Clone)]
pub(super) struct Origin {
    /// Host for the socket (an IPv6 literal without brackets), and port.
    host: String,
    port: u16,
    /// The `Host` header: the URL's authority as reqwest would send it.
    pub host_header: HeaderValue,
    /// Origin-form request target (path and query).
    path: hyper::Uri,
}

impl Origin {
    /// `Some` for an `http://` URL this client can reach; `None` sends the
    /// call through reqwest (https, or anything odd, which reqwest then
    /// judges and reports as the recorded path would).
    pub fn of(url: &url::Url) -> Option<Origin> {
        if url.scheme() != "http" || !url.username().is_empty() || url.password().is_some() {
            return None;
        }
        let host_str = url.host_str()?;
        let port = url.port_or_known_default()?;
        let authority = match url.port() {
            Some(p) => format!("{host_str}:{p}"),
            None => host_str.to_string(),
        };
        let mut path = url.path().to_string();
        if let Some(q) = url.query() {
            path.push('?');
            path.push_str(q);
        }
        Some(Origin {
            host: host_str.trim_start_matches('[').trim_end_matches(']').to_string(),
            port,
            host_header: HeaderValue::from_str(&authority).ok()?,
            path: path.parse().ok()?,
        })
    }
}

/// The user's connection: absent until the first call, and after a call
/// that left it unusable.
#[derive(Default)]
pub(super) struct H1 {
    live: Option<Live>,
    /// The body of the last answer when the call ended at the response,
    /// before the body's end (an SSE stream's last chunk comes after its
    /// last event): [`H1::settle`] waits for that end, off the clock.
    unfinished: Option<Incoming>,
    /// Settles in a row that ran out of time: past [`MAX_MISSES`], a server
    /// that keeps its streams open is no longer waited for (but an end that
    /// has already come still keeps the connection, and resets this).
    misses: u8,
}

struct Live {
    send: SendRequest<Full<Bytes>>,
    /// hyper's connection state machine, polled by the calling task itself
    /// (see [`H1::call`]) rather than spawned: one task per call, no wake-ups
    /// across tasks.
    /// `None` once the connection has ended.
    conn: Option<Pin<Box<Conn>>>,
}

impl std::fmt::Debug for H1 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("H1").field("connected", &self.live.is_some()).finish()
    }
}

/// What `read` makes of one chunk of the body: go on, or stop reading (the
/// answer is complete enough; the connection is then dropped).
pub(super) enum Next {
    More,
    Stop,
}

impl H1 {
    /// Sends one request and hands each body chunk to `read` until the body
    /// ends or `read` stops. Unbounded in time: the caller bounds the whole
    /// exchange (connect included) with its timeout, and a call cancelled by
    /// it drops the connection with it (hyper closes an HTTP/1 connection
    /// whose request is dropped mid-flight).
    pub async fn call<R>(
        &mut self,
        origin: &Origin,
        headers: &HeaderMap,
        body: Vec<u8>,
        on_head: impl FnOnce(&Response<Incoming>) -> R,
        mut read: impl FnMut(&mut R, &[u8]) -> Result<Next, WireError>,
    ) -> Result<R, WireError> {
        let mut req = Request::new(Full::new(Bytes::from(body)));
        *req.method_mut() = hyper::Method::POST;
        *req.uri_mut() = origin.path.clone();
        *req.headers_mut() = headers.clone();
        let (resp, mut live) = self.send(origin, req).await?;
        let mut state = on_head(&resp);
        let mut incoming = resp.into_body();
        loop {
            let Some(frame) = drive(&mut live.conn, incoming.frame()).await else {
                // Whole body read: the connection is ready for the next call.
                self.live = Some(live);
                return Ok(state);
            };
            if let Ok(data) = frame.map_err(classify_body)?.into_data()
                && let Next::Stop = read(&mut state, &data)?
            {
                // The answer is complete, its body perhaps not ended yet:
                // kept for `settle`.
                self.live = Some(live);
                self.unfinished = Some(incoming);
                return Ok(state);
            }
        }
    }

    /// Between calls, off the clock: waits up to `bound` for the end of an
    /// answer the last call stopped reading at its response, so the
    /// connection can carry the next call. Frames that still come are not
    /// read (the answer was judged); past [`DRAIN_FRAMES`] of them, or the
    /// bound, the connection is dropped and the next call connects anew.
    pub async fn settle(&mut self, bound: Duration) {
        let Some(mut incoming) = self.unfinished.take() else { return };
        let Some(mut live) = self.live.take() else { return };
        // A server that leaves its streams open is not waited for: only
        // an end already here keeps the connection (and ends the misses).
        let bound = if self.misses >= MAX_MISSES { Duration::ZERO } else { bound };
        let deadline = tokio::time::Instant::now() + bound;
        for _ in 0..DRAIN_FRAMES {
            match tokio::time::timeout_at(deadline, drive(&mut live.conn, incoming.frame())).await {
                Ok(None) => {
                    self.misses = 0;
                    self.live = Some(live);
                    return;
                }
                Ok(Some(Ok(_))) => continue,
                Ok(Some(Err(_))) => return,
                Err(_) => break,
            }
        }
        self.misses = self.misses.saturating_add(1);
    }

    /// Sends the request on the kept connection, or a new one. The connection
    /// is taken out for the call, so one that fails leaves none behind. A kept
    /// connection the server closed while it was idle is found out before the
    /// request is written (hyper hands the request back); that request is sent
    /// again on a new connection, as a pool retries it.
    async fn send(
        &mut self,
        origin: &Origin,
        req: Request<Full<Bytes>>,
    ) -> Result<(Response<Incoming>, Live), WireError> {
        if self.unfinished.take().is_some() {
            // Not settled: the last answer's body is still on the connection.
            self.live = None;
        }
        let req = match self.live.take() {
            Some(mut live) => match try_send(&mut live, req).await {
                Ok(resp) => return Ok((resp, live)),
                Err(NotSent::Back(req)) => *req,
                Err(NotSent::Failed(e)) => return Err(e),
            },
            None => req,
        };
        let mut live = connect(origin).await?;
        match try_send(&mut live, req).await {
            Ok(resp) => Ok((resp, live)),
            Err(NotSent::Back(_)) => Err(WireError::Closed),
            Err(NotSent::Failed(e)) => Err(e),
        }
    }
}

/// Frames a stream may send after the response before the connection is
/// given up rather than read on.
const DRAIN_FRAMES: usize = 8;
/// Settles that run out of time in a row before a user stops waiting for the
/// end of its answers (the server leaves its streams open).
const MAX_MISSES: u8 = 3;

/// Why a request got no response head.
enum NotSent {
    /// The connection could take no request; it was not written.
    Back(Box<Request<Full<Bytes>>>),
    Failed(WireError),
}

async fn try_send(live: &mut Live, req: Request<Full<Bytes>>) -> Result<Response<Incoming>, NotSent> {
    // Ready first: after the last answer the connection must take its next
    // request (and an idle one the server closed says so here).
    if drive(&mut live.conn, live.send.ready()).await.is_err() {
        return Err(NotSent::Back(Box::new(req)));
    }
    drive(&mut live.conn, live.send.try_send_request(req)).await.map_err(|mut e| match e.take_message() {
        Some(req) => NotSent::Back(Box::new(req)),
        None => NotSent::Failed(classify(e.into_error())),
    })
}

/// Polls `fut` and the connection together until `fut` is done. When the
/// connection ends first it is dropped at once (its half of hyper's channels
/// with it), so `fut` then fails or ends by itself and is polled on alone.
async fn drive<F: Future>(conn: &mut Option<Pin<Box<Conn>>>, fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    poll_fn(|cx| {
        if let Poll::Ready(out) = fut.as_mut().poll(cx) {
            return Poll::Ready(out);
        }
        if let Some(c) = conn
            && c.as_mut().poll(cx).is_ready()
        {
            *conn = None;
            return fut.as_mut().poll(cx);
        }
        Poll::Pending
    })
    .await
}

async fn connect(origin: &Origin) -> Result<Live, WireError> {
    let tcp = TcpStream::connect((origin.host.as_str(), origin.port))
        .await
        .map_err(|e| WireError::Connect(e.to_string()))?;
    // As the reqwest client is built (http.rs): a small request must not wait
    // for a delayed ACK.
    tcp.set_nodelay(true).map_err(|e| WireError::Connect(e.to_string()))?;
    let (send, conn) =
        http1::handshake(TokioIo::new(tcp)).await.map_err(|e| WireError::Connect(e.to_string()))?;
    Ok(Live { send, conn: Some(Box::pin(conn)) })
}

fn classify(e: hyper::Error) -> WireError {
    if e.is_incomplete_message() || e.is_canceled() || e.is_closed() {
        WireError::Closed
    } else {
        WireError::Http(e.to_string())
    }
}

fn classify_body(_: hyper::Error) -> WireError {
    // As reqwest's body errors are classified (http.rs): the answer was cut.
    WireError::Closed
}
