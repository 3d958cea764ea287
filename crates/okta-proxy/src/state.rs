//! What the server's handlers share, grouped by concern: operations (metrics, readiness, the
//! log), the rate limit, the forwarding to Okta, and the page. Built once at start; never holds
//! a request's data, so nothing of one request (a token above all) outlives it here.

use crate::config::Config;
use crate::cors::Cors;
use crate::fault::Fault;
use crate::forward::{DomainCache, Upstream};
use crate::log::Logger;
use crate::page::PageState;
use crate::ratelimit::RateLimiter;
use crate::readiness::Readiness;
use crate::shared_limit::{Shared, SharedLimiter};
use crate::telemetry::Telemetry;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The state of the proxy's router.
pub struct App {
    /// The path the proxy answers under (`/okta`), or empty: every path is a proxy target.
    pub prefix: String,
    /// Development mode (`--dev-upstream`): every answer says so in a header.
    pub dev: bool,
    pub ops: Ops,
    pub limit: Limit,
    pub relay: Relay,
    /// `--serve-dist`.
    pub page: Option<PageState>,
    /// The check server (`POST /check`, `GET /.well-known/jwks.json`).
    pub checks: Checks,
}

/// The check server.
pub struct Checks {
    pub driver: Arc<crate::check::Driver>,
    /// `/check`'s own per-client rate limit (`--check-rate-limit-per-minute`).
    pub limiter: Arc<RateLimiter>,
    /// Checks in flight at once; more are answered 429.
    pub slots: tokio::sync::Semaphore,
    /// How long the request body may take to arrive (`--header-read-timeout-ms`: the clock
    /// that bounds a request head bounds its small body too).
    pub body_timeout: Duration,
    pub options: crate::check::Options,
    /// `{"keys": [...]}` when service app keys are configured.
    pub jwks: Option<String>,
}

/// Checks in flight at once.
pub const MAX_CHECKS_IN_FLIGHT: usize = 64;

/// Operations: what the operator reads.
pub struct Ops {
    pub telemetry: Telemetry,
    /// The latest `/readyz` verdict, refreshed by its own task.
    pub readiness: Readiness,
    pub logger: Logger,
    /// `--quiet`: no request lines.
    pub quiet: bool,
}

/// The per-client rate limit: Redis's shared buckets when configured and answering, else this
/// replica's own.
pub struct Limit {
    pub local: Arc<RateLimiter>,
    /// The buckets in Redis (`--rate-limit-redis`); `local` while Redis fails.
    pub shared: Option<SharedLimiter>,
    /// Redis is failing (the last shared check failed).
    shared_down: AtomicBool,
}

/// Forwarding to Okta.
pub struct Relay {
    pub cors: Cors,
    pub upstream: Upstream,
    /// Custom domains recently refused.
    pub domains: DomainCache,
    /// DEVELOPMENT ONLY (`--dev-fault`).
    pub fault: Option<Fault>,
    pub max_body: usize,
    pub timeout: Duration,
}

impl App {
    /// The state for `cfg`, served at `addr` (whose own origin may always use the proxy).
    pub fn new(
        cfg: Config,
        upstream: Upstream,
        addr: SocketAddr,
        ops: Ops,
        shared: Option<SharedLimiter>,
        oauth: Arc<crate::oauth::OAuth>,
    ) -> Result<App, String> {
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
            Some(dist) => Some(PageState::new(
                dist,
                cfg.page_config.as_deref(),
                &cfg.allow_origins,
                &cfg.connect_src,
            )?),
        };
        if shared.is_some() {
            ops.telemetry.rate_limit_shared(true);
        }
        let jwks = oauth.keys.as_ref().map(|k| k.jwks_json());
        let checks = Checks {
            driver: Arc::new(crate::check::Driver::new(upstream.clone(), oauth)),
            limiter: Arc::new(RateLimiter::new(cfg.check_rate_limit_per_minute)),
            slots: tokio::sync::Semaphore::new(MAX_CHECKS_IN_FLIGHT),
            body_timeout: cfg.header_read_timeout,
            options: crate::check::Options {
                upstream_timeout: cfg.timeout,
                dev_upstream: cfg.dev_upstream.clone(),
                ..crate::check::Options::default()
            },
            jwks,
        };
        Ok(App {
            prefix: cfg.prefix,
            dev: cfg.dev_upstream.is_some(),
            ops,
            limit: Limit {
                local: Arc::new(RateLimiter::new(cfg.rate_limit_per_minute)),
                shared,
                shared_down: AtomicBool::new(false),
            },
            relay: Relay {
                cors: Cors::new(origins),
                upstream,
                domains: DomainCache::default(),
                fault: cfg.dev_fault.filter(|_| cfg.dev_upstream.is_some()),
                max_body: cfg.max_body_bytes,
                timeout: cfg.timeout,
            },
            page,
            checks,
        })
    }

    /// Take a rate-limit token for `ip` (`Err`: seconds to wait).
    pub async fn rate_limit(&self, ip: IpAddr) -> Result<(), u64> {
        self.limit.check(ip, &self.ops).await
    }

    /// What follows the prefix, if `raw` (a path and query) is a proxy request.
    pub fn proxy_rest<'a>(&self, raw: &'a str) -> Option<&'a str> {
        if self.prefix.is_empty() {
            return Some(raw);
        }
        let rest = raw.strip_prefix(self.prefix.as_str())?;
        (rest.is_empty() || rest.starts_with('/') || rest.starts_with('?')).then_some(rest)
    }
}

impl Limit {
    /// Take a token for `ip`: from the shared buckets when configured and answering, else from
    /// this replica's own. Each change between the two is logged and in the metrics.
    pub async fn check(&self, ip: IpAddr, ops: &Ops) -> Result<(), u64> {
        let Some(shared) = &self.shared else {
            return self.local.check(ip);
        };
        match shared.check(ip).await {
            Shared::Answer(v) => {
                if self.shared_down.swap(false, Ordering::SeqCst) {
                    ops.logger.warn(
                        "okta-proxy: rate limit: Redis answers again; the buckets are shared \
                         across replicas again",
                    );
                    ops.telemetry.rate_limit_shared(true);
                }
                v
            }
            Shared::Failed(why) => {
                if !self.shared_down.swap(true, Ordering::SeqCst) {
                    ops.logger.warn(&format!(
                        "okta-proxy: rate limit: Redis fails ({why}); falling back to a \
                         per-replica limit until it answers again"
                    ));
                    ops.telemetry.rate_limit_shared(false);
                }
                ops.telemetry.rate_limit_fallback();
                self.local.check(ip)
            }
            Shared::Skipped => {
                ops.telemetry.rate_limit_fallback();
                self.local.check(ip)
            }
        }
    }
}
