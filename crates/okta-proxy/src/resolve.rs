//! DNS for upstream connections, with every answer vetted by [`crate::ip`].
//!
//! [`GuardedResolver`] is the upstream client's resolver ([`Resolver::Guarded`]), so the
//! addresses it returns are the only ones the client connects to: a name that resolves to loopback, a private network,
//! link-local or a metadata service is refused before any connection, and a rebinding answer
//! later on is vetted again. The lookup itself is behind the [`Lookup`] trait so tests can use
//! a static table ([`StaticLookup`]) instead of the system resolver.

use crate::ip::forbidden_reason;
use hyper_util::client::legacy::connect::dns::Name;
use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

pub type LookupFuture = Pin<Box<dyn Future<Output = io::Result<Vec<IpAddr>>> + Send>>;

/// Name → addresses. `Err` or an empty list means the name does not resolve.
pub trait Lookup: Send + Sync + 'static {
    fn lookup(&self, host: &str) -> LookupFuture;
}

/// At most this many system lookups run at once in the process. getaddrinfo blocks a thread of
/// tokio's blocking pool until it answers, and a resolver that never answers would otherwise
/// grow the pool by one thread per lookup (up to 512 threads): later lookups wait for a slot
/// (within their caller's time limit) instead.
pub const MAX_CONCURRENT_LOOKUPS: usize = 16;

static LOOKUP_SLOTS: tokio::sync::Semaphore =
    tokio::sync::Semaphore::const_new(MAX_CONCURRENT_LOOKUPS);

/// The operating system's resolver: getaddrinfo on tokio's blocking pool, at most
/// [`MAX_CONCURRENT_LOOKUPS`] at once in the process.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemLookup;

impl Lookup for SystemLookup {
    fn lookup(&self, host: &str) -> LookupFuture {
        let host = host.to_string();
        Box::pin(bounded_blocking(&LOOKUP_SLOTS, move || {
            use std::net::ToSocketAddrs;
            Ok((host.as_str(), 0)
                .to_socket_addrs()?
                .map(|a| a.ip())
                .collect())
        }))
    }
}

/// Run the blocking `lookup` on tokio's blocking pool once a slot of `slots` is free. The slot is
/// held by the blocking call itself, not by the future awaiting it: a caller that gives up (its
/// deadline) does not free the slot while its thread is still blocked.
async fn bounded_blocking<F>(
    slots: &'static tokio::sync::Semaphore,
    lookup: F,
) -> io::Result<Vec<IpAddr>>
where
    F: FnOnce() -> io::Result<Vec<IpAddr>> + Send + 'static,
{
    let slot = slots
        .acquire()
        .await
        .map_err(|_| io::Error::other("the lookup slots are closed"))?;
    // The permit moves into the blocking closure: released when getaddrinfo returns.
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        lookup()
    })
    .await
    .map_err(|_| io::Error::other("the lookup task failed"))?
}

/// A fixed table, for tests: unknown names do not resolve.
#[derive(Debug, Default, Clone)]
pub struct StaticLookup {
    table: HashMap<String, Vec<IpAddr>>,
}

impl StaticLookup {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, host: &str, addrs: &[IpAddr]) -> Self {
        self.table.insert(host.to_string(), addrs.to_vec());
        self
    }
}

impl Lookup for StaticLookup {
    fn lookup(&self, host: &str) -> LookupFuture {
        let found = self.table.get(host).cloned();
        Box::pin(async move {
            found.ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such name"))
        })
    }
}

/// Why a name was not turned into addresses. Travels through the client's error chain so the
/// proxy can answer `target_forbidden_address` or `name_not_found`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveError {
    /// The name does not resolve (NXDOMAIN, no addresses, or the lookup failed).
    NotFound { host: String },
    /// Every address the name resolves to is forbidden; the first one and why.
    Forbidden {
        host: String,
        addr: IpAddr,
        reason: &'static str,
    },
}

impl std::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResolveError::NotFound { host } => write!(f, "{host} does not resolve"),
            ResolveError::Forbidden { host, addr, reason } => {
                write!(f, "{host} resolves to {addr} ({reason})")
            }
        }
    }
}

impl std::error::Error for ResolveError {}

/// Keep only the addresses the proxy may connect to.
pub fn vet(host: &str, addrs: Vec<IpAddr>) -> Result<Vec<IpAddr>, ResolveError> {
    let mut first_forbidden = None;
    let mut ok = Vec::with_capacity(addrs.len());
    for a in addrs {
        match forbidden_reason(a) {
            None => ok.push(a),
            Some(reason) => {
                first_forbidden.get_or_insert((a, reason));
            }
        }
    }
    match (ok.is_empty(), first_forbidden) {
        (false, _) => Ok(ok),
        (true, Some((addr, reason))) => Err(ResolveError::Forbidden {
            host: host.to_string(),
            addr,
            reason,
        }),
        (true, None) => Err(ResolveError::NotFound {
            host: host.to_string(),
        }),
    }
}

/// A resolver that returns only vetted addresses.
#[derive(Clone)]
pub struct GuardedResolver {
    lookup: Arc<dyn Lookup>,
}

impl GuardedResolver {
    pub fn new(lookup: Arc<dyn Lookup>) -> Self {
        GuardedResolver { lookup }
    }

    /// Resolve and vet.
    pub async fn resolve_host(&self, host: &str) -> Result<Vec<IpAddr>, ResolveError> {
        // A literal address never reaches here from the proxy (targets are names), but if one
        // does, it is vetted like any answer.
        if let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse() {
            return vet(host, vec![ip]);
        }
        let addrs = self
            .lookup
            .lookup(host)
            .await
            .map_err(|_| ResolveError::NotFound {
                host: host.to_string(),
            })?;
        vet(host, addrs)
    }
}

/// The upstream client's resolver (hyper-util's `HttpConnector` asks it for every name it
/// connects to; an IP host never reaches it, and the proxy hands the client none).
#[derive(Clone)]
pub enum Resolver {
    /// Production: only vetted addresses ([`GuardedResolver`]).
    Guarded(GuardedResolver),
    /// Development mode (`--dev-upstream`, usually an IP address, which needs no lookup) and
    /// tests: names resolve through the lookup as they are, loopback included.
    Unvetted(Arc<dyn Lookup>),
}

/// The addresses a name resolved to, port 0 (the connector sets the URL's port).
pub type Addrs = std::vec::IntoIter<SocketAddr>;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl tower_service::Service<Name> for Resolver {
    type Response = Addrs;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Addrs, BoxError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let ips = match this {
                Resolver::Guarded(r) => r.resolve_host(name.as_str()).await?,
                Resolver::Unvetted(l) => l.lookup(name.as_str()).await?,
            };
            let addrs: Vec<SocketAddr> = ips.into_iter().map(|ip| SocketAddr::new(ip, 0)).collect();
            Ok(addrs.into_iter())
        })
    }
}

/// Find a [`ResolveError`] anywhere in an error's source chain.
pub fn find_resolve_error<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a ResolveError> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(r) = e.downcast_ref::<ResolveError>() {
            return Some(r);
        }
        cur = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn table() -> GuardedResolver {
        GuardedResolver::new(Arc::new(
            StaticLookup::new()
                .with("internal.example", &[ip("10.0.0.5")])
                .with("metadata.example", &[ip("169.254.169.254")])
                .with("loop.example", &[ip("127.0.0.1"), ip("::1")])
                .with("v6meta.example", &[ip("fd00:ec2::254")])
                .with("mapped.example", &[ip("::ffff:192.168.0.1")])
                .with("mixed.example", &[ip("10.0.0.5"), ip("93.184.215.14")])
                .with("public.example", &[ip("93.184.215.14"), ip("2606:2800::1")])
                .with("empty.example", &[]),
        ))
    }

    #[tokio::test]
    async fn names_resolving_to_private_addresses_are_refused() {
        let r = table();
        for (host, addr) in [
            ("internal.example", "10.0.0.5"),
            ("metadata.example", "169.254.169.254"),
            ("loop.example", "127.0.0.1"),
            ("v6meta.example", "fd00:ec2::254"),
            ("mapped.example", "::ffff:192.168.0.1"),
        ] {
            match r.resolve_host(host).await {
                Err(ResolveError::Forbidden { addr: a, .. }) => assert_eq!(a, ip(addr), "{host}"),
                other => panic!("{host}: {other:?}"),
            }
        }
    }

    #[tokio::test]
    async fn forbidden_addresses_are_dropped_from_mixed_answers() {
        let r = table();
        assert_eq!(
            r.resolve_host("mixed.example").await.unwrap(),
            vec![ip("93.184.215.14")]
        );
        assert_eq!(r.resolve_host("public.example").await.unwrap().len(), 2);
    }

    #[tokio::test]
    async fn unknown_names_are_not_found() {
        let r = table();
        for h in ["nowhere.example", "empty.example"] {
            assert!(matches!(
                r.resolve_host(h).await,
                Err(ResolveError::NotFound { .. })
            ));
        }
    }

    /// The second security review's readiness flood, for every lookup: with a resolver that
    /// never answers, the blocking threads in use stay at the bound, whatever the number of
    /// callers, and a caller that gives up does not free a thread that is still blocked.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn blocking_lookups_are_bounded_however_many_callers() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(3);
        static RUNNING: AtomicUsize = AtomicUsize::new(0);
        static MOST: AtomicUsize = AtomicUsize::new(0);
        let release = Arc::new(std::sync::Barrier::new(4));
        let mut callers = Vec::new();
        for _ in 0..40 {
            let release = release.clone();
            callers.push(tokio::spawn(tokio::time::timeout(
                Duration::from_millis(300),
                bounded_blocking(&SLOTS, move || {
                    let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
                    MOST.fetch_max(now, Ordering::SeqCst);
                    // Blocks like a resolver that never answers, until the test lets go.
                    release.wait();
                    RUNNING.fetch_sub(1, Ordering::SeqCst);
                    Ok(vec![])
                }),
            )));
        }
        for c in callers {
            assert!(
                c.await.unwrap().is_err(),
                "every caller gave up at its deadline"
            );
        }
        assert_eq!(
            MOST.load(Ordering::SeqCst),
            3,
            "at most the bound ran at once"
        );
        assert_eq!(
            RUNNING.load(Ordering::SeqCst),
            3,
            "still blocked after the callers left"
        );
        assert_eq!(
            SLOTS.available_permits(),
            0,
            "a blocked lookup keeps its slot"
        );
        release.wait();
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(RUNNING.load(Ordering::SeqCst), 0);
        assert_eq!(
            SLOTS.available_permits(),
            3,
            "slots come back when the lookups return"
        );
    }

    #[tokio::test]
    async fn system_lookup_resolves_localhost() {
        let addrs = SystemLookup.lookup("localhost").await.unwrap();
        assert!(addrs.iter().all(|a| a.is_loopback()) && !addrs.is_empty());
    }

    #[tokio::test]
    async fn literals_are_vetted_too() {
        let r = table();
        assert!(r.resolve_host("127.0.0.1").await.is_err());
        assert!(r.resolve_host("[::1]").await.is_err());
    }

    #[tokio::test]
    async fn the_client_resolver_returns_only_vetted_addresses() {
        use tower_service::Service;
        let mut r = Resolver::Guarded(table());
        let err = r
            .call("internal.example".parse().unwrap())
            .await
            .expect_err("refused");
        assert!(matches!(
            find_resolve_error(&*err),
            Some(ResolveError::Forbidden { .. })
        ));
        let addrs: Vec<_> = r
            .call("mixed.example".parse().unwrap())
            .await
            .ok()
            .unwrap()
            .collect();
        assert_eq!(addrs, vec![SocketAddr::new(ip("93.184.215.14"), 0)]);
    }
}
