//! The HTTP server: routing between the proxy (`{prefix}/…`) and the page (`--serve-dist`),
//! and the order in which the proxy's checks run.

use crate::config::Config;
use crate::cors::{Cors, OriginCheck};
use crate::error::{Code, ProxyError};
use crate::fault::Fault;
use crate::forward::{verify_custom_domain, DomainCache, DomainStatus, Upstream, UpstreamResponse};
use crate::headers::{HeaderSet, PageHeaderInputs};
use crate::log::{Logger, RequestLog};
use crate::ratelimit::RateLimiter;
use crate::resolve::{Lookup, SystemLookup};
use crate::static_files;
use crate::target::{self, Endpoint, HostVerdict, MAX_TARGET_LEN};
use crate::telemetry::{Outcome, Telemetry};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_layer::Layer;
use tower_service::Service;

/// Largest total size of request headers (names + values).
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Longest `Authorization` value forwarded.
pub const MAX_AUTHORIZATION_BYTES: usize = 2048;
/// Header on every response in development mode.
pub const DEV_HEADER: &str = "x-okta-link-dev-upstream";
/// Liveness: 200 while the server serves.
pub const HEALTHZ: &str = "/healthz";
/// Readiness: 200 when the upstream resolver (or, in development mode, the dev upstream) can be
/// reached, 503 otherwise.
pub const READYZ: &str = "/readyz";
/// The name `/readyz` resolves (through the guarded resolver) to check DNS works.
pub const READINESS_NAME: &str = "login.okta.com";

/// What the server is built from, besides its configuration: swappable in tests.
pub struct Deps {
    pub lookup: Arc<dyn Lookup>,
    pub logger: Logger,
}

impl Deps {
    /// The system resolver, and readable lines on stderr unless `quiet`.
    pub fn system(quiet: bool) -> Self {
        Self::system_as(quiet, crate::config::LogFormat::Text)
    }

    /// The system resolver, and `format` lines on stderr unless `quiet`.
    pub fn system_as(quiet: bool, format: crate::config::LogFormat) -> Self {
        Deps {
            lookup: Arc::new(SystemLookup),
            logger: if quiet {
                Logger::disabled()
            } else {
                Logger::stderr_as(format)
            },
        }
    }
}

/// A started server. Dropping it stops the server and closes every connection at once.
pub struct Running {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`
    pub url: String,
    task: Option<tokio::task::JoinHandle<()>>,
    /// `true` asks the accept loop to stop (see [`crate::listener::serve`]).
    stop: tokio::sync::watch::Sender<bool>,
    /// Where `/metrics` is served (`--metrics-listen`).
    pub metrics_addr: Option<SocketAddr>,
    metrics_task: Option<tokio::task::JoinHandle<()>>,
    /// Prunes the rate limiter's table every [`crate::ratelimit::PRUNE_EVERY`].
    prune_task: tokio::task::JoinHandle<()>,
    /// Refreshes the `/readyz` verdict.
    readiness_task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Serve until the server stops.
    pub async fn wait(mut self) {
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }

    /// Stop accepting, close idle connections, and wait up to `grace` for the requests in
    /// flight to be answered; connections still open then are closed.
    pub async fn shutdown(mut self, grace: Duration) {
        let _ = self.stop.send(true);
        if let Some(mut t) = self.task.take() {
            if tokio::time::timeout(grace, &mut t).await.is_err() {
                t.abort();
                let _ = t.await;
            }
        }
        if let Some(t) = self.metrics_task.take() {
            t.abort();
            let _ = t.await;
        }
        self.prune_task.abort();
        self.readiness_task.abort();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
        if let Some(t) = self.metrics_task.take() {
            t.abort();
        }
        self.prune_task.abort();
        self.readiness_task.abort();
    }
}

/// The router of the metrics listener: `GET /metrics` (Prometheus text format), 404 elsewhere.
fn metrics_router(telemetry: &Telemetry) -> Router {
    let handle = telemetry.handle();
    let metrics = move || {
        let body = handle.as_ref().map(|h| h.render()).unwrap_or_default();
        async move {
            let mut r = (StatusCode::OK, body).into_response();
            let h = r.headers_mut();
            h.insert(
                "content-type",
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            );
            h.insert("cache-control", HeaderValue::from_static("no-store"));
            crate::error::make_inert(h);
            r
        }
    };
    Router::new()
        .route(
            "/metrics",
            axum::routing::get(metrics).fallback(|| async {
                plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n")
            }),
        )
        .fallback(|| async { plain(StatusCode::NOT_FOUND, "not found\n") })
}

/// Bind and start serving in the background.
pub async fn start(cfg: Config, deps: Deps) -> Result<Running, String> {
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", cfg.listen))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the bound address: {e}"))?;
    let metrics_listener = match cfg.metrics_listen {
        None => None,
        Some(m) => Some(
            tokio::net::TcpListener::bind(m)
                .await
                .map_err(|e| format!("--metrics-listen: cannot listen on {m}: {e}"))?,
        ),
    };
    let metrics_addr = match &metrics_listener {
        None => None,
        Some(l) => Some(
            l.local_addr()
                .map_err(|e| format!("cannot read the metrics address: {e}"))?,
        ),
    };
    let limits = crate::listener::Limits::from_config(&cfg);
    let telemetry = if metrics_listener.is_some() {
        Telemetry::prometheus()
    } else {
        Telemetry::off()
    };
    let shared = match &cfg.rate_limit_redis {
        Some(url) if cfg.rate_limit_per_minute > 0 => {
            Some(crate::shared_limit::SharedLimiter::connect(url, cfg.rate_limit_per_minute).await?)
        }
        _ => None,
    };
    if shared.is_some() {
        telemetry.rate_limit_shared(true);
    }
    let (readiness, readiness_task) = crate::readiness::Readiness::spawn(
        readiness_check(cfg.dev_upstream.clone(), deps.lookup.clone()),
        crate::readiness::REFRESH_EVERY,
    );
    let app = App::new(cfg, deps, addr, telemetry.clone(), readiness);
    let mut app = match app {
        Ok(app) => app,
        Err(e) => {
            readiness_task.abort();
            return Err(e);
        }
    };
    app.shared = shared;
    let app = Arc::new(app);
    // Forget the clients whose allowance has refilled (src/ratelimit.rs): the table stays small.
    let limiter = app.limiter.clone();
    let prune_task = tokio::spawn(async move {
        let mut every = tokio::time::interval(crate::ratelimit::PRUNE_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            limiter.prune();
        }
    });
    let router = Router::new().fallback(handle).with_state(app);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    // One connection table for both listeners: the caps count the process's connections.
    let clients = Arc::new(crate::listener::Clients::default());
    let metrics_task = metrics_listener.map(|l| {
        tokio::spawn(crate::listener::serve(
            l,
            metrics_router(&telemetry),
            limits,
            clients.clone(),
            stopped.clone(),
        ))
    });
    let task = tokio::spawn(crate::listener::serve(
        listener, router, limits, clients, stopped,
    ));
    Ok(Running {
        addr,
        url: format!("http://{addr}"),
        task: Some(task),
        stop,
        metrics_addr,
        metrics_task,
        prune_task,
        readiness_task,
    })
}

struct PageState {
    dist: PathBuf,
    /// `dist/` through tower-http, with its `.br` and `.gz` variants (see [`serve_dist`]).
    files: ServeDir,
    page_config: Option<PathBuf>,
    frame_ancestors: Vec<String>,
    connect_src: Vec<String>,
    img_src: Vec<String>,
    /// (index.html the headers were computed from, the headers)
    headers: RwLock<(String, Arc<HeaderSet>)>,
}

impl PageState {
    fn compute(&self, index_html: &str) -> Arc<HeaderSet> {
        Arc::new(crate::headers::page_headers(&PageHeaderInputs {
            index_html,
            frame_ancestors: &self.frame_ancestors,
            connect_src: &self.connect_src,
            img_src: &self.img_src,
        }))
    }

    /// The security headers; recomputed if index.html changed since (a rebuilt dist/).
    async fn security_headers(&self, reread_index: bool) -> Arc<HeaderSet> {
        if reread_index {
            if let Ok(src) = tokio::fs::read_to_string(self.dist.join("index.html")).await {
                let stale = self.headers.read().map(|g| g.0 != src).unwrap_or(true);
                if stale {
                    let h = self.compute(&src);
                    if let Ok(mut g) = self.headers.write() {
                        *g = (src, h.clone());
                    }
                    return h;
                }
            }
        }
        self.headers
            .read()
            .map(|g| g.1.clone())
            .unwrap_or_else(|p| p.into_inner().1.clone())
    }
}

struct App {
    telemetry: Telemetry,
    /// The latest `/readyz` verdict, refreshed by its own task.
    readiness: crate::readiness::Readiness,
    prefix: String,
    cors: Cors,
    upstream: Upstream,
    dev: bool,
    /// DEVELOPMENT ONLY (`--dev-fault`).
    fault: Option<Fault>,
    limiter: Arc<RateLimiter>,
    /// The buckets in Redis (`--rate-limit-redis`); `limiter` while Redis fails.
    shared: Option<crate::shared_limit::SharedLimiter>,
    /// Redis is failing (the last shared check failed).
    shared_down: std::sync::atomic::AtomicBool,
    domains: DomainCache,
    logger: Logger,
    quiet: bool,
    max_body: usize,
    timeout: Duration,
    /// Slots for upstream calls: at most this many in flight, so at most this many bodies of
    /// `max_body` bytes in memory.
    upstream_slots: tokio::sync::Semaphore,
    page: Option<PageState>,
}

impl App {
    fn new(
        cfg: Config,
        deps: Deps,
        addr: SocketAddr,
        telemetry: Telemetry,
        readiness: crate::readiness::Readiness,
    ) -> Result<App, String> {
        let upstream = Upstream::new(cfg.dev_upstream.clone(), cfg.timeout, deps.lookup)?;
        // The proxy's own origin (the page it serves) is always allowed.
        let mut origins = cfg.allow_origins.clone();
        let mut own = vec![format!("http://{addr}")];
        if addr.ip() == IpAddr::from([127, 0, 0, 1]) {
            own.push(format!("http://localhost:{}", addr.port()));
        }
        for o in own {
            if !origins.contains(&o) {
                origins.push(o);
            }
        }
        let page = match &cfg.serve_dist {
            None => None,
            Some(dist) => {
                let (index, connect_src, img_src) =
                    crate::page_inputs(dist, cfg.page_config.as_deref(), &cfg.connect_src)?;
                let mut state = PageState {
                    dist: dist.clone(),
                    files: ServeDir::new(dist)
                        .precompressed_br()
                        .precompressed_gzip()
                        .append_index_html_on_directories(false),
                    page_config: cfg.page_config.clone(),
                    frame_ancestors: cfg.allow_origins.clone(),
                    connect_src,
                    img_src,
                    headers: RwLock::new((String::new(), Arc::new(Vec::new()))),
                };
                let h = state.compute(&index);
                state.headers = RwLock::new((index, h));
                Some(state)
            }
        };
        Ok(App {
            telemetry,
            readiness,
            prefix: cfg.prefix,
            cors: Cors::new(origins),
            upstream,
            dev: cfg.dev_upstream.is_some(),
            fault: cfg.dev_fault.filter(|_| cfg.dev_upstream.is_some()),
            limiter: Arc::new(RateLimiter::new(cfg.rate_limit_per_minute)),
            shared: None,
            shared_down: std::sync::atomic::AtomicBool::new(false),
            domains: DomainCache::default(),
            logger: deps.logger,
            quiet: cfg.quiet,
            max_body: cfg.max_body_bytes,
            timeout: cfg.timeout,
            upstream_slots: tokio::sync::Semaphore::new(cfg.max_concurrent_upstream),
            page,
        })
    }

    /// Take a token for `ip`: from the shared buckets when configured and answering, else from
    /// this replica's own. Each change between the two is logged and in the metrics.
    async fn rate_limit(&self, ip: IpAddr) -> Result<(), u64> {
        use crate::shared_limit::Shared;
        use std::sync::atomic::Ordering;
        let Some(shared) = &self.shared else {
            return self.limiter.check(ip);
        };
        match shared.check(ip).await {
            Shared::Answer(v) => {
                if self.shared_down.swap(false, Ordering::SeqCst) {
                    self.logger.warn(
                        "okta-proxy: rate limit: Redis answers again; the buckets are shared \
                         across replicas again",
                    );
                    self.telemetry.rate_limit_shared(true);
                }
                v
            }
            Shared::Failed(why) => {
                if !self.shared_down.swap(true, Ordering::SeqCst) {
                    self.logger.warn(&format!(
                        "okta-proxy: rate limit: Redis fails ({why}); falling back to a \
                         per-replica limit until it answers again"
                    ));
                    self.telemetry.rate_limit_shared(false);
                }
                self.telemetry.rate_limit_fallback();
                self.limiter.check(ip)
            }
            Shared::Skipped => {
                self.telemetry.rate_limit_fallback();
                self.limiter.check(ip)
            }
        }
    }

    /// What follows the prefix, if this is a proxy request.
    fn proxy_rest<'a>(&self, raw: &'a str) -> Option<&'a str> {
        if self.prefix.is_empty() {
            return Some(raw);
        }
        let rest = raw.strip_prefix(self.prefix.as_str())?;
        (rest.is_empty() || rest.starts_with('/') || rest.starts_with('?')).then_some(rest)
    }
}

/// The readiness check run by [`crate::readiness`]'s task: in development mode a TCP
/// connection to the dev upstream; otherwise [`READINESS_NAME`] resolves, through the guarded
/// resolver, to public addresses.
fn readiness_check(
    dev_upstream: Option<String>,
    lookup: Arc<dyn Lookup>,
) -> impl Fn() -> crate::readiness::CheckFuture + Send + 'static {
    move || {
        let dev_upstream = dev_upstream.clone();
        let lookup = lookup.clone();
        Box::pin(async move {
            match dev_upstream {
                Some(up) => {
                    let hostport = up.trim_start_matches("http://").to_string();
                    tokio::net::TcpStream::connect(hostport)
                        .await
                        .map(|_| ())
                        .map_err(|e| format!("the development upstream {up} is unreachable: {e}"))
                }
                None => crate::resolve::GuardedResolver::new(lookup)
                    .resolve_host(READINESS_NAME)
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("the upstream resolver fails: {e}")),
            }
        })
    }
}

async fn handle(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    let started = Instant::now();
    let (parts, _body) = req.into_parts();
    if parts.uri.scheme().is_none() && parts.uri.authority().is_none() {
        // Health and readiness: no CORS, not logged, before the proxy and the page; rate
        // limited per client like proxy requests.
        if matches!(parts.uri.path(), HEALTHZ | READYZ) {
            if let Err(secs) = app.rate_limit(peer.ip()).await {
                return rate_limited(secs).into_response();
            }
        }
        match parts.uri.path() {
            HEALTHZ => return probe(&parts.method, Ok(())),
            READYZ => {
                let ready = if parts.method == Method::GET || parts.method == Method::HEAD {
                    app.readiness.get().await
                } else {
                    Ok(())
                };
                return probe(&parts.method, ready);
            }
            _ => {}
        }
    }
    let raw = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/")
        .to_string();
    let _in_flight = app.telemetry.in_flight();
    let mut log_host: Option<String> = None;
    let mut log_path = parts.uri.path().to_string();
    let mut is_page = false;
    let mut res = if parts.uri.scheme().is_some() || parts.uri.authority().is_some() {
        // `GET http://elsewhere/ HTTP/1.1`: this is not an open HTTP proxy.
        ProxyError::new(
            Code::BadRequest,
            "absolute-form request targets are not accepted",
        )
        .into_response()
    } else if let Some(rest) = app.proxy_rest(&raw) {
        proxy(&app, &parts, peer.ip(), rest, &mut log_host, &mut log_path).await
    } else {
        is_page = true;
        page(&app, &parts).await
    };
    let code = res.extensions().get::<Code>().copied();
    app.telemetry.request(if is_page {
        Outcome::Page
    } else {
        Outcome::of_proxy(code, parts.method == Method::OPTIONS)
    });
    if app.dev {
        res.headers_mut()
            .insert(DEV_HEADER, HeaderValue::from_static("1"));
    }
    if !app.quiet {
        let request_id = res
            .headers()
            .get("x-okta-request-id")
            .and_then(|v| v.to_str().ok());
        app.logger.request(&RequestLog {
            client: peer.ip(),
            method: parts.method.as_str(),
            host: log_host.as_deref(),
            path: &log_path,
            status: res.status().as_u16(),
            duration: started.elapsed(),
            error: code.map(|c| c.code()),
            request_id,
            detail: res
                .extensions()
                .get::<crate::error::LogDetail>()
                .map(|d| d.0.as_str()),
        });
    }
    res
}

async fn proxy(
    app: &App,
    parts: &Parts,
    ip: IpAddr,
    rest: &str,
    log_host: &mut Option<String>,
    log_path: &mut String,
) -> Response {
    let origin = app.cors.check(&parts.headers);
    if app.fault == Some(Fault::Stall) && parts.method != Method::OPTIONS {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    let mut res = match proxy_checked(app, parts, ip, rest, &origin, log_host, log_path).await {
        Ok(r) => r,
        Err(e) => {
            if log_host.is_none() {
                log_host.clone_from(&e.target);
            }
            e.into_response()
        }
    };
    let h = res.headers_mut();
    if let OriginCheck::Allowed(o) = &origin {
        if app.fault != Some(Fault::NoCors) {
            Cors::apply(h, o);
        }
    }
    h.insert("vary", HeaderValue::from_static("Origin"));
    h.insert("cache-control", HeaderValue::from_static("no-store"));
    // Proxied answers, errors and preflights alike: never a document on this origin.
    crate::error::make_inert(h);
    if app.fault == Some(Fault::Reset) && parts.method != Method::OPTIONS {
        return crate::fault::reset(res).await;
    }
    res
}

/// The contract's 429 with `Retry-After`.
fn rate_limited(secs: u64) -> ProxyError {
    let mut e = ProxyError::new(
        Code::RateLimited,
        format!("too many requests from this client; retry in {secs} s"),
    );
    e.retry_after = Some(secs);
    e
}

fn header_bytes(h: &HeaderMap) -> usize {
    h.iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum()
}

/// The Authorization header to pass on verbatim, after checking it is sane.
pub fn check_authorization(h: &HeaderMap) -> Result<Option<&HeaderValue>, ProxyError> {
    let mut all = h.get_all("authorization").iter();
    let first = all.next();
    if all.next().is_some() {
        return Err(ProxyError::new(
            Code::BadRequest,
            "more than one Authorization header",
        ));
    }
    if let Some(v) = first {
        if v.len() > MAX_AUTHORIZATION_BYTES {
            return Err(ProxyError::new(
                Code::BadRequest,
                format!("the Authorization header is longer than {MAX_AUTHORIZATION_BYTES} bytes"),
            ));
        }
        if v.as_bytes()
            .iter()
            .any(|&b| (b < 0x20 && b != b'\t') || b >= 0x7f)
        {
            return Err(ProxyError::new(
                Code::BadRequest,
                "the Authorization header contains control or non-ASCII characters",
            ));
        }
    }
    Ok(first)
}

async fn proxy_checked(
    app: &App,
    parts: &Parts,
    ip: IpAddr,
    rest: &str,
    origin: &OriginCheck,
    log_host: &mut Option<String>,
    log_path: &mut String,
) -> Result<Response, ProxyError> {
    let raw_len = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().len())
        .unwrap_or(0);
    if raw_len > MAX_TARGET_LEN {
        return Err(ProxyError::new(
            Code::BadRequest,
            format!("request target longer than {MAX_TARGET_LEN} bytes"),
        ));
    }
    if header_bytes(&parts.headers) > MAX_HEADER_BYTES {
        return Err(ProxyError::new(
            Code::BadRequest,
            format!("request headers larger than {MAX_HEADER_BYTES} bytes"),
        )
        .with_status(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE));
    }
    let preflight = parts.method == Method::OPTIONS;
    // Preflights count like the requests they announce.
    app.rate_limit(ip).await.map_err(rate_limited)?;
    let allowed_origin = match origin {
        OriginCheck::Refused => {
            return Err(ProxyError::new(
                Code::OriginNotAllowed,
                "this page's origin is not allowed to use the proxy (see --allow-origin)",
            ))
        }
        OriginCheck::Allowed(o) => Some(o),
        OriginCheck::Absent => None,
    };
    if preflight {
        let Some(o) = allowed_origin else {
            return Err(ProxyError::new(
                Code::MethodNotAllowed,
                "OPTIONS is only answered as a CORS preflight (with an Origin)",
            ));
        };
        let mut res = StatusCode::NO_CONTENT.into_response();
        Cors::apply_preflight(res.headers_mut(), o);
        return Ok(res);
    }
    if parts.method != Method::GET {
        return Err(ProxyError::new(
            Code::MethodNotAllowed,
            format!(
                "{} is not forwarded: the proxy forwards only GET",
                crate::log::sanitize(parts.method.as_str(), 16)
            ),
        ));
    }
    let target = target::parse(rest)?;
    *log_host = Some(target.host.clone());
    log_path.clone_from(&target.path);
    let auth =
        check_authorization(&parts.headers).map_err(|e| e.with_target(Some(&target.host)))?;
    // The token goes only to Okta org hosts; a custom domain is asked only for its well-known
    // document, without it (target::parse already refused its API paths).
    let auth = auth.filter(|_| target.verdict == HostVerdict::OktaOrg);
    // One deadline for the slot, the custom-domain check and the call, answered as the
    // contract's 504 `upstream_timeout` naming the target. (Not tower-http's TimeoutLayer: that
    // answers an empty 408, and would also cut preflights, probes and the page.)
    let deadline = Instant::now() + app.timeout;
    // Wait for a free upstream slot within the request's own time limit.
    let _slot = match tokio::time::timeout_at(deadline.into(), app.upstream_slots.acquire()).await {
        Ok(Ok(slot)) => slot,
        _ => {
            return Err(ProxyError::new(
                Code::UpstreamTimeout,
                "the proxy is at its limit of concurrent upstream calls; try again",
            )
            .with_target(Some(&target.host)))
        }
    };
    let up = if target.verdict == HostVerdict::CustomDomain {
        // A custom domain is only ever asked for its well-known document (target::parse), and
        // what is relayed is the document that was just checked to name an Okta org.
        let hit = !matches!(
            app.domains.get(&target.host, Instant::now()),
            DomainStatus::Unknown
        );
        app.telemetry.well_known_cache(hit);
        let t0 = Instant::now();
        let checked =
            verify_custom_domain(&app.upstream, &app.domains, &target.host, deadline).await;
        let answered = match &checked {
            Ok(_) => true,
            // Refused after an answer that names no Okta org.
            Err(e) => e.code == Code::TargetRefused,
        };
        app.telemetry.upstream_check(answered, t0.elapsed());
        let r = checked?;
        app.telemetry.upstream_class(r.status.as_u16());
        r
    } else {
        // The well-known document of an Okta host is as small as a custom domain's.
        let max_body = match target.endpoint {
            Endpoint::WellKnown => crate::forward::WELL_KNOWN_MAX_BYTES.min(app.max_body),
            _ => app.max_body,
        };
        let t0 = Instant::now();
        let got = app
            .upstream
            .get(
                &target.host,
                &target.path_and_query(),
                auth,
                deadline,
                max_body,
            )
            .await;
        match &got {
            Ok(r) => app
                .telemetry
                .upstream_answer(r.status.as_u16(), t0.elapsed()),
            Err(_) => app.telemetry.upstream_error(t0.elapsed()),
        }
        got?
    };
    Ok(upstream_response(up))
}

/// Okta's answer as the page gets it: status, body bytes and the passed headers, with an inert
/// content type (JSON or plain text) and the upstream's own type in
/// `X-Okta-Link-Upstream-Content-Type` for the page's diagnosis.
fn upstream_response(up: UpstreamResponse) -> Response {
    let UpstreamResponse {
        status,
        mut headers,
        body,
    } = up;
    let original = headers.remove("content-type");
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = status;
    let h = res.headers_mut();
    h.extend(headers);
    h.insert(
        "content-type",
        HeaderValue::from_static(crate::forward::inert_content_type(original.as_ref())),
    );
    h.insert(
        okta_link::core::outcome::UPSTREAM_CONTENT_TYPE_HEADER,
        crate::forward::upstream_type_value(original.as_ref()),
    );
    crate::error::make_inert(h);
    res
}

/// The answer of `/healthz` and `/readyz`: JSON, inert, never cached.
fn probe(method: &Method, state: Result<(), String>) -> Response {
    let mut res = if method != Method::GET && method != Method::HEAD {
        let mut r = plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
        r.headers_mut()
            .insert("allow", HeaderValue::from_static("GET, HEAD"));
        r
    } else {
        let (status, body) = match state {
            Ok(()) => (StatusCode::OK, serde_json::json!({ "status": "ok" })),
            Err(reason) => (
                StatusCode::SERVICE_UNAVAILABLE,
                serde_json::json!({ "status": "unavailable", "reason": reason }),
            ),
        };
        let mut r = (status, body.to_string()).into_response();
        r.headers_mut().insert(
            "content-type",
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        r
    };
    let h = res.headers_mut();
    h.insert("cache-control", HeaderValue::from_static("no-store"));
    crate::error::make_inert(h);
    res
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut r = (status, text).into_response();
    r.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

async fn page(app: &App, parts: &Parts) -> Response {
    let Some(page) = &app.page else {
        return plain(StatusCode::NOT_FOUND, "not found\n");
    };
    let path = parts.uri.path();
    let rel = static_files::relative_path(path);
    let is_index = rel.as_deref() == Some(Path::new("index.html"));
    let headers = page.security_headers(is_index).await;
    let mut res = if parts.method != Method::GET && parts.method != Method::HEAD {
        let mut r = plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
        r.headers_mut()
            .insert("allow", HeaderValue::from_static("GET, HEAD"));
        r
    } else if path == "/config.json" && page.page_config.is_some() {
        // The operator's own file, named on the command line: links are followed, no variants.
        let file = page.page_config.as_deref().unwrap_or(Path::new(""));
        if is_file(file).await {
            let ct = static_files::content_type(file);
            serve(ServeFile::new(file), parts, "/", None, ct, "no-cache").await
        } else {
            plain(StatusCode::NOT_FOUND, "not found\n")
        }
    } else {
        match rel {
            Some(rel) => serve_dist(page, parts, &rel).await,
            None => plain(StatusCode::NOT_FOUND, "not found\n"),
        }
    };
    let h = res.headers_mut();
    for (k, v) in headers.iter() {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(*k, v);
        }
    }
    res
}

async fn is_file(p: &Path) -> bool {
    tokio::fs::metadata(p).await.is_ok_and(|m| m.is_file())
}

/// Whether `p` is a regular file whose real path (every symlink resolved) is inside `root`.
async fn servable(root: &Path, p: &Path) -> bool {
    match static_files::real_path_within(root, p).await {
        Some(real) => is_file(&real).await,
        None => false,
    }
}

/// `dist/<rel>` through [`PageState::files`] (tower-http's `ServeDir`). `ServeDir` follows
/// symlinks, so our rule runs first: the file, and any precompressed variant served in its
/// place, must be a regular file whose real path stays inside `dist/`; otherwise 404 (or the
/// plain file). The variant is chosen here by today's rule
/// ([`static_files::encodings_to_try`]) and handed to `ServeDir` as the request's only
/// `Accept-Encoding`, so `ServeDir` never opens a variant that was not checked.
async fn serve_dist(page: &PageState, parts: &Parts, rel: &Path) -> Response {
    let file = page.dist.join(rel);
    if !servable(&page.dist, &file).await {
        return plain(StatusCode::NOT_FOUND, "not found\n");
    }
    let accept_encoding = parts
        .headers
        .get("accept-encoding")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut coding = "identity";
    for (c, suffix) in static_files::encodings_to_try(accept_encoding) {
        let mut variant = file.clone().into_os_string();
        variant.push(suffix);
        if servable(&page.dist, Path::new(&variant)).await {
            coding = c;
            break;
        }
    }
    // `rel` is made of `[A-Za-z0-9._-]` segments (static_files::relative_path): a plain URI path.
    let uri_path = format!("/{}", rel.to_string_lossy());
    serve(
        page.files.clone(),
        parts,
        &uri_path,
        Some(coding),
        static_files::content_type(rel),
        static_files::cache_control(rel),
    )
    .await
}

/// Call a tower-http file service (`ServeDir`/`ServeFile`) for `uri_path` with the request's
/// headers (conditional and range requests are its business), under our header policy: the
/// content type by our table, `Cache-Control`, and `Vary: Accept-Encoding`, set by
/// `SetResponseHeaderLayer`s. A file that vanished or cannot be read answers our plain 404.
async fn serve<S, B>(
    files: S,
    parts: &Parts,
    uri_path: &str,
    accept_encoding: Option<&'static str>,
    content_type: &'static str,
    cache_control: &'static str,
) -> Response
where
    S: Service<Request<Body>, Response = Response<B>, Error = Infallible>,
    B: http_body::Body<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let ct = HeaderValue::from_static(content_type);
    // Only on answers that carry a file (ServeDir types those by extension, we by our table).
    let typed = move |r: &Response<B>| {
        r.headers()
            .contains_key(header::CONTENT_TYPE)
            .then(|| ct.clone())
    };
    let mut svc = SetResponseHeaderLayer::overriding(header::CONTENT_TYPE, typed).layer(
        SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static(cache_control),
        )
        .layer(
            SetResponseHeaderLayer::overriding(
                header::VARY,
                HeaderValue::from_static("Accept-Encoding"),
            )
            .layer(files),
        ),
    );
    let mut req = Request::new(Body::empty());
    *req.method_mut() = parts.method.clone();
    *req.uri_mut() = match uri_path.parse() {
        Ok(u) => u,
        Err(_) => return plain(StatusCode::NOT_FOUND, "not found\n"),
    };
    *req.headers_mut() = parts.headers.clone();
    if let Some(coding) = accept_encoding {
        req.headers_mut()
            .insert(header::ACCEPT_ENCODING, HeaderValue::from_static(coding));
    }
    let res = match std::future::poll_fn(|cx| svc.poll_ready(cx)).await {
        Ok(()) => svc.call(req).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(r) if r.status() != StatusCode::NOT_FOUND && !r.status().is_server_error() => {
            r.map(Body::new)
        }
        _ => plain(StatusCode::NOT_FOUND, "not found\n"),
    }
}
