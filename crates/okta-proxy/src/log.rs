//! One line per request through `tracing`, to a swappable writer (stderr in the binary, memory
//! in tests), as readable `key=value` text or as JSON (`--log-format json`).
//!
//! A line holds the client address, method, target host, path (no query), status, duration,
//! the proxy's error code and Okta's request id. Header values are never logged: the line is
//! built from [`RequestLog`], which has no field that could hold one (the request id is
//! restricted to `[A-Za-z0-9_-]`), so the Authorization header cannot reach the log.

use std::io::Write;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use crate::config::LogFormat;

/// What is logged about one request.
#[derive(Debug, Clone)]
pub struct RequestLog<'a> {
    pub client: IpAddr,
    pub method: &'a str,
    /// The target host (proxy requests) or `None` (page requests, unparsable targets).
    pub host: Option<&'a str>,
    /// The path without its query.
    pub path: &'a str,
    pub status: u16,
    pub duration: Duration,
    /// The proxy's own error code, if it answered with one.
    pub error: Option<&'a str>,
    /// Okta's request id (`X-Okta-Request-Id` of the upstream's answer), if any.
    pub request_id: Option<&'a str>,
    /// Why the proxy refused, where the client is told less than the operator (a refused
    /// destination: the address a name resolved to). Built by the proxy, never from a header.
    pub detail: Option<&'a str>,
}

/// Which handler made an answer, read from the answer's extensions by the request log and the
/// metrics ([`crate::server::Front`]); the handler sets it, so nothing is passed
/// around by hand. Probes are neither logged nor counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answered {
    /// `/healthz`, `/readyz`.
    Probe,
    /// A file of the page (`--serve-dist`).
    Page,
    /// The forwarding handler: the target host and path once the request target was read (or
    /// the host the refusal named).
    Proxy {
        host: Option<String>,
        path: Option<String>,
    },
}

/// Make an untrusted string safe for a log line: printable ASCII only, no spaces, at most
/// `max` characters.
pub fn sanitize(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max) + 3);
    for (i, c) in s.chars().enumerate() {
        if i >= max {
            out.push_str("...");
            break;
        }
        if c.is_ascii_graphic() && c != '"' && c != '\\' {
            out.push(c);
        } else {
            out.push_str(&format!("\\x{:02x}", c as u32 & 0xff));
        }
    }
    if out.is_empty() {
        out.push('-');
    }
    out
}

/// The line written for one request (without the trailing newline).
pub fn format_line(r: &RequestLog<'_>, unix_ms: u128) -> String {
    format!(
        "okta-proxy t={}.{:03} client={} method={} host={} path={} status={} ms={} error={}",
        unix_ms / 1000,
        unix_ms % 1000,
        r.client,
        sanitize(r.method, 16),
        r.host
            .map(|h| sanitize(h, 128))
            .unwrap_or_else(|| "-".into()),
        sanitize(r.path.split('?').next().unwrap_or(""), 160),
        r.status,
        r.duration.as_millis(),
        r.error.unwrap_or("-"),
    )
}

/// Where log lines go, through a `tracing` subscriber of its own (not the process-wide one,
/// so every server, test servers included, logs where it was told). Cheap to clone.
#[derive(Clone)]
pub struct Logger {
    dispatch: Option<tracing::Dispatch>,
}

/// A log kept in memory, for tests.
#[derive(Clone, Default)]
pub struct MemoryLog(Arc<Mutex<Vec<u8>>>);

impl MemoryLog {
    pub fn contents(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

struct MemoryWriter(Arc<Mutex<Vec<u8>>>);

impl Write for MemoryWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The target of request events (`okta_proxy::request`).
pub const REQUEST_TARGET: &str = "okta_proxy::request";

impl Logger {
    /// Readable lines on stderr.
    pub fn stderr() -> Self {
        Self::stderr_as(LogFormat::Text)
    }

    /// Lines in `format` on stderr.
    pub fn stderr_as(format: LogFormat) -> Self {
        Self::with_writer(format, std::io::stderr)
    }

    pub fn disabled() -> Self {
        Logger { dispatch: None }
    }

    pub fn to_writer(w: impl Write + Send + 'static) -> Self {
        Self::with_writer(LogFormat::Text, Mutex::new(w))
    }

    fn with_writer<W>(format: LogFormat, w: W) -> Self
    where
        W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
    {
        let b = tracing_subscriber::fmt()
            .with_writer(w)
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO);
        let dispatch = match format {
            LogFormat::Text => tracing::Dispatch::new(b.with_target(false).finish()),
            LogFormat::Json => tracing::Dispatch::new(
                b.json()
                    .flatten_event(true)
                    .with_current_span(false)
                    .with_span_list(false)
                    .finish(),
            ),
        };
        Logger {
            dispatch: Some(dispatch),
        }
    }

    /// A logger writing readable lines to memory, and the handle to read it.
    pub fn memory() -> (Self, MemoryLog) {
        Self::memory_as(LogFormat::Text)
    }

    /// A logger writing `format` to memory, and the handle to read it.
    pub fn memory_as(format: LogFormat) -> (Self, MemoryLog) {
        let log = MemoryLog::default();
        let buf = log.0.clone();
        let make = move || MemoryWriter(buf.clone());
        (Self::with_writer(format, make), log)
    }

    /// One request: only the fields of [`RequestLog`], every string sanitized.
    pub fn request(&self, r: &RequestLog<'_>) {
        let Some(d) = &self.dispatch else { return };
        let method = sanitize(r.method, 16);
        let host = r
            .host
            .map(|h| sanitize(h, 128))
            .unwrap_or_else(|| "-".into());
        let path = sanitize(r.path.split('?').next().unwrap_or(""), 160);
        let request_id = r.request_id.map(request_id).unwrap_or_else(|| "-".into());
        let ms = r.duration.as_millis() as u64;
        let error = r.error.unwrap_or("-");
        tracing::dispatcher::with_default(d, || match r.detail {
            None => tracing::info!(
                target: "okta_proxy::request",
                client = %r.client, method = %method, host = %host, path = %path,
                status = r.status, ms, error = %error, request_id = %request_id,
                "request"
            ),
            Some(detail) => {
                // Quoted and escaped, at most 300 characters.
                let detail: String = detail.chars().take(300).collect();
                tracing::info!(
                    target: "okta_proxy::request",
                    client = %r.client, method = %method, host = %host, path = %path,
                    status = r.status, ms, error = %error, request_id = %request_id,
                    detail = ?detail,
                    "request"
                )
            }
        });
    }

    /// A free-form line (start-up notes, warnings). Callers never pass header values.
    pub fn note(&self, msg: &str) {
        let Some(d) = &self.dispatch else { return };
        let msg = msg.to_string();
        tracing::dispatcher::with_default(d, || {
            tracing::info!(target: "okta_proxy", "{msg}");
        });
    }

    /// A warning (e.g. a dependency's outage). Callers never pass header values.
    pub fn warn(&self, msg: &str) {
        let Some(d) = &self.dispatch else { return };
        let msg = msg.to_string();
        tracing::dispatcher::with_default(d, || {
            tracing::warn!(target: "okta_proxy", "{msg}");
        });
    }
}

/// Okta's request id as logged: at most 64 characters of `[A-Za-z0-9_-]`, or `-`. It is the
/// only value taken from a header, and only from the upstream's answer (never the client's).
pub fn request_id(v: &str) -> String {
    if v.is_empty()
        || v.len() > 64
        || !v
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return "-".into();
    }
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_format() {
        let r = RequestLog {
            client: "127.0.0.1".parse().unwrap(),
            method: "GET",
            host: Some("acme.okta.com"),
            path: "/api/v1/users?limit=1",
            status: 200,
            duration: Duration::from_millis(12),
            error: None,
            request_id: None,
            detail: None,
        };
        assert_eq!(
            format_line(&r, 1_700_000_000_123),
            "okta-proxy t=1700000000.123 client=127.0.0.1 method=GET host=acme.okta.com \
             path=/api/v1/users status=200 ms=12 error=-"
        );
    }

    #[test]
    fn untrusted_fields_cannot_forge_lines() {
        let r = RequestLog {
            client: "::1".parse().unwrap(),
            method: "GET",
            host: Some("evil\nokta-proxy status=200"),
            path: "/x y\r\nz",
            status: 403,
            duration: Duration::ZERO,
            error: Some("target_refused"),
            request_id: None,
            detail: None,
        };
        let line = format_line(&r, 0);
        assert!(!line.contains('\n') && !line.contains('\r'));
        assert!(line.contains("host=evil\\x0aokta-proxy\\x20status=200"));
        assert_eq!(sanitize(&"a".repeat(500), 10), "aaaaaaaaaa...");
    }

    #[test]
    fn memory_logger() {
        let (logger, mem) = Logger::memory();
        logger.note("hello");
        assert!(mem.contents().ends_with("hello\n"), "{}", mem.contents());
        assert_eq!(mem.contents().lines().count(), 1);
    }

    fn sample<'a>(host: &'a str, path: &'a str, rid: Option<&'a str>) -> RequestLog<'a> {
        RequestLog {
            client: "127.0.0.1".parse().unwrap(),
            method: "GET",
            host: Some(host),
            path,
            status: 200,
            duration: Duration::from_millis(7),
            error: None,
            request_id: rid,
            detail: None,
        }
    }

    #[test]
    fn text_and_json_lines() {
        let (text, mem) = Logger::memory_as(LogFormat::Text);
        text.request(&sample(
            "acme.okta.com",
            "/api/v1/users/me?x=1",
            Some("reqAbC-1_"),
        ));
        let line = mem.contents();
        assert!(
            line.contains(
                "client=127.0.0.1 method=GET host=acme.okta.com path=/api/v1/users/me \
                 status=200 ms=7 error=- request_id=reqAbC-1_"
            ),
            "{line}"
        );
        let (json, mem) = Logger::memory_as(LogFormat::Json);
        json.request(&sample("evil\n\"x", "/p", Some("bad id\n")));
        json.note("started");
        let lines: Vec<serde_json::Value> = mem
            .contents()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        let v = &lines[0];
        assert_eq!(v["message"], "request");
        assert_eq!(v["client"], "127.0.0.1");
        assert_eq!(v["host"], "evil\\x0a\\x22x");
        assert_eq!(v["path"], "/p");
        assert_eq!(v["status"], 200);
        assert_eq!(v["ms"], 7);
        assert_eq!(v["error"], "-");
        assert_eq!(v["request_id"], "-");
        assert_eq!(v["level"], "INFO");
        assert!(v["timestamp"].is_string());
        assert_eq!(lines[1]["message"], "started");
    }

    #[test]
    fn request_ids_are_restricted() {
        assert_eq!(request_id("aBc-1_2"), "aBc-1_2");
        for bad in ["", "a b", "SSWS x", "a\nb", &"x".repeat(65), "é"] {
            assert_eq!(request_id(bad), "-", "{bad:?}");
        }
    }
}
