//! Per-client rate limiting: a token bucket per client address (IPv6 clients by /64), holding
//! `per_minute` tokens and refilling `per_minute` per minute. The table is bounded.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// Most clients tracked at once; full buckets are forgotten first.
pub const MAX_CLIENTS: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    max_clients: usize,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

/// The key a client is counted under: IPv4 address, or the /64 of an IPv6 address.
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

impl RateLimiter {
    /// `per_minute == 0` disables the limit.
    pub fn new(per_minute: u32) -> Self {
        Self::with_capacity(per_minute, MAX_CLIENTS)
    }

    pub fn with_capacity(per_minute: u32, max_clients: usize) -> Self {
        RateLimiter {
            per_minute,
            max_clients: max_clients.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn rate_per_sec(&self) -> f64 {
        f64::from(self.per_minute) / 60.0
    }

    /// Take one token for `ip` at `now`; `Err(seconds)` to wait when the bucket is empty.
    pub fn check(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let cap = f64::from(self.per_minute);
        let rate = self.rate_per_sec();
        let key = client_key(ip);
        let mut map = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if !map.contains_key(&key) && map.len() >= self.max_clients {
            // Forget clients whose bucket has refilled: they lose nothing.
            map.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.last).as_secs_f64() * rate < cap
            });
            if map.len() >= self.max_clients {
                if let Some(oldest) = map.iter().min_by_key(|(_, b)| b.last).map(|(k, _)| *k) {
                    map.remove(&oldest);
                }
            }
        }
        let b = map.entry(key).or_insert(Bucket {
            tokens: cap,
            last: now,
        });
        let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + elapsed * rate).min(cap);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - b.tokens) / rate;
            Err(wait.ceil().max(1.0) as u64)
        }
    }

    pub fn tracked_clients(&self) -> usize {
        self.buckets.lock().map(|m| m.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn burst_then_refuse_then_refill() {
        let rl = RateLimiter::new(3);
        let t0 = Instant::now();
        let a = ip("127.0.0.1");
        for _ in 0..3 {
            assert!(rl.check(a, t0).is_ok());
        }
        let wait = rl.check(a, t0).unwrap_err();
        assert!((1..=21).contains(&wait), "{wait}");
        // Another client is unaffected.
        assert!(rl.check(ip("127.0.0.2"), t0).is_ok());
        // 20 s later one token is back (3 per minute).
        assert!(rl.check(a, t0 + Duration::from_secs(20)).is_ok());
        assert!(rl.check(a, t0 + Duration::from_secs(20)).is_err());
    }

    #[test]
    fn disabled_when_zero() {
        let rl = RateLimiter::new(0);
        let t0 = Instant::now();
        for _ in 0..1000 {
            assert!(rl.check(ip("127.0.0.1"), t0).is_ok());
        }
    }

    #[test]
    fn ipv6_counted_per_64() {
        let rl = RateLimiter::new(1);
        let t0 = Instant::now();
        assert!(rl.check(ip("2001:db8:1:2::1"), t0).is_ok());
        assert!(rl.check(ip("2001:db8:1:2::ffff"), t0).is_err());
        assert!(rl.check(ip("2001:db8:1:3::1"), t0).is_ok());
        assert_eq!(client_key(ip("::ffff:10.1.2.3")), ip("10.1.2.3"));
    }

    #[test]
    fn table_is_bounded() {
        let rl = RateLimiter::with_capacity(10, 50);
        let t0 = Instant::now();
        for i in 0..500u32 {
            let a = IpAddr::V4((0x0a00_0000 + i).into());
            let _ = rl.check(a, t0);
            assert!(rl.tracked_clients() <= 50);
        }
    }
}
