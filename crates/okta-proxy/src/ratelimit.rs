//! Per-client rate limiting on this replica: [`governor`]'s GCRA, keyed by client address (IPv6
//! clients by /64), allowing a burst of `per_minute` requests and `per_minute` more per minute
//! (the token bucket of [`crate::shared_limit`], which Redis holds with `--rate-limit-redis`).
//!
//! The key table is bounded two ways:
//! * [`RateLimiter::prune`] (governor's `retain_recent` + `shrink_to_fit`) forgets every client
//!   whose allowance has refilled: they lose nothing. The server runs it every [`PRUNE_EVERY`],
//!   and a check also runs it when the table is full.
//! * At most [`MAX_CLIENTS`] clients are tracked. When the table is still full after pruning
//!   (that many clients all active at once), further new clients share one overflow allowance
//!   of the same quota until entries refill: nobody's limit is reset, and the table never grows.

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::{DashMapStateStore, ShrinkableKeyedStateStore};
use governor::state::{InMemoryState, NotKeyed, StateStore};
use governor::Quota;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

/// Most clients tracked at once.
pub const MAX_CLIENTS: usize = 10_000;
/// How often the server forgets clients whose allowance has refilled.
pub const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// The key that a client is counted under: IPv4 address, or the /64 of an IPv6 address.
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return IpAddr::V4(v4);
            }
            let n = u128::from(v6) & (u128::MAX << 64);
            IpAddr::V6(n.into())
        }
    }
}

struct Table {
    clients: DashMapStateStore<IpAddr>,
    /// The allowance new clients share while `clients` is full.
    overflow: InMemoryState,
    max_clients: usize,
}

/// governor's state store: its DashMap, with a cap on the number of keys.
#[derive(Clone)]
struct ClientTable(Arc<Table>);

impl ClientTable {
    /// Whether `key` is new and there is no room for it.
    fn full_for(&self, key: &IpAddr) -> bool {
        !self.0.clients.contains_key(key) && self.0.clients.len() >= self.0.max_clients
    }
}

impl StateStore for ClientTable {
    type Key = IpAddr;

    fn measure_and_replace<T, F, E>(&self, key: &IpAddr, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        if self.full_for(key) {
            self.0.overflow.measure_and_replace(&NotKeyed::NonKey, f)
        } else {
            self.0.clients.measure_and_replace(key, f)
        }
    }
}

impl ShrinkableKeyedStateStore<IpAddr> for ClientTable {
    fn retain_recent(&self, drop_below: Nanos) {
        self.0.clients.retain_recent(drop_below);
    }

    fn shrink_to_fit(&self) {
        self.0.clients.shrink_to_fit();
    }

    fn len(&self) -> usize {
        self.0.clients.len()
    }

    fn is_empty(&self) -> bool {
        self.0.clients.is_empty()
    }
}

type Keyed<C> =
    governor::RateLimiter<IpAddr, ClientTable, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// The per-client limit on this replica; generic over governor's clock so tests can move time.
pub struct RateLimiter<C: Clock = DefaultClock> {
    /// `None` when the limit is off.
    limiter: Option<(Keyed<C>, ClientTable)>,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("tracked_clients", &self.tracked_clients())
            .finish()
    }
}

impl RateLimiter {
    /// `per_minute == 0` disables the limit.
    pub fn new(per_minute: u32) -> Self {
        Self::with_capacity(per_minute, MAX_CLIENTS)
    }

    pub fn with_capacity(per_minute: u32, max_clients: usize) -> Self {
        Self::with_clock(per_minute, max_clients, DefaultClock::default())
    }
}

impl<C: Clock> RateLimiter<C> {
    /// The limit on governor's `clock` (a `FakeRelativeClock` in tests).
    pub fn with_clock(per_minute: u32, max_clients: usize, clock: C) -> Self {
        let limiter = NonZeroU32::new(per_minute).map(|n| {
            let table = ClientTable(Arc::new(Table {
                clients: DashMapStateStore::default(),
                overflow: InMemoryState::default(),
                max_clients: max_clients.max(1),
            }));
            (
                governor::RateLimiter::new(Quota::per_minute(n), table.clone(), clock),
                table,
            )
        });
        RateLimiter { limiter }
    }

    /// Take one request's allowance for `ip` now; `Err(seconds)` to wait when there is none.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        let Some((limiter, table)) = &self.limiter else {
            return Ok(());
        };
        let key = client_key(ip);
        if table.full_for(&key) {
            limiter.retain_recent();
        }
        limiter.check_key(&key).map_err(|not_until| {
            let wait = not_until.wait_time_from(limiter.clock().now());
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            secs.max(1)
        })
    }

    /// Forget the clients whose allowance has refilled, and give back the memory.
    pub fn prune(&self) {
        if let Some((limiter, _)) = &self.limiter {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    pub fn tracked_clients(&self) -> usize {
        self.limiter.as_ref().map_or(0, |(l, _)| l.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;
    use proptest::prelude::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn fake(
        per_minute: u32,
        max_clients: usize,
    ) -> (RateLimiter<FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        (
            RateLimiter::with_clock(per_minute, max_clients, clock.clone()),
            clock,
        )
    }

    #[test]
    fn burst_then_refuse_then_refill() {
        let (rl, clock) = fake(3, MAX_CLIENTS);
        let a = ip("127.0.0.1");
        for _ in 0..3 {
            assert!(rl.check(a).is_ok());
        }
        let wait = rl.check(a).unwrap_err();
        assert!((1..=21).contains(&wait), "{wait}");
        // Another client is unaffected.
        assert!(rl.check(ip("127.0.0.2")).is_ok());
        // 20 s later one token is back (3 per minute).
        clock.advance(Duration::from_secs(20));
        assert!(rl.check(a).is_ok());
        assert!(rl.check(a).is_err());
    }

    #[test]
    fn disabled_when_zero() {
        let (rl, _) = fake(0, MAX_CLIENTS);
        for _ in 0..1000 {
            assert!(rl.check(ip("127.0.0.1")).is_ok());
        }
        assert!(RateLimiter::new(0).check(ip("127.0.0.1")).is_ok());
    }

    #[test]
    fn ipv6_counted_per_64() {
        let (rl, _) = fake(1, MAX_CLIENTS);
        assert!(rl.check(ip("2001:db8:1:2::1")).is_ok());
        assert!(rl.check(ip("2001:db8:1:2::ffff")).is_err());
        assert!(rl.check(ip("2001:db8:1:3::1")).is_ok());
        assert_eq!(client_key(ip("::ffff:10.1.2.3")), ip("10.1.2.3"));
    }

    #[test]
    fn table_is_bounded() {
        let (rl, _) = fake(10, 50);
        for i in 0..500u32 {
            let a = IpAddr::V4((0x0a00_0000 + i).into());
            let _ = rl.check(a);
            assert!(rl.tracked_clients() <= 50);
        }
    }

    /// Clients beyond the cap share one allowance; the tracked ones keep theirs.
    #[test]
    fn a_full_table_resets_nobody() {
        let (rl, _) = fake(2, 3);
        let tracked = ip("10.0.0.1");
        assert!(rl.check(tracked).is_ok());
        assert!(rl.check(tracked).is_ok());
        assert!(rl.check(ip("10.0.0.2")).is_ok());
        assert!(rl.check(ip("10.0.0.3")).is_ok());
        // Full of active clients: newcomers share the overflow allowance (2).
        assert!(rl.check(ip("10.0.9.1")).is_ok());
        assert!(rl.check(ip("10.0.9.2")).is_ok());
        assert!(rl.check(ip("10.0.9.3")).is_err());
        // The tracked client is still refused: its bucket was not forgotten.
        assert!(rl.check(tracked).is_err());
        assert_eq!(rl.tracked_clients(), 3);
    }

    #[test]
    fn the_key_table_is_pruned() {
        let (rl, clock) = fake(3, MAX_CLIENTS);
        for i in 0..100u32 {
            assert!(rl.check(IpAddr::V4((0x0a00_0000 + i).into())).is_ok());
        }
        let busy = ip("192.0.2.1");
        for _ in 0..3 {
            assert!(rl.check(busy).is_ok());
        }
        assert_eq!(rl.tracked_clients(), 101);
        // 50 s on, the one-request clients have refilled (20 s); `busy` has not (60 s).
        clock.advance(Duration::from_secs(50));
        rl.prune();
        assert_eq!(rl.tracked_clients(), 1);
        // Pruning forgets only what is refilled: `busy` has 2 of 3 back, not 3.
        assert!(rl.check(busy).is_ok());
        assert!(rl.check(busy).is_ok());
        assert!(rl.check(busy).is_err());
        clock.advance(Duration::from_secs(121));
        rl.prune();
        assert_eq!(rl.tracked_clients(), 0);
        // A forgotten client starts with a full burst, as it would have anyway.
        for _ in 0..3 {
            assert!(rl.check(busy).is_ok());
        }
        assert!(rl.check(busy).is_err());
    }

    /// Refusal and recovery over the fake clock, step by step (3 per minute: one every 20 s).
    #[test]
    fn refusal_and_recovery_table() {
        let (rl, clock) = fake(3, MAX_CLIENTS);
        let a = ip("198.51.100.7");
        // (seconds to advance first, expected answer)
        let steps: &[(u64, Result<(), u64>)] = &[
            (0, Ok(())),
            (0, Ok(())),
            (0, Ok(())),
            (0, Err(20)),
            (19, Err(1)),
            (1, Ok(())),
            (0, Err(20)),
            (10, Err(10)),
            (10, Ok(())),
            // Idle for long: the burst is back, and no more than the burst.
            (600, Ok(())),
            (0, Ok(())),
            (0, Ok(())),
            (0, Err(20)),
        ];
        for (i, (advance, want)) in steps.iter().enumerate() {
            clock.advance(Duration::from_secs(*advance));
            assert_eq!(rl.check(a), *want, "step {i}");
        }
    }

    proptest! {
        /// Whatever the rate and the traffic: a refusal names a wait of at most one interval,
        /// waiting that long is enough, and no more than the burst plus the refill gets through.
        #[test]
        fn refusal_and_recovery(
            per_minute in 1u32..=600,
            steps in prop::collection::vec((0u64..120_000, 0u32..40), 1..30),
        ) {
            let (rl, clock) = fake(per_minute, MAX_CLIENTS);
            let a = ip("203.0.113.9");
            let interval_ns = u128::from(60_000_000_000u64 / u64::from(per_minute));
            let max_wait = 60u64.div_ceil(u64::from(per_minute));
            let mut elapsed_ns: u128 = 0;
            let mut allowed: u128 = 0;
            for (advance_ms, requests) in steps {
                clock.advance(Duration::from_millis(advance_ms));
                elapsed_ns += u128::from(advance_ms) * 1_000_000;
                for _ in 0..requests {
                    match rl.check(a) {
                        Ok(()) => allowed += 1,
                        Err(wait) => {
                            prop_assert!((1..=max_wait).contains(&wait), "wait {wait}");
                            clock.advance(Duration::from_secs(wait));
                            elapsed_ns += u128::from(wait) * 1_000_000_000;
                            prop_assert_eq!(rl.check(a), Ok(()), "waited {} s", wait);
                            allowed += 1;
                        }
                    }
                    prop_assert!(
                        allowed <= u128::from(per_minute) + elapsed_ns / interval_ns,
                        "{allowed} allowed in {elapsed_ns} ns"
                    );
                }
            }
        }
    }
}
