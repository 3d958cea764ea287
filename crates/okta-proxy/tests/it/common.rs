//! Shared helpers: a fake Okta upstream that records what it receives, a raw HTTP/1.1 client
//! (so attacks reach the server byte for byte, unnormalized), and starting the proxy.

#![allow(dead_code)]

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use okta_proxy::config::Config;
use okta_proxy::log::{Logger, MemoryLog};
use okta_proxy::resolve::StaticLookup;
use okta_proxy::server::{start, Deps, Running};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const TOKEN: &str = "00SECRETtokenVALUE0123456789abcdefghijklmn";
pub const ALLOWED: &str = "http://127.0.0.1:1234";

/// One request the fake upstream received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub host: String,
    pub target: String,
    pub headers: HeaderMap,
}

#[derive(Clone, Default)]
pub struct Recorder(Arc<Mutex<Vec<Seen>>>);

impl Recorder {
    pub fn all(&self) -> Vec<Seen> {
        self.0.lock().unwrap().clone()
    }
    pub fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }
    pub fn for_host(&self, host: &str) -> Vec<Seen> {
        self.all().into_iter().filter(|s| s.host == host).collect()
    }
}

/// A body that sends `total` bytes in 16 KiB chunks, with no length announced (chunked).
struct Endless {
    left: usize,
}

impl http_body::Body for Endless {
    type Data = Bytes;
    type Error = std::io::Error;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        if self.left == 0 {
            return Poll::Ready(None);
        }
        let n = self.left.min(16 * 1024);
        self.left -= n;
        Poll::Ready(Some(Ok(http_body::Frame::data(Bytes::from(vec![b'x'; n])))))
    }
}

fn json(status: StatusCode, body: &str) -> Response {
    (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn okta_error(status: StatusCode, code: &str, summary: &str) -> Response {
    let mut r = json(
        status,
        &format!(
            r#"{{"errorCode":"{code}","errorSummary":"{summary}","errorLink":"{code}","errorId":"oae1","errorCauses":[]}}"#
        ),
    );
    r.headers_mut()
        .insert("x-okta-request-id", "req-err".parse().unwrap());
    r
}

fn well_known(org: &str) -> Response {
    json(
        StatusCode::OK,
        &format!(
            r#"{{"id":"00o1","pipeline":"idx","_links":{{"organization":{{"href":"{org}"}}}}}}"#
        ),
    )
}

async fn fake(State(rec): State<Recorder>, req: Request) -> Response {
    let host = req
        .headers()
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .to_string();
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    rec.0.lock().unwrap().push(Seen {
        method: req.method().to_string(),
        host: host.clone(),
        target: target.clone(),
        headers: req.headers().clone(),
    });
    let wk = target == "/.well-known/okta-organization";
    match (host.as_str(), target.as_str()) {
        ("acme.okta.com", "/api/v1/users/me") | ("login.acme-corp.example", "/api/v1/users/me") => {
            let mut r = json(
                StatusCode::OK,
                r#"{"id":"00u1","status":"ACTIVE","profile":{"login":"admin@acme.example"}}"#,
            );
            let h = r.headers_mut();
            h.append("x-rate-limit-limit", "40".parse().unwrap());
            h.append("x-rate-limit-limit", "999".parse().unwrap());
            h.insert("x-rate-limit-remaining", "39".parse().unwrap());
            h.insert("x-rate-limit-reset", "1700000000".parse().unwrap());
            h.insert("x-okta-request-id", "req-1".parse().unwrap());
            h.insert("set-cookie", "sid=upstream; Path=/".parse().unwrap());
            h.insert("x-upstream-private", "1".parse().unwrap());
            h.insert("access-control-allow-origin", "*".parse().unwrap());
            r
        }
        ("acme.okta.com", t)
            if t.starts_with("/api/v1/users?") || t.starts_with("/api/v1/logs") =>
        {
            json(StatusCode::OK, "[]")
        }
        ("acme.okta.com", "/.well-known/okta-organization") => well_known("https://acme.okta.com"),
        ("revoked.okta.com", _) => okta_error(
            StatusCode::UNAUTHORIZED,
            "E0000011",
            "Invalid token provided",
        ),
        ("redirect.okta.com", _) | ("login.redirect.example", _) => {
            let mut r = StatusCode::FOUND.into_response();
            r.headers_mut()
                .insert("location", "http://127.0.0.1:9/stolen".parse().unwrap());
            r
        }
        ("huge.okta.com", _) => Response::new(Body::new(Endless {
            left: 8 * 1024 * 1024,
        })),
        ("biglength.okta.com", _) => (StatusCode::OK, vec![b'y'; 300 * 1024]).into_response(),
        ("slow.okta.com", _) => {
            tokio::time::sleep(Duration::from_secs(10)).await;
            json(StatusCode::OK, "{}")
        }
        ("html.okta.com", _) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [("content-type", "text/html")],
            "<html>oops</html>",
        )
            .into_response(),
        ("login.acme-corp.example", "/.well-known/okta-organization") => {
            well_known("https://acme.okta.com")
        }
        ("okta.com.evil.example", _) if wk => well_known("https://okta.com.evil.example"),
        ("xn--kta-ioa.com", _) if wk => well_known("https://xn--kta-ioa.com"),
        ("nested.evil.example", _) if wk => well_known("https://a.b.okta.com"),
        _ => okta_error(
            StatusCode::NOT_FOUND,
            "E0000007",
            "Not found: Resource not found",
        ),
    }
}

/// Start the fake upstream on loopback.
pub async fn fake_upstream() -> (SocketAddr, Recorder) {
    let rec = Recorder::default();
    let app = Router::new().fallback(fake).with_state(rec.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, rec)
}

pub fn base_config() -> Config {
    Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        allow_origins: vec![ALLOWED.to_string()],
        timeout: Duration::from_millis(3000),
        rate_limit_per_minute: 0,
        ..Config::default()
    }
}

pub struct Harness {
    pub proxy: Running,
    pub upstream: Recorder,
    pub log: MemoryLog,
}

impl Harness {
    pub fn addr(&self) -> SocketAddr {
        self.proxy.addr
    }
}

/// The proxy in development mode in front of the fake upstream.
pub async fn harness(tweak: impl FnOnce(&mut Config)) -> Harness {
    harness_log(okta_proxy::config::LogFormat::Text, tweak).await
}

/// [`harness`] with its log in `format`.
pub async fn harness_log(
    format: okta_proxy::config::LogFormat,
    tweak: impl FnOnce(&mut Config),
) -> Harness {
    let (up, rec) = fake_upstream().await;
    let mut cfg = base_config();
    cfg.dev_upstream = Some(format!("http://{up}"));
    tweak(&mut cfg);
    let (logger, log) = Logger::memory_as(format);
    let proxy = start(
        cfg,
        Deps {
            lookup: Arc::new(StaticLookup::new()),
            logger,
        },
    )
    .await
    .unwrap();
    Harness {
        proxy,
        upstream: rec,
        log,
    }
}

/// The proxy without development mode, resolving names through `lookup`.
pub async fn harness_dns(lookup: StaticLookup) -> (Running, MemoryLog) {
    let (logger, log) = Logger::memory();
    let proxy = start(
        base_config(),
        Deps {
            lookup: Arc::new(lookup),
            logger,
        },
    )
    .await
    .unwrap();
    (proxy, log)
}

/// A parsed HTTP/1.1 response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn header_count(&self, name: &str) -> usize {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .count()
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    /// The proxy's own error code, checked for consistency between body and header.
    pub fn proxy_error(&self) -> Option<String> {
        let h = self.header("x-okta-link-proxy-error")?.to_string();
        let v = self.json();
        assert_eq!(v["proxyError"], h.as_str(), "body and header agree");
        assert!(v["message"].is_string());
        assert!(v.get("errorCode").is_none());
        assert!(self
            .header("content-type")
            .unwrap()
            .starts_with("application/json"));
        Some(h)
    }
}

fn find(h: &[u8], pat: &[u8]) -> Option<usize> {
    h.windows(pat.len()).position(|w| w == pat)
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(i) = find(b, b"\r\n") {
        let size = usize::from_str_radix(
            std::str::from_utf8(&b[..i])
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .trim(),
            16,
        )
        .unwrap();
        b = &b[i + 2..];
        if size == 0 {
            break;
        }
        out.extend_from_slice(&b[..size]);
        b = &b[size + 2..];
    }
    out
}

pub fn parse_response(data: &[u8]) -> Resp {
    let end = find(data, b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(data)));
    let head = std::str::from_utf8(&data[..end]).unwrap();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let rest = &data[end + 4..];
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(rest)
    } else if let Some((_, n)) = headers.iter().find(|(k, _)| k == "content-length") {
        rest[..n.parse::<usize>().unwrap().min(rest.len())].to_vec()
    } else {
        rest.to_vec()
    };
    Resp {
        status,
        headers,
        body,
    }
}

/// Send raw bytes, read the whole answer (the request asks to close).
pub async fn raw(addr: SocketAddr, request: &[u8]) -> Resp {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), s.read_to_end(&mut buf))
        .await
        .expect("answer in time")
        .ok();
    parse_response(&buf)
}

/// A request with `method`, `target` and extra header lines.
pub async fn send(addr: SocketAddr, method: &str, target: &str, headers: &[(&str, &str)]) -> Resp {
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    raw(addr, req.as_bytes()).await
}

pub async fn get(addr: SocketAddr, target: &str, headers: &[(&str, &str)]) -> Resp {
    send(addr, "GET", target, headers).await
}

pub fn auth() -> String {
    format!("SSWS {TOKEN}")
}

/// A fresh directory under the system temp dir.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "okta-proxy-test-{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}
