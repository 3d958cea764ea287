//! Fault hosts: each one serves its org's data (any fixture token counts as that org's super
//! admin) and breaks the answer in one way, on every path, as a misbehaving edge in front of
//! Okta would. A fault host must never break anything but its own answers.

use crate::answer::{html_page, set, Answer, RL_REMAINING, RL_RESET};
use crate::fixtures::{Fault, FaultHost};
use crate::site::Site;
use crate::{Inner, TokenPolicy};
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use std::time::Duration;

/// Where `fault-redirect` sends the client.
pub const REDIRECT_TARGET: &str = "https://evil.example/steal";

/// Answer `req` on fault host `fh` (`host`, as the request named it): the org's answer through
/// `next`, then broken.
pub(crate) async fn serve(
    inner: &Inner,
    fh: &FaultHost,
    host: String,
    mut req: Request,
    next: Next,
) -> Response {
    let org = inner
        .fixtures
        .orgs
        .iter()
        .position(|o| o.host == fh.org)
        .expect("validated fixtures");
    let organization = fh
        .organization
        .clone()
        .unwrap_or_else(|| format!("https://{}", fh.host));
    let alternate = (fh.fault == Fault::WellknownForeign).then(|| format!("https://{}", fh.host));
    req.extensions_mut().insert(Site {
        org,
        host,
        policy: TokenPolicy::AnyFixture,
        organization,
        alternate,
    });
    if fh.fault == Fault::Stall {
        tokio::time::sleep(inner.cfg.stall).await;
    }
    let base = Answer::from_response(next.run(req).await).await;
    match fh.fault {
        // Sound answers: the stall came before, the foreign name is inside.
        Fault::Stall | Fault::WellknownForeign => base.into_response(),
        Fault::Reset => reset(base),
        Fault::Drip => drip(base, inner.cfg.drip_interval),
        Fault::Truncated => {
            let mut a = base;
            let keep = a.body.len() / 2;
            a.body.truncate(keep);
            a.into_response()
        }
        Fault::NotJson => {
            let mut a = base;
            a.body = html_page(
                "Service Unavailable",
                "Okta is undergoing maintenance. Please try again later.",
            )
            .into_bytes();
            a.into_response()
        }
        Fault::ContentType => {
            let mut a = base;
            a.content_type = HeaderValue::from_static("text/plain");
            a.into_response()
        }
        Fault::Huge => huge(base, inner.cfg.huge_bytes),
        Fault::Redirect => {
            let mut a = base;
            a.status = StatusCode::FOUND;
            a.headers
                .insert(header::LOCATION, HeaderValue::from_static(REDIRECT_TARGET));
            a.content_type = HeaderValue::from_static("text/html");
            a.body = html_page(
                "Found",
                "Moved to <a href=\"https://evil.example/steal\">https://evil.example/steal</a>.",
            )
            .into_bytes();
            a.into_response()
        }
        Fault::RatelimitHeaders => {
            let mut a = base;
            let remaining = HeaderName::from_static(RL_REMAINING);
            a.headers.remove(&remaining);
            a.headers
                .append(remaining.clone(), HeaderValue::from_static("599"));
            a.headers.append(remaining, HeaderValue::from_static("17"));
            a.headers.insert(
                HeaderName::from_static(RL_RESET),
                HeaderValue::from_static("soon"),
            );
            a.into_response()
        }
    }
}

/// Head of a streamed answer: status and headers of `a`, its content type and, if given, a
/// Content-Length.
fn streamed(a: &Answer, body: Body, content_length: Option<u64>) -> Response {
    let mut resp = Response::new(body);
    *resp.status_mut() = a.status;
    *resp.headers_mut() = a.headers.clone();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, a.content_type.clone());
    if let Some(len) = content_length {
        set(resp.headers_mut(), header::CONTENT_LENGTH, &len.to_string());
    }
    resp
}

/// Headers announcing the full length, half the body, then the connection is dropped.
fn reset(a: Answer) -> Response {
    let full = a.body.len() as u64;
    let half = Bytes::from(a.body[..a.body.len() / 2].to_vec());
    let s = stream::unfold(0u8, move |step| {
        let half = half.clone();
        async move {
            match step {
                0 => Some((Ok(half), 1)),
                1 => {
                    // Let the first half reach the socket before the connection is torn down.
                    tokio::time::sleep(Duration::from_millis(150)).await;
                    Some((
                        Err(std::io::Error::new(
                            std::io::ErrorKind::ConnectionReset,
                            "okta-sim: simulated connection reset",
                        )),
                        2,
                    ))
                }
                _ => None,
            }
        }
    });
    streamed(&a, Body::from_stream(s), Some(full))
}

/// The body one byte at a time, `interval` before each.
fn drip(a: Answer, interval: Duration) -> Response {
    let body = Bytes::from(a.body.clone());
    let len = body.len() as u64;
    let s = stream::unfold(0usize, move |i| {
        let body = body.clone();
        async move {
            if i >= body.len() {
                return None;
            }
            tokio::time::sleep(interval).await;
            Some((Ok::<_, std::io::Error>(body.slice(i..i + 1)), i + 1))
        }
    });
    streamed(&a, Body::from_stream(s), Some(len))
}

/// 200 application/json: the normal answer padded to exactly `total` bytes of valid JSON,
/// streamed in 64 KiB chunks without a Content-Length.
fn huge(a: Answer, total: u64) -> Response {
    let (head, tail) = huge_frame(&a.body);
    let pad_len = total.saturating_sub((head.len() + tail.len()) as u64);
    let mut a = a;
    a.status = StatusCode::OK;
    a.content_type = HeaderValue::from_static("application/json");
    const CHUNK: u64 = 64 * 1024;
    // States: 0 = head, 1 = padding (remaining in the u64), 2 = tail, 3 = done.
    let s = stream::unfold((0u8, pad_len), move |(stage, left)| {
        let head = head.clone();
        let tail = tail.clone();
        async move {
            match stage {
                0 => Some((Ok::<_, std::io::Error>(head), (1, left))),
                1 if left > 0 => {
                    let n = left.min(CHUNK);
                    Some((Ok(Bytes::from(vec![b'x'; n as usize])), (1, left - n)))
                }
                1 => Some((Ok(tail), (3, 0))),
                _ => None,
            }
        }
    });
    streamed(&a, Body::from_stream(s), None)
}

/// Split a JSON answer into the text before and after a padding string: objects get a
/// `"padding"` member, arrays a `{"padding": …}` element, anything else is wrapped.
fn huge_frame(body: &[u8]) -> (Bytes, Bytes) {
    let text = String::from_utf8_lossy(body);
    let t = text.trim();
    let (head, tail) = if t.starts_with('{') && t.ends_with('}') {
        let inner = &t[..t.len() - 1];
        let sep = if inner.trim_end().ends_with('{') {
            ""
        } else {
            ","
        };
        (format!("{inner}{sep}\"padding\":\""), "\"}".to_string())
    } else if t.starts_with('[') && t.ends_with(']') {
        let inner = &t[..t.len() - 1];
        let sep = if inner.trim_end().ends_with('[') {
            ""
        } else {
            ","
        };
        (format!("{inner}{sep}{{\"padding\":\""), "\"}]".to_string())
    } else {
        ("{\"padding\":\"".to_string(), "\"}".to_string())
    };
    (Bytes::from(head), Bytes::from(tail))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> String {
        let (h, t) = huge_frame(body.as_bytes());
        format!(
            "{}xx{}",
            String::from_utf8_lossy(&h),
            String::from_utf8_lossy(&t)
        )
    }

    #[test]
    fn huge_frame_keeps_json_valid() {
        for body in ["{\"a\":1}", "{}", "[1,2]", "[]", "<html>"] {
            let s = frame(body);
            serde_json::from_str::<serde_json::Value>(&s).unwrap_or_else(|e| panic!("{s}: {e}"));
        }
    }
}
