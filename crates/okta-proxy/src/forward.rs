//! Talking to Okta: one GET with only the headers the contract allows, no redirects, bounded
//! in time and size, and the custom-domain check through the well-known document.
//!
//! Where the client may connect is decided three times, so that no single parsing gap reaches
//! a forbidden address: the target's host must not be an IP address in any spelling
//! ([`crate::target`]); the exact URL handed to the client must name a domain, never an IP
//! address (the connector connects to IP hosts without asking any resolver); names resolve only
//! through [`GuardedResolver`]; and the connector itself ([`VetPeer`]) checks the address
//! every new connection reached and drops it before a request byte is written.
//!
//! The client is hyper-util's pooled HTTP/1.1 client with rustls, one per worker thread: no
//! redirects, no proxies from the environment, no compression, nothing it does on its own.

use crate::error::{Code, ProxyError};
use crate::ip::forbidden_reason;
use crate::resolve::{find_resolve_error, GuardedResolver, Lookup, Resolver};
use crate::target::WELL_KNOWN_PATH;
use axum::body::Bytes;
use axum::http::header::{
    ACCEPT, ACCEPT_ENCODING, AUTHORIZATION, CONTENT_TYPE, HOST, USER_AGENT as USER_AGENT_HEADER,
};
use axum::http::{
    Extensions, HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, Uri,
};
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::{Connection, HttpConnector, HttpInfo};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use okta_link_core::hosts::is_okta_org_host;
use okta_link_core::outcome::is_json_content_type;
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

pub const USER_AGENT: &str = "okta-link-proxy/0.1";

/// Upstream response headers passed to the page (first value only). `Content-Type` is not
/// passed as is: see [`inert_content_type`]. `Content-Encoding` never is: only identity-encoded
/// answers are accepted.
pub const PASSED_HEADERS: [HeaderName; 5] = [
    HeaderName::from_static("content-type"),
    HeaderName::from_static("x-rate-limit-limit"),
    HeaderName::from_static("x-rate-limit-remaining"),
    HeaderName::from_static("x-rate-limit-reset"),
    HeaderName::from_static("x-okta-request-id"),
];

/// Longest upstream header value passed on (Okta's request ids are about 30 bytes, its rate
/// limit values a few digits); a longer value is dropped, not cut.
pub const MAX_PASSED_HEADER_BYTES: usize = 256;

/// The content type of a proxied answer when upstream said JSON (`application/json`,
/// `application/…+json`).
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";
/// The content type of every other proxied answer: the body is passed as bytes, never as a
/// document a browser would render (HTML, SVG, XML …).
pub const TEXT_CONTENT_TYPE: &str = "text/plain; charset=utf-8";
/// Longest upstream content type passed on in `X-Okta-Link-Upstream-Content-Type`.
pub const MAX_UPSTREAM_TYPE_LEN: usize = 128;

/// The `Content-Type` of a proxied answer: one of two inert types, whatever upstream said.
pub fn inert_content_type(upstream: Option<&HeaderValue>) -> &'static str {
    match upstream.and_then(|v| v.to_str().ok()) {
        Some(ct) if is_json_content_type(ct) => JSON_CONTENT_TYPE,
        _ => TEXT_CONTENT_TYPE,
    }
}

/// The upstream's own `Content-Type`, for the page's diagnosis (an HTML error page is still
/// told apart from JSON): printable ASCII only, at most [`MAX_UPSTREAM_TYPE_LEN`] bytes, empty
/// when upstream sent none.
pub fn upstream_type_value(upstream: Option<&HeaderValue>) -> HeaderValue {
    let text: String = upstream
        .map(|v| {
            v.as_bytes()
                .iter()
                .filter(|b| (0x20..0x7f).contains(*b))
                .take(MAX_UPSTREAM_TYPE_LEN)
                .map(|&b| char::from(b))
                .collect()
        })
        .unwrap_or_default();
    HeaderValue::from_str(text.trim()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `SSWS {token}` as a header value marked sensitive (never printed by the HTTP stack), for a
/// caller that holds the token itself (okta-link-check); `None` when it cannot be a header.
pub fn authorization_value(token: &str) -> Option<HeaderValue> {
    let mut v = HeaderValue::from_str(&format!("SSWS {token}")).ok()?;
    v.set_sensitive(true);
    Some(v)
}

/// Largest well-known document read for the custom-domain check.
pub const WELL_KNOWN_MAX_BYTES: usize = 64 * 1024;

/// What came back from Okta.
#[derive(Debug, Clone)]
pub struct UpstreamResponse {
    pub status: StatusCode,
    /// Only [`PASSED_HEADERS`], each once.
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// The connector: TCP through [`Resolver`], TLS by rustls, then [`VetPeer`].
type Connector = VetPeer<HttpsConnector<HttpConnector<Resolver>>>;

/// One pooled HTTP/1.1 client (a request body is a form or nothing).
type HttpClient = Client<Connector, Full<Bytes>>;

/// TLS towards Okta: rustls with ring, the Mozilla roots (webpki-roots), TLS 1.2 and 1.3.
fn tls_config() -> Result<rustls::ClientConfig, String> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| format!("cannot set up TLS: {e}"))?
    .with_root_certificates(roots)
    .with_no_client_auth())
}

/// A client resolving through `resolver` and speaking TLS with `tls`; `https_only` refuses
/// plain-http URLs in the connector; `vet` puts every new connection's peer address through
/// [`vet_peer`].
fn http_client(
    resolver: Resolver,
    tls: rustls::ClientConfig,
    https_only: bool,
    vet: bool,
    connect_timeout: Duration,
) -> HttpClient {
    let mut tcp = HttpConnector::new_with_resolver(resolver);
    tcp.enforce_http(false);
    tcp.set_nodelay(true);
    tcp.set_connect_timeout(Some(connect_timeout));
    let tls = hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(tls);
    let tls = if https_only {
        tls.https_only()
    } else {
        tls.https_or_http()
    };
    let connector = VetPeer {
        inner: tls.enable_http1().wrap_connector(tcp),
        vet,
    };
    Client::builder(TokioExecutor::new())
        .timer(TokioTimer::new())
        .pool_timer(TokioTimer::new())
        .pool_idle_timeout(Duration::from_secs(60))
        // As many idle connections per Okta host as upstream calls may be in flight
        // (`--max-concurrent-upstream`'s default): a burst's connections are kept for the next
        // one instead of being closed and opened again (1.5x the requests/s under 500
        // connections, BENCHMARK.md).
        .pool_max_idle_per_host(256)
        .build(connector)
}

/// What every call through one [`Upstream`] shares: at most `slots` calls in flight, each
/// reading at most `max_body` bytes, so the bodies held at once stay near `slots × max_body`
/// (`--max-concurrent-upstream`, `--max-body-bytes`).
struct Limits {
    slots: tokio::sync::Semaphore,
    max_body: usize,
}

impl Limits {
    /// No limit of the client's own (a caller's `max_body` still holds).
    fn unbounded() -> Limits {
        Limits {
            slots: tokio::sync::Semaphore::new(tokio::sync::Semaphore::MAX_PERMITS),
            max_body: usize::MAX,
        }
    }
}

/// The HTTP client towards Okta (or the development upstream).
#[derive(Clone)]
pub struct Upstream {
    /// One client (one connection pool) per worker thread ([`crate::listener::worker_index`]):
    /// an upstream connection is opened, driven and reused by the thread whose requests use it.
    clients: Arc<[HttpClient]>,
    /// `http://127.0.0.1:PORT` in development mode: every request goes there with `Host` set.
    dev_base: Option<String>,
    timeout: Duration,
    /// Shared by every call through this client, the relay's and the check server's alike.
    limits: Arc<Limits>,
    /// Tests only: plain `http://{host}:{port}` instead of `https://{host}`, with every other
    /// guard of the production client in place.
    #[cfg(test)]
    test_http_port: Option<u16>,
}

impl Upstream {
    /// `lookup` is used (through [`GuardedResolver`]) unless `dev_base` is set; `workers`
    /// clients, one per worker thread. No whole-request timer of the client's own: every call
    /// runs under its caller's deadline (`timeout_at` in `get` and `call`); `timeout` bounds
    /// the TCP connect.
    pub fn new(
        dev_base: Option<String>,
        timeout: Duration,
        lookup: Arc<dyn Lookup>,
        workers: usize,
    ) -> Result<Self, String> {
        let guarded = dev_base.is_none();
        let resolver = if guarded {
            Resolver::Guarded(GuardedResolver::new(lookup))
        } else {
            Resolver::Unvetted(lookup)
        };
        let tls = tls_config()?;
        let clients: Vec<HttpClient> = (0..workers.max(1))
            .map(|_| http_client(resolver.clone(), tls.clone(), guarded, guarded, timeout))
            .collect();
        Ok(Upstream {
            clients: clients.into(),
            dev_base: dev_base.map(|d| d.trim_end_matches('/').to_string()),
            timeout,
            limits: Arc::new(Limits::unbounded()),
            #[cfg(test)]
            test_http_port: None,
        })
    }

    /// The URL for `host` and `path_and_query`, exactly as the client will be given it.
    fn url_for(&self, host: &str, path_and_query: &str) -> String {
        #[cfg(test)]
        if let Some(port) = self.test_http_port {
            return format!("http://{host}:{port}{path_and_query}");
        }
        match &self.dev_base {
            Some(base) => format!("{base}{path_and_query}"),
            None => format!("https://{host}{path_and_query}"),
        }
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// This client with at most `max_concurrent` calls in flight and bodies of at most
    /// `max_body` bytes, whoever calls (a call asking for less gets less).
    pub fn with_limits(mut self, max_concurrent: usize, max_body: usize) -> Upstream {
        self.limits = Arc::new(Limits {
            slots: tokio::sync::Semaphore::new(
                max_concurrent.clamp(1, tokio::sync::Semaphore::MAX_PERMITS),
            ),
            max_body,
        });
        self
    }

    /// `send` within one of the client's slots, all of it by `deadline`: waiting for a slot
    /// past it is the proxy's own limit, not the upstream's slowness, and says so.
    async fn send_in_slot(
        &self,
        call: &Call<'_>,
        deadline: Instant,
        max_body: usize,
    ) -> Result<UpstreamResponse, ProxyError> {
        let Ok(Ok(_slot)) =
            tokio::time::timeout_at(deadline.into(), self.limits.slots.acquire()).await
        else {
            return Err(ProxyError::new(
                Code::UpstreamTimeout,
                "the proxy is at its limit of concurrent upstream calls; try again",
            )
            .with_target(Some(call.host)));
        };
        let max_body = max_body.min(self.limits.max_body);
        match tokio::time::timeout_at(deadline.into(), self.send(call, max_body)).await {
            Ok(r) => r,
            Err(_) => Err(timeout_error(call.host)),
        }
    }

    /// This worker thread's client.
    fn client(&self) -> &HttpClient {
        &self.clients[crate::listener::worker_index() % self.clients.len()]
    }

    /// GET `https://{host}{path_and_query}`, passing `authorization` verbatim, never following
    /// redirects, giving up at `deadline` and past `max_body` bytes (or the client's own limit).
    pub async fn get(
        &self,
        host: &str,
        path_and_query: &str,
        authorization: Option<&HeaderValue>,
        deadline: Instant,
        max_body: usize,
    ) -> Result<UpstreamResponse, ProxyError> {
        let mut headers = HeaderMap::new();
        if let Some(auth) = authorization {
            headers.insert("authorization", auth.clone());
        }
        let call = Call {
            method: Method::GET,
            host,
            path_and_query,
            headers,
            body: None,
            keep: &[],
            fresh_proof: None,
        };
        self.send_in_slot(&call, deadline, max_body).await
    }

    /// One request of an OAuth 2.0 check (the token request, a probe with a DPoP or Bearer
    /// token), with the same guards as a proxied GET: checked URL, no redirects, identity
    /// encoding, the body limit, and credentials only to Okta org hosts.
    pub async fn call(
        &self,
        call: &Call<'_>,
        deadline: Instant,
        max_body: usize,
    ) -> Result<UpstreamResponse, ProxyError> {
        self.send_in_slot(call, deadline, max_body).await
    }

    async fn send(&self, call: &Call<'_>, max_body: usize) -> Result<UpstreamResponse, ProxyError> {
        let host = call.host;
        let uri = checked_url(
            &self.url_for(host, call.path_and_query),
            host,
            self.dev_base.is_none(),
        )?;
        let credentials = call.headers.contains_key("authorization")
            || call.headers.contains_key("dpop")
            || call.body.is_some();
        if credentials && !is_okta_org_host(host) {
            // The server never asks for this; refuse rather than send a token elsewhere.
            return Err(ProxyError::new(
                Code::TargetRefused,
                format!("{host} is not an Okta org host: the token is sent only to Okta org hosts"),
            )
            .with_target(Some(host)));
        }
        // Development mode: every request goes to one address, named by the Host header.
        let dev_host = match &self.dev_base {
            Some(_) => Some(HeaderValue::from_str(host).map_err(|_| {
                ProxyError::new(Code::TargetRefused, "the host is not a valid Host header")
                    .with_target(Some(host))
            })?),
            None => None,
        };
        let request = |proof: Option<HeaderValue>| {
            let mut h = HeaderMap::with_capacity(6 + call.headers.len());
            h.insert(ACCEPT, HeaderValue::from_static("application/json"));
            h.insert(ACCEPT_ENCODING, HeaderValue::from_static("identity"));
            h.insert(USER_AGENT_HEADER, HeaderValue::from_static(USER_AGENT));
            if let Some(v) = &dev_host {
                h.insert(HOST, v.clone());
            }
            for (name, value) in &call.headers {
                let mut value = match &proof {
                    Some(fresh) if name == "dpop" => fresh.clone(),
                    _ => value.clone(),
                };
                if name == AUTHORIZATION || name == "dpop" {
                    value.set_sensitive(true);
                }
                h.append(name.clone(), value);
            }
            let body = match &call.body {
                Some(body) => {
                    h.insert(
                        CONTENT_TYPE,
                        HeaderValue::from_static("application/x-www-form-urlencoded"),
                    );
                    Full::new(Bytes::copy_from_slice(body))
                }
                None => Full::new(Bytes::new()),
            };
            let mut req = Request::new(body);
            *req.method_mut() = call.method.clone();
            *req.uri_mut() = uri.clone();
            *req.headers_mut() = h;
            req
        };
        let client = self.client();
        let resp = match client.request(request(None)).await {
            // Okta (or a load balancer) closed a pooled keep-alive connection as the request
            // went out: a GET is idempotent, so it is sent once more, on a new connection,
            // within the same deadline, with a new DPoP proof if it carries one. Only a GET:
            // a POST may have been read (a client assertion is consumed when Okta reads it).
            Err(e) if is_stale_connection(&e) && call.method == Method::GET => {
                if call.headers.contains_key("dpop") {
                    match call.fresh_proof.and_then(|proof| proof()) {
                        Some(proof) => client.request(request(Some(proof))).await,
                        None => Err(e),
                    }
                } else {
                    client.request(request(None)).await
                }
            }
            first => first,
        }
        .map_err(|e| classify(&e, host, false))?;
        let status = resp.status();
        if !passed_status(status) {
            return Err(ProxyError::new(
                Code::UpstreamUnreachable,
                format!(
                    "{host} answered with status {}, which the proxy does not pass on as its own",
                    status.as_u16()
                ),
            )
            .with_target(Some(host)));
        }
        if status.is_redirection() {
            return Err(ProxyError::new(
                Code::UpstreamRedirect,
                format!(
                    "{host} answered {} (a redirect); the proxy never follows redirects",
                    status.as_u16()
                ),
            )
            .with_target(Some(host)));
        }
        if let Some(coding) = non_identity_encoding(resp.headers()) {
            return Err(ProxyError::new(
                Code::UpstreamUnreachable,
                format!(
                    "{host} answered with Content-Encoding {coding} though the proxy asked for \
                     identity; encoded answers are not passed on"
                ),
            )
            .with_target(Some(host)));
        }
        let too_large = || {
            ProxyError::new(
                Code::UpstreamTooLarge,
                format!("{host} answered more than {max_body} bytes"),
            )
            .with_target(Some(host))
        };
        if http_body::Body::size_hint(resp.body())
            .exact()
            .is_some_and(|n| n > max_body as u64)
        {
            return Err(too_large());
        }
        let mut headers = HeaderMap::new();
        for name in &PASSED_HEADERS {
            if let Some(v) = resp.headers().get(name) {
                if v.len() <= MAX_PASSED_HEADER_BYTES {
                    headers.insert(name.clone(), v.clone());
                }
            }
        }
        for name in call.keep {
            if let Some(v) = resp.headers().get(*name) {
                if v.len() <= MAX_KEPT_HEADER_BYTES {
                    headers.insert(HeaderName::from_static(name), v.clone());
                }
            }
        }
        // An answer that arrives in one chunk (most of Okta's) is passed on without a copy.
        let mut chunks: Vec<Bytes> = Vec::new();
        let mut len = 0usize;
        let mut body = resp.into_body();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| classify(&e, host, true))?;
            // Trailers, if any, are dropped.
            if let Ok(chunk) = frame.into_data() {
                len += chunk.len();
                if len > max_body {
                    return Err(too_large());
                }
                chunks.push(chunk);
            }
        }
        let body = match chunks.len() {
            0 => Bytes::new(),
            1 => chunks.swap_remove(0),
            _ => Bytes::from(chunks.concat()),
        };
        Ok(UpstreamResponse {
            status,
            headers,
            body,
        })
    }
}

/// Longest value of a header an OAuth 2.0 check keeps besides [`PASSED_HEADERS`]
/// (`WWW-Authenticate`, `DPoP-Nonce`); a longer one is dropped.
pub const MAX_KEPT_HEADER_BYTES: usize = 2048;

/// One upstream request of an OAuth 2.0 check ([`Upstream::call`]).
pub struct Call<'a> {
    pub method: Method,
    /// The Okta org host (credentials go to no other).
    pub host: &'a str,
    pub path_and_query: &'a str,
    /// `authorization`, `dpop`: marked sensitive, never printed by the HTTP stack.
    pub headers: HeaderMap,
    /// A form body (`application/x-www-form-urlencoded`).
    pub body: Option<zeroize::Zeroizing<Vec<u8>>>,
    /// Lowercase names of answer headers to keep besides [`PASSED_HEADERS`].
    pub keep: &'a [&'static str],
    /// A new `DPoP` proof for the request sent again on a fresh connection: a proof's `jti`
    /// is used once, and Okta may have read the first. Without it, a request with a proof is
    /// not sent again.
    pub fresh_proof: Option<&'a (dyn Fn() -> Option<HeaderValue> + Sync)>,
}

/// Whether an upstream status may be passed on as the proxy's own: a registered success,
/// redirect (refused later, with its own code), client or server error. Informational (1xx)
/// answers and numbers with no registered meaning are not.
pub fn passed_status(status: StatusCode) -> bool {
    (200..600).contains(&status.as_u16()) && status.canonical_reason().is_some()
}

/// Whether a request failed because the connection it was written to was already closed by
/// the other side (a pooled keep-alive connection), before any answer: safe to send a GET again.
pub fn is_stale_connection(e: &hyper_util::client::legacy::Error) -> bool {
    if e.is_connect() {
        return false;
    }
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(h) = err.downcast_ref::<hyper::Error>() {
            if h.is_incomplete_message() || h.is_canceled() {
                return true;
            }
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            ) {
                return true;
            }
        }
        cur = err.source();
    }
    false
}

fn timeout_error(host: &str) -> ProxyError {
    ProxyError::new(
        Code::UpstreamTimeout,
        format!("{host} did not answer in time"),
    )
    .with_target(Some(host))
}

/// Turn a client error into the contract's codes: one of sending the request and reading
/// the answer's head, or (`reading_body`) one of reading its body.
pub fn classify(
    e: &(dyn std::error::Error + 'static),
    host: &str,
    reading_body: bool,
) -> ProxyError {
    // Whether a name does not resolve, resolves to a forbidden address, or connected to one,
    // the client gets the same answer: telling them apart would map the platform's internal
    // DNS for anyone who can reach the proxy. The reason is for the log only.
    if let Some(r) = find_resolve_error(e) {
        return ProxyError::destination_refused(host, r.to_string());
    }
    if let Some(p) = find_peer_refused(e) {
        return ProxyError::destination_refused(host, p.to_string());
    }
    let mut cause = String::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        // The connect timeout (the whole call's deadline is the caller's).
        if err
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
        {
            return timeout_error(host);
        }
        cause = err.to_string();
        cur = err.source();
    }
    let what = if reading_body {
        "the connection failed while reading the answer"
    } else {
        "could not connect"
    };
    ProxyError::new(
        Code::UpstreamUnreachable,
        format!("{host}: {what} ({})", plain_text(&cause, 200)),
    )
    .with_target(Some(host))
}

/// Error text for a message: control characters dropped, at most `max` characters.
fn plain_text(s: &str, max: usize) -> String {
    s.chars().filter(|c| !c.is_control()).take(max).collect()
}

/// Parse the URI the client will be given, and (unless in development mode) accept it only when
/// its host is exactly the domain `host`: never an IP address, in whatever spelling. The
/// connector connects to an IP host directly, without any resolver, so this is checked on the
/// very URI the client gets, its host read by the WHATWG host parser (the `url` crate's, as in
/// [`crate::ip::read_host`]), which takes for an IP address everything `std`'s parser, the
/// connector's, does and more.
pub fn checked_url(url: &str, host: &str, guarded: bool) -> Result<Uri, ProxyError> {
    let refused = |why: &str| ProxyError::new(Code::TargetRefused, why).with_target(Some(host));
    let uri: Uri = url
        .parse()
        .map_err(|_| refused("the target does not make a URL"))?;
    if !guarded {
        return Ok(uri);
    }
    match uri.host().map(url::Host::parse) {
        Some(Ok(url::Host::Domain(d))) if d.eq_ignore_ascii_case(host) => Ok(uri),
        Some(Ok(url::Host::Ipv4(ip))) => Err(ip_host(host, IpAddr::V4(ip))),
        Some(Ok(url::Host::Ipv6(ip))) => Err(ip_host(host, IpAddr::V6(ip))),
        _ => Err(refused(
            "the target does not read as this host name in a URL",
        )),
    }
}

fn ip_host(host: &str, ip: IpAddr) -> ProxyError {
    ProxyError::destination_refused(
        host,
        format!(
            "the URL reads this host as the IP address {ip} ({})",
            forbidden_reason(ip).unwrap_or("a public address, but still an address")
        ),
    )
}

/// The first content coding other than identity in `Content-Encoding`, if any (bounded text).
pub fn non_identity_encoding(headers: &HeaderMap) -> Option<String> {
    for v in headers.get_all("content-encoding") {
        let Ok(text) = v.to_str() else {
            return Some("(unreadable)".to_string());
        };
        for coding in text.split(',').map(str::trim) {
            if !coding.is_empty() && !coding.eq_ignore_ascii_case("identity") {
                return Some(plain_text(coding, 32));
            }
        }
    }
    None
}

/// A connection the connector refused because of the address it reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerRefused {
    /// The peer address, when the connection reported one.
    pub addr: Option<IpAddr>,
    pub reason: &'static str,
}

impl std::fmt::Display for PeerRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.addr {
            Some(a) => write!(f, "connected to {a} ({}): refused", self.reason),
            None => write!(f, "connected to an unknown address: refused"),
        }
    }
}

impl std::error::Error for PeerRefused {}

fn find_peer_refused<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a PeerRefused> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(p) = e.downcast_ref::<PeerRefused>() {
            return Some(p);
        }
        cur = e.source();
    }
    None
}

/// Check the address a new connection reached: `Ok` only for a known, public address.
pub fn vet_peer(conn: &impl Connection) -> Result<SocketAddr, PeerRefused> {
    let mut extras = Extensions::new();
    conn.connected().get_extras(&mut extras);
    let Some(info) = extras.get::<HttpInfo>() else {
        return Err(PeerRefused {
            addr: None,
            reason: "the connection did not say which address it reached",
        });
    };
    let addr = info.remote_addr();
    match forbidden_reason(addr.ip()) {
        None => Ok(addr),
        Some(reason) => Err(PeerRefused {
            addr: Some(addr.ip()),
            reason,
        }),
    }
}

/// The connector's last step: every new connection's peer address passes [`vet_peer`], or
/// the connection is dropped (closed) and the request fails with [`PeerRefused`] before hyper
/// writes a byte of it. The last guard against reaching a forbidden address, whatever the URL
/// or the resolver did. (`vet` is off only in development mode, whose upstream is loopback.)
#[derive(Debug, Clone)]
pub struct VetPeer<S> {
    inner: S,
    vet: bool,
}

impl<S, R> tower_service::Service<R> for VetPeer<S>
where
    S: tower_service::Service<R>,
    S::Response: Connection + Send + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, req: R) -> Self::Future {
        let connecting = self.inner.call(req);
        let vet = self.vet;
        Box::pin(async move {
            let conn = connecting.await.map_err(Into::into)?;
            match vet.then(|| vet_peer(&conn)).transpose() {
                Ok(_) => Ok(conn),
                // `conn` is dropped here: the socket closes with nothing written.
                Err(refused) => Err(Box::new(refused) as BoxError),
            }
        })
    }
}

/// The Okta org host named by a well-known document's `_links.organization.href`, if it is one.
pub fn org_from_well_known(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let href = v
        .get("_links")?
        .get("organization")?
        .get("href")?
        .as_str()?;
    let rest = href.strip_prefix("https://")?;
    let host = rest.strip_suffix('/').unwrap_or(rest);
    let host = host.to_ascii_lowercase();
    is_okta_org_host(&host).then_some(host)
}

#[derive(Debug, Clone)]
struct DomainEntry {
    org: Option<String>,
    expires: Instant,
}

/// What the cache knows about a custom domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainStatus {
    /// Its well-known names this Okta org.
    Verified(String),
    /// Recently found not to be an Okta org.
    Refused,
    /// Not known (or expired).
    Unknown,
}

/// Results of custom-domain checks: positive for `positive_ttl`, negative for
/// `negative_ttl`, at most `capacity` entries.
#[derive(Debug)]
pub struct DomainCache {
    entries: Mutex<HashMap<String, DomainEntry>>,
    capacity: usize,
    positive_ttl: Duration,
    negative_ttl: Duration,
}

impl Default for DomainCache {
    fn default() -> Self {
        DomainCache::new(1024, Duration::from_secs(600), Duration::from_secs(60))
    }
}

impl DomainCache {
    pub fn new(capacity: usize, positive_ttl: Duration, negative_ttl: Duration) -> Self {
        DomainCache {
            entries: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
            positive_ttl,
            negative_ttl,
        }
    }

    pub fn get(&self, host: &str, now: Instant) -> DomainStatus {
        let map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(host) {
            Some(e) if e.expires > now => match &e.org {
                Some(o) => DomainStatus::Verified(o.clone()),
                None => DomainStatus::Refused,
            },
            _ => DomainStatus::Unknown,
        }
    }

    pub fn put(&self, host: &str, org: Option<String>, now: Instant) {
        let ttl = if org.is_some() {
            self.positive_ttl
        } else {
            self.negative_ttl
        };
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if !map.contains_key(host) && map.len() >= self.capacity {
            map.retain(|_, e| e.expires > now);
            while map.len() >= self.capacity {
                let Some(k) = map
                    .iter()
                    .min_by_key(|(_, e)| e.expires)
                    .map(|(k, _)| k.clone())
                else {
                    break;
                };
                map.remove(&k);
            }
        }
        map.insert(
            host.to_string(),
            DomainEntry {
                org,
                expires: now + ttl,
            },
        );
    }

    pub fn len(&self) -> usize {
        self.entries.lock().map(|m| m.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Fetch a custom domain's `/.well-known/okta-organization` (without credentials, at most
/// [`WELL_KNOWN_MAX_BYTES`]) and return it only if it names an Okta org host, or if it is a
/// 429 or 5xx that says it is Okta's (`X-Okta-Request-Id`; a hint, not a proof: such an answer
/// says nothing about the domain, is never cached, and reaches the page as an inert error
/// answer, never as a document). Every fetch is checked, also for a domain verified a moment
/// ago: a document relayed to the page is always one that passed this check. The cache only saves the fetch for domains recently refused.
pub async fn verify_custom_domain(
    upstream: &Upstream,
    cache: &DomainCache,
    host: &str,
    deadline: Instant,
) -> Result<UpstreamResponse, ProxyError> {
    let refused = |why: String| ProxyError::new(Code::TargetRefused, why).with_target(Some(host));
    if cache.get(host, Instant::now()) == DomainStatus::Refused {
        return Err(refused(format!(
            "{host} is not an Okta org host and its {WELL_KNOWN_PATH} does not name one"
        )));
    }
    let resp = match upstream
        .get(host, WELL_KNOWN_PATH, None, deadline, WELL_KNOWN_MAX_BYTES)
        .await
    {
        Ok(r) => r,
        Err(e) => {
            return Err(match e.code {
                // Not remembered either: a remembered refusal would answer differently the
                // next time, and so tell a forbidden address from a missing name.
                Code::TargetForbiddenAddress => e,
                // Too large only for the operator's smaller `--max-body-bytes`: that limit's
                // error, not a verdict on the domain.
                Code::UpstreamTooLarge if upstream.limits.max_body < WELL_KNOWN_MAX_BYTES => e,
                Code::UpstreamRedirect | Code::UpstreamTooLarge => {
                    cache.put(host, None, Instant::now());
                    refused(format!(
                        "{host} is not an Okta org host and its {WELL_KNOWN_PATH} is not an Okta document ({})",
                        e.code.code()
                    ))
                }
                // Name not found, unreachable, timeout: say so, and do not remember it.
                _ => e,
            });
        }
    };
    if resp.status == StatusCode::OK {
        if let Some(org) = org_from_well_known(&resp.body) {
            cache.put(host, Some(org), Instant::now());
            return Ok(resp);
        }
    }
    let transient = resp.status == StatusCode::TOO_MANY_REQUESTS || resp.status.is_server_error();
    if transient && resp.headers.contains_key("x-okta-request-id") {
        // Okta's own rate limit or outage behind the custom domain (every answer of Okta's
        // carries a request id): passed on as from an Okta host, so the customer is told to
        // wait or try later, not that the address is not an Okta org. Never cached.
        return Ok(resp);
    }
    if !transient {
        cache.put(host, None, Instant::now());
    }
    Err(refused(if resp.status == StatusCode::OK {
        format!(
            "{host} is not an Okta org host and its {WELL_KNOWN_PATH} does not name an Okta org"
        )
    } else {
        format!(
            "{host} is not an Okta org host and has no Okta {WELL_KNOWN_PATH} (it answered {})",
            resp.status.as_u16()
        )
    }))
}

#[cfg(test)]
impl Upstream {
    /// Tests only: a client WITHOUT the guarded resolver (names resolve through `lookup` as they
    /// are, loopback included) and plain http to `port` on the named host, with the connector
    /// layer when `vet_peer`. It shows the layer alone stops what the resolver would have.
    fn unguarded_for_test(lookup: Arc<dyn Lookup>, port: u16, vet_peer: bool) -> Self {
        let timeout = Duration::from_secs(3);
        Upstream {
            clients: vec![http_client(
                Resolver::Unvetted(lookup),
                tls_config().unwrap(),
                false,
                vet_peer,
                timeout,
            )]
            .into(),
            dev_base: None,
            timeout,
            limits: Arc::new(Limits::unbounded()),
            test_http_port: Some(port),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::StaticLookup;
    use tokio::io::AsyncReadExt;

    /// A loopback listener that reports, for each connection it accepts, how many bytes the
    /// client wrote before closing (or within two seconds).
    async fn listener() -> (u16, tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>) {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let mut got = Vec::new();
                    let mut buf = [0u8; 4096];
                    let _ = tokio::time::timeout(Duration::from_secs(2), async {
                        while let Ok(n) = s.read(&mut buf).await {
                            if n == 0 {
                                break;
                            }
                            got.extend_from_slice(&buf[..n]);
                            if got.windows(4).any(|w| w == b"\r\n\r\n") {
                                break;
                            }
                        }
                    })
                    .await;
                    let _ = tx.send(got);
                });
            }
        });
        (port, rx)
    }

    /// A GET of `url` with no header, as the raw client takes it.
    fn bare_get(url: &str) -> Request<Full<Bytes>> {
        let mut req = Request::new(Full::new(Bytes::new()));
        *req.uri_mut() = url.parse().unwrap();
        req
    }

    fn deadline() -> Instant {
        Instant::now() + Duration::from_secs(5)
    }

    fn loopback_table() -> Arc<dyn Lookup> {
        Arc::new(
            StaticLookup::new()
                .with("internal.okta.com", &["127.0.0.1".parse().unwrap()])
                .with("internal.example", &["127.0.0.1".parse().unwrap()]),
        )
    }

    /// The connector layer on its own: a name that an unguarded resolver maps to loopback is
    /// connected to, then the connection is closed with nothing written (no request line, no
    /// token) and the answer is `target_forbidden_address`. Without the layer the very same
    /// client does write its request there, so the listener would have seen it.
    #[tokio::test]
    async fn connector_layer_refuses_a_forbidden_peer_before_writing() {
        let token = HeaderValue::from_static("SSWS 00connectorLayerTestToken");
        let (port, mut seen) = listener().await;
        let up = Upstream::unguarded_for_test(loopback_table(), port, true);
        for (host, auth) in [
            ("internal.okta.com", Some(&token)),
            ("internal.example", None),
        ] {
            let e = up
                .get(host, "/api/v1/users/me", auth, deadline(), 1024)
                .await
                .unwrap_err();
            assert_eq!(
                e.code,
                Code::TargetForbiddenAddress,
                "{host}: {}",
                e.message
            );
            // The client is told nothing about where the name led; the log is.
            assert_eq!(e.message, crate::error::DESTINATION_REFUSED);
            let detail = e.detail.as_deref().unwrap_or("");
            assert!(detail.contains("127.0.0.1 (loopback)"), "{detail}");
            let bytes = tokio::time::timeout(Duration::from_secs(3), seen.recv())
                .await
                .expect("the TCP connection was made")
                .unwrap();
            assert!(bytes.is_empty(), "{host}: {} bytes written", bytes.len());
        }

        let control = Upstream::unguarded_for_test(loopback_table(), port, false);
        let _ = control
            .get(
                "internal.example",
                "/api/v1/users/me",
                None,
                deadline(),
                1024,
            )
            .await;
        let bytes = tokio::time::timeout(Duration::from_secs(3), seen.recv())
            .await
            .unwrap()
            .unwrap();
        assert!(
            bytes.starts_with(b"GET /api/v1/users/me HTTP/1.1"),
            "the control request reaches the listener"
        );
    }

    /// The production client's transport: TLS with the org's name as SNI, so nothing of the
    /// request (the token included) crosses in the clear, and a plain `http://` URL refused by
    /// the connector before any connection. (The listener is not a TLS server: the handshake
    /// fails on its silence, which is all this needs to see.)
    #[tokio::test]
    async fn the_production_transport_is_tls_with_the_host_as_sni() {
        let (port, mut seen) = listener().await;
        let client = http_client(
            Resolver::Unvetted(loopback_table()),
            tls_config().unwrap(),
            true,
            false,
            Duration::from_secs(3),
        );
        let get = |url: String| {
            let mut req = bare_get(&url);
            req.headers_mut().insert(
                AUTHORIZATION,
                HeaderValue::from_static("SSWS 00transportTestToken"),
            );
            client.request(req)
        };
        let call = get(format!("https://internal.okta.com:{port}/api/v1/users/me"));
        let _ = tokio::time::timeout(Duration::from_millis(500), call).await;
        let hello = tokio::time::timeout(Duration::from_secs(3), seen.recv())
            .await
            .expect("a TCP connection was made")
            .unwrap();
        assert_eq!(hello.first(), Some(&0x16), "a TLS handshake record first");
        assert!(
            hello.windows(17).any(|w| w == b"internal.okta.com"),
            "the SNI names the host"
        );
        assert!(
            !hello.windows(6).any(|w| w == b"00tran"),
            "no token in the clear"
        );

        let e = get(format!("http://internal.okta.com:{port}/api/v1/users/me"))
            .await
            .unwrap_err();
        assert!(e.is_connect(), "{e:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(seen.try_recv().is_err(), "a plain-http connection was made");
    }

    /// IP hosts, in any spelling, are refused on the URL itself: no connection is made, and an
    /// open port answers exactly like a closed one (no port scanning through the proxy).
    #[tokio::test]
    async fn ip_hosts_are_refused_before_connecting_open_or_closed() {
        let (open, mut seen) = listener().await;
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let zeros = "0".repeat(40);
        for host in [
            "127.0.0.1".to_string(),
            format!("0x7f.0x{zeros}1"),
            "2130706433".to_string(),
            "127.1.".to_string(),
        ] {
            let mut answers = Vec::new();
            for port in [open, closed] {
                // Both with and without the layer: the URL check alone refuses.
                for vet in [true, false] {
                    let up = Upstream::unguarded_for_test(loopback_table(), port, vet);
                    let e = up
                        .get(&host, WELL_KNOWN_PATH, None, deadline(), 1024)
                        .await
                        .unwrap_err();
                    assert_eq!(e.code, Code::TargetForbiddenAddress, "{host}");
                    answers.push(e);
                }
            }
            assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
        }
        // And the production client, on https.
        let up = Upstream::new(None, Duration::from_secs(2), loopback_table(), 1).unwrap();
        let e = up
            .get(
                &format!("0x7f.0x{zeros}1"),
                WELL_KNOWN_PATH,
                None,
                deadline(),
                1024,
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, Code::TargetForbiddenAddress);
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(
            seen.try_recv().is_err(),
            "a connection reached the listener"
        );
    }

    #[test]
    fn checked_url_accepts_only_the_named_domain() {
        assert!(checked_url("https://acme.okta.com/x", "acme.okta.com", true).is_ok());
        for (url, host) in [
            ("https://127.0.0.1/x", "127.0.0.1"),
            ("https://0x7f.1/x", "0x7f.1"),
            ("https://[::1]/x", "[::1]"),
            ("https://u@127.0.0.1/x", "u@127.0.0.1"),
            ("https://acme.okta.com@127.1/x", "acme.okta.com@127.1"),
        ] {
            let e = checked_url(url, host, true).unwrap_err();
            assert_eq!(e.code, Code::TargetForbiddenAddress, "{url}");
        }
        for (url, host) in [
            ("https://evil.example/x", "acme.okta.com"),
            ("https://acme.okta.com@evil.example/x", "acme.okta.com"),
            ("https://acme.okta.com\\@evil.example/x", "acme.okta.com"),
            ("https:///x", "acme.okta.com"),
            ("/x", "acme.okta.com"),
        ] {
            let e = checked_url(url, host, true).unwrap_err();
            assert_eq!(e.code, Code::TargetRefused, "{url}");
        }
        // The host as the WHATWG parser reads it, in any case; a percent-encoded one (which
        // that parser would decode into an IP address) is not a URI at all.
        assert!(checked_url("https://ACME.okta.com/x", "acme.okta.com", true).is_ok());
        assert!(checked_url("https://127%2E0.0.1/x", "127%2E0.0.1", true).is_err());
        // Development mode: the loopback upstream is the point.
        assert!(checked_url("http://127.0.0.1:9/x", "acme.okta.com", false).is_ok());
    }

    #[test]
    fn proxied_content_types_are_json_or_plain_text() {
        let t = |v: &'static str| inert_content_type(Some(&HeaderValue::from_static(v)));
        for json in [
            "application/json",
            "application/json; charset=UTF-8",
            "Application/JSON",
            "application/problem+json",
        ] {
            assert_eq!(t(json), JSON_CONTENT_TYPE, "{json}");
        }
        for other in [
            "text/html",
            "image/svg+xml",
            "application/xhtml+xml",
            "text/xml",
            "application/xml",
            "text/javascript",
            "multipart/x-mixed-replace; boundary=x",
            "application/jsonp",
            "text/json",
            "",
            ";application/json",
        ] {
            assert_eq!(t(other), TEXT_CONTENT_TYPE, "{other}");
        }
        assert_eq!(inert_content_type(None), TEXT_CONTENT_TYPE);
        assert_eq!(upstream_type_value(None), "");
        assert_eq!(
            upstream_type_value(Some(&HeaderValue::from_static("text/html; charset=utf-8"))),
            "text/html; charset=utf-8"
        );
        let long = HeaderValue::from_str(&"a".repeat(1000)).unwrap();
        assert_eq!(
            upstream_type_value(Some(&long)).len(),
            MAX_UPSTREAM_TYPE_LEN
        );
        let odd = HeaderValue::from_bytes(b"text/html\t\xff;x").unwrap();
        assert_eq!(upstream_type_value(Some(&odd)), "text/html;x");
    }

    mod prop {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            /// Whatever type upstream names, the answer is JSON or plain text, and the original
            /// is passed on only as bounded printable text.
            #[test]
            fn prop_inert_content_type(bytes in proptest::collection::vec(
                prop_oneof![Just(b'\t'), 0x20u8..0x7f, 0x80u8..=0xff], 0..300),
                prefix in prop_oneof![Just(""), Just("text/html"), Just("image/svg+xml"), Just("application/json"), Just("application/x+json")],
            ) {
                let mut raw = prefix.as_bytes().to_vec();
                raw.extend(bytes);
                let v = HeaderValue::from_bytes(&raw).unwrap();
                let ct = inert_content_type(Some(&v));
                prop_assert!(ct == JSON_CONTENT_TYPE || ct == TEXT_CONTENT_TYPE);
                if ct == JSON_CONTENT_TYPE {
                    prop_assert!(is_json_content_type(v.to_str().unwrap()));
                }
                let orig = upstream_type_value(Some(&v));
                prop_assert!(orig.len() <= MAX_UPSTREAM_TYPE_LEN);
                prop_assert!(orig.as_bytes().iter().all(|b| (0x20..0x7f).contains(b)));
            }
        }
    }

    #[test]
    fn only_identity_encoding_is_accepted() {
        let mut h = HeaderMap::new();
        assert_eq!(non_identity_encoding(&h), None);
        h.insert("content-encoding", HeaderValue::from_static("identity"));
        assert_eq!(non_identity_encoding(&h), None);
        for v in ["gzip", "br", "identity, gzip", "x-evil", "GZIP"] {
            h.insert("content-encoding", HeaderValue::from_static(v));
            assert!(non_identity_encoding(&h).is_some(), "{v}");
        }
        h.insert("content-encoding", HeaderValue::from_static("identity"));
        h.append("content-encoding", HeaderValue::from_static("deflate"));
        assert_eq!(non_identity_encoding(&h).as_deref(), Some("deflate"));
    }

    #[test]
    fn well_known_org() {
        let ok = br#"{"id":"00o1","_links":{"organization":{"href":"https://acme.okta.com"},"alternate":{"href":"https://login.acme.com"}}}"#;
        assert_eq!(org_from_well_known(ok).as_deref(), Some("acme.okta.com"));
        let slash = br#"{"_links":{"organization":{"href":"https://Acme.OktaPreview.com/"}}}"#;
        assert_eq!(
            org_from_well_known(slash).as_deref(),
            Some("acme.oktapreview.com")
        );
        for bad in [
            &br#"{"_links":{"organization":{"href":"https://evil.example"}}}"#[..],
            br#"{"_links":{"organization":{"href":"http://acme.okta.com"}}}"#,
            br#"{"_links":{"organization":{"href":"https://acme.okta.com/x"}}}"#,
            br#"{"_links":{"organization":{"href":"https://acme.okta.com:8443"}}}"#,
            br#"{"_links":{"organization":{"href":"https://u@acme.okta.com"}}}"#,
            br#"{"_links":{"organization":{"href":"https://acme.okta.com.evil.example"}}}"#,
            br#"{"_links":{"organization":{"href":"https://www.okta.com"}}}"#,
            br#"{"_links":{"organization":{}}}"#,
            br#"{"_links":{"organization":{"href":1}}}"#,
            br#"[]"#,
            b"<html>",
            b"",
        ] {
            assert_eq!(
                org_from_well_known(bad),
                None,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn cache_ttls_and_bound() {
        let c = DomainCache::new(3, Duration::from_secs(600), Duration::from_secs(60));
        let t0 = Instant::now();
        c.put("login.acme.com", Some("acme.okta.com".into()), t0);
        c.put("evil.example", None, t0);
        assert_eq!(
            c.get("login.acme.com", t0),
            DomainStatus::Verified("acme.okta.com".into())
        );
        assert_eq!(c.get("evil.example", t0), DomainStatus::Refused);
        assert_eq!(c.get("other.example", t0), DomainStatus::Unknown);
        let t1 = t0 + Duration::from_secs(61);
        assert_eq!(c.get("evil.example", t1), DomainStatus::Unknown);
        assert!(matches!(
            c.get("login.acme.com", t1),
            DomainStatus::Verified(_)
        ));
        let t2 = t0 + Duration::from_secs(601);
        assert_eq!(c.get("login.acme.com", t2), DomainStatus::Unknown);
        for i in 0..20 {
            c.put(&format!("h{i}.example"), None, t0);
            assert!(c.len() <= 3);
        }
    }

    /// The second security review (SECURITY.md): only registered 2xx to 5xx statuses are passed on as the proxy's own; 1xx and
    /// numbers with no registered meaning never are (the whole range a status line can carry).
    #[test]
    fn passed_status_is_a_registered_2xx_to_5xx() {
        let mut passed = Vec::new();
        for code in 100..=999u16 {
            let s = StatusCode::from_u16(code).unwrap();
            let expected = (200..600).contains(&code) && s.canonical_reason().is_some();
            assert_eq!(passed_status(s), expected, "{code}");
            if passed_status(s) {
                passed.push(code);
            }
        }
        for code in [
            200, 201, 202, 203, 204, 205, 206, 300, 301, 302, 303, 304, 307, 308, 400, 401, 403,
            404, 405, 409, 413, 429, 431, 451, 500, 501, 502, 503, 504,
        ] {
            assert!(passed.contains(&code), "{code} is passed");
        }
        for code in [
            100, 101, 102, 103, 199, 209, 218, 299, 309, 399, 420, 430, 444, 499, 509, 520, 599,
            600, 700, 999,
        ] {
            assert!(!passed.contains(&code), "{code} is not passed");
        }
        // What is passed is a real answer: no informational status, nothing past 5xx.
        assert!(passed.iter().all(
            |c| (200..600).contains(c) && !StatusCode::from_u16(*c).unwrap().is_informational()
        ));
    }

    /// What a scripted loopback server does with the `n`th request (from 0) it reads on its
    /// `c`th connection (from 0).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Then {
        /// `200`, `{}` with a Content-Length: the connection stays open (keep-alive).
        Answer,
        /// Close the connection without answering.
        Close,
        /// Never answer (the connection stays open).
        Hang,
        /// Start an answer of 10 bytes, send 2, close.
        Truncate,
    }

    /// How many connections and requests a scripted server saw, and each request's `DPoP`.
    #[derive(Clone, Default)]
    struct Seen {
        connections: Arc<std::sync::atomic::AtomicUsize>,
        requests: Arc<std::sync::atomic::AtomicUsize>,
        proofs: Arc<std::sync::Mutex<Vec<String>>>,
    }

    impl Seen {
        fn counts(&self) -> (usize, usize) {
            use std::sync::atomic::Ordering::SeqCst;
            (self.connections.load(SeqCst), self.requests.load(SeqCst))
        }
    }

    /// A loopback HTTP/1.1 server that reads each request head and does what `plan` says.
    async fn scripted(plan: fn(usize, usize) -> Then) -> (u16, Seen) {
        use std::sync::atomic::Ordering::SeqCst;
        use tokio::io::AsyncWriteExt;
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        let seen = Seen::default();
        let counts = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                let c = counts.connections.fetch_add(1, SeqCst);
                let counts = counts.clone();
                tokio::spawn(async move {
                    let mut pending = Vec::new();
                    let mut buf = [0u8; 4096];
                    for n in 0.. {
                        // One request head (a GET has no body).
                        let end = loop {
                            if let Some(i) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
                                break i + 4;
                            }
                            match s.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(k) => pending.extend_from_slice(&buf[..k]),
                            }
                        };
                        let head = String::from_utf8_lossy(&pending[..end]).to_ascii_lowercase();
                        if let Some(proof) = head.lines().find_map(|l| l.strip_prefix("dpop: ")) {
                            counts.proofs.lock().unwrap().push(proof.to_string());
                        }
                        pending.drain(..end);
                        counts.requests.fetch_add(1, SeqCst);
                        match plan(c, n) {
                            Then::Answer => {
                                let answer = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";
                                if s.write_all(answer).await.is_err() {
                                    return;
                                }
                            }
                            Then::Close => return,
                            Then::Hang => std::future::pending::<()>().await,
                            Then::Truncate => {
                                let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n{}";
                                let _ = s.write_all(answer).await;
                                return;
                            }
                        }
                    }
                });
            }
        });
        (port, seen)
    }

    fn to_loopback(name: &str) -> Arc<dyn Lookup> {
        Arc::new(StaticLookup::new().with(name, &["127.0.0.1".parse().unwrap()]))
    }

    /// The second security review (SECURITY.md): the upstream closed a pooled keep-alive connection as the next request went
    /// out (alternating 502s were seen). The GET is sent once more, on a new connection: both
    /// calls succeed, and the server saw two connections and three requests.
    #[tokio::test]
    async fn a_get_on_a_stale_pooled_connection_is_sent_once_more() {
        let (port, seen) = scripted(|c, n| match (c, n) {
            (0, 0) => Then::Answer,
            (0, _) => Then::Close,
            _ => Then::Answer,
        })
        .await;
        let up = Upstream::unguarded_for_test(to_loopback("upstream.example"), port, false);
        let first = up
            .get(
                "upstream.example",
                "/api/v1/users/me",
                None,
                deadline(),
                1024,
            )
            .await
            .unwrap();
        assert_eq!(
            (first.status, &first.body[..]),
            (StatusCode::OK, &b"{}"[..])
        );
        // Let the client put the connection back in its pool.
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(seen.counts(), (1, 1));
        let second = up
            .get(
                "upstream.example",
                "/api/v1/users/me",
                None,
                deadline(),
                1024,
            )
            .await
            .unwrap_or_else(|e| panic!("not retried: {}", e.message));
        assert_eq!(
            (second.status, &second.body[..]),
            (StatusCode::OK, &b"{}"[..])
        );
        assert_eq!(seen.counts(), (2, 3), "(connections, requests)");
    }

    /// A GET with a DPoP proof is sent again only with a new proof (a proof's `jti` is used
    /// once, and the server may have read the first); with no way to make one, not at all.
    #[tokio::test]
    async fn a_get_with_a_proof_is_sent_again_only_with_a_new_proof() {
        for fresh in [true, false] {
            let (port, seen) = scripted(|c, n| match (c, n) {
                (0, 0) => Then::Answer,
                (0, _) => Then::Close,
                _ => Then::Answer,
            })
            .await;
            let up = Upstream::unguarded_for_test(to_loopback("acme.okta.com"), port, false);
            let counter = std::sync::atomic::AtomicUsize::new(0);
            let make = || {
                let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Some(HeaderValue::from_str(&format!("proof-{n}")).unwrap())
            };
            let call = |proof: &str| {
                let mut headers = HeaderMap::new();
                headers.insert("authorization", HeaderValue::from_static("DPoP t"));
                headers.insert("dpop", HeaderValue::from_str(proof).unwrap());
                headers
            };
            for (i, proof) in ["first", "second"].into_iter().enumerate() {
                let got = up
                    .call(
                        &Call {
                            method: Method::GET,
                            host: "acme.okta.com",
                            path_and_query: "/api/v1/users?limit=1",
                            headers: call(proof),
                            body: None,
                            keep: &[],
                            fresh_proof: if fresh { Some(&make) } else { None },
                        },
                        deadline(),
                        1024,
                    )
                    .await;
                assert_eq!(got.is_ok(), i == 0 || fresh, "call {i}, fresh {fresh}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let proofs = seen.proofs.lock().unwrap().clone();
            if fresh {
                assert_eq!(proofs, ["first", "second", "proof-0"]);
            } else {
                assert_eq!(proofs, ["first", "second"]);
            }
        }
    }

    /// Without the retry the very same server fails the second call, and that error is what
    /// [`is_stale_connection`] recognizes; a refused connection and a garbled answer are not
    /// (a call past its deadline is not an error of the client: the caller's `timeout_at`
    /// drops it). (It is only asked about errors of sending, before any answer: an
    /// answer cut short fails later, while its body is read, and is not retried; see
    /// `a_timeout_or_a_cut_answer_is_not_retried`.)
    #[tokio::test]
    async fn is_stale_connection_only_for_a_closed_pooled_connection() {
        let client = http_client(
            Resolver::Unvetted(to_loopback("upstream.example")),
            tls_config().unwrap(),
            false,
            false,
            Duration::from_secs(3),
        );
        let send = |port: u16| client.request(bare_get(&format!("http://127.0.0.1:{port}/x")));

        let (port, _) = scripted(|c, n| match (c, n) {
            (0, 0) => Then::Answer,
            _ => Then::Close,
        })
        .await;
        let first = send(port).await.unwrap();
        let body = first.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, &b"{}"[..]);
        tokio::time::sleep(Duration::from_millis(100)).await;
        let e = send(port).await.unwrap_err();
        assert!(is_stale_connection(&e), "{e:?}");

        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let e = send(closed).await.unwrap_err();
        assert!(e.is_connect() && !is_stale_connection(&e), "{e:?}");

        let garbled = {
            use tokio::io::AsyncWriteExt;
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = l.local_addr().unwrap().port();
            tokio::spawn(async move {
                while let Ok((mut s, _)) = l.accept().await {
                    let _ = s.read(&mut [0u8; 4096]).await;
                    let _ = s.write_all(b"HELLO THERE\r\n\r\n").await;
                }
            });
            port
        };
        let e = send(garbled).await.unwrap_err();
        assert!(!is_stale_connection(&e), "{e:?}");
    }

    /// A server that closes every connection without answering: the GET is sent twice (the
    /// first attempt and the one retry), never more, and the error is the upstream's.
    #[tokio::test]
    async fn a_get_is_retried_once_only() {
        let (port, seen) = scripted(|_, _| Then::Close).await;
        let up = Upstream::unguarded_for_test(to_loopback("upstream.example"), port, false);
        let e = up
            .get(
                "upstream.example",
                "/api/v1/users/me",
                None,
                deadline(),
                1024,
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, Code::UpstreamUnreachable, "{}", e.message);
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(seen.counts(), (2, 2), "(connections, requests)");
    }

    /// What is not a stale connection is not retried: the deadline passing, and an answer cut
    /// short after its head.
    #[tokio::test]
    async fn a_timeout_or_a_cut_answer_is_not_retried() {
        // The deadline.
        let (port, seen) = scripted(|_, _| Then::Hang).await;
        let up = Upstream::unguarded_for_test(to_loopback("upstream.example"), port, false);
        let soon = Instant::now() + Duration::from_millis(300);
        let e = up
            .get("upstream.example", "/api/v1/users/me", None, soon, 1024)
            .await
            .unwrap_err();
        assert_eq!(e.code, Code::UpstreamTimeout, "{}", e.message);
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(seen.counts(), (1, 1), "(connections, requests)");

        // An answer whose body is cut short.
        let (port, seen) = scripted(|_, _| Then::Truncate).await;
        let up = Upstream::unguarded_for_test(to_loopback("upstream.example"), port, false);
        let e = up
            .get(
                "upstream.example",
                "/api/v1/users/me",
                None,
                deadline(),
                1024,
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, Code::UpstreamUnreachable, "{}", e.message);
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(seen.counts(), (1, 1), "(connections, requests)");
    }
}
