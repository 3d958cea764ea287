//! The rate-limit buckets in Redis (`--rate-limit-redis URL`), so that N replicas behind a load
//! balancer enforce one limit per client. The bucket allows what [`crate::ratelimit`]'s governor
//! quota allows (`per_minute` tokens, refilled `per_minute` per minute, per client key), kept in
//! a Redis hash and updated atomically by a Lua script on Redis's own clock.
//!
//! A rate limiter's outage must not become the page's outage: when Redis does not answer within
//! [`REDIS_TIMEOUT`], the caller falls back to the replica's own buckets, and Redis is tried again
//! after [`RETRY_AFTER`]. The server logs each change and exposes it in its metrics.

use crate::ratelimit::client_key;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Longest wait for one Redis round trip before the replica's own limit is used.
pub const REDIS_TIMEOUT: Duration = Duration::from_millis(300);
/// After a failure, Redis is not asked again for this long.
pub const RETRY_AFTER: Duration = Duration::from_secs(2);
/// Longest wait for the first connection at start.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// KEYS[1] = bucket, ARGV[1] = tokens per minute. Returns {allowed (0/1), seconds to wait}.
const SCRIPT: &str = r"
local cap = tonumber(ARGV[1])
local per_ms = cap / 60000
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1]) or cap
local ts = tonumber(b[2]) or now
if now > ts then
  tokens = math.min(cap, tokens + (now - ts) * per_ms)
end
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.max(1, math.ceil((1 - tokens) / per_ms / 1000))
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(math.max(now, ts)))
redis.call('PEXPIRE', KEYS[1], math.ceil(cap / per_ms) + 1000)
return {allowed, wait}
";

/// The shared buckets.
pub struct SharedLimiter {
    conn: ConnectionManager,
    script: redis::Script,
    per_minute: u32,
    /// Set while Redis is failing: not asked again before this instant.
    down_until: Mutex<Option<Instant>>,
}

/// A Redis URL with its password (if any) replaced, for messages.
pub fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "(unparsable URL)".into(),
    }
}

/// `msg` without the password of `url`.
fn hide_password(url: &str, msg: &str) -> String {
    match url::Url::parse(url)
        .ok()
        .and_then(|u| u.password().map(str::to_string))
    {
        Some(p) if !p.is_empty() => msg.replace(&p, "***"),
        _ => msg.to_string(),
    }
}

/// What one check said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shared {
    /// Redis answered: `Ok` or `Err(seconds to wait)`.
    Answer(Result<(), u64>),
    /// Redis did not answer now (the message says why); it was answering before.
    Failed(String),
    /// Redis is known to be down; not asked.
    Skipped,
}

impl SharedLimiter {
    /// Connect (errors name `--rate-limit-redis`).
    pub async fn connect(url: &str, per_minute: u32) -> Result<Self, String> {
        let shown = redacted(url);
        let client = redis::Client::open(url)
            .map_err(|e| format!("--rate-limit-redis: {shown} is not a Redis URL: {e}"))?;
        let config = ConnectionManagerConfig::new()
            .set_number_of_retries(1)
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(REDIS_TIMEOUT));
        let conn = tokio::time::timeout(
            CONNECT_TIMEOUT,
            ConnectionManager::new_with_config(client, config),
        )
        .await
        .map_err(|_| format!("--rate-limit-redis: {shown} did not answer in time"))?
        .map_err(|e| {
            format!(
                "--rate-limit-redis: cannot reach {shown}: {}",
                hide_password(url, &e.to_string())
            )
        })?;
        let this = SharedLimiter {
            conn,
            script: redis::Script::new(SCRIPT),
            per_minute,
            down_until: Mutex::new(None),
        };
        let mut c = this.conn.clone();
        let pong: Result<String, _> =
            tokio::time::timeout(CONNECT_TIMEOUT, redis::cmd("PING").query_async(&mut c))
                .await
                .map_err(|_| format!("--rate-limit-redis: {shown} did not answer in time"))?;
        pong.map_err(|e| {
            format!(
                "--rate-limit-redis: {shown} refused PING: {}",
                hide_password(url, &e.to_string())
            )
        })?;
        Ok(this)
    }

    fn key(ip: IpAddr) -> String {
        format!("okta-proxy:rate:{}", client_key(ip))
    }

    /// Take one token for `ip` from the shared bucket.
    pub async fn check(&self, ip: IpAddr) -> Shared {
        if self.per_minute == 0 {
            return Shared::Answer(Ok(()));
        }
        let now = Instant::now();
        {
            let mut down = self.down_until.lock().unwrap_or_else(|p| p.into_inner());
            match *down {
                Some(until) if now < until => return Shared::Skipped,
                _ => {}
            }
            if down.is_some() {
                // Try again, once; others keep skipping meanwhile.
                *down = Some(now + RETRY_AFTER);
            }
        }
        let mut conn = self.conn.clone();
        let mut inv = self.script.key(Self::key(ip));
        inv.arg(self.per_minute);
        let res: Result<Result<(i64, i64), redis::RedisError>, _> =
            tokio::time::timeout(REDIS_TIMEOUT, inv.invoke_async(&mut conn)).await;
        let failure = match res {
            Ok(Ok((allowed, wait))) => {
                *self.down_until.lock().unwrap_or_else(|p| p.into_inner()) = None;
                return Shared::Answer(if allowed == 1 {
                    Ok(())
                } else {
                    Err(wait.max(1) as u64)
                });
            }
            Ok(Err(e)) => format!("Redis error: {}", e.category()),
            Err(_) => format!("no answer within {} ms", REDIS_TIMEOUT.as_millis()),
        };
        *self.down_until.lock().unwrap_or_else(|p| p.into_inner()) =
            Some(Instant::now() + RETRY_AFTER);
        Shared::Failed(failure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            redacted("redis://:hunter2@127.0.0.1:6379/0"),
            "redis://:***@127.0.0.1:6379/0"
        );
        assert_eq!(redacted("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
        assert!(!redacted("not a url hunter2").contains("hunter2"));
    }
}
