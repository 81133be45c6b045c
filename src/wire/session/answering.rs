//! A session that declares client capabilities and answers what the server
//! asks of it while a request is in flight.
//!
//! On the handshake revisions a server that needs the client (sampling,
//! elicitation, roots) sends it a request of its own before it answers:
//! "The server **MAY** send JSON-RPC _requests_ and _notifications_ before
//! sending the JSON-RPC _response_" (basic/transports), over HTTP on the
//! POST's SSE stream, over stdio on stdout. Such a request must be answered
//! while the original one is still being read, or the server waits for good:
//! over HTTP with a POST of its own while the stream stays open, over stdio
//! with a line on stdin. Ordinary sessions declare no client capabilities,
//! so a server may ask them nothing; only sessions opened with
//! [`Session::open_declaring`] are meant to be asked.

use super::{Answered, Conn, Endpoint, OpenError, Reply, SendOpts, Session, initialize_params};
use crate::spec::SpecVersion;
use crate::wire::http::{HttpRequest, Until, Watch};
use crate::wire::record::Recorder;
use crate::wire::{WireError, jsonrpc};
use serde_json::Value;
use std::time::Duration;

/// A request's answer and the requests the server sent while it was in
/// flight, in arrival order.
#[derive(Debug, Clone)]
pub struct Asked {
    pub answered: Answered,
    pub requests: Vec<Value>,
}

impl Session {
    /// A ready session whose `initialize` declares `capabilities` (the
    /// client's); on 2026-07-28, where there is no handshake, a session as
    /// [`Session::open`] makes it.
    pub async fn open_declaring(
        endpoint: &Endpoint,
        version: SpecVersion,
        rec: Recorder,
        capabilities: Value,
    ) -> Result<Session, OpenError> {
        let mut s = Session::connect(endpoint, version, rec)?;
        if version.has_handshake() {
            let mut params = initialize_params(version.as_str());
            params["capabilities"] = capabilities;
            let init = s.initialize_with(params).await?;
            if init.result().is_none() {
                return Err(OpenError::Rejected(init.reply.summary()));
            }
            s.notify("notifications/initialized", None).await?;
        }
        Ok(s)
    }

    /// Sends a request and reads its response, bounded by `timeout`,
    /// answering every request the server sends meanwhile with the message
    /// `answer` makes of it (a JSON-RPC response to that request).
    pub async fn request_answering(
        &mut self,
        method: &str,
        params: Option<Value>,
        timeout: Duration,
        answer: &(dyn Fn(&Value) -> Value + Sync),
    ) -> Result<Asked, WireError> {
        let id = self.next_id();
        let msg = jsonrpc::request(id.clone(), method, self.params(params));
        let rec = self.rec.clone();
        let answer_headers = self.auto_headers(None, &SendOpts::default());
        let headers = self.auto_headers(Some(&msg), &SendOpts::default());
        let (reply, requests) = match &mut self.conn {
            Conn::Stdio(c) => {
                let mut requests = Vec::new();
                let mut answering = |r: &Value| {
                    requests.push(r.clone());
                    answer(r)
                };
                let read = c.send_answering(&msg.to_string(), &id, timeout, &mut answering, &rec).await?;
                (Reply::from_stdio(read), requests)
            }
            Conn::Http(t) => {
                let t = t.clone();
                let mut req = HttpRequest::post(msg.to_string(), Until::ResponseTo(id.clone()));
                req.headers = headers;
                let (tap, mut arrived) = tokio::sync::mpsc::unbounded_channel();
                let read = t.send_watched(req, Watch { tap, window: timeout }, &rec);
                let answering = async {
                    let mut requests = Vec::new();
                    // The tap closes once the answer has been read.
                    while let Some(m) = arrived.recv().await {
                        if jsonrpc::kind(&m) != jsonrpc::Kind::Request {
                            continue;
                        }
                        let mut post = HttpRequest::post(answer(&m).to_string(), Until::End);
                        post.headers = answer_headers.clone();
                        requests.push(m);
                        // A refused answer shows in the evidence; the
                        // request's own read goes on regardless.
                        let _ = t.send(post, &rec).await;
                    }
                    requests
                };
                let (read, requests) = tokio::join!(read, answering);
                let read = read?;
                // The watch window is the shorter of `timeout` and the limits'
                // bound: a read that stopped there without the response timed out.
                if read.response_to(&id).is_none() && !read.ended {
                    return Err(WireError::Timeout(read.elapsed));
                }
                (Reply::from_http(read), requests)
            }
        };
        Ok(Asked { answered: Answered { id, reply }, requests })
    }
}
