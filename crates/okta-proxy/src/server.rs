//! The HTTP server: the [`Front`] service every request passes (the request log and the
//! metrics from each answer, the relay for the proxy's paths), the router behind it for every
//! other endpoint, and starting and stopping.
//!
//! Endpoints: `{prefix}` and everything under it to the forwarding handler
//! ([`crate::relay::forward`]), dispatched by [`Front`] before routing; in the [`router`]:
//! `GET /healthz` and `/readyz` (rate limited, not logged, no CORS), the check server's
//! `/check` and `/.well-known/jwks.json`, the rest to the page (`--serve-dist`) or 404 (with no
//! prefix: to the forwarding handler). `/metrics` is on its own listener (`--metrics-listen`).
//! Both listeners are served by [`crate::listener::serve`], not `axum::serve`: it adds the
//! header-read and idle clocks and the per-client caps that `axum::serve` does not have.

use crate::config::Config;
use crate::error::{Code, LogDetail, ProxyError};
use crate::forward::Upstream;
use crate::log::{Answered, Logger, RequestLog};
use crate::page::plain;
use crate::readiness::Readiness;
use crate::resolve::{Lookup, SystemLookup};
use crate::state::{App, Ops};
use crate::telemetry::{Outcome, Telemetry};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use hyper::body::Incoming;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

pub use crate::relay::{check_authorization, MAX_AUTHORIZATION_BYTES, MAX_HEADER_BYTES};

/// Header on every response in development mode.
pub const DEV_HEADER: HeaderName = HeaderName::from_static("x-okta-link-dev-upstream");
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

/// Why the server did not start.
#[derive(Debug)]
pub enum StartError {
    /// A listener could not be bound (`flag` names which).
    Listen {
        flag: &'static str,
        addr: SocketAddr,
        source: std::io::Error,
    },
    /// The bound address could not be read back.
    Address(std::io::Error),
    /// `--rate-limit-redis` could not be reached or read (the text never holds its password).
    Redis(String),
    /// The HTTP client towards Okta could not be built.
    Client(String),
    /// `--serve-dist`'s files could not be read.
    Page(String),
    /// A `--service-app-key` file was refused (the error names the file, never its content).
    Key(crate::oauth::keys::KeyError),
    /// The `--workers` threads could not be started.
    Workers(std::io::Error),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Listen { flag, addr, source } => {
                write!(f, "{flag}: cannot listen on {addr}: {source}")
            }
            StartError::Address(e) => write!(f, "cannot read the bound address: {e}"),
            StartError::Redis(m) | StartError::Client(m) | StartError::Page(m) => f.write_str(m),
            StartError::Key(e) => write!(f, "{e}"),
            StartError::Workers(e) => write!(f, "--workers: cannot start a worker thread: {e}"),
        }
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StartError::Listen { source, .. }
            | StartError::Address(source)
            | StartError::Workers(source) => Some(source),
            _ => None,
        }
    }
}

async fn bind(flag: &'static str, addr: SocketAddr) -> Result<tokio::net::TcpListener, StartError> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Listen { flag, addr, source })
}

/// Bind and start serving in the background.
pub async fn start(cfg: Config, deps: Deps) -> Result<Running, StartError> {
    let listener = bind("--listen", cfg.listen).await?;
    let addr = listener.local_addr().map_err(StartError::Address)?;
    let metrics_listener = match cfg.metrics_listen {
        None => None,
        Some(m) => Some(bind("--metrics-listen", m).await?),
    };
    let metrics_addr = match &metrics_listener {
        None => None,
        Some(l) => Some(l.local_addr().map_err(StartError::Address)?),
    };
    let limits = crate::listener::Limits::from_config(&cfg);
    let telemetry = if metrics_listener.is_some() {
        Telemetry::prometheus()
    } else {
        Telemetry::off()
    };
    let shared = match &cfg.rate_limit_redis {
        Some(url) if cfg.rate_limit_per_minute > 0 => Some(
            crate::shared_limit::SharedLimiter::connect(url, cfg.rate_limit_per_minute)
                .await
                .map_err(StartError::Redis)?,
        ),
        _ => None,
    };
    let workers = cfg.workers.max(1);
    let upstream = Upstream::new(
        cfg.dev_upstream.clone(),
        cfg.timeout,
        deps.lookup.clone(),
        workers,
    )
    .map_err(StartError::Client)?
    // The relay's calls and the check server's share these.
    .with_limits(cfg.max_concurrent_upstream, cfg.max_body_bytes);
    let keys =
        crate::oauth::keys::ServiceAppKeys::load(&cfg.service_app_keys).map_err(StartError::Key)?;
    let oauth =
        Arc::new(crate::oauth::OAuth::new(keys).map_err(|e| StartError::Client(e.to_string()))?);
    let (readiness, readiness_task) = Readiness::spawn(
        readiness_check(cfg.dev_upstream.clone(), deps.lookup),
        crate::readiness::REFRESH_EVERY,
    );
    let ops = Ops {
        telemetry: telemetry.clone(),
        readiness,
        logger: deps.logger,
        quiet: cfg.quiet,
    };
    let app = match App::new(cfg, upstream, addr, ops, shared, oauth) {
        Ok(app) => Arc::new(app),
        Err(e) => {
            readiness_task.abort();
            return Err(StartError::Page(e));
        }
    };
    let front = Front::new(app.clone());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let spread = if workers > 1 {
        match crate::listener::Workers::start(workers, &front, limits, &stopped) {
            Ok(w) => Some(w),
            Err(e) => {
                readiness_task.abort();
                return Err(StartError::Workers(e));
            }
        }
    } else {
        None
    };
    // Forget the clients whose allowance has refilled (src/ratelimit.rs): the table stays small.
    let limiter = app.limit.local.clone();
    let prune_task = tokio::spawn(async move {
        let mut every = tokio::time::interval(crate::ratelimit::PRUNE_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            limiter.prune();
        }
    });
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
    let task = match spread {
        Some(workers) => tokio::spawn(workers.serve(listener, limits, clients, stopped)),
        None => tokio::spawn(crate::listener::serve(
            listener, front, limits, clients, stopped,
        )),
    };
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

/// The proxy's HTTP service, in front of its router (axum's way to run code before routing):
/// every request and its answer pass [`Front::observe`] (the request log, the metrics, the
/// development header, the refusal of absolute-form targets); the relay's paths, `{prefix}` and
/// everything under it, go to [`crate::relay::forward`] without routing, every other path
/// through [`router`]. The prefix belongs to the relay alone: nothing is routed under it.
/// (Routing and a middleware around each relayed request were ~6 µs of ~44 µs per request;
/// BENCHMARK.md, issue 29.)
#[derive(Clone)]
pub struct Front {
    app: Arc<App>,
    router: Router,
}

impl Front {
    pub fn new(app: Arc<App>) -> Front {
        Front {
            router: router(app.clone()),
            app,
        }
    }

    /// Whether `path` is the relay's: under a non-empty prefix (with none, the relay is the
    /// router's fallback).
    fn relays(&self, path: &str) -> bool {
        !self.app.prefix.is_empty() && self.app.proxy_rest(path).is_some()
    }

    /// Answer one request, and write its log line and metrics from the answer: its status, the
    /// proxy's error code ([`Code`]), the handler that made it ([`Answered`]) and the log-only
    /// detail ([`LogDetail`]) in its extensions. Absolute-form request targets
    /// (`GET http://elsewhere/`) are refused: this is not an open HTTP proxy.
    async fn observe(self, req: hyper::Request<Incoming>) -> Response {
        let started = Instant::now();
        // Put there by the listener for every connection.
        let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>().copied()
        else {
            return plain(StatusCode::INTERNAL_SERVER_ERROR, "no client address\n");
        };
        let method = req.method().clone();
        let absolute = req.uri().scheme().is_some() || req.uri().authority().is_some();
        let relayed = !absolute && self.relays(req.uri().path());
        let Front { app, mut router } = self;
        // The path as asked, for the log line of an answer that names none (the page's files, a
        // proxy request refused before its target was read).
        let path = (!app.ops.quiet).then(|| req.uri().path().to_string());
        let probe = !absolute && matches!(req.uri().path(), HEALTHZ | READYZ);
        let _in_flight = (!probe).then(|| app.ops.telemetry.in_flight());
        let mut res = if absolute {
            let mut r = ProxyError::new(
                Code::BadRequest,
                "absolute-form request targets are not accepted",
            )
            .into_response();
            r.extensions_mut().insert(Answered::Proxy {
                host: None,
                path: None,
            });
            r
        } else if relayed {
            let (parts, _body) = req.into_parts();
            crate::relay::forward(&app, peer, parts).await
        } else {
            match tower_service::Service::call(&mut router, req).await {
                Ok(r) => r,
                Err(never) => match never {},
            }
        };
        // Taken out of the answer: nothing after this reads it.
        let answered = res.extensions_mut().remove::<Answered>();
        let (proxied, host, logged_path) = match answered {
            Some(Answered::Probe) => return res,
            Some(Answered::Proxy { host, path: p }) => (true, host, p),
            _ => (false, None, None),
        };
        let code = res.extensions().get::<Code>().copied();
        app.ops.telemetry.request(if proxied {
            Outcome::of_proxy(code, method == Method::OPTIONS)
        } else {
            Outcome::Page
        });
        if app.dev {
            res.headers_mut()
                .insert(DEV_HEADER, HeaderValue::from_static("1"));
        }
        if !app.ops.quiet {
            let request_id = res
                .headers()
                .get("x-okta-request-id")
                .and_then(|v| v.to_str().ok());
            app.ops.logger.request(&RequestLog {
                client: peer.ip(),
                method: method.as_str(),
                host: host.as_deref(),
                path: logged_path.as_deref().or(path.as_deref()).unwrap_or("/"),
                status: res.status().as_u16(),
                duration: started.elapsed(),
                error: code.map(|c| c.code()),
                request_id,
                detail: res.extensions().get::<LogDetail>().map(|d| d.0.as_str()),
            });
        }
        res
    }
}

impl tower_service::Service<hyper::Request<Incoming>> for Front {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: hyper::Request<Incoming>) -> Self::Future {
        let front = self.clone();
        Box::pin(async move { Ok(front.observe(req).await) })
    }
}

/// The router behind [`Front`]: the probes, the check server's endpoints, the page as the
/// fallback (with no prefix, the forwarding handler is the fallback and there is no page).
fn router(app: Arc<App>) -> Router {
    let probes = Router::new()
        .route(HEALTHZ, get(healthz).fallback(probe_method_not_allowed))
        .route(READYZ, get(readyz).fallback(probe_method_not_allowed))
        .route_layer(middleware::from_fn_with_state(app.clone(), limit_probes));
    let checks = Router::new()
        .route(
            crate::check::endpoint::CHECK_PATH,
            any(crate::check::endpoint::check),
        )
        .route(
            crate::check::endpoint::JWKS_PATH,
            any(crate::check::endpoint::jwks),
        );
    let r = Router::new().merge(probes).merge(checks);
    let r = if app.prefix.is_empty() {
        r.fallback(relay_everything)
    } else {
        r.fallback(page)
    };
    r.with_state(app)
}

/// With no prefix, every path the router does not own is a proxy target.
async fn relay_everything(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    let (parts, _body) = req.into_parts();
    crate::relay::forward(&app, peer, parts).await
}

/// `GET /healthz`: 200 while the server serves.
async fn healthz() -> Response {
    probe(&Method::GET, Ok(()))
}

/// `GET /readyz`: the latest readiness verdict (never a lookup of its own).
async fn readyz(State(app): State<Arc<App>>) -> Response {
    probe(&Method::GET, app.ops.readiness.get().await)
}

/// A probe asked with another method than GET or HEAD.
async fn probe_method_not_allowed(method: Method) -> Response {
    probe(&method, Ok(()))
}

/// The probes' rate limit, per client like proxy requests: over it, the contract's 429, still
/// marked a probe (not logged, not counted).
async fn limit_probes(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    match app.rate_limit(peer.ip()).await {
        Ok(()) => next.run(req).await,
        Err(secs) => {
            let mut r = crate::relay::rate_limited(secs).into_response();
            r.extensions_mut().insert(Answered::Probe);
            r
        }
    }
}

/// The page's files (`--serve-dist`), or 404.
async fn page(State(app): State<Arc<App>>, req: Request) -> Response {
    let (parts, _body) = req.into_parts();
    let mut res = crate::page::answer(app.page.as_ref(), &parts).await;
    res.extensions_mut().insert(Answered::Page);
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
    res.extensions_mut().insert(Answered::Probe);
    res
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

/// The `host:port` a development upstream URL connects to: `http://127.0.0.1` (the origin
/// leaves port 80 out) is `127.0.0.1:80`.
fn dev_upstream_addr(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port_or_known_default()?)))
        .unwrap_or_default()
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
                Some(up) => tokio::net::TcpStream::connect(dev_upstream_addr(&up))
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("the development upstream {up} is unreachable: {e}")),
                None => crate::resolve::GuardedResolver::new(lookup)
                    .resolve_host(READINESS_NAME)
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("the upstream resolver fails: {e}")),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_dev_upstream_on_port_80_is_connected_to_on_port_80() {
        assert_eq!(super::dev_upstream_addr("http://127.0.0.1"), "127.0.0.1:80");
        assert_eq!(
            super::dev_upstream_addr("http://127.0.0.1:8080"),
            "127.0.0.1:8080"
        );
        assert_eq!(super::dev_upstream_addr("http://[::1]:9"), "[::1]:9");
    }
}
