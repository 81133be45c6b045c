//! The faults of SEP-2243 header validation (2026-07-28). rmcp's transport
//! validates `Mcp-Method`, `Mcp-Name` and the `Mcp-Param-*` headers of the
//! tools it knows correctly, so each fault bends the request before rmcp
//! sees it into the one a server with that bug would have judged.
//!
//! Two of them live below HTTP parsing ([`Respelled`]): hyper lower-cases
//! header names and trims the whitespace around values as it parses, so a
//! server that looks names up by their spelling, or keeps the spaces, can
//! only be imitated on the bytes as they arrive.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use base64::Engine;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::transport_faults::is_stateless;
use crate::faults::{Fault, FaultSet};
use crate::plain::{REGION_HEADER, REGIONAL_ECHO};

const METHOD: &str = "mcp-method";
const NAME: &str = "mcp-name";
const BASE64_PREFIX: &str = "=?base64?";
const BASE64_SUFFIX: &str = "?=";

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The header-level faults of one POST, given its body (before rmcp
/// validates them).
pub(crate) fn on_request(faults: &FaultSet, headers: &mut HeaderMap, body: &[u8]) {
    let any = [
        Fault::RoutingHeadersOptional,
        Fault::HeaderValuesCaseFolded,
        Fault::ParamHeadersUnchecked,
        Fault::ParamHeadersNotDecoded,
    ]
    .into_iter()
    .any(|f| faults.contains(f));
    if !any || !is_stateless(headers) {
        return;
    }
    let Ok(msg) = serde_json::from_slice::<Value>(body) else { return };
    let Some(method) = msg.get("method").and_then(Value::as_str) else { return };
    let params = msg.get("params");
    let name = match method {
        "tools/call" | "prompts/get" => params.and_then(|p| p.get("name")),
        "resources/read" => params.and_then(|p| p.get("uri")),
        _ => None,
    }
    .and_then(Value::as_str);
    let body_values = [(METHOD, Some(method)), (NAME, name)];
    for (header, body_value) in body_values {
        let Some(body_value) = body_value else { continue };
        let sent = header_str(headers, header);
        let fill = sent.is_none() && faults.contains(Fault::RoutingHeadersOptional);
        let fold = sent.is_some_and(|v| v != body_value && v.eq_ignore_ascii_case(body_value))
            && faults.contains(Fault::HeaderValuesCaseFolded);
        if (fill || fold)
            && let Ok(v) = HeaderValue::from_str(body_value)
        {
            headers.insert(header, v);
        }
    }
    if method == "tools/call" && name == Some(REGIONAL_ECHO) {
        param_header(faults, headers, params.and_then(|p| p.pointer("/arguments/region")));
    }
}

/// `regional_echo`'s `Mcp-Param-Region`: made to agree with the argument
/// (`param-headers-unchecked`), or an encoded value wrapped once more so
/// that rmcp's decoding leaves the encoded text to compare
/// (`param-headers-not-decoded`).
fn param_header(faults: &FaultSet, headers: &mut HeaderMap, argument: Option<&Value>) {
    let Ok(header) = HeaderName::from_bytes(format!("mcp-param-{REGION_HEADER}").as_bytes()) else { return };
    if faults.contains(Fault::ParamHeadersUnchecked) {
        let text = argument.and_then(Value::as_str);
        match text.and_then(|t| HeaderValue::from_str(&encoded(t)).ok()) {
            Some(v) => headers.insert(header.clone(), v),
            None => headers.remove(&header),
        };
        return;
    }
    let sent = headers.get(&header).and_then(|v| v.to_str().ok());
    if faults.contains(Fault::ParamHeadersNotDecoded)
        && let Some(sent) = sent.filter(|s| s.starts_with(BASE64_PREFIX) && s.ends_with(BASE64_SUFFIX))
        && let Ok(v) = HeaderValue::from_str(&wrapped(sent))
    {
        headers.insert(header.clone(), v);
    }
}

/// A value as a conforming client writes it: plain when it is plain ASCII
/// with no outer spaces, else Base64 in the sentinel.
fn encoded(text: &str) -> String {
    let visible = text.bytes().all(|b| (0x21..0x7f).contains(&b) || b == b' ');
    let padded = text.starts_with(' ') || text.ends_with(' ');
    let sentinel = text.starts_with(BASE64_PREFIX) && text.ends_with(BASE64_SUFFIX);
    let plain = visible && !padded && !sentinel;
    if plain { text.to_owned() } else { wrapped(text) }
}

fn wrapped(text: &str) -> String {
    format!("{BASE64_PREFIX}{}{BASE64_SUFFIX}", base64::engine::general_purpose::STANDARD.encode(text))
}

/// A connection whose request heads are edited as they are read:
/// `header-names-case-sensitive` renames an `Mcp-Method` or `Mcp-Name` line
/// spelt otherwise than so or in lower case (`MCP-METHOD`) to an unknown
/// header of the same length; `header-values-untrimmed` turns the spaces
/// around such a value (beyond the one after the colon) into `_`, which the
/// value then no longer matches. Only lines that arrive within one read are
/// edited, which a request head written at once does.
pub(crate) struct Respelled<IO> {
    inner: IO,
    names: bool,
    values: bool,
}

impl<IO> Respelled<IO> {
    pub(crate) fn new(inner: IO, faults: &FaultSet) -> Self {
        Self {
            inner,
            names: faults.contains(Fault::HeaderNamesCaseSensitive),
            values: faults.contains(Fault::HeaderValuesUntrimmed),
        }
    }

    fn edit(&self, bytes: &mut [u8]) {
        let mut start = 0;
        while let Some(end) = bytes[start..].windows(2).position(|w| w == b"\r\n").map(|p| start + p) {
            self.edit_line(&mut bytes[start..end]);
            start = end + 2;
        }
    }

    fn edit_line(&self, line: &mut [u8]) {
        let Some(colon) = line.iter().position(|&b| b == b':') else { return };
        let (name, rest) = line.split_at_mut(colon);
        let canonical: &[&[u8]] = match name.to_ascii_lowercase().as_slice() {
            b"mcp-method" => &[b"Mcp-Method", b"mcp-method"],
            b"mcp-name" => &[b"Mcp-Name", b"mcp-name"],
            _ => return,
        };
        if self.names && !canonical.contains(&&*name) {
            name[0] = b'X';
        }
        if self.values {
            let value = &mut rest[1..];
            let lead = value.iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
            let trail = value.iter().rev().take_while(|b| matches!(b, b' ' | b'\t')).count();
            let len = value.len();
            for (i, b) in value.iter_mut().enumerate() {
                if (i < lead && i > 0) || (i >= len - trail && trail < len) {
                    *b = b'_';
                }
            }
        }
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for Respelled<IO> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if (this.names || this.values)
            && let Poll::Ready(Ok(())) = &polled
        {
            let mut fresh = buf.filled()[before..].to_vec();
            this.edit(&mut fresh);
            buf.filled_mut()[before..].copy_from_slice(&fresh);
        }
        polled
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Respelled<IO> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, data)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edited(faults: &[Fault], head: &str) -> String {
        let set = faults.iter().fold(FaultSet::default(), |s, f| s.with(*f));
        let r = Respelled::new((), &set);
        let mut bytes = head.as_bytes().to_vec();
        r.edit(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[test]
    fn only_the_faulty_spellings_and_spaces_are_edited() {
        let head = "MCP-METHOD: tools/list\r\nmcp-method: tools/list\r\nMcp-Name:   add  \r\nAccept: x\r\n";
        assert_eq!(
            edited(&[Fault::HeaderNamesCaseSensitive], head),
            "XCP-METHOD: tools/list\r\nmcp-method: tools/list\r\nMcp-Name:   add  \r\nAccept: x\r\n"
        );
        assert_eq!(
            edited(&[Fault::HeaderValuesUntrimmed], head),
            "MCP-METHOD: tools/list\r\nmcp-method: tools/list\r\nMcp-Name: __add__\r\nAccept: x\r\n"
        );
    }
}
