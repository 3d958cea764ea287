//! DEVELOPMENT ONLY: faults of the proxy itself (`--dev-fault`, allowed only with
//! `--dev-upstream`), for the page's fault-injection tests. The simulator makes "Okta"
//! misbehave; these make the proxy in front of it misbehave, which the simulator cannot.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes, HttpBody};
use axum::response::Response;
use http_body::Frame;

/// How the proxy breaks its answers to proxied requests (the page's own files are unaffected).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answers carry no CORS headers, so a browser on another origin refuses them.
    NoCors,
    /// Status and headers (with the full `Content-Length`), half the body, then the connection
    /// is dropped.
    Reset,
    /// The request is accepted and never answered (for an hour).
    Stall,
}

impl Fault {
    pub const ALL: [Fault; 3] = [Fault::NoCors, Fault::Reset, Fault::Stall];

    pub fn code(self) -> &'static str {
        match self {
            Fault::NoCors => "no-cors",
            Fault::Reset => "reset",
            Fault::Stall => "stall",
        }
    }

    pub fn parse(s: &str) -> Option<Fault> {
        Fault::ALL.into_iter().find(|f| f.code() == s)
    }
}

/// A body that sends its bytes, waits a moment (so they reach the socket), then fails: hyper
/// drops the connection mid-body.
struct Broken {
    first: Option<Bytes>,
    pause: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl HttpBody for Broken {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        if let Some(b) = self.first.take() {
            return Poll::Ready(Some(Ok(Frame::data(b))));
        }
        let pause = self.pause.get_or_insert_with(|| {
            Box::pin(tokio::time::sleep(std::time::Duration::from_millis(150)))
        });
        if pause.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "okta-proxy --dev-fault reset",
        ))))
    }
}

/// `res` with its body cut in half and the connection dropped after it; the headers (and the
/// full `Content-Length`) are kept.
pub async fn reset(res: Response) -> Response {
    let (mut parts, body) = res.into_parts();
    let full = axum::body::to_bytes(body, 64 << 20)
        .await
        .unwrap_or_default();
    parts.headers.insert(
        axum::http::header::CONTENT_LENGTH,
        axum::http::HeaderValue::from(full.len()),
    );
    let half = full.slice(..full.len() / 2);
    Response::from_parts(
        parts,
        Body::new(Broken {
            first: Some(half),
            pause: None,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for f in Fault::ALL {
            assert_eq!(Fault::parse(f.code()), Some(f));
        }
        assert_eq!(Fault::parse("nope"), None);
    }
}
