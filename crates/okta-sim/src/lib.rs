//! A local Okta simulator for okta-link's development and tests.
//!
//! It serves the fake orgs of `fixtures.json` by `Host` header (port stripped, lowercased) with
//! the shapes of the real endpoints the link page calls, Okta's error bodies and headers, and a
//! set of fault hosts that misbehave on demand. It plays the org authorization server's OAuth
//! 2.0 client-credentials flow for the fixtures' service apps and OIN integrations (`oauth`),
//! verifying client assertions and DPoP proofs for real (`jose`). Control endpoints under
//! `/__sim/` expose the request log, reset state and return the fixture file.
//!
//! This module holds the simulator's state (hosts, tokens, request log, rate-limit counters) and
//! the Okta-shaped headers and errors built from it; the routes live in `routes` and `api`. It
//! must never keep or print a header value or a request body: the request log and the stderr
//! log hold method, host and path only, with anything token-shaped redacted.
//!
//! ```no_run
//! # async fn demo() {
//! let sim = okta_sim::Sim::new(okta_sim::SimConfig::default());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
//! okta_sim::serve(listener, sim).await.unwrap();
//! # }
//! ```

mod answer;
mod api;
mod faults;
pub mod fixtures;
mod jose;
mod oauth;
mod okta;
mod routes;
mod site;
mod time;

use answer::{set, Answer, REQUEST_ID, RL_LIMIT, RL_REMAINING, RL_RESET};
use axum::http::{header, HeaderMap, HeaderName, Method, StatusCode};
use axum::Router;
use fixtures::{Access, Behavior, Fixtures, Org};
use okta::{OktaError, WELL_KNOWN};
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
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
    /// Lifetime of the OAuth access tokens the token endpoint issues (Okta: one hour).
    pub token_lifetime: Duration,
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
            token_lifetime: Duration::from_secs(3600),
            log: LogSink::Stderr,
        }
    }
}

impl Default for SimConfig {
    fn default() -> SimConfig {
        SimConfig::from_fixtures(&Fixtures::embedded())
    }
}

/// How many requests `/__sim/requests` keeps: the most recent ones. A test reads a handful after
/// `/__sim/reset`; a long-running simulator under load (the demo, the benchmark's million
/// requests) stays bounded in memory, and never stalls every request to grow a log.
pub const REQUEST_LOG_LIMIT: usize = 10_000;

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

/// What a `Host` names.
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
    /// At most [`REQUEST_LOG_LIMIT`], oldest first.
    requests: VecDeque<RequestRecord>,
    limited: HashMap<String, LimitState>,
    /// (org host, bucket) → (window start, epoch s; calls in the window).
    buckets: HashMap<(String, &'static str), (u64, u64)>,
}

/// The state behind every handler (axum's `State<Arc<Inner>>`).
pub(crate) struct Inner {
    fixtures: Fixtures,
    hosts: HashMap<String, Target>,
    /// token → (org index, token index)
    tokens: HashMap<String, (usize, usize)>,
    /// OAuth client id → (org index, app index)
    clients: HashMap<String, (usize, usize)>,
    /// Issued access tokens, seen `jti`s, DPoP nonces.
    oauth: Mutex<oauth::OAuthState>,
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
        let mut clients = HashMap::new();
        for (i, org) in fixtures.orgs.iter().enumerate() {
            for (j, a) in org.apps.iter().enumerate() {
                clients.insert(a.client_id.clone(), (i, j));
            }
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
                clients,
                oauth: Mutex::new(oauth::OAuthState::default()),
                cfg,
                start: Instant::now(),
                seed,
                counter: AtomicU64::new(0),
                state: Mutex::new(SimState::default()),
            }),
        }
    }

    /// The axum router: a route per Okta endpoint and per control endpoint (see `routes`).
    pub fn router(&self) -> Router {
        routes::router(self.inner.clone())
    }

    /// The requests served so far, the last [`REQUEST_LOG_LIMIT`] (what `/__sim/requests`
    /// returns).
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.inner.requests()
    }

    /// Clear the request log and all rate-limit state (what `/__sim/reset` does).
    pub fn reset(&self) {
        self.inner.reset();
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
    } else if path == oauth::TOKEN_PATH {
        ("oauth2-token", 600, 60)
    } else {
        ("api", 600, 60)
    }
}

impl Inner {
    fn org(&self, index: usize) -> &Org {
        &self.fixtures.orgs[index]
    }

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
        let mut st = lock(&self.state);
        if st.requests.len() >= REQUEST_LOG_LIMIT {
            st.requests.pop_front();
        }
        st.requests.push_back(rec);
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

    fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.state).requests.iter().cloned().collect()
    }

    fn reset(&self) {
        let mut st = lock(&self.state);
        st.requests.clear();
        st.limited.clear();
        st.buckets.clear();
    }

    /// `Xsim` + 16 hex: unique per response, different on every run.
    fn request_id(&self) -> String {
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

    /// Okta's error answer: its status, its JSON body, and `WWW-Authenticate` for a 401.
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

    /// The token of org `org_index` a request's token stands for (its index in the org's
    /// list), if any.
    fn resolve_token(&self, org_index: usize, token: &str, policy: TokenPolicy) -> Option<usize> {
        let &(oi, ti) = self.tokens.get(token)?;
        match policy {
            TokenPolicy::Own => (oi == org_index).then_some(ti),
            TokenPolicy::AnyFixture => self
                .org(org_index)
                .tokens
                .iter()
                .position(|t| t.behavior == Behavior::Ok && t.access.contains(&Access::Roles)),
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
