//! A local Okta simulator for okta-link's development and tests.
//!
//! It serves the fake orgs of `fixtures.json` by `Host` header (port stripped, lowercased) with
//! the shapes of the real endpoints the link page calls, Okta's error bodies and headers, and a
//! set of fault hosts that misbehave on demand. Control endpoints under `/__sim/` expose the
//! request log (never headers or tokens), reset state and return the fixture file.
//!
//! ```no_run
//! # async fn demo() {
//! let sim = okta_sim::Sim::new(okta_sim::SimConfig::default());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
//! okta_sim::serve(listener, sim).await.unwrap();
//! # }
//! ```

mod faults;
pub mod fixtures;
mod okta;
mod time;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::Router;
use fixtures::{Access, Behavior, Fixtures, Org, Token, User, FIXTURES_JSON};
use okta::{OktaError, WELL_KNOWN};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use okta::WELL_KNOWN as WELL_KNOWN_PATH;

/// Where the one-line-per-request log goes. The log never holds a header value.
#[derive(Clone, Default)]
pub enum LogSink {
    /// Standard error (the binary's default).
    #[default]
    Stderr,
    /// Nowhere (`--quiet`).
    Off,
    /// An in-memory list of lines (tests).
    Memory(Arc<Mutex<Vec<String>>>),
}

impl LogSink {
    /// A fresh in-memory sink and a handle to read it.
    pub fn memory() -> (LogSink, Arc<Mutex<Vec<String>>>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        (LogSink::Memory(lines.clone()), lines)
    }

    fn write(&self, line: &str) {
        match self {
            LogSink::Stderr => eprintln!("{line}"),
            LogSink::Off => {}
            LogSink::Memory(lines) => lock(lines).push(line.to_string()),
        }
    }
}

/// Timings and sinks. Defaults come from `fixtures.json`; tests shorten them.
#[derive(Clone)]
pub struct SimConfig {
    /// Added before every answer to an org host (not to `/__sim/`).
    pub latency: Duration,
    /// How far ahead the rate-limited token's reset lies when it is (re-)armed.
    pub rate_limit_reset: Duration,
    /// Idle time after which the rate-limited token is limited again.
    pub rate_limit_rearm_idle: Duration,
    /// Overrides every org's `api_delay_ms` (the slow org) when set.
    pub slow_delay: Option<Duration>,
    /// `fault-stall`: how long before the headers.
    pub stall: Duration,
    /// `fault-drip`: the pause before each body byte.
    pub drip_interval: Duration,
    /// `fault-huge`: body size.
    pub huge_bytes: u64,
    pub log: LogSink,
}

impl SimConfig {
    pub fn from_fixtures(f: &Fixtures) -> SimConfig {
        SimConfig {
            latency: Duration::ZERO,
            rate_limit_reset: Duration::from_millis(f.rate_limited.reset_after_ms),
            rate_limit_rearm_idle: Duration::from_millis(f.rate_limited.rearm_after_idle_ms),
            slow_delay: None,
            stall: Duration::from_millis(f.fault_timing.stall_ms),
            drip_interval: Duration::from_millis(f.fault_timing.drip_interval_ms),
            huge_bytes: f.fault_timing.huge_bytes,
            log: LogSink::Stderr,
        }
    }
}

impl Default for SimConfig {
    fn default() -> SimConfig {
        SimConfig::from_fixtures(&Fixtures::embedded())
    }
}

/// One line of `/__sim/requests`. Never holds a header or a token.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RequestRecord {
    pub method: String,
    /// The `Host` header, lowercased, port stripped.
    pub host: String,
    /// Path and query, with anything token-shaped redacted.
    pub path: String,
    /// `null` while the request is in flight.
    pub status: Option<u16>,
    /// Milliseconds since the simulator started.
    pub started_ms: u64,
    /// When the response head was ready; `null` while in flight.
    pub finished_ms: Option<u64>,
    #[serde(skip)]
    seq: u64,
}

#[derive(Clone, Copy)]
enum Target {
    Org(usize),
    Fault(usize),
}

struct LimitState {
    reset_at: Instant,
    reset_epoch: u64,
    last_used: Instant,
}

#[derive(Default)]
struct SimState {
    requests: Vec<RequestRecord>,
    limited: HashMap<String, LimitState>,
    /// (org host, bucket) → (window start, epoch s; calls in the window).
    buckets: HashMap<(String, &'static str), (u64, u64)>,
}

pub(crate) struct Inner {
    fixtures: Fixtures,
    hosts: HashMap<String, Target>,
    /// token → (org index, token index)
    tokens: HashMap<String, (usize, usize)>,
    cfg: SimConfig,
    start: Instant,
    seed: u64,
    counter: AtomicU64,
    state: Mutex<SimState>,
}

/// The simulator: cheap to clone, shared state inside.
#[derive(Clone)]
pub struct Sim {
    inner: Arc<Inner>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Sim {
    /// A simulator over the embedded `fixtures.json`.
    pub fn new(cfg: SimConfig) -> Sim {
        Sim::with_fixtures(Fixtures::embedded(), cfg)
    }

    pub fn with_fixtures(fixtures: Fixtures, cfg: SimConfig) -> Sim {
        let mut hosts = HashMap::new();
        let mut tokens = HashMap::new();
        for (i, org) in fixtures.orgs.iter().enumerate() {
            hosts.insert(org.host.clone(), Target::Org(i));
            for d in &org.custom_domains {
                hosts.insert(d.clone(), Target::Org(i));
            }
            for (j, t) in org.tokens.iter().enumerate() {
                tokens.insert(t.token.clone(), (i, j));
            }
        }
        for (i, f) in fixtures.fault_hosts.iter().enumerate() {
            hosts.insert(f.host.clone(), Target::Fault(i));
        }
        let seed = okta::mix64(time::now_epoch_ms() ^ u64::from(std::process::id()));
        Sim {
            inner: Arc::new(Inner {
                fixtures,
                hosts,
                tokens,
                cfg,
                start: Instant::now(),
                seed,
                counter: AtomicU64::new(0),
                state: Mutex::new(SimState::default()),
            }),
        }
    }

    /// The axum router: one handler for every method and path.
    pub fn router(&self) -> Router {
        Router::new()
            .fallback(handle)
            .with_state(self.inner.clone())
    }

    /// The requests served so far (what `/__sim/requests` returns).
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.inner.state).requests.clone()
    }

    /// Clear the request log and all rate-limit state (what `/__sim/reset` does).
    pub fn reset(&self) {
        let mut st = lock(&self.inner.state);
        st.requests.clear();
        st.limited.clear();
        st.buckets.clear();
    }

    pub fn fixtures(&self) -> &Fixtures {
        &self.inner.fixtures
    }
}

/// Serve `sim` on `listener` until the future is dropped (TCP_NODELAY on every connection, so
/// the drip fault really sends one byte at a time).
pub async fn serve(listener: tokio::net::TcpListener, sim: Sim) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, sim.router()).await
}

// ---------------------------------------------------------------------------------------------
// Request handling

/// The request as the simulator sees it; the token is kept apart and never logged.
pub(crate) struct Req {
    pub method: Method,
    pub host: String,
    pub path: String,
    pub query: Option<String>,
    pub token: Option<String>,
}

/// Lowercased `Host` without the port (IPv6 literals keep their brackets).
fn host_of(headers: &HeaderMap, uri: &axum::http::Uri) -> String {
    let raw = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| uri.authority().map(|a| a.to_string()))
        .unwrap_or_default();
    let raw = raw.trim();
    let host = if raw.starts_with('[') {
        match raw.find(']') {
            Some(end) => &raw[..=end],
            None => raw,
        }
    } else {
        match raw.rfind(':') {
            Some(i) if raw[i + 1..].bytes().all(|b| b.is_ascii_digit()) => &raw[..i],
            _ => raw,
        }
    };
    host.to_ascii_lowercase()
}

/// The token from `Authorization: SSWS <token>` (scheme case-insensitive).
fn token_of(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, rest) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("SSWS") {
        return None;
    }
    let t = rest.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Replace every run of 40 or more token-alphabet characters (anything that could be an API
/// token) and strip control characters, so a log line can never carry a token.
pub fn redact(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= 40 {
            out.push_str("[redacted]");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(if c.is_control() { '?' } else { c });
        }
    }
    flush(&mut run, &mut out);
    if out.len() > 300 {
        let mut cut = 300;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push('…');
    }
    out
}

async fn handle(State(inner): State<Arc<Inner>>, req: Request) -> Response {
    let started = Instant::now();
    let (parts, _body) = req.into_parts();
    let r = Req {
        host: host_of(&parts.headers, &parts.uri),
        token: token_of(&parts.headers),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        method: parts.method,
    };
    drop(parts.headers);
    let shown_path = redact(&match &r.query {
        Some(q) => format!("{}?{q}", r.path),
        None => r.path.clone(),
    });
    let shown_host = redact(&r.host);

    let control = r.path == "/__sim" || r.path.starts_with("/__sim/");
    let seq = if control {
        None
    } else {
        Some(inner.record_start(&r.method, &shown_host, &shown_path))
    };
    if !control && !inner.cfg.latency.is_zero() {
        tokio::time::sleep(inner.cfg.latency).await;
    }
    let mut resp = if control {
        inner.control(&r)
    } else {
        inner.answer(&r).await
    };
    let status = resp.status();
    if let Some(seq) = seq {
        inner.record_finish(seq, status);
    }
    inner.cfg.log.write(&format!(
        "okta-sim {} {} {} -> {} ({} ms)",
        r.method,
        if shown_host.is_empty() {
            "-"
        } else {
            &shown_host
        },
        shown_path,
        status.as_u16(),
        started.elapsed().as_millis()
    ));
    if r.method == Method::HEAD {
        *resp.body_mut() = Body::empty();
    }
    resp
}

/// A fully buffered answer; faults reshape it into a response.
pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl Answer {
    fn json(status: StatusCode, headers: HeaderMap, v: &Value) -> Answer {
        Answer {
            status,
            headers,
            content_type: "application/json",
            body: serde_json::to_vec(v).expect("json"),
        }
    }

    fn html(status: StatusCode, headers: HeaderMap, html: String) -> Answer {
        Answer {
            status,
            headers,
            content_type: "text/html",
            body: html.into_bytes(),
        }
    }

    pub fn into_response(self) -> Response {
        let len = self.body.len();
        let mut resp = Response::new(Body::from(self.body));
        *resp.status_mut() = self.status;
        *resp.headers_mut() = self.headers;
        set(resp.headers_mut(), header::CONTENT_TYPE, self.content_type);
        set(resp.headers_mut(), header::CONTENT_LENGTH, &len.to_string());
        resp
    }
}

pub(crate) fn set(h: &mut HeaderMap, name: HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(name, v);
    }
}

pub(crate) const REQUEST_ID: &str = "x-okta-request-id";
pub(crate) const RL_LIMIT: &str = "x-rate-limit-limit";
pub(crate) const RL_REMAINING: &str = "x-rate-limit-remaining";
pub(crate) const RL_RESET: &str = "x-rate-limit-reset";

/// How the token of a request is matched.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenPolicy {
    /// Only the org's own tokens (a token of another org gets 401).
    Own,
    /// Fault hosts: any fixture token counts as the org's super admin.
    AnyFixture,
}

/// Rate-limit bucket of a path: (name, limit, window seconds).
fn bucket(path: &str) -> (&'static str, u64, u64) {
    if path == WELL_KNOWN {
        ("well-known", 100, 60)
    } else if path == "/api/v1/users/me" {
        ("users-me", 40, 10)
    } else if path == "/api/v1/users" || path.starts_with("/api/v1/users/") {
        ("users", 600, 60)
    } else if path.starts_with("/api/v1/groups") {
        ("groups", 500, 60)
    } else if path.starts_with("/api/v1/logs") {
        ("logs", 120, 60)
    } else {
        ("api", 600, 60)
    }
}

fn html_page(title: &str, message: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1><p>{message}</p><p>okta-sim</p></body></html>\n"
    )
}

impl Inner {
    fn millis_since_start(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    fn record_start(&self, method: &Method, host: &str, path: &str) -> u64 {
        let seq = self.counter.fetch_add(1, Ordering::Relaxed);
        let rec = RequestRecord {
            method: method.as_str().to_string(),
            host: host.to_string(),
            path: path.to_string(),
            status: None,
            started_ms: self.millis_since_start(),
            finished_ms: None,
            seq,
        };
        lock(&self.state).requests.push(rec);
        seq
    }

    fn record_finish(&self, seq: u64, status: StatusCode) {
        let now = self.millis_since_start();
        let mut st = lock(&self.state);
        if let Some(r) = st.requests.iter_mut().rev().find(|r| r.seq == seq) {
            r.status = Some(status.as_u16());
            r.finished_ms = Some(now);
        }
    }

    /// `Xsim` + 16 hex: unique per response, different on every run.
    pub(crate) fn request_id(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("Xsim{:08x}{:08x}", (self.seed >> 32) as u32, n as u32)
    }

    fn error_id(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("oae{}", okta::hash62(&format!("{}-{n}", self.seed), 22))
    }

    /// Headers every answer of an org carries: request id, rate-limit counters, no caching.
    fn base_headers(&self, org_host: &str, path: &str) -> HeaderMap {
        let (name, limit, window) = bucket(path);
        let now = time::now_epoch_ms() / 1000;
        let window_start = now - now % window;
        let count = {
            let mut st = lock(&self.state);
            let e = st
                .buckets
                .entry((org_host.to_string(), name))
                .or_insert((window_start, 0));
            if e.0 != window_start {
                *e = (window_start, 0);
            }
            e.1 += 1;
            e.1
        };
        let mut h = HeaderMap::new();
        set(
            &mut h,
            HeaderName::from_static(REQUEST_ID),
            &self.request_id(),
        );
        set(
            &mut h,
            HeaderName::from_static(RL_LIMIT),
            &limit.to_string(),
        );
        set(
            &mut h,
            HeaderName::from_static(RL_REMAINING),
            &limit.saturating_sub(count).to_string(),
        );
        set(
            &mut h,
            HeaderName::from_static(RL_RESET),
            &(window_start + window).to_string(),
        );
        set(&mut h, header::CACHE_CONTROL, "no-cache, no-store");
        set(&mut h, header::PRAGMA, "no-cache");
        set(&mut h, header::EXPIRES, "0");
        set(&mut h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
        h
    }

    fn okta_error(&self, mut headers: HeaderMap, err: OktaError, detail: Option<&str>) -> Answer {
        if err == OktaError::InvalidToken {
            set(
                &mut headers,
                header::WWW_AUTHENTICATE,
                "SSWS realm=\"okta\"",
            );
        }
        let body = okta::error_body(err, detail, &self.error_id());
        Answer::json(
            StatusCode::from_u16(err.status()).expect("status"),
            headers,
            &body,
        )
    }

    /// Everything that is not a control endpoint.
    async fn answer(self: &Arc<Self>, r: &Req) -> Response {
        if r.method != Method::GET && r.method != Method::HEAD {
            let mut h = HeaderMap::new();
            set(
                &mut h,
                HeaderName::from_static(REQUEST_ID),
                &self.request_id(),
            );
            set(&mut h, header::ALLOW, "GET, HEAD");
            return self
                .okta_error(h, OktaError::MethodNotAllowed, None)
                .into_response();
        }
        match self.hosts.get(&r.host).copied() {
            None => {
                // An unknown Okta subdomain: Okta's edge serves an HTML 404 page.
                let mut h = HeaderMap::new();
                set(
                    &mut h,
                    HeaderName::from_static(REQUEST_ID),
                    &self.request_id(),
                );
                Answer::html(
                    StatusCode::NOT_FOUND,
                    h,
                    html_page(
                        "Page not found",
                        "There is no Okta organization at this address.",
                    ),
                )
                .into_response()
            }
            Some(Target::Org(i)) => {
                let org = &self.fixtures.orgs[i];
                if org.server_error {
                    let h = self.base_headers(&org.host, &r.path);
                    return Answer::html(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        h,
                        html_page(
                            "Internal Server Error",
                            "Something went wrong. Please try again later.",
                        ),
                    )
                    .into_response();
                }
                let alternate = org.custom_domains.first().map(|d| format!("https://{d}"));
                self.org_answer(
                    i,
                    r,
                    TokenPolicy::Own,
                    &format!("https://{}", org.host),
                    alternate.as_deref(),
                )
                .await
                .into_response()
            }
            Some(Target::Fault(i)) => faults::answer(self, &self.fixtures.fault_hosts[i], r).await,
        }
    }

    /// The answer of org `org_index` to a GET/HEAD.
    pub(crate) async fn org_answer(
        self: &Arc<Self>,
        org_index: usize,
        r: &Req,
        policy: TokenPolicy,
        organization: &str,
        alternate: Option<&str>,
    ) -> Answer {
        let org = &self.fixtures.orgs[org_index];
        if r.path == WELL_KNOWN {
            let h = self.base_headers(&org.host, &r.path);
            return Answer::json(
                StatusCode::OK,
                h,
                &okta::well_known(org, organization, alternate),
            );
        }
        if r.path != "/api/v1" && !r.path.starts_with("/api/v1/") {
            let mut h = HeaderMap::new();
            set(
                &mut h,
                HeaderName::from_static(REQUEST_ID),
                &self.request_id(),
            );
            return Answer::html(
                StatusCode::NOT_FOUND,
                h,
                html_page(
                    "Page not found",
                    "The simulator serves only the well-known document and /api/v1.",
                ),
            );
        }
        let delay = self
            .cfg
            .slow_delay
            .filter(|_| org.api_delay_ms > 0)
            .unwrap_or(Duration::from_millis(org.api_delay_ms));
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        self.api(org_index, r, policy)
    }

    fn resolve_token(&self, org_index: usize, token: &str, policy: TokenPolicy) -> Option<&Token> {
        let &(oi, ti) = self.tokens.get(token)?;
        match policy {
            TokenPolicy::Own => (oi == org_index).then(|| &self.fixtures.orgs[oi].tokens[ti]),
            TokenPolicy::AnyFixture => self.fixtures.orgs[org_index]
                .tokens
                .iter()
                .find(|t| t.behavior == Behavior::Ok && t.access.contains(&Access::Roles)),
        }
    }

    /// Is the rate-limited token limited now? `Some(reset epoch seconds)` if so.
    fn rate_limited(&self, token: &str) -> Option<u64> {
        let now = Instant::now();
        let mut st = lock(&self.state);
        if let Some(s) = st.limited.get_mut(token) {
            if now.duration_since(s.last_used) < self.cfg.rate_limit_rearm_idle {
                s.last_used = now;
                return if now + Duration::from_millis(20) < s.reset_at {
                    Some(s.reset_epoch)
                } else {
                    None
                };
            }
        }
        let reset_ms = time::now_epoch_ms() + self.cfg.rate_limit_reset.as_millis() as u64;
        let reset_epoch = reset_ms.div_ceil(1000);
        st.limited.insert(
            token.to_string(),
            LimitState {
                reset_at: now + self.cfg.rate_limit_reset,
                reset_epoch,
                last_used: now,
            },
        );
        Some(reset_epoch)
    }

    fn api(&self, org_index: usize, r: &Req, policy: TokenPolicy) -> Answer {
        let org = &self.fixtures.orgs[org_index];
        let host = r.host.as_str();
        let mut h = self.base_headers(&org.host, &r.path);
        let Some(token) = r
            .token
            .as_deref()
            .and_then(|t| self.resolve_token(org_index, t, policy))
        else {
            return self.okta_error(h, OktaError::InvalidToken, None);
        };
        match token.behavior {
            Behavior::Ok => {}
            Behavior::Revoked => return self.okta_error(h, OktaError::InvalidToken, None),
            Behavior::NetworkZone => return self.okta_error(h, OktaError::NoPermission, None),
            Behavior::RateLimited => {
                if let Some(reset) = self.rate_limited(&token.token) {
                    set(&mut h, HeaderName::from_static(RL_REMAINING), "0");
                    set(
                        &mut h,
                        HeaderName::from_static(RL_RESET),
                        &reset.to_string(),
                    );
                    return self.okta_error(h, OktaError::RateLimited, None);
                }
            }
        }
        let me = token.user.as_deref().and_then(|id| find_user(org, id));
        let can = |a: Access| token.access.contains(&a);
        let rest = &r.path["/api/v1".len()..];
        let segs: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
        let limit = match parse_limit(r.query.as_deref()) {
            Ok(l) => l,
            Err(()) => return self.okta_error(h, OktaError::ApiValidation, None),
        };
        let after = query_param(r.query.as_deref(), "after");
        match segs.as_slice() {
            ["users", "me"] => match me {
                Some(u) => Answer::json(StatusCode::OK, h, &okta::user(host, u)),
                None => self.okta_error(h, OktaError::InvalidToken, None),
            },
            ["users"] if can(Access::Users) => {
                let items = page(&org.users, |u| &u.id, limit.unwrap_or(200), after);
                link_headers(&mut h, host, "users", limit, items.1);
                let v = Value::Array(items.0.iter().map(|u| okta::user(host, u)).collect());
                Answer::json(StatusCode::OK, h, &v)
            }
            ["users", id] if can(Access::Users) || me.is_some_and(|m| m.id == *id) => {
                match find_user_by_id_or_login(org, id) {
                    Some(u) => Answer::json(StatusCode::OK, h, &okta::user(host, u)),
                    None => self.not_found(h, id, "User"),
                }
            }
            ["users", id, "roles"] if can(Access::Roles) => match find_user(org, id) {
                Some(u) => Answer::json(StatusCode::OK, h, &okta::roles(host, u)),
                None => self.not_found(h, id, "User"),
            },
            ["groups"] if can(Access::Groups) => {
                let items = page(&org.groups, |g| &g.id, limit.unwrap_or(10_000), after);
                link_headers(&mut h, host, "groups", limit, items.1);
                let v = Value::Array(items.0.iter().map(|g| okta::group(host, g)).collect());
                Answer::json(StatusCode::OK, h, &v)
            }
            ["logs"] if can(Access::Logs) => {
                let now = time::now_epoch_ms();
                let n = limit.unwrap_or(100);
                let v = Value::Array(
                    org.logs
                        .iter()
                        .enumerate()
                        .take(n)
                        .map(|(i, e)| okta::log_event(org, i, e, now))
                        .collect(),
                );
                link_headers(&mut h, host, "logs", limit, None);
                Answer::json(StatusCode::OK, h, &v)
            }
            ["users"] | ["users", _] | ["users", _, "roles"] | ["groups"] | ["logs"] => {
                self.okta_error(h, OktaError::NoPermission, None)
            }
            _ => self.not_found(h, &redact(&r.path), "PathSegment"),
        }
    }

    fn not_found(&self, h: HeaderMap, what: &str, kind: &str) -> Answer {
        self.okta_error(h, OktaError::NotFound, Some(&format!("{what} ({kind})")))
    }

    /// `/__sim/*`: answered whatever the Host.
    fn control(&self, r: &Req) -> Response {
        let json = |status: StatusCode, body: String| {
            Answer {
                status,
                headers: HeaderMap::new(),
                content_type: "application/json",
                body: body.into_bytes(),
            }
            .into_response()
        };
        if r.method != Method::GET && r.method != Method::HEAD {
            let mut resp = json(
                StatusCode::METHOD_NOT_ALLOWED,
                r#"{"error":"control endpoints answer GET only"}"#.into(),
            );
            set(resp.headers_mut(), header::ALLOW, "GET, HEAD");
            return resp;
        }
        match r.path.as_str() {
            "/__sim/requests" => {
                let list = lock(&self.state).requests.clone();
                json(
                    StatusCode::OK,
                    serde_json::to_string(&list).expect("json"),
                )
            }
            "/__sim/reset" => {
                let mut st = lock(&self.state);
                st.requests.clear();
                st.limited.clear();
                st.buckets.clear();
                json(StatusCode::OK, r#"{"reset":true}"#.into())
            }
            "/__sim/fixtures" => json(StatusCode::OK, FIXTURES_JSON.to_string()),
            _ => json(
                StatusCode::NOT_FOUND,
                r#"{"error":"unknown control endpoint","endpoints":["/__sim/requests","/__sim/reset","/__sim/fixtures"]}"#.into(),
            ),
        }
    }
}

fn find_user<'a>(org: &'a Org, id: &str) -> Option<&'a User> {
    org.users.iter().find(|u| u.id == id)
}

fn find_user_by_id_or_login<'a>(org: &'a Org, id: &str) -> Option<&'a User> {
    org.users
        .iter()
        .find(|u| u.id == id || u.login.eq_ignore_ascii_case(id))
}

fn query_param<'a>(query: Option<&'a str>, name: &str) -> Option<&'a str> {
    query?
        .split('&')
        .filter_map(|kv| kv.split_once('=').or(Some((kv, ""))))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// `limit`: absent → `None`; a number → clamped to 1..=200 (Okta's page size cap for users);
/// anything else → validation error.
fn parse_limit(query: Option<&str>) -> Result<Option<usize>, ()> {
    match query_param(query, "limit") {
        None => Ok(None),
        Some(v) => v
            .parse::<i64>()
            .map(|n| Some(n.clamp(1, 200) as usize))
            .map_err(|_| ()),
    }
}

/// A page of `items` after the cursor `after`; also the id of the last item if more follow.
fn page<'a, T>(
    items: &'a [T],
    id: impl Fn(&T) -> &String,
    limit: usize,
    after: Option<&str>,
) -> (Vec<&'a T>, Option<String>) {
    let start = after
        .and_then(|a| items.iter().position(|t| id(t) == a).map(|p| p + 1))
        .unwrap_or(0);
    let rest = &items[start.min(items.len())..];
    let taken: Vec<&T> = rest.iter().take(limit).collect();
    let next = (rest.len() > limit).then(|| id(taken[taken.len() - 1]).clone());
    (taken, next)
}

/// Okta's pagination `Link` headers.
fn link_headers(
    h: &mut HeaderMap,
    host: &str,
    what: &str,
    limit: Option<usize>,
    next: Option<String>,
) {
    let lim = limit.map(|l| format!("limit={l}")).unwrap_or_default();
    let self_link = if lim.is_empty() {
        format!("<https://{host}/api/v1/{what}>; rel=\"self\"")
    } else {
        format!("<https://{host}/api/v1/{what}?{lim}>; rel=\"self\"")
    };
    if let Ok(v) = HeaderValue::from_str(&self_link) {
        h.append(header::LINK, v);
    }
    if let Some(after) = next {
        let sep = if lim.is_empty() { "" } else { "&" };
        let link = format!("<https://{host}/api/v1/{what}?after={after}{sep}{lim}>; rel=\"next\"");
        if let Ok(v) = HeaderValue::from_str(&link) {
            h.append(header::LINK, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_header_is_lowercased_and_loses_its_port() {
        let uri: axum::http::Uri = "/".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("ACME.okta.com:8443"));
        assert_eq!(host_of(&h, &uri), "acme.okta.com");
        h.insert(header::HOST, HeaderValue::from_static("[::1]:80"));
        assert_eq!(host_of(&h, &uri), "[::1]");
        h.insert(
            header::HOST,
            HeaderValue::from_static("globex.oktapreview.com"),
        );
        assert_eq!(host_of(&h, &uri), "globex.oktapreview.com");
    }

    #[test]
    fn ssws_token_is_extracted() {
        let mut h = HeaderMap::new();
        assert_eq!(token_of(&h), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("SSWS 00abc"),
        );
        assert_eq!(token_of(&h).as_deref(), Some("00abc"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer 00abc"),
        );
        assert_eq!(token_of(&h), None);
    }

    #[test]
    fn redaction_removes_token_shaped_runs() {
        let t = "00demo-acme-super-admin-xxxxxxxxxxxxxxxxxx";
        assert_eq!(
            redact(&format!("/api/v1/users?x={t}")),
            "/api/v1/users?x=[redacted]"
        );
        assert_eq!(
            redact("/api/v1/users/00u1abcdefghijklmnop/roles"),
            "/api/v1/users/00u1abcdefghijklmnop/roles"
        );
        assert_eq!(redact("a\r\nb"), "a??b");
    }

    #[test]
    fn limits_and_pages() {
        assert_eq!(parse_limit(Some("limit=1")), Ok(Some(1)));
        assert_eq!(parse_limit(Some("limit=5000")), Ok(Some(200)));
        assert_eq!(parse_limit(None), Ok(None));
        assert_eq!(parse_limit(Some("limit=abc")), Err(()));
        let items = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        let (p, next) = page(&items, |s| s, 2, None);
        assert_eq!(p.len(), 2);
        assert_eq!(next.as_deref(), Some("b"));
        let (p, next) = page(&items, |s| s, 2, Some("b"));
        assert_eq!(p, vec![&"c".to_string()]);
        assert_eq!(next, None);
    }
}
