//! One line per request, to a swappable writer (stderr in the binary, memory in tests).
//!
//! A line holds the client address, method, target host, path (no query), status, duration
//! and the proxy's error code. Header values are never logged: the line is built from
//! [`RequestLog`], which has no field that could hold one, so the Authorization header cannot
//! reach the log.

use std::io::Write;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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

type Sink = Arc<Mutex<Box<dyn Write + Send>>>;

/// Where log lines go. Cheap to clone.
#[derive(Clone)]
pub struct Logger {
    sink: Option<Sink>,
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

impl Logger {
    pub fn stderr() -> Self {
        Self::to_writer(std::io::stderr())
    }

    pub fn disabled() -> Self {
        Logger { sink: None }
    }

    pub fn to_writer(w: impl Write + Send + 'static) -> Self {
        Logger {
            sink: Some(Arc::new(Mutex::new(Box::new(w)))),
        }
    }

    /// A logger writing to memory, and the handle to read it.
    pub fn memory() -> (Self, MemoryLog) {
        let log = MemoryLog::default();
        (Self::to_writer(MemoryWriter(log.0.clone())), log)
    }

    pub fn request(&self, r: &RequestLog<'_>) {
        let Some(sink) = &self.sink else { return };
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        let line = format_line(r, ms);
        let mut w = sink.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(w, "{line}");
        let _ = w.flush();
    }

    /// A free-form line (start-up notes). Callers never pass header values.
    pub fn note(&self, msg: &str) {
        let Some(sink) = &self.sink else { return };
        let mut w = sink.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(w, "{msg}");
        let _ = w.flush();
    }
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
        assert_eq!(mem.contents(), "hello\n");
    }
}
