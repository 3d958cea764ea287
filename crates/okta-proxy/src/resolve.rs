//! DNS for upstream connections, with every answer vetted by [`crate::ip`].
//!
//! [`GuardedResolver`] is handed to reqwest as its resolver, so the addresses it returns are
//! the only ones reqwest connects to: a name that resolves to loopback, a private network,
//! link-local or a metadata service is refused before any connection, and a rebinding answer
//! later on is vetted again. The lookup itself is behind the [`Lookup`] trait so tests can use
//! a static table ([`StaticLookup`]) instead of the system resolver.

use crate::ip::forbidden_reason;
use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;

pub type LookupFuture = Pin<Box<dyn Future<Output = io::Result<Vec<IpAddr>>> + Send>>;

/// Name → addresses. `Err` or an empty list means the name does not resolve.
pub trait Lookup: Send + Sync + 'static {
    fn lookup(&self, host: &str) -> LookupFuture;
}

/// The operating system's resolver (getaddrinfo on tokio's blocking pool).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemLookup;

impl Lookup for SystemLookup {
    fn lookup(&self, host: &str) -> LookupFuture {
        let host = host.to_string();
        Box::pin(async move {
            let addrs = tokio::net::lookup_host((host.as_str(), 0)).await?;
            Ok(addrs.map(|a| a.ip()).collect())
        })
    }
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

/// Why a name was not turned into addresses. Travels through reqwest's error chain so the
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

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let this = self.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let ips = this.resolve_host(&host).await?;
            let addrs: reqwest::dns::Addrs =
                Box::new(ips.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
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

    #[tokio::test]
    async fn literals_are_vetted_too() {
        let r = table();
        assert!(r.resolve_host("127.0.0.1").await.is_err());
        assert!(r.resolve_host("[::1]").await.is_err());
    }

    #[tokio::test]
    async fn reqwest_resolve_trait_returns_only_vetted_addresses() {
        use reqwest::dns::Resolve;
        let r = table();
        let err = r
            .resolve("internal.example".parse().unwrap())
            .await
            .err()
            .expect("refused");
        assert!(matches!(
            find_resolve_error(&*err),
            Some(ResolveError::Forbidden { .. })
        ));
        let addrs: Vec<_> = r
            .resolve("mixed.example".parse().unwrap())
            .await
            .ok()
            .unwrap()
            .collect();
        assert_eq!(addrs, vec![SocketAddr::new(ip("93.184.215.14"), 0)]);
    }
}
