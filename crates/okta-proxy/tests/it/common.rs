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
        // An org whose token endpoint demands a DPoP nonce without giving one.
        ("nononce.okta.com", _) if wk => well_known("https://nononce.okta.com"),
        ("nononce.okta.com", "/oauth2/v1/token") => {
            let mut r = json(
                StatusCode::BAD_REQUEST,
                r#"{"error":"use_dpop_nonce","error_description":"Authorization server requires nonce in DPoP proof."}"#,
            );
            r.headers_mut()
                .insert("x-okta-request-id", "req-nononce".parse().unwrap());
            r
        }
        // Custom domains whose well-known answers Okta's rate limit or an outage (with Okta's
        // request id), and one whose 503 is not Okta's (no request id).
        ("login.busy-corp.example", _) if wk => {
            let mut r = okta_error(
                StatusCode::TOO_MANY_REQUESTS,
                "E0000047",
                "API call exceeded rate limit due to too many requests.",
            );
            for (k, v) in [
                ("x-rate-limit-limit", "100"),
                ("x-rate-limit-remaining", "0"),
                ("x-rate-limit-reset", "1893456000"),
            ] {
                r.headers_mut().insert(k, v.parse().unwrap());
            }
            r
        }
        ("login.down-corp.example", _) if wk => {
            let mut r = (
                StatusCode::SERVICE_UNAVAILABLE,
                [("content-type", "text/html")],
                "<html>down</html>",
            )
                .into_response();
            r.headers_mut()
                .insert("x-okta-request-id", "req-down".parse().unwrap());
            r
        }
        ("login.not-okta-503.example", _) if wk => (
            StatusCode::SERVICE_UNAVAILABLE,
            [("content-type", "text/html")],
            "<html>down</html>",
        )
            .into_response(),
        ("okta.com.evil.example", _) if wk => well_known("https://okta.com.evil.example"),
        ("xn--kta-ioa.com", _) if wk => well_known("https://xn--kta-ioa.com"),
        ("nested.evil.example", _) if wk => well_known("https://a.b.okta.com"),
        // The second security review (SECURITY.md), finding 4: a custom domain whose first well-known answer is valid and whose
        // later ones are the hostile answer its first label names (see [`second_answer`]).
        (h, _) if wk && h.ends_with(SECOND_ANSWER_ZONE) => {
            let asked = rec.for_host(h).len();
            if asked == 1 {
                well_known("https://acme.okta.com")
            } else {
                second_answer(h.strip_suffix(SECOND_ANSWER_ZONE).unwrap())
            }
        }
        // An Okta org's well-known above the 64 KiB the proxy reads, announced or chunked, and
        // one of exactly 64 KiB.
        ("bigwk.okta.com", _) if wk => padded_well_known(
            "https://bigwk.okta.com",
            "big",
            okta_proxy::forward::WELL_KNOWN_MAX_BYTES + 1,
        ),
        ("bigwkchunked.okta.com", _) if wk => chunked_json(padded_well_known_text(
            "https://bigwkchunked.okta.com",
            "big",
            okta_proxy::forward::WELL_KNOWN_MAX_BYTES + 1,
        )),
        ("wk64k.okta.com", _) if wk => padded_well_known(
            "https://wk64k.okta.com",
            "edge",
            okta_proxy::forward::WELL_KNOWN_MAX_BYTES,
        ),
        // Oversized header values (the second security review, SECURITY.md): a 200 KB request id, a 300-byte remaining count,
        // and short ones beside them.
        ("longheaders.okta.com", "/api/v1/users/me") => {
            let mut r = json(StatusCode::OK, r#"{"id":"00u1"}"#);
            let h = r.headers_mut();
            h.insert("x-okta-request-id", "r".repeat(200 * 1024).parse().unwrap());
            h.insert("x-rate-limit-remaining", "9".repeat(300).parse().unwrap());
            h.insert("x-rate-limit-limit", "40".parse().unwrap());
            h.insert("x-rate-limit-reset", "1700000000".parse().unwrap());
            r
        }
        // `hdr-{name}-{len}.okta.com`: answers `{}` with header `name` of exactly `len` bytes
        // (see [`header_value_of_len`]).
        (h, "/api/v1/users/me") if h.starts_with("hdr-") && h.ends_with(".okta.com") => {
            let spec = &h["hdr-".len()..h.len() - ".okta.com".len()];
            let (name, len) = spec.rsplit_once('-').unwrap();
            let len: usize = len.parse().unwrap();
            let mut r = (StatusCode::OK, "{}").into_response();
            r.headers_mut().insert(
                axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                header_value_of_len(name, len).parse().unwrap(),
            );
            r
        }
        _ => okta_error(
            StatusCode::NOT_FOUND,
            "E0000007",
            "Not found: Resource not found",
        ),
    }
}

/// The zone of the custom domains whose later well-known answers are hostile:
/// `{case}.second.example` answers its first request with a valid document naming
/// `https://acme.okta.com`, and every later one with [`second_answer`]`(case)`.
pub const SECOND_ANSWER_ZONE: &str = ".second.example";

/// Text in the body of every hostile second answer, never in the proxy's own answers.
pub const HOSTILE: &str = "HOSTILE";

/// Every case of [`second_answer`] (each a hostile answer), for the class test.
pub const HOSTILE_SECOND_ANSWERS: &[&str] = &[
    "html-big",
    "html-small",
    "json-evil",
    "json-self",
    "json-padded",
    "json-padded-chunked",
    "json-path",
    "json-nested",
    "json-http",
    "json-port",
    "json-userinfo",
    "json-duplicate",
    "json-array",
    "json-201",
    "json-206",
    "text-evil",
    "empty-200",
    "redirect-301",
    "redirect-302",
    "redirect-307",
    "redirect-308",
    "error-404",
    "error-429",
    "error-500-html",
    "error-503-json",
    "gzip",
    "status-299",
];

/// A well-known document naming `org`, with `id` set to `id` and a `pad` field making it
/// exactly `len` bytes (when `len` is at least its unpadded size).
pub fn padded_well_known_text(org: &str, id: &str, len: usize) -> String {
    let bare =
        format!(r#"{{"id":"{id}","pad":"","_links":{{"organization":{{"href":"{org}"}}}}}}"#);
    let pad = "x".repeat(len.saturating_sub(bare.len()));
    let doc = bare.replacen(r#""pad":"""#, &format!(r#""pad":"{pad}""#), 1);
    assert!(doc.len() == len || len < bare.len());
    doc
}

fn padded_well_known(org: &str, id: &str, len: usize) -> Response {
    json(StatusCode::OK, &padded_well_known_text(org, id, len))
}

/// A body sent in chunks, with no length announced.
struct Chunks(std::collections::VecDeque<Bytes>);

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = std::io::Error;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        Poll::Ready(self.0.pop_front().map(|b| Ok(http_body::Frame::data(b))))
    }
}

/// A JSON answer (status 200) sent in 16 KiB chunks, with no Content-Length.
fn chunked_json(text: String) -> Response {
    let chunks = text
        .as_bytes()
        .chunks(16 * 1024)
        .map(Bytes::copy_from_slice)
        .collect();
    let mut r = Response::new(Body::new(Chunks(chunks)));
    r.headers_mut()
        .insert("content-type", "application/json".parse().unwrap());
    r
}

/// A hostile answer to a custom domain's well-known request (each body holds [`HOSTILE`]).
pub fn second_answer(case: &str) -> Response {
    let acme = "https://acme.okta.com";
    let valid = |id: &str| padded_well_known_text(acme, id, 0);
    let with_status = |status: u16, content_type: &str, body: String| {
        (
            StatusCode::from_u16(status).unwrap(),
            [("content-type", content_type.to_string())],
            body,
        )
            .into_response()
    };
    let max = okta_proxy::forward::WELL_KNOWN_MAX_BYTES;
    match case {
        // 200 KB of HTML, status 200 (the review's case).
        "html-big" => {
            let mut page = format!("<html><body><h1>{HOSTILE}</h1>");
            while page.len() < 200 * 1024 {
                page.push_str("<p>not an Okta document</p>");
            }
            page.push_str("</body></html>");
            with_status(200, "text/html", page)
        }
        "html-small" => with_status(
            200,
            "text/html",
            format!("<html><script>alert('{HOSTILE}')</script></html>"),
        ),
        "json-evil" => padded_well_known("https://evil.example", HOSTILE, 0),
        "json-self" => padded_well_known("https://json-self.second.example", HOSTILE, 0),
        // Valid, but above the 64 KiB the proxy reads, announced or chunked.
        "json-padded" => padded_well_known(acme, HOSTILE, max + 1),
        "json-padded-chunked" => chunked_json(padded_well_known_text(acme, HOSTILE, max + 1)),
        "json-path" => padded_well_known("https://a-b.okta.com/api/v1/users", HOSTILE, 0),
        "json-nested" => padded_well_known("https://a.b.okta.com", HOSTILE, 0),
        "json-http" => padded_well_known("http://acme.okta.com", HOSTILE, 0),
        "json-port" => padded_well_known("https://acme.okta.com:8443", HOSTILE, 0),
        "json-userinfo" => padded_well_known("https://u@acme.okta.com", HOSTILE, 0),
        // The last of two `_links` is what a JSON reader keeps.
        "json-duplicate" => json(
            StatusCode::OK,
            &format!(
                r#"{{"id":"{HOSTILE}","_links":{{"organization":{{"href":"{acme}"}}}},"_links":{{"organization":{{"href":"https://evil.example"}}}}}}"#
            ),
        ),
        "json-array" => json(StatusCode::OK, &format!("[{}]", valid(HOSTILE))),
        "json-201" => with_status(201, "application/json", valid(HOSTILE)),
        "json-206" => with_status(206, "application/json", valid(HOSTILE)),
        "text-evil" => with_status(
            200,
            "text/plain",
            padded_well_known_text("https://evil.example", HOSTILE, 0),
        ),
        "empty-200" => StatusCode::OK.into_response(),
        // Redirects carrying a valid document: refused, not followed and not relayed.
        r if r.starts_with("redirect-") => {
            let status: u16 = r["redirect-".len()..].parse().unwrap();
            let mut resp = with_status(status, "application/json", valid(HOSTILE));
            resp.headers_mut().insert(
                "location",
                "https://acme.okta.com/.well-known/okta-organization"
                    .parse()
                    .unwrap(),
            );
            resp
        }
        "error-404" => okta_error(StatusCode::NOT_FOUND, "E0000007", HOSTILE),
        "error-429" => with_status(429, "application/json", valid(HOSTILE)),
        "error-500-html" => with_status(
            500,
            "text/html",
            format!("<html><body>{HOSTILE}</body></html>"),
        ),
        "error-503-json" => with_status(503, "application/json", valid(HOSTILE)),
        // Encoded although the proxy asked for identity (the body is not really gzip).
        "gzip" => {
            let mut r = padded_well_known(acme, HOSTILE, 0);
            r.headers_mut()
                .insert("content-encoding", "gzip".parse().unwrap());
            r
        }
        "status-299" => with_status(299, "application/json", valid(HOSTILE)),
        // Not hostile: a valid document of exactly the size the proxy reads (the control).
        "valid-64k" => padded_well_known(acme, "edge", max),
        other => panic!("no second answer {other}"),
    }
}

/// A value of exactly `len` bytes for header `name`: for `content-type` a JSON type with a
/// long parameter (so whether it was passed shows in the proxy's answer), else digits.
pub fn header_value_of_len(name: &str, len: usize) -> String {
    if name == "content-type" {
        let head = "application/json; p=";
        assert!(len >= head.len());
        format!("{head}{}", "a".repeat(len - head.len()))
    } else {
        "7".repeat(len)
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
        // As the binary runs by default (one per core): connections served on worker threads.
        workers: 2,
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
